/*
 * lib/schema/senc: a producer's encoder -- each record's JSON encoded
 * against one Avro schema (lib/schema/avro.h) and framed in the Confluent
 * wire format: a magic byte 0, the schema's id as 4 bytes big-endian,
 * then the Avro binary payload.  tide-sink uses one for the value and one
 * for the key (--value-format avro, --key-format avro).
 *
 * The schema is found once, at start, by tide_senc_open(), in one of
 * three ways: an .avsc file with a registry, registered
 * under a subject (TopicNameStrategy: "TOPIC-value"; the registry gives
 * back the id it has when the schema is there already); the file with a
 * given id (no registry needed); or a subject's latest version, or an id
 * alone, fetched from the registry.  A file is parsed before it is
 * registered: one tide cannot use (not JSON, nested too deep, a record
 * that contains itself) is refused without a request, so a hostile file
 * never reaches the registry.  After that, tide_senc_encode() asks
 * nothing of the registry: it is the per-record path, and reuses one
 * buffer (no allocation once it has grown).
 *
 * Or, with conf.by_record (tide-sink -J and no schema named), each value
 * is encoded with the schema its envelope's value_schema_id names: a
 * schema is fetched the first time its id is seen and kept parsed, so an
 * id costs one request in the run.
 *
 * A record that does not fit the schema is the caller's bad input: the
 * encoder's reason is "path: reason" (from tide_avro_encode), prefixed
 * with the encoder's name ("value" or "key").
 */
#ifndef TIDE_SCHEMA_SENC_H
#define TIDE_SCHEMA_SENC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "schema/sreg.h"

struct tide_avro;

struct tide_senc_conf {
	const char *name;	/* "value" or "key", for messages */
	const char *file;	/* the schema's .avsc file, or NULL */
	const char *subject;	/* the latest version of this subject, or
				 * (with file) where to register it; NULL:
				 * TOPIC-name (TopicNameStrategy) */
	const char *topic;
	int64_t id;		/* a given schema id, or -1 */
	int by_record;		/* none of the above: each record's id */
};

struct tide_senc {
	const char *name;
	struct tide_avro *avro;	/* the schema, or NULL: by_record */
	int32_t id;
	struct tide_sreg *reg;	/* by_record: where ids are looked up */
	struct tide_htab byid;	/* by_record: id -> struct tide_avro * */
	struct tide_buf out;	/* the framed message, reused */
	int file_err;		/* open failed reading conf.file (TIDE_EIO,
				 * as the registry's 401 is: exit 74, not 69) */
};

/*
 * Find the schema as conf says (r may be NULL when conf gives the file
 * and the id) and parse it: 0, or a TIDE_E* code with err set --
 * tide_sreg's codes for the registry's failures (lib/schema/sropt.h maps
 * them to exit statuses), TIDE_EINVAL for a schema that is not Avro, or
 * that the registry refused, TIDE_EIO (errno) for a file that cannot be
 * read.  Release e either way.
 */
int tide_senc_open(struct tide_senc *e, const struct tide_senc_conf *conf,
    struct tide_sreg *r, char *err, size_t errlen);

/* The framed encoding of json[0..len) in *out, *outlen (valid until the
 * next call): 0, or TIDE_ETYPE/TIDE_EJSON with why as "value does not
 * fit the schema: path: reason".  id is the record's schema id (-1:
 * none), used only by_record: then an id missing, unknown to the
 * registry or not an Avro schema is TIDE_EINVAL (the record's fault),
 * and a registry that cannot be used tide_sreg's TIDE_EAGAIN or
 * TIDE_EIO.  ctx is the struct tide_senc (lib/kafka/ksink.h's hook). */
int tide_senc_encode(void *ctx, const char *json, size_t len, int64_t id,
    const void **out, size_t *outlen, char *why, size_t whylen);

void tide_senc_release(struct tide_senc *e);

#endif
