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
                             "scores: N equal within 1e-6", or the first
                             that is not and exits 1
    score.py latency FILE RATE CMD...
                             the end-to-end latency through CMD (a pipe
                             stage: tide-score, or cat for the baseline):
                             FILE's lines written to CMD's input at RATE a
                             second, each stamped with the monotonic clock
                             as it is written, and CMD's output read in
                             the same process (a reader thread), each line
                             stamped as the read that brings it returns.
                             The first line is written alone and its
                             output awaited (CMD's start: a model's load;
                             written on time, the lines would back up
                             behind it and go out in a burst), then the
                             rest are paced from there and those sent in
                             the first half second are left out (the
                             warm-up).  Prints "records N p50 A us
                             p99 B us max C us"; exits 1 when CMD fails or
                             its output is not one line per input line,
                             in order (a line may only gain fields)
"""
import json
import os
import subprocess
import sys
import threading
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
                sys.exit(1)
    if n == 0 or exp.readline():
        print("scores: %d records scored, not as many as XGBoost's" % n)
        sys.exit(1)
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


def latency(path, rate, cmd):
    with open(path, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    sent = [0.0] * len(lines)
    arrived = []            # (lines read so far, monotonic time)
    chunks = []
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, bufsize=0)

    def reader():
        fd = proc.stdout.fileno()
        got = 0
        while True:
            b = os.read(fd, 1 << 16)
            if not b:
                return
            t = time.monotonic()
            got += b.count(b"\n")
            arrived.append((got, t))
            chunks.append(b)

    th = threading.Thread(target=reader)
    th.start()
    fd = proc.stdin.fileno()
    sent[0] = time.monotonic()
    os.write(fd, lines[0])
    waited = 0
    while not arrived:
        if waited > 3000 or proc.poll() is not None:
            proc.kill()
            sys.exit("latency: %s: no output for the first line in 30 s"
                     % cmd[0])
        time.sleep(0.01)
        waited += 1
    t0 = time.monotonic() - 1 / rate
    for i in range(1, len(lines)):
        line = lines[i]
        ahead = t0 + i / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        sent[i] = time.monotonic()
        os.write(fd, line)
    proc.stdin.close()
    th.join()
    if proc.wait() != 0:
        sys.exit("latency: %s: exit %d" % (cmd[0], proc.returncode))
    out = b"".join(chunks).splitlines(keepends=True)
    if len(out) != len(lines):
        sys.exit("latency: %s: %d lines out of %d in"
                 % (cmd[0], len(out), len(lines)))
    for k, (a, b) in enumerate(zip(lines, out)):
        if not b.startswith(a.rstrip(b"\n").rstrip(b"}")):
            sys.exit("latency: %s: line %d out is not line %d in: %r"
                     % (cmd[0], k + 1, k + 1, b[:80]))
    lat = []
    k = 0
    for got, t in arrived:
        while k < got:
            if sent[k] - t0 >= 0.5:
                lat.append(t - sent[k])
            k += 1
    if not lat:
        sys.exit("latency: no records after the warm-up")
    lat.sort()
    c = len(lat)
    print("records %d p50 %.0f us p99 %.0f us max %.0f us"
          % (c, lat[c // 2] * 1e6, lat[int(c * 0.99)] * 1e6, lat[-1] * 1e6))


if __name__ == "__main__":
    if sys.argv[1] == "latency":
        latency(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == "pace":
        pace(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "predict":
        predict(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
