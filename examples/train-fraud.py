#!/usr/bin/python3
"""Train the demo's fraud model: XGBoost on the fraud-feature pipeline's
records, labelled by tide-gen --fraud.

    tide-gen customers --accounts 1000 --seed 2 --format csv >cust.csv
    tide-gen transactions --fraud --accounts 1000 --seed 2 --count 300000 |
      tide-window --over 60s -k account \\
        -a 'count as tx_60s,sum(amount) as amount_60s,max(amount) as max_amount_60s' |
      tide-join -T cust.csv --on account --select risk_score,segment |
      /usr/bin/python3 examples/train-fraud.py examples/fraud.json

reads the feature records on stdin (as examples/fraud-features.sh makes
them, with tide-gen's fraud label), trains a small binary:logistic model
on FEATURES and saves it, with their names, to the file named (.json or
.ubj), for tide-score -m FILE.  It prints the model's precision and recall
at a score of 0.5 on the last fifth of the records, held out.
Needs python3-xgboost and python3-numpy (Debian).
"""
import json
import sys

import numpy as np
import xgboost as xgb

FEATURES = ["amount", "card_present", "risk_score", "tx_60s", "amount_60s"]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: train-fraud.py MODEL < features.ndjson")
    X, y = [], []
    for line in sys.stdin:
        r = json.loads(line)
        X.append([np.nan if r.get(f) is None else float(r[f]) for f in FEATURES])
        y.append(1 if r["fraud"] else 0)
    if len(y) < 10:
        sys.exit("train-fraud.py: %d records on stdin: too few to train on" % len(y))
    X, y = np.array(X), np.array(y)
    cut = len(y) * 4 // 5
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
              "nthread": 1, "seed": 1}
    b = xgb.train(params, xgb.DMatrix(X[:cut], label=y[:cut],
                                      feature_names=FEATURES), 30)
    b.save_model(sys.argv[1])
    p = b.inplace_predict(X[cut:]) > 0.5
    t = y[cut:] == 1
    tp = int((p & t).sum())
    print("held out: %d records, %d fraud; flagged %d: precision %.2f, recall %.2f"
          % (len(t), int(t.sum()), int(p.sum()), tp / max(1, int(p.sum())),
             tp / max(1, int(t.sum()))))


main()
