#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "wstate.h"
#include "xalloc.h"
#include "zfile.h"

void
tide_wstate_init(struct tide_wstate *s, const char *path,
    const struct tide_win_conf *wc, char *const *keynames, int nkeys,
    const struct tide_aggspec *spec)
{
	static const char *kinds[] = { "tumble", "hop", "session", "over" };
	size_t i;
	int k;

	memset(s, 0, sizeof(*s));
	s->path = path;
	tide_buf_init(&s->cfg, TIDE_BUF_NOMAX);
	tide_buf_addf(&s->cfg, "%s size=%lld every=%lld gap=%lld align=%lld "
	    "lateness=%lld exclude=%d keys=", kinds[wc->kind],
	    (long long)wc->size, (long long)wc->every, (long long)wc->gap,
	    (long long)wc->align, (long long)wc->lateness, wc->exclude_current);
	for (k = 0; k < nkeys; k++)
		tide_buf_addf(&s->cfg, "%s%s", k ? "," : "", keynames[k]);
	tide_buf_adds(&s->cfg, " aggs=");
	tide_aggspec_describe(spec, &s->cfg);
	/* A newline would end the line in the head. */
	for (i = 0; i < s->cfg.len; i++)
		if (s->cfg.data[i] == '\n')
			s->cfg.data[i] = ' ';
}

void
tide_wstate_every(struct tide_wstate *s, int64_t every_ms, int64_t now_ms)
{
	s->every = every_ms;
	s->next = now_ms + every_ms;
	s->since = 0;
}

int64_t *
tide_wstate_pos(struct tide_wstate *s, const char *path, size_t n)
{
	size_t i;

	for (i = 0; i < s->nfpos; i++)
		if (strlen(s->fpos[i].path) == n &&
		    memcmp(s->fpos[i].path, path, n) == 0)
			return &s->fpos[i].off;
	s->fpos = tide_xreallocarray(s->fpos, s->nfpos + 1, sizeof(*s->fpos));
	s->fpos[s->nfpos].path = tide_xmemdup(path, n);
	s->fpos[s->nfpos].off = 0;
	return &s->fpos[s->nfpos++].off;
}

int
tide_wstate_see(struct tide_wstate *s, const struct tide_json_val *v)
{
	int64_t part, off;

	if (v[0].type != TIDE_JSON_STRING || v[1].type != TIDE_JSON_NUMBER ||
	    v[2].type != TIDE_JSON_NUMBER || tide_json_int64(&v[1], &part) < 0 ||
	    tide_json_int64(&v[2], &off) < 0)
		return 0;
	return tide_ckpt_offs_see(&s->koffs, v[0].p + 1, v[0].len - 2, part,
	    off) == 0;
}

int
tide_wstate_barrier(struct tide_wstate *s, const struct tide_barrier_offs *o)
{
	const char *t;
	size_t i, len;
	int n = 0;

	for (i = 0; i < o->n; i++) {
		if (o->v[i].next <= 0)
			continue;	/* nothing read there yet */
		t = tide_barrier_offs_topic(o, i, &len);
		if (tide_ckpt_offs_see(&s->koffs, t, len, o->v[i].partition,
		    o->v[i].next - 1) == 0)
			n++;
	}
	return n;
}

int
tide_wstate_save(struct tide_wstate *s, const struct tide_win *w,
    const struct tide_wm *m, struct tide_wstate_err *err)
{
	struct tide_buf b = TIDE_BUF_INIT, tmp = TIDE_BUF_INIT;
	struct tide_zw z;
	const char *failed;
	size_t i;
	int fd, r, ret = 0, errnum;

	tide_buf_addf(&b, TIDE_CKPT_MAGIC "\nconfig %.*s\n", (int)s->cfg.len,
	    s->cfg.data);
	for (i = 0; i < s->nfpos; i++)
		tide_buf_addf(&b, "file %lld %zu %s\n",
		    (long long)s->fpos[i].off, strlen(s->fpos[i].path),
		    s->fpos[i].path);
	tide_ckpt_offs_write(&s->koffs, &b);
	tide_buf_adds(&b, "data\n");
	tide_win_save(w, &b);
	tide_wm_save(m, &b);
	tide_buf_addf(&tmp, "%s.tmp", s->path);
	tide_buf_addc(&tmp, '\0');
	if ((fd = tide_afile_create(tmp.data, 0644)) < 0) {
		errnum = errno;
		snprintf(err->msg, sizeof(err->msg), "cannot write state "
		    "'%s': %s", tmp.data, strerror(errnum));
		ret = TIDE_EIO;
		goto out;
	}
	tide_zw_init(&z, fd, 1, 1);
	r = tide_zw_write(&z, b.data, b.len);
	if (tide_zw_close(&z) < 0 || r < 0) {
		/* errno as the failed write left it. */
		errnum = errno;
		close(fd);	/* FILE.tmp stays, as after a crash */
		snprintf(err->msg, sizeof(err->msg), "cannot write state "
		    "'%s': %s", tmp.data, strerror(errnum));
		ret = TIDE_EIO;
		goto out;
	}
	if (tide_afile_commit(fd, tmp.data, s->path, &failed) < 0) {
		errnum = errno;
		if (failed == tmp.data)
			snprintf(err->msg, sizeof(err->msg), "cannot write state "
			    "'%s': %s", tmp.data, strerror(errnum));
		else
			snprintf(err->msg, sizeof(err->msg), "cannot rename "
			    "'%s' to '%s': %s", tmp.data, s->path,
			    strerror(errnum));
		ret = TIDE_EIO;
	}
out:
	tide_buf_release(&tmp);
	tide_buf_release(&b);
	if (s->every)
		s->next = tide_now_ms() + s->every;
	if (ret < 0)
		errno = errnum;
	return ret;
}

