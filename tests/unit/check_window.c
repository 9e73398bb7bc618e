#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "buf.h"
#include "window.h"
#include "unit.h"

/* Collects results as "start end key count" lines. */
struct out {
	struct tide_buf b;
	const struct tide_aggspec *s;
};

static int
collect(void *ctx, const struct tide_win_out *o)
{
	struct out *c = ctx;
	struct tide_buf tmp = TIDE_BUF_INIT;
	struct tide_jobj j;

	tide_jobj_begin(&j, &tmp);
	tide_agg_emit(c->s, o->state, &j);
	tide_jobj_end(&j);
	tide_buf_addf(&c->b, "%lld %lld %.*s %.*s%s\n", (long long)o->start,
	    (long long)o->end, (int)o->klen, o->key, (int)tmp.len, tmp.data,
	    o->update ? " update" : "");
	tide_buf_release(&tmp);
	return 0;
}

struct fixture {
	struct tide_aggspec s;
	struct tide_win w;
	struct out o;
	struct tide_aggval v[1];
};

static void
setup(struct fixture *f, enum tide_win_kind kind, int64_t size, int64_t every,
    int64_t lateness)
{
	struct tide_win_conf c;

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(tide_aggspec_parse(&f->s, "count", 0, NULL), 0);
	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.size = size;
	c.every = every;
	c.gap = size;
	c.lateness = lateness;
	c.spec = &f->s;
	tide_buf_init(&f->o.b, TIDE_BUF_NOMAX);
	f->o.s = &f->s;
	tide_win_init(&f->w, &c, collect, &f->o);
}

static int
add(struct fixture *f, int64_t t, const char *key)
{
	int r = tide_win_add(&f->w, t, key, strlen(key), f->v, NULL);

	tide_win_advance(&f->w, t);
	return r;
}

static void
done(struct fixture *f, const char *want)
{
	ck_assert_int_eq(tide_win_flush(&f->w), 0);
	ck_assert_str_eq(tide_buf_cstr(&f->o.b), want);
	ck_assert_uint_eq(tide_win_states(&f->w), 0);
	ck_assert_uint_eq(tide_win_keys(&f->w), 0);
	tide_win_release(&f->w);
	tide_aggspec_release(&f->s);
	tide_buf_release(&f->o.b);
}

START_TEST(test_floor_rounds_toward_negative_infinity)
{
	ck_assert_int_eq(tide_win_floor(59, 60, 0), 0);
	ck_assert_int_eq(tide_win_floor(60, 60, 0), 60);
	ck_assert_int_eq(tide_win_floor(-1, 60, 0), -60);
	ck_assert_int_eq(tide_win_floor(10, 60, 30), -30);
	ck_assert_int_eq(tide_win_floor(30, 60, 30), 30);
	ck_assert_int_eq(tide_win_floor(5, 60, -30), -30);
	ck_assert_int_eq(tide_gcd64(300000, 60000), 60000);
	ck_assert_int_eq(tide_gcd64(10, 4), 2);
}
END_TEST

/* --align takes any offset: only its remainder modulo the size counts. */
START_TEST(test_floor_takes_any_offset_modulo_the_size)
{
	ck_assert_int_eq(tide_win_floor(10, 60, 90), -30);
	ck_assert_int_eq(tide_win_floor(10, 60, -90), -30);
	ck_assert_int_eq(tide_win_floor(10, 60, 600), 0);
	ck_assert_int_eq(tide_win_floor(-10, 60, -600), -60);
	ck_assert_int_eq(tide_win_floor(1700000000000, 60000, INT64_MAX),
	    1699999975807);
	ck_assert_int_eq(tide_win_floor(1700000000000, 60000, 1699999999999),
	    1699999999999);
	/* Offsets near the int64 limits: t - offset would run past them. */
	ck_assert_int_eq(tide_win_floor(1700000000000, 60000,
	    -9223372036800000LL * 1000), 1699999980000);
	ck_assert_int_eq(tide_win_floor(1700000000000, 60000, INT64_MIN),
	    1699999984192);
	ck_assert_int_eq(tide_win_floor(-9223372036000, 60000,
	    9223372036800000LL * 1000), -9223372080000);
}
END_TEST

