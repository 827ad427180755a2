// SPDX-License-Identifier: MIT
/*
 * Stalled transactions (CMD_RESUME, CMD_STALL_TERM, SMMUEN), the PRI
 * queue (page requests, CMD_PRI_RESP, overflow and automatic responses)
 * and ATS (Translation Requests, Translated transactions, the device ATC,
 * CMD_ATC_INV and CERROR_ATC_INV_SYNC), through registers and memory.
 * Commands, records and register values are hand-encoded from the spec.
 *
 * Layout (as tests/test_queue.c):
 *   0x10000 stream table, linear, LOG2SIZE 1: STE 0 = V | Config 0b101 |
 *           S1ContextPtr 0x20000 = 0x2000b; STE 1 the same
 *   0x20000 CD: T0SZ 16 (0x10), EPD1 (1 << 30), V (1 << 31), IPS 48
 *           (5 << 32), AA64 (1 << 41), R (1 << 45), ASID 1 (1 << 48)
 *           = 0x0001_2205_c000_0010, + S (1 << 44) = 0x0001_3205_c000_0010
 *           when stalling; TTB0 0x30000
 *   0x30000.. L0..L3; IOVA 0x1000 -> page 0x80000 (L3[1] at 0x33008 =
 *           0x80f43: nG, AF, SH IS, AP[1] EL0 RW, page+valid); IOVA 0x5000
 *           unmapped (L3[5] at 0x33028 = 0)
 *   0x40000 command queue, 256 entries (CMDQ_BASE = 0x40000 | 8)
 *   0x44000 event queue, 32 entries (EVTQ_BASE = 0x44000 | 5)
 *   0x48000 PRI queue, 4 entries (PRIQ_BASE = 0x48000 | 2)
 *   0x50000 MSI targets
 */
#include <errno.h>

#include <vsmmu/vsmmu.h>

#include "harness.h"

#define F_CMDQ 0x40000ULL
#define F_EVTQ 0x44000ULL
#define F_PRIQ 0x48000ULL
#define F_HELD ((enum vsmmu_txn_outcome)100)
#define CD_S1 0x00012205c0000010ULL
#define CD_S1_STALL 0x00013205c0000010ULL /* + S (1 << 44) */

/* Registers */
#define R_CR0 0x20
#define R_GERROR 0x60
#define R_GERRORN 0x64
#define R_CMDQ_PROD 0x98
#define R_CMDQ_CONS 0x9c
#define R_EVTQ_PROD 0x100a8
#define R_EVTQ_CONS 0x100ac
#define R_PRIQ_BASE 0xc0
#define R_PRIQ_PROD 0x100c8
#define R_PRIQ_CONS 0x100cc
#define R_IRQ_CTRL 0x50

struct fenv {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	unsigned int slot; /* next command slot */
	unsigned int irqs[8];
	unsigned int nresp;
	struct vsmmu_pri_resp resp;
};

static void f_irq(void *arg, enum vsmmu_irq irq)
{
	struct fenv *e = arg;

	e->irqs[irq]++;
}

static void f_resp(void *arg, const struct vsmmu_pri_resp *r)
{
	struct fenv *e = arg;

	e->nresp++;
	e->resp = *r;
}

static uint64_t f_rd(struct fenv *e, uint64_t off)
{
	uint64_t v = 0xdead;

	vsmmu_smmu_mmio_read(e->smmu, off, 4, &v);
	return v;
}

static int f_wr(struct fenv *e, uint64_t off, uint64_t v)
{
	return vsmmu_smmu_mmio_write(e->smmu, off, 4, v);
}

static uint64_t f_mem(struct fenv *e, uint64_t pa)
{
	uint64_t v = 0xdead;

	vsmmu_mem_read64(e->mem, pa, &v);
	return v;
}

/*
 * @hold: config.hold_stalls; @stall_max: IDR5.STALL_MAX (0: default);
 * @cd0: CD 0's dword 0.  CR0 = SMMUEN | PRIQEN | EVTQEN | CMDQEN = 0xf.
 */
