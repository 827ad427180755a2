// SPDX-License-Identifier: MIT
/*
 * The bottom of the driver: register access through the embedder's MMIO
 * ops, bounded polling, logging, and one-line decoded messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver/drv.h"

int drv_mmio_read32(const struct drv_mmio *m, uint64_t off, uint32_t *val)
{
	uint64_t v = 0;
	int rc = m->ops->read(m->ctx, off, 4, &v);

	*val = (uint32_t)v;
	return rc;
}

int drv_mmio_read64(const struct drv_mmio *m, uint64_t off, uint64_t *val)
{
	*val = 0;
	return m->ops->read(m->ctx, off, 8, val);
}

int drv_mmio_write32(const struct drv_mmio *m, uint64_t off, uint32_t val)
{
	return m->ops->write(m->ctx, off, 4, val);
}

int drv_mmio_write64(const struct drv_mmio *m, uint64_t off, uint64_t val)
{
	return m->ops->write(m->ctx, off, 8, val);
}

int drv_read32(struct vsmmu_drv *drv, uint64_t off, uint32_t *val)
{
	return drv_mmio_read32(&drv->regs, off, val);
}

int drv_write32(struct vsmmu_drv *drv, uint64_t off, uint32_t val)
{
	return drv_mmio_write32(&drv->regs, off, val);
}

int drv_write64(struct vsmmu_drv *drv, uint64_t off, uint64_t val)
{
	return drv_mmio_write64(&drv->regs, off, val);
}

int drv_poll32(struct vsmmu_drv *drv, const struct drv_mmio *m, uint64_t off,
	       uint32_t mask, uint32_t want, const char *what)
{
	uint64_t deadline = drv_now_ns() + drv->cfg.timeout_ns;
	unsigned int spins = 0;
	uint32_t v;
	int rc;

	for (;;) {
		rc = drv_mmio_read32(m, off, &v);
		if (rc)
			return rc;
		if ((v & mask) == want)
			return 0;
		if (drv_now_ns() >= deadline) {
			atomic_fetch_add(&drv->st.timeouts, 1);
			drv_log(drv, "timeout polling %s (0x%llx = 0x%x)", what,
				(unsigned long long)off, v);
			return -ETIMEDOUT;
		}
		drv_relax(&spins);
	}
}

void drv_log(struct vsmmu_drv *drv, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (drv->cfg.log_fn)
		drv->cfg.log_fn(drv->cfg.log_arg, buf);
	else
		fprintf(stderr, "vsmmu-drv: %s\n", buf);
}

/* --- Decoding for messages ------------------------------------------------ */

struct fmt_buf {
	char *p;
	size_t len, cap;
	bool skip_id_sid; /* the line already names the event and SID */
};

static int fmt_field(void *arg, const struct vsmmu_field *f)
{
	struct fmt_buf *b = arg;
	int n;

	if (!f->value && !f->meaning)
		return 0; /* zero fields are noise in a one-line message */
	if (b->skip_id_sid &&
	    (!strcmp(f->name, "ID") || !strcmp(f->name, "SID")))
		return 0;
	if (b->len >= b->cap)
		return 0;
	n = snprintf(b->p + b->len, b->cap - b->len, " %s=0x%llx%s%s%s",
		     f->name, (unsigned long long)f->value,
		     f->meaning ? "(" : "", f->meaning ? f->meaning : "",
		     f->meaning ? ")" : "");
	if (n > 0)
		b->len += (size_t)n;
	if (b->len > b->cap)
		b->len = b->cap;
	return 0;
}

void drv_decode_into(enum vsmmu_decode_kind kind, const uint64_t *words,
		     size_t n, char *buf, size_t cap, bool skip_id_sid)
{
	size_t len = strlen(buf);
	struct fmt_buf b = { buf, len, cap ? cap - 1 : 0, skip_id_sid };

	if (len >= b.cap)
		return;
	vsmmu_decode(kind, words, n, NULL, fmt_field, &b);
	buf[b.len] = '\0';
}
