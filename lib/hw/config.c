// SPDX-License-Identifier: MIT
/*
 * Configuration lookup: from a StreamID (and SubstreamID) to a decoded
 * stream configuration, fetching the stream table, the STE, the CD table
 * and the CD from memory and validating each as the architecture says.
 *
 * Every value read here is guest- or file-controlled: each field is checked
 * before use and every failure is an architected event (C_BAD_STREAMID,
 * F_STE_FETCH, C_BAD_STE, C_BAD_SUBSTREAMID, F_CD_FETCH, C_BAD_CD,
 * F_STREAM_DISABLED, or a stage-2 fault with CLASS = CD under nesting).
 * docs/spec-notes.md records the specification text behind each rule and
 * how CONSTRAINED UNPREDICTABLE cases are resolved.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vsmmu/entry.h>

#include "hw/hw.h"

/* Mask of the low @bits bits, for any @bits up to 64 and beyond. */
static inline uint64_t low_mask(unsigned int bits)
{
	return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

static int cfg_fault(struct fault *f, unsigned int id)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	return CFG_FAULT;
}

static int fetch_fault(struct fault *f, unsigned int id, uint64_t pa)
{
	cfg_fault(f, id);
	f->fetch = 1;
	f->ipa = pa;
	return CFG_FAULT;
}

/* Granule shift for a TG encoding, or 0 if reserved or not implemented. */
static unsigned int gshift_supported(const struct vsmmu_smmu *s,
				     unsigned int shift)
{
	switch (shift) {
	case 12:
		return (s->gran & 1) ? 12 : 0;
	case 14:
		return (s->gran & 2) ? 14 : 0;
	case 16:
		return (s->gran & 4) ? 16 : 0;
	}
	return 0;
}

/* Align a table base down to the size of its start-level table. */
static uint64_t table_base(uint64_t ttb, const struct tt_cfg *tt)
{
	unsigned int bits = tt->ias - hw_level_lsb(tt->gshift, tt->start_level);
	uint64_t size = 8ULL << bits;

	if (size < 16)
		size = 16;
	return ttb & ~(size - 1);
}

static void note_fault(struct txn_ctx *t, const char *what)
{
	if (t->trace)
		hw_note(t, "%s", what);
}

/*
 * Decode the stage-2 half of an STE, checking it as SteIllegal does.
 * Return: 0, or CFG_FAULT (C_BAD_STE).
 */
static int ste_decode_s2(struct txn_ctx *t, const uint64_t *ste,
			 struct s2_cfg *s2)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t dw2 = ste[2];
	unsigned int tg = VS_FIELD_GET(STRTAB_STE_2_S2TG, dw2);
	unsigned int tsz = VS_FIELD_GET(STRTAB_STE_2_S2T0SZ, dw2);
	unsigned int sl0 = VS_FIELD_GET(STRTAB_STE_2_S2SL0, dw2);
	unsigned int ps = VS_FIELD_GET(STRTAB_STE_2_S2PS, dw2);
	unsigned int g, stride, start, lsb, ias, tsz_min, tsz_max, bits;
	static const unsigned char tg_shift[4] = { 12, 16, 14, 0 };
	bool s2s = dw2 & STRTAB_STE_2_S2S;
	uint64_t ttb;

	memset(s2, 0, sizeof(*s2));
	if ((s2s && s->stall_model == IDR0_STALL_MODEL_NONE) ||
	    (!s2s && s->stall_model == IDR0_STALL_MODEL_FORCE)) {
		note_fault(t, "STE.S2S not allowed by IDR0.STALL_MODEL");
		return CFG_FAULT;
	}
	if (!(dw2 & STRTAB_STE_2_S2AA64)) {
		note_fault(t, "STE.S2AA64 = 0: AArch32 tables not implemented");
		return CFG_FAULT;
	}
	if (((dw2 & STRTAB_STE_2_S2HA) && s->httu < 1) ||
	    ((dw2 & STRTAB_STE_2_S2HD) && s->httu < 2)) {
		note_fault(t, "STE.S2HA/S2HD beyond IDR0.HTTU");
		return CFG_FAULT;
	}
	g = gshift_supported(s, tg_shift[tg]);
	if (!g) {
		note_fault(t, "STE.S2TG: granule reserved or not implemented");
		return CFG_FAULT;
	}
	stride = g - 3;
	/* S2PS above OAS is treated as OAS; 0b111 as 52 bits (v3.1-v3.3) */
	s2->oas = ps == 7 ? 52 : arm_smmu_pa_bits(ps);
	if (s2->oas > s->oas)
		s2->oas = s->oas;

	/* S2T0SZ: max 39 (48/47 with STT); min MAX(16 or 12, 64 - IAS) */
	tsz_max = s->stt ? (g == 16 ? 47 : 48) : 39;
	tsz_min = 64 - s->oas;
	if (tsz_min < (g == 16 ? 12U : 16U))
		tsz_min = g == 16 ? 12 : 16;
	if (tsz < tsz_min || tsz > tsz_max) {
		note_fault(t, "STE.S2T0SZ out of range");
		return CFG_FAULT;
	}
	ias = 64 - tsz;

	/* S2SL0: 4K 0:L2 1:L1 2:L0 3:L3 (STT); 16K/64K 0:L3 1:L2 2:L1 */
	if (g == 12)
		start = sl0 == 3 ? 3 : 2 - sl0;
	else
		start = 3 - sl0;
	if ((g == 12 && sl0 == 3 && !s->stt) || (g != 12 && sl0 == 3) ||
	    (g == 12 && start == 0 && s->oas < 44) ||
	    (g == 16 && start == 1 && s->oas < 44) ||
	    (g == 14 && start == 1 && s->oas < 42)) {
		note_fault(t, "STE.S2SL0: start level not permitted");
		return CFG_FAULT;
	}
	/*
	 * The start level must resolve at least one bit and at most one
	 * level's worth plus 4 (16 concatenated tables).
	 */
	lsb = hw_level_lsb(g, start);
	if (ias <= lsb || ias > lsb + stride + 4) {
		note_fault(t, "STE.S2T0SZ inconsistent with S2SL0");
		return CFG_FAULT;
	}
	bits = ias - lsb;

	ttb = ste[3] & STRTAB_STE_3_S2TTB_MASK;
	if ((ttb >> s2->oas) || (g != 16 && (ttb >> 48))) {
		note_fault(t, "STE.S2TTB beyond the stage-2 output size");
		return CFG_FAULT;
	}
	s2->tt.enabled = 1;
	s2->tt.gshift = g;
	s2->tt.ias = ias;
	s2->tt.start_level = start;
	s2->tt.concat_log2 = bits > stride ? bits - stride : 0;
	s2->tt.ttb = table_base(ttb, &s2->tt);
	s2->affd = !!(dw2 & STRTAB_STE_2_S2AFFD);
	s2->ha = !!(dw2 & STRTAB_STE_2_S2HA);
	s2->hd = s2->ha && (dw2 & STRTAB_STE_2_S2HD);
	s2->ptw = !!(dw2 & STRTAB_STE_2_S2PTW);
	s2->be = !!(dw2 & STRTAB_STE_2_S2ENDI);
	if ((s2->be && s->ttendian == IDR0_TTENDIAN_LE) ||
	    (!s2->be && s->ttendian == IDR0_TTENDIAN_BE)) {
		note_fault(t, "STE.S2ENDI: endianness not implemented");
		return CFG_FAULT;
	}
	s2->record = !!(dw2 & STRTAB_STE_2_S2R);
	s2->stall = s2s;
	return 0;
}

