// SPDX-License-Identifier: MIT
/*
 * Table-driven decoders for the architected SMMUv3 structures.
 *
 * Every field is described once, by the mask <vsmmu/arch.h> defines for it;
 * the bit range reported to the caller is derived from that mask, so a field
 * position is never written down twice.  A decoder walks one or more tables
 * of field descriptions and calls the user's callback for each.  Structures
 * whose layout depends on their contents (commands by opcode, events by id,
 * translation table descriptors by level and type) choose the tables from
 * the words first.
 *
 * Nothing in the input is trusted: enum-like fields with a reserved value
 * say "reserved", and bits that no described field covers are reported as
 * one extra RES0 (IGNORED for descriptors) field per dword instead of being
 * dropped silently.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vsmmu/arch.h>
#include <vsmmu/decode.h>

#define MAX_DWORDS 8

/* Masks for whole values that <vsmmu/arch.h> has no field name for. */
#define REG32_ALL VS_GENMASK(31, 0)
#define REG64_ALL VS_GENMASK(63, 0)
/* Queue PROD/CONS: index and wrap bit; LOG2SIZE is at most 19. */
#define Q_IDX_WRAP VS_GENMASK(19, 0)

struct dctx;
typedef const char *meaning_fn(struct dctx *c, uint64_t v);

enum {
	F_ADDR = 1, /* report the bits in place (an address), not shifted */
};

struct fdesc {
	const char *name;
	unsigned char dword;
	unsigned char flags;
	uint64_t mask;
	const char *const *enums; /* meaning by value; NULL entry: reserved */
	unsigned int nenums;
	meaning_fn *fmt; /* computed meaning, when a table will not do */
};

#define FLD(n, dw, m)                                   \
	{                                               \
		.name = (n), .dword = (dw), .mask = (m) \
	}
#define ADDR(n, dw, m)                                                   \
	{                                                                \
		.name = (n), .dword = (dw), .mask = (m), .flags = F_ADDR \
	}
#define ENUM(n, dw, m, e)                                              \
	{                                                              \
		.name = (n), .dword = (dw), .mask = (m), .enums = (e), \
		.nenums = VS_ARRAY_SIZE(e)                             \
	}
#define FMT(n, dw, m, f)                                            \
	{                                                           \
		.name = (n), .dword = (dw), .mask = (m), .fmt = (f) \
	}

struct dctx {
	uint64_t w[MAX_DWORDS];
	unsigned int nwords; /* words of the structure being decoded */
	uint64_t known[MAX_DWORDS]; /* bits covered by emitted fields */
	vsmmu_field_fn *fn;
	void *arg;
	char buf[96]; /* room for a computed meaning */
};

static unsigned int mask_lo(uint64_t mask)
{
	return (unsigned int)__builtin_ctzll(mask);
}

static unsigned int mask_hi(uint64_t mask)
{
	return 63u - (unsigned int)__builtin_clzll(mask);
}

/* Report one field with an explicit value and meaning. */
static int emit_val(struct dctx *c, const char *name, unsigned int dw,
		    uint64_t mask, uint64_t value, const char *meaning)
{
	struct vsmmu_field f = {
		.name = name,
		.dword = dw,
		.hi = mask_hi(mask),
		.lo = mask_lo(mask),
		.value = value,
		.meaning = meaning,
	};

	if (dw < MAX_DWORDS)
		c->known[dw] |= mask;
	return c->fn(c->arg, &f);
}

static int emit(struct dctx *c, const struct fdesc *d)
{
	uint64_t word = c->w[d->dword];
	uint64_t v;
	const char *meaning = NULL;

	if (d->flags & F_ADDR)
		v = word & d->mask;
	else
		v = (word & d->mask) >> mask_lo(d->mask);
	if (d->fmt) {
		meaning = d->fmt(c, v);
	} else if (d->enums) {
		meaning = v < d->nenums ? d->enums[v] : NULL;
		if (!meaning)
			meaning = "reserved";
	}
	return emit_val(c, d->name, d->dword, d->mask, v, meaning);
}

static int emit_tab(struct dctx *c, const struct fdesc *t, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = emit(c, &t[i]);
		if (ret)
			return ret;
	}
	return 0;
}

#define EMIT_TAB(c, t) emit_tab((c), (t), VS_ARRAY_SIZE(t))

