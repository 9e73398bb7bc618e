/*
 * The Kafka back end of tide-sink; see ksink.h.  Dead letters and --tee
 * output are rebuilt from librdkafka's copy of a message (its delivery
 * report), so the input line is not kept: no copy per record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad.h"
#include "envelope.h"
#include "err.h"
#include "kafka/kadmin.h"
#include "kafka/ksink.h"
#include "xalloc.h"

static void say(struct tide_ksink *k, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Hand a warning (level 0) or a note (1) to the caller to print. */
static void
say(struct tide_ksink *k, int level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (k->c.say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k->c.say(k->c.ctx, level, msg);
}

/* A bad record: its reason in why; TIDE_EINVAL. */
static int bad(char *why, size_t whylen, const char *fmt, const char *arg)
    __attribute__((format(printf, 3, 0)));

static int
bad(char *why, size_t whylen, const char *fmt, const char *arg)
{
	snprintf(why, whylen, fmt, arg);
	return TIDE_EINVAL;
}

/* The timestamp field is not a time, or one before Kafka's (a message's
 * timestamp is positive epoch ms: 0 would be taken as the producer's
 * clock, and brokers refuse negative ones), t set only then:
 * "field 'ts' is not a time: \"x\"", "field 'ts': 0 is not a Kafka
 * timestamp (...)". */
static int __attribute__((noinline))
notatime(const struct tide_ksink *k, const struct tide_json_val *v,
    int64_t t, char *why, size_t whylen)
{
	int n = v->len > 64 ? 64 : (int)v->len, now = k->c.ts_default;
	const char *hint = "--timestamp now: the producer's clock";

	if (tide_time_from_json(v, k->c.unit, &t) < 0)
		snprintf(why, whylen, "field '%s' is not a time: %.*s%s%s%s",
		    k->c.tspath->text, n, v->p, now ? " (" : "",
		    now ? hint : "", now ? ")" : "");
	else
		snprintf(why, whylen, "field '%s': %.*s is not a Kafka "
		    "timestamp (those are after 1970-01-01T00:00:00Z%s%s)",
		    k->c.tspath->text, n, v->p, now ? "; " : "",
		    now ? hint : "");
	return TIDE_EINVAL;
}

/* A field of the record is missing: "no key field 'value.k': value is
 * null (tombstone)" (lib/envelope.h says why). */
static int __attribute__((noinline))
absent(char *why, size_t whylen, const char *what, const struct tide_path *p,
    const char *line, size_t len)
{
	char wa[160];

	snprintf(why, whylen, "no %s field '%s'%s", what, p->text,
	    tide_env_why_absent(line, len, p, wa, sizeof(wa)));
	return TIDE_EINVAL;
}

/* Encode json for the message (conf.encode): a bad record when it does
 * not fit. */
static int __attribute__((noinline))
encode(struct tide_ksink *k, void *enc, const char *json, size_t len,
    int64_t id, const void **out, size_t *outlen, char *why, size_t whylen)
{
	char reason[600];
	int r;

	if ((r = k->c.encode(enc, json, len, id, out, outlen, reason,
	    sizeof(reason))) == TIDE_EAGAIN || r == TIDE_EIO) {
		snprintf(why, whylen, "%s", reason);
		return TIDE_EIO;
	}
	if (r < 0)
		return bad(why, whylen, "%s", reason);
	return 0;
}

/* Rebuild the envelope of a produced message (for --tee and dead letters
 * under -J: the input line itself is not kept, to avoid a copy per
 * record). */
static void
message_envelope(struct tide_ksink *k, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *h = NULL;
	rd_kafka_timestamp_type_t tstype;
	struct tide_env e;
	const char *name;
	const void *val;
	size_t size, i, n = 0;

	memset(&e, 0, sizeof(e));
	e.topic = k->c.topic;
	e.topiclen = strlen(k->c.topic);
	e.partition = m->partition;
	e.offset = m->offset;
	e.ts = rd_kafka_message_timestamp(m, &tstype);
	e.ts_type = tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME ? TIDE_ENV_TS_CREATE :
	    tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TIDE_ENV_TS_LOG_APPEND :
	    TIDE_ENV_TS_NONE;
	e.key = m->key;
	e.keylen = m->key_len;
	e.value = m->payload;
	e.len = m->len;
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		while (rd_kafka_header_get_all(h, n, &name, &val, &size) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			n++;
		if (n > k->rcap) {
			k->rcap = n;
			k->rhdrs = tide_xreallocarray(k->rhdrs, n, sizeof(*k->rhdrs));
		}
		for (i = 0; i < n; i++) {
			rd_kafka_header_get_all(h, i, &name, &val, &size);
			k->rhdrs[i].name = name;
			k->rhdrs[i].namelen = strlen(name);
			k->rhdrs[i].value = val;
			k->rhdrs[i].len = val ? size : 0;
		}
	}
	e.hdrs = k->rhdrs;
	e.nhdrs = n;
	tide_env_encode(&k->dlbuf, &e);
}

/* Room in the ring for one more message: grown (doubled) when full, its
 * entries from low to sent moved to their places in the new one. */
static void
ring_reserve(struct tide_ksink *k)
{
	size_t ncap, i;
	uint64_t *line, s;
	unsigned char *done;

	if (k->cap && k->sent - k->low < k->cap)
		return;
	ncap = k->cap ? k->cap * 2 : 4096;
	line = tide_xcalloc(ncap, sizeof(*line));
	done = tide_xcalloc(ncap, 1);
	for (s = k->low; s < k->sent; s++) {
		i = (size_t)(s & (k->cap - 1));
		line[s & (ncap - 1)] = k->ringline[i];
		done[s & (ncap - 1)] = k->ringdone[i];
	}
	free(k->ringline);
	free(k->ringdone);
	k->ringline = line;
	k->ringdone = done;
	k->cap = ncap;
}

/* Message seq is delivered or dead-lettered. */
static void
handled(struct tide_ksink *k, uint64_t seq)
{
	size_t m = k->cap - 1;

	k->ringdone[seq & m] = 1;
	while (k->low < k->sent && k->ringdone[k->low & m])
		k->low++;
}

static void
dead_letter(struct tide_ksink *k, const rd_kafka_message_t *m)
{
	uint64_t lineno = k->ringline[(uint64_t)(uintptr_t)m->_private &
	    (k->cap - 1)];
	const char *err = rd_kafka_err2str(m->err);
	char d[32];
	struct tide_buf *b = &k->dlbuf;
	struct tide_jobj o;
	FILE *fp = k->c.dead ? k->c.dead : stderr;

	k->undelivered++;
	if (k->gave_up) {
		/* Purged, or refused by a queue full since: say why. */
		tide_dur_fmt(d, k->kd.bound);
		snprintf(k->whybuf, sizeof(k->whybuf), "brokers unreachable "
		    "(--down-timeout %s): %s", d, err);
		err = k->whybuf;
	}
	if (k->dlshown++ < TIDE_BAD_SHOWN)
		say(k, 0, "line %llu: not delivered to '%s': %s",
		    (unsigned long long)lineno, k->c.topic, err);
	tide_buf_reset(b);
	tide_jobj_begin(&o, b);
	tide_jobj_key(&o, "source", 6);
	tide_json_write_str(b, k->source, strlen(k->source));
	tide_jobj_key(&o, "line", 4);
	tide_json_write_int(b, (int64_t)lineno);
	tide_jobj_key(&o, "error", 5);
	tide_json_write_str(b, err, strlen(err));
	tide_jobj_key(&o, "raw", 3);
	if (k->c.envelope) {
		/* The envelope goes in as a string: "raw" holds the input line
		 * as text, as for bad input. */
		size_t at = b->len;
		size_t n;
		char *copy;

		message_envelope(k, m);
		n = b->len - at;
		copy = tide_xmemdup(b->data + at, n);
		b->len = at;
		tide_json_write_str(b, copy, n);
		free(copy);
	} else
		tide_json_write_str(b, m->payload, m->len);
	tide_jobj_end(&o);
	tide_buf_addc(b, '\n');
	if (fwrite(b->data, 1, b->len, fp) != b->len)
		k->dlerr = 1;
}

static void
say_back(struct tide_ksink *k, int64_t len)
{
	char d[32];

	tide_dur_fmt(d, len);
	say(k, 0, "brokers %s reachable again after %s", k->kd.brokers, d);
}

/*
 * All brokers unreachable after start: librdkafka says so once
 * (_ALL_BROKERS_DOWN, fed to the clock by on_error), then retries and
 * holds the records until message.timeout.ms, without a word.  As in
 * tide-source, the wait is bounded by --down-timeout, with a note every
 * --connect-timeout.  The outage is over when a record is delivered, or,
 * with probe (input is quiet: nothing may come to say so), when the
 * brokers answer a metadata request, which may take a second.  Giving up
 * stops the reading; what is not delivered is then purged and
 * dead-lettered, as a failed delivery is.  Returns 1 once given up.
 */
static int
outage(struct tide_ksink *k, int probe)
{
	int64_t len;
	char d[32], b[32], note[512];

	if (k->gave_up)
		return 1;
	if (!tide_kdown_is_down(&k->kd))
		return 0;
	switch (probe ? tide_kdown_poll(&k->kd, k->prod.rk, &len) :
	    tide_kdown_check(&k->kd, tide_mono_us() / 1000, &len)) {
	case TIDE_KDOWN_UP:
	case TIDE_KDOWN_WAIT:
		return 0;
	case TIDE_KDOWN_BACK:
		say_back(k, len);
		return 0;
	case TIDE_KDOWN_NOTE:
		tide_kdown_say_down(&k->kd, len, note, sizeof(note));
		say(k, 0, "%s", note);
		return 0;
	case TIDE_KDOWN_GIVE_UP:
		break;
	}
	k->gave_up = 1;
	tide_dur_fmt(d, len);
	tide_dur_fmt(b, k->kd.bound);
	say(k, 0, "brokers %s unreachable for %s (--down-timeout %s): giving up "
	    "after %llu records read, %llu delivered%s%s", k->kd.brokers, d, b,
	    (unsigned long long)(k->c.nread ? *k->c.nread : 0),
	    (unsigned long long)k->prod.delivered,
	    k->kd.lasterr[0] ? ": " : "", k->kd.lasterr);
	return 1;
}

/* send() waits for room in a full queue: as long as the brokers may come
 * back. */
static int
on_full(void *ctx)
{
	return outage(ctx, 0);
}

static void
on_delivery(void *ctx, const rd_kafka_message_t *m)
{
	struct tide_ksink *k = ctx;
	int64_t len;

	if (m->err) {
		dead_letter(k, m);
		handled(k, (uint64_t)(uintptr_t)m->_private);
		return;
	}
	handled(k, (uint64_t)(uintptr_t)m->_private);
	/* A broker has taken it: whatever outage there was is over.  (The
	 * clock is read only in one: this runs once per record.) */
	if (tide_kdown_is_down(&k->kd) &&
	    tide_kdown_end(&k->kd, tide_mono_us() / 1000, &len))
		say_back(k, len);
	if (!k->c.tee || k->tee_dead)
		return;
	if (k->c.envelope) {
		tide_buf_reset(&k->dlbuf);
		message_envelope(k, m);
		tide_wout_rec(&k->tee_out, k->dlbuf.data, k->dlbuf.len);
	} else
		tide_wout_rec(&k->tee_out, m->payload, m->len);
	if (k->tee_out.err)
		k->tee_dead = 1;
}

static void
on_error(void *ctx, int err, const char *reason)
{
	struct tide_ksink *k = ctx;

	/* The last error for messages; _ALL_BROKERS_DOWN starts the
	 * outage clock. */
	tide_kdown_error(&k->kd, err, reason);
	/* Transport errors come and go while librdkafka retries; they only
	 * matter to the user if records end up undelivered, which is
	 * reported per record.  Fatal ones are always shown. */
	if (err == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_err2name(err) == NULL)
		say(k, 0, "kafka: %s", reason);
	else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		say(k, 1, "kafka: %s", reason);
	else
		say(k, 1, "kafka: %s: %s", rd_kafka_err2name(err), reason);
}

/* A record stamped ts, older than the topic's retention: warned of once,
 * counted always.  Cold: out of the per-record path. */
static void __attribute__((noinline))
expired(struct tide_ksink *k, uint64_t lineno, int64_t ts)
{
	char t[32], d[32];

	if (k->expired++ > 0)
		return;
	tide_time_fmt(t, ts);
	tide_dur_fmt(d, k->retention_ms);
	say(k, 0, "line %llu: timestamp %s is older than the retention of "
	    "topic '%s' (retention.ms %lld, %s): the brokers may delete the "
	    "record at once; --timestamp now stamps the producer's clock "
	    "instead (said once; --stats counts them)",
	    (unsigned long long)lineno, t, k->c.topic,
	    (long long)k->retention_ms, d);
}

/* Produce one validated record: see tide_ksink_put(). */
static int
produce(struct tide_ksink *k, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, char *why, size_t whylen)
{
	struct tide_msg m;
	struct tide_json_val v;
	rd_kafka_resp_err_t kerr;
	int64_t i64;
	size_t i, n;
	int r;

	memset(&m, 0, sizeof(m));
	m.partition = k->c.partition;
	if (k->c.envelope) {
		const struct tide_env *e = &k->dec.env;

		if (tide_env_decode(&k->dec, line, len) < 0)
			return bad(why, whylen, "not an envelope: %s",
			    k->dec.reason);
		m.key = e->key;
		m.keylen = e->keylen;
		m.value = e->value;
		m.len = e->len;
		if (k->c.value_enc && m.value && (r = encode(k,
		    k->c.value_enc, e->value, e->len, e->has_value_schema_id ?
		    e->value_schema_id : -1, &m.value, &m.len, why,
		    whylen)) < 0)
			return r;
		if (e->ts_type != TIDE_ENV_TS_NONE)
			m.ts = e->ts;
		if (k->c.keep_partition && e->partition >= 0) {
			/* Not a bad record but a target unfit for the copy:
			 * stop before the first record it cannot hold. */
			if (e->partition >= k->prod.npart) {
				snprintf(why, whylen, "--keep-partition: topic "
				    "'%s' has %d partition%s, no partition %d: "
				    "give it as many as the source's",
				    k->c.topic, (int)k->prod.npart,
				    k->prod.npart == 1 ? "" : "s",
				    (int)e->partition);
				return TIDE_ERANGE;
			}
			m.partition = e->partition;
		}
		n = e->nhdrs + k->c.nhdrs;
		if (n > k->allcap) {
			k->allcap = n * 2;
			k->allhdrs = tide_xreallocarray(k->allhdrs, k->allcap,
			    sizeof(*k->allhdrs));
		}
		for (i = 0; i < e->nhdrs; i++)
			k->allhdrs[i] = e->hdrs[i];
		for (i = 0; i < k->c.nhdrs; i++)
			k->allhdrs[e->nhdrs + i] = k->c.hdrs[i];
		m.hdrs = k->allhdrs;
		m.nhdrs = n;
	} else {
		m.value = line;
		m.len = len;
		m.hdrs = k->c.hdrs;
		m.nhdrs = k->c.nhdrs;
		if ((k->c.keypath || k->c.partpath || (k->c.tspath &&
		    !k->c.ts_default)) && type != TIDE_JSON_OBJECT)
			return bad(why, whylen, "%s", "not a JSON object");
		if (k->c.keypath) {
			if (!tide_json_get(line, len, k->c.keypath, &v))
				return absent(why, whylen, "key", k->c.keypath, line,
				    len);
			if (k->c.key_enc && v.type != TIDE_JSON_NULL) {
				if ((r = encode(k, k->c.key_enc, v.p, v.len, -1,
				    &m.key, &m.keylen, why, whylen)) < 0)
					return r;
			} else if (v.type == TIDE_JSON_STRING) {
				if (memchr(v.p, '\\', v.len) == NULL) {
					/* No escapes: the key is the bytes
					 * between the quotes, no copy. */
					m.key = v.p + 1;
					m.keylen = v.len - 2;
				} else {
					tide_buf_reset(&k->keybuf);
					tide_json_str(&v, &k->keybuf);
					m.key = k->keybuf.data ? k->keybuf.data : "";
					m.keylen = k->keybuf.len;
				}
			} else if (v.type != TIDE_JSON_NULL) {
				m.key = v.p;
				m.keylen = v.len;
			}
		}
		if (k->c.partpath) {
			if (!tide_json_get(line, len, k->c.partpath, &v))
				return absent(why, whylen, "partition", k->c.partpath, line,
				    len);
			if (tide_json_int64(&v, &i64) < 0 || i64 < 0 ||
			    i64 >= k->prod.npart)
				return bad(why, whylen, "field '%s' is not a "
				    "partition of the topic", k->c.partpath->text);
			m.partition = (int32_t)i64;
		}
		if (k->c.tspath && type == TIDE_JSON_OBJECT) {
			if (!tide_json_get(line, len, k->c.tspath, &v)) {
				if (!k->c.ts_default)
					return absent(why, whylen, "timestamp",
					    k->c.tspath, line, len);
			} else if (tide_time_from_json(&v, k->c.unit, &i64) < 0 ||
			    i64 <= 0)
				return notatime(k, &v, i64, why, whylen);
			else
				m.ts = i64;
		}
		if (k->c.value_enc && (r = encode(k, k->c.value_enc, line, len,
		    -1, &m.value, &m.len, why, whylen)) < 0)
			return r;
	}
	if (m.ts > 0 && k->retention_ms >= 0 &&
	    tide_kadmin_expired(k->retention_ms, m.ts, tide_now_ms()))
		expired(k, lineno, m.ts);
	/* Its sequence number, taken before the send: a delivery report
	 * served while send() waits for room finds it in the ring. */
	ring_reserve(k);
	k->ringline[k->sent & (k->cap - 1)] = lineno;
	k->ringdone[k->sent & (k->cap - 1)] = 0;
	m.opaque = (void *)(uintptr_t)k->sent++;
	if (tide_producer_send(&k->prod, &m, &kerr) < 0) {
		/* Refused at once (e.g. no such partition, too large): the
		 * record is undeliverable; dead-letter it like a failed
		 * delivery. */
		rd_kafka_message_t fake;

		memset(&fake, 0, sizeof(fake));
		fake.err = kerr;
		fake.partition = m.partition;
		fake.offset = -1;
		fake.payload = (void *)(k->c.envelope ? m.value : line);
		fake.len = k->c.envelope ? m.len : len;
		fake.key = (void *)m.key;
		fake.key_len = m.keylen;
		fake._private = m.opaque;
		if (k->c.envelope) {
			/* No librdkafka message to rebuild from: keep the
			 * line itself. */
			k->c.envelope = 0;
			fake.payload = (void *)line;
			fake.len = len;
			dead_letter(k, &fake);
			k->c.envelope = 1;
		} else
			dead_letter(k, &fake);
		handled(k, (uint64_t)(uintptr_t)m.opaque);
		if (k->prod.fatal || k->gave_up)
			return TIDE_EKAFKA;
	}
	return 0;
}

/* The topic's retention.ms into k->retention_ms, or -1 with a note:
 * asked only of a cluster with a controller to answer, within
 * connect_ms. */
static void
retention(struct tide_ksink *k)
{
	int tmo = (int)k->c.connect_ms;
	char why[512], d[32];
	int r;

	k->retention_ms = -1;
	r = tide_kadmin_controller(k->prod.rk, tmo, why, sizeof(why));
	if (r == 0) {
		snprintf(why, sizeof(why), "the brokers name no controller to "
		    "ask");
		r = TIDE_ENOENT;
	} else if (r == 1)
		r = tide_kadmin_retention(k->prod.rk, k->c.topic, tmo,
		    &k->retention_ms, why, sizeof(why));
	if (r < 0) {
		k->retention_ms = -1;
		say(k, 1, "topic '%s': retention.ms not known (%s): timestamps "
		    "are not checked against it", k->c.topic, why);
	} else if (k->retention_ms >= 0) {
		tide_dur_fmt(d, k->retention_ms);
		say(k, 1, "topic '%s': retention.ms %lld (%s)", k->c.topic,
		    (long long)k->retention_ms, d);
	} else
		say(k, 1, "topic '%s': retention.ms -1 (records are kept for "
		    "ever)", k->c.topic);
}

int
tide_ksink_open(struct tide_ksink *k, const struct tide_ksink_conf *conf,
    rd_kafka_conf_t *kconf)
{
	size_t n;
	int r;

	memset(k, 0, sizeof(*k));
	k->c = *conf;
	tide_buf_init(&k->keybuf, TIDE_BUF_NOMAX);
	tide_buf_init(&k->dlbuf, TIDE_BUF_NOMAX);
	/* lib/producer owns the callbacks: the clock is fed from its
	 * on_error hook, and notes come every connect_ms. */
	tide_kdown_init(&k->kd, conf->down_ms, conf->connect_ms);
	n = sizeof(k->kd.brokers);
	if (rd_kafka_conf_get(kconf, "bootstrap.servers", k->kd.brokers, &n) !=
	    RD_KAFKA_CONF_OK)
		snprintf(k->kd.brokers, sizeof(k->kd.brokers), "(none)");
	k->prod.on_delivery = on_delivery;
	k->prod.on_error = on_error;
	k->prod.on_full = on_full;
	k->prod.ctx = k;
	k->prod.create = conf->create != 0;
	k->prod.create_partitions = conf->create > 0 ? conf->create : 0;
	k->retention_ms = -1;
	if (conf->txn_id && rd_kafka_conf_set(kconf, "transactional.id",
	    conf->txn_id, k->prod.errstr, sizeof(k->prod.errstr)) !=
	    RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(kconf);
		return TIDE_EKAFKA;
	}
	if ((r = tide_producer_new(&k->prod, kconf, conf->topic,
	    (int)conf->connect_ms)) < 0)
		return r == TIDE_ENOENT || r == TIDE_EINTR ? r : TIDE_EKAFKA;
	if (k->prod.created)
		say(k, 1, "topic '%s' created with %d partition%s", conf->topic,
		    (int)conf->create, conf->create == 1 ? "" : "s");
	else if (conf->create > 0 && k->prod.npart != conf->create)
		say(k, 0, "topic '%s' exists with %d partition%s: --create=%d "
		    "leaves it as it is", conf->topic, (int)k->prod.npart,
		    k->prod.npart == 1 ? "" : "s", conf->create);
	tide_kdown_attach(&k->kd, k->prod.rk);
	if (conf->txn_id && tide_ktxn_start(&k->txn, k->prod.rk,
	    (int)conf->connect_ms, conf->down_ms > 0 &&
	    conf->down_ms < INT32_MAX ? (int)conf->down_ms : -1) < 0) {
		snprintf(k->prod.errstr, sizeof(k->prod.errstr), "%s",
		    k->txn.errstr);
		return TIDE_EKAFKA;
	}
	if (conf->partition != RD_KAFKA_PARTITION_UA &&
	    conf->partition >= k->prod.npart)
		return TIDE_ERANGE;
	if (conf->tspath || conf->envelope)
		retention(k);
	k->source = tide_xmalloc(strlen(conf->topic) + 7);
	memcpy(k->source, "kafka:", 6);
	strcpy(k->source + 6, conf->topic);
	if (conf->envelope)
		tide_env_dec_init(&k->dec, conf->maxrec);
	if (conf->tee)
		tide_wout_init(&k->tee_out, conf->tee_fd);
	return 0;
}

int
tide_ksink_put(struct tide_ksink *k, uint64_t lineno, const char *line,
    size_t len, enum tide_json_type type, char *why, size_t whylen)
{
	int r;

	if ((r = produce(k, lineno, line, len, type, why, whylen)) != 0)
		return r;
	if ((++k->polls & 255) == 0) {
		tide_producer_poll(&k->prod, 0);
		if (outage(k, 0))
			return 1;
	}
	return 0;
}

void
tide_ksink_idle(struct tide_ksink *k)
{
	tide_producer_poll(&k->prod, 0);
	if (k->c.tee && !k->tee_dead && tide_wout_flush(&k->tee_out) < 0)
		k->tee_dead = 1;
}

int
tide_ksink_quiet(struct tide_ksink *k)
{
	return outage(k, 1);
}

uint64_t
tide_ksink_mark(const struct tide_ksink *k)
{
	return k->sent;
}

int
tide_ksink_marked(struct tide_ksink *k, uint64_t mark)
{
	if (k->low < mark)
		tide_producer_poll(&k->prod, 0);
	if (k->low < mark)
		return 0;
	if (k->c.tee && !k->tee_dead && tide_wout_flush(&k->tee_out) < 0)
		k->tee_dead = 1;
	return 1;
}

int
tide_ksink_sync(struct tide_ksink *k, volatile sig_atomic_t *stop)
{
	while (tide_producer_pending(&k->prod) > 0) {
		if (k->gave_up || (stop && *stop > 1))
			return 1;
		tide_producer_drain(&k->prod, 100);
		if (outage(k, 0))
			return 1;
	}
	if (k->c.tee && !k->tee_dead && tide_wout_flush(&k->tee_out) < 0)
		k->tee_dead = 1;
	return 0;
}

void
tide_ksink_finish(struct tide_ksink *k, volatile sig_atomic_t *stop,
    int *tee_err)
{
	/* Wait for every delivery (librdkafka's message.timeout.ms bounds
	 * it); a second stop signal gives up on the rest, which then fail as
	 * purged and are dead-lettered.  (The first drains the input: it
	 * does not cut this wait short.) */
	*tee_err = 0;
	while (!k->gave_up && tide_producer_drain(&k->prod, 200) > 0) {
		if (*stop > 1) {
			say(k, 0, "interrupted: dead-lettering %llu undelivered "
			    "records", (unsigned long long)
			    tide_producer_pending(&k->prod));
			tide_producer_abort(&k->prod);
			tide_producer_drain(&k->prod, 5000);
			break;
		}
		outage(k, 1);
	}
	if (k->gave_up && tide_producer_pending(&k->prod) > 0) {
		/* What librdkafka still holds fails as purged, and is
		 * dead-lettered. */
		tide_producer_abort(&k->prod);
		tide_producer_drain(&k->prod, 5000);
	}
	if (k->c.tee && !k->tee_dead && tide_wout_flush(&k->tee_out) < 0 &&
	    k->tee_out.err != TIDE_EPIPE)
		*tee_err = 1;
}

void
tide_ksink_release(struct tide_ksink *k)
{
	tide_kdown_attach(&k->kd, NULL);
	tide_producer_release(&k->prod);
	/* source is set once the open got that far. */
	if (k->c.envelope && k->source)
		tide_env_dec_release(&k->dec);
	if (k->c.tee && k->source)
		tide_wout_release(&k->tee_out);
	tide_buf_release(&k->keybuf);
	tide_buf_release(&k->dlbuf);
	free(k->allhdrs);
	free(k->rhdrs);
	free(k->source);
	free(k->ringline);
	free(k->ringdone);
}

/* --- As a back end of tide-sink (lib/sinkbe.h) -------------------------- */

static int txn_tick(struct tide_ksink_be *k, struct tide_sinkbe_err *err);

static int
be_put(struct tide_sinkbe *be, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, struct tide_sinkbe_err *err)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;
	int r;

	err->remote = 0;
	r = tide_ksink_put(&k->ks, lineno, line, len, type, err->msg,
	    sizeof(err->msg));
	if (r == TIDE_EIO)
		err->remote = 1;	/* the encoder's registry */
	if (r != TIDE_EINVAL)
		be->done = k->ks.tee_dead;
	if (r == 0 && be->txn)
		r = txn_tick(k, err);
	return r;
}

