#!/bin/sh
# Signals, pipes and write errors, for every program that is built
# (DESIGN.md, shared conventions):
#   - SIGTERM/SIGINT in the middle of a stream: exit 0 after flushing all
#     that was read; tide-window, tide-join and tide-sink drain
#     (doc/DELIVERY.md): they read on to the end of their input, then
#     write what follows, nothing half-written; a second signal ends them
#     at once (128 + signal), --drain-timeout with 75;
#   - SIGPIPE/EPIPE on stdout (`| head -1`): quiet exit 0;
#   - /dev/full (a full disk) on stdout, -o or --dead-letter: exit 74 with
#     a message naming the program.
# A program not in $TIDE_BIN yet is skipped (counted: t_skip).
. "$(dirname "$0")/../lib.sh"

have() {
	[ -x "$TIDE_BIN/$1" ] && return 0
	t_skip "$1 not built"
	return 1
}

T1='{"ts":1764547200000,"account":"a","amount":1}'
T2='{"ts":1764547215000,"account":"a","amount":2}'
printf '%s\n%s\n' "$T1" "$T2" >"$T_DIR/two"
printf 'account,seg\na,gold\n' >"$T_DIR/table.csv"

# Tests wait for events (lines out, a counter printed), never for a time.
# A job's output file is emptied before it starts: the last case's lines,
# read before the job has opened it, would be taken for its own.
# wait_lines FILE N [PID]: until FILE has N lines.  The bound (60 s) only
# keeps a broken program from hanging the test: it fails, saying so; so
# does PID ending first.
wait_lines() {
	_i=0
	while [ "$(wc -l <"$1")" -lt "$2" ]; do
		if [ $_i -ge 1200 ] || { [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; }; then
			t_fail "${T_NAME:-wait}: waited for $2 lines in $(basename "$1"), got $(wc -l <"$1")$([ $_i -ge 1200 ] && echo ' in 60 s')"
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
}

# wait_stats PID FILE PATTERN: SIGUSR1 to PID (which prints its --stats
# counters on it) until FILE has a line matching PATTERN; at most 60 s.
# The first goes once PID catches SIGUSR1 (SigCgt in /proc: bit 10 of the
# last four hex digits), not before, when it would be killed by it.
wait_stats() {
	_i=0
	while :; do
		_m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
		[ -n "$_m" ] && [ $((0x${_m#????????????} & 512)) != 0 ] && break
		if [ $_i -ge 1200 ] || ! kill -0 "$1" 2>/dev/null; then
			t_fail "${T_NAME:-wait}: never caught SIGUSR1"
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	_i=0
	while ! grep -q -- "$3" "$2"; do
		if [ $_i -ge 600 ] || ! kill -USR1 "$1" 2>/dev/null; then
			t_fail "${T_NAME:-wait}: no '$3' in its counters$([ $_i -ge 600 ] && echo ' in 60 s')" "$(tail -3 "$2")"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
}

# sig_start CMD...: CMD in the background ($_pid), reading a fifo held
# open on fd 8, into which the two records of $T_DIR/two have gone.
sig_start() {
	rm -f "$T_DIR/fifo"
	mkfifo "$T_DIR/fifo"
	: >"$T_OUT"; : >"$T_ERR"
	"$@" <"$T_DIR/fifo" >"$T_OUT" 2>"$T_ERR" &
	_pid=$!
	exec 8>"$T_DIR/fifo"
	cat "$T_DIR/two" >&8
}

# sig_mid NAME SIG READY CMD...: CMD reads a fifo that stays open (input
# is not at its end); the two records of $T_DIR/two go in, and once CMD has
# read them SIG arrives.  READY says how that is seen: a number of output
# lines (flushed because the input went idle, and only once both records
# are read), or "usr1:PATTERN", a line of the --stats counters that CMD
# prints on SIGUSR1.  Sets T_NAME, T_RC, $T_OUT, $T_ERR like t_run.
sig_mid() {
	T_NAME=$1
	_sig=$2
	_n=$3
	shift 3
	sig_start "$@"
	case $_n in
	usr1:*) wait_stats $_pid "$T_ERR" "${_n#usr1:}" ;;
	*) wait_lines "$T_OUT" "$_n" $_pid ;;
	esac
	kill -"$_sig" $_pid
	wait $_pid
	T_RC=$?
	exec 8>&-
}

# sig_drain NAME SIG READY CMD...: as sig_mid, for a stage that drains
# (doc/DELIVERY.md): after SIG a third record goes in, then the input
# ends; the stage reads it all and exits by itself.  With SECOND=SIG2 set,
# a second signal follows the first instead; with KEEP_OPEN=1 the input
# stays open.  READY as in sig_mid; with usr1:PATTERN, AFTER=PATTERN says
# how the third record is seen to have come through (for SECOND).
T3='{"ts":1764547230000,"account":"a","amount":3}'
sig_drain() {
	T_NAME=$1
	_sig=$2
	_n=$3
	shift 3
	sig_start "$@"
	case $_n in
	usr1:*) wait_stats $_pid "$T_ERR" "${_n#usr1:}" ;;
	*) wait_lines "$T_OUT" "$_n" $_pid ;;
	esac
	kill -"$_sig" $_pid
	if [ -n "${SECOND:-}" ]; then
		# The first is taken by the time the record sent after it
		# has come through (a pending signal is handled on the way
		# back from the read); only then the second, which would
		# otherwise merge with a first still pending.
		printf '%s\n' "$T3" >&8
		case $_n in
		usr1:*) wait_stats $_pid "$T_ERR" "$AFTER" ;;
		*) wait_lines "$T_OUT" $((_n + 1)) $_pid ;;
		esac
		kill -"$SECOND" $_pid
	elif [ -z "${KEEP_OPEN:-}" ]; then
		# Sent after the signal: a draining stage still reads it.
		printf '%s\n' "$T3" >&8
		exec 8>&-
	fi
	wait $_pid
	T_RC=$?
	exec 8>&-
}

