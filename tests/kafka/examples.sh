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

# The commands after tide-mock, up to the blank line, on a topic of their
# own.
awk '/^    tide-gen transactions --count 6000/ { f = 1 } f && /^$/ { exit } f' \
	"$T_ROOT/README.md" | sed 's/^    //; s/-t transactions/-t readme.tx/' >readme.sh
t_ok "README: the first pipeline is there" grep -q 'tide-window .*-k value.account' readme.sh
mock_start -t readme.tx:3 -t transactions:3 -t customers:1 -t tx:6 -t tx-copy:6 \
	-t fraud-features:3 -t tx-copy2:2 -t tx-exact:6
TIDE_BROKERS=$BROKERS
export TIDE_BROKERS
t_run "README: the first pipeline runs as written" sh readme.sh
t_status 0
cp "$T_OUT" windows.ndjson
t_ok "README: a window per account and 10 s" test "$(wc -l <windows.ndjson)" -gt 50
# The oracle: the same counts and sums by jq from the topic's records.
timeout 20 tide-source -t readme.tx -e >tx.ndjson
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

# --- every man page's EXAMPLES, as written -----------------------------
#
# Each .Bd -literal block and .Dl line of a page's EXAMPLES becomes a
# script: "$ " prompts dropped, a block's output lines (after a prompt,
# lines that continue no command) dropped, the brokers and Redis of the
# examples pointed at this test's.  They run in one directory, pages in
# an order where one page's files feed the next (tide-sink's archive,
# then tide-replay's).  A finite example must exit 0 with nothing bad on
# stderr; a live one (it follows a topic, or paces a stream) must still
# be running, with nothing bad said, when it is stopped.  (tide(7)'s
# examples: tests/kafka/tide7.sh.)

# PAGE N: the Nth example of man/PAGE as a script, to stdout.
example() {
	awk -v want="$2" '
	/^\.Sh EXAMPLES/ { ex = 1; next }
	/^\.Sh / { ex = 0 }
	!ex { next }
	/^\.Dl / { n++; if (n == want) { sub(/^\.Dl (\$ )?/, ""); print } next }
	/^\.Bd -literal/ { n++; bd = 1; prompt = 0; cont = 0; next }
	/^\.Ed/ { bd = 0; next }
	bd && n == want {
		line = $0
		gsub(/\\e/, "\\", line)
		if (line ~ /^\$ /) { prompt = 1; sub(/^\$ /, "", line) }
		else if (prompt && !cont) next
		cont = line ~ /[\\|]$/
		print line
	}' "$T_ROOT/man/$1"
}
# PAGE: how many examples it has.
examples() {
	awk '/^\.Sh EXAMPLES/ { ex = 1; next } /^\.Sh / { ex = 0 }
	    ex && (/^\.Dl / || /^\.Bd -literal/) { n++ } END { print n + 0 }' \
	    "$T_ROOT/man/$1"
}

t_have redis-server && redis_start
# tide-sink(1)'s Avro and Protobuf examples register their schemas in the
# test registry.
reg_start examples
# The data the examples name.
mkdir -p man && cd man || exit 1
tide-gen transactions --accounts 100 --count 2016 --step 5m --start 2026-11-01 >tx.ndjson
tide-gen customers --accounts 100 --format csv >customers.csv
tide-gen telemetry --machines 3 --count 300 >telemetry.ndjson
mkdir archive
tide-sink -o archive/2026-11-01.ndjson.zst <tx.ndjson
tide-sink -t transactions --key account --timestamp ts <tx.ndjson
tide-sink -t tx --key account --timestamp ts <tx.ndjson
tide-gen customers --accounts 100 | tide-sink -t customers --key account
cat >tx.avsc <<'EOF'
{"type": "record", "name": "Transaction", "fields": [
  {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "account", "type": "string"},
  {"name": "merchant", "type": "string"},
  {"name": "amount", "type": "double"},
  {"name": "country", "type": "string"},
  {"name": "card_present", "type": "boolean"}]}
EOF
# and its Protobuf example, the same records' .proto.
cat >tx.proto <<'EOF'
syntax = "proto3";
message Transaction {
  int64 ts = 1;
  string account = 2;
  string merchant = 3;
  double amount = 4;
  string country = 5;
  bool card_present = 6;
}
EOF

