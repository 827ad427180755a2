// SPDX-License-Identifier: MIT
/*
 * Installing the guest's STEs (docs/vm.md, "CFGI_STE -> nested HWPT").
 *
 * The guest's STE is read from its stream table in guest memory (linear
 * or two-level, as STRTAB_BASE_CFG says), checked against what this
 * virtual SMMU advertises, and becomes
 *  - abort (V = 0, Config abort, an illegal or unreadable STE, a StreamID
 *    outside the table): the vIOMMU's shared abort HWPT;
 *  - bypass: the shared bypass HWPT (the VM's stage 2 alone);
 *  - stage-1 translate: a nested HWPT of the device's own, made from the
 *    STE's first two words as Linux accepts them;
 * and replaces the device's current HWPT without a window of blocked DMA
 * (vsmmu_iommufd_device_replace).  With SMMUEN = 0 every device gets abort
 * or bypass as GBPA.ABORT says.
 */
#include <errno.h>

#include <vsmmu/entry.h>

#include "vmm/vm.h"

int vs_nested_hwpt(struct vsmmu_vs *vs, uint32_t dev_id, bool pri,
		   const uint64_t ste[2], uint32_t *id)
{
	struct iommu_hwpt_arm_smmuv3 data = { .ste = { ste[0], ste[1] } };
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.dev_id = dev_id,
		.pt_id = vs->viommu,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	int rc;

	/* A PRI device's page requests go to the virtual SMMU's FAULT queue */
	if (pri && vs->fault) {
		a.flags = IOMMU_HWPT_FAULT_ID_VALID;
		a.fault_id = vs->fault;
	}
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_HWPT_ALLOC, &a);

	*id = rc ? 0 : a.out_hwpt_id;
	return rc;
}

struct vm_dev *vs_find_dev(struct vsmmu_vs *vs, uint32_t vsid)
{
	unsigned int i;

	for (i = 0; i < vs->ndevs; i++)
		if (vs->devs[i]->cfg.vsid == vsid)
			return vs->devs[i];
	return NULL;
}

/* --- The guest's STE --------------------------------------------------------- */

/*
 * Find and read the first two words of the guest's STE for @vsid, the way
 * an SMMU with this virtual SMMU's IDRs would (STRTAB_BASE_CFG's format
 * and size, the level-1 descriptor's Span).  Return: true and @ste, or
 * false where the SMMU would not get an STE (StreamID out of range, Span
 * 0 or too large, a fetch from outside guest RAM).
 */
static bool read_ste(struct vsmmu_vs *vs, uint32_t vsid, uint64_t ste[2])
{
	struct vsmmu_mem *g = vs_gmem(vs);
	uint64_t base = atomic_load(&vs->strtab_base) & STRTAB_BASE_ADDR_MASK;
	uint32_t cfg = atomic_load(&vs->strtab_base_cfg);
	unsigned int log2 = VS_FIELD_GET(STRTAB_BASE_CFG_LOG2SIZE, cfg);
	unsigned int split = VS_FIELD_GET(STRTAB_BASE_CFG_SPLIT, cfg);
	uint64_t addr, l1;

	if (log2 > VS_FIELD_GET(IDR1_SIDSIZE, vs->idr[1]))
		log2 = VS_FIELD_GET(IDR1_SIDSIZE, vs->idr[1]);
	if (vsid >> log2)
		return false;
	if (VS_FIELD_GET(STRTAB_BASE_CFG_FMT, cfg) ==
	    STRTAB_BASE_CFG_FMT_2LVL) {
		unsigned int span;

		/* SPLIT other than 6, 8 or 10 is treated as 6 (as the
		 * model: docs/design.md, implementation choices) */
		if (split != 6 && split != 8 && split != 10)
			split = 6;
		if (split > log2)
			split = log2;
		if (vsmmu_mem_read64(g, base + 8ULL * (vsid >> split), &l1))
			return false;
		span = VS_FIELD_GET(STRTAB_L1_DESC_SPAN, l1);
		if (!span || span > split + 1 ||
		    (vsid & ((1U << split) - 1)) >= (1U << (span - 1)))
			return false;
		addr = (l1 & STRTAB_L1_DESC_L2PTR_MASK) +
		       64ULL * (vsid & ((1U << split) - 1));
	} else {
		addr = base + 64ULL * vsid;
	}
	return !vsmmu_mem_read64(g, addr, &ste[0]) &&
	       !vsmmu_mem_read64(g, addr + 8, &ste[1]);
}

