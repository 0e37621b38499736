#!/usr/bin/env python3
"""One paragraph per result file of tools/gpu/session.sh: the verdict, every pair's per-image
distances, and (for a cluster's decision) which worker and device rendered how many images.

  decision_summary.py FILE.json...   (./ftval compare --json, or ./ftval submit --wait --json)
  decision_summary.py --drift A.json B.json [OLD=NEW...]
      per-image distances between the same submissions' hashes in two compare runs (on two devices,
      or before and after a change), counted; OLD=NEW pairs a submission id of A with one of B
"""
import collections
import json
import sys


def summary(path):
    doc = json.load(open(path))
    d = doc.get("decision") or doc           # submit --wait --json wraps the decision in the status
    verdict = d.get("verdict") or d.get("status")
    print("%s: %s (%s)" % (path, verdict, d.get("reason")))
    for p in d.get("pairs", []):
        print("  %s ~ %s: mean %.2f, per image %s" % (p["first"], p["second"], p["mean"], p["distances"]))
    for f in d.get("failed", []):
        print("  failed: %s" % f)
    by = collections.Counter("%s on %s %s" % (r.get("worker"), r.get("deviceKind"), r.get("device")) for r in d.get("renders", []))
    for who, n in by.most_common():
        print("  %d image(s) rendered by %s" % (n, who))
    for s in (s for s in doc.get("submissions", []) if isinstance(s, dict)):
        print("  %s: hashes %s, %s ms" % (s["id"], " ".join(s.get("hashes") or []), s.get("renderMillis")))


def drift(a, b, renames):
    """How far the same submission's images moved between two compare runs, counted by distance."""
    hashes = [{s["id"]: s["hashes"] for s in json.load(open(p))["submissions"]} for p in (a, b)]
    counts = collections.Counter()
    for name, first in hashes[0].items():
        second = hashes[1].get(renames.get(name, name))
        if second:
            counts.update(bin(int(x, 16) ^ int(y, 16)).count("1") for x, y in zip(first, second))
    total = sum(counts.values())
    print("%s ~ %s: %d renders, %s" % (a, b, total, ", ".join(
        "%d at %d bits" % (n, d) for d, n in sorted(counts.items()))))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--drift"]:
        drift(sys.argv[2], sys.argv[3], dict(r.split("=", 1) for r in sys.argv[4:]))
        sys.exit(0)
    for f in sys.argv[1:]:
        try:
            summary(f)
        except (OSError, ValueError, KeyError) as e:
            print("%s: unreadable (%s)" % (f, e))
