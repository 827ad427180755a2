// SPDX-License-Identifier: MIT
/*
 * Unit tests of the translate verb's parsers (tools/vsmmu/query.c): the
 * query line, --reg NAME=VALUE and --mem FILE[@ADDR].  The parsers live
 * with the tool, which the test binary does not link, so the source is
 * included here (it is pure: no I/O, no globals).
 */
#include <errno.h>

#include <vsmmu/bits.h>

#include "harness.h"

#include "../tools/vsmmu/query.c"

static struct vsmmu_txn poison_txn(void)
{
	struct vsmmu_txn t;

	memset(&t, 0xa5, sizeof(t));
	return t;
}

static int parse(const char *s, struct vsmmu_txn *t)
{
	char err[128];

	return vsmmu_query_parse(s, t, err, sizeof(err));
}

TEST(query_parse_basic)
{
	struct vsmmu_txn t = poison_txn();

	ASSERT_OK(parse("0x10 - 0xffffb000 r", &t));
	ASSERT_EQ(t.sid, 0x10);
	ASSERT_FALSE(t.ssv);
	ASSERT_EQ(t.addr, 0xffffb000);
	ASSERT_EQ(t.flags, VSMMU_TXN_READ);
}

TEST(query_parse_decimal_and_ssid)
{
	struct vsmmu_txn t = poison_txn();

	/* Decimal everywhere; a leading 0 is still decimal, not octal. */
	ASSERT_OK(parse("16 010 4096 wp", &t));
	ASSERT_EQ(t.sid, 16);
	ASSERT_TRUE(t.ssv);
	ASSERT_EQ(t.ssid, 10);
	ASSERT_EQ(t.addr, 4096);
	ASSERT_EQ(t.flags, VSMMU_TXN_WRITE | VSMMU_TXN_PRIV);
}

TEST(query_parse_access_kinds)
{
	static const struct {
		const char *acc;
		unsigned int flags;
	} v[] = {
		{ "r", VSMMU_TXN_READ },
		{ "w", VSMMU_TXN_WRITE },
		{ "x", VSMMU_TXN_EXEC },
		{ "rp", VSMMU_TXN_READ | VSMMU_TXN_PRIV },
		{ "wp", VSMMU_TXN_WRITE | VSMMU_TXN_PRIV },
		{ "xp", VSMMU_TXN_EXEC | VSMMU_TXN_PRIV },
	};
	char line[64];
	size_t i;

	for (i = 0; i < VS_ARRAY_SIZE(v); i++) {
		struct vsmmu_txn t = poison_txn();

		snprintf(line, sizeof(line), "1 2 3 %s", v[i].acc);
		ASSERT_OK(parse(line, &t));
		ASSERT_EQ(t.flags, v[i].flags);
		ASSERT_STREQ(vsmmu_query_access_str(t.flags), v[i].acc);
	}
}

TEST(query_parse_blanks)
{
	struct vsmmu_txn t = poison_txn();

	ASSERT_OK(parse("\t 0X1F\t-   0xAbC  x \r\n", &t));
	ASSERT_EQ(t.sid, 0x1f);
	ASSERT_EQ(t.addr, 0xabc);
	ASSERT_EQ(t.flags, VSMMU_TXN_EXEC);
}

TEST(query_parse_limits)
{
	struct vsmmu_txn t = poison_txn();

	/* SID is 32 bits, SSID 20 bits (2^20 - 1 = 0xfffff), IOVA 64 bits */
	ASSERT_OK(parse("0xffffffff 0xfffff 0xffffffffffffffff r", &t));
	ASSERT_EQ(t.sid, 0xffffffffu);
	ASSERT_EQ(t.ssid, 0xfffff);
	ASSERT_EQ(t.addr, UINT64_MAX);
	ASSERT_OK(parse("4294967295 1048575 18446744073709551615 r", &t));
	ASSERT_EQ(t.sid, 0xffffffffu);
	ASSERT_EQ(t.ssid, 0xfffff);
	ASSERT_EQ(t.addr, UINT64_MAX);

	ASSERT_EQ(parse("0x100000000 - 0 r", &t), -ERANGE);
	ASSERT_EQ(parse("4294967296 - 0 r", &t), -ERANGE);
	ASSERT_EQ(parse("0 0x100000 0 r", &t), -ERANGE);
	ASSERT_EQ(parse("0 1048576 0 r", &t), -ERANGE);
	ASSERT_EQ(parse("0 - 0x10000000000000000 r", &t), -ERANGE);
	ASSERT_EQ(parse("0 - 18446744073709551616 r", &t), -ERANGE);
	ASSERT_EQ(parse("0 - 99999999999999999999999 r", &t), -ERANGE);
}

