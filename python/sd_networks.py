"""Stable Diffusion 1.x networks in plain PyTorch, with the state-dict keys of the real libraries.

  UNet2DConditionModel   diffusers, as in SD 1.x's unet/ (also the SD 2.x options: linear
                         projections, per-block head counts)
  AutoencoderKL          diffusers, encoder + decoder (only the decoder is exported)
  CLIPTextModel          transformers, as in SD 1.x's text_encoder/ (causal mask, final_layer_norm,
                         last_hidden_state out)

Every size comes from the component's config.json, so that small models of the same architecture
(the tests' synthetic ones) are built by the same code as SD 1.5. Module paths equal the real
libraries' (`down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`,
`text_model.encoder.layers.0.self_attn.q_proj`), so a state dict of the real model loads with
load_state_dict(strict) and LoRAs merge into the traced modules by name.

Traced graphs stay generic: shapes are read at run time (any batch and latent size), and every cast
goes through `type_as(<a parameter>)` rather than a dtype fixed at trace time, so a traced module
converted with `.half()` computes in float16. Each network takes and returns float32 at its boundary
(docs/model-bundle.md), whatever its weights' dtype.

Upstream versions followed: diffusers 0.2x-0.3x (models/unets/unet_2d_condition.py,
unet_2d_blocks.py, resnet.py, attention.py, attention_processor.py, autoencoders/vae.py) and
transformers 4.x (models/clip/modeling_clip.py).
"""
import contextlib
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# published configurations of SD 1.5 (runwayml/stable-diffusion-v1-5 and its copies)

SD15_UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 768,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}

SD15_VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 512,
    "scaling_factor": 0.18215,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

SD15_TEXT_CONFIG = {
    "architectures": ["CLIPTextModel"],
    "attention_dropout": 0.0,
    "dropout": 0.0,
    "hidden_act": "quick_gelu",
    "hidden_size": 768,
    "initializer_factor": 1.0,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 77,
    "model_type": "clip_text_model",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "projection_dim": 768,
    "vocab_size": 49408,
}

