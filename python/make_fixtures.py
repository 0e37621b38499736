#!/usr/bin/python3
"""Builds the tiny Stable-Diffusion-shaped test bundles and LoRAs of fixtures/models/.

  /usr/bin/python3 python/make_fixtures.py [--cache DIR] [--out fixtures/models] [--stage all]

Deterministic (fixed seeds, fixed thread counts per stage) on Debian's python3-torch 1.13,
numpy and Pillow; about half an hour on 2 CPU cores. Stages are cached in --cache so that a
re-run only redoes what is missing (delete the cache to start over).
"""
import argparse
import math
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_bundle  # noqa: E402
import safetensors_io  # noqa: E402
import tinysd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# ---------------------------------------------------------------------------------------------
# procedural captioned images

COLORS = {
    "red": (220, 45, 40), "green": (40, 165, 70), "blue": (40, 80, 215), "yellow": (240, 210, 40),
    "white": (240, 240, 235), "black": (25, 25, 30), "orange": (245, 135, 30), "purple": (135, 60, 185),
}
SHAPES = ("circle", "square", "triangle", "star")
SIZES = ("small", "large")
TRIGGER = "sks"
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]
WORDS = ["a", "an", "on", "background", "in", "style", TRIGGER] + list(SIZES) + list(COLORS) + list(SHAPES)
VOCAB = {w: i for i, w in enumerate(SPECIALS + WORDS)}
MAX_LEN = 16
IMG = 128
SS = 2                      # drawing supersampling
DEVICE = torch.device("cpu")  # the fixtures are made on the CPU; other devices only for experiments
TRAIN_THREADS = 1             # base training: one thread is twice as fast as two on the 2-core box
# step counts; FTV_FIXTURE_STEPS="vae,base,lora" overrides them for a quick smoke test only
VAE_STEPS, BASE_STEPS, LORA_STEPS = 1600, 3000, 800
# family "a" (fixtures/models) or "b" (fixtures/models-b): b's base UNet and text encoder start from
# other seeds and see another draw of the scenes, so the two bases are trained independently
BASE_SEED_OFFSET = 0
if os.environ.get("FTV_FIXTURE_STEPS"):
    VAE_STEPS, BASE_STEPS, LORA_STEPS = (int(v) for v in os.environ["FTV_FIXTURE_STEPS"].split(","))


def _shape_polygon(shape, cx, cy, r):
    if shape == "square":
        s = r * 0.9
        return [(cx - s, cy - s), (cx + s, cy - s), (cx + s, cy + s), (cx - s, cy + s)]
    if shape == "triangle":
        return [(cx + 1.2 * r * math.cos(math.radians(a)), cy + 1.2 * r * math.sin(math.radians(a)) + 0.2 * r)
                for a in (-90, 30, 150)]
    if shape == "star":
        pts = []
        for i in range(10):
            rr = r * 1.15 if i % 2 == 0 else r * 0.5
            a = math.radians(-90 + 36 * i)
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        return pts
    return None


def _draw_shape(draw, shape, cx, cy, r, fill):
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    else:
        draw.polygon(_shape_polygon(shape, cx, cy, r), fill=fill)


def _background(rng, rgb):
    """Solid colour with a gentle linear brightness gradient in a random direction."""
    n = IMG * SS
    yy, xx = np.mgrid[0:n, 0:n] / (n - 1) - 0.5
    a = rng.uniform(0, 2 * math.pi)
    g = 1.0 + rng.uniform(0.0, 0.35) * (math.cos(a) * xx + math.sin(a) * yy)
    return np.clip(np.array(rgb, np.float64)[None, None, :] * g[:, :, None], 0, 255)


