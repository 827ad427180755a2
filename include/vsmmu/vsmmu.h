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

#include <vsmmu/mem.h>
#include <vsmmu/pgtable.h>
#include <vsmmu/smmu.h>
#include <vsmmu/decode.h>
#include <vsmmu/driver.h>
#include <vsmmu/entry.h>
#include <vsmmu/command.h>
#include <vsmmu/host.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSMMU_VERSION "0.1.0"

/** vsmmu_strerror() - a static string for a -errno value.  Thread-safe. */
const char *vsmmu_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_VSMMU_H */
