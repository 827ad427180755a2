// SPDX-License-Identifier: MIT
/*
 * NVIDIA Tegra241 CMDQ-Virtualization in the host driver: probe, VINTF0
 * and its logical VCMDQs, queue selection, VCMDQ error recovery.
 *
 * The driver takes VINTF0 and gives it nq LVCMDQs (one per CPU, at most
 * NUM_VCMDQ / NUM_VINTF, the share Linux gives every VINTF).  Each LVCMDQ
 * is an ordinary SMMU command ring driven by the same lock-free producer
 * code as the main queue (cmdq.c): only the backend differs -- its
 * PROD/CONS are the VINTF's logical page 0 registers, its errors are its
 * own GERROR/GERRORN.  Threads pick LVCMDQ (thread index % nq), so that
 * producers on different threads do not contend on one ring.
 *
 * HYP_OWN decides what a queue takes.  The driver asks for HYP_OWN = 1 and
 * reads it back: the host gets it and its queues take every command; a
 * guest reads 0 (the bit is wired to zero for it), and its queues take
 * only the invalidations a guest VINTF executes -- everything else keeps
 * going to the main queue (in a VM, the trapped and emulated one).  The
 * check is made per command while a batch is built (core.c), never from
 * a batch's first command alone.
 *
 * Bring-up follows the hardware's dependency order and teardown reverses
 * it: CMDQV_EN (polled in CMDQV_STATUS), CMDQ_ALLOC of each VCMDQ to
 * VINTF0 in ascending LVCMDQ order, VINTF_CONFIG.EN (polled), then per
 * LVCMDQ: reset, BASE, CONFIG.EN (polled).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/drv.h"

/* --- State and register access ------------------------------------------- */

struct drv_vcmdq {
	struct drv_queue q; /* first */
	struct vsmmu_drv *drv;
	unsigned int lidx; /* within the VINTF */
	unsigned int idx; /* global VCMDQ index (CMDQ_ALLOC) */
	uint64_t page0, page1; /* register offsets of its logical pages */
	bool allocated; /* CMDQ_ALLOC written (host) */
	_Atomic bool enabled; /* VCMDQ_CONFIG.EN acknowledged */
	char name[32];
};

/* A VINTF given to a VM (HYP_OWN = 0): vsmmu_drv_vintf_alloc(). */
struct drv_gvintf {
	struct vsmmu_drv_vintf base; /* first */
	unsigned int idx, vmid;
	vsmmu_drv_vintf_err_fn *err_fn;
	void *err_arg;
	unsigned int nlv; /* logical queues 0 .. nlv - 1 allocated */
	struct ida sids; /* StreamID pair slots */
	uint32_t *vsid; /* [nsids]: the vSID in each used slot */
	uint64_t forwarded[2]; /* LVCMDQ_ERR_MAP bits already reported */
	uint32_t gerror[128]; /* each LVCMDQ's GERROR when last reported */
};

struct drv_cmdqv {
	struct drv_mmio mmio; /* the CMDQV register block */
	unsigned int num_vintfs, num_vcmdqs, per_vintf; /* CMDQV_PARAM */
	unsigned int sid_per_vm_log2, version;
	unsigned int nq; /* LVCMDQs of the VINTF the driver uses */
	bool hyp_own; /* VINTF_CONFIG.HYP_OWN as read back */
	bool hw_on; /* CMDQV_EN written by us */
	_Atomic bool enabled; /* VINTF0 and its queues up: route to them */
	_Atomic bool bypass; /* vsmmu_drv_cmdqv_set_bypass() */
	struct drv_vcmdq *vq; /* [nq] */
	/* VINTFs given to VMs (never 0) */
	pthread_mutex_t vintf_lock;
	struct ida vintfs;
	struct drv_gvintf **gv; /* [num_vintfs] */
};

static struct drv_cmdqv *to_cv(struct vsmmu_drv *drv)
{
	return drv && drv->impl == &drv_tegra241_cmdqv_impl ? drv->impl_priv :
							      NULL;
}

static int cv_read32(struct vsmmu_drv *drv, uint64_t off, uint32_t *val)
{
	return drv_mmio_read32(&to_cv(drv)->mmio, off, val);
}

static int cv_read64(struct vsmmu_drv *drv, uint64_t off, uint64_t *val)
{
	return drv_mmio_read64(&to_cv(drv)->mmio, off, val);
}

static int cv_write32(struct vsmmu_drv *drv, uint64_t off, uint32_t val)
{
	return drv_mmio_write32(&to_cv(drv)->mmio, off, val);
}

static int cv_write64(struct vsmmu_drv *drv, uint64_t off, uint64_t val)
{
	return drv_mmio_write64(&to_cv(drv)->mmio, off, val);
}

/*
 * Write a CONFIG register whose bit 0 is an enable and poll bit 0 of its
 * STATUS register until it agrees (CMDQV, VINTF and VCMDQ all work so).
 */
static int cv_write_config(struct vsmmu_drv *drv, uint64_t cfg_off,
			   uint64_t status_off, uint32_t val, const char *what)
{
	int rc = cv_write32(drv, cfg_off, val);

	if (rc)
		return rc;
	return drv_poll32(drv, &to_cv(drv)->mmio, status_off, 1, val & 1, what);
}

