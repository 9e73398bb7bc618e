/*
 * lib/schema/avro: one Avro schema (the Avro 1.11 specification) and its
 * binary encoding, for the payloads of the Confluent wire format
 * (lib/schema/wire strips and writes the framing; lib/schema/sreg fetches
 * schemas by id).  The schema's JSON is read with jansson into a tree of
 * nodes, with what avro-c 1.11 does not keep (logicalType, precision,
 * scale), and avro-c parses it too: a schema that avro-c refuses is
 * refused.  Decoding and encoding walk the binary over that tree: avro-c's
 * generic value allocates as it reads (a map's entries, a union's branch
 * when it changes), and its JSON writer allocates a string per record,
 * where this walk allocates nothing per datum and appends JSON with
 * tide's own writer straight into the caller's struct tide_buf.
 *
 * Logical types come out as tide's programs want them: timestamp-millis
 * as epoch milliseconds and timestamp-micros as epoch milliseconds with
 * the microseconds as an exact fraction (1.5 is 1500 us), so --time works
 * on both; date as "YYYY-MM-DD", time-millis as milliseconds of the day
 * and time-micros as milliseconds with a fraction, decimal as an exact
 * decimal string ("12.50": the scale's digits) or with TIDE_AVRO_DECNUM
 * those digits as a JSON number (12.50: never through a double), uuid
 * as its string, bytes
 * and fixed as base64.  TIDE_AVRO_PLAIN (the default) writes a union's
 * value as it is; TIDE_AVRO_SPEC wraps a non-null branch as {"type":
 * value} (a named type by its full name), the Avro spec's JSON encoding.
 * Encoding takes the same forms back: either form of a union (the plain
 * one goes to the first branch that takes the value), a missing field
 * its default.
 *
 * A payload is decoded with the schema it was written with (the one whose
 * id the Confluent framing carries): there is no reader schema, so a field
 * added since is not filled in with its default; resolving against a
 * reader's schema would be a caller's later choice.
 *
 * A schema that is hostile (nesting past TIDE_AVRO_MAXDEPTH, more than
 * TIDE_AVRO_MAXNAMES fields, symbols and branches or more than 10000
 * named types, a record that contains itself with no way to end) is
 * refused by tide_avro_parse, never followed.  A schema with references
 * (named types another schema defines) is parsed with them given
 * (tide_avro_parse_refs): avro-c is given one record that holds them all,
 * the references' types before the schema's, since it cannot be told of
 * named types another way.  A payload that is short, has trailing bytes, a bad union
 * index, an enum index out of range, a length past the rest of the
 * payload, a string that is not UTF-8 or nests deeper than
 * TIDE_JSON_MAXDEPTH (a recursive schema) is a decode error with a
 * reason, never a crash.  The struct is not shared between threads (it
 * holds encode's scratch buffer).
 */
#ifndef TIDE_SCHEMA_AVRO_H
#define TIDE_SCHEMA_AVRO_H

#include <stddef.h>

#include "buf.h"

#define TIDE_AVRO_MAXDEPTH 64
#define TIDE_AVRO_MAXNAMES 100000

enum tide_avro_json {
	TIDE_AVRO_PLAIN = 0,	/* a union's value as it is */
	TIDE_AVRO_SPEC = 1,	/* {"branch": value}: the Avro spec's form */
	/* Or'd into either: a decimal as a JSON number of its exact digits
	 * (-12.50), not a string, for sums and comparisons. */
	TIDE_AVRO_DECNUM = 2
};

struct tide_avro;

/* The schema in json (len bytes): NULL with err set (the reason, and
 * where in the schema) when it is not a schema or is refused. */
struct tide_avro *tide_avro_parse(const char *json, size_t len, char *err,
    size_t errlen);
void tide_avro_free(struct tide_avro *a);

/* A schema that defines named types the parsed one uses by name (a Schema
 * Registry reference): name is the reference's, for messages. */
struct tide_avro_ref {
	const char *name;
	const char *json;
	size_t len;
};

/* tide_avro_parse, the named types of refs[0..n) known first (each may
 * use those of the ones before it: the order tide_sreg_deps gives), as
 * Confluent's registry parses a schema with references.  A reference that
 * is no schema is refused with its name ("reference \"NAME\": ..."). */
struct tide_avro *tide_avro_parse_refs(const char *json, size_t len,
    const struct tide_avro_ref *refs, size_t n, char *err, size_t errlen);

/* One datum of len bytes, decoded and its JSON appended to out: 0, or a
 * TIDE_E* code (TIDE_EFORMAT: the payload does not decode; TIDE_ETOOBIG:
 * out's cap) with err saying why; out's length is then as it was. */
int tide_avro_decode(struct tide_avro *a, const void *data, size_t len,
    enum tide_avro_json form, struct tide_buf *out, char *err, size_t errlen);

/* One JSON value (text, len bytes, as tide's programs write records)
 * encoded against the schema, appended to out: 0, or TIDE_ETYPE (or
 * TIDE_EJSON) with err as "path: reason" (for example "amount: a string
 * where the schema has double"), out's length then as it was.  Plain and
 * spec forms of a union are both accepted. */
int tide_avro_encode(struct tide_avro *a, const char *json, size_t len,
    struct tide_buf *out, char *err, size_t errlen);

#endif
