#!/usr/bin/python3
"""Protobuf messages in the Confluent wire format, for tests/kafka/
protobuf.sh: python3-protobuf builds the message classes from the
descriptor set protoc made of DIR/t.proto (message_factory) and encodes
random messages (tests/cli/pbuf_oracle.py fills them), the framing (magic
byte 0, 4-byte big-endian schema id, the message indexes as zig-zag
varints) is written out here, python3-kafka produces, and the .proto text
is registered with the test registry as schemaType PROTOBUF.

  protobuf_produce.py BROKERS REGISTRY DIR

DIR holds t.proto and set.pb (protoc --include_imports
--descriptor_set_out).  Topic "pb" (one partition) gets, for each message
type of t.proto in turn (nested ones too, so indexes other than [0]),
three random messages, keyed "kN"; [0] is written in its short form (a
single 0) every other time; then a plain JSON value.  DIR/pb.exp is what
json_format.MessageToDict makes of each (tide's choices: 64-bit integers
as numbers, .proto names), DIR/pb.raw protobuf-raw's form of each payload
(pbuf_oracle's own wire reader), DIR/pb.types the type names.  Topic
"bare" gets the messages of type t.Top alone, without any framing
(DIR/bare.exp, DIR/bare.raw), keyed by a framed t.Second.Deep.  Topic "pbbad" gets what must be bad input,
one a message, described in DIR/pbbad.what (their schema ids in
DIR/pbbad.ids); topic "pbjson" one framed by a JSON schema's id.
"""
import json
import os
import random
import struct
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
import pbuf_oracle as oracle  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

brokers, registry, out = sys.argv[1:4]


def register(subject, text, stype="PROTOBUF"):
    body = {"schema": text}
    if stype != "AVRO":
        body["schemaType"] = stype
    req = urllib.request.Request(
        f"{registry}/subjects/{subject}/versions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["id"]


def indexes(path, short):
    if path == [0] and short:
        return b"\0"
    return oracle.varint(oracle.zz(len(path))) + b"".join(
        oracle.varint(oracle.zz(i)) for i in path)


def frame(sid, path, data, short=False):
    return b"\0" + struct.pack(">I", sid) + indexes(path, short) + data


fds, pool, fac = oracle.load(f"{out}/set.pb")
sid = register("pb-value", open(f"{out}/t.proto").read())
main = fds.file[-1]
types = []


def walk(prefix, path, msgs):
    for i, d in enumerate(msgs):
        if d.options.map_entry:
            continue
        types.append((prefix + d.name, path + [i]))
        walk(prefix + d.name + ".", path + [i], d.nested_type)


walk(main.package + ".", [], main.message_type)
rng = random.Random(21)
p = KafkaProducer(bootstrap_servers=brokers, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=10000)
n = 0
with open(f"{out}/pb.exp", "w") as fe, open(f"{out}/pb.raw", "w") as fr, \
        open(f"{out}/pb.types", "w") as ft:
    for name, path in types:
        cls = fac.GetPrototype(pool.FindMessageTypeByName(name))
        for _ in range(3):
            m = cls()
            oracle.fill(m, rng)
            data = m.SerializeToString()
            p.send("pb", partition=0, key=f"k{n}".encode(),
                   value=frame(sid, path, data, n % 2 == 0))
            fe.write(oracle.expected(cls.FromString(data), False) + "\n")
            fr.write(json.dumps(oracle.raw_fields(data)) + "\n")
            ft.write(name + " " + json.dumps(path, separators=(",", ":")) +
                     "\n")
            n += 1
p.send("pb", partition=0, key=b"plain", value=b'{"json":true}')

top = fac.GetPrototype(pool.FindMessageTypeByName("t.Top"))
with open(f"{out}/bare.exp", "w") as fe, open(f"{out}/bare.raw", "w") as fr:
    for _ in range(4):
        m = top()
        oracle.fill(m, rng)
        data = m.SerializeToString()
        key = frame(sid, [1, 0], fac.GetPrototype(pool.FindMessageTypeByName(
            "t.Second.Deep"))(x=1.5).SerializeToString())
        p.send("bare", partition=0, key=key, value=data)
        fe.write(oracle.expected(top.FromString(data), False) + "\n")
        fr.write(json.dumps(oracle.raw_fields(data)) + "\n")
p.flush(10)

# Bad input: (what, value), the good schema's id framing them.
aid = register("avro-value", '"string"', "AVRO")
refid = register("ref-value", 'syntax = "proto3";\nimport "other.proto";\n'
                 'message R { other.O o = 1; }\n')
badid = register("broken-value", 'syntax = "proto3";\nmessage {\n')
good = top(name="ann", id=7)
gd = good.SerializeToString()
bad = [
    ("unknown id", frame(999, [0], gd)),
    ("truncated payload", frame(sid, [0], gd)[:-4]),
    ("bad index", frame(sid, [7], gd)),
    ("bad nested index", frame(sid, [0, 5], gd)),
    ("indexes that do not read", b"\0" + struct.pack(">I", sid) + b"\x80"),
    ("wrong schemaType (avro)", b"\0" + struct.pack(">I", aid) + b"\x06ann"),
    ("schema references", frame(refid, [0], gd)),
    ("protoc refuses the schema", frame(badid, [0], gd)),
    ("wire type 7", frame(sid, [0], b"\x0f")),
    ("good", frame(sid, [0], gd)),
]
with open(f"{out}/pbbad.what", "w") as f:
    for what, v in bad:
        p.send("pbbad", partition=0, value=v)
        f.write(what + "\n")
jid = register("json-value", '{"type":"object"}', "JSON")
p.send("pbjson", partition=0, value=frame(jid, [0], gd))
f = open(f"{out}/pbbad.ids", "w")
f.write(f"{sid} {aid} {refid} {badid} {jid}\n")
p.flush(10)
