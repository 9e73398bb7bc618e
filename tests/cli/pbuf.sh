#!/bin/sh
# lib/schema/pbuf (Protobuf from a descriptor set, tide-formats(7)) through
# tests/tools/pbufdec: random messages built by python3-protobuf from the
# same descriptor set, decoded as json_format.MessageToDict makes them
# (tide's 64-bit integers as numbers), with .proto names and json_names,
# behind the Confluent message indexes, and schemaless against our own
# wire reader (pbuf_oracle.py); exact text where tide chooses (wire order,
# repeated fields apart, duplicates, map entries that leave out their key
# or value, well-known types, proto2); truncated, mistyped and hostile
# payloads and descriptor sets, each refused with its reason; protoc run
# on .proto text, and its failures.
. "$(dirname "$0")/../lib.sh"
t_skip_unless protoc
PY=/usr/bin/python3
if ! $PY -c 'import google.protobuf' 2>/dev/null; then
	t_skip "python3-protobuf not installed"
	t_done
fi
ORACLE=$T_ROOT/tests/cli/pbuf_oracle.py
DEC=${TIDE_TOOLS:-$TIDE_BIN/../test}/pbufdec
if [ ! -x "$DEC" ]; then
	t_fail "no $DEC: make test builds it"
	t_done
fi
cd "$T_DIR" || exit 1

mkdir sub
cat >sub/dep.proto <<'EOF'
syntax = "proto3";
package d;
message Ref { string id = 1; }
EOF
cat >t.proto <<'EOF'
syntax = "proto3";
package t;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "sub/dep.proto";

enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message Inner { int32 a = 1; string s = 2; }
message All {
  double d = 1; float f = 2; int64 i64 = 3; uint64 u64 = 4; int32 i32 = 5;
  fixed64 fx64 = 6; fixed32 fx32 = 7; bool b = 8; string s = 9; bytes by = 10;
  Inner inner = 11; uint32 u32 = 12; Color color = 13; sfixed32 sf32 = 14;
  sfixed64 sf64 = 15; sint32 si32 = 16; sint64 si64 = 17;
  repeated int32 ri = 18; repeated string rs = 19; repeated Inner rm = 20;
  map<string, int64> ms = 21; map<int32, Inner> mi = 22;
  oneof pick { string name = 23; int32 num = 24; }
  optional int32 opt = 25;
  google.protobuf.Timestamp ts = 26; google.protobuf.Duration dur = 27;
  google.protobuf.Int64Value w64 = 28; google.protobuf.StringValue ws = 29;
  google.protobuf.Struct st = 30; google.protobuf.Value val = 31;
  repeated Color rc = 32; map<bool, string> mb = 33; repeated double rd = 34;
  int32 snake_case_name = 35;
  message Nested { Color c = 1; repeated sint64 zs = 2; }
  Nested nested = 36;
  d.Ref ref = 37;
  repeated fixed32 rfx = 38; repeated float rf = 39; map<uint64, Color> mu = 40;
  google.protobuf.ListValue lv = 41; google.protobuf.BytesValue wb = 42;
  google.protobuf.FloatValue wf = 43;
}
message Holder {
  Inner inner = 1; Color color = 2; map<string, int32> counts = 3;
}
message Node { Node child = 1; int32 v = 2; }
message Outer {
  message Mid {
    message Leaf { string leaf = 1; }
    int32 mid = 1;
  }
  int32 outer = 1;
}
EOF
cat >p2.proto <<'EOF'
syntax = "proto2";
package p;
message P2 {
  optional string s = 1;
  optional int32 i = 2 [default = 5];
  repeated int32 packed = 3 [packed = true];
  optional group G = 4 { optional int32 a = 5; }
}
EOF
t_ok "protoc makes the descriptor sets" sh -c \
	'protoc -I. --include_imports --descriptor_set_out=t.pb t.proto &&
	 protoc -I. --include_imports --descriptor_set_out=p2.pb p2.proto'

