#!/usr/bin/python3
# The oracle of tests/cli/tide-diff.sh: an independent computation of
# tide-diff's summary line, and the perturbed copies of a stream it is run
# on.  Run with /usr/bin/python3.
#
#   fdiff_oracle.py perturb SEED [shuffle] <in >out
#       a copy of in with records dropped, duplicated, added, and some
#       fields changed slightly (within 1e-6), much, removed or added;
#       shuffled when asked
#   fdiff_oracle.py sort KEYS <in >out
#       in, sorted by the key fields (stable: duplicates keep their order)
#   fdiff_oracle.py diff KEYS TOL IGNORE LEFT RIGHT
#       the summary line: KEYS and IGNORE comma-separated (IGNORE may be
#       ""), TOL a number or p%
import json
import random
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def keyof(rec, keys):
    return tuple(rec[k] for k in keys)


def perturb(seed, shuffle):
    rng = random.Random(seed)
    out = []
    for line in sys.stdin:
        rec = json.loads(line)
        u = rng.random()
        if u < 0.03:
            continue                        # dropped
        if u < 0.05:
            out.append(dict(rec))           # duplicated
        v = rng.random()
        if v < 0.05:
            rec["amount"] = rec["amount"] + 1e-7    # within 1e-6
        elif v < 0.08:
            rec["amount"] = rec["amount"] * 1.5     # not within 1e-6
        elif v < 0.10:
            rec["country"] = "XX"
        elif v < 0.11:
            del rec["merchant"]
        elif v < 0.12:
            rec["extra"] = 1
        out.append(rec)
        if rng.random() < 0.02:             # a record of a new key
            n = dict(rec)
            n["ts"] = rec["ts"] + 5
            out.append(n)
    if shuffle:
        rng.shuffle(out)
    for rec in out:
        sys.stdout.write(json.dumps(rec, separators=(",", ":")) + "\n")


def sortrecs(keys):
    recs = [json.loads(line) for line in sys.stdin if line.strip()]
    recs.sort(key=lambda r: keyof(r, keys))
    for rec in recs:
        sys.stdout.write(json.dumps(rec, separators=(",", ":")) + "\n")


def same(a, b, tol, rel):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b:
            return True
        t = tol * max(abs(a), abs(b)) if rel else tol
        return abs(a - b) <= t
    return type(a) is type(b) and a == b


def diff(keys, tolarg, ignore, lpath, rpath):
    rel = tolarg.endswith("%")
    tol = float(tolarg.rstrip("%"))
    if rel:
        tol /= 100
    left, right = load(lpath), load(rpath)
    byk = {}
    for i, rec in enumerate(right):
        byk.setdefault(keyof(rec, keys), []).append(i)
    used = set()
    s = dict(matched=0, differing=0, missing_left=0, missing_right=0)
    fields = {}
    for rec in left:
        q = byk.get(keyof(rec, keys))
        if not q:
            s["missing_right"] += 1
            continue
        j = q.pop(0)
        used.add(j)
        other = right[j]
        bad = [f for f in set(rec) | set(other) if f not in ignore and
               (f not in rec or f not in other or
                not same(rec[f], other[f], tol, rel))]
        if bad:
            s["differing"] += 1
            for f in bad:
                fields[f] = fields.get(f, 0) + 1
        else:
            s["matched"] += 1
    s["missing_left"] = len(right) - len(used)
    pairs = s["matched"] + s["differing"]
    out = {"left": len(left), "right": len(right), "pairs": pairs}
    out.update(s)
    out["bad_left"] = out["bad_right"] = 0     # load() takes only JSON
    out["fields"] = dict(sorted(fields.items()))
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "perturb":
        perturb(int(sys.argv[2]), len(sys.argv) > 3)
    elif cmd == "sort":
        sortrecs(sys.argv[2].split(","))
    else:
        ign = set(x for x in sys.argv[4].split(",") if x)
        diff(sys.argv[2].split(","), sys.argv[3], ign, sys.argv[5],
             sys.argv[6])
