/* SPDX-License-Identifier: MIT */
/*
 * Arm SMMUv3 architected layouts: registers, stream table entries, context
 * descriptors, level-1 descriptors, commands, events, PRI records and the
 * VMSAv8-64 translation table descriptors the SMMU walks.
 *
 * This is the single source of truth for every architected encoding in
 * vsmmu: the hardware model, the host driver, the decoders and the tools all
 * use it.  Names follow the specification (Arm IHI 0070) and the Linux
 * driver's convention STRUCT_<dword>_<FIELD>; each mask is a 64-bit mask
 * within the dword or register named.  Values are built with VS_FIELD_PREP
 * and read with VS_FIELD_GET.  In-memory structures are arrays of 64-bit
 * words, little-endian in memory, converted once at the memory boundary.
 *
 * Because the model and the driver share these masks, a wrong mask would
 * agree with itself: tests/test_arch.c checks them against encodings worked
 * out by hand from the specification.
 *
 * The names here are not prefixed (they read like the specification).  No
 * other vsmmu header includes this one, so an embedder that has its own
 * SMMU definitions can leave it out.
 */
#ifndef VSMMU_ARCH_H
#define VSMMU_ARCH_H

#include <vsmmu/bits.h>

/* ---------------------------------------------------------------------
 * MMIO registers (offsets from the SMMU base, page 0 unless noted)
 */
#define SMMU_PAGE_SIZE 0x10000
#define SMMU_MMIO_SIZE 0x20000 /* page 0 and page 1 */

#define ARM_SMMU_IDR0 0x00
#define IDR0_ST_LVL VS_GENMASK(28, 27)
#define IDR0_ST_LVL_2LVL 1
#define IDR0_TERM_MODEL VS_BIT(26)
#define IDR0_STALL_MODEL VS_GENMASK(25, 24)
#define IDR0_STALL_MODEL_STALL 0
#define IDR0_STALL_MODEL_NONE 1
#define IDR0_STALL_MODEL_FORCE 2
#define IDR0_TTENDIAN VS_GENMASK(22, 21)
#define IDR0_TTENDIAN_MIXED 0
#define IDR0_TTENDIAN_LE 2
#define IDR0_TTENDIAN_BE 3
#define IDR0_VATOS VS_BIT(20)
#define IDR0_CD2L VS_BIT(19)
#define IDR0_VMID16 VS_BIT(18)
#define IDR0_VMW VS_BIT(17)
#define IDR0_PRI VS_BIT(16)
#define IDR0_SEV VS_BIT(14)
#define IDR0_MSI VS_BIT(13)
#define IDR0_ASID16 VS_BIT(12)
#define IDR0_NS1ATS VS_BIT(11)
#define IDR0_ATS VS_BIT(10)
#define IDR0_HYP VS_BIT(9)
#define IDR0_DORMHINT VS_BIT(8)
#define IDR0_HTTU VS_GENMASK(7, 6)
#define IDR0_HTTU_ACCESS 1
#define IDR0_HTTU_ACCESS_DIRTY 2
#define IDR0_BTM VS_BIT(5)
#define IDR0_COHACC VS_BIT(4)
#define IDR0_TTF VS_GENMASK(3, 2)
#define IDR0_TTF_AARCH64 2
#define IDR0_TTF_AARCH32_64 3
#define IDR0_S1P VS_BIT(1)
#define IDR0_S2P VS_BIT(0)

#define ARM_SMMU_IDR1 0x04
#define IDR1_ECMDQ VS_BIT(31)
#define IDR1_TABLES_PRESET VS_BIT(30)
#define IDR1_QUEUES_PRESET VS_BIT(29)
#define IDR1_REL VS_BIT(28)
#define IDR1_ATTR_TYPES_OVR VS_BIT(27)
#define IDR1_ATTR_PERMS_OVR VS_BIT(26)
#define IDR1_CMDQS VS_GENMASK(25, 21)
#define IDR1_EVTQS VS_GENMASK(20, 16)
#define IDR1_PRIQS VS_GENMASK(15, 11)
#define IDR1_SSIDSIZE VS_GENMASK(10, 6)
#define IDR1_SIDSIZE VS_GENMASK(5, 0)

#define ARM_SMMU_IDR2 0x08
#define IDR2_BA_VATOS VS_GENMASK(9, 0)

#define ARM_SMMU_IDR3 0x0c
#define IDR3_BBML VS_GENMASK(12, 11)
#define IDR3_RIL VS_BIT(10)
#define IDR3_STT VS_BIT(9)
#define IDR3_FWB VS_BIT(8)
#define IDR3_MPAM VS_BIT(7)
#define IDR3_HAD VS_BIT(2)

#define ARM_SMMU_IDR4 0x10

