#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "kafka/kwatch.h"
#include "xalloc.h"

/* The watch's client stays silent: the cluster's faults are for others. */
static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;
}

/* The hold bit of an API key, or 0 if the watch's requests never send it. */
static unsigned
api_bit(int key)
{
	switch (key) {
	case 2:		/* ListOffsets */
		return 1u;
	case 3:		/* Metadata */
		return 2u;
	case 18:	/* ApiVersions */
		return 4u;
	default:
		return 0;
	}
}

static rd_kafka_t *
client(const struct tide_kwatch *w)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];
	rd_kafka_t *rk;

	rd_kafka_conf_set_log_cb(conf, log_cb);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", w->bootstraps,
	    errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "topic.metadata.refresh.interval.ms", "-1",
	    errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "client.id", "tide-mock-watch", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL)
		rd_kafka_conf_destroy(conf);
	return rk;
}

static int
seen(const struct tide_kwatch *w, const char *topic, int32_t partition)
{
	size_t i;

	for (i = 0; i < w->nseen; i++)
		if (w->seen[i].partition == partition &&
		    !strcmp(w->seen[i].topic, topic))
			return 1;
	return 0;
}

/* One look at every partition's log start; called with the lock held. */
static void
round_once(struct tide_kwatch *w)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_partition_list_t *parts;
	int i, j;

	if (rd_kafka_metadata(w->rk, 1, NULL, &md, TIDE_KWATCH_TIMEOUT_MS))
		return;
	parts = rd_kafka_topic_partition_list_new(16);
	for (i = 0; i < md->topic_cnt; i++) {
		const struct rd_kafka_metadata_topic *t = &md->topics[i];

		if (t->err || t->topic[0] == '_')
			continue;
		for (j = 0; j < t->partition_cnt; j++)
			if (!seen(w, t->topic, t->partitions[j].id))
				rd_kafka_topic_partition_list_add(parts,
				    t->topic, t->partitions[j].id)->offset =
				    RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_metadata_destroy(md);
	/* A timestamp of BEGINNING asks for the earliest offset. */
	if (parts->cnt > 0 && rd_kafka_offsets_for_times(w->rk, parts,
	    TIDE_KWATCH_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
		for (i = 0; i < parts->cnt; i++) {
			const rd_kafka_topic_partition_t *p = &parts->elems[i];

			if (p->err || p->offset <= 0)
				continue;
			w->seen = tide_xreallocarray(w->seen, w->nseen + 1,
			    sizeof(*w->seen));
			w->seen[w->nseen].topic = tide_xstrdup(p->topic);
			w->seen[w->nseen++].partition = p->partition;
			w->fn(w->ctx, p->topic, p->partition, p->offset);
		}
	rd_kafka_topic_partition_list_destroy(parts);
}

static void *
watch_main(void *arg)
{
	struct tide_kwatch *w = arg;
	struct timespec until;

	pthread_mutex_lock(&w->lock);
	while (!w->quit) {
		if (!w->held) {
			if (w->rk == NULL)
				w->rk = client(w);
			if (w->rk)
				round_once(w);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += w->interval_ms / 1000;
		until.tv_nsec += (w->interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!w->quit &&
		    pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
tide_kwatch_start(struct tide_kwatch *w, const char *bootstraps,
    int64_t interval_ms, tide_kwatch_fn fn, void *ctx)
{
	sigset_t all, old;
	int e;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->bootstraps = tide_xstrdup(bootstraps);
	w->interval_ms = interval_ms > 0 ? interval_ms :
	    TIDE_KWATCH_INTERVAL_MS;
	w->fn = fn;
	w->ctx = ctx;
	/* The thread takes no signals: they are the program's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&w->thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		return TIDE_EIO;
	}
	w->running = 1;
	return 0;
}

void
tide_kwatch_hold(struct tide_kwatch *w, int api_key, int queued)
{
	unsigned bit = api_bit(api_key);

	if (bit == 0)
		return;
	pthread_mutex_lock(&w->lock);
	if (queued) {
		w->held |= bit;
		if (w->rk) {
			rd_kafka_destroy(w->rk);
			w->rk = NULL;
		}
	} else
		w->held &= ~bit;
	pthread_mutex_unlock(&w->lock);
}

int
tide_kwatch_held(struct tide_kwatch *w)
{
	int held;

	pthread_mutex_lock(&w->lock);
	held = w->held != 0;
	pthread_mutex_unlock(&w->lock);
	return held;
}

void
tide_kwatch_stop(struct tide_kwatch *w)
{
	size_t i;

	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->quit = 1;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		w->running = 0;
	}
	if (w->rk)
		rd_kafka_destroy(w->rk);
	w->rk = NULL;
	for (i = 0; i < w->nseen; i++)
		free(w->seen[i].topic);
	free(w->seen);
	w->seen = NULL;
	w->nseen = 0;
	free(w->bootstraps);
	w->bootstraps = NULL;
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
}
