#include <stdio.h>
#include <string.h>

#include "err.h"
#include "key.h"
#include "wrec.h"

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

int
tide_wrec_take(struct tide_wrec_conf *c, struct tide_wrec *p,
    const struct tide_json_val *jv, char *why)
{
	const struct tide_json_val *agv = &jv[1 + c->nkeys + c->npart];
	char q[64];
	int i, bf;

	p->now = 0;
	if (jv[0].type == TIDE_JSON_NONE) {
		snprintf(why, TIDE_WREC_WHY, "no time field '%s'", c->timef);
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
		snprintf(why, TIDE_WREC_WHY, "no key field '%s'",
		    c->keynames[i]);
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
