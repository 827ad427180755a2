// SPDX-License-Identifier: MIT
/*
 * The SMMU object: registers, the translation entry points with their
 * lock-free fast path, cache invalidation and statistics.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw.h"

/* Configuration cache entries (see "The configuration cache" below) */
#define CFGC_KEY_SID VS_GENMASK(31, 0)
#define CFGC_KEY_SSID VS_GENMASK(51, 32)
#define CFGC_KEY_SSV VS_BIT(52)
#define HOT_WORDS (sizeof(struct stream_hot) / 8)
#define CFG_WORDS ((sizeof(struct stream_cfg) + 7) / 8)

union hot_words {
	struct stream_hot h;
	uint64_t w[HOT_WORDS];
};

union cfg_words {
	struct stream_cfg sc;
	uint64_t w[CFG_WORDS];
};

/* --- Statistics --------------------------------------------------------- */

static unsigned int next_shard;
__thread size_t hw_my_shard_off
	__attribute__((tls_model("initial-exec"))) = SIZE_MAX;

size_t hw_shard_assign(void)
{
	unsigned int i = __atomic_fetch_add(&next_shard, 1, __ATOMIC_RELAXED) %
			 STAT_SHARDS;

	hw_my_shard_off = i * sizeof(struct stat_shard);
	return hw_my_shard_off;
}

void vsmmu_smmu_get_stats(struct vsmmu_smmu *s, struct vsmmu_smmu_stats *st)
{
	uint64_t v[ST_NR] = { 0 };
	unsigned int i, j;

	for (i = 0; i < STAT_SHARDS; i++)
		for (j = 0; j < ST_NR; j++)
			v[j] += __atomic_load_n(&s->stats[i].v[j],
						__ATOMIC_RELAXED);
	memset(st, 0, sizeof(*st));
	st->translations =
		v[ST_TRANSLATIONS] + v[ST_FAST_HIT] + v[ST_FAST_MISS];
	st->tlb_hits = v[ST_TLB_HIT] + v[ST_FAST_HIT];
	st->tlb_misses = v[ST_TLB_MISS] + v[ST_FAST_MISS];
	st->cfg_hits = v[ST_CFG_HIT] + v[ST_FAST_HIT] + v[ST_FAST_MISS];
	st->cfg_misses = v[ST_CFG_MISS];
	st->s2_hits = v[ST_S2_HIT];
	st->s2_misses = v[ST_S2_MISS];
	st->walks = v[ST_WALKS];
	st->desc_fetches = v[ST_DESC];
	st->faults = v[ST_FAULTS];
	st->terminated = v[ST_TERMINATED];
	st->tlb_evictions = v[ST_EVICT];
	st->tlbi = v[ST_TLBI];
	st->cfgi = v[ST_CFGI];
	st->cmd_errors = v[ST_CMD_ERR];
	st->events_lost = v[ST_EVT_LOST];
	st->stalls = v[ST_STALLS];
	st->stalls_terminated = v[ST_STALL_TERM];
	st->stalls_retried = v[ST_STALL_RETRY];
	st->pri_queued = v[ST_PRI_QUEUED];
	st->pri_auto = v[ST_PRI_AUTO];
	st->ats_requests = v[ST_ATS_REQ];
	st->atc_inv = v[ST_ATC_INV];
	st->walk_cache_hits = v[ST_WC_HIT];
	st->walk_cache_misses = v[ST_WC_MISS];
	st->l1_hits = v[ST_L1_HIT];
	st->l1_misses = v[ST_L1_MISS];
	st->dvm_received = v[ST_DVM];
	st->dvm_applied = v[ST_DVM_APPLIED];
	for (j = 0; j < VSMMU_STATS_CMD_OPS; j++)
		st->cmds[j] = v[ST_CMD0 + j];
	for (j = 0; j < VSMMU_STATS_EVT_IDS; j++)
		st->events[j] = v[ST_EVT0 + j];
}

static void cache_info(const struct sa_cache *c, unsigned int parts,
		       struct vsmmu_smmu_cache_info *ci)
{
	ci->sets = c->sets / parts;
	ci->ways = c->ways;
	ci->bytes = sa_bytes(c);
}

void vsmmu_smmu_get_info(const struct vsmmu_smmu *s,
			 struct vsmmu_smmu_info *info)
{
	memset(info, 0, sizeof(*info));
	info->tbus = s->tbu_mask + 1;
	cache_info(&s->tlb, info->tbus, &info->tlb);
	cache_info(&s->s2c, 1, &info->s2c);
	cache_info(&s->cfgc, 1, &info->cfgc);
	if (s->wc_on) {
		cache_info(&s->wc[0], 1, &info->s1wc);
		cache_info(&s->wc[1], 1, &info->s2wc);
	}
	if (s->l1c.mem)
		cache_info(&s->l1c, 1, &info->l1c);
}

/* --- Tracing -------------------------------------------------------------- */

void hw_trace(struct txn_ctx *t, const struct vsmmu_trace_step *step)
{
	if (t->trace)
		t->trace(t->trace_arg, step);
}