#define VINTF0_REG(r) (TEGRA241_VINTF(0) + TEGRA241_VINTF_##r)

static uint64_t lvcmdq_page0(unsigned int lidx)
{
	return TEGRA241_VINTFi_PAGE0(0) + 0x80ULL * lidx;
}

static uint64_t lvcmdq_page1(unsigned int lidx)
{
	return TEGRA241_VINTFi_PAGE1(0) + 0x80ULL * lidx;
}

/* --- Queue selection ------------------------------------------------------- */

/*
 * What a guest-owned VINTF executes.  The hardware also takes
 * TLBI_S12_VMALL and TLBI_S2_IPA (reference/cmdqv.md), but a guest has no
 * stage 2 of its own to invalidate; like the merged Linux guest driver we
 * send it TLBI_NH_ASID, TLBI_NH_VA and ATC_INV (and their CMD_SYNCs), and
 * everything else to the main queue.
 */
static bool guest_supports(const struct drv_queue *q, unsigned int opcode)
{
	switch (opcode) {
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_ATC_INV:
	case CMDQ_OP_CMD_SYNC:
		return true;
	default:
		return false;
	}
}

static struct drv_vcmdq *thread_vcmdq(struct vsmmu_drv *drv)
{
	struct drv_cmdqv *cv = to_cv(drv);
	struct drv_vcmdq *vq;

	if (!cv || !cv->nq ||
	    !atomic_load_explicit(&cv->enabled, memory_order_acquire) ||
	    atomic_load_explicit(&cv->bypass, memory_order_relaxed))
		return NULL;
	vq = &cv->vq[drv_thread_index(drv) % cv->nq];
	if (!atomic_load_explicit(&vq->enabled, memory_order_acquire) ||
	    atomic_load_explicit(&vq->q.q.dead, memory_order_relaxed))
		return NULL;
	return vq;
}

static struct drv_queue *cmdqv_get_queue(struct vsmmu_drv *drv,
					 unsigned int opcode)
{
	struct drv_vcmdq *vq = thread_vcmdq(drv);

	return vq ? &vq->q : NULL;
}

int vsmmu_drv_thread_queue(struct vsmmu_drv *drv)
{
	struct drv_vcmdq *vq = thread_vcmdq(drv);

	return vq ? (int)vq->lidx : -1;
}

void vsmmu_drv_cmdqv_set_bypass(struct vsmmu_drv *drv, bool bypass)
{
	struct drv_cmdqv *cv = to_cv(drv);

	if (cv)
		atomic_store(&cv->bypass, bypass);
}

/* --- VCMDQ backend and error recovery -------------------------------------- */

static int vq_read_cons(void *ctx, uint32_t *cons)
{
	struct drv_vcmdq *vq = ctx;

	return cv_read32(vq->drv, vq->page0 + TEGRA241_VCMDQ_CONS, cons);
}

static int vq_write_prod(void *ctx, uint32_t prod)
{
	struct drv_vcmdq *vq = ctx;

	return cv_write32(vq->drv, vq->page0 + TEGRA241_VCMDQ_PROD, prod);
}

/*
 * A halted VCMDQ is recovered exactly as the main queue (queue.c's
 * drv_queue_recover: CERROR_ILL replaced by a CMD_SYNC, CERROR_ABT
 * retried, CERROR_ATC_INV_SYNC retried), then acknowledged through the
 * VCMDQ's own GERRORN.  Under the driver's error lock.
 */
static int vq_handle_error(struct drv_vcmdq *vq)
{
	struct vsmmu_drv *drv = vq->drv;
	uint32_t gerror, gerrorn, active, cons;
	int rc;

	pthread_mutex_lock(&drv->err_lock);
	rc = cv_read32(drv, vq->page0 + TEGRA241_VCMDQ_GERROR, &gerror);
	if (!rc)
		rc = cv_read32(drv, vq->page0 + TEGRA241_VCMDQ_GERRORN,
			       &gerrorn);
	if (rc)
		goto out;
	active = gerror ^ gerrorn;
	if (!active)
		goto out;
	if (active & GERROR_CMDQ_ERR) {
		rc = cv_read32(drv, vq->page0 + TEGRA241_VCMDQ_CONS, &cons);
		if (rc)
			goto out;
		drv_queue_recover(drv, &vq->q, cons);
		if (atomic_load(&vq->q.q.dead))
			active &= ~GERROR_CMDQ_ERR; /* leave it halted */
	}
	if (active & ~GERROR_CMDQ_ERR)
		drv_log(drv, "CMDQV: LVCMDQ%u GERROR 0x%x acknowledged",
			vq->lidx, (unsigned int)(active & ~GERROR_CMDQ_ERR));
	if (active)
		rc = cv_write32(drv, vq->page0 + TEGRA241_VCMDQ_GERRORN,
				gerrorn ^ active);
out:
	pthread_mutex_unlock(&drv->err_lock);
	return rc;
}

