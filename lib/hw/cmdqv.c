// SPDX-License-Identifier: MIT
/*
 * NVIDIA Tegra241 (Grace) CMDQ-Virtualization: the register block, its
 * VINTFs and VCMDQs (docs/cmdqv.md has every rule with its evidence).
 *
 * Each VCMDQ is a struct hw_cmdq consumed by the one command engine
 * (queue.c, hw_cmdq_consume): its own ring, CONS.ERR and GERROR/GERRORN
 * pair.  What CMDQV adds sits in three hooks:
 *  - enabled(): CMDQV_EN && the owning VINTF's EN && VCMDQ EN && allocated;
 *  - prepare(): before a command runs, a guest-owned VINTF (HYP_OWN = 0)
 *    refuses the commands it does not accept and substitutes its VMID and
 *    the physical StreamIDs of its SID_MATCH/SID_REPLACE pairs -- the
 *    security boundary; a refusal is CERROR_ILL on that queue, with nothing
 *    of the command executed;
 *  - on_error(): the queue's GERROR.CMDQ_ERR and the CMDQV interrupt.
 * The error maps (VINTF_ERR_MAP, CMDQ_ERR_MAP, LVCMDQ_ERR_MAP) are not
 * stored: they are computed from the queues' live GERROR ^ GERRORN when
 * read, so they clear when the owner acknowledges (the Linux handler reads
 * them and writes only GERRORN).
 *
 * Locking: register writes take cmdqv->lock; everything the consumer reads
 * (configuration, pairs, allocation) is read with atomics and never under
 * that lock, so a writer may join a consumer thread while holding it.
 * Commands run outside the lock, in the writer (VSMMU_EXEC_SYNC) or in the
 * VCMDQ's own consumer thread (VSMMU_EXEC_THREAD), started when the queue
 * becomes enabled and joined when it stops being so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw.h"

#define CMDQV_PAGE 0x10000
#define VINTF_PAGES 0x20000 /* page 0 + page 1 of one VINTF */
#define VCMDQ_STRIDE 0x80
#define VINTF_STRIDE 0x100
#define MAX_SIDS 16 /* NUM_SID_PER_VM_LOG2 <= 4 */
#define MAX_LVCMDQ 128 /* LVCMDQ_ERR_MAP: 2 x 64 bits */

/* CMDQV_CONFIG: CMDQV_EN, PER_CMD_OFFSET[3:1], CMDQ_MAX_CLK_BATCH[11:4],
 * CMDQ_MAX_CMD_BATCH[19:12], CONS_DRAM_EN[20] (QEMU's field list); only
 * CMDQV_EN acts, the rest is storage. */
#define CMDQV_CONFIG_MASK VS_GENMASK(20, 0)
/* VCMDQ GERROR/GERRORN: CMDQ_ERR 0, CONS_DRAM_WR_ABT_ERR 1, CMDQ_INIT_ERR 2 */
#define VCMDQ_GERROR_MASK VS_GENMASK(2, 0)
#define VCMDQ_GERROR_CMDQ_ERR VS_BIT(0)
#define VINTF_STATUS_VCMDQ_ERROR 1 /* VINTF_STATUS.STATUS */
#define CMDQ_ALLOC_MASK                                     \
	(CMDQV_CMDQ_ALLOC_VINTF | CMDQV_CMDQ_ALLOC_LVCMDQ | \
	 CMDQV_CMDQ_ALLOCATED)
#define VINTF_CONFIG_MASK (VINTF_HYP_OWN | VINTF_VMID | VINTF_EN)
#define CONS_INDX_BASE_MASK VS_GENMASK(47, 0)

struct hw_vcmdq {
	struct hw_cmdq cq; /* first: the engine's hooks get &cq */
	struct hw_consumer cons;
	unsigned int idx;
	uint32_t config; /* VCMDQ_CONFIG */
	uint32_t gerror, gerrorn;
	uint32_t alloc; /* CMDQ_ALLOC(idx) */
	uint64_t cons_indx_base;
};

struct hw_vintf {
	uint32_t config;
	uint32_t nlv; /* LVCMDQs 0 .. nlv - 1 are allocated */
	uint32_t sid_match[MAX_SIDS], sid_replace[MAX_SIDS];
	int16_t lv[MAX_LVCMDQ]; /* logical -> global VCMDQ, -1: none */
};

