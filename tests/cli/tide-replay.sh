#!/bin/sh
# tide-replay on archives (no Kafka): merge order and ties, envelope and
# value output, plain NDJSON with --time, zstd, --from/--to, --limit,
# loops with shifted times, pacing (speed, rate, max-gap, duration),
# signals and closed pipes, and bad input.
. "$(dirname "$0")/../lib.sh"

cd "$T_DIR" || exit 1

envl() { # partition offset ts value
	printf '{"topic":"tx","partition":%s,"offset":%s,"ts":%s,"ts_type":"create","key":null,"headers":[],"value":%s}\n' "$@"
}

# A dump as tide-source -J writes it: partitions interleaved in batches,
# each partition in offset order.
{
	envl 0 0 1000 '{"n":"a"}'
	envl 0 1 3000 '{"n":"b"}'
	envl 2 0 1000 '{"n":"c"}'
	envl 2 1 2000 '{"n":"d"}'
	envl 1 0 2000 '"text"'
	envl 0 2 3000 '{"n":"e"}'
	envl 1 1 3000 '{"n":"f"}'
} >dump.ndjson

t_run "values merged by ts, partition, offset" tide-replay --speed max dump.ndjson
t_status 0
t_stdout <<'EOF'
{"n":"a"}
{"n":"c"}
"text"
{"n":"d"}
{"n":"b"}
{"n":"e"}
{"n":"f"}
EOF

t_run "-J writes the envelopes in merge order" tide-replay --speed max -J dump.ndjson
t_status 0
t_stdout <<'EOF'
{"topic":"tx","partition":0,"offset":0,"ts":1000,"ts_type":"create","key":null,"headers":[],"value":{"n":"a"}}
{"topic":"tx","partition":2,"offset":0,"ts":1000,"ts_type":"create","key":null,"headers":[],"value":{"n":"c"}}
{"topic":"tx","partition":1,"offset":0,"ts":2000,"ts_type":"create","key":null,"headers":[],"value":"text"}
{"topic":"tx","partition":2,"offset":1,"ts":2000,"ts_type":"create","key":null,"headers":[],"value":{"n":"d"}}
{"topic":"tx","partition":0,"offset":1,"ts":3000,"ts_type":"create","key":null,"headers":[],"value":{"n":"b"}}
{"topic":"tx","partition":0,"offset":2,"ts":3000,"ts_type":"create","key":null,"headers":[],"value":{"n":"e"}}
{"topic":"tx","partition":1,"offset":1,"ts":3000,"ts_type":"create","key":null,"headers":[],"value":{"n":"f"}}
EOF
cp "$T_OUT" merged.ndjson

t_run "replaying again is byte-identical" tide-replay --speed max -J dump.ndjson
t_status 0
t_stdout_file merged.ndjson

t_run "a replay of the replay is the same" tide-replay --speed max -J merged.ndjson
t_status 0
t_stdout_file merged.ndjson

# An envelope edited by jq (fields reordered) is written back canonical.
jq -c '{value, ts, offset, partition, topic, headers, key, ts_type}' dump.ndjson >edited.ndjson
t_run "envelopes in another field order" tide-replay --speed max -J edited.ndjson
t_status 0
t_stdout_file merged.ndjson

zstd -q -o dump.ndjson.zst dump.ndjson
t_run "zstd archive" tide-replay --speed max -J dump.ndjson.zst
t_status 0
t_stdout_file merged.ndjson

# Two files of the same partitions (rotated segments): merged, ties by
# partition then offset.
{ envl 0 0 10 '"1"'; envl 1 0 20 '"2"'; } >seg1.ndjson
{ envl 0 1 10 '"3"'; envl 1 1 15 '"4"'; } >seg2.ndjson
t_run "segments of the same partitions" tide-replay --speed max seg2.ndjson seg1.ndjson
t_status 0
t_stdout <<'EOF'
"1"
"3"
"4"
"2"
EOF

t_run "--dry-run on archives" tide-replay --dry-run dump.ndjson seg1.ndjson
t_status 0
t_stdout <<'EOF'
{"file":"dump.ndjson","partition":0,"records":3,"first_ts":1000,"last_ts":3000}
{"file":"dump.ndjson","partition":2,"records":2,"first_ts":1000,"last_ts":2000}
{"file":"dump.ndjson","partition":1,"records":2,"first_ts":2000,"last_ts":3000}
{"file":"seg1.ndjson","partition":0,"records":1,"first_ts":10,"last_ts":10}
{"file":"seg1.ndjson","partition":1,"records":1,"first_ts":20,"last_ts":20}
{"records":9}
EOF

