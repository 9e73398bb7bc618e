#!/bin/sh
# tide-score: models trained by XGBoost and sklearn on tide-gen data, saved,
# and the same records scored by tide-score and by Python
# (tests/cli/score_oracle.py): equal within 1e-6 for binary:logistic (JSON
# and UBJSON), reg:squarederror, multi:softprob, with missing values, and
# for the linear format; records otherwise byte for byte as read; the
# native tree evaluator's output byte for byte the C API's.  Bad
# input: features that are not numbers, missing under --missing error,
# broken, truncated, empty and unknown model files, a feature count that
# does not match.  Barriers passed on; SIGHUP and --watch reload the model.
. "$(dirname "$0")/../lib.sh"
t_skip_unless tide-score
t_have /usr/bin/python3 || t_done
D=$T_DIR
O=$T_ROOT/tests/cli/score_oracle.py
F=amount,card_present,m,acct
py() { /usr/bin/python3 "$@"; }

tide-gen --seed 5 --count 300 transactions >"$D/tx.nd"
if ! py "$O" train "$D" <"$D/tx.nd" 2>"$D/train.err"; then
	t_fail "train the models" "$(head -c 600 "$D/train.err")"
	t_done
fi

# --- the oracle ---------------------------------------------------------------

# oracle NAME INPUT EXPECT FIELD TIDE-SCORE-ARGS...
oracle() {
	_n=$1 _in=$2 _exp=$3 _f=$4
	shift 4
	t_run "$_n" tide-score "$@" "$_in"
	t_status 0
	_r=$(py "$O" compare "$_in" "$D/$_exp.expect" "$T_OUT" "$_f")
	if [ "$_r" = "ok 300 records" ]; then t_pass "$_n: as Python scores"
	else t_fail "$_n: as Python scores" "$_r"; fi
}
oracle "binary:logistic, json, names from the model" "$D/data.nd" bin score \
	-m "$D/bin.json"
oracle "binary:logistic, ubj, --batch 1" "$D/data.nd" bin score \
	-m "$D/bin.ubj" --batch 1
oracle "binary:logistic, --batch 7, --features" "$D/data.nd" bin score \
	-m "$D/bin.json" --batch 7 --features $F
oracle "reg:squarederror, --as" "$D/data.nd" reg y -m "$D/reg.json" --as y
oracle "multi:softprob: an array of 3 probabilities" "$D/data.nd" multi score \
	-m "$D/multi.json" --features $F
oracle "logistic regression (sklearn)" "$D/clean.nd" logit p \
	-m "$D/logit.json" --as p
oracle "linear regression (sklearn)" "$D/clean.nd" linreg score \
	-m "$D/linreg.json" --features $F

# The native evaluator gives XGBoost's C API's scores byte for byte (the
# same floats), for every objective it takes; -v says which evaluates.
native() {
	_n=$1 _m=$2
	shift 2
	t_run "$_n: native" tide-score -v -m "$D/$_m" "$@" "$D/data.nd"
	t_status 0
	t_stderr_has "trees evaluated natively (as XGBoost's C API on 512 probe records, bit for bit)"
	cp "$T_OUT" "$D/native.out"
	t_run "$_n: --no-native" tide-score -v --no-native -m "$D/$_m" "$@" \
		"$D/data.nd"
	t_status 0
	t_stderr_has "XGBoost's C API (native evaluator: not asked for)"
	t_stdout_file "$D/native.out"
}
native "binary:logistic" bin.json
native "binary:logistic, ubj, --batch 3" bin.ubj --batch 3
native "reg:squarederror" reg.json
native "multi:softprob" multi.json --features $F
# An objective it does not take: the C API, and why.
if py -c "
import json
m = json.load(open('$D/reg.json'))
m['learner']['objective'] = {'name': 'reg:absoluteerror'}
json.dump(m, open('$D/abs.json', 'w'))" 2>"$D/py.err"; then
	t_run "another objective: the C API" tide-score -v -m "$D/abs.json" \
		"$D/data.nd"
	t_status 0
	t_stderr_has "XGBoost's C API (native evaluator: objective \"reg:absoluteerror\")"
else t_fail "make abs.json" "$(cat "$D/py.err")"; fi

# Standard input, and the record as read: spacing, field order, nesting
# (white space before the closing brace goes).
T_IN=$D/in.nd
printf '%s\n' '{ "amount" : 20,"card_present":true, "m":5,"acct":1 }' \
	'{"z":{"a":[1]},"acct":1,"m":5,"card_present":false,"amount":20}' >"$T_IN"
cat >"$D/lin.json" <<'EOF2'
{"features":["amount","card_present","m","acct"],
 "coefficients":[0.5,2,-1,0.25],"intercept":1}
