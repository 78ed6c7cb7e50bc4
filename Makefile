# Deadbolt — the user's entry point. `make run` and `make test` each install
# what they need first.

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
# Debian packages the build and the tests need. `deps` installs the missing
# ones (as root, or through sudo), running `apt-get update` first.
DEB_PACKAGES := libsystemd-dev pkg-config python3
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN  := .build/release

.PHONY: all deps build build-tests test run install clean bench-core

all: build

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

## test: every test: engine, protocol, and end to end against a real daemon.
## (All tests are XCTest; the empty Swift Testing pass is skipped so the run
## ends with XCTest's count.)
test: build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

## install: deadboltd into $(DESTDIR)$(PREFIX)/bin.
install: build
	install -D -m 0755 $(RELEASE_BIN)/deadboltd $(DESTDIR)$(PREFIX)/bin/deadboltd

## bench-core: the engine's benchmark (figures, not tests).
bench-core: deps
	$(SWIFT) run -c release DeadboltCoreBenchmark

clean:
	rm -rf .build .build-*
