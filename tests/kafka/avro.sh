#!/bin/sh
# tide-source decoding Avro in the Confluent wire format (issue 21): records
# produced by python3-kafka with python3-avro's encoding and the framing
# written out, their schemas in the test registry (tests/kafka/registry.py),
# read back as python3-avro reads them (tests/cli/avro_oracle.py); the
# envelope's schema ids; then bad input, as many cases as good: an unknown
# id (the registry's 404), truncated payloads, a wrong magic byte, trailing
# bytes, each reported with partition and offset, dead-lettered raw and
# counted; a registry that is down is exit 69 after a bounded wait.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import avro.io, kafka' 2>/dev/null; then
	t_skip "python3-avro or python3-kafka not installed"
	t_done
fi
ORACLE="$PY $T_ROOT/tests/cli/avro_oracle.py"

mock_start -t av:1 -t bad:1 -t unk:1 -t short:1
reg_start r
timeout 60 $PY "$T_ROOT/tests/kafka/avro_produce.py" "$BROKERS" "$REG_URL" "$T_DIR" ||
	{ t_fail "producing the Avro topics"; t_done; }

# --- good records: exactly what python3-avro reads --------------------------

t_run "values, plain" timeout 30 tide-source -b "$BROKERS" -t av -e \
	--schema-registry "$REG_URL"
t_status 0
$ORACLE canon <"$T_OUT" | sed '$d' >"$T_DIR/got"
tail -1 "$T_OUT" >>"$T_DIR/got"
cp "$T_DIR/got" "$T_OUT"
t_stdout_file "$T_DIR/av.plain"

t_run "values, --avro-json spec, --value-format avro" timeout 30 \
	tide-source -b "$BROKERS" -t av -e -c 14 --avro-json spec \
	--value-format avro --key-format avro --schema-registry "$REG_URL"
t_status 0
$ORACLE canon <"$T_OUT" >"$T_DIR/got"
cp "$T_DIR/got" "$T_OUT"
sed '$d' "$T_DIR/av.spec" >"$T_DIR/want"
t_stdout_file "$T_DIR/want"

# The envelope: decoded key and value, and their schema ids (key id 1,
# value ids from 2; the JSON message has none).
t_run "-J: schema ids" timeout 30 sh -c "TIDE_SCHEMA_REGISTRY='$REG_URL' \
	tide-source -b '$BROKERS' -t av -e -J | jq -c '[.offset, .key, .key_schema_id, .value_schema_id, (.value | keys_unsorted | .[0])]'"
t_status 0
t_stdout <<'EOF'
[0,"k0",1,2,"n"]
[1,"k1",1,2,"n"]
[2,"k2",1,2,"n"]
[3,"k3",1,2,"n"]
[4,"k4",1,3,"ts_ms"]
[5,"k5",1,3,"ts_ms"]
[6,"k6",1,3,"ts_ms"]
[7,"k7",1,3,"ts_ms"]
[8,"k8",1,4,"v"]
[9,"k9",1,4,"v"]
[10,"k10",1,5,"id"]
[11,"k11",1,5,"id"]
[12,"k12",1,6,"id"]
[13,"plain",null,null,"json"]
EOF

# @key is the key as its format reads it, as -J writes it (issue 21): an
# Avro string key's text, not its framed bytes; decided on the metadata
# alone or with value fields; an unframed key stays its text.
t_run "--where @key: the decoded Avro key" timeout 30 tide-source \
	-b "$BROKERS" -t av -e --schema-registry "$REG_URL" \
	--where '@key == "k11" or @key == "plain"'
t_status 0
t_stdout <<'EOF'
{"id":-2,"name":"bo"}
{"json":true}
EOF
t_run "--where @key and a value field" timeout 30 tide-source \
	-b "$BROKERS" -t av -e --schema-registry "$REG_URL" --keep name \
	--where '@key =~ /^k1[0-2]$/ and id > 0'
t_status 0
t_stdout <<'EOF'
{"name":"ann"}
{"name":"cy"}
EOF
t_run "tide-replay --where @key: the decoded Avro key" timeout 30 \
	tide-replay -b "$BROKERS" -t av --speed max --schema-registry \
	"$REG_URL" --where '@key in ("k10", "k12")'
