// SPDX-License-Identifier: MIT
/*
 * The guest's CMDQV (docs/vm.md, "CMDQV for the guest").
 *
 * With a TEGRA241_CMDQV vIOMMU the guest sees a CMDQV of its own with one
 * VINTF (its VINTF0, the host's VINTF given to this vIOMMU) and that
 * VINTF's share of VCMDQs.  What is trapped and emulated:
 *
 *  - the global page: CMDQV_CONFIG / STATUS (the guest's enable), PARAM
 *    (one VINTF, the share from GET_HW_INFO, the host's StreamID-pair
 *    count and version), CMDQ_ALLOC (the guest's bookkeeping: allocation
 *    is the host's, HW_QUEUE_ALLOC below), the error maps and
 *    VINTF_INT_MASK;
 *  - VINTF0's registers: CONFIG keeps HYP_OWN at 0 whatever the guest
 *    writes (seed 000), STATUS, the StreamID pairs (the host's, set per
 *    vDEVICE: read as zero, writes ignored) and LVCMDQ_ERR_MAP;
 *  - the logical page 1 (BASE, CONS_INDX_BASE): a BASE naming a queue is
 *    an IOMMU_HW_QUEUE_ALLOC of that guest-physical ring (queues in
 *    ascending order, as the host requires; rewriting a BASE destroys that
 *    queue and the ones above it, in descending order).
 *
 * What is not trapped: the logical page 0 (CONS, PROD, CONFIG, STATUS,
 * GERROR, GERRORN of each LVCMDQ) is the host VINTF's page that
 * VIOMMU_ALLOC handed out for mmap; the guest's accesses go straight to it
 * (vsmmu_iommufd_mmap_read/write), so ringing PROD costs no exit
 * (VSMMU_VM_CMDQV_TRAPPED traps it too, to measure the difference).
 *
 * Errors of the guest's VCMDQs reach the VMM on the CMDQV VEVENTQ as the
 * VINTF's LVCMDQ_ERR_MAP; the VMM latches the map for the guest and raises
 * its CMDQV interrupt (unless masked in VINTF_INT_MASK).  A latched bit
 * reads as set while that queue's error is still active -- GERROR and
 * GERRORN differ in the mapped page -- so it clears when the guest
 * acknowledges, as the hardware's derived maps do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/decode.h>

#include "vmm/vm.h"

#define VINTF_REGS 0x100
#define LVCMDQ_REGS 0x80

struct vs_cmdqv {
	unsigned int nlv; /* LVCMDQs of the VINTF */
	unsigned int share_log2, sids_log2, version;
	uint64_t mmap_off; /* the VINTF page in the iommufd's mmap space */
	uint32_t veventq;
	int evfd;
	pthread_mutex_t lock; /* enables, BASE and the HW queues */
	_Atomic uint32_t config, vintf_config;
	_Atomic uint32_t int_mask[2];
	_Atomic uint32_t *alloc; /* [nlv] CMDQ_ALLOC as the guest wrote */
	_Atomic uint64_t *base, *cons_indx_base; /* [nlv] */
	uint32_t *hwq; /* [nlv] HW_QUEUE ids, 0 .. nhwq - 1 exist */
	unsigned int nhwq;
	_Atomic uint64_t errmap[2]; /* latched from the VEVENTQ */
};

int vs_cmdqv_create(struct vsmmu_vs *vs, unsigned int share_log2,
		    unsigned int sids_log2, unsigned int version,
		    uint64_t mmap_off, struct vs_cmdqv **out)
{
	struct vs_cmdqv *cv;

	if (share_log2 > 7)
		return -EINVAL;
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	cv->nlv = 1U << share_log2;
	cv->share_log2 = share_log2;
	cv->sids_log2 = sids_log2;
	cv->version = version;
	cv->mmap_off = mmap_off;
	cv->evfd = -1;
	pthread_mutex_init(&cv->lock, NULL);
	cv->alloc = calloc(cv->nlv, sizeof(*cv->alloc));
	cv->base = calloc(cv->nlv, sizeof(*cv->base));
	cv->cons_indx_base = calloc(cv->nlv, sizeof(*cv->cons_indx_base));
	cv->hwq = calloc(cv->nlv, sizeof(*cv->hwq));
	*out = cv;
	if (!cv->alloc || !cv->base || !cv->cons_indx_base || !cv->hwq)
		return -ENOMEM; /* vs_destroy() frees what is there */
	return 0;
}

