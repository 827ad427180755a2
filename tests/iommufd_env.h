/* SPDX-License-Identifier: MIT */
/*
 * A host for the iommufd layer's tests: memory, an SMMU model (commands
 * consumed synchronously), its enabled driver, and a context over it,
 * with the driver's events routed to the context.  Plus small wrappers of
 * the commands that fail the calling test on an unexpected errno.
 */
#ifndef VSMMU_TESTS_IOMMUFD_ENV_H
#define VSMMU_TESTS_IOMMUFD_ENV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/driver.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/smmu.h>

#define IENV_POOL_BASE 0x10000000ULL
#define IENV_POOL_SIZE (32ULL << 20)
#define IENV_MAX_HOSTS 2

struct ienv_opts {
	unsigned int nhosts; /* 0: 1 */
	bool service_thread; /* the context's own thread */
	bool hold_stalls;
	bool cmdqv;
	bool no_ril; /* IDR3.RIL = 0 */
	bool no_s2; /* IDR0.S2P = 0 */
	bool no_dirty; /* IDR0.HTTU = 1: access flag only */
	bool no_4k; /* IDR5.GRAN4K = 0: 16K and 64K granules only */
	bool pri_devs; /* ienv_bind() makes ATS + PRI endpoints, 8 PASID bits */
};

struct ienv;
struct ienv_host {
	struct ienv *e;
	unsigned int index;
};

struct ienv {
	struct vsmmu_mem *mem;
	struct ienv_host harg[IENV_MAX_HOSTS];
	struct vsmmu_mem_pool *pool[IENV_MAX_HOSTS];
	struct vsmmu_smmu *smmu[IENV_MAX_HOSTS];
	struct vsmmu_drv *drv[IENV_MAX_HOSTS];
	unsigned int nhosts;
	struct vsmmu_iommufd_ctx *ictx;
	/* Events the context did not take */
	atomic_uint host_events;
	struct vsmmu_drv_event last_host_event;
	uint64_t pages_before; /* present pages before the context */
	bool pri_devs;
};

int ienv_init(struct ienv *e, const struct ienv_opts *o);
/* Destroy the context (if any) and the host; checks pages came back. */
void ienv_fini(struct ienv *e);

/* Drain the hosts' event queues (the "threaded interrupt"). */
void ienv_process(struct ienv *e);

/* An aligned, zeroed buffer of @len bytes (free() it). */
void *ienv_buf(size_t align, size_t len);

int ienv_ioctl(struct ienv *e, unsigned long cmd, void *arg);
int ienv_ioas(struct ienv *e, uint32_t *id);
int ienv_map(struct ienv *e, uint32_t ioas, void *buf, uint64_t len,
	     uint64_t *iova, uint32_t flags);
int ienv_unmap(struct ienv *e, uint32_t ioas, uint64_t iova, uint64_t len,
	       uint64_t *done);
int ienv_destroy(struct ienv *e, uint32_t id);
int ienv_bind(struct ienv *e, unsigned int host, uint32_t sid,
	      uint32_t *dev_id);
int ienv_hwpt(struct ienv *e, uint32_t dev, uint32_t pt, uint32_t flags,
	      uint32_t *hwpt);
int ienv_dma(struct ienv *e, uint32_t dev, uint64_t iova, void *buf, size_t len,
	     bool write);

#endif /* VSMMU_TESTS_IOMMUFD_ENV_H */
