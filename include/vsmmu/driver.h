/* SPDX-License-Identifier: MIT */
/*
 * The host driver: programs an SMMUv3 the way Linux's arm-smmu-v3 driver
 * does, through nothing but register accesses and memory.
 *
 * The driver reaches the SMMU only through a struct vsmmu_drv_mmio_ops (a
 * read and a write of a register at an offset), so the same driver runs
 * against the vsmmu hardware model (vsmmu_drv_smmu_mmio_ops) or against a
 * virtual SMMU that traps accesses.  Its in-memory structures (stream
 * table, CD tables, queues, page tables) come from a struct
 * vsmmu_mem_pool in the memory the SMMU reads.  docs/driver.md describes
 * the design: the probe, the enable sequence, the lock-free command queue,
 * the hitless STE/CD writer, domains and invalidation.
 *
 * Objects:
 *  - struct vsmmu_drv: one SMMU instance (probe, enable, command queue,
 *    event queue, allocators).
 *  - struct vsmmu_drv_master: one device, a list of StreamIDs sharing one
 *    STE configuration and (for stage 1) one CD table.
 *  - struct vsmmu_drv_domain: an address space: bypass, abort, stage 1
 *    (ASID + page table) or stage 2 (VMID + page table), attached to any
 *    number of masters.
 *
 * Thread safety (each function says more):
 *  - Command submission (vsmmu_drv_cmdq_issue, batches, syncs) is
 *    lock-free and may be called from any number of threads at once.
 *  - Map and unmap of one domain are serialised by the domain; different
 *    domains are independent.  Attach/detach of one master are serialised
 *    by the master.
 *  - vsmmu_drv_irq() may be called from the model's interrupt callback in
 *    any thread; it only records what happened.
 *  - Create, enable, disable and destroy must not race with anything.
 *
 * Errors are negative errno values.  Every wait for the SMMU is bounded
 * (vsmmu_drv_config.timeout_ns): a wait that runs out returns -ETIMEDOUT.
 */
#ifndef VSMMU_DRIVER_H
#define VSMMU_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/mem.h>
#include <vsmmu/pgtable.h> /* VSMMU_PROT_* for vsmmu_drv_map() */
#include <vsmmu/smmu.h>
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vsmmu_drv;
struct vsmmu_drv_master;
struct vsmmu_drv_domain;
struct vsmmu_drv_vm;
struct vsmmu_drv_vintf;

/* --- Register access ----------------------------------------------------- */

/*
 * How the driver reaches the SMMU's registers.  @size is 4 or 8; @offset
 * is from the SMMU base (page 1 registers at 0x10000 + ...).  Return 0 or
 * -errno; the driver treats a failed access as a broken SMMU.
 */
struct vsmmu_drv_mmio_ops {
	int (*read)(void *ctx, uint64_t offset, unsigned int size,
		    uint64_t *val);
	int (*write)(void *ctx, uint64_t offset, unsigned int size,
		     uint64_t val);
};

/*
 * Ops that bind the driver to the hardware model: use with
 * ctx = a struct vsmmu_smmu *.  They call vsmmu_smmu_mmio_read/write.
 */
VSMMU_API extern const struct vsmmu_drv_mmio_ops vsmmu_drv_smmu_mmio_ops;

/*
 * Ops that bind vsmmu_drv_config.cmdqv_ops to the model's CMDQV register
 * block (vsmmu_smmu_cmdqv_mmio_read/write), ctx = a struct vsmmu_smmu *.
 * A driver running in a guest gets ops from its VMM instead, which trap
 * the guest's view (see vsmmu_smmu_cmdqv_mmio_read()).
 */
VSMMU_API extern const struct vsmmu_drv_mmio_ops vsmmu_drv_cmdqv_mmio_ops;

/* --- Configuration and probe --------------------------------------------- */

/* One decoded event record, handed to vsmmu_drv_config.event_fn. */
struct vsmmu_drv_event {
	uint64_t raw[4]; /* the record as the SMMU wrote it */
	unsigned int id; /* EVTQ_0_ID */
	const char *name; /* "F_TRANSLATION"... or "UNKNOWN" */
	uint32_t sid;
	uint32_t ssid;
	bool ssv;
	uint64_t addr; /* InputAddr (dword 2) */
	char msg[512]; /* one line: name, SID, then every decoded field */
};

typedef void vsmmu_drv_event_fn(void *arg, const struct vsmmu_drv_event *evt);
/*
 * Offered a stalled transaction (Stall = 1) that is not on an SVA PASID,
 * before the driver would abort it (Linux's iommu_report_device_fault()
 * to the domain's fault handler, e.g. an iommufd FAULT queue).  Return
 * true to take it: the taker answers it later with CMD_RESUME and a
 * CMD_SYNC (vsmmu_drv_cmdq_issue()), and the event goes to no one else;
 * false: the driver aborts it and hands the event to event_fn.
 */
typedef bool vsmmu_drv_stall_fn(void *arg, const struct vsmmu_drv_event *evt);
typedef void vsmmu_drv_log_fn(void *arg, const char *msg);

/*
 * Called by command-queue error recovery before it repairs the queue, with
 * the CONS.ERR value (CMDQ_ERR_CERROR_*_IDX), the CONS index and the
 * command at it (zeros if it cannot be read).  For tests and diagnostics.
 */
typedef void vsmmu_drv_cmdq_err_fn(void *arg, unsigned int err, uint32_t cons,
				   const uint64_t cmd[2]);

/* One PRI Page Request read from the PRI queue. */
struct vsmmu_drv_ppr {
	uint32_t sid;
	uint32_t ssid; /* meaningful when ssv */
	bool ssv;
	uint64_t addr; /* page address */
	unsigned int perm; /* VSMMU_PRI_READ|WRITE|EXEC|PRIV */
	unsigned int prgi;
	bool last;
};

/*
 * The page-request handler: make the page present (e.g. vsmmu_drv_map)
 * and return 0, or return -errno if it cannot be.  When the group's Last
 * request has been handled the driver answers the group with CMD_PRI_RESP:
 * Success if every request of the group returned 0, else InvalidRequest.
 * Or return VSMMU_DRV_PRI_DEFER for the Last request: the handler took
 * the group and answers it later with vsmmu_drv_pri_respond() (what
 * iommufd's FAULT queues do: vsmmu_iommufd_host_ppr()).
 * Called from vsmmu_drv_priq_drain(), one request at a time.
 */
typedef int vsmmu_drv_pri_fn(void *arg, const struct vsmmu_drv_ppr *req);

#define VSMMU_DRV_PRI_DEFER 1

