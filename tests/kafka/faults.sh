#!/bin/sh
# The fault matrix on tide-mock: tide-source (plain and -G), tide-sink,
# tide-join with a Kafka table and tide-replay, each under (a) the broker
# down for a few seconds and back up, (b) 200 ms of added latency and
# (c) injected request errors (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT,
# a dropped connection, a permanent MSG_SIZE_TOO_LARGE).  What is checked is
# the data, not just the status: every record exactly once (counted and
# compared with what was produced), ranges full and in order, a table that
# keeps following.  Then the bounded waits (brokers gone at start: status 69
# and a message, for every program; gone after start: --down-timeout for
# tide-source, tide-join, tide-replay and tide-sink) and SIGTERM in the
# middle of a stream for tide-source -G and tide-sink.  Every command runs under timeout(1).
. "$(dirname "$0")/../lib.sh"

# One broker: "broker 1 down" is a whole-cluster outage.
mock_start -t f.src:2 -t f.grp:2 -t f.gerr:2 -t f.snk.down:2 -t f.snk.rtt:2 \
    -t f.snk.err:2 -t f.snk.big:2 -t f.tbl:1 -t f.rp:1 -t f.gsig:2 -t f.ssig:1 -t f.gone:1 -t f.jsig:1 -t f.gkill:2 -t f.jgone:1 \
    -t f.sfull:1 -t f.seof:1 -t f.squiet:1 -t f.sback:1 -t f.sqback:1 -t f.rpd:1 -t f.srd:1 -t f.rpl:1

# Reconnect and retry quickly, so outages cost seconds, not tens of them.
FAST="-X reconnect.backoff.ms=50 -X reconnect.backoff.max.ms=200 -X retry.backoff.ms=50"
# A consumer group that can be re-joined quickly on the mock.
G="-X session.timeout.ms=6000 -X heartbeat.interval.ms=500"

# Records are {"i":N}.  gen A B writes N = A..B.
gen() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "{\"i\":%d}\n", i }'
}
# The same, paced: 200 records every 0.1 s, so a stream is still flowing
# when a fault or a signal comes.
gen_slow() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) {
		printf "{\"i\":%d}\n", i
		if (i % 200 == 0) { fflush(); system("sleep 0.1") } } }'
}
produce() { timeout 20 tide-sink -b "$BROKERS" -t "$1" $FAST; }

# exactly N FILE...: the files together hold {"i":1} .. {"i":N}, each once,
# and nothing else.
exactly() {
	_want=$1
	shift
	cat "$@" | sed 's/^{"i":\([0-9]*\)}$/\1/' | sort -n >"$T_DIR/.ids"
	gen 1 "$_want" | sed 's/^{"i":\([0-9]*\)}$/\1/' | cmp -s - "$T_DIR/.ids" && return 0
	echo "want 1..$_want once each; got $(wc -l <"$T_DIR/.ids") lines," \
	    "$(uniq -d "$T_DIR/.ids" | wc -l) repeated (from $(uniq -d "$T_DIR/.ids" | head -1) to $(uniq -d "$T_DIR/.ids" | tail -1)), first lines: $(head -3 "$T_DIR/.ids" | tr '\n' ' ')"
	return 1
}
# in_order N FILE: FILE is {"i":1} .. {"i":N} in that order.
in_order() { gen 1 "$1" | cmp -s - "$2"; }
# bg_done STATUS NAME ERRFILE: a command run in the background ended with
# STATUS and its stderr in ERRFILE; t_status, t_stderr_* apply to it.
bg_done() { T_RC=$1 T_NAME=$2; cp "$3" "$T_ERR"; }
# count FILE: its number of lines.  Polled files are created before the
# command that writes them starts (its redirection may come later).
count() { wc -l <"$1" | tr -d ' '; }

# --- tide-source, no group ------------------------------------------------
# (a) The broker goes down while the consumer is waiting for more, and comes
# back; what is produced afterwards is read, and nothing twice.

gen 1 2000 | produce f.src
timeout 40 tide-source -b "$BROKERS" -t f.src -c 4000 $FAST \
    >"$T_DIR/src.out" 2>"$T_DIR/src.err" &
pid=$!
sleep 1
mock_cmd "broker 1 down"
sleep 2
mock_cmd "broker 1 up"
gen 2001 4000 | produce f.src
wait $pid
bg_done $? "source: broker down and up" $T_DIR/src.err
t_status 0
t_ok "source: broker down and up: 4000 records, each once" exactly 4000 "$T_DIR/src.out"

# (b) 200 ms a response.
mock_cmd "broker 1 rtt 200"
t_run "source: rtt 200ms, -e" timeout 30 tide-source -b "$BROKERS" -t f.src -e
t_status 0
t_ok "source: rtt 200ms: 4000 records, each once" exactly 4000 "$T_OUT"
mock_cmd "broker 1 rtt 0"

# (c) Fetch answered with retriable errors.
mock_cmd "error Fetch NOT_LEADER_FOR_PARTITION 5"
mock_cmd "error Fetch REQUEST_TIMED_OUT 3"
mock_cmd "error Fetch _TRANSPORT 1"
t_run "source: Fetch errors, -e" timeout 30 tide-source -b "$BROKERS" -t f.src -e $FAST
t_status 0
t_ok "source: Fetch errors: 4000 records, each once" exactly 4000 "$T_OUT"
mock_cmd "clear Fetch"

# --- tide-source -G ---------------------------------------------------------
# (a) The same outage, as a group member: it resumes at its own position.

gen 1 2000 | produce f.grp
# The output file is polled below, maybe before the background command's
# redirection has created it (seen under ASan: "cannot open grp.out").
: >"$T_DIR/grp.out"
timeout 40 tide-source -b "$BROKERS" -t f.grp -G f-grp-a $G -c 4000 $FAST \
    >"$T_DIR/grp.out" 2>"$T_DIR/grp.err" &
pid=$!
i=0
while [ $i -lt 100 ] && [ "$(count "$T_DIR/grp.out")" -lt 2000 ]; do sleep 0.1; i=$((i + 1)); done
mock_cmd "broker 1 down"
sleep 2
mock_cmd "broker 1 up"
gen 2001 4000 | produce f.grp
wait $pid
bg_done $? "source -G: broker down and up" $T_DIR/grp.err
t_status 0
t_ok "source -G: broker down and up: 4000 records, each once" exactly 4000 "$T_DIR/grp.out"
# What it committed at exit: the group has nothing left to read.
t_run "source -G: after the outage, the group's offsets are at the end" \
    timeout 30 tide-source -b "$BROKERS" -t f.grp -G f-grp-a $G -e
