#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "err.h"
#include "json.h"
#include "unit.h"

static const char *
emit_str(const struct tide_aggspec *s, const void *st, struct tide_buf *b)
{
	struct tide_jobj o;

	tide_buf_reset(b);
	tide_jobj_begin(&o, b);
	ck_assert_int_eq(tide_agg_emit(s, st, &o), 0);
	tide_jobj_end(&o);
	return tide_buf_cstr(b);
}

/* Feed one record (a JSON object) to st. */
static int
feed(const struct tide_aggspec *s, void *st, int64_t t, const char *rec)
{
	struct tide_json_val jv[16];
	struct tide_aggval v[16];
	int bad = -1, r;

	ck_assert_int_eq(tide_json_check(rec, strlen(rec), 64, NULL, NULL), 0);
	tide_json_get_many(rec, strlen(rec), s->paths, s->nfields, jv);
	if ((r = tide_agg_values(s, jv, v, &bad)) < 0)
		return bad;
	tide_agg_update(s, st, t, v);
	return -1;
}

START_TEST(test_aggspec_parses_names_and_fields)
{
	struct tide_aggspec s;
	struct tide_aggerr e;

	ck_assert_int_eq(tide_aggspec_parse(&s,
	    "count, sum(amount),avg(amount) as a,p99(latency),top(3, merchant),"
	    "approx_distinct(card.bin),median(x) as med", 0, &e), 0);
	ck_assert_int_eq(s.naggs, 7);
	ck_assert_int_eq(s.nfields, 5);	/* amount, latency, merchant, card.bin, x */
	ck_assert_str_eq(s.aggs[0].name, "count");
	ck_assert_str_eq(s.aggs[1].name, "sum_amount");
	ck_assert_str_eq(s.aggs[2].name, "a");
	ck_assert_str_eq(s.aggs[3].name, "p99_latency");
	ck_assert_double_eq(s.aggs[3].q, 0.99);
	ck_assert_str_eq(s.aggs[4].name, "top3_merchant");
	ck_assert_int_eq(s.aggs[4].k, 3);
	ck_assert_str_eq(s.aggs[5].name, "approx_distinct_card_bin");
	ck_assert_double_eq(s.aggs[6].q, 0.5);
	ck_assert_int_eq(s.numeric[0], 1);
	ck_assert_int_eq(s.numeric[2], 0);
	ck_assert_int_eq(s.hll_p, 14);
	tide_aggspec_release(&s);
}
END_TEST

START_TEST(test_aggspec_rejects_bad_lists)
{
	static const struct { const char *text, *reason; } bad[] = {
		{ "", "expected an aggregate" },
		{ "count,", "expected an aggregate" },
		{ "sum", "aggregate needs a field" },
		{ "sum(x", "missing ')'" },
		{ "sum(x,y)", "too many arguments" },
		{ "sum()", "empty argument" },
		{ "frob(x)", "unknown aggregate 'frob'" },
		{ "p101(x)", "unknown aggregate 'p101'" },
		{ "top(x)", "top needs (k, field)" },
		{ "top(0,x)", "top: k is not an integer" },
		{ "top(a,x)", "top: k is not an integer" },
		{ "count as", "expected ',' or 'as'" },
		{ "count as  ,sum(x)", "'as' needs a name" },
		{ "count count", "expected ',' or 'as'" },
		{ "sum(x),max(x) as sum_x", "duplicate output name 'sum_x'" },
		{ "sum(a..b)", "bad field path" },
	};
	struct tide_aggspec s;
	struct tide_aggerr e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg(tide_aggspec_parse(&s, bad[i].text, 0, &e) ==
		    TIDE_EINVAL, "accepted '%s'", bad[i].text);
		ck_assert_msg(strstr(e.reason, bad[i].reason) != NULL,
		    "'%s': reason '%s'", bad[i].text, e.reason);
	}
}
END_TEST