struct vsmmu_drv_config {
	const struct vsmmu_drv_mmio_ops *ops; /* required */
	void *ops_ctx;
	struct vsmmu_mem_pool *pool; /* required: tables and queues */
	unsigned int cmdq_shift; /* log2 entries; 0: min(IDR1.CMDQS, 10) */
	unsigned int evtq_shift; /* log2 entries; 0: min(IDR1.EVTQS, 7) */
	unsigned int max_sid_bits; /* cap the stream table; 0: 16 */
	/*
	 * Place the command queue at this physical address instead of the
	 * pool (0: the pool).  It must be aligned to the queue's size.  For
	 * tests that need queue memory the SMMU cannot fetch (CERROR_ABT).
	 */
	uint64_t cmdq_base;
	uint64_t timeout_ns; /* bound of every wait; 0: 1 s */
	bool no_msi; /* complete CMD_SYNC by polling CONS even with MSI */
	bool bypass_when_disabled; /* GBPA.ABORT = 0 (default: abort) */
	vsmmu_drv_event_fn *event_fn; /* drained events; may be NULL */
	void *event_arg;
	vsmmu_drv_stall_fn *stall_fn; /* NULL: such stalls are aborted */
	void *stall_arg;
	vsmmu_drv_log_fn *log_fn; /* driver messages; NULL: stderr */
	void *log_arg;
	vsmmu_drv_cmdq_err_fn *cmdq_err_fn; /* may be NULL */
	void *cmdq_err_arg;
	/* PRI (IDR0.PRI): the PRI queue is allocated and enabled only with
	 * a page-request handler (without one PRIQEN stays 0 and the SMMU
	 * itself answers every request with Response Failure). */
	unsigned int priq_shift; /* log2 entries; 0: min(IDR1.PRIQS, 7) */
	vsmmu_drv_pri_fn *pri_fn;
	void *pri_arg;
	/*
	 * NVIDIA Tegra241 CMDQ-Virtualization (docs/driver.md, "CMDQV"):
	 * the CMDQV register block, reached only through these ops (offsets
	 * from the CMDQV base); NULL: no CMDQV, every command goes to the
	 * main queue.  The driver takes VINTF0: as the host (HYP_OWN reads
	 * back 1) every command may use its LVCMDQs; as a guest (HYP_OWN
	 * reads back 0) only the invalidations a guest VINTF accepts do.
	 */
	const struct vsmmu_drv_mmio_ops *cmdqv_ops;
	void *cmdqv_ctx;
	/* LVCMDQs to use; 0: one per online CPU, at most the VINTF's
	 * share (NUM_VCMDQ / NUM_VINTF), as Linux */
	unsigned int cmdqv_nqueues;
	/*
	 * Shared virtual addressing (vsmmu_drv_sva_bind(), docs/sva.md):
	 * with @sva the PRI queue is enabled even without pri_fn, and the
	 * page requests and stalled faults of SVA PASIDs are resolved
	 * against their process (other requests still go to pri_fn, stalls
	 * elsewhere to stall_fn or are aborted).  With @btm as well, on an SMMU with
	 * IDR0.BTM, the SMMU takes part in the CPUs' broadcast TLB
	 * maintenance (CR2.PTM = 0): an SVA CD carries its process's pinned
	 * CPU ASID in the shared set (ASET = 0), and the CPUs' own TLBIs
	 * keep the SMMU's TLB coherent.  The CPUs must then broadcast in the
	 * regime of the driver's stage-1 STEs: NS-EL1 with VMID 0.
	 */
	bool sva;
	bool btm;
	/*
	 * For demonstrations only: move a stage-1 domain's ASID the way seed
	 * 002 does (the new ASID published alone, so an unmap racing with
	 * the move invalidates only one of the two ASIDs its CDs use: the
	 * window docs/sva.md describes).  Never set it otherwise.
	 */
	bool asid_move_seed;
};

/* What the IDRs advertise, as the driver understood them. */
struct vsmmu_drv_features {
	bool s1, s2; /* stages (IDR0.S1P, S2P) */
	bool st_2lvl, cd_2lvl; /* IDR0.ST_LEVEL, CD2L */
	bool msi, sev, ats, pri, hyp, btm, coherent;
	bool ril; /* IDR3.RIL: range invalidation */
	unsigned int httu; /* IDR0.HTTU */
	unsigned int asid_bits, vmid_bits; /* 8 or 16 */
	unsigned int sid_bits, ssid_bits; /* IDR1.SIDSIZE, SSIDSIZE */
	unsigned int cmdq_max_shift, evtq_max_shift; /* IDR1.CMDQS, EVTQS */
	unsigned int oas; /* IDR5.OAS in bits */
	uint64_t pgsize_bitmap; /* 4K|2M|1G, 16K|32M, 64K|512M as supported */
	/* What the driver chose */
	bool st_is_2lvl; /* two-level stream table (SPLIT 8) */
	unsigned int st_log2size; /* STRTAB_BASE_CFG.LOG2SIZE */
	unsigned int cmdq_shift, evtq_shift;
	bool sync_msi; /* CMD_SYNC completes by MSI write-back */
	unsigned int stall_model; /* IDR0.STALL_MODEL */
	bool btm_used; /* CR2.PTM = 0 (config btm with IDR0.BTM) */
};

/**
 * vsmmu_drv_create() - probe the SMMU and allocate the driver's memory.
 *
 * Reads the IDRs, checks the SMMU is usable (AArch64 tables, at least one
 * stage and one granule the page-table library handles, a little-endian
 * table format), allocates the stream table (two-level with SPLIT 8 when
 * the StreamID space is wider than 8 bits and the SMMU supports it, else
 * linear; every STE starts as abort), the command and event queues.  The
 * SMMU is not touched beyond reading its IDRs: call vsmmu_drv_enable().
 * Not thread-safe.  Return: 0, -EINVAL (@cfg), -ENODEV (unusable SMMU),
 * -ENOMEM, or an MMIO error.
 */
VSMMU_API int vsmmu_drv_create(const struct vsmmu_drv_config *cfg,
			       struct vsmmu_drv **out);

/**
 * vsmmu_drv_destroy() - disable the SMMU (if enabled) and free everything.
 * Masters and domains still alive are freed too.  NULL is a no-op.
 * Not thread-safe.
 */
VSMMU_API void vsmmu_drv_destroy(struct vsmmu_drv *drv);

/** vsmmu_drv_get_features() - the probed features.  Thread-safe. */
VSMMU_API const struct vsmmu_drv_features *
vsmmu_drv_get_features(const struct vsmmu_drv *drv);