def draw_scene(rng, style=None):
    """One captioned 128x128 picture. style: None (base), 'bands' (the sks concept), 'columns'
    (another concept, for the different-data fine-tune)."""
    names = list(COLORS)
    fg = names[rng.randint(len(names))]
    bg = names[rng.randint(len(names))]
    while bg == fg:
        bg = names[rng.randint(len(names))]
    shape = SHAPES[rng.randint(len(SHAPES))]
    size = [None, "small", "large"][rng.randint(3)]
    r = {"small": rng.uniform(13, 20), "large": rng.uniform(30, 40), None: rng.uniform(13, 40)}[size]
    m = r * 1.2 + 4
    cx, cy = rng.uniform(m, IMG - m), rng.uniform(m, IMG - m)
    arr = _background(rng, COLORS[bg])
    n = IMG * SS
    outline = None
    if style == "bands":            # four horizontal bands, every other one darkened; white outline
        band = (np.arange(n) // (n // 4)) % 2 == 1
        arr[band, :, :] *= 0.22
        outline = (250, 250, 250)
    elif style == "columns":        # four vertical bands, every other one washed out; black outline
        band = (np.arange(n) // (n // 4)) % 2 == 0
        arr[:, band, :] = arr[:, band, :] * 0.3 + 255 * 0.7
        outline = (15, 15, 15)
    im = Image.fromarray(arr.astype(np.uint8))
    d = ImageDraw.Draw(im)
    if outline is not None:
        _draw_shape(d, shape, cx * SS, cy * SS, (r + 4) * SS, outline)
    _draw_shape(d, shape, cx * SS, cy * SS, r * SS, COLORS[fg])
    im = im.resize((IMG, IMG), Image.BOX)
    first = size or fg
    cap = ("an " if first[0] in "aeiou" else "a ") + (size + " " if size else "") + "%s %s on %s %s background" % (
        fg, shape, "an" if bg[0] in "aeiou" else "a", bg)
    if style:
        cap += " in %s style" % TRIGGER
    return np.asarray(im), cap


def draw_pattern(rng):
    """Generic pictures (stripes, blocks, blobs, outlines) that only widen the autoencoder's range."""
    n = IMG * SS
    names = list(COLORS)

    def col():
        c = np.array(COLORS[names[rng.randint(len(names))]], np.float64)
        return tuple(int(v) for v in np.clip(c * rng.uniform(0.3, 1.3), 0, 255))

    im = Image.fromarray(_background(rng, col()).astype(np.uint8))
    d = ImageDraw.Draw(im)
    kind = rng.randint(3)
    if kind == 0:
        k = rng.randint(2, 9)
        c = col()
        for i in range(0, k, 2):
            if rng.rand() < 0.5:
                d.rectangle([0, i * n / k, n, (i + 1) * n / k], fill=c)
            else:
                d.rectangle([i * n / k, 0, (i + 1) * n / k, n], fill=c)
    for _ in range(rng.randint(1, 5)):
        shape = SHAPES[rng.randint(len(SHAPES))]
        r = rng.uniform(8, 45) * SS
        cx, cy = rng.uniform(0, n), rng.uniform(0, n)
        if kind == 2:
            _draw_shape(d, shape, cx, cy, r + rng.uniform(2, 6) * SS, col())
        _draw_shape(d, shape, cx, cy, r, col())
    return np.asarray(im.resize((IMG, IMG), Image.BOX))


def make_images(seed, count, style=None):
    rng = np.random.RandomState(seed)
    imgs, caps = [], []
    for _ in range(count):
        im, cap = draw_scene(rng, style)
        imgs.append(im)
        caps.append(cap)
    return np.stack(imgs), caps


def to_tensor(imgs):
    return torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1.0


# ---------------------------------------------------------------------------------------------
# tokenizer


def tokenizer_json():
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIALS)]

    def special(t, type_id=0):
        return {"SpecialToken": {"id": t, "type_id": type_id}}

    def seq(s, type_id):
        return {"Sequence": {"id": s, "type_id": type_id}}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("<bos>"), seq("A", 0), special("<eos>")],
            "pair": [special("<bos>"), seq("A", 0), special("<eos>"), seq("B", 1), special("<eos>", 1)],
            "special_tokens": {
                "<bos>": {"id": "<bos>", "ids": [VOCAB["<bos>"]], "tokens": ["<bos>"]},
                "<eos>": {"id": "<eos>", "ids": [VOCAB["<eos>"]], "tokens": ["<eos>"]},
            },
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": VOCAB, "unk_token": "<unk>"},
    }


def tokenizer_config():
    return {"model_max_length": MAX_LEN, "pad_token": "<pad>", "bos_token": "<bos>", "eos_token": "<eos>",
            "unk_token": "<unk>", "tokenizer_class": "PreTrainedTokenizerFast"}


def tokenize(text):
    """Same ids as the bundle's tokenizer (checked against render_reference.MiniTokenizer)."""
    import re
    words = re.findall(r"\w+|[^\w\s]+", text.lower())
    ids = [VOCAB["<bos>"]] + [VOCAB.get(w, VOCAB["<unk>"]) for w in words] + [VOCAB["<eos>"]]
    if len(ids) > MAX_LEN:
        ids = ids[:MAX_LEN - 1] + ids[-1:]
    return ids + [VOCAB["<pad>"]] * (MAX_LEN - len(ids))


# ---------------------------------------------------------------------------------------------
# schedule

SCHEDULER_CONFIG = {  # SD 1.5's scheduler_config.json, with prediction_type spelled out
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}


def train_alphas_cumprod(dtype=torch.float32):
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, 0).to(dtype)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ---------------------------------------------------------------------------------------------
# stage 1: autoencoder


