/*
 * lib/kafka/kcommit: what a group member commits.  Without a group only
 * the output is flushed; with one, against librdkafka's mock cluster
 * (started in each test: its threads do not survive Check's fork) and
 * read back with rd_kafka_committed(): on write, or -- a tide reader
 * being a struct tide_stage_conn of this process, as in check_flow.c --
 * only the offsets of the barriers it acknowledged; the barrier lines
 * written to the output, the final one and its linger, the warnings'
 * exact words, a failed commit, and the rebalance's assign (-e: the high
 * watermark) and revoke (flush, then commit).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "err.h"
#include "kafka/kcommit.h"
#include "kafka/kconf.h"
#include "kafka/kconsumer.h"
#include "kafka/kparts.h"
#include "rio.h"
#include "stage.h"
#include "time.h"
#include "unit.h"

#define TMO	10000
#define TOPIC	"kc"

static char *names[] = { TOPIC };

/* What the module said, in order: "W:..." warnings, "I:..." notes. */
static char said[8][600];
static int nsaid;

static void
on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (nsaid < 8)
		snprintf(said[nsaid++], sizeof(said[0]), "W:%s", msg);
}

static void
on_info(void *ctx, const char *msg)
{
	(void)ctx;
	if (nsaid < 8)
		snprintf(said[nsaid++], sizeof(said[0]), "I:%s", msg);
}

/* What the pipe holds now, as a string. */
static const char *
drain(int fd)
{
	static char buf[4096];
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(test_kcommit_without_group_only_flushes)
{
	struct tide_stage_err serr;
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	tide_wout_init(&out, fds[1]);
	tide_kparts_init(&kp, names, 1, 0, 0);
	tide_kcommit_init(&c, &kp, NULL, &out, 0);
	/* No group: no delivery channel even on a pipe. */
	ck_assert_int_eq(tide_kcommit_start(&c, "tide-source", 1, 1000, &serr),
	    0);
	ck_assert_int_eq(c.use_flow, 0);
	ck_assert_int_eq(tide_wout_add(&out, "{}\n", 3), 0);
	ck_assert_int_eq(tide_kcommit_tick(&c, tide_mono_us() / 1000), 0);
	ck_assert_str_eq(drain(fds[0]), "");
	ck_assert_int_eq(tide_kcommit_due(&c, INT64_MAX / 2, 1000), 0);
	ck_assert_int_eq(tide_kcommit_commit(&c, 0, 0), 0);
	ck_assert_int_eq(tide_kcommit_flush(&c, 1), 0);
	ck_assert_str_eq(drain(fds[0]), "{}\n");
	ck_assert_int_eq(tide_wout_add(&out, "[]\n", 3), 0);
	ck_assert_int_eq(tide_kcommit_finish(&c), 0);
	ck_assert_str_eq(drain(fds[0]), "[]\n");
	/* The output stays open: only a tide reader's end closes it. */
	ck_assert_int_ne(fcntl(fds[1], F_GETFD), -1);
	ck_assert_int_eq(tide_kcommit_had_reader(&c), 0);
	ck_assert_int_eq(nsaid, 0);
	/* The reader gone: the write's code comes back. */
	close(fds[0]);
	ck_assert_int_eq(tide_wout_add(&out, "{}\n", 3), 0);
	ck_assert_int_eq(tide_kcommit_flush(&c, 0), TIDE_EPIPE);
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fds[1]);
}
END_TEST

/* ---- against the mock cluster ---- */

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static struct tide_kconf kconf;
static struct tide_kconsumer kc;

static void
setup(void)
{
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *p;
	char errstr[256];
	const char *boot;
	int i;

	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, 2, 1), 0);
	boot = rd_kafka_mock_cluster_bootstraps(mc);

	/* Partition 0: three messages; 1 empty. */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", boot, errstr,
	    sizeof(errstr));
	rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p != NULL, "%s", errstr);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
		    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE("{}", 2),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
		    0);
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	rd_kafka_destroy(p);

	tide_kconf_init(&kconf);
	ck_assert_int_eq(tide_kconf_brokers(&kconf, boot), 0);
	ck_assert_int_eq(tide_kconf_set(&kconf, "log_level=0", &kerr), 0);
	tide_kconsumer_init(&kc, 5000, 1000);
	nsaid = 0;
}