t_status 0
t_stdout <<'EOF'
{"id":1,"name":"ann"}
{"id":3,"name":"cy","email":"c@y","score":1}
EOF
t_run "tide-replay --where @key and a value field" timeout 30 \
	tide-replay -b "$BROKERS" -t av --speed max --schema-registry \
	"$REG_URL" --where '@key != "k10" and value.id >= 1' -J --keep key,value.id
t_status 0
t_stdout <<'EOF'
{"key":"k12","id":3}
EOF
# A key that does not decode, for a filter on the metadata alone, is bad
# input as it is without the filter.
t_run "--where @key: a key that does not decode" timeout 30 tide-source \
	-b "$BROKERS" -t av -o 12 -e --key-format avro --schema-registry \
	"$REG_URL" --where '@key != "x"'
t_status 0
t_stdout <<'EOF'
{"id":3,"name":"cy","email":"c@y","score":1}
EOF
t_stderr "tide-source: 'av' [0] offset 13: key: magic byte 0x70, not 0: not in the Confluent wire format" \
	"tide-source: 1 bad record skipped"
t_run "tide-replay --where @key: a key that does not decode" timeout 30 \
	tide-replay -b "$BROKERS" -t av --speed max --key-format avro \
	--schema-registry "$REG_URL" --where '@key == "k12" or @key == "plain"'
t_status 0
t_stdout <<'EOF'
{"id":3,"name":"cy","email":"c@y","score":1}
EOF
t_stderr_has "tide-replay: 'av' [0] offset 13: key: magic byte 0x70, not 0: not in the Confluent wire format"

# --print's %k of a decoded string key is its text, as a plain key's
# bytes are (kcat's), %K its length; a decoded value is its JSON.
t_run "--print %k: a decoded Avro string key's text" timeout 30 tide-source \
	-b "$BROKERS" -t av -o 11 -e --schema-registry "$REG_URL" \
	--print '%o %k %K %s %S\n'
t_status 0
t_stdout <<'EOF'
11 k11 3 {"id":-2,"name":"bo"} 21
12 k12 3 {"id":3,"name":"cy","email":"c@y","score":1} 44
13 plain 5 {"json":true} 13
EOF
t_run "tide-replay --print %k: a decoded Avro string key's text" timeout 30 \
	tide-replay -b "$BROKERS" -t av --speed max --schema-registry \
	"$REG_URL" --print '%k=%{name}\n' --where '@key in ("k11", "plain")'
t_status 0
t_stdout <<'EOF'
k11=bo
plain=
EOF

# Evolution: v1's records keep v1's fields, v2's carry the added one.
t_run "evolution: each record by its own schema" timeout 30 sh -c \
	"tide-source -b '$BROKERS' -t av -o 10 -c 3 -e --schema-registry '$REG_URL'"
t_status 0
t_stdout <<'EOF'
{"id":1,"name":"ann"}
{"id":-2,"name":"bo"}
{"id":3,"name":"cy","email":"c@y","score":1}
EOF

# The logical types, for --time: timestamp-millis is epoch ms.
t_run "logical types as written" timeout 30 sh -c \
	"tide-source -b '$BROKERS' -t av -o 4 -c 1 -e --schema-registry '$REG_URL'"
t_stdout <<'EOF'
{"ts_ms":1793536496789,"ts_us":1793536496789.123,"day":"2026-11-01","t_ms":45296789,"t_us":86399999.999,"dec":"12345.67","decf":"-1.5000","id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d","when":1767225600000}
EOF

# --decimal-format number: the same exact digits as JSON numbers, for
# sums and comparisons (issue 21 item 4).
t_run "--decimal-format number" timeout 30 sh -c \
	"tide-source -b '$BROKERS' -t av -o 4 -c 1 -e --schema-registry '$REG_URL' \
	--decimal-format number --where 'dec > 12345.6 and decf < -1.4999'"
t_stdout <<'EOF'
{"ts_ms":1793536496789,"ts_us":1793536496789.123,"day":"2026-11-01","t_ms":45296789,"t_us":86399999.999,"dec":12345.67,"decf":-1.5000,"id":"0b1e6a2c-4a0e-4f3e-9a53-1f1d3e5b7c9d","when":1767225600000}
EOF
t_run "tide-replay --decimal-format number" timeout 30 sh -c \
	"tide-replay -b '$BROKERS' -t av --speed max --schema-registry '$REG_URL' \
	--decimal-format number --keep dec,decf --where 'exists(decf)'"
