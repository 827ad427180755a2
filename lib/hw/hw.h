/* SPDX-License-Identifier: MIT */
/*
 * Internals of the SMMUv3 hardware model (lib/hw).  Not part of the public
 * API: other layers talk to the model through <vsmmu/smmu.h>.
 */
#ifndef VSMMU_HW_H
#define VSMMU_HW_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vsmmu/arch.h>
#include <vsmmu/command.h>
#include <vsmmu/decode.h>
#include <vsmmu/smmu.h>

#include "hw/cache.h"

/* --- Decoded configuration --------------------------------------------- */

/* One VMSAv8-64 translation regime half (TTB0/TTB1 or the stage-2 table). */
struct tt_cfg {
	uint64_t ttb; /* base, low bits (below the start table size) clear */
	uint8_t enabled; /* EPDx == 0 (stage 2: always) */
	uint8_t gshift; /* granule: 12, 14 or 16 */
	uint8_t ias; /* input address bits */
	uint8_t start_level;
	uint8_t concat_log2; /* stage 2: log2 of concatenated start tables */
	uint8_t tbi; /* stage 1: top byte ignored */
};

enum stream_mode {
	MODE_ABORT, /* Config = abort: terminate silently */
	MODE_BYPASS, /* no translation */
	MODE_S1, /* stage 1 only */
	MODE_S2, /* stage 2 only */
	MODE_NESTED, /* stage 1 then stage 2 */
};

struct s1_cfg {
	struct tt_cfg tt[2];
	uint8_t oas; /* effective IPS, bits */
	uint8_t affd, ha, hd, wxn, pan, be;
	uint8_t record, stall; /* CD.R, CD.S */
	uint8_t aset; /* CD.ASET: the ASID is not the PEs' (no broadcasts) */
	uint16_t asid;
};

struct s2_cfg {
	struct tt_cfg tt;
	uint8_t oas; /* effective S2PS, bits */
	uint8_t affd, ha, hd, ptw, be;
	uint8_t record, stall; /* STE.S2R, STE.S2S */
	uint16_t vmid;
};

/* Effective STE.EATS (3.9.1, 3.9.2), after IDR0.ATS and CR0.ATSCHK */
#define EATS_NONE 0
#define EATS_FULL 1
#define EATS_SPLIT 2

/* Everything a transaction needs once its STE (and CD) are known. */
struct stream_cfg {
	enum stream_mode mode; /* after S1DSS: MODE_S2 for "S1 bypassed" */
	uint8_t el2; /* STRW = EL2: EL2 regime, no VMID */
	uint8_t e2h; /* EL2 with CR2.E2H: ASIDs apply */
	uint8_t privcfg, instcfg;
	uint8_t eats; /* EATS_*: ATS Translation Requests and Translated
			 transactions (ats.c) */
	uint8_t ppar; /* STE.PPAR: PASID on PRI overflow auto-responses */
	uint8_t ste_cfg; /* STE.Config as written (abort: 0b0xx -> 0) */
	uint16_t vmid; /* TLB tag (0 when none applies) */
	struct s1_cfg s1;
	struct s2_cfg s2;
	uint64_t leaf_shifts; /* bit n: IOTLB entries of 2^n bytes possible */
};

/*
 * The part of a stream's configuration an IOTLB hit needs: two words,
 * kept with the key in the configuration cache's set line (the full
 * stream_cfg is in the entry's cold words, copied only on a TLB miss).
 * Word 0 is the IOTLB tag the stream's entries carry (tlb_key()); word 1
 * packs the rest, HOT_*.
 */
struct stream_hot {
	uint64_t tlb_key; /* VMID, ASID, kind, EL2, valid */
	uint64_t w; /* HOT_* */
};

#define HOT_MODE VS_GENMASK(7, 0) /* enum stream_mode */
#define HOT_PRIVCFG VS_GENMASK(9, 8) /* STE.PRIVCFG */
#define HOT_INSTCFG VS_GENMASK(11, 10) /* STE.INSTCFG */
#define HOT_TBI0 VS_BIT(12) /* TBI for the TTB0 half */
#define HOT_TBI1 VS_BIT(13)
#define HOT_SIZES VS_GENMASK(23, 16) /* hw_size_shift bits possible */
#define HOT_IAS0 VS_GENMASK(39, 32) /* TTB0 input bits, 0: EPD0 = 1 */
#define HOT_IAS1 VS_GENMASK(47, 40)

static inline unsigned int hot_mode(uint64_t w)
{
	return VS_FIELD_GET(HOT_MODE, w);
}

static inline unsigned int hot_ias(uint64_t w, unsigned int half)
{
	return (w >> (32 + 8 * half)) & 0xff;
}

/*
 * IOTLB entry sizes in a compact mask: bit i stands for 2^hw_size_shift[i]
 * bytes, every leaf size of the three granules (4K: 4K, 2M, 1G; 16K: 16K,
 * 32M; 64K: 64K, 512M, 4T).
 */
