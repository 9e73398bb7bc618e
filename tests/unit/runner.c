#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

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

const char *
unit_kconf_get(rd_kafka_conf_t *conf, const char *name)
{
	static char val[512];
	size_t n = sizeof(val);

	if (rd_kafka_conf_get(conf, name, val, &n) != RD_KAFKA_CONF_OK)
		return "<unknown>";
	return val;
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
