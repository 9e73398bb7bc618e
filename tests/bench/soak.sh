#!/bin/sh
# Soak (make bench; never run by make test): N tide-gen transactions
# (default 20M) through
#
#   tide-source - | tide-window --tumble 1m ... | tide-join -T customers.csv
#     | tide-sink -t soak (on tide-mock)
#
# sampling every process's resident set (VmRSS in /proc/PID/status) once a
# second, and reporting it over time and per stage: memory must be flat once
# the windows are warm (open windows and the table, not the input, decide
# it).
#
# By default the pipeline starts at the file stage (tide-source reading
# tide-gen's output through a pipe), not at a topic: tide-mock keeps its log
# in memory and caps retention at 5 MiB per partition, so it cannot hold 20M
# records (2.2 GB of NDJSON) for tide-source to read first.  SOURCE=kafka
# starts at a topic instead: tide-gen | tide-sink -t soak.in (one
# partition) runs alongside, and tide-source reads it live, within retention
# as long as it keeps up (the window's record count, checked at the end,
# says whether it did).  tide-mock serves a consumer far slower than a
# producer (about 55k records/s against 400k/s here), so the producer is
# paced, RATE records a second (default 40000): 20M records would take
# more than 8 minutes, so run it with a smaller N (e.g. N=4000000).  The sink writes to tide-mock
# either way (the idempotent producer and its delivery reports are part of
# the soak), and tide-mock's own RSS is sampled too.
#
# N, ACCOUNTS (default 1000), EVERY (seconds between report lines, default
# 10), SOURCE (file or kafka) override; TIDE_BIN picks the build.
. "$(dirname "$0")/lib.sh"

N=${N:-20000000}
ACCOUNTS=${ACCOUNTS:-1000}
EVERY=${EVERY:-10}
SOURCE=${SOURCE:-file}
RATE=${RATE:-40000}

tide-gen customers --accounts "$ACCOUNTS" --format csv >"$B_DIR/customers.csv"

# tide-mock, with a command pipe kept open (it runs until its stdin ends).
mkfifo "$B_DIR/mock.in"
tide-mock -q -t soak:4 -t soak.in:1 --bootstrap-file "$B_DIR/bootstrap" <"$B_DIR/mock.in" \
    >/dev/null 2>"$B_DIR/mock.err" &
MOCK=$!
exec 9>"$B_DIR/mock.in"
B_CLEANUP="exec 9>&-; kill $MOCK 2>/dev/null; wait $MOCK 2>/dev/null"
i=0
while [ ! -s "$B_DIR/bootstrap" ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "tide-mock did not start: $(cat "$B_DIR/mock.err")"; exit 1; }
	sleep 0.05
done
BROKERS=$(cat "$B_DIR/bootstrap")

# Each stage on its own, joined by fifos, so every pid is known.
for f in gen src win join; do mkfifo "$B_DIR/$f.fifo"; done
if [ "$SOURCE" = kafka ]; then
	# One partition, so event time stays in order for the window, read
	# from its start by a consumer started first (no group to join: a
	# late start would fall behind retention).  gen is the producer,
	# tide-sink, here.
	tide-source --stats -b "$BROKERS" -t soak.in --idle-timeout 10s \
	    >"$B_DIR/src.fifo" 2>"$B_DIR/src.err" &
	SRC=$!
	sleep 1
	tide-gen transactions --count "$N" --accounts "$ACCOUNTS" --seed 1 \
	    --rate "$RATE/s" --step 10ms |
	    tide-sink -b "$BROKERS" -t soak.in 2>"$B_DIR/prod.err" &
	GEN=$!
else
	tide-gen transactions --count "$N" --accounts "$ACCOUNTS" --seed 1 >"$B_DIR/gen.fifo" &
	GEN=$!
	tide-source --stats - <"$B_DIR/gen.fifo" >"$B_DIR/src.fifo" 2>"$B_DIR/src.err" &
	SRC=$!