t_stdout <<'EOF'
{"dec":12345.67,"decf":-1.5000}
{"dec":-0.05,"decf":0.0000}
{"dec":9999999999.99,"decf":99999999999999.9999}
{"dec":0.00,"decf":-99999999999999.9999}
EOF
t_run "--decimal-format nonsense" tide-source -b "$BROKERS" -t av -e \
	--decimal-format float
t_status 64
t_stderr_has "--decimal-format: not string or number"

# Without a registry, the framed values are bytes as before.
t_run "no registry: base64 as before" timeout 30 tide-source -b "$BROKERS" \
	-t av -o 8 -c 1 -e
t_stdout <<'EOF'
"\u0000\u0000\u0000\u0000\u0004\u0002\u0000"
EOF

# tide-replay decodes the same way: its -J is tide-source's, record for
# record (the same envelope builder), and -e values too.
t_run "tide-replay -J, as tide-source -J" timeout 30 sh -c \
	"tide-replay -b '$BROKERS' -t av --speed max -J --schema-registry '$REG_URL' >'$T_DIR/rp' &&
	 tide-source -b '$BROKERS' -t av -e -J --schema-registry '$REG_URL' >'$T_DIR/src' &&
	 cmp '$T_DIR/rp' '$T_DIR/src' && wc -l <'$T_DIR/rp'"
t_status 0
t_stdout <<'EOF'
14
EOF
t_run "tide-replay --avro-json spec: values" timeout 30 tide-replay \
	-b "$BROKERS" -t av --speed max --avro-json spec --limit 13 \
	--schema-registry "$REG_URL"
t_status 0
$ORACLE canon <"$T_OUT" >"$T_DIR/got"
cp "$T_DIR/got" "$T_OUT"
t_stdout_file "$T_DIR/want"

# --- bad input ----------------------------------------------------------------

t_run "bad values: reported, counted, dead-lettered" timeout 30 \
	tide-source -b "$BROKERS" -t bad -e --value-format avro \
	--schema-registry "$REG_URL" --dead-letter "$T_DIR/dead"
t_status 0
t_stdout <<'EOF'
{"id":1,"name":"ann"}
EOF
t_stderr "tide-source: 'bad' [0] offset 0: value: schema id 999: Schema 999 not found (error 40403)" \
	"tide-source: 'bad' [0] offset 1: value: schema id 5: string of 3 bytes past the payload's end" \
	"tide-source: 'bad' [0] offset 2: value: magic byte 0x01, not 0: not in the Confluent wire format" \
	"tide-source: 'bad' [0] offset 3: value: magic byte 0x7b, not 0: not in the Confluent wire format" \
	"tide-source: 'bad' [0] offset 4: value: 3 bytes, short of the Confluent framing's 5" \
	"tide-source: 'bad' [0] offset 5: value: schema id 5: 1 bytes after the datum" \
	"tide-source: 'bad' [0] offset 6: value: schema id 5: string of negative length -64" \
	"tide-source: 7 bad records skipped, kept in $T_DIR/dead"
T_IN=$T_DIR/dead
t_run "the dead letters: the raw values" jq -c '[.topic, .partition, .offset, .raw_b64 // .raw]'
T_IN=/dev/null
t_stdout <<'EOF'
["bad",0,0,"AAAAA+cCBmFubg=="]
["bad",0,1,"\u0000\u0000\u0000\u0000\u0005\u0002\u0006a"]
["bad",0,2,"\u0001\u0000\u0000\u0000\u0005\u0002\u0006ann"]
["bad",0,3,"{\"id\":1}"]
["bad",0,4,"\u0000\u0000\u0000"]
["bad",0,5,"\u0000\u0000\u0000\u0000\u0005\u0002\u0006ann\u0000"]
["bad",0,6,"\u0000\u0000\u0000\u0000\u0005\u0002\u007f"]
EOF

