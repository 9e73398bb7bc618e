#!/bin/sh
# tide-mock: options, the command protocol on stdin (exact answers), and a
# live cluster that kcat (an independent client) produces to and consumes
# from, under injected faults.  Every kcat call runs under timeout(1).
. "$(dirname "$0")/../lib.sh"
t_skip_unless kcat

KC="timeout 20 kcat"

# --- options --------------------------------------------------------------

t_run "bad option" tide-mock --bogus
t_status 64
t_stderr_has "tide-mock: unknown option '--bogus'"
t_stderr_has "usage: tide-mock"

t_run "-t zero partitions" tide-mock -t mock.x:0
t_status 64
t_stderr_has "tide-mock: -t: 0 is out of range [1, 10000]"

t_run "-t partitions not a number" tide-mock -t mock.x:x
t_status 64
t_stderr_has "tide-mock: -t: not an integer: 'x'"

t_run "-t bad topic name" tide-mock -t 'bad/name'
t_status 64
t_stderr_has "-t: not a topic name: 'bad/name'"

t_run "-t empty topic name" tide-mock -t :3
t_status 64
t_stderr_has "-t: not a topic name: ''"

long250=$(awk 'BEGIN { while (n++ < 250) printf "a"; }')
t_run "-t name of 250 characters" tide-mock -t "$long250:2"
t_status 64
t_stderr_has "-t: not a topic name: '$long250'"
t_run "-t name of 249 characters" tide-mock -t "${long250#a}:2"
t_status 0

t_run "-t twice" tide-mock -t mock.a -t mock.b:2 -t mock.a:3
t_status 64
t_stderr_has "-t: topic 'mock.a' given twice"

t_run "--brokers 0" tide-mock --brokers 0
t_status 64
t_stderr_has "--brokers: 0 is out of range [1, 64]"

t_run "--partitions not a number" tide-mock --partitions many
t_status 64
t_stderr_has "--partitions: not an integer: 'many'"

t_run "-X unknown property" tide-mock -X no.such.property=1
t_status 64
t_stderr_has "tide-mock: -X: No such configuration property: \"no.such.property\""

t_run "-X without =" tide-mock -X linger.ms
t_status 64
t_stderr_has "-X: expected prop=value: 'linger.ms'"

t_run "operand" tide-mock extra
t_status 64
t_stderr_has "unexpected argument 'extra'"

t_run "bootstrap file in a missing directory" tide-mock --bootstrap-file "$T_DIR/no/such/dir/f"
t_status 74
t_stderr_has "$T_DIR/no/such/dir/f"

t_run "help" tide-mock -h
t_status 0
t_ok "help: usage line first" sh -c "head -1 '$T_OUT' | grep -qx 'usage: tide-mock \[-qv\] \[--brokers n\] \[--partitions n\] \[-t topic\[:partitions\]\] \.\.\. \[--bootstrap-file file\] \[--no-stdin\] \[-d contexts\] \[-X prop=value\] \.\.\.'"

# Stdin at EOF at once: the bootstrap list, then a clean stop.
t_run "three brokers, stdin empty" tide-mock --brokers 3 --partitions 2 -t mock.p -X client.id=mocky
t_status 0
t_ok "three brokers: one bootstrap line of three loopback addresses" \
	grep -Eqx '127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+' "$T_OUT"
t_ok "three brokers: nothing else on stdout" test "$(wc -l <"$T_OUT")" = 1
t_stderr_empty

printf 'help\n' >"$T_DIR/cmds"
T_IN=$T_DIR/cmds
t_run "-v" tide-mock -v -t mock.v:2
T_IN=/dev/null
t_status 0
t_stderr_has "tide-mock: topic 'mock.v': 2 partitions"
t_stderr_has "tide-mock: 1 broker at 127.0.0.1:"
t_stderr_has "tide-mock: command: help"

# --- the command protocol, exact answers -----------------------------------

