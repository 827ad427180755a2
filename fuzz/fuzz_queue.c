// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the programming model: arbitrary command-queue memory,
 * arbitrary register writes (CR0, queue bases and indexes, GERRORN,
 * IRQ_CTRL, the MSI configuration...), arbitrary writes to the STE, CD
 * and tables, translations and invalidation calls, in either execution
 * mode (the command consumer in the writer's thread or the model's own).
 *
 * Input layout:
 *   header, 3 bytes:
 *     [0] bit 0 VSMMU_EXEC_THREAD, 1 IDR1.CMDQS = 4 (LOG2SIZE capped),
 *         2 no IDR3.RIL, 3 no IDR0.MSI, 4 no IDR0.SEV, 5 no ATS/PRI and
 *         STALL_MODEL none, 6 no stage 2, 7 GERROR and EVTQ interrupts
 *         enabled with MSIs into FQ_MSI
 *     [1] CMDQ_BASE.LOG2SIZE (mod 9), [2] EVTQ_BASE.LOG2SIZE (mod 6)
 *   then operations (at most FQ_MAX_OPS), each a type byte (mod 10):
 *     0 cmd:   slot u8, dw0 u64, dw1 u64 written to the queue's slot
 *     1 cmdop: slot u8, sel u8, a u64, b u64: a known opcode (sel mod
 *              21) with a's and b's bits under masks chosen by sel
 *     2 mem:   word index u16 (mod the populated region), value u64
 *     3 mmio:  sel u8, off u32, value u64: a write of 4 or 8 bytes (sel
 *              bit 0) at a register from a table (sel bit 1) or at off
 *              mod 0x20010 (misaligned and out-of-range included)
 *     4 prod:  sel u8, v u16: CMDQ_PROD = v, or CONS + v mod 8 (sel bit 0)
 *     5 txn:   sid u8, ssid u8, flags u8, addr u32 (bit 7 of flags: full
 *              32-bit SID from addr's top byte)
 *     6 tlbi:  kind u8, vmid u16, asid u16, addr u64, misc u16
 *     7 cfgi:  kind u8, sid u32, ssid u32, range u8
 *     8 ack:   GERRORN = GERROR (the architected acknowledgement)
 *     9 read:  sel u8, off u32: a register read
 *   Multi-byte values are little-endian; a short input ends the sequence.
 *
 * Invariants checked after every operation (abort() on a violation):
 *  - every call returns 0 or -EINVAL, and -EINVAL exactly when the
 *    contract says (register size/alignment/offset, malformed txn flags);
 *  - GERROR/GERRORN hold only architected bits; CMDQ_CONS holds only
 *    index, wrap and ERR; EVTQ_PROD only index, wrap and OVFLG;
 *  - CONS.ERR changes (other than by a software write of CMDQ_CONS) only
 *    to CERROR_ILL, CERROR_ABT or CERROR_ATC_INV_SYNC (1..3), and when
 *    GERROR.CMDQ_ERR becomes active by the model's doing, ERR is one of
 *    them and CONS is at an unconsumed command;
 *  - while GERROR.CMDQ_ERR is active, only a GERRORN or CMDQ_CONS write
 *    can change CONS or deactivate it (in particular PROD writes do not);
 *  - an enabled command queue without an active error is drained: at
 *    once in SYNC mode, within FQ_SETTLE_NS in THREAD mode (else: hang);
 *  - a translation returns one of the three outcomes; a fault's event ID
 *    is architected and carries the transaction's SID; EVTQ_PROD moves
 *    only for a recorded fault, by one entry (or OVFLG toggles), and the
 *    record in memory is that fault's record;
 *  - destroying the SMMU returns (the consumer thread is joined).
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vsmmu/arch.h>
#include <vsmmu/decode.h>
#include <vsmmu/mem.h>
#include <vsmmu/smmu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap);

/* Memory layout, as tests/test_queue.c (see there for the arithmetic) */
#define FQ_LO 0x10000ULL
#define FQ_HI 0x60000ULL
#define FQ_STE 0x10000ULL
#define FQ_CD 0x20000ULL
#define FQ_TT 0x30000ULL
#define FQ_CMDQ 0x40000ULL
#define FQ_EVTQ 0x44000ULL
#define FQ_MSI 0x50000ULL
#define FQ_MAX_OPS 160
#define FQ_SETTLE_NS 3000000000ULL
#define FQ_ERR_SHIFT 24

#define FQ_FAIL(...)                                         \
	do {                                                 \
		fprintf(stderr, "fuzz_queue: " __VA_ARGS__); \
		fputc('\n', stderr);                         \
		abort();                                     \
	} while (0)

struct fq_in {
	const uint8_t *p;
	size_t left;
};

static uint64_t fq_take(struct fq_in *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

struct fq {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	bool thread;
	unsigned int cmdq_max, evtq_max; /* IDR1.CMDQS, EVTQS */
	unsigned int irqs[5];
};

/* A snapshot of the registers the invariants are about */
struct fq_regs {
	uint32_t cr0, gerror, gerrorn, prod, cons, eprod;
	uint64_t cmdq_base, evtq_base;
};

static void fq_irq(void *arg, enum vsmmu_irq irq)
{
	struct fq *f = arg;

	if ((unsigned int)irq >= 5)
		FQ_FAIL("interrupt %d is not one of the lines", (int)irq);
	__atomic_fetch_add(&f->irqs[irq], 1, __ATOMIC_RELAXED);
}

static uint64_t fq_rd(struct fq *f, uint64_t off, unsigned int size)
{
	uint64_t v;

	if (vsmmu_smmu_mmio_read(f->smmu, off, size, &v))
		FQ_FAIL("read of register 0x%llx failed",
			(unsigned long long)off);
	return v;
}

static void fq_wr(struct fq *f, uint64_t off, unsigned int size, uint64_t v)
{
	if (vsmmu_smmu_mmio_write(f->smmu, off, size, v))
		FQ_FAIL("write of register 0x%llx failed",
			(unsigned long long)off);
}

static void fq_snap(struct fq *f, struct fq_regs *r)
{
	/* GERROR before CONS: the consumer writes CONS.ERR, then GERROR */
	r->gerror = fq_rd(f, ARM_SMMU_GERROR, 4);
	r->gerrorn = fq_rd(f, ARM_SMMU_GERRORN, 4);
	r->cr0 = fq_rd(f, ARM_SMMU_CR0, 4);
	r->cons = fq_rd(f, ARM_SMMU_CMDQ_CONS, 4);
	r->prod = fq_rd(f, ARM_SMMU_CMDQ_PROD, 4);
	r->eprod = fq_rd(f, ARM_SMMU_EVTQ_PROD, 4);
	r->cmdq_base = fq_rd(f, ARM_SMMU_CMDQ_BASE, 8);
	r->evtq_base = fq_rd(f, ARM_SMMU_EVTQ_BASE, 8);
}

static unsigned int fq_log2(uint64_t base, unsigned int max)
{
	unsigned int l = base & Q_BASE_LOG2SIZE;

	return l < max ? l : max;
}

static bool fq_cmdq_active(const struct fq_regs *r)
{
	return (r->gerror ^ r->gerrorn) & GERROR_CMDQ_ERR;
}

static unsigned int fq_err(const struct fq_regs *r)
{
	return (r->cons & CMDQ_CONS_ERR) >> FQ_ERR_SHIFT;
}

/* Commands remain that an enabled, error-free queue has not consumed */
static bool fq_pending(struct fq *f, const struct fq_regs *r)
{
	uint32_t mask = (2U << fq_log2(r->cmdq_base, f->cmdq_max)) - 1;

	return (r->cr0 & CR0_CMDQEN) && !fq_cmdq_active(r) &&
	       ((r->cons ^ r->prod) & mask);
}

static uint64_t fq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Wait until the command queue is drained or stopped, and snapshot.  In
 * SYNC mode there is nothing to wait for: the register write that made
 * work consumed it before returning.
 */
static void fq_settle(struct fq *f, struct fq_regs *r)
{
	uint64_t t0 = 0;

	for (;;) {
		fq_snap(f, r);
		if (!fq_pending(f, r))
			return;
		if (!f->thread)
			FQ_FAIL("SYNC mode left commands unconsumed: CONS 0x%x "
				"PROD 0x%x",
				r->cons, r->prod);
		if (!t0)
			t0 = fq_now_ns();
		else if (fq_now_ns() - t0 > FQ_SETTLE_NS)
			FQ_FAIL("consumer thread hung: CONS 0x%x PROD 0x%x",
				r->cons, r->prod);
		sched_yield();
	}
}

static bool fq_known_event(unsigned int id)
{
	switch (id) {
	case EVT_ID_UUT:
	case EVT_ID_BAD_STREAMID:
	case EVT_ID_STE_FETCH:
	case EVT_ID_BAD_STE:
	case EVT_ID_BAD_ATS_TREQ:
	case EVT_ID_STREAM_DISABLED:
	case EVT_ID_TRANSL_FORBIDDEN:
	case EVT_ID_BAD_SUBSTREAMID:
	case EVT_ID_CD_FETCH:
	case EVT_ID_BAD_CD:
	case EVT_ID_WALK_EABT:
	case EVT_ID_TRANSLATION:
	case EVT_ID_ADDR_SIZE:
	case EVT_ID_ACCESS:
	case EVT_ID_PERMISSION:
	case EVT_ID_TLB_CONFLICT:
	case EVT_ID_CFG_CONFLICT:
	case EVT_ID_PAGE_REQUEST:
	case EVT_ID_VMS_FETCH:
		return true;
	}
	return false;
}

/* Which registers a (valid) write touches, for the invariants */
#define FQ_T_GERRORN (1U << 0)
#define FQ_T_CONS (1U << 1)
#define FQ_T_PROD (1U << 2)

/* The register table the model uses (one table for all) */
static bool fq_is64(uint64_t base)
{
	return vsmmu_reg_width(base) == 8;
}

/* The contract's -EINVAL cases for a register access */
static bool fq_mmio_bad(uint64_t off, unsigned int size)
{
	return (off & (size - 1)) || off >= SMMU_MMIO_SIZE ||
	       (size == 8 && !fq_is64(off));
}

/* Registers worth hitting exactly */
static const uint32_t fq_regs_tab[] = {
	ARM_SMMU_CR0,
	ARM_SMMU_CR0ACK,
	ARM_SMMU_CR1,
	ARM_SMMU_CR2,
	ARM_SMMU_GBPA,
	ARM_SMMU_IRQ_CTRL,
	ARM_SMMU_IRQ_CTRLACK,
	ARM_SMMU_GERROR,
	ARM_SMMU_GERRORN,
	ARM_SMMU_GERROR_IRQ_CFG0,
	ARM_SMMU_GERROR_IRQ_CFG0 + 4,
	ARM_SMMU_GERROR_IRQ_CFG1,
	ARM_SMMU_GERROR_IRQ_CFG2,
	ARM_SMMU_STRTAB_BASE,
	ARM_SMMU_STRTAB_BASE_CFG,
	ARM_SMMU_CMDQ_BASE,
	ARM_SMMU_CMDQ_BASE + 4,
	ARM_SMMU_CMDQ_PROD,
	ARM_SMMU_CMDQ_CONS,
	ARM_SMMU_EVTQ_BASE,
	ARM_SMMU_EVTQ_PROD,
	ARM_SMMU_EVTQ_CONS,
	ARM_SMMU_EVTQ_IRQ_CFG0,
	ARM_SMMU_EVTQ_IRQ_CFG1,
	ARM_SMMU_EVTQ_IRQ_CFG2,
	ARM_SMMU_PRIQ_BASE,
	ARM_SMMU_PRIQ_PROD,
	ARM_SMMU_PRIQ_CONS,
	ARM_SMMU_PRIQ_IRQ_CFG0,
	ARM_SMMU_IDR0,
	ARM_SMMU_IDR1,
	0xa8, /* page 0 alias of EVTQ_PROD: not a register there */
	0x10020, /* page 1, not a register */
};

#define FQ_NREGS (sizeof(fq_regs_tab) / sizeof(fq_regs_tab[0]))

static uint64_t fq_pick_off(uint8_t sel, uint32_t off)
{
	if (sel & 2)
		return fq_regs_tab[off % FQ_NREGS];
	return off % (SMMU_MMIO_SIZE + 0x10);
}

static unsigned int fq_touches(uint64_t off, unsigned int size)
{
	if (fq_mmio_bad(off, size) || size != 4)
		return 0;
	switch (off) {
	case ARM_SMMU_GERRORN:
		return FQ_T_GERRORN;
	case ARM_SMMU_CMDQ_CONS:
		return FQ_T_CONS;
	case ARM_SMMU_CMDQ_PROD:
		return FQ_T_PROD;
	}
	return 0;
}

/*
 * The register invariants across one operation that touched @touch,
 * given the registers before (@a) and after (@b) it.
 */
static void fq_check(struct fq *f, const struct fq_regs *a,
		     const struct fq_regs *b, unsigned int touch)
{
	uint32_t cmax = (2U << f->cmdq_max) - 1;
	uint32_t emax = (2U << f->evtq_max) - 1;
	unsigned int err = fq_err(b);

	if (b->gerror & ~0x1fdU)
		FQ_FAIL("GERROR has non-architected bits: 0x%x", b->gerror);
	if (b->gerrorn & ~0x1fdU)
		FQ_FAIL("GERRORN has non-architected bits: 0x%x", b->gerrorn);
	if (b->cons & ~(cmax | (uint32_t)CMDQ_CONS_ERR))
		FQ_FAIL("CMDQ_CONS out of range: 0x%x", b->cons);
	if (b->prod & ~cmax)
		FQ_FAIL("CMDQ_PROD out of range: 0x%x", b->prod);
	if (b->eprod & ~(emax | (uint32_t)Q_OVERFLOW_FLAG))
		FQ_FAIL("EVTQ_PROD out of range: 0x%x", b->eprod);
	/* GERROR bits only ever become active; GERRORN deactivates */
	if (!(touch & FQ_T_GERRORN) &&
	    ((a->gerror ^ a->gerrorn) & ~(b->gerror ^ b->gerrorn)))
		FQ_FAIL("a global error went inactive without GERRORN: "
			"0x%x/0x%x -> 0x%x/0x%x",
			a->gerror, a->gerrorn, b->gerror, b->gerrorn);
	if (touch & FQ_T_CONS)
		return; /* software owns CONS (and its ERR) while disabled */
	if (err != fq_err(a) && (err < 1 || err > 3))
		FQ_FAIL("CONS.ERR became %u", err);
	if (touch & FQ_T_GERRORN)
		return;
	if (fq_cmdq_active(a) && b->cons != a->cons)
		FQ_FAIL("CONS moved with CMDQ_ERR active: 0x%x -> 0x%x",
			a->cons, b->cons);
	if (!fq_cmdq_active(a) && fq_cmdq_active(b)) {
		uint32_t m = (2U << fq_log2(b->cmdq_base, f->cmdq_max)) - 1;

		if (err < 1 || err > 3)
			FQ_FAIL("CMDQ_ERR raised with CONS.ERR %u", err);
		if (!((b->cons ^ b->prod) & m))
			FQ_FAIL("CMDQ_ERR raised with no command at CONS "
				"0x%x (PROD 0x%x)",
				b->cons, b->prod);
	}
}

static bool fq_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void fq_txn(struct fq *f, struct fq_in *in)
{
	uint8_t sid = fq_take(in, 1), ssid = fq_take(in, 1);
	uint8_t fl = fq_take(in, 1);
	uint32_t addr = fq_take(in, 4);
	struct vsmmu_txn txn = {
		.sid = (fl & 0x80) ? (uint32_t)(addr >> 24) << 24 | sid :
				     sid & 3,
		.ssid = ssid,
		.ssv = fl & 0x40,
		.addr = (fl & 0x20) ? (uint64_t)addr << 16 : addr & 0xfffff,
		.flags = fl & 0x1f,
	};
	unsigned int acc = txn.flags & 7;
	bool malformed = (txn.flags & ~0xfU) ||
			 (acc != VSMMU_TXN_READ && acc != VSMMU_TXN_WRITE &&
			  acc != VSMMU_TXN_EXEC);
	struct vsmmu_txn_result res;
	struct fq_regs a, b;
	uint32_t emask, p0, p1;
	int rc;

	fq_snap(f, &a);
	memset(&res, 0xa5, sizeof(res));
	rc = vsmmu_translate(f->smmu, &txn, &res);
	fq_settle(f, &b);
	if (rc && !(rc == -EINVAL && malformed))
		FQ_FAIL("vsmmu_translate: %d (flags 0x%x)", rc, txn.flags);
	if (rc) {
		if (a.eprod != b.eprod)
			FQ_FAIL("a refused transaction moved EVTQ_PROD");
		return;
	}
	if (res.outcome != VSMMU_TXN_OK && res.outcome != VSMMU_TXN_FAULT &&
	    res.outcome != VSMMU_TXN_TERMINATED)
		FQ_FAIL("outcome %d", (int)res.outcome);
	if (res.outcome == VSMMU_TXN_FAULT) {
		if (!fq_known_event(res.evt[0] & 0xff))
			FQ_FAIL("event ID 0x%02x",
				(unsigned int)(res.evt[0] & 0xff));
		if ((uint32_t)(res.evt[0] >> 32) != txn.sid)
			FQ_FAIL("event SID 0x%x for SID 0x%x",
				(uint32_t)(res.evt[0] >> 32), txn.sid);
	}
	emask = (2U << fq_log2(a.evtq_base, f->evtq_max)) - 1;
	if (b.evtq_base != a.evtq_base)
		FQ_FAIL("EVTQ_BASE changed by a translation");
	p0 = a.eprod & emask;
	p1 = b.eprod & emask;
	if (p0 == p1) {
		if (a.eprod != b.eprod &&
		    ((a.eprod ^ b.eprod) != Q_OVERFLOW_FLAG ||
		     res.outcome != VSMMU_TXN_FAULT || !res.recorded))
			FQ_FAIL("EVTQ_PROD 0x%x -> 0x%x", a.eprod, b.eprod);
		return;
	}
	if (p1 != ((p0 + 1) & emask) || res.outcome != VSMMU_TXN_FAULT ||
	    !res.recorded || ((a.eprod ^ b.eprod) & Q_OVERFLOW_FLAG))
		FQ_FAIL("EVTQ_PROD 0x%x -> 0x%x (outcome %d, recorded %d)",
			a.eprod, b.eprod, (int)res.outcome, res.recorded);
	{
		unsigned int log2 = fq_log2(a.evtq_base, f->evtq_max);
		uint64_t bytes = 32ULL << log2;
		uint64_t rec = (a.evtq_base & Q_BASE_ADDR_MASK & ~(bytes - 1)) +
			       (uint64_t)(p0 & (emask >> 1)) * 32;
		uint64_t msi = fq_rd(f, ARM_SMMU_EVTQ_IRQ_CFG0, 8) &
			       MSI_CFG0_ADDR_MASK;
		uint64_t w[4];
		int i;

		for (i = 0; i < 4; i++)
			if (vsmmu_mem_read64(f->mem, rec + 8 * i, &w[i]))
				FQ_FAIL("event record at 0x%llx not in memory",
					(unsigned long long)rec);
		if (!fq_known_event(w[0] & 0xff) &&
		    !fq_overlap(msi, 4, rec, 32))
			FQ_FAIL("event record with ID 0x%02x",
				(unsigned int)(w[0] & 0xff));
		/* the event interrupt's MSI may land on the record */
		if (!fq_overlap(msi, 4, rec, 32) &&
		    memcmp(w, res.evt, sizeof(w)))
			FQ_FAIL("event record differs from the fault's");
	}
}

/* A known opcode with field bits from the input under chosen masks */
static const uint8_t fq_ops[] = {
	CMDQ_OP_PREFETCH_CFG,	CMDQ_OP_PREFETCH_ADDR, CMDQ_OP_CFGI_STE,
	CMDQ_OP_CFGI_STE_RANGE, CMDQ_OP_CFGI_CD,       CMDQ_OP_CFGI_CD_ALL,
	CMDQ_OP_TLBI_NH_ALL,	CMDQ_OP_TLBI_NH_ASID,  CMDQ_OP_TLBI_NH_VA,
	CMDQ_OP_TLBI_NH_VAA,	CMDQ_OP_TLBI_EL2_ALL,  CMDQ_OP_TLBI_EL2_ASID,
	CMDQ_OP_TLBI_EL2_VA,	CMDQ_OP_TLBI_EL2_VAA,  CMDQ_OP_TLBI_S12_VMALL,
	CMDQ_OP_TLBI_S2_IPA,	CMDQ_OP_TLBI_NSNH_ALL, CMDQ_OP_ATC_INV,
	CMDQ_OP_PRI_RESP,	CMDQ_OP_RESUME,	       CMDQ_OP_CMD_SYNC,
};

static const uint64_t fq_mask0[4] = { 0, 0xffffffff00000000ULL,
				      0x00000000ffffff00ULL, ~0xffULL };
static const uint64_t fq_mask1[4] = { 0, 0x000ffffffffff000ULL, 0xfffULL,
				      ~0ULL };

static void fq_put_cmd(struct fq *f, unsigned int slot, uint64_t dw0,
		       uint64_t dw1)
{
	if (vsmmu_mem_write64(f->mem, FQ_CMDQ + 16 * slot, dw0) ||
	    vsmmu_mem_write64(f->mem, FQ_CMDQ + 16 * slot + 8, dw1))
		FQ_FAIL("queue memory write");
}

static void fq_op(struct fq *f, struct fq_in *in, unsigned int type)
{
	struct fq_regs a, b;
	unsigned int touch = 0;
	uint64_t v;

	fq_snap(f, &a);
	switch (type) {
	case 0: {
		unsigned int slot = fq_take(in, 1);
		uint64_t dw0 = fq_take(in, 8);

		fq_put_cmd(f, slot, dw0, fq_take(in, 8));
		break;
	}
	case 1: {
		unsigned int slot = fq_take(in, 1), sel = fq_take(in, 1);
		uint64_t x = fq_take(in, 8), y = fq_take(in, 8);

		fq_put_cmd(f, slot,
			   fq_ops[sel % sizeof(fq_ops)] |
				   (x & fq_mask0[(sel >> 5) & 3]),
			   y & fq_mask1[(sel >> 3) & 3]);
		break;
	}
	case 2: {
		uint64_t idx = fq_take(in, 2) % ((FQ_HI - FQ_LO) / 8);

		if (vsmmu_mem_write64(f->mem, FQ_LO + 8 * idx, fq_take(in, 8)))
			FQ_FAIL("memory write");
		break;
	}
	case 3: {
		uint8_t sel = fq_take(in, 1);
		uint64_t off = fq_pick_off(sel, fq_take(in, 4));
		unsigned int size = (sel & 1) ? 8 : 4;
		int rc;

		v = fq_take(in, 8);
		rc = vsmmu_smmu_mmio_write(f->smmu, off, size, v);
		if (rc != (fq_mmio_bad(off, size) ? -EINVAL : 0))
			FQ_FAIL("mmio write 0x%llx/%u: %d",
				(unsigned long long)off, size, rc);
		touch = fq_touches(off, size);
		break;
	}
	case 4: {
		uint8_t sel = fq_take(in, 1);

		v = fq_take(in, 2);
		if (sel & 1)
			v = (a.cons & ~(uint32_t)CMDQ_CONS_ERR) + v % 8;
		fq_wr(f, ARM_SMMU_CMDQ_PROD, 4, v);
		touch = FQ_T_PROD;
		break;
	}
	case 6: {
		struct vsmmu_tlbi t = { 0 };
		uint16_t misc;
		int rc;

		t.kind = fq_take(in, 1) % 12; /* 11: not a kind */
		t.vmid = fq_take(in, 2);
		t.asid = fq_take(in, 2);
		t.addr = fq_take(in, 8);
		misc = fq_take(in, 2);
		t.leaf = misc & 1;
		t.tg = (misc >> 1) & 3;
		t.ttl = (misc >> 3) & 3;
		t.scale = (misc >> 5) & 31;
		t.num = misc >> 10;
		rc = vsmmu_smmu_tlbi(f->smmu, &t);
		if (rc && rc != -EINVAL)
			FQ_FAIL("vsmmu_smmu_tlbi: %d", rc);
		break;
	}
	case 7: {
		struct vsmmu_cfgi c = { 0 };
		int rc;

		c.kind = fq_take(in, 1) % 6; /* 5: not a kind */
		c.sid = fq_take(in, 4);
		c.ssid = fq_take(in, 4);
		c.range = fq_take(in, 1);
		c.leaf = c.range & 0x80;
		c.range &= 0x3f;
		rc = vsmmu_smmu_cfgi(f->smmu, &c);
		if (rc && rc != -EINVAL)
			FQ_FAIL("vsmmu_smmu_cfgi: %d", rc);
		break;
	}
	case 8:
		fq_wr(f, ARM_SMMU_GERRORN, 4, a.gerror);
		touch = FQ_T_GERRORN;
		break;
	case 9: {
		uint8_t sel = fq_take(in, 1);
		uint64_t off = fq_pick_off(sel, fq_take(in, 4));
		unsigned int size = (sel & 1) ? 8 : 4;
		int rc = vsmmu_smmu_mmio_read(f->smmu, off, size, &v);

		if (rc != (fq_mmio_bad(off, size) ? -EINVAL : 0))
			FQ_FAIL("mmio read 0x%llx/%u: %d",
				(unsigned long long)off, size, rc);
		break;
	}
	}
	fq_settle(f, &b);
	fq_check(f, &a, &b, touch);
}

static void fq_config(uint8_t h, struct vsmmu_smmu_config *cfg)
{
	vsmmu_smmu_config_default(cfg);
	cfg->exec = (h & 1) ? VSMMU_EXEC_THREAD : VSMMU_EXEC_SYNC;
	/* small caches: replacement is exercised */
	cfg->tlb_sets = 4;
	cfg->tlb_ways = 2;
	cfg->cfg_sets = 2;
	cfg->cfg_ways = 2;
	if (h & 2)
		cfg->idr[1] = (cfg->idr[1] & ~IDR1_CMDQS) |
			      VS_FIELD_PREP(IDR1_CMDQS, 4);
	if (h & 4)
		cfg->idr[3] &= ~IDR3_RIL;
	if (h & 8)
		cfg->idr[0] &= ~IDR0_MSI;
	if (h & 16)
		cfg->idr[0] &= ~IDR0_SEV;
	if (h & 32)
		cfg->idr[0] =
			(cfg->idr[0] &
			 ~(IDR0_ATS | IDR0_PRI | IDR0_STALL_MODEL)) |
			VS_FIELD_PREP(IDR0_STALL_MODEL, IDR0_STALL_MODEL_NONE);
	if (h & 64)
		cfg->idr[0] &= ~IDR0_S2P;
}

/* STE 0 -> CD (ASID 1) -> 4K tables mapping IOVA n << 12 for n < 16 */
static int fq_layout(struct fq *f)
{
	unsigned int i;
	int rc = 0;

	rc |= vsmmu_mem_write64(f->mem, FQ_STE, FQ_CD | 0xb);
	rc |= vsmmu_mem_write64(f->mem, FQ_CD, 0x00012205c0000010ULL);
	rc |= vsmmu_mem_write64(f->mem, FQ_CD + 8, FQ_TT);
	rc |= vsmmu_mem_write64(f->mem, FQ_TT, (FQ_TT + 0x1000) | 3);
	rc |= vsmmu_mem_write64(f->mem, FQ_TT + 0x1000, (FQ_TT + 0x2000) | 3);
	rc |= vsmmu_mem_write64(f->mem, FQ_TT + 0x2000, (FQ_TT + 0x3000) | 3);
	for (i = 0; i < 16; i++)
		rc |= vsmmu_mem_write64(f->mem, FQ_TT + 0x3000 + 8 * i,
					(0x80000 + 0x1000ULL * i) | 0xf43);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fq_in in = { data, size };
	struct vsmmu_smmu_config cfg;
	struct fq f;
	struct fq_regs r;
	uint8_t h[3];
	unsigned int n;

	if (size < 3)
		return 0;
	h[0] = fq_take(&in, 1);
	h[1] = fq_take(&in, 1);
	h[2] = fq_take(&in, 1);
	memset(&f, 0, sizeof(f));
	fq_config(h[0], &cfg);
	f.thread = cfg.exec == VSMMU_EXEC_THREAD;
	f.cmdq_max = VS_FIELD_GET(IDR1_CMDQS, cfg.idr[1]);
	f.evtq_max = VS_FIELD_GET(IDR1_EVTQS, cfg.idr[1]);
	if (vsmmu_mem_create(48, &f.mem))
		FQ_FAIL("mem");
	if (vsmmu_mem_populate(f.mem, FQ_LO, FQ_HI - FQ_LO) || fq_layout(&f))
		FQ_FAIL("populate");
	if (vsmmu_smmu_create(&cfg, f.mem, &f.smmu))
		FQ_FAIL("create");
	vsmmu_smmu_set_irq_handler(f.smmu, fq_irq, &f);
	fq_wr(&f, ARM_SMMU_STRTAB_BASE, 8, FQ_STE);
	fq_wr(&f, ARM_SMMU_STRTAB_BASE_CFG, 4, 1);
	fq_wr(&f, ARM_SMMU_CMDQ_BASE, 8, FQ_CMDQ | (h[1] % 9));
	fq_wr(&f, ARM_SMMU_EVTQ_BASE, 8, FQ_EVTQ | (h[2] % 6));
	if (h[0] & 0x80) {
		fq_wr(&f, ARM_SMMU_GERROR_IRQ_CFG0, 8, FQ_MSI + 0x10);
		fq_wr(&f, ARM_SMMU_GERROR_IRQ_CFG1, 4, 0x6e);
		fq_wr(&f, ARM_SMMU_EVTQ_IRQ_CFG0, 8, FQ_MSI + 0x20);
		fq_wr(&f, ARM_SMMU_EVTQ_IRQ_CFG1, 4, 0xe7);
		fq_wr(&f, ARM_SMMU_IRQ_CTRL, 4,
		      IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN);
	}
	/* CR0: SMMUEN | EVTQEN | CMDQEN */
	fq_wr(&f, ARM_SMMU_CR0, 4, CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);
	fq_settle(&f, &r);
	for (n = 0; n < FQ_MAX_OPS && in.left; n++) {
		unsigned int type = fq_take(&in, 1) % 10;

		if (type == 5)
			fq_txn(&f, &in);
		else
			fq_op(&f, &in, type);
	}
	vsmmu_smmu_destroy(f.smmu);
	vsmmu_mem_destroy(f.mem);
	return 0;
}

/* --- Seeds (the standalone driver mutates these; see fuzz/corpus) ------ */

struct fq_seed_buf {
	uint8_t *p;
	size_t n, cap;
};

static void fq_put(struct fq_seed_buf *b, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (b->n < b->cap)
			b->p[b->n++] = v >> (8 * i);
}

static void fq_seed_cmd(struct fq_seed_buf *b, unsigned int slot, uint64_t dw0,
			uint64_t dw1)
{
	fq_put(b, 0, 1);
	fq_put(b, slot, 1);
	fq_put(b, dw0, 8);
	fq_put(b, dw1, 8);
}

static void fq_seed_prod(struct fq_seed_buf *b, unsigned int prod)
{
	fq_put(b, 4, 1);
	fq_put(b, 0, 1);
	fq_put(b, prod, 2);
}

static void fq_seed_txn(struct fq_seed_buf *b, uint32_t addr)
{
	fq_put(b, 5, 1);
	fq_put(b, 0, 1); /* SID 0 */
	fq_put(b, 0, 1);
	fq_put(b, VSMMU_TXN_READ | VSMMU_TXN_PRIV, 1);
	fq_put(b, addr, 4);
}

static void fq_seed_reg(struct fq_seed_buf *b, unsigned int tab_idx,
			unsigned int size, uint64_t v)
{
	fq_put(b, 3, 1);
	fq_put(b, 2 | (size == 8), 1); /* from fq_regs_tab */
	fq_put(b, tab_idx, 4);
	fq_put(b, v, 8);
}

/* Every implemented command once, with legal fields, then a CMD_SYNC */
static const uint64_t fq_seed_cmds[][2] = {
	{ 0x01, 0 }, /* PREFETCH_CFG */
	{ 0x02, 0 }, /* PREFETCH_ADDR */
	{ 0x03, 1 }, /* CFGI_STE, Leaf */
	{ 0x04, 0x1f }, /* CFGI_STE_RANGE, Range 31: CFGI_ALL */
	{ 0x05, 1 }, /* CFGI_CD, Leaf */
	{ 0x06, 0 }, /* CFGI_CD_ALL */
	{ 0x10, 0 }, /* TLBI_NH_ALL */
	{ 0x13, 0x1001 }, /* TLBI_NH_VAA, VA 0x1000, Leaf */
	{ 0x20, 0 }, /* TLBI_EL2_ALL */
	{ 0x0001000000000021ULL, 0 }, /* TLBI_EL2_ASID, ASID 1 */
	{ 0x22, 0x1000 }, /* TLBI_EL2_VA */
	{ 0x23, 0x1000 }, /* TLBI_EL2_VAA */
	{ 0x28, 0 }, /* TLBI_S12_VMALL */
	{ 0x2a, 0x1000 }, /* TLBI_S2_IPA */
	{ 0x30, 0 }, /* TLBI_NSNH_ALL */
	{ 0x40, 0 }, /* ATC_INV */
	{ 0x41, 0 }, /* PRI_RESP */
	{ 0x44, 0 }, /* RESUME */
	{ 0x45, 0 }, /* STALL_TERM */
	{ 0x2046, 0 }, /* CMD_SYNC, CS = SEV */
};

#define FQ_SEED_NCMDS (sizeof(fq_seed_cmds) / sizeof(fq_seed_cmds[0]))

/*
 * 0, 1: (SYNC, THREAD) translate, unmap in memory, TLBI_NH_ASID(ASID 1)
 * + CMD_SYNC(CS = IRQ, MSI 0xcafe to FQ_MSI), translate (a fault and its
 * event).  2: an illegal command halts the queue; GERRORN acknowledges
 * after the command is replaced with a CMD_SYNC.  3: THREAD mode with the
 * interrupts as MSIs and a 16-entry queue wrapped twice.  4: both
 * queues moved to absent memory (CR0 off, the bases, CR0 on): CERROR_ABT
 * and GERROR.EVTQ_ABT_ERR.  5: every implemented command.
 */
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	struct fq_seed_buf b = { buf, 0, cap };
	unsigned int k;

	if (i > 5)
		return 0;
	fq_put(&b, i == 1 ? 1 : i == 3 ? 0x81 : 0, 1);
	fq_put(&b, i == 3 ? 4 : 8, 1);
	fq_put(&b, 5, 1);
	switch (i) {
	case 0:
	case 1:
		fq_seed_txn(&b, 0x1234);
		/* mem: L3[1] (word (0x33008 - 0x10000) / 8 = 0x4601) = 0 */
		fq_put(&b, 2, 1);
		fq_put(&b, 0x4601, 2);
		fq_put(&b, 0, 8);
		fq_seed_txn(&b, 0x1234);
		fq_seed_cmd(&b, 0, 0x0001000000000011ULL, 0);
		fq_seed_cmd(&b, 1, 0x0000cafe00001046ULL, FQ_MSI);
		fq_seed_prod(&b, 2);
		fq_seed_txn(&b, 0x1234);
		break;
	case 2:
		fq_seed_cmd(&b, 0, 0x7f, 0);
		fq_seed_cmd(&b, 1, 0x0000000100001046ULL, FQ_MSI);
		fq_seed_prod(&b, 2);
		fq_seed_prod(&b, 2);
		fq_seed_cmd(&b, 0, 0x46, 0);
		fq_put(&b, 8, 1); /* ack */
		fq_seed_txn(&b, 0x2000);
		break;
	case 3:
		for (k = 0; k < 16; k++)
			fq_seed_cmd(&b, k, 0x0001000000000011ULL, 0);
		fq_seed_prod(&b, 15);
		fq_seed_prod(&b, 0x10);
		fq_seed_prod(&b, 0x0f);
		fq_seed_prod(&b, 0);
		fq_seed_txn(&b, 0x30000);
		break;
	case 4:
		/* fq_regs_tab: 0 CR0, 15 CMDQ_BASE, 19 EVTQ_BASE */
		fq_seed_reg(&b, 0, 4, 0);
		fq_seed_reg(&b, 15, 8, 0x900000ULL | 4);
		fq_seed_reg(&b, 19, 8, 0x980000ULL | 2);
		fq_seed_reg(&b, 0, 4, 0xd);
		fq_seed_prod(&b, 1);
		fq_seed_txn(&b, 0x30000);
		fq_put(&b, 8, 1); /* ack */
		break;
	case 5:
		for (k = 0; k < FQ_SEED_NCMDS; k++)
			fq_seed_cmd(&b, k, fq_seed_cmds[k][0],
				    fq_seed_cmds[k][1]);
		fq_seed_prod(&b, FQ_SEED_NCMDS);
		break;
	}
	return b.n;
}
