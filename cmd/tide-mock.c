/*
 * tide-mock: a local Kafka cluster for development, demos and tests.
 *
 * It is librdkafka's built-in mock cluster (rdkafka_mock.h): real Kafka
 * protocol on loopback, in memory, not durable.  The mock needs an
 * rd_kafka_t for its bookkeeping, so we create a producer that is never
 * given a bootstrap list and never produces.  The mock's brokers run in
 * librdkafka's threads; this main thread only reads fault-injection
 * commands from stdin and answers each one on stdout with "ok" or
 * "error: ...", flushed, so a script can wait for the answer before it
 * goes on.  One more thread, the retention watch (lib/kafka/kwatch.h),
 * says when a partition drops its oldest records.
 *
 * The bootstrap list is the first line of stdout and, with
 * --bootstrap-file, is written to FILE.tmp and renamed into place
 * (lib/afile.h), so a script that polls for the file never reads half a
 * line.  Topics given
 * with -t exist before the bootstrap list is published.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "afile.h"
#include "exitcode.h"
#include "kafka/kwatch.h"
#include "prog.h"
#include "xalloc.h"

#define MAX_BROKERS	64
#define MAX_PARTITIONS	10000
#define MAX_ERRCOUNT	100000
#define MAX_RTT_MS	3600000
#define LINE_MAX_LEN	4096

enum {
	OPT_BROKERS = TIDE_OPT_LONG,
	OPT_PARTITIONS,
	OPT_BOOTSTRAP_FILE,
	OPT_NO_STDIN,
};

static const struct tide_prog prog = {
	"tide-mock",
	"[-qv] [--brokers n] [--partitions n] [-t topic[:partitions]] ... "
	    "[--bootstrap-file file] [--no-stdin] [-d contexts] [-X prop=value] ...",
	"Run a local Kafka cluster (librdkafka's mock) with fault injection.",
};

struct topic {
	char *name;
	int partitions;		/* 0: --partitions */
};

struct mock {
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	int brokers;
	int partitions;		/* default for "topic NAME" without a count */
	int stop;		/* "quit" was given */
};

/* The retention watch (lib/kafka/kwatch.h): says when a partition drops
 * its oldest records. */
static struct tide_kwatch watch;

/* Globals so that a usage error's exit() leaves nothing unreachable. */
static struct topic *topics;
static size_t ntopics;
static struct {
	int opt;		/* 'd' or 'X' */
	const char *arg;
} *settings;
static size_t nsettings;

static volatile sig_atomic_t got_signal;
static int debugging;

/*
 * Kafka protocol API keys by name (the names of the Kafka protocol guide).
 * The mock answers only some of them; pushing errors for another is
 * harmless, they are never popped.
 */
static const char *const api_names[] = {
	"Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr",
	"StopReplica", "UpdateMetadata", "ControlledShutdown", "OffsetCommit",
	"OffsetFetch", "FindCoordinator", "JoinGroup", "Heartbeat",
	"LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups",
	"SaslHandshake", "ApiVersions", "CreateTopics", "DeleteTopics",
	"DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch",
	"AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "WriteTxnMarkers",
	"TxnOffsetCommit", "DescribeAcls", "CreateAcls", "DeleteAcls",
	"DescribeConfigs", "AlterConfigs", "AlterReplicaLogDirs",
	"DescribeLogDirs", "SaslAuthenticate", "CreatePartitions",
	"CreateDelegationToken", "RenewDelegationToken",
	"ExpireDelegationToken", "DescribeDelegationToken", "DeleteGroups",
	"ElectLeaders", "IncrementalAlterConfigs",
	"AlterPartitionReassignments", "ListPartitionReassignments",
	"OffsetDelete", "DescribeClientQuotas", "AlterClientQuotas",
	"DescribeUserScramCredentials", "AlterUserScramCredentials",
};
#define NAPIS ((int)(sizeof(api_names) / sizeof(api_names[0])))

static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