long=$(awk 'BEGIN { while (n++ < 4200) printf "x"; }')
{
	printf '%s\n' help \
	    'broker 1 rtt 5' 'broker 1 rtt 0' 'broker all down' 'broker all up' \
	    'broker 2 down' 'broker x up' 'broker 1 sideways' 'broker 1 rtt -5' \
	    'broker 1 rtt 10ms' 'broker 1' \
	    'error Produce NOT_LEADER_FOR_PARTITION 3' 'error fetch 7' \
	    'error OffsetCommitRequest rebalance_in_progress' \
	    'error Metadata RD_KAFKA_RESP_ERR__TRANSPORT' \
	    'error Produce _TIMED_OUT' 'error Bogus REQUEST_TIMED_OUT' \
	    'error Produce BOGUS_ERROR' 'error Produce 0' 'error Produce 99999' \
	    'error Produce REQUEST_TIMED_OUT 0' 'error Produce REQUEST_TIMED_OUT x' \
	    'error Produce' \
	    'clear Produce' 'clear Nope' 'clear' \
	    'topic mock.t1 2' 'topic mock.t1' 'topic bad/name 1' 'topic mock.t2 0' \
	    'topic mock.t3 1 extra' \
	    'leader mock.batch 1 1' 'leader mock.batch 5 1' 'leader mock.batch 0 7' \
	    'leader mock.batch 0 -1' 'leader mock.batch x 1' \
	    frobnicate '' '# a comment' 'help me'
	printf '  broker 1 up\r\n'
	printf '%s\n' "$long" 'broker all up' quit 'broker 1 down'
} >"$T_DIR/cmds"
T_IN=$T_DIR/cmds
t_run "commands" tide-mock -t mock.batch:2
T_IN=/dev/null
t_status 0
t_ok "commands: first line is the bootstrap list" \
	sh -c "head -1 '$T_OUT' | grep -Eqx '127\.0\.0\.1:[0-9]+'"
tail -n +2 "$T_OUT" >"$T_DIR/answers" && mv "$T_DIR/answers" "$T_OUT"
t_stdout <<'EOF'
broker N|all down           disconnect broker N, refuse connections
broker N|all up             accept connections again
broker N|all rtt MS         delay every response by MS milliseconds
error API ERRCODE [COUNT]   fail the next COUNT (1) API requests
clear API                   drop the errors queued for API
topic NAME [PARTITIONS]     create a topic
leader TOPIC PARTITION ID   move a partition's leader (-1: none)
quit                        stop the cluster and exit
help                        this list
ok
ok
ok
ok
ok
error: no broker '2' (brokers are 1..1, or all)
error: no broker 'x' (brokers are 1..1, or all)
error: usage: broker N|all down|up|rtt MS
error: rtt: not a number of milliseconds in [0, 3600000]: '-5'
error: rtt: not a number of milliseconds in [0, 3600000]: '10ms'
error: usage: broker N|all down|up|rtt MS
ok
ok
ok
ok
error: '_TIMED_OUT' is a local client error: of those only _TRANSPORT (a disconnect) can be injected
error: unknown API 'Bogus' (e.g. Produce, Fetch, Metadata, OffsetCommit, FindCoordinator)
error: unknown error code 'BOGUS_ERROR'
error: NO_ERROR is not an error
error: unknown error code '99999'
error: count: not a number in [1, 100000]: '0'
error: count: not a number in [1, 100000]: 'x'
error: usage: error API ERRCODE [COUNT]
ok
error: unknown API 'Nope'
error: usage: clear API
ok
error: topic 'mock.t1' already exists
error: not a topic name: 'bad/name' (1 to 249 of a-z A-Z 0-9 . _ -)
error: partitions: not a number in [1, 10000]: '0'
error: usage: topic NAME [PARTITIONS]
ok
error: topic 'mock.batch' has no partition 5
error: no broker '7' (brokers are 1..1, or -1 for none)
ok
error: not a partition: 'x'
error: unknown command 'frobnicate' (try help)
error: usage: help
ok
error: line too long
ok
ok
EOF

# A last command without its newline is still answered.
printf 'broker 1 rtt 0' >"$T_DIR/cmds"
T_IN=$T_DIR/cmds
t_run "last line without newline" sh -c 'tide-mock | tail -n +2'
T_IN=/dev/null
t_status 0
t_stdout <<'EOF'
ok
EOF

# --- a live cluster ----------------------------------------------------------

mock_start -t mock.keyed:3 -t mock.down -t mock.err -t mock.single:1
NANS=0
# Send a command and wait for its answer, line NANS+1 of .mockout (the
# first line is the bootstrap list); the answer goes in $ANSWER.  Not run
# in a subshell, so that NANS keeps count.
ask() {
	mock_cmd "$1"
	NANS=$((NANS + 1))
	_i=0
	while [ "$(wc -l <"$T_DIR/.mockout")" -le $NANS ] && [ $_i -lt 200 ]; do
		_i=$((_i + 1))
		sleep 0.05
	done
	ANSWER=$(sed -n "$((NANS + 1))p" "$T_DIR/.mockout")
}
t_ask() {
	ask "$1"
	if [ "$ANSWER" = "$2" ]; then t_pass "command '$1': $2"
	else t_fail "command '$1': got '$ANSWER', expected '$2'" "$(cat "$T_DIR/.mockout")"; fi
}

