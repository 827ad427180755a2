// SPDX-License-Identifier: MIT
/*
 * Fuzz the tool's parsers (tools/vsmmu/query.c, memfile.c's format
 * sniffer) with arbitrary text: a query line, a --reg (whole or field), a
 * --mem, a --smmu and a --cmdqv argument, and a file's first bytes.  Besides the
 * sanitizers' checks, it asserts the parsers' contracts: an accepted query
 * is within the architected limits and survives a format/parse round
 * trip; errors leave a printable, terminated message; an accepted --mem
 * names a non-empty file and an address inside 52 bits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/vsmmu/query.c"
/* for memfile_sniff(); the loader beside it is not called here */
#include "../tools/vsmmu/memfile.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const char *err)
{
	size_t i, n = strnlen(err, 128);

	if (n == 128)
		abort();
	for (i = 0; i < n; i++)
		if (err[i] < 0x20 || err[i] >= 0x7f)
			abort();
}

static void fuzz_query(const char *s)
{
	struct vsmmu_txn t, back;
	char err[128], buf[VSMMU_QUERY_FMT_MAX];
	int n;

	err[0] = '\0';
	if (vsmmu_query_parse(s, &t, err, sizeof(err))) {
		check_err(err);
		return;
	}
	if (t.ssv && t.ssid > VSMMU_QUERY_SSID_MAX)
		abort();
	n = vsmmu_query_format(&t, buf, sizeof(buf));
	if (n < 0 || (size_t)n != strlen(buf))
		abort();
	if (vsmmu_query_parse(buf, &back, err, sizeof(err)))
		abort();
	if (back.sid != t.sid || back.ssv != t.ssv || back.addr != t.addr ||
	    back.flags != t.flags || (t.ssv && back.ssid != t.ssid))
		abort();
	if (vsmmu_query_is_blank(s))
		abort();
}

static void fuzz_reg(const char *s)
{
	struct vsmmu_reg_arg r;
	char err[128];

	err[0] = '\0';
	if (vsmmu_reg_arg_parse(s, &r, err, sizeof(err))) {
		check_err(err);
		return;
	}
	if (r.size != 4 && r.size != 8)
		abort();
	if (r.size == 4 && (r.value > UINT32_MAX || r.mask > UINT32_MAX))
		abort();
	/* a field write touches its field only */
	if (!r.mask || (r.value & ~r.mask))
		abort();
}

static void fuzz_knobs(const char *s)
{
	struct vsmmu_smmu_config cfg, orig;
	char err[128];

	vsmmu_smmu_config_default(&cfg);
	orig = cfg;
	err[0] = '\0';
	if (vsmmu_smmu_opts_parse(s, &cfg, err, sizeof(err))) {
		check_err(err);
	} else if (cfg.idr[2] != orig.idr[2] || cfg.idr[4] != orig.idr[4] ||
		   cfg.cmdqv.present != orig.cmdqv.present) {
		abort(); /* only IDR0/1/3/5 and exec have properties */
	}
	err[0] = '\0';
	if (vsmmu_cmdqv_opts_parse(s, &cfg, err, sizeof(err))) {
		check_err(err);
		return;
	}
	if (cfg.cmdqv.present &&
	    (cfg.cmdqv.num_vintf_log2 > 6 || cfg.cmdqv.num_vcmdq_log2 > 7 ||
	     cfg.cmdqv.num_sid_per_vm_log2 > 4 || cfg.cmdqv.version > 15))
		abort();
}

static void fuzz_mem(const char *s)
{
	struct vsmmu_mem_arg m;
	char err[128];

	err[0] = '\0';
	if (vsmmu_mem_arg_parse(s, &m, err, sizeof(err))) {
		check_err(err);
		return;
	}
	if (m.path_len == 0 || m.path_len > strlen(s))
		abort();
	if (m.has_addr && m.addr >> VSMMU_MEM_MAX_PA_BITS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* the parsers take C strings: stop at any NUL */
	fuzz_query(s);
	fuzz_reg(s);
	fuzz_mem(s);
	fuzz_knobs(s);
	if (memfile_sniff(data, size) > MEMFILE_LZ4)
		abort();
	free(s);
	return 0;
}