/* What the STE says about stage 1, kept until the CD is fetched. */
struct s1_ptr {
	uint64_t ctxptr;
	unsigned int fmt, cdmax, dss;
	bool stalld;
};

/*
 * Decode an STE, checking it in the order of the specification's
 * SteIllegal.  Return: 0 (sc->mode may be MODE_ABORT), or CFG_FAULT for
 * C_BAD_STE.
 */
static int ste_decode(struct txn_ctx *t, const uint64_t *ste,
		      struct stream_cfg *sc, struct s1_ptr *sp)
{
	struct vsmmu_smmu *s = t->smmu;
	unsigned int config = VS_FIELD_GET(STRTAB_STE_0_CFG, ste[0]);
	unsigned int strw = VS_FIELD_GET(STRTAB_STE_1_STRW, ste[1]);
	bool s1, s2;

	if (!(ste[0] & STRTAB_STE_0_V)) {
		note_fault(t, "STE.V = 0");
		return CFG_FAULT;
	}
	/* Config 0b0xx: abort silently (0b001-0b011 are reserved as such) */
	if (!(config & 4)) {
		sc->mode = MODE_ABORT;
		return 0;
	}
	sc->ste_cfg = config;
	s1 = config & 1;
	s2 = config & 2;
	sc->mode = s1 ? (s2 ? MODE_NESTED : MODE_S1) :
			(s2 ? MODE_S2 : MODE_BYPASS);
	if ((s1 && !s->s1p) || (s2 && !s->s2p)) {
		note_fault(t, "STE.Config: stage not implemented");
		return CFG_FAULT;
	}
	/*
	 * EATS (3.9.1, 5.2), IGNORED without IDR0.ATS or with Config
	 * bypass: 0b10 (split stage) is ILLEGAL unless Config = 0b111,
	 * S2S = 0 and split stage is implemented (IDR0.NS1ATS = 0); 0b01
	 * with stage 2 and S2S = 1 is ILLEGAL.  Effective value: 0b10 is
	 * 0b00 while CR0.ATSCHK = 0 (ATSCHK may be cached with the STE,
	 * 3.9.2), 0b11 is 0b00 without DPT.
	 */
	if (s->ats && config != STRTAB_STE_0_CFG_BYPASS) {
		unsigned int eats = VS_FIELD_GET(STRTAB_STE_1_EATS, ste[1]);
		bool s2s = ste[2] & STRTAB_STE_2_S2S;

		if ((eats == STRTAB_STE_1_EATS_S1CHK &&
		     (config != 7 || s2s || (s->cfg.idr[0] & IDR0_NS1ATS))) ||
		    (eats == STRTAB_STE_1_EATS_TRANS && (config & 2) && s2s)) {
			note_fault(t, "STE.EATS: illegal with this Config/S2S");
			return CFG_FAULT;
		}
		if (eats == STRTAB_STE_1_EATS_TRANS)
			sc->eats = EATS_FULL;
		else if (eats == STRTAB_STE_1_EATS_S1CHK &&
			 (hw_reg32(&s->cr0) & CR0_ATSCHK))
			sc->eats = EATS_SPLIT;
	}
	if ((s->cfg.idr[0] & IDR0_PRI) && s->ssidsize)
		sc->ppar = !!(ste[1] & STRTAB_STE_1_PPAR);
	/* STRW means something only for stage 1 alone on an SMMU with HYP. */
	if (config == STRTAB_STE_0_CFG_S1_TRANS && s->hyp) {
		if (strw & 1) {
			note_fault(t, "STE.STRW: reserved value");
			return CFG_FAULT;
		}
		if (strw == STRTAB_STE_1_STRW_EL2) {
			sc->el2 = 1;
			sc->e2h = !!(hw_reg32(&s->cr2) & CR2_E2H);
		}
	}
	if (s->attr_perms_ovr) {
		sc->privcfg = VS_FIELD_GET(STRTAB_STE_1_PRIVCFG, ste[1]);
		sc->instcfg = VS_FIELD_GET(STRTAB_STE_1_INSTCFG, ste[1]);
	}
	if (s1) {
		sp->fmt = VS_FIELD_GET(STRTAB_STE_0_S1FMT, ste[0]);
		sp->cdmax = VS_FIELD_GET(STRTAB_STE_0_S1CDMAX, ste[0]);
		sp->dss = VS_FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]);
		sp->ctxptr = ste[0] & STRTAB_STE_0_S1CTXPTR_MASK;
		sp->stalld = !!(ste[1] & STRTAB_STE_1_S1STALLD);
		if (!s->ssidsize)
			sp->cdmax = 0; /* substreams not implemented */
		if (sp->stalld && s->stall_model != IDR0_STALL_MODEL_STALL) {
			note_fault(t, "STE.S1STALLD with a non-stalling SMMU");
			return CFG_FAULT;
		}
		if (sp->cdmax > s->ssidsize) {
			note_fault(t, "STE.S1CDMax exceeds IDR1.SSIDSIZE");
			return CFG_FAULT;
		}
		if (sp->fmt == 3 || !sp->cdmax)
			sp->fmt = STRTAB_STE_0_S1FMT_LINEAR;
		if (sp->fmt && !s->cd2l) {
			note_fault(t, "STE.S1Fmt: 2-level CD tables not "
				      "implemented");
			return CFG_FAULT;
		}
		if (!s2 && (sp->ctxptr >> s->oas)) {
			note_fault(t, "STE.S1ContextPtr beyond the OAS");
			return CFG_FAULT;
		}
		if (sp->dss == 3)
			sp->dss = STRTAB_STE_1_S1DSS_TERMINATE;
	}
	if (s2 && ste_decode_s2(t, ste, &sc->s2))
		return CFG_FAULT;
	/*
	 * The VMID tags TLB entries whenever stage 2 is implemented, also
	 * for stage-1-only streams (3.17); the EL2 worlds have no VMID.
	 */
	if (s->s2p && !sc->el2) {
		sc->vmid = VS_FIELD_GET(STRTAB_STE_2_S2VMID, ste[2]);
		if (!s->vmid16 && (sc->vmid >> 8)) {
			note_fault(t, "STE.S2VMID[15:8] set without VMID16");
			return CFG_FAULT;
		}
		sc->s2.vmid = sc->vmid;
	}
	return 0;
}

