/* SPDX-License-Identifier: MIT */
/*
 * The library's version: at compile time (these macros, the version of the
 * headers) and at run time (vsmmu_version(), the version of the library
 * actually linked, which may be a newer compatible one).  The shared
 * library's soname carries the major number: libvsmmu.so.MAJOR.
 *
 * This file is the one source of the version number: the Makefile reads it
 * for the soname and vsmmu.pc.
 */
#ifndef VSMMU_VERSION_H
#define VSMMU_VERSION_H

#include <vsmmu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSMMU_VERSION_MAJOR 0
#define VSMMU_VERSION_MINOR 2
#define VSMMU_VERSION_PATCH 0

#define VSMMU_STRINGIFY_(x) #x
#define VSMMU_STRINGIFY(x) VSMMU_STRINGIFY_(x)
/* "0.2.0" */
#define VSMMU_VERSION                                                 \
	VSMMU_STRINGIFY(VSMMU_VERSION_MAJOR)                          \
	"." VSMMU_STRINGIFY(VSMMU_VERSION_MINOR) "." VSMMU_STRINGIFY( \
		VSMMU_VERSION_PATCH)
/* 0x000200 for 0.2.0: comparable with < and > */
#define VSMMU_VERSION_HEX                                           \
	((VSMMU_VERSION_MAJOR << 16) | (VSMMU_VERSION_MINOR << 8) | \
	 VSMMU_VERSION_PATCH)

/**
 * vsmmu_version() - the linked library's version as VSMMU_VERSION_HEX
 * would write it (major << 16 | minor << 8 | patch).  Thread-safe.
 */
VSMMU_API unsigned int vsmmu_version(void);

/**
 * vsmmu_version_string() - the linked library's version, "0.2.0": a
 * static string.  Thread-safe.
 */
VSMMU_API const char *vsmmu_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_VERSION_H */
