#!/bin/sh
# lib/schema/avro through tests/tools/avrocat, with python3-avro (Apache
# Avro 1.11) as the oracle: a corpus that python writes (every primitive,
# nested records, arrays, maps, enums, fixed, unions with null, every
# logical type, a recursive record) decodes to the JSON python reads back,
# plain and in the spec's union form; what tide encodes from that JSON,
# python decodes to the same records (byte for byte what python wrote);
# schema evolution; then payloads, records and schemas that must be
# refused, each with its exact reason.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
AVROCAT=$TIDE_BIN/../test/avrocat
ORACLE="$PY $T_ROOT/tests/cli/avro_oracle.py"
if ! $PY -c 'import avro.io' 2>/dev/null; then
	t_skip "python3-avro not installed"
	t_done
fi
[ -x "$AVROCAT" ] || { t_fail "avrocat not built ($AVROCAT)"; t_done; }
C=$T_DIR/corpus
mkdir "$C"
$ORACLE gen "$C" || { t_fail "the oracle's corpus"; t_done; }

# --- python3-avro writes, tide reads ---------------------------------------

for n in all logical list user1; do
	T_IN=$C/$n.hex
	t_run "$n: decode, plain" "$AVROCAT" decode "$C/$n.avsc"
	t_status 0
	cp "$T_OUT" "$C/$n.json"
	$ORACLE canon <"$C/$n.json" >"$T_OUT"
	t_stdout_file "$C/$n.plain"
	T_IN=$C/$n.hex
	t_run "$n: decode, spec" "$AVROCAT" decode -s "$C/$n.avsc"
	t_status 0
	cp "$T_OUT" "$C/$n.specjson"
	$ORACLE canon <"$C/$n.specjson" >"$T_OUT"
	t_stdout_file "$C/$n.spec"

	# --- tide writes, python3-avro reads ---------------------------------
	T_IN=$C/$n.json
	t_run "$n: encode plain JSON" "$AVROCAT" encode "$C/$n.avsc"
	t_status 0
	t_stdout_file "$C/$n.hex"
	T_IN=$C/$n.specjson
	t_run "$n: encode spec JSON" "$AVROCAT" encode "$C/$n.avsc"
	t_status 0
	t_stdout_file "$C/$n.hex"
	$ORACLE decode "$C/$n.avsc" <"$T_OUT" >"$C/$n.back"
	T_NAME="$n: python3-avro reads tide's encoding"
	cp "$C/$n.back" "$T_OUT"
	t_stdout_file "$C/$n.plain"
done

# One record of the logical types, exactly as tide writes it.
T_IN=$C/logical.json
t_run "logical types, as written" sed -n 1,2p
t_stdout <<'EOF'
{"ts_ms":1793536496789,"ts_us":1793536496789.123,"day":"2026-11-01","t_ms":45296789,"t_us":86399999.999,"dec":"12345.67","decf":"-1.5000","id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d","when":1767225600000}
{"ts_ms":-1,"ts_us":-0.5,"day":"1900-02-28","t_ms":0,"t_us":0.001,"dec":"-0.05","decf":"0.0000","id":"00000000-0000-0000-0000-000000000000","when":null}
EOF
T_IN=$C/all.specjson
t_run "spec form, unions" sh -c 'sed -n 2p | jq -c "{u1,u2,u3,u4}"'
t_stdout <<'EOF'
{"u1":{"string":"x"},"u2":{"string":"five"},"u3":{"array":[1,2,3]},"u4":{"com.example.Color":"BLUE"}}
EOF

# Schema evolution.  The registry names the schema a payload was written
# with, and tide decodes with that one: v1's payloads give v1's fields.
# Encoding with v2 fills in v2's defaults, as python3-avro's reader does
# when it resolves v1's payloads against v2.
T_IN=$C/user1.json
t_run "evolution: v1 records encoded with v2" \
	"$AVROCAT" encode "$C/user2.avsc"