static int fenv_init(struct fenv *e, bool hold, unsigned int stall_max,
		     uint64_t cd0)
{
	struct vsmmu_smmu_config cfg;

	memset(e, 0, sizeof(*e));
	vsmmu_smmu_config_default(&cfg);
	cfg.hold_stalls = hold;
	if (stall_max)
		cfg.idr[5] = (cfg.idr[5] & 0xffff) | stall_max << 16;
	if (vsmmu_mem_create(48, &e->mem) ||
	    vsmmu_mem_populate(e->mem, 0x10000, 0x50000) ||
	    vsmmu_smmu_create(&cfg, e->mem, &e->smmu))
		return -1;
	vsmmu_smmu_set_irq_handler(e->smmu, f_irq, e);
	vsmmu_smmu_set_pri_resp_handler(e->smmu, f_resp, e);
	if (vsmmu_mem_write64(e->mem, 0x10000, 0x2000b) ||
	    vsmmu_mem_write64(e->mem, 0x10040, 0x2000b) ||
	    vsmmu_mem_write64(e->mem, 0x20000, cd0) ||
	    vsmmu_mem_write64(e->mem, 0x20008, 0x30000) ||
	    vsmmu_mem_write64(e->mem, 0x30000, 0x31003) ||
	    vsmmu_mem_write64(e->mem, 0x31000, 0x32003) ||
	    vsmmu_mem_write64(e->mem, 0x32000, 0x33003) ||
	    vsmmu_mem_write64(e->mem, 0x33008, 0x80f43))
		return -1;
	if (vsmmu_smmu_mmio_write(e->smmu, 0x80, 8, 0x10000) ||
	    f_wr(e, 0x88, 1) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0x90, 8, F_CMDQ | 8) ||
	    vsmmu_smmu_mmio_write(e->smmu, 0xa0, 8, F_EVTQ | 5) ||
	    vsmmu_smmu_mmio_write(e->smmu, R_PRIQ_BASE, 8, F_PRIQ | 2) ||
	    f_wr(e, R_CR0, 0xf))
		return -1;
	return 0;
}

static void fenv_fini(struct fenv *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

/* Put one command and publish it; return CMDQ_CONS afterwards. */
static uint64_t f_cmd(struct fenv *e, uint64_t dw0, uint64_t dw1)
{
	vsmmu_mem_write64(e->mem, F_CMDQ + 16 * (e->slot % 256), dw0);
	vsmmu_mem_write64(e->mem, F_CMDQ + 16 * (e->slot % 256) + 8, dw1);
	e->slot = (e->slot + 1) % 512;
	f_wr(e, R_CMDQ_PROD, e->slot);
	return f_rd(e, R_CMDQ_CONS);
}

static enum vsmmu_txn_outcome f_tr(struct fenv *e, uint32_t sid, uint64_t va,
				   struct vsmmu_txn_result *res)
{
	struct vsmmu_txn txn = { .sid = sid,
				 .addr = va,
				 .flags = VSMMU_TXN_READ };

	if (vsmmu_translate(e->smmu, &txn, res))
		return (enum vsmmu_txn_outcome) - 1;
	/* a held (stalled) fault reads as F_HELD */
	if (res->outcome == VSMMU_TXN_FAULT && res->held)
		return F_HELD;
	return res->outcome;
}

/*
 * The stall record of an unprivileged read of 0x5000 by SID @sid:
 * F_TRANSLATION 0x10 | SID << 32; dw1: STALL (1 << 31) | RnW (1 << 35) |
 * CLASS IN (2 << 40) = 0x208_8000_0000 | STAG; dw2 = 0x5000.
 */
static int f_check_stall_rec(struct fenv *e, unsigned int idx, uint32_t sid,
			     uint16_t stag)
{
	uint64_t a = F_EVTQ + 32 * idx;

	return f_mem(e, a) == (0x10 | (uint64_t)sid << 32) &&
	       f_mem(e, a + 8) == (0x20880000000ULL | stag) &&
	       f_mem(e, a + 16) == 0x5000;
}

/* CMD_RESUME: op 0x44, Ac bit 12, Ab bit 13, SID [63:32]; dw1 STAG */
#define C_RESUME(sid, acab) \
	(0x44ULL | (uint64_t)(acab) << 12 | (uint64_t)(sid) << 32)
#define C_STALL_TERM(sid) (0x45ULL | (uint64_t)(sid) << 32)
#define C_SYNC 0x46ULL
#define C_TLBI_NH_ALL 0x10ULL

/* --- Stalls ------------------------------------------------------------- */

TEST(stall_resume_retry_then_translates)
{
	struct vsmmu_txn_result res;
	enum vsmmu_stall_resp r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, true, 0, CD_S1_STALL));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &res), F_HELD);
	/* 256 slots: STAG = generation 1 << 8 | slot 0 = 0x100 */
	ASSERT_EQ(res.stag, 0x100);
	ASSERT_TRUE(res.recorded && res.stall);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 1);
	ASSERT_TRUE(f_check_stall_rec(&e, 0, 0, 0x100));
	/* nothing resolved it yet */
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 0, 0x100, 0, &r), -ETIMEDOUT);
	ASSERT_EQ(r, VSMMU_STALL_PENDING);
	/* the OS maps the page (L3[5] = 0x85f43), TLBI + SYNC, RESUME(Retry) */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33028, 0x85f43));
	f_cmd(&e, C_TLBI_NH_ALL, 0);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_EQ(f_cmd(&e, C_RESUME(0, 1), 0x100), 3); /* CONS 3, ERR 0 */
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 0, 0x100, 1000000, &r));
	ASSERT_EQ(r, VSMMU_STALL_RETRY);
	/* collected once only */
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 0, 0x100, 0, &r), -ENOENT);
	ASSERT_EQ(f_tr(&e, 0, 0x5234, &res), VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x85234);
	fenv_fini(&e);
}

