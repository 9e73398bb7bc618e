/*
 * A Kafka topic as one side of an interval join: see kstream.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "time.h"
#include "xalloc.h"
#include "kafka/kdown.h"
#include "kafka/kstream.h"

static void
say(struct tide_kstream *ks, enum tide_kstream_say level, const char *fmt,
    const char *a)
{
	char msg[1024];

	if (ks->conf.say == NULL)
		return;
	snprintf(msg, sizeof(msg), fmt, ks->conf.name, a);
	ks->conf.say(ks->conf.ctx, level, msg);
}

int
tide_kstream_open(struct tide_kstream *ks, const struct tide_kstream_conf *conf,
    struct tide_kstream_err *err)
{
	/* assign() needs a group id; nothing joins a group. */
	static const char *const extra[] = { "group.id=tide-join", NULL };
	struct tide_offspec from = { TIDE_OFF_BEGINNING, 0 };
	struct tide_offspec to = { TIDE_OFF_END, 0 };
	struct tide_kconsumer_err kerr;
	rd_kafka_conf_t *kconf;
	int n;
	size_t i;

	memset(ks, 0, sizeof(*ks));
	memset(err, 0, sizeof(*err));
	ks->conf = *conf;
	ks->evfd[0] = ks->evfd[1] = -1;
	tide_kconsumer_init(&ks->kc, conf->down_ms, conf->every_ms);
	snprintf(ks->prefix, sizeof(ks->prefix), "%s: ", conf->name);
	ks->kc.kd.prefix = ks->prefix;
	ks->kc.kd.on_fatal = conf->on_fatal;
	ks->kc.kd.ctx = conf->ctx;
	if (tide_kconsumer_conf(&ks->kc, conf->kc, "tide-join", extra, 0,
	    &kconf, &kerr) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		err->usage = 1;
		return TIDE_EINVAL;
	}
	if (tide_kconsumer_open(&ks->kc, kconf, TIDE_KCONSUMER_NOSIGNALS,
	    &kerr) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", conf->name,
		    kerr.msg);
		return TIDE_EKAFKA;
	}
	ks->open = 1;
	err->unavailable = 1;
	if ((n = tide_kconsumer_partitions(&ks->kc, conf->topic, NULL, 0,
	    (int)conf->every_ms, &ks->r, &kerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s%s%s", conf->name,
		    kerr.msg, n == TIDE_EKAFKA && ks->kc.kd.lasterr[0] ?
		    ": " : "", n == TIDE_EKAFKA ? ks->kc.kd.lasterr : "");
		ks->r = NULL;
		return TIDE_EKAFKA;
	}
	ks->nparts = (size_t)n;
	ks->next = tide_xcalloc((size_t)n + 1, sizeof(*ks->next));
	if (tide_kconsumer_resolve(&ks->kc, conf->topic, ks->r, ks->nparts,
	    &from, &to, (int)conf->every_ms, &kerr) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", conf->name,
		    kerr.msg);
		return TIDE_EKAFKA;
	}
	ks->p = tide_xcalloc(ks->nparts + 1, sizeof(*ks->p));
	for (i = 0; i < ks->nparts; i++) {
		ks->next[i] = ks->r[i].low;
		ks->p[i].max = INT64_MIN;
	}
	if (pipe(ks->evfd) < 0) {
		snprintf(err->msg, sizeof(err->msg), "pipe: %s",
		    strerror(errno));
		err->unavailable = 0;
		ks->evfd[0] = ks->evfd[1] = -1;
		return TIDE_EIO;
	}
	fcntl(ks->evfd[0], F_SETFL, O_NONBLOCK);
	fcntl(ks->evfd[1], F_SETFL, O_NONBLOCK);
	rd_kafka_queue_io_event_enable(ks->kc.q, ks->evfd[1], "1", 1);
	if (tide_kconsumer_assign(&ks->kc, conf->topic, ks->r, ks->nparts,
	    TIDE_KCONSUMER_FOLLOW, &kerr) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: cannot assign "
		    "partitions", conf->name);
		return TIDE_EKAFKA;
	}
	return 0;
}

void
tide_kstream_set_wall(struct tide_kstream *ks, int64_t wall)
{
	size_t i;

	for (i = 0; i < ks->nparts; i++)
		ks->p[i].wall = wall;
}

void
tide_kstream_close(struct tide_kstream *ks)
{
	if (!ks->open)
		return;
	if (ks->m)
		rd_kafka_message_destroy(ks->m);
	if (ks->evfd[0] >= 0)
		rd_kafka_queue_io_event_enable(ks->kc.q, -1, NULL, 0);
	tide_kconsumer_close(&ks->kc, TIDE_KCONSUMER_UNASSIGN);
	if (ks->evfd[0] >= 0) {
		close(ks->evfd[0]);
		close(ks->evfd[1]);
	}
	free(ks->r);
	free(ks->next);
	free(ks->p);
	memset(ks, 0, sizeof(*ks));
}

