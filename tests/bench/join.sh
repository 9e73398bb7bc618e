#!/bin/sh
# tide-join benchmark (make bench; never run by make test): 1M transactions
# x a 100k-row customers.csv, left join on account, against `mlr join -u
# --ul`, a gawk hash join and sqlite3, in the same run.  Reports records/s,
# table load time, peak RSS and ratios; then the as-of join with 5 versions
# per key against the plain join.  N and ACCOUNTS override the sizes.
set -u
: "${TIDE_BIN:=$(cd "$(dirname "$0")/../.." && pwd)/build/bin}"
PATH="$TIDE_BIN:$PATH"
N=${N:-1000000}
ACCOUNTS=${ACCOUNTS:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/tide-bench-join.XXXXXX")
trap 'rm -rf "$W"' EXIT

tide-gen --seed 1 --accounts $((ACCOUNTS * 11 / 10)) --count "$N" transactions >"$W/tx.ndjson"
tide-gen --seed 2 --accounts "$ACCOUNTS" --format csv customers >"$W/customers.csv"
tide-gen --seed 2 --accounts "$ACCOUNTS" --format csv --versions 5 --version-gap 10s \
	customers >"$W/history.csv"
tide-gen --seed 2 --accounts "$ACCOUNTS" customers >"$W/customers.ndjson"
tide-gen --seed 1 --accounts $((ACCOUNTS * 11 / 10)) --count "$N" --format csv \
	transactions >"$W/tx.csv"

# run NAME CMD...: time it, keep wall seconds and peak RSS (KiB).
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$W/time" "$@" >"$W/out.$name" 2>"$W/err.$name" || {
		echo "$name failed: $(head -c 300 "$W/err.$name")" >&2
	}
	read -r secs rss <"$W/time"
	lines=$(wc -l <"$W/out.$name")
	eval "T_$name=$secs R_$name=$rss"
	awk -v n="$name" -v s="$secs" -v r="$rss" -v l="$lines" -v N="$N" 'BEGIN {
		printf "%-12s %8.2f s %12.0f rec/s %8.1f MiB peak RSS %9d lines\n",
		    n, s, (s > 0 ? N / s : 0), r / 1024, l }'
}

echo "tide-join bench: $N transactions x $ACCOUNTS customers ($(wc -c <"$W/customers.csv") bytes of CSV)"
run load tide-join -T "$W/customers.csv" --on account --left --stats /dev/null
echo "  table load: $(grep -o 'loaded in [0-9]* ms' "$W/err.load"), $(grep -o '[0-9]* bytes,' "$W/err.load" | head -1) held"
run tidejoin tide-join -T "$W/customers.csv" --on account --left "$W/tx.ndjson"
run tideasof tide-join -T "$W/history.csv" --on account --left --as-of ts \
	--table-time valid_from --select risk_score,segment,credit_limit "$W/tx.ndjson"
if command -v mlr >/dev/null 2>&1; then
	run mlr mlr --ijson --ojsonl join -u --ul -j account -f "$W/customers.ndjson" "$W/tx.ndjson"
fi
run gawk gawk -F, 'NR == FNR { if (FNR > 1) c[$1] = $2 "," $3 "," $4; next }
	FNR > 1 { print $0 "," (($2 in c) ? c[$2] : ",,") }' "$W/customers.csv" "$W/tx.csv"
run sqlite sqlite3 ":memory:" -cmd ".mode csv" -cmd ".import $W/customers.csv c" \
	-cmd ".import $W/tx.csv t" -cmd "CREATE INDEX ci ON c(account)" \
	"SELECT t.*, c.risk_score, c.segment, c.credit_limit FROM t LEFT JOIN c USING (account)"

echo "ratios (wall time of the other / tide-join --left):"
for o in mlr gawk sqlite; do
	eval "t=\${T_$o:-}"
	[ -n "$t" ] && awk -v o="$o" -v a="$t" -v b="$T_tidejoin" \
		'BEGIN { printf "  %-8s %6.1fx\n", o, (b > 0 ? a / b : 0) }'
done
awk -v a="$T_tideasof" -v b="$T_tidejoin" \
	'BEGIN { printf "  as-of (5 versions/key) / plain: %.2f\n", (b > 0 ? a / b : 0) }'
awk -v r="$R_load" -v c="$(wc -c <"$W/customers.csv")" \
	'BEGIN { printf "  table-only peak RSS %.1f MiB for %.1f MiB of CSV\n", r / 1024, c / 1048576 }'
