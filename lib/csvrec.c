/*
 * CSV records through libcsv (see csvrec.h for the contract).
 *
 * libcsv is run with CSV_STRICT | CSV_STRICT_FINI so that RFC 4180
 * violations are reported instead of being guessed at, and with a space
 * function that never matches, because by default it trims spaces and
 * tabs around unquoted fields, which would turn " 1" into a number.  Its
 * buffer grows through tide_xrealloc (out of memory is fatal in one place)
 * in large steps.
 *
 * libcsv reports fields and rows through callbacks but never says where
 * in the input they were.  To give line numbers, input is handed to it in
 * slices that end at a line break (see feed()), so the line of the bytes
 * being parsed is always known; a row's line is the line of its first
 * byte that is not a line break.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <csv.h>

#include "csvrec.h"
#include "err.h"
#include "json.h"
#include "rio.h"
#include "xalloc.h"

#define SLICE (64 * 1024)
#define BLK (64 * 1024)
#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI)

static int
never_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static void *
csv_xrealloc(void *p, size_t n)
{
	return tide_xrealloc(p, n);
}

void
tide_csv_init(struct tide_csv *c, unsigned flags, size_t max,
    tide_csv_fn fn, void *ctx)
{
	unsigned char opts = CSV_OPTS;

	memset(c, 0, sizeof(*c));
	c->flags = flags;
	c->max = max ? max : TIDE_MAX_RECORD;
	c->fn = fn;
	c->ctx = ctx;
	c->p = tide_xmalloc(sizeof(*c->p));
	if (flags & TIDE_CSV_EMPTY_NULL)
		opts |= CSV_EMPTY_IS_NULL;
	csv_init(c->p, opts);
	csv_set_space_func(c->p, never_space);
	csv_set_realloc_func(c->p, csv_xrealloc);
	csv_set_blk_size(c->p, BLK);
	tide_buf_init(&c->rec, c->max);
	tide_buf_init(&c->names, TIDE_BUF_NOMAX);
	tide_buf_init(&c->keys, TIDE_BUF_NOMAX);
	/* Room for a row of max bytes and its line break (CRLF). */
	tide_buf_init(&c->raw, c->max <= SIZE_MAX - 2 ? c->max + 2 : c->max);
	c->line = 1;
	c->between = 1;
}

void
tide_csv_release(struct tide_csv *c)
{
	if (c->p) {
		csv_free(c->p);
		free(c->p);
		c->p = NULL;
	}
	tide_buf_release(&c->rec);
	tide_buf_release(&c->names);
	tide_buf_release(&c->keys);
	tide_buf_release(&c->raw);
	free(c->name_off);
	free(c->key_off);
	free(c->val);
	free(c->valoff);
	c->name_off = c->key_off = NULL;
	c->val = NULL;
	c->valoff = NULL;
}

const char *
tide_csv_name(const struct tide_csv *c, int i, size_t *len)
{
	*len = c->name_off[i + 1] - c->name_off[i];
	return c->names.data + c->name_off[i];
}

static void
fatal(struct tide_csv *c, int err, const char *reason)
{
	if (c->err)
		return;
	c->err = err;
	c->errline = c->rowline;
	c->reason = reason;
}

/* The end of the run of decimal digits at s[i..n), eight at a time. */
static inline size_t
digits(const char *s, size_t i, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;

	/* A byte below '0' borrows and one above '9' carries into its high
	 * bit; lower bytes being digits, nothing crosses into it. */
	while (n - i >= 8) {
		memcpy(&w, s + i, sizeof(w));
		if (((w - UINT64_C(0x3030303030303030)) |
		    (w + UINT64_C(0x4646464646464646))) &
		    UINT64_C(0x8080808080808080))
			break;
		i += 8;
	}
#endif
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* Whether s[0..n) is exactly a JSON number (RFC 8259 section 6). */
static int
is_json_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i == n)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		i = digits(s, i + 1, n);
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i == n || s[i] < '0' || s[i] > '9')
			return 0;
		i = digits(s, i + 1, n);
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/*
 * What a line holds before its line break, as scan_line() tells it:
 * quotes (libcsv must split it), bytes past ASCII (its fields need a UTF-8
 * check), bytes a JSON string must escape (control bytes, backslash).
 */
