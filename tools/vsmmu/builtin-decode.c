// SPDX-License-Identifier: MIT
/*
 * vsmmu decode: print every field of an architected structure given as
 * 64-bit words, or of a register given by name and value.
 *
 * The fields are collected first and printed afterwards, so that the
 * columns of the human-readable form line up whatever the field names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vsmmu/decode.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"
#include "out.h"
#include "query.h"

#define MAX_FIELDS 128

struct kind_name {
	const char *name; /* on the command line and in JSON */
	const char *title; /* in the header line */
	enum vsmmu_decode_kind kind;
};

static const struct kind_name kinds[] = {
	{ "ste", "STE", VSMMU_DECODE_STE },
	{ "cd", "CD", VSMMU_DECODE_CD },
	{ "l1std", "L1 stream table descriptor", VSMMU_DECODE_L1STD },
	{ "l1cd", "L1 CD table descriptor", VSMMU_DECODE_L1CD },
	{ "cmd", "command", VSMMU_DECODE_CMD },
	{ "evt", "event", VSMMU_DECODE_EVT },
	{ "pri", "PRI record", VSMMU_DECODE_PRI },
	{ "pte", "stage-1 descriptor", VSMMU_DECODE_PTE_S1 },
	{ "s2pte", "stage-2 descriptor", VSMMU_DECODE_PTE_S2 },
};

struct collected {
	struct vsmmu_field f[MAX_FIELDS];
	/* computed meanings only live during the callback: keep a copy */
	char meaning[MAX_FIELDS][96];
	size_t n;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vsmmu decode [options] KIND WORD...\n"
		"       vsmmu decode [--json] reg NAME VALUE\n"
		"       vsmmu decode [--json] cmdqv NAME VALUE\n"
		"\n"
		"Print every field of an SMMUv3 structure, named as the\n"
		"specification names it.\n"
		"\n"
		"KIND (words):  ste (8)  cd (8)  l1std (1)  l1cd (1)  cmd (2)\n"
		"               evt (4)  pri (2)  pte (1)  s2pte (1)\n"
		"WORDs are 64-bit values in dword order.  Numbers are decimal,\n"
		"or hexadecimal with 0x, as in every verb: 16 and 0x10 are the\n"
		"same, 10 is ten.  Missing trailing words are taken as zero.\n"
		"cmdqv NAME VALUE decodes an NVIDIA CMDQV register\n"
		"(CMDQV_CONFIG, CMDQ_ALLOC3, VINTF1_CONFIG, VINTF1_SID_MATCH0,\n"
		"VCMDQ5_CONS, VCMDQ5_BASE, VINTF1_LVCMDQ0_PROD, ... or 0xOFFSET).\n"
		"reg NAME VALUE decodes a register (IDR0, CR0, STRTAB_BASE,\n"
		"...; case-insensitive, SMMU_ prefix optional).\n"
		"\n"
		"options:\n"
		"  --level N          pte/s2pte: table level 0-3 (default:\n"
		"                     unknown, table and page left open)\n"
		"  --granule G        pte/s2pte: 4k (default), 16k or 64k\n"
		"  --json             one JSON object instead of text: kind,\n"
		"                     name (registers), words, fields\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit status: 0 decoded, 2 usage or input error.\n");
}

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "vsmmu decode: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 2;
}

/* The tool's one number syntax (query.h); on error, say why. */
static int parse_u64(const char *s, uint64_t *out)
{
	return vsmmu_parse_u64(s, strlen(s), UINT64_MAX, out);
}

static int bad_number(const char *what, const char *s)
{
	char why[128];

	vsmmu_number_error(vsmmu_parse_u64(s, strlen(s), UINT64_MAX,
					   &(uint64_t){ 0 }),
			   s, strlen(s), 64, why, sizeof(why));
	fprintf(stderr, "vsmmu decode: %s: %s\n", what, why);
	return 2;
}

static int collect(void *arg, const struct vsmmu_field *f)
{
	struct collected *c = arg;

	if (c->n >= MAX_FIELDS)
		return -ENOSPC;
	c->f[c->n] = *f;
	if (f->meaning) {
		snprintf(c->meaning[c->n], sizeof(c->meaning[c->n]), "%s",
			 f->meaning);
		c->f[c->n].meaning = c->meaning[c->n];
	}
	c->n++;
	return 0;
}

static void bits_str(char *buf, size_t len, const struct vsmmu_field *f)
{
	if (f->hi == f->lo)
		snprintf(buf, len, "%u", f->lo);
	else
		snprintf(buf, len, "%u:%u", f->hi, f->lo);
}

