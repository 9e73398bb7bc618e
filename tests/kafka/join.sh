#!/bin/sh
# tide-join -T kafka:TOPIC against tide-mock: a changelog table loaded from
# every partition (last value per key, tombstones delete), --table-key,
# updates and deletes arriving while the stream runs, the stream held until
# the table is loaded (and not with --no-wait), as-of joins on a Kafka
# table, bad table messages, and unknown topics / unreachable brokers; the
# interval join with a stream from a topic (--with kafka:TOPIC).
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

mock_start -t jt.cust:2 -t jt.tk:1 -t jt.live:1 -t jt.big:2 -t jt.asof:1 \
	-t jt.bad:1 -t jt.wide:1 -t jt.empty:3 -t transactions:2 -t customers:2 \
	-t jt.pay:2 -t jt.payq:1 -t jt.payb:1
D=$T_DIR

# python3-kafka producer: lines "partition ts_ms key|- value|-" (- is null),
# so tests control message timestamps, which kcat cannot.
cat >"$D/prod.py" <<'EOF'
import sys
from kafka import KafkaProducer
br, topic = sys.argv[1], sys.argv[2]
p = KafkaProducer(bootstrap_servers=br, api_version=(2, 5, 0),
                  request_timeout_ms=5000, max_block_ms=5000)
for line in sys.stdin:
    part, ts, key, val = line.rstrip("\n").split(" ", 3)
    p.send(topic, partition=int(part), timestamp_ms=int(ts),
           key=None if key == "-" else key.encode(),
           value=None if val == "-" else val.encode())
p.flush(5)
EOF
py_produce() { timeout 30 "$PY" "$D/prod.py" "$BROKERS" "$1"; }
# kprod TOPIC PARTITION: kcat -K: -Z lines "key:value" (empty value: null).
kprod() { timeout 20 kcat -P -b "$BROKERS" -t "$1" -p "$2" -K: -Z; }

# --- a changelog over two partitions ------------------------------------------

kprod jt.cust 0 <<'EOF'
a1:{"account":"a1","risk":0.1,"seg":"retail"}
a2:{"account":"a2","risk":0.2,"seg":"gold"}
a1:{"account":"a1","risk":0.3,"seg":"retail"}
a3:{"risk":0.9,"seg":null}
a2:
EOF
kprod jt.cust 1 <<'EOF'
42:{"risk":0.42,"seg":"num"}
a5:{"risk":0.5}
a5:
a5:{"risk":0.55,"seg":"back"}
EOF
cat >"$D/s.ndjson" <<'EOF'
{"account":"a1","n":1}
{"account":"a2","n":2}
{"account":"a3","n":3}
{"account":42,"n":4}
{"account":"a5","n":5}
{"account":"a9","n":6}
EOF
T_IN=$D/s.ndjson
t_run "kafka table: last value per key, tombstones delete" timeout 30 \
	tide-join -b "$BROKERS" -T kafka:jt.cust --on account --left --miss-field why
t_status 0
t_stdout <<'EOF'
{"account":"a1","n":1,"risk":0.3,"seg":"retail","why":null}
{"account":"a2","n":2,"risk":null,"seg":null,"why":"no_match"}
{"account":"a3","n":3,"risk":0.9,"seg":null,"why":null}
{"account":42,"n":4,"risk":0.42,"seg":"num","why":null}
{"account":"a5","n":5,"risk":0.55,"seg":"back","why":null}
{"account":"a9","n":6,"risk":null,"seg":null,"why":"no_match"}
EOF

t_run "kafka table: inner join, --select, --prefix, TIDE_BROKERS" \
	env TIDE_BROKERS="$BROKERS" timeout 30 tide-join -T kafka:jt.cust \
	--on account --select seg --prefix c_
t_status 0
t_stdout <<'EOF'
{"account":"a1","n":1,"c_seg":"retail"}
{"account":"a3","n":3,"c_seg":null}
{"account":42,"n":4,"c_seg":"num"}
{"account":"a5","n":5,"c_seg":"back"}
EOF

t_run "kafka table: anti join" timeout 30 \
	tide-join -b "$BROKERS" -T kafka:jt.cust --on account --anti
t_stdout <<'EOF'
{"account":"a2","n":2}
{"account":"a9","n":6}
EOF

t_run "kafka table: -v reports the load" timeout 30 \
	tide-join -v -b "$BROKERS" -T kafka:jt.cust --on account --stats
t_status 0
t_stderr_has "table 'kafka:jt.cust': 2 partitions, 9 rows, 4 keys, loaded in"
t_stderr_has "table 'kafka:jt.cust': 9 messages, 7 upserts, 2 deletes, 0 bad"

# --- --table-key: rows keyed by a value field ---------------------------------

