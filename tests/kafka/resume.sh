#!/bin/sh
# A windowed pipeline that crashes and restarts loses and double-counts
# nothing: tide-window --state keeps, with its windows, the offsets of the
# envelopes it has read, and tide-source --resume starts there.  The
# windows of all runs together are checked against sqlite3 over the
# records tide-gen wrote (not against our own code); the same restart
# from the topic's beginning is shown to fail that check.
. "$(dirname "$0")/../lib.sh"
t_skip_unless sqlite3
t_skip_unless jq
t_skip_unless zstd

mock_start -t rs:3 -t rs2:3 -t other:1
D=$T_DIR
S=$D/state

tide-gen transactions --count 6000 --accounts 20 --step 1s --seed 5 >"$D/all.nd"
head -n 3000 "$D/all.nd" >"$D/a.nd"
tail -n +3001 "$D/all.nd" >"$D/b.nd"
produce() { tide-sink -b "$BROKERS" -t "$1" -k account <"$2" || echo "produce $2 to $1 failed" >&2; }

# win STATE [options]: the window stage, reading envelopes.  Per-partition
# watermarks over all three partitions: each partition's event times rise,
# so no record is late however the partitions interleave.
cat >"$D/win" <<EOF
#!/bin/sh
st=\$1
shift
exec $(command -v tide-window) --tumble 1m -k value.account -a 'count,max(value.amount) as top' \\
    --time value.ts --partition-field topic,partition --partitions 3 --state "\$st" "\$@"
EOF
chmod +x "$D/win"
win() { "$D/win" "$@"; }
# live NAME TOPIC STATE [window options]: the pipeline, reading on, in the
# background; what the source writes goes through the file NAME.src (so a
# test can count it) to the window, which writes NAME.out.
live() {
	_n=$1 _t=$2 _st=$3
	shift 3
	: >"$D/$_n.src"
	tide-source -b "$BROKERS" -t "$_t" -J --resume "$_st" >"$D/$_n.src" 2>"$D/$_n.err" &
	lsrc=$!
	mkfifo "$D/$_n.fifo"
	tail -c +1 -f "$D/$_n.src" >"$D/$_n.fifo" &
	ltail=$!
	"$D/win" "$_st" "$@" <"$D/$_n.fifo" >"$D/$_n.out" 2>>"$D/$_n.err" &
	lwin=$!
}
# crash: kill -9 the whole pipeline.
crash() {
	kill -9 $lsrc $ltail $lwin 2>/dev/null
	wait $lsrc $ltail $lwin 2>/dev/null
}
# wait_lines FILE N: until FILE has N lines (at most 20 s).
wait_lines() {
	_i=0
	while [ "$(wc -l <"$1")" -lt "$2" ] && [ $_i -lt 200 ]; do sleep 0.1; _i=$((_i + 1)); done
}
# settle FILE: until FILE stops growing (at most 10 s).
settle() {
	_i=0 _last=-1
	while [ "$(wc -c <"$1")" != "$_last" ] && [ $_i -lt 20 ]; do
		_last=$(wc -c <"$1")
		sleep 0.5
		_i=$((_i + 1))
	done
}
# kafka lines of a state file: topic partition next.
koffs() { zstd -q -d -c "$1" | sed -n '/^data$/q; s/^kafka //p'; }

sqlite3 "$D/tx.db" '.mode ascii' '.separator "\037" "\n"' 'create table raw(j text);' \
	".import $D/all.nd raw" \
	"create table tx as select json_extract(j,'\$.ts') ts, json_extract(j,'\$.account') account, json_extract(j,'\$.amount') amount from raw;"
sqlite3 -separator '	' "$D/tx.db" "select ts/60000*60000 ws, ts/60000*60000+60000, account, count(*), max(amount) from tx group by ws, account order by ws, account" >"$D/want"
# windows FILE...: every distinct window of the runs' output, as sqlite3's
# rows (a window a crashed run wrote comes out again after the restart,
# identical: it is the same window).
windows() {
	cat "$@" | sort -u | jq -r '[.window_start,.window_end,.account,.count,.top]|@tsv' |
		sort -t '	' -k1,1n -k3,3
}
# same WANT GOT: the same rows, numbers compared as numbers.
same() {
	[ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] || { echo "row counts differ: $(wc -l <"$1") $(wc -l <"$2")"; return 1; }
	paste "$1" "$2" | awk -F'\t' '{
		for (i = 1; i <= 5; i++)
			if ($i != $(i + 5) && $i + 0 != $(i + 5) + 0) { print "line " NR ": " $0; bad = 1; next }
	} END { exit bad }'
}

