#!/usr/bin/env python3
"""A float16 copy of an exported bundle, as python/export_bundle.py --dtype float16 makes it:
every TorchScript module's float parameters and buffers cast with .half() (the exporter's graphs
take and return float32 and cast inside through type_as); everything else copied. Run
./ftval digest OUT afterwards to write its SHA256SUMS.

  half_bundle.py BUNDLE OUT
"""
import os
import shutil
import sys

import torch

MODULES = ("text_encoder/model.pt", "unet/model.pt", "vae/decoder.pt")


def main(src, out):
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("*.pt", "SHA256SUMS"))
    for rel in MODULES:
        module = torch.jit.load(os.path.join(src, rel), map_location="cpu")
        torch.jit.save(module.half(), os.path.join(out, rel))
        print("%s: float16, %.2f GB" % (rel, os.path.getsize(os.path.join(out, rel)) / 1e9), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
