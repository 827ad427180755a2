// SPDX-License-Identifier: MIT
/*
 * vsmmu translate: load a memory image (an ELF core such as QEMU's
 * dump-guest-memory, or raw files at given addresses), program an SMMU's
 * registers as a dump of a live one would have them, and translate
 * queries "SID SSID IOVA ACCESS", answering one JSON object per line.
 * With --explain every fetch and decision of the walk is printed first,
 * as "# " comment lines, so that the output stays machine-readable.
 *
 * Exit status: 0 when every query parsed (faults are answers, not
 * errors), 1 when some query line was malformed (the others are still
 * answered), 2 for a usage or setup error (bad option, file, register),
 * 3 when every query was answered but a --mem file loaded no memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"
#include "memfile.h"
#include "out.h"
#include "query.h"

#define PROG "vsmmu translate"

/* Most fields any decoded structure has; more are ignored. */
#define MAX_FIELDS 160

static const char translate_usage[] =
	"usage: vsmmu translate [options] [QUERY...]\n"
	"\n"
	"Translate transactions over a memory image, as an SMMU programmed\n"
	"with the given registers would.  Each QUERY is \"SID SSID IOVA ACCESS\"\n"
	"(SSID '-' for none; ACCESS r, w, x, optionally followed by p for\n"
	"privileged); with no QUERY arguments, queries are read one per line\n"
	"from standard input.  '#' starts a comment, on a line of its own or\n"
	"after a query; blank lines are skipped.  Each answer is one JSON\n"
	"object on one line (--json changes nothing: the output is JSON).\n"
	"\n"
	"options:\n"
	"  -m, --mem FILE        load an ELF core (PT_LOAD at p_paddr; QEMU\n"
	"                        dump-guest-memory, kdump ELF vmcores); gzip-\n"
	"                        compressed files are read too\n"
	"  -m, --mem FILE@ADDR   load a raw file at physical address ADDR\n"
	"  -r, --reg NAME=VALUE  set an SMMU register by its spec name\n"
	"                        (STRTAB_BASE, STRTAB_BASE_CFG, CR0, CR2, GBPA,\n"
	"                        EVENTQ_BASE, IDR0..IDR5, IIDR, AIDR, ...;\n"
	"                        Linux's names, e.g. EVTQ_BASE, work too)\n"
	"  -r, --reg NAME.FIELD=VALUE\n"
	"                        set one field (IDR3.RIL=0, CR0.SMMUEN=1,\n"
	"                        STRTAB_BASE_CFG.LOG2SIZE=16), as vsmmu decode\n"
	"                        reg names the fields; CR0 defaults to SMMUEN=1\n"
	"  -s, --smmu PROPS      SMMU properties, QEMU style: stages=s1|s2|s1s2,\n"
	"                        ril=, ats=, pri=, msi=, sev=, btm=, hyp=,\n"
	"                        cd2l=, gran4k=, gran16k=, gran64k= (on|off),\n"
	"                        httu=off|a|ad, st=linear|2lvl,\n"
	"                        oas=32|36|40|42|44|48|52, asidbits=8|16,\n"
	"                        vmidbits=8|16, sidsize=N, ssidsize=N,\n"
	"                        cmdqs=N, eventqs=N, priqs=N, exec=sync|thread;\n"
	"                        e.g. --smmu ril=off,ats=on,oas=48,ssidsize=20\n"
	"      --cmdqv [PROPS]   give the SMMU an NVIDIA CMDQV: vintfs=N,\n"
	"                        vcmdqs=N, sidpairs=N (powers of two),\n"
	"                        version=N; e.g. --cmdqv vintfs=4,vcmdqs=8\n"
	"  -e, --explain         print every step of each walk before its answer\n"
	"  -j, --json            JSON answers (the default, and only, format)\n"
	"  -h, --help            this text\n"
	"\n"
	"Options repeat; later values win.  Numbers are decimal, or\n"
	"hexadecimal with 0x: 16 and 0x10 are the same, 10 is ten.\n"
	"\n"
	"Exit status: 0 all queries answered, 1 some query was malformed,\n"
	"2 usage or setup error, 3 answered but a --mem file loaded no\n"
	"memory.  See docs/translate.md.\n";