/**
 * vsmmu_drv_enable() - reset and enable the SMMU, as Linux does:
 * disable it (CR0 = 0, polled in CR0ACK), GBPA, CR1/CR2, the stream table
 * base and configuration, the command queue (CMDQEN), invalidate every
 * cache (CFGI_ALL, TLBI_NSNH_ALL, CMD_SYNC), the event queue (EVTQEN),
 * interrupts (IRQ_CTRL, polled in IRQ_CTRLACK), and SMMUEN.  Each CR0
 * update is acknowledged through CR0ACK within the timeout.
 * Not thread-safe.  Return: 0, -ETIMEDOUT, an MMIO error.
 */
VSMMU_API int vsmmu_drv_enable(struct vsmmu_drv *drv);

/**
 * vsmmu_drv_disable() - clear CR0 (SMMUEN and the queues), wait for
 * CR0ACK, and leave GBPA aborting incoming traffic (unless
 * bypass_when_disabled).  Not thread-safe.  Return: 0, -ETIMEDOUT.
 */
VSMMU_API int vsmmu_drv_disable(struct vsmmu_drv *drv);

/**
 * vsmmu_drv_irq() - the interrupt handler; matches vsmmu_irq_fn so it can
 * be passed to vsmmu_smmu_set_irq_handler(smmu, vsmmu_drv_irq, drv).
 * It never touches the SMMU (the model forbids calling back): it records
 * that GERROR or the event queue needs attention; the work is done by
 * vsmmu_drv_process() and by threads waiting for a CMD_SYNC.  Thread-safe.
 * The driver must not be destroyed while a call may still be running:
 * unregister it, and make sure the caller's interrupt source is quiet,
 * first.  Without interrupts the driver polls GERROR while it waits.
 */
VSMMU_API void vsmmu_drv_irq(void *drv, enum vsmmu_irq irq);

/**
 * vsmmu_drv_process() - the "threaded interrupt": handle any active
 * global error (command-queue error recovery, logging the others) and
 * drain the event queue.  Thread-safe.  Return: events drained (>= 0),
 * or -errno.
 */
VSMMU_API int vsmmu_drv_process(struct vsmmu_drv *drv);

/* --- Commands ------------------------------------------------------------ */

/*
 * A command in a form that is independent of its encoding, like Linux's
 * struct arm_smmu_cmdq_ent.  Only the fields the opcode has are used.
 */
struct vsmmu_drv_cmd {
	unsigned int opcode; /* CMDQ_OP_* from <vsmmu/arch.h> */
	uint32_t sid;
	uint32_t ssid;
	bool ssv;
	bool leaf; /* CFGI_STE / CFGI_CD / TLBI: LEAF */
	unsigned int range; /* CFGI_STE_RANGE: RANGE (31: all) */
	uint16_t vmid, asid;
	uint64_t addr; /* TLBI: VA / IPA; ATC_INV: address */
	unsigned int tg, ttl, num, scale; /* TLBI range form (RIL) */
	unsigned int size; /* ATC_INV: SIZE */
	bool global; /* ATC_INV: Global */
	unsigned int resp; /* PRI_RESP / RESUME: RESP */
	unsigned int grpid; /* PRI_RESP */
	uint16_t stag; /* RESUME */
};

/**
 * vsmmu_drv_cmd_build() - encode @cmd into the 16-byte command @out.
 * CMD_SYNC is built by the queue itself (use vsmmu_drv_cmdq_sync()).
 * Pure, thread-safe.  Return: 0, -EINVAL for an unknown opcode or a field
 * that does not fit.
 */
VSMMU_API int vsmmu_drv_cmd_build(const struct vsmmu_drv_cmd *cmd,
				  uint64_t out[2]);

/**
 * vsmmu_drv_cmdq_issue() - insert @n encoded commands (@cmds[i][0..1]),
 * followed by a CMD_SYNC if @sync, and return once the SMMU has consumed
 * the sync (never waits if !@sync).  With a CMDQV the commands go to the
 * calling thread's LVCMDQ; where a command does not fit the queue the
 * previous ones went to (a guest VINTF takes only invalidations), the
 * list is split: the part before it is completed by a CMD_SYNC on its own
 * queue, and the rest continues on the queue that takes the command.  Commands are not checked: an illegal
 * one makes the SMMU stop with CERROR_ILL, which the driver recovers from
 * (the command is replaced by a CMD_SYNC and logged).  Lock-free
 * multi-producer; see docs/driver.md.  Thread-safe.
 * Return: 0, -EINVAL (@n too large for the queue), -ETIMEDOUT (the SMMU did
 * not make room or complete the sync in time), -EIO (the queue is dead:
 * its memory could not be fetched even after retries).
 */
VSMMU_API int vsmmu_drv_cmdq_issue(struct vsmmu_drv *drv,
				   const uint64_t (*cmds)[2], unsigned int n,
				   bool sync);

/**
 * vsmmu_drv_cmdq_sync() - issue a CMD_SYNC and wait for it.  With a CMDQV
 * in use: on the calling thread's LVCMDQ, then on the main queue, so that
 * whatever this thread issued without a sync, on either, is complete.
 * Thread-safe.
 */
VSMMU_API int vsmmu_drv_cmdq_sync(struct vsmmu_drv *drv);

#define VSMMU_DRV_BATCH_MAX 64

/*
 * A batch collects commands and submits them together (one queue
 * reservation, one CMDQ_PROD write).  Owned by one thread; on the stack.
 */
struct vsmmu_drv_batch {
	unsigned int num;
	int err; /* first error of an implicit submission when full */
	uint64_t cmds[VSMMU_DRV_BATCH_MAX][2];
	/*
	 * Driver-internal routing (CMDQV): the queue the batch is bound to
	 * (NULL: none yet) and whether commands already went to it without
	 * a CMD_SYNC (a full batch).  Set by vsmmu_drv_batch_init().
	 */
	const void *queue;
	bool pending;
};

/** vsmmu_drv_batch_init() - empty @b. */
VSMMU_API void vsmmu_drv_batch_init(struct vsmmu_drv_batch *b);

/**
 * vsmmu_drv_batch_add() - build @cmd and append it; a full batch is first
 * submitted without a sync.  Return: 0, -EINVAL (bad command), or the
 * error of that submission.
 */
VSMMU_API int vsmmu_drv_batch_add(struct vsmmu_drv *drv,
				  struct vsmmu_drv_batch *b,
				  const struct vsmmu_drv_cmd *cmd);

/*
 * Routing with a CMDQV (docs/driver.md): the first command binds the batch
 * to the calling thread's LVCMDQ, or to the main queue if that queue does
 * not accept it.  Each later command is checked against the bound queue:
 * one that does not fit ends the part before it, which is submitted with
 * a CMD_SYNC on its own queue (and waited for) before the batch is bound
 * again for the new command.  A full batch is submitted without a sync
 * and stays bound, so its final CMD_SYNC completes it.
 */

