// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the SMMU model's configuration decoding: STE and CD
 * validity (C_BAD_STE / C_BAD_CD), S1DSS, substreams, linear and two-level
 * CD tables, then whatever walk the decoded configuration asks for.
 *
 * Input layout:
 *   [0]      IDR tweaks: bit 0 IDR3.STT, 1 no HTTU, 2 IDR1.ATTR_PERMS_OVR,
 *            3 no stage 1, 4 no stage 2, 5 HYP, 6 CR2.E2H, 7 no CD2L
 *   [1]      IDR1.SSIDSIZE (mod 21); [2] bits [1:0] IDR0.STALL_MODEL,
 *            2 TERM_MODEL, [4:3] TTENDIAN, [7:5] IDR5.OAS (mod 7)
 *   [3]      fix-ups: bit 0 point STE.S1ContextPtr at our CD table (or
 *            L1 table when S1Fmt != 0), 1 STE.S2TTB at our stage-2
 *            tables, 2 CD.TTB0/TTB1 at our stage-1 tables, 3 L1CD.L2Ptr
 *            at our CDs (V kept as given)
 *   [4..67]  the STE (8 x u64), SID 1 of a linear stream table
 *   [68..131] the CD (8 x u64), copied to all 1024 slots of a 64 KiB CD
 *            table (so SSIDs up to 1023 find one)
 *   [132..139] an L1CD descriptor, copied to every entry of the L1 table
 *   then up to 8 transactions of 13 bytes: ssid u24, flags u8 (access
 *   [1:0], bit 2 PRIV, 3 SSV, 4 SID 0 or 2 instead of 1), addr u64
 *
 * The translation tables are "universal": every 64-bit word of the stage-1
 * (and stage-2) table area is a valid table-or-page descriptor pointing
 * at another page of the same area, so any granule, start level and input
 * size walks to a leaf.  Short inputs are zero-padded.
 *
 * Checks, per transaction: vsmmu_translate() returns 0; the outcome is in
 * range; an OK address fits the OAS; a fault's event ID is architected
 * and its SID is the transaction's; the traced walk and a second
 * translation agree with the first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/mem.h>
#include <vsmmu/smmu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap);

#define FC_BASE 0x20000000ULL
#define FC_STRTAB (FC_BASE + 0x0)
#define FC_L1CD (FC_BASE + 0x1000)
#define FC_CDS (FC_BASE + 0x10000) /* 64 KiB: 1024 CDs */
#define FC_S1TT (FC_BASE + 0x40000)
#define FC_S2TT (FC_BASE + 0x80000)
#define FC_TT_SIZE 0x20000ULL
#define FC_HDR 140
#define FC_TXN 13
#define FC_MAX_TXNS 8

static const unsigned int fc_oas_bits[7] = { 32, 36, 40, 42, 44, 48, 52 };

static uint64_t fc_u64(const uint8_t *p)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * Universal table area at @base: the word at offset o points to the page
 * at ((o + 4K) mod size), with low bits that make it a table descriptor
 * at levels 0-2 and a page at level 3 (stage 1: AP 01, AF, SH inner;
 * stage 2: MemAttr WB, S2AP RW, AF, SH inner; both ignored in a table).
 */
static uint64_t *fc_universal(uint64_t base, bool s2)
{
	uint64_t *w = malloc(FC_TT_SIZE);
	uint64_t o;

	if (!w)
		abort();
	for (o = 0; o < FC_TT_SIZE; o += 8)
		w[o / 8] = (base + ((o + 0x1000) & (FC_TT_SIZE - 0x1000))) |
			   (s2 ? 0x7ffULL : 0x743ULL);
	return w;
}

static void fc_config(const uint8_t *h, struct vsmmu_smmu_config *cfg,
		      unsigned int *oas)
{
	unsigned int oasenc = (h[2] >> 5) % 7;

	vsmmu_smmu_config_default(cfg);
	cfg->tlb_sets = 16;
	cfg->tlb_ways = 2;
	cfg->s2_sets = 8;
	cfg->s2_ways = 2;
	cfg->cfg_sets = 8;
	cfg->cfg_ways = 2;
	if (h[0] & 1)
		cfg->idr[3] |= IDR3_STT;
	if (h[0] & 2)
		cfg->idr[0] &= ~IDR0_HTTU;
	if (!(h[0] & 4))
		cfg->idr[1] &= ~IDR1_ATTR_PERMS_OVR;
	if ((h[0] & 8) && !(h[0] & 16))
		cfg->idr[0] &= ~IDR0_S1P;
	if (h[0] & 16)
		cfg->idr[0] &= ~IDR0_S2P;
	if (!(h[0] & 32))
		cfg->idr[0] &= ~IDR0_HYP;
	if (h[0] & 128)
		cfg->idr[0] &= ~IDR0_CD2L;
	cfg->idr[1] &= ~IDR1_SSIDSIZE;
	cfg->idr[1] |= VS_FIELD_PREP(IDR1_SSIDSIZE, h[1] % 21);
	cfg->idr[0] &= ~(IDR0_STALL_MODEL | IDR0_TERM_MODEL | IDR0_TTENDIAN);
	cfg->idr[0] |= VS_FIELD_PREP(IDR0_STALL_MODEL, h[2] & 3) |
		       ((h[2] & 4) ? IDR0_TERM_MODEL : 0) |
		       VS_FIELD_PREP(IDR0_TTENDIAN, (h[2] >> 3) & 3);
	cfg->idr[5] &= ~IDR5_OAS;
	cfg->idr[5] |= VS_FIELD_PREP(IDR5_OAS, oasenc);
	*oas = fc_oas_bits[oasenc];
}

