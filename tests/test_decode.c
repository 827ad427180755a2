// SPDX-License-Identifier: MIT
/*
 * Decoder tests: hand-written structures (the words are the golden vectors
 * of test_arch.c, worked out from the specification) are decoded and
 * individual fields checked by name, value, position and meaning.
 */
#include <errno.h>
#include <stdio.h>

#include <vsmmu/arch.h>
#include <vsmmu/decode.h>

#include "harness.h"

#define MAXF 96

struct dec {
	struct vsmmu_field f[MAXF];
	char meaning[MAXF][96];
	size_t n;
	int calls;
	int stop_at; /* return 7 from the stop_at-th call, 0: never */
};

static int collect(void *arg, const struct vsmmu_field *f)
{
	struct dec *d = arg;

	d->calls++;
	if (d->stop_at && d->calls == d->stop_at)
		return 7;
	if (d->n >= MAXF)
		return -ENOSPC;
	d->f[d->n] = *f;
	d->meaning[d->n][0] = 0;
	if (f->meaning)
		snprintf(d->meaning[d->n], sizeof(d->meaning[0]), "%s",
			 f->meaning);
	d->f[d->n].meaning = f->meaning ? d->meaning[d->n] : NULL;
	d->n++;
	return 0;
}

static const struct vsmmu_field *find(const struct dec *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].name, name))
			return &d->f[i];
	return NULL;
}

static const char *meaning_of(const struct dec *d, const char *name)
{
	const struct vsmmu_field *f = find(d, name);

	return f && f->meaning ? f->meaning : "(none)";
}

static uint64_t value_of(const struct dec *d, const char *name)
{
	const struct vsmmu_field *f = find(d, name);

	return f ? f->value : 0xdeadbeefdeadbeefULL;
}

static unsigned int lo_of(const struct dec *d, const char *name)
{
	const struct vsmmu_field *f = find(d, name);

	return f ? f->lo : 99;
}

static int run(struct dec *d, enum vsmmu_decode_kind kind, const uint64_t *w,
	       size_t n, int level, unsigned int gshift)
{
	struct vsmmu_decode_opts o = { .level = level,
				       .granule_shift = gshift };

	memset(d, 0, sizeof(*d));
	return vsmmu_decode(kind, w, n, &o, collect, d);
}

TEST(decode_ste_fields)
{
	static const uint64_t ste[4] = {
		0x500000081234502bULL,
		0x000b10009a0c00d6ULL,
		0x05edb55900001234ULL,
		0x0000123456789ab0ULL,
	};
	const struct vsmmu_field *f;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_STE, ste, 4, -1, 0));
	f = find(&d, "Config");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->dword, 0);
	ASSERT_EQ(f->hi, 3);
	ASSERT_EQ(f->lo, 1);
	ASSERT_EQ(f->value, 5);
	ASSERT_STREQ(f->meaning, "S1 translate, S2 bypass");
	/* addresses are reported in place */
	f = find(&d, "S1ContextPtr");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->value, 0x812345000ULL);
	ASSERT_EQ(f->hi, 51);
	ASSERT_EQ(f->lo, 6);
	ASSERT_EQ(value_of(&d, "S1CDMax"), 10);
	ASSERT_EQ(value_of(&d, "S1Fmt"), 2);
	ASSERT_STREQ(meaning_of(&d, "S1DSS"), "use substream 0");
	ASSERT_STREQ(meaning_of(&d, "STRW"), "EL2");
	ASSERT_STREQ(meaning_of(&d, "EATS"), "full ATS");
	ASSERT_STREQ(meaning_of(&d, "PRIVCFG"), "privileged");
	ASSERT_STREQ(meaning_of(&d, "INSTCFG"), "data");
	ASSERT_STREQ(meaning_of(&d, "SHCFG"), "use incoming");
	ASSERT_EQ(value_of(&d, "S2VMID"), 0x1234);
	ASSERT_EQ(value_of(&d, "S2T0SZ"), 25);
	ASSERT_STREQ(meaning_of(&d, "S2T0SZ"), "39-bit input range");
	ASSERT_STREQ(meaning_of(&d, "S2TG"), "16K");
	/* 16K granule, S2SL0 = 1: start at level 2 */
	ASSERT_STREQ(meaning_of(&d, "S2SL0"), "start at level 2");
	ASSERT_STREQ(meaning_of(&d, "S2PS"), "48 bits (256TB)");
	f = find(&d, "S2HD");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->lo, 55);
	ASSERT_EQ(f->value, 1);
	ASSERT_EQ(value_of(&d, "S2HA"), 1);
	ASSERT_EQ(value_of(&d, "S2AFFD"), 1);
	ASSERT_EQ(value_of(&d, "S2S"), 0);
	ASSERT_EQ(value_of(&d, "S2R"), 1);
	f = find(&d, "S2TTB");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->dword, 3);
	ASSERT_EQ(f->value, 0x123456789ab0ULL);
	/* every bit set is a described field */
	ASSERT_TRUE(find(&d, "RES0") == NULL);
}

TEST(decode_ste_reserved)
{
	/* V=1, Config=0b001 (reserved), bits 52..58 set (RES0) */
	uint64_t w = 0x1 | 0x1 << 1 | 0x07f0000000000000ULL;
	const struct vsmmu_field *f;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_STE, &w, 1, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "Config"), "reserved");
	f = find(&d, "RES0");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->dword, 0);
	ASSERT_EQ(f->hi, 58);
	ASSERT_EQ(f->lo, 52);
	ASSERT_EQ(f->value, 0x07f0000000000000ULL);
	/* missing words read as zero */
	ASSERT_EQ(value_of(&d, "S2TTB"), 0);
	ASSERT_STREQ(meaning_of(&d, "S1DSS"), "terminate");
	/* 4K granule with S2SL0 = 0: level 2 */
	ASSERT_STREQ(meaning_of(&d, "S2SL0"), "start at level 2");
}

