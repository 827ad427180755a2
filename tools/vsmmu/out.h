/* SPDX-License-Identifier: MIT */
/*
 * Output shared by the verbs: JSON strings, and decoded fields in the one
 * JSON schema every verb uses for them (docs/translate.md, "JSON"):
 *
 *   {"name": "S1ContextPtr", "dword": 0, "bits": "51:6",
 *    "value": "0x111000", "meaning": null}
 *
 * "bits" is "hi:lo" or "n"; "value" a hex string (64-bit values do not
 * survive a JSON number in every reader); "meaning" a string or null.
 * Words and register values are hex strings too, in a "words" array.
 */
#ifndef VSMMU_TOOL_OUT_H
#define VSMMU_TOOL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <vsmmu/decode.h>

/* @s as a JSON string, non-ASCII and control bytes escaped. */
void out_json_str(FILE *f, const char *s);

/* "[field, ...]" for the structure @kind in @words. */
void out_json_fields(FILE *f, enum vsmmu_decode_kind kind,
		     const uint64_t *words, size_t nwords,
		     const struct vsmmu_decode_opts *opts);

/* "[field, ...]" for the SMMU register at @offset holding @value. */
void out_json_reg_fields(FILE *f, uint64_t offset, uint64_t value);

/* One field object, as above. */
void out_json_field(FILE *f, const struct vsmmu_field *fl);

/*
 * Progress on standard error, only when it is a terminal: "\r<msg>" in
 * place, cleared by out_progress_done().  A no-op in pipes and files.
 */
bool out_progress_enabled(void);
void out_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_progress_done(void);

#endif /* VSMMU_TOOL_OUT_H */
