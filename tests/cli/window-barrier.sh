#!/bin/sh
# tide-window and barrier lines (doc/DELIVERY.md): a barrier is never a
# record; a broken one is bad input; with --state the state is saved at a
# barrier; without, a barrier is held until the windows open when it came
# have fired, then passed on: written on in order when a tide stage reads
# the output, else acknowledged upstream.  The neighbours are
# tests/cli/flowpeer.py: an upstream stage and a reader in one process.
. "$(dirname "$0")/../lib.sh"
t_skip_unless tide-window
D=$T_DIR
W=tide-window
PEER=$T_ROOT/tests/cli/flowpeer.py

B1='{"@barrier":{"seq":1,"offsets":[["tx",0,2]]}}'
B2='{"@barrier":{"seq":2,"offsets":[["tx",0,4],["tx",1,1]]}}'
B3='{"@barrier":{"seq":3,"final":true,"offsets":[["tx",0,6],["tx",1,1]]}}'

# Records with barriers between them, and the same records alone.
cat >"$D/with.nd" <<EOF
$B1
{"ts":1700000000000,"k":"a","x":1}
{"ts":1700000002000,"k":"b","x":2}
$B1
$B2
{"ts":1700000061000,"k":"a","x":3}
{"ts":1700000062000,"k":"a","x":5}
$B2
{"ts":1700000003000,"k":"a","x":1}
{"ts":1700000300000,"k":"a","x":1.5}
$B3
EOF
grep -v '^{"@barrier"' "$D/with.nd" >"$D/without.nd"

# --- barriers are not records: output to a file, nobody to pass them to --

# The same windows, byte for byte, as without the barriers, for every kind
# of window and emit mode; barriers are not counted (--stats "in 6").
same() {
	_name=$1
	shift
	T_IN=$D/without.nd
	t_run "$_name: without barriers" $W "$@"
	cp "$T_OUT" "$D/expect"
	T_IN=$D/with.nd
	t_run "$_name: barriers are not records" $W --stats "$@"
	t_status 0
	t_stdout_file "$D/expect"
	t_stderr_has "tide-window: stats: in 6, out $(wc -l <"$D/expect" | tr -d ' '), bad 0, late "
	T_IN=/dev/null
}
same "tumble" --tumble 1m -k k -a 'count,sum(x)'
same "tumble with delay" --tumble 1m --delay 1m -k k -a count
same "hop" --hop 2m --every 1m -k k -a 'count,max(x)'
same "session" --session 30s -k k -a 'count,avg(x)'
same "over" --over 1m -k k -a 'count,sum(x)'
same "emit early" --tumble 1m --emit early=30s -k k -a count
same "emit every" --session 1m --emit every -k k -a count
same "allowed lateness" --tumble 1m --allowed-lateness 5m -k k -a count

T_IN=$D/with.nd
t_run "tumble with barriers: exact rows" $W --tumble 1m -k k -a 'count,sum(x)'
t_status 0
t_stdout <<'EOF'
{"window_start":1699999980000,"window_end":1700000040000,"k":"a","count":1,"sum_x":1}
{"window_start":1699999980000,"window_end":1700000040000,"k":"b","count":1,"sum_x":2}
{"window_start":1700000040000,"window_end":1700000100000,"k":"a","count":2,"sum_x":8}
{"window_start":1700000280000,"window_end":1700000340000,"k":"a","count":1,"sum_x":1.5}
EOF
t_stderr_has "1 late record dropped"

# A barrier is not late, whatever the watermark: only the record is.
t_run "barriers are never late" $W --tumble 1m -k k -a count --late-file "$D/late.nd"
t_status 0
t_ok "late file: the one late record, no barrier" \
	test "$(cat "$D/late.nd")" = '{"ts":1700000003000,"k":"a","x":1}'

printf '%s\n' "$B1" "$B3" >"$D/only.nd"
T_IN=$D/only.nd
t_run "barriers alone: no output" $W --stats --tumble 1m -k k -a count
t_status 0
t_stdout </dev/null
t_stderr_has "stats: in 0, out 0, bad 0, late 0, windows 0"

# --- broken barriers: bad input ----------------------------------------------

