#!/usr/bin/python3
"""Python reference renderer: docs/rendering.md on a docs/model-bundle.md bundle.

  render_reference.py --model DIR [--lora FILE|DIR] --seed S --index I --prompt P
      [--negative-prompt ""] [--steps 30] [--guidance 7.5] [--sampler dpm++|ddim]
      [--width W --height H] [--threads N] --out FILE.png [--bench N]

Needs only Debian's python3-torch, numpy and the standard library.
"""
import argparse
import contextlib
import hashlib
import json
import math
import os
import re
import statistics
import struct
import sys
import tempfile
import time
import zipfile
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noise  # noqa: E402
import safetensors_io  # noqa: E402


class BundleError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# bundle: digest check and loading


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_sha256sums(root, what="bundle"):
    """Checks every file of SHA256SUMS and that no other file is present; returns the digest."""
    sums_path = os.path.join(root, "SHA256SUMS")
    if not os.path.isfile(sums_path):
        raise BundleError("%s %s has no SHA256SUMS" % (what, root))
    listed = {}
    with open(sums_path, "r", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
            if not m:
                raise BundleError("SHA256SUMS line %d is not '<sha256>  <path>': %r" % (n, line))
            listed[m.group(2)] = m.group(1)
    for rel, want in sorted(listed.items()):
        p = os.path.join(root, rel)
        if not os.path.isfile(p):
            raise BundleError("%s: listed in SHA256SUMS but missing" % rel)
        got = sha256_file(p)
        if got != want:
            raise BundleError("%s: sha256 is %s, SHA256SUMS says %s" % (rel, got, want))
    for dirpath, _, files in os.walk(root):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            if rel != "SHA256SUMS" and rel not in listed:
                raise BundleError("%s: present in the %s but not listed in SHA256SUMS" % (rel, what))
    return sha256_file(sums_path)


def open_bundle_dir(path):
    """A bundle directory, or a .zip (content at the root or in one top-level folder)."""
    if os.path.isdir(path):
        return path
    if zipfile.is_zipfile(path):
        tmp = tempfile.mkdtemp(prefix="bundle-")
        with zipfile.ZipFile(path) as z:
            z.extractall(tmp)
        entries = os.listdir(tmp)
        if "SHA256SUMS" not in entries and len(entries) == 1 and os.path.isdir(os.path.join(tmp, entries[0])):
            return os.path.join(tmp, entries[0])
        return tmp
    raise BundleError("%s is neither a bundle directory nor a zip" % path)


def read_json(path):
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# tokenizer: the subset of Hugging Face tokenizers that the fixtures use


class MiniTokenizer:
    """Lowercase normalizer (or none), Whitespace pre-tokenizer, WordLevel model,
    TemplateProcessing post-processor, added tokens matched verbatim. Anything else is refused."""

    def __init__(self, tokenizer_json, tokenizer_config):
        t = read_json(tokenizer_json)
        cfg = read_json(tokenizer_config) if os.path.isfile(tokenizer_config) else {}
        model = t.get("model") or {}
        if model.get("type") != "WordLevel":
            raise BundleError("tokenizer.json: model type %r is not supported (only WordLevel)" % model.get("type"))
        self.vocab = dict(model["vocab"])
        self.unk = model.get("unk_token")
        norm = t.get("normalizer")
        if norm is None:
            self.lowercase = False
        elif norm.get("type") == "Lowercase":
            self.lowercase = True
        else:
            raise BundleError("tokenizer.json: normalizer %r is not supported (only Lowercase or none)" % norm.get("type"))
        pre = t.get("pre_tokenizer")
        if not pre or pre.get("type") != "Whitespace":
            raise BundleError("tokenizer.json: pre_tokenizer %r is not supported (only Whitespace)"
                              % (pre or {}).get("type"))
        self.added = {}
        for a in t.get("added_tokens") or []:
            if a.get("normalized") or a.get("lstrip") or a.get("rstrip") or a.get("single_word"):
                raise BundleError("tokenizer.json: added token %r uses unsupported options" % a.get("content"))
            self.added[a["content"]] = a["id"]
        post = t.get("post_processor")
        if not post or post.get("type") != "TemplateProcessing":
            raise BundleError("tokenizer.json: post_processor %r is not supported (only TemplateProcessing)"
                              % (post or {}).get("type"))
        self.prefix, self.suffix, seen_a = [], [], False
        for piece in post["single"]:
            if "Sequence" in piece:
                if piece["Sequence"]["id"] != "A" or seen_a:
                    raise BundleError("tokenizer.json: single template must hold $A once")
                seen_a = True
            elif "SpecialToken" in piece:
                ids = post["special_tokens"][piece["SpecialToken"]["id"]]["ids"]
                (self.suffix if seen_a else self.prefix).extend(ids)
            else:
                raise BundleError("tokenizer.json: unknown template piece %r" % piece)
        self.max_length = int(cfg.get("model_max_length", 77))
        pad = cfg.get("pad_token")
        if isinstance(pad, dict):
            pad = pad.get("content")
        if pad is None:
            specials = [a for a in t.get("added_tokens") or [] if a.get("special")]
            self.pad_id = specials[-1]["id"]
        elif pad in self.added:
            self.pad_id = self.added[pad]
        elif pad in self.vocab:
            self.pad_id = self.vocab[pad]
        else:
            raise BundleError("tokenizer_config.json: pad_token %r is not a token" % pad)

    def _words(self, text):
        ids = []
        # added tokens are matched on the raw text first, then the rest is normalized and split
        pattern = "(" + "|".join(re.escape(a) for a in sorted(self.added, key=len, reverse=True)) + ")" if self.added else None
        parts = re.split(pattern, text) if pattern else [text]
        for i, part in enumerate(parts):
            if pattern and i % 2 == 1:
                ids.append(self.added[part])
                continue
            if self.lowercase:
                part = part.lower()
            for w in re.findall(r"\w+|[^\w\s]+", part):
                if w in self.vocab:
                    ids.append(self.vocab[w])
                elif self.unk is not None and self.unk in self.vocab:
                    ids.append(self.vocab[self.unk])
                else:
                    raise BundleError("tokenizer: %r is not in the vocabulary and there is no unk_token" % w)
        return ids

    def encode(self, text):
        """Ids of length model_max_length: specials, truncation keeping the trailing specials, padding."""
        ids = self.prefix + self._words(text) + self.suffix
        L, e = self.max_length, len(self.suffix)
        if len(ids) > L:
            ids = ids[:L - e] + ids[len(ids) - e:]
        return ids + [self.pad_id] * (L - len(ids))


def open_tokenizer(tokenizer_json, tokenizer_config):
    """MiniTokenizer, or for the CLIP BPE file that export_bundle.py writes, clip_tokenizer's."""
    t = read_json(tokenizer_json)
    if (t.get("model") or {}).get("type") != "BPE":
        return MiniTokenizer(tokenizer_json, tokenizer_config)
    import clip_tokenizer
    vocab, merges = t["model"].get("vocab") or {}, [tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
                                                  for m in t["model"].get("merges") or []]
    try:
        same = json.loads(json.dumps(clip_tokenizer.tokenizer_json(vocab, merges))) == t
    except clip_tokenizer.TokenizerError:
        same = False
    if not same:
        raise BundleError("tokenizer.json: a BPE tokenizer other than the CLIP one of export_bundle.py is not supported")
    cfg = read_json(tokenizer_config) if os.path.isfile(tokenizer_config) else {}
    pad = cfg.get("pad_token") or clip_tokenizer.ENDOFTEXT
    return clip_tokenizer.ClipTokenizer(vocab, merges, int(cfg.get("model_max_length", 77)),
                                        pad.get("content") if isinstance(pad, dict) else pad)


# ---------------------------------------------------------------------------------------------
# LoRA: key conventions -> {module path: (A [r, in], B [out, r], scale)}


def _pairs_from_keys(tensors, meta_scale=None, source="LoRA"):
    """Groups tensors by module path, for the naming conventions the engine accepts."""
    groups = {}
    alphas = {}
    conventions = [
        (re.compile(r"^(.*)\.lora_A\.weight$"), "A"), (re.compile(r"^(.*)\.lora_B\.weight$"), "B"),
        (re.compile(r"^(.*)\.lora\.down\.weight$"), "A"), (re.compile(r"^(.*)\.lora\.up\.weight$"), "B"),
        (re.compile(r"^(lora_unet_.*)\.lora_down\.weight$"), "A"), (re.compile(r"^(lora_unet_.*)\.lora_up\.weight$"), "B"),
        (re.compile(r"^(lora_unet_.*)\.alpha$"), "alpha"),
    ]
    for key, t in tensors.items():
        for rx, role in conventions:
            m = rx.match(key)
            if m:
                if role == "alpha":
                    alphas[m.group(1)] = float(t.reshape(-1)[0])
                else:
                    groups.setdefault(m.group(1), {})[role] = t
                break
        else:
            raise BundleError("%s: key %s does not follow a known LoRA naming" % (source, key))
    out = {}
    for name, g in groups.items():
        if "A" not in g or "B" not in g:
            raise BundleError("%s: %s has only %s" % (source, name, "lora_A/down" if "A" in g else "lora_B/up"))
        a, b = g["A"], g["B"]
        if a.dim() != 2 or b.dim() != 2 or a.shape[0] != b.shape[1]:
            raise BundleError("%s: %s has ranks that do not fit: A %s, B %s" % (source, name, list(a.shape), list(b.shape)))
        if name in alphas:
            scale = alphas[name] / a.shape[0]
        else:
            scale = 1.0 if meta_scale is None else meta_scale
        out[name] = (a, b, scale)
    return out


def load_lora(path):
    """A .safetensors file or a PEFT adapter folder -> {raw name: (A, B, scale)}."""
    if os.path.isdir(path):
        cfg_path = os.path.join(path, "adapter_config.json")
        if not os.path.isfile(cfg_path):
            raise BundleError("%s: a LoRA folder needs adapter_config.json" % path)
        if os.path.isfile(os.path.join(path, "SHA256SUMS")):
            verify_sha256sums(path, "adapter folder")
        cfg = read_json(cfg_path)
        r, alpha = cfg.get("r"), cfg.get("lora_alpha", cfg.get("r"))
        if not r:
            raise BundleError("%s: adapter_config.json has no r" % path)
        scale = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
        tensors, _ = safetensors_io.load(os.path.join(path, "adapter_model.safetensors"))
        return _pairs_from_keys(tensors, scale, path)
    tensors, _ = safetensors_io.load(path)
    return _pairs_from_keys(tensors, None, path)


def merge_lora(unet, lora, source="LoRA"):
    """W + scale * B @ A in float32, matched by the UNet's parameter names."""
    params = dict(unet.named_parameters())
    kohya = {"lora_unet_" + n[:-len(".weight")].replace(".", "_"): n[:-len(".weight")]
             for n in params if n.endswith(".weight")}
    with torch.no_grad():
        for raw, (a, b, scale) in sorted(lora.items()):
            if raw in kohya:
                path = kohya[raw]
            else:
                path = raw
                for prefix in ("base_model.model.", "unet."):
                    if path.startswith(prefix):
                        path = path[len(prefix):]
            key = path + ".weight"
            if key not in params:
                raise BundleError("%s: %s names no UNet module (%s)" % (source, raw, key))
            w = params[key]
            if w.dim() != 2 or list(w.shape) != [b.shape[0], a.shape[1]]:
                raise BundleError("%s: %s does not fit %s: weight %s, B @ A %s"
                                  % (source, raw, key, list(w.shape), [b.shape[0], a.shape[1]]))
            delta = torch.matmul(b.float(), a.float())
            if scale != 1.0:
                delta = delta * torch.tensor(scale, dtype=torch.float32)
            w.copy_(w + delta)
    return len(lora)


# ---------------------------------------------------------------------------------------------
# schedule and samplers (docs/rendering.md sections 3-4)


def f32(x):
    """A float64 coefficient rounded to float32, as a 0-dim float32 tensor."""
    return torch.tensor(np.float32(x), dtype=torch.float32)


def lincomb(*terms):
    """((x*c0) + (y*c1)) + ... in float32, left to right."""
    acc = None
    for x, c in terms:
        t = x * f32(c)
        acc = t if acc is None else acc + t
    return acc


def alphas_cumprod(cfg):
    n = int(cfg.get("num_train_timesteps", 1000))
    b0, b1 = float(cfg.get("beta_start", 0.00085)), float(cfg.get("beta_end", 0.012))
    kind = cfg.get("beta_schedule", "linear")
    if kind == "scaled_linear":
        betas = np.linspace(math.sqrt(b0), math.sqrt(b1), n, dtype=np.float64) ** 2
    elif kind == "linear":
        betas = np.linspace(b0, b1, n, dtype=np.float64)
    else:
        raise BundleError("scheduler_config.json: beta_schedule %r is not supported" % kind)
    return np.cumprod(1.0 - betas)


def timesteps(cfg, sampler, steps):
    n = int(cfg.get("num_train_timesteps", 1000))
    offset = int(cfg.get("steps_offset", 0))
    spacing = cfg.get("timestep_spacing") or ("leading" if sampler == "ddim" else "linspace")
    s = steps
    if spacing == "trailing":
        ts = np.round(np.arange(n, 0, -n / s)) - 1
    elif sampler == "ddim":
        if spacing == "leading":
            ts = (np.arange(s) * (n // s))[::-1] + offset
        elif spacing == "linspace":
            ts = np.round(np.linspace(0, n - 1, s))[::-1]
        else:
            raise BundleError("timestep_spacing %r is not supported" % spacing)
    else:
        if spacing == "leading":
            ts = np.round(np.arange(s + 1) * (n // (s + 1)))[::-1][:-1] + offset
        elif spacing == "linspace":
            ts = np.round(np.linspace(0, n - 1, s + 1))[::-1][:-1]
        else:
            raise BundleError("timestep_spacing %r is not supported" % spacing)
    return [int(t) for t in ts]


def predict(o, x, acp_t, kind):
    """(x0, eps) from the model output, per prediction_type."""
    at, st = math.sqrt(acp_t), math.sqrt(1.0 - acp_t)
    if kind == "epsilon":
        return lincomb((x, 1.0 / at), (o, -st / at)), o
    if kind == "v_prediction":
        return lincomb((x, at), (o, -st)), lincomb((x, st), (o, at))
    if kind == "sample":
        return o, lincomb((x, 1.0 / st), (o, -at / st))
    raise BundleError("prediction_type %r is not supported" % kind)


def sample(model_out, x, cfg, sampler, steps, progress=None, profile=None):
    """Runs the sampler from the starting latent x; model_out(x, t) gives the guided output."""
    profile = profile or NoProfile()
    acp = alphas_cumprod(cfg)
    n = len(acp)
    kind = cfg.get("prediction_type", "epsilon")
    ts = timesteps(cfg, sampler, steps)
    if sampler == "ddim":
        alpha_one = bool(cfg.get("set_alpha_to_one", True))
        for t in ts:
            o = model_out(x, t)
            with profile.stage("guidance_and_step"):
                x = _ddim_step(x, o, t, acp, n, steps, alpha_one, kind)
        return x
    if sampler != "dpm++":
        raise BundleError("sampler %r is not supported (dpm++ or ddim)" % sampler)

    def lam(t):
        return math.log(math.sqrt(acp[t])) - math.log(math.sqrt(1.0 - acp[t]))

    m1, t_prev = None, None
    for k, s0 in enumerate(ts):
        o = model_out(x, s0)
        with profile.stage("guidance_and_step"):
            x, m0 = _dpm_step(x, o, k, ts, acp, kind, lam, m1, t_prev)
        m1, t_prev = m0, s0
        if progress:
            progress(k)
    return x


def _ddim_step(x, o, t, acp, n, steps, alpha_one, kind):
    """DDIM (eta 0): the latent after timestep t."""
    prev = t - n // steps
    ap = acp[prev] if prev >= 0 else (1.0 if alpha_one else acp[0])
    at, st = math.sqrt(acp[t]), math.sqrt(1.0 - acp[t])
    if kind == "epsilon":
        return lincomb((x, math.sqrt(ap) / at), (o, math.sqrt(1.0 - ap) - math.sqrt(ap) * st / at))
    x0, eps = predict(o, x, acp[t], kind)
    return lincomb((x0, math.sqrt(ap)), (eps, math.sqrt(1.0 - ap)))


def _dpm_step(x, o, k, ts, acp, kind, lam, m1, t_prev):
    """DPM-Solver++ 2M step k: (the next latent, this step's predicted sample)."""
    s0 = ts[k]
    m0, _ = predict(o, x, acp[s0], kind)
    if k == len(ts) - 1:
        return m0.clone(), m0
    t = ts[k + 1]
    alpha_t, sigma_t = math.sqrt(acp[t]), math.sqrt(1.0 - acp[t])
    sigma_s0 = math.sqrt(1.0 - acp[s0])
    h = lam(t) - lam(s0)
    if k == 0:
        return lincomb((x, sigma_t / sigma_s0), (m0, alpha_t * (1.0 - math.exp(-h)))), m0
    r0 = (lam(s0) - lam(t_prev)) / h
    kk = alpha_t * (1.0 - math.exp(-h))
    return lincomb((x, sigma_t / sigma_s0), (m0, kk * (1.0 + 0.5 / r0)), (m1, -0.5 * kk / r0)), m0


# ---------------------------------------------------------------------------------------------
# pipeline


class Profile:
    """Milliseconds per render stage, summed over the renders it saw (CPU: every op is done when it returns)."""

    STAGES = ("tokenize", "text_encode", "unet", "guidance_and_step", "vae_decode", "quantize")

    def __init__(self):
        self.ms = dict.fromkeys(self.STAGES, 0.0)

    @contextlib.contextmanager
    def stage(self, name):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] += (time.perf_counter() - t0) * 1000.0


class NoProfile:
    def stage(self, name):
        return contextlib.nullcontext()


class Pipeline:
    def __init__(self, model_dir, lora=None, verify=True, device="cpu"):
        self.device = torch.device(device)
        root = open_bundle_dir(model_dir)
        self.digest = verify_sha256sums(root) if verify else None
        index = read_json(os.path.join(root, "model_index.json"))
        if index.get("ftvalidator_bundle") != 1:
            raise BundleError("model_index.json: ftvalidator_bundle is %r, expected 1" % index.get("ftvalidator_bundle"))
        self.sched = read_json(os.path.join(root, "scheduler", "scheduler_config.json"))
        self.vae_cfg = read_json(os.path.join(root, "vae", "config.json"))
        self.unet_cfg = read_json(os.path.join(root, "unet", "config.json"))
        self.tokenizer = open_tokenizer(os.path.join(root, "tokenizer", "tokenizer.json"),
                                        os.path.join(root, "tokenizer", "tokenizer_config.json"))
        self.text_encoder = torch.jit.load(os.path.join(root, "text_encoder", "model.pt")).eval()
        self.unet = torch.jit.load(os.path.join(root, "unet", "model.pt")).eval()
        self.decoder = torch.jit.load(os.path.join(root, "vae", "decoder.pt")).eval()
        self.channels = int(self.vae_cfg.get("latent_channels", 4))
        if self.channels != int(self.unet_cfg.get("in_channels", self.channels)):
            raise BundleError("vae latent_channels %d != unet in_channels %s" % (self.channels, self.unet_cfg.get("in_channels")))
        self.factor = 2 ** (len(self.vae_cfg["block_out_channels"]) - 1)
        self.size = int(self.vae_cfg.get("sample_size", 512))
        self.scaling = float(self.vae_cfg.get("scaling_factor", 0.18215))
        self.lora_count = merge_lora(self.unet, load_lora(lora), lora) if lora else 0
        for module in (self.text_encoder, self.unet, self.decoder):
            module.to(self.device)

    def encode_text(self, prompts, profile=None):
        profile = profile or NoProfile()
        with profile.stage("tokenize"):
            ids = torch.tensor([self.tokenizer.encode(p) for p in prompts], dtype=torch.int64, device=self.device)
        with profile.stage("text_encode"):
            out = self.text_encoder(ids)
        return out[0] if isinstance(out, (tuple, list)) else out

    @torch.no_grad()
    def render_latent(self, seed, index, prompt, negative_prompt="", steps=30, guidance=7.5,
                      sampler="dpm++", width=None, height=None, profile=None):
        profile = profile or NoProfile()
        width, height = width or self.size, height or self.size
        if width % self.factor or height % self.factor:
            raise BundleError("width and height must be multiples of %d" % self.factor)
        h, w = height // self.factor, width // self.factor
        x = noise.latent(seed, index, [1, self.channels, h, w]).to(self.device)
        cfg_on = guidance > 1.0
        hidden = self.encode_text([negative_prompt, prompt] if cfg_on else [prompt], profile)
        g = f32(guidance)

        def model_out(x, t):
            if cfg_on:
                with profile.stage("unet"):
                    o = self.unet(torch.cat([x, x]), torch.full((2,), float(t), dtype=torch.float32, device=self.device), hidden)
                with profile.stage("guidance_and_step"):
                    u, c = o[0:1], o[1:2]
                    return u + (c - u) * g
            with profile.stage("unet"):
                return self.unet(x, torch.full((1,), float(t), dtype=torch.float32, device=self.device), hidden)

        return sample(model_out, x, self.sched, sampler, steps, profile=profile)

    @torch.no_grad()
    def decode(self, x, profile=None):
        profile = profile or NoProfile()
        with profile.stage("vae_decode"):
            img = self.decoder(x * f32(1.0 / self.scaling))
        with profile.stage("quantize"):
            img = torch.clamp(img * f32(0.5) + f32(0.5), 0.0, 1.0) * f32(255.0)
            return torch.round(img)[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()   # [H, W, 3]

    def render(self, seed, index, prompt, profile=None, **kw):
        return self.decode(self.render_latent(seed, index, prompt, profile=profile, **kw), profile)


def write_png(path, rgb):
    """8-bit RGB PNG: IHDR, one IDAT (filter 0 on every row), IEND; no other chunks."""
    h, w, _ = rgb.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def torch_device(name):
    """This project's device names (cpu, gpu, gpu:N) as torch's (cpu, cuda, cuda:N)."""
    n = name.strip().lower()
    if n == "cpu" or n.startswith("cuda"):
        return n
    if n == "gpu" or n.startswith("gpu:"):
        return "cuda" + n[3:]
    raise BundleError("unknown device %r: use cpu, gpu or gpu:N" % name)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="bundle directory or zip")
    ap.add_argument("--lora", help="LoRA .safetensors file or PEFT adapter folder")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--index", type=int, required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--negative-prompt", default="")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--guidance", type=float, default=7.5)
    ap.add_argument("--sampler", choices=["dpm++", "ddim"], default="dpm++")
    ap.add_argument("--width", type=int)
    ap.add_argument("--height", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu, gpu or gpu:N (cuda, cuda:N too)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--bench", type=int, default=0, help="render N more times after one warm-up; print the median")
    ap.add_argument("--profile", action="store_true",
                    help="with --bench: also print each stage's milliseconds per image, the median over the runs")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    try:
        pipe = Pipeline(a.model, a.lora, device=torch_device(a.device))
        kw = dict(negative_prompt=a.negative_prompt, steps=a.steps, guidance=a.guidance, sampler=a.sampler,
                  width=a.width, height=a.height)
        rgb = pipe.render(a.seed, a.index, a.prompt, **kw)
        write_png(a.out, rgb)
        if a.bench > 0:
            times, profiles = [], []
            for _ in range(a.bench):
                profile = Profile() if a.profile else None
                t0 = time.perf_counter()
                again = pipe.render(a.seed, a.index, a.prompt, profile=profile, **kw)
                times.append((time.perf_counter() - t0) * 1000.0)
                profiles.append(profile)
                if not np.array_equal(again, rgb):
                    raise SystemExit("render is not repeatable within one process")
            print("render_ms_per_image %.1f" % statistics.median(times))
            if a.profile:
                for stage in Profile.STAGES:
                    print("stage_ms %s %.3f" % (stage, statistics.median(p.ms[stage] for p in profiles)))
    except BundleError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
