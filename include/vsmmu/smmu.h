/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 hardware model: configuration lookup, translation, caches.
 *
 * An SMMU is created over a vsmmu_mem that holds its stream table, context
 * descriptors and translation tables.  Devices issue transactions with
 * vsmmu_translate(); the model finds the STE (and CD), walks stage 1,
 * stage 2 or both, checks permissions, and returns the output address or
 * the 32-byte event record the architecture defines for the fault.
 *
 * Caches: an IOTLB tagged by VMID and ASID whose entries keep their page or
 * block size (combined stage-1+2 entries under nesting), a stage-2 cache
 * used for the IPAs of nested walks, and a configuration cache of decoded
 * STE+CD pairs keyed by StreamID and SubstreamID.  All are set-associative
 * with not-recently-used replacement.  Like silicon, the model serves
 * translations from them until software invalidates: a stale entry is the
 * model behaving as hardware may, not a bug.
 *
 * Concurrency rules (docs/design.md has the long form):
 *  - vsmmu_translate() may be called from any number of threads at once.
 *    A hit in the configuration cache and the IOTLB takes no lock and
 *    allocates nothing (per-set sequence counters; readers retry or fall
 *    back to a walk when a writer is active).
 *  - Invalidation (vsmmu_smmu_tlbi, vsmmu_smmu_cfgi) may run concurrently
 *    with translations.  The rule: once an invalidation call has returned,
 *    no translation that *starts* afterwards is served from an entry it
 *    removed, and no walk that started before it can insert a result
 *    fetched before it (inserts are dropped when an invalidation ran since
 *    the walk began).
 *  - Register writes are serialised internally; reads are lock-free.
 *  - vsmmu_smmu_destroy() must not race with anything.
 */
#ifndef VSMMU_SMMU_H
#define VSMMU_SMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/dvm.h>
#include <vsmmu/export.h>
#include <vsmmu/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vsmmu_smmu;

/*
 * How the command queue is consumed.  SYNC: in the thread that writes
 * CMDQ_PROD (or GERRORN, or CR0), before the register write returns --
 * deterministic, for tests.  THREAD: by a consumer thread of the model's
 * own, running beside the threads that translate, as hardware does.
 */
enum vsmmu_exec_mode {
	VSMMU_EXEC_SYNC,
	VSMMU_EXEC_THREAD,
};

struct vsmmu_smmu_config {
	uint32_t idr[6]; /* SMMU_IDR0..IDR5 as the model advertises them */
	uint32_t iidr;
	uint32_t aidr;
	enum vsmmu_exec_mode exec; /* default VSMMU_EXEC_SYNC */
	/*
	 * NVIDIA Tegra241 CMDQ-Virtualization (CMDQV): present when
	 * cmdqv.present; sizes as CMDQV_PARAM advertises them (Grace: 64
	 * VINTFs (log2 6), 128 VCMDQs (log2 7), 16 SID pairs (log2 4)).
	 */
	struct {
		bool present;
		unsigned int num_vintf_log2; /* 0..6 */
		unsigned int num_vcmdq_log2; /* 0..7 */
		unsigned int num_sid_per_vm_log2; /* 0..4 */
		unsigned int version; /* CMDQV_PARAM.VER */
	} cmdqv;
	/* Cache geometry; 0 takes the default.  Sets must be a power of 2. */
	unsigned int tlb_sets, tlb_ways; /* IOTLB, per TBU (default 256 x 4) */
	unsigned int s2_sets, s2_ways; /* stage-2 cache (default 128 x 4) */
	unsigned int cfg_sets, cfg_ways; /* STE/CD cache (default 64 x 4) */
	/*
	 * Stalled faults (CD.S / STE.S2S, IDR0.STALL_MODEL != 0b01).  true:
	 * the transaction is held -- vsmmu_translate() returns
	 * VSMMU_TXN_FAULT with held set and a STAG, and the device waits for the
	 * resolution (vsmmu_smmu_stall_wait) that CMD_RESUME, CMD_STALL_TERM
	 * or SMMUEN = 0 gives it.  false (default, the behaviour before
	 * stalls were modelled): the fault is recorded with Stall = 1 and
	 * the transaction returns VSMMU_TXN_FAULT with @stall set, as if the
	 * device had abandoned it at once; nothing stays stalled.
	 */
	bool hold_stalls;
	/*
	 * Walk caches: stage-1 and stage-2 caches of intermediate
	 * translation table descriptors (a walk that finds the table
	 * descriptor of level L for its address starts at level L + 1), and
	 * a cache of level-1 stream table and CD table descriptors (L1STD,
	 * L1CD).  They are invalidated as the architecture says (a TLBI or
	 * CFGI with Leaf = 1 leaves them; docs/design.md has every rule),
	 * so a driver that frees a table and issues only leaf invalidations
	 * sees the model walk a stale table, as silicon would.  Geometry as
	 * above, 0 takes the default: stage 1 128 x 4, stage 2 64 x 4,
	 * L1STD/L1CD 32 x 4.  walk_caches_off: none of the three (every walk
	 * fetches every level, as before they were modelled).
	 */
	unsigned int s1wc_sets, s1wc_ways;
	unsigned int s2wc_sets, s2wc_ways;
	unsigned int l1c_sets, l1c_ways;
	bool walk_caches_off;
	/*
	 * TBUs: like a distributed SMMU (a TCU holding the configuration
	 * and walk caches, shared; TBUs holding the IOTLBs), the model may
	 * split its IOTLB into @tbus partitions (a power of 2, 1..64; 0 means
	 * 1), each of tlb_sets x tlb_ways; StreamID s is served by TBU
	 * s % tbus.  Invalidations reach every TBU.  Streams on different
	 * TBUs never share an IOTLB set, so threads translating for them
	 * write nothing in common (docs/benchmarks.md, "Two threads").
	 */
	unsigned int tbus;
};

