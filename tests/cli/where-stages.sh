#!/bin/sh
# --where (tide-expr(7)) in the middle stages: tide-window filters before
# aggregation, tide-sink before its back end, tide-join on the stream
# record (--where) and on the joined one (--having).  Results equal the
# same stage run without the filter behind jq's select() (tide-gen's
# records are in jq -c form), and an independent sqlite3 GROUP BY; the
# counters (filtered, not bad), barriers, syntax errors (exit 64).
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq
t_skip_unless sqlite3

tide-gen --count 20000 --accounts 50 transactions >"$T_DIR/tx.ndjson"

# --- tide-window ---------------------------------------------------------------

# tide-expr -> jq select() -> tide-window without --where.
while IFS=';' read -r te je win; do
	# shellcheck disable=SC2086
	t_run "tide-window $win --where '$te'" tide-window $win -k account \
		-a 'count,sum(amount),max(amount)' --where "$te" "$T_DIR/tx.ndjson"
	t_status 0
	# shellcheck disable=SC2086
	jq -c "select($je)" "$T_DIR/tx.ndjson" | tide-window $win -k account \
		-a 'count,sum(amount),max(amount)' >"$T_DIR/want"
	t_ok "tide-window $win --where '$te': some windows" test -s "$T_DIR/want"
	t_stdout_file "$T_DIR/want"
done <<'EOF2'
amount > 50 and country in ("DE", "FR");.amount > 50 and (.country == "DE" or .country == "FR");--tumble 10s
not card_present or merchant =~ /7$/;(.card_present | not) or (.merchant | test("7$"));--hop 20s --every 5s
starts_with(account, "a00001");.account | startswith("a00001");--session 2s
amount * 2 > 150;.amount * 2 > 150;--over 30s
EOF2

# The counts of an independent GROUP BY over the records jq keeps.
jq -r 'select(.amount > 20 and .country != "US") |
	[.ts, .account, .amount] | @csv' "$T_DIR/tx.ndjson" >"$T_DIR/f.csv"
sqlite3 -csv "$T_DIR/db" '.mode csv' 'CREATE TABLE t(ts INTEGER, account TEXT, amount REAL)' \
	".import $T_DIR/f.csv t" \
	"SELECT ts / 60000 * 60000, account, count(*), round(sum(amount), 2) FROM t
	 GROUP BY 1, 2 ORDER BY 1, 2" | awk -F, '{ printf "%s,%s,%s,%.2f\n", $1, $2, $3, $4 }' >"$T_DIR/want"
tide-window --tumble 1m -k account -a 'count,sum(amount)' --precision 2 \
	--where 'amount > 20 and country != "US"' "$T_DIR/tx.ndjson" |
	jq -r '"\(.window_start),\(.account),\(.count),\(.sum_amount)"' |
	sort -t, -k1,1n -k2,2 |
	awk -F, '{ printf "%s,%s,%s,%.2f\n", $1, $2, $3, $4 }' >"$T_DIR/got"
t_ok "tide-window --where: sqlite3's GROUP BY on the filtered records" \
	cmp "$T_DIR/want" "$T_DIR/got"
t_ok "tide-window --where: sqlite3 has many groups" \
	test "$(wc -l <"$T_DIR/want")" -gt 100

cat >"$T_DIR/b.ndjson" <<'EOF2'
{"ts":1000,"k":"x","a":1}
{"@barrier":{"seq":1,"offsets":[]}}
{"ts":1500,"k":"x","a":2000}
not json
{"ts":2500,"k":"y","a":3000}
{"ts":2600,"k":"y","a":"s"}
EOF2
t_run "tide-window --stats: filtered, not bad" tide-window --stats \
	--time-unit ms --tumble 1s -k k -a 'count,sum(a)' --where 'a > 1000' \
	"$T_DIR/b.ndjson"
t_status 0
t_stdout <<'EOF2'
{"window_start":1000,"window_end":2000,"k":"x","count":1,"sum_a":2000}
{"window_start":2000,"window_end":3000,"k":"y","count":1,"sum_a":3000}
EOF2
t_stderr "tide-window: $T_DIR/b.ndjson: line 4: not valid JSON: bad literal at byte 0" \
	"tide-window: stats: in 5, out 2, bad 1, filtered 2, late 0, windows 2, updates 0, open keys 0, open windows 0, wide sums 0, overflows 0" \
	"tide-window: 1 bad record skipped"

