// SPDX-License-Identifier: MIT
/*
 * VMSAv8-64 translation table walks, as an SMMU performs them.
 *
 * One walker serves both stages: a stage-1 walk under nesting translates
 * every table address through stage 2 first (faults there carry S2 = 1,
 * CLASS = TT and the table's IPA), then the stage-1 output IPA goes through
 * stage 2 with CLASS = IN.  Permissions are computed per stage and per
 * privilege (PERM_*); a stage-1 permission fault is taken before the
 * output address is translated by stage 2, as the architecture orders them.
 *
 * Hardware updates: with HA the access flag is set in memory by a
 * compare-and-swap; with HD a write to a DBM page clears AP[2] (stage 1) or
 * sets S2AP[1] (stage 2) the same way.  A lost race re-reads the descriptor.
 *
 * Walk caches hold the table descriptors walks read (see "Walk caches"
 * below); descriptors are read straight from the memory's pages.
 *
 * Implementation choices where the architecture leaves options
 * (docs/design.md lists them): FEAT_XNX is not implemented (stage-2 XN is
 * bit 54 alone); FEAT_LPA2 is not implemented (52-bit output addresses
 * need the 64K granule, OA[51:48] in descriptor bits [15:12]).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/hw.h"

#define WALK_FAULT 1
#define WALK_REFETCH 2 /* walk_leaf(): a hardware update lost a race */
#define HTTU_RETRIES 16

/*
 * Output or next-level address held in a descriptor; @amask is
 * VS_GENMASK(47, g), worked out once per walk.
 */
static inline uint64_t desc_addr_m(uint64_t d, unsigned int g, uint64_t amask)
{
	uint64_t a = d & amask;

	if (g == 16)
		a |= VS_FIELD_GET(ARM_LPAE_PTE_ADDR_HI_64K, d) << 48;
	return a;
}

static inline uint64_t desc_addr(uint64_t d, unsigned int g)
{
	return desc_addr_m(d, g, VS_GENMASK(47, g));
}

static bool block_allowed(const struct vsmmu_smmu *s, unsigned int g,
			  unsigned int level)
{
	switch (g) {
	case 12:
		return level == 1 || level == 2;
	case 14:
		return level == 2;
	case 16:
		return level == 2 || (level == 1 && s->oas == 52);
	}
	return false;
}

static int walk_fault(struct fault *f, unsigned int id, bool s2,
		      unsigned int class, uint64_t ipa)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->s2 = s2;
	f->class = class;
	f->ipa = ipa;
	return WALK_FAULT;
}

/* The permission an access needs, as a PERM_* bit. */
static inline unsigned int perm_needed(unsigned int flags)
{
	bool priv = flags & VSMMU_TXN_PRIV;

	if (flags & VSMMU_TXN_EXEC)
		return priv ? PERM_PX : PERM_UX;
	if (flags & VSMMU_TXN_WRITE)
		return priv ? PERM_PW : PERM_UW;
	return priv ? PERM_PR : PERM_UR;
}

static unsigned int s1_perms(uint64_t d, unsigned int tattr,
			     const struct stream_cfg *sc)
{
	const struct s1_cfg *s1 = &sc->s1;
	bool ro = (d & ARM_LPAE_PTE_AP_RDONLY) || (tattr & TATTR_RO);
	bool el0 = (d & ARM_LPAE_PTE_AP_UNPRIV) && !(tattr & TATTR_NOEL0);
	bool uxn = (d & ARM_LPAE_PTE_UXN) || (tattr & TATTR_XN);
	bool pxn = (d & ARM_LPAE_PTE_PXN) || (tattr & TATTR_PXN);
	unsigned int p;

	if (sc->el2 && !sc->e2h) {
		/* One privilege level: AP[1] is ignored, XN is bit 54. */
		p = PERM_PR | (ro ? 0 : PERM_PW) | (uxn ? 0 : PERM_PX);
		if (s1->wxn && !ro)
			p &= ~PERM_PX;
		return p | (p << 3);
	}
	p = PERM_PR | (ro ? 0 : PERM_PW);
	if (el0)
		p |= PERM_UR | (ro ? 0 : PERM_UW);
	/* Memory writable at EL0 is never executable at EL1. */
	if (!pxn && !(el0 && !ro))
		p |= PERM_PX;
	if (!uxn)
		p |= PERM_UX;
	if (s1->wxn && !ro)
		p &= ~(PERM_PX | PERM_UX);
	/* PAN: privileged data accesses to EL0-accessible memory fault. */
	if (s1->pan && el0)
		p &= ~(PERM_PR | PERM_PW);
	return p;
}

static unsigned int s2_perms(uint64_t d)
{
	unsigned int p = 0;

	if (d & ARM_LPAE_PTE_HAP_READ)
		p |= PERM_PR | PERM_UR;
	if (d & ARM_LPAE_PTE_HAP_WRITE)
		p |= PERM_PW | PERM_UW;
	if (!(d & VS_BIT(54)))
		p |= PERM_PX | PERM_UX;
	return p;
}

static void trace_desc(struct txn_ctx *t, unsigned int stage, int level,
		       unsigned int g, uint64_t in, uint64_t pa, uint64_t ipa,
		       uint64_t d)
{
	struct vsmmu_trace_step st = {
		.kind = VSMMU_TRACE_DESC,
		.granule_shift = g,
		.stage = stage,
		.level = level,
		.in = in,
		.addr = pa,
		.ipa = ipa,
		.value = d,
	};

	hw_trace(t, &st);
}

/*
 * The host pages of the tables this thread's last walk read, per stage
 * and level.  Most walks share their upper tables with the one before,
 * and a page pointer stays good while the memory's epoch does not move
 * (mem.h: it moves when a page is unmapped), so the memory's index need
 * not be asked again.  Keyed by the SMMU's uid, never reused, so that an
 * SMMU created where a destroyed one was never sees its pages, and by the
 * epoch, read as each walk begins.  Thread-local: nothing shared is
 * written.
 */