/* Decode a CD, checking it as CdIllegal does.  Return 0 or CFG_FAULT. */
static int cd_decode(struct txn_ctx *t, const uint64_t *cd,
		     const struct s1_ptr *sp, const struct stream_cfg *sc,
		     struct s1_cfg *s1)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t dw0 = cd[0];
	unsigned int ips = VS_FIELD_GET(CTXDESC_CD_0_TCR_IPS, dw0);
	static const unsigned char tg0_shift[4] = { 12, 16, 14, 0 };
	static const unsigned char tg1_shift[4] = { 0, 14, 12, 16 };
	bool el2 = sc->el2 && !sc->e2h; /* one range, no ASID */
	bool cd_s = dw0 & CTXDESC_CD_0_S;
	int i;

	memset(s1, 0, sizeof(*s1));
	if (!(dw0 & CTXDESC_CD_0_V)) {
		note_fault(t, "CD.V = 0");
		return CFG_FAULT;
	}
	if (!(dw0 & CTXDESC_CD_0_AA64)) {
		note_fault(t, "CD.AA64 = 0: AArch32 tables not implemented");
		return CFG_FAULT;
	}
	/* IPS above OAS is treated as OAS; 0b111 as 52 bits (v3.1-v3.3) */
	s1->oas = ips == 7 ? 52 : arm_smmu_pa_bits(ips);
	if (s1->oas > s->oas)
		s1->oas = s->oas;

	for (i = 0; i < 2; i++) {
		struct tt_cfg *tt = &s1->tt[i];
		uint64_t epd = i ? CTXDESC_CD_0_TCR_EPD1 :
				   CTXDESC_CD_0_TCR_EPD0;
		unsigned int tsz, g, tsz_min, tsz_max, levels;
		uint64_t ttb;

		if (el2 ? i == 1 : !!(dw0 & epd))
			continue;
		if (i == 0) {
			tsz = VS_FIELD_GET(CTXDESC_CD_0_TCR_T0SZ, dw0);
			g = tg0_shift[VS_FIELD_GET(CTXDESC_CD_0_TCR_TG0, dw0)];
			ttb = cd[1] & CTXDESC_CD_1_TTB0_MASK;
			tt->tbi = !!(dw0 & CTXDESC_CD_0_TCR_TBI0);
		} else {
			tsz = VS_FIELD_GET(CTXDESC_CD_0_TCR_T1SZ, dw0);
			g = tg1_shift[VS_FIELD_GET(CTXDESC_CD_0_TCR_TG1, dw0)];
			ttb = cd[2] & CTXDESC_CD_2_TTB1_MASK;
			tt->tbi = !!(dw0 & CTXDESC_CD_0_TCR_TBI1);
		}
		g = gshift_supported(s, g);
		if (!g) {
			note_fault(t, i ? "CD.TG1: granule reserved or not "
					  "implemented" :
					  "CD.TG0: granule reserved or not "
					  "implemented");
			return CFG_FAULT;
		}
		tsz_max = s->stt ? (g == 16 ? 47 : 48) : 39;
		tsz_min = (g == 16 && s->vax52) ? 12 : 16;
		if (tsz < tsz_min || tsz > tsz_max) {
			note_fault(t, i ? "CD.T1SZ out of range" :
					  "CD.T0SZ out of range");
			return CFG_FAULT;
		}
		if ((ttb >> s1->oas) || (g != 16 && (ttb >> 48))) {
			note_fault(t, i ? "CD.TTB1 beyond the output size" :
					  "CD.TTB0 beyond the output size");
			return CFG_FAULT;
		}
		tt->enabled = 1;
		tt->gshift = g;
		tt->ias = 64 - tsz;
		levels = (tt->ias - g + (g - 3) - 1) / (g - 3);
		tt->start_level = 4 - levels;
		tt->ttb = table_base(ttb, tt);
	}
	if (!el2) {
		s1->aset = !!(dw0 & CTXDESC_CD_0_ASET);
		s1->asid = VS_FIELD_GET(CTXDESC_CD_0_ASID, dw0);
		if (!s->asid16 && (s1->asid >> 8)) {
			note_fault(t, "CD.ASID[15:8] set without ASID16");
			return CFG_FAULT;
		}
	}
	if (((dw0 & CTXDESC_CD_0_TCR_HA) && s->httu < 1) ||
	    ((dw0 & CTXDESC_CD_0_TCR_HD) && s->httu < 2)) {
		note_fault(t, "CD.HA/HD beyond IDR0.HTTU");
		return CFG_FAULT;
	}
	s1->affd = !!(dw0 & CTXDESC_CD_0_AFFD);
	s1->ha = !!(dw0 & CTXDESC_CD_0_TCR_HA);
	s1->hd = s1->ha && (dw0 & CTXDESC_CD_0_TCR_HD);
	s1->wxn = !!(dw0 & CTXDESC_CD_0_WXN);
	s1->pan = !sc->el2 && (dw0 & CTXDESC_CD_0_PAN);
	s1->be = !!(dw0 & CTXDESC_CD_0_ENDI);
	if ((s1->tt[0].enabled || s1->tt[1].enabled) &&
	    ((s1->be && s->ttendian == IDR0_TTENDIAN_LE) ||
	     (!s1->be && s->ttendian == IDR0_TTENDIAN_BE))) {
		note_fault(t, "CD.ENDI: endianness not implemented");
		return CFG_FAULT;
	}
	if ((cd_s && (s->stall_model == IDR0_STALL_MODEL_NONE || sp->stalld)) ||
	    (!cd_s && s->stall_model == IDR0_STALL_MODEL_FORCE)) {
		note_fault(t, "CD.S not allowed (STALL_MODEL / S1STALLD)");
		return CFG_FAULT;
	}
	if (s->term_model && !(dw0 & CTXDESC_CD_0_A)) {
		note_fault(t, "CD.A = 0 with IDR0.TERM_MODEL = 1");
		return CFG_FAULT;
	}
	s1->record = !!(dw0 & CTXDESC_CD_0_R);
	s1->stall = cd_s;
	return 0;
}

