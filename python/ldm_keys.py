"""Key mapping between a single-file Stable Diffusion checkpoint (the original LDM layout that
A1111 and kohya users hold) and diffusers' three components.

  model.diffusion_model.<openaimodel UNetModel key>   <->  unet: UNet2DConditionModel key
  first_stage_model.<taming/ldm AutoencoderKL key>    <->  vae: AutoencoderKL key
  cond_stage_model.transformer.<CLIPTextModel key>    <->  text_encoder: CLIPTextModel key

The map is built from the diffusers key list of the configured networks (sd_networks), so that it
follows the configuration (block count, layers per block, attention blocks) and is a bijection
that round-trips by construction; the VAE's attention weights are 1x1 convolutions in LDM files and
linear layers in diffusers, so they are reshaped on the way. Conventions as in diffusers'
scripts/convert_original_stable_diffusion_to_diffusers.py and convert_diffusers_to_original_stable_diffusion.py.
"""
import re

import torch

import sd_networks as nets

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
TEXT_PREFIX = "cond_stage_model.transformer."

# keys of a LatentDiffusion checkpoint that are no network weights: the DDPM schedule buffers,
# the learned log-variance and the EMA bookkeeping. They are accepted and ignored.
NON_WEIGHTS = {
    "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
    "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
    "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
    "logvar", "model_ema.decay", "model_ema.num_updates",
}
EMA_PREFIX = "model_ema."        # a full-EMA checkpoint's second copy of the UNet: ignored
# transformers wrote this buffer into state dicts before 4.31; it is arange(max_positions)
POSITION_IDS = "text_model.embeddings.position_ids"

_RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
           "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}
_VAE_RESNET = {"conv_shortcut": "nin_shortcut"}
_VAE_ATTENTION = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


class LayoutError(ValueError):
    """A checkpoint whose keys do not fit the configured networks; the message names the keys."""


def _rename(rest, table):
    for old, new in table.items():
        if rest == old or rest.startswith(old + "."):
            return new + rest[len(old):]
    return rest


def unet_key(key, cfg):
    """diffusers UNet key -> LDM UNet key (without model.diffusion_model.)."""
    n = len(cfg["block_out_channels"])
    layers = nets._per_block(cfg.get("layers_per_block", 2), n, "layers_per_block")
    rlayers = layers[::-1]
    has_attn_up = [t.startswith("CrossAttn") for t in cfg["up_block_types"]]
    fixed = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
             "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2"}
    for old, new in fixed.items():
        if key.startswith(old + "."):
            return new + key[len(old):]
    m = re.match(r"down_blocks\.(\d+)\.(resnets|attentions|downsamplers)\.(\d+)\.(.*)$", key)
    if m:
        i, kind, j, rest = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        first = 1 + sum(layers[k] + 1 for k in range(i))
        if kind == "resnets":
            return "input_blocks.%d.0.%s" % (first + j, _rename(rest, _RESNET))
        if kind == "attentions":
            return "input_blocks.%d.1.%s" % (first + j, rest)
        return "input_blocks.%d.0.%s" % (first + layers[i], rest.replace("conv.", "op.", 1))
    m = re.match(r"mid_block\.(resnets|attentions)\.(\d+)\.(.*)$", key)
    if m:
        kind, j, rest = m.group(1), int(m.group(2)), m.group(3)
        if kind == "resnets":
            return "middle_block.%d.%s" % (2 * j, _rename(rest, _RESNET))
        return "middle_block.1.%s" % rest
    m = re.match(r"up_blocks\.(\d+)\.(resnets|attentions|upsamplers)\.(\d+)\.(.*)$", key)
    if m:
        i, kind, j, rest = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        first = sum(rlayers[k] + 1 for k in range(i))
        if kind == "resnets":
            return "output_blocks.%d.0.%s" % (first + j, _rename(rest, _RESNET))
        if kind == "attentions":
            return "output_blocks.%d.1.%s" % (first + j, rest)
        return "output_blocks.%d.%d.%s" % (first + rlayers[i], 2 if has_attn_up[i] else 1, rest)
    raise LayoutError("unet key %s has no LDM name" % key)


def vae_key(key, cfg):
    """diffusers AutoencoderKL key -> LDM first-stage key (without first_stage_model.)."""
    n = len(cfg["block_out_channels"])
    for part in ("encoder", "decoder"):
        for old, new in (("conv_norm_out", "norm_out"), ("conv_in", "conv_in"), ("conv_out", "conv_out")):
            if key.startswith("%s.%s." % (part, old)):
                return "%s.%s.%s" % (part, new, key[len(part) + len(old) + 2:])
        m = re.match(part + r"\.mid_block\.(resnets|attentions)\.(\d+)\.(.*)$", key)
        if m:
            kind, j, rest = m.group(1), int(m.group(2)), m.group(3)
            if kind == "resnets":
                return "%s.mid.block_%d.%s" % (part, j + 1, _rename(rest, _VAE_RESNET))
            return "%s.mid.attn_1.%s" % (part, _rename(rest, _VAE_ATTENTION))
    m = re.match(r"encoder\.down_blocks\.(\d+)\.(resnets|downsamplers)\.(\d+)\.(.*)$", key)
    if m:
        i, kind, j, rest = m.group(1), m.group(2), m.group(3), m.group(4)
        if kind == "resnets":
            return "encoder.down.%s.block.%s.%s" % (i, j, _rename(rest, _VAE_RESNET))
        return "encoder.down.%s.downsample.%s" % (i, rest)
    m = re.match(r"decoder\.up_blocks\.(\d+)\.(resnets|upsamplers)\.(\d+)\.(.*)$", key)
    if m:
        i, kind, j, rest = n - 1 - int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if kind == "resnets":
            return "decoder.up.%d.block.%s.%s" % (i, j, _rename(rest, _VAE_RESNET))
        return "decoder.up.%d.upsample.%s" % (i, rest)
    if key.split(".")[0] in ("quant_conv", "post_quant_conv"):
        return key
    raise LayoutError("vae key %s has no LDM name" % key)