TEST(decode_bad_args)
{
	uint64_t w[8] = { 0 };
	struct dec d;

	ASSERT_EQ(run(&d, VSMMU_DECODE_STE, w, 0, -1, 0), -EINVAL);
	ASSERT_EQ(run(&d, (enum vsmmu_decode_kind)99, w, 1, -1, 0), -EINVAL);
	ASSERT_EQ(d.calls, 0);
	ASSERT_EQ(vsmmu_decode(VSMMU_DECODE_STE, w, 8, NULL, NULL, NULL),
		  -EINVAL);
	/* opts may be NULL; more words than the structure has are ignored */
	memset(&d, 0, sizeof(d));
	ASSERT_OK(vsmmu_decode(VSMMU_DECODE_L1CD, w, 8, NULL, collect, &d));
	ASSERT_EQ(d.n, 2);
}

TEST(decode_words_counts)
{
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_STE), 8);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_CD), 8);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_L1STD), 1);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_L1CD), 1);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_CMD), 2);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_EVT), 4);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_PRI), 2);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_PTE_S1), 1);
	ASSERT_EQ(vsmmu_decode_words(VSMMU_DECODE_PTE_S2), 1);
	ASSERT_EQ(vsmmu_decode_words((enum vsmmu_decode_kind) - 1), 0);
}

TEST(decode_stop_early)
{
	static const uint64_t ste[1] = { 0x1 };
	struct dec d;

	memset(&d, 0, sizeof(d));
	d.stop_at = 3;
	ASSERT_EQ(vsmmu_decode(VSMMU_DECODE_STE, ste, 1, NULL, collect, &d), 7);
	ASSERT_EQ(d.calls, 3);
	memset(&d, 0, sizeof(d));
	d.stop_at = 1;
	ASSERT_EQ(vsmmu_decode_reg(ARM_SMMU_CR0, 1, collect, &d), 7);
	ASSERT_EQ(d.calls, 1);
}

TEST(decode_cd_fields)
{
	static const uint64_t cd[4] = {
		0xbeef7e0dc0803510ULL,
		0x0000876543210003ULL,
		0x000ffffffffffff2ULL,
		0x0004ff44ULL,
	};
	const struct vsmmu_field *f;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_CD, cd, 4, -1, 0));
	f = find(&d, "ASID");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->value, 0xbeef);
	ASSERT_EQ(f->hi, 63);
	ASSERT_EQ(f->lo, 48);
	ASSERT_STREQ(meaning_of(&d, "V"), "valid");
	ASSERT_STREQ(meaning_of(&d, "IPS"), "48 bits (256TB)");
	ASSERT_STREQ(meaning_of(&d, "TG0"), "4K");
	ASSERT_STREQ(meaning_of(&d, "TG1"), "4K");
	ASSERT_STREQ(meaning_of(&d, "T0SZ"), "48-bit input range");
	ASSERT_STREQ(meaning_of(&d, "SH0"), "Inner Shareable");
	ASSERT_STREQ(meaning_of(&d, "EPD1"),
		     "walks disabled (translation fault)");
	ASSERT_STREQ(meaning_of(&d, "A"), "abort on terminate");
	ASSERT_EQ(value_of(&d, "AFFD"), 1);
	ASSERT_EQ(value_of(&d, "R"), 1);
	ASSERT_EQ(value_of(&d, "WXN"), 0);
	ASSERT_EQ(value_of(&d, "TTB0"), 0x876543210000ULL);
	ASSERT_EQ(value_of(&d, "HAD0"), 1);
	ASSERT_EQ(value_of(&d, "NSCFG0"), 1);
	ASSERT_EQ(value_of(&d, "TTB1"), 0x000ffffffffffff0ULL);
	ASSERT_EQ(value_of(&d, "MAIR"), 0x0004ff44ULL);
	ASSERT_TRUE(find(&d, "RES0") == NULL);

	/* TG1 = 0 is reserved */
	ASSERT_OK(run(&d, VSMMU_DECODE_CD, cd + 3, 1, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "TG1"), "reserved");
	ASSERT_STREQ(meaning_of(&d, "V"), "invalid");
}

TEST(decode_l1_descs)
{
	uint64_t w = 0x123456789ULL;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_L1STD, &w, 1, -1, 0));
	ASSERT_EQ(value_of(&d, "SPAN"), 9);
	ASSERT_STREQ(meaning_of(&d, "SPAN"), "256 STEs");
	ASSERT_EQ(value_of(&d, "L2Ptr"), 0x123456780ULL);
	w = 0;
	ASSERT_OK(run(&d, VSMMU_DECODE_L1STD, &w, 1, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "SPAN"), "invalid");

	w = 0xabcde001ULL;
	ASSERT_OK(run(&d, VSMMU_DECODE_L1CD, &w, 1, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "V"), "valid");
	ASSERT_EQ(value_of(&d, "L2Ptr"), 0xabcde000ULL);
	/* bits [11:1] are not part of an L1 CD descriptor */
	w = 0xabcde0ffULL;
	ASSERT_OK(run(&d, VSMMU_DECODE_L1CD, &w, 1, -1, 0));
	ASSERT_EQ(value_of(&d, "RES0"), 0xfe);
}