EOF2
t_run "linear: stdin, records kept as they were" tide-score -m "$D/lin.json"
t_status 0
t_stdout <<'EOF2'
{ "amount" : 20,"card_present":true, "m":5,"acct":1,"score":8.25}
{"z":{"a":[1]},"acct":1,"m":5,"card_present":false,"amount":20,"score":6.25}
EOF2
printf '{"a":{"b":2},"c":1}\n{"a":{"b":-2},"c":0}\n{"c":0,"a":{"b":0}}\n' >"$T_IN"
printf '{"coefficients":[1,1],"link":"logistic"}\n' >"$D/dot.json"
t_run "linear: dotted paths, logistic link" tide-score -m "$D/dot.json" \
	--features a.b,c
t_status 0
t_stdout <<'EOF2'
{"a":{"b":2},"c":1,"score":0.9525741268224334}
{"a":{"b":-2},"c":0,"score":0.11920292202211755}
{"c":0,"a":{"b":0},"score":0.5}
EOF2
# XGBoost's missing value: NaN, the same score as Python's for NaN.
printf '{}\n{"amount":null,"card_present":null,"m":null,"acct":null}\n' >"$T_IN"
t_run "xgboost: missing and null are NaN" tide-score -m "$D/bin.json"
t_status 0
_s=$(py -c "
import xgboost as x, numpy as n
print(float(x.Booster(model_file='$D/bin.json').inplace_predict(n.full((1,4),n.nan))[0]))")
if [ "$(sed 's/.*"score"://; s/}$//' "$T_OUT" | sort -u)" = "$_s" ]; then
	t_pass "$T_NAME: as Python's NaN row"
else t_fail "$T_NAME: as Python's NaN row" "$(cat "$T_OUT") vs $_s"; fi
t_run "-q: no warnings" tide-score -q -m "$D/bin.json"
t_status 0
t_stderr_empty

# --- bad input --------------------------------------------------------------

T_IN=$D/bad.nd
cat >"$T_IN" <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1}
{"amount":"12.5","card_present":true,"m":1,"acct":1}
{"amount":1,"card_present":"yes","m":1,"acct":1}
{"amount":1,"card_present":true,"m":[1],"acct":1}
{"amount":1,"card_present":true,"m":1,"acct":{"n":1}}
{"amount":1e999,"card_present":true,"m":1,"acct":1}
{"amount":1,"card_present":true,"m":1,"acct":1,"score":3}
not json
[1,2]

{"amount":2,"card_present":false,"m":1,"acct":1}
EOF2
t_run "features that are not numbers" tide-score -m "$D/lin.json" \
	--dead-letter "$D/dead"
t_status 0
t_stdout <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
{"amount":2,"card_present":false,"m":1,"acct":1,"score":1.25}
EOF2
t_stderr "tide-score: line 2: feature 'amount' is not a number: \"12.5\"" \
	"tide-score: line 3: feature 'card_present' is not a number: \"yes\"" \
	"tide-score: line 4: feature 'm' is not a number: [1]" \
	"tide-score: line 5: feature 'acct' is not a number: {\"n\":1}" \
	"tide-score: line 6: feature 'amount' is out of range: 1e999" \
	"tide-score: line 7: already has a field 'score'" \
	"tide-score: line 8: not valid JSON: bad literal at byte 0" \
	"tide-score: line 9: not a JSON object" \
	"tide-score: line 10: empty line" \
	"tide-score: 9 bad records skipped, kept in $D/dead"
if [ "$(wc -l <"$D/dead")" -eq 9 ]; then t_pass "$T_NAME: dead-lettered"
else t_fail "$T_NAME: dead-lettered" "$(cat "$D/dead")"; fi
t_run "--strict: the first bad record" tide-score -m "$D/lin.json" --strict
t_status 65
t_stdout <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
EOF2
# XGBoost's JSON from a fifo: read once (XGBoost is given the text, not
# the path, which would wait for another writer for ever).
tide-score -m "$D/bin.json" "$D/data.nd" >"$D/bin.out"
rm -f "$D/m.json"
mkfifo "$D/m.json"
cat "$D/bin.json" >"$D/m.json" &
t_run "an XGBoost model from a fifo" timeout 30 tide-score -m "$D/m.json" "$D/data.nd"
wait
t_status 0
t_stdout_file "$D/bin.out"
t_run "--max-bad 2" tide-score -m "$D/lin.json" --max-bad 2
t_status 65

T_IN=$D/miss.nd
printf '%s\n' '{"amount":1,"card_present":true,"m":1,"acct":1}' \
	'{"amount":1,"card_present":true,"acct":1}' \
	'{"amount":null,"card_present":true,"m":1,"acct":1}' >"$T_IN"
t_run "--missing error" tide-score -m "$D/bin.json" --missing error
t_status 0
t_stderr "tide-score: line 2: feature 'm' is missing" \
	"tide-score: line 3: feature 'amount' is null" \
	"tide-score: 2 bad records skipped"
t_run "a linear model takes no missing values" tide-score -m "$D/lin.json"
t_status 0
t_stderr_has "tide-score: line 2: feature 'm' is missing (the model takes no missing values)"
t_run "every record bad: 65" tide-score -m "$D/lin.json" --missing error \
	--features m,m,m,x
t_status 65