t_run "--from/--to keep from <= ts < to" tide-replay --speed max --from 2000 --to 3000 dump.ndjson
t_status 0
t_stdout <<'EOF'
"text"
{"n":"d"}
EOF

t_run "--limit" tide-replay --speed max --limit 3 dump.ndjson
t_status 0
t_stdout <<'EOF'
{"n":"a"}
{"n":"c"}
"text"
EOF

t_run "--limit 0" tide-replay --speed max --limit 0 dump.ndjson
t_status 0
t_stdout </dev/null

t_run "range with no records" tide-replay --speed max --from 5000 dump.ndjson
t_status 0
t_stdout </dev/null
t_stderr_has "tide-replay: no records in the range"

t_run "standard input" sh -c 'tide-replay --speed max - <merged.ndjson'
t_status 0
t_stdout <<'EOF'
{"n":"a"}
{"n":"c"}
"text"
{"n":"d"}
{"n":"b"}
{"n":"e"}
{"n":"f"}
EOF

# --- inputs that can be read only once --------------------------------------
# A pipe, /dev/stdin on a pipe, <(cmd) or a fifo gives its bytes once: no
# checking pass (it would leave the replay nothing), one source in the order
# it comes.  merged.ndjson is in order, so all of them replay it whole.

cat >merged.values <<'EOF'
{"n":"a"}
{"n":"c"}
"text"
{"n":"d"}
{"n":"b"}
{"n":"e"}
{"n":"f"}
EOF

t_run "/dev/stdin on a pipe" sh -c 'cat merged.ndjson | tide-replay --speed max /dev/stdin'
t_status 0
t_stdout_file merged.values

t_run "/dev/stdin on a pipe, -J" sh -c 'cat merged.ndjson | tide-replay --speed max -J /dev/stdin'
t_status 0
t_stdout_file merged.ndjson

printf '{"ts":1,"a":1}\n{"ts":2,"a":2}\n{"ts":3,"a":3}\n' >plain3.ndjson
t_run "/dev/stdin on a pipe, plain --time" sh -c 'cat plain3.ndjson | tide-replay --speed max --time ts /dev/stdin'
t_status 0
t_stdout_file plain3.ndjson
t_run "/dev/stdin on a pipe, --from/--to" sh -c 'cat plain3.ndjson | tide-replay --speed max --time ts --from 2000 --to 3000 /dev/stdin'
t_status 0
t_stdout <<'EOF'
{"ts":2,"a":2}
EOF

# Redirected from a regular file, /dev/stdin can be read twice: merged.
t_run "/dev/stdin on a regular file is merged" sh -c 'tide-replay --speed max -J /dev/stdin <dump.ndjson'
t_status 0
t_stdout_file merged.ndjson

mkfifo in.fifo
# The writer gives up after 10 s, so a reader that never opens the fifo
# fails the test instead of hanging it.
t_run "a fifo" sh -c 'timeout 10 sh -c "cat merged.ndjson >in.fifo" &
	tide-replay --speed max -J in.fifo; rc=$?; wait; exit $rc'
t_status 0
t_stdout_file merged.ndjson

t_run "a fifo and a regular file, merged" sh -c 'timeout 10 sh -c "cat seg1.ndjson >in.fifo" &
	tide-replay --speed max in.fifo seg2.ndjson; rc=$?; wait; exit $rc'
t_status 0
t_stdout <<'EOF'
"1"
"3"
"4"
"2"
EOF

t_run "process substitution" bash -c 'tide-replay --speed max -J <(cat merged.ndjson)'
t_status 0
t_stdout_file merged.ndjson