t_run "tide-window: all filtered out is not bad input" tide-window --stats \
	--tumble 1s -k k -a count --where 'a > 99999' "$T_DIR/b.ndjson"
t_status 0
t_stdout </dev/null
t_stderr_has "tide-window: stats: in 5, out 0, bad 1, filtered 4, late 0, "

printf '{"ts":1000,"k":"%s!"}\n' "$(printf '%040d' 0 | tr 0 a)" >"$T_DIR/re.ndjson"
t_run "tide-window: a regex at its match limit is bad" tide-window \
	--tumble 1s -k k -a count --where 'k =~ /^(a+)+$/' "$T_DIR/re.ndjson"
t_status 65
t_stdout </dev/null
t_stderr_has "tide-window: $T_DIR/re.ndjson: line 1: --where: regex /^(a+)+\$/ reached its match limit"

t_run "tide-window: a syntax error" tide-window --tumble 1s -k k -a count \
	--where 'a > (1' "$T_DIR/b.ndjson"
t_status 64
t_stdout </dev/null
t_stderr "tide-window: --where: expected ')' at column 7" "  a > (1" \
	"        ^" "$(tide-window -h | head -n 1)"

# --- tide-sink -------------------------------------------------------------------

T_IN=$T_DIR/tx.ndjson
te='amount > 50 and country in ("DE", "FR") or merchant =~ /^m0001/'
je='.amount > 50 and (.country == "DE" or .country == "FR") or (.merchant | test("^m0001"))'
jq -c "select($je)" "$T_DIR/tx.ndjson" >"$T_DIR/want"
t_ok "tide-sink: jq keeps some and drops some" sh -c \
	"test -s '$T_DIR/want' && ! cmp -s '$T_DIR/want' '$T_DIR/tx.ndjson'"
t_run "tide-sink -o FILE --where" tide-sink -o "$T_DIR/s.ndjson" --stats --where "$te"
t_status 0
t_ok "tide-sink -o FILE --where: jq select()'s records" cmp "$T_DIR/want" "$T_DIR/s.ndjson"
nw=$(wc -l <"$T_DIR/want" | tr -d ' ')
t_stderr_has "tide-sink: in 20000, bad 0, filtered $((20000 - nw)), out $nw, bytes $(wc -c <"$T_DIR/want" | tr -d ' '), files 1, "

t_run "tide-sink -o - --where, then --keep" tide-sink -o - --where "$te" --keep account,amount
t_status 0
jq -c "select($je) | {account, amount}" "$T_DIR/tx.ndjson" >"$T_DIR/want.k"
t_stdout_file "$T_DIR/want.k"

# tide-sink(1)'s example: a SQLite view of the records the filter keeps,
# beside sqlite3's own table of the jq-filtered records.
t_run "tide-sink --sqlite --where" tide-sink --sqlite "$T_DIR/v.db" --table tx \
	--upsert account --where 'amount > 50 and not card_present'
t_status 0
jq -r 'select(.amount > 50 and (.card_present | not)) | [.ts, .account, .amount] | @csv' \
	"$T_DIR/tx.ndjson" >"$T_DIR/cnp.csv"
want=$(sqlite3 "$T_DIR/o.db" 'CREATE TABLE t(ts INTEGER, account TEXT, amount REAL)' \
	".import --csv $T_DIR/cnp.csv t" \
	"SELECT count(DISTINCT account) || ' ' || (SELECT count(*) FROM t) FROM t")
got=$(sqlite3 "$T_DIR/v.db" "SELECT count(*) FROM tx")
t_ok "tide-sink --sqlite --where: the view's rows are sqlite3's accounts ($want)" \
	test "$got" = "${want%% *}" -a "${want#* }" -gt "$got"
t_ok "tide-sink --sqlite --where: each account's last record" sh -c "
	sqlite3 '$T_DIR/v.db' 'SELECT account, record FROM tx ORDER BY account' >'$T_DIR/v.got'
	sqlite3 '$T_DIR/o.db' 'SELECT account, max(ts) FROM t GROUP BY account ORDER BY account' |
	    while IFS='|' read -r a ts; do
		jq -c --arg a \"\$a\" --argjson ts \"\$ts\" 'select(.account == \$a and .ts == \$ts) | \"\\(.account)|\\(tojson)\"' -r '$T_DIR/tx.ndjson'
	    done >'$T_DIR/v.want'
	test -s '$T_DIR/v.want' && cmp '$T_DIR/v.want' '$T_DIR/v.got'"

