#!/bin/sh
# The retraining check: before a model is retrained on features rebuilt
# from the log, prove that the rebuild gives the features the model saw
# live.  Replay last week's transactions through the same pipeline
# (examples/fraud-features.sh replay) and diff the result against the live
# feature log, record by record, with tide-diff.
#
#   retrain-check.sh BROKERS IN_TOPIC FEATURES_TOPIC CUSTOMERS [FROM [TO]] [-- tide-diff options]
#
# FROM and TO are event times (RFC 3339; default: the last 7 days, to
# now).  Features are keyed by account and event time.  The replay starts
# WARMUP (default 60 s: the pipeline's --over window) before FROM, so that
# the first features of the range see the history the live ones saw; only
# features dated in [FROM, TO) are compared, on both sides.
#
# Prints tide-diff's report (a summary line, then examples) and exits
# with its status: 0 when live equals replay, 1 when they differ.
set -eu

usage() {
	echo "usage: $0 BROKERS IN_TOPIC FEATURES_TOPIC CUSTOMERS [FROM [TO]] [-- tide-diff options]" >&2
	exit 64
}
[ $# -ge 4 ] || usage
brokers=$1 in=$2 feats=$3 customers=$4
shift 4
from='' to=''
if [ $# -gt 0 ] && [ "$1" != -- ]; then from=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != -- ]; then to=$1; shift; fi
if [ $# -gt 0 ]; then [ "$1" = -- ] || usage; shift; fi
: "${from:=$(date -u -d '7 days ago' +%Y-%m-%dT%H:%M:%SZ)}"
: "${to:=$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
from_s=$(date -u -d "$from" +%s) || usage
warm=$(date -u -d "@$((from_s - ${WARMUP:-60}))" +%Y-%m-%dT%H:%M:%SZ)

dir=$(mktemp -d "${TMPDIR:-/tmp}/retrain-check.XXXXXX")
trap 'st=$?; rm -rf "$dir"; exit $st' EXIT
trap 'exit 130' INT TERM
range="ts >= $from and ts < $to"

# The features the model saw: the live log, those dated in the range.
tide-source -b "$brokers" -t "$feats" -e --where "$range" >"$dir/live.ndjson"
# The features a retraining would see: rebuilt from the log.
"$(dirname "$0")"/fraud-features.sh replay "$brokers" "$in" "$warm" "$to" \
	"$customers" "$dir/replay.all"
tide-source --where "$range" "$dir/replay.all" >"$dir/replay.ndjson"

tide-diff -k account,ts "$@" "$dir/live.ndjson" "$dir/replay.ndjson"
