#!/usr/bin/env bash
# mkman.sh TOOL VERB VERSION: write the man page of `vsmmu VERB` (of
# `vsmmu` itself when VERB is empty) to standard output, made from the
# tool's own --help text, so the manual and --help cannot disagree.
#
# The help text's layout is kept: "usage:" lines become the SYNOPSIS, a
# line ending in ':' at the left margin ("options:", "Exit status:")
# starts a section, and everything else is set without refilling (.nf),
# so tables and option columns stay aligned.
set -euo pipefail
tool=$1
verb=$2
version=$3

if [ -n "$verb" ]; then
	page="vsmmu-$verb"
	help=$("$tool" "$verb" --help)
	what=$("$tool" --help | sed -n "s/^  $verb  *//p")
else
	page=vsmmu
	help=$("$tool" --help)
	what="a reference model of Arm SMMUv3 virtualization, on the command line"
fi
upper=$(echo "$page" | tr '[:lower:]' '[:upper:]')

# troff-escape one line: backslashes, and a leading . or ' (a request)
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

printf '.TH %s 1 "" "vsmmu %s" "vsmmu manual"\n' "$upper" "$version"
printf '.SH NAME\n%s \\- %s\n' "$page" "$(printf '%s' "$what" | esc)"
printf '%s\n' "$help" | awk -v page="$page" '
function esc(s) {
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.\047]/) s = "\\&" s
	return s
}
BEGIN { state = "start" }
state == "start" && /^usage: / {
	print ".SH SYNOPSIS"; print ".nf"
	sub(/^usage: /, ""); print esc($0); state = "usage"; next
}
state == "usage" && /^       / { sub(/^ +/, ""); print esc($0); next }
state == "usage" {
	print ".fi"; print ".SH DESCRIPTION"; print ".nf"; state = "body"
}
state == "start" { print ".SH DESCRIPTION"; print ".nf"; state = "body" }
state == "body" && /^[A-Za-z][A-Za-z ]*:$/ {
	t = toupper(substr($0, 1, length($0) - 1))
	print ".fi"; print ".SH " t; print ".nf"; next
}
state == "body" && /^[A-Z][a-z]+ [a-z]+:/ {
	# "Exit status: ..." opens its own section, its text following
	i = index($0, ":"); t = toupper(substr($0, 1, i - 1))
	rest = substr($0, i + 1); sub(/^ +/, "", rest)
	print ".fi"; print ".SH " t; print ".nf"
	if (rest != "") print esc(rest)
	next
}
state == "body" { print esc($0) }
END { if (state != "start") print ".fi" }
'
if [ -z "$verb" ]; then
	printf '.SH SEE ALSO\n'
	"$tool" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/.BR vsmmu-\1 (1)/p' |
		sed '$!s/$/,/'
fi