enum {
	L_QUOTE = 1,
	L_HIGH = 2,
	L_ESC = 4,
	L_ANY = L_QUOTE | L_HIGH | L_ESC	/* nothing known */
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* The high bit of each byte of w equal to ch (byte_eq) or below n <= 128
 * (byte_lt).  The lowest flagged byte is exact; bytes above a flagged one
 * may be flagged falsely (the borrow), which is all scan_line() needs. */
static inline uint64_t
byte_eq(uint64_t w, unsigned char ch)
{
	uint64_t x = w ^ (ONES * ch);

	return (x - ONES) & ~x & HIGHS;
}

static inline uint64_t
byte_lt(uint64_t w, unsigned char n)
{
	return (w - ONES * n) & ~w & HIGHS;
}
#endif

/* The offset of the first CR or LF in s[0..n), or n; *bits gets the L_*
 * flags of the bytes before it.  Eight bytes at a time. */
static size_t
scan_line(const char *s, size_t n, unsigned *bits)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned b = 0;
	size_t i = 0;

#ifdef ONES
	uint64_t w, eol, q, hi, esc, below;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, u + i, sizeof(w));
		/* Most words are printable ASCII without quotes or
		 * backslashes: one test for all (a line break is < 0x20). */
		hi = w & HIGHS;
		esc = byte_lt(w, 0x20) | byte_eq(w, '\\');
		q = byte_eq(w, '"');
		if ((hi | esc | q) == 0)
			continue;
		eol = byte_eq(w, '\n') | byte_eq(w, '\r');
		if (eol) {
			/* Flags of the bytes before the first line break:
			 * those below its bit (a false one lies above a
			 * true one, so it is never alone below). */
			below = (eol & (~eol + 1)) - 1;
			q &= below;
			hi &= below;
			esc &= below;
		}
		b |= (q ? L_QUOTE : 0) | (hi ? L_HIGH : 0) | (esc ? L_ESC : 0);
		if (eol) {
			*bits = b;
			return i + (size_t)__builtin_ctzll(eol) / 8;
		}
	}
#endif
	for (; i < n; i++) {
		if (u[i] == '\n' || u[i] == '\r')
			break;
		if (u[i] == '"')
			b |= L_QUOTE;
		else if (u[i] >= 0x80)
			b |= L_HIGH;
		else if (u[i] < 0x20 || u[i] == '\\')
			b |= L_ESC;
	}
	*bits = b;
	return i;
}

static void
row_reset(struct tide_csv *c)
{
	tide_buf_reset(&c->rec);
	c->nfield = 0;
	c->rowerr = 0;
	c->rowreason = NULL;
}

static void
row_fail(struct tide_csv *c, int err, const char *reason)
{
	if (c->rowerr == 0) {
		c->rowerr = err;
		c->rowreason = reason;
	}
}

/* Keep s[0..n) of a row that spans chunks; past max it has no raw bytes. */
static void
raw_keep(struct tide_csv *c, const char *s, size_t n)
{
	if (c->rawlost || n == 0)
		return;
	if (tide_buf_add(&c->raw, s, n) < 0)
		c->rawlost = 1;
}

/* A row starts at s, in the chunk being fed. */
static void
raw_start(struct tide_csv *c, const char *s)
{
	tide_buf_reset(&c->raw);
	c->rawlost = 0;
	c->rowstart = s;
}

/* The current row's bytes up to c->segend, less its line break: in the
 * chunk when it started there, else what was kept and the chunk so far. */
