"""Reads model weights without running code from them.

  .safetensors            memory-mapped, header checked first (safetensors_io.read)
  .bin / .ckpt / .pt      torch.save archives, through this module's own unpickler: tensors are
                          built here from the archive's storage entries, and any other class or
                          function the pickle names (a PyTorch Lightning callback, os.system...)
                          becomes an inert placeholder that is never called; the pre-1.6
                          non-zip format goes through torch.load(weights_only=True)
  *.index.json            a sharded diffusers/transformers checkpoint: its weight_map's files

A state dict is returned as {name: tensor} (a checkpoint's "state_dict" entry when it has one).
"""
import collections
import io
import json
import os
import pickle
import zipfile

import torch

import safetensors_io


class CheckpointError(ValueError):
    pass


class Opaque:
    """Stands for an object of a class the reader does not admit: holds what the pickle passed and
    does nothing else."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state):
        self.state = state


_STORAGE_DTYPES = {
    "FloatStorage": torch.float32, "HalfStorage": torch.float16, "BFloat16Storage": torch.bfloat16,
    "DoubleStorage": torch.float64, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8, "BoolStorage": torch.bool,
}


class _StorageType:
    def __init__(self, dtype):
        self.dtype = dtype


def _rebuild_tensor(storage, offset, size, stride, *rest):
    return storage.as_strided(tuple(size), tuple(stride), offset)


def _rebuild_parameter(data, *rest):
    return data


class _ZipUnpickler(pickle.Unpickler):
    """The pickle of a torch.save zip: tensors are rebuilt by this module's functions from the
    archive's storage entries; every other global is an inert Opaque subclass."""

    def __init__(self, f, zf, prefix, path):
        super().__init__(f, encoding="utf-8")
        self.zf, self.prefix, self.path = zf, prefix, path
        self.storages, self.skipped = {}, set()

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if module == "torch" and name == "Size":
            return tuple
        self.skipped.add("%s.%s" % (module, name))
        return type("Opaque", (Opaque,), {"pickled_as": "%s.%s" % (module, name)})

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise CheckpointError("%s: unknown persistent id %r" % (self.path, pid[:2] if isinstance(pid, tuple) else pid))
        _, kind, key, _, numel = pid
        if key not in self.storages:
            entry = self.prefix + "data/" + str(key)
            try:
                info = self.zf.getinfo(entry)
            except KeyError:
                raise CheckpointError("%s: storage %s is missing" % (self.path, entry))
            itemsize = torch.empty((), dtype=kind.dtype).element_size()
            if info.compress_type != zipfile.ZIP_STORED or info.file_size != int(numel) * itemsize:
                raise CheckpointError("%s: storage %s is not %d stored elements of %s" % (self.path, entry, numel, kind.dtype))
            buf = bytearray(info.file_size)
            with self.zf.open(info) as f:
                if f.readinto(buf) != len(buf):
                    raise CheckpointError("%s: storage %s is truncated" % (self.path, entry))
            self.storages[key] = torch.frombuffer(buf, dtype=kind.dtype) if buf else torch.empty(0, dtype=kind.dtype)
        return self.storages[key]


def read_pickle(path):
    """A torch.save file read without running code from it: (object, names of the classes and
    functions it named that were replaced by placeholders)."""
    if not zipfile.is_zipfile(path):
        # the pre-1.6 format: torch's own restricted unpickler, which refuses any foreign global
        try:
            return torch.load(path, map_location="cpu", weights_only=True), []
        except Exception as e:
            reason = str(e).split("WeightsUnpickler error: ")[-1].strip() or type(e).__name__
            raise CheckpointError("%s: a legacy (pre-zip) PyTorch file that cannot be read without running "
                                  "code from it (%s)" % (path, reason)) from e
    try:
        with zipfile.ZipFile(path) as zf:
            pkl = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pkl) != 1:
                raise CheckpointError("%s: not a torch.save archive (no single <name>/data.pkl)" % path)
            prefix = pkl[0][: -len("data.pkl")]
            with zf.open(pkl[0]) as f:
                u = _ZipUnpickler(io.BytesIO(f.read()), zf, prefix, path)
                obj = u.load()
            return obj, sorted(u.skipped)
    except CheckpointError:
        raise
    except Exception as e:      # a corrupt or hostile file: say which, do not crash deeper
        raise CheckpointError("%s cannot be read as a PyTorch checkpoint: %s: %s" % (path, type(e).__name__, e)) from e


def _state_dict_of(obj, path):
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise CheckpointError("%s holds a %s, not a state dict" % (path, type(obj).__name__))
    out = {}
    for k, v in obj.items():
        if isinstance(v, torch.Tensor):
            out[str(k)] = v.detach()
        elif not isinstance(k, str) or not k.startswith("_"):
            raise CheckpointError("%s: entry %r of the state dict is a %s, not a tensor" % (path, k, type(v).__name__))
    return out


def read_state_dict(path, dtype=None):
    """{name: tensor} of a weights file (floating tensors converted to `dtype` when given)."""
    name = os.path.basename(path)
    if name.endswith(".index.json"):
        with open(path, "r", encoding="utf-8") as f:
            index = json.load(f)
        files = sorted(set((index.get("weight_map") or {}).values()))
        if not files or any(os.path.dirname(x) or x.startswith(".") for x in files):
            raise CheckpointError("%s: weight_map must name shard files next to it" % path)
        out = {}
        for shard in files:
            part = read_state_dict(os.path.join(os.path.dirname(path), shard), dtype)
            for k in part:
                if k in out:
                    raise CheckpointError("%s: %s is in two shards" % (path, k))
            out.update(part)
        return out
    if name.endswith(".safetensors"):
        try:
            tensors, _ = safetensors_io.read(path)
        except ValueError as e:
            raise CheckpointError(str(e)) from e
    else:
        obj, _ = read_pickle(path)
        tensors = _state_dict_of(obj, path)
    if dtype is not None:
        tensors = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in tensors.items()}
    return tensors


# weight files of a diffusers component folder, in the order diffusers prefers them
_WEIGHT_NAMES = ("diffusion_pytorch_model", "model", "pytorch_model")


def component_weights(folder, variant=None):
    """The weights file of a diffusers component folder (unet/, vae/, text_encoder/): safetensors
    before pickles, a sharded index when that is what there is, `<name>.<variant>.<ext>` when a
    variant (e.g. fp16) is asked for."""
    candidates = []
    for ext in (".safetensors", ".bin"):
        for base in _WEIGHT_NAMES:
            if variant:      # diffusers' and transformers' _add_variant: before the last extension
                candidates += [base + "." + variant + ext, base + ext + ".index." + variant + ".json"]
            else:
                candidates += [base + ext, base + ext + ".index.json"]
    for c in candidates:
        p = os.path.join(folder, c)
        if os.path.isfile(p):
            return p
    present = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    raise CheckpointError("%s: no weights file%s (looked for %s.safetensors/.bin and their shard indexes; found %s)"
                          % (folder, " for variant " + variant if variant else "", "|".join(_WEIGHT_NAMES),
                             ", ".join(present) or "nothing"))
