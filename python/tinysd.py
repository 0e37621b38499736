"""A tiny Stable-Diffusion-shaped model family for test fixtures (used by make_fixtures.py).

Module names follow diffusers (UNet2DConditionModel, Transformer2DModel, Attention,
ResnetBlock2D), so a LoRA for it uses the same keys as one for SD 1.x:
`down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`. Everything traces with
torch.jit.trace into graphs that accept any batch size and any latent size that is a
multiple of 4 (the UNet downsamples twice).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# normalisation layers that also run under CPU bfloat16 autocast (torch 1.13 leaves group_norm
# out of its CPU autocast lists); identical to nn.GroupNorm / nn.LayerNorm in float32


class GroupNorm(nn.GroupNorm):
    def forward(self, x):
        if x.dtype == torch.bfloat16:
            return F.group_norm(x.float(), self.num_groups, self.weight, self.bias, self.eps).to(x.dtype)
        return super().forward(x)


class LayerNorm(nn.LayerNorm):
    def forward(self, x):
        if x.dtype == torch.bfloat16:
            return F.layer_norm(x.float(), self.normalized_shape, self.weight, self.bias, self.eps).to(x.dtype)
        return super().forward(x)


# ---------------------------------------------------------------------------------------------
# attention helpers (shapes read at run time, so traced graphs stay batch/size generic)


# Reduced-precision emulation for training experiments (None in every exported model): a function
# applied to the operands of the attention matmuls and the LoRA matmuls; see make_fixtures.py.
MATMUL_ROUND = None


def _r(x):
    return x if MATMUL_ROUND is None else MATMUL_ROUND(x)


def _heads_attention(q, k, v, heads, d):
    """q [B, N, heads*d], k/v [B, M, heads*d] -> [B, N, heads*d], softmax(q k^T / sqrt(d)) v per head."""
    b = q.shape[0]
    q = q.reshape(b, -1, heads, d).transpose(1, 2)
    k = k.reshape(b, -1, heads, d).transpose(1, 2)
    v = v.reshape(b, -1, heads, d).transpose(1, 2)
    w = torch.softmax(_r(torch.matmul(_r(q), _r(k.transpose(-1, -2)))) * (1.0 / math.sqrt(d)), dim=-1)
    return _r(torch.matmul(_r(w), _r(v))).transpose(1, 2).reshape(b, -1, heads * d)


class Attention(nn.Module):
    """diffusers' Attention: to_q/to_k/to_v without bias, to_out = [Linear, Dropout]."""

    def __init__(self, dim, heads, context_dim=None):
        super().__init__()
        context_dim = context_dim or dim
        self.heads = heads
        self.head_dim = dim // heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])

    def forward(self, x, context=None):
        context = x if context is None else context
        h = _heads_attention(self.to_q(x), self.to_k(context), self.to_v(context), self.heads, self.head_dim)
        return self.to_out[1](self.to_out[0](h))


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=2):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, context_dim):
        super().__init__()
        self.norm1 = LayerNorm(dim)
        self.attn1 = Attention(dim, heads)
        self.norm2 = LayerNorm(dim)
        self.attn2 = Attention(dim, heads, context_dim)
        self.norm3 = LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, dim, heads, context_dim, groups=8):
        super().__init__()
        self.norm = GroupNorm(groups, dim, eps=1e-6)
        self.proj_in = nn.Linear(dim, dim)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, heads, context_dim)])
        self.proj_out = nn.Linear(dim, dim)

    def forward(self, x, context):
        res = x
        h = self.norm(x).flatten(2).transpose(1, 2)          # [B, HW, C]
        h = self.proj_in(h)
        for blk in self.transformer_blocks:
            h = blk(h, context)
        h = self.proj_out(h).transpose(1, 2).reshape(x.shape)
        return h + res


# ---------------------------------------------------------------------------------------------
# UNet


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb_dim, groups=8):
        super().__init__()
        self.norm1 = GroupNorm(groups, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_dim, cout) if temb_dim else None
        self.norm2 = GroupNorm(groups, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Downsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    """DownBlock2D / CrossAttnDownBlock2D with one resnet (layers_per_block = 1)."""

    def __init__(self, cin, cout, temb_dim, attn, heads, context_dim, downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin, cout, temb_dim)])
        self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, context_dim)]) if attn else None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if downsample else None

    def forward(self, x, temb, context):
        outs = []
        for i, r in enumerate(self.resnets):
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            outs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            outs.append(x)
        return x, outs