static void trace_words(struct txn_ctx *t, enum vsmmu_trace_kind kind,
			uint64_t pa, uint64_t ipa, const uint64_t *words)
{
	struct vsmmu_trace_step st = {
		.kind = kind,
		.level = -1,
		.addr = pa,
		.ipa = ipa,
		.value = words[0],
		.words = words,
	};

	hw_trace(t, &st);
}

static void trace_l1(struct txn_ctx *t, enum vsmmu_trace_kind kind, uint64_t pa,
		     uint64_t ipa, uint64_t val)
{
	struct vsmmu_trace_step st = {
		.kind = kind,
		.level = -1,
		.addr = pa,
		.ipa = ipa,
		.value = val,
	};

	hw_trace(t, &st);
}

/* Read a 64-byte structure; return the failing address's offset or 0. */
static int read_struct(struct txn_ctx *t, uint64_t pa, uint64_t *w)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (hw_read64(t, pa + 8 * i, &w[i]))
			return -EFAULT;
	return 0;
}

/*
 * An invalid StreamID: C_BAD_STREAMID if CR2.RECINVSID asks for it,
 * otherwise the transaction is aborted with no event.
 */
static int bad_streamid(struct txn_ctx *t, struct fault *f, const char *why)
{
	note_fault(t, why);
	if (hw_reg32(&t->smmu->cr2) & CR2_RECINVSID)
		return cfg_fault(f, EVT_ID_BAD_STREAMID);
	note_fault(t, "CR2.RECINVSID = 0: aborted without an event");
	return CFG_TERMINATE;
}

