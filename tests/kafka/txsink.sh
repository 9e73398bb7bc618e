#!/bin/sh
# tide-sink -t --transactional-id (doc/DELIVERY.md section 3): records
# produced in transactions, each committed at a barrier together with the
# barrier's offsets as the source's consumer group, whose metadata the
# barrier carries; tide-source commits nothing itself then.
#
# What librdkafka 2.0.2's mock can show, and what it cannot:
#   - it runs the transactional protocol (InitProducerId, AddPartitionsToTxn,
#     AddOffsetsToTxn, TxnOffsetCommit, EndTxn), so the records arrive, a
#     transaction per barrier is committed, the group's metadata crosses
#     the pipe, and errors injected into those requests take the abort and
#     fenced paths;
#   - it answers TxnOffsetCommit and then discards the offsets (the group
#     has none afterwards, checked below beside a plain run whose commits
#     it does keep), writes no commit or abort markers, and does not fence
#     a second producer with the same transactional id (InitProducerId
#     gives it a new producer id).  So the way back (a restart starting
#     where the last transaction committed), read_committed hiding an
#     aborted transaction, and a real fencing cannot be shown here: the
#     test asserts what the mock does, so it says when the mock learns more.
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
t_skip_unless jq
t_skip_unless bash
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
$PY -c 'import kafka' 2>/dev/null || { t_skip "python3-kafka not installed"; t_done; }

TO="timeout 60"		# a hang guard
D=$T_DIR
N=200
mock_start -t xin:2 -t xout:2 -t xplain:2 -t xalone:1 -t xint:2 -t xab:1 -t xfe:1 -t xjoin:2 -t tx:2 -t tx-exact:2 -t xheld:1

# The input: N records {"id":1..N}, keyed by id over both partitions.
seq 1 $N | awk '{ printf "{\"id\":%d}\n", $1 }' >"$D/in.ndjson"
tide-sink -b "$BROKERS" -t xin -k id <"$D/in.ndjson" 2>"$D/prod.err" ||
	t_fail "producing the input" "$(cat "$D/prod.err")"

# ids TOPIC: the ids in TOPIC, read_committed, sorted.
ids() {
	$TO kcat -b "$BROKERS" -C -t "$1" -e -q -X isolation.level=read_committed \
		-f '%s\n' | jq -r .id | sort -n
}
seq 1 $N >"$D/all.ids"

cat >"$D/committed.py" <<'EOF'
import sys
from kafka import KafkaConsumer, TopicPartition
brokers, group, topic = sys.argv[1:4]
c = KafkaConsumer(bootstrap_servers=brokers, group_id=group,
                  enable_auto_commit=False, api_version_auto_timeout_ms=20000)
c.topics()
print(" ".join(str(c.committed(TopicPartition(topic, p)))
               for p in sorted(c.partitions_for_topic(topic))))
c.close()
EOF
cat >"$D/read.py" <<'EOF'
import json, sys
from kafka import KafkaConsumer, TopicPartition
brokers, topic = sys.argv[1:3]
c = KafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False,
                  api_version_auto_timeout_ms=20000, consumer_timeout_ms=20000)
c.topics()
tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic))]
c.assign(tps)
c.seek_to_beginning()
ends = c.end_offsets(tps)
ids = []
while any(c.position(tp) < ends[tp] for tp in tps):
    for recs in c.poll(timeout_ms=1000).values():
        ids += [json.loads(r.value)["id"] for r in recs]
c.close()
print("\n".join(str(i) for i in sorted(ids)))
EOF
# pyids TOPIC: the same as ids, read by python3-kafka (2.0.2 has no
# isolation.level: it reads what is not committed too, which on the mock,
# without markers, is the same).
pyids() { $TO $PY "$D/read.py" "$BROKERS" "$1"; }

# committed GROUP TOPIC: the group's committed offset per partition (None:
# none), as python3-kafka reads them.
committed() { $TO $PY "$D/committed.py" "$BROKERS" "$1" "$2"; }