/**
 * vsmmu_smmu_config_default() - a full-featured SMMUv3.2: two-level stream
 * and CD tables, stage 1 and 2, 16-bit ASID and VMID, 4K/16K/64K granules,
 * 48-bit OAS, 32-bit StreamIDs... 20-bit SubstreamIDs, range invalidation,
 * hardware access-flag and dirty update, ATS, PRI, MSI, SEV, BTM.
 */
VSMMU_API void vsmmu_smmu_config_default(struct vsmmu_smmu_config *cfg);

/**
 * vsmmu_smmu_create() - make an SMMU over @mem (which must outlive it).
 * The SMMU starts as after reset: SMMUEN = 0 with GBPA.ABORT = 0.
 * Return: 0, -EINVAL for an inconsistent @cfg (e.g. no stage, no granule,
 * SIDSIZE > 32, bad cache geometry), -ENOMEM.
 */
VSMMU_API int vsmmu_smmu_create(const struct vsmmu_smmu_config *cfg,
				struct vsmmu_mem *mem, struct vsmmu_smmu **out);

/** vsmmu_smmu_destroy() - free @smmu.  NULL is a no-op. */
VSMMU_API void vsmmu_smmu_destroy(struct vsmmu_smmu *smmu);

/** vsmmu_smmu_get_mem() - the memory the SMMU was created over. */
VSMMU_API struct vsmmu_mem *vsmmu_smmu_get_mem(const struct vsmmu_smmu *smmu);

/**
 * vsmmu_smmu_mmio_read() / vsmmu_smmu_mmio_write() - register access at
 * @offset from the SMMU base (page 0 and page 1), @size 4 or 8 bytes,
 * naturally aligned.  The IDRs, IIDR and AIDR are read-only; CR0 is
 * acknowledged in CR0ACK; GBPA updates complete when written with UPDATE;
 * STRTAB_BASE and STRTAB_BASE_CFG ignore writes while SMMUEN = 1.
 * Unimplemented offsets read as zero and ignore writes.
 * Return: 0, -EINVAL for a bad size, alignment or offset.
 */
VSMMU_API int vsmmu_smmu_mmio_read(struct vsmmu_smmu *smmu, uint64_t offset,
				   unsigned int size, uint64_t *val);
VSMMU_API int vsmmu_smmu_mmio_write(struct vsmmu_smmu *smmu, uint64_t offset,
				    unsigned int size, uint64_t val);

/* --- CMDQV ---------------------------------------------------------------- */

/**
 * vsmmu_smmu_cmdqv_mmio_read() / vsmmu_smmu_cmdqv_mmio_write() - access the
 * CMDQV register block at @offset from its base (the layout of
 * <vsmmu/arch.h>'s TEGRA241_* offsets: global registers, VINTF registers,
 * the VCMDQ global pages, and each VINTF's logical pages), @size 4 or 8.
 *
 * The model behaves as the hardware does for every access: it does not
 * know who makes it.  What a guest may see and change (HYP_OWN reading 0
 * and staying 0, the VMID and StreamID pairs being the host's, the global
 * page not being the guest's at all) is the policy of whoever traps the
 * guest's accesses -- the VMM (seed 000) -- while the guest's logical
 * VCMDQ page is passed straight through to it.
 * Return: 0, -ENODEV if the SMMU has no CMDQV, -EINVAL for a bad size,
 * alignment or offset.  Thread-safe.
 */
VSMMU_API int vsmmu_smmu_cmdqv_mmio_read(struct vsmmu_smmu *smmu,
					 uint64_t offset, unsigned int size,
					 uint64_t *val);
VSMMU_API int vsmmu_smmu_cmdqv_mmio_write(struct vsmmu_smmu *smmu,
					  uint64_t offset, unsigned int size,
					  uint64_t val);

/* --- Interrupts ---------------------------------------------------------- */