#define HW_NSIZES 8
static const uint8_t hw_size_shift[HW_NSIZES] = {
	12, 14, 16, 21, 25, 29, 30, 42
};

/* The compact mask of the sizes in @shifts (bit n: 2^n bytes). */
static inline unsigned int hw_sizes_of(uint64_t shifts)
{
	unsigned int i, m = 0;

	for (i = 0; i < HW_NSIZES; i++)
		if (shifts & (1ULL << hw_size_shift[i]))
			m |= 1U << i;
	return m;
}

/* --- Faults -------------------------------------------------------------- */

struct fault {
	uint8_t id; /* EVT_ID_* */
	uint8_t s2; /* stage 2 faulted */
	uint8_t class; /* EVTQ_1_CLASS_* */
	uint8_t tt_read; /* a table fetch that was a read */
	uint8_t fetch; /* dw3 holds FETCH_ADDR rather than IPA */
	uint64_t ipa; /* IPA, or the fetch address */
};

/* --- The IOTLB / stage-2 cache entries -------------------------------- */

/*
 * An IOTLB entry is three hot words and one cold one (cache.h gives the
 * layout rules):
 *   w0: tag  - see TLB_TAG_* below
 *   w1: input address of the first byte the entry covers
 *   w2: output address of that byte
 *   cold: IPA of that byte (combined entries), or 0
 * A stage-2 cache entry is the same three hot words, with no cold word.
 */
#define TLB_TAG_VMID VS_GENMASK(15, 0)
#define TLB_TAG_ASID VS_GENMASK(31, 16)
#define TLB_TAG_SHIFT VS_GENMASK(37, 32) /* log2 entry size */
#define TLB_TAG_KIND VS_GENMASK(39, 38)
#define TLB_KIND_S1 1 /* stage 1 only: IA -> PA */
#define TLB_KIND_S2 2 /* stage 2 only: IPA -> PA */
#define TLB_KIND_S12 3 /* combined stage 1+2: IA -> PA */
#define TLB_TAG_EL2 VS_BIT(40)
#define TLB_TAG_GLOBAL VS_BIT(41) /* nG == 0: matches any ASID */
#define TLB_TAG_LEVEL VS_GENMASK(43, 42) /* level of the (last) leaf */
/* PERM_* granted: both stages' intersected (IOTLB), stage 2's (S2 cache) */
#define TLB_TAG_PERM VS_GENMASK(49, 44)
/* From a CD with ASET = 1: broadcasts by ASID or VA pass it by (3.17) */
#define TLB_TAG_ASET VS_BIT(50)
#define TLB_TAG_GSHIFT VS_GENMASK(59, 56) /* leaf granule shift - 10 */
#define TLB_TAG_VALID VS_BIT(63)

/* The part of the tag a lookup compares exactly (ASID masked if global) */
#define TLB_TAG_MATCH                                                 \
	(TLB_TAG_VMID | TLB_TAG_ASID | TLB_TAG_SHIFT | TLB_TAG_KIND | \
	 TLB_TAG_EL2 | TLB_TAG_VALID)

/*
 * A walk-cache entry (stage-1 and stage-2 walk caches) is four hot words:
 *   w0: tag  - see WC_TAG_* below
 *   w1: the input address (stage 2: IPA) with the bits below the level's
 *       lowest resolved bit clear: the region the next table translates
 *   w2: the next table's address as the descriptor gives it (stage 1
 *       under nesting: an IPA)
 *   w3: the next table's physical address (== w2 but under nesting,
 *       where it is the stage-2 translation, valid if WC_TAG_PA)
 * The tag's VMID, ASID, kind and EL2 are the IOTLB's (tlb_key()).
 */
#define WC_TAG_LEVEL VS_GENMASK(33, 32) /* level of the table descriptor */
#define WC_TAG_GSHIFT VS_GENMASK(37, 34) /* granule shift - 10 */
#define WC_TAG_PA VS_BIT(41) /* w3 holds the next table's PA */
#define WC_TAG_TATTR VS_GENMASK(45, 42) /* TATTR_* collected down to here */
#define WC_TAG_S2W VS_BIT(46) /* nested: stage 2 lets the table be written */
#define WC_TAG_LEAF_KEPT VS_BIT(47) /* checker: a Leaf=1 TLBI covered it */
#define WC_TAG_MATCH                                                  \
	(TLB_TAG_VMID | TLB_TAG_ASID | WC_TAG_LEVEL | WC_TAG_GSHIFT | \
	 TLB_TAG_KIND | TLB_TAG_EL2 | TLB_TAG_VALID)
#define WC_WORDS 4

/*
 * Hierarchical attributes collected from stage-1 table descriptors: the
 * descriptor's bits [62:59] (APTable[1:0], UXNTable, PXNTable) as they
 * are, so that a walk ORs (d >> 59) & 0xf per level.
 */