kprod jt.tk 0 <<'EOF'
x:{"id":"c1","v":1}
y:{"id":"c2","v":2}
z:{"id":"c1","v":3}
c2:
nokey:{"v":4}
EOF
printf '{"c":"c1"}\n{"c":"c2"}\n' >"$D/tk.ndjson"
T_IN=$D/tk.ndjson
t_run "--table-key: keyed by the value's field; tombstone by message key" \
	timeout 30 tide-join -b "$BROKERS" -T kafka:jt.tk --on c=id --table-key id --left
t_status 0
t_stdout <<'EOF'
{"c":"c1","v":3}
{"c":"c2","v":null}
EOF
t_stderr_has "table 'kafka:jt.tk': partition 0 offset 4: key field 'id' is missing"

t_run "--strict: a bad table message stops the load (65)" \
	timeout 30 tide-join -b "$BROKERS" -T kafka:jt.tk --on c=id --table-key id --strict
t_status 65
t_stdout </dev/null
t_stderr_has "table 'kafka:jt.tk': partition 0 offset 4: key field 'id' is missing"

# A row over the table's cap (more than 256 columns, learnt from the first
# row) ends the table as it ends a file table: 65, bad data (it was 1).
W=$("$PY" -c 'import json; print(json.dumps({"c%d" % i: i for i in range(300)}))')
printf 'w1:%s\n' "$W" | kprod jt.wide 0
printf '%s\n' "$W" >"$D/wide.ndjson"
printf '{"k":"w1"}\n' >"$D/widein.ndjson"
T_IN=$D/widein.ndjson
t_run "a Kafka table row over the column cap ends the run (65)" \
	timeout 30 tide-join -b "$BROKERS" -T kafka:jt.wide --on k
t_status 65
t_stdout </dev/null
t_stderr_has "table 'kafka:jt.wide': more than 256 columns"
t_run "a file table row over the column cap: the same (65)" \
	tide-join -T "$D/wide.ndjson" --on k=c0
t_status 65
t_stderr_has "more than 256 columns"

kprod jt.bad 0 <<'EOF'
k1:not json
k2:[1,2]
k3:{"v":3}
EOF
printf '{"v":9}\n' | timeout 20 kcat -P -b "$BROKERS" -t jt.bad -p 0
printf '{"k":"k1"}\n{"k":"k3"}\n' >"$D/bad.ndjson"
T_IN=$D/bad.ndjson
t_run "bad table messages are reported with partition and offset, skipped" \
	timeout 30 tide-join -b "$BROKERS" -T kafka:jt.bad --on k --left
t_status 0
t_stdout <<'EOF'
{"k":"k1","v":null}
{"k":"k3","v":3}
EOF
t_stderr_has "table 'kafka:jt.bad': partition 0 offset 0: value is not a JSON object"
t_stderr_has "table 'kafka:jt.bad': partition 0 offset 1: value is not a JSON object"
t_stderr_has "table 'kafka:jt.bad': partition 0 offset 3: no message key"

t_run "an empty topic loads at once; no row, no columns" timeout 30 \
	tide-join -b "$BROKERS" -T kafka:jt.empty --on k --left --miss-field why
t_status 0
t_stdout <<'EOF'
{"k":"k1","why":"no_match"}
{"k":"k3","why":"no_match"}
EOF

# --- updates and deletes while the stream runs ----------------------------------
# The stream comes from a fifo fed over time.  After each table change a
# marker row "sync" is produced to the same partition, and probe records
# are fed until the join shows the marker: then every change before it has
# been applied.  Probe lines are left out of the comparison.

kprod jt.live 0 <<'EOF'
b1:{"level":"low"}
b2:{"level":"mid"}
EOF
mkfifo "$D/live.in"
tide-join -b "$BROKERS" -T kafka:jt.live --on acct --left --miss-field why \
	<"$D/live.in" >"$D/live.out" 2>"$D/live.err" &