class UpBlock(nn.Module):
    """UpBlock2D / CrossAttnUpBlock2D with layers_per_block + 1 = 2 resnets."""

    def __init__(self, prev_c, cout, skip_cs, temb_dim, attn, heads, context_dim, upsample):
        super().__init__()
        res, c = [], prev_c
        for s in skip_cs:
            res.append(ResnetBlock2D(c + s, cout, temb_dim))
            c = cout
        self.resnets = nn.ModuleList(res)
        self.attentions = nn.ModuleList(
            [Transformer2DModel(cout, heads, context_dim) for _ in skip_cs]) if attn else None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x, skips, temb, context):
        for i, r in enumerate(self.resnets):
            x = r(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c, temb_dim, heads, context_dim):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb_dim), ResnetBlock2D(c, c, temb_dim)])
        self.attentions = nn.ModuleList([Transformer2DModel(c, heads, context_dim)])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


def timestep_frequencies(dim):
    half = dim // 2
    return torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))


def timestep_embedding(t, freqs):
    """diffusers get_timestep_embedding with flip_sin_to_cos=True, downscale_freq_shift=0. The
    frequencies are a buffer of the module, not made here: a traced graph would keep a tensor made
    here on the tracing device (the CPU), and fail on a GPU."""
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "sample_size": 16,
    "in_channels": 4,
    "out_channels": 4,
    "block_out_channels": [32, 64, 64],
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "layers_per_block": 1,
    "attention_head_dim": 32,
    "cross_attention_dim": 64,
    "norm_num_groups": 8,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
}