# --- against python3-protobuf -----------------------------------------------

# oracle NAME DECODER-ARGS -- ORACLE-ARGS: the oracle's payloads through
# pbufdec, line for line what the oracle expects.
oracle() {
	_n=$1 _a=$2
	shift 3
	if ! $PY "$ORACLE" "$@" o.b64 o.exp 2>o.err; then
		t_fail "$_n: the oracle failed" "$(head -5 o.err)"
		return
	fi
	T_IN=o.b64
	# shellcheck disable=SC2086
	t_run "$_n" "$DEC" $_a
	t_status 0
	t_ok "$_n: $(wc -l <o.exp) messages decode as python3-protobuf reads them" \
		$PY "$ORACLE" cmp o.exp "$T_OUT"
}
oracle "random All, .proto names" "-m t.All t.pb" -- gen t.pb t.All 300 1
oracle "random All, json_name (-j)" "-j -m t.All t.pb" -- gen t.pb t.All 100 2 json
oracle "random Holder" "-m t.Holder t.pb" -- gen t.pb t.Holder 50 5
oracle "Confluent message indexes, every type" "-c t.pb" -- conf t.pb 200 3
oracle "protobuf-raw" "-r" -- raw t.pb t.All 150 4
oracle "protobuf-raw, fields shuffled" "-r" -- raw t.pb t.Holder 60 6

# Nesting: 64 messages deep decode, 65 are refused.
$PY - <<'EOF'
import base64, json
def nest(n):
    b = b"\x10\x02"
    for _ in range(n):
        b = b"\x0a" + bytes([len(b)]) + b if len(b) < 128 else \
            b"\x0a" + bytes([len(b) & 0x7f | 0x80, len(b) >> 7]) + b
    return b
open("deep.b64", "w").write(base64.b64encode(nest(63)).decode() + "\n" +
                            base64.b64encode(nest(64)).decode() + "\n")
open("deep.exp", "w").write('{"child":' * 63 + '{"v":2}' + "}" * 63 + "\n" +
                            "error: at byte 129: JSON nested deeper than 64 (nested too deep)\n")
EOF
T_IN=deep.b64
t_run "64 messages deep, then 65" "$DEC" -m t.Node t.pb
t_status 1
t_stdout_file deep.exp
T_IN=deep.b64
t_run "protobuf-raw: guesses stop short of the depth limit" "$DEC" -r -g
t_status 0
t_ok "protobuf-raw: 64 JSON levels at most, base64 or text below" $PY -c '
import json, sys
def depth(v):
    if isinstance(v, dict):
        return 1 + max([depth(x) for x in v.values()] + [0])
    if isinstance(v, list):
        return 1 + max([depth(x) for x in v] + [0])
    return 0
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2
for l in lines:
    assert 60 <= depth(json.loads(l)) <= 64, depth(json.loads(l))
    assert "\"str\":" in l or "\"len\":" in l
' "$T_OUT"

# --- exact text ---------------------------------------------------------------

# one NAME ARGS BYTES EXPECTED: the payload BYTES (printf escapes) through
# pbufdec ARGS, exactly the line EXPECTED.
one() {
	printf "$3" | base64 -w0 >in.b64
	echo >>in.b64
	T_IN=in.b64
	# shellcheck disable=SC2086
	t_run "$1" "$DEC" $2
	printf '%s\n' "$4" >one.exp
	t_stdout_file one.exp
}
A="-m t.All t.pb"
one "fields in wire order" "$A" '\150\007\025\315\314\314\075' \
	'{"color":7,"f":0.1}'
one "an empty message" "$A" '' '{}'
one "varint, length" "-m t.Inner t.pb" '\010\226\001\022\001x' '{"a":150,"s":"x"}'
one "repeated, apart, one array at its first" "$A" \
	'\220\001\001\050\007\220\001\002' '{"ri":[1,2],"i32":7}'