t_status 0
t_stdout </dev/null

# (b) + (c) Latency and errors on the group's requests together, a new group.
gen 1 3000 | produce f.gerr
mock_cmd "broker 1 rtt 200"
mock_cmd "error Fetch NOT_LEADER_FOR_PARTITION 3"
mock_cmd "error Fetch REQUEST_TIMED_OUT 2"
mock_cmd "error OffsetCommit REQUEST_TIMED_OUT 2"
mock_cmd "error Heartbeat REQUEST_TIMED_OUT 1"
t_run "source -G: rtt 200ms and Fetch/OffsetCommit errors" \
    timeout 40 tide-source -b "$BROKERS" -t f.gerr -G f-grp-b $G -e $FAST
t_status 0
t_ok "source -G: rtt and errors: 3000 records, each once" exactly 3000 "$T_OUT"
mock_cmd "broker 1 rtt 0"
mock_cmd "clear Fetch"
mock_cmd "clear OffsetCommit"
mock_cmd "clear Heartbeat"

# --- tide-sink: every record exactly once (idempotent), or dead-lettered -----
# (a) The broker down in the middle of a stream, for 2 s.

gen 1 3000 >"$T_DIR/snk.in"
(
	head -n 1000 "$T_DIR/snk.in"
	sleep 0.3
	mock_cmd "broker 1 down"
	sed -n '1001,2000p' "$T_DIR/snk.in"
	sleep 2
	mock_cmd "broker 1 up"
	sed -n '2001,3000p' "$T_DIR/snk.in"
) | timeout 40 tide-sink -b "$BROKERS" -t f.snk.down $FAST --dead-letter "$T_DIR/snk.dl" \
    >"$T_DIR/snk.out" 2>"$T_DIR/snk.err"
bg_done $? "sink: broker down and up" $T_DIR/snk.err
t_status 0
t_stderr_empty
t_run "sink: broker down and up: read back" timeout 30 tide-source -b "$BROKERS" -t f.snk.down -e
t_ok "sink: broker down and up: 3000 records, each once" exactly 3000 "$T_OUT"

# (b) 200 ms a response.
mock_cmd "broker 1 rtt 200"
T_IN=$T_DIR/snk.in
t_run "sink: rtt 200ms" timeout 30 tide-sink -b "$BROKERS" -t f.snk.rtt --dead-letter "$T_DIR/rtt.dl"
t_status 0
t_stderr_empty
mock_cmd "broker 1 rtt 0"
T_IN=/dev/null
t_run "sink: rtt 200ms: read back" timeout 30 tide-source -b "$BROKERS" -t f.snk.rtt -e
t_ok "sink: rtt 200ms: 3000 records, each once" exactly 3000 "$T_OUT"

# (c) Produce answered with retriable errors: the idempotent producer
# retries without writing a record twice.  (Not a dropped connection
# (_TRANSPORT): with it, kcat too reads repeated records back from
# tide-mock -- 96 of 3000 in one run of two -- a batch appended and then
# appended again on retry, which a real broker's idempotence sequence check
# refuses; librdkafka 2.0.2's mock cluster appears not to.  To be confirmed
# against a real broker: issue 3.)
mock_cmd "error Produce NOT_LEADER_FOR_PARTITION 5"
mock_cmd "error Produce REQUEST_TIMED_OUT 3"
T_IN=$T_DIR/snk.in
t_run "sink: Produce errors" timeout 30 tide-sink -b "$BROKERS" -t f.snk.err $FAST --dead-letter "$T_DIR/err.dl" --stats
t_status 0
t_stderr_has "tide-sink: in 3000, bad 0, sent 3000, delivered 3000, failed 0, pending 0,"
t_ok "sink: Produce errors: no dead letters" test ! -s "$T_DIR/err.dl"
mock_cmd "clear Produce"
T_IN=/dev/null
t_run "sink: Produce errors: read back" timeout 30 tide-source -b "$BROKERS" -t f.snk.err -e
t_ok "sink: Produce errors: 3000 records, each once" exactly 3000 "$T_OUT"
# The same through kcat, an independent reader: tells a duplicate in the
# topic from one made by the reader.
if t_have kcat "kcat not installed: the independent reader"; then
	timeout 20 kcat -C -b "$BROKERS" -t f.snk.err -e -q -f '%s\n' >"$T_DIR/err.kcat"
	t_ok "sink: Produce errors: kcat reads 3000 records, each once" exactly 3000 "$T_DIR/err.kcat"
fi

# A permanent error fails its requests' records: they are dead-lettered,
# the rest delivered, exit 75.  Delivered + dead-lettered = what was read.
mock_cmd "error Produce MSG_SIZE_TOO_LARGE 2"
T_IN=$T_DIR/snk.in
t_run "sink: MSG_SIZE_TOO_LARGE" timeout 30 tide-sink -b "$BROKERS" -t f.snk.big --dead-letter "$T_DIR/big.dl"
t_status 75
t_stderr_has "records not delivered, kept in $T_DIR/big.dl"
t_stderr_has "not delivered to 'f.snk.big': Broker: Message size too large"
mock_cmd "clear Produce"
T_IN=/dev/null
timeout 30 tide-source -b "$BROKERS" -t f.snk.big -e >"$T_DIR/big.got"
jq -r .raw "$T_DIR/big.dl" >"$T_DIR/big.dead"
t_ok "sink: MSG_SIZE_TOO_LARGE: some records dead-lettered" test -s "$T_DIR/big.dead"
t_ok "sink: MSG_SIZE_TOO_LARGE: delivered + dead-lettered = 3000, each once" \
    exactly 3000 "$T_DIR/big.got" "$T_DIR/big.dead"
t_ok "sink: MSG_SIZE_TOO_LARGE: every dead letter says why" \
    sh -c "jq -r .error '$T_DIR/big.dl' | sort -u | grep -qx 'Broker: Message size too large'"

# --- tide-join -T kafka:TOPIC ------------------------------------------------
# (c) Fetch errors while the table loads: the stream still waits for all of it.

printf '%s\n' 'a:{"v":1}' 'b:{"v":10}' | timeout 20 kcat -P -b "$BROKERS" -t f.tbl -K:
mock_cmd "error Fetch NOT_LEADER_FOR_PARTITION 3"
mock_cmd "error Fetch REQUEST_TIMED_OUT 2"
printf '%s\n' '{"k":"b"}' '{"k":"a"}' '{"k":"c"}' >"$T_DIR/j.in"
T_IN=$T_DIR/j.in
t_run "join: Fetch errors while loading" timeout 30 \
    tide-join -b "$BROKERS" -T kafka:f.tbl --on k --left --select v $FAST
