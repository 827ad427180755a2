// SPDX-License-Identifier: MIT
/*
 * Parsers for the translate verb's queries and its --reg / --mem
 * arguments.  See query.h.  Everything here works on caller-provided
 * strings and buffers only, so the fuzzer and the unit tests can include
 * this file directly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <vsmmu/arch.h>
#include <vsmmu/decode.h>
#include <vsmmu/mem.h>

#include "query.h"

/* Longest token quoted back in an error message. */
#define QUOTE_MAX 24

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Copy @s[0..@len) into @q for an error message: at most QUOTE_MAX
 * characters, anything but printable ASCII (and the quote and backslash,
 * which would need escaping in JSON) shown as '?'.
 */
static void quote(char *q, size_t qlen, const char *s, size_t len)
{
	size_t i, n = len > QUOTE_MAX ? QUOTE_MAX : len;

	if (!qlen)
		return;
	if (n > qlen - 1)
		n = qlen - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		q[i] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ?
			       (char)c :
			       '?';
	}
	q[n] = '\0';
	if (len > n && n >= 3)
		memcpy(q + n - 3, "...", 3);
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int vsmmu_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool range = false;
	size_t i = 0;
	unsigned int base = 10;

	if (!s || !len)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < len; i++) {
		int d = base == 16 ? hex_val(s[i]) :
				     (is_digit(s[i]) ? s[i] - '0' : -1);

		if (d < 0)
			return -EINVAL;
		/* Keep scanning after an overflow: "1x" is still not a number. */
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			range = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (range || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

void vsmmu_number_error(int ret, const char *s, size_t len, unsigned int bits,
			char *err, size_t errlen)
{
	char q[QUOTE_MAX + 1];
	bool hexish = len > 0, letter = false;
	size_t i;

	quote(q, sizeof(q), s, len);
	if (ret == -ERANGE) {
		if (bits)
			fail(err, errlen, "'%s' does not fit in %u bits", q,
			     bits);
		else
			fail(err, errlen, "'%s' is too large", q);
		return;
	}
	for (i = 0; i < len; i++) {
		if (hex_val(s[i]) < 0)
			hexish = false;
		else if (!is_digit(s[i]))
			letter = true;
	}
	if (hexish && letter && len <= 16)
		fail(err, errlen,
		     "'%s' is not a number: hexadecimal needs 0x (0x%s)", q, q);
	else
		fail(err, errlen,
		     "'%s' is not a number (decimal, or hexadecimal with 0x)",
		     q);
}

size_t vsmmu_strip_comment(const char *line)
{
	size_t i;

	for (i = 0; line[i]; i++)
		if (line[i] == '#' && (i == 0 || is_blank(line[i - 1])))
			break;
	return i;
}

bool vsmmu_query_is_blank(const char *line)
{
	size_t n = vsmmu_strip_comment(line), i;

	for (i = 0; i < n; i++)
		if (!is_blank(line[i]))
			return false;
	return true;
}

/*
 * Split @line into up to @max blank-separated tokens, up to a trailing
 * "# comment"; return how many.
 */
static size_t tokenize(const char *line, const char **tok, size_t *tlen,
		       size_t max)
{
	const char *end = line + vsmmu_strip_comment(line);
	size_t n = 0;

	for (;;) {
		const char *start;

		while (line < end && is_blank(*line))
			line++;
		if (line == end)
			return n;
		start = line;
		while (line < end && !is_blank(*line))
			line++;
		if (n == max)
			return n + 1; /* more than max: caller reports it */
		tok[n] = start;
		tlen[n] = (size_t)(line - start);
		n++;
	}
}

static int parse_field(const char *what, const char *s, size_t len,
		       uint64_t max, unsigned int bits, uint64_t *v, char *err,
		       size_t errlen)
{
	char why[96];
	int ret = vsmmu_parse_u64(s, len, max, v);

	if (!ret)
		return 0;
	vsmmu_number_error(ret, s, len, bits, why, sizeof(why));
	fail(err, errlen, "%s %s", what, why);
	return ret == -ERANGE ? -ERANGE : -EINVAL;
}

int vsmmu_query_parse(const char *line, struct vsmmu_txn *txn, char *err,
		      size_t errlen)
{
	const char *tok[4];
	size_t tlen[4], n;
	uint64_t sid, ssid = 0, iova;
	unsigned int flags;
	const char *a;
	char q[QUOTE_MAX + 1];
	int ret;

	if (!line)
		return fail(err, errlen, "no query");
	n = tokenize(line, tok, tlen, 4);
	if (n == 0)
		return fail(err, errlen, "empty query");
	if (n < 4)
		return fail(err, errlen,
			    "expected 4 fields (SID SSID IOVA ACCESS), got %zu",
			    n);
	if (n > 4) {
		const char *extra = tok[3] + tlen[3];
		size_t elen;

		while (is_blank(*extra))
			extra++;
		elen = vsmmu_strip_comment(extra);
		while (elen && is_blank(extra[elen - 1]))
			elen--;
		quote(q, sizeof(q), extra, elen);
		return fail(err, errlen, "trailing garbage '%s'", q);
	}

	ret = parse_field("SID", tok[0], tlen[0], VSMMU_QUERY_SID_MAX, 32, &sid,
			  err, errlen);
	if (ret)
		return ret;
	if (!(tlen[1] == 1 && tok[1][0] == '-')) {
		ret = parse_field("SSID", tok[1], tlen[1], VSMMU_QUERY_SSID_MAX,
				  20, &ssid, err, errlen);
		if (ret)
			return ret;
	}
	ret = parse_field("IOVA", tok[2], tlen[2], UINT64_MAX, 64, &iova, err,
			  errlen);
	if (ret)
		return ret;

	a = tok[3];
	flags = 0;
	if (tlen[3] == 2 && a[1] == 'p')
		flags = VSMMU_TXN_PRIV;
	else if (tlen[3] != 1)
		a = NULL;
	if (a) {
		switch (a[0]) {
		case 'r':
			flags |= VSMMU_TXN_READ;
			break;
		case 'w':
			flags |= VSMMU_TXN_WRITE;
			break;
		case 'x':
			flags |= VSMMU_TXN_EXEC;
			break;
		default:
			a = NULL;
		}
	}
	if (!a) {
		quote(q, sizeof(q), tok[3], tlen[3]);
		return fail(err, errlen,
			    "bad access '%s': expected r, w, x, rp, wp or xp",
			    q);
	}

	txn->sid = (uint32_t)sid;
	txn->ssv = !(tlen[1] == 1 && tok[1][0] == '-');
	txn->ssid = (uint32_t)ssid;
	txn->addr = iova;
	txn->flags = flags;
	return 0;
}

const char *vsmmu_query_access_str(unsigned int flags)
{
	bool priv = flags & VSMMU_TXN_PRIV;

	switch (flags & ~VSMMU_TXN_PRIV) {
	case VSMMU_TXN_READ:
		return priv ? "rp" : "r";
	case VSMMU_TXN_WRITE:
		return priv ? "wp" : "w";
	case VSMMU_TXN_EXEC:
		return priv ? "xp" : "x";
	default:
		return "?";
	}
}

int vsmmu_query_format(const struct vsmmu_txn *txn, char *buf, size_t len)
{
	const char *acc = vsmmu_query_access_str(txn->flags);
	char ssid[16];
	int n;

	if (acc[0] == '?' || (txn->ssv && txn->ssid > VSMMU_QUERY_SSID_MAX))
		return -EINVAL;
	if (txn->ssv)
		snprintf(ssid, sizeof(ssid), "0x%x", txn->ssid);
	else
		strcpy(ssid, "-");
	n = snprintf(buf, len, "0x%x %s 0x%llx %s", txn->sid, ssid,
		     (unsigned long long)txn->addr, acc);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* Looking a field up by name in the decoder's table of a register. */
struct field_find {
	const char *name;
	size_t len;
	unsigned int hi, lo;
	bool found, in_place;
	char spec[24]; /* the decoder's spelling */
};

static int field_find_fn(void *arg, const struct vsmmu_field *f)
{
	struct field_find *ff = arg;
	uint64_t mask;

	if (strlen(f->name) != ff->len ||
	    strncasecmp(f->name, ff->name, ff->len))
		return 0;
	ff->found = true;
	ff->hi = f->hi;
	ff->lo = f->lo;
	/*
	 * Decoded with every bit set: an address field reports its bits in
	 * place (the address), any other field its value shifted down.
	 */
	mask = VS_GENMASK(f->hi, f->lo);
	ff->in_place = f->lo && f->value == mask;
	snprintf(ff->spec, sizeof(ff->spec), "%s", f->name);
	return 1;
}

/* Comma-separated field names of a register, for an error message. */
struct field_names {
	char *buf;
	size_t len, used;
};

static int field_names_fn(void *arg, const struct vsmmu_field *f)
{
	struct field_names *fn = arg;
	int n;

	if (fn->used >= fn->len)
		return 1;
	n = snprintf(fn->buf + fn->used, fn->len - fn->used, "%s%s",
		     fn->used ? ", " : "", f->name);
	if (n > 0)
		fn->used += (size_t)n;
	return 0;
}

int vsmmu_reg_arg_parse(const char *arg, struct vsmmu_reg_arg *out, char *err,
			size_t errlen)
{
	const char *eq, *dot;
	char name[32], q[QUOTE_MAX + 1], why[96];
	size_t nlen, vlen;
	uint64_t off, val, max;
	unsigned int size;
	struct field_find ff = { 0 };
	int ret;

	if (!arg)
		return fail(err, errlen, "no register");
	eq = strchr(arg, '=');
	if (!eq)
		return fail(err, errlen,
			    "expected NAME=VALUE or NAME.FIELD=VALUE, e.g. "
			    "CR0=1 or IDR3.RIL=0");
	dot = memchr(arg, '.', (size_t)(eq - arg));
	nlen = (size_t)((dot ? dot : eq) - arg);
	if (!nlen)
		return fail(err, errlen, "missing register name before '%c'",
			    dot ? '.' : '=');
	quote(q, sizeof(q), arg, nlen);
	if (nlen >= sizeof(name))
		return fail(err, errlen, "unknown register '%s'", q);
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (vsmmu_reg_lookup(name, &off, &size) || (size != 4 && size != 8))
		return fail(err, errlen, "unknown register '%s'", q);
	max = size == 4 ? UINT32_MAX : UINT64_MAX;
	out->mask = max;
	out->field[0] = '\0';
	if (dot) {
		char fq[QUOTE_MAX + 1];

		ff.name = dot + 1;
		ff.len = (size_t)(eq - dot - 1);
		quote(fq, sizeof(fq), ff.name, ff.len);
		if (!ff.len)
			return fail(err, errlen,
				    "missing field name after '%s.'", q);
		vsmmu_decode_reg(off, max, field_find_fn, &ff);
		if (!ff.found) {
			char list[160] = "";
			struct field_names fn = { list, sizeof(list), 0 };

			vsmmu_decode_reg(off, 0, field_names_fn, &fn);
			if (!list[0])
				return fail(err, errlen,
					    "%s has no named fields: give its "
					    "whole value, %s=VALUE",
					    vsmmu_reg_name(off), q);
			return fail(err, errlen,
				    "%s has no field '%s' (it has %s)",
				    vsmmu_reg_name(off), fq, list);
		}
		out->mask = VS_GENMASK(ff.hi, ff.lo);
		snprintf(out->field, sizeof(out->field), "%s", ff.spec);
		max = ff.in_place ? out->mask : out->mask >> ff.lo;
	}

	vlen = strlen(eq + 1);
	ret = vsmmu_parse_u64(
		eq + 1, vlen,
		ff.in_place ? max | (ff.lo ? (1ULL << ff.lo) - 1 : 0) : max,
		&val);
	if (!ret && ff.in_place && (val & ~out->mask))
		ret = -EDOM;
	if (ret) {
		char qv[QUOTE_MAX + 1];

		quote(qv, sizeof(qv), eq + 1, vlen);
		if (ret == -EDOM) {
			fail(err, errlen,
			     "%s.%s=%s: an address in bits [%u:%u], so a "
			     "multiple of 0x%llx",
			     vsmmu_reg_name(off), ff.spec, qv, ff.hi, ff.lo,
			     1ULL << ff.lo);
			return -ERANGE;
		}
		if (ret == -ERANGE && dot) {
			fail(err, errlen,
			     "%s.%s=%s: the field is %u bit%s wide [%u:%u]",
			     vsmmu_reg_name(off), ff.spec, qv,
			     ff.hi - ff.lo + 1, ff.hi == ff.lo ? "" : "s",
			     ff.hi, ff.lo);
			return -ERANGE;
		}
		if (ret == -ERANGE) {
			fail(err, errlen,
			     "value '%s' does not fit in %u-bit register %s",
			     qv, size * 8, q);
			return -ERANGE;
		}
		vsmmu_number_error(ret, eq + 1, vlen, 0, why, sizeof(why));
		return fail(err, errlen, "%s: %s", q, why);
	}
	out->offset = off;
	out->size = size;
	out->value = dot && !ff.in_place ? val << ff.lo : val;
	out->name = vsmmu_reg_name(off);
	return 0;
}

/* --- Named SMMU properties ------------------------------------------------ */

enum knob_kind {
	K_BOOL, /* on|off into the field */
	K_NUM, /* a number min..max into the field */
	K_ENUM, /* one of names[] -> vals[] */
	K_STAGES,
	K_EXEC,
};

struct knob {
	const char *name;
	enum knob_kind kind;
	unsigned int idr; /* which IDR */
	uint32_t mask;
	uint64_t min, max;
	const char *const *names; /* K_ENUM: NULL-terminated */
	const unsigned int *vals;
};

static const char *const oas_names[] = { "32", "36", "40", "42",
					 "44", "48", "52", NULL };
static const unsigned int oas_vals[] = { 0, 1, 2, 3, 4, 5, 6 };
static const char *const httu_names[] = { "off", "a", "ad", NULL };
static const unsigned int httu_vals[] = { 0, IDR0_HTTU_ACCESS,
					  IDR0_HTTU_ACCESS_DIRTY };
static const char *const st_names[] = { "linear", "2lvl", NULL };
static const unsigned int st_vals[] = { 0, IDR0_ST_LVL_2LVL };
static const char *const bits_names[] = { "8", "16", NULL };
static const unsigned int bits_vals[] = { 0, 1 };

#define KB(n, r, m)                                           \
	{                                                     \
		n, K_BOOL, r, (uint32_t)(m), 0, 1, NULL, NULL \
	}
#define KN(n, r, m, lo, hi)                                    \
	{                                                      \
		n, K_NUM, r, (uint32_t)(m), lo, hi, NULL, NULL \
	}
#define KE(n, r, m, t)                                                 \
	{                                                              \
		n, K_ENUM, r, (uint32_t)(m), 0, 0, t##_names, t##_vals \
	}

static const struct knob knobs[] = {
	{ "stages", K_STAGES, 0, 0, 0, 0, NULL, NULL },
	KB("ril", 3, IDR3_RIL),
	KB("ats", 0, IDR0_ATS),
	KB("pri", 0, IDR0_PRI),
	KB("msi", 0, IDR0_MSI),
	KB("sev", 0, IDR0_SEV),
	KB("btm", 0, IDR0_BTM),
	KB("hyp", 0, IDR0_HYP),
	KB("cd2l", 0, IDR0_CD2L),
	KE("httu", 0, IDR0_HTTU, httu),
	KE("st", 0, IDR0_ST_LVL, st),
	KE("asidbits", 0, IDR0_ASID16, bits),
	KE("vmidbits", 0, IDR0_VMID16, bits),
	KE("oas", 5, IDR5_OAS, oas),
	KB("gran4k", 5, IDR5_GRAN4K),
	KB("gran16k", 5, IDR5_GRAN16K),
	KB("gran64k", 5, IDR5_GRAN64K),
	KN("sidsize", 1, IDR1_SIDSIZE, 0, 32),
	KN("ssidsize", 1, IDR1_SSIDSIZE, 0, 20),
	KN("cmdqs", 1, IDR1_CMDQS, 0, 19),
	KN("eventqs", 1, IDR1_EVTQS, 0, 19),
	KN("priqs", 1, IDR1_PRIQS, 0, 19),
	{ "exec", K_EXEC, 0, 0, 0, 0, NULL, NULL },
};

static int parse_bool(const char *v, size_t len, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };
	size_t i;

	for (i = 0; i < VS_ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == len && !strncasecmp(v, yes[i], len)) {
			*out = true;
			return 0;
		}
		if (strlen(no[i]) == len && !strncasecmp(v, no[i], len)) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static bool tok_is(const char *v, size_t len, const char *word)
{
	return strlen(word) == len && !strncasecmp(v, word, len);
}

/* "a, b or c" for an error message. */
static void list_names(char *buf, size_t len, const char *const *names)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; names[i] && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s",
				 !i	      ? "" :
				 names[i + 1] ? ", " :
						" or ",
				 names[i]);
		if (n > 0)
			used += (size_t)n;
	}
}