/* Called by waiters on the VCMDQ: is it halted?  Two register reads. */
static int vq_poll_errors(void *ctx)
{
	struct drv_vcmdq *vq = ctx;
	uint32_t gerror, gerrorn;
	int rc;

	rc = cv_read32(vq->drv, vq->page0 + TEGRA241_VCMDQ_GERROR, &gerror);
	if (!rc)
		rc = cv_read32(vq->drv, vq->page0 + TEGRA241_VCMDQ_GERRORN,
			       &gerrorn);
	if (!rc && (gerror ^ gerrorn))
		rc = vq_handle_error(vq);
	if (rc)
		return rc;
	return atomic_load(&vq->q.q.dead) ? -EIO : 0;
}

/*
 * The CMDQV interrupt (or vsmmu_drv_process): find the halted LVCMDQs of
 * VINTF0 in its LVCMDQ_ERR_MAP (one bit per logical queue) and recover
 * each.  The host also logs the global maps (VINTF_ERR_MAP, CMDQ_ERR_MAP)
 * that led there.  If the map cannot be read, every queue is checked.
 */
static void forward_guest_errors(struct vsmmu_drv *drv);

static int cmdqv_handle_irq(struct vsmmu_drv *drv)
{
	struct drv_cmdqv *cv = to_cv(drv);
	uint64_t map[2] = { 0, 0 };
	unsigned int i;
	bool scan_all = false;
	int rc = 0, r;

	if (!cv)
		return 0;
	if (cv->hyp_own && cv->hw_on)
		forward_guest_errors(drv);
	if (!atomic_load(&cv->enabled))
		return 0;
	if (cv_read64(drv, VINTF0_REG(LVCMDQ_ERR_MAP_64(0)), &map[0]) ||
	    cv_read64(drv, VINTF0_REG(LVCMDQ_ERR_MAP_64(1)), &map[1]))
		scan_all = true;
	if (!scan_all && !map[0] && !map[1])
		return 0;
	if (cv->hyp_own && !scan_all) {
		uint32_t lo = 0, hi = 0, q[4] = { 0, 0, 0, 0 };

		cv_read32(drv, TEGRA241_CMDQV_VINTF_ERR_MAP, &lo);
		cv_read32(drv, TEGRA241_CMDQV_VINTF_ERR_MAP + 4, &hi);
		for (i = 0; i < 4; i++)
			cv_read32(drv, TEGRA241_CMDQV_CMDQ_ERR_MAP(i), &q[i]);
		drv_log(drv,
			"CMDQV error: VINTF_ERR_MAP %08x%08x CMDQ_ERR_MAP "
			"%08x:%08x:%08x:%08x LVCMDQ_ERR_MAP %016llx%016llx",
			hi, lo, q[3], q[2], q[1], q[0],
			(unsigned long long)map[1], (unsigned long long)map[0]);
	}
	for (i = 0; i < cv->nq; i++) {
		if (!scan_all && !(map[i / 64] & (1ULL << (i % 64))))
			continue;
		r = vq_poll_errors(&cv->vq[i]);
		if (r && !rc && r != -EIO)
			rc = r;
	}
	return rc;
}

/* --- Probe and remove ------------------------------------------------------ */

static void cv_free(struct vsmmu_drv *drv, struct drv_cmdqv *cv)
{
	unsigned int i;

	for (i = 0; i < cv->nq; i++) {
		vsmmu_mem_pool_free(drv->cfg.pool, cv->vq[i].q.q.base,
				    16ULL << cv->vq[i].q.q.shift);
		drv_queue_fini(&cv->vq[i].q);
	}
	free(cv->vq);
	pthread_mutex_destroy(&cv->vintf_lock);
	ida_fini(&cv->vintfs);
	free(cv->gv);
	free(cv);
	drv->impl_priv = NULL;
}

static void cmdqv_remove(struct vsmmu_drv *drv)
{
	struct drv_cmdqv *cv = to_cv(drv);

	if (cv)
		cv_free(drv, cv);
}

/*
 * Present when the embedder gave the CMDQV's register ops: read its
 * parameters and allocate VINTF0's LVCMDQs (memory only; the hardware is
 * programmed at reset).
 */
