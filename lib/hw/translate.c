// SPDX-License-Identifier: MIT
/*
 * Translation: vsmmu_translate() and its lock-free fast path, the
 * configuration cache and the IOTLB, and the invalidation checker's
 * verifications of every hit.
 *
 * Fast path of vsmmu_translate(): look the (SID, SSID) up in the
 * configuration cache, then the input address in the IOTLB, probing each
 * leaf size the stream's granules can produce.  Both are seqlock-read
 * set-associative caches (cache.h): no lock, no allocation, no store
 * unless an entry's NRU bit must be set.  A miss walks memory and inserts
 * with the set locked, but only if no invalidation ran since the lookup
 * began (inv_gen), so a walk that read memory before an invalidation can
 * never publish what it read after the invalidation returned (cache.h has
 * the ordering argument).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/hw.h"

/* --- The configuration cache ------------------------------------------- */

/*
 * Entry: three hot words -- the key (SID, SSID, SSV, valid) and struct
 * stream_hot, all a hit needs -- in the set line; the decoded struct
 * stream_cfg in the cold words, copied only by a TLB miss.  Every word is
 * copied with relaxed atomics (cache.h).
 */
/* The key of a transaction whose SSID (if any) fits 20 bits. */
static inline uint64_t cfgc_key(const struct vsmmu_txn *txn)
{
	uint64_t ss = CFGC_KEY_SSV | (uint64_t)txn->ssid << 32;

	return txn->sid | (ss & -(uint64_t)txn->ssv) | SA_VALID;
}

/*
 * The set of a key: StreamIDs are usually small and dense, so their low
 * bits index the sets directly; the SubstreamID is folded in shifted, so
 * that SSIDs 0, 1, 2... of one stream do not land on the next streams.
 */
static inline unsigned int cfgc_hash(uint64_t key)
{
	return (unsigned int)(key ^ (key >> 29) ^ (key >> 45));
}

/*
 * Look (SID, SSID) up: copy the hot words, and the full configuration too
 * if @sc is not NULL.  Lock-free; false on a miss or a racing writer.
 */
static inline bool cfgc_lookup(struct vsmmu_smmu *s,
			       const struct vsmmu_txn *txn,
			       struct stream_hot *hot, struct stream_cfg *sc)
{
	uint64_t key = cfgc_key(txn);
	unsigned int idx = cfgc_hash(key), way, i;
	uint64_t *set = sa_set(&s->cfgc, idx), seq;
	union hot_words *uh = (union hot_words *)hot;
	union cfg_words *uc = (union cfg_words *)sc;

	seq = sa_read_begin(set);
	if (seq & 1)
		return false;
	for (way = 0; way < s->cfgc.ways; way++) {
		uint64_t *e = set + 2 + way * (1 + HOT_WORDS);

		if (sa_ld(&e[0]) != key)
			continue;
		for (i = 0; i < HOT_WORDS; i++)
			uh->w[i] = sa_ld(&e[1 + i]);
		if (uc) {
			const uint64_t *cw = sa_cold(&s->cfgc, idx, way);

#pragma GCC unroll 16
			for (i = 0; i < CFG_WORDS; i++)
				uc->w[i] = sa_ld(&cw[i]);
		}
		if (!sa_read_valid(set, seq))
			return false;
		sa_touch(set, way);
		return true;
	}
	return false;
}

static void cfgc_insert(struct txn_ctx *t, const struct stream_hot *hot,
			const struct stream_cfg *sc)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t w[1 + HOT_WORDS];
	union cfg_words u;

	memset(&u, 0, sizeof(u));
	u.sc = *sc;
	w[0] = cfgc_key(t->txn);
	memcpy(&w[1], hot, sizeof(*hot));
	if (sa_insert(&s->cfgc, cfgc_hash(w[0]), w, u.w, &s->inv_gen, t->gen) >
	    0)
		hw_stat_inc(s, ST_EVICT);
}

/* --- The IOTLB ---------------------------------------------------------- */

static inline unsigned int tlb_kind(const struct stream_cfg *sc)
{
	switch (sc->mode) {
	case MODE_S1:
		return TLB_KIND_S1;
	case MODE_S2:
		return TLB_KIND_S2;
	default:
		return TLB_KIND_S12;
	}
}

/* Tag fields a lookup must match, for a stream's translations. */
static inline uint64_t tlb_key(const struct stream_cfg *sc)
{
	bool has_asid = sc->mode != MODE_S2 && !(sc->el2 && !sc->e2h);

	return VS_FIELD_PREP(TLB_TAG_VMID, sc->vmid) |
	       VS_FIELD_PREP(TLB_TAG_ASID, has_asid ? sc->s1.asid : 0) |
	       (has_asid && sc->s1.aset ? TLB_TAG_ASET : 0) |
	       VS_FIELD_PREP(TLB_TAG_KIND, tlb_kind(sc)) |
	       (sc->el2 ? TLB_TAG_EL2 : 0) | TLB_TAG_VALID;
}

