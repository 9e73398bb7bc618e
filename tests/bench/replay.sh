#!/bin/sh
# tide-replay benchmark (make bench; never run by make test).
#
# Throughput: the same tide-mock topic read whole by
# `tide-replay --speed max -J` (which also merges the partitions by
# timestamp) and by `kcat -C -e -J`, in the same run: records/s and the
# ratio (target >= 0.8x kcat).  Both outputs must hold N lines.
#
# Pacing: the schedule error (lateness of each record behind its due
# time, from --stats) at --speed 1 and --speed 100: p50, p99, max, from
# the topic and from archive files (the pacing without Kafka's fetches).
# p99 under 1 ms needs a machine that is not saturated: on a busy one it
# is the scheduler's wake-up delay that shows.
# N overrides the record count (sized within the mock's retention).
. "$(dirname "$0")/lib.sh"
N=${N:-200000}
PN=${PN:-2000}		# records of the pacing runs, 1ms apart in event time

mkfifo "$B_DIR/mockin"
tide-mock -t rpl:4 -t rpl.pace:2 --bootstrap-file "$B_DIR/bootstrap" \
    <"$B_DIR/mockin" >/dev/null 2>"$B_DIR/mock.err" &
mockpid=$!
exec 9>"$B_DIR/mockin"
B_CLEANUP="exec 9>&-; kill $mockpid 2>/dev/null; wait $mockpid 2>/dev/null"
i=0
while [ ! -s "$B_DIR/bootstrap" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "tide-mock did not start"; exit 1; }
	sleep 0.05
done
BROKERS=$(cat "$B_DIR/bootstrap")

tide-gen --seed 1 --count "$N" --step 1ms transactions |
	timeout 120 tide-sink -b "$BROKERS" -t rpl -k account --timestamp ts -z lz4 ||
	{ echo "producing the data failed"; exit 1; }
have=$(timeout 60 kcat -b "$BROKERS" -C -t rpl -e -q -f 'x\n' | wc -l)
[ "$have" = "$N" ] || { echo "topic holds $have records, not $N (retention?)"; exit 1; }
echo "tide-replay bench: $N transactions in 4 partitions of tide-mock"

# Every run must write all N records (the last of its repeats is checked).
B_OUT=$B_DIR/out
counted() {
	bench_run "$@" || return
	got=$(wc -l <"$B_OUT")
	[ "$got" = "$N" ] || echo "  $1: $got lines, expected $N"
}

counted "kcat -C -e -J" "$N" timeout 120 kcat -b "$BROKERS" -C -t rpl -e -q -J
counted "tide-replay max -J" "$N" timeout 120 tide-replay -b "$BROKERS" -t rpl --speed max -J
counted "tide-replay max (values)" "$N" timeout 120 tide-replay -b "$BROKERS" -t rpl --speed max
B_OUT=/dev/null
bench_ratio "tide-replay max -J" "kcat -C -e -J"

# CPU time (user + sys, best of 3) of the same reads: on a shared machine
# the wall clock is mostly the neighbours'; the consumer's own cost is
# not.  (tide-mock's side is the same for both and not counted.)
cpu_best() {
	_best=
	for _i in 1 2 3; do
		/usr/bin/time -f '%U %S' -o "$B_DIR/.cpu" "$@" >/dev/null 2>"$B_DIR/.err" ||
			{ echo "failed: $(tail -2 "$B_DIR/.err")" >&2; return 1; }
		_c=$(awk '{ printf "%.2f", $1 + $2 }' "$B_DIR/.cpu")
		if [ -z "$_best" ] || awk "BEGIN{exit !($_c < $_best)}"; then _best=$_c; fi
	done
	echo "$_best"
}
ck=$(cpu_best timeout 120 kcat -b "$BROKERS" -C -t rpl -e -q -J)
ct=$(cpu_best timeout 120 tide-replay -b "$BROKERS" -t rpl --speed max -J)
awk -v k="$ck" -v t="$ct" -v n="$N" 'BEGIN {
	printf "cpu: kcat -C -e -J %.2fs, tide-replay max -J %.2fs: %.2fx kcat per CPU second\n", k, t, (t > 0 ? k / t : 0) }'

# Pacing: PN records 1ms apart in partition 0, replayed at --speed 1, and
# 10 PN records 10ms apart in partition 1 at --speed 100: PN ms each.
tide-gen --seed 2 --count "$PN" --step 1ms transactions |
	timeout 60 tide-sink -b "$BROKERS" -t rpl.pace -p 0 --timestamp ts
tide-gen --seed 2 --count $((PN * 10)) --step 10ms --start 2026-12-01 transactions |
	timeout 60 tide-sink -b "$BROKERS" -t rpl.pace -p 1 --timestamp ts -z lz4
echo "pacing, load average at start: $(uptime | sed 's/.*load average: //')"
for sp in 1 100; do
	if [ $sp = 1 ]; then p=0; else p=1; fi
	timeout 120 tide-replay -b "$BROKERS" -t rpl.pace -p $p --speed $sp \
	    --stats --no-progress >/dev/null 2>"$B_DIR/pace.err" ||
		{ echo "pacing run failed: $(tail -2 "$B_DIR/pace.err")"; continue; }
	sed -n 's/.*stats: records_out \([0-9]*\).*, \([0-9.]*s\), .*lateness \(.*\)/\1 \2 \3/p' \
	    "$B_DIR/pace.err" | awk -v sp=$sp '{ printf "pacing --speed %-4s %7d records in %s: lateness %s %s %s %s %s %s %s %s\n", sp, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
done

# The same schedules from archive files: the pacing alone, without the
# consumer's fetches.
tide-gen --seed 2 --count "$PN" --step 1ms transactions >"$B_DIR/pace1.ndjson"
tide-gen --seed 2 --count $((PN * 10)) --step 10ms transactions >"$B_DIR/pace100.ndjson"
for sp in 1 100; do
	timeout 120 tide-replay --time ts --speed $sp --stats --no-progress \
	    "$B_DIR/pace$sp.ndjson" >/dev/null 2>"$B_DIR/pace.err" ||
		{ echo "pacing run failed: $(tail -2 "$B_DIR/pace.err")"; continue; }
	sed -n 's/.*stats: records_out \([0-9]*\).*, \([0-9.]*s\), .*lateness \(.*\)/\1 \2 \3/p' \
	    "$B_DIR/pace.err" | awk -v sp=$sp '{ printf "pacing --speed %-4s %7d records in %s: lateness %s %s %s %s %s %s %s %s (archive)\n", sp, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
done