/* Called from librdkafka's threads; stdio locks the stream for us. */
static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (tide_verbose < 0)
		return;
	if (level > LOG_WARNING && tide_verbose < 1 && !debugging)
		return;
	fprintf(stderr, "%s: librdkafka: %s: %s\n", tide_prog->name, fac, buf);
}

/* Kafka's legal topic names: [a-zA-Z0-9._-]{1,249}. */
static int
topic_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 249 || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* A decimal integer in [min, max], the whole string; 0 or -1. */
static int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
api_key(const char *s)
{
	size_t n = strlen(s);
	long v;
	int i;

	if (parse_int(s, 0, NAPIS - 1, &v) == 0)
		return (int)v;
	/* librdkafka's debug logs say "ProduceRequest": accept that too. */
	if (n > 7 && !strcasecmp(s + n - 7, "Request"))
		n -= 7;
	for (i = 0; i < NAPIS; i++)
		if (strlen(api_names[i]) == n && !strncasecmp(s, api_names[i], n))
			return i;
	return -1;
}

/*
 * An error code by librdkafka's name (NOT_LEADER_FOR_PARTITION, with or
 * without the RD_KAFKA_RESP_ERR_ prefix) or number.  Broker errors only,
 * plus _TRANSPORT, which the mock turns into a disconnect: another local
 * (negative) code would reach the client as a nonsense response.
 */
static int
err_code(const char *s, rd_kafka_resp_err_t *out, char *why, size_t whylen)
{
	const struct rd_kafka_err_desc *descs;
	size_t cnt, i;
	long v;
	int found = 0;

	rd_kafka_get_err_descs(&descs, &cnt);
	if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
		s += 18;
	if (parse_int(s, INT_MIN, INT_MAX, &v) == 0) {
		for (i = 0; i < cnt; i++)
			if (descs[i].name && descs[i].code == v) {
				found = 1;
				break;
			}
	} else {
		for (i = 0; i < cnt; i++)
			if (descs[i].name && !strcasecmp(descs[i].name, s)) {
				found = 1;
				break;
			}
	}
	if (!found) {
		snprintf(why, whylen, "unknown error code '%s'", s);
		return -1;
	}
	if (descs[i].code == RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(why, whylen, "NO_ERROR is not an error");
		return -1;
	}
	if (descs[i].code < 0 && descs[i].code != RD_KAFKA_RESP_ERR__TRANSPORT) {
		snprintf(why, whylen, "'%s' is a local client error: of those "
		    "only _TRANSPORT (a disconnect) can be injected",
		    descs[i].name);
		return -1;
	}
	*out = descs[i].code;
	return 0;
}

/* Broker id, or -1 for "all". */
static int
broker_id(const struct mock *m, const char *s, int32_t *id, char *why,
    size_t whylen)
{
	long v;

	if (!strcasecmp(s, "all")) {
		*id = -1;
		return 0;
	}
	if (parse_int(s, 1, m->brokers, &v) < 0) {
		snprintf(why, whylen, "no broker '%s' (brokers are 1..%d, or all)",
		    s, m->brokers);
		return -1;
	}
	*id = (int32_t)v;
	return 0;
}

/* The watch's word, from its thread (stdio locks stderr for us). */
static void
on_dropped(void *ctx, const char *topic, int32_t partition, int64_t start)
{
	(void)ctx;
	tide_warn("topic '%s' partition %d: its oldest records were dropped "
	    "(the log now starts at offset %lld): the mock keeps at most 5 MiB "
	    "and 100000 batches per partition; spread the records over more "
	    "partitions (all of a key's go to one), or compress "
	    "(tide-sink -X compression.type=zstd)", topic,
	    (int)partition, (long long)start);
}

static void
help(void)
{
	puts("broker N|all down           disconnect broker N, refuse connections\n"
	    "broker N|all up             accept connections again\n"
	    "broker N|all rtt MS         delay every response by MS milliseconds\n"
	    "error API ERRCODE [COUNT]   fail the next COUNT (1) API requests\n"
	    "clear API                   drop the errors queued for API\n"
	    "topic NAME [PARTITIONS]     create a topic\n"
	    "leader TOPIC PARTITION ID   move a partition's leader (-1: none)\n"
	    "quit                        stop the cluster and exit\n"
	    "help                        this list");
}