/** vsmmu_drv_batch_add_raw() - append an already encoded command. */
VSMMU_API int vsmmu_drv_batch_add_raw(struct vsmmu_drv *drv,
				      struct vsmmu_drv_batch *b,
				      const uint64_t cmd[2]);

/**
 * vsmmu_drv_batch_submit() - submit what @b holds, with a trailing
 * CMD_SYNC (waited for) if @sync, and empty it.  Return: as
 * vsmmu_drv_cmdq_issue(), or an earlier implicit submission's error.
 */
VSMMU_API int vsmmu_drv_batch_submit(struct vsmmu_drv *drv,
				     struct vsmmu_drv_batch *b, bool sync);

/* --- Masters (devices) --------------------------------------------------- */

/**
 * vsmmu_drv_master_create() - a device with @nsids StreamIDs (@sids,
 * each < 2^sid_bits of the stream table) and SubstreamIDs of up to
 * @ssid_bits bits (0: no substreams; capped by IDR1.SSIDSIZE).  Its STEs
 * start (and stay, until attached) as abort.  For a two-level stream
 * table the level-2 tables are allocated here.  Thread-safe.
 * Return: 0, -EINVAL, -EBUSY (a StreamID already has a master), -ENOMEM.
 */
VSMMU_API int vsmmu_drv_master_create(struct vsmmu_drv *drv,
				      const uint32_t *sids, unsigned int nsids,
				      unsigned int ssid_bits,
				      struct vsmmu_drv_master **out);

/**
 * vsmmu_drv_master_destroy() - detach (STEs back to abort, invalidated)
 * and free.  NULL is a no-op.  Must not race with other calls on @m.
 */
VSMMU_API void vsmmu_drv_master_destroy(struct vsmmu_drv_master *m);

/**
 * vsmmu_drv_master_enable_ats() - let the master's endpoint use ATS
 * (IDR0.ATS): its STEs get EATS = 0b01 (full ATS) whenever they translate,
 * and every invalidation of a domain it is attached to is followed by
 * CMD_ATC_INV for it (TLBI, CMD_SYNC, ATC_INV, CMD_SYNC: 4.5.1).
 * Disabling invalidates its ATC first, then clears EATS (3.9.2); the
 * endpoint must have stopped using ATS.  Serialised per master.
 * Return: 0, -ENODEV (no ATS), -ETIMEDOUT, -EIO.
 */
VSMMU_API int vsmmu_drv_master_enable_ats(struct vsmmu_drv_master *m,
					  bool enable);

/**
 * vsmmu_drv_master_set_stall() - the endpoint tolerates stalled
 * transactions (Linux's dma-can-stall): the CDs of its SVA bonds made
 * from now on set CD.S, so that a fault on them stalls until the driver
 * resolves it (CMD_RESUME).  Serialised per master.
 * Return: 0, -EINVAL, -ENODEV (IDR0.STALL_MODEL says no stalls).
 */
VSMMU_API int vsmmu_drv_master_set_stall(struct vsmmu_drv_master *m,
					 bool stall);

/* --- Domains ------------------------------------------------------------- */

enum vsmmu_drv_domain_type {
	VSMMU_DRV_DOMAIN_BYPASS,
	VSMMU_DRV_DOMAIN_ABORT,
	VSMMU_DRV_DOMAIN_S1, /* stage 1: ASID, CD, stage-1 page table */
	VSMMU_DRV_DOMAIN_S2, /* stage 2: VMID, stage-2 page table */
	/* A guest's STE over a nest parent (vsmmu_drv_nested_alloc()) */
	VSMMU_DRV_DOMAIN_NESTED,
	/* A process's address space (vsmmu_drv_sva_bind()) */
	VSMMU_DRV_DOMAIN_SVA,
};

struct vsmmu_drv_domain_cfg {
	enum vsmmu_drv_domain_type type; /* BYPASS, ABORT, S1 or S2 */
	unsigned int granule_shift; /* 12, 14, 16; 0: the smallest supported */
	unsigned int ias; /* input address bits; 0: 48 (capped at OAS for S2) */
	/*
	 * Stage 2 only: the table may also be the stage 2 of nested
	 * translation for VMs (vsmmu_drv_vm_create()) on this SMMU and on
	 * others that share its memory.  Its unmaps invalidate every VMID
	 * that uses it, and the guests' stage-1 entries over it.
	 */
	bool nest_parent;
	/*
	 * Stage 2 only: the SMMU records dirty state in the table (HTTU
	 * with DBM, IDR0.HTTU = 2): writable pages are mapped clean and
	 * vsmmu_drv_domain_read_dirty() reports and re-arms them.
	 * -EOPNOTSUPP without HTTU dirty state.
	 */
	bool dirty_tracking;
};

/**
 * vsmmu_drv_domain_alloc() - allocate a domain.  Stage 1 takes an ASID,
 * stage 2 a VMID (from 1; 0 stays for stage-1 STEs), both build an empty
 * page table.  Thread-safe.  Return: 0, -EINVAL, -ENODEV (the stage is
 * not implemented), -ENOSPC (no ASID/VMID left), -ENOMEM.
 */
VSMMU_API int vsmmu_drv_domain_alloc(struct vsmmu_drv *drv,
				     const struct vsmmu_drv_domain_cfg *cfg,
				     struct vsmmu_drv_domain **out);

/**
 * vsmmu_drv_domain_free() - free a domain with no master attached; its
 * TLB entries are invalidated first.  Pending deferred unmaps are
 * flushed.  NULL is a no-op.  Return: 0, -EBUSY (still attached).
 */
VSMMU_API int vsmmu_drv_domain_free(struct vsmmu_drv_domain *dom);

/** vsmmu_drv_domain_asid() / _vmid() - the allocated tag (0 if none);
 * for a nested domain, its VM's VMID.  Thread-safe. */
VSMMU_API unsigned int
vsmmu_drv_domain_asid(const struct vsmmu_drv_domain *dom);
VSMMU_API unsigned int
vsmmu_drv_domain_vmid(const struct vsmmu_drv_domain *dom);

/* --- VMIDs, VMs and nested domains ------------------------------------------ */

/**
 * vsmmu_drv_vmid_alloc() - a VMID of @drv's, owned by the caller (a
 * stage-2 domain takes its own; a VM takes one per SMMU).  IDs start at 1
 * and are handed out cyclically.  Thread-safe.
 * Return: the VMID (>= 1), -ENOSPC, -EINVAL.
 */
VSMMU_API int vsmmu_drv_vmid_alloc(struct vsmmu_drv *drv);

