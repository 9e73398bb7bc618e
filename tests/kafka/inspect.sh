#!/bin/sh
# tide-source -L, --lag and --summary (issue 20 item 4) against tide-mock:
# topics, partitions, leaders and replicas as kcat -L sees them; watermarks
# and a group's committed offsets as python3-kafka sees them; a range's
# counts and timestamps as kcat -C reads them; bad use and an unreachable
# cluster end at once with a clear error.
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
t_skip_unless jq
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

mock_start --brokers 3 -t ins.a:3 -t ins.b:1 -t ins.empty:2
cd "$T_DIR" || exit 1

# python3-kafka: produce lines "partition ts value" with the timestamp given.
cat >prod.py <<'PYEOF'
import sys
from kafka import KafkaProducer
br, topic = sys.argv[1], sys.argv[2]
p = KafkaProducer(bootstrap_servers=br, api_version=(2, 5, 0), max_block_ms=10000)
for line in sys.stdin:
    part, ts, val = line.split()
    p.send(topic, partition=int(part), timestamp_ms=int(ts), value=val.encode())
p.flush(10)
PYEOF
# commit GROUP topic:partition:offset ...
cat >commit.py <<'PYEOF'
import sys
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id=sys.argv[2],
                  enable_auto_commit=False, api_version=(2, 5, 0))
offs = {}
for a in sys.argv[3:]:
    t, p, o = a.split(":")
    offs[TopicPartition(t, int(p))] = OffsetAndMetadata(int(o), "")
c.commit(offs)
c.close()
PYEOF
# The oracle: "topic partition low high committed|- lag|-" per partition of
# the topics named, from python3-kafka (GROUP, or - for none).
cat >oracle.py <<'PYEOF'
import sys
from kafka import KafkaConsumer, TopicPartition
group = None if sys.argv[2] == "-" else sys.argv[2]
c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id=group,
                  enable_auto_commit=False, api_version=(2, 5, 0))
tps = [TopicPartition(t, p) for t in sys.argv[3:]
       for p in sorted(c.partitions_for_topic(t))]
lo, hi = c.beginning_offsets(tps), c.end_offsets(tps)
for tp in tps:
    k = c.committed(tp) if group else None
    print(tp.topic, tp.partition, lo[tp], hi[tp],
          "-" if k is None else k, "-" if k is None else max(hi[tp] - k, 0))
c.close()
PYEOF

# 30 messages on ins.a (partition i % 3, a second apart from 2026-11-01),
# 4 on ins.b.
base=1793491200000
awk -v b=$base 'BEGIN { for (i = 0; i < 30; i++) print i % 3, b + i * 1000, "v" i }' >a.in
timeout 30 "$PY" prod.py "$BROKERS" ins.a <a.in
printf '0 %s x\n' $((base + 5000)) $((base + 7000)) $((base + 6000)) $((base + 9000)) |
	timeout 30 "$PY" prod.py "$BROKERS" ins.b

# --- -L --------------------------------------------------------------------

t_run "-L -J" timeout 20 tide-source -b "$BROKERS" -L -J
t_status 0
t_ok "-L -J: one JSON document" test "$(jq -s length "$T_OUT")" = 1
cp "$T_OUT" list.json
timeout 20 kcat -L -J -b "$BROKERS" >kcat.json
t_ok "-L -J: brokers as kcat -L -J" sh -c "
	jq -c '[.brokers[] | {id, name}]' list.json >got &&
	jq -c '[.brokers | sort_by(.id)[] | {id, name}]' kcat.json >want &&
	test \$(jq length want) = 3 && cmp want got"
t_ok "-L -J: topics, partitions, leaders, replicas, ISRs as kcat -L -J" sh -c "
	jq -c '.topics[] | {topic, partitions: [.partitions[] | {partition, leader, replicas, isrs}]}' list.json >got &&
	jq -c '.topics | map(select(.topic | startswith(\"__\") | not)) | sort_by(.topic)[] |
	    {topic, partitions: [.partitions | sort_by(.partition)[] |
	    {partition, leader, replicas: [.replicas[].id], isrs: [.isrs[].id]}]}' kcat.json >want &&
	test \$(wc -l <want) = 3 && cmp want got"