void hw_note(struct txn_ctx *t, const char *fmt, ...)
{
	struct vsmmu_trace_step st = { .kind = VSMMU_TRACE_NOTE, .level = -1 };
	char buf[256];
	va_list ap;

	if (!t->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	st.note = buf;
	t->trace(t->trace_arg, &st);
}

/* --- Creation ----------------------------------------------------------- */

void vsmmu_smmu_config_default(struct vsmmu_smmu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->idr[0] = VS_FIELD_PREP(IDR0_ST_LVL, IDR0_ST_LVL_2LVL) |
		      VS_FIELD_PREP(IDR0_STALL_MODEL, IDR0_STALL_MODEL_STALL) |
		      VS_FIELD_PREP(IDR0_TTENDIAN, IDR0_TTENDIAN_MIXED) |
		      IDR0_CD2L | IDR0_VMID16 | IDR0_VMW | IDR0_PRI | IDR0_SEV |
		      IDR0_MSI | IDR0_ASID16 | IDR0_ATS | IDR0_HYP |
		      VS_FIELD_PREP(IDR0_HTTU, IDR0_HTTU_ACCESS_DIRTY) |
		      IDR0_BTM | IDR0_COHACC |
		      VS_FIELD_PREP(IDR0_TTF, IDR0_TTF_AARCH64) | IDR0_S1P |
		      IDR0_S2P;
	cfg->idr[1] = IDR1_ATTR_PERMS_OVR | VS_FIELD_PREP(IDR1_CMDQS, 19) |
		      VS_FIELD_PREP(IDR1_EVTQS, 19) |
		      VS_FIELD_PREP(IDR1_PRIQS, 19) |
		      VS_FIELD_PREP(IDR1_SSIDSIZE, 20) |
		      VS_FIELD_PREP(IDR1_SIDSIZE, 32);
	cfg->idr[3] = IDR3_RIL;
	cfg->idr[5] = VS_FIELD_PREP(IDR5_STALL_MAX, 256) | IDR5_GRAN64K |
		      IDR5_GRAN16K | IDR5_GRAN4K |
		      VS_FIELD_PREP(IDR5_OAS, IDR5_OAS_48_BIT);
	cfg->aidr = 0x02; /* SMMUv3.2 */
}

static uint64_t next_uid;

int vsmmu_smmu_create(const struct vsmmu_smmu_config *cfg,
		      struct vsmmu_mem *mem, struct vsmmu_smmu **out)
{
	struct vsmmu_smmu *s;
	uint32_t idr0, idr1, idr3, idr5;
	unsigned int oas, tbus, tlb_sets;
	int rc;

	if (!cfg || !mem || !out)
		return -EINVAL;
	idr0 = cfg->idr[0];
	idr1 = cfg->idr[1];
	idr3 = cfg->idr[3];
	idr5 = cfg->idr[5];
	oas = arm_smmu_pa_bits(VS_FIELD_GET(IDR5_OAS, idr5));
	if (!(idr0 & (IDR0_S1P | IDR0_S2P)) || !oas ||
	    !(idr5 & (IDR5_GRAN4K | IDR5_GRAN16K | IDR5_GRAN64K)) ||
	    VS_FIELD_GET(IDR1_SIDSIZE, idr1) > 32 ||
	    VS_FIELD_GET(IDR1_SSIDSIZE, idr1) > 20 ||
	    !(VS_FIELD_GET(IDR0_TTF, idr0) & IDR0_TTF_AARCH64))
		return -EINVAL;

	if (posix_memalign((void **)&s, 64, sizeof(*s)))
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->mem = mem;
	s->uid = __atomic_add_fetch(&next_uid, 1, __ATOMIC_RELAXED);
	s->oas = oas;
	s->sidsize = VS_FIELD_GET(IDR1_SIDSIZE, idr1);
	s->ssidsize = VS_FIELD_GET(IDR1_SSIDSIZE, idr1);
	s->s1p = !!(idr0 & IDR0_S1P);
	s->s2p = !!(idr0 & IDR0_S2P);
	s->st2lvl = VS_FIELD_GET(IDR0_ST_LVL, idr0) == IDR0_ST_LVL_2LVL;
	s->cd2l = !!(idr0 & IDR0_CD2L);
	s->asid16 = !!(idr0 & IDR0_ASID16);
	s->vmid16 = !!(idr0 & IDR0_VMID16);
	s->hyp = !!(idr0 & IDR0_HYP);
	s->ats = !!(idr0 & IDR0_ATS);
	s->httu = VS_FIELD_GET(IDR0_HTTU, idr0);
	if (s->httu == 3)
		s->httu = 0; /* reserved */
	s->stall_model = VS_FIELD_GET(IDR0_STALL_MODEL, idr0);
	if (s->stall_model == 3)
		s->stall_model = IDR0_STALL_MODEL_NONE; /* reserved */
	s->term_model = !!(idr0 & IDR0_TERM_MODEL);
	s->ttendian = VS_FIELD_GET(IDR0_TTENDIAN, idr0);
	s->attr_perms_ovr = !!(idr1 & IDR1_ATTR_PERMS_OVR);
	s->gran = ((idr5 & IDR5_GRAN4K) ? 1 : 0) |
		  ((idr5 & IDR5_GRAN16K) ? 2 : 0) |
		  ((idr5 & IDR5_GRAN64K) ? 4 : 0);
	s->stt = !!(idr3 & IDR3_STT);
	s->vax52 = VS_FIELD_GET(IDR5_VAX, idr5) == IDR5_VAX_52_BIT;
	vsmmu_cmd_caps_from_idr(cfg->idr, &s->cmd_caps);

	tbus = cfg->tbus ? cfg->tbus : 1;
	tlb_sets = cfg->tlb_sets ? cfg->tlb_sets : 256;
	if ((tbus & (tbus - 1)) || tbus > 64 || (tlb_sets & (tlb_sets - 1)) ||
	    tlb_sets > (1U << 24) / tbus) {
		rc = -EINVAL;
		goto out_free;
	}
	s->tbu_mask = tbus - 1;
	s->tlb_set_bits = __builtin_ctz(tlb_sets);
	s->tlb_hash_mask = tlb_sets - 1;
	/* An IOTLB entry: tag, input, output; its IPA is cold */
	rc = sa_init(&s->tlb, tlb_sets * tbus,
		     cfg->tlb_ways ? cfg->tlb_ways : 4, 3, 1);
	if (rc)
		goto out_free;
	rc = sa_init(&s->s2c, cfg->s2_sets ? cfg->s2_sets : 128,
		     cfg->s2_ways ? cfg->s2_ways : 4, 3, 0);
	if (rc)
		goto out_tlb;
	rc = sa_init(&s->cfgc, cfg->cfg_sets ? cfg->cfg_sets : 64,
		     cfg->cfg_ways ? cfg->cfg_ways : 4, 1 + HOT_WORDS,
		     CFG_WORDS);
	if (rc)
		goto out_s2c;
	rc = hw_wc_init(s);
	if (rc)
		goto out_cfgc;
	rc = hw_l1c_init(s);
	if (rc) {
		hw_wc_fini(s);
		goto out_cfgc;
	}
	pthread_mutex_init(&s->reg_lock, NULL);
	rc = hw_stalls_init(s);
	if (!rc)
		rc = hw_queues_init(s);
	if (!rc) {
		rc = hw_cmdqv_init(s);
		if (rc)
			hw_queues_fini(s);
	}
	if (rc) {
		hw_stalls_fini(s);
		pthread_mutex_destroy(&s->reg_lock);
		hw_l1c_fini(s);
		hw_wc_fini(s);
		goto out_cfgc;
	}
	*out = s;
	return 0;

out_cfgc:
	sa_fini(&s->cfgc);
out_s2c:
	sa_fini(&s->s2c);
out_tlb:
	sa_fini(&s->tlb);
out_free:
	free(s);
	return rc;
}

void vsmmu_smmu_destroy(struct vsmmu_smmu *s)
{
	if (!s)
		return;
	hw_queues_stop(s);
	hw_cmdqv_stop(s);
	hw_atcs_fini(s);
	hw_stalls_fini(s);
	hw_check_fini(s);
	hw_cmdqv_fini(s);
	hw_queues_fini(s);
	hw_l1c_fini(s);
	hw_wc_fini(s);
	sa_fini(&s->cfgc);
	sa_fini(&s->s2c);
	sa_fini(&s->tlb);
	pthread_mutex_destroy(&s->reg_lock);
	free(s);
}

void vsmmu_smmu_set_irq_handler(struct vsmmu_smmu *s, vsmmu_irq_fn *fn,
				void *arg)
{
	pthread_mutex_lock(&s->reg_lock);
	/* Retire the old handler and wait until no one is still inside it */
	__atomic_store_n(&s->irq_fn, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->irq_busy, __ATOMIC_SEQ_CST))
		sa_relax();
	__atomic_store_n(&s->irq_arg, arg, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->irq_fn, fn, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&s->reg_lock);
}