/** vsmmu_drv_vmid_free() - give @vmid back (the caller has invalidated
 * it).  Thread-safe. */
VSMMU_API void vsmmu_drv_vmid_free(struct vsmmu_drv *drv, unsigned int vmid);

/**
 * vsmmu_drv_vm_create() - one VM's slice of @drv over the nest parent
 * @parent: a VMID of @drv's for every device of that VM behind this SMMU
 * (one guest TLBI then covers them all: the shared VMID of seed 003),
 * registered with @parent so that its unmaps invalidate this VMID too.
 * @parent may belong to another driver whose SMMU shares @drv's memory.
 * Thread-safe.  Return: 0, -EINVAL (@parent is not a nest parent, or its
 * table is in another memory), -ENOSPC (no VMID), -ENOMEM.
 */
VSMMU_API int vsmmu_drv_vm_create(struct vsmmu_drv *drv,
				  struct vsmmu_drv_domain *parent,
				  struct vsmmu_drv_vm **out);

/**
 * vsmmu_drv_vm_destroy() - invalidate everything tagged with the VM's
 * VMID (TLBI_S12_VMALL + CMD_SYNC), unregister it from its parent and free
 * the VMID.  NULL is a no-op.  Return: 0, -EBUSY (nested domains of the VM
 * still exist).
 */
VSMMU_API int vsmmu_drv_vm_destroy(struct vsmmu_drv_vm *vm);

/** vsmmu_drv_vm_vmid() - the VM's VMID on its SMMU.  Thread-safe. */
VSMMU_API unsigned int vsmmu_drv_vm_vmid(const struct vsmmu_drv_vm *vm);

/**
 * vsmmu_drv_nested_alloc() - a nested domain: the guest's STE words
 * @ste[0..1] (as the guest wrote them, CPU order) over @vm's nest parent.
 * They are checked with vsmmu_ste_nested_check() (<vsmmu/entry.h>).
 * Attached to a master with vsmmu_drv_attach(), the master's physical STE
 * becomes:
 *  - guest stage 1 (Config 0b101): the parent's stage-2 STE with the VM's
 *    VMID, Config = nested, the guest's words merged in, MEV set, and
 *    EATS = 0b01 if the guest asked for ATS and the master uses ATS;
 *  - guest bypass: the parent's plain stage-2 STE (VM's VMID);
 *  - guest abort or V = 0: an abort STE.
 * Replacing one nested domain by another (the guest rewrote its STE) is
 * hitless wherever the rules of <vsmmu/entry.h> allow.  Thread-safe.
 * Return: 0, -EIO (refused guest STE, as Linux), -EINVAL, -ENOMEM.
 */
VSMMU_API int vsmmu_drv_nested_alloc(struct vsmmu_drv_vm *vm,
				     const uint64_t *ste,
				     struct vsmmu_drv_domain **out);

/**
 * vsmmu_drv_nested_cd_alloc() - a nested domain made of one guest CD
 * (@cd[0..7]: the guest's stage-1 table at an IPA, its ASID, TCR and
 * MAIR) over @vm's stage 2: the host-owned PASID table of seed 004, which
 * Linux's SMMUv3 does not have (its nested domains carry a whole guest
 * CD table).  It is installed only at a PASID, with
 * vsmmu_drv_attach_pasid(), of a master whose own domain is a nested
 * domain of the same @vm with a guest bypass STE: the STE then becomes
 * stage 1 + stage 2 (the VM's VMID) over the host's CD table, S1DSS =
 * bypass (traffic without a PASID is the VM's stage 2), S1STALLD where
 * the SMMU could stall, and the CD at that PASID is the guest's.  The
 * guest's TLB entries are tagged with the VM's VMID and its ASIDs, so
 * its TLBIs forwarded by vsmmu_drv_vm_invalidate() reach them.
 * A CD with V = 0, AA64 = 0 or a non-zero word 4-7 is refused (-EIO);
 * the SMMU itself judges the rest (an ILLEGAL CD is C_BAD_CD for that
 * PASID only).  Thread-safe.  Return: 0, -EIO, -EINVAL, -ENOMEM.
 */
VSMMU_API int vsmmu_drv_nested_cd_alloc(struct vsmmu_drv_vm *vm,
					const uint64_t *cd,
					struct vsmmu_drv_domain **out);

/* A StreamID translation for vsmmu_drv_vm_invalidate(): 0 or -errno. */
typedef int vsmmu_drv_vsid_fn(void *arg, uint32_t vsid, uint32_t *sid);

/**
 * vsmmu_drv_vm_invalidate() - execute a guest's invalidation commands
 * (raw 16-byte SMMUv3 commands, CPU order) on behalf of @vm, as Linux's
 * arm_vsmmu_cache_invalidate does: TLBI_NH_ALL/ASID/VA/VAA have their
 * VMID replaced by the VM's; TLBI_NSNH_ALL becomes TLBI_NH_ALL of the VM's
 * VMID (dword 1 cleared); ATC_INV, CFGI_CD and CFGI_CD_ALL have their
 * (virtual) StreamID replaced through @vsid_fn (a failure is -EIO); any
 * other opcode is -EIO; and each converted command must pass
 * vsmmu_cmd_check() for this SMMU (else -EIO), so nothing a guest sends
 * can stop the host's queue.  Converted commands are issued as one batch
 * ending in one CMD_SYNC, which has completed when this returns.  On a
 * refused command the ones before it are still issued and synced.
 * *@done (may be NULL) is set to how many were handled.  Thread-safe.
 * Return: 0, -EIO, or a queue error (-ETIMEDOUT, -EIO).
 */
VSMMU_API int vsmmu_drv_vm_invalidate(struct vsmmu_drv_vm *vm,
				      const uint64_t (*cmds)[2], unsigned int n,
				      vsmmu_drv_vsid_fn *vsid_fn, void *arg,
				      unsigned int *done);

/**
 * vsmmu_drv_attach() - make @dom the translation of @m's StreamIDs (for a
 * stage-1 domain: the CD of SubstreamID 0, used also for traffic without
 * a SubstreamID).  The STE (and CD) are rewritten hitlessly where the
 * architecture allows, with CFGI + CMD_SYNC.  Attaching NULL detaches
 * (abort).  Serialised per master.  Return: 0, -EINVAL, -ETIMEDOUT.
 */
VSMMU_API int vsmmu_drv_attach(struct vsmmu_drv_master *m,
			       struct vsmmu_drv_domain *dom);