timeout 30 "$PY" oracle.py "$BROKERS" - ins.a ins.b ins.empty >wm.want
t_ok "-L -J: watermarks as python3-kafka's beginning_offsets/end_offsets" sh -c "
	jq -r '.topics[] | .topic as \$t | .partitions[] | \"\(\$t) \(.partition) \(.low) \(.high) - -\"' list.json >wm.got &&
	cat wm.want && cmp wm.want wm.got" >/dev/null
t_ok "-L: the watermarks seen are the data's" test "$(awk '{ s += $4 } END { print s }' wm.want)" = 34

t_run "-L -t: one topic, as kcat -L -t says it, with watermarks" \
	timeout 20 tide-source -b "$BROKERS" -L -t ins.a
t_status 0
timeout 20 kcat -L -b "$BROKERS" -t ins.a | tail -n +2 >want
t_ok "-L -t: kcat -L's lines, each partition with its watermarks" sh -c "
	sed 's/, low [0-9]*, high [0-9]*\$//' '$T_OUT' | cmp want - &&
	grep -c ', low 0, high 10\$' '$T_OUT' | grep -qx 3"
t_run "-L -t twice: both, by name" timeout 20 tide-source -b "$BROKERS" -L -J -t ins.empty -t ins.b
t_status 0
t_ok "-L -t twice: the two topics" test "$(jq -c '[.topics[] | [.topic, (.partitions | length)]]' "$T_OUT")" = '[["ins.b",1],["ins.empty",2]]'
t_run "-L -t: a topic that does not exist" timeout 20 tide-source -b "$BROKERS" -L -t ins.nope
t_status 69
t_stderr_has "tide-source: topic 'ins.nope' not found"

# --- --lag -----------------------------------------------------------------

timeout 30 "$PY" commit.py "$BROKERS" ins.g ins.a:0:4 ins.a:2:10 ins.b:0:1
t_run "--lag -G -t" timeout 20 tide-source -b "$BROKERS" --lag -G ins.g -t ins.a -t ins.b
t_status 0
t_stdout <<'OUT'
topic  partition  committed  end  lag
ins.a  0          4          10   6
ins.a  1          -          10   -
ins.a  2          10         10   0
ins.b  0          1          4    3
total                             9
OUT
t_run "--lag -J" timeout 20 tide-source -b "$BROKERS" --lag -G ins.g -t ins.a -t ins.b -J
t_status 0
t_ok "--lag -J: committed, end and lag as python3-kafka's committed()/end_offsets()" sh -c "
	timeout 30 '$PY' oracle.py '$BROKERS' ins.g ins.a ins.b | cut -d' ' -f1,2,4- >want &&
	jq -r '.partitions[] | \"\(.topic) \(.partition) \(.end) \(.committed // \"-\") \(.lag // \"-\")\"' '$T_OUT' >got &&
	cmp want got"
t_ok "--lag -J: the totals" test "$(jq -c '[.group, .lag, .uncommitted]' "$T_OUT")" = '["ins.g",9,1]'

# tide-source's own commits (-G -c 12): 12 of ins.a's records, from
# whichever partitions the group read first; --lag says what is left.
t_run "-G -c 12 commits" timeout 30 tide-source -b "$BROKERS" -G ins.own -t ins.a -o beginning -c 12 --commit written
t_status 0
t_run "--lag after tide-source's commits" timeout 20 tide-source -b "$BROKERS" --lag -G ins.own -t ins.a -J
t_status 0
t_ok "--lag after tide-source's commits: as python3-kafka says" sh -c "
	timeout 30 '$PY' oracle.py '$BROKERS' ins.own ins.a | cut -d' ' -f1,2,4- >want &&
	jq -r '.partitions[] | \"\(.topic) \(.partition) \(.end) \(.committed // \"-\") \(.lag // \"-\")\"' '$T_OUT' >got &&
	cmp want got"
t_ok "--lag after tide-source's commits: the 12 records it wrote" test \
	"$(jq '[.partitions[].committed // 0] | add' "$T_OUT")" = 12