static void
raw_get(struct tide_csv *c, const char **p, size_t *n)
{
	const char *s;
	size_t len;

	if (c->rowstart != NULL) {
		s = c->rowstart;
		len = (size_t)(c->segend - s);
	} else {
		if (c->chunk != NULL)
			raw_keep(c, c->chunk, (size_t)(c->segend - c->chunk));
		s = c->raw.data ? c->raw.data : "";
		len = c->raw.len;
	}
	/* A row ends at a LF or a CR outside quotes, so a CR before a final
	 * LF is a CRLF (only a broken row's skipped line ends that way). */
	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (c->rawlost || len > c->max) {
		*p = NULL;
		*n = 0;
	} else {
		*p = s;
		*n = len;
	}
}

/* Hand the current row to the callback, good or bad. */
static void
row_emit(struct tide_csv *c)
{
	struct tide_csv_row row;
	int r;

	memset(&row, 0, sizeof(row));
	row.line = c->rowline;
	row.nfield = c->nfield;
	raw_get(c, &row.raw, &row.rawlen);
	if (c->rowerr == 0 && c->nfield != c->nhdr) {
		snprintf(c->rowwhy, sizeof(c->rowwhy), "wrong number of "
		    "fields: expected %d, got %d", c->nhdr, c->nfield);
		row_fail(c, TIDE_EINVAL, c->rowwhy);
	}
	if (c->rowerr == 0 && (r = tide_buf_addc(&c->rec, '}')) < 0)
		row_fail(c, r, "record too long");
	if (c->rowerr) {
		row.err = c->rowerr;
		row.reason = c->rowreason;
	} else {
		int i;

		row.rec = c->rec.data;
		row.len = c->rec.len;
		for (i = 0; i < c->nfield; i++)
			c->val[i].p = c->rec.data + c->valoff[i];
		row.val = c->val;
	}
	if ((r = c->fn(c->ctx, &row)) < 0)
		fatal(c, r, "stopped by the caller");
	c->pending = 0;
	row_reset(c);
}

struct name {
	const char *p;
	size_t len;
};

static int
name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->p, y->p, n);

	if (r)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

/* The header row is complete: check its names, pre-escape the keys. */
static void
header_done(struct tide_csv *c)
{
	struct name *v;
	int i, dup = 0, r = 0;

	c->header = 1;
	c->nhdr = c->nfield;
	v = tide_xreallocarray(NULL, (size_t)c->nhdr, sizeof(*v));
	for (i = 0; i < c->nhdr; i++) {
		v[i].p = c->names.data + c->name_off[i];
		v[i].len = c->name_off[i + 1] - c->name_off[i];
	}
	qsort(v, (size_t)c->nhdr, sizeof(*v), name_cmp);
	for (i = 1; i < c->nhdr && !dup; i++)
		dup = name_cmp(&v[i - 1], &v[i]) == 0;
	free(v);
	if (dup) {
		fatal(c, TIDE_EFORMAT, "duplicate column name in header");
		return;
	}
	c->key_off = tide_xreallocarray(NULL, (size_t)c->nhdr + 1,
	    sizeof(*c->key_off));
	for (i = 0; i < c->nhdr && r == 0; i++) {
		c->key_off[i] = c->keys.len;
		if (i > 0)
			r = tide_buf_addc(&c->keys, ',');
		if (r == 0)
			r = tide_json_write_str(&c->keys,
			    c->names.data + c->name_off[i],
			    c->name_off[i + 1] - c->name_off[i]);
		if (r == 0)
			r = tide_buf_addc(&c->keys, ':');
	}
	c->key_off[c->nhdr] = c->keys.len;
	c->nval = c->nhdr;
	c->val = tide_xreallocarray(NULL, (size_t)c->nval, sizeof(*c->val));
	c->valoff = tide_xreallocarray(NULL, (size_t)c->nval,
	    sizeof(*c->valoff));
	if (r < 0)
		fatal(c, r, "header too long");
	row_reset(c);
}

