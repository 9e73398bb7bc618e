#!/bin/sh
# tide-join: exact output for small tables (CSV and NDJSON; inner, left,
# anti, multi-key, as-of), results against sqlite3 on tide-gen data, bad
# input and bad table rows, SIGHUP and --watch reloads, usage errors, and
# the man page's EXAMPLES.
. "$(dirname "$0")/../lib.sh"
t_skip_unless sqlite3

D=$T_DIR
cat >"$D/cust.csv" <<'EOF'
account,risk_score,segment,credit_limit
a1,0.12,retail,5000
a2,0.87,gold,20000
a3,0.5,,1000
007,0.9,"odd, quoted",100
EOF
cat >"$D/cust.ndjson" <<'EOF'
{"account":"a1","risk_score":0.12,"segment":"retail","credit_limit":5000}
{"account":"a2","risk_score":0.87,"segment":"gold","credit_limit":20000}
{"account":"a3","risk_score":0.5,"segment":null,"credit_limit":1000}
{"account":"007","risk_score":0.9,"segment":"odd, quoted","credit_limit":100}
EOF
cat >"$D/tx.ndjson" <<'EOF'
{"ts":1,"account":"a1","amount":10}
{"ts":2,"account":"a9","amount":5}
{"ts":3, "account" : "a2" ,"amount":7.5 }
{"ts":4,"account":"007"}
{"ts":5,"account":7}
{}
EOF

# --- fields the table lacks (issue 19 items 2 and 3) --------------------------
# A key or --select field a CSV table's header lacks is a usage error at
# start, before any row is read; an NDJSON table has no header: a --select
# field its first row lacks is said once.  A table with rows and none good
# is an error of its own (65).
U=$(tide-join -h | head -1)
T_IN=$D/tx.ndjson
t_run "csv table without the key column: usage error" tide-join -T "$D/cust.csv" --on account=acct
t_status 64
t_stdout </dev/null
t_stderr "tide-join: table '$D/cust.csv' has no column 'acct' for the key: its header is account,risk_score,segment,credit_limit" "$U"
t_run "csv table without a --select column: usage error" tide-join -T "$D/cust.csv" --on account --select segment,tier
t_status 64
t_stdout </dev/null
t_stderr "tide-join: table '$D/cust.csv' has no column 'tier' for --select: its header is account,risk_score,segment,credit_limit" "$U"
t_run "csv table, a nested --select path: no such column" tide-join -T "$D/cust.csv" --on account --select segment.x
t_status 64
t_stderr_has "has no column 'segment.x' for --select"
printf 'account,segment\n' >"$D/hdronly.csv"
t_run "csv table of a header only: checked too" tide-join -T "$D/hdronly.csv" --on account --select tier
t_status 64
t_stderr_has "tide-join: table '$D/hdronly.csv' has no column 'tier' for --select: its header is account,segment"
t_run "csv table of a header only, fields there: no rows, no error" tide-join -T "$D/hdronly.csv" --on account --select segment --left
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"segment":null}
{"ts":2,"account":"a9","amount":5,"segment":null}
{"ts":3, "account" : "a2" ,"amount":7.5,"segment":null}
{"ts":4,"account":"007","segment":null}
{"ts":5,"account":7,"segment":null}
{"segment":null}
EOF
t_run "ndjson table without a --select field: said once, joined as null" tide-join -T "$D/cust.ndjson" --on account --select segment,tier
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"segment":"retail","tier":null}
{"ts":3, "account" : "a2" ,"amount":7.5,"segment":"gold","tier":null}
{"ts":4,"account":"007","segment":"odd, quoted","tier":null}
EOF
t_stderr "tide-join: table '$D/cust.ndjson': its first row has no field 'tier' (--select): rows without it join as null" "tide-join: line 6: key field 'account' is missing" "tide-join: 1 bad record skipped"
t_run "ndjson table without the key field: no good rows, 65" tide-join -T "$D/cust.ndjson" --on account=acct
t_status 65
t_stdout </dev/null
t_stderr "tide-join: $D/cust.ndjson: line 1: key field 'acct' is missing" "tide-join: $D/cust.ndjson: line 2: key field 'acct' is missing" "tide-join: $D/cust.ndjson: line 3: key field 'acct' is missing" "tide-join: $D/cust.ndjson: line 4: key field 'acct' is missing" "tide-join: table '$D/cust.ndjson': no good rows (4 bad)"
t_run "a table from stdin: not read twice, so not checked first" sh -c "tide-join -T - --on account=acct --select tier '$D/tx.ndjson' <'$D/cust.ndjson'"
t_status 65
t_stderr_has "tide-join: table '-': no good rows (4 bad)"
# The stream's records: all bad is 65; a table's bad rows are not counted.
printf '{"account":"a1"\n' >"$D/streambad"
T_IN=$D/streambad
t_run "every stream record bad: 65" tide-join -T "$D/cust.csv" --on account
t_status 65
t_stderr "tide-join: line 1: not valid JSON: unexpected end of document at byte 15" "tide-join: 1 bad record skipped" "tide-join: no good records: 1 bad"
T_IN=$D/tx.ndjson

# --- exact output: plain joins ------------------------------------------------

T_IN=$D/tx.ndjson
t_run "inner join, csv table" tide-join -T "$D/cust.csv" --on account
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"risk_score":0.12,"segment":"retail","credit_limit":5000}
{"ts":3, "account" : "a2" ,"amount":7.5,"risk_score":0.87,"segment":"gold","credit_limit":20000}
{"ts":4,"account":"007","risk_score":0.9,"segment":"odd, quoted","credit_limit":100}
EOF
t_stderr_has "line 6: key field 'account' is missing"

t_run "inner join, ndjson table gives the same" tide-join -T "$D/cust.ndjson" --on account
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"risk_score":0.12,"segment":"retail","credit_limit":5000}
{"ts":3, "account" : "a2" ,"amount":7.5,"risk_score":0.87,"segment":"gold","credit_limit":20000}
{"ts":4,"account":"007","risk_score":0.9,"segment":"odd, quoted","credit_limit":100}
EOF

t_run "left join with --select, --prefix, --default, --miss-field" \
	tide-join -T "$D/cust.csv" --on account --left --select segment,risk_score \
	--prefix c_ --default segment=unknown --default risk_score=0.5 --miss-field why
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"c_segment":"retail","c_risk_score":0.12,"why":null}
{"ts":2,"account":"a9","amount":5,"c_segment":"unknown","c_risk_score":0.5,"why":"no_match"}
{"ts":3, "account" : "a2" ,"amount":7.5,"c_segment":"gold","c_risk_score":0.87,"why":null}
{"ts":4,"account":"007","c_segment":"odd, quoted","c_risk_score":0.9,"why":null}
{"ts":5,"account":7,"c_segment":"unknown","c_risk_score":0.5,"why":"no_match"}
{"c_segment":"unknown","c_risk_score":0.5,"why":"no_key"}
EOF
t_stderr_empty

t_run "left join, an empty csv cell is null" tide-join -T "$D/cust.csv" --on account --left --select segment
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"segment":"retail"}
{"ts":2,"account":"a9","amount":5,"segment":null}
{"ts":3, "account" : "a2" ,"amount":7.5,"segment":"gold"}
{"ts":4,"account":"007","segment":"odd, quoted"}
{"ts":5,"account":7,"segment":null}
{"segment":null}
EOF

t_run "anti join keeps the record's bytes" tide-join -T "$D/cust.csv" --on account --anti
t_status 0
t_stdout <<'EOF'
{"ts":2,"account":"a9","amount":5}
{"ts":5,"account":7}
EOF

