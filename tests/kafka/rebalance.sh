#!/bin/sh
# A member leaves its group mid-stream and nothing is lost (doc/DELIVERY.md,
# issue 16 item 5), on tide-mock, with records flowing in live (tide-gen
# --rate, each record given an id, into a 4-partition topic).  Two members
# of one group, each a pipeline in its own process group:
#     tide-source -G g -J | tide-join -T cust.csv | tide-sink -o M.out
# Once the group has committed, one member (B) is stopped at a random
# moment: in round "int" by SIGINT to its process group (Ctrl-C: a drain),
# in round "kill" by kill -9 of its tide-source.  The survivor (A) is
# assigned every partition, and is stopped by SIGINT once the group has
# committed every record produced.  Then, against the produced records
# and the group's offsets read back by python3-kafka (independent
# clients):
#   - the union of the two outputs holds every produced record, each the
#     same as produced; repeats (read again after the rebalance) are
#     counted and reported, never required to be zero;
#   - the committed offsets never exceed what the outputs hold: every
#     offset below a partition's commit is in an output, both at the
#     moment B has ended (the survivor's output copied after the offsets
#     were read) and at the end, when everything is committed.
# The moments come from RB_SEED (printed), so a failure can be replayed.
# Every wait is bounded; the whole test takes about a minute.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! $PY -c 'import kafka' 2>/dev/null; then
	t_skip "python3-kafka not installed"
t_done
fi
command -v bash >/dev/null 2>&1 || { t_skip "bash not installed"; t_done; }

