/* A group member's commits and its part in the delivery: see kcommit.h. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "kafka/kcommit.h"
#include "time.h"
#include "xalloc.h"

static void say(void (*fn)(void *, const char *), void *ctx,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(void (*fn)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(ctx, msg);
}

static int64_t
now_ms(void)
{
	return tide_mono_us() / 1000;
}

void
tide_kcommit_init(struct tide_kcommit *c, struct tide_kparts *kp,
    rd_kafka_t *rk, struct tide_wout *out, int group)
{
	struct tide_barrier_offs z = TIDE_BARRIER_OFFS_INIT;

	memset(c, 0, sizeof(*c));
	c->kp = kp;
	c->rk = rk;
	c->out = out;
	c->group = group;
	c->ack_ms = 30000;
	c->md_timeout_ms = 10000;
	c->acked_seq = -1;
	c->boffs = z;
	c->acked = z;
	tide_buf_init(&c->bline, TIDE_BARRIER_MAXLINE);
}

int
tide_kcommit_start(struct tide_kcommit *c, const char *prog, int acked,
    int64_t interval_ms, struct tide_stage_err *err)
{
	int r;

	if (!c->group || !acked)
		return 0;
	tide_flow_init(&c->flow, TIDE_FLOW_HEAD, prog, interval_ms);
	if ((r = tide_flow_open(&c->flow, -1, c->out->fd, NULL, err)) < 0) {
		tide_flow_close(&c->flow);
		return r;
	}
	c->use_flow = c->flow.listening;
	if (!c->use_flow)
		tide_flow_close(&c->flow);
	return 0;
}

void
tide_kcommit_release(struct tide_kcommit *c)
{
	/* The flow was closed already unless it is in use. */
	if (c->use_flow)
		tide_flow_close(&c->flow);
	c->use_flow = 0;
	tide_barrier_offs_release(&c->boffs);
	tide_barrier_offs_release(&c->acked);
	tide_buf_release(&c->bline);
	free(c->resume_used);
	c->resume_used = NULL;
}

int
tide_kcommit_had_reader(const struct tide_kcommit *c)
{
	return c->use_flow && c->flow.had_reader;
}

int
tide_kcommit_due(const struct tide_kcommit *c, int64_t now, int64_t every_ms)
{
	return c->group && now - c->lastcommit >= every_ms;
}

/* Take what the readers acknowledged into c->acked. */
static void
take_acks(struct tide_kcommit *c, int64_t now)
{
	const struct tide_barrier_offs *a;
	size_t i, len;
	const char *t;
	int64_t seq;

	tide_flow_service(&c->flow, now);
	c->lastservice = now;
	if (c->flow.txn && !c->txn_said) {
		c->txn_said = 1;
		say(c->on_info, c->ctx, "the sink downstream commits the "
		    "group's offsets in its transactions: none are committed "
		    "here");
	}
	if ((a = tide_flow_commit_ready(&c->flow, &seq)) == NULL)
		return;
	tide_barrier_offs_reset(&c->acked);
	for (i = 0; i < a->n; i++) {
		t = tide_barrier_offs_topic(a, i, &len);
		if (tide_barrier_offs_set(&c->acked, t, len, a->v[i].partition,
		    a->v[i].next) < 0)
			return;
	}
	c->acked_seq = seq;
}

int
tide_kcommit_commit(struct tide_kcommit *c, int async, int only_unassigned)
{
	int64_t now = now_ms();
	int r;

	if (!c->group)
		return 0;
	c->lastcommit = now;
	if (c->use_flow) {
		take_acks(c, now);
		switch (tide_flow_mode(&c->flow, now)) {
		case TIDE_FLOW_WAIT:
			return 0;
		case TIDE_FLOW_ACKED:
			/* A transactional sink commits them with its output. */
			if (c->acked_seq < 0 || c->flow.txn)
				return 0;
			r = tide_kparts_commit_offs(c->kp, c->rk, &c->acked,
			    async, only_unassigned, &c->err);
			goto done;
		case TIDE_FLOW_WRITTEN:
			break;
		}
	}
	r = tide_kparts_commit(c->kp, c->rk, async, only_unassigned, &c->err);
done:
	if (r < 0)
		say(c->on_warn, c->ctx, "commit failed: %s", c->err.msg);
	return r;
}

int
tide_kcommit_flush(struct tide_kcommit *c, int async)
{
	int r;

	if ((r = tide_wout_flush(c->out)) < 0)
		return r;
	tide_kcommit_commit(c, async, 0);
	return 0;
}

/* A transactional sink downstream commits the offsets with the group's
 * metadata, as of now: the barrier carries it (its generation changes
 * with each rebalance).  None (not in a group yet): the barrier goes
 * without, and the sink commits its transaction without offsets. */
