// SPDX-License-Identifier: MIT
/*
 * The table of implementations: the one place that names them.  At create
 * each is asked, in order, whether it is present (its probe returns
 * -ENODEV if not); the first that is becomes drv->impl, and from then on
 * the core reaches it only through its ops (drv.h, struct drv_impl_ops),
 * as Linux's arm-smmu-v3 reaches tegra241-cmdqv through arm_smmu_impl_ops.
 */
#include <errno.h>

#include "driver/drv.h"

static const struct drv_impl_ops *const impls[] = {
	&drv_tegra241_cmdqv_impl,
};

int drv_impl_probe(struct vsmmu_drv *drv)
{
	unsigned int i;
	int rc;

	for (i = 0; i < VS_ARRAY_SIZE(impls); i++) {
		if (!impls[i]->probe)
			continue;
		rc = impls[i]->probe(drv);
		if (rc == -ENODEV)
			continue;
		if (rc)
			return rc;
		drv->impl = impls[i];
		return 0;
	}
	return 0;
}