static void make_hot(const struct stream_cfg *sc, struct stream_hot *hot)
{
	int i;

	hot->tlb_key = tlb_key(sc);
	hot->w = VS_FIELD_PREP(HOT_MODE, sc->mode) |
		 VS_FIELD_PREP(HOT_PRIVCFG, sc->privcfg) |
		 VS_FIELD_PREP(HOT_INSTCFG, sc->instcfg) |
		 VS_FIELD_PREP(HOT_SIZES, hw_sizes_of(sc->leaf_shifts));
	for (i = 0; i < 2; i++) {
		if (sc->s1.tt[i].enabled)
			hot->w |= (uint64_t)sc->s1.tt[i].ias << (32 + 8 * i);
		if (sc->s1.tt[i].tbi)
			hot->w |= HOT_TBI0 << i;
	}
}

/* The IOTLB set of an entry of 2^@shift bytes at @va, in TBU @tbu. */
static inline unsigned int tlb_set_idx(const struct vsmmu_smmu *s,
				       unsigned int tbu, uint64_t va,
				       unsigned int shift)
{
	return (tbu << s->tlb_set_bits) |
	       (hw_tlb_hash(va, shift) & s->tlb_hash_mask);
}

struct tlb_hit {
	uint64_t tag, oa, ipa;
	unsigned int shift;
};

/*
 * Probe the IOTLB set of TBU @tbu that entries of 2^@sh bytes at @va live
 * in, for an entry tagged @key (a stream's tlb_key).  The set is chosen
 * from @raw, the address before TBI (hw_tlb_hash ignores the top byte),
 * so that the probe's loads need not wait for the configuration.  The IPA
 * is copied only if @nested.  Lock-free.  Return: 1 hit (*@h), 0 miss, -1
 * a writer was inside the set (report a miss: the caller walks).
 */
static inline __attribute__((always_inline)) int
tlb_probe(struct vsmmu_smmu *s, uint64_t key, unsigned int tbu, uint64_t raw,
	  uint64_t va, unsigned int sh, bool nested, struct tlb_hit *h)
{
	unsigned int idx = tlb_set_idx(s, tbu, raw, sh), way;
	uint64_t *set = sa_set_in(&s->tlb, idx), seq, k, base;

	seq = sa_read_begin(set);
	if (seq & 1)
		return -1;
	k = key | VS_FIELD_PREP(TLB_TAG_SHIFT, sh);
	base = va & ~((1ULL << sh) - 1);
	for (way = 0; way < s->tlb.ways; way++) {
		uint64_t *e = set + 2 + way * 3; /* 3 hot words */
		uint64_t w0, diff;

		/* The address first: what usually tells entries apart */
		if (sa_ld(&e[1]) != base)
			continue;
		w0 = sa_ld(&e[0]);
		diff = (w0 ^ k) & TLB_TAG_MATCH;
		/* A global entry matches any ASID */
		if (__builtin_expect(diff, 0) &&
		    (!(w0 & TLB_TAG_GLOBAL) || (diff & ~TLB_TAG_ASID)))
			continue;
		h->tag = w0;
		h->oa = sa_ld(&e[2]);
		h->ipa = nested ? sa_ld(sa_cold(&s->tlb, idx, way)) : 0;
		if (!sa_read_valid(set, seq))
			return -1;
		h->shift = sh;
		sa_touch(set, way);
		return 1;
	}
	return 0;
}

_Static_assert(TLB_TAG_GLOBAL == VS_BIT(41), "tlb_probe: the global bit");

/*
 * Look @va up in the IOTLB of TBU @tbu for a stream whose hot
 * configuration is @hot: one probe per entry size that was ever inserted
 * and that the stream can produce.  @raw as in tlb_probe().  Lock-free;
 * false on a miss or a racing writer.
 */
static bool tlb_lookup(struct vsmmu_smmu *s, const struct stream_hot *hot,
		       unsigned int tbu, uint64_t raw, uint64_t va,
		       struct tlb_hit *h)
{
	unsigned int m = VS_FIELD_GET(HOT_SIZES, hot->w) &
			 __atomic_load_n(&s->tlb_sizes, __ATOMIC_RELAXED);

	while (m) {
		int rc = tlb_probe(s, hot->tlb_key, tbu, raw, va,
				   hw_size_shift[__builtin_ctz(m)],
				   hot_mode(hot->w) == MODE_NESTED, h);

		if (rc)
			return rc > 0;
		m &= m - 1;
	}
	return false;
}

