#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "kafka/kinspect.h"
#include "time.h"
#include "xalloc.h"

void
tide_kinspect_init(struct tide_kinspect *t)
{
	memset(t, 0, sizeof(*t));
}

void
tide_kinspect_release(struct tide_kinspect *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].topic);
	for (i = 0; i < t->nbrokers; i++)
		free(t->brokers[i].name);
	free(t->v);
	free(t->brokers);
	tide_kinspect_init(t);
}

struct tide_kinspect_row *
tide_kinspect_add(struct tide_kinspect *t, const char *topic,
    int32_t partition)
{
	struct tide_kinspect_row *r;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = tide_xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	r = &t->v[t->n++];
	memset(r, 0, sizeof(*r));
	r->topic = tide_xstrdup(topic);
	r->partition = partition;
	r->leader = -1;
	r->low = r->high = r->committed = -1;
	r->tsmin = r->tsmax = -1;
	return r;
}

int
tide_kinspect_count(struct tide_kinspect *t, const char *topic,
    int32_t partition, int64_t ts)
{
	struct tide_kinspect_row *r;
	size_t i;

	if (t->last < t->n && t->v[t->last].partition == partition &&
	    strcmp(t->v[t->last].topic, topic) == 0)
		r = &t->v[t->last];
	else {
		for (i = 0; i < t->n; i++)
			if (t->v[i].partition == partition &&
			    strcmp(t->v[i].topic, topic) == 0)
				break;
		if (i == t->n)
			return -1;
		t->last = i;
		r = &t->v[i];
	}
	r->count++;
	if (ts >= 0) {
		if (r->tsmin < 0 || ts < r->tsmin)
			r->tsmin = ts;
		if (ts > r->tsmax)
			r->tsmax = ts;
	}
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct tide_kinspect_row *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);

	if (c)
		return c;
	return (x->partition > y->partition) - (x->partition < y->partition);
}

