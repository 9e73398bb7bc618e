/*
 * tide-join's configuration: see joinconf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "joinconf.h"
#include "json.h"
#include "rio.h"
#include "xalloc.h"

static int
fail(struct tide_joinconf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct tide_joinconf_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return TIDE_EINVAL;
}

void
tide_joinconf_init(struct tide_joinconf *c)
{
	memset(c, 0, sizeof(*c));
	c->tol = -1;
	c->maxrec = TIDE_MAX_RECORD;
	c->mdtimeout = 10000;
	c->downms = -1;
	c->cachettl = 1000;
	c->drain_ms = 30000;	/* doc/DELIVERY.md */
}

static void
free_list(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

void
tide_joinconf_release(struct tide_joinconf *c)
{
	free_list(c->js.skey, c->js.nkeys);
	free_list(c->js.tkey, c->js.nkeys);
	free_list(c->js.defname, c->js.ndef);
	free_list(c->js.defval, c->js.ndef);
	free_list(c->sel, c->nsel);
	free_list(c->tkeyarg, c->ntkey);
	c->js.nkeys = c->js.ndef = c->nsel = c->ntkey = 0;
	free(c->vfile);
	c->vfile = NULL;
}

/* The comma-separated field names of s into out[0..*n), copies; the old
 * list is freed.  0, or TIDE_EINVAL (out left empty). */
static int
split_list(const char *opt, const char *s, char **out, int *n, int max,
    struct tide_joinconf_err *err)
{
	const char *p = s, *q;

	free_list(out, *n);
	*n = 0;
	for (;;) {
		q = strchr(p, ',');
		if (q == p || *p == '\0') {
			free_list(out, *n);
			*n = 0;
			return fail(err, "%s: empty field name in '%s'", opt, s);
		}
		if (*n == max) {
			free_list(out, *n);
			*n = 0;
			return fail(err, "%s: more than %d fields", opt, max);
		}
		out[(*n)++] = q ? tide_xmemdup(p, (size_t)(q - p)) :
		    tide_xstrdup(p);
		if (q == NULL)
			return 0;
		p = q + 1;
	}
}

/* --on field[=tfield][,...] */
static int
set_on(struct tide_joinconf *c, const char *s, struct tide_joinconf_err *err)
{
	char *f[TIDE_TABLE_MAXKEYS], *eq;
	int i, n = 0, r;

	if ((r = split_list("--on", s, f, &n, TIDE_TABLE_MAXKEYS, err)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if ((eq = strchr(f[i], '=')) != NULL && (eq == f[i] ||
		    eq[1] == '\0')) {
			free_list(f, n);
			return fail(err, "--on: bad key '%s'", s);
		}
	free_list(c->js.skey, c->js.nkeys);
	free_list(c->js.tkey, c->js.nkeys);
	for (i = 0; i < n; i++) {
		if ((eq = strchr(f[i], '=')) != NULL) {
			*eq = '\0';
			c->js.tkey[i] = tide_xstrdup(eq + 1);
		} else
			c->js.tkey[i] = tide_xstrdup(f[i]);
		c->js.skey[i] = f[i];
	}
	c->js.nkeys = n;
	return 0;
}

/* --default field=value: JSON text stays as it is (0.5, true, "x");
 * other text is a string. */
static int
set_default(struct tide_joinconf *c, const char *s,
    struct tide_joinconf_err *err)
{
	const char *eq = strchr(s, '=');
	struct tide_buf b = TIDE_BUF_INIT;
	enum tide_json_type type;

	if (eq == NULL || eq == s)
		return fail(err, "--default: expected field=value, not '%s'", s);
	if (c->js.ndef == TIDE_TABLE_MAXCOLS)
		return fail(err, "--default: too many");
	c->js.defname[c->js.ndef] = tide_xmemdup(s, (size_t)(eq - s));
	eq++;
	if (*eq && tide_json_check(eq, strlen(eq), TIDE_JSON_MAXDEPTH, &type,
	    NULL) == 0)
		c->js.defval[c->js.ndef] = tide_xstrdup(eq);
	else {
		tide_json_write_str(&b, eq, strlen(eq));
		c->js.defval[c->js.ndef] = tide_xmemdup(b.data, b.len);
		tide_buf_release(&b);
	}
	c->js.ndef++;
	return 0;
}

/* The index of arg in the NULL-ended words (their enum values, in order;
 * "" for a value no word names), or -1 with err. */
static int
word(const char *opt, const char *arg, const char *const *words,
    const char *expect, struct tide_joinconf_err *err)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (words[i][0] != '\0' && strcmp(arg, words[i]) == 0)
			return i;
	fail(err, "%s: expected %s, not '%s'", opt, expect, arg);
	return -1;
}

int
tide_joinconf_set(struct tide_joinconf *c, enum tide_joinconf_opt opt,
    const char *arg, struct tide_joinconf_err *err)
{
	static const char *const dirs[] = { "backward", "forward", "nearest",
	    NULL };
	static const char *const fmts[] = { "", "ndjson", "csv", NULL };
	int i;

	switch (opt) {
	case TIDE_JC_ON:
		return set_on(c, arg, err);
	case TIDE_JC_DEFAULT:
		return set_default(c, arg, err);
	case TIDE_JC_SELECT:
		return split_list("--select", arg, c->sel, &c->nsel,
		    TIDE_TABLE_MAXCOLS, err);
	case TIDE_JC_TABLEKEY:
		return split_list("--table-key", arg, c->tkeyarg, &c->ntkey,
		    TIDE_TABLE_MAXKEYS, err);
	case TIDE_JC_DIRECTION:
		if ((i = word("--direction", arg, dirs, "backward, forward or "
		    "nearest", err)) < 0)
			return TIDE_EINVAL;
		c->dir = (enum tide_table_dir)i;
		return 0;
	case TIDE_JC_TABLEFMT:
		if ((i = word("--table-format", arg, fmts, "csv or ndjson",
		    err)) < 0)
			return TIDE_EINVAL;
		c->fmt = (enum tide_table_fmt)i;
		return 0;
	case TIDE_JC_TIMEUNIT:
		if (tide_time_unit_parse(arg, &c->js.unit) < 0)
			return fail(err, "--time-unit: not a unit: '%s' (s, ms, "
			    "us, ns, auto)", arg);
		return 0;
	case TIDE_JC_MISSFIELD:
		if (*arg == '\0')
			return fail(err, "--miss-field: empty name");
		c->js.missfield = arg;
		return 0;
	default:
		return fail(err, "no such option");
	}
}

static int
is_view(const char *t)
{
	return t != NULL && (strncmp(t, "sqlite:", 7) == 0 ||
	    strncmp(t, "redis:", 6) == 0);
}

/* --with: the interval join's own checks. */
static int
check_with(struct tide_joinconf *c, tide_joinconf_brokers_fn brokers,
    void *ctx, struct tide_joinconf_err *err)
{
	if (c->js.asof || c->tabletime || c->watch || c->ntkey || c->nowait)
		return fail(err, "--as-of, --table-time, --watch, --table-key "
		    "and --no-wait are for table joins");
	if (strncmp(c->with, "kafka:", 6) == 0) {
		c->wtopic = c->with + 6;
		if (*c->wtopic == '\0')
			return fail(err, "--with: no topic in '%s'", c->with);
		if (brokers(ctx, "a kafka stream", err) < 0)
			return TIDE_EINVAL;
	} else if (c->idle)
		return fail(err, "--idle needs --with kafka:topic (a file does "
		    "not go quiet)");
	if (c->timefield == NULL)
		c->timefield = "ts";
	return 0;
}

/* -T kafka:TOPIC */
static int
check_kafka(struct tide_joinconf *c, tide_joinconf_brokers_fn brokers,
    void *ctx, struct tide_joinconf_err *err)
{
	int i;

	c->topic = c->table + 6;
	if (*c->topic == '\0')
		return fail(err, "-T: no topic in '%s'", c->table);
	if (c->watch)
		return fail(err, "--watch: a kafka table follows its topic "
		    "already");
	if (brokers(ctx, "a kafka table", err) < 0)
		return TIDE_EINVAL;
	if (c->ntkey) {
		if (c->ntkey != c->js.nkeys)
			return fail(err, "--table-key: %d fields for %d in --on",
			    c->ntkey, c->js.nkeys);
		/* The fields become the table's keys. */
		for (i = 0; i < c->ntkey; i++) {
			free(c->js.tkey[i]);
			c->js.tkey[i] = c->tkeyarg[i];
			c->tkeyarg[i] = NULL;
		}
	} else if (c->js.nkeys > 1)
		return fail(err, "--on: a kafka table keyed by the message key "
		    "joins on one field (or use --table-key)");
	return 0;
}

/* -T sqlite:FILE:TABLE, -T redis:URL */
static int
check_view(struct tide_joinconf *c, struct tide_joinconf_err *err)
{
	const char *t = c->table, *colon;

	if (t[0] == 's') {
		colon = strrchr(t + 7, ':');
		if (colon == NULL || colon == t + 7 || colon[1] == '\0')
			return fail(err, "-T: expected sqlite:file:table, not "
			    "'%s'", t);
		c->view = TIDE_JC_VIEW_SQLITE;
		free(c->vfile);
		c->vfile = tide_xmemdup(t + 7, (size_t)(colon - t - 7));
		c->vtable = colon + 1;
	} else {
		c->view = TIDE_JC_VIEW_REDIS;
		c->vurl = t + 6;
		if (*c->vurl == '\0')
			return fail(err, "-T: expected redis:url, not '%s'", t);
	}
	if (c->watch || c->fmt != TIDE_TABLE_AUTO || c->tabletime || c->ntkey ||
	    c->nowait)
		return fail(err, "--watch, --table-format, --table-time, "
		    "--table-key and --no-wait are not for view tables");
	if (c->dir != TIDE_TABLE_BACKWARD || c->tol >= 0)
		return fail(err, "--direction and --tolerance are not supported "
		    "with view tables");
	if (c->js.asof && c->view == TIDE_JC_VIEW_REDIS)
		return fail(err, "--as-of: a redis view keeps no history (use an "
		    "sqlite view written with --history)");
	return 0;
}

int
tide_joinconf_check(struct tide_joinconf *c,
    tide_joinconf_brokers_fn brokers, void *ctx, struct tide_joinconf_err *err)
{
	int r;

	if (c->given_cachettl && !is_view(c->table))
		return fail(err, "--cache-ttl needs a view table "
		    "(-T sqlite:file:table or -T redis:url)");
	if (c->with && c->table)
		return fail(err, "-T and --with exclude each other");
	if (c->with == NULL && (c->given_within || c->timefield || c->delay ||
	    c->latefile || c->idle))
		return fail(err, "--within, --time, --delay, --idle and "
		    "--late-file need --with");
	if (c->with == NULL && c->table == NULL)
		return fail(err, "-T is required");
	if (c->with && !c->given_within)
		return fail(err, "--with needs --within");
	if (c->js.nkeys == 0)
		return fail(err, "--on is required");
	if (c->nkinds > 1)
		return fail(err, "--inner, --left and --anti exclude each other");
	if (c->js.kind != TIDE_JOIN_LEFT && (c->js.ndef || c->js.missfield))
		return fail(err, "--default and --miss-field need --left");
	if (c->downms >= 0 && (c->with ? strncmp(c->with, "kafka:", 6) :
	    c->table == NULL || strncmp(c->table, "kafka:", 6)) != 0)
		return fail(err, "--down-timeout needs a kafka table or stream "
		    "(-T kafka:topic or --with kafka:topic)");
	if (c->with)
		return check_with(c, brokers, ctx, err);
	if (strncmp(c->table, "kafka:", 6) == 0)
		r = check_kafka(c, brokers, ctx, err);
	else if (is_view(c->table))
		r = check_view(c, err);
	else if (c->ntkey || c->nowait)
		r = fail(err, "--table-key and --no-wait need a kafka table");
	else if ((c->js.asof == NULL) != (c->tabletime == NULL))
		r = fail(err, "--as-of and --table-time go together");
	else
		r = 0;
	if (r < 0)
		return r;
	if (c->tabletime && c->js.asof == NULL)
		return fail(err, "--table-time needs --as-of");
	if (c->js.asof == NULL && (c->dir != TIDE_TABLE_BACKWARD || c->tol >= 0))
		return fail(err, "--direction and --tolerance need --as-of");
	return 0;
}

void
tide_joinconf_table_spec(const struct tide_joinconf *c,
    struct tide_table_spec *spec)
{
	int i;

	memset(spec, 0, sizeof(*spec));
	spec->nkeys = c->js.nkeys;
	for (i = 0; i < c->js.nkeys; i++)
		spec->keys[i] = c->js.tkey[i];
	spec->ncols = c->nsel;
	for (i = 0; i < c->nsel; i++)
		spec->cols[i] = c->sel[i];
	spec->timefield = c->tabletime;
	spec->unit = c->js.unit;
}