/*
 * What the guest's STE asks for, as this virtual SMMU advertises:
 * VM_STE_ABORT for every STE it would not translate with (invalid, abort,
 * the reserved and stage-2 Configs, an illegal stage-1 STE), VM_STE_BYPASS,
 * or VM_STE_S1 with @words as the host takes them.
 */
static enum vm_ste_kind classify(struct vsmmu_vs *vs, struct vm_dev *d,
				 const uint64_t ste[2], uint64_t words[2])
{
	unsigned int fmt, cdmax, eats;

	if (!(ste[0] & STRTAB_STE_0_V))
		return VM_STE_ABORT;
	switch (VS_FIELD_GET(STRTAB_STE_0_CFG, ste[0])) {
	case STRTAB_STE_0_CFG_BYPASS:
		return VM_STE_BYPASS;
	case STRTAB_STE_0_CFG_S1_TRANS:
		break;
	default: /* abort, reserved, and stage 2 (not advertised) */
		return VM_STE_ABORT;
	}
	fmt = VS_FIELD_GET(STRTAB_STE_0_S1FMT, ste[0]);
	cdmax = VS_FIELD_GET(STRTAB_STE_0_S1CDMAX, ste[0]);
	eats = VS_FIELD_GET(STRTAB_STE_1_EATS, ste[1]);
	/* ILLEGAL for this SMMU: two-level CD tables without CD2L, the
	 * reserved S1Fmt, more SubstreamID bits than SSIDSIZE, STRW other
	 * than EL1 (no HYP), EATS other than 0b00/0b01 (no stage 2) */
	if ((fmt && !(vs->idr[0] & IDR0_CD2L)) || fmt == 3 ||
	    cdmax > VS_FIELD_GET(IDR1_SSIDSIZE, vs->idr[1]) ||
	    VS_FIELD_GET(STRTAB_STE_1_STRW, ste[1]) !=
		    STRTAB_STE_1_STRW_NSEL1 ||
	    eats > STRTAB_STE_1_EATS_TRANS)
		return VM_STE_ABORT;
	/* The fields a nested STE carries (the rest are the host's) */
	words[0] = ste[0] & VSMMU_STE_NESTED_ALLOWED_0;
	words[1] = ste[1] & VSMMU_STE_NESTED_ALLOWED_1 &
		   ~(STRTAB_STE_1_S1STALLD | STRTAB_STE_1_EATS);
	/* EATS is IGNORED without ATS (this SMMU's or the endpoint's) */
	if (eats && (vs->idr[0] & IDR0_ATS) && d->cfg.ats)
		words[1] |= VS_FIELD_PREP(STRTAB_STE_1_EATS, eats);
	/* No stalls in this SMMU: a host that can stall must not stall the
	 * guest's stream (its CD.S = 1 is then ILLEGAL: C_BAD_CD) */
	if (vs->host_stall)
		words[1] |= STRTAB_STE_1_S1STALLD;
	return VM_STE_S1;
}

static int attach(struct vsmmu_vs *vs, struct vm_dev *d, uint32_t hwpt)
{
	uint32_t pt = hwpt;

	if (d->kind == VM_STE_NONE)
		return vsmmu_iommufd_device_attach(vs_ictx(vs), d->dev_id, &pt);
	return vsmmu_iommufd_device_replace(vs_ictx(vs), d->dev_id, &pt);
}

/*
 * cfg_lock held.  *@same: the device translates with a stage 1 whose STE
 * words did not change (its CDs may have: the caller invalidates them).
 */
