#!/usr/bin/python3
"""Renders every fixture submission with render_reference.py's pipeline and measures pHash distances.

  /usr/bin/python3 python/measure_fixtures.py [--models fixtures/models] [--prompts fixtures/prompts.txt]
      [--seed 42] [--count 16] [--threads 2] [--renders DIR] [--json FILE] [--contact-sheet FILE]

Image i uses prompt i of the pool (not the prompt draw), seed 42, dpm++, 30 steps, guidance 7.5.
Prints the per-pair mean / max / min Hamming distance tables (markdown).
"""
import argparse
import itertools
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import phash_go  # noqa: E402
import render_reference as rr  # noqa: E402

HONEST = ["honest-1", "honest-2", "honest-3", "honest-4"]
DISHONEST = ["zero", "half-steps", "other-data", "random"]


def submissions(models):
    base = os.path.join(models, "base")
    lora = lambda name: os.path.join(models, "loras", name)  # noqa: E731
    return [
        ("base", base, None),
        ("honest-1", base, lora("honest-1.safetensors")),
        ("honest-2", base, lora("honest-2.safetensors")),
        ("honest-3", base, lora("honest-3.safetensors")),
        ("honest-4", base, lora("honest-4.safetensors")),
        ("merged-1", os.path.join(models, "honest-merged"), None),
        ("bf16-mixed", base, lora("stress-bf16-mixed.safetensors")),
        ("zero", base, lora("dishonest-zero.safetensors")),
        ("half-steps", base, lora("dishonest-half-steps.safetensors")),
        ("other-data", base, lora("dishonest-other-data.safetensors")),
        ("random", base, lora("dishonest-random.safetensors")),
    ]


def render_all(subs, prompts, seed, threads, renders_dir=None, log=print):
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    images, hashes, ms = {}, {}, []
    for name, model, lora in subs:
        if not os.path.exists(model) or (lora and not os.path.exists(lora)):
            continue
        pipe = rr.Pipeline(model, lora)
        images[name], hashes[name] = [], []
        for i, p in enumerate(prompts):
            t0 = time.perf_counter()
            rgb = pipe.render(seed, i, p)
            ms.append((time.perf_counter() - t0) * 1000)
            images[name].append(rgb)
            if renders_dir:
                os.makedirs(renders_dir, exist_ok=True)
                rr.write_png(os.path.join(renders_dir, "%s-%02d.png" % (name, i)), rgb)
            hashes[name].append(phash_go.phash(rgb))
        log("rendered %s (%d images)" % (name, len(prompts)))
    return images, hashes, ms


def pair_stats(hashes, a, b):
    d = [phash_go.distance(x, y) for x, y in zip(hashes[a], hashes[b])]
    return {"mean": float(np.mean(d)), "max": int(max(d)), "min": int(min(d)), "per_image": d}


def tables(hashes):
    names = list(hashes)
    stats = {"%s|%s" % (a, b): pair_stats(hashes, a, b) for a, b in itertools.combinations(names, 2)}

    def get(a, b):
        return stats.get("%s|%s" % (a, b)) or stats.get("%s|%s" % (b, a))

    lines = []
    for key, title in (("mean", "mean Hamming distance"), ("max", "max Hamming distance")):
        lines.append("%s (seed 42, prompts 0-%d):\n" % (title, len(next(iter(hashes.values()))) - 1))
        lines.append("| | " + " | ".join(names) + " |")
        lines.append("|---" * (len(names) + 1) + "|")
        for a in names:
            row = []
            for b in names:
                row.append("-" if a == b else ("%.2f" % get(a, b)[key] if key == "mean" else "%d" % get(a, b)[key]))
            lines.append("| %s | %s |" % (a, " | ".join(row)))
        lines.append("")
    honest = [n for n in HONEST + ["merged-1"] if n in hashes]
    dishonest = [n for n in DISHONEST if n in hashes]
    hp = [get(a, b) for a, b in itertools.combinations(honest, 2)]
    dp = [get(a, b) for a in dishonest for b in honest]
    summary = {}
    if hp and dp:
        summary = {
            "honest_pairs_mean_max": max(s["mean"] for s in hp),
            "honest_pairs_image_max": max(s["max"] for s in hp),
            "dishonest_vs_honest_mean_min": min(s["mean"] for s in dp),
            "dishonest_vs_honest_image_max_min": min(s["max"] for s in dp),
            "dishonest_vs_honest_image_min_min": min(s["min"] for s in dp),
        }
        lines.append("honest pairs (%s): largest mean %.2f, largest per-image distance %d"
                     % (", ".join(honest), summary["honest_pairs_mean_max"], summary["honest_pairs_image_max"]))
        lines.append("dishonest vs honest: smallest mean %.2f, smallest per-pair max %d, smallest per-image %d"
                     % (summary["dishonest_vs_honest_mean_min"], summary["dishonest_vs_honest_image_max_min"],
                        summary["dishonest_vs_honest_image_min_min"]))
        for d in dishonest + [n for n in ("bf16-mixed", "base") if n in hashes]:
            s = [get(d, h) for h in honest]
            lines.append("  %-11s vs honest: mean %.2f..%.2f, max %d..%d"
                         % (d, min(x["mean"] for x in s), max(x["mean"] for x in s),
                            min(x["max"] for x in s), max(x["max"] for x in s)))
    return "\n".join(lines), stats, summary


def contact_sheet(images, names, rows, path, thumb=64):
    pad, head = 2, 12
    w = len(names) * (thumb + pad) + pad
    h = head + len(rows) * (thumb + pad) + pad
    sheet = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    for c, n in enumerate(names):
        d.text((pad + c * (thumb + pad), 1), n[:11], fill=(0, 0, 0))
        for r, i in enumerate(rows):
            im = Image.fromarray(images[n][i]).resize((thumb, thumb), Image.BOX)
            sheet.paste(im, (pad + c * (thumb + pad), head + pad + r * (thumb + pad)))
    sheet.save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--models", default=os.path.join(root, "fixtures", "models"))
    ap.add_argument("--prompts", default=os.path.join(root, "fixtures", "prompts.txt"))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--renders")
    ap.add_argument("--json")
    ap.add_argument("--contact-sheet")
    a = ap.parse_args()
    with open(a.prompts) as f:
        prompts = [l.strip() for l in f if l.strip()][:a.count]
    images, hashes, ms = render_all(submissions(a.models), prompts, a.seed, a.threads, a.renders)
    text, stats, summary = tables(hashes)
    print(text)
    print("render time per image (%d threads): median %.0f ms" % (a.threads, float(np.median(ms))))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"seed": a.seed, "prompts": prompts, "threads": a.threads,
                       "hashes": {n: ["%016x" % h for h in hs] for n, hs in hashes.items()},
                       "pairs": stats, "summary": summary,
                       "render_ms_median": float(np.median(ms))}, f, indent=1)
    if a.contact_sheet:
        names = [n for n in ["base", "honest-1", "honest-2", "honest-3", "honest-4", "zero", "half-steps",
                             "other-data", "random", "bf16-mixed"] if n in images]
        contact_sheet(images, names, [0, 1, 2, 3], a.contact_sheet)


if __name__ == "__main__":
    main()
