#!/bin/sh
# tests/kafka/registry.py, the test Schema Registry, checked against an
# independent client: python3-confluent-kafka's SchemaRegistryClient
# registers, fetches by id, by version and the latest, and sees the
# registry's errors as the real one gives them (40401, 40403, 42201 with
# the HTTP status), basic auth (401 without it), --fail-first (500), and
# GET /_requests counting what was served.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import requests, avro.schema, confluent_kafka.schema_registry' 2>/dev/null; then
	t_skip "python3-requests, python3-avro or python3-confluent-kafka missing"
	t_done
fi

reg_start plain
PLAIN=$REG_URL
reg_start auth --user alice:s3cret
AUTH=$REG_URL
reg_start flaky --fail-first 2
FLAKY=$REG_URL

cat >"$T_DIR/client.py" <<'PYEOF'
import json, sys, urllib.request
from confluent_kafka.schema_registry import SchemaRegistryClient, Schema
from confluent_kafka.schema_registry.error import SchemaRegistryError

plain, auth, flaky = sys.argv[1:4]
v1 = '{"type":"record","name":"Tx","fields":[{"name":"account","type":"string"},{"name":"amount","type":"double"}]}'
v2 = '{"type":"record","name":"Tx","fields":[{"name":"account","type":"string"},{"name":"amount","type":"double"},{"name":"cur","type":"string","default":"EUR"}]}'
proto = 'syntax = "proto3";\nmessage Tx { string account = 1; double amount = 2; }\n'

def err(what, f):
    try:
        r = f()
        print(what, "no error:", r)
    except SchemaRegistryError as e:
        print(what, e.http_status_code, e.error_code, e.error_message)

c = SchemaRegistryClient({"url": plain})
print("register v1", c.register_schema("tx-value", Schema(v1, "AVRO")))
# The same schema again, spaced differently, and under another subject:
# its existing id, no new version.
print("register v1 again", c.register_schema("tx-value", Schema(json.dumps(json.loads(v1), indent=1), "AVRO")))
print("register v1 elsewhere", c.register_schema("other-value", Schema(v1, "AVRO")))
print("register v2", c.register_schema("tx-value", Schema(v2, "AVRO")))
print("register proto", c.register_schema("p-value", Schema(proto, "PROTOBUF")))
# A new client: nothing cached, every answer from the registry.
c = SchemaRegistryClient({"url": plain})
s = c.get_schema(1)
print("id 1", s.schema_type, s.schema_str == v1)
s = c.get_schema(3)
print("id 3", s.schema_type, s.schema_str == proto)
lv = c.get_latest_version("tx-value")
print("latest", lv.subject, lv.version, lv.schema_id, lv.schema.schema_str == v2)
lv = c.get_version("tx-value", 1)
print("version 1", lv.subject, lv.version, lv.schema_id)
lv = c.get_latest_version("p-value")
print("latest proto", lv.version, lv.schema_id, lv.schema.schema_type)
print("subjects", c.get_subjects())
print("versions", c.get_versions("tx-value"))
lv = c.lookup_schema("tx-value", Schema(v2, "AVRO"))
print("lookup", lv.version, lv.schema_id)
err("id 99", lambda: c.get_schema(99))
err("no subject", lambda: c.get_latest_version("nope-value"))
err("no version", lambda: c.get_version("tx-value", 7))
err("lookup unknown", lambda: c.lookup_schema("tx-value", Schema('"string"', "AVRO")))
err("not avro", lambda: c.register_schema("bad-value", Schema('{"type":"record","name":"X"}', "AVRO")))
err("not json", lambda: c.register_schema("bad-value", Schema('{"type":', "AVRO")))
err("bad type", lambda: c.register_schema("bad-value", Schema('{"type":"strin"}', "AVRO")))
print("subjects after refusals", c.get_subjects())

err("auth missing", lambda: SchemaRegistryClient({"url": auth}).get_subjects())
err("auth wrong", lambda: SchemaRegistryClient({"url": auth, "basic.auth.user.info": "alice:nope"}).get_subjects())
ca = SchemaRegistryClient({"url": auth, "basic.auth.user.info": "alice:s3cret"})
print("auth conf", ca.register_schema("a-value", Schema(v1, "AVRO")))
cu = SchemaRegistryClient({"url": auth.replace("http://", "http://alice:s3cret@")})
print("auth url", cu.get_subjects())

cf = SchemaRegistryClient({"url": flaky})
err("flaky 1", lambda: cf.get_subjects())
err("flaky 2", lambda: cf.get_subjects())
print("flaky 3", cf.get_subjects())

n = json.load(urllib.request.urlopen(flaky + "/_requests"))
print("flaky requests", n["count"], n["paths"])
n = json.load(urllib.request.urlopen(auth + "/_requests"))
print("auth requests", n["count"])
PYEOF

t_run "SchemaRegistryClient against registry.py" timeout 30 $PY "$T_DIR/client.py" "$PLAIN" "$AUTH" "$FLAKY"
t_status 0
t_stdout <<'OUT'
register v1 1
register v1 again 1
register v1 elsewhere 1
register v2 2
register proto 3
id 1 AVRO True
id 3 PROTOBUF True
latest tx-value 2 2 True
version 1 tx-value 1 1
latest proto 1 3 PROTOBUF
subjects ['other-value', 'p-value', 'tx-value']
versions [1, 2]
lookup 2 2
id 99 404 40403 Schema 99 not found
no subject 404 40401 Subject 'nope-value' not found.
no version 404 40402 Version 7 not found.
lookup unknown 404 40403 Schema not found
not avro 422 42201 Invalid schema: Record schema requires a non-empty fields property.
not json 422 42201 Invalid schema: Expecting value: line 1 column 9 (char 8)
bad type 422 42201 Invalid schema: Undefined type: strin
subjects after refusals ['other-value', 'p-value', 'tx-value']
auth missing 401 40101 Unauthorized
auth wrong 401 40101 Unauthorized
auth conf 1
auth url ['a-value']
flaky 1 500 50001 Error in the backend data store
flaky 2 500 50001 Error in the backend data store
flaky 3 []
flaky requests 3 ['GET /subjects', 'GET /subjects', 'GET /subjects']
auth requests 4
OUT

# The process stopped: the port refuses connections.
reg_stop $REG_PID
t_run "stopped registry" timeout 30 $PY -c '
import sys
from confluent_kafka.schema_registry import SchemaRegistryClient
try:
    SchemaRegistryClient({"url": sys.argv[1]}).get_subjects()
except Exception as e:
    print(type(e).__name__)
' "$FLAKY"
t_status 0
t_stdout <<'OUT'
ConnectionError
OUT
t_done