/* --- The L1 descriptor cache ---------------------------------------------- */

/*
 * The configuration's walk cache: level-1 stream table descriptors and
 * level-1 CD table descriptors (hw->l1c), so that a configuration fetch
 * of a two-level table reads only the STE or CD.  Entries: the key below
 * and the descriptor as fetched.  Only valid descriptors are cached (an
 * L1STD with a usable Span, an L1CD with V = 1 and an L2Ptr in range):
 * linking a new level-2 table into an invalid slot needs no
 * invalidation in the model.  Invalidation (hw_l1c_cfgi()): CFGI_STE
 * with Leaf = 0 removes the L1STD walked for its StreamID, with Leaf = 1
 * it is not required to (4.3.1) and stays; CFGI_STE, _STE_RANGE and
 * _CD_ALL remove every L1CD cached through their StreamIDs (4.3.1,
 * 4.3.2, 4.3.4); CFGI_CD with Leaf = 0 removes the L1CD locating its CD,
 * with Leaf = 1 it stays (4.3.3); CFGI_STE_RANGE and CFGI_ALL remove the
 * L1STDs of their range (4.3.2, 4.3.6).
 */
#define L1C_KEY_ID VS_GENMASK(51, 0) /* SID >> SPLIT, or SID | L1 index */
#define L1C_KEY_SPLIT VS_GENMASK(55, 52) /* SPLIT, or the CD leaf's bits */
#define L1C_KEY_CD VS_BIT(56) /* an L1CD (else an L1STD) */

int hw_l1c_init(struct vsmmu_smmu *s)
{
	const struct vsmmu_smmu_config *cfg = &s->cfg;

	if (cfg->walk_caches_off)
		return 0;
	return sa_init(&s->l1c, cfg->l1c_sets ? cfg->l1c_sets : 32,
		       cfg->l1c_ways ? cfg->l1c_ways : 4, 2, 0);
}

void hw_l1c_fini(struct vsmmu_smmu *s)
{
	sa_fini(&s->l1c);
}

static inline uint64_t l1c_key_std(uint32_t sid, unsigned int split)
{
	return SA_VALID | VS_FIELD_PREP(L1C_KEY_SPLIT, split) |
	       ((uint64_t)sid >> split);
}

static inline uint64_t l1c_key_cd(uint32_t sid, uint32_t idx,
				  unsigned int split)
{
	return SA_VALID | L1C_KEY_CD | VS_FIELD_PREP(L1C_KEY_SPLIT, split) |
	       sid | (uint64_t)(idx >> split) << 32;
}

static inline unsigned int l1c_hash(uint64_t key)
{
	return (unsigned int)(key ^ (key >> 29) ^ (key >> 45));
}

/* Can @t use the L1 descriptor cache? */
static inline bool l1c_usable(const struct txn_ctx *t)
{
	return t->use_cache && !t->probe && t->smmu->l1c.mem;
}

static bool l1c_lookup(struct txn_ctx *t, uint64_t key, uint64_t *desc)
{
	struct sa_cache *c = &t->smmu->l1c;
	uint64_t *set = sa_set(c, l1c_hash(key)), seq;
	unsigned int way;

	seq = sa_read_begin(set);
	if (seq & 1)
		return false;
	for (way = 0; way < c->ways; way++) {
		uint64_t *e = sa_way(c, set, way);

		if (sa_ld(&e[0]) != key)
			continue;
		*desc = sa_ld(&e[1]);
		if (!sa_read_valid(set, seq))
			return false;
		sa_touch(set, way);
		return true;
	}
	return false;
}

static void l1c_insert(struct txn_ctx *t, uint64_t key, uint64_t desc)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t w[2] = { key, desc };

	if (sa_insert(&s->l1c, l1c_hash(key), w, NULL, &s->inv_gen, t->gen) > 0)
		hw_stat_inc(s, ST_EVICT);
}

/*
 * The invalidation checker: a cached L1 descriptor must still be what
 * memory holds at @pa (@ipa under nesting, 0 when unknown).
 */
