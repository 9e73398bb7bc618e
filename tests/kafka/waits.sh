#!/bin/sh
# Ctrl-C during a bounded wait at start (issue 21): a Schema Registry that
# cannot be reached (retried for --schema-registry-timeout, 30 s), brokers
# that cannot be reached (--metadata-timeout).  A stop signal ends the wait
# within a second, with 128 + the signal (130 for SIGINT) and one line
# saying so; the registry's retry note is given once, not every 5 s.  Each
# program runs under `timeout 10`, a hang check only: its bound (30 s, or
# the default 10 s of --metadata-timeout) must not be what ends it.  The
# Kafka settings are the defaults (no reconnect.backoff tuning).
#
# And the registry's TLS files (--schema-registry-ca, -cert, -key): one
# that cannot be read is 74 naming it, at start, before any request; with
# an http:// URL they are not used: said once.
. "$(dirname "$0")/../lib.sh"

mock_start -t T -t E
/usr/bin/python3 - "$BROKERS" <<'PYEOF' || { echo "produce failed" >&2; exit 1; }
import sys
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1]})
# Confluent framing: magic 0, schema id 1, then the Avro body.
p.produce("T", b"\x00\x00\x00\x00\x01\x02a")
if p.flush(10) != 0:
    sys.exit(1)
PYEOF
NOREG=http://127.0.0.1:1
NOTE="schema registry $NOREG: unreachable (Failed to connect to 127.0.0.1 port 1 after N ms: Couldn't connect to server), retrying for up to 30s"
printf '{"type":"record","name":"X","fields":[{"name":"a","type":"long"}]}\n' >"$T_DIR/x.avsc"
printf '{"a":1}\n' >"$T_DIR/one"

# bg CMD...: CMD under `timeout 10` in the background ($_pid), stdin from
# $T_IN, stdout and stderr in $T_OUT and $T_ERR.  timeout passes the
# SIGINT it is sent on to CMD.
bg() {
	: >"$T_OUT"; : >"$T_ERR"
	timeout 10 "$@" <"$T_IN" >"$T_OUT" 2>"$T_ERR" &
	_pid=$!
}

# ended: wait for $_pid; T_RC its status; curl's "after N ms" made N.
ended() {
	wait "$_pid"
	T_RC=$?
	sed 's/ after [0-9]* ms:/ after N ms:/' "$T_ERR" >"$T_DIR/.e" &&
	    cp "$T_DIR/.e" "$T_ERR"
}

# int_when_noted NAME CMD...: one SIGINT once the retry note is out (the
# program is in the wait).
int_when_noted() {
	T_NAME=$1
	shift
	bg "$@"
	if ! t_wait 10 grep -q 'retrying for up to' "$T_ERR"; then
		t_fail "$T_NAME: no retry note" "$(head -c 600 "$T_ERR")"
	fi
	kill -INT "$_pid"
	ended
}

# int_until_ended NAME CMD...: SIGINT every 0.3 s until CMD ends (nothing
# says when the wait for brokers has begun; a signal before it is one the
# wait does not see, the next one is).  At most 40 (12 s: past timeout's
# 10, which then ends it with 124).
int_until_ended() {
	T_NAME=$1
	shift
	bg "$@"
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 40 ]; do
		sleep 0.3
		kill -INT "$_pid" 2>/dev/null
		_i=$((_i + 1))
	done
	ended
}

# ---- The registry, unreachable --------------------------------------------

int_when_noted "tide-source, registry wait" \
	tide-source -b "$BROKERS" -t T -e --schema-registry "$NOREG"
t_status 130
t_stderr "tide-source: $NOTE" \
	"tide-source: value: $NOREG: interrupted by SIGINT while retrying"
t_stdout </dev/null

int_when_noted "tide-replay, registry wait" \
	tide-replay -b "$BROKERS" -t T --speed max --schema-registry "$NOREG"
t_status 130
t_stderr "tide-replay: $NOTE" \
	"tide-replay: value: $NOREG: interrupted by SIGINT while retrying"
t_stdout </dev/null

T_IN=$T_DIR/one
int_when_noted "tide-sink, registry wait" \
	tide-sink -b "$BROKERS" -t T --value-format avro \
	--value-schema "$T_DIR/x.avsc" --schema-registry "$NOREG"