t_status 0
t_stdout <<'EOF'
{"k":"b","v":10}
{"k":"a","v":1}
{"k":"c","v":null}
EOF
mock_cmd "clear Fetch"
T_IN=/dev/null

# (a) + (b) The broker goes away under a running join: records still go
# through with the table as it was; once the broker is back (slow, at 200
# ms), an update to the table is seen.
mkfifo "$T_DIR/j.fifo"
timeout 60 tide-join -b "$BROKERS" -T kafka:f.tbl --on k --left --select v $FAST \
    <"$T_DIR/j.fifo" >"$T_DIR/j.out" 2>"$T_DIR/j.err" &
pid=$!
exec 8>"$T_DIR/j.fifo"
# send LINE WANT: send a record until the output's last line is WANT.
send_until() {
	_i=0
	while [ $_i -lt 40 ]; do
		printf '%s\n' "$1" >&8
		sleep 0.2
		[ "$(tail -n 1 "$T_DIR/j.out")" = "$2" ] && return 0
		_i=$((_i + 1))
	done
	return 1
}
t_ok "join: running, table loaded" send_until '{"k":"a"}' '{"k":"a","v":1}'
mock_cmd "broker 1 down"
sleep 2
t_ok "join: broker down: records still joined with the table as it was" \
    send_until '{"k":"b"}' '{"k":"b","v":10}'
mock_cmd "broker 1 up"
mock_cmd "broker 1 rtt 200"
printf '%s\n' 'a:{"v":2}' 'c:{"v":30}' | timeout 20 kcat -P -b "$BROKERS" -t f.tbl -K:
t_ok "join: broker back: the table follows the topic again" \
    send_until '{"k":"c"}' '{"k":"c","v":30}'
t_ok "join: broker back: the update of a is seen" send_until '{"k":"a"}' '{"k":"a","v":2}'
exec 8>&-
wait $pid
bg_done $? "join: end of stream after the outage" $T_DIR/j.err
t_status 0
mock_cmd "broker 1 rtt 0"

# --- tide-replay ---------------------------------------------------------------
# 10000 records, 1 ms apart.  Small fetches and a small local queue, so the
# replay has to go back to the broker while it is down.

# In batches of 500 at most: a fetch returns at least one whole batch, and
# a loaded producer's one big batch would let the replay take the whole
# range in one response, before the broker goes (20 batches: the rtt case
# below takes 20 round trips).
awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "{\"i\":%d,\"ts\":%d}\n", i, 1700000000000 + i }' |
    timeout 20 tide-sink -b "$BROKERS" -t f.rp --timestamp ts -X batch.num.messages=500
awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "{\"i\":%d,\"ts\":%d}\n", i, 1700000000000 + i }' >"$T_DIR/rp.want"
SMALL="-X queued.min.messages=100 -X queued.max.messages.kbytes=16 -X fetch.max.bytes=4096 -X message.max.bytes=2048 -X max.partition.fetch.bytes=2048"

# (a) At 5000 records/s the replay takes 2 s; the broker is away from 0.3 s
# to 3.3 s, so it ends after the outage, with the whole range, in order.
timeout 40 tide-replay -b "$BROKERS" -t f.rp --rate 5000/s $SMALL $FAST \
    >"$T_DIR/rp.out" 2>"$T_DIR/rp.err" &
pid=$!
sleep 0.3
mock_cmd "broker 1 down"
sleep 3
t_ok "replay: stalled while the broker is down (not finished early)" kill -0 $pid
mock_cmd "broker 1 up"
wait $pid
bg_done $? "replay: broker down and up" $T_DIR/rp.err
t_status 0
t_ok "replay: broker down and up: the full range, in order" cmp "$T_DIR/rp.want" "$T_DIR/rp.out"

# (b) 200 ms a response.
mock_cmd "broker 1 rtt 200"
t_run "replay: rtt 200ms" timeout 30 tide-replay -b "$BROKERS" -t f.rp --speed max $SMALL
t_status 0
t_stdout_file "$T_DIR/rp.want"
mock_cmd "broker 1 rtt 0"

# (c) Errors on Fetch and ListOffsets.
mock_cmd "error Fetch NOT_LEADER_FOR_PARTITION 5"
mock_cmd "error Fetch REQUEST_TIMED_OUT 3"
mock_cmd "error ListOffsets REQUEST_TIMED_OUT 2"
t_run "replay: Fetch and ListOffsets errors" timeout 30 tide-replay -b "$BROKERS" -t f.rp --speed max $SMALL $FAST
t_status 0
t_stdout_file "$T_DIR/rp.want"
mock_cmd "clear Fetch"
mock_cmd "clear ListOffsets"

# --- no hang: the brokers gone at start ------------------------------------
# Every program gives up within its timeout, with status 69 and a message.

mock_cmd "broker 1 down"
sleep 0.2
unreach() {
	_s=$(date +%s%N)
	timeout 10 "$@" </dev/null >/dev/null 2>"$T_DIR/unreach.err"
	_rc=$?
	_ms=$((($(date +%s%N) - _s) / 1000000))
	# timeout's 10 s is a hang guard (status 124), not a bound to meet.
	[ $_rc = 69 ] && [ -s "$T_DIR/unreach.err" ] && return 0
	echo "status $_rc after ${_ms}ms: $(cat "$T_DIR/unreach.err")"
	return 1
}
t_ok "down at start: tide-source -e exits 69" \
    unreach tide-source -b "$BROKERS" -t f.src -e --metadata-timeout 1s
t_ok "down at start: tide-source -G exits 69" \
    unreach tide-source -b "$BROKERS" -t f.src -G f-grp-down --metadata-timeout 1s
t_ok "down at start: tide-sink exits 69" \
    unreach tide-sink -b "$BROKERS" -t f.src --connect-timeout 1s
t_ok "down at start: tide-join -T kafka: exits 69" \
    unreach tide-join -b "$BROKERS" -T kafka:f.tbl --on k --metadata-timeout 1s
t_ok "down at start: tide-replay exits 69" \
    unreach tide-replay -b "$BROKERS" -t f.rp --metadata-timeout 1s
t_run "down at start: tide-source's message" timeout 10 tide-source -b "$BROKERS" -t f.src -e --metadata-timeout 500ms
t_stderr_has "tide-source: cannot reach brokers at '$BROKERS' within 500ms"
mock_cmd "broker 1 up"

