#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What the public headers declare, read from the headers themselves.

    headers.py CC INCDIR decls HEADER...   -> "func NAME HEADER" and
                                              "data NAME HEADER" lines
    headers.py CC INCDIR names HEADER...   -> "KIND NAME HEADER" for every
                                              global name: func, data,
                                              inline, typedef, tag,
                                              enumerator, macro
    headers.py CC INCDIR umbrella HEADER   -> the same for everything an
                                              includer of HEADER gets

Each header is run through the C preprocessor on its own (so a header
added later is covered without touching the tests), and only the text
that comes from that header is kept (by the preprocessor's line markers).
The declarations are then split at top-level semicolons; a statement is a
function prototype when its first top-level parenthesis follows an
identifier, an object when it is an `extern` without one.  Macros come
from `-dM`, minus those the header's own #includes already define.
"""
import os
import re
import subprocess
import sys

IDENT = re.compile(r"[A-Za-z_]\w*")


def preprocess(cc, incdir, header, extra=()):
    src = "#include <vsmmu/%s>\n" % os.path.basename(header)
    out = subprocess.run(
        cc.split() + ["-E", "-std=gnu11", "-I", incdir, *extra, "-x", "c", "-"],
        input=src, capture_output=True, text=True, check=True).stdout
    return out


def own_text(cpp_out, header):
    """The lines of @cpp_out that came from @header itself (from any
    vsmmu header when @header is None)."""
    keep, mine = [], False
    base = header and os.path.basename(header)
    for line in cpp_out.splitlines():
        m = re.match(r'# \d+ "([^"]*)"', line)
        if m:
            path = m.group(1)
            mine = "/vsmmu/" in path and \
                (not base or os.path.basename(path) == base)
            continue
        if mine:
            keep.append(line)
    return "\n".join(keep)


def strip_attributes(s):
    """Remove __attribute__((...)) groups (VSMMU_API expands to one)."""
    while True:
        i = s.find("__attribute__")
        if i < 0:
            return s
        j = s.find("(", i)
        depth = 0
        k = j
        while k < len(s):
            if s[k] == "(":
                depth += 1
            elif s[k] == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        s = s[:i] + " " + s[k + 1:]


def statements(text):
    """Split at top-level ';' (and after a top-level function body)."""
    out, cur, depth = [], [], 0
    for ch in text:
        cur.append(ch)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                head = "".join(cur).split("{", 1)[0].rstrip()
                if head.endswith(")"):  # an inline function's body
                    out.append("".join(cur))
                    cur = []
        elif ch == ";" and depth == 0:
            out.append("".join(cur))
            cur = []
    return [" ".join(s.split()) for s in out if s.strip()]


def first_call_name(s):
    """The identifier before the first top-level '(' (not '(*')."""
    depth = 0
    for i, ch in enumerate(s):
        if ch == "(" and depth == 0:
            before = s[:i].rstrip()
            m = re.search(r"([A-Za-z_]\w*)$", before)
            if m and not s[i + 1:].lstrip().startswith("*"):
                return m.group(1)
            return None
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
    return None


def scan(text):
    names = []  # (kind, name)
    for st in statements(strip_attributes(text)):
        for m in re.finditer(r"\b(struct|union|enum)\s+([A-Za-z_]\w*)", st):
            names.append(("tag", m.group(2)))
        for m in re.finditer(r"\benum\s*(?:[A-Za-z_]\w*\s*)?\{([^}]*)\}", st):
            for item in m.group(1).split(","):
                im = IDENT.match(item.strip())
                if im:
                    names.append(("enumerator", im.group(0)))
        if re.match(r"(_Static_assert|static_assert)\b", st):
            continue  # a compile-time check, not a declaration
        if st.startswith("typedef"):
            body = re.sub(r"\{.*\}", "{}", st)
            fn = first_call_name(body[len("typedef"):])
            if fn:
                names.append(("typedef", fn))
            else:
                m = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*;$", body)
                if m:
                    names.append(("typedef", m.group(1)))
            continue
        if "{" in st and not st.split("{", 1)[0].rstrip().endswith(")"):
            continue  # a struct, union or enum definition
        fn = first_call_name(st.split("{", 1)[0])
        if fn:
            # a static (inline) function is the includer's, not ours
            names.append(("inline" if re.match(r"(static|inline)\b", st)
                          else "func", fn))
        elif st.startswith("extern"):
            m = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*;$", st)
            if m:
                names.append(("data", m.group(1)))
    return names


def system_includes(incdir):
    """Every non-vsmmu header any public header includes."""
    incs = set()
    d = os.path.join(incdir, "vsmmu")
    for name in os.listdir(d):
        with open(os.path.join(d, name)) as f:
            for line in f:
                m = re.match(r"\s*#\s*include\s*<([^>]*)>", line)
                if m and not m.group(1).startswith("vsmmu/"):
                    incs.add("#include <%s>\n" % m.group(1))
    return sorted(incs)


def macros(cc, incdir, header, transitive=False):
    def defined(src):
        out = subprocess.run(
            cc.split() + ["-E", "-dM", "-std=gnu11", "-I", incdir, "-x", "c",
                          "-"], input=src, capture_output=True, text=True,
            check=True).stdout
        return {l.split()[1].split("(")[0] for l in out.splitlines()
                if l.startswith("#define ")}
    base = os.path.basename(header)
    mine = defined("#include <vsmmu/%s>\n" % base)
    # what the header's own #includes bring, minus the vsmmu ones
    incs = []
    with open(header) as f:
        for line in f:
            m = re.match(r"\s*#\s*include\s*<([^>]*)>", line)
            if m and not m.group(1).startswith("vsmmu/"):
                incs.append("#include <%s>\n" % m.group(1))
    if transitive:
        incs = system_includes(incdir)
    theirs = defined("".join(incs))
    return sorted(mine - theirs)


def main():
    cc, incdir, mode, headers = sys.argv[1], sys.argv[2], sys.argv[3], \
        sys.argv[4:]
    for h in headers:
        base = os.path.basename(h)
        names = scan(own_text(preprocess(cc, incdir, h), h))
        if mode == "decls":
            for kind, name in names:
                if kind in ("func", "data"):
                    print(kind, name, base)
        elif mode == "names":
            seen = set()
            for kind, name in names:
                if (kind, name) not in seen:
                    seen.add((kind, name))
                    print(kind, name, base)
            for name in macros(cc, incdir, h):
                print("macro", name, base)
        elif mode == "umbrella":
            # every name an includer of @h gets, from any vsmmu header
            seen = set()
            for kind, name in scan(own_text(preprocess(cc, incdir, h),
                                            None)):
                if (kind, name) not in seen:
                    seen.add((kind, name))
                    print(kind, name, base)
            for name in macros(cc, incdir, h, transitive=True):
                print("macro", name, base)
        else:
            sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
