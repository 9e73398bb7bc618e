/*
 * Projection: --keep and --drop, the fields a record keeps on its way out
 * (tide-source, tide-replay, tide-sink).
 *
 * A list is comma-separated items, compiled once: --keep items are
 * "path" or "path as name", --drop items are paths.  Paths are lib/json's
 * dotted paths ("a.b".c quotes a segment holding a dot or a comma).  They
 * name fields of the record as the program writes it: of the value, or
 * with -J of the envelope (value.amount).
 *
 * --keep writes a new object holding the kept fields in the order of the
 * list (as SQL's SELECT and jq's {a, b} do), each under its output name:
 * the name after 'as', else the path's last segment (tide(7)'s rule for
 * added fields: value.amount is written as "amount"), its value's bytes
 * as they were.  A kept field the record lacks is left out (as mlr cut
 * does), so a record with none of them becomes {}.  Two items with the
 * same output name are refused at compile time.
 *
 * --drop writes the record without the fields named, nested ones
 * included (card.bin removes "bin" from "card" and keeps the rest of it);
 * the other members keep their order and bytes.  A path that is absent,
 * or that runs through a value that is not an object, removes nothing.
 *
 * Both write members compactly (no blanks between them).  A record that
 * is not a JSON object (a Kafka payload written as a string, a
 * tombstone's null), and a barrier line (lib/barrier.h), is written as it
 * is.  The one list is either --keep or --drop: a program refuses both.
 *
 * The record must have passed tide_json_check() (every program validates
 * before it writes): lookups do not validate again.  Nothing is allocated
 * per record: p->tmp is reused.  Not thread-safe: one struct per thread.
 * A zeroed struct (or tide_proj_init()) is no projection: records are
 * written as they are.
 */
#ifndef TIDE_PROJ_H
#define TIDE_PROJ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

#define TIDE_PROJ_MAX	64	/* items in a list */
#define TIDE_PROJ_WHY	512	/* bytes of a compile error */

enum tide_proj_mode {
	TIDE_PROJ_NONE = 0,
	TIDE_PROJ_KEEP,
	TIDE_PROJ_DROP,
};

struct tide_proj {
	enum tide_proj_mode mode;
	int n;
	struct tide_path *paths;	/* n of them */
	char **names;			/* keep: output names, unescaped */
	struct tide_buf keys;		/* keep: each "name": as written */
	size_t keyoff[TIDE_PROJ_MAX + 1];
	struct tide_json_val *vals;	/* keep: the lookup's results */
	struct tide_buf tmp;		/* tide_proj_tail()'s copy */
};

void tide_proj_init(struct tide_proj *p);
void tide_proj_release(struct tide_proj *p);

/*
 * Add the items of list (one --keep or --drop argument; the option may
 * be given again to add more).  0, or TIDE_EINVAL with why[0..
 * TIDE_PROJ_WHY) saying what is wrong: "empty list", "empty field in
 * 'a,,b'", "bad field path 'a..b'", "'as' needs a name in 'a as'",
 * "'as' goes with --keep", "two fields named 'x' (rename one with
 * 'as')", "'a' given twice", "more than 64 fields", "--keep and --drop
 * exclude each other".
 */
int tide_proj_add(struct tide_proj *p, enum tide_proj_mode mode,
    const char *list, char *why);

/* Whether a list was given. */
static inline int
tide_proj_on(const struct tide_proj *p)
{
	return p->mode != TIDE_PROJ_NONE;
}

/*
 * Append the projection of the checked record rec[0..n) (no newline) to
 * out.  0 or TIDE_ETOOBIG from the buffer.
 */
int tide_proj_rec(struct tide_proj *p, const char *rec, size_t n,
    struct tide_buf *out);

/*
 * Project in place the record b[start..b->len), written there just
 * before (a trailing newline is kept).  May move b->data.  0 or
 * TIDE_ETOOBIG.
 */
int tide_proj_tail(struct tide_proj *p, struct tide_buf *b, size_t start);

#endif