# The examples that run until stopped: PAGE:N.
LIVE=" tide-gen.1:3 tide-sink.1:4 tide-source.1:4 tide-source.1:5 tide-replay.1:3 "
# Not run: tide-mock(1)'s first shows an interactive session; tide-source(1)'s
# eleventh (Protobuf: a .proto, protoc, a topic of its messages) is run by
# tests/kafka/protobuf.sh, which makes what it needs.
SKIP=" tide-mock.1:1 tide-source.1:11 "
nex=0
for page in tide-gen.1 tide-sink.1 tide-source.1 tide-replay.1 tide-window.1 tide-join.1 tide-mock.1 tide-diff.1; do
	n=$(examples $page)
	# tide-source(1) and tide-window(1) both name acct.state.
	rm -f acct.state
	i=1
	while [ $i -le "$n" ]; do
		id=$page:$i
		i=$((i + 1))
		nex=$((nex + 1))
		case $SKIP in *" $id "*) continue ;; esac
		example $page $((i - 1)) | sed \
		    -e "s/localhost:9092/$BROKERS/g" \
		    -e "s|http://localhost:8081|$REG_URL|g" \
		    -e "s/127\.0\.0\.1:6379/127.0.0.1:${RPORT:-6379}/g" \
		    -e "s/^redis-cli /redis-cli -p ${RPORT:-6379} /" >ex.sh
		case $id in tide-join.1:9|tide-sink.1:2|tide-sink.1:3)
			[ -n "${RPORT:-}" ] || { t_skip "$id: no redis-server"; continue; } ;;
		esac
		# tide-mock(1)'s last runs until killed: kill it once it is up.
		if [ $id = tide-mock.1:3 ]; then
			rm -f mock.addr
			printf '%s\n' 'pid=$!' \
			    'until [ -s mock.addr ]; do sleep 0.1; done' \
			    'kill -TERM $pid && wait $pid' >>ex.sh
		fi
		case $LIVE in
		*" $id "*)
			# -k: a run the INT does not end is killed (137, a
			# failure), never a hung suite.  Leak checking is off
			# here: once, an ASan tide-replay stopped this way spun
			# for 18 minutes in LeakSanitizer's exit-time
			# StopTheWorld (one thread in sched_yield, fd 3 open on
			# /proc/self/task, its tracer gone); the leak check of
			# a stop by signal is signals.sh's.
			ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			    timeout -k 20 -s INT 6 sh ex.sh >ex.out 2>ex.err
			rc=$?
			want=124 ;;
		*)
			timeout 60 sh ex.sh >ex.out 2>ex.err
			rc=$?
			want=0 ;;
		esac
		if [ $rc -ne $want ] || grep -Eiq 'bad|error|skipped|not ' ex.err; then
			t_fail "$id runs as written: status $rc, expected $want" \
			    "$(cat ex.sh; head -5 ex.err)"
		else
			t_pass "$id runs as written"
		fi
	done
done
t_ok "every page's examples counted" test $nex -eq 57
t_ok "tide-sink(1)'s archive: a file a day" test "$(ls archive/tx-202611* | tr '\n' ' ')" = \
    "archive/tx-20261101.ndjson.zst archive/tx-20261102.ndjson.zst archive/tx-20261103.ndjson.zst archive/tx-20261104.ndjson.zst archive/tx-20261105.ndjson.zst archive/tx-20261106.ndjson.zst archive/tx-20261107.ndjson.zst "
t_ok "tide-replay(1)'s archive: every envelope of the day replayed" sh -c \
    "tide-replay --speed max archive/tx-20261103.ndjson.zst | jq -c . | sort >got.3 &&
     jq -c 'select(.ts >= 1793664000000 and .ts < 1793750400000)' tx.ndjson | sort >want.3 &&
     test -s want.3 && cmp want.3 got.3"

# tide-sink(1)'s "Copy a topic exactly" into a topic with fewer
# partitions: it stops before the first record the target cannot hold,
# and says why, instead of dead-lettering the rest one by one.
t_ok "copy: the archive of tx holds its six partitions" test \
    "$(zstdcat tx.ndjson.zst | jq -r .partition | sort -u | tr '\n' ' ')" = "0 1 2 3 4 5 "
T_IN=/dev/null
t_run "copy: into a topic with fewer partitions" sh -c \
    "zstdcat tx.ndjson.zst | tide-sink -t tx-copy2 -J --keep-partition"
t_status 65
t_stderr_has "tide-sink: --keep-partition: topic 'tx-copy2' has 2 partitions, no partition"
t_ok "copy: nothing dead-lettered" sh -c "! grep -q '\"error\"' '$T_ERR'"

t_done
