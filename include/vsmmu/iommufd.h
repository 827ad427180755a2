/* SPDX-License-Identifier: MIT */
/*
 * The host nesting layer: Linux's iommufd interface over the vsmmu model
 * and host driver.
 *
 * Part 1 is the uAPI.  Every command structure, enum, flag and command
 * number carries the name, value, size and field offsets of Linux's
 * <linux/iommufd.h> (the ioctl interface of /dev/iommu, as torvalds/linux
 * has it: up to IOMMU_HW_QUEUE_ALLOC and IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED),
 * so that VMM code written against that header builds against this one by
 * changing only the #include, and calls vsmmu_iommufd_ioctl(ctx, cmd, arg)
 * where it called ioctl(fd, cmd, arg).  The layouts are checked by static
 * assertions at the end of this part and by a test whose offsets were
 * worked out by hand from Linux's header.  docs/iommufd.md lists every
 * place where vsmmu's behaviour differs from Linux's and why.
 *
 * Part 2 is vsmmu's own interface: a context bound to one or more host
 * SMMUs (model + driver), devices bound to it the way
 * VFIO_DEVICE_BIND_IOMMUFD binds a VFIO device (here a simulated endpoint
 * that does DMA through the SMMU model), attach / replace / detach like
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT, the command entry point, and the
 * doorbell (MSI) model.
 */
#ifndef VSMMU_IOMMUFD_H
#define VSMMU_IOMMUFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vsmmu/export.h>

/*
 * The kernel's fixed-width types.  On Linux the system's <linux/types.h>
 * provides them, so a program that also includes <linux/vfio.h> sees one
 * definition; elsewhere they are defined here with the same types.
 */
#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/types.h>)
#include <linux/types.h>
#define VSMMU_IOMMUFD_LINUX_TYPES 1
#endif
#endif
#ifndef VSMMU_IOMMUFD_LINUX_TYPES
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef unsigned long long __u64;
typedef __u64 __le64;
#endif
#ifndef __aligned_u64
#define __aligned_u64 __u64 __attribute__((aligned(8)))
#endif
#ifndef __aligned_le64
#define __aligned_le64 __le64 __attribute__((aligned(8)))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ====================================================================
 * Part 1: the uAPI (Linux's names, values and layouts)
 * ==================================================================== */

/*
 * Command numbers.  Linux builds them with _IO(IOMMUFD_TYPE, nr): no
 * direction and no size bits, so the number is (';' << 8) | nr = 0x3b00 |
 * nr on every architecture whose _IOC_NONE is 0 (x86, Arm, RISC-V...).
 * The argument's first __u32 is its size (the "size-first" rule below).
 */
#define IOMMUFD_TYPE (';')
#define VSMMU_IOMMUFD_IO(nr) ((unsigned long)((IOMMUFD_TYPE << 8) | (nr)))

enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/* IOMMU_DESTROY: destroy the object @id (any type that may be destroyed). */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY VSMMU_IOMMUFD_IO(IOMMUFD_CMD_DESTROY)

/* IOMMU_IOAS_ALLOC: a new, empty I/O address space; @flags must be 0. */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_ALLOC)

/* An inclusive range of IOVAs [start, last]. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/*
 * IOMMU_IOAS_IOVA_RANGES: the IOVA ranges that may be mapped now (the
 * complement of every reserved range).  In: @num_iovas is the capacity of
 * the array at @allowed_iovas.  Out: @num_iovas is the number of ranges,
 * the array holds as many as fit, and -EMSGSIZE says it was too short.
 * @out_iova_alignment: IOVA and length of MAP/COPY must be multiples of it.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_IOVA_RANGES)

/*
 * IOMMU_IOAS_ALLOW_IOVAS: replace the list of ranges automatic IOVA
 * allocation may use, and that a later reservation may not narrow.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/*
 * IOMMU_IOAS_MAP: map @length bytes of the caller's memory at @user_va
 * at @iova (FIXED_IOVA: in; otherwise chosen and written back).
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_MAP)

/*
 * IOMMU_IOAS_MAP_FILE: as IOAS_MAP, of @length bytes of file @fd from
 * @start (here the file is mapped shared into the process, then pinned).
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_MAP_FILE)

/*
 * IOMMU_IOAS_COPY: map in @dst_ioas_id the memory that @src_iova /
 * @length (exactly whole mappings) map in @src_ioas_id, without pinning
 * it again.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_COPY)

/*
 * IOMMU_IOAS_UNMAP: unmap every mapping inside [@iova, @iova + @length)
 * (none may stick out); @length comes back as the bytes unmapped.  @iova
 * 0 with @length UINT64_MAX unmaps everything.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_UNMAP)

enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/* IOMMU_OPTION: get or set @option_id of @object_id (0: the context). */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION VSMMU_IOMMUFD_IO(IOMMUFD_CMD_OPTION)

enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/* IOMMU_VFIO_IOAS: the VFIO-container compatibility IOAS (not supported). */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS VSMMU_IOMMUFD_IO(IOMMUFD_CMD_VFIO_IOAS)

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/* Intel VT-d stage-1 data (IOMMU_HWPT_DATA_VTD_S1); layout only. */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/*
 * SMMUv3 nested STE (IOMMU_HWPT_DATA_ARM_SMMUV3): the guest STE's first
 * two little-endian words.  Word 0 may hold V, Config, S1Fmt,
 * S1ContextPtr, S1CDMax; word 1 S1DSS, S1CIR, S1COR, S1CSH, S1STALLD,
 * EATS.  Config is abort, bypass or stage-1 translate; anything else: -EIO.
 */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/*
 * A vsmmu extension, not in Linux: one guest CD (all eight little-endian
 * words) for a nested HWPT that is installed at a PASID of the host's own
 * CD table -- the host-owned PASID table of guest PASID binding (seed
 * 004), which Linux's SMMUv3 does not offer.  Data type
 * IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD; allocated on a vIOMMU like an
 * IOMMU_HWPT_DATA_ARM_SMMUV3 HWPT, attached only to a PASID
 * (vsmmu_iommufd_device_attach_pasid()).  V = 0, AA64 = 0 or a non-zero
 * word 4-7: -EIO.
 */
struct iommu_hwpt_vsmmu_arm_smmuv3_cd {
	__aligned_le64 cd[8];
};

/* AMD guest DTE (IOMMU_HWPT_DATA_AMD_GUEST); layout only. */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
	/* vsmmu's own, far from Linux's numbers ('vS' << 16 | 1) */
	IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD = 0x76530001,
};

/*
 * IOMMU_HWPT_ALLOC: a hardware page table for device @dev_id.  @pt_id an
 * IOAS: a paging HWPT filled from it (data type NONE).  @pt_id a nest
 * parent or a vIOMMU: a nested HWPT described by the data at @data_uptr.
 * @fault_id: a FAULT object when IOMMU_HWPT_FAULT_ID_VALID.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_HWPT_ALLOC)

enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/* Intel VT-d hardware information; layout only. */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/*
 * SMMUv3 hardware information (IOMMU_HW_INFO_TYPE_ARM_SMMUV3): the raw
 * SMMU_IDR0..5, SMMU_IIDR and SMMU_AIDR of the device's SMMU.
 */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/*
 * Tegra241 CMDQV information (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV): fields
 * of CMDQV_PARAM as one VM sees them (log2 of its LVCMDQs and SID pairs).
 */
struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/* AMD IOMMU information; layout only. */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/*
 * IOMMU_GET_HW_INFO: the hardware information of @dev_id's IOMMU, of the
 * type @in_data_type names (with IOMMU_HW_INFO_FLAG_INPUT_TYPE) or the
 * default one, copied to @data_uptr (@data_len bytes at most, the rest of
 * the buffer zeroed); @data_len comes back as the full length.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO VSMMU_IOMMUFD_IO(IOMMUFD_CMD_GET_HW_INFO)

enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/* IOMMU_HWPT_SET_DIRTY_TRACKING: turn dirty tracking of @hwpt_id on/off. */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	VSMMU_IOMMUFD_IO(IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: one bit per @page_size of [@iova, @iova +
 * @length) set in the bitmap at @data when the page was written; the
 * dirty state is cleared unless NO_CLEAR.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	VSMMU_IOMMUFD_IO(IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/* VT-d stage-1 invalidation entry; layout only. */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/*
 * One SMMUv3 command (little-endian) for HWPT_INVALIDATE on a vIOMMU:
 * TLBI_NSNH_ALL, TLBI_NH_VA, TLBI_NH_VAA, TLBI_NH_ALL, TLBI_NH_ASID,
 * ATC_INV, CFGI_CD or CFGI_CD_ALL; anything else: -EIO.
 */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/*
 * IOMMU_HWPT_INVALIDATE: @entry_num entries of @entry_len bytes at
 * @data_uptr, of @data_type, for the nested HWPT or vIOMMU @hwpt_id;
 * @entry_num comes back as the number handled.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE VSMMU_IOMMUFD_IO(IOMMUFD_CMD_HWPT_INVALIDATE)

enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/* One page fault, as read(2) from a FAULT queue's fd yields it. */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* The answer to a fault group, written(2) to the FAULT queue's fd. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/* IOMMU_FAULT_QUEUE_ALLOC: a FAULT object and its fd; @flags must be 0. */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/*
 * VIOMMU_ALLOC data of a TEGRA241_CMDQV vIOMMU (out): where the VMM maps
 * the VINTF's page of logical VCMDQs for its guest.
 */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

/*
 * IOMMU_VIOMMU_ALLOC: a VM's slice of the physical IOMMU behind @dev_id,
 * over the nest parent @hwpt_id.
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_VIOMMU_ALLOC)

/* IOMMU_VDEVICE_ALLOC: @dev_id's virtual ID (SMMUv3: vSID) in a vIOMMU. */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_VDEVICE_ALLOC)

/* IOMMU_IOAS_CHANGE_PROCESS: move pinned-page accounting (not supported). */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS \
	VSMMU_IOMMUFD_IO(IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/*
 * The header of every record read(2) from a VEVENTQ's fd: @sequence
 * counts events (0..INT_MAX, then 0 again); a gap means events were lost.
 */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* An SMMUv3 event record with the StreamID replaced by the vSID. */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/* A CMDQV error: the VM's VINTF's 128-bit LVCMDQ_ERR_MAP. */
struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

/*
 * IOMMU_VEVENTQ_ALLOC: a queue of @type events of vIOMMU @viommu_id, at
 * most @veventq_depth unread, and the fd to read them from.
 */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_VEVENTQ_ALLOC)

enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	/*
	 * A VCMDQ of the vIOMMU's VINTF: indices allocated in ascending
	 * order and destroyed in descending order; @length a power of two,
	 * 32 bytes to 2^IDR1.CMDQS * 16; @nesting_parent_iova aligned to
	 * @length and mapped (contiguously) in the nest parent.
	 */
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/* IOMMU_HW_QUEUE_ALLOC: a hardware queue the guest uses directly. */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC VSMMU_IOMMUFD_IO(IOMMUFD_CMD_HW_QUEUE_ALLOC)

/*
 * Layout checks.  Sizes as Linux's header gives them; the field offsets
 * are checked in tests/test_iommufd_uapi.c against values worked out by
 * hand.
 */
#ifndef __cplusplus
_Static_assert(sizeof(struct iommu_destroy) == 8, "uapi");
_Static_assert(sizeof(struct iommu_ioas_alloc) == 12, "uapi");
_Static_assert(sizeof(struct iommu_iova_range) == 16, "uapi");
_Static_assert(sizeof(struct iommu_ioas_iova_ranges) == 32, "uapi");
_Static_assert(sizeof(struct iommu_ioas_allow_iovas) == 24, "uapi");
_Static_assert(sizeof(struct iommu_ioas_map) == 40, "uapi");
_Static_assert(sizeof(struct iommu_ioas_map_file) == 40, "uapi");
_Static_assert(sizeof(struct iommu_ioas_copy) == 40, "uapi");
_Static_assert(sizeof(struct iommu_ioas_unmap) == 24, "uapi");
_Static_assert(sizeof(struct iommu_option) == 24, "uapi");
_Static_assert(sizeof(struct iommu_vfio_ioas) == 12, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_vtd_s1) == 24, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_arm_smmuv3) == 16, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_amd_guest) == 32, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_alloc) == 48, "uapi");
_Static_assert(sizeof(struct iommu_hw_info_vtd) == 24, "uapi");
_Static_assert(sizeof(struct iommu_hw_info_arm_smmuv3) == 40, "uapi");
_Static_assert(sizeof(struct iommu_hw_info_tegra241_cmdqv) == 8, "uapi");
_Static_assert(sizeof(struct iommu_hw_info_amd) == 16, "uapi");
_Static_assert(sizeof(struct iommu_hw_info) == 40, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_set_dirty_tracking) == 16, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_get_dirty_bitmap) == 48, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_vtd_s1_invalidate) == 24, "uapi");
_Static_assert(sizeof(struct iommu_viommu_arm_smmuv3_invalidate) == 16, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_invalidate) == 32, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_pgfault) == 40, "uapi");
_Static_assert(sizeof(struct iommu_hwpt_page_response) == 8, "uapi");
_Static_assert(sizeof(struct iommu_fault_alloc) == 16, "uapi");
_Static_assert(sizeof(struct iommu_viommu_tegra241_cmdqv) == 16, "uapi");
_Static_assert(sizeof(struct iommu_viommu_alloc) == 40, "uapi");
_Static_assert(sizeof(struct iommu_vdevice_alloc) == 24, "uapi");
_Static_assert(sizeof(struct iommu_ioas_change_process) == 8, "uapi");
_Static_assert(sizeof(struct iommufd_vevent_header) == 8, "uapi");
_Static_assert(sizeof(struct iommu_vevent_arm_smmuv3) == 32, "uapi");
_Static_assert(sizeof(struct iommu_vevent_tegra241_cmdqv) == 16, "uapi");
_Static_assert(sizeof(struct iommu_veventq_alloc) == 32, "uapi");
_Static_assert(sizeof(struct iommu_hw_queue_alloc) == 40, "uapi");
_Static_assert(IOMMU_IOAS_MAP == 0x3b85, "uapi");
_Static_assert(IOMMU_HW_QUEUE_ALLOC == 0x3b94, "uapi");
#endif