t_status 0
$ORACLE decode "$C/user2.avsc" <"$T_OUT" >"$C/user2.back"
cp "$C/user2.back" "$T_OUT"
t_stdout_file "$C/user1-as-v2.plain"
t_stdout <<'EOF'
{"{}":[["id",{"n":"1"}],["name","ann"],["email",null],["score",{"n":"7"}]]}
{"{}":[["id",{"n":"-2"}],["name","bo"],["email",null],["score",{"n":"7"}]]}
EOF

# --- payloads that do not decode -------------------------------------------

S=$T_DIR/s
mkdir "$S"
echo '"int"' >"$S/int.avsc"
echo '"string"' >"$S/str.avsc"
echo '["null","string"]' >"$S/u.avsc"
echo '{"type":"enum","name":"E","symbols":["A","B","C"]}' >"$S/e.avsc"
echo '{"type":"array","items":"long"}' >"$S/al.avsc"
echo '{"type":"array","items":"null"}' >"$S/an.avsc"
echo '"boolean"' >"$S/b.avsc"
echo '{"type":"map","values":"int"}' >"$S/m.avsc"
echo '"double"' >"$S/d.avsc"
echo '{"type":"fixed","name":"F","size":4}' >"$S/f.avsc"
echo '{"type":"bytes","logicalType":"decimal","precision":40,"scale":3}' >"$S/dec.avsc"

# schema, payload in hex (-: none), what avrocat says
while IFS='	' read -r s hex want; do
	[ "$hex" = - ] && hex=
	printf '%s\n' "$hex" >"$T_DIR/in"
	T_IN=$T_DIR/in
	t_run "decode $s $hex" "$AVROCAT" decode "$S/$s.avsc"
	printf '%s\n' "$want" >"$T_DIR/want"
	t_stdout_file "$T_DIR/want"
done <<'EOF'
int	-	error: payload ends inside a number
int	0202	error: 1 bytes after the datum
int	ffffffffffffffffffff01	error: a number past 64 bits
int	8080808010	error: an int past 32 bits
str	0a6869	error: string of 5 bytes past the payload's end
str	01	error: string of negative length -1
str	04fffe	error: a string that is not UTF-8
u	04	error: union branch 2 out of range
u	03	error: union branch -2 out of range
u	020461	error: string of 2 bytes past the payload's end
e	06	error: enum E index 3 out of range
al	0a02	error: array of 5 items past the payload's end
al	010204	error: payload ends inside a number
al	0304	error: a block size past the payload's end
an	feffffff0f	error: array of more than 1000000 empty items
b	02	error: a boolean of 2
m	020461	error: map key of 2 bytes past the payload's end
d	0000	error: payload ends inside a double
f	010203	error: payload ends inside fixed F
dec	0400	error: bytes of 2 bytes past the payload's end
dec	0200ff	error: 1 bytes after the datum
int	02	1
u	00	null
u	020461	error: string of 2 bytes past the payload's end
e	04	"C"
al	01020400	[2]
an	0600	[null,null,null]
m	0202610400	{"a":2}
dec	02ff	"-0.001"
dec	00	"0.000"
dec	060186a0	"100.000"
dec	2001000000000000000000000000000000	"1329227995784915872903807060280344.576"
dec	20ffffffffffffffffffffffffffffffff	"-0.001"
EOF

# A recursive record decodes as deep as tide's JSON may nest, no deeper.
$PY -c 'print("0202" * 40 + "0000")' >"$T_DIR/in"
T_IN=$T_DIR/in
t_run "list of 41 nodes" sh -c "'$AVROCAT' decode '$C/list.avsc' | jq -c '[paths(numbers)] | length'"
t_stdout <<'EOF'
41
EOF
$PY -c 'print("0202" * 200 + "0000")' >"$T_DIR/in"
T_IN=$T_DIR/in
t_run "list of 201 nodes" "$AVROCAT" decode "$C/list.avsc"
t_stdout <<'EOF'
error: nested deeper than 128 levels
EOF

# --- records that do not fit the schema: "path: reason" ---------------------

