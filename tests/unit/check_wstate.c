/* struct tide_wstate: tide-window's state file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "barrier.h"
#include "buf.h"
#include "ckpt.h"
#include "err.h"
#include "window.h"
#include "wm.h"
#include "wstate.h"
#include "unit.h"
#include "zfile.h"

static char dir[64];
static char spath[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/tide-wstate.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(spath, sizeof(spath), "%s/st", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
collect(void *ctx, const struct tide_win_out *o)
{
	tide_buf_addf(ctx, "%lld %.*s\n", (long long)o->end, (int)o->klen,
	    o->key);
	return 0;
}

/* A tumbling count window of size, its watermark and a state. */
struct fx {
	struct tide_aggspec spec;
	struct tide_win_conf wc;
	struct tide_win win;
	struct tide_wm wm;
	struct tide_wstate ws;
	struct tide_buf out;
	struct tide_aggval v[1];
};

static void
fx_init(struct fx *f, int64_t size, const char *aggs)
{
	static char k[] = "k", h[] = "host";
	char *names[2] = { k, h };

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(tide_aggspec_parse(&f->spec, aggs, 0, NULL), 0);
	f->wc.kind = TIDE_WIN_TUMBLE;
	f->wc.size = size;
	f->wc.spec = &f->spec;
	tide_buf_init(&f->out, TIDE_BUF_NOMAX);
	tide_win_init(&f->win, &f->wc, collect, &f->out);
	tide_wm_init(&f->wm, 0, 0);
	tide_wstate_init(&f->ws, spath, &f->wc, names, 2, &f->spec);
}

static void
fx_release(struct fx *f)
{
	tide_wstate_release(&f->ws);
	tide_win_release(&f->win);
	tide_wm_release(&f->wm);
	tide_aggspec_release(&f->spec);
	tide_buf_release(&f->out);
}

/* Write text as the state file, zstd-compressed. */
static void
put_state(const char *text)
{
	struct tide_zw w;
	FILE *fp = fopen(spath, "w");

	ck_assert_ptr_nonnull(fp);
	tide_zw_init(&w, fileno(fp), 1, 1);
	ck_assert_int_eq(tide_zw_write(&w, text, strlen(text)), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	fclose(fp);
}

START_TEST(test_wstate_config_line_names_the_window_keys_and_aggs)
{
	struct fx f;

	fx_init(&f, 10, "count,sum(x) as s");
	ck_assert_str_eq(tide_buf_cstr(&f.ws.cfg), "tumble size=10 every=0 "
	    "gap=0 align=0 lateness=0 exclude=0 keys=k,host aggs=hll=14;0() "
	    "as count;1(x,int64) as s");
	fx_release(&f);
}
END_TEST

START_TEST(test_wstate_save_then_load_gives_back_windows_and_offsets)
{
	struct fx a, b;
	struct tide_wstate_err err;
	struct tide_json_val v[3];
	struct tide_buf head = TIDE_BUF_INIT;
	char tmp[160];
	int errnum;

	fx_init(&a, 10, "count");
	ck_assert_int_eq(tide_win_add(&a.win, 3, "\"x\"", 3, a.v, NULL), 0);
	ck_assert_int_eq(tide_win_add(&a.win, 14, "\"y\"", 3, a.v, NULL), 0);
	*tide_wstate_pos(&a.ws, "in.ndjson", 9) = 1234;
	*tide_wstate_pos(&a.ws, "b c", 3) = 7;
	ck_assert_ptr_eq(tide_wstate_pos(&a.ws, "in.ndjson", 9),
	    &a.ws.fpos[0].off);
	/* An envelope's place: topic (with its quotes), partition, offset. */
	v[0].type = TIDE_JSON_STRING;
	v[0].p = "\"tx\"";
	v[0].len = 4;
	v[1].type = TIDE_JSON_NUMBER;
	v[1].p = "2";
	v[1].len = 1;
	v[2].type = TIDE_JSON_NUMBER;
	v[2].p = "41";
	v[2].len = 2;
	ck_assert_int_eq(tide_wstate_see(&a.ws, v), 1);
	/* Not an envelope: nothing noted. */
	v[2].type = TIDE_JSON_STRING;
	ck_assert_int_eq(tide_wstate_see(&a.ws, v), 0);
	ck_assert_int_eq(tide_wstate_save(&a.ws, &a.win, &a.wm, &err), 0);
	ck_assert_int_eq(access(spath, F_OK), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", spath);
	ck_assert_int_ne(access(tmp, F_OK), 0);

	ck_assert_int_eq(tide_ckpt_read(spath, &head, 1, &errnum), 0);
	ck_assert_int_eq(strncmp(head.data, "tide-window state 1\n"
	    "config tumble size=10 every=0 gap=0 align=0 lateness=0 exclude=0 "
	    "keys=k,host aggs=hll=14;0() as count\nfile 1234 9 in.ndjson\n"
	    "file 7 3 b c\nkafka tx 2 42\ndata\n", 150), 0);

	fx_init(&b, 10, "count");
	ck_assert_int_eq(tide_wstate_load(&b.ws, &b.win, &b.wm, 0, &err), 0);
	ck_assert_int_eq(*tide_wstate_pos(&b.ws, "in.ndjson", 9), 1234);
	ck_assert_int_eq(*tide_wstate_pos(&b.ws, "b c", 3), 7);
	ck_assert_int_eq(*tide_wstate_pos(&b.ws, "other", 5), 0);
	ck_assert_int_eq(tide_ckpt_offs_get(&b.ws.koffs, "tx", 2), 42);
	ck_assert_int_eq(tide_win_flush(&b.win), 0);
	ck_assert_str_eq(tide_buf_cstr(&b.out), "10 \"x\"\n20 \"y\"\n");
	tide_buf_release(&head);
	fx_release(&a);
	fx_release(&b);
}
END_TEST

/* A barrier's offsets move each partition's next offset up to them. */
START_TEST(test_wstate_barrier_offsets_move_up_never_back)
{
	struct fx f;
	struct tide_barrier b = TIDE_BARRIER_INIT;
	struct tide_wstate_err err;
	struct tide_buf head = TIDE_BUF_INIT;
	const char *line = "{\"@barrier\":{\"seq\":3,\"offsets\":[[\"tx\",0,10],"
	    "[\"tx\",1,0],[\"not a topic\",0,5],[\"rx\",2,7]]}}";
	int errnum;

	fx_init(&f, 10, "count");
	ck_assert_int_eq(tide_barrier_parse(&b, line, strlen(line), NULL), 0);
	/* tx/1 has nothing read (next 0), "not a topic" is not Kafka's. */
	ck_assert_int_eq(tide_wstate_barrier(&f.ws, &b.offs), 2);
	ck_assert_int_eq(tide_ckpt_offs_get(&f.ws.koffs, "tx", 0), 10);
	ck_assert_int_eq(tide_ckpt_offs_get(&f.ws.koffs, "tx", 1), -1);
	ck_assert_int_eq(tide_ckpt_offs_get(&f.ws.koffs, "rx", 2), 7);
	/* An older barrier does not take them back. */
	line = "{\"@barrier\":{\"seq\":2,\"offsets\":[[\"tx\",0,4],"
	    "[\"rx\",2,9]]}}";
	ck_assert_int_eq(tide_barrier_parse(&b, line, strlen(line), NULL), 0);
	ck_assert_int_eq(tide_wstate_barrier(&f.ws, &b.offs), 2);
	ck_assert_int_eq(tide_ckpt_offs_get(&f.ws.koffs, "tx", 0), 10);
	ck_assert_int_eq(tide_ckpt_offs_get(&f.ws.koffs, "rx", 2), 9);
	ck_assert_int_eq(tide_wstate_save(&f.ws, &f.win, &f.wm, &err), 0);
	ck_assert_int_eq(tide_ckpt_read(spath, &head, 1, &errnum), 0);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&head),
	    "\nkafka rx 2 9\nkafka tx 0 10\ndata\n"));
	tide_buf_release(&head);
	tide_barrier_release(&b);
	fx_release(&f);
}
END_TEST

