// SPDX-License-Identifier: MIT
/*
 * The programming model's queues, through registers and memory only:
 * commands consumed and executed, CMD_SYNC completion by MSI, CERROR_ILL
 * and CERROR_ABT with their recovery, GERROR interrupts, event records,
 * overflow, and the threaded consumer.  Commands, structures and expected
 * register values are hand-encoded from the specification.
 *
 * Layout used throughout (all hand-written):
 *   0x10000 stream table, linear, LOG2SIZE 1; STE 0 = V | Config 0b101 |
 *           S1ContextPtr 0x20000 = 0x2000b
 *   0x20000 CD: T0SZ 16 (0x10), TG0 4K, EPD1 (1 << 30), V (1 << 31),
 *           IPS 48 (5 << 32), AA64 (1 << 41), R (1 << 45), ASID 1
 *           (1 << 48) = 0x0001_2205_c000_0010; TTB0 0x30000
 *   0x30000.. 4K tables L0..L3 (0x30000, 0x31000, 0x32000, 0x33000);
 *           IOVA 0x1000 -> L3[1] at 0x33008 = page 0x80000 | nG 0x800 |
 *           AF 0x400 | SH 0x300 | AP[1] 0x40 | page+valid 0x3 = 0x80f43
 *   0x40000 command queue, 256 entries: CMDQ_BASE = 0x40000 | 8
 *   0x44000 event queue, 32 entries:   EVTQ_BASE = 0x44000 | 5
 *   0x50000 MSI targets
 */
#include <errno.h>
#include <time.h>

#include <vsmmu/vsmmu.h>

#include "harness.h"

#define Q_CMDQ 0x40000ULL
#define Q_EVTQ 0x44000ULL
#define Q_MSI 0x50000ULL

/* Hand-encoded commands */
#define C_TLBI_NH_ASID_1 0x0001000000000011ULL /* op 0x11, ASID 1 << 48 */
#define C_SYNC_NONE 0x46ULL
#define C_SYNC_CS3 0x3046ULL /* CS [13:12] = 3 */
#define C_SYNC_IRQ(data) (0x1046ULL | ((uint64_t)(data) << 32))

struct qenv {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	unsigned int irqs[8];
};

static void q_irq(void *arg, enum vsmmu_irq irq)
{
	struct qenv *e = arg;

	__atomic_fetch_add(&e->irqs[irq], 1, __ATOMIC_RELAXED);
}

static uint64_t q_rd(struct qenv *e, uint64_t off, unsigned int size)
{
	uint64_t v = 0xdead;

	vsmmu_smmu_mmio_read(e->smmu, off, size, &v);
	return v;
}

static int q_wr(struct qenv *e, uint64_t off, unsigned int size, uint64_t v)
{
	return vsmmu_smmu_mmio_write(e->smmu, off, size, v);
}