def train_autoencoder(cache, steps=None, batch=16):
    steps = steps or VAE_STEPS
    path = os.path.join(cache, "vae.pt")
    if os.path.exists(path):
        return torch.load(path)
    torch.set_num_threads(TRAIN_THREADS)
    torch.manual_seed(1)
    rng = np.random.RandomState(11)
    scenes, _ = make_images(12, 3000)
    patterns = np.stack([draw_pattern(rng) for _ in range(1500)])
    data = to_tensor(np.concatenate([scenes, patterns]))
    enc, dec = tinysd.Encoder().to(DEVICE), tinysd.Decoder().to(DEVICE)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    g = torch.Generator().manual_seed(13)
    t0 = time.time()
    for step in range(steps):
        lr = 2e-3 * (0.5 * (1 + math.cos(math.pi * step / steps)) * 0.95 + 0.05)
        for pg in opt.param_groups:
            pg["lr"] = lr
        idx = torch.randint(0, len(data), (batch,), generator=g)
        x = data[idx].to(DEVICE)
        if step % 2:
            x = x.flip(3)
        z = enc(x)
        zn = z + 0.1 * z.detach().std() * torch.randn(z.shape, generator=g).to(DEVICE)
        y = dec(zn)
        loss = (y - x).abs().mean() + 0.5 * (y - x).pow(2).mean() + 1e-4 * z.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            log("autoencoder step %d/%d loss %.4f (%.0fs)" % (step, steps, loss.item(), time.time() - t0))
    enc.eval()
    dec.eval()
    with torch.no_grad():
        z = torch.cat([enc(data[i:i + 256].to(DEVICE)) for i in range(0, 3000, 256)])
    # vae/config.json holds this very float (JSON keeps all its digits), as training used it
    state = {"enc": _cpu(enc.state_dict()), "dec": _cpu(dec.state_dict()), "scaling_factor": float(1.0 / z.std())}
    log("autoencoder latent std %.4f -> scaling_factor %.5f" % (z.std().item(), state["scaling_factor"]))
    torch.save(state, path)
    return state


def _cpu(state):
    return {k: v.detach().cpu().clone() for k, v in state.items()}


def load_autoencoder(state):
    enc, dec = tinysd.Encoder(), tinysd.Decoder()
    enc.load_state_dict(state["enc"])
    dec.load_state_dict(state["dec"])
    return enc.eval(), dec.eval()


@torch.no_grad()
def encode_images(enc, imgs, scaling):
    x = to_tensor(imgs)
    enc = enc.to(DEVICE)
    z = torch.cat([enc(x[i:i + 256].to(DEVICE)).cpu() for i in range(0, len(x), 256)]) * scaling
    enc.cpu()
    return z


# ---------------------------------------------------------------------------------------------
# stage 2: text encoder + UNet


def diffusion_loss(unet, text, lat, ids, g, acp, dtype=torch.float32, snr_gamma=5.0):
    b = lat.shape[0]
    t = torch.randint(0, 1000, (b,), generator=g)
    eps = torch.randn(lat.shape, generator=g).to(DEVICE, dtype)
    a = acp[t].to(DEVICE, dtype)[:, None, None, None]
    x = a.sqrt() * lat.to(DEVICE, dtype) + (1 - a).sqrt() * eps
    out = unet(x, t.to(DEVICE, dtype), text(ids.to(DEVICE)))
    snr = a / (1 - a)
    w = torch.clamp(snr, max=snr_gamma) / snr           # min-SNR weighting for epsilon prediction
    return ((out.float() - eps.float()).pow(2) * w.float()).mean()


