#!/bin/sh
# tide-source against tide-mock, with data written by real peer clients
# (kcat and python3-kafka), and tide-source's file inputs.
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

mock_start -t kc:1 -t ts:2 -t empty:2 -t off:1 -t grp:3 -t py:1 -t pat.a:1 -t pat.b:1 -t big:1 -t gend:2

# Envelope fields that depend on the wall clock become "ts":T.
no_ts() { sed 's/"ts":[0-9]*,/"ts":T,/' "$T_OUT" >"$T_OUT.nots" && mv "$T_OUT.nots" "$T_OUT"; }

# python3-kafka producer: lines "partition ts_ms key|- value|-" (- is null),
# with an optional header h=<partition>.
cat >"$T_DIR/prod.py" <<'EOF'
import sys
from kafka import KafkaProducer
br, topic = sys.argv[1], sys.argv[2]
p = KafkaProducer(bootstrap_servers=br, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=5000)
for line in sys.stdin:
    part, ts, key, val = line.rstrip("\n").split(" ", 3)
    p.send(topic, partition=int(part), timestamp_ms=int(ts),
           key=None if key == "-" else key.encode(),
           value=None if val == "-" else val.encode(),
           headers=[("p", part.encode()), ("p", b"again")])
p.flush(5)
EOF
py_produce() { timeout 30 "$PY" "$T_DIR/prod.py" "$BROKERS" "$1"; }

# --- kcat writes keys, headers, null values and bytes; -J reads them exactly
printf 'k1:hello\nk2:{"a": [1, 2]}\nk3:"quoted"\nnokey\nk5:\nk6:\377\376bin\nk7:42\n' |
	timeout 20 kcat -P -b "$BROKERS" -t kc -p 0 -K: -Z -H trace=abc -H trace=def -H e=
t0=$(date +%s%3N)
t_run "kcat data, -J -e" timeout 20 tide-source -b "$BROKERS" -t kc -J -e
t_status 0
awk -v t0="$t0" '{ if (match($0, /"ts":[0-9]+/)) { v = substr($0, RSTART + 5, RLENGTH - 5); if (v + 0 > t0 + 0 || v + 0 < t0 - 60000) print "bad ts " v } }' "$T_OUT" >"$T_DIR/tscheck"
t_ok "kcat data: timestamps are the producer's (create time, now)" test ! -s "$T_DIR/tscheck"
no_ts
t_stdout <<'EOF'
{"topic":"kc","partition":0,"offset":0,"ts":T,"ts_type":"create","key":"k1","headers":[["trace","abc"],["trace","def"],["e",""]],"value":"hello"}
{"topic":"kc","partition":0,"offset":1,"ts":T,"ts_type":"create","key":"k2","headers":[["trace","abc"],["trace","def"],["e",""]],"value":{"a": [1, 2]}}
{"topic":"kc","partition":0,"offset":2,"ts":T,"ts_type":"create","key":"k3","headers":[["trace","abc"],["trace","def"],["e",""]],"value":"\"quoted\""}
{"topic":"kc","partition":0,"offset":3,"ts":T,"ts_type":"create","key":null,"headers":[["trace","abc"],["trace","def"],["e",""]],"value":"nokey"}
{"topic":"kc","partition":0,"offset":4,"ts":T,"ts_type":"create","key":"k5","headers":[["trace","abc"],["trace","def"],["e",""]],"value":null}
{"topic":"kc","partition":0,"offset":5,"ts":T,"ts_type":"create","key":"k6","headers":[["trace","abc"],["trace","def"],["e",""]],"value_b64":"//5iaW4="}
{"topic":"kc","partition":0,"offset":6,"ts":T,"ts_type":"create","key":"k7","headers":[["trace","abc"],["trace","def"],["e",""]],"value":"42"}
EOF

t_run "kcat data, values only" timeout 20 tide-source -b "$BROKERS" -t kc -e
t_status 0
t_stdout <<'EOF'
"hello"
{"a": [1, 2]}
"\"quoted\""
"nokey"
null
"//5iaW4="
"42"
EOF

# The envelope is what kcat itself sees: the same payload bytes.
t_run "kcat reads the same bytes" timeout 20 kcat -C -b "$BROKERS" -t kc -e -q -f '%s\n'
printf 'hello\n{"a": [1, 2]}\n"quoted"\nnokey\n\n\377\376bin\n42\n' >"$T_DIR/kc.raw"
t_stdout_file "$T_DIR/kc.raw"

