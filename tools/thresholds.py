#!/usr/bin/env python3
"""Summarises the pHash distances of `./ftval compare --json` runs for threshold calibration.

  python3 tools/thresholds.py RUN.json [RUN.json ...] [--k 4,8,16,32] [--per-pair] [--per-kind]
                              [--honest REGEX] [--stress REGEX] [--dishonest REGEX] [--cross]

Every run renders one seed, prompt set and settings for submissions whose truth is known from their
names: --honest (default '^honest|^merged') are replicas of one fine-tune, --dishonest (default
'^dishonest') are not, --stress (default '^stress') are replicas made in a precision the task does
not allow (bfloat16 autocast): reported beside the honest ones, never used to choose a threshold.
Pairs are formed inside each run (one device renders every submission of an image, as a worker
does) and, with --cross, also across runs of the same seed (each submission on its own device).

For each K it looks at every window of K consecutive images of every pair and prints, per rule
(same iff statistic < T):
  mean rule:        the largest honest mean and the smallest dishonest mean,
  every-image rule: the largest honest per-image distance and the smallest dishonest window max,
the thresholds that separate all windows, and (--per-kind) the closest window of each dishonest kind.
Only the standard library is used.
"""
import argparse
import itertools
import json
import re
import sys


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def load(path):
    with open(path) as f:
        run = json.load(f)
    subs = {s["id"]: s["hashes"] for s in run["submissions"] if not s.get("error")}
    return {"name": path, "seed": run["seed"], "subs": subs, "images": run["images"]}


def kind_of(name, patterns):
    for kind in ("honest", "stress", "dishonest"):
        if patterns[kind].search(name):
            return kind
    return None


def pair_kind(a, b, patterns):
    """honest: two honest replicas; stress: a stress replica and an honest one; dishonest: a
    dishonest submission and an honest one. Other pairs (two dishonest ones) carry no truth."""
    ka, kb = kind_of(a, patterns), kind_of(b, patterns)
    kinds = {ka, kb}
    if kinds == {"honest"}:
        return "honest"
    if kinds == {"honest", "stress"}:
        return "stress"
    if kinds == {"honest", "dishonest"}:
        return "dishonest"
    return None


def dishonest_name(a, b, patterns):
    return a if kind_of(a, patterns) == "dishonest" else b


def pairs(runs, patterns, cross):
    """Yields (kind, dishonest submission or None, label, per-image distances)."""
    for r in runs:
        for a, b in itertools.combinations(sorted(r["subs"]), 2):
            k = pair_kind(a, b, patterns)
            if k:
                yield k, dishonest_name(a, b, patterns) if k == "dishonest" else None, "%s~%s @%s" % (a, b, r["name"]), \
                    [hamming(x, y) for x, y in zip(r["subs"][a], r["subs"][b])]
    if cross:
        for r1, r2 in itertools.combinations(runs, 2):
            if r1["seed"] != r2["seed"]:
                continue
            for a in sorted(r1["subs"]):
                for b in sorted(r2["subs"]):
                    k = "honest" if a == b and kind_of(a, patterns) == "honest" else pair_kind(a, b, patterns)
                    if k and (a != b or k == "honest"):
                        yield k, dishonest_name(a, b, patterns) if k == "dishonest" else None, \
                            "%s@%s~%s@%s" % (a, r1["name"], b, r2["name"]), \
                            [hamming(x, y) for x, y in zip(r1["subs"][a], r2["subs"][b])]


def windows(d, k):
    return [d[i:i + k] for i in range(0, len(d) - k + 1)]


def mean(w):
    return sum(w) / len(w)


