#!/bin/sh
# tide-sink without Kafka: stdout and file output (strftime names by event
# time, rotation, zstd, .part then rename, csv), the bad-input policy,
# JSONTestSuite under --strict, write errors and usage errors.
. "$(dirname "$0")/../lib.sh"

cd "$T_DIR" || exit 1

# --- stdout: any JSON value, unchanged ------------------------------------

printf '%s\n' '{"a":1}' '  [1, 2] ' '"s"' '3.5e2' 'null' '{"b":{"c":[true]}}' >in.good
T_IN=in.good
t_run "-o - writes every record as it came" tide-sink -o -
t_status 0
t_stdout_file in.good
t_stderr_empty

printf '{"a":1}\r\n{"a":2}\r\n{"a":3}' >in.crlf
T_IN=in.crlf
t_run "CRLF and a last line without newline" tide-sink -o -
t_status 0
t_stdout <<'EOF'
{"a":1}
{"a":2}
{"a":3}
EOF

# --- bad input: reported with line numbers, skipped, counted -------------

printf '%s\n' '{"ok":1}' 'not json' '{"a":1' '' '   ' '{"a":1}x' '{"ok":2}' >in.bad
printf '{"bad":"\377"}\n{"ok":3}\n' >>in.bad
T_IN=in.bad
t_run "bad lines are skipped" tide-sink -o -
t_status 0
t_stdout <<'EOF'
{"ok":1}
{"ok":2}
{"ok":3}
EOF
t_stderr_has "tide-sink: line 2: not valid JSON"
t_stderr_has "tide-sink: line 3: not valid JSON"
t_stderr_has "tide-sink: line 4: not valid JSON"
t_stderr_has "tide-sink: line 5: not valid JSON"
t_stderr_has "tide-sink: line 6: not valid JSON"
t_stderr_has "tide-sink: line 8: not valid JSON"
t_stderr_has "tide-sink: 6 bad records skipped"

t_run "bad lines go to the dead-letter file" tide-sink -o - --dead-letter dl
t_status 0
t_ok "dead letters: lines and raw text (raw_b64 for invalid UTF-8)" sh -c \
    "jq -c '[.source,.line,.raw,.raw_b64]' dl | tr '\n' ' ' | grep -qxF '[\"-\",2,\"not json\",null] [\"-\",3,\"{\\\"a\\\":1\",null] [\"-\",4,\"\",null] [\"-\",5,\"   \",null] [\"-\",6,\"{\\\"a\\\":1}x\",null] [\"-\",8,null,\"eyJiYWQiOiL/In0=\"] '"
t_stderr_has "tide-sink: 6 bad records skipped, kept in dl"

t_run "--strict stops at the first bad line" tide-sink -o - --strict
t_status 65
t_stdout <<'EOF'
{"ok":1}
EOF
t_stderr_has "tide-sink: line 2: not valid JSON"

awk 'BEGIN { printf "{\"a\":\""; for (i = 0; i < 300; i++) printf "x"; print "\"}"; print "{\"b\":1}" }' >in.long
T_IN=in.long
t_run "a line over --max-record is skipped" tide-sink -o - --max-record 256
t_status 0
t_stdout <<'EOF'
{"b":1}
EOF
t_stderr_has "tide-sink: line 1: record longer than --max-record (256 bytes)"
t_run "a line over --max-record under --strict" tide-sink -o - --max-record 256 --strict
t_status 65
t_stdout </dev/null

# --- JSONTestSuite under --strict ------------------------------------------

# The corpus is kept in the repository (tests/data/JSONTestSuite); without
# it these cases are a counted skip, which fails under CI.
if [ -d "$TIDE_TESTDATA/JSONTestSuite/test_parsing" ]; then
	ybad=0 nbad=0 ny=0 nn=0
	for f in "$TIDE_TESTDATA"/JSONTestSuite/test_parsing/y_*.json; do
		ny=$((ny + 1))
		# One record per line: line breaks inside a document (only
		# whitespace in y_ cases) become spaces.
		tr '\n' ' ' <"$f" >y.in
		printf '\n' >>y.in
		if ! tide-sink --strict -o - <y.in >y.out 2>/dev/null ||
		    ! cmp -s y.in y.out; then
			ybad=$((ybad + 1))
			echo "    rejected or changed: $(basename "$f")"
		fi
	done
	t_ok "JSONTestSuite: every y_ case ($ny) accepted byte for byte" test "$ybad" = 0
	for f in "$TIDE_TESTDATA"/JSONTestSuite/test_parsing/n_*.json; do
		nn=$((nn + 1))
		tide-sink --strict -o - <"$f" >n.out 2>/dev/null
		rc=$?
		# An empty file holds no record at all (n_structure_no_data).
		if [ ! -s "$f" ]; then
			[ $rc = 0 ] && [ ! -s n.out ] && continue
		elif [ $rc = 65 ]; then
			continue
		fi
		nbad=$((nbad + 1))
		echo "    accepted: $(basename "$f") (status $rc)"
	done
	t_ok "JSONTestSuite: every n_ case ($nn) rejected with 65" test "$nbad" = 0
