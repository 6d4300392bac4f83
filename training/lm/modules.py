"""Transformer building blocks shared by the AR and NAR: RoPE, cached attention, pre-LN blocks, AdaLN."""
import math

import torch
from torch import nn
import torch.nn.functional as F

# Additive mask value: finite so that a fully masked row (a padding query) gives a uniform softmax, not NaN.
MASK_VALUE = -1e9


def rope_cos_sin(positions: torch.Tensor, head_dim: int, base: float):
    """positions (B, S) int64 -> cos, sin (B, 1, S, head_dim/2) float32."""
    inv_freq = torch.exp(torch.arange(0, head_dim, 2, dtype=torch.float32, device=positions.device) * (-math.log(base) / head_dim))
    angles = positions.to(torch.float32).unsqueeze(-1) * inv_freq  # (B, S, Dh/2)
    return angles.cos().unsqueeze(1), angles.sin().unsqueeze(1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x (B, H, S, Dh), halves rotated as pairs (x1[i], x2[i]) -> same shape."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class KeptDimsReshape(torch.autograd.Function):
    """x.reshape(x.shape[:keep] + tail), exported as ONE Reshape whose shape is a constant [0] * keep + tail (ONNX 0 =
    keep that input dim). Why: a view over traced sizes (x.view(b, s, ...)) exports as Shape, Gather, Unsqueeze and
    Concat feeding the Reshape, and onnxruntime runs each of them on every decoding step."""

    @staticmethod
    def forward(ctx, x, keep: int, tail: tuple):
        return x.reshape(*x.shape[:keep], *tail)

    @staticmethod
    def symbolic(g, x, keep: int, tail: tuple):
        # The last size as -1 (same result): torch 1.13's shape inference asserts on a 0 without a -1.
        shape = [0] * keep + list(tail) if -1 in tail else [0] * keep + list(tail[:-1]) + [-1]
        return g.op("Reshape", x, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.long)))


def reshape_kept(x: torch.Tensor, keep: int, tail: tuple) -> torch.Tensor:
    """Reshapes all dims after the first `keep` to `tail` (-1 allowed once), exporting as one Reshape node."""
    return KeptDimsReshape.apply(x, keep, tuple(tail))


def rotate_half_matrix(head_dim: int) -> torch.Tensor:
    """R (Dh, Dh) with x @ R = cat(-x2, x1): the rotary embedding as x * cos + (x @ R) * sin. Its entries are 0 and
    +-1, so the product is exact."""
    half = head_dim // 2
    r = torch.zeros(head_dim, head_dim)
    r[torch.arange(half) + half, torch.arange(half)] = -1.0
    r[torch.arange(half), torch.arange(half) + half] = 1.0
    return r


def export_rope(cos: torch.Tensor, sin: torch.Tensor, n_heads: int, head_dim: int):
    """rope_cos_sin's (B, 1, S, Dh/2) -> the factors the exported attention multiplies its q/k/v projection by,
    (B, S, 3H, Dh) each: q rotated and scaled by 1/sqrt(Dh) (the attention's scale folded in), k rotated, v left as
    it is (cos 1, sin 0). Computed once per graph call, shared by every layer."""
    cos2 = torch.cat([cos, cos], dim=-1).transpose(1, 2)  # (B, S, 1, Dh)
    sin2 = torch.cat([sin, sin], dim=-1).transpose(1, 2)
    scale = 1.0 / math.sqrt(head_dim)
    per_slot = lambda q, k, v: torch.cat([q.expand(-1, -1, n_heads, -1), k.expand(-1, -1, n_heads, -1),  # noqa: E731
                                          v.expand(-1, -1, n_heads, -1)], dim=2)
    return (per_slot(cos2 * scale, cos2, torch.ones_like(cos2)),
            per_slot(sin2 * scale, sin2, torch.zeros_like(sin2)))