for sig in TERM INT HUP; do
	if have tide-window; then
		# The first window closes when the second record moves the
		# watermark; the signal comes while the second is open, the
		# third record after it, and the end of input closes the rest.
		sig_drain "window SIG$sig drains" $sig 1 tide-window -k account \
		    -a 'count,sum(amount)' --tumble 10s --stats
		t_status 0
		t_stdout <<'EOF'
{"window_start":1764547200000,"window_end":1764547210000,"account":"a","count":1,"sum_amount":1}
{"window_start":1764547210000,"window_end":1764547220000,"account":"a","count":1,"sum_amount":2}
{"window_start":1764547230000,"window_end":1764547240000,"account":"a","count":1,"sum_amount":3}
EOF
		t_stderr_has "tide-window: stats: in 3, out 3, bad 0"
	fi
done
if have tide-window; then
	# A second signal ends the drain at once: 128 + that signal, and the
	# open window is named, not written.
	SECOND=TERM sig_drain "window: a second signal" INT 1 tide-window \
	    -k account -a count --tumble 10s
	t_status 143
	t_stdout <<'EOF'
{"window_start":1764547200000,"window_end":1764547210000,"account":"a","count":1}
{"window_start":1764547210000,"window_end":1764547220000,"account":"a","count":1}
EOF
	t_stderr_has "tide-window: second signal: stopped before the end of input: 1 open window not written"
	# --drain-timeout: the input never ends; the drain does, with 75.
	KEEP_OPEN=1 sig_drain "window: --drain-timeout" TERM 1 tide-window \
	    -k account -a count --tumble 10s --drain-timeout 100ms
	t_status 75
	t_stderr_has "tide-window: --drain-timeout: stopped before the end of input: 1 open window not written"
	# SIGUSR1 prints the counters and changes nothing (it used to kill
	# tide-window, exit 138, with its windows unwritten).
	T_NAME="window SIGUSR1"
	sig_start tide-window -k account -a count --tumble 10s --stats
	wait_stats $_pid "$T_ERR" "^tide-window: stats: in 2, out 1,"
	exec 8>&-
	wait $_pid
	T_RC=$?
	t_status 0
	t_ok "window SIGUSR1: both windows written at the end" test "$(wc -l <"$T_OUT")" = 2
fi

