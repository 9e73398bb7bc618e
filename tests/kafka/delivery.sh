#!/bin/sh
# A pipeline loses nothing (doc/DELIVERY.md), on tide-mock, with records
# flowing in live (tide-gen --rate | tide-sink -t) and the group's committed
# offsets read back by python3-kafka, an independent client:
#   - Ctrl-C: SIGINT to the whole process group of
#       tide-source -G | tide-window | tide-join | tide-sink -o
#     at DLV_ROUNDS (default 20) random moments, one run after another in
#     the same group.  Every stage exits 0 each time, and the counts in the
#     sink's files add up to at least what the group committed: nothing
#     committed is missing from the output.  (At least: a record read
#     twice is counted twice; the test reports how many were.)
#   - A foreign program that drops barriers (jq -c 'select(.count > 0)')
#     between tide-window and tide-join: the source warns that no barrier
#     was acknowledged, naming jq, and commits nothing.
#   - kill -9 of each stage in turn, mid-stream, then the same command
#     line again: every record is counted in the union of the two runs,
#     everything is committed at the end, and the dead stage is seen (the
#     sink exits 75, or the source 74 when the sink itself died).
# The moments come from DLV_SEED (printed), so a failure can be replayed.
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! $PY -c 'import kafka' 2>/dev/null; then
	t_skip "python3-kafka not installed"
	t_done
fi
command -v bash >/dev/null 2>&1 || { t_skip "bash not installed"; t_done; }

