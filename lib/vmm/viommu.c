// SPDX-License-Identifier: MIT
/*
 * A virtual SMMU's host side: its iommufd objects (nest parent, vIOMMU,
 * vDEVICEs, VEVENTQs, the shared abort and bypass HWPTs, the doorbell
 * binding), the ID registers it advertises, and the installation of the
 * first STEs of its devices (ste.c installs them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsmmu/entry.h>

#include "vmm/vm.h"

#define VIOMMU_CMDQS 10 /* the emulated queues: 2^10 entries at most */
#define VIOMMU_EVTQS 10
#define VIOMMU_PRIQS 10
#define VIOMMU_SIDSIZE 16 /* virtual StreamIDs */
#define VEVENTQ_DEPTH 64

/* --- What the virtual SMMU advertises ----------------------------------- */

static uint32_t keep(uint32_t host, uint32_t mask)
{
	return host & mask;
}

/*
 * The virtual SMMU's ID registers from the host's (docs/vm.md, "What the
 * virtual SMMU advertises", gives the reason for every field).
 */
static void derive_idrs(struct vsmmu_vs *vs, const uint32_t *h)
{
	uint32_t *v = vs->idr;
	unsigned int ssid = VS_FIELD_GET(IDR1_SSIDSIZE, h[1]);
	unsigned int oas = VS_FIELD_GET(IDR5_OAS, h[5]);

	memset(v, 0, 6 * sizeof(*v));
	/* Stage 1 only, two-level stream tables (the VMM walks them), the
	 * host's CD2L, table format, endianness, coherency, HTTU, ASID16,
	 * ATS and terminate model (the host hardware does that part); MSI
	 * for the emulated CMD_SYNC; PRI with the host's (page requests come
	 * through a FAULT queue, priq.c); no stalls, HYP, BTM or SEV. */
	v[0] = IDR0_S1P | VS_FIELD_PREP(IDR0_ST_LVL, IDR0_ST_LVL_2LVL) |
	       keep(h[0], IDR0_CD2L | IDR0_TTENDIAN | IDR0_COHACC | IDR0_HTTU |
				  IDR0_ASID16 | IDR0_ATS | IDR0_TERM_MODEL |
				  IDR0_PRI) |
	       VS_FIELD_PREP(IDR0_TTF, IDR0_TTF_AARCH64) | IDR0_MSI |
	       VS_FIELD_PREP(IDR0_STALL_MODEL, IDR0_STALL_MODEL_NONE);
	v[1] = VS_FIELD_PREP(IDR1_CMDQS, VIOMMU_CMDQS) |
	       VS_FIELD_PREP(IDR1_EVTQS, VIOMMU_EVTQS) |
	       (h[0] & IDR0_PRI ? VS_FIELD_PREP(IDR1_PRIQS, VIOMMU_PRIQS) : 0) |
	       VS_FIELD_PREP(IDR1_SSIDSIZE, ssid > 20 ? 20 : ssid) |
	       VS_FIELD_PREP(IDR1_SIDSIZE, VIOMMU_SIDSIZE);
	/* Range invalidation, HAD, BBML and small tables: host features
	 * of the stage-1 walk and its TLB, which the host performs */
	v[3] = keep(h[3], IDR3_RIL | IDR3_HAD | IDR3_BBML | IDR3_STT);
	/* Granules and VA size of the host; the output size (the guest's
	 * IPA) at most the nest parent's input size, 48 bits */
	if (oas > IDR5_OAS_48_BIT)
		oas = IDR5_OAS_48_BIT;
	v[5] = keep(h[5],
		    IDR5_GRAN4K | IDR5_GRAN16K | IDR5_GRAN64K | IDR5_VAX) |
	       VS_FIELD_PREP(IDR5_OAS, oas);
	if (VS_FIELD_GET(IDR5_OAS, h[5]) < IDR5_OAS_48_BIT)
		v[5] &= ~(uint32_t)IDR5_VAX;
	vsmmu_cmd_caps_from_idr(v, &vs->caps);
	vs->host_stall = VS_FIELD_GET(IDR0_STALL_MODEL, h[0]) ==
			 IDR0_STALL_MODEL_STALL;
}