cat >"$D/broken.nd" <<'EOF'
{"ts":1700000000000,"k":"a"}
{"@barrier":{"seq":1,"offsets":[["tx",0]]}}
{"@barrier":x
{"@barrier":{"seq":-1,"offsets":[]}}
{"@barrier":{"seq":2,"offsets":[]},"k":"a"}
{"@barrier":{"offsets":[]}}
{"@barrier":{"seq":3,"offsets":[["tx",0,1],["tx",0,2]]}}
{"ts":1700000001000,"k":"a"}
EOF
T_IN=$D/broken.nd
t_run "broken barriers are bad input" $W --stats --tumble 1m -k k -a count \
	--dead-letter "$D/dead.nd"
t_status 0
t_stdout <<'EOF'
{"window_start":1699999980000,"window_end":1700000040000,"k":"a","count":2}
EOF
t_stderr_has "tide-window: line 2: broken barrier: "
t_stderr_has "tide-window: line 3: broken barrier: "
t_stderr_has "tide-window: line 4: broken barrier: "
t_stderr_has "tide-window: line 5: broken barrier: "
t_stderr_has "tide-window: line 6: broken barrier: "
t_stderr_has "tide-window: line 7: broken barrier: "
t_stderr_has "6 bad records skipped"
t_ok "dead letters: the six broken barriers" \
	test "$(wc -l <"$D/dead.nd" | tr -d ' ')" = 6

t_run "broken barrier with --strict" $W --strict --tumble 1m -k k -a count
t_status 65
t_stderr_has "tide-window: line 2: broken barrier: "
t_stdout </dev/null

# Only the exact prefix is a barrier: with a space it is a record, here one
# with no time field.
printf '%s\n' '{ "@barrier":{"seq":1,"offsets":[]}}' >"$D/spaced.nd"
T_IN=$D/spaced.nd
t_run "not quite a barrier is a record" $W --tumble 1m -k k -a count
t_status 65	# its one line bad: none good (issue 19 item 2)
t_stderr_has "tide-window: line 1: no time field 'ts'"

printf '%s\n' "{\"@barrier\":{\"seq\":1,\"offsets\":[[\"$(head -c 300 /dev/zero | tr '\0' t)\",0,1]]}}" >"$D/long.nd"
T_IN=$D/long.nd
t_run "a barrier longer than --max-record" $W --max-record 100 --tumble 1m -k k -a count
t_status 65	# its one line bad: none good (issue 19 item 2)
t_stderr_has "tide-window: line 1: record longer than 100 bytes"
T_IN=/dev/null

# --- --state: saved at a barrier ---------------------------------------------

# wait_for NAME CMD...: until CMD succeeds; 60 s bound as a hang guard.
wait_for() {
	_name=$1
	shift
	_i=0
	until "$@" 2>/dev/null; do
		if [ $_i -ge 1200 ] || ! kill -0 $_pid 2>/dev/null; then
			t_fail "$_name: waited in vain for: $*"
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	t_pass "$_name"
}
kafka_line() {
	[ -f "$D/w.state" ] && [ "$(zstd -dcq "$D/w.state" | grep -a '^kafka' | tr '\n' ' ')" = "$1" ]
}

if t_have zstd; then
	rm -f "$D/fifo" "$D/w.state"
	mkfifo "$D/fifo"
	$W --tumble 1m --state "$D/w.state" -k k -a count <"$D/fifo" \
		>"$D/state.out" 2>"$D/state.err" &
	_pid=$!
	exec 8>"$D/fifo"
	printf '%s\n' '{"ts":1700000000000,"k":"a"}' "$B1" >&8
	wait_for "--state: saved at barrier 1, input still open" \
		kafka_line "kafka tx 0 2 "
	printf '%s\n' '{"ts":1700000001000,"k":"a"}' "$B2" >&8
	wait_for "--state: saved again at barrier 2" \
		kafka_line "kafka tx 0 4 kafka tx 1 1 "
	exec 8>&-
	wait $_pid
	T_RC=$?
	T_NAME="--state at barriers"
	t_status 0
	t_ok "--state: nothing written (the window is kept), no barrier" \
		test ! -s "$D/state.out"
	# The windows saved at the barrier come out on the next run's end.
	T_IN=/dev/null
	t_run "--state: the next run has the window" $W --tumble 1m \
		--state "$D/w.state" --flush -k k -a count
	t_status 0
	t_stdout <<'EOF'
{"window_start":1699999980000,"window_end":1700000040000,"k":"a","count":2}
EOF
fi

# --- neighbours: a tide stage upstream, a reader downstream --------------------

# peer NAME SCRIPT -- CMD...: run CMD between the fake stages; $D/p.out
# is what CMD wrote, $D/p.up what it sent upstream.
peer() {
	T_NAME=$1
	_script=$2
	shift 3
	timeout 120 /usr/bin/python3 "$PEER" "$_script" "$D/p.out" "$D/p.up" -- "$@"
	T_RC=$?
}
up_is() {
	if [ "$(cat "$D/p.up")" = "$(cat)" ]; then t_pass "$T_NAME: upstream messages"
	else t_fail "$T_NAME: upstream messages" "$(cat "$D/p.up")"; fi
}
out_is() {
	if [ "$(cat "$D/p.out")" = "$(cat)" ]; then t_pass "$T_NAME: output"
	else t_fail "$T_NAME: output" "$(cat "$D/p.out")"; fi
}

if t_have /usr/bin/python3; then
	# Held until the window open at it fires, then written on after it;
	# the reader's acknowledgements go upstream; the final one waits for
	# the end of input, after the last window.
	cat >"$D/s.tumble" <<EOF
hello
msg hello tide-window relays
> {"ts":1700000000000,"k":"a"}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
msg hold 1 1700000040000
> {"ts":1700000050000,"k":"a"}
lines 2
ack 1
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}
msg ack 1
close
lines 4
ack 2
wait
EOF
	peer "tumble: held, then forwarded" "$D/s.tumble" -- $W --tumble 1m -k k -a count
	t_status 0
	out_is <<'EOF'
{"window_start":1699999980000,"window_end":1700000040000,"k":"a","count":1}
{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
{"window_start":1700000040000,"window_end":1700000100000,"k":"a","count":1}
{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}
EOF
	up_is <<'EOF'
hello tide-window relays
hello test-reader
hold 1 1700000040000
passed 1
ack 1
hold 2 1700000100000
passed 2
ack 2
exit 0
EOF

	# A session that grows past the end it had when the barrier came
	# holds the barrier on: a's session [0, 10s) becomes [0, 18s).
	cat >"$D/s.session" <<EOF
hello
msg hello tide-window relays
> {"ts":1700000000000,"k":"a"}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
msg hold 1 1700000010000
> {"ts":1700000008000,"k":"a"}
> {"ts":1700000012000,"k":"b"}
> {"@barrier":{"seq":2,"offsets":[["tx",0,3]]}}
msg hold 2 1700000022000
> {"ts":1700000020000,"k":"b"}
lines 2
> {"ts":1700000040000,"k":"c"}
lines 4
> {"@barrier":{"seq":3,"final":true,"offsets":[["tx",0,6]]}}
close
lines 6
ack 3
wait
EOF
	peer "session: a grown session holds the barrier" "$D/s.session" -- \
		$W --session 10s -k k -a count
	t_status 0
	out_is <<'EOF'
{"window_start":1700000000000,"window_end":1700000018000,"k":"a","count":2}
{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
{"window_start":1700000012000,"window_end":1700000030000,"k":"b","count":2}
{"@barrier":{"seq":2,"offsets":[["tx",0,3]]}}
{"window_start":1700000040000,"window_end":1700000050000,"k":"c","count":1}
{"@barrier":{"seq":3,"final":true,"offsets":[["tx",0,6]]}}
EOF
	up_is <<'EOF'
hello tide-window relays
hello test-reader
hold 1 1700000010000
hold 2 1700000022000
passed 1
passed 2
hold 3 1700000050000
passed 3
ack 3
exit 0
EOF

	# --over: nothing is held beyond the record itself.
	cat >"$D/s.over" <<EOF
hello
msg hello tide-window relays
> {"ts":1700000000000,"k":"a"}
> {"@barrier":{"seq":1,"final":true,"offsets":[["tx",0,1]]}}
lines 2
ack 1
close
wait
EOF
	peer "over: passed on at once" "$D/s.over" -- $W --over 1m -k k -a count
	t_status 0
	out_is <<'EOF'
{"ts":1700000000000,"k":"a","count":1}
{"@barrier":{"seq":1,"final":true,"offsets":[["tx",0,1]]}}
EOF
	up_is <<'EOF'
hello tide-window relays
hello test-reader
ack 1
exit 0
EOF

	# --state: saved, then passed on at once; no hold.
	rm -f "$D/p.state"
	cat >"$D/s.state" <<EOF
hello
msg hello tide-window relays
> {"ts":1700000000000,"k":"a"}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
lines 1
ack 1
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,1]]}}
msg ack 1
close
lines 2
ack 2
wait
EOF
	peer "--state: saved, passed on at once" "$D/s.state" -- $W --tumble 1m \
		--state "$D/p.state" -k k -a count
	t_status 0
	out_is <<'EOF'
{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,1]]}}
EOF
	up_is <<'EOF'