START_TEST(test_agg_values_rejects_non_numbers_for_numeric_aggs)
{
	struct tide_aggspec s;
	char st[4096];

	ck_assert_int_eq(tide_aggspec_parse(&s, "sum(x),first(y)", 0, NULL), 0);
	tide_agg_init(&s, st);
	ck_assert_int_eq(feed(&s, st, 1, "{\"x\":\"1\",\"y\":1}"), 0);
	ck_assert_int_eq(feed(&s, st, 1, "{\"x\":[1]}"), 0);
	ck_assert_int_eq(feed(&s, st, 1, "{\"x\":true}"), 0);
	ck_assert_int_eq(feed(&s, st, 1, "{\"x\":null,\"y\":\"s\"}"), -1);
	ck_assert_int_eq(feed(&s, st, 1, "{\"y\":{\"a\":1}}"), -1);
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
}
END_TEST

START_TEST(test_agg_empty_results_are_null)
{
	struct tide_aggspec s;
	struct tide_buf b = TIDE_BUF_INIT;
	char st[4096];

	ck_assert_int_eq(tide_aggspec_parse(&s, "count,count(x),sum(x),avg(x),"
	    "min(x),first(x),var_samp(x),distinct(x),p50(x),top(2,x)", 0, NULL), 0);
	tide_agg_init(&s, st);
	feed(&s, st, 1, "{\"y\":1}");
	ck_assert_str_eq(emit_str(&s, st, &b), "{\"count\":1,\"count_x\":0,"
	    "\"sum_x\":null,\"avg_x\":null,\"min_x\":null,\"first_x\":null,"
	    "\"var_samp_x\":null,\"distinct_x\":0,\"p50_x\":null,\"top2_x\":[]}");
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_agg_merge_gives_the_same_results_as_one_block)
{
	struct tide_aggspec s;
	struct tide_buf b1 = TIDE_BUF_INIT, b2 = TIDE_BUF_INIT;
	static char all[8192], p1[8192], p2[8192];
	char rec[128];
	int i;

	/* var and stddev merge with Chan's formula, which agrees with one
	 * pass to rounding only; the CLI tests check them against sqlite3. */
	ck_assert_int_eq(tide_aggspec_parse(&s, "count,sum(x),avg(x),min(x),max(x),"
	    "first(m),last(m),distinct(m),"
	    "approx_distinct(m),p90(x),top(2,m)", 0, NULL), 0);
	tide_agg_init(&s, all);
	tide_agg_init(&s, p1);
	tide_agg_init(&s, p2);
	for (i = 0; i < 300; i++) {
		snprintf(rec, sizeof(rec), "{\"x\":%d.25,\"m\":\"m%d\"}", i % 17,
		    i % 7 == 0 ? 0 : i % 5);
		feed(&s, all, i, rec);
		feed(&s, i < 140 ? p1 : p2, i, rec);
	}
	tide_agg_merge(&s, p1, p2);
	ck_assert_str_eq(emit_str(&s, p1, &b1), emit_str(&s, all, &b2));
	tide_agg_clear(&s, all);
	tide_agg_clear(&s, p1);
	tide_agg_clear(&s, p2);
	tide_aggspec_release(&s);
	tide_buf_release(&b1);
	tide_buf_release(&b2);
}
END_TEST

/* tide_agg_reset() leaves a used block as tide_agg_init() makes a new one:
 * zeroed when the aggregates own no memory, cleared and set up again
 * when they do (ASan sees the sketches freed). */
