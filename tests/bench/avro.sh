#!/bin/sh
# Avro decoding benchmark (make bench; never run by make test; issue 21
# item 6): the same N transactions in two tide-mock topics, one as JSON and
# one as Avro in the Confluent wire format (schema in tests/kafka/
# registry.py), read to their end by `tide-source -e` (JSON), `tide-source
# -e` and `-J -e` with the registry (Avro), and python3-avro's decoder
# (DatumReader over the same payloads from a file, no Kafka: the decoder
# alone, on N_PY of them).  CPU seconds (user + sys), best of B_REPEAT, in
# the same run; the outputs of the tide runs must hold N lines and the
# Avro -e output must equal the JSON one.  Targets: Avro -e at most 1.5x
# the CPU of JSON -e, and 20x python3-avro's rate.  N (default 1000000)
# is spread evenly, record i to partition i mod P, over 32 partitions
# (Avro) and 128 (JSON), each record keeping its account as key: the
# mock keeps at most 5 MiB a partition (tide-mock(1), LIMITS), and
# partitioned by key the accounts are skewed (a000000 alone has 6.6% of
# them), so at 1M the hottest JSON partition got 68561 records, 7.5 MB,
# and the mock dropped its oldest 28091 (2.8% of the topic, which the
# consumers then missed).  Evenly, N up to about 2M fits; prod.py checks
# that every record was delivered and is still there.
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}
N_PY=${N_PY:-50000}
PY=/usr/bin/python3
$PY -c 'import avro.io, confluent_kafka' 2>/dev/null ||
	{ echo "python3-avro or python3-confluent-kafka missing: skipped"; exit 0; }

mkfifo "$B_DIR/mockin"
tide-mock -t av:32 -t js:128 --bootstrap-file "$B_DIR/bootstrap" \
    <"$B_DIR/mockin" >/dev/null 2>"$B_DIR/mock.err" &
mockpid=$!
exec 9>"$B_DIR/mockin"
B_CLEANUP="exec 9>&-; kill $mockpid 2>/dev/null; wait $mockpid 2>/dev/null"
cat >"$B_DIR/tx.avsc" <<'EOF'
{"type":"record","name":"Tx","fields":[
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"account","type":"string"},
 {"name":"merchant","type":"string"},
 {"name":"amount","type":"double"},
 {"name":"country","type":"string"},
 {"name":"card_present","type":"boolean"}]}
EOF
$PY "$B_ROOT/tests/kafka/registry.py" --port-file "$B_DIR/regport" \
    --load "av-value=$B_DIR/tx.avsc" >"$B_DIR/reg.out" 2>&1 &
regpid=$!
B_CLEANUP="kill $regpid 2>/dev/null; wait $regpid 2>/dev/null; $B_CLEANUP"
i=0
while [ ! -s "$B_DIR/bootstrap" ] || [ ! -s "$B_DIR/regport" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "tide-mock or registry.py did not start"; exit 1; }
	sleep 0.05
done
BROKERS=$(cat "$B_DIR/bootstrap")
REG=http://127.0.0.1:$(cat "$B_DIR/regport")

# The records: tide-gen's transactions; the Avro encoding written out
# here (the schema is flat: varints, strings, a double, a boolean) and
# checked against python3-avro's on the first records.
tide-gen --seed 1 --count "$N" transactions >"$B_DIR/tx.json"
cat >"$B_DIR/prod.py" <<'EOF'
import datetime, io, json, struct, sys
import avro.io, avro.schema
from confluent_kafka import Consumer, Producer, TopicPartition
br, avsc, src, paydump, npy = sys.argv[1:6]
parts = {"av": 32, "js": 128}
schema = avro.schema.parse(open(avsc).read())
def zz(v):
    v = (v << 1) ^ (v >> 63)
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)
def s(x):
    b = x.encode()
    return zz(len(b)) + b
def enc(r):
    return (zz(r["ts"]) + s(r["account"]) + s(r["merchant"]) +
            struct.pack("<d", r["amount"]) + s(r["country"]) +
            (b"\1" if r["card_present"] else b"\0"))
failed = []
def report(err, msg):
    if err is not None:
        failed.append(err)
p = Producer({"bootstrap.servers": br, "linger.ms": 50,
              "queue.buffering.max.messages": 1000000,
              "on_delivery": report})