static void
teardown(void)
{
	tide_kconsumer_close(&kc, TIDE_KCONSUMER_ABANDON);
	tide_kconf_release(&kconf);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

static void
open_consumer(void)
{
	static const char *const extra[] = { "group.id=check_kcommit", NULL };
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;

	ck_assert_int_eq(tide_kconsumer_conf(&kc, &kconf, "check", extra,
	    TIDE_KCONSUMER_RANGES, &conf, &err), 0);
	ck_assert_int_eq(tide_kconsumer_open(&kc, conf, 0, &err), 0);
}

/* A group member's table: both partitions assigned, records taken from
 * partition 0 up to (not including) next0. */
static void
member(struct tide_kcommit *c, struct tide_kparts *kp, struct tide_wout *out,
    int64_t next0)
{
	int64_t i;

	open_consumer();
	tide_kparts_init(kp, names, 1, 1, 0);
	tide_kparts_assigned(kp, TOPIC, 0);
	tide_kparts_assigned(kp, TOPIC, 1);
	for (i = 0; i < next0; i++)
		ck_assert_int_eq(tide_kparts_msg(kp, TOPIC, 0, i), 1);
	tide_kcommit_init(c, kp, kc.rk, out, 1);
	c->on_warn = on_warn;
	c->on_info = on_info;
}

/* What the broker holds for the group: partition's committed offset. */
static int64_t
committed(int32_t partition)
{
	rd_kafka_topic_partition_list_t *tl;
	int64_t off;

	tl = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tl, TOPIC, partition);
	ck_assert_int_eq(rd_kafka_committed(kc.rk, tl, TMO), 0);
	off = tl->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(tl);
	return off;
}

START_TEST(test_kcommit_commits_what_was_written)
{
	struct tide_stage_err serr;
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	int fd = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	tide_wout_init(&out, fd);
	member(&c, &kp, &out, 2);
	/* Acked commits, but the output is no pipe: no reader can come. */
	ck_assert_int_eq(tide_kcommit_start(&c, "tide-source", 1, 1000, &serr),
	    0);
	ck_assert_int_eq(c.use_flow, 0);
	ck_assert_int_eq(tide_kcommit_due(&c, tide_mono_us() / 1000, 1000), 1);
	ck_assert_int_eq(tide_kcommit_commit(&c, 0, 0), 0);
	ck_assert_int_eq(kp.v[0].committed, 2);
	ck_assert_int_eq(kp.v[1].committed, -1);	/* nothing taken */
	ck_assert_int_eq(committed(0), 2);
	ck_assert_int_eq(tide_kcommit_due(&c, c.lastcommit + 999, 1000), 0);
	ck_assert_int_eq(tide_kcommit_due(&c, c.lastcommit + 1000, 1000), 1);
	/* Only partitions no longer assigned: none. */
	ck_assert_int_eq(tide_kparts_msg(&kp, TOPIC, 0, 2), 1);
	ck_assert_int_eq(tide_kcommit_commit(&c, 0, 1), 0);
	ck_assert_int_eq(kp.v[0].committed, 2);
	ck_assert_int_eq(tide_kcommit_finish(&c), 0);
	ck_assert_int_eq(committed(0), 3);
	ck_assert_int_eq(nsaid, 0);
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fd);
}
END_TEST