int vs_cmdqv_veventq(struct vsmmu_vs *vs)
{
	struct iommu_veventq_alloc q = { .size = sizeof(q) };
	unsigned int depth = vs->vm->cfg.veventq_depth;
	int rc;

	q.viommu_id = vs->viommu;
	q.type = IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV;
	q.veventq_depth = depth ? depth : 64;
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_VEVENTQ_ALLOC, &q);
	if (rc)
		return rc;
	vs->cv->veventq = q.out_veventq_id;
	vs->cv->evfd = (int)q.out_veventq_fd;
	return 0;
}

int vs_cmdqv_evfd(const struct vsmmu_vs *vs)
{
	return vs->cv ? vs->cv->evfd : -1;
}

/* Destroy the HW queues from the top down to @from; cv->lock held */
static void hwq_destroy_from(struct vsmmu_vs *vs, unsigned int from)
{
	struct vs_cmdqv *cv = vs->cv;

	while (cv->nhwq > from) {
		cv->nhwq--;
		vs_destroy_id(vs, cv->hwq[cv->nhwq]);
		cv->hwq[cv->nhwq] = 0;
	}
}

void vs_cmdqv_destroy(struct vsmmu_vs *vs)
{
	struct vs_cmdqv *cv = vs->cv;

	if (cv->hwq) {
		pthread_mutex_lock(&cv->lock);
		hwq_destroy_from(vs, 0);
		pthread_mutex_unlock(&cv->lock);
	}
	if (cv->evfd >= 0)
		close(cv->evfd);
	vs_destroy_id(vs, cv->veventq);
	pthread_mutex_destroy(&cv->lock);
	free(cv->alloc);
	free(cv->base);
	free(cv->cons_indx_base);
	free(cv->hwq);
	free(cv);
	vs->cv = NULL;
}

/* --- The logical VCMDQ page (passed through) ------------------------------- */

int vs_vcmdq_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct vsmmu_vs *vs = ctx;

	return vsmmu_iommufd_mmap_read(vs_ictx(vs), vs->cv->mmap_off + off,
				       size, val);
}

int vs_vcmdq_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct vsmmu_vs *vs = ctx;

	return vsmmu_iommufd_mmap_write(vs_ictx(vs), vs->cv->mmap_off + off,
					size, val);
}

/* --- Errors ----------------------------------------------------------------- */

/* Is LVCMDQ @l's error still active (GERROR != GERRORN in its page)? */
static bool lvcmdq_err_active(struct vsmmu_vs *vs, unsigned int l)
{
	uint64_t g = 0, gn = 0;
	uint64_t p = LVCMDQ_REGS * l;

	if (vs_vcmdq_read(vs, p + TEGRA241_VCMDQ_GERROR, 4, &g) ||
	    vs_vcmdq_read(vs, p + TEGRA241_VCMDQ_GERRORN, 4, &gn))
		return true;
	return g != gn;
}

/* The latched map, minus the queues the guest has recovered meanwhile */
static void live_errmap(struct vsmmu_vs *vs, uint64_t map[2])
{
	struct vs_cmdqv *cv = vs->cv;
	unsigned int w, b;

	for (w = 0; w < 2; w++) {
		uint64_t m = atomic_load(&cv->errmap[w]), gone = 0;

		for (b = 0; m >> b && b < 64; b++)
			if ((m >> b) & 1 && !lvcmdq_err_active(vs, 64 * w + b))
				gone |= 1ULL << b;
		if (gone)
			atomic_fetch_and(&cv->errmap[w], ~gone);
		map[w] = m & ~gone;
	}
}

int vs_cmdqv_pump(struct vsmmu_vs *vs)
{
	struct vs_cmdqv *cv = vs->cv;
	struct {
		struct iommufd_vevent_header h;
		struct iommu_vevent_tegra241_cmdqv e;
	} rec;
	bool irq = false;
	int n = 0;
	ssize_t len;

	if (!cv || cv->evfd < 0)
		return 0;
	while (n < 1024) {
		len = read(cv->evfd, &rec, sizeof(rec));
		if (len < (ssize_t)sizeof(rec.h))
			break;
		n++;
		if (len != (ssize_t)sizeof(rec))
			continue; /* LOST_EVENTS: the next map says it all */
		/* Only the guest's logical queues can be named */
		rec.e.lvcmdq_err_map[0] &=
			cv->nlv >= 64 ? ~0ULL : (1ULL << cv->nlv) - 1;
		rec.e.lvcmdq_err_map[1] &=
			cv->nlv > 64 ? (cv->nlv == 128 ?
						~0ULL :
						(1ULL << (cv->nlv - 64)) - 1) :
				       0;
		if (!rec.e.lvcmdq_err_map[0] && !rec.e.lvcmdq_err_map[1])
			continue;
		atomic_fetch_or(&cv->errmap[0], rec.e.lvcmdq_err_map[0]);
		atomic_fetch_or(&cv->errmap[1], rec.e.lvcmdq_err_map[1]);
		atomic_fetch_add(&vs->st.vcmdq_errors, 1);
		irq = true;
	}
	if (irq && !(atomic_load(&cv->int_mask[0]) & 1))
		vs_raise_irq(vs, VSMMU_IRQ_CMDQV);
	return n;
}

