#!/bin/sh
# Schema Registry schema references (issue 21): a Protobuf schema that
# imports files other subjects hold, and an Avro schema that uses named
# types other subjects define, registered with their "references" by
# python3-confluent-kafka's SchemaRegistryClient against the test registry
# (tests/kafka/registry.py, checked here against that client: what it
# registers, reads back by id and by version, and looks up); the messages
# made by python3-protobuf (protoc --python_out) and python3-avro, the
# Confluent framing written out, produced by python3-kafka; read back by
# tide-source -e and tide-replay and compared with the JSON expected,
# exactly.  References of references and one schema needed twice (a
# diamond) included.  Then bad input, as many cases as good, from a
# registry that keeps references unchecked (a broken or hostile one): a
# referenced subject or version that is not there, a cycle, references
# nested too deep, a thousand of them, referenced text that protoc or
# avro-c refuses, an import no reference names, a reference to a schema of
# another type, one name given to two schemas; each reported with
# partition and offset, dead-lettered and counted.  A references array
# that is not one, and a registry that cannot give a reference, are exit
# 69.
. "$(dirname "$0")/../lib.sh"
t_skip_unless protoc
PY=/usr/bin/python3
if ! $PY -c 'import google.protobuf, kafka, avro.io, confluent_kafka.schema_registry' 2>/dev/null; then
	t_skip "python3-protobuf, python3-kafka, python3-avro or python3-confluent-kafka not installed"
	t_done
fi
cd "$T_DIR" || exit 1

mkdir -p common
cat >common/money.proto <<'EOF'
syntax = "proto3";
package common;
message Money { string currency = 1; int64 cents = 2; }
EOF
cat >common/tax.proto <<'EOF'
syntax = "proto3";
package common;
import "common/money.proto";
message Tax { int32 rate_ppm = 1; Money amount = 2; }
EOF
cat >order.proto <<'EOF'
syntax = "proto3";
package shop;
import "common/money.proto";
import "common/tax.proto";
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1; common.Money total = 2; common.Tax tax = 3;
  google.protobuf.Timestamp at = 4;
  message Line { string sku = 1; common.Money price = 2; }
  repeated Line lines = 5;
}
EOF
protoc --python_out=. order.proto common/money.proto common/tax.proto ||
	{ t_fail "protoc --python_out"; t_done; }

mock_start -t pb:1 -t av:1 -t pbbad:1 -t avbad:1 -t fmt:1 -t down:1
reg_start good
GOOD=$REG_URL
reg_start bad --unchecked
BAD=$REG_URL
reg_start down --fail-path "GET /subjects/"
DOWN=$REG_URL

# --- the good records, registered by SchemaRegistryClient ---------------------

timeout 60 $PY - "$BROKERS" "$GOOD" <<'EOF' >client.out 2>client.err || t_fail "producing the good records" "$(cat client.err)"
import io, json, struct, sys
sys.path.insert(0, ".")
import avro.io, avro.schema
from confluent_kafka.schema_registry import (Schema, SchemaReference,
                                             SchemaRegistryClient,
                                             SchemaRegistryError)
from google.protobuf import timestamp_pb2
from kafka import KafkaProducer
import order_pb2

brokers, url = sys.argv[1:3]
sr = SchemaRegistryClient({"url": url})
text = lambda f: open(f).read()

# Protobuf: money, tax (money's), order (both, and a well-known import).
ref = SchemaReference
money = sr.register_schema("money-value",
                           Schema(text("common/money.proto"), "PROTOBUF"))
tax = sr.register_schema("tax-value", Schema(
    text("common/tax.proto"), "PROTOBUF",
    [ref("common/money.proto", "money-value", 1)]))
orefs = [ref("common/money.proto", "money-value", 1),
         ref("common/tax.proto", "tax-value", 1)]
oid = sr.register_schema("pb-value", Schema(text("order.proto"), "PROTOBUF",
                                            orefs))

# What the client reads back: the references as registered, by id, by
# version and by lookup (a fresh client: no cache).
sr2 = SchemaRegistryClient({"url": url})
s = sr2.get_schema(oid)
print("by id", oid, s.schema_type,
      [(r.name, r.subject, r.version) for r in s.references])
v = sr2.get_version("pb-value", 1)
print("by version", v.schema_id, v.version,
      [(r["name"], r["subject"], r["version"]) for r in v.schema.references])
lk = sr2.lookup_schema("pb-value", Schema(text("order.proto"), "PROTOBUF",
                                          orefs))
print("lookup", lk.schema_id)
print("tax by id", [(r.name, r.subject, r.version)
                    for r in sr2.get_schema(tax).references])