TEST(decode_cmd_tlbi)
{
	static const uint64_t c[2] = { 0xabcd56780141f012ULL,
				       0xffff800012345701ULL };
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, c, 2, -1, 0));
	ASSERT_EQ(value_of(&d, "Opcode"), 0x12);
	ASSERT_STREQ(meaning_of(&d, "Opcode"), "CMD_TLBI_NH_VA");
	ASSERT_EQ(value_of(&d, "NUM"), 31);
	ASSERT_EQ(value_of(&d, "SCALE"), 20);
	ASSERT_EQ(value_of(&d, "VMID"), 0x5678);
	ASSERT_EQ(value_of(&d, "ASID"), 0xabcd);
	ASSERT_EQ(value_of(&d, "LEAF"), 1);
	ASSERT_STREQ(meaning_of(&d, "TTL"), "level 3");
	ASSERT_STREQ(meaning_of(&d, "TG"), "4K");
	ASSERT_EQ(value_of(&d, "Address"), 0xffff800012345000ULL);
	ASSERT_TRUE(find(&d, "IPA") == NULL);

	/* the same words as CMD_TLBI_NH_VAA: no ASID field, ASID is RES0 */
	{
		uint64_t vaa[2] = { (c[0] & ~0xffULL) | CMDQ_OP_TLBI_NH_VAA,
				    c[1] };

		ASSERT_OK(run(&d, VSMMU_DECODE_CMD, vaa, 2, -1, 0));
		ASSERT_TRUE(find(&d, "ASID") == NULL);
		ASSERT_EQ(value_of(&d, "RES0"), 0xabcd000000000000ULL);
	}
}

TEST(decode_cmd_s2_ipa)
{
	/* TLBI_S2_IPA: op 0x2a, VMID 3<<32; dw1 IPA all ones, TG 2, TTL 2 */
	static const uint64_t c[2] = { 0x000000030000002aULL,
				       0x000ffffffffffa00ULL };
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, c, 2, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "Opcode"), "CMD_TLBI_S2_IPA");
	ASSERT_EQ(value_of(&d, "IPA"), 0x000ffffffffff000ULL);
	ASSERT_EQ(value_of(&d, "VMID"), 3);
	ASSERT_STREQ(meaning_of(&d, "TG"), "16K");
	ASSERT_TRUE(find(&d, "ASID") == NULL);
	ASSERT_TRUE(find(&d, "Address") == NULL);
}

TEST(decode_cmd_others)
{
	static const uint64_t sync[2] = { 0xcafef00d0fc01046ULL,
					  0x12345678ULL };
	static const uint64_t all[2] = { 0x04, 0x1f };
	static const uint64_t atc[2] = { 0x0000004200001a40ULL, 0x34 };
	static const uint64_t resume[2] = { 0x0000009900001044ULL, 0xffff };
	static const uint64_t pri[2] = { 0x41, 0x21ff };
	static const uint64_t cfgi_cd[2] = { 0x00000007fffff005ULL, 1 };
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, sync, 2, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "Opcode"), "CMD_SYNC");
	ASSERT_STREQ(meaning_of(&d, "CS"), "IRQ/MSI");
	ASSERT_STREQ(meaning_of(&d, "MSH"), "Inner Shareable");
	ASSERT_EQ(value_of(&d, "MSIAttr"), 0xf);
	ASSERT_EQ(value_of(&d, "MSIData"), 0xcafef00dULL);
	ASSERT_EQ(value_of(&d, "MSIAddress"), 0x12345678ULL);

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, all, 2, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "Opcode"), "CMD_CFGI_STE_RANGE");
	ASSERT_STREQ(meaning_of(&d, "RANGE"), "all StreamIDs (CMD_CFGI_ALL)");

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, atc, 2, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "Opcode"), "CMD_ATC_INV");
	ASSERT_EQ(value_of(&d, "GLOBAL"), 1);
	ASSERT_EQ(value_of(&d, "SSV"), 1);
	ASSERT_EQ(value_of(&d, "SSID"), 1);
	ASSERT_EQ(value_of(&d, "SID"), 0x42);
	ASSERT_STREQ(meaning_of(&d, "SIZE"), "entire address space");

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, resume, 2, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "RESP"), "retry");
	ASSERT_EQ(value_of(&d, "SID"), 0x99);
	ASSERT_EQ(value_of(&d, "STAG"), 0xffff);

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, pri, 2, -1, 0));
	ASSERT_EQ(value_of(&d, "GRPID"), 0x1ff);
	ASSERT_STREQ(meaning_of(&d, "RESP"), "success");

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, cfgi_cd, 2, -1, 0));
	ASSERT_EQ(value_of(&d, "SSID"), 0xfffff);
	ASSERT_EQ(value_of(&d, "SID"), 7);
	ASSERT_STREQ(meaning_of(&d, "LEAF"), "leaf only");
}

TEST(decode_cmd_unknown_opcode)
{
	static const uint64_t c[2] = { 0x1234567800000099ULL, 0xfeedULL };
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_CMD, c, 2, -1, 0));
	ASSERT_EQ(d.n, 3);
	ASSERT_EQ(value_of(&d, "Opcode"), 0x99);
	ASSERT_STREQ(meaning_of(&d, "Opcode"), "unknown opcode");
	ASSERT_EQ(value_of(&d, "dw0"), 0x1234567800000000ULL);
	ASSERT_EQ(value_of(&d, "dw1"), 0xfeed);
}