START_TEST(test_agg_reset_gives_an_empty_block)
{
	static const char *lists[] = {
		"count,sum(x),avg(x),min(x),max(x),stddev(x)",
		"count,first(x),last(x),distinct(x),p50(x),top(2,x)",
	};
	static const int plain[] = { 1, 0 };
	struct tide_aggspec s;
	struct tide_buf b1 = TIDE_BUF_INIT, b2 = TIDE_BUF_INIT;
	static char used[8192], fresh[8192];
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		ck_assert_int_eq(tide_aggspec_parse(&s, lists[i], 0, NULL), 0);
		ck_assert_int_eq(s.plain, plain[i]);
		tide_agg_init(&s, used);
		tide_agg_init(&s, fresh);
		feed(&s, used, 1, "{\"x\":2.5}");
		feed(&s, used, 2, "{\"x\":-1}");
		tide_agg_reset(&s, used);
		ck_assert_str_eq(emit_str(&s, used, &b1), emit_str(&s, fresh, &b2));
		feed(&s, used, 3, "{\"x\":7}");
		feed(&s, fresh, 3, "{\"x\":7}");
		ck_assert_str_eq(emit_str(&s, used, &b1), emit_str(&s, fresh, &b2));
		ck_assert(strstr(tide_buf_cstr(&b1), "7") != NULL);
		tide_agg_clear(&s, used);
		tide_agg_clear(&s, fresh);
		tide_aggspec_release(&s);
	}
	tide_buf_release(&b1);
	tide_buf_release(&b2);
}
END_TEST

START_TEST(test_agg_first_last_by_event_time_and_canonical_distinct)
{
	struct tide_aggspec s;
	struct tide_buf b = TIDE_BUF_INIT;
	char st[4096];

	ck_assert_int_eq(tide_aggspec_parse(&s, "first(v),last(v),distinct(v)",
	    0, NULL), 0);
	tide_agg_init(&s, st);
	feed(&s, st, 20, "{\"v\":\"b\"}");
	feed(&s, st, 10, "{\"v\":\"a\"}");
	feed(&s, st, 30, "{\"v\":1}");
	feed(&s, st, 30, "{\"v\":1.0}");
	feed(&s, st, 5, "{\"v\":\"\\u0061\"}");
	ck_assert_str_eq(emit_str(&s, st, &b),
	    "{\"first_v\":\"\\u0061\",\"last_v\":1.0,\"distinct_v\":3}");
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_agg_save_load_round_trips_and_refuses_truncation)
{
	struct tide_aggspec s;
	struct tide_buf b1 = TIDE_BUF_INIT, b2 = TIDE_BUF_INIT;
	struct tide_buf saved = TIDE_BUF_INIT, again = TIDE_BUF_INIT;
	static char st[8192], back[8192];
	const char *p;
	char rec[128];
	size_t n;
	int i;

	ck_assert_int_eq(tide_aggspec_parse(&s, "count,sum(x),avg(x),min(x),"
	    "max(x),first(m),last(m),var(x),distinct(m),approx_distinct(m),"
	    "p90(x),top(2,m)", 0, NULL), 0);
	tide_agg_init(&s, st);
	for (i = 0; i < 200; i++) {
		snprintf(rec, sizeof(rec), "{\"x\":%d.5,\"m\":\"m%d\"}",
		    i % 13 - 4, i % 9);
		feed(&s, st, i, rec);
	}
	tide_agg_save(&s, st, &saved);
	tide_agg_init(&s, back);
	p = saved.data;
	ck_assert_int_eq(tide_agg_load(&s, back, &p, saved.data + saved.len), 0);
	ck_assert_ptr_eq(p, saved.data + saved.len);
	ck_assert_str_eq(emit_str(&s, back, &b1), emit_str(&s, st, &b2));
	/* The restored block goes on as the original does. */
	feed(&s, st, 500, "{\"x\":99,\"m\":\"new\"}");
	feed(&s, back, 500, "{\"x\":99,\"m\":\"new\"}");
	ck_assert_str_eq(emit_str(&s, back, &b1), emit_str(&s, st, &b2));
	tide_agg_save(&s, back, &again);
	tide_buf_reset(&saved);
	tide_agg_save(&s, st, &saved);
	ck_assert_uint_eq(again.len, saved.len);
	tide_agg_clear(&s, back);
	/* Every truncation is refused. */
	for (n = 0; n < saved.len; n += 7) {
		tide_agg_init(&s, back);
		p = saved.data;
		ck_assert_int_eq(tide_agg_load(&s, back, &p, saved.data + n),
		    TIDE_EFORMAT);
		tide_agg_clear(&s, back);
	}
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
	tide_buf_release(&b1);
	tide_buf_release(&b2);
	tide_buf_release(&saved);
	tide_buf_release(&again);
}
END_TEST

