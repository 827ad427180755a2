// SPDX-License-Identifier: MIT
/*
 * Guest PASIDs with a host-owned PASID table (docs/vm.md, "Guest PASID
 * binding"; seed 004's two options; issue 10).
 *
 * With VSMMU_VM_PASID_IDENTITY or VSMMU_VM_PASID_MAPPED the device's CD
 * table is the host's.  The guest
 *  1. allocates a PASID through the virtual command interface in the
 *     virtual SMMU's IMPLEMENTATION DEFINED page-0 space (VCMD_CAP,
 *     VCMD, VCMD_RSP; <vsmmu/vmm.h>), which the VMM serves here:
 *     identity -- the host allocates an hPASID (host-wide, as
 *     iommu_alloc_global_pasid) and the guest gets the same number;
 *     mapped -- the VMM gives the guest the lowest free gPASID of its own
 *     space and keeps G->H to an hPASID the host allocated;
 *  2. writes its CD for that gPASID in its own CD table (where its STE's
 *     S1ContextPtr says) and invalidates it (CFGI_CD, CFGI_CD_ALL,
 *     CFGI_STE): the VMM traps that, reads the CD through the guest's
 *     STE, and binds it at the hPASID -- a CD HWPT on the vIOMMU attached
 *     to that PASID of the device (the host walks the guest's table, an
 *     IPA, through the VM's stage 2); a CD with V = 0 unbinds it.  A CD
 *     for a gPASID the guest does not hold is not bound (counted);
 *  3. page requests arrive with the hPASID and reach the guest's PRI
 *     queue with its gPASID (H->G, priq.c asks here);
 *  4. programs its gPASID into the device (the device model, seed 004's
 *     VDCM, translates G->H when the guest writes it: vsmmu_vm_dev_dma()
 *     puts the hPASID on the bus).
 * Freeing a gPASID unbinds it from every device and frees the hPASID.
 *
 * One table per VM, under its lock (a leaf below the virtual SMMU's
 * configuration lock); at most VM_PASID_MAX PASIDs at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/entry.h>

#include "vmm/vm.h"

/* --- The host's side: the iommufd layer's vsmmu extensions ---------------- */

static int host_alloc(struct vsmmu_vm *vm, uint32_t *h)
{
	unsigned int i, best = vm->ndevs;

	/* Host PASIDs every PASID device of the VM can carry: ask on behalf
	 * of the narrowest */
	for (i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].cfg.pasid_bits &&
		    (best == vm->ndevs ||
		     vm->devs[i].cfg.pasid_bits <
			     vm->devs[best].cfg.pasid_bits))
			best = i;
	if (best == vm->ndevs)
		return -EINVAL;
	return vsmmu_iommufd_pasid_alloc(vm->ictx, vm->devs[best].dev_id, h);
}

static void host_free(struct vsmmu_vm *vm, uint32_t h)
{
	vsmmu_iommufd_pasid_free(vm->ictx, h);
}

/* A CD HWPT of the guest's @cd on the vIOMMU, for @d */
static int cd_hwpt(struct vsmmu_vs *vs, struct vm_dev *d, const uint64_t cd[8],
		   uint32_t *id)
{
	struct iommu_hwpt_vsmmu_arm_smmuv3_cd data;
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.dev_id = d->dev_id,
		.pt_id = vs->viommu,
		.data_type = IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	int rc;

	memcpy(data.cd, cd, sizeof(data.cd));
	if (d->cfg.pri && vs->fault) {
		a.flags |= IOMMU_HWPT_FAULT_ID_VALID;
		a.fault_id = vs->fault;
	}
	rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_HWPT_ALLOC, &a);
	*id = rc ? 0 : a.out_hwpt_id;
	return rc;
}

static int host_attach(struct vsmmu_vs *vs, struct vm_dev *d, uint32_t h,
		       uint32_t hwpt, bool replace)
{
	uint32_t pt = hwpt;

	return replace ? vsmmu_iommufd_device_replace_pasid(vs_ictx(vs),
							    d->dev_id, h, &pt) :
			 vsmmu_iommufd_device_attach_pasid(vs_ictx(vs),
							   d->dev_id, h, &pt);
}

static void host_detach(struct vsmmu_vs *vs, struct vm_dev *d, uint32_t h)
{
	vsmmu_iommufd_device_detach_pasid(vs_ictx(vs), d->dev_id, h);
}

/* --- The table --------------------------------------------------------------- */