START_TEST(test_wstate_no_file_is_a_first_run)
{
	struct fx f;
	struct tide_wstate_err err;

	fx_init(&f, 10, "count");
	ck_assert_int_eq(tide_wstate_load(&f.ws, &f.win, &f.wm, 0, &err), 0);
	ck_assert_uint_eq(f.ws.nfpos, 0);
	ck_assert_uint_eq(tide_win_states(&f.win), 0);
	fx_release(&f);
}
END_TEST

START_TEST(test_wstate_other_options_are_refused)
{
	struct fx a, b;
	struct tide_wstate_err err;
	char want[512];

	fx_init(&a, 10, "count");
	ck_assert_int_eq(tide_wstate_save(&a.ws, &a.win, &a.wm, &err), 0);
	fx_init(&b, 20, "count");
	ck_assert_int_eq(tide_wstate_load(&b.ws, &b.win, &b.wm, 0, &err),
	    TIDE_EINVAL);
	snprintf(want, sizeof(want), "state '%s' was written with other "
	    "options (tumble size=10 every=0 gap=0 align=0 lateness=0 "
	    "exclude=0 keys=k,host aggs=hll=14;0() as count), not these (tumble "
	    "size=20 every=0 gap=0 align=0 lateness=0 exclude=0 keys=k,host "
	    "aggs=hll=14;0() as count): use another file or the same options",
	    spath);
	ck_assert_str_eq(err.msg, want);
	fx_release(&a);
	fx_release(&b);
}
END_TEST

START_TEST(test_wstate_not_a_state_file_is_eformat)
{
	struct fx f;
	struct tide_wstate_err err;
	char want[256];
	FILE *fp = fopen(spath, "w");

	ck_assert_ptr_nonnull(fp);
	fputs("{\"a\":1}\n", fp);
	fclose(fp);
	fx_init(&f, 10, "count");
	ck_assert_int_eq(tide_wstate_load(&f.ws, &f.win, &f.wm, 0, &err),
	    TIDE_EFORMAT);
	snprintf(want, sizeof(want), "'%s' is not a tide-window state file",
	    spath);
	ck_assert_str_eq(err.msg, want);
	fx_release(&f);
}
END_TEST

