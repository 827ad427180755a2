/* SPDX-License-Identifier: MIT */
/* Private interface between the CPUs' ASID allocator and processes. */
#ifndef VSMMU_LIB_CPU_CPU_H
#define VSMMU_LIB_CPU_CPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/cpu.h>

#define CPU_MAX 64
#define CPU_MAX_LISTENERS 16

struct cpu_listener {
	vsmmu_dvm_fn *fn;
	void *arg;
};

struct vsmmu_cpu {
	struct vsmmu_cpu_config cfg;
	unsigned int asid_bits;
	uint64_t nr_asids; /* 2^asid_bits; ASID 0 is never handed out */

	pthread_mutex_t lock; /* the allocator (arm64's cpu_asid_lock) */
	uint64_t generation; /* multiple of nr_asids */
	uint64_t *map, *pinned_map; /* ASIDs taken this generation; pinned */
	unsigned int nr_pinned, max_pinned;
	uint64_t cur_idx;
	uint64_t active[CPU_MAX], reserved[CPU_MAX]; /* context ids */
	uint64_t flush_pending; /* CPUs that flush before running */

	pthread_rwlock_t listeners_lock;
	struct cpu_listener listeners[CPU_MAX_LISTENERS];
	unsigned int nlisteners;

	_Atomic unsigned int nmm;
	_Atomic uint64_t broadcasts, generations, local_flushes;
};

/* The process's context id: generation | ASID (0: none). */
int cpu_switch_context(struct vsmmu_cpu *cpu, uint64_t *id, unsigned int pinned,
		       unsigned int cpu_idx);
int cpu_pin_context(struct vsmmu_cpu *cpu, uint64_t *id, unsigned int *pinned);
void cpu_unpin_context(struct vsmmu_cpu *cpu, uint64_t id,
		       unsigned int *pinned);

#endif