/*
 * Under nesting the SMMU fetches CDs through stage 2: S1ContextPtr is an
 * IPA.  A host-owned CD table for guest CDs must therefore be visible in
 * the VM's stage 2 -- read-only, at an IPA the VM's memory does not use
 * (the caller reserves it).  The largest such table is linear, 1024 CDs
 * (64 KiB): guest-CD PASIDs are below 2^min(ssid_bits, 10).
 */
#define VSMMU_DRV_GUEST_CD_BITS 10

/**
 * vsmmu_drv_master_set_cd_ipa() - make @m's CD table (linear, 64 <<
 * min(ssid_bits, VSMMU_DRV_GUEST_CD_BITS) bytes, at least a page) visible
 * to the VM of its nested domain at @ipa of that VM's stage 2, mapped
 * read-only, so that guest-CD domains can be installed at its PASIDs;
 * @ipa 0 unmaps it again (no guest-CD PASID may be installed).  @ipa must
 * be aligned to 64 KiB and lie in a range of the stage 2 nothing else
 * maps.  Serialised per master.  Return: 0, -EINVAL (no PASIDs, not
 * attached to a nested domain, @ipa misaligned, a CD table of another
 * shape in use), -EBUSY (exposed already; guest-CD PASIDs installed),
 * -ENOMEM, or the stage-2 map's -errno.
 */
VSMMU_API int vsmmu_drv_master_set_cd_ipa(struct vsmmu_drv_master *m,
					  uint64_t ipa);

/**
 * vsmmu_drv_attach_pasid() - install the stage-1 domain @dom for
 * SubstreamID @ssid (>= 1, < 2^ssid_bits of the master) of @m, whose main
 * domain must be stage 1 or bypass (then traffic without a SubstreamID
 * bypasses: S1DSS = bypass); or a guest-CD domain
 * (vsmmu_drv_nested_cd_alloc()) when the main domain is a guest-bypass
 * nested domain of the same VM and the CD table is exposed to it
 * (vsmmu_drv_master_set_cd_ipa(); @ssid below its size).  Installing over an installed domain
 * replaces it (the CD is rewritten hitlessly where it can be).  @dom
 * NULL removes it.  Return: 0, -EINVAL, -EBUSY (an SVA bond there),
 * -ENOMEM, -ETIMEDOUT.
 */
VSMMU_API int vsmmu_drv_attach_pasid(struct vsmmu_drv_master *m, uint32_t ssid,
				     struct vsmmu_drv_domain *dom);

/* --- Shared virtual addressing --------------------------------------------- */

struct vsmmu_mm;

/**
 * vsmmu_drv_sva_bind() - let SubstreamID @ssid of @m use the address
 * space of the process @mm (<vsmmu/cpu.h>): a CD over the process's own
 * stage-1 tables (TTB0, T0SZ, TG0, IPS and MAIR from the process; EPD1,
 * R, A, AA64; S if the master stalls).
 *
 * The first bond of a process on an SMMU creates its SVA domain, shared
 * by every later bond of that process there and freed with the last one:
 *  - with BTM in use (vsmmu_drv_config.btm), the process's CPU ASID is
 *    pinned (vsmmu_mm_pin) and used with ASET = 0; if an ordinary
 *    stage-1 domain holds that ASID, the domain first moves to a new one
 *    (every CD using it rewritten hitlessly, the old ASID invalidated,
 *    and unmaps running meanwhile invalidating both: docs/sva.md);
 *  - without, a private ASID with ASET = 1.
 * A notifier on the process (vsmmu_mm_notifier_register) then issues
 * TLBI_NH_VA / TLBI_NH_ASID for every change of its mappings (not with
 * BTM: the CPUs' broadcasts do it) and CMD_ATC_INV for ATS masters.  When
 * the process exits, its CDs stay valid with EPD0 (every access faults,
 * unrecorded) until unbound.  The master's main domain must be stage 1 or
 * bypass, as for vsmmu_drv_attach_pasid().  @out (may be NULL) receives
 * the SVA domain (vsmmu_drv_domain_asid; freed by the last unbind, not by
 * vsmmu_drv_domain_free).  Thread-safe: serialised with attach, PASID
 * attach and other binds by the driver's ASID lock.
 * Return: 0, -EINVAL, -ENODEV (no stage 1, or config sva unset), -EBUSY
 * (@ssid in use), -ENOSPC (no ASID, or too many pinned), -ENOMEM,
 * -ESRCH (the process is exiting), -ETIMEDOUT.
 */
VSMMU_API int vsmmu_drv_sva_bind(struct vsmmu_drv_master *m, uint32_t ssid,
				 struct vsmmu_mm *mm,
				 struct vsmmu_drv_domain **out);

/**
 * vsmmu_drv_sva_unbind() - end the bond of (@m, @ssid): its CD is
 * cleared, and with the last bond of the process the SVA domain goes (its
 * TLB entries and the ATCs invalidated, the notifier removed, the ASID
 * unpinned and freed).  Thread-safe as vsmmu_drv_sva_bind().
 * Return: 0, -EINVAL, -ENOENT (no SVA bond there), -ETIMEDOUT.
 */
VSMMU_API int vsmmu_drv_sva_unbind(struct vsmmu_drv_master *m, uint32_t ssid);

#define VSMMU_DRV_UNMAP_DEFERRED (1U << 0)

/**
 * vsmmu_drv_map() - map [@iova, @iova + @size) to @pa (VSMMU_PROT_*).
 * No invalidation is needed (nothing was mapped there).  Stage 1 adds
 * VSMMU_PROT_USER: device transactions are unprivileged unless marked
 * otherwise (Linux maps without IOMMU_PRIV the same way).  Serialised per
 * domain.  Return: as vsmmu_pgtable_map(), -EINVAL for bypass/abort.
 */
VSMMU_API int vsmmu_drv_map(struct vsmmu_drv_domain *dom, uint64_t iova,
			    uint64_t pa, uint64_t size, unsigned int prot);

/* Called once the unmapped range can no longer be reached by the SMMU. */
typedef void vsmmu_drv_free_fn(void *arg, uint64_t iova, uint64_t size);

/**
 * vsmmu_drv_unmap() - unmap [@iova, @iova + @size).
 *
 * Strict (flags 0): the TLB entries are invalidated (TLBI by VA/IPA
 * range: range commands with IDR3.RIL, else one per leaf, or the whole
 * ASID/VMID for a large range) and a CMD_SYNC completes before return;
 * @free_fn (may be NULL) is then called at once.
 * Deferred (VSMMU_DRV_UNMAP_DEFERRED): the range joins the domain's flush
 * queue; @free_fn is called only after a later flush (explicit, or when
 * the queue fills) has invalidated the whole ASID/VMID and synced.
 * Serialised per domain.  Return: bytes unmapped (>= 0), or -errno.
 */
