#!/bin/sh
# --keep, --drop (tide-source, tide-replay, tide-sink) and --print
# (tide-source, tide-replay) on files: the same bytes as jq on tide-gen's
# records, nested paths, renames, missing fields, what passes through,
# and usage errors (issue 20 item 3).  --print against kcat on a topic:
# tests/kafka/print.sh.
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq

cd "$T_DIR" || exit 1

tide-gen --seed 3 --count 2000 transactions >tx.ndjson
tide-gen --seed 7 --count 5 --format csv transactions >tx.csv

# --- --keep and --drop: tide-gen's records, jq as the oracle ----------------

jq -c '{amount: .amount, account: .account}' tx.ndjson >want
t_run "source --keep amount,account" tide-source --keep amount,account tx.ndjson
t_status 0
t_stdout_file want
t_run "source --keep given twice adds to the list" tide-source --keep amount \
	--keep account tx.ndjson
t_status 0
t_stdout_file want

jq -c '{ts, acct: .account, amount}' tx.ndjson >want
t_run "source --keep with 'as'" tide-source --keep 'ts, account as acct ,amount' tx.ndjson
t_status 0
t_stdout_file want

jq -c 'del(.merchant, .card_present)' tx.ndjson >want
t_run "source --drop merchant,card_present" tide-source --drop \
	merchant,card_present tx.ndjson
t_status 0
t_stdout_file want

jq -c '{country, ts}' tx.ndjson >want
T_IN=tx.ndjson
t_run "source --keep, standard input" tide-source --keep country,ts -
t_status 0
t_stdout_file want
T_IN=/dev/null

t_run "source --keep on CSV" tide-source --keep 'amount as a,account' tx.csv
t_status 0
t_stdout <<'EOF'
{"a":19.63,"account":"a000265"}
{"a":48.59,"account":"a000000"}
{"a":11.22,"account":"a000784"}
{"a":6.52,"account":"a000004"}
{"a":5.91,"account":"a000338"}
EOF

# Nested paths: the last segment names the output; drops reach inside.
cat >nested.ndjson <<'EOF'
{"ts":1,"card":{"bin":"4111","cc":"DE","x":{"y":1}},"a.b":[1,{"c":2}],"n":null}
{"ts":2,"card":"plain","a.b":3}
{"ts":3}
EOF
jq -c '(.card | if type == "object" then {bin, y: .x.y} else {} end) + {ts} |
	with_entries(select(.value != null))' \
	nested.ndjson >want
t_run "source --keep nested paths" tide-source --keep card.bin,card.x.y,ts nested.ndjson
t_status 0
t_stdout_file want
t_run "source --keep: missing fields left out, null kept" tide-source \
	--keep 'n,"a.b" as ab,nope' nested.ndjson
t_status 0
t_stdout <<'EOF'
{"n":null,"ab":[1,{"c":2}]}
{"ab":3}
{}
EOF
jq -c 'if .card | type == "object" then del(.card.bin, .card.x.y) else . end' \
	nested.ndjson >want
t_run "source --drop nested paths" tide-source --drop card.bin,card.x.y nested.ndjson
t_status 0
t_stdout_file want
jq -c 'del(."a.b", .n)' nested.ndjson >want
t_run "source --drop a quoted segment" tide-source --drop '"a.b",n' nested.ndjson
t_status 0
t_stdout_file want

# A barrier line passes through untouched.
printf '%s\n' '{"@barrier":{"seq":1,"offsets":[]}}' '{"a":1,"b":2}' >bar.ndjson
t_run "source --keep passes a barrier" tide-source --keep b bar.ndjson
t_status 0
t_stdout <<'EOF'
{"@barrier":{"seq":1,"offsets":[]}}
{"b":2}
EOF

# --- tide-replay: plain archives and envelopes -------------------------------

jq -c '{ts, amount}' tx.ndjson >want
t_run "replay --time ts --keep ts,amount" tide-replay --speed max --time ts \
	--keep ts,amount tx.ndjson
t_status 0
t_stdout_file want

