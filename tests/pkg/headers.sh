#!/usr/bin/env bash
# Headers that live beside a VMM's own SMMU definitions: everything an
# embedder gets from the umbrella <vsmmu/vsmmu.h> -- macros, functions,
# objects, types, tags, enumerators -- is named vsmmu_* or VSMMU_*; the
# spec-named layouts (ARM_SMMU_*, STRTAB_*, CMDQ_*...) come only with
# <vsmmu/arch.h>, for those who ask for it.
source "$(dirname "$0")/lib.bash"

inc="$prefix/include"
python3 "$here/headers.py" "$cc" "$inc" umbrella "$inc/vsmmu/vsmmu.h" \
	>"$tmp/names"
[ "$(grep -c '^func ' "$tmp/names")" -gt 50 ] ||
	fail "the umbrella declares too few functions: $(wc -l <"$tmp/names")"
if grep -Ev ' (vsmmu_|VSMMU_)[A-Za-z0-9_]* ' "$tmp/names" >"$tmp/bad"; then
	echo "names without the vsmmu_/VSMMU_ prefix from <vsmmu/vsmmu.h>:"
	head -n 30 "$tmp/bad"
	fail "umbrella namespace"
fi

# A VMM with its own definitions of the spec's names compiles cleanly
# with the umbrella, warnings as errors.
cat >"$tmp/vmm.c" <<'C'
#define ARM_SMMU_CR0 0x20
#define CMDQ_PROD 0x98
#define STRTAB_STE_0_V (1UL << 0)
#define IDR0_S1P (1U << 1)
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#include <vsmmu/vsmmu.h>
int main(void)
{
	return ARM_SMMU_CR0 == 0x20 && vsmmu_version() ? 0 : 1;
}
C
"$cc" -std=c11 -Wall -Wextra -Werror -I"$inc" -c -o "$tmp/vmm.o" \
	"$tmp/vmm.c" || fail "the umbrella clashes with a VMM's definitions"

# The layouts stay available from their own header
cat >"$tmp/arch.c" <<'C'
#include <vsmmu/arch.h>
#include <vsmmu/vsmmu.h>
_Static_assert(ARM_SMMU_CR0 == 0x20, "CR0 offset");
_Static_assert(STRTAB_STE_0_V == 1, "STE.V");
int main(void) { return 0; }
C
"$cc" -std=c11 -Wall -Wextra -Werror -I"$inc" -c -o "$tmp/arch.o" \
	"$tmp/arch.c" || fail "<vsmmu/arch.h> alone"
echo "headers: ok"