LIVEPID=$!
exec 8>"$D/live.in"
T_CLEANUP="exec 8>&-; kill $LIVEPID 2>/dev/null; $T_CLEANUP"
sync_to() {
	printf 'sync:{"level":"%s"}\n' "$1" | kprod jt.live 0
	_n=0
	while ! grep -q "\"level\":\"$1\"" "$D/live.out"; do
		_n=$((_n + 1))
		if [ $_n -gt 150 ]; then
			t_fail "live: marker $1 never seen" "$(cat "$D/live.err")"
			return 1
		fi
		echo '{"acct":"sync"}' >&8
		sleep 0.1
	done
}
echo '{"acct":"b1","i":1}' >&8
echo '{"acct":"b2","i":2}' >&8
echo '{"acct":"b3","i":3}' >&8
sync_to m1
kprod jt.live 0 <<'EOF'
b1:{"level":"high"}
b2:
b3:{"level":"new"}
EOF
sync_to m2
echo '{"acct":"b1","i":4}' >&8
echo '{"acct":"b2","i":5}' >&8
echo '{"acct":"b3","i":6}' >&8
kprod jt.live 0 <<'EOF'
b2:{"level":"again"}
b1:
EOF
sync_to m3
echo '{"acct":"b1","i":7}' >&8
echo '{"acct":"b2","i":8}' >&8
exec 8>&-
wait $LIVEPID
T_RC=$?
T_NAME="live updates and deletes mid-stream"
cp "$D/live.err" "$T_ERR"
t_status 0
grep -v '"acct":"sync"' "$D/live.out" >"$T_OUT"
t_stdout <<'EOF'
{"acct":"b1","i":1,"level":"low","why":null}
{"acct":"b2","i":2,"level":"mid","why":null}
{"acct":"b3","i":3,"level":null,"why":"no_match"}
{"acct":"b1","i":4,"level":"high","why":null}
{"acct":"b2","i":5,"level":null,"why":"no_match"}
{"acct":"b3","i":6,"level":"new","why":null}
{"acct":"b1","i":7,"level":null,"why":"no_match"}
{"acct":"b2","i":8,"level":"again","why":null}
EOF

# --- the stream is held until the table is loaded ---------------------------------
# 3000 rows over two partitions, behind 150 ms of broker latency: loading
# takes several round trips, so a record that went through at once would
# miss the last rows.

awk 'BEGIN { for (i = 0; i < 3000; i++) printf "r%d:{\"v\":%d}\n", i, i }' >"$D/big.kv"
head -1500 "$D/big.kv" | kprod jt.big 0
tail -1500 "$D/big.kv" | kprod jt.big 1
printf '{"k":"r1499"}\n{"k":"r2999"}\n{"k":"r0"}\n' >"$D/big.ndjson"
mock_cmd "broker all rtt 150"
T_IN=$D/big.ndjson
t_run "the stream is held until every partition is loaded" timeout 60 \
	tide-join -b "$BROKERS" -T kafka:jt.big --on k --left --select v \
	-X fetch.max.bytes=4096 -X message.max.bytes=2048 \
	-X max.partition.fetch.bytes=2048
t_status 0
t_stdout <<'EOF'
{"k":"r1499","v":1499}
{"k":"r2999","v":2999}
{"k":"r0","v":0}
EOF
t_run "--no-wait: the stream does not wait" timeout 60 \
	tide-join -b "$BROKERS" -T kafka:jt.big --on k --left --select v --no-wait
t_status 0
t_stdout <<'EOF'
{"k":"r1499","v":null}
{"k":"r2999","v":null}
{"k":"r0","v":null}
EOF
mock_cmd "broker all rtt 0"

# --- as-of joins on a Kafka table ---------------------------------------------
# Versions by the message timestamp (no --table-time), or by a value field;
# a tombstone ends the key's history at its timestamp.

py_produce jt.asof <<'EOF'
0 1000 p1 {"price":10,"valid":500}
0 3000 p1 {"price":30,"valid":2500}
0 2000 p1 {"price":20,"valid":1500}
0 2000 p2 {"price":7,"valid":100}
0 4000 p1 -
0 5000 p1 {"price":50,"valid":4500}
EOF
cat >"$D/asof.ndjson" <<'EOF'
{"sku":"p1","ts":999}
{"sku":"p1","ts":1000}
{"sku":"p1","ts":2999}
{"sku":"p1","ts":3500}
{"sku":"p1","ts":4000}
{"sku":"p1","ts":6000}
{"sku":"p2","ts":1999}
{"sku":"p2","ts":9000}
EOF
T_IN=$D/asof.ndjson
t_run "as-of on a kafka table: versions by message timestamp" timeout 30 \
	tide-join -b "$BROKERS" -T kafka:jt.asof --on sku --as-of ts --left \
	--time-unit ms --select price --miss-field why
t_status 0
t_stdout <<'EOF'
{"sku":"p1","ts":999,"price":null,"why":"before_first_version"}
{"sku":"p1","ts":1000,"price":10,"why":null}
{"sku":"p1","ts":2999,"price":20,"why":null}
{"sku":"p1","ts":3500,"price":30,"why":null}
{"sku":"p1","ts":4000,"price":null,"why":"no_match"}
{"sku":"p1","ts":6000,"price":50,"why":null}
{"sku":"p2","ts":1999,"price":null,"why":"before_first_version"}
{"sku":"p2","ts":9000,"price":7,"why":null}
EOF
t_run "as-of on a kafka table: versions by --table-time" timeout 30 \
	tide-join -b "$BROKERS" -T kafka:jt.asof --on sku --as-of ts \
	--time-unit ms --table-time valid --left --select price --miss-field why
