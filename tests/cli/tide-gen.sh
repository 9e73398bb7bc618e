#!/bin/sh
# tide-gen: exact output for fixed seeds (the generator's sequence is a
# contract: other tests build on it), determinism, the shape of every kind,
# lateness, skew, pacing, quiet ends, and usage errors.
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq

# --- exact output -----------------------------------------------------------

t_run "transactions, seed 7" tide-gen --seed 7 --count 5 transactions
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"account":"a000265","merchant":"m00004","amount":19.63,"country":"US","card_present":false}
{"ts":1793491200010,"account":"a000000","merchant":"m00000","amount":48.59,"country":"AU","card_present":true}
{"ts":1793491200020,"account":"a000784","merchant":"m00754","amount":11.22,"country":"AU","card_present":true}
{"ts":1793491200030,"account":"a000004","merchant":"m00001","amount":6.52,"country":"US","card_present":true}
{"ts":1793491200040,"account":"a000338","merchant":"m00001","amount":5.91,"country":"IT","card_present":true}
EOF

t_run "transactions, csv, --start and --step" tide-gen --seed 7 --count 3 \
	--format csv --start 2026-12-24T18:00:00Z --step 1s transactions
t_status 0
t_stdout <<'EOF'
ts,account,merchant,amount,country,card_present
1798135200000,a000265,m00004,19.63,US,false
1798135201000,a000000,m00000,48.59,AU,true
1798135202000,a000784,m00754,11.22,AU,true
EOF

# Uniform accounts: same draws otherwise, other accounts.
t_run "transactions, --skew 0" tide-gen --seed 7 --count 3 --accounts 50 \
	--skew 0 transactions
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"account":"a000035","merchant":"m00004","amount":19.63,"country":"US","card_present":false}
{"ts":1793491200010,"account":"a000003","merchant":"m00000","amount":48.59,"country":"GB","card_present":true}
{"ts":1793491200020,"account":"a000046","merchant":"m00754","amount":11.22,"country":"IT","card_present":true}
EOF

t_run "customers, seed 7" tide-gen --seed 7 --accounts 3 customers
t_status 0
t_stdout <<'EOF'
{"account":"a000000","risk_score":0.1,"segment":"premium","credit_limit":36500}
{"account":"a000001","risk_score":0.258,"segment":"student","credit_limit":1000}
{"account":"a000002","risk_score":0.058,"segment":"business","credit_limit":85500}
EOF

t_run "customers, --versions 3, csv" tide-gen --seed 7 --accounts 2 \
	--versions 3 --format csv customers
t_status 0
t_stdout <<'EOF'
account,risk_score,segment,credit_limit,valid_from
a000000,0.1,premium,36500,1793491200000
a000001,0.258,student,1000,1793491200000
a000000,0.134,premium,36500,1793496370993
a000001,0.214,student,1000,1793495073268
a000000,0.138,premium,36500,1793499985531
a000001,0.209,student,1000,1793499239264
EOF

# --fraud: one field more, the rest byte for byte as without it (other
# tests depend on that output); a label from a hidden rule plus noise.
t_run "transactions, --fraud" sh -c 'tide-gen --seed 7 --count 12 --fraud transactions | sed -n "1,2p;10,12p"'
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"account":"a000265","merchant":"m00004","amount":19.63,"country":"US","card_present":false,"fraud":false}
{"ts":1793491200010,"account":"a000000","merchant":"m00000","amount":48.59,"country":"AU","card_present":true,"fraud":false}
{"ts":1793491200090,"account":"a000001","merchant":"m00036","amount":18.4,"country":"GB","card_present":true,"fraud":false}
{"ts":1793491200100,"account":"a000758","merchant":"m00379","amount":9.61,"country":"US","card_present":true,"fraud":true}
{"ts":1793491200110,"account":"a000040","merchant":"m00156","amount":127.61,"country":"FR","card_present":true,"fraud":false}
EOF
t_run "transactions, --fraud, csv" tide-gen --seed 7 --count 2 --fraud --format csv transactions
t_status 0
t_stdout <<'EOF'
ts,account,merchant,amount,country,card_present,fraud
1793491200000,a000265,m00004,19.63,US,false,false
1793491200010,a000000,m00000,48.59,AU,true,false
EOF
tide-gen --seed 3 --count 100000 --late 0.05 --fraud transactions >"$T_DIR/fraud.nd"
tide-gen --seed 3 --count 100000 --late 0.05 transactions >"$T_DIR/plain.nd"
sed 's/,"fraud":[a-z]*}$/}/' "$T_DIR/fraud.nd" >"$T_DIR/unfraud.nd"
t_ok "--fraud: the other fields byte for byte as without it" \
	cmp -s "$T_DIR/unfraud.nd" "$T_DIR/plain.nd"
