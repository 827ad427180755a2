/* SPDX-License-Identifier: MIT */
/*
 * VSMMU_API marks the library's public functions and objects.
 *
 * The library is built with -fvisibility=hidden: a symbol is exported from
 * libvsmmu.so, and stays global in libvsmmu.a, only when its declaration
 * carries VSMMU_API.  Every function and object declared in a public
 * header does (tests/pkg/abi.sh checks that each one links and that
 * nothing else is exported), and all their names start with vsmmu_.
 */
#ifndef VSMMU_EXPORT_H
#define VSMMU_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define VSMMU_API __attribute__((visibility("default")))
#else
#define VSMMU_API
#endif

#endif /* VSMMU_EXPORT_H */