# Keys compare as text: the string "42" and the number 42 (or 42.0) meet;
# "007" and 7 do not.
cat >"$D/num.ndjson" <<'EOF'
{"id":42,"name":"forty-two"}
{"id":"x\"y","name":"quote"}
{"id":true,"name":"yes"}
EOF
printf '%s\n' '{"k":"42"}' '{"k":42.0}' '{"k":4.2e1}' '{"k":"x\u0022y"}' '{"k":true}' '{"k":"true"}' '{"k":43}' >"$D/nums"
T_IN=$D/nums
t_run "keys compare by their text" tide-join -T "$D/num.ndjson" --on k=id
t_status 0
t_stdout <<'EOF'
{"k":"42","name":"forty-two"}
{"k":42.0,"name":"forty-two"}
{"k":4.2e1,"name":"forty-two"}
{"k":"x\u0022y","name":"quote"}
{"k":true,"name":"yes"}
{"k":"true","name":"yes"}
EOF

# One key rule in every program (tide(7), KEYS; issue 18 item 11): a CSV
# table's number cells meet numbers and strings that hold the same number,
# in any notation, exactly past 2^53; tide-window groups the same records
# under the same keys.
cat >"$D/ids.csv" <<'EOF'
id,name
1,one
9007199254740993,big
100000000000000000000,huge
1.5,half
007,bond
EOF
printf '%s\n' '{"k":1}' '{"k":"1"}' '{"k":1.0}' '{"k":1e0}' '{"k":10e-1}' \
	'{"k":"1.0"}' '{"k":"01"}' '{"k":9007199254740993.0}' \
	'{"k":"9007199254740993"}' '{"k":9007199254740992}' '{"k":1e20}' \
	'{"k":"1E+20"}' '{"k":15e-1}' '{"k":"1.50"}' '{"k":"007"}' '{"k":7}' \
	'{"k":"+1"}' >"$D/ids.in"
T_IN=$D/ids.in
t_run "numeric keys in any notation meet a CSV table's" tide-join -T "$D/ids.csv" \
	--on k=id --left --select name
t_status 0
t_stdout <<'EOF'
{"k":1,"name":"one"}
{"k":"1","name":"one"}
{"k":1.0,"name":"one"}
{"k":1e0,"name":"one"}
{"k":10e-1,"name":"one"}
{"k":"1.0","name":"one"}
{"k":"01","name":null}
{"k":9007199254740993.0,"name":"big"}
{"k":"9007199254740993","name":"big"}
{"k":9007199254740992,"name":null}
{"k":1e20,"name":"huge"}
{"k":"1E+20","name":"huge"}
{"k":15e-1,"name":"half"}
{"k":"1.50","name":"half"}
{"k":"007","name":"bond"}
{"k":7,"name":null}
{"k":"+1","name":null}
EOF
t_run "numeric keys: tide-window groups the same records by the same keys" sh -c \
	"sed 's/^{/{\"ts\":0,/' | tide-window -k k -a count --tumble 1h"
t_status 0
t_stdout <<'EOF'
{"window_start":0,"window_end":3600000,"k":"+1","count":1}
{"window_start":0,"window_end":3600000,"k":"007","count":1}
{"window_start":0,"window_end":3600000,"k":"01","count":1}
{"window_start":0,"window_end":3600000,"k":1,"count":6}
{"window_start":0,"window_end":3600000,"k":1.5,"count":2}
{"window_start":0,"window_end":3600000,"k":100000000000000000000,"count":2}
{"window_start":0,"window_end":3600000,"k":7,"count":1}
{"window_start":0,"window_end":3600000,"k":9007199254740992,"count":1}
{"window_start":0,"window_end":3600000,"k":9007199254740993,"count":2}
EOF

# Multi-key, with a differently named table field and nested stream field.
cat >"$D/limits.csv" <<'EOF'
acct,country,limit
a1,US,100
a1,GB,200
a2,US,300
EOF
printf '%s\n' '{"a":{"id":"a1"},"country":"GB"}' '{"a":{"id":"a1"},"country":"FR"}' '{"a":{"id":"a2"},"country":"US"}' '{"a":{"id":"a2"}}' >"$D/mk"
T_IN=$D/mk
t_run "multi-key left join" tide-join -T "$D/limits.csv" --on a.id=acct,country --left --miss-field m
t_status 0
t_stdout <<'EOF'
{"a":{"id":"a1"},"country":"GB","limit":200,"m":null}
{"a":{"id":"a1"},"country":"FR","limit":null,"m":"no_match"}
{"a":{"id":"a2"},"country":"US","limit":300,"m":null}
{"a":{"id":"a2"},"limit":null,"m":"no_key"}
EOF

# A later table row with the same key replaces the earlier one.
printf 'account,v\na1,1\na1,2\n' >"$D/dup.csv"
T_IN=$D/tx.ndjson
t_run "last table row per key wins" tide-join -T "$D/dup.csv" --on account
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"v":2}
EOF

# Collisions: an error per record, or --overwrite replaces the stream's field.
printf '%s\n' '{"account":"a1","segment":"mine","n":1}' '{"account":"a2","n":2}' >"$D/coll"
T_IN=$D/coll
t_run "field collision is a bad record" tide-join -T "$D/cust.csv" --on account --select segment
t_status 0
t_stdout <<'EOF'
{"account":"a2","n":2,"segment":"gold"}
EOF
t_stderr_has "line 1: field 'segment' is also a table field (--overwrite replaces it)"

t_run "--overwrite replaces the stream's field" tide-join -T "$D/cust.csv" --on account --select segment --overwrite
t_status 0
t_stdout <<'EOF'
{"account":"a1","n":1,"segment":"retail"}
{"account":"a2","n":2,"segment":"gold"}
EOF

t_run "--strict stops at a collision" tide-join -T "$D/cust.csv" --on account --select segment --strict
t_status 65
t_stdout </dev/null

# --- as-of joins ---------------------------------------------------------------

cat >"$D/hist.csv" <<'EOF'
account,valid_from,risk_score
a1,2026-11-01T00:00:00Z,0.1
a1,2026-11-03T00:00:00Z,0.3
a1,2026-11-02T00:00:00Z,0.2
a2,1793491200000,0.7
EOF
cat >"$D/ev" <<'EOF'
{"ts":"2026-10-31T23:59:59.999Z","account":"a1"}
{"ts":"2026-11-01T00:00:00Z","account":"a1"}
{"ts":"2026-11-02T11:00:00Z","account":"a1"}
{"ts":"2026-11-02T13:00:00Z","account":"a1"}
{"ts":1793577600,"account":"a1"}
{"ts":1793491200000,"account":"a2"}
{"ts":"2026-11-09T00:00:00Z","account":"a3"}
EOF
T_IN=$D/ev
t_run "as-of backward" tide-join -T "$D/hist.csv" --on account --as-of ts \
	--table-time valid_from --left --miss-field why
t_status 0
t_stdout <<'EOF'
{"ts":"2026-10-31T23:59:59.999Z","account":"a1","valid_from":null,"risk_score":null,"why":"before_first_version"}
{"ts":"2026-11-01T00:00:00Z","account":"a1","valid_from":"2026-11-01T00:00:00Z","risk_score":0.1,"why":null}
{"ts":"2026-11-02T11:00:00Z","account":"a1","valid_from":"2026-11-02T00:00:00Z","risk_score":0.2,"why":null}
{"ts":"2026-11-02T13:00:00Z","account":"a1","valid_from":"2026-11-02T00:00:00Z","risk_score":0.2,"why":null}
{"ts":1793577600,"account":"a1","valid_from":"2026-11-02T00:00:00Z","risk_score":0.2,"why":null}
{"ts":1793491200000,"account":"a2","valid_from":1793491200000,"risk_score":0.7,"why":null}
{"ts":"2026-11-09T00:00:00Z","account":"a3","valid_from":null,"risk_score":null,"why":"no_match"}
EOF