# --- -o, -c, -p -------------------------------------------------------------
seq 0 9 | timeout 20 kcat -P -b "$BROKERS" -t off -p 0
t_run "-o -3" timeout 20 tide-source -b "$BROKERS" -t off -o -3 -e
t_status 0
printf '"7"\n"8"\n"9"\n' | t_stdout
t_run "-o 8" timeout 20 tide-source -b "$BROKERS" -t off -o 8 -e
printf '"8"\n"9"\n' | t_stdout
t_run "-o -30 clamps to the beginning" timeout 20 tide-source -b "$BROKERS" -t off -o -30 -e -c 2
printf '"0"\n"1"\n' | t_stdout
t_run "-o end -e reads nothing" timeout 20 tide-source -b "$BROKERS" -t off -o end -e
t_status 0
t_stdout </dev/null
t_run "-c 3" timeout 20 tide-source -b "$BROKERS" -t off -c 3
t_status 0
printf '"0"\n"1"\n"2"\n' | t_stdout
t_run "-c 0" timeout 20 tide-source -b "$BROKERS" -t off -c 0
t_status 0
t_stdout </dev/null
t_run "--dry-run -o -3" timeout 20 tide-source -b "$BROKERS" -t off -o -3 -e --dry-run
t_status 0
t_stdout <<'EOF'
{"topic":"off","partition":0,"low":0,"high":10,"start":7,"end":10}
EOF
t_run "--dry-run without -e has no end" timeout 20 tide-source -b "$BROKERS" -t off -o 4 --dry-run
t_stdout <<'EOF'
{"topic":"off","partition":0,"low":0,"high":10,"start":4,"end":null}
EOF

# --- empty partitions: -e must not wait for them ----------------------------
t_run "-e on empty partitions exits" timeout 10 tide-source -b "$BROKERS" -t empty -e
t_status 0
t_stdout </dev/null
t_run "--idle-timeout on an empty topic" timeout 10 tide-source -b "$BROKERS" -t empty --idle-timeout 300ms
t_status 0
t_stdout </dev/null

# --- pattern topics ----------------------------------------------------------
echo a | timeout 20 kcat -P -b "$BROKERS" -t pat.a -p 0
echo b | timeout 20 kcat -P -b "$BROKERS" -t pat.b -p 0
t_run "^regex topics" sh -c "timeout 20 tide-source -b '$BROKERS' -t '^pat\\.' -e -J | sed 's/\"ts\":[0-9]*,//' | sort"
t_status 0
t_stdout <<'EOF'
{"topic":"pat.a","partition":0,"offset":0,"ts_type":"create","key":null,"headers":[],"value":"a"}
{"topic":"pat.b","partition":0,"offset":0,"ts_type":"create","key":null,"headers":[],"value":"b"}
EOF