static int apply_knob(const struct knob *k, const char *v, size_t vlen,
		      struct vsmmu_smmu_config *cfg, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 1], list[96], why[96];
	uint32_t *reg = &cfg->idr[k->idr];
	uint64_t n;
	bool b;
	size_t i;

	quote(q, sizeof(q), v, vlen);
	switch (k->kind) {
	case K_BOOL:
		if (parse_bool(v, vlen, &b))
			return fail(err, errlen, "%s=%s: expected on or off",
				    k->name, q);
		*reg = b ? *reg | k->mask : *reg & ~k->mask;
		return 0;
	case K_NUM:
		if (vsmmu_parse_u64(v, vlen, k->max, &n) || n < k->min) {
			int r = vsmmu_parse_u64(v, vlen, UINT64_MAX, &n);

			if (r) {
				vsmmu_number_error(r, v, vlen, 0, why,
						   sizeof(why));
				return fail(err, errlen, "%s=%s", k->name, why);
			}
			return fail(err, errlen, "%s=%s: expected %llu to %llu",
				    k->name, q, (unsigned long long)k->min,
				    (unsigned long long)k->max);
		}
		*reg = (*reg & ~k->mask) |
		       (uint32_t)VS_FIELD_PREP((uint64_t)k->mask, n);
		return 0;
	case K_ENUM:
		for (i = 0; k->names[i]; i++) {
			if (!tok_is(v, vlen, k->names[i]))
				continue;
			*reg = (*reg & ~k->mask) |
			       (uint32_t)VS_FIELD_PREP((uint64_t)k->mask,
						       k->vals[i]);
			return 0;
		}
		list_names(list, sizeof(list), k->names);
		return fail(err, errlen, "%s=%s: expected %s", k->name, q,
			    list);
	case K_STAGES:
		cfg->idr[0] &= ~(uint32_t)(IDR0_S1P | IDR0_S2P);
		if (tok_is(v, vlen, "s1"))
			cfg->idr[0] |= IDR0_S1P;
		else if (tok_is(v, vlen, "s2"))
			cfg->idr[0] |= IDR0_S2P;
		else if (tok_is(v, vlen, "s1s2") || tok_is(v, vlen, "nested"))
			cfg->idr[0] |= IDR0_S1P | IDR0_S2P;
		else
			return fail(err, errlen,
				    "stages=%s: expected s1, s2 or s1s2 "
				    "(nested)",
				    q);
		return 0;
	case K_EXEC:
		if (tok_is(v, vlen, "sync"))
			cfg->exec = VSMMU_EXEC_SYNC;
		else if (tok_is(v, vlen, "thread"))
			cfg->exec = VSMMU_EXEC_THREAD;
		else
			return fail(err, errlen,
				    "exec=%s: expected sync or thread", q);
		return 0;
	}
	return -EINVAL;
}

