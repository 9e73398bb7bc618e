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

for f in "$T_ROOT"/man/*.7; do
	[ -f "$f" ] && t_ok "$(basename "$f"): mandoc -Tlint clean" mandoc -Tlint -W warning "$f"
done
t_done
