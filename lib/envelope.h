/*
 * The tide envelope: one Kafka message as one JSON line (tide-source -J,
 * tide-replay -J), and back (tide-sink --envelope).
 *
 *   {"topic":"tx","partition":3,"offset":1042,"ts":1764547200123,
 *    "ts_type":"create","key":"a17","headers":[["h","v"]],"value":{...}}
 *
 * Fields are always written in that order.  A payload (key or value) is
 * written as:
 *   - its own bytes, when they are a JSON object or array that starts with
 *     "{" or "[", ends with "}" or "]" and holds no line break (so the
 *     envelope embeds it byte for byte and decoding gives back the same
 *     bytes);
 *   - a JSON string of its exact text, for any other UTF-8 payload (plain
 *     text, a bare number or string, JSON over several lines, "");
 *   - null, for a null payload;
 *   - "key_b64"/"value_b64" (base64) instead of "key"/"value", for bytes
 *     that are not UTF-8.
 * "ts" is epoch milliseconds, or null when the message has none ("ts_type"
 * is then "none"); "ts_type" is "create" or "log_append".  "headers" is an
 * array of [name, value] pairs, order and duplicates kept, always present
 * (possibly empty); a null header value is null, and a name or value that
 * is not UTF-8 is written as {"b64":"..."}.
 *
 * A payload decoded from a schema's binary form (tide-source and
 * tide-replay with a Schema Registry: lib/schema/wire) is JSON text the
 * envelope writes as it is (TIDE_ENV_AS_JSON), and the schema's id follows
 * it: "key_schema_id" after "key", "value_schema_id" after "value";
 * TIDE_ENV_AS_B64 writes a payload as "key_b64"/"value_b64" whatever it
 * holds (--key-format bytes).
 *
 * Decoding accepts the fields in any order and ignores unknown ones, so an
 * envelope edited by jq still decodes; only "value"/"value_b64" is
 * required.  The decoder keeps what it returns in its own buffers or in the
 * line itself: the result is valid until the next decode, and as long as
 * the line's bytes are.
 */
#ifndef TIDE_ENVELOPE_H
#define TIDE_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

enum tide_env_ts_type {
	TIDE_ENV_TS_NONE = 0,
	TIDE_ENV_TS_CREATE,
	TIDE_ENV_TS_LOG_APPEND,
};

/* How a payload is written: by the rules above, as JSON text that it
 * is, or as base64. */
enum tide_env_as {
	TIDE_ENV_AS_AUTO = 0,
	TIDE_ENV_AS_JSON,
	TIDE_ENV_AS_B64,
};

/* A header; value NULL is a null value (len 0). */
struct tide_env_hdr {
	const char *name;
	size_t namelen;
	const char *value;
	size_t len;
};

struct tide_env {
	const char *topic;	/* NULL: absent (decode) */
	size_t topiclen;
	int32_t partition;	/* -1: absent/unassigned */
	int64_t offset;		/* -1: absent */
	int64_t ts;		/* epoch ms; meaningful unless ts_type NONE */
	enum tide_env_ts_type ts_type;
	const char *key;	/* NULL: null key */
	size_t keylen;
	const char *value;	/* NULL: null value */
	size_t len;
	const struct tide_env_hdr *hdrs;
	size_t nhdrs;
	/* Decoded payloads (encode only; zero: neither). */
	enum tide_env_as key_as, value_as;
	/* The schema ids of decoded payloads (encode; decode reads them
	 * back, for tide-sink -J to re-encode with). */
	int has_key_schema_id, has_value_schema_id;
	int32_t key_schema_id, value_schema_id;
};

/*
 * Append the envelope of e to out, without a newline.  0 or TIDE_ETOOBIG
 * from the buffer (which is then left with a partial envelope: reset it).
 */
int tide_env_encode(struct tide_buf *out, const struct tide_env *e);

/*
 * Append one payload as the envelope writes it -- embedded JSON, a string,
 * null or base64 -- to out; *b64 (may be NULL) says whether the caller must
 * name the field with the _b64 suffix, which is then written as a string.
 * This is also what programs use to write a bare value without -J.
 */
int tide_env_payload(struct tide_buf *out, const char *p, size_t n, int *b64);

/* Whether p[0..n) would be embedded as is (a one-line JSON object/array). */
int tide_env_embeddable(const char *p, size_t n);

/*
 * Why path is absent from the validated object doc[0..n), as a clause to
 * follow a message ("no time field 'value.ts'"), written to buf[0..cap)
 * and returned: ": value is null (tombstone)", ": value is not an object:
 * array", ": value is not JSON", ": value is empty" for an envelope's
 * payload (a record with "topic" or "offset" beside "value"), ": 'card' is
 * not an object: string" for any other field on the way; "" when the path
 * only ends in a missing member.  For bad records, not the hot path: it
 * looks the path up again, and may allocate.
 */
const char *tide_env_why_absent(const char *doc, size_t n,
    const struct tide_path *path, char *buf, size_t cap);

struct tide_env_dec {
	struct tide_env env;	/* the result of the last decode */
	const char *reason;	/* static text: why the last decode failed */
	struct tide_buf scratch;	/* unescaped and decoded bytes */
	struct tide_env_hdr *hdrs;
	size_t hdrcap;
	void *spans;		/* decoder's working space, reused */
	size_t spancap;
};

/* max caps the decoded bytes of one envelope (0: TIDE_MAX_RECORD). */
void tide_env_dec_init(struct tide_env_dec *d, size_t max);
void tide_env_dec_release(struct tide_env_dec *d);
/*
 * Decode the envelope line[0..n) into d->env.  Returns 0, or TIDE_EJSON
 * (not valid JSON or not an object), TIDE_ETYPE (a field of the wrong type),
 * TIDE_EINVAL (bad base64, unknown ts_type, both "value" and "value_b64"),
 * TIDE_ENOENT (no value), TIDE_ERANGE (partition or offset out of range),
 * TIDE_ETOOBIG; d->reason says which.  The line must stay unchanged while
 * d->env is used: embedded payloads point into it.
 */
int tide_env_decode(struct tide_env_dec *d, const char *line, size_t n);

#endif
