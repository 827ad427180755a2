// SPDX-License-Identifier: MIT
/*
 * The hardware model's own contract: register behaviour, argument
 * validation, statistics, and the 4 TiB level-1 block of the 64K granule.
 * Structures and expected values are written by hand from the
 * specification (arithmetic in the comments), not with arch.h.
 */
#include <errno.h>

#include <vsmmu/vsmmu.h>

#include "harness.h"

struct hw_env {
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
};

static int hw_env_init(struct hw_env *e, unsigned int oas_enc)
{
	struct vsmmu_smmu_config cfg;

	e->mem = NULL;
	e->smmu = NULL;
	vsmmu_smmu_config_default(&cfg);
	cfg.idr[5] = (cfg.idr[5] & ~7U) | oas_enc; /* IDR5.OAS [2:0] */
	if (vsmmu_mem_create(52, &e->mem) ||
	    vsmmu_mem_populate(e->mem, 0x10000, 0x30000) ||
	    vsmmu_smmu_create(&cfg, e->mem, &e->smmu))
		return -1;
	return 0;
}

static void hw_env_fini(struct hw_env *e)
{
	vsmmu_smmu_destroy(e->smmu);
	vsmmu_mem_destroy(e->mem);
}

static uint64_t hw_rd(struct hw_env *e, uint64_t off, unsigned int size)
{
	uint64_t v = ~0ULL;

	if (vsmmu_smmu_mmio_read(e->smmu, off, size, &v))
		return 0xdeadULL;
	return v;
}

TEST(hw_regs_idr_readonly_and_cr0ack)
{
	struct hw_env e;
	struct vsmmu_smmu_config cfg;

	vsmmu_smmu_config_default(&cfg);
	ASSERT_OK(hw_env_init(&e, 5));
	ASSERT_EQ(hw_rd(&e, 0x00, 4), cfg.idr[0]);
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x00, 4, 0));
	ASSERT_EQ(hw_rd(&e, 0x00, 4), cfg.idr[0]);
	/* CR0 = CMDQEN | EVTQEN | SMMUEN = 0b1101 = 0xd: CR0ACK follows */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x20, 4, 0xd));
	ASSERT_EQ(hw_rd(&e, 0x20, 4), 0xd);
	ASSERT_EQ(hw_rd(&e, 0x24, 4), 0xd);
	/* CR0ACK itself is read-only */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x24, 4, 0));
	ASSERT_EQ(hw_rd(&e, 0x24, 4), 0xd);
	hw_env_fini(&e);
}

TEST(hw_regs_gbpa_update)
{
	struct hw_env e;

	ASSERT_OK(hw_env_init(&e, 5));
	/* ABORT (bit 20) without UPDATE (bit 31) is ignored */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x44, 4, 0x00100000));
	ASSERT_EQ(hw_rd(&e, 0x44, 4), 0);
	/* with UPDATE it lands, and UPDATE reads back 0 (complete) */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x44, 4, 0x80100000));
	ASSERT_EQ(hw_rd(&e, 0x44, 4), 0x00100000);
	hw_env_fini(&e);
}

TEST(hw_regs_strtab_base_halves_and_lock)
{
	struct hw_env e;

	ASSERT_OK(hw_env_init(&e, 5));
	/* RA (bit 62) and ADDR [51:6] kept, bits [5:0] dropped */
	ASSERT_OK(
		vsmmu_smmu_mmio_write(e.smmu, 0x80, 8, 0x40000000123456ffULL));
	ASSERT_EQ(hw_rd(&e, 0x80, 8), 0x40000000123456c0ULL);
	/* 32-bit halves: low 0x9000, high 0x1 -> 0x1_0000_9000 */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x80, 4, 0x9000));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x84, 4, 0x1));
	ASSERT_EQ(hw_rd(&e, 0x80, 8), 0x100009000ULL);
	ASSERT_EQ(hw_rd(&e, 0x84, 4), 0x1);
	/* STRTAB_BASE_CFG: FMT [17:16], SPLIT [10:6], LOG2SIZE [5:0] */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x88, 4, 0xffffffff));
	ASSERT_EQ(hw_rd(&e, 0x88, 4), 0x307ff);
	/* both ignore writes while SMMUEN = 1 */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x20, 4, 1));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x80, 8, 0x40000));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x88, 4, 0));
	ASSERT_EQ(hw_rd(&e, 0x80, 8), 0x100009000ULL);
	ASSERT_EQ(hw_rd(&e, 0x88, 4), 0x307ff);
	hw_env_fini(&e);
}

