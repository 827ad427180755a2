// SPDX-License-Identifier: MIT
/*
 * The uAPI of <vsmmu/iommufd.h> against Linux's <linux/iommufd.h>: every
 * structure's size and every field's offset, every command number and
 * enum value.  The expected numbers were worked out by hand from Linux's
 * header (fields laid out in order, __u32 at 4-byte, __aligned_u64 at
 * 8-byte alignment, the size rounded up to the largest alignment), not
 * computed by the compiler from ours.
 */
#include <stddef.h>

#include <vsmmu/iommufd.h>

#include "harness.h"

#define OFF(type, field) offsetof(struct type, field)

TEST(iommufd_uapi_command_numbers)
{
	/* _IO(';', nr): (0x3b << 8) | nr, no size or direction bits */
	ASSERT_EQ(IOMMUFD_TYPE, 0x3b);
	ASSERT_EQ(IOMMU_DESTROY, 0x3b80);
	ASSERT_EQ(IOMMU_IOAS_ALLOC, 0x3b81);
	ASSERT_EQ(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82);
	ASSERT_EQ(IOMMU_IOAS_COPY, 0x3b83);
	ASSERT_EQ(IOMMU_IOAS_IOVA_RANGES, 0x3b84);
	ASSERT_EQ(IOMMU_IOAS_MAP, 0x3b85);
	ASSERT_EQ(IOMMU_IOAS_UNMAP, 0x3b86);
	ASSERT_EQ(IOMMU_OPTION, 0x3b87);
	ASSERT_EQ(IOMMU_VFIO_IOAS, 0x3b88);
	ASSERT_EQ(IOMMU_HWPT_ALLOC, 0x3b89);
	ASSERT_EQ(IOMMU_GET_HW_INFO, 0x3b8a);
	ASSERT_EQ(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b);
	ASSERT_EQ(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c);
	ASSERT_EQ(IOMMU_HWPT_INVALIDATE, 0x3b8d);
	ASSERT_EQ(IOMMU_FAULT_QUEUE_ALLOC, 0x3b8e);
	ASSERT_EQ(IOMMU_IOAS_MAP_FILE, 0x3b8f);
	ASSERT_EQ(IOMMU_VIOMMU_ALLOC, 0x3b90);
	ASSERT_EQ(IOMMU_VDEVICE_ALLOC, 0x3b91);
	ASSERT_EQ(IOMMU_IOAS_CHANGE_PROCESS, 0x3b92);
	ASSERT_EQ(IOMMU_VEVENTQ_ALLOC, 0x3b93);
	ASSERT_EQ(IOMMU_HW_QUEUE_ALLOC, 0x3b94);
}