T_IN=/dev/null
head -c 2000 "$D/bin.json" >"$D/trunc.json"
head -c 2000 "$D/bin.ubj" >"$D/trunc.ubj"
head -c 100 "$D/bin.ubj" >"$D/t100.ubj"
ublen=$(wc -c <"$D/bin.ubj")
head -c $((ublen - 1)) "$D/bin.ubj" >"$D/tlast.ubj"
{ cat "$D/bin.ubj"; printf x; } >"$D/tail.ubj"
cp "$D/bin.json" "$D/json.ubj"
printf 'garbage' >"$D/garbage.ubj"
: >"$D/empty.ubj"
: >"$D/empty.json"
printf '{"learner":{}}' >"$D/hollow.json"
printf '[1,2]' >"$D/array.json"
printf '{"coefficients":[1,"x"]}' >"$D/lbad.json"
printf '{"coefficients":[1,2],"intercpt":1}' >"$D/ltypo.json"
printf '{"coefficients":[1,2],"link":"probit"}' >"$D/llink.json"
printf '{"coefficients":[1,2],"features":["a"]}' >"$D/lfeat.json"
printf '{"coefficients":[]}' >"$D/lnone.json"
printf '{"weights":[1,2]}' >"$D/other.json"
# badmodel NAME STATUS MESSAGE FILE [ARGS...]
badmodel() {
	_n=$1 _st=$2 _msg=$3
	shift 3
	t_run "$_n" tide-score -m "$@"
	t_status "$_st"
	t_stderr_has "$_msg"
	[ -s "$T_OUT" ] && t_fail "$_n: no output" "$(head -c 300 "$T_OUT")"
}
badmodel "truncated json" 65 "model '$D/trunc.json': not valid JSON: " "$D/trunc.json"
# UBJSON is walked before XGBoost reads it (XGBoost's reader crashes on
# a truncated file): refused with what is wrong and where.
U="not UBJSON as XGBoost writes it"
badmodel "truncated ubj" 65 "model '$D/trunc.ubj': $U: truncated in " "$D/trunc.ubj"
badmodel "ubj cut in a string's length" 65 "model '$D/t100.ubj': $U: truncated in a string at byte 98" "$D/t100.ubj"
badmodel "ubj without its last byte" 65 "model '$D/tlast.ubj': $U: truncated in an object at byte $((ublen - 1))" "$D/tlast.ubj"
badmodel "ubj with a byte after it" 65 "model '$D/tail.ubj': $U: bytes after the model's end at byte $ublen" "$D/tail.ubj"
badmodel "JSON named .ubj" 65 "model '$D/json.ubj': $U: a length whose marker is not L (int64) at byte 1" "$D/json.ubj"
badmodel "corrupt ubj" 65 "model '$D/garbage.ubj': $U: not an object (a model) at its start at byte 0" "$D/garbage.ubj"
badmodel "empty ubj" 65 "model '$D/empty.ubj': empty file" "$D/empty.ubj"
badmodel "a learner of nothing" 65 "model '$D/hollow.json': xgboost cannot load it: " "$D/hollow.json"
badmodel "empty json" 65 "model '$D/empty.json': empty file" "$D/empty.json"
badmodel "not an object" 65 "model '$D/array.json': not a JSON object" "$D/array.json"
badmodel "neither kind" 65 "model '$D/other.json': neither an XGBoost model (no \"learner\") nor a linear model (no \"coefficients\")" "$D/other.json"
badmodel "linear: a coefficient not a number" 65 "model '$D/lbad.json': coefficient 2 is not a finite number" "$D/lbad.json"
badmodel "linear: a misspelt member" 65 "model '$D/ltypo.json': unknown member \"intercpt\"" "$D/ltypo.json"
badmodel "linear: an unknown link" 65 "model '$D/llink.json': \"link\" must be \"identity\" or \"logistic\"" "$D/llink.json"
badmodel "linear: features and coefficients differ" 65 "model '$D/lfeat.json': 1 features for 2 coefficients" "$D/lfeat.json"
badmodel "linear: no coefficients" 65 "model '$D/lnone.json': no coefficients" "$D/lnone.json"
# Trees that are not trees: XGBoost walks them as they are (out of its
# arrays, round a cycle for ever, past the record's features), so they
# are refused at load, from XGBoost's JSON or UBJSON (timeout(1): a cycle
# would hang).
py - "$D" <<'PY'
import json, sys, xgboost
d = sys.argv[1]
for name, arr, val in (("child", "left_children", 5000),
		       ("cycle", "left_children", 0),
		       ("feat", "split_indices", 99)):
	m = json.load(open(d + "/bin.json"))
	m["learner"]["gradient_booster"]["model"]["trees"][1][arr][0] = val
	json.dump(m, open("%s/%s.json" % (d, name), "w"))
