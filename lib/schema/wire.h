/*
 * lib/schema/wire: how a Kafka record's key and value are read, as
 * --key-format and --value-format say (auto, json, avro, protobuf,
 * protobuf-raw, string, bytes), and the Confluent wire format: a magic
 * byte 0, the schema id as 4 bytes big-endian, then the payload in the
 * schema's binary encoding (for Protobuf, after the message indexes that
 * name the message type in the schema's file: lib/schema/pbuf).  The
 * schema is looked up by id in the registry (lib/schema/sreg: fetched
 * once, cached), and its parsed form (lib/schema/avro) or, for the
 * registry's .proto text, the descriptor set protoc compiles it to
 * (tide_pbuf_compile) is cached in the registry's entry (its decoder
 * slot), so a schema is fetched and parsed or compiled once per id for
 * the life of the registry.
 *
 *   auto      the Confluent framing when a registry is given and the
 *             payload starts with the magic byte (JSON text never does),
 *             decoded as the registered schema's type (AVRO, PROTOBUF),
 *             else as it is (json); a payload that starts with byte 0
 *             but is short of the framing's 5 bytes is bad input, as
 *             Confluent's deserializers have it, not text
 *   json      as it is: the envelope's rules (lib/envelope.h)
 *   avro      the Confluent framing, required; Avro decoded to JSON,
 *             the plain form or the spec's (lib/schema/avro.h)
 *   protobuf  the Confluent framing, required, the schema from the
 *             registry, or from --proto-descriptor's set whatever the id
 *             (the indexes name a type of its last file); with
 *             --proto-message, no framing: each payload is one message
 *             of that type.  Protobuf's JSON is lib/schema/pbuf's
 *   protobuf-raw  schemaless: field numbers and wire types
 *             (tide_pbuf_raw), the Confluent framing and its indexes
 *             skipped when the payload has them
 *   string    a JSON string of its text, whatever it holds
 *   bytes     base64, always (the envelope's key_b64/value_b64)
 *
 * A registry's schema with references (a .proto that imports files of
 * other subjects, an Avro schema that uses their named types) has them
 * followed (tide_sreg_deps) and given to protoc beside it, or to the Avro
 * parser first; a reference the registry does not have, or that is
 * refused (a cycle, too deep, too many), makes its records bad input, and
 * one it cannot give is TIDE_EAGAIN.  protoc refusing the text makes them
 * bad input too (said once per id), and protoc missing is the program's
 * trouble (TIDE_EIO: "protoc not found (install protobuf-compiler)").
 *
 * A decoded payload is JSON text in the struct's own buffer (one for the
 * key, one for the value), valid until the next decode of the same side.
 * Nothing is allocated per record once the buffers have grown.  Errors
 * say why in w->err; which of them are the record's fault (bad input) and
 * which the registry's (exit 69) is tide_wire_bad()'s to say.
 */
#ifndef TIDE_SCHEMA_WIRE_H
#define TIDE_SCHEMA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "schema/avro.h"

struct tide_sreg;
struct tide_pbuf;
struct tide_pbuf_msg;

enum tide_wire_fmt {
	TIDE_WIRE_AUTO = 0,
	TIDE_WIRE_JSON,
	TIDE_WIRE_AVRO,
	TIDE_WIRE_PROTOBUF,
	TIDE_WIRE_STRING,
	TIDE_WIRE_BYTES,
	TIDE_WIRE_PROTOBUF_RAW
};

/* How a decoded payload is to be written. */
enum tide_wire_as {
	TIDE_WIRE_ASIS = 0,	/* p[0..n) is the payload: the envelope's rules */
	TIDE_WIRE_TEXT,		/* p[0..n) is JSON text, written as it is */
	TIDE_WIRE_B64		/* p[0..n) is the payload, written as base64 */
};

struct tide_wire_out {
	enum tide_wire_as as;
	const char *p;		/* NULL: a null payload */
	size_t n;
	int32_t schema_id;	/* the framing's id, or -1 */
};

struct tide_wire {
	struct tide_sreg *reg;		/* NULL: no registry */
	enum tide_wire_fmt fmt[2];	/* [0] the key's, [1] the value's */
	enum tide_avro_json form;
	struct tide_buf buf[2];
	/* The last schema each side used: consecutive records of a topic
	 * mostly share one, and skip the registry's cache then. */
	int32_t last_id[2];
	void *last[2];
	struct tide_pbuf *pdesc;	/* --proto-descriptor, or NULL */
	const struct tide_pbuf_msg *pmsg; /* --proto-message: no framing */
	struct tide_buf scratch;	/* protobuf-raw's */
	char err[512];
};

/*
 * The options of the programs that read records (tide-source,
 * tide-replay), one help text for both: entries of an option table
 * (lib/prog.h's TIDE_OPT_STRING, so the program that splices them in
 * includes prog.h) into a struct tide_wire_opts, checked by
 * tide_wire_opts_check() into formats.  Ids from 1210, past sropt's.
 */
struct tide_wire_opts {
	const char *key, *value, *json;	/* into argv, or NULL */
	const char *decimal;		/* --decimal-format */
	const char *pdesc, *pmsg;	/* --proto-descriptor, --proto-message */
};