t_run "--lag: a group that has committed nothing" timeout 20 tide-source -b "$BROKERS" --lag -G ins.none -t ins.empty
t_status 0
t_stdout <<'OUT'
topic      partition  committed  end  lag
ins.empty  0          -          0    -
ins.empty  1          -          0    -
total                                 0
OUT
t_run "--lag: a topic that does not exist" timeout 20 tide-source -b "$BROKERS" --lag -G ins.g -t ins.nope
t_status 69
t_stderr_has "tide-source: topic 'ins.nope' not found"

# --lag -G without -t asks the group's coordinator for every offset it has
# committed (ListConsumerGroupOffsets).  librdkafka 2.0's mock answers that
# with no topics for any group, ins.g's commits above included: the answer
# is then a group with nothing listed, not an error, and -t is the way on.
# python3-kafka's admin client gets no topics from the mock either (it
# fails on the mock's null list): the mock, not tide-source, lists none.
cat >listed.py <<'PYEOF'
import sys
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], api_version=(2, 5, 0))
try:
    n = len(a.list_consumer_group_offsets(sys.argv[2]))
except TypeError:
    n = 0
print(n)
a.close()
PYEOF
t_ok "python3-kafka: the mock lists no committed offsets for ins.g" \
	test "$(timeout 30 "$PY" listed.py "$BROKERS" ins.g)" = 0
for g in ins.g ins.own ins.never; do
	t_run "--lag -G $g without -t: the mock lists none" timeout 20 tide-source -b "$BROKERS" --lag -G $g
	t_status 0
	t_stdout <<'OUT'
topic  partition  committed  end  lag
total                             0
OUT
	t_stderr "tide-source: group '$g' has no committed offsets the cluster lists; -t names a topic to ask about"
done
t_run "--lag -G without -t -J" timeout 20 tide-source -b "$BROKERS" --lag -G ins.g -J
t_status 0
t_stdout <<'OUT'
{"group":"ins.g","partitions":[],"lag":0,"uncommitted":0}
OUT
t_stderr "tide-source: group 'ins.g' has no committed offsets the cluster lists; -t names a topic to ask about"
t_run "--lag without -G" tide-source -b "$BROKERS" --lag -t ins.a
t_status 64
t_stderr_has "tide-source: --lag needs a group: -G group (and -t topic to name its topics)"
t_run "--lag without -G or -t" tide-source -b "$BROKERS" --lag
t_status 64
t_stderr_has "tide-source: --lag needs a group: -G group"
t_run "--lag -G on a file" tide-source --lag -G ins.g a.in
t_status 64
t_stderr_has "tide-source: -J, -G, -p, -o, -L, --lag, --resume and --dry-run apply to Kafka input only"

# --- --summary ---------------------------------------------------------------

# The oracle: kcat's "%p %T" lines, FROM <= ts < TO (timestamps rise within
# a partition, so that is the range), counted per partition.
summ() {
	timeout 20 kcat -C -b "$BROKERS" -t "$1" -e -q -f '%p %T\n' |
	awk -v from="${2:-0}" -v to="${3:-99999999999999}" '
	$2 >= from && $2 < to { n[$1]++; if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2 }
	END { for (p in n) print p, n[p], lo[p], hi[p] }' | sort -n
}
sumjq='.partitions[] | select(.count > 0) | "\(.partition) \(.count) \(.min_ts) \(.max_ts)"'

t_run "--summary: a whole topic" timeout 20 tide-source -b "$BROKERS" -t ins.b --summary
t_status 0
t_stdout <<'OUT'
topic  partition  count  min_ts                    max_ts
ins.b  0          4      2026-11-01T00:00:05.000Z  2026-11-01T00:00:09.000Z
total             4      2026-11-01T00:00:05.000Z  2026-11-01T00:00:09.000Z
OUT
t_run "--summary -J: every partition" timeout 20 tide-source -b "$BROKERS" -t ins.a --summary -J
t_status 0
summ ins.a >want
t_ok "--summary -J: counts and min/max timestamps as kcat's" sh -c "jq -r '$sumjq' '$T_OUT' | cmp want -"
t_ok "--summary -J: the totals" test "$(jq -c '[.count, .min_ts, .max_ts]' "$T_OUT")" = "[30,$base,$((base + 29000))]"
from=$((base + 7000)) to=$((base + 20000))
t_run "--summary --from --to" timeout 20 tide-source -b "$BROKERS" -t ins.a --summary -J \
	--from 2026-11-01T00:00:07Z --to 2026-11-01T00:00:20Z