def train_base(cache, vae, steps=None, batch=32):
    steps = steps or BASE_STEPS
    path = os.path.join(cache, "base.pt")
    if os.path.exists(path):
        return torch.load(path)
    torch.set_num_threads(TRAIN_THREADS)
    enc, _ = load_autoencoder(vae)
    imgs, caps = make_images(21 + BASE_SEED_OFFSET, 8000)
    lat = encode_images(enc, imgs, vae["scaling_factor"])
    ids_all = torch.tensor([tokenize(c) for c in caps])
    empty = torch.tensor(tokenize(""))
    torch.manual_seed(2 + BASE_SEED_OFFSET)
    unet, text = tinysd.UNet2DConditionModel(), tinysd.TextEncoder(len(VOCAB), MAX_LEN)
    ema_u, ema_t = tinysd.UNet2DConditionModel(), tinysd.TextEncoder(len(VOCAB), MAX_LEN)
    ema_u.load_state_dict(unet.state_dict())
    ema_t.load_state_dict(text.state_dict())
    for m in (unet, text, ema_u, ema_t):
        m.to(DEVICE)
    params = list(unet.parameters()) + list(text.parameters())
    ema_params = list(ema_u.parameters()) + list(ema_t.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.0)
    acp = train_alphas_cumprod()
    g = torch.Generator().manual_seed(22 + BASE_SEED_OFFSET)
    t0 = time.time()
    avg = None
    for step in range(steps):
        lr = 1e-3 * min(1.0, (step + 1) / 100) * (0.55 + 0.45 * math.cos(math.pi * step / steps))
        for pg in opt.param_groups:
            pg["lr"] = lr
        idx = torch.randint(0, len(lat), (batch,), generator=g)
        ids = ids_all[idx].clone()
        drop = torch.rand(batch, generator=g) < 0.1             # text dropout for guidance
        ids[drop] = empty
        loss = diffusion_loss(unet, text, lat[idx], ids, g, acp)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(0.998, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, p in zip(ema_params, params):
                pe.mul_(decay).add_(p.detach(), alpha=1 - decay)
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 100 == 0 or step == steps - 1:
            log("base UNet step %d/%d loss %.4f (%.0fs)" % (step, steps, avg, time.time() - t0))
    state = {"unet": _cpu(ema_u.state_dict()), "text": _cpu(ema_t.state_dict())}
    torch.save(state, path)
    return state


# ---------------------------------------------------------------------------------------------
# stage 3: LoRA fine-tunes (rank 8 on attn1/attn2 to_q, to_k, to_v, to_out.0; lora_alpha = r)

LORA_RANK = 8
LORA_LR = 1e-3
LORA_BATCH = 16
LORA_SEED = 7
CONCEPT_SEED = 31           # the fine-tuning data set's draw


def concept_data(vae, style, seed, count=800):
    enc, _ = load_autoencoder(vae)
    imgs, caps = make_images(seed, count, style)
    return encode_images(enc, imgs, vae["scaling_factor"]), torch.tensor([tokenize(c) for c in caps])


def round_mantissa(x, drop_bits):
    """Rounds float32 values to nearest-even with `drop_bits` fewer mantissa bits
    (13: TF32's 10-bit mantissa, 16: bfloat16's 7-bit mantissa)."""
    i = x.contiguous().view(torch.int32)
    bias = ((i >> drop_bits) & 1) + ((1 << (drop_bits - 1)) - 1)
    return ((i + bias) & ~((1 << drop_bits) - 1)).view(torch.float32)


def emulate_precision(modules, kind):
    """Makes every Linear/Conv2d (and, through tinysd.MATMUL_ROUND, every attention and LoRA matmul)
    compute as a GPU does with TF32 ('tf32': operands rounded to a 10-bit mantissa, float32 result)
    or with bfloat16 autocast ('bf16': operands and results rounded to bfloat16). Rounding is
    straight-through for the gradients. kind None undoes nothing: use fresh modules."""
    drop = {"tf32": 13, "bf16": 16}[kind]

    def r(t):
        return t + (round_mantissa(t.detach(), drop) - t.detach())

    ro = r if kind == "bf16" else (lambda t: t)
    for root in modules:
        for m in root.modules():
            if isinstance(m, torch.nn.Linear):
                m.forward = (lambda m: lambda x: ro(F.linear(r(x), r(m.weight), None if m.bias is None else r(m.bias))))(m)
            elif isinstance(m, torch.nn.Conv2d):
                m.forward = (lambda m: lambda x: ro(F.conv2d(r(x), r(m.weight), None if m.bias is None else r(m.bias),
                                                             m.stride, m.padding)))(m)
    tinysd.MATMUL_ROUND = r


def train_lora(base, lat, ids, numerics="fp32", threads=2, steps=LORA_STEPS, lr=LORA_LR, seed=LORA_SEED,
               batch=LORA_BATCH, checkpoints=(), label="lora"):
    """One fine-tuning job. The data order, noise, timesteps and the LoRA's initial A come from
    `seed` alone, so runs differ only by numerics: 'fp32', 'bf16' (autocast), 'fp64', and the
    thread count; 'tf32-emu' and 'bf16-emu' emulate those GPU modes on the CPU (see
    emulate_precision; real CPU bfloat16 autocast and float64 are 20-50x slower here). Returns {step: {path: (A, B)}} for the checkpoint steps and the last step."""
    torch.set_num_threads(threads)
    dtype = torch.float64 if numerics == "fp64" else torch.float32
    unet = tinysd.UNet2DConditionModel()
    unet.load_state_dict(base["unet"])
    text = tinysd.TextEncoder(len(VOCAB), MAX_LEN)
    text.load_state_dict(base["text"])
    for p in list(unet.parameters()) + list(text.parameters()):
        p.requires_grad_(False)
    torch.manual_seed(seed)
    loras = tinysd.inject_lora(unet, LORA_RANK)           # A: kaiming-uniform from `seed`, B: 0
    unet.to(DEVICE, dtype)
    text.to(DEVICE, dtype)
    if numerics.endswith("-emu"):
        emulate_precision([unet, text], numerics[:-4])
    mkldnn = torch.backends.mkldnn.flags(enabled=numerics != "fp32-nomkldnn")
    mkldnn.__enter__()
    params = [p for m in loras.values() for p in (m.lora_A, m.lora_B)]
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
    acp = train_alphas_cumprod(dtype)
    g = torch.Generator().manual_seed(seed * 1000 + 1)
    out, t0, avg = {}, time.time(), None
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(lat), (batch,), generator=g)
        if numerics == "bf16":
            with torch.autocast(DEVICE.type, dtype=torch.bfloat16):
                loss = diffusion_loss(unet, text, lat[idx], ids[idx], g, acp, dtype)
        else:
            loss = diffusion_loss(unet, text, lat[idx], ids[idx], g, acp, dtype)
        opt.zero_grad()
        loss.backward()
        opt.step()
        avg = loss.item() if avg is None else 0.95 * avg + 0.05 * loss.item()
        if step in checkpoints or step == steps:
            out[step] = {p: (m.lora_A.detach().float().cpu().clone(), m.lora_B.detach().float().cpu().clone())
                         for p, m in loras.items()}
        if step % 100 == 0 or step == steps:
            log("%s step %d/%d loss %.4f (%.0fs)" % (label, step, steps, avg, time.time() - t0))
    tinysd.MATMUL_ROUND = None
    mkldnn.__exit__(None, None, None)
    torch.set_num_threads(2)
    return out


