/* Materialized views in SQLite; see sqlview.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "key.h"
#include "view/sqlview.h"
#include "table.h"
#include "xalloc.h"

#define TIMECOL "tide_time"
#define RECCOL "record"

static int
fail(struct tide_sqlview_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct tide_sqlview_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static int
dbfail(struct tide_sqlview *v, struct tide_sqlview_err *err, const char *what)
{
	return fail(err, TIDE_EIO, "sqlite: %s: %s", what,
	    v->db != NULL ? sqlite3_errmsg(v->db) : "out of memory");
}

/* Append a double-quoted SQL identifier. */
static void
add_ident(struct tide_buf *b, const char *s)
{
	(void)tide_buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			(void)tide_buf_addc(b, '"');
		(void)tide_buf_addc(b, *s);
	}
	(void)tide_buf_addc(b, '"');
}

static void
init_common(struct tide_sqlview *v)
{
	memset(v, 0, sizeof(*v));
	v->ncol = -1;
	v->maxtime = INT64_MIN;
	tide_buf_init(&v->scratch, TIDE_BUF_NOMAX);
	tide_buf_init(&v->res, TIDE_BUF_NOMAX);
	tide_buf_init(&v->ckey, TIDE_BUF_NOMAX);
	tide_buf_init(&v->shapenames, TIDE_BUF_NOMAX);
	tide_buf_init(&v->pendbuf, TIDE_BUF_NOMAX);
	tide_buf_init(&v->mkey, TIDE_BUF_NOMAX);
	tide_htab_init(&v->seen, sizeof(size_t));
	tide_htab_init(&v->cols, sizeof(int));
	tide_viewcache_init(&v->cache, 0, 0);
}

