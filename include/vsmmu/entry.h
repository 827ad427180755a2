/* SPDX-License-Identifier: MIT */
/*
 * Stream table entries and context descriptors as live structures: which
 * bits the SMMU uses, which may change under it, which a guest may set in
 * a nested STE, and the writer that replaces a live entry "hitlessly".
 *
 * These are the one source of truth for those rules.  The host driver's
 * STE/CD updates, the hardware model's invalidation checker (TORN_STE,
 * TORN_CD, STALE_CFG) and the nesting layer's validation of a guest STE
 * all call them, so they cannot disagree.  docs/spec-notes.md ("Live
 * STE/CD updates") gives the specification behind every rule.
 *
 * Entries are eight 64-bit words in CPU byte order (as read with
 * vsmmu_mem_read64), word 0 first; the field layouts are in
 * <vsmmu/arch.h> (STRTAB_STE_*, CTXDESC_CD_*), which this header does not
 * include.
 *
 * Every function here is pure (no global state) and thread-safe.
 */
#ifndef VSMMU_ENTRY_H
#define VSMMU_ENTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Words in an STE and in a CD. */
#define VSMMU_ENTRY_QWORDS 8

/**
 * vsmmu_ste_used() - the bits of @ste the SMMU reads, given the
 * configuration @ste itself selects (V, Config, S1CDMax, S1DSS, EATS...).
 *
 * V = 0: only V.  Config abort (and the reserved 0b0xx values, which
 * abort too): V and Config.  Otherwise PRIVCFG/INSTCFG, and
 *  - stage 1 (Config bit 0): S1ContextPtr, S1CDMax, the CD fetch
 *    attributes, S1STALLD, STRW, EATS, MEV and the VMID tag; S1Fmt, S1DSS
 *    and PPAR only when S1CDMax != 0 (substreams enabled); the attribute
 *    overrides when S1DSS = bypass;
 *  - stage 2 (Config bit 1): VTCR, S2TTB, S2AA64, S2ENDI, S2AFFD, S2PTW,
 *    S2HD, S2HA, S2S, S2R, S2FWB, EATS, MEV, the VMID and the attribute
 *    overrides;
 *  - bypass: the attribute overrides (SHCFG, MTCFG, MemAttr, ALLOCCFG,
 *    NSCFG).
 * Words 4-7 (the Secure-state fields and RES0) are never used.
 */
VSMMU_API void vsmmu_ste_used(const uint64_t *ste, uint64_t *used);

/**
 * vsmmu_ste_update_safe() - bits that may change while the entry is live
 * and used by both @cur and @target, without the writer having to treat
 * them as a change of configuration.  As Linux 7.x: MEV always (event
 * merging only changes how many records are written, and software must
 * cope with merged records even with MEV = 0); EATS between 0b00 and 0b01
 * when neither entry has EATS = 0b10 (split-stage ATS) nor S2S = 1 (a
 * transient EATS = 0b01 with S2S = 1 would be an illegal STE).  The
 * caller must have disabled ATS at the endpoint around an EATS change.
 * Only bits used by both entries matter; @safe gets exactly the safe bits
 * (no other bit is set).
 */
VSMMU_API void vsmmu_ste_update_safe(const uint64_t *cur,
				     const uint64_t *target, uint64_t *safe);

/**
 * vsmmu_cd_used() - the bits of @cd the SMMU reads: only V when V = 0;
 * otherwise all of words 0-3, except that each half the CD disables
 * (EPD0 / EPD1 = 1) has its walk fields ignored: TxSZ, TGx, IRGNx, ORGNx,
 * SHx, TBIx, HADx, NSCFGx and TTBx.  Words 4-7 are RES0 and never used.
 */
VSMMU_API void vsmmu_cd_used(const uint64_t *cd, uint64_t *used);

/* --- Nested STEs (a guest's STE over a host stage 2) ---------------------- */

/*
 * The bits a guest may set in the first two words of its STE, as Linux's
 * iommufd SMMUv3 nesting accepts them (STRTAB_STE_0/1_NESTING_ALLOWED):
 * word 0 V, Config, S1Fmt, S1ContextPtr, S1CDMax; word 1 S1DSS, S1CIR,
 * S1COR, S1CSH, S1STALLD and EATS.
 */
#define VSMMU_STE_NESTED_ALLOWED_0 0xf80fffffffffffffULL
#define VSMMU_STE_NESTED_ALLOWED_1 0x00000000380000ffULL

/**
 * vsmmu_ste_nested_check() - validate a guest's STE words @ste[0..1] as
 * Linux validates an iommu_hwpt_arm_smmuv3 (arm_smmu_validate_vste) and
 * normalise them in place.
 *
 * V = 0: both words are zeroed and accepted (the host installs an abort
 * STE, so that the guest's own C_BAD_STE can be reported).  Otherwise a
 * bit outside VSMMU_STE_NESTED_ALLOWED_0/1, a Config other than abort
 * (0b000), bypass (0b100) or stage-1 translate (0b101), or an EATS other
 * than 0b00 or 0b01, is -EIO.  EATS is taken
 * out of @ste[1]; *@ats (may be NULL) says whether the guest asked for
 * full ATS on a stage-1 STE (the host decides whether to give it).
 * Return: 0 or -EIO.
 */