t_status 130
t_stderr "tide-sink: $NOTE" \
	"tide-sink: $NOREG: interrupted by SIGINT while retrying"
T_IN=/dev/null

# SIGTERM too (a service manager's stop), named as such.
int_term() {
	T_NAME=$1
	shift
	bg "$@"
	if ! t_wait 10 grep -q 'retrying for up to' "$T_ERR"; then
		t_fail "$T_NAME: no retry note" "$(head -c 600 "$T_ERR")"
	fi
	kill -TERM "$_pid"
	ended
}
int_term "tide-source, registry wait, SIGTERM" \
	tide-source -b "$BROKERS" -t T -e --schema-registry "$NOREG"
t_status 143
t_stderr "tide-source: $NOTE" \
	"tide-source: value: $NOREG: interrupted by SIGTERM while retrying"

# Without a signal the bound still ends it, with 69 (and one note).
t_run "registry wait, no signal: 69 after the bound" timeout 10 \
	tide-source -b "$BROKERS" -t T -e --schema-registry "$NOREG" \
	--schema-registry-timeout 1500ms
sed 's/ after [0-9]* ms:/ after N ms:/' "$T_ERR" >"$T_DIR/.e" && cp "$T_DIR/.e" "$T_ERR"
t_status 69
t_stderr "tide-source: schema registry $NOREG: unreachable (Failed to connect to 127.0.0.1 port 1 after N ms: Couldn't connect to server), retrying for up to 1s500ms" \
	"tide-source: value: schema registry $NOREG unreachable (retried for 1s500ms): Failed to connect to 127.0.0.1 port 1 after N ms: Couldn't connect to server"

# ---- Brokers, unreachable ---------------------------------------------------

int_until_ended "tide-source, broker wait (default --metadata-timeout)" \
	tide-source -b 127.0.0.1:1 -t T -e
t_status 130
t_stderr "tide-source: interrupted by SIGINT while waiting for the brokers at '127.0.0.1:1'"

int_until_ended "tide-source, broker wait (--metadata-timeout 30s)" \
	tide-source -b 127.0.0.1:1 -t T --metadata-timeout 30s
t_status 130
t_stderr "tide-source: interrupted by SIGINT while waiting for the brokers at '127.0.0.1:1'"

int_until_ended "tide-replay, broker wait" \
	tide-replay -b 127.0.0.1:1 -t T --speed max --metadata-timeout 30s
t_status 130
t_stderr "tide-replay: interrupted by SIGINT while waiting for the brokers"

T_IN=$T_DIR/one
int_until_ended "tide-sink, broker wait" \
	tide-sink -b 127.0.0.1:1 -t T --connect-timeout 30s
t_status 130
t_stderr "tide-sink: cannot produce to 'T' at '127.0.0.1:1': interrupted by SIGINT while waiting for the brokers"
T_IN=/dev/null

# tide-diff takes no stop signal of its own: SIGINT ends it at once (a
# shell's job would ignore it: env restores the default).
int_until_ended "tide-diff, broker wait" \
	env --default-signal=INT tide-diff -k a -b 127.0.0.1:1 \
	--metadata-timeout 30s kafka:T kafka:E
t_status 130
t_stderr_empty

# Without a signal: the bound, 69.
t_run "broker wait, no signal: 69 after the bound" timeout 10 \
	tide-source -b 127.0.0.1:1 -t T --metadata-timeout 1s
t_status 69
t_stderr_has "tide-source: cannot reach brokers at '127.0.0.1:1' within 1000ms: "

# ---- The registry's TLS files ---------------------------------------------

printf 'not a certificate\n' >"$T_DIR/ca.pem"
mkdir "$T_DIR/dir"
t_run "--schema-registry-ca: no such file" tide-source -b "$BROKERS" -t T -e \
	--schema-registry https://127.0.0.1:1 --schema-registry-ca "$T_DIR/none.pem"
t_status 74
t_stderr "tide-source: --schema-registry-ca: cannot read '$T_DIR/none.pem': No such file or directory"

t_run "--schema-registry-ca: a directory" tide-replay -b "$BROKERS" -t T \
	--schema-registry https://127.0.0.1:1 --schema-registry-ca "$T_DIR/dir"
t_status 74
t_stderr "tide-replay: --schema-registry-ca: cannot read '$T_DIR/dir': Is a directory"

