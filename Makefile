# Deadbolt — the user's entry point. `make run` and `make test` each install
# what they need first.

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
CONFIG       ?= release
# Debian packages the build and the tests need. `deps` installs the missing ones.
DEB_PACKAGES := libsystemd-dev pkg-config
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build build-debug test run install clean bench-core

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

build: deps
	$(SWIFT) build -c $(CONFIG)

build-debug: deps
	$(SWIFT) build --build-tests

test: build-debug
	$(SWIFT) test --skip-build

bench-core: deps
	$(SWIFT) run -c release DeadboltCoreBenchmark

clean:
	rm -rf .build .build-*