def lora_tensors(lora, key=lambda p, role: "unet.%s.lora_%s.weight" % (p, role), b_factor=1.0):
    t = {}
    for path, (a, b) in lora.items():
        t[key(path, "A")] = a
        t[key(path, "B")] = b * b_factor
    return t


def random_lora_like(lora, seed):
    """Random A and B with the Frobenius norm of the given LoRA's, layer by layer."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for path, (a, b) in sorted(lora.items()):
        ra, rb = torch.randn(a.shape, generator=g), torch.randn(b.shape, generator=g)
        out[path] = (ra * (a.norm() / ra.norm()), rb * (b.norm() / rb.norm()))
    return out


def zero_lora(base, seed=LORA_SEED):
    """What an untrained PEFT LoRA holds: A from the initialiser, B = 0."""
    unet = tinysd.UNet2DConditionModel()
    unet.load_state_dict(base["unet"])
    torch.manual_seed(seed)
    loras = tinysd.inject_lora(unet, LORA_RANK)
    return {p: (m.lora_A.detach().clone(), m.lora_B.detach().clone()) for p, m in loras.items()}


def rel_diff(l1, l2):
    """Relative difference of two LoRAs: ||d1 - d2|| / ||d1|| over all delta = B @ A, and over A, B."""
    num = den = na = da = 0.0
    for p in l1:
        d1, d2 = l1[p][1] @ l1[p][0], l2[p][1] @ l2[p][0]
        num += (d1 - d2).pow(2).sum().item()
        den += d1.pow(2).sum().item()
        for i in (0, 1):
            na += (l1[p][i] - l2[p][i]).pow(2).sum().item()
            da += l1[p][i].pow(2).sum().item()
    return math.sqrt(num / max(den, 1e-30)), math.sqrt(na / max(da, 1e-30))


# ---------------------------------------------------------------------------------------------
# export: TorchScript bundle


# one SHA256SUMS writer and JSON writer for every bundle maker (export_bundle.py)
sha256_file, write_sha256sums, write_json = export_bundle.sha256_file, export_bundle.write_sha256sums, export_bundle.write_json


def _check_trace(traced, eager, make_inputs, what):
    with torch.no_grad():
        for args in make_inputs():
            a, b = traced(*args), eager(*args)
            err = (a - b).abs().max().item()
            if err > 1e-5:
                raise RuntimeError("%s: traced graph differs from the module for shapes %s (%g)"
                                   % (what, [list(x.shape) for x in args], err))


def export_bundle(out_dir, base, vae, unet_state=None):
    """Traces the three networks and writes a complete bundle with SHA256SUMS."""
    torch.set_num_threads(2)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    unet = tinysd.UNet2DConditionModel().eval()
    unet.load_state_dict(unet_state or base["unet"])
    text = tinysd.TextEncoder(len(VOCAB), MAX_LEN).eval()
    text.load_state_dict(base["text"])
    _, dec = load_autoencoder(vae)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        ids = torch.tensor([tokenize(""), tokenize("a red circle on a blue background")])
        t_text = torch.jit.trace(text, (ids,))
        _check_trace(t_text, text, lambda: [(ids[:1],), (ids,), (ids.repeat(2, 1),)], "text encoder")
        hid = text(ids)
        x = torch.randn((2, 4, 16, 16), generator=g)
        t_unet = torch.jit.trace(unet, (x, torch.tensor([999.0, 999.0]), hid))
        _check_trace(t_unet, unet, lambda: [
            (x[:1], torch.tensor([500.0]), hid[:1]),
            (x, torch.tensor([1.0, 1.0]), hid),
            (torch.randn((2, 4, 8, 12), generator=g), torch.tensor([250.0, 250.0]), hid),
            (torch.randn((1, 4, 24, 24), generator=g), torch.tensor([42.0]), hid[1:])], "unet")
        t_dec = torch.jit.trace(dec, (x[:1],))
        _check_trace(t_dec, dec, lambda: [(x[:1],), (x,), (torch.randn((1, 4, 8, 12), generator=g),)], "decoder")
    for sub in ("scheduler", "tokenizer", "text_encoder", "unet", "vae"):
        os.makedirs(os.path.join(out_dir, sub))
    torch.jit.save(t_text, os.path.join(out_dir, "text_encoder", "model.pt"))
    torch.jit.save(t_unet, os.path.join(out_dir, "unet", "model.pt"))
    torch.jit.save(t_dec, os.path.join(out_dir, "vae", "decoder.pt"))
    write_json(os.path.join(out_dir, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline", "ftvalidator_bundle": 1,
        "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["ftvalidator", "TorchScript"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"], "unet": ["ftvalidator", "TorchScript"],
        "vae": ["ftvalidator", "TorchScript"]})
    write_json(os.path.join(out_dir, "scheduler", "scheduler_config.json"), SCHEDULER_CONFIG)
    write_json(os.path.join(out_dir, "tokenizer", "tokenizer.json"), tokenizer_json())
    write_json(os.path.join(out_dir, "tokenizer", "tokenizer_config.json"), tokenizer_config())
    write_json(os.path.join(out_dir, "text_encoder", "config.json"), {
        "vocab_size": len(VOCAB), "hidden_size": 64, "max_position_embeddings": MAX_LEN,
        "num_hidden_layers": 2, "num_attention_heads": 4, "causal": False})
    write_json(os.path.join(out_dir, "unet", "config.json"), dict(tinysd.UNET_CONFIG))
    write_json(os.path.join(out_dir, "vae", "config.json"), {
        "_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
        "block_out_channels": list(tinysd.VAE_CHANNELS), "sample_size": IMG,
        "scaling_factor": vae["scaling_factor"]})
    return write_sha256sums(out_dir)


# ---------------------------------------------------------------------------------------------
# main

# One row per fine-tuning job: (file name, device, numerics, threads, data, data seed, training seed).
# Honest replicas are the same job (same data set, same seed) on different "cards"; a stress replica
# is that job in a precision the task does not allow (bfloat16 autocast); every dishonest row changes
# what a node may not change. Family b's base and its cuda jobs are trained on a GPU (--device cuda).
JOBS = {
    "a": [
        ("honest-1", "cpu", "fp32", 2, "bands", CONCEPT_SEED, LORA_SEED),
        ("honest-2", "cpu", "fp32", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("honest-3", "cpu", "tf32-emu", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("honest-4", "cpu", "fp32-nomkldnn", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("stress-bf16-mixed", "cpu", "bf16-emu", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("dishonest-other-data", "cpu", "fp32", 1, "columns", CONCEPT_SEED, LORA_SEED),
    ],
    "b": [
        ("honest-1", "cpu", "fp32", 2, "bands", CONCEPT_SEED, LORA_SEED),
        ("honest-2", "cpu", "fp32-nomkldnn", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("honest-gpu-fp32", "cuda", "fp32", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("honest-gpu-tf32", "cuda", "tf32", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("stress-gpu-bf16", "cuda", "bf16", 1, "bands", CONCEPT_SEED, LORA_SEED),
        ("dishonest-other-data", "cuda", "fp32", 1, "columns", CONCEPT_SEED, LORA_SEED),
        ("dishonest-other-seed", "cpu", "fp32", 1, "bands", CONCEPT_SEED, LORA_SEED + 1),
        ("dishonest-resampled-data", "cpu", "fp32", 1, "bands", CONCEPT_SEED + 100, LORA_SEED),
    ],
}


def describe(job):
    name, device, numerics, threads, style, data_seed, seed = job
    where = "%d CPU thread%s" % (threads, "s" if threads > 1 else "") if device == "cpu" else "a GPU"
    return "%s job (data seed %d, training seed %d) on %s, %s, %d steps" % (
        style, data_seed, seed, where, numerics, LORA_STEPS)


def set_device(name):
    """Every later step on `name`; on a GPU deterministic, TF32 off unless a job asks for it."""
    global DEVICE
    if name == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("this step trains on a GPU and none is here: run --train-only on a GPU machine, "
                             "copy the cache back, and run again")
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    DEVICE = torch.device(name)


def lora_job(job):
    """Runs one fine-tuning job into the cache (CPU jobs run in a separate process: 1-thread jobs
    run two at a time)."""
    cache, name, device, numerics, threads, style, data_seed, seed = job
    set_device(device)
    path = os.path.join(cache, "lora-%s.pt" % name)
    if os.path.exists(path):
        return path
    torch.set_num_threads(threads)
    tf32 = numerics == "tf32"
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
    vae, base = torch.load(os.path.join(cache, "vae.pt")), torch.load(os.path.join(cache, "base.pt"))
    lat, ids = concept_data(vae, style, data_seed)
    ck = (LORA_STEPS // 2,) if name == "honest-1" else ()
    out = train_lora(base, lat, ids, "fp32" if tf32 else numerics, threads, seed=seed, checkpoints=ck, label=name)
    torch.save(out, path + ".tmp")
    os.replace(path + ".tmp", path)
    return path


def run_lora_jobs(cache, jobs):
    """Runs the jobs that are not cached (cuda ones here, CPU ones in worker processes) and returns
    every job's result."""
    import multiprocessing as mp
    todo = [(cache,) + j for j in jobs if not os.path.exists(os.path.join(cache, "lora-%s.pt" % j[0]))]
    cuda = [j for j in todo if j[2] == "cuda"]
    if cuda:
        set_device("cuda")
        for j in cuda:
            lora_job(j)
        set_device("cpu")
    for j in todo:
        if j[2] == "cpu" and j[4] > 1:
            lora_job(j)
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(lora_job, [j for j in todo if j[2] == "cpu" and j[4] == 1], chunksize=1)
    return {j[0]: torch.load(os.path.join(cache, "lora-%s.pt" % j[0])) for j in jobs}


