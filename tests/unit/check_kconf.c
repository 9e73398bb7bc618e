#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "kafka/kconf.h"
#include "prog.h"
#include "unit.h"

static const char *
topic_get(rd_kafka_conf_t *conf, const char *name)
{
	static char val[512];
	size_t n = sizeof(val);
	rd_kafka_topic_conf_t *tc = rd_kafka_conf_get_default_topic_conf(conf);

	if (tc == NULL || rd_kafka_topic_conf_get(tc, name, val, &n) !=
	    RD_KAFKA_CONF_OK)
		return "<unset>";
	return val;
}

static char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/check_kconf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

START_TEST(test_kconf_command_line_wins_over_defaults_and_file)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	const char *defaults[] = { "client.id=default", "fetch.wait.max.ms=10",
		NULL };
	char *path = write_tmp("# comment\n\n  client.id = fromfile\n"
	    "socket.timeout.ms=1234\n");
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	/* -X before -F on the command line: the file still applies first. */
	ck_assert_int_eq(tide_kconf_set(&kc, "client.id=fromx", &err), 0);
	ck_assert_int_eq(tide_kconf_file(&kc, path, &err), 0);
	ck_assert_int_eq(tide_kconf_brokers(&kc, "h1:9092,h2:9092"), 0);
	ck_assert_int_eq(tide_kconf_debug(&kc, "broker,topic"), 0);
	ck_assert_uint_eq(kc.nprops, 3);
	ck_assert_str_eq(kc.props[0], "client.id=fromfile");
	ck_assert_str_eq(kc.props[2], "client.id=fromx");
	conf = tide_kconf_build(&kc, defaults, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "fromx");
	ck_assert_str_eq(unit_kconf_get(conf, "socket.timeout.ms"), "1234");
	ck_assert_str_eq(unit_kconf_get(conf, "fetch.wait.max.ms"), "10");
	ck_assert_str_eq(unit_kconf_get(conf, "bootstrap.servers"), "h1:9092,h2:9092");
	ck_assert_str_eq(unit_kconf_get(conf, "debug"), "broker,topic");
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
	unlink(path);
}
END_TEST

/* librdkafka's 10 s reconnect backoff outlasts the programs' bounds on an
 * outage: tide's default is 1 s, and the user's setting still wins. */
START_TEST(test_kconf_build_bounds_the_reconnect_backoff_by_default)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	const char *defaults[] = { "client.id=x", NULL };
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	conf = tide_kconf_build(&kc, defaults, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "reconnect.backoff.max.ms"),
	    "1000");
	rd_kafka_conf_destroy(conf);
	ck_assert_int_eq(tide_kconf_set(&kc, "reconnect.backoff.max.ms=7000",
	    &err), 0);
	conf = tide_kconf_build(&kc, defaults, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "reconnect.backoff.max.ms"),
	    "7000");
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_file_trims_spaces_around_name_and_value)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	char *path = write_tmp("\tclient.id=spaced   \r\n");
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_file(&kc, path, &err), 0);
	conf = tide_kconf_build(&kc, NULL, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "spaced");
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
	unlink(path);
}
END_TEST

START_TEST(test_kconf_topic_prefix_sets_topic_property)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_set(&kc, "topic.auto.offset.reset=earliest",
	    &err), 0);
	ck_assert_int_eq(tide_kconf_set(&kc, "topic.request.required.acks=1",
	    &err), 0);
	conf = tide_kconf_build(&kc, NULL, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(topic_get(conf, "auto.offset.reset"), "smallest");
	ck_assert_str_eq(topic_get(conf, "request.required.acks"), "1");
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_set_rejects_unknown_property_naming_it)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_set(&kc, "no.such.prop=1", &err), TIDE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "no.such.prop"));
	ck_assert_uint_eq(kc.nprops, 0);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_set_rejects_bad_value)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_set(&kc, "fetch.wait.max.ms=soon", &err),
	    TIDE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "fetch.wait.max.ms"));
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_set_rejects_missing_equals_and_empty_name)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_set(&kc, "client.id", &err), TIDE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a property=value"));
	ck_assert_int_eq(tide_kconf_set(&kc, "=x", &err), TIDE_EINVAL);
	ck_assert_int_eq(tide_kconf_brokers(&kc, ""), TIDE_EINVAL);
	ck_assert_int_eq(tide_kconf_debug(&kc, ""), TIDE_EINVAL);
	ck_assert_uint_eq(kc.nprops, 0);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_file_error_names_file_and_line)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	char *path = write_tmp("client.id=a\n# fine\nbogus.setting=1\n");
	char want[128];

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_file(&kc, path, &err), TIDE_EINVAL);
	snprintf(want, sizeof(want), "%s: line 3: bogus.setting", path);
	ck_assert_ptr_nonnull(strstr(err.msg, want));
	unlink(path);
	ck_assert_int_eq(tide_kconf_file(&kc, "/nonexistent/tide.conf", &err),
	    TIDE_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/tide.conf"));
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_env_fills_only_what_was_not_given)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	char *path = write_tmp("client.id=envfile\n");
	rd_kafka_conf_t *conf;

	setenv("TIDE_CONFIG", path, 1);
	setenv("TIDE_BROKERS", "envhost:1", 1);
	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_has_brokers(&kc), 0);
	ck_assert_int_eq(tide_kconf_env(&kc, &err), 0);
	ck_assert_int_eq(tide_kconf_has_brokers(&kc), 1);
	conf = tide_kconf_build(&kc, NULL, &err);
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "envfile");
	ck_assert_str_eq(unit_kconf_get(conf, "bootstrap.servers"), "envhost:1");
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);

	/* -b given: $TIDE_BROKERS is not used. */
	tide_kconf_init(&kc);
	tide_kconf_brokers(&kc, "cli:2");
	ck_assert_int_eq(tide_kconf_env(&kc, &err), 0);
	ck_assert_str_eq(kc.brokers, "cli:2");
	tide_kconf_release(&kc);

	/* A missing $TIDE_CONFIG file is an error. */
	setenv("TIDE_CONFIG", "/nonexistent/x.conf", 1);
	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_env(&kc, &err), TIDE_EIO);
	tide_kconf_release(&kc);
	unsetenv("TIDE_CONFIG");
	unsetenv("TIDE_BROKERS");
	unlink(path);
}
END_TEST