SD15_SCHEDULER_CONFIG = {
    "_class_name": "PNDMScheduler",
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


class ConfigError(ValueError):
    pass


def _refuse(cfg, what, allowed):
    """Raises when a config key holds a value this module does not implement (SDXL's extra
    embeddings, other block types...), naming the key."""
    for key, ok in allowed.items():
        if key in cfg and cfg[key] not in ok:
            raise ConfigError("%s: %s = %r is not supported (supported: %s)"
                              % (what, key, cfg[key], ", ".join(repr(v) for v in ok)))


# ---------------------------------------------------------------------------------------------
# construction on the meta device (shapes without memory), for key/shape manifests

_FACTORY = {}


@contextlib.contextmanager
def on_meta():
    """Builds modules whose parameters have shapes but no storage."""
    _FACTORY["device"] = torch.device("meta")
    try:
        yield
    finally:
        _FACTORY.pop("device", None)


def _linear(i, o, bias=True):
    return nn.Linear(i, o, bias=bias, **_FACTORY)


def _conv(i, o, k, stride=1, padding=0):
    return nn.Conv2d(i, o, k, stride=stride, padding=padding, **_FACTORY)


def _group_norm(groups, c, eps):
    return nn.GroupNorm(groups, c, eps=eps, **_FACTORY)


def _layer_norm(c, eps):
    return nn.LayerNorm(c, eps=eps, **_FACTORY)


def manifest(module):
    """{state-dict key: shape} of a module (built on the meta device or not)."""
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


# ---------------------------------------------------------------------------------------------
# attention


def _attend(q, k, v, heads, d, upcast_scores=False, upcast_softmax=False):
    """q [B, N, heads*d], k/v [B, M, heads*d] -> [B, N, heads*d]: softmax(q k^T / sqrt(d)) v per head.
    Batch and token counts are read at run time, so a traced graph takes any of them. The upcast
    flags are diffusers' upcast_attention (q k^T in float32) and upcast_softmax; they change
    nothing in a float32 network."""
    b = q.shape[0]
    q = q.reshape(b, -1, heads, d).transpose(1, 2)
    k = k.reshape(b, -1, heads, d).transpose(1, 2)
    v = v.reshape(b, -1, heads, d).transpose(1, 2)
    if upcast_scores:
        q, k = q.float(), k.float()
    scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
    if upcast_scores or upcast_softmax:
        w = torch.softmax(scores.float(), dim=-1).type_as(v)
    else:
        w = torch.softmax(scores, dim=-1)
    return torch.matmul(w, v).transpose(1, 2).reshape(b, -1, heads * d)


class Attention(nn.Module):
    """diffusers' Attention as the UNet's transformer blocks use it: to_q/to_k/to_v without bias,
    to_out = [Linear, Dropout]."""

    def __init__(self, dim, heads, context_dim=None, upcast=False):
        super().__init__()
        self.heads, self.head_dim, self.upcast = heads, dim // heads, upcast
        self.to_q = _linear(dim, dim, bias=False)
        self.to_k = _linear(context_dim or dim, dim, bias=False)
        self.to_v = _linear(context_dim or dim, dim, bias=False)
        self.to_out = nn.ModuleList([_linear(dim, dim), nn.Dropout(0.0)])

    def forward(self, x, context=None):
        context = x if context is None else context
        h = _attend(self.to_q(x), self.to_k(context), self.to_v(context), self.heads, self.head_dim,
                    upcast_scores=self.upcast)
        return self.to_out[0](h)


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = _linear(dim, inner * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), _linear(dim * mult, dim)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, context_dim, upcast=False):
        super().__init__()
        self.norm1 = _layer_norm(dim, 1e-5)
        self.attn1 = Attention(dim, heads, upcast=upcast)
        self.norm2 = _layer_norm(dim, 1e-5)
        self.attn2 = Attention(dim, heads, context_dim, upcast)
        self.norm3 = _layer_norm(dim, 1e-5)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """diffusers' Transformer2DModel on a feature map: GroupNorm (eps 1e-6), proj_in (a 1x1 conv in
    SD 1.x, a Linear with use_linear_projection in SD 2.x), transformer blocks, proj_out, residual."""

    def __init__(self, channels, heads, context_dim, groups, layers=1, linear_projection=False, upcast=False):
        super().__init__()
        self.linear_projection = linear_projection
        self.norm = _group_norm(groups, channels, 1e-6)
        if linear_projection:
            self.proj_in = _linear(channels, channels)
            self.proj_out = _linear(channels, channels)
        else:
            self.proj_in = _conv(channels, channels, 1)
            self.proj_out = _conv(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(channels, heads, context_dim, upcast) for _ in range(layers)])

    def forward(self, x, context):
        h = self.norm(x)
        if not self.linear_projection:
            h = self.proj_in(h)
        h = h.flatten(2).transpose(1, 2)                    # [B, HW, C]
        if self.linear_projection:
            h = self.proj_in(h)
        for block in self.transformer_blocks:
            h = block(h, context)
        if self.linear_projection:
            h = self.proj_out(h)
        h = h.transpose(1, 2).reshape(x.shape)
        if not self.linear_projection:
            h = self.proj_out(h)
        return h + x


# ---------------------------------------------------------------------------------------------
# resnets and resampling (shared by the UNet and the VAE)


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb_channels, groups, eps):
        super().__init__()
        self.norm1 = _group_norm(groups, cin, eps)
        self.conv1 = _conv(cin, cout, 3, padding=1)
        self.time_emb_proj = _linear(temb_channels, cout) if temb_channels else None
        self.norm2 = _group_norm(groups, cout, eps)
        self.conv2 = _conv(cout, cout, 3, padding=1)
        self.conv_shortcut = _conv(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Downsample2D(nn.Module):
    def __init__(self, c, padding=1):
        super().__init__()
        self.padding = padding
        self.conv = _conv(c, c, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:       # the VAE encoder pads right and bottom only
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = _conv(c, c, 3, padding=1)

    def forward(self, x, size=None):
        if size is None:
            return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return self.conv(F.interpolate(x, size=size, mode="nearest"))


# ---------------------------------------------------------------------------------------------
# UNet2DConditionModel


class DownBlock(nn.Module):
    """DownBlock2D, or CrossAttnDownBlock2D when it has attentions."""

    def __init__(self, cin, cout, layers, temb, groups, eps, attn, downsample, padding):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, temb, groups, eps)
                                      for i in range(layers)])
        self.attentions = nn.ModuleList([attn() for _ in range(layers)]) if attn else None
        self.downsamplers = nn.ModuleList([Downsample2D(cout, padding)]) if downsample else None

    def forward(self, x, temb, context):
        outs = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            outs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            outs.append(x)
        return x, outs