t_status 0
t_stdout <<'EOF'
{"sku":"p1","ts":999,"price":10,"why":null}
{"sku":"p1","ts":1000,"price":10,"why":null}
{"sku":"p1","ts":2999,"price":30,"why":null}
{"sku":"p1","ts":3500,"price":30,"why":null}
{"sku":"p1","ts":4000,"price":null,"why":"no_match"}
{"sku":"p1","ts":6000,"price":50,"why":null}
{"sku":"p2","ts":1999,"price":7,"why":null}
{"sku":"p2","ts":9000,"price":7,"why":null}
EOF

# --- interval join with a Kafka stream (--with kafka:TOPIC) --------------------
#
# Orders on stdin (a fifo, so the test decides what tide-join has seen when),
# payments on a two-partition topic.  Against an awk oracle: every pair of
# an order and a payment of the same key within 40 ms, an order without one
# written once with nulls (--left); late records are tagged "late" by the
# test and left out of the oracle.  Times rise with a jitter of +-15 ms, so
# --delay 30ms makes no record of phase 1 late however the two streams
# interleave; sync points (tide-join's --stats on SIGUSR1) fix what it has
# read before the late records and the out-of-order arrivals come.

# igen SEED N KIND: N records, times rising 0..20 ms a step, jitter +-15 ms,
# keys k0..k7; KIND o (orders: amt) or p (payments: pid).
igen() {
	awk -v seed="$1" -v n="$2" -v kind="$3" 'BEGIN {
		srand(seed); t = 100
		for (i = 0; i < n; i++) {
			t += int(rand() * 21); ts = t + int(rand() * 31) - 15
			k = int(rand() * 8)
			if (kind == "o")
				printf "{\"ts\":%d,\"order\":\"k%d\",\"amt\":%d}\n", ts, k, i
			else
				printf "{\"ts\":%d,\"order\":\"k%d\",\"pid\":\"p%d\"}\n", ts, k, i
		}
	}'
}
# ioracle ORDERS PAYMENTS D: the left interval join, brute force, sorted.
ioracle() {
	awk -v D="$3" '
	function num(s, f,   m) { match(s, "\"" f "\":-?[0-9]+"); m = substr(s, RSTART, RLENGTH); sub(/.*:/, "", m); return m + 0 }
	function str(s, f,   m) { match(s, "\"" f "\":\"[^\"]*\""); m = substr(s, RSTART, RLENGTH); sub(/^[^:]*:/, "", m); return m }
	/"late"/ { next }
	FNR == NR { np++; pl[np] = $0; pt[np] = num($0, "ts"); pk[np] = str($0, "order"); next }
	{
		t = num($0, "ts"); k = str($0, "order"); hit = 0
		for (j = 1; j <= np; j++) {
			d = pt[j] - t
			if (pk[j] == k && d <= D && -d <= D) {
				print substr($0, 1, length($0) - 1) ",\"p_pid\":" str(pl[j], "pid") ",\"why\":null}"
				hit = 1
			}
		}
		if (!hit)
			print substr($0, 1, length($0) - 1) ",\"p_pid\":null,\"why\":\"no_match\"}"
	}' "$2" "$1" | LC_ALL=C sort
}
# wait_in PID ERRFILE N: until tide-join has read N records (10 s at most).
# SIGUSR1 is sent only once tide-join catches it (/proc: SigCgt, mask 0x200).
wait_in() {
	_w=0
	while [ $_w -lt 100 ] && ! awk '/^SigCgt:/ { exit substr($2, 14, 1) !~ /[2367abef]/ }' \
	    "/proc/$1/status" 2>/dev/null; do
		sleep 0.1
		_w=$((_w + 1))
	done
	_w=0
	while [ $_w -lt 100 ]; do
		kill -USR1 "$1" 2>/dev/null
		sleep 0.1
		grep -q "records in $3," "$2" && return 0
		_w=$((_w + 1))
	done
	return 1
}
# kput TOPIC PARTITION: values from stdin, one a line.
kput() { timeout 20 kcat -P -b "$BROKERS" -t "$1" -p "$2"; }

igen 7 300 o >"$D/io.nd"
igen 8 300 p >"$D/ip.nd"
mkfifo "$D/ififo"
rm -f "$D/ilate.got"
# Not under timeout(1): the signals for --stats must reach tide-join itself.
tide-join -b "$BROKERS" --with kafka:jt.pay --within 40ms --delay 30ms \
	--on order --select pid --prefix p_ --left --miss-field why --time-unit ms \
	--late-file "$D/ilate.got" --stats <"$D/ififo" >"$D/iout" 2>"$D/ierr" &