# --- no hang: the brokers gone for good after start ---------------------------
# librdkafka retries for ever; tide-source bounds the wait with
# --down-timeout (by default --metadata-timeout for a read that ends, 5m for
# a live one), says every --metadata-timeout that it is still trying, and
# gives up with status 69 having flushed what it had read.  One partition,
# so what was read is a prefix, in order.
# Produced in batches of 50: a fetch returns at least one whole batch, so
# one batch of everything (a fast producer's linger) would let the source
# read the whole range in one response, before the broker goes.
gen 1 10000 | timeout 20 tide-sink -b "$BROKERS" -t f.gone $FAST -X batch.num.messages=50
# gone_run NAME LINES OUTFILE ERRFILE CMD...: run CMD, take the broker
# away for good once it has written LINES lines; t_status and t_stderr_*
# then apply to it, T_MS is how long it ran from then.
gone_run() {
	_n=$1 _l=$2 _o=$3 _e=$4
	shift 4
	: >"$_o"	# polled below, maybe before the command has opened it
	timeout 40 "$@" >"$_o" 2>"$_e" &
	_p=$!
	_i=0
	while [ $_i -lt 200 ] && [ "$(count "$_o")" -lt "$_l" ]; do sleep 0.1; _i=$((_i + 1)); done
	_s=$(date +%s%N)
	mock_cmd "broker 1 down"
	wait $_p
	_rc=$?
	T_MS=$((($(date +%s%N) - _s) / 1000000))
	bg_done $_rc "$_n" "$_e"
	mock_cmd "broker 1 up"
}
# prefix FILE: FILE holds {"i":1} .. {"i":N} in order, 0 < N < 10000.
prefix() {
	_n=$(count "$1")
	[ "$_n" -gt 0 ] && [ "$_n" -lt 10000 ] && in_order "$_n" "$1" && return 0
	echo "got $_n lines, first: $(head -1 "$1"), last: $(tail -1 "$1")"
	return 1
}

# -e, slowed down (100 ms a response, small fetches), so the broker goes
# while there is still a range to read: exit 69 after --metadata-timeout.
mock_cmd "broker 1 rtt 100"
gone_run "source -e: broker gone for good" 1 "$T_DIR/gone1.out" "$T_DIR/gone1.err"     tide-source -b "$BROKERS" -t f.gone -e --metadata-timeout 2s $SMALL $FAST
mock_cmd "broker 1 rtt 0"
t_status 69
t_stderr_has "tide-source: brokers $BROKERS unreachable for 2s (--down-timeout 2s): giving up after $(count "$T_DIR/gone1.out") records, before the end of the range: "
t_ok "source -e: broker gone: gives up after 2 s, not before (${T_MS}ms)" test "$T_MS" -ge 2000
t_ok "source -e: broker gone: what it read is flushed, a prefix in order" prefix "$T_DIR/gone1.out"

# A live read (no -e) says it is still trying, and gives up after
# --down-timeout.
gone_run "source: live, broker gone for good" 10000 "$T_DIR/gone2.out" "$T_DIR/gone2.err"     tide-source -b "$BROKERS" -t f.gone -c 20000 --metadata-timeout 1s --down-timeout 3s $FAST
t_status 69
t_stderr_has "tide-source: brokers $BROKERS unreachable for 1s, still trying (giving up after 3s)"
t_stderr_has "tide-source: brokers $BROKERS unreachable for 2s, still trying (giving up after 3s)"
t_stderr_has "tide-source: brokers $BROKERS unreachable for 3s (--down-timeout 3s): giving up after 10000 records: "
t_ok "source: live, broker gone: gives up after 3 s, not before (${T_MS}ms)" test "$T_MS" -ge 3000
t_ok "source: live, broker gone: everything read before is written" in_order 10000 "$T_DIR/gone2.out"

# The same as a group member (-G).
gone_run "source -G: live, broker gone for good" 10000 "$T_DIR/gone3.out" "$T_DIR/gone3.err"     tide-source -b "$BROKERS" -t f.gone -G f-grp-gone $G --metadata-timeout 1s --down-timeout 2s $FAST
t_status 69
t_stderr_has "tide-source: brokers $BROKERS unreachable for 1s, still trying (giving up after 2s)"
t_stderr_has "tide-source: brokers $BROKERS unreachable for 2s (--down-timeout 2s): giving up after 10000 records: "
t_ok "source -G: live, broker gone: everything read before is written" in_order 10000 "$T_DIR/gone3.out"

# A live read rides out an outage shorter than --down-timeout: it says so
# while it lasts, and when it is over, and reads on.  The broker comes back
# slow (300 ms a response) to a quiet topic: no record says it is back, a
# metadata request must, before --down-timeout runs out.
: >"$T_DIR/gone4.out"
timeout 30 tide-source -b "$BROKERS" -t f.gone -c 10005 --metadata-timeout 1s --down-timeout 4s $FAST \
    >"$T_DIR/gone4.out" 2>"$T_DIR/gone4.err" &
pid=$!
i=0
while [ $i -lt 200 ] && [ "$(count "$T_DIR/gone4.out")" -lt 10000 ]; do sleep 0.1; i=$((i + 1)); done
mock_cmd "broker 1 down"
sleep 2.5
mock_cmd "broker 1 rtt 300"
mock_cmd "broker 1 up"
sleep 3
mock_cmd "broker 1 rtt 0"
gen 10001 10005 | produce f.gone
wait $pid
bg_done $? "source: live, broker down 2.5 s and up, slow" "$T_DIR/gone4.err"
t_status 0
t_stderr_has "tide-source: brokers $BROKERS unreachable for 1s, still trying (giving up after 4s)"
t_stderr_has "tide-source: brokers $BROKERS unreachable for 2s, still trying (giving up after 4s)"
t_stderr_has "tide-source: brokers $BROKERS reachable again after "
t_ok "source: live, broker down and up: all 10005 records, in order" in_order 10005 "$T_DIR/gone4.out"

# tide-replay with the broker gone for good: a partition's next record does
# not come within --down-timeout (by default --metadata-timeout), so it
# gives up with 69, naming what it waited for (more cases in replay.sh).
timeout 20 tide-replay -b "$BROKERS" -t f.rp --rate 2000/s --metadata-timeout 1s $SMALL $FAST \
    >"$T_DIR/gone.out" 2>"$T_DIR/gone.err" &
pid=$!
sleep 1
mock_cmd "broker 1 down"
wait $pid
bg_done $? "replay: broker gone for good" $T_DIR/gone.err
t_status 69
t_stderr_has "tide-replay: topic 'f.rp' partition 0: nothing from offset "
t_stderr_has " (--down-timeout 1s): giving up after $(count "$T_DIR/gone.out") records: "
mock_cmd "broker 1 up"

