#!/usr/bin/python3
"""The oracle of tests/cli/avro.sh: python3-avro (Apache Avro 1.11) writes
and reads the corpus; tide's JSON is compared after both sides go through
canon(), which keeps field order and types and reads numbers as values
(tide writes 2 where Python has 2.0).

  avro_oracle.py gen DIR            schemas, payloads (hex) and the JSON
                                    python3-avro reads back, plain and spec
  avro_oracle.py canon              JSON lines in, canonical lines out
  avro_oracle.py decode W [R]       hex payloads in (writer schema W,
                                    reader R), canonical plain JSON out
"""
import base64
import datetime
import decimal
import io
import json
import sys
import uuid

import avro.io
import avro.schema

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

INNER = {"type": "record", "name": "Inner", "fields": [
    {"name": "x", "type": "int"},
    {"name": "tags", "type": {"type": "array", "items": "string"}}]}

ALL = {"type": "record", "name": "Everything", "namespace": "com.example",
       "fields": [
           {"name": "n", "type": "null"},
           {"name": "b", "type": "boolean"},
           {"name": "i", "type": "int"},
           {"name": "l", "type": "long"},
           {"name": "f", "type": "float"},
           {"name": "d", "type": "double"},
           {"name": "by", "type": "bytes"},
           {"name": "s", "type": "string"},
           {"name": "inner", "type": INNER},
           {"name": "arr", "type": {"type": "array", "items": "long"}},
           {"name": "m", "type": {"type": "map", "values": "double"}},
           {"name": "e", "type": {"type": "enum", "name": "Color",
                                  "symbols": ["RED", "GREEN", "BLUE"]}},
           {"name": "fx", "type": {"type": "fixed", "name": "Four",
                                   "size": 4}},
           {"name": "u1", "type": ["null", "string"]},
           {"name": "u2", "type": ["int", "string", "Inner"]},
           {"name": "u3", "type": ["null",
                                   {"type": "array", "items": "int"},
                                   {"type": "map", "values": "string"}]},
           {"name": "u4", "type": ["null", "Color", "Four", "double"]},
       ]}

LOGICAL = {"type": "record", "name": "Logical", "fields": [
    {"name": "ts_ms", "type": {"type": "long",
                               "logicalType": "timestamp-millis"}},
    {"name": "ts_us", "type": {"type": "long",
                               "logicalType": "timestamp-micros"}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "t_ms", "type": {"type": "int", "logicalType": "time-millis"}},
    {"name": "t_us", "type": {"type": "long", "logicalType": "time-micros"}},
    {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal",
                             "precision": 12, "scale": 2}},
    {"name": "decf", "type": {"type": "fixed", "name": "Dec8", "size": 8,
                              "logicalType": "decimal", "precision": 18,
                              "scale": 4}},
    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "when", "type": ["null", {"type": "long",
                                       "logicalType": "timestamp-millis"}]},
]}

LIST = {"type": "record", "name": "Node", "fields": [
    {"name": "v", "type": "int"},
    {"name": "next", "type": ["null", "Node"]}]}

V1 = {"type": "record", "name": "User", "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"}]}
V2 = {"type": "record", "name": "User", "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "email", "type": ["null", "string"], "default": None},
    {"name": "score", "type": "int", "default": 7}]}


def ts(s):
    return datetime.datetime.fromisoformat(s).replace(
        tzinfo=datetime.timezone.utc)


def inner(x, tags):
    return {"x": x, "tags": tags}