/*
 * A nested walk's stage-2 translation of the page of the stage-1 table it
 * read at a level.  Unlike the host pages, a translation can be
 * invalidated: one is used only by a walk whose fill generation is the
 * one it was made under (no invalidation began since; hw_fill_gen()), so
 * it is a copy of what the stage-2 cache held then.
 */
struct ipa_memo {
	uint64_t key; /* IPA page + 1, 0: none */
	uint64_t pa; /* its PA page */
	uint64_t gen; /* fill generation of the walk that made it */
	uint16_t vmid; /* of the stage 2 that translated it */
	uint8_t perm, shift; /* stage-2 permission and leaf size */
};

struct page_memo {
	uint64_t uid, epoch;
	struct {
		uint64_t key; /* pfn + 1 of the page, 0: none */
		const uint64_t *pg;
	} lv[2][4];
	struct ipa_memo ipa[4];
};

static __thread struct page_memo walk_memo;

/* This thread's memo, emptied if it was another SMMU's. */
static inline struct page_memo *memo_of(const struct vsmmu_smmu *s)
{
	struct page_memo *m = &walk_memo;
	uint64_t epoch = vsmmu_mem_epoch(s->mem);

	if (__builtin_expect(m->uid != s->uid || m->epoch != epoch, 0)) {
		memset(m, 0, sizeof(*m));
		m->uid = s->uid;
		m->epoch = epoch;
	}
	return m;
}

/*
 * Read the descriptor at @pa (of @stage, @level) straight from the
 * memory's page, found through the memo @m.  Descriptor addresses are
 * always 8-byte aligned.  Return 0 or -EFAULT.
 */
static inline int desc_read(const struct vsmmu_smmu *s, struct page_memo *m,
			    unsigned int stage, unsigned int level, uint64_t pa,
			    uint64_t *d)
{
	uint64_t key = (pa >> 12) + 1;
	const uint64_t *pg;

	if (__builtin_expect(m->lv[stage - 1][level].key == key, 1)) {
		pg = m->lv[stage - 1][level].pg;
	} else {
		pg = vsmmu_mem_page(s->mem, pa);
		if (__builtin_expect(!pg, 0))
			return -EFAULT;
		m->lv[stage - 1][level].key = key;
		m->lv[stage - 1][level].pg = pg;
	}
	*d = le64toh(
		__atomic_load_n(pg + ((pa & 0xfff) >> 3), __ATOMIC_RELAXED));
	return 0;
}

struct leaf {
	uint64_t oa; /* output address of the input address */
	uint64_t desc;
	uint8_t shift, level, gshift;
	uint8_t perm;
};

/*
 * What a side-effect-free walk saw of the table descriptors on its way,
 * for the checker to compare with a walk-cache entry: for each level L
 * whose descriptor was a valid table descriptor, the next table's address
 * (as the descriptor gives it), the TATTR_* collected down to L, and the
 * next table's PA once it was translated (nested).
 */
struct walk_rec {
	int tables; /* levels 0..tables-1 (absolute) gave tables; -1 none */
	uint64_t next[4], next_pa[4];
	unsigned int tattr[4];
	bool pa_known[4];
};

/* --- Walk caches -------------------------------------------------------- */

/*
 * Stage-1 and stage-2 caches of table descriptors (hw->wc[0], wc[1]), each
 * a set-associative cache (cache.h) of WC_WORDS-word entries (hw.h): the
 * descriptor of level L for the region of 2^lsb(L) bytes holding an input
 * address, tagged like the IOTLB (VMID, ASID, kind, EL2) plus the level and
 * the granule, and hashed by that region at its own size.  Only valid
 * table descriptors are cached, as the architecture requires of walk
 * caches.  A walk probes from the deepest level up, and starts below the
 * deepest entry it finds; every table descriptor it then reads is
 * inserted (under nesting, once the next table's stage-2 translation is
 * known, so that the entry can hold its PA).  The invalidation rules are
 * in hw_wc_tlbi() and docs/design.md.
 */

static const unsigned int wc_default_sets[2] = { 128, 64 };

int hw_wc_init(struct vsmmu_smmu *s)
{
	const struct vsmmu_smmu_config *cfg = &s->cfg;
	unsigned int sets[2] = { cfg->s1wc_sets, cfg->s2wc_sets };
	unsigned int ways[2] = { cfg->s1wc_ways, cfg->s2wc_ways };
	int i, rc;

	s->wc_on = !cfg->walk_caches_off;
	if (!s->wc_on)
		return 0;
	for (i = 0; i < 2; i++) {
		rc = sa_init(&s->wc[i], sets[i] ? sets[i] : wc_default_sets[i],
			     ways[i] ? ways[i] : 4, WC_WORDS, 0);
		if (rc) {
			if (i)
				sa_fini(&s->wc[0]);
			return rc;
		}
	}
	return 0;
}

void hw_wc_fini(struct vsmmu_smmu *s)
{
	if (!s->wc_on)
		return;
	sa_fini(&s->wc[0]);
	sa_fini(&s->wc[1]);
}

size_t hw_wc_bytes(const struct vsmmu_smmu *s)
{
	return s->wc_on ? sa_bytes(&s->wc[0]) + sa_bytes(&s->wc[1]) : 0;
}

/* The walk-cache tag fields a stream's walks of @stage match. */
static inline uint64_t wc_key(const struct stream_cfg *sc, unsigned int stage)
{
	if (stage == 2)
		return VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
		       VS_FIELD_PREP(TLB_TAG_KIND, TLB_KIND_S2) | TLB_TAG_VALID;
	return VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
	       VS_FIELD_PREP(TLB_TAG_ASID,
			     (sc->el2 && !sc->e2h) ? 0 : sc->s1.asid) |
	       (sc->s1.aset ? TLB_TAG_ASET : 0) |
	       VS_FIELD_PREP(TLB_TAG_KIND, sc->mode == MODE_NESTED ?
						   TLB_KIND_S12 :
						   TLB_KIND_S1) |
	       (sc->el2 ? TLB_TAG_EL2 : 0) | TLB_TAG_VALID;
}