TEST(decode_evt_translation)
{
	static const uint64_t e[4] = {
		0x00001234abcde810ULL,
		0x0000128e8000beefULL,
		0xffff000012345678ULL,
		0x000fffffffffffffULL,
	};
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_EVT, e, 4, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "ID"), "F_TRANSLATION");
	ASSERT_EQ(value_of(&d, "SID"), 0x1234);
	ASSERT_EQ(value_of(&d, "SSID"), 0xabcde);
	ASSERT_EQ(value_of(&d, "SSV"), 1);
	ASSERT_EQ(value_of(&d, "STAG"), 0xbeef);
	ASSERT_EQ(value_of(&d, "STALL"), 1);
	ASSERT_STREQ(meaning_of(&d, "PnU"), "privileged");
	ASSERT_STREQ(meaning_of(&d, "InD"), "instruction");
	ASSERT_STREQ(meaning_of(&d, "RnW"), "read");
	ASSERT_STREQ(meaning_of(&d, "S2"), "stage 2");
	ASSERT_STREQ(meaning_of(&d, "CLASS"), "input address");
	ASSERT_EQ(value_of(&d, "TT_READ"), 1);
	ASSERT_EQ(value_of(&d, "InputAddr"), 0xffff000012345678ULL);
	/* IPA[51:12], in place */
	ASSERT_EQ(value_of(&d, "IPA"), 0x000ffffffffff000ULL);
	ASSERT_TRUE(find(&d, "FetchAddr") == NULL);
	/* dw3 [11:0] are not part of F_TRANSLATION */
	ASSERT_EQ(value_of(&d, "RES0"), 0xfff);
}

TEST(decode_evt_kinds)
{
	uint64_t e[4] = { EVT_ID_STE_FETCH, 0, 0, 0x000fffffffffffffULL };
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_EVT, e, 4, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "ID"), "F_STE_FETCH");
	ASSERT_EQ(value_of(&d, "FetchAddr"), 0x000ffffffffffff8ULL);
	ASSERT_TRUE(find(&d, "IPA") == NULL);

	e[0] = EVT_ID_WALK_EABT;
	e[1] = 0x0000010000000000ULL; /* CLASS = TT */
	ASSERT_OK(run(&d, VSMMU_DECODE_EVT, e, 4, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "ID"), "F_WALK_EABT");
	ASSERT_STREQ(meaning_of(&d, "CLASS"), "translation table fetch");
	ASSERT_EQ(value_of(&d, "FetchAddr"), 0x000ffffffffffff8ULL);

	e[0] = EVT_ID_BAD_STE | 0x0000000700000000ULL;
	e[1] = e[3] = 0;
	ASSERT_OK(run(&d, VSMMU_DECODE_EVT, e, 4, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "ID"), "C_BAD_STE");
	ASSERT_EQ(value_of(&d, "SID"), 7);
	ASSERT_EQ(d.n, 4); /* ID SSV SSID SID */

	e[0] = EVT_ID_PERMISSION;
	ASSERT_OK(run(&d, VSMMU_DECODE_EVT, e, 1, -1, 0));
	ASSERT_TRUE(find(&d, "IPA") != NULL);
	ASSERT_STREQ(meaning_of(&d, "RnW"), "write");

	/* unknown id: the raw words */
	e[0] = 0xee;
	e[1] = 1;
	e[2] = 2;
	e[3] = 3;
	ASSERT_OK(run(&d, VSMMU_DECODE_EVT, e, 4, -1, 0));
	ASSERT_STREQ(meaning_of(&d, "ID"), "unknown event");
	ASSERT_EQ(value_of(&d, "dw1"), 1);
	ASSERT_EQ(value_of(&d, "dw3"), 3);
}

TEST(decode_pri)
{
	static const uint64_t p[2] = { 0xfc0fffff12345678ULL, 0x7ffff1ffULL };
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_PRI, p, 2, -1, 0));
	ASSERT_EQ(value_of(&d, "SID"), 0x12345678);
	ASSERT_EQ(value_of(&d, "SSID"), 0xfffff);
	ASSERT_EQ(value_of(&d, "Write"), 1);
	ASSERT_EQ(value_of(&d, "Last"), 1);
	ASSERT_EQ(value_of(&d, "SSV"), 1);
	ASSERT_EQ(value_of(&d, "PRGIndex"), 0x1ff);
	ASSERT_EQ(value_of(&d, "Address"), 0x7ffff000ULL);
}

TEST(decode_pte_s1)
{
	uint64_t w = 0x0078000040000fc7ULL;
	const struct vsmmu_field *f;
	struct dec d;

	/* level 3 page, 4K */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 3, 12));
	ASSERT_STREQ(meaning_of(&d, "Type"), "page");
	f = find(&d, "OutputAddr");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->value, 0x40000000ULL);
	ASSERT_EQ(f->hi, 47);
	ASSERT_EQ(f->lo, 12);
	ASSERT_EQ(value_of(&d, "AttrIndx"), 1);
	ASSERT_STREQ(meaning_of(&d, "AP"), "RO any EL");
	ASSERT_STREQ(meaning_of(&d, "SH"), "Inner Shareable");
	ASSERT_STREQ(meaning_of(&d, "AF"), "accessed");
	ASSERT_EQ(value_of(&d, "nG"), 1);
	ASSERT_EQ(value_of(&d, "DBM"), 1);
	ASSERT_EQ(value_of(&d, "Contiguous"), 1);
	ASSERT_EQ(value_of(&d, "PXN"), 1);
	ASSERT_EQ(value_of(&d, "UXN"), 1);
	ASSERT_TRUE(find(&d, "PXNTable") == NULL);
	ASSERT_TRUE(find(&d, "IGNORED") == NULL);

	/* level 1 table */
	w = 0xd800000012345003ULL;
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 1, 12));
	ASSERT_STREQ(meaning_of(&d, "Type"), "table");
	ASSERT_EQ(value_of(&d, "NextLevel"), 0x12345000ULL);
	ASSERT_EQ(value_of(&d, "NSTable"), 1);
	ASSERT_STREQ(meaning_of(&d, "APTable"), "read-only");
	ASSERT_EQ(value_of(&d, "XNTable"), 1);
	ASSERT_EQ(value_of(&d, "PXNTable"), 1);
	ASSERT_TRUE(find(&d, "AP") == NULL);

	/* level unknown: both views */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, -1, 12));
	ASSERT_TRUE(find(&d, "APTable") != NULL);
	ASSERT_TRUE(find(&d, "AP") != NULL);
	ASSERT_EQ(value_of(&d, "Address"), 0x12345000ULL);
}

