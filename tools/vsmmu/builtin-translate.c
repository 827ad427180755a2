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
 * answered), 2 for a usage or setup error (bad option, file, register).
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
	"from standard input ('#' comments and blank lines are skipped).\n"
	"Each answer is one JSON object on one line.\n"
	"\n"
	"options:\n"
	"  -m, --mem FILE        load an ELF core file (PT_LOAD at p_paddr)\n"
	"  -m, --mem FILE@ADDR   load a raw file at physical address ADDR\n"
	"  -r, --reg NAME=VALUE  set an SMMU register (STRTAB_BASE,\n"
	"                        STRTAB_BASE_CFG, CR0, CR2, GBPA, IDR0..IDR5,\n"
	"                        IIDR, AIDR, ...); CR0 defaults to SMMUEN=1\n"
	"  -e, --explain         print every step of each walk before its answer\n"
	"  -h, --help            this text\n"
	"\n"
	"Both options repeat.  Numbers are decimal or 0x hex.\n"
	"Exit status: 0 all queries answered, 1 some query was malformed,\n"
	"2 usage or setup error.  See docs/translate.md.\n";

/* --- JSON ----------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

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
		json_str(f, evt_name(res, nb, sizeof(nb)));
		fputs(",\"evt\":[", f);
		for (i = 0; i < 4; i++)
			fprintf(f, "%s\"0x%" PRIx64 "\"", i ? "," : "",
				res->evt[i]);
		fprintf(f, "],\"recorded\":%s,\"stall\":%s,\"fields\":{",
			res->recorded ? "true" : "false",
			res->stall ? "true" : "false");
		decode_fields(VSMMU_DECODE_EVT, res->evt, 4, NULL,
			      &c->ex.fields);
		for (i = 0; i < c->ex.fields.n; i++) {
			if (i)
				fputc(',', f);
			json_str(f, c->ex.fields.f[i].name);
			fprintf(f, ":\"0x%" PRIx64 "\"",
				c->ex.fields.f[i].value);
		}
		fputc('}', f);
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
	json_str(c->out, why);
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

/* Read up to @len bytes of the start of @path.  Return bytes or -errno. */
static ssize_t read_head(const char *path, void *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return (ssize_t)got;
}

static int load_mem(struct vsmmu_mem *mem, const char *arg)
{
	struct vsmmu_mem_arg ma;
	unsigned char head[64];
	char err[160], *path;
	ssize_t n;
	int ret;

	if (vsmmu_mem_arg_parse(arg, &ma, err, sizeof(err))) {
		fprintf(stderr, PROG ": --mem %s: %s\n", arg, err);
		return -EINVAL;
	}
	path = strndup(arg, ma.path_len);
	if (!path) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	if (ma.has_addr) {
		ret = vsmmu_mem_load_raw(mem, path, ma.addr);
		if (ret)
			fprintf(stderr,
				PROG ": cannot load %s at 0x%" PRIx64
				     ": %s%s\n",
				path, ma.addr, vsmmu_strerror(ret),
				ret == -EINVAL ?
					" (it does not fit below 2^52)" :
					"");
		goto out;
	}
	n = read_head(path, head, sizeof(head));
	if (n < 0) {
		ret = (int)n;
		fprintf(stderr, PROG ": cannot read %s: %s\n", path,
			vsmmu_strerror(ret));
		goto out;
	}
	if (!vsmmu_mem_is_elf(head, (size_t)n)) {
		fprintf(stderr,
			PROG ": %s is not an ELF file; for a raw memory image "
			     "give its load address: --mem %s@ADDR\n",
			path, path);
		ret = -ENOEXEC;
		goto out;
	}
	ret = vsmmu_mem_load_elf(mem, path);
	if (ret)
		fprintf(stderr, PROG ": cannot load ELF file %s: %s\n", path,
			vsmmu_strerror(ret));
out:
	free(path);
	return ret;
}

static bool is_id_reg(uint64_t off)
{
	return off <= ARM_SMMU_AIDR;
}

static void set_id_reg(struct vsmmu_smmu_config *cfg, uint64_t off,
		       uint64_t val)
{
	if (off == ARM_SMMU_IIDR)
		cfg->iidr = (uint32_t)val;
	else if (off == ARM_SMMU_AIDR)
		cfg->aidr = (uint32_t)val;
	else
		cfg->idr[off / 4] = (uint32_t)val;
}

static int write_reg(struct vsmmu_smmu *smmu, const struct vsmmu_reg_arg *r)
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

int cmd_translate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "reg", required_argument, NULL, 'r' },
		{ "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vsmmu_smmu_config cfg;
	struct vsmmu_reg_arg *regs = NULL, cr0;
	struct vsmmu_mem *mem = NULL;
	struct ctx c = { .out = stdout };
	const char **mems = NULL;
	size_t nregs = 0, nmems = 0, i;
	bool have_cr0 = false;
	char err[160];
	int opt, ret, status = 2;

	regs = calloc((size_t)argc + 1, sizeof(*regs));
	mems = calloc((size_t)argc + 1, sizeof(*mems));
	if (!regs || !mems) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out_free;
	}

	c.ex.f = c.out;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "m:r:eh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'm':
			mems[nmems++] = optarg;
			break;
		case 'r':
			if (vsmmu_reg_arg_parse(optarg, &regs[nregs], err,
						sizeof(err))) {
				fprintf(stderr, PROG ": --reg %s: %s\n", optarg,
					err);
				goto out_free;
			}
			if (regs[nregs].offset == ARM_SMMU_CR0) {
				cr0 = regs[nregs];
				have_cr0 = true;
			} else {
				nregs++;
			}
			break;
		case 'e':
			c.explain = true;
			break;
		case 'h':
			fputs(translate_usage, stdout);
			status = 0;
			goto out_free;
		default:
			fputs(translate_usage, stderr);
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
	for (i = 0; i < nmems; i++)
		if (load_mem(mem, mems[i]))
			goto out_mem;

	vsmmu_smmu_config_default(&cfg);
	for (i = 0; i < nregs; i++)
		if (is_id_reg(regs[i].offset))
			set_id_reg(&cfg, regs[i].offset, regs[i].value);
	ret = vsmmu_smmu_create(&cfg, mem, &c.smmu);
	if (ret) {
		fprintf(stderr, PROG ": cannot create the SMMU: %s%s\n",
			vsmmu_strerror(ret),
			ret == -EINVAL ? " (the ID registers describe an "
					 "impossible SMMU)" :
					 "");
		goto out_mem;
	}

	/*
	 * Program the SMMU as its driver left it: the tables and options
	 * first, CR0 last, since STRTAB_BASE(_CFG) ignore writes once SMMUEN
	 * is set.  A dump of a live SMMU is translated as enabled unless the
	 * caller says otherwise.
	 */
	for (i = 0; i < nregs; i++)
		if (!is_id_reg(regs[i].offset) && write_reg(c.smmu, &regs[i]))
			goto out_smmu;
	if (!have_cr0) {
		cr0.offset = ARM_SMMU_CR0;
		cr0.size = 4;
		cr0.value = CR0_SMMUEN;
		cr0.name = "CR0";
	}
	if (write_reg(c.smmu, &cr0))
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
	status = c.bad_lines ? 1 : 0;

out_smmu:
	vsmmu_smmu_destroy(c.smmu);
out_mem:
	vsmmu_mem_destroy(mem);
out_free:
	free(mems);
	free(regs);
	return status;
}