TEST(iommufd_uapi_enums)
{
	ASSERT_EQ(IOMMU_IOAS_MAP_FIXED_IOVA, 1);
	ASSERT_EQ(IOMMU_IOAS_MAP_WRITEABLE, 2);
	ASSERT_EQ(IOMMU_IOAS_MAP_READABLE, 4);
	ASSERT_EQ(IOMMU_OPTION_RLIMIT_MODE, 0);
	ASSERT_EQ(IOMMU_OPTION_HUGE_PAGES, 1);
	ASSERT_EQ(IOMMU_OPTION_OP_SET, 0);
	ASSERT_EQ(IOMMU_OPTION_OP_GET, 1);
	ASSERT_EQ(IOMMU_VFIO_IOAS_GET, 0);
	ASSERT_EQ(IOMMU_VFIO_IOAS_SET, 1);
	ASSERT_EQ(IOMMU_VFIO_IOAS_CLEAR, 2);
	ASSERT_EQ(IOMMU_HWPT_ALLOC_NEST_PARENT, 1);
	ASSERT_EQ(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 2);
	ASSERT_EQ(IOMMU_HWPT_FAULT_ID_VALID, 4);
	ASSERT_EQ(IOMMU_HWPT_ALLOC_PASID, 8);
	ASSERT_EQ(IOMMU_HWPT_DATA_NONE, 0);
	ASSERT_EQ(IOMMU_HWPT_DATA_VTD_S1, 1);
	ASSERT_EQ(IOMMU_HWPT_DATA_ARM_SMMUV3, 2);
	ASSERT_EQ(IOMMU_HWPT_DATA_AMD_GUEST, 3);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_NONE, 0);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_DEFAULT, 0);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, 1);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_ARM_SMMUV3, 2);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV, 3);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_AMD, 4);
	ASSERT_EQ(IOMMU_HW_CAP_DIRTY_TRACKING, 1);
	ASSERT_EQ(IOMMU_HW_CAP_PCI_PASID_EXEC, 2);
	ASSERT_EQ(IOMMU_HW_CAP_PCI_PASID_PRIV, 4);
	ASSERT_EQ(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED, 8);
	ASSERT_EQ(IOMMU_HW_INFO_FLAG_INPUT_TYPE, 1);
	ASSERT_EQ(IOMMU_HWPT_DIRTY_TRACKING_ENABLE, 1);
	ASSERT_EQ(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, 1);
	ASSERT_EQ(IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, 0);
	ASSERT_EQ(IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, 1);
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_PASID_VALID, 1);
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 2);
	ASSERT_EQ(IOMMU_PGFAULT_PERM_READ, 1);
	ASSERT_EQ(IOMMU_PGFAULT_PERM_WRITE, 2);
	ASSERT_EQ(IOMMU_PGFAULT_PERM_EXEC, 4);
	ASSERT_EQ(IOMMU_PGFAULT_PERM_PRIV, 8);
	ASSERT_EQ(IOMMUFD_PAGE_RESP_SUCCESS, 0);
	ASSERT_EQ(IOMMUFD_PAGE_RESP_INVALID, 1);
	ASSERT_EQ(IOMMU_VIOMMU_TYPE_DEFAULT, 0);
	ASSERT_EQ(IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 1);
	ASSERT_EQ(IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV, 2);
	ASSERT_EQ(IOMMU_VEVENTQ_FLAG_LOST_EVENTS, 1);
	ASSERT_EQ(IOMMU_VEVENTQ_TYPE_DEFAULT, 0);
	ASSERT_EQ(IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 1);
	ASSERT_EQ(IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV, 2);
	ASSERT_EQ(IOMMU_HW_QUEUE_TYPE_DEFAULT, 0);
	ASSERT_EQ(IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV, 1);
}

