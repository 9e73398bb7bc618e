#!/bin/sh
# Runs every test: the Check unit suites, then each shell test (tests/cli,
# tests/kafka, tests/doc).  `make test TESTS=tests/cli/tide-gen.sh` runs some.
#
# A shell test exits 0 (passed), 77 (skipped: something it needs is
# missing; tests/lib.sh, t_skip) or anything else (failed).  The last line
# is "N passed, N failed, N skipped"; the run fails if any failed.  Under CI
# (CI set, and not "false" or "0") a skip is a failure: no test passes by
# skipping there.
set -u
cd "$(dirname "$0")/.."
pass=0
fail=0
skip=0
failed=""
skipped=""
case "${CI:-}" in
"" | 0 | false | no) ci= ;;
*) ci=1 ;;
esac

# skipped NAME: a skip, or under CI a failure.
skipped() {
	if [ -n "$ci" ]; then
		echo "$1: skipped, which under CI (CI=${CI}) is a failure"
		fail=$((fail + 1))
		failed="$failed $1(skipped)"
	else
		skip=$((skip + 1))
		skipped="$skipped $1"
	fi
}

if [ $# -eq 0 ]; then
	if [ -n "${TIDE_UNIT:-}" ]; then
		echo "== unit"
		log=${TMPDIR:-/tmp}/tide-unit.$$
		if (cd tests/unit && CK_FORK=yes "$TIDE_UNIT" >"$log" 2>&1); then
			grep '^[0-9]*%' "$log" || true
			# A suite that leaves out cases says "skipping" (redisview
			# without redis-server): that is a skip, not a pass.
			if grep -q 'skipping' "$log"; then
				grep 'skipping' "$log"
				skipped unit
			else
				pass=$((pass + 1))
			fi
		else
			cat "$log"
			fail=$((fail + 1))
			failed="$failed unit"
		fi
		rm -f "$log"
	fi
	set -- tests/cli/*.sh tests/kafka/*.sh tests/doc/*.sh
fi

for t in "$@"; do
	[ -f "$t" ] || continue
	echo "== $t"
	sh "$t"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skipped "$t" ;;
	*)
		fail=$((fail + 1))
		failed="$failed $t"
		;;
	esac
done
[ -n "$skipped" ] && echo "skipped:$skipped"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
