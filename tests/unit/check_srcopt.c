/* tide_srcopt_check(): which of tide-source's options go together. */
#include <stddef.h>
#include <string.h>

#include "srcopt.h"
#include "unit.h"

#define T(f)	TIDE_SRCOPT_##f
#define CHECK(g, step)	tide_srcopt_check((g), TIDE_SRCOPT_##step)

/* The error of step for g begins with what. */
static void
says(uint32_t g, enum tide_srcopt_step step, const char *what)
{
	const char *why = tide_srcopt_check(g, step);

	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strncmp(why, what, strlen(what)) == 0, "'%s' not '%s'",
	    why, what);
}

START_TEST(test_srcopt_plain_reads_go)
{
	uint32_t topic = T(TOPIC) | T(OFFSET) | T(EXIT) | T(PARTS) |
	    T(COUNT) | T(WHERE) | T(PRINT);
	uint32_t files = T(FILES) | T(FROM) | T(TO) | T(TIME) | T(COUNT);
	int step;

	for (step = TIDE_SRCOPT_ALONE; step <= TIDE_SRCOPT_RANGE; step++) {
		ck_assert_ptr_null(tide_srcopt_check(topic, step));
		ck_assert_ptr_null(tide_srcopt_check(files, step));
		ck_assert_ptr_null(tide_srcopt_check(T(TOPIC) | T(GROUP) |
		    T(OFFSET) | T(OFFNAMED) | T(OFFSTORED), step));
		ck_assert_ptr_null(tide_srcopt_check(T(TOPIC) | T(RESUME) |
		    T(ENVELOPE) | T(FROM) | T(TO), step));
		ck_assert_ptr_null(tide_srcopt_check(T(LAG) | T(GROUP) |
		    T(TOPIC) | T(ENVELOPE), step));
		ck_assert_ptr_null(tide_srcopt_check(T(LAG) | T(GROUP), step));
		ck_assert_ptr_null(tide_srcopt_check(T(LAG) | T(GROUP) |
		    T(ENVELOPE), step));
		ck_assert_ptr_null(tide_srcopt_check(T(LIST), step));
		ck_assert_ptr_null(tide_srcopt_check(T(DUMPCONF), step));
		ck_assert_ptr_null(tide_srcopt_check(T(FILES) | T(SUMMARY) |
		    T(ENVELOPE) | T(TIME), step));
	}
}
END_TEST

START_TEST(test_srcopt_inspection_goes_alone)
{
	says(T(LIST) | T(LAG), TIDE_SRCOPT_ALONE, "-L, --lag and --summary");
	says(T(SUMMARY) | T(PROJ), TIDE_SRCOPT_ALONE, "-L, --lag");
	says(T(LIST) | T(COUNT), TIDE_SRCOPT_ALONE, "-L, --lag");
	says(T(LIST) | T(EXIT), TIDE_SRCOPT_ALONE, "-L, --lag");
	says(T(SUMMARY) | T(GROUP), TIDE_SRCOPT_ALONE, "-L, --lag");
	says(T(LAG) | T(TOPIC), TIDE_SRCOPT_ALONE, "--lag needs a group: "
	    "-G group (and -t topic to name its topics)");
	says(T(LAG), TIDE_SRCOPT_ALONE, "--lag needs a group");
	ck_assert_ptr_null(CHECK(T(SUMMARY) | T(TOPIC) | T(FROM) | T(EXIT) |
	    T(PARTS) | T(COUNT) | T(WHERE), ALONE));
}
END_TEST

START_TEST(test_srcopt_topics_or_files)
{
	says(T(FILES) | T(TOPIC), TIDE_SRCOPT_INPUT, "give topics (-t) or");
	says(T(FILES) | T(ENVELOPE), TIDE_SRCOPT_INPUT, "-J, -G, -p, -o");
	says(T(FILES) | T(RESUME), TIDE_SRCOPT_INPUT, "-J, -G, -p, -o");
	says(T(FILES) | T(TIME), TIDE_SRCOPT_INPUT, "--time goes with");
	says(T(FILES) | T(WIRE), TIDE_SRCOPT_INPUT, "--schema-registry, "
	    "--key-format, --value-format, --avro-json, --decimal-format and "
	    "--proto-* apply to Kafka");
	says(T(FILES) | T(FROM) | T(TO) | T(BACKWARDS), TIDE_SRCOPT_INPUT,
	    "--to is before --from");
	says(0, TIDE_SRCOPT_INPUT, "no topic (-t) and no file given");
	says(T(TOPIC) | T(TIME), TIDE_SRCOPT_INPUT, "--time applies to files");
	/* Files take none of the later steps' rules. */
	ck_assert_ptr_null(CHECK(T(FILES) | T(FROM), KAFKA));
	ck_assert_ptr_null(CHECK(T(FILES) | T(BACKWARDS), RANGE));
}
END_TEST

START_TEST(test_srcopt_where_kafka_starts)
{
	says(T(TOPIC) | T(GROUP) | T(PARTS), TIDE_SRCOPT_KAFKA,
	    "-G cannot be used with -p");
	says(T(TOPIC) | T(GROUP) | T(OFFSET), TIDE_SRCOPT_KAFKA,
	    "-o: with -G only beginning, end or stored");
	says(T(TOPIC) | T(OFFSET) | T(FROM), TIDE_SRCOPT_KAFKA,
	    "-o and --from both");
	says(T(TOPIC) | T(RESUME) | T(GROUP) | T(ENVELOPE), TIDE_SRCOPT_KAFKA,
	    "--resume cannot be used with -G");
	says(T(TOPIC) | T(RESUME), TIDE_SRCOPT_KAFKA, "--resume needs -J");
	says(T(TOPIC) | T(OFFSET) | T(OFFNAMED) | T(OFFSTORED),
	    TIDE_SRCOPT_RANGE, "-o stored needs a group");
	says(T(TOPIC) | T(FROM) | T(TO) | T(BACKWARDS), TIDE_SRCOPT_RANGE,
	    "--to is before --from");
	/* The first rule broken is named. */
	says(T(TOPIC) | T(GROUP) | T(FROM) | T(OFFSET), TIDE_SRCOPT_KAFKA,
	    "-G cannot be used");
}
END_TEST

Suite *
suite_srcopt(void)
{
	Suite *s = suite_create("srcopt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_srcopt_plain_reads_go);
	tcase_add_test(tc, test_srcopt_inspection_goes_alone);
	tcase_add_test(tc, test_srcopt_topics_or_files);
	tcase_add_test(tc, test_srcopt_where_kafka_starts);
	suite_add_tcase(s, tc);
	return s;
}
