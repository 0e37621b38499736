#!/usr/bin/python3
"""Does a cheap second distance widen the honest/dishonest margin where pHash is blind? (docs/accuracy.md)

  /usr/bin/python3 tools/second_opinion.py RUN.json [RUN.json ...] [--k 1,2,4,8]

RUN.json: tools/calibrate_reference.py output made with --thumbs (each submission's 16x16 grey
thumbnails beside its hashes). For every labelled pair (tools/accuracy.py's truth by name) and
every disjoint window of K images, three statistics:

  phash   the mean pHash Hamming distance (the cluster's rule)
  thumb   the mean over the window of the mean absolute grey-level difference of the two thumbnails
  both    a window is "same" only when both are below their thresholds

For each statistic and K it prints the worst honest and best dishonest value, whether they
separate, their gap relative to the honest spread, and the fewest errors (false rejects + false
accepts) any threshold (pair of thresholds for "both") can make: a threshold-free measure of how
well the statistic separates. A second opinion is worth offering only where it makes fewer errors
or a wider relative gap than pHash alone.
"""
import argparse
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from accuracy import hamming, kind_of, pair_truth  # noqa: E402


def load(path):
    with open(path) as f:
        run = json.load(f)
    out = {}
    for s in run["submissions"]:
        if s.get("error") or "thumbnails" not in s:
            continue
        out[s["id"]] = (s["hashes"], [bytes.fromhex(t) for t in s["thumbnails"]])
    return out


def thumb_distance(a, b):
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def windows(runs, k):
    """(truth, phash mean, thumb mean) for every labelled pair and disjoint window of k images."""
    out = []
    for subs in runs:
        for a, b in itertools.combinations(sorted(subs), 2):
            t = pair_truth(a, b)
            if t not in ("honest", "dishonest"):
                continue
            (ha, ta), (hb, tb) = subs[a], subs[b]
            n = min(len(ha), len(hb))
            for start in range(0, n - k + 1, k):
                idx = range(start, start + k)
                out.append((t, sum(hamming(ha[i], hb[i]) for i in idx) / k, sum(thumb_distance(ta[i], tb[i]) for i in idx) / k))
    return out


def fewest_errors_1d(values):
    """values: (truth, x). Fewest FR + FA over thresholds 'same iff x < T'."""
    xs = sorted(set(v for _, v in values))
    best = None
    for t in [xs[0]] + [(a + b) / 2 for a, b in zip(xs, xs[1:])] + [xs[-1] + 1]:
        errors = sum(1 for truth, v in values if (truth == "honest") != (v < t))
        if best is None or errors < best[0]:
            best = (errors, t)
    return best


def fewest_errors_2d(values):
    """values: (truth, x, y). Fewest FR + FA over 'same iff x < T and y < U': exact, one sweep over y per cut of x."""
    xs = sorted(set(v[1] for v in values))
    best = None
    for t in [xs[0]] + [(a + b) / 2 for a, b in zip(xs, xs[1:])] + [xs[-1] + 1]:
        honest_out = sum(1 for truth, x, _ in values if truth == "honest" and x >= t)  # rejected whatever U is
        inside = sorted((y, truth) for truth, x, y in values if x < t)
        # U below every y: every inside window rejected; moving U past each y accepts that window
        errors = honest_out + sum(1 for _, truth in inside if truth == "honest")
        cand = (errors, t, inside[0][0] if inside else 0.0)
        for i, (y, truth) in enumerate(inside):
            errors += -1 if truth == "honest" else 1
            nxt = inside[i + 1][0] if i + 1 < len(inside) else y + 1
            if nxt > y and errors < cand[0]:
                cand = (errors, t, (y + nxt) / 2)
        if best is None or cand[0] < best[0]:
            best = cand
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--k", default="1,2,4,8")
    a = ap.parse_args()
    runs = [load(p) for p in a.runs]
    print("| K | windows (honest / dishonest) | statistic | worst honest | best dishonest | separates | gap / honest spread | fewest errors |")
    print("|---|---|---|---|---|---|---|---|")
    for k in [int(x) for x in a.k.split(",")]:
        w = windows(runs, k)
        nh = sum(1 for t, _, _ in w if t == "honest")
        nd = len(w) - nh
        for name, col in (("phash", 1), ("thumb", 2)):
            honest = [v[col] for v in w if v[0] == "honest"]
            dishonest = [v[col] for v in w if v[0] == "dishonest"]
            worst, best = max(honest), min(dishonest)
            spread = max(honest) - min(honest)
            gap = (best - worst) / spread if spread > 0 else float("inf")
            errors, _ = fewest_errors_1d([(v[0], v[col]) for v in w])
            print(f"| {k} | {nh} / {nd} | {name} | {worst:.2f} | {best:.2f} | {'yes' if worst < best else 'no'} | {gap:.2f} | {errors} |")
        errors, t, u = fewest_errors_2d(w)
        print(f"| {k} | {nh} / {nd} | both (pHash < {t:.2f} and thumb < {u:.2f}) | | | | | {errors} |")


if __name__ == "__main__":
    main()