TEST(query_parse_rejects)
{
	static const char *const bad[] = {
		"",
		"   \t",
		"0x10",
		"0x10 - 0x1000",
		"0x10 - 0x1000 r extra",
		"0x10 - 0x1000 r#comment",
		"0x10#c - 0x1000 r",
		"0x10 - 0x1000 q",
		"0x10 - 0x1000 rr",
		"0x10 - 0x1000 pr",
		"0x10 - 0x1000 p",
		"0x10 - 0x1000 rpp",
		"0x10 - 0x1000 R",
		"0xg - 0 r",
		"0x - 0 r",
		"-1 - 0 r",
		"+1 - 0 r",
		"1.0 - 0 r",
		"0x10 -- 0 r",
		"0x10 x 0 r",
		"0x10 - 0x1000r r",
		"0x10,- 0x1000 r",
		"0x10 - 0x1_000 r",
	};
	size_t i;

	for (i = 0; i < VS_ARRAY_SIZE(bad); i++) {
		struct vsmmu_txn t = poison_txn(), p = poison_txn();
		int ret = parse(bad[i], &t);

		if (ret != -EINVAL && ret != -ERANGE) {
			vt_fail(__FILE__, __LINE__, "accepted \"%s\" (%d)",
				bad[i], ret);
			return;
		}
		/* A failed parse leaves the transaction alone. */
		ASSERT_TRUE(!memcmp(&t, &p, sizeof(t)));
	}
}

/*
 * A trailing "# comment" (a '#' at the start or after a blank) ends a
 * query line, as whole-line comments always did.  It used to be
 * "trailing garbage".
 */
TEST(query_parse_trailing_comment)
{
	struct vsmmu_txn t;
	char err[128];

	ASSERT_OK(vsmmu_query_parse("0x10 - 0x1000 r # the first page", &t, err,
				    sizeof(err)));
	ASSERT_EQ(t.sid, 0x10);
	ASSERT_EQ(t.addr, 0x1000);
	ASSERT_EQ(t.flags, VSMMU_TXN_READ);
	ASSERT_OK(vsmmu_query_parse("1 2 3 wp\t#x\n", &t, err, sizeof(err)));
	ASSERT_EQ(t.flags, VSMMU_TXN_WRITE | VSMMU_TXN_PRIV);
	ASSERT_TRUE(vsmmu_query_is_blank("   # only a comment"));
	ASSERT_FALSE(vsmmu_query_is_blank("1 - 0 r # not blank"));
	ASSERT_EQ(vsmmu_query_parse("1 - 0 r junk # c", &t, err, sizeof(err)),
		  -EINVAL);
	ASSERT_STREQ(err, "trailing garbage 'junk'");
	ASSERT_EQ(vsmmu_query_parse("# 1 - 0 r", &t, err, sizeof(err)),
		  -EINVAL);
	ASSERT_EQ(vsmmu_strip_comment("a b#c # d"), 6);
}

