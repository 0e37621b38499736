#!/usr/bin/env python3
"""One paragraph per result file of tools/gpu/session.sh: the verdict, every pair's per-image
distances, and (for a cluster's decision) which worker and device rendered how many images.

  decision_summary.py FILE.json...   (./ftval compare --json, or ./ftval submit --wait --json)
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


if __name__ == "__main__":
    for f in sys.argv[1:]:
        try:
            summary(f)
        except (OSError, ValueError, KeyError) as e:
            print("%s: unreadable (%s)" % (f, e))