class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg=UNET_CONFIG):
        super().__init__()
        ch = cfg["block_out_channels"]
        cin, ctx = cfg["in_channels"], cfg["cross_attention_dim"]
        temb = ch[0] * 4
        self.register_buffer("time_freqs", timestep_frequencies(ch[0]), persistent=False)
        hd = cfg["attention_head_dim"]
        self.conv_in = nn.Conv2d(cin, ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        downs, skip_cs, c = [], [ch[0]], ch[0]
        for i, t in enumerate(cfg["down_block_types"]):
            last = i == len(ch) - 1
            downs.append(DownBlock(c, ch[i], temb, t.startswith("CrossAttn"), ch[i] // hd, ctx, not last))
            c = ch[i]
            skip_cs.append(c)
            if not last:
                skip_cs.append(c)
        self.down_blocks = nn.ModuleList(downs)
        self.mid_block = UNetMidBlock2DCrossAttn(c, temb, c // hd, ctx)
        ups, rch = [], list(reversed(ch))
        for i, t in enumerate(cfg["up_block_types"]):
            last = i == len(ch) - 1
            n = cfg["layers_per_block"] + 1
            skips = [skip_cs.pop() for _ in range(n)]
            ups.append(UpBlock(c, rch[i], skips, temb, t.startswith("CrossAttn"), rch[i] // hd, ctx, not last))
            c = rch[i]
        self.up_blocks = nn.ModuleList(ups)
        self.conv_norm_out = GroupNorm(cfg["norm_num_groups"], c, eps=1e-5)
        self.conv_out = nn.Conv2d(c, cfg["out_channels"], 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_embedding(timestep_embedding(timestep, self.time_freqs).to(sample.dtype))
        x = self.conv_in(sample)
        skips = [x]
        for blk in self.down_blocks:
            x, outs = blk(x, temb, encoder_hidden_states)
            skips.extend(outs)
        x = self.mid_block(x, temb, encoder_hidden_states)
        for blk in self.up_blocks:
            x = blk(x, skips, temb, encoder_hidden_states)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


# ---------------------------------------------------------------------------------------------
# text encoder (CLIP-text-shaped, bidirectional, tiny)


class EncoderLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.layer_norm1 = LayerNorm(d)
        self.self_attn = nn.ModuleDict({n: nn.Linear(d, d) for n in ("q_proj", "k_proj", "v_proj", "out_proj")})
        self.layer_norm2 = LayerNorm(d)
        self.mlp = nn.ModuleDict({"fc1": nn.Linear(d, 4 * d), "fc2": nn.Linear(4 * d, d)})
        self.heads = heads
        self.head_dim = d // heads

    def forward(self, x):
        h = self.layer_norm1(x)
        a = self.self_attn
        h = _heads_attention(a["q_proj"](h), a["k_proj"](h), a["v_proj"](h), self.heads, self.head_dim)
        x = x + a["out_proj"](h)
        h = self.mlp["fc2"](F.gelu(self.mlp["fc1"](self.layer_norm2(x))))
        return x + h


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, max_len=16, dim=64, layers=2, heads=4):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, dim)
        self.position_embedding = nn.Parameter(torch.randn(1, max_len, dim) * 0.02)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads) for _ in range(layers)])
        self.final_layer_norm = LayerNorm(dim)
        nn.init.normal_(self.token_embedding.weight, std=0.5)

    def forward(self, input_ids):
        x = self.token_embedding(input_ids) + self.position_embedding[:, : input_ids.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.final_layer_norm(x)


# ---------------------------------------------------------------------------------------------
# autoencoder: strided-conv encoder, pixel-shuffle decoder (factor 8, 4 latent channels)


class Res(nn.Module):
    def __init__(self, c, groups=8):
        super().__init__()
        self.norm1 = GroupNorm(groups, c)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.norm2 = GroupNorm(groups, c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.silu(self.norm2(self.conv1(F.silu(self.norm1(x))))))


VAE_CHANNELS = [8, 16, 32, 64]          # decoder channels at 128, 64, 32, 16 pixels


class Encoder(nn.Module):
    def __init__(self, ch=VAE_CHANNELS, latent=4):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch[0], 3, padding=1)
        self.down = nn.ModuleList([nn.Conv2d(ch[i], ch[i + 1], 4, stride=2, padding=1) for i in range(3)])
        self.mid = nn.ModuleList([Res(ch[2]), Res(ch[3])])
        self.conv_out = nn.Conv2d(ch[3], latent, 3, padding=1)

    def forward(self, x):
        x = F.silu(self.conv_in(x))
        x = F.silu(self.down[0](x))
        x = self.down[1](x)
        x = self.mid[0](x)
        x = self.down[2](F.silu(x))
        x = self.mid[1](x)
        return self.conv_out(F.silu(x))


class Decoder(nn.Module):
    def __init__(self, ch=VAE_CHANNELS, latent=4):
        super().__init__()
        self.conv_in = nn.Conv2d(latent, ch[3], 3, padding=1)
        self.mid_block = nn.ModuleList([Res(ch[3]), Res(ch[3])])
        # up_blocks.i: conv to 4x the next channels, pixel shuffle (x2)
        self.up_blocks = nn.ModuleList([
            nn.Conv2d(ch[3], 4 * ch[2], 3, padding=1),
            nn.Conv2d(ch[2], 4 * ch[1], 3, padding=1),
            nn.Conv2d(ch[1], 4 * ch[0], 3, padding=1),
        ])
        self.res32 = Res(ch[2])
        self.conv64 = nn.Conv2d(ch[1], ch[1], 3, padding=1)
        self.conv_norm_out = GroupNorm(4, ch[0])
        self.conv_out = nn.Conv2d(ch[0], 3, 3, padding=1)

    def forward(self, z):
        x = self.conv_in(z)
        for r in self.mid_block:
            x = r(x)
        x = F.pixel_shuffle(self.up_blocks[0](F.silu(x)), 2)       # 32 px
        x = self.res32(x)
        x = F.pixel_shuffle(self.up_blocks[1](F.silu(x)), 2)       # 64 px
        x = x + self.conv64(F.silu(x))
        x = F.pixel_shuffle(self.up_blocks[2](F.silu(x)), 2)       # 128 px
        return torch.tanh(self.conv_out(F.silu(self.conv_norm_out(x))))


# ---------------------------------------------------------------------------------------------
# LoRA for training (PEFT-style: A kaiming-uniform, B zero; delta = scale * B @ A)

LORA_TARGETS = ("attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0",
                "attn2.to_q", "attn2.to_k", "attn2.to_v", "attn2.to_out.0")


class LoRALinear(nn.Module):
    def __init__(self, base, rank, scale=1.0):
        super().__init__()
        self.base = base
        self.scale = scale
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + _r(F.linear(_r(_r(F.linear(_r(x), _r(self.lora_A)))), _r(self.lora_B))) * self.scale


def lora_target_paths(unet):
    return [n for n, m in unet.named_modules()
            if isinstance(m, nn.Linear) and any(n.endswith(t) for t in LORA_TARGETS)]


def _set_module(root, path, module):
    parts = path.split(".")
    parent = root
    for p in parts[:-1]:
        parent = parent[int(p)] if p.isdigit() else getattr(parent, p)
    if parts[-1].isdigit():
        parent[int(parts[-1])] = module
    else:
        setattr(parent, parts[-1], module)


def _get_module(root, path):
    m = root
    for p in path.split("."):
        m = m[int(p)] if p.isdigit() else getattr(m, p)
    return m


def inject_lora(unet, rank, scale=1.0):
    """Wraps every LoRA target in a LoRALinear; returns {path: LoRALinear}."""
    out = {}
    for path in lora_target_paths(unet):
        lin = LoRALinear(_get_module(unet, path), rank, scale)
        _set_module(unet, path, lin)
        out[path] = lin
    return out


def merge_lora_state(unet_state, lora, scale=1.0):
    """unet_state: {name: tensor}; lora: {path: (A [r,in], B [out,r])}; W + scale * B @ A in float32."""
    merged = dict(unet_state)
    for path, (a, b) in lora.items():
        key = path + ".weight"
        merged[key] = unet_state[key] + scale * (b.float() @ a.float())
    return merged