TEST(iommufd_uapi_ioas_layouts)
{
	ASSERT_EQ(sizeof(struct iommu_destroy), 8);
	ASSERT_EQ(OFF(iommu_destroy, id), 4);
	ASSERT_EQ(sizeof(struct iommu_ioas_alloc), 12);
	ASSERT_EQ(OFF(iommu_ioas_alloc, flags), 4);
	ASSERT_EQ(OFF(iommu_ioas_alloc, out_ioas_id), 8);
	ASSERT_EQ(sizeof(struct iommu_iova_range), 16);
	ASSERT_EQ(OFF(iommu_iova_range, last), 8);
	ASSERT_EQ(sizeof(struct iommu_ioas_iova_ranges), 32);
	ASSERT_EQ(OFF(iommu_ioas_iova_ranges, ioas_id), 4);
	ASSERT_EQ(OFF(iommu_ioas_iova_ranges, num_iovas), 8);
	ASSERT_EQ(OFF(iommu_ioas_iova_ranges, __reserved), 12);
	ASSERT_EQ(OFF(iommu_ioas_iova_ranges, allowed_iovas), 16);
	ASSERT_EQ(OFF(iommu_ioas_iova_ranges, out_iova_alignment), 24);
	ASSERT_EQ(sizeof(struct iommu_ioas_allow_iovas), 24);
	ASSERT_EQ(OFF(iommu_ioas_allow_iovas, num_iovas), 8);
	ASSERT_EQ(OFF(iommu_ioas_allow_iovas, allowed_iovas), 16);
	ASSERT_EQ(sizeof(struct iommu_ioas_map), 40);
	ASSERT_EQ(OFF(iommu_ioas_map, flags), 4);
	ASSERT_EQ(OFF(iommu_ioas_map, ioas_id), 8);
	ASSERT_EQ(OFF(iommu_ioas_map, __reserved), 12);
	ASSERT_EQ(OFF(iommu_ioas_map, user_va), 16);
	ASSERT_EQ(OFF(iommu_ioas_map, length), 24);
	ASSERT_EQ(OFF(iommu_ioas_map, iova), 32);
	ASSERT_EQ(sizeof(struct iommu_ioas_map_file), 40);
	ASSERT_EQ(OFF(iommu_ioas_map_file, fd), 12);
	ASSERT_EQ(OFF(iommu_ioas_map_file, start), 16);
	ASSERT_EQ(OFF(iommu_ioas_map_file, length), 24);
	ASSERT_EQ(OFF(iommu_ioas_map_file, iova), 32);
	ASSERT_EQ(sizeof(struct iommu_ioas_copy), 40);
	ASSERT_EQ(OFF(iommu_ioas_copy, dst_ioas_id), 8);
	ASSERT_EQ(OFF(iommu_ioas_copy, src_ioas_id), 12);
	ASSERT_EQ(OFF(iommu_ioas_copy, length), 16);
	ASSERT_EQ(OFF(iommu_ioas_copy, dst_iova), 24);
	ASSERT_EQ(OFF(iommu_ioas_copy, src_iova), 32);
	ASSERT_EQ(sizeof(struct iommu_ioas_unmap), 24);
	ASSERT_EQ(OFF(iommu_ioas_unmap, ioas_id), 4);
	ASSERT_EQ(OFF(iommu_ioas_unmap, iova), 8);
	ASSERT_EQ(OFF(iommu_ioas_unmap, length), 16);
	ASSERT_EQ(sizeof(struct iommu_option), 24);
	ASSERT_EQ(OFF(iommu_option, option_id), 4);
	ASSERT_EQ(OFF(iommu_option, op), 8);
	ASSERT_EQ(OFF(iommu_option, __reserved), 10);
	ASSERT_EQ(OFF(iommu_option, object_id), 12);
	ASSERT_EQ(OFF(iommu_option, val64), 16);
	ASSERT_EQ(sizeof(struct iommu_vfio_ioas), 12);
	ASSERT_EQ(OFF(iommu_vfio_ioas, op), 8);
	ASSERT_EQ(OFF(iommu_vfio_ioas, __reserved), 10);
	ASSERT_EQ(sizeof(struct iommu_ioas_change_process), 8);
}

