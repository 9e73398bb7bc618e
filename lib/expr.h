/*
 * Filter expressions: the language of --where (man tide-expr(7)).
 *
 *	amount > 1000 and country in ("DE", "FR")
 *	@key == "acct-7" or ts >= 2026-11-01T10:02Z
 *	not exists(card.bin) or lower(card.brand) =~ /^visa/
 *
 * tide_expr_compile() parses the text once into a flat program: an array
 * of nodes whose children are indices, the string and number literals
 * decoded, each regex compiled by PCRE2 (JIT when it can) with its match
 * data, times resolved (`now-15m` against the clock at compile time).  It
 * gathers the distinct value paths the expression names, in order, in
 * e->paths[0..e->npath): the caller looks them up in each record in the
 * one pass that validates it (tide_json_check_many, tide_recin_set_paths)
 * and hands the values to tide_expr_eval().  Metadata is named under `@`
 * -- @key, @partition, @offset, @timestamp, @topic, @headers.NAME -- which
 * no field of a value can shadow, and comes from the caller's struct
 * tide_expr_meta; e->meta_only says no value path is named, so a Kafka
 * message can be decided before its value is parsed.
 *
 * Bounds: the text (TIDE_EXPR_MAXTEXT bytes), nesting (TIDE_EXPR_MAXDEPTH),
 * a literal (TIDE_EXPR_MAXLIT bytes), the nodes, an `in` list.  A syntax
 * error or a bound is TIDE_EINVAL with the column (1-based, in bytes) and
 * static words in struct tide_expr_err; tide_expr_errfmt() words it with
 * the text and a caret under the column.
 *
 * Evaluation never allocates once each node's scratch buffer (a string
 * with escapes unescaped, lower()'s result) has grown to the largest value
 * seen, and never fails on data: a comparison across types or on a missing
 * field is false.  The one run-time verdict is a regex that reaches its
 * match limit (catastrophic backtracking): TIDE_ERANGE, the record neither
 * kept nor dropped (the program treats it as bad input), with
 * tide_expr_limit_regex() naming the regex.  Integers (a number written
 * without fraction or exponent that fits int64) are kept exact, as in
 * lib/agg: integer arithmetic stays in int64 while it fits, and an integer
 * compares with a double exactly.  A compiled expression is not for two
 * threads at once (the scratch buffers and match data are its own).
 */
#ifndef TIDE_EXPR_H
#define TIDE_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"

#define TIDE_EXPR_MAXTEXT	65536	/* bytes of an expression */
#define TIDE_EXPR_MAXDEPTH	64	/* nesting of parentheses and operators */
#define TIDE_EXPR_MAXLIT	4096	/* bytes of a string or regex literal */
#define TIDE_EXPR_MAXNODES	4096	/* nodes of a program */
#define TIDE_EXPR_MAXPATHS	256	/* distinct value paths */
#define TIDE_EXPR_MATCHLIMIT	1000000	/* PCRE2 match limit per record */

/* Where and why an expression was refused. */
struct tide_expr_err {
	size_t col;		/* 1-based byte column; 0: none */
	char msg[160];		/* "expected ')'", "unknown function 'foo'" */
};

/* A message's metadata, for the @ names.  A field not in have is missing. */
enum tide_expr_have {
	TIDE_EXPR_HAVE_KEY = 1 << 0,
	TIDE_EXPR_HAVE_PARTITION = 1 << 1,
	TIDE_EXPR_HAVE_OFFSET = 1 << 2,
	TIDE_EXPR_HAVE_TIMESTAMP = 1 << 3,
	TIDE_EXPR_HAVE_TOPIC = 1 << 4,
	TIDE_EXPR_HAVE_HEADERS = 1 << 5,
};