#define ARM_SMMU_IDR5 0x14
#define IDR5_STALL_MAX VS_GENMASK(31, 16)
#define IDR5_VAX VS_GENMASK(11, 10)
#define IDR5_VAX_52_BIT 1
#define IDR5_GRAN64K VS_BIT(6)
#define IDR5_GRAN16K VS_BIT(5)
#define IDR5_GRAN4K VS_BIT(4)
#define IDR5_OAS VS_GENMASK(2, 0)
#define IDR5_OAS_32_BIT 0
#define IDR5_OAS_36_BIT 1
#define IDR5_OAS_40_BIT 2
#define IDR5_OAS_42_BIT 3
#define IDR5_OAS_44_BIT 4
#define IDR5_OAS_48_BIT 5
#define IDR5_OAS_52_BIT 6

#define ARM_SMMU_IIDR 0x18
#define ARM_SMMU_AIDR 0x1c

#define ARM_SMMU_CR0 0x20
#define CR0_VMW VS_GENMASK(8, 6)
#define CR0_ATSCHK VS_BIT(4)
#define CR0_CMDQEN VS_BIT(3)
#define CR0_EVTQEN VS_BIT(2)
#define CR0_PRIQEN VS_BIT(1)
#define CR0_SMMUEN VS_BIT(0)
#define ARM_SMMU_CR0ACK 0x24

#define ARM_SMMU_CR1 0x28
#define CR1_TABLE_SH VS_GENMASK(11, 10)
#define CR1_TABLE_OC VS_GENMASK(9, 8)
#define CR1_TABLE_IC VS_GENMASK(7, 6)
#define CR1_QUEUE_SH VS_GENMASK(5, 4)
#define CR1_QUEUE_OC VS_GENMASK(3, 2)
#define CR1_QUEUE_IC VS_GENMASK(1, 0)

#define ARM_SMMU_CR2 0x2c
#define CR2_PTM VS_BIT(2)
#define CR2_RECINVSID VS_BIT(1)
#define CR2_E2H VS_BIT(0)

#define ARM_SMMU_GBPA 0x44
#define GBPA_UPDATE VS_BIT(31)
#define GBPA_ABORT VS_BIT(20)

#define ARM_SMMU_IRQ_CTRL 0x50
#define IRQ_CTRL_EVTQ_IRQEN VS_BIT(2)
#define IRQ_CTRL_PRIQ_IRQEN VS_BIT(1)
#define IRQ_CTRL_GERROR_IRQEN VS_BIT(0)
#define ARM_SMMU_IRQ_CTRLACK 0x54

#define ARM_SMMU_GERROR 0x60
#define GERROR_SFM_ERR VS_BIT(8)
#define GERROR_MSI_GERROR_ABT_ERR VS_BIT(7)
#define GERROR_MSI_PRIQ_ABT_ERR VS_BIT(6)
#define GERROR_MSI_EVTQ_ABT_ERR VS_BIT(5)
#define GERROR_MSI_CMDQ_ABT_ERR VS_BIT(4)
#define GERROR_PRIQ_ABT_ERR VS_BIT(3)
#define GERROR_EVTQ_ABT_ERR VS_BIT(2)
#define GERROR_CMDQ_ERR VS_BIT(0)
#define ARM_SMMU_GERRORN 0x64

#define ARM_SMMU_GERROR_IRQ_CFG0 0x68
#define ARM_SMMU_GERROR_IRQ_CFG1 0x70
#define ARM_SMMU_GERROR_IRQ_CFG2 0x74

#define ARM_SMMU_STRTAB_BASE 0x80
#define STRTAB_BASE_RA VS_BIT(62)
#define STRTAB_BASE_ADDR_MASK VS_GENMASK(51, 6)

#define ARM_SMMU_STRTAB_BASE_CFG 0x88
#define STRTAB_BASE_CFG_FMT VS_GENMASK(17, 16)
#define STRTAB_BASE_CFG_FMT_LINEAR 0
#define STRTAB_BASE_CFG_FMT_2LVL 1
#define STRTAB_BASE_CFG_SPLIT VS_GENMASK(10, 6)
#define STRTAB_BASE_CFG_LOG2SIZE VS_GENMASK(5, 0)

#define ARM_SMMU_CMDQ_BASE 0x90
#define ARM_SMMU_CMDQ_PROD 0x98
#define ARM_SMMU_CMDQ_CONS 0x9c

#define ARM_SMMU_EVTQ_BASE 0xa0
#define ARM_SMMU_EVTQ_PROD 0x100a8
#define ARM_SMMU_EVTQ_CONS 0x100ac
#define ARM_SMMU_EVTQ_IRQ_CFG0 0xb0
#define ARM_SMMU_EVTQ_IRQ_CFG1 0xb8
#define ARM_SMMU_EVTQ_IRQ_CFG2 0xbc

