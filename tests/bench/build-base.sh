#!/bin/sh
# build-base.sh REV DIR: build commit REV of this repository into DIR (from
# `git archive`: the caller's tree and build/ are not touched), for a
# benchmark that sets a build beside another in the same run
# (compare.sh, latency.sh).  The programs end up in DIR/build/bin.  Exits
# 1, with the end of the build's log, when REV is not a commit or does not
# build.  MAKEFLAGS from `make bench-compare` carries the caller's
# command-line variables (CC, OPT, CFLAGS ...) to this build as to the
# new one; BUILD given here wins over the caller's.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: build-base.sh REV DIR" >&2; exit 64; }
rev=$1 dir=$2
sha=$(git -C "$ROOT" rev-parse --verify --quiet "$rev^{commit}") || {
	echo "build-base: $rev is not a commit of $ROOT" >&2
	exit 1
}
mkdir -p "$dir" || exit 1
git -C "$ROOT" archive --format=tar -o "$dir.tar" "$sha" || {
	echo "build-base: git archive $sha failed" >&2
	exit 1
}
tar -xf "$dir.tar" -C "$dir" || { echo "build-base: unpacking $sha failed" >&2; exit 1; }
rm -f "$dir.tar"
make -C "$dir" BUILD=build all >"$dir/build.log" 2>&1 || {
	tail -n 20 "$dir/build.log" >&2
	echo "build-base: building $rev failed (above: the end of its log)" >&2
	exit 1
}