struct hw_cmdqv {
	pthread_mutex_t lock; /* register writers */
	unsigned int nvintf, nvcmdq, nsid;
	uint32_t config, param;
	uint32_t int_mask[2];
	uint64_t size; /* bytes of the register block */
	struct hw_vintf *vintf;
	struct hw_vcmdq *vcmdq;
};

static inline int16_t ld_lv(const int16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void st_lv(int16_t *p, int16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static struct hw_vcmdq *to_vcmdq(struct hw_cmdq *cq)
{
	return (struct hw_vcmdq *)cq;
}

/* The VINTF a VCMDQ is allocated to (the index was checked when written) */
static struct hw_vintf *owner(struct hw_cmdqv *cv, uint32_t alloc)
{
	return &cv->vintf[VS_FIELD_GET(CMDQV_CMDQ_ALLOC_VINTF, alloc)];
}

static bool vcmdq_err_active(struct hw_vcmdq *v)
{
	return (hw_reg32(&v->gerror) ^ hw_reg32(&v->gerrorn)) &
	       VCMDQ_GERROR_MASK;
}

/* --- The engine's hooks --------------------------------------------------- */

static bool vcmdq_enabled(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	struct hw_cmdqv *cv = s->cmdqv;
	struct hw_vcmdq *v = to_vcmdq(cq);
	uint32_t alloc = hw_reg32(&v->alloc);

	return (hw_reg32(&cv->config) & CMDQV_EN) &&
	       (alloc & CMDQV_CMDQ_ALLOCATED) &&
	       (hw_reg32(&v->config) & VCMDQ_EN) &&
	       (hw_reg32(&owner(cv, alloc)->config) & VINTF_EN);
}

/*
 * The queue stopped on an error: activate GERROR.CMDQ_ERR (the error maps
 * follow from it) and raise the CMDQV interrupt unless the VINTF's bit in
 * VINTF_INT_MASK masks it (1 = masked, as QEMU's model reads the bit).
 */
static void vcmdq_error(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	struct hw_cmdqv *cv = s->cmdqv;
	struct hw_vcmdq *v = to_vcmdq(cq);
	unsigned int vi =
		VS_FIELD_GET(CMDQV_CMDQ_ALLOC_VINTF, hw_reg32(&v->alloc));
	uint32_t old = hw_reg32(&v->gerror);

	if (!((old ^ hw_reg32(&v->gerrorn)) & VCMDQ_GERROR_CMDQ_ERR))
		hw_reg32_set(&v->gerror, old ^ VCMDQ_GERROR_CMDQ_ERR);
	if (!(hw_reg32(&cv->int_mask[vi / 32]) & (1U << (vi % 32))))
		hw_irq(s, VSMMU_IRQ_CMDQV, 0);
}

/*
 * Replace a virtual StreamID with the physical one of the first enabled
 * SID_MATCH entry naming it.  No match: CERROR_ILL (the reference: "a
 * command naming a SID that matches no pair is an illegal command").
 */
static unsigned int sid_substitute(struct hw_cmdqv *cv, struct hw_vintf *vi,
				   uint64_t *cmd0)
{
	uint32_t sid = VS_FIELD_GET(CMDQ_ATC_0_SID, *cmd0);
	unsigned int i;

	for (i = 0; i < cv->nsid; i++) {
		uint32_t m = hw_reg32(&vi->sid_match[i]);

		if (!(m & VINTF_SID_MATCH_EN) ||
		    VS_FIELD_GET(VINTF_SID_MATCH_VSID, m) != sid)
			continue;
		*cmd0 = (*cmd0 & ~CMDQ_ATC_0_SID) |
			VS_FIELD_PREP(CMDQ_ATC_0_SID,
				      (uint64_t)hw_reg32(&vi->sid_replace[i]));
		return 0;
	}
	return CMDQ_ERR_CERROR_ILL_IDX;
}

/*
 * Before a command runs.  Every VCMDQ completes a CMD_SYNC without an
 * interrupt or MSI (Linux issues only CS = NONE on them and polls: the
 * ARM_SMMU_OPT_TEGRA241_CMDQV busy-polling rule), so CS = IRQ/SEV become
 * NONE (CS = 0b11 stays, and stays illegal).  A guest-owned VINTF accepts
 * only TLBI_NH_ASID, TLBI_NH_VA, TLBI_S12_VMALL, TLBI_S2_IPA, ATC_INV and
 * CMD_SYNC; the VMID field becomes the VINTF's, ATC_INV's StreamID the
 * physical one.
 */
static unsigned int vcmdq_prepare(struct vsmmu_smmu *s, struct hw_cmdq *cq,
				  uint64_t cmd[2])
{
	struct hw_cmdqv *cv = s->cmdqv;
	struct hw_vintf *vi = owner(cv, hw_reg32(&to_vcmdq(cq)->alloc));
	uint32_t cfg = hw_reg32(&vi->config);
	unsigned int op = VS_FIELD_GET(CMDQ_0_OP, cmd[0]);

	if (op == CMDQ_OP_CMD_SYNC) {
		unsigned int cs = VS_FIELD_GET(CMDQ_SYNC_0_CS, cmd[0]);

		if (cs == CMDQ_SYNC_0_CS_IRQ || cs == CMDQ_SYNC_0_CS_SEV)
			cmd[0] &= ~CMDQ_SYNC_0_CS;
	}
	if (cfg & VINTF_HYP_OWN)
		return 0;
	switch (op) {
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_S12_VMALL:
	case CMDQ_OP_TLBI_S2_IPA:
		cmd[0] = (cmd[0] & ~CMDQ_TLBI_0_VMID) |
			 VS_FIELD_PREP(CMDQ_TLBI_0_VMID,
				       (uint64_t)VS_FIELD_GET(VINTF_VMID, cfg));
		return 0;
	case CMDQ_OP_ATC_INV:
		return sid_substitute(cv, vi, &cmd[0]);
	case CMDQ_OP_CMD_SYNC:
		return 0;
	}
	return CMDQ_ERR_CERROR_ILL_IDX;
}

/*
 * A CMD_SYNC completed on the main command queue.  Linux, tearing down a
 * guest's VCMDQ, issues a CMD_SYNC on the main queue so that an ATC_INV
 * timeout the guest left behind without a sync is not reported to the
 * queue's next owner: the model drops the pending timeout of every VCMDQ
 * that is not enabled at that point.
 */
void hw_cmdqv_main_sync(struct vsmmu_smmu *s)
{
	struct hw_cmdqv *cv = s->cmdqv;
	unsigned int q;

	for (q = 0; q < cv->nvcmdq; q++) {
		struct hw_vcmdq *v = &cv->vcmdq[q];

		if (__atomic_load_n(&v->cq.atc_inv_failed, __ATOMIC_ACQUIRE) &&
		    !vcmdq_enabled(s, &v->cq))
			__atomic_store_n(&v->cq.atc_inv_failed, false,
					 __ATOMIC_RELEASE);
	}
}

/* --- Creation -------------------------------------------------------------- */

int hw_cmdqv_init(struct vsmmu_smmu *s)
{
	const typeof(s->cfg.cmdqv) *c = &s->cfg.cmdqv;
	struct hw_cmdqv *cv;
	unsigned int i, j;

	if (!c->present)
		return 0;
	if (c->num_vintf_log2 > 6 || c->num_vcmdq_log2 > 7 ||
	    c->num_sid_per_vm_log2 > 4 || c->version > 15)
		return -EINVAL;
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	cv->nvintf = 1U << c->num_vintf_log2;
	cv->nvcmdq = 1U << c->num_vcmdq_log2;
	cv->nsid = 1U << c->num_sid_per_vm_log2;
	cv->size =
		TEGRA241_VINTF_PAGE_BASE + (uint64_t)VINTF_PAGES * cv->nvintf;
	cv->param = VS_FIELD_PREP(CMDQV_NUM_SID_PER_VM_LOG2,
				  c->num_sid_per_vm_log2) |
		    VS_FIELD_PREP(CMDQV_NUM_VINTF_LOG2, c->num_vintf_log2) |
		    VS_FIELD_PREP(CMDQV_NUM_VCMDQ_LOG2, c->num_vcmdq_log2) |
		    VS_FIELD_PREP(CMDQV_VER, c->version);
	cv->vintf = calloc(cv->nvintf, sizeof(*cv->vintf));
	cv->vcmdq = calloc(cv->nvcmdq, sizeof(*cv->vcmdq));
	if (!cv->vintf || !cv->vcmdq) {
		free(cv->vintf);
		free(cv->vcmdq);
		free(cv);
		return -ENOMEM;
	}
	for (i = 0; i < cv->nvintf; i++)
		for (j = 0; j < MAX_LVCMDQ; j++)
			cv->vintf[i].lv[j] = -1;
	for (i = 0; i < cv->nvcmdq; i++) {
		struct hw_vcmdq *v = &cv->vcmdq[i];

		v->idx = i;
		v->cq.q.ent_size = 16;
		v->cq.q.max_log2 = VS_FIELD_GET(IDR1_CMDQS, s->cfg.idr[1]);
		v->cq.gerror = &v->gerror;
		v->cq.gerrorn = &v->gerrorn;
		v->cq.err_bit = VCMDQ_GERROR_CMDQ_ERR;
		v->cq.enabled = vcmdq_enabled;
		v->cq.on_error = vcmdq_error;
		v->cq.prepare = vcmdq_prepare;
		pthread_mutex_init(&v->cq.lock, NULL);
		hw_consumer_init(&v->cons, s, &v->cq);
	}
	pthread_mutex_init(&cv->lock, NULL);
	s->cmdqv = cv;
	s->cmdq.after_sync = hw_cmdqv_main_sync;
	return 0;
}

void hw_cmdqv_stop(struct vsmmu_smmu *s)
{
	struct hw_cmdqv *cv = s->cmdqv;
	unsigned int i;

	if (!cv)
		return;
	pthread_mutex_lock(&cv->lock);
	for (i = 0; i < cv->nvcmdq; i++)
		hw_consumer_stop(&cv->vcmdq[i].cons);
	pthread_mutex_unlock(&cv->lock);
}

void hw_cmdqv_fini(struct vsmmu_smmu *s)
{
	struct hw_cmdqv *cv = s->cmdqv;
	unsigned int i;

	if (!cv)
		return;
	for (i = 0; i < cv->nvcmdq; i++) {
		hw_consumer_fini(&cv->vcmdq[i].cons);
		pthread_mutex_destroy(&cv->vcmdq[i].cq.lock);
	}
	pthread_mutex_destroy(&cv->lock);
	free(cv->vintf);
	free(cv->vcmdq);
	free(cv);
	s->cmdqv = NULL;
}

/* --- Register decoding ----------------------------------------------------- */

/*
 * Where an offset in a VCMDQ page lands: @page 0 or 1, @reg within the
 * queue's 0x80-byte slot, and the VCMDQ (NULL: beyond the VCMDQs, or a
 * logical slot with no VCMDQ allocated to it -- read as zero, writes
 * ignored).  Return false if @off is not in a VCMDQ page.
 */
static bool vcmdq_at(struct hw_cmdqv *cv, uint64_t off, struct hw_vcmdq **v,
		     unsigned int *page, unsigned int *reg)
{
	uint64_t in;
	unsigned int q;
	int16_t g;

	*v = NULL;
	if (off < TEGRA241_VCMDQ_PAGE0_BASE)
		return false;
	if (off < TEGRA241_VINTF_PAGE_BASE) {
		*page = (off - TEGRA241_VCMDQ_PAGE0_BASE) / CMDQV_PAGE;
		in = off % CMDQV_PAGE;
		q = in / VCMDQ_STRIDE;
		*reg = in % VCMDQ_STRIDE;
		if (q < cv->nvcmdq)
			*v = &cv->vcmdq[q];
		return true;
	}
	in = (off - TEGRA241_VINTF_PAGE_BASE) % VINTF_PAGES;
	*page = in / CMDQV_PAGE;
	in %= CMDQV_PAGE;
	q = in / VCMDQ_STRIDE;
	*reg = in % VCMDQ_STRIDE;
	if (q < MAX_LVCMDQ) {
		g = ld_lv(&cv->vintf[(off - TEGRA241_VINTF_PAGE_BASE) /
				     VINTF_PAGES]
				   .lv[q]);
		if (g >= 0)
			*v = &cv->vcmdq[g];
	}
	return true;
}

/* The VINTF whose configuration registers hold @off, and the offset in it */
static struct hw_vintf *vintf_at(struct hw_cmdqv *cv, uint64_t off,
				 unsigned int *reg)
{
	uint64_t i;

	if (off < TEGRA241_VINTF(0) || off >= TEGRA241_VCMDQ_PAGE0_BASE)
		return NULL;
	i = (off - TEGRA241_VINTF(0)) / VINTF_STRIDE;
	*reg = (off - TEGRA241_VINTF(0)) % VINTF_STRIDE;
	return i < cv->nvintf ? &cv->vintf[i] : NULL;
}

/*
 * Is the (8-byte aligned) @off a 64-bit register?  The decoder's CMDQV
 * register table says (vsmmu_cmdqv_reg_width), for the offsets this
 * CMDQV's sizes give a register.
 */
static bool reg_is_64(struct hw_cmdqv *cv, uint64_t off)
{
	return off < cv->size && vsmmu_cmdqv_reg_width(off) == 8;
}

/* Bit q of VCMDQs 32m .. 32m + 31 in error */
static uint32_t cmdq_err_map(struct hw_cmdqv *cv, unsigned int m)
{
	uint32_t map = 0;
	unsigned int q;

	for (q = 32 * m; q < 32 * m + 32 && q < cv->nvcmdq; q++)
		if (vcmdq_err_active(&cv->vcmdq[q]))
			map |= 1U << (q % 32);
	return map;
}

/* Bit l of LVCMDQs 64m .. 64m + 63 of @vi in error */
static uint64_t lvcmdq_err_map(struct hw_cmdqv *cv, struct hw_vintf *vi,
			       unsigned int m)
{
	uint64_t map = 0;
	unsigned int l;

	for (l = 64 * m; l < 64 * m + 64; l++) {
		int16_t g = ld_lv(&vi->lv[l]);

		if (g >= 0 && vcmdq_err_active(&cv->vcmdq[g]))
			map |= 1ULL << (l % 64);
	}
	return map;
}

static uint64_t vintf_err_map(struct hw_cmdqv *cv)
{
	uint64_t map = 0;
	unsigned int i;

	for (i = 0; i < cv->nvintf; i++)
		if (lvcmdq_err_map(cv, &cv->vintf[i], 0) ||
		    lvcmdq_err_map(cv, &cv->vintf[i], 1))
			map |= 1ULL << i;
	return map;
}

static uint64_t reg_read64(struct hw_cmdqv *cv, uint64_t off)
{
	struct hw_vcmdq *v;
	struct hw_vintf *vi;
	unsigned int page = 0, reg = 0;

	if (vcmdq_at(cv, off, &v, &page, &reg)) {
		if (!v)
			return 0;
		if (reg == TEGRA241_VCMDQ_BASE)
			return __atomic_load_n(&v->cq.q.base, __ATOMIC_ACQUIRE);
		return __atomic_load_n(&v->cons_indx_base, __ATOMIC_ACQUIRE);
	}
	vi = vintf_at(cv, off, &reg);
	return lvcmdq_err_map(cv, vi,
			      reg == TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(1));
}

static void reg_write64(struct hw_cmdqv *cv, uint64_t off, uint64_t val)
{
	struct hw_vcmdq *v;
	unsigned int page = 0, reg = 0;

	/* LVCMDQ_ERR_MAP is read-only */
	if (!vcmdq_at(cv, off, &v, &page, &reg) || !v)
		return;
	if (reg == TEGRA241_VCMDQ_CONS_INDX_BASE) {
		/* storage: the CONS write-back to memory is not modelled */
		__atomic_store_n(&v->cons_indx_base, val & CONS_INDX_BASE_MASK,
				 __ATOMIC_RELEASE);
		return;
	}
	/* BASE: writable while the queue is disabled, as SMMU_CMDQ_BASE */
	if (!(hw_reg32(&v->config) & VCMDQ_EN))
		__atomic_store_n(&v->cq.q.base,
				 val & (VCMDQ_ADDR | VCMDQ_LOG2SIZE),
				 __ATOMIC_RELEASE);
}

static uint32_t vcmdq_read32(struct hw_vcmdq *v, unsigned int reg)
{
	switch (reg) {
	case TEGRA241_VCMDQ_CONS:
		return hw_reg32(&v->cq.q.cons);
	case TEGRA241_VCMDQ_PROD:
		return hw_reg32(&v->cq.q.prod);
	case TEGRA241_VCMDQ_CONFIG:
		return hw_reg32(&v->config);
	case TEGRA241_VCMDQ_STATUS:
		return hw_reg32(&v->config) & VCMDQ_EN ? VCMDQ_ENABLED : 0;
	case TEGRA241_VCMDQ_GERROR:
		return hw_reg32(&v->gerror);
	case TEGRA241_VCMDQ_GERRORN:
		return hw_reg32(&v->gerrorn);
	}
	return 0;
}

static uint32_t vintf_read32(struct hw_cmdqv *cv, struct hw_vintf *vi,
			     unsigned int reg)
{
	uint32_t cfg = hw_reg32(&vi->config), st;

	if (reg == TEGRA241_VINTF_CONFIG)
		return cfg;
	if (reg == TEGRA241_VINTF_STATUS) {
		st = VS_FIELD_PREP(VINTF_VI_NUM_LVCMDQ, hw_reg32(&vi->nlv));
		if (cfg & VINTF_EN)
			st |= VINTF_ENABLED;
		if (lvcmdq_err_map(cv, vi, 0) || lvcmdq_err_map(cv, vi, 1))
			st |= VS_FIELD_PREP(VINTF_STATUS,
					    VINTF_STATUS_VCMDQ_ERROR);
		return st;
	}
	if (reg >= TEGRA241_VINTF_SID_MATCH(0) &&
	    reg < TEGRA241_VINTF_SID_MATCH(cv->nsid))
		return hw_reg32(
			&vi->sid_match[(reg - TEGRA241_VINTF_SID_MATCH(0)) / 4]);
	if (reg >= TEGRA241_VINTF_SID_REPLACE(0) &&
	    reg < TEGRA241_VINTF_SID_REPLACE(cv->nsid))
		return hw_reg32(
			&vi->sid_replace[(reg - TEGRA241_VINTF_SID_REPLACE(0)) /
					 4]);
	return 0;
}

static uint32_t reg_read32(struct hw_cmdqv *cv, uint64_t off)
{
	struct hw_vcmdq *v;
	struct hw_vintf *vi;
	unsigned int page = 0, reg = 0;

	if (vcmdq_at(cv, off, &v, &page, &reg))
		return v && page == 0 ? vcmdq_read32(v, reg) : 0;
	vi = vintf_at(cv, off, &reg);
	if (vi)
		return vintf_read32(cv, vi, reg);
	switch (off) {
	case TEGRA241_CMDQV_CONFIG:
		return hw_reg32(&cv->config);
	case TEGRA241_CMDQV_PARAM:
		return cv->param;
	case TEGRA241_CMDQV_STATUS:
		return hw_reg32(&cv->config) & CMDQV_EN ? CMDQV_ENABLED : 0;
	case TEGRA241_CMDQV_VINTF_ERR_MAP:
		return (uint32_t)vintf_err_map(cv);
	case TEGRA241_CMDQV_VINTF_ERR_MAP + 4:
		return (uint32_t)(vintf_err_map(cv) >> 32);
	case TEGRA241_CMDQV_VINTF_INT_MASK:
		return hw_reg32(&cv->int_mask[0]);
	case TEGRA241_CMDQV_VINTF_INT_MASK + 4:
		return hw_reg32(&cv->int_mask[1]);
	}
	if (off >= TEGRA241_CMDQV_CMDQ_ERR_MAP(0) &&
	    off < TEGRA241_CMDQV_CMDQ_ERR_MAP(4))
		return cmdq_err_map(cv,
				    (off - TEGRA241_CMDQV_CMDQ_ERR_MAP(0)) / 4);
	if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
	    off < TEGRA241_CMDQV_CMDQ_ALLOC(cv->nvcmdq))
		return hw_reg32(
			&cv->vcmdq[(off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4]
				 .alloc);
	return 0;
}

/* What a register write leaves to do once the lock is dropped */
#define W_KICK 1 /* consume this VCMDQ */
#define W_RECONCILE 2 /* queues may have been enabled or disabled */

/*
 * CMDQ_ALLOC(q).  The merged Linux driver says the hardware requires a
 * VINTF's LVCMDQs to be mapped in ascending and unmapped in descending
 * order; the model enforces that, and refuses (ignores) any write that
 * would break it: allocating a logical number other than the VINTF's next
 * one, moving an allocated VCMDQ without freeing it first, freeing one
 * that is not the VINTF's last, or changing the allocation of an enabled
 * VCMDQ.  A refused write leaves the register as it was.
 */
static unsigned int alloc_write(struct hw_cmdqv *cv, unsigned int q,
				uint32_t val)
{
	struct hw_vcmdq *v = &cv->vcmdq[q];
	uint32_t old = v->alloc;
	unsigned int vidx, lv, todo = 0;
	struct hw_vintf *vi;

	val &= CMDQ_ALLOC_MASK;
	vidx = VS_FIELD_GET(CMDQV_CMDQ_ALLOC_VINTF, val);
	lv = VS_FIELD_GET(CMDQV_CMDQ_ALLOC_LVCMDQ, val);
	if (val == old || (v->config & VCMDQ_EN))
		return 0;
	/*
	 * The queue is disabled, but a consumer may still be finishing the
	 * command it fetched: wait for it, so that no command is ever
	 * checked against a VINTF the queue no longer belongs to.
	 */
	pthread_mutex_lock(&v->cq.lock);
	if (old & CMDQV_CMDQ_ALLOCATED) {
		unsigned int olv = VS_FIELD_GET(CMDQV_CMDQ_ALLOC_LVCMDQ, old);

		vi = owner(cv, old);
		if (!(val & CMDQV_CMDQ_ALLOCATED) && olv + 1 == vi->nlv) {
			st_lv(&vi->lv[olv], -1);
			hw_reg32_set(&vi->nlv, olv);
			/* the fields are plain storage, VINTF kept in range */
			hw_reg32_set(&v->alloc, vidx < cv->nvintf ? val : 0);
			todo = W_RECONCILE;
		}
	} else if (!(val & CMDQV_CMDQ_ALLOCATED)) {
		hw_reg32_set(&v->alloc, vidx < cv->nvintf ? val : 0);
	} else if (vidx < cv->nvintf && lv < MAX_LVCMDQ &&
		   lv == cv->vintf[vidx].nlv) {
		vi = &cv->vintf[vidx];
		hw_reg32_set(&v->alloc, val);
		st_lv(&vi->lv[lv], (int16_t)q);
		hw_reg32_set(&vi->nlv, lv + 1);
		todo = W_RECONCILE;
	}
	pthread_mutex_unlock(&v->cq.lock);
	return todo;
}

static unsigned int vcmdq_write32(struct hw_vcmdq *v, unsigned int reg,
				  uint32_t val)
{
	uint32_t idx = (2U << v->cq.q.max_log2) - 1;

	switch (reg) {
	case TEGRA241_VCMDQ_CONS:
		/* writable while the queue is disabled (RD and ERR) */
		if (!(v->config & VCMDQ_EN))
			hw_reg32_set(&v->cq.q.cons,
				     val & (idx | VCMDQ_CONS_ERR));
		return 0;
	case TEGRA241_VCMDQ_PROD:
		hw_reg32_set(&v->cq.q.prod, val & idx);
		return W_KICK;
	case TEGRA241_VCMDQ_CONFIG:
		hw_reg32_set(&v->config, val & VCMDQ_EN);
		return W_RECONCILE | W_KICK;
	case TEGRA241_VCMDQ_GERRORN:
		hw_reg32_set(&v->gerrorn, val & VCMDQ_GERROR_MASK);
		return W_KICK; /* may acknowledge CMDQ_ERR */
	}
	return 0; /* STATUS, GERROR: read-only */
}

static unsigned int vintf_write32(struct hw_cmdqv *cv, struct hw_vintf *vi,
				  unsigned int reg, uint32_t val)
{
	unsigned int i;

	if (reg == TEGRA241_VINTF_CONFIG) {
		hw_reg32_set(&vi->config, val & VINTF_CONFIG_MASK);
		return W_RECONCILE;
	}
	if (reg >= TEGRA241_VINTF_SID_MATCH(0) &&
	    reg < TEGRA241_VINTF_SID_MATCH(cv->nsid)) {
		i = (reg - TEGRA241_VINTF_SID_MATCH(0)) / 4;
		hw_reg32_set(&vi->sid_match[i],
			     val & (VINTF_SID_MATCH_VSID | VINTF_SID_MATCH_EN));
	} else if (reg >= TEGRA241_VINTF_SID_REPLACE(0) &&
		   reg < TEGRA241_VINTF_SID_REPLACE(cv->nsid)) {
		i = (reg - TEGRA241_VINTF_SID_REPLACE(0)) / 4;
		hw_reg32_set(&vi->sid_replace[i], val);
	}
	return 0;
}

static unsigned int reg_write32(struct hw_cmdqv *cv, uint64_t off, uint32_t val,
				struct hw_vcmdq **kick)
{
	struct hw_vcmdq *v;
	struct hw_vintf *vi;
	unsigned int page = 0, reg = 0;

	if (vcmdq_at(cv, off, &v, &page, &reg)) {
		*kick = v;
		return v && page == 0 ? vcmdq_write32(v, reg, val) : 0;
	}
	vi = vintf_at(cv, off, &reg);
	if (vi)
		return vintf_write32(cv, vi, reg, val);
	switch (off) {
	case TEGRA241_CMDQV_CONFIG:
		hw_reg32_set(&cv->config, val & CMDQV_CONFIG_MASK);
		return W_RECONCILE;
	case TEGRA241_CMDQV_VINTF_INT_MASK:
		hw_reg32_set(&cv->int_mask[0], val);
		return 0;
	case TEGRA241_CMDQV_VINTF_INT_MASK + 4:
		hw_reg32_set(&cv->int_mask[1], val);
		return 0;
	}
	if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
	    off < TEGRA241_CMDQV_CMDQ_ALLOC(cv->nvcmdq))
		return alloc_write(cv, (off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4,
				   val);
	return 0; /* PARAM, STATUS, the error maps: read-only */
}

/*
 * VSMMU_EXEC_THREAD, under cv->lock: give every enabled VCMDQ a consumer
 * thread and join the threads of the others.  A thread that cannot be
 * created leaves its queue unconsumed (the next reconcile retries).
 */
static void reconcile_threads(struct vsmmu_smmu *s)
{
	struct hw_cmdqv *cv = s->cmdqv;
	unsigned int q;

	for (q = 0; q < cv->nvcmdq; q++) {
		struct hw_vcmdq *v = &cv->vcmdq[q];

		if (vcmdq_enabled(s, &v->cq))
			hw_consumer_start(&v->cons);
		else
			hw_consumer_stop(&v->cons);
	}
}

/* --- The MMIO entry points ------------------------------------------------ */

static int check_access(struct vsmmu_smmu *s, uint64_t off, unsigned int size)
{
	if (!s)
		return -EINVAL;
	if (!s->cmdqv)
		return -ENODEV;
	if ((size != 4 && size != 8) || (off & (size - 1)) ||
	    off >= s->cmdqv->size)
		return -EINVAL;
	if (size == 8 && !reg_is_64(s->cmdqv, off))
		return -EINVAL; /* 64-bit access to a 32-bit register */
	return 0;
}

/* The register file's context: the CMDQV, and the VCMDQ a write kicks */
struct rf_ctx {
	struct hw_cmdqv *cv;
	struct hw_vcmdq *kick;
};

static bool rf_is64(void *ctx, uint64_t off)
{
	return reg_is_64(((struct rf_ctx *)ctx)->cv, off);
}

static uint64_t rf_rd64(void *ctx, uint64_t off)
{
	return reg_read64(((struct rf_ctx *)ctx)->cv, off);
}

static void rf_wr64(void *ctx, uint64_t off, uint64_t val)
{
	reg_write64(((struct rf_ctx *)ctx)->cv, off, val);
}

static uint32_t rf_rd32(void *ctx, uint64_t off)
{
	return reg_read32(((struct rf_ctx *)ctx)->cv, off);
}

static unsigned int rf_wr32(void *ctx, uint64_t off, uint32_t val)
{
	struct rf_ctx *c = ctx;

	return reg_write32(c->cv, off, val, &c->kick);
}

int vsmmu_smmu_cmdqv_mmio_read(struct vsmmu_smmu *s, uint64_t off,
			       unsigned int size, uint64_t *val)
{
	int rc = check_access(s, off, size);
	struct rf_ctx c = { NULL, NULL };
	const struct hw_regfile rf = { &c,	rf_is64, rf_rd64,
				       rf_wr64, rf_rd32, rf_wr32 };

	if (rc)
		return rc;
	if (!val)
		return -EINVAL;
	c.cv = s->cmdqv;
	return hw_mmio_read(&rf, off, size, val);
}

int vsmmu_smmu_cmdqv_mmio_write(struct vsmmu_smmu *s, uint64_t off,
				unsigned int size, uint64_t val)
{
	struct rf_ctx c = { NULL, NULL };
	const struct hw_regfile rf = { &c,	rf_is64, rf_rd64,
				       rf_wr64, rf_rd32, rf_wr32 };
	struct hw_cmdqv *cv;
	struct hw_vcmdq *kick;
	unsigned int todo = 0, q;
	int rc = check_access(s, off, size);

	if (rc)
		return rc;
	cv = s->cmdqv;
	c.cv = cv;
	pthread_mutex_lock(&cv->lock);
	hw_mmio_write(&rf, off, size, val, &todo);
	kick = c.kick;
	if ((todo & W_RECONCILE) && s->cfg.exec == VSMMU_EXEC_THREAD)
		reconcile_threads(s);
	pthread_mutex_unlock(&cv->lock);

	/* Commands run outside the register lock */
	if (s->cfg.exec == VSMMU_EXEC_THREAD) {
		if ((todo & W_KICK) && kick)
			hw_consumer_kick(&kick->cons);
	} else if (todo & W_RECONCILE) {
		for (q = 0; q < cv->nvcmdq; q++)
			hw_cmdq_consume(s, &cv->vcmdq[q].cq);
	} else if ((todo & W_KICK) && kick) {
		hw_cmdq_consume(s, &kick->cq);
	}
	return 0;
}