# --- python3-kafka with explicit timestamps: --from/--to per partition ------
# Partition 0: ts 1000000 + 10i (i = 0..19); partition 1: 1000005 + 20j.
{
	i=0; while [ $i -lt 20 ]; do echo "0 $((1000000 + i * 10)) k$i {\"i\":$i}"; i=$((i + 1)); done
	j=0; while [ $j -lt 10 ]; do echo "1 $((1000005 + j * 20)) - v$j"; j=$((j + 1)); done
} | py_produce ts
t_run "--from/--to resolved by binary search" timeout 20 tide-source -b "$BROKERS" -t ts --from 1000050 --to 1000100 --dry-run
t_status 0
t_stdout <<'EOF'
{"topic":"ts","partition":0,"low":0,"high":20,"start":5,"end":10}
{"topic":"ts","partition":1,"low":0,"high":10,"start":3,"end":5}
EOF
t_run "--from/--to reads exactly the range" timeout 20 tide-source -b "$BROKERS" -t ts --from 1000050 --to 1000100 -J
t_status 0
# Order across partitions depends on fetch timing; within one it is fixed.
sort -s -t, -k2,2 "$T_OUT" -o "$T_OUT"
t_stdout <<'EOF'
{"topic":"ts","partition":0,"offset":5,"ts":1000050,"ts_type":"create","key":"k5","headers":[["p","0"],["p","again"]],"value":{"i":5}}
{"topic":"ts","partition":0,"offset":6,"ts":1000060,"ts_type":"create","key":"k6","headers":[["p","0"],["p","again"]],"value":{"i":6}}
{"topic":"ts","partition":0,"offset":7,"ts":1000070,"ts_type":"create","key":"k7","headers":[["p","0"],["p","again"]],"value":{"i":7}}
{"topic":"ts","partition":0,"offset":8,"ts":1000080,"ts_type":"create","key":"k8","headers":[["p","0"],["p","again"]],"value":{"i":8}}
{"topic":"ts","partition":0,"offset":9,"ts":1000090,"ts_type":"create","key":"k9","headers":[["p","0"],["p","again"]],"value":{"i":9}}
{"topic":"ts","partition":1,"offset":3,"ts":1000065,"ts_type":"create","key":null,"headers":[["p","1"],["p","again"]],"value":"v3"}
{"topic":"ts","partition":1,"offset":4,"ts":1000085,"ts_type":"create","key":null,"headers":[["p","1"],["p","again"]],"value":"v4"}
EOF
# Every boundary, against an awk oracle over the produced timestamps.
bad=
for f in 999000 1000001 1000045 1000191 1000300; do
	for to in 1000005 1000100 1000186 2000000; do
		[ "$to" -lt "$f" ] && continue
		want=$(awk -v f=$f -v t=$to 'BEGIN {
			s = 20; e = 20; for (i = 19; i >= 0; i--) { ts = 1000000 + 10 * i; if (ts >= f) s = i; if (ts >= t) e = i }
			if (s > e) s = e; printf "0:%d-%d ", s, e
			s = 10; e = 10; for (j = 9; j >= 0; j--) { ts = 1000005 + 20 * j; if (ts >= f) s = j; if (ts >= t) e = j }
			if (s > e) s = e; printf "1:%d-%d ", s, e }')
		got=$(timeout 20 tide-source -b "$BROKERS" -t ts --from $f --to $to --dry-run |
			sed 's/.*"partition":\([0-9]*\).*"start":\([0-9]*\),"end":\([0-9]*\)}/\1:\2-\3/' | tr '\n' ' ')
		[ "$got" = "$want" ] || bad="$bad [$f,$to): got '$got' want '$want';"
	done
done
t_ok "--from/--to boundaries match the oracle" test -z "$bad"
[ -n "$bad" ] && echo "    $bad"
t_run "--from only, one partition" timeout 20 tide-source -b "$BROKERS" -t ts -p 1 --from 1000180 -e -J
t_stdout <<'EOF'
{"topic":"ts","partition":1,"offset":9,"ts":1000185,"ts_type":"create","key":null,"headers":[["p","1"],["p","again"]],"value":"v9"}
EOF

# A range that selects nothing says so (issue 19 item 2): an empty output
# looked like success.
t_run "--from/--to selecting nothing says so" timeout 20 tide-source -b "$BROKERS" -t ts --from 1000001 --to 1000004
t_status 0
t_stdout </dev/null
t_stderr "tide-source: --from/--to: no records in the range"
t_run "--from past the end, -e: says so" timeout 20 tide-source -b "$BROKERS" -t ts --from 2000000 -e
t_status 0
t_stderr "tide-source: --from/--to: no records in the range"
t_run "a range with records: no word" timeout 20 tide-source -b "$BROKERS" -t ts -p 1 --from 1000180 -e
t_stderr_empty

# --- python3-kafka: null key and value, text -----------------------------
printf '0 1700000000000 k0 -\n0 1700000000001 - {"x":true}\n' | py_produce py
t_run "python3-kafka data" timeout 20 tide-source -b "$BROKERS" -t py -e -J
t_stdout <<'EOF'
{"topic":"py","partition":0,"offset":0,"ts":1700000000000,"ts_type":"create","key":"k0","headers":[["p","0"],["p","again"]],"value":null}
{"topic":"py","partition":0,"offset":1,"ts":1700000000001,"ts_type":"create","key":null,"headers":[["p","0"],["p","again"]],"value":{"x":true}}
EOF

