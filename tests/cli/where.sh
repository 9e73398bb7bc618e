#!/bin/sh
# --where (tide-expr(7)) in tide-source and tide-replay on files: on
# well-typed data (tide-gen's transactions) the records jq's select()
# keeps, byte for byte, over 60 generated expressions and a 1M-record
# filter; on missing fields, nulls and mixed types the records of an
# independent evaluator of the man page (expr_oracle.py), where jq orders
# all types and would differ on purpose; exact cases; the counters,
# barriers, CSV, -c; syntax errors and hostile expressions (exit 64), and
# a catastrophic regex stopped by its match limit.
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq
t_skip_unless python3
ORACLE=$T_ROOT/tests/cli/expr_oracle.py
TAB=$(printf '\t')

# --- the same records as jq, on well-typed data -----------------------------
#
# The translation, tide-expr -> jq (expr_oracle.py jqpairs writes both):
#	amount > 5                    .amount > 5
#	ts >= 2026-11-01T00:01:40Z    .ts >= 1793491300000
#	country in ("DE", "FR")       (.country == "DE" or .country == "FR")
#	country not in ("DE")         ((.country == "DE") | not)
#	card_present                  .card_present
#	starts_with(account, "a00")   (.account | startswith("a00"))
#	ends_with(merchant, "7")      (.merchant | endswith("7"))
#	contains(account, "12")       (.account | contains("12"))
#	merchant =~ /^m0001[0-9]/     (.merchant | test("^m0001[0-9]"))
#	merchant =~ /^M00/i           (.merchant | test("^M00"; "i"))
#	lower(country) == "de"        (.country | ascii_downcase) == "de"
#	len(account) == 7             (.account | length) == 7
#	abs(amount - 50) < 10         ((.amount - 50) | fabs) < 10
#	type(amount) == "number"      (.amount | type) == "number"
#	exists(amount)                has("amount")
#	account is not null           (.account != null)
#	nope is null                  (.nope == null)
#	not (A)                       ((A) | not)
#	A and B, A or B, + - * /      the same
tide-gen --count 20000 transactions >"$T_DIR/tx.ndjson"
t_ok "tide-gen's records are in jq -c form" sh -c \
	"jq -c . '$T_DIR/tx.ndjson' | cmp -s - '$T_DIR/tx.ndjson'"
python3 "$ORACLE" jqpairs 60 1 >"$T_DIR/pairs"
n=0 same=0 kept=0
while IFS=$TAB read -r te je; do
	n=$((n + 1))
	tide-source --where "$te" "$T_DIR/tx.ndjson" >"$T_DIR/t.out" 2>"$T_DIR/t.err"
	rc=$?
	jq -c "select($je)" "$T_DIR/tx.ndjson" >"$T_DIR/j.out"
	if [ "$rc" = 0 ] && [ ! -s "$T_DIR/t.err" ] &&
	    cmp -s "$T_DIR/t.out" "$T_DIR/j.out"; then
		same=$((same + 1))
		[ -s "$T_DIR/t.out" ] && kept=$((kept + 1))
	else
		t_fail "jq: --where '$te' (status $rc)" "jq: select($je)" \
		    "$(diff "$T_DIR/j.out" "$T_DIR/t.out" | head -5)" \
		    "$(head -c 300 "$T_DIR/t.err")"
	fi
done <"$T_DIR/pairs"
t_ok "60 generated expressions: the same records as jq's select()" \
	test "$n" = 60 -a "$same" = 60
# Most keep something (not a comparison of empty outputs).
t_ok "most generated expressions keep records ($kept of 60)" test "$kept" -ge 45

# 1M records, the benchmark's filter.
tide-gen --count 1000000 transactions >"$T_DIR/m.ndjson"
t_run "1M records, the same lines as jq" tide-source --where \
	'amount > 1000 and country in ("DE","FR")' "$T_DIR/m.ndjson"
t_status 0
jq -c 'select(.amount > 1000 and (.country == "DE" or .country == "FR"))' \
	"$T_DIR/m.ndjson" >"$T_DIR/m.jq"
