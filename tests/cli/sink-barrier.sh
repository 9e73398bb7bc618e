#!/bin/sh
# tide-sink and barrier lines (doc/DELIVERY.md): a barrier is never a
# record -- not written, not counted, not dead-lettered -- whatever the back
# end; a broken one is bad input; a zstd frame ends at each; input that
# brought barriers and ends without the final one exits 75.  (The drain on
# signals is in signals.sh.)
. "$(dirname "$0")/../lib.sh"

cd "$T_DIR" || exit 1

B1='{"@barrier":{"seq":1,"offsets":[["tx",0,2]]}}'
B2='{"@barrier":{"seq":2,"final":true,"offsets":[["tx",0,3]]}}'
printf '%s\n' '{"id":1,"k":"a"}' '{"id":2,"k":"b"}' "$B1" '{"id":3,"k":"a"}' \
    "$B2" >in.final
printf '%s\n' '{"id":1,"k":"a"}' '{"id":2,"k":"b"}' "$B1" '{"id":3,"k":"a"}' \
    >in.nofinal
printf '%s\n' '{"id":1,"k":"a"}' '{"id":2,"k":"b"}' '{"id":3,"k":"a"}' >want

# --- good: barriers are not records -----------------------------------------

T_IN=in.final
t_run "-o -: barriers not written" tide-sink -o -
t_status 0
t_stdout_file want
t_stderr_empty

t_run "--stats: barriers not counted" tide-sink -o - --stats
t_status 0
t_stderr_has "tide-sink: in 3, bad 0, out 3, bytes 51, files 0,"

t_run "through a pipe: barriers not written" sh -c 'cat in.final | tide-sink -o -'
t_status 0
t_stdout_file want
t_stderr_empty

t_run "--dead-letter: barriers not dead-lettered" tide-sink -o - --dead-letter dl.good
t_status 0
t_stdout_file want
t_ok "--dead-letter: nothing in it" test ! -s dl.good

t_run "-o file: barriers not written" tide-sink -o out.ndjson --stats
t_status 0
t_ok "-o file: byte-exact" cmp want out.ndjson
t_ok "-o file: no .part left" test ! -e out.ndjson.part
t_stderr_has "tide-sink: in 3, bad 0, out 3, bytes 51, files 1,"

t_run "--format csv: barriers not rows" tide-sink -o out.csv --format csv
t_status 0
t_ok "--format csv: header and three rows" sh -c "printf 'id,k\n1,a\n2,b\n3,a\n' | cmp - out.csv"

t_run "-o .zst: barriers not written" tide-sink -o out.ndjson.zst
t_status 0
t_ok "-o .zst: byte-exact when read back" sh -c "zstdcat out.ndjson.zst | cmp want -"
t_ok "-o .zst: a frame ends at the barrier (2 frames, none empty)" sh -c \
    "zstd -l out.ndjson.zst | awk 'NR == 2 { print \$1 }' | grep -qx 2"
t_ok "-o .zst: frames test clean" zstd -tq out.ndjson.zst

t_run "--sqlite: barriers not upserted" tide-sink --sqlite v.db --table v --upsert id --stats
t_status 0
t_stderr_has "tide-sink: in 3, bad 0, upserts 3,"
t_ok "--sqlite: three rows" sh -c "sqlite3 v.db 'select count(*) from v' | grep -qx 3"

printf '%s\n' '{"id":1}' '{"id":2}' >in.none
T_IN=in.none
t_run "no barriers at all: exit 0 as before" tide-sink -o -
t_status 0
t_stderr_empty

printf '%s\n' '{"id":1}' "$B2" >in.onlyfinal
T_IN=in.onlyfinal
t_run "the final barrier alone: exit 0" tide-sink -o -
t_status 0
t_stdout <<'EOF'
{"id":1}
EOF
t_stderr_empty

# --- bad: broken barriers, a missing final one ---------------------------------

T_IN=in.nofinal
t_run "barriers and no final one: exit 75" tide-sink -o - --stats
t_status 75
t_stdout_file want
t_stderr_has "tide-sink: input ended without the source's final barrier: a stage before this one died"
t_stderr_has "tide-sink: in 3, bad 0, out 3,"

# Every record bad, and no final barrier: 75 says more than 65 and wins
# (issue 19 item 2).
printf '%s\n' 'nope' '{"@barrier":{"seq":1,"offsets":[["x",0,1]]}}' >in.badnofinal
T_IN=in.badnofinal
t_run "every record bad and no final barrier: 75 wins" tide-sink -o -
t_status 75
t_stdout </dev/null
t_stderr "tide-sink: line 1: not valid JSON: bad literal at byte 0" "tide-sink: input ended without the source's final barrier: a stage before this one died" "tide-sink: 1 bad record skipped"
T_IN=in.nofinal

t_run "no final barrier, -o file: written in full, still 75" tide-sink -o nf.ndjson
t_status 75
t_ok "no final barrier, -o file: byte-exact" cmp want nf.ndjson
t_ok "no final barrier, -o file: no .part left" test ! -e nf.ndjson.part
t_stderr_has "a stage before this one died"

t_run "no final barrier, through a pipe: 75" sh -c 'cat in.nofinal | tide-sink -o -'
t_status 75
t_stdout_file want

printf '%s\n' '{"id":1}' '{"@barrier":{"seq":"x","offsets":[]}}' \
    '{"@barrier":{"seq":2,"offsets":[["tx",0,-1]]}}' \
    '{"@barrier":{"seq":3,"offsets":[]},"extra":1}' '{"@barrier":{"seq":4' \
    '{"@barrier":{"seq":5,"final":true,"offsets":[]}}' '{"id":2}' >in.broken
