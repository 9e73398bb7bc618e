# tide -- one plain Makefile: make, make test, make demo, make bench,
# make install PREFIX=... DESTDIR=..., make lint, make asan, make fuzz,
# make fresh.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= gcc

PROGS = tide-source tide-sink tide-window tide-join tide-replay tide-mock tide-gen tide-diff tide-check tide-score
# Programs whose source exists; the others join as their issues land.
PROGS_BUILT = $(filter $(PROGS),$(patsubst cmd/%.c,%,$(wildcard cmd/tide-*.c)))

PKGS = rdkafka libzstd sqlite3 hiredis libpcre2-8 avro-c jansson libcurl xgboost
# pkg-config is read when the first recipe needs it, after scripts/deps.sh
# has run (an order-only prerequisite of every object), never when this
# file is parsed: on a fresh machine the packages are not there yet.
# Each is expanded once: $(eval) turns the variable into a simple one.
lazy = $(eval $(1) := $$(shell $(2)))$($(1))
PKG_CFLAGS = $(call lazy,PKG_CFLAGS,pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(call lazy,PKG_LIBS,pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(call lazy,CHECK_CFLAGS,pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(call lazy,CHECK_LIBS,pkg-config --libs check 2>/dev/null)

WARN = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wno-format-nonliteral
ifdef CI
WERROR = -Werror
endif
ifdef WERROR_ON
WERROR = -Werror
endif
OPT ?= -O2 -g
SANFLAGS =
ifdef SAN
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1 -g
endif

CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(WERROR) $(SANFLAGS) \
	-iquote lib $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)
LIBS = $(BUILD)/libtide.a -Wl,--as-needed $(PKG_LIBS) -lcsv -lm -lpthread

# lib/ and its layers (lib/NAME/), one archive.
LIB_SRC = $(wildcard lib/*.c lib/*/*.c)
LIB_HDR = $(wildcard lib/*.h lib/*/*.h)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
BINS = $(PROGS_BUILT:%=$(BUILD)/bin/%)
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_OBJ = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%.o)
# Test-only programs (tests/tools/NAME.c -> $(BUILD)/test/NAME), not
# installed: the shell tests drive a library module through them.
TOOLS = $(patsubst tests/tools/%.c,$(BUILD)/test/%,$(wildcard tests/tools/*.c))

.PHONY: all deps deps-check test unit cli kafka doctest asan demo fresh bench bench-compare install lint fuzz clean
.DEFAULT_GOAL := all

all: $(BINS)

# scripts/deps.sh finds what the goals need (the build; the demo's tools;
# every tool a test calls) and installs it with apt-get when it can (root
# on Debian/Ubuntu), else prints the one exact command and stops.  It runs
# on every make, before anything is compiled, and caches nothing: a
# package removed since the last run is found missing again.
DEPS_MODE = $(if $(filter test asan unit deps bench fuzz,$(MAKECMDGOALS)),--test,$(if $(filter demo,$(MAKECMDGOALS)),--demo,))
deps-check:
	@sh scripts/deps.sh $(DEPS_MODE)

deps:
	@sh scripts/deps.sh --test

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDR) | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libtide.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: cmd/%.c $(BUILD)/libtide.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) $(LIBS)

# Unit tests: one Check suite per lib module (tests/unit/check_NAME.c
# defines suite_NAME()); the runner's list is generated from the file names.
$(BUILD)/unit/suites.h: $(UNIT_SRC)
	@mkdir -p $(@D)
	@for f in $(UNIT_SRC); do n=$${f#tests/unit/check_}; echo "SUITE($${n%.c})"; done > $@.tmp
	@mv $@.tmp $@

$(BUILD)/unit/%.o: tests/unit/%.c $(LIB_HDR) tests/unit/unit.h | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Wno-missing-prototypes -Itests/unit -c -o $@ $<

$(BUILD)/unit/runner: tests/unit/runner.c $(BUILD)/unit/suites.h $(UNIT_OBJ) $(BUILD)/libtide.a
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests/unit -I$(BUILD)/unit -o $@ \
		tests/unit/runner.c $(UNIT_OBJ) $(LDFLAGS_ALL) $(LIBS) $(CHECK_LIBS)

# make unit SUITE=json runs one suite; CK_RUN_CASE=name one of its cases.
unit: $(BUILD)/unit/runner
	cd tests/unit && CK_FORK=yes ../../$(BUILD)/unit/runner $(SUITE)

$(BUILD)/test/%: tests/tools/%.c $(BUILD)/libtide.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) $(LIBS)

test: all $(BUILD)/unit/runner $(TOOLS)
	@TIDE_BIN=$(CURDIR)/$(BUILD)/bin TIDE_UNIT=$(CURDIR)/$(BUILD)/unit/runner \
		sh tests/run.sh $(TESTS)

# Sanitized code runs several times slower: Check's 4 s per-test limit
# is stretched so that a loaded machine does not fail a correct test.  A
# failed allocation returns NULL under ASan too, so out of memory takes the
# programs' own path (tide_xmalloc), not ASan's abort.
asan:
	CK_TIMEOUT_MULTIPLIER=10 ASAN_OPTIONS=$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}allocator_may_return_null=1 \
		$(MAKE) BUILD=build/asan SAN=1 test

demo: all
	@sh examples/demo.sh

# make demo and make test on a new Debian 12 root (root only; CI runs it).
fresh:
	@sh tests/fresh/debian.sh

bench: all $(TOOLS)
	@TIDE_BIN=$(CURDIR)/$(BUILD)/bin sh tests/bench/run.sh $(BENCH)

# This build against BASE's, built in a temporary directory: CPU-time
# medians of RUNS interleaved runs per workload, new/base, and whether the
# outputs are identical (tests/bench/compare.sh; N records for the file
# workloads, KN for the Kafka pipeline, 0 to leave it out; empty: its
# defaults).  BASE=ae67aec is the build before barriers (issue 16).
BASE ?= bd514e1
RUNS ?= 5
bench-compare: all
	@TIDE_BIN=$(CURDIR)/$(BUILD)/bin BASE='$(BASE)' RUNS='$(RUNS)' N='$(N)' \
		KN='$(KN)' sh tests/bench/compare.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7/
	for p in $(PROGS_BUILT); do \
		install -m 644 completions/tide.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$p; \
	done
	install -m 644 completions/_tide $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_tide
	install -m 644 completions/tide.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tide.fish

lint:
	mandoc -Tlint -W warning man/*.1 man/*.7
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem -Ilib lib cmd

FUZZ_TARGETS = $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 30
# JSONTestSuite (tests/data) seeds the JSON target.
FUZZ_JSONTS = tests/data/JSONTestSuite/test_parsing
# UBSan reports abort (no recovery) so libFuzzer keeps them as crashes;
# crash files go to $(BUILD)/fuzz, not the source tree.
fuzz:
	@mkdir -p $(BUILD)/fuzz
	@for t in $(FUZZ_TARGETS); do \
		clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=undefined \
			-iquote lib $(PKG_CFLAGS) -o $(BUILD)/fuzz/$$t fuzz/$$t.c $(LIB_SRC) \
			$(PKG_LIBS) -lcsv -lm -lpthread || exit 1; \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		seeds=fuzz/seeds/$${t#fuzz_}; [ -d $$seeds ] || seeds=; \
		if [ $$t = fuzz_json ]; then seeds="$$seeds $(FUZZ_JSONTS)"; fi; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-artifact_prefix=$(BUILD)/fuzz/$$t- \
			$(BUILD)/fuzz/corpus-$$t $$seeds || exit 1; \
	done

clean:
	rm -rf build
