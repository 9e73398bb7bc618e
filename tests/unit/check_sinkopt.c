/* tide_sinkopt_check(): which of tide-sink's options go together. */
#include <stddef.h>

#include "sinkopt.h"
#include "unit.h"

#define T(f)	TIDE_SINKOPT_##f

START_TEST(test_sinkopt_one_back_end_alone_goes)
{
	ck_assert_ptr_null(tide_sinkopt_check(T(TOPIC)));
	ck_assert_ptr_null(tide_sinkopt_check(T(OUTPUT)));
	ck_assert_ptr_null(tide_sinkopt_check(T(OUTPUT) | T(STDOUT)));
	ck_assert_ptr_null(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
	    T(UPSERT)));
	ck_assert_ptr_null(tide_sinkopt_check(T(REDIS) | T(UPSERT)));
}
END_TEST

START_TEST(test_sinkopt_each_back_end_with_its_own_options_goes)
{
	ck_assert_ptr_null(tide_sinkopt_check(T(TOPIC) | T(KEY) |
	    T(PARTITION) | T(PARTFIELD) | T(HEADER) | T(TIMESTAMP) |
	    T(CODEC) | T(TEE) | T(DOWNTIMEOUT) | T(TXNID)));
	ck_assert_ptr_null(tide_sinkopt_check(T(TOPIC) | T(ENVELOPE) |
	    T(KEEPPART)));
	/* -J with a fixed partition number is allowed. */
	ck_assert_ptr_null(tide_sinkopt_check(T(TOPIC) | T(ENVELOPE) |
	    T(PARTITION)));
	ck_assert_ptr_null(tide_sinkopt_check(T(OUTPUT) | T(CSV) |
	    T(ROTATE) | T(LEVEL) | T(TIME)));
	ck_assert_ptr_null(tide_sinkopt_check(T(OUTPUT) | T(STDOUT) |
	    T(CSV) | T(TIME)));
	ck_assert_ptr_null(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
	    T(UPSERT) | T(COLUMNS) | T(HISTORY) | T(TIME) | T(TTL) |
	    T(BATCH) | T(BATCHTIME)));
	ck_assert_ptr_null(tide_sinkopt_check(T(REDIS) | T(UPSERT) |
	    T(PREFIX) | T(ASJSON) | T(TTL) | T(BATCH) | T(BATCHTIME)));
}
END_TEST

START_TEST(test_sinkopt_none_or_two_back_ends_is_an_error)
{
	const char *want = "give one of -t topic, -o path, --sqlite file or "
	    "--redis url";

	ck_assert_str_eq(tide_sinkopt_check(0), want);
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(OUTPUT)), want);
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(REDIS) |
	    T(UPSERT)), want);
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(OUTPUT) |
	    T(SQLITE) | T(REDIS)), want);
	/* Before any other complaint. */
	ck_assert_str_eq(tide_sinkopt_check(T(TABLE) | T(DOWNTIMEOUT)),
	    want);
}
END_TEST

START_TEST(test_sinkopt_view_options_without_their_view)
{
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(TABLE)),
	    "--table, --columns and --history are for --sqlite");
	ck_assert_str_eq(tide_sinkopt_check(T(REDIS) | T(UPSERT) |
	    T(COLUMNS)), "--table, --columns and --history are for --sqlite");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(HISTORY)),
	    "--table, --columns and --history are for --sqlite");
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
	    T(UPSERT) | T(PREFIX)), "--prefix and --as-json are for --redis");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(ASJSON)),
	    "--prefix and --as-json are for --redis");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(UPSERT)),
	    "--upsert, --batch, --batch-time and --ttl are for --sqlite and "
	    "--redis");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(BATCH)),
	    "--upsert, --batch, --batch-time and --ttl are for --sqlite and "
	    "--redis");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(BATCHTIME)),
	    "--upsert, --batch, --batch-time and --ttl are for --sqlite and "
	    "--redis");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(TTL)),
	    "--upsert, --batch, --batch-time and --ttl are for --sqlite and "
	    "--redis");
}
END_TEST

START_TEST(test_sinkopt_a_view_needs_its_keys_table_and_time)
{
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE)),
	    "--sqlite needs --upsert field[,field]");
	ck_assert_str_eq(tide_sinkopt_check(T(REDIS)),
	    "--redis needs --upsert field[,field]");
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(UPSERT)),
	    "--sqlite needs --table name");
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
	    T(UPSERT) | T(HISTORY)), "--history needs --time field");
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
	    T(UPSERT) | T(HISTORY) | T(TTL)), "--history needs --time field");
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
	    T(UPSERT) | T(TTL)), "--ttl needs --time field");
	/* Redis's --ttl counts from each write: no --time, and none taken. */
	ck_assert_str_eq(tide_sinkopt_check(T(REDIS) | T(UPSERT) | T(TIME)),
	    "--time is not used with --redis (--ttl counts from each write)");
}
END_TEST