def _is_vae_attention_weight(diffusers_key):
    return re.search(r"mid_block\.attentions\.\d+\.(to_q|to_k|to_v|to_out\.0)\.weight$", diffusers_key) is not None


def key_map(unet_cfg, vae_cfg, text_cfg):
    """{(component, diffusers key): LDM key} for the configured networks, with the shapes
    {(component, diffusers key): shape}."""
    with nets.on_meta():
        shapes = {"unet": nets.manifest(nets.UNet2DConditionModel(unet_cfg)),
                  "vae": nets.manifest(nets.AutoencoderKL(vae_cfg)),
                  "text_encoder": nets.manifest(nets.CLIPTextModel(text_cfg))}
    names = {}
    for k in shapes["unet"]:
        names[("unet", k)] = UNET_PREFIX + unet_key(k, unet_cfg)
    for k in shapes["vae"]:
        names[("vae", k)] = VAE_PREFIX + vae_key(k, vae_cfg)
    for k in shapes["text_encoder"]:
        names[("text_encoder", k)] = TEXT_PREFIX + k
    if len(set(names.values())) != len(names):
        raise LayoutError("the LDM key map is not one-to-one for this configuration")
    flat_shapes = {(c, k): s for c, m in shapes.items() for k, s in m.items()}
    return names, flat_shapes


def to_diffusers(ldm, unet_cfg, vae_cfg, text_cfg, what="checkpoint"):
    """An LDM state dict -> {"unet": {...}, "vae": {...}, "text_encoder": {...}} in diffusers keys.
    Returns (components, notes). Strict: a network key the configuration does not have, or a key
    it has that the file lacks, is an error that names it."""
    names, _ = key_map(unet_cfg, vae_cfg, text_cfg)
    inverse = {v: k for k, v in names.items()}
    out = {"unet": {}, "vae": {}, "text_encoder": {}}
    extra, ema, notes = [], 0, []
    for key, tensor in ldm.items():
        if key in NON_WEIGHTS:
            continue
        if key.startswith(EMA_PREFIX):
            ema += 1
            continue
        k = key
        if k.startswith(TEXT_PREFIX) and not k.startswith(TEXT_PREFIX + "text_model."):
            k = TEXT_PREFIX + "text_model." + k[len(TEXT_PREFIX):]     # transformers < 4.x saved no text_model.
        if k == TEXT_PREFIX + POSITION_IDS:
            continue
        if k.startswith("cond_stage_model.model."):
            raise LayoutError("%s: %s is an OpenCLIP text encoder (SD 2.x single file); export the diffusers "
                            "folder of such a model instead" % (what, key))
        target = inverse.get(k)
        if target is None:
            extra.append(key)
            continue
        component, dkey = target
        if component == "vae" and _is_vae_attention_weight(dkey) and tensor.dim() == 4:
            tensor = tensor.reshape(tensor.shape[0], tensor.shape[1])
        out[component][dkey] = tensor
    if ema:
        notes.append("ignored %d EMA weights (%s*)" % (ema, EMA_PREFIX))
    missing = [names[k] for k in names if k[1] not in out[k[0]]]
    _raise_for(what, extra, missing)
    return out, notes


def to_ldm(components, unet_cfg, vae_cfg, text_cfg):
    """diffusers components -> one LDM state dict (the inverse of to_diffusers)."""
    names, _ = key_map(unet_cfg, vae_cfg, text_cfg)
    out = {}
    for (component, dkey), lkey in names.items():
        tensor = components[component][dkey]
        if component == "vae" and _is_vae_attention_weight(dkey) and tensor.dim() == 2:
            tensor = tensor.reshape(tensor.shape[0], tensor.shape[1], 1, 1)
        out[lkey] = tensor
    return out


def _raise_for(what, extra, missing):
    if not extra and not missing:
        return
    parts = []
    if missing:
        parts.append("%d key(s) missing, e.g. %s" % (len(missing), ", ".join(sorted(missing)[:3])))
    if extra:
        parts.append("%d unexpected key(s), e.g. %s" % (len(extra), ", ".join(sorted(extra)[:3])))
    raise LayoutError("%s does not fit the configured SD networks: %s" % (what, "; ".join(parts)))


def is_ldm(keys):
    """Whether a state dict is in the LDM single-file layout."""
    return any(k.startswith(UNET_PREFIX) for k in keys)


def empty_like_shapes(shapes, dtype=torch.float32):
    """{key: meta tensor} for a {key: shape} manifest (key checks without memory)."""
    return {k: torch.empty(s, dtype=dtype, device="meta") for k, s in shapes.items()}