static int
be_idle(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;

	(void)err;
	tide_ksink_idle(&k->ks);
	be->done = k->ks.tee_dead;
	return 0;
}

static int
be_quiet(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;
	int r = tide_ksink_quiet(&k->ks);

	if (r == 0 && be->txn)
		r = txn_tick(k, err);
	return r;
}

static int
be_sync(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;
	int r;

	(void)err;
	r = tide_ksink_sync(&k->ks, k->stop);
	be->done = k->ks.tee_dead;
	return r;
}

static uint64_t
be_mark(struct tide_sinkbe *be)
{
	return tide_ksink_mark(&((struct tide_ksink_be *)be)->ks);
}

static int
be_marked(struct tide_sinkbe *be, uint64_t mark)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;
	int r = tide_ksink_marked(&k->ks, mark);

	be->done = k->ks.tee_dead;
	return r;
}

static const struct tide_sinkbe_async ksink_async = { be_mark, be_marked };

/* ---- Transactions (lib/kafka/ktxn.h) ------------------------------------ */

static void
be_paced(struct tide_sinkbe *be, int paced)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;

	k->ks.txn_paced = paced;
	if (!paced)
		tide_sinkbe_say(be, 1, "no tide stage upstream: a transaction "
		    "is committed every second and at the end, with no "
		    "offsets");
}

