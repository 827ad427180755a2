// SPDX-License-Identifier: MIT
/* Output shared by the verbs: see out.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "out.h"

void out_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void out_json_field(FILE *f, const struct vsmmu_field *fl)
{
	fputs("{\"name\":", f);
	out_json_str(f, fl->name ? fl->name : "?");
	fprintf(f, ",\"dword\":%u,\"bits\":", fl->dword);
	if (fl->hi == fl->lo)
		fprintf(f, "\"%u\"", fl->lo);
	else
		fprintf(f, "\"%u:%u\"", fl->hi, fl->lo);
	fprintf(f, ",\"value\":\"0x%llx\",\"meaning\":",
		(unsigned long long)fl->value);
	if (fl->meaning)
		out_json_str(f, fl->meaning);
	else
		fputs("null", f);
	fputc('}', f);
}

struct fields_ctx {
	FILE *f;
	unsigned int n;
};

static int field_cb(void *arg, const struct vsmmu_field *fl)
{
	struct fields_ctx *c = arg;

	if (c->n++)
		fputc(',', c->f);
	out_json_field(c->f, fl);
	return 0;
}

void out_json_fields(FILE *f, enum vsmmu_decode_kind kind,
		     const uint64_t *words, size_t nwords,
		     const struct vsmmu_decode_opts *opts)
{
	struct fields_ctx c = { f, 0 };

	fputc('[', f);
	vsmmu_decode(kind, words, nwords, opts, field_cb, &c);
	fputc(']', f);
}

void out_json_reg_fields(FILE *f, uint64_t offset, uint64_t value)
{
	struct fields_ctx c = { f, 0 };

	fputc('[', f);
	vsmmu_decode_reg(offset, value, field_cb, &c);
	fputc(']', f);
}

static int progress_state = -1; /* -1 unknown, 0 off, 1 on */
static int progress_shown;

bool out_progress_enabled(void)
{
	if (progress_state < 0)
		progress_state = isatty(STDERR_FILENO) ? 1 : 0;
	return progress_state;
}

void out_progress(const char *fmt, ...)
{
	va_list ap;

	if (!out_progress_enabled())
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = 1;
}

void out_progress_done(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = 0;
}