# --- Usage: one back end, one way to ask ------------------------------------
T_IN=/dev/null
t_run "--transactional-id with -o" tide-sink --transactional-id t1 -o "$D/x.ndjson"
t_status 64
t_stderr_has "tide-sink: --transactional-id is for -t"
t_run "--transactional-id with --sqlite" tide-sink --transactional-id t1 \
	--sqlite "$D/x.db" --table t --upsert id
t_status 64
t_stderr_has "tide-sink: --transactional-id is for -t"
t_run "--transactional-id with --redis" tide-sink --transactional-id t1 \
	--redis redis://127.0.0.1:1 --upsert id
t_status 64
t_stderr_has "tide-sink: --transactional-id is for -t"
t_run "--transactional-id alone" tide-sink --transactional-id t1
t_status 64
t_stderr_has "tide-sink: give one of -t topic, -o path"
t_run "--transactional-id empty" tide-sink -b "$BROKERS" -t xout --transactional-id ''
t_status 64
t_stderr_has "tide-sink: --transactional-id: empty name"
t_run "-X transactional.id" tide-sink -b "$BROKERS" -t xout -X transactional.id=t1
t_status 64
t_stderr_has "tide-sink: -X transactional.id: give --transactional-id"
test ! -e "$D/x.ndjson" && test ! -e "$D/x.db" ||
	t_fail "a usage error left a file behind"

# --- source -G | sink --transactional-id ---------------------------------------
# tee -i between the two (a foreign program: passed by the discovery, and
# it keeps a copy of the lines, barriers with them).
T_NAME="txn pipeline"
$TO sh -c "tide-source -v -b $BROKERS -t xin -G gtx -e -J --barrier-interval 200ms \
	2>$D/tx.src.err | tee -i $D/tx.raw |
	tide-sink -v --stats -b $BROKERS -t xout -J --transactional-id tx1 \
	2>$D/tx.sink.err; echo \$? >$D/tx.sink.rc"
T_RC=$?
t_status 0
t_ok "txn pipeline: the sink exits 0" test "$(cat "$D/tx.sink.rc")" = 0
ids xout >"$D/tx.ids"
t_ok "txn pipeline: every record arrives once (kcat, read_committed)" \
	cmp "$D/all.ids" "$D/tx.ids"
pyids xout >"$D/tx.pyids"
t_ok "txn pipeline: every record arrives once (python3-kafka)" \
	cmp "$D/all.ids" "$D/tx.pyids"
t_ok "txn pipeline: the source leaves the commits to the sink" \
	grep -qF "tide-source: the sink downstream commits the group's offsets in its transactions: none are committed here" \
	"$D/tx.src.err"
# The barriers carry the group's metadata: its id is in it.
jq -r 'select(has("@barrier")) | .["@barrier"].group // "none"' \
	"$D/tx.raw" >"$D/tx.groups"
t_ok "txn pipeline: barriers came" test -s "$D/tx.groups"
t_ok "txn pipeline: every barrier carries the group's metadata" \
	sh -c "! grep -qx none $D/tx.groups"
t_ok "txn pipeline: the metadata names group gtx" \
	sh -c "tail -n 1 $D/tx.groups | base64 -d | grep -qa gtx"
# A transaction per barrier, the last (the final barrier's) with the
# group's offsets, and --stats counting the same.
nb=$(jq -c 'select(has("@barrier"))' "$D/tx.raw" | wc -l)
nt=$(grep -c 'tide-sink: barrier [0-9]*: transaction [0-9]* committed' "$D/tx.sink.err")
t_ok "txn pipeline: a transaction committed per barrier ($nb barriers, $nt commits)" \
	test "$nb" = "$nt"
t_ok "txn pipeline: the final barrier's transaction carries the offsets" \
	sh -c "grep 'tide-sink: barrier [0-9]*: transaction' $D/tx.sink.err | tail -n 1 |
		grep -q \"transaction $nt committed with the group's offsets\""
t_ok "txn pipeline: --stats counts them" \
	grep -q "sent $N, delivered $N, failed 0, pending 0, transactions $nt, with offsets [1-9][0-9]*, aborted 0" \
	"$D/tx.sink.err"