static void tlb_insert(struct txn_ctx *t, const struct stream_cfg *sc,
		       const struct stream_hot *hot, uint64_t va,
		       const struct walk_result *wr)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t mask = ~((1ULL << wr->shift) - 1), w[3], ipa;

	w[0] = hot->tlb_key | VS_FIELD_PREP(TLB_TAG_SHIFT, wr->shift) |
	       VS_FIELD_PREP(TLB_TAG_LEVEL, wr->level) |
	       VS_FIELD_PREP(TLB_TAG_PERM, wr->s1perm & wr->s2perm) |
	       VS_FIELD_PREP(TLB_TAG_GSHIFT, wr->gshift - 10) |
	       (wr->global && sc->mode != MODE_S2 ? TLB_TAG_GLOBAL : 0);
	w[1] = va & mask;
	w[2] = wr->oa & mask;
	ipa = sc->mode == MODE_NESTED ? wr->ipa & mask : 0;
	/* Both flags are published before the entry can be found. */
	if (sc->mode == MODE_NESTED &&
	    wr->shift < hw_level_lsb(wr->gshift, wr->level) &&
	    !__atomic_load_n(&s->splintered, __ATOMIC_RELAXED))
		__atomic_store_n(&s->splintered, 1, __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&s->tlb_shifts, __ATOMIC_RELAXED) &
	      VS_BIT(wr->shift))) {
		__atomic_fetch_or(&s->tlb_shifts, VS_BIT(wr->shift),
				  __ATOMIC_SEQ_CST);
		/* The first size also goes where the fast path reads it */
		if (!__atomic_load_n(&s->tlb_sizes, __ATOMIC_RELAXED))
			__atomic_store_n(&s->tlb_one_shift, wr->shift,
					 __ATOMIC_RELAXED);
		__atomic_fetch_or(&s->tlb_sizes, hw_sizes_of(VS_BIT(wr->shift)),
				  __ATOMIC_SEQ_CST);
	}
	if (sa_insert(&s->tlb,
		      tlb_set_idx(s, t->txn->sid & s->tbu_mask, va, wr->shift),
		      w, &ipa, &s->inv_gen, t->gen) > 0)
		hw_stat_inc(s, ST_EVICT);
}

/* --- Translation -------------------------------------------------------- */

static bool is_translation_fault(unsigned int id)
{
	return id >= EVT_ID_TRANSLATION && id <= EVT_ID_PERMISSION;
}

static int result_fault(struct txn_ctx *t, const struct stream_cfg *sc,
			const struct fault *f, struct vsmmu_txn_result *res)
{
	const struct vsmmu_txn *txn = t->txn;
	uint64_t *evt = res->evt;
	bool has_ssid = txn->ssv && f->id != EVT_ID_STREAM_DISABLED;

	res->outcome = VSMMU_TXN_FAULT;
	evt[0] = VS_FIELD_PREP(EVTQ_0_ID, f->id) |
		 VS_FIELD_PREP(EVTQ_0_SID, txn->sid);
	if (has_ssid) {
		evt[0] |= VS_FIELD_PREP(EVTQ_0_SSID, txn->ssid);
		/* C_BAD_SUBSTREAMID carries the SSID but no SSV bit */
		if (f->id != EVT_ID_BAD_SUBSTREAMID)
			evt[0] |= EVTQ_0_SSV;
	}
	res->recorded = true;
	if (is_translation_fault(f->id) || f->id == EVT_ID_WALK_EABT) {
		unsigned int fl = t->flags;

		evt[1] = ((fl & VSMMU_TXN_PRIV) ? EVTQ_1_PnU : 0) |
			 ((fl & VSMMU_TXN_EXEC) ? EVTQ_1_InD : 0) |
			 ((fl & VSMMU_TXN_WRITE) ? 0 : EVTQ_1_RnW) |
			 (f->s2 ? EVTQ_1_S2 : 0) |
			 VS_FIELD_PREP(EVTQ_1_CLASS, f->class);
		if (f->id == EVT_ID_PERMISSION && f->class == EVTQ_1_CLASS_TT &&
		    f->tt_read)
			evt[1] |= EVTQ_1_TT_READ;
		evt[2] = txn->addr;
	}
	if (f->fetch)
		evt[3] = f->ipa & EVTQ_3_FETCH_ADDR;
	else if (f->s2)
		evt[3] = f->ipa & EVTQ_3_IPA;
	if (is_translation_fault(f->id)) {
		/* Stage 1 without a CD (bypassed) always records */
		bool has_cd = sc->mode == MODE_S1 || sc->mode == MODE_NESTED;
		bool record = f->s2 ? sc->s2.record :
				      (has_cd ? sc->s1.record : true);
		bool stall = f->s2 ? sc->s2.stall : (has_cd && sc->s1.stall);

		res->stall = stall;
		res->recorded = record || stall;
		if (stall)
			evt[1] |= EVTQ_1_STALL;
	}
	/* An ATS Translation Request answers the endpoint instead */
	if (t->ats) {
		res->stall = res->recorded = false;
		return 0;
	}
	hw_stat_inc(t->smmu, ST_FAULTS);
	/*
	 * Held stalls (config.hold_stalls): the transaction waits in a
	 * slot for CMD_RESUME / CMD_STALL_TERM (stall.c).  With no slot
	 * free it is terminated instead, recorded with Stall = 0.
	 */
	if (res->stall && !t->trace && t->smmu->stalls) {
		if (!hw_stall_new(t->smmu, txn->sid, evt, &res->recorded,
				  &res->stag)) {
			res->held = true;
			return 0;
		}
		res->stall = false;
		evt[1] &= ~(EVTQ_1_STALL | EVTQ_1_STAG);
	}
	/* An explained (traced) translation leaves the event queue alone */
	if (res->recorded && !t->trace)
		hw_evtq_record(t->smmu, evt);
	if (t->trace)
		hw_note(t, "fault: event 0x%02x%s", f->id,
			res->recorded ? "" : " (not recorded)");
	return 0;
}

