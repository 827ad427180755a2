/* SPDX-License-Identifier: MIT */
/*
 * Loading the memory files the tool is given (--mem FILE[@ADDR]): ELF
 * cores, raw images, and the compressed forms dumps travel in.
 */
#ifndef VSMMU_TOOL_MEMFILE_H
#define VSMMU_TOOL_MEMFILE_H

#include <stddef.h>
#include <stdint.h>

#include <vsmmu/mem.h>

/* What a file's first bytes say it is. */
enum memfile_kind {
	MEMFILE_RAW, /* nothing recognised: raw bytes */
	MEMFILE_ELF,
	MEMFILE_GZIP, /* read directly (decompressed by gzip -dc) */
	MEMFILE_KDUMP, /* makedumpfile's kdump-compressed (diskdump) */
	MEMFILE_KDUMP_FLAT, /* makedumpfile's flattened format (-F) */
	MEMFILE_XZ,
	MEMFILE_ZSTD,
	MEMFILE_BZIP2,
	MEMFILE_LZ4,
};

/* Classify the first @len bytes of a file.  Pure; fuzzable. */
enum memfile_kind memfile_sniff(const unsigned char *head, size_t len);

/*
 * Load one --mem argument into @mem.  Messages go to stderr prefixed with
 * @prog ("vsmmu translate"): which file, what is wrong with it and, for a
 * format the tool does not read, the exact command that converts it.
 * *@loaded is the number of bytes of memory the file provided (0: it
 * loaded nothing, which the caller warns about).
 * Return: 0, or -errno after printing the reason.
 */
int memfile_load(struct vsmmu_mem *mem, const char *arg, const char *prog,
		 uint64_t *loaded);

#endif /* VSMMU_TOOL_MEMFILE_H */