t_ok "bootstrap file holds stdout's first line" \
	test "$(cat "$T_DIR/.bootstrap")" = "$(head -1 "$T_DIR/.mockout")"

t_run "metadata" sh -c "$KC -b '$BROKERS' -L -t mock.keyed -m 10 | grep -E '^ +(topic|partition) '"
t_status 0
t_stdout <<'EOF'
  topic "mock.keyed" with 3 partitions:
    partition 0, leader 1, replicas: 1, isrs: 1
    partition 1, leader 1, replicas: 1, isrs: 1
    partition 2, leader 1, replicas: 1, isrs: 1
EOF

awk 'BEGIN { for (i = 1; i <= 100; i++) printf "k%d:v%d\n", i, i }' >"$T_DIR/keyed"
T_IN=$T_DIR/keyed
t_run "produce 100 keyed" $KC -b "$BROKERS" -P -t mock.keyed -K: -X message.timeout.ms=10000
T_IN=/dev/null
t_status 0
t_run "consume them back" sh -c "$KC -b '$BROKERS' -C -t mock.keyed -o beginning -e -q -f '%k:%s\n' | sort"
t_status 0
sort "$T_DIR/keyed" >"$T_DIR/keyed.sorted"
t_stdout_file "$T_DIR/keyed.sorted"
t_run "keys spread over the 3 partitions" sh -c "$KC -b '$BROKERS' -C -t mock.keyed -o beginning -e -q -f '%p\n' | sort -u"
t_status 0
t_stdout <<'EOF'
0
1
2
EOF

# Broker down: nothing is delivered; up again: delivered.
t_ask "broker 1 down" ok
echo lost >"$T_DIR/one"
T_IN=$T_DIR/one
t_run "produce with the broker down" $KC -b "$BROKERS" -P -t mock.down -X message.timeout.ms=1500
t_status 1
t_ask "broker 1 up" ok
echo kept >"$T_DIR/one"
t_run "produce with the broker up" $KC -b "$BROKERS" -P -t mock.down -X message.timeout.ms=10000
t_status 0
T_IN=/dev/null
t_run "only the second message is there" $KC -b "$BROKERS" -C -t mock.down -o beginning -e -q -f '%s\n'
t_status 0
t_stdout <<'EOF'
kept
EOF

# A non-retriable error fails exactly COUNT produce requests.
t_ask "error Produce MSG_SIZE_TOO_LARGE 1" ok
echo first >"$T_DIR/one"
T_IN=$T_DIR/one
t_run "produce under an injected error" $KC -b "$BROKERS" -P -t mock.err -X message.timeout.ms=10000
t_status 1
t_stderr_has "Broker: Message size too large"
echo second >"$T_DIR/one"
t_run "produce after the error was used up" $KC -b "$BROKERS" -P -t mock.err -X message.timeout.ms=10000
t_status 0
t_ask "error Produce MSG_SIZE_TOO_LARGE 5" ok
t_ask "clear Produce" ok
echo third >"$T_DIR/one"
t_run "produce after clear" $KC -b "$BROKERS" -P -t mock.err -X message.timeout.ms=10000
t_status 0
T_IN=/dev/null
t_run "the failed message is not in the log" $KC -b "$BROKERS" -C -t mock.err -o beginning -e -q -f '%s\n'
t_status 0
t_stdout <<'EOF'
second
third
EOF

# Added latency: a 1 s metadata timeout fails under 3 s of rtt.
t_ask "broker 1 rtt 3000" ok
t_run "metadata under rtt" $KC -b "$BROKERS" -L -t mock.single -m 1
t_status 1
t_ask "broker 1 rtt 0" ok
t_run "metadata without rtt" sh -c "$KC -b '$BROKERS' -L -t mock.single -m 10 | grep -c '^    partition '"
t_status 0
t_stdout <<'EOF'
1
EOF

t_ask "topic mock.created 5" ok
t_run "a topic created by command" sh -c "$KC -b '$BROKERS' -L -t mock.created -m 10 | grep '^  topic '"
t_stdout <<'EOF'
  topic "mock.created" with 5 partitions:
