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

bool vsmmu_query_is_blank(const char *line)
{
	while (*line && is_blank(*line))
		line++;
	return *line == '\0' || *line == '#';
}

/* Split @line into up to @max blank-separated tokens; return how many. */
static size_t tokenize(const char *line, const char **tok, size_t *tlen,
		       size_t max)
{
	size_t n = 0;

	for (;;) {
		const char *start;

		while (*line && is_blank(*line))
			line++;
		if (!*line)
			return n;
		start = line;
		while (*line && !is_blank(*line))
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
	char q[QUOTE_MAX + 1];
	int ret = vsmmu_parse_u64(s, len, max, v);

	if (!ret)
		return 0;
	quote(q, sizeof(q), s, len);
	if (ret == -ERANGE) {
		fail(err, errlen, "%s '%s' does not fit in %u bits", what, q,
		     bits);
		return -ERANGE;
	}
	return fail(err, errlen,
		    "bad %s '%s': expected a number (decimal or 0x hex)", what,
		    q);
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
		elen = strlen(extra);
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

int vsmmu_reg_arg_parse(const char *arg, struct vsmmu_reg_arg *out, char *err,
			size_t errlen)
{
	const char *eq;
	char name[32], q[QUOTE_MAX + 1];
	size_t nlen, vlen;
	uint64_t off, val, max;
	unsigned int size;
	int ret;

	if (!arg)
		return fail(err, errlen, "no register");
	eq = strchr(arg, '=');
	if (!eq)
		return fail(err, errlen, "expected NAME=VALUE, e.g. CR0=1");
	nlen = (size_t)(eq - arg);
	if (!nlen)
		return fail(err, errlen, "missing register name before '='");
	quote(q, sizeof(q), arg, nlen);
	if (nlen >= sizeof(name))
		return fail(err, errlen, "unknown register '%s'", q);
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (vsmmu_reg_lookup(name, &off, &size) || (size != 4 && size != 8))
		return fail(err, errlen, "unknown register '%s'", q);

	vlen = strlen(eq + 1);
	max = size == 4 ? UINT32_MAX : UINT64_MAX;
	ret = vsmmu_parse_u64(eq + 1, vlen, max, &val);
	if (ret) {
		char qv[QUOTE_MAX + 1];

		quote(qv, sizeof(qv), eq + 1, vlen);
		if (ret == -ERANGE) {
			fail(err, errlen,
			     "value '%s' does not fit in %u-bit register %s",
			     qv, size * 8, q);
			return -ERANGE;
		}
		return fail(err, errlen,
			    "bad value '%s' for %s: expected a number", qv, q);
	}
	out->offset = off;
	out->size = size;
	out->value = val;
	out->name = vsmmu_reg_name(off);
	return 0;
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
