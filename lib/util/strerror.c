// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include <vsmmu/vsmmu.h>

const char *vsmmu_strerror(int err)
{
	if (err > 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case -EFAULT:
		return "address not present in the memory model";
	case -ENOEXEC:
		return "not an ELF file";
	default:
		/* strerror() returns static strings for known errnos on glibc */
		return strerror(-err);
	}
}