#define TIDE_OPT_KEYFMT 1210
#define TIDE_OPT_VALUEFMT 1211
#define TIDE_OPT_AVROJSON 1212
#define TIDE_OPT_PROTODESC 1213
#define TIDE_OPT_PROTOMSG 1214
#define TIDE_OPT_DECIMAL 1215
#define TIDE_WIREOPTS(wo)						\
	TIDE_OPT_STRING(TIDE_OPT_KEYFMT, "key-format", "format", "read "	\
	    "keys as auto, json, avro, protobuf, protobuf-raw, string or "	\
	    "bytes (default auto: Avro or Protobuf when framed and a "	\
	    "registry is given)", &(wo)->key),				\
	TIDE_OPT_STRING(TIDE_OPT_VALUEFMT, "value-format", "format", "read "	\
	    "values as --key-format says (default auto)", &(wo)->value),	\
	TIDE_OPT_STRING(TIDE_OPT_AVROJSON, "avro-json", "form", "Avro as "	\
	    "plain JSON (plain, the default) or with unions as the Avro "	\
	    "spec writes them (spec)", &(wo)->json),			\
	TIDE_OPT_STRING(TIDE_OPT_DECIMAL, "decimal-format", "form",	\
	    "Avro decimals as exact strings (string, the default) or "	\
	    "as JSON numbers of the same digits (number)",		\
	    &(wo)->decimal),						\
	TIDE_OPT_STRING(TIDE_OPT_PROTODESC, "proto-descriptor", "file",	\
	    "protobuf's schemas from this descriptor set (protoc "	\
	    "--descriptor_set_out), not the registry", &(wo)->pdesc),	\
	TIDE_OPT_STRING(TIDE_OPT_PROTOMSG, "proto-message", "name",	\
	    "protobuf payloads without the Confluent framing, each a "	\
	    "message of this type", &(wo)->pmsg)

/* The group in a program's usage line (lib/prog.h's tide_prog), as
 * the man pages' SYNOPSIS writes it (tests/doc/docs.sh checks both). */
#define TIDE_WIREOPTS_SYNOPSIS						\
	"[--schema-registry url] [--key-format format] "		\
	"[--value-format format] [--avro-json form] "			\
	"[--decimal-format form] "					\
	"[--proto-descriptor file [--proto-message name]]"

/* The formats and the JSON form the options say (--avro-json's, with
 * TIDE_AVRO_DECNUM or'd in for --decimal-format number): NULL, or a usage
 * error's text ("--value-format: ..."), static. */
const char *tide_wire_opts_check(const struct tide_wire_opts *wo,
    enum tide_wire_fmt *keyf, enum tide_wire_fmt *valuef,
    enum tide_avro_json *form);

/* "auto", "json", ... to *f: 0, or TIDE_EINVAL. */
int tide_wire_fmt_parse(const char *s, enum tide_wire_fmt *f);
/* Whether any side may need the registry (a format of avro or protobuf,
 * or auto with a registry). */
int tide_wire_active(const struct tide_wire *w);

/* reg may be NULL; the caller keeps it and frees it after the wire. */
void tide_wire_init(struct tide_wire *w, struct tide_sreg *reg,
    enum tide_wire_fmt keyf, enum tide_wire_fmt valuef,
    enum tide_avro_json form);
void tide_wire_release(struct tide_wire *w);

/* --proto-descriptor desc and --proto-message msg (or NULL): 0, or with
 * w->err: TIDE_EIO (desc cannot be read), TIDE_EFORMAT (not a descriptor
 * set, or refused), TIDE_ENOENT (no message type msg in it). */
int tide_wire_proto(struct tide_wire *w, const char *desc, const char *msg);

/*
 * The key (value 0) or the value (value 1) p[0..n) read as its format
 * says: 0 and *o, or an error with w->err saying why: TIDE_EFORMAT (not
 * the framing, a payload that does not decode), TIDE_ENOENT (the registry
 * has no such id), TIDE_EINVAL (a format that needs a registry without
 * one, a schema of another type than the format's, one that does not
 * parse or compile), TIDE_EDEPTH (nested too deep), or the registry's own
 * failures (TIDE_EAGAIN: unreachable; TIDE_EIO, protoc missing too).
 */
int tide_wire_decode(struct tide_wire *w, int value, const void *p,
    size_t n, struct tide_wire_out *o);

/*
 * Whether a value p[0..n) read as it is (no registry, --value-format
 * auto) looks like the Confluent framing: the magic byte 0, then a schema
 * id from 1 to 2^24 - 1 (a registry numbers its schemas from 1), so that
 * the reader can say once that --schema-registry would decode it.  JSON
 * text never starts with byte 0.  The id, or 0 (not framed).
 */
int32_t tide_wire_framed_id(const void *p, size_t n);
/* Whether the wire reads values as they are, so that a framed one is a
 * hint worth one note: format auto without a registry. */
int tide_wire_watch(const struct tide_wire *w);

/* Whether an error of tide_wire_decode() is the record's (bad input: 1)
 * or the registry's (0: the program cannot go on, exit 69). */
int tide_wire_bad(int code);

#endif