#define TATTR_PXN 1 /* PXNTable, bit 59 */
#define TATTR_XN 2 /* UXNTable (XNTable), bit 60 */
#define TATTR_NOEL0 4 /* APTable[0], bit 61 */
#define TATTR_RO 8 /* APTable[1], bit 62 */
#define TATTR_SHIFT 59
_Static_assert(ARM_LPAE_PTE_PXNTABLE == VS_BIT(TATTR_SHIFT) &&
		       ARM_LPAE_PTE_XNTABLE == VS_BIT(TATTR_SHIFT + 1) &&
		       ARM_LPAE_PTE_APTABLE ==
			       VS_GENMASK(TATTR_SHIFT + 3, TATTR_SHIFT + 2) &&
		       ARM_LPAE_PTE_APTABLE_NO_EL0 == 1 &&
		       ARM_LPAE_PTE_APTABLE_RO == 2,
	       "TATTR_* are the table descriptor's bits [62:59]");

/* Permissions, per privilege: what a translation allows */
#define PERM_PR 0x01
#define PERM_PW 0x02
#define PERM_PX 0x04
#define PERM_UR 0x08
#define PERM_UW 0x10
#define PERM_UX 0x20
#define PERM_ALL 0x3f

/* --- Queues -------------------------------------------------------------- */

/*
 * One architected circular queue: its BASE register value and its PROD and
 * CONS register values (index in [log2:0] with the wrap bit at log2; CONS
 * of a command queue also carries ERR, EVTQ_PROD carries OVFLG).
 */
struct hw_queue {
	uint64_t base; /* RA | ADDR[51:5] | LOG2SIZE[4:0] */
	uint32_t prod, cons;
	uint8_t ent_size; /* bytes per entry: 16 (CMDQ, PRIQ) or 32 (EVTQ) */
	uint8_t max_log2; /* IDR1.CMDQS / EVTQS / PRIQS */
};

/* Effective log2 of the number of entries: LOG2SIZE capped by the IDR */
/*
 * One register file's accessors, for hw_mmio_read/write: 64-bit registers
 * are read and written whole, 32-bit ones on their own.
 */
struct hw_regfile {
	void *ctx;
	bool (*is64)(void *ctx, uint64_t off8); /* @off8: 8-byte aligned */
	uint64_t (*rd64)(void *ctx, uint64_t off8);
	void (*wr64)(void *ctx, uint64_t off8, uint64_t val);
	uint32_t (*rd32)(void *ctx, uint64_t off);
	unsigned int (*wr32)(void *ctx, uint64_t off, uint32_t val);
};

/*
 * The one 32/64-bit access merger of the model's register files (SMMU and
 * CMDQV): a 4-byte access to either half of a 64-bit register reads or
 * merges into the whole; an 8-byte access to a 32-bit register is
 * -EINVAL.  @off and @size are already checked for alignment and range.
 * hw_mmio_write returns wr32's result (what the caller must do next) in
 * *@todo, 0 for 64-bit writes.
 */
static inline int hw_mmio_read(const struct hw_regfile *rf, uint64_t off,
			       unsigned int size, uint64_t *val)
{
	uint64_t base = off & ~7ULL;

	if (rf->is64(rf->ctx, base)) {
		uint64_t v = rf->rd64(rf->ctx, base);

		*val = size == 8 ? v : (uint32_t)(v >> (8 * (off & 4)));
		return 0;
	}
	if (size == 8)
		return -EINVAL; /* 64-bit access to a 32-bit register */
	*val = rf->rd32(rf->ctx, off);
	return 0;
}

static inline int hw_mmio_write(const struct hw_regfile *rf, uint64_t off,
				unsigned int size, uint64_t val,
				unsigned int *todo)
{
	uint64_t base = off & ~7ULL;

	*todo = 0;
	if (rf->is64(rf->ctx, base)) {
		uint64_t v = val;

		if (size == 4) {
			unsigned int sh = 8 * (off & 4);

			v = (rf->rd64(rf->ctx, base) & ~(0xffffffffULL << sh)) |
			    ((val & 0xffffffffULL) << sh);
		}
		rf->wr64(rf->ctx, base, v);
		return 0;
	}
	if (size == 8)
		return -EINVAL;
	*todo = rf->wr32(rf->ctx, off, (uint32_t)val);
	return 0;
}

static inline unsigned int hw_q_log2(const struct hw_queue *q)
{
	unsigned int l = VS_FIELD_GET(
		Q_BASE_LOG2SIZE, __atomic_load_n(&q->base, __ATOMIC_ACQUIRE));

	return l < q->max_log2 ? l : q->max_log2;
}

/* Base address, aligned down to max(queue bytes, 32) as the SMMU does */
static inline uint64_t hw_q_addr(const struct hw_queue *q)
{
	uint64_t bytes = (uint64_t)q->ent_size << hw_q_log2(q);

	if (bytes < 32)
		bytes = 32;
	return __atomic_load_n(&q->base, __ATOMIC_ACQUIRE) & Q_BASE_ADDR_MASK &
	       ~(bytes - 1);
}