struct wc_hit {
	unsigned int level; /* of the cached table descriptor */
	uint64_t tag, next, next_pa;
};

/*
 * The deepest cached table descriptor on the way to @ia, at a level in
 * [@start, 2].  Lock-free; false if none (or a writer was inside a set).
 */
static bool wc_lookup(struct vsmmu_smmu *s, unsigned int stage, uint64_t key,
		      unsigned int g, unsigned int start, uint64_t ia,
		      struct wc_hit *h)
{
	struct sa_cache *c = &s->wc[stage - 1];
	int level;

	for (level = 2; level >= (int)start; level--) {
		unsigned int lsb = hw_level_lsb(g, level), way;
		uint64_t base = ia & ~((1ULL << lsb) - 1);
		uint64_t k = key | VS_FIELD_PREP(WC_TAG_LEVEL, level) |
			     VS_FIELD_PREP(WC_TAG_GSHIFT, g - 10);
		uint64_t *set, seq;

		if (!(__atomic_load_n(&s->wc_lsbs[stage - 1],
				      __ATOMIC_RELAXED) &
		      VS_BIT(lsb)))
			continue;
		set = sa_set(c, hw_tlb_hash(base, lsb));
		seq = sa_read_begin(set);
		if (seq & 1)
			return false;
		for (way = 0; way < c->ways; way++) {
			uint64_t *e = sa_way(c, set, way);
			uint64_t w0 = sa_ld(&e[0]);

			if ((w0 & WC_TAG_MATCH) != k || sa_ld(&e[1]) != base)
				continue;
			h->tag = w0;
			h->next = sa_ld(&e[2]);
			h->next_pa = sa_ld(&e[3]);
			if (!sa_read_valid(set, seq))
				return false;
			h->level = level;
			sa_touch(set, way);
			return true;
		}
	}
	return false;
}

/* Cache the table descriptor of @level on the way to @ia. */
static void wc_insert(struct txn_ctx *t, unsigned int stage, uint64_t key,
		      unsigned int g, unsigned int level, uint64_t ia,
		      uint64_t next, uint64_t next_pa, uint64_t flags)
{
	struct vsmmu_smmu *s = t->smmu;
	unsigned int lsb = hw_level_lsb(g, level);
	uint64_t w[WC_WORDS];

	w[0] = key | VS_FIELD_PREP(WC_TAG_LEVEL, level) |
	       VS_FIELD_PREP(WC_TAG_GSHIFT, g - 10) | flags;
	w[1] = ia & ~((1ULL << lsb) - 1);
	w[2] = next;
	w[3] = next_pa;
	/* Both flags are published before the entry can be found. */
	if (!(__atomic_load_n(&s->wc_lsbs[stage - 1], __ATOMIC_RELAXED) &
	      VS_BIT(lsb)))
		__atomic_fetch_or(&s->wc_lsbs[stage - 1], VS_BIT(lsb),
				  __ATOMIC_SEQ_CST);
	if (stage == 1 && VS_FIELD_GET(TLB_TAG_KIND, key) == TLB_KIND_S12 &&
	    !__atomic_load_n(&s->wc_nested, __ATOMIC_RELAXED))
		__atomic_store_n(&s->wc_nested, 1, __ATOMIC_SEQ_CST);
	if (sa_insert(&s->wc[stage - 1], hw_tlb_hash(w[1], lsb), w, NULL,
		      &s->inv_gen, t->gen) > 0)
		hw_stat_inc(s, ST_EVICT);
}

static bool wc_match_fn(const uint64_t *e, const void *arg)
{
	const struct wc_inv *m = arg;
	uint64_t w0 = sa_ld(&e[0]);
	unsigned int kind = VS_FIELD_GET(TLB_TAG_KIND, w0);
	unsigned int level = VS_FIELD_GET(WC_TAG_LEVEL, w0);
	unsigned int g = VS_FIELD_GET(WC_TAG_GSHIFT, w0) + 10;

	if (!(m->kinds & (1U << kind)) || !!(w0 & TLB_TAG_EL2) != m->el2)
		return false;
	if (!m->any_vmid && VS_FIELD_GET(TLB_TAG_VMID, w0) != m->vmid)
		return false;
	/* Table entries are never global: an ASID scope always applies */
	if (m->asid >= 0 &&
	    VS_FIELD_GET(TLB_TAG_ASID, w0) != (unsigned int)m->asid)
		return false;
	if (m->shared_only && (w0 & TLB_TAG_ASET))
		return false;
	if (m->ranged) {
		uint64_t base = sa_ld(&e[1]);
		uint64_t last = base + ((1ULL << hw_level_lsb(g, level)) - 1);

		if (last < m->start || base > m->last)
			return false;
		/*
		 * TTL: the leaves are at level TTL, so the table entries
		 * required to go are those of the levels above it (4.4.1.1).
		 */
		if (m->ttl && level >= m->ttl)
			return false;
		if (m->gshift && g != m->gshift)
			return false;
	}
	return true;
}

/*
 * The entries a TLBI covers.  A Leaf = 1 TLBI is only required to remove
 * last-level entries (4.4.2.3, 4.4.2.4, 4.4.3.1): walk-cache entries stay,
 * and with the checker on they are marked, so that a later use of one
 * that memory no longer agrees with can be reported as such.
 */
