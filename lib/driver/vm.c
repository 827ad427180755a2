// SPDX-License-Identifier: MIT
/*
 * Virtual machines on the host SMMU: VMIDs owned on their own, a VM's
 * slice of one SMMU (its VMID over a nest-parent stage 2), nested domains
 * (a guest's STE words over that stage 2), and the guest's invalidations
 * executed on its behalf -- the driver half of Linux's
 * arm-smmu-v3-iommufd.c.
 *
 * Why one VMID per VM and SMMU (the shared VMID of seed 003): every device
 * of the VM behind this SMMU is tagged with it, so one guest TLBI covers
 * them all and the host never has to know which of the VM's devices an
 * ASID belongs to.  The nest parent's own VMID is only used when the
 * parent is attached directly as a stage-2 domain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/command.h>

#include "driver/drv.h"

int vsmmu_drv_vmid_alloc(struct vsmmu_drv *drv)
{
	if (!drv)
		return -EINVAL;
	return ida_alloc(&drv->vmids, 1, ~0U, true);
}

void vsmmu_drv_vmid_free(struct vsmmu_drv *drv, unsigned int vmid)
{
	if (drv && vmid)
		ida_free(&drv->vmids, vmid);
}

int vsmmu_drv_vm_create(struct vsmmu_drv *drv, struct vsmmu_drv_domain *parent,
			struct vsmmu_drv_vm **out)
{
	struct vsmmu_drv_vm *vm;
	int vmid;

	if (!drv || !parent || !out || parent->type != VSMMU_DRV_DOMAIN_S2 ||
	    !parent->nest_parent || parent->drv->mem != drv->mem ||
	    !drv->feat.s1 || !drv->feat.s2)
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vmid = vsmmu_drv_vmid_alloc(drv);
	if (vmid < 0) {
		free(vm);
		return vmid;
	}
	vm->drv = drv;
	vm->parent = parent;
	vm->vmid = (uint16_t)vmid;
	/* No entry tagged with a recycled VMID may survive into this VM */
	if (drv->enabled) {
		struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_S12_VMALL,
					   .vmid = vm->vmid };
		uint64_t raw[1][2];
		int rc;

		vsmmu_drv_cmd_build(&c, raw[0]);
		rc = vsmmu_drv_cmdq_issue(drv, (const uint64_t(*)[2])raw, 1,
					  true);
		if (rc) {
			vsmmu_drv_vmid_free(drv, vm->vmid);
			free(vm);
			return rc;
		}
	}
	drv_domain_add_vm(parent, vm);
	drv_obj_add(drv, &vm->obj, DRV_OBJ_VM);
	*out = vm;
	return 0;
}

int vsmmu_drv_vm_destroy(struct vsmmu_drv_vm *vm)
{
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_S12_VMALL };
	uint64_t raw[1][2];
	int rc = 0;

	if (!vm)
		return 0;
	if (atomic_load(&vm->users))
		return -EBUSY;
	drv_domain_del_vm(vm->parent, vm);
	drv_obj_del(vm->drv, &vm->obj);
	if (vm->drv->enabled) {
		c.vmid = vm->vmid;
		vsmmu_drv_cmd_build(&c, raw[0]);
		rc = vsmmu_drv_cmdq_issue(vm->drv, (const uint64_t(*)[2])raw, 1,
					  true);
	}
	/* A VMID whose invalidation failed could carry stale entries */
	if (!rc)
		vsmmu_drv_vmid_free(vm->drv, vm->vmid);
	free(vm);
	return 0;
}

unsigned int vsmmu_drv_vm_vmid(const struct vsmmu_drv_vm *vm)
{
	return vm ? vm->vmid : 0;
}

/* A nested domain of @vm, not yet published */
static struct vsmmu_drv_domain *nested_new(struct vsmmu_drv_vm *vm)
{
	struct vsmmu_drv_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->drv = vm->drv;
	d->type = VSMMU_DRV_DOMAIN_NESTED;
	pthread_mutex_init(&d->lock, NULL);
	d->vm = vm;
	return d;
}