struct vsmmu_mem *vsmmu_smmu_get_mem(const struct vsmmu_smmu *s)
{
	return s->mem;
}

/* --- Registers ---------------------------------------------------------- */

/*
 * Registers the model gives behaviour to have their own fields; the rest
 * of the two pages is plain storage (raw32), where a 64-bit register
 * occupies two 32-bit slots.  Which registers are 64-bit is the
 * decoder's register table (vsmmu_reg_width): one table for the model,
 * the decoder and the fuzzers.
 */
static bool reg_is_64(uint64_t off)
{
	return vsmmu_reg_width(off) == 8;
}

static uint32_t raw_get(struct vsmmu_smmu *s, uint64_t off)
{
	return __atomic_load_n(&s->raw32[off / 4], __ATOMIC_ACQUIRE);
}

static void raw_set(struct vsmmu_smmu *s, uint64_t off, uint32_t v)
{
	__atomic_store_n(&s->raw32[off / 4], v, __ATOMIC_RELEASE);
}

/* The queue whose BASE register is at @off, and its CR0 enable bit */
static struct hw_queue *queue_of_base(struct vsmmu_smmu *s, uint64_t off,
				      uint32_t *en)
{
	switch (off) {
	case ARM_SMMU_CMDQ_BASE:
		*en = CR0_CMDQEN;
		return &s->cmdq.q;
	case ARM_SMMU_EVTQ_BASE:
		*en = CR0_EVTQEN;
		return &s->evtq;
	case ARM_SMMU_PRIQ_BASE:
		*en = CR0_PRIQEN;
		return &s->priq;
	}
	return NULL;
}

static uint64_t reg_read64(struct vsmmu_smmu *s, uint64_t off)
{
	struct hw_queue *q;
	uint32_t en;

	if (off == ARM_SMMU_STRTAB_BASE)
		return hw_reg64(&s->strtab_base);
	q = queue_of_base(s, off, &en);
	if (q)
		return __atomic_load_n(&q->base, __ATOMIC_ACQUIRE);
	return raw_get(s, off) | (uint64_t)raw_get(s, off + 4) << 32;
}

static void reg_write64(struct vsmmu_smmu *s, uint64_t off, uint64_t val)
{
	struct hw_queue *q;
	uint32_t en;

	q = queue_of_base(s, off, &en);
	if (q) {
		/* Writable only while the queue is disabled */
		if (!(hw_reg32(&s->cr0) & en))
			__atomic_store_n(&q->base,
					 val & (Q_BASE_RWA | Q_BASE_ADDR_MASK |
						Q_BASE_LOG2SIZE),
					 __ATOMIC_RELEASE);
		return;
	}
	if (off == ARM_SMMU_STRTAB_BASE) {
		/* Ignored while the SMMU is enabled */
		if (!(hw_reg32(&s->cr0) & CR0_SMMUEN))
			__atomic_store_n(&s->strtab_base,
					 val & (STRTAB_BASE_RA |
						STRTAB_BASE_ADDR_MASK),
					 __ATOMIC_RELEASE);
		return;
	}
	raw_set(s, off, (uint32_t)val);
	raw_set(s, off + 4, (uint32_t)(val >> 32));
}