# --- stdout closed early: a quiet exit 0 ------------------------------------
seq 1 20000 | timeout 20 kcat -P -b "$BROKERS" -t big -p 0
t_run "EPIPE is a quiet exit" sh -c "{ timeout 20 tide-source -b '$BROKERS' -t big -e; echo \$? >'$T_DIR/rc'; } | head -2"
printf '"1"\n"2"\n' | t_stdout
t_stderr_empty
t_ok "EPIPE: exit status 0" test "$(cat "$T_DIR/rc")" = 0
t_run "--stats" timeout 20 tide-source -b "$BROKERS" -t big -e --stats -o -5
t_status 0
t_stderr_has "records_out 5,"

# --- SIGTERM: flush and exit 0 ---------------------------------------------
tide-source -b "$BROKERS" -t off --idle-timeout 20s >"$T_DIR/sig.out" 2>"$T_DIR/sig.err" &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
t_ok "SIGTERM exits 0" test $? = 0
t_ok "SIGTERM flushed everything" test "$(wc -l <"$T_DIR/sig.out")" = 10

# --- consumer group: a member killed and restarted resumes without gaps ----
G="-X session.timeout.ms=6000 -X heartbeat.interval.ms=500"
seq 1 3000 | timeout 20 kcat -P -b "$BROKERS" -t grp -p -1 2>/dev/null
# First member: kill -9 while it runs (more data keeps arriving).
: >"$T_DIR/g1.out"
tide-source -b "$BROKERS" -t grp -G gkill $G --idle-timeout 30s >"$T_DIR/g1.out" 2>"$T_DIR/g1.err" &
pid=$!
i=0
while [ $i -lt 100 ] && [ "$(wc -l <"$T_DIR/g1.out")" -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
seq 3001 4000 | timeout 20 kcat -P -b "$BROKERS" -t grp -p -1 2>/dev/null
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
seq 4001 5000 | timeout 20 kcat -P -b "$BROKERS" -t grp -p -1 2>/dev/null
# Restarted member, same group: resumes from what was committed.
t_run "-G restart after kill -9" timeout 60 tide-source -b "$BROKERS" -t grp -G gkill $G -e
t_status 0
cat "$T_DIR/g1.out" "$T_OUT" | tr -d '"' | sort -n | uniq >"$T_DIR/g.union"
seq 1 5000 >"$T_DIR/g.want"
t_ok "-G: no gaps after kill -9 and restart" cmp -s "$T_DIR/g.union" "$T_DIR/g.want"
t_ok "-G: the restart did not start over" test "$(wc -l <"$T_OUT")" -lt 5000
t_ok "-G: the first member got the first 3000" test "$(wc -l <"$T_DIR/g1.out")" -ge 3000

# Clean exit commits exactly what was written: -c 7 then the rest.
t_run "-G -c 7" timeout 60 tide-source -b "$BROKERS" -t grp -G gcount $G -c 7
t_status 0
head -7 "$T_OUT" >"$T_DIR/c1"
t_run "-G after -c 7" timeout 60 tide-source -b "$BROKERS" -t grp -G gcount $G -e
t_status 0
cat "$T_DIR/c1" "$T_OUT" | tr -d '"' | sort -n >"$T_DIR/c.all"
t_ok "-G -c: each record exactly once over two runs" cmp -s "$T_DIR/c.all" "$T_DIR/g.want"

# -G -e ends each partition at its high watermark as of its assignment,
# while a producer keeps writing; the rest is left to the next member.
seq 1 200 | timeout 20 kcat -P -b "$BROKERS" -t gend -p -1 2>/dev/null
( i=1001; while [ $i -le 1600 ]; do echo $i; i=$((i + 1)); sleep 0.01; done ) |
	timeout 30 kcat -P -b "$BROKERS" -t gend -p -1 2>/dev/null &
ppid=$!
t_run "-G -e while a producer writes" timeout 60 tide-source -b "$BROKERS" -t gend -G gend $G -e -v
t_status 0
t_ok "-G -e: ended before the producer did" kill -0 $ppid
ends=$(sed -n "s/^tide-source: 'gend' \[[01]\]: -e ends at offset \([0-9]*\)$/\1/p" "$T_ERR")
t_ok "-G -e: an end for each partition" test "$(echo $ends | wc -w)" = 2
t_ok "-G -e: exactly the records up to the ends ($(echo $ends | tr ' ' +))" \
    test "$(wc -l <"$T_OUT")" = "$(($(echo $ends | tr ' ' +)))"
t_ok "-G -e: at least what was there before" test "$(wc -l <"$T_OUT")" -ge 200
cp "$T_OUT" "$T_DIR/gend1"
wait $ppid
t_run "-G -e: the next member reads the rest" timeout 60 tide-source -b "$BROKERS" -t gend -G gend $G -e
t_status 0
cat "$T_DIR/gend1" "$T_OUT" | tr -d '"' | sort -n >"$T_DIR/gend.all"
{ seq 1 200; seq 1001 1600; } >"$T_DIR/gend.want"
t_ok "-G -e: every record exactly once over two members" cmp -s "$T_DIR/gend.all" "$T_DIR/gend.want"
t_run "-G -e: nothing left, ends at once" timeout 60 tide-source -b "$BROKERS" -t gend -G gend $G -e
t_status 0
t_stdout </dev/null

# --- bad input --------------------------------------------------------------
t_run "unknown topic" timeout 20 tide-source -b "$BROKERS" -t no.such.topic -e
t_status 69
t_stderr_has "topic 'no.such.topic' not found"
t_run "unknown partition" timeout 20 tide-source -b "$BROKERS" -t off -p 5 -e
t_status 69
t_stderr_has "topic 'off' has no partition 5"
start=$(date +%s)
t_run "unreachable broker" timeout 20 tide-source -b 127.0.0.1:1 -t x --metadata-timeout 1500ms
t_status 69
t_stderr_has "tide-source: cannot reach brokers at '127.0.0.1:1' within 1500ms"
t_ok "unreachable broker: within the metadata timeout" test $(($(date +%s) - start)) -le 4
t_run "bad --down-timeout" tide-source -b "$BROKERS" -t off --down-timeout soon
t_status 64
t_stderr_has "tide-source: --down-timeout: not a duration: 'soon'"
t_stdout </dev/null
t_run "bad --down-timeout: negative" tide-source -b "$BROKERS" -t off --down-timeout -5s
t_status 64
t_stderr_has "tide-source: --down-timeout: not a duration: '-5s'"
# 0 (never give up) is a duration like any other: a bounded read still ends.
t_run "--down-timeout 0" timeout 20 tide-source -b "$BROKERS" -t off -e --down-timeout 0
t_status 0
t_stderr_empty
t_ok "--down-timeout 0: the whole topic" test "$(wc -l <"$T_OUT")" = 10
t_run "bad -o" tide-source -b "$BROKERS" -t off -o yesterday
t_status 64
t_stderr_has "-o: not an offset: 'yesterday'"
t_run "bad -o number" tide-source -b "$BROKERS" -t off -o 12x
t_status 64
t_run "bad -p" tide-source -b "$BROKERS" -t off -p 1,,2
t_status 64
t_stderr_has "-p: not a partition list"
t_run "bad -p range" tide-source -b "$BROKERS" -t off -p 3-1
t_status 64
t_run "bad --from" tide-source -b "$BROKERS" -t off --from tomorrow-ish
t_status 64
t_stderr_has "--from: not a time"
t_run "--to before --from" tide-source -b "$BROKERS" -t off --from 2000 --to 1000
t_status 64
t_stderr_has "--to is before --from"
t_run "-o and --from" tide-source -b "$BROKERS" -t off -o 1 --from 1000
t_status 64
t_run "-o stored without -G" tide-source -b "$BROKERS" -t off -o stored
t_status 64
t_stderr_has "-o stored needs a group"
t_run "-G with --from" tide-source -b "$BROKERS" -t off -G g --from 1000
t_status 64
t_run "bad -c" tide-source -b "$BROKERS" -t off -c -1
t_status 64
t_run "bad -X" tide-source -b "$BROKERS" -t off -X no.such=1
t_status 64
t_stderr_has "no.such"
t_run "no brokers" env -u TIDE_BROKERS tide-source -t off
t_status 64
t_stderr_has "no brokers"
t_run "TIDE_BROKERS" env TIDE_BROKERS="$BROKERS" timeout 20 tide-source -t off -o -1 -e
t_status 0
printf '"9"\n' | t_stdout
t_run "no topic" tide-source -b "$BROKERS"
t_status 64
t_run "unknown option" tide-source --bogus
t_status 64
t_run "bad --idle-timeout" tide-source -b "$BROKERS" -t off --idle-timeout soon
t_status 64

# --- files --------------------------------------------------------------------
printf '{"a":1}\n{"b":"x"}\r\n\n[1]\nnot json\n{"c":\n{"d":null}' >"$T_DIR/in.ndjson"
t_run "NDJSON file: bad lines reported and skipped" tide-source "$T_DIR/in.ndjson"
t_status 0
t_stdout <<'EOF'
{"a":1}
{"b":"x"}
{"d":null}
EOF
t_stderr_has "line 3: empty line"
t_stderr_has "line 4: not a JSON object"
t_stderr_has "line 5: not valid JSON"
t_run "NDJSON --strict" tide-source --strict "$T_DIR/in.ndjson"
t_status 65
printf '{"a":1}\n{"b":"x"}\n' | t_stdout
t_run "NDJSON --dead-letter" tide-source -q --dead-letter "$T_DIR/dead" "$T_DIR/in.ndjson"
t_status 0
t_ok "dead-letter holds the 4 bad lines" test "$(wc -l <"$T_DIR/dead")" = 4
zstd -q -c "$T_DIR/in.ndjson" >"$T_DIR/in.ndjson.zst"
printf 'name,amount\nx,42\n"y,z",007\n' >"$T_DIR/t.csv"
zstd -q -c "$T_DIR/t.csv" >"$T_DIR/t.csv.zst"
t_run "files: zstd NDJSON, CSV, zstd CSV, stdin" sh -c "printf '{\"s\":1}\n' | tide-source -q '$T_DIR/in.ndjson.zst' '$T_DIR/t.csv' - '$T_DIR/t.csv.zst'"
t_status 0
t_stdout <<'EOF'
{"a":1}
{"b":"x"}
{"d":null}
{"name":"x","amount":42}
{"name":"y,z","amount":"007"}
{"s":1}
{"name":"x","amount":42}
{"name":"y,z","amount":"007"}
EOF
t_run "--format csv on stdin" sh -c "printf 'a\n1\n' | tide-source --format csv -"
printf '{"a":1}\n' | t_stdout
t_run "-c across files" tide-source -q -c 4 "$T_DIR/in.ndjson" "$T_DIR/t.csv"
printf '{"a":1}\n{"b":"x"}\n{"d":null}\n{"name":"x","amount":42}\n' | t_stdout
t_run "--max-record" tide-source --max-record 8 "$T_DIR/in.ndjson"
t_status 0
t_stderr_has "line 2: record longer than 8 bytes"
printf 'a,b\n1\n' >"$T_DIR/short.csv"
t_run "CSV row with the wrong field count" tide-source "$T_DIR/short.csv"
t_status 65	# its one record bad: none good (issue 19 item 2)
t_stderr_has "line 2:"
t_stdout </dev/null
head -c 20 "$T_DIR/in.ndjson.zst" >"$T_DIR/trunc.zst"
t_run "truncated zstd file" tide-source "$T_DIR/trunc.zst"
t_status 65
t_stderr_has "corrupt zstd data"
printf '{"a":1}\n' >"$T_DIR/plain.zst"
t_run "a .zst name holding plain text" tide-source "$T_DIR/plain.zst"
t_status 65
t_stderr_has "plain.zst: corrupt zstd data"
t_stdout </dev/null
cp "$T_DIR/in.ndjson.zst" "$T_DIR/flip.zst"
printf 'XXXX' | dd of="$T_DIR/flip.zst" bs=1 seek=14 conv=notrunc 2>/dev/null
t_run "corrupt zstd block" tide-source "$T_DIR/flip.zst"
t_status 65
t_stderr_has "flip.zst: corrupt zstd data"
printf '{"c":3}\n' | zstd -q -c >"$T_DIR/c.zst"
printf '{"e":4}\n{"f":5}\n' | zstd -q -c >"$T_DIR/e.zst"
cat "$T_DIR/c.zst" "$T_DIR/e.zst" >"$T_DIR/cat.ndjson.zst"
t_run "concatenated zstd frames" tide-source "$T_DIR/cat.ndjson.zst"
t_status 0
printf '{"c":3}\n{"e":4}\n{"f":5}\n' | t_stdout
t_run "zstd CSV on stdin" sh -c "tide-source --format csv - <'$T_DIR/t.csv.zst'"
printf '{"name":"x","amount":42}\n{"name":"y,z","amount":"007"}\n' | t_stdout
# Output is flushed while stdin is quiet, plain or zstd (the second frame
# comes a while after the first).
for z in cat "zstd -q -c"; do
	( printf '{"q":1}\n' | $z; sleep 1.5; printf '{"q":2}\n' | $z ) |
	    tide-source - >"$T_DIR/quiet.out" 2>&1 &
	qpid=$!
	sleep 0.8
	t_ok "quiet stdin ($z): first record out before the second comes" \
	    test "$(cat "$T_DIR/quiet.out")" = '{"q":1}'
	wait $qpid
	t_ok "quiet stdin ($z): both records at the end" \
	    test "$(cat "$T_DIR/quiet.out")" = "$(printf '{"q":1}\n{"q":2}')"
done
# --- the progress line: on a terminal (script(1) gives a pseudo-terminal),
# for bounded reads only; \r is shown as R and ESC as E.
pty() {
	printf '%s\n' "$1" >"$T_DIR/pty.cmd"
	script -qec "sh '$T_DIR/pty.cmd'" /dev/null </dev/null | tr '\r\033' 'RE'
}
i=0
while [ $i -lt 100 ]; do i=$((i + 1)); printf '{"n":"%08d"}\n' $i; done >"$T_DIR/p.ndjson"
t_run "progress: files on a terminal" pty "tide-source '$T_DIR/p.ndjson' >'$T_DIR/p.out'"
t_status 0
t_ok "progress: bytes of the files, records, rates, ETA; cleared at the end" \
    grep -Eqx 'Rtide-source: 1\.7 KiB/1\.7 KiB \(100%\), 64 records, [0-9.]+[kM]? records/s, [0-9.]+ (B|KiB|MiB|GiB)/s, ETA 0sE\[KRE\[K' "$T_OUT"
t_ok "progress: the records still all on stdout" test "$(wc -l <"$T_DIR/p.out")" = 100
t_run "progress: stdin is not counted in bytes" pty "tide-source - <'$T_DIR/p.ndjson' >/dev/null"
t_ok "progress: records and rate without a total" \
    grep -Eqx 'Rtide-source: 64 records, [0-9.]+ (B|KiB), [0-9.]+[kM]? records/s, [0-9.]+ (B|KiB|MiB|GiB)/sE\[KRE\[K' "$T_OUT"
t_run "progress: --no-progress on a terminal" pty "tide-source --no-progress '$T_DIR/p.ndjson' >/dev/null"
t_stdout </dev/null
t_run "progress: -q on a terminal" pty "tide-source -q '$T_DIR/p.ndjson' >/dev/null"
t_stdout </dev/null
t_run "progress: not when stderr is a file" sh -c "tide-source '$T_DIR/p.ndjson' 2>'$T_DIR/p.err' >/dev/null"
t_ok "progress: stderr file empty" test ! -s "$T_DIR/p.err"
t_run "progress: --progress when stderr is a file" sh -c "tide-source --progress '$T_DIR/p.ndjson' 2>'$T_DIR/p.err' >/dev/null"
t_ok "progress: --progress draws it anyway" grep -q "$(printf '\r')tide-source: 1.7 KiB/1.7 KiB (100%)" "$T_DIR/p.err"
t_run "progress: -e on a terminal" pty "timeout 20 tide-source -b '$BROKERS' -t off -e >/dev/null"
t_status 0
t_ok "progress: -e counts records to the end" \
    grep -Eqx '(Rtide-source: [0-9]+/10 records \([0-9]+%\), [0-9.]+k? records/s, ETA [0-9hms?]+E\[K)+RE\[K' "$T_OUT"
t_run "progress: not for an unbounded read" pty "timeout 20 tide-source -b '$BROKERS' -t off --idle-timeout 300ms >/dev/null"
t_status 0
t_stdout </dev/null
t_run "missing file" tide-source "$T_DIR/nope.ndjson"
t_status 74
t_stderr_has "nope.ndjson: No such file or directory"
t_run "files and topics" tide-source -t x "$T_DIR/in.ndjson"
t_status 64
t_run "-J with files" tide-source -J "$T_DIR/in.ndjson"
t_status 64
t_run "bad --format" tide-source --format xml "$T_DIR/in.ndjson"
t_status 64

# --- files: --from/--to by event time (issue 19 item 15) -----------------
# Records out of time order; every one is looked at, and kept when its
# --time (default ts) is in [--from, --to), as jq selects them.
tide-gen transactions --count 500 --step 1m --start 2026-11-01 --late 0.3 --late-by 2h --seed 3 >"$T_DIR/rng.nd"
t_run "files: --from/--to keep the records in the range" tide-source \
    --from 2026-11-01T02:00:00Z --to 2026-11-01T05:00:00Z "$T_DIR/rng.nd"
t_status 0
t_stderr_empty
jq -c 'select(.ts >= 1793498400000 and .ts < 1793509200000)' "$T_DIR/rng.nd" >"$T_DIR/rng.want"
t_stdout_file "$T_DIR/rng.want"
t_ok "files: the range holds records" test "$(wc -l <"$T_DIR/rng.want")" -gt 100
t_ok "files: some are out of time order" sh -c \
    "jq -s '[range(1; length) as \$i | select(.[\$i].ts < .[\$i - 1].ts)] | length' '$T_DIR/rng.nd' | grep -qv '^0\$'"
jq -c '{at: .ts, account}' "$T_DIR/rng.nd" | zstd -q >"$T_DIR/rng.nd.zst"
zstdcat "$T_DIR/rng.nd.zst" | jq -c 'select(.at >= 1793498400000 and .at < 1793509200000)' >"$T_DIR/rng.at"
t_run "files: --time names the field (zstd)" tide-source --time at \
    --from 2026-11-01T02:00:00Z --to 2026-11-01T05:00:00Z "$T_DIR/rng.nd.zst"
t_status 0
t_stdout_file "$T_DIR/rng.at"
printf 'ts,k\n1793491200000,a\n1793577600000,b\n1793491260000,c\n' >"$T_DIR/rng.csv"
t_run "files: CSV, --to alone" tide-source --to 2026-11-02 "$T_DIR/rng.csv"
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"k":"a"}
{"ts":1793491260000,"k":"c"}
EOF
printf '%s\n' '{"ts":"2026-11-01T00:00:00Z","a":1}' '{"a":2}' '{"ts":"x","a":3}' \
    '{"ts":"2026-11-02T00:00:00Z","a":4}' '[5]' >"$T_DIR/rng.bad"
