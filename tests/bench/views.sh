#!/bin/sh
# Materialized views: upserts/s of tide-sink into SQLite and into Redis
# (1M records over 100k keys; targets >= 200k/s each), and point-lookup
# latency p50/p99 from a separate reader process while the sink writes
# (target p99 < 1 ms).  The reader uses the lookup API tide-join uses
# (lib/sqlview, lib/redisview), built here against libtide.a.
. "$(dirname "$0")/lib.sh"
N=${VIEWS_N:-1000000}
K=${VIEWS_KEYS:-100000}
LIB=${TIDE_LIB:-$(dirname "$TIDE_BIN")/libtide.a}

awk -v n="$N" -v k="$K" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"account\":\"a%06d\",\"ts\":%d,\"count\":%d,\"sum_amount\":%d.25,\"max_amount\":%d.5,\"segment\":\"gold\"}\n",
	    (i * 7919) % k, 1793491200000 + i, i % 100, i % 100000, i % 977 }' >"$B_DIR/in"
B_IN=$B_DIR/in

cat >"$B_DIR/reader.c" <<'EOF'
/* reader sqlite FILE TABLE | redis URL; KEYS N: N random point lookups,
 * prints p50 and p99 in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "redisview.h"
#include "sqlview.h"
#include "time.h"
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
	struct tide_sqlview sv; struct tide_redisview rv;
	struct tide_sqlview_err se; struct tide_redisview_err re;
	int sql = strcmp(argv[1], "sqlite") == 0, keys = atoi(argv[argc - 2]), n = atoi(argv[argc - 1]), i, r, found = 0;
	double *lat = malloc(sizeof(double) * (size_t)n);
	char kb[32]; const char *rec; size_t len;
	struct tide_json_val k;
	if (sql ? tide_sqlview_open_reader(&sv, argv[2], argv[3], 5000, &se) : tide_redisview_open_reader(&rv, argv[2], NULL, 5000, &re)) {
		fprintf(stderr, "reader: %s\n", sql ? se.msg : re.msg); return 1; }
	srand(42);
	for (i = 0; i < n; i++) {
		k.type = TIDE_JSON_STRING; k.p = kb; k.len = (size_t)snprintf(kb, sizeof kb, "\"a%06d\"", rand() % keys);
		int64_t t0 = tide_mono_us();
		r = sql ? tide_sqlview_lookup(&sv, &k, 1, 0, &rec, &len, &se) : tide_redisview_lookup(&rv, &k, 1, 0, &rec, &len, &re);
		lat[i] = (double)(tide_mono_us() - t0);
		if (r < 0) { fprintf(stderr, "reader: %s\n", sql ? se.msg : re.msg); return 1; }
		found += r;
	}
	qsort(lat, (size_t)n, sizeof(double), cmp);
	printf("%d lookups (%d found): p50 %.0f us, p99 %.0f us, max %.0f us\n", n, found, lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	return 0;
}
EOF
cc -O2 -iquote "$B_ROOT/lib" $(pkg-config --cflags hiredis) -o "$B_DIR/reader" "$B_DIR/reader.c" \
    "$LIB" $(pkg-config --libs sqlite3 hiredis rdkafka libzstd) -lcsv -lm -lpthread ||
	{ echo "views: cannot build the reader"; exit 1; }

echo "$N records over $K keys"
# SQLite: default batch, and larger batches.
for b in 1000 10000; do
	rm -f "$B_DIR"/v.db*
	bench_run "sqlite --batch $b" "$N" sh -c "rm -f '$B_DIR'/v.db*; tide-sink -q --sqlite '$B_DIR/v.db' --table feat --upsert account --batch $b"
done
# Lookups while the sink writes (the table exists from the runs above).
tide-sink -q --sqlite "$B_DIR/v.db" --table feat --upsert account --batch 10000 <"$B_IN" &
spid=$!
sleep 0.5
printf '%-28s ' "sqlite lookups, writing"
"$B_DIR/reader" sqlite "$B_DIR/v.db" feat "$K" 20000
wait $spid
printf '%-28s ' "sqlite lookups, idle"
"$B_DIR/reader" sqlite "$B_DIR/v.db" feat "$K" 20000

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
bench_run "redis hash" "$N" tide-sink -q --redis "$URL" --upsert account --prefix f:
bench_run "redis --as-json" "$N" tide-sink -q --redis "$URL/1" --upsert account --prefix f: --as-json
tide-sink -q --redis "$URL" --upsert account --prefix f: <"$B_IN" &
spid=$!
sleep 0.5
printf '%-28s ' "redis lookups, writing"
"$B_DIR/reader" redis "$URL?prefix=f:" "$K" 20000
wait $spid
printf '%-28s ' "redis lookups, idle"
"$B_DIR/reader" redis "$URL?prefix=f:" "$K" 20000
