// SPDX-License-Identifier: MIT
/*
 * vsmmu mkimage: write an example physical memory image, an ELF core file,
 * holding a stream table, context descriptors and translation tables that
 * cover every kind of stream, for newcomers and for the tool's tests.
 *
 * The layout is fixed (see docs/translate.md): the structures the SMMU
 * finds through registers and STEs are placed by hand at known addresses
 * and written word by word with the <vsmmu/arch.h> masks; the translation
 * tables come from the page-table library, from a pool at POOL_BASE.  The
 * output addresses of the mappings are chosen here, so the answers to the
 * example queries can be worked out from this file alone.
 *
 * Under nesting (SID 0x14) the CD pointer and the stage-1 table addresses
 * are IPAs; stage 2 maps IPA [0, 4 MiB) onto the same PAs, so the CD and
 * the pool's tables are found at IPA == PA.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"
#include "out.h"
#include "query.h"

#define PROG "vsmmu mkimage"

/* Fixed layout */
#define STRTAB_L1_BASE 0x100000ULL /* level-1 stream table */
#define STRTAB_L2_BASE 0x110000ULL /* level-2 table for SIDs 0x00-0x1f */
#define CD_TABLE_BASE 0x111000ULL /* SID 0x10: linear CD table */
#define NESTED_CD_BASE 0x112000ULL /* SID 0x14: one CD, at an IPA */
#define POOL_BASE 0x200000ULL /* translation tables */
#define POOL_SIZE 0x40000ULL
#define IDENT_IPA_SIZE 0x400000ULL /* nested stage 2: IPA == PA below */

#define SPLIT 8
#define L2_SPAN 6 /* 2^(6-1) = 32 STEs: SIDs 0x00-0x1f */
#define LOG2SIZE_DEFAULT 16
#define LOG2SIZE_MIN SPLIT
#define LOG2SIZE_MAX 21 /* a 64 KiB level-1 table fits before L2 */
#define S1CDMAX 2 /* 4 CDs: SSIDs 0-3 */

#define SID_S1 0x10
#define SID_BYPASS 0x11
#define SID_ABORT 0x12
#define SID_S2 0x13
#define SID_NESTED 0x14
#define SID_INVALID 0x15

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL

static const char mkimage_usage[] =
	"usage: vsmmu mkimage [--sids N] [--json] OUT.elf\n"
	"\n"
	"Write an example memory image (an ELF64 core file, one PT_LOAD per\n"
	"present range) with a two-level stream table and streams of every\n"
	"kind: 0x10 stage 1 with substreams, 0x11 bypass, 0x12 abort, 0x13\n"
	"stage 2 only, 0x14 nested, 0x15 invalid (V=0).  Prints the --reg\n"
	"arguments that point an SMMU at it and example queries with their\n"
	"answers.  OUT.elf '-' writes the image to standard output (the\n"
	"summary then goes to standard error).\n"
	"\n"
	"options:\n"
	"  --sids N     StreamIDs the stream table covers (rounded up to a\n"
	"               power of two, 256..2097152; default 65536)\n"
	"  --json       the summary as one JSON object: file, ranges, bytes,\n"
	"               regs (NAME: hex value), streams, examples\n"
	"  -h, --help   this text\n"
	"\n"
	"Numbers are decimal, or hexadecimal with 0x.\n"
	"Exit status: 0 written, 2 usage error or the file cannot be written.\n"
	"\n"
	"See docs/translate.md for the layout.\n";

/* An example query and the answer the layout above gives. */
struct example {
	const char *query;
	const char *answer;
};