TEST(stall_resume_abort_razwi_and_mismatch)
{
	struct vsmmu_txn_result a, b;
	enum vsmmu_stall_resp r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, true, 0, CD_S1_STALL));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), F_HELD);
	ASSERT_EQ(f_tr(&e, 1, 0x5000, &b), F_HELD);
	/* slot 1, generation 1: 0x101 */
	ASSERT_EQ(b.stag, 0x101);
	ASSERT_TRUE(f_check_stall_rec(&e, 1, 1, 0x101));
	/* RESUME naming SID 1 with SID 0's STAG, and an unknown STAG: no-ops
	 * that are not errors (4.7.1) */
	ASSERT_EQ(f_cmd(&e, C_RESUME(1, 2), 0x100), 1);
	ASSERT_EQ(f_cmd(&e, C_RESUME(0, 2), 0x1ff), 2);
	ASSERT_EQ(f_cmd(&e, C_RESUME(0, 2), 0x200), 3); /* stale generation */
	ASSERT_EQ(f_rd(&e, R_GERROR), 0);
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 0, 0x100, 0, &r), -ETIMEDOUT);
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 1, 0x101, 0, &r), -ETIMEDOUT);
	/* Ac = 0, Ab = 1: abort; Ac = 0, Ab = 0 with TERM_MODEL 0: RAZ/WI */
	f_cmd(&e, C_RESUME(0, 2), 0x100);
	f_cmd(&e, C_RESUME(1, 0), 0x101);
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 0, 0x100, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_ABORT);
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 1, 0x101, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_RAZWI);
	/* the slot is reused with the next generation: 0x200 */
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), F_HELD);
	ASSERT_EQ(a.stag, 0x200);
	fenv_fini(&e);
}

TEST(stall_term_and_smmuen_clear)
{
	struct vsmmu_txn_result a, b, c;
	enum vsmmu_stall_resp r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, true, 0, CD_S1_STALL));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), F_HELD);
	ASSERT_EQ(f_tr(&e, 0, 0x6000, &b), F_HELD);
	ASSERT_EQ(f_tr(&e, 1, 0x5000, &c), F_HELD);
	/* CMD_STALL_TERM(SID 0): both of SID 0, not SID 1's */
	ASSERT_EQ(f_cmd(&e, C_STALL_TERM(0), 0), 1);
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 0, a.stag, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_ABORT);
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 0, b.stag, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_ABORT);
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 1, c.stag, 0, &r), -ETIMEDOUT);
	/* SMMUEN 1 -> 0 terminates the rest (3.12.2) */
	ASSERT_OK(f_wr(&e, R_CR0, 0xe));
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 1, c.stag, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_ABORT);
	fenv_fini(&e);
}