t_run "as-of forward" tide-join -T "$D/hist.csv" --on account --as-of ts \
	--table-time valid_from --direction forward --select risk_score
t_status 0
t_stdout <<'EOF'
{"ts":"2026-10-31T23:59:59.999Z","account":"a1","risk_score":0.1}
{"ts":"2026-11-01T00:00:00Z","account":"a1","risk_score":0.1}
{"ts":"2026-11-02T11:00:00Z","account":"a1","risk_score":0.3}
{"ts":"2026-11-02T13:00:00Z","account":"a1","risk_score":0.3}
{"ts":1793577600,"account":"a1","risk_score":0.2}
{"ts":1793491200000,"account":"a2","risk_score":0.7}
EOF

t_run "as-of nearest within a tolerance" tide-join -T "$D/hist.csv" --on account --as-of ts \
	--table-time valid_from --direction nearest --tolerance 12h --select risk_score \
	--left --miss-field why
t_status 0
t_stdout <<'EOF'
{"ts":"2026-10-31T23:59:59.999Z","account":"a1","risk_score":0.1,"why":null}
{"ts":"2026-11-01T00:00:00Z","account":"a1","risk_score":0.1,"why":null}
{"ts":"2026-11-02T11:00:00Z","account":"a1","risk_score":0.2,"why":null}
{"ts":"2026-11-02T13:00:00Z","account":"a1","risk_score":0.3,"why":null}
{"ts":1793577600,"account":"a1","risk_score":0.2,"why":null}
{"ts":1793491200000,"account":"a2","risk_score":0.7,"why":null}
{"ts":"2026-11-09T00:00:00Z","account":"a3","risk_score":null,"why":"no_match"}
EOF

printf '%s\n' '{"account":"a1"}' '{"ts":"soon","account":"a1"}' '{"ts":null,"account":"a1"}' '{"ts":"2026-11-05T00:00:00Z","account":"a1"}' >"$D/badev"
T_IN=$D/badev
t_run "as-of: records without a usable time are bad" tide-join -T "$D/hist.csv" \
	--on account --as-of ts --table-time valid_from --select risk_score --left
t_status 0
t_stdout <<'EOF'
{"ts":"2026-11-05T00:00:00Z","account":"a1","risk_score":0.3}
EOF
t_stderr_has "line 1: time field 'ts' is missing"
t_stderr_has "line 2: field 'ts' is not a time: \"soon\""
t_stderr_has "line 3: time field 'ts' is missing"

# --- bad input -------------------------------------------------------------------

printf '%s\n' 'not json' '[1,2]' '"a1"' '{"account":null}' '{"account":{"id":1}}' \
	'{"account":["a1"]}' '{"account":"a1","x":1' '{"account":"a1"}' >"$D/bad"
printf '{"account":"a1","pad":"%0100d"}\n' 0 >>"$D/bad"
T_IN=$D/bad
t_run "bad records are reported, counted and skipped" tide-join -T "$D/cust.csv" \
	--on account --select risk_score --max-record 64 --dead-letter "$D/dead"
t_status 0
t_stdout <<'EOF'
{"account":"a1","risk_score":0.12}
EOF
t_stderr_has "line 1: not valid JSON: bad literal at byte 0"
t_stderr_has "line 2: not a JSON object"
t_stderr_has "line 3: not a JSON object"
t_stderr_has "line 4: key field 'account' is null"
t_stderr_has "line 7: not valid JSON: unexpected end of document at byte 21"
t_stderr_has "line 9: record longer than 64 bytes"
t_stderr_has "6 bad records skipped"
t_ok "dead-letter file holds the 6 bad records" test "$(wc -l <"$D/dead")" -eq 6
t_ok "dead-letter line keeps the raw record and reason" grep -qF \
	'{"source":"-","line":4,"error":"key field '"'"'account'"'"' is null","raw":"{\"account\":null}"}' "$D/dead"

# JSON error offsets count from 0 and are worded alike ("at byte"), in
# tide-join, tide-window, tide-sink and tide-source.
printf '{"account":"a1","x":1\n' >"$D/trunc"
t_run "JSON error offsets are 0-based, as tide-window's" sh -c \
	"tide-join -T '$D/cust.csv' --on account <'$D/trunc' 2>&1 >/dev/null | sed 's/^tide-join: //'; \
	tide-window -k account -a count --tumble 1s <'$D/trunc' 2>&1 >/dev/null | sed -n 's/^tide-window: //p' | head -1"
t_status 0
t_stdout <<'EOF'
line 1: not valid JSON: unexpected end of document at byte 21
1 bad record skipped
no good records: 1 bad
line 1: not valid JSON: unexpected end of document at byte 21
EOF

# Object and array keys are keys, by their JSON text as written, as in
# tide-window: {"id":1} and { "id": 1 } are two keys.
cat >"$D/okeys.ndjson" <<'EOF'
{"k":{"id":1},"v":"one"}
{"k":[1,2],"v":"pair"}
{"k":"{\"id\":2}","v":"text"}
EOF
printf '%s\n' '{"k":{"id":1},"n":1}' '{"k":{ "id": 1 },"n":2}' '{"k":[1,2],"n":3}' \
	'{"k":{"id":2},"n":4}' '{"k":{"id":9},"n":5}' '{"k":[],"n":6}' >"$D/okeys.in"
T_IN=$D/okeys.in
t_run "object and array keys join by their JSON text" tide-join -T "$D/okeys.ndjson" \
	--on k --left --miss-field why
t_status 0
t_stdout <<'EOF'
{"k":{"id":1},"n":1,"v":"one","why":null}
{"k":{ "id": 1 },"n":2,"v":null,"why":"no_match"}
{"k":[1,2],"n":3,"v":"pair","why":null}
{"k":{"id":2},"n":4,"v":"text","why":null}
{"k":{"id":9},"n":5,"v":null,"why":"no_match"}
{"k":[],"n":6,"v":null,"why":"no_match"}
EOF
t_stderr_empty
t_run "object keys: tide-window groups the same records by the same keys" sh -c \
	"tide-window -k k -a count --tumble 1h --time n --time-unit s | sort"
t_status 0
t_stdout <<'EOF'
{"window_start":0,"window_end":3600000,"k":[1,2],"count":1}
{"window_start":0,"window_end":3600000,"k":[],"count":1}
{"window_start":0,"window_end":3600000,"k":{ "id": 1 },"count":1}
{"window_start":0,"window_end":3600000,"k":{"id":1},"count":1}
{"window_start":0,"window_end":3600000,"k":{"id":2},"count":1}
{"window_start":0,"window_end":3600000,"k":{"id":9},"count":1}
EOF
T_IN=$D/bad

t_run "--strict: the first bad record exits 65" tide-join -T "$D/cust.csv" --on account --strict
t_status 65
t_stderr_has "line 1: not valid JSON"
t_stdout </dev/null

t_run "--anti: a record without a key is bad" tide-join -T "$D/cust.csv" --on account --anti
t_status 0
t_stderr_has "line 4: key field 'account' is null"

# Records are read a few ahead of their join (to prefetch the table): bad
# ones among them still come out in order, and --strict stops after
# exactly the records before the first bad one.
awk 'BEGIN { for (i = 1; i <= 12; i++) printf "{\"account\":\"a%d\",\"n\":%d}\n", i % 3 + 1, i
	print "{\"account\":\"a1\",\"n\":13"
	for (i = 14; i <= 20; i++) printf "{\"account\":\"a2\",\"n\":%d}\n", i }' >"$D/ahead"
T_IN=$D/ahead
t_run "--strict after good records: those before the bad one, then exit 65" \
	tide-join -T "$D/cust.csv" --on account --select segment --strict
