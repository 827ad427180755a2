# vsmmu build.  Targets:
#   make            library (build/libvsmmu.a) and the tool (build/vsmmu)
#   make demo       build, then translate over an example memory image
#   make check      build and run every test (unit, end-to-end, tool)
#   make bench      build and run the benchmarks (BENCH_ARGS=--quick: smoke)
#   make fuzz       build the fuzz targets (libFuzzer with clang, else a
#                   standalone driver); make fuzz-smoke runs each briefly
#   make format-check   clang-format conformance
# Variables: CC=gcc|clang, WERROR=1, SAN=1 (ASan+UBSan), O=<build dir>.
# Every layer's sources are picked up by wildcard: lib/<layer>/*.c.

CC ?= gcc
O ?= build
SAN ?= 0
WERROR ?= 0

CSTD := -std=gnu11
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wvla
OPT ?= -O2
CFLAGS_BASE := $(CSTD) $(OPT) -g -pthread -Iinclude -Ilib $(WARN) \
	-D_GNU_SOURCE -fno-strict-aliasing
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDFLAGS_SAN := -fsanitize=address,undefined
endif
ALL_CFLAGS := $(CFLAGS_BASE) $(CFLAGS)
ALL_LDFLAGS := -pthread $(LDFLAGS_SAN) $(LDFLAGS)

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
HDRS := $(wildcard include/vsmmu/*.h lib/*/*.h tests/*.h)

LIB := $(O)/libvsmmu.a
TOOL := $(O)/vsmmu
TESTBIN := $(O)/tests/vsmmu-test

.PHONY: all check unit cli bench fuzz fuzz-smoke format format-check clean demo
all: $(LIB) $(TOOL)

$(O)/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(TOOL): $(TOOL_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(TOOL_OBJS) $(LIB) $(ALL_LDFLAGS)

$(TESTBIN): $(TEST_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJS) $(LIB) $(ALL_LDFLAGS)

check: $(TESTBIN) $(TOOL)
	@tests/run-all.sh $(TESTBIN) $(TOOL)

# The README's main job: build an example memory image with the tool and
# translate a set of transactions over it, one explained step by step.
demo: $(TOOL)
	@tests/demo.sh $(TOOL) $(O)

unit: $(TESTBIN)
	$(TESTBIN)

$(O)/bench/%: bench/%.c $(LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS)

BENCH_ARGS ?=
bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b $(BENCH_ARGS) || exit 1; done

# Fuzz targets: libFuzzer when CC is clang, else the standalone driver
# (fuzz/standalone.c) that replays files and random inputs.
ifneq ($(findstring clang,$(CC)),)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_MAIN :=
else
FUZZ_FLAGS := -fsanitize=address,undefined
FUZZ_MAIN := fuzz/standalone.c
endif
$(O)/fuzz/%: fuzz/%.c $(LIB_SRCS) $(HDRS) $(FUZZ_MAIN)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g -pthread -Iinclude -Ilib -D_GNU_SOURCE $(WARN) \
		$(FUZZ_FLAGS) -fno-sanitize-recover=all -o $@ $< $(FUZZ_MAIN) \
		$(LIB_SRCS) -pthread

fuzz: $(FUZZ_BINS)

FUZZ_SECONDS ?= 20
fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz-smoke.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "format: ok"

clean:
	rm -rf build build-*
