#!/bin/sh
# tide-score benchmark (make bench; never run by make test): a 200-tree,
# depth-6 binary:logistic model over 20 features (tests/bench/score.py:
# trained on 20000 of the records), N records (default 1M, 2% of the
# values null), scored by tide-score and by python3-xgboost's batch
# predict of the same records in the same run, both on one thread.
#
#   tide-score -m model.ubj data.ndjson       records read, features looked
#                                             up, scored by the native tree
#                                             evaluator, written with the score
#   tide-score --no-native ...                the same through XGBoost's C API
#   xgboost inplace_predict(X)                the prediction alone, X already
#                                             in a numpy array (the JSON
#                                             parse is timed apart)
#
# Times are CPU seconds (user + sys), best of B_REPEAT runs for tide-score,
# one run for Python (its own process_time() around the call).  The
# machine is shared (2 cores, other builds and tests running): absolute
# figures move with its load, printed beside them; the ratio, measured
# in the same run, moves less.  Target: >= 1M records/s, or within 1.2x
# of XGBoost's own batch predict.  The scores are checked equal within
# 1e-6.
. "$(dirname "$0")/lib.sh"

N=${N:-1000000}
PY=/usr/bin/python3
SP=$B_ROOT/tests/bench/score.py
if ! $PY -c 'import xgboost' 2>/dev/null; then
	echo "score bench: left out (python3-xgboost is needed)"
	exit 0
fi
echo "score bench: $N records of 20 features, 200 trees of depth 6; load: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY "$SP" make "$B_DIR" "$N" || { echo "score bench: training failed"; exit 0; }

B_OUT=$B_DIR/tide.out
bench_cpu tide_score "$N" tide-score -m "$B_DIR/model.ubj" "$B_DIR/data.ndjson"
B_OUT=$B_DIR/capi.out
bench_cpu tide_score_capi "$N" tide-score -m "$B_DIR/model.ubj" --no-native \
	"$B_DIR/data.ndjson"
cmp -s "$B_DIR/tide.out" "$B_DIR/capi.out" &&
	echo "native and C API: the same output, byte for byte" ||
	echo "native and C API: the outputs DIFFER"
B_OUT=/dev/null
bench_cpu tide_score_batch1 "$N" tide-score -m "$B_DIR/model.ubj" --batch 1 \
	"$B_DIR/data.ndjson"
B_OUT=$B_DIR/tide.out
bench_run tide_score_wall "$N" tide-score -m "$B_DIR/model.ubj" "$B_DIR/data.ndjson"
$PY "$SP" predict "$B_DIR" >"$B_DIR/py.times"
$PY "$SP" check "$B_DIR" "$B_DIR/tide.out"
read -r _ parse <"$B_DIR/py.times"
pred=$(sed -n 's/^predict //p' "$B_DIR/py.times")
printf '%-28s %8.3f s cpu %12.0f rec/s\n' xgboost_predict "$pred" \
	"$(awk "BEGIN{print $N / $pred}")"
printf '%-28s %8.3f s cpu %12.0f rec/s\n' python_json_parse "$parse" \
	"$(awk "BEGIN{print $N / $parse}")"
B_RATE_xgboost_predict=$(awk "BEGIN{printf \"%.0f\", $N / $pred}")
B_RATE_python_parse_predict=$(awk "BEGIN{printf \"%.0f\", $N / ($pred + $parse)}")

# The latency tide-score reports (--stats) with its input paced at 10k
# records/s: from a batch's first record read to the batch written.  The
# pacer starts half a second after tide-score (else the records sent while
# it loads the model come as one batch of 256, 1.3% of them at over a
# millisecond: its p99).
head -n 20000 "$B_DIR/data.ndjson" >"$B_DIR/paced.ndjson"
for how in "" --no-native; do
	$PY "$SP" pace "$B_DIR/paced.ndjson" 10000 |
		tide-score -m "$B_DIR/model.ubj" $how --stats 2>&1 >/dev/null |
		sed -n "s/.*batches [0-9]* (\([^)]*\)); latency \([^;]*\);.*/paced at 10k records\/s${how:+, $how}: \2 (\1)/p"
done

echo "ratios (records/s, CPU time; target: tide_score >= 1M/s, or >= 1/1.2 = 0.83x"
echo "of xgboost_predict; python_parse_predict is Python's JSON parse and predict):"
bench_ratio tide_score xgboost_predict
bench_ratio tide_score_capi xgboost_predict
bench_ratio tide_score_batch1 xgboost_predict
bench_ratio tide_score python_parse_predict
exit 0
