#!/bin/sh
# tide-check: JSON Schema verdicts against python3-jsonschema's
# (Draft202012Validator) over a generated corpus (jschema_corpus.py), then
# exact cases: what passes and what is dead-lettered with which rules, the
# counters per rule, formats by hand, the stream rules (--max-age,
# --max-future, --unique --within, --max-rate), --fail-rate, barriers,
# SIGUSR1; schemas refused at start and bad options.  The Kafka side of
# --dead-letter-topic: tests/kafka/check.sh.
. "$(dirname "$0")/../lib.sh"
t_skip_unless /usr/bin/python3
D=$T_DIR
# No Kafka here: the brokers and settings of the environment do not count.
unset TIDE_BROKERS TIDE_CONFIG

# --- the corpus: the same verdicts as python3-jsonschema ----------------------
mkdir "$D/corpus"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	t_run "corpus" /usr/bin/python3 "$T_ROOT/tests/cli/jschema_corpus.py" \
	    "$(command -v tide-check)" "$D/corpus" 22 90 12
	t_status 0
	t_stdout <<'EOF'
pairs 1080, valid 376, invalid 704, mismatches 0
EOF
else
	t_skip "python3-jsonschema not installed: the corpus"
fi

# --- passed and failed ----------------------------------------------------------
cat >"$D/s.json" <<'EOF'
{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "type": "object", "required": ["id", "amount"],
 "properties": {
  "id": {"type": "string", "pattern": "^a[0-9]+$"},
  "amount": {"type": "number", "minimum": 0, "exclusiveMaximum": 1000},
  "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "maxItems": 2},
  "kind": {"enum": ["x", "y", 1]},
  "ref": {"$ref": "#/$defs/r"}},
 "$defs": {"r": {"type": "integer"}},
 "additionalProperties": false}
EOF
cat >"$D/in" <<'EOF'
{"id":"a1","amount":3}
{"id":"b1","amount":-1,"tags":["abcd","ab",3],"zz":1}
{"amount":1.0,"kind":1.0,"ref":2.0}
nope
{"id":"a2","amount":999.5,"kind":"y","ref":-7}
[1]
{"id":"a3","amount":1000,"ref":"x"}
EOF
T_IN=$D/in
t_run "schema: passed records unchanged" tide-check -s "$D/s.json" \
    --dead-letter "$D/dl" --stats
t_status 0
t_stdout <<'EOF'
{"id":"a1","amount":3}
{"id":"a2","amount":999.5,"kind":"y","ref":-7}
EOF
t_stderr "tide-check: line 2: #/properties/id/pattern at '/id': does not match pattern '^a[0-9]+\$' (and 5 more)" \
    "tide-check: line 3: #/required at '': required property 'id' is missing" \
    "tide-check: line 4: not valid JSON: bad literal at byte 0" \
    "tide-check: line 6: not a JSON object" \
    "tide-check: line 7: #/properties/amount/exclusiveMaximum at '/amount': 1000 is not less than 1000 (and 1 more)" \
    "tide-check: records in 7, out 2, bad 5, of them not records 2" \
    "tide-check: rule #/required: 1" \
    "tide-check: rule #/properties/id/pattern: 1" \
    "tide-check: rule #/properties/amount/minimum: 1" \
    "tide-check: rule #/properties/amount/exclusiveMaximum: 1" \
    "tide-check: rule #/properties/tags/items/type: 1" \
    "tide-check: rule #/properties/tags/items/maxLength: 1" \
    "tide-check: rule #/properties/tags/maxItems: 1" \
    "tide-check: rule #/\$defs/r/type: 1" \
    "tide-check: rule #/additionalProperties: 1" \
    "tide-check: 5 bad records skipped, kept in $D/dl"
