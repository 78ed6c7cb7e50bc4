/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_NAMES_H
#define DEADBOLT_NAMES_H

/* Checks of the names a caller passes in, before anything is sent: the
 * daemon checks them again (and UTF-8 validity, which only it checks). */

#include "wire.h"

/* A C string as a byte run; NULL is the empty string. */
DEADBOLT_INTERNAL deadbolt_wire_string deadbolt_string(const char *s);

/* A resource: -EINVAL if NULL or empty, -ENAMETOOLONG above 255 bytes. */
DEADBOLT_INTERNAL int deadbolt_check_resource(const char *resource, deadbolt_wire_string *out);

/* An owner, a LIST prefix or cursor: NULL is "", -ENAMETOOLONG above 255 bytes. */
DEADBOLT_INTERNAL int deadbolt_check_owner(const char *owner, deadbolt_wire_string *out);

/* Both checks, resource first. */
DEADBOLT_INTERNAL int deadbolt_check_resource_and_owner(const char *resource, const char *owner,
                                                        deadbolt_wire_string *resource_out,
                                                        deadbolt_wire_string *owner_out);

#endif /* DEADBOLT_NAMES_H */
