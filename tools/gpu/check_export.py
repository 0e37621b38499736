#!/usr/bin/env python3
"""Checks python/export_bundle.py against the real libraries, on the GPU machine.

  /opt/torch/.venv/bin/python3 tools/gpu/check_export.py [--work DIR] [--random-texts 2000]

Needs: torch (2.x), transformers and tokenizers (installed there); diffusers is used when present
(the UNet/VAE and LDM-conversion checks are skipped otherwise, and say so). No network, no model
hub: every model is built from a config with random weights. Carries nothing but this repository
(python/, fixtures/clip-tokenizer/). About 2-4 minutes on the H200 machine (mostly building
SD-1.5-sized networks on the CPU).

What it checks, each printed as PASS/FAIL/SKIP with its figure:

 1. tokenizer: transformers.CLIPTokenizer(vocab_file, merges_file) (the class diffusers loads for
    SD 1.x), the exporter's tokenizer.json read with the `tokenizers` package and used as the Java
    engine uses it (special tokens, truncation keeping the end token, padding), and the Python
    reference clip_tokenizer.ClipTokenizer give the same 77 ids on the golden prompts of
    fixtures/clip-tokenizer and on random texts (words, punctuation, digits, apostrophes, accents,
    CJK, emoji, odd whitespace), for the fixture's small vocabulary and for a larger synthetic one
    (~4000 merges). Whether ftfy is installed is printed (with ftfy, CLIPTokenizer cleans text
    differently: docs/model-bundle.md); CLIPTokenizerFast's agreement is printed for information.
 2. text encoder: transformers.CLIPTextModel built from a config (tiny, and SD 1.5's ViT-L/14
    text tower), random weights saved with save_pretrained, exported inside a diffusers folder by
    the exporter; the bundle's TorchScript text_encoder/model.pt equals CLIPTextModel's
    last_hidden_state (max abs difference printed; float32 on CPU and GPU, float16 on GPU).
 3. float16: the tiny export's float16 UNet and VAE decoder on the GPU return float32 close to the
    float32 export's (relative difference printed).
 4. (diffusers) UNet2DConditionModel and AutoencoderKL built from SD 1.5's configs with random
    weights: their state dicts load strictly into the exporter's networks, and the outputs agree
    (UNet at a 64x64 latent, VAE decode at 32x32), on the GPU; also a tiny UNet with SD 2.x's
    options (linear projections, per-block heads, upcast attention) on the CPU.
 5. (diffusers) diffusers' own LDM single-file conversion of the exporter's LDM key layout
    gives the exporter's diffusers keys back.

Exit status 0 when nothing FAILed.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))

import torch  # noqa: E402

import clip_tokenizer as ct  # noqa: E402
import export_bundle  # noqa: E402
import ldm_keys  # noqa: E402
import sd_networks as nets  # noqa: E402
import sd_synthetic  # noqa: E402

RESULTS = []
FIXTURE = os.path.join(ROOT, "fixtures", "clip-tokenizer")


def report(status, name, detail):
    RESULTS.append(status)
    print("%-4s %s: %s" % (status, name, detail), flush=True)


def guarded(name):
    def wrap(f):
        def run(*a, **k):
            t0 = time.time()
            try:
                f(*a, **k)
            except Exception as e:
                traceback.print_exc()
                report("FAIL", name, "%s: %s" % (type(e).__name__, e))
            print("     (%s took %.0f s)" % (name, time.time() - t0), flush=True)
        return run
    return wrap


# ---------------------------------------------------------------------------------------------
# 1. tokenizer

WORDS = ["a", "photo", "of", "the", "cat", "dog", "astronaut", "riding", "horse", "masterpiece", "best", "quality",
         "black", "white", "red", "blue", "in", "style", "sks", "portrait", "4k", "8k", "hdr", "don't", "it's",
         "we're", "i'll", "rock'n'roll", "dogs'", "café", "naïve", "Ölgemälde", "日本", "東京", "🐱", "✨", "—", "…",
         "(", ")", "((", "))", ":1.2", "[", "]", "{", "}", ",", ".", "!", "?", "#", "@", "_", "-", "1girl", "2024",
         "3.5", "½", "x²", "“quoted”", "‘single’", "don’t", "ＦＵＬＬ", "ﬁne", "A", "PHOTO", "ＡＢＣ", "e\u0301",
         "<|endoftext|>", "\u200b", "\u00a0", "\t", "\n", "   "]


def random_text(rng):
    n = rng.randint(0, 90)
    parts = []
    for _ in range(n):
        w = rng.choice(WORDS) if rng.random() < 0.7 else "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.,!?-_éüßøñçЖжλ中文한국")
            for _ in range(rng.randint(1, 12)))
        parts.append(w)
        parts.append(rng.choice([" ", " ", " ", "", "  ", ", ", "\t"]))
    return "".join(parts)


def engine_ids(tok, text, length=77, pad_id=None):
    """What the Java engine does with a tokenizers file (engine/.../render/PromptTokenizer): the
    post-processor's special tokens, truncation keeping the ones it appends, padding."""
    with_special = tok.encode("a", add_special_tokens=True).ids
    without = tok.encode("a", add_special_tokens=False).ids
    start = next(i for i in range(len(with_special)) if with_special[i:i + len(without)] == without)
    suffix = len(with_special) - start - len(without)
    ids = tok.encode(text, add_special_tokens=True).ids
    if len(ids) > length:
        keep = max(0, length - suffix)
        ids = ids[:keep] + ids[len(ids) - (length - keep):]
    return ids + [pad_id] * (length - len(ids))