SEED=${RB_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "rebalance.sh: RB_SEED=$SEED"

mock_start -t rbint:4 -t rbkill:4
tide-gen customers --accounts 100 --format csv >"$T_DIR/cust.csv"

# offsets.py GROUP TOPIC: "PARTITION COMMITTED END" a line, for every
# partition of TOPIC (COMMITTED 0 when none).
cat >"$T_DIR/offsets.py" <<'EOF'
import sys
from kafka import KafkaConsumer, TopicPartition
brokers, group, topic = sys.argv[1:4]
c = KafkaConsumer(bootstrap_servers=brokers, group_id=group,
                  enable_auto_commit=False, api_version_auto_timeout_ms=20000)
c.topics()    # the cluster's metadata: partitions_for_topic needs it
parts = sorted(c.partitions_for_topic(topic) or [])
if not parts:
    sys.exit("no partitions known for " + topic)
tps = [TopicPartition(topic, p) for p in parts]
ends = c.end_offsets(tps)
for tp in tps:
    print(tp.partition, c.committed(tp) or 0, ends[tp])
c.close()
EOF
offsets() { timeout 60 $PY "$T_DIR/offsets.py" "$BROKERS" "$1" "$2"; }
committed() { offsets "$1" "$2" | awk '{ n += $2 } END { print n + 0 }'; }

# cover.py PRODUCED OFFSETS OUT...: the outputs (envelopes; a file that is
# not there is skipped) against the produced records (by id) and the
# offsets (as offsets.py prints them).  Prints "NAME VALUE" lines:
#   produced, distinct (produced ids seen), missing, repeats (lines
#   beyond the first of an id), foreign (ids never produced), changed
#   (a value unlike the one produced), torn (lines that are not JSON),
#   committed (their sum), uncovered (offsets below a commit that no
#   output holds).
cat >"$T_DIR/cover.py" <<'EOF'
import json, sys
prodpath, offpath = sys.argv[1:3]
prod = {}
for line in open(prodpath):
    v = json.loads(line)
    prod[v["id"]] = v
seen, held = {}, {}
foreign = changed = torn = 0
for path in sys.argv[3:]:
    try:
        f = open(path)
    except FileNotFoundError:
        continue
    for line in f:
        try:
            e = json.loads(line)
        except ValueError:
            torn += 1
            continue
        v = e["value"]
        if v.get("id") not in prod:
            foreign += 1
            continue
        if v != prod[v["id"]]:
            changed += 1
        seen[v["id"]] = seen.get(v["id"], 0) + 1
        held.setdefault(e["partition"], set()).add(e["offset"])
committed = uncovered = 0
for line in open(offpath):
    p, c, _ = map(int, line.split())
    committed += c
    h = held.get(p, set())
    uncovered += sum(1 for o in range(c) if o not in h)
print("produced", len(prod))
print("distinct", len(seen))
print("missing", len(prod) - len(seen))
print("repeats", sum(seen.values()) - len(seen))
print("foreign", foreign)
print("changed", changed)
print("torn", torn)
print("committed", committed)
print("uncovered", uncovered)
EOF
# cover NAME: the value of NAME in $T_DIR/cover.txt.
cover() { awk -v k="$1" '$1 == k { print $2 }' "$T_DIR/cover.txt"; }

# member NAME GROUP TOPIC: a pipeline in its own process group, $MPID; the
# statuses of its three stages go to $T_DIR/NAME.st, their stderr to
# NAME.{src,join,sink}.err.  A member that is gone stays in the group
# until its session expires: 6 s, not the default 45.
member() {
	setsid bash -c '
		d=$1 n=$2 g=$3 t=$4 b=$5
		tide-source -v -b "$b" -t "$t" -G "$g" -J \
			-X session.timeout.ms=6000 2>"$d/$n.src.err" |
		tide-join -T "$d/cust.csv" --on value.account=account \
			--select segment --left 2>"$d/$n.join.err" |
		tide-sink -o "$d/$n.out" 2>"$d/$n.sink.err"
		echo "${PIPESTATUS[*]}" >"$d/$n.st"
	' member "$T_DIR" "$1" "$2" "$3" "$BROKERS" &
	MPID=$!
}

# until_ok BOUND CMD...: run CMD every 0.2 s until it succeeds, at most
# BOUND seconds (a hang guard); the status of its last run.
until_ok() {
	_n=$(($1 * 5))
	shift
	while ! "$@"; do
		_n=$((_n - 1))
		[ $_n -le 0 ] && return 1
		sleep 0.2
	done
}
assigned() { grep -q "assigned [1-9]" "$T_DIR/$1.src.err" 2>/dev/null; }
ended() { ! kill -0 "$1" 2>/dev/null; }
all_committed() { [ "$(committed "$1" "$2")" -ge "$3" ]; }
some_committed() { [ "$(committed "$1" "$2")" -gt 0 ]; }

# why NAME: the last lines each stage of NAME said, after a failure.
why() {
	for _s in src join sink; do
		tail -n 3 "$T_DIR/$1.$_s.err" 2>/dev/null | sed "s/^/    $1.$_s: /"
	done >&2
}

# stop_member NAME PID: end a member that should have ended by now.
stop_member() {
	if ! until_ok 60 ended "$2"; then
		kill -KILL -"$2" 2>/dev/null
		t_fail "$1: the pipeline did not end within 60s" ""
		why "$1"
	fi
	wait "$2" 2>/dev/null
}

N=4000 RATE=400
round=0
for how in int kill; do
	round=$((round + 1))
	G=rb-$how-$$ TOPIC=rb$how A=$how-a B=$how-b
	member "$A" "$G" $TOPIC
	PA=$MPID
	member "$B" "$G" $TOPIC
	PB=$MPID
	until_ok 60 assigned "$A"
	until_ok 60 assigned "$B"
	# Then records live, for 10 s: each with an id, kept as produced.
	tide-gen transactions --accounts 100 --count $N --seed $((SEED + round)) \
		--rate $RATE/s |
		awk '{ printf "{\"id\":%d,%s\n", NR, substr($0, 2); fflush() }' |
		tee "$T_DIR/$how.produced" |
		tide-sink -b "$BROKERS" -t $TOPIC --key account 2>"$T_DIR/$how.prod.err" &
	prod=$!
	# Once a commit is made (barriers went down and back), at a random
	# moment of the next 2 s.
	until_ok 60 some_committed "$G" $TOPIC
	at=$(awk -v s="$SEED" -v i="$round" 'BEGIN { srand(s + i); printf "%.2f", rand() * 2 }')
	sleep "$at"
	case $how in
	int) kill -INT -"$PB" 2>/dev/null ;;
	kill) pkill -KILL -g "$PB" -x tide-source ;;
	esac
	stop_member "$B" "$PB"
	stb=$(cat "$T_DIR/$B.st" 2>/dev/null)
	# The moment B has ended: the offsets first, then the outputs, which
	# only grow (a file is PATH.part until its sink ends).
	offsets "$G" $TOPIC >"$T_DIR/$how.mid.off"
	cat "$T_DIR/$A.out.part" "$T_DIR/$A.out" >"$T_DIR/$how.mid.a" 2>/dev/null
	# The survivor takes every partition and commits every record.
	wait $prod
	until_ok 90 all_committed "$G" $TOPIC $N
	kill -INT -"$PA" 2>/dev/null
	stop_member "$A" "$PA"
	sta=$(cat "$T_DIR/$A.st" 2>/dev/null)
	offsets "$G" $TOPIC >"$T_DIR/$how.end.off"

	outs="$T_DIR/$A.out $T_DIR/$A.out.part $T_DIR/$B.out $T_DIR/$B.out.part"
	$PY "$T_DIR/cover.py" "$T_DIR/$how.produced" "$T_DIR/$how.mid.off" \
		"$T_DIR/$how.mid.a" $outs >"$T_DIR/cover.txt"
	mid_unc=$(cover uncovered) mid_com=$(cover committed)
	$PY "$T_DIR/cover.py" "$T_DIR/$how.produced" "$T_DIR/$how.end.off" \
		$outs >"$T_DIR/cover.txt"
	ends=$(awk '{ n += $3 } END { print n + 0 }' "$T_DIR/$how.end.off")
	echo "rebalance.sh: $how at ${at}s: statuses A '$sta', B '$stb';" \
		"$(cover produced) produced, $(cover missing) missing," \
		"$(cover repeats) repeats; committed $mid_com when B had ended," \
		"$(cover committed) at the end"

	case $how in
	int) t_ok "$how: B drains, every stage exits 0 ($stb)" test "$stb" = "0 0 0" ;;
	kill) t_ok "$how: B's sink sees its source die (75): $stb" \
		test "$stb" = "137 0 75" ;;
	esac
	t_ok "$how: A exits 0 ($sta)" test "$sta" = "0 0 0"
	last=$(grep "assigned [0-9]" "$T_DIR/$A.src.err" | tail -n 1)
	t_ok "$how: A was assigned every partition once B had gone ($last)" \
		test "$last" = "tide-source: assigned 4 partition(s)"
	t_ok "$how: B held partitions before it went" \
		grep -q "assigned [123] partition" "$T_DIR/$B.src.err"
	t_ok "$how: $N records in the topic ($ends)" test "$ends" -eq $N
	t_ok "$how: $N produced" test "$(cover produced)" -eq $N
	t_ok "$how: every produced record is in an output ($(cover missing) missing)" \
		test "$(cover missing)" -eq 0
	t_ok "$how: no record unlike the produced ones" \
		test "$(cover foreign) $(cover changed) $(cover torn)" = "0 0 0"
	t_ok "$how: committed when B had ended, all in the outputs ($mid_unc of $mid_com not)" \
		test "$mid_unc" -eq 0
	t_ok "$how: the group had committed when B ended ($mid_com)" \
		test "$mid_com" -gt 0
	t_ok "$how: everything committed at the end ($(cover committed))" \
		test "$(cover committed)" -eq $N
	t_ok "$how: committed at the end, all in the outputs ($(cover uncovered) not)" \
		test "$(cover uncovered)" -eq 0
	[ "$(cover missing) $(cover uncovered) $mid_unc" = "0 0 0" ] ||
		{ why "$A"; why "$B"; }
done

t_done