/* ====================================================================
 * Part 2: vsmmu's interface
 * ==================================================================== */

struct vsmmu_smmu;
struct vsmmu_drv;
struct vsmmu_drv_event;
struct vsmmu_drv_ppr;
struct vsmmu_iommufd_ctx;

#define VSMMU_IOMMUFD_MAX_HOSTS 8

/* One physical SMMU of the host: the model and its (enabled) driver. */
struct vsmmu_iommufd_host {
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
};

/*
 * The SMMU's software MSI window, as Linux's SMMUv3 driver reserves it in
 * every device's I/O address space (IOMMU_RESV_SW_MSI): doorbells are
 * mapped at IOVAs in it on demand.
 */
#define VSMMU_IOMMUFD_SW_MSI_BASE 0x8000000ULL
#define VSMMU_IOMMUFD_SW_MSI_SIZE 0x100000ULL

/*
 * vsmmu's extension: the upper half of that reserved window shows the
 * host's CD tables of devices with guest-CD PASIDs to their VM's stage 2
 * (under nesting the SMMU fetches CDs at IPAs), read-only, one 64 KiB
 * slot per device: at most VSMMU_IOMMUFD_CD_SLOTS such devices per nest
 * parent.
 */
#define VSMMU_IOMMUFD_CD_WINDOW (VSMMU_IOMMUFD_SW_MSI_BASE + 0x80000ULL)
#define VSMMU_IOMMUFD_CD_SLOT_SIZE 0x10000ULL
#define VSMMU_IOMMUFD_CD_SLOTS 8

/*
 * The doorbell model: a GICv3 ITS translation frame (64 KiB) whose
 * GITS_TRANSLATER register is at offset 0x40.  A 32-bit device write to it
 * records one interrupt: DeviceID = the writer's StreamID, EventID = the
 * data written.
 */
#define VSMMU_IOMMUFD_DOORBELL_FRAME 0x10000ULL
#define VSMMU_IOMMUFD_GITS_TRANSLATER 0x40

struct vsmmu_iommufd_config {
	const struct vsmmu_iommufd_host *hosts; /* required */
	unsigned int nhosts; /* 1..VSMMU_IOMMUFD_MAX_HOSTS */
	/*
	 * Host-physical window where IOAS_MAP places the caller's pinned
	 * pages (vsmmu_mem_map_host); it must be absent memory of the
	 * hosts' vsmmu_mem and inside its address space.  0: 2^(pa_bits -
	 * 1) and 2^(pa_bits - 2) bytes.
	 */
	uint64_t pin_base, pin_size;
	/*
	 * Host-physical address of the doorbell frame (64 KiB aligned, not
	 * memory); 0: 0x08020000 (where QEMU's virt machine puts its ITS).
	 */
	uint64_t doorbell_pa;
	/*
	 * The context runs one service thread that answers page responses
	 * written to FAULT fds and moves queued events into VEVENTQ fds as
	 * the reader makes room.  true: no thread; the caller runs that
	 * work with vsmmu_iommufd_process() (deterministic tests).
	 */
	bool no_service_thread;
};

/**
 * vsmmu_iommufd_ctx_create() - open a context: what opening /dev/iommu
 * gives a VMM, bound to the host SMMUs of @cfg.  Every host must have an
 * enabled driver, and all of them one physical memory (the hosts' SMMU
 * models created over the same vsmmu_mem).  The drivers must outlive the
 * context; their event_fn should call vsmmu_iommufd_host_event() and their
 * stall_fn vsmmu_iommufd_host_stall().  The
 * context belongs to the process that created it (the pointers in
 * commands are read and written in that process): a child made by fork()
 * must not use it.
 * Return: 0, -EINVAL, -ENOMEM, or an errno of thread/fd creation.
 */
VSMMU_API int vsmmu_iommufd_ctx_create(const struct vsmmu_iommufd_config *cfg,
				       struct vsmmu_iommufd_ctx **out);