void hw_wc_tlbi(struct vsmmu_smmu *s, const struct wc_inv *w)
{
	struct sa_cache *c;
	uint64_t lsbs;
	unsigned int i;

	if (!s->wc_on)
		return;
	c = &s->wc[w->stage - 1];
	lsbs = __atomic_load_n(&s->wc_lsbs[w->stage - 1], __ATOMIC_SEQ_CST);
	if (w->leaf) {
		if (hw_check_on(s))
			for (i = 0; i < c->sets; i++)
				sa_mark_set(c, sa_set(c, i), wc_match_fn, w,
					    WC_TAG_LEAF_KEPT);
		return;
	}
	/*
	 * A small range probes, for every region size cached, the sets of
	 * the regions it meets (an insert publishes its size in wc_lsbs
	 * before it locks its set, as tlb_shifts for the IOTLB); anything
	 * else sweeps.
	 */
	if (!w->ranged || w->last - w->start >= (64ULL << 12)) {
		sa_invalidate_all(c, wc_match_fn, w);
		return;
	}
	while (lsbs) {
		unsigned int sh = __builtin_ctzll(lsbs);
		uint64_t a = w->start & ~((1ULL << sh) - 1);

		lsbs &= lsbs - 1;
		for (; a <= w->last; a += 1ULL << sh) {
			sa_invalidate_set(c, sa_set(c, hw_tlb_hash(a, sh)),
					  wc_match_fn, w);
			if (a + (1ULL << sh) < a)
				break;
		}
	}
}

struct wc_nested_inv {
	uint16_t vmid;
	uint64_t start, last;
};

static bool wc_nested_match_fn(const uint64_t *e, const void *arg)
{
	const struct wc_nested_inv *m = arg;
	uint64_t w0 = sa_ld(&e[0]), next = sa_ld(&e[2]);
	unsigned int g = VS_FIELD_GET(WC_TAG_GSHIFT, w0) + 10;

	return VS_FIELD_GET(TLB_TAG_KIND, w0) == TLB_KIND_S12 &&
	       (w0 & WC_TAG_PA) && VS_FIELD_GET(TLB_TAG_VMID, w0) == m->vmid &&
	       next + ((1ULL << g) - 1) >= m->start && next <= m->last;
}

/*
 * A stage-1 walk-cache entry of a nested stream that holds its next
 * table's PA holds a stage-2 translation of that table's IPA, and a
 * combined cache entry goes whenever any part of it would (16.2.1): so
 * TLBI_S2_IPA of the table's IPA removes it, whatever its Leaf (the
 * stage-2 part is a last-level translation).
 */
void hw_wc_tlbi_nested(struct vsmmu_smmu *s, uint16_t vmid, uint64_t start,
		       uint64_t last)
{
	struct wc_nested_inv m = { .vmid = vmid, .start = start, .last = last };

	if (s->wc_on && __atomic_load_n(&s->wc_nested, __ATOMIC_SEQ_CST))
		sa_invalidate_all(&s->wc[0], wc_nested_match_fn, &m);
}

/* --- Table walks --------------------------------------------------------- */

static void wc_check_hit(struct txn_ctx *t, const struct stream_cfg *sc,
			 unsigned int stage, uint64_t ia, unsigned int class,
			 const struct wc_hit *h);
static int walk_tt(struct txn_ctx *t, const struct stream_cfg *sc,
		   unsigned int stage, uint64_t ia, unsigned int class,
		   struct leaf *lf, struct fault *f, struct walk_rec *rec);

/*
 * Translate the address @daddr of a stage-1 descriptor through stage 2
 * (nested): *@dpa, and the stage-2 leaf's size and permission in @w2.
 */
static inline int s1_table_s2(struct txn_ctx *t, const struct stream_cfg *sc,
			      uint64_t daddr, uint64_t *dpa,
			      struct walk_result *w2, struct fault *f)
{
	return hw_s2_translate(t, sc, daddr, EVTQ_1_CLASS_TT, true, dpa, w2, f);
}

/*
 * The leaf at @dpa: apply the access flag and dirty state (HA, HD), and
 * fill @lf.  Rarely does anything but the last step.
 */
static inline __attribute__((always_inline)) int
walk_leaf(struct txn_ctx *t, const struct stream_cfg *sc, unsigned int stage,
	  uint64_t ia, unsigned int class, unsigned int g, unsigned int level,
	  unsigned int lsb, unsigned int tattr, uint64_t daddr, uint64_t dpa,
	  unsigned int s2perm, uint64_t d, struct leaf *lf, struct fault *f,
	  unsigned int *retries, const bool general)
{
	struct vsmmu_smmu *s = t->smmu;
	bool s2 = stage == 2;
	const struct s1_cfg *s1 = &sc->s1;
	const struct s2_cfg *s2c = &sc->s2;
	unsigned int oas = s2 ? s2c->oas : s1->oas;
	bool be = s2 ? s2c->be : s1->be, ha = s2 ? s2c->ha : s1->ha;
	bool hd = s2 ? s2c->hd : s1->hd, affd = s2 ? s2c->affd : s1->affd;
	uint64_t nd;

	{
		lf->oa = desc_addr(d, g) & ~((1ULL << lsb) - 1);
		if (lf->oa >> oas)
			return walk_fault(f, EVT_ID_ADDR_SIZE, s2,
					  s2 ? class : EVTQ_1_CLASS_IN,
					  s2 ? ia : 0);
		nd = d;
		if (!(d & ARM_LPAE_PTE_AF)) {
			if (ha)
				nd |= ARM_LPAE_PTE_AF;
			else if (!affd)
				return walk_fault(f, EVT_ID_ACCESS, s2,
						  s2 ? class : EVTQ_1_CLASS_IN,
						  s2 ? ia : 0);
		}
		/*
		 * Dirty state: a write to a page that is read-only only
		 * through AP[2] (not APTable) or S2AP[1], with DBM set, makes
		 * it writable -- if the write is otherwise permitted.  Never
		 * for the stage-2 mapping of a table or CD fetch.
		 */
		if (hd && (t->flags & VSMMU_TXN_WRITE) &&
		    class == EVTQ_1_CLASS_IN && (d & ARM_LPAE_PTE_DBM)) {
			uint64_t dirty = stage == 1 ?
						 nd & ~ARM_LPAE_PTE_AP_RDONLY :
						 nd | ARM_LPAE_PTE_HAP_WRITE;
			unsigned int p = stage == 1 ?
						 s1_perms(dirty, tattr, sc) :
						 s2_perms(dirty);

			if (p & perm_needed(t->flags))
				nd = dirty;
		}
		if (nd != d) {
			uint64_t old = be ? __builtin_bswap64(d) : d;
			uint64_t new = be ? __builtin_bswap64(nd) : nd;
			int rc;

			/* Under nesting the update is a write via stage 2 */
			if (!(s2perm & PERM_PW)) {
				walk_fault(f, EVT_ID_PERMISSION, true,
					   EVTQ_1_CLASS_TT, daddr);
				return WALK_FAULT; /* TTRnW = 0: a write */
			}
			/* A checker's probe sees the update but makes none */
			rc = general && t->probe ?
				     0 :
				     vsmmu_mem_cmpxchg64(s->mem, dpa, &old,
							 new);
			/* Lost a race: the descriptor changed, fetch it again */
			if (rc == -EAGAIN && ++*retries < HTTU_RETRIES)
				return WALK_REFETCH;
			if (rc) {
				walk_fault(f, EVT_ID_WALK_EABT, s2,
					   s2 ? class : EVTQ_1_CLASS_TT, dpa);
				f->fetch = 1;
				return WALK_FAULT;
			}
			if (general && t->trace)
				hw_note(t,
					"hardware update: descriptor at "
					"0x%llx now 0x%llx",
					(unsigned long long)dpa,
					(unsigned long long)nd);
			d = nd;
		}
	}
	lf->oa |= ia & ((1ULL << lsb) - 1);
	lf->desc = d;
	lf->shift = lsb;
	lf->level = level;
	lf->gshift = g;
	lf->perm = stage == 1 ? s1_perms(d, tattr, sc) : s2_perms(d);
	return 0;
}