# tide-join -T kafka:TOPIC: while the table's brokers are away, the stream
# is still joined with the table as last read, as a Kafka Streams
# application keeps running through an outage up to task.timeout.ms; it
# says so every --metadata-timeout, and after --down-timeout (default 5m)
# exits 69.  An outage shorter than that is ridden out, and the table
# follows its topic again.
printf '%s\n' 'a:{"v":1}' 'b:{"v":2}' | timeout 20 kcat -P -b "$BROKERS" -t f.jgone -K:
# jgone_start ARGS...: a join on f.jgone reading the fifo jg.fifo (fd 8).
jgone_start() {
	rm -f "$T_DIR/jg.fifo"
	mkfifo "$T_DIR/jg.fifo"
	: >"$T_DIR/jg.out"
	timeout 40 tide-join -b "$BROKERS" -T kafka:f.jgone --on k --left --select v \
	    --metadata-timeout 1s $FAST "$@" <"$T_DIR/jg.fifo" >"$T_DIR/jg.out" 2>"$T_DIR/jg.err" &
	jpid=$!
	exec 8>"$T_DIR/jg.fifo"
}
# jg_until LINE WANT: send a record until the output's last line is WANT.
jg_until() {
	_i=0
	while [ $_i -lt 40 ]; do
		printf '%s\n' "$1" >&8 2>/dev/null || return 1
		sleep 0.2
		[ "$(tail -n 1 "$T_DIR/jg.out")" = "$2" ] && return 0
		_i=$((_i + 1))
	done
	return 1
}
T_NAME="join: broker gone for good"
jgone_start --down-timeout 3s
t_ok "$T_NAME: table loaded" jg_until '{"k":"a"}' '{"k":"a","v":1}'
_s=$(date +%s%N)
mock_cmd "broker 1 down"
sleep 1.5
t_ok "$T_NAME: records still joined with the table as last read" \
    jg_until '{"k":"b"}' '{"k":"b","v":2}'
wait $jpid
_rc=$?
T_MS=$((($(date +%s%N) - _s) / 1000000))
exec 8>&-
bg_done $_rc "join: broker gone for good" "$T_DIR/jg.err"
mock_cmd "broker 1 up"
t_status 69
t_stderr_has "tide-join: table 'kafka:f.jgone': brokers $BROKERS unreachable for 1s, still trying (giving up after 3s); records are joined with the table as last read"
t_stderr_has "tide-join: table 'kafka:f.jgone': brokers $BROKERS unreachable for 3s (--down-timeout 3s): giving up: "
t_ok "join: broker gone: gives up after 3 s, not before (${T_MS}ms)" test "$T_MS" -ge 3000
t_ok "join: broker gone: no 'reachable again'" sh -c "! grep -q 'reachable again' '$T_DIR/jg.err'"

T_NAME="join: broker down 2.5 s and up"
jgone_start --down-timeout 6s
t_ok "$T_NAME: table loaded" jg_until '{"k":"a"}' '{"k":"a","v":1}'
mock_cmd "broker 1 down"
sleep 2.5
mock_cmd "broker 1 up"
printf '%s\n' 'a:{"v":3}' | timeout 20 kcat -P -b "$BROKERS" -t f.jgone -K:
t_ok "$T_NAME: the table follows its topic again" jg_until '{"k":"a"}' '{"k":"a","v":3}'
exec 8>&-
wait $jpid
bg_done $? "join: broker down 2.5 s and up" "$T_DIR/jg.err"
t_status 0
t_stderr_has "tide-join: table 'kafka:f.jgone': brokers $BROKERS unreachable for 1s, still trying (giving up after 6s); records are joined with the table as last read"
t_stderr_has "tide-join: table 'kafka:f.jgone': brokers $BROKERS reachable again after "
t_ok "$T_NAME: not given up" sh -c "! grep -q 'giving up:' '$T_DIR/jg.err'"

# tide-sink: librdkafka holds the records for message.timeout.ms (5m)
# without a word; tide-sink says every --connect-timeout that it is still
# trying, and after --down-timeout gives up: it stops reading, and every
# record read is either on the topic or in the dead-letter file (exit 75),
# or, with none waiting, exits 69.  One partition, so what was delivered is
# a prefix.  --tee says when the first records are delivered.
# sink_start TOPIC ARGS...: tide-sink -t TOPIC reading sk.fifo (fd 7).
sink_start() {
	_t=$1
	shift
	rm -f "$T_DIR/sk.fifo" "$T_DIR/sk.dl"
	mkfifo "$T_DIR/sk.fifo"
	: >"$T_DIR/sk.tee"
	: >"$T_DIR/sk.dl"
	timeout 40 tide-sink -b "$BROKERS" -t "$_t" $FAST --tee --connect-timeout 1s \
	    --dead-letter "$T_DIR/sk.dl" "$@" <"$T_DIR/sk.fifo" >"$T_DIR/sk.tee" 2>"$T_DIR/sk.err" &
	skpid=$!
	exec 7>"$T_DIR/sk.fifo"
}
# sink_fed A B: feed records A..B, and wait until B are delivered.
sink_fed() {
	gen "$1" "$2" >&7
	_i=0
	while [ $_i -lt 100 ] && [ "$(count "$T_DIR/sk.tee")" -lt "$2" ]; do sleep 0.1; _i=$((_i + 1)); done
}
# sink_end NAME: wait for the sink; T_MS is how long since _s.
sink_end() {
	wait $skpid
	_rc=$?
	T_MS=$((($(date +%s%N) - _s) / 1000000))
	exec 7>&-
	bg_done $_rc "$1" "$T_DIR/sk.err"
}
# topic_has TOPIC N: the topic holds {"i":1} .. {"i":N} in order.
topic_has() {
	timeout 30 tide-source -b "$BROKERS" -t "$1" -e >"$T_DIR/sk.got"
	in_order "$2" "$T_DIR/sk.got" && return 0
	echo "got $(count "$T_DIR/sk.got") lines, first: $(head -1 "$T_DIR/sk.got"), last: $(tail -1 "$T_DIR/sk.got")"
	return 1
}
# dead_has A B: the dead-letter file holds {"i":A} .. {"i":B}, each once,
# with their line numbers.
dead_has() {
	jq -r '"\(.line) \(.raw)"' "$T_DIR/sk.dl" | sort -n >"$T_DIR/sk.dead"
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "%d {\"i\":%d}\n", i, i }' |
	    cmp -s - "$T_DIR/sk.dead" && return 0
	echo "got $(count "$T_DIR/sk.dead") dead letters, first: $(head -1 "$T_DIR/sk.dead"), last: $(tail -1 "$T_DIR/sk.dead")"
	return 1
}