/* Commit the open transaction, b's offsets with it when b carries the
 * group's metadata (b NULL: none), and open the next with reopen.  Every
 * record is delivered first (dead-lettered when it cannot be).  0, 1
 * (stop: the outage bound or a second signal), or TIDE_EKAFKA, said. */
static int
txn_commit(struct tide_ksink_be *k, const struct tide_barrier *b,
    int reopen, struct tide_sinkbe_err *err)
{
	struct tide_ksink *ks = &k->ks;
	int r, offs = b && b->group.len && b->offs.n;

	err->msg[0] = '\0';
	err->remote = 0;
	if ((r = tide_ksink_sync(ks, k->stop)) != 0)
		return r;
	k->be.done = ks->tee_dead;
	if (tide_ktxn_commit(&ks->txn, b ? &b->offs : NULL, b ?
	    b->group.data : NULL, b ? b->group.len : 0, reopen) < 0) {
		tide_sinkbe_say(&k->be, 0, "--transactional-id '%s': %s: the "
		    "records since the last commit are not delivered, and "
		    "their offsets not committed: the group reads them again",
		    ks->c.txn_id, ks->txn.errstr);
		return TIDE_EKAFKA;
	}
	ks->txn_sent = ks->sent;
	if (b)
		tide_sinkbe_say(&k->be, 1, "barrier %lld: transaction %llu "
		    "committed %s", (long long)b->seq,
		    (unsigned long long)ks->txn.committed, offs ? "with the "
		    "group's offsets" : b->group.len ? "(no offsets yet)" :
		    "without offsets (no group upstream)");
	return 0;
}

