#!/usr/bin/python3
"""tests/bench/score.sh's Python side (python3-xgboost, python3-numpy).

    score.py make DIR N      DIR/data.ndjson: N records of 20 numeric
                             features f0..f19 (a few missing); DIR/model.ubj:
                             200 trees of depth 6 trained on 20000 of them
    score.py predict DIR     XGBoost's batch predict of the same records
                             (one thread, as tide-score's default): prints
                             "parse S" and "predict S", CPU seconds, and
                             writes DIR/py.scores
    score.py pace FILE RATE  FILE's lines to stdout at RATE a second (each
                             flushed when its time comes), after half a
                             second (the reader's start: a backlog then
                             would be scored as one batch)
    score.py check DIR OUT   tide-score's OUT against DIR/py.scores: prints
                             "scores: N equal within 1e-6" or the first
                             that is not
"""
import json
import sys
import time

NF = 20


def make(d, n):
    import numpy as np
    import xgboost as xgb

    rng = np.random.RandomState(7)
    X = rng.rand(n, NF) * 100
    X[rng.rand(n, NF) < 0.02] = np.nan
    names = ["f%d" % i for i in range(NF)]
    with open(d + "/data.ndjson", "w") as f:
        for row in X:
            f.write("{" + ",".join('"%s":%s' % (k, "null" if v != v else "%.2f" % v)
                                   for k, v in zip(names, row)) + "}\n")
    X = np.round(X, 2)
    y = ((X[:, 0] + X[:, 1] * 0.5 - X[:, 2]) > 30).astype(int)
    dm = xgb.DMatrix(X[:20000], label=y[:20000], feature_names=names)
    b = xgb.train({"objective": "binary:logistic", "max_depth": 6, "nthread": 1,
                   "eta": 0.1}, dm, 200)
    b.save_model(d + "/model.ubj")


def predict(d):
    import numpy as np
    import xgboost as xgb

    t0 = time.process_time()
    names = ["f%d" % i for i in range(NF)]
    with open(d + "/data.ndjson") as f:
        X = np.array([[np.nan if r[k] is None else r[k] for k in names]
                      for r in map(json.loads, f)], dtype=np.float64)
    t1 = time.process_time()
    b = xgb.Booster(model_file=d + "/model.ubj")
    b.set_param({"nthread": 1})
    t2 = time.process_time()
    p = b.inplace_predict(X)
    t3 = time.process_time()
    print("parse %.3f" % (t1 - t0))
    print("predict %.3f" % (t3 - t2))
    np.savetxt(d + "/py.scores", p, fmt="%.9g")


def check(d, out):
    exp = open(d + "/py.scores")
    n = 0
    with open(out) as f:
        for line, e in zip(f, exp):
            v = json.loads(line)["score"]
            n += 1
            if abs(v - float(e)) > 1e-6:
                print("scores: record %d: %s, XGBoost %s" % (n, v, e.strip()))
                return
    print("scores: %d equal within 1e-6" % n)


def pace(path, rate):
    out = sys.stdout
    time.sleep(0.5)
    t0 = time.monotonic()
    with open(path) as f:
        for i, line in enumerate(f):
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                out.flush()
                time.sleep(ahead)
            out.write(line)
    out.flush()


if __name__ == "__main__":
    if sys.argv[1] == "pace":
        pace(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "predict":
        predict(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
