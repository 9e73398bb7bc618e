/*
 * A Kafka changelog table: see ktable.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bad.h"
#include "err.h"
#include "json.h"
#include "kafka/ktable.h"
#include "xalloc.h"

static void
say(struct tide_ktable *kt, enum tide_ktable_say level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct tide_ktable *kt, enum tide_ktable_say level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (kt->say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt->say(kt->ctx, level, msg);
}

static void
inc(_Atomic uint64_t *c)
{
	/* One writer: a relaxed load and store, no locked add. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) +
	    1, memory_order_relaxed);
}

/* The table has failed with code: say why (the first failure sets the
 * code) and wake a waiter. */
static void
fail(struct tide_ktable *kt, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct tide_ktable *kt, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int zero = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (kt->say)
		kt->say(kt->ctx, TIDE_KTABLE_FAIL, msg);
	atomic_compare_exchange_strong(&kt->failed, &zero, code);
	pthread_mutex_lock(&kt->mu);
	pthread_cond_broadcast(&kt->cv);
	pthread_mutex_unlock(&kt->mu);
}

/* Partition p has been applied up to (not including) offset next. */
static void
pos(struct tide_ktable *kt, int32_t p, int64_t next)
{
	size_t i;

	for (i = 0; i < kt->nparts && kt->r[i].partition != p; i++)
		;
	if (i == kt->nparts || next <= kt->next[i])
		return;
	if (kt->next[i] < kt->r[i].end && next >= kt->r[i].end) {
		pthread_mutex_lock(&kt->mu);
		if (--kt->behind == 0)
			pthread_cond_broadcast(&kt->cv);
		pthread_mutex_unlock(&kt->mu);
	}
	kt->next[i] = next;
}

static void
bad(struct tide_ktable *kt, const rd_kafka_message_t *m, const char *msg)
{
	uint64_t n;

	inc(&kt->badrows);
	n = atomic_load_explicit(&kt->badrows, memory_order_relaxed);
	if (kt->strict) {
		fail(kt, TIDE_EINVAL, "partition %" PRId32 " offset %" PRId64
		    ": %s", m->partition, m->offset, msg);
		return;
	}
	if (n <= TIDE_BAD_SHOWN)
		say(kt, TIDE_KTABLE_WARN, "partition %" PRId32 " offset %"
		    PRId64 ": %s", m->partition, m->offset, msg);
	if (n == TIDE_BAD_SHOWN)
		say(kt, TIDE_KTABLE_WARN, "further bad rows are counted, not "
		    "shown");
}

static void
apply(struct tide_ktable *kt, rd_kafka_message_t *m)
{
	struct tide_table_rowerr err;
	enum tide_json_type type;
	const char *key = m->key;
	size_t klen = m->key_len;
	int64_t ts;
	int r;

	if (m->err) {
		enum tide_kev ev = tide_kconsumer_event(&kt->kc, m);

		if (ev == TIDE_KEV_EOF) {
			pos(kt, m->partition, m->offset);
			return;
		}
		if (ev == TIDE_KEV_GONE || ev == TIDE_KEV_FATAL)
			fail(kt, TIDE_EKAFKA, "%s", rd_kafka_message_errstr(m));
		else
			say(kt, TIDE_KTABLE_INFO, "%s",
			    rd_kafka_message_errstr(m));
		return;
	}
	inc(&kt->msgs);
	if ((ts = rd_kafka_message_timestamp(m, NULL)) < 0)
		ts = 0;
	if (m->payload == NULL) {
		/* A tombstone names its key by the message key, also when
		 * rows are keyed by fields (producers key by the same). */
		if (key == NULL)
			bad(kt, m, "tombstone without a message key");
		else if (kt->keyfields > 1)
			bad(kt, m, "a tombstone cannot name a key of several "
			    "fields");
		else {
			pthread_rwlock_wrlock(&kt->lock);
			r = tide_table_delete(&kt->table, key, klen, ts);
			pthread_rwlock_unlock(&kt->lock);
			if (r < 0)
				fail(kt, TIDE_ETOOBIG, "table too big");
			inc(&kt->deletes);
		}
	} else if (tide_json_check(m->payload, m->len, TIDE_JSON_MAXDEPTH,
	    &type, NULL) < 0 || type != TIDE_JSON_OBJECT) {
		bad(kt, m, "value is not a JSON object");
	} else if (key == NULL && kt->keyfields == 0) {
		bad(kt, m, "no message key (--table-key takes the key from "
		    "the value)");
	} else {
		pthread_rwlock_wrlock(&kt->lock);
		r = tide_table_upsert(&kt->table, kt->keyfields ? NULL : key,
		    kt->keyfields ? 0 : klen, m->payload, m->len, ts, &err);
		pthread_rwlock_unlock(&kt->lock);
		if (r == TIDE_ETOOBIG)
			fail(kt, TIDE_ETOOBIG, "%s", err.msg);
		else if (r < 0)
			bad(kt, m, err.msg);
		else
			inc(&kt->upserts);
	}
	pos(kt, m->partition, m->offset + 1);
}