def larger_vocab(folder, rng):
    """A synthetic CLIP-layout vocabulary of ~4000 merges from random and English-like words."""
    syll = ["ta", "ro", "ne", "mi", "ka", "lo", "st", "ing", "er", "ed", "th", "qu", "ph", "ou", "ea", "sh", "ch"]
    words = set()
    while len(words) < 1500:
        w = "".join(rng.choice(syll) for _ in range(rng.randint(1, 4)))
        words.add(w + ("</w>" if rng.random() < 0.7 else ""))
    words = sorted(words, key=lambda w: (len(w), w))
    rng.shuffle(words)
    merges = ct.merges_for(sd_synthetic.SYNTHETIC_WORDS + words)
    vocab = ct.vocab_from_merges(merges)
    sd_synthetic.write_tokenizer(folder, vocab, merges)
    return len(merges)


@guarded("tokenizer")
def check_tokenizer(work, n_random):
    import tokenizers
    import transformers
    from transformers import CLIPTokenizer, CLIPTokenizerFast
    try:
        from transformers.utils import is_ftfy_available
        ftfy = is_ftfy_available()
    except ImportError:
        ftfy = "unknown"
    print("     transformers %s, tokenizers %s, ftfy installed: %s" % (transformers.__version__, tokenizers.__version__, ftfy))
    rng = random.Random(1234)
    big = os.path.join(work, "tokenizer-big")
    n_merges = larger_vocab(big, rng)
    with open(os.path.join(FIXTURE, "golden.json"), encoding="utf-8") as f:
        golden = [c["prompt"] for c in json.load(f)["cases"]]
    texts = golden + [random_text(rng) for _ in range(n_random)]
    for label, folder in (("fixture vocabulary", FIXTURE), ("%d-merge vocabulary" % n_merges, big)):
        vocab, merges = ct.read_vocab(os.path.join(folder, "vocab.json")), ct.read_merges(os.path.join(folder, "merges.txt"))
        path = os.path.join(work, "tokenizer.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(ct.tokenizer_json(vocab, merges), f, ensure_ascii=False)
        ours = tokenizers.Tokenizer.from_file(path)
        ref = ct.ClipTokenizer(vocab, merges)
        # from_pretrained, as diffusers loads a model's tokenizer/ folder (transformers 5's CLIPTokenizer
        # built from vocab_file/merges_file keyword arguments read neither: every token came out unknown),
        # on a copy without our tokenizer.json, so that transformers builds it from vocab and merges
        plain = os.path.join(work, "plain-" + os.path.basename(folder))
        os.makedirs(plain, exist_ok=True)
        for name in ("vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"):
            if os.path.exists(os.path.join(folder, name)):
                shutil.copy(os.path.join(folder, name), plain)
        slow = CLIPTokenizer.from_pretrained(plain)
        probe = slow("a photo of a cat").input_ids
        if len(set(probe)) <= 2:
            raise RuntimeError("CLIPTokenizer read no vocabulary from %s: %s" % (plain, probe))
        try:
            fast = CLIPTokenizerFast.from_pretrained(plain)
        except Exception as e:       # for information only
            print("     info: CLIPTokenizerFast cannot be built here: %s" % e)
            fast = None
        eos = vocab[ct.ENDOFTEXT]
        bad_file, bad_ref, fast_differs, examples = 0, 0, 0, []
        for t in texts:
            want = slow(t, padding="max_length", truncation=True, max_length=77).input_ids
            got = engine_ids(ours, t, 77, eos)
            if got != want:
                bad_file += 1
                if len(examples) < 5:
                    examples.append((t, slow.tokenize(t), [ours.id_to_token(i) for i in got[:20]]))
            if ref(t) != want:
                bad_ref += 1
            if fast is not None and fast(t, padding="max_length", truncation=True, max_length=77).input_ids != want:
                fast_differs += 1
        for t, a, b in examples:
            print("     differs: %r\n       CLIPTokenizer %s\n       tokenizer.json %s" % (t, a[:20], b))
        report("PASS" if bad_file == 0 else "FAIL", "tokenizer.json == CLIPTokenizer (%s)" % label,
               "%d of %d texts differ" % (bad_file, len(texts)))
        report("PASS" if bad_ref == 0 else "FAIL", "clip_tokenizer.py == CLIPTokenizer (%s)" % label,
               "%d of %d texts differ" % (bad_ref, len(texts)))
        print("     info: CLIPTokenizerFast differs from CLIPTokenizer on %d of %d texts" % (fast_differs, len(texts)))


# ---------------------------------------------------------------------------------------------
# 2. text encoder


def hf_text_model(cfg, seed):
    from transformers import CLIPTextConfig, CLIPTextModel
    keys = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "max_position_embeddings", "hidden_act", "layer_norm_eps", "projection_dim")
    config = CLIPTextConfig(**{k: cfg[k] for k in keys if k in cfg})
    torch.manual_seed(seed)
    model = CLIPTextModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name and name.endswith("weight"):
                p.uniform_(0.8, 1.2)
            elif name.endswith("bias"):
                p.normal_(0.0, 0.02)
    return model