enum vsmmu_irq {
	VSMMU_IRQ_EVTQ, /* event queue has new records (IRQ_CTRL.EVTQ_IRQEN) */
	VSMMU_IRQ_PRIQ, /* PRI queue has new records (IRQ_CTRL.PRIQ_IRQEN) */
	VSMMU_IRQ_GERROR, /* a global error became active */
	VSMMU_IRQ_CMD_SYNC, /* a CMD_SYNC with CS = IRQ and MSIAddress 0 */
	VSMMU_IRQ_SEV, /* a CMD_SYNC with CS = SEV: the "send event" */
	VSMMU_IRQ_CMDQV, /* a VCMDQ error (CMDQV error maps) */
};

typedef void vsmmu_irq_fn(void *arg, enum vsmmu_irq irq);

/**
 * vsmmu_smmu_set_irq_handler() - the wired interrupt lines.
 *
 * An interrupt whose *_IRQ_CFG0 MSI address is non-zero (and IDR0.MSI = 1)
 * is signalled by writing *_IRQ_CFG1 (32 bits) to that address in memory
 * instead; otherwise @fn is called, from the thread that caused it (a
 * translating thread, the command consumer, or a register writer).  @fn
 * must not call back into the SMMU.  Replacing the handler (or setting it
 * to NULL) waits until no thread is still running the old one, so its
 * argument may be freed as soon as this returns.  Thread-safe.
 */
VSMMU_API void vsmmu_smmu_set_irq_handler(struct vsmmu_smmu *smmu,
					  vsmmu_irq_fn *fn, void *arg);

/* --- Translation --------------------------------------------------------- */

#define VSMMU_TXN_READ (1U << 0)
#define VSMMU_TXN_WRITE (1U << 1)
#define VSMMU_TXN_EXEC (1U << 2) /* instruction fetch (a read) */
#define VSMMU_TXN_PRIV (1U << 3) /* privileged; clear: unprivileged */

struct vsmmu_txn {
	uint32_t sid;
	uint32_t ssid; /* meaningful when ssv */
	bool ssv; /* the transaction carries a SubstreamID */
	uint64_t addr; /* input address (IOVA) */
	unsigned int flags; /* exactly one of READ, WRITE, EXEC; PRIV */
};

enum vsmmu_txn_outcome {
	VSMMU_TXN_OK, /* translated or bypassed: oa is valid */
	VSMMU_TXN_TERMINATED, /* aborted with no event (Config = abort,
				 SMMU disabled with GBPA.ABORT) */
	VSMMU_TXN_FAULT, /* faulted: evt holds the event record (held:
			    the transaction is stalled, not finished) */
};

struct vsmmu_txn_result {
	enum vsmmu_txn_outcome outcome;
	uint64_t oa; /* output (physical) address */
	uint64_t ipa; /* the intermediate address, when both stages ran */
	unsigned int page_shift; /* log2 of the translation's size */
	unsigned int perm; /* VSMMU_TXN_READ|WRITE|EXEC allowed at this
			      privilege by the translation */
	bool tlb_hit; /* served from the IOTLB */
	bool bypass; /* no translation was applied */
	/* FAULT only */
	bool recorded; /* the event is recorded in the event queue */
	bool stall; /* the fault stalls (CD.S / STE.S2S) */
	uint64_t evt[4]; /* the event record, little-endian word values */
	/*
	 * FAULT with config.hold_stalls: the transaction stalled and is
	 * held by the SMMU; stag is the Stall Tag of its record (unique per
	 * StreamID among outstanding stalls) and the device waits for the
	 * resolution with vsmmu_smmu_stall_wait().  recorded is false when
	 * the event queue was not writable: the record is written (or the
	 * transaction retried) when it becomes writable, 3.12.2 / 7.2.1.
	 */
	bool held;
	uint16_t stag;
};

/**
 * vsmmu_translate() - translate one transaction.
 * Thread-safe; lock-free and allocation-free when it hits in the caches.
 * Return: 0 (the outcome is in @res), -EINVAL for malformed @txn flags.
 */
VSMMU_API int vsmmu_translate(struct vsmmu_smmu *smmu,
			      const struct vsmmu_txn *txn,
			      struct vsmmu_txn_result *res);

/* One step of a translation, for explaining it (vsmmu_translate_trace). */
enum vsmmu_trace_kind {
	VSMMU_TRACE_STE_L1, /* level-1 stream table descriptor fetched */
	VSMMU_TRACE_STE, /* STE fetched: words[8] */
	VSMMU_TRACE_CD_L1, /* level-1 CD table descriptor fetched */
	VSMMU_TRACE_CD, /* CD fetched: words[8] */
	VSMMU_TRACE_DESC, /* translation table descriptor fetched */
	VSMMU_TRACE_NOTE, /* a decision, in words */
};

