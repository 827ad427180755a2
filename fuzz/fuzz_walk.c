// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the SMMU model's translation path: configuration
 * lookup, stage 1/2/nested walks, HTTU and the caches.
 *
 * Input layout (every value is folded into a legal range, so nothing is
 * rejected up front):
 *
 *   header, 8 bytes:
 *     [0] bit 0 CR2.RECINVSID, 1 CR2.E2H, 2 IDR3.STT, 3 tiny caches,
 *         4 IDR1.ATTR_PERMS_OVR, 5 no HTTU, 6 no stage 1, 7 no stage 2
 *     [1] STRTAB_BASE_CFG: LOG2SIZE [5:0], FMT 2-level if bit 6
 *     [2] STRTAB_BASE_CFG.SPLIT (low 5 bits, taken as is)
 *     [3] STRTAB_BASE = REGION + [3] * 4 KiB
 *     [4] IDR5 granules [2:0] (0: all), OAS [5:3] (mod 7), bit 6 IDR0.CD2L,
 *         bit 7 IDR0.ST_LVL 2-level
 *     [5] IDR1.SSIDSIZE (mod 21), [6] IDR1.SIDSIZE (1 + mod 32)
 *     [7] IDR0: STALL_MODEL [1:0], TERM_MODEL 2, TTENDIAN [4:3], HYP 5,
 *         ASID16 6, VMID16 7
 *   then records, each starting with a type byte (mod 5):
 *     0 word:  addr u24 (folded into REGION, 8-aligned), value u64
 *     1 block: addr u24, n u8 (1..32), n x u64 -- tables, STEs, CDs
 *     2 txn:   sid u32 (usually folded to 0..63), ssid u24, flags u8
 *              (access [1:0] R/W/X, bit 2 PRIV, bit 3 SSV, bit 4 full
 *              SID, bit 5 malformed flags), addr u64
 *     3 inval: kind u8, vmid u16, asid u16, addr u64, misc u8 (tlbi or
 *              cfgi, fields as given: the model must refuse bad ones)
 *     4 mmio:  offset u16 (8-aligned, page 0), value u64
 *   All multi-byte values little-endian.  The memory model is 52 bits wide
 *   with 1 MiB present at REGION; everything else aborts when fetched.
 *
 * After memory or register writes, the caches are invalidated before the
 * next transaction, as software must, so they hold only what memory holds.  For every
 * transaction (up to 16) the target checks: vsmmu_translate() returns 0
 * (-EINVAL only for malformed flags); the outcome is one of the three; an
 * OK output address fits the configured OAS; a fault's event ID is an
 * architected one and its SID is the transaction's; the traced walk (no
 * caches) and a second vsmmu_translate() (maybe an IOTLB hit) give the
 * same outcome, output address, permissions and event record.
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

#define FW_REGION 0x10000000ULL
#define FW_REGION_SIZE 0x100000ULL
#define FW_MAX_RECORDS 96
#define FW_MAX_TXNS 16

struct fw_in {
	const uint8_t *p;
	size_t left;
};