else
	t_skip "JSONTestSuite not found in $TIDE_TESTDATA: its cases"
fi

# --- files: .part, rename, strftime by event time -------------------------

cat >ev.in <<'EOF'
{"id":1,"ts":"2026-11-01T23:59:59.999Z"}
{"id":2,"ts":1793577600000}
{"id":3,"ts":"2026-11-02T10:00:00Z"}
{"id":4,"ts":"2026-11-01T12:00:00Z"}
{"id":5,"ts":"2026-11-03T00:00:00+01:00"}
{"id":6}
EOF
T_IN=ev.in
t_run "strftime names by --time" tide-sink -o 'day-%Y%m%d.ndjson' --time ts
t_status 0
t_stderr_has "tide-sink: line 6: no time field 'ts'"
t_ok "strftime: two files, no .part left" sh -c "ls day-* | tr '\n' ' ' | grep -qxF 'day-20261101.ndjson day-20261102.ndjson '"
t_ok "strftime: day 1 holds id 1" sh -c "jq -c .id day-20261101.ndjson | tr '\n' ' ' | grep -qxF '1 '"
# Segments only move forward: the late id 4 (day 1) goes to the open file;
# id 5 (+01:00) is 2026-11-02T23:00Z.
t_ok "strftime: day 2 holds ids 2 to 5, late id 4 included" sh -c "jq -c .id day-20261102.ndjson | tr '\n' ' ' | grep -qxF '2 3 4 5 '"

rm -f day-*
printf '%s\n' '{"ts":"2026-11-01T00:00:00Z"}' '{"ts":"2026-11-02T00:00:00Z"}' >ev2.in
T_IN=ev2.in
t_run "strftime: one file per day" tide-sink -o 'day-%Y%m%d.ndjson' --time ts
t_status 0
t_ok "strftime: exactly two files" sh -c "ls day-* | tr '\n' ' ' | grep -qxF 'day-20261101.ndjson day-20261102.ndjson '"
t_run "strftime: a second run never overwrites" tide-sink -o 'day-%Y%m%d.ndjson' --time ts
t_status 0
t_ok "strftime: second run numbered" sh -c "ls day-* | tr '\n' ' ' | grep -qxF 'day-20261101-1.ndjson day-20261101.ndjson day-20261102-1.ndjson day-20261102.ndjson '"

T_IN=in.good
t_run "a plain name is replaced, like a redirection" tide-sink -o plain.ndjson
t_status 0
t_run "plain name: second run" tide-sink -o plain.ndjson
t_status 0
t_ok "plain name: one file with the records" cmp plain.ndjson in.good
t_ok "plain name: no .part left" test ! -e plain.ndjson.part
# No records: a plain name is created empty (replacing the old file), as
# `>plain.ndjson` would; a pattern or rotation has no time to name a file by.
T_IN=/dev/null
t_run "no records: a plain name is created empty" tide-sink -o plain.ndjson
t_status 0
t_ok "no records: plain.ndjson is empty" test -f plain.ndjson -a ! -s plain.ndjson
t_run "no records: .zst holds an empty frame" sh -c 'tide-sink -o e.ndjson.zst && zstd -qdc e.ndjson.zst | wc -c'
t_stdout <<'EOF'
0
EOF
t_run "no records: csv is empty, no header" sh -c 'tide-sink -o e.csv --format csv && wc -c <e.csv'
t_stdout <<'EOF'
0
EOF
t_run "no records: a strftime pattern creates nothing" sh -c 'tide-sink -o "none-%Y.ndjson" && ls none-* 2>&1'
t_status 2
t_run "no records: --rotate creates nothing" sh -c 'tide-sink -o rot.ndjson --rotate 1k && ls rot.* 2>&1'
t_status 2
# Nothing good read: 65 (issue 19 item 2), the file still made, empty.
t_run "bad input only: a plain name is created empty" sh -c 'echo nope | tide-sink -q -o bad.ndjson; echo $?; wc -c <bad.ndjson'
t_stdout <<'EOF'
65
0
EOF