t_ok "--fraud: 1275 of 100000 labelled fraud (seed 3)" \
	test "$(grep -c ',"fraud":true}$' "$T_DIR/fraud.nd")" -eq 1275

t_run "telemetry, seed 7" tide-gen --seed 7 --count 4 --machines 3 telemetry
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"machine":"mc0002","sensor":"pressure","value":3.5,"error":false}
{"ts":1793491200010,"machine":"mc0002","sensor":"rpm","value":1335.15,"error":false}
{"ts":1793491200020,"machine":"mc0001","sensor":"temp","value":62.03,"error":false}
{"ts":1793491200030,"machine":"mc0002","sensor":"rpm","value":1335.2,"error":false}
EOF

t_run "telemetry, csv header" tide-gen --count 0 --format csv telemetry
t_status 0
t_stdout <<'EOF'
ts,machine,sensor,value,error
EOF

t_run "customers, csv header" tide-gen --count 0 --format csv customers
t_status 0
t_stdout <<'EOF'
account,risk_score,segment,credit_limit
EOF

t_run "csv header with --stamp" tide-gen --count 0 --format csv --stamp \
	transactions
t_status 0
t_stdout <<'EOF'
ts,account,merchant,amount,country,card_present,sent_ms
EOF

t_run "--count 0 writes nothing" tide-gen --count 0 transactions
t_status 0
t_stdout </dev/null

# The man page's first example is the default stream.
sed -n '/^\$ tide-gen --count 3 transactions$/,/^\.Ed$/p' \
	"$T_ROOT/man/tide-gen.1" | sed '1d;$d' >"$T_DIR/man-example"
t_run "man page example" tide-gen --count 3 transactions
t_status 0
if [ -s "$T_DIR/man-example" ]; then t_stdout_file "$T_DIR/man-example"
else t_fail "man page example not found"; fi

# --- determinism --------------------------------------------------------------

for kind in transactions customers telemetry; do
	tide-gen --seed 99 --count 3000 --format csv "$kind" >"$T_DIR/a"
	tide-gen --seed 99 --count 3000 --format csv "$kind" >"$T_DIR/b"
	tide-gen --seed 100 --count 3000 --format csv "$kind" >"$T_DIR/c"
	t_ok "$kind: same seed, same bytes" cmp "$T_DIR/a" "$T_DIR/b"
	if cmp -s "$T_DIR/a" "$T_DIR/c"; then t_fail "$kind: another seed gives the same output"
	else t_pass "$kind: another seed differs"; fi
	# --rate changes pacing, not content, when the step is fixed.
	tide-gen --seed 99 --count 20 --format csv "$kind" >"$T_DIR/a"
	if [ "$kind" = customers ]; then
		tide-gen --seed 99 --count 20 --format csv --rate 10000/s "$kind" >"$T_DIR/b"
	else
		tide-gen --seed 99 --count 20 --format csv --rate 10000/s --step 10ms "$kind" >"$T_DIR/b"
	fi
	t_ok "$kind: --rate does not change the records" cmp "$T_DIR/a" "$T_DIR/b"
done

# --- counts -----------------------------------------------------------------

t_run "--count 1234" sh -c 'tide-gen --count 1234 telemetry | wc -l'
t_stdout <<'EOF'
1234
EOF
t_run "customers: one per account by default" sh -c 'tide-gen customers | wc -l'
t_stdout <<'EOF'
1000
EOF
t_run "customers: accounts x versions" sh -c \
	'tide-gen --accounts 10 --versions 4 customers | wc -l'
t_stdout <<'EOF'
40
EOF
t_run "customers: --count caps the table" sh -c \
	'tide-gen --accounts 10 --versions 4 --count 15 customers | wc -l'
t_stdout <<'EOF'
15
EOF

# --- shape of every record -----------------------------------------------------

# jq -e fails on a line that is not JSON or a record of the wrong shape.
tide-gen --count 5000 --stamp --late 0.1 transactions >"$T_DIR/tx"
t_ok "transactions: every line is a well-typed record" jq -e -n '
	[inputs | (keys_unsorted == ["ts","account","merchant","amount",
	    "country","card_present","sent_ms"])
	  and (.ts | type == "number" and . == floor)
	  and (.account | test("^a[0-9]{6}$") and . < "a001000")
	  and (.merchant | test("^m[0-9]{5}$") and . < "m02000")
	  and (.amount | type == "number" and . >= 0.01 and . <= 10240)
	  and (.country | test("^[A-Z]{2}$"))
	  and (.card_present | type == "boolean")
	  and (.sent_ms | type == "number")] | length == 5000 and all' "$T_DIR/tx"