VSMMU_API int vsmmu_ste_nested_check(uint64_t *ste, bool *ats);

/* --- Where a CD is (CD table geometry) ------------------------------------ */

/*
 * The place of one SubstreamID's CD in the CD table an STE describes
 * (S1ContextPtr, S1Fmt, S1CDMax; spec 3.4.3, 5.4.1), for whoever reads CD
 * tables: the model's configuration walk and a VMM reading a guest's CDs.
 *  - linear (S1CDMax = 0, or S1Fmt = 0): the table is aligned to its size
 *    (64 << S1CDMax bytes); @addr is the CD's;
 *  - two-level: @addr is the L1CD's (8-byte descriptors, the L1 table
 *    aligned to max(its size, 64)); the CD is entry @l2_index of the leaf
 *    table the L1CD points to, a leaf of 2^@split CDs (S1Fmt 1: 64 CDs,
 *    4 KiB; S1Fmt 2: 1024 CDs, 64 KiB), aligned to its size.
 */
struct vsmmu_cd_loc {
	bool two_level;
	uint64_t addr;
	unsigned int split; /* two-level: log2 of the CDs per leaf */
	uint32_t l2_index;
};

/**
 * vsmmu_cd_locate() - where the CD of @ssid is, for STE word 0 @ste0.
 * Return: 0, or -EINVAL (@ssid >= 2^S1CDMax, or the reserved S1Fmt 3 with
 * substreams) -- the SMMU's C_BAD_SUBSTREAMID and C_BAD_STE.
 */
VSMMU_API int vsmmu_cd_locate(uint64_t ste0, uint32_t ssid,
			      struct vsmmu_cd_loc *loc);

/**
 * vsmmu_cd_leaf_addr() - the CD's address in a two-level table, given its
 * L1CD @l1cd (L2Ptr, aligned to the leaf's size).  Return: the address,
 * or 0 when L1CD.V = 0.
 */
VSMMU_API uint64_t vsmmu_cd_leaf_addr(const struct vsmmu_cd_loc *loc,
				      uint64_t l1cd);

/* --- The hitless writer --------------------------------------------------- */

/*
 * How the writer reaches an entry.  @write stores one word of the live
 * entry with a single-copy-atomic 64-bit store; @sync makes the SMMU see
 * the entry as it now is and drop what it cached of it (CFGI_STE or
 * CFGI_CD for every StreamID using it, then CMD_SYNC) and returns once
 * that has completed.  Both return 0 or -errno.  @get_update_safe may be
 * NULL (no bit is update-safe: Linux's CD writer).
 */
struct vsmmu_entry_writer_ops {
	void (*get_used)(const uint64_t *entry, uint64_t *used);
	void (*get_update_safe)(const uint64_t *cur, const uint64_t *target,
				uint64_t *safe);
	int (*write)(void *ctx, unsigned int qword, uint64_t val);
	int (*sync)(void *ctx);
};

/**
 * vsmmu_entry_write() - replace the live entry whose current content is
 * @entry by @target, so that every state the SMMU can observe is the old
 * configuration or the new one, or -- where no order of 64-bit stores
 * allows that -- an invalid entry (V = 0).
 *
 * The algorithm (Linux's arm_smmu_write_entry, in our words): bits the
 * current configuration does not use, and update-safe bits, are set to
 * their target values first.  If then the used bits still to change lie in
 * one word, storing that word is the switch: hitless, at most three syncs
 * (unused bits, the critical word, then bits the new configuration
 * ignores).  If they lie in two or more words, the writer breaks: word 0
 * := 0 (V = 0), the other words, then word 0.  If none do, everything is
 * written in one step.  @sync follows every step that changed memory and
 * only those.  @entry is updated as the writer goes (on an error, to what
 * was written).
 *
 * Not thread-safe for one entry: the caller serialises updates of an
 * entry (the SMMU reading it concurrently is the point).
 * Return: the number of syncs (>= 0), or the first -errno of @write or
 * @sync (the writer stops at a failed write, and goes on after a failed
 * sync so that memory always ends as @target).
 */
VSMMU_API int vsmmu_entry_write(const struct vsmmu_entry_writer_ops *ops,
				void *ctx, uint64_t *entry,
				const uint64_t *target);

/**
 * vsmmu_entry_hitless() - would vsmmu_entry_write() change @cur into
 * @target without an invalid step?  (True also when nothing used
 * changes.)  Pure.
 */
VSMMU_API bool vsmmu_entry_hitless(const struct vsmmu_entry_writer_ops *ops,
				   const uint64_t *cur, const uint64_t *target);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_ENTRY_H */