/* Bits of each dword that no reported field covered. */
static int emit_rest(struct dctx *c, const char *name)
{
	unsigned int dw;
	int ret;

	for (dw = 0; dw < c->nwords; dw++) {
		uint64_t rest = c->w[dw] & ~c->known[dw];

		if (!rest)
			continue;
		ret = emit_val(c, name, dw,
			       VS_GENMASK(mask_hi(rest), mask_lo(rest)), rest,
			       "bits set outside the described fields");
		if (ret)
			return ret;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Shared meanings
 */
static const char *const m_bool_en[] = { "disabled", "enabled" };
static const char *const m_valid[] = { "invalid", "valid" };
static const char *const m_cache[] = {
	"Non-cacheable",
	"Write-Back, read/write-allocate",
	"Write-Through, read-allocate",
	"Write-Back, read-allocate",
};
static const char *const m_sh[] = { "Non-shareable", NULL, "Outer Shareable",
				    "Inner Shareable" };
static const char *const m_pa_bits[] = {
	"32 bits (4GB)",  "36 bits (64GB)",  "40 bits (1TB)", "42 bits (4TB)",
	"44 bits (16TB)", "48 bits (256TB)", "52 bits (4PB)", NULL,
};
static const char *const m_endi[] = { "little-endian", "big-endian" };

static const char *fmt_tsz(struct dctx *c, uint64_t v)
{
	snprintf(c->buf, sizeof(c->buf), "%u-bit input range",
		 64u - (unsigned int)v);
	return c->buf;
}

/* ---------------------------------------------------------------------
 * Stream table entry
 */
static const char *const m_ste_cfg[] = {
	"abort",
	NULL,
	NULL,
	NULL,
	"bypass",
	"S1 translate, S2 bypass",
	"S1 bypass, S2 translate",
	"S1 translate, S2 translate (nested)",
};
static const char *const m_s1fmt[] = {
	"linear CD table",
	"2-level CD table, 4K leaf tables (64 CDs)",
	"2-level CD table, 64K leaf tables (1024 CDs)",
	NULL,
};
static const char *const m_s1dss[] = { "terminate", "bypass", "use substream 0",
				       NULL };
static const char *const m_eats[] = { "ATS disabled (abort)", "full ATS",
				      "split-stage ATS", NULL };
static const char *const m_strw[] = { "NS-EL1", "EL3 (Secure only)", "EL2",
				      NULL };
static const char *const m_shcfg[] = { "Non-shareable", "use incoming",
				       "Outer Shareable", "Inner Shareable" };
static const char *const m_nscfg[] = { "use incoming", NULL, "Secure",
				       "Non-secure" };
static const char *const m_privcfg[] = { "use incoming", NULL, "unprivileged",
					 "privileged" };
static const char *const m_instcfg[] = { "use incoming", NULL, "data",
					 "instruction" };
static const char *const m_mtcfg[] = { "use incoming type",
				       "replace with MemAttr" };
static const char *const m_s2tg[] = { "4K", "64K", "16K", NULL };
static const char *const m_s2aa64[] = { "AArch32 (LPAE) tables",
					"AArch64 tables" };

static const char *fmt_cdmax(struct dctx *c, uint64_t v)
{
	if (!v)
		return "one CD, substreams disabled";
	snprintf(c->buf, sizeof(c->buf), "%u CDs (SSID %u bits)",
		 1u << (unsigned int)v, (unsigned int)v);
	return c->buf;
}

/* The start level S2SL0 selects depends on the stage-2 granule. */
static const char *fmt_s2sl0(struct dctx *c, uint64_t v)
{
	unsigned int tg =
		(unsigned int)VS_FIELD_GET(STRTAB_STE_2_S2TG, c->w[2]);
	int level;

	if (v == 3 || tg == 3)
		return "reserved";
	level = tg == STRTAB_STE_2_S2TG_4K ? 2 - (int)v : 3 - (int)v;
	snprintf(c->buf, sizeof(c->buf), "start at level %d", level);
	return c->buf;
}

static const struct fdesc ste_fields[] = {
	ENUM("V", 0, STRTAB_STE_0_V, m_valid),
	ENUM("Config", 0, STRTAB_STE_0_CFG, m_ste_cfg),
	ENUM("S1Fmt", 0, STRTAB_STE_0_S1FMT, m_s1fmt),
	ADDR("S1ContextPtr", 0, STRTAB_STE_0_S1CTXPTR_MASK),
	FMT("S1CDMax", 0, STRTAB_STE_0_S1CDMAX, fmt_cdmax),

	ENUM("S1DSS", 1, STRTAB_STE_1_S1DSS, m_s1dss),
	ENUM("S1CIR", 1, STRTAB_STE_1_S1CIR, m_cache),
	ENUM("S1COR", 1, STRTAB_STE_1_S1COR, m_cache),
	ENUM("S1CSH", 1, STRTAB_STE_1_S1CSH, m_sh),
	FLD("DCP", 1, STRTAB_STE_1_DCP),
	FLD("PPAR", 1, STRTAB_STE_1_PPAR),
	FLD("MEV", 1, STRTAB_STE_1_MEV),
	FLD("S2FWB", 1, STRTAB_STE_1_S2FWB),
	FLD("S1STALLD", 1, STRTAB_STE_1_S1STALLD),
	ENUM("EATS", 1, STRTAB_STE_1_EATS, m_eats),
	ENUM("STRW", 1, STRTAB_STE_1_STRW, m_strw),
	FLD("MemAttr", 1, STRTAB_STE_1_MEMATTR),
	ENUM("MTCFG", 1, STRTAB_STE_1_MTCFG, m_mtcfg),
	FLD("ALLOCCFG", 1, STRTAB_STE_1_ALLOCCFG),
	ENUM("SHCFG", 1, STRTAB_STE_1_SHCFG, m_shcfg),
	ENUM("NSCFG", 1, STRTAB_STE_1_NSCFG, m_nscfg),
	ENUM("PRIVCFG", 1, STRTAB_STE_1_PRIVCFG, m_privcfg),
	ENUM("INSTCFG", 1, STRTAB_STE_1_INSTCFG, m_instcfg),

	FLD("S2VMID", 2, STRTAB_STE_2_S2VMID),
	FMT("S2T0SZ", 2, STRTAB_STE_2_S2T0SZ, fmt_tsz),
	FMT("S2SL0", 2, STRTAB_STE_2_S2SL0, fmt_s2sl0),
	ENUM("S2IR0", 2, STRTAB_STE_2_S2IR0, m_cache),
	ENUM("S2OR0", 2, STRTAB_STE_2_S2OR0, m_cache),
	ENUM("S2SH0", 2, STRTAB_STE_2_S2SH0, m_sh),
	ENUM("S2TG", 2, STRTAB_STE_2_S2TG, m_s2tg),
	ENUM("S2PS", 2, STRTAB_STE_2_S2PS, m_pa_bits),
	ENUM("S2AA64", 2, STRTAB_STE_2_S2AA64, m_s2aa64),
	ENUM("S2ENDI", 2, STRTAB_STE_2_S2ENDI, m_endi),
	FLD("S2AFFD", 2, STRTAB_STE_2_S2AFFD),
	FLD("S2PTW", 2, STRTAB_STE_2_S2PTW),
	FLD("S2HD", 2, STRTAB_STE_2_S2HD),
	FLD("S2HA", 2, STRTAB_STE_2_S2HA),
	FLD("S2S", 2, STRTAB_STE_2_S2S),
	FLD("S2R", 2, STRTAB_STE_2_S2R),

	ADDR("S2TTB", 3, STRTAB_STE_3_S2TTB_MASK),
};

/* ---------------------------------------------------------------------
 * Context descriptor
 */
static const char *const m_tg0[] = { "4K", "64K", "16K", NULL };
static const char *const m_tg1[] = { NULL, "16K", "4K", "64K" };
static const char *const m_epd[] = { "walks enabled",
				     "walks disabled (translation fault)" };
static const char *const m_cd_a[] = { "RAZ/WI on terminate",
				      "abort on terminate" };
static const char *const m_aa64[] = { "AArch32 (LPAE) tables",
				      "AArch64 tables" };

static const struct fdesc cd_fields[] = {
	FMT("T0SZ", 0, CTXDESC_CD_0_TCR_T0SZ, fmt_tsz),
	ENUM("TG0", 0, CTXDESC_CD_0_TCR_TG0, m_tg0),
	ENUM("IRGN0", 0, CTXDESC_CD_0_TCR_IRGN0, m_cache),
	ENUM("ORGN0", 0, CTXDESC_CD_0_TCR_ORGN0, m_cache),
	ENUM("SH0", 0, CTXDESC_CD_0_TCR_SH0, m_sh),
	ENUM("EPD0", 0, CTXDESC_CD_0_TCR_EPD0, m_epd),
	ENUM("ENDI", 0, CTXDESC_CD_0_ENDI, m_endi),
	FMT("T1SZ", 0, CTXDESC_CD_0_TCR_T1SZ, fmt_tsz),
	ENUM("TG1", 0, CTXDESC_CD_0_TCR_TG1, m_tg1),
	ENUM("IRGN1", 0, CTXDESC_CD_0_TCR_IRGN1, m_cache),
	ENUM("ORGN1", 0, CTXDESC_CD_0_TCR_ORGN1, m_cache),
	ENUM("SH1", 0, CTXDESC_CD_0_TCR_SH1, m_sh),
	ENUM("EPD1", 0, CTXDESC_CD_0_TCR_EPD1, m_epd),
	ENUM("V", 0, CTXDESC_CD_0_V, m_valid),
	ENUM("IPS", 0, CTXDESC_CD_0_TCR_IPS, m_pa_bits),
	FLD("AFFD", 0, CTXDESC_CD_0_AFFD),
	FLD("WXN", 0, CTXDESC_CD_0_WXN),
	FLD("UWXN", 0, CTXDESC_CD_0_UWXN),
	FLD("TBI0", 0, CTXDESC_CD_0_TCR_TBI0),
	FLD("TBI1", 0, CTXDESC_CD_0_TCR_TBI1),
	FLD("PAN", 0, CTXDESC_CD_0_PAN),
	ENUM("AA64", 0, CTXDESC_CD_0_AA64, m_aa64),
	FLD("HD", 0, CTXDESC_CD_0_TCR_HD),
	FLD("HA", 0, CTXDESC_CD_0_TCR_HA),
	FLD("S", 0, CTXDESC_CD_0_S),
	FLD("R", 0, CTXDESC_CD_0_R),
	ENUM("A", 0, CTXDESC_CD_0_A, m_cd_a),
	FLD("ASET", 0, CTXDESC_CD_0_ASET),
	FLD("ASID", 0, CTXDESC_CD_0_ASID),

	FLD("NSCFG0", 1, CTXDESC_CD_1_NSCFG0),
	FLD("HAD0", 1, CTXDESC_CD_1_HAD0),
	ADDR("TTB0", 1, CTXDESC_CD_1_TTB0_MASK),
	FLD("NSCFG1", 2, CTXDESC_CD_2_NSCFG1),
	FLD("HAD1", 2, CTXDESC_CD_2_HAD1),
	ADDR("TTB1", 2, CTXDESC_CD_2_TTB1_MASK),
	FLD("MAIR", 3, CTXDESC_CD_3_MAIR),
};

/* ---------------------------------------------------------------------
 * Level-1 descriptors
 */
static const char *fmt_span(struct dctx *c, uint64_t v)
{
	if (!v)
		return "invalid";
	if (v > 12)
		return "reserved";
	snprintf(c->buf, sizeof(c->buf), "%u STEs",
		 1u << (unsigned int)(v - 1));
	return c->buf;
}

static const struct fdesc l1std_fields[] = {
	FMT("SPAN", 0, STRTAB_L1_DESC_SPAN, fmt_span),
	ADDR("L2Ptr", 0, STRTAB_L1_DESC_L2PTR_MASK),
};

static const struct fdesc l1cd_fields[] = {
	ENUM("V", 0, CTXDESC_L1_DESC_V, m_valid),
	ADDR("L2Ptr", 0, CTXDESC_L1_DESC_L2PTR_MASK),
};

/* ---------------------------------------------------------------------
 * Commands
 */
struct named {
	unsigned int id;
	const char *name;
};

static const struct named cmd_names[] = {
	{ CMDQ_OP_PREFETCH_CFG, "CMD_PREFETCH_CONFIG" },
	{ CMDQ_OP_PREFETCH_ADDR, "CMD_PREFETCH_ADDR" },
	{ CMDQ_OP_CFGI_STE, "CMD_CFGI_STE" },
	{ CMDQ_OP_CFGI_STE_RANGE, "CMD_CFGI_STE_RANGE" },
	{ CMDQ_OP_CFGI_CD, "CMD_CFGI_CD" },
	{ CMDQ_OP_CFGI_CD_ALL, "CMD_CFGI_CD_ALL" },
	{ CMDQ_OP_CFGI_VMS_PIDM, "CMD_CFGI_VMS_PIDM" },
	{ CMDQ_OP_TLBI_NH_ALL, "CMD_TLBI_NH_ALL" },
	{ CMDQ_OP_TLBI_NH_ASID, "CMD_TLBI_NH_ASID" },
	{ CMDQ_OP_TLBI_NH_VA, "CMD_TLBI_NH_VA" },
	{ CMDQ_OP_TLBI_NH_VAA, "CMD_TLBI_NH_VAA" },
	{ CMDQ_OP_TLBI_EL3_ALL, "CMD_TLBI_EL3_ALL" },
	{ CMDQ_OP_TLBI_EL3_VA, "CMD_TLBI_EL3_VA" },
	{ CMDQ_OP_TLBI_EL2_ALL, "CMD_TLBI_EL2_ALL" },
	{ CMDQ_OP_TLBI_EL2_ASID, "CMD_TLBI_EL2_ASID" },
	{ CMDQ_OP_TLBI_EL2_VA, "CMD_TLBI_EL2_VA" },
	{ CMDQ_OP_TLBI_EL2_VAA, "CMD_TLBI_EL2_VAA" },
	{ CMDQ_OP_TLBI_S12_VMALL, "CMD_TLBI_S12_VMALL" },
	{ CMDQ_OP_TLBI_S2_IPA, "CMD_TLBI_S2_IPA" },
	{ CMDQ_OP_TLBI_NSNH_ALL, "CMD_TLBI_NSNH_ALL" },
	{ CMDQ_OP_ATC_INV, "CMD_ATC_INV" },
	{ CMDQ_OP_PRI_RESP, "CMD_PRI_RESP" },
	{ CMDQ_OP_RESUME, "CMD_RESUME" },
	{ CMDQ_OP_STALL_TERM, "CMD_STALL_TERM" },
	{ CMDQ_OP_CMD_SYNC, "CMD_SYNC" },
};

static const char *find_name(const struct named *t, size_t n, unsigned int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

const char *vsmmu_cmd_name(unsigned int opcode)
{
	return find_name(cmd_names, VS_ARRAY_SIZE(cmd_names), opcode);
}

static const char *fmt_opcode(struct dctx *c, uint64_t v)
{
	const char *n = vsmmu_cmd_name((unsigned int)v);

	return n ? n : "unknown opcode";
}

static const char *fmt_range(struct dctx *c, uint64_t v)
{
	if (v == CMDQ_CFGI_1_RANGE_ALL)
		return "all StreamIDs (CMD_CFGI_ALL)";
	snprintf(c->buf, sizeof(c->buf), "%llu StreamIDs, aligned",
		 1ULL << (v + 1));
	return c->buf;
}

static const char *fmt_atc_size(struct dctx *c, uint64_t v)
{
	if (v == CMDQ_ATC_1_SIZE_ALL)
		return "entire address space";
	if (v > CMDQ_ATC_1_SIZE_ALL)
		return "reserved";
	snprintf(c->buf, sizeof(c->buf), "2^%u pages", (unsigned int)v);
	return c->buf;
}

static const char *fmt_num(struct dctx *c, uint64_t v)
{
	snprintf(c->buf, sizeof(c->buf), "%u", (unsigned int)v + 1);
	return c->buf;
}

static const char *const m_tlbi_tg[] = { "no range", "4K", "16K", "64K" };
static const char *const m_ttl[] = { "any level", "level 1", "level 2",
				     "level 3" };
static const char *const m_leaf[] = { "all levels", "leaf only" };
static const char *const m_pri_resp[] = { "deny", "fail", "success", NULL };
static const char *const m_resume_resp[] = { "terminate", "retry", "abort",
					     NULL };
static const char *const m_cs[] = { "none", "IRQ/MSI", "SEV",
				    NULL /* CERROR_ILL */ };

#define C_SSV FLD("SSV", 0, CMDQ_0_SSV)
#define C_NUM FMT("NUM", 0, CMDQ_TLBI_0_NUM, fmt_num)
#define C_SCALE FLD("SCALE", 0, CMDQ_TLBI_0_SCALE)
#define C_VMID FLD("VMID", 0, CMDQ_TLBI_0_VMID)
#define C_ASID FLD("ASID", 0, CMDQ_TLBI_0_ASID)
#define C_TLBI_LEAF ENUM("LEAF", 1, CMDQ_TLBI_1_LEAF, m_leaf)
#define C_TTL ENUM("TTL", 1, CMDQ_TLBI_1_TTL, m_ttl)
#define C_TG ENUM("TG", 1, CMDQ_TLBI_1_TG, m_tlbi_tg)
#define C_VA ADDR("Address", 1, CMDQ_TLBI_1_VA_MASK)

static const struct fdesc cmd_prefetch_cfg[] = {
	C_SSV,
	FLD("SSID", 0, CMDQ_PREFETCH_0_SSID),
	FLD("SID", 0, CMDQ_PREFETCH_0_SID),
};
static const struct fdesc cmd_prefetch_addr[] = {
	C_SSV,
	FLD("SSID", 0, CMDQ_PREFETCH_0_SSID),
	FLD("SID", 0, CMDQ_PREFETCH_0_SID),
	FLD("SIZE", 1, CMDQ_PREFETCH_1_SIZE),
	ADDR("Address", 1, CMDQ_PREFETCH_1_ADDR_MASK),
};
static const struct fdesc cmd_cfgi_ste[] = {
	FLD("SID", 0, CMDQ_CFGI_0_SID),
	ENUM("LEAF", 1, CMDQ_CFGI_1_LEAF, m_leaf),
};
static const struct fdesc cmd_cfgi_range[] = {
	FLD("SID", 0, CMDQ_CFGI_0_SID),
	FMT("RANGE", 1, CMDQ_CFGI_1_RANGE, fmt_range),
};
static const struct fdesc cmd_cfgi_cd[] = {
	FLD("SSID", 0, CMDQ_CFGI_0_SSID),
	FLD("SID", 0, CMDQ_CFGI_0_SID),
	ENUM("LEAF", 1, CMDQ_CFGI_1_LEAF, m_leaf),
};
static const struct fdesc cmd_sid_only[] = {
	FLD("SID", 0, CMDQ_CFGI_0_SID),
};
static const struct fdesc cmd_vmid[] = { C_VMID };
static const struct fdesc cmd_vmid_asid[] = { C_VMID, C_ASID };
static const struct fdesc cmd_asid[] = { C_ASID };
static const struct fdesc cmd_nh_va[] = {
	C_NUM, C_SCALE, C_VMID, C_ASID, C_TLBI_LEAF, C_TTL, C_TG, C_VA,
};
static const struct fdesc cmd_nh_vaa[] = {
	C_NUM, C_SCALE, C_VMID, C_TLBI_LEAF, C_TTL, C_TG, C_VA,
};
static const struct fdesc cmd_el_va[] = {
	C_NUM, C_SCALE, C_TLBI_LEAF, C_TTL, C_TG, C_VA,
};
static const struct fdesc cmd_el2_va[] = {
	C_NUM, C_SCALE, C_ASID, C_TLBI_LEAF, C_TTL, C_TG, C_VA,
};
static const struct fdesc cmd_s2_ipa[] = {
	C_NUM,
	C_SCALE,
	C_VMID,
	C_TLBI_LEAF,
	C_TTL,
	C_TG,
	ADDR("IPA", 1, CMDQ_TLBI_1_IPA_MASK),
};
static const struct fdesc cmd_atc_inv[] = {
	C_SSV,
	FLD("GLOBAL", 0, CMDQ_ATC_0_GLOBAL),
	FLD("SSID", 0, CMDQ_ATC_0_SSID),
	FLD("SID", 0, CMDQ_ATC_0_SID),
	FMT("SIZE", 1, CMDQ_ATC_1_SIZE, fmt_atc_size),
	ADDR("Address", 1, CMDQ_ATC_1_ADDR_MASK),
};
static const struct fdesc cmd_pri_resp[] = {
	C_SSV,
	FLD("SSID", 0, CMDQ_PRI_0_SSID),
	FLD("SID", 0, CMDQ_PRI_0_SID),
	FLD("GRPID", 1, CMDQ_PRI_1_GRPID),
	ENUM("RESP", 1, CMDQ_PRI_1_RESP, m_pri_resp),
};
static const struct fdesc cmd_resume[] = {
	ENUM("RESP", 0, CMDQ_RESUME_0_RESP, m_resume_resp),
	FLD("SID", 0, CMDQ_RESUME_0_SID),
	FLD("STAG", 1, CMDQ_RESUME_1_STAG),
};
static const struct fdesc cmd_stall_term[] = {
	FLD("SID", 0, CMDQ_RESUME_0_SID),
};
static const struct fdesc cmd_sync[] = {
	ENUM("CS", 0, CMDQ_SYNC_0_CS, m_cs),
	ENUM("MSH", 0, CMDQ_SYNC_0_MSH, m_sh),
	FLD("MSIAttr", 0, CMDQ_SYNC_0_MSIATTR),
	FLD("MSIData", 0, CMDQ_SYNC_0_MSIDATA),
	ADDR("MSIAddress", 1, CMDQ_SYNC_1_MSIADDR_MASK),
};

struct layout {
	unsigned int id;
	const struct fdesc *fields;
	size_t n;
};

#define LAYOUT(id, t)                       \
	{                                   \
		(id), (t), VS_ARRAY_SIZE(t) \
	}
#define NO_FIELDS(id)         \
	{                     \
		(id), NULL, 0 \
	}

static const struct layout cmd_layouts[] = {
	LAYOUT(CMDQ_OP_PREFETCH_CFG, cmd_prefetch_cfg),
	LAYOUT(CMDQ_OP_PREFETCH_ADDR, cmd_prefetch_addr),
	LAYOUT(CMDQ_OP_CFGI_STE, cmd_cfgi_ste),
	LAYOUT(CMDQ_OP_CFGI_STE_RANGE, cmd_cfgi_range),
	LAYOUT(CMDQ_OP_CFGI_CD, cmd_cfgi_cd),
	LAYOUT(CMDQ_OP_CFGI_CD_ALL, cmd_sid_only),
	NO_FIELDS(CMDQ_OP_CFGI_VMS_PIDM),
	LAYOUT(CMDQ_OP_TLBI_NH_ALL, cmd_vmid),
	LAYOUT(CMDQ_OP_TLBI_NH_ASID, cmd_vmid_asid),
	LAYOUT(CMDQ_OP_TLBI_NH_VA, cmd_nh_va),
	LAYOUT(CMDQ_OP_TLBI_NH_VAA, cmd_nh_vaa),
	NO_FIELDS(CMDQ_OP_TLBI_EL3_ALL),
	LAYOUT(CMDQ_OP_TLBI_EL3_VA, cmd_el_va),
	NO_FIELDS(CMDQ_OP_TLBI_EL2_ALL),
	LAYOUT(CMDQ_OP_TLBI_EL2_ASID, cmd_asid),
	LAYOUT(CMDQ_OP_TLBI_EL2_VA, cmd_el2_va),
	LAYOUT(CMDQ_OP_TLBI_EL2_VAA, cmd_el_va),
	LAYOUT(CMDQ_OP_TLBI_S12_VMALL, cmd_vmid),
	LAYOUT(CMDQ_OP_TLBI_S2_IPA, cmd_s2_ipa),
	NO_FIELDS(CMDQ_OP_TLBI_NSNH_ALL),
	LAYOUT(CMDQ_OP_ATC_INV, cmd_atc_inv),
	LAYOUT(CMDQ_OP_PRI_RESP, cmd_pri_resp),
	LAYOUT(CMDQ_OP_RESUME, cmd_resume),
	LAYOUT(CMDQ_OP_STALL_TERM, cmd_stall_term),
	LAYOUT(CMDQ_OP_CMD_SYNC, cmd_sync),
};

static const struct layout *find_layout(const struct layout *t, size_t n,
					unsigned int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

/* Unknown layout: show the words that follow the identifying one raw. */
static int emit_raw_words(struct dctx *c, unsigned int from)
{
	static const char *const names[] = { "dw0", "dw1", "dw2", "dw3" };
	unsigned int dw;
	int ret;

	for (dw = from; dw < c->nwords && dw < VS_ARRAY_SIZE(names); dw++) {
		ret = emit_val(c, names[dw], dw, REG64_ALL, c->w[dw], "raw");
		if (ret)
			return ret;
	}
	return 0;
}

static int decode_cmd(struct dctx *c)
{
	static const struct fdesc op = FMT("Opcode", 0, CMDQ_0_OP, fmt_opcode);
	const struct layout *l;
	int ret;

	ret = emit(c, &op);
	if (ret)
		return ret;
	l = find_layout(cmd_layouts, VS_ARRAY_SIZE(cmd_layouts),
			(unsigned int)VS_FIELD_GET(CMDQ_0_OP, c->w[0]));
	if (!l) {
		/* dw0 minus the opcode, then dw1, as they are */
		uint64_t rest = c->w[0] & ~CMDQ_0_OP;

		ret = emit_val(c, "dw0", 0, VS_GENMASK(63, 8), rest, "raw");
		return ret ? ret : emit_raw_words(c, 1);
	}
	ret = emit_tab(c, l->fields, l->n);
	return ret ? ret : emit_rest(c, "RES0");
}

/* ---------------------------------------------------------------------
 * Events
 */
static const struct named evt_names[] = {
	{ EVT_ID_UUT, "F_UUT" },
	{ EVT_ID_BAD_STREAMID, "C_BAD_STREAMID" },
	{ EVT_ID_STE_FETCH, "F_STE_FETCH" },
	{ EVT_ID_BAD_STE, "C_BAD_STE" },
	{ EVT_ID_BAD_ATS_TREQ, "F_BAD_ATS_TREQ" },
	{ EVT_ID_STREAM_DISABLED, "F_STREAM_DISABLED" },
	{ EVT_ID_TRANSL_FORBIDDEN, "F_TRANSL_FORBIDDEN" },
	{ EVT_ID_BAD_SUBSTREAMID, "C_BAD_SUBSTREAMID" },
	{ EVT_ID_CD_FETCH, "F_CD_FETCH" },
	{ EVT_ID_BAD_CD, "C_BAD_CD" },
	{ EVT_ID_WALK_EABT, "F_WALK_EABT" },
	{ EVT_ID_TRANSLATION, "F_TRANSLATION" },
	{ EVT_ID_ADDR_SIZE, "F_ADDR_SIZE" },
	{ EVT_ID_ACCESS, "F_ACCESS" },
	{ EVT_ID_PERMISSION, "F_PERMISSION" },
	{ EVT_ID_TLB_CONFLICT, "F_TLB_CONFLICT" },
	{ EVT_ID_CFG_CONFLICT, "F_CFG_CONFLICT" },
	{ EVT_ID_PAGE_REQUEST, "E_PAGE_REQUEST" },
	{ EVT_ID_VMS_FETCH, "F_VMS_FETCH" },
};

const char *vsmmu_evt_name(unsigned int id)
{
	return find_name(evt_names, VS_ARRAY_SIZE(evt_names), id);
}

static const char *fmt_evt_id(struct dctx *c, uint64_t v)
{
	const char *n = vsmmu_evt_name((unsigned int)v);

	return n ? n : "unknown event";
}

static const char *const m_pnu[] = { "unprivileged", "privileged" };
static const char *const m_ind[] = { "data", "instruction" };
static const char *const m_rnw[] = { "write", "read" };
static const char *const m_s2[] = { "stage 1", "stage 2" };
static const char *const m_class[] = { "CD fetch", "translation table fetch",
				       "input address", NULL };
static const char *const m_tt_read[] = { "table write (update)", "table read" };

#define E_STAG FLD("STAG", 1, EVTQ_1_STAG)
#define E_STALL FLD("STALL", 1, EVTQ_1_STALL)
#define E_PNU ENUM("PnU", 1, EVTQ_1_PnU, m_pnu)
#define E_IND ENUM("InD", 1, EVTQ_1_InD, m_ind)
#define E_RNW ENUM("RnW", 1, EVTQ_1_RnW, m_rnw)
#define E_S2 ENUM("S2", 1, EVTQ_1_S2, m_s2)
#define E_CLASS ENUM("CLASS", 1, EVTQ_1_CLASS, m_class)
#define E_TT_READ ENUM("TT_READ", 1, EVTQ_1_TT_READ, m_tt_read)
#define E_INPUT ADDR("InputAddr", 2, EVTQ_2_ADDR)
#define E_IPA ADDR("IPA", 3, EVTQ_3_IPA)
#define E_FETCH ADDR("FetchAddr", 3, EVTQ_3_FETCH_ADDR)

static const struct fdesc evt_uut[] = {
	E_STAG, E_STALL, E_PNU, E_IND, E_RNW, E_INPUT,
};
static const struct fdesc evt_fetch[] = { E_FETCH };
static const struct fdesc evt_ats_treq[] = { E_PNU, E_IND, E_RNW, E_INPUT };
static const struct fdesc evt_forbidden[] = { E_RNW, E_INPUT };
static const struct fdesc evt_walk_eabt[] = {
	E_STAG, E_STALL, E_PNU, E_IND, E_RNW, E_S2, E_CLASS, E_INPUT, E_FETCH,
};
static const struct fdesc evt_fault[] = {
	E_STAG, E_STALL, E_PNU,	    E_IND,   E_RNW,
	E_S2,	E_CLASS, E_TT_READ, E_INPUT, E_IPA,
};
/* TTRnW means something only for CLASS = TT: elsewhere a plain bit */
static const struct fdesc evt_fault_not_tt[] = {
	E_STAG,	 E_STALL, E_PNU,   E_IND,
	E_RNW,	 E_S2,	  E_CLASS, FLD("TT_READ", 1, EVTQ_1_TT_READ),
	E_INPUT, E_IPA,
};
static const struct fdesc evt_tlb_conflict[] = {
	E_PNU, E_IND, E_RNW, E_S2, E_INPUT,
};
static const struct fdesc evt_cfg_conflict[] = { E_PNU, E_IND, E_RNW, E_INPUT };
static const struct fdesc evt_page_req[] = { E_INPUT };

static const struct layout evt_layouts[] = {
	LAYOUT(EVT_ID_UUT, evt_uut),
	NO_FIELDS(EVT_ID_BAD_STREAMID),
	LAYOUT(EVT_ID_STE_FETCH, evt_fetch),
	NO_FIELDS(EVT_ID_BAD_STE),
	LAYOUT(EVT_ID_BAD_ATS_TREQ, evt_ats_treq),
	NO_FIELDS(EVT_ID_STREAM_DISABLED),
	LAYOUT(EVT_ID_TRANSL_FORBIDDEN, evt_forbidden),
	NO_FIELDS(EVT_ID_BAD_SUBSTREAMID),
	LAYOUT(EVT_ID_CD_FETCH, evt_fetch),
	NO_FIELDS(EVT_ID_BAD_CD),
	LAYOUT(EVT_ID_WALK_EABT, evt_walk_eabt),
	LAYOUT(EVT_ID_TRANSLATION, evt_fault),
	LAYOUT(EVT_ID_ADDR_SIZE, evt_fault),
	LAYOUT(EVT_ID_ACCESS, evt_fault),
	LAYOUT(EVT_ID_PERMISSION, evt_fault),
	LAYOUT(EVT_ID_TLB_CONFLICT, evt_tlb_conflict),
	LAYOUT(EVT_ID_CFG_CONFLICT, evt_cfg_conflict),
	LAYOUT(EVT_ID_PAGE_REQUEST, evt_page_req),
	LAYOUT(EVT_ID_VMS_FETCH, evt_fetch),
};

static const struct fdesc evt_header[] = {
	FMT("ID", 0, EVTQ_0_ID, fmt_evt_id),
	FLD("SSV", 0, EVTQ_0_SSV),
	FLD("SSID", 0, EVTQ_0_SSID),
	FLD("SID", 0, EVTQ_0_SID),
};

static int decode_evt(struct dctx *c)
{
	const struct layout *l;
	int ret;

	ret = EMIT_TAB(c, evt_header);
	if (ret)
		return ret;
	l = find_layout(evt_layouts, VS_ARRAY_SIZE(evt_layouts),
			(unsigned int)VS_FIELD_GET(EVTQ_0_ID, c->w[0]));
	if (!l)
		return emit_raw_words(c, 1);
	if (l->fields == evt_fault &&
	    VS_FIELD_GET(EVTQ_1_CLASS, c->w[1]) != EVTQ_1_CLASS_TT)
		ret = EMIT_TAB(c, evt_fault_not_tt);
	else
		ret = emit_tab(c, l->fields, l->n);
	return ret ? ret : emit_rest(c, "RES0");
}

/* ---------------------------------------------------------------------
 * PRI queue records
 */
static const struct fdesc pri_fields[] = {
	FLD("SID", 0, PRIQ_0_SID),
	FLD("SSID", 0, PRIQ_0_SSID),
	FLD("Priv", 0, PRIQ_0_PERM_PRIV),
	FLD("Exec", 0, PRIQ_0_PERM_EXEC),
	FLD("Read", 0, PRIQ_0_PERM_READ),
	FLD("Write", 0, PRIQ_0_PERM_WRITE),
	FLD("Last", 0, PRIQ_0_PRG_LAST),
	FLD("SSV", 0, PRIQ_0_SSID_V),
	FLD("PRGIndex", 1, PRIQ_1_PRG_IDX),
	ADDR("Address", 1, PRIQ_1_ADDR_MASK),
};

/* ---------------------------------------------------------------------
 * VMSAv8-64 translation table descriptors
 */
static const char *const m_aptable[] = { "no effect", "no EL0 access",
					 "read-only",
					 "read-only, no EL0 access" };
static const char *const m_ap[] = { "RW EL1, no EL0 access", "RW any EL",
				    "RO EL1, no EL0 access", "RO any EL" };
static const char *const m_af[] = { "not accessed (access fault)", "accessed" };
static const char *const m_ng[] = { "global", "not global (per ASID)" };
static const char *const m_s2ap[] = { "no access", "read-only", "write-only",
				      "read/write" };
static const char *const m_s2xn[] = {
	"executable",
	"not executable at EL1",
	"not executable",
	"not executable at EL0",
};
/* MemAttr[3:2] outer, [1:0] inner; outer 0 is Device (FWB = 0). */
static const char *const m_memattr[] = {
	"Device-nGnRnE",
	"Device-nGnRE",
	"Device-nGRE",
	"Device-GRE",
	NULL,
	"Normal, outer NC, inner NC",
	"Normal, outer NC, inner WT",
	"Normal, outer NC, inner WB",
	NULL,
	"Normal, outer WT, inner NC",
	"Normal, outer WT, inner WT",
	"Normal, outer WT, inner WB",
	NULL,
	"Normal, outer WB, inner NC",
	"Normal, outer WB, inner WT",
	"Normal, outer WB, inner WB",
};

static const struct fdesc s1_table_attrs[] = {
	FLD("NSTable", 0, ARM_LPAE_PTE_NSTABLE),
	ENUM("APTable", 0, ARM_LPAE_PTE_APTABLE, m_aptable),
	FLD("XNTable", 0, ARM_LPAE_PTE_XNTABLE),
	FLD("PXNTable", 0, ARM_LPAE_PTE_PXNTABLE),
};

static const struct fdesc s1_leaf_attrs[] = {
	FLD("AttrIndx", 0, ARM_LPAE_PTE_ATTRINDX),
	FLD("NS", 0, ARM_LPAE_PTE_NS),
	ENUM("AP", 0, ARM_LPAE_PTE_AP, m_ap),
	ENUM("SH", 0, ARM_LPAE_PTE_SH, m_sh),
	ENUM("AF", 0, ARM_LPAE_PTE_AF, m_af),
	ENUM("nG", 0, ARM_LPAE_PTE_nG, m_ng),
	FLD("DBM", 0, ARM_LPAE_PTE_DBM),
	FLD("Contiguous", 0, ARM_LPAE_PTE_CONT),
	FLD("PXN", 0, ARM_LPAE_PTE_PXN),
	FLD("UXN", 0, ARM_LPAE_PTE_UXN),
};

static const struct fdesc s2_leaf_attrs[] = {
	ENUM("MemAttr", 0, ARM_LPAE_PTE_MEMATTR, m_memattr),
	ENUM("S2AP", 0, ARM_LPAE_PTE_S2AP, m_s2ap),
	ENUM("SH", 0, ARM_LPAE_PTE_SH, m_sh),
	ENUM("AF", 0, ARM_LPAE_PTE_AF, m_af),
	FLD("DBM", 0, ARM_LPAE_PTE_DBM),
	FLD("Contiguous", 0, ARM_LPAE_PTE_CONT),
	ENUM("XN", 0, ARM_LPAE_PTE_S2XN, m_s2xn),
};

enum pte_kind { PTE_TABLE, PTE_BLOCK, PTE_PAGE, PTE_TABLE_OR_PAGE, PTE_BAD };

/* Blocks exist at level 1 and 2 with 4K, at level 2 with 16K and 64K. */
static bool block_allowed(int level, unsigned int gshift)
{
	if (gshift == 12)
		return level == 1 || level == 2;
	return level == 2;
}

static int decode_pte(struct dctx *c, const struct vsmmu_decode_opts *o,
		      bool stage2)
{
	static const struct fdesc valid =
		ENUM("Valid", 0, ARM_LPAE_PTE_VALID, m_valid);
	uint64_t d = c->w[0];
	int level = o ? o->level : -1;
	unsigned int g = o && o->granule_shift ? o->granule_shift : 12;
	unsigned int oa_lo = g;
	enum pte_kind kind;
	const char *type_m, *addr_name, *addr_m = NULL;
	uint64_t addr_mask, addr;
	int ret;

	if (level < -1 || level > 3 || (g != 12 && g != 14 && g != 16))
		return -EINVAL;

	ret = emit(c, &valid);
	if (ret || !(d & ARM_LPAE_PTE_VALID))
		return ret ? ret : emit_rest(c, "IGNORED");

	if (level == 0 && g == 16) {
		type_m = "no level 0 with the 64K granule";
		kind = PTE_BAD;
	} else if (level == 3) {
		kind = d & ARM_LPAE_PTE_TYPE ? PTE_PAGE : PTE_BAD;
		type_m = kind == PTE_PAGE ? "page" :
					    "reserved at level 3 (fault)";
	} else if (d & ARM_LPAE_PTE_TYPE) {
		kind = level < 0 ? PTE_TABLE_OR_PAGE : PTE_TABLE;
		type_m = level < 0 ? "table or page (level unknown)" : "table";
	} else if (level < 0 || block_allowed(level, g)) {
		kind = PTE_BLOCK;
		type_m = level < 0 ? "block (level unknown)" : "block";
	} else {
		kind = PTE_BLOCK;
		type_m = "block not allowed at this level (fault)";
	}
	ret = emit_val(c, "Type", 0, ARM_LPAE_PTE_TYPE,
		       VS_FIELD_GET(ARM_LPAE_PTE_TYPE, d), type_m);
	if (ret || kind == PTE_BAD)
		return ret ? ret : emit_rest(c, "IGNORED");

	/* A block's output address starts at the block size. */
	if (kind == PTE_BLOCK && level >= 0)
		oa_lo = g + (unsigned int)(3 - level) * (g - 3);
	if (oa_lo > 47)
		oa_lo = 47;
	addr_mask = ARM_LPAE_PTE_ADDR_MASK & VS_GENMASK(63, oa_lo);
	addr = d & addr_mask;
	if (g == 16) {
		/* 52-bit form: OA[51:48] are held in descriptor bits [15:12] */
		uint64_t hi = VS_FIELD_GET(ARM_LPAE_PTE_ADDR_HI_64K, d);

		c->known[0] |= ARM_LPAE_PTE_ADDR_HI_64K;
		addr |= hi << 48;
		if (hi)
			addr_m = "OA[51:48] taken from bits [15:12]";
	}
	addr_name = kind == PTE_TABLE	      ? "NextLevel" :
		    kind == PTE_TABLE_OR_PAGE ? "Address" :
						"OutputAddr";
	ret = emit_val(c, addr_name, 0, addr_mask, addr, addr_m);
	if (ret)
		return ret;

	if (stage2) {
		if (kind != PTE_TABLE)
			ret = EMIT_TAB(c, s2_leaf_attrs);
	} else {
		if (kind != PTE_TABLE)
			ret = EMIT_TAB(c, s1_leaf_attrs);
		if (!ret && kind != PTE_BLOCK && kind != PTE_PAGE)
			ret = EMIT_TAB(c, s1_table_attrs);
	}
	return ret ? ret : emit_rest(c, "IGNORED");
}

/* ---------------------------------------------------------------------
 * Entry points
 */
size_t vsmmu_decode_words(enum vsmmu_decode_kind kind)
{
	switch (kind) {
	case VSMMU_DECODE_STE:
		return STRTAB_STE_DWORDS;
	case VSMMU_DECODE_CD:
		return CTXDESC_CD_DWORDS;
	case VSMMU_DECODE_L1STD:
	case VSMMU_DECODE_L1CD:
	case VSMMU_DECODE_PTE_S1:
	case VSMMU_DECODE_PTE_S2:
		return 1;
	case VSMMU_DECODE_CMD:
		return CMDQ_ENT_DWORDS;
	case VSMMU_DECODE_EVT:
		return EVTQ_ENT_DWORDS;
	case VSMMU_DECODE_PRI:
		return PRIQ_ENT_DWORDS;
	}
	return 0;
}

int vsmmu_decode(enum vsmmu_decode_kind kind, const uint64_t *words,
		 size_t nwords, const struct vsmmu_decode_opts *opts,
		 vsmmu_field_fn *fn, void *arg)
{
	struct dctx c;
	size_t n = vsmmu_decode_words(kind);
	int ret;

	if (!n || !nwords || !words || !fn)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	memcpy(c.w, words, (nwords < n ? nwords : n) * sizeof(uint64_t));
	c.nwords = (unsigned int)n;
	c.fn = fn;
	c.arg = arg;

	switch (kind) {
	case VSMMU_DECODE_STE:
		ret = EMIT_TAB(&c, ste_fields);
		break;
	case VSMMU_DECODE_CD:
		ret = EMIT_TAB(&c, cd_fields);
		break;
	case VSMMU_DECODE_L1STD:
		ret = EMIT_TAB(&c, l1std_fields);
		break;
	case VSMMU_DECODE_L1CD:
		ret = EMIT_TAB(&c, l1cd_fields);
		break;
	case VSMMU_DECODE_PRI:
		ret = EMIT_TAB(&c, pri_fields);
		break;
	case VSMMU_DECODE_CMD:
		return decode_cmd(&c);
	case VSMMU_DECODE_EVT:
		return decode_evt(&c);
	case VSMMU_DECODE_PTE_S1:
		return decode_pte(&c, opts, false);
	case VSMMU_DECODE_PTE_S2:
		return decode_pte(&c, opts, true);
	default:
		return -EINVAL;
	}
	return ret ? ret : emit_rest(&c, "RES0");
}

/* ---------------------------------------------------------------------
 * Registers
 */
static const char *const m_st_lvl[] = { "linear", "2-level", NULL, NULL };
static const char *const m_stall_model[] = {
	"stall and terminate",
	"terminate only",
	"stall forced",
	NULL,
};
static const char *const m_ttendian[] = { "mixed", NULL, "little-endian",
					  "big-endian" };
static const char *const m_httu[] = { "none", "access flag",
				      "access flag and dirty state", NULL };
static const char *const m_ttf[] = { NULL, "AArch32 (LPAE)", "AArch64",
				     "AArch32 and AArch64" };
static const char *const m_vax[] = { "48-bit VA", "52-bit VA", NULL, NULL };
static const char *const m_strtab_fmt[] = { "linear", "2-level", NULL, NULL };
static const char *const m_cerror[] = { "none", "CERROR_ILL", "CERROR_ABT",
					"CERROR_ATC_INV_SYNC" };
static const char *const m_gbpa_abort[] = { "bypass", "abort" };

static const char *fmt_log2(struct dctx *c, uint64_t v)
{
	if (v >= 64)
		return "reserved";
	snprintf(c->buf, sizeof(c->buf), "%llu", 1ULL << v);
	return c->buf;
}

static const struct fdesc reg_idr0[] = {
	ENUM("ST_LEVEL", 0, IDR0_ST_LVL, m_st_lvl),
	FLD("TERM_MODEL", 0, IDR0_TERM_MODEL),
	ENUM("STALL_MODEL", 0, IDR0_STALL_MODEL, m_stall_model),
	ENUM("TTENDIAN", 0, IDR0_TTENDIAN, m_ttendian),
	FLD("VATOS", 0, IDR0_VATOS),
	FLD("CD2L", 0, IDR0_CD2L),
	FLD("VMID16", 0, IDR0_VMID16),
	FLD("VMW", 0, IDR0_VMW),
	FLD("PRI", 0, IDR0_PRI),
	FLD("SEV", 0, IDR0_SEV),
	FLD("MSI", 0, IDR0_MSI),
	FLD("ASID16", 0, IDR0_ASID16),
	FLD("NS1ATS", 0, IDR0_NS1ATS),
	FLD("ATS", 0, IDR0_ATS),
	FLD("HYP", 0, IDR0_HYP),
	FLD("DORMHINT", 0, IDR0_DORMHINT),
	ENUM("HTTU", 0, IDR0_HTTU, m_httu),
	FLD("BTM", 0, IDR0_BTM),
	FLD("COHACC", 0, IDR0_COHACC),
	ENUM("TTF", 0, IDR0_TTF, m_ttf),
	FLD("S1P", 0, IDR0_S1P),
	FLD("S2P", 0, IDR0_S2P),
};
static const struct fdesc reg_idr1[] = {
	FLD("ECMDQ", 0, IDR1_ECMDQ),
	FLD("TABLES_PRESET", 0, IDR1_TABLES_PRESET),
	FLD("QUEUES_PRESET", 0, IDR1_QUEUES_PRESET),
	FLD("REL", 0, IDR1_REL),
	FLD("ATTR_TYPES_OVR", 0, IDR1_ATTR_TYPES_OVR),
	FLD("ATTR_PERMS_OVR", 0, IDR1_ATTR_PERMS_OVR),
	FMT("CMDQS", 0, IDR1_CMDQS, fmt_log2),
	FMT("EVENTQS", 0, IDR1_EVTQS, fmt_log2),
	FMT("PRIQS", 0, IDR1_PRIQS, fmt_log2),
	FLD("SSIDSIZE", 0, IDR1_SSIDSIZE),
	FLD("SIDSIZE", 0, IDR1_SIDSIZE),
};
static const struct fdesc reg_idr2[] = {
	FLD("BA_VATOS", 0, IDR2_BA_VATOS),
};
static const struct fdesc reg_idr3[] = {
	FLD("BBML", 0, IDR3_BBML), FLD("RIL", 0, IDR3_RIL),
	FLD("STT", 0, IDR3_STT),   FLD("FWB", 0, IDR3_FWB),
	FLD("MPAM", 0, IDR3_MPAM), FLD("HAD", 0, IDR3_HAD),
};
static const struct fdesc reg_idr5[] = {
	FLD("STALL_MAX", 0, IDR5_STALL_MAX),
	ENUM("VAX", 0, IDR5_VAX, m_vax),
	FLD("GRAN64K", 0, IDR5_GRAN64K),
	FLD("GRAN16K", 0, IDR5_GRAN16K),
	FLD("GRAN4K", 0, IDR5_GRAN4K),
	ENUM("OAS", 0, IDR5_OAS, m_pa_bits),
};
static const struct fdesc reg_cr0[] = {
	FLD("VMW", 0, CR0_VMW),
	FLD("ATSCHK", 0, CR0_ATSCHK),
	ENUM("CMDQEN", 0, CR0_CMDQEN, m_bool_en),
	ENUM("EVENTQEN", 0, CR0_EVTQEN, m_bool_en),
	ENUM("PRIQEN", 0, CR0_PRIQEN, m_bool_en),
	ENUM("SMMUEN", 0, CR0_SMMUEN, m_bool_en),
};
static const struct fdesc reg_cr1[] = {
	ENUM("TABLE_SH", 0, CR1_TABLE_SH, m_sh),
	ENUM("TABLE_OC", 0, CR1_TABLE_OC, m_cache),
	ENUM("TABLE_IC", 0, CR1_TABLE_IC, m_cache),
	ENUM("QUEUE_SH", 0, CR1_QUEUE_SH, m_sh),
	ENUM("QUEUE_OC", 0, CR1_QUEUE_OC, m_cache),
	ENUM("QUEUE_IC", 0, CR1_QUEUE_IC, m_cache),
};
static const struct fdesc reg_cr2[] = {
	FLD("PTM", 0, CR2_PTM),
	FLD("RECINVSID", 0, CR2_RECINVSID),
	FLD("E2H", 0, CR2_E2H),
};
static const struct fdesc reg_gbpa[] = {
	FLD("UPDATE", 0, GBPA_UPDATE),
	ENUM("ABORT", 0, GBPA_ABORT, m_gbpa_abort),
};
static const struct fdesc reg_irq_ctrl[] = {
	ENUM("EVENTQ_IRQEN", 0, IRQ_CTRL_EVTQ_IRQEN, m_bool_en),
	ENUM("PRIQ_IRQEN", 0, IRQ_CTRL_PRIQ_IRQEN, m_bool_en),
	ENUM("GERROR_IRQEN", 0, IRQ_CTRL_GERROR_IRQEN, m_bool_en),
};
static const struct fdesc reg_gerror[] = {
	FLD("SFM_ERR", 0, GERROR_SFM_ERR),
	FLD("MSI_GERROR_ABT_ERR", 0, GERROR_MSI_GERROR_ABT_ERR),
	FLD("MSI_PRIQ_ABT_ERR", 0, GERROR_MSI_PRIQ_ABT_ERR),
	FLD("MSI_EVENTQ_ABT_ERR", 0, GERROR_MSI_EVTQ_ABT_ERR),
	FLD("MSI_CMDQ_ABT_ERR", 0, GERROR_MSI_CMDQ_ABT_ERR),
	FLD("PRIQ_ABT_ERR", 0, GERROR_PRIQ_ABT_ERR),
	FLD("EVENTQ_ABT_ERR", 0, GERROR_EVTQ_ABT_ERR),
	FLD("CMDQ_ERR", 0, GERROR_CMDQ_ERR),
};
static const struct fdesc reg_irq_cfg0[] = {
	ADDR("ADDR", 0, MSI_CFG0_ADDR_MASK),
};
static const struct fdesc reg_irq_cfg1[] = {
	FLD("DATA", 0, REG32_ALL),
};
static const struct fdesc reg_irq_cfg2[] = {
	ENUM("SH", 0, MSI_CFG2_SH, m_sh),
	FLD("MemAttr", 0, MSI_CFG2_MEMATTR),
};
static const struct fdesc reg_strtab_base[] = {
	FLD("RA", 0, STRTAB_BASE_RA),
	ADDR("ADDR", 0, STRTAB_BASE_ADDR_MASK),
};
static const struct fdesc reg_strtab_base_cfg[] = {
	ENUM("FMT", 0, STRTAB_BASE_CFG_FMT, m_strtab_fmt),
	FLD("SPLIT", 0, STRTAB_BASE_CFG_SPLIT),
	FMT("LOG2SIZE", 0, STRTAB_BASE_CFG_LOG2SIZE, fmt_log2),
};
static const struct fdesc reg_cmdq_base[] = {
	FLD("RA", 0, Q_BASE_RWA),
	ADDR("ADDR", 0, Q_BASE_ADDR_MASK),
	FMT("LOG2SIZE", 0, Q_BASE_LOG2SIZE, fmt_log2),
};
static const struct fdesc reg_outq_base[] = {
	FLD("WA", 0, Q_BASE_RWA),
	ADDR("ADDR", 0, Q_BASE_ADDR_MASK),
	FMT("LOG2SIZE", 0, Q_BASE_LOG2SIZE, fmt_log2),
};
static const char m_idx[] = "index and wrap bit (split at LOG2SIZE)";
static const char *fmt_idx(struct dctx *c, uint64_t v)
{
	return m_idx;
}
static const struct fdesc reg_cmdq_prod[] = {
	FMT("WR", 0, Q_IDX_WRAP, fmt_idx),
};
static const struct fdesc reg_cmdq_cons[] = {
	ENUM("ERR", 0, CMDQ_CONS_ERR, m_cerror),
	FMT("RD", 0, Q_IDX_WRAP, fmt_idx),
};
static const struct fdesc reg_outq_prod[] = {
	FLD("OVFLG", 0, Q_OVERFLOW_FLAG),
	FMT("WR", 0, Q_IDX_WRAP, fmt_idx),
};
static const struct fdesc reg_outq_cons[] = {
	FLD("OVACKFLG", 0, Q_OVERFLOW_FLAG),
	FMT("RD", 0, Q_IDX_WRAP, fmt_idx),
};

struct regdesc {
	const char *name; /* the specification's name, without SMMU_ */
	uint32_t offset;
	unsigned char size;
	const struct fdesc *fields; /* NULL: shown as one value */
	size_t n;
	const char *alias; /* Linux's name (ARM_SMMU_<alias>), or NULL */
};

#define REG(nm, off, sz, t)                                  \
	{                                                    \
		nm, (off), (sz), (t), VS_ARRAY_SIZE(t), NULL \
	}
/* A register Linux names otherwise (EVTQ_BASE for EVENTQ_BASE) */
#define REG_ALIAS(nm, alias, off, sz, t)                      \
	{                                                     \
		nm, (off), (sz), (t), VS_ARRAY_SIZE(t), alias \
	}
#define REG_RAW(nm, off, sz)                   \
	{                                      \
		nm, (off), (sz), NULL, 0, NULL \
	}

static const struct regdesc regs[] = {
	REG("IDR0", ARM_SMMU_IDR0, 4, reg_idr0),
	REG("IDR1", ARM_SMMU_IDR1, 4, reg_idr1),
	REG("IDR2", ARM_SMMU_IDR2, 4, reg_idr2),
	REG("IDR3", ARM_SMMU_IDR3, 4, reg_idr3),
	REG_RAW("IDR4", ARM_SMMU_IDR4, 4),
	REG("IDR5", ARM_SMMU_IDR5, 4, reg_idr5),
	REG_RAW("IIDR", ARM_SMMU_IIDR, 4),
	REG_RAW("AIDR", ARM_SMMU_AIDR, 4),
	REG("CR0", ARM_SMMU_CR0, 4, reg_cr0),
	REG("CR0ACK", ARM_SMMU_CR0ACK, 4, reg_cr0),
	REG("CR1", ARM_SMMU_CR1, 4, reg_cr1),
	REG("CR2", ARM_SMMU_CR2, 4, reg_cr2),
	REG("GBPA", ARM_SMMU_GBPA, 4, reg_gbpa),
	REG("IRQ_CTRL", ARM_SMMU_IRQ_CTRL, 4, reg_irq_ctrl),
	REG("IRQ_CTRLACK", ARM_SMMU_IRQ_CTRLACK, 4, reg_irq_ctrl),
	REG("GERROR", ARM_SMMU_GERROR, 4, reg_gerror),
	REG("GERRORN", ARM_SMMU_GERRORN, 4, reg_gerror),
	REG("GERROR_IRQ_CFG0", ARM_SMMU_GERROR_IRQ_CFG0, 8, reg_irq_cfg0),
	REG("GERROR_IRQ_CFG1", ARM_SMMU_GERROR_IRQ_CFG1, 4, reg_irq_cfg1),
	REG("GERROR_IRQ_CFG2", ARM_SMMU_GERROR_IRQ_CFG2, 4, reg_irq_cfg2),
	REG("STRTAB_BASE", ARM_SMMU_STRTAB_BASE, 8, reg_strtab_base),
	REG("STRTAB_BASE_CFG", ARM_SMMU_STRTAB_BASE_CFG, 4,
	    reg_strtab_base_cfg),
	REG("CMDQ_BASE", ARM_SMMU_CMDQ_BASE, 8, reg_cmdq_base),
	REG("CMDQ_PROD", ARM_SMMU_CMDQ_PROD, 4, reg_cmdq_prod),
	REG("CMDQ_CONS", ARM_SMMU_CMDQ_CONS, 4, reg_cmdq_cons),
	REG_ALIAS("EVENTQ_BASE", "EVTQ_BASE", ARM_SMMU_EVTQ_BASE, 8,
		  reg_outq_base),
	REG_ALIAS("EVENTQ_PROD", "EVTQ_PROD", ARM_SMMU_EVTQ_PROD, 4,
		  reg_outq_prod),
	REG_ALIAS("EVENTQ_CONS", "EVTQ_CONS", ARM_SMMU_EVTQ_CONS, 4,
		  reg_outq_cons),
	REG_ALIAS("EVENTQ_IRQ_CFG0", "EVTQ_IRQ_CFG0", ARM_SMMU_EVTQ_IRQ_CFG0, 8,
		  reg_irq_cfg0),
	REG_ALIAS("EVENTQ_IRQ_CFG1", "EVTQ_IRQ_CFG1", ARM_SMMU_EVTQ_IRQ_CFG1, 4,
		  reg_irq_cfg1),
	REG_ALIAS("EVENTQ_IRQ_CFG2", "EVTQ_IRQ_CFG2", ARM_SMMU_EVTQ_IRQ_CFG2, 4,
		  reg_irq_cfg2),
	REG("PRIQ_BASE", ARM_SMMU_PRIQ_BASE, 8, reg_outq_base),
	REG("PRIQ_PROD", ARM_SMMU_PRIQ_PROD, 4, reg_outq_prod),
	REG("PRIQ_CONS", ARM_SMMU_PRIQ_CONS, 4, reg_outq_cons),
	REG("PRIQ_IRQ_CFG0", ARM_SMMU_PRIQ_IRQ_CFG0, 8, reg_irq_cfg0),
	REG("PRIQ_IRQ_CFG1", ARM_SMMU_PRIQ_IRQ_CFG1, 4, reg_irq_cfg1),
	REG("PRIQ_IRQ_CFG2", ARM_SMMU_PRIQ_IRQ_CFG2, 4, reg_irq_cfg2),
};

static const struct regdesc *reg_by_offset(uint64_t offset)
{
	size_t i;

	for (i = 0; i < VS_ARRAY_SIZE(regs); i++)
		if (regs[i].offset == offset)
			return &regs[i];
	return NULL;
}

int vsmmu_reg_lookup(const char *name, uint64_t *offset, unsigned int *size)
{
	size_t i;

	if (!name)
		return -ENOENT;
	if (!strncasecmp(name, "ARM_SMMU_", 9))
		name += 9;
	else if (!strncasecmp(name, "SMMU_", 5))
		name += 5;
	for (i = 0; i < VS_ARRAY_SIZE(regs); i++) {
		if (strcasecmp(name, regs[i].name) &&
		    (!regs[i].alias || strcasecmp(name, regs[i].alias)))
			continue;
		if (offset)
			*offset = regs[i].offset;
		if (size)
			*size = regs[i].size;
		return 0;
	}
	return -ENOENT;
}

/*
 * Widths by offset, derived once from regs[] (the one table): the model
 * asks on every register access, so a direct index beats a search.
 */
#define REG_SPACE 0x20000 /* page 0 and page 1 */
static unsigned char reg_widths[REG_SPACE / 4];
static pthread_once_t reg_widths_once = PTHREAD_ONCE_INIT;

static void reg_widths_init(void)
{
	size_t i;

	for (i = 0; i < VS_ARRAY_SIZE(regs); i++) {
		reg_widths[regs[i].offset / 4] = regs[i].size;
		if (regs[i].size == 8)
			reg_widths[regs[i].offset / 4 + 1] = 8;
	}
}

unsigned int vsmmu_reg_width(uint64_t offset)
{
	unsigned int w;

	if (offset >= REG_SPACE)
		return 0;
	pthread_once(&reg_widths_once, reg_widths_init);
	w = reg_widths[offset / 4];
	/* A 64-bit register answers at its own (8-aligned) offset */
	if (w == 8 && (offset & 7))
		return 0;
	return (offset & 3) ? 0 : w;
}

const char *vsmmu_reg_name(uint64_t offset)
{
	const struct regdesc *r = reg_by_offset(offset);

	return r ? r->name : NULL;
}

int vsmmu_decode_reg(uint64_t offset, uint64_t value, vsmmu_field_fn *fn,
		     void *arg)
{
	const struct regdesc *r = reg_by_offset(offset);
	struct dctx c;
	int ret;

	if (!r)
		return -ENOENT;
	if (!fn)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.w[0] = value;
	c.nwords = 1;
	c.fn = fn;
	c.arg = arg;
	if (!r->fields) {
		uint64_t all = r->size == 8 ? REG64_ALL : REG32_ALL;

		ret = emit_val(&c, r->name, 0, all, value & all, NULL);
	} else {
		ret = emit_tab(&c, r->fields, r->n);
	}
	return ret ? ret : emit_rest(&c, "RES0");
}

/* ---------------------------------------------------------------------
 * NVIDIA Tegra241 CMDQV registers (a register block of their own, beside
 * the SMMU's).  Names and offsets for the largest CMDQV: 64 VINTFs, 128
 * VCMDQs, 16 StreamID pairs per VINTF.
 */
#define CV_NVINTF 64
#define CV_NVCMDQ 128
#define CV_NSID 16
/* CMDQV_CONFIG beside CMDQV_EN (QEMU's tegra241-cmdqv.h field list) */
#define CV_CONFIG_PER_CMD_OFFSET VS_GENMASK(3, 1)
#define CV_CONFIG_MAX_CLK_BATCH VS_GENMASK(11, 4)
#define CV_CONFIG_MAX_CMD_BATCH VS_GENMASK(19, 12)
#define CV_CONFIG_CONS_DRAM_EN VS_BIT(20)
/* VCMDQ GERROR / GERRORN */
#define CV_GERROR_CMDQ_ERR VS_BIT(0)
#define CV_GERROR_CONS_DRAM_WR_ABT_ERR VS_BIT(1)
#define CV_GERROR_CMDQ_INIT_ERR VS_BIT(2)

static const struct fdesc cv_config[] = {
	FLD("CONS_DRAM_EN", 0, CV_CONFIG_CONS_DRAM_EN),
	FLD("CMDQ_MAX_CMD_BATCH", 0, CV_CONFIG_MAX_CMD_BATCH),
	FLD("CMDQ_MAX_CLK_BATCH", 0, CV_CONFIG_MAX_CLK_BATCH),
	FLD("CMDQV_PER_CMD_OFFSET", 0, CV_CONFIG_PER_CMD_OFFSET),
	ENUM("CMDQV_EN", 0, CMDQV_EN, m_bool_en),
};
static const struct fdesc cv_param[] = {
	FMT("NUM_SID_PER_VM_LOG2", 0, CMDQV_NUM_SID_PER_VM_LOG2, fmt_log2),
	FMT("NUM_VINTF_LOG2", 0, CMDQV_NUM_VINTF_LOG2, fmt_log2),
	FMT("NUM_VCMDQ_LOG2", 0, CMDQV_NUM_VCMDQ_LOG2, fmt_log2),
	FLD("VER", 0, CMDQV_VER),
};
static const struct fdesc cv_status[] = {
	ENUM("CMDQV_ENABLED", 0, CMDQV_ENABLED, m_bool_en),
};
static const struct fdesc cv_map32[] = {
	FLD("MAP", 0, REG32_ALL),
};
static const struct fdesc cv_map64[] = {
	FLD("MAP", 0, REG64_ALL),
};
static const struct fdesc cv_alloc[] = {
	FLD("VINTF", 0, CMDQV_CMDQ_ALLOC_VINTF),
	FLD("LVCMDQ", 0, CMDQV_CMDQ_ALLOC_LVCMDQ),
	FLD("ALLOCATED", 0, CMDQV_CMDQ_ALLOCATED),
};
static const char *const m_hyp_own[] = { "guest-owned", "hypervisor-owned" };
static const struct fdesc cv_vintf_config[] = {
	ENUM("HYP_OWN", 0, VINTF_HYP_OWN, m_hyp_own),
	FLD("VMID", 0, VINTF_VMID),
	ENUM("EN", 0, VINTF_EN, m_bool_en),
};
static const char *const m_vintf_status[] = { "no error", "VCMDQ error" };
static const struct fdesc cv_vintf_status[] = {
	FLD("VI_NUM_LVCMDQ", 0, VINTF_VI_NUM_LVCMDQ),
	ENUM("STATUS", 0, VINTF_STATUS, m_vintf_status),
	ENUM("ENABLED", 0, VINTF_ENABLED, m_bool_en),
};
static const struct fdesc cv_sid_match[] = {
	FLD("VIRT_SID", 0, VINTF_SID_MATCH_VSID),
	ENUM("EN", 0, VINTF_SID_MATCH_EN, m_bool_en),
};
static const struct fdesc cv_sid_replace[] = {
	FLD("PHYS_SID", 0, REG32_ALL),
};
static const struct fdesc cv_vcmdq_cons[] = {
	ENUM("ERR", 0, VCMDQ_CONS_ERR, m_cerror),
	FMT("RD", 0, Q_IDX_WRAP, fmt_idx),
};
static const struct fdesc cv_vcmdq_prod[] = {
	FMT("WR", 0, Q_IDX_WRAP, fmt_idx),
};
static const struct fdesc cv_vcmdq_config[] = {
	ENUM("CMDQ_EN", 0, VCMDQ_EN, m_bool_en),
};
static const struct fdesc cv_vcmdq_status[] = {
	ENUM("CMDQ_EN_OK", 0, VCMDQ_ENABLED, m_bool_en),
};
static const struct fdesc cv_vcmdq_gerror[] = {
	FLD("CMDQ_INIT_ERR", 0, CV_GERROR_CMDQ_INIT_ERR),
	FLD("CONS_DRAM_WR_ABT_ERR", 0, CV_GERROR_CONS_DRAM_WR_ABT_ERR),
	FLD("CMDQ_ERR", 0, CV_GERROR_CMDQ_ERR),
};
static const struct fdesc cv_vcmdq_base[] = {
	ADDR("ADDR", 0, VCMDQ_ADDR),
	FMT("LOG2SIZE", 0, VCMDQ_LOG2SIZE, fmt_log2),
};
static const struct fdesc cv_cons_indx_base[] = {
	ADDR("ADDR", 0, VS_GENMASK(47, 0)),
};

struct cvreg {
	const char *name; /* with %u for the indices, in order */
	const struct fdesc *fields;
	size_t n;
	unsigned char size;
};

#define CVREG(nm, t, sz)                        \
	{                                       \
		nm, (t), VS_ARRAY_SIZE(t), (sz) \
	}

/* Queue registers, the same shape in the global and logical pages */
static const struct cvreg cv_q0[] = {
	CVREG("CONS", cv_vcmdq_cons, 4),
	CVREG("PROD", cv_vcmdq_prod, 4),
	CVREG("CONFIG", cv_vcmdq_config, 4),
	CVREG("STATUS", cv_vcmdq_status, 4),
	CVREG("GERROR", cv_vcmdq_gerror, 4),
	CVREG("GERRORN", cv_vcmdq_gerror, 4),
};
static const struct cvreg cv_q1[] = {
	CVREG("BASE", cv_vcmdq_base, 8),
	CVREG("CONS_INDX_BASE", cv_cons_indx_base, 8),
};
static const struct cvreg cv_glob[] = {
	CVREG("CMDQV_CONFIG", cv_config, 4),
	CVREG("CMDQV_PARAM", cv_param, 4),
	CVREG("CMDQV_STATUS", cv_status, 4),
	CVREG("VINTF_ERR_MAP", cv_map64, 8),
	CVREG("VINTF_INT_MASK", cv_map64, 8),
	CVREG("CMDQ_ERR_MAP", cv_map32, 4),
	CVREG("CMDQ_ALLOC", cv_alloc, 4),
	CVREG("CONFIG", cv_vintf_config, 4),
	CVREG("STATUS", cv_vintf_status, 4),
	CVREG("SID_MATCH", cv_sid_match, 4),
	CVREG("SID_REPLACE", cv_sid_replace, 4),
	CVREG("LVCMDQ_ERR_MAP", cv_map64, 8),
};

/* One CMDQV register located: its description and up to two indices */
struct cvloc {
	const struct cvreg *r;
	const char *prefix; /* "VCMDQ", "VINTF", "" */
	int i, j; /* -1: none */
	bool logical; /* VINTF<i>_LVCMDQ<j>_ */
};

static bool cv_locate(uint64_t off, struct cvloc *l)
{
	uint64_t in;

	memset(l, 0, sizeof(*l));
	l->i = l->j = -1;
	l->prefix = "";
	if (off >= TEGRA241_VINTF_PAGE_BASE) {
		in = off - TEGRA241_VINTF_PAGE_BASE;
		if (in / 0x20000 >= CV_NVINTF)
			return false;
		l->i = in / 0x20000;
		l->logical = true;
		l->prefix = "VINTF";
		off = (in % 0x20000) + TEGRA241_VCMDQ_PAGE0_BASE;
	}
	if (off >= TEGRA241_VCMDQ_PAGE0_BASE) {
		unsigned int page = (off - TEGRA241_VCMDQ_PAGE0_BASE) / 0x10000;
		unsigned int reg = off % 0x80, q = (off % 0x10000) / 0x80;

		if (q >= CV_NVCMDQ || reg % 4)
			return false;
		if (l->logical)
			l->j = q;
		else
			l->i = q;
		if (!l->logical)
			l->prefix = "VCMDQ";
		if (page == 0 && reg / 4 < VS_ARRAY_SIZE(cv_q0))
			l->r = &cv_q0[reg / 4];
		else if (page == 1 && (reg == 0 || reg == 8))
			l->r = &cv_q1[reg / 8];
		return l->r != NULL;
	}
	if (off >= TEGRA241_VINTF(0) && off < TEGRA241_VINTF(CV_NVINTF)) {
		unsigned int reg = (off - TEGRA241_VINTF(0)) % 0x100;

		l->i = (off - TEGRA241_VINTF(0)) / 0x100;
		l->prefix = "VINTF";
		if (reg == TEGRA241_VINTF_CONFIG)
			l->r = &cv_glob[7];
		else if (reg == TEGRA241_VINTF_STATUS)
			l->r = &cv_glob[8];
		else if (reg >= 0x40 && reg < 0x40 + 4 * CV_NSID && !(reg % 4))
			l->r = &cv_glob[9], l->j = (reg - 0x40) / 4;
		else if (reg >= 0x80 && reg < 0x80 + 4 * CV_NSID && !(reg % 4))
			l->r = &cv_glob[10], l->j = (reg - 0x80) / 4;
		else if (reg == 0xc0 || reg == 0xc8)
			l->r = &cv_glob[11], l->j = (reg - 0xc0) / 8;
		return l->r != NULL;
	}
	switch (off) {
	case TEGRA241_CMDQV_CONFIG:
		l->r = &cv_glob[0];
		return true;
	case TEGRA241_CMDQV_PARAM:
		l->r = &cv_glob[1];
		return true;
	case TEGRA241_CMDQV_STATUS:
		l->r = &cv_glob[2];
		return true;
	case TEGRA241_CMDQV_VINTF_ERR_MAP:
		l->r = &cv_glob[3];
		return true;
	case TEGRA241_CMDQV_VINTF_INT_MASK:
		l->r = &cv_glob[4];
		return true;
	}
	if (off >= TEGRA241_CMDQV_CMDQ_ERR_MAP(0) &&
	    off < TEGRA241_CMDQV_CMDQ_ERR_MAP(4) && !(off % 4)) {
		l->r = &cv_glob[5];
		l->i = (off - TEGRA241_CMDQV_CMDQ_ERR_MAP(0)) / 4;
		return true;
	}
	if (off >= TEGRA241_CMDQV_CMDQ_ALLOC(0) &&
	    off < TEGRA241_CMDQV_CMDQ_ALLOC(CV_NVCMDQ) && !(off % 4)) {
		l->r = &cv_glob[6];
		l->i = (off - TEGRA241_CMDQV_CMDQ_ALLOC(0)) / 4;
		return true;
	}
	return false;
}

static void cv_format(const struct cvloc *l, char *buf, size_t len)
{
	if (l->logical)
		snprintf(buf, len, "VINTF%d_LVCMDQ%d_%s", l->i, l->j,
			 l->r->name);
	else if (l->prefix[0] && l->j >= 0)
		snprintf(buf, len, "%s%d_%s%d", l->prefix, l->i, l->r->name,
			 l->j);
	else if (l->prefix[0])
		snprintf(buf, len, "%s%d_%s", l->prefix, l->i, l->r->name);
	else if (l->i >= 0)
		snprintf(buf, len, "%s%d", l->r->name, l->i);
	else
		snprintf(buf, len, "%s", l->r->name);
}

unsigned int vsmmu_cmdqv_reg_width(uint64_t offset)
{
	struct cvloc l;

	if (!cv_locate(offset, &l))
		return 0;
	/* 64-bit values at unaligned offsets are two 32-bit registers */
	return l.r->size == 8 && !(offset & 7) ? 8 : 4;
}

int vsmmu_cmdqv_reg_name(uint64_t offset, char *buf, size_t len)
{
	struct cvloc l;

	if (!buf || !len || !cv_locate(offset, &l))
		return -ENOENT;
	cv_format(&l, buf, len);
	return 0;
}

/*
 * Parse "<word>" followed by a decimal index into *n; return the rest of
 * the name after the digits, or NULL.
 */
static const char *cv_parse_idx(const char *s, const char *word, int *n)
{
	size_t wl = strlen(word);
	char *end;
	long v;

	if (strncasecmp(s, word, wl) || s[wl] < '0' || s[wl] > '9')
		return NULL;
	v = strtol(s + wl, &end, 10);
	if (v < 0 || v > 0xffff)
		return NULL;
	*n = (int)v;
	return end;
}

/* Find @want among the registers at [@from, @to) */
static int cv_scan(uint64_t from, uint64_t to, const char *want,
		   uint64_t *offset, unsigned int *size)
{
	char have[64];
	struct cvloc l;
	uint64_t o;

	for (o = from; o < to; o += 4) {
		if (!cv_locate(o, &l))
			continue;
		cv_format(&l, have, sizeof(have));
		if (strcasecmp(have, want))
			continue;
		if (offset)
			*offset = o;
		if (size)
			*size = l.r->size;
		return 0;
	}
	return -ENOENT;
}

int vsmmu_cmdqv_reg_lookup(const char *name, uint64_t *offset,
			   unsigned int *size)
{
	const char *p;
	uint64_t q;
	int a = -1, b = -1;

	if (!name)
		return -ENOENT;
	if (!strncasecmp(name, "TEGRA241_", 9))
		name += 9;
	/*
	 * The indices in the name say which region to look in; the name is
	 * then compared with the canonical name of each register there.
	 */
	if ((p = cv_parse_idx(name, "VINTF", &a)) && *p == '_' &&
	    cv_parse_idx(p + 1, "LVCMDQ", &b)) {
		if (a >= CV_NVINTF || b >= CV_NVCMDQ)
			return -ENOENT;
		q = TEGRA241_VINTF_PAGE_BASE + 0x20000ULL * a + 0x80ULL * b;
		if (!cv_scan(q, q + 0x80, name, offset, size))
			return 0;
		return cv_scan(q + 0x10000, q + 0x10080, name, offset, size);
	}
	if ((p = cv_parse_idx(name, "VINTF", &a)) && *p == '_') {
		if (a >= CV_NVINTF)
			return -ENOENT;
		q = TEGRA241_VINTF(a);
		return cv_scan(q, q + 0x100, name, offset, size);
	}
	if ((p = cv_parse_idx(name, "VCMDQ", &a)) && *p == '_') {
		if (a >= CV_NVCMDQ)
			return -ENOENT;
		q = TEGRA241_VCMDQ_PAGE0(a);
		if (!cv_scan(q, q + 0x80, name, offset, size))
			return 0;
		q = TEGRA241_VCMDQ_PAGE1(a);
		return cv_scan(q, q + 0x80, name, offset, size);
	}
	return cv_scan(0, TEGRA241_VINTF(0), name, offset, size);
}

int vsmmu_decode_cmdqv_reg(uint64_t offset, uint64_t value, vsmmu_field_fn *fn,
			   void *arg)
{
	struct cvloc l;
	struct dctx c;
	int ret;

	if (!cv_locate(offset, &l))
		return -ENOENT;
	if (!fn)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.w[0] = l.r->size == 8 ? value : (uint32_t)value;
	c.nwords = 1;
	c.fn = fn;
	c.arg = arg;
	ret = emit_tab(&c, l.r->fields, l.r->n);
	return ret ? ret : emit_rest(&c, "RES0");
}
