/*
 * lib/schema/pbuf: Protobuf messages decoded to JSON, driven at run time by
 * a FileDescriptorSet (protoc --descriptor_set_out --include_imports), for
 * the payloads of the Confluent wire format (lib/schema/wire strips the
 * magic byte and schema id; lib/schema/sreg fetches .proto text, which
 * tide_pbuf_compile turns into a set by running protoc).  Debian has no C
 * library that decodes from runtime descriptors, so the descriptor set and
 * the payloads are both read by this module's own wire-format reader.
 *
 * A struct tide_pbuf owns everything it was built from (the set's bytes
 * are copied); a struct tide_pbuf_msg points into it and lives as long as
 * it.  Decoding writes JSON with tide's own writer into the caller's
 * struct tide_buf and allocates nothing per record once its scratch stack
 * has grown to the deepest message seen; it is not shared between threads.
 *
 * The JSON is the proto3 JSON mapping, with these choices (man
 * tide-formats(7) has the whole table):
 * - field names are the .proto names (TIDE_PBUF_JSON_NAMES: json_name,
 *   the lowerCamel names of the proto3 mapping);
 * - a field is written when it is on the wire, and only then: proto3's
 *   default values, which writers leave out, are not invented; a
 *   non-repeated field that is on the wire twice is written twice (tide's
 *   readers take the last, as protobuf does for scalars);
 * - int64, uint64 and their fixed and zig-zag kinds are JSON numbers (tide
 *   reads integers exactly), not the mapping's strings;
 * - bytes are base64 (RFC 4648, padded); enums are their value's name, or
 *   the number when the schema has no such value; google.protobuf.NullValue
 *   is null; float and double NaN and infinities are "NaN", "Infinity" and
 *   "-Infinity"; a float is written with the fewest digits that read back
 *   to the same float;
 * - repeated fields, packed or not (both are accepted for any repeated
 *   scalar), are arrays; maps are objects with their keys as strings;
 * - a oneof is its one member that is set, by name;
 * - google.protobuf.Timestamp is an RFC 3339 string in UTC with 0, 3, 6 or
 *   9 fraction digits ("2026-12-07T10:00:00.250Z"), which --time reads;
 *   Duration is "1.500s"; the wrappers (Int64Value, StringValue ...) are
 *   their value; Struct, Value and ListValue are the JSON they hold; Any
 *   and the rest are messages like any other;
 * - unknown fields are skipped; groups (proto2's deprecated wire types 3
 *   and 4) are refused.
 *
 * A hostile descriptor set (more than TIDE_PBUF_MAXTYPES types or
 * TIDE_PBUF_MAXFIELDS fields, nesting past TIDE_PBUF_MAXDEPTH, a length
 * past its end, a type name that names nothing or a type of the wrong
 * kind, two types of one name, two fields of one number) is refused by
 * tide_pbuf_load.  Recursive message types are allowed, as in protobuf:
 * what is bounded is the nesting of the JSON a payload becomes, by
 * TIDE_PBUF_MAXDEPTH (schemaless guesses stop short of it).  A
 * payload that is truncated, has a length past its end, a field of a wire
 * type its declared type cannot have, a string that is not UTF-8 (proto3)
 * or a Timestamp out of range is TIDE_EFORMAT with the reason, never a
 * crash.
 */
#ifndef TIDE_SCHEMA_PBUF_H
#define TIDE_SCHEMA_PBUF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Nesting: of declarations in a set, and of the JSON a payload becomes
 * (its messages, arrays and maps): half of tide's JSON limit, so that
 * the record still reads when an envelope holds it. */
#define TIDE_PBUF_MAXDEPTH 64
#define TIDE_PBUF_MAXTYPES 100000	/* messages and enums of a set */
#define TIDE_PBUF_MAXFIELDS 1000000	/* fields and enum values of a set */

enum tide_pbuf_flags {
	TIDE_PBUF_JSON_NAMES = 1 << 0,	/* json_name, not the .proto name */
	TIDE_PBUF_RAW_GUESS = 1 << 1	/* raw: a length that parses as a
					 * message or is UTF-8, shown so */
};

struct tide_pbuf;
struct tide_pbuf_msg;

/* The FileDescriptorSet in set[0..len): NULL with err set when it is not
 * one or is refused; text (a .proto given for its set) is "not a
 * FileDescriptorSet" whatever the parse tripped on. */
struct tide_pbuf *tide_pbuf_load(const void *set, size_t len, char *err,
    size_t errlen);
/* The same, read from a file (--proto-descriptor FILE), err starting
 * with its path; one that is not a set says how to make one ("FILE: not a
 * FileDescriptorSet: compile it with protoc --include_imports
 * --descriptor_set_out=FILE.pb FILE.proto"). */
struct tide_pbuf *tide_pbuf_load_file(const char *path, char *err,
    size_t errlen);
void tide_pbuf_free(struct tide_pbuf *p);

/* The message type of this full name ("pkg.Outer.Inner", a leading dot
 * allowed), or NULL. */
const struct tide_pbuf_msg *tide_pbuf_find(const struct tide_pbuf *p,
    const char *name);
/* Its full name, without the leading dot. */
const char *tide_pbuf_msg_name(const struct tide_pbuf_msg *m);

/* One message of type m in data[0..len), its JSON object appended to
 * out: 0, or TIDE_EFORMAT (the payload does not decode), TIDE_EDEPTH
 * (nested past TIDE_PBUF_MAXDEPTH) or TIDE_ETOOBIG (out's cap), with err
 * saying why; out's length is then as it was. */
