#!/usr/bin/python3
"""Error rates and distributions of the "same model" rules on calibration runs (docs/accuracy.md).

  /usr/bin/python3 tools/accuracy.py RUN.json [RUN.json ...] --name FAMILY [--plots DIR]
      [--k 1,2,4,8,16,32] [--cross CPU_RUN:GPU_RUN ...]

RUN.json: the output of `ftval compare --json`, tools/calibrate.sh or tools/calibrate_reference.py
(submissions named honest-*/merged-* (replicas of one fine-tune), stress-* (a precision the task
does not allow) and dishonest-*). Pairs are formed inside each run (one device renders every
submission of an image, as a worker does). For every K the images of each pair are cut into
disjoint windows of K; a window is one trial: a false reject is an honest window the rule calls
different, a false accept a dishonest window it calls the same. Rates come with exact
(Clopper-Pearson) 95% intervals. Windows of pairs that share a submission are not independent:
read the intervals as optimistic.

--cross pairs each submission of a CPU run with every submission of a GPU run of the same seed
(each node rendering on its own card, as the reference network does), and prints how far the same
submission's renders moved between the two devices. With --plots, writes PNG
histograms and rate curves into DIR (needs python3-matplotlib). Needs python3-scipy for the
intervals.
"""
import argparse
import itertools
import json
import os
import re

from scipy.stats import beta

KINDS = (("honest", re.compile(r"^(honest|merged)")), ("stress", re.compile(r"^stress")), ("dishonest", re.compile(r"^dishonest")))


def kind_of(name):
    for kind, pattern in KINDS:
        if pattern.search(name):
            return kind
    return None


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def load(path):
    with open(path) as f:
        run = json.load(f)
    return run["seed"], {s["id"]: s["hashes"] for s in run["submissions"] if not s.get("error")}


def pair_truth(a, b):
    ka, kb = kind_of(a), kind_of(b)
    if {ka, kb} == {"honest"}:
        return "honest"
    if {ka, kb} == {"honest", "stress"}:
        return "stress"
    if {ka, kb} == {"honest", "dishonest"}:
        return "dishonest"
    return None


def pairs_in(subs_a, subs_b=None):
    """(truth, dishonest name, distances) of every pair with a truth; across two runs when subs_b is given."""
    out = []
    if subs_b is None:
        for a, b in itertools.combinations(sorted(subs_a), 2):
            t = pair_truth(a, b)
            if t:
                out.append((t, a if kind_of(a) == "dishonest" else b, [hamming(x, y) for x, y in zip(subs_a[a], subs_a[b])]))
    else:
        for a in sorted(subs_a):
            for b in sorted(subs_b):
                t = "honest" if a == b and kind_of(a) == "honest" else pair_truth(a, b) if a != b else None
                if t:
                    out.append((t, a if kind_of(a) == "dishonest" else b, [hamming(x, y) for x, y in zip(subs_a[a], subs_b[b])]))
    return out


def clopper_pearson(k, n, level=0.95):
    if n == 0:
        return float("nan"), float("nan")
    lo = 0.0 if k == 0 else beta.ppf((1 - level) / 2, k, n - k + 1)
    hi = 1.0 if k == n else beta.ppf(1 - (1 - level) / 2, k + 1, n - k)
    return lo, hi


def windows(d, k):
    return [d[i:i + k] for i in range(0, len(d) - k + 1, k)]


STAT = {"mean": lambda w: sum(w) / len(w), "every-image": max}


def rates(pairs, rule, t, k):
    """(false rejects, honest windows, false accepts, dishonest windows)."""
    fr = nh = fa = nd = 0
    for truth, _, d in pairs:
        for w in windows(d, k):
            same = STAT[rule](w) < t
            if truth == "honest":
                nh += 1
                fr += not same
            elif truth == "dishonest":
                nd += 1
                fa += same
    return fr, nh, fa, nd


def fmt_rate(k, n):
    lo, hi = clopper_pearson(k, n)
    return "%d/%d = %.3f [%.3f, %.3f]" % (k, n, k / n if n else float("nan"), lo, hi)


def table(pairs, ks, cases, title):
    print("\n%s\n" % title)
    print("| K | " + " | ".join("%s T=%g: false reject" % c + " | false accept" for c in cases) + " |")
    print("|---|" + "---|---|" * len(cases))
    for k in ks:
        cells = []
        for rule, t in cases:
            fr, nh, fa, nd = rates(pairs, rule, t, k)
            cells += [fmt_rate(fr, nh), fmt_rate(fa, nd)]
        print("| %d | %s |" % (k, " | ".join(cells)))