TEST(stall_record_waits_for_writable_queue)
{
	struct vsmmu_txn_result a;
	enum vsmmu_stall_resp r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, true, 0, CD_S1_STALL));
	/* EVTQEN off (CR0 = 0xb): the stall is held, its record waits */
	ASSERT_OK(f_wr(&e, R_CR0, 0xb));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), F_HELD);
	ASSERT_FALSE(a.recorded);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 0);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD) & 0x80000000, 0); /* no overflow */
	/* a RESUME for a stall whose record is not visible: no effect */
	f_cmd(&e, C_RESUME(0, 2), a.stag);
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 0, a.stag, 0, &r), -ETIMEDOUT);
	/* EVTQEN on: the original record is written, same STAG (7.2.1) */
	ASSERT_OK(f_wr(&e, R_CR0, 0xf));
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 1);
	ASSERT_TRUE(f_check_stall_rec(&e, 0, 0, a.stag));
	f_cmd(&e, C_RESUME(0, 2), a.stag);
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 0, a.stag, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_ABORT);
	fenv_fini(&e);
}

TEST(stall_unrecorded_retried_after_invalidation_sync)
{
	struct vsmmu_txn_result a;
	enum vsmmu_stall_resp r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, true, 0, CD_S1_STALL));
	ASSERT_OK(f_wr(&e, R_CR0, 0xb));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), F_HELD);
	/* an invalidation and a CMD_SYNC while it waits: it must retry */
	f_cmd(&e, C_TLBI_NH_ALL, 0);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 0, a.stag, 0, &r), -ETIMEDOUT);
	ASSERT_OK(f_wr(&e, R_CR0, 0xf));
	ASSERT_OK(vsmmu_smmu_stall_wait(e.smmu, 0, a.stag, 0, &r));
	ASSERT_EQ(r, VSMMU_STALL_RETRY);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 0); /* its record never written */
	fenv_fini(&e);
}

TEST(stall_full_table_terminates_with_stall_0)
{
	struct vsmmu_txn_result a, b;
	struct fenv e;

	/* IDR5.STALL_MAX = 1: one slot, STAG = generation 1 << 0 = 1 */
	ASSERT_OK(fenv_init(&e, true, 1, CD_S1_STALL));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), F_HELD);
	ASSERT_EQ(a.stag, 1);
	ASSERT_EQ(f_tr(&e, 0, 0x6000, &b), VSMMU_TXN_FAULT);
	ASSERT_FALSE(b.stall);
	ASSERT_TRUE(b.recorded);
	/* dw1: RnW (1 << 35) | CLASS IN (2 << 40), no STALL, no STAG */
	ASSERT_EQ(f_mem(&e, F_EVTQ + 32 + 8), 0x20800000000ULL);
	fenv_fini(&e);
}

TEST(stall_not_held_by_default)
{
	struct vsmmu_txn_result a;
	enum vsmmu_stall_resp r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1_STALL));
	ASSERT_EQ(f_tr(&e, 0, 0x5000, &a), VSMMU_TXN_FAULT);
	ASSERT_TRUE(a.stall && a.recorded);
	/* STALL (1 << 31) | RnW | CLASS IN, STAG 0 */
	ASSERT_EQ(f_mem(&e, F_EVTQ + 8), 0x20880000000ULL);
	ASSERT_EQ(vsmmu_smmu_stall_wait(e.smmu, 0, 0, 0, &r), -ENOENT);
	/* RESUME and STALL_TERM are still legal commands */
	ASSERT_EQ(f_cmd(&e, C_RESUME(0, 1), 0), 1);
	ASSERT_EQ(f_cmd(&e, C_STALL_TERM(0), 0), 2);
	fenv_fini(&e);
}

