# Deadbolt — the user's entry point. `make run` and `make test` each install
# what they need first.

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
SYSCONFDIR   ?= /etc
DISTDIR      ?= dist
# Debian packages the build and the tests need. `deps` installs the missing
# ones (as root, or through sudo), running `apt-get update` first.
# systemd: systemd-analyze and systemd-socket-activate (tests); dpkg-dev:
# dpkg-shlibdeps (the .deb's Depends).
# libcmocka-dev, libjansson-dev: the C client's tests (cmocka runs them,
# jansson reads docs/protocol-vectors.json). libhiredis-dev: the Redis side
# of the benchmarks.
# redis-server: DeadboltRedisTests run the Redis client against a real one on
# a temp Unix socket (they skip without it).
# hyperfine: `make bench` times the CLI's start-up against flock(1).
DEB_PACKAGES := libsystemd-dev pkg-config python3 systemd dpkg-dev libcmocka-dev libjansson-dev libhiredis-dev redis-server hyperfine
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN  := .build/release
# `make install` builds with the Swift runtime linked in, so the binary runs
# without a Swift toolchain. Its own scratch path: different flags, and a
# `swift test` (which holds .build's lock) can run `make install`.
STATIC_BUILD := .build-static
STATIC_BIN   := $(STATIC_BUILD)/release
VERSION      := $(shell sed -n 's/.*static let string = "\(.*\)".*/\1/p' Sources/DeadboltServer/ServerConfiguration.swift)
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
UNITDIR       = $(PREFIX)/lib/systemd/system
DOCDIR        = $(PREFIX)/share/doc/deadbolt

.PHONY: test-sanitize fuzz fuzz-build fuzz-smoke bench bench-quick bench-upstream all deps build build-cli build-static build-tests test test-swift test-c memcheck-c lib install install-lib run deb clean bench-core

all: build lib

