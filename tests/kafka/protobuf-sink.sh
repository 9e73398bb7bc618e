#!/bin/sh
# tide-sink --value-format protobuf (issue 21, Protobuf on produce, the
# decoding side's mirror): each JSON record encoded as a message of a
# .proto's type in the Confluent framing (magic 0, the id, the message
# indexes -- [0] as one 0 byte -- then the message).  The schema from
# --value-schema FILE.proto (protoc run on it, registered as PROTOBUF under
# TopicNameStrategy), from --proto-descriptor with --schema-id, or from the
# registry by --value-subject or --schema-id; a nested type by
# --proto-message; the key likewise.  The oracle is python3-protobuf: each
# message tide-sink wrote is parsed and compared with json_format.ParseDict
# of the record sent (its JSON parser, not tide's); then the topic is read
# back through tide-source, which gives the records sent.  Bad input, as
# many cases as good: records that do not fit (path and reason,
# dead-lettered, counted), a .proto protoc refuses, a schema of another
# type, an unknown message type, protoc missing, files that cannot be read,
# and the options' misuse.
. "$(dirname "$0")/../lib.sh"
t_skip_unless protoc
PY=/usr/bin/python3
if ! $PY -c 'import google.protobuf, kafka' 2>/dev/null; then
	t_skip "python3-protobuf or python3-kafka not installed"
	t_done
fi
unset TIDE_SCHEMA_REGISTRY TIDE_SCHEMA_REGISTRY_AUTH
cd "$T_DIR" || exit 1

cat >shop.proto <<'EOF'
syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";

message Order {
  enum Status { NEW = 0; PAID = 1; SHIPPED = 2; }
  message Item { string sku = 1; int32 qty = 2; double price = 3; }
  string order_id = 1;
  int64 amount = 2;
  uint64 big = 3;
  sint32 delta = 4;
  fixed64 f64 = 5;
  sfixed32 sf32 = 6;
  float ratio = 7;
  bool ok = 8;
  bytes blob = 9;
  Status status = 10;
  repeated Item items = 11;
  repeated int32 nums = 12;
  map<string, int64> counts = 13;
  map<int32, string> names = 14;
  google.protobuf.Timestamp at = 15;
  google.protobuf.Int64Value maybe = 16;
  google.protobuf.Struct extra = 17;
  uint32 u32 = 18;
}
message Other {
  string x = 1;
  message Deep { int32 y = 1; repeated string tags = 2; }
}
EOF
printf '%s\n' 'syntax = "proto3";' 'package k;' 'message Key { string id = 1; }' >key.proto
printf '%s\n' 'syntax = "proto3";' 'message Broken { string a = 1 }' >broken.proto
protoc --include_imports --descriptor_set_out=shop.pb shop.proto &&
    protoc --python_out=. shop.proto key.proto ||
	{ t_fail "protoc on shop.proto"; t_done; }

mock_start -t pbs:1 -t pbs.deep:1 -t pbs.desc:1 -t pbs.key:2 -t pbs.bad:1 -t pbs.copy:1
reg_start r
REG=$REG_URL

# Read a topic back: partition, offset, then key and value, each as
# "id=N [indexes] " and the message python3-protobuf parsed from it,
# compared with ParseDict of line N of SENT (the key's: its field KEYF).
cat >read.py <<'PYEOF'
import json, sys
sys.path.insert(0, ".")
from google.protobuf import json_format
from kafka import KafkaConsumer, TopicPartition
import shop_pb2, key_pb2
brokers, topic, sent = sys.argv[1:4]
keyf = sys.argv[4] if len(sys.argv) > 4 else None
recs = [json.loads(l) for l in open(sent)]
types = {(0,): shop_pb2.Order, (1,): shop_pb2.Other, (1, 0): shop_pb2.Other.Deep}
def varint(b, i):
    x = s = 0
    while True:
        c = b[i]; i += 1; x |= (c & 0x7f) << s; s += 7
        if not c & 0x80:
            return x, i
def zz(u):
    return (u >> 1) ^ -(u & 1)