START_TEST(test_sinkopt_kafka_and_file_options_not_with_a_view)
{
	static const uint32_t each[] = {
		T(CSV), T(ROTATE), T(LEVEL), T(KEY), T(PARTITION), T(HEADER),
		T(TIMESTAMP), T(CODEC), T(ENVELOPE), T(KEEPPART), T(TEE),
	};
	size_t i;

	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE) |
		    T(UPSERT) | each[i]), "Kafka and file options do not go "
		    "with a view");
		ck_assert_str_eq(tide_sinkopt_check(T(REDIS) | T(UPSERT) |
		    each[i]), "Kafka and file options do not go with a view");
	}
	ck_assert_str_eq(tide_sinkopt_check(T(REDIS) | T(UPSERT) |
	    T(DOWNTIMEOUT)), "--down-timeout is for -t");
	ck_assert_str_eq(tide_sinkopt_check(T(SQLITE) | T(TABLE) | T(UPSERT) |
	    T(TXNID)), "--transactional-id is for -t");
	ck_assert_str_eq(tide_sinkopt_check(T(REDIS) | T(UPSERT) | T(TXNID)),
	    "--transactional-id is for -t");
}
END_TEST

START_TEST(test_sinkopt_kafka_options_and_their_rules)
{
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(CSV)),
	    "--format, --rotate, --time and --level are for -o");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(ROTATE)),
	    "--format, --rotate, --time and --level are for -o");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(TIME)),
	    "--format, --rotate, --time and --level are for -o");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(LEVEL)),
	    "--format, --rotate, --time and --level are for -o");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(ENVELOPE) | T(KEY)),
	    "-J takes key, partition and timestamp from the envelope: no "
	    "--key, --partition field or --timestamp");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(ENVELOPE) |
	    T(PARTITION) | T(PARTFIELD)), "-J takes key, partition and "
	    "timestamp from the envelope: no --key, --partition field or "
	    "--timestamp");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(ENVELOPE) |
	    T(TIMESTAMP)), "-J takes key, partition and timestamp from the "
	    "envelope: no --key, --partition field or --timestamp");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(KEEPPART)),
	    "--keep-partition needs -J");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(KEEPPART) |
	    T(PARTITION)), "--keep-partition needs -J");
	ck_assert_str_eq(tide_sinkopt_check(T(TOPIC) | T(ENVELOPE) |
	    T(KEEPPART) | T(PARTITION)), "--keep-partition and --partition "
	    "exclude each other");
}
END_TEST

START_TEST(test_sinkopt_file_options_and_their_rules)
{
	static const uint32_t each[] = {
		T(KEY), T(PARTITION), T(HEADER), T(TIMESTAMP), T(CODEC),
		T(ENVELOPE), T(KEEPPART), T(TEE),
	};
	size_t i;

	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++)
		ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | each[i]),
		    "--key, --partition, -H, --timestamp, -z, -J and --tee "
		    "are for -t");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(STDOUT) |
	    T(ROTATE)), "--rotate needs a file, not -o -");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(DOWNTIMEOUT)),
	    "--down-timeout is for -t");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(STDOUT) |
	    T(DOWNTIMEOUT)), "--down-timeout is for -t");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(TXNID)),
	    "--transactional-id is for -t");
	ck_assert_str_eq(tide_sinkopt_check(T(OUTPUT) | T(STDOUT) |
	    T(TXNID)), "--transactional-id is for -t");
}
END_TEST

Suite *
suite_sinkopt(void)
{
	Suite *s = suite_create("sinkopt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sinkopt_one_back_end_alone_goes);
	tcase_add_test(tc, test_sinkopt_each_back_end_with_its_own_options_goes);
	tcase_add_test(tc, test_sinkopt_none_or_two_back_ends_is_an_error);
	tcase_add_test(tc, test_sinkopt_view_options_without_their_view);
	tcase_add_test(tc, test_sinkopt_a_view_needs_its_keys_table_and_time);
	tcase_add_test(tc, test_sinkopt_kafka_and_file_options_not_with_a_view);
	tcase_add_test(tc, test_sinkopt_kafka_options_and_their_rules);
	tcase_add_test(tc, test_sinkopt_file_options_and_their_rules);
	suite_add_tcase(s, tc);
	return s;
}
