#!/usr/bin/python3
"""tide-check against python3-jsonschema (Draft202012Validator): a seeded
corpus of schemas and records, each schema's records checked by one run
of tide-check; the records it passes (stdout) and those it dead-letters
(by line number) must be python's verdicts exactly.

usage: jschema_corpus.py TIDE_CHECK DIR SEED NSCHEMAS NRECORDS

Prints "pairs N, valid V, invalid I, mismatches M" and the first
mismatches; exit 1 on any.  `format` is left out (Debian's jsonschema has
no RFC 3339 checker) and patterns are a subset PCRE2 and Python's re
read alike."""
import json
import os
import random
import subprocess
import sys

from jsonschema import Draft202012Validator

PATTERNS = ["^a", "b$", "^[a-c]+$", "[0-9]{2}", "^x.*y$", "a|b", "^(ab)+$",
            "^.{2,3}$", "c", "^[^x]*$", "é"]
ALPHA = "abcxy019é😀"
NAMES = ["a", "b", "c", "id", "n", "x~y", "s/t"]


def rstr(rnd):
    return "".join(rnd.choice(ALPHA) for _ in range(rnd.randint(0, 5)))


def rnum(rnd):
    k = rnd.random()
    if k < 0.5:
        return rnd.randint(-5, 15)
    if k < 0.75:
        return rnd.randint(-10, 30) / 2
    return float(rnd.randint(-5, 15))


def rscalar(rnd):
    k = rnd.random()
    if k < 0.35:
        return rstr(rnd)
    if k < 0.75:
        return rnum(rnd)
    if k < 0.85:
        return None
    return rnd.random() < 0.5


def rconst(rnd):
    """An enum/const value: no booleans nested (jsonschema 4.10 compares
    [true] and [1] as equal)."""
    k = rnd.random()
    if k < 0.8:
        return rscalar(rnd)
    if k < 0.9:
        return [rstr(rnd) for _ in range(rnd.randint(0, 2))]
    return {rnd.choice(NAMES): rnd.randint(0, 3)}


def rschema(rnd, depth, defs):
    if depth > 2 or rnd.random() < 0.1:
        return rnd.choice([True, False, {}, {"type": "string"}])
    s = {}
    kind = rnd.choice(["string", "number", "integer", "object", "array",
                       "any", "comb"])
    if kind == "string":
        if rnd.random() < 0.8:
            s["type"] = "string"
        if rnd.random() < 0.4:
            s["minLength"] = rnd.randint(0, 3)
        if rnd.random() < 0.4:
            s["maxLength"] = rnd.randint(1, 4)
        if rnd.random() < 0.4:
            s["pattern"] = rnd.choice(PATTERNS)
    elif kind in ("number", "integer"):
        if rnd.random() < 0.8:
            s["type"] = kind
        for kw in ("minimum", "maximum", "exclusiveMinimum",
                   "exclusiveMaximum"):
            if rnd.random() < 0.3:
                s[kw] = rnum(rnd)
    elif kind == "object":
        s["type"] = "object"
        props = {}
        for n in rnd.sample(NAMES, rnd.randint(0, 3)):
            props[n] = rschema(rnd, depth + 1, defs)
        if props or rnd.random() < 0.5:
            s["properties"] = props
        if rnd.random() < 0.5:
            s["required"] = rnd.sample(NAMES, rnd.randint(0, 2))
        if rnd.random() < 0.3:
            s["additionalProperties"] = rnd.choice(
                [False, True, rschema(rnd, depth + 1, defs)])
        if rnd.random() < 0.2:
            s["minProperties"] = rnd.randint(0, 2)
        if rnd.random() < 0.2:
            s["maxProperties"] = rnd.randint(1, 3)
    elif kind == "array":
        s["type"] = "array"
        if rnd.random() < 0.7:
            s["items"] = rschema(rnd, depth + 1, defs)
        if rnd.random() < 0.3:
            s["minItems"] = rnd.randint(0, 2)
        if rnd.random() < 0.3:
            s["maxItems"] = rnd.randint(1, 3)
    elif kind == "any":
        k = rnd.random()
        if k < 0.3:
            s["enum"] = [rconst(rnd) for _ in range(rnd.randint(1, 4))]
        elif k < 0.5:
            s["const"] = rconst(rnd)
        elif k < 0.7:
            s["type"] = rnd.sample(["null", "boolean", "string", "number",
                                    "integer", "object", "array"],
                                   rnd.randint(1, 3))
        elif defs:
            s["$ref"] = "#/$defs/" + rnd.choice(sorted(defs))
        else:
            s["type"] = "null"
    else:
        kw = rnd.choice(["allOf", "anyOf", "oneOf", "not"])
        if kw == "not":
            s["not"] = rschema(rnd, depth + 1, defs)
        else:
            s[kw] = [rschema(rnd, depth + 1, defs)
                     for _ in range(rnd.randint(1, 3))]
    return s