static void
header_field(struct tide_csv *c, const char *s, size_t n)
{
	if (n == 0) {
		fatal(c, TIDE_EFORMAT, "empty column name in header");
		return;
	}
	if (n > c->max) {
		fatal(c, TIDE_ETOOBIG, "column name too long");
		return;
	}
	if (!tide_utf8_valid(s, n)) {
		fatal(c, TIDE_EFORMAT, "column name is not UTF-8");
		return;
	}
	if ((size_t)c->nfield + 1 >= c->noff) {
		c->noff = c->noff ? c->noff * 2 : 16;
		c->name_off = tide_xreallocarray(c->name_off, c->noff,
		    sizeof(*c->name_off));
	}
	c->name_off[c->nfield] = c->names.len;
	tide_buf_add(&c->names, s, n);	/* no cap: cannot fail */
	c->nfield++;
	c->name_off[c->nfield] = c->names.len;
}

/* memcpy for the short keys and values of a row, inline: two overlapping
 * words, never a byte outside either span. */
static inline void
copy_short(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;

	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n > 16)
		memcpy(d, s, n);
	else
		while (n--)
			*d++ = *s++;
}

/*
 * A field of a row, s NULL for an empty one under CSV_EMPTY_IS_NULL.  how
 * holds the L_* flags of its line (L_ANY when unknown): without L_HIGH it
 * is ASCII, so valid UTF-8; without L_ESC or L_QUOTE a string is its own
 * JSON text between quotes.
 */
static void
field(struct tide_csv *c, const char *s, size_t n, unsigned how)
{
	const char *key;
	size_t klen, need;
	char *d;
	int i, r, num;

	c->between = 0;
	if (c->err)
		return;
	if (!c->header) {
		header_field(c, s ? s : "", n);
		return;
	}
	i = c->nfield++;
	if (c->rowerr || i >= c->nhdr)
		return;
	if (n > c->max) {
		row_fail(c, TIDE_ETOOBIG, "field too long");
		return;
	}
	if (s != NULL && (how & L_HIGH) && !tide_utf8_valid(s, n)) {
		row_fail(c, TIDE_EUTF8, "field is not UTF-8");
		return;
	}
	key = c->keys.data + c->key_off[i];
	klen = c->key_off[i + 1] - c->key_off[i];
	num = s != NULL && !(c->flags & TIDE_CSV_STRINGS) &&
	    is_json_number(s, n);
	if (s != NULL && !num && (how & (L_ESC | L_QUOTE))) {
		/* A string that may need escapes: the writer's way. */
		r = tide_buf_add(&c->rec, "{", i == 0);
		if (r == 0)
			r = tide_buf_add(&c->rec, key, klen);
		c->valoff[i] = c->rec.len;
		if (r == 0)
			r = tide_json_write_str(&c->rec, s, n);
		c->val[i].type = TIDE_JSON_STRING;
		c->val[i].len = c->rec.len - c->valoff[i];
		if (r < 0)
			row_fail(c, r, "record too long");
		return;
	}
	/* The rest is written as it stands: room for all of it at once
	 * (the cap fails it exactly when piece by piece would). */
	need = (i == 0) + klen + (s == NULL ? 4 : num ? n : n + 2);
	if (c->rec.cap - c->rec.len < need &&
	    (r = tide_buf_grow(&c->rec, need)) < 0) {
		row_fail(c, r, "record too long");
		return;
	}
	d = c->rec.data + c->rec.len;
	if (i == 0)
		*d++ = '{';
	copy_short(d, key, klen);
	d += klen;
	c->valoff[i] = (size_t)(d - c->rec.data);
	if (s == NULL) {
		c->val[i].type = TIDE_JSON_NULL;
		memcpy(d, "null", 4);
		d += 4;
	} else if (num) {
		c->val[i].type = TIDE_JSON_NUMBER;
		copy_short(d, s, n);
		d += n;
	} else {
		c->val[i].type = TIDE_JSON_STRING;
		*d++ = '"';
		copy_short(d, s, n);
		d += n;
		*d++ = '"';
	}
	c->rec.len = (size_t)(d - c->rec.data);
	c->val[i].len = c->rec.len - c->valoff[i];
}

