#!/bin/sh
# End-to-end latency of the fraud-feature pipeline (issue: end to end):
#   tide-gen --stamp | tide-sink -> Kafka -> tide-source -G | tide-window
#   --over | tide-join | tide-sink -> Kafka -> tide-source | latency.pl
# two Kafka hops on tide-mock, four tide stages, at several rates; and the
# pipe stages alone (tide-gen | window | join | latency.pl).  Latency is
# now - sent_ms at the final reader, p50/p99/max, after a warm-up.
#   RATES="1000 10000 50000" SECONDS_EACH=5 sh tests/bench/latency.sh
# The first second of records sent is the warm-up, left out (latency.pl).
#
# BASE=commit (issue 16 item 6: "the end-to-end p99 at 10k records/s is
# within 2 ms of today's, beside today's build in the same run"): that
# commit is built too (tests/bench/build-base.sh; BASE=ae67aec is the
# build before barriers), and the Kafka runs of each rate are made
# LAT_RUNS times (default 3) with the four stages of each build in turn,
# base then new; the producer and the final reader are this build's in
# both.  Each run's line, then per rate the median p99 of each build and
# new - base.  The new build's stages pass barriers at the default
# interval.
. "$(dirname "$0")/lib.sh"
: "${RATES:=1000 10000 50000}"
: "${SECONDS_EACH:=5}"
L=$B_ROOT/tests/bench/latency.pl
: "${BASE:=}"
: "${LAT_RUNS:=3}"
BUILDS=new
BIN_new=$TIDE_BIN
if [ -n "$BASE" ]; then
	echo "building BASE=$BASE"
	sh "$B_ROOT/tests/bench/build-base.sh" "$BASE" "$B_DIR/base" || exit 1
	BIN_base=$B_DIR/base/build/bin
	BUILDS="base new"
else
	LAT_RUNS=1
fi

tide-gen customers --accounts 10000 --format csv >"$B_DIR/customers.csv"
window() { tide-window --over 60s --delay 60s -k account -a 'count,sum(amount),max(amount)'; }
join() { tide-join -T "$B_DIR/customers.csv" --on account --select risk_score,segment; }

echo "pipe stages alone (tide-gen | tide-window --over | tide-join):"
for r in $RATES; do
	n=$((r * SECONDS_EACH))
	printf '  %6s/s: ' "$r"
	tide-gen transactions --accounts 10000 --rate "$r" --count "$n" --stamp |
		window | join | perl "$L" --skip "$r"
done

tide-mock --no-stdin -t in:6 -t out:6 --bootstrap-file "$B_DIR/bootstrap" \
	>/dev/null 2>"$B_DIR/mock.err" &
mock=$!
B_CLEANUP="kill $mock 2>/dev/null"
while [ ! -s "$B_DIR/bootstrap" ]; do sleep 0.05; done
B=$(cat "$B_DIR/bootstrap")

# hop BIN I RATE: one run of the two Kafka hops with BIN's four stages, as
# group bench-lat-$$-I, from the end of the topic (the runs before wrote
# to it); prints latency.pl's line.  Every wait is bounded.
hop() {
	_bin=$1 _i=$2 _r=$3 _n=$(($3 * SECONDS_EACH))
	rm -f "$B_DIR/src.pid" "$B_DIR/src.err"
	sh -c 'echo $$ >"$1"; shift; exec "$@"' hop "$B_DIR/src.pid" \
		"$_bin/tide-source" -v -b "$B" -t in -G "bench-lat-$$-$_i" -o end \
		2>"$B_DIR/src.err" |
		"$_bin/tide-window" --over 60s --delay 60s -k account \
		-a 'count,sum(amount),max(amount)' |
		"$_bin/tide-join" -T "$B_DIR/customers.csv" --on account \
		--select risk_score,segment |
		"$_bin/tide-sink" -b "$B" -t out --key account &
	_pipe=$!
	_w=0
	until grep -q assigned "$B_DIR/src.err" 2>/dev/null || [ $_w -ge 1200 ]; do
		_w=$((_w + 1))
		sleep 0.05
	done
	timeout 300 tide-source -b "$B" -t out -o end -c "$_n" |
		perl "$L" --skip "$_r" >"$B_DIR/lat" &
	_reader=$!
	sleep 1
	tide-gen transactions --accounts 10000 --rate "$_r" --count "$_n" --stamp |
		tide-sink -b "$B" -t in --key account
	wait $_reader
	cat "$B_DIR/lat"
	kill -TERM "$(cat "$B_DIR/src.pid")" 2>/dev/null
	wait $_pipe
}

echo "two Kafka hops (gen | sink -> source -G | window | join | sink -> source):"
i=0
for r in $RATES; do
	rm -f "$B_DIR/p99.base" "$B_DIR/p99.new"
	k=0
	while [ $k -lt "$LAT_RUNS" ]; do
		k=$((k + 1))
		for b in $BUILDS; do
			i=$((i + 1))
			eval "bin=\$BIN_$b"
			line=$(hop "$bin" $i "$r")
			printf '  %6s/s: %s\n' "$r" "$line${BASE:+  ($b, run $k)}"
			echo "$line" | awk '$6 == "p99" { print $7 }' >>"$B_DIR/p99.$b"
		done
	done
	[ -n "$BASE" ] || continue
	mb=$(sort -n "$B_DIR/p99.base" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	mn=$(sort -n "$B_DIR/p99.new" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	awk -v r="$r" -v b="$mb" -v n="$mn" -v k="$LAT_RUNS" -v base="$BASE" 'BEGIN {
		printf "  %6s/s: p99 median of %d runs: base (%s) %.1f ms, new %.1f ms, new - base %+.1f ms\n",
		    r, k, base, b, n, n - b }'
done