int tide_pbuf_decode(struct tide_pbuf *p, const struct tide_pbuf_msg *m,
    const void *data, size_t len, unsigned flags, struct tide_buf *out,
    char *err, size_t errlen);

/*
 * The Confluent Protobuf framing: data[0..len) is the payload after the
 * magic byte and the 4-byte schema id, which starts with the message
 * indexes (a zig-zag varint count, then that many zig-zag varint indexes;
 * a count of 0 alone means [0]).  They name a message type of the schema's
 * file -- the set's last file, the one protoc was given -- as a path:
 * top-level message, then nested types.  0, *m and *hdr (the indexes'
 * length: the message is data + *hdr), or TIDE_EFORMAT with err.
 */
int tide_pbuf_confluent(const struct tide_pbuf *p, const void *data,
    size_t len, const struct tide_pbuf_msg **m, size_t *hdr, char *err,
    size_t errlen);
/* tide_pbuf_confluent, then tide_pbuf_decode of what follows. */
int tide_pbuf_decode_confluent(struct tide_pbuf *p, const void *data,
    size_t len, unsigned flags, struct tide_buf *out, char *err,
    size_t errlen);

/*
 * Schemaless (--value-format protobuf-raw): any payload as an object of
 * its field numbers, in the order they first appear.  Each occurrence is
 * {"varint":N}, {"i64":N}, {"i32":N} (unsigned numbers: the bits as they
 * are) or {"len":"base64"}; with TIDE_PBUF_RAW_GUESS a length that parses
 * whole as a message is {"msg":{...}} and else one that is UTF-8 is
 * {"str":"..."}.  A field number seen once has its occurrence as value, one
 * seen more often an array of them in wire order.  scratch is the
 * caller's, reused from call to call (release it at the end).  0 or as
 * tide_pbuf_decode.
 */
int tide_pbuf_raw(const void *data, size_t len, unsigned flags,
    struct tide_buf *out, struct tide_buf *scratch, char *err,
    size_t errlen);

/* One .proto file for tide_pbuf_compile: its import path ("a/b.proto",
 * relative, no "..") and its text. */
struct tide_pbuf_src {
	const char *name;
	const char *text;
	size_t len;
};

/*
 * Run protoc on .proto text (the registry's schema, srcs[0], and the
 * files it imports, srcs[1..n), as its references name them): written to a
 * private temporary directory, compiled with `protoc --include_imports
 * --descriptor_set_out` (fork and exec, no shell; killed after timeout_ms,
 * 0: 30000), the set loaded and the directory removed.  protoc is looked
 * up on PATH, or is $TIDE_PROTOC.  NULL with err: protoc's own first
 * lines when it refuses the text, "protoc not found (install
 * protobuf-compiler)" when it is not there ("TIDE_PROTOC=PATH: not found
 * (unset it for protobuf-compiler's protoc)" when that one is not).  The
 * well-known imports
 * (google/protobuf/timestamp.proto ...) come with protoc.
 */
struct tide_pbuf *tide_pbuf_compile(const struct tide_pbuf_src *srcs, int n,
    int timeout_ms, char *err, size_t errlen);

/*
 * Reading a set's declarations, for an encoder (lib/schema/pbenc): a
 * message type's fields by position, an enum's values, the well-known
 * type a message is, and the message indexes that name a type in the
 * Confluent framing.  Everything points into p and lives as long as it.
 */
struct tide_pbuf_enum;

/* The well-known types tide writes specially (see above). */
enum tide_pbuf_wkt {
	TIDE_PBUF_WKT_NONE = 0,
	TIDE_PBUF_WKT_TIMESTAMP,
	TIDE_PBUF_WKT_DURATION,
	TIDE_PBUF_WKT_WRAPPER,
	TIDE_PBUF_WKT_STRUCT,
	TIDE_PBUF_WKT_VALUE,
	TIDE_PBUF_WKT_LIST
};

struct tide_pbuf_field {
	uint32_t num;
	int type;		/* FieldDescriptorProto.Type: 1 double .. 18 sint64 */
	int repeated;
	int map;		/* repeated map entries (msg: the entry type) */
	int utf8;		/* a proto3 string: must be UTF-8 */
	const char *name, *jname;
	const struct tide_pbuf_msg *msg;	/* a message field's type */
	const struct tide_pbuf_enum *en;	/* an enum field's type */
};

int tide_pbuf_msg_nfields(const struct tide_pbuf_msg *m);
/* Field i (0 .. nfields-1, by number) of m, which is of p. */
void tide_pbuf_msg_field(const struct tide_pbuf *p,
    const struct tide_pbuf_msg *m, int i, struct tide_pbuf_field *f);
enum tide_pbuf_wkt tide_pbuf_msg_wkt(const struct tide_pbuf_msg *m);
int tide_pbuf_enum_nvalues(const struct tide_pbuf_enum *e);
/* Value i of e: its number, and its name as the return value. */
const char *tide_pbuf_enum_value(const struct tide_pbuf_enum *e, int i,
    int32_t *num);
/* Whether e is google.protobuf.NullValue. */
int tide_pbuf_enum_isnull(const struct tide_pbuf_enum *e);
/* The first message type of the set's last file (the one protoc was
 * given), or NULL when it has none: the one a [0] names. */
const struct tide_pbuf_msg *tide_pbuf_first(const struct tide_pbuf *p);
/* The message indexes that name m in the Confluent framing (the inverse
 * of tide_pbuf_confluent): their count (up to max) in idx[], or -1 when
 * m is not a message of the last file. */
int tide_pbuf_indexes(const struct tide_pbuf *p,
    const struct tide_pbuf_msg *m, int32_t *idx, int max);

#endif
