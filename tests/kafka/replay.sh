#!/bin/sh
# tide-replay against tide-mock: the merge order checked against kcat (an
# independent client) sorted by jq; --from/--to exactness (the mock cannot
# look offsets up by time, so this is the binary-search path); repeated
# replays byte-identical; replay of a tide-sink archive equal to replay of
# the topic; read-ahead with pause/resume on skewed partitions; pacing,
# loops; bad input; partitions idle or empty cost no wait; SIGTERM in a
# paced replay; the broker gone for good mid-replay (a bounded wait, 69).
# Every external call is bounded by timeout(1).
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
t_skip_unless jq

TO="timeout 30"
cd "$T_DIR" || exit 1
mock_start -t rp.order:3 -t rp.skew:2 -t rp.pace:2 -t rp.empty:2 \
    -t rp.idle:3 -t rp.sig:2 -t rp.kill:1

BASE=1793491200000

# 300 records, partitions irregular, many equal timestamps across and
# within partitions.
awk -v b=$BASE 'BEGIN { for (i = 0; i < 300; i++)
	printf "{\"ts\":%d,\"p\":%d,\"i\":%d}\n", b + int(i / 4) * 10, (i * 7 + int(i / 5)) % 3, i }' >order.in
$TO tide-sink -b "$BROKERS" -t rp.order --timestamp ts -p p <order.in ||
	{ echo "tide-sink failed" >&2; exit 1; }

# The oracle: kcat's view of the topic, sorted by (ts, partition, offset).
$TO kcat -b "$BROKERS" -C -t rp.order -e -q -J >kcat.json
jq -s -c 'sort_by(.ts, .partition, .offset) | .[] | [.partition, .offset, .ts]' kcat.json >oracle.keys
jq -s -r 'sort_by(.ts, .partition, .offset) | .[] | .payload' kcat.json >oracle.values
t_ok "kcat sees 300 records" test "$(wc -l <oracle.keys)" = 300

t_run "-J: merge order as kcat sorted by ts, partition, offset" \
	$TO tide-replay -b "$BROKERS" -t rp.order --speed max -J
t_status 0
cp "$T_OUT" replay1.ndjson
jq -c '[.partition, .offset, .ts]' replay1.ndjson >replay.keys
t_ok "order of (partition, offset, ts)" cmp oracle.keys replay.keys

t_run "values in merge order" $TO tide-replay -b "$BROKERS" -t rp.order --speed max
t_status 0
t_stdout_file oracle.values

t_run "a second replay is byte-identical" \
	$TO tide-replay -b "$BROKERS" -t rp.order --speed max -J
t_status 0
t_stdout_file replay1.ndjson

t_run "-p 0,2" $TO tide-replay -b "$BROKERS" -t rp.order -p 0,2 --speed max -J
t_status 0
jq -c 'select(.[0] != 1)' oracle.keys >oracle02.keys
jq -c '[.partition, .offset, .ts]' "$T_OUT" >p02.keys
t_ok "-p 0,2: the other partitions' records, in order" cmp oracle02.keys p02.keys

# --from/--to: first record at or after from, up to before the first at
# or after to.  From and to fall between and on record times.
FROM=$((BASE + 205)) TO_=$((BASE + 500))
jq -c --argjson f $FROM --argjson t $TO_ 'select(.[2] >= $f and .[2] < $t)' \
	oracle.keys >range.keys
t_run "--from/--to exactness" $TO tide-replay -b "$BROKERS" -t rp.order \
	--from $FROM --to $TO_ --speed max -J
t_status 0
jq -c '[.partition, .offset, .ts]' "$T_OUT" >got.keys
t_ok "--from/--to: exactly the records in [from, to)" cmp range.keys got.keys
t_ok "--from/--to: 116 records" test "$(wc -l <got.keys)" = 116

# Dry run: per partition, watermarks, the resolved range and the count.
jq -s -c --argjson f $FROM --argjson t $TO_ 'group_by(.partition) | .[] |
	{topic: "rp.order", partition: .[0].partition, low: 0, high: length,
	 start: ([.[] | select(.ts >= $f) | .offset] | min),
	 end: ([.[] | select(.ts >= $t) | .offset] | min)} |
	.records = .end - .start' kcat.json >dry.expect
echo '{"records":116}' >>dry.expect
t_run "--dry-run prints the resolved ranges" $TO tide-replay -b "$BROKERS" \
	-t rp.order --from $FROM --to $TO_ --dry-run
t_status 0
t_stdout_file dry.expect

t_run "range with no data" $TO tide-replay -b "$BROKERS" -t rp.order \
	--from $((BASE + 86400000)) --speed max
t_status 0
t_stdout </dev/null
t_stderr_has "tide-replay: no records in the range"

t_run "empty topic" $TO tide-replay -b "$BROKERS" -t rp.empty --speed max
t_status 0
t_stdout </dev/null
t_stderr_has "tide-replay: no records in the range"

