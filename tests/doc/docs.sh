#!/bin/sh
# Docs that cannot drift: every program answers -h, --version and
# --list-options; each man page's SYNOPSIS carries the usage line's options
# and its OPTIONS list matches --list-options exactly; EXIT STATUS copies
# lib/exitcode.h; the man pages are mandoc -Tlint clean; the bash completion
# offers exactly the listed options.
. "$(dirname "$0")/../lib.sh"

for bin in "$TIDE_BIN"/tide-*; do
	p=$(basename "$bin")
	man=$T_ROOT/man/$p.1

	t_run "$p -h" "$p" -h
	t_status 0
	if head -1 "$T_OUT" | grep -q "^usage: $p "; then t_pass "$p -h: usage line"
	else t_fail "$p -h: first line is not 'usage: $p ...'" "$(head -1 "$T_OUT")"; fi

	t_run "$p --version" "$p" --version
	t_status 0
	t_stdout <<EOF2
$p 0.1.0
EOF2

	t_run "$p --bogus" "$p" --this-option-does-not-exist
	t_status 64
	t_stderr_has "$p: unknown option '--this-option-does-not-exist'"

	"$p" --list-options >"$T_DIR/opts" 2>/dev/null
	# Options documented in the man page: .It Fl x / .It Fl \-long
	if [ ! -f "$man" ]; then
		t_fail "$p: no man page $man"
		continue
	fi
	t_ok "$p.1: mandoc -Tlint clean" mandoc -Tlint -W warning "$man"
	# Every ".It Fl x" / ".It Fl \-long" item, all names on the line.
	awk '/^\.It Fl / { for (i = 2; i <= NF; i++) if ($(i-1) == "Fl") {
		o = $i; sub(/^\\-/, "--", o); if (o !~ /^--/) o = "-" o; print o } }' \
		"$man" | sort -u >"$T_DIR/man-all"
	# Each listed option appears under its short or its long name...
	awk -F'\t' '{ print $1 " " $2 }' "$T_DIR/opts" | while read -r s l; do
		grep -qxF -- "$s" "$T_DIR/man-all" || grep -qxF -- "$l" "$T_DIR/man-all" ||
			echo "missing $s $l"
	done >"$T_DIR/missing"
	# ...and the man page documents no option the program lacks.
	awk -F'\t' '{ print $1; print $2 }' "$T_DIR/opts" | grep -v '^-$' | sort -u >"$T_DIR/known"
	grep -vxF -f "$T_DIR/known" "$T_DIR/man-all" | sed 's/^/stale /' >>"$T_DIR/missing"
	if [ ! -s "$T_DIR/missing" ]; then t_pass "$p.1: OPTIONS match --list-options"
	else t_fail "$p.1: OPTIONS differ from --list-options" "$(cat "$T_DIR/missing")"; fi

	# The usage line's long options are in the man page's SYNOPSIS; a
	# program that reads keys and values by format (--avro-json: the
	# Schema Registry's group) names the whole group in both (issue 21).
	"$p" -h 2>/dev/null | head -1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$T_DIR/usage"
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$man" |
		grep -o '\(\\\|Fl \)-[a-z][a-z0-9-]*' | sed 's/^\(\\\|Fl \)/-/' |
		sort -u >"$T_DIR/synopsis"
	if grep -q '^-	--avro-json	' "$T_DIR/opts"; then
		printf '%s\n' --schema-registry --key-format --value-format \
		    --avro-json --decimal-format --proto-descriptor \
		    --proto-message |
		    grep -vxF -f "$T_DIR/usage" | sed 's/^/usage lacks /'
	fi >"$T_DIR/syn"
	grep -vxF -f "$T_DIR/synopsis" "$T_DIR/usage" | sed 's/^/SYNOPSIS lacks /' >>"$T_DIR/syn"
	if [ ! -s "$T_DIR/syn" ]; then t_pass "$p: -h usage line and SYNOPSIS"
	else t_fail "$p: -h usage line and SYNOPSIS differ" "$(cat "$T_DIR/syn")"; fi

	# EXIT STATUS copies the table in lib/exitcode.h.
	for code in 0 1 64 65 69 74 75; do
		grep -q "^\.It $code\b" "$man" || echo "exit $code"
	done >"$T_DIR/codes"
	if [ ! -s "$T_DIR/codes" ]; then t_pass "$p.1: EXIT STATUS table"
	else t_fail "$p.1: EXIT STATUS lacks" "$(cat "$T_DIR/codes")"; fi

	# The bash completion offers what --list-options lists.
	if t_have bash "bash not installed: $p's completion"; then
		got=$(bash -c '. "$1"; COMP_WORDS=("$2" "-"); COMP_CWORD=1; _tide_complete; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$T_ROOT/completions/tide.bash" "$p")
		want=$(awk -F'\t' '{ if ($1 != "-") print $1; if ($2 != "-") print $2 }' "$T_DIR/opts" | sort)
		if [ "$got" = "$want" ]; then t_pass "$p: bash completion"
		else t_fail "$p: bash completion differs" "$(echo "$got" | head -5)"; fi
	fi
done

# The bash completion's values (issue 19 item 10): files after the options
# that name one, an option's words after it, tide-gen's kinds.
if t_have bash "bash not installed: completion values"; then
	mkdir "$T_DIR/cwd" && : >"$T_DIR/cwd/acct.state" && : >"$T_DIR/cwd/cust.csv"
	complete_words() {
		(cd "$T_DIR/cwd" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tide_complete; printf "%s " "${COMPREPLY[@]}"' \
		    _ "$T_ROOT/completions/tide.bash" "$@")
	}
	while IFS='|' read -r words cur want; do
		# shellcheck disable=SC2086
		got=$(complete_words $words "$cur" | sed 's/ $//')
		if [ "$got" = "$want" ]; then t_pass "completion: $words '$cur'"
		else t_fail "completion: $words '$cur': '$got', expected '$want'"; fi
	done <<'EOF'
tide-window --state|a|acct.state
tide-window --dead-letter|a|acct.state
tide-window --late-file|c|cust.csv
tide-sink -o|c|cust.csv
tide-sink --output|c|cust.csv
tide-sink --create|c|cust.csv
tide-join -T|c|cust.csv
tide-join --table|c|cust.csv
tide-source --format||ndjson csv
tide-sink --format|c|csv
tide-join --table-format||csv ndjson
tide-window --time-unit|m|ms
tide-join --time-unit||s ms us ns auto
tide-window --emit||final every early=
tide-join --direction|n|nearest
tide-sink -z||zstd lz4 gzip snappy none
tide-source -o||beginning end stored
tide-source --key-format||auto json avro protobuf protobuf-raw string bytes
tide-replay --value-format|p|protobuf protobuf-raw
tide-replay --avro-json||plain spec
tide-source --decimal-format|n|number
tide-replay --decimal-format||string number
tide-gen||transactions customers telemetry
tide-gen --count 5|t|transactions telemetry
tide-window -k||
tide-gen --count||
tide-score --missing||nan error
tide-score -m|c|cust.csv
EOF
	# The programs accept each value offered.
	for v in "tide-source --format ndjson" "tide-source --format csv" \
	    "tide-sink --format csv" "tide-gen --format csv" \
	    "tide-join --table-format ndjson" "tide-window --time-unit us" \
	    "tide-join --time-unit auto" "tide-replay --time-unit ns" \
	    "tide-sink --time-unit s" "tide-window --time-format rfc3339" \
	    "tide-window --time-format epoch" "tide-window --emit final" \
	    "tide-window --emit every" "tide-window --emit early=1s" \
	    "tide-join --direction forward" "tide-join --direction backward" \
	    "tide-sink -z lz4" "tide-sink -z none" "tide-source -o beginning" \
	    "tide-source -o end" "tide-source -o stored" \
	    "tide-source --key-format protobuf-raw" \
	    "tide-replay --value-format bytes" "tide-replay --avro-json spec" \
	    "tide-source --decimal-format number" \
	    "tide-replay --decimal-format string" \
	    "tide-score --missing nan" "tide-score --missing error"; do
		# shellcheck disable=SC2086
		t_ok "completion value accepted: $v" sh -c "$v -h >/dev/null 2>&1"
	done
	for k in transactions customers telemetry; do
		t_ok "completion value accepted: tide-gen $k" sh -c "tide-gen --count 1 $k >/dev/null"
	done
fi

for f in "$T_ROOT"/man/*.7; do
	[ -f "$f" ] && t_ok "$(basename "$f"): mandoc -Tlint clean" mandoc -Tlint -W warning "$f"
done
t_done