/* --- JSON ----------------------------------------------------------------- */

static void json_hex(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ",\"%s\":\"0x%" PRIx64 "\"", key, v);
}

/* --- Decoded fields ----------------------------------------------------- */

struct field {
	char name[40];
	char meaning[80];
	unsigned int dword, hi, lo;
	uint64_t value;
};

struct field_list {
	struct field f[MAX_FIELDS];
	size_t n;
};

/* Copy each field: the decoder's strings need not outlive the callback. */
static int collect_field(void *arg, const struct vsmmu_field *vf)
{
	struct field_list *l = arg;
	struct field *f;

	if (l->n >= MAX_FIELDS)
		return 0;
	f = &l->f[l->n++];
	snprintf(f->name, sizeof(f->name), "%s", vf->name ? vf->name : "?");
	snprintf(f->meaning, sizeof(f->meaning), "%s",
		 vf->meaning ? vf->meaning : "");
	f->dword = vf->dword;
	f->hi = vf->hi;
	f->lo = vf->lo;
	f->value = vf->value;
	return 0;
}

static void decode_fields(enum vsmmu_decode_kind kind, const uint64_t *w,
			  size_t n, const struct vsmmu_decode_opts *opts,
			  struct field_list *l)
{
	l->n = 0;
	vsmmu_decode(kind, w, n, opts, collect_field, l);
}

/* Small values read best in decimal, anything larger in hex. */
static void fmt_value(char *buf, size_t len, uint64_t v)
{
	if (v < 10)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "0x%" PRIx64, v);
}

/* One field a line, name, position and value in aligned columns. */
static void print_field_table(FILE *f, const struct field_list *l)
{
	size_t i, nw = 0, pw = 0;
	char pos[32], val[24];

	for (i = 0; i < l->n; i++) {
		const struct field *x = &l->f[i];
		size_t len = strlen(x->name);

		if (len > nw)
			nw = len;
		if (x->hi == x->lo)
			len = (size_t)snprintf(pos, sizeof(pos), "dw%u[%u]",
					       x->dword, x->lo);
		else
			len = (size_t)snprintf(pos, sizeof(pos), "dw%u[%u:%u]",
					       x->dword, x->hi, x->lo);
		if (len > pw)
			pw = len;
	}
	for (i = 0; i < l->n; i++) {
		const struct field *x = &l->f[i];

		if (x->hi == x->lo)
			snprintf(pos, sizeof(pos), "dw%u[%u]", x->dword, x->lo);
		else
			snprintf(pos, sizeof(pos), "dw%u[%u:%u]", x->dword,
				 x->hi, x->lo);
		fmt_value(val, sizeof(val), x->value);
		fprintf(f, "#     %-*s  %-*s  %s%s%s%s\n", (int)nw, x->name,
			(int)pw, pos, val, x->meaning[0] ? "  (" : "",
			x->meaning, x->meaning[0] ? ")" : "");
	}
}

/* Fields as NAME=VALUE pairs, wrapped: for one-word descriptors. */
static void print_field_line(FILE *f, const struct field_list *l)
{
	size_t i, col = 0;
	char item[96], val[24];

	for (i = 0; i < l->n; i++) {
		const struct field *x = &l->f[i];
		int len;

		fmt_value(val, sizeof(val), x->value);
		len = snprintf(item, sizeof(item), "%s=%s", x->name, val);
		if (len < 0)
			continue;
		if (col && col + 1 + (size_t)len > 72) {
			fputc('\n', f);
			col = 0;
		}
		fputs(col ? " " : "#     ", f);
		fputs(item, f);
		col += (size_t)len + 1;
	}
	if (col)
		fputc('\n', f);
}

