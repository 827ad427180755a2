/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the text the tool's verbs take from the user: numbers (one
 * syntax everywhere), queries ("SID SSID IOVA ACCESS"), --reg NAME=VALUE
 * and NAME.FIELD=VALUE, --mem FILE[@ADDR], and the SMMU's named
 * properties (--smmu ril=off,oas=48,... and --cmdqv vintfs=4,...).
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
 * not mean octal).  No sign, no spaces, nothing else.  This is the one
 * number syntax of every verb (docs/translate.md, "Numbers").
 * Return: 0 and *@out, -EINVAL if it is not a number, -ERANGE if it is
 * above @max.
 */
int vsmmu_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/**
 * vsmmu_number_error() - the message for a token vsmmu_parse_u64()
 * refused with @ret: "'ff' is not a number: hexadecimal needs 0x (0xff)",
 * "'0x1_0' is not a number (decimal, or hex with 0x)", "'...' does not fit
 * in N bits" (@bits 0: "is too large").  Written to @err.
 */
void vsmmu_number_error(int ret, const char *s, size_t len, unsigned int bits,
			char *err, size_t errlen);

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

/* A parsed --reg NAME=VALUE or NAME.FIELD=VALUE */
struct vsmmu_reg_arg {
	uint64_t offset; /* register offset from the SMMU base */
	unsigned int size; /* 4 or 8 bytes */
	uint64_t value; /* fits in size bytes; in place (under @mask) */
	uint64_t mask; /* the bits written: all of them, or one field's */
	const char *name; /* the spec name (static), or NULL if unnamed */
	char field[24]; /* the field's spec name, "" for the whole register */
};

/**
 * vsmmu_reg_arg_parse() - parse "NAME=VALUE" where NAME is a register the
 * decoder knows (vsmmu_reg_lookup(): the spec's name or Linux's, case-
 * insensitive, SMMU_ optional) and VALUE a number that fits in the
 * register's width; or "NAME.FIELD=VALUE" (IDR3.RIL=0, CR0.SMMUEN=1,
 * STRTAB_BASE_CFG.LOG2SIZE=16) where FIELD is one of the register's fields
 * as `vsmmu decode reg` names them and VALUE fits in it.  An address field
 * (STRTAB_BASE.ADDR) takes the address itself, aligned as the field is.
 * Apply it as value = (value & ~mask) | out->value.
 * Return: 0, -EINVAL (syntax, unknown name or field), -ERANGE (too wide).
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

/**
 * vsmmu_smmu_opts_parse() - apply named SMMU properties, QEMU style, to
 * the ID registers in @cfg: a comma-separated list of NAME=VALUE,
 *   stages=s1|s2|s1s2|nested   IDR0.S1P/S2P
 *   ril=, ats=, pri=, msi=, sev=, btm=, hyp=, cd2l=   on|off (IDR0/IDR3)
 *   httu=off|a|ad              IDR0.HTTU (access flag, and dirty state)
 *   st=linear|2lvl             IDR0.ST_LEVEL
 *   asidbits=8|16, vmidbits=8|16     IDR0.ASID16/VMID16
 *   oas=32|36|40|42|44|48|52    IDR5.OAS
 *   gran4k=, gran16k=, gran64k=      on|off (IDR5)
 *   sidsize=0..32, ssidsize=0..20    IDR1 (bits)
 *   cmdqs=, eventqs=, priqs=    IDR1 (log2 of the largest queue)
 *   exec=sync|thread            how the command queue is consumed
 * (on|off also as yes|no, true|false, 1|0).  Later items win.  Whether the
 * result is a possible SMMU is vsmmu_smmu_create()'s to say.
 * Return: 0, or -EINVAL with the reason in @err.
 */
int vsmmu_smmu_opts_parse(const char *arg, struct vsmmu_smmu_config *cfg,
			  char *err, size_t errlen);

/**
 * vsmmu_cmdqv_opts_parse() - give @cfg an NVIDIA CMDQV and size it:
 * "vintfs=N,vcmdqs=N,sidpairs=N,version=N" (each optional; N a power of
 * two: VINTFs 1..64, VCMDQs 1..128, SID pairs per VINTF 1..16; version
 * 0..15), "on" or "" for the defaults (4 VINTFs, 8 VCMDQs, 16 SID pairs,
 * version 1), "off" for none.
 * Return: 0, or -EINVAL with the reason in @err.
 */
int vsmmu_cmdqv_opts_parse(const char *arg, struct vsmmu_smmu_config *cfg,
			   char *err, size_t errlen);

/**
 * vsmmu_strip_comment() - the length of @line without a trailing comment:
 * a '#' at the start or after a blank begins one.
 */
size_t vsmmu_strip_comment(const char *line);

#endif /* VSMMU_TOOL_QUERY_H */