/*
 * Walk one table.  @stage is 1 or 2; under nesting, stage-1 table
 * addresses are IPAs.  @class is the CLASS a stage-2 fault reports
 * (stage 1 always reports IN for its own faults).  @rec, when not NULL,
 * records the table descriptors met (a checker's probe).  Return 0 or
 * WALK_FAULT.
 *
 * One body, three instances (walk_tt() picks): @general false is the
 * common walk -- not traced, not a checker's probe, not recording -- with
 * those branches compiled out, and with @nested_inst false not a nested
 * stage 1 either.
 */
static inline __attribute__((always_inline)) int
walk_tt_impl(struct txn_ctx *t, const struct stream_cfg *sc, unsigned int stage,
	     uint64_t ia, unsigned int class, struct leaf *lf, struct fault *f,
	     struct walk_rec *rec, const bool general, const bool nested_inst)
{
	struct vsmmu_smmu *s = t->smmu;
	const struct tt_cfg *tt = stage == 1 ? &sc->s1.tt[(ia >> 55) & 1] :
					       &sc->s2.tt;
	const bool s2 = stage == 2;
	const bool nested = (general || nested_inst) && !s2 &&
			    sc->mode == MODE_NESTED;
	const unsigned int g = tt->gshift, start = tt->start_level;
	const unsigned int oas = s2 ? sc->s2.oas : sc->s1.oas;
	const bool be = s2 ? sc->s2.be : sc->s1.be;
	const uint64_t amask = VS_GENMASK(47, g);
	/* Walk caches: not for traced walks nor checker probes */
	const bool use_wc = s->wc_on && t->use_cache && !(general && t->probe);
	struct page_memo *memo = memo_of(s);
	unsigned int level = start, tattr = 0, ndesc = 0, lsb, bits,
		     retries = 0;
	unsigned int s2perm = PERM_ALL, pend_level = 0;
	uint64_t table = tt->ttb, table_pa = 0, key = 0, pend_flags = 0, d;
	bool pa_known = !nested, pending = false;
	int rc;

	if (table >> oas) {
		if (general && t->trace)
			hw_note(t,
				"S%u table base 0x%llx above the %u-bit "
				"output size",
				stage, (unsigned long long)table, oas);
		return walk_fault(f, EVT_ID_ADDR_SIZE, s2,
				  s2 ? class : EVTQ_1_CLASS_IN, s2 ? ia : 0);
	}
	if (!nested)
		table_pa = table;
	if (general && rec)
		rec->tables = -1;
	if (use_wc && start < 3) {
		struct wc_hit h;

		key = wc_key(sc, stage);
		if (wc_lookup(s, stage, key, g, start, ia, &h)) {
			hw_stat_inc(s, ST_WC_HIT);
			if (hw_check_on(s))
				wc_check_hit(t, sc, stage, ia, class, &h);
			level = h.level + 1;
			table = h.next;
			tattr = VS_FIELD_GET(WC_TAG_TATTR, h.tag);
			pa_known = !nested || (h.tag & WC_TAG_PA);
			table_pa = pa_known ? h.next_pa : 0;
			if (nested && pa_known)
				s2perm = (h.tag & WC_TAG_S2W) ?
						 PERM_ALL :
						 PERM_ALL &
							 ~(PERM_PW | PERM_UW);
		} else {
			hw_stat_inc(s, ST_WC_MISS);
		}
	}