b = xgboost.Booster()
b.load_model(d + "/cycle.json")
b.save_model(d + "/cycle.ubj")
PY
# notree FILE MESSAGE
notree() {
	t_run "not a tree: $1" timeout 30 tide-score -m "$D/$1"
	t_status 65
	t_stderr "tide-score: model '$D/$1': $2"
	[ -s "$T_OUT" ] && t_fail "not a tree: $1: no output" "$(head -c 300 "$T_OUT")"
}
notree child.json "tree 1: node 0's child 5000 is out of the tree"
notree cycle.json "tree 1: node 0 is reached twice (a cycle)"
notree cycle.ubj "tree 1: node 0 is reached twice (a cycle)"
notree feat.json "tree 1: node 0 splits on feature 99 of 4"
badmodel "no such file" 74 "cannot open '$D/nope.json': No such file or directory" "$D/nope.json"
badmodel "a directory" 74 "cannot read '$D/dir.json': Is a directory" "$(mkdir "$D/dir.json"; echo "$D/dir.json")"
# A model is read to its end, not to the size stat gives (0 for a fifo
# or a device: "empty file" before).
ln -s /dev/zero "$D/zero.json"
badmodel "a device without end" 65 "model '$D/zero.json': larger than 268435456 bytes" "$D/zero.json"
rm -f "$D/m.json"
mkfifo "$D/m.json"
cat "$D/lin.json" >"$D/m.json" &
printf '%s\n' '{"amount":1,"card_present":true,"m":1,"acct":1}' >"$D/one.nd"
t_run "a model from a fifo" tide-score -m "$D/m.json" "$D/one.nd"
wait
t_status 0
t_stdout <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
EOF2
badmodel "unknown kind of file" 64 "model '$D/bin.model': unknown kind of file" "$D/bin.model"
badmodel "feature count does not match" 64 "--features names 3 fields, model '$D/bin.json' takes 4" "$D/bin.json" --features a,b,c
badmodel "feature count, linear" 64 "--features names 5 fields, model '$D/lin.json' takes 4" "$D/lin.json" --features a,b,c,d,e
badmodel "no names in the model" 64 "model '$D/multi.json' stores no feature names: give --features" "$D/multi.json"
badmodel "a bad feature path" 64 "--features: not a field: 'a..b'" "$D/lin.json" --features a..b,c,d,e
badmodel "--missing" 64 "--missing: 'zero' is neither nan nor error" "$D/lin.json" --missing zero
badmodel "--batch 0" 64 "--batch" "$D/lin.json" --batch 0
t_run "no model" tide-score
t_status 64
t_stderr_has "tide-score: -m: a model is needed"

# --- barriers -------------------------------------------------------------------

