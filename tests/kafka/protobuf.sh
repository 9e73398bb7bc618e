#!/bin/sh
# tide-source and tide-replay decoding Protobuf (issue 21 item 3): messages
# of every type of one .proto (nested ones too: message indexes other than
# [0], and [0]'s short form) made by python3-protobuf from protoc's
# descriptor set and produced by python3-kafka with the Confluent framing
# written out (tests/kafka/protobuf_produce.py), the .proto registered in
# the test registry as schemaType PROTOBUF; read back as
# json_format.MessageToDict makes them (tests/cli/pbuf_oracle.py), by
# --value-format auto and protobuf, from the registry (protoc run on its
# text) or from --proto-descriptor, framed or bare (--proto-message), and
# schemaless (protobuf-raw); tide-source(1)'s EXAMPLES on tide-formats(7)'s
# order.  Then bad input, as many cases as good: an unknown id, a
# truncated payload, indexes that name no type or do not read, a schema of
# another type, a .proto with an import no reference names or that protoc
# refuses, a JSON schema, a bad wire type, each reported with partition
# and offset, dead-lettered raw and counted; protoc missing and a registry
# that is down are exit 69; the options' misuse is a usage error.
. "$(dirname "$0")/../lib.sh"
t_skip_unless protoc
PY=/usr/bin/python3
if ! $PY -c 'import google.protobuf, kafka' 2>/dev/null; then
	t_skip "python3-protobuf or python3-kafka not installed"
	t_done
fi
ORACLE="$PY $T_ROOT/tests/cli/pbuf_oracle.py"
cd "$T_DIR" || exit 1

cat >t.proto <<'EOF'
syntax = "proto3";
package t;
import "google/protobuf/timestamp.proto";

enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message Top {
  string name = 1; int64 id = 2; repeated double xs = 3;
  message Inner { sint32 a = 1; bytes b = 2; Color c = 3; }
  Inner inner = 4; map<string, Inner> by = 5;
  google.protobuf.Timestamp at = 6;
  oneof pick { string s = 7; uint64 u = 8; }
}
message Second {
  message Deep {
    message Deeper { fixed64 f = 1; repeated Color cs = 2; bool on = 3; }
    Deeper d = 1; float x = 2;
  }
  Deep deep = 1; repeated Top tops = 2; optional int32 opt = 3;
}
EOF
protoc --include_imports --descriptor_set_out=set.pb t.proto ||
	{ t_fail "protoc on t.proto"; t_done; }

mock_start -t pb:1 -t bare:1 -t pbbad:1 -t orders:1 -t pbjson:1
reg_start r
timeout 60 $PY "$T_ROOT/tests/kafka/protobuf_produce.py" "$BROKERS" "$REG_URL" "$T_DIR" ||
	{ t_fail "producing the Protobuf topics"; t_done; }
N=$(wc -l <pb.exp)
cp pb.exp pb.all
echo '{"json":true}' >>pb.all

# --- good records: what python3-protobuf reads --------------------------------

# Checked against the oracle line by line (values and their types); the
# test's stdout is then the checker's verdict.
t_check() {
	$ORACLE cmp "$1" "$T_OUT" >cmp.out 2>&1 && echo same >"$T_OUT" ||
		cp cmp.out "$T_OUT"
	t_stdout <<'EOF'
same
EOF
}

t_run "auto: the registry's PROTOBUF schema, every type" timeout 30 \
	tide-source -b "$BROKERS" -t pb -e --schema-registry "$REG_URL"
t_status 0
t_check pb.all

t_run "--value-format protobuf" timeout 30 tide-source -b "$BROKERS" \
	-t pb -e -c "$N" --value-format protobuf --schema-registry "$REG_URL"
t_status 0
t_check pb.exp

# The types and indexes the records were sent with (the checker above saw
# their fields): [0] short and long, nested paths.
t_run "the message types" sh -c "cut -d' ' -f2 pb.types | uniq | tr '\n' ' '; echo"
t_stdout <<'EOF'
[0] [0,0] [1] [1,0] [1,0,0] 
EOF

t_run "-J: schema ids, keys as they are" timeout 30 sh -c \
	"TIDE_SCHEMA_REGISTRY='$REG_URL' tide-source -b '$BROKERS' -t pb -e -J -o 12 |
	 jq -c '[.offset, .key, .value_schema_id, (.value | type)]'"
t_status 0
t_stdout <<'EOF'
[12,"k12",1,"object"]
[13,"k13",1,"object"]
[14,"k14",1,"object"]
[15,"plain",null,"object"]
EOF

