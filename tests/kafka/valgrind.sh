#!/bin/sh
# The long-running programs under valgrind --leak-check=full on small
# inputs: tide-window (tumble, hop, session, over, --state), tide-join (a
# file table and a Kafka table, whose consumer thread is stopped at the end),
# tide-source -e, tide-sink -t and tide-replay --speed max against tide-mock,
# with a bad line each where they take input.  A memory error or a leak
# (definite or possible) is exit 99; and each run's output must be that of
# the same run without valgrind, so an error path cut short does not pass.
. "$(dirname "$0")/../lib.sh"
# make asan runs this suite too: valgrind cannot run AddressSanitizer
# builds, so there the same cases run without it and AddressSanitizer (and
# its leak checker) is the checker: an error or a leak is a non-zero exit.
if ldd "$TIDE_BIN/tide-window" 2>/dev/null | grep -q libasan; then
	echo "# $T_SCRIPT: AddressSanitizer build: the cases run under ASan, not valgrind"
	VG="timeout 60"
else
	t_skip_unless valgrind
	VG="timeout 60 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=99 --log-file=$T_DIR/vg.%p.log"
fi

# vg NAME CMD...: run CMD bare, then under valgrind (same stdin); both
# exit 0 and write the same stdout (compared sorted when SORTED is set: the
# interleaving of partitions is not fixed).
SORTED=
vg() {
	_name=$1
	shift
	"$@" <"$T_IN" >"$T_DIR/bare.out" 2>"$T_DIR/bare.err"
	_rc=$?
	rm -f "$T_DIR"/vg.*.log
	t_run "valgrind: $_name" $VG "$@"
	cat "$T_DIR"/vg.*.log >>"$T_ERR" 2>/dev/null
	t_status 0
	t_ok "valgrind: $_name: bare run status 0" test $_rc = 0
	if [ -n "$SORTED" ]; then
		sort "$T_OUT" >"$T_OUT.s" && mv "$T_OUT.s" "$T_OUT"
		sort "$T_DIR/bare.out" >"$T_DIR/bare.s" && mv "$T_DIR/bare.s" "$T_DIR/bare.out"
	fi
	t_stdout_file "$T_DIR/bare.out"
	SORTED=
}

tide-gen --accounts 20 --count 300 transactions >"$T_DIR/tx"
{ head -n 150 "$T_DIR/tx"; echo '{"ts":"bad'; echo 'not json'; tail -n 150 "$T_DIR/tx"; } >"$T_DIR/tx.bad"
tide-gen --accounts 20 customers --format csv >"$T_DIR/cust.csv"

# --- tide-window, every kind of window ------------------------------------------
T_IN=$T_DIR/tx.bad
vg "tide-window --tumble, every aggregate" tide-window --tumble 1s -k account \
    -a 'count,sum(amount),avg(amount) as m,min(amount),max(amount),p99(amount),approx_distinct(merchant)' \
    --dead-letter "$T_DIR/w.dl"
vg "tide-window --hop, lateness, early results" tide-window --hop 2s --every 1s \
    --allowed-lateness 1s --emit early=500ms -k account,country -a 'count,sum(amount)'
vg "tide-window --session" tide-window --session 200ms -k account -a 'count,max(amount)'
vg "tide-window --over" tide-window --over 1s -k account -a 'count,avg(amount)'
T_IN=$T_DIR/tx
# --state: saved at the end of one run, restored by the next.  (It once
# wrote struct wkey's dlo and dhi uninitialised: key_get() set them only
# under --emit early/every.)
if :; then
	head -n 200 "$T_DIR/tx" >"$T_DIR/tx.1"
	tail -n 100 "$T_DIR/tx" >"$T_DIR/tx.2"
	rm -f "$T_DIR/st"
	T_IN=$T_DIR/tx.1
	t_run "valgrind: tide-window --state saved" $VG tide-window --tumble 1s -k account -a count --state "$T_DIR/st"
	cat "$T_DIR"/vg.*.log >>"$T_ERR" 2>/dev/null
	rm -f "$T_DIR"/vg.*.log
	t_status 0
	cp "$T_DIR/st" "$T_DIR/st.0"
	tide-window --tumble 1s -k account -a count --state "$T_DIR/st" <"$T_DIR/tx.2" >"$T_DIR/bare.out" 2>/dev/null
	cp "$T_DIR/st.0" "$T_DIR/st"
	T_IN=$T_DIR/tx.2
	t_run "valgrind: tide-window --state restored" $VG tide-window --tumble 1s -k account -a count --state "$T_DIR/st"
	cat "$T_DIR"/vg.*.log >>"$T_ERR" 2>/dev/null
	rm -f "$T_DIR"/vg.*.log
	t_status 0
	t_stdout_file "$T_DIR/bare.out"
fi

# --- tide-join, file table --------------------------------------------------------
T_IN=$T_DIR/tx.bad
vg "tide-join csv table, --left" tide-join -T "$T_DIR/cust.csv" --on account --left \
    --select segment --miss-field why --dead-letter "$T_DIR/j.dl"

# --- Kafka ------------------------------------------------------------------------
mock_start -t vg.tx:2 -t vg.tbl:1 -t vg.out:2
T_IN=$T_DIR/tx.bad
t_run "valgrind: tide-sink -t, a bad line" $VG tide-sink -b "$BROKERS" -t vg.tx -k account \
    --timestamp ts -H src=vg --dead-letter "$T_DIR/s.dl"
cat "$T_DIR"/vg.*.log >>"$T_ERR" 2>/dev/null
rm -f "$T_DIR"/vg.*.log
t_status 0
t_stderr_has "line 151"
T_IN=/dev/null
t_run "valgrind: tide-source -e -J" $VG tide-source -b "$BROKERS" -t vg.tx -e -J
cat "$T_DIR"/vg.*.log >>"$T_ERR" 2>/dev/null
rm -f "$T_DIR"/vg.*.log
t_status 0
t_ok "valgrind: tide-source -e: the 300 records tide-sink wrote" test "$(wc -l <"$T_OUT")" = 300
SORTED=1
vg "tide-source -e, values" tide-source -b "$BROKERS" -t vg.tx -e
vg "tide-replay --speed max -J" tide-replay -b "$BROKERS" -t vg.tx --speed max -J
vg "tide-replay --speed max, --from, --limit" tide-replay -b "$BROKERS" -t vg.tx --speed max \
    --from 1793491201000 --limit 50
# A Kafka table: the consumer thread runs and is joined at the end.
tide-source "$T_DIR/cust.csv" | timeout 20 tide-sink -b "$BROKERS" -t vg.tbl -k account
T_IN=$T_DIR/tx.bad
vg "tide-join -T kafka:, --left" tide-join -b "$BROKERS" -T kafka:vg.tbl --on account --left \
    --select segment --dead-letter "$T_DIR/jk.dl"
# Records through tide-sink --tee: each written once its delivery is confirmed.
T_IN=$T_DIR/tx
t_run "valgrind: tide-sink --tee" $VG tide-sink -b "$BROKERS" -t vg.out --tee
cat "$T_DIR"/vg.*.log >>"$T_ERR" 2>/dev/null
rm -f "$T_DIR"/vg.*.log
t_status 0
t_ok "valgrind: tide-sink --tee: every record confirmed" sh -c "sort '$T_OUT' | cmp -s - \"\$(sort '$T_DIR/tx' >'$T_DIR/tx.s'; echo '$T_DIR/tx.s')\""

t_done