static uint64_t fw_take(struct fw_in *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static const unsigned int fw_oas_bits[7] = { 32, 36, 40, 42, 44, 48, 52 };

static void fw_config(const uint8_t *h, struct vsmmu_smmu_config *cfg,
		      unsigned int *oas)
{
	unsigned int gran = h[4] & 7, oasenc = ((h[4] >> 3) & 7) % 7;

	vsmmu_smmu_config_default(cfg);
	/* small caches: cheap to flush, and replacement is exercised */
	cfg->tlb_sets = 16;
	cfg->tlb_ways = 2;
	cfg->s2_sets = 8;
	cfg->s2_ways = 2;
	cfg->cfg_sets = 8;
	cfg->cfg_ways = 2;
	if (h[0] & (1 << 2))
		cfg->idr[3] |= IDR3_STT;
	if (h[0] & (1 << 3)) {
		cfg->tlb_sets = 2;
		cfg->tlb_ways = 1;
		cfg->s2_sets = 1;
		cfg->s2_ways = 2;
		cfg->cfg_sets = 1;
		cfg->cfg_ways = 1;
	}
	if (!(h[0] & (1 << 4)))
		cfg->idr[1] &= ~IDR1_ATTR_PERMS_OVR;
	if (h[0] & (1 << 5))
		cfg->idr[0] &= ~IDR0_HTTU;
	/* at least one stage */
	if ((h[0] & (1 << 6)) && !(h[0] & (1 << 7)))
		cfg->idr[0] &= ~IDR0_S1P;
	if (h[0] & (1 << 7))
		cfg->idr[0] &= ~IDR0_S2P;
	cfg->idr[5] &= ~(IDR5_GRAN4K | IDR5_GRAN16K | IDR5_GRAN64K | IDR5_OAS);
	if (!gran)
		gran = 7;
	cfg->idr[5] |= ((gran & 1) ? IDR5_GRAN4K : 0) |
		       ((gran & 2) ? IDR5_GRAN16K : 0) |
		       ((gran & 4) ? IDR5_GRAN64K : 0) |
		       VS_FIELD_PREP(IDR5_OAS, oasenc);
	*oas = fw_oas_bits[oasenc];
	if (!(h[4] & (1 << 6)))
		cfg->idr[0] &= ~IDR0_CD2L;
	cfg->idr[0] &= ~IDR0_ST_LVL;
	if (h[4] & (1 << 7))
		cfg->idr[0] |= VS_FIELD_PREP(IDR0_ST_LVL, IDR0_ST_LVL_2LVL);
	cfg->idr[1] &= ~(IDR1_SSIDSIZE | IDR1_SIDSIZE);
	cfg->idr[1] |= VS_FIELD_PREP(IDR1_SSIDSIZE, h[5] % 21) |
		       VS_FIELD_PREP(IDR1_SIDSIZE, 1 + h[6] % 32);
	cfg->idr[0] &= ~(IDR0_STALL_MODEL | IDR0_TERM_MODEL | IDR0_TTENDIAN |
			 IDR0_HYP | IDR0_ASID16 | IDR0_VMID16);
	cfg->idr[0] |= VS_FIELD_PREP(IDR0_STALL_MODEL, h[7] & 3) |
		       ((h[7] & (1 << 2)) ? IDR0_TERM_MODEL : 0) |
		       VS_FIELD_PREP(IDR0_TTENDIAN, (h[7] >> 3) & 3) |
		       ((h[7] & (1 << 5)) ? IDR0_HYP : 0) |
		       ((h[7] & (1 << 6)) ? IDR0_ASID16 : 0) |
		       ((h[7] & (1 << 7)) ? IDR0_VMID16 : 0);
}

/* Drop everything cached: what software does after changing structures. */
static void fw_flush(struct vsmmu_smmu *smmu)
{
	const struct vsmmu_cfgi cfgi = { .kind = VSMMU_CFGI_ALL };
	const struct vsmmu_tlbi all = { .kind = VSMMU_TLBI_NSNH_ALL };
	const struct vsmmu_tlbi el2 = { .kind = VSMMU_TLBI_EL2_ALL };

	if (vsmmu_smmu_cfgi(smmu, &cfgi) || vsmmu_smmu_tlbi(smmu, &all) ||
	    vsmmu_smmu_tlbi(smmu, &el2))
		abort();
}

static bool fw_known_event(unsigned int id)
{
	switch (id) {
	case EVT_ID_UUT:
	case EVT_ID_BAD_STREAMID:
	case EVT_ID_STE_FETCH:
	case EVT_ID_BAD_STE:
	case EVT_ID_BAD_ATS_TREQ:
	case EVT_ID_STREAM_DISABLED:
	case EVT_ID_TRANSL_FORBIDDEN:
	case 0x08: /* C_BAD_SUBSTREAMID */
	case 0x09: /* F_CD_FETCH */
	case 0x0a: /* C_BAD_CD */
	case 0x0b: /* F_WALK_EABT */
	case 0x10: /* F_TRANSLATION */
	case 0x11: /* F_ADDR_SIZE */
	case 0x12: /* F_ACCESS */
	case 0x13: /* F_PERMISSION */
	case 0x20: /* F_TLB_CONFLICT */
	case 0x21: /* F_CFG_CONFLICT */
	case 0x25: /* F_VMS_FETCH */
		return true;
	}
	return false;
}

static bool fw_same(const struct vsmmu_txn_result *a,
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

static void fw_noop(void *arg, const struct vsmmu_trace_step *step)
{
	(void)arg;
	/* touch what the step points at: it must be valid while we run */
	if (step->words && step->words[7] == 0x5a5a5a5a5a5a5a5aULL &&
	    step->words[0] == 0x5a5a5a5a5a5a5a5aULL)
		(void)step->kind;
	if (step->note && strlen(step->note) > 4096)
		abort();
}

static void fw_check(const struct vsmmu_txn *txn, unsigned int oas,
		     const struct vsmmu_txn_result *r)
{
	switch (r->outcome) {
	case VSMMU_TXN_OK:
		if (oas < 64 && (r->oa >> oas))
			abort();
		if (r->perm &
		    ~(VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC))
			abort();
		if (r->page_shift < 12 || r->page_shift > 52)
			abort();
		break;
	case VSMMU_TXN_TERMINATED:
		break;
	case VSMMU_TXN_FAULT:
		if (!fw_known_event(r->evt[0] & 0xff))
			abort();
		if ((r->evt[0] >> 32) != txn->sid)
			abort();
		/* SSV (bit 11) only for a transaction that had one */
		if ((r->evt[0] & (1ULL << 11)) &&
		    (!txn->ssv || ((r->evt[0] >> 12) & 0xfffff) != txn->ssid))
			abort();
		break;
	default:
		abort();
	}
}

static void fw_txn(struct vsmmu_smmu *smmu, struct fw_in *in, unsigned int oas)
{
	static const unsigned int acc[4] = { VSMMU_TXN_READ, VSMMU_TXN_WRITE,
					     VSMMU_TXN_EXEC, VSMMU_TXN_READ };
	struct vsmmu_txn txn;
	struct vsmmu_txn_result r1, r2, r3;
	uint32_t sid = (uint32_t)fw_take(in, 4);
	uint32_t ssid = (uint32_t)fw_take(in, 3) & 0xfffff;
	unsigned int fl = (unsigned int)fw_take(in, 1);
	int ret;

	memset(&txn, 0, sizeof(txn));
	txn.sid = (fl & (1 << 4)) ? sid : sid % 64;
	txn.ssid = ssid;
	txn.ssv = fl & (1 << 3);
	txn.addr = fw_take(in, 8);
	txn.flags = acc[fl & 3] | ((fl & (1 << 2)) ? VSMMU_TXN_PRIV : 0);
	if (fl & (1 << 5)) {
		/* no access type, or two: refused, nothing else happens */
		txn.flags = (fl & 1) ? VSMMU_TXN_READ | VSMMU_TXN_WRITE :
				       VSMMU_TXN_PRIV;
		if (vsmmu_translate(smmu, &txn, &r1) != -EINVAL)
			abort();
		return;
	}
	memset(&r1, 0xa5, sizeof(r1));
	memset(&r2, 0x5a, sizeof(r2));
	memset(&r3, 0x3c, sizeof(r3));
	ret = vsmmu_translate(smmu, &txn, &r1);
	if (ret)
		abort();
	fw_check(&txn, oas, &r1);
	if (vsmmu_translate_trace(smmu, &txn, &r2, fw_noop, NULL))
		abort();
	fw_check(&txn, oas, &r2);
	if (vsmmu_translate(smmu, &txn, &r3))
		abort();
	fw_check(&txn, oas, &r3);
	if (!fw_same(&r1, &r2) || !fw_same(&r1, &r3))
		abort();
}

static void fw_inval(struct vsmmu_smmu *smmu, struct fw_in *in)
{
	unsigned int kind = (unsigned int)fw_take(in, 1);
	uint16_t vmid = (uint16_t)fw_take(in, 2),
		 asid = (uint16_t)fw_take(in, 2);
	uint64_t addr = fw_take(in, 8);
	unsigned int misc = (unsigned int)fw_take(in, 1);

	if (kind & 0x80) {
		struct vsmmu_cfgi c = {
			.kind = (enum vsmmu_cfgi_kind)(kind % 6),
			.sid = (uint32_t)addr,
			.ssid = (uint32_t)(addr >> 32),
			.range = misc & 63,
			.leaf = misc & 64,
		};
		int ret = vsmmu_smmu_cfgi(smmu, &c);

		if (ret && ret != -EINVAL)
			abort();
	} else {
		struct vsmmu_tlbi t = {
			.kind = (enum vsmmu_tlbi_kind)(kind % 12),
			.vmid = vmid,
			.asid = asid,
			.addr = addr,
			.leaf = misc & 1,
			.tg = (misc >> 1) & 3,
			.ttl = (misc >> 3) & 3,
			.num = (unsigned int)(addr & 31),
			.scale = (unsigned int)((addr >> 5) & 31),
		};
		int ret;

		if (!(misc & 0x20))
			t.num = t.scale = 0;
		ret = vsmmu_smmu_tlbi(smmu, &t);
		if (ret && ret != -EINVAL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsmmu_smmu_config cfg;
	struct vsmmu_mem *mem = NULL;
	struct vsmmu_smmu *smmu = NULL;
	struct fw_in in = { data, size };
	uint8_t h[8] = { 0 };
	unsigned int oas, rec, txns = 0, i;
	bool dirty = false;
	uint64_t v;

	for (i = 0; i < 8 && in.left; i++)
		h[i] = (uint8_t)fw_take(&in, 1);
	fw_config(h, &cfg, &oas);
	if (vsmmu_mem_create(52, &mem))
		abort();
	if (vsmmu_mem_populate(mem, FW_REGION, FW_REGION_SIZE) ||
	    vsmmu_smmu_create(&cfg, mem, &smmu))
		abort();
	/* STRTAB_BASE_CFG: FMT [17:16], SPLIT [10:6], LOG2SIZE [5:0] */
	v = (uint64_t)(h[1] & 63) | ((uint64_t)(h[2] & 31) << 6) |
	    ((h[1] & 64) ? 1ULL << 16 : 0);
	if (vsmmu_smmu_mmio_write(smmu, ARM_SMMU_STRTAB_BASE, 8,
				  FW_REGION + ((uint64_t)h[3] << 12)) ||
	    vsmmu_smmu_mmio_write(smmu, ARM_SMMU_STRTAB_BASE_CFG, 4, v) ||
	    vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CR2, 4, h[0] & 3) ||
	    vsmmu_smmu_mmio_write(smmu, ARM_SMMU_CR0, 4, CR0_SMMUEN))
		abort();

	for (rec = 0; rec < FW_MAX_RECORDS && in.left; rec++) {
		unsigned int type = (unsigned int)fw_take(&in, 1) % 5;
		uint64_t addr, n;

		switch (type) {
		case 0:
			addr = FW_REGION +
			       ((fw_take(&in, 3) << 3) & (FW_REGION_SIZE - 1));
			if (vsmmu_mem_write64(mem, addr, fw_take(&in, 8)))
				abort();
			dirty = true;
			break;
		case 1:
			addr = FW_REGION +
			       ((fw_take(&in, 3) << 3) & (FW_REGION_SIZE - 1));
			n = 1 + fw_take(&in, 1) % 32;
			for (i = 0; i < n && in.left; i++) {
				uint64_t a = FW_REGION +
					     ((addr + 8 * i - FW_REGION) &
					      (FW_REGION_SIZE - 1));

				if (vsmmu_mem_write64(mem, a, fw_take(&in, 8)))
					abort();
			}
			dirty = true;
			break;
		case 2:
			if (dirty)
				fw_flush(smmu);
			dirty = false;
			if (txns++ < FW_MAX_TXNS)
				fw_txn(smmu, &in, oas);
			break;
		case 3:
			fw_inval(smmu, &in);
			break;
		default: {
			uint64_t off = (fw_take(&in, 2) << 3) & 0xff8;
			uint64_t val = fw_take(&in, 8);
			int ret = vsmmu_smmu_mmio_write(smmu, off, 8, val);

			if (ret && ret != -EINVAL)
				abort();
			ret = vsmmu_smmu_mmio_write(smmu, off, 4, val);
			if (ret && ret != -EINVAL)
				abort();
			ret = vsmmu_smmu_mmio_read(smmu, off, 8, &val);
			if (ret && ret != -EINVAL)
				abort();
			dirty = true;
			break;
		}
		}
	}
	vsmmu_smmu_destroy(smmu);
	vsmmu_mem_destroy(mem);
	return 0;
}

/* --- Seeds ----------------------------------------------------------------- */

/*
 * Seeds that reach the deep paths: a linear stream table at REGION with
 * (SID 1) a stage-1 STE, (SID 2) a stage-2 STE and (SID 3) a nested STE,
 * 4K tables mapping a few pages, and transactions that translate.
 * Offsets below are from REGION:
 *   0x00000 STEs (SID n at 64 n)       0x10000 CD (stage 1)
 *   0x20000 stage-1 L0, +0x1000 L1, +0x2000 L2, +0x3000 L3
 *   0x40000 stage-2 L1 (2 concatenated: 40-bit IPA), +0x2000 L2, +0x3000 L3
 */
struct fw_seed_buf {
	uint8_t *buf;
	size_t len, cap;
};

static void fw_put(struct fw_seed_buf *b, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (b->len < b->cap)
			b->buf[b->len++] = (uint8_t)(v >> (8 * i));
}

static void fw_put_word(struct fw_seed_buf *b, uint64_t off, uint64_t v)
{
	fw_put(b, 0, 1);
	fw_put(b, off >> 3, 3);
	fw_put(b, v, 8);
}

static void fw_put_txn(struct fw_seed_buf *b, uint32_t sid, uint64_t addr,
		       unsigned int flags)
{
	fw_put(b, 2, 1);
	fw_put(b, sid, 4);
	fw_put(b, 0, 3);
	fw_put(b, flags, 1);
	fw_put(b, addr, 8);
}

size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	struct fw_seed_buf b = { buf, 0, cap };
	const uint64_t R = FW_REGION;
	/* CD: T0SZ 16, TG0 4K, EPD1, V, IPS 48, AA64, R, A, ASID 1; and
	 * with HA|HD (bits 43, 42) for seed 1 */
	uint64_t cd0 = 0x00016205c0003510ULL | (i == 1 ? 3ULL << 42 : 0);
	/* S2: VMID 1, S2T0SZ 24, SL0 1, WBWA ISH, 4K, PS 48, AA64, S2R */
	uint64_t s2dw2 = 0x040d355800000001ULL;
	unsigned int k;

	if (i > 2)
		return 0;
	/* header: RECINVSID; LOG2SIZE 4; granules all, OAS 48, CD2L,
	 * SSIDSIZE 8, SIDSIZE 16; STALL_MODEL 0, HYP, ASID16, VMID16 */
	fw_put(&b, 0x01, 1);
	fw_put(&b, 4, 1);
	fw_put(&b, 0, 1);
	fw_put(&b, 0, 1);
	fw_put(&b, (5 << 3) | (1 << 6), 1);
	fw_put(&b, 8, 1);
	fw_put(&b, 15, 1);
	fw_put(&b, 0xe0, 1);
	/* SID 1: S1 STE -> CD; SID 2: S2 STE; SID 3: nested */
	fw_put_word(&b, 64, (R + 0x10000) | 0xb);
	fw_put_word(&b, 128, 0xd);
	fw_put_word(&b, 128 + 16, s2dw2);
	fw_put_word(&b, 128 + 24, R + 0x40000);
	fw_put_word(&b, 192, (R + 0x10000) | 0xf);
	fw_put_word(&b, 192 + 16, s2dw2);
	fw_put_word(&b, 192 + 24, R + 0x40000);
	fw_put_word(&b, 0x10000, cd0);
	fw_put_word(&b, 0x10008, R + 0x20000);
	/* stage 1: VA 0 -> L0[0] -> L1[0] -> L2[0] -> L3[k]; L1[1] 1 GiB
	 * block at R's IPA; leaves AP 01, AF, nG (0xf43 page, 0xf41 block,
	 * AF clear in page 2, read-only page 3) */
	fw_put_word(&b, 0x20000, (R + 0x21000) | 3);
	fw_put_word(&b, 0x21000, (R + 0x22000) | 3);
	fw_put_word(&b, 0x21008, 0x40000000ULL | 0xf41);
	fw_put_word(&b, 0x22000, (R + 0x23000) | 3);
	for (k = 0; k < 4; k++)
		fw_put_word(&b, 0x23000 + 8 * k,
			    (R + 0x80000 + 0x1000 * k) | (k == 2 ? 0xb43 :
							  k == 3 ? 0xfc3 :
								   0xf43));
	/* stage 2 (IPA 40 bits): identity for REGION's 1 GiB as a block at
	 * L1 [0]... L1 index IPA[39:30]: R = 0x1000_0000 is in [0], and
	 * 0x4000_0000 in [1]; leaves 0x7fd (block RW) */
	fw_put_word(&b, 0x40000, 0x00000000ULL | 0x7fd);
	fw_put_word(&b, 0x40008, (R + 0x42000) | 3);
	fw_put_word(&b, 0x42000, (R + 0x43000) | 3);
	fw_put_word(&b, 0x43000, 0x12345000ULL | 0x7ff);
	fw_put_word(&b, 0x43008, 0x12346000ULL | 0x77f);
	/* transactions */
	for (k = 0; k < 4; k++)
		fw_put_txn(&b, 1, 0x1000ULL * k + 0x10, (k & 1) | (k & 2) << 1);
	fw_put_txn(&b, 1, 0x40000123ULL, 1);
	fw_put_txn(&b, 2, 0x40000010ULL, 0);
	fw_put_txn(&b, 2, 0x40001010ULL, 1);
	fw_put_txn(&b, 3, 0x1010, 0);
	fw_put_txn(&b, 3, 0x40000000ULL, 2);
	fw_put_txn(&b, 9, 0, 0);
	fw_put_txn(&b, 70000, 0, 0x10);
	if (i == 2) {
		/* invalidations, a register poke, and a repeat */
		fw_put(&b, 3, 1);
		fw_put(&b, 4, 1); /* NH_VA */
		fw_put(&b, 0, 2);
		fw_put(&b, 1, 2);
		fw_put(&b, 0x1000, 8);
		fw_put(&b, 1, 1);
		fw_put(&b, 4, 1);
		fw_put(&b, 0x20 >> 3, 2); /* CR0 */
		fw_put(&b, 0, 8);
		fw_put_txn(&b, 1, 0x10, 0);
	}
	return b.len;
}
