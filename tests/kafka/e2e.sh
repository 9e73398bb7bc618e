#!/bin/sh
# End to end: the fraud-feature pipeline of examples/ on tide-mock.
#  1. make demo --check: live features equal the features rebuilt by
#     replaying the same range of the log (as-of join), record for record.
#  2. Scale-out: unkeyed input repartitioned by account through Kafka
#     (tide-sink --key), then three copies of the pipeline in one consumer
#     group over the 6-partition topic give the features of one copy alone.
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq

EX=$T_ROOT/examples
PATH="$EX:$PATH"

t_run "demo --check" timeout 180 sh "$EX/demo.sh" --check --rate 1000 --seconds 3
t_status 0
t_stdout <<'EOF'
live equals replay: 3000 features, record for record
EOF

mock_start -t raw:1 -t tx:6 -t feat3:6 -t feat1:6
C=$T_DIR/customers.csv
tide-gen customers --accounts 200 --versions 3 --version-gap 10s \
	--start 2026-10-31T23:59:55Z --format csv >"$C"

# Three members; start producing only once the group is stable with two
# partitions each, so no partition changes hands mid-stream (a keyed
# stage's state is per process: Kafka Streams moves state stores, tide
# re-reads from committed offsets, and --over state would start empty).
# Members join one after another (each waits for its first assignment):
# tide-mock's group coordinator copes badly with simultaneous joins.
stable() {
	for m in 1 2 3; do
		grep assigned "$T_DIR/m$m.err" | tail -1 | grep -q "assigned 2 partition" || return 1
	done
}
for m in 1 2 3; do
	TIDE_SOURCE_FLAGS="-v -X session.timeout.ms=6000" \
		fraud-features.sh live "$BROKERS" tx feat3 "$C" "e2e-three-$$" 2>"$T_DIR/m$m.err" &
	eval "pid$m=\$!"
	i=0
	until grep -q assigned "$T_DIR/m$m.err" || [ $i -ge 400 ]; do
		i=$((i + 1))
		sleep 0.05
	done
done
T_CLEANUP="pkill -f 'tide-source .*-G e2e-.*-$$' 2>/dev/null; $T_CLEANUP"
i=0
until stable || [ $i -ge 400 ]; do
	i=$((i + 1))
	sleep 0.05
done
t_ok "three members share six partitions" stable
[ -n "${T_VERBOSE:-}" ] && tail -n 3 "$T_DIR"/m?.err

# The input arrives unkeyed (one partition, as from a source that knows
# nothing of accounts); a first stage repartitions it by account through
# Kafka, as Kafka Streams does, so each member sees all of its keys.
tide-gen transactions --accounts 200 --count 3000 --seed 11 |
	tide-sink -b "$BROKERS" -t raw --timestamp ts
tide-source -b "$BROKERS" -t raw -G "e2e-rep-$$" |
	tide-sink -b "$BROKERS" -t tx --key account --timestamp ts &
rep=$!
i=0
until [ "$(timeout 20 tide-source -b "$BROKERS" -t feat3 -e | wc -l)" -ge 3000 ] || [ $i -ge 120 ]; do
	i=$((i + 1))
	sleep 0.25
done
pkill -TERM -f "tide-source .*-G e2e-three-$$"
pkill -TERM -f "tide-source .*-G e2e-rep-$$"
wait $pid1 $pid2 $pid3 $rep
t_ok "repartitioned: every partition of tx holds whole accounts" sh -c \
	"timeout 20 tide-source -b '$BROKERS' -t tx -e -J | jq -r '\"\\(.value.account) \\(.partition)\"' | sort -u | awk '{ n[\$1]++ } END { for (a in n) if (n[a] > 1) exit 1 }'"

# One member alone, another group, from the beginning of the same topic.
fraud-features.sh live "$BROKERS" tx feat1 "$C" "e2e-one-$$" 2>"$T_DIR/one.err" &
one=$!
i=0
until [ "$(timeout 20 tide-source -b "$BROKERS" -t feat1 -e | wc -l)" -ge 3000 ] || [ $i -ge 160 ]; do
	i=$((i + 1))
	sleep 0.25
done
pkill -TERM -f "tide-source .*-G e2e-one-$$"
wait $one

timeout 20 tide-source -b "$BROKERS" -t feat3 -e | sort >"$T_DIR/three"
timeout 20 tide-source -b "$BROKERS" -t feat1 -e | sort >"$T_DIR/one"
t_ok "three members wrote 3000 features" test "$(wc -l <"$T_DIR/three")" -eq 3000
t_ok "no feature twice" test "$(sort -u "$T_DIR/three" | wc -l)" -eq 3000
t_run "three members give the features of one" tide-diff -k account,ts \
	"$T_DIR/three" "$T_DIR/one"
t_status 0
t_stdout <<'EOF'
{"left":3000,"right":3000,"pairs":3000,"matched":3000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
# examples/retrain-check.sh: the live log of feat1 against a replay of tx,
# over the whole range and over ten seconds of it (whose first features
# count transactions from before it: the replay starts a minute early).
t_run "retrain-check: live equals replay" sh "$EX/retrain-check.sh" \
	"$BROKERS" tx feat1 "$C" 2026-11-01T00:00:00Z 2026-11-01T01:00:00Z
t_status 0
t_stdout <<'EOF'
{"left":3000,"right":3000,"pairs":3000,"matched":3000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
t_run "retrain-check: ten seconds, --examples 0" sh "$EX/retrain-check.sh" \
	"$BROKERS" tx feat1 "$C" 2026-11-01T00:00:10Z 2026-11-01T00:00:20Z -- \
	--examples 0
t_status 0
t_stdout <<'EOF'
{"left":1000,"right":1000,"pairs":1000,"matched":1000,"differing":0,"missing_left":0,"missing_right":0,"bad_left":0,"bad_right":0,"fields":{}}
EOF
# Without the minute before, the first features of the range differ.
t_run "retrain-check: no warm-up, the first minute differs" env WARMUP=0 \
	sh "$EX/retrain-check.sh" "$BROKERS" tx feat1 "$C" \
	2026-11-01T00:00:10Z 2026-11-01T00:00:20Z -- --examples 0
t_status 1
t_ok "retrain-check: no warm-up: tx_60s and amount_60s differ" grep -q \
	'"fields":{"amount_60s":[1-9][0-9]*,.*"tx_60s":[1-9]' "$T_OUT"

# The features are right too: the trailing-60 s count of one account, by
# a brute-force count over the input.
timeout 20 tide-source -b "$BROKERS" -t tx -e |
	jq -r 'select(.account == "a000000") | .ts' | sort -n >"$T_DIR/ts0"
awk '{ t[NR] = $1 } END { for (i = 1; i <= NR; i++) { c = 0
	for (j = 1; j <= i; j++) if (t[j] > t[i] - 60000) c++; print t[i], c } }' \
	"$T_DIR/ts0" >"$T_DIR/want0"
jq -r 'select(.account == "a000000") | "\(.ts) \(.tx_60s)"' "$T_DIR/one" | sort -n >"$T_DIR/got0"
t_ok "tx_60s of a000000 matches a brute-force count" cmp "$T_DIR/want0" "$T_DIR/got0"
t_ok "a000000 has records" test -s "$T_DIR/want0"
t_done
