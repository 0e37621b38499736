"""Writes fixtures/noise-golden.json (golden vectors of docs/rendering.md section 1).

Run: /usr/bin/python3 python/make_noise_golden.py
"""
import hashlib
import json
import os
import re
import struct

import noise

KATS = [  # Random123 Philox4x32-10 known-answer tests (kat_vectors)
    {"ctr": ["00000000"] * 4, "key": ["00000000"] * 2,
     "out": ["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]},
    {"ctr": ["ffffffff"] * 4, "key": ["ffffffff"] * 2,
     "out": ["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]},
    {"ctr": ["243f6a88", "85a308d3", "13198a2e", "03707344"], "key": ["a4093822", "299f31d0"],
     "out": ["d16cfe09", "94fdcceb", "5001e420", "24126ea1"]},
]
SEEDS = [0, 42, 18446744073709551557, 2 ** 64 - 1]
INDICES = [0, 1, 7, 4294967295]
LATENT_SHAPE = [1, 4, 16, 16]

DESCRIPTION = (
    "Golden vectors for docs/rendering.md section 1 (Philox4x32-10 counter-based noise and prompt draw), "
    "written by python/make_noise_golden.py. 'kats': Random123 known-answer tests of the bare Philox4x32-10 "
    "function; 'ctr' (4 words), 'key' (2 words) and 'out' (4 words) are 32-bit words as 8 lower-case hex digits, "
    "word 0 first. 'cases': one object per (seed, index): 'seed' and 'index' as decimal strings (seed is unsigned "
    "64-bit, index unsigned 32-bit); 'stream0_block0' and 'stream1_block0': the 4 Philox output words x0..x3 of "
    "block j=0 for stream 0 (starting noise) and stream 1 (prompt draw), i.e. counter (0, 0, index, stream), key "
    "(seed mod 2^32, seed div 2^32), hex as in 'kats'; 'normals': the first 64 normals of stream 0 (normal 2j and "
    "2j+1 from block j), each as the big-endian bit pattern of the float32 as 8 lower-case hex digits (e.g. "
    "3f800000 is 1.0); 'prompt_draw': a = x0 + 2^32*x1 of stream1_block0 as a decimal string (unsigned 64-bit; "
    "image index takes pool[a mod len(pool)]); 'prompt_draw_mod_16': a mod 16 (the pick in a pool of 16 prompts); "
    "'latent_shape' and 'latent_sha256': the SHA-256 (hex) of the whole starting latent of that shape, "
    "row-major, as little-endian float32 bytes (1024 normals)."
)


def hx(w):
    return "%08x" % w


def main():
    cases = []
    for seed in SEEDS:
        for index in INDICES:
            n = 1
            for s in LATENT_SHAPE:
                n *= s
            allv = noise.normals(seed, index, n)
            a = noise.prompt_draw(seed, index)
            cases.append({
                "seed": str(seed),
                "index": str(index),
                "stream0_block0": [hx(w) for w in noise.block(seed, index, 0, 0)],
                "stream1_block0": [hx(w) for w in noise.block(seed, index, 1, 0)],
                "normals": [noise.float32_hex(v) for v in allv[:64]],
                "prompt_draw": str(a),
                "prompt_draw_mod_16": a % 16,
                "latent_shape": LATENT_SHAPE,
                "latent_sha256": hashlib.sha256(struct.pack("<%df" % n, *allv)).hexdigest(),
            })
    for k in KATS:
        got = noise.philox4x32_10([int(c, 16) for c in k["ctr"]], [int(c, 16) for c in k["key"]])
        assert [hx(w) for w in got] == k["out"], (k, got)
    doc = {"description": DESCRIPTION, "generator": "Philox4x32-10", "kats": KATS, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "noise-golden.json")
    with open(path, "w") as f:
        text = json.dumps(doc, indent=1)
        # keep lists of scalars on one line
        text = re.sub(r"\[\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "]", text)
        f.write(text + "\n")
    print("wrote", os.path.normpath(path), len(cases), "cases")


if __name__ == "__main__":
    main()
