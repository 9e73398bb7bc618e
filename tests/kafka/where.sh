#!/bin/sh
# --where on Kafka input (tide-source, tide-replay) against tide-mock: the
# message's metadata (@key, @partition, @offset, @timestamp, @topic,
# @headers.NAME), fields of the value or, with -J, of the envelope; the
# counters; a catastrophic regex.  Data written by python3-kafka, which
# sets keys, timestamps and headers.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
t_skip_unless "$PY"
t_skip_unless jq
TO="timeout 30"

mock_start -t wh:2 -t whcat:1 -t whsink:2

# Lines "partition ts_ms key|- header|- value": header "-" is none.
cat >"$T_DIR/prod.py" <<'EOF'
import sys
from kafka import KafkaProducer
br, topic = sys.argv[1], sys.argv[2]
p = KafkaProducer(bootstrap_servers=br, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=5000)
for line in sys.stdin:
    part, ts, key, h, val = line.rstrip("\n").split(" ", 4)
    p.send(topic, partition=int(part), timestamp_ms=int(ts),
           key=None if key == "-" else key.encode(), value=val.encode(),
           headers=[] if h == "-" else [("trace", h.encode())])
p.flush(5)
EOF
# 1793491200000 is 2026-11-01T00:00:00Z.
$TO "$PY" "$T_DIR/prod.py" "$BROKERS" wh <<'EOF'
0 1793491200000 k1 t1 {"amount":5,"country":"DE"}
0 1793491201000 k2 - {"amount":2000,"country":"FR"}
0 1793491202000 k1 t2 not json at all
1 1793491203000 k2 t1 {"amount":3000,"country":"DE"}
1 1793491204000 - - {"amount":1,"country":"US"}
EOF

src() { t_run "tide-source --where '$1'" $TO tide-source -b "$BROKERS" -t wh -p "$2" -e --where "$1"; t_status 0; }

src '@key == "k1"' 0
t_stdout <<'EOF'
{"amount":5,"country":"DE"}
"not json at all"
EOF
src '@key is null' 1
t_stdout <<'EOF'
{"amount":1,"country":"US"}
EOF
src '@partition == 1 and @offset == 0' 0,1
t_stdout <<'EOF'
{"amount":3000,"country":"DE"}
EOF
src '@timestamp >= 2026-11-01T00:00:01Z and @timestamp < 2026-11-01T00:00:03Z' 0
t_stdout <<'EOF'
{"amount":2000,"country":"FR"}
"not json at all"
EOF
src '@headers.trace == "t1"' 1
t_stdout <<'EOF'
{"amount":3000,"country":"DE"}
EOF
src 'not exists(@headers.trace) and @topic == "wh"' 0
t_stdout <<'EOF'
{"amount":2000,"country":"FR"}
EOF
# A field of the value; a value that is not JSON has none.
src 'amount > 1000' 0
t_stdout <<'EOF'
{"amount":2000,"country":"FR"}
EOF
src 'not exists(amount)' 0
t_stdout <<'EOF'
"not json at all"
EOF
src '@key == "k2" and country == "DE"' 0,1
t_stdout <<'EOF'
{"amount":3000,"country":"DE"}
EOF

# A range with records, none of them kept: not "no records in the range".
t_run "--from/--to, all filtered" $TO tide-source -b "$BROKERS" -t wh -p 0 \
	--from 2026-11-01T00:00:00Z --to 2026-11-01T00:00:02Z --where 'amount > 1e6'
t_status 0
t_stdout </dev/null
t_stderr_empty

# -J: paths name the envelope's fields.
t_run "-J: value.amount" $TO tide-source -b "$BROKERS" -t wh -p 0 -e -J \
	--where 'value.amount > 1000 and key == "k2" and offset == 1'
t_status 0
t_stdout <<'EOF'
{"topic":"wh","partition":0,"offset":1,"ts":1793491201000,"ts_type":"create","key":"k2","headers":[],"value":{"amount":2000,"country":"FR"}}
EOF
t_run "-J: amount is not the envelope's" $TO tide-source -b "$BROKERS" -t wh \
	-e -J --where 'amount > 0'
t_status 0
t_stdout </dev/null

t_run "--stats counts what was filtered" $TO tide-source -b "$BROKERS" -t wh \
	-p 0 -e --stats --where '@key == "k2"'
