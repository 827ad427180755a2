// SPDX-License-Identifier: MIT
/*
 * The CPUs: their ASID allocator and the broadcast bus.
 *
 * ASIDs (arm64's arch/arm64/mm/context.c algorithm, in our words).  A
 * process's context id is generation | ASID.  A process keeps its ASID as
 * long as the generation has not moved on.  When no ASID is free, the
 * space rolls over: the generation advances, the map of taken ASIDs is
 * cleared except for the ASID each CPU is running (it becomes that CPU's
 * "reserved" ASID, so the process using it keeps it) and the pinned ones,
 * and every CPU must flush its own TLB before it runs a process again --
 * entries tagged with a recycled ASID could otherwise be used by its new
 * owner.  A pinned ASID (arm64_mm_context_get) is never recycled, which
 * is what lets an SMMU share it (SVA with BTM): the SMMU's TLB does not
 * take part in the CPUs' local flushes.
 *
 * The bus: every broadcast goes to every listener under a read lock, so
 * listeners may be added and removed while other threads broadcast.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

static bool test_bit(const uint64_t *m, uint64_t i)
{
	return m[i / 64] & (1ULL << (i % 64));
}

static void set_bit(uint64_t *m, uint64_t i)
{
	m[i / 64] |= 1ULL << (i % 64);
}

static void clear_bit(uint64_t *m, uint64_t i)
{
	m[i / 64] &= ~(1ULL << (i % 64));
}

int vsmmu_cpu_create(const struct vsmmu_cpu_config *cfg, struct vsmmu_cpu **out)
{
	struct vsmmu_cpu *cpu;
	size_t words;

	if (!cfg || !out || !cfg->pool || cfg->nr_cpus > CPU_MAX ||
	    (cfg->asid_bits && cfg->asid_bits != 8 && cfg->asid_bits != 16))
		return -EINVAL;
	cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	cpu->cfg = *cfg;
	if (!cpu->cfg.nr_cpus)
		cpu->cfg.nr_cpus = 4;
	cpu->asid_bits = cfg->asid_bits ? cfg->asid_bits : 16;
	cpu->nr_asids = 1ULL << cpu->asid_bits;
	/* arm64: leave room for every CPU's reserved ASID and ASID 0, +1 */
	cpu->max_pinned = (unsigned int)cpu->nr_asids - cpu->cfg.nr_cpus - 2;
	cpu->generation = cpu->nr_asids;
	cpu->cur_idx = 1;
	words = (size_t)((cpu->nr_asids + 63) / 64);
	cpu->map = calloc(words, sizeof(*cpu->map));
	cpu->pinned_map = calloc(words, sizeof(*cpu->pinned_map));
	if (!cpu->map || !cpu->pinned_map) {
		free(cpu->map);
		free(cpu->pinned_map);
		free(cpu);
		return -ENOMEM;
	}
	pthread_mutex_init(&cpu->lock, NULL);
	pthread_rwlock_init(&cpu->listeners_lock, NULL);
	*out = cpu;
	return 0;
}

void vsmmu_cpu_destroy(struct vsmmu_cpu *cpu)
{
	if (!cpu)
		return;
	pthread_rwlock_destroy(&cpu->listeners_lock);
	pthread_mutex_destroy(&cpu->lock);
	free(cpu->map);
	free(cpu->pinned_map);
	free(cpu);
}

/* --- ASIDs -------------------------------------------------------------- */

static uint64_t asid_of(const struct vsmmu_cpu *cpu, uint64_t id)
{
	return id & (cpu->nr_asids - 1);
}

static bool current_gen(const struct vsmmu_cpu *cpu, uint64_t id)
{
	return id && (id & ~(cpu->nr_asids - 1)) == cpu->generation;
}

/* A rollover: new generation, keep the active and pinned ASIDs. */
static void flush_context(struct vsmmu_cpu *cpu)
{
	size_t words = (size_t)((cpu->nr_asids + 63) / 64);
	unsigned int i;

	memcpy(cpu->map, cpu->pinned_map, words * sizeof(*cpu->map));
	for (i = 0; i < cpu->cfg.nr_cpus; i++) {
		uint64_t id = cpu->active[i];

		cpu->active[i] = 0;
		/* A CPU that rolled over before without running since
		 * keeps the reserved ASID it had */
		if (!id)
			id = cpu->reserved[i];
		if (id)
			set_bit(cpu->map, asid_of(cpu, id));
		cpu->reserved[i] = id;
	}
	cpu->flush_pending =
		cpu->cfg.nr_cpus == 64 ? ~0ULL : (1ULL << cpu->cfg.nr_cpus) - 1;
	atomic_fetch_add(&cpu->generations, 1);
}

/*
 * If @id was a CPU's reserved ASID when the space rolled over, every CPU
 * holding it moves it to the new generation (@newid) and the process may
 * keep it.
 */
static bool update_reserved(struct vsmmu_cpu *cpu, uint64_t id, uint64_t newid)
{
	bool hit = false;
	unsigned int i;

	for (i = 0; i < cpu->cfg.nr_cpus; i++) {
		if (cpu->reserved[i] == id) {
			hit = true;
			cpu->reserved[i] = newid;
		}
	}
	return hit;
}