print("money by id", sr2.get_schema(money).references)
try:
    sr2.register_schema("x-value", Schema(text("order.proto"), "PROTOBUF",
                                          [ref("common/money.proto",
                                               "money-value", 7)]))
except SchemaRegistryError as e:
    print("missing version:", e.http_status_code, e.error_code)
try:
    sr2.lookup_schema("pb-value", Schema(text("order.proto"), "PROTOBUF"))
except SchemaRegistryError as e:
    print("lookup without the references:", e.http_status_code, e.error_code)

p = KafkaProducer(bootstrap_servers=brokers, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=10000)
o = order_pb2.Order(id="o-1")
o.total.currency, o.total.cents = "EUR", 1250
o.tax.rate_ppm = 190000
o.tax.amount.currency, o.tax.amount.cents = "EUR", 238
o.at.FromJsonString("2026-12-07T10:00:00.250Z")
ln = o.lines.add(sku="sku-9")
ln.price.currency, ln.price.cents = "EUR", 9007199254740993
p.send("pb", partition=0, value=b"\0" + struct.pack(">I", oid) + b"\0" +
       o.SerializeToString())
line = order_pb2.Order.Line(sku="sku-1")
line.price.cents = -5
p.send("pb", partition=0, value=b"\0" + struct.pack(">I", oid) +
       b"\x04\x00\x00" + line.SerializeToString())

# Avro: Money; Line uses Money; Order uses both (a diamond), in a union
# and an array too.
MONEY = {"type": "record", "name": "Money", "namespace": "com.acme",
         "fields": [{"name": "currency", "type": "string"},
                    {"name": "cents", "type": "long"}]}
LINE = {"type": "record", "name": "Line", "namespace": "com.acme",
        "fields": [{"name": "sku", "type": "string"},
                   {"name": "price", "type": "Money"}]}
ORDER = {"type": "record", "name": "Order", "namespace": "shop",
         "fields": [{"name": "id", "type": "string"},
                    {"name": "total", "type": "com.acme.Money"},
                    {"name": "lines", "type": {"type": "array",
                                               "items": "com.acme.Line"}},
                    {"name": "tip", "type": ["null", "com.acme.Money"]}]}
am = sr.register_schema("money-avro", Schema(json.dumps(MONEY), "AVRO"))
al = sr.register_schema("line-avro", Schema(json.dumps(LINE), "AVRO",
                        [ref("com.acme.Money", "money-avro", 1)]))
aid = sr.register_schema("av-value", Schema(json.dumps(ORDER), "AVRO", [
    ref("com.acme.Money", "money-avro", 1),
    ref("com.acme.Line", "line-avro", 1)]))
print("avro by id", [(r.name, r.subject, r.version)
                     for r in sr2.get_schema(aid).references])
try:
    sr2.register_schema("y-value", Schema(json.dumps(ORDER), "AVRO"))
except SchemaRegistryError as e:
    print("avro without its references:", e.http_status_code, e.error_code)
names = avro.schema.Names()
for js in (MONEY, LINE):
    avro.schema.make_avsc_object(js, names)
order = avro.schema.make_avsc_object(ORDER, names)
for d in ({"id": "a-1", "total": {"currency": "EUR", "cents": 1250},
           "lines": [{"sku": "s-1", "price": {"currency": "EUR",
                                              "cents": 1000}},
                     {"sku": "s-2", "price": {"currency": "USD",
                                              "cents": -250}}],
           "tip": {"currency": "EUR", "cents": 50}},
          {"id": "a-2", "total": {"currency": "", "cents": 0}, "lines": [],
           "tip": None}):
    buf = io.BytesIO()
    avro.io.DatumWriter(order).write(d, avro.io.BinaryEncoder(buf))
    p.send("av", partition=0, value=b"\0" + struct.pack(">I", aid) +
           buf.getvalue())
p.flush(10)
EOF

t_run "SchemaRegistryClient: references registered and read back" cat client.out
t_stdout <<'EOF'
by id 3 PROTOBUF [('common/money.proto', 'money-value', 1), ('common/tax.proto', 'tax-value', 1)]
by version 3 1 [('common/money.proto', 'money-value', 1), ('common/tax.proto', 'tax-value', 1)]
lookup 3
tax by id [('common/money.proto', 'money-value', 1)]
money by id []
missing version: 422 42201
lookup without the references: 404 40403
avro by id [('com.acme.Money', 'money-avro', 1), ('com.acme.Line', 'line-avro', 1)]
avro without its references: 422 42201
EOF