TEST(decode_pte_blocks)
{
	/* 4K level 1 block: OA [47:30]; bit 21 is below the block size */
	uint64_t w = 0x40200701ULL;
	const struct vsmmu_field *f;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 1, 12));
	ASSERT_STREQ(meaning_of(&d, "Type"), "block");
	f = find(&d, "OutputAddr");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->lo, 30);
	ASSERT_EQ(f->value, 0x40000000ULL);
	ASSERT_EQ(value_of(&d, "IGNORED"), 0x200000);
	/* the same at level 2: OA [47:21] */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 2, 12));
	ASSERT_EQ(value_of(&d, "OutputAddr"), 0x40200000ULL);
	/* 4K level 0: no blocks */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 0, 12));
	ASSERT_STREQ(meaning_of(&d, "Type"),
		     "block not allowed at this level (fault)");
	/* 64K level 2 block: 512M, OA [47:29] */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 2, 16));
	ASSERT_EQ(lo_of(&d, "OutputAddr"), 29);
	/* level 3 with bit 1 clear is reserved */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 3, 12));
	ASSERT_STREQ(meaning_of(&d, "Type"), "reserved at level 3 (fault)");
	ASSERT_TRUE(find(&d, "OutputAddr") == NULL);
}

TEST(decode_pte_s2_64k)
{
	/* 64K page with OA[51:48]=0xf in bits [15:12], OA[47:16]=0x3 */
	uint64_t w = 0x004000000003f7c7ULL;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S2, &w, 1, 3, 16));
	ASSERT_STREQ(meaning_of(&d, "Type"), "page");
	ASSERT_EQ(value_of(&d, "OutputAddr"), 0x000f000000030000ULL);
	ASSERT_STREQ(meaning_of(&d, "MemAttr"), "Device-nGnRE");
	ASSERT_STREQ(meaning_of(&d, "S2AP"), "read/write");
	ASSERT_STREQ(meaning_of(&d, "XN"), "not executable");
	ASSERT_TRUE(find(&d, "AttrIndx") == NULL);
	ASSERT_TRUE(find(&d, "IGNORED") == NULL);

	/* stage-2 page from the golden vector: Normal WB, 4K */
	w = 0x00400000800007ffULL;
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S2, &w, 1, 3, 12));
	ASSERT_STREQ(meaning_of(&d, "MemAttr"), "Normal, outer WB, inner WB");
	ASSERT_EQ(value_of(&d, "OutputAddr"), 0x80000000ULL);
	/* stage-2 table: just the next-level address */
	w = 0x12345003ULL;
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S2, &w, 1, 1, 12));
	ASSERT_EQ(d.n, 3);
	ASSERT_EQ(value_of(&d, "NextLevel"), 0x12345000ULL);
}

TEST(decode_pte_invalid_and_opts)
{
	uint64_t w = 0;
	struct dec d;

	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 3, 12));
	ASSERT_EQ(d.n, 1);
	ASSERT_STREQ(meaning_of(&d, "Valid"), "invalid");
	w = ~1ULL;
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 3, 12));
	ASSERT_EQ(d.n, 2);
	ASSERT_EQ(value_of(&d, "IGNORED"), ~1ULL);
	/* 64K has no level 0 */
	w = 3;
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 0, 16));
	ASSERT_STREQ(meaning_of(&d, "Type"), "no level 0 with the 64K granule");
	ASSERT_EQ(run(&d, VSMMU_DECODE_PTE_S1, &w, 1, 0, 13), -EINVAL);
	ASSERT_EQ(run(&d, VSMMU_DECODE_PTE_S2, &w, 1, 4, 12), -EINVAL);
	ASSERT_EQ(run(&d, VSMMU_DECODE_PTE_S2, &w, 1, -2, 12), -EINVAL);
	/* granule 0 means 4K */
	ASSERT_OK(run(&d, VSMMU_DECODE_PTE_S2, &w, 1, 3, 0));
	ASSERT_EQ(lo_of(&d, "OutputAddr"), 12);
}