/**
 * vsmmu_iommufd_ctx_destroy() - close the context: unbind every device,
 * then destroy every object in dependency order (as closing the iommufd
 * does), unpin all memory and stop the service thread.  The fds handed
 * out by FAULT_QUEUE_ALLOC and VEVENTQ_ALLOC stay the caller's to close;
 * they read end-of-file from then on.  NULL is a no-op.  Must not race
 * with any other call on @ctx.
 */
VSMMU_API void vsmmu_iommufd_ctx_destroy(struct vsmmu_iommufd_ctx *ctx);

/**
 * vsmmu_iommufd_ioctl() - run the command @cmd (IOMMU_DESTROY ...
 * IOMMU_HW_QUEUE_ALLOC) with the argument structure at @arg, as ioctl(2)
 * on an iommufd does, and return 0 or the negative errno Linux returns.
 *
 * The size-first rules hold for every command: @arg's first __u32 is the
 * caller's size of the structure; smaller than the command's minimum
 * size: -EINVAL; larger than vsmmu's structure with a non-zero byte past
 * it: -E2BIG; smaller: the missing tail reads as zero.  An unknown @cmd:
 * -ENOTTY.  Pointers inside the structures (and @arg itself) are checked:
 * one that cannot be read or written gives -EFAULT, never a crash.
 *
 * Thread-safe: commands on different objects run in parallel; commands
 * on one object are serialised as Linux serialises them.
 */
VSMMU_API int vsmmu_iommufd_ioctl(struct vsmmu_iommufd_ctx *ctx,
				  unsigned long cmd, void *arg);

/**
 * vsmmu_iommufd_host_event() - hand an event record that host @host's
 * driver drained to the context: events of devices attached to nested
 * HWPTs (but stage-2 faults and stalls) go, rewritten with the vSID, to
 * their vIOMMU's VEVENTQ.  Call it from the driver's event_fn.
 * Thread-safe.  Return: true if the event was consumed (forwarded), false
 * if the host should handle it itself.
 */
VSMMU_API bool vsmmu_iommufd_host_event(struct vsmmu_iommufd_ctx *ctx,
					unsigned int host,
					const struct vsmmu_drv_event *evt);

/**
 * vsmmu_iommufd_host_ppr() - offer a PRI page request of host @host to
 * the context: a request of a device whose HWPT (or, with a PASID, whose
 * PASID's HWPT) has a FAULT queue is taken.  As Linux's iopf layer, the
 * requests before a group's Last wait (at most 256 per queue; more are
 * dropped and the group goes up without them); the Last request sends
 * the group -- every waiting request of that device, StreamID and group
 * index -- as one message of iommu_hwpt_pgfault records, and the
 * caller's page response answers it with CMD_PRI_RESP (SUCCESS: Success,
 * INVALID: InvalidRequest).  Groups never answered are answered
 * InvalidRequest when the device leaves the HWPT or the queue goes.
 * Call it from the driver's pri_fn, which returns VSMMU_DRV_PRI_DEFER
 * when it is taken.  Thread-safe.  Return: true if taken.
 */
VSMMU_API bool vsmmu_iommufd_host_ppr(struct vsmmu_iommufd_ctx *ctx,
				      unsigned int host,
				      const struct vsmmu_drv_ppr *req);

/**
 * vsmmu_iommufd_host_stall() - offer a stalled transaction of host @host
 * to the context: a translation fault of a device whose page table has a
 * FAULT queue becomes a page request there, answered by the caller's
 * page response (CMD_RESUME).  Call it from the driver's stall_fn.
 * Thread-safe.  Return: true if taken, false (the driver aborts it).
 */
VSMMU_API bool vsmmu_iommufd_host_stall(struct vsmmu_iommufd_ctx *ctx,
					unsigned int host,
					const struct vsmmu_drv_event *evt);

/**
 * vsmmu_iommufd_process() - do the service thread's work now: take the
 * page responses written to FAULT fds and answer the devices, and move
 * queued events into VEVENTQ fds that have room.  Thread-safe.
 * Return: the number of responses and events handled.
 */
VSMMU_API int vsmmu_iommufd_process(struct vsmmu_iommufd_ctx *ctx);

/* --- Devices (VFIO_DEVICE_BIND_IOMMUFD and the simulated endpoint) --- */

/* A reserved IOVA range of a device (e.g. a PCI bridge window). */
struct vsmmu_iommufd_resv {
	uint64_t start, last;
};

struct vsmmu_iommufd_dev_cfg {
	unsigned int host; /* index into vsmmu_iommufd_config.hosts */
	const uint32_t *sids; /* its StreamIDs */
	unsigned int nsids;
	unsigned int pasid_bits; /* PASID width (0: none) */
	bool ats; /* ATS-capable endpoint (PCIe) */
	bool pri; /* PRI-capable endpoint */
	const struct vsmmu_iommufd_resv *resv; /* reserved IOVA ranges */
	unsigned int nresv;
};

