# Garbage and slow clients (Tests/garbage/README.md). Included by the Makefile.

GARBAGE_DIR     := Tests/garbage
GARBAGE_BUILD   := $(C_BUILD)/garbage
GARBAGE_CFLAGS  := -std=c11 -O2 -Wall -Wextra -Werror -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR)
GARBAGE_BIN     := $(GARBAGE_BUILD)/garbage
GARBAGE_SOURCES := $(addprefix $(GARBAGE_DIR)/,garbage.c senders.c half_open.c well_behaved.c answers.c util.c)
GARBAGE_SECONDS ?= 25
GARBAGE_SENDERS ?= 8
GARBAGE_SLOW    ?= 4
FLOOD_MIB       ?= 1024
FLOOD_SECONDS   ?= 900
FLOOD_SLOW      ?= 60
UNREAD_MIB      ?= 64
UNREAD_SECONDS  ?= 30

.PHONY: test-garbage garbage-flood

$(GARBAGE_BIN): $(GARBAGE_SOURCES) $(GARBAGE_DIR)/garbage.h $(C_TEST_DIR)/harness.c $(C_TEST_DIR)/harness.h $(LIB_SOURCES) $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GARBAGE_CFLAGS) -o $@ $(GARBAGE_SOURCES) $(C_TEST_DIR)/harness.c $(LIB_SOURCES) -lpthread

## test-garbage: garbage and slow clients against the debug daemon (needs
## root; about 25-60 s; part of `make test`): 1,000 half-open connections
## must be reaped; GARBAGE_SENDERS (8) senders write random bytes and random
## frames until 1 GiB or GARBAGE_SECONDS (25) s, whichever comes first, and
## GARBAGE_SLOW (4) slow senders trickle, stall and never read for 20 s;
## a well-behaved client's locks must all succeed (its latency is reported,
## not judged); then the daemon must be alive, the bystander's locks held,
## nothing backed up, its memory bounded, and SIGTERM prompt.
test-garbage: build-tests $(GARBAGE_BIN)
	DEADBOLTD=$${DEADBOLTD:-.build/debug/deadboltd} $(GARBAGE_BIN) --flood-seconds $(GARBAGE_SECONDS) \
	  --senders $(GARBAGE_SENDERS) --slow-senders $(GARBAGE_SLOW)

## garbage-flood: the same against the release daemon, for the figures:
## all FLOOD_MIB (1024) MiB must be sent within FLOOD_SECONDS (900) s, and
## the slow senders run FLOOD_SLOW (60) s.
garbage-flood: build $(GARBAGE_BIN)
	DEADBOLTD=$${DEADBOLTD:-$(RELEASE_BIN)/deadboltd} $(GARBAGE_BIN) --full --target-mib $(FLOOD_MIB) \
	  --flood-seconds $(FLOOD_SECONDS) --senders $(GARBAGE_SENDERS) --slow-senders $(GARBAGE_SLOW) \
	  --slow-seconds $(FLOOD_SLOW)


# The reproducers of the three daemon bugs this test's earlier attempts
# found, all fixed; kept as single-file programs, not part of `make test`.
$(GARBAGE_BUILD)/unread_%: $(GARBAGE_DIR)/unread_%.c $(GARBAGE_DIR)/util.c $(GARBAGE_DIR)/garbage.h $(C_TEST_DIR)/harness.c $(C_TEST_DIR)/harness.h $(LIB_SOURCES) $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GARBAGE_CFLAGS) -o $@ $< $(GARBAGE_DIR)/util.c $(C_TEST_DIR)/harness.c $(LIB_SOURCES) -lpthread

.PHONY: garbage-unread-replies garbage-unread-close garbage-unread-partial

## garbage-unread-replies: a reproducer, not a test (needs root): one
## connection as nobody sends UNREAD_MIB (64) MiB of unknown-type frames for
## at most UNREAD_SECONDS (30) s and never reads the ERROR answers; prints
## the daemon's VmRSS and a root client's PING time every second. Before the
## flow-control fix the daemon grew without bound; now it stops reading.
garbage-unread-replies: $(GARBAGE_BUILD)/unread_replies
	DEADBOLTD=$${DEADBOLTD:-.build/debug/deadboltd} $< $(UNREAD_MIB) $(UNREAD_SECONDS)

## garbage-unread-close: a reproducer, not a test (needs root): a peer that
## reads nothing must still be closed after the HELLO timeout and the
## partial-frame timeout, and must not hold up SIGTERM. Exits 1 if not
## (it did before the fix), 0 now.
garbage-unread-close: $(GARBAGE_BUILD)/unread_close
	DEADBOLTD=$${DEADBOLTD:-.build/debug/deadboltd} $<

## garbage-unread-partial: a reproducer, not a test: a client that says
## HELLO, sends STATS requests and reads nothing, until the daemon stops
## reading it, one whole frame per write or cut 4 bytes into the next frame.
## Either way it must stay open. Exits 1 if the split one is closed at the
## partial-frame deadline (it was before the fix), 0 now.
garbage-unread-partial: $(GARBAGE_BUILD)/unread_partial
	DEADBOLTD=$${DEADBOLTD:-.build/debug/deadboltd} $<
