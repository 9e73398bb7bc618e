/* The partition table of a consumer: see kparts.h. */
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "kafka/kdown.h"
#include "kafka/kparts.h"
#include "sig.h"
#include "xalloc.h"

void
tide_kparts_init(struct tide_kparts *kp, char *const *names, size_t n,
    int group, int exit_eof)
{
	memset(kp, 0, sizeof(*kp));
	kp->names = tide_xreallocarray(NULL, n + 1, sizeof(*kp->names));
	if (n)
		memcpy(kp->names, names, n * sizeof(*names));
	kp->nnames = kp->nseed = n;
	kp->group = group;
	kp->exit_eof = exit_eof;
}

void
tide_kparts_release(struct tide_kparts *kp)
{
	size_t i;

	for (i = kp->nseed; i < kp->nnames; i++)
		free(kp->names[i]);
	free(kp->names);
	free(kp->v);
	memset(kp, 0, sizeof(*kp));
}

struct tide_kpart *
tide_kparts_find(struct tide_kparts *kp, const char *topic, int32_t partition)
{
	size_t i;

	if (kp->last < kp->n && kp->v[kp->last].partition == partition &&
	    strcmp(kp->v[kp->last].topic, topic) == 0)
		return &kp->v[kp->last];
	for (i = 0; i < kp->n; i++)
		if (kp->v[i].partition == partition &&
		    strcmp(kp->v[i].topic, topic) == 0) {
			kp->last = i;
			return &kp->v[i];
		}
	return NULL;
}

struct tide_kpart *
tide_kparts_add(struct tide_kparts *kp, const char *topic, int32_t partition)
{
	struct tide_kpart *p;
	size_t i;

	for (i = 0; i < kp->nnames; i++)
		if (strcmp(kp->names[i], topic) == 0)
			break;
	if (i == kp->nnames) {
		/* A topic matched by a pattern: keep its name. */
		kp->names = tide_xreallocarray(kp->names, kp->nnames + 1,
		    sizeof(*kp->names));
		kp->names[kp->nnames++] = tide_xstrdup(topic);
	}
	if (kp->n == kp->cap) {
		kp->cap = kp->cap ? 2 * kp->cap : 16;
		kp->v = tide_xreallocarray(kp->v, kp->cap, sizeof(*kp->v));
	}
	p = &kp->v[kp->n++];
	memset(p, 0, sizeof(*p));
	p->topic = kp->names[i];
	p->partition = partition;
	p->end = -1;
	p->next = p->committed = -1;
	return p;
}

void
tide_kparts_done(struct tide_kparts *kp, struct tide_kpart *p)
{
	if (!p->done) {
		p->done = 1;
		kp->ndone++;
	}
}

static void
undone(struct tide_kparts *kp, struct tide_kpart *p)
{
	if (p->done) {
		p->done = 0;
		kp->ndone--;
	}
}

int
tide_kparts_all_done(const struct tide_kparts *kp)
{
	size_t i, nassigned = 0;

	if (!kp->group)
		return kp->n > 0 && kp->ndone == kp->n;
	if (!kp->exit_eof)
		return 0;
	for (i = 0; i < kp->n; i++)
		if (kp->v[i].assigned) {
			nassigned++;
			if (!kp->v[i].done)
				return 0;
		}
	return nassigned > 0;
}

static int
wanted(const int32_t *want, size_t nwant, int32_t id)
{
	size_t i;

	if (nwant == 0)
		return 1;
	for (i = 0; i < nwant; i++)
		if (want[i] == id)
			return 1;
	return 0;
}

/* The topics of md that name (a name, or a ^pattern) matches. */
static int
discover_name(struct tide_kparts *kp, const struct rd_kafka_metadata *md,
    const char *name, const int32_t *want, size_t nwant,
    struct tide_kconsumer_err *err)
{
	regex_t re;
	size_t k;
	int j, t, found = 0, pat = name[0] == '^';