hello tide-window relays
hello test-reader
ack 1
ack 2
exit 0
EOF

	# Output to a file: nobody downstream, so a barrier is acknowledged
	# upstream once the windows open at it are written, and never
	# written itself.  Its hello says no "relays": no reader of its own
	# can follow (to a pipe it does, above).
	cat >"$D/s.file" <<EOF
msg hello tide-window
> {"ts":1700000000000,"k":"a"}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
msg hold 1 1700000040000
> {"ts":1700000050000,"k":"a"}
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}
msg ack 1
lines 1
close
wait
EOF
	T_NAME="output to a file: acknowledged, not written"
	timeout 120 /usr/bin/python3 "$PEER" "$D/s.file" "file:$D/p.file" "$D/p.up" -- \
		$W --tumble 1m -k k -a count
	T_RC=$?
	t_status 0
	if [ "$(cat "$D/p.file")" = '{"window_start":1699999980000,"window_end":1700000040000,"k":"a","count":1}
{"window_start":1700000040000,"window_end":1700000100000,"k":"a","count":1}' ]; then
		t_pass "$T_NAME: the windows, no barrier"
	else t_fail "$T_NAME: the windows, no barrier" "$(cat "$D/p.file")"; fi
	up_is <<'EOF'
hello tide-window
hold 1 1700000040000
ack 1
hold 2 1700000100000
ack 2
exit 0
EOF
fi

t_done
