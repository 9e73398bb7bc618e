#!/usr/bin/python3
"""tide-score's oracle: models trained and scored by XGBoost and sklearn.

    score_oracle.py train DIR < transactions.ndjson

reads tide-gen transactions, writes DIR/data.nd (the records with numeric
features added: m, the merchant's number; acct, the account's number; some
features left out or null, for missing values), DIR/clean.nd (the same
records with no feature missing), the models (bin.json, bin.ubj: binary:logistic;
reg.json: reg:squarederror; multi.json: multi:softprob, 3 classes; logit.json
and linreg.json: linear models in tide-score's format, from sklearn's
LogisticRegression and LinearRegression) and, per model, DIR/NAME.expect:
the model's prediction for each record of data.nd (clean.nd for the linear
ones), one JSON value a line, as Python computes it.

    score_oracle.py compare INPUT EXPECT OUTPUT FIELD

checks that OUTPUT holds INPUT's records, each unchanged but for FIELD
appended, whose value is EXPECT's within 1e-6; prints "ok N records" or
what differs first.
"""
import json
import sys

FEATURES = ["amount", "card_present", "m", "acct"]


def train(d):
    import numpy as np
    import xgboost as xgb
    from sklearn.linear_model import LinearRegression, LogisticRegression

    recs = [json.loads(line) for line in sys.stdin]
    rng = np.random.RandomState(11)
    data, clean = [], []
    for r in recs:
        r["m"] = int(r["merchant"][1:])
        r["acct"] = int(r["account"][1:])
        clean.append(dict(r))
        u = rng.rand()
        if u < 0.1:
            del r["amount"]
        elif u < 0.2:
            r["m"] = None
        elif u < 0.25:
            del r["card_present"]
        data.append(r)

    def row(r):
        return [np.nan if r.get(f) is None else float(r[f]) for f in FEATURES]

    X = np.array([row(r) for r in data], dtype=np.float64)
    Xc = np.array([row(r) for r in clean], dtype=np.float64)
    amount = np.array([r["amount"] for r in clean])
    country = [r["country"] for r in clean]
    ybin = ((amount > 30) ^ (Xc[:, 2] % 3 == 0)).astype(int)
    classes = sorted(set(country))[:2]
    ymulti = np.array([classes.index(c) if c in classes else 2 for c in country])
    with open(d + "/data.nd", "w") as f:
        for r in data:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    with open(d + "/clean.nd", "w") as f:
        for r in clean:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")

    def expect(name, p):
        with open(d + "/" + name + ".expect", "w") as f:
            for v in p:
                v = [float(x) for x in v] if np.ndim(v) else float(v)
                f.write(json.dumps(v) + "\n")

    common = dict(max_depth=3, eta=0.3, nthread=1, seed=1)
    dm = xgb.DMatrix(X, label=ybin, feature_names=FEATURES)
    b = xgb.train(dict(common, objective="binary:logistic"), dm, 8)
    b.save_model(d + "/bin.json")
    b.save_model(d + "/bin.ubj")
    expect("bin", b.inplace_predict(X))
    dm = xgb.DMatrix(X, label=amount, feature_names=FEATURES)
    b = xgb.train(dict(common, objective="reg:squarederror"), dm, 8)
    b.save_model(d + "/reg.json")
    expect("reg", b.inplace_predict(X))
    # No feature names in this one: --features must name them.
    dm = xgb.DMatrix(X, label=ymulti)
    b = xgb.train(dict(common, objective="multi:softprob", num_class=3), dm, 4)
    b.save_model(d + "/multi.json")
    expect("multi", b.inplace_predict(X))

    lr = LogisticRegression(max_iter=1000).fit(Xc, ybin)
    with open(d + "/logit.json", "w") as f:
        json.dump({"features": FEATURES, "coefficients": [float(c) for c in lr.coef_[0]],
                   "intercept": float(lr.intercept_[0]), "link": "logistic"}, f)
    expect("logit", lr.predict_proba(Xc)[:, 1])
    li = LinearRegression().fit(Xc, amount * 2 + Xc[:, 2])
    with open(d + "/linreg.json", "w") as f:
        json.dump({"coefficients": [float(c) for c in li.coef_],
                   "intercept": float(li.intercept_)}, f)
    expect("linreg", li.predict(Xc))


def compare(inp, exp, out, field):
    ins = open(inp).read().splitlines()
    exps = [json.loads(x) for x in open(exp).read().splitlines()]
    outs = open(out).read().splitlines()
    if not (len(ins) == len(exps) == len(outs)):
        print("lines: input %d, expected %d, output %d" % (len(ins), len(exps), len(outs)))
        return
    head = ',"%s":' % field
    for i, (a, e, o) in enumerate(zip(ins, exps, outs)):
        if not o.startswith(a[:-1] + head) or not o.endswith("}"):
            print("line %d: not the record with %s appended: %s" % (i + 1, field, o))
            return
        v = json.loads(o)[field]
        ev, ov = (e, v) if isinstance(e, list) else ([e], [v])
        if len(ev) != len(ov) or any(abs(x - y) > 1e-6 for x, y in zip(ev, ov)):
            print("line %d: %s, expected %s" % (i + 1, v, e))
            return
    print("ok %d records" % len(outs))


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2])
    else:
        compare(*sys.argv[2:6])
