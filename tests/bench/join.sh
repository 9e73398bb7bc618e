#!/bin/sh
# tide-join benchmark (make bench; never run by make test): 1M transactions
# x a 100k-row customers.csv, left join on account, against `mlr join -u
# --ul`, a gawk hash join and sqlite3, in the same run.  Reports records/s,
# table load time, peak RSS and ratios; then the as-of join with 5 versions
# per key against the plain join, and the memory of a 1M-row table (the
# issue: at most twice its CSV size), plain and with 5 versions per key.
# N, ACCOUNTS and TABLE_ROWS override the sizes.
set -u
: "${TIDE_BIN:=$(cd "$(dirname "$0")/../.." && pwd)/build/bin}"
PATH="$TIDE_BIN:$PATH"
N=${N:-1000000}
ACCOUNTS=${ACCOUNTS:-100000}
TABLE_ROWS=${TABLE_ROWS:-1000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/tide-bench-join.XXXXXX")
trap 'rm -rf "$W"' EXIT

tide-gen --seed 1 --accounts $((ACCOUNTS * 11 / 10)) --count "$N" transactions >"$W/tx.ndjson"
tide-gen --seed 2 --accounts "$ACCOUNTS" --format csv customers >"$W/customers.csv"
tide-gen --seed 2 --accounts "$ACCOUNTS" --format csv --versions 5 --version-gap 10s \
	customers >"$W/history.csv"
tide-gen --seed 2 --accounts "$ACCOUNTS" customers >"$W/customers.ndjson"
tide-gen --seed 1 --accounts $((ACCOUNTS * 11 / 10)) --count "$N" --format csv \
	transactions >"$W/tx.csv"

# run NAME CMD...: time it, keep wall seconds, CPU seconds (user + sys,
# the best of 3 runs: the machine is shared, wall time is noise) and peak
# RSS (KiB).
run() {
	name=$1
	shift
	cpu=
	for i in 1 2 3; do
		/usr/bin/time -f '%e %M %U %S' -o "$W/time" "$@" >"$W/out.$name" \
		    2>"$W/err.$name" || {
			echo "$name failed: $(head -c 300 "$W/err.$name")" >&2
		}
		read -r s1 r1 u1 y1 <"$W/time"
		c1=$(awk -v u="$u1" -v y="$y1" 'BEGIN { print u + y }')
		if [ -z "$cpu" ] || awk -v a="$c1" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then
			cpu=$c1 secs=$s1 rss=$r1
		fi
	done
	lines=$(wc -l <"$W/out.$name")
	eval "T_$name=$secs R_$name=$rss C_$name=$cpu"
	awk -v n="$name" -v s="$secs" -v c="$cpu" -v r="$rss" -v l="$lines" -v N="$N" 'BEGIN {
		printf "%-12s %8.2f s %6.2f s cpu %12.0f rec/s (cpu) %8.1f MiB peak RSS %9d lines\n",
		    n, s, c, (c > 0 ? N / c : 0), r / 1024, l }'
}

echo "tide-join bench: $N transactions x $ACCOUNTS customers ($(wc -c <"$W/customers.csv") bytes of CSV)"
run load tide-join -T "$W/customers.csv" --on account --left --stats /dev/null
echo "  table load: $(grep -o 'loaded in [0-9]* ms' "$W/err.load"), $(grep -o '[0-9]* bytes,' "$W/err.load" | head -1) held"
run tidejoin tide-join -T "$W/customers.csv" --on account --left "$W/tx.ndjson"
run tideasof tide-join -T "$W/history.csv" --on account --left --as-of ts \
	--table-time valid_from --select risk_score,segment,credit_limit "$W/tx.ndjson"
# mlr's -f file is the left side of its join: the unpaired records to keep
# are the right side's (the stream), so --ur; --ul would emit the unmatched
# customers instead of the unmatched transactions.
if command -v mlr >/dev/null 2>&1; then
	run mlr mlr --ijson --ojsonl join -u --ur -j account -f "$W/customers.ndjson" "$W/tx.ndjson"
fi
# gawk on the CSV form of the same transactions: the easiest job gawk can
# be given (split on commas, print the line and three fields).
run gawk gawk -F, 'NR == FNR { if (FNR > 1) c[$1] = $2 "," $3 "," $4; next }
	FNR > 1 { print $0 "," (($2 in c) ? c[$2] : ",,") }' "$W/customers.csv" "$W/tx.csv"
