#!/bin/sh
# DuckDB as a peer (make bench; never run by make test): the window and
# join jobs of window.sh and join.sh given to DuckDB (@duckdb/node-api from
# the npm registry, installed on first use into build/bench-node with the
# machine's own npm and its configured registry), beside tide-window and
# tide-join in the same run.
#
#   tumble: 1M transactions, 100k accounts, per account and minute
#           count, sum(amount), max(amount)
#   join:   the same transactions left-joined to a 100k-row customers.csv
#
# DuckDB reads the NDJSON with the columns it needs declared (the kindest
# form: no schema inference), and writes its result with COPY.  Times are
# CPU seconds (user + sys of every thread; DuckDB uses both cores), best of
# B_REPEAT runs; node's start (about 0.05 s) is in DuckDB's figure.
# N and ACCOUNTS override the sizes.  Without node and npm, or when the
# install fails, it says so and stops (status 0: a benchmark never gates).
. "$(dirname "$0")/lib.sh"


if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "duckdb: skipped: node and npm are needed (Debian: nodejs npm)"
	exit 0
fi
NODE_DIR=$B_ROOT/build/bench-node
if [ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
	mkdir -p "$NODE_DIR"
	echo "duckdb: installing @duckdb/node-api into $NODE_DIR"
	if ! npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent \
	    @duckdb/node-api >"$B_DIR/.npm" 2>&1; then
		echo "duckdb: skipped: npm install @duckdb/node-api failed: $(tail -3 "$B_DIR/.npm")"
		exit 0
	fi
fi
# node resolves an import from the script's own directory upwards, so the
# script runs from beside node_modules.
cp "$B_ROOT/tests/bench/duckdb.mjs" "$NODE_DIR/duckdb.mjs"
DUCK="node $NODE_DIR/duckdb.mjs"
echo "duckdb: @duckdb/node-api $(node -p "require('$NODE_DIR/node_modules/@duckdb/node-api/package.json').version")"

N=${N:-1000000}
ACCOUNTS=${ACCOUNTS:-100000}
tide-gen transactions --count "$N" --accounts "$ACCOUNTS" --seed 1 >"$B_DIR/tx.ndjson"
tide-gen --seed 2 --accounts "$ACCOUNTS" --format csv customers >"$B_DIR/customers.csv"
TX="read_json('$B_DIR/tx.ndjson', format='newline_delimited', columns={ts:'BIGINT', account:'VARCHAR', merchant:'VARCHAR', amount:'DOUBLE', country:'VARCHAR', card_present:'BOOLEAN'})"
echo "duckdb bench: $N transactions, $ACCOUNTS accounts"

B_IN=$B_DIR/tx.ndjson
B_OUT=$B_DIR/tumble.tide
bench_cpu tide_tumble "$N" tide-window --tumble 1m -k account -a 'count,sum(amount),max(amount)'
B_IN=/dev/null B_OUT=/dev/null
bench_cpu duckdb_tumble "$N" $DUCK "COPY (SELECT ts // 60000 * 60000 AS window_start, account,
	count(*) AS count, sum(amount) AS sum_amount, max(amount) AS max_amount
	FROM $TX GROUP BY ALL) TO '$B_DIR/tumble.duck' (HEADER false)"
# The same windows: compare (start, account, count) sets.
_t=$(jq -r '"\(.window_start),\(.account),\(.count)"' "$B_DIR/tumble.tide" | sort | md5sum)
_d=$(cut -d, -f1-3 "$B_DIR/tumble.duck" | sort | md5sum)
[ "$_t" = "$_d" ] && echo "tumble: the same windows and counts" ||
	echo "tumble: the outputs DIFFER (tide $(wc -l <"$B_DIR/tumble.tide"), duckdb $(wc -l <"$B_DIR/tumble.duck") lines)"

B_IN=$B_DIR/tx.ndjson B_OUT=$B_DIR/join.tide
bench_cpu tide_join "$N" tide-join -T "$B_DIR/customers.csv" --on account --left
B_IN=/dev/null B_OUT=/dev/null
bench_cpu duckdb_join "$N" $DUCK "COPY (SELECT t.*, c.risk_score, c.segment, c.credit_limit
	FROM $TX t LEFT JOIN read_csv('$B_DIR/customers.csv', header=true) c USING (account))
	TO '$B_DIR/join.duck' (FORMAT json)"
[ "$(wc -l <"$B_DIR/join.tide")" = "$(wc -l <"$B_DIR/join.duck")" ] &&
	echo "join: the same number of records ($(wc -l <"$B_DIR/join.tide"))" ||
	echo "join: record counts DIFFER (tide $(wc -l <"$B_DIR/join.tide"), duckdb $(wc -l <"$B_DIR/join.duck"))"

echo "ratios (records/s of tide over DuckDB's, CPU time):"
bench_ratio tide_tumble duckdb_tumble
bench_ratio tide_join duckdb_join