TEST(decode_names)
{
	ASSERT_STREQ(vsmmu_evt_name(0x10), "F_TRANSLATION");
	ASSERT_STREQ(vsmmu_evt_name(0x04), "C_BAD_STE");
	ASSERT_STREQ(vsmmu_evt_name(0x0b), "F_WALK_EABT");
	ASSERT_STREQ(vsmmu_evt_name(0x24), "E_PAGE_REQUEST");
	ASSERT_STREQ(vsmmu_evt_name(0x25), "F_VMS_FETCH");
	ASSERT_TRUE(vsmmu_evt_name(0) == NULL);
	ASSERT_TRUE(vsmmu_evt_name(0x14) == NULL);
	ASSERT_TRUE(vsmmu_evt_name(0x110) == NULL);

	ASSERT_STREQ(vsmmu_cmd_name(0x12), "CMD_TLBI_NH_VA");
	ASSERT_STREQ(vsmmu_cmd_name(0x46), "CMD_SYNC");
	ASSERT_STREQ(vsmmu_cmd_name(0x04), "CMD_CFGI_STE_RANGE");
	ASSERT_STREQ(vsmmu_cmd_name(0x2a), "CMD_TLBI_S2_IPA");
	ASSERT_STREQ(vsmmu_cmd_name(0x01), "CMD_PREFETCH_CONFIG");
	ASSERT_STREQ(vsmmu_cmd_name(0x45), "CMD_STALL_TERM");
	ASSERT_TRUE(vsmmu_cmd_name(0) == NULL);
	ASSERT_TRUE(vsmmu_cmd_name(0x47) == NULL);
	ASSERT_TRUE(vsmmu_cmd_name(0x112) == NULL);
}

TEST(decode_reg_lookup)
{
	static const char *const names[] = {
		"IDR0",
		"IDR1",
		"IDR2",
		"IDR3",
		"IDR4",
		"IDR5",
		"IIDR",
		"AIDR",
		"CR0",
		"CR0ACK",
		"CR1",
		"CR2",
		"GBPA",
		"IRQ_CTRL",
		"IRQ_CTRLACK",
		"GERROR",
		"GERRORN",
		"GERROR_IRQ_CFG0",
		"GERROR_IRQ_CFG1",
		"GERROR_IRQ_CFG2",
		"STRTAB_BASE",
		"STRTAB_BASE_CFG",
		"CMDQ_BASE",
		"CMDQ_PROD",
		"CMDQ_CONS",
		"EVENTQ_BASE",
		"EVENTQ_PROD",
		"EVENTQ_CONS",
		"EVENTQ_IRQ_CFG0",
		"EVENTQ_IRQ_CFG1",
		"EVENTQ_IRQ_CFG2",
		"PRIQ_BASE",
		"PRIQ_PROD",
		"PRIQ_CONS",
		"PRIQ_IRQ_CFG0",
		"PRIQ_IRQ_CFG1",
		"PRIQ_IRQ_CFG2",
	};
	uint64_t off;
	unsigned int size;
	size_t i;

	ASSERT_OK(vsmmu_reg_lookup("STRTAB_BASE", &off, &size));
	ASSERT_EQ(off, 0x80);
	ASSERT_EQ(size, 8);
	ASSERT_OK(vsmmu_reg_lookup("smmu_cr0", &off, &size));
	ASSERT_EQ(off, 0x20);
	ASSERT_EQ(size, 4);
	ASSERT_OK(vsmmu_reg_lookup("SMMU_IDR5", &off, &size));
	ASSERT_EQ(off, 0x14);
	ASSERT_OK(vsmmu_reg_lookup("evtq_prod", &off, &size));
	ASSERT_EQ(off, 0x100a8);
	ASSERT_OK(vsmmu_reg_lookup("GERROR_IRQ_CFG0", &off, &size));
	ASSERT_EQ(size, 8);
	ASSERT_OK(vsmmu_reg_lookup("EVTQ_IRQ_CFG1", &off, &size));
	ASSERT_EQ(off, 0xb8);
	ASSERT_EQ(size, 4);
	ASSERT_EQ(vsmmu_reg_lookup("nonsense", &off, &size), -ENOENT);
	ASSERT_EQ(vsmmu_reg_lookup("SMMU_", &off, &size), -ENOENT);
	ASSERT_EQ(vsmmu_reg_lookup("", &off, &size), -ENOENT);
	ASSERT_EQ(vsmmu_reg_lookup("CR", &off, &size), -ENOENT);
	ASSERT_TRUE(vsmmu_reg_name(0x3) == NULL);
	ASSERT_TRUE(vsmmu_reg_name(0xa8) == NULL);

	/* name -> offset -> the same name, for every register */
	for (i = 0; i < VS_ARRAY_SIZE(names); i++) {
		ASSERT_OK(vsmmu_reg_lookup(names[i], &off, &size));
		ASSERT_STREQ(vsmmu_reg_name(off), names[i]);
		ASSERT_TRUE(size == 4 || size == 8);
	}
}

/*
 * The specification names the event queue's registers SMMU_EVENTQ_*
 * (offsets from its register map: BASE 0xa0, IRQ_CFG0..2 0xb0/0xb8/0xbc,
 * PROD/CONS 0xa8/0xac in page 1, i.e. 0x100a8/0x100ac); Linux calls them
 * ARM_SMMU_EVTQ_*.  Both names find the register; its name is the spec's.
 * (Only Linux's used to work.)
 */