/* --- --explain ------------------------------------------------------------ */

struct explain {
	FILE *f;
	struct field_list fields;
};

static void print_at(FILE *f, const struct vsmmu_trace_step *s)
{
	fprintf(f, "@0x%" PRIx64, s->addr);
	if (s->ipa != s->addr)
		fprintf(f, " (IPA 0x%" PRIx64 ")", s->ipa);
}

static void print_words(FILE *f, const uint64_t *w)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		fprintf(f, "%s0x%016" PRIx64 "%s", i % 4 ? " " : "#     ", w[i],
			i % 4 == 3 ? "\n" : "");
}

/*
 * What a translation table descriptor does, in words: where the walk goes
 * next or what it outputs.  The address is bits [47:granule] (with 64K
 * granules, OA[51:48] come from bits [15:12]); a block's output is
 * aligned to its size.
 */
static void print_desc_target(FILE *f, uint64_t v, int level,
			      unsigned int gshift)
{
	uint64_t addr = v & VS_GENMASK(47, gshift);
	unsigned int bshift;

	if (gshift == 16)
		addr |= VS_FIELD_GET(ARM_LPAE_PTE_ADDR_HI_64K, v) << 48;
	if (!(v & ARM_LPAE_PTE_VALID)) {
		fputs("invalid", f);
		return;
	}
	if (level < 0 || level > 3) {
		fprintf(f, "0x%" PRIx64, addr);
		return;
	}
	if (level == 3) {
		if (v & ARM_LPAE_PTE_TYPE)
			fprintf(f, "page 0x%" PRIx64, addr);
		else
			fputs("reserved (block type at level 3)", f);
		return;
	}
	if (v & ARM_LPAE_PTE_TYPE) {
		fprintf(f, "table 0x%" PRIx64, addr);
		return;
	}
	/* Each level below resolves gshift - 3 bits. */
	bshift = gshift + (unsigned int)(3 - level) * (gshift - 3);
	if (bshift > 47) {
		fputs("block (none at this level)", f);
		return;
	}
	fprintf(f, "block 0x%" PRIx64 " (size 0x%" PRIx64 ")",
		addr & ~((UINT64_C(1) << bshift) - 1), UINT64_C(1) << bshift);
}

static void explain_step(void *arg, const struct vsmmu_trace_step *s)
{
	struct explain *e = arg;
	struct vsmmu_decode_opts opts;
	FILE *f = e->f;
	unsigned int gshift;

	switch (s->kind) {
	case VSMMU_TRACE_STE_L1:
	case VSMMU_TRACE_CD_L1:
		fprintf(f, "# %s L1 desc ",
			s->kind == VSMMU_TRACE_STE_L1 ? "STE" : "CD");
		print_at(f, s);
		fprintf(f, " = 0x%016" PRIx64 "\n", s->value);
		decode_fields(s->kind == VSMMU_TRACE_STE_L1 ?
				      VSMMU_DECODE_L1STD :
				      VSMMU_DECODE_L1CD,
			      &s->value, 1, NULL, &e->fields);
		print_field_table(f, &e->fields);
		break;
	case VSMMU_TRACE_STE:
	case VSMMU_TRACE_CD:
		fprintf(f, "# %s ", s->kind == VSMMU_TRACE_STE ? "STE" : "CD");
		print_at(f, s);
		fputc('\n', f);
		if (!s->words)
			break;
		print_words(f, s->words);
		decode_fields(s->kind == VSMMU_TRACE_STE ? VSMMU_DECODE_STE :
							   VSMMU_DECODE_CD,
			      s->words, 8, NULL, &e->fields);
		print_field_table(f, &e->fields);
		break;
	case VSMMU_TRACE_DESC:
		gshift = s->granule_shift;
		fprintf(f, "# S%u L", s->stage);
		if (s->level >= 0)
			fprintf(f, "%d", s->level);
		else
			fputc('?', f);
		fputs(" desc ", f);
		print_at(f, s);
		fprintf(f, " = 0x%016" PRIx64 " -> ", s->value);
		print_desc_target(f, s->value, s->level, gshift);
		fprintf(f, "  [in 0x%" PRIx64 "]\n", s->in);
		opts.level = s->level;
		opts.granule_shift = gshift;
		decode_fields(s->stage == 2 ? VSMMU_DECODE_PTE_S2 :
					      VSMMU_DECODE_PTE_S1,
			      &s->value, 1, &opts, &e->fields);
		print_field_line(f, &e->fields);
		break;
	case VSMMU_TRACE_NOTE:
		fprintf(f, "# note: %s\n", s->note ? s->note : "");
		break;
	default:
		fprintf(f, "# (unknown step kind %d)\n", (int)s->kind);
		break;
	}
}

