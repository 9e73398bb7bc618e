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
 * alone, fetched from the registry, with the named types of its
 * references (tide_sreg_deps) known, as lib/schema/wire parses it on
 * consume; a file is self-contained (no references are registered with
 * it).  A file is parsed before it is
 * registered: one tide cannot use (not JSON, nested too deep, a record
 * that contains itself) is refused without a request, so a hostile file
 * never reaches the registry.  After that, tide_senc_encode() asks
 * nothing of the registry: it is the per-record path, and reuses one
 * buffer (no allocation once it has grown).
 *
 * Protobuf (conf.kind TIDE_SENC_PROTOBUF, --value-format protobuf) is
 * found the same ways, a .proto file compiled by protoc
 * (tide_pbuf_compile) before it is registered as schemaType PROTOBUF, or
 * a descriptor set (conf.pdesc) with its id; the message type is
 * conf.pmsg or the schema file's first, and the Confluent framing's
 * message indexes that name it follow the id ([0] as the single byte 0,
 * as Confluent writes it).  The record is encoded by lib/schema/pbenc.
 *
 * Or, with conf.by_record (tide-sink -J and no schema named), each value
 * is encoded with the schema its envelope's value_schema_id names: a
 * schema is fetched the first time its id is seen and kept parsed, so an
 * id costs one request in the run.
 *
 * A record that does not fit the schema is the caller's bad input: the
 * encoder's reason is "path: reason" (from tide_avro_encode or
 * tide_pbenc_encode), prefixed
 * with the encoder's name ("value" or "key").
 *
 * tide-sink's options for the encoders are this module's too: entries of
 * its option table (TIDE_SENCOPTS, into a struct tide_senc_opts), which
 * of them go together (tide_senc_opts_check, tide_senc_opts_need), and
 * each side's encoder as they say (tide_senc_setup), so the command only
 * turns the codes into exit statuses:
 *
 *	if (tide_senc_opts_check(&so, sink, &sides, msg, n) < 0 ||
 *	    (sides && tide_senc_opts_need(&so, reg = tide_sropt_open(&sro),
 *	    msg, n) < 0))
 *		tide_usage_error("%s", msg);
 *	if ((r = tide_senc_setup(&venc, &so, 1, topic, reg, err, n)) < 0)
 *		tide_die(venc.file_err ? TIDE_EX_IOERR : tide_sropt_exit(r), ...);
 */
#ifndef TIDE_SCHEMA_SENC_H
#define TIDE_SCHEMA_SENC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "schema/sreg.h"

struct tide_avro;
struct tide_pbuf;
struct tide_pbenc;

enum tide_senc_kind {
	TIDE_SENC_AVRO = 0,
	TIDE_SENC_PROTOBUF
};

struct tide_senc_conf {
	const char *name;	/* "value" or "key", for messages */
	enum tide_senc_kind kind;
	const char *file;	/* the schema's .avsc (.proto) file, or NULL */
	const char *subject;	/* the latest version of this subject, or
				 * (with file) where to register it; NULL:
				 * TOPIC-name (TopicNameStrategy) */
	const char *topic;
	int64_t id;		/* a given schema id, or -1 */
	int by_record;		/* none of the above: each record's id */
	/* Protobuf: a descriptor set instead of the file (with id), and
	 * the message type (NULL: the schema file's first). */
	const char *pdesc, *pmsg;
};