/* The brokers answer again: say so if the outage was said. */
static void
up(struct tide_ktable *kt)
{
	char msg[512];
	int64_t len;

	if (tide_kconsumer_up(&kt->kc, &len)) {
		tide_kdown_say_back(&kt->kc.kd, len, msg, sizeof(msg));
		say(kt, TIDE_KTABLE_WARN, "%s", msg);
	}
}

/*
 * Every broker is unreachable (librdkafka's _ALL_BROKERS_DOWN; it retries
 * for ever).  As a Kafka Streams application rides out an outage up to
 * task.timeout.ms (5 minutes) and then fails, the table goes on serving
 * as last read -- stale, and said to be so every every_ms -- and fails
 * after down_ms.  The outage is over when a metadata request is answered
 * (a quiet topic brings no message to say so; tide_kdown_poll) or a
 * message comes.
 */
static void
outage(struct tide_ktable *kt)
{
	enum tide_kdown_act act;
	const struct tide_kdown *kd = &kt->kc.kd;
	char msg[512];

	/* Once the table has failed, it has said why. */
	if (atomic_load(&kt->failed))
		return;
	act = tide_kconsumer_outage(&kt->kc, 0, 0, msg, sizeof(msg));
	if (act == TIDE_KDOWN_BACK)
		say(kt, TIDE_KTABLE_WARN, "%s", msg);
	if (act == TIDE_KDOWN_NOTE)
		say(kt, TIDE_KTABLE_WARN, "%s%s", msg, kt->behind > 0 ? "" :
		    "; records are joined with the table as last read");
	if (act == TIDE_KDOWN_GIVE_UP)
		fail(kt, TIDE_EKAFKA, "%s: giving up%s%s%s", msg,
		    kt->behind > 0 ? " before the table was loaded" : "",
		    kd->lasterr[0] ? ": " : "", kd->lasterr);
}