/*
 * count_distinct starts as a small array and becomes a hash table past 16
 * values or 512 bytes; approx_distinct and p90 start sparse (issue 18
 * item 8).
 * Across the switches the counts are exact, merge and save/load give what
 * one block fed everything gives, in every pair of forms.
 */
START_TEST(test_agg_small_and_large_sets_agree)
{
	struct tide_aggspec s;
	struct tide_buf b1 = TIDE_BUF_INIT, b2 = TIDE_BUF_INIT;
	struct tide_buf saved = TIDE_BUF_INIT;
	static char all[4096], p1[4096], p2[4096], back[4096];
	static const int ns[] = { 1, 15, 16, 17, 40, 2000 };
	char rec[700], want[128];
	const char *p;
	size_t t;
	int i, cut, wide;

	ck_assert_int_eq(tide_aggspec_parse(&s, "distinct(m),approx_distinct(m),"
	    "p90(x),p50(x)", 0, NULL), 0);
	for (wide = 0; wide < 2; wide++)
	for (t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		int n = ns[t];

		for (cut = 0; cut <= n; cut += n > 40 ? 500 : 1) {
			tide_agg_init(&s, all);
			tide_agg_init(&s, p1);
			tide_agg_init(&s, p2);
			/* Each value 3 times; "wide" values are 100 bytes, so
			 * 6 of them pass 512 bytes. */
			for (i = 0; i < 3 * n; i++) {
				snprintf(rec, sizeof(rec),
				    "{\"m\":\"%0*d\",\"x\":%d}",
				    wide ? 100 : 1, i % n, i % n - 3);
				feed(&s, all, i, rec);
				feed(&s, i % n < cut ? p1 : p2, i, rec);
			}
			tide_agg_merge(&s, p1, p2);
			ck_assert_str_eq(emit_str(&s, p1, &b1),
			    emit_str(&s, all, &b2));
			snprintf(want, sizeof(want), "{\"distinct_m\":%d,", n);
			ck_assert_int_eq(strncmp(b2.data, want, strlen(want)), 0);
			tide_buf_reset(&saved);
			tide_agg_save(&s, p2, &saved);
			tide_agg_init(&s, back);
			p = saved.data;
			ck_assert_int_eq(tide_agg_load(&s, back, &p,
			    saved.data + saved.len), 0);
			ck_assert_str_eq(emit_str(&s, back, &b1),
			    emit_str(&s, p2, &b2));
			/* p1, merged: the other form when p2 is small */
			tide_agg_clear(&s, back);
			tide_buf_reset(&saved);
			tide_agg_save(&s, p1, &saved);
			tide_agg_init(&s, back);
			p = saved.data;
			ck_assert_int_eq(tide_agg_load(&s, back, &p,
			    saved.data + saved.len), 0);
			ck_assert_str_eq(emit_str(&s, back, &b1),
			    emit_str(&s, all, &b2));
			tide_agg_clear(&s, all);
			tide_agg_clear(&s, p1);
			tide_agg_clear(&s, p2);
			tide_agg_clear(&s, back);
		}
	}
	tide_aggspec_release(&s);
	tide_buf_release(&b1);
	tide_buf_release(&b2);
	tide_buf_release(&saved);
}
END_TEST

/* A sparse approx_distinct in a state file: its entries are 4 bytes each,
 * indexes increasing, values in range; anything else is refused. */