static int result_terminated(struct txn_ctx *t, struct vsmmu_txn_result *res)
{
	res->outcome = VSMMU_TXN_TERMINATED;
	hw_stat_inc(t->smmu, ST_TERMINATED);
	return 0;
}

static int result_bypass(struct vsmmu_txn_result *res, uint64_t addr)
{
	res->outcome = VSMMU_TXN_OK;
	res->oa = res->ipa = addr;
	res->page_shift = 12;
	res->perm = VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC;
	res->bypass = true;
	return 0;
}

/* Apply STE.PRIVCFG / INSTCFG (in hot word @w) to a transaction's flags. */
static inline unsigned int override_flags(uint64_t w, unsigned int fl)
{
	unsigned int privcfg = VS_FIELD_GET(HOT_PRIVCFG, w);
	unsigned int instcfg = VS_FIELD_GET(HOT_INSTCFG, w);

	if (privcfg == STRTAB_STE_1_PRIVCFG_PRIV)
		fl |= VSMMU_TXN_PRIV;
	else if (privcfg == STRTAB_STE_1_PRIVCFG_UNPRIV)
		fl &= ~VSMMU_TXN_PRIV;
	/* Writes are always data */
	if (instcfg == STRTAB_STE_1_INSTCFG_DATA && (fl & VSMMU_TXN_EXEC))
		fl = (fl & ~VSMMU_TXN_EXEC) | VSMMU_TXN_READ;
	else if (instcfg == STRTAB_STE_1_INSTCFG_INSTR && (fl & VSMMU_TXN_READ))
		fl = (fl & ~VSMMU_TXN_READ) | VSMMU_TXN_EXEC;
	return fl;
}

/*
 * The stage-1 input address as translated (hot word @w): VA[55] selects
 * TTB0/TTB1 and TBI makes VA[63:56] copies of it.  False if it lies
 * outside the selected range or that range has walks disabled (EPDx).
 */
static inline bool s1_input(uint64_t w, uint64_t *va)
{
	unsigned int region = (*va >> 55) & 1, ias = hot_ias(w, region);
	unsigned int ias0 = hot_ias(w, 0);

	/* The common case first: a TTB0 address with a clear top byte */
	if (__builtin_expect(ias0 && !(*va >> ias0), 1))
		return true;
	if (w & (HOT_TBI0 << region))
		*va = region ? *va | VS_GENMASK(63, 56) :
			       *va & ~VS_GENMASK(63, 56);
	return ias && (*va >> ias) == (region ? ~0ULL >> ias : 0);
}

/*
 * PERM_* bits are laid out so that the access a translation allows at a
 * privilege is three bits of it: PR/PW/PX (privileged) and UR/UW/UX
 * (unprivileged) line up with VSMMU_TXN_READ/WRITE/EXEC.
 */
_Static_assert(PERM_PR == VSMMU_TXN_READ && PERM_PW == VSMMU_TXN_WRITE &&
		       PERM_PX == VSMMU_TXN_EXEC && PERM_UR == PERM_PR << 3 &&
		       PERM_UW == PERM_PW << 3 && PERM_UX == PERM_PX << 3,
	       "PERM_* line up with VSMMU_TXN_*");

/* The access a translation allows at the transaction's privilege. */
static inline unsigned int txn_perm(unsigned int p, unsigned int fl)
{
	return (p >> ((fl & VSMMU_TXN_PRIV) ? 0 : 3)) & 7;
}

/* The PERM_* bit an access needs. */
static inline unsigned int perm_bit(unsigned int fl)
{
	return (fl & 7) << ((fl & VSMMU_TXN_PRIV) ? 0 : 3);
}

static int fault_simple(struct txn_ctx *t, const struct stream_cfg *sc,
			unsigned int id, bool s2, uint64_t ipa,
			struct vsmmu_txn_result *res)
{
	struct fault f = {
		.id = id, .s2 = s2, .class = EVTQ_1_CLASS_IN, .ipa = ipa
	};

	return result_fault(t, sc, &f, res);
}

/* Valid transaction flags, as a bitmap over the 16 values of 4 bits. */
#define TXN_FLAGS_OK                                                        \
	(VS_BIT(VSMMU_TXN_READ) | VS_BIT(VSMMU_TXN_WRITE) |                 \
	 VS_BIT(VSMMU_TXN_EXEC) | VS_BIT(VSMMU_TXN_READ | VSMMU_TXN_PRIV) | \
	 VS_BIT(VSMMU_TXN_WRITE | VSMMU_TXN_PRIV) |                         \
	 VS_BIT(VSMMU_TXN_EXEC | VSMMU_TXN_PRIV))

static __attribute__((noinline)) int do_translate(struct vsmmu_smmu *s,
						  const struct vsmmu_txn *txn,
						  struct vsmmu_txn_result *res,
						  vsmmu_trace_fn *fn, void *arg,
						  bool ats);

/*
 * The end of the fast path once the IOTLB hit @h (for a stream whose hot
 * word is @hw, input address @va): the permission check and the result.
 */