t_run "schema: the dead letters name every rule" cat "$D/dl"
t_stdout <<'EOF'
{"source":"-","line":2,"error":"#/properties/id/pattern at '/id': does not match pattern '^a[0-9]+$' (and 5 more)","raw":"{\"id\":\"b1\",\"amount\":-1,\"tags\":[\"abcd\",\"ab\",3],\"zz\":1}","violations":[{"rule":"#/properties/id/pattern","path":"/id","message":"does not match pattern '^a[0-9]+$'"},{"rule":"#/properties/amount/minimum","path":"/amount","message":"-1 is less than the minimum 0"},{"rule":"#/properties/tags/items/maxLength","path":"/tags/0","message":"string of 4 characters is longer than 3"},{"rule":"#/properties/tags/items/type","path":"/tags/2","message":"3 is not of type string"},{"rule":"#/properties/tags/maxItems","path":"/tags","message":"array of 3 items has more than 2"},{"rule":"#/additionalProperties","path":"/zz","message":"property 'zz' is not allowed"}]}
{"source":"-","line":3,"error":"#/required at '': required property 'id' is missing","raw":"{\"amount\":1.0,\"kind\":1.0,\"ref\":2.0}","violations":[{"rule":"#/required","path":"","message":"required property 'id' is missing"}]}
{"source":"-","line":4,"error":"not valid JSON: bad literal at byte 0","raw":"nope"}
{"source":"-","line":6,"error":"not a JSON object","raw":"[1]"}
{"source":"-","line":7,"error":"#/properties/amount/exclusiveMaximum at '/amount': 1000 is not less than 1000 (and 1 more)","raw":"{\"id\":\"a3\",\"amount\":1000,\"ref\":\"x\"}","violations":[{"rule":"#/properties/amount/exclusiveMaximum","path":"/amount","message":"1000 is not less than 1000"},{"rule":"#/$defs/r/type","path":"/ref","message":"\"x\" is not of type integer"}]}
EOF
t_run "schema: --strict stops at the first failing record" tide-check \
    -s "$D/s.json" --strict
t_status 65
t_stdout <<'EOF'
{"id":"a1","amount":3}
EOF
printf '%s\n' '{"id":"b"}' '{"id":"c"}' >"$D/allbad"
T_IN=$D/allbad
t_run "schema: none passed is 65" tide-check -s "$D/s.json" -q
t_status 65
t_run "schema: none passed, under --max-bad 100%" tide-check -s "$D/s.json" \
    -q --max-bad 100%
t_status 0

