# flametop — plain GNU make, out-of-tree build.
#   make            build build/flametop
#   make check      unit tests (cmocka) then integration tests (pytest)
#   make check-loaded  the same while every core is kept busy by another process
#   make demo       run flametop on the bundled demo workload
#   make deps       install every Debian package the build and tests need
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS (default 60)
#   SANITIZE=1      ASan + UBSan build (in build/san/)      V=1  full commands

CC       ?= cc
NPROC    := $(shell nproc 2>/dev/null || echo 2)
IT_JOBS  ?= $(NPROC)
VERSION  := 0.1.0
PREFIX   ?= /usr/local
PYTHON   := /usr/bin/python3

ifeq ($(FUZZ),1)
# libFuzzer: the library built by clang with coverage for the fuzzer, ASan and UBSan.
CC       := clang
BUILD    := build/fuzz
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),1)
BUILD    := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    := build
SANFLAGS :=
endif

# Debian packages: build libraries, test tools, reference tools.
DEB_BUILD := gcc make pkg-config libncurses-dev libdw-dev libelf-dev libunwind-dev \
             libyaml-dev libpfm4-dev zlib1g-dev g++ libprotobuf-c-dev protobuf-c-compiler \
             libdebuginfod-dev libcurl4-openssl-dev libcapstone-dev
DEB_TEST  := libcmocka-dev python3-pytest python3-pytest-xdist python3-yaml tmux linux-perf clang golang-go \
             libclang-rt-14-dev valgrind time debuginfod clang-format nodejs
DEB_ALL   := $(DEB_BUILD) $(DEB_TEST)

# pkg-config module -> Debian package, for the probe's install hint.
PKGS := ncursesw:libncurses-dev libdw:libdw-dev libunwind:libunwind-dev yaml-0.1:libyaml-dev \
        libprotobuf-c:libprotobuf-c-dev zlib:zlib1g-dev libdebuginfod:libdebuginfod-dev \
        libcurl:libcurl4-openssl-dev capstone:libcapstone-dev
missing_pc  = $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(word 1,$(subst :, ,$(p))) && echo y),,$(word 2,$(subst :, ,$(p)))))
missing_pfm = $(if $(wildcard /usr/include/perfmon/pfmlib_perf_event.h),,libpfm4-dev) \
              $(if $(shell command -v protoc-c),,protobuf-c-compiler)