static void print_json(const char *kind, const char *name, uint64_t off,
		       const uint64_t *w, size_t nw, const struct collected *c)
{
	size_t i;

	printf("{\"kind\":");
	out_json_str(stdout, kind);
	if (name) {
		printf(",\"name\":");
		out_json_str(stdout, name);
		printf(",\"offset\":\"0x%" PRIx64 "\"", off);
	}
	printf(",\"words\":[");
	for (i = 0; i < nw; i++)
		printf("%s\"0x%016" PRIx64 "\"", i ? "," : "", w[i]);
	printf("],\"fields\":[");
	for (i = 0; i < c->n; i++) {
		if (i)
			putchar(',');
		out_json_field(stdout, &c->f[i]);
	}
	printf("]}\n");
}

static void print_text(const struct collected *c, bool reg)
{
	char loc[32], bits[16];
	int wloc = 0, wname = 0, wval = 0, n;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct vsmmu_field *f = &c->f[i];

		bits_str(bits, sizeof(bits), f);
		n = reg ? snprintf(loc, sizeof(loc), "[%s]", bits) :
			  snprintf(loc, sizeof(loc), "dw%u[%s]", f->dword,
				   bits);
		if (n > wloc)
			wloc = n;
		n = (int)strlen(f->name);
		if (n > wname)
			wname = n;
		n = snprintf(NULL, 0, "0x%" PRIx64, f->value);
		if (n > wval)
			wval = n;
	}
	for (i = 0; i < c->n; i++) {
		const struct vsmmu_field *f = &c->f[i];
		char val[24];

		bits_str(bits, sizeof(bits), f);
		if (reg)
			snprintf(loc, sizeof(loc), "[%s]", bits);
		else
			snprintf(loc, sizeof(loc), "dw%u[%s]", f->dword, bits);
		snprintf(val, sizeof(val), "0x%" PRIx64, f->value);
		if (f->meaning)
			printf("  %-*s  %-*s  %*s  %s\n", wloc, loc, wname,
			       f->name, wval, val, f->meaning);
		else
			printf("  %-*s  %-*s  %*s\n", wloc, loc, wname, f->name,
			       wval, val);
	}
}

static int decode_reg(int argc, char **argv, bool json)
{
	struct collected *c;
	uint64_t off, value;
	unsigned int size;
	const char *name;
	int ret;

	if (argc != 2)
		return fail("%s", "usage: vsmmu decode reg NAME VALUE");
	if (vsmmu_reg_lookup(argv[0], &off, &size)) {
		/* an offset names a register too */
		if (strncasecmp(argv[0], "0x", 2) || parse_u64(argv[0], &off) ||
		    !vsmmu_reg_name(off))
			return fail("unknown register '%s'", argv[0]);
		vsmmu_reg_lookup(vsmmu_reg_name(off), &off, &size);
	}
	if (parse_u64(argv[1], &value))
		return bad_number("VALUE", argv[1]);
	if (size == 4 && value >> 32)
		return fail("'%s' does not fit a 32-bit register", argv[1]);
	name = vsmmu_reg_name(off);

	c = calloc(1, sizeof(*c));
	if (!c)
		return fail("%s", "out of memory");
	ret = vsmmu_decode_reg(off, value, collect, c);
	if (ret) {
		free(c);
		return fail("cannot decode: %s", vsmmu_strerror(ret));
	}
	if (json) {
		print_json("reg", name, off, &value, 1, c);
	} else {
		printf("SMMU_%s (offset 0x%" PRIx64 ", %u bytes): 0x%0*" PRIx64
		       "\n",
		       name, off, size, (int)size * 2, value);
		print_text(c, true);
	}
	free(c);
	return 0;
}

static int decode_cmdqv(int argc, char **argv, bool json)
{
	struct collected *c;
	uint64_t off, value;
	unsigned int size;
	char name[64];
	int ret;

	if (argc != 2)
		return fail("%s", "usage: vsmmu decode cmdqv NAME VALUE");
	if (vsmmu_cmdqv_reg_lookup(argv[0], &off, &size)) {
		/* an offset names a register too */
		if (strncasecmp(argv[0], "0x", 2) || parse_u64(argv[0], &off) ||
		    vsmmu_cmdqv_reg_name(off, name, sizeof(name)) ||
		    vsmmu_cmdqv_reg_lookup(name, &off, &size))
			return fail("unknown CMDQV register '%s'", argv[0]);
	}
	if (parse_u64(argv[1], &value))
		return bad_number("VALUE", argv[1]);
	if (size == 4 && value >> 32)
		return fail("'%s' does not fit a 32-bit register", argv[1]);
	vsmmu_cmdqv_reg_name(off, name, sizeof(name));

	c = calloc(1, sizeof(*c));
	if (!c)
		return fail("%s", "out of memory");
	ret = vsmmu_decode_cmdqv_reg(off, value, collect, c);
	if (ret) {
		free(c);
		return fail("cannot decode: %s", vsmmu_strerror(ret));
	}
	if (json) {
		print_json("cmdqv", name, off, &value, 1, c);
	} else {
		printf("CMDQV %s (offset 0x%" PRIx64 ", %u bytes): 0x%0*" PRIx64
		       "\n",
		       name, off, size, (int)size * 2, value);
		print_text(c, true);
	}
	free(c);
	return 0;
}