static int
open_db(struct tide_sqlview *v, const char *path, int flags, int busy_ms,
    struct tide_sqlview_err *err)
{
	if (sqlite3_open_v2(path, &v->db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fail(err, TIDE_EIO, "sqlite: cannot open '%s': %s", path,
		    v->db != NULL ? sqlite3_errmsg(v->db) : "out of memory");
		sqlite3_close(v->db);
		v->db = NULL;
		return TIDE_EIO;
	}
	sqlite3_busy_timeout(v->db, busy_ms > 0 ? busy_ms : 5000);
	return 0;
}

static int
exec(struct tide_sqlview *v, const char *sql, struct tide_sqlview_err *err)
{
	if (sqlite3_exec(v->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return dbfail(v, err, sql);
	return 0;
}

static int
prepare(struct tide_sqlview *v, struct tide_buf *sql, sqlite3_stmt **st,
    struct tide_sqlview_err *err)
{
	if (sqlite3_prepare_v3(v->db, sql->data, (int)sql->len,
	    SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return dbfail(v, err, "prepare");
	return 0;
}

/*
 * Read the table's columns: returns 1 and fills names (owned) and pk
 * ordinals when the table exists, 0 when it does not.
 */
static int
table_info(struct tide_sqlview *v, char ***names, int **pk, int *n,
    struct tide_sqlview_err *err)
{
	struct tide_buf sql = TIDE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int r, cap = 0;

	*names = NULL;
	*pk = NULL;
	*n = 0;
	tide_buf_adds(&sql, "PRAGMA table_info(");
	add_ident(&sql, v->table);
	tide_buf_adds(&sql, ")");
	r = prepare(v, &sql, &st, err);
	tide_buf_release(&sql);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = tide_xreallocarray(*names, (size_t)cap,
			    sizeof(**names));
			*pk = tide_xreallocarray(*pk, (size_t)cap, sizeof(**pk));
		}
		(*names)[*n] = tide_xstrdup((const char *)sqlite3_column_text(st, 1));
		(*pk)[*n] = sqlite3_column_int(st, 5);
		(*n)++;
	}
	if (r != SQLITE_DONE) {
		sqlite3_finalize(st);
		return dbfail(v, err, "table_info");
	}
	sqlite3_finalize(st);
	return *n > 0;
}

static void
free_names(char **names, int *pk, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(pk);
}

/* The primary-key column of ordinal k (1-based), or -1. */
static int
pk_col(const int *pk, int n, int k)
{
	int i;

	for (i = 0; i < n; i++)
		if (pk[i] == k)
			return i;
	return -1;
}

static int
find_name(char **names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/*
 * Whether the table's one key column is an alias of its rowid: declared
 * exactly INTEGER and the whole primary key (SQLite's rule; a table made
 * WITHOUT ROWID is counted too, which only makes the check stricter).
 */
static int
rowid_key(struct tide_sqlview *v)
{
	const char *type = NULL;
	int pk = 0;

	if (v->nkey != 1 || v->history)
		return 0;
	if (sqlite3_table_column_metadata(v->db, NULL, v->table,
	    v->keyname[0], &type, NULL, NULL, &pk, NULL) != SQLITE_OK)
		return 0;
	return pk && type != NULL && sqlite3_stricmp(type, "INTEGER") == 0;
}

/*
 * Whether the n names (field columns: the first record's fields, or
 * conf.cols) can be the table's columns beside the key columns: SQLite
 * column names ignore ASCII case, so two names that differ only in case
 * would be one column (CREATE TABLE fails), and record and tide_time are
 * the view's own.  A name equal to a key's is that key's column.  what
 * says which names they are, code is the error to return.
 */
static int
check_names(const struct tide_sqlview *v, char *const *names, int n,
    const char *what, int code, struct tide_sqlview_err *err)
{
	int i, j;

	for (i = 0; i < n; i++) {
		if (sqlite3_stricmp(names[i], RECCOL) == 0 ||
		    sqlite3_stricmp(names[i], TIMECOL) == 0)
			return fail(err, code, "%s '%s' has the name of a "
			    "column of the view", what, names[i]);
		for (j = 0; j < v->nkey; j++)
			if (sqlite3_stricmp(names[i], v->keyname[j]) == 0 &&
			    strcmp(names[i], v->keyname[j]) != 0)
				return fail(err, code, "%s '%s' and key field "
				    "'%s' differ only in case (one SQLite "
				    "column)", what, names[i], v->keyname[j]);
		for (j = 0; j < i; j++)
			if (sqlite3_stricmp(names[i], names[j]) == 0 &&
			    strcmp(names[i], names[j]) != 0)
				return fail(err, code, "%ss '%s' and '%s' "
				    "differ only in case (one SQLite column)",
				    what, names[j], names[i]);
	}
	return 0;
}

/*
 * The table exists: check its key against ours, map its field columns to
 * parameters and prepare the statements of the writer.
 */
static int
writer_setup(struct tide_sqlview *v, char **names, int *pk, int n,
    struct tide_sqlview_err *err)
{
	struct tide_buf sql = TIDE_BUF_INIT, upd = TIDE_BUF_INIT;
	sqlite3_stmt *st;
	int i, c, npk = 0, param, r;

	for (i = 0; i < n; i++)
		if (pk[i] > 0)
			npk++;
	for (i = 0; i < v->nkey; i++)
		if ((c = pk_col(pk, n, i + 1)) < 0 ||
		    strcmp(names[c], v->keyname[i]) != 0)
			break;
	if (i < v->nkey || npk != v->nkey + v->history ||
	    (v->history && ((c = pk_col(pk, n, v->nkey + 1)) < 0 ||
	    strcmp(names[c], TIMECOL) != 0)))
		return fail(err, TIDE_EFORMAT, "table '%s' exists with another "
		    "primary key%s", v->table, v->history ?
		    " (history needs the key and " TIMECOL ")" : "");
	if (find_name(names, n, RECCOL) < 0)
		return fail(err, TIDE_EFORMAT, "table '%s' exists without a '"
		    RECCOL "' column", v->table);
	v->rowidkey = rowid_key(v);
	if (v->timed && find_name(names, n, TIMECOL) < 0)
		return fail(err, TIDE_EFORMAT, "table '%s' exists without a '"
		    TIMECOL "' column", v->table);

	/* ?1..?nkey keys, then fields, then record, then time. */
	tide_buf_adds(&sql, "INSERT INTO ");
	add_ident(&sql, v->table);
	tide_buf_adds(&sql, "(");
	for (i = 0; i < v->nkey; i++) {
		if (i > 0)
			tide_buf_adds(&sql, ",");
		add_ident(&sql, v->keyname[i]);
	}
	param = v->nkey;
	v->ncol = 0;
	for (i = 0; i < n; i++) {
		int *slot;

		if (pk[i] > 0 || strcmp(names[i], RECCOL) == 0 ||
		    strcmp(names[i], TIMECOL) == 0)
			continue;
		slot = tide_htab_put(&v->cols, names[i], strlen(names[i]), NULL);
		*slot = ++param;
		v->ncol++;
		tide_buf_adds(&sql, ",");
		add_ident(&sql, names[i]);
		tide_buf_adds(&upd, upd.len ? "," : "");
		add_ident(&upd, names[i]);
		tide_buf_adds(&upd, "=excluded.");
		add_ident(&upd, names[i]);
	}
	tide_buf_adds(&sql, ",\"" RECCOL "\"");
	tide_buf_adds(&upd, upd.len ? "," : "");
	tide_buf_adds(&upd, "\"" RECCOL "\"=excluded.\"" RECCOL "\"");
	v->recparam = ++param;
	if (find_name(names, n, TIMECOL) >= 0) {
		tide_buf_adds(&sql, ",\"" TIMECOL "\"");
		if (!v->history)
			tide_buf_adds(&upd, ",\"" TIMECOL "\"=excluded.\""
			    TIMECOL "\"");
		v->timeparam = ++param;
	}
	tide_buf_adds(&sql, ") VALUES(");
	for (i = 1; i <= param; i++)
		tide_buf_addf(&sql, "%s?%d", i > 1 ? "," : "", i);
	tide_buf_adds(&sql, ") ON CONFLICT(");
	for (i = 0; i < v->nkey; i++) {
		if (i > 0)
			tide_buf_adds(&sql, ",");
		add_ident(&sql, v->keyname[i]);
	}
	if (v->history)
		tide_buf_adds(&sql, ",\"" TIMECOL "\"");
	tide_buf_adds(&sql, ") DO UPDATE SET ");
	tide_buf_add(&sql, upd.data, upd.len);
	r = prepare(v, &sql, &v->ins, err);
	tide_buf_reset(&sql);
	if (r == 0 && v->ttl_ms > 0) {
		tide_buf_adds(&sql, "DELETE FROM ");
		add_ident(&sql, v->table);
		tide_buf_adds(&sql, " WHERE \"" TIMECOL "\" < ?1");
		r = prepare(v, &sql, &v->ttl, err);
		tide_buf_reset(&sql);
	}
	if (r == 0 && v->timed) {
		/* Expiry is relative to the newest event time, stored ones
		 * included, so a restarted sink expires what it would have. */
		tide_buf_adds(&sql, "SELECT max(\"" TIMECOL "\") FROM ");
		add_ident(&sql, v->table);
		if ((r = prepare(v, &sql, &st, err)) == 0) {
			if (sqlite3_step(st) == SQLITE_ROW &&
			    sqlite3_column_type(st, 0) != SQLITE_NULL)
				v->maxtime = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	tide_buf_release(&sql);
	tide_buf_release(&upd);
	return r;
}

static int
load_writer(struct tide_sqlview *v, struct tide_sqlview_err *err)
{
	char **names;
	int *pk, n, r;

	if ((r = table_info(v, &names, &pk, &n, err)) <= 0)
		return r;
	r = writer_setup(v, names, pk, n, err);
	free_names(names, pk, n);
	return r < 0 ? r : 1;
}

int
tide_sqlview_open(struct tide_sqlview *v, const struct tide_sqlview_conf *conf,
    struct tide_sqlview_err *err)
{
	sqlite3_stmt *st = NULL;
	struct tide_buf sql = TIDE_BUF_INIT;
	int i, r;

	init_common(v);
	if (conf->table == NULL || conf->table[0] == '\0')
		return fail(err, TIDE_EINVAL, "no table name");
	if (conf->nkey < 1 || conf->nkey > TIDE_SQLVIEW_MAXKEYS)
		return fail(err, TIDE_EINVAL, "between 1 and %d key fields",
		    TIDE_SQLVIEW_MAXKEYS);
	if ((conf->history || conf->ttl_ms > 0) && conf->timefield == NULL)
		return fail(err, TIDE_EINVAL, "%s needs a time field",
		    conf->history ? "history" : "a ttl");
	if (conf->ncol > TIDE_SQLVIEW_MAXCOLS)
		return fail(err, TIDE_EINVAL, "more than %d columns",
		    TIDE_SQLVIEW_MAXCOLS);
	v->table = tide_xstrdup(conf->table);
	v->nkey = conf->nkey;
	for (i = 0; i < conf->nkey; i++) {
		if (tide_path_parse(&v->path[i], conf->keys[i]) < 0)
			return fail(err, TIDE_EINVAL, "bad key field '%s'",
			    conf->keys[i]);
		v->npath++;
		/* A top-level key is named by its unescaped name; a nested
		 * one by its path as written. */
		v->keyname[i] = v->path[i].nseg == 1 ?
		    tide_xstrdup(v->path[i].seg[0].name) :
		    tide_xstrdup(conf->keys[i]);
		if (strcmp(v->keyname[i], RECCOL) == 0 ||
		    strcmp(v->keyname[i], TIMECOL) == 0)
			return fail(err, TIDE_EINVAL, "key field '%s' has the "
			    "name of a column of the view", conf->keys[i]);
	}
	if (conf->timefield != NULL) {
		if (tide_path_parse(&v->path[v->npath], conf->timefield) < 0)
			return fail(err, TIDE_EINVAL, "bad time field '%s'",
			    conf->timefield);
		v->npath++;
		v->timed = 1;
	}
	v->vals = tide_xcalloc((size_t)v->npath, sizeof(*v->vals));
	v->unit = conf->unit;
	v->history = conf->history != 0;
	v->ttl_ms = conf->ttl_ms;
	v->batch = conf->batch > 0 ? conf->batch : TIDE_SQLVIEW_BATCH;
	v->batch_ms = conf->batch_ms;
	if (conf->ncol > 0) {
		v->defcols = tide_xcalloc((size_t)conf->ncol, sizeof(char *));
		for (i = 0; i < conf->ncol; i++)
			v->defcols[i] = tide_xstrdup(conf->cols[i]);
		v->ndefcols = conf->ncol;
		if ((r = check_names(v, v->defcols, v->ndefcols, "column",
		    TIDE_EINVAL, err)) < 0)
			return r;
	}

	if ((r = open_db(v, conf->path, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, conf->busy_ms, err)) < 0)
		return r;
	/* WAL: readers keep reading the last committed batch while the
	 * next one is written.  NORMAL sync loses no committed batch when
	 * the process dies (only, at worst, the last ones on power loss). */
	tide_buf_adds(&sql, "PRAGMA journal_mode=WAL");
	if ((r = prepare(v, &sql, &st, err)) < 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		r = fail(err, TIDE_EIO, "sqlite: '%s': cannot use WAL mode",
		    conf->path);
		goto out;
	}
	/* A batch over many keys dirties thousands of pages: at SQLite's
	 * default of 1000 pages every commit would checkpoint (two fsyncs). */
	if ((r = exec(v, "PRAGMA synchronous=NORMAL", err)) < 0 ||
	    (r = exec(v, "PRAGMA cache_size=-65536", err)) < 0 ||
	    (r = exec(v, "PRAGMA wal_autocheckpoint=" TIDE_SQLVIEW_CKPT, err)) < 0)
		goto out;
	r = load_writer(v, err);
	if (r > 0)
		r = 0;
out:
	sqlite3_finalize(st);
	tide_buf_release(&sql);
	return r;
}

static const char *
sqltype(const struct tide_json_val *val)
{
	switch (val->type) {
	case TIDE_JSON_STRING:
	case TIDE_JSON_OBJECT:
	case TIDE_JSON_ARRAY:
		return " TEXT";
	case TIDE_JSON_NUMBER:
		if (memchr(val->p, '.', val->len) || memchr(val->p, 'e',
		    val->len) || memchr(val->p, 'E', val->len))
			return " REAL";
		return " INTEGER";
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
		return " INTEGER";
	default:
		return "";
	}
}

/* The object value of a validated record (surrounding blanks skipped). */
static void
rec_obj(const char *rec, size_t n, struct tide_json_val *obj)
{
	size_t i = 0;

	while (i < n && rec[i] != '{')
		i++;
	obj->type = TIDE_JSON_OBJECT;
	obj->p = rec + i;
	obj->len = n - i;
}

/* Create the table from the first record (types) and conf.cols (names). */
static int
create_table(struct tide_sqlview *v, const char *rec, size_t n,
    struct tide_sqlview_err *err)
{
	struct tide_buf sql = TIDE_BUF_INIT, name = TIDE_BUF_INIT;
	struct tide_htab seen;
	struct tide_json_val obj, k, val;
	size_t pos = 0;
	int i, ncol = 0, r;

	tide_htab_init(&seen, 0);
	tide_buf_adds(&sql, "CREATE TABLE IF NOT EXISTS ");
	add_ident(&sql, v->table);
	tide_buf_adds(&sql, "(");
	for (i = 0; i < v->nkey; i++) {
		add_ident(&sql, v->keyname[i]);
		tide_buf_adds(&sql, sqltype(&v->vals[i]));
		tide_buf_adds(&sql, " NOT NULL,");
		tide_htab_put(&seen, v->keyname[i], strlen(v->keyname[i]), NULL);
	}
	tide_htab_put(&seen, RECCOL, strlen(RECCOL), NULL);
	tide_htab_put(&seen, TIMECOL, strlen(TIMECOL), NULL);
	rec_obj(rec, n, &obj);
	if (v->ndefcols > 0) {
		for (i = 0; i < v->ndefcols; i++) {
			struct tide_path p;

			if (tide_htab_get(&seen, v->defcols[i],
			    strlen(v->defcols[i])) != NULL)
				continue;
			tide_htab_put(&seen, v->defcols[i],
			    strlen(v->defcols[i]), NULL);
			/* Its type from the first record, when it has it. */
			p.nseg = 1;
			p.seg[0].name = v->defcols[i];
			p.seg[0].len = strlen(v->defcols[i]);
			p.text = v->defcols[i];
			if (tide_json_get(obj.p, obj.len, &p, &val) != 1)
				val.type = TIDE_JSON_NONE;
			add_ident(&sql, v->defcols[i]);
			tide_buf_adds(&sql, sqltype(&val));
			tide_buf_adds(&sql, ",");
		}
	} else {
		while (tide_json_obj_next(&obj, &pos, &k, &val) &&
		    ncol < TIDE_SQLVIEW_MAXCOLS) {
			tide_buf_reset(&name);
			if (tide_json_str(&k, &name) < 0 ||
			    memchr(name.data, '\0', name.len) != NULL ||
			    tide_htab_get(&seen, name.data, name.len) != NULL)
				continue;
			tide_htab_put(&seen, name.data, name.len, NULL);
			add_ident(&sql, tide_buf_cstr(&name));
			tide_buf_adds(&sql, sqltype(&val));
			tide_buf_adds(&sql, ",");
			ncol++;
		}
	}
	tide_buf_adds(&sql, "\"" RECCOL "\" TEXT NOT NULL");
	if (v->timed)
		tide_buf_adds(&sql, ",\"" TIMECOL "\" INTEGER NOT NULL");
	tide_buf_adds(&sql, ",PRIMARY KEY(");
	for (i = 0; i < v->nkey; i++) {
		if (i > 0)
			tide_buf_adds(&sql, ",");
		add_ident(&sql, v->keyname[i]);
	}
	if (v->history)
		tide_buf_adds(&sql, ",\"" TIMECOL "\"");
	tide_buf_adds(&sql, "))");
	r = exec(v, tide_buf_cstr(&sql), err);
	if (r == 0 && v->ttl_ms > 0) {
		tide_buf_reset(&sql);
		tide_buf_adds(&sql, "CREATE INDEX IF NOT EXISTS ");
		tide_buf_reset(&name);
		tide_buf_adds(&name, v->table);
		tide_buf_adds(&name, "_" TIMECOL);
		add_ident(&sql, tide_buf_cstr(&name));
		tide_buf_adds(&sql, " ON ");
		add_ident(&sql, v->table);
		tide_buf_adds(&sql, "(\"" TIMECOL "\")");
		r = exec(v, tide_buf_cstr(&sql), err);
	}
	if (r == 0 && (r = load_writer(v, err)) == 0)
		r = fail(err, TIDE_EIO, "table '%s' was not created", v->table);
	else if (r > 0)
		r = 0;
	tide_buf_release(&sql);
	tide_buf_release(&name);
	tide_htab_release(&seen);
	return r < 0 ? r : 0;
}

/*
 * The common numbers of a record, bound without strtod: an integer of up to
 * 18 digits, or a decimal without exponent whose digits make an integer m
 * below 2^53, which is m / 10^k with both operands exact doubles, so
 * the one IEEE division rounds it correctly (Clinger's fast path).  A
 * decimal whose fraction is all zeros is an integer, as tide_json_int64()
 * has it.  Returns -1 for anything else (the general path decides).
 */
static int
bind_num_fast(sqlite3_stmt *st, int i, const char *p, size_t n)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	    1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *e = p + n;
	uint64_t m = 0, ip;
	int neg = 0, nd = 0, nf = 0, fz = 1;
	double d;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < e && *p >= '0' && *p <= '9'; p++, nd++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (nd == 0 || nd > 18)
		return -1;
	if (p == e)
		return sqlite3_bind_int64(st, i, neg ? -(int64_t)m : (int64_t)m);
	if (*p != '.')
		return -1;
	ip = m;
	for (p++; p < e && *p >= '0' && *p <= '9'; p++, nf++) {
		m = m * 10 + (uint64_t)(*p - '0');
		fz &= *p == '0';
	}
	if (p != e || nf == 0 || nf > 22 || nd + nf > 18)
		return -1;
	if (fz)
		return sqlite3_bind_int64(st, i, neg ? -(int64_t)ip :
		    (int64_t)ip);
	if (m >= (uint64_t)1 << 53)
		return -1;
	d = (double)m / pow10[nf];
	return sqlite3_bind_double(st, i, neg ? -d : d);
}

/* Bind a JSON value; strings with escapes are unescaped into scratch. */
static int
bind_val(struct tide_sqlview *v, sqlite3_stmt *st, int i,
    const struct tide_json_val *val)
{
	int64_t iv;
	double d;
	int r;

	switch (val->type) {
	case TIDE_JSON_STRING:
		if (memchr(val->p, '\\', val->len) == NULL)
			return sqlite3_bind_text(st, i, val->p + 1,
			    (int)val->len - 2, SQLITE_STATIC);
		tide_buf_reset(&v->scratch);
		if ((r = tide_json_str(val, &v->scratch)) < 0)
			return SQLITE_TOOBIG;
		return sqlite3_bind_text(st, i, v->scratch.data,
		    (int)v->scratch.len, SQLITE_TRANSIENT);
	case TIDE_JSON_NUMBER:
		if ((r = bind_num_fast(st, i, val->p, val->len)) >= 0)
			return r;
		if (tide_json_int64(val, &iv) == 0)
			return sqlite3_bind_int64(st, i, iv);
		if (tide_json_double(val, &d) == 0)
			return sqlite3_bind_double(st, i, d);
		return sqlite3_bind_text(st, i, val->p, (int)val->len,
		    SQLITE_STATIC);
	case TIDE_JSON_TRUE:
		return sqlite3_bind_int(st, i, 1);
	case TIDE_JSON_FALSE:
		return sqlite3_bind_int(st, i, 0);
	case TIDE_JSON_OBJECT:
	case TIDE_JSON_ARRAY:
		return sqlite3_bind_text(st, i, val->p, (int)val->len,
		    SQLITE_STATIC);
	default:
		return sqlite3_bind_null(st, i);
	}
}

/*
 * Key value k's canonical text by tide's key rule (key.h, tide(7) KEYS)
 * into v->scratch and, where that is a number, the number as *num (its
 * text in nb, 64 bytes, or in v->scratch): a number, or a string that holds
 * exactly a JSON number, is its canonical number (42, 42.0, 4.2e1 and "42"
 * are 42; 1.50 and "15e-1" are 1.5).  1 for a number, 0 for a string's
 * text, or tide_key_text()'s negative code.
 */
static int
key_canon(struct tide_sqlview *v, const struct tide_json_val *k, char *nb,
    struct tide_json_val *num)
{
	size_t n;
	int r;

	tide_buf_reset(&v->scratch);
	if ((r = tide_key_text(&v->scratch, k)) < 0)
		return r;
	if ((num->p = tide_key_number(v->scratch.data, v->scratch.len, nb,
	    &n)) == NULL)
		return 0;
	num->type = TIDE_JSON_NUMBER;
	num->len = n;
	return 1;
}

/*
 * Bind a key value by its canonical value (key_canon), so that the
 * spellings of one key are one row: a number as the integer or double it
 * is, other strings as their text.  Whatever the column's type, the same
 * canonical value then gives the same stored value.  true and false stay
 * SQLite's 1 and 0, as bind_val() has them.
 */
static int
bind_key(struct tide_sqlview *v, sqlite3_stmt *st, int i,
    const struct tide_json_val *val)
{
	struct tide_json_val num;
	char nb[64];
	int64_t iv;
	double d;
	int r;

	if (val->type != TIDE_JSON_STRING && val->type != TIDE_JSON_NUMBER)
		return bind_val(v, st, i, val);
	if ((r = key_canon(v, val, nb, &num)) < 0)
		return bind_val(v, st, i, val);
	if (r == 0)
		return sqlite3_bind_text(st, i, v->scratch.data,
		    (int)v->scratch.len, SQLITE_TRANSIENT);
	if ((r = bind_num_fast(st, i, num.p, num.len)) >= 0)
		return r;
	if (tide_json_int64(&num, &iv) == 0)
		return sqlite3_bind_int64(st, i, iv);
	if (tide_json_double(&num, &d) == 0)
		return sqlite3_bind_double(st, i, d);
	return sqlite3_bind_text(st, i, num.p, (int)num.len, SQLITE_TRANSIENT);
}

/*
 * Key values must be present and not null.  The writer also refuses objects
 * and arrays (a view is keyed by scalars); a lookup takes one by its JSON
 * text, as file tables do (tide_table_key), which no view written here
 * holds.
 */
static int
check_keys(const struct tide_sqlview *v, const struct tide_json_val *k,
    int nkey, struct tide_sqlview_err *err)
{
	int i;

	for (i = 0; i < nkey; i++) {
		if (k[i].type == TIDE_JSON_NONE || k[i].type == TIDE_JSON_NULL)
			return fail(err, TIDE_ENOENT, "key field '%s' is %s",
			    v->keyname[i], k[i].type == TIDE_JSON_NONE ?
			    "missing" : "null");
		if (v->readonly)
			continue;
		if (k[i].type == TIDE_JSON_OBJECT || k[i].type == TIDE_JSON_ARRAY)
			return fail(err, TIDE_ETYPE, "key field '%s' is an %s",
			    v->keyname[i], k[i].type == TIDE_JSON_OBJECT ?
			    "object" : "array");
	}
	return 0;
}

/*
 * The first record of a new table: its top-level field names, as
 * create_table() takes them, must be columns it can make.
 */
static int
check_first(struct tide_sqlview *v, const char *rec, size_t n,
    struct tide_sqlview_err *err)
{
	struct tide_json_val obj, k, val;
	struct tide_buf name = TIDE_BUF_INIT;
	char **names = NULL;
	size_t pos = 0;
	int i, nn = 0, r;

	rec_obj(rec, n, &obj);
	names = tide_xcalloc(TIDE_SQLVIEW_MAXCOLS, sizeof(*names));
	while (nn < TIDE_SQLVIEW_MAXCOLS &&
	    tide_json_obj_next(&obj, &pos, &k, &val)) {
		tide_buf_reset(&name);
		if (tide_json_str(&k, &name) < 0 ||
		    memchr(name.data, '\0', name.len) != NULL)
			continue;
		names[nn++] = tide_xstrdup(tide_buf_cstr(&name));
	}
	r = check_names(v, names, nn, "field", TIDE_ETYPE, err);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	tide_buf_release(&name);
	return r;
}

/*
 * A rowid key takes an integer only (SQLite fails the statement, and with
 * it the batch, on anything else): by the key rule (key.h), a number or a
 * string holding a number whose value is an int64 integer (42, 42.0, 4.2e1,
 * "42", "420e-1"), or true or false (1 and 0).  Anything else is refused,
 * "007" and " 12" too: under the rule they are strings, not the number 7
 * or 12 SQLite's affinity would make of them.  A string written with
 * escapes is refused rather than unescaped here.
 */
static int
check_rowid(struct tide_sqlview *v, const struct tide_json_val *k,
    struct tide_sqlview_err *err)
{
	struct tide_json_val num;
	char nb[64];
	int64_t iv;
	size_t i;

	if (k->type == TIDE_JSON_TRUE || k->type == TIDE_JSON_FALSE)
		return 0;
	if ((k->type == TIDE_JSON_NUMBER || (k->type == TIDE_JSON_STRING &&
	    memchr(k->p, '\\', k->len) == NULL)) &&
	    key_canon(v, k, nb, &num) == 1) {
		/* Canonical: an integer value is plain digits. */
		for (i = num.p[0] == '-'; i < num.len && num.p[i] >= '0' &&
		    num.p[i] <= '9'; i++)
			;
		if (i == num.len && tide_json_int64(&num, &iv) == 0)
			return 0;
	}
	return fail(err, TIDE_ETYPE, "key field '%s' is not an integer, as "
	    "the table's key column is: %.*s", v->keyname[0],
	    (int)(k->len > 64 ? 64 : k->len), k->p);
}

/*
 * The parameter of the i-th member name k of a record (raw JSON, quotes
 * included), 0 when no column has it.  The last record's member names are
 * remembered by position: records of a stream mostly share one layout, so
 * a name is compared with the one before it instead of hashed.
 */
static int
field_param(struct tide_sqlview *v, int i, const struct tide_json_val *k)
{
	struct tide_sqlview_shape *sh;
	int *slot, param;

	if (i < v->nshape) {
		sh = &v->shape[i];
		if (sh->len == k->len &&
		    memcmp(v->shapenames.data + sh->off, k->p, k->len) == 0)
			return sh->param;
		/* Another layout from here on. */
		v->nshape = i;
		v->shapenames.len = sh->off;
	}
	if (memchr(k->p, '\\', k->len) == NULL) {
		slot = tide_htab_get(&v->cols, k->p + 1, k->len - 2);
	} else {
		tide_buf_reset(&v->scratch);
		slot = tide_json_str(k, &v->scratch) < 0 ? NULL :
		    tide_htab_get(&v->cols, v->scratch.data, v->scratch.len);
	}
	param = slot != NULL ? *slot : 0;
	if (i == v->nshape && i < TIDE_SQLVIEW_SHAPE) {
		sh = &v->shape[v->nshape++];
		sh->off = v->shapenames.len;
		sh->len = k->len;
		sh->param = param;
		tide_buf_add(&v->shapenames, k->p, k->len);
	}
	return param;
}

/* Upsert one buffered record, its key values in vals, time t. */
static int
apply_one(struct tide_sqlview *v, const char *rec, size_t n,
    const struct tide_json_val *vals, int64_t t, struct tide_sqlview_err *err)
{
	struct tide_json_val obj, k, val;
	size_t pos = 0;
	int i, c, r;

	for (i = 0; i < v->nkey; i++)
		if ((r = bind_key(v, v->ins, i + 1, &vals[i])) != SQLITE_OK)
			goto bindfail;
	rec_obj(rec, n, &obj);
	if (v->ncol > 0) {
		for (i = 0; tide_json_obj_next(&obj, &pos, &k, &val); i++) {
			if ((c = field_param(v, i, &k)) == 0)
				continue;
			if ((r = bind_val(v, v->ins, c, &val)) != SQLITE_OK)
				goto bindfail;
		}
	}
	if ((r = sqlite3_bind_text(v->ins, v->recparam, rec, (int)n,
	    SQLITE_STATIC)) != SQLITE_OK)
		goto bindfail;
	if (v->timeparam > 0 &&
	    (r = sqlite3_bind_int64(v->ins, v->timeparam, t)) != SQLITE_OK)
		goto bindfail;
	r = sqlite3_step(v->ins);
	sqlite3_reset(v->ins);
	sqlite3_clear_bindings(v->ins);
	if (r != SQLITE_DONE)
		return dbfail(v, err, "upsert");
	v->written++;
	return 0;

bindfail:
	sqlite3_reset(v->ins);
	sqlite3_clear_bindings(v->ins);
	return dbfail(v, err, "bind");
}

/* The batch's merge key of a record: each key value's JSON type and
 * normalised text, and in history mode its time (a row per key and time).
 * Values of different types stay apart even where SQLite would store them
 * in one row: both are then written, in order, which is still right. */
static void
merge_key(struct tide_sqlview *v, const struct tide_json_val *vals, int64_t t)
{
	int i;

	tide_buf_reset(&v->mkey);
	for (i = 0; i < v->nkey; i++) {
		(void)tide_table_key(&v->ckey, &vals[i], 1);
		tide_buf_addc(&v->mkey, (char)('a' + vals[i].type));
		tide_buf_add(&v->mkey, &v->ckey.len, sizeof(v->ckey.len));
		tide_buf_add(&v->mkey, v->ckey.data, v->ckey.len);
	}
	if (v->history)
		tide_buf_add(&v->mkey, &t, sizeof(t));
}

int
tide_sqlview_put(struct tide_sqlview *v, const char *rec, size_t n,
    int64_t now_ms, struct tide_sqlview_err *err)
{
	struct tide_json_val *tv;
	struct tide_sqlview_pend *pr;
	int64_t t = 0;
	size_t *slot;
	int i, isnew;

	if (v->readonly || v->db == NULL)
		return fail(err, TIDE_EINVAL, "view is not open for writing");
	tide_json_get_many(rec, n, v->path, v->npath, v->vals);
	if ((i = check_keys(v, v->vals, v->nkey, err)) < 0)
		return i;
	/* The first record of a new table decides its key column's type
	 * (create_table), as load_writer() read it from a table there. */
	if (v->ncol < 0 && v->npend == 0)
		v->rowidkey = v->nkey == 1 && !v->history &&
		    strcmp(sqltype(&v->vals[0]), " INTEGER") == 0;
	if (v->rowidkey && (i = check_rowid(v, &v->vals[0], err)) < 0)
		return i;
	if (v->ncol < 0 && v->npend == 0 && v->ndefcols == 0 &&
	    (i = check_first(v, rec, n, err)) < 0)
		return i;
	if (v->timed) {
		tv = &v->vals[v->nkey];
		if (tv->type == TIDE_JSON_NONE || tv->type == TIDE_JSON_NULL)
			return fail(err, TIDE_ENOENT, "time field '%s' is %s",
			    v->path[v->nkey].text, tv->type == TIDE_JSON_NONE ?
			    "missing" : "null");
		if (tide_time_from_json(tv, v->unit, &t) < 0)
			return fail(err, TIDE_ETYPE, "time field '%s' is not a "
			    "time: %.*s", v->path[v->nkey].text,
			    (int)(tv->len > 64 ? 64 : tv->len), tv->p);
	}
	if (n > (size_t)sqlite3_limit(v->db, SQLITE_LIMIT_LENGTH, -1))
		return fail(err, TIDE_ETOOBIG, "record too big for SQLite");
	if (v->inbatch == 0)
		v->batch_start = now_ms;

	/* Buffer the record: the batch is written whole at commit, where a
	 * record whose key comes again later in the batch is left out. */
	if (v->npend == v->pendcap) {
		v->pendcap = v->pendcap ? v->pendcap * 2 : 1024;
		v->pend = tide_xreallocarray(v->pend, v->pendcap,
		    sizeof(*v->pend));
		v->pkeys = tide_xreallocarray(v->pkeys, v->pendcap *
		    (size_t)v->nkey, sizeof(*v->pkeys));
	}
	pr = &v->pend[v->npend];
	pr->off = v->pendbuf.len;
	pr->len = n;
	pr->t = t;
	pr->dead = 0;
	tide_buf_add(&v->pendbuf, rec, n);
	for (i = 0; i < v->nkey; i++) {
		struct tide_sqlview_pkey *pk = &v->pkeys[v->npend *
		    (size_t)v->nkey + (size_t)i];

		pk->type = v->vals[i].type;
		pk->off = (size_t)(v->vals[i].p - rec);
		pk->len = v->vals[i].len;
	}
	merge_key(v, v->vals, t);
	slot = tide_htab_put(&v->seen, v->mkey.data, v->mkey.len, &isnew);
	if (!isnew) {
		v->pend[*slot].dead = 1;
		v->merged++;
	}
	*slot = v->npend++;
	v->upserts++;
	if (v->timed && t > v->maxtime)
		v->maxtime = t;
	if (++v->inbatch >= v->batch || v->pendbuf.len >= TIDE_SQLVIEW_PENDMAX)
		return tide_sqlview_commit(v, err);
	return 0;
}

/* Forget the buffered batch. */
static void
pend_reset(struct tide_sqlview *v)
{
	tide_buf_reset(&v->pendbuf);
	v->npend = 0;
	v->inbatch = 0;
	tide_htab_release(&v->seen);
	tide_htab_init(&v->seen, sizeof(size_t));
}

/* ---- Offsets (exactly once) ---------------------------------------- */

/* Whether tide_offsets exists, and has our shape: 1, 0 (absent),
 * TIDE_EFORMAT, TIDE_EIO. */
static int
offsets_shape(struct tide_sqlview *v, struct tide_sqlview_err *err)
{
	static const char *const want[] = { "topic", "partition", "next" };
	static const int wantpk[] = { 1, 2, 0 };
	struct tide_buf sql = TIDE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int r, n = 0, ok = 1;

	tide_buf_adds(&sql, "PRAGMA table_info(" TIDE_SQLVIEW_OFFSETS ")");
	r = prepare(v, &sql, &st, err);
	tide_buf_release(&sql);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);

		if (n >= 3 || name == NULL || strcmp(name, want[n]) != 0 ||
		    sqlite3_column_int(st, 5) != wantpk[n])
			ok = 0;
		n++;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return dbfail(v, err, "table_info(" TIDE_SQLVIEW_OFFSETS ")");
	if (n == 0)
		return 0;
	if (!ok || n != 3)
		return fail(err, TIDE_EFORMAT, "table " TIDE_SQLVIEW_OFFSETS
		    " is not tide's (it must be (topic, partition, next) with "
		    "primary key (topic, partition)): rename it, or use another "
		    "database");
	return 1;
}

static int
offsets_table_ok(const struct tide_sqlview *v, struct tide_sqlview_err *err)
{
	if (strcmp(v->table, TIDE_SQLVIEW_OFFSETS) == 0)
		return fail(err, TIDE_EINVAL, "the table " TIDE_SQLVIEW_OFFSETS
		    " keeps a pipeline's offsets: name the view otherwise");
	return 0;
}

int
tide_sqlview_offsets(struct tide_sqlview *v, struct tide_barrier_offs *o,
    struct tide_sqlview_err *err)
{
	struct tide_buf sql = TIDE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int r;

	tide_barrier_offs_reset(o);
	if ((r = offsets_table_ok(v, err)) < 0 ||
	    (r = offsets_shape(v, err)) <= 0)
		return r;
	tide_buf_adds(&sql, "SELECT topic, \"partition\", next FROM "
	    TIDE_SQLVIEW_OFFSETS " ORDER BY topic, \"partition\"");
	r = prepare(v, &sql, &st, err);
	tide_buf_release(&sql);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		if (t == NULL || sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 1) > INT32_MAX ||
		    tide_barrier_offs_set(o, t, (size_t)n,
		    sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2)) < 0) {
			sqlite3_finalize(st);
			tide_barrier_offs_reset(o);
			return fail(err, TIDE_EFORMAT, "table "
			    TIDE_SQLVIEW_OFFSETS " holds a row that is not a "
			    "topic, a partition and an offset");
		}
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return dbfail(v, err, "read " TIDE_SQLVIEW_OFFSETS);
	return 0;
}

/* Inside the open transaction: o's offsets upserted. */
static int
offsets_put(struct tide_sqlview *v, const struct tide_barrier_offs *o,
    struct tide_sqlview_err *err)
{
	struct tide_buf sql = TIDE_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const char *t;
	size_t i, len;
	int r;

	if ((r = offsets_shape(v, err)) < 0)
		return r;
	if (r == 0 && (r = exec(v, "CREATE TABLE " TIDE_SQLVIEW_OFFSETS
	    " (topic TEXT NOT NULL, \"partition\" INTEGER NOT NULL, "
	    "next INTEGER NOT NULL, PRIMARY KEY (topic, \"partition\"))",
	    err)) < 0)
		return r;
	tide_buf_adds(&sql, "INSERT INTO " TIDE_SQLVIEW_OFFSETS
	    " VALUES (?1, ?2, ?3) ON CONFLICT (topic, \"partition\") "
	    "DO UPDATE SET next = excluded.next");
	r = prepare(v, &sql, &st, err);
	tide_buf_release(&sql);
	if (r < 0)
		return r;
	for (i = 0; i < o->n; i++) {
		t = tide_barrier_offs_topic(o, i, &len);
		sqlite3_bind_text(st, 1, t, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, o->v[i].partition);
		sqlite3_bind_int64(st, 3, o->v[i].next);
		r = sqlite3_step(st);
		sqlite3_reset(st);
		if (r != SQLITE_DONE) {
			r = dbfail(v, err, "write " TIDE_SQLVIEW_OFFSETS);
			sqlite3_finalize(st);
			return r;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int commit_tx(struct tide_sqlview *, const struct tide_barrier_offs *,
    struct tide_sqlview_err *);

int
tide_sqlview_commit(struct tide_sqlview *v, struct tide_sqlview_err *err)
{
	return commit_tx(v, NULL, err);
}

int
tide_sqlview_commit_offs(struct tide_sqlview *v,
    const struct tide_barrier_offs *o, struct tide_sqlview_err *err)
{
	int r;

	if ((r = offsets_table_ok(v, err)) < 0)
		return r;
	return commit_tx(v, o, err);
}

/* The batch (and o's offsets, when o) in one transaction. */
static int
commit_tx(struct tide_sqlview *v, const struct tide_barrier_offs *o,
    struct tide_sqlview_err *err)
{
	struct tide_json_val kv[TIDE_SQLVIEW_MAXKEYS];
	struct tide_sqlview_pend *pr;
	const char *rec;
	size_t i;
	int j, r;

	if (v->npend == 0 && o == NULL)
		return 0;
	if ((r = exec(v, "BEGIN IMMEDIATE", err)) < 0)
		return r;
	v->intx = 1;
	/* The first record of the stream makes the table (its key values
	 * give the key columns' types). */
	if (v->ncol < 0 && v->npend > 0) {
		tide_json_get_many(v->pendbuf.data, v->pend[0].len, v->path,
		    v->npath, v->vals);
		if ((r = create_table(v, v->pendbuf.data, v->pend[0].len,
		    err)) < 0)
			return r;
	}
	for (i = 0; i < v->npend; i++) {
		pr = &v->pend[i];
		if (pr->dead)
			continue;
		rec = v->pendbuf.data + pr->off;
		for (j = 0; j < v->nkey; j++) {
			struct tide_sqlview_pkey *pk = &v->pkeys[i *
			    (size_t)v->nkey + (size_t)j];

			kv[j].type = pk->type;
			kv[j].p = rec + pk->off;
			kv[j].len = pk->len;
		}
		if ((r = apply_one(v, rec, pr->len, kv, pr->t, err)) < 0)
			return r;
	}
	if (v->ttl != NULL && v->maxtime != INT64_MIN) {
		sqlite3_bind_int64(v->ttl, 1, v->maxtime - v->ttl_ms);
		r = sqlite3_step(v->ttl);
		sqlite3_reset(v->ttl);
		if (r != SQLITE_DONE)
			return dbfail(v, err, "expire");
		v->expired += (uint64_t)sqlite3_changes(v->db);
	}
	if (o != NULL && (r = offsets_put(v, o, err)) < 0)
		return r;
	if ((r = exec(v, "COMMIT", err)) < 0)
		return r;
	v->intx = 0;
	pend_reset(v);
	v->commits++;
	return 0;
}

int
tide_sqlview_tick(struct tide_sqlview *v, int64_t now_ms,
    struct tide_sqlview_err *err)
{
	int r;

	if (v->npend == 0 || v->batch_ms <= 0 ||
	    now_ms - v->batch_start < v->batch_ms)
		return 0;
	if ((r = tide_sqlview_commit(v, err)) < 0)
		return r;
	return 1;
}

void
tide_sqlview_close(struct tide_sqlview *v)
{
	int i;

	if (v->db != NULL && v->intx)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(v->ins);
	sqlite3_finalize(v->ttl);
	sqlite3_finalize(v->get);
	sqlite3_finalize(v->getasof);
	sqlite3_close(v->db);
	for (i = 0; i < v->npath; i++)
		tide_path_release(&v->path[i]);
	for (i = 0; i < v->nkey; i++)
		free(v->keyname[i]);
	for (i = 0; i < v->ndefcols; i++)
		free(v->defcols[i]);
	free(v->defcols);
	for (i = 0; i < v->nfields; i++)
		free(v->fields[i]);
	free(v->fields);
	free(v->vals);
	free(v->table);
	tide_htab_release(&v->cols);
	tide_buf_release(&v->scratch);
	tide_buf_release(&v->res);
	tide_buf_release(&v->ckey);
	tide_buf_release(&v->shapenames);
	tide_buf_release(&v->pendbuf);
	tide_buf_release(&v->mkey);
	tide_htab_release(&v->seen);
	free(v->pend);
	free(v->pkeys);
	tide_viewcache_release(&v->cache);
	memset(v, 0, sizeof(*v));
}

int
tide_sqlview_open_reader(struct tide_sqlview *v, const char *path,
    const char *table, int busy_ms, struct tide_sqlview_err *err)
{
	struct tide_buf sql = TIDE_BUF_INIT;
	char **names;
	int *pk, n, i, c, r;

	init_common(v);
	v->readonly = 1;
	v->table = tide_xstrdup(table);
	/* Read-write without create, so a WAL file whose -shm is gone can
	 * still be opened; query_only keeps this connection a reader. */
	if (open_db(v, path, SQLITE_OPEN_READWRITE, busy_ms, NULL) < 0 &&
	    (r = open_db(v, path, SQLITE_OPEN_READONLY, busy_ms, err)) < 0)
		return r;
	if ((r = exec(v, "PRAGMA query_only=1", err)) < 0)
		return r;
	if ((r = table_info(v, &names, &pk, &n, err)) < 0)
		return r;
	if (r == 0)
		return fail(err, TIDE_ENOENT, "sqlite: '%s': no table '%s'",
		    path, table);
	r = 0;
	for (i = 1; (c = pk_col(pk, n, i)) >= 0; i++) {
		if (strcmp(names[c], TIMECOL) == 0) {
			v->history = 1;
			continue;
		}
		if (v->nkey == TIDE_SQLVIEW_MAXKEYS) {
			r = fail(err, TIDE_EFORMAT, "table '%s': too many key "
			    "columns", table);
			break;
		}
		v->keyname[v->nkey++] = tide_xstrdup(names[c]);
	}
	if (r == 0 && (v->nkey == 0 || find_name(names, n, RECCOL) < 0))
		r = fail(err, TIDE_ENOENT, "sqlite: '%s': table '%s' is not a "
		    "view (no primary key or no '" RECCOL "' column)", path,
		    table);
	if (r == 0) {
		v->fields = tide_xcalloc((size_t)n + 1, sizeof(char *));
		for (i = 0; i < n; i++) {
			if (pk[i] > 0 || strcmp(names[i], RECCOL) == 0 ||
			    strcmp(names[i], TIMECOL) == 0)
				continue;
			v->fields[v->nfields++] = tide_xstrdup(names[i]);
		}
	}
	free_names(names, pk, n);
	if (r < 0)
		return r;
	for (i = 0; i < 2 && r == 0; i++) {
		if (i == 1 && !v->history)
			break;
		tide_buf_reset(&sql);
		tide_buf_adds(&sql, "SELECT \"" RECCOL "\" FROM ");
		add_ident(&sql, table);
		for (c = 0; c < v->nkey; c++) {
			tide_buf_adds(&sql, c == 0 ? " WHERE " : " AND ");
			add_ident(&sql, v->keyname[c]);
			tide_buf_addf(&sql, "=?%d", c + 1);
		}
		if (i == 1)
			tide_buf_addf(&sql, " AND \"" TIMECOL "\"<=?%d",
			    v->nkey + 1);
		if (v->history)
			tide_buf_adds(&sql, " ORDER BY \"" TIMECOL "\" DESC");
		tide_buf_adds(&sql, " LIMIT 1");
		r = prepare(v, &sql, i == 0 ? &v->get : &v->getasof, err);
	}
	tide_buf_release(&sql);
	return r;
}

void
tide_sqlview_set_cache(struct tide_sqlview *v, uint32_t n, int64_t ttl_ms)
{
	tide_viewcache_release(&v->cache);
	tide_viewcache_init(&v->cache, n, ttl_ms);
}

static int
run_get(struct tide_sqlview *v, sqlite3_stmt *st, const struct tide_json_val *k,
    int64_t t, struct tide_sqlview_err *err)
{
	int i, r;

	for (i = 0; i < v->nkey; i++)
		if (bind_key(v, st, i + 1, &k[i]) != SQLITE_OK) {
			sqlite3_reset(st);
			return dbfail(v, err, "bind");
		}
	if (st == v->getasof)
		sqlite3_bind_int64(st, v->nkey + 1, t);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		tide_buf_reset(&v->res);
		tide_buf_add(&v->res, sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		r = 1;
	} else if (r == SQLITE_DONE) {
		r = 0;
	} else {
		r = dbfail(v, err, "lookup");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

int
tide_sqlview_lookup(struct tide_sqlview *v, const struct tide_json_val *k,
    int nkey, int64_t now_ms, const char **rec, size_t *len,
    struct tide_sqlview_err *err)
{
	int r, found;

	if (v->get == NULL || nkey != v->nkey)
		return fail(err, TIDE_EINVAL, "lookup with %d key values on a "
		    "view with %d key columns", nkey, v->nkey);
	if ((r = check_keys(v, k, nkey, err)) < 0)
		return r;
	if (v->cache.cap > 0) {
		if ((r = tide_table_key(&v->ckey, k, nkey)) < 0)
			return fail(err, r, "key is not usable");
		if (tide_viewcache_get(&v->cache, v->ckey.data, v->ckey.len,
		    now_ms, &found, rec, len))
			return found;
	}
	if ((r = run_get(v, v->get, k, 0, err)) < 0)
		return r;
	if (v->cache.cap > 0)
		tide_viewcache_put(&v->cache, v->ckey.data, v->ckey.len, now_ms,
		    r, v->res.data, v->res.len);
	*rec = v->res.data;
	*len = v->res.len;
	return r;
}

int
tide_sqlview_lookup_asof(struct tide_sqlview *v,
    const struct tide_json_val *k, int nkey, int64_t t_ms, const char **rec,
    size_t *len, struct tide_sqlview_err *err)
{
	int r;

	if (v->getasof == NULL)
		return fail(err, TIDE_EINVAL, "table '%s' keeps no history",
		    v->table != NULL ? v->table : "?");
	if (nkey != v->nkey)
		return fail(err, TIDE_EINVAL, "lookup with %d key values on a "
		    "view with %d key columns", nkey, v->nkey);
	if ((r = check_keys(v, k, nkey, err)) < 0)
		return r;
	if ((r = run_get(v, v->getasof, k, t_ms, err)) < 0)
		return r;
	*rec = v->res.data;
	*len = v->res.len;
	return r;
}
