#!/bin/sh
# Materialized views: upserts/s of tide-sink into SQLite and into Redis
# (1M records over 100k keys; targets >= 200k/s each), against a peer doing
# the same upserts (the sqlite3 shell: .import, then one INSERT ... ON
# CONFLICT DO UPDATE from json_extract; redis-cli --pipe fed the same
# MULTI/DEL/HSET/EXEC commands); and point-lookup latency p50/p99 seen by a
# separate reader process while the sink writes (target p99 < 1 ms), flat
# out and at $PACE records/s.
#
# The reader is what a model server would run: its own connection, one
# prepared SELECT record ... WHERE key = ? (libsqlite3) or one HGETALL
# (hiredis) per lookup, each timed; not our library.
#
# Wall-clock is noisy on a shared machine, so each line gives the best of
# $B_REPEAT runs by CPU time (user+sys) and the rate by both; Redis lines
# add the server's CPU (INFO cpu), which is where a Redis upsert's cost is.
# VIEWS_CALLGRIND=1 adds instruction counts (valgrind, 200k records, or
# $VIEWS_CG_N for Redis);
# VIEWS_ONLY=redis or VIEWS_ONLY=sqlite runs one half.
#
# Redis lookups while writing flat out are timed beside redis-cli --pipe
# writing the same records flat out, as MULTI/EXEC of $CHUNK records (what
# tide-sink sends: a transaction per record would do too, but not fewer),
# of 1000 (one transaction per batch, as tide-sink did before), and with
# no MULTI at all (not atomic per record: the floor), $VIEWS_ROUNDS rounds
# taken in turn, so that whether p99 < 1 ms is reachable at all with a
# writer, the server and a reader on this machine is measured in the same
# run.  A reader stops when its writer ends, so every lookup timed is one
# made while the writer writes.
#
# tide-sink also writes under chrt --idle 0 (SCHED_IDLE: any other task
# that wakes takes the CPU from it at once), the way tide-sink(1) says to
# run a writer that shares its machine with readers: on 2 CPUs, a reader's
# reply that finds the writer running on the other CPU otherwise waits
# for the writer's time slice to end (EEVDF: up to 0.75 ms x (1 + log2
# CPUs)), and that wait, not Redis, made most of the p99.
. "$(dirname "$0")/lib.sh"
N=${VIEWS_N:-1000000}
K=${VIEWS_KEYS:-100000}
LOOKUPS=${VIEWS_LOOKUPS:-50000}	# at most, per reader
PACE=${VIEWS_PACE:-50000}		# records/s of the paced writer
RPACE=${VIEWS_RPACE:-50000 200000}	# the same for Redis: a few
CHUNK=${VIEWS_CHUNK:-32}		# TIDE_REDISVIEW_CHUNK, for the peer
ROUNDS=${VIEWS_ROUNDS:-3}
ONLY=${VIEWS_ONLY:-}
# VIEWS_SINKS="LABEL=PATH ...": other tide-sink builds (a baseline, other
# TIDE_REDISVIEW_CHUNK values) timed beside this one, Redis only.
SINKS=${VIEWS_SINKS:-}

# Keys in a cycle ((i * 7919) mod K: every key once per K records), so a
# batch never holds the same key twice: no upsert is saved by merging.
gen() {
	awk -v n="$1" -v k="$K" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"account\":\"a%06d\",\"ts\":%d,\"count\":%d,\"sum_amount\":%d.25,\"max_amount\":%d.5,\"segment\":\"gold\"}\n",
	    (i * 7919) % k, 1793491200000 + i, i % 100, i % 100000, i % 977 }'
}
gen "$N" >"$B_DIR/in"
B_IN=$B_DIR/in
# Hot keys (the same records over 1000 keys): a batch's repeated keys
# are written once.
awk -v k=1000 'BEGIN { srand(3) } { sub(/"account":"a[0-9]*"/, sprintf("\"account\":\"a%06d\"", int(rand() * k))); print }' \
    "$B_IN" >"$B_DIR/hot"

