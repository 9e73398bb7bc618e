#!/bin/sh
# make bench-compare [BASE=commit] [RUNS=5] [N=records]: the CPU time of
# this build's programs against another commit's, in the same run (issue
# 17: "make bench figures stay within 5% of today's: the CPU-time median
# of 5 runs, interleaved with a build of today's main in the same run").
#
# BASE (default bd514e1) is built from `git archive` into a temporary
# directory, removed at exit; the caller's tree and build/ are not
# touched.  The inputs are made once, by this build's tide-gen, so both
# builds read the same bytes: N transactions over ACCOUNTS accounts (as
# window.sh makes them), and for the join N transactions over 1.1 x
# ACCOUNTS against a customers.csv of ACCOUNTS rows (as join.sh does).
#
# Each workload runs once per build untimed, and the two outputs are
# compared with cmp (a refactor must not change output); then RUNS rounds
# of base, new, each timed by /usr/bin/time (user + sys, stdout to
# /dev/null).  Per workload: the two medians, new/base, "ok" if that is at
# most 1.05, else "SLOWER", and whether the outputs were identical.  A
# benchmark never gates: once the table is printed it exits 0, whatever
# it says; it exits 1 only when it cannot measure at all (BASE does not
# build, a program is missing).
#
# A Kafka workload too (issue 16 item 6: "with barriers at the default
# interval, the CPU-time median of 5 interleaved runs is within 3% of
# today's build"): KN records (default 800000; 0 leaves it out) are
# produced once into a 4-partition topic on tide-mock (zstd: the mock
# keeps about 5 MiB per partition, some 220000 such records), then each
# build runs
#     tide-source -G -J -c KN | tide-window --tumble 1m | tide-sink -o
# under a group of its own, timed as one command: user + sys of every
# stage.  The new build's stages pass barriers at the default interval
# (the sink fsyncs and acknowledges each, the source commits); a build
# from before barriers commits as it writes.  Its limit is 3%.  Compare
# it with today's, the build before barriers: BASE=ae67aec.
#
# /usr/bin/time prints 10 ms steps: N is sized so that the shortest
# workload takes about a second of CPU.  The machine is shared, hence CPU
# time, not wall time, and medians.  TIDE_BIN is the new build (default
# build/bin); the Makefile's target builds it first.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${TIDE_BIN:=$ROOT/build/bin}"
BASE=${BASE:-bd514e1}
RUNS=${RUNS:-5}
N=${N:-5000000}
KN=${KN:-800000}
ACCOUNTS=${ACCOUNTS:-100000}
LIMIT=105	# percent: new/base above this is SLOWER (KLIMIT: Kafka)
KLIMIT=103

die() {
	echo "compare: $*" >&2
	exit 1
}
posint() {
	case $2 in
	'' | *[!0-9]* | 0*) die "$1 must be a positive integer, not '$2'" ;;
	esac
}
posint RUNS "$RUNS"
posint N "$N"
posint ACCOUNTS "$ACCOUNTS"
[ "$KN" = 0 ] || posint KN "$KN"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (Debian: apt-get install time)"

W=$(mktemp -d "${TMPDIR:-/tmp}/tide-bench-compare.XXXXXX") || die "no temporary directory"
MOCK=
trap '[ -z "$MOCK" ] || kill "$MOCK" 2>/dev/null; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM

# --- the two builds ---------------------------------------------------------
sha=$(git -C "$ROOT" rev-parse --verify --quiet "$BASE^{commit}") ||
	die "BASE=$BASE is not a commit of $ROOT"
short=$(git -C "$ROOT" rev-parse --short "$sha")
[ "$short" = "$BASE" ] || short="$BASE = $short"
echo "compare: building BASE ($short) in $W/base"
sh "$ROOT/tests/bench/build-base.sh" "$sha" "$W/base" || die "no BASE build"
BIN_base=$W/base/build/bin
BIN_new=$TIDE_BIN
for p in tide-gen tide-window tide-join tide-sink tide-replay tide-source tide-mock; do
	[ -x "$BIN_new/$p" ] || die "$BIN_new/$p is not built (make all)"
	[ -x "$BIN_base/$p" ] || die "$BASE has no $p"
