#!/bin/sh
# Transactional topics on tide-mock: control records (commit and abort
# markers) take an offset each but are never delivered, so a reader that
# ends at "offset high - 1 seen" would wait for an offset that never comes.
# tide-source -e / -o / --to / --from / --dry-run / -G -e and tide-replay
# (values, -J, --loop, --from/--to, --dry-run, read-ahead paused over
# markers) must end promptly (well within --metadata-timeout) with exactly
# the committed records, as kcat with isolation.level=read_committed reads
# them, also with -X enable.partition.eof=false (kept on).
#
# What librdkafka 2.0.2's mock cluster can do, found with the producer
# below (rd_kafka_init_transactions/begin/commit/abort, all answered
# without error): it takes the transactional protocol (InitProducerId,
# AddPartitionsToTxn, EndTxn) but EndTxn writes no control record, its
# Fetch answers an empty AbortedTransactions list, and its last stable
# offset is the high watermark.  So on the mock aborted records and those
# of an open transaction are delivered even to read_committed consumers
# (checked below, so this test says when the mock learns more).  The
# markers themselves are written here as a coordinator writes them: a
# control batch appended by a raw Produce request (txmark.py).
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat
t_skip_unless jq
t_skip_unless cc
/usr/bin/python3 -c 'import kafka.record' 2>/dev/null ||
	{ t_skip "python3-kafka not installed"; t_done; }

TO="timeout 120"	# a hang guard: a reader that waits ends here, status 124
MD=1h		# --metadata-timeout: a reader waiting for a marker would wait it out
# A consumer group that can be re-joined at once on the mock.
G="-X session.timeout.ms=6000 -X heartbeat.interval.ms=500"
cd "$T_DIR" || exit 1

# txprod BROKERS TOPIC TS0 STEP...: a transactional producer.  A step is
# "commit P N", "abort P N" or "open P N": a transaction of N records to
# partition P, committed, aborted, or left open at exit.  Record k (over
# all steps) is {"ts":TS0+10k,"p":P,"k":k,"txn":"commit"|...}, timestamped
# ts.  Prints each step as it ends.
cat >txprod.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>

static int
fail(const char *what, rd_kafka_error_t *e)
{
	fprintf(stderr, "txprod: %s: %s (%s)\n", what, rd_kafka_error_string(e),
	    rd_kafka_err2name(rd_kafka_error_code(e)));
	rd_kafka_error_destroy(e);
	return 1;
}

int
main(int argc, char **argv)
{
	char errstr[512], v[160];
	rd_kafka_conf_t *conf;
	rd_kafka_error_t *e;
	rd_kafka_resp_err_t r;
	rd_kafka_t *rk;
	long long ts0, k = 0;
	int i, j, n, part;

	if (argc < 4 || (argc - 4) % 3) {
		fprintf(stderr, "usage: txprod brokers topic ts0 "
		    "(commit|abort|open) partition n ...\n");
		return 64;
	}
	ts0 = atoll(argv[3]);
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr,
	    sizeof(errstr)) || rd_kafka_conf_set(conf, "transactional.id",
	    "tide-txn-test", errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr))) {
		fprintf(stderr, "txprod: %s\n", errstr);
		return 1;
	}
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL) {
		fprintf(stderr, "txprod: %s\n", errstr);
		return 1;
	}
	if ((e = rd_kafka_init_transactions(rk, 10000)) != NULL)
		return fail("init_transactions", e);
	for (i = 4; i < argc; i += 3) {
		const char *how = argv[i];

		part = atoi(argv[i + 1]);
		n = atoi(argv[i + 2]);
		if ((e = rd_kafka_begin_transaction(rk)) != NULL)
			return fail("begin_transaction", e);
		for (j = 0; j < n; j++, k++) {
			snprintf(v, sizeof(v), "{\"ts\":%lld,\"p\":%d,"
			    "\"k\":%lld,\"txn\":\"%s\"}", ts0 + 10 * k, part, k,
			    how);
			r = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[2]),
			    RD_KAFKA_V_PARTITION(part),
			    RD_KAFKA_V_VALUE(v, strlen(v)),
			    RD_KAFKA_V_TIMESTAMP(ts0 + 10 * k),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_END);
			if (r) {
				fprintf(stderr, "txprod: produce: %s\n",
				    rd_kafka_err2str(r));
				return 1;
			}
		}
		/* Flushed before an abort too, so that the aborted records
		 * are in the log (an abort may purge them unsent). */
		rd_kafka_flush(rk, 10000);
		if (strcmp(how, "commit") == 0)
			e = rd_kafka_commit_transaction(rk, 10000);
		else if (strcmp(how, "abort") == 0)
			e = rd_kafka_abort_transaction(rk, 10000);
		else if (strcmp(how, "open") == 0)
			e = NULL;
		else {
			fprintf(stderr, "txprod: bad step '%s'\n", how);
			return 64;
		}
		if (e)
			return fail(how, e);
		printf("%s %d %d\n", how, part, n);
	}
	fflush(stdout);
	rd_kafka_destroy(rk);
	return 0;
}
EOF
cc -o txprod txprod.c -lrdkafka || { echo "txn: cannot build txprod" >&2; exit 1; }