static int
broker_cmp(const void *a, const void *b)
{
	const struct tide_kinspect_broker *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void
tide_kinspect_sort(struct tide_kinspect *t)
{
	if (t->n > 1 && t->v[0].partition >= 0)
		qsort(t->v, t->n, sizeof(*t->v), row_cmp);
	t->last = 0;
}

/* ---- Requests ----------------------------------------------------------- */

static const char *
broker_name(const struct tide_kinspect *t, int32_t id)
{
	size_t i;

	for (i = 0; i < t->nbrokers; i++)
		if (t->brokers[i].id == id)
			return t->brokers[i].name;
	return "?";
}

static int
unreachable(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR__TRANSPORT ||
	    e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
	    e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
}

/* e from a first request: the brokers rk was given could not be asked. */
static int
unreached(rd_kafka_t *rk, rd_kafka_resp_err_t e, int timeout_ms,
    struct tide_kinspect_err *err)
{
	char bs[256] = "";
	size_t bn = sizeof(bs);

	rd_kafka_conf_get(rd_kafka_conf(rk), "bootstrap.servers", bs, &bn);
	snprintf(err->msg, sizeof(err->msg), "cannot reach brokers at "
	    "'%.200s' within %dms: %s", bs, timeout_ms, unreachable(e) ?
	    "no broker answered" : rd_kafka_err2str(e));
	return TIDE_EKAFKA;
}

/* The metadata: the brokers, and rows for the partitions of topics[0..n)
 * (every topic's when n is 0, the cluster's own __ topics left out); a
 * topic not in it is TIDE_ENOENT, or with gone left out (a group's
 * offsets outlive a topic deleted). */
static int
metadata(struct tide_kinspect *t, rd_kafka_t *rk, char *const *topics,
    size_t n, int gone, int timeout_ms, struct tide_kinspect_err *err)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	size_t k;
	int i, j, found;

	/* All topics: asking for one by name could create it on a broker
	 * that auto-creates topics. */
	e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (e)
		return unreached(rk, e, timeout_ms, err);
	t->brokers = tide_xcalloc((size_t)md->broker_cnt + 1,
	    sizeof(*t->brokers));
	for (i = 0; i < md->broker_cnt; i++) {
		char name[300];

		snprintf(name, sizeof(name), "%s:%d", md->brokers[i].host,
		    md->brokers[i].port);
		t->brokers[i].id = md->brokers[i].id;
		t->brokers[i].name = tide_xstrdup(name);
	}
	t->nbrokers = (size_t)md->broker_cnt;
	qsort(t->brokers, t->nbrokers, sizeof(*t->brokers), broker_cmp);
	for (k = 0; k < n; k++) {
		for (found = 0, i = 0; i < md->topic_cnt && !found; i++)
			found = strcmp(md->topics[i].topic, topics[k]) == 0 &&
			    !(md->topics[i].err && md->topics[i].partition_cnt == 0);
		if (!found && !gone) {
			snprintf(err->msg, sizeof(err->msg), "topic '%.200s' "
			    "not found", topics[k]);
			rd_kafka_metadata_destroy(md);
			return TIDE_ENOENT;
		}
	}
	for (i = 0; i < md->topic_cnt; i++) {
		const struct rd_kafka_metadata_topic *mt = &md->topics[i];

		for (k = 0; k < n; k++)
			if (strcmp(mt->topic, topics[k]) == 0)
				break;
		if (n ? k == n : mt->topic[0] == '_' && mt->topic[1] == '_')
			continue;
		for (j = 0; j < mt->partition_cnt; j++) {
			const struct rd_kafka_metadata_partition *mp =
			    &mt->partitions[j];
			struct tide_kinspect_row *r = tide_kinspect_add(t,
			    mt->topic, mp->id);
			int m;

			r->leader = mp->leader;
			for (m = 0; m < mp->replica_cnt &&
			    m < TIDE_KINSPECT_MAXREPL; m++)
				r->replicas[r->nreplicas++] = mp->replicas[m];
			for (m = 0; m < mp->isr_cnt && m < TIDE_KINSPECT_MAXREPL;
			    m++)
				r->isrs[r->nisrs++] = mp->isrs[m];
		}
	}
	rd_kafka_metadata_destroy(md);
	tide_kinspect_sort(t);
	return 0;
}

/*
 * Each row's watermarks, from its leader: ListOffsets for the earliest
 * (-2) and the latest (-1) offset, every partition in one call each.
 * rd_kafka_offsets_for_times() keeps to its timeout where a leader is
 * down; rd_kafka_query_watermark_offsets() (librdkafka 2.0) does not.
 */