/* It counts as a user of @vm and joins the driver's objects */
static void nested_publish(struct vsmmu_drv_vm *vm, struct vsmmu_drv_domain *d,
			   struct vsmmu_drv_domain **out)
{
	atomic_fetch_add(&vm->users, 1);
	drv_obj_add(vm->drv, &d->obj, DRV_OBJ_DOMAIN);
	*out = d;
}

int vsmmu_drv_nested_cd_alloc(struct vsmmu_drv_vm *vm, const uint64_t *cd,
			      struct vsmmu_drv_domain **out)
{
	struct vsmmu_drv_domain *d;
	unsigned int i;

	if (!vm || !cd || !out)
		return -EINVAL;
	/* A live AArch64 CD, with words 4-7 RES0; the SMMU judges the rest
	 * (for this PASID only) */
	if (!(cd[0] & CTXDESC_CD_0_V) || !(cd[0] & CTXDESC_CD_0_AA64))
		return -EIO;
	for (i = 4; i < 8; i++)
		if (cd[i])
			return -EIO;
	d = nested_new(vm);
	if (!d)
		return -ENOMEM;
	d->is_cd = true;
	memcpy(d->gcd, cd, 4 * sizeof(*cd));
	nested_publish(vm, d, out);
	return 0;
}

int vsmmu_drv_nested_alloc(struct vsmmu_drv_vm *vm, const uint64_t *ste,
			   struct vsmmu_drv_domain **out)
{
	struct vsmmu_drv_domain *d;
	uint64_t w[2];
	bool ats;
	int rc;

	if (!vm || !ste || !out)
		return -EINVAL;
	w[0] = ste[0];
	w[1] = ste[1];
	rc = vsmmu_ste_nested_check(w, &ats);
	if (rc)
		return rc;
	d = nested_new(vm);
	if (!d)
		return -ENOMEM;
	d->gste[0] = w[0];
	d->gste[1] = w[1];
	d->gats = ats;
	nested_publish(vm, d, out);
	return 0;
}

/*
 * Rewrite one guest command for the host, as Linux's
 * arm_vsmmu_convert_user_cmd; then hold it to the SMMU's own rule.
 */
static int convert(struct vsmmu_drv_vm *vm, const struct vsmmu_cmd_caps *caps,
		   const uint64_t *in, uint64_t *out,
		   vsmmu_drv_vsid_fn *vsid_fn, void *arg)
{
	uint32_t sid;

	out[0] = in[0];
	out[1] = in[1];
	switch (VS_FIELD_GET(CMDQ_0_OP, in[0])) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		out[0] = VS_FIELD_PREP(CMDQ_0_OP, CMDQ_OP_TLBI_NH_ALL) |
			 VS_FIELD_PREP(CMDQ_TLBI_0_VMID, vm->vmid);
		out[1] = 0;
		break;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
		out[0] &= ~CMDQ_TLBI_0_VMID;
		out[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_VMID, vm->vmid);
		break;
	case CMDQ_OP_ATC_INV:
	case CMDQ_OP_CFGI_CD:
	case CMDQ_OP_CFGI_CD_ALL:
		/* The SID field is at [63:32] in all three */
		if (!vsid_fn ||
		    vsid_fn(arg, (uint32_t)VS_FIELD_GET(CMDQ_CFGI_0_SID, in[0]),
			    &sid))
			return -EIO;
		out[0] &= ~CMDQ_CFGI_0_SID;
		out[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, sid);
		break;
	default:
		return -EIO;
	}
	return vsmmu_cmd_check(out, caps) ? -EIO : 0;
}

