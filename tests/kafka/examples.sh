#!/bin/sh
# The README's first pipeline, as written, against tide-mock, and what
# comes out of it read by the next stages: a SQLite view upserted by the
# key tide-window wrote (tide-sink --sqlite --upsert) and a table join on
# it (tide-join --on); checked against jq over the topic (issue 19 item 1).
. "$(dirname "$0")/../lib.sh"
t_skip_unless jq
t_skip_unless sqlite3

cd "$T_DIR" || exit 1

# --- README: "Quick start" ------------------------------------------------

# The commands after tide-mock, up to the blank line.
awk '/^    tide-gen transactions --count 6000/ { f = 1 } f && /^$/ { exit } f' \
	"$T_ROOT/README.md" | sed 's/^    //' >readme.sh
t_ok "README: the first pipeline is there" grep -q 'tide-window .*-k value.account' readme.sh
mock_start -t transactions:3
TIDE_BROKERS=$BROKERS
export TIDE_BROKERS
t_run "README: the first pipeline runs as written" sh readme.sh
t_status 0
cp "$T_OUT" windows.ndjson
t_ok "README: a window per account and 10 s" test "$(wc -l <windows.ndjson)" -gt 50
# The oracle: the same counts and sums by jq from the topic's records.
timeout 20 tide-source -t transactions -e >tx.ndjson
jq -sc 'group_by([(.ts / 10000 | floor), .account])[] |
	[(.[0].ts / 10000 | floor) * 10000, .[0].account, length,
	 (map(.amount) | add * 100 | round)]' tx.ndjson | sort >want
jq -c '[.window_start, .account, .count, (.amount * 100 | round)]' \
	windows.ndjson | sort >got
t_ok "README: windows as jq counts them" cmp want got

# The key field is "account", which the next stages read by that name.
T_IN=windows.ndjson
t_run "README -> tide-sink --sqlite --upsert account" tide-sink --sqlite v.db \
	--table acct --upsert account --stats
t_status 0
t_stderr_has "bad 0"
t_ok "README -> sqlite: one row per account, its last window" sh -c \
	"jq -sc 'group_by(.account)[] | max_by(.window_start) | [.account, .window_start, .count]' windows.ndjson | sort >want.v &&
	 sqlite3 -json v.db 'SELECT account, window_start, count FROM acct' | jq -c '.[] | [.account, .window_start, .count]' | sort >got.v &&
	 test \$(wc -l <got.v) -eq 50 && cmp want.v got.v"
tide-gen customers --accounts 50 --format csv >customers.csv
t_run "README -> tide-join --on account" tide-join -T customers.csv \
	--on account --select segment windows.ndjson
t_status 0
t_stderr_empty
t_ok "README -> tide-join: every window has its account's segment" sh -c \
	"test \$(jq -r 'select(.segment != null) | .account' '$T_OUT' | wc -l) -eq \$(wc -l <windows.ndjson)"

t_done