t_status 65
t_stderr_has "line 13: not valid JSON: unexpected end of document"
t_stdout <<'EOF'
{"account":"a2","n":1,"segment":"gold"}
{"account":"a3","n":2,"segment":null}
{"account":"a1","n":3,"segment":"retail"}
{"account":"a2","n":4,"segment":"gold"}
{"account":"a3","n":5,"segment":null}
{"account":"a1","n":6,"segment":"retail"}
{"account":"a2","n":7,"segment":"gold"}
{"account":"a3","n":8,"segment":null}
{"account":"a1","n":9,"segment":"retail"}
{"account":"a2","n":10,"segment":"gold"}
{"account":"a3","n":11,"segment":null}
{"account":"a1","n":12,"segment":"retail"}
EOF
printf '%s\n' '{"account":"a1","n":1}' '{"account":"a2","n":2,"pad":"0123456789012345678901234567890123456789"}' \
	'{"account":"a9","n":3}' 'nope' '{"n":5}' '{"account":"a3","n":6}' '[7]' \
	'{"account":"a2","n":8}' >"$D/ahead2"
T_IN=$D/ahead2
rm -f "$D/dead2"
t_run "bad records among read-ahead ones: output and dead letters in order" \
	tide-join -T "$D/cust.csv" --on account --select risk_score --left --miss-field why \
	--max-record 60 --dead-letter "$D/dead2"
t_status 0
t_stdout <<'EOF'
{"account":"a1","n":1,"risk_score":0.12,"why":null}
{"account":"a9","n":3,"risk_score":null,"why":"no_match"}
{"n":5,"risk_score":null,"why":"no_key"}
{"account":"a3","n":6,"risk_score":0.5,"why":null}
{"account":"a2","n":8,"risk_score":0.87,"why":null}
EOF
t_ok "dead letters of read-ahead records come in line order" test \
	"$(sed 's/.*"line":\([0-9]*\).*/\1/' "$D/dead2" | tr '\n' ' ')" = "2 4 7 "

# A joined record longer than the output buffer (256 KiB) is written whole.
awk 'BEGIN { s = "x"; while (length(s) < 300000) s = s s
	printf "{\"account\":\"a1\",\"pad\":\"%s\"}\n{\"account\":\"a2\"}\n", s
	printf "{\"account\":\"a1\",\"pad\":\"%s\",\"segment\":\"retail\"}\n", s >"/dev/stderr"
	printf "{\"account\":\"a2\",\"segment\":\"gold\"}\n" >"/dev/stderr" }' \
	>"$D/long" 2>"$D/long.expect"
T_IN=$D/long
t_run "a joined record longer than the output buffer" tide-join -T "$D/cust.csv" \
	--on account --select segment
t_status 0
t_stdout_file "$D/long.expect"

# --- bad tables --------------------------------------------------------------------

cat >"$D/badt.csv" <<'EOF'
account,risk_score
a1,0.1
a2,0.2,extra
,0.3
a4,"0.4"x
a5,0.5
EOF
T_IN=$D/tx.ndjson
t_run "bad table rows are reported with file and line, then skipped" \
	tide-join -T "$D/badt.csv" --on account --anti
t_status 0
t_stdout <<'EOF'
{"ts":2,"account":"a9","amount":5}
{"ts":3, "account" : "a2" ,"amount":7.5 }
{"ts":4,"account":"007"}
{"ts":5,"account":7}
EOF
t_stderr_has "$D/badt.csv: line 3: wrong number of fields"
t_stderr_has "$D/badt.csv: line 4: key field 'account' is null"
t_stderr_has "$D/badt.csv: line 5: bad quoting"

t_run "bad table row under --strict: the load fails" tide-join -T "$D/badt.csv" --on account --strict
t_status 65
t_stderr_has "table '$D/badt.csv': line 3: wrong number of fields"
t_stdout </dev/null

printf '%s\n' '{"account":"a1","v":1}' '{"account":"a2","v":2' '[3]' '{"v":4}' >"$D/badt.ndjson"
t_run "bad ndjson table rows" tide-join -T "$D/badt.ndjson" --on account
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"v":1}
EOF
t_stderr_has "$D/badt.ndjson: line 2: not valid JSON"
t_stderr_has "$D/badt.ndjson: line 3: not a JSON object"
t_stderr_has "$D/badt.ndjson: line 4: key field 'account' is missing"

t_run "missing table file exits 74" tide-join -T "$D/nope.csv" --on account
t_status 74
t_stderr_has "table '$D/nope.csv': No such file or directory"

printf 'a,"b\n1,2\n' >"$D/open.csv"
t_run "broken csv header fails the load" tide-join -T "$D/open.csv" --on a
t_status 65

printf 'account,valid_from\na1,never\n' >"$D/badh.csv"
t_run "as-of table row with a bad time, --strict" tide-join -T "$D/badh.csv" --on account \
	--as-of ts --table-time valid_from --strict
t_status 65
t_stderr_has "line 2: time field 'valid_from' is not a time: \"never\""

# --- zstd tables and inputs ---------------------------------------------------------

if t_have zstd "zstd not installed: zstd tables and inputs"; then
	zstd -q "$D/cust.csv" -o "$D/cust.csv.zst"
	zstd -q "$D/tx.ndjson" -o "$D/tx.zst"
	T_IN=/dev/null
	t_run "zstd csv table, zstd input file" tide-join -T "$D/cust.csv.zst" --on account \
		--select segment "$D/tx.zst"
	t_status 0
	t_stdout <<'EOF'
{"ts":1,"account":"a1","amount":10,"segment":"retail"}
{"ts":3, "account" : "a2" ,"amount":7.5,"segment":"gold"}
{"ts":4,"account":"007","segment":"odd, quoted"}
EOF
	t_stderr_has "$D/tx.zst: line 6: key field 'account' is missing"
	head -c 20 "$D/cust.csv.zst" >"$D/trunc.csv.zst"
	t_run "truncated zstd table" tide-join -T "$D/trunc.csv.zst" --on account
	t_status 65
	t_stderr_has "not a valid zstd file"
fi
t_run "missing input file exits 74" tide-join -T "$D/cust.csv" --on account "$D/nope"
t_status 74
t_stderr_has "cannot open '$D/nope'"

# --- usage errors --------------------------------------------------------------------

T_IN=/dev/null
for args in "--on account" "-T $D/cust.csv" "-T $D/cust.csv --on account --left --anti" \
	"-T $D/cust.csv --on account --default x=1" "-T $D/cust.csv --on account --miss-field m" \
	"-T $D/cust.csv --on account --as-of ts" "-T $D/cust.csv --on account --direction sideways" \
	"-T $D/cust.csv --on account --as-of ts --table-time t --tolerance 5x" \
	"-T $D/cust.csv --on account --tolerance 1s" "-T $D/cust.csv --on account,,x" \
	"-T $D/cust.csv --on =x" "-T $D/cust.csv --on account --left --default nosuch=1" \
	"-T $D/cust.csv --on account --bogus" "-T $D/cust.csv --on account --table-format xml"; do
	# shellcheck disable=SC2086
	t_run "usage: $args" tide-join $args
	t_status 64
done

t_run "-h" tide-join -h
t_status 0
t_ok "-h shows the usage line" grep -q '^usage: tide-join ' "$T_OUT"

# --- against sqlite3 on tide-gen data ---------------------------------------------------