# While input is open, only NAME.part exists; NAME appears when complete.
# The input is held open (a fifo) while the directory is looked at: once
# NAME.part is there (an event, waited for up to 60 s), not after a time.
t_run ".part while writing, final name after" sh -c '
	mkfifo live.fifo
	tide-sink -o live.ndjson <live.fifo &
	exec 8>live.fifo
	printf "{\"x\":1}\n" >&8
	i=0
	until [ -e live.ndjson.part ] || [ $i -ge 1200 ]; do sleep 0.05; i=$((i + 1)); done
	ls live.ndjson* | tr "\n" " "; echo
	printf "{\"x\":2}\n" >&8
	exec 8>&-
	wait
	ls live.ndjson* | tr "\n" " "; echo
	cat live.ndjson'
t_status 0
t_stdout <<'EOF'
live.ndjson.part 
live.ndjson 
{"x":1}
{"x":2}
EOF

# --- rotation by size and by duration, zstd --------------------------------

awk 'BEGIN { for (i = 1; i <= 10; i++) printf "{\"i\":%d,\"pad\":\"0123456789\"}\n", i }' >rot.in
T_IN=rot.in
t_run "--rotate by size" tide-sink -o 'seg.ndjson' --rotate 70
t_status 0
t_ok "--rotate 70: five files of two 27-byte records" sh -c "ls seg* | tr '\n' ' ' | grep -qxF 'seg-1.ndjson seg-2.ndjson seg-3.ndjson seg-4.ndjson seg.ndjson '"
t_ok "--rotate 70: nothing lost, in order" sh -c "cat seg.ndjson seg-1.ndjson seg-2.ndjson seg-3.ndjson seg-4.ndjson | cmp -s - rot.in"
t_ok "--rotate 70: two records in each file" sh -c "wc -l seg*.ndjson | grep -c ' 2 seg' | grep -qx 5"

awk 'BEGIN { for (i = 0; i < 6; i++) printf "{\"i\":%d,\"ts\":%d}\n", i, 1793577600000 + i * 25000 }' >dur.in
T_IN=dur.in
t_run "--rotate by duration, named by slot start" tide-sink -o 'm-%H%M%S.ndjson.zst' --rotate 1m --time ts
t_status 0
t_ok "--rotate 1m: three slots" sh -c "ls m-* | tr '\n' ' ' | grep -qxF 'm-000000.ndjson.zst m-000100.ndjson.zst m-000200.ndjson.zst '"
t_ok "--rotate 1m: zstd files read back by zstdcat" sh -c "zstdcat m-000000.ndjson.zst m-000100.ndjson.zst m-000200.ndjson.zst | cmp -s - dur.in"
t_ok "--rotate 1m: records 0-2 in the first slot" sh -c "zstdcat m-000000.ndjson.zst | jq -c .i | tr '\n' ' ' | grep -qxF '0 1 2 '"
t_ok "zstd: frames carry a checksum and test clean" zstd -tq m-000000.ndjson.zst

T_IN=in.good
t_run "--level 19" tide-sink -o hi.ndjson.zst --level 19
t_status 0
t_ok "--level 19: read back" sh -c "zstdcat hi.ndjson.zst | cmp -s - in.good"

# --- csv --------------------------------------------------------------------