# txmark.py BROKERS TOPIC PARTITION TS (commit|abort)...: append one
# control record per argument to the partition (a control batch, as a
# transaction coordinator writes on EndTxn), by a raw Produce request to
# the mock's single broker.  Prints each marker's offset.
cat >txmark.py <<'EOF'
import socket, struct, sys
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c

host, port = sys.argv[1].split(",")[0].rsplit(":", 1)
topic, part, ts = sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4])

def batch(kind):
    # Producer id -1: the mock checks the sequence of a known producer.
    b = DefaultRecordBatchBuilder(2, 0, 1, -1, -1, -1, 1 << 20)
    # Key: version 0, type (0 abort, 1 commit); value: version 0,
    # coordinator epoch 0.
    b.append(0, ts, struct.pack(">hh", 0, 1 if kind == "commit" else 0),
             struct.pack(">hi", 0, 0), [])
    buf = bytearray(b.build())
    # Attributes (after base offset, length, leader epoch, magic, crc):
    # transactional 0x10, control 0x20; the CRC-32C covers them onwards.
    attrs = struct.unpack_from(">h", buf, 21)[0] | 0x30
    struct.pack_into(">h", buf, 21, attrs)
    struct.pack_into(">I", buf, 17, calc_crc32c(bytes(buf[21:])))
    return bytes(buf)

def s16(x):
    return struct.pack(">h", len(x)) + x

s = socket.create_connection((host, int(port)), 10)
for cid, kind in enumerate(sys.argv[5:]):
    rec = batch(kind)
    # Produce v3: header, transactional id null, acks 1, timeout, one
    # topic with one partition.
    body = (struct.pack(">hhi", 0, 3, cid) + s16(b"txmark") +
            struct.pack(">hhii", -1, 1, 10000, 1) + s16(topic) +
            struct.pack(">ii", 1, part) + struct.pack(">i", len(rec)) + rec)
    s.sendall(struct.pack(">i", len(body)) + body)
    n = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
    r = s.recv(n, socket.MSG_WAITALL)
    tl = struct.unpack_from(">h", r, 8)[0]
    err, off = struct.unpack_from(">hq", r, 10 + tl + 8)
    if err:
        sys.exit("txmark: produce error %d" % err)
    print(kind, off)
EOF
txmark() { /usr/bin/python3 txmark.py "$BROKERS" "$@"; }

mock_start -t tx.end:3 -t tx.big:2 -t tx.mock:1

# quick NAME: the last run ended by itself, not by waiting out the hour of
# --metadata-timeout (which the hang guard $TO would have cut: 124).  No
# wall-clock threshold: a loaded machine is slow, not wrong.
quick() {
	if [ "$T_RC" != 124 ]; then t_pass "$1: ended by itself"
	else t_fail "$1: still waiting at the hang guard ($TO, --metadata-timeout $MD)" "stderr: $(head -c 400 "$T_ERR")"; fi
}
timed() { t_run "$@"; }

BASE=1793491200000
M=$((BASE + 100000))	# markers' own time (never read)