done
head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] &&
	head="$head + uncommitted changes"

# --- the inputs, once, by the new build's tide-gen --------------------------
echo "compare: inputs: $N transactions over $ACCOUNTS accounts (new build's tide-gen)"
TX=$W/tx.ndjson
TXJ=$W/txj.ndjson
CUST=$W/customers.csv
"$BIN_new/tide-gen" --seed 1 --accounts "$ACCOUNTS" --count "$N" transactions >"$TX" ||
	die "tide-gen failed"
"$BIN_new/tide-gen" --seed 1 --accounts $((ACCOUNTS * 11 / 10)) --count "$N" \
    transactions >"$TXJ" || die "tide-gen failed"
"$BIN_new/tide-gen" --seed 2 --accounts "$ACCOUNTS" --format csv customers >"$CUST" ||
	die "tide-gen failed"

# The Kafka workload's topic, on tide-mock (the new build's), and each
# build's pipeline as one command for measure (kpipe.BUILD): a group of
# its own per run (its shell's pid), a hang guard on the source.
if [ "$KN" != 0 ]; then
	echo "compare: Kafka input: $KN transactions in a 4-partition topic on tide-mock"
	"$BIN_new/tide-mock" --no-stdin -t bench:4 --bootstrap-file "$W/bootstrap" \
		>/dev/null 2>"$W/mock.err" &
	MOCK=$!
	i=0
	while [ ! -s "$W/bootstrap" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && die "tide-mock did not start: $(cat "$W/mock.err")"
		sleep 0.05
	done
	KB=$(cat "$W/bootstrap")
	"$BIN_new/tide-gen" --seed 1 --accounts "$ACCOUNTS" --count "$KN" transactions |
		"$BIN_new/tide-sink" -b "$KB" -t bench --key account \
		-X compression.codec=zstd -X linger.ms=100 -X batch.size=4000000 ||
		die "producing the Kafka input failed"
	kept=$("$BIN_new/tide-source" -b "$KB" -t bench -o beginning -e | wc -l)
	[ "$kept" -eq "$KN" ] ||
		die "tide-mock kept $kept of KN=$KN records (it keeps about 800000)"
	for b in base new; do
		eval "bin=\$BIN_$b"
		# The sink records its offsets beside a plain file (exactly
		# once): each run starts afresh, without the last run's record.
		cat >"$W/kpipe.$b" <<EOF
#!/bin/sh
rm -f "$W/.kpipe.out.tide-offsets"
timeout 600 "$bin/tide-source" -b "$KB" -t bench -G "cmp-\$\$" -J -o beginning -c $KN |
	"$bin/tide-window" --tumble 1m --time value.ts -k value.account \\
	--partition-field topic,partition --partitions 4 \\
	-a 'count,sum(value.amount),max(value.amount)' |
	"$bin/tide-sink" -o "$W/kpipe.out"
EOF
		chmod +x "$W/kpipe.$b"
	done
fi

echo "compare: base = $short ($BIN_base)"
echo "compare: new  = $head ($BIN_new)"
echo "compare: CPU seconds (user + sys), median of $RUNS runs each, interleaved base,new,...; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
printf '%-14s %9s %9s %9s  %-7s %s\n' workload base new new/base verdict output
NOK=0 NSLOW=0 NFAIL=0 NSAME=0 NDIFF=0
SLOW='' FAILED='' DIFF='' DETAIL=''

median() {
	sort -n "$1" | awk '{ a[NR] = $1 }
	    END { if (NR % 2) printf "%.2f", a[(NR + 1) / 2]
	          else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# exe BUILD PROG: the build's PROG, or its Kafka pipeline (kpipe).
exe() {
	case $2 in
	kpipe) echo "$W/kpipe.$1" ;;
	*) eval "echo \"\$BIN_$1/$2\"" ;;
	esac
}

# measure NAME STDIN FILE PROG ARG...: PROG of each build with ARGs and
# STDIN; FILE is the file the program writes itself (then its stdout is
# not the output), or - for stdout.  new/base within $LIMIT percent: ok.
measure() {
	name=$1 in=$2 fout=$3 prog=$4
	shift 4
	for b in base new; do
		[ "$fout" = - ] || rm -f "$fout"
		if ! "$(exe $b "$prog")" "$@" <"$in" >"$W/out.$b" 2>"$W/err"; then
			printf '%-14s FAILED (%s): %s\n' "$name" "$b" "$(head -c 300 "$W/err")"
			NFAIL=$((NFAIL + 1)) FAILED="$FAILED $name"
			rm -f "$W/out.base" "$W/out.new"
			return
		fi
		[ "$fout" = - ] || mv "$fout" "$W/out.$b"
	done
	if cmp -s "$W/out.base" "$W/out.new"; then
		same="identical ($(wc -l <"$W/out.new" | tr -d ' ') lines)"
		NSAME=$((NSAME + 1))
	else
		same="DIFFERENT: $(cmp "$W/out.base" "$W/out.new" 2>&1 | head -n 1)"
		NDIFF=$((NDIFF + 1)) DIFF="$DIFF $name"
	fi
	rm -f "$W/out.base" "$W/out.new" "$W/cpu.base" "$W/cpu.new"
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		for b in base new; do
			[ "$fout" = - ] || rm -f "$fout"
			if ! /usr/bin/time -f '%U %S' -o "$W/time" "$(exe $b "$prog")" "$@" <"$in" \
			    >/dev/null 2>"$W/err"; then
				printf '%-14s FAILED (%s, run %d): %s\n' "$name" "$b" "$r" \
				    "$(head -c 300 "$W/err")"
				NFAIL=$((NFAIL + 1)) FAILED="$FAILED $name"
				return
			fi
			tail -n 1 "$W/time" | awk '{ printf "%.2f\n", $1 + $2 }' >>"$W/cpu.$b"
		done
	done
	[ "$fout" = - ] || rm -f "$fout"
	mb=$(median "$W/cpu.base")
	mn=$(median "$W/cpu.new")
	verdict=$(awk -v b="$mb" -v n="$mn" -v l="$LIMIT" \
	    'BEGIN { print (b > 0 && n * 100 <= b * l) ? "ok" : "SLOWER" }')
	if [ "$verdict" = ok ]; then
		NOK=$((NOK + 1))
	else
		NSLOW=$((NSLOW + 1)) SLOW="$SLOW $name"
	fi
	awk -v w="$name" -v b="$mb" -v n="$mn" -v v="$verdict" -v s="$same" \
	    -v l="$LIMIT" 'BEGIN {
		printf "%-14s %9.3f %9.3f %9s  %-7s %s\n", w, b, n,
		    (b > 0 ? sprintf("%.3f", n / b) : "n/a"),
		    v (l != 105 ? sprintf(" (limit %d%%)", l - 100) : ""), s }'
	DETAIL="$DETAIL
  $(printf '%-14s' "$name") base $(tr '\n' ' ' <"$W/cpu.base")| new $(tr '\n' ' ' <"$W/cpu.new")"
}

