/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_H
#define DEADBOLT_H

/*
 * deadbolt.h — the C client of deadboltd, the Deadbolt lock broker.
 *
 * A process connects to the daemon's Unix-domain socket, takes named locks,
 * renews and releases them, and learns through a LOST event when a lock is
 * taken away. The wire protocol is docs/PROTOCOL.md; this library speaks
 * version 1 of it.
 *
 *     #include <deadbolt.h>
 *     cc app.c $(pkg-config --cflags --libs deadbolt)
 *
 * Conventions, for every function below:
 *
 *   - Functions that can fail return 0 (or a documented non-negative value) on
 *     success and a negative errno-style value on failure, as sd-daemon(3)
 *     does. deadbolt_strerror() turns one into text. errno itself is not set
 *     on purpose, though system calls inside may change it.
 *   - Strings passed in are NUL-terminated UTF-8 and are only read during the
 *     call; the library keeps no pointer to them. Names (resources, owners)
 *     are 1…255 bytes (owners 0…255), compared byte for byte by the daemon.
 *   - Threads: a deadbolt_t is not internally locked. Use a handle from one
 *     thread at a time (or serialise calls on it yourself); different handles
 *     are independent and may be used from different threads at once. The
 *     library has no global state; deadbolt_strerror(), deadbolt_version() and
 *     the *_init() functions may be called from any thread at any time.
 *   - Signals: the library never raises SIGPIPE (it sends with MSG_NOSIGNAL)
 *     and retries system calls interrupted by a signal (EINTR), keeping its
 *     deadlines; a signal handler therefore cannot cut a wait short.
 *
 * How wire statuses map to return values (docs/PROTOCOL.md, "Statuses"):
 *
 *   OK                      0
 *   NOT_GRANTED            -EAGAIN        a try (wait_ms 0) found the lock held
 *   WAIT_TIMEOUT           -ETIMEDOUT     the wait ran out before a grant
 *   LOCK_UNEXIST           -ENOENT        unlock/renew of a lock nobody holds under that owner
 *   LOCK_BELONG_TO_OTHERS  -EPERM         unlock/renew of a lock held by another owner
 *   ALREADY_HELD           -EDEADLK       this owner already holds or waits for it (not REENTRANT,
 *                                         a shared->exclusive upgrade, or REENTRANT on a shared hold)
 *   CANCELLED              -ECANCELED     a waiting acquire was cancelled
 *   SHUTTING_DOWN          -ESHUTDOWN     the daemon is stopping
 *   INVALID_ARGUMENT       -EINVAL        a bad argument (also checked here before sending)
 *   NAME_TOO_LONG          -ENAMETOOLONG  a resource or owner above 255 bytes
 *   QUOTA_EXCEEDED         -EDQUOT        a per-connection or daemon limit was reached
 *   PERMISSION_DENIED      -EPERM         not permitted for this uid (another uid's owner,
 *                                         or a force-unlock by a non-admin)
 *   UPSTREAM_UNAVAILABLE   -ENOLINK       the daemon's Redis upstream is unreachable
 *   PROTOCOL_ERROR         -EPROTO        the daemon could not parse a request
 *   UNSUPPORTED_VERSION    -EPROTONOSUPPORT  the daemon does not speak protocol 1 (connect)
 *   INTERNAL               -EREMOTEIO     a fault inside the daemon; the request failed
 *   (a status this library does not know)  -EREMOTEIO
 *
 * And errors of the connection itself:
 *
 *   -ECONNRESET   the daemon went away (it closed the connection, was
 *                 restarted, or crashed). Every session-bound lock of the
 *                 handle is gone with it. The handle is now closed;
 *                 deadbolt_close() it and connect again.
 *   -EPROTO       the daemon sent a malformed or oversize frame; the handle
 *                 is now closed, as above.
 *   -ETIMEDOUT    (from a call other than a waiting deadbolt_lock) no answer
 *                 within the handle's io_timeout_ms; the handle is now closed.
 *   -ENOTCONN     the handle was closed by one of the errors above.
 *   -ENOMEM       an allocation failed; nothing was sent.
 *   connect(2) and socket(2) errors, negated, from deadbolt_connect():
 *                 -ENOENT (no socket file), -ECONNREFUSED (no daemon on it),
 *                 -EACCES (the socket's mode or group keeps this user out), ...
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define DEADBOLT_EXPORT __attribute__((visibility("default")))
#else
#  define DEADBOLT_EXPORT
#endif

/* The library's version. DEADBOLT_VERSION_NUMBER orders versions:
 * ((major << 16) | (minor << 8) | patch). The soname is libdeadbolt.so.<major>. */
