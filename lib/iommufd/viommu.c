// SPDX-License-Identifier: MIT
/*
 * VIOMMU: one VM's slice of one physical SMMU, over a nest parent.  It
 * owns the VM's VMID on that SMMU (every device of the VM behind it uses
 * it, the "shared VMID" of ../shared/seeds/003_*.txt), its vDEVICEs (the
 * vSID -> device lookup) and its VEVENTQs, and takes the guest's
 * invalidations (HWPT_INVALIDATE).
 *
 * VIOMMU_ALLOC checks in Linux's order (iommufd_viommu_alloc_ioctl(),
 * arm_smmu_get_viommu_size(), arm_vsmmu_init(),
 * tegra241_cmdqv_init_vintf_user()): flags, or type DEFAULT: -EOPNOTSUPP;
 * no such device: -ENOENT; a type the SMMU cannot do (no nesting, no
 * CMDQV): -EOPNOTSUPP; no such paging HWPT: -ENOENT; not a nest parent,
 * or another SMMU's: -EINVAL; TEGRA241_CMDQV without its data: -EINVAL;
 * no free VINTF: -ENOSPC.  A TEGRA241_CMDQV vIOMMU takes a VINTF of the
 * host's CMDQV for the VM (HYP_OWN = 0, the VM's VMID) and offers its page
 * of logical VCMDQs in the iommufd's mmap space
 * (vsmmu_iommufd_mmap_read/write); its queue errors reach the
 * TEGRA241_CMDQV VEVENTQ as the VINTF's LVCMDQ_ERR_MAP.
 *
 * HWPT_INVALIDATE takes raw SMMUv3 commands and does what
 * arm_vsmmu_cache_invalidate() does, through the driver's
 * vsmmu_drv_vm_invalidate(): TLBI_NSNH_ALL becomes TLBI_NH_ALL of the
 * VM's VMID with dword 1 cleared; TLBI_NH_VA, NH_VAA, NH_ALL, NH_ASID get
 * the VM's VMID; ATC_INV, CFGI_CD, CFGI_CD_ALL get the physical StreamID
 * of the vSID (looked up in the vDEVICEs; unknown: -EIO); any other
 * opcode: -EIO.  Beyond Linux, every rewritten command must pass
 * vsmmu_cmd_check() (the rule the model's command engine applies), else
 * -EIO, so a guest can never stop the host's queue with CERROR_ILL.
 * They are issued as one batch with one CMD_SYNC, and @entry_num says
 * how many were handled; the ones before a refused command are issued
 * (Linux counts them as handled without issuing them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd/ifd.h"

/* --- mmap(2) of the iommufd: the VINTF's page ------------------------------- */

#define VINTF_PAGE 0x10000ULL

/* A region of @len at the lowest free offset (mmap_lock held for write). */
static int mmap_add(struct ifd_ctx *ctx, struct ifd_host *host,
		    uint64_t cmdqv_off, const void *owner, uint64_t *offset)
{
	struct ifd_mmap *m, *cur;
	uint64_t off = 0;

	m = ifd_zalloc(ctx, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (;;) {
		for (cur = ctx->mmaps; cur; cur = cur->next)
			if (cur->offset == off)
				break;
		if (!cur)
			break;
		off += VINTF_PAGE;
	}
	m->offset = off;
	m->length = VINTF_PAGE;
	m->host = host;
	m->cmdqv_off = cmdqv_off;
	m->owner = owner;
	m->next = ctx->mmaps;
	ctx->mmaps = m;
	*offset = off;
	return 0;
}

static void mmap_del(struct ifd_ctx *ctx, const void *owner)
{
	struct ifd_mmap **pp, *m;

	pthread_rwlock_wrlock(&ctx->mmap_lock);
	for (pp = &ctx->mmaps; (m = *pp);) {
		if (m->owner == owner) {
			*pp = m->next;
			free(m);
		} else {
			pp = &m->next;
		}
	}
	pthread_rwlock_unlock(&ctx->mmap_lock);
}

static int mmap_access(struct vsmmu_iommufd_ctx *uctx, uint64_t off,
		       unsigned int size, uint64_t *val, bool write)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_mmap *m;
	int rc = -ENXIO;

	if (!ctx || (size != 4 && size != 8) || (off & (size - 1)) ||
	    (!write && !val))
		return -EINVAL;
	pthread_rwlock_rdlock(&ctx->mmap_lock);
	for (m = ctx->mmaps; m; m = m->next) {
		if (off < m->offset || off - m->offset >= m->length)
			continue;
		off = m->cmdqv_off + (off - m->offset);
		rc = write ? vsmmu_smmu_cmdqv_mmio_write(m->host->smmu, off,
							 size, *val) :
			     vsmmu_smmu_cmdqv_mmio_read(m->host->smmu, off,
							size, val);
		break;
	}
	pthread_rwlock_unlock(&ctx->mmap_lock);
	return rc;
}

