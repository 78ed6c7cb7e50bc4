/* SPDX-License-Identifier: MIT */
#ifndef DEADBOLT_RESULTS_H
#define DEADBOLT_RESULTS_H

/* The result structs of deadbolt_query(), deadbolt_list() and
 * deadbolt_stats(), built from an OK payload: one allocation each, freed
 * with the matching *_result_free(). Each returns 0, -EPROTO if the payload
 * is malformed (nothing is allocated), or -ENOMEM. */

#include "deadbolt.h"
#include "wire.h"

DEADBOLT_INTERNAL int deadbolt_decode_query_result(deadbolt_wire_reader payload, deadbolt_query_result **out);
DEADBOLT_INTERNAL int deadbolt_decode_list_result(deadbolt_wire_reader payload, deadbolt_list_result **out);
DEADBOLT_INTERNAL int deadbolt_decode_stats_result(deadbolt_wire_reader payload, deadbolt_stats_result **out);

#endif /* DEADBOLT_RESULTS_H */
