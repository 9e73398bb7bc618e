#!/bin/sh
# Runs every test: the Check unit suites, then each shell test (tests/cli,
# tests/kafka, tests/doc).  `make test TESTS=tests/cli/tide-gen.sh` runs some.
# Prints one "N passed, N failed" line at the end; fails if any failed.
set -u
cd "$(dirname "$0")/.."
pass=0
fail=0
failed=""

if [ $# -eq 0 ]; then
	if [ -n "${TIDE_UNIT:-}" ]; then
		echo "== unit"
		if (cd tests/unit && CK_FORK=yes "$TIDE_UNIT" >"${TMPDIR:-/tmp}/tide-unit.$$" 2>&1); then
			grep '^[0-9]*%' "${TMPDIR:-/tmp}/tide-unit.$$" || true
			pass=$((pass + 1))
		else
			cat "${TMPDIR:-/tmp}/tide-unit.$$"
			fail=$((fail + 1))
			failed="$failed unit"
		fi
		rm -f "${TMPDIR:-/tmp}/tide-unit.$$"
	fi
	set -- tests/cli/*.sh tests/kafka/*.sh tests/doc/*.sh
fi

for t in "$@"; do
	[ -f "$t" ] || continue
	echo "== $t"
	if sh "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