int vsmmu_iommufd_mmap_read(struct vsmmu_iommufd_ctx *ctx, uint64_t off,
			    unsigned int size, uint64_t *val)
{
	return mmap_access(ctx, off, size, val, false);
}

int vsmmu_iommufd_mmap_write(struct vsmmu_iommufd_ctx *ctx, uint64_t off,
			     unsigned int size, uint64_t val)
{
	return mmap_access(ctx, off, size, &val, true);
}

/* --- VIOMMU_ALLOC ------------------------------------------------------------ */

/* The VM's VINTF errored: Linux forwards its LVCMDQ_ERR_MAP. */
static void vintf_err(void *arg, struct vsmmu_drv_vintf *v,
		      const uint64_t map[2])
{
	struct iommu_vevent_tegra241_cmdqv ev = {
		.lvcmdq_err_map = { map[0], map[1] },
	};

	(void)v;
	ifd_veventq_report(arg, IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV, &ev,
			   sizeof(ev));
}

/*
 * tegra241_cmdqv_init_vintf_user(): the data is required (-EINVAL
 * without), a free VINTF with the VM's VMID and HYP_OWN = 0, no queue
 * yet, and its logical page 0 offered for mmap (64 KiB), written back.
 */
static int vintf_init(struct ifd_ucmd *ucmd, struct ifd_viommu *viommu)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct iommu_viommu_tegra241_cmdqv data;
	struct vsmmu_drv_vintf_info info;
	uint64_t off;
	int rc;

	if (!cmd->data_len)
		return -EINVAL;
	rc = ifd_copy_user_data(ctx, &data, sizeof(data), sizeof(data),
				cmd->type, IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
				cmd->data_uptr, cmd->data_len);
	if (rc)
		return rc;
	if (ifd_should_fail(ctx))
		return -ENOMEM;
	rc = vsmmu_drv_vintf_alloc(viommu->host->drv, viommu->vmid, vintf_err,
				   viommu, &viommu->vintf);
	if (rc)
		return rc;
	vsmmu_drv_vintf_get_info(viommu->vintf, &info);
	pthread_rwlock_wrlock(&ctx->mmap_lock);
	rc = mmap_add(ctx, viommu->host, info.page0, viommu, &off);
	pthread_rwlock_unlock(&ctx->mmap_lock);
	if (rc)
		goto out_free;
	data.out_vintf_mmap_offset = off;
	data.out_vintf_mmap_length = VINTF_PAGE;
	/* iommu_copy_struct_to_user(): as much as the caller's length */
	rc = ifd_copy_to_user(ctx, cmd->data_uptr, &data,
			      cmd->data_len < sizeof(data) ? cmd->data_len :
							     sizeof(data));
	if (rc)
		goto out_mmap;
	return 0;
out_mmap:
	mmap_del(ctx, viommu);
out_free:
	vsmmu_drv_vintf_free(viommu->vintf);
	viommu->vintf = NULL;
	return rc;
}

/* arm_smmu_get_viommu_size(): can this SMMU make a vIOMMU of @type? */
static bool viommu_type_ok(struct ifd_host *h, uint32_t type)
{
	struct vsmmu_drv_cmdqv_info qi;

	if (!h->feat->s1 || !h->feat->s2)
		return false; /* ARM_SMMU_FEAT_NESTING */
	if (type == IOMMU_VIOMMU_TYPE_ARM_SMMUV3)
		return true;
	if (type != IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV)
		return false;
	vsmmu_drv_cmdqv_get_info(h->drv, &qi);
	return qi.present && qi.enabled && qi.hyp_own;
}

int ifd_cmd_viommu_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_hwpt_paging *parent;
	struct ifd_viommu *viommu;
	struct ifd_device *dev;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	dev = ifd_device_get(ctx, cmd->dev_id);
	if (!dev)
		return -ENOENT;
	rc = -EOPNOTSUPP;
	if (!viommu_type_ok(dev->host, cmd->type))
		goto out_put_dev;
	parent = (struct ifd_hwpt_paging *)ifd_obj_get(ctx, cmd->hwpt_id,
						       IFD_HWPT_PAGING);
	if (!parent) {
		rc = -ENOENT;
		goto out_put_dev;
	}
	rc = -EINVAL;
	if (!parent->nest_parent || parent->common.host != dev->host)
		goto out_put_parent;
	rc = -ENOMEM;
	viommu = (struct ifd_viommu *)ifd_obj_alloc(ctx, sizeof(*viommu),
						    IFD_VIOMMU);
	if (!viommu)
		goto out_put_parent;
	viommu->type = cmd->type;
	viommu->host = dev->host;
	viommu->parent = parent;
	pthread_mutex_init(&viommu->lock, NULL);
	/*
	 * The VM's own VMID on this SMMU, registered with the parent so its
	 * unmaps invalidate it (Linux still borrows the parent's VMID: its
	 * "FIXME Move VMID allocation from the S2 domain allocation").
	 */
	rc = -ENOMEM;
	if (ifd_should_fail(ctx))
		goto out_abort;
	rc = vsmmu_drv_vm_create(dev->host->drv, parent->dom, &viommu->vm);
	if (rc)
		goto out_abort;
	viommu->vmid = (uint16_t)vsmmu_drv_vm_vmid(viommu->vm);
	if (cmd->type == IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV) {
		rc = vintf_init(ucmd, viommu);
		if (rc)
			goto out_vm;
	}
	cmd->out_viommu_id = viommu->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_vintf;
	ifd_obj_hold(&parent->common.obj); /* the vIOMMU's */
	ifd_obj_finalize(&viommu->obj);
	goto out_put_parent;