def dec(b, want, cls=None):
    if b is None or b[:1] != b"\0":
        return repr(b)
    sid = int.from_bytes(b[1:5], "big")
    n, i = varint(b, 5)
    idx = []
    for _ in range(zz(n)):
        v, i = varint(b, i)
        idx.append(zz(v))
    cls = cls or types[tuple(idx or [0])]
    got = cls()
    got.ParseFromString(b[i:])
    exp = json_format.ParseDict(want, cls(), ignore_unknown_fields=True)
    head = "id=%d %s%s" % (sid, idx, " short" if i == 6 and b[5] == 0 else "")
    # Compared as bytes in field order: NaN is not equal to itself.
    if got.SerializeToString(deterministic=True) == exp.SerializeToString(deterministic=True):
        return head + " same"
    return head + " DIFF got %s want %s" % (json_format.MessageToJson(got, indent=None),
                                            json_format.MessageToJson(exp, indent=None))
c = KafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False)
parts = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic))]
c.assign(parts)
c.seek_to_beginning(*parts)
end = c.end_offsets(parts)
out = []
for _ in range(100):
    if all(c.position(tp) >= end[tp] for tp in parts):
        break
    for tp, ms in c.poll(timeout_ms=200).items():
        out.extend(ms)
for k, m in enumerate(sorted(out, key=lambda m: (m.partition, m.offset))):
    r = recs[k % len(recs)]
    key = dec(m.key, r.get(keyf), key_pb2.Key) if keyf else "None"
    print(m.partition, m.offset, key, dec(m.value, r))
PYEOF
readback() { t_run "$1" timeout 30 $PY read.py "$BROKERS" "$2" "$3" ${4:+"$4"}; }
subject() { $PY -c 'import json, sys, urllib.request; d = json.load(urllib.request.urlopen(sys.argv[1] + "/subjects/" + sys.argv[2] + "/versions/latest")); print(d["id"], d.get("schemaType"), d["schema"] == open(sys.argv[3]).read())' "$REG" "$1" "$2"; }
SINK="timeout 30 tide-sink -b $BROKERS"

# --- good records: every kind of field ---------------------------------------

# In the decoder's own form (tide-formats(7)), so tide-source gives them
# back as they are; the last line in the mapping's other spellings.
cat >good.in <<'EOF'
{"order_id":"o1","amount":-5,"big":18446744073709551615,"delta":-3,"f64":1,"sf32":-2,"ratio":0.5,"ok":true,"blob":"aGk=","status":"PAID","items":[{"sku":"a","qty":2,"price":1.5},{"sku":"b"}],"nums":[1,-1,300],"counts":{"x":1,"y":2},"names":{"5":"five","-1":"neg"},"at":"2026-12-07T10:00:00.250Z","maybe":42,"extra":{"a":[1,"s",null,true,{"b":false}]},"u32":7}
{"order_id":"o\u00e9 \"2\"","amount":0,"ok":false,"status":"NEW","items":[],"nums":[]}
{}
{"orderId":"camel","amount":"9007199254740993","ratio":"NaN","status":2,"u32":"12","at":"2026-12-07T11:00:00+01:00","names":{"7":"x"},"unknown":{"a":1},"maybe":null}
EOF
T_IN=good.in
t_run "--value-schema FILE.proto: protoc, registered as pbs-value" $SINK \
    -t pbs --value-format protobuf --value-schema shop.proto \
    --schema-registry "$REG" -v
t_status 0
t_stderr_has "tide-sink: value: Protobuf schema id 1, message shop.Order"
t_run "registered as PROTOBUF, the .proto's text" subject pbs-value shop.proto
t_stdout <<'EOF'
1 PROTOBUF True
EOF
readback "python3-protobuf parses what ParseDict makes of each record" pbs good.in
t_status 0
t_stdout <<'EOF'
0 0 None id=1 [] short same
0 1 None id=1 [] short same
0 2 None id=1 [] short same
0 3 None id=1 [] short same
EOF
t_run "tide-source reads them back as they were sent" timeout 30 \
    tide-source -b "$BROKERS" -t pbs -e --value-format protobuf \
    --schema-registry "$REG"
