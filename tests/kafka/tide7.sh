#!/bin/sh
# tide(7)'s EXAMPLES run: the live pipeline and the replay into training
# files, taken from the man page's COMPOSING PIPELINES section as written,
# against tide-mock with tide-gen data.
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq

awk '/^\.Sh COMPOSING PIPELINES/ { f = 1 } /^\.Sh SCALING/ { f = 0 } f' \
	"$T_ROOT/man/tide.7" |
	awk '/^\.Bd -literal/ { n++; in_bd = 1; next } /^\.Ed/ { in_bd = 0 } in_bd { print > (dir "/ex" n ".sh") }' \
	dir="$T_DIR"
sed -i 's/\\e$/\\/' "$T_DIR/ex1.sh" "$T_DIR/ex2.sh"
t_ok "two pipelines in tide(7)" test -s "$T_DIR/ex1.sh" -a -s "$T_DIR/ex2.sh"

# One partition: the live example reads a week of backlog in seconds, and
# with several partitions read at different positions tide-window's
# watermark (the newest event time seen, less --delay) would run days
# ahead of the slower partitions (see tide-window(1), --partition-field).
mock_start -t transactions:1 -t fraud-features:3
cd "$T_DIR" || exit 1
tide-gen customers --accounts 100 --format csv >customers.csv
tide-gen customers --accounts 100 --versions 3 --version-gap 1d \
	--start 2026-10-31 --format csv >customers-history.csv
# A week of transactions, one every 5 minutes, timestamped by event time.
tide-gen transactions --accounts 100 --count 2016 --step 5m --start 2026-11-01 |
	tide-sink -b "$BROKERS" -t transactions --key account --timestamp ts

# The live pipeline runs until stopped: stop its source once it is done.
sh ex1.sh 2>ex1.err &
live=$!
i=0
until [ "$(timeout 20 tide-source -b "$BROKERS" -t fraud-features -e | wc -l)" -ge 2016 ] ||
    [ $i -ge 160 ]; do
	i=$((i + 1))
	sleep 0.25
done
pkill -TERM -f "tide-source -b $BROKERS -t transactions -G fraud"
wait $live
t_ok "live example: exit 0, nothing on stderr" test ! -s ex1.err
timeout 20 tide-source -b "$BROKERS" -t fraud-features -e >live.ndjson
t_ok "live example: a feature per transaction" test "$(wc -l <live.ndjson)" -eq 2016
t_ok "live example: risk_score joined" test "$(jq -r 'select(.risk_score != null) | 1' live.ndjson | wc -l)" -eq 2016

t_run "replay example" sh ex2.sh
t_status 0
ls training >files
t_stdout_file /dev/null
t_ok "replay example: one file a day" test "$(cat files | tr '\n' ' ')" = \
	"features-20261101.ndjson.zst features-20261102.ndjson.zst features-20261103.ndjson.zst features-20261104.ndjson.zst features-20261105.ndjson.zst features-20261106.ndjson.zst features-20261107.ndjson.zst "
zstdcat training/*.zst >replay.ndjson
# The replay covers [2026-11-01, 2026-11-08): every transaction.
t_ok "replay example: a feature per transaction" test "$(wc -l <replay.ndjson)" -eq 2016
# Same window features live and replayed (the join differs: the replay is
# as-of against the history).
jq -c '[.ts, .account, .count, .sum_amount, .max_amount]' live.ndjson | sort >a
jq -c '[.ts, .account, .count, .sum_amount, .max_amount]' replay.ndjson | sort >b
t_ok "replay example: the window features of the live run" cmp a b
t_done
