# Shared by the shell tests (tests/cli, tests/kafka, tests/doc).  Source it;
# each assertion prints "ok"/"not ok" lines and counts into $T_PASS/$T_FAIL;
# t_done prints "N passed, N failed, N skipped" and exits 1 on a failure,
# else 77 if anything was skipped (as automake's tests do), else 0.
# tests/run.sh counts 77 as skipped, and under CI as failed: no test passes
# by skipping.
#
#   t_run NAME CMD...        run CMD (stdin from $T_IN, default /dev/null);
#                            stdout in $T_OUT, stderr in $T_ERR, status $T_RC
#   t_status N               the status was N
#   t_stdout <<'EOF' ...     stdout was exactly the heredoc
#   t_stdout_file F          stdout was exactly file F
#   t_stderr_has TEXT        stderr contains TEXT
#   t_ok NAME CMD...         CMD succeeded (a check written as a command)
#   t_skip REASON            a part of the script did not run: counted
#   t_have CMD [REASON]      CMD is installed; if not, t_skip and return 1
#                            (`if t_have zstd; then ...; fi`)
#   t_skip_unless CMD        the rest of the script needs CMD: if it is
#                            missing, t_skip and t_done (exit 77)
#   t_wait SECS CMD...       run CMD every 0.1 s until it succeeds, SECS
#                            seconds at most (a hang guard, not a timing
#                            check); status 1 if it never did
#
# Programs come from $TIDE_BIN (make test sets it).  Every test works in its
# own temporary directory $T_DIR, removed at exit even on failure.

set -u
T_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${TIDE_BIN:=$T_ROOT/build/bin}"
PATH="$TIDE_BIN:$PATH"
export PATH TIDE_BIN
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tide-test.XXXXXX")
T_OUT=$T_DIR/.out
T_ERR=$T_DIR/.err
T_IN=/dev/null
T_PASS=0
T_FAIL=0
T_SKIP=0
T_NAME=
T_RC=0
T_CLEANUP=
T_SCRIPT=$(basename "$0")

t_cleanup() {
	eval "$T_CLEANUP"
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# Test data kept in the repository (the JSONTestSuite corpus).
: "${TIDE_TESTDATA:=$T_ROOT/tests/data}"
export TIDE_TESTDATA

t_pass() { T_PASS=$((T_PASS + 1)); [ -n "${T_VERBOSE:-}" ] && echo "ok - $T_SCRIPT: $1"; return 0; }
t_fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $T_SCRIPT: $1"
	shift
	[ $# -gt 0 ] && printf '    %s\n' "$@"
	return 0
}

t_run() {
	T_NAME=$1
	shift
	"$@" <"$T_IN" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
	return 0
}

t_status() {
	if [ "$T_RC" = "$1" ]; then t_pass "$T_NAME: status $1"
	else t_fail "$T_NAME: status $T_RC, expected $1" "stderr: $(head -c 600 "$T_ERR")"; fi
}

t_stdout_file() {
	if cmp -s "$1" "$T_OUT"; then t_pass "$T_NAME: stdout"
	else t_fail "$T_NAME: stdout differs" "$(diff "$1" "$T_OUT" | head -20)" "stderr: $(head -c 400 "$T_ERR")"; fi
}

t_stdout() {
	cat >"$T_DIR/.expect"
	t_stdout_file "$T_DIR/.expect"
}

t_stderr_has() {
	if grep -qF -- "$1" "$T_ERR"; then t_pass "$T_NAME: stderr has '$1'"
	else t_fail "$T_NAME: stderr lacks '$1'" "stderr: $(head -c 600 "$T_ERR")"; fi
}

t_stderr_empty() {
	if [ ! -s "$T_ERR" ]; then t_pass "$T_NAME: stderr empty"
	else t_fail "$T_NAME: stderr not empty" "$(head -c 600 "$T_ERR")"; fi
}

# stderr is exactly these lines (one argument a line).
t_stderr() {
	printf '%s\n' "$@" >"$T_DIR/.experr"
	if cmp -s "$T_DIR/.experr" "$T_ERR"; then t_pass "$T_NAME: stderr"
	else t_fail "$T_NAME: stderr differs" "$(diff "$T_DIR/.experr" "$T_ERR" | head -20)"; fi
}

t_ok() {
	_n=$1
	shift
	if "$@" >"$T_DIR/.okout" 2>&1; then t_pass "$_n"
	else t_fail "$_n" "$(head -c 600 "$T_DIR/.okout")"; fi
}

t_skip() {
	T_SKIP=$((T_SKIP + 1))
	echo "skip - $T_SCRIPT: $1"
	return 0
}

t_have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	t_skip "${2:-$1 not installed}"
	return 1
}

t_skip_unless() {
	t_have "$@" || t_done
}

t_done() {
	echo "$T_SCRIPT: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ] || exit 1
	[ "$T_SKIP" = 0 ] || exit 77
	exit 0
}

