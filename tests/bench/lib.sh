# Shared by the benchmarks: timing with peak RSS, and a table of results.
#   bench_run NAME RECORDS CMD...   run CMD (stdin $B_IN), print
#                                   NAME seconds records/s peakRSS(MiB)
#   bench_cpu NAME RECORDS CMD...   the same, timed in CPU seconds
#   bench_self NAME RECORDS CMD...  the same, in the CPU seconds CMD
#                                   times itself ("cpu S" on stderr)
#   bench_ratio A B                 rate of A over rate of B
set -u
B_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${TIDE_BIN:=$B_ROOT/build/bin}"
PATH="$TIDE_BIN:$PATH"
B_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tide-bench.XXXXXX")
B_IN=/dev/null
B_OUT=/dev/null
B_CLEANUP=
trap 'eval "$B_CLEANUP"; rm -rf "$B_DIR"' EXIT
trap 'exit 130' INT TERM

# Best of $B_REPEAT runs (default 3): the least disturbed by the rest of
# the machine.
bench_run() {
	_name=$1 _n=$2
	shift 2
	_best=
	for _i in $(seq "${B_REPEAT:-3}"); do
		/usr/bin/time -f '%e %M' -o "$B_DIR/.time" "$@" <"$B_IN" >"$B_OUT" 2>"$B_DIR/.err" ||
			{ echo "$_name: failed: $(tail -3 "$B_DIR/.err")"; return 1; }
		read -r _s _kb <"$B_DIR/.time"
		if [ -z "$_best" ] || awk "BEGIN{exit !($_s < $_best)}"; then
			_best=$_s _rss=$_kb
		fi
	done
	_rate=$(awk "BEGIN{s=$_best; if (s < 0.001) s = 0.001; printf \"%.0f\", $_n / s}")
	eval "B_RATE_$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')=$_rate"
	printf '%-28s %8.3f s %12s rec/s %8.1f MiB\n' "$_name" "$_best" "$_rate" \
		"$(awk "BEGIN{print $_rss/1024}")"
}

# The same in CPU seconds (user + sys), best of $B_REPEAT: what the rest
# of a shared machine changes least.
bench_cpu() {
	_name=$1 _n=$2
	shift 2
	_best=
	for _i in $(seq "${B_REPEAT:-3}"); do
		/usr/bin/time -f '%U %S %M' -o "$B_DIR/.time" "$@" <"$B_IN" >"$B_OUT" 2>"$B_DIR/.err" ||
			{ echo "$_name: failed: $(tail -3 "$B_DIR/.err")"; return 1; }
		read -r _u _sy _kb <"$B_DIR/.time"
		_s=$(awk "BEGIN{print $_u + $_sy}")
		if [ -z "$_best" ] || awk "BEGIN{exit !($_s < $_best)}"; then
			_best=$_s _rss=$_kb
		fi
	done
	_rate=$(awk "BEGIN{s=$_best; if (s < 0.001) s = 0.001; printf \"%.0f\", $_n / s}")
	eval "B_RATE_$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')=$_rate"
	printf '%-28s %8.3f s cpu %12s rec/s %8.1f MiB\n' "$_name" "$_best" "$_rate" \
		"$(awk "BEGIN{print $_rss/1024}")"
}

# The same in the CPU seconds CMD reports itself, as a line "cpu S" on
# its standard error: a loop timed inside the process, without its
# start-up (an interpreter's, its imports).  The best run's standard
# error is left in $B_DIR/.best for its other lines.
bench_self() {
	_name=$1 _n=$2
	shift 2
	_best=
	for _i in $(seq "${B_REPEAT:-3}"); do
		"$@" <"$B_IN" >"$B_OUT" 2>"$B_DIR/.err" ||
			{ echo "$_name: failed: $(tail -3 "$B_DIR/.err")"; return 1; }
		_s=$(sed -n 's/^cpu //p' "$B_DIR/.err" | tail -n 1)
		[ -n "$_s" ] || { echo "$_name: no \"cpu S\" line on its standard error"; return 1; }
		if [ -z "$_best" ] || awk "BEGIN{exit !($_s < $_best)}"; then
			_best=$_s
			cp "$B_DIR/.err" "$B_DIR/.best"
		fi
	done
	_rate=$(awk "BEGIN{s=$_best; if (s < 0.001) s = 0.001; printf \"%.0f\", $_n / s}")
	eval "B_RATE_$(echo "$_name" | tr -c 'A-Za-z0-9\n' '_')=$_rate"
	printf '%-28s %8.3f s cpu %12s rec/s  (timed inside)\n' "$_name" "$_best" "$_rate"
}

bench_rate() {
	eval "echo \${B_RATE_$(echo "$1" | tr -c 'A-Za-z0-9\n' '_')}"
}

bench_ratio() {
	_a=$(bench_rate "$1") _b=$(bench_rate "$2")
	awk "BEGIN{printf \"%-40s %.2fx\n\", \"$1 / $2\", $_a / $_b}"
}