#define DEADBOLT_VERSION_MAJOR 0
#define DEADBOLT_VERSION_MINOR 1
#define DEADBOLT_VERSION_PATCH 0
#define DEADBOLT_VERSION_STRING "0.1.0"
#define DEADBOLT_VERSION_NUMBER \
    ((DEADBOLT_VERSION_MAJOR << 16) | (DEADBOLT_VERSION_MINOR << 8) | DEADBOLT_VERSION_PATCH)

/* The wire protocol version this library speaks. */
#define DEADBOLT_PROTOCOL_VERSION 1

/* The longest resource or owner name, in bytes, without the NUL. */
#define DEADBOLT_MAX_NAME_BYTES 255

/* Wire statuses (docs/PROTOCOL.md, "Statuses"), as deadbolt_last_status()
 * reports them. Later daemons may add codes. */
enum {
    DEADBOLT_STATUS_OK = 0,
    DEADBOLT_STATUS_NOT_GRANTED = 1,
    DEADBOLT_STATUS_WAIT_TIMEOUT = 2,
    DEADBOLT_STATUS_LOCK_UNEXIST = 3,
    DEADBOLT_STATUS_LOCK_BELONG_TO_OTHERS = 4,
    DEADBOLT_STATUS_ALREADY_HELD = 5,
    DEADBOLT_STATUS_CANCELLED = 6,
    DEADBOLT_STATUS_SHUTTING_DOWN = 7,
    DEADBOLT_STATUS_INVALID_ARGUMENT = 16,
    DEADBOLT_STATUS_NAME_TOO_LONG = 17,
    DEADBOLT_STATUS_QUOTA_EXCEEDED = 18,
    DEADBOLT_STATUS_PERMISSION_DENIED = 19,
    DEADBOLT_STATUS_UPSTREAM_UNAVAILABLE = 20,
    DEADBOLT_STATUS_PROTOCOL_ERROR = 32,
    DEADBOLT_STATUS_UNSUPPORTED_VERSION = 33,
    DEADBOLT_STATUS_INTERNAL = 34
};

/* An opaque connection to the daemon: one session. */
typedef struct deadbolt deadbolt_t;

/* Lock modes. EXCLUSIVE conflicts with every other hold; SHARED only with
 * EXCLUSIVE. A waiting exclusive request blocks later shared ones. */
enum { DEADBOLT_EXCLUSIVE = 0, DEADBOLT_SHARED = 1 };

/* Lock flags.
 * DETACHED: the lock outlives this connection until it is unlocked or its
 *   lease ends; it needs ttl_ms > 0 and, to be unlocked from another
 *   connection, an owner string.
 * REENTRANT: an owner that holds the lock exclusively may take it again; it
 *   then needs as many unlocks, and every nested grant has the same token. */
enum { DEADBOLT_DETACHED = 1u << 0, DEADBOLT_REENTRANT = 1u << 1 };

/* wait_ms value: wait until granted, however long that takes. */
#define DEADBOLT_WAIT_FOREVER (-1)

/* How to take a lock. Fill it with deadbolt_lock_options_init() first, then
 * set the fields you need. */
typedef struct deadbolt_lock_options {
    int         mode;     /* DEADBOLT_EXCLUSIVE or DEADBOLT_SHARED */
    uint32_t    ttl_ms;   /* lease; 0 = no lease (held until unlock or session end) */
    int64_t     wait_ms;  /* 0 = try once; DEADBOLT_WAIT_FOREVER = block */
    const char *owner;    /* NULL = this connection's session */
    unsigned    flags;    /* DEADBOLT_DETACHED | DEADBOLT_REENTRANT */
} deadbolt_lock_options;