# --- 1. a crash after the records were read, before any checkpoint -------
produce rs "$D/a.nd"
t_run "first run: no state file yet" sh -c "tide-source -b '$BROKERS' -t rs -J -e --resume '$S' | '$D/win' '$S' >'$D/o1'"
t_status 0
t_stderr_empty
koffs "$S" | awk '{ n += $3 } END { print NR, n }' >"$D/k1"
t_ok "the state holds the three partitions' offsets, 3000 records in all" test "$(cat "$D/k1")" = "3 3000"
t_ok "the first run wrote windows" test -s "$D/o1"

produce rs "$D/b.nd"
cp "$S" "$D/state.before"
# Live (no -e) and no --checkpoint: the crash loses everything read.
live crash1 rs "$S"
wait_lines "$D/crash1.src" 3000
settle "$D/crash1.out"
crash
cp "$D/crash1.out" "$D/o2"
t_ok "the crashed run read the second half" test "$(wc -l <"$D/crash1.src")" = 3000
t_ok "the crashed run wrote windows of the second half" test -s "$D/o2"
t_ok "the crash left the state as it was" cmp "$S" "$D/state.before"

t_run "--dry-run after the crash starts where the state ends" tide-source -b "$BROKERS" -t rs -J -e --resume "$S" --dry-run
t_status 0
koffs "$S" | awk '{ printf "{\"topic\":\"%s\",\"partition\":%d,\"start\":%d}\n", $1, $2, $3 }' >"$D/starts"
jq -c '{topic, partition, start}' <"$T_OUT" >"$D/got_starts"
t_ok "--dry-run: every start is the state's offset" cmp "$D/starts" "$D/got_starts"
jq -c 'select(.end != .high)' <"$T_OUT" >"$D/ends"
t_ok "--dry-run: -e ends at each partition's end" test ! -s "$D/ends"

cp "$S" "$D/state.crash"
t_run "restart with --resume" sh -c "tide-source -b '$BROKERS' -t rs -J -e --resume '$S' | '$D/win' '$S' --flush >'$D/o3'"
t_status 0
windows "$D/o1" "$D/o2" "$D/o3" >"$D/got"
t_ok "crash, restart: every window as sqlite3 computes it" same "$D/want" "$D/got"
t_ok "the windows span the whole run" test "$(wc -l <"$D/want")" -gt 1000
sort -u "$D/o2" >"$D/o2s"
sort -u "$D/o3" >"$D/o3s"
t_ok "windows the crashed run wrote came out again, identical" test -n "$(comm -12 "$D/o2s" "$D/o3s" | head -1)"
koffs "$S" | awk '{ n += $3 } END { print n }' >"$D/k3"
t_ok "the final state holds all 6000 records' offsets" test "$(cat "$D/k3")" = 6000

# The check fails for a restart that does not resume: from the beginning
# (a source with no state) the first half is counted twice.
cp "$D/state.crash" "$D/state.nores"
tide-source -b "$BROKERS" -t rs -J -e 2>/dev/null | win "$D/state.nores" --flush >"$D/o3bad" 2>/dev/null
windows "$D/o1" "$D/o2" "$D/o3bad" >"$D/gotbad"
t_ok "without --resume the same check fails" sh -c "! same '$D/want' '$D/gotbad' >/dev/null"

# --- 2. crashes between checkpoints, with records still coming ------------
# Six chunks of 1000, a pipeline checkpointing every 100 ms; kill -9 after
# the second and the fourth chunk, start again each time; the end drains.
S2=$D/state2
for c in 0 1 2 3 4 5; do
	sed -n "$((c * 1000 + 1)),$(((c + 1) * 1000))p" "$D/all.nd" >"$D/c$c.nd"
done
live live1 rs2 "$S2" --checkpoint 100ms
produce rs2 "$D/c0.nd"
produce rs2 "$D/c1.nd"
wait_lines "$D/live1.src" 2000
sleep 0.3
crash
live live2 rs2 "$S2" --checkpoint 100ms
produce rs2 "$D/c2.nd"
produce rs2 "$D/c3.nd"
sleep 0.5
crash
live live3 rs2 "$S2" --checkpoint 100ms
produce rs2 "$D/c4.nd"
produce rs2 "$D/c5.nd"
sleep 0.5
crash
t_run "drain after three crashes" sh -c "tide-source -b '$BROKERS' -t rs2 -J -e --resume '$S2' | '$D/win' '$S2' --flush >'$D/live4.out'"
t_status 0
windows "$D/live1.out" "$D/live2.out" "$D/live3.out" "$D/live4.out" >"$D/got2"
t_ok "crashes between checkpoints: every window as sqlite3 computes it" same "$D/want" "$D/got2"
t_ok "the first crashed run read two chunks" test "$(wc -l <"$D/live1.src")" -ge 2000

