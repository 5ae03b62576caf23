# descent — build, test and benchmark.
#
#   make            configure (first time), build build/libdescent.a and build/descent
#   make test       build and run every test; ends with "N passed, M failed"
#   make test SANITIZE=1   the same with ASan+UBSan, in build/sanitize
#   make fuzz [FUZZ_TIME=60]   run the libFuzzer targets of fuzz/ (needs clang)
#   make bench      the benchmark suite (see bench/)
#   make install PREFIX=/usr/local
#   make clean
#
# configure writes build/config.mk (what was found) and build/config.h; it is
# run automatically when they are missing or older than configure.

BUILDDIR := build
.DEFAULT_GOAL := all

# make test SANITIZE=1: everything (library, CLI, tests, benchmark programs)
# built with ASan+UBSan into $(BUILDDIR)/sanitize, beside the normal build,
# from the normal build's configuration (the cross-compiled NEON part is
# left out), and the whole suite run on it (see tests/run.sh and
# tests/lsan.supp).
SANITIZE ?=
SANITIZE_PARENT := $(BUILDDIR)
ifeq ($(SANITIZE),1)
override BUILDDIR := $(SANITIZE_PARENT)/sanitize
endif
CONFIG_MK := $(BUILDDIR)/config.mk

# Run configure if its output is missing; make then restarts with it.
# (Not for `make clean`, which must work on a tree that was never built.)
ifeq ($(SANITIZE),1)
$(CONFIG_MK): $(SANITIZE_PARENT)/config.mk
	@mkdir -p $(@D)
	sed -e 's|^BUILDDIR := .*|BUILDDIR := $(BUILDDIR)|' -e 's|^HAVE_NEON_CROSS := .*|HAVE_NEON_CROSS := 0|' \
	    -e 's|^HAVE_MPI := .*|HAVE_MPI := 0|' $< >$@.tmp && \
	    cp $(SANITIZE_PARENT)/config.h $(BUILDDIR)/config.h && mv -f $@.tmp $@
$(SANITIZE_PARENT)/config.mk: configure
	./configure $(or $(CONFIGURE_FLAGS),$(CONFIGURE_ARGS))
else
$(CONFIG_MK): configure
	./configure $(or $(CONFIGURE_FLAGS),$(CONFIGURE_ARGS))
endif
ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
include $(CONFIG_MK)
endif

PREFIX ?= /usr/local
GOLDEN_DIR ?= ../shared/golden

# -ffp-contract=off: the compiler must not fuse a*b+c on its own.  The
# reference is the specification and must round every operation as written
# (and identically on x86 and aarch64); vector kernels ask for FMA explicitly
# where they want it.  -fno-math-errno lets sqrtf compile to an instruction.
WARN := -Wall -Wextra -Wpedantic
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g $(WARN) \
               -ffp-contract=off -fno-math-errno \
               -Iinclude -I$(BUILDDIR) $(OPENMP_CFLAGS) $(EXTRA_CFLAGS) \
               -DDESCENT_BUILD_AVX2=$(HAVE_AVX2) -DDESCENT_BUILD_AVX512=$(HAVE_AVX512)
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
LIBS := -lm $(SLEEF_LIBS) $(ZLIB_LIBS)
LDFLAGS_ALL = $(OPENMP_CFLAGS) $(LDFLAGS)
ifeq ($(SANITIZE),1)
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BASE_CFLAGS += $(SANITIZE_FLAGS)
LDFLAGS_ALL += $(SANITIZE_FLAGS)
endif