/* How to connect. Fill it with deadbolt_connect_options_init() first. */
typedef struct deadbolt_connect_options {
    /* Shown in the daemon's logs; NULL = "libdeadbolt <version>". At most
     * 255 bytes are sent. Copied during the call. */
    const char *client_name;
    /* Longest time for connect(2) and the HELLO exchange together, in ms;
     * -1 = no limit. Default 5000. */
    int64_t     connect_timeout_ms;
    /* Longest wait for the answer to any request, in ms; -1 = no limit.
     * A waiting deadbolt_lock() waits up to its wait_ms plus this. When it
     * passes, the call returns -ETIMEDOUT and the handle is closed, since the
     * answer may still arrive. Default 30000. */
    int64_t     io_timeout_ms;
} deadbolt_connect_options;

/* Why a lock was taken away (the LOST event's reason). A reason this library
 * does not know is passed through as its number: treat it as a loss too. */
enum {
    DEADBOLT_LOST_LEASE_EXPIRED  = 1, /* the lease ran out before it was renewed */
    DEADBOLT_LOST_FORCE_RELEASED = 2, /* an admin force-unlocked it */
    DEADBOLT_LOST_UPSTREAM_LOST  = 3  /* the Redis upstream lost it */
};

/* An event pushed by the daemon. Today the only kind is LOST: a lock this
 * connection took is gone, and writes fenced with `token` are now stale. */
enum { DEADBOLT_EVENT_LOST = 1 };
typedef struct deadbolt_event {
    int      type;                                   /* DEADBOLT_EVENT_LOST */
    int      reason;                                 /* DEADBOLT_LOST_* */
    uint64_t token;                                  /* the lost hold's fencing token */
    char     resource[DEADBOLT_MAX_NAME_BYTES + 1];  /* NUL-terminated */
    char     owner[DEADBOLT_MAX_NAME_BYTES + 1];     /* "" = the session's own lock */
} deadbolt_event;

/* What the daemon told this session in HELLO. */
typedef struct deadbolt_session_info {
    uint16_t protocol_version;         /* DEADBOLT_PROTOCOL_VERSION */
    uint64_t session_id;               /* this connection's id in the daemon (QUERY shows it) */
    uint32_t max_frame_bytes;          /* largest frame body the daemon sends or accepts */
    uint16_t max_name_bytes;           /* longest resource or owner name */
    uint32_t max_locks_per_connection; /* locks this connection may hold at once */
    uint32_t max_waiters_per_connection; /* acquires it may have waiting at once */
    char     server_name[128];         /* e.g. "deadboltd 0.1.0"; truncated, NUL-terminated */
} deadbolt_session_info;

/* One holder of a resource, as deadbolt_query() reports it. */
typedef struct deadbolt_holder {
    const char *owner;          /* "" = held by its session; points into the result */
    uint64_t    session_id;     /* the session that took it (possibly closed, if detached) */
    int32_t     pid;            /* the taking process, from its peer credentials */
    uint32_t    uid;
    uint32_t    gid;
    int         mode;           /* DEADBOLT_EXCLUSIVE or DEADBOLT_SHARED */
    unsigned    flags;          /* DEADBOLT_DETACHED if detached */
    uint64_t    token;          /* fencing token */
    uint32_t    hold_count;     /* > 1 only for reentrant holds */
    uint64_t    held_ms;        /* time since the grant */
    int64_t     lease_remaining_ms; /* -1 = no lease */
} deadbolt_holder;

/* One waiting acquire, as deadbolt_query() reports it, in serving order. */
typedef struct deadbolt_waiter {
    const char *owner;          /* "" = the session; points into the result */
    uint64_t    session_id;
    int32_t     pid;
    uint32_t    uid;
    uint32_t    gid;
    int         mode;
    uint64_t    waited_ms;      /* time since it was queued */
    int64_t     wait_remaining_ms; /* -1 = waits without a deadline */
} deadbolt_waiter;

/* The answer to deadbolt_query(); one allocation, freed with
 * deadbolt_query_result_free(). */
typedef struct deadbolt_query_result {
    size_t           holder_count;
    deadbolt_holder *holders;   /* oldest grant first */
    size_t           waiter_count;
    deadbolt_waiter *waiters;   /* in the order they will be served */
} deadbolt_query_result;

/* --- Version ------------------------------------------------------------ */

/* deadbolt_version() returns DEADBOLT_VERSION_NUMBER of the library actually
 * loaded, which may be newer than the header a program was built with. */
