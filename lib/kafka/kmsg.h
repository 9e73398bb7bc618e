/*
 * A consumed Kafka message as a struct tide_env, so tide-source -J and
 * tide-replay -J write the same envelope from the same message.  The
 * envelope points into the message (topic, key, payload, headers) and into
 * the header array, which tide_kmsg_env() grows as needed (*hdrs, *cap:
 * the caller's, start them at NULL, 0, free *hdrs at the end).  It is
 * valid while the message is and until the next call with the same array.
 * With hdrs NULL the headers are not read (e->nhdrs 0): librdkafka
 * allocates to parse them, even none, so a caller that does not write
 * them (a bare value line, a --print without %h, a --where without
 * @headers) leaves them out.
 *
 * tide_kmsg_out() is tide-source's one way from a message to its output
 * line: the payload as it is (or with -J the envelope), shaped by --keep
 * or --drop (lib/proj.h) or replaced by --print (lib/printfmt.h), once it
 * has passed --where (lib/expr.h).  The filter decides on the metadata
 * alone when it names nothing else, before the value is looked at, and
 * otherwise on the record before any shaping: a shaped record is made
 * again once it is kept.
 */
#ifndef TIDE_KAFKA_KMSG_H
#define TIDE_KAFKA_KMSG_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "envelope.h"
#include "buf.h"
#include "expr.h"
#include "printfmt.h"
#include "proj.h"

void tide_kmsg_env(const rd_kafka_message_t *m, struct tide_env *e,
    struct tide_env_hdr **hdrs, size_t *cap);

struct tide_wire;

/*
 * Whether m passes the filter x (lib/expr.h), its @ names from m: with rec
 * NULL on its metadata alone (x->meta_only: before its value is parsed),
 * else on rec[0..n), the record as it is written (payload or envelope); a
 * barrier line (lib/barrier.h) passes.  With a wire (or NULL), @key is the
 * key as its format reads it, as the envelope writes it (an Avro string
 * key's text, not its framed bytes).  1, 0, TIDE_ERANGE (a regex reached
 * its match limit), or the wire's error (the key does not decode: w->err).
 * hdrs and cap as for tide_kmsg_env(), used when x names @headers.
 */
int tide_kmsg_where(struct tide_expr *x, struct tide_wire *w,
    const rd_kafka_message_t *m, const char *rec, size_t n,
    struct tide_env_hdr **hdrs, size_t *cap);


/*
 * e's key and value (as tide_kmsg_env() set them) read as the wire's
 * formats say (lib/schema/wire.h): decoded JSON and schema ids in e, valid
 * until the wire's next decode.  0, or the wire's error (w->err says why).
 */
int tide_kmsg_decode(struct tide_wire *w, struct tide_env *e);
/* e's value as a bare line writes it (without -J): decoded JSON as it is,
 * else as tide_env_payload() writes it. */
int tide_kmsg_payload(struct tide_buf *b, const struct tide_env *e);

/* How messages are written: set the fields, the rest zero. */
struct tide_kmsg_out {
	int envelope;			/* -J */
	struct tide_proj *proj;		/* --keep/--drop, or NULL */
	struct tide_printfmt *pf;	/* --print (pf->on), or NULL */
	struct tide_expr *where;	/* --where, or NULL */
	struct tide_wire *wire;		/* --key-format etc., or NULL */
	/* the header array, as for tide_kmsg_env() */
	struct tide_env_hdr *hdrs;
	size_t hdrcap;
};

/*
 * m's line appended to b (ending in a newline, except --print's, which
 * ends as its format says), or with write 0 only decided on (--summary).
 * 1: written (or kept); 0: filtered out, b as it was; TIDE_ERANGE: a
 * regex of the filter reached its match limit, b as it was; another
 * error: the wire's (ko->wire->err: the key or value does not decode, or
 * the registry failed: tide_wire_bad() tells which), b as it was.
 */
int tide_kmsg_out(struct tide_kmsg_out *ko, const rd_kafka_message_t *m,
    struct tide_buf *b, int write);
/* Frees the header array. */
void tide_kmsg_out_release(struct tide_kmsg_out *ko);
#endif