t_stdout_file "$T_DIR/m.jq"
t_ok "1M records: the filter keeps some" test -s "$T_DIR/m.jq"
rm -f "$T_DIR/m.ndjson" "$T_DIR/m.jq"

# --- missing fields, nulls and mixed types: the oracle ----------------------

python3 "$ORACLE" mixed 3000 5 >"$T_DIR/mixed.ndjson"
python3 "$ORACLE" mixedexprs 200 5 >"$T_DIR/mexprs"
mkdir "$T_DIR/om"
python3 "$ORACLE" evalmany "$T_DIR/mexprs" "$T_DIR/mixed.ndjson" "$T_DIR/om"
n=0 same=0
while read -r te; do
	n=$((n + 1))
	tide-source --where "$te" "$T_DIR/mixed.ndjson" >"$T_DIR/t.out" 2>"$T_DIR/t.err"
	if [ $? = 0 ] && cmp -s "$T_DIR/t.out" "$T_DIR/om/$n"; then
		same=$((same + 1))
	else
		t_fail "oracle: --where '$te'" \
		    "$(diff "$T_DIR/om/$n" "$T_DIR/t.out" | head -5)" \
		    "$(head -c 300 "$T_DIR/t.err")"
	fi
done <"$T_DIR/mexprs"
t_ok "200 expressions on mixed types: the oracle's records" \
	test "$n" = 200 -a "$same" = 200

# --- tide-expr(7)'s EXAMPLES on files, against the oracle ---------------------

sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$T_ROOT/man/tide-expr.7" |
	sed -n "s/^\$ tide-source tx.ndjson --where '\(.*\)'\$/\1/p" >"$T_DIR/mex"
n=0
while read -r te; do
	n=$((n + 1))
	t_run "tide-expr(7): --where '$te'" tide-source --where "$te" "$T_DIR/tx.ndjson"
	t_status 0
	python3 "$ORACLE" eval "$te" "$T_DIR/tx.ndjson" >"$T_DIR/want"
	t_stdout_file "$T_DIR/want"
done <"$T_DIR/mex"
t_ok "tide-expr(7): 4 examples on files" test "$n" = 4

# --- exact cases: where jq would differ --------------------------------------

cat >"$T_DIR/x.ndjson" <<'EOF'
{"id":1,"v":5}
{"id":2,"v":"abc"}
{"id":3,"v":null}
{"id":4}
{"id":5,"v":true}
{"id":6,"v":[1,2]}
{"id":7,"v":9007199254740993}
{"id":8,"v":"2026-11-01T10:02:30Z","w":"x"}
EOF
# where 'EXPR' IDS: the ids tide-source keeps.
where() {
	t_run "--where '$1'" tide-source --where "$1" "$T_DIR/x.ndjson"
	t_status 0
	printf '%s\n' $2 | sed '/^$/d' | while read -r i; do
		grep "^{\"id\":$i[,}]" "$T_DIR/x.ndjson"
	done >"$T_DIR/want"
	t_stdout_file "$T_DIR/want"
}
where 'v > 4' "1 7"	# jq: also "abc", [1,2], the time string
where 'v < 6' "1"	# jq: also null, missing, true
where 'v != 5' "7"	# jq: everything but id 1
where 'v == "abc"' "2"
where 'v > "a"' "2"	# strings only
where 'v is null' "3 4"
where 'v is not null' "1 2 5 6 7 8"
where 'v == null' "3 4"
where 'exists(v)' "1 2 3 5 6 7 8"
where 'not exists(v)' "4"
where 'type(v) == "array"' "6"
where 'type(v) == "null"' "3"
where 'v == 9007199254740993' "7"	# jq 1.6: also ...992
where 'v > 9007199254740992' "7"
where 'v' "5"			# only true passes
where 'v == true' "5"
where 'v >= 2026-11-01T10:02Z and v < 2026-11-01T10:03Z' "8"
where 'v + 1 == 6' "1"
where 'len(v) == 2' "6"
where 'len(v) == 0' "3"	# null's length, as jq's
where 'not (v == 5)' "2 3 4 5 6 7 8"
where 'v in (5, "abc")' "1 2"
where 'w =~ /x/ or v =~ /^ab/' "2 8"