# --- bad use and bad files ------------------------------------------------
T_IN=/dev/null
t_run "--resume without -J" tide-source -b "$BROKERS" -t rs -e --resume "$S"
t_status 64
t_stderr_has "--resume needs -J: tide-window keeps the offsets of the envelopes it reads"
t_run "--resume with -G" tide-source -b "$BROKERS" -t rs -J -G g1 --resume "$S"
t_status 64
t_stderr_has "--resume cannot be used with -G"
t_run "--resume with files" tide-source --resume "$S" "$D/a.nd"
t_status 64
t_stderr_has "--resume and --dry-run apply to Kafka input only"
echo 'not a state' >"$D/notstate"
t_run "--resume of a file that is not a state" tide-source -b "$BROKERS" -t rs -J -e --resume "$D/notstate"
t_status 65
t_stderr_has "--resume: '$D/notstate' is not a tide-window state file, or a damaged one"
t_stdout </dev/null
zstd -q -d -c "$S" | sed 's/^kafka rs 0 .*/kafka rs 0 x/' | zstd -q -c >"$D/badline"
t_run "--resume of a state with a broken kafka line" tide-source -b "$BROKERS" -t rs -J -e --resume "$D/badline"
t_status 65
t_stderr_has "is not a tide-window state file, or a damaged one"
t_run "tide-window refuses the same state" win "$D/badline"
t_status 65
t_stderr_has "state '$D/badline' is damaged: bad line 'kafka rs 0 x'"
t_run "--resume of a directory" tide-source -b "$BROKERS" -t rs -J -e --resume "$D"
t_status 74
t_stderr_has "cannot read '$D': Is a directory"
# A state from another topic of the same name: offsets past the end.
printf '{"topic":"other","partition":0,"offset":999,"value":{"ts":1,"account":"a"}}\n' |
	win "$D/other.st" >/dev/null 2>&1
t_run "--resume past a partition's end" tide-source -b "$BROKERS" -t other -J -e --resume "$D/other.st"
t_status 65
t_stderr_has "--resume: '$D/other.st' says 'other' [0] was read up to offset 1000, past its end (0): the state is not of this topic"
t_stdout </dev/null
# Topics the state does not name start at -o (beginning by default).
t_run "a topic the state does not name starts at -o" tide-source -b "$BROKERS" -t rs2 -J -e --resume "$D/other.st" -o end --dry-run
t_status 0
jq -c '[.partition, .start == .high]' <"$T_OUT" | tr '\n' ' ' >"$D/s"
t_ok "-o end for the partitions the state does not name" test "$(cat "$D/s")" = "[0,true] [1,true] [2,true] "
# A state of plain records (not envelopes) holds no offsets: a warning.
printf '{"ts":1,"account":"a"}\n' | tide-window --tumble 1m -k account -a count --state "$D/plain.st" >/dev/null
t_run "--resume of a state without Kafka offsets" tide-source -b "$BROKERS" -t rs -J -e --resume "$D/plain.st" --dry-run
t_status 0
t_stderr_has "--resume: '$D/plain.st' holds no Kafka offsets (tide-window keeps them for envelopes, tide-source -J): starting as if there were no file"
jq -c '.start' <"$T_OUT" | tr '\n' ' ' >"$D/s"
t_ok "no offsets: from the beginning" test "$(cat "$D/s")" = "0 0 0 "
t_ok "no kafka lines in a state of plain records" test -z "$(koffs "$D/plain.st")"
# Envelopes that are not Kafka's are not noted: a topic name Kafka would
# refuse, a partition or offset that is not a whole number.
printf '%s\n' '{"topic":"a b","partition":0,"offset":5,"value":{"ts":1,"account":"a"}}' \
	'{"topic":"ok","partition":"0","offset":5,"value":{"ts":1,"account":"a"}}' \
	'{"topic":"ok","partition":0,"offset":5.5,"value":{"ts":1,"account":"a"}}' \
	'{"topic":"ok","partition":-1,"offset":5,"value":{"ts":1,"account":"a"}}' \
	'{"topic":"ok","partition":1,"offset":7,"value":{"ts":1,"account":"a"}}' \
	'{"topic":"ok","partition":1,"offset":3,"value":{"ts":1,"account":"a"}}' \
	'{"topic":"ok","partition":1,"offset":8,"value":{"nots":1}}' |
	win "$D/odd.st" >/dev/null 2>&1
t_ok "only Kafka's envelopes are noted, bad records too" test "$(koffs "$D/odd.st")" = "ok 1 9"

t_done