/**
 * vsmmu_iommufd_device_bind() - bind a device to the context, as
 * VFIO_DEVICE_BIND_IOMMUFD does: a DEVICE object whose id comes back in
 * *@out_dev_id, blocked (its STEs abort) until attached.  The device is
 * the context's until vsmmu_iommufd_device_unbind(); IOMMU_DESTROY of its
 * id is -EBUSY.  Thread-safe.  Return: 0, -EINVAL (host, SIDs, sizes),
 * -EBUSY (a StreamID is bound already), -ENOMEM.
 */
VSMMU_API int vsmmu_iommufd_device_bind(struct vsmmu_iommufd_ctx *ctx,
					const struct vsmmu_iommufd_dev_cfg *cfg,
					uint32_t *out_dev_id);

/**
 * vsmmu_iommufd_device_unbind() - detach (if attached), destroy the
 * device's vDEVICE (if any) and unbind.  Thread-safe.  Return: 0, -ENOENT.
 */
VSMMU_API int vsmmu_iommufd_device_unbind(struct vsmmu_iommufd_ctx *ctx,
					  uint32_t dev_id);

/**
 * vsmmu_iommufd_device_attach() - as VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach
 * @dev_id to *@pt_id, an IOAS (an automatic paging HWPT of the IOAS is
 * reused or made, and its id written back to *@pt_id), a paging HWPT or a
 * nested HWPT.  The device's reserved ranges (and the SMMU's MSI window)
 * are reserved in the IOAS, and its doorbell is mapped in the MSI window.
 * vsmmu_iommufd_device_replace() switches an attached device to another
 * page table without a window of blocked DMA.  Thread-safe.
 * Return: 0, -ENOENT (no such device or page table), -EINVAL (wrong type,
 * another SMMU's page table, replace of a detached device), -EBUSY
 * (attach of an attached device), -EADDRINUSE (a reserved range is
 * mapped or conflicts with allowed IOVAs), -ENOMEM.
 */
VSMMU_API int vsmmu_iommufd_device_attach(struct vsmmu_iommufd_ctx *ctx,
					  uint32_t dev_id, uint32_t *pt_id);
VSMMU_API int vsmmu_iommufd_device_replace(struct vsmmu_iommufd_ctx *ctx,
					   uint32_t dev_id, uint32_t *pt_id);

/**
 * vsmmu_iommufd_device_detach() - block the device's DMA and drop its
 * attachment (an automatic HWPT left unused is destroyed).
 * Thread-safe.  Return: 0, -ENOENT, -EINVAL (not attached).
 */
VSMMU_API int vsmmu_iommufd_device_detach(struct vsmmu_iommufd_ctx *ctx,
					  uint32_t dev_id);

/*
 * PASIDs of a device (VFIO_DEVICE_ATTACH_IOMMUFD_PT with
 * VFIO_DEVICE_ATTACH_PASID; Linux's iommufd_device_attach(idev, pasid,
 * pt_id)).  A PASID takes a HWPT made for PASIDs: a paging HWPT allocated
 * with IOMMU_HWPT_ALLOC_PASID (stage 1), while the device's own HWPT is a
 * stage-1 or bypass one; or (vsmmu's extension) a guest-CD HWPT
 * (IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD), while the device is attached to a
 * nested HWPT of the same vIOMMU whose guest STE is bypass -- the STE
 * becomes stage 1 over the VM's stage 2 with the host's CD table.  A
 * page request or stall carrying the PASID goes to that HWPT's FAULT
 * queue.  Detaching the device detaches its PASIDs first.
 */

/**
 * vsmmu_iommufd_device_attach_pasid() - attach *@pt_id at @pasid of
 * @dev_id; vsmmu_iommufd_device_replace_pasid() swaps the HWPT of an
 * attached PASID for another with no window of blocked DMA;
 * vsmmu_iommufd_device_detach_pasid() blocks the PASID's DMA again.
 * Thread-safe.  Return: 0; -ENOENT (no such device or HWPT); -EINVAL
 * (@pasid 0 or beyond the device's and the SMMU's PASID width, a HWPT not
 * made for PASIDs or of another SMMU, a device attached to nothing that
 * can take it, replace or detach of a PASID not attached); -EBUSY
 * (attach of an attached PASID); -ENOMEM.
 */
VSMMU_API int vsmmu_iommufd_device_attach_pasid(struct vsmmu_iommufd_ctx *ctx,
						uint32_t dev_id, uint32_t pasid,
						uint32_t *pt_id);