# Archive: tide-source -J -e into tide-sink -o (zstd), replayed.
if t_have tide-source "tide-source not built: the archive replay"; then
	$TO tide-source -b "$BROKERS" -t rp.order -J -e |
		$TO tide-sink -o archive.ndjson.zst
	t_run "replay of the tide-sink archive equals replay of the topic" \
		$TO tide-replay --speed max -J archive.ndjson.zst
	t_status 0
	t_stdout_file replay1.ndjson
	t_run "the archive's --from/--to as the topic's" \
		$TO tide-replay --speed max -J --from $FROM --to $TO_ archive.ndjson.zst
	t_status 0
	jq -c '[.partition, .offset, .ts]' "$T_OUT" >arch.keys
	t_ok "archive range keys" cmp range.keys arch.keys
fi

t_run "--loop 2 --shift-time on a range" $TO tide-replay -b "$BROKERS" \
	-t rp.order --from $FROM --to $TO_ --speed max -J --loop 2 --shift-time
t_status 0
{
	cat range.keys
	jq -c --argjson d $((TO_ - FROM)) '[.[0], .[1], .[2] + $d]' range.keys
} >loop.expect
jq -c '[.partition, .offset, .ts]' "$T_OUT" >loop.keys
t_ok "second loop: same records, ts moved by to - from" cmp loop.expect loop.keys

# --- read-ahead: partition 0 holds all the early times, partition 1 all
# the late ones, produced interleaved; partition 1 fills its read-ahead
# and waits, paused, while partition 0 is replayed.
awk -v b=$BASE 'BEGIN { for (i = 0; i < 6000; i++) {
	printf "{\"ts\":%d,\"p\":0,\"i\":%d}\n", b + i, i;
	printf "{\"ts\":%d,\"p\":1,\"i\":%d}\n", b + 100000 + i, i } }' >skew.in
$TO tide-sink -b "$BROKERS" -t rp.skew --timestamp ts -p p <skew.in
t_run "skewed partitions: all of 0, then all of 1" \
	$TO tide-replay -b "$BROKERS" -t rp.skew --speed max -J
t_status 0
awk 'BEGIN { for (i = 0; i < 6000; i++) print "0 " i; for (i = 0; i < 6000; i++) print "1 " i }' >skew.expect
jq -r '"\(.partition) \(.offset)"' "$T_OUT" >skew.got
t_ok "skewed partitions: 12000 records in order" cmp skew.expect skew.got

# --- pacing -----------------------------------------------------------------

now_ms() { echo $(($(date +%s%N) / 1000000)); }
awk -v b=$BASE 'BEGIN { for (i = 0; i <= 20; i++)
	printf "{\"ts\":%d,\"p\":%d,\"i\":%d}\n", b + i * 1000, i % 2, i }' >pace.in
$TO tide-sink -b "$BROKERS" -t rp.pace --timestamp ts -p p <pace.in

# No wall-clock upper bound (a loaded machine is slow, not wrong): the
# schedule is checked by which records fall due within --duration, and
# one-sided by the program's own --stats (never early; t_replay_stats).
t0=$(now_ms)
t_run "--speed 10 over a 20s span" $TO tide-replay -b "$BROKERS" -t rp.pace \
	--speed 10 --stats
el=$(($(now_ms) - t0))
t_status 0
t_stdout_file pace.in
t_stderr_has "lateness p50"
t_replay_stats "--speed 10" 2
# Record i is due i * 100 ms after the first: 0-9 within 1 s.
t_run "--speed 10: records due within --duration 1s" $TO tide-replay \
	-b "$BROKERS" -t rp.pace --speed 10 --duration 1s
t_status 0
head -10 pace.in >pace10
t_stdout_file pace10

t_run "--max-gap 10ms" $TO tide-replay -b "$BROKERS" -t rp.pace --max-gap 10ms
t_status 0
t_stdout_file pace.in
# With the 1 s gaps capped at 10 ms, record i is due at i * 10 ms: 0-10
# within 105 ms (without the cap, only record 0 would be).
t_run "--max-gap 10ms: records due within --duration 105ms" $TO tide-replay \
	-b "$BROKERS" -t rp.pace --max-gap 10ms --duration 105ms
t_status 0
head -11 pace.in >pace11
t_stdout_file pace11

t_run "--rate 100/s with --limit" $TO tide-replay -b "$BROKERS" -t rp.pace \
	--rate 100/s --limit 4
t_status 0
head -4 pace.in >pace4
t_stdout_file pace4

# --- bad input --------------------------------------------------------------

t_run "unknown topic" $TO tide-replay -b "$BROKERS" -t rp.nosuch --speed max
t_status 69
t_stderr_has "tide-replay: topic 'rp.nosuch' not found"

t_run "unknown partition" $TO tide-replay -b "$BROKERS" -t rp.order -p 1,7
t_status 69
t_stderr_has "tide-replay: topic 'rp.order' has no partition 7"