cat >"$S/pay.avsc" <<'EOF'
{"type":"record","name":"Pay","namespace":"t","fields":[
 {"name":"amount","type":"double"},
 {"name":"n","type":"int"},
 {"name":"card","type":{"type":"record","name":"Card","fields":[{"name":"bin","type":"string"}]}},
 {"name":"items","type":{"type":"array","items":"int"}},
 {"name":"attrs","type":{"type":"map","values":"long"},"default":{}},
 {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
 {"name":"when","type":{"type":"int","logicalType":"date"}},
 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}},
 {"name":"fx","type":{"type":"fixed","name":"F2","size":2}},
 {"name":"opt","type":["null","long","Card"],"default":null}
]}
EOF
G='"amount":1.5,"n":1,"card":{"bin":"4111"},"items":[1,2],"kind":"A","when":"2026-11-01","price":"12.5","fx":"AAE="'
cat >"$T_DIR/in" <<EOF
{$G}
{$G,"opt":{"long":5},"attrs":{"x":1}}
{$G,"opt":{"t.Card":{"bin":"x"}}}
{$G,"opt":{"bin":"y"}}
{$G,"amount":"x"}
{$G,"n":3000000000}
{$G,"n":1.5}
{$G,"card":{"bin":4}}
{$G,"card":{}}
{$G,"items":[1,"a"]}
{$G,"attrs":{"k":"v"}}
{$G,"kind":"PURPLE"}
{$G,"when":"2026-02-30"}
{$G,"when":"yesterday"}
{$G,"price":"123.456"}
{$G,"price":"1234.5"}
{$G,"price":"x"}
{$G,"fx":"AAEC"}
{$G,"fx":"!!"}
{$G,"opt":"s"}
{$G,"opt":{"long":"s"}}
{"amount":1
[]
EOF
T_IN=$T_DIR/in
t_run "encode: records that fit and do not" "$AVROCAT" encode "$S/pay.avsc"
t_status 0
t_stdout <<'EOF'
000000000000f83f020834313131040204000000acc4020404e2000100
000000000000f83f02083431313104020400020278020000acc4020404e20001020a
000000000000f83f020834313131040204000000acc4020404e20001040278
000000000000f83f020834313131040204000000acc4020404e20001040279
error: amount: a string where the schema has double
error: n: 3000000000 is not an int
error: n: 1.5 is not an int
error: card.bin: a number where the schema has string
error: card.bin: missing, and the field has no default
error: items[1]: a string where the schema has int
error: attrs.k: a string where the schema has long
error: kind: "PURPLE" is not a symbol of enum t.Kind
error: when: not a date (YYYY-MM-DD)
error: when: not a date (YYYY-MM-DD)
error: price: a decimal with more than 2 places or 38 digits
error: price: a decimal of 6 digits where the precision is 5
error: price: not a decimal number
error: fx: 3 bytes where fixed t.F2 has 2
error: fx: not base64
error: opt: a string that fits no branch of [null, long, t.Card]
error: opt: an object that fits no branch of [null, long, t.Card]
error: not JSON: unexpected end of document at byte 11
error: an array where the schema has t.Pay
EOF
# The ones that fit, as python3-avro reads them.
head -4 "$T_OUT" | $ORACLE decode "$S/pay.avsc" >"$T_DIR/py"
cp "$T_DIR/py" "$T_OUT"
T_NAME="encode: python3-avro reads what fitted"
t_stdout <<'EOF'
{"{}":[["amount",{"n":"1.5"}],["n",{"n":"1"}],["card",{"{}":[["bin","4111"]]}],["items",[{"n":"1"},{"n":"2"}]],["attrs",{"{}":[]}],["kind","A"],["when","2026-11-01"],["price","12.50"],["fx","AAE="],["opt",null]]}
{"{}":[["amount",{"n":"1.5"}],["n",{"n":"1"}],["card",{"{}":[["bin","4111"]]}],["items",[{"n":"1"},{"n":"2"}]],["attrs",{"{}":[["x",{"n":"1"}]]}],["kind","A"],["when","2026-11-01"],["price","12.50"],["fx","AAE="],["opt",{"n":"5"}]]}
{"{}":[["amount",{"n":"1.5"}],["n",{"n":"1"}],["card",{"{}":[["bin","4111"]]}],["items",[{"n":"1"},{"n":"2"}]],["attrs",{"{}":[]}],["kind","A"],["when","2026-11-01"],["price","12.50"],["fx","AAE="],["opt",{"{}":[["bin","x"]]}]]}
{"{}":[["amount",{"n":"1.5"}],["n",{"n":"1"}],["card",{"{}":[["bin","4111"]]}],["items",[{"n":"1"},{"n":"2"}]],["attrs",{"{}":[]}],["kind","A"],["when","2026-11-01"],["price","12.50"],["fx","AAE="],["opt",{"{}":[["bin","y"]]}]]}
EOF

# --- times and UUIDs on encode (issue 21, tide-sink items 1 and 2) --------
# timestamp-millis and -micros take RFC 3339 text (a fraction, an offset)
# as well as epoch ms (a micros field's number is ms too, exact to the
# microsecond: tide's own JSON form); a date takes its ISO form or days; a
# uuid is the 8-4-4-4-12 form, in either case.  python3-avro reads them.
echo '{"type":"record","name":"L","fields":[{"name":"ms","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"us","type":{"type":"long","logicalType":"timestamp-micros"}},{"name":"day","type":{"type":"int","logicalType":"date"}},{"name":"id","type":{"type":"string","logicalType":"uuid"}}]}' >"$S/lt.avsc"
U=0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d
cat >"$T_DIR/in" <<EOF
{"ms":"2026-12-07T10:00:00Z","us":"2026-12-07T10:00:00.123456Z","day":"2026-12-07","id":"$U"}
{"ms":"2026-12-07T11:00:00.5+01:00","us":1796637600123.456,"day":20794,"id":"0B1E6A2C-4A0E-4F3E-9A53-1F1D3E5B7C9D"}
{"ms":1796637600000,"us":"1969-12-31T23:59:59.9999999Z","day":"2026-12-07","id":"$U"}
{"ms":1,"us":1796637600000,"day":0,"id":"$U"}
{"ms":"yesterday","us":1,"day":1,"id":"$U"}
{"ms":1,"us":"2026-12-07T10:00:00","day":1,"id":"$U"}
{"ms":1,"us":"2026-12-07 10:00:00.1","day":1,"id":"$U"}
{"ms":"2026-13-07T10:00:00Z","us":1,"day":1,"id":"$U"}
{"ms":1,"us":1,"day":1,"id":"not-a-uuid"}
{"ms":1,"us":1,"day":1,"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9"}
{"ms":1,"us":1,"day":1,"id":"0b1e6a2c4a0e-4f3e-9a53-1f1d3e5b7c9d0"}
{"ms":1,"us":1,"day":1,"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7cxd"}
EOF
T_IN=$T_DIR/in
t_run "encode: times as RFC 3339 text and UUIDs" "$AVROCAT" encode "$S/lt.avsc"
t_status 0
t_stdout <<'EOF'
80a491ffc96880a9909f8982b106f4c4024830623165366132632d346130652d346633652d396135332d316631643365356237633964
e8ab91ffc96880a9909f8982b106f4c4024830423145364132432d344130452d344633452d394135332d314631443345354237433944
80a491ffc96801f4c4024830623165366132632d346130652d346633652d396135332d316631643365356237633964
0280a0819f8982b106004830623165366132632d346130652d346633652d396135332d316631643365356237633964
error: ms: "yesterday" is not an RFC 3339 time
error: us: "2026-12-07T10:00:00" is not an RFC 3339 time
error: us: "2026-12-07 10:00:00.1" is not an RFC 3339 time
error: ms: "2026-13-07T10:00:00Z" is not an RFC 3339 time
error: id: "not-a-uuid" is not a UUID (8-4-4-4-12 hexadecimal digits)
error: id: "0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9" is not a UUID (8-4-4-4-12 hexadecimal digits)
error: id: "0b1e6a2c4a0e-4f3e-9a53-1f1d3e5b7c9d0" is not a UUID (8-4-4-4-12 hexadecimal digits)
error: id: "0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7cxd" is not a UUID (8-4-4-4-12 hexadecimal digits)
EOF
head -4 "$T_OUT" | $PY -c 'import io, sys
import avro.io, avro.schema
s = avro.schema.parse(open(sys.argv[1]).read())
for l in sys.stdin:
    d = avro.io.DatumReader(s).read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(l.strip()))))
    print(d["ms"].isoformat(), d["us"].isoformat(), d["day"].isoformat(), d["id"])' "$S/lt.avsc" >"$T_DIR/py"