LIBS_PC  := libdw yaml-0.1 ncursesw libprotobuf-c zlib libdebuginfod libcurl capstone
PC_CFLAGS = $(shell pkg-config --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   = $(shell pkg-config --libs $(LIBS_PC) 2>/dev/null)

# CFLAGS, LDFLAGS and LDLIBS are the user's (make CFLAGS=-O0 keeps the
# project's own flags below); FT_* are the project's, always applied.
CFLAGS  ?= -O2 -g
FT_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wvla -Wno-unused-parameter \
             -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
             -Iinclude -I$(BUILD)/gen -DFLAMETOP_VERSION=\"$(VERSION)\" $(SANFLAGS) $(PC_CFLAGS) \
             -MMD -MP
FT_LDFLAGS := $(SANFLAGS)
FT_LDLIBS  := $(PC_LIBS) -lpfm -lunwind-x86_64 -lunwind -lstdc++ -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

COUNTERS := $(wildcard counters/*.c)
CORE     := $(wildcard core/*.c core/*/*.c)
TUI      := $(filter-out tui/main.c,$(wildcard tui/*.c))
LIB_SRC  := $(COUNTERS) $(CORE) $(TUI)
# pprof's message code, generated from core/export/pprof/profile.proto by protoc-c.
PB_SRC   := $(BUILD)/gen/profile.pb-c.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/profile.pb-c.o
MAIN_OBJ := $(BUILD)/tui/main.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Workloads with known truth: built with frame pointers, leaf frames included.
# clang, because gcc 12 ignores -mno-omit-leaf-frame-pointer.
WL_CC    := clang
WL_FP    := -O2 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
WL_SRC   := $(wildcard tests/workloads/*.c)
WL_BIN   := $(WL_SRC:tests/workloads/%.c=$(BUILD)/workloads/%) \
            $(patsubst tests/workloads/%.cc,$(BUILD)/workloads/%,$(wildcard tests/workloads/*.cc))
# The same split built as distributions build code: without frame pointers
# (DWARF's test), and gcc's frame pointers with frameless leaves (fp's leaf fix).
WL_BIN   += $(BUILD)/workloads/split-nofp $(BUILD)/workloads/split-gccfp \
            $(BUILD)/workloads/recurse-nofp
# The NVML test double, loaded by the GPU tests in place of the driver's.
NVML_DOUBLE := $(BUILD)/tests/doubles/libnvidia-ml.so.1
BENCH_BIN := $(BUILD)/bench/fixedwork $(BUILD)/bench/switchy
TOOL_BIN  := $(BUILD)/bench/unwind_bench $(BUILD)/bench/redraw_bench

.PHONY: all demo check check-loaded unit integration integration-parallel integration-serial bench deps need-deps probe clean install format format-check \
        fuzz fuzz-build fuzz-run fuzz-smoke

all: probe $(BUILD)/flametop $(WL_BIN) $(TOOL_BIN) $(NVML_DOUBLE)

probe:
	@m="$(strip $(missing_pc) $(missing_pfm))"; if [ -n "$$m" ]; then \
	  echo "flametop: missing build dependencies; install with: apt-get install -y $$m (or: make deps)" >&2; exit 1; fi

$(BUILD)/flametop: $(MAIN_OBJ) $(BUILD)/libflametop.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) $(FT_LDFLAGS) -o $@ $^ $(LDLIBS) $(FT_LDLIBS)

$(BUILD)/libflametop.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/gen/profile.pb-c.c $(BUILD)/gen/profile.pb-c.h: core/export/pprof/profile.proto
	@mkdir -p $(BUILD)/gen
	@echo "  PROTOC  $<"
	$(Q)protoc-c --c_out=$(BUILD)/gen --proto_path=core/export/pprof $<

$(BUILD)/gen/profile.pb-c.o: $(BUILD)/gen/profile.pb-c.c
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(FT_CFLAGS) -c -o $@ $<

$(BUILD)/core/export/export_pprof.o $(BUILD)/core/export/saved_pprof.o: $(BUILD)/gen/profile.pb-c.h

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(FT_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libflametop.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(FT_CFLAGS) -DFIXTURES=\"$(CURDIR)/tests/fixtures\" $(shell pkg-config --cflags cmocka) -o $@ $< $(BUILD)/libflametop.a \
	    $(LDFLAGS) $(FT_LDFLAGS) $(shell pkg-config --libs cmocka) $(LDLIBS) $(FT_LDLIBS)

$(NVML_DOUBLE): tests/doubles/nvml.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (NVML test double)"
	$(Q)$(CC) -O2 -g -shared -fPIC -Wall -Wextra -Werror -Wl,-soname,libnvidia-ml.so.1 -o $@ $<

$(BUILD)/tests/test_gpu: $(NVML_DOUBLE)
# The report's test profiles the split workload, built beside it.
$(BUILD)/tests/test_report: | $(BUILD)/workloads/split
$(BUILD)/tests/test_gpu: FT_CFLAGS += -DNVML_DOUBLE_DIR=\"$(CURDIR)/$(BUILD)/tests/doubles\"

$(BUILD)/bench/unwind_bench $(BUILD)/bench/redraw_bench: $(BUILD)/bench/%: bench/%.c $(BUILD)/libflametop.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(FT_CFLAGS) -o $@ $< $(BUILD)/libflametop.a $(LDFLAGS) $(FT_LDFLAGS) $(LDLIBS) $(FT_LDLIBS)

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(WL_CC) $(WL_FP) -Wall -Wextra -Werror -o $@ $<

$(BUILD)/workloads/split-nofp: tests/workloads/split.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (no frame pointers)"
	$(Q)gcc -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror -o $@ $<

$(BUILD)/workloads/recurse-nofp: tests/workloads/recurse.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (no frame pointers)"
	$(Q)gcc -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror -o $@ $<

$(BUILD)/workloads/split-gccfp: tests/workloads/split.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (gcc frame pointers, frameless leaves)"
	$(Q)gcc -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -o $@ $<

$(BUILD)/workloads/%: tests/workloads/%.cc
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	$(Q)clang++ $(WL_FP) -Wall -Wextra -Werror -o $@ $<

$(BUILD)/workloads/%: tests/workloads/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(WL_CC) $(WL_FP) -D_GNU_SOURCE -Wall -Wextra -Werror -o $@ $< -lpthread

# Installs only what is missing: apt-get update once, then apt-get install -y.
deps:
	@m=""; for p in $(DEB_ALL); do dpkg -s $$p >/dev/null 2>&1 || m="$$m $$p"; done; \
	if [ -z "$$m" ]; then echo "deps: all packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: missing:$$m; run as root: apt-get install -y$$m" >&2; exit 1; fi; \
	echo "deps: installing$$m"; \
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$m >/dev/null

need-deps:
	@for p in $(DEB_ALL); do dpkg -s $$p >/dev/null 2>&1 || { $(MAKE) --no-print-directory deps; exit $$?; }; done

# make check: the unit and integration suites, then the unit suite again
# under ASan + UBSan, then every fuzzer's smoke run. (make check SANITIZE=1
# runs the integration suite under the sanitizers too.) Nothing is built
# beside the tests: a compile at nice 19 still took the CPU the parallel
# tests use, and made them slower and load-bound.
check: need-deps
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory -j$(NPROC) all $(UNIT_BIN)
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
ifneq ($(SANITIZE),1)
	@mkdir -p build; $(MAKE) --no-print-directory -j$(NPROC) SANITIZE=1 unit >build/unit-sanitized.log 2>&1; \
	  rc=$$?; echo "under ASan + UBSan, $$(tail -1 build/unit-sanitized.log)"; \
	  [ $$rc -eq 0 ] || { grep -B2 -A20 "FAILED\|ERROR" build/unit-sanitized.log | head -60; exit $$rc; }
endif
	@$(MAKE) --no-print-directory -j$(NPROC) fuzz-smoke

# The same suite with every core kept busy by another process: what CI sees
# on a shared machine. Nothing in it may depend on a quiet machine.
check-loaded:
	@MAKE="$(MAKE)" ./tests/loaded.sh $(if $(filter 1,$(SANITIZE)),SANITIZE=1)

# Fuzzing (libFuzzer, clang): one target per parser of outside input, seeds
# in tests/fuzz/corpus/NAME. `make fuzz` runs each for FUZZ_SECONDS (new
# inputs kept in build/fuzz/corpus/NAME); `make check` runs a smoke pass:
# every seed, then FUZZ_SMOKE_RUNS mutations each. A crash leaves its input
# in build/fuzz/ (crash-*): add it to the seeds, it is then a regression test.
FUZZ_SECONDS    ?= 60
FUZZ_SMOKE_RUNS ?= 3000
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   := $(FUZZ_NAMES:%=build/fuzz/fuzzers/fuzz_%)

fuzz-build:
	@$(MAKE) --no-print-directory FUZZ=1 $(FUZZ_BIN)

fuzz: need-deps fuzz-build
	@for n in $(FUZZ_NAMES); do mkdir -p build/fuzz/corpus/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	  (cd build/fuzz && ./fuzzers/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	     corpus/$$n $(CURDIR)/tests/fuzz/corpus/$$n >fuzz_$$n.log 2>&1); rc=$$?; \
	  grep -E "new_units_added|peak_rss" build/fuzz/fuzz_$$n.log; \
	  [ $$rc -eq 0 ] || { echo "fuzz: $$n crashed (build/fuzz/fuzz_$$n.log, build/fuzz/crash-*)"; \
	    tail -40 build/fuzz/fuzz_$$n.log; exit 1; }; done

# (New inputs go to the first corpus directory named: a scratch one, so the
# seeds in the tree stay as they are.)
fuzz-smoke: fuzz-build
	@for n in $(FUZZ_NAMES); do rm -rf build/fuzz/smoke/$$n; mkdir -p build/fuzz/smoke/$$n; \
	  (cd build/fuzz && ./fuzzers/fuzz_$$n -runs=$(FUZZ_SMOKE_RUNS) -seed=1 \
	     smoke/$$n $(CURDIR)/tests/fuzz/corpus/$$n >fuzz_$$n.log 2>&1) \
	  || { echo "fuzz-smoke: $$n failed (build/fuzz/fuzz_$$n.log)"; tail -30 build/fuzz/fuzz_$$n.log; exit 1; }; \
	done; echo "fuzz-smoke: $(words $(FUZZ_NAMES)) targets, seeds + $(FUZZ_SMOKE_RUNS) runs each, no crash"

build/fuzz/fuzzers/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/libflametop.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $<"
	$(Q)$(CC) $(CFLAGS) $(FT_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libflametop.a $(LDFLAGS) $(FT_LDFLAGS) $(LDLIBS) $(FT_LDLIBS)

# Each suite prints cmocka's report; the closing line adds up the tests.
unit: $(UNIT_BIN)
	@pass=0; fail=0; bad=0; for t in $(UNIT_BIN); do \
	  out=$$($$t 2>&1); rc=$$?; echo "$$out"; \
	  p=$$(echo "$$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p'); \
	  f=$$(echo "$$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p'); \
	  pass=$$((pass + $${p:-0})); fail=$$((fail + $${f:-0})); \
	  if [ $$rc -ne 0 ]; then bad=$$((bad+1)); [ -n "$$f" ] || fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "unit: $$pass passed, $$fail failed"; [ $$bad -eq 0 ]

# Two passes: the tests that neither time the machine nor change it, IT_JOBS
# at a time (pytest-xdist); then those marked serial (conftest.py says
# which kind), one at a time. Both run whatever the first gave.
integration: all
	@$(MAKE) --no-print-directory integration-parallel; a=$$?; \
	  $(MAKE) --no-print-directory integration-serial; b=$$?; [ $$a -eq 0 ] && [ $$b -eq 0 ]

integration-parallel: all
	@FLAMETOP_BUILD=$(BUILD) $(PYTHON) -m pytest -q -n $(IT_JOBS) -m "not serial" --durations=15 \
	    tests/integration

integration-serial: all
	@echo "integration, one at a time (marked serial):"
	@FLAMETOP_BUILD=$(BUILD) $(PYTHON) -m pytest -q -m serial --durations=5 tests/integration

demo: need-deps
	@$(MAKE) --no-print-directory all
	@./tests/demo.sh $(BUILD)

# BENCH=full for the figures in docs/benchmarks.md. Not a test: no thresholds.
bench: all $(BENCH_BIN)
	@./bench/run.sh $(BUILD)

install: all
	install -D -m 755 $(BUILD)/flametop $(DESTDIR)$(PREFIX)/bin/flametop
	install -D -m 644 docs/flametop.1 $(DESTDIR)$(PREFIX)/share/man/man1/flametop.1

# Generated files are left as their generator writes them (a test compares).
FORMATTED := $(filter-out core/symbols/pyoffsets.c,$(wildcard */*.c core/*/*.c include/*.h tests/*/*.c))

format:
	clang-format -i $(FORMATTED)

# Part of make check: a file clang-format would change fails it (make format fixes it).
format-check:
	@bad=$$(for f in $(FORMATTED); do clang-format "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	  if [ -n "$$bad" ]; then echo "format: not as make format leaves it:" $$bad >&2; exit 1; fi; \
	  echo "format: $(words $(FORMATTED)) files as make format leaves them"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