/* Index and wrap bit of a PROD/CONS value */
static inline uint32_t hw_q_idxwrap(const struct hw_queue *q, uint32_t v)
{
	return v & ((2U << hw_q_log2(q)) - 1);
}

static inline uint32_t hw_q_inc(const struct hw_queue *q, uint32_t v)
{
	return hw_q_idxwrap(q, v + 1);
}

/*
 * A command queue served by the one command engine (queue.c): the main
 * CMDQ and, later, every VCMDQ.  @gerror/@gerrorn point at the registers
 * holding its error bit @err_bit: while they differ the queue is halted.
 */
struct hw_cmdq {
	struct hw_queue q;
	pthread_mutex_t lock; /* one consumer at a time */
	uint32_t *gerror, *gerrorn;
	uint32_t err_bit;
	bool (*enabled)(struct vsmmu_smmu *s, struct hw_cmdq *cq);
	/*
	 * Called when the queue stops on an error, CONS.ERR already set:
	 * activates the queue's error bit in *gerror and signals it.
	 */
	void (*on_error)(struct vsmmu_smmu *s, struct hw_cmdq *cq);
	/*
	 * Optional, called after each CMD_SYNC this queue consumes (the main
	 * queue's, with a CMDQV: hw_cmdqv_main_sync(), set by the CMDQV so
	 * that the command engine need not know it).
	 */
	void (*after_sync)(struct vsmmu_smmu *s);
	/*
	 * Optional, called for each fetched command before it is checked
	 * and executed: may rewrite @cmd (CMDQV substitutes VMIDs and
	 * StreamIDs) and returns 0, or a CERROR index to stop the queue with
	 * before anything of the command is executed.
	 */
	unsigned int (*prepare)(struct vsmmu_smmu *s, struct hw_cmdq *cq,
				uint64_t cmd[2]);
	/*
	 * An ATC_INV consumed from this queue reached an endpoint that did
	 * not complete it: this queue's next CMD_SYNC fails with
	 * CERROR_ATC_INV_SYNC (3.9.1.4).  Per queue, so that one queue's
	 * unresponsive device never fails another queue's sync.
	 */
	bool atc_inv_failed;
};

/*
 * VSMMU_EXEC_THREAD: a consumer thread serving one command queue (the main
 * CMDQ, or one VCMDQ).  queue.c has the protocol.  lock/wake live as long
 * as the owner (hw_consumer_init/fini); the thread only between
 * hw_consumer_start and hw_consumer_stop, which its owner serialises.
 */
struct hw_consumer {
	struct vsmmu_smmu *s;
	struct hw_cmdq *cq;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool run, kick, sleeping;
	bool started; /* the thread exists (owner's serialisation) */
};

void hw_consumer_init(struct hw_consumer *c, struct vsmmu_smmu *s,
		      struct hw_cmdq *cq);
void hw_consumer_fini(struct hw_consumer *c); /* stops it first */
int hw_consumer_start(struct hw_consumer *c);
void hw_consumer_stop(struct hw_consumer *c);
void hw_consumer_kick(struct hw_consumer *c);
/* The queue's PROD was written (cheaper than a kick: see queue.c) */
void hw_consumer_doorbell(struct hw_consumer *c);

struct hw_cmdqv; /* cmdqv.c */

/* --- Stalls, PRI, ATS ---------------------------------------------------- */

/* One stalled transaction (stall.c) */
enum {
	STALL_FREE,
	STALL_HELD, /* recorded: waiting for CMD_RESUME / STALL_TERM */
	STALL_UNREC, /* its record could not be written yet (7.2.1) */
	STALL_DONE, /* resolved: waiting for the device to collect it */
};

struct hw_stall {
	uint8_t state;
	uint8_t resp; /* enum vsmmu_stall_resp, once DONE */
	uint8_t must_retry; /* UNREC through an invalidation + CMD_SYNC */
	uint16_t gen; /* bumped per use: the STAG's high bits */
	uint32_t sid;
	uint64_t evt[4];
};

struct vsmmu_atc; /* ats.c */

/* --- The SMMU ---------------------------------------------------------- */

#define STAT_SHARDS 64

enum stat_id {
	ST_FAST_HIT, /* a translation, a config hit and a TLB hit at once */
	ST_FAST_MISS, /* a translation, a config hit and a TLB miss */
	ST_TRANSLATIONS,
	ST_TLB_HIT,
	ST_TLB_MISS,
	ST_CFG_HIT,
	ST_CFG_MISS,
	ST_S2_HIT,
	ST_S2_MISS,
	ST_WALKS,
	ST_DESC,
	ST_WC_HIT,
	ST_WC_MISS,
	ST_L1_HIT,
	ST_L1_MISS,
	ST_FAULTS,
	ST_TERMINATED,
	ST_EVICT,
	ST_TLBI,
	ST_CFGI,
	ST_CMD_ERR,
	ST_EVT_LOST,
	ST_STALLS,
	ST_STALL_TERM,
	ST_STALL_RETRY,
	ST_PRI_QUEUED,
	ST_PRI_AUTO,
	ST_ATS_REQ,
	ST_ATC_INV,
	ST_DVM, /* broadcast TLB operations heard */
	ST_DVM_APPLIED, /* ... and honoured (BTM, CR2.PTM = 0) */
	ST_CMD0, /* + opcode */
	ST_EVT0 = ST_CMD0 + VSMMU_STATS_CMD_OPS, /* + event id */
	ST_NR = ST_EVT0 + VSMMU_STATS_EVT_IDS,
};