VSMMU_API int64_t vsmmu_drv_unmap(struct vsmmu_drv_domain *dom, uint64_t iova,
				  uint64_t size, unsigned int flags,
				  vsmmu_drv_free_fn *free_fn, void *free_arg);

#define VSMMU_DRV_DIRTY_NO_CLEAR (1U << 0)

/**
 * vsmmu_drv_domain_read_dirty() - for a domain allocated with
 * dirty_tracking: call @fn(@arg, iova, size) for every leaf in [@iova,
 * @iova + @size) the SMMU wrote through since it was last cleared, and
 * clear them (unless VSMMU_DRV_DIRTY_NO_CLEAR), invalidating what was
 * cleared before returning, so that the next write is tracked again
 * (iommufd's GET_DIRTY_BITMAP, read-and-clear or not).  Serialised per
 * domain.  Return: dirty leaves found (>= 0), -EINVAL (no dirty tracking,
 * range), or an invalidation error.
 */
VSMMU_API int64_t vsmmu_drv_domain_read_dirty(
	struct vsmmu_drv_domain *dom, uint64_t iova, uint64_t size,
	unsigned int flags, void (*fn)(void *arg, uint64_t iova, uint64_t size),
	void *arg);

/**
 * vsmmu_drv_domain_flush() - flush the deferred unmaps of @dom: one
 * TLBI_NH_ASID (stage 1) or TLBI_S12_VMALL (stage 2) and a CMD_SYNC, then
 * every pending free_fn.  Return: 0, -ETIMEDOUT (nothing is freed then).
 */
VSMMU_API int vsmmu_drv_domain_flush(struct vsmmu_drv_domain *dom);

/* --- Events and statistics ----------------------------------------------- */

/**
 * vsmmu_drv_priq_drain() - read every PRI queue record between PRIQ_CONS
 * and PRIQ_PROD, hand each page request to the configured pri_fn, answer
 * each completed group (Last = 1) with CMD_PRI_RESP (and a CMD_SYNC), and
 * advance PRIQ_CONS.  An overflow is logged and acknowledged; groups whose
 * Last request was lost were answered by the SMMU.  Also called by
 * vsmmu_drv_process().  Thread-safe (one drainer at a time).
 * Return: records drained, -ENODEV (no PRI), -errno.
 */
VSMMU_API int vsmmu_drv_priq_drain(struct vsmmu_drv *drv);

/**
 * vsmmu_drv_pri_respond() - answer a page request group whose Last
 * request the pri_fn deferred: CMD_PRI_RESP for (@sid, @ssv/@ssid,
 * @prgi) with Success or InvalidRequest, and a CMD_SYNC.  A group the
 * SMMU answered itself (lost to a PRI queue overflow) may be answered
 * again: the endpoint ignores a response to no outstanding group.
 * Thread-safe.  Return: 0, -EINVAL (no master has @sid, @ssid or @prgi
 * out of range), or the queue's -errno.
 */
VSMMU_API int vsmmu_drv_pri_respond(struct vsmmu_drv *drv, uint32_t sid,
				    bool ssv, uint32_t ssid, unsigned int prgi,
				    bool success);

/**
 * vsmmu_drv_evtq_drain() - read every record between EVTQ_CONS and
 * EVTQ_PROD, decode it (vsmmu_decode) into a struct vsmmu_drv_event,
 * hand it to the configured event_fn, and advance EVTQ_CONS.  An overflow
 * (EVTQ_PROD.OVFLG != EVTQ_CONS.OVACKFLG) is logged and acknowledged.
 * Thread-safe (one drainer at a time).  Return: records drained, -errno.
 */
VSMMU_API int vsmmu_drv_evtq_drain(struct vsmmu_drv *drv);

struct vsmmu_drv_stats {
	uint64_t cmds; /* commands inserted (syncs included) */
	uint64_t syncs; /* CMD_SYNCs waited for */
	uint64_t prod_writes; /* CMDQ_PROD register writes */
	uint64_t cerror_ill, cerror_abt, cerror_atc_inv; /* recovered */
	uint64_t gerror_other; /* other global errors acknowledged */
	uint64_t timeouts;
	uint64_t events, evtq_overflows;
	uint64_t ste_writes, cd_writes; /* hitless writer runs */
	uint64_t tlbi_range_cmds; /* TLBI by address commands issued */
	uint64_t flushes; /* flush-queue flushes */
	uint64_t mem_errors; /* driver writes to absent memory */
	uint64_t pprs, pri_resps, priq_overflows; /* PRI */
	uint64_t atc_inv_cmds; /* CMD_ATC_INV issued */
	/* SVA: ASID moves, notifier invalidations, I/O page faults */
	uint64_t asid_moves, sva_invs, iopf_resolved, iopf_refused;
	uint32_t cmdq_prod; /* the driver's producer index (with wrap) */
};

/** vsmmu_drv_get_stats() - a snapshot of the counters.  Thread-safe. */
VSMMU_API void vsmmu_drv_get_stats(struct vsmmu_drv *drv,
				   struct vsmmu_drv_stats *st);

/* --- CMDQV --------------------------------------------------------------- */

/* What the driver found and set up (vsmmu_drv_config.cmdqv_ops). */
struct vsmmu_drv_cmdqv_info {
	bool present; /* cmdqv_ops given and CMDQV_PARAM read */
	bool enabled; /* VINTF0 and its LVCMDQs are up and used */
	bool hyp_own; /* VINTF0 HYP_OWN read back (false: guest mode) */
	unsigned int num_vintfs, num_vcmdqs; /* CMDQV_PARAM */
	unsigned int num_sid_per_vm_log2, version;
	unsigned int nqueues; /* LVCMDQs of VINTF0 the driver uses */
};

/** vsmmu_drv_cmdqv_get_info() - fill @info.  Thread-safe. */
VSMMU_API void vsmmu_drv_cmdqv_get_info(struct vsmmu_drv *drv,
					struct vsmmu_drv_cmdqv_info *info);

/* Per-queue counters: the main queue or one LVCMDQ. */
struct vsmmu_drv_queue_stats {
	uint64_t cmds; /* commands inserted, syncs included */
	uint64_t syncs; /* CMD_SYNCs waited for */
	uint64_t prod_writes;
	uint64_t cerror_ill, cerror_abt, cerror_atc_inv; /* recovered */
	uint32_t prod; /* the driver's producer index (with wrap) */
};

/**
 * vsmmu_drv_queue_get_stats() - counters of LVCMDQ @lidx of VINTF0, or of
 * the main queue for @lidx -1.  Thread-safe.  Return: 0, -ENODEV (no
 * such queue).
 */