/* --- Answers -------------------------------------------------------------- */

struct ctx {
	struct vsmmu_smmu *smmu;
	bool explain;
	FILE *out;
	struct explain ex;
	unsigned int bad_lines;
};

static const char *evt_name(const struct vsmmu_txn_result *res, char *buf,
			    size_t len)
{
	unsigned int id = (unsigned int)VS_FIELD_GET(EVTQ_0_ID, res->evt[0]);
	const char *name = vsmmu_evt_name(id);

	if (name)
		return name;
	snprintf(buf, len, "UNKNOWN_0x%02x", id);
	return buf;
}

static void perm_str(unsigned int perm, char s[4])
{
	s[0] = perm & VSMMU_TXN_READ ? 'r' : '-';
	s[1] = perm & VSMMU_TXN_WRITE ? 'w' : '-';
	s[2] = perm & VSMMU_TXN_EXEC ? 'x' : '-';
	s[3] = '\0';
}

static void print_echo(FILE *f, const struct vsmmu_txn *txn)
{
	fprintf(f, "{\"sid\":\"0x%" PRIx32 "\",\"ssid\":", txn->sid);
	if (txn->ssv)
		fprintf(f, "\"0x%" PRIx32 "\"", txn->ssid);
	else
		fputs("null", f);
	fprintf(f, ",\"iova\":\"0x%" PRIx64 "\",\"access\":\"%s\"", txn->addr,
		vsmmu_query_access_str(txn->flags));
}

static void explain_result(struct ctx *c, const struct vsmmu_txn_result *res)
{
	FILE *f = c->out;
	char perm[4], nb[24];

	switch (res->outcome) {
	case VSMMU_TXN_OK:
		perm_str(res->perm, perm);
		fprintf(f, "# result: ok%s, oa 0x%" PRIx64,
			res->bypass ? " (bypass)" : "", res->oa);
		if (res->ipa != res->oa)
			fprintf(f, " via IPA 0x%" PRIx64, res->ipa);
		fprintf(f, ", perm %s, page size 0x%llx\n", perm,
			res->page_shift < 64 ? 1ULL << res->page_shift : 0ULL);
		break;
	case VSMMU_TXN_TERMINATED:
		fputs("# result: terminated (no event)\n", f);
		break;
	case VSMMU_TXN_FAULT:
		fprintf(f, "# result: fault %s (%s, %s)\n",
			evt_name(res, nb, sizeof(nb)),
			res->recorded ? "recorded" : "not recorded",
			res->stall ? "stalls" : "terminated");
		fprintf(f,
			"# event record: 0x%016" PRIx64 " 0x%016" PRIx64
			" 0x%016" PRIx64 " 0x%016" PRIx64 "\n",
			res->evt[0], res->evt[1], res->evt[2], res->evt[3]);
		decode_fields(VSMMU_DECODE_EVT, res->evt, 4, NULL,
			      &c->ex.fields);
		print_field_table(f, &c->ex.fields);
		break;
	}
}

