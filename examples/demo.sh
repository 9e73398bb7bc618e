#!/bin/sh
# make demo: the fraud-feature pipeline, live on a local Kafka (tide-mock),
# then the same features rebuilt by replaying the log, compared record for
# record.
#
#   demo.sh [--check] [--rate N] [--seconds S]
#
# --check prints only the comparison and exits non-zero if live and replay
# differ (the test suite runs it this way).
set -eu
cd "$(dirname "$0")/.."
: "${TIDE_BIN:=$PWD/build/bin}"
PATH="$TIDE_BIN:$PWD/examples:$PATH"
export PATH

check=0 rate=2000 seconds=20
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	--rate) rate=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	*) echo "usage: demo.sh [--check] [--rate N] [--seconds S]" >&2; exit 64 ;;
	esac
	shift
done
count=$((rate * seconds))

say() { [ $check = 1 ] || printf '%s\n' "$*"; }

# What the demo calls beyond the build (make demo installs them through
# scripts/deps.sh --demo).
for c in pkill:procps jq:jq; do
	command -v "${c%%:*}" >/dev/null 2>&1 || {
		echo "demo: ${c%%:*} is not installed (Debian: apt-get install ${c#*:})" >&2
		exit 1
	}
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/tide-demo.XXXXXX")
mock=
cleanup() {
	[ -n "$mock" ] && kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null
	pkill -TERM -f "tide-source .*-t transactions -G demo-$$" 2>/dev/null|| true
	[ -n "${TIDE_DEMO_KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap 'st=$?; cleanup; exit $st' EXIT
trap 'exit 130' INT TERM

# 1. A local Kafka cluster: 6 partitions in, 6 out.
tide-mock --no-stdin -t transactions:6 -t features:6 \
	--bootstrap-file "$dir/bootstrap" >/dev/null 2>"$dir/mock.err" &
mock=$!
i=0
until [ -s "$dir/bootstrap" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$dir/mock.err" >&2; exit 69; }
	sleep 0.05
done
B=$(cat "$dir/bootstrap")
say "tide-mock: Kafka on $B (topics transactions, features; 6 partitions each)"

# 2. The customer table: 4 versions per account, one every 10 s from just
# before the first transaction, so the as-of join has history to get right.
start=2026-11-01T00:00:00Z
tide-gen customers --accounts 1000 --versions 4 --version-gap 10s \
	--start 2026-10-31T23:59:50Z --format csv >"$dir/customers.csv"

# 3. The live pipeline, as a consumer group member.
TIDE_SOURCE_FLAGS=-v TIDE_SINK_FLAGS="--timestamp now" fraud-features.sh live "$B" transactions features \
	"$dir/customers.csv" "demo-$$" 2>"$dir/pipeline.err" &
pipeline=$!
# Joining a consumer group takes a few seconds (on tide-mock about 3 s):
# start the transactions once the pipeline has its partitions, so the
# latency below is that of the running pipeline.
i=0
until grep -q "assigned" "$dir/pipeline.err"; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "demo: the pipeline did not join its group" >&2; cat "$dir/pipeline.err" >&2; exit 1; }
	sleep 0.05
done
say "pipeline: tide-source -G | tide-window --over 60s | tide-join --as-of | tide-score | tide-sink (examples/fraud-features.sh)"

# 4. Transactions at a steady rate, stamped with their send time.
say "tide-gen: $count transactions at $rate/s for ${seconds}s ..."
tide-gen transactions --accounts 1000 --rate "$rate" --count "$count" \
	--start "$start" --stamp --fraud \
	| tide-sink -b "$B" -t transactions --key account --timestamp ts 2>"$dir/gen.err"

# 5. Wait for the pipeline to catch up, then stop its source: the other
# stages drain and exit on their own.
i=0
while :; do
	n=$(tide-source -b "$B" -t features -e 2>/dev/null | wc -l)
	[ "$n" -ge "$count" ] && break
	i=$((i + 1))
	[ $i -lt 120 ] || { echo "demo: pipeline stalled at $n of $count features" >&2; cat "$dir/pipeline.err" >&2; exit 1; }
	sleep 0.5
done
pkill -TERM -f "tide-source .*-t transactions -G demo-$$" ||
	{ echo "demo: the pipeline's tide-source is gone" >&2; cat "$dir/pipeline.err" >&2; exit 1; }
wait "$pipeline" || { echo "demo: pipeline failed" >&2; cat "$dir/pipeline.err" >&2; exit 1; }

tide-source -b "$B" -t features -J -e >"$dir/live.json"
in=$(tide-source -b "$B" -t transactions -e | wc -l)
out=$(wc -l <"$dir/live.json")

if [ $check = 0 ]; then
	echo
	echo "A few features (the transaction, its account's last 60 s, the customer then):"
	head -3 "$dir/live.json" | sed 's/^.*"value"://; s/}$//'
	echo
	# Latency: the features message's Kafka timestamp (set when tide-sink
	# produced it) minus the transaction's send time (sent_ms, tide-gen).
	# A negative one would be a clock that is not the producer's.
	jq -r '.ts - .value.sent_ms' "$dir/live.json" | sort -n >"$dir/lat" &&
	    [ "$(wc -l <"$dir/lat")" -eq "$out" ] && [ "$(head -1 "$dir/lat")" -ge 0 ] ||
	    { echo "demo: could not measure the latency (jq over the features: $(head -1 "$dir/lat") ms at least)" >&2; exit 1; }
	awk -v n="$(wc -l <"$dir/lat")" '
		NR == int(n * 0.50 + 0.5) { p50 = $1 }
		NR == int(n * 0.99 + 0.5) { p99 = $1 }
		{ max = $1 }
		END { printf "end-to-end latency (tide-gen -> Kafka -> source -> window -> join -> score -> sink): p50 %d ms, p99 %d ms, max %d ms\n", p50, p99, max }' "$dir/lat"
	echo "records in: $in   features out: $out"
	# The decision: tide-score's score (examples/fraud.json) against
	# tide-gen's label.
	jq -r '[.value.score > 0.5, .value.fraud] | @tsv' "$dir/live.json" |
		awk -v n="$out" '$1 == "true" { f++; if ($2 == "true") tp++ }
		$2 == "true" { l++ }
		END { printf "flagged by tide-score (score > 0.5): %d of %d transactions, %.2f%% (labelled fraud: %.2f%%; of the flagged, %d labelled so)\n", f, n, 100 * f / n, 100 * l / n, tp }'
	grep -v -E 'assigned|revoked' "$dir/pipeline.err" >"$dir/warnings" || true
	echo "stage warnings (late or bad records): $(wc -l <"$dir/warnings")"
	sed 's/^/  /' "$dir/warnings"
fi

# 6. Live equals replay: the same range of the log, replayed through the
# same window and join into a file, compared by tide-diff record by record
# (paired by account and event time, in any order).
if command -v tide-replay >/dev/null 2>&1; then
	fraud-features.sh replay "$B" transactions "$start" 2026-11-01T01:00:00Z \
		"$dir/customers.csv" "$dir/replay.ndjson" 2>"$dir/replay.err" || {
		echo "demo: replay failed" >&2; cat "$dir/replay.err" >&2; exit 1; }
	sed 's/^.*"value"://; s/}$//' "$dir/live.json" >"$dir/live.ndjson"
	if tide-diff -k account,ts "$dir/live.ndjson" "$dir/replay.ndjson" \
	    >"$dir/diff.ndjson" 2>&1; then
		echo "live equals replay: $(wc -l <"$dir/replay.ndjson") features, record for record"
	else
		echo "live differs from replay (tide-diff: counts, then examples):" >&2
		cat "$dir/diff.ndjson" >&2
		exit 1
	fi
else
	say "(tide-replay is not built yet: live-equals-replay comparison skipped)"
fi
[ "$out" -eq "$count" ] && [ "$in" -eq "$count" ]