struct vsmmu_trace_step {
	enum vsmmu_trace_kind kind;
	unsigned int stage; /* DESC: 1 or 2 */
	int level; /* DESC: lookup level (-1 unused) */
	unsigned int granule_shift; /* DESC: 12, 14 or 16 */
	uint64_t in; /* DESC: the input address being translated */
	uint64_t addr; /* physical address fetched */
	uint64_t ipa; /* nested: IPA of the fetch (else == addr) */
	uint64_t value; /* the 64-bit value fetched */
	const uint64_t *words; /* STE / CD: the 8 dwords */
	const char *note; /* NOTE: text */
};

typedef void vsmmu_trace_fn(void *arg, const struct vsmmu_trace_step *step);

/**
 * vsmmu_translate_trace() - translate @txn like vsmmu_translate(), without
 * using or filling any cache, reporting every fetch and decision to @fn.
 * Thread-safe.  Return: as vsmmu_translate().
 */
VSMMU_API int vsmmu_translate_trace(struct vsmmu_smmu *smmu,
				    const struct vsmmu_txn *txn,
				    struct vsmmu_txn_result *res,
				    vsmmu_trace_fn *fn, void *arg);

/* --- Invalidation ---------------------------------------------------------- */

enum vsmmu_tlbi_kind {
	VSMMU_TLBI_NSNH_ALL, /* everything non-secure, non-hyp: all VMIDs */
	VSMMU_TLBI_S12_VMALL, /* every stage-1 and stage-2 entry of vmid */
	VSMMU_TLBI_NH_ALL, /* every stage-1 (and combined) entry of vmid */
	VSMMU_TLBI_NH_ASID, /* non-global stage-1 entries of vmid + asid */
	VSMMU_TLBI_NH_VA, /* entries of vmid + (asid or global) at addr */
	VSMMU_TLBI_NH_VAA, /* entries of vmid, any asid, at addr */
	VSMMU_TLBI_S2_IPA, /* stage-2 entries of vmid at IPA addr */
	VSMMU_TLBI_EL2_ALL, /* every EL2-regime entry */
	VSMMU_TLBI_EL2_ASID, /* EL2 entries of asid (E2H) */
	VSMMU_TLBI_EL2_VA, /* EL2 entries at addr (asid if E2H) */
	VSMMU_TLBI_EL2_VAA, /* EL2 entries at addr, any asid */
};

struct vsmmu_tlbi {
	enum vsmmu_tlbi_kind kind;
	uint16_t vmid;
	uint16_t asid;
	uint64_t addr; /* VA or IPA, as in the command (low 12 bits 0) */
	bool leaf; /* only leaf entries need to go (walk caches kept) */
	/* Range form (IDR3.RIL): tg != 0 covers (num + 1) << scale pages of
	 * size tg (1: 4K, 2: 16K, 3: 64K).  ttl: 0, or the level (1..3) of
	 * the leaves to remove. */
	unsigned int tg, ttl, num, scale;
};

/**
 * vsmmu_smmu_tlbi() - remove IOTLB and stage-2 cache entries.
 *
 * Combined stage-1+2 entries are removed by the stage-1 forms and by
 * S12_VMALL / NSNH_ALL, not by S2_IPA: as the architecture allows, a
 * driver that changes a stage-2 table under a nested stage 1 must also
 * invalidate stage 1 (Linux follows S2_IPA with NH_ALL), and the model
 * keeps such entries to catch drivers that do not.
 * Thread-safe.  Return: 0, -EINVAL for an illegal field combination
 * (tg = 0 with num/scale != 0, ttl = 3 with... see docs).
 */
VSMMU_API int vsmmu_smmu_tlbi(struct vsmmu_smmu *smmu,
			      const struct vsmmu_tlbi *inv);

enum vsmmu_cfgi_kind {
	VSMMU_CFGI_ALL, /* every cached STE and CD */
	VSMMU_CFGI_STE, /* the STE of sid and every CD cached under it */
	VSMMU_CFGI_STE_RANGE, /* sids [sid & ~mask, | mask], mask =
				 2^(range + 1) - 1 */
	VSMMU_CFGI_CD, /* the CD of (sid, ssid) */
	VSMMU_CFGI_CD_ALL, /* every CD of sid */
};

struct vsmmu_cfgi {
	enum vsmmu_cfgi_kind kind;
	uint32_t sid;
	uint32_t ssid;
	unsigned int range;
	bool leaf;
};

/**
 * vsmmu_smmu_dvm() - a broadcast TLB operation from the PEs (@arg is the
 * struct vsmmu_smmu *, so that it can be passed to
 * vsmmu_cpu_add_listener() as it is).  Honoured only when IDR0.BTM is set
 * and CR2.PTM = 0: the entries of the operation's regime and VMID it
 * names go, as with the command of the same scope, except that
 * operations by ASID or VA leave entries made through a CD with ASET = 1
 * (the non-shared ASID set); operations on a whole VMID remove them too.
 * Otherwise only counted (vsmmu_smmu_stats.dvm_received).  Thread-safe,
 * like vsmmu_smmu_tlbi().
 */
VSMMU_API void vsmmu_smmu_dvm(void *arg, const struct vsmmu_dvm_op *op);