one "packed and unpacked of one field" "$A" '\222\001\002\003\004\220\001\005' \
	'{"ri":[3,4,5]}'
one "a scalar twice is written twice" "$A" '\050\001\050\002' '{"i32":1,"i32":2}'
one "an unknown field is skipped" "$A" '\230\006\001\050\003' '{"i32":3}'
one "map entries without value, without key" "$A" \
	'\262\001\002\010\005\252\001\003\012\001z' '{"mi":{"5":{}},"ms":{"z":0}}'
one "map<bool,...>, map<uint64,enum>" "$A" \
	'\212\002\004\010\001\022\000\302\002\013\010\377\377\377\377\377\377\377\377\377\001' \
	'{"mb":{"true":""},"mu":{"18446744073709551615":"RED"}}'
one "Timestamp and Duration fractions" "$A" \
	'\322\001\000\322\001\004\010\001\020\001\332\001\003\020\350\007' \
	'{"ts":"1970-01-01T00:00:00Z","ts":"1970-01-01T00:00:01.000000001Z","dur":"0.000001s"}'
one "wrappers absent value, Value null, empty ListValue" "$A" \
	'\342\001\000\352\001\000\372\001\000\312\002\000' \
	'{"w64":0,"ws":"","val":null,"lv":[]}'
one "json_name (-j), nested sint64" "-j $A" '\230\002\001\242\002\002\020\003' \
	'{"snakeCaseName":1,"nested":{"zs":[-2]}}'
one "double and float specials" "$A" \
	'\011\000\000\000\000\000\000\370\177\025\000\000\200\377\222\002\020\000\000\000\000\000\000\360\177\000\000\000\000\000\000\340\277' \
	'{"d":"NaN","f":"-Infinity","rd":["Infinity",-0.5]}'
one "int32 negative as 10 bytes, uint32 past 2^31" "$A" \
	'\050\376\377\377\377\377\377\377\377\377\001\140\200\200\200\200\010' \
	'{"i32":-2,"u32":2147483648}'
one "proto2: a string that is not UTF-8, packed" "-m p.P2 p2.pb" \
	'\012\002\377a\020\000\032\002\001\002' '{"s":"\ufffda","i":0,"packed":[1,2]}'
one "Confluent: single 0 is the first message" "-c t.pb" '\000\010\007' '{"a":7}'
one "Confluent: [4,0,0] is Outer.Mid.Leaf" "-c t.pb" '\006\010\000\000\012\002hi' \
	'{"leaf":"hi"}'
one "Confluent: [1] is All" "-c t.pb" '\002\002\050\007' '{"i32":7}'
one "raw: repeats become an array" "-r" \
	'\010\226\001\022\003abc\031\001\000\000\000\000\000\000\000\045\002\000\000\000\010\001' \
	'{"1":[{"varint":150},{"varint":1}],"2":{"len":"YWJj"},"3":{"i64":1},"4":{"i32":2}}'
one "raw -g: a message, a string, bytes" "-r -g" \
	'\010\226\001\022\003abc\032\002\010\001\042\001\377' \
	'{"1":{"varint":150},"2":{"str":"abc"},"3":{"msg":{"1":{"varint":1}}},"4":{"len":"/w=="}}'

# tide-formats(7)'s EXAMPLES: its schema, an order built by python3-protobuf,
# and the page's two records (each one line there, cut for the page).
MAN=$T_ROOT/man/tide-formats.7
awk '/^\.Bd -literal/ { n++; on = 1; next } /^\.Ed/ { on = 0; next }
    on && n == 1 { sub(/^ +/, ""); print }' "$MAN" >shop.proto
awk '/^\.Bd -literal/ { n++; on = 1; next } /^\.Ed/ { if (on && n > 1) print ""; on = 0; next }
    on && n > 1 { sub(/^ /, ""); printf "%s", $0 }' "$MAN" >shop.want
t_ok "tide-formats(7): protoc takes its schema" \
	protoc -I. --include_imports --descriptor_set_out=shop.pb shop.proto
