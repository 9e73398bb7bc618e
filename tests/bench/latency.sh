#!/bin/sh
# End-to-end latency of the fraud-feature pipeline (issue: end to end):
#   tide-gen --stamp | tide-sink -> Kafka -> tide-source -G | tide-window
#   --over | tide-join | tide-sink -> Kafka -> tide-source | latency.pl
# two Kafka hops on tide-mock, four tide stages, at several rates; and the
# pipe stages alone (tide-gen | window | join | latency.pl).  Latency is
# now - sent_ms at the final reader, p50/p99/max, after a warm-up.
#   RATES="1000 10000 50000" SECONDS_EACH=5 sh tests/bench/latency.sh
# The first second of records sent is the warm-up, left out (latency.pl).
. "$(dirname "$0")/lib.sh"
: "${RATES:=1000 10000 50000}"
: "${SECONDS_EACH:=5}"
L=$B_ROOT/tests/bench/latency.pl

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
B_CLEANUP="kill $mock 2>/dev/null; pkill -f 'tide-source .*-G bench-lat-$$' 2>/dev/null"
while [ ! -s "$B_DIR/bootstrap" ]; do sleep 0.05; done
B=$(cat "$B_DIR/bootstrap")

echo "two Kafka hops (gen | sink -> source -G | window | join | sink -> source):"
i=0
for r in $RATES; do
	i=$((i + 1))
	n=$((r * SECONDS_EACH))
	tide-source -v -b "$B" -t in -G "bench-lat-$$-$i" 2>"$B_DIR/src.err" |
		window | join | tide-sink -b "$B" -t out --key account &
	pipe=$!
	until grep -q assigned "$B_DIR/src.err"; do sleep 0.05; done
	tide-source -b "$B" -t out -o end -c "$n" | perl "$L" --skip "$r" >"$B_DIR/lat" &
	reader=$!
	sleep 1
	tide-gen transactions --accounts 10000 --rate "$r" --count "$n" --stamp |
		tide-sink -b "$B" -t in --key account
	wait $reader
	printf '  %6s/s: %s\n' "$r" "$(cat "$B_DIR/lat")"
	pkill -TERM -f "tide-source .*-G bench-lat-$$-$i"
	wait $pipe
done
