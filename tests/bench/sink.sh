#!/bin/sh
# tide-sink benchmark (make bench; never run by make test): the same
# transactions produced to the same tide-mock by `tide-sink --key account`
# (validating every line as JSON, extracting the key, idempotent producer,
# acks=all) and by `kcat -P -K` (keys cut from a "key<TAB>value" line, no
# validation, kcat's defaults).  Each run goes to a fresh topic, and both
# wait for every delivery.  Reports records/s, MB/s, peak RSS and the
# ratio tide/kcat; N overrides the record count (sized within the mock's
# retention: a few MiB per partition over 8 partitions).
. "$(dirname "$0")/lib.sh"
N=${N:-200000}
REPEAT=${B_REPEAT:-3}

# Every run's topic exists from the start with 8 partitions (a topic that
# kcat's first write auto-creates gets the mock's default of 4, and 50000
# records of a partition pass the mock's 5 MiB cap: its oldest go).
topics=
for name in tide kcat kcat_idem; do
	for r in $(seq "$REPEAT"); do
		topics="$topics -t bench.$name.$r:8"
	done
done
mkfifo "$B_DIR/mockin"
tide-mock $topics --bootstrap-file "$B_DIR/bootstrap" <"$B_DIR/mockin" \
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

tide-gen --seed 1 --count "$N" transactions >"$B_DIR/tx.ndjson"
# kcat's input: the key cut out in front, as kcat -K needs it.
sed 's/^\(.*"account":"\([^"]*\)".*\)$/\2\t\1/' "$B_DIR/tx.ndjson" >"$B_DIR/tx.keyed"
bytes=$(wc -c <"$B_DIR/tx.ndjson")
echo "tide-sink bench: $N transactions, $bytes bytes, tide-mock with 8 partitions"

# run NAME CMD...: best of $REPEAT wall times; each repeat gets its own
# topic (made by tide-mock -t, above): {} in CMD is the topic.
run() {
	name=$1 in=$2
	shift 2
	best= rss=
	for r in $(seq "$REPEAT"); do
		topic="bench.$name.$r"
		cmd=$(printf '%s\n' "$*" | sed "s/{}/$topic/g")
		/usr/bin/time -f '%e %M' -o "$B_DIR/time" sh -c "$cmd" <"$in" \
		    >/dev/null 2>"$B_DIR/err.$name" ||
			{ echo "$name failed: $(tail -3 "$B_DIR/err.$name")"; return 1; }
		read -r s kb <"$B_DIR/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then
			best=$s rss=$kb
		fi
		got=$(timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q -f 'x\n' | wc -l)
		[ "$got" = "$N" ] || echo "  $name: $got records in $topic, expected $N"
	done
	eval "S_$name=$best"
	awk -v n="$name" -v s="$best" -v r="$rss" -v N="$N" -v B="$bytes" 'BEGIN {
		if (s < 0.001) s = 0.001
		printf "%-10s %8.3f s %10.0f rec/s %8.1f MB/s %8.1f MiB peak RSS\n",
		    n, s, N / s, B / s / 1e6, r / 1024 }'
}

run tide "$B_DIR/tx.ndjson" "tide-sink -b $BROKERS -t {} --key account"
run kcat "$B_DIR/tx.keyed" "kcat -b $BROKERS -P -t {} -K '\t'"
run kcat_idem "$B_DIR/tx.keyed" "kcat -b $BROKERS -P -t {} -K '\t' -X enable.idempotence=true"
awk -v a="$S_tide" -v b="$S_kcat" -v c="$S_kcat_idem" 'BEGIN {
	printf "ratio tide/kcat (rate):            %.2fx\n", b / a
	printf "ratio tide/kcat idempotent (rate): %.2fx\n", c / a }'
# The mock's own word if it dropped records past its retention cap.
grep 'oldest records were dropped' "$B_DIR/mock.err" || true
