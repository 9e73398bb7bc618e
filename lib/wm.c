#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ser.h"
#include "wm.h"
#include "xalloc.h"

void
tide_wm_init(struct tide_wm *m, int64_t delay, int64_t idle)
{
	memset(m, 0, sizeof(*m));
	m->delay = delay;
	m->idle = idle;
	m->max = INT64_MIN;
	m->wm = INT64_MIN;
	m->firstwall = INT64_MIN;
	tide_htab_init(&m->partidx, sizeof(uint32_t));
}

void
tide_wm_expect(struct tide_wm *m, size_t n)
{
	m->expect = n;
}

void
tide_wm_release(struct tide_wm *m)
{
	tide_htab_release(&m->partidx);
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

static void
wm_raise(struct tide_wm *m, int64_t cand)
{
	if (cand > m->wm)
		m->wm = cand;
}

int64_t
tide_wm_see(struct tide_wm *m, const char *part, size_t plen, int64_t t,
    int64_t now)
{
	int64_t low;

	m->lastwall = now;
	if (m->firstwall == INT64_MIN)
		m->firstwall = now;
	if (t > m->max)
		m->max = t;
	if (plen > 0) {
		int isnew = 0;
		uint32_t *slot = tide_htab_put(&m->partidx, part, plen, &isnew);
		struct tide_wm_part *p;

		if (isnew) {
			*slot = (uint32_t)m->nparts;
			m->parts = tide_xreallocarray(m->parts, m->nparts + 1,
			    sizeof(*m->parts));
			m->parts[m->nparts].max = INT64_MIN;
			m->nparts++;
		}
		p = &m->parts[*slot];
		if (t > p->max)
			p->max = t;
		p->wall = now;
		low = tide_wm_low(m->parts, m->nparts, m->idle, now);
		if (low == INT64_MAX)
			low = m->max;
		/* Partitions not seen yet hold it where it is, for idle
		 * from the first record when idle is set. */
		if (m->nparts < m->expect && (m->idle == 0 ||
		    now - m->firstwall < m->idle))
			low = INT64_MIN;
	} else
		low = m->max;
	wm_raise(m, tide_wm_less(low, m->delay));
	return m->wm;
}

int64_t
tide_wm_tick(struct tide_wm *m, int64_t now)
{
	if (m->idle > 0 && m->max != INT64_MIN && now - m->lastwall >= m->idle)
		wm_raise(m, tide_sat_add(tide_wm_less(m->max, m->delay),
		    now - m->lastwall));
	return m->wm;
}

/* --- state files ------------------------------------------------------ */

#define WM_MAGIC 0x31204d5745444954ULL	/* "TIDEWM 1" */

void
tide_wm_save(const struct tide_wm *m, struct tide_buf *b)
{
	size_t pos = 0, kl;
	const char *k;
	uint32_t *slot;

	tide_ser_put_u64(b, WM_MAGIC);
	tide_ser_put_u64(b, (uint64_t)m->max);
	tide_ser_put_u64(b, (uint64_t)m->wm);
	tide_ser_put_u64(b, m->nparts);
	while ((slot = tide_htab_next(&m->partidx, &pos, &k, &kl)) != NULL) {
		tide_ser_put_bytes(b, k, kl);
		tide_ser_put_u64(b, (uint64_t)m->parts[*slot].max);
	}
}

int
tide_wm_load(struct tide_wm *m, const char **p, const char *end, int64_t now)
{
	uint64_t magic, n, i;

	if (tide_ser_get_u64(p, end, &magic) < 0 || magic != WM_MAGIC ||
	    tide_ser_get_i64(p, end, &m->max) < 0 ||
	    tide_ser_get_i64(p, end, &m->wm) < 0 ||
	    tide_ser_get_u64(p, end, &n) < 0 || n > (uint64_t)(end - *p) / 16)
		return TIDE_EFORMAT;
	m->lastwall = now;
	for (i = 0; i < n; i++) {
		const char *k;
		size_t kl;
		int64_t max;
		int isnew = 0;
		uint32_t *slot;

		if (tide_ser_get_bytes(p, end, &k, &kl, UINT32_MAX) < 0 ||
		    kl == 0 ||
		    tide_ser_get_i64(p, end, &max) < 0)
			return TIDE_EFORMAT;
		slot = tide_htab_put(&m->partidx, k, kl, &isnew);
		if (!isnew)
			return TIDE_EFORMAT;
		*slot = (uint32_t)m->nparts;
		m->parts = tide_xreallocarray(m->parts, m->nparts + 1,
		    sizeof(*m->parts));
		m->parts[m->nparts].max = max;
		m->parts[m->nparts].wall = now;
		m->nparts++;
	}
	return 0;
}