static void *
run(void *arg)
{
	struct tide_ktable *kt = arg;
	rd_kafka_message_t *m;

	while (!atomic_load(&kt->stop)) {
		if ((m = rd_kafka_consumer_poll(kt->kc.rk, 100)) == NULL) {
			outage(kt);
			continue;
		}
		if (m->err == 0 || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			up(kt);
		apply(kt, m);
		rd_kafka_message_destroy(m);
	}
	return NULL;
}

static void
on_fatal(void *ctx, const char *reason)
{
	fail(ctx, TIDE_EKAFKA, "fatal: %s", reason);
}

int
tide_ktable_open(struct tide_ktable *kt, const struct tide_ktable_conf *conf,
    struct tide_ktable_err *err)
{
	struct tide_table_spec spec = conf->spec;
	struct tide_table_rowerr terr;
	struct tide_kconsumer_err kerr;
	pthread_rwlockattr_t la;
	rd_kafka_conf_t *kconf;
	int r;

	memset(kt, 0, sizeof(*kt));
	err->msg[0] = '\0';
	kt->topic = conf->topic;
	kt->keyfields = conf->keyfields;
	kt->strict = conf->strict;
	kt->every_ms = conf->every_ms;
	kt->say = conf->say;
	kt->ctx = conf->ctx;
	snprintf(kt->prefix, sizeof(kt->prefix), "%s",
	    conf->prefix ? conf->prefix : "");
	pthread_rwlockattr_init(&la);
	pthread_rwlockattr_setkind_np(&la,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&kt->lock, &la);
	pthread_rwlockattr_destroy(&la);
	pthread_mutex_init(&kt->mu, NULL);
	pthread_cond_init(&kt->cv, NULL);
	kt->opened = 1;

	spec.live = 1;
	if ((r = tide_table_init(&kt->table, &spec, &terr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", terr.msg);
		return r;
	}
	if ((r = tide_table_finish(&kt->table)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "table too big");
		return r;
	}
	tide_kconsumer_init(&kt->kc, conf->down_ms, conf->every_ms);
	kt->kc.kd.prefix = kt->prefix;
	kt->kc.kd.on_fatal = on_fatal;
	kt->kc.kd.ctx = kt;
	if ((r = tide_kconsumer_conf(&kt->kc, conf->kc, conf->client_id,
	    conf->extra, 0, &kconf, &kerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		return r;
	}
	if ((r = tide_kconsumer_open(&kt->kc, kconf, TIDE_KCONSUMER_NOSIGNALS,
	    &kerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		return r;
	}
	return 0;
}

int
tide_ktable_start(struct tide_ktable *kt, struct tide_ktable_err *err)
{
	struct tide_offspec from = { TIDE_OFF_BEGINNING, 0 };
	struct tide_offspec to = { TIDE_OFF_END, 0 };
	struct tide_kconsumer_err kerr;
	const char *lasterr = kt->kc.kd.lasterr;
	sigset_t all, old;
	size_t i;
	int n, r;

	err->msg[0] = '\0';
	if ((n = tide_kconsumer_partitions(&kt->kc, kt->topic, NULL, 0,
	    (int)kt->every_ms, &kt->r, &kerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s%s%s", kerr.msg,
		    n == TIDE_EKAFKA && lasterr[0] ? ": " : "",
		    n == TIDE_EKAFKA ? lasterr : "");
		return n;
	}
	kt->nparts = (size_t)n;
	kt->next = tide_xcalloc((size_t)n + 1, sizeof(*kt->next));
	if ((r = tide_kconsumer_resolve(&kt->kc, kt->topic, kt->r, kt->nparts,
	    &from, &to, (int)kt->every_ms, &kerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		return r;
	}
	for (i = 0; i < kt->nparts; i++) {
		kt->next[i] = kt->r[i].low;
		if (kt->r[i].low < kt->r[i].end)
			kt->behind++;
	}
	if ((r = tide_kconsumer_assign(&kt->kc, kt->topic, kt->r, kt->nparts,
	    TIDE_KCONSUMER_FOLLOW, &kerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot assign partitions");
		return r;
	}
	/* The thread inherits this mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&kt->thr, NULL, run, kt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot start the table "
		    "thread");
		return TIDE_ENOMEM;
	}
	kt->started = 1;
	return 0;
}

int
tide_ktable_wait(struct tide_ktable *kt, int64_t timeout_ms)
{
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(timeout_ms / 1000);
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&kt->mu);
	while (kt->behind > 0 && !atomic_load(&kt->failed))
		if (pthread_cond_timedwait(&kt->cv, &kt->mu, &ts) == ETIMEDOUT)
			break;
	r = kt->behind > 0 ? TIDE_EAGAIN : 0;
	pthread_mutex_unlock(&kt->mu);
	if (atomic_load(&kt->failed))
		return atomic_load(&kt->failed);
	return r;
}

void
tide_ktable_stop(struct tide_ktable *kt)
{
	if (!kt->started)
		return;
	atomic_store(&kt->stop, 1);
	pthread_join(kt->thr, NULL);
	tide_kconsumer_close(&kt->kc, TIDE_KCONSUMER_UNASSIGN);
	kt->started = 0;
}

void
tide_ktable_close(struct tide_ktable *kt)
{
	if (!kt->opened)
		return;
	tide_ktable_stop(kt);
	/* Not started: the client, if made, has nothing assigned. */
	tide_kconsumer_close(&kt->kc, TIDE_KCONSUMER_DESTROY);
	tide_table_release(&kt->table);
	free(kt->r);
	free(kt->next);
	pthread_rwlock_destroy(&kt->lock);
	pthread_mutex_destroy(&kt->mu);
	pthread_cond_destroy(&kt->cv);
	kt->opened = 0;
}

void
tide_ktable_stats(struct tide_ktable *kt, struct tide_ktable_stats *s)
{
	s->msgs = atomic_load_explicit(&kt->msgs, memory_order_relaxed);
	s->upserts = atomic_load_explicit(&kt->upserts, memory_order_relaxed);
	s->deletes = atomic_load_explicit(&kt->deletes, memory_order_relaxed);
	s->badrows = atomic_load_explicit(&kt->badrows, memory_order_relaxed);
}

void
tide_ktable_join_conf(struct tide_ktable_conf *kconf,
    const struct tide_joinconf *c, const struct tide_kconf *kc, char *prefix,
    size_t n)
{
	static const char *const extra[] = { "group.id=tide-join", NULL };

	memset(kconf, 0, sizeof(*kconf));
	kconf->topic = c->topic;
	tide_joinconf_table_spec(c, &kconf->spec);
	kconf->spec.versioned = c->js.asof != NULL;
	kconf->keyfields = c->ntkey;
	kconf->strict = c->strict;
	kconf->kc = kc;
	kconf->client_id = "tide-join";
	kconf->extra = extra;
	snprintf(prefix, n, "table '%s': ", c->table);
	kconf->prefix = prefix;
	kconf->down_ms = c->downms < 0 ? 300000 : c->downms;
	kconf->every_ms = c->mdtimeout;
}

static int
kt_jreload(struct tide_jtable *jt, struct tide_jtable_err *err)
{
	snprintf(err->msg, sizeof(err->msg), "table '%s' follows its topic: "
	    "nothing to reload", jt->label);
	return 1;
}

static void
kt_jstats(struct tide_jtable *jt, struct tide_jtable_stats *s)
{
	struct tide_ktable *kt = (struct tide_ktable *)((char *)jt -
	    offsetof(struct tide_ktable, jt));
	struct tide_ktable_stats ks;

	tide_ktable_rdlock(kt);
	s->rows = kt->table.rows;
	s->versions = kt->table.versions;
	s->keys = tide_table_nkeys(&kt->table);
	s->bytes = tide_table_bytes(&kt->table);
	tide_ktable_stats(kt, &ks);
	snprintf(s->line, sizeof(s->line), "table '%s': %llu messages, %llu "
	    "upserts, %llu deletes, %llu bad", jt->label,
	    (unsigned long long)ks.msgs, (unsigned long long)ks.upserts,
	    (unsigned long long)ks.deletes, (unsigned long long)ks.badrows);
	tide_ktable_unlock(kt);
}

static void
kt_jclose(struct tide_jtable *jt)
{
	tide_ktable_close((struct tide_ktable *)((char *)jt -
	    offsetof(struct tide_ktable, jt)));
}

static const struct tide_jtable_ops kt_jops = {
	"kafka", kt_jreload, kt_jstats, kt_jclose,
};

struct tide_jtable *
tide_ktable_jtable(struct tide_ktable *kt, const char *label)
{
	memset(&kt->jt, 0, sizeof(kt->jt));
	kt->jt.ops = &kt_jops;
	kt->jt.table = &kt->table;
	kt->jt.label = label;
	return &kt->jt;
}

/* The thread's say(), prefixed with the table's name, said through the
 * jtable's. */
static void
kt_jsay(void *ctx, enum tide_ktable_say level, const char *msg)
{
	struct tide_ktable *kt = ctx;

	tide_jtable_say(&kt->jt, level == TIDE_KTABLE_INFO ? TIDE_JTABLE_INFO :
	    TIDE_JTABLE_WARN, "table '%s': %s", kt->jt.label, msg);
}

int
tide_ktable_join_open(struct tide_ktable *kt, const struct tide_joinconf *c,
    const struct tide_kconf *kc, tide_jtable_say_fn sayfn, void *ctx,
    struct tide_jtable_err *err)
{
	struct tide_ktable_conf kconf;
	struct tide_ktable_err kerr;
	char prefix[300];
	int r;

	memset(err, 0, sizeof(*err));
	tide_ktable_join_conf(&kconf, c, kc, prefix, sizeof(prefix));
	kconf.say = kt_jsay;
	kconf.ctx = kt;
	if ((r = tide_ktable_open(kt, &kconf, &kerr)) < 0) {
		if ((err->usage = r == TIDE_EINVAL))
			snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		else
			snprintf(err->msg, sizeof(err->msg), "table '%s': %s",
			    c->table, kerr.msg);
		return r;
	}
	tide_ktable_jtable(kt, c->table);
	kt->jt.say = sayfn;
	kt->jt.ctx = ctx;
	if ((r = tide_ktable_start(kt, &kerr)) < 0) {
		if (!(err->remote = r != TIDE_ENOMEM))
			snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		else
			snprintf(err->msg, sizeof(err->msg), "table '%s': %s",
			    c->table, kerr.msg);
		return r;
	}
	return 0;
}

int
tide_ktable_join_brokers(void *ctx, const char *what,
    struct tide_joinconf_err *err)
{
	struct tide_kconf *kc = ctx;
	struct tide_kconf_err kerr;

	if (tide_kconf_env(kc, &kerr) < 0)
		snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
	else if (!tide_kconf_has_brokers(kc))
		snprintf(err->msg, sizeof(err->msg), "%s needs brokers: -b or "
		    "TIDE_BROKERS", what);
	else
		return 0;
	return TIDE_EINVAL;
}