cp "$T_DIR/py" "$T_OUT"
T_NAME="encode: python3-avro reads the times and UUIDs"
t_stdout <<'EOF'
2026-12-07T10:00:00+00:00 2026-12-07T10:00:00.123456+00:00 2026-12-07 0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d
2026-12-07T10:00:00.500000+00:00 2026-12-07T10:00:00.123456+00:00 2026-12-07 0B1E6A2C-4A0E-4F3E-9A53-1F1D3E5B7C9D
2026-12-07T10:00:00+00:00 1969-12-31T23:59:59.999999+00:00 2026-12-07 0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d
1970-01-01T00:00:00.001000+00:00 2026-12-07T10:00:00+00:00 1970-01-01 0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d
EOF

# --- schemas refused ----------------------------------------------------------

$PY -c 'import json
s = {"type": "long"}
for i in range(70):
    s = {"type": "array", "items": s}
print(json.dumps(s))' >"$S/deep.avsc"
$PY -c 'import json; print(json.dumps({"type": "enum", "name": "E", "symbols": ["S%d" % i for i in range(100001)]}))' >"$S/huge.avsc"
$PY -c 'import json; print(json.dumps({"type": "record", "name": "R", "fields": [{"name": "f%d" % i, "type": "int"} for i in range(100001)]}))' >"$S/wide.avsc"
$PY -c 'import json; print(json.dumps({"type": "record", "name": "R", "fields": [{"name": "f%d" % i, "type": {"type": "record", "name": "E%d" % i, "fields": []}} for i in range(10001)]}))' >"$S/named.avsc"
echo '{"type":"record","name":"A","fields":[{"name":"a","type":"A"}]}' >"$S/self.avsc"
echo '{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"a","type":["A"]}]}}]}' >"$S/mutual.avsc"
echo '{"type":"record","name":"A","fields":[{"name":"x","type":{"type":"record","name":"B","fields":[{"name":"y","type":"Foo"}]}}]}' >"$S/unknown.avsc"
echo '{"type":"record","name":"A","fields":[' >"$S/notjson.avsc"
echo '[["null","int"]]' >"$S/uu.avsc"
echo '["int","string","int"]' >"$S/dup.avsc"
echo '{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"x","type":"long"}]}' >"$S/dupf.avsc"
echo '{"type":"record","name":"A","fields":[{"name":"x","type":{"type":"fixed","name":"A","size":1}}]}' >"$S/twice.avsc"
echo '{"type":"enum","name":"E","symbols":["A","A"]}' >"$S/dupsym.avsc"
echo '{"type":"fixed","name":"F"}' >"$S/nosize.avsc"
echo '{"type":"record","name":"1A","fields":[]}' >"$S/badname.avsc"
echo '42' >"$S/num.avsc"
echo '{"type":"array","items":{"type":"record","name":"L","fields":[{"name":"n","type":{"type":"array","items":"L"}}]}}' >"$S/recarr.avsc"