$PY - <<'EOF'
import base64
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
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
open("shop.b64", "w").write(base64.b64encode(o.SerializeToString()).decode() + "\n")
EOF
T_IN=shop.b64
t_run "tide-formats(7): the order" "$DEC" -m shop.Order shop.pb
sed -n 1p shop.want >shop.want1
t_stdout_file shop.want1
t_run "tide-formats(7): the order without its schema" "$DEC" -r
sed -n 2p shop.want >shop.want2
t_stdout_file shop.want2

# --- bad payloads ---------------------------------------------------------------

bad() {
	one "$@"
	t_status 1
}
bad "truncated varint" "$A" '\050' \
	'error: at byte 0: truncated varint (unknown or broken format)'
bad "truncated tag" "$A" '\050\001\220' \
	'error: at byte 2: truncated varint (unknown or broken format)'
bad "varint of 11 bytes" "$A" '\050\377\377\377\377\377\377\377\377\377\377\001' \
	'error: at byte 0: varint longer than 10 bytes (unknown or broken format)'
bad "length past the end" "$A" '\112\005ab' \
	'error: at byte 0: length past the end (unknown or broken format)'
bad "length past the end, nested" "$A" '\132\003\022\005x' \
	'error: at byte 2: length past the end (unknown or broken format)'
bad "truncated fixed64" "$A" '\011\000\000' \
	'error: at byte 0: truncated 64-bit value (unknown or broken format)'
bad "truncated fixed32" "$A" '\025\000' \
	'error: at byte 0: truncated 32-bit value (unknown or broken format)'
bad "wrong wire type: length for int32" "$A" '\052\001a' \
	'error: at byte 0: field i32 (5): wire type 2 where int32 has 0 (unknown or broken format)'
bad "wrong wire type: varint for string" "$A" '\110\001' \
	'error: at byte 0: field s (9): wire type 0 where string has 2 (unknown or broken format)'
bad "wrong wire type: varint for a message" "$A" '\130\001' \
	'error: at byte 0: field inner (11): wire type 0 where message has 2 (unknown or broken format)'
bad "wrong wire type: fixed64 for double's list unpacked" "$A" '\225\002\000\000\000\000' \
	'error: at byte 0: field rd (34): wire type 5 where double has 1 (unknown or broken format)'
bad "wrong wire type in a map entry's key" "$A" '\252\001\002\010\001' \
	'error: at byte 3: field key (1): wire type 0 where string has 2 (unknown or broken format)'
bad "group start (wire type 3)" "$A" '\053\054' \
	'error: at byte 0: group wire type (3, 4) is not supported (unknown or broken format)'
bad "group end (wire type 4)" "$A" '\054' \
	'error: at byte 0: group wire type (3, 4) is not supported (unknown or broken format)'
bad "proto2 group field" "-m p.P2 p2.pb" '\043\050\001\044' \
	'error: at byte 0: group wire type (3, 4) is not supported (unknown or broken format)'
bad "wire type 7" "$A" '\057' \
	'error: at byte 0: wire type 6 or 7 does not exist (unknown or broken format)'
bad "field number 0" "$A" '\000\001' \
	'error: at byte 0: field number 0 or past 2^29-1 (unknown or broken format)'
bad "proto3 string that is not UTF-8" "$A" '\112\002\303\050' \
	'error: at byte 2: field s: a string that is not UTF-8 (unknown or broken format)'
bad "packed fixed32 of 3 bytes" "$A" '\262\002\003\001\002\003' \
	'error: at byte 3: field rfx: packed: a partial 4-byte value (unknown or broken format)'
bad "packed varint truncated" "$A" '\222\001\001\200' \
	'error: at byte 3: field ri: packed: truncated varint (unknown or broken format)'
bad "Timestamp past year 9999" "$A" '\322\001\007\010\200\200\200\200\200\010' \
	'error: at byte 3: a Timestamp out of range: seconds 274877906944, nanos 0 (unknown or broken format)'
