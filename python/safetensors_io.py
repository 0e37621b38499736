"""Minimal safetensors reader/writer (F32/F16/BF16/F64 are read; F32 is written unless asked).

Format: 8-byte little-endian header length N, N bytes of JSON header
{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the raw little-endian tensor data; offsets are relative to the end of the header.
"""
import json
import mmap
import os
import struct

import numpy as np
import torch

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


_TORCH = {torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2),
          torch.float64: ("F64", 8), torch.int64: ("I64", 8), torch.int32: ("I32", 4)}
_FROM_CODE = {code: (dt, size) for dt, (code, size) in _TORCH.items()}
MAX_HEADER = 100 << 20


def _bytes_of(t, keep_dtype):
    t = t.detach().cpu().contiguous()
    if not keep_dtype:
        t = t.to(torch.float32)
    if t.dtype not in _TORCH:
        raise ValueError("dtype %s cannot be written" % t.dtype)
    code = _TORCH[t.dtype][0]
    if t.dtype == torch.bfloat16:
        return code, t.view(torch.int16).numpy().tobytes()
    return code, t.numpy().tobytes()         # little-endian hosts only (x86, arm)


def save(path, tensors, metadata=None, keep_dtype=False):
    """tensors: {name: torch.Tensor}; written as F32 (or in their own dtype with keep_dtype),
    contiguous, in sorted name order."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        code, data = _bytes_of(tensors[name], keep_dtype)
        header[name] = {"dtype": code, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)        # pad the header to 8 bytes, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    """Returns ({name: float32 torch.Tensor}, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: not a safetensors file (too short)" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError("%s: not a safetensors file (header length %d)" % (path, n))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = info["dtype"]
        buf = raw[base + b:base + e]
        if dt == "BF16":
            u = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        elif dt in _DTYPES:
            arr = np.frombuffer(buf, dtype=np.dtype(_DTYPES[dt]).newbyteorder("<")).astype(np.float32)
        else:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, dt))
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out, meta


def read(path, dtype=None):
    """Returns ({name: tensor}, metadata) through a memory map: each tensor in its stored dtype, or
    converted to `dtype`. The header is checked before any tensor is made: its size is bounded,
    every tensor's byte range lies inside the file, matches its shape and dtype, and no two overlap."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 8:
            raise ValueError("%s: not a safetensors file (too short)" % path)
        (n,) = struct.unpack("<Q", f.read(8))
        if n > min(MAX_HEADER, size - 8):
            raise ValueError("%s: not a safetensors file (header length %d)" % (path, n))
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ValueError("%s: not a safetensors file (header is not JSON: %s)" % (path, e))
        if not isinstance(header, dict):
            raise ValueError("%s: not a safetensors file (header is not an object)" % path)
        meta = header.pop("__metadata__", {}) or {}
        base, spans = 8 + n, []
        for name, info in header.items():
            try:
                code, shape, (b, e) = info["dtype"], [int(d) for d in info["shape"]], info["data_offsets"]
            except (KeyError, TypeError, ValueError):
                raise ValueError("%s: tensor %s has a malformed header entry" % (path, name))
            if code not in _FROM_CODE:
                raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, code))
            count = 1
            for d in shape:
                if d < 0:
                    raise ValueError("%s: tensor %s has a negative dimension" % (path, name))
                count *= d
            if not (0 <= b <= e <= size - base) or e - b != count * _FROM_CODE[code][1]:
                raise ValueError("%s: tensor %s: bytes %s do not hold %s %s" % (path, name, [b, e], code, shape))
            spans.append((b, e, name))
        spans.sort()
        for (b0, e0, n0), (b1, _, n1) in zip(spans, spans[1:]):
            if b1 < e0:
                raise ValueError("%s: tensors %s and %s overlap" % (path, n0, n1))
        if not spans:
            return {}, meta
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            out = {}
            for name, info in header.items():
                b, e = info["data_offsets"]
                dt, _ = _FROM_CODE[info["dtype"]]
                raw = np.frombuffer(mm, dtype=np.uint8, count=e - b, offset=base + b)
                if dt == torch.bfloat16:
                    t = torch.from_numpy(raw.view("<i2").copy()).view(torch.bfloat16)
                else:
                    t = torch.from_numpy(raw.view(np.dtype(_NUMPY[dt]).newbyteorder("<")).copy())
                t = t.reshape(info["shape"])
                out[name] = t if dtype is None else t.to(dtype)
                del raw
    return out, meta


_NUMPY = {torch.float32: np.float32, torch.float16: np.float16, torch.float64: np.float64,
          torch.int64: np.int64, torch.int32: np.int32}