int cmd_decode(int argc, char **argv)
{
	struct vsmmu_decode_opts opts = { .level = -1, .granule_shift = 12 };
	bool json = false, pte_opts = false;
	const struct kind_name *k = NULL;
	char **pos;
	int npos = 0, i, ret;
	uint64_t w[8] = { 0 };
	size_t nw, want;
	struct collected *c;

	pos = calloc((size_t)argc + 1, sizeof(*pos));
	if (!pos)
		return fail("%s", "out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			free(pos);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--level")) {
			uint64_t lv;

			if (++i >= argc || strlen(argv[i]) != 1 ||
			    parse_u64(argv[i], &lv) || lv > 3) {
				free(pos);
				return fail("%s", "--level needs 0, 1, 2 or 3");
			}
			opts.level = (int)lv;
			pte_opts = true;
		} else if (!strcmp(a, "--granule")) {
			const char *g = ++i < argc ? argv[i] : "";

			if (!strcasecmp(g, "4k")) {
				opts.granule_shift = 12;
			} else if (!strcasecmp(g, "16k")) {
				opts.granule_shift = 14;
			} else if (!strcasecmp(g, "64k")) {
				opts.granule_shift = 16;
			} else {
				free(pos);
				return fail("%s",
					    "--granule needs 4k, 16k or 64k");
			}
			pte_opts = true;
		} else if (!strcmp(a, "--")) {
			while (++i < argc)
				pos[npos++] = argv[i];
		} else if (a[0] == '-' && a[1] == '-') {
			free(pos);
			return fail("unknown option '%s'", a);
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (!npos) {
		free(pos);
		usage(stderr);
		return 2;
	}

	if (!strcmp(pos[0], "reg") || !strcmp(pos[0], "cmdqv")) {
		if (pte_opts) {
			free(pos);
			return fail(
				"%s",
				"--level/--granule apply to pte and s2pte only");
		}
		if (!strcmp(pos[0], "cmdqv"))
			ret = decode_cmdqv(npos - 1, pos + 1, json);
		else
			ret = decode_reg(npos - 1, pos + 1, json);
		free(pos);
		return ret;
	}
	for (i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++)
		if (!strcmp(pos[0], kinds[i].name))
			k = &kinds[i];
	if (!k) {
		ret = fail("unknown kind '%s' (ste, cd, l1std, l1cd, cmd, evt, "
			   "pri, pte, s2pte, reg)",
			   pos[0]);
		free(pos);
		return ret;
	}
	if (pte_opts && k->kind != VSMMU_DECODE_PTE_S1 &&
	    k->kind != VSMMU_DECODE_PTE_S2) {
		free(pos);
		return fail("%s",
			    "--level/--granule apply to pte and s2pte only");
	}
	want = vsmmu_decode_words(k->kind);
	nw = (size_t)(npos - 1);
	if (nw > want) {
		fprintf(stderr, "vsmmu decode: %s has %zu word%s, %zu given\n",
			k->name, want, want == 1 ? "" : "s", nw);
		free(pos);
		return 2;
	}
	if (!nw) {
		free(pos);
		return fail("%s: no words given", k->name);
	}
	for (i = 0; i < (int)nw; i++) {
		if (parse_u64(pos[i + 1], &w[i])) {
			char what[16];

			snprintf(what, sizeof(what), "WORD %d", i);
			ret = bad_number(what, pos[i + 1]);
			free(pos);
			return ret;
		}
	}
	free(pos);

	c = calloc(1, sizeof(*c));
	if (!c)
		return fail("%s", "out of memory");
	ret = vsmmu_decode(k->kind, w, want, &opts, collect, c);
	if (ret) {
		free(c);
		return fail("cannot decode: %s", vsmmu_strerror(ret));
	}
	if (json) {
		print_json(k->name, NULL, 0, w, want, c);
	} else {
		printf("%s:", k->title);
		for (i = 0; i < (int)want; i++)
			printf(" 0x%016" PRIx64, w[i]);
		if (k->kind == VSMMU_DECODE_PTE_S1 ||
		    k->kind == VSMMU_DECODE_PTE_S2) {
			if (opts.level >= 0)
				printf(" (level %d,", opts.level);
			else
				printf(" (level unknown,");
			printf(" %uK granule)",
			       1u << (opts.granule_shift - 10));
		}
		printf("\n");
		print_text(c, false);
	}
	free(c);
	return 0;
}
