/*
 * The Schema Registry options shared by tide-source, tide-replay and
 * tide-sink, as bound entries of an option table (struct tide_option,
 * lib/prog.h), in the spirit of kcat's -r and librdkafka's
 * schema.registry.* settings:
 *
 *	--schema-registry url            ($TIDE_SCHEMA_REGISTRY)
 *	--schema-registry-auth user:pass ($TIDE_SCHEMA_REGISTRY_AUTH)
 *	--schema-registry-ca file, --schema-registry-cert file,
 *	--schema-registry-key file, --schema-registry-insecure
 *	--schema-registry-timeout duration (default 30s)
 *
 * One help text and one message form for every program that splices them
 * in; a password (in --schema-registry-auth, or the URL's user info) is
 * never printed, not even in a usage error.  tide_sropt_open() is the
 * frame's half: it reads the environment for what the command line left
 * out, makes the client (lib/schema/sreg.h), dies with a usage error on a
 * URL that is not one, dies with 74 on a --schema-registry-ca, -cert or
 * -key file that cannot be read (at start, before any request), notes
 * that they are not used with an http:// URL, and turns the client's
 * first retry of a request into a warning ("schema registry URL:
 * unreachable (why), retrying for up to 30s"):
 *
 *	static struct tide_sropt so;
 *	static const struct tide_option opts[] = {
 *		TIDE_SROPTS(&so),
 *		...
 *	r = tide_sropt_open(&so);	// NULL: no registry given
 *	if ((rc = tide_sreg_latest(r, subj, &s, err, sizeof(err))) < 0)
 *		tide_die(tide_sropt_exit(rc), "%s", err);
 */
#ifndef TIDE_SCHEMA_SROPT_H
#define TIDE_SCHEMA_SROPT_H

#include <stdint.h>

#include "prog.h"
#include "schema/sreg.h"
#include "schema/wire.h"

/* Option ids of the group: above any program's and lib/prog.h's. */
enum {
	TIDE_OPT_SREG = 1200,
	TIDE_OPT_SREG_AUTH,
	TIDE_OPT_SREG_CA,
	TIDE_OPT_SREG_CERT,
	TIDE_OPT_SREG_KEY,
	TIDE_OPT_SREG_INSECURE,
	TIDE_OPT_SREG_TIMEOUT,
};

struct tide_sropt {
	const char *url, *auth, *ca, *cert, *key;	/* into argv, or NULL */
	int insecure;
	int64_t timeout_ms;				/* 0: 30s */
};

/* dest: a struct tide_sropt (checks the argument, names the option). */
tide_opt_cb tide_sropt_option;

#define TIDE_SROPTS(so)							\
	TIDE_OPT_CALLBACK(TIDE_OPT_SREG, "schema-registry", "url",	\
	    "Confluent Schema Registry, http[s]://[user:pass@]host:port "	\
	    "(default $TIDE_SCHEMA_REGISTRY)", tide_sropt_option, (so)),	\
	TIDE_OPT_CALLBACK(TIDE_OPT_SREG_AUTH, "schema-registry-auth",	\
	    "user:pass", "the registry's basic auth (default "		\
	    "$TIDE_SCHEMA_REGISTRY_AUTH)", tide_sropt_option, (so)),	\
	TIDE_OPT_CALLBACK(TIDE_OPT_SREG_CA, "schema-registry-ca", "file",	\
	    "CA certificates to verify the registry with (PEM)",	\
	    tide_sropt_option, (so)),					\
	TIDE_OPT_CALLBACK(TIDE_OPT_SREG_CERT, "schema-registry-cert",	\
	    "file", "client certificate for the registry (PEM)",	\
	    tide_sropt_option, (so)),					\
	TIDE_OPT_CALLBACK(TIDE_OPT_SREG_KEY, "schema-registry-key", "file",	\
	    "the client certificate's private key (PEM)",		\
	    tide_sropt_option, (so)),					\
	TIDE_OPT_FLAG(TIDE_OPT_SREG_INSECURE, "schema-registry-insecure",	\
	    "do not verify the registry's certificate", &(so)->insecure),	\
	TIDE_OPT_DUR(TIDE_OPT_SREG_TIMEOUT, "schema-registry-timeout",	\
	    "duration", "give up on an unreachable registry after duration "	\
	    "(default 30s)", &(so)->timeout_ms, 1, 3600000)

/* The client for what the options and the environment say, or NULL when
 * neither names a registry.  A URL that is not one is a usage error (64);
 * retries become warnings (not under -q).  The caller frees it with
 * tide_sreg_free(). */
struct tide_sreg *tide_sropt_open(struct tide_sropt *so);

/* A usage error (64) when r is NULL: what ("--value-format avro") cannot
 * work without a registry, so it is said once at start rather than for
 * every message read (and committed) as bad input. */
void tide_sropt_need(const struct tide_sreg *r, const char *what);

/* The exit status of a tide_sreg_* failure at start: 69 when the
 * registry cannot be used (TIDE_EAGAIN, TIDE_EIO, TIDE_EFORMAT) or has no
 * such subject or id (TIDE_ENOENT: as a topic that does not exist), 65
 * for a schema that is not one or that it refused (TIDE_EINVAL), 128 +
 * the signal for a wait a stop signal ended (TIDE_EINTR).  (An
 * unknown id in a message is that record's bad input, not this.) */
int tide_sropt_exit(int code);

/*
 * The readers' set-up (tide-source, tide-replay): the registry group and
 * lib/schema/wire's options (wo) into the wire w, in one call.  The
 * options are checked (a usage error, 64: a bad format, --avro-json or
 * --decimal-format; avro, --avro-json or --decimal-format without a
 * registry); with reg the registry is
 * opened (tide_sropt_open), with desc --proto-descriptor's set read.
 * Returns 1 when w reads keys or values (a registry, or a format other
 * than auto and json: hand w to the reading), 0 when messages are as they
 * are, or tide_wire_proto()'s code with w->err (the caller dies with
 * tide_sropt_wire_exit() of it).  tide_sropt_wire_release() releases w
 * and frees its registry.
 */
int tide_sropt_wire(struct tide_wire *w, struct tide_sropt *so,
    const struct tide_wire_opts *wo, int reg, int desc);
/* 64 for a --proto-message the set lacks, else tide_exit_of(code). */
int tide_sropt_wire_exit(int code);
void tide_sropt_wire_release(struct tide_wire *w);
/* The one note (stderr, not under -q) of a reader that met a value that
 * looks framed (tide_wire_framed_id() gave id) while it reads values as
 * they are: --schema-registry would decode it.  Said once a run: the
 * caller stops looking once it has. */
void tide_sropt_framed_note(const char *topic, int32_t partition,
    int64_t offset, int32_t id);
/* Whether any option of the two groups is given (they read Kafka
 * messages only: with files, a usage error). */
int tide_sropt_wire_given(const struct tide_sropt *so,
    const struct tide_wire_opts *wo);

#endif