t_run "--schema-registry-cert: no such file" tide-sink -t T --value-format avro \
	--value-schema "$T_DIR/x.avsc" --schema-registry https://127.0.0.1:1 \
	--schema-registry-cert "$T_DIR/none.pem" --schema-registry-key "$T_DIR/ca.pem"
t_status 74
t_stderr "tide-sink: --schema-registry-cert: cannot read '$T_DIR/none.pem': No such file or directory"

t_run "--schema-registry-key: no such file" tide-source -b "$BROKERS" -t T -e \
	--schema-registry https://127.0.0.1:1 \
	--schema-registry-cert "$T_DIR/ca.pem" --schema-registry-key "$T_DIR/none.pem"
t_status 74
t_stderr "tide-source: --schema-registry-key: cannot read '$T_DIR/none.pem': No such file or directory"

if [ "$(id -u)" != 0 ]; then
	printf 'x\n' >"$T_DIR/locked.pem"
	chmod 000 "$T_DIR/locked.pem"
	t_run "--schema-registry-ca: not readable" tide-source -b "$BROKERS" -t T -e \
		--schema-registry https://127.0.0.1:1 --schema-registry-ca "$T_DIR/locked.pem"
	t_status 74
	t_stderr "tide-source: --schema-registry-ca: cannot read '$T_DIR/locked.pem': Permission denied"
fi

# A readable file (the CA is read by libcurl, at the first request: the
# registry here cannot be reached, so no TLS is said about it): no note.
t_run "--schema-registry-ca with https: no note" tide-source -b "$BROKERS" -t T -e \
	--schema-registry https://127.0.0.1:1 --schema-registry-ca "$T_DIR/ca.pem" \
	--schema-registry-timeout 200ms
t_status 69
t_stderr_has "tide-source: value: schema registry https://127.0.0.1:1 unreachable (retried for 200ms): "
if grep -q 'ignored' "$T_ERR"; then t_fail "https: a note that the CA is ignored"; else t_pass "https: no note"; fi

# http://: TLS options are said to be unused, once, and the run goes on.
t_run "--schema-registry-ca with http: a note" tide-source -b "$BROKERS" -t T -e \
	--schema-registry "$NOREG" --schema-registry-ca "$T_DIR/ca.pem" \
	--schema-registry-timeout 200ms
sed 's/ after [0-9]* ms:/ after N ms:/' "$T_ERR" >"$T_DIR/.e" && cp "$T_DIR/.e" "$T_ERR"
t_status 69
t_stderr "tide-source: --schema-registry-ca ignored: the schema registry's URL is http://, not https://" \
	"tide-source: schema registry $NOREG: unreachable (Failed to connect to 127.0.0.1 port 1 after N ms: Couldn't connect to server), retrying for up to 200ms" \
	"tide-source: value: schema registry $NOREG unreachable (retried for 200ms): Failed to connect to 127.0.0.1 port 1 after N ms: Couldn't connect to server"

t_run "--schema-registry-insecure with http: a note" tide-source -b "$BROKERS" -t T -e \
	--schema-registry "$NOREG" --schema-registry-insecure \
	--schema-registry-timeout 200ms
t_status 69
t_stderr_has "tide-source: --schema-registry-insecure ignored: the schema registry's URL is http://, not https://"

t_run "TLS options with http: one note names them all" tide-source -b "$BROKERS" -t T -e \
	--schema-registry "$NOREG" --schema-registry-insecure \
	--schema-registry-cert "$T_DIR/ca.pem" --schema-registry-key "$T_DIR/ca.pem" \
	--schema-registry-timeout 200ms
t_status 69
t_stderr_has "tide-source: --schema-registry-cert/-key, --schema-registry-insecure ignored: the schema registry's URL is http://, not https://"
t_ok "$T_NAME: said once" test "$(grep -c ignored "$T_ERR")" = 1

t_run "http, -q: no notes" tide-source -q -b "$BROKERS" -t T -e \
	--schema-registry "$NOREG" --schema-registry-ca "$T_DIR/ca.pem" \
	--schema-registry-timeout 200ms
t_status 69
t_stderr_has "tide-source: value: schema registry $NOREG unreachable (retried for 200ms): "
if grep -q 'ignored\|retrying' "$T_ERR"; then t_fail "-q: notes given" "$(cat "$T_ERR")"; else t_pass "-q: no notes"; fi

t_done