ALL_DATA = [
    {"n": None, "b": True, "i": 1, "l": 2, "f": 1.5, "d": 2.25,
     "by": b"\x00\x01\xff", "s": "hello", "inner": inner(3, ["a", "b"]),
     "arr": [1, -1, 2**40], "m": {"pi": 3.14159, "e": 2.71828},
     "e": "GREEN", "fx": b"abcd", "u1": None, "u2": 5, "u3": None,
     "u4": None},
    {"n": None, "b": False, "i": -2147483648, "l": -9223372036854775808,
     "f": 1.1, "d": -0.1, "by": b"", "s": "", "inner": inner(0, []),
     "arr": [], "m": {}, "e": "RED", "fx": b"\x00\x00\x00\x00",
     "u1": "x", "u2": "five", "u3": [1, 2, 3], "u4": "BLUE"},
    {"n": None, "b": True, "i": 2147483647, "l": 9223372036854775807,
     "f": -3.4028234663852886e38, "d": 1e300, "by": bytes(range(256)),
     "s": "h\u00e9llo \u65e5\u672c \U0001f600 \"quoted\" \\ \n\t\u0001",
     "inner": inner(-7, ["\u00e9"]), "arr": [0], "m": {"k \"q\"": -0.5},
     "e": "BLUE", "fx": b"\xff\xfe\xfd\xfc", "u1": "",
     "u2": inner(9, ["z"]), "u3": {"a": "b"}, "u4": b"wxyz"},
    {"n": None, "b": False, "i": 0, "l": 0, "f": 0.0, "d": 2.2250738585072014e-308,
     "by": b"=", "s": "x" * 300, "inner": inner(1, ["a"] * 20),
     "arr": list(range(100)), "m": {str(k): k / 4 for k in range(30)},
     "e": "RED", "fx": b"1234", "u1": None, "u2": -1, "u3": [],
     "u4": 2.0},
]

LOGICAL_DATA = [
    {"ts_ms": ts("2026-11-01T12:34:56.789"),
     "ts_us": ts("2026-11-01T12:34:56.789123"),
     "day": datetime.date(2026, 11, 1),
     "t_ms": datetime.time(12, 34, 56, 789000),
     "t_us": datetime.time(23, 59, 59, 999999),
     "dec": decimal.Decimal("12345.67"), "decf": decimal.Decimal("-1.5000"),
     "id": "0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d",
     "when": ts("2026-01-01T00:00:00")},
    {"ts_ms": ts("1969-12-31T23:59:59.999"),
     "ts_us": ts("1969-12-31T23:59:59.999500"),
     "day": datetime.date(1900, 2, 28),
     "t_ms": datetime.time(0, 0, 0), "t_us": datetime.time(0, 0, 0, 1),
     "dec": decimal.Decimal("-0.05"), "decf": decimal.Decimal("0.0000"),
     "id": "00000000-0000-0000-0000-000000000000", "when": None},
    {"ts_ms": ts("2000-02-29T00:00:00"), "ts_us": ts("2000-02-29T00:00:00"),
     "day": datetime.date(1970, 1, 1), "t_ms": datetime.time(23, 59, 59),
     "t_us": datetime.time(12, 0), "dec": decimal.Decimal("9999999999.99"),
     "decf": decimal.Decimal("99999999999999.9999"),
     "id": "ffffffff-ffff-ffff-ffff-ffffffffffff",
     "when": ts("1970-01-01T00:00:00.001")},
    {"ts_ms": EPOCH, "ts_us": ts("9999-12-31T23:59:59.999999"),
     "day": datetime.date(9999, 12, 31), "t_ms": datetime.time(0, 0, 0, 1000),
     "t_us": datetime.time(0, 0, 0, 1000), "dec": decimal.Decimal("0.00"),
     "decf": decimal.Decimal("-99999999999999.9999"),
     "id": "12345678-1234-5678-1234-567812345678",
     "when": ts("2262-04-11T23:47:16.854")},
]

LIST_DATA = [
    {"v": 1, "next": None},
    {"v": 1, "next": {"v": 2, "next": {"v": 3, "next": None}}},
]

V1_DATA = [{"id": 1, "name": "ann"}, {"id": -2, "name": "bo"}]

CORPUS = [("all", ALL, ALL_DATA), ("logical", LOGICAL, LOGICAL_DATA),
          ("list", LIST, LIST_DATA), ("user1", V1, V1_DATA)]


def micros(v):
    if isinstance(v, datetime.datetime):
        d = v - EPOCH
    else:
        d = datetime.timedelta(hours=v.hour, minutes=v.minute,
                               seconds=v.second, microseconds=v.microsecond)
    return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds


def milli(us):
    """Microseconds as milliseconds, exact (1500 is 1.5)."""
    return decimal.Decimal(us) / 1000


