// SPDX-License-Identifier: MIT
/*
 * The SMMU object: creation and destruction, its register file, its
 * statistics and cache geometry -- the top of the model.  Translation is
 * translate.c, invalidation inval.c, the queues queue.c/cmdq.c/evtq.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw.h"

/* --- Statistics --------------------------------------------------------- */
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