# A dump with interleaved partitions cannot be merged in one pass: every
# record still goes out, in the order read, with a warning.
t_run "process substitution, zstd, out of order" bash -c 'tide-replay --speed max -J <(cat dump.ndjson.zst)'
t_status 0
t_stdout <<'EOF'
{"topic":"tx","partition":0,"offset":0,"ts":1000,"ts_type":"create","key":null,"headers":[],"value":{"n":"a"}}
{"topic":"tx","partition":0,"offset":1,"ts":3000,"ts_type":"create","key":null,"headers":[],"value":{"n":"b"}}
{"topic":"tx","partition":2,"offset":0,"ts":1000,"ts_type":"create","key":null,"headers":[],"value":{"n":"c"}}
{"topic":"tx","partition":2,"offset":1,"ts":2000,"ts_type":"create","key":null,"headers":[],"value":{"n":"d"}}
{"topic":"tx","partition":1,"offset":0,"ts":2000,"ts_type":"create","key":null,"headers":[],"value":"text"}
{"topic":"tx","partition":0,"offset":2,"ts":3000,"ts_type":"create","key":null,"headers":[],"value":{"n":"e"}}
{"topic":"tx","partition":1,"offset":1,"ts":3000,"ts_type":"create","key":null,"headers":[],"value":{"n":"f"}}
EOF
t_stderr_has "tide-replay: /dev/fd/"
t_stderr_has ": line 3: not in time order, and the input cannot be read twice: records go out in the order read"

t_run "process substitution: bad line reported as met" bash -c \
	'tide-replay --speed max --time ts <(printf "{\"ts\":1}\n{\"ts\":\n{\"ts\":2}\n")'
t_status 0
t_stdout <<'EOF'
{"ts":1}
{"ts":2}
EOF
t_stderr_has ": line 2: not valid JSON"

t_run "process substitution, --strict" bash -c \
	'tide-replay --speed max --strict --time ts <(printf "{\"ts\":1}\n{\"ts\":\n{\"ts\":2}\n")'
t_status 65
t_stdout <<'EOF'
{"ts":1}
EOF

t_run "--dry-run reads a pipe once" sh -c 'cat dump.ndjson | tide-replay --dry-run /dev/stdin'
t_status 0
t_stdout <<'EOF'
{"file":"/dev/stdin","partition":0,"records":3,"first_ts":1000,"last_ts":3000}
{"file":"/dev/stdin","partition":2,"records":2,"first_ts":1000,"last_ts":2000}
{"file":"/dev/stdin","partition":1,"records":2,"first_ts":2000,"last_ts":3000}
{"records":7}
EOF

t_run "--loop on a pipe" sh -c 'cat merged.ndjson | tide-replay --speed max --loop 2 /dev/stdin'
t_status 64
t_stdout </dev/null
t_stderr_has "tide-replay: --loop: cannot read '/dev/stdin' more than once (not a regular file)"

# --- loops ------------------------------------------------------------------

t_run "--loop 2 --shift-time moves ts by the span" tide-replay --speed max \
	--loop 2 --shift-time -J --from 1000 --to 2500 dump.ndjson
t_status 0
t_stdout <<'EOF'
{"topic":"tx","partition":0,"offset":0,"ts":1000,"ts_type":"create","key":null,"headers":[],"value":{"n":"a"}}
{"topic":"tx","partition":2,"offset":0,"ts":1000,"ts_type":"create","key":null,"headers":[],"value":{"n":"c"}}
{"topic":"tx","partition":1,"offset":0,"ts":2000,"ts_type":"create","key":null,"headers":[],"value":"text"}
{"topic":"tx","partition":2,"offset":1,"ts":2000,"ts_type":"create","key":null,"headers":[],"value":{"n":"d"}}
{"topic":"tx","partition":0,"offset":0,"ts":2500,"ts_type":"create","key":null,"headers":[],"value":{"n":"a"}}
{"topic":"tx","partition":2,"offset":0,"ts":2500,"ts_type":"create","key":null,"headers":[],"value":{"n":"c"}}
{"topic":"tx","partition":1,"offset":0,"ts":3500,"ts_type":"create","key":null,"headers":[],"value":"text"}
{"topic":"tx","partition":2,"offset":1,"ts":3500,"ts_type":"create","key":null,"headers":[],"value":{"n":"d"}}
EOF

t_run "--loop 3 without --shift-time repeats" tide-replay --speed max --loop 3 seg1.ndjson
t_status 0
t_stdout <<'EOF'
"1"
"2"
"1"
"2"
"1"
"2"
EOF

t_run "--loop 0 ends at --limit" tide-replay --speed max --loop 0 --limit 5 seg1.ndjson
t_status 0
t_stdout <<'EOF'
"1"
"2"
"1"
"2"
"1"
EOF