static inline __attribute__((always_inline)) int
fast_hit(struct vsmmu_smmu *s, const struct vsmmu_txn *txn,
	 struct vsmmu_txn_result *res, const struct tlb_hit *h, uint64_t hw,
	 uint64_t va)
{
	unsigned int fl = txn->flags, p;
	uint64_t off;

	if (hw & (HOT_PRIVCFG | HOT_INSTCFG))
		fl = override_flags(hw, fl);
	p = txn_perm(VS_FIELD_GET(TLB_TAG_PERM, h->tag), fl);
	/*
	 * A hit that does not permit the access goes the slow way and is
	 * re-walked, so the fault (or a dirty-state update) reflects memory.
	 */
	if (!(p & fl))
		return do_translate(s, txn, res, NULL, NULL, false);
	off = va & ((1ULL << h->shift) - 1);
	res->outcome = VSMMU_TXN_OK;
	res->oa = h->oa + off;
	res->ipa = hot_mode(hw) == MODE_NESTED ? h->ipa + off : res->oa;
	res->page_shift = h->shift;
	res->perm = p;
	res->tlb_hit = true;
	res->bypass = false;
	res->recorded = false;
	res->stall = false;
	res->held = false;
	hw_stat_inc(s, ST_FAST_HIT);
	return 0;
}

/*
 * The fast path's IOTLB miss: walk with the configuration cache's entry
 * and fill the IOTLB, without the general path's set-up.  The fill
 * generation is read before the entry is (cache.h, hw_fill_gen()); a
 * configuration cache miss, a racing writer or a fault: do_translate()
 * or result_fault().  @va is the input address after TBI.
 */
static __attribute__((noinline)) int
translate_miss(struct vsmmu_smmu *s, const struct vsmmu_txn *txn,
	       struct vsmmu_txn_result *res, uint64_t va)
{
	struct stream_hot hot;
	struct walk_result wr;
	struct stream_cfg sc;
	struct txn_ctx t;
	struct fault f;

	t.gen = hw_fill_gen(s);
	if (!cfgc_lookup(s, txn, &hot, &sc))
		return do_translate(s, txn, res, NULL, NULL, false);
	t.smmu = s;
	t.txn = txn;
	t.flags = override_flags(hot.w, txn->flags);
	t.use_cache = true;
	t.probe = false;
	t.ats = false;
	t.trace = NULL;
	t.trace_arg = NULL;
	hw_stat_inc(s, ST_FAST_MISS);
	if (hw_walk(&t, &sc, va, &wr, &f)) {
		memset(res, 0, sizeof(*res));
		return result_fault(&t, &sc, &f, res);
	}
	tlb_insert(&t, &sc, &hot, va, &wr);
	res->outcome = VSMMU_TXN_OK;
	res->oa = wr.oa;
	res->ipa = sc.mode == MODE_NESTED ? wr.ipa : wr.oa;
	res->page_shift = wr.shift;
	res->perm = txn_perm(wr.s1perm & wr.s2perm, t.flags);
	res->tlb_hit = false;
	res->bypass = false;
	res->recorded = false;
	res->stall = false;
	res->held = false;
	return 0;
}

/* The fast path with several entry sizes in the IOTLB: probe them all. */
static __attribute__((noinline)) int fast_sizes(struct vsmmu_smmu *s,
						const struct vsmmu_txn *txn,
						struct vsmmu_txn_result *res,
						uint64_t tkey, uint64_t hw,
						uint64_t va)
{
	struct stream_hot hot = { .tlb_key = tkey, .w = hw };
	struct tlb_hit h;

	if (!tlb_lookup(s, &hot, txn->sid & s->tbu_mask, txn->addr, va, &h))
		return translate_miss(s, txn, res, va);
	return fast_hit(s, txn, res, &h, hw, va);
}

/*
 * vsmmu_translate() is the fast path: a configuration cache hit and an
 * IOTLB hit that permits the access.  No lock, no allocation, no store to
 * anything shared (one per-thread statistics counter; an NRU bit only when
 * it is clear), and the result is written field by field -- only what a
 * successful translation defines (the event record and STAG are left
 * alone).  Everything else, including rejecting malformed transactions,
 * is do_translate()'s, reached by a tail call so that the fast path needs
 * no stack frame of its own.
 */
int vsmmu_translate(struct vsmmu_smmu *s, const struct vsmmu_txn *txn,
		    struct vsmmu_txn_result *res)
{
	unsigned int fl, sizes, idx, way, mode;
	uint64_t va, key, *set, seq, tkey, hw;
	struct tlb_hit h;

	if (__builtin_expect(!s || !txn || !res, 0))
		return -EINVAL;
	fl = txn->flags;
	va = txn->addr;
	/*
	 * Malformed flags or SSID, SMMUEN = 0 or the invalidation checker
	 * on (it verifies every hit, in the slow path): do_translate().
	 */
	if (fl >= 16 || !((TXN_FLAGS_OK >> fl) & 1) ||
	    (txn->ssv && txn->ssid >> 20) || !hw_reg32(&s->fast_on))
		goto slow;

