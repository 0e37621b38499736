"""goimagehash v1.1.0 PerceptionHash in Python, for measurements only.

Steps (fixtures/phash-vectors/README.md): nfnt/resize Bilinear to 64x64 on the 8-bit RGBA
image (integer weights int16(kernel*256), horizontal pass then vertical pass, edge pixels
clamped, integer division), grey = 0.299 r + 0.587 g + 0.114 b, 2-D DCT-II, top-left 8x8 (DC
included), median as goimagehash's quickselect computes it, bit = value > median, MSB first.
Only 8-bit RGB/RGBA/grey inputs are handled the way Go decodes an 8-bit RGB PNG (as
*image.RGBA); other modes are converted with Pillow (approximate). The Java side has the
bit-exact implementation.
"""
import math
import sys

import numpy as np
from PIL import Image


def _weights(dst, src):
    scale = src / dst
    taps = 2 * max(math.ceil(scale), 1)           # linear kernel: 2 taps, widened when shrinking
    factor = min(1.0 / scale, 1.0)
    w = np.zeros((dst, src), dtype=np.int64)
    for y in range(dst):
        x = scale * (y + 0.5) - 0.5
        start = int(x) - taps // 2 + 1           # Go's int() truncates toward zero
        x -= start
        for i in range(taps):
            k = abs((x - i) * factor)
            c = int((1.0 - k if k <= 1.0 else 0.0) * 256)
            if c:
                w[y, min(max(start + i, 0), src - 1)] += c
    return w


def _pass(img, w):
    """Filter axis 1 of img [H, W, C] (uint8 values) with integer weights w [dst, W]."""
    acc = np.einsum("dw,hwc->hdc", w, img.astype(np.int64))
    return np.clip(acc // w.sum(axis=1)[None, :, None], 0, 255)


def resize_bilinear(rgb, size=64):
    h, w = rgb.shape[:2]
    if (h, w) == (size, size):
        return rgb.astype(np.int64)
    tmp = _pass(rgb, _weights(size, w))                               # horizontal
    return _pass(tmp.transpose(1, 0, 2), _weights(size, h)).transpose(1, 0, 2)  # vertical


def _dct_matrix(n):
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    return np.cos(np.pi / n * (x + 0.5) * k)


_D64 = _dct_matrix(64)


def _go_median(seq):
    """goimagehash's MedianOfPixelsFast64: Lomuto quickselect of position 32, then the mean of
    positions 31 and 32 of the partially ordered array (position 31 is not always the 32nd
    smallest value)."""
    k, low, hi = len(seq) // 2, 0, len(seq) - 1
    while low < hi:
        pivot = low // 2 + hi // 2
        pv = seq[pivot]
        store = low
        seq[pivot], seq[hi] = seq[hi], seq[pivot]
        for i in range(low, hi):
            if seq[i] < pv:
                seq[store], seq[i] = seq[i], seq[store]
                store += 1
        seq[hi], seq[store] = seq[store], seq[hi]
        if k <= store:
            hi = store
        else:
            low = store + 1
    return seq[k - 1] / 2 + seq[k] / 2


def phash(image):
    """64-bit pHash (int) of a PIL image or an HxWx3 uint8 array."""
    if isinstance(image, Image.Image):
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGB")
        image = np.asarray(image)[:, :, :3]
    small = resize_bilinear(np.asarray(image, dtype=np.uint8)).astype(np.float64)
    grey = 0.299 * small[:, :, 0] + 0.587 * small[:, :, 1] + 0.114 * small[:, :, 2]
    coef = (_D64 @ grey @ _D64.T)[:8, :8].flatten()
    median = _go_median(list(coef))
    h = 0
    for v in coef:
        h = (h << 1) | int(v > median)
    return h


def distance(a, b):
    return bin(a ^ b).count("1")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p, "%016x" % phash(Image.open(p)))