bool vm_pasid_host_owned(const struct vsmmu_vm *vm)
{
	return vm->cfg.pasid_mode != VSMMU_VM_PASID_GUEST;
}

/* lock held */
static struct vm_pasid *find_g(struct vsmmu_vm *vm, uint32_t g)
{
	unsigned int i;

	for (i = 0; i < VM_PASID_MAX; i++)
		if (vm->pasids[i].used && vm->pasids[i].g == g)
			return &vm->pasids[i];
	return NULL;
}

int vm_pasid_g2h(struct vsmmu_vm *vm, uint32_t g, uint32_t *h)
{
	struct vm_pasid *p;

	if (!vm_pasid_host_owned(vm)) {
		*h = g;
		return 0;
	}
	pthread_mutex_lock(&vm->pasid_lock);
	p = find_g(vm, g);
	if (p)
		*h = p->h;
	pthread_mutex_unlock(&vm->pasid_lock);
	return p ? 0 : -ENOENT;
}

int vm_pasid_h2g(struct vsmmu_vm *vm, uint32_t h, uint32_t *g)
{
	unsigned int i;
	int rc = -ENOENT;

	if (!vm_pasid_host_owned(vm)) {
		*g = h;
		return 0;
	}
	pthread_mutex_lock(&vm->pasid_lock);
	for (i = 0; i < VM_PASID_MAX; i++) {
		if (vm->pasids[i].used && vm->pasids[i].h == h) {
			*g = vm->pasids[i].g;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&vm->pasid_lock);
	return rc;
}

/* The virtual command ALLOC_PASID.  Return: 0 and *@g, or a VCMD status */
static unsigned int pasid_alloc(struct vsmmu_vm *vm, uint32_t *out)
{
	struct vm_pasid *slot = NULL;
	uint32_t h, g;
	unsigned int i;

	pthread_mutex_lock(&vm->pasid_lock);
	for (i = 0; i < VM_PASID_MAX && !slot; i++)
		if (!vm->pasids[i].used)
			slot = &vm->pasids[i];
	if (!slot || host_alloc(vm, &h)) {
		pthread_mutex_unlock(&vm->pasid_lock);
		return VSMMU_VM_VCMD_SC_NO_PASID;
	}
	if (vm->cfg.pasid_mode == VSMMU_VM_PASID_IDENTITY) {
		g = h;
	} else {
		/* The lowest gPASID the guest does not hold: its own space,
		 * 1 .. 2^pasid_bits - 1 (0 is the RID's) */
		for (g = 1; g < (1U << vm->pasid_bits) && find_g(vm, g); g++)
			;
		if (g >= (1U << vm->pasid_bits)) {
			host_free(vm, h);
			pthread_mutex_unlock(&vm->pasid_lock);
			return VSMMU_VM_VCMD_SC_NO_PASID;
		}
	}
	*slot = (struct vm_pasid){ .g = g, .h = h, .used = true };
	pthread_mutex_unlock(&vm->pasid_lock);
	*out = g;
	return VSMMU_VM_VCMD_SC_OK;
}

/* --- Binding a guest CD at the hPASID ---------------------------------------- */

/* cfg_lock held.  The binding of gPASID @g on @d, or a free slot. */
static struct vm_pbind *pbind(struct vm_dev *d, uint32_t g, bool make)
{
	struct vm_pbind *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < VM_DEV_PASIDS; i++) {
		if (d->pb[i].used && d->pb[i].g == g)
			return &d->pb[i];
		if (!d->pb[i].used && !free_slot)
			free_slot = &d->pb[i];
	}
	return make ? free_slot : NULL;
}

/* cfg_lock held */
static void unbind(struct vsmmu_vs *vs, struct vm_dev *d, struct vm_pbind *b)
{
	host_detach(vs, d, b->h);
	vs_destroy_id(vs, b->hwpt);
	b->used = false;
	atomic_fetch_add(&vs->st.pasid_unbinds, 1);
}

/*
 * Read the guest's CD for @g through its STE (d->ste, as installed), as
 * the SMMU would find it.  Return: 0 and @cd, or -EIO (no CD table, SSID
 * out of its range, L1CD invalid, or outside guest RAM).
 */