static uint32_t reg_read32(struct vsmmu_smmu *s, uint64_t off)
{
	switch (off) {
	case ARM_SMMU_IDR0:
	case ARM_SMMU_IDR1:
	case ARM_SMMU_IDR2:
	case ARM_SMMU_IDR3:
	case ARM_SMMU_IDR4:
	case ARM_SMMU_IDR5:
		return s->cfg.idr[off / 4];
	case ARM_SMMU_IIDR:
		return s->cfg.iidr;
	case ARM_SMMU_AIDR:
		return s->cfg.aidr;
	case ARM_SMMU_CR0:
	case ARM_SMMU_CR0ACK:
		return hw_reg32(&s->cr0);
	case ARM_SMMU_CR1:
		return hw_reg32(&s->cr1);
	case ARM_SMMU_CR2:
		return hw_reg32(&s->cr2);
	case ARM_SMMU_GBPA:
		return hw_reg32(&s->gbpa);
	case ARM_SMMU_IRQ_CTRL:
	case ARM_SMMU_IRQ_CTRLACK:
		return hw_reg32(&s->irq_ctrl);
	case ARM_SMMU_STRTAB_BASE_CFG:
		return hw_reg32(&s->strtab_base_cfg);
	case ARM_SMMU_GERROR:
		return hw_reg32(&s->gerror);
	case ARM_SMMU_GERRORN:
		return hw_reg32(&s->gerrorn);
	case ARM_SMMU_CMDQ_PROD:
		return hw_reg32(&s->cmdq.q.prod);
	case ARM_SMMU_CMDQ_CONS:
		return hw_reg32(&s->cmdq.q.cons);
	case ARM_SMMU_EVTQ_PROD:
		return hw_reg32(&s->evtq.prod);
	case ARM_SMMU_EVTQ_CONS:
		return hw_reg32(&s->evtq.cons);
	case ARM_SMMU_PRIQ_PROD:
		return hw_reg32(&s->priq.prod);
	case ARM_SMMU_PRIQ_CONS:
		return hw_reg32(&s->priq.cons);
	}
	return raw_get(s, off);
}

/* Index (with wrap) and flag bits a PROD/CONS register keeps */
static uint32_t q_index_mask(const struct hw_queue *q, uint32_t flags)
{
	return ((2U << q->max_log2) - 1) | flags;
}

/*
 * A queue the SMMU produces into (EVTQ, PRIQ): software owns CONS (RD and
 * OVACKFLG); PROD (WR and OVFLG) is the SMMU's, writable by software only
 * while the queue is disabled.
 */
static void out_queue_write(struct hw_queue *q, bool prod, bool enabled,
			    uint32_t val)
{
	if (prod && enabled)
		return;
	__atomic_store_n(prod ? &q->prod : &q->cons,
			 val & q_index_mask(q, Q_OVERFLOW_FLAG),
			 __ATOMIC_RELEASE);
}

/* Return true if the command queue must be looked at again. */
static unsigned int reg_write32(struct vsmmu_smmu *s, uint64_t off,
				uint32_t val)
{
	uint32_t cr0 = hw_reg32(&s->cr0);
	bool enabled = cr0 & CR0_SMMUEN;

	switch (off) {
	case ARM_SMMU_IDR0:
	case ARM_SMMU_IDR1:
	case ARM_SMMU_IDR2:
	case ARM_SMMU_IDR3:
	case ARM_SMMU_IDR4:
	case ARM_SMMU_IDR5:
	case ARM_SMMU_IIDR:
	case ARM_SMMU_AIDR:
	case ARM_SMMU_CR0ACK:
	case ARM_SMMU_IRQ_CTRLACK:
	case ARM_SMMU_GERROR:
		return false; /* read-only */
	case ARM_SMMU_CR0:
		/*
		 * CR0ACK follows at once: the model has nothing to drain.
		 * PRIQEN and ATSCHK are RES0 without PRI / ATS.
		 */
		if (!(s->cfg.idr[0] & IDR0_PRI))
			val &= ~(uint32_t)CR0_PRIQEN;
		if (!s->ats)
			val &= ~(uint32_t)CR0_ATSCHK;
		__atomic_store_n(&s->cr0, val & 0x1df, __ATOMIC_RELEASE);
		__atomic_store_n(&s->fast_on,
				 (val & CR0_SMMUEN) && !hw_check_on(s),
				 __ATOMIC_RELEASE);
		return (val & CR0_CMDQEN) && !(cr0 & CR0_CMDQEN);
	case ARM_SMMU_GERRORN:
		__atomic_store_n(&s->gerrorn, val & 0x1fd, __ATOMIC_RELEASE);
		return true; /* may acknowledge CMDQ_ERR */
	case ARM_SMMU_CMDQ_PROD:
		__atomic_store_n(&s->cmdq.q.prod,
				 val & q_index_mask(&s->cmdq.q, 0),
				 __ATOMIC_RELEASE);
		return true;
	case ARM_SMMU_CMDQ_CONS:
		/* Writable while the queue is disabled (RD and ERR) */
		if (!(cr0 & CR0_CMDQEN))
			__atomic_store_n(&s->cmdq.q.cons,
					 val & q_index_mask(&s->cmdq.q,
							    CMDQ_CONS_ERR),
					 __ATOMIC_RELEASE);
		return false;
	case ARM_SMMU_EVTQ_PROD:
	case ARM_SMMU_EVTQ_CONS:
		out_queue_write(&s->evtq, off == ARM_SMMU_EVTQ_PROD,
				cr0 & CR0_EVTQEN, val);
		return false;
	case ARM_SMMU_PRIQ_PROD:
	case ARM_SMMU_PRIQ_CONS:
		out_queue_write(&s->priq, off == ARM_SMMU_PRIQ_PROD,
				cr0 & CR0_PRIQEN, val);
		return false;
	case ARM_SMMU_CR1:
		__atomic_store_n(&s->cr1, val & 0xfff, __ATOMIC_RELEASE);
		return false;
	case ARM_SMMU_CR2:
		__atomic_store_n(&s->cr2, val & 0x7, __ATOMIC_RELEASE);
		return false;
	case ARM_SMMU_GBPA:
		/* An update takes effect, and completes, when UPDATE is set */
		if (val & GBPA_UPDATE)
			__atomic_store_n(&s->gbpa, val & ~(uint32_t)GBPA_UPDATE,
					 __ATOMIC_RELEASE);
		return false;
	case ARM_SMMU_IRQ_CTRL:
		__atomic_store_n(&s->irq_ctrl, val & 0x7, __ATOMIC_RELEASE);
		return false;
	case ARM_SMMU_STRTAB_BASE_CFG:
		if (!enabled)
			__atomic_store_n(&s->strtab_base_cfg,
					 val & (STRTAB_BASE_CFG_FMT |
						STRTAB_BASE_CFG_SPLIT |
						STRTAB_BASE_CFG_LOG2SIZE),
					 __ATOMIC_RELEASE);
		return false;
	}
	raw_set(s, off, val);
	return false;
}

