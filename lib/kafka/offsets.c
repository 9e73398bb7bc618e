#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kafka/kdown.h"
#include "kafka/offsets.h"
#include "sig.h"
#include "time.h"
#include "xalloc.h"

int
tide_offspec_parse(const char *s, struct tide_offspec *o)
{
	const char *p = s;
	char *end;
	long long v;

	memset(o, 0, sizeof(*o));
	if (strcmp(s, "beginning") == 0)
		o->kind = TIDE_OFF_BEGINNING;
	else if (strcmp(s, "end") == 0)
		o->kind = TIDE_OFF_END;
	else if (strcmp(s, "stored") == 0)
		o->kind = TIDE_OFF_STORED;
	else {
		if (*p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return TIDE_EINVAL;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (*end != '\0' || errno == ERANGE)
			return TIDE_EINVAL;
		o->kind = p != s ? TIDE_OFF_TAIL : TIDE_OFF_ABS;
		o->v = v;
	}
	return 0;
}

int
tide_offsets_conf(rd_kafka_conf_t *conf)
{
	char v[16], errstr[256];
	size_t len = sizeof(v);
	int off;

	off = rd_kafka_conf_get(conf, "enable.partition.eof", v, &len) ==
	    RD_KAFKA_CONF_OK && strcmp(v, "true") != 0;
	if (rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK)
		return TIDE_EKAFKA;
	return off;
}

static int64_t
mono_ms(void)
{
	return tide_mono_us() / 1000;
}

static int
left(int64_t deadline)
{
	int64_t d = deadline - mono_ms();

	return d < 0 ? 0 : d > 1000000 ? 1000000 : (int)d;
}

int
tide_offsets_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms,
    int32_t **parts, struct tide_offsets_err *err)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	int i, j, n = -1;

	/* All topics: asking for one by name could create it on a broker
	 * that auto-creates topics. */
	e = tide_kdown_metadata(rk, 1, NULL, &md, timeout_ms);
	if (e) {
		if (e == RD_KAFKA_RESP_ERR__INTR) {
			snprintf(err->msg, sizeof(err->msg), "interrupted by "
			    "%s while waiting for the brokers", tide_sig_name());
			return TIDE_EINTR;
		}
		snprintf(err->msg, sizeof(err->msg), "%s",
		    e == RD_KAFKA_RESP_ERR__TRANSPORT ||
		    e == RD_KAFKA_RESP_ERR__TIMED_OUT ?
		    "brokers unreachable" : rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	for (i = 0; i < md->topic_cnt; i++) {
		const struct rd_kafka_metadata_topic *t = &md->topics[i];

		if (strcmp(t->topic, topic) != 0)
			continue;
		if (t->err && t->partition_cnt == 0)
			break;
		*parts = tide_xcalloc((size_t)t->partition_cnt + 1,
		    sizeof(**parts));
		for (j = 0; j < t->partition_cnt; j++)
			(*parts)[j] = t->partitions[j].id;
		n = t->partition_cnt;
		break;
	}
	rd_kafka_metadata_destroy(md);
	if (n < 0) {
		snprintf(err->msg, sizeof(err->msg), "topic '%.200s' not found",
		    topic);
		return TIDE_ENOENT;
	}
	return n;
}

/*
 * Binary search for the first offset with timestamp >= target, in every
 * partition of want[] at once: each round assigns every unfinished
 * partition at the middle of its interval and reads one message from each.
 */
struct search {
	struct tide_prange *r;
	int64_t target;
	int64_t lo, hi;		/* the answer is in [lo, hi] ... */
	int64_t best;		/* ... or best, the least found so far */
	int64_t mid;
	int got;
};

static int
search_round(rd_kafka_t *rk, const char *topic, struct search *s, size_t n,
    int64_t deadline, struct tide_offsets_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_message_t *m;
	rd_kafka_resp_err_t e;
	size_t i, active = 0;
	int r = 0;

	tl = rd_kafka_topic_partition_list_new((int)n);
	for (i = 0; i < n; i++) {
		s[i].got = 1;
		if (s[i].lo >= s[i].hi)
			continue;
		s[i].mid = s[i].lo + (s[i].hi - s[i].lo) / 2;
		s[i].got = 0;
		rd_kafka_topic_partition_list_add(tl, topic,
		    s[i].r->partition)->offset = s[i].mid;
		active++;
	}
	if (active == 0) {
		rd_kafka_topic_partition_list_destroy(tl);
		return 0;
	}
	if ((e = rd_kafka_assign(rk, tl)) != 0) {
		rd_kafka_topic_partition_list_destroy(tl);
		snprintf(err->msg, sizeof(err->msg), "assign: %s",
		    rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	rd_kafka_topic_partition_list_destroy(tl);
	while (active > 0) {
		if (left(deadline) == 0) {
			snprintf(err->msg, sizeof(err->msg),
			    "timed out reading timestamps of '%.200s'", topic);
			r = TIDE_EKAFKA;
			break;
		}
		if ((m = rd_kafka_consumer_poll(rk, left(deadline))) == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (!s[i].got && s[i].r->partition == m->partition)
				break;
		if (i == n || strcmp(rd_kafka_topic_name(m->rkt), topic) != 0) {
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (m->offset < s[i].mid) {
				rd_kafka_message_destroy(m);
				continue;	/* not from this round's fetch */
			}
			/* No message from mid on: the offsets in [mid, hi)
			 * are control records (transaction markers) or
			 * records of aborted transactions, never delivered,
			 * so the answer is before mid, or best.  (Taking it
			 * as "too early" skipped the records before mid.) */
			s[i].hi = s[i].mid;
			s[i].got = 1;
			active--;
		} else if (m->err) {
			snprintf(err->msg, sizeof(err->msg),
			    "reading '%.200s' [%" PRId32 "]: %s", topic,
			    m->partition, rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			r = TIDE_EKAFKA;
			break;
		} else if (m->offset >= s[i].mid) {
			int64_t ts = rd_kafka_message_timestamp(m, NULL);

			if (ts >= s[i].target) {
				/* Offsets in [mid, m->offset) do not exist. */
				if (m->offset < s[i].best)
					s[i].best = m->offset;
				s[i].hi = s[i].mid;
			} else
				s[i].lo = m->offset + 1;
			s[i].got = 1;
			active--;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_assign(rk, NULL);
	return r;
}

static int
search(rd_kafka_t *rk, const char *topic, struct search *s, size_t n,
    int64_t deadline, struct tide_offsets_err *err)
{
	size_t i, busy;
	int r;

	do {
		if ((r = search_round(rk, topic, s, n, deadline, err)) < 0)
			return r;
		for (i = busy = 0; i < n; i++)
			busy += s[i].lo < s[i].hi;
	} while (busy);
	return 0;
}

/* Offsets of the first messages at or after the times in want (one per
 * range, -2 where no time is wanted): the broker first, then the search. */
static int
by_time(rd_kafka_t *rk, const char *topic, struct tide_prange *r, size_t n,
    const int64_t *want, int64_t *out, int timeout_ms,
    struct tide_offsets_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e;
	struct search *s;
	size_t i, ns = 0;
	int64_t deadline = mono_ms() + timeout_ms;
	int rc;

	tl = rd_kafka_topic_partition_list_new((int)n);
	for (i = 0; i < n; i++) {
		out[i] = r[i].high;
		if (want[i] >= 0 && r[i].low < r[i].high)
			rd_kafka_topic_partition_list_add(tl, topic,
			    r[i].partition)->offset = want[i];
	}
	if (tl->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(tl);
		return 0;
	}
	e = rd_kafka_offsets_for_times(rk, tl, timeout_ms);
	s = tide_xcalloc(n, sizeof(*s));
	for (i = 0; i < n; i++) {
		rd_kafka_topic_partition_t *tp;

		if (want[i] < 0 || r[i].low >= r[i].high)
			continue;
		tp = rd_kafka_topic_partition_list_find(tl, topic, r[i].partition);
		if (e == 0 && tp && tp->err == 0 && tp->offset >= 0) {
			out[i] = tp->offset < r[i].low ? r[i].low :
			    tp->offset > r[i].high ? r[i].high : tp->offset;
			continue;
		}
		/* -1 (or an error): search the timestamps ourselves. */
		s[ns].r = &r[i];
		s[ns].target = want[i];
		s[ns].lo = r[i].low;
		s[ns].hi = r[i].high;
		s[ns].best = r[i].high;
		ns++;
	}
	rd_kafka_topic_partition_list_destroy(tl);
	rc = ns ? search(rk, topic, s, ns, deadline, err) : 0;
	for (i = 0; rc == 0 && i < ns; i++) {
		out[s[i].r - r] = s[i].best;
		s[i].r->searched = 1;
	}
	free(s);
	return rc;
}

static int64_t
clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
tide_offsets_resolve(rd_kafka_t *rk, const char *topic, struct tide_prange *r,
    size_t n, const struct tide_offspec *from, const struct tide_offspec *to,
    int timeout_ms, struct tide_offsets_err *err)
{
	rd_kafka_resp_err_t e;
	int64_t *want, *got;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		e = rd_kafka_query_watermark_offsets(rk, topic, r[i].partition,
		    &r[i].low, &r[i].high, timeout_ms);
		if (e) {
			snprintf(err->msg, sizeof(err->msg),
			    "watermarks of '%.200s' [%" PRId32 "]: %s", topic,
			    r[i].partition, rd_kafka_err2str(e));
			return TIDE_EKAFKA;
		}
		r[i].searched = 0;
	}
	want = tide_xcalloc(2 * n, sizeof(*want));
	got = tide_xcalloc(2 * n, sizeof(*got));
	for (i = 0; i < n; i++) {
		want[i] = from && from->kind == TIDE_OFF_TIME ? from->v : -2;
		want[n + i] = to && to->kind == TIDE_OFF_TIME ? to->v : -2;
	}
	if (n && want[0] >= 0)
		rc = by_time(rk, topic, r, n, want, got, timeout_ms, err);
	if (rc == 0 && n && want[n] >= 0)
		rc = by_time(rk, topic, r, n, want + n, got + n, timeout_ms, err);
	for (i = 0; rc == 0 && i < n; i++) {
		struct tide_prange *p = &r[i];

		switch (to ? to->kind : TIDE_OFF_NONE) {
		case TIDE_OFF_END:
			p->end = p->high;
			break;
		case TIDE_OFF_TIME:
			p->end = got[n + i];
			break;
		case TIDE_OFF_ABS:
			p->end = clamp(to->v, p->low, p->high);
			break;
		default:
			p->end = -1;
			break;
		}
		switch (from ? from->kind : TIDE_OFF_BEGINNING) {
		case TIDE_OFF_END:
			p->start = p->high;
			break;
		case TIDE_OFF_STORED:
			p->start = RD_KAFKA_OFFSET_STORED;
			break;
		case TIDE_OFF_ABS:
			/* Past the high watermark: wait for it to be written. */
			p->start = from->v < p->low ? p->low : from->v;
			break;
		case TIDE_OFF_TAIL:
			p->start = p->high - from->v < p->low ? p->low :
			    p->high - from->v;
			break;
		case TIDE_OFF_TIME:
			p->start = got[i];
			break;
		default:
			p->start = p->low;
			break;
		}
		if (p->end >= 0 && p->start != RD_KAFKA_OFFSET_STORED &&
		    p->start > p->end)
			p->start = p->end;
	}
	free(want);
	free(got);
	return rc;
}