t_status 0
t_stdout <<'EOF'
{"amount":2000,"country":"FR"}
EOF
t_stderr_has "tide-source: stats: records_in 3, records_out 1, bytes_out 31, bad 0, filtered 2, "

t_run "-c counts the records written" $TO tide-source -b "$BROKERS" -t wh \
	-p 0 -c 1 --where '@offset >= 1'
t_status 0
t_stdout <<'EOF'
{"amount":2000,"country":"FR"}
EOF

# tide-replay: the topic in time order, filtered.
t_run "tide-replay --where on metadata" $TO tide-replay -b "$BROKERS" -t wh \
	--speed max --stats --where '@key == "k2" or @headers.trace == "t2"'
t_status 0
t_stdout <<'EOF'
{"amount":2000,"country":"FR"}
"not json at all"
{"amount":3000,"country":"DE"}
EOF
t_stderr_has "filtered 2, "
t_run "tide-replay --where on a field" $TO tide-replay -b "$BROKERS" -t wh \
	--speed max --where 'country == "DE"'
t_status 0
t_stdout <<'EOF'
{"amount":5,"country":"DE"}
{"amount":3000,"country":"DE"}
EOF

# --where sees the record before --keep, --drop or --print shape it.
t_run "--where with --keep: on the value" $TO tide-source -b "$BROKERS" -t wh \
	-p 1 -e --where 'country == "DE"' --keep amount
t_status 0
t_stdout <<'EOF'
{"amount":3000}
EOF
t_run "--where with --drop of its field" $TO tide-source -b "$BROKERS" -t wh \
	-p 1 -e --where 'country == "DE"' --drop country
t_status 0
t_stdout <<'EOF'
{"amount":3000}
EOF
t_run "--where with --print" $TO tide-source -b "$BROKERS" -t wh -p 0 -e \
	--where 'amount > 100' --print '%p %o %k %{country}\n'
t_status 0
t_stdout <<'EOF'
0 1 k2 FR
EOF
t_run "tide-replay --where with --keep" $TO tide-replay -b "$BROKERS" -t wh \
	--speed max --where 'amount >= 2000' --keep 'country as c'
t_status 0
t_stdout <<'EOF'
{"c":"FR"}
{"c":"DE"}
EOF
t_run "tide-replay --where with --print" $TO tide-replay -b "$BROKERS" -t wh \
	--speed max --where 'country == "DE"' --print '%k %{amount}\n'
t_status 0
t_stdout <<'EOF'
k1 5
k2 3000
EOF

# A catastrophic regex on a key: stopped by the match limit, skipped.
$TO "$PY" "$T_DIR/prod.py" "$BROKERS" whcat <<EOF
0 1793491200000 $(printf '%040d' 0 | tr 0 a)! - {"n":1}
0 1793491201000 aaa - {"n":2}
EOF
t_run "a catastrophic regex on @key" $TO tide-source -b "$BROKERS" -t whcat -e \
	--stats --where '@key =~ /^(a+)+$/'
t_status 0
t_stdout <<'EOF'
{"n":2}
EOF
t_stderr_has "tide-source: 'whcat' [0] offset 0: --where: regex /^(a+)+\$/ reached its match limit: skipped"
t_stderr_has "records_out 1, bytes_out 8, bad 1, filtered 0, "

# tide-sink --where to Kafka: only the records it keeps are produced.
tide-gen --count 2000 transactions >"$T_DIR/tx.ndjson"
T_IN=$T_DIR/tx.ndjson
t_run "tide-sink -t --where" $TO tide-sink -b "$BROKERS" -t whsink --key account \
	--stats --where 'amount > 50 and country in ("DE", "FR")'
t_status 0
jq -c 'select(.amount > 50 and (.country == "DE" or .country == "FR"))' \
	"$T_DIR/tx.ndjson" | sort >"$T_DIR/want.sink"
nw=$(wc -l <"$T_DIR/want.sink" | tr -d ' ')
t_stderr_has "tide-sink: in 2000, bad 0, filtered $((2000 - nw)), sent $nw, delivered $nw, "
T_IN=/dev/null
t_run "tide-sink -t --where: the topic holds jq select()'s records" \
	$TO tide-source -b "$BROKERS" -t whsink -e
t_status 0
sort "$T_OUT" >"$T_DIR/got.sink"
t_ok "tide-sink -t --where: $nw records, as jq's" sh -c \
	"test $nw -gt 10 && cmp '$T_DIR/want.sink' '$T_DIR/got.sink'"

t_done