static int read_cd(struct vsmmu_vs *vs, const struct vm_dev *d, uint32_t g,
		   uint64_t cd[8])
{
	struct vsmmu_mem *m = vs_gmem(vs);
	struct vsmmu_cd_loc loc;
	uint64_t addr, l1;
	unsigned int i;

	if (d->kind != VM_STE_S1 || vsmmu_cd_locate(d->ste[0], g, &loc))
		return -EIO;
	addr = loc.addr;
	if (loc.two_level) {
		if (vsmmu_mem_read64(m, addr, &l1))
			return -EIO;
		addr = vsmmu_cd_leaf_addr(&loc, l1);
		if (!addr)
			return -EIO;
	}
	for (i = 0; i < 8; i++)
		if (vsmmu_mem_read64(m, addr + 8 * i, &cd[i]))
			return -EIO;
	return 0;
}

/*
 * cfg_lock held.  Make @d's binding of gPASID @g (hPASID @h) what the
 * guest's CD says: bound to a CD HWPT of it, or unbound.
 */
static void sync_one(struct vsmmu_vs *vs, struct vm_dev *d, uint32_t g,
		     uint32_t h)
{
	struct vm_pbind *b = pbind(d, g, false);
	uint64_t cd[8];
	uint32_t hwpt;

	if (read_cd(vs, d, g, cd) || !(cd[0] & CTXDESC_CD_0_V)) {
		if (b)
			unbind(vs, d, b);
		return;
	}
	if (b && !memcmp(cd, b->cd, sizeof(cd)))
		return; /* unchanged */
	/* The host validates the guest's CD (a refused one: unbound) */
	if (cd_hwpt(vs, d, cd, &hwpt)) {
		atomic_fetch_add(&vs->st.pasid_refused, 1);
		if (b)
			unbind(vs, d, b);
		return;
	}
	if (!b) {
		b = pbind(d, g, true);
		if (!b || host_attach(vs, d, h, hwpt, false)) {
			vs_destroy_id(vs, hwpt);
			atomic_fetch_add(&vs->st.pasid_refused, 1);
			return;
		}
		*b = (struct vm_pbind){ .g = g, .h = h, .used = true };
	} else if (host_attach(vs, d, h, hwpt, true)) {
		vs_destroy_id(vs, hwpt);
		unbind(vs, d, b);
		atomic_fetch_add(&vs->st.pasid_refused, 1);
		return;
	} else {
		vs_destroy_id(vs, b->hwpt);
	}
	b->hwpt = hwpt;
	memcpy(b->cd, cd, sizeof(cd));
	atomic_fetch_add(&vs->st.pasid_binds, 1);
}

void vs_pasid_cfgi(struct vsmmu_vs *vs, struct vm_dev *d, bool all, uint32_t g)
{
	struct vsmmu_vm *vm = vs->vm;
	struct vm_pasid snap[VM_PASID_MAX];
	unsigned int i, n = 0;

	if (!vm_pasid_host_owned(vm))
		return;
	pthread_mutex_lock(&vm->pasid_lock);
	for (i = 0; i < VM_PASID_MAX; i++)
		if (vm->pasids[i].used && (all || vm->pasids[i].g == g))
			snap[n++] = vm->pasids[i];
	pthread_mutex_unlock(&vm->pasid_lock);
	if (!all && !n) {
		/* A CD for a PASID the guest does not hold: not bound */
		if (g)
			atomic_fetch_add(&vs->st.pasid_refused, 1);
		return;
	}
	pthread_mutex_lock(&vs->cfg_lock);
	for (i = 0; i < n; i++)
		sync_one(vs, d, snap[i].g, snap[i].h);
	pthread_mutex_unlock(&vs->cfg_lock);
}

/* The virtual command FREE_PASID */
static unsigned int pasid_free(struct vsmmu_vm *vm, uint32_t g)
{
	struct vm_pasid *p;
	unsigned int i, j;
	uint32_t h;

	pthread_mutex_lock(&vm->pasid_lock);
	p = g ? find_g(vm, g) : NULL;
	if (!p) {
		pthread_mutex_unlock(&vm->pasid_lock);
		return VSMMU_VM_VCMD_SC_INVALID;
	}
	h = p->h;
	p->used = false;
	pthread_mutex_unlock(&vm->pasid_lock);
	/* No device may keep translating for it */
	for (i = 0; i < vm->nvs; i++) {
		struct vsmmu_vs *vs = vm->vs[i];

		pthread_mutex_lock(&vs->cfg_lock);
		for (j = 0; j < vs->ndevs; j++) {
			struct vm_pbind *b = pbind(vs->devs[j], g, false);

			if (b)
				unbind(vs, vs->devs[j], b);
		}
		pthread_mutex_unlock(&vs->cfg_lock);
	}
	host_free(vm, h);
	return VSMMU_VM_VCMD_SC_OK;
}