bad "Timestamp negative nanos" "$A" '\322\001\013\020\377\377\377\377\377\377\377\377\377\001' \
	'error: at byte 3: a Timestamp out of range: seconds 0, nanos -1 (unknown or broken format)'
bad "Duration of two signs" "$A" '\332\001\015\010\001\020\377\377\377\377\377\377\377\377\377\001' \
	'error: at byte 3: a Duration out of range: seconds 1, nanos -1 (unknown or broken format)'
bad "Confluent: no indexes" "-c t.pb" '' \
	'error: message indexes: truncated varint (unknown or broken format)'
bad "Confluent: a negative count" "-c t.pb" '\001' \
	'error: message indexes: a count of -1 (unknown or broken format)'
bad "Confluent: a count past the nesting limit" "-c t.pb" '\202\001' \
	'error: message indexes: a count of 65 (unknown or broken format)'
bad "Confluent: an index past the types" "-c t.pb" '\002\012' \
	'error: message indexes [5]: the schema has 5 top-level message types, so index 5 names none (unknown or broken format)'
bad "Confluent: a nested index past the types" "-c t.pb" '\004\010\002' \
	'error: message indexes [4, 1]: t.Outer has 1 nested message type, so index 1 names none (unknown or broken format)'
bad "Confluent: a negative index" "-c t.pb" '\002\001' \
	'error: message indexes [-1]: the schema has 5 top-level message types, so index -1 names none (unknown or broken format)'
bad "Confluent: indexes cut short" "-c t.pb" '\004\010' \
	'error: message indexes: truncated varint (unknown or broken format)'
bad "raw: truncated" "-r" '\010' \
	'error: at byte 0: truncated varint (unknown or broken format)'
bad "raw: group" "-r" '\010\001\013' \
	'error: at byte 2: group wire type (3, 4) is not supported (unknown or broken format)'
bad "raw: length past the end" "-r" '\022\010ab' \
	'error: at byte 0: length past the end (unknown or broken format)'

# --- bad descriptor sets ----------------------------------------------------------

mkdir bad
t_ok "the oracle makes hostile descriptor sets" $PY "$ORACLE" bad t.pb bad
while read -r f why; do
	T_IN=/dev/null
	t_run "descriptor set $f" "$DEC" -m t.All "bad/$f.pb"
	t_status 2
	printf 'load: bad/%s.pb: %s\n' "$f" "$why" >want
	t_stdout_file want
done <<'EOF'
badentry t.Holder.CountsEntry: a map entry that is not a key and a value
badname t.Inner: a field with a bad name
badref t.Holder.inner: type .t.Nope is not a message of the set
bignum t.Inner.a: field number 536870912 out of range
dupmsg two messages named t.All
dupnum t.Inner: two fields numbered 1
empty no files
entrysingle t.Holder.counts: a map entry that is not repeated
enumref t.Holder.color: type .t.Inner is not an enum of the set
msgref t.Holder.inner: type .t.Color is not a message of the set
notype t.Inner.a: no or unknown field type
relref t.Holder.inner: type name Inner is not fully qualified
text not a FileDescriptorSet: compile the .proto with protoc --include_imports --descriptor_set_out=FILE.pb FILE.proto
truncated length past the end
zeronum t.Inner.a: field number 0 out of range
EOF
T_IN=/dev/null
t_run "descriptor set: types nested 70 deep" "$DEC" -m t.All bad/deep.pb
t_status 2
t_stdout_has() { if grep -qF -- "$1" "$T_OUT"; then t_pass "$T_NAME: stdout has '$1'"; else t_fail "$T_NAME: stdout lacks '$1'" "$(head -c 300 "$T_OUT")"; fi; }
t_stdout_has ": types nested deeper than 64"
t_run "descriptor set: no such file" "$DEC" -m t.All nope.pb
t_status 2
t_stdout <<'EOF'
load: nope.pb: No such file or directory
EOF
# The .proto source given for its set: said so, and how to make one.
t_run "descriptor set: the .proto source instead" "$DEC" -m t.All t.proto
t_status 2
t_stdout <<'EOF'
load: t.proto: not a FileDescriptorSet: compile it with protoc --include_imports --descriptor_set_out=t.pb t.proto
EOF
printf 'not a set' >notaset.bin
t_run "descriptor set: some other file" "$DEC" -m t.All notaset.bin
t_status 2
t_stdout <<'EOF'
load: notaset.bin: not a FileDescriptorSet: compile the .proto with protoc --include_imports --descriptor_set_out=FILE.pb FILE.proto
EOF
printf '\010\001' >field1.bin
t_run "descriptor set: a binary with a field 1 that is no file" "$DEC" -m t.All field1.bin
t_status 2
t_stdout <<'EOF'
load: field1.bin: field 1 is not a file: not a FileDescriptorSet: compile the .proto with protoc --include_imports --descriptor_set_out=FILE.pb FILE.proto
EOF
t_run "no such message" "$DEC" -m t.Nope t.pb
t_status 2
t_stdout <<'EOF'
load: no message t.Nope
EOF

