#!/bin/sh
# tide-source --print and tide-replay --print against kcat -f on the same
# topic, byte for byte, for the directives they share (%t %p %o %k %K %s
# %S %T %h, %%, escapes): messages with and without keys, headers (a null
# and an empty value among them), null and non-JSON values, and 2000 of
# tide-gen's records; tide's own %I and %{field} against jq over -J
# (issue 20 item 3).
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
t_skip_unless jq

cd "$T_DIR" || exit 1
mock_start -t pr:3 -t prbig:2
TIDE_BROKERS=$BROKERS
export TIDE_BROKERS

envl() { # partition ts key headers value
	printf '{"topic":"pr","partition":%s,"offset":0,"ts":%s,"ts_type":"create","key":%s,"headers":%s,"value":%s}\n' "$@"
}
{
	envl 0 1793491200000 '"k1"' '[["h","v"],["h2",""]]' '{"amount":1.5,"who":"a\u00e9"}'
	envl 1 1793491200001 null '[]' '"plain text"'
	envl 2 1793491200002 '""' '[["n",null]]' null
	envl 0 1793491200003 '"k4"' '[["a","1"],["a","2"]]' '[1,2]'
	envl 1 1793491200004 '"k5"' '[]' '{"amount":-3,"nested":{"x":true}}'
	envl 2 1793491200005 '"tab\tkey"' '[]' '""'
} >small.ndjson
T_IN=small.ndjson
t_run "produce the small topic" timeout 30 tide-sink -t pr -J --keep-partition
t_status 0
tide-gen --seed 5 --count 2000 transactions >tx.ndjson
T_IN=tx.ndjson
t_run "produce 2000 records" timeout 30 tide-sink -t prbig --key account --timestamp ts
t_status 0
T_IN=/dev/null

# FORMAT TOPIC: kcat's and tide-source's output, each sorted (the
# partitions interleave as each client reads them).
same() {
	_f=$1 _t=$2
	timeout 20 kcat -C -b "$BROKERS" -t "$_t" -e -q -f "$_f" >kcat.out
	t_run "$_t: tide-source --print '$_f'" timeout 20 tide-source -t "$_t" -e --print "$_f"
	t_status 0
	if [ ! -s kcat.out ]; then t_fail "$_t '$_f': kcat wrote nothing"; return; fi
	sort kcat.out >want
	sort "$T_OUT" >got
	t_ok "$_t '$_f': the bytes kcat writes" cmp want got
}
same '%t|%p|%o|%k|%K|%S|%T|%h|%s\n' pr
same '%t|%p|%o|%k|%K|%S|%T|%h|%s\n' prbig
same 'key=%k\ttopic=%t 100%% \\ [%p] @%o\n' pr
same '%s\n' prbig
same '%K %S %T\n' prbig

# The exact lines, so that a change both would make cannot pass.
t_run "pr: partition 2 as printed" timeout 20 tide-source -t pr -p 2 -e \
	--print '%p:%o key[%K]=%k value[%S]=%s headers=%h\n'
t_status 0
t_stdout <<'EOF'
2:0 key[0]= value[-1]= headers=n=NULL
2:1 key[7]=tab	key value[0]= headers=
EOF

# %I and %{field}: tide's own, against jq over the envelopes.
timeout 20 tide-source -t prbig -e -J >env.ndjson
jq -r '"\(.partition)/\(.offset) \(.ts / 1000 | strftime("%Y-%m-%dT%H:%M:%S")).\(.ts % 1000 | tostring | ("00" + .)[-3:])Z \(.value.account) \(.value.amount) \(.value.card_present)"' \
	env.ndjson | sort >want
t_run "prbig: %I and %{field}" timeout 20 tide-source -t prbig -e \
	--print '%p/%o %I %{account} %{amount} %{card_present}\n'
t_status 0
sort "$T_OUT" >got
t_ok "prbig: %I and %{field} as jq writes them" cmp want got
t_run "pr: %{field} of values that are not objects" timeout 20 tide-source \
	-t pr -p 0,1 -e --print '%p:%o [%{amount}] [%{who}] [%{nested.x}]\n'
t_status 0
sort "$T_OUT" >got
t_ok "pr: strings unescaped, missing fields empty" sh -c "printf '%s\n' \
	'0:0 [1.5] [aé] []' '0:1 [] [] []' '1:0 [] [] []' '1:1 [-3] [] [true]' | cmp - got"

# tide-replay reads the same messages, in timestamp order.
timeout 20 kcat -C -b "$BROKERS" -t prbig -e -q -f '%T %p %o %k %h %s\n' | sort -n -s -k1,1 -k2,2 -k3,3 >want
t_run "prbig: tide-replay --print" timeout 30 tide-replay -t prbig --speed max \
	--print '%T %p %o %k %h %s\n'
t_status 0
t_stdout_file want

# The same usage errors as on files.
t_run "topic: --print %x" tide-source -t pr -e --print '%x'
t_status 64
t_stderr_has "tide-source: --print: unknown directive '%x' at column 1"
t_run "topic: --print with -J" tide-source -t pr -e -J --print '%s'
t_status 64
t_stderr_has "tide-source: --print replaces the output: not with -J, --keep or --drop"

# --keep and -J on a topic: fields of the envelope, as jq.
jq -c '{partition, offset, acct: .value.account}' env.ndjson | sort >want
t_run "prbig: -J --keep" timeout 20 tide-source -t prbig -e -J \
	--keep 'partition,offset,value.account as acct'
t_status 0
sort "$T_OUT" >got
t_ok "prbig: -J --keep as jq" cmp want got
jq -c 'del(.merchant, .ts)' tx.ndjson | sort >want
t_run "prbig: --drop on values" timeout 20 tide-source -t prbig -e --drop merchant,ts
t_status 0
sort "$T_OUT" >got
t_ok "prbig: --drop as jq" cmp want got

t_done