EOF
# The retention watch: past 5 MiB of batches a partition drops its oldest
# records, and tide-mock says so once per partition.  While errors are
# queued for an API the watch's own requests would take (ListOffsets,
# Metadata, ApiVersions), the watch is held, and it warns after "clear".
# 60000 uncompressed transactions are about 9 MiB.
watch_warnings() { grep -c "oldest records were dropped" "$T_DIR/.mockerr"; }
wait_warnings() {	# N: up to 10 s for N warning lines
	_i=0
	while [ "$(watch_warnings)" -lt "$1" ] && [ $_i -lt 200 ]; do
		_i=$((_i + 1))
		sleep 0.05
	done
}
t_ask "topic mock.cap1 1" ok
t_ask "topic mock.cap2 1" ok
t_ask "topic mock.small 1" ok
tide-gen --count 60000 transactions >"$T_DIR/cap.ndjson"
T_IN=$T_DIR/cap.ndjson
t_run "produce 9 MiB uncompressed to one partition" tide-sink -b "$BROKERS" -t mock.cap1 -X compression.type=none
t_status 0
t_run "the same, zstd-compressed, stays under the cap" tide-sink -b "$BROKERS" -t mock.small -X compression.type=zstd
t_status 0
T_IN=/dev/null
wait_warnings 1
sleep 2.5	# two more rounds: a second warning would be seen
t_run "one warning, naming the partition and the remedy" sh -c "grep 'oldest records' '$T_DIR/.mockerr' | sed 's/offset [0-9]*/offset N/'"
t_stdout <<'EOF'
tide-mock: topic 'mock.cap1' partition 0: its oldest records were dropped (the log now starts at offset N): the mock keeps at most 5 MiB and 100000 batches per partition; spread the records over more partitions (all of a key's go to one), or compress (tide-sink -X compression.type=zstd)
EOF
t_run "the dropped records are gone, as the warning said" sh -c "$KC -b '$BROKERS' -C -t mock.cap1 -o beginning -e -q | wc -l | awk '\$1 < 60000 { print \"fewer\" }'"
t_stdout <<'EOF'
fewer
EOF
t_ask "error ListOffsets REQUEST_TIMED_OUT 100" ok
T_IN=$T_DIR/cap.ndjson
t_run "produce over the cap while ListOffsets errors are queued" tide-sink -b "$BROKERS" -t mock.cap2 -X compression.type=none
t_status 0
T_IN=/dev/null
sleep 2.5
t_ok "no warning while the watch is held" test "$(watch_warnings)" -eq 1
t_ask "clear ListOffsets" ok
wait_warnings 2
t_ok "the warning after clear" grep -q "topic 'mock.cap2' partition 0: its oldest" "$T_DIR/.mockerr"
t_ask "nonsense here" "error: unknown command 'nonsense' (try help)"
t_ask "broker 1 up" ok

# Closing stdin stops it with status 0 and removes the bootstrap file.
exec 9>&-
wait "$T_MOCKPID"
T_RC=$?
T_NAME="stdin closed"
t_status 0
t_ok "stdin closed: bootstrap file removed" test ! -e "$T_DIR/.bootstrap"

# SIGTERM and SIGINT stop it with status 0, also while stdin stays open.
for sig in TERM INT; do
	rm -f "$T_DIR/.in2"
	mkfifo "$T_DIR/.in2"
	tide-mock --bootstrap-file "$T_DIR/.boot2" <"$T_DIR/.in2" >"$T_DIR/.out2" 2>"$T_DIR/.err2" &
	pid=$!
	T_CLEANUP="kill $pid 2>/dev/null; $T_CLEANUP"
	exec 8>"$T_DIR/.in2"
	i=0
	while [ ! -s "$T_DIR/.boot2" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	kill -$sig $pid
	wait $pid
	T_RC=$?
	exec 8>&-
	T_NAME="SIG$sig"
	t_status 0
	t_ok "SIG$sig: bootstrap file removed" test ! -e "$T_DIR/.boot2"
	t_ok "SIG$sig: stdout is the bootstrap list" grep -Eqx '127\.0\.0\.1:[0-9]+' "$T_DIR/.out2"
done

# --no-stdin ignores stdin at EOF and runs until a signal.
tide-mock --no-stdin --bootstrap-file "$T_DIR/.boot3" </dev/null >/dev/null 2>&1 &
pid=$!
T_CLEANUP="kill $pid 2>/dev/null; $T_CLEANUP"
i=0
while [ ! -s "$T_DIR/.boot3" ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
sleep 0.2
t_ok "--no-stdin: still running at stdin EOF" kill -0 $pid
kill -TERM $pid
wait $pid
T_RC=$?
T_NAME="--no-stdin SIGTERM"
t_status 0

t_done