B1='{"@barrier":{"seq":1,"offsets":[["tx",0,2]]}}'
B2='{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,4]]}}'
printf '%s\n' '{"a":1}' "$B1" '{"a":2000}' 'not json' '[1,2]' "$B2" >"$T_DIR/sb.ndjson"
T_IN=$T_DIR/sb.ndjson
t_run "tide-sink --stats: filtered, not bad, not dead-lettered; barriers pass" \
	tide-sink -o - --stats --dead-letter "$T_DIR/dl" --where 'a > 1000'
t_status 0
t_stdout <<'EOF2'
{"a":2000}
EOF2
t_stderr_has "tide-sink: in 4, bad 1, filtered 2, out 1, bytes 11, files 0, "
t_ok "tide-sink: only the bad line dead-lettered" test "$(jq -r .raw "$T_DIR/dl")" = "not json"

t_run "tide-sink: all filtered out, the final barrier still seen: exit 0" \
	tide-sink -o - --where 'a > 99999'
t_status 0
t_stdout </dev/null

printf '{"k":"%s!"}\n' "$(printf '%040d' 0 | tr 0 a)" >"$T_DIR/re.sink"
T_IN=$T_DIR/re.sink
t_run "tide-sink: a regex at its match limit is bad" tide-sink -o - \
	--where 'k =~ /^(a+)+$/'
t_status 65
t_stdout </dev/null
t_stderr_has "tide-sink: line 1: --where: regex /^(a+)+\$/ reached its match limit"

T_IN=/dev/null
t_run "tide-sink: a syntax error" tide-sink -o - --where 'a in (1,'
t_status 64
t_stdout </dev/null
t_stderr "tide-sink: --where: unexpected end of expression at column 9" "  a in (1," \
	"          ^" "$(tide-sink -h | head -n 1)"

# The Redis view: the keys of the accounts jq's select() keeps.
if t_have redis-server "no redis-server: tide-sink --redis --where" &&
    t_have redis-cli "no redis-cli: tide-sink --redis --where"; then
	redis_start
	T_IN=$T_DIR/tx.ndjson
	t_run "tide-sink --redis --where" tide-sink --redis "redis://127.0.0.1:$RPORT" \
		--upsert account --prefix w: --where 'amount > 90 and country == "DE"'
	t_status 0
	jq -r 'select(.amount > 90 and .country == "DE") | "w:" + .account' \
		"$T_DIR/tx.ndjson" | sort -u >"$T_DIR/want.r"
	redis-cli -p "$RPORT" --scan --pattern 'w:*' | sort >"$T_DIR/got.r"
	t_ok "tide-sink --redis --where: the keys of jq select()'s accounts" sh -c \
		"test -s '$T_DIR/want.r' && cmp '$T_DIR/want.r' '$T_DIR/got.r'"
	T_IN=/dev/null
fi

# --- tide-join -------------------------------------------------------------------

# 40 customers of the 50 accounts: some records find none.
tide-gen --accounts 40 --format csv customers >"$T_DIR/cust.csv"
T_IN=$T_DIR/tx.ndjson
# tide-expr -> jq: --where on the stream, --having on the joined record,
# against jq over an unfiltered run's output.
while IFS=';' read -r kind te je he hj; do
	# shellcheck disable=SC2086
	tide-join -T "$T_DIR/cust.csv" --on account $kind \
	    <"$T_DIR/tx.ndjson" >"$T_DIR/all.j"
	jq -c "select($je) | select($hj)" "$T_DIR/all.j" >"$T_DIR/want"
	# shellcheck disable=SC2086
	t_run "tide-join $kind --where '$te' --having '$he'" tide-join \
		-T "$T_DIR/cust.csv" --on account $kind \
		--where "$te" --having "$he"
	t_status 0
	t_ok "tide-join $kind --where '$te' --having '$he': some records" \
		test -s "$T_DIR/want"
	t_stdout_file "$T_DIR/want"