static const struct example examples[] = {
	{ "0x10 - 0x10002345 r", "ok, oa 0x80002345 (no SSID: CD 0, ASID 1)" },
	{ "0x10 1 0x10002345 w", "ok, oa 0x88002345 (SSID 1, ASID 2)" },
	{ "0x10 0 0x10002345 r",
	  "fault F_STREAM_DISABLED (S1DSS=0b10 keeps CD 0 for no-SSID)" },
	{ "0x10 - 0x40123456 r", "ok, oa 0xc0123456, 2 MiB block" },
	{ "0x10 - 0x10004010 w", "fault F_PERMISSION (read-only page)" },
	{ "0x10 - 0x10005000 r", "fault F_ACCESS (AF clear)" },
	{ "0x10 - 0x20000000 r", "fault F_PERMISSION (privileged-only page)" },
	{ "0x10 - 0x20000000 xp", "ok, oa 0xa0000000, perm r-x" },
	{ "0x10 - 0x30000000 r", "fault F_TRANSLATION (unmapped)" },
	{ "0x10 2 0x1000 r", "fault C_BAD_CD (CD 2 has V=0)" },
	{ "0x10 4 0x1000 r", "fault C_BAD_SUBSTREAMID (S1CDMax 2)" },
	{ "0x11 - 0x12345678 w", "ok, bypass, oa 0x12345678" },
	{ "0x12 - 0x1000 r", "terminated (Config abort: no event)" },
	{ "0x13 - 0x40000010 w", "ok, oa 0x100000010 (stage 2, 2 MiB)" },
	{ "0x13 - 0x50000008 w", "fault F_PERMISSION, S2 (read-only)" },
	{ "0x14 - 0x10000234 r", "ok, ipa 0x80001234, oa 0x70001234" },
	{ "0x14 - 0x20000000 r", "fault F_TRANSLATION, S2 (IPA unmapped)" },
	{ "0x15 - 0x1000 r", "fault C_BAD_STE (V=0)" },
	{ "0x20 - 0x1000 r", "fault C_BAD_STREAMID (beyond the L2 span)" },
};

/* --- Building ------------------------------------------------------------- */

struct image {
	struct vsmmu_mem *mem;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_pgtable *pgt[5];
	unsigned int npgt;
	unsigned int log2size;
};

static int write_words(struct vsmmu_mem *mem, uint64_t pa, const uint64_t *w,
		       unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = vsmmu_mem_write64(mem, pa + 8 * i, w[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int new_pgtable(struct image *img, enum vsmmu_pgtable_fmt fmt,
		       unsigned int ias, struct vsmmu_pgtable **out)
{
	struct vsmmu_pgtable_cfg cfg = {
		.fmt = fmt,
		.granule_shift = 12,
		.ias = ias,
		.oas = 48,
		.pool = img->pool,
	};
	int ret;

	if (img->npgt >= VS_ARRAY_SIZE(img->pgt))
		return -ENOSPC;
	ret = vsmmu_pgtable_create(&cfg, out);
	if (!ret)
		img->pgt[img->npgt++] = *out;
	return ret;
}

struct mapping {
	uint64_t iova, pa, size;
	unsigned int prot;
};

static int map_all(struct vsmmu_pgtable *pgt, const struct mapping *m, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = vsmmu_pgtable_map(pgt, m[i].iova, m[i].pa, m[i].size,
					m[i].prot);
		if (ret)
			return ret;
	}
	return 0;
}

#define RW (VSMMU_PROT_READ | VSMMU_PROT_WRITE)
#define URW (RW | VSMMU_PROT_USER)

/* SID 0x10, SSID 0 (ASID 1) */
static const struct mapping s1_ssid0_maps[] = {
	{ 0x10000000, 0x80000000, 4 * SZ_4K, URW | VSMMU_PROT_CACHE },
	{ 0x10004000, 0x90000000, SZ_4K, VSMMU_PROT_READ | VSMMU_PROT_USER },
	{ 0x10005000, 0x90001000, SZ_4K, URW | VSMMU_PROT_NOAF },
	{ 0x20000000, 0xa0000000, SZ_4K, VSMMU_PROT_READ | VSMMU_PROT_EXEC },
	{ 0x40000000, 0xc0000000, SZ_2M, URW },
};

/* SID 0x10, SSID 1 (ASID 2): the same IOVA as SSID 0, elsewhere */
static const struct mapping s1_ssid1_maps[] = {
	{ 0x10000000, 0x88000000, 4 * SZ_4K, URW },
};

/* SID 0x13, stage 2 only (VMID 1) */
static const struct mapping s2_maps[] = {
	{ 0x40000000, 0x100000000, SZ_2M, RW },
	{ 0x50000000, 0xb0000000, SZ_4K, VSMMU_PROT_READ },
};

/* SID 0x14, nested: stage 1 (ASID 3) over stage 2 (VMID 2) */
static const struct mapping nested_s1_maps[] = {
	{ 0x10000000, 0x80001000, SZ_4K, URW },
	{ 0x20000000, 0x90000000, SZ_4K, URW }, /* IPA not mapped at S2 */
};

static const struct mapping nested_s2_maps[] = {
	{ 0, 0, IDENT_IPA_SIZE, RW }, /* tables and CD: IPA == PA */
	{ 0x80000000, 0x70000000, SZ_2M, RW },
};

static uint64_t cd_word0(const struct vsmmu_pgtable_info *info, uint16_t asid)
{
	return VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, info->tsz) |
	       VS_FIELD_PREP(CTXDESC_CD_0_TCR_TG0, info->tg) |
	       VS_FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, 1) |
	       VS_FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, 1) |
	       VS_FIELD_PREP(CTXDESC_CD_0_TCR_SH0, 3) | CTXDESC_CD_0_TCR_EPD1 |
	       CTXDESC_CD_0_V | VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, info->ps) |
	       CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A |
	       CTXDESC_CD_0_ASET | VS_FIELD_PREP(CTXDESC_CD_0_ASID, asid);
}