static void l1c_check_hit(struct txn_ctx *t, bool cd, uint64_t pa,
			  uint64_t cached)
{
	struct vsmmu_check_report r = { .kind = VSMMU_CHECK_STALE_WALK };
	uint64_t now;

	if (pa == ~0ULL || vsmmu_mem_read64(t->smmu->mem, pa, &now))
		now = 0;
	if (now == cached)
		return;
	r.sid = t->txn->sid;
	r.ssid = t->txn->ssid;
	r.ssv = t->txn->ssv;
	r.addr = pa;
	r.observed[0] = cached;
	r.observed[1] = 1;
	r.observed[2] = 0;
	r.expected[0] = now;
	snprintf(r.msg, sizeof(r.msg),
		 "stale %s: SID %u, descriptor at 0x%llx cached as 0x%llx, "
		 "memory now 0x%llx (missing CFGI with Leaf = 0?)",
		 cd ? "L1CD" : "L1STD", t->txn->sid, (unsigned long long)pa,
		 (unsigned long long)cached, (unsigned long long)now);
	hw_check_report(t->smmu, &r);
}

struct l1c_inv {
	uint32_t lo, hi; /* StreamIDs */
	bool std; /* L1STDs of [lo, hi] go */
	bool all_cds; /* every L1CD of [lo, hi] goes */
	bool one_cd; /* the L1CD of (lo, ssid) goes */
	uint32_t ssid;
};

static bool l1c_match_fn(const uint64_t *e, const void *arg)
{
	const struct l1c_inv *m = arg;
	uint64_t key = sa_ld(&e[0]), id = VS_FIELD_GET(L1C_KEY_ID, key);
	unsigned int split = VS_FIELD_GET(L1C_KEY_SPLIT, key);

	if (!(key & L1C_KEY_CD)) {
		uint64_t first = id << split,
			 last = first + (1ULL << split) - 1;

		return m->std && last >= m->lo && first <= m->hi;
	}
	if ((uint32_t)id < m->lo || (uint32_t)id > m->hi)
		return false;
	return m->all_cds || (m->one_cd && (id >> 32) == m->ssid >> split);
}

void hw_l1c_cfgi(struct vsmmu_smmu *s, const struct vsmmu_cfgi *inv,
		 uint32_t lo, uint32_t hi)
{
	struct l1c_inv m = { .lo = lo, .hi = hi, .ssid = inv->ssid };

	if (!s->l1c.mem)
		return;
	switch (inv->kind) {
	case VSMMU_CFGI_STE:
		m.std = !inv->leaf;
		m.all_cds = true;
		break;
	case VSMMU_CFGI_ALL:
	case VSMMU_CFGI_STE_RANGE:
		m.std = true;
		m.all_cds = true;
		break;
	case VSMMU_CFGI_CD:
		m.one_cd = !inv->leaf;
		break;
	case VSMMU_CFGI_CD_ALL:
		m.all_cds = true;
		break;
	default:
		return;
	}
	if (m.std || m.all_cds || m.one_cd)
		sa_invalidate_all(&s->l1c, l1c_match_fn, &m);
}

/* Find and read the STE of @sid.  Return 0, CFG_FAULT or CFG_TERMINATE. */
static int ste_fetch(struct txn_ctx *t, uint32_t sid, uint64_t *ste,
		     struct fault *f)
{
	struct vsmmu_smmu *s = t->smmu;
	uint64_t base = hw_reg64(&s->strtab_base) & STRTAB_BASE_ADDR_MASK;
	uint32_t cfg = hw_reg32(&s->strtab_base_cfg);
	unsigned int log2size = VS_FIELD_GET(STRTAB_BASE_CFG_LOG2SIZE, cfg);
	unsigned int fmt = VS_FIELD_GET(STRTAB_BASE_CFG_FMT, cfg);
	unsigned int eff = log2size < s->sidsize ? log2size : s->sidsize;
	uint64_t ste_pa, epoch;