static int install_dev(struct vsmmu_vs *vs, struct vm_dev *d, bool *same)
{
	uint64_t ste[2] = { 0, 0 }, words[2] = { 0, 0 };
	enum vm_ste_kind kind;
	uint32_t hwpt;
	int rc;

	if (!(atomic_load(&vs->cr0) & CR0_SMMUEN))
		kind = atomic_load(&vs->gbpa) & GBPA_ABORT ? VM_STE_ABORT :
							     VM_STE_BYPASS;
	else if (!read_ste(vs, d->cfg.vsid, ste))
		kind = VM_STE_ABORT;
	else
		kind = classify(vs, d, ste, words);
	if (kind == VM_STE_S1) {
		uint64_t chk[2] = { words[0], words[1] };

		if (vsmmu_ste_nested_check(chk, NULL))
			kind = VM_STE_ABORT;
	}
	if (kind == VM_STE_ABORT)
		atomic_fetch_add(&vs->st.ste_aborts, 1);
	*same = false;
	if (kind == d->kind && (kind != VM_STE_S1 || (words[0] == d->ste[0] &&
						      words[1] == d->ste[1]))) {
		*same = kind == VM_STE_S1;
		return 0; /* the host STE is unchanged */
	}
	if (kind == VM_STE_S1 &&
	    vs->vm->cfg.pasid_mode != VSMMU_VM_PASID_GUEST) {
		/*
		 * Host-owned PASID table (pasid.c binds the guest's CDs at
		 * host PASIDs): traffic without a PASID is the VM's stage 2
		 * -- the shared guest-bypass HWPT, which takes guest-CD HWPTs
		 * at PASIDs -- and the guest's STE must say S1DSS = bypass
		 */
		if (VS_FIELD_GET(STRTAB_STE_1_S1DSS, words[1]) !=
		    STRTAB_STE_1_S1DSS_BYPASS) {
			kind = VM_STE_ABORT;
			atomic_fetch_add(&vs->st.ste_aborts, 1);
			hwpt = vs->abort_hwpt;
			if (d->kind == VM_STE_ABORT)
				return 0;
		} else {
			hwpt = vs->bypass_hwpt;
		}
	} else if (kind == VM_STE_S1) {
		rc = vs_nested_hwpt(vs, d->dev_id, d->cfg.pri, words, &hwpt);
		if (rc) {
			/* Refused by the host: abort, as for an illegal STE */
			kind = VM_STE_ABORT;
			if (d->kind == VM_STE_ABORT)
				return 0;
			hwpt = vs->abort_hwpt;
		}
	} else {
		hwpt = kind == VM_STE_ABORT ? vs->abort_hwpt : vs->bypass_hwpt;
	}
	/* Leaving a host-owned stage 1: its PASIDs go first */
	if (d->kind == VM_STE_S1 && d->hwpt == vs->bypass_hwpt &&
	    kind != VM_STE_S1)
		vs_pasid_unbind_dev(vs, d);
	rc = attach(vs, d, hwpt);
	if (rc) {
		if (kind == VM_STE_S1 && hwpt != vs->bypass_hwpt)
			vs_destroy_id(vs, hwpt);
		return rc;
	}
	if (d->kind == VM_STE_S1 && d->hwpt != vs->bypass_hwpt)
		vs_destroy_id(vs, d->hwpt);
	d->kind = kind;
	d->hwpt = hwpt;
	d->ste[0] = words[0];
	d->ste[1] = words[1];
	atomic_fetch_add(&vs->st.ste_installs, 1);
	return 0;
}

int vs_install_range(struct vsmmu_vs *vs, uint32_t first, uint32_t last,
		     uint64_t *same)
{
	unsigned int i;
	bool s;
	int rc = 0, r;

	if (same)
		*same = 0;
	pthread_mutex_lock(&vs->cfg_lock);
	for (i = 0; i < vs->ndevs; i++) {
		struct vm_dev *d = vs->devs[i];

		if (d->cfg.vsid < first || d->cfg.vsid > last)
			continue;
		r = install_dev(vs, d, &s);
		if (r && !rc)
			rc = r;
		if (s && same)
			*same |= 1ULL << i;
	}
	pthread_mutex_unlock(&vs->cfg_lock);
	return rc;
}

int vsmmu_vm_dev_ste(struct vsmmu_vm *vm, unsigned int dev,
		     enum vsmmu_vm_ste *kind, uint64_t *ste)
{
	static const enum vsmmu_vm_ste kinds[] = {
		[VM_STE_NONE] = VSMMU_VM_STE_NONE,
		[VM_STE_ABORT] = VSMMU_VM_STE_ABORT,
		[VM_STE_BYPASS] = VSMMU_VM_STE_BYPASS,
		[VM_STE_S1] = VSMMU_VM_STE_S1,
	};
	struct vm_dev *d;

	if (dev >= vm->ndevs || !vm->devs[dev].vs)
		return -EINVAL;
	d = &vm->devs[dev];
	pthread_mutex_lock(&d->vs->cfg_lock);
	*kind = kinds[d->kind];
	if (ste) {
		ste[0] = d->kind == VM_STE_S1 ? d->ste[0] : 0;
		ste[1] = d->kind == VM_STE_S1 ? d->ste[1] : 0;
	}
	pthread_mutex_unlock(&d->vs->cfg_lock);
	return 0;
}