# --- libdeadbolt, the C client: plain C11, built by the system C compiler,
# so it needs no Swift runtime. (SwiftPM's CDeadbolt target compiles the same
# sources for Swift-side tests.)
CC           ?= cc
LIB_MAJOR    := $(firstword $(subst ., ,$(VERSION)))
LIB_SRC_DIR  := Sources/CDeadbolt
LIB_SOURCES  := $(wildcard $(LIB_SRC_DIR)/*.c)
LIB_HEADERS  := $(LIB_SRC_DIR)/include/deadbolt.h $(wildcard $(LIB_SRC_DIR)/*.h)
C_BUILD      := .build-c
LIB_DIR      := $(C_BUILD)/lib
LIB_SONAME   := libdeadbolt.so.$(LIB_MAJOR)
LIB_SHARED   := $(LIB_DIR)/libdeadbolt.so.$(VERSION)
LIB_STATIC   := $(LIB_DIR)/libdeadbolt.a
C_WARNINGS   := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wconversion
LIB_CFLAGS   := -std=c11 -O2 -g -fPIC -fvisibility=hidden $(C_WARNINGS) -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR)
LIB_OBJECTS  := $(patsubst $(LIB_SRC_DIR)/%.c,$(C_BUILD)/obj/%.o,$(LIB_SOURCES))

## lib: libdeadbolt.a and libdeadbolt.so.<version> (soname libdeadbolt.so.<major>), in .build-c/lib.
lib: $(LIB_STATIC) $(LIB_SHARED)

$(C_BUILD)/obj/%.o: $(LIB_SRC_DIR)/%.c $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB_STATIC): $(LIB_OBJECTS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# Only deadbolt_ symbols are exported (hidden visibility, and the version
# script); -z defs: every symbol it uses resolves against its own NEEDED libs.
$(LIB_SHARED): $(LIB_OBJECTS) $(LIB_SRC_DIR)/libdeadbolt.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(LIB_OBJECTS) -Wl,-soname,$(LIB_SONAME) \
	  -Wl,--version-script=$(LIB_SRC_DIR)/libdeadbolt.map -Wl,-z,defs -Wl,-z,relro -Wl,-z,now $(LDFLAGS)
	ln -sf libdeadbolt.so.$(VERSION) $(LIB_DIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(LIB_DIR)/libdeadbolt.so

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## build: the daemon, in release.
build: deps
	$(SWIFT) build -c release --product deadboltd

## run: build, then start deadboltd in the foreground on the default socket.
run: build
	$(RELEASE_BIN)/deadboltd

build-tests: deps
	$(SWIFT) build --build-tests

## test: every test: engine, protocol, end to end against a real daemon and
## a real redis-server, the C client, the chaos smoke run (kill -9 of holders
## and of the daemon; Tests/chaos), garbage and slow clients (Tests/garbage),
## and a one-minute fuzzing smoke run.
test: test-swift test-c chaos-smoke test-garbage fuzz-smoke

## test-swift: the Swift tests. (All are XCTest; the empty Swift Testing pass
## is skipped so the run ends with XCTest's count.)
test-swift: build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# The C tests: the library and the tests built with AddressSanitizer and
# UBSan (any finding fails the run), against a live deadboltd (debug build).
C_TEST_DIR    := Tests/libdeadbolt
C_TEST_BUILD  := $(C_BUILD)/sanitized
C_TEST_CFLAGS := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
                 $(C_WARNINGS) -Wno-conversion -Werror -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR)
C_TESTS       := test_vectors test_client

$(C_TEST_BUILD)/%: $(C_TEST_DIR)/%.c $(C_TEST_DIR)/harness.c $(C_TEST_DIR)/harness.h $(LIB_SOURCES) $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(C_TEST_CFLAGS) -o $@ $< $(C_TEST_DIR)/harness.c $(LIB_SOURCES) -lcmocka -ljansson -lpthread

## test-c: the C client's tests under ASan/UBSan, then the installed tree:
## examples built through pkg-config, the Python ctypes example, and the
## exported symbols.
test-c: deps build-tests lib $(addprefix $(C_TEST_BUILD)/,$(C_TESTS) with_daemon)
	DEADBOLTD=.build/debug/deadboltd $(C_TEST_BUILD)/test_vectors
	DEADBOLTD=.build/debug/deadboltd $(C_TEST_BUILD)/test_client
	sh $(C_TEST_DIR)/check-installed.sh $(C_TEST_BUILD)/with_daemon

# The `deadbolt` CLI is linked fully static (-static-executable): with no
# dynamic loader work, `deadbolt run x -- true` starts about as fast as
# flock(1). (The link warns that getpwuid_r needs the same glibc at run time;
# it only names uids in messages, and falls back to the number.)
CLI_BUILD    := .build-cli
CLI_BIN      := $(CLI_BUILD)/release/deadbolt

## build-cli: the deadbolt command, in release, fully static.
build-cli: deps
	$(SWIFT) build -c release --product deadbolt --scratch-path $(CLI_BUILD) -Xswiftc -static-executable

## build-static: the daemon, in release, with a static Swift runtime.
build-static: deps
	$(SWIFT) build -c release --static-swift-stdlib --product deadboltd --scratch-path $(STATIC_BUILD)

## memcheck-c: the C client's tests under valgrind memcheck (no sanitizers);
## any leak or memory error fails it. Not part of `make test` (slow, and
## ASan/UBSan cover the same ground there).
memcheck-c: deps build-tests
	@mkdir -p $(C_BUILD)/memcheck
	for t in $(C_TESTS); do \
	  $(CC) -std=c11 -O1 -g -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR) -o $(C_BUILD)/memcheck/$$t \
	    $(C_TEST_DIR)/$$t.c $(C_TEST_DIR)/harness.c $(LIB_SOURCES) -lcmocka -ljansson -lpthread && \
	  DEADBOLTD=.build/debug/deadboltd valgrind --quiet --leak-check=full --show-leak-kinds=all \
	    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 $(C_BUILD)/memcheck/$$t || exit 1; \
	done

## install-lib: deadbolt.h, libdeadbolt.a and .so, and deadbolt.pc.
install-lib: lib
	install -D -m 0644 $(LIB_SRC_DIR)/include/deadbolt.h $(DESTDIR)$(INCLUDEDIR)/deadbolt.h
	install -D -m 0644 $(LIB_STATIC) $(DESTDIR)$(LIBDIR)/libdeadbolt.a
	install -D -m 0755 $(LIB_SHARED) $(DESTDIR)$(LIBDIR)/libdeadbolt.so.$(VERSION)
	ln -sf libdeadbolt.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libdeadbolt.so
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	  -e 's|@VERSION@|$(VERSION)|g' packaging/deadbolt.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/deadbolt.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/deadbolt.pc

## install: deadboltd, the deadbolt command and its shell completions, the
## systemd units, sysusers and tmpfiles entries, docs and examples,
## $(SYSCONFDIR)/default/deadbolt (not replaced if it exists), and libdeadbolt
## (install-lib).
install: build-static build-cli install-lib
	install -D -m 0755 $(STATIC_BIN)/deadboltd $(DESTDIR)$(PREFIX)/bin/deadboltd
	install -D -m 0755 $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/deadbolt
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(CLI_BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/deadbolt
	$(CLI_BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_deadbolt
	$(CLI_BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/deadbolt.fish
	install -D -m 0755 examples/shell/cron-backup.sh $(DESTDIR)$(DOCDIR)/examples/cron-backup.sh
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' packaging/deadbolt.service.in > $(DESTDIR)$(UNITDIR)/deadbolt.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/deadbolt.service
	install -m 0644 packaging/deadbolt.socket $(DESTDIR)$(UNITDIR)/deadbolt.socket
	install -D -m 0644 packaging/sysusers.d/deadbolt.conf $(DESTDIR)$(PREFIX)/lib/sysusers.d/deadbolt.conf
	install -D -m 0644 packaging/tmpfiles.d/deadbolt.conf $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/deadbolt.conf
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/docs docs/*.md
	install -D -m 0644 packaging/upstream.conf.example $(DESTDIR)$(DOCDIR)/examples/upstream.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/deadbolt ] || \
	  install -D -m 0644 packaging/default/deadbolt $(DESTDIR)$(SYSCONFDIR)/default/deadbolt

## deb: $(DISTDIR)/deadbolt_<version>_<arch>.deb, from `make install PREFIX=/usr`.
deb:
	rm -rf $(DISTDIR)/staging
	$(MAKE) install PREFIX=/usr SYSCONFDIR=/etc DESTDIR=$(abspath $(DISTDIR))/staging
	sh packaging/build-deb.sh $(DISTDIR)/staging $(VERSION) $$(dpkg --print-architecture) $(DISTDIR)

# --- Fuzzing (libFuzzer). Swift targets build with -sanitize=fuzzer,address in
# their own scratch path, -DFUZZING (no @main: libFuzzer's) and
# -parse-as-library; the C client's decoders build with clang's libFuzzer.
FUZZ_BUILD    := .build-fuzz
# debug (quick to build: the smoke run) or release (about 10x the
# executions a second: long runs, `make fuzz FUZZ_CONFIGURATION=release`).
FUZZ_CONFIGURATION ?= debug
FUZZ_BIN      := $(FUZZ_BUILD)/x86_64-unknown-linux-gnu/$(FUZZ_CONFIGURATION)
FUZZ_SWIFT    := FuzzWireMessages FuzzSession FuzzRESP
FUZZ_TARGETS  := $(FUZZ_SWIFT) fuzz_client_decoder
FUZZ_SECONDS  ?= 300
FUZZ_CLANG    ?= $(shell command -v clang >/dev/null && echo clang || echo /opt/swift/usr/bin/clang)

fuzz-build: deps
	for target in $(FUZZ_SWIFT); do \
	  $(SWIFT) build -c $(FUZZ_CONFIGURATION) --scratch-path $(FUZZ_BUILD) --product $$target --sanitize fuzzer \
	    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING -Xswiftc -enable-testing || exit 1; \
	done
	$(FUZZ_CLANG) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fuse-ld=lld -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR) \
	  -o $(FUZZ_BIN)/fuzz_client_decoder Fuzz/c/fuzz_client_decoder.c $(LIB_SOURCES)

## fuzz: every fuzzer for FUZZ_SECONDS (default 300) each, from the seed
## corpus (docs/protocol-vectors.json and RESP replies); a crash fails it and
## leaves its input in .build-fuzz/crashes/. FuzzSession runs without leak
## detection: its one service keeps state from input to input by design (as
## a daemon does across connections), and a leak scan after every input cut
## it to a tenth of its speed.
fuzz: fuzz-build
	rm -rf $(FUZZ_BUILD)/seeds && python3 Fuzz/seed-corpus.py $(FUZZ_BUILD)/seeds
	mkdir -p $(FUZZ_BUILD)/crashes
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$target && \
	  $(FUZZ_BIN)/$$target $(FUZZ_BUILD)/corpus/$$target $(FUZZ_BUILD)/seeds/$$target \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$target- \
	    $$([ $$target = FuzzSession ] && echo -detect_leaks=0) \
	    2>$(FUZZ_BUILD)/$$target.log || { tail -40 $(FUZZ_BUILD)/$$target.log; exit 1; }; \
	  echo "$$target: $$(grep -h 'stat::number_of_executed_units' $(FUZZ_BUILD)/$$target.log | awk '{print $$2}') executions, no crash"; \
	done

## test-sanitize: the Swift suites under AddressSanitizer, then under
## ThreadSanitizer, each in its own scratch path (slow: not part of `make
## test`; the packaging tests, which rebuild the release binaries, are skipped).
## Leak detection is off for the Swift run: the run-time's and NIO's global
## state, alive at exit, would fail every daemon's exit status (the C client's
## leaks are checked by `make memcheck-c`).
test-sanitize: deps
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize=address --scratch-path .build-asan --disable-swift-testing --skip PackagingTests
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --disable-swift-testing --skip PackagingTests

## fuzz-smoke: `make fuzz` for 15 s a target (a minute in all); part of `make test`.
fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=15

## bench-upstream: cross-host handoff through two brokers and one Redis,
## against Redis SET NX with 1 ms polling, in one run (figures, not tests).
BENCH_BUILD := $(C_BUILD)/bench
bench-upstream: deps lib
	$(SWIFT) build -c release --product deadboltd
	@mkdir -p $(BENCH_BUILD)
	$(CC) -std=c11 -O2 -Wall -Wextra -I$(LIB_SRC_DIR)/include -o $(BENCH_BUILD)/cross_host_handoff \
	  Benchmarks/upstream/cross_host_handoff.c $(LIB_STATIC) -lhiredis -lpthread
	sh Benchmarks/upstream/run.sh $(RELEASE_BIN)/deadboltd $(BENCH_BUILD)/cross_host_handoff

## bench: deadbolt against Redis and flock, side by side in one run (about 5
## minutes; docs/BENCHMARKS.md): uncontended pairs and server CPU, contended
## handoff, memory per lock, expiry of 1M leases, CLI start-up; then
## bench-upstream. The table goes to stdout and Benchmarks/results/.
LOADGEN_SOURCES := $(wildcard Benchmarks/loadgen/*.c Benchmarks/loadgen/*.h)
$(BENCH_BUILD)/loadgen: $(LOADGEN_SOURCES) $(LIB_STATIC)
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR) -o $@ \
	  $(filter %.c,$(LOADGEN_SOURCES)) $(LIB_STATIC) -lhiredis -lpthread

bench: build lib build-cli $(BENCH_BUILD)/loadgen
	sh Benchmarks/run-bench.sh $(RELEASE_BIN)/deadboltd $(BENCH_BUILD)/loadgen $(CLI_BIN)
	$(MAKE) --no-print-directory bench-upstream

## bench-quick: the same with 1 repetition, short windows and 200k locks
## (about a minute), to check a change; without bench-upstream.
bench-quick: build lib build-cli $(BENCH_BUILD)/loadgen
	sh Benchmarks/run-bench.sh --quick $(RELEASE_BIN)/deadboltd $(BENCH_BUILD)/loadgen $(CLI_BIN)

include Tests/chaos/chaos.mk
include Tests/garbage/garbage.mk

## bench-core: the engine's benchmark (figures, not tests).
bench-core: deps
	$(SWIFT) run -c release DeadboltCoreBenchmark

clean:
	rm -rf .build .build-*