# Records keep coming while the broker is away: librdkafka's queue (500
# messages here) fills, and the wait for room is bounded too.  1000
# delivered, 500 queued, the 1501st waiting for room: dead-lettered, then
# the 500 (purged); the rest of the input is not read.
T_NAME="sink: broker gone for good, queue full"
sink_start f.sfull --down-timeout 3s -X queue.buffering.max.messages=500
sink_fed 1 1000
_s=$(date +%s%N)
mock_cmd "broker 1 down"
sleep 0.3
gen 1001 3000 >&7 2>/dev/null &
gpid=$!
sink_end "$T_NAME"
wait $gpid 2>/dev/null
mock_cmd "broker 1 up"
t_status 75
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 1s, still trying (giving up after 3s)"
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 2s, still trying (giving up after 3s)"
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 3s (--down-timeout 3s): giving up after 1501 records read, 1000 delivered: "
t_stderr_has "tide-sink: line 1501: not delivered to 'f.sfull': brokers unreachable (--down-timeout 3s): Local: Queue full"
t_stderr_has "tide-sink: line 1001: not delivered to 'f.sfull': brokers unreachable (--down-timeout 3s): Local: Purged in queue"
t_stderr_has "tide-sink: 501 records not delivered, kept in $T_DIR/sk.dl"
t_ok "$T_NAME: gives up after 3 s, not before (${T_MS}ms)" test "$T_MS" -ge 3000
t_ok "$T_NAME: records 1..1000 on the topic, in order" topic_has f.sfull 1000
t_ok "$T_NAME: records 1001..1501 dead-lettered, each once" dead_has 1001 1501
t_ok "$T_NAME: every dead letter says why" sh -c "jq -r .error '$T_DIR/sk.dl' | sort | uniq -c | tr -s ' ' | tr '\n' '|' | grep -qxF ' 500 brokers unreachable (--down-timeout 3s): Local: Purged in queue| 1 brokers unreachable (--down-timeout 3s): Local: Queue full|'"

# The input ends while the broker is away: the wait for the last
# deliveries is bounded the same way.
T_NAME="sink: broker gone for good, at the end of input"
sink_start f.seof --down-timeout 3s
sink_fed 1 1000
_s=$(date +%s%N)
mock_cmd "broker 1 down"
sleep 0.3
gen 1001 3000 >&7
exec 7>&-
sink_end "$T_NAME"
mock_cmd "broker 1 up"
t_status 75
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 1s, still trying (giving up after 3s)"
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 3s (--down-timeout 3s): giving up after 3000 records read, 1000 delivered: "
t_stderr_has "tide-sink: line 1001: not delivered to 'f.seof': brokers unreachable (--down-timeout 3s): Local: Purged in queue"
t_stderr_has "tide-sink: 2000 records not delivered, kept in $T_DIR/sk.dl"
t_ok "$T_NAME: gives up after 3 s, not before (${T_MS}ms)" test "$T_MS" -ge 3000
t_ok "$T_NAME: records 1..1000 on the topic, in order" topic_has f.seof 1000
t_ok "$T_NAME: records 1001..3000 dead-lettered, each once" dead_has 1001 3000
t_ok "$T_NAME: --tee wrote the delivered ones only" in_order 1000 "$T_DIR/sk.tee"

# Nothing waiting when the broker goes: the outage still ends the run after
# --down-timeout (69: Kafka unavailable, nothing lost), without waiting for
# input that would have nowhere to go.
T_NAME="sink: broker gone for good, nothing waiting"
sink_start f.squiet --down-timeout 2s
sink_fed 1 1000
_s=$(date +%s%N)
mock_cmd "broker 1 down"
sink_end "$T_NAME"
mock_cmd "broker 1 up"
t_status 69
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 1s, still trying (giving up after 2s)"
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 2s (--down-timeout 2s): giving up after 1000 records read, 1000 delivered: "
t_ok "$T_NAME: gives up after 2 s, not before (${T_MS}ms)" test "$T_MS" -ge 2000
t_ok "$T_NAME: no dead letters" test ! -s "$T_DIR/sk.dl"
t_ok "$T_NAME: no 'not delivered'" sh -c "! grep -q 'not delivered' '$T_DIR/sk.err'"
t_ok "$T_NAME: records 1..1000 on the topic, in order" topic_has f.squiet 1000

# An outage shorter than --down-timeout, with records waiting: said while
# it lasts, over when they are delivered; every record exactly once.
T_NAME="sink: broker down 2.5 s and up, records waiting"
sink_start f.sback --down-timeout 8s
sink_fed 1 1000
mock_cmd "broker 1 down"
sleep 0.3
gen 1001 3000 >&7
sleep 2.2
mock_cmd "broker 1 up"
exec 7>&-
_s=$(date +%s%N)
sink_end "$T_NAME"
t_status 0
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 1s, still trying (giving up after 8s)"
t_stderr_has "tide-sink: brokers $BROKERS reachable again after "
t_ok "$T_NAME: not given up" sh -c "! grep -q 'giving up after [0-9]* records' '$T_DIR/sk.err'"
t_ok "$T_NAME: no dead letters" test ! -s "$T_DIR/sk.dl"
t_ok "$T_NAME: 3000 records on the topic, each once, in order" topic_has f.sback 3000
t_ok "$T_NAME: --tee wrote each once" exactly 3000 "$T_DIR/sk.tee"

# The same with nothing waiting: no delivery says the broker is back, a
# metadata request does, before more input comes.
T_NAME="sink: broker down 2.5 s and up, nothing waiting"
sink_start f.sqback --down-timeout 8s
sink_fed 1 1000
mock_cmd "broker 1 down"
sleep 2.5
mock_cmd "broker 1 up"
back_said() {
	_i=0
	while [ $_i -lt 100 ] && ! grep -q 'reachable again after ' "$T_DIR/sk.err"; do sleep 0.1; _i=$((_i + 1)); done
	grep -q 'reachable again after ' "$T_DIR/sk.err"
}
t_ok "$T_NAME: 'reachable again' said before any more input" back_said
sink_fed 1001 3000
exec 7>&-
_s=$(date +%s%N)
sink_end "$T_NAME"
t_status 0
t_stderr_has "tide-sink: brokers $BROKERS unreachable for 1s, still trying (giving up after 8s)"
t_stderr_has "tide-sink: brokers $BROKERS reachable again after "
t_ok "$T_NAME: no dead letters" test ! -s "$T_DIR/sk.dl"
t_ok "$T_NAME: 3000 records on the topic, each once, in order" topic_has f.sqback 3000