DEADBOLT_EXPORT unsigned deadbolt_version(void);

/* --- Options ------------------------------------------------------------ */

/* deadbolt_lock_options_init() fills *o with the defaults: exclusive, no
 * lease (ttl_ms 0), wait forever, owner NULL (the session), no flags.
 * o must not be NULL. */
DEADBOLT_EXPORT void deadbolt_lock_options_init(deadbolt_lock_options *o);

/* deadbolt_connect_options_init() fills *o with the defaults: client_name
 * NULL, connect_timeout_ms 5000, io_timeout_ms 30000. o must not be NULL. */
DEADBOLT_EXPORT void deadbolt_connect_options_init(deadbolt_connect_options *o);

/* --- Connections -------------------------------------------------------- */

/* deadbolt_connect() connects to the daemon at socket_path, says HELLO, and
 * stores a new handle in *out. A NULL socket_path means $DEADBOLT_SOCKET if
 * set, else the daemon's default: /run/deadbolt/deadbolt.sock as root, else
 * $XDG_RUNTIME_DIR/deadbolt/deadbolt.sock, else /tmp/deadbolt-$UID/deadbolt.sock.
 * It uses the default connect options.
 *
 * Returns 0 on success, with *out owned by the caller until deadbolt_close().
 * On failure returns a negative errno and sets *out to NULL: -EINVAL (out
 * NULL, or a path too long for a Unix socket), -ENOENT, -ECONNREFUSED,
 * -EACCES (from connect(2)), -ETIMEDOUT, -EPROTONOSUPPORT (the daemon does
 * not speak protocol 1), -EDQUOT (the daemon's connection limit, in all or
 * for this uid), -EPERM (the daemon's --allow-uids or --allow-groups keeps
 * this user out), -ESHUTDOWN, -ECONNRESET, -EPROTO, -ENOMEM.
 *
 * The socket is close-on-exec. */
DEADBOLT_EXPORT int deadbolt_connect(const char *socket_path, deadbolt_t **out);

/* deadbolt_connect_with() is deadbolt_connect() with options; o NULL means
 * the defaults. */
DEADBOLT_EXPORT int deadbolt_connect_with(const char *socket_path,
                                          const deadbolt_connect_options *o,
                                          deadbolt_t **out);

/* deadbolt_close() closes the connection and frees the handle. The daemon
 * then releases every session-bound lock of the session and withdraws its
 * waiting acquires; detached locks stay until unlocked or expired. c may be
 * NULL (nothing happens). c must not be used afterwards. */
DEADBOLT_EXPORT void deadbolt_close(deadbolt_t *c);

/* deadbolt_get_session_info() copies what the daemon said in HELLO into *out.
 * Returns 0, or -EINVAL if c or out is NULL. Works on a closed handle too. */
DEADBOLT_EXPORT int deadbolt_get_session_info(const deadbolt_t *c, deadbolt_session_info *out);

/* deadbolt_fd() returns the connection's file descriptor, for poll(2) or an
 * event loop: it is readable when the daemon has pushed an event. Events
 * can also arrive during any other call and wait inside the handle, so drain
 * deadbolt_next_event() until it returns 0 before you poll. The fd belongs to
 * the handle: do not read, write or close it.
 * Returns the fd (>= 0), -EINVAL if c is NULL, or -ENOTCONN if the handle
 * was closed by an error. */
DEADBOLT_EXPORT int deadbolt_fd(const deadbolt_t *c);

/* --- Locks -------------------------------------------------------------- */

/* deadbolt_lock() takes the lock `resource` as *o says (o NULL = the
 * defaults of deadbolt_lock_options_init(): exclusive, no lease, wait
 * forever, owned by the session). With wait_ms > 0 or
 * DEADBOLT_WAIT_FOREVER it blocks until the lock is granted or the wait runs
 * out; wait_ms of 2^32-1 or more counts as DEADBOLT_WAIT_FOREVER. LOST
 * events that arrive meanwhile are kept for deadbolt_next_event().
 *
 * Returns 0 on success and, if token_out is not NULL, stores the grant's
 * fencing token there: it strictly increases per resource, across daemon
 * restarts too. On failure returns, besides the connection errors above:
 * -EAGAIN (a try found it held), -ETIMEDOUT (the wait ran out),
 * -EDEADLK (already held or awaited by this owner), -EINVAL (c or resource
 * NULL, resource empty, an unknown mode or flag, DETACHED with ttl_ms 0,
 * wait_ms below -1, a TTL above the daemon's maximum), -ENAMETOOLONG,
 * -EDQUOT, -ENOLINK, -ESHUTDOWN. *token_out is left unchanged on failure. */