t_run "tide-replay -J, as tide-source -J" timeout 30 sh -c \
	"tide-replay -b '$BROKERS' -t pb --speed max -J --schema-registry '$REG_URL' >rp &&
	 tide-source -b '$BROKERS' -t pb -e -J --schema-registry '$REG_URL' >src &&
	 cmp rp src && wc -l <rp"
t_status 0
t_stdout <<'EOF'
16
EOF

t_run "--proto-descriptor: framed, no registry" timeout 30 tide-source \
	-b "$BROKERS" -t pb -e -c "$N" --value-format protobuf \
	--proto-descriptor set.pb
t_status 0
t_check pb.exp

t_run "--proto-message: bare messages" timeout 30 tide-source \
	-b "$BROKERS" -t bare -e --value-format protobuf \
	--proto-descriptor set.pb --proto-message t.Top
t_status 0
t_check bare.exp

t_run "tide-replay --proto-message" timeout 30 tide-replay \
	-b "$BROKERS" -t bare --speed max --value-format protobuf \
	--proto-descriptor set.pb --proto-message .t.Top
t_status 0
t_check bare.exp

t_run "--key-format protobuf: keys framed, values bare" timeout 30 sh -c \
	"tide-source -b '$BROKERS' -t bare -e -J -c 2 --key-format protobuf \
	 --schema-registry '$REG_URL' --value-format protobuf-raw |
	 jq -c '[.key, .key_schema_id, (.value | type), .value_schema_id]'"
t_status 0
t_stdout <<'EOF'
[{"x":1.5},1,"object",null]
[{"x":1.5},1,"object",null]
EOF

t_run "protobuf-raw: bare" timeout 30 tide-source -b "$BROKERS" -t bare -e \
	--value-format protobuf-raw
t_status 0
t_check bare.raw

t_run "protobuf-raw: the framing and indexes skipped" timeout 30 \
	tide-source -b "$BROKERS" -t pb -e -c "$N" --value-format protobuf-raw
t_status 0
t_check pb.raw

t_run "protobuf-raw: exact text, schema id" timeout 30 sh -c \
	"tide-source -b '$BROKERS' -t pbbad -o 9 -e -J --value-format protobuf-raw |
	 jq -c '[.value, .value_schema_id]'"
t_stdout <<'EOF'
[{"1":{"len":"YW5u"},"2":{"varint":7}},1]
EOF

# tide-source(1)'s EXAMPLES: bare Protobuf orders, with tide-formats(7)'s
# schema and the records that page shows.
FMT=$T_ROOT/man/tide-formats.7
awk '/^\.Bd -literal/ { n++; on = 1; next } /^\.Ed/ { on = 0; next }
    on && n == 1 { sub(/^ +/, ""); print }' "$FMT" >shop.proto
awk '/^\.Bd -literal/ { n++; on = 1; next } /^\.Ed/ { if (on && n > 1) print ""; on = 0; next }
    on && n > 1 { sub(/^ /, ""); printf "%s", $0 }' "$FMT" >shop.want
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { b = ""; on = 1; next }
    on && /^\.Ed/ { if (b ~ /shop\.proto/) printf "%s", b; on = 0; next }
    on { b = b $0 "\n" }' "$T_ROOT/man/tide-source.1" |
    sed -e ':a' -e '/\\e$/{N;s/\\e\n *//;ba' -e '}' -e 's/^\$ //' \
        -e "s/^tide-source /tide-source -b $BROKERS /" >shop.cmds