# The bound is counted in sleeps, not read from a clock: CMD's own time is
# on top of it.
t_wait() {
	_tw=$(($1 * 10))
	shift
	until "$@"; do
		[ "$_tw" -gt 0 ] || return 1
		_tw=$((_tw - 1))
		sleep 0.1
	done
}

# t_replay_stats NAME SPAN_S: tide-replay's --stats line in $T_ERR (a
# paced run never sends a record early): the --stats line in $T_ERR: its own clock at
# least SPAN_S plus the last record's lag (to the 3 decimals it prints),
# lateness p50 <= p99 <= max, and the wall clock $el (ms) at least its own.
t_replay_stats() {
	_st=$(grep '^tide-replay: stats: ' "$T_ERR" | tail -1)
	if printf '%s\n' "$_st" | awk -v span="$2" -v el="$el" '
	    { if (!match($0, /, bad 0, [0-9.]+s, /)) exit 1
	      own = substr($0, RSTART + 8, RLENGTH - 11) + 0
	      if (!match($0, /lateness p50 [0-9.]+ms p99 [0-9.]+ms max [0-9.]+ms, lag [0-9.]+ms$/)) exit 1
	      split(substr($0, RSTART, RLENGTH), f, / /)
	      p50 = f[3] + 0; p99 = f[5] + 0; max = f[7] + 0; lag = f[9] + 0
	      exit !(own + 0.0005 >= span + lag / 1000 && el + 5 >= own * 1000 &&
	             p50 <= p99 && p99 <= max && lag <= max) }'; then
		t_pass "$1: not early, lateness consistent ($_st; wall ${el}ms)"
	else
		t_fail "$1: --stats says it was early or is inconsistent: span ${2}s, wall ${el}ms" "$_st"
	fi
}

# --- tide-mock, started and stopped by the harness ------------------------
#   mock_start [tide-mock args]   start it; sets BROKERS
#   mock_cmd "broker 1 down"      send a fault-injection command
mock_start() {
	mkfifo "$T_DIR/.mockin"
	tide-mock "$@" --bootstrap-file "$T_DIR/.bootstrap" <"$T_DIR/.mockin" >"$T_DIR/.mockout" 2>"$T_DIR/.mockerr" &
	T_MOCKPID=$!
	exec 9>"$T_DIR/.mockin"
	T_CLEANUP="exec 9>&-; kill $T_MOCKPID 2>/dev/null; wait $T_MOCKPID 2>/dev/null; $T_CLEANUP"
	_i=0
	while [ ! -s "$T_DIR/.bootstrap" ]; do
		_i=$((_i + 1))
		# Up to 30 s: an ASan build on a loaded machine starts slowly.
		if [ $_i -gt 600 ] || ! kill -0 $T_MOCKPID 2>/dev/null; then
			echo "tide-mock did not start: $(cat "$T_DIR/.mockerr")" >&2
			exit 1
		fi
		sleep 0.05
	done
	BROKERS=$(cat "$T_DIR/.bootstrap")
	export BROKERS
}

mock_cmd() {
	printf '%s\n' "$1" >&9
}

# --- the test Schema Registry (tests/kafka/registry.py) ---------------------
#   reg_start NAME [registry.py args]   start one; sets REG_URL and REG_PID
#   (the port it chose is in $T_DIR/.reg.NAME); stopped by the harness, or
#   by `reg_stop $REG_PID` to test an unreachable registry
reg_start() {
	_rn=$1
	shift
	/usr/bin/python3 "$T_ROOT/tests/kafka/registry.py" --port-file "$T_DIR/.reg.$_rn" "$@" \
	    >"$T_DIR/.reg.$_rn.out" 2>&1 &
	REG_PID=$!
	T_CLEANUP="kill $REG_PID 2>/dev/null; wait $REG_PID 2>/dev/null; $T_CLEANUP"
	_i=0
	while [ ! -s "$T_DIR/.reg.$_rn" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 400 ] || ! kill -0 $REG_PID 2>/dev/null; then
			echo "registry.py did not start: $(cat "$T_DIR/.reg.$_rn.out")" >&2
			exit 1
		fi
		sleep 0.05
	done
	REG_URL=http://127.0.0.1:$(cat "$T_DIR/.reg.$_rn")
}

reg_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# --- redis-server on a loopback port, stopped by the harness ---------------
#   redis_start    start it (data in $T_DIR/redis); sets RPORT and RPID
# A random port may be taken: up to five tries, each waiting for PING.
redis_start() {
	mkdir "$T_DIR/redis"
	for try in 1 2 3 4 5; do
		RPORT=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 40000) }')
		redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
		    --dir "$T_DIR/redis" >"$T_DIR/redis/log" 2>&1 &
		RPID=$!
		T_CLEANUP="kill $RPID 2>/dev/null; wait $RPID 2>/dev/null; $T_CLEANUP"
		i=0
		while [ $i -lt 50 ] && ! redis-cli -p "$RPORT" PING >/dev/null 2>&1; do
			kill -0 $RPID 2>/dev/null || break
			sleep 0.05
			i=$((i + 1))
		done
		redis-cli -p "$RPORT" PING >/dev/null 2>&1 && break
	done
}
