# --- The chaos test (Tests/chaos/README.md): 32 worker processes contend
# through libdeadbolt while the orchestrator kills workers and the daemon with
# kill -9 and stops holders past their lease; a checker then proves mutual
# exclusion and fencing from what every process recorded. Plain C11, built
# with the library's sources and the C tests' daemon harness.
CHAOS_DIR     := Tests/chaos
CHAOS_BIN     := $(C_BUILD)/chaos/chaos
CHAOS_SOURCES := $(wildcard $(CHAOS_DIR)/*.c)
CHAOS_CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -Werror -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR) -I$(C_TEST_DIR)

.PHONY: chaos chaos-smoke

$(CHAOS_BIN): $(CHAOS_SOURCES) $(CHAOS_DIR)/chaos.h $(C_TEST_DIR)/harness.c $(C_TEST_DIR)/harness.h $(LIB_SOURCES) $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CHAOS_CFLAGS) $(CFLAGS) -o $@ $(CHAOS_SOURCES) $(C_TEST_DIR)/harness.c $(LIB_SOURCES)

## chaos: the full chaos run against the release daemon, until 1,000,000
## acquisitions and 100 kill -9 restarts of deadboltd (several minutes):
## overlaps, tokens out of order and stale writes accepted must all be 0.
chaos: build $(CHAOS_BIN)
	DEADBOLTD=$(RELEASE_BIN)/deadboltd $(CHAOS_BIN) --full

## chaos-smoke: the same for about a minute against the debug daemon, with
## a restart every few seconds; part of `make test`.
chaos-smoke: build-tests $(CHAOS_BIN)
	DEADBOLTD=.build/debug/deadboltd $(CHAOS_BIN) --smoke