static int cmdqv_probe(struct vsmmu_drv *drv)
{
	const struct vsmmu_drv_mmio_ops *ops = drv->cfg.cmdqv_ops;
	uint64_t qbytes = 16ULL << drv->feat.cmdq_shift;
	struct drv_cmdqv *cv;
	uint32_t param;
	unsigned int i, nq;
	long cpus;
	int rc;

	if (!ops)
		return -ENODEV;
	if (!ops->read || !ops->write)
		return -EINVAL;
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	cv->mmio = (struct drv_mmio){ ops, drv->cfg.cmdqv_ctx };
	rc = drv_mmio_read32(&cv->mmio, TEGRA241_CMDQV_PARAM, &param);
	if (rc)
		goto out_free;
	cv->num_vintfs = 1U << VS_FIELD_GET(CMDQV_NUM_VINTF_LOG2, param);
	cv->num_vcmdqs = 1U << VS_FIELD_GET(CMDQV_NUM_VCMDQ_LOG2, param);
	cv->sid_per_vm_log2 = VS_FIELD_GET(CMDQV_NUM_SID_PER_VM_LOG2, param);
	cv->version = VS_FIELD_GET(CMDQV_VER, param);
	/* The LVCMDQ field of CMDQ_ALLOC and the error maps hold 128 */
	if (cv->num_vcmdqs > 128 || cv->num_vintfs > 64) {
		drv_log(drv, "CMDQV_PARAM 0x%x out of range", param);
		rc = -ENODEV;
		goto out_free;
	}
	cv->per_vintf = cv->num_vcmdqs / cv->num_vintfs;
	cv->gv = calloc(cv->num_vintfs, sizeof(*cv->gv));
	if (!cv->gv || ida_init(&cv->vintfs, cv->num_vintfs)) {
		free(cv->gv);
		rc = -ENOMEM;
		goto out_free;
	}
	pthread_mutex_init(&cv->vintf_lock, NULL);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nq = drv->cfg.cmdqv_nqueues ? drv->cfg.cmdqv_nqueues :
				      (unsigned int)(cpus > 0 ? cpus : 1);
	if (nq > cv->per_vintf) {
		if (drv->cfg.cmdqv_nqueues) {
			drv_log(drv, "CMDQV: %u queues asked, VINTF has %u", nq,
				cv->per_vintf);
			rc = -EINVAL;
			goto out_vintfs;
		}
		nq = cv->per_vintf;
	}
	drv->impl_priv = cv;
	if (!nq) {
		drv_log(drv, "CMDQV: no VCMDQ for VINTF0, main queue only");
		return 0;
	}
	cv->vq = calloc(nq, sizeof(*cv->vq));
	if (!cv->vq) {
		rc = -ENOMEM;
		goto out_unset;
	}
	for (i = 0; i < nq; i++) {
		struct drv_vcmdq *vq = &cv->vq[i];
		uint64_t pa;

		rc = vsmmu_mem_pool_alloc(drv->cfg.pool, qbytes, qbytes, &pa);
		if (rc)
			goto out_queues;
		/* VCMDQs complete CMD_SYNC by CONS only (no MSI or IRQ:
		 * Linux busy-polls them too) */
		rc = drv_queue_init(&vq->q, drv, pa, drv->feat.cmdq_shift,
				    vq_read_cons, vq_write_prod, vq_poll_errors,
				    vq, false);
		if (rc) {
			vsmmu_mem_pool_free(drv->cfg.pool, pa, qbytes);
			goto out_queues;
		}
		vq->drv = drv;
		vq->lidx = i;
		vq->idx = i; /* VINTF0's share starts at VCMDQ 0 */
		vq->page0 = lvcmdq_page0(i);
		vq->page1 = lvcmdq_page1(i);
		snprintf(vq->name, sizeof(vq->name), "VINTF0 LVCMDQ%u CONS", i);
		vq->q.name = vq->name;
		vq->q.lidx = (int)i;
		cv->nq = i + 1;
	}
	return 0;

out_queues:
	cv_free(drv, cv);
	return rc;
out_unset:
	drv->impl_priv = NULL;
out_vintfs:
	pthread_mutex_destroy(&cv->vintf_lock);
	ida_fini(&cv->vintfs);
	free(cv->gv);
out_free:
	free(cv);
	return rc;
}

/* --- Reset and disable ------------------------------------------------------ */

/* Disable one LVCMDQ and clear its registers and any stale error. */
static int vq_hw_deinit(struct drv_vcmdq *vq)
{
	struct vsmmu_drv *drv = vq->drv;
	uint32_t gerror = 0, gerrorn = 0;
	int rc, r;

	atomic_store(&vq->enabled, false);
	rc = cv_write_config(drv, vq->page0 + TEGRA241_VCMDQ_CONFIG,
			     vq->page0 + TEGRA241_VCMDQ_STATUS, 0, "LVCMDQ");
	r = cv_write32(drv, vq->page0 + TEGRA241_VCMDQ_PROD, 0);
	if (!r)
		r = cv_write32(drv, vq->page0 + TEGRA241_VCMDQ_CONS, 0);
	if (!r)
		r = cv_write64(drv, vq->page1 + TEGRA241_VCMDQ_BASE, 0);
	if (!r)
		r = cv_write64(drv, vq->page1 + TEGRA241_VCMDQ_CONS_INDX_BASE,
			       0);
	if (!r)
		r = cv_read32(drv, vq->page0 + TEGRA241_VCMDQ_GERROR, &gerror);
	if (!r)
		r = cv_read32(drv, vq->page0 + TEGRA241_VCMDQ_GERRORN,
			      &gerrorn);
	if (!r && gerror != gerrorn)
		r = cv_write32(drv, vq->page0 + TEGRA241_VCMDQ_GERRORN, gerror);
	return rc ? rc : r;
}

static int vq_hw_init(struct drv_vcmdq *vq)
{
	struct vsmmu_drv *drv = vq->drv;
	int rc = vq_hw_deinit(vq);

	if (rc)
		return rc;
	drv_cmdq_reset(&vq->q.q);
	vq->q.abt_count = 0;
	vq->q.supports = to_cv(drv)->hyp_own ? NULL : guest_supports;
	rc = cv_write64(drv, vq->page1 + TEGRA241_VCMDQ_BASE,
			(vq->q.q.base & VCMDQ_ADDR) |
				VS_FIELD_PREP(VCMDQ_LOG2SIZE, vq->q.q.shift));
	if (!rc)
		rc = cv_write_config(drv, vq->page0 + TEGRA241_VCMDQ_CONFIG,
				     vq->page0 + TEGRA241_VCMDQ_STATUS,
				     VCMDQ_EN, "LVCMDQ");
	if (rc)
		return rc;
	atomic_store_explicit(&vq->enabled, true, memory_order_release);
	return 0;
}