t_status 0
summ ins.a $from $to >want
t_ok "--summary --from --to: as kcat's over the same range" sh -c "jq -r '$sumjq' '$T_OUT' | cmp want -"
t_ok "--summary --from --to: 13 records" test "$(jq .count "$T_OUT")" = 13
t_run "--summary -p -o" timeout 20 tide-source -b "$BROKERS" -t ins.a --summary -J -p 1 -o 6
t_status 0
t_ok "--summary -p 1 -o 6: partition 1's last four" test \
	"$(jq -c '[.partitions[] | [.partition, .count, .min_ts, .max_ts]]' "$T_OUT")" = \
	"[[1,4,$((base + 19000)),$((base + 28000))]]"
t_run "--summary --where on metadata" timeout 20 tide-source -b "$BROKERS" -t ins.a --summary -J --where '@partition == 1'
t_status 0
t_ok "--summary --where '@partition == 1': only partition 1 counted" test \
	"$(jq -c '[.partitions[] | [.partition, .count]]' "$T_OUT")" = '[[0,0],[1,10],[2,0]]'
t_run "--summary -J --where on the envelope" timeout 20 tide-source -b "$BROKERS" -t ins.a --summary -J --where 'offset >= 7'
t_status 0
timeout 20 kcat -C -b "$BROKERS" -t ins.a -e -q -f '%o %p %T\n' | awk '$1 >= 7 { print $2, $3 }' |
	awk '{ n[$1]++; if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2 }
	END { for (p in n) print p, n[p], lo[p], hi[p] }' | sort -n >want
t_ok "--summary --where 'offset >= 7': as kcat's offsets >= 7" sh -c "jq -r '$sumjq' '$T_OUT' | cmp want -"
t_run "--summary -c: the first records only" timeout 20 tide-source -b "$BROKERS" -t ins.b --summary -J -c 2
t_status 0
t_ok "--summary -c 2" test "$(jq -c '[.count, .min_ts, .max_ts]' "$T_OUT")" = "[2,$((base + 5000)),$((base + 7000))]"
t_run "--summary: an empty topic" timeout 20 tide-source -b "$BROKERS" -t ins.empty --summary
t_status 0
t_stdout <<'OUT'
topic      partition  count  min_ts  max_ts
ins.empty  0          0      -       -
ins.empty  1          0      -       -
total                 0      -       -
OUT

# --- --summary on files: by their time field, as jq counts them ---------------

tide-gen transactions --count 500 --start 2026-11-01 --step 1s --seed 3 >tx.ndjson
tide-gen telemetry --machines 2 --count 40 >tel.ndjson
zstd -q tx.ndjson -o tx.ndjson.zst
t_run "--summary: files" tide-source --summary -J tx.ndjson.zst tel.ndjson
t_status 0
t_ok "--summary: files: counts and min/max ts as jq's" sh -c "
	for f in tx.ndjson tel.ndjson; do jq -sc '[length, (map(.ts) | min), (map(.ts) | max)]' \$f; done >want &&
	jq -c '.files[] | [.count, .min_ts, .max_ts]' '$T_OUT' >got && cmp want got"
t_ok "--summary: files: names in the order given, and the totals" test \
	"$(jq -c '[[.files[].file], .count]' "$T_OUT")" = '[["tx.ndjson.zst","tel.ndjson"],540]'
t_run "--summary --from --to --time: a file's range" tide-source --summary -J \
	--from 2026-11-01T00:01:00Z --to 2026-11-01T00:02:00Z --time ts tx.ndjson
t_status 0
t_ok "--summary --from --to: as jq selects it" test "$(jq -c '[.count, .min_ts, .max_ts]' "$T_OUT")" = \
	"$(jq -sc 'map(select(.ts >= 1793491260000 and .ts < 1793491320000)) | [length, (map(.ts) | min), (map(.ts) | max)]' tx.ndjson)"