for sig in TERM INT; do
	if have tide-join; then
		# A stage drains (doc/DELIVERY.md): the record sent after
		# the signal is joined too, and the end of input ends it.
		sig_drain "join SIG$sig drains" $sig 2 tide-join \
		    -T "$T_DIR/table.csv" --on account --stats
		t_status 0
		t_stdout <<'EOF'
{"ts":1764547200000,"account":"a","amount":1,"seg":"gold"}
{"ts":1764547215000,"account":"a","amount":2,"seg":"gold"}
{"ts":1764547230000,"account":"a","amount":3,"seg":"gold"}
EOF
		t_stderr_has "tide-join: records in 3, out 3"
	fi
	if have tide-source; then
		sig_mid "source file SIG$sig" $sig 2 tide-source --format ndjson \
		    --stats /dev/stdin
		t_status 0
		t_stdout_file "$T_DIR/two"
		t_stderr_has "records_in 2, records_out 2"
	fi
done

# tide-sink drains (doc/DELIVERY.md): the record sent after the signal is
# written too, and the run exits 0 at the end of its input.
printf '%s\n' "$T3" | cat "$T_DIR/two" - >"$T_DIR/three"
for sig in TERM INT HUP; do
	if have tide-sink; then
		sig_drain "sink -o - SIG$sig drains" $sig 2 tide-sink -o - --stats
		t_status 0
		t_stdout_file "$T_DIR/three"
		t_stderr_has "tide-sink: in 3, bad 0, out 3"
		# A file sink: the segment is complete and renamed into place.
		sig_drain "sink -o file SIG$sig drains" $sig \
		    "usr1:^tide-sink: in 2," tide-sink -o "$T_DIR/out-$sig.ndjson" \
		    --stats
		t_status 0
		t_ok "sink -o file SIG$sig: file holds the three records" \
		    cmp "$T_DIR/three" "$T_DIR/out-$sig.ndjson"
		t_ok "sink -o file SIG$sig: no .part left" \
		    test ! -e "$T_DIR/out-$sig.ndjson.part"
		t_stderr_has "tide-sink: in 3, bad 0, out 3"
	fi
done
if have tide-sink; then
	# A second signal ends the drain at once: 128 + that signal, and
	# what was left undone is said.
	SECOND=TERM sig_drain "sink: a second signal (TERM)" INT 2 tide-sink -o -
	t_status 143
	t_stdout_file "$T_DIR/three"
	t_stderr_has "tide-sink: second signal: 0 records read and not delivered"
	SECOND=INT sig_drain "sink: a second signal (INT)" TERM 2 tide-sink -o -
	t_status 130
	t_stdout_file "$T_DIR/three"
	t_stderr_has "tide-sink: second signal: 0 records read and not delivered"
	# A file sink stopped so: what it read is in the file, renamed.
	SECOND=TERM AFTER="^tide-sink: in 3," sig_drain \
	    "sink -o file: a second signal" TERM "usr1:^tide-sink: in 2," \
	    tide-sink -o "$T_DIR/out-second.ndjson" --stats
	t_status 143
	t_ok "sink -o file: a second signal: the three records" \
	    cmp "$T_DIR/three" "$T_DIR/out-second.ndjson"
	t_ok "sink -o file: a second signal: no .part left" \
	    test ! -e "$T_DIR/out-second.ndjson.part"
	# --drain-timeout: the input never ends; the drain does, with 75.
	KEEP_OPEN=1 sig_drain "sink: --drain-timeout" TERM 2 tide-sink -o - \
	    --drain-timeout 1s
	t_status 75
	t_stdout_file "$T_DIR/two"
	t_stderr_has "tide-sink: --drain-timeout: input did not end: 0 records read and not delivered"
	# SIGUSR1 prints the counters and changes nothing.
	T_NAME="sink SIGUSR1"
	sig_start tide-sink -o - --stats
	wait_stats $_pid "$T_ERR" "^tide-sink: in 2, bad 0, out 2,"
	exec 8>&-
	wait $_pid
	T_RC=$?
	t_status 0
	t_stdout_file "$T_DIR/two"
