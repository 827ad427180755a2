// SPDX-License-Identifier: MIT
/*
 * A process's address space: VMAs, demand-paged anonymous memory, arm64
 * stage-1 page tables (48-bit VAs, 4 KiB pages, non-global, EL0
 * accessible), and the TLB maintenance every change of a present page
 * needs, in Linux's order: page-table update, the CPUs' broadcast TLBI
 * with the process's ASID, the notifiers (secondary TLBs that do not hear
 * broadcasts), and only then the pages freed.
 *
 * Locking: mm->lock is the mmap lock: VMAs, the page table, the pages
 * and the notifiers change under it, and faults resolve under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/pgtable.h>

#include "cpu/cpu.h"

#define PG 4096ULL
#define VA_BITS 48
#define MAX_NOTIFIERS 16
/* Beyond this many pages, one TLBI ASIDE1IS instead of a range (Linux's
 * MAX_DVM_OPS idea) */
#define MAX_RANGE_PAGES 512

struct vma {
	uint64_t start, end;
	unsigned int prot;
	struct vma *next; /* sorted by start */
};

struct notifier {
	const struct vsmmu_mm_notifier_ops *ops;
	void *arg;
};

struct vsmmu_mm {
	struct vsmmu_cpu *cpu;
	struct vsmmu_mem *mem;
	pthread_mutex_t lock; /* the mmap lock */
	struct vsmmu_pgtable *pgt;
	struct vsmmu_pgtable_info pi;
	uint64_t id; /* generation | ASID, under cpu->lock */
	unsigned int pinned; /* pin count, under cpu->lock */
	struct vma *vmas;
	struct notifier notifiers[MAX_NOTIFIERS];
	unsigned int nnotifiers;
	bool exited; /* under lock: no mapping, no fault any more */
	_Atomic unsigned int refs; /* the creator's and vsmmu_mm_grab()s */
};

int vsmmu_mm_create(struct vsmmu_cpu *cpu, struct vsmmu_mm **out)
{
	struct vsmmu_pgtable_cfg pc = { .fmt = VSMMU_PGTABLE_S1,
					.granule_shift = 12,
					.ias = VA_BITS };
	struct vsmmu_mm *mm;
	int rc;

	if (!cpu || !out)
		return -EINVAL;
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	mm->cpu = cpu;
	mm->mem = vsmmu_mem_pool_mem(cpu->cfg.pool);
	pc.pool = cpu->cfg.pool;
	pc.oas = vsmmu_mem_pa_bits(mm->mem) < 48 ? vsmmu_mem_pa_bits(mm->mem) :
						   48;
	rc = vsmmu_pgtable_create(&pc, &mm->pgt);
	if (rc) {
		free(mm);
		return rc;
	}
	vsmmu_pgtable_get_info(mm->pgt, &mm->pi);
	pthread_mutex_init(&mm->lock, NULL);
	atomic_init(&mm->refs, 1);
	atomic_fetch_add(&cpu->nmm, 1);
	*out = mm;
	return 0;
}

int vsmmu_mm_switch(struct vsmmu_mm *mm, unsigned int cpu_idx)
{
	if (!mm)
		return -EINVAL;
	return cpu_switch_context(mm->cpu, &mm->id, mm->pinned, cpu_idx);
}

unsigned int vsmmu_mm_asid(const struct vsmmu_mm *mm)
{
	uint64_t id = __atomic_load_n(&mm->id, __ATOMIC_RELAXED);

	return (unsigned int)(id & (mm->cpu->nr_asids - 1));
}

int vsmmu_mm_pin(struct vsmmu_mm *mm)
{
	if (!mm)
		return -EINVAL;
	return cpu_pin_context(mm->cpu, &mm->id, &mm->pinned);
}

void vsmmu_mm_unpin(struct vsmmu_mm *mm)
{
	if (mm)
		cpu_unpin_context(mm->cpu, mm->id, &mm->pinned);
}