/** vsmmu_smmu_cfgi() - remove configuration cache entries.  Thread-safe. */
VSMMU_API int vsmmu_smmu_cfgi(struct vsmmu_smmu *smmu,
			      const struct vsmmu_cfgi *inv);

/* --- Stalled transactions (3.12.2, 4.7.1, 4.7.2) ------------------------- */

enum vsmmu_stall_resp {
	VSMMU_STALL_PENDING, /* not resolved (yet) */
	/* Re-issue the transaction: CMD_RESUME(Retry), or the event queue
	 * became writable for a stall whose record had not been written */
	VSMMU_STALL_RETRY,
	/* Terminated with an abort: CMD_RESUME(Terminate, Abort) (or any
	 * Terminate with IDR0.TERM_MODEL = 1), CMD_STALL_TERM, SMMUEN = 0 */
	VSMMU_STALL_ABORT,
	/* Terminated, completing with RAZ/WI: CMD_RESUME(Terminate) with
	 * Abort = 0 and IDR0.TERM_MODEL = 0 */
	VSMMU_STALL_RAZWI,
};

/**
 * vsmmu_smmu_stall_wait() - the device side of a stalled transaction:
 * wait up to @timeout_ns (0: just look) for the resolution of the stall
 * (@sid, @stag) that vsmmu_translate() returned (FAULT with held set).
 * Once a resolution has been returned the STAG is free for reuse; until
 * then the stall occupies one of the IDR5.STALL_MAX slots (when every slot
 * is taken, further stalling faults are terminated: recorded with
 * Stall = 0 and returned as VSMMU_TXN_FAULT without held).  Thread-safe; it may be
 * called from any thread, once per stall.
 * Return: 0 with *@resp set, -ETIMEDOUT (*@resp = VSMMU_STALL_PENDING),
 * -ENOENT (no such stall of @sid, or already collected), -EINVAL.
 */
VSMMU_API int vsmmu_smmu_stall_wait(struct vsmmu_smmu *smmu, uint32_t sid,
				    uint16_t stag, uint64_t timeout_ns,
				    enum vsmmu_stall_resp *resp);

/* --- PRI: page requests from PCIe endpoints (3.9.1, chapter 8) ------------ */

#define VSMMU_PRI_READ (1U << 0)
#define VSMMU_PRI_WRITE (1U << 1)
#define VSMMU_PRI_EXEC (1U << 2) /* only with a PASID (ssv) */
#define VSMMU_PRI_PRIV (1U << 3) /* only with a PASID (ssv) */

/*
 * One PRI Page Request as the Root Complex presents it.  A Stop PASID
 * marker is a request with ssv, last and no READ/WRITE (L,W,R = 1,0,0).
 */
struct vsmmu_pri_req {
	uint32_t sid;
	uint32_t ssid; /* PASID, meaningful when ssv */
	bool ssv;
	uint64_t addr; /* page address; bits [11:0] ignored */
	unsigned int perm; /* VSMMU_PRI_* */
	unsigned int prgi; /* Page Request Group Index, 0..511 */
	bool last; /* last request of its group */
};

enum vsmmu_pri_outcome {
	VSMMU_PRI_QUEUED, /* written to the PRI queue */
	VSMMU_PRI_AUTO_RESPONDED, /* discarded with an automatic response */
	VSMMU_PRI_DISCARDED, /* discarded silently (Last = 0 or a Stop
				marker while the queue overflows, ...) */
};

/* PRG Response Message codes (8.3) */
#define VSMMU_PRI_RESP_SUCCESS 0x0
#define VSMMU_PRI_RESP_INVALID 0x1
#define VSMMU_PRI_RESP_FAILURE 0xf

/* A PRG Response delivered to the endpoint. */
struct vsmmu_pri_resp {
	uint32_t sid;
	uint32_t ssid; /* meaningful when ssv: the response has a PASID */
	bool ssv;
	unsigned int prgi;
	unsigned int code; /* VSMMU_PRI_RESP_* */
	bool automatic; /* generated by the SMMU, not CMD_PRI_RESP */
};

typedef void vsmmu_pri_resp_fn(void *arg, const struct vsmmu_pri_resp *r);

/**
 * vsmmu_smmu_set_pri_resp_handler() - where PRG responses go: @fn is
 * called for every CMD_PRI_RESP consumed (in the command consumer's
 * thread) and every automatic response (in the thread calling
 * vsmmu_smmu_page_request()).  @fn must not call back into the SMMU.
 * Replacing it waits until no thread still runs the old one.
 */
VSMMU_API void vsmmu_smmu_set_pri_resp_handler(struct vsmmu_smmu *smmu,
					       vsmmu_pri_resp_fn *fn,
					       void *arg);