while IFS='	' read -r s want; do
	t_run "parse $s" "$AVROCAT" parse "$S/$s.avsc"
	printf '%s\n' "$want" >"$T_DIR/want"
	t_stdout_file "$T_DIR/want"
done <<'EOF'
deep	error: nested deeper than 64 levels
huge	error: more than 100000 fields and symbols
wide	error: more than 100000 fields and symbols
named	error: f9999: more than 10000 named types
self	error: record A contains itself with no way to end
mutual	error: record A contains itself with no way to end
unknown	error: x.y: unknown type "Foo"
notjson	error: not JSON: ']' expected near end of file at line 2
uu	error: a union inside a union
dup	error: a union with two branches int
dupf	error: record A has two fields 'x'
twice	error: x: A is defined twice
dupsym	error: enum E: symbol A twice
nosize	error: fixed F has no valid size
badname	error: not a valid name: "1A"
num	error: not a schema
recarr	ok
EOF

# --- decimals as numbers (--decimal-format number, issue 21 item 4) --------
# python3-avro writes decimals of every shape: precision 38 at scale 0 and
# at scale 20, negative, zero with its scale's digits, a fixed one; -n
# writes the very digits as a JSON number, never through a double.
D=$T_DIR/dec
mkdir "$D"
$PY - "$D" <<'PYEOF' || t_fail "python3-avro: the decimals"
import decimal, io, json, sys
import avro.io, avro.schema
d = sys.argv[1]
def dec(p, s):
    return {"type": "bytes", "logicalType": "decimal", "precision": p, "scale": s}