	lsb = hw_level_lsb(g, level);
	bits = level == start ? tt->ias - lsb : g - 3;
	for (;;) {
		uint64_t idx = (ia >> lsb) & ((1ULL << bits) - 1);
		uint64_t daddr = table + idx * 8, dpa;

		if (!pa_known) {
			/* Nested: the descriptor's IPA through stage 2 */
			struct walk_result w2 = { .s2perm = PERM_ALL };
			struct ipa_memo *im = &memo->ipa[level];

			if (!general && im->gen == t->gen &&
			    im->key == (daddr >> 12) + 1 &&
			    im->vmid == sc->vmid) {
				dpa = im->pa | (daddr & 0xfff);
				w2.s2perm = im->perm;
				w2.shift = im->shift;
			} else {
				if (s1_table_s2(t, sc, daddr, &dpa, &w2, f))
					goto out_fault;
				if (!general && t->gen != HW_GEN_NOFILL) {
					im->key = (daddr >> 12) + 1;
					im->pa = dpa & ~0xfffULL;
					im->perm = w2.s2perm;
					im->shift = w2.shift;
					im->vmid = sc->vmid;
					im->gen = t->gen;
				}
			}
			s2perm = w2.s2perm;
			/* The whole table in one stage-2 leaf: PA known */
			if (w2.shift >= g) {
				table_pa = dpa - idx * 8;
				pend_flags |= WC_TAG_PA;
				if (w2.s2perm & PERM_PW)
					pend_flags |= WC_TAG_S2W;
			}
			if (general && rec && level > 0 && w2.shift >= g) {
				rec->next_pa[level - 1] = table_pa;
				rec->pa_known[level - 1] = true;
			}
		} else {
			dpa = table_pa + idx * 8;
		}
		if (pending) {
			/* The table descriptor above this table, now that its
			 * PA is known (or known not to be one page) */
			wc_insert(t, stage, key, g, pend_level, ia, table,
				  table_pa, pend_flags);
			pending = false;
		}
refetch:
		if (__builtin_expect(desc_read(s, memo, stage, level, dpa, &d),
				     0)) {
			if (general && t->trace)
				hw_note(t,
					"S%u L%u descriptor fetch at 0x%llx "
					"aborted",
					stage, level, (unsigned long long)dpa);
			/* A stage-2 descriptor reports the class it served */
			walk_fault(f, EVT_ID_WALK_EABT, s2,
				   s2 ? class : EVTQ_1_CLASS_TT, dpa);
			f->fetch = 1;
			goto out_fault;
		}
		if (be)
			d = __builtin_bswap64(d);
		ndesc++;
		if (general && __builtin_expect(t->trace != NULL, 0))
			trace_desc(t, stage, level, g, ia, dpa, daddr, d);

		if (!(d & ARM_LPAE_PTE_VALID))
			goto translation_fault;
		if (level < 3 && (d & ARM_LPAE_PTE_TYPE)) {
			uint64_t next = desc_addr_m(d, g, amask);

			if (next >> oas)
				goto addr_size_fault;
			if (!s2)
				tattr |= (d >> TATTR_SHIFT) & 0xf;
			if (general && rec) {
				rec->tables = level + 1;
				rec->next[level] = next;
				rec->tattr[level] = tattr;
				rec->pa_known[level] = !nested;
				rec->next_pa[level] = next;
			}
			if (use_wc) {
				pend_flags = VS_FIELD_PREP(WC_TAG_TATTR, tattr);
				if (nested) {
					/* Inserted once next is translated */
					pending = true;
					pend_level = level;
				} else {
					wc_insert(t, stage, key, g, level, ia,
						  next, next, pend_flags);
				}
			}
			table = next;
			table_pa = next;
			pa_known = !nested;
			level++;
			lsb -= g - 3;
			bits = g - 3;
			continue;
		}
		if (level == 3 ? !(d & ARM_LPAE_PTE_TYPE) :
				 !block_allowed(s, g, level))
			goto translation_fault;
		rc = walk_leaf(t, sc, stage, ia, class, g, level, lsb, tattr,
			       daddr, dpa, s2perm, d, lf, f, &retries, general);
		if (rc == WALK_REFETCH)
			goto refetch;
		if (!(general && t->probe)) {
			hw_stat_inc(s, ST_WALKS);
			hw_stat_add(s, ST_DESC, ndesc);
		}
		return rc;
	}

translation_fault:
	walk_fault(f, EVT_ID_TRANSLATION, s2, s2 ? class : EVTQ_1_CLASS_IN,
		   s2 ? ia : 0);
	goto out_fault;
addr_size_fault:
	walk_fault(f, EVT_ID_ADDR_SIZE, s2, s2 ? class : EVTQ_1_CLASS_IN,
		   s2 ? ia : 0);
out_fault:
	if (!(general && t->probe)) {
		hw_stat_inc(s, ST_WALKS);
		hw_stat_add(s, ST_DESC, ndesc);
	}
	return WALK_FAULT;
}

static int walk_tt(struct txn_ctx *t, const struct stream_cfg *sc,
		   unsigned int stage, uint64_t ia, unsigned int class,
		   struct leaf *lf, struct fault *f, struct walk_rec *rec)
{
	/* The checker wants every stage-2 cache hit: no memo for it */
	if (t->trace || rec || t->probe || hw_check_on(t->smmu))
		return walk_tt_impl(t, sc, stage, ia, class, lf, f, rec, true,
				    true);
	if (stage == 2 || sc->mode != MODE_NESTED)
		return walk_tt_impl(t, sc, stage, ia, class, lf, f, NULL, false,
				    false);
	return walk_tt_impl(t, sc, stage, ia, class, lf, f, NULL, false, true);
}

/*
 * The invalidation checker: a walk-cache hit must still be what memory
 * says.  Walk memory without caches or side effects and compare the
 * table descriptor the entry caches: the same next table (and, nested,
 * the same PA for it) and the same table attributes.  A table freed (its
 * descriptor cleared or pointed elsewhere) while the entry survived --
 * typically a TLBI with Leaf = 1 after an unmap that freed a table --
 * makes the walk read a table that is no longer one.
 */
