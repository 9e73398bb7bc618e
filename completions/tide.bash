# bash completion for the tide programs.  Options come from the program
# itself (PROG --list-options), so completion cannot drift from -h; the
# values of an option come from _tide_values (tests/doc/docs.sh checks
# that the programs accept each one).
_tide_values()
{
	case $1:$2 in
	tide-source:--format | tide-sink:--format | tide-gen:--format)
		echo "ndjson csv" ;;
	tide-join:--table-format) echo "csv ndjson" ;;
	*:--time-unit) echo "s ms us ns auto" ;;
	tide-window:--time-format) echo "epoch rfc3339" ;;
	tide-window:--emit) echo "final every early=" ;;
	tide-join:--direction) echo "backward forward nearest" ;;
	tide-sink:--compression) echo "zstd lz4 gzip snappy none" ;;
	tide-sink:--value-format | tide-sink:--key-format) echo "json avro protobuf" ;;
	*:--value-format | *:--key-format)
		echo "auto json avro protobuf protobuf-raw string bytes" ;;
	*:--avro-json) echo "plain spec" ;;
	*:--decimal-format) echo "string number" ;;
	tide-source:--offset) echo "beginning end stored" ;;
	tide-gen:) echo "transactions customers telemetry" ;;
	tide-score:--missing) echo "nan error" ;;
	tide-join:--table | tide-join:--with | tide-sink:--output | tide-check:--schema | *:--state | \
	    *:--dead-letter | *:--late-file | *:--resume | *:--config | \
	    *:--sqlite | *:--bootstrap-file | tide-sink:--value-schema | \
	    tide-sink:--key-schema | *:--schema-registry-ca | *:--schema-registry-cert | \
	    *:--schema-registry-key | *:--proto-descriptor)
		echo "<files>" ;;
	esac
}

_tide_complete()
{
	local cur prev prog line short long arg opts v
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	prog=${COMP_WORDS[0]##*/}
	opts=
	while IFS=$'\t' read -r short long arg _; do
		# An optional argument ("[=n]") only follows an '=': the next
		# word is not the option's.
		if [[ $prev == "$short" || $prev == "$long" ]] && [[ $arg != - && $arg != \[* ]]; then
			v=$(_tide_values "$prog" "$long")
			case $v:$arg in
			"<files>":*|:file|:path|:FILE|:PATH)
				COMPREPLY=($(compgen -f -- "$cur")) ;;
			:*) COMPREPLY=() ;;
			*) COMPREPLY=($(compgen -W "$v" -- "$cur")) ;;
			esac
			return
		fi
		[[ $short != - ]] && opts="$opts $short"
		[[ $long != - ]] && opts="$opts $long"
	done < <("${COMP_WORDS[0]}" --list-options 2>/dev/null)
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -n $(_tide_values "$prog" "") ]]; then
		COMPREPLY=($(compgen -W "$(_tide_values "$prog" "")" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _tide_complete tide-source tide-sink tide-window tide-join tide-replay tide-mock tide-gen tide-diff tide-check tide-score