cat >"$B_DIR/reader.c" <<'EOF'
/* reader sqlite FILE | redis PORT; KEYS N [PID]: N random point lookups by
 * primary key, each timed, or fewer if process PID (the writer) ends first;
 * prints p50, p99 and max in microseconds. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <hiredis.h>
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
	int sql = strcmp(argv[1], "sqlite") == 0, keys = atoi(argv[3]), n = atoi(argv[4]), i, found = 0;
	int writer = argc > 5 ? atoi(argv[5]) : 0;
	double *lat = malloc(sizeof(double) * (size_t)n), t0;
	sqlite3 *db = NULL; sqlite3_stmt *st = NULL; redisContext *rc = NULL; redisReply *rep;
	char kb[32];
	if (sql) {
		if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		    sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "SELECT record FROM feat WHERE account = ?1", -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "reader: %s\n", sqlite3_errmsg(db)); return 1; }
	} else if ((rc = redisConnect("127.0.0.1", atoi(argv[2]))) == NULL || rc->err) {
		fprintf(stderr, "reader: cannot connect\n"); return 1; }
	srand(42);
	for (i = 0; i < n; i++) {
		int k = rand() % keys;
		if (writer > 0 && i % 64 == 0 && kill(writer, 0) != 0) { n = i; break; }
		t0 = now_us();
		if (sql) {
			snprintf(kb, sizeof kb, "a%06d", k);
			sqlite3_bind_text(st, 1, kb, -1, SQLITE_STATIC);
			int r = sqlite3_step(st);
			if (r == SQLITE_ROW) found += sqlite3_column_bytes(st, 0) > 0;
			else if (r != SQLITE_DONE) { fprintf(stderr, "reader: %s\n", sqlite3_errmsg(db)); return 1; }
			sqlite3_reset(st);
		} else {
			rep = redisCommand(rc, "HGETALL f:a%06d", k);
			if (rep == NULL || rep->type == REDIS_REPLY_ERROR) { fprintf(stderr, "reader: redis error\n"); return 1; }
			found += rep->elements > 0;
			freeReplyObject(rep);
		}
		lat[i] = now_us() - t0;
	}
	if (n < 100) { fprintf(stderr, "reader: only %d lookups\n", n); return 1; }
	qsort(lat, (size_t)n, sizeof(double), cmp);
	printf("%d lookups (%d found): p50 %.0f us, p99 %.0f us, max %.0f us\n", n, found, lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	return 0;
}
EOF
cc -O2 $(pkg-config --cflags hiredis) -o "$B_DIR/reader" "$B_DIR/reader.c" \
    $(pkg-config --libs sqlite3 hiredis) ||
	{ echo "views: cannot build the reader"; exit 1; }

# cpu_run NAME CMD...: best of $B_REPEAT by CPU (user+sys); with $SCPU set
# (a command printing the server's CPU seconds), the server's share too.
cpu_run() {
	_name=$1
	shift
	_best= _bw= _bs=
	for _i in $(seq "${B_REPEAT:-3}"); do
		[ -n "${PRE:-}" ] && eval "$PRE"
		_s0=$( [ -n "${SCPU:-}" ] && eval "$SCPU" || echo 0)
		/usr/bin/time -f '%e %U %S' -o "$B_DIR/.time" "$@" <"$B_IN" >/dev/null 2>"$B_DIR/.err" ||
			{ echo "$_name: failed: $(tail -3 "$B_DIR/.err")"; return 1; }
		_s1=$( [ -n "${SCPU:-}" ] && eval "$SCPU" || echo 0)
		read -r _w _u _y <"$B_DIR/.time"
		_c=$(awk "BEGIN{print $_u + $_y}")
		if [ -z "$_best" ] || awk "BEGIN{exit !($_c < $_best)}"; then
			_best=$_c _bw=$_w _bs=$(awk "BEGIN{print $_s1 - $_s0}")
		fi
	done
	eval "CPU_$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')=$_best"
	printf '%-26s cpu %6.2f s %8.0f/s  wall %6.2f s %8.0f/s' "$_name" "$_best" \
	    "$(awk "BEGIN{print $N / ($_best > 0.001 ? $_best : 0.001)}")" "$_bw" \
	    "$(awk "BEGIN{print $N / ($_bw > 0.001 ? $_bw : 0.001)}")"
	[ -n "${SCPU:-}" ] && printf '  server cpu %5.2f s' "$_bs"
	echo
}

cpu_ratio() {
	_a=$(eval "echo \$CPU_$(echo "$1" | tr -c 'A-Za-z0-9\n' '_')")
	_b=$(eval "echo \$CPU_$(echo "$2" | tr -c 'A-Za-z0-9\n' '_')")
	awk "BEGIN{printf \"%-40s %.2fx (CPU)\n\", \"$2 / $1\", $_b / $_a}"
}

echo "$N records over $K keys; $(uptime)"

# --- SQLite -----------------------------------------------------------------
DB=$B_DIR/v.db
if [ "$ONLY" != redis ]; then
cat >"$B_DIR/peer.sql" <<EOF
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-65536;
CREATE TABLE feat(account TEXT NOT NULL, ts INTEGER, count INTEGER, sum_amount REAL, max_amount REAL, segment TEXT, record TEXT NOT NULL, PRIMARY KEY(account));
CREATE TEMP TABLE raw(line TEXT);
.mode ascii
.separator "\037" "\n"
.import $B_IN raw
INSERT INTO feat SELECT json_extract(line,'\$.account'), json_extract(line,'\$.ts'), json_extract(line,'\$.count'), json_extract(line,'\$.sum_amount'), json_extract(line,'\$.max_amount'), json_extract(line,'\$.segment'), line FROM raw WHERE true
 ON CONFLICT(account) DO UPDATE SET ts=excluded.ts, count=excluded.count, sum_amount=excluded.sum_amount, max_amount=excluded.max_amount, segment=excluded.segment, record=excluded.record;
EOF
PRE="rm -f '$DB' '$DB-wal' '$DB-shm'"
cpu_run "sqlite" tide-sink -q --sqlite "$DB" --table feat --upsert account
cpu_run "sqlite --batch 1000" tide-sink -q --sqlite "$DB" --table feat --upsert account --batch 1000
cpu_run "sqlite --batch $N" tide-sink -q --sqlite "$DB" --table feat --upsert account --batch "$N"
cpu_run "sqlite3 shell upsert" sh -c "sqlite3 '$DB' <'$B_DIR/peer.sql'"
cpu_ratio "sqlite" "sqlite3 shell upsert"
cpu_ratio "sqlite --batch $N" "sqlite3 shell upsert"
# The peer is also an oracle: the same rows.
sqlite3 "$DB" "SELECT * FROM feat ORDER BY account" >"$B_DIR/peer.rows"
rm -f "$DB" "$DB-wal" "$DB-shm"
tide-sink -q --sqlite "$DB" --table feat --upsert account <"$B_IN"
sqlite3 "$DB" "SELECT * FROM feat ORDER BY account" | cmp -s - "$B_DIR/peer.rows" ||
	echo "sqlite: the view differs from the sqlite3 shell's"
B_IN=$B_DIR/hot
cpu_run "sqlite, 1000 hot keys" tide-sink -q --sqlite "$DB" --table feat --upsert account
B_IN=$B_DIR/in
PRE=

if [ -n "${VIEWS_CALLGRIND:-}" ]; then
	gen 200000 >"$B_DIR/in200k"
	# cg NAME STDIN CMD...
	cg() {
		_n=$1 _in=$2
		shift 2
		rm -f "$DB" "$DB-wal" "$DB-shm"
		printf '%-26s %s instructions (200k records)\n' "$_n" "$(valgrind --tool=callgrind \
		    --callgrind-out-file=/dev/null "$@" <"$_in" 2>&1 >/dev/null |
		    sed -n 's/.*Collected : //p')"
	}
	cg "sqlite" "$B_DIR/in200k" tide-sink -q --sqlite "$DB" --table feat --upsert account
	sed "s#^.import .*#.import $B_DIR/in200k raw#" "$B_DIR/peer.sql" >"$B_DIR/peer200k.sql"
	cg "sqlite3 shell upsert" "$B_DIR/peer200k.sql" sqlite3 "$DB"
fi

# Lookups while the sink writes: the table holds every key first (the
# last run above left 1000), so that each lookup finds its row.
rm -f "$DB" "$DB-wal" "$DB-shm"
tide-sink -q --sqlite "$DB" --table feat --upsert account <"$B_IN"
tide-sink -q --sqlite "$DB" --table feat --upsert account <"$B_IN" &
spid=$!
sleep 0.3
printf '%-26s ' "sqlite lookups, writing"
"$B_DIR/reader" sqlite "$DB" "$K" "$LOOKUPS" $spid
wait $spid
# At a stream's pace rather than flat out (the sink commits whenever its
# input pauses, as it would behind tide-source).  tide-replay reads plain
# NDJSON only with --time; without it every line was a bad envelope, the
# sink got nothing, and the "paced" lookups were idle ones.
tide-replay --time ts --rate "$PACE/s" "$B_IN" 2>/dev/null |
	tide-sink -q --sqlite "$DB" --table feat --upsert account &
spid=$!
sleep 0.3
printf '%-26s ' "sqlite lookups, $PACE/s"
"$B_DIR/reader" sqlite "$DB" "$K" "$LOOKUPS"
kill $spid 2>/dev/null
wait $spid 2>/dev/null
printf '%-26s ' "sqlite lookups, idle"
"$B_DIR/reader" sqlite "$DB" "$K" "$LOOKUPS"
fi

# --- Redis ------------------------------------------------------------------
[ "$ONLY" = sqlite ] && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
	echo "redis-server not installed: Redis skipped"
	exit 0
fi
RPORT=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 40000) }')
mkdir "$B_DIR/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$B_DIR/redis" >/dev/null 2>&1 &
RPID=$!
B_CLEANUP="kill $RPID 2>/dev/null; wait $RPID 2>/dev/null"
i=0
while [ $i -lt 50 ] && ! redis-cli -p "$RPORT" PING >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
URL=redis://127.0.0.1:$RPORT
# The peer's commands, in the protocol, from the same records (flat ones):
# resp B FILE writes MULTI/EXEC around every B records, none with B = 0.
resp() {
	LC_ALL=C awk -v B="$1" '
function cmd(n, a,   i, s) { s = "*" n "\r\n"; for (i = 1; i <= n; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"; printf "%s", s }
BEGIN { m[1] = "MULTI"; e[1] = "EXEC" }
{ line = $0; gsub(/[{}"]/, "", line); np = split(line, kv, /[:,]/)
  if (B > 0 && (NR - 1) % B == 0) { if (NR > 1) cmd(1, e); cmd(1, m) }
  d[1] = "DEL"; d[2] = "f:" kv[2]; cmd(2, d)
  h[1] = "HSET"; h[2] = "f:" kv[2]; n = 2; for (i = 1; i <= np; i++) h[++n] = kv[i]; cmd(n, h) }
END { if (B > 0) cmd(1, e) }' "$B_IN" >"$2"
}
resp "$CHUNK" "$B_DIR/peer.resp"
resp 1000 "$B_DIR/peer1000.resp"
resp 0 "$B_DIR/peer0.resp"
SCPU="redis-cli -p $RPORT INFO cpu | awk -F: '/used_cpu_(user|sys):/ { s += \$2 } END { print s }'"
PRE="redis-cli -p $RPORT FLUSHALL >/dev/null"
cpu_run "redis hash" tide-sink -q --redis "$URL" --upsert account --prefix f:
cpu_run "redis hash --batch 10000" tide-sink -q --redis "$URL" --upsert account --prefix f: --batch 10000
cpu_run "redis --as-json" tide-sink -q --redis "$URL" --upsert account --prefix f: --as-json
IDLE=
chrt --idle 0 true 2>/dev/null && IDLE="chrt --idle 0"
[ -n "$IDLE" ] &&
	cpu_run "redis hash, $IDLE" $IDLE tide-sink -q --redis "$URL" --upsert account --prefix f:
for b in $SINKS; do
	cpu_run "redis hash ${b%%=*}" "${b#*=}" -q --redis "$URL" --upsert account --prefix f:
done
cpu_run "redis-cli --pipe" sh -c "exec redis-cli -p $RPORT --pipe <'$B_DIR/peer.resp'"
cpu_run "redis-cli --pipe, 1000/MULTI" sh -c "exec redis-cli -p $RPORT --pipe <'$B_DIR/peer1000.resp'"
cpu_ratio "redis hash" "redis-cli --pipe"
if [ -n "${VIEWS_CALLGRIND:-}" ]; then
	# The server's instructions for 200k records from each writer (a
	# redis-server of its own under callgrind, its cron at 1 Hz, so that
	# the count does not grow with valgrind's wall time), and the
	# writer's; "nothing" is the server's own start and stop.
	gen "${VIEWS_CG_N:-200000}" >"$B_DIR/in200k"
	_in=$B_IN
	B_IN=$B_DIR/in200k
	resp "$CHUNK" "$B_DIR/peer200k.resp"
	resp 1000 "$B_DIR/peer200k1000.resp"
	B_IN=$_in
	# cgr NAME STDIN CMD... (CMD's port: $CGPORT)
	cgr() {
		_n=$1 _i=$2
		shift 2
		CGPORT=$((RPORT + 1))
		valgrind --tool=callgrind --callgrind-out-file=/dev/null redis-server \
		    --port $CGPORT --bind 127.0.0.1 --save '' --appendonly no --hz 1 \
		    --dir "$B_DIR/redis" >/dev/null 2>"$B_DIR/.cgs" &
		_p=$!
		_j=0
		while [ $_j -lt 200 ] && ! redis-cli -p $CGPORT PING >/dev/null 2>&1; do
			sleep 0.1
			_j=$((_j + 1))
		done
		_c=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" <"$_i" 2>&1 >/dev/null |
		    sed -n 's/.*Collected : //p')
		redis-cli -p $CGPORT SHUTDOWN NOSAVE >/dev/null 2>&1
		wait $_p
		printf '%-30s server %s, writer %s instructions (%s records)\n' "$_n" \
		    "$(sed -n 's/.*Collected : //p' "$B_DIR/.cgs")" "$_c" "${VIEWS_CG_N:-200000}"
	}
	cgr "nothing" /dev/null tide-sink -q --redis "redis://127.0.0.1:$((RPORT + 1))" \
	    --upsert account --prefix f:
	cgr "redis hash" "$B_DIR/in200k" tide-sink -q --redis "redis://127.0.0.1:$((RPORT + 1))" \
	    --upsert account --prefix f:
	for b in $SINKS; do
		cgr "redis hash ${b%%=*}" "$B_DIR/in200k" "${b#*=}" -q \
		    --redis "redis://127.0.0.1:$((RPORT + 1))" --upsert account --prefix f:
	done
	cgr "redis-cli --pipe, $CHUNK/MULTI" "$B_DIR/peer200k.resp" redis-cli -p $((RPORT + 1)) --pipe
	cgr "redis-cli --pipe, 1000/MULTI" "$B_DIR/peer200k1000.resp" redis-cli -p $((RPORT + 1)) --pipe
fi
B_IN=$B_DIR/hot
cpu_run "redis hash, 1000 hot keys" tide-sink -q --redis "$URL" --upsert account --prefix f:
B_IN=$B_DIR/in
SCPU= PRE=
redis-cli -p "$RPORT" FLUSHALL >/dev/null
tide-sink -q --redis "$URL" --upsert account --prefix f: <"$B_IN"
# lookups NAME INPUT CMD...: the reader's latencies while CMD writes INPUT
# flat out; P99_NAME collects each round's p99.
lookups() {
	_name=$1 _in=$2
	shift 2
	redis-cli -p "$RPORT" CONFIG RESETSTAT >/dev/null
	_t0=$(date +%s%N)
	$NICE "$@" <"$_in" >/dev/null 2>"$B_DIR/.err" &
	_w=$!
	sleep 0.3
	_r=$($NICE "$B_DIR/reader" redis "$RPORT" "$K" "$LOOKUPS" $_w 2>&1)
	wait $_w || echo "$_name: failed: $(tail -3 "$B_DIR/.err")"
	# The writer's rate beside the reader (wall clock, start to end): a
	# writer slowed down would leave the server time for the reader.
	_rate=$(awk -v t0="$_t0" -v t1="$(date +%s%N)" -v n="$N" \
	    'BEGIN { printf "%.0f", n / ((t1 - t0) / 1e9) }')
	# What the server says a transaction held it for, on average.
	_x=$(redis-cli -p "$RPORT" INFO commandstats | tr -d '\r' |
	    sed -n 's/^cmdstat_exec:calls=\([0-9]*\),usec=[0-9]*,usec_per_call=\([0-9.]*\).*/; EXEC \2 us x \1/p')
	printf '  %-30s %s%s; writer %s/s\n' "$_name" "$_r" "$_x" "$_rate"
	_v=P99_$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')
	eval "$_v=\"\${$_v:-} $(echo "$_r" | sed -n 's/.*p99 \([0-9]*\) us.*/\1/p')\""
	eval "W$_v=\"\${W$_v:-} $_rate\""
}
# VIEWS_NICE=-10: the writer, the server and the reader run at that nice
# level (root only), ahead of whatever else loads the machine, so that p99
# measures them competing with one another and less the neighbours.
NICE=
if [ -n "${VIEWS_NICE:-}" ]; then
	NICE="nice -n $VIEWS_NICE"
	renice -n "$VIEWS_NICE" -p "$RPID" >/dev/null ||
		{ echo "views: cannot renice the server"; NICE=; }