VSMMU_API int vsmmu_iommufd_device_replace_pasid(struct vsmmu_iommufd_ctx *ctx,
						 uint32_t dev_id,
						 uint32_t pasid,
						 uint32_t *pt_id);
VSMMU_API int vsmmu_iommufd_device_detach_pasid(struct vsmmu_iommufd_ctx *ctx,
						uint32_t dev_id,
						uint32_t pasid);

/**
 * vsmmu_iommufd_pasid_alloc() - a PASID from the context's host-wide
 * space (Linux's iommu_alloc_global_pasid(): one space for every device
 * and every VM of the host), the lowest free one in [1, 2^w) where w is
 * @dev_id's PASID width on its SMMU.  vsmmu_iommufd_pasid_free() gives it
 * back.  What a VMM uses to back the PASIDs its guests ask for.
 * Thread-safe.  Return: 0 and *@pasid; -ENOENT (no such device), -EINVAL
 * (a device without PASIDs; free of a PASID not allocated), -ENOSPC.
 */
VSMMU_API int vsmmu_iommufd_pasid_alloc(struct vsmmu_iommufd_ctx *ctx,
					uint32_t dev_id, uint32_t *pasid);
VSMMU_API int vsmmu_iommufd_pasid_free(struct vsmmu_iommufd_ctx *ctx,
				       uint32_t pasid);

/* Flags of struct vsmmu_iommufd_dma */
#define VSMMU_IOMMUFD_DMA_READ 0 /* device reads memory into @buf */
#define VSMMU_IOMMUFD_DMA_WRITE (1U << 0) /* device writes @buf to memory */
#define VSMMU_IOMMUFD_DMA_PRIV (1U << 1) /* privileged transaction */
#define VSMMU_IOMMUFD_DMA_PASID (1U << 2) /* carries @pasid */
/*
 * The endpoint translates with ATS (a Translation Request per page, then
 * a Translated access) and, when the completion denies the access, asks
 * for the page with a PRI page request and waits for the response
 * (@pri_wait_ns): Success: it translates again; a failure ends the
 * transfer (-EFAULT).  A device bound with ats and pri only; a stream
 * whose STE does not allow ATS (the completion is UR) is accessed
 * untranslated.
 */
#define VSMMU_IOMMUFD_DMA_PRI (1U << 3)

/* One DMA transfer of the simulated endpoint. */
struct vsmmu_iommufd_dma {
	uint64_t iova; /* device address */
	void *buf; /* the device's side of the transfer */
	size_t len;
	unsigned int flags; /* VSMMU_IOMMUFD_DMA_* */
	uint32_t pasid;
	unsigned int sid_index; /* which of the device's StreamIDs */
	/*
	 * With the model's hold_stalls: how long the device waits for the
	 * resolution of a stalled transaction (a FAULT queue's response
	 * answered with CMD_RESUME): Retry re-issues it, a terminate ends
	 * the transfer with -EFAULT, no answer in time with -ETIMEDOUT.
	 */
	uint64_t stall_wait_ns;
	/* Out, when the SMMU faulted the transfer: */
	size_t done; /* bytes transferred before the fault */
	uint64_t evt[4]; /* the event record */
	bool event_recorded; /* the SMMU wrote it to its event queue */
	bool stalled; /* the fault stalled (the device gave up on it) */
	/* With VSMMU_IOMMUFD_DMA_PRI: how long to wait for a page request's
	 * response (0: 2 s); out: page requests made, the last response's
	 * PCIe code (VSMMU_PRI_RESP_*; -1: none) */
	uint64_t pri_wait_ns;
	unsigned int pri_requests;
	int pri_response;
};

/**
 * vsmmu_iommufd_dma() - the endpoint @dev_id performs @op: each page is
 * translated by the SMMU model (an untranslated transaction with the
 * device's StreamID) and the bytes are copied to or from the memory it
 * translates to; a 32-bit write to the doorbell's GITS_TRANSLATER
 * records an interrupt.  Runs without the context's locks, concurrently
 * with maps and unmaps of other IOVAs.  Thread-safe.
 * Return: 0 (all done), -EFAULT (the SMMU faulted the transfer: @op's out
 * fields say where; or a page request was refused), -ETIMEDOUT (a stall
 * or page request was not answered in time), -EIO
 * (terminated without an event: abort, blocked; or no memory at the
 * address), -ENOENT, -EINVAL.
 */
VSMMU_API int vsmmu_iommufd_dma(struct vsmmu_iommufd_ctx *ctx, uint32_t dev_id,
				struct vsmmu_iommufd_dma *op);

