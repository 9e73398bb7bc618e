#!/usr/bin/env python3
"""An independent evaluator of tide-expr(7), and the generators of the
expressions tests/cli/where.sh checks tide's --where against.

    expr_oracle.py eval EXPR FILE      the lines of FILE that EXPR keeps
    expr_oracle.py evalmany EXPRS FILE DIR
                                       the same for each line N of EXPRS
                                       (from 1), into DIR/N
    expr_oracle.py jqpairs N SEED      N lines "TIDE-EXPR<TAB>JQ-EXPR" on
                                       tide-gen transactions
    expr_oracle.py mixed N SEED        N records with fields missing, null
                                       and of every type
    expr_oracle.py mixedexprs N SEED   N expressions on those records

The evaluator is written from the man page, not from lib/expr.c: a
comparison across types or with a missing field is false; integers are
exact; only the boolean true passes.
"""
import datetime
import json
import math
import random
import re
import sys

MISSING = object()          # a missing field, or no value
INT64 = (-(1 << 63), (1 << 63) - 1)


class Time:
    def __init__(self, ms):
        self.ms = ms


class Regex:
    def __init__(self, pat, flags):
        f = 0
        for c in flags:
            f |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[c]
        self.re = re.compile(pat, f)


def rfc3339_ms(s):
    """RFC 3339 text to epoch ms, or None."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})"
                     r"(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", s)
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    try:
        dt = datetime.datetime(y, mo, d, h, mi, se,
                               tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    ms = int(dt.timestamp()) * 1000
    if m.group(7):
        ms += int((m.group(7)[1:] + "000")[:3])
    z = m.group(8)
    if z not in ("Z", "z"):
        off = (int(z[1:3]) * 60 + int(z[4:6])) * 60000
        ms -= off if z[0] == "+" else -off
    return ms


# ---- parsing: a small recursive descent, as tide-expr(7) writes it -------

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<time>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<meta>@[A-Za-z_]+(?:\.[A-Za-z_][A-Za-z0-9_-]*)?)
  | (?P<op>==|!=|<=|>=|=~|[<>()+\-*/,.])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.X)


REGEX = re.compile(r"\s*(/(?:[^/\\]|\\.)*/[imsx]*)")


def tokens(text):
    out, i = [], 0
    while i < len(text):
        if out and out[-1][1] == "=~":    # a regex only after =~
            m = REGEX.match(text, i)
            if not m:
                raise SyntaxError("expected /regex/ at %d" % i)
            out.append(("regex", m.group(1)))
            i = m.end()
            continue
        m = TOKEN.match(text, i)
        if not m:
            raise SyntaxError("bad token at %d" % i)
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
        i = m.end()
    out.append(("end", ""))
    return out


class Parser:
    def __init__(self, text):
        self.t = tokens(text)
        self.i = 0

    def peek(self, v=None):
        k, s = self.t[self.i]
        return s == v if v is not None else (k, s)

    def take(self, v=None):
        k, s = self.t[self.i]
        if v is not None and s != v:
            raise SyntaxError("expected %s, got %s" % (v, s))
        self.i += 1
        return k, s

    def word(self, w):
        k, s = self.t[self.i]
        return k == "word" and s == w

    def parse(self):
        e = self.or_()
        self.take("")
        return e

    def or_(self):
        a = self.and_()
        while self.word("or"):
            self.take()
            a = ("or", a, self.and_())
        return a

    def and_(self):
        a = self.not_()
        while self.word("and"):
            self.take()
            a = ("and", a, self.not_())
        return a

    def not_(self):
        if self.word("not"):
            self.take()
            return ("not", self.not_())
        return self.cmp()

    def cmp(self):
        a = self.add()
        k, s = self.peek()
        if s in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            b = self.add()
            if s in ("==", "!=") and (b == ("lit", None) or
                                      a == ("lit", None)):
                x = a if b == ("lit", None) else b
                return ("isnull", x, s == "!=")
            return ("cmp", s, a, b)
        if s == "=~":
            self.take()
            k, r = self.take()
            end = r.rindex("/")
            return ("match", a, Regex(r[1:end].replace("\\/", "/"),
                                      r[end + 1:]))
        if self.word("is"):
            self.take()
            neg = self.word("not")
            if neg:
                self.take()
            self.take("null")
            return ("isnull", a, neg)
        neg = False
        if self.word("not"):
            self.take()
            neg = True
        if neg or self.word("in"):
            self.take("in")
            self.take("(")
            items = [self.add()]
            while self.peek(","):
                self.take()
                items.append(self.add())
            self.take(")")
            e = ("in", a, items)
            return ("not", e) if neg else e
        return a

    def add(self):
        a = self.mul()
        while self.peek("+") or self.peek("-"):
            _, op = self.take()
            a = ("arith", op, a, self.mul())
        return a

    def mul(self):
        a = self.unary()
        while self.peek("*") or self.peek("/"):
            _, op = self.take()
            a = ("arith", op, a, self.unary())
        return a

    def unary(self):
        if self.peek("-"):
            self.take()
            k, s = self.peek()
            if k == "num":
                self.take()
                return ("lit", -num(s))
            return ("arith", "-", ("lit", 0), self.unary())
        return self.primary()

    def primary(self):
        k, s = self.take()
        if s == "(":
            e = self.or_()
            self.take(")")
            return e
        if k == "num":
            return ("lit", num(s))
        if k == "str":
            return ("lit", json.loads(s))
        if k == "time":
            if "T" not in s:
                s += "T00:00:00Z"
            elif not re.search(r"(Z|[+-]\d{2}:\d{2})$", s):
                s += "Z"
            s = re.sub(r"T(\d{2}:\d{2})(Z|[+-])", r"T\1:00\2", s)
            return ("lit", Time(rfc3339_ms(s)))
        if k == "meta":
            return ("missing",)         # files have no metadata
        if s == ".":
            return self.path(self.take()[1])
        if k == "word":
            if s in ("true", "false"):
                return ("lit", s == "true")
            if s == "null":
                return ("lit", None)
            if self.peek("("):
                self.take()
                args = [self.or_()]
                while self.peek(","):
                    self.take()
                    args.append(self.or_())
                self.take(")")
                return ("call", s, args)
            return self.path(s)
        raise SyntaxError("unexpected %s" % s)

    def path(self, first):
        segs = [first]
        while self.peek("."):
            self.take()
            segs.append(self.take()[1])
        return ("path", segs)


def num(s):
    if re.fullmatch(r"\d+", s) and int(s) <= INT64[1]:
        return int(s)
    return float(s)


# ---- evaluation --------------------------------------------------------

def isnum(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or \
        isinstance(v, Time)


def numval(v):
    return v.ms if isinstance(v, Time) else v


def compare(a, b):
    """(order, eqonly) or None when a and b do not compare."""
    if a is MISSING or b is MISSING:
        return None
    if isinstance(a, Time) and isinstance(b, str):
        ms = rfc3339_ms(b)
        if ms is None:
            return None
        b = ms
    elif isinstance(b, Time) and isinstance(a, str):
        ms = rfc3339_ms(a)
        if ms is None:
            return None
        a = ms
    if isnum(a) and isnum(b):
        x, y = numval(a), numval(b)
        return ((x > y) - (x < y), False)
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.encode(), b.encode()
        return ((x > y) - (x < y), False)
    if isinstance(a, bool) and isinstance(b, bool):
        return (0 if a == b else 1, True)
    if a is None and b is None:
        return (0, True)
    return None


def holds(op, a, b):
    c = compare(a, b)
    if c is None:
        return False
    r, eqonly = c
    if op == "==":
        return r == 0
    if op == "!=":
        return r != 0
    if eqonly:
        return False
    return {"<": r < 0, "<=": r <= 0, ">": r > 0, ">=": r >= 0}[op]


def fit(v):
    """An integer result that left int64 becomes a double."""
    if isinstance(v, int) and not (INT64[0] <= v <= INT64[1]):
        return float(v)
    return v


def arith(op, a, b):
    if not isnum(a) or not isnum(b):
        return MISSING
    x, y = numval(a), numval(b)
    if isinstance(x, int) and isinstance(y, int):
        if op == "/":
            if y == 0:
                return MISSING
            if x % y == 0 and not (x == INT64[0] and y == -1):
                r = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
            else:
                return fdiv(float(x), float(y))
        else:
            r = {"+": x + y, "-": x - y, "*": x * y}[op]
        if INT64[0] <= r <= INT64[1]:
            if op in "+-" and isinstance(a, Time) != isinstance(b, Time):
                return Time(r)
            return r
        x, y = float(x), float(y)
    x, y = float(x), float(y)
    if op == "/":
        return fdiv(x, y)
    r = {"+": x + y, "-": x - y, "*": x * y}[op]
    return r if math.isfinite(r) else MISSING


def fdiv(x, y):
    if y == 0:
        return MISSING
    r = x / y
    return r if math.isfinite(r) else MISSING


def lookup(rec, segs):
    v = rec
    for s in segs:
        if not isinstance(v, dict) or s not in v:
            return MISSING
        v = v[s]
    return v


def typename(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isnum(v):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def call(name, args, rec):
    if name == "exists":
        return ev(args[0], rec) is not MISSING
    vs = [ev(a, rec) for a in args]
    a = vs[0]
    if name == "type":
        return MISSING if a is MISSING else typename(a)
    if name in ("starts_with", "ends_with", "contains"):
        b = vs[1]
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        x, y = a.encode(), b.encode()
        return {"starts_with": x.startswith(y), "ends_with": x.endswith(y),
                "contains": y in x}[name]
    if name == "abs":
        if not isnum(a):
            return MISSING
        return fit(abs(numval(a)))
    if name == "len":
        if a is None:
            return 0
        if isinstance(a, (str, list, dict)):
            return len(a)
        return MISSING
    if name == "lower":
        if not isinstance(a, str):
            return MISSING
        return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c
                       for c in a)
    raise SyntaxError("unknown function " + name)


def ev(e, rec):
    k = e[0]
    if k == "lit":
        return e[1]
    if k == "path":
        return lookup(rec, e[1])
    if k == "missing":
        return MISSING
    if k == "and":
        return ev(e[1], rec) is True and ev(e[2], rec) is True
    if k == "or":
        return ev(e[1], rec) is True or ev(e[2], rec) is True
    if k == "not":
        return ev(e[1], rec) is not True
    if k == "cmp":
        return holds(e[1], ev(e[2], rec), ev(e[3], rec))
    if k == "in":
        a = ev(e[1], rec)
        return any(holds("==", a, ev(x, rec)) for x in e[2])
    if k == "isnull":
        v = ev(e[1], rec)
        r = v is None or v is MISSING
        return not r if e[2] else r
    if k == "match":
        a = ev(e[1], rec)
        return isinstance(a, str) and e[2].re.search(a) is not None
    if k == "arith":
        return arith(e[1], ev(e[2], rec), ev(e[3], rec))
    if k == "call":
        return call(e[1], e[2], rec)
    raise SyntaxError(k)


def keeps(tree, line):
    try:
        rec = json.loads(line)
    except ValueError:
        rec = None
    if not isinstance(rec, dict):
        rec = {}
    return ev(tree, rec) is True


# ---- generators ---------------------------------------------------------

T0 = 1793491200000          # tide-gen's default start, 2026-11-01T00:00Z


def iso(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def jq_atom(r):
    """One condition on tide-gen transactions: (tide, jq)."""
    op = r.choice(["==", "!=", "<", "<=", ">", ">="])
    n = r.choice([5, 10, 12.5, 20, 50, 100, 250.75, 1000])
    t = T0 + r.randrange(0, 200) * 1000
    c = r.choice(["DE", "FR", "US", "GB", "IT", "AU"])
    cs = r.sample(["DE", "FR", "US", "GB", "IT", "AU", "XX"], r.randint(1, 4))
    k = r.randrange(22)
    if k == 0:
        return "amount %s %s" % (op, n), ".amount %s %s" % (op, n)
    if k == 1:
        return "ts %s %s" % (op, iso(t)), ".ts %s %d" % (op, t)
    if k == 2:
        return ("country in (%s)" % ", ".join('"%s"' % x for x in cs),
                "(%s)" % " or ".join('.country == "%s"' % x for x in cs))
    if k == 3:
        return 'country %s "%s"' % (op, c), '.country %s "%s"' % (op, c)
    if k == 4:
        return "card_present", ".card_present"
    if k == 5:
        return "card_present == false", ".card_present == false"
    if k == 6:
        p = "a00%d" % r.randrange(10)
        return ('starts_with(account, "%s")' % p,
                '(.account | startswith("%s"))' % p)
    if k == 7:
        p = str(r.randrange(10))
        return ('ends_with(merchant, "%s")' % p,
                '(.merchant | endswith("%s"))' % p)
    if k == 8:
        p = "%02d" % r.randrange(100)
        return ('contains(account, "%s")' % p,
                '(.account | contains("%s"))' % p)
    if k == 9:
        p = "^m000%d[0-9]" % r.randrange(10)
        return "merchant =~ /%s/" % p, '(.merchant | test("%s"))' % p
    if k == 10:
        return ('lower(country) == "%s"' % c.lower(),
                '(.country | ascii_downcase) == "%s"' % c.lower())
    if k == 11:
        return ("len(account) %s 7" % op, "(.account | length) %s 7" % op)
    if k == 12:
        return ("abs(amount - %s) < 10" % n,
                "((.amount - %s) | fabs) < 10" % n)
    if k == 13:
        return ("amount * 2 + 1 %s %s" % (op, n),
                ".amount * 2 + 1 %s %s" % (op, n))
    if k == 14:
        return ("amount / 3 - 1 %s %s" % (op, n),
                ".amount / 3 - 1 %s %s" % (op, n))
    if k == 15:
        return ('type(amount) == "number"', '(.amount | type) == "number"')
    if k == 16:
        f = r.choice(["amount", "nope"])
        return "exists(%s)" % f, 'has("%s")' % f
    if k == 17:
        return "account is not null", "(.account != null)"
    if k == 18:
        return "nope is null", "(.nope == null)"
    if k == 19:
        return ("(ts - %d) / 1000 %s 100" % (T0, op),
                "(.ts - %d) / 1000 %s 100" % (T0, op))
    if k == 20:
        return ('merchant =~ /^M00/i', '(.merchant | test("^M00"; "i"))')
    return ("country not in (%s)" % ", ".join('"%s"' % x for x in cs),
            "((%s) | not)" % " or ".join('.country == "%s"' % x for x in cs))


def jq_expr(r, depth):
    if depth == 0 or r.random() < 0.35:
        return jq_atom(r)
    k = r.randrange(3)
    if k == 2:
        a = jq_expr(r, depth - 1)
        return "not (%s)" % a[0], "((%s) | not)" % a[1]
    a, b = jq_expr(r, depth - 1), jq_expr(r, depth - 1)
    w = ["and", "or"][k]
    return ("(%s %s %s)" % (a[0], w, b[0]), "(%s %s %s)" % (a[1], w, b[1]))


def mixed_value(r):
    k = r.randrange(9)
    return [MISSING, None, True, False, r.randint(-5, 5),
            r.choice([-2.5, 0.5, 3.0, 1e3]),
            r.choice(["", "3", "abc", "ABC", "2026-11-01T00:00:05Z", "é"]),
            [1, "a"][:r.randint(0, 2)], {"y": r.choice([1, "1", None])}][k]


def mixed(r, n):
    for _ in range(n):
        rec = {}
        for f in ("a", "b", "s", "o"):
            v = mixed_value(r)
            if v is not MISSING:
                rec[f] = v
        print(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))


def mixed_lit(r):
    return r.choice(["0", "3", "-2.5", "0.5", "1000", '"3"', '"abc"', '""',
                     "true", "false", "null", "2026-11-01T00:00:05Z",
                     '"ABC"', "9007199254740993"])


def mixed_term(r):
    f = r.choice(["a", "b", "s", "o.y", "nope"])
    k = r.randrange(8)
    if k == 0:
        return "%s + %s" % (f, r.choice(["1", "b", "0.5"]))
    if k == 1:
        return "%s * %s" % (f, r.choice(["2", "a"]))
    if k == 2:
        return "%s / %s" % (f, r.choice(["2", "0", "a"]))
    if k == 3:
        return "len(%s)" % f
    if k == 4:
        return "abs(%s)" % f
    if k == 5:
        return "lower(%s)" % f
    return f


def mixed_atom(r):
    f = r.choice(["a", "b", "s", "o", "o.y", "nope"])
    k = r.randrange(10)
    op = r.choice(["==", "!=", "<", "<=", ">", ">="])
    if k <= 2:
        return "%s %s %s" % (mixed_term(r), op, mixed_lit(r))
    if k == 3:
        return "%s %s %s" % (mixed_term(r), op, mixed_term(r))
    if k == 4:
        return "%s is %snull" % (f, r.choice(["", "not "]))
    if k == 5:
        return "exists(%s)" % f
    if k == 6:
        return 'type(%s) == "%s"' % (f, r.choice(
            ["null", "boolean", "number", "string", "array", "object"]))
    if k == 7:
        return "%s in (%s, %s)" % (f, mixed_lit(r), mixed_lit(r))
    if k == 8:
        return '%s(%s, "%s")' % (r.choice(["starts_with", "ends_with",
                                           "contains"]), f,
                                 r.choice(["a", "", "3", "b"]))
    return "%s =~ /%s/%s" % (f, r.choice(["^a", "b", "C$", "^$", "^\\d"]),
                             r.choice(["", "i"]))


def mixed_expr(r, depth):
    if depth == 0 or r.random() < 0.4:
        return mixed_atom(r)
    k = r.randrange(3)
    if k == 2:
        return "not (%s)" % mixed_expr(r, depth - 1)
    return "(%s %s %s)" % (mixed_expr(r, depth - 1), ["and", "or"][k],
                           mixed_expr(r, depth - 1))


def main():
    cmd = sys.argv[1]
    if cmd == "eval":
        tree = Parser(sys.argv[2]).parse()
        with open(sys.argv[3], encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith('{"@barrier":') or keeps(tree, line):
                    print(line)
    elif cmd == "evalmany":
        with open(sys.argv[3], encoding="utf-8") as f:
            lines = [x.rstrip("\n") for x in f]
        recs = [json.loads(x) if x.startswith("{") else {} for x in lines]
        with open(sys.argv[2], encoding="utf-8") as f:
            for n, text in enumerate(f, 1):
                tree = Parser(text.rstrip("\n")).parse()
                with open("%s/%d" % (sys.argv[4], n), "w",
                          encoding="utf-8") as out:
                    for line, rec in zip(lines, recs):
                        if line.startswith('{"@barrier":') or \
                                ev(tree, rec if isinstance(rec, dict)
                                   else {}) is True:
                            out.write(line + "\n")
    elif cmd == "jqpairs":
        r = random.Random(int(sys.argv[3]))
        for _ in range(int(sys.argv[2])):
            print("%s\t%s" % jq_expr(r, 3))
    elif cmd == "mixed":
        mixed(random.Random(int(sys.argv[3])), int(sys.argv[2]))
    elif cmd == "mixedexprs":
        r = random.Random(int(sys.argv[3]))
        for _ in range(int(sys.argv[2])):
            print(mixed_expr(r, 2))
    else:
        sys.exit("usage: expr_oracle.py eval|jqpairs|mixed|mixedexprs ...")


if __name__ == "__main__":
    main()