done <<'EOF2'
--left --miss-field why;amount > 50;.amount > 50;segment != "retail" or why == "no_match";.segment != "retail" or .why == "no_match"
--inner;country in ("DE", "FR");.country == "DE" or .country == "FR";risk_score > 0.5 and credit_limit >= 5000;.risk_score > 0.5 and .credit_limit >= 5000
--left --prefix c_;not card_present;.card_present | not;c_risk_score is null;.c_risk_score == null
EOF2
# Only --where, or only --having: the other passes everything.
tide-join -T "$T_DIR/cust.csv" --on account <"$T_DIR/tx.ndjson" >"$T_DIR/all.j"
t_run "tide-join --where alone" tide-join -T "$T_DIR/cust.csv" --on account --where 'amount < 20'
jq -c 'select(.amount < 20)' "$T_DIR/all.j" >"$T_DIR/want"
t_stdout_file "$T_DIR/want"
t_run "tide-join --having alone" tide-join -T "$T_DIR/cust.csv" --on account --having 'risk_score < 0.2'
jq -c 'select(.risk_score < 0.2)' "$T_DIR/all.j" >"$T_DIR/want"
t_stdout_file "$T_DIR/want"

# --anti: --having names the record as written (no table fields).
tide-gen --accounts 30 --format csv customers >"$T_DIR/cust30.csv"
tide-join -T "$T_DIR/cust30.csv" --on account --anti <"$T_DIR/tx.ndjson" >"$T_DIR/all.j"
t_run "tide-join --anti --having" tide-join -T "$T_DIR/cust30.csv" --on account --anti \
	--having 'amount > 90'
t_status 0
jq -c 'select(.amount > 90)' "$T_DIR/all.j" >"$T_DIR/want"
t_ok "tide-join --anti --having: some records" test -s "$T_DIR/want"
t_stdout_file "$T_DIR/want"

cat >"$T_DIR/j.csv" <<'EOF2'
k,risk
x,0.9
y,0.1
EOF2
printf '%s\n' '{"k":"x","a":1}' '{"@barrier":{"seq":1,"offsets":[]}}' '{"k":"x","a":2000}' \
	'not json' '{"k":"y","a":3000}' '{"k":"z","a":4000}' '{"a":5000}' >"$T_DIR/j.ndjson"
T_IN=/dev/null
t_run "tide-join --stats: filtered, not having, not bad" tide-join -T "$T_DIR/j.csv" \
	--on k --left --stats --where 'a > 1000' --having 'risk > 0.5' "$T_DIR/j.ndjson"
t_status 0
t_stdout <<'EOF2'
{"k":"x","a":2000,"risk":0.9}
EOF2
t_stderr_has "tide-join: $T_DIR/j.ndjson: line 4: not valid JSON"
t_stderr_has "tide-join: records in 6, out 1, matched 2, unmatched 2, bad 1, filtered 1, not having 3; table 2 rows"

# --- tide-join --with: an interval join ------------------------------------------
#
# --where on the left stream (standard input), as if jq had filtered it
# first; --having on the records written, as jq over the unfiltered run.
# Some left records are late (--late): the filter comes before that too.
tide-gen --seed 7 --count 4000 --accounts 40 --late 0.05 --late-by 300ms \
	transactions >"$T_DIR/il.nd"
tide-gen --seed 8 --count 3000 --accounts 40 --step 13ms transactions >"$T_DIR/ir.nd"
ij() {
	tide-join --with "$T_DIR/ir.nd" --within 100ms --on account --prefix r_ \
		--select amount,merchant "$@"
}
T_IN=$T_DIR/il.nd
while IFS=';' read -r kind te je; do
	# shellcheck disable=SC2086
	jq -c "select($je)" "$T_DIR/il.nd" |
		ij $kind --late-file "$T_DIR/late.want" >"$T_DIR/want"
	# shellcheck disable=SC2086
	t_run "tide-join --with $kind --where '$te'" ij $kind --where "$te" \
		--late-file "$T_DIR/late.got"
	t_status 0
	t_ok "tide-join --with $kind --where '$te': some records" test -s "$T_DIR/want"
	t_stdout_file "$T_DIR/want"
	t_ok "tide-join --with $kind --where '$te': the same late records" \
		cmp "$T_DIR/late.want" "$T_DIR/late.got"
	t_ok "tide-join --with $kind --where '$te': some late records" \
		test -s "$T_DIR/late.want"
	rm -f "$T_DIR/late.want" "$T_DIR/late.got"
done <<'EOF2'
--inner;amount > 20 and country in ("DE", "FR", "GB");.amount > 20 and (.country == "DE" or .country == "FR" or .country == "GB")
--left --miss-field why;not card_present or merchant =~ /7$/;(.card_present | not) or (.merchant | test("7$"))
--anti;starts_with(account, "a00001") and amount < 30;(.account | startswith("a00001")) and .amount < 30
EOF2
while IFS=';' read -r kind he hj; do
	# shellcheck disable=SC2086
	ij $kind <"$T_DIR/il.nd" | jq -c "select($hj)" >"$T_DIR/want"
	# shellcheck disable=SC2086
	t_run "tide-join --with $kind --having '$he'" ij $kind --having "$he"
	t_status 0
	t_ok "tide-join --with $kind --having '$he': some records" test -s "$T_DIR/want"
	t_stdout_file "$T_DIR/want"
