// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the decoders: the input's first bytes choose the
 * descriptor options, the rest are taken as little-endian 64-bit words and
 * fed to every decode kind and, as a register value, to every register
 * offset.  Each field reported must be well formed; a malformed one aborts
 * so the fuzzer records the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/decode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap);

/*
 * Seeds for the standalone driver: option bytes (level 3 + 2 = 5, 4K),
 * then the golden words of tests/test_arch.c: an STE, a TLBI_NH_VA and an
 * F_TRANSLATION event.
 */
static const uint64_t seed_words[][4] = {
	{ 0x500000081234502bULL, 0x000b10009a0c00d6ULL, 0x05edb55900001234ULL,
	  0x0000123456789ab0ULL },
	{ 0xabcd56780141f012ULL, 0xffff800012345701ULL, 0, 0 },
	{ 0x00001234abcde810ULL, 0x0000128e8000beefULL, 0xffff000012345678ULL,
	  0x000fffffffffffffULL },
};

size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	size_t len = 2 + sizeof(seed_words[0]);
	unsigned int j, b;

	if (i >= sizeof(seed_words) / sizeof(seed_words[0]) || cap < len)
		return 0;
	buf[0] = 5;
	buf[1] = 12;
	for (j = 0; j < 4; j++)
		for (b = 0; b < 8; b++)
			buf[2 + j * 8 + b] =
				(uint8_t)(seed_words[i][j] >> (8 * b));
	return len;
}

static int check(void *arg, const struct vsmmu_field *f)
{
	size_t *n = arg;

	if (!f->name || !f->name[0] || f->hi > 63 || f->lo > f->hi ||
	    f->dword >= 8)
		abort();
	/* touch the meaning: it must be a valid string while we are called */
	if (f->meaning && strlen(f->meaning) > 4096)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* every register offset of the SMMUv3 page 0 and page 1 layout */
	static const uint64_t extra[] = { 0x100a8, 0x100ac, 0x100c8, 0x100cc };
	struct vsmmu_decode_opts o;
	uint64_t w[8] = { 0 };
	size_t nwords, n = 0, i;
	uint64_t off;
	int k, ret;

	if (size < 2)
		return 0;
	/* level -1..3 and the three granules, plus invalid values */
	o.level = (int)(data[0] % 7) - 2;
	o.granule_shift = (unsigned int)data[1] % 18;
	data += 2;
	size -= 2;

	nwords = size / 8;
	if (nwords > 8)
		nwords = 8;
	memcpy(w, data, nwords * 8);
	if (!nwords)
		nwords = 1; /* an all-zero structure */

	for (k = VSMMU_DECODE_STE; k <= VSMMU_DECODE_PTE_S2; k++) {
		ret = vsmmu_decode((enum vsmmu_decode_kind)k, w, nwords, &o,
				   check, &n);
		/* only descriptor options can be refused */
		if (ret && (ret != -EINVAL || (k != VSMMU_DECODE_PTE_S1 &&
					       k != VSMMU_DECODE_PTE_S2)))
			abort();
		/* NULL options are always valid */
		if (vsmmu_decode((enum vsmmu_decode_kind)k, w, nwords, NULL,
				 check, &n))
			abort();
	}
	/* names of whatever id / opcode the first word carries */
	(void)vsmmu_evt_name((unsigned int)(w[0] & 0x1ff));
	(void)vsmmu_cmd_name((unsigned int)(w[0] & 0x1ff));

	for (off = 0; off < 0x100; off += 4) {
		if (!vsmmu_reg_name(off)) {
			if (vsmmu_decode_reg(off, w[1], check, &n) != -ENOENT)
				abort();
			continue;
		}
		if (vsmmu_decode_reg(off, w[1], check, &n))
			abort();
	}
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (vsmmu_decode_reg(extra[i], w[2], check, &n))
			abort();
	/* an arbitrary offset must be refused or decoded, nothing else */
	ret = vsmmu_decode_reg(w[3], w[0], check, &n);
	if (ret && ret != -ENOENT)
		abort();
	return 0;
}