static void
on_field(void *data, size_t n, void *ctx)
{
	field(ctx, data, n, L_ANY);
}

static void
on_row(int ch, void *ctx)
{
	struct tide_csv *c = ctx;

	(void)ch;
	if (!c->err) {
		if (!c->header)
			header_done(c);
		else
			row_emit(c);
	}
	c->between = 1;
}

/* Forget the row in progress inside libcsv, after a strict-mode error or
 * an overlong field.  csv_fini() resets the parser; without callbacks it
 * reports nothing, and without CSV_STRICT_FINI it does not refuse an open
 * quote. */
static void
parser_reset(struct tide_csv *c)
{
	csv_set_opts(c->p, csv_get_opts(c->p) & ~CSV_STRICT_FINI);
	csv_fini(c->p, NULL, NULL, NULL);
	csv_set_opts(c->p, csv_get_opts(c->p) | CSV_STRICT_FINI);
	c->between = 1;
}

/* A broken row: report it (a broken header is fatal) and drop the rest of
 * its line.  Unless the line has ended, the row is reported at its end, so
 * that its raw bytes are the whole line. */
static void
row_broken(struct tide_csv *c, int err, const char *reason, int at_eol)
{
	parser_reset(c);
	if (!c->header) {
		fatal(c, err == TIDE_ETOOBIG ? err : TIDE_EFORMAT,
		    err == TIDE_ETOOBIG ? "column name too long" :
		    "bad quoting in header");
		return;
	}
	row_fail(c, err, reason);
	if (at_eol)
		row_emit(c);
	else
		c->skipline = c->pending = 1;
}

/*
 * A whole line without quotes, s[0..n) less its line break, seen at the
 * start of a row: its fields are the text between commas, so it is split
 * here rather than by libcsv byte by byte, with what libcsv would report
 * (an empty field is NULL under CSV_EMPTY_IS_NULL).  bits: its L_* flags.
 */
static void
plain_row(struct tide_csv *c, const char *s, size_t n, unsigned bits)
{
	const char *end = s + n, *comma;
	int null = (c->flags & TIDE_CSV_EMPTY_NULL) != 0;

	for (;;) {
		comma = memchr(s, ',', (size_t)(end - s));
		if (comma == NULL)
			comma = end;
		field(c, s == comma && null ? NULL : s, (size_t)(comma - s),
		    bits);
		if (comma == end)
			break;
		s = comma + 1;
	}
	on_row('\n', c);
}

/*
 * Slices end at the first CR or LF, so a row can only end on a slice's
 * last byte and the next row's first line is known; and at multiples of
 * SLICE bytes of input, where an open field's size is checked.  Both are
 * positions in the input, not in the caller's chunks, so what comes out
 * does not depend on how the input was chunked.
 */
