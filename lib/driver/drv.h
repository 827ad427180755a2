/* SPDX-License-Identifier: MIT */
/*
 * Host driver internals, shared by the lib/driver sources and the driver's unit
 * tests (the hitless writer and the queue protocol are tested directly).
 */
#ifndef VSMMU_LIB_DRIVER_DRV_H
#define VSMMU_LIB_DRIVER_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/arch.h>
#include <vsmmu/decode.h>
#include <vsmmu/driver.h>
#include <vsmmu/pgtable.h>

/* --- The hitless entry writer (STE and CD) ------------------------------- */

#define DRV_ENTRY_QWORDS 8

struct drv_entry_writer;

struct drv_entry_writer_ops {
	/* The rules of <vsmmu/entry.h> (vsmmu_ste_used...). */
	void (*get_used)(const uint64_t *entry, uint64_t *used);
	void (*get_update_safe)(const uint64_t *cur, const uint64_t *target,
				uint64_t *safe);
	/* Make the SMMU see the entry as it is now (CFGI + CMD_SYNC). */
	int (*sync)(struct drv_entry_writer *w);
};

struct drv_entry_writer {
	const struct drv_entry_writer_ops *ops;
	struct vsmmu_mem *mem;
	uint64_t pa; /* where the live entry is */
	void *ctx; /* for ops->sync */
	int err; /* first error of a sync or a memory access */
};

/*
 * Replace the live entry at w->pa by @target so that every intermediate
 * state the SMMU can observe is the old or the new configuration (or, when
 * that is impossible, V = 0).  Return: number of syncs, or -errno.
 */
int drv_write_entry(struct drv_entry_writer *w, const uint64_t *target);


/* STE and CD builders (words in CPU order; memory is little-endian). */
void drv_make_abort_ste(uint64_t *ste);
void drv_make_bypass_ste(uint64_t *ste);
void drv_make_s1_ste(uint64_t *ste, uint64_t cdtab, unsigned int s1fmt,
		     unsigned int s1cdmax, unsigned int s1dss);
void drv_make_s2_ste(uint64_t *ste, uint16_t vmid,
		     const struct vsmmu_pgtable_info *pi);
void drv_make_s1_cd(uint64_t *cd, uint16_t asid,
		    const struct vsmmu_pgtable_info *pi);

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

/* --- The driver ----------------------------------------------------------- */

struct drv_ids {
	pthread_mutex_t lock;
	uint64_t *bits;
	unsigned int n; /* ids 0..n-1; 0 is never handed out */
	unsigned int next;
};

int drv_ids_init(struct drv_ids *ids, unsigned int bits);
void drv_ids_fini(struct drv_ids *ids);
int drv_ids_alloc(struct drv_ids *ids); /* >= 1, or -ENOSPC */
void drv_ids_free(struct drv_ids *ids, unsigned int id);

/*
 * A command queue as the router sees it: the main queue or one LVCMDQ of
 * the driver's VINTF.  A batch is bound to one (vsmmu_drv_batch.queue).
 */
struct drv_qref {
	struct drv_cmdq *q;
	const struct drv_cmdq_backend *be;
	bool guest_only; /* on a guest-owned VINTF: invalidations only */
	int lidx; /* -1: the main queue */
};

/* --- CMDQV (cmdqv.c) ------------------------------------------------------ */

struct drv_vcmdq {
	struct drv_qref ref;
	struct drv_cmdq q;
	struct drv_cmdq_backend be;
	struct vsmmu_drv *drv;
	unsigned int lidx; /* within the VINTF */
	unsigned int idx; /* global VCMDQ index (CMDQ_ALLOC) */
	uint64_t page0, page1; /* register offsets of its logical pages */
	bool allocated; /* CMDQ_ALLOC written (host) */
	_Atomic bool enabled; /* VCMDQ_CONFIG.EN acknowledged */
	uint32_t abt_cons; /* recovery state, under drv->err_lock */
	unsigned int abt_count;
	struct {
		_Atomic uint64_t cmds, syncs, prod_writes, ill, abt, atc,
			timeouts, mem_errors;
	} st;
};

struct drv_cmdqv {
	unsigned int num_vintfs, num_vcmdqs, per_vintf; /* CMDQV_PARAM */
	unsigned int sid_per_vm_log2, version;
	unsigned int nq; /* LVCMDQs of the VINTF the driver uses */
	bool hyp_own; /* VINTF_CONFIG.HYP_OWN as read back */
	bool hw_on; /* CMDQV_EN written by us */
	_Atomic bool enabled; /* VINTF0 and its queues up: route to them */
	_Atomic bool bypass; /* vsmmu_drv_cmdqv_set_bypass() */
	struct drv_vcmdq *vq; /* [nq] */
};