ipid=$!
exec 8>"$D/ififo"
# Phase 1: both streams in six steps of 50 records each, so state stays
# bounded by what one stream is ahead of the other.
for c in 1 2 3 4 5 6; do
	awk -v c=$c 'NR > (c - 1) * 50 && NR <= c * 50 && NR % 2 == 1' "$D/ip.nd" | kput jt.pay 0
	awk -v c=$c 'NR > (c - 1) * 50 && NR <= c * 50 && NR % 2 == 0' "$D/ip.nd" | kput jt.pay 1
	awk -v c=$c 'NR > (c - 1) * 50 && NR <= c * 50' "$D/io.nd" >&8
	t_ok "kafka stream: phase 1, step $c: $((c * 100)) records read" \
		wait_in $ipid "$D/ierr" $((c * 100))
done
# Late on both sides: behind the watermark of what both have shown.
printf '%s\n' '{"ts":150,"order":"k1","amt":-1,"late":1}' >&8
printf '%s\n' '{"ts":160,"order":"k1","pid":"late","late":1}' | kput jt.pay 0
t_ok "kafka stream: late records read" wait_in $ipid "$D/ierr" 602
# Orders far ahead of the payments: held (the topic's watermark is behind),
# so the payments that come afterwards still find them.
printf '%s\n' '{"ts":50000,"order":"kx","amt":-2}' '{"ts":90000,"order":"ky","amt":-3}' >&8
t_ok "kafka stream: orders ahead read" wait_in $ipid "$D/ierr" 604
printf '%s\n' '{"ts":50030,"order":"kx","pid":"px"}' | kput jt.pay 1
printf '%s\n' '{"ts":89990,"order":"ky","pid":"py"}' | kput jt.pay 0
t_ok "kafka stream: their payments read" wait_in $ipid "$D/ierr" 606
exec 8>&-
wait $ipid
t_ok "kafka stream: exit 0 at the end of stdin" test $? -eq 0
{
	cat "$D/io.nd"
	printf '%s\n' '{"ts":150,"order":"k1","amt":-1,"late":1}' \
		'{"ts":50000,"order":"kx","amt":-2}' '{"ts":90000,"order":"ky","amt":-3}'
} >"$D/io.all"
{
	cat "$D/ip.nd"
	printf '%s\n' '{"ts":160,"order":"k1","pid":"late","late":1}' \
		'{"ts":50030,"order":"kx","pid":"px"}' '{"ts":89990,"order":"ky","pid":"py"}'
} >"$D/ip.all"
ioracle "$D/io.all" "$D/ip.all" 40 >"$D/iexp"
LC_ALL=C sort "$D/iout" >"$D/igot"
t_ok "kafka stream vs awk oracle: $(wc -l <"$D/iexp") records, matches and misses" \
	cmp "$D/iexp" "$D/igot"
t_ok "oracle has matches and misses" sh -c "grep -q '\"why\":null' '$D/iexp' &&
	grep -q '\"why\":\"no_match\"' '$D/iexp' && test \$(wc -l <'$D/iexp') -gt 300"
t_ok "an order paid after a later order was read still joins (no null first)" \
	grep -qxF '{"ts":50000,"order":"kx","amt":-2,"p_pid":"px","why":null}' "$D/iout"
grep '"why":"no_match"' "$D/iout" | sed 's/,"p_pid".*//' | sort >"$D/imiss"
grep '"why":null' "$D/iout" | sed 's/,"p_pid".*//' | sort -u >"$D/ihit"
t_ok "kafka stream: no order both unmatched and matched" \
	sh -c "! comm -12 '$D/imiss' '$D/ihit' | grep -q ."
printf '%s\n' '{"ts":150,"order":"k1","amt":-1,"late":1}' \
	'{"ts":160,"order":"k1","pid":"late","late":1}' >"$D/ilate.exp"
LC_ALL=C sort "$D/ilate.got" >"$D/ilate.srt"
t_ok "kafka stream: the two late records are in --late-file" cmp "$D/ilate.exp" "$D/ilate.srt"
t_ok "kafka stream: --stats counts 2 late records" grep -q "2 late records; state peak" "$D/ierr"
peak=$(sed -n 's/.*state peak \([0-9]*\) records.*/\1/p' "$D/ierr")
t_ok "kafka stream: state stays bounded ($peak of 606)" test "${peak:-999}" -lt 120

# A quiet topic: without --idle it holds the watermark, so an unmatched order
# waits (for the end of stdin); with --idle it is written while stdin is
# still open.
rm -f "$D/ififo"
mkfifo "$D/ififo"
tide-join -b "$BROKERS" --with kafka:jt.payq --within 100ms --on order \
	--left --time-unit ms <"$D/ififo" >"$D/qout" 2>"$D/qerr" &
