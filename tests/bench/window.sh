#!/bin/sh
# tide-window benchmark (make bench; never run by make test): tide-gen 1M
# transactions over 100k accounts; --tumble 1m -k account -a
# count,sum(amount),max(amount) against mlr, gawk, mawk and sqlite3
# computing the same table in the same run; then --over 60s, --hop 5m
# --every 1m, --session 30s and p99, with ratios to tumble; then peak RSS
# for 10x the input (memory follows open windows, not input); and, under
# callgrind, instruction counts of tumble, over and hop on the first IR_N
# records.  N and ACCOUNTS override the sizes; BIG=0 skips the 10x run.
#
# Times are CPU seconds (user + sys), best of B_REPEAT runs: the machine
# is shared, and wall time there measures the neighbours.
. "$(dirname "$0")/lib.sh"

# CPU seconds, not wall (lib.sh's bench_cpu).
bench_run() { bench_cpu "$@"; }
# Instructions (callgrind): what the rest of the machine does not change,
# unlike CPU time, where memory stalls under load vary from run to run.
bench_ir() {
	_name=$1
	shift
	_ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
	    <"$B_IR_IN" 2>&1 >/dev/null | awk '/Collected :/ {print $NF}')
	[ -n "$_ir" ] || { echo "$_name: callgrind failed"; return 1; }
	eval "B_IR_$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')=$_ir"
	printf '%-28s %14s instructions\n' "$_name" "$_ir"
}
# A cost ratio (more is slower), unlike bench_ratio's rates.
bench_ir_ratio() {
	_a=$(eval "echo \${B_IR_$(echo "$1" | tr -c 'A-Za-z0-9\n' '_')}")
	_b=$(eval "echo \${B_IR_$(echo "$2" | tr -c 'A-Za-z0-9\n' '_')}")
	awk "BEGIN{printf \"%-40s %.2fx\n\", \"instructions $1 / $2\", $_a / $_b}"
}
N=${N:-1000000}
ACCOUNTS=${ACCOUNTS:-100000}

tide-gen transactions --count "$N" --accounts "$ACCOUNTS" --seed 1 >"$B_DIR/tx.ndjson"
B_IN=$B_DIR/tx.ndjson
echo "tide-window bench: $N transactions, $ACCOUNTS accounts ($(wc -c <"$B_IN") bytes)"

bench_run tumble "$N" tide-window --tumble 1m -k account -a 'count,sum(amount),max(amount)'
# The peers get the same job.  awk splits tide-gen's fixed field order
# ({"ts":T,"account":"A","merchant":"M","amount":X,...}), which is kinder
# to them than parsing JSON.  The key holds the minute number, not the
# window start: awk turns a number past 2^31 into a string with CONVFMT
# (%.6g), which would merge distinct windows.
AWKPROG='{ w = int($2 / 60000); k = w SUBSEP $4; n[k]++; s[k] += $8;
	if (!(k in m) || $8 > m[k]) m[k] = $8 }
	END { for (k in n) { split(k, p, SUBSEP);
		printf "%.0f %s %d %.15g %.15g\n", p[1] * 60000, p[2], n[k], s[k], m[k] } }'
bench_run mawk "$N" mawk -F'[:,]' "$AWKPROG"
bench_run gawk "$N" gawk -F'[:,]' "$AWKPROG"
if command -v mlr >/dev/null 2>&1; then
	B_REPEAT=1 bench_run mlr "$N" mlr --ijsonl --ojsonl put -q \
	    'w = int($ts / 60000) * 60000; @c[w][$account] += 1; @s[w][$account] += $amount;
	     @m[w][$account] = max(@m[w][$account], $amount); end { emit (@c, @s, @m), "w", "account" }'
fi
if command -v sqlite3 >/dev/null 2>&1; then
	B_REPEAT=1 bench_run sqlite3 "$N" sqlite3 :memory: '.mode ascii' '.separator "\037" "\n"' \
	    'create table raw(j text);' ".import $B_IN raw" '.mode list' \
	    "select ts/60000*60000 w, a, count(*), sum(x), max(x) from (select json_extract(j,'\$.ts') ts, json_extract(j,'\$.account') a, json_extract(j,'\$.amount') x from raw) group by w, a"
fi
bench_run over "$N" tide-window --over 60s -k account -a 'count,sum(amount),max(amount)'
bench_run hop "$N" tide-window --hop 5m --every 1m -k account -a 'count,sum(amount),max(amount)'
bench_run session "$N" tide-window --session 30s -k account -a 'count,sum(amount),max(amount)'
bench_run p99 "$N" tide-window --tumble 1m -k account -a 'count,p99(amount)'

bench_ratio tumble mawk
bench_ratio tumble gawk
command -v mlr >/dev/null 2>&1 && bench_ratio tumble mlr
command -v sqlite3 >/dev/null 2>&1 && bench_ratio tumble sqlite3
bench_ratio over tumble
bench_ratio hop tumble
bench_ratio session tumble

# The same jobs under callgrind, on the first IR_N records (IR_N=0 skips).
IR_N=${IR_N:-200000}
if [ "$IR_N" != 0 ] && command -v valgrind >/dev/null 2>&1; then
	B_IR_IN=$B_DIR/tx_ir.ndjson
	head -n "$IR_N" "$B_DIR/tx.ndjson" >"$B_IR_IN"
	echo "instructions, first $IR_N records:"
	bench_ir tumble tide-window --tumble 1m -k account -a 'count,sum(amount),max(amount)'
	bench_ir over tide-window --over 60s -k account -a 'count,sum(amount),max(amount)'
	bench_ir hop tide-window --hop 5m --every 1m -k account -a 'count,sum(amount),max(amount)'
	bench_ir_ratio over tumble
	bench_ir_ratio hop tumble
	rm -f "$B_IR_IN"
fi

if [ "${BIG:-1}" != 0 ]; then
	# Ten times the records over the same accounts: peak RSS should stay
	# that of the open windows.
	tide-gen transactions --count "$((N * 10))" --accounts "$ACCOUNTS" --seed 1 >"$B_DIR/tx10.ndjson"
	B_IN=$B_DIR/tx10.ndjson
	B_REPEAT=1 bench_run tumble_10x "$((N * 10))" tide-window --tumble 1m -k account -a 'count,sum(amount),max(amount)'
	rm -f "$B_DIR/tx10.ndjson"
fi
