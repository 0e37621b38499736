#!/usr/bin/python3
"""The accuracy corpus of docs/accuracy.md: each fixture family's submissions plus dishonest kinds
derived from its honest-1 without training, in a folder tools/calibrate_reference.py reads.

  /usr/bin/python3 python/make_corpus.py [--out out/corpus]

For each family (fixtures/models, fixtures/models-b) writes OUT/<family>/ with base/ and loras/
linking to the family's files, and these derived LoRAs of its honest-1 (deterministic):

  dishonest-strength-0.9, -0.75   every lora_B scaled: the fine-tune merged at 90 % and 75 %
  dishonest-one-layer              one attention projection's A and B (the one whose delta B @ A has
                                   the largest norm) replaced by random ones of the same norms
  dishonest-another-base           the other family's honest-1: the same job trained on another base

and prints the SHA-256 of every derived file (docs/accuracy.md records them). Small (150 KB a file):
kept out of git only because they are derived.
"""
import argparse
import hashlib
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = {"models": "models-b", "models-b": "models"}


def link(src, dst):
    if os.path.lexists(dst):
        os.remove(dst)
    os.symlink(os.path.relpath(src, os.path.dirname(dst)), dst)


def pairs(tensors):
    """{module path: (A key, B key)} of a PEFT-key LoRA."""
    out = {}
    for k in tensors:
        if k.endswith(".lora_A.weight"):
            path = k[:-len(".lora_A.weight")]
            out[path] = (k, path + ".lora_B.weight")
    return out


def derived(tensors, meta, other_honest):
    out = {}
    for f in (0.9, 0.75):
        out["dishonest-strength-%g" % f] = ({k: v * f if ".lora_B." in k else v for k, v in tensors.items()},
                                             dict(meta, fixture="honest-1 with every lora_B scaled by %g" % f))
    ps = pairs(tensors)
    worst = max(sorted(ps), key=lambda p: (tensors[ps[p][1]] @ tensors[ps[p][0]]).norm().item())
    g = torch.Generator().manual_seed(1234)
    a_key, b_key = ps[worst]
    one = dict(tensors)
    for key in (a_key, b_key):
        r = torch.randn(tensors[key].shape, generator=g)
        one[key] = r * (tensors[key].norm() / r.norm())
    out["dishonest-one-layer"] = (one, dict(meta, fixture="honest-1 with %s replaced by random A and B of the same norms" % worst))
    t, m = other_honest
    out["dishonest-another-base"] = (t, dict(m, fixture="the same job trained on the other family's base (its honest-1)"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "out", "corpus"))
    a = ap.parse_args()
    for family, other in FAMILIES.items():
        src = os.path.join(REPO, "fixtures", family)
        dst = os.path.join(a.out, family)
        os.makedirs(os.path.join(dst, "loras"), exist_ok=True)
        link(os.path.join(src, "base"), os.path.join(dst, "base"))
        if os.path.isdir(os.path.join(src, "honest-merged")):
            link(os.path.join(src, "honest-merged"), os.path.join(dst, "honest-merged"))
        for f in sorted(os.listdir(os.path.join(src, "loras"))):
            if f.endswith(".safetensors"):
                link(os.path.join(src, "loras", f), os.path.join(dst, "loras", f))
        tensors, meta = safetensors_io.load(os.path.join(src, "loras", "honest-1.safetensors"))
        other_honest = safetensors_io.load(os.path.join(REPO, "fixtures", other, "loras", "honest-1.safetensors"))
        for name, (t, m) in sorted(derived(tensors, meta, other_honest).items()):
            path = os.path.join(dst, "loras", name + ".safetensors")
            if os.path.lexists(path):
                os.remove(path)
            safetensors_io.save(path, t, m)
            with open(path, "rb") as f:
                print("%s  %s/loras/%s.safetensors" % (hashlib.sha256(f.read()).hexdigest(), family, name))


if __name__ == "__main__":
    main()