t_run "tide-replay: bad values reported, counted, dead-lettered" timeout 30 \
	tide-replay -b "$BROKERS" -t bad --speed max --value-format avro \
	--schema-registry "$REG_URL" --dead-letter "$T_DIR/dead2"
t_status 0
t_stdout <<'EOF'
{"id":1,"name":"ann"}
EOF
t_stderr_has "tide-replay: 'bad' [0] offset 3: value: magic byte 0x7b, not 0: not in the Confluent wire format"
t_stderr_has "tide-replay: 7 bad records skipped, kept in $T_DIR/dead2"
T_IN=$T_DIR/dead2
t_run "tide-replay: the dead letters" jq -c '[.offset, .error]'
T_IN=/dev/null
t_stdout <<'EOF'
[0,"value: schema id 999: Schema 999 not found (error 40403)"]
[1,"value: schema id 5: string of 3 bytes past the payload's end"]
[2,"value: magic byte 0x01, not 0: not in the Confluent wire format"]
[3,"value: magic byte 0x7b, not 0: not in the Confluent wire format"]
[4,"value: 3 bytes, short of the Confluent framing's 5"]
[5,"value: schema id 5: 1 bytes after the datum"]
[6,"value: schema id 5: string of negative length -64"]
EOF

# --value-format auto (and key) with a registry: a first byte 0 is the
# framing's (JSON never starts so, text hardly), so a payload short of its
# 5 bytes is bad input, as Confluent's deserializers have it; one that
# starts otherwise is as it is; without a registry all are as they are.
t_run "auto: a value short of the framing is bad input" timeout 30 \
	tide-source -b "$BROKERS" -t bad -e --schema-registry "$REG_URL" \
	--dead-letter "$T_DIR/dead3"
t_status 0
t_stdout <<'EOF'
"\u0001\u0000\u0000\u0000\u0005\u0002\u0006ann"
{"id":1}
{"id":1,"name":"ann"}
EOF
t_stderr_has "tide-source: 'bad' [0] offset 4: value: 3 bytes, short of the Confluent framing's 5"
t_stderr_has "tide-source: 5 bad records skipped, kept in $T_DIR/dead3"
T_IN=$T_DIR/dead3
t_run "auto: the dead letters" jq -c '[.offset, .raw_b64 // .raw]'
T_IN=/dev/null
t_stdout <<'EOF'
[0,"AAAAA+cCBmFubg=="]
[1,"\u0000\u0000\u0000\u0000\u0005\u0002\u0006a"]
[4,"\u0000\u0000\u0000"]
[5,"\u0000\u0000\u0000\u0000\u0005\u0002\u0006ann\u0000"]
[6,"\u0000\u0000\u0000\u0000\u0005\u0002\u007f"]
EOF
t_run "auto without a registry: the same value as it is" timeout 30 \
	tide-source -b "$BROKERS" -t bad -o 4 -c 1 -e
t_status 0
t_stdout <<'EOF'
"\u0000\u0000\u0000"
EOF
$PY -c '
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1])
for k, n in ((b"\0\1", 1), (b"", 2), (b"ab", 3), (b"\0", 4), (b"a\0", 5)):
    p.send("short", key=k, value=b"{\"n\":%d}" % n, partition=0)
p.flush()' "$BROKERS"
t_run "auto: keys short of the framing" timeout 30 sh -c "tide-source \
	-b '$BROKERS' -t short -e -J --schema-registry '$REG_URL' 2>'$T_DIR/err' |
	jq -c '[.offset, .key, .value.n]'; cat '$T_DIR/err' >&2"
t_stdout <<'EOF'
[1,"",2]
[2,"ab",3]
[4,"a\u0000",5]
EOF
t_stderr "tide-source: 'short' [0] offset 0: key: 2 bytes, short of the Confluent framing's 5" \
	"tide-source: 'short' [0] offset 3: key: 1 bytes, short of the Confluent framing's 5" \
	"tide-source: 2 bad records skipped"
t_run "tide-replay auto: keys short of the framing" timeout 30 \
	tide-replay -b "$BROKERS" -t short --speed max --schema-registry \
	"$REG_URL" --keep n