# tx.end: committed transactions of 3 records on partition 0 and of 2 on
# partition 1, each followed by its commit marker; a second committed one
# of 2 on partition 0 with its marker; then an aborted transaction that
# left only its abort markers (on 1 and 2), and on 2 an empty committed
# one before it.  So partition 0 ends with a commit marker, 1 with an
# abort marker after a commit marker, and 2 holds markers only (k counts
# within a txprod run):
#   0: k0 k1 k2 C k0 k1 C   (offsets 0-2, 3, 4-5, 6; high 7)
#   1: k0 k1 C A            (offsets 0-1, 2, 3; high 4)
#   2: C A                  (high 2)
$TO ./txprod "$BROKERS" tx.end $BASE commit 0 3 >/dev/null &&
	$TO ./txprod "$BROKERS" tx.end $((BASE + 5)) commit 1 2 >/dev/null ||
	{ echo "txprod failed" >&2; exit 1; }
txmark tx.end 0 $M commit >/dev/null && txmark tx.end 1 $M commit >/dev/null ||
	{ echo "txmark failed" >&2; exit 1; }
$TO ./txprod "$BROKERS" tx.end $((BASE + 30)) commit 0 2 >/dev/null ||
	{ echo "txprod failed" >&2; exit 1; }
txmark tx.end 0 $M commit >/dev/null && txmark tx.end 1 $M abort >/dev/null &&
	txmark tx.end 2 $M commit abort >/dev/null ||
	{ echo "txmark failed" >&2; exit 1; }

t_run "watermarks: markers take offsets" sh -c \
	"$TO kcat -b $BROKERS -Q -t tx.end:0:-1 -t tx.end:1:-1 -t tx.end:2:-1 | sort"
t_status 0
t_stdout <<'EOF'
tx.end [0] offset 7
tx.end [1] offset 4
tx.end [2] offset 2
EOF

# The committed records, by partition and offset (what read_committed
# gives), and in replay order (ts, partition, offset).
cat >bypart.expect <<EOF
0 0 {"ts":$BASE,"p":0,"k":0,"txn":"commit"}
0 1 {"ts":$((BASE + 10)),"p":0,"k":1,"txn":"commit"}
0 2 {"ts":$((BASE + 20)),"p":0,"k":2,"txn":"commit"}
0 4 {"ts":$((BASE + 30)),"p":0,"k":0,"txn":"commit"}
0 5 {"ts":$((BASE + 40)),"p":0,"k":1,"txn":"commit"}
1 0 {"ts":$((BASE + 5)),"p":1,"k":0,"txn":"commit"}
1 1 {"ts":$((BASE + 15)),"p":1,"k":1,"txn":"commit"}
EOF
cat >replay.expect <<EOF
{"ts":$BASE,"p":0,"k":0,"txn":"commit"}
{"ts":$((BASE + 5)),"p":1,"k":0,"txn":"commit"}
{"ts":$((BASE + 10)),"p":0,"k":1,"txn":"commit"}
{"ts":$((BASE + 15)),"p":1,"k":1,"txn":"commit"}
{"ts":$((BASE + 20)),"p":0,"k":2,"txn":"commit"}
{"ts":$((BASE + 30)),"p":0,"k":0,"txn":"commit"}
{"ts":$((BASE + 40)),"p":0,"k":1,"txn":"commit"}
EOF

# The peer: kcat, read_committed, -e.
timed "kcat read_committed -e" sh -c "$TO kcat -b $BROKERS -C -t tx.end -e -q \
	-X isolation.level=read_committed -f '%p %o %s\n' | sort -n -k1,1 -k2,2"
t_status 0
t_stdout_file bypart.expect
quick "kcat -e"

envkeys() { jq -r '"\(.partition) \(.offset) \(.value | tojson)"' "$T_OUT" | sort -n -k1,1 -k2,2; }

# --- tide-source ------------------------------------------------------------

timed "tide-source -e: the committed records" $TO tide-source -b "$BROKERS" \
	-t tx.end -e -J --metadata-timeout $MD