static void cmdqv_disable(struct vsmmu_drv *drv);
static void gv_free(struct vsmmu_drv_vintf *v);

/*
 * Bring VINTF0 and its queues up.  Any failure leaves the CMDQV unused
 * (commands keep going to the main queue) and is returned.
 */
static int cmdqv_reset(struct vsmmu_drv *drv)
{
	struct drv_cmdqv *cv = to_cv(drv);
	uint32_t cfg;
	unsigned int i;
	int rc;

	if (!cv || !cv->nq)
		return 0;
	if (atomic_load(&cv->enabled) || cv->hw_on)
		cmdqv_disable(drv);

	/* Reset then enable the CMDQV */
	rc = cv_read32(drv, TEGRA241_CMDQV_CONFIG, &cfg);
	if (!rc)
		rc = cv_write_config(drv, TEGRA241_CMDQV_CONFIG,
				     TEGRA241_CMDQV_STATUS, cfg & ~CMDQV_EN,
				     "CMDQV");
	if (!rc)
		rc = cv_write_config(drv, TEGRA241_CMDQV_CONFIG,
				     TEGRA241_CMDQV_STATUS, cfg | CMDQV_EN,
				     "CMDQV");
	if (rc)
		goto fail;
	cv->hw_on = true;

	/* VINTF0's LVCMDQs, in ascending order */
	for (i = 0; i < cv->nq; i++) {
		rc = cv_write32(drv, TEGRA241_CMDQV_CMDQ_ALLOC(cv->vq[i].idx),
				VS_FIELD_PREP(CMDQV_CMDQ_ALLOC_VINTF, 0) |
					VS_FIELD_PREP(CMDQV_CMDQ_ALLOC_LVCMDQ,
						      i) |
					CMDQV_CMDQ_ALLOCATED);
		if (rc)
			goto fail;
		cv->vq[i].allocated = true;
	}

	/* VINTF0: ask for HYP_OWN, then see what we got */
	rc = cv_write32(drv, VINTF0_REG(CONFIG), VINTF_HYP_OWN);
	if (!rc)
		rc = cv_write_config(drv, VINTF0_REG(CONFIG),
				     VINTF0_REG(STATUS),
				     VINTF_HYP_OWN | VINTF_EN, "VINTF0");
	if (!rc)
		rc = cv_read32(drv, VINTF0_REG(CONFIG), &cfg);
	if (rc)
		goto fail;
	cv->hyp_own = cfg & VINTF_HYP_OWN;
	if (!cv->hyp_own)
		drv_log(drv, "CMDQV: VINTF0 is guest-owned (HYP_OWN reads 0): "
			     "only invalidations go to its queues");

	for (i = 0; i < cv->nq; i++) {
		rc = vq_hw_init(&cv->vq[i]);
		if (rc)
			goto fail;
	}
	atomic_store_explicit(&cv->enabled, true, memory_order_release);
	return 0;

fail:
	drv_log(drv, "CMDQV bring-up failed (%d): main queue only", rc);
	cmdqv_disable(drv);
	return rc;
}

/* Reverse of cmdqv_reset(); best effort, each step is attempted. */
static void cmdqv_disable(struct vsmmu_drv *drv)
{
	struct drv_cmdqv *cv = to_cv(drv);
	uint32_t cfg;
	unsigned int i;

	if (!cv)
		return;
	/* The VMs' VINTFs go first (they are not the SMMU's to keep) */
	for (i = 1; i < cv->num_vintfs; i++)
		if (cv->gv[i])
			gv_free(&cv->gv[i]->base);
	atomic_store(&cv->enabled, false);
	for (i = cv->nq; i-- > 0;)
		if (atomic_load(&cv->vq[i].enabled))
			vq_hw_deinit(&cv->vq[i]);
	for (i = cv->nq; i-- > 0;) {
		if (!cv->vq[i].allocated)
			continue;
		cv_write32(drv, TEGRA241_CMDQV_CMDQ_ALLOC(cv->vq[i].idx), 0);
		cv->vq[i].allocated = false;
	}
	if (!cv->hw_on)
		return;
	cv_write_config(drv, VINTF0_REG(CONFIG), VINTF0_REG(STATUS), 0,
			"VINTF0");
	if (!cv_read32(drv, TEGRA241_CMDQV_CONFIG, &cfg))
		cv_write_config(drv, TEGRA241_CMDQV_CONFIG,
				TEGRA241_CMDQV_STATUS, cfg & ~CMDQV_EN,
				"CMDQV");
	cv->hw_on = false;
}

/* --- VINTFs for VMs ---------------------------------------------------------- */

/*
 * Did a queue of @map fail again since it was last reported, though its
 * bit never left the map (the guest recovered and it halted anew before
 * the host looked)?  Each error toggles the queue's GERROR bit, which the
 * guest's GERRORN then follows: a GERROR that moved is a new error.
 */