/**
 * vsmmu_smmu_page_request() - a PRI Page Request arrives from a PCIe
 * endpoint.  Written to the PRI queue (16-byte record, PRIQ_PROD
 * advanced, PRIQ interrupt per IRQ_CTRL.PRIQ_IRQEN and PRIQ_IRQ_CFG2.LO)
 * when SMMUEN and PRIQEN are set, no PRIQ_ABT_ERR is active and the queue
 * has room and no overflow pending; otherwise discarded with the
 * automatic response chapter 8 prescribes (Failure when the queue is off
 * or aborted; on overflow, Success for Last = 1 with a PASID per
 * IDR3.PPS / STE.PPAR, nothing for Last = 0).  Thread-safe.
 * Return: 0 (*@out, may be NULL), -EINVAL (ssid, prgi or perm out of range).
 */
VSMMU_API int vsmmu_smmu_page_request(struct vsmmu_smmu *smmu,
				      const struct vsmmu_pri_req *req,
				      enum vsmmu_pri_outcome *out);

/* --- ATS (3.9.1) and a device-side ATC ----------------------------------- */

enum vsmmu_ats_status {
	VSMMU_ATS_SUCCESS, /* a Translation Completion (perm may be 0) */
	VSMMU_ATS_UR, /* Unsupported Request: ATS off for the stream */
	VSMMU_ATS_CA, /* Completer Abort: a configuration error */
};

struct vsmmu_ats_result {
	enum vsmmu_ats_status status;
	uint64_t addr; /* SUCCESS: translated address of the page (an IPA
			  when split: STE.EATS = 0b10) */
	unsigned int page_shift; /* log2 of the translation's size */
	unsigned int perm; /* VSMMU_TXN_READ|WRITE|EXEC granted (0: R=W=0) */
	bool split; /* addr is an IPA (split-stage ATS) */
	bool recorded; /* an event (F_BAD_ATS_TREQ) was recorded */
	uint64_t evt[4]; /* that event */
};

/**
 * vsmmu_smmu_ats_translate() - an ATS Translation Request.  @req->flags:
 * VSMMU_TXN_READ asks for read only (NW = 1), VSMMU_TXN_WRITE for read and
 * write; EXEC and PRIV are the PASID's Execute/Privileged bits (ignored
 * without @req->ssv).  Responses as 3.9.1.2: UR (and F_BAD_ATS_TREQ) when
 * SMMUEN = 0, STE.Config = bypass or the effective STE.EATS is 0b00 (UR
 * with no event for Config = abort); CA for a configuration error;
 * Success with R = W = 0 (size: the smallest granule) for a
 * translation, address size or access fault; otherwise Success with the
 * permissions the tables grant among those asked.  No translation fault
 * is ever recorded or stalls.  Thread-safe.  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_smmu_ats_translate(struct vsmmu_smmu *smmu,
				       const struct vsmmu_txn *req,
				       struct vsmmu_ats_result *res);

/**
 * vsmmu_smmu_ats_translated() - a transaction the endpoint marked
 * Translated (its address came from an ATS completion), 3.9.1.3.
 * SMMUEN = 0: F_TRANSL_FORBIDDEN, aborted.  CR0.ATSCHK = 0: passes with
 * only the address-size check (beyond the OAS: aborted, no event).
 * ATSCHK = 1: configuration errors and Config = abort abort silently;
 * Config = bypass or effective EATS = 0b00: F_TRANSL_FORBIDDEN; full ATS
 * passes; split-stage translates the address as an IPA through stage 2
 * with ordinary fault recording.  Return: as vsmmu_translate().
 */
VSMMU_API int vsmmu_smmu_ats_translated(struct vsmmu_smmu *smmu,
					const struct vsmmu_txn *txn,
					struct vsmmu_txn_result *res);

struct vsmmu_atc;

/**
 * vsmmu_atc_create() - the Address Translation Cache of one ATS-capable
 * endpoint with StreamID @sid: up to @entries (1..4096) cached
 * completions.  CMD_ATC_INV commands for @sid reach it.  Return: 0,
 * -EINVAL, -ENOMEM.
 */
VSMMU_API int vsmmu_atc_create(struct vsmmu_smmu *smmu, uint32_t sid,
			       unsigned int entries, struct vsmmu_atc **out);

/** vsmmu_atc_destroy() - detach from the SMMU and free.  NULL: no-op. */
VSMMU_API void vsmmu_atc_destroy(struct vsmmu_atc *atc);

/**
 * vsmmu_atc_access() - a DMA access by the endpoint through its ATC: the
 * ATC is looked up (txn->sid is ignored: the ATC's own StreamID is used);
 * on a miss, or a hit without the needed permission, a Translation
 * Request is made and a Success completion cached.  With a usable
 * translation the access goes out as a Translated transaction
 * (vsmmu_smmu_ats_translated) and its result is returned in @res
 * (res->tlb_hit: served from the ATC).  Without one @res says
 * VSMMU_TXN_TERMINATED and @tr (may be NULL) holds the completion that
 * refused it -- a PRI-capable device would now issue a page request.
 * Thread-safe.  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_atc_access(struct vsmmu_atc *atc,
			       const struct vsmmu_txn *txn,
			       struct vsmmu_txn_result *res,
			       struct vsmmu_ats_result *tr);

/**
 * vsmmu_atc_set_responsive() - false: the endpoint stops completing ATS
 * Invalidate Requests (its entries stay), so the CMD_SYNC after the
 * CMD_ATC_INV that reached it fails with CERROR_ATC_INV_SYNC (3.9.1.4).
 * true (the default): invalidations complete.
 */