# --- the run: counters, bad input, barriers, CSV, -c -------------------------

cat >"$T_DIR/b.ndjson" <<'EOF'
{"a":1}
{"@barrier":{"seq":1,"offsets":[]}}
{"a":2000}
not json
{"a":3000}
EOF
t_run "--stats counts the filtered records, not as bad" tide-source --stats \
	--where 'a > 1000 and a < 2500' "$T_DIR/b.ndjson"
t_status 0
t_stdout <<'EOF'
{"@barrier":{"seq":1,"offsets":[]}}
{"a":2000}
EOF
t_stderr_has "tide-source: $T_DIR/b.ndjson: line 4: not valid JSON: bad literal at byte 0"
t_stderr_has "tide-source: stats: records_in 5, records_out 2, bytes_out 47, bad 1, filtered 2, "

t_run "-c counts the records written" tide-source -c 1 --where 'id > 2' \
	"$T_DIR/x.ndjson"
t_status 0
t_stdout <<'EOF'
{"id":3,"v":null}
EOF

t_run "all filtered: no record, status 0" tide-source --where 'a > 9999' \
	"$T_DIR/tx.ndjson"
t_status 0
t_stdout </dev/null
t_stderr_empty

printf 'id,amount,country\n1,10,DE\n2,2000,FR\n3,5000,US\n' >"$T_DIR/c.csv"
t_run "CSV rows" tide-source --where 'amount > 1000 and country == "FR"' \
	"$T_DIR/c.csv"
t_status 0
t_stdout <<'EOF'
{"id":2,"amount":2000,"country":"FR"}
EOF

t_run "with --from/--to" tide-source --from 2026-11-01T00:00:00.020Z \
	--to 2026-11-01T00:00:00.060Z --where 'country != "US"' "$T_DIR/tx.ndjson"
t_status 0
jq -c 'select(.ts >= 1793491200020 and .ts < 1793491200060 and .country != "US")' \
	"$T_DIR/tx.ndjson" >"$T_DIR/want"
t_stdout_file "$T_DIR/want"

t_run "metadata is missing in files" tide-source --where \
	'@key == "k" or exists(@partition)' "$T_DIR/b.ndjson"
t_status 0
t_stdout <<'EOF'
{"@barrier":{"seq":1,"offsets":[]}}
EOF

# tide-replay: archives, paced or not; the filtered records wait for nothing.
t_run "tide-replay --where" tide-replay --time ts --speed max --stats \
	--where 'amount > 500 and country == "DE"' "$T_DIR/tx.ndjson"
t_status 0
jq -c 'select(.amount > 500 and .country == "DE")' "$T_DIR/tx.ndjson" \
	>"$T_DIR/want"
t_stdout_file "$T_DIR/want"
t_stderr_has "tide-replay: stats: records_out $(wc -l <"$T_DIR/want" | tr -d ' '), bytes_out $(wc -c <"$T_DIR/want" | tr -d ' '), bad 0, filtered $((20000 - $(wc -l <"$T_DIR/want"))), "
head -n 100 "$T_DIR/tx.ndjson" >"$T_DIR/h.ndjson"
t_run "tide-replay --where, paced" tide-replay --time ts --speed 1000 \
	--where 'ts >= 2026-11-01T00:00:00.500Z' "$T_DIR/h.ndjson"
t_status 0
jq -c 'select(.ts >= 1793491200500)' "$T_DIR/h.ndjson" >"$T_DIR/want"
t_stdout_file "$T_DIR/want"

# --- syntax errors: the column, a caret, exit 64 -----------------------------

