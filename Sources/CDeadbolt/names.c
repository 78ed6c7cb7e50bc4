/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE 1
#include "names.h"
#include "deadbolt.h"

#include <errno.h>
#include <string.h>

deadbolt_wire_string deadbolt_string(const char *s) {
    deadbolt_wire_string out = {s ? s : "", s ? strlen(s) : 0};
    return out;
}

/* strnlen bounds the scan: a name without a NUL within 256 bytes is too long. */
int deadbolt_check_owner(const char *owner, deadbolt_wire_string *out) {
    size_t length = owner ? strnlen(owner, DEADBOLT_MAX_NAME_BYTES + 1) : 0;
    if (length > DEADBOLT_MAX_NAME_BYTES) return -ENAMETOOLONG;
    out->bytes = owner ? owner : "";
    out->length = length;
    return 0;
}

int deadbolt_check_resource(const char *resource, deadbolt_wire_string *out) {
    if (!resource || resource[0] == '\0') return -EINVAL;
    return deadbolt_check_owner(resource, out);
}

int deadbolt_check_resource_and_owner(const char *resource, const char *owner, deadbolt_wire_string *resource_out,
                                      deadbolt_wire_string *owner_out) {
    int err = deadbolt_check_resource(resource, resource_out);
    return err < 0 ? err : deadbolt_check_owner(owner, owner_out);
}
