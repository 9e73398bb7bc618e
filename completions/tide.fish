# fish completion for the tide programs.  Options come from the program
# itself (PROG --list-options), so completion cannot drift from -h.
function __tide_options
    set -l prog (commandline -opc)[1]
    $prog --list-options 2>/dev/null | while read -l -d \t short long arg help
        if test "$long" != -
            printf '%s\t%s\n' $long $help
        end
        if test "$short" != -
            printf '%s\t%s\n' $short $help
        end
    end
end
for prog in tide-source tide-sink tide-window tide-join tide-replay tide-mock tide-gen
    complete -c $prog -f -n 'string match -q -- "-*" (commandline -ct)' -a '(__tide_options)'
    complete -c $prog -F -n 'not string match -q -- "-*" (commandline -ct)'
end