/* --- PRI ----------------------------------------------------------------- */

TEST(pri_request_recorded_and_cmd_pri_resp)
{
	struct vsmmu_pri_req req = { .sid = 0x12,
				     .ssid = 5,
				     .ssv = true,
				     .addr = 0xdead123,
				     .perm = VSMMU_PRI_READ | VSMMU_PRI_WRITE,
				     .prgi = 0x1a,
				     .last = true };
	enum vsmmu_pri_outcome o;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	ASSERT_OK(f_wr(&e, R_IRQ_CTRL, 2)); /* PRIQ_IRQEN */
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_QUEUED);
	ASSERT_EQ(f_rd(&e, R_PRIQ_PROD), 1);
	/* dw0: SID 0x12 | SSID 5 << 32 | R (1 << 60) | W (1 << 61) |
	 * Last (1 << 62) | SSV (1 << 63) = 0xf000_0005_0000_0012;
	 * dw1: PRGIndex 0x1a | page 0xdead000 = 0xdead01a */
	ASSERT_EQ(f_mem(&e, F_PRIQ), 0xf000000500000012ULL);
	ASSERT_EQ(f_mem(&e, F_PRIQ + 8), 0xdead01aULL);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_PRIQ], 1); /* empty -> non-empty */
	/* a second one does not interrupt (LO = 0: only on empty) */
	req.last = false;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(e.irqs[VSMMU_IRQ_PRIQ], 1);
	/* CMD_PRI_RESP: 0x41 | SSV (1 << 11) | SSID 5 << 12 | SID 0x12 << 32
	 * = 0x12_0000_5841; dw1 PRGIndex 0x1a | Resp Success (2 << 12) */
	ASSERT_EQ(f_cmd(&e, 0x1200005841ULL, 0x201a), 1);
	ASSERT_EQ(e.nresp, 1);
	ASSERT_EQ(e.resp.sid, 0x12);
	ASSERT_TRUE(e.resp.ssv && !e.resp.automatic);
	ASSERT_EQ(e.resp.ssid, 5);
	ASSERT_EQ(e.resp.prgi, 0x1a);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_SUCCESS);
	/* Resp 0b00 is ResponseFailure (0b1111), 0b01 InvalidRequest */
	f_cmd(&e, 0x1200000041ULL, 0x001a);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_FAILURE);
	ASSERT_FALSE(e.resp.ssv);
	f_cmd(&e, 0x1200000041ULL, 0x101a);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_INVALID);
	/* Resp 0b11 is ILLEGAL: CONS stays at slot 3, ERR = CERROR_ILL */
	ASSERT_EQ(f_cmd(&e, 0x1200000041ULL, 0x301a), 0x01000003);
	ASSERT_EQ(e.nresp, 3);
	fenv_fini(&e);
}