t_status 0
t_stdout <<'EOF'
{"n":2}
{"n":3}
{"n":5}
EOF
t_stderr_has "tide-replay: 'short' [0] offset 3: key: 1 bytes, short of the Confluent framing's 5"
# Without a registry a framed value goes out as it is, and a note says,
# once a run, that --schema-registry would decode it; never for JSON,
# short or other first bytes, an explicit --value-format, or under -q.
t_run "auto without a registry: one note for framed values" timeout 30 \
	tide-source -b "$BROKERS" -t av -e
t_status 0
t_ok "auto without a registry: all 14 values out" test "$(wc -l <"$T_OUT")" = 14
t_stderr "tide-source: note: 'av' [0] offset 0: the value starts as the Confluent wire format does (magic byte 0, schema id 2): give --schema-registry (or TIDE_SCHEMA_REGISTRY) to decode Avro or Protobuf"
t_run "tide-replay auto without a registry: one note for framed values" \
	timeout 30 tide-replay -b "$BROKERS" -t av --speed max
t_status 0
t_stderr "tide-replay: note: 'av' [0] offset 0: the value starts as the Confluent wire format does (magic byte 0, schema id 2): give --schema-registry (or TIDE_SCHEMA_REGISTRY) to decode Avro or Protobuf"
t_run "no note for JSON values" timeout 30 tide-source -b "$BROKERS" \
	-t short -e
t_status 0
t_stderr_empty
t_run "no note for another first byte, JSON or a value short of the framing" \
	timeout 30 tide-source -b "$BROKERS" -t bad -o 2 -c 3 -e
t_status 0
t_stderr_empty
t_run "the note on the first framed value past them" timeout 30 \
	tide-source -b "$BROKERS" -t bad -o 2 -c 4 -e
t_status 0
t_stderr "tide-source: note: 'bad' [0] offset 5: the value starts as the Confluent wire format does (magic byte 0, schema id 5): give --schema-registry (or TIDE_SCHEMA_REGISTRY) to decode Avro or Protobuf"
t_run "no note with --value-format json" timeout 30 tide-source \
	-b "$BROKERS" -t av -e --value-format json
t_status 0
t_stderr_empty
t_run "no note under -q" timeout 30 tide-replay -b "$BROKERS" -t av \
	--speed max -q
t_status 0
t_stderr_empty
t_run "auto without a registry: keys as they are" timeout 30 sh -c \
	"tide-source -b '$BROKERS' -t short -e -J | jq -c '[.offset, .key]'"
t_stdout <<'EOF'
[0,"\u0000\u0001"]
[1,""]
[2,"ab"]
[3,"\u0000"]
[4,"a\u0000"]
EOF

t_run "--strict: the first bad value is exit 65" timeout 30 \
	tide-source -b "$BROKERS" -t bad -e --value-format avro --strict \
	--schema-registry "$REG_URL"
t_status 65
t_stdout <<'EOF'
EOF

t_run "--max-bad 6: seven bad values are exit 65" timeout 30 tide-source \
	-b "$BROKERS" -t bad -e --max-bad 6 --value-format avro \
	--schema-registry "$REG_URL"
t_status 65

t_run "--value-format protobuf on an Avro schema" timeout 30 tide-source \
	-b "$BROKERS" -t bad -e -o 7 --value-format protobuf \
	--schema-registry "$REG_URL"
t_status 65
t_stderr_has "'bad' [0] offset 7: value: schema id 5 is avro, not protobuf"

# Avro asked for and no registry: a usage error at start, not every
# message bad input (and committed past with -G).
t_run "--value-format avro without a registry" timeout 30 tide-source \
	-b "$BROKERS" -t bad -e -o 7 --value-format avro
t_status 64
t_stderr_has 'tide-source: --value-format avro needs --schema-registry (or TIDE_SCHEMA_REGISTRY)'
t_run "--key-format avro without a registry" timeout 30 tide-source \
	-b "$BROKERS" -t bad -e -G nogroup --key-format avro
t_status 64
t_stderr_has 'tide-source: --key-format avro needs --schema-registry (or TIDE_SCHEMA_REGISTRY)'
t_run "... and no offsets committed" timeout 30 tide-source -b "$BROKERS" \
	--lag -G nogroup -t bad