START_TEST(test_tumble_fires_in_end_then_key_order)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 0, 0);
	ck_assert_int_eq(add(&f, 1, "b"), 0);
	ck_assert_int_eq(add(&f, 2, "a"), 0);
	ck_assert_int_eq(add(&f, 5, "b"), 0);
	ck_assert_int_eq(add(&f, 12, "c"), 0);	/* fires [0,10) */
	ck_assert_int_eq(add(&f, 3, "a"), TIDE_WIN_LATE);
	ck_assert_int_eq(add(&f, 25, "a"), 0);
	done(&f, "0 10 a {\"count\":1}\n0 10 b {\"count\":2}\n"
	    "10 20 c {\"count\":1}\n20 30 a {\"count\":1}\n");
}
END_TEST

START_TEST(test_tumble_lateness_updates_then_forgets)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 0, 10);
	add(&f, 1, "a");
	add(&f, 15, "a");		/* fires [0,10) */
	ck_assert_int_eq(add(&f, 2, "a"), 0);	/* update */
	add(&f, 20, "a");		/* forgets [0,10), fires [10,20) */
	ck_assert_int_eq(add(&f, 3, "a"), TIDE_WIN_LATE);
	ck_assert_uint_eq(f.w.late, 1);
	done(&f, "0 10 a {\"count\":1}\n0 10 a {\"count\":2} update\n"
	    "10 20 a {\"count\":1}\n20 30 a {\"count\":1}\n");
}
END_TEST

START_TEST(test_hop_counts_each_record_in_every_window)
{
	struct fixture f;

	setup(&f, TIDE_WIN_HOP, 10, 4, 0);	/* panes of 2 */
	add(&f, 1, "a");
	add(&f, 7, "a");
	done(&f, "-6 4 a {\"count\":1}\n-2 8 a {\"count\":2}\n"
	    "2 12 a {\"count\":1}\n6 16 a {\"count\":1}\n");
}
END_TEST

START_TEST(test_hop_skips_empty_windows_of_a_sparse_key)
{
	struct fixture f;

	setup(&f, TIDE_WIN_HOP, 4, 2, 0);
	add(&f, 1, "a");
	add(&f, 101, "a");
	done(&f, "-2 2 a {\"count\":1}\n0 4 a {\"count\":1}\n"
	    "98 102 a {\"count\":1}\n100 104 a {\"count\":1}\n");
}
END_TEST

START_TEST(test_session_merges_when_a_record_bridges)
{
	struct fixture f;

	setup(&f, TIDE_WIN_SESSION, 5, 0, 0);
	ck_assert_int_eq(tide_win_add(&f.w, 0, "a", 1, f.v, NULL), 0);
	ck_assert_int_eq(tide_win_add(&f.w, 8, "a", 1, f.v, NULL), 0);
	ck_assert_uint_eq(tide_win_states(&f.w), 2);
	ck_assert_int_eq(tide_win_add(&f.w, 4, "a", 1, f.v, NULL), 0);
	ck_assert_uint_eq(tide_win_states(&f.w), 1);
	ck_assert_int_eq(tide_win_add(&f.w, 13, "a", 1, f.v, NULL), 0);
	done(&f, "0 13 a {\"count\":3}\n13 18 a {\"count\":1}\n");
}
END_TEST

START_TEST(test_over_counts_trailing_records_of_the_key)
{
	struct tide_aggspec s;
	struct tide_win w;
	struct tide_win_conf c;
	struct tide_aggval v[1];
	struct tide_buf b = TIDE_BUF_INIT;
	const void *st;
	int64_t ts[] = { 0, 5, 10, 11, 30 };
	const char *want[] = { "{\"count\":1}", "{\"count\":2}", "{\"count\":2}",
	    "{\"count\":3}", "{\"count\":1}" };
	int i;

	ck_assert_int_eq(tide_aggspec_parse(&s, "count", 0, NULL), 0);
	memset(&c, 0, sizeof(c));
	c.kind = TIDE_WIN_OVER;
	c.size = 10;
	c.spec = &s;
	tide_win_init(&w, &c, collect, NULL);
	for (i = 0; i < 5; i++) {
		struct tide_jobj j;

		ck_assert_int_eq(tide_win_add(&w, ts[i], "k", 1, v, &st), 0);
		tide_win_advance(&w, ts[i]);
		tide_buf_reset(&b);
		tide_jobj_begin(&j, &b);
		tide_agg_emit(&s, st, &j);
		tide_jobj_end(&j);
		ck_assert_str_eq(tide_buf_cstr(&b), want[i]);
	}
	ck_assert_int_eq(tide_win_add(&w, 29, "k", 1, v, &st), TIDE_WIN_LATE);
	tide_win_flush(&w);
	ck_assert_uint_eq(tide_win_keys(&w), 0);
	tide_win_release(&w);
	tide_aggspec_release(&s);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_max_keys_refuses_a_new_key)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 0, 0);
	f.w.c.max_keys = 1;
	ck_assert_int_eq(add(&f, 1, "a"), 0);
	ck_assert_int_eq(add(&f, 2, "b"), TIDE_WIN_FULL);
	ck_assert_int_eq(add(&f, 9, "a"), 0);
	tide_win_advance(&f.w, 10);		/* "a" closes: room again */
	ck_assert_int_eq(add(&f, 11, "b"), 0);
	done(&f, "0 10 a {\"count\":2}\n10 20 b {\"count\":1}\n");
}
END_TEST