fi
echo "redis lookups: writer, server and reader at nice ${VIEWS_NICE:-0}; $(uptime)"
NAMES="tide-sink|redis-cli --pipe, $CHUNK/MULTI|redis-cli --pipe, 1000/MULTI|redis-cli --pipe, no MULTI"
[ -n "$IDLE" ] && NAMES="tide-sink, $IDLE|$NAMES"
for b in $SINKS; do NAMES="$NAMES|tide-sink ${b%%=*}"; done
for round in $(seq "$ROUNDS"); do
	echo "redis lookups while writing flat out, round $round:"
	[ -n "$IDLE" ] && lookups "tide-sink, $IDLE" "$B_IN" $IDLE tide-sink -q \
	    --redis "$URL" --upsert account --prefix f:
	lookups "tide-sink" "$B_IN" tide-sink -q --redis "$URL" --upsert account --prefix f:
	for b in $SINKS; do
		lookups "tide-sink ${b%%=*}" "$B_IN" "${b#*=}" -q --redis "$URL" \
		    --upsert account --prefix f:
	done
	lookups "redis-cli --pipe, $CHUNK/MULTI" "$B_DIR/peer.resp" redis-cli -p "$RPORT" --pipe
	lookups "redis-cli --pipe, 1000/MULTI" "$B_DIR/peer1000.resp" redis-cli -p "$RPORT" --pipe
	lookups "redis-cli --pipe, no MULTI" "$B_DIR/peer0.resp" redis-cli -p "$RPORT" --pipe