/**
 * vsmmu_iommufd_msi_addr() - the address the device's MSIs are written to
 * (*@addr): after an attach to a paging HWPT, the doorbell's IOVA in the
 * SMMU's MSI window (+ GITS_TRANSLATER); under nesting, whatever the
 * guest programmed with vsmmu_iommufd_set_msi_addr() (its gIOVA).
 * Return: 0, -ENOENT, -ENODEV (no address yet).
 */
VSMMU_API int vsmmu_iommufd_msi_addr(struct vsmmu_iommufd_ctx *ctx,
				     uint32_t dev_id, uint64_t *addr);
VSMMU_API int vsmmu_iommufd_set_msi_addr(struct vsmmu_iommufd_ctx *ctx,
					 uint32_t dev_id, uint64_t addr);

/**
 * vsmmu_iommufd_msi() - the device signals MSI @eventid: a 32-bit DMA
 * write of @eventid to its MSI address.  Return: as vsmmu_iommufd_dma().
 */
VSMMU_API int vsmmu_iommufd_msi(struct vsmmu_iommufd_ctx *ctx, uint32_t dev_id,
				uint32_t eventid);

/* An interrupt the doorbell recorded. */
struct vsmmu_iommufd_irq {
	uint32_t devid; /* the writer's StreamID */
	uint32_t eventid; /* the data written */
};

/**
 * vsmmu_iommufd_doorbell_take() - move up to @max recorded interrupts,
 * oldest first, to @out.  The doorbell keeps the last 256; older ones are
 * counted in *@lost (may be NULL) and dropped.  Thread-safe.
 * Return: the number taken.
 */
VSMMU_API unsigned int
vsmmu_iommufd_doorbell_take(struct vsmmu_iommufd_ctx *ctx,
			    struct vsmmu_iommufd_irq *out, unsigned int max,
			    uint64_t *lost);

/**
 * vsmmu_iommufd_msi_bind() - MSI under nesting: the guest's doorbell is
 * at IPA @gdb; map it in the nest parent @hwpt_id onto the host
 * doorbell frame, so that the guest's gIOVA -> gDB (its stage 1) -> hDB
 * (this stage 2) works.  The mapping covers max(@s1_granule, 4 KiB) at
 * @gdb rounded down to it (at least as large as the guest's stage-1
 * granule), is device memory, write-only and never executable, and is
 * reserved in the IOAS.  Every path that walks or changes the bindings
 * takes one lock.  Return: 0, -ENOENT, -EINVAL (not a nest parent, bad
 * granule: 4K, 16K or 64K), -EEXIST (bound already), -EADDRINUSE (@gdb
 * is mapped in the IOAS), -ENOMEM.
 */
VSMMU_API int vsmmu_iommufd_msi_bind(struct vsmmu_iommufd_ctx *ctx,
				     uint32_t hwpt_id, uint64_t gdb,
				     uint64_t s1_granule);
VSMMU_API int vsmmu_iommufd_msi_unbind(struct vsmmu_iommufd_ctx *ctx,
				       uint32_t hwpt_id, uint64_t gdb);

/**
 * vsmmu_iommufd_mmap_read() / vsmmu_iommufd_mmap_write() - what mmap(2)
 * of the iommufd maps: @off is an offset VIOMMU_ALLOC handed out
 * (iommu_viommu_tegra241_cmdqv.out_vintf_mmap_offset) plus a register's
 * offset in the 64 KiB it maps, the VINTF's page of logical VCMDQs.  The
 * access goes straight to the SMMU's CMDQV, as a guest's does once the
 * VMM maps the page into it: the accessor a VMM hands its guest.  @size 4
 * or 8.  Thread-safe.  Return: 0, -ENXIO (nothing mapped at @off),
 * -EINVAL (size, alignment).
 */
VSMMU_API int vsmmu_iommufd_mmap_read(struct vsmmu_iommufd_ctx *ctx,
				      uint64_t off, unsigned int size,
				      uint64_t *val);
VSMMU_API int vsmmu_iommufd_mmap_write(struct vsmmu_iommufd_ctx *ctx,
				       uint64_t off, unsigned int size,
				       uint64_t val);

/**
 * vsmmu_iommufd_set_fail_nth() - a test hook, the counterpart of Linux's
 * fail_nth fault injection: the @n-th (1, 2, ...) allocation or
 * allocating lower-layer call made by @ctx from now on fails with
 * -ENOMEM; 0 turns it off.  vsmmu_iommufd_fail_count() says how many
 * such points were passed since the last set.  Thread-safe.
 */
VSMMU_API void vsmmu_iommufd_set_fail_nth(struct vsmmu_iommufd_ctx *ctx,
					  unsigned int n);
VSMMU_API unsigned int vsmmu_iommufd_fail_count(struct vsmmu_iommufd_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_IOMMUFD_H */