@guarded("text encoder")
def check_text_encoder(work):
    vocab, merges = sd_synthetic.synthetic_tokenizer()
    tok = ct.ClipTokenizer(vocab, merges)
    cuda = torch.cuda.is_available()
    for label, text_cfg in (("tiny", dict(sd_synthetic.TINY_TEXT_CONFIG, vocab_size=len(vocab))),
                            ("SD 1.5 ViT-L/14", dict(nets.SD15_TEXT_CONFIG))):
        folder = os.path.join(work, "te-" + label.split()[0].lower())
        hf = hf_text_model(text_cfg, 3)
        unet_cfg = dict(sd_synthetic.TINY_UNET_CONFIG, cross_attention_dim=text_cfg["hidden_size"])
        tiny_text = dict(sd_synthetic.TINY_TEXT_CONFIG, vocab_size=len(vocab))
        comps = sd_synthetic.random_components(unet_cfg, sd_synthetic.TINY_VAE_CONFIG, tiny_text, 4)
        sd_synthetic.write_folder(folder, comps, unet_cfg, sd_synthetic.TINY_VAE_CONFIG, text_cfg, vocab, merges)
        shutil.rmtree(os.path.join(folder, "text_encoder"))
        hf.save_pretrained(os.path.join(folder, "text_encoder"), safe_serialization=True)   # transformers' own files
        prompts = ["", "a photograph of an astronaut riding a horse", "sks style, a red circle on a blue background",
                   " ".join(["masterpiece"] * 90)]
        ids = torch.tensor([tok(p) for p in prompts])
        g = torch.Generator().manual_seed(9)
        rand_ids = torch.randint(0, text_cfg["vocab_size"], (3, 77), generator=g)
        for dtype in ("float32", "float16"):
            bundle = os.path.join(work, "bundle-%s-%s" % (label.split()[0].lower(), dtype))
            src = export_bundle.open_source(folder)
            export_bundle.export(src, bundle, dtype)
            te = torch.jit.load(os.path.join(bundle, "text_encoder", "model.pt"), map_location="cpu")
            devices = (["cpu"] if dtype == "float32" else []) + (["cuda"] if cuda else [])
            for device in devices:
                ref = hf.to(device, dtype=getattr(torch, dtype))
                m = te.to(device)
                worst = 0.0
                with torch.no_grad():
                    for x in (ids, rand_ids):
                        want = ref(x.to(device)).last_hidden_state.float()
                        got = m(x.to(device)).float()
                        worst = max(worst, (got - want).abs().max().item())
                limit = 1e-4 if dtype == "float32" else 5e-2
                report("PASS" if worst <= limit else "FAIL", "text encoder %s %s on %s" % (label, dtype, device),
                       "max |exported - CLIPTextModel.last_hidden_state| = %.3g (limit %g)" % (worst, limit))
            if dtype == "float16" and not cuda:
                report("SKIP", "text encoder %s float16" % label, "no CUDA device")
        hf.to("cpu", dtype=torch.float32)