int vsmmu_drv_vm_invalidate(struct vsmmu_drv_vm *vm, const uint64_t (*cmds)[2],
			    unsigned int n, vsmmu_drv_vsid_fn *vsid_fn,
			    void *arg, unsigned int *done)
{
	struct vsmmu_cmd_caps caps;
	struct vsmmu_drv_batch b;
	unsigned int i;
	uint64_t c[2];
	int rc = 0, rc2;

	if (done)
		*done = 0;
	if (!vm || (n && !cmds))
		return -EINVAL;
	vsmmu_cmd_caps_from_idr(vm->drv->idr, &caps);
	vsmmu_drv_batch_init(&b);
	for (i = 0; i < n; i++) {
		rc = convert(vm, &caps, cmds[i], c, vsid_fn, arg);
		if (rc)
			break;
		rc = vsmmu_drv_batch_add_raw(vm->drv, &b, c);
		if (rc)
			break;
	}
	/* What was converted is issued and completed, even after a refusal */
	rc2 = vsmmu_drv_batch_submit(vm->drv, &b, true);
	if (!rc && rc2)
		return rc2; /* the queue failed: nothing is known done */
	if (done)
		*done = i;
	return rc;
}

void drv_vm_destroy_all(struct vsmmu_drv *drv)
{
	struct drv_obj *o;

	/* After the masters: nested domains go first, then their VMs */
	for (;;) {
		struct vsmmu_drv_domain *d = NULL;

		pthread_mutex_lock(&drv->obj_lock);
		for (o = drv->objs; o; o = o->next) {
			d = (struct vsmmu_drv_domain *)o;
			if (o->kind == DRV_OBJ_DOMAIN &&
			    d->type == VSMMU_DRV_DOMAIN_NESTED)
				break;
		}
		pthread_mutex_unlock(&drv->obj_lock);
		if (!o)
			break;
		atomic_store(&d->users, 0);
		vsmmu_drv_domain_free(d);
	}
	for (;;) {
		pthread_mutex_lock(&drv->obj_lock);
		for (o = drv->objs; o && o->kind != DRV_OBJ_VM; o = o->next)
			;
		pthread_mutex_unlock(&drv->obj_lock);
		if (!o)
			break;
		vsmmu_drv_vm_destroy((struct vsmmu_drv_vm *)o);
	}
}

/* --- VINTFs: the implementation's, reached through its ops ----------------- */

int vsmmu_drv_vintf_alloc(struct vsmmu_drv *drv, unsigned int vmid,
			  vsmmu_drv_vintf_err_fn *err_fn, void *err_arg,
			  struct vsmmu_drv_vintf **out)
{
	if (!drv || !out || !vmid || vmid >> drv->feat.vmid_bits)
		return -EINVAL;
	if (!drv->impl || !drv->impl->vintf_alloc)
		return -ENODEV;
	return drv->impl->vintf_alloc(drv, vmid, err_fn, err_arg, out);
}

void vsmmu_drv_vintf_free(struct vsmmu_drv_vintf *v)
{
	if (v)
		v->drv->impl->vintf_free(v);
}

void vsmmu_drv_vintf_get_info(const struct vsmmu_drv_vintf *v,
			      struct vsmmu_drv_vintf_info *info)
{
	memset(info, 0, sizeof(*info));
	if (v)
		v->drv->impl->vintf_info(v, info);
}

int vsmmu_drv_vintf_queue_alloc(struct vsmmu_drv_vintf *v, unsigned int lidx,
				uint64_t base, unsigned int log2size)
{
	if (!v)
		return -EINVAL;
	return v->drv->impl->vintf_queue_alloc(v, lidx, base, log2size);
}

int vsmmu_drv_vintf_queue_free(struct vsmmu_drv_vintf *v, unsigned int lidx)
{
	if (!v)
		return -EINVAL;
	return v->drv->impl->vintf_queue_free(v, lidx);
}

int vsmmu_drv_vintf_sid_set(struct vsmmu_drv_vintf *v, uint32_t vsid,
			    uint32_t sid, unsigned int *slot)
{
	if (!v)
		return -EINVAL;
	return v->drv->impl->vintf_sid_set(v, vsid, sid, slot);
}

int vsmmu_drv_vintf_sid_clear(struct vsmmu_drv_vintf *v, unsigned int slot)
{
	if (!v)
		return -EINVAL;
	return v->drv->impl->vintf_sid_clear(v, slot);
}