done <<'EOF2'
--inner;r_amount > amount * 2;.r_amount > .amount * 2
--left --miss-field why;why == "no_match" or r_merchant =~ /[13]$/;.why == "no_match" or (.r_merchant | test("[13]$"))
--anti;country != "US" and card_present;.country != "US" and .card_present
EOF2

# Both, and the counters: a dropped record is read, not bad; --where
# drops before a record's time and key are asked for (line 8), a record
# it keeps must have them (line 7).
cat >"$T_DIR/jl.ndjson" <<'EOF2'
{"ts":1000,"k":"x","a":1}
{"@barrier":{"seq":1,"offsets":[]}}
{"ts":1500,"k":"x","a":2000}
not json
{"ts":2500,"k":"y","a":3000}
{"ts":2600,"k":"z","a":4000}
{"a":5000}
{"k":"x","a":6}
EOF2
cat >"$T_DIR/jr.ndjson" <<'EOF2'
{"ts":1400,"k":"x","risk":0.9,"a":1}
{"ts":2400,"k":"y","risk":0.1}
EOF2
T_IN=$T_DIR/jl.ndjson
t_run "tide-join --with --stats: filtered, not having, not bad" tide-join \
	--with "$T_DIR/jr.ndjson" --within 1s --on k --left --select risk \
	--time-unit ms --stats --where 'a > 1000' --having 'risk > 0.5'
t_status 0
t_stdout <<'EOF2'
{"ts":1500,"k":"x","a":2000,"risk":0.9}
EOF2
t_stderr_has "tide-join: line 4: not valid JSON"
t_stderr_has "tide-join: line 7: time field 'ts' is missing"
t_stderr_has "tide-join: records in 9, out 1, matched 2, unmatched 1, bad 2, filtered 2, not having 2; table 0 rows"
t_stderr_has "tide-join: interval join: 2 pairs, 1 unmatched left records, 0 late records"

# The left stream only: the records of --with are not filtered.
t_run "tide-join --with: --where is on the left stream only" tide-join \
	--with "$T_DIR/jr.ndjson" --within 1s --on k --select risk \
	--time-unit ms --where 'a >= 1' "$T_DIR/jl.ndjson"
t_status 0
t_stdout <<'EOF2'
{"ts":1000,"k":"x","a":1,"risk":0.9}
{"ts":1500,"k":"x","a":2000,"risk":0.9}
{"ts":2500,"k":"y","a":3000,"risk":0.1}
EOF2

T_IN=/dev/null
t_run "tide-join --with: a syntax error in --where" tide-join --with "$T_DIR/jr.ndjson" \
	--within 1s --on k --where 'a >'
t_status 64
t_stdout </dev/null
t_stderr "tide-join: --where: unexpected end of expression at column 4" "  a >" \
	"     ^" "$(tide-join -h | head -n 1)"
t_run "tide-join --with: a syntax error in --having" tide-join --with "$T_DIR/jr.ndjson" \
	--within 1s --on k --having 'risk in 1'
t_status 64
t_stdout </dev/null
t_stderr_has "tide-join: --having: "

printf '{"ts":1,"k":"x","s":"%s!"}\n' "$(printf '%040d' 0 | tr 0 a)" >"$T_DIR/re.ij"
t_run "tide-join --with: a --where regex at its match limit is bad" tide-join \
	--with "$T_DIR/jr.ndjson" --within 1s --on k --where 's =~ /^(a+)+$/' \
	--strict "$T_DIR/re.ij"
t_status 65
t_stderr_has "re.ij: line 1: --where: regex /^(a+)+\$/ reached its match limit"
t_run "tide-join --with --anti: a --having regex at its match limit is bad" \
	tide-join --with "$T_DIR/jr.ndjson" --within 1s --on k --anti \
	--having 's =~ /^(a+)+$/' --strict "$T_DIR/re.ij"
t_status 65
t_stdout </dev/null
t_stderr_has ": line 1: --having: regex /^(a+)+\$/ reached its match limit"

