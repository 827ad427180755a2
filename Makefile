# vsmmu build.  Targets:
#   make            the static and shared libraries and the tool (build/)
#   make demo       build, then translate over an example memory image
#   make check      build and run every test: unit, end-to-end, the tool,
#                   and the installed library (headers, pkg-config, shared
#                   library exports, examples/ built against an install in
#                   a temporary directory)
#   make install    PREFIX=/usr/local (default) DESTDIR= (staging root):
#                   bin/vsmmu, lib/libvsmmu.{a,so*}, lib/pkgconfig/vsmmu.pc,
#                   include/vsmmu/*.h, share/man/man1/vsmmu*.1
#   make uninstall  the same files, removed
#   make bench      build and run the benchmarks (BENCH_ARGS=--quick: smoke;
#                   BENCH_JSON=FILE: all results as one JSON document)
#   make plots      BENCH_JSON=FILE (default build/bench.json) -> SVG charts
#                   in docs/img/ (installs Debian's gnuplot if it is missing)
#   make fuzz       build the fuzz targets (libFuzzer with clang, else a
#                   standalone driver); make fuzz-smoke runs each briefly
#   make man        the man pages (build/man/), generated from --help
#   make format-check   clang-format conformance
# Variables: CC=gcc|clang, WERROR=1, SAN=1 (ASan+UBSan), O=<build dir>,
# CFLAGS, LDFLAGS.  The compiler, its version and every flag are recorded
# in $(O)/.build-flags: when any of them changes, everything is rebuilt, so
# `make SAN=1 check` after `make check` runs instrumented code.
# Every layer's sources are picked up by wildcard: lib/<layer>/*.c.

CC ?= gcc
O ?= build
SAN ?= 0
WERROR ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# The version has one source: include/vsmmu/version.h.
version_part = $(shell sed -n 's/^\#define VSMMU_VERSION_$(1) \([0-9]*\)$$/\1/p' include/vsmmu/version.h)
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION_MINOR := $(call version_part,MINOR)
VERSION_PATCH := $(call version_part,PATCH)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