DEADBOLT_EXPORT int deadbolt_lock(deadbolt_t *c, const char *resource,
                                  const deadbolt_lock_options *o, uint64_t *token_out);

/* deadbolt_unlock() releases one hold of `resource` by `owner` (NULL or ""
 * = this session's own hold). A reentrant hold needs as many unlocks as
 * locks. Another connection of the same uid may unlock a lock taken with an
 * owner string by presenting it.
 * Returns 0 on success; -ENOENT if nobody holds the resource under that
 * owner; -EPERM if another owner holds it, or the owner belongs to another
 * uid; -EINVAL, -ENAMETOOLONG, -ENOLINK, or a connection error. */
DEADBOLT_EXPORT int deadbolt_unlock(deadbolt_t *c, const char *resource, const char *owner);

/* deadbolt_renew() sets the remaining lease of the hold of `resource` by
 * `owner` (NULL or "" = this session) to ttl_ms from now; 0 removes the lease
 * of a session-bound hold. The fencing token does not change.
 * Returns 0 on success; -ENOENT, -EPERM as deadbolt_unlock(); -EINVAL also
 * for ttl_ms 0 on a detached hold or above the daemon's maximum TTL;
 * -ENAMETOOLONG, -ENOLINK, or a connection error. */
DEADBOLT_EXPORT int deadbolt_renew(deadbolt_t *c, const char *resource, const char *owner,
                                   uint32_t ttl_ms);

/* deadbolt_force_unlock() removes every holder of `resource`, whoever they
 * are; each whose connection is open gets a LOST event (FORCE_RELEASED).
 * Only root or a member of the daemon's admin group may do this.
 * Returns the number of holders removed (>= 0) on success; -EPERM for
 * anyone else; -EINVAL, -ENAMETOOLONG, or a connection error. */
DEADBOLT_EXPORT int deadbolt_force_unlock(deadbolt_t *c, const char *resource);

/* --- Events ------------------------------------------------------------- */

/* deadbolt_next_event() takes the oldest pending event, if there is one,
 * without blocking: first those received during earlier calls, then any
 * waiting in the socket.
 * Returns 1 and fills *ev when there was an event, 0 when there is none,
 * or a negative errno: -EINVAL (c or ev NULL), or a connection error
 * (-ECONNRESET when the daemon went away, which also means every
 * session-bound lock is lost). */
DEADBOLT_EXPORT int deadbolt_next_event(deadbolt_t *c, deadbolt_event *ev);

/* --- Introspection ------------------------------------------------------ */

/* deadbolt_ping() asks the daemon to answer at once.
 * Returns 0 on success or a connection error. */
DEADBOLT_EXPORT int deadbolt_ping(deadbolt_t *c);

/* deadbolt_query() asks who holds and who waits for `resource`. A resource
 * nobody holds is not an error: both counts are 0.
 * Returns 0 and stores a result in *out that the caller frees with
 * deadbolt_query_result_free(); on failure returns -EINVAL, -ENAMETOOLONG,
 * -ENOMEM or a connection error, and sets *out to NULL. */
DEADBOLT_EXPORT int deadbolt_query(deadbolt_t *c, const char *resource,
                                   deadbolt_query_result **out);

/* deadbolt_query_result_free() frees a result of deadbolt_query(), and every
 * string it points to. r may be NULL. */
DEADBOLT_EXPORT void deadbolt_query_result_free(deadbolt_query_result *r);

/* One of the daemon's counters (docs/PROTOCOL.md, STATS). */
typedef struct deadbolt_counter {
    const char *name;           /* snake_case; "_total" ones only grow; points into the result */
    uint64_t    value;
} deadbolt_counter;

/* The answer to deadbolt_stats(); one allocation, freed with
 * deadbolt_stats_result_free(). */