static bool rf_is64(void *ctx, uint64_t off)
{
	return reg_is_64(off);
}

static uint64_t rf_rd64(void *ctx, uint64_t off)
{
	return reg_read64(ctx, off);
}

static void rf_wr64(void *ctx, uint64_t off, uint64_t val)
{
	reg_write64(ctx, off, val);
}

static uint32_t rf_rd32(void *ctx, uint64_t off)
{
	return reg_read32(ctx, off);
}

static unsigned int rf_wr32(void *ctx, uint64_t off, uint32_t val)
{
	return reg_write32(ctx, off, val);
}

int vsmmu_smmu_mmio_read(struct vsmmu_smmu *s, uint64_t off, unsigned int size,
			 uint64_t *val)
{
	const struct hw_regfile rf = { s,	rf_is64, rf_rd64,
				       rf_wr64, rf_rd32, rf_wr32 };

	if (!s || !val || (size != 4 && size != 8) || (off & (size - 1)) ||
	    off >= SMMU_MMIO_SIZE)
		return -EINVAL;
	return hw_mmio_read(&rf, off, size, val);
}

int vsmmu_smmu_mmio_write(struct vsmmu_smmu *s, uint64_t off, unsigned int size,
			  uint64_t val)
{
	const struct hw_regfile rf = { s,	rf_is64, rf_rd64,
				       rf_wr64, rf_rd32, rf_wr32 };
	unsigned int kick = 0;
	uint32_t cr0;
	int rc;

	if (!s || (size != 4 && size != 8) || (off & (size - 1)) ||
	    off >= SMMU_MMIO_SIZE)
		return -EINVAL;
	/*
	 * CMDQ_PROD, the doorbell every command submission rings: no
	 * invariant ties it to another register, so it is one release
	 * store, without the register lock (whose lock and unlock would
	 * each wait for the store to leave this CPU).
	 */
	if (off == ARM_SMMU_CMDQ_PROD && size == 4) {
		__atomic_store_n(&s->cmdq.q.prod,
				 (uint32_t)val & q_index_mask(&s->cmdq.q, 0),
				 __ATOMIC_RELEASE);
		hw_cmdq_doorbell(s);
		return 0;
	}
	pthread_mutex_lock(&s->reg_lock);
	cr0 = hw_reg32(&s->cr0);
	rc = hw_mmio_write(&rf, off, size, val, &kick);
	pthread_mutex_unlock(&s->reg_lock);
	/* SMMUEN 1 -> 0 terminates every stalled transaction (3.12.2) */
	if (off == ARM_SMMU_CR0 && (cr0 & CR0_SMMUEN) &&
	    !(hw_reg32(&s->cr0) & CR0_SMMUEN))
		hw_stall_term(s, 0, true);
	/* The event queue may have become writable for a waiting stall */
	if (off == ARM_SMMU_EVTQ_CONS || off == ARM_SMMU_CR0 ||
	    off == ARM_SMMU_GERRORN)
		hw_stall_flush(s);
	/* Commands run outside the register lock (see hw_cmdq_kick) */
	if (kick)
		hw_cmdq_kick(s);
	return rc;
}

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

/* --- Invalidation ------------------------------------------------------- */

struct tlbi_match {
	unsigned int kinds; /* bit per TLB_KIND_* */
	bool el2;
	bool any_vmid;
	uint16_t vmid;
	int asid; /* -1: any */
	bool keep_global; /* NH_ASID: global entries stay */
	bool shared_only; /* a broadcast by ASID or VA: ASET = 1 entries stay */
	bool ranged;
	uint64_t start, last; /* inclusive */
	unsigned int ttl, gshift; /* 0: any */
};