static void wc_check_hit(struct txn_ctx *t, const struct stream_cfg *sc,
			 unsigned int stage, uint64_t ia, unsigned int class,
			 const struct wc_hit *h)
{
	struct vsmmu_check_report r = { .kind = VSMMU_CHECK_STALE_WALK };
	unsigned int L = h->level;
	struct txn_ctx p = *t;
	struct walk_rec rec;
	struct leaf lf;
	struct fault f;
	const char *why = NULL;
	bool faulted;

	p.use_cache = false;
	p.probe = true;
	p.trace = NULL;
	memset(&rec, 0, sizeof(rec));
	faulted = walk_tt(&p, sc, stage, ia, class, &lf, &f, &rec) != 0;
	if (rec.tables <= (int)L)
		why = "has no table there";
	else if (rec.next[L] != h->next)
		why = "points to another table";
	else if (stage == 1 &&
		 rec.tattr[L] != VS_FIELD_GET(WC_TAG_TATTR, h->tag))
		why = "has other table attributes";
	else if ((h->tag & WC_TAG_PA) && rec.pa_known[L] &&
		 rec.next_pa[L] != h->next_pa)
		why = "maps the table elsewhere at stage 2";
	if (!why)
		return;
	r.sid = t->txn->sid;
	r.ssid = t->txn->ssid;
	r.ssv = t->txn->ssv;
	r.addr = ia;
	r.observed[0] = h->next;
	r.observed[1] = L;
	r.observed[2] = stage;
	r.observed[3] = !!(h->tag & WC_TAG_LEAF_KEPT);
	if (rec.tables > (int)L)
		r.expected[0] = rec.next[L];
	else if (faulted)
		r.expected[3] = f.id;
	snprintf(r.msg, sizeof(r.msg),
		 "stale walk-cache entry: SID %u address 0x%llx, stage-%u "
		 "level-%u table 0x%llx: memory %s%s",
		 t->txn->sid, (unsigned long long)ia, stage, L,
		 (unsigned long long)h->next, why,
		 (h->tag & WC_TAG_LEAF_KEPT) ?
			 " (kept by a TLBI with Leaf = 1: table freed?)" :
			 " (missing non-leaf TLBI?)");
	hw_check_report(t->smmu, &r);
}

/* --- The stage-2 cache (nested walks) --------------------------------- */

static bool s2c_lookup(struct vsmmu_smmu *s, const struct stream_cfg *sc,
		       uint64_t ipa, uint64_t *pa, unsigned int *perm,
		       unsigned int *shift)
{
	uint64_t m = hw_leaf_shifts(s, sc->s2.tt.gshift);
	uint64_t key = VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
		       VS_FIELD_PREP(TLB_TAG_KIND, TLB_KIND_S2) | TLB_TAG_VALID;
	unsigned int sh;

	while (m) {
		uint64_t k, base, *set, seq;
		unsigned int way;

		sh = __builtin_ctzll(m);
		m &= m - 1;
		k = key | VS_FIELD_PREP(TLB_TAG_SHIFT, sh);
		base = ipa & ~((1ULL << sh) - 1);
		set = sa_set(&s->s2c, hw_tlb_hash(ipa, sh));
		seq = sa_read_begin(set);
		if (seq & 1)
			return false;
		for (way = 0; way < s->s2c.ways; way++) {
			uint64_t *e = set + 2 + way * 3;
			uint64_t w0 = sa_ld(&e[0]), oa;

			if ((w0 & TLB_TAG_MATCH) != k || sa_ld(&e[1]) != base)
				continue;
			oa = sa_ld(&e[2]);
			if (!sa_read_valid(set, seq))
				return false;
			sa_touch(set, way);
			*pa = oa | (ipa & ((1ULL << sh) - 1));
			*perm = VS_FIELD_GET(TLB_TAG_PERM, w0);
			*shift = sh;
			return true;
		}
	}
	return false;
}

static void s2c_insert(struct txn_ctx *t, const struct stream_cfg *sc,
		       uint64_t ipa, const struct leaf *lf)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t w[3];

	w[0] = VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
	       VS_FIELD_PREP(TLB_TAG_SHIFT, lf->shift) |
	       VS_FIELD_PREP(TLB_TAG_KIND, TLB_KIND_S2) |
	       VS_FIELD_PREP(TLB_TAG_LEVEL, lf->level) |
	       VS_FIELD_PREP(TLB_TAG_PERM, lf->perm) |
	       VS_FIELD_PREP(TLB_TAG_GSHIFT, lf->gshift - 10) | TLB_TAG_VALID;
	w[1] = ipa & ~((1ULL << lf->shift) - 1);
	w[2] = lf->oa & ~((1ULL << lf->shift) - 1);
	if (sa_insert(&s->s2c, hw_tlb_hash(ipa, lf->shift), w, NULL,
		      &s->inv_gen, t->gen) > 0)
		hw_stat_inc(s, ST_EVICT);
}

/* Stage-2 PERM_* bits as VSMMU_TXN_* (stage 2 ignores privilege). */
static unsigned int s2_txn_perm(unsigned int p)
{
	return ((p & PERM_PR) ? VSMMU_TXN_READ : 0) |
	       ((p & PERM_PW) ? VSMMU_TXN_WRITE : 0) |
	       ((p & PERM_PX) ? VSMMU_TXN_EXEC : 0);
}

/*
 * The invalidation checker: a stage-2 cache hit must still be what memory
 * says -- the same output address, and no permission memory withdrew.
 */
static void s2c_check_hit(struct txn_ctx *t, const struct stream_cfg *sc,
			  uint64_t ipa, unsigned int class, uint64_t pa,
			  unsigned int perm)
{
	struct vsmmu_check_report r = { .kind = VSMMU_CHECK_STALE_TLB };
	struct txn_ctx p = *t;
	struct fault f;
	struct leaf lf;
	const char *why = NULL;
	bool faulted = false;

	p.use_cache = false;
	p.probe = true;
	p.trace = NULL;
	if (walk_tt(&p, sc, 2, ipa, class, &lf, &f, NULL)) {
		why = "memory now faults";
		faulted = true;
		r.expected[3] = f.id;
	} else if (lf.oa != pa) {
		why = "memory now gives another address";
	} else if (perm & ~lf.perm) {
		why = "memory now grants less";
	}
	if (!why)
		return;
	r.sid = t->txn->sid;
	r.ssid = t->txn->ssid;
	r.ssv = t->txn->ssv;
	r.addr = ipa;
	r.observed[0] = pa;
	r.observed[1] = s2_txn_perm(perm);
	r.observed[2] = r.expected[2] = 0;
	if (!faulted) {
		r.expected[0] = lf.oa;
		r.expected[1] = s2_txn_perm(lf.perm);
	}
	snprintf(r.msg, sizeof(r.msg),
		 "stale stage-2 cache entry for IPA 0x%llx (VMID %u): %s",
		 (unsigned long long)ipa, sc->vmid, why);
	hw_check_report(t->smmu, &r);
}

