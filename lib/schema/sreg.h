/*
 * lib/schema/sreg: a Confluent Schema Registry client (libcurl), and the
 * cache of the schemas it fetched.  A schema is fetched once per id (GET
 * /schemas/ids/N) and kept for the life of the struct, so a cache miss
 * costs one HTTP request and a hit none.  It also finds a subject's latest
 * version (GET /subjects/S/versions/latest) and registers a schema under a
 * subject (POST /subjects/S/versions), as a producer does with
 * TopicNameStrategy ("TOPIC-value", "TOPIC-key").
 *
 * The URL may carry user:password@ for basic auth; the configuration adds
 * what kcat's -r and librdkafka's schema.registry.* settings allow: basic
 * auth user info, a CA file, a client certificate and key, and no peer
 * verification when asked.  A registry that cannot be reached is retried
 * with back-off for at most connect_timeout_ms in all (retried once at
 * least, however long the first try took), and is then
 * TIDE_EAGAIN ("URL: unreachable (retried for 30s): why") for the caller
 * to make exit 69; a registry
 * that answers with an error (404 for an unknown id, 422 for a schema it
 * refuses, 401/403) is that error at once, with the registry's own message
 * in err.  lib/ never prints: each retry is counted in the struct, and the
 * caller's notes come from tide_sreg_retrying(), or, while a call is still
 * retrying, from the conf's on_retry hook (the caller prints; the lib
 * calls it once a request, at its first retry).  A stop signal (lib/sig)
 * that comes while a request waits -- for an answer or between retries --
 * ends it within a second, as TIDE_EINTR ("URL: interrupted
 * by SIGINT while retrying"): an on-call user's Ctrl-C is not held for the
 * whole bound.  A signal that came before the request does not (a stage
 * that drains still asks).
 *
 * What a call can return, for the caller's exit status: TIDE_ENOENT (404:
 * no such id, subject or version) and TIDE_EINVAL (422: a schema the
 * registry refuses) are about the data; TIDE_EAGAIN (unreachable, or 5xx,
 * for the whole bound) and TIDE_EIO (401 or 403, a TLS failure, another
 * HTTP status) mean the registry cannot be used (exit 69); TIDE_EFORMAT
 * is an answer that is not what the API promises; TIDE_EINTR a wait a
 * stop signal ended.  err never holds the
 * password: the URL in messages is the one without its user info.
 *
 * Schemas cached by id stay for the struct's life; a subject's latest
 * version is asked once and then kept too (a producer's run registers or
 * looks up once).  An id the registry does not have (404) is remembered
 * for 30 s (up to 4096 ids): a topic whose messages name an unknown id
 * costs a request every 30 s, not one a message, and the id is asked
 * again after that (a registry follower may have been behind).  One easy
 * handle is reused, so the connection is kept
 * alive between requests; the struct is not shared between threads.
 *
 * Schema references (Confluent's "references" array: a .proto file that
 * imports another, an Avro schema that uses a named type another subject
 * defines) come with the schema, as the registry gave them; each names a
 * subject and a version, fetched by GET /subjects/S/versions/V and cached
 * as the schemas by id are (by subject and version, and by the id the
 * answer carries).  tide_sreg_deps() follows them, references of
 * references too, into the list a compiler wants: every schema needed,
 * once, each after the ones it needs.  A registry that is hostile or
 * broken is refused with a named reason, never followed for long: a cycle,
 * references nested past TIDE_SREG_MAXREFDEPTH, more than TIDE_SREG_MAXREFS
 * schemas in all, a reference to a schema of another type, one name
 * given to two schemas.
 */
#ifndef TIDE_SCHEMA_SREG_H
#define TIDE_SCHEMA_SREG_H

#include <stddef.h>
#include <stdint.h>

enum tide_sreg_type {
	TIDE_SREG_AVRO = 0,
	TIDE_SREG_PROTOBUF = 1,
	TIDE_SREG_JSON = 2
};

