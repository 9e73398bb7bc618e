#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "srule.h"
#include "time.h"

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- Duplicates ------------------------------------------------------- */

void
tide_uniq_init(struct tide_uniq *u, int64_t within)
{
	memset(u, 0, sizeof(*u));
	u->within = within;
	tide_htab_init(&u->gen[0], sizeof(int64_t));
	tide_htab_init(&u->gen[1], sizeof(int64_t));
}

void
tide_uniq_release(struct tide_uniq *u)
{
	tide_htab_release(&u->gen[0]);
	tide_htab_release(&u->gen[1]);
}

static int
near(int64_t a, int64_t b, int64_t d)
{
	return a >= b ? a - b <= d : b - a <= d;
}

int
tide_uniq_seen(struct tide_uniq *u, const char *key, size_t n, int64_t t,
    int64_t *prev)
{
	int64_t *v;
	int g;

	for (g = 0; g < 2; g++) {
		v = tide_htab_get(&u->gen[(u->cur + g) & 1], key, n);
		if (v != NULL && near(t, *v, u->within)) {
			*prev = *v;
			return 1;
		}
	}
	return 0;
}

void
tide_uniq_note(struct tide_uniq *u, const char *key, size_t n, int64_t t)
{
	int64_t *v;
	int isnew;

	if (!u->started) {
		u->started = 1;
		u->start = t;
	} else if (t - u->start > u->within) {
		/* A new generation; the one before the last goes. */
		u->cur ^= 1;
		tide_htab_clear(&u->gen[u->cur]);
		if (t - u->start > 2 * u->within)
			tide_htab_clear(&u->gen[u->cur ^ 1]);
		u->start = t;
	}
	v = tide_htab_put(&u->gen[u->cur], key, n, &isnew);
	if (isnew || *v < t)
		*v = t;
}

size_t
tide_uniq_keys(const struct tide_uniq *u)
{
	return tide_htab_count(&u->gen[0]) + tide_htab_count(&u->gen[1]);
}

/* ---- Rate bounds ------------------------------------------------------ */

int
tide_ratelim_parse(const char *s, int64_t *n, int64_t *per)
{
	const char *slash = strchr(s, '/');
	char *end, buf[64];
	long long v;

	if (slash == NULL || slash == s || s[0] < '0' || s[0] > '9')
		return TIDE_EINVAL;
	v = strtoll(s, &end, 10);
	if (end != slash || v <= 0)
		return TIDE_EINVAL;
	*n = v;
	slash++;
	if (*slash >= 'a' && *slash <= 'z') {
		if (strlen(slash) + 2 > sizeof(buf))
			return TIDE_EINVAL;
		buf[0] = '1';
		strcpy(buf + 1, slash);
		slash = buf;
	}
	if (tide_dur_parse(slash, per) < 0 || *per <= 0)
		return TIDE_EINVAL;
	return 0;
}

void
tide_ratelim_init(struct tide_ratelim *l, int64_t n, int64_t per)
{
	memset(l, 0, sizeof(*l));
	l->n = n;
	l->per = per;
	tide_htab_init(&l->gen[0], sizeof(int64_t));
	tide_htab_init(&l->gen[1], sizeof(int64_t));
}

void
tide_ratelim_release(struct tide_ratelim *l)
{
	tide_htab_release(&l->gen[0]);
	tide_htab_release(&l->gen[1]);
}

/* The table of period p, or NULL when it is older than the last two. */
static struct tide_htab *
period_tab(struct tide_ratelim *l, int64_t p)
{
	if (!l->started || p > l->period)
		return NULL;
	if (p == l->period)
		return &l->gen[l->cur];
	if (p == l->period - 1)
		return &l->gen[l->cur ^ 1];
	return NULL;
}

int
tide_ratelim_over(struct tide_ratelim *l, const char *key, size_t n,
    int64_t t, int64_t *count)
{
	struct tide_htab *h = period_tab(l, floordiv(t, l->per));
	int64_t *v;

	if (h == NULL || (v = tide_htab_get(h, key, n)) == NULL)
		return 0;
	*count = *v;
	return *v >= l->n;
}

void
tide_ratelim_note(struct tide_ratelim *l, const char *key, size_t n,
    int64_t t)
{
	int64_t p = floordiv(t, l->per), *v;
	struct tide_htab *h;

	if (!l->started || p > l->period) {
		if (l->started && p == l->period + 1) {
			l->cur ^= 1;
			tide_htab_clear(&l->gen[l->cur]);
		} else {
			tide_htab_clear(&l->gen[0]);
			tide_htab_clear(&l->gen[1]);
		}
		l->started = 1;
		l->period = p;
	}
	if ((h = period_tab(l, p)) == NULL)
		return;
	v = tide_htab_put(h, key, n, NULL);
	++*v;
}

/* ---- The failing share ------------------------------------------------ */

void
tide_failwin_init(struct tide_failwin *w, int64_t span)
{
	memset(w, 0, sizeof(*w));
	w->span = span;
	w->slot = span / TIDE_FAILWIN_SLOTS;
	if (w->slot < 1)
		w->slot = 1;
}

void
tide_failwin_add(struct tide_failwin *w, int64_t now, int failed)
{
	int64_t s = floordiv(now, w->slot), k;
	int i;

	if (!w->started) {
		w->started = 1;
		w->first = w->last = now;
		w->head = s;
	}
	if (now > w->last)
		w->last = now;
	if (s > w->head) {
		/* Slots that fell out of the window are emptied. */
		for (k = w->head + 1; k <= s && k <= w->head +
		    TIDE_FAILWIN_SLOTS; k++) {
			i = (int)(((k % TIDE_FAILWIN_SLOTS) +
			    TIDE_FAILWIN_SLOTS) % TIDE_FAILWIN_SLOTS);
			w->pass[i] = w->fail[i] = 0;
		}
		w->head = s;
	}
	if (s <= w->head - TIDE_FAILWIN_SLOTS)
		s = w->head - TIDE_FAILWIN_SLOTS + 1;
	i = (int)(((s % TIDE_FAILWIN_SLOTS) + TIDE_FAILWIN_SLOTS) %
	    TIDE_FAILWIN_SLOTS);
	if (failed)
		w->fail[i]++;
	else
		w->pass[i]++;
}

int
tide_failwin_full(const struct tide_failwin *w)
{
	return w->started && w->last - w->first >= w->span;
}

void
tide_failwin_sum(const struct tide_failwin *w, uint64_t *total,
    uint64_t *failed)
{
	int i;

	*total = *failed = 0;
	for (i = 0; i < TIDE_FAILWIN_SLOTS; i++) {
		*total += w->pass[i] + w->fail[i];
		*failed += w->fail[i];
	}
}
