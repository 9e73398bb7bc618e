#!/bin/sh
# tide-sink materialized views: SQLite and Redis, checked with the sqlite3
# shell and redis-cli, not with our own code.
. "$(dirname "$0")/../lib.sh"
t_skip_unless sqlite3

DB=$T_DIR/v.db
q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }

# --- SQLite: the last record per key ---------------------------------------
cat >"$T_DIR/upd" <<'EOF'
{"id":"a","n":1,"x":1.5,"tag":"old"}
{"id":"b","n":2,"x":2.5,"o":{"k":[1,2]}}
{"n":3}
{"id":"a","n":4,"x":-0.5}
not json
{"id":null,"n":5}
{"id":"c","n":6,"tag":"caf\u00e9"}
{"id":"b","n":7,"x":7}
EOF
T_IN=$T_DIR/upd
t_run "sqlite upserts" tide-sink --sqlite "$DB" --table feat --upsert id --batch 2
t_status 0
t_stderr_has "tide-sink: line 3: key field 'id' is missing"
t_stderr_has "tide-sink: line 5: not valid JSON"
t_stderr_has "tide-sink: line 6: key field 'id' is null"
t_stderr_has "3 bad records skipped"
t_run "sqlite: last record per key" q "SELECT id, n, x, tag, record FROM feat ORDER BY id"
t_stdout <<'EOF'
a|4|-0.5||{"id":"a","n":4,"x":-0.5}
b|7|7.0||{"id":"b","n":7,"x":7}
c|6||café|{"id":"c","n":6,"tag":"caf\u00e9"}
EOF
t_run "sqlite: schema from the first record" q "SELECT name || ' ' || type || ' ' || pk FROM pragma_table_info('feat')"
t_stdout <<'EOF'
id TEXT 1
n INTEGER 0
x REAL 0
tag TEXT 0
record TEXT 0
EOF
t_run "sqlite: WAL mode" q "PRAGMA journal_mode"
t_stdout <<'EOF'
wal
EOF

# The same stream again converges to the same view.
T_IN=$T_DIR/upd
t_run "sqlite: replay" tide-sink -q --sqlite "$DB" --table feat --upsert id
t_status 0
t_run "sqlite: replay gives the same view" q "SELECT id, n FROM feat ORDER BY id"
t_stdout <<'EOF'
a|4
b|7
c|6
EOF

# Bad input policy: dead letters, --strict.
T_IN=$T_DIR/upd
t_run "sqlite: dead letters" tide-sink -q --sqlite "$T_DIR/d.db" --table t --upsert id --dead-letter "$T_DIR/dead"
t_status 0
t_run "sqlite: dead-letter lines" jq -c '[.line, .error]' "$T_DIR/dead"
t_stdout <<'EOF'
[3,"key field 'id' is missing"]
[5,"not valid JSON: bad literal at byte 0"]
[6,"key field 'id' is null"]
EOF
t_run "sqlite: --strict" tide-sink --sqlite "$T_DIR/s.db" --table t --upsert id --strict
t_status 65
t_stderr_has "line 3: key field 'id' is missing"
t_run "sqlite: --strict keeps the good records before" sqlite3 "$T_DIR/s.db" "SELECT id, n FROM t ORDER BY id"
t_stdout <<'EOF'
a|1
b|2
EOF
printf '{"id":{"x":1}}\n[1,2]\n{"id":[1]}\n' >"$T_DIR/badkeys"
T_IN=$T_DIR/badkeys
t_run "sqlite: object, array keys and non-objects" tide-sink --sqlite "$T_DIR/b.db" --table t --upsert id
t_status 0
t_stderr_has "line 1: key field 'id' is an object"
t_stderr_has "line 2: not a JSON object"
t_stderr_has "line 3: key field 'id' is an array"

# Several keys, given columns.
printf '%s\n' '{"acct":1,"m":"x","v":1,"w":9}' '{"acct":1,"m":"y","v":2}' \
    '{"acct":1,"m":"x","v":3}' >"$T_DIR/multi"
T_IN=$T_DIR/multi
t_run "sqlite: two keys, --columns" tide-sink --sqlite "$T_DIR/m.db" --table t --upsert acct,m --columns v
t_status 0
t_run "sqlite: two keys, --columns: rows" sqlite3 "$T_DIR/m.db" "SELECT * FROM t ORDER BY m"
t_stdout <<'EOF'
1|x|3|{"acct":1,"m":"x","v":3}
1|y|2|{"acct":1,"m":"y","v":2}
EOF
T_IN=$T_DIR/multi
t_run "sqlite: another key on an existing table" tide-sink --sqlite "$T_DIR/m.db" --table t --upsert m
t_status 1
t_stderr_has "table 't' exists with another primary key"