fi
if have tide-join; then
	# A second signal ends the drain at once: 128 + that signal, and
	# one line saying what was left undone.
	SECOND=TERM sig_drain "join: a second signal" INT 2 tide-join \
	    -T "$T_DIR/table.csv" --on account
	t_status 143
	t_stdout <<'EOF'
{"ts":1764547200000,"account":"a","amount":1,"seg":"gold"}
{"ts":1764547215000,"account":"a","amount":2,"seg":"gold"}
{"ts":1764547230000,"account":"a","amount":3,"seg":"gold"}
EOF
	t_stderr_has "tide-join: second signal: stopped before the end of input: 3 records read and written, the rest not read"
	SECOND=INT sig_drain "join: a second signal, SIGINT" TERM 2 tide-join \
	    -T "$T_DIR/table.csv" --on account
	t_status 130
	t_stderr_has "tide-join: second signal: stopped before the end of input: 3 records read and written, the rest not read"
	# --drain-timeout: the input never ends; the drain does, with 75.
	KEEP_OPEN=1 sig_drain "join: --drain-timeout" TERM 2 tide-join \
	    -T "$T_DIR/table.csv" --on account --drain-timeout 1s
	t_status 75
	t_stderr_has "tide-join: --drain-timeout: stopped before the end of input: 2 records read and written, the rest not read"
	# SIGUSR1 prints the counters and changes nothing; SIGHUP reloads.
	T_NAME="join SIGUSR1, SIGHUP"
	sig_start tide-join -T "$T_DIR/table.csv" --on account --stats
	wait_stats $_pid "$T_ERR" "^tide-join: records in 2, out 2,"
	kill -HUP $_pid
	wait_stats $_pid "$T_ERR" "reloads 1 (failed 0)"
	exec 8>&-
	wait $_pid
	T_RC=$?
	t_status 0
	t_ok "join SIGUSR1, SIGHUP: both records written" test "$(wc -l <"$T_OUT")" = 2
fi

# Signals under load: the programs read from a fast producer and are
# stopped mid-flow.  Everything they counted in is out, in whole lines.
# flow NAME CMD...: tide-gen at 40000/s (endless) | CMD, SIGTERM once
# more than 1000 lines are out, however long that takes.
flow() {
	T_NAME=$1
	shift
	: >"$T_OUT"; : >"$T_ERR"
	rm -f "$T_DIR/flow"
	mkfifo "$T_DIR/flow"
	tide-gen --rate 40000/s --seed 3 transactions >"$T_DIR/flow" &
	_gpid=$!
	"$@" <"$T_DIR/flow" >"$T_OUT" 2>"$T_ERR" &
	_pid=$!
	wait_lines "$T_OUT" 1001 $_pid && t_pass "$T_NAME: mid-stream (more than 1000 lines)"
	# Both, as Ctrl-C signals a whole pipeline: the source stops, the
	# stage drains what it wrote (doc/DELIVERY.md).
	kill -TERM $_gpid $_pid
	wait $_pid
	T_RC=$?
	wait $_gpid
	if [ "$(tail -c 1 "$T_OUT" | od -An -c | tr -d ' ')" = '\n' ]; then
		t_pass "$T_NAME: ends with a whole line"
	else t_fail "$T_NAME: last line cut" "$(tail -c 200 "$T_OUT")"; fi
	t_ok "$T_NAME: every line is JSON" jq -e . "$T_OUT"
}
# counted IN OUT: the stats numbers match the lines written.
counted() {
	_lines=$(wc -l <"$T_OUT")
	if [ "$1" = "$_lines" ] && [ "$2" = "$_lines" ]; then
		t_pass "$T_NAME: in $1 = out $2 = $_lines lines"
	else
		t_fail "$T_NAME: in $1, out $2, lines $_lines" "$(cat "$T_ERR")"
	fi
}
if have tide-gen; then
	if have tide-sink; then
		flow "sink flow" tide-sink -o - --stats
		t_status 0
		counted "$(sed -n 's/^tide-sink: in \([0-9]*\),.*/\1/p' "$T_ERR")" \
		    "$(sed -n 's/^tide-sink: .*, out \([0-9]*\),.*/\1/p' "$T_ERR")"
	fi
	if have tide-window; then
		flow "window --over flow" tide-window -k account -a count --over 10s --stats
		t_status 0
		counted "$(sed -n 's/^tide-window: stats: in \([0-9]*\),.*/\1/p' "$T_ERR")" \
		    "$(sed -n 's/^tide-window: stats: in [0-9]*, out \([0-9]*\),.*/\1/p' "$T_ERR")"
	fi
	if have tide-join; then
		tide-gen customers >"$T_DIR/customers.ndjson"
		flow "join flow" tide-join -T "$T_DIR/customers.ndjson" --on account --left --stats
		t_status 0
		counted "$(sed -n 's/^tide-join: records in \([0-9]*\),.*/\1/p' "$T_ERR")" \
		    "$(sed -n 's/^tide-join: records in [0-9]*, out \([0-9]*\),.*/\1/p' "$T_ERR")"
	fi
	if have tide-source; then
		flow "source flow" tide-source --format ndjson --stats /dev/stdin
		t_status 0
		counted "$(sed -n 's/.*records_in \([0-9]*\),.*/\1/p' "$T_ERR")" \
		    "$(sed -n 's/.*records_out \([0-9]*\),.*/\1/p' "$T_ERR")"
	fi
	# tide-gen itself, stopped while pacing.
	T_NAME="gen SIGTERM"
	: >"$T_OUT"; : >"$T_ERR"
	tide-gen --rate 2000/s transactions >"$T_OUT" 2>"$T_ERR" &
	_pid=$!
	wait_lines "$T_OUT" 1 $_pid
	kill -TERM $_pid
	wait $_pid
	T_RC=$?
	t_status 0
	t_stderr_empty
	t_ok "gen SIGTERM: whole JSON lines" jq -e . "$T_OUT"
