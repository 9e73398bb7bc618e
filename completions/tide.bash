# bash completion for the tide programs.  Options come from the program
# itself (PROG --list-options), so completion cannot drift from -h.
_tide_complete()
{
	local cur prev prog line short long arg opts
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	prog=${COMP_WORDS[0]}
	opts=
	while IFS=$'\t' read -r short long arg _; do
		if [[ $prev == "$short" || $prev == "$long" ]] && [[ $arg != - ]]; then
			case $arg in
			file|path|FILE|PATH) COMPREPLY=($(compgen -f -- "$cur")) ;;
			*) COMPREPLY=() ;;
			esac
			return
		fi
		[[ $short != - ]] && opts="$opts $short"
		[[ $long != - ]] && opts="$opts $long"
	done < <("$prog" --list-options 2>/dev/null)
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _tide_complete tide-source tide-sink tide-window tide-join tide-replay tide-mock tide-gen