static void
group_metadata(struct tide_kcommit *c)
{
	rd_kafka_consumer_group_metadata_t *md;
	rd_kafka_error_t *e;
	void *p;
	size_t n;

	tide_buf_reset(&c->flow.group);
	if ((md = rd_kafka_consumer_group_metadata(c->rk)) == NULL)
		return;
	if ((e = rd_kafka_consumer_group_metadata_write(md, &p, &n)) != NULL)
		rd_kafka_error_destroy(e);
	else {
		if (tide_buf_add(&c->flow.group, p, n) < 0)
			tide_buf_reset(&c->flow.group);
		rd_kafka_mem_free(c->rk, p);
	}
	rd_kafka_consumer_group_metadata_destroy(md);
}

/* Write a barrier (the final one with final) after what was written, and
 * flush.  Its sequence number; -1 when there is none (the offsets or the
 * line too big); the write's code in *werr. */
static int64_t
barrier(struct tide_kcommit *c, int final, int64_t now, int *werr)
{
	int64_t seq;

	*werr = 0;
	if (tide_kparts_offsets(c->kp, &c->boffs) < 0)
		return -1;
	if (c->flow.txn)
		group_metadata(c);
	tide_buf_reset(&c->bline);
	if ((seq = tide_flow_barrier(&c->flow, &c->boffs, final, &c->bline,
	    now)) < 0)
		return -1;
	if ((*werr = tide_wout_add(c->out, c->bline.data, c->bline.len)) < 0 ||
	    (*werr = tide_wout_flush(c->out)) < 0)
		return -1;
	return seq;
}

int
tide_kcommit_tick(struct tide_kcommit *c, int64_t now)
{
	int werr = 0;

	if (!c->use_flow || now - c->lastservice < 10)
		return 0;
	take_acks(c, now);
	if (tide_flow_barrier_due(&c->flow, now)) {
		barrier(c, 0, now, &werr);
		if (werr < 0)
			return werr;
	}
	if (tide_flow_overdue(&c->flow, now, c->ack_ms))
		say(c->on_warn, c->ctx, "%s", tide_flow_why(&c->flow, now));
	return 0;
}

int
tide_kcommit_finish(struct tide_kcommit *c)
{
	int64_t now = now_ms(), seq;
	int r;

	if (!c->use_flow)
		return tide_kcommit_flush(c, 0);
	if ((r = tide_wout_flush(c->out)) < 0)
		return r;
	/* While a reader may still say hello (the first moments of a run),
	 * wait for that first. */
	while (tide_flow_mode(&c->flow, now) == TIDE_FLOW_WAIT) {
		take_acks(c, now);
		if (tide_flow_mode(&c->flow, now) != TIDE_FLOW_WAIT)
			break;
		poll(NULL, 0, 20);
		now = now_ms();
	}
	if (tide_flow_mode(&c->flow, now) == TIDE_FLOW_WRITTEN) {
		tide_kcommit_commit(c, 0, 0);
		return 0;
	}
	seq = barrier(c, 1, now, &r);
	if (r < 0)
		return r;
	/* End of file for the stage that reads us: it drains. */
	if (close(c->out->fd) < 0 && errno != EINTR)
		return TIDE_EIO;
	if (seq >= 0 && !tide_flow_linger(&c->flow, seq, c->ack_ms) &&
	    tide_flow_readers(&c->flow) > 0)
		say(c->on_warn, c->ctx, "the final barrier was not acknowledged "
		    "within %llds", (long long)(c->ack_ms / 1000));
	tide_kcommit_commit(c, 0, 0);
	if (c->acked_seq < seq)
		say(c->on_warn, c->ctx, "nothing is committed past barrier "
		    "%lld of %lld", (long long)c->acked_seq, (long long)seq);
	return 0;
}

/* -e in a group: a partition ends at its high watermark as of its
 * assignment, so a member of a group with a steady producer still ends.
 * Without an answer from the broker it ends at the first end of partition
 * instead. */
static void
set_end(struct tide_kcommit *c, rd_kafka_t *rk, struct tide_kpart *p)
{
	struct tide_kconsumer_err err;

	if (tide_kparts_set_end(c->kp, rk, p, c->md_timeout_ms, &err) < 0) {
		say(c->on_warn, c->ctx, "watermarks of '%s' [%" PRId32 "]: %s; "
		    "-e ends it at the first end of partition", p->topic,
		    p->partition, err.msg);
		return;
	}
	say(c->on_info, c->ctx, "'%s' [%" PRId32 "]: -e ends at offset %"
	    PRId64, p->topic, p->partition, p->end);
}

