// SPDX-License-Identifier: MIT
/*
 * VIOMMU: one VM's slice of one physical SMMU, over a nest parent.  It
 * owns the VM's VMID on that SMMU (every device of the VM behind it uses
 * it, the "shared VMID" of ../shared/seeds/003_*.txt), its vDEVICEs (the
 * vSID -> device lookup) and its VEVENTQs, and takes the guest's
 * invalidations (HWPT_INVALIDATE).
 *
 * VIOMMU_ALLOC checks in Linux's order (iommufd_viommu_alloc_ioctl(),
 * arm_smmu_get_viommu_size(), arm_vsmmu_init()): flags, or type DEFAULT:
 * -EOPNOTSUPP; no such device: -ENOENT; a type the SMMU cannot do (no
 * nesting, no CMDQV): -EOPNOTSUPP; no such paging HWPT: -ENOENT; not a
 * nest parent, or another SMMU's: -EINVAL.
 *
 * HWPT_INVALIDATE takes raw SMMUv3 commands and does what
 * arm_vsmmu_cache_invalidate() does: TLBI_NSNH_ALL becomes TLBI_NH_ALL
 * of the VM's VMID with dword 1 cleared; TLBI_NH_VA, NH_VAA, NH_ALL,
 * NH_ASID get the VM's VMID; ATC_INV, CFGI_CD, CFGI_CD_ALL get the
 * physical StreamID of the vSID (an unknown vSID: -EIO); any other
 * opcode: -EIO.  Beyond Linux, every rewritten command must be one the
 * SMMU executes (no bit outside its fields, range fields only with
 * IDR3.RIL and in a legal combination, an ATC_INV size up to 52), else
 * -EIO, so a guest can never stop the host's queue with CERROR_ILL.
 * They are issued as one batch with one CMD_SYNC, and @entry_num says
 * how many were handled (the ones before an -EIO are issued).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

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
	/* arm_smmu_get_viommu_size(): nesting needs both stages */
	rc = -EOPNOTSUPP;
	if (!dev->host->feat->s1 || !dev->host->feat->s2)
		goto out_put_dev;
	if (cmd->type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3)
		goto out_put_dev; /* TEGRA241_CMDQV: with the driver's VINTFs */
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
	 * The VM's VMID: Linux still takes the parent's (arm_vsmmu_init(),
	 * "FIXME Move VMID allocation from the S2 domain allocation").
	 */
	viommu->vmid = (uint16_t)vsmmu_drv_domain_vmid(parent->dom);
	cmd->out_viommu_id = viommu->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	ifd_obj_hold(&parent->common.obj); /* the vIOMMU's */
	ifd_obj_finalize(&viommu->obj);
	goto out_put_parent;
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

	/* vDEVICEs, VEVENTQs and nested HWPTs held it: none is left */
	free(viommu->vdevs);
	pthread_mutex_destroy(&viommu->lock);
	ifd_obj_put(&viommu->parent->common.obj);
}

/* The device of @vsid (viommu->lock held), or NULL. */
struct ifd_device *ifd_viommu_find_dev(struct ifd_viommu *viommu,
				       uint64_t vsid);
struct ifd_device *ifd_viommu_find_dev(struct ifd_viommu *viommu,
				       uint64_t vsid)
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

/* A field-by-field copy of a command: what vsmmu_drv_cmd_build() makes. */
static int cmd_decode(const uint64_t *c, struct vsmmu_drv_cmd *d)
{
	memset(d, 0, sizeof(*d));
	d->opcode = (unsigned int)VS_FIELD_GET(CMDQ_0_OP, c[0]);
	switch (d->opcode) {
	case CMDQ_OP_TLBI_NH_ALL:
		d->vmid = (uint16_t)VS_FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		return 0;
	case CMDQ_OP_TLBI_NH_ASID:
		d->vmid = (uint16_t)VS_FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		d->asid = (uint16_t)VS_FIELD_GET(CMDQ_TLBI_0_ASID, c[0]);
		return 0;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
		d->vmid = (uint16_t)VS_FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		if (d->opcode == CMDQ_OP_TLBI_NH_VA)
			d->asid = (uint16_t)VS_FIELD_GET(CMDQ_TLBI_0_ASID,
							 c[0]);
		d->num = (unsigned int)VS_FIELD_GET(CMDQ_TLBI_0_NUM, c[0]);
		d->scale = (unsigned int)VS_FIELD_GET(CMDQ_TLBI_0_SCALE, c[0]);
		d->leaf = c[1] & CMDQ_TLBI_1_LEAF;
		d->ttl = (unsigned int)VS_FIELD_GET(CMDQ_TLBI_1_TTL, c[1]);
		d->tg = (unsigned int)VS_FIELD_GET(CMDQ_TLBI_1_TG, c[1]);
		d->addr = c[1] & CMDQ_TLBI_1_VA_MASK;
		return 0;
	case CMDQ_OP_ATC_INV:
		d->sid = (uint32_t)VS_FIELD_GET(CMDQ_ATC_0_SID, c[0]);
		d->ssv = c[0] & CMDQ_0_SSV;
		d->ssid = (uint32_t)VS_FIELD_GET(CMDQ_ATC_0_SSID, c[0]);
		d->global = c[0] & CMDQ_ATC_0_GLOBAL;
		d->size = (unsigned int)VS_FIELD_GET(CMDQ_ATC_1_SIZE, c[1]);
		d->addr = c[1] & CMDQ_ATC_1_ADDR_MASK;
		return 0;
	case CMDQ_OP_CFGI_CD:
		d->sid = (uint32_t)VS_FIELD_GET(CMDQ_CFGI_0_SID, c[0]);
		d->ssid = (uint32_t)VS_FIELD_GET(CMDQ_CFGI_0_SSID, c[0]);
		d->leaf = c[1] & CMDQ_CFGI_1_LEAF;
		return 0;
	case CMDQ_OP_CFGI_CD_ALL:
		d->sid = (uint32_t)VS_FIELD_GET(CMDQ_CFGI_0_SID, c[0]);
		return 0;
	}
	return -EIO;
}