class Attention(nn.Module):
    """Multi-head self-attention that appends its new keys/values to a cache passed in."""

    # Set only while exporting the AR (onnx_export.time_major_cache): the cache comes in time-major [P, B, H, Dh], as
    # the runtime stores it, and only the new positions' keys/values go out. Attention then reads the past where it
    # lies instead of permuting and concatenating it: those two whole-cache copies per layer were most of a step's
    # cost that grows with the cache (bench/README.md). The graph is also written with as few nodes as the maths
    # allows (forward_export): onnxruntime pays a few microseconds per node, and a decoding step is ~a hundred of them.
    time_major_past = False

    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = dropout
        # Training only: keep the pre-softmax scores of the last call (for the guided-attention loss).
        self.keep_scores, self.scores = False, None
        self.register_buffer("rotate_half", rotate_half_matrix(self.head_dim), persistent=False)

    def forward(self, x, cos, sin, mask_add, past_k=None, past_v=None):
        """x (B, S, D); mask_add (B, 1, S, P+S); past_k/v (B, H, P, Dh) or None.

        Returns y (B, S, D), keys and values (B, H, P+S, Dh) including the new positions.
        """
        b, s, d = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if past_k is not None:
            k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask_add
        if self.keep_scores:
            self.scores = scores
        probs = F.dropout(scores.softmax(dim=-1), self.dropout, self.training)
        y = (probs @ v).transpose(1, 2).reshape(b, s, d)
        return self.out(y), k, v

    def forward_export(self, x, rope_cos, rope_sin, mask_add, past_k, past_v, past_len, b, s):
        """forward() as the exported graph computes it, with as few graph nodes as the maths allows: x is the
        residual stream flattened to (B*S, D), so that every Linear exports as one Gemm; rope factors from
        export_rope; past_k/v time-major (P, B, H, Dh) read in place; scores against the past and against the new
        keys separately, one softmax over both. Returns y (B*S, D) and the new keys/values only, time-major
        (S, B, H, Dh). No dropout, no kept scores."""
        h = self.n_heads
        qkv = self.qkv(x).view(b, s, 3 * h, self.head_dim)
        qkv = qkv * rope_cos + (qkv @ self.rotate_half) * rope_sin
        q, k, v = qkv.transpose(1, 2).split(h, dim=1)  # (B, H, S, Dh) each
        scores = torch.cat([q @ past_k.permute(1, 2, 3, 0), q @ k.transpose(-1, -2)], dim=-1) + mask_add
        to_past, to_new = scores.softmax(dim=-1).split([past_len, s], dim=-1)
        y = to_past @ past_v.permute(1, 2, 0, 3) + to_new @ v
        y = reshape_kept(y.transpose(1, 2), 0, (-1, h * self.head_dim))
        return self.out(y), k.permute(2, 0, 1, 3), v.permute(2, 0, 1, 3)


class FeedForward(nn.Sequential):
    def __init__(self, d_model: int, ff_mult: int, dropout: float):
        super().__init__(nn.Linear(d_model, ff_mult * d_model), nn.GELU(),
                         nn.Linear(ff_mult * d_model, d_model), nn.Dropout(dropout))


class Block(nn.Module):
    """Pre-LN transformer block; with `cond` given, LayerNorms are adaptive (scale/shift from cond)."""

    def __init__(self, d_model: int, n_heads: int, ff_mult: int, dropout: float):
        super().__init__()
        # Affine even when adaptive: torch 1.13 exports a LayerNorm without weights as an invalid ONNX node.
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.attn = Attention(d_model, n_heads, dropout)
        self.ff = FeedForward(d_model, ff_mult, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, cos, sin, mask_add, past_k=None, past_v=None, cond=None, export_shape=None):
        """x (B, S, D); cond (B, 4*D) AdaLN (scale1, shift1, scale2, shift2) or None. With `export_shape` = (P, B, S)
        (exporting the AR): x is (B*S, D), cos/sin are export_rope's factors and the past is time-major
        (Attention.forward_export)."""
        h = self.norm1(x)
        if cond is not None:
            scale1, shift1, scale2, shift2 = cond.unsqueeze(1).chunk(4, dim=-1)
            h = h * (1 + scale1) + shift1
        if export_shape is not None:
            a, k, v = self.attn.forward_export(h, cos, sin, mask_add, past_k, past_v, *export_shape)
        else:
            a, k, v = self.attn(h, cos, sin, mask_add, past_k, past_v)
        x = x + self.drop(a)
        h = self.norm2(x)
        if cond is not None:
            h = h * (1 + scale2) + shift2
        return x + self.ff(h), k, v


def additive_mask(allowed: torch.Tensor) -> torch.Tensor:
    """allowed (B, S, K) bool -> (B, 1, S, K) float32 with 0 where allowed and MASK_VALUE elsewhere."""
    zero = torch.zeros((), dtype=torch.float32, device=allowed.device)
    return torch.where(allowed, zero, torch.full((), MASK_VALUE, device=allowed.device)).unsqueeze(1)