int
tide_wstate_load(struct tide_wstate *s, struct tide_win *w,
    struct tide_wm *m, int64_t now_ms, struct tide_wstate_err *err)
{
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p, *end, *l;
	size_t n;
	int r, errnum, ret = TIDE_EFORMAT;

	err->msg[0] = '\0';
	if ((r = tide_ckpt_read(s->path, &b, 0, &errnum)) == TIDE_ENOENT) {
		tide_buf_release(&b);
		return 0;	/* the first run */
	}
	if (r == TIDE_EIO) {
		snprintf(err->msg, sizeof(err->msg), "cannot read state '%s': %s",
		    s->path, strerror(errnum));
		ret = TIDE_EIO;
		goto fail;
	}
	if (r < 0 && tide_ckpt_is(&b)) {
		snprintf(err->msg, sizeof(err->msg), "state '%s' is damaged: %s",
		    s->path, tide_strerror(r));
		goto fail;
	}
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "'%s' is not a tide-window "
		    "state file", s->path);
		goto fail;
	}
	p = b.data;
	end = b.data + b.len;
	tide_ckpt_line(&p, end, &n);	/* the magic line */
	if ((l = tide_ckpt_line(&p, end, &n)) == NULL || n < 7 ||
	    memcmp(l, "config ", 7) != 0) {
		snprintf(err->msg, sizeof(err->msg), "state '%s' is damaged: no "
		    "config", s->path);
		goto fail;
	}
	if (n - 7 != s->cfg.len || memcmp(l + 7, s->cfg.data, n - 7) != 0) {
		snprintf(err->msg, sizeof(err->msg), "state '%s' was written with "
		    "other options (%.*s), not these (%.*s): use another file or "
		    "the same options", s->path, (int)(n - 7), l + 7,
		    (int)s->cfg.len, s->cfg.data);
		ret = TIDE_EINVAL;
		goto fail;
	}
	for (;;) {
		long long off;
		size_t plen;
		int used;

		if ((l = tide_ckpt_line(&p, end, &n)) == NULL) {
			snprintf(err->msg, sizeof(err->msg), "state '%s' is "
			    "damaged: no data", s->path);
			goto fail;
		}
		if (n == 4 && memcmp(l, "data", 4) == 0)
			break;
		if ((r = tide_ckpt_offs_line(&s->koffs, l, n)) > 0)
			continue;
		if (r < 0 || sscanf(l, "file %lld %zu %n", &off, &plen,
		    &used) != 2 || off < 0 || (size_t)used + plen != n) {
			snprintf(err->msg, sizeof(err->msg), "state '%s' is "
			    "damaged: bad line '%.*s'", s->path, (int)n, l);
			goto fail;
		}
		*tide_wstate_pos(s, l + used, plen) = off;
	}
	if (tide_win_load(w, &p, end) < 0 ||
	    tide_wm_load(m, &p, end, now_ms) < 0 || p != end) {
		snprintf(err->msg, sizeof(err->msg), "state '%s' is damaged: bad "
		    "window data", s->path);
		goto fail;
	}
	tide_buf_release(&b);
	return 0;
fail:
	tide_buf_release(&b);
	return ret;
}

void
tide_wstate_release(struct tide_wstate *s)
{
	size_t i;

	tide_buf_release(&s->cfg);
	for (i = 0; i < s->nfpos; i++)
		free(s->fpos[i].path);
	free(s->fpos);
	s->fpos = NULL;
	s->nfpos = 0;
	tide_ckpt_offs_free(&s->koffs);
}