# Numbers by value, strings by code points, JSON pointers escaped.
cat >"$D/n.json" <<'EOF'
{"properties": {"i": {"type": "integer"}, "e": {"enum": [1, [2, "x"], {"a": 1, "b": [3]}]},
 "c": {"const": 2.5}, "s": {"minLength": 2, "maxLength": 2},
 "a~b/c": {"type": "null"}, "o": {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
 "n": {"not": {"type": "string"}}, "y": {"anyOf": [{"type": "string"}, {"type": "null"}]},
 "d": {"$ref": "#/definitions/pos"}},
 "definitions": {"pos": {"exclusiveMinimum": 0}}}
EOF
cat >"$D/nin" <<'EOF'
{"i":1.0,"e":1e0,"c":25e-1,"s":"é😀"}
{"e":[2.0,"x"],"s":"\u00e9\ud83d\ude00","o":2.5,"n":1,"y":null,"d":0.5}
{"e":{"b":[3],"a":1.00}}
{"i":1.5,"e":true,"c":2,"s":"abc","a~b/c":0,"o":3,"n":"s","y":1,"d":0}
{"e":[2,"x",3],"o":0.5}
EOF
T_IN=$D/nin
t_run "values: 1 == 1.0, code points, pointers" tide-check -s "$D/n.json" \
    --dead-letter "$D/ndl" -q
t_status 0
t_stdout <<'EOF'
{"i":1.0,"e":1e0,"c":25e-1,"s":"é😀"}
{"e":[2.0,"x"],"s":"\u00e9\ud83d\ude00","o":2.5,"n":1,"y":null,"d":0.5}
{"e":{"b":[3],"a":1.00}}
EOF
t_run "values: each violation with its path" sh -c \
    "jq -c '[.line, [.violations[] | [.rule, .path]]]' '$D/ndl'"
t_stdout <<'EOF'
[4,[["#/properties/i/type","/i"],["#/properties/e/enum","/e"],["#/properties/c/const","/c"],["#/properties/s/maxLength","/s"],["#/properties/a~0b~1c/type","/a~0b~1c"],["#/properties/o/oneOf","/o"],["#/properties/n/not","/n"],["#/properties/y/anyOf","/y"],["#/definitions/pos/exclusiveMinimum","/d"]]]
[5,[["#/properties/e/enum","/e"],["#/properties/o/oneOf","/o"]]]
EOF

# --- formats, by hand ----------------------------------------------------------
printf '%s\n' '{"properties": {"t": {"format": "date-time"}, "m": {"format": "email"}, "u": {"format": "uuid"}}}' >"$D/f.json"
cat >"$D/fin" <<'EOF'
{"t":"2026-12-07T10:00:00Z"}
{"t":"2026-12-07t10:00:00.123456+05:30"}
{"t":"2024-02-29T23:59:60z"}
{"t":"2026-12-07T10:00:00-00:00","m":"a.b+c@example.org","u":"0f8fad5b-d9cb-469f-a165-70867728950e"}
{"t":1,"m":null,"u":[]}
{"u":"0F8FAD5B-D9CB-469F-A165-70867728950E"}
{"t":"2026-12-07 10:00:00Z"}
{"t":"2026-12-07T10:00Z"}
{"t":"2025-02-29T00:00:00Z"}
{"t":"2026-13-01T00:00:00Z"}
{"t":"2026-12-07T24:00:00Z"}
{"t":"2026-12-07T10:00:00"}
{"t":"2026-12-07T10:00:00.Z"}
{"t":"2026-12-07T10:00:00+0530"}
{"m":"nobody"}
{"m":"a@b@c"}
{"m":"@example.org"}
{"m":"a b@example.org"}
{"m":"a@example..org"}
{"u":"0f8fad5b-d9cb-469f-a165-70867728950"}
{"u":"0f8fad5bd9cb-469f-a165-70867728950e0"}
{"u":"0f8fad5b-d9cb-469f-a165-70867728950g"}
EOF
T_IN=$D/fin
t_run "formats: date-time, email, uuid" tide-check -s "$D/f.json" \
    --dead-letter "$D/fdl" -q
t_status 0
t_stdout <<'EOF'
{"t":"2026-12-07T10:00:00Z"}
{"t":"2026-12-07t10:00:00.123456+05:30"}
{"t":"2024-02-29T23:59:60z"}
{"t":"2026-12-07T10:00:00-00:00","m":"a.b+c@example.org","u":"0f8fad5b-d9cb-469f-a165-70867728950e"}
{"t":1,"m":null,"u":[]}
{"u":"0F8FAD5B-D9CB-469F-A165-70867728950E"}
EOF
t_run "formats: the failures" sh -c "jq -r '.violations[] | .message' '$D/fdl' | uniq -c | sed 's/^ *//'"
t_stdout <<'EOF'
8 not a valid date-time
5 not a valid email
3 not a valid uuid
EOF

# --- schemas refused at start (65), the file unreadable (74) ------------------
T_IN=$D/in
refused() {
	printf '%s\n' "$2" >"$D/bad.json"
	t_run "refused: $1" tide-check -s "$D/bad.json"
	t_status 65
	t_stderr "tide-check: schema '$D/bad.json': $3"
	t_stdout </dev/null
}
refused "not JSON" '{"type": "object",}' "not valid JSON: expected a member name at byte 18"
refused "if" '{"if": {"type": "string"}, "then": {"minLength": 1}}' \
    'keyword "if" is not supported (at #)'
refused "patternProperties, nested" '{"properties": {"a": {"patternProperties": {}}}}' \
    'keyword "patternProperties" is not supported (at #/properties/a)'
refused "uniqueItems" '{"items": {"uniqueItems": true}}' \
    'keyword "uniqueItems" is not supported (at #/items)'
refused "unknown keyword" '{"typo": 1}' 'keyword "typo" is not supported (at #)'
refused "a keyword twice" '{"enum": [1], "type": "string", "enum": [2]}' \
    'keyword "enum" given twice (at #)'
refused "bad regex" '{"pattern": "a("}' \
    "'pattern': bad regex 'a(': missing closing parenthesis at offset 2 (at #)"
refused "remote \$ref" '{"$ref": "https://example.org/s.json"}' \
    "remote \$ref 'https://example.org/s.json' is not supported (only references within the file, '#/...') (at #)"
refused "\$ref to nothing" '{"$ref": "#/$defs/nope"}' \
    "\$ref '#/\$defs/nope' names no schema in the file (at #)"
refused "\$ref cycle" '{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}}' \
    "\$ref cycle: the schema refers to itself without descending into the value (at #/\$defs/a)"
refused "draft 7" '{"$schema": "http://json-schema.org/draft-07/schema#"}' \
    '$schema "http://json-schema.org/draft-07/schema#" is not supported: tide-check reads draft 2020-12 (https://json-schema.org/draft/2020-12/schema) (at #)'
refused "items as an array" '{"items": [{"type": "string"}]}' \
    "'items' as an array is draft 7's tuple form: draft 2020-12 calls it prefixItems, which is not supported (at #)"
refused "unknown type" '{"type": "int"}' "'type': unknown type \"int\" (at #)"
refused "unknown format" '{"format": "ipv4"}' \
    'format "ipv4" is not supported (only date-time, email and uuid) (at #)'
refused "negative minLength" '{"minLength": -1}' "'minLength' is not a non-negative integer (at #)"
refused "not a schema" '{"properties": {"a": 3}}' \
    "a schema is an object or true or false (at #/properties/a)"
t_run "refused: no such file" tide-check -s "$D/none.json"
t_status 74
t_stderr "tide-check: cannot open '$D/none.json': No such file or directory"

# --- bad options (64) ------------------------------------------------------------
usage() {
	_name=$1
	_msg=$2
	shift 2
	t_run "usage: $_name" tide-check "$@"
	t_status 64
	t_stderr_has "tide-check: $_msg"
}
usage "nothing to check" "nothing to check: give -s, --time, --unique or --max-rate"
usage "--max-age without --time" "--max-age and --max-future need --time" --max-age 1h -s "$D/s.json"
usage "--unique without --within" "--unique and --within go together" --time ts --unique id
usage "--unique without --time" "--unique needs --time" --unique id --within 1m
usage "--max-rate without a bound" "--max-rate: not field[,...]=n/d: 'id'" --max-rate id
usage "--max-rate of 0" "--max-rate: not field[,...]=n/d: 'id=0/s'" --max-rate id=0/s
# The usage line says n/d, as the man page, the option's help and its
# error do (a period of any length: 5/10s, 1000/h).
t_stderr_has "[--max-rate field[,...]=n/d]"
usage "--max-rate of 0, the second one" "--max-rate: not field[,...]=n/d: 'id=0/s'" --max-rate id=1/s --max-rate id=0/s
usage "the same --max-rate twice" "--max-rate: 'id=5/s' given twice" --max-rate id=5/s --max-rate a=1/s --max-rate id=5/s
usage "more than 16 key fields" "--max-rate: more than 16 key fields in all (--unique and --max-rate)" \
    --time ts --unique a,b,c,d,e,f,g,h --within 1s --max-rate i,j,k,l,m,n,o,p=1/s --max-rate q=1/s
# A rule's option given twice would silently drop the first: refused.
S=$D/s.json
while IFS='|' read -r name args; do
	# shellcheck disable=SC2086
	usage "$name twice" "$name: given more than once (it sets one rule: give it once)" $args
done <<EOF
-s|-s $S --schema $S
--time|--time ts --time t2
--time-unit|--time ts --time-unit ms --time-unit s --max-age 1h
--max-age|--time ts --max-age 1h --max-age 2h
--max-future|--time ts --max-future 1m --max-future 1h
--unique|--time ts --unique a --unique b --within 1s
--within|--time ts --unique a --within 1s --within 2s
--fail-rate|-s $S --fail-rate 5% --fail-rate 10%
--window|-s $S --fail-rate 5% --window 1m --window 2m
EOF
usage "--fail-rate without %" "--fail-rate: not a percentage (P%, 0 to 100): '5'" -s "$D/s.json" --fail-rate 5
usage "--window without --fail-rate" "--window and --warn-only go with --fail-rate" -s "$D/s.json" --window 1m
usage "--within 0" "--within" --time ts --unique id --within 0
usage "-b without --dead-letter-topic" "-b, -X, -F, -d and --metadata-timeout go with --dead-letter-topic" -s "$D/s.json" -b localhost:9092
usage "--dead-letter-topic without brokers" "--dead-letter-topic: no brokers: give -b or set TIDE_BROKERS" -s "$D/s.json" --dead-letter-topic dl

# --- stream rules ------------------------------------------------------------------
NOW=$(($(date +%s) * 1000))
printf '%s\n' "{\"ts\":$NOW,\"n\":1}" '{"ts":1577836800000,"n":2}' \
    '{"ts":"2100-01-01T00:00:00Z","n":3}' '{"n":4}' '{"ts":"soon","n":5}' \
    >"$D/age"
T_IN=$D/age
t_run "--max-age, --max-future" tide-check --time ts --max-age 1h \
    --max-future 1h --dead-letter "$D/adl" --stats
t_status 0
t_stdout <<EOF
{"ts":$NOW,"n":1}
EOF
cp "$T_ERR" "$D/aerr"
t_run "--max-age, --max-future: the rules" sh -c "jq -c '[.line, [.violations[] | [.rule, .path]]]' '$D/adl'"
t_stdout <<'EOF'
[2,[["max-age","/ts"]]]
[3,[["max-future","/ts"]]]
[4,[["time","/ts"]]]
[5,[["time","/ts"]]]
EOF
t_run "--max-age, --max-future: counted" grep rule "$D/aerr"
t_stdout <<'EOF'
tide-check: rule time: 2
tide-check: rule max-age: 1
tide-check: rule max-future: 1
EOF

# Duplicates within 10 minutes of event time; a failed record is not
# remembered.
cat >"$D/dup" <<'EOF'
{"ts":"2026-12-01T00:00:00Z","id":"a"}
{"ts":"2026-12-01T00:05:00Z","id":"a"}
{"ts":"2026-12-01T00:00:00Z","id":"b"}
{"ts":"2026-12-01T00:20:00Z","id":"a"}
{"ts":"2026-12-01T00:19:00Z","id":"a"}
{"ts":"2026-12-01T00:21:00Z","id":"c","x":1}
{"ts":"2026-12-01T00:22:00Z","id":"c"}
{"ts":"2026-12-01T01:00:00Z"}
{"ts":"2026-12-01T01:00:00Z"}
EOF
printf '%s\n' '{"properties": {"x": false}}' >"$D/nox.json"
T_IN=$D/dup
t_run "--unique --within" tide-check --time ts --unique id --within 10m \
    -s "$D/nox.json" --dead-letter "$D/udl" -q
t_status 0
t_stdout <<'EOF'
{"ts":"2026-12-01T00:00:00Z","id":"a"}
{"ts":"2026-12-01T00:00:00Z","id":"b"}
{"ts":"2026-12-01T00:20:00Z","id":"a"}
{"ts":"2026-12-01T00:22:00Z","id":"c"}
{"ts":"2026-12-01T01:00:00Z"}
{"ts":"2026-12-01T01:00:00Z"}
EOF
t_run "--unique --within: the duplicates" sh -c "jq -c '[.line, .violations[].message]' '$D/udl'"
t_stdout <<'EOF'
[2,"key a was passed at 2026-12-01T00:00:00.000Z, within --within"]
[5,"key a was passed at 2026-12-01T00:20:00.000Z, within --within"]
[6,"no value is allowed here"]
EOF

# A nested key's path is its JSON pointer; --max-age 0 is a bound too.
printf '%s\n' '{"ts":1577836800000,"a":{"b/c":1}}' '{"ts":1577836800000,"a":{"b/c":1}}' >"$D/nest"
T_IN=$D/nest
t_run "--unique: a nested key" tide-check --time ts --unique 'a."b/c"' \
    --within 1s --dead-letter "$D/ndl2" -q
t_status 0
t_stdout <<'EOF'
{"ts":1577836800000,"a":{"b/c":1}}
EOF
t_run "--unique: a nested key's path" sh -c "jq -c '[.line, [.violations[] | [.rule, .path, .message]]]' '$D/ndl2'"
t_stdout <<'EOF'
[2,[["unique","/a/b~1c","key 1 was passed at 2020-01-01T00:00:00.000Z, within --within"]]]
EOF
t_run "--max-age 0" tide-check --time ts --max-age 0 -q
t_status 65
t_stdout </dev/null

# At most 2 a second per account (event time), keys of two fields.
cat >"$D/rate" <<'EOF'
{"ts":1000,"acct":"a","c":1}
{"ts":1100,"acct":"a","c":1}
{"ts":1200,"acct":"a","c":1}
{"ts":1300,"acct":"a","c":2}
{"ts":1900,"acct":"b","c":1}
{"ts":2000,"acct":"a","c":1}
{"ts":2500,"acct":"a","c":1}
{"ts":2999,"acct":"a","c":1}
EOF
T_IN=$D/rate
t_run "--max-rate" tide-check --time ts --time-unit ms --max-rate acct,c=2/s \
    --dead-letter "$D/rdl" -q
t_status 0
t_stdout <<'EOF'
{"ts":1000,"acct":"a","c":1}
{"ts":1100,"acct":"a","c":1}
{"ts":1300,"acct":"a","c":2}
{"ts":1900,"acct":"b","c":1}
{"ts":2000,"acct":"a","c":1}
{"ts":2500,"acct":"a","c":1}
EOF
t_run "--max-rate: the records over it" sh -c "jq -c '[.line, .violations[].message]' '$D/rdl'"
t_stdout <<'EOF'
[3,"key a,1 has 2 records in this 1s already, over --max-rate acct,c=2/s"]
[8,"key a,1 has 2 records in this 1s already, over --max-rate acct,c=2/s"]
EOF

# --max-rate given again is another rule (its own key and bound), not a
# replacement of the first: a record over both names both; one that fails
# either is not counted by the other; --stats counts each.
T_IN=$D/rate
t_run "two --max-rate rules" tide-check --time ts --time-unit ms \
    --max-rate acct,c=2/s --max-rate acct=2/2s --dead-letter "$D/rdl2" --stats
t_status 0
t_stdout <<'EOF'
{"ts":1000,"acct":"a","c":1}
{"ts":1100,"acct":"a","c":1}
{"ts":1900,"acct":"b","c":1}
{"ts":2000,"acct":"a","c":1}
{"ts":2500,"acct":"a","c":1}
EOF
t_stderr "tide-check: line 3: max-rate: key a,1 has 2 records in this 1s already, over --max-rate acct,c=2/s (and 1 more)" \
    "tide-check: line 4: max-rate: key a has 2 records in this 2s already, over --max-rate acct=2/2s" \
    "tide-check: line 8: max-rate: key a,1 has 2 records in this 1s already, over --max-rate acct,c=2/s (and 1 more)" \
    "tide-check: records in 8, out 5, bad 3, of them not records 0" \
    "tide-check: rule max-rate acct,c=2/s: 2" \
    "tide-check: rule max-rate acct=2/2s: 3" \
    "tide-check: 3 bad records skipped, kept in $D/rdl2"
t_run "two --max-rate rules: the records over them" sh -c \
    "jq -c '[.line, (.violations[] | [.rule, .path, .message])]' '$D/rdl2'"
t_stdout <<'EOF'
[3,["max-rate","/acct","key a,1 has 2 records in this 1s already, over --max-rate acct,c=2/s"],["max-rate","/acct","key a has 2 records in this 2s already, over --max-rate acct=2/2s"]]
[4,["max-rate","/acct","key a has 2 records in this 2s already, over --max-rate acct=2/2s"]]
[8,["max-rate","/acct","key a,1 has 2 records in this 1s already, over --max-rate acct,c=2/s"],["max-rate","/acct","key a has 2 records in this 2s already, over --max-rate acct=2/2s"]]
EOF

# Against an independent count (Python): three rules on tide-gen's
# records (100 a second), a record passing only when under every bound,
# and counted by none when it fails one.
tide-gen --count 3000 --accounts 20 transactions >"$D/g3"
T_IN=$D/g3
t_run "three --max-rate rules, as Python counts them" tide-check --time ts \
    --max-rate account=3/s --max-rate merchant=8/s \
    --max-rate account,country=1/500ms -q
t_status 0
/usr/bin/python3 - "$D/g3" >"$D/g3.want" <<'EOF'
import json, sys
rules = [(("account",), 3, 1000), (("merchant",), 8, 1000),
         (("account", "country"), 1, 500)]
seen = [dict() for _ in rules]
for line in open(sys.argv[1]):
    r = json.loads(line)
    ks = [(tuple(r[f] for f in fs), r["ts"] // per) for fs, n, per in rules]
    if all(seen[i].get(k, 0) < rules[i][1] for i, k in enumerate(ks)):
        for i, k in enumerate(ks):
            seen[i][k] = seen[i].get(k, 0) + 1
        sys.stdout.write(line)
EOF
t_stdout_file "$D/g3.want"
t_ok "three --max-rate rules: some records failed, some passed" test \
    "$(wc -l <"$D/g3.want")" -gt 100 -a "$(wc -l <"$D/g3.want")" -lt 2900

# --- --fail-rate -------------------------------------------------------------------
# 10 s of event time in slots of 1 s: judged from the record 10 s after the
# first on; at 15 s, 3 of the 5 records since 6 s failed.
cat >"$D/fr" <<'EOF'
{"ts":0,"ok":1}
{"ts":3000,"ok":1}
{"ts":6000,"ok":0}
{"ts":9000,"ok":1}
{"ts":10000,"ok":1}
{"ts":12000,"ok":0}
{"ts":15000,"ok":0}
{"ts":18000,"ok":0}
{"ts":19000,"ok":0}
{"ts":25000,"ok":1}
EOF
printf '%s\n' '{"properties": {"ok": {"const": 1}}}' >"$D/ok.json"
T_IN=$D/fr
t_run "--fail-rate: over it" tide-check -s "$D/ok.json" --time ts \
    --time-unit ms --fail-rate 50% --window 10s
t_status 65
t_stdout <<'EOF'
{"ts":0,"ok":1}
{"ts":3000,"ok":1}
{"ts":9000,"ok":1}
{"ts":10000,"ok":1}
EOF
t_stderr_has "tide-check: --fail-rate: 3 of the last 5 records failed (60%) within 10s, over 50%"
t_run "--fail-rate: under it" tide-check -s "$D/ok.json" --time ts \
    --time-unit ms --fail-rate 80% --window 10s -q
t_status 0
t_run "--fail-rate --warn-only" tide-check -s "$D/ok.json" --time ts \
    --time-unit ms --fail-rate 50% --window 10s --warn-only
t_status 0
cp "$T_ERR" "$D/werr"
t_run "--fail-rate --warn-only: warned once while over" grep fail-rate "$D/werr"
t_stdout <<'EOF'
tide-check: --fail-rate: 3 of the last 5 records failed (60%) within 10s, over 50%
EOF
t_run "--fail-rate: a short input is judged at its end" sh -c \
    "head -3 '$D/fr' | tide-check -s '$D/ok.json' --fail-rate 30%"
t_status 65
t_stderr_has "tide-check: --fail-rate: 1 of the last 3 records failed (33.33%) within 1m, over 30%"

# --- barriers ---------------------------------------------------------------------
B1='{"@barrier":{"seq":1,"offsets":[["tx",0,3]]}}'
printf '%s\n' '{"ok":1}' "$B1" '{"ok":0}' '{"@barrier":{"seq":"x"}}' '{"ok":1}' >"$D/bar"
T_IN=$D/bar
t_run "barriers: not records, not written to a file" tide-check \
    -s "$D/ok.json" --dead-letter "$D/bdl" --stats
t_status 0
t_stdout <<'EOF'
{"ok":1}
{"ok":1}
EOF
t_stderr_has "tide-check: records in 3, out 2, bad 1, of them not records 0"
t_stderr_has "tide-check: line 4: broken barrier: seq is not a non-negative integer"
t_run "barriers: the broken one dead-lettered" sh -c "jq -c '[.line, .error]' '$D/bdl'"
t_stdout <<'EOF'
[3,"#/properties/ok/const at '/ok': 0 is not 1"]
[4,"broken barrier: seq is not a non-negative integer"]
EOF

# --- SIGUSR1 ---------------------------------------------------------------------
rm -f "$D/fifo"
mkfifo "$D/fifo"
: >"$D/uerr"
tide-check -s "$D/ok.json" <"$D/fifo" >"$D/uout" 2>>"$D/uerr" &
pid=$!
exec 8>"$D/fifo"
printf '%s\n' '{"ok":1}' '{"ok":2}' >&8
i=0
while ! grep -q 'rule #/properties/ok/const: 1' "$D/uerr" && [ $i -lt 300 ]; do
	m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$m" ] && [ $((0x${m#????????????} & 512)) != 0 ] &&
	    kill -USR1 $pid 2>/dev/null
	sleep 0.1
	i=$((i + 1))
done
exec 8>&-
wait $pid
T_RC=$?
T_NAME="SIGUSR1"
t_status 0
t_ok "SIGUSR1: violations per rule" grep -qx \
    'tide-check: rule #/properties/ok/const: 1' "$D/uerr"
# --- SIGTERM: a stage drains, reading its input to the end ----------------------
rm -f "$D/fifo"
mkfifo "$D/fifo"
: >"$D/terr"
tide-check -s "$D/ok.json" <"$D/fifo" >"$D/tout" 2>>"$D/terr" &
pid=$!
exec 8>"$D/fifo"
printf '%s\n' '{"ok":1}' '{"ok":0}' >&8
# Once it handles SIGTERM (SigCgt: bit 14 of the last four hex digits).
i=0
while [ $i -lt 600 ]; do
	m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$m" ] && [ $((0x${m#????????????} & 16384)) != 0 ] && break
	sleep 0.05
	i=$((i + 1))
done
kill -TERM $pid
printf '%s\n' '{"ok":1,"sent":"after the signal"}' >&8
exec 8>&-
wait $pid
T_RC=$?
T_NAME="SIGTERM drains"
cp "$D/tout" "$T_OUT"
cp "$D/terr" "$T_ERR"
t_status 0
t_stdout <<'EOF'
{"ok":1}
{"ok":1,"sent":"after the signal"}
EOF
t_stderr "tide-check: line 2: #/properties/ok/const at '/ok': 0 is not 1" \
    "tide-check: 1 bad record skipped"

# A quiet input (open, nothing written yet): the first SIGTERM drains,
# the second ends it at once, 143.  Stdin was sniffed for zstd at the
# start, in a read that went on through every signal until four bytes
# came (a terminal's Ctrl-C, twice, did nothing).
rm -f "$D/fifo"
mkfifo "$D/fifo"
: >"$D/terr"
tide-check -s "$D/ok.json" <"$D/fifo" >"$D/tout" 2>>"$D/terr" &
pid=$!
exec 8>"$D/fifo"
i=0
while [ $i -lt 600 ]; do
	m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$m" ] && [ $((0x${m#????????????} & 16384)) != 0 ] && break
	sleep 0.05
	i=$((i + 1))
done
kill -TERM $pid
sleep 0.3	# past TIDE_SIG_SAME_MS: a second stop, not the same one
kill -TERM $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
T_NAME="quiet input: a second SIGTERM ends it"
if kill -0 $pid 2>/dev/null; then
	t_fail "$T_NAME: still running 20s after the second signal"
	kill -KILL $pid
fi
exec 8>&-
wait $pid
T_RC=$?
cp "$D/terr" "$T_ERR"
t_status 143
t_stderr "tide-check: second signal: stopped before the end of input: 0 records read and checked, the rest not read"
# Standard input redirected from a zstd file is still decompressed.
if t_have zstd; then
	printf '%s\n' '{"ok":1}' '{"ok":0}' | zstd -q >"$D/in.zst"
	T_NAME="stdin from a zstd file"
	tide-check -s "$D/ok.json" -q <"$D/in.zst" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
	t_status 0
	t_stdout <<'EOF'
{"ok":1}
EOF
fi

# --- tide-check(1)'s EXAMPLES, as written (as tests/kafka/examples.sh
# runs the other pages'), and what they leave ---------------------------------
# PAGE N: the Nth example of man/PAGE as a script, to stdout.
example() {
	awk -v want="$2" '
	/^\.Sh EXAMPLES/ { ex = 1; next }
	/^\.Sh / { ex = 0 }
	!ex { next }
	/^\.Dl / { n++; if (n == want) { sub(/^\.Dl (\$ )?/, ""); print } next }
	/^\.Bd -literal/ { n++; bd = 1; prompt = 0; cont = 0; next }
	/^\.Ed/ { bd = 0; next }
	bd && n == want {
		line = $0
		gsub(/\\e/, "\\", line)
		if (line ~ /^\$ /) { prompt = 1; sub(/^\$ /, "", line) }
		else if (prompt && !cont && !heredoc) next
		if (line ~ /<<.EOF.$/) heredoc = 1
		else if (line == "EOF") heredoc = 0
		cont = line ~ /[\\|]$/
		print line
	}' "$T_ROOT/man/$1"
}
mkdir "$D/ex"
nex=0
for i in 1 2 3 4; do
	example tide-check.1 $i >"$D/ex/ex$i.sh"
	(cd "$D/ex" && timeout 60 sh "ex$i.sh" >"ex$i.out" 2>"ex$i.err")
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$D/ex/ex$i.sh" ]; then
		t_pass "tide-check.1:$i runs as written"
		nex=$((nex + 1))
	else
		t_fail "tide-check.1:$i runs as written: status $rc" \
		    "$(cat "$D/ex/ex$i.sh"; head -5 "$D/ex/ex$i.err")"
	fi
done
t_ok "tide-check(1): four examples" test $nex = 4 -a \
    "$(example tide-check.1 5 | wc -c)" = 0
t_ok "tide-check(1): the day's transactions all pass the schema" sh -c \
    "cmp '$D/ex/day.ndjson' '$D/ex/passed.ndjson' && test ! -e '$D/ex/failed.ndjson'"
t_run "tide-check(1): ten rules, none violated" cat "$D/ex/ex2.err"
t_stdout <<'EOF'
tide-check: records in 8640, out 8640, bad 0, of them not records 0
EOF
# The same records as jq's: at most 2 an hour per account, no repeat of
# (account, ts) within a second.
t_ok "tide-check(1): --max-rate as jq counts it" sh -c "
	jq -c '[.account, (.ts / 3600000 | floor)]' '$D/ex/day.ndjson' |
	    awk '{ if (++n[\$0] <= 2) print NR }' >'$D/ex/want' &&
	jq -c . '$D/ex/day.ndjson' | awk 'NR == FNR { k[\$0] = FNR; next } { print k[\$0] }' - '$D/ex/clean.ndjson' >'$D/ex/got' &&
	test -s '$D/ex/got' && test \$(wc -l <'$D/ex/got') -lt 8640 && cmp '$D/ex/want' '$D/ex/got'"
t_ok "tide-check(1): the gate before a window" test -s "$D/ex/hourly.ndjson"

# The synopsis as it reads: each bracket closes where its option's
# argument ends (an .Op runs to the end of its line: nested ones had
# swallowed --within, --max-future and =n/d).  The overstrikes of bold and
# underline are taken out with sed, not col(1): a minimal Debian has no
# col (bsdextrautils).
if t_have mandoc; then
	T_NAME="tide-check(1): SYNOPSIS"
	mandoc -Tascii "$T_ROOT/man/tide-check.1" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' >"$T_OUT"
	t_stdout <<'EOF'
SYNOPSIS
     tide-check [-qv] [-s schema]
                [--time field [--max-age d] [--max-future d]]
                [--unique field[,...] --within d] [--max-rate field[,...]=n/d]
                [--fail-rate p% --window d [--warn-only]] [--dead-letter file]
                [--dead-letter-topic topic [-b brokers]] [file ...]

DESCRIPTION
EOF
	T_NAME="tide-check(1): --unique and --max-rate"
	mandoc -Tascii "$T_ROOT/man/tide-check.1" | sed 's/.\x08//g' |
	    grep -E '^     --(unique|max-rate) ' >"$T_OUT"
	t_stdout <<'EOF'
     --unique field[,...]
     --max-rate field[,...]=n/d
EOF
fi

t_done