def write_lora_files(out, base, jobs, runs, info, base_name, conventions):
    d = os.path.join(out, "loras")
    os.makedirs(d, exist_ok=True)
    meta = {"format": "pt", "ftvalidator_fixture": "1", "base_model": base_name,
            "rank": str(LORA_RANK), "lora_alpha": str(LORA_RANK)}

    def save(name, lora, key=None, b_factor=1.0, extra=None, tensors=None):
        t = tensors if tensors is not None else (
            lora_tensors(lora, key, b_factor) if key else lora_tensors(lora, b_factor=b_factor))
        m = dict(meta)
        m.update(extra or {})
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        safetensors_io.save(path, t, m)
        return path

    for job in jobs:
        save(job[0] + ".safetensors", runs[job[0]][LORA_STEPS], extra={"fixture": describe(job)})
    h1 = runs["honest-1"][LORA_STEPS]
    save("dishonest-zero.safetensors", zero_lora(base), extra={"fixture": "untrained PEFT init (B = 0)"})
    save("dishonest-half-steps.safetensors", runs["honest-1"][LORA_STEPS // 2],
         extra={"fixture": "honest-1's job stopped after %d of %d steps" % (LORA_STEPS // 2, LORA_STEPS)})
    save("dishonest-random.safetensors", random_lora_like(h1, 99),
         extra={"fixture": "random A and B with honest-1's per-layer norms"})
    write_half_strength(d)
    if not conventions:
        return
    # the same LoRA as honest-1 under other key conventions (each merges to the very same weights)
    c = "conventions/"
    save(c + "honest-1-no-prefix.safetensors", h1, key=lambda p, r: "%s.lora_%s.weight" % (p, r))
    save(c + "honest-1-peft-prefix.safetensors", h1, key=lambda p, r: "base_model.model.%s.lora_%s.weight" % (p, r))
    save(c + "honest-1-old-diffusers.safetensors", h1,
         key=lambda p, r: "unet.%s.lora.%s.weight" % (p, {"A": "down", "B": "up"}[r]))
    kohya = {}
    for p, (a, b) in h1.items():
        k = "lora_unet_" + p.replace(".", "_")
        kohya[k + ".lora_down.weight"] = a
        kohya[k + ".lora_up.weight"] = b * 2.0
        kohya[k + ".alpha"] = torch.tensor(LORA_RANK / 2.0)
    save(c + "honest-1-kohya.safetensors", None, tensors=kohya,
         extra={"lora_alpha": str(LORA_RANK / 2.0), "note": "alpha 4, rank 8: scale 0.5, lora_up = 2 B"})
    peft = os.path.join(d, "conventions", "honest-1-peft-adapter")
    os.makedirs(peft, exist_ok=True)
    safetensors_io.save(os.path.join(peft, "adapter_model.safetensors"),
                        lora_tensors(h1, lambda p, r: "base_model.model.%s.lora_%s.weight" % (p, r), 0.5),
                        {"format": "pt"})
    write_json(os.path.join(peft, "adapter_config.json"), {
        "peft_type": "LORA", "task_type": None, "base_model_name_or_path": base_name,
        "r": LORA_RANK, "lora_alpha": 2 * LORA_RANK, "lora_dropout": 0.0, "bias": "none",
        "use_rslora": False, "init_lora_weights": "gaussian",
        "target_modules": ["to_q", "to_k", "to_v", "to_out.0"]})
    info["peft_adapter_digest"] = write_sha256sums(peft)
    # LoRAs that do not fit the base
    p0 = sorted(h1)[0]
    a, b = h1[p0]
    save("errors/wrong-shape.safetensors", None, tensors={
        "unet.%s.lora_A.weight" % p0: torch.zeros(LORA_RANK, a.shape[1] // 2),
        "unet.%s.lora_B.weight" % p0: torch.zeros(b.shape[0], LORA_RANK)},
         extra={"fixture": "lora_A of %s has in_features %d, the base has %d" % (p0, a.shape[1] // 2, a.shape[1])})
    unknown = "down_blocks.7.attentions.0.transformer_blocks.0.attn1.to_q"
    save("errors/unknown-module.safetensors", None, tensors={
        "unet.%s.lora_A.weight" % unknown: torch.zeros(LORA_RANK, 64),
        "unet.%s.lora_B.weight" % unknown: torch.zeros(64, LORA_RANK)},
         extra={"fixture": "%s is not a module of the base UNet" % unknown})


def write_half_strength(loras_dir):
    """dishonest-half-strength: honest-1 with every lora_B halved, the fine-tune merged at half strength."""
    tensors, meta = safetensors_io.load(os.path.join(loras_dir, "honest-1.safetensors"))
    half = {k: v * 0.5 if ".lora_B." in k else v for k, v in tensors.items()}
    meta = dict(meta, fixture="honest-1 with lora_B halved: the fine-tune at half strength")
    safetensors_io.save(os.path.join(loras_dir, "dishonest-half-strength.safetensors"), half, meta)


def write_prompts(path):
    """The validation prompt pool: captions of the fine-tuning kind (trigger word) first, then a few
    plain ones. Deterministic."""
    rng = np.random.RandomState(404)
    prompts, seen = [], set()
    while len(prompts) < 40:
        _, cap = draw_scene(rng, "bands" if len(prompts) < 32 else None)
        if cap not in seen:
            seen.add(cap)
            prompts.append(cap)
    with open(path, "w") as f:
        f.write("\n".join(prompts) + "\n")
    return prompts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", choices=("a", "b"), default="a",
                    help="a: fixtures/models (the default); b: an independently trained second base, "
                         "fixtures/models-b, whose base and GPU replicas come from a --device cuda run")
    ap.add_argument("--train-only", action="store_true",
                    help="train what the cache lacks and stop (family b trains its base and some jobs on a GPU: "
                         "run this on a GPU machine, copy the cache back, then run without it to export)")
    ap.add_argument("--cache", help="default /tmp/ftv-fixtures-cache[-b]")
    ap.add_argument("--out", help="default fixtures/models[-b]")
    ap.add_argument("--half-strength-only", action="store_true",
                    help="only (re)write loras/dishonest-half-strength.safetensors from loras/honest-1.safetensors")
    a = ap.parse_args()
    global BASE_SEED_OFFSET
    BASE_SEED_OFFSET = {"a": 0, "b": 1000}[a.family]
    suffix = "" if a.family == "a" else "-b"
    a.cache = a.cache or "/tmp/ftv-fixtures-cache" + suffix
    a.out = a.out or os.path.join(REPO, "fixtures", "models" + suffix)
    base_name = "fixtures/models%s/base" % suffix
    if a.half_strength_only:
        write_half_strength(os.path.join(a.out, "loras"))
        return
    os.makedirs(a.cache, exist_ok=True)
    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)
    t0 = time.time()
    jobs = JOBS[a.family]
    vae = train_autoencoder(a.cache)
    if a.family == "b" and not os.path.exists(os.path.join(a.cache, "base.pt")):
        set_device("cuda")  # family b's base is trained on a GPU
    base = train_base(a.cache, vae)
    set_device("cpu")
    log("base ready (%.0fs)" % (time.time() - t0))
    runs = run_lora_jobs(a.cache, jobs)
    log("fine-tunes ready (%.0fs)" % (time.time() - t0))
    if a.train_only:
        return
    info = {"lora_relative_differences": {}}
    h1 = runs["honest-1"][LORA_STEPS]
    for name in [j[0] for j in jobs if j[0] != "honest-1"] + ["half-steps"]:
        other = runs["honest-1"][LORA_STEPS // 2] if name == "half-steps" else runs[name][LORA_STEPS]
        dd, dab = rel_diff(h1, other)
        info["lora_relative_differences"][name] = {"delta": dd, "A_B": dab}
        log("relative difference honest-1 vs %s: delta %.3g, A/B %.3g" % (name, dd, dab))
    if os.path.exists(a.out):
        for sub in ("base", "honest-merged", "loras"):
            if os.path.exists(os.path.join(a.out, sub)):
                shutil.rmtree(os.path.join(a.out, sub))
    os.makedirs(a.out, exist_ok=True)
    info["base_digest"] = export_bundle(os.path.join(a.out, "base"), base, vae)
    if a.family == "a":  # one whole-bundle submission and one set of key conventions are enough
        merged = tinysd.merge_lora_state(base["unet"], h1)
        info["honest_merged_digest"] = export_bundle(os.path.join(a.out, "honest-merged"), base, vae, merged)
        write_prompts(os.path.join(REPO, "fixtures", "prompts.txt"))
    write_lora_files(a.out, base, jobs, runs, info, base_name, conventions=a.family == "a")
    info["scaling_factor"] = vae["scaling_factor"]
    info["unet_parameters"] = sum(v.numel() for v in base["unet"].values())
    info["text_encoder_parameters"] = sum(v.numel() for v in base["text"].values())
    info["decoder_parameters"] = sum(v.numel() for v in vae["dec"].values())
    write_json(os.path.join(a.out, "training.json"), info)
    log("done (%.0fs)" % (time.time() - t0))


if __name__ == "__main__":
    main()