# --- protoc on .proto text ----------------------------------------------------------

printf '%s\n' 'KAE=' >in.b64
T_IN=in.b64
mkdir tmp
t_run "protoc: a schema and its import" env TMPDIR="$T_DIR/tmp" "$DEC" -m t.All -P t.proto sub/dep.proto
t_status 0
t_stdout <<'EOF'
{"i32":1}
EOF
t_ok "protoc: its temporary directory is removed" test -z "$(ls -A tmp)"
t_run "protoc: its temporary directory is removed after a failure" env TMPDIR="$T_DIR/tmp" "$DEC" -m t.All -P t.proto
t_ok "protoc: no directory left" test -z "$(ls -A tmp)"
T_IN=/dev/null
t_run "protoc: an import that is not given" "$DEC" -m t.All -P t.proto
t_status 2
t_stdout <<'EOF'
load: protoc: sub/dep.proto: File not found. t.proto:7:1: Import "sub/dep.proto" was not found or had errors. t.proto:27:3: "d.Ref" is not defined.
EOF
printf 'syntax = "proto3";\nmessage A { int32 x = 1 }\n' >broken.proto
t_run "protoc: a syntax error" "$DEC" -m A -P broken.proto
t_status 2
t_stdout <<'EOF'
load: protoc: broken.proto:2:25: Expected ";".
EOF
t_run "protoc: a name it cannot import" "$DEC" -m A -P ./broken.proto
t_status 2
t_stdout <<'EOF'
load: protobuf schema: a file name protoc cannot import: "./broken.proto"
EOF
t_run "protoc: not installed" env TIDE_PROTOC="$T_DIR/no/protoc" "$DEC" -m A -P broken.proto
t_status 2
t_stdout <<EOF
load: TIDE_PROTOC=$T_DIR/no/protoc: not found (unset it for protobuf-compiler's protoc)
EOF
printf '#!/bin/sh\nexit 3\n' >fail.sh
chmod +x fail.sh
t_run "protoc: fails without a word" env TIDE_PROTOC="$T_DIR/fail.sh" "$DEC" -m A -P broken.proto
t_status 2
t_stdout <<'EOF'
load: protoc: exit status 3
EOF
printf '#!/bin/sh\nexec sleep 30\n' >slow.sh
chmod +x slow.sh
t_run "protoc: killed at its time-out" env TMPDIR="$T_DIR/tmp" TIDE_PROTOC="$T_DIR/slow.sh" "$DEC" -t 300 -m A -P broken.proto
t_status 2
t_stdout <<EOF
load: $T_DIR/slow.sh: no answer in 300 ms
EOF
t_ok "protoc: killed, its directory removed" test -z "$(ls -A tmp)"
t_done