void vsmmu_mm_get_info(const struct vsmmu_mm *mm, struct vsmmu_mm_info *info)
{
	info->ttb = mm->pi.ttb;
	info->tsz = mm->pi.tsz;
	info->tg = mm->pi.tg;
	info->ps = mm->pi.ps;
	/* Linux's MAIR_EL1 order: device nGnRnE, nGnRE, GRE, NC, WB, ... as
	 * the page-table library's attribute indices expect */
	info->mair = 0x0404ff44;
}

/* --- TLB maintenance ------------------------------------------------------ */

/*
 * After the page-table update of [@start, @end): the CPUs' broadcast
 * (leaf only unless tables were freed), then the notifiers.
 */
static void tlb_flush_range(struct vsmmu_mm *mm, uint64_t start, uint64_t end,
			    bool leaf)
{
	struct vsmmu_dvm_op op = { .el2 = mm->cpu->cfg.el2,
				   .vmid = mm->cpu->cfg.vmid,
				   .asid = (uint16_t)vsmmu_mm_asid(mm) };
	unsigned int i;

	if (start >= end)
		return;
	/* A process that never ran and is not pinned has no ASID: no CPU
	 * or BTM SMMU holds an entry of it */
	if (op.asid) {
		if ((end - start) / PG > MAX_RANGE_PAGES) {
			op.kind = VSMMU_DVM_ASID;
		} else {
			op.kind = leaf ? VSMMU_DVM_VAL : VSMMU_DVM_VA;
			op.addr = start;
			op.size = end - start;
		}
		vsmmu_cpu_broadcast(mm->cpu, &op);
	}
	for (i = 0; i < mm->nnotifiers; i++)
		if (mm->notifiers[i].ops->invalidate)
			mm->notifiers[i].ops->invalidate(mm->notifiers[i].arg,
							 mm, start, end);
}

/* --- VMAs ----------------------------------------------------------------- */

static struct vma *vma_find(struct vsmmu_mm *mm, uint64_t va)
{
	struct vma *v;

	for (v = mm->vmas; v && v->start <= va; v = v->next)
		if (va < v->end)
			return v;
	return NULL;
}

static bool range_ok(uint64_t va, uint64_t size)
{
	return size && !((va | size) & (PG - 1)) && va < (1ULL << VA_BITS) &&
	       size <= (1ULL << VA_BITS) - va;
}

static unsigned int to_prot(unsigned int p)
{
	unsigned int prot = VSMMU_PROT_USER | VSMMU_PROT_CACHE;

	if (p & VSMMU_MM_READ)
		prot |= VSMMU_PROT_READ;
	if (p & VSMMU_MM_WRITE)
		prot |= VSMMU_PROT_READ | VSMMU_PROT_WRITE;
	if (p & VSMMU_MM_EXEC)
		prot |= VSMMU_PROT_READ | VSMMU_PROT_EXEC;
	return prot;
}

/* Back page @va of @v (absent): a zeroed page from the pool. */
static int populate(struct vsmmu_mm *mm, struct vma *v, uint64_t va)
{
	uint64_t pa;
	int rc;

	rc = vsmmu_mem_pool_alloc(mm->cpu->cfg.pool, PG, PG, &pa);
	if (rc)
		return rc;
	rc = vsmmu_pgtable_map(mm->pgt, va, pa, PG, to_prot(v->prot));
	if (rc)
		vsmmu_mem_pool_free(mm->cpu->cfg.pool, pa, PG);
	return rc;
}

