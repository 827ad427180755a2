/* SPDX-License-Identifier: MIT */
/*
 * The CPU side of shared virtual addressing: processes (their arm64
 * stage-1 page tables in the model's memory, their mappings and demand
 * paging), the CPUs' ASID allocator with generations, rollover and
 * pinning (arm64's arch/arm64/mm/context.c algorithm, in our words), and
 * the broadcast TLB maintenance the CPUs send when a process's mappings
 * change -- which an SMMU with BTM takes part in.
 *
 * Objects:
 *  - struct vsmmu_cpu: a machine's CPUs (nr_cpus), their ASID space and
 *    the broadcast bus every listener (an SMMU, a test) hears.
 *  - struct vsmmu_mm: one process's address space.
 *
 * Broadcasts.  A change of a process's mapping is followed, in this
 * order, by: the CPUs' broadcast TLBI (TLBI VAE1IS/RVAE1IS or ASIDE1IS
 * with the process's ASID, delivered to every listener), the address
 * space's notifiers (what an SMMU driver without BTM listens to, as
 * Linux's mmu_notifier), and only then the freeing of the old pages.
 *
 * Thread safety: every function is thread-safe.  One process's mapping
 * changes and faults are serialised by the process (its mmap lock);
 * broadcasts and notifier calls are made without the CPU's ASID lock.
 * Listeners and notifiers must not call back into the same process.
 */
#ifndef VSMMU_CPU_H
#define VSMMU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/dvm.h>
#include <vsmmu/export.h>
#include <vsmmu/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vsmmu_cpu;
struct vsmmu_mm;

/* --- The CPUs -------------------------------------------------------------- */

struct vsmmu_cpu_config {
	unsigned int nr_cpus; /* 1..64; 0: 4 */
	unsigned int asid_bits; /* 8 or 16; 0: 16 */
	/*
	 * The VMID the CPUs' EL1&0 broadcasts carry (a guest's, or 0 for a
	 * host running its processes at EL1), or @el2 for a VHE host whose
	 * processes run in the EL2&0 regime (Linux's choice on arm64).
	 */
	uint16_t vmid;
	bool el2;
	/* Where processes' page tables and pages come from (required). */
	struct vsmmu_mem_pool *pool;
};

/** vsmmu_cpu_create() - Return: 0, -EINVAL, -ENOMEM. */
VSMMU_API int vsmmu_cpu_create(const struct vsmmu_cpu_config *cfg,
			       struct vsmmu_cpu **out);

/** vsmmu_cpu_destroy() - every process must be gone.  NULL is a no-op. */
VSMMU_API void vsmmu_cpu_destroy(struct vsmmu_cpu *cpu);

/**
 * vsmmu_cpu_add_listener() / vsmmu_cpu_remove_listener() - join or leave
 * the broadcast bus: @fn hears every broadcast TLB operation the CPUs
 * send from then on (an SMMU that advertises BTM: vsmmu_smmu_dvm()).  At
 * most 16 listeners.  Return: 0, -ENOSPC, -ENOENT, -EINVAL.
 */
VSMMU_API int vsmmu_cpu_add_listener(struct vsmmu_cpu *cpu, vsmmu_dvm_fn *fn,
				     void *arg);
VSMMU_API int vsmmu_cpu_remove_listener(struct vsmmu_cpu *cpu, vsmmu_dvm_fn *fn,
					void *arg);

/** vsmmu_cpu_broadcast() - send @op to every listener (and count it). */
VSMMU_API void vsmmu_cpu_broadcast(struct vsmmu_cpu *cpu,
				   const struct vsmmu_dvm_op *op);

struct vsmmu_cpu_stats {
	uint64_t broadcasts; /* operations sent */
	uint64_t generations; /* ASID rollovers */
	uint64_t local_flushes; /* CPUs' TLB flushes after a rollover */
	unsigned int pinned; /* ASIDs pinned now */
};

VSMMU_API void vsmmu_cpu_get_stats(struct vsmmu_cpu *cpu,
				   struct vsmmu_cpu_stats *st);

/* --- Processes -------------------------------------------------------------- */

/* Mapping permissions (vsmmu_mm_mmap, vsmmu_mm_mprotect, faults) */
#define VSMMU_MM_READ (1U << 0)
#define VSMMU_MM_WRITE (1U << 1)
#define VSMMU_MM_EXEC (1U << 2)
/* vsmmu_mm_mmap flag: back every page now (else on first touch) */
#define VSMMU_MM_POPULATE (1U << 8)

/**
 * vsmmu_mm_create() - an empty address space: 48-bit VAs, 4 KiB pages,
 * its stage-1 tables in @cpu's pool.  No ASID until it first runs
 * (vsmmu_mm_switch) or is pinned.  Return: 0, -EINVAL, -ENOMEM.
 */
VSMMU_API int vsmmu_mm_create(struct vsmmu_cpu *cpu, struct vsmmu_mm **out);

/**
 * vsmmu_mm_destroy() - the process exits: its notifiers' release is
 * called first (a device must stop using it), then every mapping goes
 * (broadcast, notifiers), and the creator's reference is dropped.  From
 * then on every mapping call, fault and notifier registration answers
 * -ESRCH.  The address space itself lives on while someone holds a
 * reference (vsmmu_mm_grab: Linux's mmgrab), who may still read its ASID,
 * unpin it and unregister notifiers.  NULL is a no-op.
 * Return: 0, -EBUSY (pinned, and no other reference that could unpin
 * it), -EINVAL (exited already).
 */
VSMMU_API int vsmmu_mm_destroy(struct vsmmu_mm *mm);

/**
 * vsmmu_mm_grab() / vsmmu_mm_drop() - take and drop a reference to the
 * address-space object (not to its mappings: the process may exit
 * meanwhile); the last drop frees it.  Thread-safe.
 */