CSTD := -std=gnu11
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wvla
OPT ?= -O2
CFLAGS_BASE := $(CSTD) $(OPT) -g -pthread -Iinclude -Ilib $(WARN) \
	-D_GNU_SOURCE -fno-strict-aliasing
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
SAN_CFLAGS :=
SAN_LDFLAGS :=
ifeq ($(SAN),1)
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
endif
ALL_CFLAGS := $(CFLAGS_BASE) $(SAN_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := -pthread $(SAN_LDFLAGS) $(LDFLAGS)
# Library objects serve the static and the shared library alike:
# position-independent, every symbol hidden unless its prototype carries
# VSMMU_API (include/vsmmu/export.h); calls inside the library bind
# directly, as they would in a static link.
LIB_CFLAGS := -fPIC -fvisibility=hidden -fno-semantic-interposition

LIB_SRCS := $(sort $(wildcard lib/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
TOOL_SRCS := $(sort $(wildcard tools/vsmmu/*.c))
TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/%.o)
TEST_SRCS := $(sort $(wildcard tests/*.c))
TEST_OBJS := $(TEST_SRCS:%.c=$(O)/%.o)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(O)/fuzz/%)
PUBLIC_HDRS := $(sort $(wildcard include/vsmmu/*.h))
HDRS := $(PUBLIC_HDRS) $(wildcard lib/*/*.h tests/*.h tools/vsmmu/*.h \
	bench/*.h)

LIB := $(O)/libvsmmu.a
SONAME := libvsmmu.so.$(VERSION_MAJOR)
SO := $(O)/libvsmmu.so.$(VERSION)
TOOL := $(O)/vsmmu
TESTBIN := $(O)/tests/vsmmu-test
FLAGS_FILE := $(O)/.build-flags
MAN_PAGES := $(addprefix $(O)/man/,vsmmu.1 vsmmu-decode.1 \
	vsmmu-translate.1 vsmmu-mkimage.1 vsmmu-demo.1 vsmmu-vm.1)

.PHONY: all check unit cli bench plots fuzz fuzz-smoke format format-check \
	clean demo install uninstall man shared static FORCE
all: $(LIB) $(SO) $(TOOL)
static: $(LIB)
shared: $(SO)

# Record what the objects are built with; rewritten only when it changes,
# so its date is the date of the last change of compiler or flags.
BUILD_FLAGS := $(CC) $(shell $(CC) -dumpfullversion -dumpversion 2>/dev/null \
	| head -n 1) | $(ALL_CFLAGS) | $(LIB_CFLAGS) | $(ALL_LDFLAGS)
$(FLAGS_FILE): FORCE
	@mkdir -p $(@D)
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@

$(O)/lib/%.o: lib/%.c $(HDRS) Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -c $< -o $@

$(O)/%.o: %.c $(HDRS) Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The static library: one relocatable object in which only the VSMMU_API
# symbols stay global (--localize-hidden), so an embedder's own hw_* or
# mem_* functions never meet ours.  The tests link the objects themselves
# and may reach internal functions.
$(O)/libvsmmu.o: $(LIB_OBJS)
	$(LD) -r -o $@ $^
	objcopy --localize-hidden $@

$(LIB): $(O)/libvsmmu.o
	@rm -f $@
	ar rcs $@ $^

# The shared library exports the VSMMU_API symbols and nothing else.
SO_LDFLAGS := -shared -Wl,-soname,$(SONAME) -Wl,-z,relro -Wl,-z,now
ifeq ($(SAN),0)
SO_LDFLAGS += -Wl,--no-undefined
endif
$(SO): $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(SO_LDFLAGS) -o $@ $^ $(ALL_LDFLAGS)
	ln -sf $(notdir $@) $(O)/$(SONAME)
	ln -sf $(SONAME) $(O)/libvsmmu.so

$(TOOL): $(TOOL_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(TOOL_OBJS) $(LIB) $(ALL_LDFLAGS)

$(TESTBIN): $(TEST_OBJS) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJS) $(LIB_OBJS) $(ALL_LDFLAGS)

# make check: the unit binary, the tool's tests, then an install into a
# temporary directory that examples/, a C++ translation unit and the
# export checks are built against (tests/pkg/).
check: all $(TESTBIN) man
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT INT TERM && \
	$(MAKE) -s --no-print-directory install DESTDIR= \
		PREFIX="$$tmp/prefix" >/dev/null && \
	$(MAKE) -s --no-print-directory install DESTDIR="$$tmp/stage" \
		PREFIX=/usr >/dev/null && \
	cp -a "$$tmp/stage" "$$tmp/unstage" && \
	$(MAKE) -s --no-print-directory uninstall DESTDIR="$$tmp/unstage" \
		PREFIX=/usr >/dev/null && \
	VSMMU_STAGE="$$tmp/stage" VSMMU_UNSTAGE="$$tmp/unstage" \
	VSMMU_EXPECT_SAN=$(SAN) VSMMU_PREFIX="$$tmp/prefix" \
	VSMMU_BUILD="$(O)" VSMMU_CC="$(CC)" \
	VSMMU_SAN_CFLAGS="$(SAN_CFLAGS)" VSMMU_SAN_LDFLAGS="$(SAN_LDFLAGS)" \
	VSMMU_VERSION="$(VERSION)" \
		tests/run-all.sh $(TESTBIN) $(TOOL)

# The README's main job: build an example memory image with the tool and
# translate a set of transactions over it, one explained step by step.
demo: $(TOOL)
	@tests/demo.sh $(TOOL) $(O)

unit: $(TESTBIN)
	$(TESTBIN)

# --- Man pages: one per verb, made from the tool's own --help -------------
man: $(MAN_PAGES)
$(O)/man/vsmmu.1: $(TOOL) tools/vsmmu/mkman.sh
	@mkdir -p $(@D)
	tools/vsmmu/mkman.sh $(TOOL) '' $(VERSION) >$@
$(O)/man/vsmmu-%.1: $(TOOL) tools/vsmmu/mkman.sh
	@mkdir -p $(@D)
	tools/vsmmu/mkman.sh $(TOOL) $* $(VERSION) >$@

# --- Install -----------------------------------------------------------------
$(O)/vsmmu.pc: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' \
		'includedir=$(INCLUDEDIR)' '' 'Name: vsmmu' \
		'Description: Arm SMMUv3 virtualization reference model' \
		'URL: https://github.com/vsmmu/vsmmu' \
		'Version: $(VERSION)' 'Libs: -L$${libdir} -lvsmmu' \
		'Libs.private: -pthread' 'Cflags: -I$${includedir}' >$@

install: all man $(O)/vsmmu.pc
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(LIBDIR)' \
		'$(DESTDIR)$(PKGCONFIGDIR)' '$(DESTDIR)$(INCLUDEDIR)/vsmmu' \
		'$(DESTDIR)$(MANDIR)/man1'
	install -m 755 $(TOOL) '$(DESTDIR)$(BINDIR)/vsmmu'
	install -m 644 $(LIB) '$(DESTDIR)$(LIBDIR)/libvsmmu.a'
	install -m 755 $(SO) '$(DESTDIR)$(LIBDIR)/'
	ln -sf $(notdir $(SO)) '$(DESTDIR)$(LIBDIR)/$(SONAME)'
	ln -sf $(SONAME) '$(DESTDIR)$(LIBDIR)/libvsmmu.so'
	install -m 644 $(O)/vsmmu.pc '$(DESTDIR)$(PKGCONFIGDIR)/vsmmu.pc'
	install -m 644 $(PUBLIC_HDRS) '$(DESTDIR)$(INCLUDEDIR)/vsmmu/'
	install -m 644 $(MAN_PAGES) '$(DESTDIR)$(MANDIR)/man1/'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/vsmmu' '$(DESTDIR)$(LIBDIR)/libvsmmu.a' \
		'$(DESTDIR)$(LIBDIR)/libvsmmu.so' \
		'$(DESTDIR)$(LIBDIR)/$(SONAME)' \
		'$(DESTDIR)$(LIBDIR)/$(notdir $(SO))' \
		'$(DESTDIR)$(PKGCONFIGDIR)/vsmmu.pc' \
		$(addprefix '$(DESTDIR)$(MANDIR)/man1/,$(addsuffix ',$(notdir $(MAN_PAGES))))
	rm -rf '$(DESTDIR)$(INCLUDEDIR)/vsmmu'

# --- Benchmarks -----------------------------------------------------------
$(O)/bench/%: bench/%.c $(LIB) $(HDRS) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS)

# BENCH_JSON=FILE: each benchmark writes its JSON document next to FILE,
# and FILE gets one document holding them all ({"benchmarks": [...]}).
BENCH_ARGS ?=
BENCH_JSON ?=
bench: $(BENCH_BINS)
	@set -e; parts=; \
	for b in $(BENCH_BINS); do \
		if [ -n "$(BENCH_JSON)" ]; then \
			echo "== $$b (JSON -> $(BENCH_JSON))" >&2; \
			$$b $(BENCH_ARGS) --json-out "$(BENCH_JSON).$$(basename $$b)"; \
			parts="$$parts $(BENCH_JSON).$$(basename $$b)"; \
		else \
			echo "== $$b"; $$b $(BENCH_ARGS); \
		fi; \
	done; \
	if [ -n "$(BENCH_JSON)" ]; then \
		bench/merge-json.sh $$parts >"$(BENCH_JSON)"; rm -f $$parts; \
		echo "wrote $(BENCH_JSON)" >&2; \
	fi

PLOT_JSON ?= $(if $(BENCH_JSON),$(BENCH_JSON),$(O)/bench.json)
plots:
	@command -v gnuplot >/dev/null 2>&1 || { \
		echo "== installing gnuplot (Debian package gnuplot-nox)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq gnuplot-nox >/dev/null; }
	@[ -s "$(PLOT_JSON)" ] || $(MAKE) --no-print-directory bench \
		BENCH_JSON="$(PLOT_JSON)"
	bench/plots.sh "$(PLOT_JSON)" docs/img

# Fuzz targets: libFuzzer when CC is clang, else the standalone driver
# (fuzz/standalone.c) that replays files and random inputs.
ifneq ($(findstring clang,$(CC)),)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_MAIN :=
else
FUZZ_FLAGS := -fsanitize=address,undefined
FUZZ_MAIN := fuzz/standalone.c
endif
$(O)/fuzz/%: fuzz/%.c $(LIB_SRCS) $(TOOL_SRCS) $(HDRS) $(FUZZ_MAIN) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g -pthread -Iinclude -Ilib -D_GNU_SOURCE $(WARN) \
		$(FUZZ_FLAGS) -fno-sanitize-recover=all -o $@ $< $(FUZZ_MAIN) \
		$(LIB_SRCS) -pthread

fuzz: $(FUZZ_BINS)

FUZZ_SECONDS ?= 20
fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz-smoke.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' '*.cc' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "format: ok"

clean:
	rm -rf build build-*