t_ok "transactions: amounts have at most 2 decimals" sh -c \
	"! jq -r .amount '$T_DIR/tx' | grep -E '\\.[0-9]{3}|e'"
now=$(date +%s)000
t_ok "--stamp: sent_ms is the wall clock" jq -e -s --argjson now "$now" \
	'all(.[]; .sent_ms >= $now - 60000 and .sent_ms <= $now + 60000)' "$T_DIR/tx"

tide-gen --accounts 300 --versions 5 customers >"$T_DIR/cust"
t_ok "customers: every line is a well-typed record" jq -e -s '
	length == 1500 and all(.[]; (keys_unsorted == ["account","risk_score",
	    "segment","credit_limit","valid_from"])
	  and (.risk_score >= 0 and .risk_score < 1)
	  and (.segment | IN("standard","premium","business","student"))
	  and (.credit_limit % 500 == 0)
	  and ({"standard":[1000,10000],"premium":[5000,50000],
	        "business":[10000,100000],"student":[500,2000]}[.segment] as $r
	       | .credit_limit >= $r[0] and .credit_limit <= $r[1]))' "$T_DIR/cust"
t_ok "customers: 5 versions per account, valid_from increasing, first at --start" \
	jq -e -s 'group_by(.account) | length == 300 and all(.[];
	  length == 5 and .[0].valid_from == 1793491200000
	  and ([.[].valid_from] | . == sort and (unique | length) == 5))' "$T_DIR/cust"
t_ok "customers: version v is valid from start + v*gap + under gap/2" \
	jq -e -s 'group_by(.account) | all(.[]; to_entries | all(.[];
	  .value.valid_from - 1793491200000 - .key * 3600000 | . >= 0 and . < 1800000))' \
	"$T_DIR/cust"
tide-gen --accounts 300 --count 3000 transactions >"$T_DIR/tx300"
t_ok "customers and transactions share account ids" jq -e -n \
	--slurpfile c "$T_DIR/cust" '([$c[].account] | unique) as $ids
	| [inputs.account] | unique | all(. as $a | $ids | bsearch($a) >= 0)' \
	"$T_DIR/tx300"
t_ok "customers: without --versions no valid_from" sh -c \
	"tide-gen --accounts 5 customers | jq -e -s 'all(.[]; has(\"valid_from\") | not)'"

tide-gen --count 3000 --machines 4 telemetry >"$T_DIR/tel"
t_ok "telemetry: every line is a well-typed record" jq -e -s '
	length == 3000 and all(.[]; (keys_unsorted == ["ts","machine","sensor",
	    "value","error"])
	  and (.machine | IN("mc0000","mc0001","mc0002","mc0003"))
	  and (.sensor | IN("temp","pressure","vibration","rpm"))
	  and (.value | type == "number" and . >= 0)
	  and (.error | type == "boolean"))' "$T_DIR/tel"
t_ok "telemetry: every machine and sensor occurs, some errors" jq -e -s '
	([.[].machine] | unique | length) == 4 and ([.[].sensor] | unique | length) == 4
	and ([.[] | select(.error)] | length > 0 and length < 60)' "$T_DIR/tel"

# --- event time ------------------------------------------------------------------

t_run "--late 0: ts is nondecreasing, 10ms apart" sh -c \
	'tide-gen --count 2000 --late 0 transactions | jq -r .ts |
	 awk "NR > 1 && \$1 != p + 10 { bad++ } { p = \$1 } END { print bad + 0 }"'
t_stdout <<'EOF'
0
EOF
# Late records: some behind the running maximum, none by more than --late-by
# (1000 ms) plus one step.
t_run "--late: out of order within --late-by" sh -c \
	'tide-gen --count 20000 --late 0.1 --late-by 1s transactions | jq -r .ts |
	 awk "{ if (\$1 < m) { ooo++; if (m - \$1 > 1000) far++ } if (\$1 > m) m = \$1 }
	      END { print (ooo > 1000), far + 0 }"'
