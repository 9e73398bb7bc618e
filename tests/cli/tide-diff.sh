#!/bin/sh
# tide-diff: exact reports (pairs, duplicates in order, keys by the one
# key rule, --tolerance, --ignore, --examples), the counts against an
# independent oracle (tests/cli/fdiff_oracle.py, Python's json) on
# perturbed tide-gen streams, hashed, spilled to disk and sorted; bad
# input and usage errors; the man page's EXAMPLES.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
ORACLE=$T_ROOT/tests/cli/fdiff_oracle.py
D=$T_DIR
cd "$D" || exit 1

cat >l.ndjson <<'EOF'
{"a":1,"ts":1,"x":1.0,"s":"p"}
{"a":1,"ts":2,"x":2}
{"a":2,"ts":1,"x":3}
{"a":2,"ts":1,"x":4}
EOF
cat >r.ndjson <<'EOF'
{"a":1,"ts":1,"x":1,"s":"p"}
{"a":1,"ts":2,"x":2.5}
{"a":2,"ts":1,"x":3}
{"a":3,"ts":1,"x":4}
EOF

# --- exact reports ------------------------------------------------------------

t_run "report" tide-diff -k a,ts l.ndjson r.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":4,"pairs":3,"matched":2,"differing":1,"missing_left":1,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{"x":1}}
{"kind":"differing","fields":["x"],"left_line":2,"right_line":2,"left":{"a":1,"ts":2,"x":2},"right":{"a":1,"ts":2,"x":2.5}}
{"kind":"missing_right","left_line":4,"left":{"a":2,"ts":1,"x":4}}
{"kind":"missing_left","right_line":4,"right":{"a":3,"ts":1,"x":4}}
EOF
t_stderr_empty

t_run "report, --sorted" tide-diff -k a,ts --sorted l.ndjson r.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":4,"pairs":3,"matched":2,"differing":1,"missing_left":1,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{"x":1}}
{"kind":"differing","fields":["x"],"left_line":2,"right_line":2,"left":{"a":1,"ts":2,"x":2},"right":{"a":1,"ts":2,"x":2.5}}
{"kind":"missing_right","left_line":4,"left":{"a":2,"ts":1,"x":4}}
{"kind":"missing_left","right_line":4,"right":{"a":3,"ts":1,"x":4}}
EOF

t_run "relative --tolerance, --ignore" tide-diff -k a,ts --tolerance 20% \
	--ignore s l.ndjson r.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":4,"pairs":3,"matched":3,"differing":0,"missing_left":1,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{}}
{"kind":"missing_right","left_line":4,"left":{"a":2,"ts":1,"x":4}}
{"kind":"missing_left","right_line":4,"right":{"a":3,"ts":1,"x":4}}
EOF

# 2.5 against 2: 20% of 2.5 is 0.5, in; 19% is not.
t_run "relative --tolerance, just out" tide-diff -k a,ts --tolerance 19% \
	--examples 0 l.ndjson r.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":4,"pairs":3,"matched":2,"differing":1,"missing_left":1,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{"x":1}}
EOF

t_run "absolute --tolerance" tide-diff -k a,ts --tolerance 0.5 \
	--examples 0 l.ndjson r.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":4,"pairs":3,"matched":3,"differing":0,"missing_left":1,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{}}
EOF

head -3 l.ndjson >l3.ndjson
printf '%s\n' '{"ts":1,"x":1e0,"a":"1","s":"\u0070"}' '{"a":1.0,"ts":2,"x":2}' \
	'{"x":3,"a":2,"ts":1}' >r3.ndjson
# "1" and 1 are one key, but as values they differ; 1 and 1.0 do not.
t_run "keys by the key rule, fields in any order" tide-diff -k a,ts \
	l3.ndjson r3.ndjson
t_status 1
t_stdout <<'EOF'
{"left":3,"right":3,"pairs":3,"matched":2,"differing":1,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{"a":1}}
{"kind":"differing","fields":["a"],"left_line":1,"right_line":1,"left":{"a":1,"ts":1,"x":1.0,"s":"p"},"right":{"ts":1,"x":1e0,"a":"1","s":"\u0070"}}
EOF