cat >csv.in <<'EOF'
{"id":1,"name":"plain","amount":10.5,"tags":["a","b"],"ok":true}
{"id":2,"name":"with, comma","amount":null,"tags":[],"ok":false}
{"name":"quote \" and\nline","id":3,"extra":1}
[1,2]
{"id":4}
EOF
T_IN=csv.in
t_run "--format csv" tide-sink -o - --format csv
t_status 0
t_stdout <<'EOF'
id,name,amount,tags,ok
1,plain,10.5,"[""a"",""b""]",true
2,"with, comma",,[],false
3,"quote "" and
line",,,
4,,,,
EOF
t_stderr_has "tide-sink: line 4: not a JSON object (needed for csv)"
t_stderr_has "tide-sink: 1 record had fields not in the csv header (dropped)"
t_ok "csv: mlr reads it back" sh -c "tide-sink -o out.csv --format csv <csv.in 2>/dev/null && mlr --icsv --ojson cat out.csv | jq -c '.[2].name' | grep -qxF '\"quote \\\" and\\nline\"'"
t_run "csv: a header in every rotated file" tide-sink -o 'c.csv' --format csv --rotate 40
t_status 0
t_ok "csv: every file starts with the header" sh -c "for f in c*.csv; do head -1 \$f; done | sort -u | grep -qxF 'id,name,amount,tags,ok'"

# --- write errors -------------------------------------------------------------

T_IN=in.good
t_run "/dev/full as -o" tide-sink -o /dev/full
t_status 74
t_stderr_has "tide-sink: write '/dev/full': No space left on device"
t_ok "/dev/full is still a device" test -c /dev/full
t_run "stdout on /dev/full" sh -c 'tide-sink -o - >/dev/full'
t_status 74
t_stderr_has "tide-sink: write '-': No space left on device"
t_run "directory that does not exist" tide-sink -o nodir/x.ndjson
t_status 74
t_stderr_has "tide-sink: write 'nodir/x.ndjson.part': No such file or directory"
t_run "EPIPE on stdout: quiet" sh -c 'yes "{\"a\":1}" | head -100000 | tide-sink -o - | head -1'
t_status 0
t_stdout <<'EOF'
{"a":1}
EOF
t_stderr_empty
t_run "dead-letter file cannot be opened" tide-sink -o - --dead-letter nodir/dl
t_status 74
t_stderr_has "tide-sink: --dead-letter 'nodir/dl': No such file or directory"

# --- usage errors -------------------------------------------------------------

T_IN=/dev/null
t_run "no destination" tide-sink
t_status 64
t_stderr_has "tide-sink: give one of -t topic, -o path, --sqlite file or --redis url"
t_stderr_has "usage: tide-sink"
t_run "both destinations" tide-sink -t x -o -
t_status 64
t_stderr_has "tide-sink: give one of -t topic, -o path, --sqlite file or --redis url"
t_run "unknown option" tide-sink --bogus
t_status 64
t_stderr_has "tide-sink: unknown option '--bogus'"
t_run "operand" tide-sink -o - file
t_status 64
t_stderr_has "tide-sink: unexpected argument 'file'"
t_run "--format unknown" tide-sink -o - --format xml
t_status 64
t_stderr_has "tide-sink: --format: unknown format 'xml' (ndjson, csv)"
t_run "--rotate garbage" tide-sink -o x --rotate 5q
t_status 64
t_stderr_has "tide-sink: --rotate: not a duration: '5q'"
t_run "--rotate 0" tide-sink -o x --rotate 0
t_status 64
t_stderr_has "tide-sink: --rotate: must be more than zero: '0'"
t_run "--rotate with -o -" tide-sink -o - --rotate 1M
t_status 64
t_stderr_has "tide-sink: --rotate needs a file, not -o -"
t_run "--level out of range" tide-sink -o x.zst --level 23
t_status 64
t_stderr_has "tide-sink: --level: 23 is out of range [1, 22]"
t_run "--max-record not a size" tide-sink -o - --max-record lots
t_status 64
t_stderr_has "tide-sink: --max-record: not a size: 'lots'"
t_run "-z unknown codec" tide-sink -t x -z brotli
t_status 64
t_stderr_has "tide-sink: -z: unknown codec 'brotli' (zstd, lz4, gzip, snappy, none)"
t_run "--key with -o" tide-sink -o - -k id
t_status 64
t_stderr_has "tide-sink: --key, --partition, -H, --timestamp, -z, -J and --tee are for -t"
t_run "--rotate with -t" tide-sink -t x --rotate 1m
t_status 64
t_stderr_has "tide-sink: --format, --rotate, --time and --level are for -o"
t_run "-J with --key" tide-sink -t x -J -k id
t_status 64
t_stderr_has "tide-sink: -J takes key, partition and timestamp from the envelope"
t_run "--keep-partition without -J" tide-sink -t x --keep-partition
t_status 64
t_stderr_has "tide-sink: --keep-partition needs -J"
t_run "-H without =" tide-sink -t x -H novalue
t_status 64
t_stderr_has "tide-sink: -H: not name=value: 'novalue'"
t_run "--key bad path" tide-sink -t x -k 'a..b'
t_status 64
t_stderr_has "tide-sink: --key: not a field path: 'a..b'"
t_run "--connect-timeout bad" tide-sink -t x --connect-timeout soon
t_status 64
t_stderr_has "tide-sink: --connect-timeout: not a duration: 'soon'"
t_run "--time-unit bad" tide-sink -o - --time-unit weeks
t_status 64
t_stderr_has "tide-sink: --time-unit: not a unit: 'weeks' (s, ms, us, ns, auto)"
t_run "-o empty" tide-sink -o ''
t_status 64
t_stderr_has "tide-sink: -o: empty path"

