#!/usr/bin/python3
"""Exports a Stable Diffusion 1.x model into a bundle (docs/model-bundle.md).

  export_bundle.py SOURCE OUT [--dtype float32|float16] [--tokenizer DIR] [--config-dir DIR]
                   [--variant fp16] [--threads N]

SOURCE is either
  - a diffusers folder: model_index.json, unet/, vae/, text_encoder/, tokenizer/ (vocab.json,
    merges.txt), scheduler/; weights as .safetensors or .bin (sharded or not), or
  - a single-file checkpoint in the original LDM layout (.safetensors, .ckpt), as A1111 and kohya
    users hold them. It has no configuration and no tokenizer: the networks are SD 1.5's unless
    --config-dir names a diffusers-layout folder with unet/, vae/, text_encoder/ config.json and
    scheduler/scheduler_config.json; the tokenizer comes from --tokenizer DIR (or the config
    folder's tokenizer/), a folder with CLIP's vocab.json and merges.txt.

Every weight is loaded by name into plain PyTorch networks (sd_networks.py) whose parameters keep
the diffusers/transformers module paths; a key the configuration does not have, a key it has that
the source lacks, or a shape that differs is an error naming it. The three networks are traced
(torch.jit.trace), each trace is checked against the module on other batch and latent sizes, and
the bundle is written to OUT with tokenizer/tokenizer.json (clip_tokenizer.py), the configs and
SHA256SUMS; the bundle digest is printed last. Pickled weights are read without running code
from them (checkpoint_io.py).

--dtype float16 stores float16 weights (half the disk and memory). The networks still take and
return float32 and compute in float16 inside. Debian's torch 1.13 cannot run float16 on a CPU, so
the traces are made and checked in float32 and then converted; whether a float16 bundle renders on
a CPU depends on the renderer's libtorch (docs/model-bundle.md says what the engine does).

Needs only torch (Debian's python3-torch 1.13 or newer) and numpy.
"""
import argparse
import hashlib
import json
import os
import resource
import shutil
import sys
import time
import zipfile

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_io  # noqa: E402
import clip_tokenizer  # noqa: E402
import ldm_keys  # noqa: E402
import sd_networks as nets  # noqa: E402

BUNDLE_FORMAT = 1
DTYPES = {"float32": torch.float32, "float16": torch.float16}


class ExportError(Exception):
    pass


def log(msg):
    print("export: %s" % msg, file=sys.stderr, flush=True)