qpid=$!
exec 8>"$D/ififo"
printf '%s\n' '{"ts":1000,"order":"a","amt":1}' '{"ts":5000,"order":"b","amt":2}' >&8
sleep 1.5
t_ok "quiet topic, no --idle: nothing written yet" test ! -s "$D/qout"
t_ok "quiet topic, no --idle: still running" kill -0 $qpid
exec 8>&-
wait $qpid
t_ok "quiet topic, no --idle: exit 0 at the end of stdin" test $? -eq 0
printf '%s\n' '{"ts":1000,"order":"a","amt":1}' '{"ts":5000,"order":"b","amt":2}' >"$D/qexp"
t_ok "quiet topic, no --idle: both orders at the end" cmp "$D/qexp" "$D/qout"

rm -f "$D/ififo"
mkfifo "$D/ififo"
tide-join -b "$BROKERS" --with kafka:jt.payq --within 100ms --on order \
	--left --time-unit ms --idle 300ms <"$D/ififo" >"$D/qout" 2>"$D/qerr" &
qpid=$!
exec 8>"$D/ififo"
printf '%s\n' '{"ts":1000,"order":"a","amt":1}' '{"ts":5000,"order":"b","amt":2}' >&8
_w=0
while [ $_w -lt 50 ] && [ "$(wc -l <"$D/qout")" -lt 2 ]; do sleep 0.1; _w=$((_w + 1)); done
t_ok "--idle 300ms: a quiet topic stops holding; both orders out, stdin open" \
	cmp "$D/qexp" "$D/qout"
t_ok "--idle: still running" kill -0 $qpid
exec 8>&-
wait $qpid
t_ok "--idle: exit 0 at the end of stdin" test $? -eq 0

# Bad messages on the topic: reported with partition and offset, skipped.
printf '%s\n' 'not json' '{"order":"a"}' '{"ts":1000,"order":null}' \
	'{"ts":1010,"order":"a","pid":"ok"}' | kput jt.payb 0
printf '{"ts":1000,"order":"a","amt":1}\n' >"$D/b.nd"
T_IN=$D/b.nd
t_run "kafka stream: bad messages reported, skipped" timeout 30 \
	tide-join -b "$BROKERS" --with kafka:jt.payb --within 100ms --on order \
	--time-unit ms --select pid
t_status 0
t_stdout <<'EOF'
{"ts":1000,"order":"a","amt":1,"pid":"ok"}
EOF
t_stderr_has "tide-join: kafka:jt.payb partition 0: line 0: not valid JSON: bad literal at byte 0"
t_stderr_has "kafka:jt.payb partition 0: line 1: time field 'ts' is missing"
t_stderr_has "kafka:jt.payb partition 0: line 2: key field 'order' is null"
t_run "kafka stream: --strict stops at a bad message (65)" timeout 30 \
	tide-join -b "$BROKERS" --with kafka:jt.payb --within 100ms --on order \
	--time-unit ms --strict
t_status 65
t_stdout </dev/null

t_run "kafka stream: unknown topic" timeout 30 tide-join -b "$BROKERS" \
	--with kafka:jt.nope --within 1s --on order
t_status 69
t_stderr_has "tide-join: stream 'kafka:jt.nope': topic 'jt.nope' not found"
t_run "kafka stream: no brokers" env -u TIDE_BROKERS tide-join --with kafka:jt.pay \
	--within 1s --on order
t_status 64
t_stderr_has "a kafka stream needs brokers: -b or TIDE_BROKERS"
t_run "kafka stream: no topic" tide-join -b "$BROKERS" --with kafka: --within 1s --on order
t_status 64
t_stderr_has "--with: no topic in 'kafka:'"
t_run "--idle needs a kafka stream" tide-join --with "$D/b.nd" --within 1s --on order --idle 1s
t_status 64
t_stderr_has "--idle needs --with kafka:topic"
t_run "--idle needs --with" tide-join -T "$D/b.nd" --on order --idle 1s
t_status 64
t_stderr_has "--idle and --late-file need --with"
t_run "--idle must be more than 0" tide-join -b "$BROKERS" --with kafka:jt.pay \
	--within 1s --on order --idle 0s
t_status 64
t_stderr_has "--idle: must be at least 1ms: '0s'"

# --- unavailable: exit 69 with a clear message, in bounded time ----------------

T_IN=$D/s.ndjson
# An unknown topic is answered at once, not after --metadata-timeout: with
# an hour's timeout, waiting would end at timeout's hang guard (124).
t_run "unknown topic" timeout 120 tide-join -b "$BROKERS" -T kafka:jt.nope \
	--on account --metadata-timeout 1h
t_status 69
t_stdout </dev/null
t_stderr_has "tide-join: table 'kafka:jt.nope': topic 'jt.nope' not found"