fi

# tide-replay paces an archive: stopped between two due records, it exits
# at once with what was due.
if have tide-replay; then
	printf '%s\n%s\n%s\n' '{"ts":1764547200000,"n":1}' \
	    '{"ts":1764547200100,"n":2}' '{"ts":1764547260000,"n":3}' \
	    >"$T_DIR/archive.ndjson"
	for sig in TERM INT; do
		T_NAME="replay SIG$sig while pacing"
		: >"$T_OUT"; : >"$T_ERR"
		tide-replay --time ts "$T_DIR/archive.ndjson" >"$T_OUT" 2>"$T_ERR" &
		_pid=$!
		wait_lines "$T_OUT" 2 $_pid
		kill -$sig $_pid
		wait $_pid
		T_RC=$?
		t_status 0
		t_stdout <<'EOF'
{"ts":1764547200000,"n":1}
{"ts":1764547200100,"n":2}
EOF
	done
fi

if have tide-mock; then
	for sig in TERM INT; do
		T_NAME="mock SIG$sig"
		: >"$T_OUT"; : >"$T_ERR"
		tide-mock --no-stdin >"$T_OUT" 2>"$T_ERR" &
		_pid=$!
		wait_lines "$T_OUT" 1 $_pid
		kill -$sig $_pid
		wait $_pid
		T_RC=$?
		t_status 0
		t_ok "mock SIG$sig: printed its bootstrap address" \
		    grep -q '^127\.0\.0\.1:[0-9][0-9]*$' "$T_OUT"
	done
fi