static int
be_txn_commit(struct tide_sinkbe *be, const struct tide_barrier *b,
    struct tide_sinkbe_err *err)
{
	return txn_commit((struct tide_ksink_be *)be, b, 1, err);
}

/*
 * A commit without a barrier, of a transaction that holds records: once
 * it is a second old when no barriers come (no tide stage upstream); when
 * they do, once no barrier has come for TIDE_KSINK_TXN_WAIT_MS (a stage
 * that holds them, or one that writes none: a window reading a file), so
 * that the coordinator does not abort it at transaction.timeout.ms --
 * what a crash then repeats is at least once, and that is said.  Reads
 * the clock: called only with transactions.
 */
static int
txn_tick(struct tide_ksink_be *k, struct tide_sinkbe_err *err)
{
	struct tide_ksink *ks = &k->ks;
	int64_t wait = ks->txn_paced ? TIDE_KSINK_TXN_WAIT_MS : 1000;

	if (ks->txn.failed || ks->sent == ks->txn_sent ||
	    tide_mono_us() / 1000 - ks->txn.opened_ms < wait)
		return 0;
	if (ks->txn_paced && !ks->txn_unpaced_said) {
		ks->txn_unpaced_said = 1;
		tide_sinkbe_say(&k->be, 0, "--transactional-id '%s': no barrier "
		    "for %llds: records committed without offsets until the "
		    "next one (at least once, not exactly)", ks->c.txn_id,
		    (long long)(wait / 1000));
	}
	return txn_commit(k, NULL, 1, err);
}