static bool new_errors(struct vsmmu_drv *drv, struct drv_gvintf *g,
		       const uint64_t map[2])
{
	bool fresh = false;
	unsigned int l;

	for (l = 0; l < 128; l++) {
		uint32_t ge;

		if (!(map[l / 64] & (1ULL << (l % 64))))
			continue;
		if (cv_read32(drv,
			      TEGRA241_VINTFi_PAGE0(g->idx) + 0x80 * l +
				      TEGRA241_VCMDQ_GERROR,
			      &ge))
			continue;
		if ((g->forwarded[l / 64] & (1ULL << (l % 64))) &&
		    ge != g->gerror[l])
			fresh = true;
		g->gerror[l] = ge;
	}
	return fresh;
}

/*
 * A guest VINTF's queues halt on the guest's errors and the guest recovers
 * them (through the logical page its VMM maps for it).  The host only
 * reports: for every VINTF the global VINTF_ERR_MAP names, the bits of its
 * LVCMDQ_ERR_MAP not yet reported go to the owner's callback.  A bit
 * leaves the map when the guest acknowledges (GERRORN), so it is reported
 * again if its queue halts again; a queue whose bit stayed set but whose
 * GERROR moved failed anew and is reported too.
 */
static void forward_guest_errors(struct vsmmu_drv *drv)
{
	struct drv_cmdqv *cv = to_cv(drv);
	uint32_t lo = 0, hi = 0;
	uint64_t vmap;
	unsigned int v;

	if (cv_read32(drv, TEGRA241_CMDQV_VINTF_ERR_MAP, &lo) ||
	    cv_read32(drv, TEGRA241_CMDQV_VINTF_ERR_MAP + 4, &hi))
		return;
	vmap = (uint64_t)hi << 32 | lo;
	pthread_mutex_lock(&cv->vintf_lock);
	for (v = 1; v < cv->num_vintfs; v++) {
		struct drv_gvintf *g = cv->gv[v];
		uint64_t map[2] = { 0, 0 };

		if (!g)
			continue;
		if ((vmap >> v) & 1) {
			uint64_t off = TEGRA241_VINTF(v) +
				       TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0);

			if (cv_read64(drv, off, &map[0]) ||
			    cv_read64(drv, off + 8, &map[1]))
				continue;
		}
		if (g->err_fn &&
		    (new_errors(drv, g, map) || (map[0] & ~g->forwarded[0]) ||
		     (map[1] & ~g->forwarded[1])))
			g->err_fn(g->err_arg, &g->base, map);
		g->forwarded[0] = map[0];
		g->forwarded[1] = map[1];
	}
	pthread_mutex_unlock(&cv->vintf_lock);
}

static struct drv_gvintf *to_gv(const struct vsmmu_drv_vintf *v)
{
	return (struct drv_gvintf *)v;
}

static int gv_alloc(struct vsmmu_drv *drv, unsigned int vmid,
		    vsmmu_drv_vintf_err_fn *err_fn, void *err_arg,
		    struct vsmmu_drv_vintf **out)
{
	struct drv_cmdqv *cv = to_cv(drv);
	struct drv_gvintf *g;
	int idx, rc;

	if (!cv || !cv->hyp_own || !cv->hw_on)
		return -ENODEV;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->vsid = calloc(1U << cv->sid_per_vm_log2, sizeof(*g->vsid));
	if (!g->vsid || ida_init(&g->sids, 1U << cv->sid_per_vm_log2)) {
		rc = -ENOMEM;
		goto out_free;
	}
	idx = ida_alloc(&cv->vintfs, 1, cv->num_vintfs - 1, false);
	if (idx < 0) {
		rc = idx == -EINVAL ? -ENOSPC : idx;
		goto out_sids;
	}
	g->base.drv = drv;
	g->idx = (unsigned int)idx;
	g->vmid = vmid;
	g->err_fn = err_fn;
	g->err_arg = err_arg;
	/* HYP_OWN = 0, the VM's VMID, enabled (Linux enables it here) */
	rc = cv_write_config(drv,
			     TEGRA241_VINTF(g->idx) + TEGRA241_VINTF_CONFIG,
			     TEGRA241_VINTF(g->idx) + TEGRA241_VINTF_STATUS,
			     VS_FIELD_PREP(VINTF_VMID, vmid) | VINTF_EN,
			     "VINTF");
	if (rc)
		goto out_idx;
	pthread_mutex_lock(&cv->vintf_lock);
	cv->gv[g->idx] = g;
	pthread_mutex_unlock(&cv->vintf_lock);
	*out = &g->base;
	return 0;

out_idx:
	cv_write32(drv, TEGRA241_VINTF(g->idx) + TEGRA241_VINTF_CONFIG, 0);
	ida_free(&cv->vintfs, g->idx);
out_sids:
	ida_fini(&g->sids);
out_free:
	free(g->vsid);
	free(g);
	return rc;
}

static void gv_info(const struct vsmmu_drv_vintf *v,
		    struct vsmmu_drv_vintf_info *info)
{
	const struct drv_gvintf *g = to_gv(v);
	struct drv_cmdqv *cv = to_cv(v->drv);

	info->index = g->idx;
	info->vmid = g->vmid;
	info->nqueues = cv->per_vintf;
	info->nsids = 1U << cv->sid_per_vm_log2;
	info->page0 = TEGRA241_VINTFi_PAGE0(g->idx);
	info->page1 = TEGRA241_VINTFi_PAGE1(g->idx);
	info->cmdq_max_shift = v->drv->feat.cmdq_max_shift;
}