T_IN=in.broken
t_run "broken barriers are bad input, with line numbers" tide-sink -o - --stats
t_status 0
t_stdout <<'EOF'
{"id":1}
{"id":2}
EOF
t_stderr_has "tide-sink: line 2: broken barrier: "
t_stderr_has "tide-sink: line 3: broken barrier: "
t_stderr_has "tide-sink: line 4: broken barrier: "
t_stderr_has "tide-sink: line 5: broken barrier: "
t_stderr_has "tide-sink: 4 bad records skipped"
t_stderr_has "tide-sink: in 6, bad 4, out 2,"

t_run "a broken barrier's reason" tide-sink -o -
t_stderr_has "tide-sink: line 2: broken barrier: seq is not a non-negative integer at byte 19"

t_run "broken barriers go to the dead-letter file" tide-sink -o - --dead-letter dl.bad
t_status 0
t_ok "--dead-letter: lines 2 to 5, raw as read" sh -c \
    "jq -r '[.line, .raw] | @tsv' dl.bad | cut -f1 | tr '\n' ' ' | grep -qxF '2 3 4 5 '"
t_ok "--dead-letter: the raw line" sh -c \
    "jq -r 'select(.line == 2) | .raw' dl.bad | grep -qxF '{\"@barrier\":{\"seq\":\"x\",\"offsets\":[]}}'"

t_run "--strict: a broken barrier is 65" tide-sink -o - --strict
t_status 65
t_stdout <<'EOF'
{"id":1}
EOF
t_stderr_has "tide-sink: line 2: broken barrier: "

t_run "--strict, -o file: the records before it kept" tide-sink -o st.ndjson --strict
t_status 65
t_ok "--strict, -o file: one record" sh -c "printf '{\"id\":1}\n' | cmp - st.ndjson"

# The broken final barrier does not count as the final one.
printf '%s\n' '{"id":1}' "$B1" '{"@barrier":{"seq":2,"final":tru}}' >in.brokenfinal
T_IN=in.brokenfinal
t_run "a broken final barrier is not the final one: 75" tide-sink -o -
t_status 75
t_stderr_has "tide-sink: line 3: broken barrier: "
t_stderr_has "a stage before this one died"

# --- a barrier makes what came before it durable, while the run goes on -------

# wait_until WHAT CMD...: until CMD succeeds (a pass), or $_pid ends or 60 s
# go by (a failure: the bound only keeps a broken program from hanging).
wait_until() {
	_w=$1
	shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		if [ $_i -ge 1200 ] || ! kill -0 $_pid 2>/dev/null; then
			t_fail "$T_NAME: $_w$([ $_i -ge 1200 ] && echo ': not in 60 s')" "$(tail -3 "$T_ERR")"
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	t_pass "$T_NAME: $_w"
}
# caught: $_pid catches SIGUSR1 (SigCgt, bit 10): before that it would kill.
caught() {
	_m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$_pid/status")
	[ -n "$_m" ] && [ $((0x${_m#????????????} & 512)) != 0 ]
}
# read_two: the two records are read, by the --stats counters on SIGUSR1.
read_two() {
	kill -USR1 $_pid 2>/dev/null
	grep -q "^tide-sink: in 2, bad 0," "$T_ERR"
}
printf '%s\n' '{"id":1,"k":"a"}' '{"id":2,"k":"b"}' >want2
# live OUT: tide-sink -o OUT --stats on a fifo held open (fd 8); two
# records go in, and it has read them on return.
live() {
	rm -f fifo
	mkfifo fifo
	: >"$T_ERR"
	tide-sink -o "$1" --stats <fifo >"$T_OUT" 2>"$T_ERR" &
	_pid=$!
	exec 8>fifo
	cat want2 >&8
	wait_until "SIGUSR1 caught" caught
	wait_until "two records read" read_two
}
T_NAME="-o file: a barrier writes out the segment"
live live.ndjson
t_ok "$T_NAME: before the barrier, buffered (nothing in the file)" \
    test ! -s live.ndjson.part
printf '%s\n' "$B1" >&8
wait_until "after it, both records in live.ndjson.part" cmp -s want2 live.ndjson.part
printf '%s\n' '{"id":3,"k":"a"}' "$B2" >&8
exec 8>&-
wait $_pid
T_RC=$?
t_status 0
t_ok "$T_NAME: the file at the end" cmp want live.ndjson

T_NAME="-o .zst: a barrier ends a frame"
live live.ndjson.zst
printf '%s\n' "$B1" >&8
wait_until "after it, the .part reads back whole" sh -c 'zstdcat live.ndjson.zst.part | cmp -s want2 -'
exec 8>&-
wait $_pid
T_RC=$?
t_status 75
t_stderr_has "a stage before this one died"
t_ok "$T_NAME: the file at the end" sh -c 'zstdcat live.ndjson.zst | cmp -s want2 -'

# --- Redis --------------------------------------------------------------------------
t_skip_unless redis-server
t_skip_unless redis-cli
redis_start
T_IN=in.final
t_run "--redis: barriers not stored" tide-sink --redis "redis://127.0.0.1:$RPORT" \
    --upsert id --prefix b: --stats
t_status 0
t_stderr_has "tide-sink: in 3, bad 0, upserts 3,"
t_run "--redis: three keys" sh -c "redis-cli -p $RPORT --scan --pattern '*' | sort"
t_stdout <<'EOF'
b:1
b:2
b:3
EOF
T_IN=in.broken
t_run "--redis: broken barriers are bad input" tide-sink --redis "redis://127.0.0.1:$RPORT" \
    --upsert id --prefix c:
t_status 0
t_stderr_has "tide-sink: 4 bad records skipped"
t_run "--redis: two keys" sh -c "redis-cli -p $RPORT --scan --pattern 'c:*' | sort"
t_stdout <<'EOF'
c:1
c:2
EOF

t_done