int drv_cmdqv_create(struct vsmmu_drv *drv);
void drv_cmdqv_destroy(struct vsmmu_drv *drv);
int drv_cmdqv_enable(struct vsmmu_drv *drv);
void drv_cmdqv_disable(struct vsmmu_drv *drv);
int drv_cmdqv_handle_errors(struct vsmmu_drv *drv);
/* The queue for a command with @opcode issued by the calling thread. */
const struct drv_qref *drv_select_queue(struct vsmmu_drv *drv,
					unsigned int opcode);
bool drv_queue_supports(const struct drv_qref *r, unsigned int opcode);
/* Error recovery of one halted queue (core.c), under drv->err_lock. */
void drv_cmdq_recover(struct vsmmu_drv *drv, struct drv_cmdq *q,
		      const char *qname, uint32_t cons, uint32_t *abt_cons,
		      unsigned int *abt_count, _Atomic uint64_t *st_ill,
		      _Atomic uint64_t *st_abt, _Atomic uint64_t *st_atc);

struct vsmmu_drv {
	struct vsmmu_drv_config cfg;
	struct vsmmu_drv_features feat;
	struct vsmmu_mem *mem;
	uint32_t idr[6];

	/* Stream table */
	uint64_t strtab; /* linear table, or level 1 */
	uint64_t strtab_size;
	unsigned int l1_ents; /* two-level: L1 descriptors */
	uint64_t *l2; /* two-level: PA of each L2 table (0: none) */
	pthread_mutex_t st_lock; /* L2 allocation, master table */

	struct drv_cmdq cmdq;
	struct drv_cmdq_backend be;
	struct drv_qref main_ref; /* {&cmdq, &be} */
	bool cmdq_own; /* cmdq memory from the pool */
	struct drv_cmdqv *cmdqv; /* NULL: no CMDQV (cfg.cmdqv_ops NULL) */

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
	uint32_t abt_cons; /* CONS of the last CERROR_ABT */
	unsigned int abt_count; /* consecutive ABTs at abt_cons */
	_Atomic bool gerror_pending, evtq_pending, priq_pending, cmdqv_pending;

	bool enabled;
	uint32_t cr0;

	struct drv_ids asids, vmids;

	/* Live masters and domains, freed on destroy */
	struct drv_obj *objs;
	pthread_mutex_t obj_lock;

	struct {
		_Atomic uint64_t cmds, syncs, prod_writes, ill, abt, atc, other,
			timeouts, events, overflows, ste_writes, cd_writes,
			tlbi_range, flushes, mem_errors, pprs, pri_resps,
			priq_overflows, atc_inv;
	} st;
};

/* Objects the driver frees on destroy. */
struct drv_obj {
	struct drv_obj *next, *prev;
	int kind; /* 0: master, 1: domain */
};

/* Append the decoded non-zero fields of @words (@kind) to the string @buf
 * of @cap bytes; @skip_id_sid leaves out ID and SID (already in the line). */
void drv_decode_into(enum vsmmu_decode_kind kind, const uint64_t *words,
		     size_t n, char *buf, size_t cap, bool skip_id_sid);
void drv_log(struct vsmmu_drv *drv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int drv_read32(struct vsmmu_drv *drv, uint64_t off, uint32_t *val);
int drv_write32(struct vsmmu_drv *drv, uint64_t off, uint32_t val);
int drv_write64(struct vsmmu_drv *drv, uint64_t off, uint64_t val);
int drv_handle_gerror(struct vsmmu_drv *drv);
int drv_mem_write_entry(struct vsmmu_drv *drv, uint64_t pa,
			const uint64_t *words, unsigned int n);
uint64_t drv_ste_pa(struct vsmmu_drv *drv, uint32_t sid);
int drv_ensure_l2(struct vsmmu_drv *drv, uint32_t sid);
void drv_obj_add(struct vsmmu_drv *drv, struct drv_obj *o, int kind);
void drv_obj_del(struct vsmmu_drv *drv, struct drv_obj *o);
void drv_master_destroy_all(struct vsmmu_drv *drv);

#endif /* VSMMU_LIB_DRIVER_DRV_H */