#define ARM_SMMU_PRIQ_BASE 0xc0
#define ARM_SMMU_PRIQ_PROD 0x100c8
#define ARM_SMMU_PRIQ_CONS 0x100cc
#define ARM_SMMU_PRIQ_IRQ_CFG0 0xd0
#define ARM_SMMU_PRIQ_IRQ_CFG1 0xd8
#define ARM_SMMU_PRIQ_IRQ_CFG2 0xdc

/* *_IRQ_CFG0: MSI address */
#define MSI_CFG0_ADDR_MASK VS_GENMASK(51, 2)
/* *_IRQ_CFG2: MSI attributes */
#define MSI_CFG2_SH VS_GENMASK(5, 4)
#define MSI_CFG2_MEMATTR VS_GENMASK(3, 0)

/* Queue base registers (CMDQ_BASE, EVTQ_BASE, PRIQ_BASE) */
#define Q_BASE_RWA VS_BIT(62)
#define Q_BASE_ADDR_MASK VS_GENMASK(51, 5)
#define Q_BASE_LOG2SIZE VS_GENMASK(4, 0)

/* Queue index registers: index in [n-1:0], wrap in bit n */
#define Q_OVERFLOW_FLAG VS_BIT(31) /* EVTQ_PROD / PRIQ_PROD OVFLG */
#define CMDQ_CONS_ERR VS_GENMASK(30, 24)
#define CMDQ_ERR_CERROR_NONE_IDX 0
#define CMDQ_ERR_CERROR_ILL_IDX 1
#define CMDQ_ERR_CERROR_ABT_IDX 2
#define CMDQ_ERR_CERROR_ATC_INV_IDX 3

/* ---------------------------------------------------------------------
 * Stream table
 */
/* Level-1 stream table descriptor (8 bytes) */
#define STRTAB_L1_DESC_DWORDS 1
#define STRTAB_L1_DESC_SPAN VS_GENMASK(4, 0)
#define STRTAB_L1_DESC_L2PTR_MASK VS_GENMASK(51, 6)

/* Stream table entry (64 bytes) */
#define STRTAB_STE_DWORDS 8
#define STRTAB_STE_0_V VS_BIT(0)
#define STRTAB_STE_0_CFG VS_GENMASK(3, 1)
#define STRTAB_STE_0_CFG_ABORT 0
#define STRTAB_STE_0_CFG_BYPASS 4
#define STRTAB_STE_0_CFG_S1_TRANS 5
#define STRTAB_STE_0_CFG_S2_TRANS 6
#define STRTAB_STE_0_CFG_NESTED 7
#define STRTAB_STE_0_S1FMT VS_GENMASK(5, 4)
#define STRTAB_STE_0_S1FMT_LINEAR 0
#define STRTAB_STE_0_S1FMT_4K_L2 1
#define STRTAB_STE_0_S1FMT_64K_L2 2
#define STRTAB_STE_0_S1CTXPTR_MASK VS_GENMASK(51, 6)
#define STRTAB_STE_0_S1CDMAX VS_GENMASK(63, 59)

#define STRTAB_STE_1_S1DSS VS_GENMASK(1, 0)
#define STRTAB_STE_1_S1DSS_TERMINATE 0
#define STRTAB_STE_1_S1DSS_BYPASS 1
#define STRTAB_STE_1_S1DSS_SSID0 2
#define STRTAB_STE_1_S1CIR VS_GENMASK(3, 2)
#define STRTAB_STE_1_S1COR VS_GENMASK(5, 4)
#define STRTAB_STE_1_S1CSH VS_GENMASK(7, 6)
#define STRTAB_STE_1_DCP VS_BIT(17)
#define STRTAB_STE_1_PPAR VS_BIT(18)
#define STRTAB_STE_1_MEV VS_BIT(19)
#define STRTAB_STE_1_S2FWB VS_BIT(25)
#define STRTAB_STE_1_S1STALLD VS_BIT(27)
#define STRTAB_STE_1_EATS VS_GENMASK(29, 28)
#define STRTAB_STE_1_EATS_ABT 0
#define STRTAB_STE_1_EATS_TRANS 1
#define STRTAB_STE_1_EATS_S1CHK 2
#define STRTAB_STE_1_STRW VS_GENMASK(31, 30)
#define STRTAB_STE_1_STRW_NSEL1 0
#define STRTAB_STE_1_STRW_EL2 2
#define STRTAB_STE_1_MEMATTR VS_GENMASK(35, 32)
#define STRTAB_STE_1_MTCFG VS_BIT(36)
#define STRTAB_STE_1_ALLOCCFG VS_GENMASK(40, 37)
#define STRTAB_STE_1_SHCFG VS_GENMASK(45, 44)
#define STRTAB_STE_1_SHCFG_INCOMING 1
#define STRTAB_STE_1_NSCFG VS_GENMASK(47, 46)
#define STRTAB_STE_1_PRIVCFG VS_GENMASK(49, 48)
#define STRTAB_STE_1_PRIVCFG_INCOMING 0
#define STRTAB_STE_1_PRIVCFG_UNPRIV 2
#define STRTAB_STE_1_PRIVCFG_PRIV 3
#define STRTAB_STE_1_INSTCFG VS_GENMASK(51, 50)
#define STRTAB_STE_1_INSTCFG_INCOMING 0
#define STRTAB_STE_1_INSTCFG_DATA 2
#define STRTAB_STE_1_INSTCFG_INSTR 3