# --- TTL and history ---------------------------------------------------------
cat >"$T_DIR/timed" <<'EOF'
{"id":"a","ts":"2026-11-01T00:00:00Z","v":1}
{"id":"b","ts":"2026-11-01T00:00:30Z","v":2}
{"id":"a","ts":"2026-11-01T00:01:00Z","v":3}
{"id":"c","ts":"2026-11-01T00:00:10Z","v":4}
{"id":"d","ts":"2026-11-01T00:02:00Z","v":5}
{"id":"e","v":6}
{"id":"f","ts":"later","v":7}
EOF
T_IN=$T_DIR/timed
t_run "sqlite --ttl" tide-sink --sqlite "$T_DIR/ttl.db" --table t --upsert id --time ts --ttl 90s
t_status 0
t_stderr_has "line 6: time field 'ts' is missing"
t_stderr_has "line 7: time field 'ts' is not a time"
# Newest 00:02:00, ttl 90s: c (00:00:10) goes, b (00:00:30) is on the edge.
t_run "sqlite --ttl: rows older than max - ttl are gone" sqlite3 "$T_DIR/ttl.db" "SELECT id, v, tide_time FROM t ORDER BY id"
t_stdout <<'EOF'
a|3|1793491260000
b|2|1793491230000
d|5|1793491320000
EOF
T_IN=$T_DIR/timed
t_run "sqlite --history" tide-sink -q --sqlite "$T_DIR/h.db" --table t --upsert id --time ts --history
t_status 0
t_run "sqlite --history: every version" sqlite3 "$T_DIR/h.db" "SELECT id, tide_time, v FROM t ORDER BY id, tide_time"
t_stdout <<'EOF'
a|1793491200000|1
a|1793491260000|3
b|1793491230000|2
c|1793491210000|4
d|1793491320000|5
EOF
t_run "sqlite --history: as of a time" sqlite3 "$T_DIR/h.db" "SELECT v FROM t WHERE id = 'a' AND tide_time <= 1793491259999 ORDER BY tide_time DESC LIMIT 1"
t_stdout <<'EOF'
1
EOF

# --- Usage -------------------------------------------------------------------
t_run "usage: --sqlite without --table" tide-sink --sqlite x.db --upsert id
t_status 64
t_stderr_has "--sqlite needs --table name"
t_run "usage: --sqlite without --upsert" tide-sink --sqlite x.db --table t
t_status 64
t_stderr_has "--sqlite needs --upsert"
t_run "usage: --history without --time" tide-sink --sqlite x.db --table t --upsert id --history
t_status 64
t_stderr_has "--history needs --time field"
t_run "usage: --ttl without --time" tide-sink --sqlite x.db --table t --upsert id --ttl 1m
t_status 64
t_run "usage: --prefix with --sqlite" tide-sink --sqlite x.db --table t --upsert id --prefix p
t_status 64
t_stderr_has "--prefix and --as-json are for --redis"
t_run "usage: --upsert without a view" tide-sink -o - --upsert id
t_status 64
t_run "usage: two sinks" tide-sink --sqlite x.db --table t --upsert id --redis redis://h
t_status 64
t_run "usage: --batch 0" tide-sink --sqlite x.db --table t --upsert id --batch 0
t_status 64
t_run "usage: bad --redis url" tide-sink --redis http://h --upsert id
t_status 64
t_run "usage: --upsert ," tide-sink --sqlite x.db --table t --upsert ,
t_status 64
t_ok "usage errors create no database" test ! -e x.db
t_run "sqlite: unwritable file" tide-sink --sqlite /nonexistent/dir/v.db --table t --upsert id
t_status 74
t_stderr_has "cannot open '/nonexistent/dir/v.db'"

# --- kill -9 in the middle of a batch, restart: same final view --------------
# The expected view is the last line per key, worked out by awk.
awk 'BEGIN { for (i = 0; i < 300000; i++)
	printf "{\"k\":\"k%d\",\"seq\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n", i % 700, i }' >"$T_DIR/big"
awk -F'"' '{ last[$4] = $0 } END { for (k in last) print last[k] }' "$T_DIR/big" |
    sed 's/^{"k":"\([^"]*\)","seq":\([0-9]*\),.*/\1|\2/' | LC_ALL=C sort -t '|' -k1,1 >"$T_DIR/ref.dump"
tide-sink -q --sqlite "$T_DIR/crash.db" --table t --upsert k --batch 500 <"$T_DIR/big" &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
# Whatever survived is whole batches: the newest record is the last of one.
last=$(sqlite3 "$T_DIR/crash.db" "SELECT coalesce(max(seq), -1) FROM t" 2>/dev/null || echo -1)
t_ok "kill -9: the view holds whole batches (last seq $last)" \
    test $(( (last + 1) % 500 )) = 0
t_ok "kill -9: database intact" sh -c "[ \"\$(sqlite3 '$T_DIR/crash.db' 'PRAGMA integrity_check' 2>&1)\" = ok ] || [ ! -s '$T_DIR/crash.db' ]"
tide-sink -q --sqlite "$T_DIR/crash.db" --table t --upsert k --batch 500 <"$T_DIR/big"
t_run "kill -9, restart: the same view" sqlite3 "$T_DIR/crash.db" "SELECT k, seq FROM t ORDER BY k"
t_stdout_file "$T_DIR/ref.dump"
t_ok "kill -9, restart: 700 keys" test "$(wc -l <"$T_DIR/ref.dump")" = 700