t_status 0
quick "tide-source -e"
envkeys >got
t_ok "tide-source -e: as kcat read_committed" cmp bypart.expect got

timed "tide-source -e -p 0: ends at a commit marker" $TO tide-source \
	-b "$BROKERS" -t tx.end -p 0 -e --metadata-timeout $MD
t_status 0
quick "tide-source -e -p 0"
grep '^0 ' bypart.expect | cut -d' ' -f3- >p0.expect
t_stdout_file p0.expect

timed "tide-source -e -p 2: markers only" $TO tide-source -b "$BROKERS" \
	-t tx.end -p 2 -e --metadata-timeout $MD
t_status 0
quick "tide-source -e -p 2"
t_stdout </dev/null

timed "tide-source -o 3 -e -p 0: starting on a marker" $TO tide-source \
	-b "$BROKERS" -t tx.end -p 0 -o 3 -e -J --metadata-timeout $MD
t_status 0
quick "tide-source -o 3"
envkeys >got
grep -E '^0 [45] ' bypart.expect >o3.expect
t_ok "-o 3: offsets 4 and 5" cmp o3.expect got

timed "tide-source -o 6 -e -p 0: only the last marker left" $TO tide-source \
	-b "$BROKERS" -t tx.end -p 0 -o 6 -e --metadata-timeout $MD
t_status 0
quick "tide-source -o 6"
t_stdout </dev/null

# --to past every record: the search for it lands on markers.
timed "tide-source --to after the last record" $TO tide-source -b "$BROKERS" \
	-t tx.end --to $((BASE + 50)) -J --metadata-timeout $MD
t_status 0
quick "tide-source --to"
envkeys >got
t_ok "--to after the end: every committed record" cmp bypart.expect got

# --to 40: partition 0 stops at offset 5 (ts 40); 1 at its high watermark.
timed "tide-source --to between records" $TO tide-source -b "$BROKERS" \
	-t tx.end --to $((BASE + 40)) -J --metadata-timeout $MD
t_status 0
quick "tide-source --to 40"
envkeys >got
grep -v '^0 5 ' bypart.expect >to40.expect
t_ok "--to 40: all but partition 0's last" cmp to40.expect got

# --to 25: the first record at or after it is offset 4, right after the
# marker at 3: the range [0, 4) ends on a marker.
timed "tide-source --to: range ending on a marker" $TO tide-source \
	-b "$BROKERS" -t tx.end -p 0 --to $((BASE + 25)) --metadata-timeout $MD
t_status 0
quick "tide-source --to 25"
head -3 p0.expect >to25.expect
t_stdout_file to25.expect

timed "tide-source --from/--to --dry-run" $TO tide-source -b "$BROKERS" \
	-t tx.end --from $((BASE + 25)) --to $((BASE + 50)) --dry-run \
	--metadata-timeout $MD
t_status 0
quick "tide-source --dry-run"
t_stdout <<'EOF'
{"topic":"tx.end","partition":0,"low":0,"high":7,"start":4,"end":7}
{"topic":"tx.end","partition":1,"low":0,"high":4,"start":4,"end":4}
{"topic":"tx.end","partition":2,"low":0,"high":2,"start":2,"end":2}
EOF

timed "tide-source --from/--to" $TO tide-source -b "$BROKERS" -t tx.end \
	--from $((BASE + 25)) --to $((BASE + 50)) --metadata-timeout $MD
t_status 0
quick "tide-source --from/--to"
tail -2 p0.expect >from25.expect
t_stdout_file from25.expect

# The end-of-partition event is how an end on markers is seen (and the
# time search past the last record needs it): -X cannot turn it off.
timed "tide-source -X enable.partition.eof=false --to" $TO tide-source \
	-b "$BROKERS" -t tx.end -X enable.partition.eof=false \
	--to $((BASE + 50)) -J --metadata-timeout $MD
t_status 0
quick "tide-source eof=false"
t_stderr_has "tide-source: enable.partition.eof kept on"
envkeys >got
t_ok "eof=false: every committed record" cmp bypart.expect got
timed "tide-source -X enable.partition.eof=false -e -p 1" $TO tide-source \
	-b "$BROKERS" -t tx.end -p 1 -X enable.partition.eof=false -e \
	--metadata-timeout $MD