int vsmmu_mm_mmap(struct vsmmu_mm *mm, uint64_t va, uint64_t size,
		  unsigned int prot)
{
	struct vma *n, **pp, *v;
	uint64_t a;
	int rc = 0;

	if (!mm || !range_ok(va, size) ||
	    (prot & ~(VSMMU_MM_READ | VSMMU_MM_WRITE | VSMMU_MM_EXEC |
		      VSMMU_MM_POPULATE)))
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->start = va;
	n->end = va + size;
	n->prot = prot & ~VSMMU_MM_POPULATE;
	pthread_mutex_lock(&mm->lock);
	for (v = mm->vmas; v || mm->exited; v = v->next) {
		if (mm->exited || (v->start < n->end && n->start < v->end)) {
			rc = mm->exited ? -ESRCH : -EEXIST;
			pthread_mutex_unlock(&mm->lock);
			free(n);
			return rc;
		}
	}
	for (pp = &mm->vmas; *pp && (*pp)->start < n->start; pp = &(*pp)->next)
		;
	n->next = *pp;
	*pp = n;
	if (prot & VSMMU_MM_POPULATE) {
		for (a = va; a < va + size && !rc; a += PG)
			rc = populate(mm, n, a);
	}
	pthread_mutex_unlock(&mm->lock);
	if (rc) {
		vsmmu_mm_munmap(mm, va, size);
		return rc;
	}
	return 0;
}

/*
 * Remove the present pages of [@start, @end) from the page table,
 * invalidate, then free them.
 */
static void unmap_pages(struct vsmmu_mm *mm, uint64_t start, uint64_t end)
{
	struct vsmmu_pgtable_gather g;
	uint64_t *pas = NULL, a, pa;
	size_t n = 0, cap = 0, i;

	vsmmu_pgtable_gather_init(&g);
	for (a = start; a < end; a += PG) {
		if (vsmmu_pgtable_iova_to_phys(mm->pgt, a, &pa, NULL))
			continue;
		if (n == cap) {
			uint64_t *p = realloc(pas, (cap ? cap * 2 : 16) *
							   sizeof(*pas));

			if (!p)
				break; /* those not recorded stay mapped */
			pas = p;
			cap = cap ? cap * 2 : 16;
		}
		if (vsmmu_pgtable_unmap(mm->pgt, a, PG, &g) == (int64_t)PG)
			pas[n++] = pa;
	}
	if (n)
		tlb_flush_range(mm, g.start, g.end, !g.tables_freed);
	/* No TLB, CPU's or SMMU's, can reach them now */
	for (i = 0; i < n; i++)
		vsmmu_mem_pool_free(mm->cpu->cfg.pool, pas[i], PG);
	free(pas);
}

/*
 * Give the present pages of [@start, @end) the permissions @prot and keep
 * them (Linux's change_protection): break -- every such PTE removed --,
 * the TLBs invalidated (broadcast, notifiers), make -- the same page
 * mapped again with @prot.  A device that walks meanwhile finds nothing
 * and faults; its fault waits for the process's lock and finds the page
 * back.  Return: 0, or -ENOMEM when a page could not be mapped again (it
 * is freed: its data is lost, as a process killed for want of memory
 * would lose it).
 */
static int reprotect_pages(struct vsmmu_mm *mm, uint64_t start, uint64_t end,
			   unsigned int prot)
{
	struct vsmmu_pgtable_gather g;
	struct pte_save {
		uint64_t va, pa;
	} *saved = NULL;
	size_t n = 0, cap = 0, i;
	uint64_t a, pa;
	int rc = 0;

	vsmmu_pgtable_gather_init(&g);
	for (a = start; a < end; a += PG) {
		if (vsmmu_pgtable_iova_to_phys(mm->pgt, a, &pa, NULL))
			continue;
		if (n == cap) {
			struct pte_save *p = realloc(
				saved, (cap ? cap * 2 : 16) * sizeof(*saved));

			if (!p) {
				rc = -ENOMEM; /* the rest keep their PTEs */
				break;
			}
			saved = p;
			cap = cap ? cap * 2 : 16;
		}
		if (vsmmu_pgtable_unmap(mm->pgt, a, PG, &g) == (int64_t)PG)
			saved[n++] = (struct pte_save){ a, pa };
	}
	if (n)
		tlb_flush_range(mm, g.start, g.end, !g.tables_freed);
	for (i = 0; i < n; i++) {
		if (vsmmu_pgtable_map(mm->pgt, saved[i].va, saved[i].pa, PG,
				      to_prot(prot))) {
			vsmmu_mem_pool_free(mm->cpu->cfg.pool, saved[i].pa, PG);
			rc = -ENOMEM;
		}
	}
	free(saved);
	return rc;
}