VSMMU_API void vsmmu_mm_grab(struct vsmmu_mm *mm);
VSMMU_API void vsmmu_mm_drop(struct vsmmu_mm *mm);

/**
 * vsmmu_mm_switch() - the process runs on CPU @cpu_idx (arm64's
 * check_and_switch_context): it keeps its ASID if it belongs to the
 * current generation, else takes a new one -- and when none is free, the
 * ASID space rolls over: a new generation, every ASID free again except
 * the ones active on a CPU and the pinned ones, and every CPU flushes its
 * own TLB before it next runs a process.  Return: the ASID (>= 1), or
 * -EINVAL.
 */
VSMMU_API int vsmmu_mm_switch(struct vsmmu_mm *mm, unsigned int cpu_idx);

/**
 * vsmmu_mm_asid() - the ASID the process has now (0: none yet).  An
 * unpinned ASID may change at the process's next switch after a rollover.
 */
VSMMU_API unsigned int vsmmu_mm_asid(const struct vsmmu_mm *mm);

/**
 * vsmmu_mm_pin() / vsmmu_mm_unpin() - arm64_mm_context_get/put: pin the
 * process's ASID (allocating one if it has none in this generation) so
 * that it survives every rollover, as SVA with BTM needs (the SMMU's CD
 * carries it).  Nested pins count.  Return (pin): the ASID, -ENOSPC (too
 * many pinned: at most 2^asid_bits - nr_cpus - 2), -EINVAL.
 */
VSMMU_API int vsmmu_mm_pin(struct vsmmu_mm *mm);
VSMMU_API void vsmmu_mm_unpin(struct vsmmu_mm *mm);

/* What describes the process's tables, for the CD that shares them. */
struct vsmmu_mm_info {
	uint64_t ttb; /* TTB0 */
	unsigned int tsz, tg, ps; /* T0SZ, TG0, IPS encodings */
	uint64_t mair;
};

VSMMU_API void vsmmu_mm_get_info(const struct vsmmu_mm *mm,
				 struct vsmmu_mm_info *info);

/**
 * vsmmu_mm_mmap() - a mapping (a VMA) of [@va, @va + @size) with @prot
 * (VSMMU_MM_*): anonymous memory, zero-filled, backed on first touch (a
 * CPU access, a device's page request) or at once with
 * VSMMU_MM_POPULATE.  Page aligned, inside the 48-bit space, not
 * overlapping another VMA.  Return: 0, -EINVAL, -EEXIST, -ENOMEM.
 */
VSMMU_API int vsmmu_mm_mmap(struct vsmmu_mm *mm, uint64_t va, uint64_t size,
			    unsigned int prot);

/**
 * vsmmu_mm_munmap() - remove every VMA (part) in [@va, @va + @size): the
 * pages are unmapped, the TLBs invalidated (broadcast, then notifiers),
 * and only then are the pages freed.  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_mm_munmap(struct vsmmu_mm *mm, uint64_t va, uint64_t size);

/**
 * vsmmu_mm_mprotect() - change the permissions of the VMAs in the range
 * (which must be covered by whole VMAs: they are not split) to @prot,
 * which includes VSMMU_MM_READ (PROT_NONE is not modelled).  Present
 * pages keep their data and get the new permissions, break-before-make:
 * their PTEs removed, the TLBs invalidated (broadcast, then notifiers),
 * the same pages mapped again.  Return: 0, -EINVAL, -ENOMEM (a page
 * could not be mapped again and is lost).
 */
VSMMU_API int vsmmu_mm_mprotect(struct vsmmu_mm *mm, uint64_t va, uint64_t size,
				unsigned int prot);

/**
 * vsmmu_mm_fault() - resolve a fault at @va for @access (VSMMU_MM_*), as
 * handle_mm_fault does for the CPU or for a device's I/O page fault:
 * back the page if its VMA allows the access.  Return: 0 (present now),
 * -EFAULT (no VMA), -EACCES (the VMA does not allow it), -ENOMEM.
 */
VSMMU_API int vsmmu_mm_fault(struct vsmmu_mm *mm, uint64_t va,
			     unsigned int access);

/**
 * vsmmu_mm_read() / vsmmu_mm_write() - the process's own accesses (on a
 * CPU), faulting pages in as needed.  Return: 0, or the fault's error.
 */
VSMMU_API int vsmmu_mm_read(struct vsmmu_mm *mm, uint64_t va, void *buf,
			    size_t len);
VSMMU_API int vsmmu_mm_write(struct vsmmu_mm *mm, uint64_t va, const void *buf,
			     size_t len);

/*
 * Secondary TLBs that do not hear broadcasts (an SMMU without BTM, an
 * endpoint's ATC): Linux's mmu_notifier.  @invalidate runs after the
 * CPUs' broadcast for a changed range and before its pages are freed;
 * it returns once the secondary TLB has dropped the range.  @release
 * runs when the process exits, before its mappings go.
 */
struct vsmmu_mm_notifier_ops {
	void (*invalidate)(void *arg, struct vsmmu_mm *mm, uint64_t start,
			   uint64_t end);
	void (*release)(void *arg, struct vsmmu_mm *mm);
};

/** Register / unregister a notifier (at most 16).  Return: 0, -ENOSPC,
 * -ENOENT. */
VSMMU_API int
vsmmu_mm_notifier_register(struct vsmmu_mm *mm,
			   const struct vsmmu_mm_notifier_ops *ops, void *arg);
VSMMU_API int
vsmmu_mm_notifier_unregister(struct vsmmu_mm *mm,
			     const struct vsmmu_mm_notifier_ops *ops,
			     void *arg);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_CPU_H */