@guarded("float16 graphs")
def check_float16_graphs(work):
    """The float16 UNet and VAE decoder of the tiny export, on the GPU, against the float32 ones."""
    if not torch.cuda.is_available():
        report("SKIP", "float16 UNet/VAE graphs", "no CUDA device")
        return
    full, half = os.path.join(work, "bundle-tiny-float32"), os.path.join(work, "bundle-tiny-float16")
    g = torch.Generator().manual_seed(3)
    x, t, h = torch.randn((2, 4, 16, 24), generator=g), torch.tensor([981.0, 21.0]), torch.randn((2, 77, 32), generator=g)
    z = torch.randn((1, 4, 16, 16), generator=g)
    for name, args in (("unet/model.pt", (x, t, h)), ("vae/decoder.pt", (z,))):
        with torch.no_grad():
            want = torch.jit.load(os.path.join(full, name), map_location="cpu")(*args)
            got = torch.jit.load(os.path.join(half, name), map_location="cuda")(*[a.cuda() for a in args])
        rel = ((got.cpu() - want).abs().max() / want.abs().max()).item()
        report("PASS" if got.dtype == torch.float32 and rel < 2e-2 else "FAIL", "float16 %s on cuda" % name,
               "returns %s, max relative difference to float32 %.3g" % (got.dtype, rel))


# ---------------------------------------------------------------------------------------------
# 3-4. diffusers


@guarded("diffusers networks")
def check_diffusers_networks():
    try:
        import diffusers
    except ImportError:
        report("SKIP", "UNet/VAE against diffusers", "diffusers is not installed")
        return
    print("     diffusers %s" % diffusers.__version__)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    keys = lambda cfg: {k: v for k, v in cfg.items() if not k.startswith("_") and k != "scaling_factor"}  # noqa: E731
    torch.manual_seed(5)
    d_unet = diffusers.UNet2DConditionModel(**keys(nets.SD15_UNET_CONFIG)).eval()
    unet = export_bundle.build(nets.UNet2DConditionModel, nets.SD15_UNET_CONFIG, d_unet.state_dict(), "unet")
    g = torch.Generator().manual_seed(1)
    x = torch.randn((2, 4, 64, 64), generator=g)
    t = torch.tensor([999.0, 250.0])
    h = torch.randn((2, 77, 768), generator=g)
    with torch.no_grad():
        want = d_unet.to(device)(x.to(device), t.to(device), h.to(device)).sample
        got = unet.to(device)(x.to(device), t.to(device), h.to(device))
    rel = ((got - want).abs().max() / want.abs().max()).item()
    report("PASS" if rel < 1e-3 else "FAIL", "UNet (SD 1.5 config) vs diffusers, 64x64 latent on %s" % device,
           "max relative difference %.3g" % rel)
    del d_unet, unet
    # SD 2.x options on a tiny UNet: linear projections, per-block heads, upcast attention
    sd2 = dict(sd_synthetic.TINY_UNET_CONFIG, use_linear_projection=True, attention_head_dim=[2, 4, 4],
               upcast_attention=True, cross_attention_dim=48)
    d_small = diffusers.UNet2DConditionModel(**keys(sd2)).eval()
    small = export_bundle.build(nets.UNet2DConditionModel, sd2, d_small.state_dict(), "unet")
    xs, hs = torch.randn((2, 4, 12, 20), generator=g), torch.randn((2, 77, 48), generator=g)
    with torch.no_grad():
        want = d_small(xs, t, hs).sample
        got = small(xs, t, hs)
    rel = ((got - want).abs().max() / want.abs().max()).item()
    report("PASS" if rel < 1e-4 else "FAIL", "tiny SD 2.x-style UNet vs diffusers on cpu", "max relative difference %.3g" % rel)
    d_vae = diffusers.AutoencoderKL(**keys(nets.SD15_VAE_CONFIG)).eval()
    vae = nets.VaeDecoder(export_bundle.build(nets.AutoencoderKL, nets.SD15_VAE_CONFIG, d_vae.state_dict(), "vae"))
    z = torch.randn((1, 4, 32, 32), generator=g)
    with torch.no_grad():
        want = d_vae.to(device).decode(z.to(device)).sample
        got = vae.to(device)(z.to(device))
    rel = ((got - want).abs().max() / want.abs().max()).item()
    report("PASS" if rel < 1e-3 else "FAIL", "VAE decoder (SD 1.5 config) vs diffusers, 32x32 latent on %s" % device,
           "max relative difference %.3g" % rel)