START_TEST(test_wstate_damaged_heads_say_what_is_wrong)
{
	/* After the magic and config lines, or instead of them. */
	static const struct {
		int head;
		const char *text, *why;
	} cases[] = {
		{ 0, "tide-window state 1\nnoconfig\n", "no config" },
		{ 1, "file 1 1 x\n", "no data" },
		{ 1, "file 1 2 abc\ndata\n", "bad line 'file 1 2 abc'" },
		{ 1, "file -1 1 a\ndata\n", "bad line 'file -1 1 a'" },
		{ 1, "kafka tx -1 2\ndata\n", "bad line 'kafka tx -1 2'" },
		{ 1, "data\nxyz", "bad window data" },
	};
	struct tide_wstate_err err;
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tide_buf b = TIDE_BUF_INIT;
		struct fx f;

		fx_init(&f, 10, "count");
		if (cases[i].head)
			tide_buf_addf(&b, "tide-window state 1\nconfig %s\n",
			    tide_buf_cstr(&f.ws.cfg));
		tide_buf_adds(&b, cases[i].text);
		put_state(tide_buf_cstr(&b));
		ck_assert_int_eq(tide_wstate_load(&f.ws, &f.win, &f.wm, 0, &err),
		    TIDE_EFORMAT);
		snprintf(want, sizeof(want), "state '%s' is damaged: %s", spath,
		    cases[i].why);
		ck_assert_str_eq(err.msg, want);
		tide_buf_release(&b);
		fx_release(&f);
	}
}
END_TEST

START_TEST(test_wstate_unwritable_directory_is_eio)
{
	struct fx f;
	struct tide_wstate_err err;

	fx_init(&f, 10, "count");
	f.ws.path = "/nonexistent-dir/st";
	ck_assert_int_eq(tide_wstate_save(&f.ws, &f.win, &f.wm, &err),
	    TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err.msg, "cannot write state '/nonexistent-dir/st.tmp':"
	    " No such file or directory");
	fx_release(&f);
}
END_TEST

START_TEST(test_wstate_checkpoint_is_due_every_interval_from_the_last_save)
{
	struct fx f;
	struct tide_wstate_err err;
	int i, due = 0;

	fx_init(&f, 10, "count");
	/* No --checkpoint: never due, and the counter does not move. */
	for (i = 0; i < 1000; i++)
		due += tide_wstate_due(&f.ws);
	ck_assert_int_eq(due, 0);
	ck_assert_uint_eq(f.ws.since, 0);
	ck_assert_int_eq(tide_wstate_due_now(&f.ws), 0);
	/* Due an interval after now: not yet, an hour from now. */
	tide_wstate_every(&f.ws, 3600000, tide_now_ms());
	for (i = 0; i < 1000; i++)
		due += tide_wstate_due(&f.ws);
	ck_assert_int_eq(due, 0);
	ck_assert_int_eq(tide_wstate_due_now(&f.ws), 0);
	/* Past due: the clock is looked at once in 256 calls. */
	tide_wstate_every(&f.ws, 3600000, tide_now_ms() - 7200000);
	ck_assert_int_eq(tide_wstate_due_now(&f.ws), 1);
	for (i = 1; i < 256; i++)
		ck_assert_int_eq(tide_wstate_due(&f.ws), 0);
	ck_assert_int_eq(tide_wstate_due(&f.ws), 1);
	/* A save puts the next one an interval after it. */
	ck_assert_int_eq(tide_wstate_save(&f.ws, &f.win, &f.wm, &err), 0);
	ck_assert_int_ge(f.ws.next, tide_now_ms() + 3600000 - 60000);
	ck_assert_int_le(f.ws.next, tide_now_ms() + 3600000);
	ck_assert_int_eq(tide_wstate_due_now(&f.ws), 0);
	/* So does a failed one (the run ends there anyway). */
	f.ws.next = 0;
	f.ws.path = "/nonexistent-dir/st";
	ck_assert_int_eq(tide_wstate_save(&f.ws, &f.win, &f.wm, &err),
	    TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_gt(f.ws.next, 0);
	fx_release(&f);
}
END_TEST

Suite *
suite_wstate(void)
{
	Suite *s = suite_create("wstate");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wstate_config_line_names_the_window_keys_and_aggs);
	tcase_add_test(tc, test_wstate_save_then_load_gives_back_windows_and_offsets);
	tcase_add_test(tc, test_wstate_barrier_offsets_move_up_never_back);
	tcase_add_test(tc, test_wstate_no_file_is_a_first_run);
	tcase_add_test(tc, test_wstate_other_options_are_refused);
	tcase_add_test(tc, test_wstate_not_a_state_file_is_eformat);
	tcase_add_test(tc, test_wstate_damaged_heads_say_what_is_wrong);
	tcase_add_test(tc, test_wstate_unwritable_directory_is_eio);
	tcase_add_test(tc, test_wstate_checkpoint_is_due_every_interval_from_the_last_save);
	suite_add_tcase(s, tc);
	return s;
}