START_TEST(test_agg_load_refuses_bad_sparse_hll)
{
	struct tide_aggspec s;
	struct tide_buf saved = TIDE_BUF_INIT, cfg = TIDE_BUF_INIT;
	static char st[4096], back[4096];
	const char *p;
	char *e;
	int k;

	ck_assert_int_eq(tide_aggspec_parse(&s, "approx_distinct(m)", 4, NULL),
	    0);
	tide_aggspec_describe(&s, &cfg);
	ck_assert_str_eq(tide_buf_cstr(&cfg),
	    "hll=4;12(m,sparse) as approx_distinct_m");
	/* p = 4: 16 registers, at most 1 sparse entry. */
	tide_agg_init(&s, st);
	feed(&s, st, 0, "{\"m\":1}");
	tide_agg_save(&s, st, &saved);
	ck_assert_uint_eq(saved.len, 8 + 4);
	for (k = 0; k < 4; k++) {
		tide_agg_init(&s, back);
		p = saved.data;
		e = saved.data + 8;
		if (k == 0)
			e[0] = 0;		/* value 0 */
		else if (k == 1)
			e[0] = 62;		/* value past 65 - p */
		else if (k == 2)
			e[1] = 16;		/* index past 2^p */
		else {			/* two entries: more than 1 */
			saved.data[0] = 8;
			tide_buf_add(&saved, "\0\0\0\0", 4);
			p = saved.data;
		}
		ck_assert_int_eq(tide_agg_load(&s, back, &p,
		    saved.data + saved.len), TIDE_EFORMAT);
		tide_agg_clear(&s, back);
		tide_buf_reset(&saved);
		tide_agg_save(&s, st, &saved);
	}
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
	tide_buf_release(&saved);
	tide_buf_release(&cfg);
}
END_TEST

/* Emit a fresh block of spec text fed the records recs[0..n). */
static const char *
agg_of(const char *spec, const char *const *recs, int n, struct tide_buf *b,
    struct tide_aggwarn *w)
{
	struct tide_aggspec s;
	static char st[4096];
	int i;

	ck_assert_int_eq(tide_aggspec_parse(&s, spec, 0, NULL), 0);
	tide_agg_init(&s, st);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(feed(&s, st, i, recs[i]), -1);
	emit_str(&s, st, b);
	if (w)
		*w = *s.warn;
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
	return tide_buf_cstr(b);
}

/* Integers are exact while they fit int64 (issue 18 item 10); a sum that
 * leaves int64 goes on as a double, a result past a double's range is
 * null: each counted in spec->warn, never silent. */