# The registry's own count of requests, read with python (curl(1) is not
# among the test packages: make fresh's bare root has none).
requests() {
	$PY -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
	    "$GOOD/_requests"
}
BEFORE=$(requests | jq .count)
t_run "protobuf: imports from other subjects, references of references" \
	timeout 30 tide-source -b "$BROKERS" -t pb -e --schema-registry "$GOOD"
t_status 0
t_stdout <<'EOF'
{"id":"o-1","total":{"currency":"EUR","cents":1250},"tax":{"rate_ppm":190000,"amount":{"currency":"EUR","cents":238}},"at":"2026-12-07T10:00:00.250Z","lines":[{"sku":"sku-9","price":{"currency":"EUR","cents":9007199254740993}}]}
{"sku":"sku-1","price":{"cents":-5}}
EOF
t_stderr_empty

AFTER=$(requests | jq -c ".paths[$BEFORE:]")
t_run "protobuf: the schema and its references fetched once each" \
	printf '%s\n' "$AFTER"
t_stdout <<'EOF'
["GET /schemas/ids/3","GET /subjects/money-value/versions/1","GET /subjects/tax-value/versions/1"]
EOF

t_run "avro: named types from other subjects, plain" timeout 30 \
	tide-source -b "$BROKERS" -t av -e --value-format avro \
	--schema-registry "$GOOD"
t_status 0
t_stdout <<'EOF'
{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"currency":"EUR","cents":50}}
{"id":"a-2","total":{"currency":"","cents":0},"lines":[],"tip":null}
EOF
t_stderr_empty

t_run "avro: --avro-json spec names the referenced type" timeout 30 \
	tide-source -b "$BROKERS" -t av -e -c 1 --avro-json spec \
	--schema-registry "$GOOD"
t_status 0
t_stdout <<'EOF'
{"id":"a-1","total":{"currency":"EUR","cents":1250},"lines":[{"sku":"s-1","price":{"currency":"EUR","cents":1000}},{"sku":"s-2","price":{"currency":"USD","cents":-250}}],"tip":{"com.acme.Money":{"currency":"EUR","cents":50}}}
EOF

t_run "tide-replay: as tide-source" timeout 30 sh -c \
	"for t in av pb; do tide-replay -b '$BROKERS' -t \$t --speed max -J \
	 --schema-registry '$GOOD' || exit; done |
	 jq -c '[.topic, .offset, .value_schema_id, .value.id]'"
t_status 0
t_stdout <<'EOF'
["av",0,6,"a-1"]
["av",1,6,"a-2"]
["pb",0,3,"o-1"]
["pb",1,3,null]
EOF

# --- bad input: a registry that keeps what it is given ------------------------

timeout 60 $PY - "$BROKERS" "$BAD" <<'EOF' >bad.ids 2>bad.err || t_fail "producing the bad records" "$(cat bad.err)"
import json, struct, sys, urllib.request
from kafka import KafkaProducer

brokers, url = sys.argv[1:3]


