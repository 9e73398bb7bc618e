/*
 * Dead letters to a Kafka topic: the lines lib/bad writes to a
 * --dead-letter file, produced as messages (the line as the value, no
 * key, in order of failure) through lib/kafka/producer, which accounts
 * for each one.  tide_kdead_put() is a struct tide_bad hook (lib/bad.h),
 * so a program gives its bad-input policy a topic by setting
 * bad.hook = tide_kdead_put, bad.hookctx = &d.
 *
 * The topic must exist: tide_kdead_open() asks the brokers for it within
 * a bounded time, so a wrong name or an unreachable cluster is an error
 * at start, not after the first bad record.  At the end,
 * tide_kdead_finish() waits for every report: what was not delivered is
 * counted (the caller exits 75, as a sink whose records were not
 * delivered).  Delivery reports are served in the caller's thread, from
 * put and finish.  Nothing here prints: errstr says what failed.
 */
#ifndef TIDE_KAFKA_KDEAD_H
#define TIDE_KAFKA_KDEAD_H

#include <stddef.h>
#include <stdint.h>

#include "kafka/kconf.h"
#include "kafka/producer.h"

struct tide_kdead {
	struct tide_producer prod;
	uint64_t sent, failed;
	char errstr[512];	/* the first failure, for the caller's message */
};

/*
 * Open a producer for topic with kc's settings, waiting up to timeout_ms
 * for the brokers.  0, TIDE_ENOENT (no such topic) or TIDE_EKAFKA (bad
 * settings, brokers unreachable), with errstr set.  Call
 * tide_kdead_close() either way.
 */
int tide_kdead_open(struct tide_kdead *d, const struct tide_kconf *kc,
    const char *topic, int timeout_ms);
/* The hook: produce line[0..n) (copied).  0, or TIDE_EKAFKA when
 * librdkafka refuses it at once (errstr says why). */
int tide_kdead_put(void *ctx, const char *line, size_t n);
/* Wait up to timeout_ms for every delivery report; returns the dead
 * letters not delivered (failed, or still pending at the timeout). */
uint64_t tide_kdead_finish(struct tide_kdead *d, int timeout_ms);
void tide_kdead_close(struct tide_kdead *d);

#endif
