/*
 * A topic's administration through librdkafka's Admin API, on a client
 * handle the caller already has (a producer's will do): create a topic
 * with a number of partitions (CreateTopics), and read its retention.ms
 * (DescribeConfigs); and what that retention means for a record's
 * timestamp.
 *
 * Both requests go to the cluster's controller and wait at most
 * timeout_ms, so a cluster that cannot answer them costs a bounded wait
 * and an error, never a hang.  librdkafka's mock cluster (tide-mock) names
 * no controller among its brokers, so it answers neither:
 * tide_kadmin_controller() tells such a cluster up front, for a caller
 * that would rather not wait for a reply that cannot come.
 *
 * Calls return 0 or a negative TIDE_E* code, with librdkafka's (or the
 * broker's) message in errstr; nothing here prints.
 */
#ifndef TIDE_KAFKA_KADMIN_H
#define TIDE_KAFKA_KADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

/*
 * Create topic with partitions partitions (> 0) and the brokers' default
 * replication factor (default.replication.factor: Kafka 2.4 or later),
 * waiting up to timeout_ms for the answer.  Returns 0 once created, 1
 * when the topic exists already, TIDE_EKAFKA otherwise (the error in
 * errstr, as "name: message").
 */
int tide_kadmin_create(rd_kafka_t *rk, const char *topic, int32_t partitions,
    int timeout_ms, char *errstr, size_t errlen);

/*
 * Whether the cluster rk last read metadata from names a controller that
 * is one of its brokers (so that Admin requests can be served): 1 or 0;
 * TIDE_EKAFKA when the metadata cannot be read within timeout_ms.
 */
int tide_kadmin_controller(rd_kafka_t *rk, int timeout_ms, char *errstr,
    size_t errlen);

/*
 * Read topic's retention.ms into *ms, waiting up to timeout_ms: -1 when
 * the topic keeps records for ever.  Returns 0, or TIDE_EKAFKA (why in
 * errstr).
 */
int tide_kadmin_retention(rd_kafka_t *rk, const char *topic, int timeout_ms,
    int64_t *ms, char *errstr, size_t errlen);

/*
 * Whether a record stamped ts_ms (epoch ms), produced at now_ms to a topic
 * of retention retention_ms (negative: for ever, or not known), is older
 * than the retention already -- ts_ms < now_ms - retention_ms -- so that
 * the brokers may delete it at once: 1 or 0.
 */
int tide_kadmin_expired(int64_t retention_ms, int64_t ts_ms, int64_t now_ms);

#endif