if t_have tide-gen "tide-gen not built: the sqlite3 oracle"; then
	tide-gen --seed 3 --accounts 100 --format csv customers >"$D/c.csv"
	tide-gen --seed 5 --accounts 130 --count 800 --step 1m --start 2026-10-31T23:00:00Z \
		transactions >"$D/t.ndjson"
	tide-gen --seed 5 --accounts 130 --count 800 --step 1m --start 2026-10-31T23:00:00Z \
		--format csv transactions >"$D/t.csv"
	tide-gen --seed 3 --accounts 100 --versions 4 --version-gap 2h --format csv customers >"$D/h.csv"
	awk -F, 'NR == 1 { print "account,country,daily_limit"; next }
		{ print $1 ",US," NR * 10; if (NR % 3) print $1 ",GB," NR * 7 }' "$D/c.csv" >"$D/l.csv"
	sqlite3 "$D/db" <<EOF
CREATE TABLE c(account TEXT, risk_score NUMERIC, segment TEXT, credit_limit INTEGER);
CREATE TABLE t(ts INTEGER, account TEXT, merchant TEXT, amount NUMERIC, country TEXT, card_present TEXT);
CREATE TABLE h(account TEXT, risk_score NUMERIC, segment TEXT, credit_limit INTEGER, valid_from INTEGER);
CREATE TABLE l(account TEXT, country TEXT, daily_limit INTEGER);
.import --csv --skip 1 $D/c.csv c
.import --csv --skip 1 $D/t.csv t
.import --csv --skip 1 $D/h.csv h
.import --csv --skip 1 $D/l.csv l
EOF
	TX="'ts',t.ts,'account',t.account,'merchant',t.merchant,'amount',t.amount,'country',t.country,'card_present',json(t.card_present)"
	q() { sqlite3 "$D/db" "$1" >"$D/expect"; }

	T_IN=$D/t.ndjson
	q "SELECT json_object($TX,'risk_score',c.risk_score,'segment',c.segment,'credit_limit',c.credit_limit)
	   FROM t JOIN c ON c.account = t.account ORDER BY t.rowid"
	t_ok "oracle: inner join has matches and misses" test "$(wc -l <"$D/expect")" -gt 100 -a "$(wc -l <"$D/expect")" -lt 800
	t_run "oracle: inner join" tide-join -T "$D/c.csv" --on account
	t_status 0
	t_stdout_file "$D/expect"

	q "SELECT json_object($TX,'risk_score',c.risk_score,'segment',c.segment,'credit_limit',c.credit_limit)
	   FROM t LEFT JOIN c ON c.account = t.account ORDER BY t.rowid"
	t_run "oracle: left join" tide-join -T "$D/c.csv" --on account --left
	t_status 0
	t_stdout_file "$D/expect"

	q "SELECT json_object($TX) FROM t WHERE NOT EXISTS
	   (SELECT 1 FROM c WHERE c.account = t.account) ORDER BY t.rowid"
	t_run "oracle: anti join" tide-join -T "$D/c.csv" --on account --anti
	t_status 0
	t_stdout_file "$D/expect"

	q "SELECT json_object($TX,'daily_limit',l.daily_limit) FROM t LEFT JOIN l
	   ON l.account = t.account AND l.country = t.country ORDER BY t.rowid"
	t_ok "oracle: multi-key join has matches" grep -q '"daily_limit":[0-9]' "$D/expect"
	t_run "oracle: multi-key left join" tide-join -T "$D/l.csv" --on account,country --left
	t_status 0
	t_stdout_file "$D/expect"

	ASOF="(SELECT %s FROM h WHERE h.account = t.account AND h.valid_from <= t.ts
	       ORDER BY h.valid_from DESC LIMIT 1)"
	# shellcheck disable=SC2059
	q "SELECT json_object($TX,'risk_score',$(printf "$ASOF" h.risk_score),
	   'valid_from',$(printf "$ASOF" h.valid_from)) FROM t ORDER BY t.rowid"
	t_ok "oracle: as-of has misses" grep -q '"valid_from":null' "$D/expect"
	t_ok "oracle: as-of picks many versions" test "$(grep -o '"valid_from":[0-9]*' \
		"$D/expect" | sort -u | wc -l)" -gt 3
	t_run "oracle: as-of left join" tide-join -T "$D/h.csv" --on account --as-of ts \
		--table-time valid_from --select risk_score,valid_from --left
	t_status 0
	t_stdout_file "$D/expect"

	# shellcheck disable=SC2059
	q "SELECT json_object($TX,'risk_score',$(printf "$ASOF" h.risk_score))
	   FROM t WHERE EXISTS $(printf "$ASOF" 1) ORDER BY t.rowid"
	t_run "oracle: as-of inner join" tide-join -T "$D/h.csv" --on account --as-of ts \
		--table-time valid_from --select risk_score
	t_status 0
	t_stdout_file "$D/expect"
fi

# --- reloads ------------------------------------------------------------------------------

# Feed records one at a time through a fifo and wait for each output line
# (wait_lines N), or for N lines of stderr with TEXT (wait_err N TEXT): on
# events, never a time; 60 s only keeps a broken program from hanging it.
wait_lines() {
	_i=0
	while [ "$(wc -l <"$D/rl.out")" -lt "$1" ]; do
		_i=$((_i + 1))
		[ $_i -gt 1200 ] && return 1
		sleep 0.05
	done
	return 0
}
wait_err() {
	_i=0
	while [ "$(grep -c -- "$2" "$D/rl.err")" -lt "$1" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 1200 ]; then
			t_fail "waited 60 s for $1 lines '$2' on stderr" "$(cat "$D/rl.err")"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

reload_test() {
	name=$1
	shift
	printf 'account,v\na1,old\n' >"$D/rl.csv"
	rm -f "$D/rl.fifo"
	mkfifo "$D/rl.fifo"
	: >"$D/rl.out"
	# -v: each (re)load says "loaded in" once the table is in.
	tide-join -T "$D/rl.csv" --on account -v "$@" <"$D/rl.fifo" >"$D/rl.out" 2>"$D/rl.err" &
	pid=$!
	exec 8>"$D/rl.fifo"
	echo '{"account":"a1","n":1}' >&8
	wait_lines 1
	# A new file, renamed into place, as editors and deploys do.
	printf 'account,v\na1,new\na2,two\n' >"$D/rl.tmp"
	touch -d '2001-01-01' "$D/rl.tmp"
	mv "$D/rl.tmp" "$D/rl.csv"
	case $name in
	sighup) kill -HUP $pid ;;
	esac
	wait_err 2 "loaded in"
	echo '{"account":"a1","n":2}' >&8
	echo '{"account":"a2","n":3}' >&8
	wait_lines 3
	exec 8>&-
	wait $pid
	T_RC=$?
	T_NAME="reload on $name"
	cp "$D/rl.out" "$T_OUT"
	cp "$D/rl.err" "$T_ERR"
	t_status 0
	t_stdout <<'EOF'
{"account":"a1","n":1,"v":"old"}
{"account":"a1","n":2,"v":"new"}
{"account":"a2","n":3,"v":"two"}
EOF
}
reload_test sighup
reload_test watch --watch

# A burst of records (one write, more than are read ahead) is joined in
# full before the reader waits for more: none is held back.
printf 'account,v\na1,one\n' >"$D/rl.csv"
rm -f "$D/rl.fifo"
mkfifo "$D/rl.fifo"
: >"$D/rl.out"
tide-join -T "$D/rl.csv" --on account <"$D/rl.fifo" >"$D/rl.out" 2>"$D/rl.err" &
pid=$!
exec 8>"$D/rl.fifo"
awk 'BEGIN { for (i = 1; i <= 20; i++) printf "{\"account\":\"a1\",\"n\":%d}\n", i }' >&8
wait_lines 20
T_RC=$?
T_NAME="a burst is joined in full while the input is quiet"
t_status 0
exec 8>&-
wait $pid
T_RC=$?
cp "$D/rl.out" "$T_OUT"
cp "$D/rl.err" "$T_ERR"
t_status 0
awk 'BEGIN { for (i = 1; i <= 20; i++) printf "{\"account\":\"a1\",\"n\":%d,\"v\":\"one\"}\n", i }' >"$D/burst.expect"
t_stdout_file "$D/burst.expect"