static bool tlbi_match_fn(const uint64_t *e, const void *arg)
{
	const struct tlbi_match *m = arg;
	uint64_t w0 = sa_ld(&e[0]);
	unsigned int kind = VS_FIELD_GET(TLB_TAG_KIND, w0);

	if (!(m->kinds & (1U << kind)) || !!(w0 & TLB_TAG_EL2) != m->el2)
		return false;
	if (!m->any_vmid && VS_FIELD_GET(TLB_TAG_VMID, w0) != m->vmid)
		return false;
	if (m->shared_only && (w0 & TLB_TAG_ASET))
		return false;
	if (m->asid >= 0) {
		if (w0 & TLB_TAG_GLOBAL) {
			if (m->keep_global)
				return false;
		} else if (VS_FIELD_GET(TLB_TAG_ASID, w0) !=
			   (unsigned int)m->asid) {
			return false;
		}
	}
	if (m->ranged) {
		unsigned int sh = VS_FIELD_GET(TLB_TAG_SHIFT, w0);
		uint64_t base, last;

		/*
		 * A combined entry may be a splinter of a larger stage-1
		 * leaf (stage 2 mapped it with smaller pages): a stage-1
		 * invalidation of any address of that leaf removes every
		 * splinter, so match against the stage-1 leaf's range.
		 */
		if (kind == TLB_KIND_S12)
			sh = hw_level_lsb(VS_FIELD_GET(TLB_TAG_GSHIFT, w0) + 10,
					  VS_FIELD_GET(TLB_TAG_LEVEL, w0));
		base = sa_ld(&e[1]) & ~((1ULL << sh) - 1);
		last = base + ((1ULL << sh) - 1);

		if (last < m->start || base > m->last)
			return false;
		if (m->ttl && VS_FIELD_GET(TLB_TAG_LEVEL, w0) != m->ttl)
			return false;
		if (m->gshift &&
		    VS_FIELD_GET(TLB_TAG_GSHIFT, w0) + 10 != m->gshift)
			return false;
	}
	return true;
}

/*
 * Remove matching entries from @c.  A small address range probes only the
 * sets its addresses hash to, for each entry size in @shifts (sizes that
 * may be present) and each of the @parts partitions of 2^@part_bits sets
 * (the IOTLB's TBUs); anything else sweeps the cache.
 */
static unsigned int tlbi_cache(struct sa_cache *c, const struct tlbi_match *m,
			       uint64_t shifts, bool sweep, unsigned int parts,
			       unsigned int part_bits)
{
	unsigned int n = 0, p, hmask = (1U << part_bits) - 1;

	if (sweep || !m->ranged || m->last - m->start >= (16ULL << 12))
		return sa_invalidate_all(c, tlbi_match_fn, m);
	while (shifts) {
		unsigned int sh = __builtin_ctzll(shifts);
		uint64_t a = m->start & ~((1ULL << sh) - 1);

		shifts &= shifts - 1;
		for (; a <= m->last; a += 1ULL << sh) {
			unsigned int h = hw_tlb_hash(a, sh) & hmask;

			for (p = 0; p < parts; p++)
				n += sa_invalidate_set(
					c, sa_set(c, (p << part_bits) | h),
					tlbi_match_fn, m);
			if (a + (1ULL << sh) < a)
				break;
		}
	}
	return n;
}

/*
 * The walk caches' part of a TLBI (4.4): the stage-1 forms reach stage-1
 * table entries of their scope, S2_IPA stage-2 table entries by IPA (and
 * nested stage-1 entries holding the stage-2 translation of a table in
 * the range), S12_VMALL and NSNH_ALL both stages.  Table entries are
 * ASID-tagged, never global.  Leaf = 1 leaves them; TTL = n (with TG)
 * reaches only the table entries of the levels above n, TG only entries
 * of that granule.  With CR2.E2H = 0, EL2 entries carry no ASID and the
 * EL2_VA(A) ASID is ignored (4.4.2.8).  @m is the IOTLB match already
 * worked out from @inv.
 */
static void tlbi_walk_caches(struct vsmmu_smmu *s, const struct vsmmu_tlbi *inv,
			     const struct tlbi_match *m)
{
	struct wc_inv w = {
		.stage = 1,
		.kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12),
		.el2 = m->el2,
		.any_vmid = m->any_vmid,
		.vmid = m->vmid,
		.asid = -1,
		.ranged = m->ranged,
		.start = m->start,
		.last = m->last,
		.ttl = m->ttl,
		.gshift = m->gshift,
		.leaf = m->ranged && inv->leaf,
		.shared_only = m->shared_only,
	};

	if (!s->wc_on)
		return;
	switch (inv->kind) {
	case VSMMU_TLBI_NSNH_ALL:
	case VSMMU_TLBI_S12_VMALL:
		hw_wc_tlbi(s, &w);
		w.stage = 2;
		w.kinds = 1U << TLB_KIND_S2;
		hw_wc_tlbi(s, &w);
		return;
	case VSMMU_TLBI_NH_ASID:
	case VSMMU_TLBI_NH_VA:
		w.asid = inv->asid;
		break;
	case VSMMU_TLBI_EL2_ASID:
		w.asid = inv->asid;
		w.kinds = 1U << TLB_KIND_S1;
		break;
	case VSMMU_TLBI_EL2_VA:
		if (hw_reg32(&s->cr2) & CR2_E2H)
			w.asid = inv->asid;
		/* fall through */
	case VSMMU_TLBI_EL2_ALL:
	case VSMMU_TLBI_EL2_VAA:
		w.kinds = 1U << TLB_KIND_S1;
		break;
	case VSMMU_TLBI_S2_IPA:
		hw_wc_tlbi_nested(s, inv->vmid, m->start, m->last);
		w.stage = 2;
		w.kinds = 1U << TLB_KIND_S2;
		break;
	default:
		break;
	}
	hw_wc_tlbi(s, &w);
}