def drift(subs_a, subs_b):
    """Per-image distances between each submission's render on one device and on the other."""
    out = {}
    for sid in sorted(set(subs_a) & set(subs_b)):
        for x, y in zip(subs_a[sid], subs_b[sid]):
            d = hamming(x, y)
            out[d] = out.get(d, 0) + 1
    return out


def plots(pairs, name, ks, out, defaults):
    """defaults: rule -> the threshold drawn as a dashed line (the first of --cases for the rule)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out, exist_ok=True)
    colors = {"honest": "tab:green", "stress": "tab:orange", "dishonest": "tab:red"}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, k in zip(axes, [1] + [k for k in ks if k in (4, 8)]):
        for truth in ("honest", "stress", "dishonest"):
            values = [STAT["mean"](w) for t, _, d in pairs if t == truth for w in windows(d, k)]
            if values:
                ax.hist(values, bins=[x / 2 for x in range(0, 100)], alpha=0.6, color=colors[truth],
                        label="%s (%d)" % (truth, len(values)), density=True)
        ax.set_title("%s: %s over %d image%s" % (name, "distance" if k == 1 else "mean distance", k, "" if k == 1 else "s"))
        ax.set_xlabel("pHash bits")
        if "mean" in defaults:
            ax.axvline(defaults["mean"], color="black", linestyle="--", linewidth=1)
        ax.legend()
    fig.tight_layout()
    path = os.path.join(out, "%s-distances.png" % name)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, rule in zip(axes, ("mean", "every-image")):
        ts = [t / 2 for t in range(1, 81)]
        for k in ks:
            fr = [rates(pairs, rule, t, k) for t in ts]
            ax.plot(ts, [r[0] / r[1] if r[1] else float("nan") for r in fr], color="tab:green", alpha=0.3 + 0.7 * k / max(ks))
            ax.plot(ts, [r[2] / r[3] if r[3] else float("nan") for r in fr], color="tab:red", alpha=0.3 + 0.7 * k / max(ks),
                    label="K=%d" % k)
        if rule in defaults:
            ax.axvline(defaults[rule], color="black", linestyle="--", linewidth=1)
        ax.set_title("%s, %s rule: false reject (green), false accept (red)" % (name, rule))
        ax.set_xlabel("threshold T (same iff statistic < T)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(title="darker: larger K")
    fig.tight_layout()
    path2 = os.path.join(out, "%s-rates.png" % name)
    fig.savefig(path2, dpi=80)
    plt.close(fig)
    print("\nplots: %s, %s" % (path, path2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="*")
    ap.add_argument("--name", required=True)
    ap.add_argument("--k", default="1,2,4,8,16,32")
    ap.add_argument("--cases", default="mean:3,every-image:5", help="rule:T pairs for the rate table; the first of each rule is drawn in the plots")
    ap.add_argument("--cross", nargs="*", default=[], metavar="CPU_RUN:GPU_RUN")
    ap.add_argument("--plots", metavar="DIR")
    a = ap.parse_args()
    ks = [int(k) for k in a.k.split(",")]
    cases = [(r, float(t)) for r, t in (c.split(":") for c in a.cases.split(","))]
    pairs = []
    for path in a.runs:
        pairs += pairs_in(load(path)[1])
    if pairs:
        n = {t: sum(1 for p in pairs if p[0] == t) for t in ("honest", "stress", "dishonest")}
        print("%s: %d runs, pairs: %s" % (a.name, len(a.runs), n))
        table(pairs, ks, cases, "Same device (one worker renders every submission of an image)")
        if a.plots:
            defaults = {}
            for rule, t in cases:
                defaults.setdefault(rule, t)
            plots(pairs, a.name, ks, a.plots, defaults)
    cross = []
    moved = {}
    for spec in a.cross:
        cpu, gpu = spec.split(":")
        (s1, subs1), (s2, subs2) = load(cpu), load(gpu)
        if s1 != s2:
            raise SystemExit("%s and %s render other seeds" % (cpu, gpu))
        cross += pairs_in(subs1, subs2)
        for d, n in drift(subs1, subs2).items():
            moved[d] = moved.get(d, 0) + n
    if moved:
        total = sum(moved.values())
        print("\n%s, the same submission on both devices: %d renders, %.1f %% hash identically; distances: %s"
              % (a.name, total, 100.0 * moved.get(0, 0) / total, ", ".join("%d bits x %d" % kv for kv in sorted(moved.items()))))
    if cross:
        n = {t: sum(1 for p in cross if p[0] == t) for t in ("honest", "stress", "dishonest")}
        print("\n%s across devices: %d run pairs, pairs: %s" % (a.name, len(a.cross), n))
        table(cross, ks, cases, "Across devices (each submission rendered on its own device: CPU against GPU)")


if __name__ == "__main__":
    main()