#define STRTAB_STE_2_S2VMID VS_GENMASK(15, 0)
#define STRTAB_STE_2_VTCR VS_GENMASK(50, 32)
#define STRTAB_STE_2_S2T0SZ VS_GENMASK(37, 32)
#define STRTAB_STE_2_S2SL0 VS_GENMASK(39, 38)
#define STRTAB_STE_2_S2IR0 VS_GENMASK(41, 40)
#define STRTAB_STE_2_S2OR0 VS_GENMASK(43, 42)
#define STRTAB_STE_2_S2SH0 VS_GENMASK(45, 44)
#define STRTAB_STE_2_S2TG VS_GENMASK(47, 46)
#define STRTAB_STE_2_S2TG_4K 0
#define STRTAB_STE_2_S2TG_64K 1
#define STRTAB_STE_2_S2TG_16K 2
#define STRTAB_STE_2_S2PS VS_GENMASK(50, 48)
#define STRTAB_STE_2_S2AA64 VS_BIT(51)
#define STRTAB_STE_2_S2ENDI VS_BIT(52)
#define STRTAB_STE_2_S2AFFD VS_BIT(53)
#define STRTAB_STE_2_S2PTW VS_BIT(54)
#define STRTAB_STE_2_S2HD VS_BIT(55)
#define STRTAB_STE_2_S2HA VS_BIT(56)
#define STRTAB_STE_2_S2S VS_BIT(57)
#define STRTAB_STE_2_S2R VS_BIT(58)

#define STRTAB_STE_3_S2TTB_MASK VS_GENMASK(51, 4)

/* ---------------------------------------------------------------------
 * Context descriptors
 */
/* Level-1 CD table descriptor (8 bytes) */
#define CTXDESC_L1_DESC_V VS_BIT(0)
#define CTXDESC_L1_DESC_L2PTR_MASK VS_GENMASK(51, 12)
#define CTXDESC_L2_ENTRIES_4K 64 /* S1Fmt 1: 4K leaf tables */
#define CTXDESC_L2_ENTRIES_64K 1024 /* S1Fmt 2: 64K leaf tables */

/* Context descriptor (64 bytes) */
#define CTXDESC_CD_DWORDS 8
#define CTXDESC_CD_0_TCR_T0SZ VS_GENMASK(5, 0)
#define CTXDESC_CD_0_TCR_TG0 VS_GENMASK(7, 6)
#define CTXDESC_CD_0_TCR_TG0_4K 0
#define CTXDESC_CD_0_TCR_TG0_64K 1
#define CTXDESC_CD_0_TCR_TG0_16K 2
#define CTXDESC_CD_0_TCR_IRGN0 VS_GENMASK(9, 8)
#define CTXDESC_CD_0_TCR_ORGN0 VS_GENMASK(11, 10)
#define CTXDESC_CD_0_TCR_SH0 VS_GENMASK(13, 12)
#define CTXDESC_CD_0_TCR_EPD0 VS_BIT(14)
#define CTXDESC_CD_0_ENDI VS_BIT(15)
#define CTXDESC_CD_0_TCR_T1SZ VS_GENMASK(21, 16)
#define CTXDESC_CD_0_TCR_TG1 VS_GENMASK(23, 22)
#define CTXDESC_CD_0_TCR_TG1_16K 1
#define CTXDESC_CD_0_TCR_TG1_4K 2
#define CTXDESC_CD_0_TCR_TG1_64K 3
#define CTXDESC_CD_0_TCR_IRGN1 VS_GENMASK(25, 24)
#define CTXDESC_CD_0_TCR_ORGN1 VS_GENMASK(27, 26)
#define CTXDESC_CD_0_TCR_SH1 VS_GENMASK(29, 28)
#define CTXDESC_CD_0_TCR_EPD1 VS_BIT(30)
#define CTXDESC_CD_0_V VS_BIT(31)
#define CTXDESC_CD_0_TCR_IPS VS_GENMASK(34, 32)
#define CTXDESC_CD_0_AFFD VS_BIT(35)
#define CTXDESC_CD_0_WXN VS_BIT(36)
#define CTXDESC_CD_0_UWXN VS_BIT(37)
#define CTXDESC_CD_0_TCR_TBI0 VS_BIT(38)
#define CTXDESC_CD_0_TCR_TBI1 VS_BIT(39)
#define CTXDESC_CD_0_PAN VS_BIT(40)
#define CTXDESC_CD_0_AA64 VS_BIT(41)
#define CTXDESC_CD_0_TCR_HD VS_BIT(42)
#define CTXDESC_CD_0_TCR_HA VS_BIT(43)
#define CTXDESC_CD_0_S VS_BIT(44)
#define CTXDESC_CD_0_R VS_BIT(45)
#define CTXDESC_CD_0_A VS_BIT(46)
#define CTXDESC_CD_0_ASET VS_BIT(47)
#define CTXDESC_CD_0_ASID VS_GENMASK(63, 48)