TEST(decode_reg_spec_names_with_linux_aliases)
{
	static const struct {
		const char *spec, *linux_name;
		uint64_t off;
		unsigned int size;
	} r[] = {
		{ "EVENTQ_BASE", "ARM_SMMU_EVTQ_BASE", 0xa0, 8 },
		{ "EVENTQ_PROD", "EVTQ_PROD", 0x100a8, 4 },
		{ "EVENTQ_CONS", "EVTQ_CONS", 0x100ac, 4 },
		{ "EVENTQ_IRQ_CFG0", "evtq_irq_cfg0", 0xb0, 8 },
		{ "EVENTQ_IRQ_CFG1", "EVTQ_IRQ_CFG1", 0xb8, 4 },
		{ "EVENTQ_IRQ_CFG2", "EVTQ_IRQ_CFG2", 0xbc, 4 },
	};
	uint64_t off;
	unsigned int size;
	size_t i;

	for (i = 0; i < VS_ARRAY_SIZE(r); i++) {
		char smmu[32];

		ASSERT_OK(vsmmu_reg_lookup(r[i].spec, &off, &size));
		ASSERT_EQ(off, r[i].off);
		ASSERT_EQ(size, r[i].size);
		snprintf(smmu, sizeof(smmu), "SMMU_%s", r[i].spec);
		ASSERT_OK(vsmmu_reg_lookup(smmu, &off, &size));
		ASSERT_EQ(off, r[i].off);
		ASSERT_OK(vsmmu_reg_lookup(r[i].linux_name, &off, &size));
		ASSERT_EQ(off, r[i].off);
		ASSERT_STREQ(vsmmu_reg_name(r[i].off), r[i].spec);
	}
	/* either prefix goes with either name */
	ASSERT_OK(vsmmu_reg_lookup("ARM_SMMU_EVENTQ_BASE", &off, &size));
	ASSERT_EQ(off, 0xa0);
	ASSERT_OK(vsmmu_reg_lookup("SMMU_EVTQ_BASE", &off, &size));
	ASSERT_EQ(off, 0xa0);
}

static int reg(struct dec *d, const char *name, uint64_t value)
{
	uint64_t off;

	memset(d, 0, sizeof(*d));
	if (vsmmu_reg_lookup(name, &off, NULL))
		return -ENOENT;
	return vsmmu_decode_reg(off, value, collect, d);
}

TEST(decode_reg_fields)
{
	struct dec d;

	ASSERT_OK(reg(&d, "CR0", 0x1df));
	ASSERT_STREQ(meaning_of(&d, "SMMUEN"), "enabled");
	ASSERT_EQ(value_of(&d, "VMW"), 7);
	ASSERT_OK(reg(&d, "CMDQ_CONS", 0x02000013));
	ASSERT_STREQ(meaning_of(&d, "ERR"), "CERROR_ABT");
	ASSERT_EQ(value_of(&d, "RD"), 0x13);
	ASSERT_OK(reg(&d, "CMDQ_CONS", 0x01000000));
	ASSERT_STREQ(meaning_of(&d, "ERR"), "CERROR_ILL");
	ASSERT_OK(reg(&d, "CMDQ_CONS", 0x03000000));
	ASSERT_STREQ(meaning_of(&d, "ERR"), "CERROR_ATC_INV_SYNC");
	ASSERT_OK(reg(&d, "IDR5", 0x00800455));
	ASSERT_STREQ(meaning_of(&d, "OAS"), "48 bits (256TB)");
	ASSERT_STREQ(meaning_of(&d, "VAX"), "52-bit VA");
	ASSERT_EQ(value_of(&d, "STALL_MAX"), 0x80);
	ASSERT_EQ(value_of(&d, "GRAN16K"), 0);
	ASSERT_OK(reg(&d, "IDR0", 0x094d349b));
	ASSERT_STREQ(meaning_of(&d, "ST_LEVEL"), "2-level");
	ASSERT_STREQ(meaning_of(&d, "HTTU"), "access flag and dirty state");
	ASSERT_STREQ(meaning_of(&d, "TTF"), "AArch64");
	ASSERT_STREQ(meaning_of(&d, "TTENDIAN"), "little-endian");
	ASSERT_OK(reg(&d, "IDR1", 0x02739d20));
	ASSERT_EQ(value_of(&d, "SIDSIZE"), 32);
	ASSERT_EQ(value_of(&d, "SSIDSIZE"), 20);
	ASSERT_EQ(value_of(&d, "CMDQS"), 19);
	ASSERT_OK(reg(&d, "STRTAB_BASE_CFG", 0x10210));
	ASSERT_STREQ(meaning_of(&d, "FMT"), "2-level");
	ASSERT_EQ(value_of(&d, "SPLIT"), 8);
	ASSERT_EQ(value_of(&d, "LOG2SIZE"), 16);
	ASSERT_OK(reg(&d, "STRTAB_BASE", 0x4000000080000040ULL));
	ASSERT_EQ(value_of(&d, "RA"), 1);
	ASSERT_EQ(value_of(&d, "ADDR"), 0x80000040ULL);
	ASSERT_OK(reg(&d, "EVTQ_BASE", 0x4000000012345688ULL));
	ASSERT_EQ(value_of(&d, "WA"), 1);
	ASSERT_EQ(value_of(&d, "ADDR"), 0x12345680ULL);
	ASSERT_EQ(value_of(&d, "LOG2SIZE"), 8);
	ASSERT_OK(reg(&d, "EVTQ_PROD", 0x80000005));
	ASSERT_EQ(value_of(&d, "OVFLG"), 1);
	ASSERT_EQ(value_of(&d, "WR"), 5);
	ASSERT_OK(reg(&d, "GERROR", 0x1fd));
	ASSERT_EQ(value_of(&d, "CMDQ_ERR"), 1);
	ASSERT_EQ(value_of(&d, "SFM_ERR"), 1);
	ASSERT_TRUE(find(&d, "RES0") == NULL);
	/* GERROR bit 1 is reserved */
	ASSERT_OK(reg(&d, "GERROR", 0x2));
	ASSERT_EQ(value_of(&d, "RES0"), 0x2);
	ASSERT_OK(reg(&d, "CR1", 0xd75));
	ASSERT_STREQ(meaning_of(&d, "TABLE_SH"), "Inner Shareable");
	ASSERT_STREQ(meaning_of(&d, "QUEUE_OC"),
		     "Write-Back, read/write-allocate");
	ASSERT_OK(reg(&d, "GBPA", 0x80100000));
	ASSERT_STREQ(meaning_of(&d, "ABORT"), "abort");
	/* a register without described fields: one value */
	ASSERT_OK(reg(&d, "IIDR", 0x43b));
	ASSERT_EQ(d.n, 1);
	ASSERT_EQ(value_of(&d, "IIDR"), 0x43b);
	ASSERT_EQ(vsmmu_decode_reg(0x3, 0, collect, &d), -ENOENT);
}

