#!/usr/bin/python3
"""Synthetic Stable Diffusion 1.x sources for the exporter's tests and measurements (random
weights from PyTorch's default initialisation, seeded; the architecture of sd_networks.py).

  sd_synthetic.py tiny-folder OUT [--seed S] [--format safetensors|bin]
      a diffusers folder of a tiny model (same block types as SD 1.5, small channels) with the
      synthetic CLIP tokenizer of fixtures/clip-tokenizer
  sd_synthetic.py sd15-checkpoint OUT.safetensors [--seed S] [--dtype float16|float32]
      a single-file LDM checkpoint with exactly SD 1.5's keys and shapes (also its non-weight
      buffers), ~2 GB in float16
  sd_synthetic.py tiny-loras DIR [--seed S]
      LoRA files for the tiny model, by diffusers module path: peft-unet.safetensors (PEFT keys,
      attention projections and a 1x1-conv proj_in), kohya-mixed.safetensors (kohya names, UNet
      and text encoder, with alphas), peft-text-encoder.safetensors (text_encoder.* PEFT keys)
  sd_synthetic.py sd15-loras DIR [--seed S]
      rank-8 LoRAs on SD 1.5's UNet attention projections (6.4 MB each): honest-1..3 (one LoRA,
      two with training-like drift), dishonest-half, dishonest-other (write_sd15_loras)
  sd_synthetic.py tokenizer-fixture DIR
      rewrites fixtures/clip-tokenizer's vocab.json, merges.txt and tokenizer.json
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clip_tokenizer  # noqa: E402
from export_bundle import write_json  # noqa: E402
import ldm_keys  # noqa: E402
import safetensors_io  # noqa: E402
import sd_networks as nets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_FIXTURE = os.path.join(os.path.dirname(HERE), "fixtures", "clip-tokenizer")

# the synthetic BPE: each word built left to right (clip_tokenizer.merges_for), in this order
SYNTHETIC_WORDS = [
    "masterpiece</w>", "photo</w>", "photo", "graph</w>", "of</w>", "cat</w>", "cat", "dog</w>", "the</w>",
    "and</w>", "black</w>", "white</w>", "in</w>", "style</w>", "it</w>", "don</w>", "'t</w>", "'s</w>",
    "'re</w>", "'ll</w>", "we</w>", "rock</w>", "roll</w>", "girl</w>", "best</w>", "quality</w>",
    "café</w>", "red</w>", "blue</w>", "circle</w>", "on</w>", "background</w>", "astronaut</w>",
    "riding</w>", "horse</w>", "an</w>", "sks</w>",
]

TINY_UNET_CONFIG = dict(nets.SD15_UNET_CONFIG, **{
    "block_out_channels": [32, 64, 64],
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "layers_per_block": 1,
    "attention_head_dim": 2,
    "cross_attention_dim": 32,
    "norm_num_groups": 8,
    "sample_size": 8,
})
TINY_VAE_CONFIG = dict(nets.SD15_VAE_CONFIG, **{
    "block_out_channels": [8, 8, 16, 16],
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "sample_size": 64,
})
TINY_TEXT_CONFIG = dict(nets.SD15_TEXT_CONFIG, **{
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "projection_dim": 32,
})


def synthetic_tokenizer():
    merges = clip_tokenizer.merges_for(SYNTHETIC_WORDS)
    return clip_tokenizer.vocab_from_merges(merges), merges


def write_tokenizer(folder, vocab, merges, max_length=77):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "vocab.json"), vocab)
    clip_tokenizer.write_merges(os.path.join(folder, "merges.txt"), merges)
    # as in SD 1.5's tokenizer/ (openai/clip-vit-large-patch14)
    write_json(os.path.join(folder, "special_tokens_map.json"), {
        "bos_token": {"content": clip_tokenizer.STARTOFTEXT, "lstrip": False, "normalized": True, "rstrip": False,
                      "single_word": False},
        "eos_token": {"content": clip_tokenizer.ENDOFTEXT, "lstrip": False, "normalized": True, "rstrip": False,
                      "single_word": False},
        "pad_token": clip_tokenizer.ENDOFTEXT, "unk_token": clip_tokenizer.ENDOFTEXT})
    write_json(os.path.join(folder, "tokenizer_config.json"), {
        "add_prefix_space": False, "do_lower_case": True, "errors": "replace", "model_max_length": max_length,
        "pad_token": clip_tokenizer.ENDOFTEXT, "tokenizer_class": "CLIPTokenizer",
        "unk_token": clip_tokenizer.ENDOFTEXT, "eos_token": clip_tokenizer.ENDOFTEXT,
        "bos_token": clip_tokenizer.STARTOFTEXT})


def random_components(unet_cfg, vae_cfg, text_cfg, seed):
    """{component: state dict} with PyTorch's default initialisation; norms get random scales so
    that no layer is an identity."""
    torch.manual_seed(seed)
    out = {}
    for name, factory, cfg in (("unet", nets.UNet2DConditionModel, unet_cfg), ("vae", nets.AutoencoderKL, vae_cfg),
                               ("text_encoder", nets.CLIPTextModel, text_cfg)):
        module = factory(cfg)
        with torch.no_grad():
            for key, p in module.named_parameters():
                if "norm" in key and key.endswith(".weight"):
                    p.uniform_(0.8, 1.2)
                elif key.endswith("token_embedding.weight"):
                    p.normal_(0.0, 1.0)
                elif key.endswith("position_embedding.weight"):
                    p.normal_(0.0, 0.02)
        out[name] = {k: v.detach() for k, v in module.state_dict().items()}
        del module
    return out


def write_folder(out, components, unet_cfg, vae_cfg, text_cfg, vocab, merges, fmt="safetensors",
                 scheduler=None):
    """A diffusers folder with these components' weights."""
    files = {"unet": "diffusion_pytorch_model", "vae": "diffusion_pytorch_model", "text_encoder": "model"}
    for component, base in files.items():
        folder = os.path.join(out, component)
        os.makedirs(folder, exist_ok=True)
        if fmt == "safetensors":
            safetensors_io.save(os.path.join(folder, base + ".safetensors"), components[component], keep_dtype=True)
        else:
            name = "pytorch_model.bin" if component == "text_encoder" else base + ".bin"
            torch.save(components[component], os.path.join(folder, name))
    write_json(os.path.join(out, "unet", "config.json"), unet_cfg)
    write_json(os.path.join(out, "vae", "config.json"), vae_cfg)
    write_json(os.path.join(out, "text_encoder", "config.json"), dict(text_cfg, vocab_size=len(vocab)))
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), scheduler or nets.SD15_SCHEDULER_CONFIG)
    write_tokenizer(os.path.join(out, "tokenizer"), vocab, merges)
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.21.0",
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"]})