/*
 * Walk "a=1,b=2": call @fn for each item with its name and value.  Empty
 * items (",,") are an error: they are always a typo.
 */
typedef int item_fn(void *arg, const char *name, size_t nlen, const char *val,
		    size_t vlen, char *err, size_t errlen);

static int for_each_item(const char *arg, item_fn *fn, void *farg, char *err,
			 size_t errlen)
{
	const char *p = arg;

	if (!arg)
		return fail(err, errlen, "no properties");
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char q[QUOTE_MAX + 1];
		int ret;

		if (!len) {
			quote(q, sizeof(q), arg, strlen(arg));
			return fail(err, errlen, "empty property in '%s'", q);
		}
		quote(q, sizeof(q), p, len);
		if (!eq || eq == p)
			return fail(err, errlen, "'%s': expected NAME=VALUE",
				    q);
		ret = fn(farg, p, (size_t)(eq - p), eq + 1,
			 len - (size_t)(eq - p) - 1, err, errlen);
		if (ret)
			return ret;
		if (!end)
			return 0;
		p = end + 1;
	}
}

static int smmu_item(void *arg, const char *name, size_t nlen, const char *val,
		     size_t vlen, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 1], list[320];
	size_t i, used = 0;

	for (i = 0; i < VS_ARRAY_SIZE(knobs); i++)
		if (tok_is(name, nlen, knobs[i].name))
			return apply_knob(&knobs[i], val, vlen, arg, err,
					  errlen);
	for (i = 0; i < VS_ARRAY_SIZE(knobs) && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "", knobs[i].name);
		if (n > 0)
			used += (size_t)n;
	}
	quote(q, sizeof(q), name, nlen);
	return fail(err, errlen, "unknown SMMU property '%s' (%s)", q, list);
}