/* One number syntax: 0x hex or decimal, and a message that says which. */
TEST(query_number_messages)
{
	struct vsmmu_txn t;
	char err[128];

	ASSERT_EQ(vsmmu_query_parse("ff - 0 r", &t, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err,
		     "SID 'ff' is not a number: hexadecimal needs 0x (0xff)");
	ASSERT_EQ(vsmmu_query_parse("1 - 12z r", &t, err, sizeof(err)),
		  -EINVAL);
	ASSERT_STREQ(err, "IOVA '12z' is not a number (decimal, or "
			  "hexadecimal with 0x)");
	/* "10" is ten in every verb */
	ASSERT_OK(vsmmu_query_parse("10 - 10 r", &t, err, sizeof(err)));
	ASSERT_EQ(t.sid, 10);
	ASSERT_EQ(t.addr, 10);
}

TEST(query_parse_messages)
{
	struct vsmmu_txn t;
	char err[128];
	size_t i;

	ASSERT_EQ(vsmmu_query_parse("0x10 - 0x1000 r extra junk", &t, err,
				    sizeof(err)),
		  -EINVAL);
	ASSERT_STREQ(err, "trailing garbage 'extra junk'");
	ASSERT_EQ(vsmmu_query_parse("0x10 - 0x1000 r junk \r\n", &t, err,
				    sizeof(err)),
		  -EINVAL);
	ASSERT_STREQ(err, "trailing garbage 'junk'");
	ASSERT_EQ(vsmmu_query_parse("0x10 - 0x1000", &t, err, sizeof(err)),
		  -EINVAL);
	ASSERT_STREQ(err, "expected 4 fields (SID SSID IOVA ACCESS), got 3");
	ASSERT_EQ(vsmmu_query_parse("0x10 0x100000 0 r", &t, err, sizeof(err)),
		  -ERANGE);
	ASSERT_STREQ(err, "SSID '0x100000' does not fit in 20 bits");
	ASSERT_EQ(vsmmu_query_parse("1 - 2 rw", &t, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "bad access 'rw': expected r, w, x, rp, wp or xp");

	/* Quoted input is made printable, and JSON-safe, and shortened. */
	ASSERT_EQ(vsmmu_query_parse("\x01\"\\\xff - 0 r", &t, err, sizeof(err)),
		  -EINVAL);
	for (i = 0; err[i]; i++)
		ASSERT_TRUE(err[i] >= 0x20 && err[i] < 0x7f);
	ASSERT_TRUE(strstr(err, "'?"
				"?"
				"?"
				"?'") != NULL);
	ASSERT_EQ(vsmmu_query_parse(
			  "1 - 0x1234567890123456789012345678901234567890 r",
			  &t, err, sizeof(err)),
		  -ERANGE);
	ASSERT_TRUE(strstr(err, "...'") != NULL);

	/* A tiny error buffer is truncated, never overrun. */
	memset(err, 'Z', sizeof(err));
	ASSERT_EQ(vsmmu_query_parse("x", &t, err, 4), -EINVAL);
	ASSERT_EQ(strlen(err), 3);
	ASSERT_EQ(err[4], 'Z');
	ASSERT_EQ(vsmmu_query_parse("x", &t, NULL, 0), -EINVAL);
}

TEST(query_is_blank)
{
	ASSERT_TRUE(vsmmu_query_is_blank(""));
	ASSERT_TRUE(vsmmu_query_is_blank(" \t\r\n"));
	ASSERT_TRUE(vsmmu_query_is_blank("# comment"));
	ASSERT_TRUE(vsmmu_query_is_blank("   #0x10 - 0 r"));
	ASSERT_FALSE(vsmmu_query_is_blank("0x10 - 0 r"));
	ASSERT_FALSE(vsmmu_query_is_blank(" x#"));
}

TEST(query_format_roundtrip)
{
	struct vsmmu_txn t = { .sid = 0xffffffffu,
			       .ssid = 0xfffff,
			       .ssv = true,
			       .addr = UINT64_MAX,
			       .flags = VSMMU_TXN_EXEC | VSMMU_TXN_PRIV };
	struct vsmmu_txn back = poison_txn();
	char buf[VSMMU_QUERY_FMT_MAX];
	int n;

	n = vsmmu_query_format(&t, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0xffffffff 0xfffff 0xffffffffffffffff xp");
	ASSERT_EQ(n, strlen(buf));
	ASSERT_OK(parse(buf, &back));
	ASSERT_EQ(back.sid, t.sid);
	ASSERT_EQ(back.ssid, t.ssid);
	ASSERT_TRUE(back.ssv);
	ASSERT_EQ(back.addr, t.addr);
	ASSERT_EQ(back.flags, t.flags);

	t.ssv = false;
	t.flags = VSMMU_TXN_READ;
	t.addr = 0;
	vsmmu_query_format(&t, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0xffffffff - 0x0 r");

	ASSERT_EQ(vsmmu_query_format(&t, buf, 5), -ENOSPC);
	t.flags = VSMMU_TXN_READ | VSMMU_TXN_WRITE;
	ASSERT_EQ(vsmmu_query_format(&t, buf, sizeof(buf)), -EINVAL);
	t.flags = VSMMU_TXN_READ;
	t.ssv = true;
	t.ssid = 0x100000;
	ASSERT_EQ(vsmmu_query_format(&t, buf, sizeof(buf)), -EINVAL);
}

TEST(query_parse_u64)
{
	uint64_t v = 7;

	ASSERT_OK(vsmmu_parse_u64("0", 1, 0, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(vsmmu_parse_u64("0x0", 3, 0, &v));
	ASSERT_EQ(v, 0);
	ASSERT_EQ(vsmmu_parse_u64("1", 1, 0, &v), -ERANGE);
	ASSERT_OK(vsmmu_parse_u64("0X1f", 4, 31, &v));
	ASSERT_EQ(v, 31);
	/* The length bounds the scan: "12" of "123" */
	ASSERT_OK(vsmmu_parse_u64("123", 2, UINT64_MAX, &v));
	ASSERT_EQ(v, 12);
	ASSERT_EQ(vsmmu_parse_u64("", 0, UINT64_MAX, &v), -EINVAL);
	ASSERT_EQ(vsmmu_parse_u64("0x", 2, UINT64_MAX, &v), -EINVAL);
	ASSERT_EQ(vsmmu_parse_u64(" 1", 2, UINT64_MAX, &v), -EINVAL);
	/* Overflow, then a bad digit: still "not a number" */
	ASSERT_EQ(vsmmu_parse_u64("0x100000000000000000g", 21, UINT64_MAX, &v),
		  -EINVAL);
}

TEST(query_reg_arg)
{
	struct vsmmu_reg_arg r;
	char err[128];

	/* Offsets from the SMMUv3 register map: STRTAB_BASE 0x80 (64-bit),
	 * STRTAB_BASE_CFG 0x88, CR0 0x20, IDR5 0x14 (32-bit). */
	ASSERT_OK(vsmmu_reg_arg_parse("STRTAB_BASE=0x100000", &r, err,
				      sizeof(err)));
	ASSERT_EQ(r.offset, 0x80);
	ASSERT_EQ(r.size, 8);
	ASSERT_EQ(r.value, 0x100000);
	ASSERT_OK(vsmmu_reg_arg_parse("smmu_strtab_base_cfg=66064", &r, err,
				      sizeof(err)));
	ASSERT_EQ(r.offset, 0x88);
	ASSERT_EQ(r.size, 4);
	ASSERT_EQ(r.value, 0x10210);
	ASSERT_OK(vsmmu_reg_arg_parse("Cr0=1", &r, err, sizeof(err)));
	ASSERT_EQ(r.offset, 0x20);
	ASSERT_EQ(r.value, 1);
	ASSERT_OK(vsmmu_reg_arg_parse("IDR5=0xffffffff", &r, err, sizeof(err)));
	ASSERT_EQ(r.offset, 0x14);
	ASSERT_EQ(r.value, 0xffffffff);
	ASSERT_OK(vsmmu_reg_arg_parse("STRTAB_BASE=0xffffffffffffffff", &r, err,
				      sizeof(err)));
	ASSERT_EQ(r.value, UINT64_MAX);

	ASSERT_EQ(vsmmu_reg_arg_parse("CR0=0x100000000", &r, err, sizeof(err)),
		  -ERANGE);
	ASSERT_STREQ(err,
		     "value '0x100000000' does not fit in 32-bit register CR0");
	ASSERT_EQ(vsmmu_reg_arg_parse("BOGUS=1", &r, err, sizeof(err)),
		  -EINVAL);
	ASSERT_STREQ(err, "unknown register 'BOGUS'");
	ASSERT_EQ(vsmmu_reg_arg_parse("CR0", &r, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_reg_arg_parse("=1", &r, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_reg_arg_parse("CR0=", &r, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_reg_arg_parse("CR0=1 ", &r, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_reg_arg_parse(" CR0=1", &r, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_reg_arg_parse("CR0=1=2", &r, err, sizeof(err)),
		  -EINVAL);
	ASSERT_EQ(
		vsmmu_reg_arg_parse("A_REGISTER_NAME_FAR_TOO_LONG_TO_BE_REAL=1",
				    &r, err, sizeof(err)),
		-EINVAL);
}

TEST(query_mem_arg)
{
	struct vsmmu_mem_arg m;
	char err[128];

	ASSERT_OK(vsmmu_mem_arg_parse("d.elf", &m, err, sizeof(err)));
	ASSERT_EQ(m.path_len, 5);
	ASSERT_FALSE(m.has_addr);
	ASSERT_OK(vsmmu_mem_arg_parse("raw.bin@0x40000", &m, err, sizeof(err)));
	ASSERT_EQ(m.path_len, 7);
	ASSERT_TRUE(m.has_addr);
	ASSERT_EQ(m.addr, 0x40000);
	/* The last '@' splits; what follows it is an address only when it
	 * starts with a digit. */
	ASSERT_OK(vsmmu_mem_arg_parse("a@b@4096", &m, err, sizeof(err)));
	ASSERT_EQ(m.path_len, 3);
	ASSERT_EQ(m.addr, 4096);
	ASSERT_OK(vsmmu_mem_arg_parse("dump@host.elf", &m, err, sizeof(err)));
	ASSERT_EQ(m.path_len, 13);
	ASSERT_FALSE(m.has_addr);
	/* 2^52 - 1 is the top of the physical address space */
	ASSERT_OK(
		vsmmu_mem_arg_parse("f@0xfffffffffffff", &m, err, sizeof(err)));
	ASSERT_EQ(m.addr, 0xfffffffffffffULL);

	ASSERT_EQ(vsmmu_mem_arg_parse("f@0x10000000000000", &m, err,
				      sizeof(err)),
		  -ERANGE);
	ASSERT_EQ(vsmmu_mem_arg_parse("", &m, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_mem_arg_parse("f@", &m, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(vsmmu_mem_arg_parse("@0x1000", &m, err, sizeof(err)),
		  -EINVAL);
	ASSERT_EQ(vsmmu_mem_arg_parse("f@0xzz", &m, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "bad load address '0xzz': expected a number");
	ASSERT_EQ(vsmmu_mem_arg_parse("f@12k", &m, err, sizeof(err)), -EINVAL);
}