/* --max-memory: past the resident size no key opens (TIDE_WIN_MEMFULL);
 * the size is sampled at the first new key and every TIDE_WIN_MEMEVERY
 * after, never per record, and keys open already go on. */
/* Write text to dir/name, making the directories on the way. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[512], cmd[600];
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* The cgroup limit, v2 and v1, from a made-up /proc/self/cgroup and
 * /sys/fs/cgroup. */
START_TEST(test_cgroup_limit_v1_v2)
{
	char root[64], cg[128], dir[256];

	snprintf(root, sizeof(root), "/tmp/check_window.%ld", (long)getpid());
	snprintf(cg, sizeof(cg), "%s/cgroup", root);
	/* v2 only, a limit. */
	put_file(root, "cgroup", "0::/app.slice/x\n");
	snprintf(dir, sizeof(dir), "%s/app.slice/x", root);
	put_file(dir, "memory.max", "2147483648\n");
	ck_assert_uint_eq(tide_win_cgroup_limit(cg, root), 2147483648u);
	/* "max": none. */
	put_file(dir, "memory.max", "max\n");
	ck_assert_uint_eq(tide_win_cgroup_limit(cg, root), 0);
	/* v1's memory controller beside a v2 line with none: v1's. */
	put_file(root, "cgroup", "4:cpu,memory:/job\n1:cpu:/\n0::/app.slice/x\n");
	snprintf(dir, sizeof(dir), "%s/memory/job", root);
	put_file(dir, "memory.limit_in_bytes", "1073741824\n");
	ck_assert_uint_eq(tide_win_cgroup_limit(cg, root), 1073741824u);
	/* v1's "unlimited" (near 2^63): none. */
	put_file(dir, "memory.limit_in_bytes", "9223372036854771712\n");
	ck_assert_uint_eq(tide_win_cgroup_limit(cg, root), 0);
	/* Both with limits: the smaller. */
	snprintf(dir, sizeof(dir), "%s/app.slice/x", root);
	put_file(dir, "memory.max", "536870912\n");
	ck_assert_uint_eq(tide_win_cgroup_limit(cg, root), 536870912u);
	/* Garbage, a missing file, no cgroup file: none. */
	put_file(dir, "memory.max", "12abc\n");
	put_file(root, "cgroup", "0::/nowhere\nbroken line\n");
	ck_assert_uint_eq(tide_win_cgroup_limit(cg, root), 0);
	ck_assert_uint_eq(tide_win_cgroup_limit("/nonexistent/cgroup", root), 0);
	snprintf(dir, sizeof(dir), "rm -rf '%s'", root);
	ck_assert_int_eq(system(dir), 0);
}
END_TEST