# The group's offsets: the source committed none (a plain run on the same
# mock, below, shows that its commits are kept and read back), and the
# mock discards the sink's TxnOffsetCommit, so none are there at all.
t_ok "txn pipeline: no offsets committed by the source (the mock discards the sink's)" \
	test "$(committed gtx xin)" = "None None"
$TO sh -c "tide-source -b $BROKERS -t xin -G gplain -e -J --barrier-interval 200ms |
	tide-sink -b $BROKERS -t xplain -J" 2>"$D/plain.err"
t_ok "plain pipeline: the source commits what was acknowledged" \
	sh -c "committed gplain xin | awk '{ exit !(\$1 + \$2 == $N) }'"

# --- A tide stage between: tide-join relays the hello, passes the group -------
printf 'id,name\n1,one\n2,two\n' >"$D/names.csv"
$TO sh -c "tide-source -v -b $BROKERS -t xin -G gjoin -e -J --barrier-interval 200ms \
	2>$D/jo.src.err | tide-join -T $D/names.csv --on value.id=id --left 2>$D/jo.join.err |
	tide-sink -v --stats -b $BROKERS -t xjoin --transactional-id tx6 \
	2>$D/jo.sink.err; echo \$? >$D/jo.sink.rc"
t_ok "through tide-join: the sink exits 0" test "$(cat "$D/jo.sink.rc")" = 0
t_ok "through tide-join: the source heard the sink's txn" \
	grep -qF "tide-source: the sink downstream commits the group's offsets in its transactions" \
	"$D/jo.src.err"
t_ok "through tide-join: the final barrier's transaction carries the offsets" \
	sh -c "grep 'tide-sink: barrier [0-9]*: transaction' $D/jo.sink.err | tail -n 1 |
		grep -q \"with the group's offsets\""
$TO kcat -b "$BROKERS" -C -t xjoin -e -q -X isolation.level=read_committed \
	-f '%s\n' | jq -r .value.id | sort -n >"$D/jo.ids"
t_ok "through tide-join: every record arrives once" cmp "$D/all.ids" "$D/jo.ids"
t_ok "through tide-join: no offsets committed by the source" \
	test "$(committed gjoin xin)" = "None None"

# --- No tide stage upstream: transactions without offsets ------------------------
T_IN=$D/in.ndjson
t_run "no stage upstream" tide-sink -v --stats -b "$BROKERS" -t xalone \
	--transactional-id tx2
t_status 0
t_stderr_has "tide-sink: no tide stage upstream: a transaction is committed every second and at the end, with no offsets"
t_stderr_has "sent $N, delivered $N, failed 0, pending 0, transactions 1, with offsets 0, aborted 0"
ids xalone >"$D/alone.ids"
t_ok "no stage upstream: every record arrives once" cmp "$D/all.ids" "$D/alone.ids"

# --- A stage upstream that writes no barriers: no transaction left open -------
# tide-join over a pipe that no tide program writes: the sink is paced by
# barriers that never come; after 10 s of records without one it commits
# them without offsets (else the coordinator would abort the transaction
# at transaction.timeout.ms), and says so.
T_IN=/dev/null
t_run "no barriers from the stage upstream" sh -c "(cat $D/in.ndjson; sleep 11) |
	tide-join -T $D/names.csv --on id --left |
	tide-sink -v --stats -b $BROKERS -t xheld --transactional-id tx7"
t_status 0
t_stderr_has "tide-sink: --transactional-id 'tx7': no barrier for 10s: records committed without offsets until the next one (at least once, not exactly)"
t_stderr_has "sent $N, delivered $N, failed 0, pending 0, transactions 1, with offsets 0, aborted 0"
t_ok "no barriers from the stage upstream: the transaction is committed before the end" \
	sh -c "! grep -q 'no tide stage upstream' $T_ERR"
$TO kcat -b "$BROKERS" -C -t xheld -e -q -X isolation.level=read_committed \
	-f '%s\n' | jq -r .id | sort -n >"$D/held.ids"
t_ok "no barriers from the stage upstream: every record arrives once" \
	cmp "$D/all.ids" "$D/held.ids"