js = {"type": "record", "name": "D", "fields": [
    {"name": "a", "type": dec(38, 0)}, {"name": "b", "type": dec(38, 20)},
    {"name": "c", "type": {"type": "fixed", "name": "F", "size": 16,
     "logicalType": "decimal", "precision": 38, "scale": 10}},
    {"name": "d", "type": ["null", dec(4, 2)]}]}
open(d + "/d.avsc", "w").write(json.dumps(js))
s = avro.schema.parse(json.dumps(js))
D = decimal.Decimal
rows = [
    {"a": D("-99999999999999999999999999999999999999"),
     "b": D("-123456789012345678.12345678901234567890"),
     "c": D("1234567890123456789012345678.0123456789"), "d": D("-0.05")},
    {"a": D("0"), "b": D("0E-20"), "c": D("-0.0000000001"), "d": None},
    {"a": D("170141183460469231731687303715884105727"[:38]),
     "b": D("0.00000000000000000001"), "c": D("0E-10"), "d": D("99.99")},
]
with open(d + "/d.hex", "w") as f:
    for r in rows:
        b = io.BytesIO()
        avro.io.DatumWriter(s).write(r, avro.io.BinaryEncoder(b))
        f.write(b.getvalue().hex() + "\n")
PYEOF
T_IN=$D/d.hex
t_run "decimals as numbers: the exact digits" "$AVROCAT" decode -n "$D/d.avsc"
t_status 0
cp "$T_OUT" "$D/num.json"
t_stdout <<'EOF'
{"a":-99999999999999999999999999999999999999,"b":-123456789012345678.12345678901234567890,"c":1234567890123456789012345678.0123456789,"d":-0.05}
{"a":0,"b":0.00000000000000000000,"c":-0.0000000001,"d":null}
{"a":17014118346046923173168730371588410572,"b":0.00000000000000000001,"c":0.0000000000,"d":99.99}
EOF
t_run "decimals as strings (the default): the same digits" "$AVROCAT" \
	decode "$D/d.avsc"
