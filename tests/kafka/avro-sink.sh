#!/bin/sh
# tide-sink --value-format avro (issue 21 item 2): each JSON record encoded
# against an Avro schema in the Confluent wire format (magic 0, the schema
# id big-endian, the payload), the schema registered under TopicNameStrategy
# in the test registry (tests/kafka/registry.py), or found by subject or id.
# The messages are read back by independent clients: python3-kafka, and
# python3-avro decoding the payload with the schema the registry gives for
# the id in the framing.  Schema evolution (a field added with a default:
# a new version; old messages read with the new schema).  Bad input: a
# record that does not fit (the field path and the reason, dead-lettered,
# counted), an unknown subject, a schema the registry refuses, a registry
# that is down (exit 69 within --schema-registry-timeout), bad credentials
# (never printed), and the usage errors.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import kafka, avro.schema' 2>/dev/null; then
	t_skip "python3-kafka or python3-avro missing"
	t_done
fi
unset TIDE_SCHEMA_REGISTRY TIDE_SCHEMA_REGISTRY_AUTH

mock_start -t av.tx:1 -t av.key:2 -t av.env:1 -t av.id:1 -t av.bad:1 -t av.copy:1 -t av.env2:1 -t av.dec:1 -t av.refs:1 -t av.lt:1
reg_start plain
REG=$REG_URL
reg_start auth --user alice:s3cret
AUTH=$REG_URL
AUTHPID=$REG_PID
TLS=$TIDE_TESTDATA/tls
reg_start tls --tls-cert "$TLS/server.pem" --tls-key "$TLS/server.key"
HTTPS=https://${REG_URL#http://}
reg_start mtls --tls-cert "$TLS/server.pem" --tls-key "$TLS/server.key" \
    --tls-client-ca "$TLS/ca.pem"
MTLS=https://${REG_URL#http://}

cat >"$T_DIR/v1.avsc" <<'AVSC'
{"type":"record","name":"Tx","namespace":"test","fields":[
 {"name":"account","type":"string"},
 {"name":"amount","type":"double"},
 {"name":"qty","type":"int"},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"note","type":["null","string"],"default":null}]}
AVSC
# v2: a field added with a default, so v1's messages still read.
sed 's/"default":null}]}/"default":null},\n {"name":"cur","type":"string","default":"EUR"}]}/' \
    "$T_DIR/v1.avsc" >"$T_DIR/v2.avsc"
echo '"string"' >"$T_DIR/key.avsc"