done
echo "redis lookup p99 while writing flat out, and the writer's rate, median of $ROUNDS rounds (each round's):"
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "$NAMES" | tr '|' '\n' | while read -r name; do
	_l=$(eval "echo \$P99_$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')")
	_m=$(eval "echo \$WP99_$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')")
	printf '  %-30s %6s us  (%s)  %7s/s  (%s)\n' "$name" "$(echo $_l | median)" \
	    "$_l" "$(echo $_m | median)" "$_m"
done
# At a stream's pace rather than flat out, and with no writer at all: the
# floor that the machine's load leaves (same nice level).
for pace in $RPACE; do
	tide-replay --time ts --rate "$pace/s" "$B_IN" 2>/dev/null |
		$NICE tide-sink -q --redis "$URL" --upsert account --prefix f: &
	spid=$!
	sleep 0.3
	printf '%-26s ' "redis lookups, $pace/s"
	$NICE "$B_DIR/reader" redis "$RPORT" "$K" "$LOOKUPS" $spid
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
done
printf '%-26s ' "redis lookups, idle"
$NICE "$B_DIR/reader" redis "$RPORT" "$K" "$LOOKUPS"
[ -n "$NICE" ] && renice -n 0 -p "$RPID" >/dev/null
echo "$(uptime)"
