#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "key.h"
#include "wrec.h"
#include "xalloc.h"

/* A blank, as 'as' is set off by. */
static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

int
tide_wrec_key_parse(const char *item, struct tide_path *p, char **name,
    char *why)
{
	const char *s = item, *e, *as = NULL, *nm = NULL, *nme = NULL, *q;
	char *path;
	int inq = 0;

	while (blank(*s))
		s++;
	e = s + strlen(s);
	/* " as " outside a quoted segment splits the path from the name. */
	for (q = s; *q; q++) {
		if (*q == '"')
			inq = !inq;
		else if (!inq && blank(*q) && q[1] == 'a' && q[2] == 's' &&
		    (blank(q[3]) || q[3] == '\0')) {
			as = q;
			break;
		}
	}
	if (as != NULL) {
		for (nm = as + 3; blank(*nm); nm++)
			;
		for (nme = e; nme > nm && blank(nme[-1]); nme--)
			;
		for (q = nm; q < nme; q++)
			if (blank(*q) || *q == '"' || *q == '\\' ||
			    (unsigned char)*q < 0x20)
				break;
		if (nm == nme || q != nme) {
			snprintf(why, TIDE_WREC_WHY, nm == nme ? "'as' needs a "
			    "name in '%s'" : "'as': not a name in '%s'", item);
			return TIDE_EINVAL;
		}
		e = as;
	}
	while (e > s && blank(e[-1]))
		e--;
	path = tide_xmemdup(s, (size_t)(e - s));
	if (tide_path_parse(p, path) < 0) {
		snprintf(why, TIDE_WREC_WHY, "bad field path '%s'", path);
		free(path);
		return TIDE_EINVAL;
	}
	free(path);
	*name = nm != NULL ? tide_xmemdup(nm, (size_t)(nme - nm)) :
	    tide_xmemdup(p->seg[p->nseg - 1].name, p->seg[p->nseg - 1].len);
	return 0;
}

void
tide_wrec_conf_init(struct tide_wrec_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_future = -1;
	tide_buf_init(&c->sb, TIDE_BUF_NOMAX);
}

void
tide_wrec_conf_release(struct tide_wrec_conf *c)
{
	tide_buf_release(&c->sb);
}

void
tide_wrec_init(struct tide_wrec *p)
{
	memset(p, 0, sizeof(*p));
	tide_buf_init(&p->line, TIDE_BUF_NOMAX);
	tide_buf_init(&p->key, TIDE_BUF_NOMAX);
	tide_buf_init(&p->part, TIDE_BUF_NOMAX);
}

void
tide_wrec_release(struct tide_wrec *p)
{
	tide_buf_release(&p->line);
	tide_buf_release(&p->key);
	tide_buf_release(&p->part);
}

/* A short quote of a value for messages. */
static void
quote(char *out, size_t cap, const struct tide_json_val *v)
{
	size_t n = v->len;

	if (n > cap - 5) {
		snprintf(out, cap, "%.*s...", (int)(cap - 5), v->p);
		return;
	}
	snprintf(out, cap, "%.*s", (int)n, v->p);
}

/* Why the field of path text is absent from p's record, as a clause
 * (lib/envelope.h); cold: it parses the path again. */
static const char * __attribute__((noinline))
absent(const struct tide_wrec *p, const char *text, char *buf, size_t cap)
{
	struct tide_path path;

	buf[0] = '\0';
	if (tide_path_parse(&path, text) < 0)
		return buf;
	tide_env_why_absent(p->line.data, p->line.len, &path, buf, cap);
	tide_path_release(&path);
	return buf;
}

int
tide_wrec_take(struct tide_wrec_conf *c, struct tide_wrec *p,
    const struct tide_json_val *jv, char *why)
{
	const struct tide_json_val *agv = &jv[1 + c->nkeys + c->npart];
	char q[64], wa[160];
	int i, bf;

	p->now = 0;
	if (jv[0].type == TIDE_JSON_NONE) {
		snprintf(why, TIDE_WREC_WHY, "no time field '%s'%s", c->timef,
		    absent(p, c->timef, wa, sizeof(wa)));
		return TIDE_EINVAL;
	}
	if (tide_time_from_json(&jv[0], c->unit, &p->t) < 0) {
		quote(q, sizeof(q), &jv[0]);
		snprintf(why, TIDE_WREC_WHY, "field '%s' is not a time: %s",
		    c->timef, q);
		return TIDE_EINVAL;
	}
	if (c->clock) {
		p->now = tide_now_ms();
		if (c->max_future >= 0 && p->t > p->now + c->max_future) {
			quote(q, sizeof(q), &jv[0]);
			snprintf(why, TIDE_WREC_WHY, "field '%s' is too far in "
			    "the future: %s", c->timef, q);
			return TIDE_EINVAL;
		}
	}
	tide_buf_reset(&p->key);
	for (i = 0; i < c->nkeys; i++) {
		const struct tide_json_val *v = &jv[1 + i];

		if (i)
			tide_buf_addc(&p->key, '\0');
		if (v->type == TIDE_JSON_NONE) {
			if (!c->keynull)
				break;
			tide_buf_adds(&p->key, "null");
		} else if (v->type == TIDE_JSON_NULL)
			tide_buf_adds(&p->key, "null");
		else if (tide_key_json(&p->key, v, &c->sb) < 0)
			break;
	}
	if (i < c->nkeys) {
		snprintf(why, TIDE_WREC_WHY, "no key field '%s'%s",
		    c->keynames[i], absent(p, c->keynames[i], wa, sizeof(wa)));
		return TIDE_EINVAL;
	}
	if (tide_agg_values(c->spec, agv, p->vals, &bf) < 0) {
		quote(q, sizeof(q), &agv[bf]);
		snprintf(why, TIDE_WREC_WHY, "field '%s' is not a number: %s",
		    c->spec->paths[bf].text, q);
		return TIDE_EINVAL;
	}
	tide_buf_reset(&p->part);
	for (i = 0; i < c->npart; i++) {
		const struct tide_json_val *v = &jv[1 + c->nkeys + i];

		tide_buf_add(&p->part, v->p, v->len);
		tide_buf_addc(&p->part, '\0');
	}
	return 0;
}
