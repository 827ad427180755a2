#!/usr/bin/env bash
# Docs that stay true: every relative link in README.md, CHANGELOG.md and
# docs/*.md names a file of the repository; no document points outside it
# (docs/cmdqv.md and docs/driver.md used to cite ../shared paths); the
# README's tree names every folder under lib/ and at the top, its layer
# table every lib/ folder, and its synopsis every verb the tool has.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

bad=0
for md in README.md CHANGELOG.md docs/*.md; do
	dir=$(dirname "$md")
	# [text](target) links, and ![alt](image)
	while IFS= read -r target; do
		case $target in
		http://* | https://* | mailto:* | \#*) continue ;;
		esac
		path=${target%%#*}
		[ -e "$dir/$path" ] || {
			echo "$md: link to missing $target"
			bad=1
		}
	done < <(grep -o '\](\([^)]*\))' "$md" | sed 's/^](\(.*\))$/\1/')
	if grep -n '/work/\|\.\./shared\|shared/reference' "$md"; then
		echo "$md: a reference outside the repository"
		bad=1
	fi
done
[ "$bad" -eq 0 ] || fail "documents"

tree=$(sed -n '/^## Tree/,/^## /p' README.md)
for d in lib/*/ include tools tests examples fuzz bench docs; do
	d=${d%/}
	grep -q "^$d/" <<<"$tree" || fail "README tree lacks $d/"
done
for d in tests/cli tests/pkg tests/data; do
	grep -q "$d/" <<<"$tree" || fail "README tree lacks $d/"
done
layers=$(sed -n '/^| layer /,/^$/p' README.md)
for d in lib/*/; do
	grep -q "\`$d" <<<"$layers" || fail "README layer table lacks $d"
done
synopsis=$(sed -n '/^## The `vsmmu` tool/,/^\*\*demo\*\*/p' README.md)
for verb in $("$VSMMU" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p'); do
	grep -q "^vsmmu $verb " <<<"$synopsis" || fail "README synopsis lacks $verb"
done
echo "docs: ok"