class UpBlock(nn.Module):
    """UpBlock2D, or CrossAttnUpBlock2D when it has attentions."""

    def __init__(self, prev, cout, skips, temb, groups, eps, attn, upsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D((prev if i == 0 else cout) + s, cout, temb, groups, eps)
                                      for i, s in enumerate(skips)])
        self.attentions = nn.ModuleList([attn() for _ in skips]) if attn else None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x, skips, temb, context):
        for i, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            # to the size of the next skip connection, as diffusers does for latents whose size is
            # not a multiple of 2^(blocks - 1) (the same as doubling when it is)
            x = self.upsamplers[0](x, skips[-1].shape[-2:])
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c, temb, groups, eps, attn):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, groups, eps), ResnetBlock2D(c, c, temb, groups, eps)])
        self.attentions = nn.ModuleList([attn()])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = _linear(cin, dim)
        self.linear_2 = _linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


UNET_SUPPORTED = {
    "act_fn": ["silu"],
    "center_input_sample": [False],
    "mid_block_type": ["UNetMidBlock2DCrossAttn"],
    "mid_block_scale_factor": [1, 1.0],
    "class_embed_type": [None],
    "addition_embed_type": [None],
    "encoder_hid_dim": [None],
    "encoder_hid_dim_type": [None],
    "num_class_embeds": [None],
    "time_embedding_type": ["positional"],
    "time_cond_proj_dim": [None],
    "time_embedding_act_fn": [None],
    "time_embedding_dim": [None],
    "class_embeddings_concat": [False],
    "timestep_post_act": [None],
    "resnet_time_scale_shift": ["default"],
    "resnet_skip_time_act": [False],
    "resnet_out_scale_factor": [1, 1.0],
    "conv_in_kernel": [3],
    "conv_out_kernel": [3],
    "only_cross_attention": [False],
    "dual_cross_attention": [False],
    "cross_attention_norm": [None],
    "attention_type": ["default"],
    "transformer_layers_per_block": [1],
    "reverse_transformer_layers_per_block": [None],
    "num_attention_heads": [None],
    "dropout": [0, 0.0],
}


def _per_block(value, n, what):
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ConfigError("unet config: %s has %d values for %d blocks" % (what, len(values), n))
    return values


