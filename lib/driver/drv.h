/* SPDX-License-Identifier: MIT */
/*
 * Host driver internals, shared by the lib/driver sources and the driver's
 * unit tests.
 *
 * The files form layers and call only downwards (docs/driver.md, "Files"):
 *
 *   probe.c                   create, probe, enable, disable, destroy,
 *                             interrupts and process, statistics
 *   impl.c                    the implementation table (Tegra241 CMDQV)
 *   master.c  vm.c            masters, CD tables, attach, ATS; VMs
 *                             (VMIDs over a nest parent), nested domains,
 *                             guests' invalidations
 *   domain.c                  domains, map/unmap, TLB and ATC invalidation
 *   strtab.c  ste.c           the stream table and STE writes; STE/CD
 *                             builders
 *   evtq.c  priq.c  cmdqv.c   event and PRI queues; the CMDQV implementation
 *   queue.c                   queues, routing, batches, error recovery,
 *                             GERROR
 *   cmd.c  cmdq.c  io.c       command encoding; the lock-free ring;
 *                             register access, polling, logging
 *
 * An implementation (cmdqv.c) is reached only through struct
 * drv_impl_ops: the core never names its functions.
 */
#ifndef VSMMU_LIB_DRIVER_DRV_H
#define VSMMU_LIB_DRIVER_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/arch.h>
#include <vsmmu/cpu.h>
#include <vsmmu/decode.h>
#include <vsmmu/driver.h>
#include <vsmmu/entry.h>
#include <vsmmu/pgtable.h>

#include "driver/cmdq.h"
#include "util/ida.h"

#define DRV_ENTRY_QWORDS VSMMU_ENTRY_QWORDS

/* --- io.c: register access, polling, logging ----------------------------- */

struct drv_mmio {
	const struct vsmmu_drv_mmio_ops *ops;
	void *ctx;
};

int drv_mmio_read32(const struct drv_mmio *m, uint64_t off, uint32_t *val);
int drv_mmio_read64(const struct drv_mmio *m, uint64_t off, uint64_t *val);
int drv_mmio_write32(const struct drv_mmio *m, uint64_t off, uint32_t val);
int drv_mmio_write64(const struct drv_mmio *m, uint64_t off, uint64_t val);
/* The SMMU's own register file (drv->regs). */
int drv_read32(struct vsmmu_drv *drv, uint64_t off, uint32_t *val);
int drv_write32(struct vsmmu_drv *drv, uint64_t off, uint32_t val);
int drv_write64(struct vsmmu_drv *drv, uint64_t off, uint64_t val);
/*
 * Poll the 32-bit register @off of @m until (value & @mask) == @want,
 * bounded by the driver's timeout (-ETIMEDOUT, logged as @what).
 */
int drv_poll32(struct vsmmu_drv *drv, const struct drv_mmio *m, uint64_t off,
	       uint32_t mask, uint32_t want, const char *what);