AGG='count,sum(amount),max(amount)'
measure window-tumble "$TX" - tide-window --tumble 1m -k account -a "$AGG"
measure window-over "$TX" - tide-window --over 60s -k account -a "$AGG"
measure join-left /dev/null - tide-join -T "$CUST" --on account --left "$TXJ"
measure sink-file "$TX" "$W/sink.ndjson" tide-sink -o "$W/sink.ndjson"
measure replay-file /dev/null - tide-replay --time ts --speed max "$TX"
measure source-file /dev/null - tide-source "$TX"
if [ "$KN" != 0 ]; then
	LIMIT=$KLIMIT
	measure kafka-G-pipe /dev/null "$W/kpipe.out" kpipe
fi

echo "each run (CPU s, in order):$DETAIL"
total=$((NOK + NSLOW + NFAIL))
summary="compare: $short -> $head, N=$N, KN=$KN, RUNS=$RUNS: $NOK of $total within their limits (5%; kafka-G-pipe 3%)"
[ $NSLOW -gt 0 ] && summary="$summary; SLOWER:$SLOW"
[ $NFAIL -gt 0 ] && summary="$summary; FAILED:$FAILED"
summary="$summary; outputs of $NSAME identical"
[ $NDIFF -gt 0 ] && summary="$summary, DIFFERENT:$DIFF"
echo "$summary"
exit 0
