#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/kconf.h"
#include "unit.h"

#define SUITE(n) Suite *suite_##n(void);
#include "suites.h"
#undef SUITE

const char *
unit_testdata(void)
{
	const char *d = getenv("TIDE_TESTDATA");

	if (d)
		return d;
	/* The runner is started from tests/unit (make unit) or the root. */
	if (access("../data", F_OK) == 0)
		return "../data";
	return "tests/data";
}

static char tmpdir[64];

void
unit_tmp_start(const char *name)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tide-%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

void
unit_tmp_stop(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

const char *
unit_path(const char *file)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, file);
	return p[i];
}

void
unit_put(const char *file, const char *text)
{
	FILE *fp = fopen(file, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_ge(fputs(text, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
}

char *
unit_slurp(const char *file, size_t *n)
{
	FILE *fp = fopen(file, "rb");
	char *buf;
	long len;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	if (n)
		*n = (size_t)len;
	return buf;
}

void
unit_assert_file(const char *file, const char *want)
{
	char *got = unit_slurp(file, NULL);

	ck_assert_msg(got != NULL, "%s missing", file);
	ck_assert_str_eq(got, want);
	free(got);
}

int
unit_exists(const char *file)
{
	struct stat st;

	return lstat(file, &st) == 0;
}

const char *
unit_kconf_get(rd_kafka_conf_t *conf, const char *name)
{
	static char val[512];
	size_t n = sizeof(val);

	if (rd_kafka_conf_get(conf, name, val, &n) != RD_KAFKA_CONF_OK)
		return "<unknown>";
	return val;
}

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mock_mc;

rd_kafka_mock_cluster_t *
unit_mock_start(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];

	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mock_mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mock_mc);
	return mock_mc;
}

void
unit_mock_topic(const char *topic, int partitions)
{
	ck_assert_int_eq(rd_kafka_mock_topic_create(mock_mc, topic, partitions,
	    1), 0);
}

const char *
unit_mock_boot(void)
{
	return rd_kafka_mock_cluster_bootstraps(mock_mc);
}

rd_kafka_t *
unit_mock_producer(const char *name, ...)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];
	const char *val;
	rd_kafka_t *rk;
	va_list ap;

	ck_assert_int_eq(rd_kafka_conf_set(conf, "bootstrap.servers",
	    unit_mock_boot(), errstr, sizeof(errstr)), RD_KAFKA_CONF_OK);
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *)) {
		val = va_arg(ap, const char *);
		ck_assert_msg(rd_kafka_conf_set(conf, name, val, errstr,
		    sizeof(errstr)) == RD_KAFKA_CONF_OK, "%s", errstr);
	}
	va_end(ap);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(rk != NULL, "%s", errstr);
	return rk;
}

void
unit_mock_kconf(struct tide_kconf *kc)
{
	struct tide_kconf_err kerr;

	tide_kconf_init(kc);
	ck_assert_int_eq(tide_kconf_brokers(kc, unit_mock_boot()), 0);
	ck_assert_int_eq(tide_kconf_set(kc, "log_level=0", &kerr), 0);
}

void
unit_mock_stop(void)
{
	rd_kafka_mock_cluster_destroy(mock_mc);
	rd_kafka_destroy(mock_rk);
}

int
main(int argc, char **argv)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define SUITE(n) if (argc < 2 || strcmp(argv[1], #n) == 0) srunner_add_suite(sr, suite_##n());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