# --- the progress line: file output on a terminal (script(1) gives a
# pseudo-terminal); \r is shown as R and ESC as E.
pty() {
	printf '%s\n' "$1" >"$T_DIR/pty.cmd"
	script -qec "sh '$T_DIR/pty.cmd'" /dev/null </dev/null | tr '\r\033' 'RE'
}
i=0
while [ $i -lt 100 ]; do i=$((i + 1)); printf '{"n":"%08d"}\n' $i; done >"$T_DIR/p.ndjson"
t_run "progress: -o file on a terminal" pty "tide-sink -o '$T_DIR/p.out' <'$T_DIR/p.ndjson'"
t_status 0
t_ok "progress: records, bytes, rates; cleared at the end" \
    grep -Eqx 'Rtide-sink: 64 records, 1\.1 KiB, [0-9.]+k? records/s, [0-9.]+ (B|KiB|MiB|GiB)/sE\[KRE\[K' "$T_OUT"
t_ok "progress: the file is complete" cmp -s "$T_DIR/p.out" "$T_DIR/p.ndjson"
t_run "progress: not for -o - (a pipeline stage)" pty "tide-sink -o - <'$T_DIR/p.ndjson' >/dev/null"
t_stdout </dev/null
t_run "progress: --no-progress on a terminal" pty "tide-sink --no-progress -o '$T_DIR/p.out' <'$T_DIR/p.ndjson'"
t_stdout </dev/null
t_run "progress: -q on a terminal" pty "tide-sink -q -o '$T_DIR/p.out' <'$T_DIR/p.ndjson'"
t_stdout </dev/null
T_IN=$T_DIR/p.ndjson
t_run "progress: not when stderr is a file" tide-sink -o "$T_DIR/p.out"
t_status 0
t_stderr_empty
t_run "progress: --progress when stderr is a file" tide-sink --progress -o - 
t_status 0
t_stderr_has "$(printf '\r')tide-sink: 64 records, 1.1 KiB, "
t_stdout_file "$T_DIR/p.ndjson"
T_IN=/dev/null
# A warning erases the line first, so it starts at the left margin.
{ head -70 "$T_DIR/p.ndjson"; echo 'not json'; tail -30 "$T_DIR/p.ndjson"; } >"$T_DIR/pb.ndjson"
t_run "progress: a warning clears the line first" pty "tide-sink -o '$T_DIR/p.out' <'$T_DIR/pb.ndjson'"
t_ok "progress: line, clear, then the warning" \
    grep -q 'E\[KRE\[Ktide-sink: line 71: not valid JSON' "$T_OUT"

