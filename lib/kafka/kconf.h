/*
 * Kafka configuration shared by every program that talks to Kafka: -b
 * BROKERS (or $TIDE_BROKERS), -X prop=value (a "topic." prefix sets a
 * topic-level property), -F FILE of prop=value lines (or $TIDE_CONFIG; "#"
 * comments and blank lines allowed), -d DEBUG.  Settings pass straight
 * through to librdkafka: tide has no second configuration language.  The
 * collected settings are applied in order (file first, then -X in the order
 * given, then -b), so the command line wins.  Secrets (*password*,
 * *secret*, sasl.oauthbearer.config, ssl.key.pem ...) are redacted in any
 * dump.
 */
#ifndef TIDE_KAFKA_KCONF_H
#define TIDE_KAFKA_KCONF_H

#include <stddef.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

struct tide_kconf {
	char **props;		/* "name=value" strings, in order of application */
	size_t nprops;
	char *brokers;
	char *debug;
	size_t nfile;		/* props[0..nfile) came from -F files */
	int files;		/* -F files read (so $TIDE_CONFIG is not) */
	char *warning;		/* see tide_kconf_warning() */
};

/* Where a setting failed: the property, and librdkafka's message. */
struct tide_kconf_err {
	char msg[512];
};

void tide_kconf_init(struct tide_kconf *kc);
void tide_kconf_release(struct tide_kconf *kc);
/* Record -b, -X, -F, -d as they come; 0 or TIDE_EINVAL / TIDE_EIO with err. */
int tide_kconf_brokers(struct tide_kconf *kc, const char *brokers);
int tide_kconf_set(struct tide_kconf *kc, const char *prop_eq_value,
    struct tide_kconf_err *err);
int tide_kconf_file(struct tide_kconf *kc, const char *path,
    struct tide_kconf_err *err);
int tide_kconf_debug(struct tide_kconf *kc, const char *contexts);
/*
 * Record option id ('b', 'X', 'F' or 'd': TIDE_KOPTS_CONF, kafka/kopt.h)
 * with its argument.  1 when it was one of them, 0 when id is another
 * option (nothing done), TIDE_EINVAL (a usage error) or TIDE_EIO (an -F
 * file that cannot be read) with err->msg naming the option: "-F: ...".
 */
int tide_kconf_option(struct tide_kconf *kc, int id, const char *arg,
    struct tide_kconf_err *err);
/* A warning for the program to print once options are read, or NULL: an
 * -F / $TIDE_CONFIG file sets a secret (tide_kconf_is_secret()) and its
 * group or others may read it.  Owned by kc.  Messages from this module
 * never quote a value: a malformed line shows the property's name only,
 * and librdkafka's complaint about a secret's value is replaced. */
const char *tide_kconf_warning(const struct tide_kconf *kc);
/* Fill in $TIDE_CONFIG and $TIDE_BROKERS where -F / -b were not given.
 * Call after option parsing. */
int tide_kconf_env(struct tide_kconf *kc, struct tide_kconf_err *err);
/* Whether brokers were given: -b, $TIDE_BROKERS or a bootstrap.servers /
 * metadata.broker.list setting. */
int tide_kconf_has_brokers(const struct tide_kconf *kc);
/*
 * Build an rd_kafka_conf_t: tide's own defaults (TIDE_KCONF_DEFAULTS), the
 * caller's (as "name=value" strings, NULL-terminated), then the user's
 * settings, so the user's win.  Returns the conf or NULL with err filled in
 * (unknown property, bad value).
 *
 * tide's defaults: reconnect.backoff.max.ms=1000.  librdkafka's 10 s lets
 * a client that failed to reconnect through an outage of a few seconds
 * (the backoff doubles with each try) wait up to 15 s more once the
 * brokers are back, longer than the bounds the programs wait for them
 * (--down-timeout, --metadata-timeout: 10 s): with 1 s, a client is back
 * within 1.5 s (librdkafka's jitter) of its brokers.
 */
#define TIDE_KCONF_DEFAULTS "reconnect.backoff.max.ms=1000"
rd_kafka_conf_t *tide_kconf_build(const struct tide_kconf *kc,
    const char *const *defaults, struct tide_kconf_err *err);
/* Print the effective settings, secrets redacted, one per line. */
void tide_kconf_dump(const rd_kafka_conf_t *conf, FILE *fp);
int tide_kconf_is_secret(const char *name);

#endif
