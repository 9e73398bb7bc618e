#!/bin/sh
# Exactly once where the sink allows it (doc/DELIVERY.md section 3), on
# tide-mock, with records flowing in live (tide-gen --rate | tide-sink -t):
#   tide-source -G g -J | tide-sink -o FILE
#   tide-source -G g -J | tide-sink --sqlite DB --table t --upsert offset
# each killed with kill -9 (the sink, then the source, then the sink) at
# random moments while records flow, and started again with the same
# command line; a last run ends by --idle-timeout once the producer is
# done.  The file must be byte-identical to an uninterrupted run's, and
# the SQLite table hold the same rows (compared by the sqlite3 CLI): no
# record lost, none repeated.  Then the bad cases: a damaged or cut sidecar,
# a sidecar whose file is gone or shorter, a tide_offsets table of another
# shape -- each a clear error, status 65, the output untouched; and a sink
# with no tide stage upstream behaves as before.
# The moments come from EX_SEED (printed), so a failure can be replayed.
. "$(dirname "$0")/../lib.sh"
t_skip_unless sqlite3
t_skip_unless jq
command -v bash >/dev/null 2>&1 || { t_skip "bash not installed"; t_done; }

SEED=${EX_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "exactly.sh: EX_SEED=$SEED"
D=$T_DIR
N=20000

mock_start -t ex:1

# A member that is gone stays in the group until its session expires:
# 6 s, not the default 45.
SRC="-J -X session.timeout.ms=6000 --barrier-interval 200ms"

# run NAME GROUP SINK-ARGS...: the pipeline in its own process group, in
# the background ($PIPE); the stages' pids in NAME.src.pid and
# NAME.sink.pid, their stderr in NAME.src.err and NAME.sink.err (appended).
run() {
	_n=$1 _g=$2
	shift 2
	setsid bash -c '
		d=$1 n=$2 g=$3 b=$4 src=$5
		shift 5
		bash -c "echo \$\$ >$d/$n.src.pid; exec tide-source -v -b $b -t ex -G $g $src --idle-timeout 12s" \
			2>>"$d/$n.src.err" |
		bash -c "echo \$\$ >$d/$n.sink.pid; exec tide-sink -v \"\$@\"" sink "$@" \
			2>>"$d/$n.sink.err"
	' run "$D" "$_n" "$_g" "$BROKERS" "$SRC" "$@" 2>/dev/null &
	PIPE=$!
}

# bounded SECONDS COMMAND...: wait (0.1 s steps) until COMMAND succeeds;
# 1 when it did not within SECONDS.
bounded() {
	_s=$1
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ $_i -ge $((_s * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}
gone() { ! kill -0 "$1" 2>/dev/null; }
moment() {
	awk -v s="$SEED" -v i="$1" 'BEGIN { srand(s + i); printf "%.3f", 0.2 + int(rand() * 1500) / 1000 }'
}

# assigned NAME N: NAME's sources were assigned their partition N times.
assigned() {
	_c=$(grep -c 'assigned 1 partition' "$D/$1.src.err" 2>/dev/null)
	[ "${_c:-0}" -ge "$2" ]
}

# crash NAME GROUP SINK-ARGS...: three runs, each killed with kill -9
# (sink, source, sink) at a random moment after the source was assigned
# its partition, while the producer still writes.  Failures go to
# NAME.fail (run in the background: a subshell's counts are its own).
crash() {
	_n=$1 _g=$2
	shift 2
	_r=0
	for _v in sink src sink; do
		_r=$((_r + 1))
		run "$_n" "$_g" "$@"
		if ! bounded 60 assigned "$_n" $_r; then
			echo "$_n run $_r: not assigned within 60s" >>"$D/$_n.fail"
		fi
		sleep "$(moment "$_r$_n")"
		gone "$PROD" && echo "$_n run $_r: the producer ended before the kill" >>"$D/$_n.fail"
		kill -KILL "$(cat "$D/$_n.$_v.pid")"
		if ! bounded 60 gone "$PIPE"; then
			kill -KILL -"$PIPE" 2>/dev/null
			echo "$_n run $_r: did not end within 60s after kill -9 of the $_v" >>"$D/$_n.fail"
		fi
		wait "$PIPE" 2>/dev/null
	done
}

# Live input: N records at 500/s, on one partition, while both pipelines
# are killed and started again.
tide-gen transactions --accounts 50 --count $N --rate 500/s --seed 7 |
	tide-sink -b "$BROKERS" -t ex --key account --timestamp ts \
	2>"$D/prod.err" &
PROD=$!
T_CLEANUP="kill $PROD 2>/dev/null; $T_CLEANUP"

crash fi gfi -o "$D/fi.ndjson" &
C1=$!
crash sq gsq --sqlite "$D/sq.db" --table t --upsert offset &
C2=$!
wait $C1 $C2
for n in fi sq; do
	t_ok "$n: three kill -9 while records flowed" test ! -s "$D/$n.fail"
	[ -s "$D/$n.fail" ] && cat "$D/$n.fail" >&2
done
bounded 90 gone "$PROD" || t_fail "the producer did not end within 90s"
wait "$PROD"

# The last runs: the same command lines, ended by --idle-timeout; beside
# them the uninterrupted runs, in groups of their own.
run fi gfi -o "$D/fi.ndjson"
P1=$PIPE
run sq gsq --sqlite "$D/sq.db" --table t --upsert offset
P2=$PIPE
run rf grf -o "$D/rf.ndjson"
P3=$PIPE
run rs grs --sqlite "$D/rs.db" --table t --upsert offset
P4=$PIPE
for p in $P1 $P2 $P3 $P4; do
	if ! bounded 90 gone $p; then
		kill -KILL -$p 2>/dev/null
		t_fail "a last run did not end within 90s"
	fi
	wait $p 2>/dev/null
done

t_ok "the uninterrupted file holds every record ($N)" \
	test "$(wc -l <"$D/rf.ndjson")" -eq $N
t_ok "file: kill -9 of sink and source, restarted: byte-identical to the uninterrupted run" \
	cmp "$D/fi.ndjson" "$D/rf.ndjson"
t_ok "file: no offset twice, none missing" \
	test "$(jq -c .offset "$D/fi.ndjson" | sort -n | uniq | wc -l)" -eq $N
t_ok "file: the restarts went on after the recorded length" \
	grep -q "going on after its first" "$D/fi.sink.err"
t_ok "file: the source started where the sink recorded its output" \
	grep -q "where the sink downstream recorded its output" "$D/fi.src.err"
t_ok "file: the sidecar records the whole file and every offset" \
	test "$(jq -c '[.segment, .length, .offsets]' "$D/.fi.ndjson.tide-offsets")" = \
	"[\"fi.ndjson\",$(wc -c <"$D/fi.ndjson"),[[\"ex\",0,$N]]]"
q="SELECT offset, record FROM t ORDER BY offset"
sqlite3 "$D/sq.db" "$q" >"$D/sq.rows"
sqlite3 "$D/rs.db" "$q" >"$D/rs.rows"
t_ok "the uninterrupted table holds every record ($N)" \
	test "$(sqlite3 "$D/rs.db" 'SELECT count(*) FROM t')" -eq $N
t_ok "sqlite: kill -9 of sink and source, restarted: the same rows as the uninterrupted run" \
	cmp "$D/sq.rows" "$D/rs.rows"
t_ok "sqlite: tide_offsets holds the next offset of the partition" \
	test "$(sqlite3 "$D/sq.db" 'SELECT * FROM tide_offsets')" = "ex|0|$N"
t_ok "sqlite: the source started where the sink recorded its output" \
	grep -q "where the sink downstream recorded its output" "$D/sq.src.err"

# A record whose offset is past the partition's end is not of this topic:
# the source says so and starts at the group's offset (all read: -e ends).
cp "$D/fi.ndjson" "$D/pe.ndjson"
printf '{"segment":"pe.ndjson","length":%s,"offsets":[["ex",0,999999]]}\n' \
	"$(wc -c <"$D/fi.ndjson")" >"$D/.pe.ndjson.tide-offsets"
T_IN=/dev/null
t_run "a recorded offset past the end" sh -c "tide-source -b '$BROKERS' -t ex -G gfi $SRC -e | tide-sink -o '$D/pe.ndjson'"
t_status 0
t_stderr_has "'ex' [0]: the sink downstream recorded offset 999999, past the partition's end ($N): not a record of this topic; the group's offset is used"
t_ok "a recorded offset past the end: nothing read again" cmp "$D/pe.ndjson" "$D/fi.ndjson"

# --- Bad cases ---------------------------------------------------------------
# A tide stage upstream with no Kafka: tide-window over a file.
tide-gen transactions --accounts 5 --count 20 --seed 9 >"$D/in.nd"
WIN="tide-window --tumble 1h --time ts -k account -a count"
# The window reads on for a second: the sink finds it still there.
win_sink() { { cat "$D/in.nd"; sleep 1; } | $WIN | tide-sink "$@"; }
# bad NAME EXPECTED-STDERR SINK-ARGS...: status 65, the words on stderr.
bad() {
	_n=$1 _e=$2
	shift 2
	T_IN=/dev/null
	t_run "$_n" win_sink "$@"
	t_status 65
	t_stderr_has "$_e"
}
good=$D/good.ndjson
cp "$D/fi.ndjson" "$good"
cp "$D/.fi.ndjson.tide-offsets" "$D/.good.ndjson.tide-offsets"
head -c 30 "$D/.fi.ndjson.tide-offsets" >"$D/.good.ndjson.tide-offsets"
bad "a sidecar cut short" "'$D/.good.ndjson.tide-offsets' is damaged (cut short" -o "$good"
t_ok "a sidecar cut short: the file is untouched" cmp "$good" "$D/fi.ndjson"
printf '{"segment":"good.ndjson","length":"x","offsets":[]}\n' >"$D/.good.ndjson.tide-offsets"
bad "a sidecar with a bad length" "is damaged (not a record of segment, length and offsets)" -o "$good"
printf '{"segment":"good.ndjson","length":5,"offsets":[["ex",-1,3]]}\n' >"$D/.good.ndjson.tide-offsets"
bad "a sidecar with bad offsets" "is damaged (its offsets are not" -o "$good"
printf 'not json\n' >"$D/.good.ndjson.tide-offsets"
bad "a sidecar that is not JSON" "is damaged (not a JSON object)" -o "$good"
printf '{"segment":"other.ndjson","length":5,"offsets":[]}\n' >"$D/.good.ndjson.tide-offsets"
bad "a sidecar of another file" "records the file 'other.ndjson', not 'good.ndjson'" -o "$good"
printf '{"segment":"gone.ndjson","length":5,"offsets":[["ex",0,3]]}\n' >"$D/.gone.ndjson.tide-offsets"
bad "a sidecar whose file is missing" "records 5 bytes of '$D/gone.ndjson', and neither it nor '$D/gone.ndjson.part' is there" -o "$D/gone.ndjson"
t_ok "a sidecar whose file is missing: nothing made" test ! -e "$D/gone.ndjson" -a ! -e "$D/gone.ndjson.part"
printf '{"segment":"good.ndjson","length":99999999,"offsets":[]}\n' >"$D/.good.ndjson.tide-offsets"
bad "a file shorter than its sidecar says" "holds fewer bytes than the 99999999 its sidecar" -o "$good"
t_ok "a file shorter than its sidecar says: untouched" cmp "$good" "$D/fi.ndjson"

sqlite3 "$D/foreign.db" "CREATE TABLE tide_offsets (topic TEXT, offset INTEGER)"
bad "a tide_offsets table of another shape" "table tide_offsets is not tide's" \
	--sqlite "$D/foreign.db" --table t --upsert account
t_ok "a tide_offsets table of another shape: no view made" \
	test "$(sqlite3 "$D/foreign.db" "SELECT count(*) FROM sqlite_master WHERE name = 't'")" -eq 0
sqlite3 "$D/badrow.db" "CREATE TABLE tide_offsets (topic TEXT NOT NULL, \"partition\" INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (topic, \"partition\")); INSERT INTO tide_offsets VALUES ('ex', 0, 'many')"
bad "a tide_offsets row that is not an offset" "holds a row that is not a topic, a partition and an offset" \
	--sqlite "$D/badrow.db" --table t --upsert account
bad "a view named tide_offsets" "the table tide_offsets keeps a pipeline's offsets" \
	--sqlite "$D/named.db" --table tide_offsets --upsert account

# A tide stage upstream and a good sidecar, but no source to take the
# offsets: the file goes on after its recorded length all the same.
$WIN <"$D/in.nd" >"$D/win.out"
printf '{"segment":"w.ndjson","length":4,"offsets":[["ex",0,3]]}\n' >"$D/.w.ndjson.tide-offsets"
printf 'abcdefgh' >"$D/w.ndjson"
T_IN=/dev/null
t_run "behind tide-window, a good sidecar" win_sink -o "$D/w.ndjson"
t_status 0
{ printf 'abcd'; cat "$D/win.out"; } >"$D/w.want"
t_ok "behind tide-window: cut to the recorded 4 bytes, then written on" cmp "$D/w.ndjson" "$D/w.want"

# No tide stage upstream: as before.  A file given on standard input
# makes the file anew and removes a sidecar left by an earlier run (it no
# longer describes the file); no sidecar and no table are made.
printf '{"segment":"plain.ndjson","length":3,"offsets":[["ex",0,3]]}\n' >"$D/.plain.ndjson.tide-offsets"
printf 'old contents\n' >"$D/plain.ndjson"
T_IN=$D/in.nd
t_run "no tide stage upstream: tide-sink -o FILE < input" tide-sink -o "$D/plain.ndjson"
t_status 0
t_ok "no tide stage upstream: the file is the input" cmp "$D/plain.ndjson" "$D/in.nd"
t_ok "no tide stage upstream: the sidecar is gone" test ! -e "$D/.plain.ndjson.tide-offsets"
T_IN=$D/in.nd
t_run "no tide stage upstream, a pipe from cat" sh -c "cat | tide-sink -o '$D/pipe.ndjson'"
t_status 0
t_ok "a pipe from cat: the file is the input, no sidecar" \
	sh -c "cmp '$D/pipe.ndjson' '$D/in.nd' && test ! -e '$D/.pipe.ndjson.tide-offsets'"
t_run "no tide stage upstream: --sqlite" tide-sink --sqlite "$D/plain.db" --table t --upsert account
t_status 0
t_ok "no tide stage upstream: no tide_offsets table" \
	test "$(sqlite3 "$D/plain.db" "SELECT count(*) FROM sqlite_master WHERE name = 'tide_offsets'")" -eq 0
t_done
