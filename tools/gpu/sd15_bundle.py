#!/usr/bin/env python3
"""Produces an SD-1.5-sized bundle from a synthetic single-file checkpoint and prints what it cost.

  python3 tools/gpu/sd15_bundle.py WORKDIR [--dtype float32|float16] [--checkpoint-dtype float16]
                                           [--seed 1] [--threads N] [--keep-checkpoint]

Self-contained apart from this repository's python/ folder; no network, no model hub, no
diffusers. Runs with Debian's torch 1.13 (this machine) or torch 2.x (the GPU machine:
/opt/torch/.venv/bin/python). Two steps, each in its own process so that its peak memory is its own:

  1. python/sd_synthetic.py sd15-checkpoint: a single-file LDM checkpoint with exactly SD 1.5's
     keys and shapes (model.diffusion_model.*, first_stage_model.*, cond_stage_model.transformer.*,
     and the schedule buffers of the real files), weights from PyTorch's default initialisation
     (random, seeded), written as safetensors;
  2. python/export_bundle.py on it, with the synthetic CLIP tokenizer of fixtures/clip-tokenizer
     (vocab 624; the text encoder keeps SD 1.5's 49408 x 768 embedding).

Prints, per step: wall time, peak RSS of the process, bytes on disk; then the bundle digest and the
command that renders one 512x512 image from it with the Java engine. The bundle is WORKDIR/bundle;
the checkpoint is deleted unless --keep-checkpoint.

Expected on 16 CPU cores: ~1-2 min per step; ~2.2 GB checkpoint (float16), 4.3 GB bundle (float32)
or 2.2 GB (float16); peak RSS ~5-7 GiB for the checkpoint step and the export.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = os.path.join(ROOT, "python")


def du(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def step(name, args, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads)) if threads else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.time()
    p = subprocess.run([sys.executable] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit("%s failed (exit %d)" % (name, p.returncode))
    # ru_maxrss of children is the largest child so far: exact for the first step, an upper bound after
    print("%-11s wall %6.1f s   peak RSS %5.2f GiB%s" % (name, wall, peak / (1 << 20),
                                                      "" if peak > before else " (at most)"), flush=True)
    return p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workdir")
    ap.add_argument("--dtype", choices=["float32", "float16"], default="float32", help="bundle weights")
    ap.add_argument("--checkpoint-dtype", choices=["float32", "float16"], default="float16")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--keep-checkpoint", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    ckpt = os.path.join(a.workdir, "sd15-synthetic.safetensors")
    bundle = os.path.join(a.workdir, "bundle")
    import torch
    print("torch %s, python %s, %d CPU cores" % (torch.__version__, sys.version.split()[0], os.cpu_count()), flush=True)
    step("checkpoint", [os.path.join(PY, "sd_synthetic.py"), "sd15-checkpoint", ckpt, "--seed", str(a.seed),
                        "--dtype", a.checkpoint_dtype], a.threads)
    print("%-11s %.2f GB on disk" % ("", du(ckpt) / 1e9), flush=True)
    args = [os.path.join(PY, "export_bundle.py"), ckpt, bundle, "--dtype", a.dtype,
            "--tokenizer", os.path.join(ROOT, "fixtures", "clip-tokenizer")]
    if a.threads:
        args += ["--threads", str(a.threads)]
    out, err = step("export", args, a.threads)
    sys.stdout.write("".join("  " + line + "\n" for line in err.splitlines() if line.startswith("export:")))
    print("%-11s %.2f GB on disk: %s" % ("", du(bundle) / 1e9, ", ".join(
        "%s %.2f GB" % (f, du(os.path.join(bundle, f)) / 1e9)
        for f in ("text_encoder/model.pt", "unet/model.pt", "vae/decoder.pt"))), flush=True)
    if not a.keep_checkpoint:
        os.remove(ckpt)
    print("bundle %s digest %s" % (bundle, out.strip()))
    print("render one 512x512 image (Java engine): ./ftval render --model %s --seed 1 --prompt 'a photograph of an "
          "astronaut riding a horse' --steps 2 --out /tmp/sd15.png   (GPU machine: tools/gpu/run.sh render ... "
          "--device gpu)" % bundle)


if __name__ == "__main__":
    main()
