/*
 * A consumed Kafka message as a struct tide_env, so tide-source -J and
 * tide-replay -J write the same envelope from the same message.  The
 * envelope points into the message (topic, key, payload, headers) and into
 * the header array, which tide_kmsg_env() grows as needed (*hdrs, *cap:
 * the caller's, start them at NULL, 0, free *hdrs at the end).  It is
 * valid while the message is and until the next call with the same array.
 */
#ifndef TIDE_KAFKA_KMSG_H
#define TIDE_KAFKA_KMSG_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "envelope.h"
#include "expr.h"

void tide_kmsg_env(const rd_kafka_message_t *m, struct tide_env *e,
    struct tide_env_hdr **hdrs, size_t *cap);

/*
 * Whether m passes the filter x (lib/expr.h), its @ names from m: with rec
 * NULL on its metadata alone (x->meta_only: before its value is parsed),
 * else on rec[0..n), the record as it is written (payload or envelope); a
 * barrier line (lib/barrier.h) passes.  1, 0, or TIDE_ERANGE (a regex
 * reached its match limit).  hdrs and cap as for tide_kmsg_env().
 */
int tide_kmsg_where(struct tide_expr *x, const rd_kafka_message_t *m,
    const char *rec, size_t n, struct tide_env_hdr **hdrs, size_t *cap);

#endif
