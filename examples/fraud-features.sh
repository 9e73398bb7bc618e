#!/bin/sh
# The fraud-feature pipeline: for every card transaction, the account's
# activity over the trailing 60 seconds, joined with what the bank knew of
# the customer at that moment, and scored by a fraud model (fraud.json
# beside this script, made by train-fraud.py).  Read it, copy it, adapt it.
#
#   fraud-features.sh live   BROKERS IN_TOPIC OUT_TOPIC CUSTOMERS GROUP
#       consume IN_TOPIC as member of GROUP, produce features to OUT_TOPIC
#       (run several copies with the same GROUP to scale out)
#   fraud-features.sh replay BROKERS IN_TOPIC FROM TO CUSTOMERS OUTFILE
#       the same features, rebuilt from the log's FROM..TO range into a file
#
# CUSTOMERS is a versioned table (account, risk_score, segment, valid_from):
# the as-of join picks, for each transaction, the version in force at its
# event time, so live and replayed features agree record for record.
# $TIDE_SOURCE_FLAGS adds flags to the live tide-source (make demo uses -v to
# see when the group has assigned it partitions), $TIDE_SINK_FLAGS to the
# live tide-sink (make demo stamps the features with the time they were
# produced, --timestamp now, to measure the latency; by default they carry
# their event time, ts).
set -eu
model=$(dirname "$0")/fraud.json

# --over emits each transaction at once with its account's trailing 60 s;
# --delay only says how far behind the newest event time a record may
# arrive and still count (partitions are read at slightly different
# positions), and how long a key's history is kept.
features() {
	tide-window --over 60s --delay 60s -k account \
		-a 'count as tx_60s,sum(amount) as amount_60s,max(amount) as max_amount_60s' \
	| tide-join -T "$1" --on account --select risk_score,segment \
		--as-of ts --table-time valid_from \
	| tide-score -m "$model"
}

case "${1:-}" in
live)
	[ $# -eq 6 ] || { echo "usage: $0 live BROKERS IN_TOPIC OUT_TOPIC CUSTOMERS GROUP" >&2; exit 64; }
	# shellcheck disable=SC2086 # $TIDE_*_FLAGS are lists of flags
	tide-source ${TIDE_SOURCE_FLAGS:-} -b "$2" -t "$3" -G "$6" \
	| features "$5" \
	| tide-sink ${TIDE_SINK_FLAGS:-} -b "$2" -t "$4" --key account
	;;
replay)
	[ $# -eq 7 ] || { echo "usage: $0 replay BROKERS IN_TOPIC FROM TO CUSTOMERS OUTFILE" >&2; exit 64; }
	tide-replay -b "$2" -t "$3" --from "$4" --to "$5" --speed max \
	| features "$6" \
	| tide-sink -o "$7"
	;;
*)
	echo "usage: $0 live|replay ..." >&2
	exit 64
	;;
esac
