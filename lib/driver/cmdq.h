/* SPDX-License-Identifier: MIT */
/*
 * The lock-free multi-producer command ring (cmdq.c): index arithmetic,
 * the ring itself and the backend it drives.  It knows nothing of the
 * driver: the backend says how to read CONS, write PROD and poll for
 * errors, so the same ring serves the main command queue, every VCMDQ and
 * the tests' fake consumers.  Bottom of the driver's call graph.
 */
#ifndef VSMMU_LIB_DRIVER_CMDQ_H
#define VSMMU_LIB_DRIVER_CMDQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/mem.h>

/* --- Queue index arithmetic ---------------------------------------------- */

/* Index [shift-1:0], wrap bit [shift], everything else ignored. */
static inline uint32_t q_idx(unsigned int shift, uint32_t v)
{
	return v & ((1U << shift) - 1);
}

static inline uint32_t q_wrp(unsigned int shift, uint32_t v)
{
	return v & (1U << shift);
}

static inline uint32_t q_iw(unsigned int shift, uint32_t v)
{
	return v & ((2U << shift) - 1);
}

/* Free slots between a producer and a consumer index. */
static inline uint32_t q_space(unsigned int shift, uint32_t prod, uint32_t cons)
{
	uint32_t n = 1U << shift;

	if (q_wrp(shift, prod) == q_wrp(shift, cons))
		return n - (q_idx(shift, prod) - q_idx(shift, cons));
	return q_idx(shift, cons) - q_idx(shift, prod);
}

/* Has the consumer @cons moved past slot @prod (within one lap)? */
static inline bool q_consumed(unsigned int shift, uint32_t cons, uint32_t prod)
{
	if (q_wrp(shift, cons) == q_wrp(shift, prod))
		return q_idx(shift, cons) > q_idx(shift, prod);
	return q_idx(shift, cons) <= q_idx(shift, prod);
}

/* @prod advanced by @n slots; bits above the wrap bit are kept. */
static inline uint32_t q_add(unsigned int shift, uint32_t prod, uint32_t n)
{
	return (prod & ~((2U << shift) - 1)) | q_iw(shift, prod + n);
}

/* --- The lock-free command queue ----------------------------------------- */

#define CMDQ_PROD_OWNED (1U << 31)

struct drv_cmdq {
	unsigned int shift;
	uint64_t base; /* physical */
	/* {prod (with CMDQ_PROD_OWNED) in [31:0], cons in [63:32]} */
	_Atomic uint64_t llq;
	_Atomic uint32_t owner_prod; /* where the next owner starts */
	_Atomic int lock; /* >= 0: shared holders; INT_MIN: exclusive */
	_Atomic uint64_t *valid; /* one bit per slot, polarity = wrap */
	void **pages; /* host pointers of the queue's pages (cached) */
	unsigned int npages;
	_Atomic bool dead;
};

/* The backend the queue talks to: the driver, or a test's fake. */
struct drv_cmdq_backend {
	struct vsmmu_mem *mem;
	int (*read_cons)(void *ctx, uint32_t *cons); /* CMDQ_CONS */
	int (*write_prod)(void *ctx, uint32_t prod); /* CMDQ_PROD */
	/* Called while waiting: recover from errors.  Return 0 or -errno. */
	int (*poll_errors)(void *ctx);
	void *ctx;
	bool msi; /* CMD_SYNC with MSI write-back into its own slot */
	uint64_t timeout_ns;
	_Atomic uint64_t *stat_cmds, *stat_syncs, *stat_prod_writes,
		*stat_timeouts, *stat_mem_errors;
};

static inline uint32_t llq_prod_of(struct drv_cmdq *q)
{
	return q_iw(q->shift, (uint32_t)atomic_load(&q->llq));
}

int drv_cmdq_init(struct drv_cmdq *q, struct vsmmu_mem *mem, uint64_t base,
		  unsigned int shift);
void drv_cmdq_fini(struct drv_cmdq *q);
/* Reset the indices to match PROD = CONS = 0 (the queue is disabled). */
void drv_cmdq_reset(struct drv_cmdq *q);
int drv_cmdq_issue(struct drv_cmdq *q, const struct drv_cmdq_backend *be,
		   const uint64_t (*cmds)[2], unsigned int n, bool sync);
void drv_build_sync(uint64_t *cmd, uint64_t msi_addr);

uint64_t drv_now_ns(void);
void drv_relax(unsigned int *spins);

#endif /* VSMMU_LIB_DRIVER_CMDQ_H */
