/* libFuzzer target: the C client's decoding of what a daemon sends. The
 * input is one frame body; it is decoded as libdeadbolt decodes it (header,
 * status, message), then its payload by every decoder that applies to its
 * type, including the result builders of query, list and stats. Nothing may
 * read out of bounds (ASan) or leak (LeakSanitizer). */
#include "results.h"
#include "wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size copy, so that reading one byte too far is caught. */
    uint8_t *body = malloc(size ? size : 1);
    if (!body) return 0;
    memcpy(body, data, size);

    deadbolt_wire_message message;
    if (deadbolt_wire_decode_message(body, size, &message) == 0 && message.status == DEADBOLT_STATUS_OK) {
        deadbolt_wire_reader p = message.payload;
        switch (message.type) {
        case DEADBOLT_WIRE_LOST: {
            deadbolt_wire_lost lost;
            (void)deadbolt_wire_decode_lost(&p, &lost);
            break;
        }
        case DEADBOLT_WIRE_HELLO | DEADBOLT_WIRE_RESPONSE_BIT: {
            deadbolt_wire_hello_ok ok;
            (void)deadbolt_wire_decode_hello_ok(&p, &ok);
            break;
        }
        case DEADBOLT_WIRE_ACQUIRE | DEADBOLT_WIRE_RESPONSE_BIT: {
            deadbolt_wire_acquire_ok ok;
            (void)deadbolt_wire_decode_acquire_ok(&p, &ok);
            break;
        }
        case DEADBOLT_WIRE_RELEASE | DEADBOLT_WIRE_RESPONSE_BIT:
        case DEADBOLT_WIRE_FORCE_RELEASE | DEADBOLT_WIRE_RESPONSE_BIT: {
            uint32_t count;
            (void)deadbolt_wire_decode_release_ok(&p, &count);
            break;
        }
        case DEADBOLT_WIRE_RENEW | DEADBOLT_WIRE_RESPONSE_BIT: {
            deadbolt_wire_renew_ok ok;
            (void)deadbolt_wire_decode_renew_ok(&p, &ok);
            break;
        }
        case DEADBOLT_WIRE_QUERY | DEADBOLT_WIRE_RESPONSE_BIT: {
            deadbolt_query_result *result = NULL;
            if (deadbolt_decode_query_result(p, &result) == 0) deadbolt_query_result_free(result);
            break;
        }
        case DEADBOLT_WIRE_LIST | DEADBOLT_WIRE_RESPONSE_BIT: {
            deadbolt_list_result *result = NULL;
            if (deadbolt_decode_list_result(p, &result) == 0) deadbolt_list_result_free(result);
            break;
        }
        case DEADBOLT_WIRE_STATS | DEADBOLT_WIRE_RESPONSE_BIT: {
            deadbolt_stats_result *result = NULL;
            if (deadbolt_decode_stats_result(p, &result) == 0) deadbolt_stats_result_free(result);
            break;
        }
        case DEADBOLT_WIRE_CANCEL | DEADBOLT_WIRE_RESPONSE_BIT: {
            int removed;
            (void)deadbolt_wire_decode_cancel_ok(&p, &removed);
            break;
        }
        default:
            break;
        }
    }
    free(body);
    return 0;
}