def read_json(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ExportError("%s is missing" % path)
    except ValueError as e:
        raise ExportError("%s is not valid JSON: %s" % (path, e))


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_sha256sums(root):
    """SHA256SUMS of every other file, sorted by path; returns the bundle digest (its SHA-256)."""
    lines = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            if rel != "SHA256SUMS":
                lines.append((rel, "%s  %s\n" % (sha256_file(os.path.join(root, rel)), rel)))
    with open(os.path.join(root, "SHA256SUMS"), "w", encoding="utf-8") as f:
        f.writelines(line for _, line in sorted(lines))
    return sha256_file(os.path.join(root, "SHA256SUMS"))


# ---------------------------------------------------------------------------------------------
# the source: configs, tokenizer and weights by component


class Source:
    """What an export needs of a model, whatever its layout. weights(component) returns that
    component's state dict in diffusers/transformers keys."""

    def __init__(self, name, configs, tokenizer, weights):
        self.name = name
        self.unet_config, self.vae_config, self.text_config, self.scheduler_config = configs
        self.vocab, self.merges, self.tokenizer_config = tokenizer
        self.weights = weights


def read_tokenizer(folder, what):
    vocab_json, merges_txt = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    for p in (vocab_json, merges_txt):
        if not os.path.isfile(p):
            raise ExportError("%s: %s is missing (CLIP's tokenizer is vocab.json + merges.txt)" % (what, p))
    try:
        vocab, merges = clip_tokenizer.read_vocab(vocab_json), clip_tokenizer.read_merges(merges_txt)
        clip_tokenizer.check(vocab, merges, folder)
    except clip_tokenizer.TokenizerError as e:
        raise ExportError(str(e))
    cfg = {}
    for name in ("special_tokens_map.json", "tokenizer_config.json"):     # the later one wins, as in transformers
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            cfg.update({k: v for k, v in read_json(p).items() if v is not None})
    return vocab, merges, cfg


def _token_text(value):
    return value.get("content") if isinstance(value, dict) else value


def open_folder(path, variant=None):
    index = read_json(os.path.join(path, "model_index.json"))
    cls = index.get("_class_name", "")
    if "XL" in cls or "StableDiffusion3" in cls or "Flux" in cls:
        raise ExportError("%s: a %s is not an SD 1.x model" % (path, cls))
    for component in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        if not os.path.isdir(os.path.join(path, component)):
            raise ExportError("%s: not a diffusers Stable Diffusion folder, it has no %s/" % (path, component))
    configs = (read_json(os.path.join(path, "unet", "config.json")),
               read_json(os.path.join(path, "vae", "config.json")),
               read_json(os.path.join(path, "text_encoder", "config.json")),
               read_json(os.path.join(path, "scheduler", "scheduler_config.json")))

    def weights(component):
        file = checkpoint_io.component_weights(os.path.join(path, component), variant)
        log("reading %s" % os.path.relpath(file, path))
        state = checkpoint_io.read_state_dict(file)
        if component == "vae":
            return _vae_deprecated_names(state)
        return _text_model_prefix(state) if component == "text_encoder" else state

    return Source(os.path.basename(os.path.normpath(path)), configs,
                  read_tokenizer(os.path.join(path, "tokenizer"), path), weights)


def _vae_deprecated_names(state):
    """diffusers < 0.14 saved the VAE attention as query/key/value/proj_attn; diffusers renames
    them on load, and so does this."""
    renames = {".query.": ".to_q.", ".key.": ".to_k.", ".value.": ".to_v.", ".proj_attn.": ".to_out.0."}
    out = {}
    for k, v in state.items():
        if ".mid_block.attentions." in k:
            for old, new in renames.items():
                k = k.replace(old, new)
        out[k] = v
    return out


def _text_model_prefix(state):
    """transformers 5 saves CLIPTextModel's weights without the `text_model.` prefix that
    transformers 4 (every SD 1.x release) writes; both load, by the 4.x names."""
    if any(k.startswith("text_model.") for k in state):
        return state
    return {"text_model." + k: v for k, v in state.items()}


def open_single_file(path, tokenizer_dir=None, config_dir=None):
    if config_dir:
        configs = (read_json(os.path.join(config_dir, "unet", "config.json")),
                   read_json(os.path.join(config_dir, "vae", "config.json")),
                   read_json(os.path.join(config_dir, "text_encoder", "config.json")),
                   read_json(os.path.join(config_dir, "scheduler", "scheduler_config.json")))
    else:
        configs = (dict(nets.SD15_UNET_CONFIG), dict(nets.SD15_VAE_CONFIG), dict(nets.SD15_TEXT_CONFIG),
                   dict(nets.SD15_SCHEDULER_CONFIG))
    tokenizer_dir = tokenizer_dir or (os.path.join(config_dir, "tokenizer") if config_dir else None)
    if not tokenizer_dir:
        raise ExportError("%s: a single-file checkpoint holds no tokenizer: give --tokenizer DIR, a folder with "
                          "CLIP's vocab.json and merges.txt (the tokenizer/ folder of any SD 1.x diffusers model)" % path)
    tokenizer = read_tokenizer(tokenizer_dir, tokenizer_dir)
    log("reading %s" % path)
    t0 = time.time()
    state = checkpoint_io.read_state_dict(path)
    log("read %d tensors (%.0fs)" % (len(state), time.time() - t0))
    if not ldm_keys.is_ldm(state):
        raise ExportError("%s is not an LDM single-file checkpoint (no %s* keys); a diffusers component file "
                          "belongs in a diffusers folder" % (path, ldm_keys.UNET_PREFIX))
    try:
        components, notes = ldm_keys.to_diffusers(state, *configs[:3], what=os.path.basename(path))
    except (ldm_keys.LayoutError, nets.ConfigError) as e:
        raise ExportError(str(e))
    del state
    for n in notes:
        log(n)

    def weights(component):
        return components.pop(component)

    return Source(os.path.basename(path), configs, tokenizer, weights)


def open_source(path, tokenizer_dir=None, config_dir=None, variant=None):
    try:
        if os.path.isdir(path):
            return open_folder(path, variant)
        if os.path.isfile(path):
            return open_single_file(path, tokenizer_dir, config_dir)
    except checkpoint_io.CheckpointError as e:
        raise ExportError(str(e))
    raise ExportError("%s is neither a diffusers folder nor a checkpoint file" % path)


# ---------------------------------------------------------------------------------------------
# loading by name, strictly


def check_state(state, shapes, what, tolerated=()):
    """The state dict has exactly the expected keys and shapes; otherwise an error naming them."""
    keys = set(state) - set(tolerated)
    missing = sorted(set(shapes) - keys)
    extra = sorted(keys - set(shapes))
    wrong = sorted(k for k in keys & set(shapes) if tuple(state[k].shape) != tuple(shapes[k]))
    if not (missing or extra or wrong):
        return
    parts = []
    if missing:
        parts.append("%d missing, e.g. %s" % (len(missing), ", ".join(missing[:3])))
    if extra:
        parts.append("%d unexpected, e.g. %s" % (len(extra), ", ".join(extra[:3])))
    if wrong:
        parts.append("%d of another shape, e.g. %s" % (len(wrong), ", ".join(
            "%s is %s, the config makes %s" % (k, list(state[k].shape), list(shapes[k])) for k in wrong[:2])))
    raise ExportError("%s weights do not fit its config: %s" % (what, "; ".join(parts)))


def build(factory, cfg, state, what, tolerated=()):
    """The network of `cfg` with the state dict's tensors as its parameters (float32, no copy
    when they already are)."""
    try:
        with nets.on_meta():
            module = factory(cfg)
    except (nets.ConfigError, KeyError, TypeError, ValueError) as e:
        raise ExportError("%s config: %s" % (what, e))
    check_state(state, nets.manifest(module), what, tolerated)
    for name, _ in list(module.named_parameters()):
        owner, _, leaf = name.rpartition(".")
        tensor = state[name]
        if not tensor.is_floating_point():
            raise ExportError("%s weight %s is %s, not a float" % (what, name, tensor.dtype))
        setattr(module.get_submodule(owner) if owner else module, leaf,
                nn.Parameter(tensor.to(torch.float32), requires_grad=False))
    return module.eval()


# ---------------------------------------------------------------------------------------------
# tracing


def _max_rel_diff(a, b):
    return ((a - b).abs().max() / (b.abs().max() + 1e-6)).item()


def trace(module, example, others, what):
    """torch.jit.trace with `example`, then the trace and the module agree on every input of `others`."""
    with torch.no_grad():
        traced = torch.jit.trace(module, example, check_trace=False)
        for args in [example] + others:
            a, b = traced(*args), module(*args)
            if a.shape != b.shape or not torch.isfinite(a).all() or _max_rel_diff(a, b) > 1e-5:
                raise ExportError("%s: the traced graph differs from the module for inputs of shapes %s"
                                  % (what, [list(x.shape) for x in args]))
    return traced


def check_consistency(src, max_length):
    u, v, t = src.unet_config, src.vae_config, src.text_config
    problems = []
    if u.get("cross_attention_dim") != t.get("hidden_size"):
        problems.append("unet cross_attention_dim %s != text_encoder hidden_size %s"
                        % (u.get("cross_attention_dim"), t.get("hidden_size")))
    if not (u.get("in_channels") == u.get("out_channels") == v.get("latent_channels")):
        problems.append("unet in/out_channels %s/%s and vae latent_channels %s differ"
                        % (u.get("in_channels"), u.get("out_channels"), v.get("latent_channels")))
    if max_length > t.get("max_position_embeddings", 0):
        problems.append("tokenizer model_max_length %d > text_encoder max_position_embeddings %s"
                        % (max_length, t.get("max_position_embeddings")))
    if max(src.vocab.values()) >= t.get("vocab_size", 0):
        problems.append("the tokenizer's ids reach %d, the text encoder has vocab_size %s"
                        % (max(src.vocab.values()), t.get("vocab_size")))
    if problems:
        raise ExportError("%s: the components do not fit together: %s" % (src.name, "; ".join(problems)))


def tokenizer_settings(src):
    cfg = src.tokenizer_config
    max_length = int(cfg.get("model_max_length") or src.text_config.get("max_position_embeddings", 77))
    if max_length > 4096:       # transformers' "no limit" sentinel is 1e30
        max_length = int(src.text_config.get("max_position_embeddings", 77))
    pad = _token_text(cfg.get("pad_token")) or clip_tokenizer.ENDOFTEXT
    if pad not in src.vocab:
        raise ExportError("%s: pad_token %r is not in vocab.json" % (src.name, pad))
    return max_length, pad


def export(src, out_dir, dtype="float32", threads=None):
    """Writes the bundle of `src` to out_dir (replaced atomically); returns the bundle digest."""
    if threads:
        torch.set_num_threads(threads)
    t0 = time.time()
    max_length, pad = tokenizer_settings(src)
    check_consistency(src, max_length)
    tok = clip_tokenizer.ClipTokenizer(src.vocab, src.merges, max_length, pad)
    work = out_dir.rstrip("/") + ".partial"
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    try:
        _write_networks(src, work, dtype, tok, t0)
        write_configs(src, work, dtype, max_length, pad)
        digest = write_sha256sums(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)      # nothing half-written is left behind
        raise
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.rename(work, out_dir)
    log("bundle written in %.0fs, peak RSS %.1f GiB" % (time.time() - t0, peak_rss_gib()))
    return digest


def _write_networks(src, work, dtype, tok, t0):
    """Traces and saves the three networks, one at a time (only one is in memory). Example inputs
    are small: a traced graph is generic in batch, sequence and latent size, and a CPU torch built
    on the reference BLAS (Debian's) computes the linear layers of an SD-sized model slowly."""
    for sub in ("text_encoder", "unet", "vae"):
        os.makedirs(os.path.join(work, sub))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        text = build(nets.CLIPTextModel, src.text_config, src.weights("text_encoder"), "text_encoder",
                     tolerated=(ldm_keys.POSITION_IDS,))
        full = torch.tensor([tok("a photograph of an astronaut riding a horse")])
        short = torch.tensor([tok("")[:8], tok("a red circle")[:8]])
        t_text = trace(text, (full,), [(short,)], "text_encoder")
        hidden = text(short)
        _save(t_text, os.path.join(work, "text_encoder", "model.pt"), dtype)
        del text, t_text
        log("text encoder traced (%.0fs)" % (time.time() - t0))

        unet = build(nets.UNet2DConditionModel, src.unet_config, src.weights("unet"), "unet")
        c, depth = src.unet_config["in_channels"], 2 ** (len(src.unet_config["block_out_channels"]) - 1)
        x = torch.randn((2, c, depth, depth), generator=g)
        t_unet = trace(unet, (x, torch.tensor([999.0, 999.0]), hidden), [
            (x[:1], torch.tensor([500.0]), hidden[:1]),
            (torch.randn((2, c, depth, 2 * depth), generator=g), torch.tensor([1.0, 1.0]), hidden),
            (torch.randn((1, c, depth + 1, depth + 3), generator=g), torch.tensor([250.0]), hidden[1:])],
            "unet")
        _save(t_unet, os.path.join(work, "unet", "model.pt"), dtype)
        del unet, t_unet
        log("unet traced (%.0fs)" % (time.time() - t0))

        vae = build(nets.AutoencoderKL, src.vae_config, src.weights("vae"), "vae")
        decoder = nets.VaeDecoder(vae).eval()
        del vae
        z = torch.randn((1, src.vae_config["latent_channels"], 4, 4), generator=g)
        t_dec = trace(decoder, (z,), [(torch.randn((2, z.shape[1], 3, 5), generator=g),)], "vae decoder")
        _save(t_dec, os.path.join(work, "vae", "decoder.pt"), dtype)
        del decoder, t_dec
        log("vae decoder traced (%.0fs)" % (time.time() - t0))


def _save(traced, path, dtype):
    if dtype == "float16":
        traced = traced.half()          # float buffers and parameters; the graph casts through type_as
    torch.jit.save(traced, path + ".tmp")
    _without_debug_info(path + ".tmp", path)
    os.remove(path + ".tmp")


def _without_debug_info(src, dst):
    """Copies a TorchScript archive without its *.debug_pkl records: they hold the exporter's file
    paths and line numbers, which would make the bundle's bytes depend on where the exporter was
    checked out. TorchScript loads without them (error messages then lack Python line numbers)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED, allowZip64=True) as zout:
        for info in zin.infolist():
            if info.filename.endswith(".debug_pkl"):
                continue
            out = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            with zin.open(info) as r, zout.open(out, "w", force_zip64=info.file_size >= 1 << 31) as w:
                shutil.copyfileobj(r, w, 1 << 20)


def write_configs(src, work, dtype, max_length, pad):
    write_json(os.path.join(work, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline", "ftvalidator_bundle": BUNDLE_FORMAT,
        "scheduler": ["diffusers", src.scheduler_config.get("_class_name", "PNDMScheduler")],
        "text_encoder": ["ftvalidator", "TorchScript"], "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "unet": ["ftvalidator", "TorchScript"], "vae": ["ftvalidator", "TorchScript"],
        "ftvalidator_export": {"source": src.name, "dtype": dtype, "exporter": "python/export_bundle.py"}})
    scheduler = dict(src.scheduler_config)
    scheduler.setdefault("prediction_type", "epsilon")
    write_json(os.path.join(work, "scheduler", "scheduler_config.json"), scheduler)
    write_json(os.path.join(work, "unet", "config.json"), src.unet_config)
    vae = dict(src.vae_config)
    vae.setdefault("scaling_factor", 0.18215)
    vae.setdefault("sample_size", 512)
    write_json(os.path.join(work, "vae", "config.json"), vae)
    write_json(os.path.join(work, "text_encoder", "config.json"), src.text_config)
    write_json(os.path.join(work, "tokenizer", "tokenizer.json"), clip_tokenizer.tokenizer_json(src.vocab, src.merges))
    write_json(os.path.join(work, "tokenizer", "tokenizer_config.json"), {
        "model_max_length": max_length, "pad_token": pad, "bos_token": clip_tokenizer.STARTOFTEXT,
        "eos_token": clip_tokenizer.ENDOFTEXT, "unk_token": clip_tokenizer.ENDOFTEXT,
        "tokenizer_class": "CLIPTokenizer", "do_lower_case": True})


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", help="diffusers folder, or single-file LDM checkpoint (.safetensors, .ckpt)")
    ap.add_argument("out", help="bundle directory to write (replaced if it exists)")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    ap.add_argument("--tokenizer", help="folder with CLIP's vocab.json and merges.txt (single-file sources)")
    ap.add_argument("--config-dir", help="diffusers-layout folder with the configs of a single-file source")
    ap.add_argument("--variant", help="weights variant of a diffusers folder, e.g. fp16")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's)")
    a = ap.parse_args(argv)
    try:
        src = open_source(a.source, a.tokenizer, a.config_dir, a.variant)
        digest = export(src, a.out, a.dtype, a.threads)
    except (ExportError, checkpoint_io.CheckpointError, clip_tokenizer.TokenizerError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    print(digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