t_stdout <<'EOF'
1 0
EOF
tide-gen --count 3000 --late 0.3 telemetry >"$T_DIR/late"
tide-gen --count 3000 telemetry >"$T_DIR/ontime"
t_ok "--late: only ts changes" sh -c \
	'jq -c "del(.ts)" "$1/late" >"$1/a" && jq -c "del(.ts)" "$1/ontime" >"$1/b" &&
	 cmp "$1/a" "$1/b"' _ "$T_DIR"
t_ok "--late: some ts change" sh -c '! cmp -s "$1/late" "$1/ontime"' _ "$T_DIR"
t_run "--rate sets the step" sh -c \
	'tide-gen --count 3 --rate 1000/s transactions | jq -r .ts'
t_stdout <<'EOF'
1793491200000
1793491200001
1793491200002
EOF
t_run "--start as epoch ms" sh -c \
	'tide-gen --count 2 --start 1000 --step 1m telemetry | jq -r .ts'
t_stdout <<'EOF'
1000
61000
EOF
now=$(date +%s)000
t_ok "--start now" sh -c "tide-gen --count 1 --start now transactions |
	jq -e '.ts >= $now - 60000 and .ts <= $now + 60000'"

# --- skew ----------------------------------------------------------------------

t_run "--skew 2: a000000 takes over half" sh -c \
	'tide-gen --count 10000 --accounts 10 --skew 2 transactions |
	 jq -r .account | sort | uniq -c | sort -rn | head -1 |
	 awk "{ print \$2, (\$1 > 5800 && \$1 < 7000) }"'
t_stdout <<'EOF'
a000000 1
EOF
t_run "--skew 0: no account above 13%" sh -c \
	'tide-gen --count 10000 --accounts 10 --skew 0 transactions |
	 jq -r .account | sort | uniq -c | sort -rn |
	 awk "NR == 1 { top = \$1 } END { print NR, (top < 1300) }"'
t_stdout <<'EOF'
10 1
EOF

# --- pacing, signals, quiet ends -------------------------------------------------

t0=$(date +%s%N)
t_run "--rate 100/s: 50 records" tide-gen --count 50 --rate 100/s transactions
t1=$(date +%s%N)
t_status 0
ms=$(( (t1 - t0) / 1000000 ))
# Never early (the 50th is due 490 ms after the first); no upper bound: a
# loaded machine is slow, not wrong (timing is for make bench).
if [ "$ms" -ge 490 ]; then t_pass "--rate 100/s: 50 records took $ms ms, not less than 490"
else t_fail "--rate 100/s: 50 records took $ms ms, less than the 490 of the schedule"; fi
t_ok "--rate 100/s: 50 records written" test "$(wc -l <"$T_OUT")" = 50

t_run "| head -1 ends quietly" sh -c \
	'{ tide-gen transactions; echo "rc=$?" >"$1/rc"; } | head -1 >/dev/null; cat "$1/rc"' \
	_ "$T_DIR"
t_status 0
t_stdout <<'EOF'
rc=0
EOF
t_stderr_empty

t_run "SIGTERM flushes and exits 0" sh -c \
	'tide-gen --rate 1000/s telemetry >"$1/sig" & p=$!; i=0
	 until [ "$(wc -l <"$1/sig")" -gt 50 ] || [ $i -ge 1200 ]; do sleep 0.05; i=$((i + 1)); done
	 kill -TERM $p;
	 wait $p; echo "rc=$?"' _ "$T_DIR"
t_stdout <<'EOF'
rc=0
EOF
t_ok "SIGTERM: output ends with a whole record" jq -e -s \
	'length > 50 and all(.[]; has("error"))' "$T_DIR/sig"

t_run "SIGINT during a long sleep" sh -c \
	'tide-gen --rate 1/m telemetry >"$1/int" & p=$!; i=0
	 until [ -s "$1/int" ] || [ $i -ge 1200 ]; do sleep 0.05; i=$((i + 1)); done
	 kill -INT $p;
	 wait $p; echo "rc=$?"; wc -l <"$1/int"' _ "$T_DIR"
t_stdout <<'EOF'
rc=0
1
EOF

if [ -w /dev/full ]; then
	T_NAME="write error"
	tide-gen --count 100000 transactions >/dev/full 2>"$T_ERR"
	T_RC=$?
	t_status 74
	t_stderr_has "tide-gen: cannot write output: No space left on device"
fi

t_run "-h" tide-gen -h
t_status 0
t_ok "-h: usage line" grep -q '^usage: tide-gen \[-qv\] \[--count n\]' "$T_OUT"

# --- usage errors ------------------------------------------------------------------