t_status 0
quick "tide-source eof=false -e"
grep '^1 ' bypart.expect | cut -d' ' -f3- >p1.expect
t_stdout_file p1.expect

# -G -e: the end is the high watermark at assignment.
timed "tide-source -G -e" $TO tide-source -b "$BROKERS" -t tx.end -G txg1 $G -e -J \
	--metadata-timeout $MD
t_status 0
quick "tide-source -G -e"
envkeys >got
t_ok "-G -e: the committed records" cmp bypart.expect got
# Committed at the end of each partition, past its markers (python3-kafka
# as the peer that reads the group's offsets): the group's lag is 0.
t_run "-G -e: committed past the markers" $TO /usr/bin/python3 -c '
import sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id="txg1",
                  enable_auto_commit=False)
for p in range(3):
    print(p, c.committed(TopicPartition("tx.end", p)))
c.close()' "$BROKERS"
t_status 0
t_stdout <<'EOF'
0 7
1 4
2 2
EOF
timed "tide-source -G -e again: nothing new" $TO tide-source -b "$BROKERS" \
	-t tx.end -G txg1 $G -e --metadata-timeout $MD
t_status 0
quick "tide-source -G -e again"
t_stdout </dev/null

# --- tide-replay ------------------------------------------------------------

timed "tide-replay --speed max" $TO tide-replay -b "$BROKERS" -t tx.end \
	--speed max --metadata-timeout $MD
t_status 0
quick "tide-replay"
t_stdout_file replay.expect

timed "tide-replay -J" $TO tide-replay -b "$BROKERS" -t tx.end --speed max -J \
	--metadata-timeout $MD
t_status 0
quick "tide-replay -J"
jq -r '"\(.partition) \(.offset) \(.value | tojson)"' "$T_OUT" >got
$TO kcat -b "$BROKERS" -C -t tx.end -e -q -X isolation.level=read_committed -J |
	jq -s -r 'sort_by(.ts, .partition, .offset) | .[] |
	"\(.partition) \(.offset) \(.payload)"' >kcat.order
t_ok "tide-replay -J: kcat's records sorted by ts, partition, offset" cmp kcat.order got
t_ok "kcat: 7 records" test "$(wc -l <kcat.order)" = 7

timed "tide-replay --loop 2: the end marker twice" $TO tide-replay \
	-b "$BROKERS" -t tx.end --speed max --loop 2 --metadata-timeout $MD
t_status 0
quick "tide-replay --loop 2"
cat replay.expect replay.expect >loop.expect
t_stdout_file loop.expect

timed "tide-replay -p 2: markers only" $TO tide-replay -b "$BROKERS" \
	-t tx.end -p 2 --speed max --metadata-timeout $MD
t_status 0
quick "tide-replay -p 2"
t_stdout </dev/null
t_stderr_has "no records"

timed "tide-replay --to: range ending on a marker" $TO tide-replay \
	-b "$BROKERS" -t tx.end --to $((BASE + 25)) --speed max \
	--metadata-timeout $MD
t_status 0
quick "tide-replay --to 25"
head -5 replay.expect >rto25.expect
t_stdout_file rto25.expect

timed "tide-replay --from/--to" $TO tide-replay -b "$BROKERS" -t tx.end \
	--from $((BASE + 12)) --to $((BASE + 50)) --speed max -J \
	--metadata-timeout $MD
t_status 0
quick "tide-replay --from/--to"
jq -r '"\(.partition) \(.offset)"' "$T_OUT" >got
printf '1 1\n0 2\n0 4\n0 5\n' >ft.expect
t_ok "--from 12 --to 50: (partition, offset) in order" cmp ft.expect got

timed "tide-replay -X enable.partition.eof=false" $TO tide-replay \
	-b "$BROKERS" -t tx.end -X enable.partition.eof=false \
	--to $((BASE + 50)) --speed max --metadata-timeout $MD
t_status 0
quick "tide-replay eof=false"
t_stderr_has "tide-replay: enable.partition.eof kept on"
t_stdout_file replay.expect