/*
 * Run one command; returns 0 with nothing in why, or -1 with the reason.
 * Words are separated by blanks; the caller has stripped the newline.
 */
static int
command(struct mock *m, char *line, char *why, size_t whylen)
{
	char *w[8], *save = NULL, *p;
	int n = 0;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	long v, cnt;
	int32_t id;

	for (p = strtok_r(line, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (n == (int)(sizeof(w) / sizeof(w[0]))) {
			snprintf(why, whylen, "too many words");
			return -1;
		}
		w[n++] = p;
	}
	if (n == 0) {
		snprintf(why, whylen, "empty command");
		return -1;
	}
#define USAGE(u) do { snprintf(why, whylen, "usage: %s", u); return -1; } while (0)
	if (!strcmp(w[0], "broker")) {
		if (n < 3)
			USAGE("broker N|all down|up|rtt MS");
		if (broker_id(m, w[1], &id, why, whylen) < 0)
			return -1;
		if (!strcmp(w[2], "down") && n == 3)
			err = rd_kafka_mock_broker_set_down(m->mc, id);
		else if (!strcmp(w[2], "up") && n == 3)
			err = rd_kafka_mock_broker_set_up(m->mc, id);
		else if (!strcmp(w[2], "rtt") && n == 4) {
			if (parse_int(w[3], 0, MAX_RTT_MS, &v) < 0) {
				snprintf(why, whylen, "rtt: not a number of "
				    "milliseconds in [0, %d]: '%s'", MAX_RTT_MS,
				    w[3]);
				return -1;
			}
			err = rd_kafka_mock_broker_set_rtt(m->mc, id, (int)v);
		} else
			USAGE("broker N|all down|up|rtt MS");
	} else if (!strcmp(w[0], "error")) {
		rd_kafka_resp_err_t code, *codes;
		int key;
		long i;

		if (n < 3 || n > 4)
			USAGE("error API ERRCODE [COUNT]");
		if ((key = api_key(w[1])) < 0) {
			snprintf(why, whylen, "unknown API '%s' (e.g. Produce, "
			    "Fetch, Metadata, OffsetCommit, FindCoordinator)", w[1]);
			return -1;
		}
		if (err_code(w[2], &code, why, whylen) < 0)
			return -1;
		cnt = 1;
		if (n == 4 && parse_int(w[3], 1, MAX_ERRCOUNT, &cnt) < 0) {
			snprintf(why, whylen, "count: not a number in [1, %d]: '%s'",
			    MAX_ERRCOUNT, w[3]);
			return -1;
		}
		codes = tide_xcalloc((size_t)cnt, sizeof(*codes));
		for (i = 0; i < cnt; i++)
			codes[i] = code;
		tide_kwatch_hold(&watch, key, 1);
		rd_kafka_mock_push_request_errors_array(m->mc, (int16_t)key,
		    (size_t)cnt, codes);
		free(codes);
	} else if (!strcmp(w[0], "clear")) {
		int key;

		if (n != 2)
			USAGE("clear API");
		if ((key = api_key(w[1])) < 0) {
			snprintf(why, whylen, "unknown API '%s'", w[1]);
			return -1;
		}
		rd_kafka_mock_clear_request_errors(m->mc, (int16_t)key);
		tide_kwatch_hold(&watch, key, 0);
	} else if (!strcmp(w[0], "topic")) {
		if (n < 2 || n > 3)
			USAGE("topic NAME [PARTITIONS]");
		if (!topic_name_ok(w[1])) {
			snprintf(why, whylen, "not a topic name: '%s' (1 to 249 of "
			    "a-z A-Z 0-9 . _ -)", w[1]);
			return -1;
		}
		v = m->partitions;
		if (n == 3 && parse_int(w[2], 1, MAX_PARTITIONS, &v) < 0) {
			snprintf(why, whylen, "partitions: not a number in [1, %d]: "
			    "'%s'", MAX_PARTITIONS, w[2]);
			return -1;
		}
		err = rd_kafka_mock_topic_create(m->mc, w[1], (int)v,
		    m->brokers < 3 ? m->brokers : 3);
		if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
			snprintf(why, whylen, "topic '%s' already exists", w[1]);
			return -1;
		}
	} else if (!strcmp(w[0], "leader")) {
		long part;

		if (n != 4)
			USAGE("leader TOPIC PARTITION BROKER");
		if (!topic_name_ok(w[1])) {
			snprintf(why, whylen, "not a topic name: '%s'", w[1]);
			return -1;
		}
		if (parse_int(w[2], 0, MAX_PARTITIONS - 1, &part) < 0) {
			snprintf(why, whylen, "not a partition: '%s'", w[2]);
			return -1;
		}
		if (!strcmp(w[3], "-1"))
			id = -1;
		else if (strcasecmp(w[3], "all") == 0 ||
		    broker_id(m, w[3], &id, why, whylen) < 0) {
			snprintf(why, whylen, "no broker '%s' (brokers are 1..%d, "
			    "or -1 for none)", w[3], m->brokers);
			return -1;
		}
		err = rd_kafka_mock_partition_set_leader(m->mc, w[1],
		    (int32_t)part, id);
		if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
			snprintf(why, whylen, "topic '%s' has no partition %ld",
			    w[1], part);
			return -1;
		}
	} else if (!strcmp(w[0], "help")) {
		if (n != 1)
			USAGE("help");
		help();
	} else if (!strcmp(w[0], "quit")) {
		if (n != 1)
			USAGE("quit");
		m->stop = 1;
	} else {
		snprintf(why, whylen, "unknown command '%s' (try help)", w[0]);
		return -1;
	}