static int write_cd(struct vsmmu_mem *mem, uint64_t pa,
		    const struct vsmmu_pgtable *pgt, uint16_t asid)
{
	struct vsmmu_pgtable_info info;
	uint64_t cd[CTXDESC_CD_DWORDS] = { 0 };

	vsmmu_pgtable_get_info(pgt, &info);
	cd[0] = cd_word0(&info, asid);
	cd[1] = info.ttb & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = ARM_LPAE_MAIR_DEFAULT;
	return write_words(mem, pa, cd, CTXDESC_CD_DWORDS);
}

/* STE dword 1 for streams that use stage 1: table walks cacheable. */
static uint64_t ste_s1_word1(void)
{
	return VS_FIELD_PREP(STRTAB_STE_1_S1DSS, STRTAB_STE_1_S1DSS_SSID0) |
	       VS_FIELD_PREP(STRTAB_STE_1_S1CIR, 1) |
	       VS_FIELD_PREP(STRTAB_STE_1_S1COR, 1) |
	       VS_FIELD_PREP(STRTAB_STE_1_S1CSH, 3) |
	       VS_FIELD_PREP(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_NSEL1);
}

static void ste_s2_words(uint64_t *ste, const struct vsmmu_pgtable *pgt,
			 uint16_t vmid)
{
	struct vsmmu_pgtable_info info;

	vsmmu_pgtable_get_info(pgt, &info);
	ste[2] = VS_FIELD_PREP(STRTAB_STE_2_S2VMID, vmid) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2T0SZ, info.tsz) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2SL0, info.sl0) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2IR0, 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2OR0, 1) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2SH0, 3) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2TG, info.tg) |
		 VS_FIELD_PREP(STRTAB_STE_2_S2PS, info.ps) |
		 STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2R;
	ste[3] = info.ttb & STRTAB_STE_3_S2TTB_MASK;
}

static int write_ste(struct vsmmu_mem *mem, uint32_t sid, const uint64_t *ste)
{
	return write_words(mem, STRTAB_L2_BASE + (uint64_t)sid * 64, ste,
			   STRTAB_STE_DWORDS);
}