t_stdout <<'EOF'
{"a":"-99999999999999999999999999999999999999","b":"-123456789012345678.12345678901234567890","c":"1234567890123456789012345678.0123456789","d":"-0.05"}
{"a":"0","b":"0.00000000000000000000","c":"-0.0000000001","d":null}
{"a":"17014118346046923173168730371588410572","b":"0.00000000000000000001","c":"0.0000000000","d":"99.99"}
EOF
t_run "decimals as numbers, spec form" "$AVROCAT" decode -s -n "$D/d.avsc"
t_stdout <<'EOF'
{"a":-99999999999999999999999999999999999999,"b":-123456789012345678.12345678901234567890,"c":1234567890123456789012345678.0123456789,"d":{"bytes":-0.05}}
{"a":0,"b":0.00000000000000000000,"c":-0.0000000001,"d":null}
{"a":17014118346046923173168730371588410572,"b":0.00000000000000000001,"c":0.0000000000,"d":{"bytes":99.99}}
EOF
# Each line is JSON that python reads back to the decimals written.
T_IN=/dev/null
t_run "decimals as numbers: python reads the same decimals" $PY -c '
import decimal, json, sys
for l in open(sys.argv[1]):
    r = json.loads(l, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
    print(r["a"], r["b"], r["c"], r["d"])' "$D/num.json"
t_stdout <<'EOF'
-99999999999999999999999999999999999999 -123456789012345678.12345678901234567890 1234567890123456789012345678.0123456789 -0.05
0 0E-20 -1E-10 None
17014118346046923173168730371588410572 1E-20 0E-10 99.99
EOF

# sum() and --where over them: tide-window's sums per key and hour equal
# python's exact decimal sums (to the cent), and a filter compares them.
$PY - "$D" <<'PYEOF' || t_fail "python3-avro: the amounts"
import decimal, io, json, random, sys
import avro.io, avro.schema
d = sys.argv[1]
js = {"type": "record", "name": "T", "fields": [
    {"name": "k", "type": "string"},
    {"name": "ts", "type": "long"},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal",
                                "precision": 12, "scale": 2}}]}
open(d + "/t.avsc", "w").write(json.dumps(js))
s = avro.schema.parse(json.dumps(js))
rnd = random.Random(21)
sums = {}
with open(d + "/t.hex", "w") as f:
    for i in range(400):
        k = "ab"[rnd.randrange(2)]
        ts = 1793534400000 + i * 36000
        # python3-avro writes a Decimal's own exponent: give it the scale's
        a = decimal.Decimal(rnd.randrange(-10**9, 10**9)).scaleb(-2)
        b = io.BytesIO()
        avro.io.DatumWriter(s).write({"k": k, "ts": ts, "amount": a},
                                     avro.io.BinaryEncoder(b))
        f.write(b.getvalue().hex() + "\n")
        w = (k, ts // 3600000 * 3600000)
        sums[w] = sums.get(w, 0) + a
        if a > decimal.Decimal("9000000.5") or a <= -9000000:
            sums[k] = sums.get(k, 0) + 1
with open(d + "/where", "w") as f:
    for k in "ab":
        f.write(f"{k} {sums.pop(k, 0)}\n")
with open(d + "/sums", "w") as f:
    for (k, w) in sorted(sums, key=lambda x: (x[1], x[0])):
        f.write(f"{w} {k} {sums[(k, w)]}\n")
PYEOF
t_run "sum() over decimal numbers, as python's exact sums" sh -c \
	"'$AVROCAT' decode -n '$D/t.avsc' <'$D/t.hex' |
	tide-window -k k -a 'sum(amount) as s' --tumble 1h |
	$PY -c '
import decimal, json, sys
for l in sys.stdin:
    r = json.loads(l)
    s = decimal.Decimal(repr(r[\"s\"])).quantize(decimal.Decimal(\"0.01\"))
    print(r[\"window_start\"], r[\"k\"], s)' | sort -n >'$D/got' &&
	sort -n '$D/sums' | diff - '$D/got' && wc -l <'$D/got'"
t_status 0
t_stdout <<'EOF'
8
EOF
t_run "--where over decimal numbers, as python's decimals" sh -c \
	"'$AVROCAT' decode -n '$D/t.avsc' <'$D/t.hex' | tide-window -k k \
	-a count --tumble 1d --where 'amount > 9000000.5 or amount <= -9000000' |
	jq -r '.k + \" \" + (.count | tostring)' | sort | diff '$D/where' - &&
	cat '$D/where'"
t_status 0

t_done