envl() { # partition offset ts key value
	printf '{"topic":"tx","partition":%s,"offset":%s,"ts":%s,"ts_type":"create","key":%s,"headers":[["h","v"]],"value":%s}\n' "$@"
}
{
	envl 0 0 1000 '"k1"' '{"n":"a","amount":1.5}'
	envl 1 0 2000 null '"text"'
	envl 0 1 3000 '"k3"' '{"n":"c","amount":3}'
} >dump.ndjson
t_run "replay --drop on values; a string value passes" tide-replay --speed max \
	--drop n dump.ndjson
t_status 0
t_stdout <<'EOF'
{"amount":1.5}
"text"
{"amount":3}
EOF
jq -c '{offset} + (if .value | type == "object" then {amt: .value.amount}
	else {} end) + {key}' dump.ndjson >want
t_run "replay -J --keep: fields of the envelope" tide-replay --speed max -J \
	--keep 'offset,value.amount as amt,key' dump.ndjson
t_status 0
t_stdout_file want
jq -c 'del(.headers, .ts_type) |
	if .value | type == "object" then del(.value.n) else . end' dump.ndjson >want
t_run "replay -J --drop" tide-replay --speed max -J \
	--drop 'headers,ts_type,value.n' dump.ndjson
t_status 0
t_stdout_file want

# --- tide-sink: projected before it is written ----------------------------

jq -c '{account, amt: .amount}' tx.ndjson >want
T_IN=tx.ndjson
t_run "sink -o - --keep" tide-sink -o - --keep 'account,amount as amt'
t_status 0
t_stdout_file want
jq -c 'del(.ts)' tx.ndjson >want
t_run "sink -o file --drop" tide-sink -o out.ndjson --drop ts
t_status 0
t_ok "sink -o file --drop: the file as jq" cmp want out.ndjson
jq -r '[.account, .amount] | @csv' tx.ndjson | tr -d '"' >want.csv
t_run "sink --format csv --keep: the columns in --keep's order" tide-sink \
	-o out.csv --format csv --keep account,amount
t_status 0
t_ok "sink --format csv --keep: header and rows" sh -c \
	'{ echo account,amount; cat want.csv; } | cmp - out.csv'
T_IN=/dev/null

# --- --print on files ----------------------------------------------------

jq -r '"\(.account) \(.amount) \(.card_present)"' tx.ndjson >want
t_run "source --print fields" tide-source --print '%{account} %{amount} %{card_present}\n' tx.ndjson
t_status 0
t_stdout_file want
awk '{ print length($0) "|" $0 }' tx.ndjson >want
t_run "source --print %S|%s" tide-source --print '%S|%s\n' tx.ndjson
t_status 0
t_stdout_file want
t_run "source --print: a file's record has no metadata" tide-source -c 1 \
	--print '[%t][%p][%o][%k][%K][%T][%I][%h] 100%%\t\\\x41\n' tx.ndjson
t_status 0
t_stdout <<'EOF'
[][-1][-1][][-1][-1][][] 100%	\A
EOF
t_run "source --print without a newline" tide-source -c 3 --print '%{ts},' tx.ndjson
t_status 0
printf '1793491200000,1793491200010,1793491200020,' >want
t_stdout_file want
jq -r '"\(.ts) \(.ts / 1000 | strftime("%Y-%m-%dT%H:%M:%S")).\(.ts % 1000 | tostring | ("00" + .)[-3:])Z \(.account)"' \
	tx.ndjson >want
t_run "replay --time --print: %T and %I are the event time" tide-replay \
	--speed max --time ts --print '%T %I %{account}\n' tx.ndjson
t_status 0
t_stdout_file want
t_run "replay --print on envelopes" tide-replay --speed max \
	--print '%t %p %o %T %I %k|%K %h %S %{n}: %s\n' dump.ndjson
t_status 0
t_stdout <<'EOF'
tx 0 0 1000 1970-01-01T00:00:01.000Z k1|2 h=v 22 a: {"n":"a","amount":1.5}
tx 1 0 2000 1970-01-01T00:00:02.000Z |-1 h=v 4 : text
tx 0 1 3000 1970-01-01T00:00:03.000Z k3|2 h=v 20 c: {"n":"c","amount":3}
EOF
t_run "replay --print: --loop --shift-time moves %T" tide-replay --speed max \
	--loop 2 --shift-time --print '%T ' dump.ndjson