def extremes(ps, k, stat, pick):
    values = [stat(w) for _, _, _, d in ps for w in windows(d, k)]
    return pick(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--honest", default=r"^honest|^merged")
    ap.add_argument("--stress", default=r"^stress")
    ap.add_argument("--dishonest", default=r"^dishonest")
    ap.add_argument("--k", default="1,2,4,8,16,32")
    ap.add_argument("--cross", action="store_true", help="also pair submissions across runs of the same seed")
    ap.add_argument("--per-pair", action="store_true", help="print every pair's distances")
    ap.add_argument("--per-kind", action="store_true", help="print the closest window of each dishonest submission per K")
    ap.add_argument("--rates", metavar="RULE:T,...", help="error rates in disjoint windows for these rules and "
                    "thresholds, e.g. mean:5,every-image:8: the share of honest windows called different and of "
                    "dishonest windows called the same")
    a = ap.parse_args()
    patterns = {"honest": re.compile(a.honest), "stress": re.compile(a.stress), "dishonest": re.compile(a.dishonest)}
    runs = [load(p) for p in a.runs]
    ps = list(pairs(runs, patterns, a.cross))
    if not ps:
        sys.exit("no honest or dishonest pairs: check --honest / --dishonest")
    n = min(len(d) for _, _, _, d in ps)
    ps = [(k, s, l, d[:n]) for k, s, l, d in ps]
    by_kind = {kind: [p for p in ps if p[0] == kind] for kind in ("honest", "stress", "dishonest")}
    print("%d runs, %d images, %d honest pairs, %d stress pairs, %d dishonest pairs"
          % (len(runs), n, len(by_kind["honest"]), len(by_kind["stress"]), len(by_kind["dishonest"])))
    if a.per_pair:
        for k, _, l, d in ps:
            print("  %-9s %-70s mean %5.2f max %2d  %s" % (k, l, mean(d), max(d), " ".join(map(str, d))))
    for kind in ("honest", "stress", "dishonest"):
        flat = sorted(x for _, _, _, d in by_kind[kind] for x in d)
        if flat:
            share0 = sum(1 for x in flat if x == 0) / len(flat)
            print("%-9s per-image distances: min %d, median %d, 99th percentile %d, max %d; %.1f%% at 0"
                  % (kind, flat[0], flat[len(flat) // 2], flat[min(len(flat) - 1, int(0.99 * len(flat)))], flat[-1], 100 * share0))
    print()
    ks = [int(x) for x in a.k.split(",") if int(x) <= n]
    print("| K | mean: honest max | stress max | dishonest min | separating T | every-image: honest max | stress max"
          " | dishonest min of window max | separating T |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in ks:
        hm = extremes(by_kind["honest"], k, mean, max)
        sm = extremes(by_kind["stress"], k, mean, max)
        dm = extremes(by_kind["dishonest"], k, mean, min)
        he = extremes(by_kind["honest"], k, max, max)
        se = extremes(by_kind["stress"], k, max, max)
        de = extremes(by_kind["dishonest"], k, max, min)
        # same iff statistic < T: T must exceed every honest value and not exceed any dishonest one
        tm = "(%.2f, %.2f]" % (hm, dm) if hm < dm else "none"
        te = "[%d, %d]" % (he + 1, de) if he < de else "none"
        print("| %d | %.2f | %.2f | %.2f | %s | %d | %s | %d | %s |"
              % (k, hm, sm, dm, tm, he, "-" if se != se else "%d" % se, de, te))
    if a.rates:
        print()
        print("error rates in disjoint windows: honest called different / dishonest called the same (windows)")
        cases = [(r, float(t)) for r, t in (c.split(":") for c in a.rates.split(","))]
        stat = {"mean": mean, "every-image": max}
        print("| K | " + " | ".join("%s T=%g" % c for c in cases) + " |")
        print("|---|" + "---|" * len(cases))
        for k in ks:
            cells = []
            for rule, t in cases:
                hw = [stat[rule](d[i:i + k]) for _, _, _, d in by_kind["honest"] for i in range(0, n - k + 1, k)]
                dw = [stat[rule](d[i:i + k]) for _, _, _, d in by_kind["dishonest"] for i in range(0, n - k + 1, k)]
                cells.append("%.3f (%d) / %.3f (%d)" % (sum(v >= t for v in hw) / max(1, len(hw)), len(hw),
                                                        sum(v < t for v in dw) / max(1, len(dw)), len(dw)))
            print("| %d | %s |" % (k, " | ".join(cells)))
    if a.per_kind:
        print()
        names = sorted({s for _, s, _, _ in by_kind["dishonest"]})
        print("closest window per dishonest submission (mean rule: smallest mean / every-image: smallest max)")
        print("| submission | " + " | ".join("K=%d" % k for k in ks) + " |")
        print("|---|" + "---|" * len(ks))
        for name in names:
            mine = [p for p in by_kind["dishonest"] if p[1] == name]
            print("| %s | %s |" % (name, " | ".join("%.2f / %d" % (extremes(mine, k, mean, min), extremes(mine, k, max, min))
                                                   for k in ks)))


if __name__ == "__main__":
    main()