START_TEST(test_kconf_has_brokers_from_bootstrap_setting)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_set(&kc, "bootstrap.servers=x:1", &err), 0);
	ck_assert_int_eq(tide_kconf_has_brokers(&kc), 1);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_build_reports_bad_default)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	const char *defaults[] = { "nope.nope=1", NULL };

	tide_kconf_init(&kc);
	ck_assert_ptr_null(tide_kconf_build(&kc, defaults, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "nope.nope"));
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_dump_redacts_secrets)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	rd_kafka_conf_t *conf;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_set(&kc, "sasl.password=hunter2", &err), 0);
	ck_assert_int_eq(tide_kconf_set(&kc, "sasl.username=alice", &err), 0);
	conf = tide_kconf_build(&kc, NULL, &err);
	ck_assert_ptr_nonnull(conf);
	fp = open_memstream(&buf, &len);
	tide_kconf_dump(conf, fp);
	fclose(fp);
	ck_assert_ptr_null(strstr(buf, "hunter2"));
	ck_assert_ptr_nonnull(strstr(buf, "\nsasl.password=[redacted]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nsasl.username=alice\n"));
	free(buf);
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconf_is_secret)
{
	ck_assert_int_eq(tide_kconf_is_secret("sasl.password"), 1);
	ck_assert_int_eq(tide_kconf_is_secret("ssl.key.password"), 1);
	ck_assert_int_eq(tide_kconf_is_secret("sasl.oauthbearer.client.secret"), 1);
	ck_assert_int_eq(tide_kconf_is_secret("sasl.oauthbearer.config"), 1);
	ck_assert_int_eq(tide_kconf_is_secret("ssl.key.pem"), 1);
	ck_assert_int_eq(tide_kconf_is_secret("client.id"), 0);
	ck_assert_int_eq(tide_kconf_is_secret("sasl.username"), 0);
	ck_assert_int_eq(tide_kconf_is_secret("ssl.certificate.pem"), 0);
}
END_TEST

START_TEST(test_kconf_option_takes_the_four_kafka_options)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	char *path = write_tmp("client.id=fromfile\n");
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_option(&kc, 'X', "client.id=fromx", &err), 1);
	ck_assert_int_eq(tide_kconf_option(&kc, 'F', path, &err), 1);
	ck_assert_int_eq(tide_kconf_option(&kc, 'b', "h:1", &err), 1);
	ck_assert_int_eq(tide_kconf_option(&kc, 'd', "broker", &err), 1);
	ck_assert_str_eq(kc.brokers, "h:1");
	ck_assert_str_eq(kc.debug, "broker");
	conf = tide_kconf_build(&kc, NULL, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "fromx");
	rd_kafka_conf_destroy(conf);
	/* Any other option is not its business and changes nothing. */
	ck_assert_int_eq(tide_kconf_option(&kc, 't', "topic", &err), 0);
	ck_assert_int_eq(tide_kconf_option(&kc, 'c', "1", &err), 0);
	ck_assert_uint_eq(kc.nprops, 2);
	tide_kconf_release(&kc);
	unlink(path);
}
END_TEST

/* A file with line, written with mode; returns its path (static). */
static const char *
conf_file(const char *text, mode_t mode)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/check_kconf_sec.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