int vsmmu_vm_smmu_idr(const struct vsmmu_vm *vm, unsigned int smmu,
		      uint32_t idr[6])
{
	if (smmu >= vm->nvs)
		return -EINVAL;
	memcpy(idr, vm->vs[smmu]->idr, 6 * sizeof(*idr));
	return 0;
}

bool vsmmu_vm_smmu_has_cmdqv(const struct vsmmu_vm *vm, unsigned int smmu)
{
	return smmu < vm->nvs && vm->vs[smmu]->cv;
}

/* --- Interrupts ------------------------------------------------------------ */

int vsmmu_vm_smmu_set_irq(struct vsmmu_vm *vm, unsigned int smmu,
			  vsmmu_irq_fn *fn, void *arg)
{
	struct vsmmu_vs *vs;

	if (smmu >= vm->nvs)
		return -EINVAL;
	vs = vm->vs[smmu];
	pthread_rwlock_wrlock(&vs->irq_lock);
	vs->irq_fn = fn;
	vs->irq_arg = arg;
	pthread_rwlock_unlock(&vs->irq_lock);
	return 0;
}

int vsmmu_vm_smmu_get_stats(struct vsmmu_vm *vm, unsigned int smmu,
			    struct vsmmu_vm_smmu_stats *st)
{
	struct vs_stats *s;

	if (smmu >= vm->nvs)
		return -EINVAL;
	s = &vm->vs[smmu]->st;
	st->cmds = atomic_load(&s->cmds);
	st->syncs = atomic_load(&s->syncs);
	st->cerror_ill = atomic_load(&s->cerror_ill);
	st->cerror_abt = atomic_load(&s->cerror_abt);
	st->inv_calls = atomic_load(&s->inv_calls);
	st->inv_cmds = atomic_load(&s->inv_cmds);
	st->inv_dropped = atomic_load(&s->inv_dropped);
	st->ste_installs = atomic_load(&s->ste_installs);
	st->ste_aborts = atomic_load(&s->ste_aborts);
	st->events = atomic_load(&s->events);
	st->events_lost = atomic_load(&s->events_lost);
	st->vcmdq_errors = atomic_load(&s->vcmdq_errors);
	st->hw_queues = atomic_load(&s->hw_queues);
	st->pprs = atomic_load(&s->pprs);
	st->pprs_lost = atomic_load(&s->pprs_lost);
	st->pri_resps = atomic_load(&s->pri_resps);
	st->pri_resps_dropped = atomic_load(&s->pri_resps_dropped);
	st->pri_auto = atomic_load(&s->pri_auto);
	st->pasid_allocs = atomic_load(&s->pasid_allocs);
	st->pasid_binds = atomic_load(&s->pasid_binds);
	st->pasid_unbinds = atomic_load(&s->pasid_unbinds);
	st->pasid_refused = atomic_load(&s->pasid_refused);
	return 0;
}

/* --- Host objects ---------------------------------------------------------- */

static int get_hw_info(struct vsmmu_vs *vs, uint32_t dev_id, uint32_t type,
		       void *data, uint32_t len)
{
	struct iommu_hw_info h = { .size = sizeof(h) };

	h.dev_id = dev_id;
	h.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = type;
	h.data_len = len;
	h.data_uptr = (uintptr_t)data;
	return vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_GET_HW_INFO, &h);
}

static int make_veventq(struct vsmmu_vs *vs, uint32_t type, uint32_t *id,
			int *fd)
{
	struct iommu_veventq_alloc q = { .size = sizeof(q) };
	unsigned int depth = vs->vm->cfg.veventq_depth;
	int rc;

	q.viommu_id = vs->viommu;
	q.type = type;
	q.veventq_depth = depth ? depth : VEVENTQ_DEPTH;
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_VEVENTQ_ALLOC, &q);
	if (rc)
		return rc;
	*id = q.out_veventq_id;
	*fd = (int)q.out_veventq_fd;
	return 0;
}