int vsmmu_smmu_opts_parse(const char *arg, struct vsmmu_smmu_config *cfg,
			  char *err, size_t errlen)
{
	return for_each_item(arg, smmu_item, cfg, err, errlen);
}

/* log2 of a power of two @n in 1..@max, or -1. */
static int log2_pow2(uint64_t n, uint64_t max)
{
	int l = 0;

	if (!n || n > max || (n & (n - 1)))
		return -1;
	while ((1ULL << l) < n)
		l++;
	return l;
}

static int cmdqv_item(void *arg, const char *name, size_t nlen, const char *val,
		      size_t vlen, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint64_t max;
	} sizes[] = { { "vintfs", 64 }, { "vcmdqs", 128 }, { "sidpairs", 16 } };
	struct vsmmu_smmu_config *cfg = arg;
	char q[QUOTE_MAX + 1], why[96];
	uint64_t n;
	size_t i;
	int l, ret;

	quote(q, sizeof(q), name, nlen);
	ret = vsmmu_parse_u64(val, vlen, UINT64_MAX, &n);
	if (ret) {
		vsmmu_number_error(ret, val, vlen, 0, why, sizeof(why));
		return fail(err, errlen, "%s=%s", q, why);
	}
	if (tok_is(name, nlen, "version")) {
		if (n > 15)
			return fail(err, errlen,
				    "version=%llu: expected 0 to 15",
				    (unsigned long long)n);
		cfg->cmdqv.version = (unsigned int)n;
		return 0;
	}
	for (i = 0; i < VS_ARRAY_SIZE(sizes); i++) {
		if (!tok_is(name, nlen, sizes[i].name))
			continue;
		l = log2_pow2(n, sizes[i].max);
		if (l < 0)
			return fail(err, errlen,
				    "%s=%llu: expected a power of two from 1 "
				    "to %llu",
				    sizes[i].name, (unsigned long long)n,
				    (unsigned long long)sizes[i].max);
		if (i == 0)
			cfg->cmdqv.num_vintf_log2 = (unsigned int)l;
		else if (i == 1)
			cfg->cmdqv.num_vcmdq_log2 = (unsigned int)l;
		else
			cfg->cmdqv.num_sid_per_vm_log2 = (unsigned int)l;
		return 0;
	}
	return fail(err, errlen,
		    "unknown CMDQV property '%s' (vintfs, vcmdqs, sidpairs, "
		    "version)",
		    q);
}