START_TEST(test_max_memory_refuses_a_new_key_sampled)
{
	struct fixture f;
	char k[16];
	int i;

	ck_assert_uint_gt(tide_win_resident(), 1 << 20);
	/* The default: half the machine's memory (or its cgroup's), in
	 * whole MB. */
	ck_assert_uint_gt(tide_win_default_max_memory(), 0);
	ck_assert_uint_eq(tide_win_default_max_memory() % (1 << 20), 0);
	ck_assert_uint_le(tide_win_default_max_memory(), (size_t)((unsigned
	    long long)sysconf(_SC_PHYS_PAGES) * (unsigned long long)
	    sysconf(_SC_PAGESIZE) / 2));
	setup(&f, TIDE_WIN_TUMBLE, 10, 0, 0);
	ck_assert_int_eq(add(&f, 1, "a"), 0);		/* no limit yet */
	f.w.c.max_memory = 1;
	ck_assert_int_eq(add(&f, 2, "b"), TIDE_WIN_MEMFULL);	/* sampled */
	ck_assert_int_eq(add(&f, 3, "a"), 0);		/* open: goes on */
	f.w.c.max_memory = (size_t)1 << 50;
	/* The next sample is TIDE_WIN_MEMEVERY new keys after the first. */
	for (i = 1; i < TIDE_WIN_MEMEVERY; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(add(&f, 4, k), TIDE_WIN_MEMFULL);
	}
	ck_assert_int_eq(add(&f, 5, "b"), 0);
	done(&f, "0 10 a {\"count\":2}\n0 10 b {\"count\":1}\n");
}
END_TEST

START_TEST(test_watermark_is_min_over_partitions_until_idle)
{
	struct tide_wm m;

	tide_wm_init(&m, 5, 1000);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 100, 0), 95);
	ck_assert_int_eq(tide_wm_see(&m, "p1", 2, 50, 0), 95);	/* never back */
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 200, 10), 95);	/* p1 holds it */
	ck_assert_int_eq(tide_wm_see(&m, "p1", 2, 150, 20), 145);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 400, 1500), 395);	/* p1 idle */
	ck_assert_int_eq(tide_wm_tick(&m, 1600), 395);
	ck_assert_int_eq(tide_wm_tick(&m, 2500), 1395);	/* quiet: wall clock */
	tide_wm_release(&m);

	tide_wm_init(&m, 0, 0);
	ck_assert_int_eq(tide_wm_see(&m, NULL, 0, 10, 0), 10);
	ck_assert_int_eq(tide_wm_tick(&m, 1000000), 10);	/* no --idle */
	tide_wm_release(&m);
}
END_TEST

START_TEST(test_watermark_waits_for_every_expected_partition)
{
	struct tide_wm m;

	/* A backlog read one partition after another: p0's newest time
	 * must not move the watermark past p1's and p2's records. */
	tide_wm_init(&m, 0, 0);
	tide_wm_expect(&m, 3);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 100, 0), INT64_MIN);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 900, 0), INT64_MIN);
	ck_assert_int_eq(tide_wm_see(&m, "p1", 2, 50, 0), INT64_MIN);
	ck_assert_int_eq(tide_wm_see(&m, "p1", 2, 800, 0), INT64_MIN);
	ck_assert_int_eq(tide_wm_see(&m, "p2", 2, 20, 0), 20);	/* all seen */
	ck_assert_int_eq(tide_wm_see(&m, "p2", 2, 700, 0), 700);
	ck_assert_int_eq(tide_wm_see(&m, "p3", 2, 10, 0), 700);	/* never back */
	tide_wm_release(&m);

	/* Without the count only the partitions seen hold it. */
	tide_wm_init(&m, 0, 0);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 900, 0), 900);
	ck_assert_int_eq(tide_wm_see(&m, "p1", 2, 50, 0), 900);
	tide_wm_release(&m);

	/* With idle, a partition never seen holds it for idle from the
	 * first record, as one gone quiet does. */
	tide_wm_init(&m, 5, 1000);
	tide_wm_expect(&m, 2);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 100, 5000), INT64_MIN);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 200, 5999), INT64_MIN);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 300, 6000), 295);
	ck_assert_int_eq(tide_wm_see(&m, "p1", 2, 250, 6001), 295);
	ck_assert_int_eq(tide_wm_see(&m, "p0", 2, 400, 6002), 295);	/* p1 holds */
	tide_wm_release(&m);
}
END_TEST