static int
watermarks(struct tide_kinspect *t, rd_kafka_t *rk, int timeout_ms,
    struct tide_kinspect_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e = 0;
	size_t i, bad = 0;
	int pass;

	tl = rd_kafka_topic_partition_list_new((int)t->n + 1);
	for (i = 0; i < t->n; i++)
		rd_kafka_topic_partition_list_add(tl, t->v[i].topic,
		    t->v[i].partition);
	for (pass = 0; pass < 2 && t->n && e == 0; pass++) {
		for (i = 0; i < t->n; i++)
			tl->elems[i].offset = pass == 0 ? -2 : -1;
		e = rd_kafka_offsets_for_times(rk, tl, timeout_ms);
		for (i = 0; i < t->n; i++) {
			if (tl->elems[i].err) {
				e = e ? e : tl->elems[i].err;
				bad = i;	/* the first that failed */
				break;
			}
			if (pass == 0)
				t->v[i].low = tl->elems[i].offset;
			else
				t->v[i].high = tl->elems[i].offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(tl);
	if (e) {
		struct tide_kinspect_row *r = &t->v[bad];

		snprintf(err->msg, sizeof(err->msg), "'%.200s' [%d]: no "
		    "watermarks from its leader, broker %d (%s), within %dms: "
		    "%s", r->topic, (int)r->partition, (int)r->leader,
		    broker_name(t, r->leader), timeout_ms, rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	return 0;
}

int
tide_kinspect_list(struct tide_kinspect *t, rd_kafka_t *rk,
    char *const *topics, size_t n, int timeout_ms,
    struct tide_kinspect_err *err)
{
	int r = metadata(t, rk, topics, n, 0, timeout_ms, err);

	return r < 0 ? r : watermarks(t, rk, timeout_ms, err);
}

/* The group's committed offsets for the rows (OffsetFetch). */
static int
committed(struct tide_kinspect *t, rd_kafka_t *rk, const char *group,
    int timeout_ms, struct tide_kinspect_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e;
	size_t i;

	tl = rd_kafka_topic_partition_list_new((int)t->n + 1);
	for (i = 0; i < t->n; i++)
		rd_kafka_topic_partition_list_add(tl, t->v[i].topic,
		    t->v[i].partition);
	e = rd_kafka_committed(rk, tl, timeout_ms);
	if (e) {
		snprintf(err->msg, sizeof(err->msg), "group '%.200s': no "
		    "committed offsets from its coordinator within %dms: %s",
		    group, timeout_ms, rd_kafka_err2str(e));
		rd_kafka_topic_partition_list_destroy(tl);
		return TIDE_EKAFKA;
	}
	for (i = 0; i < t->n; i++)
		if (tl->elems[i].err == 0 && tl->elems[i].offset >= 0)
			t->v[i].committed = tl->elems[i].offset;
	rd_kafka_topic_partition_list_destroy(tl);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The topics group has committed offsets for, from its coordinator
 * (ListConsumerGroupOffsets for all partitions), onto *topics (each once,
 * in byte order; owned by the caller, as the array) and *n.
 */
static int
group_topics(rd_kafka_t *rk, const char *group, int timeout_ms,
    char ***topics, size_t *n, struct tide_kinspect_err *err)
{
	rd_kafka_ListConsumerGroupOffsets_t *req;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	const rd_kafka_group_result_t **gr;
	const rd_kafka_topic_partition_list_t *pl = NULL;
	const rd_kafka_error_t *ge = NULL;
	rd_kafka_resp_err_t e;
	size_t ng = 0, i, k;
	char es[256];
	int r = 0;

	*topics = NULL;
	*n = 0;
	q = rd_kafka_queue_new(rk);
	ao = rd_kafka_AdminOptions_new(rk,
	    RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
	rd_kafka_AdminOptions_set_request_timeout(ao, timeout_ms, es,
	    sizeof(es));
	req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
	rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, ao, q);
	rd_kafka_ListConsumerGroupOffsets_destroy(req);
	rd_kafka_AdminOptions_destroy(ao);
	/* The request keeps to its timeout; the margin is for its answer. */
	ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
	e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
	if (e == 0) {
		gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
		    rd_kafka_event_ListConsumerGroupOffsets_result(ev), &ng);
		if (ng > 0) {
			ge = rd_kafka_group_result_error(gr[0]);
			pl = rd_kafka_group_result_partitions(gr[0]);
		}
	}
	if (e && unreachable(e))
		r = unreached(rk, e, timeout_ms, err);
	else if (e || ge) {
		snprintf(err->msg, sizeof(err->msg), "group '%.200s': no "
		    "committed offsets from its coordinator within %dms: %s",
		    group, timeout_ms, e ? rd_kafka_err2str(e) :
		    rd_kafka_error_string(ge));
		r = TIDE_EKAFKA;
	} else if (pl && pl->cnt > 0) {
		*topics = tide_xcalloc((size_t)pl->cnt, sizeof(**topics));
		for (i = 0; i < (size_t)pl->cnt; i++) {
			for (k = 0; k < *n; k++)
				if (strcmp((*topics)[k], pl->elems[i].topic) == 0)
					break;
			if (k == *n)
				(*topics)[(*n)++] =
				    tide_xstrdup(pl->elems[i].topic);
		}
		qsort(*topics, *n, sizeof(**topics), name_cmp);
	}
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	return r;
}

int
tide_kinspect_lag(struct tide_kinspect *t, rd_kafka_t *rk, const char *group,
    char *const *topics, size_t n, int timeout_ms,
    struct tide_kinspect_err *err)
{
	char **found = NULL;
	size_t nfound = 0, i;
	int r;

	if (n == 0) {
		if ((r = group_topics(rk, group, timeout_ms, &found, &nfound,
		    err)) < 0)
			return r;
		if (nfound == 0) {
			snprintf(err->msg, sizeof(err->msg), "group '%.200s' "
			    "has no committed offsets the cluster lists; -t "
			    "names a topic to ask about", group);
			return 1;
		}
		topics = found;
		n = nfound;
	}
	if ((r = metadata(t, rk, topics, n, nfound > 0, timeout_ms,
	    err)) >= 0 &&
	    (r = committed(t, rk, group, timeout_ms, err)) >= 0)
		r = watermarks(t, rk, timeout_ms, err);
	for (i = 0; i < nfound; i++)
		free(found[i]);
	free(found);
	return r;
}

/* ---- Formatting --------------------------------------------------------- */

#define NCOL	5
#define CELL	40

/* Row r's cells after the topic (NULL: the totals), for what. */
static void
cells(const struct tide_kinspect *t, const struct tide_kinspect_row *r,
    enum tide_kinspect_what what, char c[NCOL][CELL])
{
	uint64_t count = 0;
	int64_t lag = 0, tsmin = -1, tsmax = -1;
	size_t i;

	memset(c, 0, NCOL * CELL);
	if (r == NULL) {
		for (i = 0; i < t->n; i++) {
			const struct tide_kinspect_row *x = &t->v[i];

			count += x->count;
			if (x->committed >= 0 && x->high > x->committed)
				lag += x->high - x->committed;
			if (x->tsmin >= 0 && (tsmin < 0 || x->tsmin < tsmin))
				tsmin = x->tsmin;
			if (x->tsmax > tsmax)
				tsmax = x->tsmax;
		}
		if (what == TIDE_KINSPECT_LAG)
			snprintf(c[3], CELL, "%lld", (long long)lag);
	} else {
		snprintf(c[0], CELL, "%d", (int)r->partition);
		count = r->count;
		tsmin = r->tsmin;
		tsmax = r->tsmax;
	}
	if (what == TIDE_KINSPECT_LAG && r) {
		if (r->committed >= 0) {
			snprintf(c[1], CELL, "%lld", (long long)r->committed);
			snprintf(c[3], CELL, "%lld", (long long)(r->high >
			    r->committed ? r->high - r->committed : 0));
		} else
			strcpy(c[1], "-"), strcpy(c[3], "-");
		snprintf(c[2], CELL, "%lld", (long long)r->high);
	}
	if (what == TIDE_KINSPECT_SUMMARY) {
		snprintf(c[1], CELL, "%llu", (unsigned long long)count);
		if (tsmin >= 0)
			tide_time_fmt(c[2], tsmin), tide_time_fmt(c[3], tsmax);
		else
			strcpy(c[2], "-"), strcpy(c[3], "-");
	}
}

static void
pad(struct tide_buf *b, const char *s, size_t w, int last)
{
	size_t n = strlen(s);

	tide_buf_adds(b, s);
	if (!last)
		while (n++ < w + 2)
			tide_buf_addc(b, ' ');
}

/* --lag and --summary: columns, a header, the rows, the totals. */
static void
fmt_table(const struct tide_kinspect *t, enum tide_kinspect_what what,
    struct tide_buf *b)
{
	static const char *const hlag[NCOL + 1] = { "topic", "partition",
	    "committed", "end", "lag", NULL };
	static const char *const hsum[NCOL + 1] = { "topic", "partition",
	    "count", "min_ts", "max_ts", NULL };
	const char *const *h = what == TIDE_KINSPECT_LAG ? hlag : hsum;
	char c[NCOL][CELL];
	size_t w[NCOL + 1], i, k, ncol = 5;
	int files = t->n && t->v[0].partition < 0;

	for (k = 0; k < ncol; k++)
		w[k] = strlen(h[k]);
	for (i = 0; i <= t->n; i++) {
		const struct tide_kinspect_row *r = i < t->n ? &t->v[i] : NULL;

		if (r && strlen(r->topic) > w[0])
			w[0] = strlen(r->topic);
		cells(t, r, what, c);
		for (k = 1; k < ncol; k++)
			if (strlen(c[k - 1]) > w[k])
				w[k] = strlen(c[k - 1]);
	}
	pad(b, files ? "file" : h[0], w[0], 0);
	for (k = 1 + files; k < ncol; k++)
		pad(b, h[k], w[k], k == ncol - 1);
	tide_buf_addc(b, '\n');
	for (i = 0; i <= t->n; i++) {
		const struct tide_kinspect_row *r = i < t->n ? &t->v[i] : NULL;

		cells(t, r, what, c);
		pad(b, r ? r->topic : "total", w[0], 0);
		for (k = 1 + files; k < ncol; k++)
			pad(b, c[k - 1], w[k], k == ncol - 1);
		/* The totals' empty cells leave trailing blanks: none. */
		while (b->len && b->data[b->len - 1] == ' ')
			b->len--;
		tide_buf_addc(b, '\n');
	}
}

static void
ids(struct tide_buf *b, const int32_t *v, int n, int json)
{
	int i;

	if (json)
		tide_buf_addc(b, '[');
	for (i = 0; i < n; i++)
		tide_buf_addf(b, "%s%d", i ? "," : "", (int)v[i]);
	if (json)
		tide_buf_addc(b, ']');
}

/* -L as kcat -L prints it, each partition with its watermarks. */
static void
fmt_list(const struct tide_kinspect *t, int json, struct tide_buf *b)
{
	size_t i, j, ntopics = 0, np;

	for (i = 0; i < t->n; i++)
		ntopics += i == 0 || strcmp(t->v[i].topic, t->v[i - 1].topic);
	if (json)
		tide_buf_adds(b, "{\"brokers\":[");
	else
		tide_buf_addf(b, " %zu brokers:\n", t->nbrokers);
	for (i = 0; i < t->nbrokers; i++) {
		if (!json) {
			tide_buf_addf(b, "  broker %d at %s\n",
			    (int)t->brokers[i].id, t->brokers[i].name);
			continue;
		}
		tide_buf_addf(b, "%s{\"id\":%d,\"name\":", i ? "," : "",
		    (int)t->brokers[i].id);
		tide_json_write_str(b, t->brokers[i].name,
		    strlen(t->brokers[i].name));
		tide_buf_addc(b, '}');
	}
	if (json)
		tide_buf_adds(b, "],\"topics\":[");
	else
		tide_buf_addf(b, " %zu topics:\n", ntopics);
	for (i = 0; i < t->n; i = j) {
		for (j = i; j < t->n && strcmp(t->v[j].topic, t->v[i].topic) == 0;
		    j++)
			;
		np = j - i;
		if (json) {
			tide_buf_adds(b, i ? ",{\"topic\":" : "{\"topic\":");
			tide_json_write_str(b, t->v[i].topic,
			    strlen(t->v[i].topic));
			tide_buf_adds(b, ",\"partitions\":[");
		} else
			tide_buf_addf(b, "  topic \"%s\" with %zu partitions:\n",
			    t->v[i].topic, np);
		for (np = i; np < j; np++) {
			const struct tide_kinspect_row *r = &t->v[np];

			tide_buf_addf(b, json ? "%s{\"partition\":%d,\"leader\":"
			    "%d,\"replicas\":" : "%s    partition %d, leader %d, "
			    "replicas: ", json && np > i ? "," : "",
			    (int)r->partition, (int)r->leader);
			ids(b, r->replicas, r->nreplicas, json);
			tide_buf_adds(b, json ? ",\"isrs\":" : ", isrs: ");
			ids(b, r->isrs, r->nisrs, json);
			tide_buf_addf(b, json ? ",\"low\":%lld,\"high\":%lld}" :
			    ", low %lld, high %lld\n", (long long)r->low,
			    (long long)r->high);
		}
		if (json)
			tide_buf_adds(b, "]}");
	}
	if (json)
		tide_buf_adds(b, "]}\n");
}

/* A number, or null when below 0. */
static void
num_or_null(struct tide_buf *b, const char *name, int64_t v)
{
	tide_buf_addf(b, ",\"%s\":", name);
	if (v < 0)
		tide_buf_adds(b, "null");
	else
		tide_buf_addf(b, "%lld", (long long)v);
}

static void
fmt_json(const struct tide_kinspect *t, enum tide_kinspect_what what,
    const char *group, struct tide_buf *b)
{
	uint64_t count = 0, none = 0;
	int64_t lag = 0, tsmin = -1, tsmax = -1;
	size_t i;

	tide_buf_addc(b, '{');
	if (what == TIDE_KINSPECT_LAG) {
		tide_buf_adds(b, "\"group\":");
		tide_json_write_str(b, group, strlen(group));
		tide_buf_addc(b, ',');
	}
	tide_buf_adds(b, t->n && t->v[0].partition < 0 ? "\"files\":[" :
	    "\"partitions\":[");
	for (i = 0; i < t->n; i++) {
		const struct tide_kinspect_row *r = &t->v[i];

		tide_buf_adds(b, i ? ",{" : "{");
		tide_buf_adds(b, r->partition < 0 ? "\"file\":" : "\"topic\":");
		tide_json_write_str(b, r->topic, strlen(r->topic));
		if (r->partition >= 0)
			tide_buf_addf(b, ",\"partition\":%d", (int)r->partition);
		if (what == TIDE_KINSPECT_LAG) {
			int64_t l = r->committed < 0 ? -1 : r->high >
			    r->committed ? r->high - r->committed : 0;

			num_or_null(b, "committed", r->committed);
			num_or_null(b, "end", r->high);
			num_or_null(b, "lag", l);
			if (l >= 0)
				lag += l;
			else
				none++;
		} else {
			tide_buf_addf(b, ",\"count\":%llu",
			    (unsigned long long)r->count);
			num_or_null(b, "min_ts", r->tsmin);
			num_or_null(b, "max_ts", r->tsmax);
			count += r->count;
			if (r->tsmin >= 0 && (tsmin < 0 || r->tsmin < tsmin))
				tsmin = r->tsmin;
			if (r->tsmax > tsmax)
				tsmax = r->tsmax;
		}
		tide_buf_addc(b, '}');
	}
	tide_buf_addc(b, ']');
	if (what == TIDE_KINSPECT_LAG)
		tide_buf_addf(b, ",\"lag\":%lld,\"uncommitted\":%llu",
		    (long long)lag, (unsigned long long)none);
	else {
		tide_buf_addf(b, ",\"count\":%llu", (unsigned long long)count);
		num_or_null(b, "min_ts", tsmin);
		num_or_null(b, "max_ts", tsmax);
	}
	tide_buf_adds(b, "}\n");
}

void
tide_kinspect_fmt(struct tide_kinspect *t, enum tide_kinspect_what what,
    int json, const char *group, struct tide_buf *b)
{
	tide_kinspect_sort(t);
	if (what == TIDE_KINSPECT_LIST)
		fmt_list(t, json, b);
	else if (json)
		fmt_json(t, what, group ? group : "", b);
	else
		fmt_table(t, what, b);
}