ROUNDS=${DLV_ROUNDS:-20}
SEED=${DLV_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "delivery.sh: DLV_SEED=$SEED DLV_ROUNDS=$ROUNDS"

mock_start -t dlv:1 -t dlk1:1 -t dlk2:1 -t dlk3:1 -t dlk4:1
tide-gen customers --accounts 100 --format csv >"$T_DIR/cust.csv"

cat >"$T_DIR/committed.py" <<'EOF'
import sys
from kafka import KafkaConsumer, TopicPartition
brokers, group, topic = sys.argv[1:4]
c = KafkaConsumer(bootstrap_servers=brokers, group_id=group,
                  enable_auto_commit=False, api_version_auto_timeout_ms=20000)
c.topics()    # fetches the cluster's metadata: partitions_for_topic needs it
parts = c.partitions_for_topic(topic)
if not parts:
    sys.exit("no partitions known for " + topic)
total = 0
for p in sorted(parts):
    off = c.committed(TopicPartition(topic, p))
    total += off or 0
c.close()
print(total)
EOF
committed() { timeout 60 $PY "$T_DIR/committed.py" "$BROKERS" "$1" "$2"; }
# counted NAME...: the records counted in the windows of those runs'
# outputs, finished (NAME.out) or left by a killed sink (NAME.out.part).
counted() {
	for _n; do cat "$T_DIR/$_n.out" "$T_DIR/$_n.out.part" 2>/dev/null; done |
		jq -s 'map(.count) | add // 0'
}

# Live input for the whole test, on one partition: with several, read at
# different positions, the window's watermark runs ahead of the slower
# ones and drops their records as late (counted, not lost, but not in the
# output either).
tide-gen transactions --accounts 100 --rate 2000/s --seed 3 |
	tide-sink -b "$BROKERS" -t dlv --key account --timestamp ts \
	2>"$T_DIR/prod.err" &
PROD=$!
T_CLEANUP="kill $PROD 2>/dev/null; $T_CLEANUP"

# The moment of round i: 0..1999 ms after the source was assigned its
# partitions (waited for: a group's assignment takes seconds, longer under
# load, and a Ctrl-C before it tests nothing).
moment() {
	awk -v s="$SEED" -v i="$1" 'BEGIN { srand(s + i); printf "%.3f", int(rand() * 2000) / 1000 }'
}
# assigned NAME: wait until NAME's source says it was assigned (60 s at
# most, a hang guard).
assigned() {
	t_wait 60 grep -qs "assigned [1-9]" "$T_DIR/$1.src.err"
}
# why NAME: the last lines each stage of NAME said, after a failure.
why() {
	for _s in src win join sink; do
		grep -v ': line [0-9]' "$T_DIR/$1.$_s.err" 2>/dev/null |
			tail -n 3 | sed "s/^/    $1.$_s: /"
	done >&2
}

# pipeline NAME GROUP MIDDLE [SOURCE-FLAGS]: run it in its own process group; statuses of
# the four stages into $T_DIR/NAME.st, their stderr into NAME.*.err.
pipeline() {
	setsid bash -c '
		d=$1 n=$2 g=$3 b=$4 mid=$5 sf=$6
		tide-source -v -b "$b" -t "${TOPIC:-dlv}" -G "$g" $sf 2>"$d/$n.src.err" |
		tide-window ${WIN:---tumble 10s} --time ts -k account -a count 2>"$d/$n.win.err" |
		eval "exec ${mid:-cat}" |
		tide-join -T "$d/cust.csv" --on account --select segment 2>"$d/$n.join.err" |
		tide-sink -o "$d/$n.out" 2>"$d/$n.sink.err"
		st="${PIPESTATUS[*]}"
		# The middle program is not ours: only tide stages are counted.
		set -- $st
		echo "$1 $2 $4 $5" >"$d/$n.st"
	' pipeline "$T_DIR" "$1" "$2" "$BROKERS" "$3" "${4:-}" &
	PIPE=$!
}

# wait_pipe NAME [BOUND]: wait for the pipeline $PIPE to end, at most BOUND
# seconds (default 90, a hang guard); past it, its process group is
# killed and the check fails, saying what each stage last said.
pipe_ended() { ! kill -0 "$PIPE" 2>/dev/null; }
wait_pipe() {
	t_wait "${2:-90}" pipe_ended
	if kill -0 "$PIPE" 2>/dev/null; then
		kill -KILL -"$PIPE" 2>/dev/null
		t_fail "$1: the pipeline did not end within ${2:-90}s" ""
		why "$1"
	fi
	wait "$PIPE" 2>/dev/null
}

# --- Ctrl-C at random moments ------------------------------------------------
G=dlv-int-$$
# A member that is gone stays in the group until its session expires
# (tide-mock's coordinator does not hurry): 6 s, not the default 45.
SRCX="-X session.timeout.ms=6000"
i=1
while [ $i -le "$ROUNDS" ]; do
	pipeline "r$i" "$G" "" "$SRCX"
	assigned "r$i"
	sleep "$(moment $i)"
	kill -INT -"$PIPE" 2>/dev/null
	wait_pipe "r$i"
	st=$(cat "$T_DIR/r$i.st" 2>/dev/null)
	t_ok "Ctrl-C round $i (at $(moment $i)s): every stage exits 0 ($st)" \
		test "$st" = "0 0 0 0"
	[ "$st" = "0 0 0 0" ] || why "r$i"
	i=$((i + 1))
done
counted=$(cat "$T_DIR"/r*.out | jq -s 'map(.count) | add // 0')
done_=$(committed "$G" dlv)
echo "delivery.sh: $ROUNDS rounds: $counted records counted in the output, $done_ committed"
t_ok "Ctrl-C: the output counts every committed record ($counted >= $done_)" \
	test "$counted" -ge "$done_"
t_ok "Ctrl-C: the group committed something" test "$done_" -gt 0

# --- A foreign program that drops barriers ----------------------------------
# dropped NAME GROUP WINDOW TEXT: the pipeline NAME, its window WINDOW and
# jq after it, until its source says TEXT (90 s at most), then Ctrl-C.
dropped() {
	WIN=$3 pipeline "$1" "$2" "jq -c --unbuffered 'select(.count > 0)'" \
		"--ack-timeout 3s"
	t_wait 90 grep -qs "$4" "$T_DIR/$1.src.err"
	kill -INT -"$PIPE" 2>/dev/null
	wait_pipe "$1"
}
G2=dlv-jq-$$
# A rolling window passes barriers at once: a window that held them (a
# tumble) would report holds, and the source would rightly wait for it.
dropped fj "$G2" "--over 60s" "no acknowledgement"
t_ok "jq in the middle: the source warns and names jq" \
	grep -q "no acknowledgement of barriers.*jq" "$T_DIR/fj.src.err"
t_ok "jq in the middle: nothing committed" test "$(committed "$G2" dlv)" -eq 0

# The same after a window that holds its barriers (a tumble): its hold
# reports would hide jq, but each held barrier it passes on is reported
# too, and the source times the acknowledgement from then.
G3=dlv-jqh-$$
dropped fh "$G3" "--tumble 2s" "since a stage that held it passed it on"
t_ok "jq after a holding window: the source warns of a passed barrier and names jq" \
	grep -Eq "no acknowledgement of barrier [0-9]+ for [0-9]+s since a stage that held it passed it on: a program between tide stages drops them\\? .*jq \\(pid [0-9]+\\)" "$T_DIR/fh.src.err"
t_ok "jq after a holding window: nothing committed" test "$(committed "$G3" dlv)" -eq 0

kill "$PROD" 2>/dev/null

# --- kill -9 of each stage in turn, then the same command line again -------
# Each on a topic of its own, KN records produced live (1000/s) while the
# pipeline runs, one partition (so no record is late for the window's
# watermark), 1s windows (so barriers pass as they fire).  The stage is
# killed at a random moment; the second run starts once the dead member's
# session has expired and ends by --idle-timeout, so its final barrier
# commits everything.  Every record must be counted in the union of the two
# runs' windows; repeats are allowed (at least once: a window without
# --state restarted emits a second, partial row) and are reported.
KN=6000 KX=100
k=0
for stage in tide-source tide-window tide-join tide-sink; do
	k=$((k + 1))
	G3=dlv-k$k-$$
	tide-gen transactions --accounts 100 --count $KN --seed 5 --rate 1000/s |
		tide-sink -b "$BROKERS" -t dlk$k --key account --timestamp ts &
	prod=$!
	TOPIC=dlk$k WIN="--tumble 1s" pipeline "k$k" "$G3" "" \
		"--barrier-interval 200ms $SRCX"
	# Mid-stream: once the group has committed (barriers have gone all the
	# way down and back), then at a random moment of the next 1.5 s.
	i=0
	while [ "$(committed "$G3" dlk$k)" -eq 0 ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.2
	done
	sleep "$(awk -v s="$SEED" -v i="$k" 'BEGIN { srand(s + 100 + i); printf "%.2f", rand() * 1.5 }')"
	pkill -KILL -g "$PIPE" -x "$stage"
	# More records after the kill, as a live topic has: a stage that holds
	# barriers (the window) writes nothing on a quiet topic, so the stages
	# after it learn that their reader died only when records come.
	wait $prod
	tide-gen transactions --accounts 100 --count $KX --seed 6 \
		--start 2026-11-01T01:00:00Z |
		tide-sink -b "$BROKERS" -t dlk$k --key account --timestamp ts
	wait_pipe "k$k"
	st1=$(cat "$T_DIR/k$k.st" 2>/dev/null)
	TOPIC=dlk$k WIN="--tumble 1s" pipeline "k${k}b" "$G3" "" \
		"--idle-timeout 30s $SRCX"
	wait_pipe "k${k}b" 120
	st2=$(cat "$T_DIR/k${k}b.st" 2>/dev/null)
	c=$(counted "k$k" "k${k}b")
	n=$(committed "$G3" dlk$k)
	all=$((KN + KX))
	echo "delivery.sh: kill -9 $stage: statuses '$st1' then '$st2'; $c counted of $all ($((c - all)) repeats), $n committed"
	t_ok "kill -9 $stage: the rerun exits 0 ($st2)" test "$st2" = "0 0 0 0"
	t_ok "kill -9 $stage: every record is counted ($c >= $all)" test "$c" -ge $all
	t_ok "kill -9 $stage: everything committed after the rerun ($n)" \
		test "$n" -eq $all
	[ "$n" -eq $all ] || why "k${k}b"
	# A dead stage is seen: the sink, whose input ends without the final
	# barrier, exits 75; a source whose reader died exits 74.
	t_ok "kill -9 $stage: no stage takes a line for a broken barrier" \
		sh -c "! grep -h 'broken barrier' '$T_DIR'/k$k.*.err"
	case $stage in
	tide-sink) t_ok "kill -9 $stage: the source sees it (74): $st1" \
		sh -c "echo '$st1' | grep -q '^74 '" ;;
	*) t_ok "kill -9 $stage: the sink sees it (75): $st1" \
		sh -c "echo '$st1' | grep -q ' 75\$'" ;;
	esac
done

t_done