VSMMU_API void vsmmu_atc_set_responsive(struct vsmmu_atc *atc, bool responsive);

struct vsmmu_atc_stats {
	uint64_t hits, misses; /* lookups */
	uint64_t requests; /* Translation Requests sent */
	uint64_t inv_requests; /* ATS Invalidate Requests received */
	uint64_t inv_timeouts; /* ... left uncompleted (unresponsive) */
	uint64_t invalidated; /* entries removed by them */
	unsigned int valid; /* entries valid now */
};

VSMMU_API void vsmmu_atc_get_stats(struct vsmmu_atc *atc,
				   struct vsmmu_atc_stats *st);

/* --- Statistics ------------------------------------------------------------ */

#define VSMMU_STATS_CMD_OPS 0x50
#define VSMMU_STATS_EVT_IDS 0x30

struct vsmmu_smmu_stats {
	uint64_t translations;
	uint64_t tlb_hits, tlb_misses;
	uint64_t cfg_hits, cfg_misses;
	uint64_t s2_hits, s2_misses; /* stage-2 cache, nested walks */
	uint64_t walks; /* table walks started (each stage counts) */
	uint64_t desc_fetches; /* translation table descriptors read */
	uint64_t faults, terminated;
	uint64_t tlb_evictions; /* valid entries replaced, all caches */
	uint64_t tlbi, cfgi; /* invalidation calls */
	/* Commands consumed from command queues, by opcode (index 0..0x4f) */
	uint64_t cmds[VSMMU_STATS_CMD_OPS];
	uint64_t cmd_errors; /* commands that stopped a queue (CERROR) */
	/* Events written to the event queue, by id (index 0..0x2f) */
	uint64_t events[VSMMU_STATS_EVT_IDS];
	uint64_t events_lost; /* recorded but dropped: queue full/off */
	uint64_t stalls; /* transactions stalled (hold_stalls) */
	uint64_t stalls_terminated; /* ... resolved by a terminate */
	uint64_t stalls_retried; /* ... resolved by a retry */
	uint64_t pri_queued,
		pri_auto; /* page requests queued / auto-answered */
	uint64_t ats_requests, atc_inv; /* Translation Requests, ATC_INVs */
	/* Walk caches: walks that found a cached table descriptor / none */
	uint64_t walk_cache_hits, walk_cache_misses;
	/* L1STD/L1CD cache: descriptors found cached / fetched */
	uint64_t l1_hits, l1_misses;
	/* Broadcast TLB operations heard (vsmmu_smmu_dvm) / honoured */
	uint64_t dvm_received, dvm_applied;
};

/**
 * vsmmu_smmu_get_stats() - a snapshot of the counters.  Thread-safe; exact
 * when no translation is running, approximate while some are (each
 * counter is monotonic).  Counters are kept per thread shard, exact for up
 * to 64 concurrently translating threads.
 */
VSMMU_API void vsmmu_smmu_get_stats(struct vsmmu_smmu *smmu,
				    struct vsmmu_smmu_stats *st);

/* --- Cache geometry ----------------------------------------------------- */

struct vsmmu_smmu_cache_info {
	unsigned int sets, ways; /* 0 x 0: the cache is not there */
	uint64_t bytes; /* host memory it takes */
};

struct vsmmu_smmu_info {
	unsigned int tbus; /* TBUs, each with an IOTLB of tlb's geometry */
	struct vsmmu_smmu_cache_info tlb; /* per TBU (bytes: all TBUs) */
	struct vsmmu_smmu_cache_info s2c, cfgc; /* stage-2, configuration */
	struct vsmmu_smmu_cache_info s1wc, s2wc, l1c; /* walk caches */
};

/**
 * vsmmu_smmu_get_info() - the geometry of every cache as created (the
 * config's values with the defaults filled in) and the memory each takes.
 * Thread-safe.
 */
VSMMU_API void vsmmu_smmu_get_info(const struct vsmmu_smmu *smmu,
				   struct vsmmu_smmu_info *info);

/* --- The invalidation checker ------------------------------------------ */

/*
 * A mode of the model that silicon does not have: it watches the caches
 * and the structures the hardware fetches, and reports driver sequences
 * that forgot (or mis-ordered) an invalidation.  docs/design.md, "The
 * invalidation checker", has the algorithm and its limits.
 */