TEST(hw_regs_access_rules)
{
	struct hw_env e;
	uint64_t v;

	ASSERT_OK(hw_env_init(&e, 5));
	ASSERT_EQ(vsmmu_smmu_mmio_read(e.smmu, 0x20, 8, &v), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_mmio_write(e.smmu, 0x20, 8, 1), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_mmio_read(e.smmu, 0x22, 4, &v), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_mmio_read(e.smmu, 0x84, 8, &v), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_mmio_read(e.smmu, 0x20, 2, &v), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_mmio_read(e.smmu, 0x20000, 4, &v), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_mmio_write(e.smmu, 0x20000, 4, 0), -EINVAL);
	/* GERROR_IRQ_CFG1 (data) and CFG2 (attributes): plain storage */
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x70, 4, 0x11));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x74, 4, 0x22));
	ASSERT_EQ(hw_rd(&e, 0x70, 4), 0x11);
	ASSERT_EQ(hw_rd(&e, 0x74, 4), 0x22);
	hw_env_fini(&e);
}

TEST(hw_args_invalid)
{
	struct hw_env e;
	struct vsmmu_txn_result res;
	struct vsmmu_txn txn = { .sid = 0, .addr = 0x1000 };
	struct vsmmu_tlbi inv = { .kind = VSMMU_TLBI_NH_VA };
	struct vsmmu_cfgi ci = { .kind = VSMMU_CFGI_STE_RANGE, .range = 32 };

	ASSERT_OK(hw_env_init(&e, 5));
	txn.flags = 0;
	ASSERT_EQ(vsmmu_translate(e.smmu, &txn, &res), -EINVAL);
	txn.flags = VSMMU_TXN_READ | VSMMU_TXN_WRITE;
	ASSERT_EQ(vsmmu_translate(e.smmu, &txn, &res), -EINVAL);
	txn.flags = VSMMU_TXN_READ | (1U << 7);
	ASSERT_EQ(vsmmu_translate(e.smmu, &txn, &res), -EINVAL);
	txn.flags = VSMMU_TXN_READ;
	txn.ssv = true;
	txn.ssid = 1U << 20;
	ASSERT_EQ(vsmmu_translate(e.smmu, &txn, &res), -EINVAL);
	ASSERT_EQ(vsmmu_translate_trace(e.smmu, &txn, &res, NULL, NULL),
		  -EINVAL);
	/* TG = 0 with NUM set; TG set with NUM = SCALE = TTL = 0 */
	inv.num = 1;
	ASSERT_EQ(vsmmu_smmu_tlbi(e.smmu, &inv), -EINVAL);
	inv.num = 0;
	inv.tg = 1;
	ASSERT_EQ(vsmmu_smmu_tlbi(e.smmu, &inv), -EINVAL);
	inv.ttl = 3;
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &inv));
	inv.kind = (enum vsmmu_tlbi_kind)99;
	ASSERT_EQ(vsmmu_smmu_tlbi(e.smmu, &inv), -EINVAL);
	ASSERT_EQ(vsmmu_smmu_cfgi(e.smmu, &ci), -EINVAL);
	ci.range = 31;
	ASSERT_OK(vsmmu_smmu_cfgi(e.smmu, &ci));
	hw_env_fini(&e);
}

/*
 * 64K granule, 52-bit OAS (IDR5.OAS = 6): a level-1 block is 2^42 bytes.
 *   Stream table: linear, LOG2SIZE 1, at 0x10000.  STE 0:
 *     dw0 = V 1 | Config 0b101 << 1 (0xa) | S1ContextPtr 0x20000 = 0x2000b
 *   CD at 0x20000 (ASID 1, T0SZ 16, TG0 64K, EPD1, V, IPS 52, AA64, R):
 *     0x10 | 1 << 6 (0x40) | 1 << 30 | 1 << 31 = 0xc0000050,
 *     | 6 << 32 | 1 << 41 | 1 << 45 | 1 << 48 = 0x0001_2206_c000_0050
 *     dw1 = TTB0 0x30000
 *   T0SZ 16 = 48 bits; 64K resolves 13 bits a level from bit 16: L3
 *   [28:16], L2 [41:29], L1 [47:42] (6 bits).  IOVA 0xc00_0000_1234 has
 *   L1 index 3: descriptor at 0x30018 = block 0x400_0000_0000 | nG 0x800
 *   | AF 0x400 | SH 0x300 | valid 1 = 0x0000_0400_0000_0f01.
 *   Output: 0x400_0000_0000 + 0x1234 = 0x400_0000_1234, 2^42 bytes.
 */