# gawk on the very input tide-join reads, NDJSON, writing NDJSON: the key
# by a regular expression, the table fields spliced before the closing
# brace (no JSON validation, which tide-join does).  On tide-gen's data
# its output is byte for byte tide-join's.
run gawkjson gawk -F, 'NR == FNR { if (FNR > 1) c[$1] = ",\"risk_score\":" $2 ",\"segment\":\"" $3 "\",\"credit_limit\":" $4; next }
	{ k = ""; if (match($0, /"account":"[^"]*"/)) k = substr($0, RSTART + 11, RLENGTH - 12)
	  print substr($0, 1, length($0) - 1) ((k in c) ? c[k] : ",\"risk_score\":null,\"segment\":null,\"credit_limit\":null") "}" }' \
	"$W/customers.csv" "$W/tx.ndjson"
run sqlite sqlite3 ":memory:" -cmd ".mode csv" -cmd ".import $W/customers.csv c" \
	-cmd ".import $W/tx.csv t" -cmd "CREATE INDEX ci ON c(account)" \
	"SELECT t.*, c.risk_score, c.segment, c.credit_limit FROM t LEFT JOIN c USING (account)"

echo "ratios (CPU time of the other / tide-join --left):"
for o in mlr gawk gawkjson sqlite; do
	eval "t=\${C_$o:-}"
	[ -n "$t" ] && awk -v o="$o" -v a="$t" -v b="$C_tidejoin" \
		'BEGIN { printf "  %-8s %6.1fx\n", o, (b > 0 ? a / b : 0) }'
done
awk -v a="$C_tideasof" -v b="$C_tidejoin" \
	'BEGIN { printf "  as-of (5 versions/key) / plain: %.2f by CPU\n", (b > 0 ? a / b : 0) }'
# Instruction counts do not depend on the load: CALLGRIND=1 adds them for
# 200k records (valgrind --tool=callgrind, "Collected"), with the table
# loads apart (the as-of table has 5 times the rows), and extrapolates to N.
if [ -n "${CALLGRIND:-}" ] && command -v valgrind >/dev/null 2>&1; then
	head -200000 "$W/tx.ndjson" >"$W/tx200k.ndjson"
	ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : //p'; }
	ip=$(ir tide-join -T "$W/customers.csv" --on account --left "$W/tx200k.ndjson")
	ia=$(ir tide-join -T "$W/history.csv" --on account --left --as-of ts \
		--table-time valid_from --select risk_score,segment,credit_limit "$W/tx200k.ndjson")
	lp=$(ir tide-join -T "$W/customers.csv" --on account --left /dev/null)
	la=$(ir tide-join -T "$W/history.csv" --on account --left --as-of ts \
		--table-time valid_from --select risk_score,segment,credit_limit /dev/null)
	awk -v a="$ia" -v b="$ip" -v la="$la" -v lp="$lp" -v N="$N" 'BEGIN {
		printf "  as-of / plain, 200k records: %.2f by instructions (%d / %d)\n", a / b, a, b
		printf "    table loads %d / %d; per record %.0f / %.0f (%.2f)\n", la, lp,
		    (a - la) / 200000, (b - lp) / 200000, (a - la) / (b - lp)
		printf "    so for %d records: %.2f\n", N, (la + (a - la) * N / 200000) / (lp + (b - lp) * N / 200000) }'
fi
awk -v r="$R_load" -v c="$(wc -c <"$W/customers.csv")" \
	'BEGIN { printf "  table-only peak RSS %.1f MiB for %.1f MiB of CSV\n", r / 1024, c / 1048576 }'
# A TABLE_ROWS-row table: the bytes it holds (arena and index, --stats)
# and the load's peak RSS, both against the CSV's size.
tide-gen --seed 3 --accounts "$TABLE_ROWS" --format csv customers >"$W/big.csv"
tide-gen --seed 3 --accounts $((TABLE_ROWS / 5)) --format csv --versions 5 \
	--version-gap 10s customers >"$W/bighist.csv"
for t in plain asof; do
	if [ $t = plain ]; then
		f=$W/big.csv
		set -- --on account
	else
		f=$W/bighist.csv
		set -- --on account --as-of ts --table-time valid_from
	fi
	/usr/bin/time -f '%M' -o "$W/time" tide-join -T "$f" "$@" --stats /dev/null \
	    2>"$W/err.big" || echo "$t table load failed: $(head -c 300 "$W/err.big")" >&2
	awk -v t="$t" -v c="$(wc -c <"$f")" -v rows="$(($(wc -l <"$f") - 1))" \
	    -v b="$(grep -o '[0-9]* bytes,' "$W/err.big" | head -1 | tr -dc 0-9)" \
	    -v r="$(cat "$W/time")" 'BEGIN {
		printf "  %d-row %s table: %.1f MiB held (%.2fx its %.1f MiB of CSV), load peak RSS %.1f MiB (%.2fx)\n",
		    rows, t, b / 1048576, b / c, c / 1048576, r / 1024, r * 1024 / c }'
done