def register(subject, text, refs=(), stype="PROTOBUF"):
    body = {"schema": text, "schemaType": stype, "references": refs}
    req = urllib.request.Request(
        f"{url}/subjects/{subject}/versions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["id"]


def ref(name, subject, version=1):
    return {"name": name, "subject": subject, "version": version}


def imp(*files, m="M"):
    return 'syntax = "proto3";\n' + "".join(
        'import "%s";\n' % f for f in files) + "message %s { int32 a = 1; }\n" % m


ok = register("ok-value", 'syntax = "proto3";\npackage ok;\n'
              "message O { int32 a = 1; }\n")
cases = [
    ("missing subject", register("m1-value", imp("nosuch.proto"),
                                 [ref("nosuch.proto", "nosuch")])),
    ("missing version", register("m2-value", imp("ok.proto"),
                                 [ref("ok.proto", "ok-value", 9)])),
]
# A cycle: a's version 1 names b's, which names a's.
register("cyc-a", imp("b.proto"), [ref("b.proto", "cyc-b")])
register("cyc-b", imp("a.proto"), [ref("a.proto", "cyc-a")])
cases.append(("cycle", register("cyc-value", imp("a.proto", m="C"),
                                [ref("a.proto", "cyc-a")])))
# Nested 40 deep: d0 imports d1 ... d39 imports nothing.
for i in range(39, -1, -1):
    register("d%d" % i, imp("d%d.proto" % (i + 1)) if i < 39 else imp(),
             [ref("d%d.proto" % (i + 1), "d%d" % (i + 1))] if i < 39 else [])
cases.append(("too deep", register("deep-value", imp("d0.proto"),
                                   [ref("d0.proto", "d0")])))
cases.append(("1000 references", register(
    "many-value", imp(), [ref("f%d.proto" % i, "ok-value") for i in range(1000)])))
register("broken", 'syntax = "proto3";\nmessage {\n')
cases.append(("referenced text protoc refuses", register(
    "br-value", imp("broken.proto"), [ref("broken.proto", "broken")])))
cases.append(("an import no reference names", register(
    "ni-value", imp("ok.proto", "other.proto"), [ref("ok.proto", "ok-value")])))
register("avro-money", '{"type":"fixed","name":"M","size":2}', stype="AVRO")
cases.append(("a reference of another type", register(
    "ty-value", imp("m.proto"), [ref("m.proto", "avro-money")])))
register("ok2-value", 'syntax = "proto3";\npackage ok2;\n'
         "message O { int32 a = 1; }\n")
cases.append(("one name, two schemas", register(
    "two-value", imp("ok.proto"),
    [ref("ok.proto", "ok-value"), ref("x.proto", "ta-value")])))
register("ta-value", imp("ok.proto"), [ref("ok.proto", "ok2-value")])
cases.append(("good", register("g-value", imp("ok.proto"),
                               [ref("ok.proto", "ok-value")])))
p = KafkaProducer(bootstrap_servers=brokers, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=10000)
for what, sid in cases:
    p.send("pbbad", partition=0, value=b"\0" + struct.pack(">I", sid) +
           b"\0\x08\x07")

# Avro.
MONEY = '{"type":"record","name":"Money","namespace":"com.acme",' \
    '"fields":[{"name":"cents","type":"long"}]}'
USE = lambda t: '{"type":"record","name":"U","fields":[{"name":"m","type":"%s"}]}' % t
am = register("money-avro", MONEY, stype="AVRO")
register("bad-avro", '{"type":"record","name":"B","fields":[{"name":"x","type":"nope"}]}', stype="AVRO")
acases = [
    ("missing subject", register("am-value", USE("com.acme.Money"),
                                 [ref("com.acme.Money", "nosuch")], "AVRO")),
    ("referenced text that is no schema", register(
        "ab-value", USE("B"), [ref("B", "bad-avro")], "AVRO")),
    ("a name no reference defines", register(
        "an-value", USE("com.acme.Nope"), [ref("com.acme.Money", "money-avro")],
        "AVRO")),
    ("the name defined twice", register(
        "at-value", '{"type":"record","name":"T","fields":[{"name":"m","type":'
        + MONEY + '}]}', [ref("com.acme.Money", "money-avro")], "AVRO")),
    ("good", register("ag-value", USE("com.acme.Money"),
                      [ref("com.acme.Money", "money-avro")], "AVRO")),
]
for what, sid in acases:
    p.send("avbad", partition=0, value=b"\0" + struct.pack(">I", sid) + b"\x0e")
# A references array that is not one (exit 69: not the API's answer).
fid = register("fmt-value", imp(), {"name": "x"})
p.send("fmt", partition=0, value=b"\0" + struct.pack(">I", fid) + b"\0\x08\x07")
p.flush(10)
print(" ".join(str(s) for _, s in cases + acases), fid)
EOF
read -r MISS1 MISS2 CYC DEEP MANY BR NI TY TWO G AM AB AN AT AG FID <bad.ids

t_run "protobuf: bad references reported, counted, dead-lettered" \
	timeout 30 tide-source -b "$BROKERS" -t pbbad -e \
	--schema-registry "$BAD" --dead-letter dead
t_status 0
t_stdout <<'EOF'
{"a":7}
EOF
t_stderr "tide-source: 'pbbad' [0] offset 0: value: schema id $MISS1: reference \"nosuch.proto\": subject 'nosuch' version 1: Subject 'nosuch' not found. (error 40401)" \
	"tide-source: 'pbbad' [0] offset 1: value: schema id $MISS2: reference \"ok.proto\": subject 'ok-value' version 9: Version 9 not found. (error 40402)" \
	"tide-source: 'pbbad' [0] offset 2: value: schema id $CYC: reference \"a.proto\" -> \"b.proto\" -> \"a.proto\": a cycle: subject 'cyc-a' version 1 is schema id 4 again" \
	"tide-source: 'pbbad' [0] offset 3: value: schema id $DEEP: reference \"d0.proto\" -> \"d1.proto\" -> (30 more) -> \"d32.proto\": references nested deeper than 32 levels" \
	"tide-source: 'pbbad' [0] offset 4: value: schema id $MANY: 1000 references: more than 256" \
	"tide-source: 'pbbad' [0] offset 5: value: schema id $BR: protobuf-compiler's protoc: broken.proto:2:9: Expected message name. schema.proto:2:1: Import \"broken.proto\" was not found or had errors." \
	"tide-source: 'pbbad' [0] offset 6: value: schema id $NI: imports \"other.proto\", which no schema reference names" \
	"tide-source: 'pbbad' [0] offset 7: value: schema id $TY: reference \"m.proto\": subject 'avro-money' version 1 is of type AVRO, not PROTOBUF" \
	"tide-source: 'pbbad' [0] offset 8: value: schema id $TWO: reference \"x.proto\" -> \"ok.proto\": the name is given to two schemas (ids 1 and 54)" \
	"tide-source: 9 bad records skipped, kept in dead"
T_IN=dead
t_run "protobuf: the dead letters" jq -c '[.offset, (.raw_b64 // (.raw | @base64))]'
T_IN=/dev/null
t_stdout <<'EOF'
[0,"AAAAAAIACAc="]
[1,"AAAAAAMACAc="]
[2,"AAAAAAYACAc="]
[3,"AAAAAC8ACAc="]
[4,"AAAAADAACAc="]
[5,"AAAAADIACAc="]
[6,"AAAAADMACAc="]
[7,"AAAAADUACAc="]
[8,"AAAAADcACAc="]
EOF

t_run "avro: bad references reported, counted, dead-lettered" \
	timeout 30 tide-source -b "$BROKERS" -t avbad -e \
	--schema-registry "$BAD" --dead-letter dead2
t_status 0
t_stdout <<'EOF2'
{"m":{"cents":7}}
EOF2
t_stderr "tide-source: 'avbad' [0] offset 0: value: schema id $AM: reference \"com.acme.Money\": subject 'nosuch' version 1: Subject 'nosuch' not found. (error 40401)" \
	"tide-source: 'avbad' [0] offset 1: value: schema id $AB: reference \"B\": x: unknown type \"nope\"" \
	"tide-source: 'avbad' [0] offset 2: value: schema id $AN: m: unknown type \"com.acme.Nope\"" \
	"tide-source: 'avbad' [0] offset 3: value: schema id $AT: m: com.acme.Money is defined twice" \
	"tide-source: 4 bad records skipped, kept in dead2"
T_IN=dead2
t_run "avro: the dead letters" jq -c '[.offset, (.raw_b64 // (.raw | @base64))]'
T_IN=/dev/null
t_stdout <<'EOF2'
[0,"AAAAADwO"]
[1,"AAAAAD0O"]
[2,"AAAAAD4O"]
[3,"AAAAAD8O"]
EOF2

t_run "--strict: a bad reference is exit 65" timeout 30 tide-source \
	-b "$BROKERS" -t pbbad -e -c 1 --schema-registry "$BAD" --strict
t_status 65
t_stderr_has "'pbbad' [0] offset 0: value: schema id $MISS1: reference \"nosuch.proto\""

# The registry's own failures: the program cannot go on.
t_run "references that are not an array: exit 69" timeout 30 tide-source \
	-b "$BROKERS" -t fmt -e --schema-registry "$BAD"
t_status 69
t_stderr_has "schema id $FID: the answer's \"references\" is not an array of {\"name\", \"subject\", \"version\"}"
t_stdout <<'EOF2'
EOF2

timeout 30 $PY - "$BROKERS" "$DOWN" <<'EOF2' || t_fail "producing the down records"
import json, struct, sys, urllib.request
from kafka import KafkaProducer
brokers, url = sys.argv[1:3]
def register(subject, text, refs):
    body = {"schema": text, "schemaType": "PROTOBUF", "references": refs}
    req = urllib.request.Request(
        f"{url}/subjects/{subject}/versions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["id"]
did = register("base-value", 'syntax = "proto3";\nmessage B {}\n', [])
mid = register("main-value", 'syntax = "proto3";\nimport "b.proto";\n'
               'message M { B b = 1; }\n', [{"name": "b.proto",
                                            "subject": "base-value",
                                            "version": 1}])
p = KafkaProducer(bootstrap_servers=brokers, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=10000)
p.send("down", partition=0, value=b"\0" + struct.pack(">I", mid) + b"\0")
p.flush(10)
EOF2

t_run "a reference the registry cannot give: notes, then exit 69" \
	timeout 30 tide-source -b "$BROKERS" -t down -e \
	--schema-registry "$DOWN" --schema-registry-timeout 1s
t_status 69
t_stderr_has "retrying"
t_stderr_has "value: schema id 2: reference \"b.proto\": $DOWN: unreachable (retried for 1s): Error in the backend data store (error 50001)"
t_stdout <<'EOF2'
EOF2

t_done
