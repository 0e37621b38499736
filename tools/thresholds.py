#!/usr/bin/env python3
"""Summarises the pHash distances of `./ftval compare --json` runs for threshold calibration.

  python3 tools/thresholds.py RUN.json [RUN.json ...] [--honest REGEX] [--dishonest REGEX] [--k 1,2,4,8,16]

Every run renders the same seed, prompts and settings for a set of submissions whose truth is
known from their names: --honest (default '^honest|^merged') are replicas of one fine-tune,
--dishonest (default '^dishonest') are not. Pairs are formed inside each run (one device renders
every submission of an image, as a worker does) and, with --cross, also across runs (each
submission rendered on its own device, as in the reference network).

For each K it looks at every window of K consecutive images and prints, per rule:
  mean rule:        the largest honest mean and the smallest dishonest mean,
  every-image rule: the largest honest per-image distance and the smallest dishonest window max,
the gap between them and the thresholds T (same iff statistic < T) that separate all windows.
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
    return {"name": path, "subs": subs, "images": run["images"]}


def pairs(runs, honest, dishonest, cross):
    """Yields (kind, label, per-image distances); kind is 'honest' or 'dishonest'."""
    def kind(a, b):
        ha, hb = honest.search(a), honest.search(b)
        da, db = dishonest.search(a), dishonest.search(b)
        if ha and hb:
            return "honest"
        if (ha and db) or (da and hb):
            return "dishonest"
        return None

    for r in runs:
        for a, b in itertools.combinations(sorted(r["subs"]), 2):
            k = kind(a, b)
            if k:
                yield k, "%s~%s @%s" % (a, b, r["name"]), [hamming(x, y) for x, y in zip(r["subs"][a], r["subs"][b])]
    if cross:
        for r1, r2 in itertools.combinations(runs, 2):
            for a in sorted(r1["subs"]):
                for b in sorted(r2["subs"]):
                    k = kind(a, b) if a != b else "honest" if honest.search(a) else None
                    if k:
                        yield k, "%s@%s~%s@%s" % (a, r1["name"], b, r2["name"]), \
                            [hamming(x, y) for x, y in zip(r1["subs"][a], r2["subs"][b])]


def windows(d, k):
    return [d[i:i + k] for i in range(0, len(d) - k + 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--honest", default=r"^honest|^merged")
    ap.add_argument("--dishonest", default=r"^dishonest")
    ap.add_argument("--k", default="1,2,4,8,16")
    ap.add_argument("--cross", action="store_true", help="also pair submissions across runs")
    ap.add_argument("--per-pair", action="store_true", help="print every pair's distances")
    a = ap.parse_args()
    runs = [load(p) for p in a.runs]
    ps = list(pairs(runs, re.compile(a.honest), re.compile(a.dishonest), a.cross))
    if not ps:
        sys.exit("no honest or dishonest pairs: check --honest / --dishonest")
    n = min(len(d) for _, _, d in ps)
    honest = [(l, d) for k, l, d in ps if k == "honest"]
    dishonest = [(l, d) for k, l, d in ps if k == "dishonest"]
    print("%d runs, %d images, %d honest pairs, %d dishonest pairs" % (len(runs), n, len(honest), len(dishonest)))
    if a.per_pair:
        for k, l, d in ps:
            print("  %-9s %-60s mean %5.2f max %2d  %s" % (k, l, sum(d) / len(d), max(d), " ".join(map(str, d))))
    all_h = [x for _, d in honest for x in d]
    all_d = [x for _, d in dishonest for x in d]
    if all_h:
        print("honest per-image distances:    min %d, median %d, max %d" % (min(all_h), sorted(all_h)[len(all_h) // 2], max(all_h)))
    if all_d:
        print("dishonest per-image distances: min %d, median %d, max %d" % (min(all_d), sorted(all_d)[len(all_d) // 2], max(all_d)))
    print()
    print("| K | mean rule: honest max | dishonest min | separating T | every-image: honest max | dishonest min of window max | separating T |")
    print("|---|---|---|---|---|---|---|")
    for k in [int(x) for x in a.k.split(",") if int(x) <= n]:
        hm = max((sum(w) / k for _, d in honest for w in windows(d[:n], k)), default=float("nan"))
        dm = min((sum(w) / k for _, d in dishonest for w in windows(d[:n], k)), default=float("nan"))
        he = max((max(w) for _, d in honest for w in windows(d[:n], k)), default=0)
        de = min((max(w) for _, d in dishonest for w in windows(d[:n], k)), default=0)
        # same iff statistic < T: T must exceed every honest value and not exceed any dishonest one
        tm = "(%.2f, %.2f]" % (hm, dm) if hm < dm else "none"
        te = "[%d, %d]" % (he + 1, de) if he < de else "none"
        print("| %d | %.2f | %.2f | %s | %d | %d | %s |" % (k, hm, dm, tm, he, de, te))


if __name__ == "__main__":
    main()