static uint32_t q_r32(struct qenv *e, uint64_t pa)
{
	uint8_t b[4] = { 0 };

	vsmmu_mem_read(e->mem, pa, b, 4);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static int qenv_init(struct qenv *e, enum vsmmu_exec_mode mode,
		     unsigned int evtq_log2)
{
	struct vsmmu_smmu_config cfg;

	memset(e, 0, sizeof(*e));
	vsmmu_smmu_config_default(&cfg);
	cfg.exec = mode;
	if (vsmmu_mem_create(48, &e->mem) ||
	    vsmmu_mem_populate(e->mem, 0x10000, 0x50000) ||
	    vsmmu_smmu_create(&cfg, e->mem, &e->smmu))
		return -1;
	vsmmu_smmu_set_irq_handler(e->smmu, q_irq, e);
	if (vsmmu_mem_write64(e->mem, 0x10000, 0x2000b) ||
	    vsmmu_mem_write64(e->mem, 0x20000, 0x00012205c0000010ULL) ||
	    vsmmu_mem_write64(e->mem, 0x20008, 0x30000) ||
	    vsmmu_mem_write64(e->mem, 0x30000, 0x31003) ||
	    vsmmu_mem_write64(e->mem, 0x31000, 0x32003) ||
	    vsmmu_mem_write64(e->mem, 0x32000, 0x33003) ||
	    vsmmu_mem_write64(e->mem, 0x33008, 0x80f43))
		return -1;
	if (q_wr(e, 0x80, 8, 0x10000) || q_wr(e, 0x88, 4, 1) ||
	    q_wr(e, 0x90, 8, Q_CMDQ | 8) ||
	    q_wr(e, 0xa0, 8, Q_EVTQ | evtq_log2) ||
	    /* CR0: EVTQEN (2) | CMDQEN (3) | SMMUEN (0) = 0xd */
	    q_wr(e, 0x20, 4, 0xd))
		return -1;
	return 0;
}

static void qenv_fini(struct qenv *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

static int q_put(struct qenv *e, unsigned int slot, uint64_t dw0, uint64_t dw1)
{
	return vsmmu_mem_write64(e->mem, Q_CMDQ + 16 * slot, dw0) ||
	       vsmmu_mem_write64(e->mem, Q_CMDQ + 16 * slot + 8, dw1);
}

static enum vsmmu_txn_outcome q_translate(struct qenv *e, uint64_t *oa)
{
	struct vsmmu_txn txn = { .sid = 0,
				 .addr = 0x1234,
				 .flags = VSMMU_TXN_READ | VSMMU_TXN_PRIV };
	struct vsmmu_txn_result res;

	if (vsmmu_translate(e->smmu, &txn, &res))
		return (enum vsmmu_txn_outcome) - 1;
	if (oa)
		*oa = res.oa;
	return res.outcome;
}

TEST(q_tlbi_sync_msi_and_event)
{
	struct qenv e;
	uint64_t oa = 0;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	ASSERT_EQ(q_translate(&e, &oa), VSMMU_TXN_OK);
	ASSERT_EQ(oa, 0x80234);
	/* unmap in memory: the IOTLB still has it */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33008, 0));
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_OK);
	/* TLBI_NH_ASID(VMID 0, ASID 1); CMD_SYNC CS=IRQ, MSI 0xcafe */
	ASSERT_OK(q_put(&e, 0, C_TLBI_NH_ASID_1, 0));
	ASSERT_OK(q_put(&e, 1, C_SYNC_IRQ(0xcafe), Q_MSI));
	ASSERT_OK(q_wr(&e, 0x98, 4, 2));
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 2); /* CONS caught up, ERR 0 */
	ASSERT_EQ(q_r32(&e, Q_MSI), 0xcafe);
	ASSERT_EQ(q_rd(&e, 0x60, 4), 0); /* GERROR */
	/* now the translation faults, and the event is in the queue */
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	ASSERT_EQ(q_rd(&e, 0x100a8, 4), 1); /* EVTQ_PROD */
	/* F_TRANSLATION (0x10), SID 0; dw1: RnW (1 << 35) | PnU (1 << 33) |
	 * CLASS IN (2 << 40) = 0x20a00000000; dw2 = IOVA 0x1234 */
	{
		uint64_t w[3];

		ASSERT_OK(vsmmu_mem_read64(e.mem, Q_EVTQ, &w[0]));
		ASSERT_OK(vsmmu_mem_read64(e.mem, Q_EVTQ + 8, &w[1]));
		ASSERT_OK(vsmmu_mem_read64(e.mem, Q_EVTQ + 16, &w[2]));
		ASSERT_EQ(w[0], 0x10);
		ASSERT_EQ(w[1], 0x20a00000000ULL);
		ASSERT_EQ(w[2], 0x1234);
	}
	qenv_fini(&e);
}

TEST(q_cerror_ill_halts_until_gerrorn)
{
	struct qenv e;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	ASSERT_OK(q_wr(&e, 0x50, 4, 1)); /* IRQ_CTRL.GERROR_IRQEN */
	ASSERT_OK(q_put(&e, 0, 0x7f, 0)); /* opcode 0x7f: not a command */
	ASSERT_OK(q_put(&e, 1, C_SYNC_IRQ(1), Q_MSI));
	ASSERT_OK(q_wr(&e, 0x98, 4, 2));
	/* CONS stays on the command, ERR [30:24] = CERROR_ILL (1) */
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 0x01000000);
	ASSERT_EQ(q_rd(&e, 0x60, 4) & 1, 1); /* GERROR.CMDQ_ERR active */
	ASSERT_EQ(q_rd(&e, 0x64, 4) & 1, 0);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_GERROR], 1);
	ASSERT_EQ(q_r32(&e, Q_MSI), 0); /* the sync did not run */
	/* more PROD writes do nothing while the error is active */
	ASSERT_OK(q_wr(&e, 0x98, 4, 2));
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 0x01000000);
	/* fix it the Linux way (a CMD_SYNC in its place) and acknowledge */
	ASSERT_OK(q_put(&e, 0, C_SYNC_NONE, 0));
	ASSERT_OK(q_wr(&e, 0x64, 4, 1)); /* GERRORN.CMDQ_ERR = GERROR's */
	ASSERT_EQ(q_rd(&e, 0x9c, 4) & 0xfffff, 2);
	ASSERT_EQ(q_r32(&e, Q_MSI), 1);
	qenv_fini(&e);
}

