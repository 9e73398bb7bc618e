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

void tide_kmsg_env(const rd_kafka_message_t *m, struct tide_env *e,
    struct tide_env_hdr **hdrs, size_t *cap);

#endif
