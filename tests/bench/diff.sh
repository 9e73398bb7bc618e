#!/bin/sh
# tide-diff benchmark (make bench; never run by make test): two streams of
# N feature records (tide-gen transactions with 14 numeric features added:
# 20 fields a record), the right one with 1% of its records changed in one
# field, keyed by ts,account and sorted by it.  tide-diff --sorted (the
# issue: at least 1M pairs/s) and tide-diff without it (RIGHT hashed in
# memory) beside two peers in the same run:
#
#   python: /usr/bin/python3, a sorted merge of json.loads'd records,
#           counting differences per field as tide-diff does;
#   duckdb: a full outer join on the key with IS DISTINCT FROM per field
#           (@duckdb/node-api, as tests/bench/duckdb.sh installs it; the
#           columns declared, no inference).
#
# The machine is shared: times are CPU seconds (user + sys), best of
# B_REPEAT runs.  Every run's counts are printed, to show they agree.
# N overrides the size.
. "$(dirname "$0")/lib.sh"

N=${N:-1000000}
tide-gen transactions --count "$N" --seed 1 | mawk '{
	s = ""
	for (i = 1; i <= 14; i++) s = s ",\"f" i "\":" (NR * i % 1000) / 8
	sub(/}$/, s "}"); print }' >"$B_DIR/left.ndjson"
mawk 'NR % 100 == 0 { sub(/"f3":[^,]*/, "\"f3\":-1") } { print }' \
	"$B_DIR/left.ndjson" >"$B_DIR/right.ndjson"
L=$B_DIR/left.ndjson R=$B_DIR/right.ndjson
echo "diff bench: $N record pairs of 20 fields ($(wc -c <"$L") bytes a side), 1% differing"

B_OUT=$B_DIR/out.sorted
bench_cpu tide_diff_sorted "$N" sh -c "tide-diff -k ts,account --sorted '$L' '$R'; test \$? -eq 1"
head -1 "$B_OUT"
B_OUT=$B_DIR/out.hashed
bench_cpu tide_diff_hashed "$N" sh -c "tide-diff -k ts,account '$L' '$R'; test \$? -eq 1"
head -1 "$B_OUT"

cat >"$B_DIR/merge.py" <<'EOF'
import json, sys
def recs(path):
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            yield (r["ts"], r["account"]), r
l, r = recs(sys.argv[1]), recs(sys.argv[2])
a, b = next(l, None), next(r, None)
c = dict(matched=0, differing=0, missing_left=0, missing_right=0)
fields = {}
while a or b:
    if b is None or (a and a[0] < b[0]):
        c["missing_right"] += 1; a = next(l, None)
    elif a is None or b[0] < a[0]:
        c["missing_left"] += 1; b = next(r, None)
    else:
        x, y = a[1], b[1]
        d = [k for k in x.keys() | y.keys() if x.get(k, None) != y.get(k, None) or (k in x) != (k in y)]
        if d:
            c["differing"] += 1
            for k in d: fields[k] = fields.get(k, 0) + 1
        else:
            c["matched"] += 1
        a, b = next(l, None), next(r, None)
c["fields"] = fields
print(json.dumps(c))
EOF
B_OUT=$B_DIR/out.python
bench_cpu python_merge "$N" /usr/bin/python3 "$B_DIR/merge.py" "$L" "$R"
cat "$B_OUT"

NODE_DIR=$B_ROOT/build/bench-node
if ! command -v node >/dev/null 2>&1; then
	echo "duckdb: skipped: node is needed (Debian: nodejs npm)"
elif [ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ] &&
    ! { mkdir -p "$NODE_DIR" && npm install --prefix "$NODE_DIR" --no-audit \
    --no-fund --silent @duckdb/node-api >"$B_DIR/.npm" 2>&1; }; then
	echo "duckdb: skipped: npm install @duckdb/node-api failed: $(tail -3 "$B_DIR/.npm")"
else
	cp "$B_ROOT/tests/bench/duckdb.mjs" "$NODE_DIR/duckdb.mjs"
	cols="ts:'BIGINT', account:'VARCHAR', merchant:'VARCHAR', amount:'DOUBLE', country:'VARCHAR', card_present:'BOOLEAN'"
	vals="merchant amount country card_present"
	i=1
	while [ $i -le 14 ]; do
		cols="$cols, f$i:'DOUBLE'" vals="$vals f$i"
		i=$((i + 1))
	done
	dif=false sums=
	for v in $vals; do
		dif="$dif OR l.$v IS DISTINCT FROM r.$v"
		sums="$sums, sum(CASE WHEN l.$v IS DISTINCT FROM r.$v AND l.ts IS NOT NULL AND r.ts IS NOT NULL THEN 1 ELSE 0 END) AS $v"
	done
	B_OUT=/dev/null
	bench_cpu duckdb_join "$N" node "$NODE_DIR/duckdb.mjs" "COPY (
		WITH l AS (SELECT * FROM read_json('$L', format='newline_delimited', columns={$cols})),
		r AS (SELECT * FROM read_json('$R', format='newline_delimited', columns={$cols}))
		SELECT count(*) FILTER (WHERE l.ts IS NOT NULL AND r.ts IS NOT NULL AND NOT ($dif)) AS matched,
		count(*) FILTER (WHERE l.ts IS NOT NULL AND r.ts IS NOT NULL AND ($dif)) AS differing,
		count(*) FILTER (WHERE l.ts IS NULL) AS missing_left,
		count(*) FILTER (WHERE r.ts IS NULL) AS missing_right $sums
		FROM l FULL OUTER JOIN r ON l.ts = r.ts AND l.account = r.account
	) TO '$B_DIR/out.duck' (HEADER true)"
	tr '\n' ' ' <"$B_DIR/out.duck"
	echo
fi

echo "ratios (pairs/s of tide-diff --sorted over the other, CPU time):"
bench_ratio tide_diff_sorted tide_diff_hashed
bench_ratio tide_diff_sorted python_merge
[ -n "${B_RATE_duckdb_join:-}" ] && bench_ratio tide_diff_sorted duckdb_join
exit 0