static bool fc_known_event(unsigned int id)
{
	return (id >= 0x01 && id <= 0x0b) || (id >= 0x10 && id <= 0x13) ||
	       id == 0x20 || id == 0x21 || id == 0x25;
}

static void fc_check(const struct vsmmu_txn *txn, unsigned int oas,
		     const struct vsmmu_txn_result *r)
{
	switch (r->outcome) {
	case VSMMU_TXN_OK:
		if (r->oa >> oas)
			abort();
		if (r->page_shift < 12 || r->page_shift > 52)
			abort();
		if (r->perm &
		    ~(VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC))
			abort();
		break;
	case VSMMU_TXN_TERMINATED:
		break;
	case VSMMU_TXN_FAULT:
		if (!fc_known_event(r->evt[0] & 0xff) ||
		    (r->evt[0] >> 32) != txn->sid)
			abort();
		if ((r->evt[0] & (1ULL << 11)) && !txn->ssv)
			abort();
		break;
	default:
		abort();
	}
}

static bool fc_same(const struct vsmmu_txn_result *a,
		    const struct vsmmu_txn_result *b)
{
	if (a->outcome != b->outcome)
		return false;
	if (a->outcome == VSMMU_TXN_OK)
		return a->oa == b->oa && a->perm == b->perm &&
		       a->bypass == b->bypass;
	if (a->outcome == VSMMU_TXN_FAULT)
		return !memcmp(a->evt, b->evt, sizeof(a->evt)) &&
		       a->recorded == b->recorded && a->stall == b->stall;
	return true;
}

static void fc_noop(void *arg, const struct vsmmu_trace_step *step)
{
	(void)arg;
	if (step->note && strlen(step->note) > 4096)
		abort();
}

/* Replace the address field [hi:lo] of @w by @addr's bits there. */
static uint64_t fc_point(uint64_t w, unsigned int hi, unsigned int lo,
			 uint64_t addr)
{
	uint64_t mask = VS_GENMASK(hi, lo);

	return (w & ~mask) | (addr & mask);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t *s1tt, *s2tt;
	uint8_t in[FC_HDR + FC_MAX_TXNS * FC_TXN];
	struct vsmmu_smmu_config cfg;
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	uint64_t ste[8], cd[8], l1cd, *cds;
	unsigned int oas, i, ntx;

	if (!s1tt) {
		s1tt = fc_universal(FC_S1TT, false);
		s2tt = fc_universal(FC_S2TT, true);
	}
	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	ntx = size > FC_HDR ? (unsigned int)((size - FC_HDR) / FC_TXN) : 0;
	if (ntx > FC_MAX_TXNS)
		ntx = FC_MAX_TXNS;
	for (i = 0; i < 8; i++) {
		ste[i] = fc_u64(in + 4 + 8 * i);
		cd[i] = fc_u64(in + 68 + 8 * i);
	}
	l1cd = fc_u64(in + 132);
	if (in[3] & 1)
		ste[0] = fc_point(ste[0], 51, 6,
				  VS_FIELD_GET(VS_GENMASK(5, 4), ste[0]) ?
					  FC_L1CD :
					  FC_CDS);
	if (in[3] & 2)
		ste[3] = fc_point(ste[3], 51, 4, FC_S2TT);
	if (in[3] & 4) {
		cd[1] = fc_point(cd[1], 51, 4, FC_S1TT);
		cd[2] = fc_point(cd[2], 51, 4, FC_S1TT);
	}
	if (in[3] & 8)
		l1cd = fc_point(l1cd, 55, 12, FC_CDS);

	fc_config(in, &cfg, &oas);
	if (vsmmu_mem_create(52, &mem))
		abort();
	cds = malloc(0x10000);
	if (!cds)
		abort();
	for (i = 0; i < 0x10000 / 8; i++)
		cds[i] = cd[i % 8];
	if (vsmmu_mem_populate(mem, FC_STRTAB, 0x1000) ||
	    vsmmu_mem_write(mem, FC_STRTAB + 64, ste, sizeof(ste)) ||
	    vsmmu_mem_load_buf(mem, cds, 0x10000, FC_CDS) ||
	    vsmmu_mem_load_buf(mem, s1tt, FC_TT_SIZE, FC_S1TT) ||
	    vsmmu_mem_load_buf(mem, s2tt, FC_TT_SIZE, FC_S2TT))
		abort();
	free(cds);
	if (vsmmu_mem_populate(mem, FC_L1CD, 0x1000))
		abort();
	for (i = 0; i < 0x1000 / 8; i++)
		if (vsmmu_mem_write64(mem, FC_L1CD + 8 * i, l1cd))
			abort();
	if (vsmmu_smmu_create(&cfg, mem, &smmu))
		abort();
	/* linear stream table of 4 STEs: SID 0 and 2 are all-zero (V = 0) */
	if (vsmmu_smmu_mmio_write(smmu, ARM_SMMU_STRTAB_BASE, 8, FC_STRTAB) ||
	    vsmmu_smmu_mmio_write(smmu, ARM_SMMU_STRTAB_BASE_CFG, 4, 2) ||
	    vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CR2, 4,
				  CR2_RECINVSID |
					  ((in[0] & 64) ? CR2_E2H : 0)) ||
	    vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CR0, 4, CR0_SMMUEN))
		abort();

	for (i = 0; i < ntx; i++) {
		static const unsigned int acc[4] = { VSMMU_TXN_READ,
						     VSMMU_TXN_WRITE,
						     VSMMU_TXN_EXEC,
						     VSMMU_TXN_READ };
		const uint8_t *t = in + FC_HDR + FC_TXN * i;
		struct vsmmu_txn txn = { 0 };
		struct vsmmu_txn_result r1, r2, r3;

		txn.ssid = (t[0] | t[1] << 8 | (uint32_t)t[2] << 16) & 0xfffff;
		txn.flags = acc[t[3] & 3] | ((t[3] & 4) ? VSMMU_TXN_PRIV : 0);
		txn.ssv = t[3] & 8;
		txn.sid = (t[3] & 16) ? (t[3] & 32 ? 2 : 0) : 1;
		txn.addr = fc_u64(t + 5) ^ ((uint64_t)t[4] << 56);
		memset(&r1, 0xa5, sizeof(r1));
		memset(&r2, 0x5a, sizeof(r2));
		memset(&r3, 0x3c, sizeof(r3));
		if (vsmmu_translate(smmu, &txn, &r1))
			abort();
		fc_check(&txn, oas, &r1);
		if (vsmmu_translate_trace(smmu, &txn, &r2, fc_noop, NULL))
			abort();
		fc_check(&txn, oas, &r2);
		if (vsmmu_translate(smmu, &txn, &r3))
			abort();
		fc_check(&txn, oas, &r3);
		if (!fc_same(&r1, &r2) || !fc_same(&r1, &r3))
			abort();
	}
	vsmmu_smmu_destroy(smmu);
	vsmmu_mem_destroy(mem);
	return 0;
}