/* A table or CD read refused by stage 2: TTRnW = 1 for CLASS = TT. */
static int s2_read_fault(struct fault *f, unsigned int class, uint64_t ipa)
{
	walk_fault(f, EVT_ID_PERMISSION, true, class, ipa);
	f->tt_read = class == EVTQ_1_CLASS_TT;
	return WALK_FAULT;
}

/*
 * Translate @ipa through stage 2.  @class is what a fault reports (CD, TT
 * or IN); table and CD fetches (@tt_read) need read permission here, the
 * final output's permission is checked by the caller.  @wr (may be NULL)
 * receives the stage-2 leaf's permission and size (and, after a walk, its
 * output address, level and granule).
 */
int hw_s2_translate(struct txn_ctx *t, const struct stream_cfg *sc,
		    uint64_t ipa, unsigned int class, bool tt_read,
		    uint64_t *pa, struct walk_result *wr, struct fault *f)
{
	struct vsmmu_smmu *s = t->smmu;
	unsigned int perm, shift;
	struct leaf lf;
	bool cacheable = t->use_cache && class != EVTQ_1_CLASS_IN;

	if (ipa >> sc->s2.tt.ias)
		return walk_fault(f, EVT_ID_TRANSLATION, true, class, ipa);
	if (cacheable && s2c_lookup(s, sc, ipa, pa, &perm, &shift)) {
		hw_stat_inc(s, ST_S2_HIT);
		if (hw_check_on(s))
			s2c_check_hit(t, sc, ipa, class, *pa, perm);
		if (tt_read && !(perm & PERM_PR))
			return s2_read_fault(f, class, ipa);
		if (wr) {
			wr->s2perm = perm;
			wr->shift = shift;
		}
		return 0;
	}
	if (cacheable)
		hw_stat_inc(s, ST_S2_MISS);
	if (walk_tt(t, sc, 2, ipa, class, &lf, f, NULL))
		return WALK_FAULT;
	if (tt_read && !(lf.perm & PERM_PR))
		return s2_read_fault(f, class, ipa);
	/*
	 * S2PTW: a stage-1 table or CD fetch that lands on stage-2 Device
	 * memory is a permission fault.
	 */
	if (tt_read && sc->s2.ptw &&
	    !(VS_FIELD_GET(ARM_LPAE_PTE_MEMATTR, lf.desc) & 0xc))
		return s2_read_fault(f, class, ipa);
	if (cacheable)
		s2c_insert(t, sc, ipa, &lf);
	*pa = lf.oa;
	if (wr) {
		wr->oa = lf.oa;
		wr->shift = lf.shift;
		wr->level = lf.level;
		wr->gshift = lf.gshift;
		wr->s2perm = lf.perm;
		wr->global = 0;
	}
	return 0;
}

/*
 * Translate input address @ia of a stage-1, stage-2 or nested stream.
 * The stage-1 input address has already been range-checked and
 * normalised (TBI) by the caller.  Return 0 or WALK_FAULT.
 */
int hw_walk(struct txn_ctx *t, const struct stream_cfg *sc, uint64_t ia,
	    struct walk_result *wr, struct fault *f)
{
	unsigned int need = perm_needed(t->flags);
	struct leaf l1;

	memset(wr, 0, sizeof(*wr));
	if (sc->mode == MODE_S2) {
		struct leaf l2;

		if (ia >> sc->s2.tt.ias)
			return walk_fault(f, EVT_ID_TRANSLATION, true,
					  EVTQ_1_CLASS_IN, ia);
		if (walk_tt(t, sc, 2, ia, EVTQ_1_CLASS_IN, &l2, f, NULL))
			return WALK_FAULT;
		wr->oa = l2.oa;
		wr->ipa = ia;
		wr->shift = l2.shift;
		wr->level = l2.level;
		wr->gshift = l2.gshift;
		wr->global = 0;
		wr->s1perm = PERM_ALL;
		wr->s2perm = l2.perm;
		if (!(l2.perm & need))
			return walk_fault(f, EVT_ID_PERMISSION, true,
					  EVTQ_1_CLASS_IN, ia);
		return 0;
	}

	if (walk_tt(t, sc, 1, ia, EVTQ_1_CLASS_IN, &l1, f, NULL))
		return WALK_FAULT;
	wr->s1perm = l1.perm;
	wr->global = !(l1.desc & ARM_LPAE_PTE_nG);
	if (!(l1.perm & need))
		return walk_fault(f, EVT_ID_PERMISSION, false, EVTQ_1_CLASS_IN,
				  0);
	if (sc->mode == MODE_S1) {
		wr->oa = l1.oa;
		wr->ipa = l1.oa;
		wr->shift = l1.shift;
		wr->level = l1.level;
		wr->gshift = l1.gshift;
		wr->s2perm = PERM_ALL;
		return 0;
	}

	/* Nested: the stage-1 output is an IPA. */
	{
		struct walk_result w2 = { .s2perm = PERM_ALL };
		uint64_t pa;

		if (hw_s2_translate(t, sc, l1.oa, EVTQ_1_CLASS_IN, false, &pa,
				    &w2, f))
			return WALK_FAULT;
		wr->oa = pa;
		wr->ipa = l1.oa;
		wr->s2perm = w2.s2perm;
		/*
		 * A combined entry is as large as the smaller stage; its
		 * level and granule are stage 1's, which is what the TTL and
		 * TG of a stage-1 invalidation describe.
		 */
		wr->shift = w2.shift < l1.shift ? w2.shift : l1.shift;
		wr->level = l1.level;
		wr->gshift = l1.gshift;
		if (!(w2.s2perm & need))
			return walk_fault(f, EVT_ID_PERMISSION, true,
					  EVTQ_1_CLASS_IN, l1.oa);
	}
	return 0;
}
