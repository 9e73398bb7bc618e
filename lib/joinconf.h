/*
 * tide-join's configuration, as its options give it: the join spec
 * (lib/joinplan), the table and what -T names (a file, kafka:TOPIC,
 * sqlite:FILE:TABLE, redis:URL) or the other stream of an interval join
 * (--with), and the option values the join reads.  The option table
 * stays in the command and binds its entries to the fields here; the
 * arguments that need parsing (lists of fields, --on, --default, words)
 * go through tide_joinconf_set(), and once every option is in,
 * tide_joinconf_check() says whether they go together and works out what
 * -T and --with name.
 *
 * Ownership: the struct is the caller's; the strings it points to from
 * argv are borrowed, those tide_joinconf_set() and tide_joinconf_check()
 * make are owned and freed by tide_joinconf_release().  lib never prints:
 * a refusal is TIDE_EINVAL with the message, in the options' dialect
 * ("--on: bad key 'x'"), in the caller's struct tide_joinconf_err, for
 * the command to print as a usage error.
 */
#ifndef TIDE_JOINCONF_H
#define TIDE_JOINCONF_H

#include <stddef.h>
#include <stdint.h>

#include "joinplan.h"
#include "table.h"

enum tide_joinconf_view {
	TIDE_JC_VIEW_NONE,
	TIDE_JC_VIEW_SQLITE,		/* -T sqlite:FILE:TABLE */
	TIDE_JC_VIEW_REDIS,		/* -T redis:URL */
};

/* The arguments tide_joinconf_set() parses. */
enum tide_joinconf_opt {
	TIDE_JC_ON,			/* field[=tfield][,...] */
	TIDE_JC_DEFAULT,		/* field=value, repeatable */
	TIDE_JC_SELECT,			/* field[,...]: replaces the list */
	TIDE_JC_TABLEKEY,		/* field[,...]: replaces the list */
	TIDE_JC_DIRECTION,		/* backward, forward, nearest */
	TIDE_JC_TABLEFMT,		/* csv, ndjson */
	TIDE_JC_TIMEUNIT,		/* s, ms, us, ns, auto */
	TIDE_JC_MISSFIELD,		/* a name, not empty */
	TIDE_JC_NOPTS
};

struct tide_joinconf {
	const char *table;		/* -T */
	enum tide_table_fmt fmt;
	struct tide_joinspec js;	/* kind, keys, names, --default ... */
	int nsel;
	char *sel[TIDE_TABLE_MAXCOLS];
	const char *tabletime;
	enum tide_table_dir dir;
	int64_t tol;			/* --tolerance, < 0 not given */
	int watch, strict, stats;
	const char *deadletter;
	size_t maxrec;
	int ntkey;			/* --table-key */
	char *tkeyarg[TIDE_TABLE_MAXKEYS];	/* its fields, until checked */
	int nowait;
	int64_t mdtimeout;
	int64_t downms;			/* --down-timeout, < 0 not given */
	const char *with;		/* interval join */
	int64_t within, delay, idle;
	const char *timefield, *latefile;
	int64_t cachettl;
	int64_t drain_ms;		/* --drain-timeout */
	const char *where, *having;	/* the filters' texts */
	/* Given on the command line (the caller sets them): --within,
	 * --cache-ttl; how many of --inner, --left and --anti. */
	int given_within, given_cachettl, nkinds;
	/* Worked out by tide_joinconf_check(). */
	const char *topic;		/* -T kafka:TOPIC */
	const char *wtopic;		/* --with kafka:TOPIC */
	enum tide_joinconf_view view;
	char *vfile;			/* sqlite:FILE:TABLE */
	const char *vtable;
	const char *vurl;		/* redis:URL */
};

struct tide_joinconf_err {
	char msg[512];
};

/* A Kafka topic needs brokers: the caller's check (what: "a kafka table",
 * "a kafka stream"); 0, or negative with err->msg. */
typedef int (*tide_joinconf_brokers_fn)(void *ctx, const char *what,
    struct tide_joinconf_err *err);

/* The defaults: no tolerance, --max-record 16M, --metadata-timeout 10s,
 * --cache-ttl 1s, --drain-timeout 30s. */
void tide_joinconf_init(struct tide_joinconf *c);
void tide_joinconf_release(struct tide_joinconf *c);

/* Take opt's argument: 0, or TIDE_EINVAL with err->msg. */
int tide_joinconf_set(struct tide_joinconf *c, enum tide_joinconf_opt opt,
    const char *arg, struct tide_joinconf_err *err);

/*
 * Once every option is in: whether they go together, in the order the
 * messages have always come; what -T or --with names (topic, wtopic,
 * view, vfile, vtable, vurl; --time defaults to ts); for a Kafka table
 * keyed by --table-key, those fields become the table's keys.  brokers()
 * is asked where a topic is named.  0, or TIDE_EINVAL with err->msg.
 */
int tide_joinconf_check(struct tide_joinconf *c,
    tide_joinconf_brokers_fn brokers, void *ctx, struct tide_joinconf_err *err);

/* The table's keys, columns and time field, as the options name them. */
void tide_joinconf_table_spec(const struct tide_joinconf *c,
    struct tide_table_spec *spec);

#endif