/*
 * Seeds: fix-ups on, and (0) a stage-1 STE with a valid CD, (1) a nested
 * STE with S1CDMax 4, S1DSS 0b10 and a two-level CD table (its CD IPAs go
 * through the universal stage-2 tables), (2) a stage-2 STE, each
 * with a few transactions.  Values as in tests/test_golden_walk.c: CD_STD
 * 0x0001_6205_c000_3510; STE2 dw2 0x040d_3558_0000_0005 (4K, 40-bit IPA,
 * start level 1).
 */
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	uint64_t ste[8] = { 0 }, cd[8] = { 0 }, l1cd = 0;
	size_t len = FC_HDR + 4 * FC_TXN;
	unsigned int k, b;

	if (i > 2 || cap < len)
		return 0;
	memset(buf, 0, len);
	buf[0] = 0x20; /* HYP */
	buf[1] = 8; /* SSIDSIZE 8 */
	buf[2] = 5 << 5; /* OAS 48 */
	buf[3] = 0xf; /* all fix-ups */
	cd[0] = 0x00016205c0003510ULL;
	switch (i) {
	case 0:
		ste[0] = 0xb; /* V | Config S1 */
		break;
	case 1:
		/* V | Config nested | S1Fmt 2-level 4K (1 << 4) | S1CDMax 4 */
		ste[0] = 0xf | (1ULL << 4) | (4ULL << 59);
		ste[1] = 2; /* S1DSS: no SSID uses CD 0 */
		ste[2] = 0x040d355800000005ULL;
		l1cd = 1; /* V */
		break;
	default:
		ste[0] = 0xd; /* V | Config S2 */
		ste[2] = 0x040d355800000005ULL;
		break;
	}
	for (k = 0; k < 8; k++)
		for (b = 0; b < 8; b++) {
			buf[4 + 8 * k + b] = (uint8_t)(ste[k] >> (8 * b));
			buf[68 + 8 * k + b] = (uint8_t)(cd[k] >> (8 * b));
		}
	for (b = 0; b < 8; b++)
		buf[132 + b] = (uint8_t)(l1cd >> (8 * b));
	for (k = 0; k < 4; k++) {
		uint8_t *t = buf + FC_HDR + FC_TXN * k;

		t[0] = (uint8_t)k; /* ssid */
		t[3] = (uint8_t)((k & 3) | (k == 3 ? 8 : 0));
		t[6] = (uint8_t)(0x10 * k); /* addr 0x...k000 */
	}
	return len;
}