# --- plain NDJSON with --time -------------------------------------------------

cat >a.ndjson <<'EOF'
{"ts":1793491200000,"k":"a1"}
{"ts":1793491202000,"k":"a2"}
EOF
cat >b.ndjson <<'EOF'
{"ts":"2026-11-01T00:00:00Z","k":"b1"}
{"ts":"2026-11-01T00:00:01.5Z","k":"b2"}
{"ts":"2026-11-01T00:00:02Z","k":"b3"}
EOF
t_run "plain archives: ties by file order, records as they are" \
	tide-replay --speed max --time ts b.ndjson a.ndjson
t_status 0
t_stdout <<'EOF'
{"ts":"2026-11-01T00:00:00Z","k":"b1"}
{"ts":1793491200000,"k":"a1"}
{"ts":"2026-11-01T00:00:01.5Z","k":"b2"}
{"ts":"2026-11-01T00:00:02Z","k":"b3"}
{"ts":1793491202000,"k":"a2"}
EOF

t_run "plain --loop --shift-time rewrites the time field in its form" \
	tide-replay --speed max --time ts --loop 2 --shift-time a.ndjson b.ndjson
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"k":"a1"}
{"ts":"2026-11-01T00:00:00Z","k":"b1"}
{"ts":"2026-11-01T00:00:01.5Z","k":"b2"}
{"ts":1793491202000,"k":"a2"}
{"ts":"2026-11-01T00:00:02Z","k":"b3"}
{"ts":1793491202001,"k":"a1"}
{"ts":"2026-11-01T00:00:02.001Z","k":"b1"}
{"ts":"2026-11-01T00:00:03.501Z","k":"b2"}
{"ts":1793491204001,"k":"a2"}
{"ts":"2026-11-01T00:00:04.001Z","k":"b3"}
EOF

printf '{"t":{"s":1793491200},"v":1}\n{"t":{"s":1793491201.25},"v":2}\n' >secs.ndjson
t_run "plain epoch seconds in a nested field, shifted in seconds" \
	tide-replay --speed max --time t.s --loop 2 --shift-time --from 1793491200000 --to 1793491210000 secs.ndjson
t_status 0
t_stdout <<'EOF'
{"t":{"s":1793491200},"v":1}
{"t":{"s":1793491201.25},"v":2}
{"t":{"s":1793491210},"v":1}
{"t":{"s":1793491211.25},"v":2}
EOF

# --- pacing -----------------------------------------------------------------
# No wall-clock upper bound (a loaded machine is slow, not wrong; timing is
# for make bench).  The schedule is checked by its order: --duration stops
# at the first record due at or after it, whatever the machine's speed, so
# which records come out says when each was due.  What the machine's speed
# cannot change is checked one-sided: a record never goes out before it is
# due, so a paced replay takes at least its span, by its own clock (--stats)
# and by the wall clock around it, and its own clock holds the last
# record's reported lateness too.

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# 21 records over a 20s span.
awk 'BEGIN { for (i = 0; i <= 20; i++) printf "{\"ts\":%d,\"i\":%d}\n", 1793491200000 + i * 1000, i }' >span.ndjson

t0=$(now_ms)
t_run "--speed 10 over a 20s span" tide-replay --speed 10 --time ts --stats span.ndjson
el=$(($(now_ms) - t0))
t_status 0
t_stdout_file span.ndjson
t_stderr_has "lateness p50"
t_replay_stats "--speed 10" 2
# Record i is due i * 100 ms after the first: 0-9 within 1 s, 10 at it.
t_run "--speed 10: records due within --duration 1s" tide-replay --speed 10 \
	--duration 1s --time ts span.ndjson
t_status 0
head -10 span.ndjson >dur.expect
t_stdout_file dur.expect
t_run "--speed 10: --duration 1001ms takes the one due at 1 s" tide-replay --speed 10 \
	--duration 1001ms --time ts span.ndjson
t_status 0
head -11 span.ndjson >dur.expect
t_stdout_file dur.expect

