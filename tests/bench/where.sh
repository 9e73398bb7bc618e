#!/bin/sh
# --where benchmark (make bench; never run by make test): one filter over
# 1M tide-gen transactions by tide-source and by its peers in the same
# run, and a filter that matches nothing beside the plain read.
#
#   tide-source FILE --where 'amount > 1000 and country in ("DE","FR")'
#   jq -c 'select(...)'                    (the same lines, byte for byte)
#   mlr --ijson --ojsonl filter '...'      (the same records)
#   gawk, fields found by regex            (the same lines; not a JSON parser)
#   DuckDB read_json(...) WHERE ...        (the same number of records; its
#                                           columns declared, the kindest form)
#   tide-source FILE --where 'amount > 1e9'   beside   tide-source FILE
#   tide-source -t T -e --where ...        beside   kcat -e | jq select
#
# Times are CPU seconds (user + sys of every thread: DuckDB uses both
# cores; node's start, about 0.05 s, is in DuckDB's figure), best of
# B_REPEAT runs; the wall-clock rate is printed for tide too.  N overrides
# the record count.  DuckDB is installed by tests/bench/duckdb.sh's way
# (npm, into build/bench-node); without node it is left out.
. "$(dirname "$0")/lib.sh"

N=${N:-1000000}
F='amount > 1000 and country in ("DE","FR")'
JQ='select(.amount > 1000 and (.country == "DE" or .country == "FR"))'
MLR='$amount > 1000 && ($country == "DE" || $country == "FR")'
AWK='match($0, /"amount":(-?[0-9.eE+-]+)/, a) && a[1] + 0 > 1000 &&
	$0 ~ /"country":"(DE|FR)"/'
tide-gen --seed 1 --count "$N" transactions >"$B_DIR/tx.ndjson"
echo "where bench: $N transactions, filter: $F; load: $(cut -d' ' -f1-3 /proc/loadavg)"

B_IN=/dev/null
B_OUT=$B_DIR/tide.out
bench_cpu tide "$N" tide-source "$B_DIR/tx.ndjson" --where "$F"
bench_run tide_wall "$N" tide-source "$B_DIR/tx.ndjson" --where "$F"
B_OUT=$B_DIR/jq.out
bench_cpu jq "$N" jq -c "$JQ" "$B_DIR/tx.ndjson"
cmp -s "$B_DIR/tide.out" "$B_DIR/jq.out" &&
	echo "jq: the same $(wc -l <"$B_DIR/jq.out") lines, byte for byte" ||
	echo "jq: the outputs DIFFER"
if command -v mlr >/dev/null 2>&1; then
	B_OUT=$B_DIR/mlr.out
	bench_cpu mlr "$N" mlr --ijson --ojsonl filter "$MLR" "$B_DIR/tx.ndjson"
	[ "$(jq -c . "$B_DIR/mlr.out" | md5sum)" = "$(md5sum <"$B_DIR/tide.out")" ] &&
		echo "mlr: the same records" || echo "mlr: the records DIFFER"
fi
if command -v gawk >/dev/null 2>&1; then
	B_OUT=$B_DIR/gawk.out
	bench_cpu gawk "$N" gawk "$AWK" "$B_DIR/tx.ndjson"
	cmp -s "$B_DIR/tide.out" "$B_DIR/gawk.out" &&
		echo "gawk: the same lines" || echo "gawk: the outputs DIFFER"
fi

