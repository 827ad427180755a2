// SPDX-License-Identifier: MIT
/*
 * Translate one transaction over a memory image, as an SMMU whose stream
 * table registers hold the given values would.
 *
 *   translate_image IMAGE.elf STRTAB_BASE STRTAB_BASE_CFG SID IOVA
 *
 * `vsmmu mkimage ex.elf` writes such an image and prints its register
 * values.  Uses nothing but the installed <vsmmu/vsmmu.h>: registers are
 * found by their specification names with vsmmu_reg_lookup().
 *
 * Build: cc translate_image.c $(pkg-config --cflags --libs vsmmu)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <vsmmu/vsmmu.h>

static int write_reg(struct vsmmu_smmu *smmu, const char *name, uint64_t v)
{
	uint64_t off;
	unsigned int size;
	int ret = vsmmu_reg_lookup(name, &off, &size);

	if (!ret)
		ret = vsmmu_smmu_mmio_write(smmu, off, size, v);
	if (ret)
		fprintf(stderr, "translate_image: %s: %s\n", name,
			vsmmu_strerror(ret));
	return ret;
}

int main(int argc, char **argv)
{
	struct vsmmu_smmu_config cfg;
	struct vsmmu_smmu *smmu = NULL;
	struct vsmmu_mem *mem = NULL;
	struct vsmmu_txn_result res;
	struct vsmmu_txn txn = { .flags = VSMMU_TXN_READ };
	int ret, status = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: translate_image IMAGE STRTAB_BASE "
				"STRTAB_BASE_CFG SID IOVA\n");
		return 2;
	}
	txn.sid = (uint32_t)strtoul(argv[4], NULL, 0);
	txn.addr = strtoull(argv[5], NULL, 0);

	ret = vsmmu_mem_create(48, &mem);
	if (!ret)
		ret = vsmmu_mem_load_elf(mem, argv[1]);
	if (ret) {
		fprintf(stderr, "translate_image: %s: %s\n", argv[1],
			vsmmu_strerror(ret));
		goto out;
	}
	vsmmu_smmu_config_default(&cfg);
	ret = vsmmu_smmu_create(&cfg, mem, &smmu);
	if (ret) {
		fprintf(stderr, "translate_image: %s\n", vsmmu_strerror(ret));
		goto out;
	}
	/* The tables first: STRTAB_BASE* are read-only once SMMUEN is set */
	if (write_reg(smmu, "STRTAB_BASE", strtoull(argv[2], NULL, 0)) ||
	    write_reg(smmu, "STRTAB_BASE_CFG", strtoull(argv[3], NULL, 0)) ||
	    write_reg(smmu, "CR0", 1 /* SMMUEN */))
		goto out;

	ret = vsmmu_translate(smmu, &txn, &res);
	if (ret) {
		fprintf(stderr, "translate_image: %s\n", vsmmu_strerror(ret));
		goto out;
	}
	if (res.outcome == VSMMU_TXN_OK)
		printf("SID 0x%" PRIx32 " IOVA 0x%" PRIx64 " -> PA 0x%" PRIx64
		       "\n",
		       txn.sid, txn.addr, res.oa);
	else if (res.outcome == VSMMU_TXN_FAULT)
		printf("SID 0x%" PRIx32 " IOVA 0x%" PRIx64 " -> fault %s\n",
		       txn.sid, txn.addr,
		       vsmmu_evt_name((unsigned int)(res.evt[0] & 0xff)));
	else
		printf("SID 0x%" PRIx32 " IOVA 0x%" PRIx64 " -> terminated\n",
		       txn.sid, txn.addr);
	status = 0;
out:
	vsmmu_smmu_destroy(smmu);
	vsmmu_mem_destroy(mem);
	return status;
}