int vsmmu_mm_munmap(struct vsmmu_mm *mm, uint64_t va, uint64_t size)
{
	struct vma **pp, *v, *tail;
	uint64_t end = va + size;

	if (!mm || !range_ok(va, size))
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (mm->exited) {
		pthread_mutex_unlock(&mm->lock);
		return -ESRCH;
	}
	unmap_pages(mm, va, end);
	for (pp = &mm->vmas; (v = *pp);) {
		if (v->end <= va || v->start >= end) {
			pp = &v->next;
			continue;
		}
		if (v->start < va && v->end > end) {
			/* Split in two around the hole */
			tail = calloc(1, sizeof(*tail));
			if (tail) {
				*tail = *v;
				tail->start = end;
				v->end = va;
				v->next = tail;
				pp = &tail->next;
				continue;
			}
			v->end = va; /* no memory: the tail is lost */
			pp = &v->next;
		} else if (v->start < va) {
			v->end = va;
			pp = &v->next;
		} else if (v->end > end) {
			v->start = end;
			pp = &v->next;
		} else {
			*pp = v->next;
			free(v);
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

int vsmmu_mm_mprotect(struct vsmmu_mm *mm, uint64_t va, uint64_t size,
		      unsigned int prot)
{
	struct vma *v;
	uint64_t a, end = va + size;
	int rc = 0;

	if (!mm || !range_ok(va, size) || !(prot & VSMMU_MM_READ) ||
	    (prot & ~(VSMMU_MM_READ | VSMMU_MM_WRITE | VSMMU_MM_EXEC)))
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (mm->exited) {
		rc = -ESRCH;
		goto out;
	}
	/* The range must be covered by VMAs, each wholly inside it (no
	 * splitting: the simple case Linux would split for) */
	for (a = va; a < end; a = v->end) {
		v = vma_find(mm, a);
		if (!v || v->start < va || v->end > end) {
			rc = -EINVAL;
			goto out;
		}
	}
	for (v = mm->vmas; v; v = v->next) {
		if (v->start < va || v->end > end)
			continue;
		/* The present pages keep their data, not their PTEs */
		if (v->prot != prot) {
			int rc2 = reprotect_pages(mm, v->start, v->end, prot);

			if (!rc)
				rc = rc2;
		}
		v->prot = prot;
	}
out:
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

/* --- Faults and accesses --------------------------------------------------- */

static int fault_locked(struct vsmmu_mm *mm, uint64_t va, unsigned int access)
{
	struct vsmmu_pgtable_entry e;
	struct vma *v = vma_find(mm, va);
	unsigned int need = to_prot(access);

	if (mm->exited)
		return -ESRCH;
	if (!v)
		return -EFAULT;
	if (access & ~v->prot)
		return -EACCES;
	if (!vsmmu_pgtable_lookup(mm->pgt, va & ~(PG - 1), &e)) {
		if ((e.prot & need) == need)
			return 0;
		return -EACCES; /* cannot happen: mprotect rewrites PTEs */
	}
	return populate(mm, v, va & ~(PG - 1));
}

int vsmmu_mm_fault(struct vsmmu_mm *mm, uint64_t va, unsigned int access)
{
	int rc;

	if (!mm || (access & ~(VSMMU_MM_READ | VSMMU_MM_WRITE | VSMMU_MM_EXEC)))
		return -EINVAL;
	if (va >= (1ULL << VA_BITS))
		return -EFAULT;
	pthread_mutex_lock(&mm->lock);
	rc = fault_locked(mm, va, access);
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

static int access_mm(struct vsmmu_mm *mm, uint64_t va, void *buf, size_t len,
		     bool write)
{
	unsigned char *b = buf;
	int rc = 0;

	if (!mm || (!buf && len))
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	while (len && !rc) {
		size_t n = PG - (va & (PG - 1));
		uint64_t pa;

		if (n > len)
			n = len;
		if (va >= (1ULL << VA_BITS)) {
			rc = -EFAULT;
			break;
		}
		rc = fault_locked(mm, va,
				  write ? VSMMU_MM_WRITE : VSMMU_MM_READ);
		if (!rc)
			rc = vsmmu_pgtable_iova_to_phys(mm->pgt, va, &pa, NULL);
		if (!rc)
			rc = write ? vsmmu_mem_write(mm->mem, pa, b, n) :
				     vsmmu_mem_read(mm->mem, pa, b, n);
		va += n;
		b += n;
		len -= n;
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int vsmmu_mm_read(struct vsmmu_mm *mm, uint64_t va, void *buf, size_t len)
{
	return access_mm(mm, va, buf, len, false);
}

int vsmmu_mm_write(struct vsmmu_mm *mm, uint64_t va, const void *buf,
		   size_t len)
{
	return access_mm(mm, va, (void *)buf, len, true);
}

/* --- Notifiers and teardown ------------------------------------------------ */

int vsmmu_mm_notifier_register(struct vsmmu_mm *mm,
			       const struct vsmmu_mm_notifier_ops *ops,
			       void *arg)
{
	int rc = 0;

	if (!mm || !ops)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (mm->exited)
		rc = -ESRCH;
	else if (mm->nnotifiers == MAX_NOTIFIERS)
		rc = -ENOSPC;
	else
		mm->notifiers[mm->nnotifiers++] = (struct notifier){ ops, arg };
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int vsmmu_mm_notifier_unregister(struct vsmmu_mm *mm,
				 const struct vsmmu_mm_notifier_ops *ops,
				 void *arg)
{
	unsigned int i;
	int rc = -ENOENT;

	if (!mm)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	for (i = 0; i < mm->nnotifiers; i++) {
		if (mm->notifiers[i].ops == ops &&
		    mm->notifiers[i].arg == arg) {
			mm->notifiers[i] = mm->notifiers[--mm->nnotifiers];
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int vsmmu_mm_destroy(struct vsmmu_mm *mm)
{
	struct vma *v, *next;
	unsigned int i;

	if (!mm)
		return 0;
	/* A pin nobody else could ever drop */
	if (__atomic_load_n(&mm->pinned, __ATOMIC_RELAXED) &&
	    atomic_load(&mm->refs) == 1)
		return -EBUSY;
	pthread_mutex_lock(&mm->lock);
	if (mm->exited) {
		pthread_mutex_unlock(&mm->lock);
		return -EINVAL;
	}
	mm->exited = true;
	/* The devices stop using it first (Linux's mmu_notifier release) */
	for (i = 0; i < mm->nnotifiers; i++)
		if (mm->notifiers[i].ops->release)
			mm->notifiers[i].ops->release(mm->notifiers[i].arg, mm);
	for (v = mm->vmas; v; v = v->next)
		unmap_pages(mm, v->start, v->end);
	for (v = mm->vmas; v; v = next) {
		next = v->next;
		free(v);
	}
	mm->vmas = NULL;
	pthread_mutex_unlock(&mm->lock);
	vsmmu_mm_drop(mm);
	return 0;
}

void vsmmu_mm_grab(struct vsmmu_mm *mm)
{
	if (mm)
		atomic_fetch_add(&mm->refs, 1);
}

void vsmmu_mm_drop(struct vsmmu_mm *mm)
{
	if (!mm || atomic_fetch_sub(&mm->refs, 1) != 1)
		return;
	vsmmu_pgtable_destroy(mm->pgt);
	pthread_mutex_destroy(&mm->lock);
	atomic_fetch_sub(&mm->cpu->nmm, 1);
	free(mm);
}