START_TEST(test_agg_integers_stay_exact)
{
	static const char *const big[] = { "{\"x\":9007199254740993}",
	    "{\"x\":9007199254740992}" };
	static const char *const wide[] = { "{\"x\":9223372036854775807}",
	    "{\"x\":1}" };
	static const char *const neg[] = { "{\"x\":-9223372036854775808}",
	    "{\"x\":2}", "{\"x\":-1}" };
	static const char *const over[] = { "{\"x\":1e308}", "{\"x\":1e308}" };
	static const char *const mixed[] = { "{\"x\":9007199254740993}",
	    "{\"x\":9007199254740992.0}", "{\"x\":3}", "{\"x\":2.5}",
	    "{\"x\":-3}", "{\"x\":-3.5}", "{\"x\":-3.0}", "{\"x\":0.5}" };
	static const char *const ties[] = { "{\"x\":3.0}", "{\"x\":3}" };
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_aggwarn w;

	ck_assert_str_eq(agg_of("sum(x),min(x),max(x),avg(x)", big, 2, &b, &w),
	    "{\"sum_x\":18014398509481985,\"min_x\":9007199254740992,"
	    "\"max_x\":9007199254740993,\"avg_x\":9007199254740992}");
	ck_assert(w.wide == 0 && w.overflow == 0);
	ck_assert_str_eq(agg_of("sum(x),max(x)", wide, 2, &b, &w),
	    "{\"sum_x\":9.223372036854776e+18,\"max_x\":9223372036854775807}");
	ck_assert(w.wide == 1 && w.overflow == 0);
	ck_assert_str_eq(agg_of("sum(x),min(x)", neg, 3, &b, &w),
	    "{\"sum_x\":-9223372036854775807,\"min_x\":-9223372036854775808}");
	ck_assert(w.wide == 0 && w.overflow == 0);
	ck_assert_str_eq(agg_of("sum(x),avg(x),max(x)", over, 2, &b, &w),
	    "{\"sum_x\":null,\"avg_x\":null,\"max_x\":1e+308}");
	ck_assert(w.wide == 0 && w.overflow == 2);
	/* min and max compare integers and doubles exactly: 2^53 + 1 is
	 * more than the double 2^53. */
	ck_assert_str_eq(agg_of("min(x),max(x)", mixed, 2, &b, &w),
	    "{\"min_x\":9007199254740992,\"max_x\":9007199254740993}");
	ck_assert_str_eq(agg_of("min(x),max(x)", mixed + 1, 2, &b, &w),
	    "{\"min_x\":3,\"max_x\":9007199254740992}");
	ck_assert_str_eq(agg_of("min(x),max(x)", mixed + 2, 6, &b, &w),
	    "{\"min_x\":-3.5,\"max_x\":3}");
	ck_assert_str_eq(agg_of("min(x),max(x),sum(x)", mixed + 3, 5, &b, &w),
	    "{\"min_x\":-3.5,\"max_x\":2.5,\"sum_x\":-6.5}");
	ck_assert_str_eq(agg_of("min(x),max(x),sum(x)", ties, 2, &b, &w),
	    "{\"min_x\":3,\"max_x\":3,\"sum_x\":6}");
	tide_buf_release(&b);
}
END_TEST

/* Merged blocks keep integers exact too, and a merge that leaves int64
 * is counted like an update that does. */
START_TEST(test_agg_merge_keeps_integers_exact)
{
	struct tide_aggspec s;
	struct tide_buf b = TIDE_BUF_INIT;
	static char p1[1024], p2[1024], p3[1024];

	ck_assert_int_eq(tide_aggspec_parse(&s, "sum(x),min(x),max(x)", 0, NULL),
	    0);
	tide_agg_init(&s, p1);
	tide_agg_init(&s, p2);
	tide_agg_init(&s, p3);
	feed(&s, p1, 1, "{\"x\":9007199254740993}");
	feed(&s, p2, 2, "{\"x\":9007199254740995}");
	feed(&s, p3, 3, "{\"x\":0.5}");
	tide_agg_merge(&s, p1, p2);
	ck_assert_str_eq(emit_str(&s, p1, &b), "{\"sum_x\":18014398509481988,"
	    "\"min_x\":9007199254740993,\"max_x\":9007199254740995}");
	tide_agg_merge(&s, p3, p1);	/* a double block takes integers */
	ck_assert_str_eq(emit_str(&s, p3, &b), "{\"sum_x\":18014398509481988,"
	    "\"min_x\":0.5,\"max_x\":9007199254740995}");
	ck_assert_uint_eq(s.warn->wide, 0);
	tide_agg_reset(&s, p1);
	tide_agg_reset(&s, p2);
	feed(&s, p1, 1, "{\"x\":9223372036854775000}");
	feed(&s, p2, 2, "{\"x\":9223372036854775000}");
	tide_agg_merge(&s, p1, p2);
	ck_assert_str_eq(emit_str(&s, p1, &b), "{\"sum_x\":1.844674407370955e+19,"
	    "\"min_x\":9223372036854775000,\"max_x\":9223372036854775000}");
	ck_assert_uint_eq(s.warn->wide, 1);
	tide_agg_clear(&s, p1);
	tide_agg_clear(&s, p2);
	tide_agg_clear(&s, p3);
	tide_aggspec_release(&s);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_agg_fmt_prec_rounds_and_drops_zeros)
{
	static const struct { double d; int prec; const char *want; } c[] = {
		{ 1824.1200000000001, 2, "1824.12" },
		{ 1824.1200000000001, -1, "1824.1200000000001" },
		{ 0.1 + 0.2, 15, "0.3" },
		{ 0.1 + 0.2, -1, "0.30000000000000004" },
		{ 2.0, 2, "2" },
		{ 2.5, 0, "2" },	/* half to even, as printf */
		{ 2.6, 0, "3" },
		{ 0.126, 2, "0.13" },
		{ -0.001, 2, "0" },
		{ -1.005, 1, "-1" },
		{ -12.75, 1, "-12.8" },
		{ 1e-9, 3, "0" },
		{ 123456789012345.6, 3, "123456789012345.6" },
		{ 1e20, 2, "1e+20" },	/* past 1e15: as without */
		{ 1.5e-7, -1, "1.5e-07" },
	};
	char out[48];
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = tide_agg_fmt_prec(out, c[i].d, c[i].prec);
		ck_assert_msg(strcmp(out, c[i].want) == 0 && n == strlen(out),
		    "%.17g at %d: %s, want %s", c[i].d, c[i].prec, out,
		    c[i].want);
	}
}
END_TEST