void vs_pasid_unbind_dev(struct vsmmu_vs *vs, struct vm_dev *d)
{
	unsigned int j;

	for (j = 0; j < VM_DEV_PASIDS; j++)
		if (d->pb[j].used)
			unbind(vs, d, &d->pb[j]);
}

void vs_pasid_release(struct vsmmu_vs *vs)
{
	unsigned int i;

	pthread_mutex_lock(&vs->cfg_lock);
	for (i = 0; i < vs->ndevs; i++)
		vs_pasid_unbind_dev(vs, vs->devs[i]);
	pthread_mutex_unlock(&vs->cfg_lock);
}

void vm_pasid_fini(struct vsmmu_vm *vm)
{
	unsigned int i;

	for (i = 0; i < VM_PASID_MAX; i++)
		if (vm->pasids[i].used)
			host_free(vm, vm->pasids[i].h);
	memset(vm->pasids, 0, sizeof(vm->pasids));
}

/* --- The virtual command interface (IMPLEMENTATION DEFINED page 0) ----------- */

int vs_vcmd_read(struct vsmmu_vs *vs, uint64_t off, unsigned int size,
		 uint64_t *val)
{
	uint64_t v = 0;

	*val = 0;
	if (!vm_pasid_host_owned(vs->vm))
		return 0; /* RAZ/WI: no interface */
	switch (off & ~7ULL) {
	case VSMMU_VM_VCMD_CAP:
		v = VSMMU_VM_VCMD_CAP_PASID;
		break;
	case VSMMU_VM_VCMD_RSP:
		v = atomic_load(&vs->vcmd_rsp);
		break;
	case VSMMU_VM_VCMD:
		v = atomic_load(&vs->vcmd);
		break;
	}
	*val = size == 8 ? v : (uint32_t)(v >> (8 * (off & 4)));
	return 0;
}

int vs_vcmd_write(struct vsmmu_vs *vs, uint64_t off, unsigned int size,
		  uint64_t val)
{
	unsigned int sc = VSMMU_VM_VCMD_SC_INVALID;
	uint32_t result = 0;
	uint64_t cmd;

	/* The command runs on a write of its low word (or all of it) */
	if (!vm_pasid_host_owned(vs->vm) || (off & ~7ULL) != VSMMU_VM_VCMD)
		return 0;
	pthread_mutex_lock(&vs->vcmd_lock);
	cmd = atomic_load(&vs->vcmd);
	if (size == 8)
		cmd = val;
	else if (off & 4)
		cmd = (cmd & 0xffffffffULL) | (val << 32);
	else
		cmd = (cmd & ~0xffffffffULL) | (uint32_t)val;
	atomic_store(&vs->vcmd, cmd);
	if (size == 4 && (off & 4)) {
		pthread_mutex_unlock(&vs->vcmd_lock);
		return 0; /* the operand alone */
	}
	switch (VS_FIELD_GET(VSMMU_VM_VCMD_OP, cmd)) {
	case VSMMU_VM_VCMD_OP_ALLOC_PASID:
		sc = pasid_alloc(vs->vm, &result);
		if (sc == VSMMU_VM_VCMD_SC_OK)
			atomic_fetch_add(&vs->st.pasid_allocs, 1);
		break;
	case VSMMU_VM_VCMD_OP_FREE_PASID:
		sc = pasid_free(vs->vm,
				VS_FIELD_GET(VSMMU_VM_VCMD_OPERAND, cmd));
		break;
	}
	atomic_store(&vs->vcmd_rsp,
		     VS_FIELD_PREP(VSMMU_VM_VCMD_RSP_SC, sc) |
			     VS_FIELD_PREP(VSMMU_VM_VCMD_RSP_RESULT, result));
	pthread_mutex_unlock(&vs->vcmd_lock);
	return 0;
}

void vs_pasid_resync(struct vsmmu_vs *vs, uint32_t first, uint32_t last)
{
	unsigned int i;

	if (!vm_pasid_host_owned(vs->vm))
		return;
	for (i = 0; i < vs->ndevs; i++)
		if (vs->devs[i]->cfg.vsid >= first &&
		    vs->devs[i]->cfg.vsid <= last)
			vs_pasid_cfgi(vs, vs->devs[i], true, 0);
}