# A reload that fails keeps the old table.
printf 'account,v\na1,old\n' >"$D/rl.csv"
rm -f "$D/rl.fifo"
mkfifo "$D/rl.fifo"
: >"$D/rl.out"
tide-join -T "$D/rl.csv" --on account --strict --stats <"$D/rl.fifo" >"$D/rl.out" 2>"$D/rl.err" &
pid=$!
exec 8>"$D/rl.fifo"
echo '{"account":"a1"}' >&8
wait_lines 1
printf 'account,v\na1,new,extra\n' >"$D/rl.csv"
kill -HUP $pid
wait_err 1 "reload failed"
echo '{"account":"a1"}' >&8
wait_lines 2
exec 8>&-
wait $pid
T_RC=$?
T_NAME="failed reload keeps the old table"
cp "$D/rl.out" "$T_OUT"
cp "$D/rl.err" "$T_ERR"
t_status 0
t_stdout <<'EOF'
{"account":"a1","v":"old"}
{"account":"a1","v":"old"}
EOF
t_stderr_has "reload failed, keeping the old table"
t_stderr_has "reloads 0 (failed 1)"

# --- interval join of two streams (--with, --within) ------------------------------

cat >"$D/orders.ndjson" <<'EOF'
{"ts":1000,"order":"o1","amt":5}
{"ts":2000,"order":"o2","amt":7}
{"ts":3000,"order":"o3","amt":9}
{"ts":9000,"order":"o4","amt":1}
{"ts":9100,"amt":2}
EOF
cat >"$D/pay.ndjson" <<'EOF'
{"ts":1500,"order":"o1","paid":5}
{"ts":2600,"order":"o1","paid":1}
{"ts":3500,"order":"o3","paid":9}
{"ts":9500,"order":"o4","paid":1}
{"ts":9600,"order":"o4","paid":2}
EOF
T_IN=/dev/null
t_run "interval join: inner, all fields of the other stream, prefixed" \
	tide-join --with "$D/pay.ndjson" --within 1s --on order --prefix p_ \
	--time-unit ms "$D/orders.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":1000,"order":"o1","amt":5,"p_ts":1500,"p_paid":5}
{"ts":3000,"order":"o3","amt":9,"p_ts":3500,"p_paid":9}
{"ts":9000,"order":"o4","amt":1,"p_ts":9500,"p_paid":1}
{"ts":9000,"order":"o4","amt":1,"p_ts":9600,"p_paid":2}
EOF
t_stderr_has "orders.ndjson: line 5: key field 'order' is missing"

t_run "interval join: --left waits for the interval to close; no_key at once" \
	tide-join --with "$D/pay.ndjson" --within 500ms --on order --select paid \
	--left --default paid=0 --miss-field why --time-unit ms "$D/orders.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":1000,"order":"o1","amt":5,"paid":5,"why":null}
{"ts":2000,"order":"o2","amt":7,"paid":0,"why":"no_match"}
{"ts":3000,"order":"o3","amt":9,"paid":9,"why":null}
{"ts":9100,"amt":2,"paid":0,"why":"no_key"}
{"ts":9000,"order":"o4","amt":1,"paid":1,"why":null}
EOF

T_IN=$D/orders.ndjson
t_run "interval join: --anti, left stream on stdin, --time" \
	sh -c "sed 's/\"ts\"/\"at\"/' '$D/pay.ndjson' >'$D/payat.ndjson' &&
	sed 's/\"ts\"/\"at\"/' | tide-join --with '$D/payat.ndjson' --within 1s --on order \
	--anti --time at --time-unit ms --delay 0s"
t_status 0
t_stdout <<'EOF'
{"at":2000,"order":"o2","amt":7}
EOF
T_IN=/dev/null

t_run "interval join: the same key on both sides, renamed with --on" \
	sh -c "sed 's/order/oid/' '$D/pay.ndjson' >'$D/pay2.ndjson' &&
	tide-join --with '$D/pay2.ndjson' --within 100ms --on order=oid --select paid \
	--time-unit ms '$D/orders.ndjson'"
t_status 0
t_stdout <<'EOF'
EOF

printf '{"ts":1000,"order":"o1"}\n{"ts":1200,"order":"o1","amt":1}\n' >"$D/coll.ndjson"
t_run "interval join: a field-name collision is bad input" \
	tide-join --with "$D/coll.ndjson" --within 1s --on order --time-unit ms \
	"$D/orders.ndjson"
t_status 0
t_stdout <<'EOF'
EOF
t_stderr_has "coll.ndjson: line 1: field 'ts' is also a field of the other stream (--overwrite replaces it)"
t_stderr_has "coll.ndjson: line 2: field 'ts' is also a field of the other stream"
t_run "interval join: --overwrite takes the other stream's field" \
	tide-join --with "$D/coll.ndjson" --within 1s --on order --time-unit ms \
	--overwrite --select amt "$D/orders.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":1000,"order":"o1","amt":null}
{"ts":1000,"order":"o1","amt":1}
EOF

printf '{"ts":1000,"order":"o1"}\nnot json\n{"order":"o1"}\n{"ts":"noon","order":"o1"}\n{"ts":1100,"order":null}\n' >"$D/badpay.ndjson"
t_run "interval join: bad records of the other stream, with its name and line" \
	tide-join --with "$D/badpay.ndjson" --within 1s --on order --select ts \
	--prefix p_ --time-unit ms "$D/orders.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":1000,"order":"o1","amt":5,"p_ts":1000}
EOF
t_stderr_has "badpay.ndjson: line 2: not valid JSON"
t_stderr_has "badpay.ndjson: line 3: time field 'ts' is missing"
t_stderr_has "badpay.ndjson: line 4: field 'ts' is not a time: \"noon\""
t_stderr_has "badpay.ndjson: line 5: key field 'order' is null"
t_run "interval join: --strict stops at the first bad record" \
	tide-join --with "$D/badpay.ndjson" --within 1s --on order --strict \
	--time-unit ms "$D/orders.ndjson"
t_status 65

printf '{"ts":5000,"order":"o9"}\n{"ts":1000,"order":"o1"}\n{"ts":4990,"order":"o3"}\n' >"$D/latepay.ndjson"
printf '{"ts":5000,"order":"o9"}\n{"ts":6000,"order":"o6"}\n{"ts":1000,"order":"o1"}\n' >"$D/lateord.ndjson"
t_run "interval join: late records are reported, kept in --late-file, not joined" \
	tide-join --with "$D/latepay.ndjson" --within 10ms --on order --select ts \
	--prefix p_ --left --time-unit ms --late-file "$D/late.out" --stats \
	"$D/lateord.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":5000,"order":"o9","p_ts":5000}
{"ts":6000,"order":"o6","p_ts":null}
EOF
t_stderr_has "latepay.ndjson: line 2: late record (time 1000 is behind the watermark 5000), not joined"
t_stderr_has "latepay.ndjson: line 3: late record (time 4990 is behind the watermark 5000), not joined"
t_stderr_has "lateord.ndjson: line 3: late record (time 1000 is behind the watermark 6000), not joined"
t_stderr_has "interval join: 1 pairs, 1 unmatched left records, 3 late records"
cat >"$D/late.exp" <<'EOF'
{"ts":1000,"order":"o1"}
{"ts":4990,"order":"o3"}
{"ts":1000,"order":"o1"}
EOF
t_ok "late records in --late-file" cmp "$D/late.exp" "$D/late.out"