# --- A reader during a write burst sees whole batches, never an error -------
# Generation g writes every one of 200 keys with gen = g; a batch is one
# generation, so any snapshot holds a single generation.
awk 'BEGIN { for (g = 0; g < 150; g++) for (k = 0; k < 200; k++)
	printf "{\"k\":%d,\"gen\":%d}\n", k, g }' >"$T_DIR/gens"
# The first generation creates the table; the burst is the rest.
head -200 "$T_DIR/gens" | tide-sink -q --sqlite "$T_DIR/r.db" --table t --upsert k
tail -n +201 "$T_DIR/gens" >"$T_DIR/gens.rest"
tide-sink -q --sqlite "$T_DIR/r.db" --table t --upsert k --batch 200 <"$T_DIR/gens.rest" &
pid=$!
: >"$T_DIR/seen"
while kill -0 $pid 2>/dev/null; do
	sqlite3 -cmd '.timeout 5000' "$T_DIR/r.db" \
	    "SELECT count(DISTINCT gen) || ' ' || count(*) FROM t" >>"$T_DIR/seen" 2>&1 ||
		echo "status $?" >>"$T_DIR/seen"
done
wait $pid
t_ok "reader: the sink finished" test $? = 0
t_ok "reader: looked at least twice ($(wc -l <"$T_DIR/seen"))" test "$(wc -l <"$T_DIR/seen")" -ge 2
t_run "reader: every snapshot is one whole generation" sh -c \
    "grep -v -x -e '1 200' '$T_DIR/seen' | sort | uniq -c"
t_stdout </dev/null
t_run "reader: final generation" sqlite3 "$T_DIR/r.db" "SELECT min(gen), max(gen), count(*) FROM t"
t_stdout <<'EOF'
149|149|200
EOF

# --- Redis ---------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
	echo "skip - $T_SCRIPT: redis-server not installed: Redis cases skipped"
	t_done
fi
mkdir "$T_DIR/redis"
for try in 1 2 3 4 5; do
	RPORT=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 40000) }')
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
	    --dir "$T_DIR/redis" >"$T_DIR/redis/log" 2>&1 &
	RPID=$!
	T_CLEANUP="kill $RPID 2>/dev/null; wait $RPID 2>/dev/null; $T_CLEANUP"
	i=0
	while [ $i -lt 50 ] && ! redis-cli -p "$RPORT" PING >/dev/null 2>&1; do
		kill -0 $RPID 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	redis-cli -p "$RPORT" PING >/dev/null 2>&1 && break
done
R="redis-cli -p $RPORT"
URL=redis://127.0.0.1:$RPORT

T_IN=$T_DIR/upd
t_run "redis upserts" tide-sink --redis "$URL" --upsert id --prefix f: --batch 2
t_status 0
t_stderr_has "line 3: key field 'id' is missing"
t_stderr_has "line 6: key field 'id' is null"
t_run "redis: keys" sh -c "$R --scan --pattern 'f:*' | sort"
t_stdout <<'EOF'
f:a
f:b
f:c
EOF
t_run "redis: last record per key, replaced not merged" sh -c "$R HGETALL f:a; $R HGETALL f:b; $R HGET f:c tag"
t_stdout <<'EOF'
id
a
n
4
x
-0.5
id
b
n
7
x
7
café
EOF
t_run "redis: no expiry by default" $R TTL f:a
t_stdout <<'EOF'
-1
EOF
T_IN=$T_DIR/upd
t_run "redis --as-json --ttl" tide-sink -q --redis "$URL/1" --upsert id --as-json --ttl 1h
t_status 0
t_run "redis --as-json: the records as written" sh -c "$R -n 1 GET a; $R -n 1 GET c"
t_stdout <<'EOF'
{"id":"a","n":4,"x":-0.5}
{"id":"c","n":6,"tag":"caf\u00e9"}
EOF
t_run "redis --ttl: set" sh -c "t=\$($R -n 1 PTTL b); [ \$t -gt 3500000 ] && [ \$t -le 3600000 ] && echo ok"
t_stdout <<'EOF'
ok
EOF
printf '{"id":"z","v":1}\n' >"$T_DIR/one"
T_IN=$T_DIR/one
t_run "redis --ttl expires" tide-sink --redis "$URL/2" --upsert id --ttl 200ms
t_status 0
t_ok "redis --ttl: there at first" test "$($R -n 2 EXISTS z)" = 1
sleep 0.5
t_run "redis --ttl: gone after" $R -n 2 EXISTS z
t_stdout <<'EOF'
0
EOF
T_IN=$T_DIR/upd
t_run "redis --strict" tide-sink --redis "$URL/3" --upsert id --strict
t_status 65
t_run "redis --strict: good records before are there" sh -c "$R -n 3 --scan | sort"
t_stdout <<'EOF'
a
b
EOF
t_run "redis: unreachable" tide-sink --redis redis://127.0.0.1:1 --upsert id
t_status 69
t_stderr_has "cannot connect"
t_run "redis: bad db" tide-sink --redis "$URL/99999" --upsert id
t_status 69
t_stderr_has "SELECT 99999"
t_done
