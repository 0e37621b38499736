#!/usr/bin/env python3
"""tools/calibrate.sh's study on the Python reference renderer, for machines without Java (the GPU
machine of this workplace) and for many seeds at once.

  python3 tools/calibrate_reference.py --family fixtures/models --seeds 42,7 --images 32 --out-dir OUT
      [--device cpu|cuda] [--workers N] [--name NAME] [--thumbs]

Renders every submission of a fixture family (each LoRA file at the top of FAMILY/loras/, named by
file, and FAMILY/honest-merged when present) for IMAGES images of each seed with
python/render_reference.py (docs/rendering.md: prompts drawn from fixtures/prompts.txt with the
seed, DPM++ 30 steps, guidance 7.5, the model's size), hashes each image with goimagehash's
PerceptionHash (python/phash_go.py), and writes OUT/NAME-sSEED.json in the shape of
`ftval compare --json` for tools/thresholds.py. On the CPU every worker process renders with one
thread; on cuda one process renders everything. --thumbs also keeps each image's 16x16 grey
thumbnail (block means of 0.299 R + 0.587 G + 0.114 B, hex bytes) for distances other than pHash.
"""
import argparse
import json
import multiprocessing as mp
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "python"))


def submissions(family):
    loras = os.path.join(family, "loras")
    out = [(f[:-len(".safetensors")], os.path.join(loras, f))
           for f in sorted(os.listdir(loras)) if f.endswith(".safetensors")]
    if os.path.isdir(os.path.join(family, "honest-merged")):
        out.append(("merged-1", None))
    return out


_PIPELINES = {}


def thumbnail(rgb, size=16):
    """16x16 grey thumbnail of an HxWx3 uint8 image: means of equal blocks, rounded, as hex bytes."""
    import numpy as np
    grey = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    h, w = grey.shape
    blocks = grey[:h - h % size, :w - w % size].reshape(size, h // size, size, w // size).mean(axis=(1, 3))
    return bytes(np.clip(np.rint(blocks), 0, 255).astype(np.uint8).flatten()).hex()


def _render(task):
    """One image of one submission -> (id, seed, index, hash hex, thumbnail hex or None)."""
    import torch
    import phash_go
    import render_reference
    family, sid, lora, seed, index, prompt, device, thumbs = task
    torch.set_num_threads(1)
    key = (family, sid)
    if key not in _PIPELINES:
        model = os.path.join(family, "honest-merged") if lora is None else os.path.join(family, "base")
        _PIPELINES[key] = render_reference.Pipeline(model, lora, device=device)
    rgb = _PIPELINES[key].render(seed, index, prompt)
    return sid, seed, index, "%016x" % phash_go.phash(rgb), thumbnail(rgb) if thumbs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", required=True)
    ap.add_argument("--seeds", required=True, help="comma-separated")
    ap.add_argument("--images", type=int, default=32)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--name", help="file name prefix (default: the family folder's name and the device)")
    ap.add_argument("--thumbs", action="store_true", help="keep each image's 16x16 grey thumbnail too")
    a = ap.parse_args()
    import noise
    with open(os.path.join(REPO, "fixtures", "prompts.txt")) as f:
        pool = [l.strip() for l in f if l.strip()]
    seeds = [int(s) for s in a.seeds.split(",")]
    subs = submissions(a.family)
    prompts = {s: [noise.pick_prompt(s, i, pool) for i in range(a.images)] for s in seeds}
    tasks = [(a.family, sid, lora, s, i, prompts[s][i], a.device, a.thumbs)
             for sid, lora in subs for s in seeds for i in range(a.images)]
    t0 = time.time()
    if a.device == "cpu":
        with mp.get_context("spawn").Pool(a.workers) as pool_:
            results = pool_.map(_render, tasks, chunksize=max(1, a.images // 4))
    else:
        results = [_render(t) for t in tasks]
    seconds = time.time() - t0
    hashes = {(sid, s, i): h for sid, s, i, h, _ in results}
    thumbs = {(sid, s, i): t for sid, s, i, _, t in results}
    os.makedirs(a.out_dir, exist_ok=True)
    name = a.name or "%s-%s" % (os.path.basename(os.path.normpath(a.family)), a.device)
    for s in seeds:
        report = {"seed": str(s), "images": a.images, "prompts": prompts[s], "sampler": "dpm++", "steps": 30,
                  "guidance": 7.5, "algorithm": "goimagehash", "renderer": "python/render_reference.py",
                  "device": a.device,
                  "submissions": [dict({"id": sid, "hashes": [hashes[(sid, s, i)] for i in range(a.images)]},
                                       **({"thumbnails": [thumbs[(sid, s, i)] for i in range(a.images)]} if a.thumbs else {}))
                                  for sid, _ in subs]}
        with open(os.path.join(a.out_dir, "%s-s%d.json" % (name, s)), "w") as f:
            json.dump(report, f, indent=1)
    print("%d renders in %.0f s (%s, %d workers)" % (len(tasks), seconds, a.device, a.workers if a.device == "cpu" else 1))


if __name__ == "__main__":
    main()