# ---------------------------------------------------------------- library
LIB := $(BUILDDIR)/libdescent.a
LIB_SRCS := $(wildcard src/*.c reference/*.c) \
            kernels/dispatch.c kernels/parallel.c kernels/mixed.c kernels/scalar.c \
            kernels/scalar_gemm.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILDDIR)/obj/%.o)

# Vector kernels: every source in a family folder (kernels/optim/, ...) is
# written once against kernels/vec/vec.h and compiled once per ISA, with that
# ISA's flags and DESCENT_VEC_ISA naming its layer.  -O3 for loop unswitching
# of the option branches.
VEC_SRCS := $(filter-out kernels/vec/%,$(wildcard kernels/*/*.c))
VEC_HDRS := $(wildcard kernels/vec/*.h kernels/*/*.h kernels/*.h include/*.h)
define vec_isa_rules # 1: isa name, 2: DESCENT_VEC_ISA number, 3: flags
$(1)_OBJS := $$(VEC_SRCS:%.c=$$(BUILDDIR)/obj/$(1)/%.o)
LIB_OBJS += $$($(1)_OBJS)
$$(BUILDDIR)/obj/$(1)/%.o: %.c $$(CONFIG_MK) $$(VEC_HDRS)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) -O3 $(3) -DDESCENT_VEC_ISA=$(2) -c $$< -o $$@
endef
ifeq ($(HAVE_AVX2),1)
$(eval $(call vec_isa_rules,avx2,1,$(AVX2_CFLAGS)))
endif
ifeq ($(HAVE_AVX512),1)
$(eval $(call vec_isa_rules,avx512,2,$(AVX512_CFLAGS)))
endif

# ---------------------------------------------------------------- CLI
CLI := $(BUILDDIR)/descent
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILDDIR)/obj/%.o)

# ---------------------------------------------------------------- MPI
# src/mpi/: descent_train's collectives over MPI (include/descent_mpi.h),
# a library of their own so that libdescent.a needs no MPI.  With MPI found,
# the CLI links it (cli/dist.c starts MPI under mpirun); without, cli/dist.c
# refuses to run under mpirun.  The sanitizer build leaves MPI out (Open
# MPI's own allocations at exit are not ours to suppress).
MPI_LIB := $(BUILDDIR)/libdescent_mpi.a
ifeq ($(HAVE_MPI),1)
CLI_MPI_LIBS := $(MPI_LIB) $(MPI_LIBS)
$(BUILDDIR)/obj/src/mpi/dist_mpi.o $(BUILDDIR)/obj/cli/dist.o: ALL_CFLAGS += $(MPI_CFLAGS)
$(BUILDDIR)/obj/cli/dist.o: ALL_CFLAGS += -DDESCENT_CLI_MPI=1
$(MPI_LIB): $(BUILDDIR)/obj/src/mpi/dist_mpi.o
	@rm -f $@
	$(AR) rcs $@ $^
$(CLI): $(MPI_LIB)
# tests/mpi/: test programs run under mpirun by tests/cli_mpi.sh.
MPI_TEST_BINS := $(patsubst tests/mpi/%.c,$(BUILDDIR)/tests/mpi/%,$(wildcard tests/mpi/test_*.c))
$(BUILDDIR)/tests/mpi/%: tests/mpi/%.c $(MPI_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -o $@ $< $(MPI_LIB) $(LIB) $(LDFLAGS_ALL) $(LIBS) $(MPI_LIBS)
test check: $(MPI_TEST_BINS)
endif

# ---------------------------------------------------------------- tests
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILDDIR)/tests/%)

.PHONY: all test check bench plots install uninstall clean distclean
all: $(LIB) $(CLI)

$(BUILDDIR)/obj/%.o: %.c $(CONFIG_MK) $(wildcard include/*.h src/*.h kernels/*.h kernels/*/*.h cli/*.h reference/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJS) $(CLI_MPI_LIBS) $(LIB) $(LIBS) -ldl

$(BUILDDIR)/tests/%: tests/%.c tests/check.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(LIB) $(LDFLAGS_ALL) $(LIBS)
# test_mlp_sgemm also runs the MLP on OpenBLAS's cblas_sgemm when configure found it.
$(BUILDDIR)/tests/test_mlp_sgemm: LIBS += $(if $(filter 1,$(HAVE_OPENBLAS)),$(OPENBLAS_LIBS))

# ---------------------------------------------------------------- benchmark harness
# bench/harness.h: a Google-Benchmark-compatible framework (same flags,
# console, JSON and CSV output).  Benchmark programs link BENCH_HARNESS_OBJS;
# harness_selftest is the program tests/cli_bench_harness.sh drives.
# It writes --benchmark_out through the library's output-file writer
# (src/outfile.c, with src/error.c for its messages), linked on its own so
# that the harness needs no kernels.
BENCH_HARNESS_SRCS := bench/harness.c bench/flags.c bench/stats.c bench/report.c \
                      bench/context.c src/outfile.c src/error.c src/clock.c src/median.c
BENCH_HARNESS_OBJS := $(BENCH_HARNESS_SRCS:%.c=$(BUILDDIR)/obj/%.o)
BENCH_SELFTEST := $(BUILDDIR)/bench/harness_selftest
$(BENCH_HARNESS_OBJS) $(BUILDDIR)/obj/bench/harness_selftest.o: bench/harness.h bench/harness_internal.h

$(BENCH_SELFTEST): $(BUILDDIR)/obj/bench/harness_selftest.o $(BENCH_HARNESS_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lm

# ---------------------------------------------------------------- NEON
# The library, the CLI and the tests cross-compiled for aarch64 (statically,
# so qemu-aarch64 runs them without an arm64 sysroot), with the NEON layer.
# tests/run.sh runs them under qemu when they were built.
A64 := $(BUILDDIR)/aarch64
A64_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g $(WARN) -ffp-contract=off \
             -fno-math-errno -Iinclude -I$(A64) $(AARCH64_OPENMP_CFLAGS) \
             -DDESCENT_BUILD_AVX2=0 -DDESCENT_BUILD_AVX512=0 -DDESCENT_BUILD_NEON=1
A64_LIBS = -lm $(if $(filter 1,$(AARCH64_HAVE_ZLIB)),-lz)
A64_LIB_OBJS := $(LIB_SRCS:%.c=$(A64)/obj/%.o) $(VEC_SRCS:%.c=$(A64)/obj/neon/%.o)
# SVE: the same sources once more with -march=armv8.2-a+sve (only these
# objects: the rest of the library runs on any aarch64), chosen at run time
# by HWCAP_SVE.
ifeq ($(AARCH64_HAVE_SVE),1)
A64_CFLAGS += -DDESCENT_BUILD_SVE=1
A64_LIB_OBJS += $(VEC_SRCS:%.c=$(A64)/obj/sve/%.o)
endif
# The tests that exercise kernels; the CLI and data tests need no second run.
A64_TESTS := $(patsubst tests/%.c,$(A64)/tests/%,$(filter \
               $(addprefix tests/,$(addsuffix .c,test_reference test_hparams test_agreement test_mlp \
                                                  test_registry test_lbfgs test_vec_math test_mlp_gemm_blocks test_mixed)),$(TEST_SRCS)))
# Lion, LAMB, segments and clipping kernels on NEON too.
A64_TESTS += $(patsubst tests/%.c,$(A64)/tests/%,$(filter tests/test_segments.c tests/test_clip.c,\
               $(TEST_SRCS)))
A64_ALL := $(if $(filter 1,$(HAVE_NEON_CROSS)),$(A64)/libdescent.a $(A64)/descent $(A64_TESTS))

# What configure found for the build machine does not hold for the target:
# Debian has no arm64 SLEEF or BLAS for it, zlib only if configure saw it.
$(A64)/config.h: $(CONFIG_MK)
	@mkdir -p $(@D)
	sed -e 's/\(DESCENT_HAVE_SLEEF\) .*/\1 0/' -e 's/\(DESCENT_HAVE_OPENBLAS\) .*/\1 0/' \
	    -e 's/\(DESCENT_HAVE_ZLIB\) .*/\1 $(if $(filter 1,$(AARCH64_HAVE_ZLIB)),1,0)/' \
	    -e 's/\(DESCENT_HAVE_OPENMP\) .*/\1 $(if $(AARCH64_OPENMP_CFLAGS),1,0)/' \
	    $(BUILDDIR)/config.h > $@
$(A64)/obj/neon/%.o: %.c $(A64)/config.h $(VEC_HDRS)
	@mkdir -p $(@D)
	$(AARCH64_CC) $(A64_CFLAGS) -O3 -DDESCENT_VEC_ISA=3 -c $< -o $@
$(A64)/obj/sve/%.o: %.c $(A64)/config.h $(VEC_HDRS)
	@mkdir -p $(@D)
	$(AARCH64_CC) $(A64_CFLAGS) -O3 -march=armv8.2-a+sve -DDESCENT_VEC_ISA=5 -c $< -o $@
$(A64)/obj/%.o: %.c $(A64)/config.h $(wildcard include/*.h src/*.h kernels/*.h cli/*.h reference/*.h)
	@mkdir -p $(@D)
	$(AARCH64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/libdescent.a: $(A64_LIB_OBJS)
	@rm -f $@
	$(AARCH64_CC:gcc=ar) rcs $@ $^
$(A64)/descent: $(CLI_SRCS:%.c=$(A64)/obj/%.o) $(A64)/libdescent.a
	$(AARCH64_CC) -static $(AARCH64_OPENMP_CFLAGS) -o $@ $^ $(A64_LIBS)
$(A64)/tests/%: tests/%.c tests/check.h $(A64)/libdescent.a
	@mkdir -p $(@D)
	$(AARCH64_CC) $(A64_CFLAGS) -Isrc -static -o $@ $< $(A64)/libdescent.a $(A64_LIBS)

# Every test program and script; tests/run.sh prints one line per check and
# the closing "N passed, M failed".
test check: all $(TEST_BINS) $(A64_ALL) $(BENCH_SELFTEST)
	@BUILDDIR=$(BUILDDIR) GOLDEN_DIR=$(GOLDEN_DIR) QEMU_AARCH64="$(QEMU_AARCH64)" \
	 HAVE_NEON_CROSS=$(HAVE_NEON_CROSS) SANITIZE=$(SANITIZE) VALGRIND="$(VALGRIND)" \
	 QEMU_SVE_LENGTHS=$(if $(filter 1,$(AARCH64_HAVE_SVE)),$(QEMU_SVE_LENGTHS),0) \
	 FUZZ_TARGETS="$(if $(FUZZ_CC),$(if $(filter 1,$(SANITIZE)),,$(FUZZ_TARGETS)))" sh tests/run.sh

# ---------------------------------------------------------------- example ports
# examples/port/: Adam ports built as shared objects the way a user builds
# one (make examples); tests/ports/: ports with one mistake each (a -D flag
# per library) that tests/cli_validate.sh expects `descent validate` to fail.
# Built without the sanitizers: a port is someone else's plain code.
PORT_CFLAGS := -std=c11 -O2 -fPIC -shared -Iinclude
PORT_HDRS := $(wildcard include/*.h)
ADAM_BROKEN := EPS_IN_SQRT TAIL WRITE_PAST READ_BEFORE WRITES_GRAD NO_AMSGRAD NAN_TO_ZERO \
               LR_OFF L2_DECOUPLED NULL_STATE HANG CRASH
SGEMM_BROKEN := IGNORE_BETA IGNORE_TRANSB K_TAIL WRITE_PAST READS_C
EXAMPLE_PORTS := $(BUILDDIR)/examples/libadam_plain.so $(BUILDDIR)/examples/libadam_plain_fused.so \
                 $(if $(filter 1,$(HAVE_AVX512)),$(BUILDDIR)/examples/libadam_avx512.so) \
                 $(BUILDDIR)/examples/librprop_plain.so $(BUILDDIR)/examples/librprop_signs.so
BROKEN_PORTS := $(ADAM_BROKEN:%=$(BUILDDIR)/tests/ports/libadam_broken_%.so) \
                $(BUILDDIR)/tests/ports/libsgd_broken_NESTEROV_OLD.so \
                $(BUILDDIR)/tests/ports/libsgd_broken_NONE.so \
                $(BUILDDIR)/tests/ports/libsgemm_port.so \
                $(SGEMM_BROKEN:%=$(BUILDDIR)/tests/ports/libsgemm_broken_%.so)
$(BUILDDIR)/examples/libadam_plain.so: examples/port/adam_plain.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -o $@ $< -lm
# The same with every sum of a product fused, as PyTorch's CPU kernels do.
$(BUILDDIR)/examples/libadam_plain_fused.so: examples/port/adam_plain.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -DFUSED -o $@ $< -lm
$(BUILDDIR)/examples/librprop_plain.so: examples/port/rprop_plain.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -o $@ $<
# The same with the sign shortcut that validate must fail.
$(BUILDDIR)/examples/librprop_signs.so: examples/port/rprop_plain.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -DSIGN_OF_SIGNS -o $@ $<
$(BUILDDIR)/examples/libadam_avx512.so: examples/port/adam_avx512.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) $(AVX512_CFLAGS) -o $@ $< -lm
$(BUILDDIR)/tests/ports/libadam_broken_%.so: tests/ports/adam_broken.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -D$* -o $@ $< -lm
$(BUILDDIR)/tests/ports/libsgd_broken_%.so: tests/ports/sgd_broken.c $(PORT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -D$* -o $@ $< -lm
$(BUILDDIR)/tests/ports/libsgemm_port.so: tests/ports/sgemm_port.c
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -o $@ $<
$(BUILDDIR)/tests/ports/libsgemm_broken_%.so: tests/ports/sgemm_port.c
	@mkdir -p $(@D)
	$(CC) $(PORT_CFLAGS) -D$* -o $@ $<
.PHONY: examples
examples: $(EXAMPLE_PORTS)
test check: $(EXAMPLE_PORTS) $(BROKEN_PORTS)

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (fuzz/*.c, built with clang when configure found
# libFuzzer: FUZZ_CC).  The library is rebuilt for them with clang, the
# scalar variant only and no OpenMP, instrumented for coverage, ASan and
# UBSan.  `make test` runs each for a few seconds (tests/fuzz_run.sh);
#   make fuzz [FUZZ_TIME=60] [FUZZ=golden_parse ...]
# runs each for FUZZ_TIME seconds, growing $(BUILDDIR)/fuzz/corpus/<target>
# from the seeds in fuzz/corpus/<target>.
FUZZ_TARGETS := golden_parse cli_args bench_flags idx_read
FUZZ_TIME ?= 60
FUZZ ?= $(FUZZ_TARGETS)
FUZZ_DIR := $(BUILDDIR)/fuzz
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -ffp-contract=off -fno-math-errno \
               -Iinclude -I$(FUZZ_DIR) -DDESCENT_BUILD_AVX2=0 -DDESCENT_BUILD_AVX512=0 \
               -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_CLI_OBJS := $(filter-out $(FUZZ_DIR)/obj/cli/main.o,$(CLI_SRCS:%.c=$(FUZZ_DIR)/obj/%.o))
$(FUZZ_DIR)/config.h: $(CONFIG_MK)
	@mkdir -p $(@D)
	sed -e 's/\(DESCENT_HAVE_OPENMP\) .*/\1 0/' -e 's/\(DESCENT_HAVE_OPENBLAS\) .*/\1 0/' \
	    $(BUILDDIR)/config.h >$@
$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_DIR)/config.h $(wildcard include/*.h src/*.h kernels/*.h cli/*.h reference/*.h bench/*.h fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
# cli_args links main.c renamed, so that the target can call its main().
$(FUZZ_DIR)/obj/cli/main_fuzz.o: cli/main.c $(FUZZ_DIR)/config.h cli/cli.h include/descent.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Dmain=descent_cli_main -c $< -o $@
FUZZ_LINK = $(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lm $(ZLIB_LIBS)
$(FUZZ_DIR)/golden_parse: $(FUZZ_DIR)/obj/fuzz/golden_parse.o $(FUZZ_LIB_OBJS)
	$(FUZZ_LINK)
$(FUZZ_DIR)/idx_read: $(FUZZ_DIR)/obj/fuzz/idx_read.o $(FUZZ_LIB_OBJS)
	$(FUZZ_LINK)
$(FUZZ_DIR)/cli_args: $(FUZZ_DIR)/obj/fuzz/cli_args.o $(FUZZ_DIR)/obj/cli/main_fuzz.o \
                      $(FUZZ_CLI_OBJS) $(FUZZ_LIB_OBJS)
	$(FUZZ_LINK)
$(FUZZ_DIR)/bench_flags: $(FUZZ_DIR)/obj/fuzz/bench_flags.o $(BENCH_HARNESS_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
	$(FUZZ_LINK)

ifneq ($(FUZZ_CC),)
ifneq ($(SANITIZE),1)
test check: $(FUZZ_BINS)
endif
endif

.PHONY: fuzz
fuzz: $(if $(FUZZ_CC),$(FUZZ_BINS))
	@BUILDDIR=$(BUILDDIR) FUZZ_TARGETS="$(if $(FUZZ_CC),$(FUZZ))" FUZZ_TIME=$(FUZZ_TIME) \
	 FUZZ_LONG=1 sh tests/fuzz_run.sh

# ---------------------------------------------------------------- benchmarks
# build/descent-bench: throughput, ceilings, FMA peak and MLP rows on the
# harness (bench/bench_main.c); build/descent-converge: time-to-result runs
# (bench/converge.c, bench/converge_run.c).  bench/ceiling.c is compiled once per ISA like kernels/.
#   make bench [BENCH=quick|full|<regex>]   run the suite into results/, plots/
#   make plots                              re-render plots/*.png from results/
BENCH ?=
RESULTS ?= results
PLOTS ?= plots
BENCH_PROG := $(BUILDDIR)/descent-bench
BENCH_CONVERGE := $(BUILDDIR)/descent-converge
BENCH_PROG_OBJS := $(BUILDDIR)/obj/bench/bench_main.o $(BUILDDIR)/obj/bench/bench_mlp.o \
                   $(BUILDDIR)/obj/bench/bench_busy.o $(BUILDDIR)/obj/bench/ports.o \
                   $(BUILDDIR)/obj/bench/bench_hogwild.o $(BUILDDIR)/obj/bench/bench_mixed.o
BENCH_CEIL_ISAS := scalar $(if $(filter 1,$(HAVE_AVX2)),avx2) $(if $(filter 1,$(HAVE_AVX512)),avx512)
BENCH_CEIL_OBJS := $(BENCH_CEIL_ISAS:%=$(BUILDDIR)/obj/bench/ceiling_%.o)
BENCH_CEIL_FLAGS_avx2 := $(AVX2_CFLAGS) -DDESCENT_VEC_ISA=1
BENCH_CEIL_FLAGS_avx512 := $(AVX512_CFLAGS) -DDESCENT_VEC_ISA=2
BENCH_CEIL_FLAGS_scalar := -DDESCENT_VEC_ISA=4
BENCH_CONVERGE_OBJS := $(BUILDDIR)/obj/bench/converge.o $(BUILDDIR)/obj/bench/converge_run.o
$(BENCH_PROG_OBJS) $(BENCH_CONVERGE_OBJS): bench/bench.h bench/harness.h
$(BENCH_CONVERGE_OBJS): bench/converge.h
$(BUILDDIR)/obj/bench/ceiling_%.o: bench/ceiling.c bench/bench.h $(CONFIG_MK) $(VEC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -O3 -ffp-contract=fast $(BENCH_CEIL_FLAGS_$*) -c $< -o $@
$(BENCH_PROG): $(BENCH_PROG_OBJS) $(BENCH_CEIL_OBJS) $(BENCH_HARNESS_OBJS) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(BENCH_PROG_OBJS) $(BENCH_CEIL_OBJS) $(BENCH_HARNESS_OBJS) \
	    $(LIB) $(LIBS) $(if $(filter 1,$(HAVE_OPENBLAS)),$(OPENBLAS_LIBS)) -ldl
$(BENCH_CONVERGE): $(BENCH_CONVERGE_OBJS) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(BENCH_CONVERGE_OBJS) $(LIB) $(LIBS)
test check: $(BENCH_PROG) $(BENCH_CONVERGE)
# build/descent-bench-dist: the BM_dist rows, under mpirun (bench/bench_dist.c).
ifeq ($(HAVE_MPI),1)
BENCH_DIST := $(BUILDDIR)/descent-bench-dist
$(BUILDDIR)/obj/bench/bench_dist.o: ALL_CFLAGS += $(MPI_CFLAGS)
$(BUILDDIR)/obj/bench/bench_dist.o: bench/harness.h
$(BENCH_DIST): $(BUILDDIR)/obj/bench/bench_dist.o $(BENCH_HARNESS_OBJS) $(MPI_LIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(BUILDDIR)/obj/bench/bench_dist.o $(BENCH_HARNESS_OBJS) \
	    $(MPI_LIB) $(LIB) $(LIBS) $(MPI_LIBS)
test check bench: $(BENCH_DIST)
endif

bench: all $(BENCH_PROG) $(BENCH_CONVERGE)
	@BUILDDIR=$(BUILDDIR) BENCH='$(BENCH)' RESULTS='$(RESULTS)' PLOTS='$(PLOTS)' \
	 GNUPLOT='$(GNUPLOT)' GNUPLOT_TERM='$(GNUPLOT_TERM)' DATA_DIR='$(DATA_DIR)' \
	 TORCH_PYTHON='$(TORCH_PYTHON)' \
	 MPIRUN='$(if $(filter 1,$(HAVE_MPI)),$(MPIRUN))' sh bench/run_suite.sh

plots:
	@GNUPLOT='$(GNUPLOT)' GNUPLOT_TERM='$(GNUPLOT_TERM)' sh plots/render.sh '$(RESULTS)' '$(PLOTS)'

# ---------------------------------------------------------------- install
DESTDIR ?=
PC_VERSION = $(shell sed -n 's/.*DESCENT_VERSION_STRING "\(.*\)"/\1/p' include/descent.h)
# descent.pc, and descent_mpi.pc (libdescent_mpi.a and MPI's flags) where
# configure found MPI
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	           $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB) $(if $(filter 1,$(HAVE_MPI)),$(MPI_LIB)) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(wildcard include/*.h) $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(PC_VERSION)|' \
	    -e 's|@LIBS@|$(OPENMP_CFLAGS) $(LIBS)|' descent.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/descent.pc
	$(if $(filter 1,$(HAVE_MPI)),sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(PC_VERSION)|' \
	    -e 's|@MPI_CFLAGS@|$(MPI_CFLAGS)|' -e 's|@MPI_LIBS@|$(MPI_LIBS)|' descent_mpi.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/descent_mpi.pc)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libdescent.a $(DESTDIR)$(PREFIX)/lib/libdescent_mpi.a \
	      $(addprefix $(DESTDIR)$(PREFIX)/,$(wildcard include/*.h)) \
	      $(DESTDIR)$(PREFIX)/bin/descent $(DESTDIR)$(PREFIX)/lib/pkgconfig/descent.pc \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/descent_mpi.pc

clean:
	rm -rf $(BUILDDIR)

distclean: clean
