#!/bin/sh
# make bench: each tests/bench/*.sh (or those named in $BENCH; not
# compare.sh, which is make bench-compare), every one
# timing tide beside its peers in the same run and printing ratios.
# Benchmarks never gate CI; absolute times on a shared machine are noise.
set -u
cd "$(dirname "$0")/../.."
: "${TIDE_BIN:=$PWD/build/bin}"
export TIDE_BIN
PATH="$TIDE_BIN:$PATH"
export PATH
if [ $# -eq 0 ]; then
	set -- $(ls tests/bench/*.sh | grep -v '/run\.sh$' | grep -v '/lib\.sh$' | grep -v '/compare\.sh$')
fi
for b in "$@"; do
	echo "== $b"
	sh "$b" || echo "bench $b failed (status $?)"
done