static void print_result(struct ctx *c, const struct vsmmu_txn *txn,
			 const struct vsmmu_txn_result *res)
{
	FILE *f = c->out;
	char perm[4], nb[24];
	size_t i;

	print_echo(f, txn);
	switch (res->outcome) {
	case VSMMU_TXN_OK:
		perm_str(res->perm, perm);
		fputs(",\"result\":\"ok\"", f);
		json_hex(f, "oa", res->oa);
		if (res->ipa != txn->addr && res->ipa != res->oa)
			json_hex(f, "ipa", res->ipa);
		fprintf(f, ",\"perm\":\"%s\"", perm);
		json_hex(f, "page_size",
			 res->page_shift < 64 ? 1ULL << res->page_shift : 0);
		fprintf(f, ",\"bypass\":%s", res->bypass ? "true" : "false");
		break;
	case VSMMU_TXN_TERMINATED:
		fputs(",\"result\":\"terminated\"", f);
		break;
	case VSMMU_TXN_FAULT:
		fputs(",\"result\":\"fault\",\"event\":", f);
		out_json_str(f, evt_name(res, nb, sizeof(nb)));
		fputs(",\"evt\":[", f);
		for (i = 0; i < 4; i++)
			fprintf(f, "%s\"0x%" PRIx64 "\"", i ? "," : "",
				res->evt[i]);
		fprintf(f, "],\"recorded\":%s,\"stall\":%s,\"fields\":",
			res->recorded ? "true" : "false",
			res->stall ? "true" : "false");
		out_json_fields(f, VSMMU_DECODE_EVT, res->evt, 4, NULL);
		break;
	default:
		fprintf(f, ",\"result\":\"unknown outcome %d\"",
			(int)res->outcome);
		break;
	}
	fputs("}\n", f);
}

static void bad_line(struct ctx *c, unsigned long n, const char *why)
{
	fprintf(stderr, PROG ": line %lu: %s\n", n, why);
	fprintf(c->out, "{\"line\":%lu,\"error\":", n);
	out_json_str(c->out, why);
	fputs("}\n", c->out);
	c->bad_lines++;
}

static void do_query(struct ctx *c, unsigned long n, const char *line)
{
	struct vsmmu_txn txn;
	struct vsmmu_txn_result res;
	char err[160];
	int ret;

	if (vsmmu_query_parse(line, &txn, err, sizeof(err))) {
		bad_line(c, n, err);
		return;
	}
	memset(&res, 0, sizeof(res));
	if (c->explain) {
		char ssid[24] = "no SSID";

		if (txn.ssv)
			snprintf(ssid, sizeof(ssid), "SSID 0x%" PRIx32,
				 txn.ssid);
		fprintf(c->out,
			"# query %lu: SID 0x%" PRIx32 ", %s, IOVA 0x%" PRIx64
			", %s %s\n",
			n, txn.sid, ssid, txn.addr,
			txn.flags & VSMMU_TXN_PRIV ? "privileged" :
						     "unprivileged",
			txn.flags & VSMMU_TXN_READ  ? "read" :
			txn.flags & VSMMU_TXN_WRITE ? "write" :
						      "instruction fetch");
		ret = vsmmu_translate_trace(c->smmu, &txn, &res, explain_step,
					    &c->ex);
	} else {
		ret = vsmmu_translate(c->smmu, &txn, &res);
	}
	if (ret) {
		snprintf(err, sizeof(err), "translation failed: %s",
			 vsmmu_strerror(ret));
		bad_line(c, n, err);
		return;
	}
	if (c->explain)
		explain_result(c, &res);
	print_result(c, &txn, &res);
}

static void read_queries(struct ctx *c, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long n = 0;

	while ((len = getline(&line, &cap, in)) >= 0) {
		n++;
		if (strlen(line) != (size_t)len) {
			bad_line(c, n, "NUL byte in query line");
			continue;
		}
		if (vsmmu_query_is_blank(line))
			continue;
		do_query(c, n, line);
	}
	free(line);
}