	/* The configuration cache: key and hot words, one line */
	key = cfgc_key(txn);
	idx = cfgc_hash(key);
	set = sa_set(&s->cfgc, idx);
	seq = sa_read_begin(set);
	if (seq & 1)
		goto slow;
	for (way = 0;; way++) {
		uint64_t *e = set + 2 + way * (1 + HOT_WORDS);

		if (sa_ld(&e[0]) == key) {
			tkey = sa_ld(&e[1]);
			hw = sa_ld(&e[2]);
			break;
		}
		if (way + 1 == s->cfgc.ways)
			goto slow;
	}
	/*
	 * No NRU bit is set for a configuration hit here (the slow path's
	 * lookups and inserts set them): the hit writes nothing shared, and
	 * for streams that only hit the configuration cache replaces in
	 * insertion order.
	 */
	if (!sa_read_valid(set, seq))
		goto slow;

	mode = hot_mode(hw);
	if (mode == MODE_S1 || mode == MODE_NESTED) {
		if (!s1_input(hw, &va))
			goto slow;
	} else if (mode != MODE_S2 || (va >> s->oas)) {
		goto slow;
	}
	/*
	 * One entry size ever inserted (the usual case: 4K pages): one
	 * probe, inline, whose set is known before the configuration.
	 * Several: fast_sizes() probes the stream's sizes.
	 */
	sizes = __atomic_load_n(&s->tlb_sizes, __ATOMIC_ACQUIRE);
	if (__builtin_expect(!sizes || (sizes & (sizes - 1)), 0))
		return fast_sizes(s, txn, res, tkey, hw, va);
	if (!(VS_FIELD_GET(HOT_SIZES, hw) & sizes) ||
	    tlb_probe(s, tkey, txn->sid & s->tbu_mask, txn->addr, va,
		      __atomic_load_n(&s->tlb_one_shift, __ATOMIC_RELAXED),
		      mode == MODE_NESTED, &h) <= 0)
		return translate_miss(s, txn, res, va);
	return fast_hit(s, txn, res, &h, hw, va);
slow:
	return do_translate(s, txn, res, NULL, NULL, false);
}

/* --- The invalidation checker's verifications ------------------------ */

/* The first behaviour-relevant difference of two decoded configurations */
static const char *tt_diff(const struct tt_cfg *a, const struct tt_cfg *b)
{
	if (a->enabled != b->enabled)
		return "walks enabled (EPDx)";
	if (!a->enabled)
		return NULL;
	if (a->ttb != b->ttb)
		return "table base";
	if (a->gshift != b->gshift || a->ias != b->ias ||
	    a->start_level != b->start_level ||
	    a->concat_log2 != b->concat_log2 || a->tbi != b->tbi)
		return "table geometry";
	return NULL;
}

static const char *cfg_diff(const struct stream_cfg *a,
			    const struct stream_cfg *b)
{
	const char *why;
	bool s1 = a->mode == MODE_S1 || a->mode == MODE_NESTED;
	bool s2 = a->mode == MODE_S2 || a->mode == MODE_NESTED;

	if (a->mode != b->mode)
		return "mode (STE.Config / S1DSS)";
	if (a->el2 != b->el2 || a->e2h != b->e2h)
		return "stream world (STRW)";
	if (a->privcfg != b->privcfg || a->instcfg != b->instcfg)
		return "PRIVCFG/INSTCFG";
	if ((s1 || s2) && a->vmid != b->vmid)
		return "VMID";
	if (s1) {
		const struct s1_cfg *x = &a->s1, *y = &b->s1;

		if ((why = tt_diff(&x->tt[0], &y->tt[0])))
			return why;
		if ((why = tt_diff(&x->tt[1], &y->tt[1])))
			return why;
		if (x->asid != y->asid)
			return "ASID";
		if (x->aset != y->aset)
			return "ASET";
		if (x->oas != y->oas || x->affd != y->affd || x->ha != y->ha ||
		    x->hd != y->hd || x->wxn != y->wxn || x->pan != y->pan ||
		    x->be != y->be || x->record != y->record ||
		    x->stall != y->stall)
			return "CD translation controls";
	}
	if (s2) {
		const struct s2_cfg *x = &a->s2, *y = &b->s2;

		if ((why = tt_diff(&x->tt, &y->tt)))
			return why;
		if (x->oas != y->oas || x->affd != y->affd || x->ha != y->ha ||
		    x->hd != y->hd || x->ptw != y->ptw || x->be != y->be ||
		    x->record != y->record || x->stall != y->stall)
			return "STE stage-2 controls";
	}
	return NULL;
}

static void cfg_summary(const struct stream_cfg *sc, uint64_t *w)
{
	w[0] = sc->mode;
	w[1] = sc->vmid;
	w[2] = sc->s1.asid;
	w[3] = sc->s1.tt[0].ttb;
	w[4] = sc->s1.tt[1].ttb;
	w[5] = sc->s2.tt.ttb;
}

/* A txn_ctx that reads memory as @t would but changes nothing. */
static void probe_ctx(struct txn_ctx *p, const struct txn_ctx *t)
{
	*p = *t;
	p->use_cache = false;
	p->probe = true;
	p->trace = NULL;
	p->trace_arg = NULL;
}

/*
 * A configuration cache hit: fetch and decode the STE and CD again and
 * report STALE_CFG if memory no longer says what the cache holds.
 */