TEST(pri_overflow_auto_responses)
{
	struct vsmmu_pri_req req = {
		.sid = 0, .addr = 0x1000, .perm = VSMMU_PRI_READ, .prgi = 7
	};
	enum vsmmu_pri_outcome o;
	struct fenv e;
	int i;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	for (i = 0; i < 4; i++) {
		ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
		ASSERT_EQ(o, VSMMU_PRI_QUEUED);
	}
	ASSERT_EQ(f_rd(&e, R_PRIQ_PROD), 4); /* full: WR 0, wrap 1 */
	/* Last = 0 while full: discarded silently, overflow starts */
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_DISCARDED);
	ASSERT_EQ(f_rd(&e, R_PRIQ_PROD), 0x80000004);
	ASSERT_EQ(e.nresp, 0);
	/* Last = 1 without PASID: automatic Success, no PASID (8.1) */
	req.last = true;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_AUTO_RESPONDED);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_SUCCESS);
	ASSERT_TRUE(e.resp.automatic && !e.resp.ssv);
	ASSERT_EQ(e.resp.prgi, 7);
	/* with a PASID, PPS = 0: STE 0 valid with PPAR = 0 -> no PASID */
	req.ssv = true;
	req.ssid = 3;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_SUCCESS);
	ASSERT_FALSE(e.resp.ssv);
	/* STE 0 dw1 PPAR (bit 82 = dw1 bit 18: 0x40000), CFGI_STE + SYNC */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10008, 0x40000));
	f_cmd(&e, 0x03, 0);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_TRUE(e.resp.ssv);
	ASSERT_EQ(e.resp.ssid, 3);
	/* StreamID 2 is beyond the stream table: Failure, no PASID */
	req.sid = 2;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_FAILURE);
	ASSERT_FALSE(e.resp.ssv);
	/* a Stop marker (SSV, L = 1, R = W = 0): no response */
	req.perm = 0;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_DISCARDED);
	ASSERT_EQ(e.nresp, 4);
	/* software consumes all and acknowledges: CONS = 4 | OVACKFLG */
	ASSERT_OK(f_wr(&e, R_PRIQ_CONS, 0x80000004));
	req.perm = VSMMU_PRI_READ;
	req.sid = 0;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_QUEUED);
	ASSERT_EQ(f_rd(&e, R_PRIQ_PROD), 0x80000005);
	fenv_fini(&e);
}

TEST(pri_disabled_and_aborted_queue)
{
	struct vsmmu_pri_req req = { .sid = 0,
				     .ssid = 9,
				     .ssv = true,
				     .addr = 0x1000,
				     .perm = VSMMU_PRI_READ,
				     .prgi = 1,
				     .last = true };
	enum vsmmu_pri_outcome o;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	/* PRIQEN = 0 (CR0 = 0xd): Response Failure without PASID (8.2) */
	ASSERT_OK(f_wr(&e, R_CR0, 0xd));
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_AUTO_RESPONDED);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_FAILURE);
	ASSERT_FALSE(e.resp.ssv);
	ASSERT_EQ(f_rd(&e, R_PRIQ_PROD), 0);
	/* the queue moved to absent memory: PRIQ_ABT_ERR (GERROR bit 3) */
	ASSERT_OK(
		vsmmu_smmu_mmio_write(e.smmu, R_PRIQ_BASE, 8, 0x900000ULL | 2));
	ASSERT_OK(f_wr(&e, R_CR0, 0xf));
	e.nresp = 0;
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(o, VSMMU_PRI_AUTO_RESPONDED);
	ASSERT_EQ(f_rd(&e, R_GERROR), 0x8);
	ASSERT_EQ(e.resp.code, VSMMU_PRI_RESP_FAILURE);
	ASSERT_EQ(f_rd(&e, R_PRIQ_PROD), 0);
	/* while it is active, every request is refused the same way */
	ASSERT_OK(vsmmu_smmu_page_request(e.smmu, &req, &o));
	ASSERT_EQ(e.nresp, 2);
	/* bad arguments */
	req.prgi = 512;
	ASSERT_EQ(vsmmu_smmu_page_request(e.smmu, &req, &o), -EINVAL);
	fenv_fini(&e);
}

/* --- ATS ----------------------------------------------------------------- */

/* STE 0 dw1: EATS (bits [29:28]) = 0b01 full ATS: 0x1000_0000 */
#define STE1_EATS_FULL 0x10000000ULL

static int f_ats(struct fenv *e, uint64_t va, unsigned int flags,
		 struct vsmmu_ats_result *r)
{
	struct vsmmu_txn req = { .sid = 0, .addr = va, .flags = flags };

	return vsmmu_smmu_ats_translate(e->smmu, &req, r);
}