/* --- Setup -------------------------------------------------------------- */

static bool is_id_reg(uint64_t off)
{
	return off <= ARM_SMMU_AIDR;
}

/* An ID register's value in @cfg (where the model takes it from). */
static uint32_t *id_reg(struct vsmmu_smmu_config *cfg, uint64_t off)
{
	if (off == ARM_SMMU_IIDR)
		return &cfg->iidr;
	if (off == ARM_SMMU_AIDR)
		return &cfg->aidr;
	return &cfg->idr[off / 4];
}

/*
 * The registers the command line sets, each once, in the order first
 * named, with every --reg for it applied in turn (whole values and field
 * writes alike).  ID registers start from the model's defaults (after
 * --smmu); CR0 from SMMUEN = 1; the others from 0.
 */
struct reg_val {
	uint64_t offset;
	unsigned int size;
	uint64_t value;
	const char *name;
};

static struct reg_val *reg_slot(struct reg_val *rv, size_t *n,
				const struct vsmmu_reg_arg *r)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (rv[i].offset == r->offset)
			return &rv[i];
	rv[*n] = (struct reg_val){ .offset = r->offset,
				   .size = r->size,
				   .value = r->offset == ARM_SMMU_CR0 ?
						    CR0_SMMUEN :
						    0,
				   .name = r->name };
	return &rv[(*n)++];
}

static int write_reg(struct vsmmu_smmu *smmu, const struct reg_val *r)
{
	uint64_t val = r->value;
	int ret;

	/* A GBPA value only takes effect when written with UPDATE set. */
	if (r->offset == ARM_SMMU_GBPA)
		val |= GBPA_UPDATE;
	ret = vsmmu_smmu_mmio_write(smmu, r->offset, r->size, val);
	if (ret)
		fprintf(stderr, PROG ": writing %s = 0x%" PRIx64 ": %s\n",
			r->name ? r->name : "register", val,
			vsmmu_strerror(ret));
	return ret;
}

/* Does @a look like a --cmdqv property list rather than a query? */
static bool cmdqv_props(const char *a)
{
	return a && (strchr(a, '=') || !strcmp(a, "on") || !strcmp(a, "off"));
}