t_stdout <<'EOF'
topic  partition  committed  end  lag
bad    0          -          8    -
total                             0
EOF
t_run "tide-replay --value-format avro without a registry" timeout 30 \
	tide-replay -b "$BROKERS" -t bad --speed max --value-format avro
t_status 64
t_stderr_has 'tide-replay: --value-format avro needs --schema-registry (or TIDE_SCHEMA_REGISTRY)'

t_run "--value-format nonsense" tide-source -b "$BROKERS" -t bad -e \
	--value-format xml
t_status 64
t_stderr_has "--value-format: not auto, json, avro, protobuf, protobuf-raw, string or bytes"
echo '{"a":1}' >"$T_DIR/in.ndjson"
t_run "--value-format with files" tide-source --value-format avro \
	"$T_DIR/in.ndjson"
t_status 64
t_stderr_has "tide-source: --schema-registry, --key-format, --value-format, --avro-json, --decimal-format and --proto-* apply to Kafka input only"
t_run "tide-replay --value-format with archives" tide-replay \
	--value-format avro "$T_DIR/in.ndjson"
t_status 64
t_stderr_has "tide-replay: --schema-registry, --key-format, --value-format, --avro-json, --decimal-format and --proto-*: only with -t"
# Avro's forms without a registry, which alone decodes Avro: refused.
t_run "--avro-json without a registry" tide-source -b "$BROKERS" -t av -e \
	--avro-json spec
t_status 64
t_stderr_has "tide-source: --avro-json needs --schema-registry (or TIDE_SCHEMA_REGISTRY)"
t_run "--decimal-format without a registry" tide-source -b "$BROKERS" -t av \
	-e --decimal-format number --value-format protobuf-raw
t_status 64
t_stderr_has "tide-source: --decimal-format needs --schema-registry (or TIDE_SCHEMA_REGISTRY)"
t_run "tide-replay --avro-json without a registry" tide-replay \
	-b "$BROKERS" -t av --speed max --avro-json plain
t_status 64
t_stderr_has "tide-replay: --avro-json needs --schema-registry (or TIDE_SCHEMA_REGISTRY)"
t_run "--avro-json with TIDE_SCHEMA_REGISTRY" timeout 30 env \
	TIDE_SCHEMA_REGISTRY="$REG_URL" tide-source -b "$BROKERS" -t av -e \
	-c 1 --avro-json spec --decimal-format number
t_status 0
t_run "--avro-json nonsense" tide-source -b "$BROKERS" -t bad -e \
	--avro-json fancy
t_status 64
t_stderr_has "--avro-json: not plain or spec"

# An id the registry does not have is asked once, not once a message:
# 40 messages naming it are 40 bad records and one request.
$PY -c '
import struct, sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1])
for i in range(40):
    p.send("unk", struct.pack(">bI", 0, 4242) + b"\x02", partition=0)
p.flush()' "$BROKERS"
requests() { $PY -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/_requests"))["count"])' "$1"; }
n0=$(requests "$REG_URL")
t_run "an unknown id: 40 messages" timeout 30 tide-source -b "$BROKERS" \
	-t unk -e --schema-registry "$REG_URL"
t_status 65
t_stderr_has "tide-source: 'unk' [0] offset 0: value: schema id 4242: Schema 4242 not found (error 40403)"
t_stderr_has "tide-source: no good records: 40 bad"
t_run "... one request" echo $(($(requests "$REG_URL") - n0))
t_stdout <<'EOF'
1
EOF

# A registry that cannot be reached: notes while retrying, then 69.
reg_start gone
GONE=$REG_URL
reg_stop "$REG_PID"
t_run "registry down: exit 69 after --schema-registry-timeout" timeout 30 \
	tide-source -b "$BROKERS" -t av -e -c 1 --schema-registry "$GONE" \
	--schema-registry-timeout 2s
t_status 69
t_stderr_has "tide-source: key: schema registry $GONE unreachable (retried for 2s): "
t_stdout <<'EOF'
EOF
t_run "tide-replay, registry down: exit 69" timeout 30 tide-replay \
	-b "$BROKERS" -t av --speed max --schema-registry "$GONE" \
	--schema-registry-timeout 1s
t_status 69
t_stderr_has "tide-replay: key: schema registry $GONE unreachable (retried for 1s): "

t_done