t_run "unreachable brokers" timeout 120 tide-join -b 127.0.0.1:1 \
	--metadata-timeout 1s -T kafka:jt.cust --on account
t_status 69
t_stdout </dev/null
t_stderr_has "tide-join: table 'kafka:jt.cust': brokers unreachable"

# --- the man page's Kafka EXAMPLES run ------------------------------------------

tide-gen --accounts 100 customers | timeout 30 tide-sink -b "$BROKERS" -t customers --key account
tide-gen --accounts 100 --count 200 transactions | timeout 30 tide-sink -b "$BROKERS" -t transactions
awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
	!on { next }
	/^\.Bd -literal/ { lit = 1; next }
	/^\.Ed/ { lit = 0; next }
	!lit { next }
	cont { cmd = cmd " " $0 }
	!cont && /^\$ / { cmd = substr($0, 3) }
	!cont && !/^\$ / { next }
	{ cont = 0 }
	cmd ~ /\\e$/ { sub(/\\e$/, "", cmd); cont = 1; next }
	cmd ~ /\|$/ { cont = 1; next }
	{ print cmd; cmd = "" }' "$T_ROOT/man/tide-join.1" | grep -F '$BROKERS' >"$D/excmds"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	t_run "man EXAMPLE: $cmd" timeout 60 sh -c "$cmd"
	t_status 0
	t_stderr_empty
	t_ok "man EXAMPLE: 200 records, each with a risk score" \
		test "$(grep -c '^{"ts":.*"risk_score":[0-9.]*,"segment":"' "$T_OUT")" -eq 200
done <"$D/excmds"
t_ok "man page has 1 Kafka EXAMPLE" test "$n" -eq 1

# --- usage -----------------------------------------------------------------------

t_run "no brokers" env -u TIDE_BROKERS tide-join -T kafka:jt.cust --on account
t_status 64
t_stderr_has "a kafka table needs brokers: -b or TIDE_BROKERS"
t_run "no topic" tide-join -b "$BROKERS" -T kafka: --on account
t_status 64
t_stderr_has "-T: no topic in 'kafka:'"
t_run "several keys need --table-key" tide-join -b "$BROKERS" -T kafka:jt.cust --on a,b
t_status 64
t_stderr_has "a kafka table keyed by the message key joins on one field"
t_run "--table-key count" tide-join -b "$BROKERS" -T kafka:jt.cust --on a,b --table-key x
t_status 64
t_stderr_has "--table-key: 1 fields for 2 in --on"
t_run "--watch on a kafka table" tide-join -b "$BROKERS" -T kafka:jt.cust --on a --watch
t_status 64
t_stderr_has "--watch: a kafka table follows its topic already"
t_run "bad -X" tide-join -b "$BROKERS" -X nosuch.prop=1 -T kafka:jt.cust --on a
t_status 64
t_stderr_has "nosuch.prop"
t_run "bad --down-timeout" tide-join -b "$BROKERS" -T kafka:jt.cust --on account --down-timeout soon
t_status 64
t_stderr_has "tide-join: --down-timeout: not a duration: 'soon'"
t_run "bad --down-timeout: negative" tide-join -b "$BROKERS" -T kafka:jt.cust --on account --down-timeout -5s
t_status 64
t_stderr_has "tide-join: --down-timeout: not a duration: '-5s'"
t_run "--down-timeout needs a kafka table" tide-join -T "$D/b.nd" --on order --down-timeout 5s
t_status 64
t_stdout </dev/null
t_stderr_has "tide-join: --down-timeout needs a kafka table or stream (-T kafka:topic or --with kafka:topic)"
t_run "--down-timeout is not for a file stream" tide-join --with "$D/b.nd" \
	--within 1s --on order --down-timeout 5s
t_status 64
t_stdout </dev/null
t_stderr_has "tide-join: --down-timeout needs a kafka table or stream (-T kafka:topic or --with kafka:topic)"
t_run "--down-timeout: a file stream, even with a kafka table name" tide-join -b "$BROKERS" \
	-T kafka:jt.cust --with "$D/b.nd" --within 1s --on order --down-timeout 5s
t_status 64
# 0: never give up; the table loads and joins as with the default.
printf '%s\n' '{"account":"a1"}' >"$D/dt.in"
T_IN=$D/dt.in
t_run "--down-timeout 0" timeout 20 tide-join -b "$BROKERS" -T kafka:jt.cust --on account --down-timeout 0 --select seg
t_status 0
t_stdout <<'EOF'
{"account":"a1","seg":"retail"}
EOF
T_IN=/dev/null