t_status 0
printf '1000 2000 3000 3001 4001 5001 ' >want
t_stdout_file want

# --- usage errors -----------------------------------------------------------

bad() { # name message args...
	_name=$1 _msg=$2
	shift 2
	t_run "$_name" "$@"
	t_status 64
	t_stderr_has "$_msg"
	if [ -s "$T_OUT" ]; then t_fail "$_name: stdout not empty"; else t_pass "$_name: no output"; fi
}
bad "--keep ''" "tide-source: --keep: empty list" tide-source --keep '' tx.ndjson
bad "--keep ' '" "tide-source: --keep: empty list" tide-source --keep ' ' tx.ndjson
bad "--keep a,,b" "tide-source: --keep: empty field in 'a,,b'" tide-source --keep a,,b tx.ndjson
bad "--keep a," "tide-source: --keep: empty field in 'a,'" tide-source --keep a, tx.ndjson
bad "--keep a..b" "tide-source: --keep: bad field path 'a..b'" tide-source --keep a..b tx.ndjson
bad "--keep unclosed quote" "tide-source: --keep: bad field path '\"a.b'" tide-source --keep '"a.b' tx.ndjson
bad "--keep 'a as'" "tide-source: --keep: 'as' needs a name in 'a as'" tide-source --keep 'a as' tx.ndjson
bad "--keep ts,ts" "tide-source: --keep: two fields named 'ts' (rename one with 'as')" \
	tide-source --keep ts,ts tx.ndjson
bad "--keep card.bin,bin" "tide-replay: --keep: two fields named 'bin' (rename one with 'as')" \
	tide-replay --keep card.bin,bin dump.ndjson
bad "--keep a --keep 'b as a'" "tide-sink: --keep: two fields named 'a' (rename one with 'as')" \
	tide-sink -o - --keep a --keep 'b as a'
bad "--drop 'a as b'" "tide-source: --drop: 'as' goes with --keep, not --drop: 'a as b'" \
	tide-source --drop 'a as b' tx.ndjson
bad "--drop a,a" "tide-sink: --drop: 'a' given twice" tide-sink -o - --drop a,a
bad "--keep with --drop" "tide-source: --drop: --keep and --drop exclude each other" \
	tide-source --keep a --drop b tx.ndjson
bad "--drop with --keep" "tide-replay: --keep: --keep and --drop exclude each other" \
	tide-replay --drop a --keep b dump.ndjson
bad "--print %q" "tide-source: --print: unknown directive '%q' at column 4" \
	tide-source --print 'ab %q' tx.ndjson
bad "--print %R" "tide-replay: --print: unknown directive '%R' at column 1" \
	tide-replay --print '%R' dump.ndjson
bad "--print ending in %" "tide-source: --print: '%' at the end: '%%' writes a percent sign" \
	tide-source --print 'x%' tx.ndjson
bad "--print unclosed %{" "tide-source: --print: unclosed '%{' at column 2" \
	tide-source --print 'x%{amount\n' tx.ndjson
bad "--print %{}" "tide-replay: --print: empty '%{}' at column 1" \
	tide-replay --print '%{}' dump.ndjson
bad "--print %{a..b}" "tide-source: --print: bad field path 'a..b' at column 1" \
	tide-source --print '%{a..b}' tx.ndjson
bad "--print with -J" "tide-replay: --print replaces the output: not with -J, --keep or --drop (name fields in it: %{field})" \
	tide-replay -J --print '%s' dump.ndjson
bad "--print with --keep" "tide-source: --print replaces the output: not with -J, --keep or --drop (name fields in it: %{field})" \
	tide-source --keep a --print '%s' tx.ndjson
bad "--print with --drop" "tide-replay: --print replaces the output: not with -J, --keep or --drop (name fields in it: %{field})" \
	tide-replay --drop a --print '%s' dump.ndjson
bad "tide-sink has no --print" "tide-sink: unknown option '--print'" \
	tide-sink -o - --print '%s'

t_done