# --- Ctrl-C: the drain ends with the final barrier's transaction ----------------
# The pipeline in a process group of its own; SIGINT to all of it, as
# Ctrl-C in a terminal sends it, once a transaction has carried offsets.
setsid bash -c "tide-source -v -b $BROKERS -t xin -G gint -J --barrier-interval 200ms \
	2>$D/int.src.err | tide-sink -v -b $BROKERS -t xint -J --transactional-id tx3 \
	2>$D/int.sink.err; echo \"\${PIPESTATUS[*]}\" >$D/int.st" 2>/dev/null &
PG=$!
i=0
until grep -q "with the group's offsets" "$D/int.sink.err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 600 ] && break
	sleep 0.1
done
kill -INT -"$PG"
i=0
while [ ! -s "$D/int.st" ] && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
[ -s "$D/int.st" ] || kill -KILL -"$PG" 2>/dev/null
wait "$PG" 2>/dev/null
t_ok "Ctrl-C: both stages exit 0" test "$(cat "$D/int.st")" = "0 0"
t_ok "Ctrl-C: the last transaction is the final barrier's, with the offsets" \
	sh -c "grep 'tide-sink: barrier [0-9]*: transaction' $D/int.sink.err | tail -n 1 |
		grep -q \"with the group's offsets\""
ids xint >"$D/int.ids"
t_ok "Ctrl-C: every record arrives once" cmp "$D/all.ids" "$D/int.ids"

# --- tide-sink(1)'s example, as written ------------------------------------------
awk '/^tide-source -b \$BROKERS -t tx -G copy/ { f = 1 } f { print } f && !/\\e$/ { exit }' \
	"$T_ROOT/man/tide-sink.1" | sed 's/\\e$/\\/' >"$D/example.sh"
t_ok "example: found in tide-sink(1)" grep -q -- '--transactional-id copy-tx' "$D/example.sh"
tide-sink -b "$BROKERS" -t tx -k id <"$D/in.ndjson" 2>"$D/prod2.err"
T_IN=/dev/null
t_run "example: copy a topic exactly once" $TO sh "$D/example.sh"
t_status 0
ids tx-exact >"$D/ex.ids"
t_ok "example: every record copied once" cmp "$D/all.ids" "$D/ex.ids"

# --- Failures: the transaction aborted, the producer fenced -----------------------
# Injected into the coordinator's answers (the mock fences nothing itself).
# The run ends 75 with words saying what became of the records.
mock_cmd "error TxnOffsetCommit ILLEGAL_GENERATION 1000"
T_IN=/dev/null
T_NAME="abortable"
$TO sh -c "tide-source -b $BROKERS -t xin -G gab -e -J --barrier-interval 200ms \
	2>$D/ab.src.err | tide-sink -b $BROKERS -t xab -J --transactional-id tx4 \
	2>$D/ab.sink.err; echo \$? >$D/ab.sink.rc"
mock_cmd "clear TxnOffsetCommit"
t_ok "abortable: the sink exits 75" test "$(cat "$D/ab.sink.rc")" = 75
t_ok "abortable: it says the transaction was aborted" \
	grep -q "tide-sink: --transactional-id 'tx4': send offsets to transaction: .*: transaction aborted: the records since the last commit are not delivered, and their offsets not committed: the group reads them again" \
	"$D/ab.sink.err"

mock_cmd "error EndTxn PRODUCER_FENCED 1000"
T_NAME="fenced"
$TO sh -c "tide-source -b $BROKERS -t xin -G gfe -e -J --barrier-interval 200ms \
	2>$D/fe.src.err | tide-sink -b $BROKERS -t xfe -J --transactional-id tx5 \
	2>$D/fe.sink.err; echo \$? >$D/fe.sink.rc"
mock_cmd "clear EndTxn"
t_ok "fenced: the sink exits 75" test "$(cat "$D/fe.sink.rc")" = 75
t_ok "fenced: it says so" \
	grep -q "tide-sink: --transactional-id 'tx5': commit transaction: .*fenced.*(fatal: .*): the records since the last commit are not delivered" \
	"$D/fe.sink.err"

t_done