int vs_create(struct vsmmu_vm *vm, unsigned int index, unsigned int host,
	      struct vm_dev *first, struct vsmmu_vs **out)
{
	struct iommu_hw_info_arm_smmuv3 info;
	struct iommu_hw_info_tegra241_cmdqv cinfo;
	struct iommu_viommu_tegra241_cmdqv vdata = { 0 };
	struct iommu_hwpt_alloc pa = { .size = sizeof(pa) };
	struct iommu_viommu_alloc va = { .size = sizeof(va) };
	const uint64_t abort_ste[2] = { STRTAB_STE_0_V, 0 };
	const uint64_t bypass_ste[2] = {
		STRTAB_STE_0_V | VS_FIELD_PREP(STRTAB_STE_0_CFG,
					       STRTAB_STE_0_CFG_BYPASS),
		0
	};
	bool cmdqv = vm->cfg.cmdqv != VSMMU_VM_CMDQV_OFF;
	struct vsmmu_vs *vs;
	int rc;

	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	vs->vm = vm;
	vs->index = index;
	vs->host = host;
	vs->evfd = -1;
	vs->fault_fd = -1;
	pthread_mutex_init(&vs->priq_lock, NULL);
	pthread_mutex_init(&vs->vcmd_lock, NULL);
	pthread_mutex_init(&vs->reg_lock, NULL);
	pthread_mutex_init(&vs->cmdq_lock, NULL);
	pthread_mutex_init(&vs->cfg_lock, NULL);
	pthread_mutex_init(&vs->evtq_lock, NULL);
	pthread_rwlock_init(&vs->irq_lock, NULL);
	vs->devs = calloc(vm->cfg.ndevs, sizeof(*vs->devs));
	if (!vs->devs) {
		vs_destroy(vs);
		return -ENOMEM;
	}
	/* From here on vs_destroy() undoes whatever was made */
	rc = get_hw_info(vs, first->dev_id, IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
			 &info, sizeof(info));
	if (rc)
		goto out;
	memcpy(vs->host_idr, info.idr, sizeof(vs->host_idr));
	derive_idrs(vs, info.idr);
	vs->iidr = info.iidr;
	vs->aidr = info.aidr;
	if (cmdqv) {
		rc = get_hw_info(vs, first->dev_id,
				 IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV, &cinfo,
				 sizeof(cinfo));
		if (rc) {
			rc = rc == -EOPNOTSUPP ? -ENODEV : rc;
			goto out;
		}
	}
	/* The VM's stage 2 on this SMMU: a nest parent of the RAM's IOAS */
	pa.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	pa.dev_id = first->dev_id;
	pa.pt_id = vm->ioas;
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_HWPT_ALLOC, &pa);
	if (rc)
		goto out;
	vs->parent = pa.out_hwpt_id;
	va.type = cmdqv ? IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV :
			  IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	va.dev_id = first->dev_id;
	va.hwpt_id = vs->parent;
	if (cmdqv) {
		va.data_len = sizeof(vdata);
		va.data_uptr = (uintptr_t)&vdata;
	}
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_VIOMMU_ALLOC, &va);
	if (rc)
		goto out;
	vs->viommu = va.out_viommu_id;
	rc = vs_nested_hwpt(vs, first->dev_id, false, abort_ste,
			    &vs->abort_hwpt);
	if (!rc)
		rc = vs_nested_hwpt(vs, first->dev_id, false, bypass_ste,
				    &vs->bypass_hwpt);
	if (!rc)
		rc = make_veventq(vs, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
				  &vs->veventq, &vs->evfd);
	/* Page requests: one FAULT queue for the PRI devices' HWPTs */
	if (!rc && (vs->idr[0] & IDR0_PRI)) {
		struct iommu_fault_alloc fa = { .size = sizeof(fa) };

		rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_FAULT_QUEUE_ALLOC,
					 &fa);
		if (!rc) {
			vs->fault = fa.out_fault_id;
			vs->fault_fd = (int)fa.out_fault_fd;
		}
	}
	/* The guest's doorbell page onto the host's, in this stage 2 */
	if (!rc)
		rc = vsmmu_iommufd_msi_bind(vs_ictx(vs), vs->parent,
					    VSMMU_VM_GITS_FRAME,
					    VSMMU_IOMMUFD_DOORBELL_FRAME);
	if (!rc && cmdqv)
		rc = vs_cmdqv_create(vs, cinfo.log2vcmdqs, cinfo.log2vsids,
				     cinfo.version, vdata.out_vintf_mmap_offset,
				     &vs->cv);
	if (!rc && cmdqv)
		rc = vs_cmdqv_veventq(vs);
	if (rc)
		goto out;
	vs_regs_reset(vs);
	*out = vs;
	return 0;