static int
feed(struct tide_csv *c, const char *s, size_t n)
{
	const char *nl;
	size_t len, lim, done, i;
	unsigned bits;
	int eol, at_check;

	c->chunk = s;
	while (n > 0 && !c->err) {
		if (c->skipline) {
			if ((nl = memchr(s, '\n', n)) == NULL) {
				c->off += n;
				s += n;
				n = 0;
				break;
			}
			len = (size_t)(nl - s) + 1;
			if (c->pending) {
				c->segend = s + len;
				row_emit(c);
			}
			s += len;
			n -= len;
			c->off += len;
			c->line++;
			c->skipline = 0;
			c->between = 1;
			continue;
		}
		lim = SLICE - (size_t)(c->off % SLICE);
		len = n < lim ? n : lim;
		i = scan_line(s, len, &bits);
		if ((eol = i < len))
			len = i + 1;
		at_check = eol || len == lim;
		c->segend = s + len;
		/* Anything before the first line break is content. */
		if (c->between && (i > 0 || !eol)) {
			c->rowline = c->line;
			c->between = 0;
			raw_start(c, s);
			if (eol && !(bits & L_QUOTE)) {
				plain_row(c, s, len - 1, bits);
				if (c->err)
					break;
				if (s[len - 1] == '\n')
					c->line++;
				s += len;
				n -= len;
				c->off += len;
				continue;
			}
		}
		done = csv_parse(c->p, s, len, on_field, on_row, c);
		if (c->err)
			break;
		if (done < len) {
			/* CSV_EPARSE: the only error left, since the buffer
			 * grows through tide_xrealloc. */
			row_broken(c, TIDE_EINVAL, "bad quoting", 0);
			s += done;
			n -= done;
			c->off += done;
			continue;
		}
		if (at_check && csv_get_buffer_size(c->p) > c->max + BLK) {
			/* A field still open past max: do not buffer more. */
			row_broken(c, TIDE_ETOOBIG, "field too long",
			    s[len - 1] == '\n');
			csv_free(c->p);		/* give the memory back */
		}
		if (s[len - 1] == '\n')
			c->line++;
		s += len;
		n -= len;
		c->off += len;
	}
	/* A row still open keeps its bytes so far: the chunk is the
	 * caller's, gone after this call. */
	if (!c->err && (!c->between || c->pending)) {
		if (c->rowstart != NULL)
			raw_keep(c, c->rowstart, (size_t)(s - c->rowstart));
		else
			raw_keep(c, c->chunk, (size_t)(s - c->chunk));
	}
	c->rowstart = c->chunk = c->segend = NULL;
	return c->err;
}

static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };

int
tide_csv_feed(struct tide_csv *c, const void *p, size_t n)
{
	const unsigned char *s = p;
	int r;

	if (c->err)
		return c->err;
	/* Drop a UTF-8 BOM at the start, even when it comes split. */
	while (c->bom >= 0 && c->bom < 3 && n > 0) {
		if (*s != bom[c->bom]) {
			r = feed(c, (const char *)bom, (size_t)c->bom);
			c->bom = -1;
			if (r < 0)
				return r;
			break;
		}
		c->bom++;
		s++;
		n--;
	}
	return feed(c, (const char *)s, n);
}

int
tide_csv_finish(struct tide_csv *c)
{
	int r;

	if (c->err)
		return c->err;
	if (c->bom > 0 && c->bom < 3) {
		r = feed(c, (const char *)bom, (size_t)c->bom);
		c->bom = -1;
		if (r < 0)
			return r;
	}
	if (c->skipline) {
		if (c->pending)
			row_emit(c);	/* from what was kept */
		c->skipline = 0;
		return c->err;
	}
	if (csv_fini(c->p, on_field, on_row, c) != 0) {
		fatal(c, TIDE_EFORMAT, "unterminated quoted field");
		parser_reset(c);
	}
	return c->err;
}

int
tide_csv_write_field(struct tide_buf *b, const char *s, size_t n)
{
	const char *q;
	size_t i;
	int r;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			break;
	if (i == n && s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' &&
	    s[n - 1] != '\t')
		return tide_buf_add(b, s, n);
	if ((r = tide_buf_addc(b, '"')) < 0)
		return r;
	while ((q = memchr(s, '"', n)) != NULL) {
		/* Up to and including the quote, then the quote again. */
		if ((r = tide_buf_add(b, s, (size_t)(q - s) + 1)) < 0 ||
		    (r = tide_buf_addc(b, '"')) < 0)
			return r;
		n -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	if ((r = tide_buf_add(b, s, n)) < 0)
		return r;
	return tide_buf_addc(b, '"');
}
