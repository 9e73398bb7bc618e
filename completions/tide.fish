# fish completion for the tide programs.  Options come from the program
# itself (PROG --list-options), so completion cannot drift from -h; the
# values of an option are those of completions/tide.bash's _tide_values.
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
for prog in tide-source tide-sink tide-window tide-join tide-replay tide-mock tide-gen tide-diff tide-check tide-score
    complete -c $prog -f -n 'string match -q -- "-*" (commandline -ct)' -a '(__tide_options)'
    if test $prog = tide-gen
        complete -c $prog -f -n 'not string match -q -- "-*" (commandline -ct)' -a 'transactions customers telemetry'
    else
        complete -c $prog -F -n 'not string match -q -- "-*" (commandline -ct)'
    end
    complete -c $prog -l time-unit -x -a 's ms us ns auto'
    for l in state dead-letter late-file resume config sqlite bootstrap-file schema-registry-ca schema-registry-cert schema-registry-key
        complete -c $prog -l $l -r -F
    end
end
for prog in tide-source tide-sink tide-gen
    complete -c $prog -l format -x -a 'ndjson csv'
end
complete -c tide-join -l table-format -x -a 'csv ndjson'
complete -c tide-sink -l value-format -x -a 'json avro protobuf'
complete -c tide-sink -l key-format -x -a 'json avro protobuf'
for prog in tide-source tide-replay
    complete -c $prog -l value-format -x -a 'auto json avro protobuf protobuf-raw string bytes'
    complete -c $prog -l key-format -x -a 'auto json avro protobuf protobuf-raw string bytes'
    complete -c $prog -l avro-json -x -a 'plain spec'
    complete -c $prog -l decimal-format -x -a 'string number'
    complete -c $prog -l proto-descriptor -r -F
end
for l in value-schema key-schema proto-descriptor
    complete -c tide-sink -l $l -r -F
end
complete -c tide-window -l time-format -x -a 'epoch rfc3339'
complete -c tide-window -l emit -x -a 'final every early='
complete -c tide-join -l direction -x -a 'backward forward nearest'
complete -c tide-sink -s z -l compression -x -a 'zstd lz4 gzip snappy none'
complete -c tide-source -s o -l offset -x -a 'beginning end stored'
complete -c tide-join -s T -l table -r -F
complete -c tide-join -l with -r -F
complete -c tide-sink -s o -l output -r -F
complete -c tide-check -s s -l schema -r -F
complete -c tide-score -s m -l model -r -F
complete -c tide-score -l check-model -r -F
complete -c tide-score -l missing -x -a 'nan error'