struct stat_shard {
	uint64_t v[ST_NR];
} __attribute__((aligned(64)));

struct vsmmu_smmu {
	struct vsmmu_smmu_config cfg;
	struct vsmmu_mem *mem;
	uint64_t uid; /* unique among every SMMU this process creates */

	/* Features derived from the IDRs once, at create */
	uint8_t oas; /* bits */
	uint8_t sidsize, ssidsize;
	uint8_t s1p, s2p, st2lvl, cd2l, asid16, vmid16, hyp, ats;
	struct vsmmu_cmd_caps cmd_caps; /* what the command engine accepts */
	uint8_t httu; /* 0 none, 1 access flag, 2 access + dirty */
	uint8_t stall_model, term_model, attr_perms_ovr, ttendian;
	uint8_t gran; /* bit 0: 4K, 1: 16K, 2: 64K */
	uint8_t vax52, stt;

	/* Register file.  Written under reg_lock, read with atomics. */
	pthread_mutex_t reg_lock;
	uint32_t check_on; /* the invalidation checker (check.c) is on */
	/*
	 * CR0.SMMUEN && !check_on, kept by the CR0 writer and the checker
	 * under reg_lock: the fast path's only test, so that the checker
	 * costs it nothing while off.
	 */
	uint32_t fast_on;
	uint32_t cr0, cr1, cr2, gbpa;
	uint32_t gerror, gerrorn;

	/* Queues (queue.c) */
	struct hw_cmdq cmdq;
	struct hw_queue evtq;
	pthread_mutex_t evtq_lock; /* event producers: translating threads */
	struct hw_queue priq;
	pthread_mutex_t priq_lock; /* PRI queue producers */

	/* Stalled transactions (stall.c), STAG = gen << stall_bits | slot */
	pthread_mutex_t stall_lock;
	pthread_cond_t stall_cond; /* a stall was resolved */
	struct hw_stall *stalls; /* IDR5.STALL_MAX slots (capped), or NULL */
	unsigned int nstalls, stall_bits;
	unsigned int stall_unrec; /* slots in STALL_UNREC (written under
				    the lock, atomically: read without) */
	uint64_t stall_sync_gen; /* inv_gen at the last CMD_SYNC */

	/* PRG responses (pri.c) */
	vsmmu_pri_resp_fn *pri_fn;
	void *pri_arg;
	unsigned int pri_busy;

	/* Device-side ATCs reached by CMD_ATC_INV (ats.c) */
	pthread_mutex_t atc_lock;
	struct vsmmu_atc *atcs;

	/* Interrupts */
	vsmmu_irq_fn *irq_fn;
	void *irq_arg;
	unsigned int irq_busy; /* callers inside irq_fn (queue.c) */

	/* VSMMU_EXEC_THREAD: the main command queue's consumer */
	struct hw_consumer consumer;
	/* NVIDIA CMDQV (cmdqv.c), NULL when config.cmdqv.present is false */
	struct hw_cmdqv *cmdqv;
	uint64_t strtab_base;
	uint32_t strtab_base_cfg;
	uint32_t irq_ctrl;
	uint32_t raw32[SMMU_MMIO_SIZE / 4]; /* plain storage for the rest */

	/* Caches */
	struct sa_cache tlb; /* IOTLB: final translations */
	struct sa_cache s2c; /* stage-2 translations of nested walk IPAs */
	struct sa_cache cfgc; /* decoded STE + CD by (SID, SSID) */
	/* Walk caches (walk.c); wc_on: they exist (cfg.walk_caches_off) */
	bool wc_on;
	struct sa_cache wc[2]; /* [0] stage-1, [1] stage-2 table descriptors */
	uint64_t wc_lsbs[2]; /* bit n: entries of regions of 2^n bytes seen */
	uint32_t wc_nested; /* a stage-1 entry holding a stage-2 PA was cached */
	struct sa_cache l1c; /* L1STDs and L1CDs (config.c) */
	uint64_t inv_gen; /* incremented as every invalidation begins */
	uint64_t inv_done; /* ... and this as it ends (hw_fill_gen()) */
	uint32_t splintered; /* a combined entry smaller than its S1 leaf was
				cached: stage-1 TLBIs by address must sweep */
	uint64_t tlb_shifts; /* entry sizes ever inserted in the IOTLB */
	uint32_t tlb_sizes; /* the same as hw_size_shift bits, for lookups */
	uint32_t tlb_one_shift; /* the first size inserted (log2) */
	/*
	 * TBUs: the IOTLB is cfg.tbus partitions of tlb_sets sets each;
	 * StreamID s is served by partition s & tbu_mask, whose sets are
	 * (partition << tlb_set_bits) | (hash & tlb_hash_mask).
	 */
	uint32_t tbu_mask, tlb_set_bits, tlb_hash_mask;

