#!/bin/sh
# tide-check --dead-letter-topic against tide-mock: the dead-letter lines
# produced to the topic are the --dead-letter file's, in order; --strict
# delivers the one that stopped it; an unknown topic or unreachable
# brokers is 69 at start, before any input is read.  In a pipeline
# (tide-source -G | tide-check | tide-sink), the source's barriers pass
# through tide-check to the sink, whose acknowledgements let the group
# commit to the end: a stage that dropped them would leave it uncommitted.
. "$(dirname "$0")/../lib.sh"
TO="timeout 30"

mock_start -t chk.dead:1 -t chk.strict:1 -t chk.flow:2
D=$T_DIR
printf '%s\n' '{"properties": {"ok": {"const": 1}}}' >"$D/ok.json"
printf '%s\n' '{"ok":1}' '{"ok":2}' 'junk' '{"ok":1,"n":2}' '[3]' >"$D/in"
T_IN=$D/in

t_run "--dead-letter-topic with --dead-letter" $TO tide-check -s "$D/ok.json" \
    -b "$BROKERS" --dead-letter-topic chk.dead --dead-letter "$D/dl" -q
t_status 0
t_stdout <<'EOF'
{"ok":1}
{"ok":1,"n":2}
EOF
T_IN=/dev/null
t_run "--dead-letter-topic: the topic holds the file's lines" $TO tide-source \
    -b "$BROKERS" -t chk.dead -e
t_status 0
t_stdout_file "$D/dl"
t_ok "--dead-letter-topic: three dead letters" test "$(wc -l <"$D/dl")" = 3

T_IN=$D/in
t_run "--dead-letter-topic --strict" $TO tide-check -s "$D/ok.json" \
    -b "$BROKERS" --dead-letter-topic chk.strict --strict -q
t_status 65
t_stdout <<'EOF'
{"ok":1}
EOF
T_IN=/dev/null
t_run "--dead-letter-topic --strict: the one that stopped it delivered" \
    $TO tide-source -b "$BROKERS" -t chk.strict -e
t_stdout <<'EOF'
{"source":"-","line":2,"error":"#/properties/ok/const at '/ok': 2 is not 1","raw":"{\"ok\":2}","violations":[{"rule":"#/properties/ok/const","path":"/ok","message":"2 is not 1"}]}
EOF

T_IN=$D/in
t_run "--dead-letter-topic: no such topic" $TO tide-check -s "$D/ok.json" \
    -b "$BROKERS" --dead-letter-topic chk.none
t_status 69
t_stderr "tide-check: --dead-letter-topic: topic 'chk.none' does not exist"
t_stdout </dev/null
t_run "--dead-letter-topic: brokers unreachable" $TO tide-check -s "$D/ok.json" \
    -b 127.0.0.1:1 --metadata-timeout 1s --dead-letter-topic chk.dead
t_status 69
t_stderr_has "tide-check: --dead-letter-topic 'chk.dead': brokers did not answer within 1000 ms"
t_stdout </dev/null

# --- barriers in a pipeline ---------------------------------------------------
tide-gen --count 500 transactions | $TO tide-sink -b "$BROKERS" -t chk.flow \
    --key account 2>"$D/prod.err"
printf '%s\n' '{"properties": {"amount": {"maximum": 100}}}' >"$D/amt.json"
T_IN=/dev/null
t_run "pipeline: tide-source -G | tide-check | tide-sink" $TO sh -c "
	tide-source -b '$BROKERS' -t chk.flow -G chk.g -e |
	    tide-check -s '$D/amt.json' --dead-letter '$D/fdl' -q |
	    tide-sink -o '$D/flow.out'"
t_status 0
t_ok "pipeline: the records kept are jq's" sh -c "
	$TO tide-source -b '$BROKERS' -t chk.flow -e | jq -c 'select(.amount <= 100)' | sort >'$D/want' &&
	sort '$D/flow.out' >'$D/got' && test -s '$D/got' && cmp '$D/want' '$D/got' &&
	test \$(wc -l <'$D/fdl') -gt 0 -a \$((\$(wc -l <'$D/fdl') + \$(wc -l <'$D/got'))) = 500"
t_run "pipeline: the group committed everything" $TO tide-source \
    -b "$BROKERS" --lag -G chk.g -t chk.flow
t_status 0
t_stderr_empty
t_ok "pipeline: committed up to the end of both partitions" test \
    "$(awk '$1 == "chk.flow" { c += $3; e += $4 } END { print c "/" e }' "$T_OUT")" = 500/500
t_done