/*
 * What @inv removes: the entries' kinds, regime, VMID, ASID and (for the
 * ranged forms) addresses in *@m; *@s2c when the stage-2 cache is
 * concerned.  Return 0 or -EINVAL.
 */
static inline __attribute__((always_inline)) int
tlbi_scope(const struct vsmmu_tlbi *inv, struct tlbi_match *m, bool *s2c)
{
	static const unsigned char tg_shift[4] = { 0, 12, 14, 16 };

	*m = (struct tlbi_match){ .asid = -1 };
	*s2c = false;

	if (inv->tg > 3 || inv->ttl > 3 || inv->num > 31 || inv->scale > 31)
		return -EINVAL;
	/* TG = 0 with NUM/SCALE set is a non-zero RES0 field: refused */
	if (!inv->tg && (inv->num || inv->scale))
		return -EINVAL;
	/* TG != 0 with NUM = SCALE = TTL = 0 is reserved */
	if (inv->tg && !inv->num && !inv->scale && !inv->ttl)
		return -EINVAL;

	m->vmid = inv->vmid;
	switch (inv->kind) {
	case VSMMU_TLBI_NSNH_ALL:
		m->kinds = 0xe;
		m->any_vmid = true;
		*s2c = true;
		break;
	case VSMMU_TLBI_S12_VMALL:
		m->kinds = 0xe;
		*s2c = true;
		break;
	case VSMMU_TLBI_NH_ALL:
		m->kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12);
		break;
	case VSMMU_TLBI_NH_ASID:
		m->kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12);
		m->asid = inv->asid;
		m->keep_global = true;
		break;
	case VSMMU_TLBI_NH_VA:
		m->asid = inv->asid;
		/* fall through */
	case VSMMU_TLBI_NH_VAA:
		m->kinds = (1U << TLB_KIND_S1) | (1U << TLB_KIND_S12);
		m->ranged = true;
		break;
	case VSMMU_TLBI_S2_IPA:
		m->kinds = 1U << TLB_KIND_S2;
		m->ranged = true;
		*s2c = true;
		break;
	case VSMMU_TLBI_EL2_ALL:
		m->kinds = 1U << TLB_KIND_S1;
		m->el2 = true;
		m->any_vmid = true;
		break;
	case VSMMU_TLBI_EL2_ASID:
		m->kinds = 1U << TLB_KIND_S1;
		m->el2 = true;
		m->any_vmid = true;
		m->asid = inv->asid;
		m->keep_global = true;
		break;
	case VSMMU_TLBI_EL2_VA:
		m->asid = inv->asid;
		/* fall through */
	case VSMMU_TLBI_EL2_VAA:
		m->kinds = 1U << TLB_KIND_S1;
		m->el2 = true;
		m->any_vmid = true;
		m->ranged = true;
		break;
	default:
		return -EINVAL;
	}
	if (m->ranged) {
		m->start = inv->addr & ~0xfffULL;
		if (inv->tg) {
			uint64_t len = (uint64_t)(inv->num + 1)
				       << (inv->scale + tg_shift[inv->tg]);

			if (inv->scale + tg_shift[inv->tg] >= 58)
				len = ~0ULL;
			m->last = m->start + len - 1;
			if (m->last < m->start)
				m->last = ~0ULL;
			m->ttl = inv->ttl;
			m->gshift = tg_shift[inv->tg];
		} else {
			m->last =
				m->start; /* the entries holding the address */
		}
	}

	return 0;
}

/* Remove what @m describes from every cache (@inv: the operation). */
static void tlbi_apply(struct vsmmu_smmu *s, const struct vsmmu_tlbi *inv,
		       const struct tlbi_match *m, bool s2c)
{
	hw_inv_begin(s);
	/*
	 * Splinters of a stage-1 leaf hash to the sets of their own
	 * addresses, not the command's: probing sets cannot find them.  The
	 * IOTLB is probed only for entry sizes ever inserted: an insert sets
	 * tlb_shifts before it takes its set's lock and reads the generation
	 * (sequentially consistent, like the generation increment above), so
	 * an entry this probe could miss is one whose insert is dropped.
	 */
	tlbi_cache(&s->tlb, m,
		   __atomic_load_n(&s->tlb_shifts, __ATOMIC_SEQ_CST),
		   __atomic_load_n(&s->splintered, __ATOMIC_SEQ_CST) &&
			   (m->kinds & (1U << TLB_KIND_S12)),
		   s->tbu_mask + 1, s->tlb_set_bits);
	if (s2c) {
		struct tlbi_match m2 = *m;

		m2.kinds = 1U << TLB_KIND_S2;
		tlbi_cache(&s->s2c, &m2,
			   VS_BIT(12) | VS_BIT(14) | VS_BIT(16) | VS_BIT(21) |
				   VS_BIT(25) | VS_BIT(29) | VS_BIT(30) |
				   VS_BIT(42),
			   false, 1, __builtin_ctz(s->s2c.sets));
	}
	tlbi_walk_caches(s, inv, m);
	hw_inv_end(s);
}