	if ((uint64_t)sid >> eff)
		return bad_streamid(t, f, "StreamID beyond LOG2SIZE/SIDSIZE");
	/* FMT 0b10/0b11 are reserved and behave as linear */
	if (fmt == STRTAB_BASE_CFG_FMT_2LVL && s->st2lvl) {
		unsigned int split = VS_FIELD_GET(STRTAB_BASE_CFG_SPLIT, cfg);
		unsigned int span, l1_bits;
		uint64_t l1_pa, l1, l2;

		if (split != 6 && split != 8 && split != 10)
			split = 6; /* reserved values behave as 6 */
		/* The SMMU aligns the L1 table itself: max(64, its size) */
		l1_bits = log2size > split ? log2size - split + 3 : 3;
		base &= ~low_mask(l1_bits > 6 ? l1_bits : 6);
		l1_pa = base + ((uint64_t)sid >> split) * 8;
		if (l1c_usable(t) &&
		    l1c_lookup(t, l1c_key_std(sid, split), &l1)) {
			hw_stat_inc(s, ST_L1_HIT);
			if (hw_check_on(s))
				l1c_check_hit(t, false, l1_pa, l1);
			span = VS_FIELD_GET(STRTAB_L1_DESC_SPAN, l1);
			goto have_l1;
		}
		if (hw_read64(t, l1_pa, &l1)) {
			note_fault(t, "level-1 stream table descriptor fetch "
				      "aborted");
			return fetch_fault(f, EVT_ID_STE_FETCH, l1_pa);
		}
		trace_l1(t, VSMMU_TRACE_STE_L1, l1_pa, l1_pa, l1);
		span = VS_FIELD_GET(STRTAB_L1_DESC_SPAN, l1);
		if (!span || span > 11 || span > split + 1)
			return bad_streamid(t, f,
					    span ? "L1STD.Span reserved "
						   "or above SPLIT + 1" :
						   "L1STD.Span = 0");
		if (l1c_usable(t)) {
			hw_stat_inc(s, ST_L1_MISS);
			l1c_insert(t, l1c_key_std(sid, split), l1);
		}
have_l1:
		if ((sid & ((1U << split) - 1)) >> (span - 1))
			return bad_streamid(t, f,
					    "StreamID beyond the L2 "
					    "table's Span");
		l2 = l1 & STRTAB_L1_DESC_L2PTR_MASK;
		l2 &= ~low_mask(6 + span - 1);
		ste_pa = l2 + (uint64_t)(sid & ((1U << split) - 1)) * 64;
	} else {
		/* The table is aligned to its size: the low bits read as 0 */
		base &= ~low_mask(6 + log2size);
		ste_pa = base + (uint64_t)sid * 64;
	}
	/* The checker needs to know when the fetch began (check.c) */
	epoch = hw_check_tracks(t) ? hw_check_epoch(s) : 0;
	if (read_struct(t, ste_pa, ste)) {
		note_fault(t, "STE fetch aborted");
		return fetch_fault(f, EVT_ID_STE_FETCH, ste_pa);
	}
	trace_words(t, VSMMU_TRACE_STE, ste_pa, ste_pa, ste);
	if (hw_check_tracks(t))
		hw_check_fetched(s, CHK_STE, sid, 0, ste_pa, ste, epoch);
	return 0;
}

/*
 * Translate a CD-side address: an IPA through stage 2 under nesting
 * (CLASS = CD on a fault), else a PA.  Then read @n words.
 */
static int cd_read(struct txn_ctx *t, const struct stream_cfg *sc,
		   uint64_t addr, uint64_t *w, unsigned int n, uint64_t *pa,
		   struct fault *f)
{
	unsigned int i;

	*pa = addr;
	if (sc->mode == MODE_NESTED) {
		int rc = hw_s2_translate(t, sc, addr, EVTQ_1_CLASS_CD, true, pa,
					 NULL, f);
		if (rc)
			return CFG_FAULT;
	}
	for (i = 0; i < n; i++) {
		if (hw_read64(t, *pa + 8 * i, &w[i])) {
			note_fault(t, "CD fetch aborted");
			return fetch_fault(f, EVT_ID_CD_FETCH, *pa + 8 * i);
		}
	}
	return 0;
}

/* The PA of the L1CD at IPA @ipa, for the checker; ~0 if it faults. */
static uint64_t l1cd_pa(struct txn_ctx *t, const struct stream_cfg *sc,
			uint64_t ipa)
{
	struct txn_ctx p = *t;
	struct fault f;
	uint64_t pa;

	p.use_cache = false;
	p.probe = true;
	p.trace = NULL;
	if (hw_s2_translate(&p, sc, ipa, EVTQ_1_CLASS_CD, true, &pa, NULL, &f))
		return ~0ULL;
	return pa;
}

static int cd_fetch(struct txn_ctx *t, struct stream_cfg *sc,
		    const struct s1_ptr *sp, uint32_t idx, uint64_t *cd,
		    struct fault *f)
{
	uint64_t addr = sp->ctxptr, pa, epoch;
	struct vsmmu_cd_loc loc;
	int rc;

	/* The table's geometry: lib/arch (one source with VMMs reading CDs) */
	if (vsmmu_cd_locate(VS_FIELD_PREP(STRTAB_STE_0_S1CDMAX, sp->cdmax) |
				    VS_FIELD_PREP(STRTAB_STE_0_S1FMT, sp->fmt) |
				    (addr & STRTAB_STE_0_S1CTXPTR_MASK),
			    idx, &loc))
		return cfg_fault(f, EVT_ID_BAD_SUBSTREAMID);
	addr = loc.addr;
	if (loc.two_level) {
		uint64_t l1, l2, key;
		bool cached = true;

		key = l1c_key_cd(t->txn->sid, idx, loc.split);
		if (l1c_usable(t) && l1c_lookup(t, key, &l1)) {
			hw_stat_inc(t->smmu, ST_L1_HIT);
			/* Under nesting the checker reads the L1CD's IPA */
			if (hw_check_on(t->smmu))
				l1c_check_hit(t, true,
					      sc->mode == MODE_NESTED ?
						      l1cd_pa(t, sc, addr) :
						      addr,
					      l1);
		} else {
			rc = cd_read(t, sc, addr, &l1, 1, &pa, f);
			if (rc)
				return rc;
			trace_l1(t, VSMMU_TRACE_CD_L1, pa, addr, l1);
			cached = false;
		}
		l2 = vsmmu_cd_leaf_addr(&loc, l1);
		if (!l2) {
			note_fault(t, "L1CD.V = 0");
			return cfg_fault(f, EVT_ID_BAD_SUBSTREAMID);
		}
		if (l2 >>
		    (sc->mode == MODE_NESTED ? sc->s2.tt.ias : t->smmu->oas)) {
			note_fault(t, "L1CD.L2Ptr beyond the address size");
			return cfg_fault(f, EVT_ID_BAD_SUBSTREAMID);
		}
		if (!cached && l1c_usable(t)) {
			hw_stat_inc(t->smmu, ST_L1_MISS);
			l1c_insert(t, key, l1);
		}
		addr = l2;
	}
	epoch = hw_check_tracks(t) ? hw_check_epoch(t->smmu) : 0;
	rc = cd_read(t, sc, addr, cd, 8, &pa, f);
	if (rc)
		return rc;
	trace_words(t, VSMMU_TRACE_CD, pa, addr, cd);
	if (hw_check_tracks(t))
		hw_check_fetched(t->smmu, CHK_CD, t->txn->sid, idx, pa, cd,
				 epoch);
	return 0;
}