struct tide_sreg_conf {
	const char *url;		/* http(s)://[user:pass@]host:port[/path] */
	const char *basic_auth;		/* "user:password", or NULL */
	const char *ca_file;		/* or NULL: the system's */
	const char *cert_file, *key_file; /* client TLS, or NULL */
	int insecure;			/* do not verify the peer */
	int connect_timeout_ms;		/* all retries together; 0: 30000 */
	/* Called when a request is first retried: why is the failure,
	 * waited_ms the wait so far.  NULL: none. */
	void (*on_retry)(void *ctx, const char *why, long waited_ms);
	void *ctx;
};

/* Bounds on a schema's references, followed: how deep, how many. */
#define TIDE_SREG_MAXREFDEPTH 32
#define TIDE_SREG_MAXREFS 256

/* One schema reference: the name the referring schema uses (a .proto
 * file's import path; for Avro, the named type's full name), and the
 * subject and version that hold it. */
struct tide_sreg_ref {
	const char *name, *subject;
	int32_t version;
};

/* One schema as the registry gave it. */
struct tide_sreg_schema {
	int32_t id;
	enum tide_sreg_type type;
	const char *text;	/* the schema (Avro JSON, .proto text, ...) */
	size_t len;
	const struct tide_sreg_ref *refs;	/* its "references", in order */
	size_t nrefs;
	void *decoder;		/* the caller's parsed form, cached with it */
	void (*decoder_free)(void *);
};

struct tide_sreg;

/* NULL with err set when the URL is not http(s)://... (err never shows
 * its user info).  Strings of c are copied. */
struct tide_sreg *tide_sreg_new(const struct tide_sreg_conf *c, char *err,
    size_t errlen);
void tide_sreg_free(struct tide_sreg *r);

/* The schema with this id, from the cache or fetched: 0 and *out (owned
 * by r, valid until tide_sreg_free), or TIDE_ENOENT (no such id),
 * TIDE_EAGAIN (unreachable past the timeout), TIDE_EFORMAT (an answer
 * that is not a schema), with err saying why. */
int tide_sreg_by_id(struct tide_sreg *r, int32_t id,
    const struct tide_sreg_schema **out, char *err, size_t errlen);

/* The latest version of subject: as tide_sreg_by_id. */
int tide_sreg_latest(struct tide_sreg *r, const char *subject,
    const struct tide_sreg_schema **out, char *err, size_t errlen);

/* Version `version` of subject (GET /subjects/S/versions/V, cached by
 * subject and version): as tide_sreg_by_id. */
int tide_sreg_version(struct tide_sreg *r, const char *subject,
    int32_t version, const struct tide_sreg_schema **out, char *err,
    size_t errlen);

/* A schema that s needs, directly or through another, and the name its
 * referrer gives it. */
struct tide_sreg_dep {
	const char *name;
	const struct tide_sreg_schema *schema;
};

/*
 * s's references followed (fetched as tide_sreg_version does): 0 and
 * *deps (malloc'd, the caller frees it; NULL when *n is 0), *n entries,
 * each schema after those it needs, a schema needed twice once (twice
 * when two referrers give it two names).  Or, with err naming the
 * reference ("reference \"a.proto\" (subject 'a' version 1): ..."):
 * TIDE_ENOENT (a subject or version the registry does not have),
 * TIDE_EINVAL (a cycle, nested past TIDE_SREG_MAXREFDEPTH, more than
 * TIDE_SREG_MAXREFS, a schema of another type than s's, a name given to
 * two schemas), or the registry's failures as tide_sreg_by_id.
 */
int tide_sreg_deps(struct tide_sreg *r, const struct tide_sreg_schema *s,
    struct tide_sreg_dep **deps, size_t *n, char *err, size_t errlen);

/* Register text under subject (the registry returns the existing id when
 * the schema is already there): 0 and *id, or as tide_sreg_by_id
 * (TIDE_EINVAL: the registry refused the schema, its message in err). */
int tide_sreg_register(struct tide_sreg *r, const char *subject,
    enum tide_sreg_type type, const char *text, size_t len, int32_t *id,
    char *err, size_t errlen);

/* Retries made since the last call (for the caller's "retrying" notes),
 * and the last reason. */
unsigned tide_sreg_retrying(struct tide_sreg *r, const char **why);

/* The registry's URL without user info, for messages. */
const char *tide_sreg_url(const struct tide_sreg *r);

#endif