/* Barriers wait for the largest end among the windows open now. */
START_TEST(test_open_end_tumble_and_hop)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 10, 0);
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), INT64_MIN);
	add(&f, 5, "a");
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 10);
	add(&f, 3, "b");
	ck_assert_int_eq(tide_win_open_end(&f.w, 5), 10);
	add(&f, 12, "b");	/* [0,10) fires */
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 20);
	/* Only windows starting at or before upto: none open is left. */
	ck_assert_int_eq(tide_win_open_end(&f.w, 5), INT64_MIN);
	ck_assert_int_eq(tide_win_advance(&f.w, 20), 0);
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), INT64_MIN);
	done(&f, "0 10 a {\"count\":1}\n"
	    "0 10 b {\"count\":1}\n"
	    "10 20 b {\"count\":1}\n");

	/* Hop 30 every 10: a record's last window ends up to 30 later. */
	setup(&f, TIDE_WIN_HOP, 30, 10, 0);
	add(&f, 5, "a");
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 30);
	add(&f, 21, "a");
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 50);
	ck_assert_int_eq(tide_win_open_end(&f.w, 5), 30);
	ck_assert_int_eq(tide_win_advance(&f.w, 30), 0);
	ck_assert_int_eq(tide_win_open_end(&f.w, 5), INT64_MIN);
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 50);
	done(&f, "-20 10 a {\"count\":1}\n"
	    "-10 20 a {\"count\":1}\n"
	    "0 30 a {\"count\":2}\n"
	    "10 40 a {\"count\":1}\n"
	    "20 50 a {\"count\":1}\n");
}
END_TEST

START_TEST(test_open_end_session_grows_and_over_has_none)
{
	struct fixture f;
	struct tide_win_conf c;

	setup(&f, TIDE_WIN_SESSION, 10, 0, 0);
	add(&f, 0, "a");
	add(&f, 5, "b");
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 15);
	ck_assert_int_eq(tide_win_open_end(&f.w, 0), 10);
	/* a's session grows: what was open at 0 now ends at 18. */
	add(&f, 8, "a");
	ck_assert_int_eq(tide_win_open_end(&f.w, 0), 18);
	ck_assert_int_eq(tide_win_advance(&f.w, 15), 0);	/* b fires */
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), 18);
	ck_assert_int_eq(tide_win_advance(&f.w, 18), 0);
	ck_assert_int_eq(tide_win_open_end(&f.w, 0), INT64_MIN);
	done(&f, "5 15 b {\"count\":1}\n"
	    "0 18 a {\"count\":2}\n");

	setup(&f, TIDE_WIN_SESSION, 10, 0, 0);
	tide_win_release(&f.w);
	memset(&c, 0, sizeof(c));
	c.kind = TIDE_WIN_OVER;
	c.size = 10;
	c.spec = &f.s;
	tide_win_init(&f.w, &c, collect, &f.o);
	tide_win_add(&f.w, 5, "a", 1, f.v, NULL);
	ck_assert_int_eq(tide_win_open_end(&f.w, INT64_MAX), INT64_MIN);
	tide_win_release(&f.w);
	tide_aggspec_release(&f.s);
	tide_buf_release(&f.o.b);
}
END_TEST

/* A window of count and count_distinct(v), limited to max_memory from
 * the start; adds take v as a number. */
static void
setup_cd(struct fixture *f, enum tide_win_kind kind, size_t max_memory)
{
	struct tide_win_conf c;

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(tide_aggspec_parse(&f->s, "count,count_distinct(v)",
	    0, NULL), 0);
	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.size = 10;
	c.gap = 10;
	c.max_memory = max_memory;
	c.spec = &f->s;
	tide_buf_init(&f->o.b, TIDE_BUF_NOMAX);
	f->o.s = &f->s;
	tide_win_init(&f->w, &c, collect, &f->o);
}

static int
add_v(struct fixture *f, int64_t t, const char *key, long v)
{
	char raw[32];

	f->v[0].type = TIDE_JSON_NUMBER;
	f->v[0].num = (double)v;
	f->v[0].i = v;
	f->v[0].isint = 1;
	f->v[0].len = (size_t)snprintf(raw, sizeof(raw), "%ld", v);
	f->v[0].raw = raw;
	return tide_win_add(&f->w, t, key, strlen(key), f->v, NULL);
}

/* Past the limit, an open key takes no value its count_distinct does not
 * hold -- in its window or a new one -- and every value it holds; every
 * TIDE_WIN_MEMEVERY refusals the size is sampled again. */