enum vsmmu_check_kind {
	/*
	 * A translation was served from an IOTLB (or stage-2 cache) entry
	 * that memory no longer agrees with: a re-walk of the tables now
	 * faults, gives another output address, or grants less than the
	 * entry did.  The translation still returns the cached answer.
	 */
	VSMMU_CHECK_STALE_TLB,
	/*
	 * A configuration-cache hit whose STE or CD, fetched and decoded
	 * again, no longer says the same thing (or is now invalid): the
	 * structure was changed while live without a CFGI.
	 */
	VSMMU_CHECK_STALE_CFG,
	/*
	 * The hardware fetched an STE (or CD) that, masked by the bits the
	 * hardware uses for its configuration, was neither the value of the
	 * last CFGI covering it nor the value of the next one, nor invalid:
	 * a torn (non-hitless) update.  Reported when that next CFGI runs.
	 */
	VSMMU_CHECK_TORN_STE,
	VSMMU_CHECK_TORN_CD,
	/*
	 * A walk used a walk-cache entry (a cached table descriptor) that
	 * memory no longer agrees with: the descriptor is now invalid, or
	 * points to another table, or has other table attributes.  The
	 * classic case: an unmap freed a table and the driver issued only
	 * TLBIs with Leaf = 1, which leave walk-cache entries in place, so
	 * the walk reads the freed table.  The walk still uses the entry.
	 */
	VSMMU_CHECK_STALE_WALK,
	VSMMU_CHECK_NR,
};

struct vsmmu_check_report {
	enum vsmmu_check_kind kind;
	uint32_t sid;
	uint32_t ssid; /* meaningful when ssv (TORN_CD: the CD index) */
	bool ssv;
	/*
	 * STALE_TLB: the input address (the IPA for a stage-2 cache
	 * entry).  STALE_CFG: 0.  TORN_*: the physical address of the
	 * STE / CD.
	 */
	uint64_t addr;
	/*
	 * What the hardware used (observed) and what memory says (expected):
	 *  STALE_TLB: [0] output address, [1] VSMMU_TXN_* permissions at the
	 *    transaction's privilege, [2] log2 entry size (0 for a stage-2
	 *    cache entry, whose [1] is stage 2's own permissions);
	 *    expected[3] is 0 when memory translates, else the event id of
	 *    the fault it gives.
	 *  STALE_CFG: [0] mode (0 abort, 1 bypass, 2 S1, 3 S2, 4 nested),
	 *    [1] VMID, [2] ASID, [3] stage-1 TTB0, [4] stage-1 TTB1, [5]
	 *    stage-2 TTB; expected[6] is 0 when memory decodes, else the
	 *    event id (or 0xff: terminate) of what it gives now.
	 *  TORN_*: observed = the 8 words fetched, expected = the 8 words in
	 *    memory at the CFGI, previous = the 8 words of the CFGI before.
	 *  STALE_WALK: addr is the input address walked (an IPA for stage
	 *    2); observed: [0] the next table's address the entry holds,
	 *    [1] the level of the cached descriptor, [2] the stage, [3] 1 if
	 *    a TLBI with Leaf = 1 covered the entry (and so left it);
	 *    expected: [0] the next table memory gives (0 if none), [3] the
	 *    event id of the fault memory gives at or above that level, if
	 *    any.
	 */
	uint64_t observed[8];
	uint64_t expected[8];
	uint64_t previous[8];
	char msg[160]; /* one line, no newline */
};

typedef void vsmmu_check_fn(void *arg, const struct vsmmu_check_report *r);

/**
 * vsmmu_smmu_set_checker() - turn the invalidation checker on or off.
 *
 * While on, every translation takes the slow path (while it is off the
 * lock-free fast path tests one flag, as it did before the checker): a
 * configuration-cache hit re-fetches and decodes the STE and CD, an
 * IOTLB or stage-2 cache hit re-walks memory without side effects (no
 * access-flag or dirty updates, no cache fills, no events), and every
 * STE and CD fetch is tracked until the CFGI that covers it.  Findings are
 * counted (vsmmu_smmu_get_check_counts) and passed to @fn (may be NULL).
 *
 * @fn is called with the checker's report lock held, so calls never
 * overlap; it may run in any translating thread, in the command consumer
 * or in the thread calling vsmmu_smmu_cfgi(), and must not call back into
 * the SMMU.  Turning the checker on resets the counts and the tracking.
 * Call it while no translation or command runs (e.g. before SMMUEN).
 * Tracking is bounded (see docs/design.md): past the bound, new STE/CD
 * addresses are not tracked for tearing.
 * Return: 0, -EINVAL for a NULL @smmu, -ENOMEM.
 */
VSMMU_API int vsmmu_smmu_set_checker(struct vsmmu_smmu *smmu, bool enable,
				     vsmmu_check_fn *fn, void *arg);

/**
 * vsmmu_smmu_get_check_counts() - findings per kind since the checker was
 * last turned on.  Thread-safe.
 */
VSMMU_API void vsmmu_smmu_get_check_counts(struct vsmmu_smmu *smmu,
					   uint64_t counts[VSMMU_CHECK_NR]);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_SMMU_H */