#define CTXDESC_CD_1_NSCFG0 VS_BIT(0)
#define CTXDESC_CD_1_HAD0 VS_BIT(1)
#define CTXDESC_CD_1_TTB0_MASK VS_GENMASK(51, 4)
#define CTXDESC_CD_2_NSCFG1 VS_BIT(0)
#define CTXDESC_CD_2_HAD1 VS_BIT(1)
#define CTXDESC_CD_2_TTB1_MASK VS_GENMASK(51, 4)
#define CTXDESC_CD_3_MAIR VS_GENMASK(63, 0)

/* ---------------------------------------------------------------------
 * Commands (16 bytes, two dwords)
 */
#define CMDQ_ENT_DWORDS 2
#define CMDQ_0_OP VS_GENMASK(7, 0)
#define CMDQ_0_SSV VS_BIT(11)

#define CMDQ_OP_PREFETCH_CFG 0x01
#define CMDQ_OP_PREFETCH_ADDR 0x02
#define CMDQ_OP_CFGI_STE 0x03
#define CMDQ_OP_CFGI_STE_RANGE 0x04 /* CFGI_ALL is RANGE = 31 */
#define CMDQ_OP_CFGI_CD 0x05
#define CMDQ_OP_CFGI_CD_ALL 0x06
#define CMDQ_OP_CFGI_VMS_PIDM 0x07
#define CMDQ_OP_TLBI_NH_ALL 0x10
#define CMDQ_OP_TLBI_NH_ASID 0x11
#define CMDQ_OP_TLBI_NH_VA 0x12
#define CMDQ_OP_TLBI_NH_VAA 0x13
#define CMDQ_OP_TLBI_EL3_ALL 0x18
#define CMDQ_OP_TLBI_EL3_VA 0x1a
#define CMDQ_OP_TLBI_EL2_ALL 0x20
#define CMDQ_OP_TLBI_EL2_ASID 0x21
#define CMDQ_OP_TLBI_EL2_VA 0x22
#define CMDQ_OP_TLBI_EL2_VAA 0x23
#define CMDQ_OP_TLBI_S12_VMALL 0x28
#define CMDQ_OP_TLBI_S2_IPA 0x2a
#define CMDQ_OP_TLBI_NSNH_ALL 0x30
#define CMDQ_OP_ATC_INV 0x40
#define CMDQ_OP_PRI_RESP 0x41
#define CMDQ_OP_RESUME 0x44
#define CMDQ_OP_STALL_TERM 0x45
#define CMDQ_OP_CMD_SYNC 0x46

#define CMDQ_PREFETCH_0_SSID VS_GENMASK(31, 12)
#define CMDQ_PREFETCH_0_SID VS_GENMASK(63, 32)
#define CMDQ_PREFETCH_1_SIZE VS_GENMASK(4, 0)
#define CMDQ_PREFETCH_1_ADDR_MASK VS_GENMASK(63, 12)

#define CMDQ_CFGI_0_SSID VS_GENMASK(31, 12)
#define CMDQ_CFGI_0_SID VS_GENMASK(63, 32)
#define CMDQ_CFGI_1_LEAF VS_BIT(0)
#define CMDQ_CFGI_1_RANGE VS_GENMASK(4, 0)
#define CMDQ_CFGI_1_RANGE_ALL 31

#define CMDQ_TLBI_0_NUM VS_GENMASK(16, 12)
#define CMDQ_TLBI_RANGE_NUM_MAX 31
#define CMDQ_TLBI_0_SCALE VS_GENMASK(24, 20)
#define CMDQ_TLBI_0_VMID VS_GENMASK(47, 32)
#define CMDQ_TLBI_0_ASID VS_GENMASK(63, 48)
#define CMDQ_TLBI_1_LEAF VS_BIT(0)
#define CMDQ_TLBI_1_TTL VS_GENMASK(9, 8)
#define CMDQ_TLBI_1_TG VS_GENMASK(11, 10)
#define CMDQ_TLBI_1_VA_MASK VS_GENMASK(63, 12)
#define CMDQ_TLBI_1_IPA_MASK VS_GENMASK(51, 12)

