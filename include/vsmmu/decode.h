/* SPDX-License-Identifier: MIT */
/*
 * Decoders for architected structures: every field of an STE, CD, level-1
 * descriptor, command, event, PRI record, translation table descriptor or
 * register, named as the SMMUv3 specification names it.
 *
 * Decoders are table-driven from <vsmmu/arch.h>'s masks.  They accept any
 * input words (reserved encodings are reported as such, never trusted).
 * All functions are pure and thread-safe.
 */
#ifndef VSMMU_DECODE_H
#define VSMMU_DECODE_H

#include <stdint.h>
#include <stddef.h>
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vsmmu_decode_kind {
	VSMMU_DECODE_STE, /* 8 words (fewer: the rest are taken as 0) */
	VSMMU_DECODE_CD, /* 8 words */
	VSMMU_DECODE_L1STD, /* 1 word: level-1 stream table descriptor */
	VSMMU_DECODE_L1CD, /* 1 word: level-1 CD table descriptor */
	VSMMU_DECODE_CMD, /* 2 words; fields depend on the opcode */
	VSMMU_DECODE_EVT, /* 4 words; fields depend on the event id */
	VSMMU_DECODE_PRI, /* 2 words */
	VSMMU_DECODE_PTE_S1, /* 1 word: stage-1 descriptor */
	VSMMU_DECODE_PTE_S2, /* 1 word: stage-2 descriptor */
};

/* How to read a translation table descriptor (PTE kinds only). */
struct vsmmu_decode_opts {
	int level; /* 0..3, or -1: unknown (table vs block left open) */
	unsigned int granule_shift; /* 12, 14 or 16 (0: 12) */
};

struct vsmmu_field {
	const char *name; /* spec name, e.g. "S1ContextPtr" */
	unsigned int dword; /* which 64-bit word */
	unsigned int hi, lo; /* bit range within it */
	uint64_t value; /* the field's value (addresses: shifted in place,
			   i.e. the address itself) */
	const char *meaning; /* symbolic value ("S1 translate, S2 bypass"),
				or NULL */
};

/* Return non-zero to stop the iteration (vsmmu_decode returns it). */
typedef int vsmmu_field_fn(void *arg, const struct vsmmu_field *f);

/**
 * vsmmu_decode() - call @fn for each field of the structure in @words.
 * @opts may be NULL.  Return: 0, @fn's non-zero value, -EINVAL for an
 * unknown @kind or @nwords == 0.
 */
VSMMU_API int vsmmu_decode(enum vsmmu_decode_kind kind, const uint64_t *words,
			   size_t nwords, const struct vsmmu_decode_opts *opts,
			   vsmmu_field_fn *fn, void *arg);

/** vsmmu_decode_words() - how many 64-bit words a structure has. */
VSMMU_API size_t vsmmu_decode_words(enum vsmmu_decode_kind kind);

/** vsmmu_evt_name() - "F_TRANSLATION" for 0x10; NULL if unknown. */
VSMMU_API const char *vsmmu_evt_name(unsigned int id);

/** vsmmu_cmd_name() - "CMD_TLBI_NH_VA" for 0x12; NULL if unknown. */
VSMMU_API const char *vsmmu_cmd_name(unsigned int opcode);

/**
 * vsmmu_reg_lookup() - find a register by its spec name ("STRTAB_BASE",
 * "CR0", "IDR5", "EVENTQ_BASE"; case-insensitive, with or without
 * "SMMU_"), or by the Linux driver's name where that differs ("EVTQ_BASE",
 * with or without "ARM_SMMU_").
 * Return: 0 and its offset and size in bytes (4 or 8), or -ENOENT.
 */
VSMMU_API int vsmmu_reg_lookup(const char *name, uint64_t *offset,
			       unsigned int *size);

/**
 * vsmmu_reg_width() - how the SMMU register at @offset is accessed: 8 for
 * a 64-bit register (it also takes a 32-bit access to either half), 4 for
 * a 32-bit one, 0 for an offset no register of this table has.  This table
 * is the one the hardware model, the decoder and the fuzzers all use.
 * Thread-safe.
 */
VSMMU_API unsigned int vsmmu_reg_width(uint64_t offset);

/** vsmmu_reg_name() - the spec name of the register at @offset, or NULL. */
VSMMU_API const char *vsmmu_reg_name(uint64_t offset);

/**
 * vsmmu_decode_reg() - fields of the register at @offset holding @value.
 * Return: 0, @fn's value, -ENOENT for an unknown offset.
 */
VSMMU_API int vsmmu_decode_reg(uint64_t offset, uint64_t value,
			       vsmmu_field_fn *fn, void *arg);

/*
 * NVIDIA Tegra241 CMDQV registers: a register block of its own (offsets
 * from the CMDQV base, <vsmmu/arch.h>'s TEGRA241_* layout), named
 * CMDQV_CONFIG, CMDQV_PARAM, CMDQV_STATUS, VINTF_ERR_MAP, VINTF_INT_MASK,
 * CMDQ_ERR_MAP<m>, CMDQ_ALLOC<q>, VINTF<v>_CONFIG, VINTF<v>_STATUS,
 * VINTF<v>_SID_MATCH<s>, VINTF<v>_SID_REPLACE<s>, VINTF<v>_LVCMDQ_ERR_MAP<m>,
 * VCMDQ<q>_{CONS,PROD,CONFIG,STATUS,GERROR,GERRORN,BASE,CONS_INDX_BASE}
 * (the global pages) and VINTF<v>_LVCMDQ<l>_{...} (VINTF v's logical
 * pages).  Indices are decimal, up to the largest CMDQV (64 VINTFs, 128
 * VCMDQs, 16 pairs).  (Added with the CMDQV model.)
 */

/**
 * vsmmu_cmdqv_reg_lookup() - a CMDQV register by name (case-insensitive,
 * "TEGRA241_" optional).  Return: 0 with its offset and size (4 or 8;
 * VINTF_ERR_MAP and VINTF_INT_MASK are 64-bit values read as two 32-bit
 * halves), or -ENOENT.
 */
VSMMU_API int vsmmu_cmdqv_reg_lookup(const char *name, uint64_t *offset,
				     unsigned int *size);

/**
 * vsmmu_cmdqv_reg_width() - as vsmmu_reg_width() for the CMDQV block: 8
 * for VCMDQ_BASE, CONS_INDX_BASE and LVCMDQ_ERR_MAP<m> (8-byte aligned
 * 64-bit registers), 4 for the others -- VINTF_ERR_MAP and VINTF_INT_MASK
 * are 64-bit values at offsets that are not 8-byte aligned, read and
 * written as two 32-bit halves (as Linux does) -- and 0 for no register.
 * Thread-safe.
 */
VSMMU_API unsigned int vsmmu_cmdqv_reg_width(uint64_t offset);

/**
 * vsmmu_cmdqv_reg_name() - the name of the CMDQV register at @offset in
 * @buf (48 bytes are always enough).  Return: 0, -ENOENT.
 */
VSMMU_API int vsmmu_cmdqv_reg_name(uint64_t offset, char *buf, size_t len);

/**
 * vsmmu_decode_cmdqv_reg() - fields of the CMDQV register at @offset
 * holding @value.  Return: 0, @fn's value, -ENOENT for an unknown offset.
 */
VSMMU_API int vsmmu_decode_cmdqv_reg(uint64_t offset, uint64_t value,
				     vsmmu_field_fn *fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_DECODE_H */