TEST(q_cerror_ill_encodings)
{
	static const uint64_t bad[][2] = {
		{ C_SYNC_CS3, 0 }, /* CMD_SYNC CS = 0b11 */
		{ 0x103ULL, 0 }, /* CFGI_STE with bit 8 (not a field) */
		{ 0x11ULL, 1 }, /* TLBI_NH_ASID with dw1 bit 0 set */
		/* TLBI_NH_VA, TG 4K (1 << 10), NUM = SCALE = TTL = 0 */
		{ 0x12ULL, 0x400ULL },
		{ 0x18ULL, 0 }, /* TLBI_EL3_ALL: no EL3 on this queue */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qenv e;

		ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
		ASSERT_OK(q_put(&e, 0, C_SYNC_NONE, 0));
		ASSERT_OK(q_put(&e, 1, bad[i][0], bad[i][1]));
		ASSERT_OK(q_wr(&e, 0x98, 4, 2));
		if (q_rd(&e, 0x9c, 4) != 0x01000001)
			printf("# case %u\n", i);
		ASSERT_EQ(q_rd(&e, 0x9c, 4), 0x01000001);
		qenv_fini(&e);
	}
}

TEST(q_cerror_ill_without_ril)
{
	struct vsmmu_smmu_config cfg;
	struct qenv e;

	/* Same, on an SMMU without range invalidation: TTL is RES0 */
	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	vsmmu_smmu_destroy(e.smmu);
	vsmmu_smmu_config_default(&cfg);
	cfg.idr[3] &= ~(1U << 10); /* IDR3.RIL */
	ASSERT_OK(vsmmu_smmu_create(&cfg, e.mem, &e.smmu));
	ASSERT_OK(q_wr(&e, 0x90, 8, Q_CMDQ | 8));
	ASSERT_OK(q_wr(&e, 0x20, 4, 0x8)); /* CMDQEN */
	/* TLBI_NH_VA ASID 1, TTL 3 (3 << 8), TG 4K: fine with RIL, not here */
	ASSERT_OK(q_put(&e, 0, 0x0001000000000012ULL, 0x1700ULL));
	ASSERT_OK(q_wr(&e, 0x98, 4, 1));
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 0x01000000);
	qenv_fini(&e);
}

TEST(q_cerror_abt_absent_queue_memory)
{
	struct qenv e;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	/* the base can only change while CMDQEN = 0 */
	ASSERT_OK(q_wr(&e, 0x90, 8, 0x900000ULL | 8));
	ASSERT_EQ(q_rd(&e, 0x90, 8), Q_CMDQ | 8);
	ASSERT_OK(q_wr(&e, 0x20, 4, 0x5)); /* CMDQEN off */
	ASSERT_OK(q_wr(&e, 0x90, 8, 0x900000ULL | 8));
	ASSERT_OK(q_wr(&e, 0x20, 4, 0xd));
	ASSERT_OK(q_wr(&e, 0x98, 4, 1));
	/* ERR = CERROR_ABT (2) */
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 0x02000000);
	ASSERT_EQ(q_rd(&e, 0x60, 4) & 1, 1);
	qenv_fini(&e);
}

TEST(q_base_low_bits_ignored)
{
	struct qenv e;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	ASSERT_OK(q_wr(&e, 0x20, 4, 0x5));
	/* 256 entries = 4 KiB: address bits [11:5] are treated as zero */
	ASSERT_OK(q_wr(&e, 0x90, 8, (Q_CMDQ + 0x7e0) | 8));
	ASSERT_OK(q_wr(&e, 0x20, 4, 0xd));
	ASSERT_OK(q_put(&e, 0, C_SYNC_IRQ(7), Q_MSI));
	ASSERT_OK(q_wr(&e, 0x98, 4, 1));
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 1);
	ASSERT_EQ(q_r32(&e, Q_MSI), 7);
	qenv_fini(&e);
}

TEST(q_sync_wired_irq_and_sev)
{
	struct qenv e;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	/* CS = IRQ with MSIAddress 0: the wired line; CS = SEV (2 << 12) */
	ASSERT_OK(q_put(&e, 0, C_SYNC_IRQ(0), 0));
	ASSERT_OK(q_put(&e, 1, 0x2046ULL, 0));
	ASSERT_OK(q_wr(&e, 0x98, 4, 2));
	ASSERT_EQ(e.irqs[VSMMU_IRQ_CMD_SYNC], 1);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_SEV], 1);
	qenv_fini(&e);
}