/* A context id of the current generation for a process that had @id. */
static uint64_t new_context(struct vsmmu_cpu *cpu, uint64_t id,
			    unsigned int pinned)
{
	uint64_t asid, newid;

	if (id) {
		newid = cpu->generation | asid_of(cpu, id);
		if (update_reserved(cpu, id, newid))
			return newid;
		/* A pinned ASID survives every rollover */
		if (pinned)
			return newid;
		/* Free in the new generation: keep it */
		if (!test_bit(cpu->map, asid_of(cpu, id))) {
			set_bit(cpu->map, asid_of(cpu, id));
			return newid;
		}
	}
	for (asid = cpu->cur_idx; asid < cpu->nr_asids; asid++)
		if (!test_bit(cpu->map, asid))
			goto found;
	cpu->generation += cpu->nr_asids;
	flush_context(cpu);
	for (asid = 1; asid < cpu->nr_asids; asid++)
		if (!test_bit(cpu->map, asid))
			goto found;
	return 0; /* cannot happen: max_pinned leaves room */
found:
	set_bit(cpu->map, asid);
	cpu->cur_idx = asid;
	return cpu->generation | asid;
}

int cpu_switch_context(struct vsmmu_cpu *cpu, uint64_t *id, unsigned int pinned,
		       unsigned int cpu_idx)
{
	uint64_t v;

	if (cpu_idx >= cpu->cfg.nr_cpus)
		return -EINVAL;
	pthread_mutex_lock(&cpu->lock);
	v = __atomic_load_n(id, __ATOMIC_RELAXED);
	if (!current_gen(cpu, v)) {
		v = new_context(cpu, v, pinned);
		__atomic_store_n(id, v, __ATOMIC_RELAXED);
	}
	if (cpu->flush_pending & (1ULL << cpu_idx)) {
		cpu->flush_pending &= ~(1ULL << cpu_idx);
		atomic_fetch_add(&cpu->local_flushes, 1);
	}
	cpu->active[cpu_idx] = v;
	pthread_mutex_unlock(&cpu->lock);
	return (int)asid_of(cpu, v);
}

int cpu_pin_context(struct vsmmu_cpu *cpu, uint64_t *id, unsigned int *pinned)
{
	uint64_t v;
	int rc;

	pthread_mutex_lock(&cpu->lock);
	v = __atomic_load_n(id, __ATOMIC_RELAXED);
	if (*pinned) {
		(*pinned)++;
		rc = (int)asid_of(cpu, v);
		goto out;
	}
	if (cpu->nr_pinned >= cpu->max_pinned) {
		rc = -ENOSPC;
		goto out;
	}
	if (!current_gen(cpu, v)) {
		v = new_context(cpu, v, 0);
		__atomic_store_n(id, v, __ATOMIC_RELAXED);
	}
	cpu->nr_pinned++;
	set_bit(cpu->pinned_map, asid_of(cpu, v));
	*pinned = 1;
	rc = (int)asid_of(cpu, v);
out:
	pthread_mutex_unlock(&cpu->lock);
	return rc;
}

void cpu_unpin_context(struct vsmmu_cpu *cpu, uint64_t id, unsigned int *pinned)
{
	pthread_mutex_lock(&cpu->lock);
	if (*pinned && !--*pinned) {
		clear_bit(cpu->pinned_map, asid_of(cpu, id));
		cpu->nr_pinned--;
	}
	pthread_mutex_unlock(&cpu->lock);
}

/* --- The bus -------------------------------------------------------------- */

int vsmmu_cpu_add_listener(struct vsmmu_cpu *cpu, vsmmu_dvm_fn *fn, void *arg)
{
	int rc = 0;

	if (!cpu || !fn)
		return -EINVAL;
	pthread_rwlock_wrlock(&cpu->listeners_lock);
	if (cpu->nlisteners == CPU_MAX_LISTENERS)
		rc = -ENOSPC;
	else
		cpu->listeners[cpu->nlisteners++] =
			(struct cpu_listener){ fn, arg };
	pthread_rwlock_unlock(&cpu->listeners_lock);
	return rc;
}

int vsmmu_cpu_remove_listener(struct vsmmu_cpu *cpu, vsmmu_dvm_fn *fn,
			      void *arg)
{
	unsigned int i;
	int rc = -ENOENT;

	if (!cpu)
		return -EINVAL;
	pthread_rwlock_wrlock(&cpu->listeners_lock);
	for (i = 0; i < cpu->nlisteners; i++) {
		if (cpu->listeners[i].fn == fn &&
		    cpu->listeners[i].arg == arg) {
			cpu->listeners[i] = cpu->listeners[--cpu->nlisteners];
			rc = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&cpu->listeners_lock);
	return rc;
}

void vsmmu_cpu_broadcast(struct vsmmu_cpu *cpu, const struct vsmmu_dvm_op *op)
{
	unsigned int i;

	atomic_fetch_add(&cpu->broadcasts, 1);
	pthread_rwlock_rdlock(&cpu->listeners_lock);
	for (i = 0; i < cpu->nlisteners; i++)
		cpu->listeners[i].fn(cpu->listeners[i].arg, op);
	pthread_rwlock_unlock(&cpu->listeners_lock);
}

void vsmmu_cpu_get_stats(struct vsmmu_cpu *cpu, struct vsmmu_cpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->broadcasts = atomic_load(&cpu->broadcasts);
	st->generations = atomic_load(&cpu->generations);
	st->local_flushes = atomic_load(&cpu->local_flushes);
	pthread_mutex_lock(&cpu->lock);
	st->pinned = cpu->nr_pinned;
	pthread_mutex_unlock(&cpu->lock);
}