# The progress line, forced on a file: records out of those in the range
# with a percentage, the rate, the event time reached and the lag.
t_run "--progress" tide-replay --rate 20/s --progress --time ts span.ndjson
t_status 0
t_stdout_file span.ndjson
t_stderr_has "/21 records ("
t_stderr_has ", at 2026-11-01T00:00:"
t_stderr_has ", lag "
t_run "--no-progress" tide-replay --rate 100/s --no-progress --time ts span.ndjson
t_status 0
t_stdout_file span.ndjson
t_stderr_empty

# wait_for FILE PATTERN [N]: until FILE has N lines (default 1) matching
# PATTERN.  Events, not sleeps: the bound (60 s) only keeps a broken
# program from hanging the test, and says so.
wait_for() {
	_w=0
	while [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -lt "${3:-1}" ]; do
		_w=$((_w + 1))
		if [ $_w -gt 1200 ]; then
			echo "    waited 60 s for ${3:-1} lines '$2' in $1: $(wc -l <"$1") lines" >&2
			return 1
		fi
		sleep 0.05
	done
}

# SIGUSR1 prints the counters in the middle of a paced replay, which goes
# on to the end.  The middle is made an event: the replay reads a fifo and
# the signal goes once it has written five records and waits for the sixth.
# It prints the counters after its next record, so they say 6; the rest is
# sent once they are out.
mkfifo usr1.fifo
: >usr1.out
: >usr1.err
tide-replay --rate 20/s --time ts --stats usr1.fifo >usr1.out 2>usr1.err &
pid=$!
{
	head -5 span.ndjson
	wait_for usr1.out '' 5 && kill -USR1 $pid
	sed -n 6p span.ndjson
	wait_for usr1.err 'stats: records_out'
	sed -n '7,$p' span.ndjson
} >usr1.fifo
wait $pid
T_RC=$? T_NAME="SIGUSR1"
cp usr1.err "$T_ERR"
cp usr1.out "$T_OUT"
t_status 0
t_stdout_file span.ndjson
t_stderr_has "tide-replay: stats: records_out "
t_stderr_has ", lateness p50 "
t_ok "SIGUSR1: counted in the middle: 6, then 21 at exit" \
	test "$(sed -n 's/.*records_out \([0-9]*\),.*/\1/p' usr1.err | tr '\n' ' ')" = "6 21 "

# A paced record is not held back while a slow input (a fifo) is read:
# the writer sends two records and waits to see them come out before it
# sends the third.
mkfifo slow.fifo
: >slow.out
tide-replay --rate 1000/s --time ts slow.fifo >slow.out 2>slow.err &
pid=$!
{
	head -2 span.ndjson
	wait_for slow.out '' 2
	wc -l <slow.out | tr -d ' ' >slow.seen
	sed -n 3p span.ndjson
} >slow.fifo
wait $pid
T_RC=$? T_NAME="paced from a fifo"
cp slow.err "$T_ERR"
cp slow.out "$T_OUT"
t_status 0
head -3 span.ndjson >slow.expect
t_stdout_file slow.expect
t_ok "paced from a fifo: two records out before the third was sent" \
	test "$(cat slow.seen)" = 2

t0=$(now_ms)
t_run "--rate 20/s" tide-replay --rate 20/s --time ts --stats span.ndjson
el=$(($(now_ms) - t0))
t_status 0
t_stdout_file span.ndjson
t_replay_stats "--rate 20/s" 1
# Record i is due at i/20 s, whatever its timestamp: 0-9 within 500 ms.
t_run "--rate 20/s: records due within --duration 500ms" tide-replay --rate 20/s \
	--duration 500ms --time ts span.ndjson
t_status 0
head -10 span.ndjson >dur.expect
t_stdout_file dur.expect

# A 10 minute silence capped at 150ms; the 100ms gap before it is kept:
# the third record is due at 250ms (and at 10 minutes without the cap).
{ echo '{"ts":0,"i":0}'; echo '{"ts":100,"i":1}'; echo '{"ts":600100,"i":2}'; } >gap.ndjson
t0=$(now_ms)
t_run "--max-gap caps a silence" tide-replay --time ts --time-unit ms --max-gap 150ms --stats gap.ndjson
el=$(($(now_ms) - t0))
t_status 0
t_stdout_file gap.ndjson
t_replay_stats "--max-gap" 0.25
t_run "--max-gap: the capped record is due at 250ms, not before" tide-replay --time ts \
	--time-unit ms --max-gap 150ms --duration 250ms gap.ndjson
