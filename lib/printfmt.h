/*
 * --print FORMAT: a message written through a kcat-style format string,
 * for people reading a terminal, not for the next stage of a pipe
 * (tide-source, tide-replay).
 *
 * The format is compiled once into a list of pieces.  Directives, as
 * kcat -f has them:
 *
 *	%t topic		%p partition		%o offset
 *	%k key (its bytes)	%K key length, -1 for a null key
 *	%s value (its bytes)	%S value length, -1 for a null value
 *	%T timestamp, epoch ms, -1 when the message has none
 *	%h headers as name=value,name=value (a null value: NULL)
 *	%%  a percent sign
 *
 * and two of tide's own: %I the timestamp as RFC 3339 UTC with
 * milliseconds (2026-11-01T10:02:00.000Z; empty when there is none), and
 * %{path} a field of the value (lib/json's dotted path): a string's text
 * unescaped, any other value as its JSON, nothing when the value is not
 * a JSON object or lacks the field.  Escapes, as kcat's: \n \t \r, \xHH
 * a byte, \\ and any other \c the character c (kcat's decimal \NNN is
 * not taken).  No newline is added: a format says where lines end
 * ('%s\n').
 *
 * A key or value a format decoded (TIDE_ENV_AS_JSON: an Avro or Protobuf
 * one, lib/schema/wire) is its JSON, except that a JSON string is its
 * text, as a plain key's bytes are (%k of an Avro string key a000268 is
 * a000268, not "a000268"), and %K, %S its length in bytes.
 *
 * A message is a struct tide_env (lib/envelope.h): a Kafka message's
 * (lib/kafka/kmsg.h), an archive's decoded envelope, or a file's record
 * as a value alone (no topic, key or headers; partition, offset and
 * timestamp -1).  A zeroed struct holds no format (on is 0).  Writing
 * does not allocate per message beyond out's growth: the field lookups
 * use f's own arrays.
 */
#ifndef TIDE_PRINTFMT_H
#define TIDE_PRINTFMT_H

#include <stddef.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"

#define TIDE_PRINTFMT_MAXFIELD	32	/* %{...} in one format */
#define TIDE_PRINTFMT_WHY	256

struct tide_printfmt_piece {
	char what;		/* the directive's letter; 0 literal, '{' field */
	int field;		/* '{': index into paths */
	size_t off, len;	/* literal: its bytes in lits */
};

struct tide_printfmt {
	struct tide_printfmt_piece *v;
	size_t n;
	struct tide_buf lits;		/* literal text, escapes done */
	struct tide_path paths[TIDE_PRINTFMT_MAXFIELD];
	struct tide_json_val vals[TIDE_PRINTFMT_MAXFIELD];
	int npath;
	int on;				/* a format was compiled */
	int hdrs;			/* %h: it writes the headers */
	struct tide_buf scratch;	/* a caller's record made ready */
};

/*
 * Compile spec into f.  0, or TIDE_EINVAL with why[0..TIDE_PRINTFMT_WHY)
 * saying what is wrong: "unknown directive '%x' at column 5", "'%' at the
 * end", "unclosed '%{' at column 3", "empty '%{}' at column 3", "bad field
 * path 'a..b' at column 3", "more than 32 fields"; f is then released.
 */
int tide_printfmt_parse(struct tide_printfmt *f, const char *spec, char *why);
void tide_printfmt_release(struct tide_printfmt *f);

/* Append message e as f formats it to out.  0 or TIDE_ETOOBIG. */
int tide_printfmt_write(struct tide_printfmt *f, const struct tide_env *e,
    struct tide_buf *out);

/* A record read from a file as a message: value rec[0..n), no topic,
 * key or headers, partition, offset and timestamp -1. */
void tide_printfmt_env_rec(struct tide_env *e, const char *rec, size_t n);
/* tide_printfmt_write() of such a message. */
int tide_printfmt_rec(struct tide_printfmt *f, const char *rec, size_t n,
    struct tide_buf *out);

#endif