# Against a brute-force oracle (python3): random orders and payments with
# jitter and late records, for each join kind, with and without --delay.
cat >"$D/igen.py" <<'EOF'
# Orders and payments with jitter and a few late records: seed, n, file names.
import json, random, sys
rnd = random.Random(int(sys.argv[1]))
n = int(sys.argv[2])
for name, f in (("o", sys.argv[3]), ("p", sys.argv[4])):
    t = 0
    with open(f, "w") as fp:
        for k in range(n):
            t += rnd.randint(0, 20)
            ts = t + rnd.randint(-15, 15)
            if rnd.random() < 0.04:
                ts -= rnd.randint(60, 300)      # late
            rec = {"ts": ts, "order": "k%d" % rnd.randint(0, 7)}
            if name == "o":
                rec["amt"] = rnd.randint(1, 99)
            else:
                rec["paid"] = rnd.randint(1, 99)
            fp.write(json.dumps(rec, separators=(",", ":")) + "\n")
EOF
cat >"$D/ioracle.py" <<'EOF'
# Brute-force interval join oracle: merge by time (left first on ties),
# watermark = min of the streams' greatest times (a finished stream does not
# count) - delay, a record older than the watermark is late, pairs against
# every earlier non-late record of the other side, unmatched left records
# written when the watermark passes ts + D, in (ts, arrival) order.
import json, sys
lf, rf, D, delay, kind, late_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
L = [l.rstrip("\n") for l in open(lf)]
R = [l.rstrip("\n") for l in open(rf)]
INF = float("inf")
i = j = 0
mx = [None, None]
wm = -INF
hist = []          # every non-late record: [side, ts, seq, key, line, matched]
pending = []       # left records not yet expired
out, late = [], []
seq = 0
def fields(rline):
    r = json.loads(rline)
    return ',"p_paid":' + json.dumps(r.get("paid"))
def emit_pair(lline, rline):
    if kind == "anti":
        return
    s = lline[:-1] + fields(rline)
    if kind == "left":
        s += ',"why":null'
    out.append(s + "}")
def expire(upto):
    global pending
    keep = []
    for e in sorted(pending, key=lambda e: (e[1], e[2])):
        if upto == INF or e[1] + D < upto:
            if not e[5]:
                if kind == "left":
                    out.append(e[4][:-1] + ',"p_paid":null,"why":"no_match"}')
                elif kind == "anti":
                    out.append(e[4])
        else:
            keep.append(e)
    pending = sorted(keep, key=lambda e: e[2])
while i < len(L) or j < len(R):
    eof = [i >= len(L), j >= len(R)]
    if not eof[0] and (eof[1] or json.loads(L[i])["ts"] <= json.loads(R[j])["ts"]):
        side, line = 0, L[i]; i += 1
    else:
        side, line = 1, R[j]; j += 1
    x = json.loads(line)
    ts, key = x["ts"], x["order"]
    if ts < wm:
        late.append(line)
        continue
    mx[side] = ts if mx[side] is None else max(mx[side], ts)
    e = [side, ts, seq, key, line, False]
    seq += 1
    for p in hist:
        if p[0] != side and p[3] == key and abs(p[1] - ts) <= D:
            p[5] = e[5] = True
            if side == 0:
                emit_pair(line, p[4])
            else:
                emit_pair(p[4], line)
    hist.append(e)
    if side == 0:
        pending.append(e)
    a = [INF if eof[k] else (mx[k] if mx[k] is not None else -INF) for k in (0, 1)]
    m = min(a)
    nwm = m if m in (INF, -INF) else m - delay
    if nwm > wm:
        wm = nwm
        expire(wm)
expire(INF)
print("\n".join(out) + ("\n" if out else ""), end="")
open(late_out, "w").write("".join(l + "\n" for l in late))
EOF
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# No left record is written as unmatched and also with a match.
nodup() {
	grep '"why":"no_match"' "$1" | sed 's/,"p_paid.*//' | sort >"$D/miss"
	grep '"why":null' "$1" | sed 's/,"p_paid.*//' | sort -u >"$D/hit"
	test -s "$D/miss" && test -s "$D/hit" && ! comm -12 "$D/miss" "$D/hit" | grep -q .
}
for seed in 1 2; do
	"$PY" "$D/igen.py" "$seed" 400 "$D/o.nd" "$D/p.nd"
	for kind in inner left anti; do
		for delay in 0 25; do
			extra=
			[ "$kind" = left ] && extra="--miss-field why"
			"$PY" "$D/ioracle.py" "$D/o.nd" "$D/p.nd" 40 "$delay" "$kind" \
				"$D/late.exp" >"$D/oracle.out"
			rm -f "$D/late.got"
			t_run "interval join vs oracle: seed $seed --$kind --delay ${delay}ms" \
				tide-join --with "$D/p.nd" --within 40ms --delay "${delay}ms" \
				--on order --select paid --prefix p_ "--$kind" $extra \
				--time-unit ms --late-file "$D/late.got" --stats "$D/o.nd"
			t_status 0
			t_stdout_file "$D/oracle.out"
			[ "$kind" = left ] && [ "$delay" = 0 ] && cp "$T_OUT" "$D/left.out"
			t_ok "oracle: seed $seed --$kind --delay $delay: late records" \
				cmp "$D/late.exp" "$D/late.got"
			peak=$(sed -n 's/.*state peak \([0-9]*\) records.*/\1/p' "$T_ERR")
			t_ok "oracle: seed $seed --$kind --delay $delay: state stays bounded ($peak of 800)" \
				test "${peak:-999}" -lt 100
		done
	done
	t_ok "oracle: seed $seed: at least 20 late records exercised" \
		test "$(wc -l <"$D/late.exp")" -ge 20
	t_ok "oracle: seed $seed --left: no record both unmatched and matched" \
		nodup "$D/left.out"
done

t_run "--with needs --within" tide-join --with "$D/pay.ndjson" --on order
t_status 64
t_stderr_has "--with needs --within"
t_run "--with excludes -T" tide-join --with "$D/pay.ndjson" --within 1s -T "$D/cust.csv" --on order
t_status 64
t_stderr_has "-T and --with exclude each other"
t_run "--within needs --with" tide-join -T "$D/cust.csv" --on account --within 1s
t_status 64
t_stderr_has "need --with"
t_run "--as-of is for table joins" tide-join --with "$D/pay.ndjson" --within 1s --on order --as-of ts
t_status 64
t_stderr_has "are for table joins"
t_run "--within must be a duration" tide-join --with "$D/pay.ndjson" --within soon --on order
t_status 64
t_stderr_has "--within"
t_run "--default must name a --select field" tide-join --with "$D/pay.ndjson" --within 1s \
	--on order --left --select paid --default amt=1
t_status 64
t_stderr_has "--default: 'amt' is not a --select field"
t_run "--with a missing file" tide-join --with "$D/nope.ndjson" --within 1s --on order "$D/orders.ndjson"
t_status 74
t_stderr_has "cannot open"

# --- barriers (doc/DELIVERY.md) ----------------------------------------------------
# A barrier line is not a record: never joined, counted or dead-lettered.
# With output to a file (no tide reader) it is acknowledged, not written:
# the output is byte-identical to that of the same input without them.

B1='{"@barrier":{"seq":1,"offsets":[["tx",0,3]]}}'
B2='{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,6]]}}'
{ sed -n 1,3p "$D/tx.ndjson"; echo "$B1"; sed -n '4,$p' "$D/tx.ndjson"; echo "$B2"; } >"$D/txb.ndjson"
T_IN=$D/tx.ndjson
t_run "barriers: without them" tide-join -T "$D/cust.csv" --on account --left --stats
cp "$T_OUT" "$D/nob.out"
T_IN=$D/txb.ndjson
t_run "barriers: not records, not written to a file" tide-join -T "$D/cust.csv" \
	--on account --left --stats --dead-letter "$D/bdead"
