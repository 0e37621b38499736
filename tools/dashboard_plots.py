#!/usr/bin/env python3
"""Draws Grafana dashboards without Grafana: runs each panel's own PromQL expressions (from the
dashboard JSON) against a real Prometheus over a time range and plots the answers with matplotlib,
one PNG per dashboard, panels where the dashboard places them.

  python3 tools/dashboard_plots.py --prometheus http://localhost:9090 --start EPOCH --end EPOCH \
      --out docs/dashboards deploy/grafana/fleet.json deploy/grafana/validations.json

Heatmap panels (cumulative histogram buckets by `le`) are drawn as the distribution at the end of the
range. Series with no data are named in the panel, not invented.
"""
import argparse
import json
import math
import os
import re
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def query_range(prom, expr, start, end, step):
    q = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{prom}/api/v1/query_range?{q}", timeout=30) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body}")
    return body["data"]["result"]


def legend(fmt, labels):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt or "") or json.dumps(labels)


def le_value(le):
    return math.inf if le in ("+Inf", "Inf") else float(le)


def draw_heatmap(ax, results):
    # cumulative counts by upper bound at the range's end -> counts per bucket
    last = sorted(((le_value(s["metric"].get("le", "+Inf")), float(s["values"][-1][1])) for s in results if s["values"]))
    if not last:
        return False
    bounds, cum = zip(*last)
    counts = [c - (cum[i - 1] if i else 0) for i, c in enumerate(cum)]
    labels = [("≤%g" % b) if b != math.inf else ">%g" % bounds[-2] for b in bounds]
    ax.bar(range(len(counts)), counts, color="#3274d9")
    ax.set_xticks(range(len(counts)))
    ax.set_xticklabels(labels, rotation=90, fontsize=6)
    ax.set_ylabel("pairs x images")
    return True


def draw_timeseries(ax, panel, results_by_target, start):
    drawn = False
    for target, results in results_by_target:
        for s in results:
            xs = [(float(t) - start) / 60 for t, _ in s["values"]]
            ys = [float(v) if v not in ("NaN", "+Inf", "-Inf") else math.nan for _, v in s["values"]]
            if all(math.isnan(y) for y in ys):
                continue
            ax.plot(xs, ys, label=legend(target.get("legendFormat"), s["metric"])[:48], linewidth=1.4)
            drawn = True
    if drawn:
        ax.legend(fontsize=6, loc="upper left")
        ax.set_xlabel("minutes", fontsize=7)
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        if unit and unit != "short":
            ax.set_ylabel(unit, fontsize=7)
    return drawn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--start", type=float, required=True)
    ap.add_argument("--end", type=float, required=True)
    ap.add_argument("--step", type=float, default=5)
    ap.add_argument("--out", required=True)
    ap.add_argument("dashboards", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for path in a.dashboards:
        dash = json.load(open(path))
        panels = dash["panels"]
        rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
        fig = plt.figure(figsize=(16, rows * 0.45))
        when = datetime.fromtimestamp(a.start, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        fig.suptitle(f"{dash['title']} — {when}, {round((a.end - a.start) / 60)} min of a local cluster run, "
                     f"queried from Prometheus with the panels' own expressions", fontsize=10)
        for p in panels:
            g = p["gridPos"]
            ax = fig.add_axes([g["x"] / 24 + 0.03, 1 - (g["y"] + g["h"]) / rows + 0.03,
                               g["w"] / 24 - 0.05, g["h"] / rows - 0.08])
            ax.set_title(p["title"], fontsize=9)
            ax.tick_params(labelsize=7)
            results = [(t, query_range(a.prometheus, t["expr"], a.start, a.end, a.step)) for t in p["targets"]]
            ok = draw_heatmap(ax, results[0][1]) if p["type"] == "heatmap" else draw_timeseries(ax, p, results, a.start)
            if not ok:
                ax.text(0.5, 0.5, "no data in this run:\n" + "\n".join(t["expr"][:70] for t, _ in results),
                        ha="center", va="center", fontsize=6, transform=ax.transAxes, color="gray")
        out = os.path.join(a.out, os.path.splitext(os.path.basename(path))[0] + ".png")
        fig.savefig(out, dpi=90)
        print("wrote", out)


if __name__ == "__main__":
    main()