	/* The invalidation checker (check.c); NULL until first enabled */
	struct hw_checker *checker;

	struct stat_shard stats[STAT_SHARDS];
};

/*
 * Statistics: each thread counts in its own shard (exact for up to
 * STAT_SHARDS threads), with a plain load and store -- no atomic
 * read-modify-write on the hot path.  A thread keeps the byte offset of
 * its shard in a TLS word (SIZE_MAX until it first counts).
 */
extern __thread size_t hw_my_shard_off
	__attribute__((tls_model("initial-exec")));
size_t hw_shard_assign(void);

static inline void hw_stat_add(struct vsmmu_smmu *s, enum stat_id id,
			       uint64_t n)
{
	size_t off = hw_my_shard_off;
	uint64_t *p;

	if (__builtin_expect(off == SIZE_MAX, 0))
		off = hw_shard_assign();
	p = (uint64_t *)((char *)s->stats + off) + id;
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline void hw_stat_inc(struct vsmmu_smmu *s, enum stat_id id)
{
	hw_stat_add(s, id, 1);
}

/*
 * config.c: fetch and decode the STE and CD of a transaction.  Returns 0,
 * CFG_FAULT (event in *f) or CFG_TERMINATE (abort with no event).
 */
#define CFG_FAULT 1
#define CFG_TERMINATE 2
struct txn_ctx;
int hw_config_lookup(struct txn_ctx *t, struct stream_cfg *sc, struct fault *f);
/* The L1STD/L1CD cache (config.c) */
int hw_l1c_init(struct vsmmu_smmu *s);
void hw_l1c_fini(struct vsmmu_smmu *s);
/* A CFGI over StreamIDs [@lo, @hi] */
void hw_l1c_cfgi(struct vsmmu_smmu *s, const struct vsmmu_cfgi *inv,
		 uint32_t lo, uint32_t hi);
/* Only the STE: fetch and decode it (no CD).  Same returns. */
int hw_ste_lookup(struct txn_ctx *t, struct stream_cfg *sc, struct fault *f);

/* walk.c */
struct walk_result {
	uint64_t oa; /* output address of the input address */
	uint64_t ipa; /* nested: the IPA of the input address */
	uint8_t shift; /* log2 size of the translation (combined: min) */
	uint8_t level; /* level of the final leaf */
	uint8_t gshift; /* granule of the final leaf */
	uint8_t global; /* stage-1 nG == 0 */
	uint8_t s1perm, s2perm; /* PERM_* of each stage (ALL if unused) */
};

int hw_walk(struct txn_ctx *t, const struct stream_cfg *sc, uint64_t ia,
	    struct walk_result *wr, struct fault *f);
/* The walk caches: create (per cfg) and free, and their invalidation. */
int hw_wc_init(struct vsmmu_smmu *s);
void hw_wc_fini(struct vsmmu_smmu *s);
size_t hw_wc_bytes(const struct vsmmu_smmu *s);
/*
 * What a TLBI does to the walk caches: @stage 1 or 2 entries of @kinds
 * (bit per TLB_KIND_*), EL2 or not, @vmid (or any), @asid (-1: any),
 * regions meeting [@start, @last] when @ranged, of table descriptors at
 * levels below @ttl (0: any) with granule @gshift (0: any).  @leaf: the
 * TLBI has Leaf = 1 -- entries stay (the checker marks them).
 */
struct wc_inv {
	unsigned int stage, kinds;
	bool el2, any_vmid, ranged, leaf;
	bool shared_only; /* a broadcast: entries with ASET = 1 stay */
	uint16_t vmid;
	int asid;
	uint64_t start, last;
	unsigned int ttl, gshift;
};
void hw_wc_tlbi(struct vsmmu_smmu *s, const struct wc_inv *w);
/* TLBI_S2_IPA: stage-1 entries of @vmid holding the PA of a table whose
 * IPA lies in [@start, @last] */
void hw_wc_tlbi_nested(struct vsmmu_smmu *s, uint16_t vmid, uint64_t start,
		       uint64_t last);
int hw_s2_translate(struct txn_ctx *t, const struct stream_cfg *sc,
		    uint64_t ipa, unsigned int class, bool tt_read,
		    uint64_t *pa, struct walk_result *wr, struct fault *f);

/* smmu.c: the stream's configuration through the configuration cache */
int hw_stream_cfg(struct txn_ctx *t, struct stream_cfg *sc, struct fault *f);
/* vsmmu_translate() for an ATS Translation Request (t.ats) */
int hw_translate_ats(struct vsmmu_smmu *s, const struct vsmmu_txn *txn,
		     struct vsmmu_txn_result *res);
int hw_result_fault(struct txn_ctx *t, const struct stream_cfg *sc,
		    const struct fault *f, struct vsmmu_txn_result *res);

/* queue.c */
int hw_queues_init(struct vsmmu_smmu *s);
void hw_queues_stop(struct vsmmu_smmu *s);
void hw_queues_fini(struct vsmmu_smmu *s);
void hw_cmdq_kick(struct vsmmu_smmu *s); /* GERRORN/CR0 changed */
void hw_cmdq_doorbell(struct vsmmu_smmu *s); /* PROD written */
/* Consume @cq's commands; return the PROD value it consumed up to */
uint32_t hw_cmdq_consume(struct vsmmu_smmu *s, struct hw_cmdq *cq);
unsigned int hw_cmd_exec(struct vsmmu_smmu *s, struct hw_cmdq *cq,
			 const uint64_t *cmd);
bool hw_evtq_record(struct vsmmu_smmu *s, const uint64_t *evt);
/* hw_evtq_write() flags */
#define EVTQ_W_STALL 1 /* a stall's record: never lost, no overflow */
#define EVTQ_W_NOSMMUEN 2 /* may be recorded with SMMUEN = 0 */
bool hw_evtq_write(struct vsmmu_smmu *s, const uint64_t *evt,
		   unsigned int flags);
bool hw_evtq_writable(struct vsmmu_smmu *s);

/* stall.c */
int hw_stalls_init(struct vsmmu_smmu *s);
void hw_stalls_fini(struct vsmmu_smmu *s);
int hw_stall_new(struct vsmmu_smmu *s, uint32_t sid, uint64_t *evt,
		 bool *recorded, uint16_t *stag);
void hw_stall_flush(struct vsmmu_smmu *s); /* the EVTQ may be writable */
void hw_stall_sync(struct vsmmu_smmu *s); /* a CMD_SYNC is consumed */
void hw_stall_resume(struct vsmmu_smmu *s, uint32_t sid, uint16_t stag,
		     unsigned int resp);
void hw_stall_term(struct vsmmu_smmu *s, uint32_t sid, bool all);

/* pri.c */
void hw_pri_resp(struct vsmmu_smmu *s, const struct vsmmu_pri_resp *r);

/* ats.c */
/* Return true if an endpoint reached did not complete the invalidation */
bool hw_atc_inv(struct vsmmu_smmu *s, uint32_t sid, uint32_t ssid, bool ssv,
		uint64_t addr, unsigned int size);

/* cmdqv.c */
int hw_cmdqv_init(struct vsmmu_smmu *s);
void hw_cmdqv_stop(struct vsmmu_smmu *s); /* join every VCMDQ consumer */
void hw_cmdqv_fini(struct vsmmu_smmu *s);
/* A CMD_SYNC completed on the main queue (pending VCMDQ ATC timeouts) */
void hw_cmdqv_main_sync(struct vsmmu_smmu *s);
void hw_atcs_fini(struct vsmmu_smmu *s);
void hw_gerror_raise(struct vsmmu_smmu *s, uint32_t bits);
void hw_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq, uint64_t cfg0_off);