/*
 * Exactly once (doc/DELIVERY.md section 3): before the first assignment
 * is taken, the readers' hellos are waited for until they have reached a
 * sink (tide_flow_settled()), so the offsets an exactly-once sink recorded
 * with its output are known before anything is fetched.
 */
static void
await_resume(struct tide_kcommit *c)
{
	const struct tide_barrier_offs *r;
	int64_t now = now_ms();

	if (!c->use_flow || c->resume_taken)
		return;
	while (!tide_flow_settled(&c->flow, now)) {
		poll(NULL, 0, 10);
		now = now_ms();
		tide_flow_service(&c->flow, now);
	}
	c->resume_taken = 1;
	if ((r = tide_flow_resume(&c->flow)) == NULL)
		return;
	c->nresume = r->n;
	c->resume_used = tide_xcalloc(r->n ? r->n : 1, 1);
}

/* Whether the recorded offset at fits e's partition, as --resume's check
 * (tide_kparts_resume()): past its end, the record is not of this topic
 * (0: not taken, said); below its start, records were deleted before they
 * were read (*at moved up, said).  Without an answer from the broker it
 * is taken as it is. */
static int
resume_fits(struct tide_kcommit *c, rd_kafka_t *rk,
    const rd_kafka_topic_partition_t *e, int64_t *at)
{
	int64_t low, high;

	if (rd_kafka_query_watermark_offsets(rk, e->topic, e->partition, &low,
	    &high, c->md_timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return 1;
	if (*at > high) {
		say(c->on_warn, c->ctx, "'%s' [%" PRId32 "]: the sink downstream "
		    "recorded offset %" PRId64 ", past the partition's end (%"
		    PRId64 "): not a record of this topic; the group's offset "
		    "is used", e->topic, e->partition, *at, high);
		return 0;
	}
	if (*at < low) {
		say(c->on_warn, c->ctx, "'%s' [%" PRId32 "]: the sink downstream "
		    "recorded offset %" PRId64 ", and offsets up to %" PRId64
		    " were deleted before they were read: it starts at %" PRId64,
		    e->topic, e->partition, *at, low - 1, low);
		*at = low;
	}
	return 1;
}

/* A partition's first assignment starts where the sink recorded its
 * output, when it did: over the group's committed offset, which never is
 * past it (a commit follows the sink's acknowledgement). */
static void
resume_at(struct tide_kcommit *c, rd_kafka_t *rk,
    rd_kafka_topic_partition_t *e)
{
	const struct tide_barrier_offs *r = tide_flow_resume(&c->flow);
	size_t i, len;
	const char *t;
	int64_t at;

	if (!c->use_flow || r == NULL)
		return;
	for (i = 0; i < r->n && i < c->nresume; i++) {
		t = tide_barrier_offs_topic(r, i, &len);
		if (r->v[i].partition != e->partition ||
		    strlen(e->topic) != len || memcmp(e->topic, t, len) != 0)
			continue;
		if (c->resume_used[i])
			return;
		c->resume_used[i] = 1;
		at = r->v[i].next;
		if (!resume_fits(c, rk, e, &at))
			return;
		e->offset = at;
		say(c->on_info, c->ctx, "'%s' [%" PRId32 "]: starts at offset %"
		    PRId64 ", where the sink downstream recorded its output",
		    e->topic, e->partition, e->offset);
		return;
	}
}

int
tide_kcommit_rebalance(struct tide_kcommit *c, rd_kafka_t *rk,
    rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *tl)
{
	int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	struct tide_kpart *p;
	int i, r;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		await_resume(c);
		for (i = 0; i < tl->cnt; i++) {
			p = tide_kparts_assigned(c->kp, tl->elems[i].topic,
			    tl->elems[i].partition);
			resume_at(c, rk, &tl->elems[i]);
			if (c->kp->exit_eof)
				set_end(c, rk, p);
		}
		say(c->on_info, c->ctx, "assigned %d partition(s)", tl->cnt);
		if (coop)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, tl));
		else
			rd_kafka_assign(rk, tl);
		return 0;
	}
	for (i = 0; i < tl->cnt; i++)
		tide_kparts_revoked(c->kp, tl->elems[i].topic,
		    tl->elems[i].partition);
	if ((r = tide_wout_flush(c->out)) < 0)
		return r;
	if (!rd_kafka_assignment_lost(rk))
		tide_kcommit_commit(c, 0, 1);
	say(c->on_info, c->ctx, "revoked %d partition(s)", tl->cnt);
	if (coop)
		rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, tl));
	else
		rd_kafka_assign(rk, NULL);
	return 0;
}