static const struct tide_sinkbe_txn ksink_txn = { be_paced, be_txn_commit };

static unsigned
be_finish(struct tide_sinkbe *be, int failed, struct tide_sinkbe_err *err)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;
	unsigned end = 0;
	int tee_err;

	(void)failed;
	err->remote = 0;
	if (be->abort && tide_producer_pending(&k->ks.prod) > 0) {
		/* Stopped at once: what is in flight fails as purged and is
		 * dead-lettered. */
		tide_producer_abort(&k->ks.prod);
		tide_producer_drain(&k->ks.prod, 5000);
	}
	if (be->txn && (be->abort || *k->stop > 1))
		/* Given up: what the open transaction holds is read again. */
		tide_ktxn_abort(&k->ks.txn);
	tide_ksink_finish(&k->ks, k->stop, &tee_err);
	/* The records since the last barrier (none after the final one). */
	if (be->txn && k->ks.txn.open && !k->ks.gave_up &&
	    k->ks.sent > k->ks.txn_sent && txn_commit(k, NULL, 0, err) != 0)
		end |= TIDE_SINKBE_UNDELIVERED;
	else if (be->txn && k->ks.txn.failed && !k->ks.undelivered)
		end |= TIDE_SINKBE_UNDELIVERED;
	be->out = k->ks.prod.delivered;
	if (tee_err) {
		tide_sinkbe_say(be, 0, "write stdout: %s", strerror(errno));
		end |= TIDE_SINKBE_TEE_FAILED;
	}
	if (k->ks.dlerr)
		end |= TIDE_SINKBE_DEAD_FAILED;
	if (k->ks.undelivered) {
		tide_sinkbe_say(be, 0, "%llu record%s not delivered, kept in %s",
		    (unsigned long long)k->ks.undelivered,
		    k->ks.undelivered == 1 ? "" : "s",
		    k->deadpath ? k->deadpath : "stderr");
		end |= TIDE_SINKBE_UNDELIVERED;
	} else if (k->ks.gave_up)
		end |= TIDE_SINKBE_GAVE_UP;
	return end;
}