class UNet2DConditionModel(nn.Module):
    """(sample [B, C, h, w], timestep [B] float, encoder_hidden_states [B, L, D]) -> [B, C, h, w]."""

    def __init__(self, cfg):
        super().__init__()
        _refuse(cfg, "unet config", UNET_SUPPORTED)
        ch = list(cfg["block_out_channels"])
        n = len(ch)
        downs, ups = list(cfg["down_block_types"]), list(cfg["up_block_types"])
        for t in downs:
            if t not in ("CrossAttnDownBlock2D", "DownBlock2D"):
                raise ConfigError("unet config: down block type %r is not supported" % t)
        for t in ups:
            if t not in ("CrossAttnUpBlock2D", "UpBlock2D"):
                raise ConfigError("unet config: up block type %r is not supported" % t)
        if len(downs) != n or len(ups) != n:
            raise ConfigError("unet config: %d block_out_channels, %d down and %d up block types"
                              % (n, len(downs), len(ups)))
        groups, eps = cfg.get("norm_num_groups", 32), cfg.get("norm_eps", 1e-5)
        # diffusers reads SD 1.x/2.x's attention_head_dim as the number of heads per block
        heads = _per_block(cfg.get("attention_head_dim", 8), n, "attention_head_dim")
        layers = _per_block(cfg.get("layers_per_block", 2), n, "layers_per_block")
        ctx = cfg["cross_attention_dim"]
        if isinstance(ctx, (list, tuple)):
            raise ConfigError("unet config: a cross_attention_dim per block is not supported")
        linear = bool(cfg.get("use_linear_projection", False))
        upcast = bool(cfg.get("upcast_attention", False))       # SD 2.1; only float16 sees it
        temb = ch[0] * 4
        self.flip_sin_to_cos = bool(cfg.get("flip_sin_to_cos", True))
        self.freq_shift = float(cfg.get("freq_shift", 0))
        # buffers are real even on the meta device: they are made here, not loaded
        self.register_buffer("freq_index", torch.arange(ch[0] // 2, dtype=torch.float32), persistent=False)

        def attn(c, h):
            return lambda: Transformer2DModel(c, h, ctx, groups, 1, linear, upcast)

        self.conv_in = _conv(cfg["in_channels"], ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.down_blocks = nn.ModuleList()
        c = ch[0]
        for i, t in enumerate(downs):
            self.down_blocks.append(DownBlock(
                c, ch[i], layers[i], temb, groups, eps, attn(ch[i], heads[i]) if t.startswith("CrossAttn") else None,
                i < n - 1, cfg.get("downsample_padding", 1)))
            c = ch[i]
        self.mid_block = UNetMidBlock2DCrossAttn(c, temb, groups, eps, attn(c, heads[-1]))
        # the skip connections each up block takes, as diffusers wires them
        skip = [ch[0]]
        for i in range(n):
            skip += [ch[i]] * layers[i] + ([ch[i]] if i < n - 1 else [])
        rch, rheads, rlayers = ch[::-1], heads[::-1], layers[::-1]
        self.up_blocks = nn.ModuleList()
        prev = rch[0]
        for i, t in enumerate(ups):
            takes = [skip.pop() for _ in range(rlayers[i] + 1)]
            self.up_blocks.append(UpBlock(
                prev, rch[i], takes, temb, groups, eps,
                attn(rch[i], rheads[i]) if t.startswith("CrossAttn") else None, i < n - 1))
            prev = rch[i]
        self.conv_norm_out = _group_norm(groups, ch[0], eps)
        self.conv_out = _conv(ch[0], cfg["out_channels"], 3, padding=1)

    def time_proj(self, timestep):
        """diffusers get_timestep_embedding (max_period 10000, scale 1), in float32."""
        half = self.freq_index.shape[0]
        exponent = (self.freq_index.float() * -math.log(10000.0)) / (half - self.freq_shift)
        args = timestep.float()[:, None] * torch.exp(exponent)[None, :]
        sin, cos = torch.sin(args), torch.cos(args)
        return torch.cat([cos, sin], dim=-1) if self.flip_sin_to_cos else torch.cat([sin, cos], dim=-1)

    def forward(self, sample, timestep, encoder_hidden_states):
        w = self.conv_in.weight
        sample, context = sample.type_as(w), encoder_hidden_states.type_as(w)
        temb = self.time_embedding(self.time_proj(timestep).type_as(w))
        x = self.conv_in(sample)
        skips = [x]
        for block in self.down_blocks:
            x, outs = block(x, temb, context)
            skips.extend(outs)
        x = self.mid_block(x, temb, context)
        for block in self.up_blocks:
            x = block(x, skips, temb, context)
        return self.conv_out(F.silu(self.conv_norm_out(x))).float()


# ---------------------------------------------------------------------------------------------
# AutoencoderKL


class VaeAttention(nn.Module):
    """The VAE mid block's single-head attention over the feature map: group_norm, to_q/to_k/to_v
    with bias, to_out.0, residual; softmax in float32 (upcast_softmax)."""

    def __init__(self, c, groups, eps):
        super().__init__()
        self.channels = c
        self.group_norm = _group_norm(groups, c, eps)
        self.to_q = _linear(c, c)
        self.to_k = _linear(c, c)
        self.to_v = _linear(c, c)
        self.to_out = nn.ModuleList([_linear(c, c), nn.Dropout(0.0)])

    def forward(self, x):
        h = self.group_norm(x).flatten(2).transpose(1, 2)
        h = _attend(self.to_q(h), self.to_k(h), self.to_v(h), 1, self.channels, upcast_softmax=True)
        return self.to_out[0](h).transpose(1, 2).reshape(x.shape) + x


class VaeMidBlock(nn.Module):
    def __init__(self, c, groups, eps, attention):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, groups, eps), ResnetBlock2D(c, c, None, groups, eps)])
        self.attentions = nn.ModuleList([VaeAttention(c, groups, eps)]) if attention else None

    def forward(self, x):
        x = self.resnets[0](x)
        if self.attentions is not None:
            x = self.attentions[0](x)
        return self.resnets[1](x)