t_run "brokers unreachable" $TO tide-replay -b 127.0.0.1:1 -t rp.order \
	--metadata-timeout 1s
t_status 69
t_stderr_has "tide-replay: cannot reach brokers at '127.0.0.1:1' within 1000ms"

t_run "TIDE_BROKERS" env TIDE_BROKERS="$BROKERS" $TO tide-replay -t rp.order \
	--speed max --limit 2
t_status 0
head -2 oracle.values >two
t_stdout_file two

# --- waits ------------------------------------------------------------------

# Partition 2 is empty and partition 1 ends early: nothing to wait for once
# a partition is at its end, so 400 records take no poll interval each
# (a 100 ms stall a record would be 40 s).
awk -v b=$BASE 'BEGIN { for (i = 0; i < 400; i++)
	printf "{\"ts\":%d,\"p\":%d,\"i\":%d}\n", b + i, i < 20 ? i % 2 : 0, i }' >idle.in
$TO tide-sink -b "$BROKERS" -t rp.idle --timestamp ts -p p <idle.in
# $TO (30 s) is the hang guard: a stall a record would end there (124).
t_run "empty and finished partitions" $TO tide-replay -b "$BROKERS" \
	-t rp.idle --speed max
t_status 0
t_stdout_file idle.in

count() { wc -l <"$1" | tr -d ' '; }
# prefix FILE EXPECTED: FILE holds whole lines, the first lines of EXPECTED.
prefix() { head -n "$(count "$1")" "$2" | cmp -s - "$1"; }
# wait_lines FILE N: until FILE has N lines (at most 10 s).  FILE must
# exist before: a command started with & opens its redirections later.
wait_lines() {
	_i=0
	while [ $_i -lt 100 ] && [ "$(count "$1")" -lt "$2" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# SIGTERM in a paced replay (400 records 10 ms apart: 4 s): exit 0 with
# what was emitted flushed, a prefix of the merge order.
awk -v b=$BASE 'BEGIN { for (i = 0; i < 400; i++)
	printf "{\"ts\":%d,\"p\":%d,\"i\":%d}\n", b + i * 10, i % 2, i }' >sig.in
$TO tide-sink -b "$BROKERS" -t rp.sig --timestamp ts -p p <sig.in
: >sig.out
$TO tide-replay -b "$BROKERS" -t rp.sig >sig.out 2>sig.err &
pid=$!
wait_lines sig.out 50
kill -TERM $pid
wait $pid
T_RC=$? T_NAME="SIGTERM mid-replay"
cp sig.err "$T_ERR"
t_status 0
t_stderr_empty
n=$(count sig.out)
t_ok "SIGTERM mid-replay: stopped early ($n of 400)" test "$n" -ge 50 -a "$n" -lt 400
t_ok "SIGTERM mid-replay: a prefix of the order" prefix sig.out sig.in

# The broker gone for good mid-replay (tide-mock killed): the wait for the
# next fetch is bounded by --down-timeout, by default --metadata-timeout;
# then a message naming what it waited for, status 69, and what was
# emitted flushed.  Small fetches, and
# more records than the read-ahead holds (4096), so the replay has to go
# back to the broker.  Last: the mock is gone.
awk -v b=$BASE 'BEGIN { for (i = 0; i < 20000; i++)
	printf "{\"ts\":%d,\"i\":%d}\n", b + i, i }' >kill.in
$TO tide-sink -b "$BROKERS" -t rp.kill --timestamp ts <kill.in
SMALL="-X queued.min.messages=100 -X queued.max.messages.kbytes=16 -X fetch.max.bytes=4096 -X message.max.bytes=2048 -X max.partition.fetch.bytes=2048"
: >kill.out
$TO tide-replay -b "$BROKERS" -t rp.kill --rate 2000/s $SMALL \
	-X reconnect.backoff.ms=50 -X reconnect.backoff.max.ms=200 \
	--metadata-timeout 2s >kill.out 2>kill.err &
pid=$!
wait_lines kill.out 300
t0=$(now_ms)
kill -KILL $T_MOCKPID
wait $T_MOCKPID 2>/dev/null
wait $pid
T_RC=$? T_NAME="broker gone mid-replay"
el=$(($(now_ms) - t0))
cp kill.err "$T_ERR"
t_status 69
t_stderr_has "tide-replay: topic 'rp.kill' partition 0: nothing from offset"
t_stderr_has "for 2s (--down-timeout 2s): giving up after $(count kill.out) records: "
n=$(count kill.out)
t_ok "broker gone: stopped early ($n of 20000)" test "$n" -ge 300 -a "$n" -lt 20000
t_ok "broker gone: the output is a prefix of the range" prefix kill.out kill.in
# Not before the 2 s bound (one-sided: a slow machine only gives up later).
t_ok "broker gone: gave up after the 2 s bound, not before (${el}ms)" test "$el" -ge 2000

t_done