def rvalue(rnd, schema, depth):
    """A value near the schema: often valid, often just off."""
    if depth > 3:
        return rscalar(rnd)
    if not isinstance(schema, dict) or rnd.random() < 0.15:
        k = rnd.random()
        if k < 0.6 or depth > 2:
            return rscalar(rnd)
        if k < 0.8:
            return [rscalar(rnd) for _ in range(rnd.randint(0, 3))]
        return {n: rscalar(rnd) for n in rnd.sample(NAMES, 2)}
    if "enum" in schema and rnd.random() < 0.6:
        return rnd.choice(schema["enum"])
    if "const" in schema and rnd.random() < 0.6:
        return schema["const"]
    t = schema.get("type")
    if isinstance(t, list):
        t = rnd.choice(t)
    if t == "object" or "properties" in schema:
        o = {}
        props = schema.get("properties", {})
        for n in NAMES:
            if n in props and rnd.random() < 0.8:
                o[n] = rvalue(rnd, props[n], depth + 1)
            elif rnd.random() < 0.15:
                o[n] = rvalue(rnd, schema.get("additionalProperties",
                                              {}), depth + 1)
        return o
    if t == "array":
        return [rvalue(rnd, schema.get("items", {}), depth + 1)
                for _ in range(rnd.randint(0, 4))]
    if t == "string":
        return rstr(rnd)
    if t in ("number", "integer"):
        return rnum(rnd)
    for kw in ("allOf", "anyOf", "oneOf"):
        if kw in schema:
            return rvalue(rnd, rnd.choice(schema[kw]), depth)
    return rscalar(rnd)


def main():
    tool, d, seed, nschemas, nrec = sys.argv[1], sys.argv[2], \
        int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rnd = random.Random(seed)
    pairs = valid = invalid = 0
    bad = []
    for i in range(nschemas):
        defs = {}
        for k in range(rnd.randint(0, 2)):
            defs["d%d" % k] = rschema(rnd, 2, {})
        top = rschema(rnd, 1, defs)
        if not isinstance(top, dict):
            top = {}
        top = dict(top)
        top["type"] = "object"
        top.setdefault("properties", {})
        for n in rnd.sample(NAMES, rnd.randint(1, 3)):
            top["properties"][n] = rschema(rnd, 1, defs)
        if defs:
            top["$defs"] = defs
        if rnd.random() < 0.3:
            top["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        v = Draft202012Validator(top)
        recs = []
        for _ in range(nrec):
            r = rvalue(rnd, top, 0)
            if not isinstance(r, dict):
                r = {}
            recs.append(json.dumps(r, ensure_ascii=rnd.random() < 0.3))
        sp = os.path.join(d, "s%d.json" % i)
        dl = os.path.join(d, "dl%d" % i)
        with open(sp, "w") as f:
            json.dump(top, f)
        if os.path.exists(dl):
            os.unlink(dl)
        p = subprocess.run([tool, "-s", sp, "--dead-letter", dl,
                            "--max-bad", "100%", "-q"],
                           input="".join(x + "\n" for x in recs),
                           capture_output=True, text=True)
        if p.returncode != 0:
            bad.append("schema %d: exit %d: %s" % (i, p.returncode,
                                                    p.stderr.strip()))
            continue
        failed = set()
        if os.path.exists(dl):
            with open(dl) as f:
                for line in f:
                    failed.add(json.loads(line)["line"])
        out = p.stdout.splitlines()
        want_out = []
        for n, r in enumerate(recs, 1):
            ok = v.is_valid(json.loads(r))
            pairs += 1
            valid += ok
            invalid += not ok
            if ok:
                want_out.append(r)
            if ok == (n in failed):
                bad.append("schema %d (%s) record %s: python %s, "
                           "tide-check %s" % (i, sp, r,
                                              "valid" if ok else "invalid",
                                              "invalid" if ok else "valid"))
        if out != want_out and not bad:
            bad.append("schema %d: stdout is not the valid records" % i)
    print("pairs %d, valid %d, invalid %d, mismatches %d" %
          (pairs, valid, invalid, len(bad)))
    for b in bad[:10]:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