def tiny_text_config(vocab):
    return dict(TINY_TEXT_CONFIG, vocab_size=len(vocab))


def write_tiny_folder(out, seed=1, fmt="safetensors"):
    vocab, merges = synthetic_tokenizer()
    text_cfg = tiny_text_config(vocab)
    comps = random_components(TINY_UNET_CONFIG, TINY_VAE_CONFIG, text_cfg, seed)
    write_folder(out, comps, TINY_UNET_CONFIG, TINY_VAE_CONFIG, text_cfg, vocab, merges, fmt)
    return comps


# the non-weight entries of SD 1.5's v1-5-pruned-emaonly checkpoints
def ldm_extras(text_cfg):
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    acp = torch.cumprod(1 - betas, 0)
    return {"betas": betas.float(), "alphas_cumprod": acp.float(),
            "alphas_cumprod_prev": torch.cat([torch.ones(1, dtype=torch.float64), acp[:-1]]).float(),
            "model_ema.decay": torch.tensor(0.9999), "model_ema.num_updates": torch.tensor(0, dtype=torch.int32),
            ldm_keys.TEXT_PREFIX + ldm_keys.POSITION_IDS:
                torch.arange(text_cfg["max_position_embeddings"], dtype=torch.int64)[None]}


def write_sd15_checkpoint(path, seed=1, dtype=torch.float16):
    comps = random_components(nets.SD15_UNET_CONFIG, nets.SD15_VAE_CONFIG, nets.SD15_TEXT_CONFIG, seed)
    ldm = ldm_keys.to_ldm(comps, nets.SD15_UNET_CONFIG, nets.SD15_VAE_CONFIG, nets.SD15_TEXT_CONFIG)
    del comps
    ldm = {k: v.to(dtype) for k, v in ldm.items()}
    ldm.update(ldm_extras(nets.SD15_TEXT_CONFIG))
    safetensors_io.save(path, ldm, keep_dtype=True)