/* The global VCMDQ behind logical queue @lidx of @g (a static share) */
static unsigned int gv_vcmdq(struct drv_cmdqv *cv, const struct drv_gvintf *g,
			     unsigned int lidx)
{
	return g->idx * cv->per_vintf + lidx;
}

/* Disable VCMDQ @q, clear its indices, BASE and any stale error. */
static int vcmdq_reset(struct vsmmu_drv *drv, unsigned int q)
{
	uint64_t p0 = TEGRA241_VCMDQ_PAGE0(q), p1 = TEGRA241_VCMDQ_PAGE1(q);
	uint32_t gerror = 0, gerrorn = 0;
	int rc;

	rc = cv_write_config(drv, p0 + TEGRA241_VCMDQ_CONFIG,
			     p0 + TEGRA241_VCMDQ_STATUS, 0, "VCMDQ");
	if (!rc)
		rc = cv_write32(drv, p0 + TEGRA241_VCMDQ_PROD, 0);
	if (!rc)
		rc = cv_write32(drv, p0 + TEGRA241_VCMDQ_CONS, 0);
	if (!rc)
		rc = cv_write64(drv, p1 + TEGRA241_VCMDQ_BASE, 0);
	if (!rc)
		rc = cv_read32(drv, p0 + TEGRA241_VCMDQ_GERROR, &gerror);
	if (!rc)
		rc = cv_read32(drv, p0 + TEGRA241_VCMDQ_GERRORN, &gerrorn);
	if (!rc && gerror != gerrorn)
		rc = cv_write32(drv, p0 + TEGRA241_VCMDQ_GERRORN, gerror);
	return rc;
}

static int gv_queue_alloc(struct vsmmu_drv_vintf *v, unsigned int lidx,
			  uint64_t base, unsigned int log2size)
{
	struct drv_gvintf *g = to_gv(v);
	struct vsmmu_drv *drv = v->drv;
	struct drv_cmdqv *cv = to_cv(drv);
	uint64_t bytes = 16ULL << log2size;
	unsigned int q;
	int rc;

	if (lidx >= cv->per_vintf)
		return -EINVAL;
	if (lidx < g->nlv)
		return -EEXIST;
	if (lidx > g->nlv)
		return -EIO; /* ascending order: lidx - 1 first */
	if (!log2size || log2size > drv->feat.cmdq_max_shift ||
	    (base & (bytes - 1)) || (base & ~VCMDQ_ADDR))
		return -EINVAL;
	q = gv_vcmdq(cv, g, lidx);
	rc = cv_write32(drv, TEGRA241_CMDQV_CMDQ_ALLOC(q),
			VS_FIELD_PREP(CMDQV_CMDQ_ALLOC_VINTF, g->idx) |
				VS_FIELD_PREP(CMDQV_CMDQ_ALLOC_LVCMDQ, lidx) |
				CMDQV_CMDQ_ALLOCATED);
	if (!rc)
		rc = vcmdq_reset(drv, q);
	if (!rc)
		rc = cv_write64(
			drv, TEGRA241_VCMDQ_PAGE1(q) + TEGRA241_VCMDQ_BASE,
			(base & VCMDQ_ADDR) |
				VS_FIELD_PREP(VCMDQ_LOG2SIZE, log2size));
	if (rc) {
		cv_write32(drv, TEGRA241_CMDQV_CMDQ_ALLOC(q), 0);
		return rc;
	}
	g->nlv = lidx + 1;
	return 0;
}

/* A CMD_SYNC on the main queue: whatever the guest left pending ends */
static void main_sync(struct vsmmu_drv *drv)
{
	drv_cmdq_issue(&drv->cmdq.q, &drv->cmdq.be, NULL, 0, true);
}

static int gv_queue_free(struct vsmmu_drv_vintf *v, unsigned int lidx)
{
	struct drv_gvintf *g = to_gv(v);
	struct vsmmu_drv *drv = v->drv;
	struct drv_cmdqv *cv = to_cv(drv);
	unsigned int q;

	if (lidx >= g->nlv)
		return -EINVAL;
	if (lidx + 1 != g->nlv)
		return -EBUSY; /* descending order */
	q = gv_vcmdq(cv, g, lidx);
	vcmdq_reset(drv, q);
	cv_write32(drv, TEGRA241_CMDQV_CMDQ_ALLOC(q), 0);
	g->nlv = lidx;
	main_sync(drv);
	return 0;
}