int vsmmu_smmu_tlbi(struct vsmmu_smmu *s, const struct vsmmu_tlbi *inv)
{
	struct tlbi_match m;
	bool s2c;

	if (!s || !inv || tlbi_scope(inv, &m, &s2c))
		return -EINVAL;
	tlbi_apply(s, inv, &m, s2c);
	hw_stat_inc(s, ST_TLBI);
	return 0;
}

/*
 * Broadcast TLB maintenance (IDR0.BTM, honoured while CR2.PTM = 0).  Each
 * PE operation removes what the command of the same scope would, in the
 * regime it names (EL1&0 with its VMID, or EL2&0 with E2H), with one
 * difference: operations by ASID or by VA (ASIDE1IS, VA[L]E1IS,
 * VAA[L]E1IS and their range forms) pass by entries made through a CD
 * with ASET = 1 -- the non-shared set is not the PEs' (3.17; the model
 * takes the "need not" as "does not", which is what a driver may rely on
 * least).  Operations of a whole VMID (VMALLE1IS, VMALLS12E1IS) remove
 * them too.  docs/spec-notes.md records the choice.
 */
void vsmmu_smmu_dvm(void *arg, const struct vsmmu_dvm_op *op)
{
	struct vsmmu_smmu *s = arg;
	struct vsmmu_tlbi inv = { 0 };
	bool ranged = false, shared = false, s2c;
	struct tlbi_match m;

	if (!s || !op)
		return;
	hw_stat_inc(s, ST_DVM);
	if (!(s->cfg.idr[0] & IDR0_BTM) || (hw_reg32(&s->cr2) & CR2_PTM))
		return;
	inv.vmid = op->vmid;
	inv.asid = op->asid;
	inv.leaf = op->kind == VSMMU_DVM_VAL || op->kind == VSMMU_DVM_VAAL ||
		   op->kind == VSMMU_DVM_IPAL;
	switch (op->kind) {
	case VSMMU_DVM_ASID:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_ASID : VSMMU_TLBI_NH_ASID;
		shared = true;
		break;
	case VSMMU_DVM_VA:
	case VSMMU_DVM_VAL:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_VA : VSMMU_TLBI_NH_VA;
		ranged = shared = true;
		break;
	case VSMMU_DVM_VAA:
	case VSMMU_DVM_VAAL:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_VAA : VSMMU_TLBI_NH_VAA;
		ranged = shared = true;
		break;
	case VSMMU_DVM_VMALL:
		inv.kind = op->el2 ? VSMMU_TLBI_EL2_ALL : VSMMU_TLBI_NH_ALL;
		break;
	case VSMMU_DVM_IPA:
	case VSMMU_DVM_IPAL:
		if (op->el2)
			return; /* stage 2 is an EL1&0 regime's */
		inv.kind = VSMMU_TLBI_S2_IPA;
		ranged = true;
		break;
	case VSMMU_DVM_VMALLS12:
		if (op->el2)
			return;
		inv.kind = VSMMU_TLBI_S12_VMALL;
		break;
	default:
		return;
	}
	if (tlbi_scope(&inv, &m, &s2c))
		return;
	if (ranged) {
		if (!op->size)
			return;
		m.start = op->addr & ~0xfffULL;
		m.last = m.start + op->size - 1;
		if (m.last < m.start)
			m.last = ~0ULL;
	}
	m.shared_only = shared;
	tlbi_apply(s, &inv, &m, s2c);
	hw_stat_inc(s, ST_DVM_APPLIED);
}

struct cfgi_match {
	uint32_t sid_lo, sid_hi;
	bool by_ssid;
	uint32_t ssid;
};

static bool cfgi_match_fn(const uint64_t *e, const void *arg)
{
	const struct cfgi_match *m = arg;
	uint64_t key = sa_ld(&e[0]);
	uint32_t sid = VS_FIELD_GET(CFGC_KEY_SID, key);

	if (sid < m->sid_lo || sid > m->sid_hi)
		return false;
	if (!m->by_ssid)
		return true;
	/* CD index 0 also serves traffic without a SubstreamID */
	if (!(key & CFGC_KEY_SSV))
		return m->ssid == 0;
	return VS_FIELD_GET(CFGC_KEY_SSID, key) == m->ssid;
}

int vsmmu_smmu_cfgi(struct vsmmu_smmu *s, const struct vsmmu_cfgi *inv)
{
	struct cfgi_match m = { 0 };

	if (!s || !inv)
		return -EINVAL;
	switch (inv->kind) {
	case VSMMU_CFGI_ALL:
		m.sid_hi = ~0U;
		break;
	case VSMMU_CFGI_STE:
	case VSMMU_CFGI_CD_ALL:
		/* CFGI_STE also drops every CD cached through the SID */
		m.sid_lo = m.sid_hi = inv->sid;
		break;
	case VSMMU_CFGI_STE_RANGE: {
		uint64_t mask;

		if (inv->range > 31)
			return -EINVAL;
		mask = (2ULL << inv->range) - 1;
		m.sid_lo = inv->sid & ~(uint32_t)mask;
		m.sid_hi = m.sid_lo | (uint32_t)mask;
		break;
	}
	case VSMMU_CFGI_CD:
		m.sid_lo = m.sid_hi = inv->sid;
		m.by_ssid = true;
		m.ssid = inv->ssid;
		break;
	default:
		return -EINVAL;
	}
	hw_inv_begin(s);
	sa_invalidate_all(&s->cfgc, cfgi_match_fn, &m);
	hw_l1c_cfgi(s, inv, m.sid_lo, m.sid_hi);
	hw_inv_end(s);
	if (hw_check_on(s))
		hw_check_cfgi(s, inv);
	hw_stat_inc(s, ST_CFGI);
	return 0;
}