TEST(iommufd_uapi_hwpt_layouts)
{
	ASSERT_EQ(sizeof(struct iommu_hwpt_vtd_s1), 24);
	ASSERT_EQ(OFF(iommu_hwpt_vtd_s1, pgtbl_addr), 8);
	ASSERT_EQ(OFF(iommu_hwpt_vtd_s1, addr_width), 16);
	ASSERT_EQ(sizeof(struct iommu_hwpt_arm_smmuv3), 16);
	ASSERT_EQ(sizeof(struct iommu_hwpt_amd_guest), 32);
	ASSERT_EQ(sizeof(struct iommu_hwpt_alloc), 48);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, flags), 4);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, dev_id), 8);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, pt_id), 12);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, out_hwpt_id), 16);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, __reserved), 20);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, data_type), 24);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, data_len), 28);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, data_uptr), 32);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, fault_id), 40);
	ASSERT_EQ(OFF(iommu_hwpt_alloc, __reserved2), 44);
	ASSERT_EQ(sizeof(struct iommu_hw_info_vtd), 24);
	ASSERT_EQ(OFF(iommu_hw_info_vtd, cap_reg), 8);
	ASSERT_EQ(OFF(iommu_hw_info_vtd, ecap_reg), 16);
	ASSERT_EQ(sizeof(struct iommu_hw_info_arm_smmuv3), 40);
	ASSERT_EQ(OFF(iommu_hw_info_arm_smmuv3, __reserved), 4);
	ASSERT_EQ(OFF(iommu_hw_info_arm_smmuv3, idr), 8);
	ASSERT_EQ(OFF(iommu_hw_info_arm_smmuv3, iidr), 32);
	ASSERT_EQ(OFF(iommu_hw_info_arm_smmuv3, aidr), 36);
	ASSERT_EQ(sizeof(struct iommu_hw_info_tegra241_cmdqv), 8);
	ASSERT_EQ(OFF(iommu_hw_info_tegra241_cmdqv, version), 4);
	ASSERT_EQ(OFF(iommu_hw_info_tegra241_cmdqv, log2vcmdqs), 5);
	ASSERT_EQ(OFF(iommu_hw_info_tegra241_cmdqv, log2vsids), 6);
	ASSERT_EQ(OFF(iommu_hw_info_tegra241_cmdqv, __reserved), 7);
	ASSERT_EQ(sizeof(struct iommu_hw_info_amd), 16);
	ASSERT_EQ(sizeof(struct iommu_hw_info), 40);
	ASSERT_EQ(OFF(iommu_hw_info, flags), 4);
	ASSERT_EQ(OFF(iommu_hw_info, dev_id), 8);
	ASSERT_EQ(OFF(iommu_hw_info, data_len), 12);
	ASSERT_EQ(OFF(iommu_hw_info, data_uptr), 16);
	ASSERT_EQ(OFF(iommu_hw_info, in_data_type), 24);
	ASSERT_EQ(OFF(iommu_hw_info, out_data_type), 24);
	ASSERT_EQ(OFF(iommu_hw_info, out_max_pasid_log2), 28);
	ASSERT_EQ(OFF(iommu_hw_info, __reserved), 29);
	ASSERT_EQ(OFF(iommu_hw_info, out_capabilities), 32);
	ASSERT_EQ(sizeof(struct iommu_hwpt_set_dirty_tracking), 16);
	ASSERT_EQ(OFF(iommu_hwpt_set_dirty_tracking, hwpt_id), 8);
	ASSERT_EQ(sizeof(struct iommu_hwpt_get_dirty_bitmap), 48);
	ASSERT_EQ(OFF(iommu_hwpt_get_dirty_bitmap, hwpt_id), 4);
	ASSERT_EQ(OFF(iommu_hwpt_get_dirty_bitmap, flags), 8);
	ASSERT_EQ(OFF(iommu_hwpt_get_dirty_bitmap, iova), 16);
	ASSERT_EQ(OFF(iommu_hwpt_get_dirty_bitmap, length), 24);
	ASSERT_EQ(OFF(iommu_hwpt_get_dirty_bitmap, page_size), 32);
	ASSERT_EQ(OFF(iommu_hwpt_get_dirty_bitmap, data), 40);
	ASSERT_EQ(sizeof(struct iommu_hwpt_vtd_s1_invalidate), 24);
	ASSERT_EQ(sizeof(struct iommu_viommu_arm_smmuv3_invalidate), 16);
	ASSERT_EQ(sizeof(struct iommu_hwpt_invalidate), 32);
	ASSERT_EQ(OFF(iommu_hwpt_invalidate, hwpt_id), 4);
	ASSERT_EQ(OFF(iommu_hwpt_invalidate, data_uptr), 8);
	ASSERT_EQ(OFF(iommu_hwpt_invalidate, data_type), 16);
	ASSERT_EQ(OFF(iommu_hwpt_invalidate, entry_len), 20);
	ASSERT_EQ(OFF(iommu_hwpt_invalidate, entry_num), 24);
	ASSERT_EQ(OFF(iommu_hwpt_invalidate, __reserved), 28);
}

