#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kafka/kdead.h"
#include "log.h"

static void
on_delivery(void *ctx, const rd_kafka_message_t *m)
{
	struct tide_kdead *d = ctx;

	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	if (d->failed++ == 0)
		snprintf(d->errstr, sizeof(d->errstr), "%s",
		    rd_kafka_err2str(m->err));
}

static void
on_error(void *ctx, int err, const char *reason)
{
	struct tide_kdead *d = ctx;

	(void)err;
	if (d->errstr[0] == '\0')
		snprintf(d->errstr, sizeof(d->errstr), "%s", reason);
}

/* librdkafka's lines about the connections it retries: detail for -v
 * (the program reports a failure once, with a status). */
static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	tide_log(TIDE_LOG_INFO, "librdkafka: %d %s: %s", level, fac, buf);
}

int
tide_kdead_open(struct tide_kdead *d, const struct tide_kconf *kc,
    const char *topic, int timeout_ms)
{
	static const char *const defaults[] = { "enable.idempotence=true",
	    NULL };
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf;
	int r;

	memset(d, 0, sizeof(*d));
	if ((conf = tide_kconf_build(kc, defaults, &kerr)) == NULL) {
		snprintf(d->errstr, sizeof(d->errstr), "%s", kerr.msg);
		return TIDE_EKAFKA;
	}
	rd_kafka_conf_set_log_cb(conf, log_cb);
	d->prod.on_delivery = on_delivery;
	d->prod.on_error = on_error;
	d->prod.ctx = d;
	if ((r = tide_producer_new(&d->prod, conf, topic, timeout_ms)) < 0) {
		snprintf(d->errstr, sizeof(d->errstr), "%s", d->prod.errstr);
		return r == TIDE_ENOENT ? r : TIDE_EKAFKA;
	}
	return 0;
}

int
tide_kdead_put(void *ctx, const char *line, size_t n)
{
	struct tide_kdead *d = ctx;
	struct tide_msg m;
	rd_kafka_resp_err_t err;

	memset(&m, 0, sizeof(m));
	m.partition = RD_KAFKA_PARTITION_UA;
	m.value = line;
	m.len = n;
	if (tide_producer_send(&d->prod, &m, &err) < 0) {
		d->failed++;
		snprintf(d->errstr, sizeof(d->errstr), "%s",
		    rd_kafka_err2str(err));
		return TIDE_EKAFKA;
	}
	d->sent++;
	tide_producer_poll(&d->prod, 0);
	return 0;
}

uint64_t
tide_kdead_finish(struct tide_kdead *d, int timeout_ms)
{
	uint64_t pending = tide_producer_drain(&d->prod, timeout_ms);

	return d->failed + pending;
}

void
tide_kdead_close(struct tide_kdead *d)
{
	tide_producer_release(&d->prod);
}
