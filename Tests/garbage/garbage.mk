# Garbage and slow clients (Tests/garbage). Included by the Makefile.

GARBAGE_DIR    := Tests/garbage
GARBAGE_BUILD  := $(C_BUILD)/garbage
GARBAGE_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -I$(LIB_SRC_DIR)/include -I$(LIB_SRC_DIR)
UNREAD_MIB     ?= 64
UNREAD_SECONDS ?= 30

$(GARBAGE_BUILD)/%: $(GARBAGE_DIR)/%.c $(C_TEST_DIR)/harness.c $(C_TEST_DIR)/harness.h $(LIB_SOURCES) $(LIB_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GARBAGE_CFLAGS) -o $@ $< $(C_TEST_DIR)/harness.c $(LIB_SOURCES) -lpthread

.PHONY: garbage-unread-replies

## garbage-unread-replies: a reproducer, not a test (not part of `make test`;
## needs root): one connection as nobody sends UNREAD_MIB (64) MiB of
## unknown-type frames for at most UNREAD_SECONDS (30) s and never reads the
## ERROR answers; prints the daemon's VmRSS and a root client's PING time
## every second. DEADBOLTD= picks the daemon (default: the debug build).
garbage-unread-replies: $(GARBAGE_BUILD)/unread_replies
	DEADBOLTD=$${DEADBOLTD:-.build/debug/deadboltd} $< $(UNREAD_MIB) $(UNREAD_SECONDS)