# --with kafka:TOPIC whose brokers go away after start: as tide-source on a
# live read, it says so every --metadata-timeout and gives up after
# --down-timeout (exit 69); an order that was waiting for its payment is
# not written as unmatched (the payment may be on the unreachable topic).
# An outage shorter than that is ridden out: "reachable again", and the
# topic's records join as before.  Last in this file: the broker goes down.
FAST="-X reconnect.backoff.ms=50 -X reconnect.backoff.max.ms=200 -X retry.backoff.ms=50"
printf '%s\n' '{"ts":1000,"order":"a","pid":"p1"}' | kput jt.payq 0
# kdown_start ARGS...: an interval join with jt.payq reading the fifo kd.fifo (fd 8).
kdown_start() {
	rm -f "$D/kd.fifo"
	mkfifo "$D/kd.fifo"
	: >"$D/kd.out"
	timeout 40 tide-join -b "$BROKERS" --with kafka:jt.payq --within 100ms --on order \
	    --left --time-unit ms --select pid --metadata-timeout 1s $FAST "$@" \
	    <"$D/kd.fifo" >"$D/kd.out" 2>"$D/kd.err" &
	kpid=$!
	exec 8>"$D/kd.fifo"
}
# kd_wait N: until the output has N lines (10 s at most).
kd_wait() {
	_i=0
	while [ $_i -lt 100 ] && [ "$(wc -l <"$D/kd.out")" -lt "$1" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(wc -l <"$D/kd.out")" -ge "$1" ]
}
T_NAME="kafka stream: broker gone for good"
kdown_start --down-timeout 3s
printf '%s\n' '{"ts":1000,"order":"a"}' >&8
t_ok "$T_NAME: the first order joined" kd_wait 1
mock_cmd "broker 1 down"
_s=$(date +%s%N)
printf '%s\n' '{"ts":3050,"order":"b"}' >&8
wait $kpid
_rc=$?
T_MS=$((($(date +%s%N) - _s) / 1000000))
exec 8>&-
mock_cmd "broker 1 up"
t_ok "$T_NAME: exit 69 (got $_rc)" test "$_rc" -eq 69
t_ok "$T_NAME: gives up after 3 s, not before (${T_MS}ms)" test "$T_MS" -ge 2500
printf '%s\n' '{"ts":1000,"order":"a","pid":"p1"}' >"$D/kd.exp"
t_ok "$T_NAME: the joined order only; the waiting ones are not written as unmatched" cmp "$D/kd.exp" "$D/kd.out"
t_ok "$T_NAME: says it is still trying" grep -qF "tide-join: stream 'kafka:jt.payq': brokers $BROKERS unreachable for 1s, still trying (giving up after 3s)" "$D/kd.err"
t_ok "$T_NAME: says it gives up" grep -qF "tide-join: stream 'kafka:jt.payq': brokers $BROKERS unreachable for 3s (--down-timeout 3s): giving up" "$D/kd.err"
t_ok "$T_NAME: no 'reachable again'" sh -c "! grep -q 'reachable again' '$D/kd.err'"

# The broker is back when kcat can read the topic's metadata.
_i=0
while [ $_i -lt 50 ] && ! timeout 5 kcat -L -b "$BROKERS" -t jt.payq -m 1 >/dev/null 2>&1; do
	sleep 0.2
	_i=$((_i + 1))
done
T_NAME="kafka stream: broker down 2.5 s and up"
kdown_start --down-timeout 8s
printf '%s\n' '{"ts":1000,"order":"a"}' >&8
t_ok "$T_NAME: the order joined" kd_wait 1
mock_cmd "broker 1 down"
sleep 2.5
mock_cmd "broker 1 up"
_i=0
while [ $_i -lt 100 ] && ! grep -q 'reachable again' "$D/kd.err"; do sleep 0.1; _i=$((_i + 1)); done
printf '%s\n' '{"ts":1000,"order":"a","pid":"p2"}' | kput jt.payq 0
exec 8>&-
wait $kpid
_rc=$?
t_ok "$T_NAME: exit 0 (got $_rc)" test "$_rc" -eq 0
printf '%s\n' '{"ts":1000,"order":"a","pid":"p1"}' '{"ts":1000,"order":"a","pid":"p2"}' >"$D/kd.exp"
t_ok "$T_NAME: joined with both payments" cmp "$D/kd.exp" "$D/kd.out"
t_ok "$T_NAME: says it is still trying" grep -qF "tide-join: stream 'kafka:jt.payq': brokers $BROKERS unreachable for 1s, still trying (giving up after 8s)" "$D/kd.err"
t_ok "$T_NAME: says it is back" grep -qF "tide-join: stream 'kafka:jt.payq': brokers $BROKERS reachable again after " "$D/kd.err"
t_ok "$T_NAME: not given up" sh -c "! grep -q 'giving up:' '$D/kd.err'"

t_done