TEST(ats_translation_requests)
{
	struct vsmmu_ats_result r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	/* EATS = 0b00: UR and F_BAD_ATS_TREQ 0x05, SID 0; RnW (NW: a
	 * read-only request, 1 << 35); InputAddr */
	ASSERT_OK(f_ats(&e, 0x1000, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.status, VSMMU_ATS_UR);
	ASSERT_TRUE(r.recorded);
	ASSERT_EQ(f_mem(&e, F_EVTQ), 0x05);
	ASSERT_EQ(f_mem(&e, F_EVTQ + 8), 0x800000000ULL);
	ASSERT_EQ(f_mem(&e, F_EVTQ + 16), 0x1000);
	/* EATS = 0b01, CFGI_STE + SYNC */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10008, STE1_EATS_FULL));
	f_cmd(&e, 0x03, 0);
	f_cmd(&e, C_SYNC, 0);
	/* read-write request: R and W, the PA of the page, 4K */
	ASSERT_OK(f_ats(&e, 0x1234, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(r.addr, 0x80000);
	ASSERT_EQ(r.page_shift, 12);
	ASSERT_EQ(r.perm, VSMMU_TXN_READ | VSMMU_TXN_WRITE);
	/* read-only request: R only */
	ASSERT_OK(f_ats(&e, 0x1234, VSMMU_TXN_READ, &r));
	ASSERT_EQ(r.perm, VSMMU_TXN_READ);
	/* an unmapped page: Success with R = W = 0, STU 4K, no event */
	ASSERT_OK(f_ats(&e, 0x5000, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(r.perm, 0);
	ASSERT_EQ(r.page_shift, 12);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 1);
	/* a read-only page (AP[2], 1 << 7: 0x80fc3) to a read-write
	 * request: R granted */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33008, 0x80fc3));
	f_cmd(&e, C_TLBI_NH_ALL, 0);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_OK(f_ats(&e, 0x1234, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(r.perm, VSMMU_TXN_READ);
	/* STE 1 invalid (V = 0): a configuration error -> CA, no event */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10040, 0));
	{
		struct vsmmu_txn req = { .sid = 1,
					 .addr = 0x1000,
					 .flags = VSMMU_TXN_READ };

		ASSERT_OK(vsmmu_smmu_ats_translate(e.smmu, &req, &r));
		ASSERT_EQ(r.status, VSMMU_ATS_CA);
	}
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 1);
	/* SMMUEN = 0: UR and F_BAD_ATS_TREQ, recorded with SMMUEN = 0 */
	ASSERT_OK(f_wr(&e, R_CR0, 0xe));
	ASSERT_OK(f_ats(&e, 0x1000, VSMMU_TXN_WRITE, &r));
	ASSERT_EQ(r.status, VSMMU_ATS_UR);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 2);
	ASSERT_EQ(f_mem(&e, F_EVTQ + 32 + 8), 0); /* NW = 0: RnW 0 */
	fenv_fini(&e);
}