TEST(iommufd_uapi_event_layouts)
{
	ASSERT_EQ(sizeof(struct iommu_hwpt_pgfault), 40);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, dev_id), 4);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, pasid), 8);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, grpid), 12);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, perm), 16);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, __reserved), 20);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, addr), 24);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, length), 32);
	ASSERT_EQ(OFF(iommu_hwpt_pgfault, cookie), 36);
	ASSERT_EQ(sizeof(struct iommu_hwpt_page_response), 8);
	ASSERT_EQ(OFF(iommu_hwpt_page_response, code), 4);
	ASSERT_EQ(sizeof(struct iommu_fault_alloc), 16);
	ASSERT_EQ(OFF(iommu_fault_alloc, out_fault_id), 8);
	ASSERT_EQ(OFF(iommu_fault_alloc, out_fault_fd), 12);
	ASSERT_EQ(sizeof(struct iommufd_vevent_header), 8);
	ASSERT_EQ(OFF(iommufd_vevent_header, sequence), 4);
	ASSERT_EQ(sizeof(struct iommu_vevent_arm_smmuv3), 32);
	ASSERT_EQ(sizeof(struct iommu_vevent_tegra241_cmdqv), 16);
	ASSERT_EQ(sizeof(struct iommu_veventq_alloc), 32);
	ASSERT_EQ(OFF(iommu_veventq_alloc, viommu_id), 8);
	ASSERT_EQ(OFF(iommu_veventq_alloc, type), 12);
	ASSERT_EQ(OFF(iommu_veventq_alloc, veventq_depth), 16);
	ASSERT_EQ(OFF(iommu_veventq_alloc, out_veventq_id), 20);
	ASSERT_EQ(OFF(iommu_veventq_alloc, out_veventq_fd), 24);
	ASSERT_EQ(OFF(iommu_veventq_alloc, __reserved), 28);
}

TEST(iommufd_uapi_viommu_layouts)
{
	ASSERT_EQ(sizeof(struct iommu_viommu_tegra241_cmdqv), 16);
	ASSERT_EQ(OFF(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length), 8);
	ASSERT_EQ(sizeof(struct iommu_viommu_alloc), 40);
	ASSERT_EQ(OFF(iommu_viommu_alloc, flags), 4);
	ASSERT_EQ(OFF(iommu_viommu_alloc, type), 8);
	ASSERT_EQ(OFF(iommu_viommu_alloc, dev_id), 12);
	ASSERT_EQ(OFF(iommu_viommu_alloc, hwpt_id), 16);
	ASSERT_EQ(OFF(iommu_viommu_alloc, out_viommu_id), 20);
	ASSERT_EQ(OFF(iommu_viommu_alloc, data_len), 24);
	ASSERT_EQ(OFF(iommu_viommu_alloc, __reserved), 28);
	ASSERT_EQ(OFF(iommu_viommu_alloc, data_uptr), 32);
	ASSERT_EQ(sizeof(struct iommu_vdevice_alloc), 24);
	ASSERT_EQ(OFF(iommu_vdevice_alloc, viommu_id), 4);
	ASSERT_EQ(OFF(iommu_vdevice_alloc, dev_id), 8);
	ASSERT_EQ(OFF(iommu_vdevice_alloc, out_vdevice_id), 12);
	ASSERT_EQ(OFF(iommu_vdevice_alloc, virt_id), 16);
	ASSERT_EQ(sizeof(struct iommu_hw_queue_alloc), 40);
	ASSERT_EQ(OFF(iommu_hw_queue_alloc, viommu_id), 8);
	ASSERT_EQ(OFF(iommu_hw_queue_alloc, type), 12);
	ASSERT_EQ(OFF(iommu_hw_queue_alloc, index), 16);
	ASSERT_EQ(OFF(iommu_hw_queue_alloc, out_hw_queue_id), 20);
	ASSERT_EQ(OFF(iommu_hw_queue_alloc, nesting_parent_iova), 24);
	ASSERT_EQ(OFF(iommu_hw_queue_alloc, length), 32);
	/* The alignment the kernel ABI needs for the 64-bit fields */
	ASSERT_EQ(_Alignof(struct iommu_ioas_map), 8);
	ASSERT_EQ(_Alignof(struct iommu_hwpt_arm_smmuv3), 8);
}