START_TEST(test_agg_fmt_num_writes_what_tide_json_fmt_double_writes)
{
	static const double fixed[] = {
		0.1, 0.2 + 0.1, 35.760000000000005, 1e-4, 0.00010000000000000002,
		999999999999999.9, 1e15, 123456789012345.67, 4503599627370496.0,
		0.3, -0.0, 0, 1, -1, 2.5, 9007199254740991.0, 9007199254740992.0,
		1.7976931348623157e308, 5e-324, 0.000099999999999999991,
		71.56999999999999, 100.00000000000001, 1.0000000000000002,
	};
	uint64_t x = 88172645463325252ULL;
	char a[64], b[64];
	size_t na, nb, i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 300000; i++) {
		double d;

		if (i < sizeof(fixed) / sizeof(fixed[0]))
			d = fixed[i];
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			switch (i % 4) {
			case 0:	/* sums of amounts: 16 and 17 digits */
				d = (double)(x % 30000) / 100 +
				    (double)(x >> 20 & 32767) / 100 +
				    (double)(x >> 40 & 4095) / 100;
				break;
			case 1:	/* powers of two and their neighbours */
				d = ldexp(1.0, (int)(x % 70) - 20);
				if (x & 64)
					d = nextafter(d, 0);
				break;
			case 2:	/* any bits */
				memcpy(&d, &x, sizeof(d));
				break;
			default:
				d = (double)(x % 100000007) / 3e3;
				break;
			}
			if (x & 128)
				d = -d;
		}
		na = tide_agg_fmt_num(a, d);
		nb = tide_json_fmt_double(b, d);
		if (na != nb || memcmp(a, b, na) != 0)
			ck_abort_msg("%.17g: '%s', want '%s'", d, a, b);
	}
}
END_TEST

/* Whether a record would give st values it does not hold. */
static int
grows(const struct tide_aggspec *s, const void *st, const char *rec)
{
	struct tide_json_val jv[16];
	struct tide_aggval v[16];
	int bad = -1;

	ck_assert_int_eq(tide_json_check(rec, strlen(rec), 64, NULL, NULL), 0);
	tide_json_get_many(rec, strlen(rec), s->paths, s->nfields, jv);
	ck_assert_int_eq(tide_agg_values(s, jv, v, &bad), 0);
	return tide_agg_grows(s, st, v);
}

/* count_distinct grows by each value it did not hold, in its small array
 * and its hash table alike; sketches count what they take on; a new
 * value, canonical as count_distinct has it (1 and 1.0 one value, 1 and
 * "1" two), is what tide_agg_grows() sees (issue 18 item 8). */
