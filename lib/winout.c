#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "time.h"
#include "winout.h"
#include "xalloc.h"

void
tide_winout_init(struct tide_winout *wo, struct tide_wout *out,
    const struct tide_aggspec *spec, char *const *names, int nkeys,
    int rfc3339, int marked)
{
	int i;

	memset(wo, 0, sizeof(*wo));
	wo->out = out;
	wo->spec = spec;
	wo->nkeys = nkeys;
	wo->rfc3339 = rfc3339;
	wo->marked = marked;
	tide_buf_init(&wo->ob, TIDE_BUF_NOMAX);
	tide_buf_init(&wo->hdr, TIDE_BUF_NOMAX);
	wo->qkeys = tide_xcalloc((size_t)(nkeys > 0 ? nkeys : 1),
	    sizeof(*wo->qkeys));
	for (i = 0; i < nkeys; i++) {
		tide_buf_init(&wo->qkeys[i], TIDE_BUF_NOMAX);
		tide_buf_addc(&wo->qkeys[i], ',');
		tide_json_write_str(&wo->qkeys[i], names[i], strlen(names[i]));
		tide_buf_addc(&wo->qkeys[i], ':');
	}
}

static int
write_time(struct tide_buf *b, int64_t t, int rfc)
{
	char s[40];

	if (!rfc)
		return tide_json_write_int(b, t);
	return tide_json_write_str(b, s, tide_time_fmt(s, t));
}

int
tide_winout_emit(void *ctx, const struct tide_win_out *wo)
{
	struct tide_winout *c = ctx;
	struct tide_wout *out = c->out;
	struct tide_jobj j;
	int i;

	/* Windows fire in batches with one start and end: their common
	 * head is written once. */
	if (c->hdr.len == 0 || wo->start != c->hdr_start ||
	    wo->end != c->hdr_end) {
		tide_buf_reset(&c->hdr);
		tide_jobj_begin(&j, &c->hdr);
		tide_jobj_key(&j, "window_start", 12);
		write_time(&c->hdr, wo->start, c->rfc3339);
		tide_jobj_key(&j, "window_end", 10);
		write_time(&c->hdr, wo->end, c->rfc3339);
		/* And the first key's name. */
		tide_buf_add(&c->hdr, c->qkeys[0].data, c->qkeys[0].len);
		c->hdr_start = wo->start;
		c->hdr_end = wo->end;
	}
	/* A hop pane's block is in several windows: its key and aggregates
	 * are written for the first and copied for the others, straight
	 * into the output buffer when it has room (as tide_wout_rec()
	 * would copy them). */
	if (wo->memo != NULL && wo->memo->len > 0 && !wo->update &&
	    !c->marked && out->err == 0 &&
	    out->cap - out->len > c->hdr.len + wo->memo->len + 2) {
		char *d = out->buf + out->len;

		memcpy(d, c->hdr.data, c->hdr.len);
		d += c->hdr.len;
		memcpy(d, wo->memo->text, wo->memo->len);
		d += wo->memo->len;
		*d++ = '}';
		*d++ = '\n';
		out->len = (size_t)(d - out->buf);
		c->n++;
		return 0;
	}
	tide_buf_reset(&c->ob);
	tide_buf_add(&c->ob, c->hdr.data, c->hdr.len);
	j.b = &c->ob;
	j.empty = 0;
	if (wo->memo != NULL && wo->memo->len > 0)
		tide_buf_add(&c->ob, wo->memo->text, wo->memo->len);
	else {
		const char *k = wo->key, *end = wo->key + wo->klen;
		size_t at = c->ob.len;

		for (i = 0; i < c->nkeys; i++) {
			const char *z = i + 1 < c->nkeys ?
			    memchr(k, '\0', (size_t)(end - k)) : NULL;

			if (z == NULL)
				z = end;
			if (i > 0)
				tide_buf_add(&c->ob, c->qkeys[i].data,
				    c->qkeys[i].len);
			tide_buf_add(&c->ob, k, (size_t)(z - k));
			k = z < end ? z + 1 : end;
		}
		if (tide_agg_emit(c->spec, wo->state, &j) == 0 &&
		    wo->memo != NULL &&
		    c->ob.len - at <= sizeof(wo->memo->text)) {
			wo->memo->len = (unsigned char)(c->ob.len - at);
			memcpy(wo->memo->text, c->ob.data + at, wo->memo->len);
		}
	}
	if (wo->update) {
		tide_jobj_key(&j, "update", 6);
		tide_buf_adds(&c->ob, "true");
	}
	if (c->marked) {
		tide_jobj_key(&j, "final", 5);
		tide_buf_adds(&c->ob, wo->provisional ? "false" : "true");
	}
	tide_jobj_end(&j);
	c->n++;
	return tide_wout_rec(out, c->ob.data, c->ob.len);
}

int
tide_winout_over(struct tide_winout *wo, const char *rec, size_t n,
    const void *state)
{
	struct tide_jobj j;

	tide_buf_reset(&wo->ob);
	tide_jobj_append(&j, &wo->ob, rec, n);
	tide_agg_emit(wo->spec, state, &j);
	tide_jobj_end(&j);
	wo->n++;
	return tide_wout_rec(wo->out, wo->ob.data, wo->ob.len);
}

int
tide_winout_late_open(struct tide_winout *wo, const char *path)
{
	wo->latepath = path;
	if ((wo->late = fopen(path, "a")) == NULL)
		return TIDE_EIO;
	return 0;
}

int
tide_winout_late(struct tide_winout *wo, const char *rec, size_t n)
{
	wo->late_n++;
	if (wo->late && (fwrite(rec, 1, n, wo->late) != n ||
	    putc('\n', wo->late) == EOF))
		return TIDE_EIO;
	return 0;
}

int
tide_winout_late_close(struct tide_winout *wo)
{
	int r = 0, e;

	if (wo->late == NULL)
		return 0;
	errno = 0;
	if (fflush(wo->late) != 0 || ferror(wo->late))
		r = TIDE_EIO;
	e = errno ? errno : EIO;
	if (fclose(wo->late) != 0 && r == 0) {
		r = TIDE_EIO;
		e = errno ? errno : EIO;
	}
	wo->late = NULL;
	errno = e;
	return r;
}

int
tide_winout_release(struct tide_winout *wo)
{
	int i, r;

	r = tide_winout_late_close(wo);
	tide_buf_release(&wo->ob);
	tide_buf_release(&wo->hdr);
	for (i = 0; i < wo->nkeys; i++)
		tide_buf_release(&wo->qkeys[i]);
	free(wo->qkeys);
	wo->qkeys = NULL;
	return r;
}