# Read a topic back: partition, offset, the key, the schema id and the
# value decoded by python3-avro with the writer's schema (from the
# registry, by the id in the framing) or, given a file, that reader schema.
cat >"$T_DIR/read.py" <<'PYEOF'
import io, json, struct, sys, urllib.request
import avro.io, avro.schema
from kafka import KafkaConsumer, TopicPartition
brokers, reg, topic = sys.argv[1:4]
reader = avro.schema.parse(open(sys.argv[4]).read()) if len(sys.argv) > 4 else None
cache = {}
def dec(b):
    if b is None or b[:1] != b"\0":
        return repr(b)
    sid = struct.unpack(">I", b[1:5])[0]
    if sid not in cache:
        body = json.load(urllib.request.urlopen("%s/schemas/ids/%d" % (reg, sid)))
        cache[sid] = avro.schema.parse(body["schema"])
    r = avro.io.DatumReader(cache[sid], reader or cache[sid])
    d = avro.io.BinaryDecoder(io.BytesIO(b[5:]))
    return "id=%d %s" % (sid, json.dumps(r.read(d), default=str, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
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
for m in sorted(out, key=lambda m: (m.partition, m.offset)):
    print(m.partition, m.offset, dec(m.key), dec(m.value))
PYEOF
readback() { t_run "$1" timeout 30 $PY "$T_DIR/read.py" "$BROKERS" "$REG" "$2" ${3:+"$3"}; }
requests() { $PY -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/_requests"))["count"])' "$1"; }
versions() { $PY -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/subjects/" + sys.argv[2] + "/versions")))' "$REG" "$1"; }
SINK="timeout 30 tide-sink -b $BROKERS"

# --- good records, registered as av.tx-value --------------------------------

cat >"$T_DIR/good.in" <<'EOF'
{"account":"a1","amount":1.5,"qty":3,"tags":["x","y"],"note":null}
{"account":"a\u00e9","amount":-2.25,"qty":0,"tags":[],"note":"hi \"there\""}
{"qty":-7,"tags":["z"],"amount":1e3,"account":"a3"}
{"account":"a4","amount":0,"qty":2147483647,"tags":[],"note":{"string":"spec form"}}
EOF
T_IN=$T_DIR/good.in
t_run "records encoded and registered" $SINK -t av.tx --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$REG"
t_status 0
t_stderr_empty
readback "python3-avro reads them back" av.tx
t_status 0
t_stdout <<'EOF'
0 0 None id=1 {"account":"a1","amount":1.5,"note":null,"qty":3,"tags":["x","y"]}
0 1 None id=1 {"account":"aé","amount":-2.25,"note":"hi \"there\"","qty":0,"tags":[]}
0 2 None id=1 {"account":"a3","amount":1000.0,"note":null,"qty":-7,"tags":["z"]}
0 3 None id=1 {"account":"a4","amount":0.0,"note":"spec form","qty":2147483647,"tags":[]}
EOF

# The same schema again: the registry's id, no new version.
T_IN=/dev/null
t_run "the same schema keeps its id" $SINK -t av.tx --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$REG" -v
t_status 0
t_stderr_has "tide-sink: value: Avro schema id 1"
t_run "one version" versions av.tx-value
t_stdout <<'EOF'
[1]
EOF

# --- schema evolution: v2 adds a field with a default -----------------------

printf '%s\n' '{"account":"n1","amount":7,"qty":1,"tags":[],"cur":"USD"}' \
    '{"account":"n2","amount":8,"qty":2,"tags":[]}' >"$T_DIR/v2.in"
T_IN=$T_DIR/v2.in
t_run "v2 registered as a new version" $SINK -t av.tx --value-format avro \
    --value-schema "$T_DIR/v2.avsc" --schema-registry "$REG"
t_status 0
t_stderr_empty
t_run "two versions" versions av.tx-value
t_stdout <<'EOF'
[1, 2]
EOF
readback "v1 and v2 messages read with v2: the default fills in" av.tx "$T_DIR/v2.avsc"
t_status 0
t_stdout <<'EOF'
0 0 None id=1 {"account":"a1","amount":1.5,"cur":"EUR","note":null,"qty":3,"tags":["x","y"]}
0 1 None id=1 {"account":"aé","amount":-2.25,"cur":"EUR","note":"hi \"there\"","qty":0,"tags":[]}
0 2 None id=1 {"account":"a3","amount":1000.0,"cur":"EUR","note":null,"qty":-7,"tags":["z"]}
0 3 None id=1 {"account":"a4","amount":0.0,"cur":"EUR","note":"spec form","qty":2147483647,"tags":[]}
0 4 None id=2 {"account":"n1","amount":7.0,"cur":"USD","note":null,"qty":1,"tags":[]}
0 5 None id=2 {"account":"n2","amount":8.0,"cur":"EUR","note":null,"qty":2,"tags":[]}
EOF
readback "v2 messages read with v1: the new field left out" av.tx "$T_DIR/v1.avsc"
t_status 0
t_stdout <<'EOF'
0 0 None id=1 {"account":"a1","amount":1.5,"note":null,"qty":3,"tags":["x","y"]}
0 1 None id=1 {"account":"aé","amount":-2.25,"note":"hi \"there\"","qty":0,"tags":[]}
0 2 None id=1 {"account":"a3","amount":1000.0,"note":null,"qty":-7,"tags":["z"]}
0 3 None id=1 {"account":"a4","amount":0.0,"note":"spec form","qty":2147483647,"tags":[]}
0 4 None id=2 {"account":"n1","amount":7.0,"note":null,"qty":1,"tags":[]}
0 5 None id=2 {"account":"n2","amount":8.0,"note":null,"qty":2,"tags":[]}
EOF

# --- the schema by subject, by id; the key; envelopes -----------------------

printf '%s\n' '{"account":"s1","amount":1,"qty":1,"tags":[]}' >"$T_DIR/one.in"
T_IN=$T_DIR/one.in
t_run "--value-subject: its latest version" $SINK -t av.id --value-format avro \
    --value-subject av.tx-value --schema-registry "$REG"
t_status 0
n0=$(requests "$REG")
t_run "--schema-id with --value-schema: no registry asked" $SINK -t av.id \
    --value-format avro --value-schema "$T_DIR/v1.avsc" --schema-id 1
t_status 0
t_run "the registry was not asked" requests "$REG"
t_stdout <<EOF
$n0
EOF
t_run "--schema-id alone: fetched" env TIDE_SCHEMA_REGISTRY="$REG" $SINK \
    -t av.id --value-format avro --schema-id 2
t_status 0
readback "by subject, by id" av.id
t_stdout <<'EOF'
0 0 None id=2 {"account":"s1","amount":1.0,"cur":"EUR","note":null,"qty":1,"tags":[]}
0 1 None id=1 {"account":"s1","amount":1.0,"note":null,"qty":1,"tags":[]}
0 2 None id=2 {"account":"s1","amount":1.0,"cur":"EUR","note":null,"qty":1,"tags":[]}
EOF

T_IN=$T_DIR/good.in
t_run "--key-format avro: the -k field, registered as av.key-key" $SINK \
    -t av.key -p 1 -k account --key-format avro --key-schema "$T_DIR/key.avsc" \
    --value-format avro --value-schema "$T_DIR/v1.avsc" --schema-registry "$REG"
t_status 0
t_stderr_empty
readback "keys and values decoded" av.key
t_stdout <<'EOF'
1 0 id=3 "a1" id=1 {"account":"a1","amount":1.5,"note":null,"qty":3,"tags":["x","y"]}
1 1 id=3 "aé" id=1 {"account":"aé","amount":-2.25,"note":"hi \"there\"","qty":0,"tags":[]}
1 2 id=3 "a3" id=1 {"account":"a3","amount":1000.0,"note":null,"qty":-7,"tags":["z"]}
1 3 id=3 "a4" id=1 {"account":"a4","amount":0.0,"note":"spec form","qty":2147483647,"tags":[]}
EOF
t_run "av.key-key" versions av.key-key
t_stdout <<'EOF'
[1]
EOF

# Decoded envelopes (tide-source -J of an Avro topic): re-encoded only
# when a value format is given.
printf '%s\n' '{"topic":"x","partition":0,"offset":4,"ts":1764547200000,"key":"k1","value":{"account":"e1","amount":2,"qty":5,"tags":["t"]},"value_schema_id":1}' >"$T_DIR/env.in"
T_IN=$T_DIR/env.in
t_run "-J --value-format avro re-encodes the value" $SINK -t av.env -J \
    --value-format avro --value-subject av.tx-value --schema-registry "$REG"
t_status 0
t_run "-J alone produces the value as it is" $SINK -t av.env -J
t_status 0
readback "envelopes" av.env
t_stdout <<'EOF'
0 0 b'k1' id=2 {"account":"e1","amount":2.0,"cur":"EUR","note":null,"qty":5,"tags":["t"]}
0 1 b'k1' b'{"account":"e1","amount":2,"qty":5,"tags":["t"]}'
EOF

# -J --value-format avro and no schema named: each envelope's own
# value_schema_id, fetched once per id; an envelope without one, with an
# id the registry does not have, or with a value that does not fit its
# schema is bad input.
cat >"$T_DIR/env2.in" <<'EOF'
{"key":"k1","value":{"account":"e1","amount":2,"qty":5,"tags":[]},"value_schema_id":1}
{"key":"k2","value":{"account":"e2","amount":3,"qty":6,"tags":[],"cur":"CHF"},"value_schema_id":2}
{"key":"k3","value":{"account":"e3","amount":4,"qty":7,"tags":["a"]},"value_schema_id":1}
{"key":"k4","value":{"account":"e4","amount":5,"qty":8,"tags":[]}}
{"key":"k5","value":{"account":"e5","amount":6,"qty":9,"tags":[]},"value_schema_id":99}
{"key":"k6","value":{"account":"e6","amount":"7","qty":9,"tags":[]},"value_schema_id":1}
EOF
T_IN=$T_DIR/env2.in
n0=$(requests "$REG")
t_run "-J: each envelope's value_schema_id" $SINK -t av.env2 -J \
    --value-format avro --schema-registry "$REG"
t_status 0
t_stderr \
    "tide-sink: line 4: value: no value_schema_id in the envelope, and no schema given" \
    "tide-sink: line 5: value: schema id 99: Schema 99 not found (error 40403)" \
    "tide-sink: line 6: value does not fit the schema: amount: a string where the schema has double" \
    "tide-sink: 3 bad records skipped"
t_run "one request per id" sh -c 'echo $(($1 - $2))' _ "$(requests "$REG")" "$n0"
t_stdout <<'EOF'
3
EOF
readback "encoded with their own ids" av.env2
t_stdout <<'EOF'
0 0 b'k1' id=1 {"account":"e1","amount":2.0,"note":null,"qty":5,"tags":[]}
0 1 b'k2' id=2 {"account":"e2","amount":3.0,"cur":"CHF","note":null,"qty":6,"tags":[]}
0 2 b'k3' id=1 {"account":"e3","amount":4.0,"note":null,"qty":7,"tags":["a"]}
EOF

# tide-source decodes what tide-sink encoded (both schema versions), and
# its -J envelopes go back to an Avro topic through tide-sink.
t_run "tide-source decodes it" timeout 30 tide-source -b "$BROKERS" -t av.tx -e \
    --value-format avro --schema-registry "$REG"
t_status 0
t_stdout <<'EOF'
{"account":"a1","amount":1.5,"qty":3,"tags":["x","y"],"note":null}
{"account":"aé","amount":-2.25,"qty":0,"tags":[],"note":"hi \"there\""}
{"account":"a3","amount":1000,"qty":-7,"tags":["z"],"note":null}
{"account":"a4","amount":0,"qty":2147483647,"tags":[],"note":"spec form"}
{"account":"n1","amount":7,"qty":1,"tags":[],"note":null,"cur":"USD"}
{"account":"n2","amount":8,"qty":2,"tags":[],"note":null,"cur":"EUR"}
EOF
timeout 30 tide-source -b "$BROKERS" -t av.tx -e -J --schema-registry "$REG" >"$T_DIR/tx.env"
T_IN=$T_DIR/tx.env
t_run "tide-source -J | tide-sink -J --value-format avro" $SINK -t av.copy -J \
    --value-format avro --value-subject av.tx-value --schema-registry "$REG"
t_status 0
t_stderr_empty
readback "the copy, every record in v2" av.copy
t_stdout <<'EOF'
0 0 None id=2 {"account":"a1","amount":1.5,"cur":"EUR","note":null,"qty":3,"tags":["x","y"]}
0 1 None id=2 {"account":"aé","amount":-2.25,"cur":"EUR","note":"hi \"there\"","qty":0,"tags":[]}
0 2 None id=2 {"account":"a3","amount":1000.0,"cur":"EUR","note":null,"qty":-7,"tags":["z"]}
0 3 None id=2 {"account":"a4","amount":0.0,"cur":"EUR","note":"spec form","qty":2147483647,"tags":[]}
0 4 None id=2 {"account":"n1","amount":7.0,"cur":"USD","note":null,"qty":1,"tags":[]}
0 5 None id=2 {"account":"n2","amount":8.0,"cur":"EUR","note":null,"qty":2,"tags":[]}
EOF

# --- records that do not fit: bad input, with the path and the reason -------

cat >"$T_DIR/bad.in" <<'EOF'
{"account":"b1","amount":"12.5","qty":1,"tags":[]}
{"account":"b2","qty":1,"tags":[]}
{"account":"b3","amount":1,"qty":1.5,"tags":[]}
{"account":"b4","amount":1,"qty":1,"tags":["ok",7]}
{"account":"b5","amount":1,"qty":4294967296,"tags":[]}
{"account":"b6","amount":1,"qty":1,"tags":[],"note":5}
[1,2]
{"account":"g1","amount":1,"qty":1,"tags":[]}
EOF
T_IN=$T_DIR/bad.in
t_run "records that do not fit the schema" $SINK -t av.bad --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$REG" \
    --dead-letter "$T_DIR/dead"
t_status 0
t_stderr \
    "tide-sink: line 1: value does not fit the schema: amount: a string where the schema has double" \
    "tide-sink: line 2: value does not fit the schema: amount: missing, and the field has no default" \
    "tide-sink: line 3: value does not fit the schema: qty: 1.5 is not an int" \
    "tide-sink: line 4: value does not fit the schema: tags[1]: a number where the schema has string" \
    "tide-sink: line 5: value does not fit the schema: qty: 4294967296 is not an int" \
    "tide-sink: line 6: value does not fit the schema: note: a number that fits no branch of [null, string]" \
    "tide-sink: line 7: value does not fit the schema: an array where the schema has test.Tx" \
    "tide-sink: 7 bad records skipped, kept in $T_DIR/dead"
t_run "each dead-lettered with its reason" jq -r '"\(.line) \(.raw) \(.error)"' "$T_DIR/dead"
t_stdout <<'EOF'
1 {"account":"b1","amount":"12.5","qty":1,"tags":[]} value does not fit the schema: amount: a string where the schema has double
2 {"account":"b2","qty":1,"tags":[]} value does not fit the schema: amount: missing, and the field has no default
3 {"account":"b3","amount":1,"qty":1.5,"tags":[]} value does not fit the schema: qty: 1.5 is not an int
4 {"account":"b4","amount":1,"qty":1,"tags":["ok",7]} value does not fit the schema: tags[1]: a number where the schema has string
5 {"account":"b5","amount":1,"qty":4294967296,"tags":[]} value does not fit the schema: qty: 4294967296 is not an int
6 {"account":"b6","amount":1,"qty":1,"tags":[],"note":5} value does not fit the schema: note: a number that fits no branch of [null, string]
7 [1,2] value does not fit the schema: an array where the schema has test.Tx
EOF
readback "only the record that fits was produced" av.bad
t_stdout <<'EOF'
0 0 None id=1 {"account":"g1","amount":1.0,"note":null,"qty":1,"tags":[]}
EOF
t_run "--strict: exit 65 at the first" $SINK -t av.bad --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$REG" --strict
t_status 65

# --- the registry's failures -----------------------------------------------

T_IN=$T_DIR/one.in
t_run "unknown subject" $SINK -t av.bad --value-format avro \
    --value-subject nope-value --schema-registry "$REG"
t_status 69
t_stderr 'tide-sink: subject '\''nope-value'\'': Subject '\''nope-value'\'' not found. (error 40401)'
t_run "unknown schema id" $SINK -t av.bad --value-format avro \
    --schema-id 99 --schema-registry "$REG"
t_status 69
t_stderr 'tide-sink: schema id 99: Schema 99 not found (error 40403)'
# A schema tide reads but the registry refuses (python3-avro checks a
# field's order, tide does not use it).
echo '{"type":"record","name":"X","fields":[{"name":"a","type":"int","order":"sideways"}]}' >"$T_DIR/refused.avsc"
t_run "the registry refuses the schema (422)" $SINK -t av.bad --value-format avro \
    --value-schema "$T_DIR/refused.avsc" --schema-registry "$REG"
t_status 65
t_stderr 'tide-sink: subject '\''av.bad-value'\'': the registry refused the schema: Invalid schema: The order property sideways is not valid. (error 42201)'
# A file that is no schema, or a hostile one, is refused before the
# registry is asked: the local reason, exit 65, no request.
echo '{"type":"record","name":"X","fields":[{"name":"a","type":"strin"}]}' >"$T_DIR/unknown.avsc"
echo 'not json {' >"$T_DIR/notjson.avsc"
$PY -c 'print("{\"type\":\"array\",\"items\":" * 3000 + "\"int\"" + "}" * 3000)' >"$T_DIR/deep.avsc"
echo '{"type":"record","name":"R","fields":[{"name":"r","type":"R"}]}' >"$T_DIR/self.avsc"
n0=$(requests "$REG")
for f in unknown notjson deep self; do
	$SINK -t av.bad --value-format avro --value-schema "$T_DIR/$f.avsc" \
	    --schema-registry "$REG" <"$T_IN" >/dev/null 2>"$T_DIR/local.err"
	echo "exit $?: $(sed "s|$T_DIR/||" "$T_DIR/local.err")"
done >"$T_DIR/local.out"
t_run "bad schema files: refused before the registry is asked" cat "$T_DIR/local.out"
t_stdout <<'EOF'
exit 65: tide-sink: value schema 'unknown.avsc': not an Avro schema: a: unknown type "strin"
exit 65: tide-sink: value schema 'notjson.avsc': not an Avro schema: not JSON: invalid token near 'not' at line 1
exit 65: tide-sink: value schema 'deep.avsc': not an Avro schema: not JSON: maximum parsing depth reached near '"array"' at line 1
exit 65: tide-sink: value schema 'self.avsc': not an Avro schema: record R contains itself with no way to end
EOF
t_run "... and no request made of it" requests "$REG"
t_stdout <<EOF
$n0
EOF
echo '{"type":"nope"}' >"$T_DIR/notavro.avsc"
t_run "not an Avro schema, with --schema-id" $SINK -t av.bad --value-format avro \
    --value-schema "$T_DIR/notavro.avsc" --schema-id 1
t_status 65
t_stderr_has "tide-sink: value schema '$T_DIR/notavro.avsc': not an Avro schema: "
$PY -c 'import json, sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/subjects/p-value/versions", json.dumps({"schema": "syntax = \"proto3\";\nmessage M { int64 a = 1; }\n", "schemaType": "PROTOBUF"}).encode(), {"Content-Type": "application/json"}))' "$REG"
t_run "a schema id that is not Avro" $SINK -t av.bad --value-format avro \
    --schema-id 4 --schema-registry "$REG"
t_status 65
t_stderr 'tide-sink: value: schema id 4 is not an Avro schema'
t_run "a schema file that is not there" $SINK -t av.bad --value-format avro \
    --value-schema "$T_DIR/none.avsc" --schema-registry "$REG"
t_status 74
t_stderr "tide-sink: value schema: cannot read '$T_DIR/none.avsc': No such file or directory"

# Basic auth: from the option, the environment or the URL; a wrong
# password is refused and never shown.
t_run "--schema-registry-auth" $SINK -t av.id --value-format avro --schema-id 1 \
    --schema-registry "$AUTH" --schema-registry-auth alice:s3cret
t_status 69
t_stderr 'tide-sink: schema id 1: Schema 1 not found (error 40403)'
t_run "wrong password" $SINK -t av.id --value-format avro --schema-id 1 \
    --schema-registry "$AUTH" --schema-registry-auth alice:hunter2
t_status 69
t_stderr "tide-sink: $AUTH: Unauthorized (error 40101) (check the registry's user and password)"
t_run "a wrong password in the URL's user info" $SINK -t av.id --value-format avro \
    --schema-id 1 --schema-registry "http://alice:hunter2@${AUTH#http://}"
t_status 69
t_stderr "tide-sink: $AUTH: Unauthorized (error 40101) (check the registry's user and password)"
t_run "TIDE_SCHEMA_REGISTRY_AUTH" env TIDE_SCHEMA_REGISTRY="$AUTH" \
    TIDE_SCHEMA_REGISTRY_AUTH=alice:s3cret $SINK -t av.id --value-format avro \
    --value-schema "$T_DIR/v1.avsc"
t_status 0
t_stderr_empty

# TLS: the registry's CA, no verification when asked, a client
# certificate where the registry asks for one.
t_run "https: --schema-registry-ca" $SINK -t av.id --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$HTTPS" \
    --schema-registry-ca "$TLS/ca.pem" -v
t_status 0
t_stderr_has "tide-sink: value: Avro schema id 1"
t_run "https: a certificate not verified" $SINK -t av.id --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$HTTPS"
t_status 69
t_stderr_has "tide-sink: $HTTPS: SSL certificate problem: "
t_run "https: --schema-registry-insecure" $SINK -t av.id --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$HTTPS" \
    --schema-registry-insecure
t_status 0
t_stderr_empty
t_run "mutual TLS: --schema-registry-cert and -key" $SINK -t av.id \
    --value-format avro --value-schema "$T_DIR/v1.avsc" \
    --schema-registry "$MTLS" --schema-registry-ca "$TLS/ca.pem" \
    --schema-registry-cert "$TLS/client.pem" --schema-registry-key "$TLS/client.key"
t_status 0
t_stderr_empty
t_run "mutual TLS: no client certificate" $SINK -t av.id --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$MTLS" \
    --schema-registry-ca "$TLS/ca.pem" --schema-registry-timeout 500ms
t_status 69
t_stderr_has "tide-sink: $MTLS"
readback "what went through TLS" av.id
t_stdout <<'EOF'
0 0 None id=2 {"account":"s1","amount":1.0,"cur":"EUR","note":null,"qty":1,"tags":[]}
0 1 None id=1 {"account":"s1","amount":1.0,"note":null,"qty":1,"tags":[]}
0 2 None id=2 {"account":"s1","amount":1.0,"cur":"EUR","note":null,"qty":1,"tags":[]}
0 3 None id=1 {"account":"s1","amount":1.0,"note":null,"qty":1,"tags":[]}
0 4 None id=1 {"account":"s1","amount":1.0,"note":null,"qty":1,"tags":[]}
0 5 None id=1 {"account":"s1","amount":1.0,"note":null,"qty":1,"tags":[]}
0 6 None id=1 {"account":"s1","amount":1.0,"note":null,"qty":1,"tags":[]}
EOF

# A registry that is down: retried, noted, then exit 69 at the bound.
reg_stop $AUTHPID
t_run "registry down" $SINK -t av.bad --value-format avro \
    --value-schema "$T_DIR/v1.avsc" --schema-registry "$AUTH" \
    --schema-registry-timeout 500ms
t_status 69
t_stderr_has "tide-sink: schema registry $AUTH: unreachable ("
t_stderr_has "), retrying for up to 500ms"
t_stderr_has "tide-sink: $AUTH: unreachable (retried for 500ms): "
T_IN=$T_DIR/env2.in
t_run "registry down, each envelope's id" $SINK -t av.bad -J --value-format avro \
    --schema-registry "$AUTH" --schema-registry-auth alice:s3cret \
    --schema-registry-timeout 500ms
t_status 69
t_stderr_has "tide-sink: schema registry $AUTH: unreachable ("
t_stderr_has "tide-sink: value: $AUTH: unreachable (retried for 500ms): "

# --- usage errors -----------------------------------------------------------

T_IN=/dev/null
usage() {
	_want=$1
	shift
	t_run "usage: $*" tide-sink -b "$BROKERS" "$@"
	t_status 64
	t_stderr_has "$_want"
}
usage "tide-sink: --value-format: unknown format 'xml' (json, avro, protobuf)" \
    -t av.bad --value-format xml
usage "tide-sink: --value-format avro: give --value-schema, --value-subject or --schema-id (or -J: each envelope's value_schema_id)" \
    -t av.bad --value-format avro --schema-registry "$REG"
usage "tide-sink: --value-schema, --value-subject and --schema-id go with --value-format avro or protobuf" \
    -t av.bad --value-schema "$T_DIR/v1.avsc"
# --schema-id names the schema: a subject beside it is refused, not
# ignored (issue 21, tide-sink item 3).
usage "tide-sink: --value-subject and --schema-id: not together (--schema-id names the schema, registered already; --value-subject would be ignored)" \
    -t av.bad --value-format avro --value-schema "$T_DIR/v1.avsc" --value-subject av.tx-value --schema-id 1
usage "tide-sink: --value-subject and --schema-id: not together (--schema-id names the schema; --value-subject would be ignored)" \
    -t av.bad --value-format avro --value-subject av.tx-value --schema-id 1 --schema-registry "$REG"
usage "tide-sink: --value-subject and --schema-id: not together (--schema-id names the schema, registered already; --value-subject would be ignored)" \
    -t av.bad --value-format protobuf --value-schema "$T_DIR/v1.avsc" --value-subject s --schema-id 1 -k id --key-format avro --key-schema "$T_DIR/key.avsc"
usage "tide-sink: no schema registry: give --schema-registry or set TIDE_SCHEMA_REGISTRY (or --schema-id with --value-schema)" \
    -t av.bad --value-format avro --value-schema "$T_DIR/v1.avsc"
usage "tide-sink: --value-format avro and --key-format avro go with -t" \
    -o "$T_DIR/out" --value-format avro --schema-id 1 --value-schema "$T_DIR/v1.avsc"
usage "tide-sink: --tee: not with Avro: the messages are not JSON" \
    -t av.bad --tee --value-format avro --schema-id 1 --value-schema "$T_DIR/v1.avsc"
usage "tide-sink: --key-format avro: goes with -k, not with -J" \
    -t av.bad --key-format avro --key-schema "$T_DIR/key.avsc" --schema-registry "$REG"
usage "tide-sink: --schema-registry: not an http:// or https:// URL" \
    -t av.bad --schema-registry localhost:8081
usage "tide-sink: --schema-registry-auth: not user:password" \
    -t av.bad --schema-registry-auth hunter2
t_run "the password is not echoed" grep -c hunter2 "$T_ERR"
t_stdout <<'EOF'
0
EOF
usage "tide-sink: --schema-registry: not a schema registry URL: 'http://***@' (http://host:port or https://...)" \
    -t av.bad --value-format avro --value-subject s --schema-registry http://bob:hunter2@
usage "tide-sink: --schema-registry: not a schema registry URL: 'http://***@[::1:8081' (http://host:port or https://...)" \
    -t av.bad --value-format avro --value-subject s --schema-registry 'http://bob:hunter2@[::1:8081'
usage "tide-sink: --schema-registry: not a schema registry URL: 'http://localhost:808181' (http://host:port or https://...)" \
    -t av.bad --value-format avro --value-subject s --schema-registry http://localhost:808181
usage "tide-sink: --schema-registry-cert and --schema-registry-key go together" \
    -t av.bad --value-format avro --value-subject s --schema-registry "$HTTPS" \
    --schema-registry-cert "$TLS/client.pem"
usage "tide-sink: the --schema-registry-* options need --schema-registry or TIDE_SCHEMA_REGISTRY" \
    -t av.bad --value-format avro --value-subject s --schema-registry-insecure
# Decimals written with an exponent, as jq and other JSON writers put
# large and small numbers: the point moved exactly, read back by
# python3-avro; one that needs more places than the scale, or more digits
# than the precision, is bad input.
cat >"$T_DIR/dec.avsc" <<'AVSC'
{"type":"record","name":"D","fields":[
 {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":4}}]}
AVSC
cat >"$T_DIR/dec.in" <<'EOF'
{"d":1.5e2}
{"d":"1.5E2"}
{"d":1250e-5}
{"d":-1.2345E+3}
{"d":0e-99999999}
{"d":1e-5}
{"d":1e8}
{"d":"1e"}
{"d":"1e+x"}
EOF
T_IN=$T_DIR/dec.in
t_run "decimals with an exponent" $SINK -t av.dec --value-format avro \
    --value-schema "$T_DIR/dec.avsc" --schema-registry "$REG" \
    --dead-letter "$T_DIR/dec.dead"
t_status 0
t_run "... the ones that do not fit dead-lettered" jq -r '"\(.line) \(.error)"' "$T_DIR/dec.dead"
t_stdout <<'EOF'
6 value does not fit the schema: d: a decimal with more than 4 places or 38 digits
7 value does not fit the schema: d: a decimal of 13 digits where the precision is 12
8 value does not fit the schema: d: not a decimal number
9 value does not fit the schema: d: not a decimal number
EOF
readback "... the others exact, as python3-avro reads them" av.dec
t_stdout <<'EOF'
0 0 None id=5 {"d":"150.0000"}
0 1 None id=5 {"d":"150.0000"}
0 2 None id=5 {"d":"0.0125"}
0 3 None id=5 {"d":"-1234.5000"}
0 4 None id=5 {"d":"0.0000"}
EOF

# --- times as RFC 3339 text, UUIDs (issue 21, tide-sink items 1 and 2) ----
# A timestamp-micros field written from epoch ms (tide's own JSON form for
# it, exact to the microsecond) and from RFC 3339 text, as python3-avro
# reads them, and as tide-source writes them back (epoch ms again); a uuid
# that is not 8-4-4-4-12 hex and a time that is no RFC 3339 are bad input.
cat >"$T_DIR/lt.avsc" <<'AVSC'
{"type":"record","name":"Ev","fields":[
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"us","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"id","type":{"type":"string","logicalType":"uuid"}}]}
AVSC
cat >"$T_DIR/lt.in" <<'EOF'
{"ts":1796637600000,"us":1796637600123.456,"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d"}
{"ts":"2026-12-07T11:00:00.5+01:00","us":"2026-12-07T10:00:00.123456Z","id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d"}
{"ts":1,"us":1,"id":"not-a-uuid"}
{"ts":1,"us":"2026-12-07","id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d"}
EOF
T_IN=$T_DIR/lt.in
t_run "times as RFC 3339 text" $SINK -t av.lt --value-format avro \
    --value-schema "$T_DIR/lt.avsc" --schema-registry "$REG"
t_status 0
cp "$T_ERR" "$T_OUT"
T_NAME="$T_NAME (stderr)"
t_stdout <<'EOF'
tide-sink: line 3: value does not fit the schema: id: "not-a-uuid" is not a UUID (8-4-4-4-12 hexadecimal digits)
tide-sink: line 4: value does not fit the schema: us: "2026-12-07" is not an RFC 3339 time
tide-sink: 2 bad records skipped
EOF
readback "... as python3-avro reads them" av.lt
t_stdout <<'EOF'
0 0 None id=6 {"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d","ts":"2026-12-07 10:00:00+00:00","us":"2026-12-07 10:00:00.123456+00:00"}
0 1 None id=6 {"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d","ts":"2026-12-07 10:00:00.500000+00:00","us":"2026-12-07 10:00:00.123456+00:00"}
EOF
T_IN=/dev/null
t_run "... as tide-source writes them: epoch ms" timeout 30 tide-source \
    -b "$BROKERS" -t av.lt -e --schema-registry "$REG"
t_stdout <<'EOF'
{"ts":1796637600000,"us":1796637600123.456,"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d"}
{"ts":1796637600500,"us":1796637600123.456,"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d"}
EOF

# --- a subject's schema with references (issue 21, tide-sink item 5) -------
# The latest version of a subject whose Avro schema uses named types other
# subjects define (its "references", references of references, one type
# needed twice) is parsed with them fetched, as tide-source does, and
# encodes; tide-source reads the messages back.  Also by --schema-id and
# by each envelope's id (-J).  Bad: a record that does not fit a referenced
# type (the path into it), and, from a registry that keeps references
# unchecked, a reference it does not have (69) and referenced text that is
# no Avro schema (65).
reg_start unchecked --unchecked
UNCH=$REG_URL
cat >"$T_DIR/reg.py" <<'PYEOF'
import json, sys, urllib.request
url, subject, schema = sys.argv[1:4]
refs = [dict(zip(("name", "subject", "version"), r.split(":")))
        for r in sys.argv[4:]]
for r in refs:
    r["version"] = int(r["version"])
body = json.dumps({"schema": schema, "references": refs}).encode()
req = urllib.request.Request(url + "/subjects/" + subject + "/versions", body,
                             {"Content-Type": "application/vnd.schemaregistry.v1+json"})
print(json.load(urllib.request.urlopen(req))["id"])
PYEOF
MONEY='{"type":"record","name":"Money","namespace":"com.acme","fields":[{"name":"currency","type":"string"},{"name":"cents","type":"long"}]}'
LINE='{"type":"record","name":"Line","namespace":"com.acme","fields":[{"name":"sku","type":"string"},{"name":"price","type":"Money"}]}'
ORDER='{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"total","type":"com.acme.Money"},{"name":"lines","type":{"type":"array","items":"com.acme.Line"}},{"name":"tip","type":["null","com.acme.Money"]}]}'
for u in "$REG" "$UNCH"; do
	$PY "$T_DIR/reg.py" "$u" money-avro "$MONEY" &&
	$PY "$T_DIR/reg.py" "$u" line-avro "$LINE" com.acme.Money:money-avro:1 &&
	$PY "$T_DIR/reg.py" "$u" av.refs-value "$ORDER" \
	    com.acme.Money:money-avro:1 com.acme.Line:line-avro:1
done >"$T_DIR/refs.ids" || t_fail "registering the schemas with references"
$PY "$T_DIR/reg.py" "$UNCH" gone-value "$ORDER" com.acme.Money:nope:1 \
    com.acme.Line:line-avro:1 >>"$T_DIR/refs.ids" &&
$PY "$T_DIR/reg.py" "$UNCH" notavro "[" >>"$T_DIR/refs.ids" &&
$PY "$T_DIR/reg.py" "$UNCH" broken-value \
    '{"type":"record","name":"B","fields":[{"name":"m","type":"com.acme.Money"}]}' \
    com.acme.Money:notavro:1 >>"$T_DIR/refs.ids" ||
    t_fail "registering the broken references"
RID=$(sed -n 3p "$T_DIR/refs.ids")
cat >"$T_DIR/refs.in" <<'EOF'
{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"currency":"EUR","cents":50}}
{"id":"a-2","total":{"currency":"","cents":0},"lines":[],"tip":null}
{"id":"a-3","total":{"currency":"EUR","cents":"x"},"lines":[],"tip":null}
{"id":"a-4","total":{"currency":"EUR","cents":1},"lines":[{"sku":"s-1","price":{"currency":"EUR"}}],"tip":null}
{"id":"a-5","total":{"currency":"EUR","cents":1},"lines":[],"tip":{"currency":7,"cents":1}}
EOF
T_IN=$T_DIR/refs.in
t_run "references: --value-subject, its latest version" $SINK -t av.refs \
    --value-format avro --value-subject av.refs-value --schema-registry "$REG"
t_status 0
cp "$T_ERR" "$T_OUT"
T_NAME="$T_NAME (stderr)"
t_stdout <<'EOF'
tide-sink: line 3: value does not fit the schema: total.cents: a string where the schema has long
tide-sink: line 4: value does not fit the schema: lines[0].price.cents: missing, and the field has no default
tide-sink: line 5: value does not fit the schema: tip: an object that fits no branch of [null, com.acme.Money]
tide-sink: 3 bad records skipped
EOF
head -2 "$T_DIR/refs.in" >"$T_DIR/refs2.in"
T_IN=$T_DIR/refs2.in
t_run "references: --schema-id" $SINK -t av.refs --value-format avro \
    --schema-id "$RID" --schema-registry "$REG"
t_status 0
t_stderr_empty
T_IN=/dev/null
timeout 30 tide-source -b "$BROKERS" -t av.refs -e -J --schema-registry "$REG" |
    jq -c '{value, value_schema_id}' >"$T_DIR/refs.env"
T_IN=$T_DIR/refs.env
t_run "references: -J, each envelope's id" $SINK -t av.refs -J \
    --value-format avro --schema-registry "$REG"
t_status 0
t_stderr_empty
T_IN=/dev/null
t_run "references: tide-source reads them back" sh -c "timeout 30 \
    tide-source -b '$BROKERS' -t av.refs -e -J --schema-registry '$REG' |
    jq -c '[.offset, .value]'"
t_status 0
t_stdout <<'EOF'
[0,{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"currency":"EUR","cents":50}}]
[1,{"id":"a-2","total":{"currency":"","cents":0},"lines":[],"tip":null}]
[2,{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"currency":"EUR","cents":50}}]
[3,{"id":"a-2","total":{"currency":"","cents":0},"lines":[],"tip":null}]
[4,{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"currency":"EUR","cents":50}}]
[5,{"id":"a-2","total":{"currency":"","cents":0},"lines":[],"tip":null}]
[6,{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"currency":"EUR","cents":50}}]
[7,{"id":"a-2","total":{"currency":"","cents":0},"lines":[],"tip":null}]
EOF
T_IN=$T_DIR/refs2.in
t_run "references: one the registry does not have" $SINK -t av.refs \
    --value-format avro --value-subject gone-value --schema-registry "$UNCH"
t_status 69
cp "$T_ERR" "$T_OUT"
T_NAME="$T_NAME (stderr)"
t_stdout <<'EOF'
tide-sink: value: schema id 4: reference "com.acme.Money": subject 'nope' version 1: Subject 'nope' not found. (error 40401)
EOF
t_run "references: one that is no Avro schema" $SINK -t av.refs \
    --value-format avro --value-subject broken-value --schema-registry "$UNCH"
t_status 65
cp "$T_ERR" "$T_OUT"
T_NAME="$T_NAME (stderr)"
t_stdout <<'EOF'
tide-sink: value: schema id 6: not an Avro schema tide can use: reference "com.acme.Money": not JSON: ']' expected near end of file at line 1
EOF

t_done