START_TEST(test_kcommit_failed_commit_warns_and_marks_nothing)
{
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	char want[600];
	int fd = open("/dev/null", O_WRONLY);

	tide_wout_init(&out, fd);
	member(&c, &kp, &out, 1);
	/* OffsetCommit (API key 8) refused, however often it is retried. */
	rd_kafka_mock_push_request_errors(mc, 8, 8,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED);
	ck_assert_int_eq(tide_kcommit_commit(&c, 0, 0), TIDE_EKAFKA);
	ck_assert_int_eq(kp.v[0].committed, -1);
	ck_assert_int_eq(nsaid, 1);
	snprintf(want, sizeof(want), "W:commit failed: %s", c.err.msg);
	ck_assert_str_eq(said[0], want);
	ck_assert_str_eq(c.err.msg, rd_kafka_err2str(
	    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED));
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fd);
}
END_TEST

/* A tide reader of this process's head socket. */
static void
reader_hello(struct tide_stage_conn *r)
{
	tide_stage_conn_init(r);
	ck_assert_int_eq(tide_stage_connect(r, getpid(), NULL), 0);
	ck_assert_int_eq(tide_stage_hello(r, "tide-sink", NULL, NULL), 0);
}

START_TEST(test_kcommit_commits_only_acknowledged_barriers)
{
	struct tide_stage_err serr;
	struct tide_stage_conn r;
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	int64_t now = tide_mono_us() / 1000;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	tide_wout_init(&out, fds[1]);
	member(&c, &kp, &out, 2);
	ck_assert_int_eq(tide_kcommit_start(&c, "tide-source", 1, 1000, &serr),
	    0);
	ck_assert_int_eq(c.use_flow, 1);
	reader_hello(&r);
	/* The hello taken; the interval has passed: a barrier, after what
	 * was written, flushed with it. */
	c.flow.last_barrier_ms = now - 1000;
	ck_assert_int_eq(tide_wout_add(&out, "{}\n{}\n", 6), 0);
	ck_assert_int_eq(tide_kcommit_tick(&c, now), 0);
	ck_assert_int_eq(tide_kcommit_had_reader(&c), 1);
	ck_assert_str_eq(drain(fds[0]), "{}\n{}\n"
	    "{\"@barrier\":{\"seq\":1,\"offsets\":[[\"kc\",0,2]]}}\n");
	/* Within 10 ms, or before the interval: nothing. */
	ck_assert_int_eq(tide_kcommit_tick(&c, now + 5), 0);
	ck_assert_int_eq(tide_kcommit_tick(&c, now + 999), 0);
	ck_assert_str_eq(drain(fds[0]), "");

	/* Not acknowledged: nothing committed, written or not. */
	ck_assert_int_eq(tide_kparts_msg(&kp, TOPIC, 0, 2), 1);
	ck_assert_int_eq(tide_kcommit_flush(&c, 0), 0);
	ck_assert_int_eq(kp.v[0].committed, -1);
	ck_assert_int_eq(c.acked_seq, -1);
	/* Acknowledged: barrier 1's offsets, not what was written since. */
	ck_assert_int_eq(tide_stage_ack(&r, 1), 0);
	ck_assert_int_eq(tide_kcommit_commit(&c, 0, 0), 0);
	ck_assert_int_eq(c.acked_seq, 1);
	ck_assert_int_eq(kp.v[0].committed, 2);
	ck_assert_int_eq(committed(0), 2);

	/* Barrier 2 goes unacknowledged for --ack-timeout after the last
	 * acknowledgement: one warning. */
	c.ack_ms = 30000;
	now = tide_mono_us() / 1000;
	ck_assert_int_eq(tide_kcommit_tick(&c, now + 1000), 0);
	ck_assert_str_eq(drain(fds[0]),
	    "{\"@barrier\":{\"seq\":2,\"offsets\":[[\"kc\",0,3]]}}\n");
	ck_assert_int_eq(tide_kcommit_tick(&c, c.flow.news_ms + 29000), 0);
	ck_assert_int_eq(nsaid, 0);
	ck_assert_int_eq(tide_kcommit_tick(&c, c.flow.news_ms + 30000), 0);
	ck_assert_int_eq(nsaid, 1);
	ck_assert_int_eq(tide_kcommit_tick(&c, c.flow.news_ms + 60000), 0);
	ck_assert_int_eq(nsaid, 1);	/* once per silence */
	ck_assert_ptr_nonnull(strstr(said[0], "W:no acknowledgement of "
	    "barriers for 30s"));
	drain(fds[0]);

	/* The reader's end: the write's code, and had_reader says a tide
	 * stage read what is lost. */
	close(fds[0]);
	c.flow.last_barrier_ms = 0;
	ck_assert_int_eq(tide_kcommit_tick(&c, c.flow.news_ms + 70000),
	    TIDE_EPIPE);
	ck_assert_int_eq(tide_kcommit_had_reader(&c), 1);
	tide_stage_conn_close(&r);
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fds[1]);
}
END_TEST