	if (pat && regcomp(&re, name, REG_EXTENDED | REG_NOSUB) != 0) {
		snprintf(err->msg, sizeof(err->msg), "-t: bad regular "
		    "expression '%.400s'", name);
		return TIDE_EINVAL;
	}
	for (t = 0; t < md->topic_cnt; t++) {
		const struct rd_kafka_metadata_topic *mt = &md->topics[t];

		if (pat ? regexec(&re, mt->topic, 0, NULL, 0) != 0 ||
		    strncmp(mt->topic, "__", 2) == 0 :
		    strcmp(mt->topic, name) != 0)
			continue;
		if (mt->err && mt->partition_cnt == 0)
			continue;
		found = 1;
		if (kp->group)
			continue;
		for (j = 0; j < mt->partition_cnt; j++)
			if (wanted(want, nwant, mt->partitions[j].id) &&
			    tide_kparts_find(kp, mt->topic,
			    mt->partitions[j].id) == NULL)
				tide_kparts_add(kp, mt->topic,
				    mt->partitions[j].id);
		for (k = 0; k < nwant; k++) {
			for (j = 0; j < mt->partition_cnt; j++)
				if (mt->partitions[j].id == want[k])
					break;
			if (j == mt->partition_cnt) {
				snprintf(err->msg, sizeof(err->msg), "topic "
				    "'%.400s' has no partition %" PRId32,
				    mt->topic, want[k]);
				if (pat)
					regfree(&re);
				return TIDE_ENOENT;
			}
		}
	}
	if (pat)
		regfree(&re);
	if (!found && !pat) {
		snprintf(err->msg, sizeof(err->msg), "topic '%.400s' not found",
		    name);
		return TIDE_ENOENT;
	}
	if (!found && kp->on_warn) {
		char msg[512];

		snprintf(msg, sizeof(msg), "no topic matches '%.400s' yet",
		    name);
		kp->on_warn(kp->ctx, msg);
	}
	return 0;
}