T_IN=$D/bar.nd
cat >"$T_IN" <<'EOF2'
{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
{"amount":1,"card_present":true,"m":1,"acct":1}
{"@barrier":{"seq":2,"offsets":[["tx",0,2
{"amount":2,"card_present":false,"m":1,"acct":1}
{"@barrier":{"seq":3,"final":true,"offsets":[["tx",0,3]]}}
EOF2
t_run "barriers: not records; a broken one is bad input" tide-score \
	-m "$D/lin.json" --stats
t_status 0
t_stdout <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
{"amount":2,"card_present":false,"m":1,"acct":1,"score":1.25}
EOF2
t_stderr_has "tide-score: line 3: broken barrier: "
t_stderr_has "tide-score: stats: records in 2, scored 2, bad 1, batches "

# Between tide stages (tests/cli/flowpeer.py): written on in order, the
# reader's acknowledgement relayed upstream.
PEER=$T_ROOT/tests/cli/flowpeer.py
cat >"$D/s.pass" <<'EOF2'
hello
msg hello tide-score relays
> {"amount":1,"card_present":true,"m":1,"acct":1}
> {"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
lines 2
ack 1
msg ack 1
> {"amount":2,"card_present":false,"m":1,"acct":1}
> {"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}
close
lines 4
ack 2
wait
EOF2
T_NAME="barriers: passed on between stages"
timeout 60 /usr/bin/python3 "$PEER" "$D/s.pass" "$D/p.out" "$D/p.up" -- \
	tide-score -m "$D/lin.json"
T_RC=$?
t_status 0
if [ "$(cat "$D/p.out")" = '{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
{"@barrier":{"seq":1,"offsets":[["tx",0,1]]}}
{"amount":2,"card_present":false,"m":1,"acct":1,"score":1.25}
{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,2]]}}' ]; then
	t_pass "$T_NAME: output"
else t_fail "$T_NAME: output" "$(cat "$D/p.out")"; fi
if [ "$(cat "$D/p.up")" = 'hello tide-score relays
hello test-reader
ack 1
ack 2
exit 0' ]; then t_pass "$T_NAME: upstream messages"
else t_fail "$T_NAME: upstream messages" "$(cat "$D/p.up")"; fi

# Never held for input: a record written to an open pipe comes out
# scored while the pipe stays open (a batch of 256 is not waited for);
# SIGTERM drains: what comes after it is still read, scored and written,
# and the exit is 0.
rm -f "$D/fifo"
mkfifo "$D/fifo"
tide-score -m "$D/lin.json" --batch 256 --stats <"$D/fifo" >"$D/d.out" 2>"$D/d.err" &
_pid=$!
exec 7>"$D/fifo"
echo '{"amount":1,"card_present":true,"m":1,"acct":1}' >&7
t_ok "flush on idle: the record out while its input stays open" \
	t_wait 20 grep -q '"score":2.75}' "$D/d.out"
kill -TERM $_pid
echo '{"amount":2,"card_present":true,"m":1,"acct":1}' >&7
exec 7>&-
wait $_pid
T_RC=$?
T_NAME="SIGTERM drains"
t_status 0
cp "$D/d.out" "$T_OUT"
t_stdout <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
{"amount":2,"card_present":true,"m":1,"acct":1,"score":3.25}
EOF2
t_ok "--stats: latency p50, p99 and max in microseconds" grep -qE \
	'^tide-score: stats: records in 2, scored 2, bad 0, batches 2 \(1\.0 records each\); latency p50 [0-9]+ us, p99 [0-9]+ us, max [0-9]+ us; reloads 0 \(failed 0\)$' \
	"$D/d.err"

# SIGUSR1 without --stats: the counters, and no latency (none is kept),
# not "nan"; the record before the signal is scored first.
rm -f "$D/fifo"
mkfifo "$D/fifo"
tide-score -m "$D/lin.json" <"$D/fifo" >"$D/u.out" 2>"$D/u.err" &
_pid=$!
exec 7>"$D/fifo"
echo '{"amount":1,"card_present":true,"m":1,"acct":1}' >&7
t_wait 20 grep -q '"score":2.75}' "$D/u.out"
kill -USR1 $_pid
t_wait 20 grep -q 'stats' "$D/u.err"
exec 7>&-
wait $_pid
T_RC=$?
T_NAME="SIGUSR1 without --stats"
t_status 0
cp "$D/u.err" "$T_ERR"
t_stderr "tide-score: stats: records in 1, scored 1, bad 0, batches 1 (1.0 records each); latency not measured (without --stats); reloads 0 (failed 0)"

# --- reload ---------------------------------------------------------------------

# A fifo keeps tide-score's input open: a record, then SIGHUP (or a new
# file under --watch), then a record; each scored once it comes out.
# reload NAME SIGNAL? : the model is lin.json, then lin2.json renamed over
# it; a broken file in between is refused and the old model kept.
printf '{"coefficients":[1,0,0,0],"intercept":100}\n' >"$D/lin2.json"
reload() {
	T_NAME=$1
	_how=$2
	cp "$D/lin.json" "$D/live.json"
	rm -f "$D/fifo" "$D/r.out"
	mkfifo "$D/fifo"
	if [ "$_how" = watch ]; then
		tide-score -v -m "$D/live.json" --watch --stats <"$D/fifo" >"$D/r.out" 2>"$D/r.err" &
	else
		tide-score -v -m "$D/live.json" --stats <"$D/fifo" >"$D/r.out" 2>"$D/r.err" &
	fi
	_pid=$!
	exec 7>"$D/fifo"
	echo '{"amount":1,"card_present":true,"m":1,"acct":1}' >&7
	t_wait 20 grep -q score "$D/r.out"
	printf 'oops' >"$D/live.tmp"
	mv "$D/live.tmp" "$D/live.json"
	[ "$_how" = watch ] || kill -HUP $_pid
	t_wait 20 grep -q 'reload failed, keeping the old model' "$D/r.err"
	echo '{"amount":2,"card_present":true,"m":1,"acct":1}' >&7
	t_wait 20 sh -c "[ \$(grep -c score '$D/r.out') = 2 ]"
	cp "$D/lin2.json" "$D/live.tmp"
	mv "$D/live.tmp" "$D/live.json"
	[ "$_how" = watch ] || kill -HUP $_pid
	t_wait 20 grep -q "model '$D/live.json' reloaded: linear" "$D/r.err"
	echo '{"amount":3,"card_present":true,"m":1,"acct":1}' >&7
	exec 7>&-
	wait $_pid
	T_RC=$?
	t_status 0
	cp "$D/r.out" "$T_OUT"
	t_stdout <<'EOF2'
{"amount":1,"card_present":true,"m":1,"acct":1,"score":2.75}
{"amount":2,"card_present":true,"m":1,"acct":1,"score":3.25}
{"amount":3,"card_present":true,"m":1,"acct":1,"score":103}
EOF2
	cp "$D/r.err" "$T_ERR"
	t_stderr_has "tide-score: model '$D/live.json': not valid JSON: "
	t_stderr_has "reloads 1 (failed 1)"
}
reload "SIGHUP reloads the model" hup
reload "--watch reloads the model" watch

# The same with XGBoost's UBJSON, truncated in between (XGBoost's reader
# would crash on it, and take the pipeline down): bin.ubj, then two
# truncations of it refused (the old model kept), then reg.ubj.  The
# records are data.nd's first 4; their scores tide-score's of each model
# alone (as Python's, above).
py - "$D" <<'PY'
import sys, xgboost
b = xgboost.Booster()
b.load_model(sys.argv[1] + "/reg.json")
b.save_model(sys.argv[1] + "/reg.ubj")
PY
head -n 3 "$D/data.nd" | tide-score -m "$D/bin.ubj" >"$D/ubjre.want"
sed -n 4p "$D/data.nd" | tide-score -m "$D/reg.ubj" >>"$D/ubjre.want"
ubjreload() {
	T_NAME=$1
	_how=$2
	cp "$D/bin.ubj" "$D/live.ubj"
	rm -f "$D/fifo" "$D/r.out"
	mkfifo "$D/fifo"
	if [ "$_how" = watch ]; then
		tide-score -v -m "$D/live.ubj" --watch --stats <"$D/fifo" >"$D/r.out" 2>"$D/r.err" &
	else
		tide-score -v -m "$D/live.ubj" --stats <"$D/fifo" >"$D/r.out" 2>"$D/r.err" &
	fi
	_pid=$!
	exec 7>"$D/fifo"
	sed -n 1p "$D/data.nd" >&7
	t_wait 20 sh -c "[ \$(grep -c score '$D/r.out') = 1 ]"
	_k=1
	for _cut in 100 $((ublen / 2)); do
		head -c $_cut "$D/bin.ubj" >"$D/live.tmp"
		mv "$D/live.tmp" "$D/live.ubj"
		[ "$_how" = watch ] || kill -HUP $_pid
		t_wait 20 sh -c "[ \$(grep -c 'reload failed, keeping the old model' '$D/r.err') = $_k ]"
		_k=$((_k + 1))
		sed -n ${_k}p "$D/data.nd" >&7
		t_wait 20 sh -c "[ \$(grep -c score '$D/r.out') = $_k ]"
	done
	cp "$D/reg.ubj" "$D/live.tmp"
	mv "$D/live.tmp" "$D/live.ubj"
	[ "$_how" = watch ] || kill -HUP $_pid
	t_wait 20 grep -q "model '$D/live.ubj' reloaded: xgboost reg:squarederror" "$D/r.err"
	sed -n 4p "$D/data.nd" >&7
	exec 7>&-
	wait $_pid
	T_RC=$?
	t_status 0
	cp "$D/r.out" "$T_OUT"
	t_stdout_file "$D/ubjre.want"
	cp "$D/r.err" "$T_ERR"
	t_stderr_has "tide-score: model '$D/live.ubj': not UBJSON as XGBoost writes it: truncated in a string at byte 98"
	t_stderr_has "tide-score: model '$D/live.ubj': not UBJSON as XGBoost writes it: truncated in "
	t_stderr_has "tide-score: model '$D/live.ubj' reloaded: xgboost reg:squarederror, 4 features, 1 value per record; "
	t_stderr_has "reloads 1 (failed 2)"
	[ "$(grep -c 'reload failed, keeping the old model' "$D/r.err")" = 2 ] ||
		t_fail "$T_NAME: two reloads failed" "$(cat "$D/r.err")"
}
ubjreload "SIGHUP: a truncated ubj keeps the old model" hup
ubjreload "--watch: a truncated ubj keeps the old model" watch

# --- models that crash XGBoost's loader -------------------------------------------

# XGBoost 1.7.4's loader crashes (SIGSEGV) on files well formed but
# inconsistent: each XGBoost load is tried first in a child (tide-score
# --check-model); one killed by a signal refuses the model (65 at start,
# the old model kept on reload).  num_trees one too many, a tree's id
# another tree's (0), a parent out of the tree; and num_trees in UBJSON.
py - "$D" <<'PY'
import json, sys, xgboost
d = sys.argv[1]
def bad(name, f):
	m = json.load(open(d + "/bin.json"))
	f(m["learner"]["gradient_booster"]["model"])
	json.dump(m, open("%s/%s.json" % (d, name), "w"))
def ntrees(g):
	g["gbtree_model_param"]["num_trees"] = str(len(g["trees"]) + 1)
def tid(g):
	g["trees"][1]["id"] = 0
def parent(g):
	g["trees"][0]["parents"][1] = -7
bad("ntrees", ntrees)
bad("tid", tid)
bad("parent", parent)
b = xgboost.Booster()
b.load_model(d + "/bin.json")
b.save_model(d + "/good.ubj")
u = bytearray(open(d + "/good.ubj", "rb").read())
k = u.index(b"num_trees") + len(b"num_treesSL") + 8
n = u[k - 1]
u[k:k + n] = str(int(u[k:k + n]) + 1).encode().rjust(n, b"0") \
	if len(str(int(u[k:k + n]) + 1)) <= n else b"9" * n
open(d + "/ntrees.ubj", "wb").write(u)
PY
CRASH="XGBoost crashed loading it (SIGSEGV): not a sound model"
# Under ASan (make asan) the sanitizer would catch the child's SIGSEGV and
# exit 1: the crash is left to the kernel, as in a plain build.
_asan=${ASAN_OPTIONS-}
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0:handle_abort=0
export ASAN_OPTIONS
for f in ntrees.json tid.json parent.json ntrees.ubj; do
	t_run "crashes XGBoost's loader: $f" timeout 30 tide-score -m "$D/$f" "$D/data.nd"
	t_status 65
	t_stderr "tide-score: model '$D/$f': $CRASH"
	[ -s "$T_OUT" ] && t_fail "$T_NAME: no output" "$(head -c 300 "$T_OUT")"
	t_run "--check-model: $f" timeout 30 tide-score --check-model "$D/$f"
	t_status 65
	t_stdout </dev/null
	t_stderr "tide-score: model '$D/$f': $CRASH"
done
# --check-model: what the model is, as scoring would load it.
t_run "--check-model: a good model" tide-score --check-model "$D/bin.json"
t_status 0
t_stdout <<EOF2
model '$D/bin.json': xgboost binary:logistic, 4 features, 1 value per record; features amount,card_present,m,acct
EOF2
t_stderr_empty
t_run "--check-model: UBJSON" tide-score --check-model "$D/good.ubj"
t_status 0
t_stdout <<EOF2
model '$D/good.ubj': xgboost binary:logistic, 4 features, 1 value per record; features amount,card_present,m,acct
EOF2
t_run "--check-model: a linear model" tide-score --check-model "$D/lin.json"
t_status 0
t_stdout <<EOF2
model '$D/lin.json': linear, 4 coefficients, identity link; features amount,card_present,m,acct
EOF2
t_run "--check-model: --features" tide-score --check-model "$D/multi.json" --features a,b,c,d
t_status 0
t_stdout <<EOF2
model '$D/multi.json': xgboost multi:softprob, 4 features, 3 values per record; features a,b,c,d
EOF2
t_run "--check-model: --features of another length" tide-score --check-model "$D/bin.json" --features a,b
t_status 64
t_stdout </dev/null
t_stderr_has "tide-score: --features names 2 fields, model '$D/bin.json' takes 4"
t_run "--check-model: no such file" tide-score --check-model "$D/nope.json"
t_status 74
t_stdout </dev/null
t_stderr "tide-score: cannot open '$D/nope.json': No such file or directory"
t_run "--check-model: truncated" tide-score --check-model "$D/trunc.ubj"
t_status 65
t_stdout </dev/null
t_stderr_has "tide-score: model '$D/trunc.ubj': not UBJSON as XGBoost writes it: truncated in "
t_run "--check-model: not a tree" tide-score --check-model "$D/cycle.json"
t_status 65
t_stderr "tide-score: model '$D/cycle.json': tree 1: node 0 is reached twice (a cycle)"
t_run "--check-model: with -m" tide-score --check-model "$D/bin.json" -m "$D/bin.json"
t_status 64
t_stderr_has "tide-score: --check-model: -m is not taken with it"

# On reload, a model that crashes XGBoost keeps the old one: bin.json,
# then each crashing file refused, then reg.json; a record scored between
# each.
head -n 4 "$D/data.nd" | tide-score -m "$D/bin.json" >"$D/crash.want"
sed -n 5p "$D/data.nd" | tide-score -m "$D/reg.json" >>"$D/crash.want"
crashreload() {
	T_NAME=$1
	_how=$2
	cp "$D/bin.json" "$D/live.json"
	rm -f "$D/fifo" "$D/r.out"
	mkfifo "$D/fifo"
	if [ "$_how" = watch ]; then
		tide-score -v -m "$D/live.json" --watch --stats <"$D/fifo" >"$D/r.out" 2>"$D/r.err" &
	else
		tide-score -v -m "$D/live.json" --stats <"$D/fifo" >"$D/r.out" 2>"$D/r.err" &
	fi
	_pid=$!
	exec 7>"$D/fifo"
	sed -n 1p "$D/data.nd" >&7
	t_wait 20 sh -c "[ \$(grep -c score '$D/r.out') = 1 ]"
	_k=1
	for _f in ntrees tid parent; do
		cp "$D/$_f.json" "$D/live.tmp"
		mv "$D/live.tmp" "$D/live.json"
		[ "$_how" = watch ] || kill -HUP $_pid
		t_wait 20 sh -c "[ \$(grep -c 'reload failed, keeping the old model' '$D/r.err') = $_k ]"
		_k=$((_k + 1))
		sed -n ${_k}p "$D/data.nd" >&7
		t_wait 20 sh -c "[ \$(grep -c score '$D/r.out') = $_k ]"
	done
	cp "$D/reg.json" "$D/live.tmp"
	mv "$D/live.tmp" "$D/live.json"
	[ "$_how" = watch ] || kill -HUP $_pid
	t_wait 20 grep -q "model '$D/live.json' reloaded: xgboost reg:squarederror" "$D/r.err"
	sed -n 5p "$D/data.nd" >&7
	exec 7>&-
	wait $_pid
	T_RC=$?
	t_status 0
	cp "$D/r.out" "$T_OUT"
	t_stdout_file "$D/crash.want"
	cp "$D/r.err" "$T_ERR"
	[ "$(grep -c "tide-score: model '$D/live.json': $CRASH" "$D/r.err")" = 3 ] ||
		t_fail "$T_NAME: three crashes said" "$(cat "$D/r.err")"
	t_stderr_has "reloads 1 (failed 3)"
}
crashreload "SIGHUP: a model that crashes XGBoost keeps the old one" hup
crashreload "--watch: a model that crashes XGBoost keeps the old one" watch
ASAN_OPTIONS=$_asan

# --- the demo's model (examples/fraud.json, examples/train-fraud.py) -------------

# The features of examples/fraud-features.sh for tide-gen --fraud data of
# another seed than the model was trained on, scored; the label says how
# the model does.
AGG='count as tx_60s,sum(amount) as amount_60s,max(amount) as max_amount_60s'
tide-gen customers --accounts 1000 --seed 9 --format csv >"$D/c9.csv"
tide-gen transactions --fraud --accounts 1000 --seed 9 --count 20000 |
	tide-window --over 60s -k account -a "$AGG" |
	tide-join -T "$D/c9.csv" --on account --select risk_score,segment \
	>"$D/f9.nd"
T_IN=$D/f9.nd
t_run "examples/fraud.json: the demo's model" tide-score \
	-m "$T_ROOT/examples/fraud.json"
t_status 0
t_ok "$T_NAME: 150 of 20000 flagged, 148 of them labelled fraud" test \
	"$(grep -c ',"score":0\.[5-9][0-9]*}$' "$T_OUT") $(grep -c '"fraud":true.*,"score":0\.[5-9][0-9]*}$' "$T_OUT")" = "150 148"
# The training script, on fewer records than the shipped model's.
tide-gen customers --accounts 1000 --seed 2 --format csv >"$D/c2.csv"
tide-gen transactions --fraud --accounts 1000 --seed 2 --count 20000 |
	tide-window --over 60s -k account -a "$AGG" |
	tide-join -T "$D/c2.csv" --on account --select risk_score,segment \
	>"$D/f2.nd"
T_IN=$D/f2.nd
t_run "examples/train-fraud.py" py "$T_ROOT/examples/train-fraud.py" "$D/small.json"
t_status 0
t_stdout <<'EOF2'
held out: 4000 records, 57 fraud; flagged 35: precision 1.00, recall 0.61
EOF2
T_IN=/dev/null
t_run "examples/train-fraud.py: no records" py "$T_ROOT/examples/train-fraud.py" "$D/none.json"
t_status 1
t_stderr_has "train-fraud.py: 0 records on stdin: too few to train on"
# README shows the demo's pipeline as examples/fraud-features.sh runs it:
# the programs of its features() stage, in order.
T_NAME="README: make demo's pipeline is examples/fraud-features.sh's"
sed -n '/^features() {/,/^}/p' "$T_ROOT/examples/fraud-features.sh" |
	grep -o 'tide-[a-z]*' >"$D/want.progs"
sed -n '/runs the pipeline of$/,/^It prints/p' "$T_ROOT/README.md" | grep '^    ' |
	grep -o 'tide-[a-z]*' | grep -v -x -e tide-source -e tide-sink >"$T_OUT"
t_stdout_file "$D/want.progs"

# --- the man page's EXAMPLES run ------------------------------------------------

# A command is a "$ " line in a literal block, continued while a line ends
# with "\e" or "|"; they run in order in one directory.
mkdir -p "$D/ex"
awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
	!on { next }
	/^\.Bd -literal/ { lit = 1; next }
	/^\.Ed/ { lit = 0; next }
	!lit { next }
	cont { cmd = cmd " " $0 }
	!cont && /^\$ / { cmd = substr($0, 3) }
	!cont && !/^\$ / { next }
	{ cont = 0 }
	cmd ~ /\\e$/ { sub(/\\e$/, "", cmd); cont = 1; next }
	cmd ~ /\|$/ { cont = 1; next }
	{ print cmd; cmd = "" }' "$T_ROOT/man/tide-score.1" >"$D/ex/cmds"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	(cd "$D/ex" && sh -c "$cmd") >"$D/ex/out" 2>"$D/ex/err"
	T_RC=$?
	T_NAME="man EXAMPLE $n: $cmd"
	grep -v '^tide-score: stats: records in 2000, scored 2000, bad 0, ' \
		"$D/ex/err" >"$T_ERR"
	t_status 0
	t_stderr_empty
	case $cmd in
	*'tide-score -m'*'--stats'*) t_ok "$T_NAME: scored" \
		test "$(grep -c '"score":0\.' "$D/ex/out")" -eq 2000 ;;
	*'| tide-score -m'*) t_ok "$T_NAME: scored" \
		test "$(grep -c ',"score":[0-9.e-]*}$' "$D/ex/out")" -eq 1000 ;;
	*'--check-model'*) cp "$D/ex/out" "$T_OUT"
		t_stdout <<'EOF2'
model 'amount.ubj': xgboost binary:logistic, 2 features, 1 value per record; features amount,card_present
EOF2
		;;
	esac
done <"$D/ex/cmds"
t_ok "man page has 8 runnable EXAMPLES" test "$n" -eq 8
sed 's/.*,"risk":\([^,}]*\)}$/\1/' "$D/ex/flagged.ndjson" >"$D/ex/risk"
t_ok "the flagged transactions: some, each of risk over 0.5" awk \
	'$1 <= 0.5 { exit 1 } END { exit NR < 100 }' "$D/ex/risk"

t_done
