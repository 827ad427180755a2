/* SPDX-License-Identifier: MIT */
/*
 * A host: memory, one SMMU model (with or without CMDQV) and the host
 * driver bound to it, brought up in one call.  What the tests, the
 * benchmarks, the `vsmmu demo` and `vsmmu vm` scenarios and the nesting
 * layer all start from, and the shortest way for an embedder to get a
 * running SMMU with a driver.
 *
 * Several hosts may share one memory (several physical SMMUs of one
 * machine): give each its own pool range.
 *
 * Thread safety: create and destroy are not thread-safe; the accessors
 * are.  The objects returned by the accessors follow their own headers'
 * rules.
 */
#ifndef VSMMU_HOST_H
#define VSMMU_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/driver.h>
#include <vsmmu/mem.h>
#include <vsmmu/smmu.h>
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vsmmu_host;

struct vsmmu_host_config {
	/* The SMMU model (IDRs, caches, execution mode, CMDQV). */
	struct vsmmu_smmu_config smmu;
	/*
	 * The driver.  ops, ops_ctx and pool are filled in by the host, and
	 * with a CMDQV so are cmdqv_ops and cmdqv_ctx (the model's own block)
	 * unless the caller set cmdqv_ops (a VMM's trap, say); every other
	 * field (callbacks, queue sizes, timeout, cmdqv_nqueues...) is the
	 * caller's.
	 */
	struct vsmmu_drv_config drv;
	/*
	 * Called (if set) once the SMMU model exists and before the driver
	 * is created, with the driver's configuration as the host filled it:
	 * to prepare the model or adjust @dc.  A non-zero return aborts the
	 * creation with that error.
	 */
	int (*before_driver)(void *arg, struct vsmmu_smmu *smmu,
			     struct vsmmu_drv_config *dc);
	void *before_driver_arg;
	unsigned int pa_bits; /* of a memory the host creates; 0: 48 */
	/* Physical range the driver allocates its tables and queues from;
	 * 0: 1 GiB at 4 GiB */
	uint64_t pool_base, pool_size;
	bool no_enable; /* leave the driver created but not enabled */
	/*
	 * Wire the model's interrupts to vsmmu_drv_irq().  Only safe in
	 * VSMMU_EXEC_SYNC mode, where callbacks run in the register writer's
	 * thread (in THREAD mode the driver polls GERROR instead).
	 */
	bool irq;
};

/** vsmmu_host_config_default() - a default SMMUv3.2 (vsmmu_smmu_config_
 * default()), no CMDQV, synchronous execution, 48-bit memory, driver
 * enabled, interrupts wired. */
VSMMU_API void vsmmu_host_config_default(struct vsmmu_host_config *cfg);

/**
 * vsmmu_host_create() - create the memory (unless @mem is given; then it
 * must outlive the host), the pool, the SMMU model and the driver, and
 * enable the driver unless cfg->no_enable.
 * Return: 0, -EINVAL, -ENOMEM, or the error of the step that failed
 * (everything done before it is undone).
 */
VSMMU_API int vsmmu_host_create(const struct vsmmu_host_config *cfg,
				struct vsmmu_mem *mem, struct vsmmu_host **out);

/** vsmmu_host_destroy() - the reverse of create.  NULL is a no-op. */
VSMMU_API void vsmmu_host_destroy(struct vsmmu_host *h);

VSMMU_API struct vsmmu_mem *vsmmu_host_mem(const struct vsmmu_host *h);
VSMMU_API struct vsmmu_mem_pool *vsmmu_host_pool(const struct vsmmu_host *h);
VSMMU_API struct vsmmu_smmu *vsmmu_host_smmu(const struct vsmmu_host *h);
VSMMU_API struct vsmmu_drv *vsmmu_host_drv(const struct vsmmu_host *h);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_HOST_H */