START_TEST(test_kconf_file_line_error_never_shows_the_value)
{
	struct tide_kconf kc;
	struct tide_kconf_err err;
	const char *p = conf_file("client.id=x\nsasl.password SECRET123\n", 0600);
	char want[256];

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_file(&kc, p, &err), TIDE_EINVAL);
	snprintf(want, sizeof(want), "%s: line 2: not a property=value "
	    "setting: 'sasl.password ...'", p);
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(strstr(err.msg, "SECRET"));
	tide_kconf_release(&kc);
	unlink(p);
}
END_TEST

START_TEST(test_kconf_file_with_a_secret_readable_by_others_warns)
{
	static const struct {
		const char *text;
		mode_t mode;
		const char *warn;	/* after the path, or NULL */
	} c[] = {
		{ "sasl.password=s3\n", 0644,
		    " sets sasl.password but can be read by others (mode 644): chmod go-rwx it" },
		{ "sasl.username=u\nsasl.password = s3\n", 0640,
		    " sets sasl.password but can be read by its group (mode 640): chmod go-rwx it" },
		{ "sasl.password=s3\n", 0600, NULL },
		{ "sasl.password=s3\n", 0400, NULL },
		/* No secret: no warning, whatever the mode. */
		{ "client.id=x\n", 0666, NULL },
	};
	struct tide_kconf kc;
	struct tide_kconf_err err;
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *p = conf_file(c[i].text, c[i].mode);

		tide_kconf_init(&kc);
		ck_assert_int_eq(tide_kconf_file(&kc, p, &err), 0);
		if (c[i].warn == NULL) {
			ck_assert_ptr_null(tide_kconf_warning(&kc));
		} else {
			snprintf(want, sizeof(want), "%s%s", p, c[i].warn);
			ck_assert_str_eq(tide_kconf_warning(&kc), want);
			ck_assert_ptr_null(strstr(tide_kconf_warning(&kc), "s3"));
		}
		tide_kconf_release(&kc);
		unlink(p);
	}
}
END_TEST

START_TEST(test_kconf_option_errors_name_the_option)
{
	static const struct {
		int id;
		const char *arg;
		int r;
		const char *msg;
	} bad[] = {
		{ 'b', "", TIDE_EINVAL, "-b: empty broker list" },
		{ 'd', "", TIDE_EINVAL, "-d: empty debug context list" },
		{ 'X', "fetch", TIDE_EINVAL,
		    "-X: not a property=value setting: 'fetch'" },
		{ 'X', "=1", TIDE_EINVAL,
		    "-X: not a property=value setting: no property name" },
		/* Never the value: it may be a secret. */
		{ 'X', "sasl.password SECRET123", TIDE_EINVAL,
		    "-X: not a property=value setting: 'sasl.password ...'" },
		{ 'X', "no.such=1", TIDE_EINVAL,
		    "-X: no.such: No such configuration property: \"no.such\"" },
		{ 'F', "/nonexistent/tide.conf", TIDE_EIO,
		    "-F: /nonexistent/tide.conf: No such file or directory" },
	};
	struct tide_kconf kc;
	struct tide_kconf_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tide_kconf_init(&kc);
		ck_assert_int_eq(tide_kconf_option(&kc, bad[i].id, bad[i].arg,
		    &err), bad[i].r);
		ck_assert_str_eq(err.msg, bad[i].msg);
		ck_assert_uint_eq(kc.nprops, 0);
		ck_assert_ptr_null(kc.brokers);
		ck_assert_ptr_null(kc.debug);
		tide_kconf_release(&kc);
	}
}
END_TEST

Suite *
suite_kconf(void)
{
	Suite *s = suite_create("kconf");
	TCase *tc = tcase_create("kconf");

	tcase_add_test(tc, test_kconf_command_line_wins_over_defaults_and_file);
	tcase_add_test(tc, test_kconf_build_bounds_the_reconnect_backoff_by_default);
	tcase_add_test(tc, test_kconf_file_trims_spaces_around_name_and_value);
	tcase_add_test(tc, test_kconf_topic_prefix_sets_topic_property);
	tcase_add_test(tc, test_kconf_set_rejects_unknown_property_naming_it);
	tcase_add_test(tc, test_kconf_set_rejects_bad_value);
	tcase_add_test(tc, test_kconf_set_rejects_missing_equals_and_empty_name);
	tcase_add_test(tc, test_kconf_file_error_names_file_and_line);
	tcase_add_test(tc, test_kconf_env_fills_only_what_was_not_given);
	tcase_add_test(tc, test_kconf_has_brokers_from_bootstrap_setting);
	tcase_add_test(tc, test_kconf_build_reports_bad_default);
	tcase_add_test(tc, test_kconf_dump_redacts_secrets);
	tcase_add_test(tc, test_kconf_is_secret);
	tcase_add_test(tc, test_kconf_option_takes_the_four_kafka_options);
	tcase_add_test(tc, test_kconf_option_errors_name_the_option);
	tcase_add_test(tc, test_kconf_file_line_error_never_shows_the_value);
	tcase_add_test(tc, test_kconf_file_with_a_secret_readable_by_others_warns);
	suite_add_tcase(s, tc);
	return s;
}