t_status 0
head -2 gap.ndjson >dur.expect
t_stdout_file dur.expect
t_run "--max-gap: the capped record is due at 250ms, not after" tide-replay --time ts \
	--time-unit ms --max-gap 150ms --duration 251ms gap.ndjson
t_status 0
t_stdout_file gap.ndjson

t_run "--duration keeps the records due within it" tide-replay --speed 100 \
	--duration 55ms --time ts span.ndjson
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"i":0}
{"ts":1793491201000,"i":1}
{"ts":1793491202000,"i":2}
{"ts":1793491203000,"i":3}
{"ts":1793491204000,"i":4}
{"ts":1793491205000,"i":5}
EOF

# SIGTERM in a paced replay: what was due is out, exit 0.  Three records
# due at once, the fourth an hour later: the signal goes once the three are
# out, and must end the wait (timeout(1) passes it on; were the wait not
# ended, it would say 124 after a minute).
awk 'BEGIN { for (i = 0; i < 3; i++) printf "{\"ts\":%d,\"i\":%d}\n", 1793491200000, i
	printf "{\"ts\":%d,\"i\":3}\n", 1793494800000 }' >term.ndjson
: >term.out
timeout 60 tide-replay --time ts term.ndjson >term.out 2>term.err &
pid=$!
wait_for term.out '' 3
kill -TERM $pid
wait $pid
T_RC=$? T_NAME="SIGTERM while paced"
cp term.err "$T_ERR"
cp term.out "$T_OUT"
t_status 0
head -3 term.ndjson >term.expect
t_stdout_file term.expect

t_run "closed pipe ends quietly" sh -c '{ tide-replay --speed max --loop 0 --time ts span.ndjson; echo $? >pipe.rc; } | head -2'
t_stdout <<'EOF'
{"ts":1793491200000,"i":0}
{"ts":1793491201000,"i":1}
EOF
T_RC=$(cat pipe.rc)
t_status 0
t_stderr_empty

# --- bad input --------------------------------------------------------------

{
	envl 0 0 1000 '{"n":1}'
	echo '{"topic":"tx","partition":0,"offset":1,"value":{"n":2}}'
	echo 'not json'
	echo '{"topic":"tx","partition":0,"offset":3,"ts":"x","value":1}'
	echo '{"topic":"tx","partition":0,"offset":4,"ts":2000}'
	envl 0 5 3000 '{"n":6}'
} >bad.ndjson

t_run "archive lines without a time are reported and skipped" tide-replay --speed max bad.ndjson
t_status 0
t_stdout <<'EOF'
{"n":1}
{"n":6}
EOF
t_stderr_has "tide-replay: bad.ndjson: line 2: envelope has no time (\"ts\")"
t_stderr_has "tide-replay: bad.ndjson: line 3: not an envelope: "
t_stderr_has "tide-replay: bad.ndjson: line 4: not an envelope: "
t_stderr_has "tide-replay: bad.ndjson: line 5: not an envelope: "
t_stderr_has "tide-replay: 4 bad records skipped"

t_run "--strict stops at the first, before any output" tide-replay --speed max --strict bad.ndjson
t_status 65
t_stdout </dev/null
t_stderr_has "bad.ndjson: line 2: envelope has no time"

t_run "--dead-letter keeps them" tide-replay --speed max --dead-letter dl.ndjson bad.ndjson
t_status 0
if [ "$(jq -r '.line' dl.ndjson | tr '\n' ' ')" = "2 3 4 5 " ] &&
	[ "$(jq -r 'select(.line == 3) | .raw' dl.ndjson)" = "not json" ]; then
	t_pass "dead-letter lines"
else t_fail "dead-letter lines" "$(cat dl.ndjson)"; fi

printf '{"ts":1,"a":1}\n{"a":2}\n{"ts":"yesterday"}\n[1]\n{"ts":3}\n' >plainbad.ndjson
t_run "plain archive: missing or bad time field" tide-replay --speed max --time ts plainbad.ndjson
t_status 0
t_stdout <<'EOF'
{"ts":1,"a":1}
{"ts":3}
EOF
t_stderr_has "tide-replay: plainbad.ndjson: line 2: field 'ts' is missing"
t_stderr_has "tide-replay: plainbad.ndjson: line 3: field 'ts' is not a time: \"yesterday\""
t_stderr_has "tide-replay: plainbad.ndjson: line 4: not a JSON object"