class EncoderBlock(nn.Module):
    """DownEncoderBlock2D."""

    def __init__(self, cin, cout, layers, groups, downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, 1e-6)
                                      for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(cout, padding=0)]) if downsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class DecoderBlock(nn.Module):
    """UpDecoderBlock2D."""

    def __init__(self, cin, cout, layers, groups, upsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, 1e-6)
                                      for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, groups, lpb = cfg["block_out_channels"], cfg.get("norm_num_groups", 32), cfg.get("layers_per_block", 2)
        self.conv_in = _conv(cfg["in_channels"], ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList(
            [EncoderBlock(ch[max(i - 1, 0)], ch[i], lpb, groups, i < len(ch) - 1) for i in range(len(ch))])
        self.mid_block = VaeMidBlock(ch[-1], groups, 1e-6, cfg.get("mid_block_add_attention", True))
        self.conv_norm_out = _group_norm(groups, ch[-1], 1e-6)
        self.conv_out = _conv(ch[-1], 2 * cfg["latent_channels"], 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for block in self.down_blocks:
            x = block(x)
        x = self.mid_block(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, groups, lpb = cfg["block_out_channels"], cfg.get("norm_num_groups", 32), cfg.get("layers_per_block", 2)
        rch = ch[::-1]
        self.conv_in = _conv(cfg["latent_channels"], rch[0], 3, padding=1)
        self.mid_block = VaeMidBlock(rch[0], groups, 1e-6, cfg.get("mid_block_add_attention", True))
        self.up_blocks = nn.ModuleList(
            [DecoderBlock(rch[max(i - 1, 0)], rch[i], lpb + 1, groups, i < len(ch) - 1) for i in range(len(ch))])
        self.conv_norm_out = _group_norm(groups, ch[0], 1e-6)
        self.conv_out = _conv(ch[0], cfg["out_channels"], 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            x = block(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


VAE_SUPPORTED = {
    "act_fn": ["silu"],
    "use_quant_conv": [True],
    "use_post_quant_conv": [True],
    "mid_block_add_attention": [True, False],
    "latents_mean": [None],
    "latents_std": [None],
    "shift_factor": [None, 0, 0.0],
}


class AutoencoderKL(nn.Module):
    """The whole VAE, so that its state dict is checked in full; only VaeDecoder is exported."""

    def __init__(self, cfg):
        super().__init__()
        _refuse(cfg, "vae config", VAE_SUPPORTED)
        for key, want in (("down_block_types", "DownEncoderBlock2D"), ("up_block_types", "UpDecoderBlock2D")):
            for t in cfg.get(key, [want] * len(cfg["block_out_channels"])):
                if t != want:
                    raise ConfigError("vae config: %s %r is not supported" % (key, t))
        c = cfg["latent_channels"]
        self.encoder = Encoder(cfg)
        self.quant_conv = _conv(2 * c, 2 * c, 1)
        self.post_quant_conv = _conv(c, c, 1)
        self.decoder = Decoder(cfg)


class VaeDecoder(nn.Module):
    """AutoencoderKL.decode: latent already divided by scaling_factor -> image in [-1, 1] (float32)."""

    def __init__(self, vae):
        super().__init__()
        self.post_quant_conv = vae.post_quant_conv
        self.decoder = vae.decoder

    def forward(self, z):
        z = z.type_as(self.post_quant_conv.weight)
        return self.decoder(self.post_quant_conv(z)).float()


# ---------------------------------------------------------------------------------------------
# CLIPTextModel


def _quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


_ACTIVATIONS = {"quick_gelu": _quick_gelu, "gelu": F.gelu}


class CLIPAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.q_proj = _linear(d, d)
        self.k_proj = _linear(d, d)
        self.v_proj = _linear(d, d)
        self.out_proj = _linear(d, d)

    def forward(self, x, causal):
        b, n, heads, d = x.shape[0], x.shape[1], self.heads, self.head_dim
        q = (self.q_proj(x) * (d ** -0.5)).reshape(b, -1, heads, d).transpose(1, 2)
        k = self.k_proj(x).reshape(b, -1, heads, d).transpose(1, 2)
        v = self.v_proj(x).reshape(b, -1, heads, d).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)).masked_fill(causal[:n, :n], float("-inf"))
        out = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, -1, heads * d)
        return self.out_proj(out)


class CLIPMLP(nn.Module):
    def __init__(self, d, inner, act):
        super().__init__()
        self.act = act
        self.fc1 = _linear(d, inner)
        self.fc2 = _linear(inner, d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, d, heads, inner, act, eps):
        super().__init__()
        self.self_attn = CLIPAttention(d, heads)
        self.layer_norm1 = _layer_norm(d, eps)
        self.mlp = CLIPMLP(d, inner, act)
        self.layer_norm2 = _layer_norm(d, eps)

    def forward(self, x, causal):
        x = x + self.self_attn(self.layer_norm1(x), causal)
        return x + self.mlp(self.layer_norm2(x))


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, vocab, d, positions):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, d, **_FACTORY)
        self.position_embedding = nn.Embedding(positions, d, **_FACTORY)

    def forward(self, ids):
        return self.token_embedding(ids) + self.position_embedding.weight[: ids.shape[1]][None]