struct tide_senc {
	const char *name;
	struct tide_avro *avro;	/* the schema, or NULL: by_record */
	int32_t id;
	struct tide_sreg *reg;	/* by_record: where ids are looked up */
	struct tide_htab byid;	/* by_record: id -> struct tide_avro * */
	struct tide_buf out;	/* the framed message, reused */
	/* Protobuf: the set, its encoder, the message indexes' bytes. */
	struct tide_pbuf *pb;
	struct tide_pbenc *pbe;
	const char *msgname;
	unsigned char idx[336];	/* up to TIDE_PBUF_MAXDEPTH + 1 varints */
	size_t nidx;
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

/*
 * tide-sink's options, one help text (lib/prog.h's TIDE_OPT_STRING and
 * TIDE_OPT_INT: the program that splices them in includes prog.h); ids
 * from 1220, past sropt's and wire's.  [0] is the key's, [1] the value's.
 */
struct tide_senc_opts {
	const char *format[2];	/* --key-format, --value-format: json, avro,
				 * protobuf */
	const char *schema[2];	/* --key-schema, --value-schema */
	const char *subject[2];	/* --key-subject, --value-subject */
	int64_t schema_id;	/* --schema-id, the value's; -1: none */
	const char *pdesc;	/* --proto-descriptor, the value's */
	const char *pmsg;	/* --proto-message, the value's */
};
#define TIDE_SENC_OPTS_INIT	{ .schema_id = -1 }

#define TIDE_OPT_SENC_VALFMT 1220
#define TIDE_OPT_SENC_VALSCHEMA 1221
#define TIDE_OPT_SENC_VALSUBJECT 1222
#define TIDE_OPT_SENC_SCHEMAID 1223
#define TIDE_OPT_SENC_KEYFMT 1224
#define TIDE_OPT_SENC_KEYSCHEMA 1225
#define TIDE_OPT_SENC_KEYSUBJECT 1226
#define TIDE_OPT_SENC_PROTODESC 1227
#define TIDE_OPT_SENC_PROTOMSG 1228
#define TIDE_SENCOPTS(so)						\
	TIDE_OPT_STRING(TIDE_OPT_SENC_VALFMT, "value-format",		\
	    "json|avro|protobuf", "produce each record as it is (json), or "	\
	    "Avro- or Protobuf-encoded in the Confluent wire format",	\
	    &(so)->format[1]),						\
	TIDE_OPT_STRING(TIDE_OPT_SENC_VALSCHEMA, "value-schema", "file",	\
	    "the value's schema (.avsc, or .proto for protobuf), "		\
	    "registered as TOPIC-value", &(so)->schema[1]),		\
	TIDE_OPT_STRING(TIDE_OPT_SENC_VALSUBJECT, "value-subject", "name",	\
	    "the value's schema: this subject's latest version (with "	\
	    "--value-schema: register it there)", &(so)->subject[1]),	\
	TIDE_OPT_INT(TIDE_OPT_SENC_SCHEMAID, "schema-id", "n", "the value's "	\
	    "schema id (with --value-schema or --proto-descriptor: not "	\
	    "registered)", &(so)->schema_id, 0, INT32_MAX),		\
	TIDE_OPT_STRING(TIDE_OPT_SENC_PROTODESC, "proto-descriptor", "file",	\
	    "protobuf: the value's schema from this descriptor set (protoc "	\
	    "--descriptor_set_out), with --schema-id", &(so)->pdesc),	\
	TIDE_OPT_STRING(TIDE_OPT_SENC_PROTOMSG, "proto-message", "name",	\
	    "protobuf: the value's message type (default: the schema "	\
	    "file's first)", &(so)->pmsg),				\
	TIDE_OPT_STRING(TIDE_OPT_SENC_KEYFMT, "key-format",		\
	    "json|avro|protobuf", "produce the -k field as it is (json), or "	\
	    "Avro- or Protobuf-encoded", &(so)->format[0]),		\
	TIDE_OPT_STRING(TIDE_OPT_SENC_KEYSCHEMA, "key-schema", "file",	\
	    "the key's schema (.avsc or .proto), registered as TOPIC-key",	\
	    &(so)->schema[0]),						\
	TIDE_OPT_STRING(TIDE_OPT_SENC_KEYSUBJECT, "key-subject", "name",	\
	    "the key's schema: this subject's latest version (with "	\
	    "--key-schema: register it there)", &(so)->subject[0])

/* What the sink is, for tide_senc_opts_check. */
enum tide_senc_sink {
	TIDE_SENC_TOPIC = 1 << 0,	/* -t: Kafka */
	TIDE_SENC_TEE = 1 << 1,		/* --tee */
	TIDE_SENC_ENVELOPE = 1 << 2,	/* -J */
	TIDE_SENC_KEY = 1 << 3		/* -k */
};

/* Which options go together, for a sink of these flags: 0, or TIDE_EINVAL
 * with a usage error's text in msg (the first problem found); *sides is
 * the encoders wanted, 1 << 0 the key's and 1 << 1 the value's (0: none,
 * the records go as they are and no registry is needed). */
int tide_senc_opts_check(const struct tide_senc_opts *so, unsigned sink,
    unsigned *sides, char *msg, size_t msglen);

/* The same once the registry is known (r: NULL when none is given):
 * TIDE_EINVAL with a usage error's text when an encoder cannot do
 * without one, else 0. */
int tide_senc_opts_need(const struct tide_senc_opts *so,
    const struct tide_sreg *r, char *msg, size_t msglen);

/* One side's encoder (value: 1, the key's: 0) as the checked options
 * say, its subject by TopicNameStrategy from topic: as tide_senc_open
 * (release e either way). */
int tide_senc_setup(struct tide_senc *e, const struct tide_senc_opts *so,
    int value, const char *topic, struct tide_sreg *r, char *err,
    size_t errlen);

/* What e encodes with, for a note: "value: Avro schema id 3". */
const char *tide_senc_describe(const struct tide_senc *e, char *buf,
    size_t len);

#endif