t_run "tide-source(1): the example's three commands" sh -c "wc -l <shop.cmds"
t_stdout <<'EOF'
3
EOF
t_ok "tide-source(1): protoc as the example says" sh -c "sed -n 1p shop.cmds | sh"
timeout 30 $PY - "$BROKERS" <<'EOF' || t_fail "producing the orders"
import sys
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from kafka import KafkaProducer
fds = descriptor_pb2.FileDescriptorSet.FromString(open("shop.pb", "rb").read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    pool.Add(f)
Order = message_factory.MessageFactory(pool).GetPrototype(
    pool.FindMessageTypeByName("shop.Order"))
o = Order(order_id="o-1", amount_cents=9007199254740993, tags=["gift", "eu"],
          status=1, sig=bytes.fromhex("deadbeef"))
o.items["sku-9"] = 2
o.ts.FromJsonString("2026-12-07T10:00:00.250Z")
p = KafkaProducer(bootstrap_servers=sys.argv[1], api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=10000)
p.send("orders", partition=0, value=o.SerializeToString())
p.flush(10)
EOF
t_run "tide-source(1): the orders as JSON" timeout 30 sh -c "sed -n 2p shop.cmds | sh"
t_status 0
sed -n 1p shop.want >shop.want1
t_stdout_file shop.want1
t_run "tide-source(1): the orders without the schema" timeout 30 sh -c "sed -n 3p shop.cmds | sh"
t_status 0
sed -n 2p shop.want >shop.want2
t_stdout_file shop.want2

# --- bad input ----------------------------------------------------------------

read -r SID AID REFID BADID JID <pbbad.ids
t_run "bad values: reported, counted, dead-lettered" timeout 30 \
	tide-source -b "$BROKERS" -t pbbad -e --value-format protobuf \
	--schema-registry "$REG_URL" --dead-letter dead
t_status 0
t_stdout <<'EOF'
{"name":"ann","id":7}
EOF
t_stderr "tide-source: 'pbbad' [0] offset 0: value: schema id 999: Schema 999 not found (error 40403)" \
	"tide-source: 'pbbad' [0] offset 1: value: schema id $SID: at byte 0: length past the end" \
	"tide-source: 'pbbad' [0] offset 2: value: schema id $SID: message indexes [7]: the schema has 2 top-level message types, so index 7 names none" \
	"tide-source: 'pbbad' [0] offset 3: value: schema id $SID: message indexes [0, 5]: t.Top has 2 nested message types, so index 5 names none" \
	"tide-source: 'pbbad' [0] offset 4: value: schema id $SID: message indexes: truncated varint" \
	"tide-source: 'pbbad' [0] offset 5: value: schema id $AID is avro, not protobuf" \
	"tide-source: 'pbbad' [0] offset 6: value: schema id $REFID: imports \"other.proto\", which no schema reference names" \
	"tide-source: 'pbbad' [0] offset 7: value: schema id $BADID: protobuf-compiler's protoc: schema.proto:2:9: Expected message name." \
	"tide-source: 'pbbad' [0] offset 8: value: schema id $SID: at byte 0: wire type 6 or 7 does not exist" \
	"tide-source: 9 bad records skipped, kept in dead"
T_IN=dead
t_run "the dead letters: the raw values" jq -r '[.topic, .partition, .offset, (.raw_b64 // (.raw | @base64))] | @tsv'
T_IN=/dev/null
t_stdout <<'EOF'
pbbad	0	0	AAAAA+cCAAoDYW5uEAc=
pbbad	0	1	AAAAAAECAAoDYQ==
pbbad	0	2	AAAAAAECDgoDYW5uEAc=
pbbad	0	3	AAAAAAEEAAoKA2FubhAH
pbbad	0	4	AAAAAAGA
pbbad	0	5	AAAAAAIGYW5u
pbbad	0	6	AAAAAAMCAAoDYW5uEAc=
pbbad	0	7	AAAAAAQCAAoDYW5uEAc=
pbbad	0	8	AAAAAAECAA8=
EOF

t_run "tide-replay: bad values reported, counted, dead-lettered" timeout 30 \
	tide-replay -b "$BROKERS" -t pbbad --speed max --value-format protobuf \
	--schema-registry "$REG_URL" --dead-letter dead2
t_status 0
t_stdout <<'EOF'
{"name":"ann","id":7}
EOF
t_stderr_has "tide-replay: 'pbbad' [0] offset 3: value: schema id $SID: message indexes [0, 5]: t.Top has 2 nested message types, so index 5 names none"
t_stderr_has "tide-replay: 9 bad records skipped, kept in dead2"
t_run "tide-replay: the dead letters, as tide-source's" sh -c \
	"jq -c '[.offset, .error]' dead >d1 && jq -c '[.offset, .error]' dead2 | cmp - d1 && wc -l <dead2"
t_stdout <<'EOF'
9
EOF

t_run "--strict: the first bad value is exit 65" timeout 30 \
	tide-source -b "$BROKERS" -t pbbad -e -o 1 --value-format protobuf \
	--strict --schema-registry "$REG_URL"
t_status 65

t_run "--value-format avro on a PROTOBUF schema" timeout 30 \
	tide-source -b "$BROKERS" -t pb -e -c 1 --value-format avro \
	--schema-registry "$REG_URL" --strict
t_status 65
t_stderr_has "'pb' [0] offset 0: value: schema id $SID is protobuf, not avro"

t_run "a JSON schema's id" timeout 30 tide-source -b "$BROKERS" \
	-t pbjson -e --schema-registry "$REG_URL" --dead-letter dead4
t_status 65
t_stderr "tide-source: 'pbjson' [0] offset 0: value: schema id $JID is a JSON schema: not supported" \
	"tide-source: 1 bad record skipped, kept in dead4" \
	"tide-source: no good records: 1 bad"

t_run "--value-format protobuf without registry or descriptor" timeout 30 \
	tide-source -b "$BROKERS" -t pb -e -c 1 --value-format protobuf --strict
t_status 65
t_stderr_has "value: --value-format protobuf needs --schema-registry or --proto-descriptor"

t_run "--proto-message: a framed payload is no message" timeout 30 \
	tide-source -b "$BROKERS" -t pb -e -c 1 --value-format protobuf \
	--proto-descriptor set.pb --proto-message t.Top --strict
t_status 65
t_stderr_has "'pb' [0] offset 0: value: at byte 0: field number 0 or past 2^29-1"

t_run "protobuf-raw: a payload that is no message" timeout 30 \
	tide-source -b "$BROKERS" -t pbbad -o 8 -c 1 -e \
	--value-format protobuf-raw --dead-letter dead3
t_status 0
t_stderr_has "'pbbad' [0] offset 8: value: at byte 0: wire type 6 or 7 does not exist"
t_stderr_has "1 bad record skipped, kept in dead3"

# protoc missing: the program cannot decode any Protobuf schema.
t_run "protoc missing: exit 69, naming TIDE_PROTOC" timeout 30 \
	env TIDE_PROTOC=/nonexistent tide-source -b "$BROKERS" -t pb -e \
	--schema-registry "$REG_URL"
t_status 69
t_stderr_has "value: schema id $SID: TIDE_PROTOC=/nonexistent: not found (unset it for protobuf-compiler's protoc)"
t_stdout <<'EOF'
EOF
t_run "tide-replay, protoc missing: exit 69" timeout 30 \
	env TIDE_PROTOC=/nonexistent tide-replay -b "$BROKERS" -t pb \
	--speed max --schema-registry "$REG_URL"
t_status 69
t_stderr_has "TIDE_PROTOC=/nonexistent: not found (unset it for protobuf-compiler's protoc)"

# The options' misuse.
t_run "--proto-message without --proto-descriptor" tide-source \
	-b "$BROKERS" -t pb -e --value-format protobuf --proto-message t.Top
t_status 64
t_stderr_has "--proto-message goes with --proto-descriptor"
t_run "--proto-descriptor without protobuf" tide-source -b "$BROKERS" \
	-t pb -e --proto-descriptor set.pb
t_status 64
t_stderr_has "--proto-descriptor goes with --key-format or --value-format protobuf"
t_run "--proto-message: no such type" tide-source -b "$BROKERS" -t pb -e \
	--value-format protobuf --proto-descriptor set.pb --proto-message t.Nope
t_status 64
t_stderr_has "--proto-message: t.Nope: no such message type in set.pb"
t_run "--proto-descriptor: no such file" tide-source -b "$BROKERS" -t pb \
	-e --value-format protobuf --proto-descriptor nothere.pb
t_status 74
t_stderr_has "--proto-descriptor: nothere.pb: No such file or directory"
t_run "--proto-descriptor: not a descriptor set" tide-source \
	-b "$BROKERS" -t pb -e --value-format protobuf --proto-descriptor t.proto
t_status 65
t_stderr "tide-source: --proto-descriptor: t.proto: not a FileDescriptorSet: compile it with protoc --include_imports --descriptor_set_out=t.pb t.proto"
t_run "--value-format nonsense" tide-source -b "$BROKERS" -t pb -e \
	--value-format proto
t_status 64
t_stderr_has "--value-format: not auto, json, avro, protobuf, protobuf-raw, string or bytes"
t_run "--proto-descriptor with files" tide-source --value-format protobuf \
	--proto-descriptor set.pb t.proto
t_status 64
t_stderr_has "--avro-json, --decimal-format and --proto-* apply to Kafka input only"
t_run "tide-replay --proto-descriptor with archives" tide-replay \
	--value-format protobuf --proto-descriptor set.pb t.proto
t_status 64
t_stderr_has "--avro-json, --decimal-format and --proto-*: only with -t"

# A registry that cannot be reached: notes while retrying, then 69.
reg_start gone
GONE=$REG_URL
reg_stop "$REG_PID"
t_run "registry down: exit 69" timeout 30 tide-source -b "$BROKERS" -t pb \
	-e -c 1 --value-format protobuf --schema-registry "$GONE" \
	--schema-registry-timeout 1s
t_status 69
t_stderr_has "unreachable"
t_stdout <<'EOF'
EOF

t_done