class CLIPEncoder(nn.Module):
    def __init__(self, cfg, act):
        super().__init__()
        self.layers = nn.ModuleList([
            CLIPEncoderLayer(cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"], act,
                             cfg.get("layer_norm_eps", 1e-5))
            for _ in range(cfg["num_hidden_layers"])])


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg, act):
        super().__init__()
        d = cfg["hidden_size"]
        self.embeddings = CLIPTextEmbeddings(cfg["vocab_size"], d, cfg["max_position_embeddings"])
        self.encoder = CLIPEncoder(cfg, act)
        self.final_layer_norm = _layer_norm(d, cfg.get("layer_norm_eps", 1e-5))


TEXT_SUPPORTED = {
    "architectures": [["CLIPTextModel"]],
    "model_type": ["clip_text_model"],
    "hidden_act": list(_ACTIVATIONS),
}


class CLIPTextModel(nn.Module):
    """input_ids int64 [B, L] (L <= max_position_embeddings) -> last_hidden_state [B, L, D] float32.
    Causal self-attention, no padding mask (as diffusers calls it for SD 1.x)."""

    def __init__(self, cfg):
        super().__init__()
        _refuse(cfg, "text_encoder config", TEXT_SUPPORTED)
        n = cfg["max_position_embeddings"]
        self.text_model = CLIPTextTransformer(cfg, _ACTIVATIONS[cfg.get("hidden_act", "quick_gelu")])
        # True above the diagonal; a bool buffer keeps its dtype under .half() and moves with the module
        self.register_buffer("causal", torch.ones(n, n, dtype=torch.bool).triu(1), persistent=False)

    def forward(self, input_ids):
        t = self.text_model
        x = t.embeddings(input_ids)
        for layer in t.encoder.layers:
            x = layer(x, self.causal)
        return t.final_layer_norm(x).float()