START_TEST(test_kcommit_finish_writes_the_final_barrier_and_closes)
{
	struct tide_stage_err serr;
	struct tide_stage_conn r;
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	tide_wout_init(&out, fds[1]);
	member(&c, &kp, &out, 3);
	c.ack_ms = 50;		/* the linger's bound */
	ck_assert_int_eq(tide_kcommit_start(&c, "tide-source", 1, 1000, &serr),
	    0);
	reader_hello(&r);
	ck_assert_int_eq(tide_wout_add(&out, "{}\n", 3), 0);
	ck_assert_int_eq(tide_kcommit_finish(&c), 0);
	ck_assert_str_eq(drain(fds[0]), "{}\n{\"@barrier\":{\"seq\":1,"
	    "\"final\":true,\"offsets\":[[\"kc\",0,3]]}}\n");
	/* The output closed: end of file for the reader (its descriptor
	 * number may already be another's). */
	ck_assert_int_eq(read(fds[0], &serr, 1), 0);
	ck_assert_int_eq(nsaid, 2);
	ck_assert_str_eq(said[0], "W:the final barrier was not acknowledged "
	    "within 0s");
	ck_assert_str_eq(said[1], "W:nothing is committed past barrier -1 "
	    "of 1");
	ck_assert_int_eq(kp.v[0].committed, -1);
	tide_stage_conn_close(&r);
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fds[0]);
}
END_TEST

START_TEST(test_kcommit_rebalance_assigns_and_revokes)
{
	rd_kafka_topic_partition_list_t *tl, *now;
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	tide_wout_init(&out, fds[1]);
	open_consumer();
	tide_kparts_init(&kp, names, 1, 1, 1);	/* a group, -e */
	tide_kcommit_init(&c, &kp, kc.rk, &out, 1);
	c.on_warn = on_warn;
	c.on_info = on_info;
	tl = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(tl, TOPIC, 0);
	rd_kafka_topic_partition_list_add(tl, TOPIC, 1);
	ck_assert_int_eq(tide_kcommit_rebalance(&c, kc.rk,
	    RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, tl), 0);
	ck_assert_int_eq(nsaid, 3);
	ck_assert_str_eq(said[0], "I:'kc' [0]: -e ends at offset 3");
	ck_assert_str_eq(said[1], "I:'kc' [1]: -e ends at offset 0");
	ck_assert_str_eq(said[2], "I:assigned 2 partition(s)");
	ck_assert_uint_eq(kp.n, 2);
	ck_assert(kp.v[0].assigned && kp.v[1].assigned);
	ck_assert_int_eq(kp.v[0].end, 3);
	ck_assert_int_eq(rd_kafka_assignment(kc.rk, &now), 0);
	ck_assert_int_eq(now->cnt, 2);
	rd_kafka_topic_partition_list_destroy(now);

	/* Two records written, unflushed: the revoke flushes, then commits
	 * the revoked partition. */
	ck_assert_int_eq(tide_kparts_msg(&kp, TOPIC, 0, 0), 1);
	ck_assert_int_eq(tide_kparts_msg(&kp, TOPIC, 0, 1), 1);
	ck_assert_int_eq(tide_wout_add(&out, "{}\n{}\n", 6), 0);
	rd_kafka_topic_partition_list_del(tl, TOPIC, 1);
	ck_assert_int_eq(tide_kcommit_rebalance(&c, kc.rk,
	    RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, tl), 0);
	ck_assert_str_eq(drain(fds[0]), "{}\n{}\n");
	ck_assert_int_eq(nsaid, 4);
	ck_assert_str_eq(said[3], "I:revoked 1 partition(s)");
	ck_assert(!kp.v[0].assigned);
	ck_assert_int_eq(kp.v[0].committed, 2);
	ck_assert_int_eq(committed(0), 2);
	ck_assert_int_eq(rd_kafka_assignment(kc.rk, &now), 0);
	ck_assert_int_eq(now->cnt, 0);	/* eager: all of it goes */
	rd_kafka_topic_partition_list_destroy(now);

	/* A flush that fails: its code, nothing more done. */
	close(fds[0]);
	ck_assert_int_eq(tide_wout_add(&out, "{}\n", 3), 0);
	ck_assert_int_eq(tide_kcommit_rebalance(&c, kc.rk,
	    RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, tl), TIDE_EPIPE);
	ck_assert_int_eq(nsaid, 4);
	rd_kafka_topic_partition_list_destroy(tl);
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fds[1]);
}
END_TEST

