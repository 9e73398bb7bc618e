#!/bin/sh
# tide-check beside its peers (make bench; never run by make test):
# python3-jsonschema (Debian's, Draft202012Validator) and ajv (from the
# npm registry, installed on first use into build/bench-node with the
# machine's own npm, as duckdb.sh installs DuckDB), each gating the same
# tide-gen transactions, 1% of them broken, with the 10-rule schema of
# tide-check(1)'s EXAMPLES, and writing the records that pass.
#
# Times are CPU seconds (user + sys), best of B_REPEAT runs: the machine
# is shared.  python3-jsonschema gets PN records (default 100k: it is some
# hundred times slower); its rate is per record all the same.  The three
# must pass the same records.  Without node and npm, or when the install
# fails, ajv is left out and it says so (a benchmark never gates).
. "$(dirname "$0")/lib.sh"

N=${N:-1000000}
PN=${PN:-100000}
tide-gen transactions --count "$N" --seed 1 |
    awk 'NR % 100 == 7 { sub(/"amount":/, "\"amount\":-") } NR % 100 == 50 { sub(/"country":"[A-Z]*"/, "\"country\":\"XX\"") } { print }' \
    >"$B_DIR/tx.ndjson"
head -n "$PN" "$B_DIR/tx.ndjson" >"$B_DIR/ptx.ndjson"
cat >"$B_DIR/tx.schema.json" <<'JSON'
{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "type": "object", "required": ["ts", "account", "amount"],
 "properties": {
  "ts": {"type": "integer"},
  "account": {"pattern": "^a[0-9]{6}$"},
  "merchant": {"maxLength": 16},
  "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000},
  "country": {"enum": ["AU", "BR", "CA", "DE", "ES", "FR", "GB", "IN",
                       "IT", "JP", "NL", "US"]},
  "card_present": {"type": "boolean"}}}
JSON
cat >"$B_DIR/py.py" <<'PY'
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1])))
out = sys.stdout
for line in sys.stdin:
    if v.is_valid(json.loads(line)):
        out.write(line)
PY
echo "check bench: $N transactions (python3-jsonschema: $PN), 10 rules, 2% failing"

B_IN=$B_DIR/tx.ndjson
B_OUT=$B_DIR/pass.tide
bench_cpu tide_check "$N" tide-check -s "$B_DIR/tx.schema.json" --max-bad 100% -q
B_IN=$B_DIR/ptx.ndjson
B_OUT=$B_DIR/pass.py
bench_cpu python3_jsonschema "$PN" /usr/bin/python3 "$B_DIR/py.py" "$B_DIR/tx.schema.json"
tide-check -s "$B_DIR/tx.schema.json" --max-bad 100% -q <"$B_DIR/ptx.ndjson" >"$B_DIR/pass.tide.p"
cmp -s "$B_DIR/pass.py" "$B_DIR/pass.tide.p" &&
    echo "python3-jsonschema: the same $(wc -l <"$B_DIR/pass.py") records pass" ||
    echo "python3-jsonschema: the passing records DIFFER"
bench_ratio tide_check python3_jsonschema

NODE_DIR=$B_ROOT/build/bench-node
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "ajv: skipped: node and npm are needed (Debian: nodejs npm)"
	exit 0
fi
if [ ! -d "$NODE_DIR/node_modules/ajv" ]; then
	mkdir -p "$NODE_DIR"
	echo "ajv: installing ajv into $NODE_DIR"
	if ! npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent \
	    ajv >"$B_DIR/.npm" 2>&1; then
		echo "ajv: skipped: npm install ajv failed: $(tail -3 "$B_DIR/.npm")"
		exit 0
	fi
fi
# node resolves an import from the script's own directory upwards.
cp "$B_ROOT/tests/bench/check.mjs" "$NODE_DIR/check.mjs"
echo "ajv: $(node -p "require('$NODE_DIR/node_modules/ajv/package.json').version")"
B_IN=$B_DIR/tx.ndjson
B_OUT=$B_DIR/pass.ajv
bench_cpu ajv "$N" node "$NODE_DIR/check.mjs" "$B_DIR/tx.schema.json"
cmp -s "$B_DIR/pass.ajv" "$B_DIR/pass.tide" &&
    echo "ajv: the same $(wc -l <"$B_DIR/pass.ajv") records pass" ||
    echo "ajv: the passing records DIFFER"
bench_ratio tide_check ajv
