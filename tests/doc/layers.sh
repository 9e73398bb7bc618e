#!/bin/sh
# The layers of lib/ (HACKING.md), checked on the source: what may include
# what, and who may print or exit.  A rule broken here is a design change:
# make it on purpose, in HACKING.md and in this file together.
#
#   lib/*.c, lib/*.h     the core: records, JSON, time, windows, tables ...
#                        no external service's header, no printing
#   lib/kafka/           the only library code that includes librdkafka
#   lib/view/            the only library code that includes sqlite3/hiredis
#   lib/schema/          the only library code that includes avro-c, jansson
#                        or libcurl (Avro, Protobuf, the Schema Registry)
#   lib/model/           the only library code that includes xgboost
#   the frame            prog, bad, progress, kafka/kopt, schema/sropt (and
#                        xalloc's one fatal message): the only library code
#                        that prints to
#                        the terminal or exits
#   cmd/                 may include anything in lib/
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

# lib/kafka/kopt and lib/schema/sropt: the Kafka and Schema Registry option
# groups of the frame's option tables.
FRAME="lib/prog.c lib/prog.h lib/bad.c lib/bad.h lib/progress.c lib/progress.h lib/xalloc.c lib/kafka/kopt.c lib/kafka/kopt.h lib/schema/sropt.c lib/schema/sropt.h"
in_frame() { case " $FRAME " in *" $1 "*) return 0 ;; esac; return 1; }

# rule NAME GREP-PATTERN FILES...: no line of FILES matches.
rule() {
	_n=$1 _p=$2
	shift 2
	_hits=$(grep -nE "$_p" "$@" 2>/dev/null | grep -v '^\S*:[0-9]*:\s*/\?\*')
	if [ -z "$_hits" ]; then t_pass "$_n"
	else t_fail "$_n" "$(printf '%s\n' "$_hits" | head -10)"; fi
}

core=$(ls lib/*.c lib/*.h)
kafka=$(ls lib/kafka/*.c lib/kafka/*.h 2>/dev/null)
view=$(ls lib/view/*.c lib/view/*.h 2>/dev/null)
schema=$(ls lib/schema/*.c lib/schema/*.h 2>/dev/null)
model=$(ls lib/model/*.c lib/model/*.h 2>/dev/null)
notframe=$(for f in $core $kafka $view $schema $model; do in_frame "$f" || echo "$f"; done)

rule "librdkafka only in lib/kafka/" '#include <librdkafka/' $core $view $schema $model
rule "sqlite3 and hiredis only in lib/view/" '#include <(sqlite3|hiredis)' $core $kafka $schema $model
rule "avro-c, jansson and libcurl only in lib/schema/" '#include <(avro|jansson|curl/)' $core $kafka $view $model
rule "xgboost only in lib/model/" '#include <xgboost/' $core $kafka $view $schema
rule "the core includes none of lib/kafka/, lib/view/, lib/schema/, lib/model/" '#include "(kafka|view|schema|model)/' $core
rule "lib/kafka/ and lib/view/ do not include each other" '#include "view/' $kafka
rule "lib/view/ does not include lib/kafka/" '#include "kafka/' $view
rule "only the frame includes the frame's headers" '#include "(prog|progress)\.h"' $notframe
rule "only the frame prints to the terminal" \
    'fprintf\(std(err|out)|[^a-z_]printf\(|[^a-z_]puts\(|perror\(|tide_(warn|info|die|usage_error)\(' $notframe
rule "only the frame exits" '[^a-z_](_?exit|abort)\(' $notframe
t_done