fi
tide-window --stats --tumble 1m -k account -a 'count,sum(amount),max(amount),p99(amount)' \
    <"$B_DIR/src.fifo" >"$B_DIR/win.fifo" 2>"$B_DIR/win.err" &
WIN=$!
tide-join --stats -T "$B_DIR/customers.csv" --on account --select segment,risk_score \
    <"$B_DIR/win.fifo" >"$B_DIR/join.fifo" 2>"$B_DIR/join.err" &
JOIN=$!
tide-sink --stats -b "$BROKERS" -t soak <"$B_DIR/join.fifo" >/dev/null 2>"$B_DIR/sink.err" &
SINK=$!
B_CLEANUP="kill $GEN $SRC $WIN $JOIN $SINK 2>/dev/null; $B_CLEANUP"

rss() { awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print "-" }' "/proc/$1/status" 2>/dev/null || echo -; }
# Bytes tide-source has written so far: how far the stream has got.
wrote() { awk '/^wchar:/ { printf "%.0f", $2 / 1048576; f = 1 } END { if (!f) print "-" }' "/proc/$1/io" 2>/dev/null || echo -; }

echo "soak: $N transactions, $ACCOUNTS accounts, source $SOURCE; RSS in KiB, sampled every second"
[ "$SOURCE" = kafka ] && echo "(gen is the producer: tide-gen | tide-sink -t soak.in; its RSS is tide-sink's)"
printf '%6s %8s %9s %9s %9s %9s %9s %9s\n' t_s src_MiB gen src window join sink mock
t0=$(date +%s)
t=0 last=-1
: >"$B_DIR/samples"
while kill -0 $SINK 2>/dev/null; do
	line="$t $(rss $GEN) $(rss $SRC) $(rss $WIN) $(rss $JOIN) $(rss $SINK) $(rss $MOCK)"
	echo "$line" >>"$B_DIR/samples"
	if [ $((t / EVERY)) != "$last" ]; then
		last=$((t / EVERY))
		# shellcheck disable=SC2086 # $line is the fields
		printf '%6s %8s %9s %9s %9s %9s %9s %9s\n' $t "$(wrote $SRC)" \
		    $(echo "$line" | cut -d' ' -f2-)
	fi
	# The next whole second of the wall clock.
	while [ "$(date +%s)" -lt $((t0 + t + 1)) ]; do sleep 0.1; done
	t=$(($(date +%s) - t0))
done
rc=0
for p in $GEN $SRC $WIN $JOIN $SINK; do wait $p || rc=$?; done
echo "pipeline ended after ${t}s, status $rc"
grep -h 'stats\|records\|delivered' "$B_DIR/src.err" "$B_DIR/win.err" "$B_DIR/join.err" "$B_DIR/sink.err" | cut -c1-200

# Per stage: peak RSS in each fifth of the run, and the growth from the end
# of the first fifth (warm) to the end.
echo "peak RSS (KiB) per fifth of the run; growth = peak of the last fifth - peak of the first"
awk -v n="$t" 'BEGIN { split("gen src window join sink mock", name, " ") }
	{ q = int($1 * 5 / (n > 0 ? n : 1)); if (q > 4) q = 4
	  for (i = 2; i <= 7; i++) if ($i != "-" && $i + 0 > pk[i, q]) pk[i, q] = $i + 0 }
	END {
		printf "%-8s %9s %9s %9s %9s %9s %9s\n", "stage", "0-20%", "20-40%", "40-60%", "60-80%", "80-100%", "growth"
		for (i = 2; i <= 7; i++)
			printf "%-8s %9d %9d %9d %9d %9d %+9d\n", name[i - 1], pk[i, 0], pk[i, 1], pk[i, 2], pk[i, 3], pk[i, 4], pk[i, 4] - pk[i, 0]
	}' "$B_DIR/samples"
grep -q "tide-window: stats: in $N," "$B_DIR/win.err" ||
	{ echo "soak: tide-window did not read $N records"; rc=1; }
exit $rc