# SIGPIPE/EPIPE: a reader that goes away after one line.  Enough input
# that the writer is still writing when it does.
if have tide-gen; then
	tide-gen --count 50000 --seed 2 transactions >"$T_DIR/big"
	tide-gen customers >"$T_DIR/customers.ndjson"
	head -1 "$T_DIR/big" >"$T_DIR/one"
	printf '%s\nnot json\n' "$(cat "$T_DIR/one")" >"$T_DIR/onebad"

	# pipe NAME CMD...: CMD <big | head -1.
	pipe() {
		T_NAME=$1
		shift
		{ "$@" <"$T_DIR/big"; echo $? >"$T_DIR/rc"; } 2>"$T_ERR" | head -1 >"$T_OUT"
		T_RC=$(cat "$T_DIR/rc")
		t_status 0
		t_stderr_empty
		t_stdout_file "$T_DIR/one.expect"
	}
	# full NAME INPUT CMD...: CMD <INPUT >/dev/full.
	full() {
		T_NAME=$1
		_in=$2
		shift 2
		"$@" <"$_in" >/dev/full 2>"$T_ERR"
		T_RC=$?
		t_status 74
		t_stderr_has "$1: "
	}
	# deadfull NAME CMD...: --dead-letter /dev/full.
	deadfull() {
		T_NAME=$1
		shift
		"$@" --dead-letter /dev/full <"$T_DIR/onebad" >/dev/null 2>"$T_ERR"
		T_RC=$?
		t_status 74
		t_stderr_has "$1: cannot write dead-letter file '/dev/full'"
		if grep -q 'kept in' "$T_ERR"; then
			t_fail "$T_NAME: says the records are kept" "$(cat "$T_ERR")"
		else t_pass "$T_NAME: no false 'kept in'"; fi
	}

	cp "$T_DIR/one" "$T_DIR/one.expect"
	pipe "gen | head -1" tide-gen --count 50000 --seed 2 transactions
	full "gen >/dev/full" /dev/null tide-gen --count 1 transactions
	full "gen >/dev/full, long" /dev/null tide-gen --count 50000 transactions
	if have tide-sink; then
		pipe "sink -o - | head -1" tide-sink -o -
		full "sink >/dev/full" "$T_DIR/one" tide-sink -o -
		full "sink >/dev/full, long" "$T_DIR/big" tide-sink -o -
		T_NAME="sink -o /dev/full"
		tide-sink -o /dev/full <"$T_DIR/one" 2>"$T_ERR"
		T_RC=$?
		t_status 74
		t_stderr_has "tide-sink: write '/dev/full': No space left on device"
		deadfull tide-sink tide-sink -o -
	fi
	if have tide-source; then
		pipe "source file | head -1" tide-source --format ndjson /dev/stdin
		full "source >/dev/full" "$T_DIR/one" tide-source --format ndjson /dev/stdin
		full "source >/dev/full, long" "$T_DIR/big" tide-source --format ndjson /dev/stdin
		deadfull tide-source tide-source --format ndjson "$T_DIR/onebad"
	fi
	if have tide-join; then
		jq -c --slurpfile c "$T_DIR/customers.ndjson" \
		    '. as $r | ($c | map(select(.account == $r.account))[0]) as $t | $r + ($t | del(.account))' \
		    "$T_DIR/one" >"$T_DIR/one.expect"
		pipe "join | head -1" tide-join -T "$T_DIR/customers.ndjson" --on account
		full "join >/dev/full" "$T_DIR/one" tide-join -T "$T_DIR/customers.ndjson" --on account
		full "join >/dev/full, long" "$T_DIR/big" tide-join -T "$T_DIR/customers.ndjson" --on account
		deadfull tide-join tide-join -T "$T_DIR/customers.ndjson" --on account
	fi
	if have tide-window; then
		jq -c '. + {count: 1}' "$T_DIR/one" >"$T_DIR/one.expect"
		pipe "window --over | head -1" tide-window -k account -a count --over 10s
		full "window >/dev/full" "$T_DIR/one" tide-window -k account -a count --tumble 10s
		full "window >/dev/full, long" "$T_DIR/big" tide-window -k account -a count --over 10s
		deadfull tide-window tide-window -k account -a count --tumble 10s
	fi
	if have tide-replay; then
		cp "$T_DIR/one" "$T_DIR/one.expect"
		pipe "replay archive | head -1" tide-replay --speed max --time ts "$T_DIR/big"
		full "replay >/dev/full" /dev/null tide-replay --speed max --time ts "$T_DIR/one"
		full "replay >/dev/full, long" /dev/null tide-replay --speed max --time ts "$T_DIR/big"
		deadfull tide-replay tide-replay --speed max --time ts "$T_DIR/onebad"
	fi
fi
if have tide-mock; then
	T_NAME="mock >/dev/full"
	timeout 10 tide-mock --no-stdin >/dev/full 2>"$T_ERR"
	T_RC=$?
	t_status 74
	t_stderr_has "tide-mock: "
fi