t_status 0
t_stdout <<'EOF'
{"order_id":"o1","amount":-5,"big":18446744073709551615,"delta":-3,"f64":1,"sf32":-2,"ratio":0.5,"ok":true,"blob":"aGk=","status":"PAID","items":[{"sku":"a","qty":2,"price":1.5},{"sku":"b"}],"nums":[1,-1,300],"counts":{"x":1,"y":2},"names":{"5":"five","-1":"neg"},"at":"2026-12-07T10:00:00.250Z","maybe":42,"extra":{"a":[1,"s",null,true,{"b":false}]},"u32":7}
{"order_id":"oé \"2\"","amount":0,"ok":false,"status":"NEW"}
{}
{"order_id":"camel","amount":9007199254740993,"ratio":"NaN","status":"SHIPPED","u32":12,"at":"2026-12-07T10:00:00Z","names":{"7":"x"}}
EOF

# tide-source -J's envelopes of the topic, re-encoded by tide-sink -J: a
# copy whose messages python3-protobuf reads as the records first sent.
t_run "tide-source -J | tide-sink -J --value-format protobuf: a copy" \
    sh -c "timeout 30 tide-source -b '$BROKERS' -t pbs -e -J --value-format \
    protobuf --schema-registry '$REG' | $SINK -t pbs.copy -J \
    --value-format protobuf --value-subject pbs-value --schema-registry '$REG'"
t_status 0
t_stderr_empty
readback "the copy's messages" pbs.copy good.in
t_stdout <<'EOF'
0 0 None id=1 [] short same
0 1 None id=1 [] short same
0 2 None id=1 [] short same
0 3 None id=1 [] short same
EOF

# --- the type, the schema by descriptor, subject or id; the key --------------

printf '%s\n' '{"y":-4,"tags":["p","q"]}' '{"tags":[]}' >deep.in
T_IN=deep.in
t_run "--proto-message: a nested type, indexes [1, 0]" $SINK -t pbs.deep \
    --value-format protobuf --value-schema shop.proto \
    --proto-message shop.Other.Deep --schema-registry "$REG"
t_status 0
t_stderr_empty
readback "the indexes name Other.Deep" pbs.deep deep.in
t_stdout <<'EOF'
0 0 None id=1 [1, 0] same
0 1 None id=1 [1, 0] same
EOF

T_IN=good.in
t_run "--proto-descriptor with --schema-id: no registry" $SINK -t pbs.desc \
    --value-format protobuf --proto-descriptor shop.pb --schema-id 1
t_status 0
t_stderr_empty
t_run "--value-subject: its latest version, protoc on the registry's text" \
    $SINK -t pbs.desc --value-format protobuf --value-subject pbs-value \
    --schema-registry "$REG"
t_status 0
t_run "--schema-id alone: fetched" $SINK -t pbs.desc --value-format protobuf \
    --schema-id 1 --proto-message shop.Order --schema-registry "$REG"
t_status 0
readback "all three as the file's" pbs.desc good.in
t_stdout <<'EOF'
0 0 None id=1 [] short same
0 1 None id=1 [] short same
0 2 None id=1 [] short same
0 3 None id=1 [] short same
0 4 None id=1 [] short same
0 5 None id=1 [] short same
0 6 None id=1 [] short same
0 7 None id=1 [] short same
0 8 None id=1 [] short same
0 9 None id=1 [] short same
0 10 None id=1 [] short same
0 11 None id=1 [] short same
EOF

printf '%s\n' '{"k":{"id":"a1"},"order_id":"o1"}' '{"k":{"id":"b2"},"amount":3}' >key.in
T_IN=key.in
t_run "--key-format protobuf: the -k field, registered as pbs.key-key" $SINK \
    -t pbs.key -p 1 -k k --key-format protobuf --key-schema key.proto \
    --value-format protobuf --value-schema shop.proto --schema-registry "$REG"
t_status 0
t_stderr_empty
readback "keys and values parsed" pbs.key key.in k
t_stdout <<'EOF'
1 0 id=2 [] short same id=1 [] short same
1 1 id=2 [] short same id=1 [] short same
EOF
t_run "key.proto registered as pbs.key-key" subject pbs.key-key key.proto
t_stdout <<'EOF'
2 PROTOBUF True
EOF