NODE_DIR=$B_ROOT/build/bench-node
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	if [ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
		mkdir -p "$NODE_DIR"
		echo "duckdb: installing @duckdb/node-api into $NODE_DIR"
		npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent \
		    @duckdb/node-api >"$B_DIR/.npm" 2>&1 ||
			echo "duckdb: npm install failed: $(tail -3 "$B_DIR/.npm")"
	fi
fi
duck=
if [ -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
	duck=1
	cp "$B_ROOT/tests/bench/duckdb.mjs" "$NODE_DIR/duckdb.mjs"
	TX="read_json('$B_DIR/tx.ndjson', format='newline_delimited', columns={ts:'BIGINT', account:'VARCHAR', merchant:'VARCHAR', amount:'DOUBLE', country:'VARCHAR', card_present:'BOOLEAN'})"
	B_OUT=/dev/null
	bench_cpu duckdb "$N" node "$NODE_DIR/duckdb.mjs" "COPY (SELECT * FROM $TX
		WHERE amount > 1000 AND country IN ('DE', 'FR'))
		TO '$B_DIR/duck.out' (FORMAT json)"
	bench_run duckdb_wall "$N" node "$NODE_DIR/duckdb.mjs" "COPY (SELECT * FROM $TX
		WHERE amount > 1000 AND country IN ('DE', 'FR'))
		TO '$B_DIR/duck.out' (FORMAT json)"
	[ "$(wc -l <"$B_DIR/duck.out")" = "$(wc -l <"$B_DIR/tide.out")" ] &&
		echo "duckdb: the same number of records ($(wc -l <"$B_DIR/duck.out"))" ||
		echo "duckdb: record counts DIFFER"
else
	echo "duckdb: left out (node and npm are needed: Debian's nodejs npm)"
fi

# A filter that matches nothing costs the scan: beside the plain read,
# which writes every record to /dev/null.
B_OUT=/dev/null
bench_cpu plain "$N" tide-source "$B_DIR/tx.ndjson"
bench_cpu nothing "$N" tide-source "$B_DIR/tx.ndjson" --where 'amount > 1e9'
bench_cpu nothing_str "$N" tide-source "$B_DIR/tx.ndjson" --where 'country == "XX"'

# From Kafka: tide-source -e --where beside kcat -e | jq select, the same
# topic of tide-mock (KN records, within the mock's retention), wall clock.
KN=${KN:-200000}
kafka=
if command -v kcat >/dev/null 2>&1; then
	mkfifo "$B_DIR/mockin"
	tide-mock -t wh:4 --bootstrap-file "$B_DIR/bootstrap" <"$B_DIR/mockin" \
	    >/dev/null 2>"$B_DIR/mock.err" &
	mockpid=$!
	exec 9>"$B_DIR/mockin"
	B_CLEANUP="exec 9>&-; kill $mockpid 2>/dev/null; wait $mockpid 2>/dev/null"
	i=0
	while [ ! -s "$B_DIR/bootstrap" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	BROKERS=$(cat "$B_DIR/bootstrap" 2>/dev/null)
	if [ -n "$BROKERS" ] && head -n "$KN" "$B_DIR/tx.ndjson" |
	    timeout 120 kcat -b "$BROKERS" -P -t wh -z lz4; then
		kafka=1
		B_OUT=$B_DIR/ktide.out
		bench_run kafka_tide "$KN" timeout 120 tide-source -b "$BROKERS" \
		    -t wh -e --where "$F"
		B_OUT=$B_DIR/kjq.out
		bench_run kafka_kcat_jq "$KN" sh -c "timeout 120 kcat -b '$BROKERS' \
		    -C -t wh -e -q | jq -c '$JQ'"
		[ "$(sort "$B_DIR/ktide.out" | md5sum)" = "$(sort "$B_DIR/kjq.out" | md5sum)" ] &&
			echo "kafka: the same records ($(wc -l <"$B_DIR/ktide.out"))" ||
			echo "kafka: the records DIFFER"
	else
		echo "kafka: left out (tide-mock or kcat failed)"
	fi
fi

echo "ratios (records/s, CPU time; targets: tide >= 3M/s, >= 6x jq, > DuckDB,"
echo "match-nothing costs <= 1.3x plain, i.e. plain / nothing <= 1.3):"
bench_ratio tide jq
command -v mlr >/dev/null 2>&1 && bench_ratio tide mlr
command -v gawk >/dev/null 2>&1 && bench_ratio tide gawk
if [ -n "$duck" ]; then
	bench_ratio tide duckdb
	bench_ratio tide_wall duckdb_wall
fi
bench_ratio plain nothing
bench_ratio plain nothing_str
[ -n "$kafka" ] && bench_ratio kafka_tide kafka_kcat_jq
exit 0