dump = open(paydump, "wb")
for i, line in enumerate(open(src)):
    r = json.loads(line)
    body = enc(r)
    if i < 100:
        ref = io.BytesIO()
        when = datetime.datetime.fromtimestamp(r["ts"] / 1000,
                                               datetime.timezone.utc)
        avro.io.DatumWriter(schema).write(dict(r, ts=when),
                                          avro.io.BinaryEncoder(ref))
        assert ref.getvalue() == body, (r, ref.getvalue(), body)
    if i < int(npy):
        dump.write(struct.pack(">I", len(body)) + body)
    key = r["account"].encode()
    for topic, value in (("av", b"\0\0\0\0\1" + body),
                         ("js", line.rstrip("\n").encode())):
        while True:
            try:
                p.produce(topic, key=key, value=value,
                          partition=i % parts[topic])
                break
            except BufferError:
                p.poll(0.1)
    p.poll(0)
n = i + 1
if p.flush(60) or failed:
    sys.exit("not delivered: %d, %d failed (%s)" %
             (len(p), len(failed), failed[:1]))
# Delivered is not kept: the mock drops a full partition's oldest batches
# (and says so on its standard error, once a second): its watermarks.
c = Consumer({"bootstrap.servers": br, "group.id": "avro-bench"})
for topic, np in parts.items():
    marks = [c.get_watermark_offsets(TopicPartition(topic, q), timeout=10)
             for q in range(np)]
    kept = sum(hi - lo for lo, hi in marks)
    if kept != n or any(lo for lo, hi in marks):
        sys.exit("%s: %d of %d records kept; partitions with their oldest "
                 "dropped: %s" % (topic, kept, n,
                 [q for q, (lo, hi) in enumerate(marks) if lo]))
c.close()
EOF
timeout 600 $PY "$B_DIR/prod.py" "$BROKERS" "$B_DIR/tx.avsc" "$B_DIR/tx.json" \
    "$B_DIR/payloads" "$N_PY" || { echo "producing the data failed"; exit 1; }

cat >"$B_DIR/pydec.py" <<'EOF'
import io, struct, sys
import avro.io, avro.schema
schema = avro.schema.parse(open(sys.argv[1]).read())
rd = avro.io.DatumReader(schema)
data = open(sys.argv[2], "rb").read()
pos = n = 0
while pos < len(data):
    (ln,) = struct.unpack(">I", data[pos:pos + 4])
    rd.read(avro.io.BinaryDecoder(io.BytesIO(data[pos + 4:pos + 4 + ln])))
    pos += 4 + ln
    n += 1
print(n)
EOF

echo "avro bench: $N transactions in 32 (Avro) and 128 (JSON) partitions of tide-mock, as JSON and as Avro (a busy machine: compare ratios, not times)"
B_OUT=$B_DIR/out.json
bench_cpu "tide-source -e json" "$N" timeout 300 tide-source -b "$BROKERS" -t js -e
B_OUT=$B_DIR/out.avro
bench_cpu "tide-source -e avro" "$N" timeout 300 tide-source -b "$BROKERS" -t av -e \
    --schema-registry "$REG"
B_OUT=$B_DIR/out.avroJ
bench_cpu "tide-source -J -e avro" "$N" timeout 300 tide-source -b "$BROKERS" -t av -J -e \
    --schema-registry "$REG"
B_OUT=$B_DIR/out.json.J
bench_cpu "tide-source -J -e json" "$N" timeout 300 tide-source -b "$BROKERS" -t js -J -e
B_OUT=/dev/null
bench_cpu "python3-avro decoder" "$N_PY" $PY "$B_DIR/pydec.py" "$B_DIR/tx.avsc" "$B_DIR/payloads"
for f in json avro avroJ json.J; do
	got=$(wc -l <"$B_DIR/out.$f")
	[ "$got" = "$N" ] || echo "  out.$f: $got lines, expected $N"
done
# Partitions interleave differently: compare sorted.
sort "$B_DIR/out.json" >"$B_DIR/a"
sort "$B_DIR/out.avro" >"$B_DIR/b"
cmp -s "$B_DIR/a" "$B_DIR/b" && echo "Avro -e output equals JSON -e output" ||
	echo "  Avro -e output differs from JSON -e: $(diff "$B_DIR/a" "$B_DIR/b" | head -3)"
bench_ratio "tide-source -e json" "tide-source -e avro"
bench_ratio "tide-source -J -e json" "tide-source -J -e avro"
bench_ratio "tide-source -e avro" "python3-avro decoder"
# The mock's own word if it dropped records past its retention cap.
grep 'oldest records were dropped' "$B_DIR/mock.err" || true