TEST(ats_translated_transactions)
{
	struct vsmmu_txn t = { .sid = 0,
			       .addr = 0x80234,
			       .flags = VSMMU_TXN_WRITE };
	struct vsmmu_txn_result r;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	/* ATSCHK = 0: passes unchecked */
	ASSERT_OK(vsmmu_smmu_ats_translated(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, 0x80234);
	/* ATSCHK (bit 4) = 1, CR0 = 0x1f: EATS = 0 forbids it:
	 * F_TRANSL_FORBIDDEN 0x07, RnW 0 (a write), InputAddr */
	ASSERT_OK(f_wr(&e, R_CR0, 0x1f));
	f_cmd(&e, 0x03, 0); /* CFGI_STE: ATSCHK may be cached */
	f_cmd(&e, C_SYNC, 0);
	ASSERT_OK(vsmmu_smmu_ats_translated(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(f_mem(&e, F_EVTQ), 0x07);
	ASSERT_EQ(f_mem(&e, F_EVTQ + 8), 0);
	ASSERT_EQ(f_mem(&e, F_EVTQ + 16), 0x80234);
	/* EATS = 0b01: passes */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10008, STE1_EATS_FULL));
	f_cmd(&e, 0x03, 0);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_OK(vsmmu_smmu_ats_translated(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	/* SMMUEN = 0: F_TRANSL_FORBIDDEN */
	ASSERT_OK(f_wr(&e, R_CR0, 0x1e));
	ASSERT_OK(vsmmu_smmu_ats_translated(e.smmu, &t, &r));
	ASSERT_EQ(r.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(f_rd(&e, R_EVTQ_PROD), 2);
	fenv_fini(&e);
}

TEST(ats_atc_caches_and_atc_inv_removes)
{
	struct vsmmu_txn t = { .addr = 0x1234, .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;
	struct vsmmu_ats_result tr;
	struct vsmmu_atc_stats st;
	struct vsmmu_atc *atc;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10008, STE1_EATS_FULL));
	ASSERT_OK(vsmmu_atc_create(e.smmu, 0, 16, &atc));
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, &tr));
	ASSERT_EQ(r.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(r.oa, 0x80234);
	ASSERT_FALSE(r.tlb_hit);
	ASSERT_EQ(tr.status, VSMMU_ATS_SUCCESS);
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_TRUE(r.tlb_hit);
	/* unmap + TLBI + SYNC: the SMMU forgets, the ATC does not */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33008, 0));
	f_cmd(&e, C_TLBI_NH_ALL, 0);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_TRUE(r.tlb_hit);
	ASSERT_EQ(r.oa, 0x80234);
	/* CMD_ATC_INV at 0x3000, Size 0: another page, entry stays */
	f_cmd(&e, 0x40, 0x3000);
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_TRUE(r.tlb_hit);
	/* Size 2 (16K span, aligned down to 0x0): covers 0x1000 */
	ASSERT_EQ(f_cmd(&e, 0x40, 0x3002), 4);
	f_cmd(&e, C_SYNC, 0);
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, &tr));
	ASSERT_EQ(r.outcome, VSMMU_TXN_TERMINATED); /* R = W = 0 now */
	ASSERT_EQ(tr.status, VSMMU_ATS_SUCCESS);
	ASSERT_EQ(tr.perm, 0);
	vsmmu_atc_get_stats(atc, &st);
	ASSERT_EQ(st.hits, 3);
	ASSERT_EQ(st.misses, 2);
	ASSERT_EQ(st.inv_requests, 2);
	ASSERT_EQ(st.invalidated, 1);
	/* Size 53 is CERROR_ILL (a choice the spec allows): CONS at slot 5 */
	ASSERT_EQ(f_cmd(&e, 0x40, 53), 0x01000005);
	vsmmu_atc_destroy(atc);
	fenv_fini(&e);
}

TEST(ats_atc_inv_timeout_fails_next_sync)
{
	struct vsmmu_txn t = { .addr = 0x1234, .flags = VSMMU_TXN_READ };
	struct vsmmu_txn_result r;
	struct vsmmu_atc *atc;
	struct fenv e;

	ASSERT_OK(fenv_init(&e, false, 0, CD_S1));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10008, STE1_EATS_FULL));
	ASSERT_OK(vsmmu_atc_create(e.smmu, 0, 4, &atc));
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	vsmmu_atc_set_responsive(atc, false);
	/* ATC_INV all (Size 52 = 0x34), then CMD_SYNC CS = IRQ MSI 0x50000 */
	f_cmd(&e, 0x40, 0x34);
	/* CONS stops at the sync (slot 1), ERR = CERROR_ATC_INV_SYNC (3) */
	ASSERT_EQ(f_cmd(&e, 0x1046 | 0xabULL << 32, 0x50000), 0x03000001);
	ASSERT_EQ(f_rd(&e, R_GERROR) & 1, 1);
	ASSERT_EQ(f_mem(&e, 0x50000) & 0xffffffff, 0); /* no MSI */
	/* the entry is still there: the endpoint never invalidated */
	ASSERT_OK(vsmmu_atc_access(atc, &t, &r, NULL));
	ASSERT_TRUE(r.tlb_hit);
	/* software acknowledges and so retries the sync: it completes */
	ASSERT_OK(f_wr(&e, R_GERRORN, 1));
	ASSERT_EQ(f_rd(&e, R_CMDQ_CONS) & 0xfffff, 2); /* ERR keeps 3 */
	ASSERT_EQ(f_mem(&e, 0x50000) & 0xffffffff, 0xab);
	vsmmu_atc_destroy(atc);
	fenv_fini(&e);
}