t_status 0
t_stdout_file "$D/nob.out"
t_stderr_has "tide-join: records in 6, out 6, matched 3, unmatched 3, bad 0;"
t_ok "barriers: none dead-lettered" test ! -s "$D/bdead"
T_IN=$D/tx.ndjson
t_run "barriers: --anti, without them" tide-join -T "$D/cust.csv" --on account --anti
cp "$T_OUT" "$D/nob.out"
T_IN=$D/txb.ndjson
t_run "barriers: --anti" tide-join -T "$D/cust.csv" --on account --anti
t_status 0
t_stdout_file "$D/nob.out"

# Many, between records read ahead (a barrier every 7 lines).
if t_have tide-gen "tide-gen not built: barriers in generated data"; then
	tide-gen --seed 5 --count 3000 transactions >"$D/gtx.ndjson"
	tide-gen customers >"$D/gcust.ndjson"
	awk '{ print } NR % 7 == 0 { printf "{\"@barrier\":{\"seq\":%d,\"offsets\":[[\"tx\",0,%d]]}}\n", NR / 7, NR }' \
		"$D/gtx.ndjson" >"$D/gtxb.ndjson"
	T_IN=$D/gtx.ndjson
	t_run "barriers: generated, without them" tide-join -T "$D/gcust.ndjson" --on account --left
	cp "$T_OUT" "$D/nob.out"
	T_IN=$D/gtxb.ndjson
	t_run "barriers: generated, one every 7 records" tide-join -T "$D/gcust.ndjson" \
		--on account --left --stats
	t_status 0
	t_stdout_file "$D/nob.out"
	t_stderr_has "tide-join: records in 3000, out 3000,"
	t_ok "barriers: 428 in the generated input" test "$(grep -c '^{"@barrier"' "$D/gtxb.ndjson")" = 428
fi

printf '%s\n%s\n%s\n' '{"ts":1,"account":"a1"}' '{"@barrier":{"seq":"x"}}' \
	'{"ts":2,"account":"a2"}' >"$D/brokenb.ndjson"
T_IN=$D/brokenb.ndjson
t_run "barriers: a broken one is bad input" tide-join -T "$D/cust.csv" \
	--on account --select segment --dead-letter "$D/bdead2"
t_status 0
t_stdout <<'EOF'
{"ts":1,"account":"a1","segment":"retail"}
{"ts":2,"account":"a2","segment":"gold"}
EOF
t_stderr_has "tide-join: line 2: broken barrier: seq is not a non-negative integer"
t_ok "barriers: the broken one is dead-lettered" grep -qF \
	'"line":2,"error":"broken barrier: seq is not a non-negative integer","raw":"{\"@barrier\":{\"seq\":\"x\"}}"' "$D/bdead2"
t_run "barriers: a broken one under --strict" tide-join -T "$D/cust.csv" \
	--on account --select segment --strict
t_status 65
t_stderr_has "tide-join: line 2: broken barrier: "

# The reader that said hello dies (kill -9 of tide-sink) while the input
# stays open: the join ends as on a broken pipe, quietly (0, as with head),
# whether its input then stays quiet (a window before it holding barriers
# on a quiet topic: it finds the reader gone once a second) or brings a
# record and a barrier (the write fails).  It ran on for ever, and with
# more input took the line before for a new one each time it waited
# ("line 2: broken barrier: barrier line too long", delivery.sh).  The
# neighbours are tests/cli/flowpeer.py.
if t_have /usr/bin/python3; then
	for after in quiet more; do
		{
			echo hello
			echo '> {"ts":1,"account":"a1"}'
			echo '> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}'
			echo 'lines 2'
			echo die
			if [ $after = more ]; then
				echo '> {"ts":2,"account":"a2"}'
				echo '> {"@barrier":{"seq":2,"offsets":[["tx",0,2]]}}'
			fi
			echo wait
		} >"$D/s.gone"
		T_NAME="barriers: the reader dies, input $after after it"
		timeout 120 /usr/bin/python3 "$T_ROOT/tests/cli/flowpeer.py" \
			"$D/s.gone" "$D/p.out" "$D/p.up" -- tide-join -T "$D/cust.csv" \
			--on account --select segment 2>"$T_ERR"
		T_RC=$?
		t_status 0
		t_stderr_empty
		t_ok "$T_NAME: the output before it" test "$(cat "$D/p.out")" = \
'{"ts":1,"account":"a1","segment":"retail"}
{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}'
		t_ok "$T_NAME: it ends: $(tr '\n' ';' <"$D/p.up")" \
			test "$(tr '\n' ';' <"$D/p.up")" = "hello tide-join relays;hello test-reader;exit 0;"
	done
fi

# An interval join passes no barriers: its sides skip them.
{ echo '{"@barrier":{"seq":1,"offsets":[]}}'; cat "$D/orders.ndjson"; } >"$D/ordersb.ndjson"
T_IN=/dev/null
t_run "barriers: an interval join skips them" \
	tide-join --with "$D/pay.ndjson" --within 1s --on order --prefix p_ \
	--time-unit ms "$D/ordersb.ndjson"
t_status 0
t_stdout <<'EOF'
{"ts":1000,"order":"o1","amt":5,"p_ts":1500,"p_paid":5}
{"ts":3000,"order":"o3","amt":9,"p_ts":3500,"p_paid":9}
{"ts":9000,"order":"o4","amt":1,"p_ts":9500,"p_paid":1}
{"ts":9000,"order":"o4","amt":1,"p_ts":9600,"p_paid":2}
EOF
t_stderr_has "ordersb.ndjson: line 6: key field 'order' is missing"

# --- the man page's EXAMPLES run -------------------------------------------------------------

t_ok "man/tide-join.1 is there" test -f "$T_ROOT/man/tide-join.1"
if t_have tide-gen "tide-gen not built: the man page's EXAMPLES"; then
	# A command is a "$ " line in a literal block, continued while a line
	# ends with "\e" or "|"; they run in order in one directory.
	mkdir -p "$D/ex"
	awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
		!on { next }
		/^\.Bd -literal/ { lit = 1; next }
		/^\.Ed/ { lit = 0; next }
		!lit { next }
		cont { cmd = cmd " " $0 }
		!cont && /^\$ / { cmd = substr($0, 3) }
		!cont && !/^\$ / { next }
		{ cont = 0 }
		cmd ~ /\\e$/ { sub(/\\e$/, "", cmd); cont = 1; next }
		cmd ~ /\|$/ { cont = 1; next }
		{ print cmd; cmd = "" }' "$T_ROOT/man/tide-join.1" >"$D/ex/cmds"
	n=0
	while IFS= read -r cmd; do
		# Kafka examples run in tests/kafka/join.sh.
		case $cmd in *'$BROKERS'*) continue ;; esac
		n=$((n + 1))
		(cd "$D/ex" && sh -c "$cmd") >"$D/ex/out" 2>"$D/ex/err"
		T_RC=$?
		T_NAME="man EXAMPLE $n: $cmd"
		cp "$D/ex/err" "$T_ERR"
		t_status 0
		t_stderr_empty
		case $cmd in
		*tide-join*) t_ok "man EXAMPLE $n writes joined records" \
			grep -q '^{"ts":' "$D/ex/out" ;;
		esac
	done <"$D/ex/cmds"
	t_ok "man page has 11 runnable EXAMPLES" test "$n" -eq 11
	t_ok "as-of EXAMPLE joins versions" grep -q '"valid_from":1793' "$D/ex/out"
fi

t_done
