/* SPDX-License-Identifier: MIT */
/* Wire statuses, the errno each maps to, and deadbolt_strerror(). The table
 * is the one in deadbolt.h's opening comment; keep the two in step. */
#define _GNU_SOURCE 1
#include "deadbolt.h"
#include "wire.h"

#include <errno.h>
#include <string.h>

struct status_entry {
    uint16_t    status;
    const char *name;
    int         error; /* negative errno; 0 for OK */
};

static const struct status_entry statuses[] = {
    {DEADBOLT_STATUS_OK, "OK", 0},
    {DEADBOLT_STATUS_NOT_GRANTED, "NOT_GRANTED", -EAGAIN},
    {DEADBOLT_STATUS_WAIT_TIMEOUT, "WAIT_TIMEOUT", -ETIMEDOUT},
    {DEADBOLT_STATUS_LOCK_UNEXIST, "LOCK_UNEXIST", -ENOENT},
    {DEADBOLT_STATUS_LOCK_BELONG_TO_OTHERS, "LOCK_BELONG_TO_OTHERS", -EPERM},
    {DEADBOLT_STATUS_ALREADY_HELD, "ALREADY_HELD", -EDEADLK},
    {DEADBOLT_STATUS_CANCELLED, "CANCELLED", -ECANCELED},
    {DEADBOLT_STATUS_SHUTTING_DOWN, "SHUTTING_DOWN", -ESHUTDOWN},
    {DEADBOLT_STATUS_INVALID_ARGUMENT, "INVALID_ARGUMENT", -EINVAL},
    {DEADBOLT_STATUS_NAME_TOO_LONG, "NAME_TOO_LONG", -ENAMETOOLONG},
    {DEADBOLT_STATUS_QUOTA_EXCEEDED, "QUOTA_EXCEEDED", -EDQUOT},
    {DEADBOLT_STATUS_PERMISSION_DENIED, "PERMISSION_DENIED", -EPERM},
    {DEADBOLT_STATUS_UPSTREAM_UNAVAILABLE, "UPSTREAM_UNAVAILABLE", -ENOLINK},
    {DEADBOLT_STATUS_PROTOCOL_ERROR, "PROTOCOL_ERROR", -EPROTO},
    {DEADBOLT_STATUS_UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION", -EPROTONOSUPPORT},
    {DEADBOLT_STATUS_INTERNAL, "INTERNAL", -EREMOTEIO},
};

static const struct status_entry *find_status(uint16_t status) {
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        if (statuses[i].status == status) return &statuses[i];
    }
    return NULL;
}

int deadbolt_wire_status_errno(uint16_t status) {
    const struct status_entry *entry = find_status(status);
    return entry ? entry->error : -EREMOTEIO;
}

const char *deadbolt_wire_status_name(uint16_t status) {
    const struct status_entry *entry = find_status(status);
    return entry ? entry->name : NULL;
}

const char *deadbolt_status_name(int status) {
    return status < 0 || status > UINT16_MAX ? NULL : deadbolt_wire_status_name((uint16_t)status);
}

const char *deadbolt_strerror(int err) {
    switch (err < 0 ? -err : err) {
    case 0: return "success";
    case EAGAIN: return "lock not granted: held by another (NOT_GRANTED)";
    case ETIMEDOUT: return "timed out: the wait ran out, or the daemon did not answer in time (WAIT_TIMEOUT)";
    case ENOENT: return "no such lock, or no daemon socket at that path (LOCK_UNEXIST)";
    case EPERM: return "not permitted: held by another owner, or another uid's (LOCK_BELONG_TO_OTHERS, PERMISSION_DENIED)";
    case EDEADLK: return "already held or awaited by this owner (ALREADY_HELD)";
    case ECANCELED: return "the waiting acquire was cancelled (CANCELLED)";
    case ESHUTDOWN: return "the daemon is shutting down (SHUTTING_DOWN)";
    case EINVAL: return "invalid argument (INVALID_ARGUMENT)";
    case ENAMETOOLONG: return "name longer than 255 bytes (NAME_TOO_LONG)";
    case EDQUOT: return "a limit of the daemon was reached (QUOTA_EXCEEDED)";
    case ENOLINK: return "the daemon's upstream is unavailable (UPSTREAM_UNAVAILABLE)";
    case EPROTO: return "protocol error: a malformed request or answer (PROTOCOL_ERROR)";
    case EPROTONOSUPPORT: return "the daemon does not speak this protocol version (UNSUPPORTED_VERSION)";
    case EREMOTEIO: return "the daemon failed the request (INTERNAL, or a status this library does not know)";
    case ECONNRESET: return "the daemon closed the connection; session-bound locks are lost";
    case EPIPE: return "the daemon closed the connection; session-bound locks are lost";
    case ENOTCONN: return "the connection was closed by an earlier error";
    case ENOMEM: return "out of memory";
    case ECONNREFUSED: return "no daemon is listening on the socket";
    case EACCES: return "permission denied by the socket's file mode or group";
    default: break;
    }
#ifdef __GLIBC__
    const char *text = strerrordesc_np(err < 0 ? -err : err); /* thread-safe, unlike strerror() */
    if (text) return text;
#endif
    return "unknown error";
}