@guarded("diffusers LDM conversion")
def check_ldm_conversion():
    try:
        import diffusers
        from diffusers.loaders import single_file_utils as sfu
    except ImportError:
        report("SKIP", "LDM key layout against diffusers' converter", "diffusers.loaders.single_file_utils not found")
        return
    cfgs = (nets.SD15_UNET_CONFIG, nets.SD15_VAE_CONFIG, nets.SD15_TEXT_CONFIG)
    names, shapes = ldm_keys.key_map(*cfgs)
    ldm = {}
    for key, ldm_key in names.items():
        shape = shapes[key]
        if key[0] == "vae" and len(shape) == 2 and ".attentions." in key[1]:
            shape = shape + (1, 1)
        ldm[ldm_key] = torch.zeros(shape)
    # diffusers' full configs (every key its converter may read), from models built without memory
    keys = lambda cfg: {k: v for k, v in cfg.items() if not k.startswith("_") and k != "scaling_factor"}  # noqa: E731
    with torch.device("meta"):
        unet_cfg = dict(diffusers.UNet2DConditionModel(**keys(nets.SD15_UNET_CONFIG)).config)
        vae_cfg = dict(diffusers.AutoencoderKL(**keys(nets.SD15_VAE_CONFIG)).config)
    try:
        converted = {"unet": sfu.convert_ldm_unet_checkpoint(dict(ldm), unet_cfg),
                     "vae": sfu.convert_ldm_vae_checkpoint(dict(ldm), vae_cfg)}
    except TypeError as e:       # another diffusers version's signature: not a finding about our keys
        report("SKIP", "LDM key layout against diffusers' converter", "converter API differs: %s" % e)
        return
    for comp, theirs in converted.items():
        ours = {k for (c, k) in names if c == comp}
        missing, extra = ours - set(theirs), set(theirs) - ours
        report("PASS" if not missing and not extra else "FAIL", "diffusers converts our LDM %s keys to ours" % comp,
               "%d keys, %d missing, %d extra%s" % (len(theirs), len(missing), len(extra),
                                                   (", e.g. " + str(sorted(missing | extra)[:3])) if missing or extra else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="scratch folder (default: a temporary one, removed at the end)")
    ap.add_argument("--random-texts", type=int, default=2000)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="check-export-")
    os.makedirs(work, exist_ok=True)
    print("torch %s, CUDA %s, python %s" % (torch.__version__, torch.cuda.is_available(), sys.version.split()[0]), flush=True)
    # full float32 on the GPU, so that differences are the networks', not TF32's
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        check_tokenizer(work, a.random_texts)
        check_text_encoder(work)
        check_float16_graphs(work)
        check_diffusers_networks()
        check_ldm_conversion()
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    print("summary: %d PASS, %d FAIL, %d SKIP" % (RESULTS.count("PASS"), RESULTS.count("FAIL"), RESULTS.count("SKIP")))
    return 1 if "FAIL" in RESULTS else 0


if __name__ == "__main__":
    sys.exit(main())