static int build(struct image *img)
{
	struct vsmmu_mem *mem = img->mem;
	struct vsmmu_pgtable *s1a, *s1b, *s2, *n1, *n2;
	uint64_t ste[STRTAB_STE_DWORDS], l1;
	uint64_t l1_size = 8ULL << (img->log2size - SPLIT);
	int ret;

	/* The fixed structures, zeroed: absent CDs and STEs read as V=0. */
	ret = vsmmu_mem_populate(mem, STRTAB_L1_BASE, l1_size);
	if (!ret)
		ret = vsmmu_mem_populate(mem, STRTAB_L2_BASE,
					 NESTED_CD_BASE + SZ_4K -
						 STRTAB_L2_BASE);
	if (!ret)
		ret = vsmmu_mem_pool_create(mem, POOL_BASE, POOL_SIZE,
					    &img->pool);
	if (ret)
		return ret;

	/* Level 1: one descriptor, for SIDs 0x00-0xff; the rest SPAN 0. */
	l1 = VS_FIELD_PREP(STRTAB_L1_DESC_SPAN, L2_SPAN) |
	     (STRTAB_L2_BASE & STRTAB_L1_DESC_L2PTR_MASK);
	ret = vsmmu_mem_write64(mem, STRTAB_L1_BASE, l1);
	if (ret)
		return ret;

	/* 0x10: stage 1, linear CD table of 4 (SSIDs 0, 1 valid) */
	if ((ret = new_pgtable(img, VSMMU_PGTABLE_S1, 48, &s1a)) ||
	    (ret = map_all(s1a, s1_ssid0_maps, VS_ARRAY_SIZE(s1_ssid0_maps))) ||
	    (ret = new_pgtable(img, VSMMU_PGTABLE_S1, 48, &s1b)) ||
	    (ret = map_all(s1b, s1_ssid1_maps, VS_ARRAY_SIZE(s1_ssid1_maps))) ||
	    (ret = write_cd(mem, CD_TABLE_BASE, s1a, 1)) ||
	    (ret = write_cd(mem, CD_TABLE_BASE + 64, s1b, 2)))
		return ret;
	memset(ste, 0, sizeof(ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_LINEAR) |
		 (CD_TABLE_BASE & STRTAB_STE_0_S1CTXPTR_MASK) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1CDMAX, S1CDMAX);
	ste[1] = ste_s1_word1();
	if ((ret = write_ste(mem, SID_S1, ste)))
		return ret;

	/* 0x11: bypass, attributes as incoming */
	memset(ste, 0, sizeof(ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	ste[1] = VS_FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
	if ((ret = write_ste(mem, SID_BYPASS, ste)))
		return ret;

	/* 0x12: abort (V=1, Config 0): terminated without an event */
	memset(ste, 0, sizeof(ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
	if ((ret = write_ste(mem, SID_ABORT, ste)))
		return ret;

	/* 0x13: stage 2 only, VMID 1, 40-bit IPA */
	if ((ret = new_pgtable(img, VSMMU_PGTABLE_S2, 40, &s2)) ||
	    (ret = map_all(s2, s2_maps, VS_ARRAY_SIZE(s2_maps))))
		return ret;
	memset(ste, 0, sizeof(ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	ste[1] = VS_FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
	ste_s2_words(ste, s2, 1);
	if ((ret = write_ste(mem, SID_S2, ste)))
		return ret;

	/* 0x14: nested, one CD (ASID 3) at an IPA, VMID 2 */
	if ((ret = new_pgtable(img, VSMMU_PGTABLE_S2, 40, &n2)) ||
	    (ret = map_all(n2, nested_s2_maps,
			   VS_ARRAY_SIZE(nested_s2_maps))) ||
	    (ret = new_pgtable(img, VSMMU_PGTABLE_S1, 48, &n1)) ||
	    (ret = map_all(n1, nested_s1_maps,
			   VS_ARRAY_SIZE(nested_s1_maps))) ||
	    (ret = write_cd(mem, NESTED_CD_BASE, n1, 3)))
		return ret;
	memset(ste, 0, sizeof(ste));
	ste[0] = STRTAB_STE_0_V |
		 VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED) |
		 VS_FIELD_PREP(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_LINEAR) |
		 (NESTED_CD_BASE & STRTAB_STE_0_S1CTXPTR_MASK);
	ste[1] = ste_s1_word1();
	ste_s2_words(ste, n2, 2);
	if ((ret = write_ste(mem, SID_NESTED, ste)))
		return ret;

	/* 0x15: would be bypass, but V=0 */
	memset(ste, 0, sizeof(ste));
	ste[0] = VS_FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	return write_ste(mem, SID_INVALID, ste);
}

/* --- ELF core writer ------------------------------------------------------ */

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define ELF_ALIGN 0x1000ULL

struct range {
	uint64_t pa, size;
};

struct ranges {
	struct range *r;
	size_t n, cap;
};

static int add_range(void *arg, uint64_t pa, uint64_t size)
{
	struct ranges *rs = arg;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct range *r = realloc(rs->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n].pa = pa;
	rs->r[rs->n].size = size;
	rs->n++;
	return 0;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int write_all(FILE *f, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, f) == len ? 0 : -EIO;
}

/*
 * ELF64 little-endian ET_CORE for AArch64: the header, one program header
 * per range, then each range's bytes at a page-aligned offset (so a loader
 * may map them), p_paddr = p_vaddr = the range's physical address.
 */
static int write_elf(const struct vsmmu_mem *mem, const struct ranges *rs,
		     FILE *f)
{
	unsigned char eh[EHDR_SIZE] = { 0 }, ph[PHDR_SIZE];
	static unsigned char buf[64 * 1024];
	uint64_t off, pos;
	size_t i;
	int ret;

	if (rs->n > 0xfffe)
		return -E2BIG;
	memcpy(eh, "\177ELF", 4);
	eh[4] = 2; /* ELFCLASS64 */
	eh[5] = 1; /* ELFDATA2LSB */
	eh[6] = 1; /* EV_CURRENT */
	put16(eh + 16, 4); /* e_type: ET_CORE */
	put16(eh + 18, 183); /* e_machine: EM_AARCH64 */
	put32(eh + 20, 1); /* e_version */
	put64(eh + 32, EHDR_SIZE); /* e_phoff */
	put16(eh + 52, EHDR_SIZE); /* e_ehsize */
	put16(eh + 54, PHDR_SIZE); /* e_phentsize */
	put16(eh + 56, (uint16_t)rs->n); /* e_phnum */
	if ((ret = write_all(f, eh, sizeof(eh))))
		return ret;

	off = VS_ALIGN_UP(EHDR_SIZE + PHDR_SIZE * rs->n, ELF_ALIGN);
	for (i = 0; i < rs->n; i++) {
		memset(ph, 0, sizeof(ph));
		put32(ph + 0, 1); /* p_type: PT_LOAD */
		put32(ph + 4, 6); /* p_flags: PF_R | PF_W */
		put64(ph + 8, off); /* p_offset */
		put64(ph + 16, rs->r[i].pa); /* p_vaddr */
		put64(ph + 24, rs->r[i].pa); /* p_paddr */
		put64(ph + 32, rs->r[i].size); /* p_filesz */
		put64(ph + 40, rs->r[i].size); /* p_memsz */
		put64(ph + 48, ELF_ALIGN); /* p_align */
		if ((ret = write_all(f, ph, sizeof(ph))))
			return ret;
		off += VS_ALIGN_UP(rs->r[i].size, ELF_ALIGN);
	}

	pos = EHDR_SIZE + PHDR_SIZE * rs->n;
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < rs->n; i++) {
		uint64_t done = 0, pad = VS_ALIGN_UP(pos, ELF_ALIGN) - pos;

		if ((ret = write_all(f, buf, (size_t)pad)))
			return ret;
		pos += pad;
		while (done < rs->r[i].size) {
			uint64_t n = rs->r[i].size - done;

			if (n > sizeof(buf))
				n = sizeof(buf);
			ret = vsmmu_mem_read(mem, rs->r[i].pa + done, buf,
					     (size_t)n);
			if (!ret)
				ret = write_all(f, buf, (size_t)n);
			if (ret)
				return ret;
			done += n;
		}
		pos += rs->r[i].size;
		memset(buf, 0, sizeof(buf));
	}
	return 0;
}

/* Write the image to @path, or to standard output for "-". */
static int save(const struct vsmmu_mem *mem, const char *path,
		struct ranges *rs)
{
	bool out = !strcmp(path, "-");
	FILE *f;
	int ret;

	ret = vsmmu_mem_for_each_range(mem, add_range, rs);
	if (ret)
		return ret;
	f = out ? stdout : fopen(path, "wb");
	if (!f)
		return -errno;
	ret = write_elf(mem, rs, f);
	if (out) {
		if (fflush(f) && !ret)
			ret = -errno;
		return ret;
	}
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

/* --- The verb ------------------------------------------------------------- */

static const char *const stream_kinds[] = {
	"stage 1, linear CD table, SSIDs 0-1",
	"bypass",
	"abort",
	"stage 2 only, VMID 1",
	"nested, VMID 2, ASID 3",
	"invalid (V=0)",
};

static void print_summary_json(FILE *f, const char *out,
			       const struct image *img, const struct ranges *rs,
			       uint64_t cfg, uint64_t bytes)
{
	size_t i;

	fputs("{\"file\":", f);
	out_json_str(f, out);
	fprintf(f, ",\"ranges\":[");
	for (i = 0; i < rs->n; i++)
		fprintf(f,
			"%s{\"pa\":\"0x%" PRIx64 "\",\"size\":\"0x%" PRIx64
			"\"}",
			i ? "," : "", rs->r[i].pa, rs->r[i].size);
	fprintf(f,
		"],\"bytes\":\"0x%" PRIx64 "\",\"regs\":{\"STRTAB_BASE\":"
		"\"0x%llx\",\"STRTAB_BASE_CFG\":\"0x%" PRIx64
		"\",\"CR2\":\"0x%llx\"},\"log2size\":%u,\"streams\":[",
		bytes, STRTAB_L1_BASE, cfg, CR2_RECINVSID, img->log2size);
	for (i = 0; i < VS_ARRAY_SIZE(stream_kinds); i++) {
		fprintf(f, "%s{\"sid\":\"0x%zx\",\"kind\":", i ? "," : "",
			SID_S1 + i);
		out_json_str(f, stream_kinds[i]);
		fputc('}', f);
	}
	fputs("],\"examples\":[", f);
	for (i = 0; i < VS_ARRAY_SIZE(examples); i++) {
		fprintf(f, "%s{\"query\":", i ? "," : "");
		out_json_str(f, examples[i].query);
		fputs(",\"expected\":", f);
		out_json_str(f, examples[i].answer);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

static void print_summary(FILE *f, const char *out, const struct image *img,
			  const struct ranges *rs, bool json)
{
	uint64_t cfg, bytes = 0;
	char regs[128];
	size_t i;

	for (i = 0; i < rs->n; i++)
		bytes += rs->r[i].size;
	cfg = VS_FIELD_PREP(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL) |
	      VS_FIELD_PREP(STRTAB_BASE_CFG_SPLIT, SPLIT) |
	      VS_FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE, img->log2size);
	if (json) {
		print_summary_json(f, out, img, rs, cfg, bytes);
		return;
	}
	snprintf(regs, sizeof(regs),
		 "--reg STRTAB_BASE=0x%llx --reg STRTAB_BASE_CFG=0x%" PRIx64
		 " --reg CR2=0x%llx",
		 STRTAB_L1_BASE, cfg, CR2_RECINVSID);

	fprintf(f, "wrote %s: %zu ranges, 0x%" PRIx64 " bytes of memory\n", out,
		rs->n, bytes);
	fprintf(f, "regs: %s\n", regs);
	fprintf(f,
		"  (CR2.RECINVSID reports invalid StreamIDs as C_BAD_STREAMID;\n"
		"   without it they are terminated silently)\n\n");
	fprintf(f,
		"stream table: 2-level, SPLIT %u, LOG2SIZE %u, L1 @0x%llx, "
		"L2 (SIDs 0x0-0x1f) @0x%llx\n",
		SPLIT, img->log2size, STRTAB_L1_BASE, STRTAB_L2_BASE);
	fprintf(f,
		"  SID 0x10  stage 1, 4K, 48-bit, linear CD table @0x%llx:\n"
		"            SSID 0 (ASID 1, also used by no-SSID traffic),\n"
		"            SSID 1 (ASID 2), SSIDs 2-3 V=0\n"
		"  SID 0x11  bypass\n"
		"  SID 0x12  abort\n"
		"  SID 0x13  stage 2 only, VMID 1, 4K, 40-bit IPA\n"
		"  SID 0x14  nested: CD @IPA 0x%llx (ASID 3) over VMID 2\n"
		"  SID 0x15  V=0\n\n",
		CD_TABLE_BASE, NESTED_CD_BASE);
	fprintf(f, "try:\n  vsmmu translate --mem %s %s \\\n", out, regs);
	for (i = 0; i < VS_ARRAY_SIZE(examples); i++)
		fprintf(f, "      '%s'%s\n", examples[i].query,
			i + 1 < VS_ARRAY_SIZE(examples) ? " \\" : "");
	fprintf(f, "\nexpected:\n");
	for (i = 0; i < VS_ARRAY_SIZE(examples); i++)
		fprintf(f, "  %-22s %s\n", examples[i].query,
			examples[i].answer);
}

static unsigned int log2_roundup(uint64_t n)
{
	unsigned int l = 0;

	while (l < 63 && (1ULL << l) < n)
		l++;
	return l;
}

int cmd_mkimage(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sids", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	struct image img = { .log2size = LOG2SIZE_DEFAULT };
	struct ranges rs = { 0 };
	const char *out;
	uint64_t sids;
	unsigned int i;
	int opt, ret, status = 2;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (vsmmu_parse_u64(optarg, strlen(optarg),
					    1ULL << LOG2SIZE_MAX, &sids) ||
			    sids == 0) {
				fprintf(stderr,
					PROG ": --sids %s: expected a number "
					     "from 1 to %llu\n",
					optarg, 1ULL << LOG2SIZE_MAX);
				return 2;
			}
			img.log2size = log2_roundup(sids);
			if (img.log2size < LOG2SIZE_MIN)
				img.log2size = LOG2SIZE_MIN;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(mkimage_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr,
				PROG ": %s needs a value (see '" PROG
				     " --help')\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
				PROG ": unknown option '%s' (see '" PROG
				     " --help')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, PROG ": expected one output file name\n");
		fputs(mkimage_usage, stderr);
		return 2;
	}
	out = argv[optind];

	ret = vsmmu_mem_create(VSMMU_MEM_MAX_PA_BITS, &img.mem);
	if (ret) {
		fprintf(stderr, PROG ": %s\n", vsmmu_strerror(ret));
		return 2;
	}
	ret = build(&img);
	if (ret) {
		fprintf(stderr, PROG ": building the image: %s\n",
			vsmmu_strerror(ret));
		goto out;
	}
	ret = save(img.mem, out, &rs);
	if (ret) {
		fprintf(stderr, PROG ": writing %s: %s\n", out,
			vsmmu_strerror(ret));
		goto out;
	}
	/* the summary goes where the image does not */
	print_summary(strcmp(out, "-") ? stdout : stderr, out, &img, &rs, json);
	status = 0;
out:
	free(rs.r);
	for (i = 0; i < img.npgt; i++)
		vsmmu_pgtable_destroy(img.pgt[i]);
	if (img.pool)
		vsmmu_mem_pool_destroy(img.pool);
	vsmmu_mem_destroy(img.mem);
	return status;
}