#define CMDQ_ATC_0_SSID VS_GENMASK(31, 12)
#define CMDQ_ATC_0_SID VS_GENMASK(63, 32)
#define CMDQ_ATC_0_GLOBAL VS_BIT(9)
#define CMDQ_ATC_1_SIZE VS_GENMASK(5, 0)
#define CMDQ_ATC_1_SIZE_ALL 52
#define CMDQ_ATC_1_ADDR_MASK VS_GENMASK(63, 12)

#define CMDQ_PRI_0_SSID VS_GENMASK(31, 12)
#define CMDQ_PRI_0_SID VS_GENMASK(63, 32)
#define CMDQ_PRI_1_GRPID VS_GENMASK(8, 0)
#define CMDQ_PRI_1_RESP VS_GENMASK(13, 12)
#define CMDQ_PRI_1_RESP_DENY 0
#define CMDQ_PRI_1_RESP_FAIL 1
#define CMDQ_PRI_1_RESP_SUCC 2

#define CMDQ_RESUME_0_RESP VS_GENMASK(13, 12)
#define CMDQ_RESUME_0_RESP_TERM 0
#define CMDQ_RESUME_0_RESP_RETRY 1
#define CMDQ_RESUME_0_RESP_ABORT 2
#define CMDQ_RESUME_0_SID VS_GENMASK(63, 32)
#define CMDQ_RESUME_1_STAG VS_GENMASK(15, 0)

#define CMDQ_SYNC_0_CS VS_GENMASK(13, 12)
#define CMDQ_SYNC_0_CS_NONE 0
#define CMDQ_SYNC_0_CS_IRQ 1
#define CMDQ_SYNC_0_CS_SEV 2
#define CMDQ_SYNC_0_MSH VS_GENMASK(23, 22)
#define CMDQ_SYNC_0_MSIATTR VS_GENMASK(27, 24)
#define CMDQ_SYNC_0_MSIDATA VS_GENMASK(63, 32)
#define CMDQ_SYNC_1_MSIADDR_MASK VS_GENMASK(51, 2)

/* ---------------------------------------------------------------------
 * Events (32 bytes, four dwords)
 */
#define EVTQ_ENT_DWORDS 4
#define EVTQ_0_ID VS_GENMASK(7, 0)
#define EVTQ_0_SSV VS_BIT(11)
#define EVTQ_0_SSID VS_GENMASK(31, 12)
#define EVTQ_0_SID VS_GENMASK(63, 32)
#define EVTQ_1_STAG VS_GENMASK(15, 0)
#define EVTQ_1_STALL VS_BIT(31)
#define EVTQ_1_PnU VS_BIT(33)
#define EVTQ_1_InD VS_BIT(34)
#define EVTQ_1_RnW VS_BIT(35)
#define EVTQ_1_S2 VS_BIT(39)
#define EVTQ_1_CLASS VS_GENMASK(41, 40)
#define EVTQ_1_CLASS_CD 0
#define EVTQ_1_CLASS_TT 1
#define EVTQ_1_CLASS_IN 2
#define EVTQ_1_TT_READ VS_BIT(44)
#define EVTQ_2_ADDR VS_GENMASK(63, 0)
#define EVTQ_3_IPA VS_GENMASK(51, 12)
#define EVTQ_3_FETCH_ADDR VS_GENMASK(51, 3)

#define EVT_ID_UUT 0x01
#define EVT_ID_BAD_STREAMID 0x02
#define EVT_ID_STE_FETCH 0x03
#define EVT_ID_BAD_STE 0x04
#define EVT_ID_BAD_ATS_TREQ 0x05
#define EVT_ID_STREAM_DISABLED 0x06
#define EVT_ID_TRANSL_FORBIDDEN 0x07
#define EVT_ID_BAD_SUBSTREAMID 0x08
#define EVT_ID_CD_FETCH 0x09
#define EVT_ID_BAD_CD 0x0a
#define EVT_ID_WALK_EABT 0x0b
#define EVT_ID_TRANSLATION 0x10
#define EVT_ID_ADDR_SIZE 0x11
#define EVT_ID_ACCESS 0x12
#define EVT_ID_PERMISSION 0x13
#define EVT_ID_TLB_CONFLICT 0x20
#define EVT_ID_CFG_CONFLICT 0x21
#define EVT_ID_PAGE_REQUEST 0x24
#define EVT_ID_VMS_FETCH 0x25

/* ---------------------------------------------------------------------
 * PRI queue records (16 bytes)
 */