out_vintf:
	if (viommu->vintf) {
		mmap_del(ctx, viommu);
		vsmmu_drv_vintf_free(viommu->vintf);
	}
out_vm:
	vsmmu_drv_vm_destroy(viommu->vm);
out_abort:
	pthread_mutex_destroy(&viommu->lock);
	ifd_obj_abort(&viommu->obj);
out_put_parent:
	ifd_obj_put(&parent->common.obj);
out_put_dev:
	ifd_obj_put(&dev->obj);
	return rc;
}

void ifd_viommu_destroy(struct ifd_obj *obj)
{
	struct ifd_viommu *viommu = (struct ifd_viommu *)obj;

	/*
	 * vDEVICEs, VEVENTQs, HW queues and nested HWPTs held it: none is
	 * left.  The page goes from the mmap space before the VINTF goes.
	 */
	if (viommu->vintf) {
		mmap_del(obj->ctx, viommu);
		vsmmu_drv_vintf_free(viommu->vintf);
	}
	vsmmu_drv_vm_destroy(viommu->vm);
	free(viommu->vdevs);
	pthread_mutex_destroy(&viommu->lock);
	ifd_obj_put(&viommu->parent->common.obj);
}

/* The device of @vsid (viommu->lock held), or NULL. */
struct ifd_device *ifd_viommu_find_dev(struct ifd_viommu *viommu,
				       uint64_t vsid);
struct ifd_device *ifd_viommu_find_dev(struct ifd_viommu *viommu, uint64_t vsid)
{
	size_t lo = 0, hi = viommu->nvdevs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (viommu->vdevs[mid]->virt_id < vsid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < viommu->nvdevs && viommu->vdevs[lo]->virt_id == vsid)
		return viommu->vdevs[lo]->dev;
	return NULL;
}

/* --- Invalidation ---------------------------------------------------------- */

/* vsmmu_drv_vsid_fn: a vSID's physical StreamID (viommu->lock held). */
static int vsid_to_sid(void *arg, uint32_t vsid, uint32_t *sid)
{
	struct ifd_device *dev = ifd_viommu_find_dev(arg, vsid);

	if (!dev)
		return -EIO;
	*sid = dev->sids[0];
	return 0;
}

/* kcalloc() of the array fails beyond KMALLOC_MAX_SIZE (4 MiB). */
#define IFD_INV_MAX ((4U << 20) / 16)

int ifd_viommu_invalidate(struct ifd_viommu *viommu, struct ifd_ctx *ctx,
			  struct iommu_hwpt_invalidate *cmd, uint32_t *done);
int ifd_viommu_invalidate(struct ifd_viommu *viommu, struct ifd_ctx *ctx,
			  struct iommu_hwpt_invalidate *cmd, uint32_t *done)
{
	uint64_t(*cmds)[2];
	uint32_t i, n = cmd->entry_num;
	int rc = 0;

	*done = 0;
	if (viommu->type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3 &&
	    viommu->type != IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV)
		return -EOPNOTSUPP;
	/* iommu_copy_struct_from_full_user_array(): the whole array first */
	if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)
		return -EINVAL;
	if (!n)
		return -EINVAL;
	if (n > IFD_INV_MAX)
		return -ENOMEM;
	cmds = ifd_zalloc(ctx, (size_t)n * sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	if (cmd->entry_len == sizeof(*cmds)) /* in one copy, as Linux */
		rc = ifd_copy_from_user(ctx, cmds, cmd->data_uptr,
					(size_t)n * sizeof(*cmds));
	for (i = 0; i < n && !rc && cmd->entry_len != sizeof(*cmds); i++)
		rc = ifd_copy_struct_from_user(
			ctx, cmds[i], sizeof(cmds[i]),
			cmd->data_uptr + (uint64_t)i * cmd->entry_len,
			cmd->entry_len);
	if (rc)
		goto out_free;
	pthread_mutex_lock(&viommu->lock);
	rc = vsmmu_drv_vm_invalidate(viommu->vm, (const uint64_t(*)[2])cmds, n,
				     vsid_to_sid, viommu, done);
	pthread_mutex_unlock(&viommu->lock);
out_free:
	free(cmds);
	return rc;
}
