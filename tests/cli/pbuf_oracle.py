#!/usr/bin/python3
"""The oracle of tests/cli/pbuf.sh: messages built with python3-protobuf
from the same descriptor set as tide's decoder reads, and what tide must
make of them.

  gen SET MSG N SEED [json] B64 EXP  N random messages of type MSG: their
                                     bytes in base64 (a line each) and
                                     json_format.MessageToDict of each,
                                     its 64-bit integers made numbers
                                     (tide's choice); "json": json_name
  conf SET N SEED B64 EXP            random messages of every type of the
                                     set's last file, behind the Confluent
                                     message indexes
  raw SET MSG N SEED B64 EXP         as gen, the expected JSON from our own
                                     wire reader (protobuf-raw's form)
  bad SET DIR                        hostile descriptor sets made from SET
  cmp EXP OUT                        the same JSON line by line: values and
                                     their types (true is not 1), no
                                     duplicate keys; key order is checked by
                                     the exact-text cases
"""
import base64
import json
import random
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor as FD

INT64 = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_FIXED64, FD.TYPE_SFIXED64,
         FD.TYPE_SINT64}
WRAP64 = {"google.protobuf.Int64Value", "google.protobuf.UInt64Value"}
KEEP = {"google.protobuf.Timestamp", "google.protobuf.Duration",
        "google.protobuf.Struct", "google.protobuf.Value",
        "google.protobuf.ListValue"} | {"google.protobuf." + w for w in (
            "DoubleValue", "FloatValue", "Int32Value", "UInt32Value",
            "BoolValue", "StringValue", "BytesValue")}
TEXT = ["", "a", "héllo", "\"quoted\"", "back\\slash", "tab\tnl\n", "\x01",
        "日本", "😀", "ünï", "</script>"]