static void check_cfg_hit(struct txn_ctx *t, const struct stream_cfg *sc)
{
	struct vsmmu_check_report r = { .kind = VSMMU_CHECK_STALE_CFG };
	const struct vsmmu_txn *txn = t->txn;
	struct stream_cfg m;
	struct txn_ctx p;
	struct fault f;
	const char *why;
	int rc;

	probe_ctx(&p, t);
	rc = hw_config_lookup(&p, &m, &f);
	if (rc == CFG_TERMINATE) {
		why = "memory now terminates the stream";
		r.expected[6] = 0xff;
	} else if (rc) {
		why = "memory now faults";
		r.expected[6] = f.id;
	} else if (!(why = cfg_diff(sc, &m))) {
		return;
	}
	r.sid = txn->sid;
	r.ssid = txn->ssid;
	r.ssv = txn->ssv;
	cfg_summary(sc, r.observed);
	if (!rc)
		cfg_summary(&m, r.expected);
	snprintf(r.msg, sizeof(r.msg),
		 "stale configuration for SID %u%s: STE/CD changed without "
		 "CFGI (%s)",
		 txn->sid, txn->ssv ? " with a SubstreamID" : "", why);
	hw_check_report(t->smmu, &r);
}

/*
 * With the checker on, the IOTLB lookup of translate_fast(): a hit that
 * permits the access answers with the cached translation (as silicon
 * would), after a side-effect-free walk of memory that reports
 * STALE_TLB if memory faults, maps elsewhere or grants less.
 */
static bool checked_tlb_hit(struct txn_ctx *t, const struct stream_hot *hot,
			    const struct stream_cfg *sc, uint64_t va,
			    struct vsmmu_txn_result *res)
{
	struct vsmmu_check_report r = { .kind = VSMMU_CHECK_STALE_TLB };
	struct vsmmu_smmu *s = t->smmu;
	const struct vsmmu_txn *txn = t->txn;
	struct walk_result wr;
	struct txn_ctx p;
	struct tlb_hit h;
	struct fault f;
	unsigned int perm;
	uint64_t off, oa;
	const char *why = NULL;

	if (!tlb_lookup(s, hot, txn->sid & s->tbu_mask, txn->addr, va, &h))
		return false;
	perm = VS_FIELD_GET(TLB_TAG_PERM, h.tag);
	if (!(perm & perm_bit(t->flags)))
		return false;
	off = va & ((1ULL << h.shift) - 1);
	oa = h.oa + off;

	probe_ctx(&p, t);
	if (hw_walk(&p, sc, va, &wr, &f)) {
		why = "memory now faults";
		r.expected[3] = f.id;
	} else if (wr.oa != oa) {
		why = "memory now gives another address";
	} else if (perm & ~(wr.s1perm & wr.s2perm)) {
		why = "memory now grants less";
	}
	if (why) {
		r.sid = txn->sid;
		r.ssid = txn->ssid;
		r.ssv = txn->ssv;
		r.addr = txn->addr;
		r.observed[0] = oa;
		r.observed[1] = txn_perm(perm, t->flags);
		r.observed[2] = h.shift;
		if (!r.expected[3]) {
			r.expected[0] = wr.oa;
			r.expected[1] =
				txn_perm(wr.s1perm & wr.s2perm, t->flags);
			r.expected[2] = wr.shift;
		}
		snprintf(r.msg, sizeof(r.msg),
			 "stale IOTLB entry: SID %u address 0x%llx served "
			 "as 0x%llx, %s (missing TLBI?)",
			 txn->sid, (unsigned long long)txn->addr,
			 (unsigned long long)oa, why);
		hw_check_report(s, &r);
	}

	res->outcome = VSMMU_TXN_OK;
	res->oa = oa;
	res->ipa = hot_mode(hot->w) == MODE_NESTED ? h.ipa + off : oa;
	res->page_shift = h.shift;
	res->perm = txn_perm(perm, t->flags);
	res->tlb_hit = true;
	hw_stat_inc(s, ST_TLB_HIT);
	return true;
}

/*
 * Everything but the fast path: configuration and IOTLB misses, faults,
 * traced translations, ATS, the checker.  Kept out of line so that the
 * fast path in vsmmu_translate() stays small.
 */