# bad NAME EXPECTED-STDERR ARGS...: exit 64, the message, nothing on stdout.
bad() {
	_name=$1 _msg=$2
	shift 2
	t_run "$_name" tide-gen "$@"
	t_status 64
	t_stderr_has "$_msg"
	t_stderr_has "usage: tide-gen"
	t_stdout </dev/null
}

bad "unknown kind" "tide-gen: unknown kind 'trades'" trades
bad "missing kind" "tide-gen: missing the kind of events" --count 3
bad "two kinds" "tide-gen: unexpected argument 'customers'" transactions customers
bad "--count -1" "tide-gen: --count: -1 is out of range" --count -1 transactions
bad "--count x" "tide-gen: --count: not an integer: 'x'" --count x transactions
bad "--count 5x" "tide-gen: --count: not an integer: '5x'" --count 5x transactions
bad "--count without a value" "tide-gen: option '--count' needs an argument" transactions --count
bad "--rate 0" "tide-gen: --rate: must be more than 0: '0'" --rate 0 transactions
bad "--rate 0/s" "tide-gen: --rate: must be more than 0: '0/s'" --rate 0/s transactions
bad "--rate abc" "tide-gen: --rate: not a rate: 'abc'" --rate abc transactions
bad "--rate 5/d" "tide-gen: --rate: not a rate: '5/d'" --rate 5/d transactions
bad "--rate -5" "tide-gen: --rate: not a rate: '-5'" --rate -5 transactions
bad "--rate inf" "tide-gen: --rate: not a rate: 'inf'" --rate inf transactions
bad "--late 2" "tide-gen: --late: 2 is out of range [0, 1]" --late 2 transactions
bad "--late -0.1" "tide-gen: --late: -0.1 is out of range [0, 1]" --late -0.1 telemetry
bad "--late half" "tide-gen: --late: not a number: 'half'" --late half transactions
bad "--late-by 0" "tide-gen: --late-by: must be at least 1ms: '0'" --late-by 0 transactions
bad "--late-by 5" "tide-gen: --late-by: not a duration: '5'" --late-by 5 transactions
bad "--start garbage" "tide-gen: --start: not a time: 'garbage'" --start garbage transactions
bad "--start 2026-13-01" "tide-gen: --start: not a time: '2026-13-01'" --start 2026-13-01 customers
bad "--step 5x" "tide-gen: --step: not a duration: '5x'" --step 5x telemetry
bad "--seed -3" "tide-gen: --seed: -3 is out of range" --seed -3 customers
bad "--seed x" "tide-gen: --seed: not an integer: 'x'" --seed x customers
bad "--format xml" "tide-gen: --format: unknown format 'xml'" --format xml telemetry
bad "--accounts 0" "tide-gen: --accounts: 0 is out of range [1, 1000000]" --accounts 0 customers
bad "--accounts 1000001" "tide-gen: --accounts: 1000001 is out of range" --accounts 1000001 transactions
bad "--skew -1" "tide-gen: --skew: -1 is out of range [0, 10]" --skew -1 transactions
bad "--versions 0" "tide-gen: --versions: 0 is out of range [1, 1000]" --versions 0 customers
bad "--version-gap 0" "tide-gen: --version-gap: must be at least 1ms: '0'" --versions 2 --version-gap 0 customers
bad "--machines 0" "tide-gen: --machines: 0 is out of range [1, 10000]" --machines 0 telemetry
bad "unknown option" "tide-gen: unknown option '--bogus'" --bogus transactions
bad "unknown short option" "tide-gen: unknown option '-x'" -x transactions
bad "--versions with transactions" "tide-gen: option '--versions' does not apply to 'transactions'" --versions 2 transactions
bad "--late with customers" "tide-gen: option '--late' does not apply to 'customers'" --late 0.1 customers
bad "--step with customers" "tide-gen: option '--step' does not apply to 'customers'" --step 1s customers
bad "--fraud with customers" "tide-gen: option '--fraud' does not apply to 'customers'" --fraud customers
bad "--fraud with telemetry" "tide-gen: option '--fraud' does not apply to 'telemetry'" --fraud telemetry
bad "--machines with transactions" "tide-gen: option '--machines' does not apply to 'transactions'" --machines 3 transactions
bad "--skew with telemetry" "tide-gen: option '--skew' does not apply to 'telemetry'" --skew 1 telemetry
bad "--accounts with telemetry" "tide-gen: option '--accounts' does not apply to 'telemetry'" --accounts 3 telemetry

t_done
