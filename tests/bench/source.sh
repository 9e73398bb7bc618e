#!/bin/sh
# tide-source benchmark (make bench; never run by make test): the same
# tide-mock topic read to its end by `tide-source -J -e` (the lossless
# envelope: every payload checked as JSON and UTF-8, headers, timestamps)
# and by `kcat -J -e` (its own JSON envelope).  Reports records/s, MB/s of
# output, peak RSS and the ratio tide/kcat; both outputs must hold N
# lines.  N overrides the record count (sized within the mock's
# retention: a few MiB per partition over 4 partitions).
. "$(dirname "$0")/lib.sh"
N=${N:-200000}
REPEAT=${B_REPEAT:-3}

mkfifo "$B_DIR/mockin"
tide-mock -t src:4 --bootstrap-file "$B_DIR/bootstrap" <"$B_DIR/mockin" \
    >/dev/null 2>"$B_DIR/mock.err" &
mockpid=$!
exec 9>"$B_DIR/mockin"
B_CLEANUP="exec 9>&-; kill $mockpid 2>/dev/null; wait $mockpid 2>/dev/null"
i=0
while [ ! -s "$B_DIR/bootstrap" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "tide-mock did not start"; exit 1; }
	sleep 0.05
done
BROKERS=$(cat "$B_DIR/bootstrap")

tide-gen --seed 1 --count "$N" transactions |
	sed 's/^\(.*"account":"\([^"]*\)".*\)$/\2\t\1/' >"$B_DIR/tx.keyed"
timeout 120 kcat -b "$BROKERS" -P -t src -K '\t' -z lz4 <"$B_DIR/tx.keyed" ||
	{ echo "producing the data failed"; exit 1; }
have=$(timeout 60 kcat -b "$BROKERS" -C -t src -e -q -f 'x\n' | wc -l)
[ "$have" = "$N" ] || { echo "topic holds $have records, not $N (retention?)"; exit 1; }
echo "tide-source bench: $N transactions in 4 partitions of tide-mock"

run() {
	name=$1
	shift
	best= rss=
	for r in $(seq "$REPEAT"); do
		/usr/bin/time -f '%e %M' -o "$B_DIR/time" "$@" \
		    >"$B_DIR/out.$name" 2>"$B_DIR/err.$name" ||
			{ echo "$name failed: $(tail -3 "$B_DIR/err.$name")"; return 1; }
		read -r s kb <"$B_DIR/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then
			best=$s rss=$kb
		fi
		got=$(wc -l <"$B_DIR/out.$name")
		[ "$got" = "$N" ] || echo "  $name: $got lines, expected $N"
	done
	bytes=$(wc -c <"$B_DIR/out.$name")
	eval "S_$name=$best"
	awk -v n="$name" -v s="$best" -v r="$rss" -v N="$N" -v B="$bytes" 'BEGIN {
		if (s < 0.001) s = 0.001
		printf "%-12s %8.3f s %10.0f rec/s %8.1f MB/s %8.1f MiB peak RSS\n",
		    n, s, N / s, B / s / 1e6, r / 1024 }'
}

run tide timeout 120 tide-source -b "$BROKERS" -t src -J -e
run kcat timeout 120 kcat -b "$BROKERS" -C -t src -J -e -q
run tide_value timeout 120 tide-source -b "$BROKERS" -t src -e
run kcat_value timeout 120 kcat -b "$BROKERS" -C -t src -e -q
awk -v t="$S_tide" -v k="$S_kcat" -v tv="$S_tide_value" -v kv="$S_kcat_value" 'BEGIN {
	printf "ratio tide/kcat (-J, records/s): %.2f\n", k / t
	printf "ratio tide/kcat (values, records/s): %.2f\n", kv / tv }'