def write_tiny_loras(folder, seed=1, rank=4):
    """LoRAs on modules of the tiny model, named by their diffusers/transformers module paths."""
    g = torch.Generator().manual_seed(seed)
    with nets.on_meta():
        unet = nets.manifest(nets.UNet2DConditionModel(TINY_UNET_CONFIG))
        text = nets.manifest(nets.CLIPTextModel(tiny_text_config(synthetic_tokenizer()[0])))

    def pair(shape):
        out, inp = shape[0], shape[1]
        tail = tuple(shape[2:])          # a 1x1 conv: down [r, in, 1, 1], up [out, r, 1, 1]
        down = torch.randn((rank, inp) + tail, generator=g) / inp ** 0.5
        up = torch.randn((out, rank) + tuple(1 for _ in tail), generator=g) * 0.5
        return down, up

    targets = [k[: -len(".weight")] for k in unet if k.endswith((".to_q.weight", ".to_k.weight", ".to_v.weight",
                                                                 ".to_out.0.weight"))]
    targets.append("down_blocks.0.attentions.0.proj_in")
    peft = {}
    for m in targets:
        down, up = pair(unet[m + ".weight"])
        peft["unet.%s.lora_A.weight" % m], peft["unet.%s.lora_B.weight" % m] = down, up
    os.makedirs(folder, exist_ok=True)
    safetensors_io.save(os.path.join(folder, "peft-unet.safetensors"), peft, {"format": "pt"})
    kohya = {}
    for prefix, m, shapes in (("lora_unet_", "mid_block.attentions.0.transformer_blocks.0.attn2.to_k", unet),
                              ("lora_te_", "text_model.encoder.layers.0.self_attn.q_proj", text),
                              ("lora_te_", "text_model.encoder.layers.1.mlp.fc1", text)):
        down, up = pair(shapes[m + ".weight"])
        k = prefix + m.replace(".", "_")
        kohya[k + ".lora_down.weight"], kohya[k + ".lora_up.weight"] = down, up * 2.0
        kohya[k + ".alpha"] = torch.tensor(rank / 2.0)
    safetensors_io.save(os.path.join(folder, "kohya-mixed.safetensors"), kohya)
    te = {}
    for m in ("text_model.encoder.layers.0.self_attn.v_proj", "text_model.encoder.layers.1.self_attn.out_proj"):
        down, up = pair(text[m + ".weight"])
        te["text_encoder.%s.lora_A.weight" % m], te["text_encoder.%s.lora_B.weight" % m] = down, up * 4.0
    safetensors_io.save(os.path.join(folder, "peft-text-encoder.safetensors"), te)


def write_sd15_loras(folder, seed=1, rank=8, drift=1e-3):
    """Rank-r LoRAs on SD 1.5's attention projections (to_q, to_k, to_v, to_out.0), PEFT keys:
    honest-1 (the trained LoRA), honest-2 and honest-3 (the same with relative noise `drift` on every
    factor, as another card's training would leave), dishonest-half (half its strength) and
    dishonest-other (another draw). Random factors, not trained: for timing and for the cluster's
    plumbing at real size, not for thresholds."""
    with nets.on_meta():
        unet = nets.manifest(nets.UNet2DConditionModel(nets.SD15_UNET_CONFIG))
    targets = sorted(k[: -len(".weight")] for k in unet
                     if k.endswith((".to_q.weight", ".to_k.weight", ".to_v.weight", ".to_out.0.weight")))

    def draw(g):
        out = {}
        for m in targets:
            o, i = unet[m + ".weight"][:2]
            out[m] = (torch.randn((rank, i), generator=g) / i ** 0.5, torch.randn((o, rank), generator=g) * 0.05)
        return out

    trained = draw(torch.Generator().manual_seed(seed))
    other = draw(torch.Generator().manual_seed(seed + 1000))
    noise = torch.Generator().manual_seed(seed + 2000)

    def drifted(pairs):
        return {m: tuple(t * (1 + drift * torch.randn(t.shape, generator=noise)) for t in ab) for m, ab in pairs.items()}

    kinds = {"honest-1": trained, "honest-2": drifted(trained), "honest-3": drifted(trained),
             "dishonest-half": {m: (a, b * 0.5) for m, (a, b) in trained.items()}, "dishonest-other": other}
    os.makedirs(folder, exist_ok=True)
    for name, pairs in kinds.items():
        peft = {}
        for m, (a, b) in pairs.items():
            peft["unet.%s.lora_A.weight" % m], peft["unet.%s.lora_B.weight" % m] = a.contiguous(), b.contiguous()
        safetensors_io.save(os.path.join(folder, name + ".safetensors"), peft, {"format": "pt"})
    return len(targets), sum(unet[m + ".weight"][0] * unet[m + ".weight"][1] for m in targets) * 4


def write_tokenizer_fixture(folder):
    vocab, merges = synthetic_tokenizer()
    write_tokenizer(folder, vocab, merges)
    write_json(os.path.join(folder, "tokenizer.json"), clip_tokenizer.tokenizer_json(vocab, merges))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["tiny-folder", "sd15-checkpoint", "tiny-loras", "sd15-loras", "tokenizer-fixture"])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["safetensors", "bin"], default="safetensors")
    ap.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    a = ap.parse_args(argv)
    if a.what == "tiny-folder":
        write_tiny_folder(a.out, a.seed, a.format)
    elif a.what == "tiny-loras":
        write_tiny_loras(a.out, a.seed)
    elif a.what == "sd15-loras":
        modules, merged = write_sd15_loras(a.out, a.seed)
        print("%d modules; a merge rewrites %.0f MB of float32 weights" % (modules, merged / 1e6))
    elif a.what == "sd15-checkpoint":
        write_sd15_checkpoint(a.out, a.seed, getattr(torch, a.dtype))
    else:
        write_tokenizer_fixture(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