def plainify(schema, datum, spec):
    """python3-avro's datum as tide writes it, walked with its schema."""
    t = schema.type
    lt = schema.get_prop("logicalType")
    if t == "union":
        for branch in schema.schemas:
            if avro.io.validate(branch, datum):
                v = plainify(branch, datum, spec)
                if not spec or branch.type == "null":
                    return v
                name = getattr(branch, "fullname", None) or branch.type
                return {name: v}
        raise ValueError("no branch")
    if t == "record":
        return {f.name: plainify(f.type, datum[f.name], spec)
                for f in schema.fields}
    if t == "array":
        return [plainify(schema.items, x, spec) for x in datum]
    if t == "map":
        return {k: plainify(schema.values, x, spec) for k, x in datum.items()}
    if isinstance(datum, decimal.Decimal):
        return format(datum, "f")
    if lt == "timestamp-millis":
        return micros(datum) // 1000
    if lt == "timestamp-micros" or lt == "time-micros":
        return milli(micros(datum))
    if lt == "time-millis":
        return micros(datum) // 1000
    if lt == "date":
        return datum.isoformat()
    if isinstance(datum, uuid.UUID):
        return str(datum)
    if isinstance(datum, bytes):
        return base64.b64encode(datum).decode()
    return datum


def canon_value(v):
    if isinstance(v, list) and v and isinstance(v[0], tuple):
        return {"{}": [[k, canon_value(x)] for k, x in v]}
    if isinstance(v, list):
        return [canon_value(x) for x in v]
    if isinstance(v, dict):
        return {"{}": [[k, canon_value(x)] for k, x in v.items()]}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    d = decimal.Decimal(v) if not isinstance(v, float) else \
        decimal.Decimal(repr(v))
    d = d.normalize()
    return {"n": str(d) if d != 0 else "0"}


def canon_text(line):
    pairs = json.loads(line, object_pairs_hook=lambda p: p or {},
                       parse_float=decimal.Decimal,
                       parse_int=decimal.Decimal)
    return canon(pairs)


def canon(v):
    return json.dumps(canon_value(v), ensure_ascii=False,
                      separators=(",", ":"))


def write(schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def read(writer, reader, data):
    buf = io.BytesIO(data)
    d = avro.io.DatumReader(writer, reader).read(avro.io.BinaryDecoder(buf))
    if buf.tell() != len(data):
        raise ValueError("trailing bytes")
    return d


def gen(out):
    for name, js, data in CORPUS + [("user2", V2, [])]:
        schema = avro.schema.parse(json.dumps(js))
        with open(f"{out}/{name}.avsc", "w") as f:
            json.dump(js, f, indent=1)
        with open(f"{out}/{name}.hex", "w") as h, \
                open(f"{out}/{name}.plain", "w") as p, \
                open(f"{out}/{name}.spec", "w") as s:
            for d in data:
                raw = write(schema, d)
                h.write(raw.hex() + "\n")
                back = read(schema, schema, raw)
                p.write(canon(plainify(schema, back, False)) + "\n")
                s.write(canon(plainify(schema, back, True)) + "\n")
    # Evolution: v1's payloads read by python3-avro with v2 as the reader.
    v1 = avro.schema.parse(json.dumps(V1))
    v2 = avro.schema.parse(json.dumps(V2))
    with open(f"{out}/user1-as-v2.plain", "w") as p:
        for d in V1_DATA:
            back = read(v1, v2, write(v1, d))
            p.write(canon(plainify(v2, back, False)) + "\n")


def main():
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "canon":
        for line in sys.stdin:
            line = line.rstrip("\n")
            print(line if line.startswith("error:") else canon_text(line))
    elif sys.argv[1] == "decode":
        with open(sys.argv[2]) as f:
            w = avro.schema.parse(f.read())
        r = w
        if len(sys.argv) > 3:
            with open(sys.argv[3]) as f:
                r = avro.schema.parse(f.read())
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line.startswith("error:"):
                print(line)
                continue
            print(canon(plainify(r, read(w, r, bytes.fromhex(line)),
                                 False)))


if __name__ == "__main__":
    main()