# --- Kafka options: one table fragment (lib/kconf.h) in tide-source and
# tide-sink, so the same names, help, errors and exit codes in both.
printf 'client.id = a\nnot a setting\n' >"$T_DIR/bad.conf"
printf '# comment\n\nno.such=1\n' >"$T_DIR/unk.conf"
printf '# comment\n\n client.id = fromfile \nsocket.timeout.ms=1234\n' >"$T_DIR/good.conf"
printf '{"k":1}\n' >"$T_DIR/k.ndjson"
for p in tide-source tide-sink; do
	t_run "$p -F missing file" $p -F "$T_DIR/none.conf" -t x
	t_status 74
	t_stderr_has "$p: -F: $T_DIR/none.conf: No such file or directory"
	t_run "$p --config: a line that is not a setting" $p --config "$T_DIR/bad.conf" -t x
	t_status 64
	t_stderr_has "$p: -F: $T_DIR/bad.conf: line 2: not a property=value setting: 'not ...'"
	# Never the value of a malformed line: it may be a secret.
	printf 'client.id=x\nsasl.password SECRET123\n' >"$T_DIR/sec.conf"
	t_run "$p -F: a malformed secret line" $p -F "$T_DIR/sec.conf" -t x
	t_status 64
	t_stderr_has "$p: -F: $T_DIR/sec.conf: line 2: not a property=value setting: 'sasl.password ...'"
	t_ok "$p -F: the secret is not printed" sh -c "! grep -q SECRET123 '$T_ERR'"
	t_run "$p -F: an unknown property" $p -F "$T_DIR/unk.conf" -t x
	t_status 64
	t_stderr_has "$p: -F: $T_DIR/unk.conf: line 3: no.such: No such configuration property"
	t_run "$p -X without =" $p -X fetch -t x
	t_status 64
	t_stderr_has "$p: -X: not a property=value setting: 'fetch'"
	t_run "$p -X unknown property" $p -X no.such=1 -t x
	t_status 64
	t_stderr_has "$p: -X: no.such: No such configuration property"
	t_run "$p -X bad value" $p -X socket.timeout.ms=soon -t x
	t_status 64
	t_stderr_has "$p: -X: socket.timeout.ms: "
	t_run "$p --brokers empty" $p --brokers '' -t x
	t_status 64
	t_stderr_has "$p: -b: empty broker list"
	t_run "$p --debug empty" $p --debug '' -t x
	t_status 64
	t_stderr_has "$p: -d: empty debug context list"
	t_run "$p \$TIDE_CONFIG missing" env TIDE_CONFIG="$T_DIR/none.conf" $p -b 127.0.0.1:1 -t x
	t_status 74
	t_stderr_has "$p: \$TIDE_CONFIG: $T_DIR/none.conf: No such file or directory"
	t_run "$p \$TIDE_CONFIG bad" env TIDE_CONFIG="$T_DIR/bad.conf" $p -b 127.0.0.1:1 -t x
	t_status 64
	t_stderr_has "$p: \$TIDE_CONFIG: $T_DIR/bad.conf: line 2:"
done
# Good settings are accepted by both (unused for files).
t_run "tide-source: long names, good settings, file input" tide-source \
    --brokers 127.0.0.1:1 --config "$T_DIR/good.conf" -X client.id=x --debug broker "$T_DIR/k.ndjson"
t_status 0
printf '{"k":1}\n' | t_stdout
T_IN=$T_DIR/k.ndjson
t_run "tide-sink: long names, good settings, file output" tide-sink \
    --brokers 127.0.0.1:1 --config "$T_DIR/good.conf" -X client.id=x --debug broker -o -
t_status 0
printf '{"k":1}\n' | t_stdout
T_IN=/dev/null
# The file first, then -X: the command line wins.
t_run "tide-source: -X wins over -F, whatever the order" tide-source \
    -X client.id=fromx -F "$T_DIR/good.conf" -b 127.0.0.1:1 --dump-config
t_status 0
t_ok "client.id from -X" grep -qx 'client.id=fromx' "$T_OUT"
t_ok "socket.timeout.ms from -F" grep -qx 'socket.timeout.ms=1234' "$T_OUT"
t_ok "brokers from -b" grep -qx 'metadata.broker.list=127.0.0.1:1' "$T_OUT"
# Same --list-options lines, same man page items, same usage fragment.
tide-source --list-options | grep -E "^-[bXFd]$(printf '\t')" >"$T_DIR/ko.source"
tide-sink --list-options | grep -E "^-[bXFd]$(printf '\t')" >"$T_DIR/ko.sink"
t_ok "-b -X -F -d: four options listed" test "$(wc -l <"$T_DIR/ko.sink")" = 4
t_ok "-b -X -F -d: --list-options identical in tide-source and tide-sink" \
    cmp -s "$T_DIR/ko.source" "$T_DIR/ko.sink"
t_ok "-b -X -F -d: long names --brokers, -, --config, --debug" \
    test "$(cut -f2 "$T_DIR/ko.sink" | tr '\n' ' ')" = "--brokers - --config --debug "
