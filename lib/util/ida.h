/* SPDX-License-Identifier: MIT */
/*
 * A bitmap ID allocator (in the spirit of Linux's IDA), shared by every
 * layer that hands out small integer IDs: the driver's ASIDs and VMIDs,
 * the CMDQV's VINTFs and StreamID slots.  Internal to the library.
 *
 * Thread-safe: one mutex per allocator.
 */
#ifndef VSMMU_LIB_UTIL_IDA_H
#define VSMMU_LIB_UTIL_IDA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct ida {
	pthread_mutex_t lock;
	uint64_t *bits;
	unsigned int n; /* ids 0..n-1 */
	unsigned int next; /* where a cyclic search starts */
};

/* Make IDs 0..@n-1 available (@n >= 1).  Return 0 or -ENOMEM. */
int ida_init(struct ida *ida, unsigned int n);
void ida_fini(struct ida *ida);

/*
 * Take a free ID in [@min, @max] (@max capped at n-1): the lowest one, or,
 * with @cyclic, the first at or after the one after the last allocation
 * (wrapping inside the range), so that a freed ID is not reused at once --
 * what TLB tags want.  Return the ID, -ENOSPC, or -EINVAL.
 */
int ida_alloc(struct ida *ida, unsigned int min, unsigned int max, bool cyclic);

/* Take exactly @id.  Return 0, -EBUSY (taken) or -EINVAL. */
int ida_claim(struct ida *ida, unsigned int id);

/* Give @id back; an ID out of range or not taken is ignored. */
void ida_free(struct ida *ida, unsigned int id);

/* Is @id taken? */
bool ida_busy(struct ida *ida, unsigned int id);

#endif /* VSMMU_LIB_UTIL_IDA_H */