# --- SIGTERM in the middle of a stream ----------------------------------------
# tide-source -G commits what it wrote: a restart in the same group reads the
# rest, and the two outputs hold every record exactly once.

: >"$T_DIR/sig1.out"	# polled below, maybe before it is opened
timeout 40 tide-source -b "$BROKERS" -t f.gsig -G f-grp-sig $G --idle-timeout 20s \
    >"$T_DIR/sig1.out" 2>"$T_DIR/sig1.err" &
pid=$!
gen_slow 1 10000 | timeout 40 tide-sink -b "$BROKERS" -t f.gsig &
ppid=$!
i=0
while [ $i -lt 100 ] && [ "$(count "$T_DIR/sig1.out")" -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
kill -TERM $pid
wait $pid
bg_done $? "source -G: SIGTERM mid-stream" $T_DIR/sig1.err
t_status 0
t_stderr_empty
wait $ppid
n1=$(count "$T_DIR/sig1.out")
t_ok "source -G: SIGTERM came mid-stream (got $n1 of 10000)" test "$n1" -gt 0 -a "$n1" -lt 10000
t_run "source -G: restart in the same group" \
    timeout 30 tide-source -b "$BROKERS" -t f.gsig -G f-grp-sig $G -e
t_status 0
cp "$T_OUT" "$T_DIR/sig2.out"
t_ok "source -G: SIGTERM and restart: 10000 records, each once" \
    exactly 10000 "$T_DIR/sig1.out" "$T_DIR/sig2.out"

# kill -9 of tide-source -G under load: a restart in the same group reads on
# from the last commit.  Every record comes out at least once; a record out
# twice is one written after the last commit (which comes at least every
# second and whenever the input pauses), so few, and the restart does not
# start over.
# (Not under timeout(1), which would take the KILL and leave tide-source
# running: --idle-timeout bounds it.)
: >"$T_DIR/kill1.out"
tide-source -b "$BROKERS" -t f.gkill -G f-grp-kill $G --idle-timeout 20s \
    >"$T_DIR/kill1.out" 2>"$T_DIR/kill1.err" &
pid=$!
# The first record once the member is up, then the stream.
gen 1 1 | produce f.gkill
i=0
while [ $i -lt 200 ] && [ "$(count "$T_DIR/kill1.out")" -lt 1 ]; do sleep 0.1; i=$((i + 1)); done
gen_slow 2 10000 | timeout 40 tide-sink -b "$BROKERS" -t f.gkill &
ppid=$!
i=0
while [ $i -lt 100 ] && [ "$(count "$T_DIR/kill1.out")" -lt 2000 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $pid
{ wait $pid; } 2>/dev/null
bg_done $? "source -G: kill -9 mid-stream" $T_DIR/kill1.err
t_status 137
wait $ppid
n1=$(count "$T_DIR/kill1.out")
t_ok "source -G: kill -9 came mid-stream (got $n1 of 10000)" test "$n1" -gt 0 -a "$n1" -lt 10000
t_run "source -G: restart after kill -9, same group" \
    timeout 30 tide-source -b "$BROKERS" -t f.gkill -G f-grp-kill $G -e
t_status 0
cp "$T_OUT" "$T_DIR/kill2.out"
n2=$(count "$T_DIR/kill2.out")
cat "$T_DIR/kill1.out" "$T_DIR/kill2.out" | sort -u >"$T_DIR/kill.u"
t_ok "source -G: kill -9 and restart: every record at least once" exactly 10000 "$T_DIR/kill.u"
t_ok "source -G: kill -9 and restart: re-read only past the last commit ($((n1 + n2 - 10000)) twice)" \
    test $((n1 + n2 - 10000)) -le 2000
t_ok "source -G: a record read twice is the same record" \
    sh -c "test \"\$(sort '$T_DIR/kill1.out' '$T_DIR/kill2.out' | uniq -d | wc -l)\" = $((n1 + n2 - 10000))"

# tide-sink -t drains (doc/DELIVERY.md): after SIGTERM it reads on to the end
# of its input, delivers everything, even with its last records in flight
# (200 ms a response), and exits 0.
mkfifo "$T_DIR/ssig.fifo"
timeout 40 tide-sink -b "$BROKERS" -t f.ssig --stats <"$T_DIR/ssig.fifo" \
    >"$T_DIR/ssig.out" 2>"$T_DIR/ssig.err" &
pid=$!
gen_slow 1 10000 >"$T_DIR/ssig.fifo" 2>/dev/null &
gpid=$!
sleep 1
mock_cmd "broker 1 rtt 200"
t_ok "sink: SIGTERM came mid-stream (the generator still writing)" kill -0 $gpid
kill -TERM $pid
wait $pid
bg_done $? "sink: SIGTERM mid-stream" $T_DIR/ssig.err
t_status 0
wait $gpid
mock_cmd "broker 1 rtt 0"
t_run "sink: SIGTERM mid-stream: read back" timeout 30 tide-source -b "$BROKERS" -t f.ssig -e
cp "$T_OUT" "$T_DIR/ssig.got"
n=$(count "$T_DIR/ssig.got")
t_ok "sink: SIGTERM drains: every record delivered ($n of 10000)" test "$n" = 10000
t_ok "sink: SIGTERM: the topic holds the $n records, in order" in_order "$n" "$T_DIR/ssig.got"
bg_done 0 "sink: SIGTERM mid-stream" "$T_DIR/ssig.err"
t_stderr_has "tide-sink: in $n, bad 0, sent $n, delivered $n, failed 0, pending 0,"


# tide-join -T kafka:TOPIC drains (doc/DELIVERY.md): a SIGTERM mid-stream
# does not stop it; it reads its input to the end, joins and writes it all
# (the oracle: awk over the same records and the table), and exits 0.
# timeout --foreground: without it, timeout sends the signal it is given
# to its child and again to its process group, and a second signal ends
# the drain at once.
printf '%s\n' 'a:{"v":1}' 'b:{"v":2}' 'c:{"v":3}' | timeout 20 kcat -P -b "$BROKERS" -t f.jsig -K:
jgen() {
	awk -v slow="$1" 'BEGIN { for (i = 1; i <= 10000; i++) {
		printf "{\"k\":\"%s\",\"i\":%d}\n", substr("abcd", i % 4 + 1, 1), i
		if (slow && i % 200 == 0) { fflush(); system("sleep 0.1") } } }'
}
# Inner join: d has no row; the others get their v.
jgen 0 | awk -F'"' '$4 != "d" { v = index("abc", $4); sub(/}$/, ",\"v\":" v "}"); print }' >"$T_DIR/jsig.want"
mkfifo "$T_DIR/jsig.fifo"
: >"$T_DIR/jsig.out"
timeout --foreground 40 tide-join -b "$BROKERS" -T kafka:f.jsig --on k --select v --stats <"$T_DIR/jsig.fifo" \
    >"$T_DIR/jsig.out" 2>"$T_DIR/jsig.err" &
