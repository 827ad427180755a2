/* SPDX-License-Identifier: MIT */
/*
 * vsmmu: a reference model of Arm SMMUv3 virtualisation.
 *
 * The umbrella header: include it to get the whole public API.  Every
 * function returns 0 or a negative errno value unless its comment says
 * otherwise; vsmmu_strerror() names such a value.
 */
#ifndef VSMMU_VSMMU_H
#define VSMMU_VSMMU_H

#include <vsmmu/export.h>
#include <vsmmu/version.h>
#include <vsmmu/mem.h>
#include <vsmmu/pgtable.h>
#include <vsmmu/smmu.h>
#include <vsmmu/decode.h>
#include <vsmmu/driver.h>
#include <vsmmu/entry.h>
#include <vsmmu/command.h>
#include <vsmmu/host.h>
#include <vsmmu/dvm.h>
#include <vsmmu/cpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/** vsmmu_strerror() - a static string for a -errno value.  Thread-safe. */
VSMMU_API const char *vsmmu_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_VSMMU_H */