#undef USAGE
	if (err) {
		snprintf(why, whylen, "%s", rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

/* Our reader went away: stop quietly, as head(1) expects. */
static int
flush_out(void)
{
	if (fflush(stdout) == 0)
		return 0;
	if (errno == EPIPE)
		return -1;
	tide_die(TIDE_EX_IOERR, "write error on stdout: %s", strerror(errno));
}

/* Answer one line of input; -1 if stdout is gone. */
static int
answer(struct mock *m, char *line)
{
	char why[512];
	size_t n = strlen(line);

	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	line += strspn(line, " \t");
	if (*line == '\0' || *line == '#')
		return 0;
	tide_info("command: %s", line);
	if (command(m, line, why, sizeof(why)) < 0)
		printf("error: %s\n", why);
	else
		puts("ok");
	return flush_out();
}

/*
 * Read commands until EOF, a signal or "quit".  SIGINT and SIGTERM are
 * blocked except inside ppoll(), so one that arrives between our check of
 * the flag and the wait is not lost.
 */
static void
serve(struct mock *m, int use_stdin, const sigset_t *waitmask)
{
	char buf[LINE_MAX_LEN + 1];
	size_t len = 0;
	int overlong = 0;
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };

	while (!got_signal && !m->stop) {
		ssize_t r;
		char *nl;

		if (ppoll(&pfd, use_stdin ? 1 : 0, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			tide_die(TIDE_EX_FAIL, "poll: %s", strerror(errno));
		}
		r = read(STDIN_FILENO, buf + len, LINE_MAX_LEN - len);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			tide_die(TIDE_EX_IOERR, "read error on stdin: %s",
			    strerror(errno));
		}
		if (r == 0) {
			/* A last line without its newline still counts. */
			buf[len] = '\0';
			if (len > 0 && !overlong)
				answer(m, buf);
			return;
		}
		len += (size_t)r;
		while (!m->stop && (nl = memchr(buf, '\n', len)) != NULL) {
			size_t linelen = (size_t)(nl - buf);

			*nl = '\0';
			if (overlong) {
				overlong = 0;
				puts("error: line too long");
				if (flush_out() < 0)
					return;
			} else if (answer(m, buf) < 0)
				return;
			memmove(buf, nl + 1, len - linelen - 1);
			len -= linelen + 1;
		}
		if (len == LINE_MAX_LEN) {
			/* Keep reading to the newline, then say why. */
			overlong = 1;
			len = 0;
		}
	}
}

/* One -d or -X setting; 0, or -1 with the reason in why. */
static int
conf_set(rd_kafka_conf_t *conf, int opt, const char *arg, char *why,
    size_t whylen)
{
	char prop[256];
	const char *name = "debug", *value = arg, *eq;

	if (opt == 'X') {
		if ((eq = strchr(arg, '=')) == NULL || eq == arg) {
			snprintf(why, whylen, "expected prop=value: '%s'", arg);
			return -1;
		}
		if ((size_t)(eq - arg) >= sizeof(prop)) {
			snprintf(why, whylen, "no such property: '%.*s'",
			    (int)(eq - arg), arg);
			return -1;
		}
		memcpy(prop, arg, (size_t)(eq - arg));
		prop[eq - arg] = '\0';
		name = prop;
		value = eq + 1;
	}
	if (rd_kafka_conf_set(conf, name, value, why, whylen) != RD_KAFKA_CONF_OK)
		return -1;
	if (!strcmp(name, "debug"))
		debugging = 1;
	return 0;
}

static void
publish(const char *bootstraps, const char *file)
{
	const char *failed;
	char *tmp;
	size_t n;
	int fd, e;

	printf("%s\n", bootstraps);
	if (flush_out() < 0)
		exit(TIDE_EX_OK);
	if (!file)
		return;
	n = strlen(file) + 5;
	tmp = tide_xmalloc(n);
	snprintf(tmp, n, "%s.tmp", file);
	if ((fd = tide_afile_create(tmp, 0666)) < 0)
		tide_die(TIDE_EX_IOERR, "%s: %s", tmp, strerror(errno));
	if (dprintf(fd, "%s\n", bootstraps) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		tide_die(TIDE_EX_IOERR, "%s: %s", tmp, strerror(e));
	}
	if (tide_afile_commit(fd, tmp, file, &failed) < 0) {
		e = errno;
		unlink(tmp);
		tide_die(TIDE_EX_IOERR, "%s: %s", failed, strerror(e));
	}
	free(tmp);
}

/* -t topic[:partitions], checked in a local copy: nothing is allocated
 * before a usage error can exit. */
static int
opt_topic(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	char name[256];
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg), j;
	int parts = 0;

	(void)opt;
	(void)err;
	if (colon)
		parts = (int)tide_arg_int("-t", colon + 1, 1, MAX_PARTITIONS);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;	/* too long: fails below */
	memcpy(name, arg, n);
	name[n] = '\0';
	if (!topic_name_ok(name) || (colon == NULL && n < strlen(arg)))
		tide_usage_error("-t: not a topic name: '%.*s' (1 to "
		    "249 of a-z A-Z 0-9 . _ -)",
		    colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	for (j = 0; j < ntopics; j++)
		if (!strcmp(topics[j].name, name))
			tide_usage_error("-t: topic '%s' given twice", name);
	topics = tide_xreallocarray(topics, ntopics + 1, sizeof(*topics));
	topics[ntopics].name = tide_xstrdup(name);
	topics[ntopics].partitions = parts;
	ntopics++;
	return 0;
}

static int
opt_bootfile(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (*arg == '\0')
		tide_usage_error("--bootstrap-file: empty file name");
	*(const char **)opt->dest = arg;
	return 0;
}

/* -d and -X: applied once all options are read, in this order. */
static int
opt_setting(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	settings = tide_xreallocarray(settings, nsettings + 1,
	    sizeof(*settings));
	settings[nsettings].opt = opt->id;
	settings[nsettings].arg = arg;
	nsettings++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct mock m = { NULL, NULL, 1, 1, 0 };
	size_t i;
	const char *bootfile = NULL;
	int use_stdin = 1;
	char errstr[512];
	rd_kafka_conf_t *conf;
	struct sigaction sa;
	sigset_t block, waitmask;

	const struct tide_option opts[] = {
		TIDE_OPT_INT(OPT_BROKERS, "brokers", "n", "number of brokers, ids "
		    "1..n (default 1)", &m.brokers, 1, MAX_BROKERS),
		TIDE_OPT_CALLBACK('t', "topic", "topic[:partitions]", "create a "
		    "topic (repeatable)", opt_topic, NULL),
		TIDE_OPT_INT(OPT_PARTITIONS, "partitions", "n", "partitions of a "
		    "-t topic without a count (default 1)", &m.partitions, 1,
		    MAX_PARTITIONS),
		TIDE_OPT_CALLBACK(OPT_BOOTSTRAP_FILE, "bootstrap-file", "file",
		    "also write the bootstrap list to file (atomically)",
		    opt_bootfile, &bootfile),
		TIDE_OPT_SET(OPT_NO_STDIN, "no-stdin", "read no commands; run "
		    "until SIGINT or SIGTERM", &use_stdin, 0),
		TIDE_OPT_CALLBACK('d', "debug", "contexts", "librdkafka debug "
		    "contexts (e.g. mock,protocol)", opt_setting, NULL),
		TIDE_OPT_CALLBACK('X', NULL, "prop=value", "librdkafka property "
		    "for the mock's own handle", opt_setting, NULL),
		TIDE_OPTS_VERBOSITY,
		TIDE_OPT_END,
	};

	tide_prog_init_opts(&prog, opts);
	if (tide_opt_parse(argc, argv) < argc)
		tide_usage_error("unexpected argument '%s'", argv[tide_opt_index()]);
	conf = rd_kafka_conf_new();
	for (i = 0; i < nsettings; i++)
		if (conf_set(conf, settings[i].opt, settings[i].arg, errstr,
		    sizeof(errstr)) < 0) {
			rd_kafka_conf_destroy(conf);
			tide_usage_error("-%c: %s", settings[i].opt, errstr);
		}

	/*
	 * A stale file from an earlier run would hand a waiting script a
	 * dead address: remove it before the new one exists.
	 */
	if (bootfile && unlink(bootfile) < 0 && errno != ENOENT)
		tide_die(TIDE_EX_IOERR, "%s: %s", bootfile, strerror(errno));

	/*
	 * Block the stop signals before librdkafka starts its threads, so
	 * they inherit the mask and the signals come to ppoll() in serve().
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	rd_kafka_conf_set_log_cb(conf, log_cb);
	if ((m.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL)
		tide_die(TIDE_EX_FAIL, "cannot create the Kafka handle: %s", errstr);
	if ((m.mc = rd_kafka_mock_cluster_new(m.rk, m.brokers)) == NULL)
		tide_die(TIDE_EX_FAIL, "cannot start the mock cluster "
		    "(no free port on loopback?)");
	for (i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t err;

		/* Replication as Kafka's usual default, up to 3. */
		err = rd_kafka_mock_topic_create(m.mc, topics[i].name,
		    topics[i].partitions ? topics[i].partitions : m.partitions,
		    m.brokers < 3 ? m.brokers : 3);
		if (err)
			tide_die(TIDE_EX_FAIL, "topic '%s': %s", topics[i].name,
			    rd_kafka_err2str(err));
		tide_info("topic '%s': %d partitions", topics[i].name,
		    topics[i].partitions ? topics[i].partitions : m.partitions);
	}
	publish(rd_kafka_mock_cluster_bootstraps(m.mc), bootfile);
	tide_info("%d broker%s at %s", m.brokers, m.brokers == 1 ? "" : "s",
	    rd_kafka_mock_cluster_bootstraps(m.mc));

	if (tide_kwatch_start(&watch, rd_kafka_mock_cluster_bootstraps(m.mc),
	    0, on_dropped, NULL) < 0)
		tide_warn("cannot start the retention watch (%s): no warning "
		    "when a partition drops its oldest records", strerror(errno));
	serve(&m, use_stdin, &waitmask);
	tide_kwatch_stop(&watch);

	if (bootfile)
		unlink(bootfile);
	rd_kafka_mock_cluster_destroy(m.mc);
	rd_kafka_destroy(m.rk);
	for (i = 0; i < ntopics; i++)
		free(topics[i].name);
	free(topics);
	return TIDE_EX_OK;
}