#define PRIQ_ENT_DWORDS 2
#define PRIQ_0_SID VS_GENMASK(31, 0)
#define PRIQ_0_SSID VS_GENMASK(51, 32)
#define PRIQ_0_PERM_PRIV VS_BIT(58)
#define PRIQ_0_PERM_EXEC VS_BIT(59)
#define PRIQ_0_PERM_READ VS_BIT(60)
#define PRIQ_0_PERM_WRITE VS_BIT(61)
#define PRIQ_0_PRG_LAST VS_BIT(62)
#define PRIQ_0_SSID_V VS_BIT(63)
#define PRIQ_1_PRG_IDX VS_GENMASK(8, 0)
#define PRIQ_1_ADDR_MASK VS_GENMASK(63, 12)

/* ---------------------------------------------------------------------
 * VMSAv8-64 translation table descriptors
 */
#define ARM_LPAE_MAX_LEVELS 4
#define ARM_LPAE_PTE_VALID VS_BIT(0)
#define ARM_LPAE_PTE_TYPE VS_BIT(1) /* 1: table (L0-2) or page (L3) */
/* Output/next-level address: bits [47:granule_shift]; 52-bit forms below */
#define ARM_LPAE_PTE_ADDR_MASK VS_GENMASK(47, 12)
/* 64K granule with 52-bit output: OA[51:48] live in descriptor [15:12] */
#define ARM_LPAE_PTE_ADDR_HI_64K VS_GENMASK(15, 12)

/* Table descriptor attributes (stage 1 only) */
#define ARM_LPAE_PTE_NSTABLE VS_BIT(63)
#define ARM_LPAE_PTE_APTABLE VS_GENMASK(62, 61)
#define ARM_LPAE_PTE_APTABLE_NO_EL0 1 /* bit 61 */
#define ARM_LPAE_PTE_APTABLE_RO 2 /* bit 62 */
#define ARM_LPAE_PTE_XNTABLE VS_BIT(60)
#define ARM_LPAE_PTE_PXNTABLE VS_BIT(59)

/* Leaf attributes shared by both stages */
#define ARM_LPAE_PTE_SH VS_GENMASK(9, 8)
#define ARM_LPAE_PTE_SH_NS 0
#define ARM_LPAE_PTE_SH_OS 2
#define ARM_LPAE_PTE_SH_IS 3
#define ARM_LPAE_PTE_AF VS_BIT(10)
#define ARM_LPAE_PTE_DBM VS_BIT(51)
#define ARM_LPAE_PTE_CONT VS_BIT(52)

/* Stage 1 leaf */
#define ARM_LPAE_PTE_ATTRINDX VS_GENMASK(4, 2)
#define ARM_LPAE_PTE_NS VS_BIT(5)
#define ARM_LPAE_PTE_AP VS_GENMASK(7, 6)
#define ARM_LPAE_PTE_AP_UNPRIV VS_BIT(6) /* EL0 access permitted */
#define ARM_LPAE_PTE_AP_RDONLY VS_BIT(7)
#define ARM_LPAE_PTE_nG VS_BIT(11)
#define ARM_LPAE_PTE_PXN VS_BIT(53)
#define ARM_LPAE_PTE_UXN VS_BIT(54)

/* Stage 2 leaf */
#define ARM_LPAE_PTE_MEMATTR VS_GENMASK(5, 2)
#define ARM_LPAE_PTE_MEMATTR_DEV 0x1 /* Device-nGnRE */
#define ARM_LPAE_PTE_MEMATTR_NC 0x5
#define ARM_LPAE_PTE_MEMATTR_OIWB 0xf
#define ARM_LPAE_PTE_S2AP VS_GENMASK(7, 6)
#define ARM_LPAE_PTE_HAP_READ VS_BIT(6)
#define ARM_LPAE_PTE_HAP_WRITE VS_BIT(7)
#define ARM_LPAE_PTE_S2XN VS_GENMASK(54, 53)
#define ARM_LPAE_PTE_S2XN_NONE 0 /* executable at EL1 and EL0 */
#define ARM_LPAE_PTE_S2XN_EL1 1 /* not executable at EL1 (FEAT_XNX) */
#define ARM_LPAE_PTE_S2XN_ALL 2 /* not executable */
#define ARM_LPAE_PTE_S2XN_EL0 3 /* not executable at EL0 (FEAT_XNX) */

/* MAIR indices the vsmmu page-table library uses (same as Linux) */
#define ARM_LPAE_MAIR_ATTR_IDX_NC 0
#define ARM_LPAE_MAIR_ATTR_IDX_CACHE 1
#define ARM_LPAE_MAIR_ATTR_IDX_DEV 2
#define ARM_LPAE_MAIR_DEFAULT 0x0004ff44ULL /* NC, WBRWA, Device-nGnRE */

/* ---------------------------------------------------------------------
 * NVIDIA Tegra241 (Grace) CMDQ-Virtualization (CMDQV), offsets from the
 * CMDQV base; 64 KiB pages.  /work/shared/reference/cmdqv.md; the same
 * layout as Linux's tegra241-cmdqv.c.
 */