/* The transaction being served, with its trace hook. */
struct txn_ctx {
	struct vsmmu_smmu *smmu;
	const struct vsmmu_txn *txn;
	unsigned int flags; /* after PRIVCFG/INSTCFG */
	bool use_cache;
	/*
	 * A checker's probe: reads memory as the hardware would but changes
	 * nothing -- no access-flag/dirty writes, no statistics, no fetch
	 * tracking.
	 */
	bool probe;
	/* An ATS Translation Request: faults are answered to the endpoint,
	 * never recorded and never stalled (3.9.1.2) */
	bool ats;
	uint64_t gen; /* hw_fill_gen() when the lookup began */
	vsmmu_trace_fn *trace;
	void *trace_arg;
};

/*
 * check.c: the invalidation checker.  hw_check_on() is the one test the
 * fast path makes.
 */
struct hw_checker;
static inline bool hw_check_on(const struct vsmmu_smmu *s)
{
	return __builtin_expect(__atomic_load_n(&s->check_on, __ATOMIC_RELAXED),
				0);
}

/*
 * Filling caches beside invalidations.  An invalidation increments
 * inv_gen before it visits any cache and inv_done after the last one.  A
 * walk (or configuration fetch) takes hw_fill_gen() before it reads
 * anything, and every insert it makes is dropped unless inv_gen still
 * has that value (sa_insert() checks it with the set locked, cache.h).
 * A walk that begins while an invalidation is in progress gets
 * HW_GEN_NOFILL and fills nothing: it may read cached entries the
 * invalidation has not reached yet (a walk-cache entry, a stage-2 cache
 * entry), and what it derives from them could otherwise land in a cache
 * the invalidation has already swept.
 */