static __attribute__((noinline)) int do_translate(struct vsmmu_smmu *s,
						  const struct vsmmu_txn *txn,
						  struct vsmmu_txn_result *res,
						  vsmmu_trace_fn *fn, void *arg,
						  bool ats)
{
	struct txn_ctx t;
	struct stream_hot hot;
	struct stream_cfg sc;
	struct walk_result wr;
	struct fault f;
	uint64_t va;
	int rc;

	if (!s || !txn || !res)
		return -EINVAL;
	if (!hw_txn_flags_valid(txn->flags) || (txn->ssv && txn->ssid >> 20))
		return -EINVAL;

	memset(res, 0, sizeof(*res));
	t.smmu = s;
	t.txn = txn;
	t.flags = txn->flags;
	t.use_cache = !fn;
	t.probe = false;
	t.ats = ats;
	t.trace = fn;
	t.trace_arg = arg;
	t.gen = 0;
	hw_stat_inc(s, ST_TRANSLATIONS);

	if (!(hw_reg32(&s->cr0) & CR0_SMMUEN)) {
		if (hw_reg32(&s->gbpa) & GBPA_ABORT) {
			hw_note(&t, "SMMU disabled, GBPA.ABORT = 1: abort");
			return result_terminated(&t, res);
		}
		if (txn->addr >> s->oas) {
			hw_note(&t, "SMMU disabled: address beyond the OAS");
			return result_terminated(&t, res);
		}
		hw_note(&t, "SMMU disabled, GBPA.ABORT = 0: bypass");
		return result_bypass(res, txn->addr);
	}

	if (t.use_cache) {
		t.gen = hw_fill_gen(s);
		if (cfgc_lookup(s, txn, &hot, &sc)) {
			hw_stat_inc(s, ST_CFG_HIT);
			if (hw_check_on(s))
				check_cfg_hit(&t, &sc);
			goto have_cfg;
		}
		hw_stat_inc(s, ST_CFG_MISS);
	}
	rc = hw_config_lookup(&t, &sc, &f);
	if (rc == CFG_TERMINATE)
		return result_terminated(&t, res);
	if (rc)
		return result_fault(&t, &sc, &f, res);
	make_hot(&sc, &hot);
	if (t.use_cache)
		cfgc_insert(&t, &hot, &sc);
have_cfg:
	t.flags = override_flags(hot.w, txn->flags);
	va = txn->addr;

	switch (sc.mode) {
	case MODE_ABORT:
		hw_note(&t, "STE.Config = abort: terminated, no event");
		return result_terminated(&t, res);
	case MODE_BYPASS:
		/* Stage 1 bypass checks the input against the OAS */
		if (va >> s->oas)
			return fault_simple(&t, &sc, EVT_ID_ADDR_SIZE, false, 0,
					    res);
		hw_note(&t, "stream bypasses translation");
		return result_bypass(res, va);
	case MODE_S2:
		if (va >> s->oas)
			return fault_simple(&t, &sc, EVT_ID_ADDR_SIZE, false, 0,
					    res);
		break;
	case MODE_S1:
	case MODE_NESTED:
		if (!s1_input(hot.w, &va)) {
			hw_note(&t,
				"input address outside the TTB%u range "
				"(or EPD%u = 1)",
				(unsigned int)(va >> 55) & 1,
				(unsigned int)(va >> 55) & 1);
			return fault_simple(&t, &sc, EVT_ID_TRANSLATION, false,
					    0, res);
		}
		break;
	}

	/*
	 * With the checker on, the IOTLB is looked up here rather than in
	 * translate_fast(), and a hit is verified against memory.
	 */
	if (t.use_cache && hw_check_on(s) &&
	    checked_tlb_hit(&t, &hot, &sc, va, res))
		return 0;
	/* Reached with a TLB miss, or a hit that refused the access */
	if (t.use_cache)
		hw_stat_inc(s, ST_TLB_MISS);
	if (hw_walk(&t, &sc, va, &wr, &f))
		return result_fault(&t, &sc, &f, res);
	if (t.use_cache)
		tlb_insert(&t, &sc, &hot, va, &wr);
	res->outcome = VSMMU_TXN_OK;
	res->oa = wr.oa;
	res->ipa = sc.mode == MODE_NESTED ? wr.ipa : wr.oa;
	res->page_shift = wr.shift;
	res->perm = txn_perm(wr.s1perm & wr.s2perm, t.flags);
	if (t.trace)
		hw_note(&t, "translated to 0x%llx (translation size 0x%llx)",
			(unsigned long long)res->oa, 1ULL << res->page_shift);
	return 0;
}

int hw_translate_ats(struct vsmmu_smmu *s, const struct vsmmu_txn *txn,
		     struct vsmmu_txn_result *res)
{
	return do_translate(s, txn, res, NULL, NULL, true);
}

int hw_result_fault(struct txn_ctx *t, const struct stream_cfg *sc,
		    const struct fault *f, struct vsmmu_txn_result *res)
{
	return result_fault(t, sc, f, res);
}

/*
 * The configuration of t->txn's stream through the configuration cache,
 * as a translation would find it.  Return 0, CFG_FAULT, CFG_TERMINATE.
 */
int hw_stream_cfg(struct txn_ctx *t, struct stream_cfg *sc, struct fault *f)
{
	struct vsmmu_smmu *s = t->smmu;
	struct stream_hot hot;
	int rc;

	t->gen = hw_fill_gen(s);
	if (cfgc_lookup(s, t->txn, &hot, sc)) {
		hw_stat_inc(s, ST_CFG_HIT);
		return 0;
	}
	hw_stat_inc(s, ST_CFG_MISS);
	rc = hw_config_lookup(t, sc, f);
	if (rc)
		return rc;
	make_hot(sc, &hot);
	cfgc_insert(t, &hot, sc);
	return 0;
}

int vsmmu_translate_trace(struct vsmmu_smmu *s, const struct vsmmu_txn *txn,
			  struct vsmmu_txn_result *res, vsmmu_trace_fn *fn,
			  void *arg)
{
	if (!fn)
		return -EINVAL;
	return do_translate(s, txn, res, fn, arg, false);
}