/* Every field a decoder reports must be well formed, whatever the input. */
static int check_field(void *arg, const struct vsmmu_field *f)
{
	size_t *bad = arg;

	if (!f->name || !*f->name || f->hi > 63 || f->lo > f->hi ||
	    f->dword >= 8)
		(*bad)++;
	return 0;
}

TEST(decode_random_words)
{
	static const unsigned int gran[] = { 0, 12, 14, 16 };
	static const uint64_t offsets[] = {
		0x00,	 0x04,	  0x08,	   0x0c,    0x10, 0x14, 0x18, 0x1c,
		0x20,	 0x24,	  0x28,	   0x2c,    0x44, 0x50, 0x54, 0x60,
		0x64,	 0x68,	  0x70,	   0x74,    0x80, 0x88, 0x90, 0x98,
		0x9c,	 0xa0,	  0x100a8, 0x100ac, 0xb0, 0xb8, 0xbc, 0xc0,
		0x100c8, 0x100cc, 0xd0,	   0xd8,    0xdc,
	};
	uint64_t s = vt_seed();
	size_t bad = 0;
	int it, k, ret;

	for (it = 0; it < 20000; it++) {
		uint64_t w[8];
		struct vsmmu_decode_opts o;
		int i;

		for (i = 0; i < 8; i++)
			w[i] = vt_rand(&s);
		/* bias the low byte toward known opcodes and event ids */
		if (it & 1)
			w[0] = (w[0] & ~0xffULL) | (vt_rand(&s) % 0x48);
		o.level = (int)(vt_rand(&s) % 5) - 1;
		o.granule_shift = gran[vt_rand(&s) % 4];
		for (k = VSMMU_DECODE_STE; k <= VSMMU_DECODE_PTE_S2; k++) {
			ret = vsmmu_decode((enum vsmmu_decode_kind)k, w,
					   1 + vt_rand(&s) % 8, &o, check_field,
					   &bad);
			ASSERT_EQ(ret, 0);
		}
		ret = vsmmu_decode_reg(offsets[it % VS_ARRAY_SIZE(offsets)],
				       w[1], check_field, &bad);
		ASSERT_EQ(ret, 0);
	}
	ASSERT_EQ(bad, 0);
}

/*
 * Register access widths, the one table the model, the decoder and the
 * fuzzers use (offsets from the SMMUv3 register map, 6.2, and the CMDQV
 * layout of reference/cmdqv.md).
 */
TEST(decode_register_widths)
{
	ASSERT_EQ(vsmmu_reg_width(0x00), 4); /* IDR0 */
	ASSERT_EQ(vsmmu_reg_width(0x20), 4); /* CR0 */
	ASSERT_EQ(vsmmu_reg_width(0x68), 8); /* GERROR_IRQ_CFG0 */
	ASSERT_EQ(vsmmu_reg_width(0x80), 8); /* STRTAB_BASE */
	ASSERT_EQ(vsmmu_reg_width(0x84), 0); /* its upper half */
	ASSERT_EQ(vsmmu_reg_width(0x88), 4); /* STRTAB_BASE_CFG */
	ASSERT_EQ(vsmmu_reg_width(0x90), 8); /* CMDQ_BASE */
	ASSERT_EQ(vsmmu_reg_width(0x98), 4); /* CMDQ_PROD */
	ASSERT_EQ(vsmmu_reg_width(0xa0), 8); /* EVTQ_BASE */
	ASSERT_EQ(vsmmu_reg_width(0x100a8), 4); /* EVTQ_PROD, page 1 */
	ASSERT_EQ(vsmmu_reg_width(0xd0), 8); /* PRIQ_IRQ_CFG0 */
	ASSERT_EQ(vsmmu_reg_width(0x30), 0); /* reserved */
	ASSERT_EQ(vsmmu_reg_width(0x21), 0); /* misaligned */
	ASSERT_EQ(vsmmu_reg_width(0x20000), 0); /* past page 1 */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x0000), 4); /* CMDQV_CONFIG */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x0014), 4); /* VINTF_ERR_MAP */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x0200), 4); /* CMDQ_ALLOC0 */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x1000), 4); /* VINTF0_CONFIG */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x10c0), 8); /* LVCMDQ_ERR_MAP0 */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x10c8), 8); /* LVCMDQ_ERR_MAP1 */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x10004), 4); /* VCMDQ0_PROD */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x20000), 8); /* VCMDQ0_BASE */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x20008), 8); /* CONS_INDX_BASE */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x50000), 4); /* VINTF1 LVCMDQ0_CONS */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x60000), 8); /* VINTF1 LVCMDQ0_BASE */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x0030), 4); /* CMDQ_ERR_MAP3 */
	ASSERT_EQ(vsmmu_cmdqv_reg_width(0x0040), 0); /* reserved */
}