#define HW_GEN_NOFILL UINT64_MAX

static inline uint64_t hw_fill_gen(struct vsmmu_smmu *s)
{
	uint64_t done = __atomic_load_n(&s->inv_done, __ATOMIC_ACQUIRE);
	uint64_t gen = __atomic_load_n(&s->inv_gen, __ATOMIC_SEQ_CST);

	return gen == done ? gen : HW_GEN_NOFILL;
}

static inline void hw_inv_begin(struct vsmmu_smmu *s)
{
	__atomic_fetch_add(&s->inv_gen, 1, __ATOMIC_SEQ_CST);
}

static inline void hw_inv_end(struct vsmmu_smmu *s)
{
	__atomic_fetch_add(&s->inv_done, 1, __ATOMIC_RELEASE);
}

/* Should fetches by @t be tracked for tearing? */
static inline bool hw_check_tracks(const struct txn_ctx *t);

#define CHK_STE 0
#define CHK_CD 1
uint64_t hw_check_epoch(struct vsmmu_smmu *s);
void hw_check_fetched(struct vsmmu_smmu *s, unsigned int kind, uint32_t sid,
		      uint32_t ssid, uint64_t pa, const uint64_t *w,
		      uint64_t epoch);
void hw_check_cfgi(struct vsmmu_smmu *s, const struct vsmmu_cfgi *inv);
void hw_check_fini(struct vsmmu_smmu *s);
void hw_check_report(struct vsmmu_smmu *s, struct vsmmu_check_report *r);

void hw_trace(struct txn_ctx *t, const struct vsmmu_trace_step *step);
void hw_note(struct txn_ctx *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool hw_check_tracks(const struct txn_ctx *t)
{
	return hw_check_on(t->smmu) && !t->probe;
}

/* Lowest input address bit a lookup level resolves, granule shift @g. */
static inline unsigned int hw_level_lsb(unsigned int g, unsigned int level)
{
	return g + (3 - level) * (g - 3);
}

/* Bitmask of the leaf sizes (log2) a granule can produce. */
static inline uint64_t hw_leaf_shifts(const struct vsmmu_smmu *s,
				      unsigned int g)
{
	switch (g) {
	case 12:
		return VS_BIT(12) | VS_BIT(21) | VS_BIT(30);
	case 14:
		return VS_BIT(14) | VS_BIT(25);
	case 16:
		/* 4 TiB level-1 blocks exist only with 52-bit addresses */
		return VS_BIT(16) | VS_BIT(29) |
		       (s->oas == 52 ? VS_BIT(42) : 0);
	}
	return 0;
}

/*
 * The set an IOTLB / stage-2 cache entry of size 2^@shift lives in.
 * VA[63:56] take no part, so that the set of an address is known before
 * TBI is applied (a lookup can start before the configuration arrives).
 */
static inline unsigned int hw_tlb_hash(uint64_t va, unsigned int shift)
{
	uint64_t vpn = (va << 8) >> (8 + shift);

	return (unsigned int)(vpn ^ (vpn >> 13) ^ (vpn >> 27));
}

/* A transaction's flags: exactly one of READ, WRITE, EXEC, plus PRIV. */
static inline bool hw_txn_flags_valid(unsigned int flags)
{
	unsigned int acc = flags &
			   (VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC);

	return (acc == VSMMU_TXN_READ || acc == VSMMU_TXN_WRITE ||
		acc == VSMMU_TXN_EXEC) &&
	       !(flags & ~(acc | VSMMU_TXN_PRIV));
}

/* Read one 64-bit word of guest-controlled memory. */
static inline int hw_read64(struct txn_ctx *t, uint64_t pa, uint64_t *val)
{
	return vsmmu_mem_read64(t->smmu->mem, pa, val);
}

static inline uint32_t hw_reg32(const uint32_t *r)
{
	return __atomic_load_n(r, __ATOMIC_ACQUIRE);
}

static inline void hw_reg32_set(uint32_t *r, uint32_t v)
{
	__atomic_store_n(r, v, __ATOMIC_RELEASE);
}

static inline uint64_t hw_reg64(const uint64_t *r)
{
	return __atomic_load_n(r, __ATOMIC_ACQUIRE);
}

/* The configuration cache's entries (translate.c, inval.c, smmu.c) */
/* Configuration cache entries (see "The configuration cache" below) */
#define CFGC_KEY_SID VS_GENMASK(31, 0)
#define CFGC_KEY_SSID VS_GENMASK(51, 32)
#define CFGC_KEY_SSV VS_BIT(52)
#define HOT_WORDS (sizeof(struct stream_hot) / 8)
#define CFG_WORDS ((sizeof(struct stream_cfg) + 7) / 8)

union hot_words {
	struct stream_hot h;
	uint64_t w[HOT_WORDS];
};

union cfg_words {
	struct stream_cfg sc;
	uint64_t w[CFG_WORDS];
};

#endif /* VSMMU_HW_H */