out:
	vs_destroy(vs);
	return rc;
}

int vs_add_dev(struct vsmmu_vs *vs, struct vm_dev *d)
{
	struct iommu_vdevice_alloc a = { .size = sizeof(a) };
	int rc;

	a.viommu_id = vs->viommu;
	a.dev_id = d->dev_id;
	a.virt_id = d->cfg.vsid;
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_VDEVICE_ALLOC, &a);
	if (rc)
		return rc;
	d->vdev_id = a.out_vdevice_id;
	d->vs = vs;
	vs->devs[vs->ndevs++] = d;
	/* Disabled with GBPA.ABORT: the device's DMA aborts */
	return vs_install_range(vs, d->cfg.vsid, d->cfg.vsid, NULL);
}

void vs_destroy(struct vsmmu_vs *vs)
{
	unsigned int i;

	/* Groups the guest never answered: INVALID, before the devices go;
	 * and the PASIDs bound in a host-owned mode */
	vs_priq_flush(vs, NULL);
	vs_pasid_release(vs);
	for (i = 0; i < vs->ndevs; i++) {
		struct vm_dev *d = vs->devs[i];

		if (d->kind != VM_STE_NONE)
			vsmmu_iommufd_device_detach(vs_ictx(vs), d->dev_id);
		if (d->kind == VM_STE_S1 && d->hwpt != vs->bypass_hwpt)
			vs_destroy_id(vs, d->hwpt);
		d->kind = VM_STE_NONE;
		d->hwpt = 0;
		vs_destroy_id(vs, d->vdev_id);
		d->vdev_id = 0;
		d->vs = NULL;
	}
	if (vs->cv)
		vs_cmdqv_destroy(vs);
	if (vs->fault_fd >= 0)
		close(vs->fault_fd);
	if (vs->evfd >= 0)
		close(vs->evfd);
	vs_destroy_id(vs, vs->veventq);
	if (vs->parent)
		vsmmu_iommufd_msi_unbind(vs_ictx(vs), vs->parent,
					 VSMMU_VM_GITS_FRAME);
	vs_destroy_id(vs, vs->abort_hwpt);
	vs_destroy_id(vs, vs->bypass_hwpt);
	vs_destroy_id(vs, vs->viommu);
	vs_destroy_id(vs, vs->parent);
	vs_destroy_id(vs, vs->fault);
	pthread_rwlock_destroy(&vs->irq_lock);
	pthread_mutex_destroy(&vs->priq_lock);
	pthread_mutex_destroy(&vs->vcmd_lock);
	pthread_mutex_destroy(&vs->evtq_lock);
	pthread_mutex_destroy(&vs->cfg_lock);
	pthread_mutex_destroy(&vs->cmdq_lock);
	pthread_mutex_destroy(&vs->reg_lock);
	free(vs->devs);
	free(vs);
}