int vsmmu_cmdqv_opts_parse(const char *arg, struct vsmmu_smmu_config *cfg,
			   char *err, size_t errlen)
{
	if (arg && !strcasecmp(arg, "off")) {
		cfg->cmdqv.present = false;
		return 0;
	}
	if (!cfg->cmdqv.present) {
		cfg->cmdqv.present = true;
		cfg->cmdqv.num_vintf_log2 = 2;
		cfg->cmdqv.num_vcmdq_log2 = 3;
		cfg->cmdqv.num_sid_per_vm_log2 = 4;
		cfg->cmdqv.version = 1;
	}
	if (!arg || !*arg || !strcasecmp(arg, "on"))
		return 0;
	return for_each_item(arg, cmdqv_item, cfg, err, errlen);
}

int vsmmu_mem_arg_parse(const char *arg, struct vsmmu_mem_arg *out, char *err,
			size_t errlen)
{
	const char *at;
	char q[QUOTE_MAX + 1];
	uint64_t addr;
	int ret;

	if (!arg || !*arg)
		return fail(err, errlen, "empty --mem argument");
	at = strrchr(arg, '@');
	if (!at || !is_digit(at[1])) {
		if (at && at[1] == '\0')
			return fail(err, errlen,
				    "missing load address after '@'");
		out->path_len = strlen(arg);
		out->has_addr = false;
		out->addr = 0;
		return 0;
	}
	if (at == arg)
		return fail(err, errlen, "missing file name before '@'");
	ret = vsmmu_parse_u64(at + 1, strlen(at + 1),
			      (1ULL << VSMMU_MEM_MAX_PA_BITS) - 1, &addr);
	if (ret) {
		quote(q, sizeof(q), at + 1, strlen(at + 1));
		if (ret == -ERANGE) {
			fail(err, errlen,
			     "load address '%s' is beyond the %u-bit physical address space",
			     q, VSMMU_MEM_MAX_PA_BITS);
			return -ERANGE;
		}
		return fail(err, errlen,
			    "bad load address '%s': expected a number", q);
	}
	out->path_len = (size_t)(at - arg);
	out->has_addr = true;
	out->addr = addr;
	return 0;
}