struct tide_expr_meta {
	unsigned have;
	const char *key;	/* NULL: a null key */
	size_t keylen;
	const char *topic;
	size_t topiclen;
	int32_t partition;
	int64_t offset;
	int64_t timestamp;	/* epoch ms */
	const struct tide_env_hdr *hdrs;	/* value NULL: a null header */
	size_t nhdrs;
	/* key is JSON text (a key its format decoded, lib/schema/wire):
	 * @key is its value. */
	int key_json;
};

struct tide_expr_node;

struct tide_expr {
	struct tide_path paths[TIDE_EXPR_MAXPATHS];	/* value paths named */
	int npath;
	int meta_only;		/* no value path: metadata decides alone */
	int uses_meta;		/* some @ name is used */
	int uses_hdrs;		/* @headers.NAME is used */

	/* Private. */
	struct tide_expr_node *n;
	size_t nn, cap;
	int root;
	char *text;
	int limit_node;		/* the regex that hit its limit, or -1 */
};

/* Compile text: 0, or TIDE_EINVAL with err filled in (e is then empty;
 * releasing it is still allowed). */
int tide_expr_compile(struct tide_expr *e, const char *text,
    struct tide_expr_err *err);
void tide_expr_release(struct tide_expr *e);

/*
 * Whether the record passes: 1 yes, 0 no, TIDE_ERANGE when a regex reached
 * its match limit.  vals[0..e->npath) are the values of e->paths in the
 * record (type TIDE_JSON_NONE: absent; vals may be NULL when npath is 0);
 * meta may be NULL (every @ name missing).
 */
int tide_expr_eval(struct tide_expr *e, const struct tide_json_val *vals,
    const struct tide_expr_meta *meta);

/* Evaluate on a whole record p[0..n) (any bytes: one that is not a JSON
 * object has every path missing), looking the paths up first: for callers
 * without a one-pass scan.  A barrier line (lib/barrier.h) passes: a
 * filter passes the pipeline's barriers on. */
int tide_expr_eval_rec(struct tide_expr *e, const char *p, size_t n,
    const struct tide_expr_meta *meta);

/* meta from a message's envelope (lib/kafka/kmsg.h's tide_kmsg_env()):
 * every @ name present (@timestamp unless it has none); it points into e.
 * A decoded key (TIDE_ENV_AS_JSON) is @key as the envelope writes it: a
 * string, a number, an object ... */
void tide_expr_meta_env(struct tide_expr_meta *meta, const struct tide_env *e);

/* The regex that reached its match limit in the last TIDE_ERANGE, as
 * written ("/(a+)+$/"). */
const char *tide_expr_limit_regex(const struct tide_expr *e);

/*
 * A stage's --where (tide-window, tide-sink, tide-join): the filter's
 * paths appended to the lookup the stage already makes of each record,
 * so they are found in the scan that validates it.  e NULL: no filter,
 * every record kept.  The barriers are the caller's: they never reach it.
 */
struct tide_where {
	struct tide_expr *e;	/* borrowed; NULL: none */
	int at;			/* e's values from vals[at] */
	uint64_t filtered;	/* records it dropped */
};

/* Append w->e's paths to paths[0..*n) (room for max): 0, or -1 when they
 * do not fit (*n unchanged). */
int tide_where_paths(struct tide_where *w, struct tide_path *paths, int *n,
    int max);
/* Whether the record whose values are vals (the caller's whole array)
 * goes on: 1 yes, 0 no (counted in filtered), TIDE_ERANGE as
 * tide_expr_eval's (the caller's bad input). */
int tide_where_keep(struct tide_where *w, const struct tide_json_val *vals);
/* The same on a whole record p[0..n), its paths looked up here (a record
 * built by the stage, as tide-join's joined one): tide_expr_eval_rec(). */
int tide_where_keep_rec(struct tide_where *w, const char *p, size_t n);

/* The error as "MSG at column N" followed by the text and a caret line
 * under the column (indented by two spaces), into buf[0..cap). */
void tide_expr_errfmt(const char *text, const struct tide_expr_err *err,
    char *buf, size_t cap);

#endif