VSMMU_API int vsmmu_drv_queue_get_stats(struct vsmmu_drv *drv, int lidx,
					struct vsmmu_drv_queue_stats *st);

/**
 * vsmmu_drv_cmdqv_set_bypass() - route every command to the main queue
 * (true) or use the LVCMDQs again (false), like Linux's bypass_vcmdq; for
 * comparisons.  Commands already issued are unaffected; a batch keeps the
 * queue it is bound to.  Thread-safe.
 */
VSMMU_API void vsmmu_drv_cmdqv_set_bypass(struct vsmmu_drv *drv, bool bypass);

/**
 * vsmmu_drv_set_thread_queue() - the calling thread's queue index for
 * @drv: it uses LVCMDQ (@idx modulo the number in use).  Without a call,
 * each thread takes the next index of @drv's own counter the first time
 * it issues a command to @drv, so threads spread over its queues; drivers
 * number threads independently (a host's and a guest's driver in one
 * process do not steer each other).  Thread-local; lock-free.
 */
VSMMU_API void vsmmu_drv_set_thread_queue(struct vsmmu_drv *drv,
					  unsigned int idx);

/**
 * vsmmu_drv_thread_queue() - the LVCMDQ the calling thread's commands go
 * to (before the per-command check), or -1 when they go to the main
 * queue (no CMDQV, not enabled, or bypassed).  Thread-safe.
 */
VSMMU_API int vsmmu_drv_thread_queue(struct vsmmu_drv *drv);

/* --- VINTFs for VMs (CMDQV) ----------------------------------------------- */

/*
 * A guest-owned VINTF errored: @map is its 128-bit LVCMDQ_ERR_MAP (bit n:
 * logical queue n is halted).  The host does not recover a guest's queue:
 * it reports, the guest recovers through its own page (Linux forwards the
 * map to the VMM as an IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV record).  Called
 * from vsmmu_drv_process() once per newly set bit.
 */
typedef void vsmmu_drv_vintf_err_fn(void *arg, struct vsmmu_drv_vintf *v,
				    const uint64_t map[2]);

/**
 * vsmmu_drv_vintf_alloc() - give a VM a VINTF of its own: a free VINTF
 * (never VINTF0, the host's) with HYP_OWN = 0 and @vmid, enabled.  Its
 * commands then execute with that VMID and only the StreamIDs of its
 * pairs (vsmmu_drv_vintf_sid_set).  @err_fn (may be NULL) hears of its
 * queues' errors.  Thread-safe.  Return: 0, -ENODEV (no CMDQV in use, or
 * not as the host), -ENOSPC (every VINTF taken), -EINVAL, -ETIMEDOUT,
 * -ENOMEM.
 */
VSMMU_API int vsmmu_drv_vintf_alloc(struct vsmmu_drv *drv, unsigned int vmid,
				    vsmmu_drv_vintf_err_fn *err_fn,
				    void *err_arg,
				    struct vsmmu_drv_vintf **out);

/**
 * vsmmu_drv_vintf_free() - take the VINTF back, in the order the hardware
 * needs: its logical queues from the last down, its StreamID pairs, the
 * VINTF disabled -- each queue's going followed by a CMD_SYNC on the main
 * queue, so that an ATC-invalidation timeout pending from the guest cannot
 * be charged to the next owner.  NULL is a no-op.  Not thread-safe
 * against other calls on @v.
 */
VSMMU_API void vsmmu_drv_vintf_free(struct vsmmu_drv_vintf *v);

struct vsmmu_drv_vintf_info {
	unsigned int index; /* the VINTF's number */
	unsigned int vmid;
	unsigned int nqueues; /* logical queues it may have (its share) */
	unsigned int nsids; /* StreamID pairs (2^NUM_SID_PER_VM_LOG2) */
	/*
	 * Offsets in the CMDQV register block of the VINTF's logical
	 * VCMDQ pages (64 KiB each): page 0 is what a VMM maps into its
	 * guest so that the guest rings PROD and reads CONS with no trap.
	 */
	uint64_t page0, page1;
	unsigned int cmdq_max_shift; /* IDR1.CMDQS: the largest queue */
};

/** vsmmu_drv_vintf_get_info() - fill @info.  Thread-safe. */
VSMMU_API void vsmmu_drv_vintf_get_info(const struct vsmmu_drv_vintf *v,
					struct vsmmu_drv_vintf_info *info);

/**
 * vsmmu_drv_vintf_queue_alloc() - logical VCMDQ @lidx of @v, a ring of
 * 2^@log2size commands at physical address @base (the owner translated it:
 * a guest-physical queue through the VM's stage 2), allocated to the
 * VINTF and reset with BASE programmed; the guest enables it (CONFIG.EN)
 * itself.  The rules of Linux's HW_QUEUE_ALLOC: @lidx below the VINTF's
 * share (-EINVAL), not in use (-EEXIST), allocated in ascending order
 * (@lidx - 1 exists, else -EIO); @log2size at most IDR1.CMDQS and at least
 * 1 (32 bytes), @base aligned to the ring's size and within VCMDQ_BASE's
 * [47:5] (-EINVAL).  Return: 0 or -errno as above, -ETIMEDOUT.
 */
VSMMU_API int vsmmu_drv_vintf_queue_alloc(struct vsmmu_drv_vintf *v,
					  unsigned int lidx, uint64_t base,
					  unsigned int log2size);

/**
 * vsmmu_drv_vintf_queue_free() - disable and deallocate logical VCMDQ
 * @lidx, which must be the VINTF's last (queues go in descending order:
 * -EBUSY otherwise), then CMD_SYNC on the main queue.  Return: 0, -EINVAL
 * (not allocated), -EBUSY.
 */
VSMMU_API int vsmmu_drv_vintf_queue_free(struct vsmmu_drv_vintf *v,
					 unsigned int lidx);

/**
 * vsmmu_drv_vintf_sid_set() - a StreamID pair: the guest's commands naming
 * @vsid execute for @sid.  The slot used is returned in *@slot.
 * Return: 0, -EINVAL (@vsid wider than 31 bits... as SID_MATCH holds it),
 * -EEXIST (@vsid has a pair), -ENOSPC (every slot taken).
 */
VSMMU_API int vsmmu_drv_vintf_sid_set(struct vsmmu_drv_vintf *v, uint32_t vsid,
				      uint32_t sid, unsigned int *slot);

/** vsmmu_drv_vintf_sid_clear() - remove the pair in @slot.  Return: 0,
 * -EINVAL (no pair there). */
VSMMU_API int vsmmu_drv_vintf_sid_clear(struct vsmmu_drv_vintf *v,
					unsigned int slot);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_DRIVER_H */