t_run "tide-join: a syntax error in --having" tide-join -T "$T_DIR/j.csv" --on k \
	--having 'risk >> 1'
t_status 64
t_stdout </dev/null
t_stderr "tide-join: --having: unexpected '>' at column 7" "  risk >> 1" \
	"        ^" "$(tide-join -h | head -n 1)"

printf '{"k":"x","s":"%s!"}\n' "$(printf '%040d' 0 | tr 0 a)" >"$T_DIR/re.join"
t_run "tide-join: a regex at its match limit is bad" tide-join -T "$T_DIR/j.csv" \
	--on k --having 's =~ /^(a+)+$/' "$T_DIR/re.join"
t_status 65
t_stderr_has "re.join: line 1: --having: regex /^(a+)+\$/ reached its match limit"

# --- barriers through a filter, between tide stages ------------------------------
#
# The neighbours are tests/cli/flowpeer.py (an upstream stage and a tide
# reader): every barrier is written on, or acknowledged, as without a
# filter, when the records around it are filtered out.
if t_have /usr/bin/python3; then
	peer() {
		T_NAME=$1
		_script=$2
		_out=$3
		shift 3
		rm -f "$T_DIR/p.up"
		timeout 120 /usr/bin/python3 "$T_ROOT/tests/cli/flowpeer.py" \
		    "$_script" "$_out" "$T_DIR/p.up" -- "$@" 2>"$T_ERR"
		T_RC=$?
	}
	up_is() {
		t_ok "$T_NAME: upstream: $(tr '\n' ';' <"$T_DIR/p.up")" \
			test "$(tr '\n' ';' <"$T_DIR/p.up")" = "$1"
	}

	cat >"$T_DIR/s.w" <<'EOF2'
hello
msg hello tide-window relays
> {"ts":1700000000000,"k":"a"}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
lines 1
ack 1
> {"ts":1700000050000,"k":"b"}
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}
msg ack 1
close
lines 3
ack 2
wait
EOF2
	rm -f "$T_DIR/p.out"
	peer "tide-window --where: barriers written on" "$T_DIR/s.w" "$T_DIR/p.out" \
		tide-window --stats --tumble 1m -k k -a count --where 'k == "b"'
	t_status 0
	t_ok "$T_NAME: output" test "$(cat "$T_DIR/p.out")" = \
'{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
{"window_start":1700000040000,"window_end":1700000100000,"k":"b","count":1}
{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}'
	up_is "hello tide-window relays;hello test-reader;ack 1;hold 2 1700000100000;passed 2;ack 2;exit 0;"
	t_stderr_has "tide-window: stats: in 2, out 1, bad 0, filtered 1, late 0, "

	cat >"$T_DIR/s.s" <<'EOF2'
> {"k":"a"}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
msg ack 1
> {"k":"b"}
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}
msg ack 2
close
wait
EOF2
	peer "tide-sink --where: barriers acknowledged" "$T_DIR/s.s" "file:$T_DIR/sink.out" \
		tide-sink --stats -o "$T_DIR/sink.out" --where 'k == "b"'
	t_status 0
	t_ok "$T_NAME: output" test "$(cat "$T_DIR/sink.out")" = '{"k":"b"}'
	up_is "hello tide-sink resume [];ack 1;ack 2;exit 0;"
	t_stderr_has "tide-sink: in 2, bad 0, filtered 1, out 1, bytes 10, files 1, "

	cat >"$T_DIR/s.j" <<'EOF2'
hello
msg hello tide-join relays
> {"k":"x","a":1}
> {"k":"y","a":2000}
> {"@barrier":{"seq":1,"offsets":[["tx",0,2]]}}
lines 1
ack 1
> {"k":"x","a":3000}
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,3]]}}
msg ack 1
close
lines 3
ack 2
wait
EOF2
	rm -f "$T_DIR/p.out"
	peer "tide-join --where --having: barriers written on" "$T_DIR/s.j" "$T_DIR/p.out" \
		tide-join -T "$T_DIR/j.csv" --on k --where 'a > 1000' --having 'risk > 0.5'
	t_status 0
	t_ok "$T_NAME: output" test "$(cat "$T_DIR/p.out")" = \
'{"@barrier":{"seq":1,"offsets":[["tx",0,2]]}}
{"k":"x","a":3000,"risk":0.9}
{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,3]]}}'
	up_is "hello tide-join relays;hello test-reader;ack 1;ack 2;exit 0;"
fi

t_done