# --- records that do not fit: bad input, the path and the reason ------------

# In two runs: a run shows its first 10 bad records.
cat >bad1.in <<'EOF'
{"order_id":"ok1"}
{"amount":1.5}
{"items":[{"sku":"a"},{"qty":"x"}]}
{"status":"LOST"}
{"ok":1}
{"u32":-1}
{"sf32":2147483648}
{"big":"18446744073709551616"}
{"blob":"not base64!"}
EOF
cat >bad2.in <<'EOF'
{"at":"2026-13-01T00:00:00Z"}
{"names":{"x":"a"}}
{"items":[null]}
{"nums":{"a":1}}
{"ratio":1e39}
{"order_id":5}
{"counts":{"a":null}}
[1]
{"order_id":"ok2"}
EOF
T_IN=bad1.in
t_run "8 bad records: path and reason, dead-lettered" $SINK -t pbs.bad \
    --value-format protobuf --proto-descriptor shop.pb --schema-id 1 \
    --dead-letter dead.out
t_status 0
t_stderr "$(cat <<'EOF'
tide-sink: line 2: value does not fit the schema: amount: 1.5 is not an integer
tide-sink: line 3: value does not fit the schema: items[1].qty: "x" is not a number
tide-sink: line 4: value does not fit the schema: status: no value LOST in the enum
tide-sink: line 5: value does not fit the schema: ok: a number where the schema has bool
tide-sink: line 6: value does not fit the schema: u32: -1 is out of range for uint32
tide-sink: line 7: value does not fit the schema: sf32: 2147483648 is out of range for sfixed32
tide-sink: line 8: value does not fit the schema: big: "18446744073709551616" is out of range for uint64
tide-sink: line 9: value does not fit the schema: blob: "not base64!" is not base64
tide-sink: 8 bad records skipped, kept in dead.out
EOF
)"
T_IN=bad2.in
t_run "8 more" $SINK -t pbs.bad --value-format protobuf \
    --proto-descriptor shop.pb --schema-id 1 --dead-letter dead2.out
t_status 0
t_stderr "$(cat <<'EOF'
tide-sink: line 1: value does not fit the schema: at: "2026-13-01T00:00:00Z" is not an RFC 3339 time in years 1 to 9999
tide-sink: line 2: value does not fit the schema: names[x]: "x" is not a number
tide-sink: line 3: value does not fit the schema: items[0]: null in a repeated field
tide-sink: line 4: value does not fit the schema: nums: an object where the schema has a repeated field (an array)
tide-sink: line 5: value does not fit the schema: ratio: 1e39 is out of range for float
tide-sink: line 6: value does not fit the schema: order_id: a number where the schema has string
tide-sink: line 7: value does not fit the schema: counts[a]: null as a map value
tide-sink: line 8: value does not fit the schema: an array where the schema has a message (an object)
tide-sink: 8 bad records skipped, kept in dead2.out
EOF
)"
t_run "the bad records are in the dead-letter files" sh -c 'cat dead.out dead2.out | wc -l'
t_stdout <<'EOF'
16
EOF
printf '%s\n' '{"order_id":"ok1"}' '{"order_id":"ok2"}' >bad.good
readback "the two that fit were written" pbs.bad bad.good
t_stdout <<'EOF'
0 0 None id=1 [] short same
0 1 None id=1 [] short same
EOF

# --- schemas that cannot be used ---------------------------------------------