static size_t
part_of(const struct tide_kstream *ks, int32_t partition)
{
	size_t i;

	for (i = 0; i < ks->nparts && ks->r[i].partition != partition; i++)
		;
	return i;
}

int
tide_kstream_caught_up(const struct tide_kstream *ks)
{
	size_t i;

	for (i = 0; i < ks->nparts; i++)
		if (ks->next[i] < ks->r[i].end)
			return 0;
	return 1;
}

int
tide_kstream_set_end(struct tide_kstream *ks, struct tide_kstream_err *err)
{
	int64_t low, high;
	size_t i;
	rd_kafka_resp_err_t e;

	for (i = 0; i < ks->nparts; i++) {
		e = rd_kafka_query_watermark_offsets(ks->kc.rk, ks->conf.topic,
		    ks->r[i].partition, &low, &high, (int)ks->conf.every_ms);
		if (e) {
			snprintf(err->msg, sizeof(err->msg), "%s: partition %"
			    PRId32 ": %s", ks->conf.name, ks->r[i].partition,
			    rd_kafka_err2str(e));
			return TIDE_EKAFKA;
		}
		if (high > ks->r[i].end)
			ks->r[i].end = high;
	}
	return 0;
}

int
tide_kstream_next(struct tide_kstream *ks, struct tide_ijside *s,
    struct tide_kstream_err *err)
{
	rd_kafka_message_t *m;
	char drain[64], back[512];
	int64_t len;
	size_t i;

	s->have = 0;
	if (ks->m) {
		rd_kafka_message_destroy(ks->m);
		ks->m = NULL;
	}
	/* Drain the wake-up pipe before looking at the queue, so a message
	 * queued after the look writes a byte that is not lost. */
	while (read(ks->evfd[0], drain, sizeof(drain)) > 0)
		;
	while ((m = rd_kafka_consumer_poll(ks->kc.rk, 0)) != NULL) {
		enum tide_kev ev = tide_kconsumer_event(&ks->kc, m);

		i = part_of(ks, m->partition);
		if ((ev == TIDE_KEV_MSG || ev == TIDE_KEV_EOF) &&
		    tide_kconsumer_up(&ks->kc, &len)) {
			tide_kdown_say_back(&ks->kc.kd, len, back,
			    sizeof(back));
			say(ks, TIDE_KSTREAM_WARN, "%s: %s", back);
		}
		if (ev != TIDE_KEV_MSG) {
			if (ev == TIDE_KEV_EOF) {
				if (i < ks->nparts && m->offset > ks->next[i])
					ks->next[i] = m->offset;
			} else if (ev == TIDE_KEV_GONE || ev == TIDE_KEV_FATAL) {
				snprintf(err->msg, sizeof(err->msg), "%s: %s",
				    ks->conf.name, rd_kafka_message_errstr(m));
				rd_kafka_message_destroy(m);
				return TIDE_EKAFKA;
			} else
				say(ks, TIDE_KSTREAM_INFO, "%s: %s",
				    rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		if (i < ks->nparts && m->offset + 1 > ks->next[i])
			ks->next[i] = m->offset + 1;
		snprintf(ks->src, sizeof(ks->src), "%s partition %" PRId32,
		    ks->conf.src, m->partition);
		/* Held until the next call: a good head's bytes, or a bad
		 * one's for its report. */
		ks->m = m;
		s->path = ks->src;
		s->lineno = (uint64_t)m->offset;
		s->line = m->payload ? m->payload : "";
		s->len = m->payload ? m->len : 0;
		s->wall = tide_mono_us() / 1000;
		if (m->payload == NULL) {
			snprintf(err->msg, sizeof(err->msg), "message value is "
			    "null");
			return TIDE_IJSIDE_BAD;
		}
		if (m->len > ks->conf.maxrec) {
			snprintf(err->msg, sizeof(err->msg), "record longer "
			    "than %zu bytes", ks->conf.maxrec);
			s->len = 0;
			return TIDE_IJSIDE_BAD;
		}
		if (tide_ijside_check(s, err->msg, sizeof(err->msg)) < 0)
			return TIDE_IJSIDE_BAD;
		if (i < ks->nparts) {
			if (s->ts > ks->p[i].max)
				ks->p[i].max = s->ts;
			ks->p[i].wall = s->wall;
		}
		s->have = 1;
		return 1;
	}
	return TIDE_EAGAIN;
}

int64_t
tide_kstream_hold(const struct tide_kstream *ks, int64_t idle, int64_t now)
{
	int64_t low = INT64_MAX;
	size_t i;

	/* tide_wm_low(), but a partition behind the topic's end holds the
	 * watermark even when quiet. */
	for (i = 0; i < ks->nparts; i++) {
		const struct tide_wm_part *p = &ks->p[i];

		if (ks->next[i] >= ks->r[i].end && tide_wm_quiet(p, idle, now))
			continue;
		if (p->max < low)
			low = p->max;
	}
	return low;
}

int
tide_kstream_outage(struct tide_kstream *ks, struct tide_kstream_err *err)
{
	enum tide_kdown_act act;
	char words[512];

	act = tide_kconsumer_outage(&ks->kc, 100, 1000, words, sizeof(words));
	if (act == TIDE_KDOWN_BACK || act == TIDE_KDOWN_NOTE)
		say(ks, TIDE_KSTREAM_WARN, "%s: %s", words);
	if (act != TIDE_KDOWN_GIVE_UP)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s: %s: giving up%s%s",
	    ks->conf.name, words, ks->kc.kd.lasterr[0] ? ": " : "",
	    ks->kc.kd.lasterr);
	return TIDE_EKAFKA;
}

/* The next record of the topic into s's head, without waiting: 1,
 * TIDE_IJDRIVE_NONE when none is ready, or -1 to stop (why in
 * d->status). */
static int
kside_next(struct tide_kstream *ks, struct tide_ijdrive *d,
    struct tide_ijside *s)
{
	struct tide_kstream_err err;
	int r;

