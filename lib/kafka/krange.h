/*
 * A bounded range of one topic read as a plain sequence of message
 * values, one at a time, as a file is read: tide-diff's kafka: sides.
 * The range is tide-source's (--from/--to times, -o offsets, -p
 * partitions; lib/kafka/offsets.h), read without a group and ending, as
 * tide-source -e does, at the end of each partition as of the start
 * (or at --to).  Partitions come interleaved as the brokers hand them
 * out: the order across partitions is not the topic's.
 *
 * Ownership: struct tide_krange is the caller's and must not move once
 * opened (its consumer's callbacks point into it).  A value handed out
 * by tide_krange_next() is valid until the next call or the close.
 * Nothing is allocated per message.  lib never prints: failures come back
 * as TIDE_E* codes with the words in err.
 */
#ifndef TIDE_KAFKA_KRANGE_H
#define TIDE_KAFKA_KRANGE_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "kafka/kconf.h"
#include "kafka/kconsumer.h"
#include "kafka/kparts.h"
#include "kafka/offsets.h"

#define TIDE_KRANGE_BATCH 256

/* What to read: topic, partitions (all when nparts is 0), from (default
 * the beginning) and to (default the end as of the start). */
struct tide_krange_spec {
	const char *topic;
	const int32_t *parts;
	size_t nparts;
	struct tide_offspec from, to;
};

struct tide_krange {
	struct tide_kconsumer kc;
	struct tide_kparts kp;
	char *names[1];
	rd_kafka_message_t *msgs[TIDE_KRANGE_BATCH];
	size_t n, i;
	rd_kafka_message_t *cur;	/* the value handed out last */
	int open;
};

/*
 * Connect with kc's settings (client.id client_id), find the topic's
 * partitions, resolve and assign their ranges, waiting up to md_timeout_ms
 * for brokers (and, once reading, as long for brokers lost on the way).
 * 0; TIDE_EINVAL for a bad setting (a usage error), TIDE_ENOENT for a
 * topic or partition not there, TIDE_EKAFKA when the brokers do not
 * answer; err says which.  Close even on failure.
 */
int tide_krange_open(struct tide_krange *k, const struct tide_kconf *kc,
    const char *client_id, const struct tide_krange_spec *spec,
    int64_t md_timeout_ms, struct tide_kconsumer_err *err);

/*
 * The next message of the range: 1 with its value p[0..len) (len 0 for a
 * tombstone), partition and offset; 0 when every partition has reached its
 * end; TIDE_EKAFKA when the client fails, the topic goes away, or the
 * brokers stay away past the timeout (err says which).
 */
int tide_krange_next(struct tide_krange *k, const char **p, size_t *len,
    int32_t *partition, int64_t *offset, struct tide_kconsumer_err *err);

void tide_krange_close(struct tide_krange *k);

#endif