pid=$!
jgen 1 >"$T_DIR/jsig.fifo" 2>/dev/null &
gpid=$!
i=0
while [ $i -lt 100 ] && [ "$(count "$T_DIR/jsig.out")" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
n=$(count "$T_DIR/jsig.out")
kill -TERM $pid
wait $pid
bg_done $? "join -T kafka: SIGTERM mid-stream drains" $T_DIR/jsig.err
t_status 0
wait $gpid
t_ok "join -T kafka: SIGTERM came mid-stream (joined $n of 7500 by then)" test "$n" -gt 0 -a "$n" -lt 7500
t_ok "join -T kafka: SIGTERM: the input read to its end, every record joined" \
    cmp -s "$T_DIR/jsig.want" "$T_DIR/jsig.out"
t_stderr_has "tide-join: records in 10000, out 7500, matched 7500, unmatched 2500, bad 0;"

# tide-replay from Kafka, paced: what it sent before the signal is written,
# the range's first n records in order.
: >"$T_DIR/rsig.out"
timeout 40 tide-replay -b "$BROKERS" -t f.rp --rate 2000/s $FAST \
    >"$T_DIR/rsig.out" 2>"$T_DIR/rsig.err" &
pid=$!
i=0
while [ $i -lt 100 ] && [ "$(count "$T_DIR/rsig.out")" -lt 500 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
wait $pid
bg_done $? "replay: SIGTERM mid-stream" $T_DIR/rsig.err
t_status 0
t_stderr_empty
n=$(count "$T_DIR/rsig.out")
t_ok "replay: SIGTERM came mid-stream (sent $n of 10000)" test "$n" -gt 0 -a "$n" -lt 10000
t_ok "replay: SIGTERM: the output is the range's first $n records" \
    sh -c "head -n $n '$T_DIR/rp.want' | cmp -s - '$T_DIR/rsig.out'"


# --- librdkafka's settings left at their defaults ------------------------------
# Every case above passes $FAST; here nothing is passed but a bound of 3 s.
# A client retries a lost broker every reconnect.backoff.max.ms (tide's
# default 1 s; librdkafka's jitter makes it up to 1.5 s), so brokers back
# shortly before the bound may be seen only after it, and a run gave up on
# an outage shorter than its bound (issue 18 item 7).  At the bound the
# brokers are asked (lib/kafka/kdown: for up to 1.5 backoffs and a second);
# as they answer, the clock restarts, once.  Each outage here ends 0.2 s
# before the bound.
# wait_count FILE N: FILE has N lines (60 s at most).
wait_count() {
	_i=0
	while [ $_i -lt 600 ] && [ "$(count "$1")" -lt "$2" ]; do sleep 0.1; _i=$((_i + 1)); done
}
# tide-replay --speed: 1000 records 2 ms apart, in batches of 20; 50 ms a
# response keeps the replay waiting on its fetches, so it waits on its
# partition from the moment the broker goes.
awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "{\"i\":%d,\"ts\":%d}\n", i, 1700000000000 + 2 * i }' >"$T_DIR/rpd.want"
timeout 20 tide-sink -b "$BROKERS" -t f.rpd --timestamp ts -X batch.num.messages=20 <"$T_DIR/rpd.want"
mock_cmd "broker 1 rtt 50"
: >"$T_DIR/rpd.out"
timeout 60 tide-replay -b "$BROKERS" -t f.rpd --speed 10 --down-timeout 3s $SMALL \
    >"$T_DIR/rpd.out" 2>"$T_DIR/rpd.err" &
pid=$!
wait_count "$T_DIR/rpd.out" 200
mock_cmd "broker all down"
sleep 2.8
mock_cmd "broker all up"
wait $pid
bg_done $? "replay --speed, librdkafka's defaults: an outage of 2.8 s, bound 3 s" $T_DIR/rpd.err
mock_cmd "broker 1 rtt 0"
t_status 0
t_stderr_empty
t_ok "$T_NAME: the full range, in order" cmp "$T_DIR/rpd.want" "$T_DIR/rpd.out"
# tide-source, a live read waiting for records when the broker goes; what
# is produced after the outage is read.
gen 1 100 | produce f.srd
: >"$T_DIR/srd.out"
timeout 60 tide-source -b "$BROKERS" -t f.srd -c 200 --down-timeout 3s \
    >"$T_DIR/srd.out" 2>"$T_DIR/srd.err" &
pid=$!
wait_count "$T_DIR/srd.out" 100
sleep 0.3
mock_cmd "broker all down"
sleep 2.8
mock_cmd "broker all up"
gen 101 200 | produce f.srd
wait $pid
bg_done $? "source, librdkafka's defaults: an outage of 2.8 s, bound 3 s" $T_DIR/srd.err
t_status 0
t_stderr_empty
t_ok "$T_NAME: every record, in order" in_order 200 "$T_DIR/srd.out"
# Brokers that answer but deliver nothing (the partition has no leader):
# the clock restarts once, and the replay gives up at the second bound,
# not never.
timeout 20 tide-sink -b "$BROKERS" -t f.rpl --timestamp ts -X batch.num.messages=20 <"$T_DIR/rpd.want"
mock_cmd "broker 1 rtt 50"
: >"$T_DIR/rpl.out"
timeout 60 tide-replay -b "$BROKERS" -t f.rpl --speed 10 --down-timeout 1s $SMALL \
    >"$T_DIR/rpl.out" 2>"$T_DIR/rpl.err" &
pid=$!
wait_count "$T_DIR/rpl.out" 200
mock_cmd "leader f.rpl 0 -1"
wait $pid
bg_done $? "replay: the broker answers, the partition has no leader" $T_DIR/rpl.err
mock_cmd "broker 1 rtt 0"
t_status 69
n=$(count "$T_DIR/rpl.out")
t_stderr_has "tide-replay: topic 'f.rpl' partition 0: nothing from offset $n (of 0..1000) for "
t_stderr_has " (--down-timeout 1s): giving up after $n records: "
# for 1s at the first bound, then the question and a second bound.
t_ok "$T_NAME: given up at the second bound" \
    sh -c "grep -q ' for [2-9]s (--down-timeout 1s)' '$T_DIR/rpl.err'"
t_ok "$T_NAME: what came before, in order" sh -c "head -n $n '$T_DIR/rpd.want' | cmp -s - '$T_DIR/rpl.out'"

t_done