usage=$(tide-source -h | head -n 1)
synerr() {
	t_run "syntax: $1" tide-source --where "$1" "$T_DIR/b.ndjson"
	t_status 64
	t_stdout </dev/null
	_c=$(printf '%*s' "$(($2 + 2))" '^')
	t_stderr "tide-source: --where: $3 at column $2" "  $1" "$_c" "$usage"
}
synerr 'amount > (1 + 2' 16 "expected ')'"
synerr 'amount >' 9 "unexpected end of expression"
synerr 'amount = 1' 8 "unexpected '=' (== != < <= > >= =~)"
synerr 'a > 1 b' 7 "unexpected 'b'"
synerr 'foo(a)' 1 "unknown function 'foo'"
synerr 'a =~ /x(/' 6 "bad regex: missing closing parenthesis"
synerr 'a =~ /x/z' 9 "unknown regex flag 'z' (i, m, s, x)"
synerr 'a == "x' 6 "unterminated string"
synerr 'ts > 2026-02-30' 6 "bad time '2026-02-30'"
synerr 'ts > now-3' 10 "bad duration '3' (e.g. 15m, 1h30m)"
synerr '@nope == 1' 1 "unknown metadata '@nope' (@key, @partition, @offset, @timestamp, @topic, @headers.NAME)"
synerr 'x is 1' 6 "expected 'null' after 'is'"
synerr 'abs(1, 2)' 8 "abs() takes 1 argument"
synerr '' 1 "empty expression"

t_run "tide-replay: a syntax error" tide-replay --where 'a >' "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-replay: --where: unexpected end of expression at column 4"

# --- hostile expressions ----------------------------------------------------

deep=$(printf '%01000d' 0 | tr 0 '(')
t_run "1000 parentheses" tide-source --where "${deep}1" "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: expression nested deeper than 64 at column 65"
nots=$(printf '%0500d' 0 | sed 's/0/not /g')
t_run "500 nots" tide-source --where "${nots}true" "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: expression nested deeper than 64 at column 257"
big=$(printf '%05000d' 0)
t_run "a 5000-byte string" tide-source --where "a == \"$big\"" "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: string longer than 4096 bytes at column 6"
t_run "a 100-digit number" tide-source --where "a == $(printf '%0100d' 1)" \
	"$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: number longer than 64 characters at column 6"
t_run "a 5000-byte regex" tide-source --where "a =~ /$big/" "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: regex longer than 4096 bytes at column 6"
long=$(printf '%09000d' 0 | sed 's/0000000/a == 1 or /g')
t_run "an expression of 70000 bytes" tide-source --where "${long}${long}${long}${long}${long}${long}${long}${long}a == 1" "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: expression longer than 65536 bytes at column 1"
t_run "4100 parts" tide-source --where "${long}a == 1" "$T_DIR/b.ndjson"
t_status 64
t_stderr_has "tide-source: --where: expression too long: more than 4096 parts at column "

# A catastrophic regex: PCRE2's match limit ends it; the record is bad
# input, the others go on.
printf '{"s":"%s!"}\n{"s":"aaa"}\n' "$(printf '%040d' 0 | tr 0 a)" \
	>"$T_DIR/cat.ndjson"
t_run "catastrophic regex: bad input, no hang" tide-source \
	--where 's =~ /^(a+)+$/' "$T_DIR/cat.ndjson"
t_status 0
t_stdout <<'EOF'
{"s":"aaa"}
EOF
t_stderr "tide-source: $T_DIR/cat.ndjson: line 1: --where: regex /^(a+)+\$/ reached its match limit" \
	"tide-source: 1 bad record skipped"
t_run "catastrophic regex, --strict" tide-source --strict \
	--where 's =~ /^(a+)+$/' "$T_DIR/cat.ndjson"
t_status 65
printf '{"ts":1,"s":"%s!"}\n{"ts":2,"s":"aaa"}\n' \
	"$(printf '%040d' 0 | tr 0 a)" >"$T_DIR/cat2.ndjson"
t_run "catastrophic regex, tide-replay" tide-replay --time ts --speed max \
	--where 's =~ /^(a+)+$/' "$T_DIR/cat2.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":2,"s":"aaa"}
EOF
t_stderr_has "tide-replay: $T_DIR/cat2.ndjson: line 1: --where: regex /^(a+)+\$/ reached its match limit"

t_done