/* --- The trapped registers ---------------------------------------------------- */

static uint32_t param(const struct vs_cmdqv *cv)
{
	return VS_FIELD_PREP(CMDQV_NUM_SID_PER_VM_LOG2, cv->sids_log2) |
	       VS_FIELD_PREP(CMDQV_NUM_VINTF_LOG2, 0) |
	       VS_FIELD_PREP(CMDQV_NUM_VCMDQ_LOG2, cv->share_log2) |
	       VS_FIELD_PREP(CMDQV_VER, cv->version);
}

static uint64_t read_reg(struct vsmmu_vs *vs, uint64_t off)
{
	struct vs_cmdqv *cv = vs->cv;
	uint64_t map[2], page1 = TEGRA241_VINTFi_PAGE1(0);

	if (off >= page1 && off < page1 + LVCMDQ_REGS * cv->nlv) {
		unsigned int l = (off - page1) / LVCMDQ_REGS;

		switch ((off - page1) % LVCMDQ_REGS) {
		case TEGRA241_VCMDQ_BASE:
			return atomic_load(&cv->base[l]);
		case TEGRA241_VCMDQ_CONS_INDX_BASE:
			return atomic_load(&cv->cons_indx_base[l]);
		}
		return 0;
	}
	if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
	    off < TEGRA241_CMDQV_CMDQ_ALLOC(cv->nlv))
		return atomic_load(
			&cv->alloc[(off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4]);
	switch (off) {
	case TEGRA241_CMDQV_CONFIG:
		return atomic_load(&cv->config);
	case TEGRA241_CMDQV_PARAM:
		return param(cv);
	case TEGRA241_CMDQV_STATUS:
		return atomic_load(&cv->config) & CMDQV_EN ? CMDQV_ENABLED : 0;
	case TEGRA241_CMDQV_VINTF_ERR_MAP:
		live_errmap(vs, map);
		return map[0] || map[1];
	case TEGRA241_CMDQV_VINTF_INT_MASK:
		return atomic_load(&cv->int_mask[0]);
	case TEGRA241_CMDQV_VINTF_INT_MASK + 4:
		return atomic_load(&cv->int_mask[1]);
	case TEGRA241_CMDQV_CMDQ_ERR_MAP(0):
	case TEGRA241_CMDQV_CMDQ_ERR_MAP(1):
	case TEGRA241_CMDQV_CMDQ_ERR_MAP(2):
	case TEGRA241_CMDQV_CMDQ_ERR_MAP(3): {
		/* The guest's VCMDQ q is its LVCMDQ q */
		unsigned int m = (off - TEGRA241_CMDQV_CMDQ_ERR_MAP(0)) / 4;

		live_errmap(vs, map);
		return (uint32_t)(map[m / 2] >> (32 * (m % 2)));
	}
	case TEGRA241_VINTF(0) + TEGRA241_VINTF_CONFIG:
		return atomic_load(&cv->vintf_config);
	case TEGRA241_VINTF(0) + TEGRA241_VINTF_STATUS: {
		uint32_t c = atomic_load(&cv->vintf_config), v;

		live_errmap(vs, map);
		pthread_mutex_lock(&cv->lock);
		v = VS_FIELD_PREP(VINTF_VI_NUM_LVCMDQ, cv->nhwq);
		pthread_mutex_unlock(&cv->lock);
		return v | (c & VINTF_EN ? VINTF_ENABLED : 0) |
		       (map[0] || map[1] ? VS_FIELD_PREP(VINTF_STATUS, 1) : 0);
	}
	case TEGRA241_VINTF(0) + TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0):
	case TEGRA241_VINTF(0) + TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(1):
		live_errmap(vs, map);
		return map[(off - TEGRA241_VINTF(0) -
			    TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(0)) /
			   8];
	}
	return 0; /* the pairs, other VINTFs, the global VCMDQ pages */
}