START_TEST(test_agg_counts_growth_and_sees_new_values)
{
	struct tide_aggspec s;
	static char st[8192];
	char rec[64];
	uint64_t g;
	int i;

	ck_assert_int_eq(tide_aggspec_parse(&s, "count,sum(y),count_distinct(x)",
	    0, NULL), 0);
	ck_assert_ptr_nonnull(s.mem);
	ck_assert_uint_eq(s.mem->grown, 0);
	tide_agg_init(&s, st);
	ck_assert_int_eq(grows(&s, st, "{\"x\":1}"), 1);
	ck_assert_int_eq(grows(&s, st, "{\"y\":1}"), 0);	/* no x */
	feed(&s, st, 1, "{\"x\":1}");
	g = s.mem->grown;
	ck_assert_uint_eq(g, 4 + 2);	/* "n1": a length and 2 bytes */
	ck_assert_int_eq(grows(&s, st, "{\"x\":1.0}"), 0);
	ck_assert_int_eq(grows(&s, st, "{\"x\":\"1\"}"), 1);
	feed(&s, st, 2, "{\"x\":1.0}");
	ck_assert_uint_eq(s.mem->grown, g);
	/* Past the small array, in the hash table. */
	for (i = 2; i < 100; i++) {
		snprintf(rec, sizeof(rec), "{\"x\":%d}", i);
		ck_assert_int_eq(grows(&s, st, rec), 1);
		g = s.mem->grown;
		feed(&s, st, 3, rec);
		ck_assert_uint_gt(s.mem->grown, g);
		g = s.mem->grown;
		ck_assert_int_eq(grows(&s, st, rec), 0);
		feed(&s, st, 3, rec);
		ck_assert_uint_eq(s.mem->grown, g);
	}
	g = s.mem->grown;
	feed(&s, st, 4, "{\"x\":50}");
	ck_assert_uint_eq(s.mem->grown, g);
	ck_assert_int_eq(grows(&s, st, "{\"x\":100}"), 1);
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
	/* Sketches: bounded, so never "grows", but counted. */
	ck_assert_int_eq(tide_aggspec_parse(&s, "approx_distinct(x),p50(x)",
	    0, NULL), 0);
	tide_agg_init(&s, st);
	ck_assert_int_eq(grows(&s, st, "{\"x\":1}"), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(rec, sizeof(rec), "{\"x\":%d}", i * 7919 + 1);
		feed(&s, st, 1, rec);
	}
	/* Dense: 2^14 registers, and buckets past the sparse form. */
	ck_assert_uint_ge(s.mem->grown, 16384);
	tide_agg_clear(&s, st);
	tide_aggspec_release(&s);
}
END_TEST

Suite *
suite_agg(void)
{
	Suite *s = suite_create("agg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_aggspec_parses_names_and_fields);
	tcase_add_test(tc, test_agg_counts_growth_and_sees_new_values);
	tcase_add_test(tc, test_aggspec_rejects_bad_lists);
	tcase_add_test(tc, test_agg_values_rejects_non_numbers_for_numeric_aggs);
	tcase_add_test(tc, test_agg_empty_results_are_null);
	tcase_add_test(tc, test_agg_merge_gives_the_same_results_as_one_block);
	tcase_add_test(tc, test_agg_reset_gives_an_empty_block);
	tcase_add_test(tc, test_agg_first_last_by_event_time_and_canonical_distinct);
	tcase_add_test(tc, test_agg_small_and_large_sets_agree);
	tcase_add_test(tc, test_agg_load_refuses_bad_sparse_hll);
	tcase_add_test(tc, test_agg_save_load_round_trips_and_refuses_truncation);
	tcase_add_test(tc, test_agg_fmt_num_writes_what_tide_json_fmt_double_writes);
	tcase_add_test(tc, test_agg_integers_stay_exact);
	tcase_add_test(tc, test_agg_merge_keeps_integers_exact);
	tcase_add_test(tc, test_agg_fmt_prec_rounds_and_drops_zeros);
	suite_add_tcase(s, tc);
	return s;
}
