"""Counter-based starting noise and prompt draw (docs/rendering.md, section 1).

Element n of image i is a pure function of (seed, i, n): Philox4x32-10 keyed by
the 64-bit seed, counter (j mod 2^32, j div 2^32, i, stream), Box-Muller in
float64, rounded to float32. Pure Python; numpy/torch only for the helpers.
"""
import math
import struct

M32 = 0xFFFFFFFF
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85

STREAM_NOISE = 0
STREAM_PROMPT = 1


def philox4x32_10(ctr, key):
    """Random123 Philox4x32 with 10 rounds: 4 counter words, 2 key words -> 4 words."""
    x0, x1, x2, x3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + PHILOX_W0) & M32, (k1 + PHILOX_W1) & M32
        p0, p1 = PHILOX_M0 * x0, PHILOX_M1 * x2
        x0, x1, x2, x3 = (p1 >> 32) ^ x1 ^ k0, p1 & M32, (p0 >> 32) ^ x3 ^ k1, p0 & M32
    return x0, x1, x2, x3


def block(seed, index, stream, j):
    """The four words of block j of `stream` for image `index`."""
    if not (0 <= seed < 1 << 64 and 0 <= index < 1 << 32 and 0 <= j < 1 << 64):
        raise ValueError("seed must be unsigned 64-bit, index unsigned 32-bit")
    return philox4x32_10((j & M32, j >> 32, index, stream), (seed & M32, seed >> 32))


def f32(x):
    """Round a float64 to the nearest float32 (returned as a Python float)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def normal_pair(words):
    """Box-Muller on one block: (normal 2j, normal 2j+1), both float32-rounded."""
    x0, x1, x2, x3 = words
    a, b = x0 | x1 << 32, x2 | x3 << 32
    u1 = ((a >> 11) + 1) / 2.0 ** 53
    u2 = (b >> 11) / 2.0 ** 53
    r, t = math.sqrt(-2.0 * math.log(u1)), 2.0 * math.pi * u2
    return f32(r * math.cos(t)), f32(r * math.sin(t))


def normals(seed, index, count):
    """The first `count` normals of stream 0 for image `index` (Python floats, float32 values)."""
    out = []
    for j in range((count + 1) // 2):
        out.extend(normal_pair(block(seed, index, STREAM_NOISE, j)))
    return out[:count]


def prompt_draw(seed, index):
    """The 64-bit word `a` of block 0 of stream 1; image `index` takes pool[a % len(pool)]."""
    x0, x1, _, _ = block(seed, index, STREAM_PROMPT, 0)
    return x0 | x1 << 32


def pick_prompt(seed, index, pool):
    return pool[prompt_draw(seed, index) % len(pool)]


def float32_hex(x):
    """Bit pattern of a float32 value as 8 lower-case hex digits."""
    return struct.pack(">f", x).hex()


def latent(seed, index, shape):
    """Starting latent as a float32 torch tensor of `shape` (e.g. [1, 4, 16, 16]), row-major."""
    import torch
    n = 1
    for s in shape:
        n *= s
    return torch.tensor(normals(seed, index, n), dtype=torch.float32).reshape(shape)
