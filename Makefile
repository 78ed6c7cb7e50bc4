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
DEB_PACKAGES := libsystemd-dev pkg-config python3 systemd dpkg-dev
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN  := .build/release
# `make install` builds with the Swift runtime linked in, so the binary runs
# without a Swift toolchain. Its own scratch path: different flags, and a
# `swift test` (which holds .build's lock) can run `make install`.
STATIC_BUILD := .build-static
STATIC_BIN   := $(STATIC_BUILD)/release
VERSION      := $(shell sed -n 's/.*static let string = "\(.*\)".*/\1/p' Sources/DeadboltServer/ServerConfiguration.swift)
UNITDIR       = $(PREFIX)/lib/systemd/system
DOCDIR        = $(PREFIX)/share/doc/deadbolt

.PHONY: all deps build build-static build-tests test run install deb clean bench-core

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

## build-static: the daemon, in release, with a static Swift runtime.
build-static: deps
	$(SWIFT) build -c release --static-swift-stdlib --product deadboltd --scratch-path $(STATIC_BUILD)

## install: deadboltd, its systemd units, sysusers and tmpfiles entries, docs,
## and $(SYSCONFDIR)/default/deadbolt (not replaced if it exists).
install: build-static
	install -D -m 0755 $(STATIC_BIN)/deadboltd $(DESTDIR)$(PREFIX)/bin/deadboltd
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

## bench-core: the engine's benchmark (figures, not tests).
bench-core: deps
	$(SWIFT) run -c release DeadboltCoreBenchmark

clean:
	rm -rf .build .build-*