/*
 * Would the SMMU execute @c?  The fields are the encoder's (a command
 * that does not survive decode + vsmmu_drv_cmd_build() unchanged has a
 * bit outside them); the range rules are those of 4.4.1.1 (the TLBI
 * range fields are RES0 without IDR3.RIL; TG = 0 takes no NUM/SCALE;
 * TG != 0 with NUM = SCALE = TTL = 0 is reserved); ATC_INV sizes above
 * 52 are reserved.
 */
static int cmd_legal(const struct ifd_host *h, const uint64_t *c)
{
	struct vsmmu_drv_cmd d;
	uint64_t out[2];

	if (cmd_decode(c, &d) || vsmmu_drv_cmd_build(&d, out) ||
	    out[0] != c[0] || out[1] != c[1])
		return -EIO;
	if (d.tg || d.num || d.scale || d.ttl) {
		if (!h->feat->ril)
			return -EIO;
		if ((!d.tg && (d.num || d.scale)) ||
		    (d.tg && !d.num && !d.scale && !d.ttl))
			return -EIO;
	}
	if (d.opcode == CMDQ_OP_ATC_INV &&
	    (d.size > CMDQ_ATC_1_SIZE_ALL || !h->feat->ats))
		return -EIO;
	return 0;
}

/* arm_vsmmu_convert_user_cmd(), in place (viommu->lock held). */
static int convert(struct ifd_viommu *viommu, uint64_t *c)
{
	struct ifd_device *dev;
	uint32_t vsid;

	switch (VS_FIELD_GET(CMDQ_0_OP, c[0])) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		c[0] = CMDQ_OP_TLBI_NH_ALL |
		       VS_FIELD_PREP(CMDQ_TLBI_0_VMID, viommu->vmid);
		c[1] = 0;
		break;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
		c[0] &= ~CMDQ_TLBI_0_VMID;
		c[0] |= VS_FIELD_PREP(CMDQ_TLBI_0_VMID, viommu->vmid);
		break;
	case CMDQ_OP_ATC_INV:
	case CMDQ_OP_CFGI_CD:
	case CMDQ_OP_CFGI_CD_ALL:
		vsid = (uint32_t)VS_FIELD_GET(CMDQ_CFGI_0_SID, c[0]);
		dev = ifd_viommu_find_dev(viommu, vsid);
		if (!dev)
			return -EIO;
		c[0] &= ~CMDQ_CFGI_0_SID;
		c[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, dev->sids[0]);
		break;
	default:
		return -EIO;
	}
	return cmd_legal(viommu->host, c);
}

/* kcalloc() of the array fails beyond KMALLOC_MAX_SIZE (4 MiB). */
#define IFD_INV_MAX ((4U << 20) / 16)

int ifd_viommu_invalidate(struct ifd_viommu *viommu, struct ifd_ctx *ctx,
			  struct iommu_hwpt_invalidate *cmd, uint32_t *done);
int ifd_viommu_invalidate(struct ifd_viommu *viommu, struct ifd_ctx *ctx,
			  struct iommu_hwpt_invalidate *cmd, uint32_t *done)
{
	struct vsmmu_drv_batch batch;
	uint64_t(*cmds)[2];
	uint32_t i, n = cmd->entry_num;
	int rc = 0, rc2;

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
	for (i = 0; i < n && !rc; i++)
		rc = ifd_copy_struct_from_user(ctx, cmds[i], sizeof(cmds[i]),
					       cmd->data_uptr +
						       (uint64_t)i *
							       cmd->entry_len,
					       cmd->entry_len);
	if (rc)
		goto out_free;
	vsmmu_drv_batch_init(&batch);
	pthread_mutex_lock(&viommu->lock);
	for (i = 0; i < n; i++) {
		/* Commands are little-endian words; the host is too */
		rc = convert(viommu, cmds[i]);
		if (rc)
			break;
		rc = vsmmu_drv_batch_add_raw(viommu->host->drv, &batch,
					     cmds[i]);
		if (rc)
			break;
	}
	pthread_mutex_unlock(&viommu->lock);
	/* What was converted is issued, with the one CMD_SYNC */
	rc2 = vsmmu_drv_batch_submit(viommu->host->drv, &batch, true);
	if (!rc2)
		*done = i;
	else if (!rc)
		rc = rc2;
out_free:
	free(cmds);
	return rc;
}