t_run "standard input: bad line reported as met" sh -c \
	'printf "{\"ts\":1}\n{\"ts\":2,\"a\":\n" | tide-replay --speed max --time ts -'
t_status 0
t_stdout <<'EOF'
{"ts":1}
EOF
t_stderr_has "tide-replay: line 2: not valid JSON"

t_run "missing archive" tide-replay --speed max nosuch.ndjson
t_status 74
t_stderr_has "tide-replay: nosuch.ndjson: No such file or directory"

head -c 30 dump.ndjson.zst >broken.ndjson.zst
t_run "truncated zstd archive" tide-replay --speed max broken.ndjson.zst
t_status 65
t_stderr_has "tide-replay: broken.ndjson.zst:"

printf 'plain text\n' >fake.ndjson.zst
t_run ".zst that is not zstd" tide-replay --speed max fake.ndjson.zst
t_status 65
t_stderr_has "tide-replay: fake.ndjson.zst:"

# --- usage ------------------------------------------------------------------

t_run "no input" tide-replay
t_status 64
t_stderr_has "tide-replay: give -t topic or archive files"

t_run "-t and files" tide-replay -b localhost:1 -t x dump.ndjson
t_status 64
t_stderr_has "-t and archive files exclude each other"

t_run "--rate and --speed" tide-replay --rate 10 --speed 2 dump.ndjson
t_status 64
t_stderr_has "--rate and --speed exclude each other"

t_run "--speed 0" tide-replay --speed 0 dump.ndjson
t_status 64
t_stderr_has "--speed: 0 is out of range"

t_run "--speed fast" tide-replay --speed fast dump.ndjson
t_status 64
t_stderr_has "--speed: not a number: 'fast'"

t_run "--rate 10/x" tide-replay --rate 10/x dump.ndjson
t_status 64
t_stderr_has "--rate: not a rate: '10/x'"

t_run "--max-gap not a duration" tide-replay --max-gap 5 dump.ndjson
t_status 64
t_stderr_has "--max-gap: not a duration: '5'"

t_run "--down-timeout not a duration" tide-replay -b 127.0.0.1:1 -t x \
	--down-timeout soon
t_status 64
t_stderr_has "--down-timeout: not a duration: 'soon'"

t_run "--limit negative" tide-replay --limit -1 dump.ndjson
t_status 64
t_stderr_has "--limit: -1 is out of range"

t_run "--from not a time" tide-replay --from tomorrowish dump.ndjson
t_status 64
t_stderr_has "--from: not a time: 'tomorrowish'"

t_run "--to before --from" tide-replay --from 2000 --to 1000 dump.ndjson
t_status 64
t_stderr_has "--to is before --from"

t_run "-J with --time" tide-replay -J --time ts a.ndjson
t_status 64
t_stderr_has "-J: plain archives (--time) have no envelope"

t_run "-p without -t" tide-replay -p 0 dump.ndjson
t_status 64
t_stderr_has "-p: only with -t"

t_run "-p not a list" tide-replay -b localhost:1 -t x -p 1-
t_status 64
t_stderr_has "-p: not a partition list: '1-'"

t_run "--time-unit bad" tide-replay --time ts --time-unit weeks a.ndjson
t_status 64
t_stderr_has "--time-unit: not a unit: 'weeks'"

t_run "--loop on standard input" tide-replay --loop 2 -
t_status 64
t_stderr_has "--loop: cannot read standard input more than once"

t_run "-F that cannot be read" tide-replay -b localhost:1 -t x -F nosuch.conf
t_status 74
t_stderr_has "tide-replay: -F: nosuch.conf: No such file or directory"

t_run "-X without =" tide-replay -b localhost:1 -t x -X foo
t_status 64
t_stderr_has "tide-replay: -X: not a property=value setting: 'foo'"

printf 'bootstrap.servers=localhost:1\n' >brokers.conf
t_run "-F gives the brokers" env -u TIDE_BROKERS tide-replay -t x -F brokers.conf \
	--metadata-timeout 300ms
t_status 69
t_stderr_has "tide-replay: cannot reach brokers at 'localhost:1' within 300ms"

t_run "-t without brokers" env -u TIDE_BROKERS tide-replay -t x
t_status 64
t_stderr_has "-b: no brokers"

t_done
