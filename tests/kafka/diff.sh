#!/bin/sh
# tide-diff's kafka: sides on tide-mock: a whole topic, a time range, an
# offset range and some partitions against the file the topic was written
# from, the expected counts from tide-source and jq over the same ranges;
# two topics against each other; bad messages (no key field, not JSON,
# written by python3-kafka, which takes any bytes) and the errors of a
# kafka: side (no such topic, unreachable brokers, no brokers, bad items).
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq
PY=/usr/bin/python3
cd "$T_DIR" || exit 1

mock_start -t feats:3 -t feats2:2 -t junk:1 -t uns:1 -t framed:1
tide-gen --count 600 transactions >f.ndjson
tide-sink -b "$BROKERS" -t feats --key account --timestamp ts <f.ndjson
# The same records in other partitions, one of them changed.
jq -c 'if .ts == 1793491200500 then .amount = -1 else . end' f.ndjson |
	tide-sink -b "$BROKERS" -t feats2 --key merchant --timestamp ts

t_run "a topic against its file" tide-diff -b "$BROKERS" -k account,ts \
	kafka:feats f.ndjson
t_status 0
t_stdout <<'EOF'
{"left":600,"right":600,"pairs":600,"matched":600,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
t_stderr_empty

# An example names each message by its partition and offset (an offset
# alone names none), as tide-source's envelope places it.
at() {
	timeout 20 tide-source -b "$BROKERS" -t "$1" -J -e |
		jq -r 'select(.value.ts == 1793491200500) |
			"partition\":\(.partition),\"\(env.S)_offset\":\(.offset)"'
}
pl=$(S=left at feats)
pr=$(S=right at feats2)
t_ok "the changed record: one message on each side" test \
	"$(printf '%s\n%s\n' "$pl" "$pr" | grep -c offset)" -eq 2
t_run "a topic against a topic, \$TIDE_BROKERS" env TIDE_BROKERS="$BROKERS" \
	tide-diff -k account,ts --examples 1 kafka:feats kafka:feats2
t_status 1
t_stdout <<EOF
{"left":600,"right":600,"pairs":600,"matched":599,"differing":1,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{"amount":1}}
{"kind":"differing","fields":["amount"],"left_$pl,"right_$pr,"left":{"ts":1793491200500,"account":"a000124","merchant":"m00000","amount":5.4,"country":"NL","card_present":true},"right":{"ts":1793491200500,"account":"a000124","merchant":"m00000","amount":-1,"country":"NL","card_present":true}}
EOF
t_run "a topic against a file: the file's side by its line" tide-diff \
	-b "$BROKERS" -k account,ts --examples 1 f.ndjson kafka:feats2
t_status 1
t_stdout <<EOF
{"left":600,"right":600,"pairs":600,"matched":599,"differing":1,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{"amount":1}}
{"kind":"differing","fields":["amount"],"left_line":$(grep -n '"ts":1793491200500,' f.ndjson | cut -d: -f1),"right_$pr,"left":{"ts":1793491200500,"account":"a000124","merchant":"m00000","amount":5.4,"country":"NL","card_present":true},"right":{"ts":1793491200500,"account":"a000124","merchant":"m00000","amount":-1,"country":"NL","card_present":true}}
EOF
# What is missing, through a spill to disk: still placed by partition
# and offset, each the message tide-source finds there.
t_run "missing, spilled: partition and offset" tide-diff -v -b "$BROKERS" \
	-k account,ts --max-memory 1 --examples 3 /dev/null kafka:feats2
t_status 1
t_stderr_has "tide-diff: spilled to "
cp "$T_OUT" spilled
timeout 20 tide-source -b "$BROKERS" -t feats2 -J -e >env2.ndjson
t_run "missing, spilled: the messages there" jq -c --slurpfile env \
	env2.ndjson 'select(.kind == "missing_left") | . as $x |
	[$env[] | select(.partition == $x.right_partition and
		.offset == $x.right_offset) | .value == $x.right]' spilled
t_stdout <<'EOF'
[true]
[true]
[true]
EOF

# A time range: the records of the second second, as tide-source selects
# them from the file by event time.
tide-source --from 2026-11-01T00:00:01Z --to 2026-11-01T00:00:02Z f.ndjson >sec.ndjson
t_ok "the second second: 100 records" test "$(wc -l <sec.ndjson)" -eq 100
t_run "from and to" tide-diff -b "$BROKERS" -k account,ts \
	kafka:feats@from=2026-11-01T00:00:01Z,to=2026-11-01T00:00:02Z sec.ndjson
t_status 0
t_stdout <<'EOF'
{"left":100,"right":100,"pairs":100,"matched":100,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF

# Partitions 0 and 2, the last 10 of each: as tide-source reads them.
timeout 20 tide-source -b "$BROKERS" -t feats -p 0,2 -o -10 -e >tail.ndjson
t_ok "partitions 0,2, offset -10: 20 records" test "$(wc -l <tail.ndjson)" -eq 20
t_run "partitions and offset" tide-diff -b "$BROKERS" -k account,ts \
	--examples 0 kafka:feats@partitions=0,2,offset=-10 tail.ndjson
t_status 0
t_stdout <<'EOF'
{"left":20,"right":20,"pairs":20,"matched":20,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
t_run "partitions and offset against the whole" tide-diff -b "$BROKERS" \
	-k account,ts --examples 0 f.ndjson kafka:feats@offset=-10,partitions=0,2
t_status 1
t_stdout <<'EOF'
{"left":600,"right":20,"pairs":20,"matched":20,"differing":0,"missing_left":0,"missing_right":580,"bad_left":0,"bad_right":0,"fields":{}}
EOF

# --- bad messages and errors ---------------------------------------------

printf '%s\n' '{"a":1}' '{"b":2}' '{"a":3}' | tide-sink -b "$BROKERS" -t junk
# A bad message makes the sides unequal (1): it was not compared.  It
# is named by its topic, partition and offset, and dead-lettered so.
t_run "a message without the key field" tide-diff -b "$BROKERS" -k a \
	--examples 0 --dead-letter dl.ndjson kafka:junk kafka:junk
t_status 1
t_stdout <<'EOF'
{"left":2,"right":2,"pairs":2,"matched":2,"differing":0,"missing_left":0,"missing_right":0,"bad_left":1,"bad_right":1,"fields":{}}
EOF
t_stderr "tide-diff: 'junk' [0] offset 1: no key field 'a'" \
	"tide-diff: 'junk' [0] offset 1: no key field 'a'" \
	"tide-diff: 2 bad records skipped, kept in dl.ndjson"
t_run "the dead letters name topic, partition and offset" jq -c \
	'[.topic, .partition, .offset, .error, .raw]' dl.ndjson
t_stdout <<'EOF'
["junk",0,1,"no key field 'a'","{\"b\":2}"]
["junk",0,1,"no key field 'a'","{\"b\":2}"]
EOF
printf '%s\n' '{"k":1}' '{"k":3}' '{"k":2}' | tide-sink -b "$BROKERS" -t uns
echo '{"k":1}' >k1.ndjson
t_run "--sorted: a topic out of order, by partition and offset" tide-diff \
	-b "$BROKERS" -k k --sorted k1.ndjson kafka:uns
t_status 65
t_stderr "tide-diff: kafka:uns: partition 0 offset 2: not sorted (--sorted): key [2] after [3] (partition 0 offset 1)"
t_stdout </dev/null
t_run "--strict on a message" tide-diff -b "$BROKERS" -k a --strict \
	kafka:junk kafka:junk
t_status 65
t_stderr "tide-diff: 'junk' [0] offset 1: no key field 'a'"

if $PY -c 'import kafka' 2>/dev/null; then
	timeout 60 $PY - "$BROKERS" <<'EOF'
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], api_version_auto_timeout_ms=20000)
p.send("junk", b"nope", partition=0)
p.send("junk", b"", partition=0)
p.flush()
EOF
	t_run "messages that are not JSON" tide-diff -b "$BROKERS" -k a \
		kafka:junk kafka:junk
	t_status 1
	t_stdout <<'EOF'
{"left":2,"right":2,"pairs":2,"matched":2,"differing":0,"missing_left":0,"missing_right":0,"bad_left":3,"bad_right":3,"fields":{}}
EOF
	t_stderr "tide-diff: 'junk' [0] offset 1: no key field 'a'" \
		"tide-diff: 'junk' [0] offset 3: not valid JSON: bad literal at byte 0" \
		"tide-diff: 'junk' [0] offset 4: empty line" \
		"tide-diff: 'junk' [0] offset 1: no key field 'a'" \
		"tide-diff: 'junk' [0] offset 3: not valid JSON: bad literal at byte 0" \
		"tide-diff: 'junk' [0] offset 4: empty line" \
		"tide-diff: 6 bad records skipped"
else
	t_skip "python3-kafka not installed: messages that are not JSON"
fi

# Avro in the Confluent wire format (tide-sink's, schema id 7 given, no
# registry asked): bad input that says what it is and what decodes it.
echo '{"type":"record","name":"A","fields":[{"name":"a","type":"long"}]}' >a.avsc
echo '{"a":1}' >a1.ndjson
printf '%s\n' '{"a":1}' '{"a":2}' | tide-sink -b "$BROKERS" -t framed \
	--value-format avro --value-schema a.avsc --schema-id 2147483647
t_run "Avro messages: not JSON, and named so" tide-diff -b "$BROKERS" -k a \
	--max-bad 2 kafka:framed a1.ndjson
t_status 1
t_stdout <<'EOF'
{"left":0,"right":1,"pairs":0,"matched":0,"differing":0,"missing_left":1,"missing_right":0,"bad_left":2,"bad_right":0,"fields":{}}
{"kind":"missing_left","right_line":1,"right":{"a":1}}
EOF
t_stderr "tide-diff: 'framed' [0] offset 0: in the Confluent wire format (schema id 2147483647), not JSON: decode the topic with tide-source --schema-registry first" \
	"tide-diff: 'framed' [0] offset 1: in the Confluent wire format (schema id 2147483647), not JSON: decode the topic with tide-source --schema-registry first" \
	"tide-diff: 2 bad records skipped"

t_run "no such topic" tide-diff -b "$BROKERS" -k a kafka:nosuch f.ndjson
t_status 69
t_stderr "tide-diff: kafka:nosuch: topic 'nosuch' not found"
t_run "no such partition" tide-diff -b "$BROKERS" -k a kafka:junk@partitions=7 f.ndjson
t_status 69
t_stderr_has "tide-diff: kafka:junk@partitions=7: "
t_run "unreachable brokers" tide-diff -b 127.0.0.1:1 --metadata-timeout 500ms \
	-k a kafka:feats f.ndjson
t_status 69
t_stderr_has "tide-diff: kafka:feats: "
t_run "no brokers" env -u TIDE_BROKERS -u TIDE_CONFIG tide-diff -k a \
	kafka:feats f.ndjson
t_status 64
t_stderr_has "tide-diff: no brokers for a kafka: side: use -b or set TIDE_BROKERS"
while IFS='|' read -r side msg; do
	t_run "bad side '$side'" tide-diff -b "$BROKERS" -k a "$side" f.ndjson
	t_status 64
	t_stderr_has "tide-diff: $msg"
done <<'EOF'
kafka:|'kafka:': no topic after 'kafka:'
kafka:feats@from=yesterday|'kafka:feats@from=yesterday': from: not a time: 'yesterday'
kafka:feats@to=x|'kafka:feats@to=x': to: not a time: 'x'
kafka:feats@offset=stored|'kafka:feats@offset=stored': offset: not an offset: 'stored' (beginning, end, N or -N)
kafka:feats@partitions=a|'kafka:feats@partitions=a': partitions: not a partition list: 'a' (e.g. 0,2,4-7)
kafka:feats@size=1|'kafka:feats@size=1': unknown item 'size' (from, to, offset, partitions)
kafka:feats@from|'kafka:feats@from': not an item=value: 'from'
kafka:feats@from=2026-11-02,to=2026-11-01|'kafka:feats@from=2026-11-02,to=2026-11-01': to is before from
kafka:feats@offset=5,offset=7|'kafka:feats@offset=5,offset=7': offset given twice
kafka:feats@partitions=0,1,partitions=2|'kafka:feats@partitions=0,1,partitions=2': partitions given twice
kafka:feats@to=now,to=-1h|'kafka:feats@to=now,to=-1h': to given twice
kafka:feats@from=-1h,offset=5|'kafka:feats@from=-1h,offset=5': from and offset both say where to start: give one
EOF
t_done