static void compute_leaf_shifts(struct vsmmu_smmu *s, struct stream_cfg *sc)
{
	uint64_t m = 0;

	if (sc->mode == MODE_S1 || sc->mode == MODE_NESTED) {
		if (sc->s1.tt[0].enabled)
			m |= hw_leaf_shifts(s, sc->s1.tt[0].gshift);
		if (sc->s1.tt[1].enabled)
			m |= hw_leaf_shifts(s, sc->s1.tt[1].gshift);
	}
	if (sc->mode == MODE_S2 || sc->mode == MODE_NESTED)
		m |= hw_leaf_shifts(s, sc->s2.tt.gshift);
	sc->leaf_shifts = m;
}

int hw_ste_lookup(struct txn_ctx *t, struct stream_cfg *sc, struct fault *f)
{
	struct s1_ptr sp = { 0 };
	uint64_t ste[8];
	int rc;

	memset(sc, 0, sizeof(*sc));
	rc = ste_fetch(t, t->txn->sid, ste, f);
	if (rc)
		return rc;
	if (ste_decode(t, ste, sc, &sp))
		return cfg_fault(f, EVT_ID_BAD_STE);
	return 0;
}

int hw_config_lookup(struct txn_ctx *t, struct stream_cfg *sc, struct fault *f)
{
	const struct vsmmu_txn *txn = t->txn;
	struct s1_ptr sp = { 0 };
	uint64_t ste[8], cd[8];
	uint32_t idx;
	int rc;

	memset(sc, 0, sizeof(*sc));
	rc = ste_fetch(t, txn->sid, ste, f);
	if (rc)
		return rc;
	if (ste_decode(t, ste, sc, &sp))
		return cfg_fault(f, EVT_ID_BAD_STE);
	if (sc->mode == MODE_ABORT)
		return 0;

	if (sc->mode != MODE_S1 && sc->mode != MODE_NESTED) {
		if (txn->ssv) {
			note_fault(t,
				   "SubstreamID on a stream without stage 1");
			return cfg_fault(f, EVT_ID_BAD_SUBSTREAMID);
		}
		compute_leaf_shifts(t->smmu, sc);
		return 0;
	}

	if (!txn->ssv) {
		if (!sp.cdmax) {
			idx = 0;
		} else if (sp.dss == STRTAB_STE_1_S1DSS_TERMINATE) {
			note_fault(t,
				   "no SubstreamID and STE.S1DSS = terminate");
			return cfg_fault(f, EVT_ID_STREAM_DISABLED);
		} else if (sp.dss == STRTAB_STE_1_S1DSS_BYPASS) {
			if (t->trace)
				hw_note(t, "no SubstreamID: STE.S1DSS = bypass,"
					   " stage 1 skipped");
			sc->mode = sc->mode == MODE_NESTED ? MODE_S2 :
							     MODE_BYPASS;
			compute_leaf_shifts(t->smmu, sc);
			return 0;
		} else {
			idx = 0; /* S1DSS = substream 0 */
		}
	} else {
		if (!sp.cdmax || (uint64_t)txn->ssid >> sp.cdmax) {
			note_fault(t, "SubstreamID beyond STE.S1CDMax");
			return cfg_fault(f, EVT_ID_BAD_SUBSTREAMID);
		}
		if (txn->ssid == 0 && sp.dss == STRTAB_STE_1_S1DSS_SSID0) {
			note_fault(t, "SubstreamID 0 is reserved by S1DSS");
			return cfg_fault(f, EVT_ID_STREAM_DISABLED);
		}
		idx = txn->ssid;
	}
	rc = cd_fetch(t, sc, &sp, idx, cd, f);
	if (rc)
		return rc;
	if (cd_decode(t, cd, &sp, sc, &sc->s1))
		return cfg_fault(f, EVT_ID_BAD_CD);
	compute_leaf_shifts(t->smmu, sc);
	return 0;
}