int
tide_kparts_discover(struct tide_kparts *kp, rd_kafka_t *rk,
    const int32_t *want, size_t nwant, int timeout_ms,
    struct tide_kconsumer_err *err)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	size_t i, n = kp->nnames;
	int r = 0;

	if ((e = tide_kdown_metadata(rk, 1, NULL, &md, timeout_ms)) != 0) {
		if (e == RD_KAFKA_RESP_ERR__INTR) {
			snprintf(err->msg, sizeof(err->msg), "interrupted by "
			    "%s while waiting for the brokers", tide_sig_name());
			return TIDE_EINTR;
		}
		snprintf(err->msg, sizeof(err->msg), "%s", rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	/* Only the names given: those a pattern adds are matched topics. */
	for (i = 0; i < n && r == 0; i++)
		r = discover_name(kp, md, kp->names[i], want, nwant, err);
	rd_kafka_metadata_destroy(md);
	return r;
}

int
tide_kparts_resolve(struct tide_kparts *kp, struct tide_kconsumer *kc,
    size_t name, const struct tide_offspec *from,
    const struct tide_offspec *to, int timeout_ms, size_t *base,
    struct tide_kconsumer_err *err)
{
	const char *topic = kp->names[name];
	struct tide_prange *r;
	size_t j, n;

	/* A topic's parts were added together. */
	for (n = 0, *base = kp->n, j = 0; j < kp->n; j++)
		if (kp->v[j].topic == topic) {
			if (*base == kp->n)
				*base = j;
			n++;
		}
	if (n == 0)
		return 0;
	r = tide_xcalloc(n, sizeof(*r));
	for (j = 0; j < n; j++)
		r[j].partition = kp->v[*base + j].partition;
	if (tide_kconsumer_resolve(kc, topic, r, n, from, to, timeout_ms,
	    err) < 0) {
		free(r);
		return TIDE_EKAFKA;
	}
	for (j = 0; j < n; j++) {
		struct tide_kpart *p = &kp->v[*base + j];

		p->start = r[j].start;
		p->end = r[j].end;
		p->low = r[j].low;
		p->high = r[j].high;
	}
	free(r);
	return (int)n;
}

int
tide_kparts_resume(struct tide_kpart *p, int64_t at)
{
	int r = 0;

	if (at < 0)
		return 0;
	if (at > p->high)
		return TIDE_ERANGE;
	if (at < p->low) {
		at = p->low;
		r = 1;
	}
	p->start = p->end >= 0 && at > p->end ? p->end : at;
	return r;
}

void
tide_kparts_range_json(const struct tide_kpart *p, struct tide_buf *b)
{
	tide_buf_adds(b, "{\"topic\":");
	tide_json_write_str(b, p->topic, strlen(p->topic));
	tide_buf_addf(b, ",\"partition\":%" PRId32 ",\"low\":%" PRId64
	    ",\"high\":%" PRId64 ",\"start\":", p->partition, p->low, p->high);
	if (p->start == RD_KAFKA_OFFSET_STORED)
		tide_buf_adds(b, "\"stored\"");
	else
		tide_buf_addi64(b, p->start);
	tide_buf_adds(b, ",\"end\":");
	if (p->end < 0)
		tide_buf_adds(b, "null");
	else
		tide_buf_addi64(b, p->end);
	tide_buf_adds(b, "}\n");
}

int
tide_kparts_assign(struct tide_kparts *kp, rd_kafka_t *rk,
    struct tide_kconsumer_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e = 0;
	size_t i;

	tl = rd_kafka_topic_partition_list_new((int)kp->n);
	for (i = 0; i < kp->n; i++) {
		struct tide_kpart *p = &kp->v[i];

		if (p->end >= 0 && p->start != RD_KAFKA_OFFSET_STORED &&
		    p->start >= p->end) {
			/* An empty range: nothing to wait for. */
			tide_kparts_done(kp, p);
			continue;
		}
		p->assigned = 1;
		rd_kafka_topic_partition_list_add(tl, p->topic,
		    p->partition)->offset = p->start;
	}
	if (tl->cnt)
		e = rd_kafka_assign(rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
	if (e) {
		snprintf(err->msg, sizeof(err->msg), "%s", rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	return 0;
}

int
tide_kparts_subscribe(struct tide_kparts *kp, rd_kafka_t *rk,
    struct tide_kconsumer_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e;
	size_t i;

	tl = rd_kafka_topic_partition_list_new((int)kp->nseed);
	for (i = 0; i < kp->nseed; i++)
		rd_kafka_topic_partition_list_add(tl, kp->names[i],
		    RD_KAFKA_PARTITION_UA);
	e = rd_kafka_subscribe(rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
	if (e) {
		snprintf(err->msg, sizeof(err->msg), "%s", rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	return 0;
}

uint64_t
tide_kparts_total(const struct tide_kparts *kp)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < kp->n; i++) {
		if (kp->v[i].end < 0)
			return 0;
		t += (uint64_t)(kp->v[i].end - kp->v[i].start);
	}
	return t;
}

struct tide_kpart *
tide_kparts_assigned(struct tide_kparts *kp, const char *topic,
    int32_t partition)
{
	struct tide_kpart *p;

	if ((p = tide_kparts_find(kp, topic, partition)) == NULL)
		p = tide_kparts_add(kp, topic, partition);
	p->assigned = 1;
	undone(kp, p);
	p->next = p->committed = -1;
	p->end = -1;
	return p;
}

void
tide_kparts_revoked(struct tide_kparts *kp, const char *topic,
    int32_t partition)
{
	struct tide_kpart *p;

	if ((p = tide_kparts_find(kp, topic, partition)) != NULL) {
		p->assigned = 0;
		undone(kp, p);
	}
}

int
tide_kparts_set_end(struct tide_kparts *kp, rd_kafka_t *rk,
    struct tide_kpart *p, int timeout_ms, struct tide_kconsumer_err *err)
{
	rd_kafka_resp_err_t e;
	int64_t low, high;

	(void)kp;
	e = rd_kafka_query_watermark_offsets(rk, p->topic, p->partition, &low,
	    &high, timeout_ms);
	if (e) {
		snprintf(err->msg, sizeof(err->msg), "%s", rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	p->end = high;
	return 0;
}

void
tide_kparts_eof(struct tide_kparts *kp, const char *topic, int32_t partition,
    int64_t offset)
{
	struct tide_kpart *p = tide_kparts_find(kp, topic, partition);

	if (p == NULL)
		return;
	/* Every offset before the end of the partition has been handled,
	 * or was never delivered (transaction markers, aborted records):
	 * commit there, so that the group does not start on them again and
	 * its lag reaches 0.  Not past the end of the range: what lies
	 * beyond it was fetched but not written. */
	if (kp->group && p->assigned && offset > p->next &&
	    (p->end < 0 || offset <= p->end))
		p->next = offset;
	if (p->end >= 0 ? tide_kconsumer_ended(p->end, offset) :
	    kp->group && kp->exit_eof)
		tide_kparts_done(kp, p);
}

int
tide_kparts_msg(struct tide_kparts *kp, const char *topic, int32_t partition,
    int64_t offset)
{
	struct tide_kpart *p = tide_kparts_find(kp, topic, partition);

	if (p == NULL || p->done)
		return 0;
	if (tide_kconsumer_ended(p->end, offset)) {
		/* Fetched past the end of the range: the offsets before it
		 * that never came were transaction markers or aborted
		 * records.  Done now, not at the end of the partition,
		 * which on a busy topic may be far off. */
		if (!kp->group || p->assigned)
			tide_kparts_done(kp, p);
		return 0;
	}
	if (kp->group && !p->assigned)
		return 0;
	p->next = offset + 1;
	if (tide_kconsumer_ended(p->end, p->next))
		tide_kparts_done(kp, p);
	return 1;
}

int
tide_kparts_commit(struct tide_kparts *kp, rd_kafka_t *rk, int async,
    int only_unassigned, struct tide_kconsumer_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e = 0;
	size_t i;

	tl = rd_kafka_topic_partition_list_new(8);
	for (i = 0; i < kp->n; i++) {
		struct tide_kpart *p = &kp->v[i];

		if (p->next > p->committed && (!only_unassigned || !p->assigned))
			rd_kafka_topic_partition_list_add(tl, p->topic,
			    p->partition)->offset = p->next;
	}
	if (tl->cnt > 0) {
		e = rd_kafka_commit(rk, tl, async);
		if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
			snprintf(err->msg, sizeof(err->msg), "%s",
			    rd_kafka_err2str(e));
		else {
			e = 0;
			for (i = 0; i < kp->n; i++)
				if (!only_unassigned || !kp->v[i].assigned)
					kp->v[i].committed = kp->v[i].next;
		}
	}
	rd_kafka_topic_partition_list_destroy(tl);
	return e ? TIDE_EKAFKA : 0;
}

int
tide_kparts_offsets(const struct tide_kparts *kp, struct tide_barrier_offs *o)
{
	size_t i;
	int r;

	tide_barrier_offs_reset(o);
	for (i = 0; i < kp->n; i++) {
		const struct tide_kpart *p = &kp->v[i];

		if (p->next >= 0 && (r = tide_barrier_offs_set(o, p->topic,
		    strlen(p->topic), p->partition, p->next)) < 0)
			return r;
	}
	return 0;
}

int
tide_kparts_commit_offs(struct tide_kparts *kp, rd_kafka_t *rk,
    const struct tide_barrier_offs *o, int async, int only_unassigned,
    struct tide_kconsumer_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e = 0;
	int64_t *want;
	size_t i;

	want = tide_xcalloc(kp->n ? kp->n : 1, sizeof(*want));
	tl = rd_kafka_topic_partition_list_new(8);
	for (i = 0; i < kp->n; i++) {
		struct tide_kpart *p = &kp->v[i];

		want[i] = -1;
		if (only_unassigned ? p->assigned : !p->assigned)
			continue;
		want[i] = tide_barrier_offs_get(o, p->topic, strlen(p->topic),
		    p->partition);
		if (want[i] > p->committed)
			rd_kafka_topic_partition_list_add(tl, p->topic,
			    p->partition)->offset = want[i];
		else
			want[i] = -1;
	}
	if (tl->cnt > 0) {
		e = rd_kafka_commit(rk, tl, async);
		if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
			snprintf(err->msg, sizeof(err->msg), "%s",
			    rd_kafka_err2str(e));
		else {
			e = 0;
			for (i = 0; i < kp->n; i++)
				if (want[i] >= 0)
					kp->v[i].committed = want[i];
		}
	}
	rd_kafka_topic_partition_list_destroy(tl);
	free(want);
	return e ? TIDE_EKAFKA : 0;
}
