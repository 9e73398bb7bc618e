/*
 * lib/schema/pbenc: JSON records encoded as Protobuf messages of one type,
 * driven by a descriptor set read at run time (lib/schema/pbuf) -- the
 * reverse of tide_pbuf_decode, for a producer (lib/schema/senc frames the
 * result in the Confluent wire format).
 *
 * The JSON is read as man tide-formats(7) says Protobuf is written, and as
 * the proto3 JSON mapping allows:
 * - an object's members are fields by their .proto name or json_name;
 *   a member that names no field is left out (as tide's Avro encoder
 *   does), and null is a field left out (except for
 *   google.protobuf.Value and NullValue, where it is null); a field
 *   named twice takes the last, as tide's JSON readers do;
 * - the integers are numbers, or strings of numbers ("123", as the
 *   mapping writes 64-bit ones); a fraction or exponent must leave an
 *   integer (1.0, 1e3); each is range-checked for its type;
 * - float and double are numbers, strings of numbers, or "NaN",
 *   "Infinity" and "-Infinity"; a float must fit a float;
 * - bool is true or false; enums are a value's name or any int32 number;
 *   bytes are base64 (RFC 4648, padded);
 * - repeated fields are arrays (numbers written packed, which every
 *   protobuf reader accepts), maps are objects (their keys read as the key
 *   type says: "true", "42"), a nested message is an object;
 * - google.protobuf.Timestamp is an RFC 3339 string (up to 9 fraction
 *   digits, Z or an offset, years 1 to 9999), Duration a string of
 *   seconds ending in s ("-1.5s"), the wrappers their value, Struct,
 *   Value and ListValue the JSON they hold.
 * Every field given is written, zeros too, in the order of the JSON.
 *
 * A struct tide_pbenc is built once for a type: a table of the field and
 * enum value names of every type reachable from it, so encoding looks
 * each member up by hash and allocates nothing once its buffers have
 * grown.  It points into the struct tide_pbuf, which must outlive it.  A
 * record that does not fit is TIDE_ETYPE with "path: reason"
 * ("items[2].qty: \"x\" is not an integer"), TIDE_EDEPTH past
 * TIDE_PBUF_MAXDEPTH objects and arrays.
 */
#ifndef TIDE_SCHEMA_PBENC_H
#define TIDE_SCHEMA_PBENC_H

#include <stddef.h>

#include "buf.h"

struct tide_pbuf;
struct tide_pbuf_msg;
struct tide_pbenc;

struct tide_pbenc *tide_pbenc_new(const struct tide_pbuf *p,
    const struct tide_pbuf_msg *m);
void tide_pbenc_free(struct tide_pbenc *e);

/* json[0..len), one JSON value (tide_json_check'ed or not), encoded as
 * a message of the type and appended to out: 0, or TIDE_EJSON (not
 * JSON), TIDE_ETYPE, TIDE_EDEPTH or TIDE_ETOOBIG (out's cap) with err
 * saying why; out's length is then as it was. */
int tide_pbenc_encode(struct tide_pbenc *e, const char *json, size_t len,
    struct tide_buf *out, char *err, size_t errlen);

#endif