TEST(q_evtq_overflow_and_ack)
{
	struct qenv e;

	/* 2 entries (LOG2SIZE 1); the IOVA is unmapped so each read faults */
	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 1));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33008, 0));
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	/* full: index 0, wrap 1 -> PROD = 0b10 */
	ASSERT_EQ(q_rd(&e, 0x100a8, 4), 2);
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	/* lost: OVFLG (bit 31) toggled */
	ASSERT_EQ(q_rd(&e, 0x100a8, 4), 0x80000002ULL);
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	/* still pending: not toggled again */
	ASSERT_EQ(q_rd(&e, 0x100a8, 4), 0x80000002ULL);
	/* software consumes both and acknowledges (OVACKFLG = OVFLG) */
	ASSERT_OK(q_wr(&e, 0x100ac, 4, 0x80000002ULL));
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	/* written at index 0, wrap 1 -> PROD index 1, wrap 1 = 0b11 */
	ASSERT_EQ(q_rd(&e, 0x100a8, 4), 0x80000003ULL);
	qenv_fini(&e);
}

TEST(q_evtq_irq_msi_and_disabled)
{
	struct qenv e;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 5));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33008, 0));
	/* EVTQ_IRQ_CFG0 = 0x50010, CFG1 = 0x55; IRQ_CTRL.EVTQ_IRQEN */
	ASSERT_OK(q_wr(&e, 0xb0, 8, Q_MSI + 0x10));
	ASSERT_OK(q_wr(&e, 0xb8, 4, 0x55));
	ASSERT_OK(q_wr(&e, 0x50, 4, 4));
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	ASSERT_EQ(q_r32(&e, Q_MSI + 0x10), 0x55);
	ASSERT_EQ(e.irqs[VSMMU_IRQ_EVTQ], 0); /* an MSI, not the line */
	/* EVTQEN = 0: nothing is recorded */
	ASSERT_OK(q_wr(&e, 0x20, 4, 0x9));
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	ASSERT_EQ(q_rd(&e, 0x100a8, 4), 1);
	qenv_fini(&e);
}

TEST(q_threaded_consumer)
{
	struct qenv e;
	struct timespec ts = { 0, 100000 };
	unsigned int i, spins = 0;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_THREAD, 5));
	for (i = 0; i < 200; i++) {
		ASSERT_OK(q_put(&e, i, C_TLBI_NH_ASID_1, 0));
	}
	ASSERT_OK(q_put(&e, 200, C_SYNC_IRQ(0x99), Q_MSI));
	ASSERT_OK(q_wr(&e, 0x98, 4, 201));
	/* the consumer runs on its own; wait (bounded) for the sync */
	while (q_r32(&e, Q_MSI) != 0x99 && spins++ < 20000)
		nanosleep(&ts, NULL);
	ASSERT_EQ(q_r32(&e, Q_MSI), 0x99);
	ASSERT_EQ(q_rd(&e, 0x9c, 4), 201);
	qenv_fini(&e);
}

TEST(q_stats_by_opcode_and_event)
{
	struct vsmmu_smmu_stats st;
	struct qenv e;

	ASSERT_OK(qenv_init(&e, VSMMU_EXEC_SYNC, 1));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x33008, 0));
	ASSERT_OK(q_put(&e, 0, C_TLBI_NH_ASID_1, 0));
	ASSERT_OK(q_put(&e, 1, C_TLBI_NH_ASID_1, 0));
	ASSERT_OK(q_put(&e, 2, C_SYNC_NONE, 0));
	ASSERT_OK(q_put(&e, 3, 0x7f, 0)); /* stops the queue */
	ASSERT_OK(q_wr(&e, 0x98, 4, 4));
	/* 2-entry event queue: two faults written, the third lost */
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	ASSERT_EQ(q_translate(&e, NULL), VSMMU_TXN_FAULT);
	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_EQ(st.cmds[0x11], 2);
	ASSERT_EQ(st.cmds[0x46], 1);
	ASSERT_EQ(st.cmds[0x7f & 0x3f], 0);
	ASSERT_EQ(st.cmd_errors, 1);
	ASSERT_EQ(st.events[0x10], 2);
	ASSERT_EQ(st.events_lost, 1);
	qenv_fini(&e);
}