def load(path):
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(path, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    return fds, pool, message_factory.MessageFactory(pool)


def rint(lo, hi, rng):
    return rng.choice([lo, hi, 0, 1, -1 if lo < 0 else 2,
                       rng.randint(lo, hi), rng.randint(-300, 300)
                       if lo < 0 else rng.randint(0, 300)])


def scalar(f, rng):
    t = f.type
    if t == FD.TYPE_DOUBLE:
        return rng.choice([rng.uniform(-1e6, 1e6), 0.1, -2.5, 1e300, 5e-324,
                           float("inf"), float("-inf"), float("nan"),
                           struct.unpack("<d", rng.randbytes(8))[0]])
    if t == FD.TYPE_FLOAT:
        return rng.choice([0.1, 3.5, -1e-7, 1e30, float("inf"),
                           struct.unpack("<f", rng.randbytes(4))[0],
                           struct.unpack("<f", struct.pack(
                               "<f", rng.uniform(-1e4, 1e4)))[0]])
    if t in (FD.TYPE_INT64, FD.TYPE_SFIXED64, FD.TYPE_SINT64):
        return rint(-2**63, 2**63 - 1, rng)
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return rint(0, 2**64 - 1, rng)
    if t in (FD.TYPE_INT32, FD.TYPE_SFIXED32, FD.TYPE_SINT32):
        return rint(-2**31, 2**31 - 1, rng)
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return rint(0, 2**32 - 1, rng)
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_STRING:
        return "".join(rng.choice(TEXT) for _ in range(rng.randint(0, 3)))
    if t == FD.TYPE_BYTES:
        return rng.randbytes(rng.randint(0, 7))
    if t == FD.TYPE_ENUM:
        nums = [v.number for v in f.enum_type.values]
        return rng.choice(nums + [7, -3])
    raise ValueError(t)


def jsonish(rng, depth):
    k = rng.randint(0, 5 if depth < 3 else 3)
    if k == 0:
        return None
    if k == 1:
        return rng.random() < 0.5
    if k == 2:
        return rng.choice([1.5, -3.0, 1e20, 0.25, 7.0])
    if k == 3:
        return rng.choice(TEXT)
    if k == 4:
        return [jsonish(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(TEXT) + str(i): jsonish(rng, depth + 1)
            for i in range(rng.randint(0, 3))}


def fill_wkt(m, rng, depth):
    name = m.DESCRIPTOR.full_name
    if name == "google.protobuf.Timestamp":
        m.seconds = rng.choice([0, 1700000000, -1, 253402300799,
                                -62135596800, rng.randint(-62135596800,
                                                          253402300799)])
        m.nanos = rng.choice([0, 250000000, 123456000, 999999999, 1,
                              rng.randint(0, 999999999)])
    elif name == "google.protobuf.Duration":
        s = rng.choice([0, 1, 315576000000, rng.randint(0, 10**6)])
        n = rng.choice([0, 500000000, 1000, 7, rng.randint(0, 999999999)])
        if rng.random() < 0.5:
            s, n = -s, -n
        m.seconds, m.nanos = s, n
    elif name == "google.protobuf.Struct":
        m.update({rng.choice(TEXT) + str(i): jsonish(rng, 1)
                  for i in range(rng.randint(0, 3))})
    elif name == "google.protobuf.ListValue":
        m.extend([jsonish(rng, 1) for _ in range(rng.randint(0, 3))])
    elif name == "google.protobuf.Value":
        v = jsonish(rng, 1)
        if isinstance(v, dict):
            m.struct_value.update(v)
        elif isinstance(v, list):
            m.list_value.extend(v)
        elif v is None:
            m.null_value = 0
        elif isinstance(v, bool):
            m.bool_value = v
        elif isinstance(v, float):
            m.number_value = v
        else:
            m.string_value = v
    else:
        m.value = scalar(m.DESCRIPTOR.fields_by_name["value"], rng)


def fill(m, rng, depth=0):
    if m.DESCRIPTOR.full_name in KEEP:
        fill_wkt(m, rng, depth)
        return
    for f in m.DESCRIPTOR.fields:
        if rng.random() < 0.35:
            continue
        if f.message_type and f.message_type.GetOptions().map_entry:
            kf = f.message_type.fields_by_name["key"]
            vf = f.message_type.fields_by_name["value"]
            mp = getattr(m, f.name)
            for _ in range(rng.randint(0, 3)):
                k = scalar(kf, rng)
                if vf.message_type:
                    if depth < 3:
                        fill(mp[k], rng, depth + 1)
                else:
                    mp[k] = scalar(vf, rng)
        elif f.label == FD.LABEL_REPEATED:
            lst = getattr(m, f.name)
            for _ in range(rng.randint(0, 4)):
                if f.message_type:
                    if depth < 3:
                        fill(lst.add(), rng, depth + 1)
                else:
                    lst.append(scalar(f, rng))
        elif f.message_type:
            if depth < 3:
                sub = getattr(m, f.name)
                sub.SetInParent()
                fill(sub, rng, depth + 1)
        else:
            setattr(m, f.name, scalar(f, rng))


def fixval(f, v, jnames):
    if f.type in INT64:
        return int(v)
    if f.message_type:
        if f.message_type.full_name in WRAP64:
            return int(v)
        if f.message_type.full_name in KEEP:
            return v
        return fix(f.message_type, v, jnames)
    return v


def fix(desc, d, jnames):
    """MessageToDict's output with tide's 64-bit integers: numbers."""
    byname = {(f.json_name if jnames else f.name): f for f in desc.fields}
    out = {}
    for k, v in d.items():
        f = byname[k]
        if f.message_type and f.message_type.GetOptions().map_entry:
            vf = f.message_type.fields_by_name["value"]
            v = {mk: fixval(vf, mv, jnames) for mk, mv in v.items()}
        elif f.label == FD.LABEL_REPEATED:
            v = [fixval(f, x, jnames) for x in v]
        else:
            v = fixval(f, v, jnames)
        out[k] = v
    return out


def expected(msg, jnames):
    d = json_format.MessageToDict(msg, preserving_proto_field_name=not jnames)
    return json.dumps(fix(msg.DESCRIPTOR, d, jnames), ensure_ascii=False)


def cmd_gen(args):
    jnames = "json" in args
    setf, name, n, seed, b64, exp = [a for a in args if a != "json"]
    _, pool, fac = load(setf)
    cls = fac.GetPrototype(pool.FindMessageTypeByName(name))
    rng = random.Random(int(seed))
    with open(b64, "w") as fb, open(exp, "w") as fe:
        for _ in range(int(n)):
            m = cls()
            fill(m, rng)
            data = m.SerializeToString()
            fb.write(base64.b64encode(data).decode() + "\n")
            fe.write(expected(cls.FromString(data), jnames) + "\n")


def zz(v):
    return (v << 1) ^ (v >> 63)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def cmd_conf(args):
    setf, n, seed, b64, exp = args
    fds, pool, fac = load(setf)
    rng = random.Random(int(seed))
    paths = []

    def walk(prefix, path, msgs):
        for i, mp in enumerate(msgs):
            full = prefix + "." + mp.name if prefix else mp.name
            paths.append((path + [i], full))
            walk(full, path + [i], mp.nested_type)

    last = fds.file[-1]
    walk(last.package, [], last.message_type)
    with open(b64, "w") as fb, open(exp, "w") as fe:
        for _ in range(int(n)):
            path, full = rng.choice(paths)
            desc = pool.FindMessageTypeByName(full)
            if desc.GetOptions().map_entry:
                continue
            cls = fac.GetPrototype(desc)
            m = cls()
            fill(m, rng)
            if path == [0] and rng.random() < 0.5:
                hdr = b"\x00"
            else:
                hdr = varint(zz(len(path))) + b"".join(
                    varint(zz(i)) for i in path)
            data = m.SerializeToString()
            fb.write(base64.b64encode(hdr + data).decode() + "\n")
            fe.write(expected(cls.FromString(data), False) + "\n")


def raw_fields(data):
    """protobuf-raw's form of data, read by this file's own reader."""
    pos, order, seen = 0, [], {}

    def rv():
        nonlocal pos
        v, s = 0, 0
        while True:
            b = data[pos]
            pos += 1
            v |= (b & 0x7F) << s
            s += 7
            if not b & 0x80:
                return v & (2**64 - 1)

    while pos < len(data):
        tag = rv()
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            item = {"varint": rv()}
        elif wt == 1:
            item = {"i64": struct.unpack("<Q", data[pos:pos + 8])[0]}
            pos += 8
        elif wt == 5:
            item = {"i32": struct.unpack("<I", data[pos:pos + 4])[0]}
            pos += 4
        elif wt == 2:
            n = rv()
            item = {"len": base64.b64encode(data[pos:pos + n]).decode()}
            pos += n
        else:
            raise ValueError("wire type %d" % wt)
        k = str(num)
        if k not in seen:
            order.append(k)
            seen[k] = []
        seen[k].append(item)
    return {k: seen[k][0] if len(seen[k]) == 1 else seen[k] for k in order}


def cmd_raw(args):
    setf, name, n, seed, b64, exp = args
    _, pool, fac = load(setf)
    cls = fac.GetPrototype(pool.FindMessageTypeByName(name))
    rng = random.Random(int(seed))
    with open(b64, "w") as fb, open(exp, "w") as fe:
        for i in range(int(n)):
            m = cls()
            fill(m, rng)
            data = m.SerializeToString()
            # Some with their fields out of order and repeated apart.
            if i % 3 == 0 and data:
                parts = split_fields(data)
                rng.shuffle(parts)
                data = b"".join(parts)
            fb.write(base64.b64encode(data).decode() + "\n")
            fe.write(json.dumps(raw_fields(data), ensure_ascii=False) + "\n")


def split_fields(data):
    pos, parts = 0, []

    def rv():
        nonlocal pos
        v, s = 0, 0
        while True:
            b = data[pos]
            pos += 1
            v |= (b & 0x7F) << s
            s += 7
            if not b & 0x80:
                return v

    while pos < len(data):
        start = pos
        wt = rv() & 7
        if wt == 0:
            rv()
        elif wt == 1:
            pos += 8
        elif wt == 5:
            pos += 4
        else:
            n = rv()
            pos += n
        parts.append(data[start:pos])
    return parts


def cmd_bad(args):
    setf, out = args
    base = descriptor_pb2.FileDescriptorSet.FromString(open(setf, "rb").read())

    def write(name, fds):
        open("%s/%s.pb" % (out, name), "wb").write(fds.SerializeToString())

    def edit(name, change):
        fds = descriptor_pb2.FileDescriptorSet()
        fds.CopyFrom(base)
        change(fds)
        write(name, fds)

    last = lambda fds: fds.file[-1]
    msg = lambda fds, n: [m for m in last(fds).message_type if m.name == n][0]

    def badref(f):
        fld = [x for x in msg(f, "Holder").field if x.name == "inner"][0]
        fld.type_name = ".t.Nope"
    edit("badref", badref)

    def relref(f):
        fld = [x for x in msg(f, "Holder").field if x.name == "inner"][0]
        fld.type_name = "Inner"
    edit("relref", relref)

    def enumref(f):
        fld = [x for x in msg(f, "Holder").field if x.name == "color"][0]
        fld.type_name = ".t.Inner"
    edit("enumref", enumref)

    def msgref(f):
        fld = [x for x in msg(f, "Holder").field if x.name == "inner"][0]
        fld.type_name = ".t.Color"
    edit("msgref", msgref)

    def dupnum(f):
        msg(f, "Inner").field[1].number = msg(f, "Inner").field[0].number
    edit("dupnum", dupnum)

    def zeronum(f):
        msg(f, "Inner").field[0].number = 0
    edit("zeronum", zeronum)

    def bignum(f):
        msg(f, "Inner").field[0].number = 536870912
    edit("bignum", bignum)

    def notype(f):
        msg(f, "Inner").field[0].ClearField("type")
    edit("notype", notype)

    def dupmsg(f):
        dup = descriptor_pb2.FileDescriptorProto()
        dup.CopyFrom(last(f))
        dup.name = "copy.proto"
        f.file.append(dup)
    edit("dupmsg", dupmsg)

    def deep(f):
        m = msg(f, "Inner")
        for i in range(70):
            m = m.nested_type.add()
            m.name = "N%d" % i
    edit("deep", deep)

    def badentry(f):
        e = msg(f, "Holder").nested_type[0]
        e.field.add().CopyFrom(e.field[0])
        e.field[-1].number = 3
        e.field[-1].name = "extra"
    edit("badentry", badentry)

    def entrysingle(f):
        fld = [x for x in msg(f, "Holder").field if x.name == "counts"][0]
        fld.label = FD.LABEL_OPTIONAL
    edit("entrysingle", entrysingle)

    def badname(f):
        msg(f, "Inner").field[0].name = "a b"
    edit("badname", badname)

    write("empty", descriptor_pb2.FileDescriptorSet())
    whole = base.SerializeToString()
    open(out + "/truncated.pb", "wb").write(whole[:len(whole) // 2])
    open(out + "/text.pb", "wb").write(b"syntax = \"proto3\";\nmessage A {}\n")


def canon(v):
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, (int, float)):
        return ("num", v)
    if isinstance(v, str):
        return ("str", v)
    if v is None:
        return ("null",)
    if isinstance(v, list) and v and v[0] == "\0obj":
        pairs = v[1]
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            return ("dup", keys)
        return ("obj", sorted((k, canon(x)) for k, x in pairs))
    return ("arr", [canon(x) for x in v])


def canon_load(line):
    return canon(json.loads(line, object_pairs_hook=lambda p: ["\0obj", p]))


def canon_dict(line):
    # The expected side: plain JSON from json.dumps.
    return canon_load(line)


def cmd_cmp(args):
    exp = open(args[0]).read().splitlines()
    out = open(args[1]).read().splitlines()
    if len(exp) != len(out):
        print("%d lines expected, %d out" % (len(exp), len(out)))
        return 1
    for i, (e, o) in enumerate(zip(exp, out)):
        try:
            same = canon_dict(e) == canon_load(o)
        except ValueError:
            same = False
        if not same:
            print("line %d differs:\n  expected %s\n  tide     %s" % (
                i + 1, e, o))
            return 1
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    rc = {"gen": cmd_gen, "conf": cmd_conf, "raw": cmd_raw, "bad": cmd_bad,
          "cmp": cmd_cmp}[cmd](sys.argv[2:])
    sys.exit(rc or 0)