t_run "files: a record without the time is bad" tide-source --from 2026-11-01 --to 2026-11-02 "$T_DIR/rng.bad"
t_status 0
t_stdout <<'EOF'
{"ts":"2026-11-01T00:00:00Z","a":1}
EOF
t_stderr_has "tide-source: $T_DIR/rng.bad: line 2: no time field 'ts'"
t_stderr_has "tide-source: $T_DIR/rng.bad: line 3: field 'ts' is not a time: \"x\""
t_stderr_has "tide-source: $T_DIR/rng.bad: line 5: not a JSON object"
t_stderr_has "tide-source: 3 bad records skipped"
printf 'ts,k\n1793491200000,"a\nb"\nxx,c\n1793491260000,d\n,e\n' >"$T_DIR/rng2.csv"
t_run "files: CSV: a bad time's line is its row's" tide-source --to 2026-11-02 "$T_DIR/rng2.csv"
t_status 0
t_stdout <<'EOF'
{"ts":1793491200000,"k":"a\nb"}
{"ts":1793491260000,"k":"d"}
EOF
t_stderr_has "tide-source: $T_DIR/rng2.csv: line 4: field 'ts' is not a time: \"xx\""
t_stderr_has "tide-source: $T_DIR/rng2.csv: line 6: field 'ts' is not a time: \"\""
t_run "files: a range that selects nothing says so" tide-source --from 2027-01-01 "$T_DIR/rng.csv"
t_status 0
t_stdout </dev/null
t_stderr_has "tide-source: no records in the range: 3 outside it"
t_run "files: --to before --from" tide-source --from 2026-11-02 --to 2026-11-01 "$T_DIR/rng.csv"
t_status 64
t_stderr_has "tide-source: --to is before --from"
t_run "files: --time without a range" tide-source --time at "$T_DIR/rng.csv"
t_status 64
t_stderr_has "tide-source: --time goes with --from or --to"
t_run "files: --time with a topic" tide-source -b "$BROKERS" -t off --time at --from 2026-11-01 -e
t_status 64
t_stderr_has "tide-source: --time applies to files: a topic's --from and --to are by message timestamp"
t_run "files: --time, a bad path" tide-source --time 'a..b' --from 2026-11-01 "$T_DIR/rng.csv"
t_status 64
t_stderr_has "tide-source: --time: bad field path 'a..b'"

t_done