static int gv_sid_set(struct vsmmu_drv_vintf *v, uint32_t vsid, uint32_t sid,
		      unsigned int *slot)
{
	struct drv_gvintf *g = to_gv(v);
	struct vsmmu_drv *drv = v->drv;
	uint64_t regs = TEGRA241_VINTF(g->idx);
	unsigned int i;
	int s, rc;

	if (!VS_FIELD_FIT(VINTF_SID_MATCH_VSID, vsid))
		return -EINVAL;
	for (i = 0; i < g->sids.n; i++)
		if (ida_busy(&g->sids, i) && g->vsid[i] == vsid)
			return -EEXIST;
	s = ida_alloc(&g->sids, 0, ~0U, false);
	if (s < 0)
		return s;
	rc = cv_write32(drv, regs + TEGRA241_VINTF_SID_REPLACE(s), sid);
	if (!rc)
		rc = cv_write32(drv, regs + TEGRA241_VINTF_SID_MATCH(s),
				VS_FIELD_PREP(VINTF_SID_MATCH_VSID, vsid) |
					VINTF_SID_MATCH_EN);
	if (rc) {
		ida_free(&g->sids, (unsigned int)s);
		return rc;
	}
	g->vsid[s] = vsid;
	if (slot)
		*slot = (unsigned int)s;
	return 0;
}

static int gv_sid_clear(struct vsmmu_drv_vintf *v, unsigned int slot)
{
	struct drv_gvintf *g = to_gv(v);
	uint64_t regs = TEGRA241_VINTF(g->idx);

	if (!ida_busy(&g->sids, slot))
		return -EINVAL;
	/* MATCH first: the pair stops matching before it changes */
	cv_write32(v->drv, regs + TEGRA241_VINTF_SID_MATCH(slot), 0);
	cv_write32(v->drv, regs + TEGRA241_VINTF_SID_REPLACE(slot), 0);
	ida_free(&g->sids, slot);
	return 0;
}

static void gv_free(struct vsmmu_drv_vintf *v)
{
	struct drv_gvintf *g = to_gv(v);
	struct vsmmu_drv *drv = v->drv;
	struct drv_cmdqv *cv = to_cv(drv);
	unsigned int i;

	while (g->nlv)
		gv_queue_free(v, g->nlv - 1);
	for (i = 0; i < g->sids.n; i++)
		if (ida_busy(&g->sids, i))
			gv_sid_clear(v, i);
	cv_write_config(drv, TEGRA241_VINTF(g->idx) + TEGRA241_VINTF_CONFIG,
			TEGRA241_VINTF(g->idx) + TEGRA241_VINTF_STATUS, 0,
			"VINTF");
	pthread_mutex_lock(&cv->vintf_lock);
	cv->gv[g->idx] = NULL;
	pthread_mutex_unlock(&cv->vintf_lock);
	ida_free(&cv->vintfs, g->idx);
	ida_fini(&g->sids);
	free(g->vsid);
	free(g);
}

/* --- Information ----------------------------------------------------------- */

static void cmdqv_add_stats(struct vsmmu_drv *drv, struct vsmmu_drv_stats *s)
{
	struct drv_cmdqv *cv = to_cv(drv);
	unsigned int i;

	for (i = 0; cv && i < cv->nq; i++) {
		struct drv_qstats *st = &cv->vq[i].q.st;

		s->cmds += atomic_load(&st->cmds);
		s->syncs += atomic_load(&st->syncs);
		s->prod_writes += atomic_load(&st->prod_writes);
		s->cerror_ill += atomic_load(&st->ill);
		s->cerror_abt += atomic_load(&st->abt);
		s->cerror_atc_inv += atomic_load(&st->atc);
		s->timeouts += atomic_load(&st->timeouts);
		s->mem_errors += atomic_load(&st->mem_errors);
	}
}

void vsmmu_drv_cmdqv_get_info(struct vsmmu_drv *drv,
			      struct vsmmu_drv_cmdqv_info *info)
{
	struct drv_cmdqv *cv = to_cv(drv);

	memset(info, 0, sizeof(*info));
	if (!cv)
		return;
	info->present = true;
	info->enabled = atomic_load(&cv->enabled);
	info->hyp_own = cv->hyp_own;
	info->num_vintfs = cv->num_vintfs;
	info->num_vcmdqs = cv->num_vcmdqs;
	info->num_sid_per_vm_log2 = cv->sid_per_vm_log2;
	info->version = cv->version;
	info->nqueues = cv->nq;
}

int vsmmu_drv_queue_get_stats(struct vsmmu_drv *drv, int lidx,
			      struct vsmmu_drv_queue_stats *st)
{
	struct drv_cmdqv *cv = to_cv(drv);
	struct drv_queue *q;

	memset(st, 0, sizeof(*st));
	if (!drv)
		return -ENODEV;
	if (lidx < 0)
		q = &drv->cmdq;
	else if (cv && (unsigned int)lidx < cv->nq)
		q = &cv->vq[lidx].q;
	else
		return -ENODEV;
	drv_qstats_add(st, &q->st);
	st->prod = llq_prod_of(&q->q);
	return 0;
}

const struct drv_impl_ops drv_tegra241_cmdqv_impl = {
	.name = "tegra241-cmdqv",
	.probe = cmdqv_probe,
	.remove = cmdqv_remove,
	.reset = cmdqv_reset,
	.disable = cmdqv_disable,
	.get_queue = cmdqv_get_queue,
	.handle_irq = cmdqv_handle_irq,
	.add_stats = cmdqv_add_stats,
	.vintf_alloc = gv_alloc,
	.vintf_free = gv_free,
	.vintf_info = gv_info,
	.vintf_queue_alloc = gv_queue_alloc,
	.vintf_queue_free = gv_queue_free,
	.vintf_sid_set = gv_sid_set,
	.vintf_sid_clear = gv_sid_clear,
};