t_run "equal, --ignore" tide-diff -k a,ts --ignore a l3.ndjson r3.ndjson
t_status 0
t_stdout <<'EOF'
{"left":3,"right":3,"pairs":3,"matched":3,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF

printf '%s\n' '{"k":"a","n":1}' '{"k":"b","n":1}' '{"k":"a","n":2}' \
	'{"k":"a","n":3}' >dl.ndjson
printf '%s\n' '{"k":"a","n":1}' '{"k":"a","n":2,"e":1}' '{"k":"b","n":1}' >dr.ndjson
t_run "duplicates pair in order of appearance" tide-diff -k k dl.ndjson dr.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":3,"pairs":3,"matched":2,"differing":1,"missing_left":0,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{"e":1}}
{"kind":"differing","fields":["e"],"left_line":3,"right_line":2,"left":{"k":"a","n":2},"right":{"k":"a","n":2,"e":1}}
{"kind":"missing_right","left_line":4,"left":{"k":"a","n":3}}
EOF

t_run "left from stdin, --examples 1" sh -c \
	'tide-diff -k k --examples 1 - dr.ndjson <dl.ndjson'
t_status 1
t_stdout <<'EOF'
{"left":4,"right":3,"pairs":3,"matched":2,"differing":1,"missing_left":0,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{"e":1}}
{"kind":"differing","fields":["e"],"left_line":3,"right_line":2,"left":{"k":"a","n":2},"right":{"k":"a","n":2,"e":1}}
{"kind":"missing_right","left_line":4,"left":{"k":"a","n":3}}
EOF

{ head -2 dl.ndjson; echo '{"@barrier":{"seq":1,"offsets":[]}}'; tail -2 dl.ndjson; } >dlb.ndjson
t_run "a barrier line is not a record" tide-diff -k k --examples 0 dlb.ndjson dr.ndjson
t_status 1
t_stdout <<'EOF'
{"left":4,"right":3,"pairs":3,"matched":2,"differing":1,"missing_left":0,"missing_right":1,"bad_left":0,"bad_right":0,"fields":{"e":1}}
EOF
t_stderr_empty

t_run "an empty side: all missing" tide-diff -k k --examples 0 /dev/null dr.ndjson
t_status 1
t_stdout <<'EOF'
{"left":0,"right":3,"pairs":0,"matched":0,"differing":0,"missing_left":3,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF

if t_have zstd; then
	zstd -q -o l.ndjson.zst l.ndjson
	t_run "zstd input, sniffed" tide-diff -k a,ts --examples 0 l.ndjson.zst l.ndjson
	t_status 0
	t_stdout <<'EOF'
{"left":4,"right":4,"pairs":4,"matched":4,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
fi

# --- against the oracle ---------------------------------------------------------
# LEFT: tide-gen transactions; RIGHT: a copy with records dropped,
# duplicated, added, fields changed slightly, much, removed and added,
# shuffled.  Hashed, spilled (--max-memory 64k, a fraction of RIGHT) and
# sorted (both sides sorted by the oracle) agree with Python's count.

tide-gen --count 3000 --accounts 50 transactions >gl.ndjson
$PY "$ORACLE" perturb 1 shuffle <gl.ndjson >gr.ndjson
$PY "$ORACLE" sort account,ts <gl.ndjson >gls.ndjson
$PY "$ORACLE" sort account,ts <gr.ndjson >grs.ndjson
n=0
while read -r keys tol ign; do
	[ "$ign" = - ] && ign=
	n=$((n + 1))
	$PY "$ORACLE" diff "$keys" "$tol" "$ign" gl.ndjson gr.ndjson >oracle$n
	$PY "$ORACLE" diff "$keys" "$tol" "$ign" gls.ndjson grs.ndjson >oracles$n
	t_run "oracle $n: -k $keys --tolerance $tol --ignore '$ign'" tide-diff \
		-k "$keys" --tolerance "$tol" ${ign:+--ignore "$ign"} gl.ndjson gr.ndjson
	t_status 1
	head -1 "$T_OUT" >got
	cp got "$T_OUT"
	t_stdout_file oracle$n
	t_run "oracle $n, spilled" tide-diff -v -k "$keys" --tolerance "$tol" \
		${ign:+--ignore "$ign"} --max-memory 64k --examples 0 gl.ndjson gr.ndjson
	t_status 1
	t_stdout_file oracle$n
	t_stderr_has "tide-diff: spilled to "
	t_run "oracle $n, sorted" tide-diff -k "$keys" --tolerance "$tol" \
		${ign:+--ignore "$ign"} --sorted --examples 0 gls.ndjson grs.ndjson
	t_status 1
	t_stdout_file oracles$n
done <<'EOF'
account,ts 0 -
account,ts 1e-6 -
account,ts 10% merchant,extra
account 1e-6 country
EOF
t_ok "oracle: the perturbation made every kind" grep -q \
	'"differing":[1-9].*"missing_left":[1-9][0-9]*,"missing_right":[1-9].*"amount":[1-9].*"extra":[1-9].*"merchant":[1-9]' oracle1
t_ok "oracle: the tolerance matters" test "$(cat oracle1)" != "$(cat oracle2)"

# Many levels of spilling: a limit far below one partition's records.
t_run "spilled three levels deep" tide-diff -k account,ts --tolerance 1e-6 \
	--max-memory 1 --examples 0 gl.ndjson gr.ndjson
t_status 1
t_stdout_file oracle2

# --- bad input --------------------------------------------------------------------

printf '%s\n' '{"a":1,"ts":1,"x":1.0,"s":"p"}' '{"a":1}' 'nope' '[1]' '' \
	'{"a":2,"ts":null}' >bad.ndjson
t_run "bad records: reported, skipped, counted" tide-diff -k a,ts \
	--examples 0 bad.ndjson l.ndjson
t_status 1
t_stdout <<'EOF'
{"left":1,"right":4,"pairs":1,"matched":1,"differing":0,"missing_left":3,"missing_right":0,"bad_left":5,"bad_right":0,"fields":{}}
EOF
t_stderr "tide-diff: bad.ndjson: line 2: no key field 'ts'" \
	"tide-diff: bad.ndjson: line 3: not valid JSON: bad literal at byte 0" \
	"tide-diff: bad.ndjson: line 4: not a JSON object" \
	"tide-diff: bad.ndjson: line 5: empty line" \
	"tide-diff: bad.ndjson: line 6: no key field 'ts'" \
	"tide-diff: 5 bad records skipped"

t_run "bad records on the right, --sorted" tide-diff -k a,ts --sorted \
	--examples 0 l.ndjson bad.ndjson
t_status 1
t_stderr_has "tide-diff: bad.ndjson: line 3: not valid JSON: bad literal at byte 0"
t_stdout <<'EOF'
{"left":4,"right":1,"pairs":1,"matched":1,"differing":0,"missing_left":0,"missing_right":3,"bad_left":0,"bad_right":5,"fields":{}}
EOF

t_run "--strict: the first bad record ends it" tide-diff -k a,ts --strict \
	bad.ndjson l.ndjson
t_status 65
t_stderr "tide-diff: bad.ndjson: line 2: no key field 'ts'"
t_stdout </dev/null

t_run "--dead-letter keeps them" tide-diff -k a,ts --dead-letter dead.ndjson \
	--examples 0 bad.ndjson l.ndjson
t_status 1
t_ok "--dead-letter: five lines" test "$(wc -l <dead.ndjson)" -eq 5
t_ok "--dead-letter: the reason" grep -qF '"line":2,"error":"no key field '"'ts'"'"' dead.ndjson

t_run "--max-bad 4: five is too many" tide-diff -k a,ts --max-bad 4 \
	--examples 0 bad.ndjson l.ndjson
t_status 65

# Bad records are the only difference: the good ones all pair and match,
# but what could not be read was not compared, so the sides are not said
# equal (1, as diff(1) and cron expect), on either side, hashed or
# sorted, and with --max-bad letting them through (it decides 65 only).
# The same records without the bad ones are equal (0).
printf '%s\n' '{"a":1,"ts":1,"x":1}' 'nope' '{"a":2,"ts":1,"x":2}' >gb.ndjson
printf '%s\n' '{"a":1,"ts":1,"x":1}' '{"a":2,"ts":1,"x":2}' >g.ndjson
t_run "equal without the bad record" tide-diff -k a,ts g.ndjson g.ndjson
t_status 0
t_stdout <<'EOF'
{"left":2,"right":2,"pairs":2,"matched":2,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
t_stderr_empty
for how in "" --sorted; do
	t_run "only a bad record differs, on the left ${how:-hashed}" \
		tide-diff -k a,ts $how gb.ndjson g.ndjson
	t_status 1
	t_stdout <<'EOF'
{"left":2,"right":2,"pairs":2,"matched":2,"differing":0,"missing_left":0,"missing_right":0,"bad_left":1,"bad_right":0,"fields":{}}
EOF
	t_stderr "tide-diff: gb.ndjson: line 2: not valid JSON: bad literal at byte 0" \
		"tide-diff: 1 bad record skipped"
	t_run "only a bad record differs, on the right ${how:-hashed}" \
		tide-diff -k a,ts $how g.ndjson gb.ndjson
	t_status 1
	t_stdout <<'EOF'
{"left":2,"right":2,"pairs":2,"matched":2,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":1,"fields":{}}
EOF
done
t_run "the same bad record on both sides: not equal either" tide-diff \
	-k a,ts gb.ndjson gb.ndjson
t_status 1
t_stdout <<'EOF'
{"left":2,"right":2,"pairs":2,"matched":2,"differing":0,"missing_left":0,"missing_right":0,"bad_left":1,"bad_right":1,"fields":{}}
EOF
t_run "--max-bad 1: not a failure, still not equal" tide-diff -k a,ts \
	--max-bad 1 gb.ndjson g.ndjson
t_status 1
t_run "--max-bad 50%: not a failure, still not equal" tide-diff -k a,ts \
	--max-bad 50% g.ndjson gb.ndjson
t_status 1
t_run "--max-bad 0: a failure" tide-diff -k a,ts --max-bad 0 gb.ndjson \
	g.ndjson
t_status 65

t_run "a side of nothing but bad records" sh -c \
	'printf "nope\n" | tide-diff -k a --examples 0 - r.ndjson'
t_status 65
t_stderr "tide-diff: line 1: not valid JSON: bad literal at byte 0" \
	"tide-diff: 1 bad record skipped" "tide-diff: '-': no good record"

printf '%s\n' '{"a":1,"ts":1}' '{"a":2,"ts":1}' '{"a":1,"ts":2}' >uns.ndjson
t_run "--sorted: out of order on the right" tide-diff -k a,ts --sorted \
	l.ndjson uns.ndjson
t_status 65
t_stderr "tide-diff: uns.ndjson: line 3: not sorted (--sorted): key [1,2] after [2,1] (line 2)"
t_stdout </dev/null

printf '%s\n' '{"k":10}' '{"k":9}' >unsn.ndjson
t_run "--sorted: numbers by value, out of order on the left" tide-diff -k k \
	--sorted unsn.ndjson unsn.ndjson
t_status 65
t_stderr "tide-diff: unsn.ndjson: line 2: not sorted (--sorted): key [9] after [10] (line 1)"

printf '%s\n' '{"k":9}' '{"k":10}' '{"k":"10x"}' '{"k":"9x"}' >sortn.ndjson
t_run "--sorted: numbers by value, before strings, strings by bytes" \
	tide-diff -k k --sorted sortn.ndjson sortn.ndjson
t_status 0

t_run "missing file" tide-diff -k a nosuch.ndjson r.ndjson
t_status 74
t_stderr "tide-diff: cannot open 'nosuch.ndjson': No such file or directory"

echo '{"a":1}' >notz.ndjson.zst
t_run ".zst that is not zstd" tide-diff -k a notz.ndjson.zst r.ndjson
t_status 65
t_stderr "tide-diff: cannot open 'notz.ndjson.zst': not a valid zstd file"

t_run "unwritable TMPDIR when spilling" env TMPDIR=/nonexistent tide-diff \
	-k account,ts --max-memory 1 gl.ndjson gr.ndjson
t_status 74
t_stderr "tide-diff: temporary file in '/nonexistent': No such file or directory"

# The report's reader goes away (head): quietly, with the verdict's
# status (1: they differ), not killed by SIGPIPE.  The report (5000
# examples of each kind, over a megabyte) cannot fit in the pipe's buffer
# after head's one byte.
tide-gen --count 5000 transactions >g1.ndjson
tide-gen --seed 2 --count 5000 transactions >g2.ndjson
T_NAME="reader gone"
{ tide-diff -k account,ts --examples 100000 g1.ndjson g2.ndjson 2>"$T_ERR"
  echo $? >rc; } | head -c 1 >/dev/null
T_RC=$(cat rc)
t_status 1
t_stderr_empty
if [ -w /dev/full ]; then
	T_NAME="report to a full disk"
	tide-diff -k a,ts l.ndjson r.ndjson >/dev/full 2>"$T_ERR"
	T_RC=$?
	t_status 74
	t_stderr "tide-diff: cannot write the report: No space left on device"
fi

# --- usage errors -------------------------------------------------------------

for tol in x -1 101% '' 1e400 5%% nan; do
	t_run "--tolerance '$tol'" tide-diff -k a --tolerance "$tol" l.ndjson r.ndjson
	t_status 64
	t_stderr_has "tide-diff: --tolerance: not a number t >= 0 or a percentage p% (0..100): '$tol'"
done
t_run "-k twice" tide-diff -k a -k ts l.ndjson r.ndjson
t_status 64
t_stderr_has "tide-diff: -k: given more than once: name the key fields in one list (-k account,ts)"
t_run "--tolerance twice" tide-diff -k a --tolerance 1 --tolerance 2% l.ndjson r.ndjson
t_status 64
t_stderr_has "tide-diff: --tolerance: given more than once"
t_run "no -k" tide-diff l.ndjson r.ndjson
t_status 64
t_stderr_has "tide-diff: -k: the key fields are required"
t_run "one input" tide-diff -k a l.ndjson
t_status 64
t_stderr_has "tide-diff: two inputs are required, left and right"
t_run "both stdin" tide-diff -k a - -
t_status 64
t_stderr_has "tide-diff: '-' (stdin) may be one side only"
t_run "--max-memory with --sorted" tide-diff -k a --sorted --max-memory 1M \
	l.ndjson r.ndjson
t_status 64
t_stderr_has "tide-diff: --max-memory: not with --sorted"
: >x.csv
t_run "CSV" tide-diff -k a x.csv r.ndjson
t_status 64
t_stderr_has "tide-diff: 'x.csv': CSV is not read here: NDJSON only"
t_run "--examples -1" tide-diff -k a --examples -1 l.ndjson r.ndjson
t_status 64
t_run "bad key path" tide-diff -k 'a..b' l.ndjson r.ndjson
t_status 64
t_stderr_has "tide-diff: -k: bad field path 'a..b'"

# --- the man page's EXAMPLES run -----------------------------------------------

t_ok "man/tide-diff.1 is there" test -f "$T_ROOT/man/tide-diff.1"
mkdir ex
# A command is a "$ " line in a literal block, continued while a line ends
# with "\e"; they run in order in one directory.
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
	{ gsub(/\\e/, "\\", cmd); print cmd; cmd = "" }' "$T_ROOT/man/tide-diff.1" >ex/cmds
n=0
while IFS= read -r cmd; do
	# Kafka: tests/kafka/examples.sh runs them (and all the others).
	case $cmd in *localhost:9092*|*tx.ndjson*) continue ;; esac
	n=$((n + 1))
	(cd ex && sh -c "$cmd") >ex/out 2>ex/err
	T_RC=$?
	T_NAME="man EXAMPLE $n: $cmd"
	cp ex/err "$T_ERR"
	cp ex/out "$T_OUT"
	case $cmd in
	tide-diff*live.ndjson\ replay*)
		t_status 0
		t_stdout <<'EOF'
{"left":2000,"right":2000,"pairs":2000,"matched":2000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
		;;
	tide-diff*rounded*)
		t_status 0
		t_stdout <<'EOF'
{"left":2000,"right":2000,"pairs":2000,"matched":2000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
		t_ok "man EXAMPLE $n: without --tolerance, amounts differ" sh -c \
			'cd ex && tide-diff -k account,ts --ignore country live.ndjson rounded.ndjson | grep -q "\"fields\":{\"amount\":[1-9]"'
		t_ok "man EXAMPLE $n: without --ignore, countries differ" sh -c \
			'cd ex && tide-diff -k account,ts --tolerance 0.1 live.ndjson rounded.ndjson | grep -q "\"fields\":{\"country\":[1-9]"'
		;;
	tide-diff*--sorted*)
		t_status 0
		t_stdout <<'EOF'
{"left":100000,"right":100000,"pairs":100000,"matched":100000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
		;;
	tide-diff*shuffled*)
		t_status 0
		t_stderr_has "tide-diff: spilled to "
		t_stdout <<'EOF'
{"left":20000,"right":20000,"pairs":20000,"matched":20000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
		;;
	*)	t_status 0
		t_stderr_empty ;;
	esac
done <ex/cmds
t_ok "man page has 11 runnable EXAMPLES" test "$n" -eq 11

t_done
