/*
 * struct tide_jtable: tide-join's table (-T) behind one table of
 * operations, for set-up's aftermath, reload, --stats and close: a file
 * (here: struct tide_jfile), a Kafka changelog (lib/kafka/ktable.h:
 * tide_ktable_jtable) or a view (lib/view/vtable.h: tide_vtable_jtable).
 * The per-record path uses none of it: lib/tjoin looks an in-memory table
 * (jt->table) up directly, a view through its own hook.
 *
 * A reload gets the next version ready (a file's: jt->next, loaded whole
 * while the old one serves), for the caller to check against its plan and
 * then tide_jtable_commit() or tide_jtable_drop(); a view forgets its
 * cache; a Kafka table has nothing to reload.  What a table has to say
 * while loading (a bad row, its size) goes, formatted, to the say hook;
 * failures come back as TIDE_E* codes with err->msg.  Nothing here prints
 * or exits.  The caller owns the struct the jtable is part of.
 */
#ifndef TIDE_JTABLE_H
#define TIDE_JTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "joinconf.h"
#include "table.h"

enum tide_jtable_level { TIDE_JTABLE_INFO, TIDE_JTABLE_WARN };
typedef void (*tide_jtable_say_fn)(void *ctx, enum tide_jtable_level level,
    const char *msg);

struct tide_jtable_err {
	char msg[1400];
	int usage;		/* a bad setting (a usage error) */
	int remote;		/* a service away (unavailable) */
};

/* The counters of --stats: the in-memory table's (0 for a view) and a
 * line of the kind's own ("" when none). */
struct tide_jtable_stats {
	uint64_t rows, versions;
	size_t keys, bytes;
	char line[512];
};

struct tide_jtable;
struct tide_jtable_ops {
	const char *kind;
	/* 0: reloaded (jt->next set, or nothing to swap); 1: nothing to
	 * reload (err->msg says why); < 0 failed (err->msg). */
	int (*reload)(struct tide_jtable *, struct tide_jtable_err *);
	void (*stats)(struct tide_jtable *, struct tide_jtable_stats *);
	void (*close)(struct tide_jtable *);
};

struct tide_jtable {
	const struct tide_jtable_ops *ops;
	struct tide_table *table;	/* in memory, or NULL (a view) */
	struct tide_table *next;	/* a reload's, until commit or drop */
	const char *label;		/* -T as given, borrowed */
	int64_t loadms;			/* the last load's */
	tide_jtable_say_fn say;
	void *ctx;
};

/* Format and say one line through jt->say. */
void tide_jtable_say(struct tide_jtable *jt, enum tide_jtable_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reload (err cleared first). */
int tide_jtable_reload(struct tide_jtable *jt, struct tide_jtable_err *err);

/* The counters, zero for no table (jt NULL). */
void tide_jtable_stats(struct tide_jtable *jt, struct tide_jtable_stats *s);

/* A reload's next table replaces the current one; or is let go. */
void tide_jtable_commit(struct tide_jtable *jt);
void tide_jtable_drop(struct tide_jtable *jt);

/* Close (jt NULL: nothing). */
void tide_jtable_close(struct tide_jtable *jt);

/*
 * A file table (-T FILE): read whole into memory, bad rows said (the
 * first TIDE_BAD_SHOWN in full, unless strict: then the first stops the
 * load), its size said for -v.
 */
struct tide_jfile {
	struct tide_jtable jt;
	struct tide_table_spec spec;
	const char *path;
	enum tide_table_fmt fmt;
	int strict, badrows;
};

/*
 * Load the table c names (c must outlive it).  0; TIDE_EINVAL with
 * err->usage for a bad field path, or for a key or --select field that a
 * CSV table's header lacks (looked at before any row is read; not for
 * standard input, which is read once); or the load's code (TIDE_EIO,
 * TIDE_EFORMAT, TIDE_EINVAL: a bad row under --strict, or a table with
 * rows and none good) with err->msg "table 'T': why".  An NDJSON table
 * has no header: a --select field its first row lacks is said once
 * (TIDE_JTABLE_WARN).  Close with tide_jtable_close(&f->jt) either way.
 */
int tide_jfile_open(struct tide_jfile *f, const struct tide_joinconf *c,
    tide_jtable_say_fn say, void *ctx, struct tide_jtable_err *err);

#endif
