// SPDX-License-Identifier: MIT
/*
 * The bottom of the model: statistics shards and translation tracing,
 * used by every other file of lib/hw.
 */
#include <stdarg.h>
#include <stdio.h>

#include "hw/hw.h"

/* --- Statistics --------------------------------------------------------- */

static unsigned int next_shard;
__thread size_t hw_my_shard_off
	__attribute__((tls_model("initial-exec"))) = SIZE_MAX;

size_t hw_shard_assign(void)
{
	unsigned int i = __atomic_fetch_add(&next_shard, 1, __ATOMIC_RELAXED) %
			 STAT_SHARDS;

	hw_my_shard_off = i * sizeof(struct stat_shard);
	return hw_my_shard_off;
}

/* --- Tracing -------------------------------------------------------------- */

void hw_trace(struct txn_ctx *t, const struct vsmmu_trace_step *step)
{
	if (t->trace)
		t->trace(t->trace_arg, step);
}

void hw_note(struct txn_ctx *t, const char *fmt, ...)
{
	struct vsmmu_trace_step st = { .kind = VSMMU_TRACE_NOTE, .level = -1 };
	char buf[256];
	va_list ap;

	if (!t->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	st.note = buf;
	t->trace(t->trace_arg, &st);
}