/* A BASE naming a ring: HW_QUEUE_ALLOC (cv->lock held) */
static void set_base(struct vsmmu_vs *vs, unsigned int l, uint64_t val)
{
	struct vs_cmdqv *cv = vs->cv;
	struct iommu_hw_queue_alloc q = { .size = sizeof(q) };
	unsigned int log2 = VS_FIELD_GET(VCMDQ_LOG2SIZE, val);

	val &= VCMDQ_ADDR | VCMDQ_LOG2SIZE;
	atomic_store(&cv->base[l], val);
	/* The ring changes: this queue and those above it go (descending) */
	hwq_destroy_from(vs, l);
	if (!(val & VCMDQ_ADDR) || l != cv->nhwq || log2 > 31)
		return;
	q.viommu_id = vs->viommu;
	q.type = IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV;
	q.index = l;
	q.nesting_parent_iova = val & VCMDQ_ADDR; /* IOVA = GPA */
	q.length = 16ULL << log2;
	if (vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_HW_QUEUE_ALLOC, &q))
		return; /* refused: the logical queue stays unallocated */
	cv->hwq[l] = q.out_hw_queue_id;
	cv->nhwq = l + 1;
	atomic_fetch_add(&vs->st.hw_queues, 1);
}

static void write_reg(struct vsmmu_vs *vs, uint64_t off, uint64_t val)
{
	struct vs_cmdqv *cv = vs->cv;
	uint64_t page1 = TEGRA241_VINTFi_PAGE1(0);
	uint32_t old;

	pthread_mutex_lock(&cv->lock);
	if (off >= page1 && off < page1 + LVCMDQ_REGS * cv->nlv) {
		unsigned int l = (off - page1) / LVCMDQ_REGS;

		switch ((off - page1) % LVCMDQ_REGS) {
		case TEGRA241_VCMDQ_BASE:
			set_base(vs, l, val);
			break;
		case TEGRA241_VCMDQ_CONS_INDX_BASE:
			atomic_store(&cv->cons_indx_base[l],
				     val & VS_GENMASK(47, 0));
			break;
		}
	} else if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
		   off < TEGRA241_CMDQV_CMDQ_ALLOC(cv->nlv)) {
		atomic_store(
			&cv->alloc[(off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4],
			(uint32_t)val & (CMDQV_CMDQ_ALLOC_VINTF |
					 CMDQV_CMDQ_ALLOC_LVCMDQ |
					 CMDQV_CMDQ_ALLOCATED));
	} else if (off == TEGRA241_CMDQV_CONFIG) {
		old = atomic_exchange(&cv->config,
				      (uint32_t)val & VS_GENMASK(20, 0));
		/* CMDQV disabled: no VCMDQ of the guest's may run */
		if ((old & CMDQV_EN) && !(val & CMDQV_EN))
			hwq_destroy_from(vs, 0);
	} else if (off == TEGRA241_CMDQV_VINTF_INT_MASK) {
		atomic_store(&cv->int_mask[0], (uint32_t)val);
	} else if (off == TEGRA241_CMDQV_VINTF_INT_MASK + 4) {
		atomic_store(&cv->int_mask[1], (uint32_t)val);
	} else if (off == TEGRA241_VINTF(0) + TEGRA241_VINTF_CONFIG) {
		/* HYP_OWN stays 0 whatever the guest writes (seed 000) */
		old = atomic_exchange(&cv->vintf_config,
				      (uint32_t)val & (VINTF_VMID | VINTF_EN));
		if ((old & VINTF_EN) && !(val & VINTF_EN))
			hwq_destroy_from(vs, 0);
	}
	pthread_mutex_unlock(&cv->lock);
}

static int check(uint64_t off, unsigned int size, unsigned int *w)
{
	if ((size != 4 && size != 8) || (off & (size - 1)) ||
	    off >= VSMMU_VM_CMDQV_SIZE)
		return -EINVAL;
	*w = vsmmu_cmdqv_reg_width(off & ~7ULL) == 8 ?
		     8 :
		     vsmmu_cmdqv_reg_width(off);
	if (size == 8 && *w != 8)
		return -EINVAL;
	return 0;
}

int vs_cmdqv_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct vsmmu_vs *vs = ctx;
	unsigned int w;
	int rc = check(off, size, &w);
	uint64_t v;

	*val = 0;
	if (rc)
		return rc;
	if (w == 8) {
		v = read_reg(vs, off & ~7ULL);
		*val = size == 8 ? v : (uint32_t)(v >> (8 * (off & 4)));
	} else if (w == 4) {
		*val = (uint32_t)read_reg(vs, off);
	}
	return 0;
}

int vs_cmdqv_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct vsmmu_vs *vs = ctx;
	unsigned int w;
	int rc = check(off, size, &w);

	if (rc)
		return rc;
	if (w == 8) {
		if (size == 4) {
			unsigned int sh = 8 * (off & 4);

			val = (read_reg(vs, off & ~7ULL) &
			       ~(0xffffffffULL << sh)) |
			      ((val & 0xffffffffULL) << sh);
		}
		write_reg(vs, off & ~7ULL, val);
	} else if (w == 4) {
		write_reg(vs, off, (uint32_t)val);
	}
	return 0;
}