int cmd_translate(int argc, char **argv)
{
	enum { OPT_CMDQV = 256 };
	static const struct option longopts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "reg", required_argument, NULL, 'r' },
		{ "smmu", required_argument, NULL, 's' },
		{ "cmdqv", optional_argument, NULL, OPT_CMDQV },
		{ "explain", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vsmmu_smmu_config cfg;
	struct vsmmu_reg_arg ra;
	struct reg_val *rv = NULL;
	struct vsmmu_mem *mem = NULL;
	struct ctx c = { .out = stdout };
	const char **mems = NULL;
	size_t nrv = 0, nmems = 0, i;
	uint64_t loaded;
	bool empty = false;
	char err[256];
	int opt, ret, status = 2;

	rv = calloc((size_t)argc + 2, sizeof(*rv));
	mems = calloc((size_t)argc + 1, sizeof(*mems));
	if (!rv || !mems) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out_free;
	}
	vsmmu_smmu_config_default(&cfg);

	c.ex.f = c.out;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:m:r:s:ejh", longopts, NULL)) !=
	       -1) {
		const char *props;

		switch (opt) {
		case 'm':
			mems[nmems++] = optarg;
			break;
		case 'r':
			if (vsmmu_reg_arg_parse(optarg, &ra, err,
						sizeof(err))) {
				fprintf(stderr, PROG ": --reg %s: %s\n", optarg,
					err);
				goto out_free;
			}
			if (is_id_reg(ra.offset)) {
				uint32_t *idr = id_reg(&cfg, ra.offset);

				*idr = (uint32_t)((*idr & ~ra.mask) | ra.value);
			} else {
				struct reg_val *r = reg_slot(rv, &nrv, &ra);

				r->value = (r->value & ~ra.mask) | ra.value;
			}
			break;
		case 's':
			if (vsmmu_smmu_opts_parse(optarg, &cfg, err,
						  sizeof(err))) {
				fprintf(stderr, PROG ": --smmu %s: %s\n",
					optarg, err);
				goto out_free;
			}
			break;
		case OPT_CMDQV:
			props = optarg;
			if (!props && optind < argc &&
			    cmdqv_props(argv[optind]))
				props = argv[optind++];
			if (vsmmu_cmdqv_opts_parse(props, &cfg, err,
						   sizeof(err))) {
				fprintf(stderr, PROG ": --cmdqv %s: %s\n",
					props ? props : "", err);
				goto out_free;
			}
			break;
		case 'e':
			c.explain = true;
			break;
		case 'j':
			break;
		case 'h':
			fputs(translate_usage, stdout);
			status = 0;
			goto out_free;
		case ':':
			fprintf(stderr,
				PROG ": %s needs a value (see '" PROG
				     " --help')\n",
				argv[optind - 1]);
			goto out_free;
		default:
			fprintf(stderr,
				PROG ": unknown option '%s' (see '" PROG
				     " --help')\n",
				argv[optind - 1]);
			goto out_free;
		}
	}
	if (!nmems) {
		fprintf(stderr, PROG ": no memory image: give --mem FILE\n");
		fputs(translate_usage, stderr);
		goto out_free;
	}

	ret = vsmmu_mem_create(VSMMU_MEM_MAX_PA_BITS, &mem);
	if (ret) {
		fprintf(stderr, PROG ": %s\n", vsmmu_strerror(ret));
		goto out_free;
	}
	for (i = 0; i < nmems; i++) {
		if (memfile_load(mem, mems[i], PROG, &loaded))
			goto out_mem;
		if (!loaded) {
			fprintf(stderr,
				PROG ": warning: %s loaded no memory (%s): "
				     "every answer about it will be an "
				     "external abort (F_STE_FETCH...)\n",
				mems[i],
				strchr(mems[i], '@') ? "the file is empty" :
						       "the ELF file has no "
						       "PT_LOAD segment with "
						       "memory");
			empty = true;
		}
	}

	ret = vsmmu_smmu_create(&cfg, mem, &c.smmu);
	if (ret) {
		fprintf(stderr, PROG ": cannot create the SMMU: %s%s\n",
			vsmmu_strerror(ret),
			ret == -EINVAL ?
				" (the ID registers, --smmu or --cmdqv "
				"describe an impossible SMMU)" :
				"");
		goto out_mem;
	}

	/*
	 * Program the SMMU as its driver left it: the tables and options
	 * first, CR0 last, since STRTAB_BASE(_CFG) ignore writes once SMMUEN
	 * is set.  A dump of a live SMMU is translated as enabled unless the
	 * caller says otherwise.
	 */
	for (i = 0; i < nrv; i++)
		if (rv[i].offset != ARM_SMMU_CR0 && write_reg(c.smmu, &rv[i]))
			goto out_smmu;
	ra = (struct vsmmu_reg_arg){ .offset = ARM_SMMU_CR0,
				     .size = 4,
				     .name = "CR0" };
	if (write_reg(c.smmu, reg_slot(rv, &nrv, &ra)))
		goto out_smmu;

	if (optind < argc) {
		for (i = (size_t)optind; i < (size_t)argc; i++)
			do_query(&c, (unsigned long)(i - (size_t)optind + 1),
				 argv[i]);
	} else {
		read_queries(&c, stdin);
	}
	if (fflush(c.out) || ferror(c.out)) {
		fprintf(stderr, PROG ": error writing output\n");
		goto out_smmu;
	}
	status = c.bad_lines ? 1 : empty ? 3 : 0;

out_smmu:
	vsmmu_smmu_destroy(c.smmu);
out_mem:
	vsmmu_mem_destroy(mem);
out_free:
	free(mems);
	free(rv);
	return status;
}