START_TEST(test_kcommit_rebalance_without_watermarks_warns)
{
	rd_kafka_topic_partition_list_t *tl;
	struct tide_kcommit c;
	struct tide_kparts kp;
	struct tide_wout out;
	char want[600];
	int fd = open("/dev/null", O_WRONLY);

	tide_wout_init(&out, fd);
	open_consumer();
	tide_kparts_init(&kp, names, 1, 1, 1);
	tide_kcommit_init(&c, &kp, kc.rk, &out, 1);
	c.on_warn = on_warn;
	c.on_info = on_info;
	/* ListOffsets (API key 2) refused: no high watermark. */
	rd_kafka_mock_push_request_errors(mc, 2, 4,
	    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
	tl = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tl, TOPIC, 0);
	ck_assert_int_eq(tide_kcommit_rebalance(&c, kc.rk,
	    RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, tl), 0);
	ck_assert_msg(nsaid == 2, "%d: %s", nsaid, said[0]);
	snprintf(want, sizeof(want), "W:watermarks of 'kc' [0]: %s; -e ends "
	    "it at the first end of partition", rd_kafka_err2str(
	    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
	ck_assert_str_eq(said[0], want);
	ck_assert_str_eq(said[1], "I:assigned 1 partition(s)");
	ck_assert_int_eq(kp.v[0].end, -1);
	ck_assert(kp.v[0].assigned);
	rd_kafka_topic_partition_list_destroy(tl);
	tide_kcommit_release(&c);
	tide_kparts_release(&kp);
	tide_wout_release(&out);
	close(fd);
}
END_TEST

Suite *
suite_kcommit(void)
{
	Suite *s = suite_create("kcommit");

	/* A reader gone is a write's code here, as in the programs. */
	signal(SIGPIPE, SIG_IGN);
	TCase *tc = tcase_create("core");
	TCase *tk = tcase_create("mock");

	tcase_add_test(tc, test_kcommit_without_group_only_flushes);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_kcommit_commits_what_was_written);
	tcase_add_test(tk, test_kcommit_failed_commit_warns_and_marks_nothing);
	tcase_add_test(tk, test_kcommit_commits_only_acknowledged_barriers);
	tcase_add_test(tk,
	    test_kcommit_finish_writes_the_final_barrier_and_closes);
	tcase_add_test(tk, test_kcommit_rebalance_assigns_and_revokes);
	tcase_add_test(tk, test_kcommit_rebalance_without_watermarks_warns);
	suite_add_tcase(s, tk);
	return s;
}