typedef struct deadbolt_stats_result {
    size_t            count;
    deadbolt_counter *counters;  /* in the daemon's order */
} deadbolt_stats_result;

/* deadbolt_stats() reads all of the daemon's counters. Later daemons may add
 * names: look values up by name, and ignore names you do not know.
 * Returns 0 and stores a result in *out that the caller frees with
 * deadbolt_stats_result_free(); on failure returns -EINVAL, -ENOMEM or a
 * connection error, and sets *out to NULL. */
DEADBOLT_EXPORT int deadbolt_stats(deadbolt_t *c, deadbolt_stats_result **out);

/* deadbolt_stats_result_free() frees a result of deadbolt_stats(). r may be
 * NULL. */
DEADBOLT_EXPORT void deadbolt_stats_result_free(deadbolt_stats_result *r);

/* deadbolt_stat() reads one of the daemon's counters by name ("locks_held",
 * "grants_total", ...).
 * Returns 0 and stores it in *value; -ENOENT if the daemon has no counter of
 * that name; -EINVAL if an argument is NULL; -ENOMEM, or a connection error. */
DEADBOLT_EXPORT int deadbolt_stat(deadbolt_t *c, const char *name, uint64_t *value);

/* One resource, as deadbolt_list() reports it. */
typedef struct deadbolt_list_entry {
    const char *resource;       /* points into the result */
    int         mode;           /* the mode it is held in; with no holder, the first waiter's */
    uint32_t    holder_count;
    uint32_t    waiter_count;
} deadbolt_list_entry;

/* The answer to deadbolt_list(); one allocation, freed with
 * deadbolt_list_result_free(). */
typedef struct deadbolt_list_result {
    size_t               count;
    deadbolt_list_entry *entries;     /* in byte order of their names */
    const char          *next_cursor; /* pass to the next call; "" = no more pages */
} deadbolt_list_result;

/* deadbolt_list() lists the resources that have a holder or a waiter and
 * whose names start with `prefix` (NULL or "" = all), in byte order, one
 * page at a time: `cursor` NULL or "" starts at the beginning, otherwise only
 * names after it are listed; `limit` 0 lets the daemon choose the page size.
 * Returns 0 and stores a result in *out that the caller frees with
 * deadbolt_list_result_free(); on failure returns -EINVAL, -ENAMETOOLONG,
 * -ENOMEM or a connection error, and sets *out to NULL. */
DEADBOLT_EXPORT int deadbolt_list(deadbolt_t *c, const char *prefix, const char *cursor,
                                  uint32_t limit, deadbolt_list_result **out);

/* deadbolt_list_result_free() frees a result of deadbolt_list(). r may be
 * NULL. */
DEADBOLT_EXPORT void deadbolt_list_result_free(deadbolt_list_result *r);

/* deadbolt_last_status() returns the wire status (docs/PROTOCOL.md,
 * "Statuses") of the daemon's answer to the last request sent on this
 * handle: 0 (OK) after a success, e.g. 4 (LOCK_BELONG_TO_OTHERS) or 19
 * (PERMISSION_DENIED) where both map to -EPERM, or -1 if that request got no
 * answer (a connection error). A call that fails its argument checks sends
 * nothing and leaves the value as it was. -EINVAL if c is NULL. */
DEADBOLT_EXPORT int deadbolt_last_status(const deadbolt_t *c);

/* deadbolt_last_message() returns the daemon's English message with the last
 * failure status, e.g. "held by another owner" ("" after a success or when
 * there was none); at most 255 bytes, NUL-terminated. The string belongs to
 * the handle and changes with its next request. NULL if c is NULL. */
DEADBOLT_EXPORT const char *deadbolt_last_message(const deadbolt_t *c);

/* deadbolt_status_name() names a wire status: "OK", "NOT_GRANTED", ...,
 * or NULL for a status this library does not know. Thread-safe. */
DEADBOLT_EXPORT const char *deadbolt_status_name(int status);

/* --- Errors ------------------------------------------------------------- */

/* deadbolt_strerror() describes a return value of this library (negative or
 * positive errno alike; 0 is "success") in English, naming the wire status
 * where there is one, e.g. "lock not granted (NOT_GRANTED)". The string is
 * static: never free it. Thread-safe. */
DEADBOLT_EXPORT const char *deadbolt_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* DEADBOLT_H */
