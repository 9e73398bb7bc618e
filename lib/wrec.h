/*
 * tide-window's input record, made ready to add: its event time, key,
 * partition and aggregate values, taken from the values that one
 * validating pass (tide_recin_check(), lib/recin.h) looked up with the
 * paths time, key fields, partition fields, the aggregates' fields, in
 * that order.
 *
 * The key is the key fields' canonical JSON texts (tide_key_json(),
 * lib/key.h: 42, 42.0 and "42" are one key, written 42) joined with NUL
 * bytes (a missing field is null under --key-missing null); the partition is the partition
 * fields' texts, each ended by a NUL byte.  A record that cannot be added
 * says why in a message worded for the user, for lib/bad.h.
 *
 * A key field is named in the output by its last path segment
 * (value.account -> account) or by the name after 'as'
 * (tide_wrec_key_parse()): a flat field, which the next stage reads as
 * the same field it names.
 *
 * struct tide_wrec holds its own copies (line, key, partition), so it
 * outlives the reader's buffer: tide-window keeps a few in flight.  Their
 * buffers grow to the largest record and are reused: nothing is
 * allocated per record then.  struct tide_wrec_conf borrows the names and
 * the aggregate spec, which must outlive it.  Nothing here prints.
 */
#ifndef TIDE_WREC_H
#define TIDE_WREC_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "buf.h"
#include "json.h"
#include "time.h"

#define TIDE_WREC_WHY 512	/* a reason's room, as lib/bad.h's */

struct tide_wrec_conf {
	const char *timef;		/* the time field, as given */
	enum tide_time_unit unit;
	char *const *keynames;		/* borrowed */
	int nkeys, npart;
	int keynull;			/* --key-missing null */
	const struct tide_aggspec *spec;	/* borrowed */
	int64_t max_future;		/* -1: no limit */
	int clock;			/* read the wall clock into now */
	struct tide_buf sb;		/* scratch for string keys */
};

struct tide_wrec {
	struct tide_buf line;		/* the record's bytes */
	struct tide_buf key;
	struct tide_buf part;		/* partition bytes, or empty */
	struct tide_aggval vals[TIDE_AGG_LIMIT + 1];
	int64_t t;			/* event time, ms */
	int64_t now;			/* wall clock (conf's clock), else 0 */
	uint64_t lineno;
	const char *src;
};

/*
 * Parse one -k entry, "path" or "path as name", into p (tide_path_parse();
 * the caller releases it) and *name, the key's output name: the name after
 * 'as', else the path's last segment, unescaped.  *name is allocated, and
 * p->text is the path without the 'as' part.  0, or TIDE_EINVAL with
 * why[0..TIDE_WREC_WHY) saying what is wrong ("bad field path 'a..b'",
 * "'as' needs a name").
 */
int tide_wrec_key_parse(const char *item, struct tide_path *p, char **name,
    char *why);

void tide_wrec_conf_init(struct tide_wrec_conf *c);
void tide_wrec_conf_release(struct tide_wrec_conf *c);
void tide_wrec_init(struct tide_wrec *p);
void tide_wrec_release(struct tide_wrec *p);

/*
 * Take p's time, key, partition and values from jv (looked up in p->line,
 * as above): 0, or TIDE_EINVAL with why[0..TIDE_WREC_WHY) saying what is
 * wrong ("no time field 'ts'", "field 'ts' is not a time: ...", "field
 * 'ts' is too far in the future: ...", "no key field 'k'", "field 'x' is
 * not a number: ...").  p->line, lineno and src are the caller's.
 */
int tide_wrec_take(struct tide_wrec_conf *c, struct tide_wrec *p,
    const struct tide_json_val *jv, char *why);

#endif