	while (!*d->stop) {
		r = tide_kstream_next(ks, s, &err);
		if (r == 1)
			d->o->st->in++;
		if (r == TIDE_EAGAIN)
			return TIDE_IJDRIVE_NONE;
		if (r == 1)
			return r;
		if (r != TIDE_IJSIDE_BAD) {
			d->fail(d->ctx, err.msg);
			return tide_ijdrive_stop(d, TIDE_EKAFKA);
		}
		d->o->st->in++;
		if ((r = d->o->bad(d->o->badctx, s->path, s->lineno, s->line,
		    s->len, err.msg)) != 0)
			return tide_ijdrive_stop(d, r);
	}
	return TIDE_IJDRIVE_NONE;
}

int
tide_kstream_drive(struct tide_kstream *ks, struct tide_ijdrive *d)
{
	struct tide_kstream_err err;
	struct tide_ijside *l = d->l, *rs = d->r;
	struct pollfd pfd[2];
	int64_t now, b;
	int r, n, status = 0;

	l->wall = rs->wall = tide_mono_us() / 1000;
	tide_kstream_set_wall(ks, l->wall);
	while (!*d->stop && status == 0) {
		if ((status = d->round(d->ctx)) != 0)
			break;
		if (!l->have && !l->eof) {
			if (tide_ijdrive_next(d, l, 0) < 0)
				return d->status;
			if (l->eof && tide_kstream_set_end(ks, &err) < 0) {
				d->fail(d->ctx, err.msg);
				return TIDE_EKAFKA;
			}
		}
		if (!rs->have && kside_next(ks, d, rs) < 0)
			return d->status;
		if (l->have || rs->have) {
			if (tide_ijdrive_take(d) < 0)
				return d->status;
		} else if (l->eof && (d->ij->nside[TIDE_IJOIN_LEFT] == 0 ||
		    tide_kstream_caught_up(ks))) {
			break;
		} else if (!*d->stop) {
			/* Nothing ready: out with what is written, then wait
			 * for either stream (or the --idle clock). */
			if ((r = tide_wout_flush(d->o->out)) < 0)
				return r == TIDE_EPIPE ? 0 : TIDE_EIO;
			n = 0;
			pfd[n].fd = tide_kstream_fd(ks);
			pfd[n++].events = POLLIN;
			if (!l->eof && l->open && strcmp(l->path, "-") == 0) {
				pfd[n].fd = 0;
				pfd[n++].events = POLLIN;
			}
			poll(pfd, (nfds_t)n, d->idle && d->idle < 100 ?
			    (int)d->idle : 100);
			if (tide_kstream_outage(ks, &err) < 0) {
				d->fail(d->ctx, err.msg);
				return TIDE_EKAFKA;
			}
		}
		now = tide_mono_us() / 1000;
		if ((b = tide_ijside_hold(rs, d->idle, now)) != INT64_MAX)
			b = tide_kstream_hold(ks, d->idle, now);
		if (tide_ijdrive_advance(d, tide_ijside_live_watermark(l, rs,
		    tide_ijside_hold(l, d->idle, now), b, d->delay, now)) < 0)
			return d->status;
	}
	return status;
}

void
tide_kstream_join_conf(struct tide_kstream_conf *kconf,
    const struct tide_joinconf *c, const struct tide_kconf *kc,
    const char *name)
{
	memset(kconf, 0, sizeof(*kconf));
	kconf->kc = kc;
	kconf->topic = c->wtopic;
	kconf->name = name;
	kconf->src = c->with;
	kconf->down_ms = c->downms < 0 ? 300000 : c->downms;
	kconf->every_ms = c->mdtimeout;
	kconf->maxrec = c->maxrec;
}