# --- kill -9 of tide-window --state --checkpoint, then the same command ------
# (crash recovery, issue 8): the restart reads the file on from the last
# checkpoint; the two outputs together hold every window of an
# uninterrupted run, and a window that comes out twice is the same both
# times (at-least-once, deduplicated by key and window_start).  The
# windows are checked against awk over the same records, not against
# tide-window.
if have tide-window && have tide-gen; then
	tide-gen transactions --count 600000 --accounts 100 >"$T_DIR/k.nd"
	awk -F'"' '{ ts = $3; gsub(/[^0-9]/, "", ts); a = $13; gsub(/[:,]/, "", a)
		w = int(ts / 10000) * 10000; k = w " " $6; n[k]++; s[k] += a }
		END { for (k in n) printf "%s %d %.2f\n", k, n[k], s[k] }' "$T_DIR/k.nd" |
	    sort >"$T_DIR/k.oracle"
	# window_start account count sum, from tide-window's lines.
	wins() {
		sed 's/^{"window_start":\([0-9]*\),"window_end":[0-9]*,"account":"\([^"]*\)","count":\([0-9]*\),"sum_amount":\([^}]*\)}$/\1 \2 \3 \4/' "$@" |
		    awk '{ printf "%s %s %d %.2f\n", $1, $2, $3, $4 }'
	}
	W="tide-window --tumble 10s -k account -a count,sum(amount)"
	rm -f "$T_DIR/k.state" "$T_DIR/k.in"
	# Mid-stream by construction, not by timing: the first run reads the
	# file's path as a fifo fed half the records, then a sixth more while
	# it is killed; the last third is never sent.  The restart, the same
	# command line, finds the file itself at that path.
	mkfifo "$T_DIR/k.in"
	$W --state "$T_DIR/k.state" --checkpoint 5ms "$T_DIR/k.in" >"$T_DIR/k1" 2>/dev/null &
	pid=$!
	exec 7>"$T_DIR/k.in"
	head -n 300000 "$T_DIR/k.nd" >&7
	# Once windows are out, wait for a checkpoint after them (a new file
	# renamed into place), so the restart has something to skip.
	T_NAME="window kill -9"
	wait_lines "$T_DIR/k1" 1 $pid
	ino=$(stat -c %i "$T_DIR/k.state" 2>/dev/null)
	i=0
	while [ "$(stat -c %i "$T_DIR/k.state" 2>/dev/null)" = "$ino" ] && [ $i -lt 1200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ $i -lt 1200 ] || t_fail "window kill -9: no checkpoint after the first windows in 60 s"
	sed -n '300001,400000p' "$T_DIR/k.nd" >&7 &
	wpid=$!
	kill -9 $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null
	T_NAME="window kill -9" T_RC=$?
	t_status 137
	exec 7>&-
	wait $wpid 2>/dev/null
	rm "$T_DIR/k.in"
	ln -s k.nd "$T_DIR/k.in"
	n1=$(wc -l <"$T_DIR/k1")
	t_run "window kill -9: the same command again" $W --state "$T_DIR/k.state" --checkpoint 5ms --flush "$T_DIR/k.in"
	t_status 0
	cp "$T_OUT" "$T_DIR/k2"
	n2=$(wc -l <"$T_DIR/k2")
	nall=$(wc -l <"$T_DIR/k.oracle")
	t_ok "window kill -9: killed mid-stream ($n1 of $nall windows out)" test "$n1" -gt 0 -a "$n1" -lt "$nall"
	t_ok "window kill -9: the restart resumed, not started over ($n2 windows)" test "$n2" -lt "$nall"
	wins "$T_DIR/k1" "$T_DIR/k2" | sort >"$T_DIR/k.all"
	sort -u "$T_DIR/k.all" >"$T_DIR/k.uniq"
	t_ok "window kill -9: a window out twice is the same both times" \
	    sh -c "test \"\$(cut -d' ' -f1,2 '$T_DIR/k.uniq' | uniq -d | wc -l)\" = 0"
	t_ok "window kill -9: together, exactly the windows of the input (awk)" \
	    cmp "$T_DIR/k.oracle" "$T_DIR/k.uniq"
	t_ok "window kill -9: duplicates only from after the checkpoint (fewer than the restart wrote)" \
	    test "$(($(wc -l <"$T_DIR/k.all") - nall))" -le "$n2"
fi

t_done