# Read-ahead: partition 0 holds all the early times (two transactions of
# 3000, each with its commit marker), partition 1 all the late ones (5000,
# more than a partition's read-ahead, then a commit and an abort marker):
# 1 fills its read-ahead and is paused while 0 is replayed, then resumed.
$TO ./txprod "$BROKERS" tx.big $BASE commit 0 3000 >/dev/null &&
	txmark tx.big 0 $M commit >/dev/null &&
	$TO ./txprod "$BROKERS" tx.big $((BASE + 30000)) commit 0 3000 >/dev/null &&
	txmark tx.big 0 $M commit >/dev/null &&
	$TO ./txprod "$BROKERS" tx.big $((BASE + 100000)) commit 1 5000 >/dev/null &&
	txmark tx.big 1 $M commit abort >/dev/null ||
	{ echo "txprod or txmark failed" >&2; exit 1; }
awk 'BEGIN { for (i = 0; i < 3000; i++) print "0 " i;
	for (i = 3001; i < 6001; i++) print "0 " i;
	for (i = 0; i < 5000; i++) print "1 " i }' >big.expect
timed "tide-replay: read-ahead over markers" $TO tide-replay -b "$BROKERS" \
	-t tx.big --speed max -J --metadata-timeout $MD
t_status 0
quick "tide-replay tx.big"
jq -r '"\(.partition) \(.offset)"' "$T_OUT" >got
t_ok "read-ahead over markers: 11000 records in order" cmp big.expect got
timed "tide-source -e: tx.big" $TO tide-source -b "$BROKERS" -t tx.big -e -J \
	--metadata-timeout $MD
t_status 0
quick "tide-source -e tx.big"
jq -r '"\(.partition) \(.offset)"' "$T_OUT" | sort -n -k1,1 -k2,2 >got
t_ok "tide-source -e: 11000 records" cmp big.expect got

# The estimate is end - start: markers inside a range count (the
# documented over-estimate), as records of aborted transactions would.
timed "tide-replay --dry-run" $TO tide-replay -b "$BROKERS" -t tx.end \
	--dry-run --metadata-timeout $MD
t_status 0
quick "tide-replay --dry-run"
t_stdout <<'EOF'
{"topic":"tx.end","partition":0,"low":0,"high":7,"start":0,"end":7,"records":7}
{"topic":"tx.end","partition":1,"low":0,"high":4,"start":0,"end":4,"records":4}
{"topic":"tx.end","partition":2,"low":0,"high":2,"start":0,"end":2,"records":2}
{"records":13}
EOF

# --- what the mock does not do ----------------------------------------------

# Its EndTxn writes no marker and its Fetch lists no aborted transaction:
# aborted records and an open transaction's are read even read_committed.
# If this starts failing, the mock has learnt transactions: test aborted
# and open transactions with txprod alone.
t_run "txprod: commit, abort, open" $TO ./txprod "$BROKERS" tx.mock $BASE \
	commit 0 2 abort 0 1 open 0 1
t_status 0
t_stdout <<'EOF'
commit 0 2
abort 0 1
open 0 1
EOF
t_run "mock: no markers, aborted and open records delivered" $TO kcat \
	-b "$BROKERS" -C -t tx.mock -e -q -X isolation.level=read_committed \
	-f '%o %s\n'
t_status 0
t_stdout <<EOF
0 {"ts":$BASE,"p":0,"k":0,"txn":"commit"}
1 {"ts":$((BASE + 10)),"p":0,"k":1,"txn":"commit"}
2 {"ts":$((BASE + 20)),"p":0,"k":2,"txn":"abort"}
3 {"ts":$((BASE + 30)),"p":0,"k":3,"txn":"open"}
EOF

# Bad input for the helpers, so that a broken setup fails here and not
# as a silent pass above.
t_run "txprod: bad step" ./txprod "$BROKERS" tx.mock $BASE maybe 0 1
t_status 64
t_run "txmark: unknown partition" /usr/bin/python3 txmark.py "$BROKERS" \
	tx.mock 5 $M commit
t_status 1
t_stderr_has "txmark: produce error 3"

t_done