static void
be_stats(struct tide_sinkbe *be, struct tide_buf *b)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;

	tide_buf_addf(b, "sent %llu, delivered %llu, failed %llu, pending %llu",
	    (unsigned long long)k->ks.prod.sent,
	    (unsigned long long)k->ks.prod.delivered,
	    (unsigned long long)k->ks.undelivered,
	    (unsigned long long)tide_producer_pending(&k->ks.prod));
	/* Only where the retention is known: 0 then says none was older. */
	if (k->ks.retention_ms >= 0)
		tide_buf_addf(b, ", past retention %llu",
		    (unsigned long long)k->ks.expired);
	if (be->txn)
		tide_buf_addf(b, ", transactions %llu, with offsets %llu, "
		    "aborted %llu", (unsigned long long)k->ks.txn.committed,
		    (unsigned long long)k->ks.txn.with_offsets,
		    (unsigned long long)k->ks.txn.aborted);
}

static void
be_close(struct tide_sinkbe *be)
{
	struct tide_ksink_be *k = (struct tide_ksink_be *)be;

	tide_ksink_release(&k->ks);
}

static const struct tide_sinkbe_ops ksink_ops = {
	"kafka", be_put, be_idle, be_quiet, be_sync, be_finish, be_stats,
	be_close,
};

int
tide_ksink_be_open(struct tide_ksink_be *k,
    const struct tide_ksink_conf *conf, rd_kafka_conf_t *kconf,
    const char *deadpath, volatile sig_atomic_t *stop)
{
	memset(&k->be, 0, sizeof(k->be));
	k->be.ops = &ksink_ops;
	k->be.async = &ksink_async;
	k->be.timeout = conf->tee ? 10 : 100;
	k->be.say = conf->say;
	k->be.ctx = conf->ctx;
	k->be.txn = conf->txn_id ? &ksink_txn : NULL;
	k->deadpath = deadpath;
	k->stop = stop;
	return tide_ksink_open(&k->ks, conf, kconf);
}
