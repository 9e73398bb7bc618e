#!/usr/bin/python3
"""Avro messages in the Confluent wire format, for tests/kafka/avro.sh:
python3-avro encodes, the framing (magic byte 0, 4-byte big-endian schema
id) is written out here, python3-kafka produces, and the schemas are
registered with the test registry over its REST API.

  avro_produce.py BROKERS REGISTRY DIR

Topic "av" (one partition) gets, in order: each record of the oracle's
corpus (tests/cli/avro_oracle.py: every type, every logical type), keyed
by an Avro string; v1 and v2 of an evolving record (v2 adds a field with a
default); a plain JSON value.  DIR/av.plain and DIR/av.spec are the values
python3-avro reads back, as tide writes them (canonical form), one line a
message (the JSON one as it is).  Topic "bad" gets what must be bad input,
one a message, described in DIR/bad.what.
"""
import io
import json
import os
import struct
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
import avro_oracle as oracle  # noqa: E402
import avro.io  # noqa: E402
import avro.schema  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

brokers, registry, out = sys.argv[1:4]


def register(subject, schema):
    body = json.dumps({"schema": json.dumps(schema)}).encode()
    req = urllib.request.Request(
        f"{registry}/subjects/{subject}/versions", data=body,
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["id"]


def frame(sid, schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    return b"\0" + struct.pack(">I", sid) + buf.getvalue()


p = KafkaProducer(bootstrap_servers=brokers, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=10000)
kid = register("av-key", "string")
kschema = avro.schema.parse('"string"')
plain = open(f"{out}/av.plain", "w")
spec = open(f"{out}/av.spec", "w")
ids = {}
n = 0
for name, js, data in oracle.CORPUS + [("user2", oracle.V2, [
        {"id": 3, "name": "cy", "email": "c@y", "score": 1}])]:
    sid = register("av-value", js)
    ids[name] = sid
    schema = avro.schema.parse(json.dumps(js))
    for d in data:
        raw = frame(sid, schema, d)
        p.send("av", partition=0, key=frame(kid, kschema, f"k{n}"),
               value=raw)
        back = oracle.read(schema, schema, raw[5:])
        plain.write(oracle.canon(oracle.plainify(schema, back, False)) + "\n")
        spec.write(oracle.canon(oracle.plainify(schema, back, True)) + "\n")
        n += 1
p.send("av", partition=0, key=b"plain", value=b'{"json":true}')
plain.write('{"json":true}\n')
spec.write('{"json":true}\n')
p.flush(10)

# Bad input: (what, value).  The user1 schema's id frames them.
uid = ids["user1"]
u1 = avro.schema.parse(json.dumps(oracle.V1))
good = frame(uid, u1, {"id": 1, "name": "ann"})
bad = [
    ("unknown id", b"\0" + struct.pack(">I", 999) + good[5:]),
    ("truncated", good[:-2]),
    ("magic byte 1", b"\1" + good[1:]),
    ("JSON, not framed", b'{"id":1}'),
    ("short of the framing", b"\0\0\0"),
    ("trailing bytes", good + b"\0"),
    ("bad length", good[:5] + b"\2\x7f"),
    ("good", good),
]
with open(f"{out}/bad.what", "w") as f:
    for what, v in bad:
        p.send("bad", partition=0, value=v)
        f.write(what + "\n")
p.flush(10)