START_TEST(test_max_memory_refuses_an_open_keys_new_values)
{
	static const enum tide_win_kind kinds[] = {
		TIDE_WIN_TUMBLE, TIDE_WIN_SESSION
	};
	struct fixture f;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		setup_cd(&f, kinds[k], 0);
		ck_assert_int_eq(add_v(&f, 1, "a", 1), 0);
		ck_assert_int_eq(add_v(&f, 1, "a", 2), 0);
		f.w.c.max_memory = 1;
		ck_assert_int_eq(add_v(&f, 1, "b", 1), TIDE_WIN_MEMFULL);
		ck_assert_int_eq(add_v(&f, 1, "a", 3), TIDE_WIN_MEMGROW);
		ck_assert_int_eq(add_v(&f, 1, "a", 1), 0);
		ck_assert_int_eq(add_v(&f, 2, "a", 2), 0);
		/* A new window (tumble) or session of the key: empty, so any
		 * value is new. */
		ck_assert_int_eq(add_v(&f, 25, "a", 1), TIDE_WIN_MEMGROW);
		f.w.c.max_memory = (size_t)1 << 50;
		for (i = 3; i < TIDE_WIN_MEMEVERY; i++)
			ck_assert_int_eq(add_v(&f, 1, "a", 1000 + (long)i),
			    TIDE_WIN_MEMGROW);
		ck_assert_int_eq(add_v(&f, 1, "a", 3), 0);
		ck_assert_int_eq(add_v(&f, 25, "a", 1), 0);
		if (kinds[k] == TIDE_WIN_TUMBLE)
			done(&f, "0 10 a {\"count\":5,\"count_distinct_v\":3}\n"
			    "20 30 a {\"count\":1,\"count_distinct_v\":1}\n");
		else
			done(&f, "1 12 a {\"count\":5,\"count_distinct_v\":3}\n"
			    "25 35 a {\"count\":1,\"count_distinct_v\":1}\n");
	}
}
END_TEST

/* One key's growth alone brings a sample: after TIDE_WIN_MEMSTEP bytes of
 * new values, not before a step's worth, the limit is seen. */
START_TEST(test_max_memory_sampled_on_one_keys_growth)
{
	struct fixture f;
	long v;
	int r = 0;

	setup_cd(&f, TIDE_WIN_TUMBLE, (size_t)1 << 50);
	ck_assert_int_eq(add_v(&f, 1, "a", 0), 0);	/* the first sample */
	f.w.c.max_memory = 1;
	for (v = 1; v < 200000 && (r = add_v(&f, 1, "a", v)) == 0; v++)
		;
	ck_assert_int_eq(r, TIDE_WIN_MEMGROW);
	/* A value costs its bytes and an entry's (under 40 bytes here). */
	ck_assert_int_gt(v, (long)(TIDE_WIN_MEMSTEP / 40));
	ck_assert_int_le(v, (long)(TIDE_WIN_MEMSTEP / 24) + 1);
	ck_assert_int_eq(add_v(&f, 1, "a", 0), 0);
	tide_win_release(&f.w);
	tide_aggspec_release(&f.s);
	tide_buf_release(&f.o.b);
}
END_TEST

Suite *
suite_window(void)
{
	Suite *s = suite_create("window");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_floor_rounds_toward_negative_infinity);
	tcase_add_test(tc, test_floor_takes_any_offset_modulo_the_size);
	tcase_add_test(tc, test_tumble_fires_in_end_then_key_order);
	tcase_add_test(tc, test_tumble_lateness_updates_then_forgets);
	tcase_add_test(tc, test_hop_counts_each_record_in_every_window);
	tcase_add_test(tc, test_hop_skips_empty_windows_of_a_sparse_key);
	tcase_add_test(tc, test_session_merges_when_a_record_bridges);
	tcase_add_test(tc, test_over_counts_trailing_records_of_the_key);
	tcase_add_test(tc, test_max_keys_refuses_a_new_key);
	tcase_add_test(tc, test_max_memory_refuses_a_new_key_sampled);
	tcase_add_test(tc, test_max_memory_refuses_an_open_keys_new_values);
	tcase_add_test(tc, test_max_memory_sampled_on_one_keys_growth);
	tcase_add_test(tc, test_cgroup_limit_v1_v2);
	tcase_add_test(tc, test_watermark_is_min_over_partitions_until_idle);
	tcase_add_test(tc, test_watermark_waits_for_every_expected_partition);
	tcase_add_test(tc, test_open_end_tumble_and_hop);
	tcase_add_test(tc, test_open_end_session_grows_and_over_has_none);
	suite_add_tcase(s, tc);
	return s;
}