t_run "--summary --where: a file's records that match" tide-source --summary -J --where 'amount > 50' tx.ndjson
t_status 0
t_ok "--summary --where: as jq selects them" test "$(jq -c '[.count, .min_ts, .max_ts]' "$T_OUT")" = \
	"$(jq -sc 'map(select(.amount > 50)) | [length, (map(.ts) | min), (map(.ts) | max)]' tx.ndjson)"
printf '{"at":"2026-11-01T00:00:02Z"}\n{"at":5}\nnot json\n{"b":1}\n{"at":"2026-11-01T00:00:01Z"}\n' >odd.ndjson
t_run "--summary --time: bad records are bad input" tide-source --summary --time at odd.ndjson
t_status 0
t_stdout <<'OUT'
file        count  min_ts                    max_ts
odd.ndjson  3      1970-01-01T00:00:05.000Z  2026-11-01T00:00:02.000Z
total       3      1970-01-01T00:00:05.000Z  2026-11-01T00:00:02.000Z
OUT
t_stderr_has "tide-source: odd.ndjson: line 4: no time field 'at'"
t_stderr_has "tide-source: 2 bad records skipped"
t_run "--summary --strict: stops at the first bad record" tide-source --summary --strict --time at odd.ndjson
t_status 65
t_run "--summary: an empty file" tide-source --summary /dev/null
t_status 0
t_stdout <<'OUT'
file       count  min_ts  max_ts
/dev/null  0      -       -
total      0      -       -
OUT

# --- bad use, and a cluster that cannot be reached ---------------------------

t_run "-L and --lag together" tide-source -b "$BROKERS" -L --lag -G g -t ins.a
t_status 64
t_stderr_has "tide-source: -L, --lag and --summary go alone"
t_run "-L with a range" tide-source -b "$BROKERS" -L -t ins.a -o 5
t_status 64
t_stderr_has "tide-source: -L, --lag and --summary go alone"
t_run "--summary with -G" tide-source -b "$BROKERS" --summary -G g -t ins.a
t_status 64
t_stderr_has "tide-source: -L, --lag and --summary go alone"
t_run "--summary with --print" tide-source -b "$BROKERS" --summary -t ins.a --print '%o\n'
t_status 64
t_stderr_has "tide-source: -L, --lag and --summary go alone, with -t and -J (no --keep, --drop, --print)"
t_run "-L with --where" tide-source -b "$BROKERS" -L --where '@partition == 0'
t_status 64
t_stderr_has "tide-source: -L, --lag and --summary go alone"
t_run "-L with --keep" tide-source -b "$BROKERS" -L --keep a
t_status 64
t_stderr_has "(no --keep, --drop, --print)"
t_run "--summary --drop on a file" tide-source --summary --drop ts a.in
t_status 64
t_stderr_has "(no --keep, --drop, --print)"
t_run "--summary -G on a file" tide-source --summary -G g a.in
t_status 64
t_stderr_has "tide-source: -L, --lag and --summary go alone"
t_run "-L on a file" tide-source -L a.in
t_status 64
t_stderr_has "tide-source: -J, -G, -p, -o, -L, --lag, --resume and --dry-run apply to Kafka input only"
for what in "-L" "--lag -G g -t ins.a" "--lag -G g" "--summary -t ins.a"; do
	t_run "$what: no broker" timeout 30 tide-source -b 127.0.0.1:1 $what --metadata-timeout 1s
	t_status 69
	t_stderr_has "tide-source: cannot reach brokers at '127.0.0.1:1' within 1000ms"
done

# A leader that does not answer: named, and the answer given up in time.
# (Last: broker 1 stays down.)
leader=$(jq -r '.topics[] | select(.topic == "ins.b") | .partitions[0].leader' list.json)
mock_cmd "broker $leader down"
t_run "-L: a leader down" timeout 60 tide-source -b "$BROKERS" -L -t ins.b --metadata-timeout 2s
t_status 69
t_stderr_has "tide-source: 'ins.b' [0]: no watermarks from its leader, broker $leader (127.0.0.1:"
t_stderr_has "within 2000ms"
for g in ins.g ins.g2 ins.g3; do
	t_run "--lag -G $g: a broker down, the answer given up in time" \
		timeout 60 tide-source -b "$BROKERS" --lag -G $g -t ins.a -t ins.b --metadata-timeout 2s
	t_status 69
	t_stderr_has "within 2000ms"
done

t_done