TEST(hw_64k_level1_block_52bit)
{
	struct hw_env e;
	struct vsmmu_txn_result res;
	struct vsmmu_smmu_stats st;
	struct vsmmu_txn txn = { .sid = 0,
				 .addr = 0xc0000001234ULL,
				 .flags = VSMMU_TXN_READ | VSMMU_TXN_PRIV };
	struct vsmmu_tlbi inv = { .kind = VSMMU_TLBI_NH_VA,
				  .asid = 1,
				  .addr = 0xc0000001000ULL };

	ASSERT_OK(hw_env_init(&e, 6));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x10000, 0x2000b));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x20000, 0x00012206c0000050ULL));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x20008, 0x30000));
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x30018, 0x0000040000000f01ULL));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x80, 8, 0x10000));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x88, 4, 1));
	ASSERT_OK(vsmmu_smmu_mmio_write(e.smmu, 0x20, 4, 1));

	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &res));
	ASSERT_EQ(res.outcome, VSMMU_TXN_OK);
	ASSERT_EQ(res.oa, 0x40000001234ULL);
	ASSERT_EQ(res.page_shift, 42);
	ASSERT_FALSE(res.tlb_hit);
	/* AP = 0b00: privileged read/write; UXN = PXN = 0: executable */
	ASSERT_EQ(res.perm, VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC);
	/* the same block from the IOTLB, 3 TiB further in */
	txn.addr = 0xc0000001234ULL + (3ULL << 40);
	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &res));
	ASSERT_TRUE(res.tlb_hit);
	ASSERT_EQ(res.oa, 0x40000001234ULL + (3ULL << 40));
	/* stale until invalidated: clear the descriptor, then NH_VA */
	ASSERT_OK(vsmmu_mem_write64(e.mem, 0x30018, 0));
	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &res));
	ASSERT_EQ(res.outcome, VSMMU_TXN_OK);
	ASSERT_OK(vsmmu_smmu_tlbi(e.smmu, &inv));
	ASSERT_OK(vsmmu_translate(e.smmu, &txn, &res));
	ASSERT_EQ(res.outcome, VSMMU_TXN_FAULT);
	ASSERT_EQ(res.evt[0] & 0xff, 0x10); /* F_TRANSLATION */

	vsmmu_smmu_get_stats(e.smmu, &st);
	ASSERT_EQ(st.translations, 4);
	ASSERT_EQ(st.tlb_hits, 2);
	ASSERT_EQ(st.faults, 1);
	ASSERT_EQ(st.tlbi, 1);
	hw_env_fini(&e);
}

/* The 32-bit accessors used for MSI writes: little-endian halves. */
TEST(hw_mem_32bit_access)
{
	struct vsmmu_mem *mem;
	uint64_t v = 0;
	uint32_t w = 0;

	ASSERT_OK(vsmmu_mem_create(48, &mem));
	ASSERT_OK(vsmmu_mem_populate(mem, 0x1000, 0x1000));
	ASSERT_OK(vsmmu_mem_write64(mem, 0x1000, 0x1122334455667788ULL));
	/* the upper half of the little-endian word is at 0x1004 */
	ASSERT_OK(vsmmu_mem_write32(mem, 0x1004, 0xaabbccdd));
	ASSERT_OK(vsmmu_mem_read64(mem, 0x1000, &v));
	ASSERT_EQ(v, 0xaabbccdd55667788ULL);
	ASSERT_OK(vsmmu_mem_read32(mem, 0x1000, &w));
	ASSERT_EQ(w, 0x55667788);
	ASSERT_EQ(vsmmu_mem_write32(mem, 0x1002, 1), -EINVAL);
	ASSERT_EQ(vsmmu_mem_read32(mem, 0x2000, &w), -EFAULT);
	vsmmu_mem_destroy(mem);
}
