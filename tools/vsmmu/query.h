/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the text the translate and mkimage verbs take from the user:
 * queries ("SID SSID IOVA ACCESS"), --reg NAME=VALUE and --mem FILE[@ADDR].
 *
 * They are pure functions (no I/O, no allocation, thread-safe) so that they
 * can be fuzzed (fuzz/fuzz_query.c) and unit-tested (tests/test_query.c)
 * apart from the tool.  Each validates its whole input: any string gives
 * either a fully checked result or -EINVAL/-ERANGE with a one-line reason in
 * @err (printable ASCII only, so it can go into JSON or a terminal as is).
 */
#ifndef VSMMU_TOOL_QUERY_H
#define VSMMU_TOOL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vsmmu/smmu.h>

/* Limits of the query fields (SMMUv3: 32-bit StreamID, 20-bit SubstreamID) */
#define VSMMU_QUERY_SID_MAX 0xffffffffULL
#define VSMMU_QUERY_SSID_MAX 0xfffffULL

/* Longest canonical query vsmmu_query_format() writes, with the NUL. */
#define VSMMU_QUERY_FMT_MAX 64

/**
 * vsmmu_parse_u64() - parse the number in @s[0..@len): "0x" or "0X" and
 * one or more hex digits, or one or more decimal digits (a leading 0 does
 * not mean octal).  No sign, no spaces, nothing else.
 * Return: 0 and *@out, -EINVAL if it is not a number, -ERANGE if it is
 * above @max.
 */
int vsmmu_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/**
 * vsmmu_query_is_blank() - is @line empty, only blanks, or a comment (its
 * first non-blank character is '#')?  Such stdin lines are skipped.
 */
bool vsmmu_query_is_blank(const char *line);

/**
 * vsmmu_query_parse() - parse "SID SSID IOVA ACCESS".
 *
 * Fields are separated by spaces or tabs; leading and trailing blanks and
 * a trailing "\n" or "\r\n" are allowed.  SID is a number below 2^32, SSID
 * a number below 2^20 or "-" (no SubstreamID), IOVA a 64-bit number,
 * ACCESS one of r, w, x (read, write, instruction fetch), optionally
 * followed by p (privileged).  @txn is written only on success.
 * Return: 0, -EINVAL or -ERANGE with the reason in @err.
 */
int vsmmu_query_parse(const char *line, struct vsmmu_txn *txn, char *err,
		      size_t errlen);

/**
 * vsmmu_query_access_str() - "r", "w", "x", "rp", "wp" or "xp" for a
 * transaction's flags; "?" if they are not exactly one access type.
 */
const char *vsmmu_query_access_str(unsigned int flags);

/**
 * vsmmu_query_format() - write @txn as a query that vsmmu_query_parse()
 * reads back to the same transaction ("0x10 - 0xffffb000 r").
 * Return: the length written (without the NUL), or -EINVAL if @txn has
 * bad flags or an SSID above 20 bits, -ENOSPC if @len is too small.
 */
int vsmmu_query_format(const struct vsmmu_txn *txn, char *buf, size_t len);

/* A parsed --reg NAME=VALUE */
struct vsmmu_reg_arg {
	uint64_t offset; /* register offset from the SMMU base */
	unsigned int size; /* 4 or 8 bytes */
	uint64_t value; /* fits in size bytes */
	const char *name; /* the spec name (static), or NULL if unnamed */
};

/**
 * vsmmu_reg_arg_parse() - parse "NAME=VALUE" where NAME is a register the
 * decoder knows (vsmmu_reg_lookup(): case-insensitive, SMMU_ optional) and
 * VALUE a number that fits in the register's width.
 * Return: 0, -EINVAL (syntax, unknown name), -ERANGE (value too wide).
 */
int vsmmu_reg_arg_parse(const char *arg, struct vsmmu_reg_arg *out, char *err,
			size_t errlen);

/* A parsed --mem FILE[@ADDR] */
struct vsmmu_mem_arg {
	size_t path_len; /* the file name is the first path_len bytes */
	bool has_addr; /* raw file to load at addr */
	uint64_t addr;
};

/**
 * vsmmu_mem_arg_parse() - parse "FILE" or "FILE@ADDR".
 *
 * The text after the last '@' is a load address when it starts with a
 * digit, and must then be a valid number below 2^52; otherwise the whole
 * argument is the file name (so "dump@host.elf" names a file).
 * Return: 0, -EINVAL (empty name, bad address), -ERANGE (address beyond
 * 52 bits).
 */
int vsmmu_mem_arg_parse(const char *arg, struct vsmmu_mem_arg *out, char *err,
			size_t errlen);

#endif /* VSMMU_TOOL_QUERY_H */