void drv_log(struct vsmmu_drv *drv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append the decoded non-zero fields of @words (@kind) to the string @buf
 * of @cap bytes; @skip_id_sid leaves out ID and SID (already in the line). */
void drv_decode_into(enum vsmmu_decode_kind kind, const uint64_t *words,
		     size_t n, char *buf, size_t cap, bool skip_id_sid);

/* --- queue.c: command queues, routing, recovery --------------------------- */

/* Counters of one command queue. */
struct drv_qstats {
	_Atomic uint64_t cmds, syncs, prod_writes, ill, abt, atc, timeouts,
		mem_errors;
};

/*
 * One command queue as the driver drives it: the main queue or a VCMDQ.
 * The ring and its backend, the queue's counters, what it accepts, and its
 * error-recovery state (under drv->err_lock).  A batch is bound to one
 * (vsmmu_drv_batch.queue).
 */
struct drv_queue {
	struct drv_cmdq q;
	struct drv_cmdq_backend be;
	struct drv_qstats st;
	/* NULL: every command; else the opcodes this queue executes */
	bool (*supports)(const struct drv_queue *q, unsigned int opcode);
	int lidx; /* -1: the main queue; else the LVCMDQ index */
	const char *name; /* for messages: "CMDQ", "VINTF0 LVCMDQ3" */
	uint32_t abt_cons; /* CONS of the last CERROR_ABT */
	unsigned int abt_count; /* consecutive ABTs at abt_cons */
};

/*
 * Set up @q over ring memory at @base (2^@shift entries) with the given
 * backend callbacks; the backend's statistics point into q->st.
 */
int drv_queue_init(struct drv_queue *q, struct vsmmu_drv *drv, uint64_t base,
		   unsigned int shift, int (*read_cons)(void *, uint32_t *),
		   int (*write_prod)(void *, uint32_t),
		   int (*poll_errors)(void *), void *ctx, bool msi);
void drv_queue_fini(struct drv_queue *q);
/* The main queue: the SMMU's CMDQ_* registers, MSI completion if asked. */
int drv_main_queue_init(struct vsmmu_drv *drv, uint64_t base);
bool drv_queue_supports(const struct drv_queue *q, unsigned int opcode);
/* The queue for a command with @opcode issued by the calling thread. */
struct drv_queue *drv_select_queue(struct vsmmu_drv *drv, unsigned int opcode);
/* The calling thread's queue index for this driver (see queue.c). */
unsigned int drv_thread_index(struct vsmmu_drv *drv);
/*
 * Recover the halted queue @q, whose CONS (with its ERR field) is @cons;
 * called with drv->err_lock held.  Leaves q->q.dead set if it gave up.
 */
void drv_queue_recover(struct vsmmu_drv *drv, struct drv_queue *q,
		       uint32_t cons);
int drv_handle_gerror(struct vsmmu_drv *drv);
void drv_qstats_add(struct vsmmu_drv_queue_stats *out,
		    const struct drv_qstats *st);

/* --- Implementations (impl.c; the Tegra241 CMDQV in cmdqv.c) ------------- */

/*
 * What an implementation adds to the architected SMMU, in the shape of
 * Linux's arm_smmu_impl_ops.  Every member may be NULL.
 */
struct drv_impl_ops {
	const char *name;
	/*
	 * At create, after the SMMU's own probe: set drv->impl_priv and
	 * return 0, or -ENODEV if this implementation is not present.
	 */
	int (*probe)(struct vsmmu_drv *drv);
	void (*remove)(struct vsmmu_drv *drv); /* at destroy */
	/* At enable, once the main queue runs; errors leave it unused */
	int (*reset)(struct vsmmu_drv *drv);
	void (*disable)(struct vsmmu_drv *drv);
	/*
	 * A queue for a command with @opcode from the calling thread, or
	 * NULL for the main queue.  Lock-free: on the submission path.
	 */
	struct drv_queue *(*get_queue)(struct vsmmu_drv *drv,
				       unsigned int opcode);
	/* The threaded interrupt: recover the implementation's queues */
	int (*handle_irq)(struct vsmmu_drv *drv);
	/* Add the implementation's queues' counters to @st */
	void (*add_stats)(struct vsmmu_drv *drv, struct vsmmu_drv_stats *st);
	/* VM interfaces (vm.c's vsmmu_drv_vintf_*); @v's drv is set */
	int (*vintf_alloc)(struct vsmmu_drv *drv, unsigned int vmid,
			   vsmmu_drv_vintf_err_fn *err_fn, void *err_arg,
			   struct vsmmu_drv_vintf **out);
	void (*vintf_free)(struct vsmmu_drv_vintf *v);
	void (*vintf_info)(const struct vsmmu_drv_vintf *v,
			   struct vsmmu_drv_vintf_info *info);
	int (*vintf_queue_alloc)(struct vsmmu_drv_vintf *v, unsigned int lidx,
				 uint64_t base, unsigned int log2size);
	int (*vintf_queue_free)(struct vsmmu_drv_vintf *v, unsigned int lidx);
	int (*vintf_sid_set)(struct vsmmu_drv_vintf *v, uint32_t vsid,
			     uint32_t sid, unsigned int *slot);
	int (*vintf_sid_clear)(struct vsmmu_drv_vintf *v, unsigned int slot);
};

/* The part of a VINTF every implementation's VINTF begins with. */
struct vsmmu_drv_vintf {
	struct vsmmu_drv *drv;
};

/* Probe every known implementation; the first present one is drv->impl. */
int drv_impl_probe(struct vsmmu_drv *drv);

/* The implementations impl.c knows. */
extern const struct drv_impl_ops drv_tegra241_cmdqv_impl;

/* --- ste.c: STE and CD builders ------------------------------------------- */

/* Words in CPU order; memory is little-endian (vsmmu_mem_write64). */
void drv_make_abort_ste(uint64_t *ste);
void drv_make_bypass_ste(uint64_t *ste);
void drv_make_s1_ste(uint64_t *ste, uint64_t cdtab, unsigned int s1fmt,
		     unsigned int s1cdmax, unsigned int s1dss);
void drv_make_s2_ste(uint64_t *ste, uint16_t vmid,
		     const struct vsmmu_pgtable_info *pi);
void drv_make_s1_cd(uint64_t *cd, uint16_t asid,
		    const struct vsmmu_pgtable_info *pi);
/*
 * A CD sharing a process's tables (Linux's arm_smmu_make_sva_cd): @shared
 * (BTM) puts the ASID in the CPUs' set (ASET = 0); @stall lets faults
 * stall (S).  @mi NULL: the process has exited -- still valid, but EPD0
 * and neither R nor S, so every access faults without a record.
 */
void drv_make_sva_cd(uint64_t *cd, uint16_t asid,
		     const struct vsmmu_mm_info *mi, bool shared, bool stall);

/* --- strtab.c: the stream table ------------------------------------------- */

int drv_strtab_init(struct vsmmu_drv *drv);
void drv_strtab_fini(struct vsmmu_drv *drv);
uint64_t drv_ste_pa(struct vsmmu_drv *drv, uint32_t sid);
/* Give @sid's level-1 descriptor a level-2 table (two-level tables). */
int drv_ensure_l2(struct vsmmu_drv *drv, uint32_t sid);
/* Replace the live STE of @sid hitlessly (CFGI_STE + CMD_SYNC syncs). */
int drv_write_ste(struct vsmmu_drv *drv, uint32_t sid, const uint64_t *ste);
/* STRTAB_BASE and STRTAB_BASE_CFG as the driver programs them. */
void drv_strtab_regs(struct vsmmu_drv *drv, uint64_t *base, uint32_t *cfg);

/* --- domain.c, master.c, vm.c --------------------------------------------- */

/* Objects the driver frees on destroy. */
struct drv_obj {
	struct drv_obj *next, *prev;
	int kind; /* DRV_OBJ_* */
};

enum { DRV_OBJ_MASTER, DRV_OBJ_DOMAIN, DRV_OBJ_VM };

struct fq_ent {
	uint64_t iova, size;
	vsmmu_drv_free_fn *fn;
	void *arg;
};

#define FQ_MAX 256

struct vsmmu_drv_domain {
	struct drv_obj obj; /* first */
	struct vsmmu_drv *drv;
	enum vsmmu_drv_domain_type type;
	pthread_mutex_t lock; /* page table and flush queue */
	struct vsmmu_pgtable *pgt;
	struct vsmmu_pgtable_info pi;
	unsigned int granule_shift;
	/*
	 * Stage 1 and SVA: the ASID, and while an ASID move is under way
	 * (sva.c) the old one beside it: asid | old << 16.  Written under
	 * drv->asid_lock; read with drv_domain_asids() by every path that
	 * invalidates the domain, which then invalidates both.
	 */
	_Atomic uint32_t asids;
	uint16_t vmid;
	_Atomic unsigned int users;
	struct fq_ent *fq;
	unsigned int fq_n;
	bool nest_parent, dirty_tracking;
	/* Nest parent: the VMs over this table (under lock) */
	struct vsmmu_drv_vm *vms;
	/* Nested: the VM, the guest's STE words (checked), ATS asked; or
	 * (@is_cd) one guest CD, installed at a PASID of the host's table */
	struct vsmmu_drv_vm *vm;
	uint64_t gste[2];
	bool gats;
	bool is_cd;
	uint64_t gcd[DRV_ENTRY_QWORDS];
	/* SVA (sva.c): the process, its bonds (under lock), state */
	struct vsmmu_mm *mm;
	struct drv_sva_bond *bonds;
	unsigned int refs; /* bonds + binds in progress, under asid_lock */
	bool btm; /* the CPU's pinned ASID, ASET = 0 */
	bool released; /* the process has exited: CDs with EPD0 */
	bool notifier; /* registered on mm */
	/* Remove the bond of (@m, @ssid), with drv->asid_lock held: for
	 * domains a PASID holds more than a CD of (SVA); NULL for others */
	int (*unbind)(struct vsmmu_drv_master *m, uint32_t ssid);
	struct vsmmu_drv_domain *sva_next; /* drv->sva_doms, asid_lock */
};

/* One (master, SubstreamID) bound to an SVA domain (sva.c). */
struct drv_sva_bond {
	struct drv_sva_bond *next;
	struct vsmmu_drv_master *m;
	uint32_t ssid;
};

/*
 * The domain's ASIDs: the current one in *@cur, and the one it is moving
 * away from (0: none) in *@old.  The caller has changed the page table
 * before: the sequentially consistent load orders it (sva.c, "ASID
 * moves").
 */
static inline void drv_domain_asids(struct vsmmu_drv_domain *d, uint16_t *cur,
				    uint16_t *old)
{
	uint32_t v = atomic_load(&d->asids);

	*cur = (uint16_t)v;
	*old = (uint16_t)(v >> 16);
}

/* One VM's slice of one SMMU (vm.c). */
struct vsmmu_drv_vm {
	struct drv_obj obj; /* first */
	struct vsmmu_drv *drv;
	struct vsmmu_drv_domain *parent; /* possibly another driver's */
	struct vsmmu_drv_vm *parent_next; /* in parent->vms */
	uint16_t vmid;
	_Atomic unsigned int users; /* nested domains */
};

struct pasid_ent {
	uint32_t ssid;
	struct vsmmu_drv_domain *dom;
};

struct vsmmu_drv_master {
	struct drv_obj obj; /* first */
	struct vsmmu_drv *drv;
	uint32_t *sids;
	unsigned int nsids;
	unsigned int ssid_bits;
	pthread_mutex_t lock;
	struct vsmmu_drv_domain *dom;
	struct pasid_ent *pasids;
	unsigned int npasids;
	/* CD table: linear, or two-level with 64K leaves (S1Fmt 2) */
	uint64_t cdtab, cdtab_size;
	bool cd_2lvl;
	uint64_t *cd_l2;
	unsigned int cd_l1_ents;
	_Atomic bool ats; /* the endpoint uses ATS: EATS = 0b01 */
	bool stall; /* the endpoint tolerates stalls: SVA CDs get S */
	/* Guest CDs at PASIDs: the (linear) table's IPA in the VM's stage 2,
	 * the VM it is mapped for, its SSID bits (0: not exposed) */
	uint64_t cd_ipa;
	struct vsmmu_drv_vm *cd_vm;
	unsigned int cd_gbits;
};

/* master.c.  The master holding @sid (under drv->obj_lock), or NULL. */
struct vsmmu_drv_master *drv_find_master(struct vsmmu_drv *drv, uint32_t sid);
/* Write @m's CD of @ssid hitlessly (CFGI_CD + CMD_SYNC syncs). */
int drv_write_cd(struct vsmmu_drv_master *m, uint32_t ssid, const uint64_t *cd);
/*
 * PASIDs, with drv->asid_lock and m->lock held: the domain of @ssid (NULL:
 * none; its index in m->pasids in *@pos); whether @ssid may be bound now
 * (0, -EINVAL: the main domain is neither stage 1 nor bypass, -EBUSY);
 * and install @dom with the CD @cd (NULL @dom: remove).
 */
struct vsmmu_drv_domain *drv_pasid_get(struct vsmmu_drv_master *m,
				       uint32_t ssid, unsigned int *pos);
int drv_pasid_check(struct vsmmu_drv_master *m, uint32_t ssid);
int drv_pasid_set(struct vsmmu_drv_master *m, uint32_t ssid,
		  struct vsmmu_drv_domain *dom, const uint64_t *cd);

/*
 * An I/O page fault of (@sid, @ssid) at @addr for @access (VSMMU_MM_*):
 * resolved against the process bound there.  Return: 0 (the page is
 * there now), 1 (not an SVA PASID: someone else's fault), -errno
 * (refused).
 */
int drv_sva_iopf(struct vsmmu_drv *drv, uint32_t sid, bool ssv, uint32_t ssid,
		 uint64_t addr, unsigned int access);

/* Move the stage-1 domain @d to a new ASID and free the old one, as a
 * BTM bind would (for the tests of moves under load). */
int drv_domain_move_asid(struct vsmmu_drv_domain *d);

void drv_obj_add(struct vsmmu_drv *drv, struct drv_obj *o, int kind);
void drv_obj_del(struct vsmmu_drv *drv, struct drv_obj *o);
void drv_master_destroy_all(struct vsmmu_drv *drv);
void drv_vm_destroy_all(struct vsmmu_drv *drv);
void drv_domain_destroy_all(struct vsmmu_drv *drv);
/* Register / unregister @vm with its parent (domain.c, under its lock). */
void drv_domain_add_vm(struct vsmmu_drv_domain *parent,
		       struct vsmmu_drv_vm *vm);
void drv_domain_del_vm(struct vsmmu_drv_domain *parent,
		       struct vsmmu_drv_vm *vm);
/* ATC invalidation (domain.c): CMD_ATC_INV for every StreamID of @m into
 * @b over [@start, @end) (@end 0: all); and for every ATS master using @d,
 * then CMD_SYNC. */
int drv_atc_inv_add(struct vsmmu_drv_master *m, struct vsmmu_drv_batch *b,
		    bool ssv, uint32_t ssid, uint64_t start, uint64_t end);
int drv_atc_inv_domain(struct vsmmu_drv_domain *d, uint64_t start,
		       uint64_t end);
/* TLBI_NH_VA over [@start, @end) of @asid, as an unmap of @d would (@end
 * 0: TLBI_NH_ASID), then CMD_SYNC. */
int drv_tlbi_asid(struct vsmmu_drv_domain *d, uint16_t asid, uint64_t start,
		  uint64_t end);

/* --- The driver ----------------------------------------------------------- */

struct vsmmu_drv {
	struct vsmmu_drv_config cfg;
	struct vsmmu_drv_features feat;
	struct vsmmu_mem *mem;
	struct drv_mmio regs; /* the SMMU's registers */
	uint32_t idr[6];
	uint64_t instance; /* unique per created driver (queue.c) */

	/* Stream table (strtab.c) */
	uint64_t strtab; /* linear table, or level 1 */
	uint64_t strtab_size;
	unsigned int l1_ents; /* two-level: L1 descriptors */
	uint64_t *l2; /* two-level: PA of each L2 table (0: none) */
	pthread_mutex_t st_lock; /* L2 allocation */

	struct drv_queue cmdq; /* the main command queue */
	bool cmdq_own; /* its memory from the pool */
	_Atomic unsigned int next_thread_index; /* queue.c */

	/* The implementation found at probe (NULL: plain SMMUv3) */
	const struct drv_impl_ops *impl;
	void *impl_priv;

	uint64_t evtq_base;
	unsigned int evtq_shift;
	pthread_mutex_t evtq_lock;

	uint64_t priq_base; /* 0: no PRI queue */
	unsigned int priq_shift;
	pthread_mutex_t priq_lock;
	/* PRGs with a failed request, awaiting their Last (priq.c) */
	struct drv_prg {
		uint32_t sid;
		uint16_t prgi;
		bool used;
	} prg_failed[64];

	pthread_mutex_t err_lock; /* command-queue error recovery */
	_Atomic bool gerror_pending, evtq_pending, priq_pending, impl_pending;

	bool enabled;
	uint32_t cr0;

	struct ida asids, vmids;
	/*
	 * The ASID lock (sva.c): held by every writer of a stage-1 CD
	 * (attach, attach_pasid, master destroy, SVA bind/unbind), every
	 * ASID move, and every allocation and free of an ASID.  Order:
	 * asid_lock, then a master's lock, then an SVA domain's lock.
	 */
	pthread_mutex_t asid_lock;
	struct vsmmu_drv_domain *sva_doms; /* SVA domains, under asid_lock */
	bool btm; /* CR2.PTM = 0: SVA shares the CPUs' ASIDs */
	/*
	 * Tests only (tests/test_driver_sva.c): move ASIDs the way seed 002
	 * does (the new ASID alone is published before the CDs change), and
	 * a hook called between two CD rewrites of a move.
	 */
	bool asid_move_seed;
	void (*asid_move_hook)(void *arg, unsigned int done);
	void *asid_move_hook_arg;

	/* Live masters, domains and VMs, freed on destroy */
	struct drv_obj *objs;
	pthread_mutex_t obj_lock;

	struct {
		_Atomic uint64_t other, events, overflows, ste_writes,
			cd_writes, tlbi_range, flushes, mem_errors, pprs,
			pri_resps, priq_overflows, atc_inv, timeouts,
			asid_moves, sva_invs, iopf_ok, iopf_fail;
	} st;
};

#endif /* VSMMU_LIB_DRIVER_DRV_H */