T_IN=/dev/null
fails() {
	_st=$1 _want=$2
	shift 2
	t_run "exit $_st: $*" $SINK -t pbs.bad "$@"
	t_status "$_st"
	t_stderr_has "$_want"
}
subjects() { $PY -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/subjects")))' "$REG"; }
fails 65 "tide-sink: value schema 'broken.proto': " \
    --value-format protobuf --value-schema broken.proto --schema-registry "$REG"
t_run "the .proto protoc refused was not registered" subjects
t_stdout <<'EOF'
['pbs-value', 'pbs.deep-value', 'pbs.key-key', 'pbs.key-value']
EOF
fails 65 "tide-sink: value: no message type shop.Nope in the schema" \
    --value-format protobuf --proto-descriptor shop.pb --schema-id 1 \
    --proto-message shop.Nope
fails 65 "tide-sink: value: message type google.protobuf.Timestamp is not in the schema's own file (an import's)" \
    --value-format protobuf --proto-descriptor shop.pb --schema-id 1 \
    --proto-message google.protobuf.Timestamp
echo '{"type":"record","name":"R","fields":[]}' >r.avsc
t_run "an Avro schema registered" $SINK -t pbs.bad --value-format avro \
    --value-schema r.avsc --value-subject avro-subj --schema-registry "$REG"
t_status 0
fails 65 "tide-sink: value: schema id 3 is not a Protobuf schema" \
    --value-format protobuf --value-subject avro-subj --schema-registry "$REG"
fails 65 "tide-sink: value: schema id 1 is not an Avro schema" \
    --value-format avro --schema-id 1 --schema-registry "$REG"
t_run "exit 69: protoc missing" env TIDE_PROTOC=/nonexistent/protoc $SINK \
    -t pbs.bad --value-format protobuf --value-schema shop.proto --schema-id 1
t_status 69
t_stderr_has "tide-sink: value schema 'shop.proto': TIDE_PROTOC=/nonexistent/protoc: not found (unset it for protobuf-compiler's protoc)"
fails 74 "tide-sink: --proto-descriptor: nothere.pb: No such file or directory" \
    --value-format protobuf --proto-descriptor nothere.pb --schema-id 1
fails 65 "tide-sink: --proto-descriptor: " \
    --value-format protobuf --proto-descriptor shop.proto --schema-id 1
fails 74 "tide-sink: value schema: cannot read 'nothere.proto': No such file or directory" \
    --value-format protobuf --value-schema nothere.proto --schema-id 1

# --- usage errors --------------------------------------------------------------

usage() {
	_want=$1
	shift
	t_run "usage: $*" tide-sink -b "$BROKERS" "$@"
	t_status 64
	t_stderr_has "$_want"
}
usage "tide-sink: --value-format: unknown format 'proto' (json, avro, protobuf)" \
    -t pbs.bad --value-format proto
usage "tide-sink: --value-format protobuf: give --value-schema, --value-subject, --schema-id or --proto-descriptor" \
    -t pbs.bad --value-format protobuf --schema-registry "$REG"
usage "tide-sink: --value-format protobuf: give --value-schema, --value-subject, --schema-id or --proto-descriptor" \
    -t pbs.bad -J --value-format protobuf --schema-registry "$REG"
usage "tide-sink: --proto-descriptor: give --schema-id (or --value-schema FILE.proto to register the schema)" \
    -t pbs.bad --value-format protobuf --proto-descriptor shop.pb
usage "tide-sink: --proto-descriptor: not with --value-schema or --value-subject (give its --schema-id)" \
    -t pbs.bad --value-format protobuf --proto-descriptor shop.pb --value-schema shop.proto --schema-id 1
usage "tide-sink: --proto-descriptor and --proto-message go with --value-format protobuf" \
    -t pbs.bad --value-format avro --value-schema r.avsc --schema-id 3 --proto-message shop.Order
usage "tide-sink: --value-format protobuf and --key-format protobuf go with -t" \
    -o out --value-format protobuf --proto-descriptor shop.pb --schema-id 1
usage "tide-sink: --tee: not with Protobuf: the messages are not JSON" \
    -t pbs.bad --tee --value-format protobuf --proto-descriptor shop.pb --schema-id 1
usage "tide-sink: --key-format protobuf: goes with -k, not with -J" \
    -t pbs.bad --key-format protobuf --key-schema key.proto --schema-registry "$REG"
usage "tide-sink: no schema registry: give --schema-registry or set TIDE_SCHEMA_REGISTRY (or --schema-id with --value-schema)" \
    -t pbs.bad --value-format protobuf --value-schema shop.proto
usage "tide-sink: --proto-message: empty name" \
    -t pbs.bad --value-format protobuf --proto-descriptor shop.pb --schema-id 1 --proto-message ''
t_done