for p in tide-source tide-sink; do
	awk '/^\.It Fl b /{ on = 1 } on && /^\.It / && !/^\.It Fl [bXFd] /{ exit } on' \
	    "$T_ROOT/man/$p.1" >"$T_DIR/km.$p"
	$p -h | head -1 | grep -o '\[-b brokers\] \[-X prop=value\] \.\.\. \[-F file\] \[-d contexts\]' >"$T_DIR/ku.$p"
done
t_ok "-b -X -F -d: man page items found" grep -q '^\.It Fl d Ar contexts' "$T_DIR/km.tide-sink"
t_ok "-b -X -F -d: man page items identical" cmp -s "$T_DIR/km.tide-source" "$T_DIR/km.tide-sink"
t_ok "-b -X -F -d: usage fragment in both" sh -c "test -s '$T_DIR/ku.tide-source' && cmp -s '$T_DIR/ku.tide-source' '$T_DIR/ku.tide-sink'"

t_run "-h" tide-sink -h
t_status 0
t_ok "-h: usage line first" sh -c "head -1 '$T_OUT' | grep -q '^usage: tide-sink '"
t_run "--list-options" tide-sink --list-options
t_status 0
t_ok "--list-options: every option, tab separated" sh -c "cut -f2 '$T_OUT' | tr '\n' ' ' | grep -qxF -- '--brokers - --config --debug --topic --key --partition --header --timestamp --compression --envelope --keep --drop --where --keep-partition --create --value-format --value-schema --value-subject --schema-id --proto-descriptor --proto-message --key-format --key-schema --key-subject --schema-registry --schema-registry-auth --schema-registry-ca --schema-registry-cert --schema-registry-key --schema-registry-insecure --schema-registry-timeout --dead-letter --tee --transactional-id --connect-timeout --down-timeout --output --format --time --time-unit --level --rotate --sqlite --table --redis --upsert --columns --batch --batch-time --ttl --history --prefix --as-json --strict --max-bad --max-record --stats --drain-timeout --progress --no-progress --quiet --verbose --help --version --list-options '"

# --create[=partitions] (issue 19 item 8): the count only after '=', a
# count of at least 1; checked before any broker is asked.
t_run "-h: --create[=partitions]" sh -c \
    "tide-sink -h | head -1 | grep -oF -- '[--create[=partitions]]'; tide-sink -h | grep -F -- '  --create'"
t_stdout <<'EOF'
[--create[=partitions]]
      --create[=partitions]    create the topic if it does not exist: with this many partitions, or the brokers' defaults
EOF
t_run "--list-options: --create's argument is optional" sh -c "tide-sink --list-options | grep -F -- '--create'"
printf -- "-\t--create\t[=partitions]\tcreate the topic if it does not exist: with this many partitions, or the brokers' defaults\n" | t_stdout
while IFS='|' read -r args msg; do
	# shellcheck disable=SC2086
	t_run "--create: $args" tide-sink -b 127.0.0.1:1 $args
	t_status 64
	t_stdout </dev/null
	t_stderr_has "tide-sink: $msg"
done <<'EOF'
-t x --create=|--create: not an integer: ''
-t x --create=0|--create: 0 is out of range [1, 2147483647]
-t x --create=-3|--create: -3 is out of range [1, 2147483647]
-t x --create=2147483648|--create: 2147483648 is out of range [1, 2147483647]
-t x --create=3x|--create: not an integer: '3x'
-t x --create 3|unexpected argument '3'
-t x --crate=3|unknown option '--crate' (did you mean --create?)
-t x --creat|unknown option '--creat' (did you mean --create?)
-o - --create=3|--create goes with -t
EOF

# Directories a pattern names are created as time goes on (mkdir -p).
printf '{"ts":1793491200000,"a":1}\n{"ts":1793577600000,"a":2}\n' >"$T_DIR/days.in"
T_IN=$T_DIR/days.in
t_run "-o creates the directories its pattern names" tide-sink -o "$T_DIR/new/%Y/%m%d/x.ndjson" --time ts
t_status 0
T_IN=/dev/null
t_ok "-o: first day's file in its new directory" test "$(cat "$T_DIR/new/2026/1101/x.ndjson")" = '{"ts":1793491200000,"a":1}'
t_ok "-o: second day's file in its new directory" test "$(cat "$T_DIR/new/2026/1102/x.ndjson")" = '{"ts":1793577600000,"a":2}'

t_done