#define TEGRA241_CMDQV_CONFIG 0x0000
#define CMDQV_EN VS_BIT(0)
#define TEGRA241_CMDQV_PARAM 0x0004
#define CMDQV_NUM_SID_PER_VM_LOG2 VS_GENMASK(15, 12)
#define CMDQV_NUM_VINTF_LOG2 VS_GENMASK(11, 8)
#define CMDQV_NUM_VCMDQ_LOG2 VS_GENMASK(7, 4)
#define CMDQV_VER VS_GENMASK(3, 0)
#define TEGRA241_CMDQV_STATUS 0x0008
#define CMDQV_ENABLED VS_BIT(0)
#define TEGRA241_CMDQV_VINTF_ERR_MAP 0x0014 /* 64 bits: one per VINTF */
#define TEGRA241_CMDQV_VINTF_INT_MASK 0x001c
#define TEGRA241_CMDQV_CMDQ_ERR_MAP(m) (0x0024 + 0x4 * (m)) /* m = 0..3 */
#define TEGRA241_CMDQV_CMDQ_ALLOC(q) (0x0200 + 0x4 * (q))
#define CMDQV_CMDQ_ALLOC_VINTF VS_GENMASK(20, 15)
#define CMDQV_CMDQ_ALLOC_LVCMDQ VS_GENMASK(7, 1)
#define CMDQV_CMDQ_ALLOCATED VS_BIT(0)

/* VINTF v configuration registers */
#define TEGRA241_VINTF(v) (0x1000 + 0x100 * (v))
#define TEGRA241_VINTF_CONFIG 0x0000
#define VINTF_HYP_OWN VS_BIT(17)
#define VINTF_VMID VS_GENMASK(16, 1)
#define VINTF_EN VS_BIT(0)
#define TEGRA241_VINTF_STATUS 0x0004
#define VINTF_VI_NUM_LVCMDQ VS_GENMASK(23, 16)
#define VINTF_STATUS VS_GENMASK(3, 1)
#define VINTF_ENABLED VS_BIT(0)
#define TEGRA241_VINTF_SID_MATCH(s) (0x0040 + 0x4 * (s))
#define VINTF_SID_MATCH_VSID VS_GENMASK(31, 1)
#define VINTF_SID_MATCH_EN VS_BIT(0)
#define TEGRA241_VINTF_SID_REPLACE(s) (0x0080 + 0x4 * (s))
#define TEGRA241_VINTF_LVCMDQ_ERR_MAP_64(m) (0x00c0 + 0x8 * (m)) /* m=0,1 */

/* VCMDQ q, global view: page 0 (control) and page 1 (base) */
#define TEGRA241_VCMDQ_PAGE0_BASE 0x10000
#define TEGRA241_VCMDQ_PAGE1_BASE 0x20000
#define TEGRA241_VCMDQ_PAGE0(q) (TEGRA241_VCMDQ_PAGE0_BASE + 0x80 * (q))
#define TEGRA241_VCMDQ_PAGE1(q) (TEGRA241_VCMDQ_PAGE1_BASE + 0x80 * (q))
#define TEGRA241_VCMDQ_CONS 0x00 /* RD, ERR[30:24] as CMDQ_CONS */
#define VCMDQ_CONS_ERR VS_GENMASK(30, 24)
#define TEGRA241_VCMDQ_PROD 0x04
#define TEGRA241_VCMDQ_CONFIG 0x08
#define VCMDQ_EN VS_BIT(0)
#define TEGRA241_VCMDQ_STATUS 0x0c
#define VCMDQ_ENABLED VS_BIT(0)
#define TEGRA241_VCMDQ_GERROR 0x10
#define TEGRA241_VCMDQ_GERRORN 0x14
/* page 1 */
#define TEGRA241_VCMDQ_BASE 0x00 /* 64 bits */
#define VCMDQ_ADDR VS_GENMASK(47, 5)
#define VCMDQ_LOG2SIZE VS_GENMASK(4, 0)
#define TEGRA241_VCMDQ_CONS_INDX_BASE 0x08 /* 64 bits */

/* VINTF i's logical VCMDQ pages (LVCMDQ q at + 0x80 q, same shapes) */
#define TEGRA241_VINTF_PAGE_BASE 0x30000
#define TEGRA241_VINTFi_PAGE0(i) (TEGRA241_VINTF_PAGE_BASE + 0x20000 * (i))
#define TEGRA241_VINTFi_PAGE1(i) (TEGRA241_VINTFi_PAGE0(i) + 0x10000)

/* ---------------------------------------------------------------------
 * Helpers for encodings that are not a single field
 */

/* IDR5.OAS / CD.IPS / STE.S2PS encoding to address bits, or 0 if reserved. */
static inline unsigned int arm_smmu_pa_bits(unsigned int enc)
{
	static const unsigned char bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };

	return bits[enc & 7];
}

#endif /* VSMMU_ARCH_H */
