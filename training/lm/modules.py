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


class Attention(nn.Module):
    """Multi-head self-attention that appends its new keys/values to a cache passed in."""

    # Set only while exporting the AR (onnx_export.time_major_cache): the cache comes in time-major [P, B, H, Dh], as
    # the runtime stores it, and only the new positions' keys/values go out. Attention then reads the past where it
    # lies instead of permuting and concatenating it: those two whole-cache copies per layer were most of a step's
    # cost that grows with the cache (bench/README.md).
    time_major_past = False

    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = dropout
        # Training only: keep the pre-softmax scores of the last call (for the guided-attention loss).
        self.keep_scores, self.scores = False, None

    def forward(self, x, cos, sin, mask_add, past_k=None, past_v=None):
        """x (B, S, D); mask_add (B, 1, S, P+S); past_k/v (B, H, P, Dh) or None.

        Returns y (B, S, D), keys and values (B, H, P+S, Dh) including the new positions.
        """
        b, s, d = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if past_k is not None and self.time_major_past:
            return self._attend_time_major(q, k, v, mask_add, past_k, past_v)
        if past_k is not None:
            k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask_add
        if self.keep_scores:
            self.scores = scores
        probs = F.dropout(scores.softmax(dim=-1), self.dropout, self.training)
        y = (probs @ v).transpose(1, 2).reshape(b, s, d)
        return self.out(y), k, v

    def _attend_time_major(self, q, k, v, mask_add, past_k, past_v):
        """forward() with past_k/v time-major (P, B, H, Dh): scores against the past and against the new keys
        separately, one softmax over both. Returns y and the new keys/values only, time-major (S, B, H, Dh).
        Training never takes this path (no dropout, no kept scores)."""
        b, _, s, _ = q.shape
        p = past_k.shape[0]
        q = q / math.sqrt(self.head_dim)
        scores = torch.cat([q @ past_k.permute(1, 2, 3, 0), q @ k.transpose(-1, -2)], dim=-1) + mask_add
        probs = scores.softmax(dim=-1)
        y = probs[..., :p] @ past_v.permute(1, 2, 0, 3) + probs[..., p:] @ v
        y = y.transpose(1, 2).reshape(b, s, -1)
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

    def forward(self, x, cos, sin, mask_add, past_k=None, past_v=None, cond=None):
        """x (B, S, D); cond (B, 4*D) AdaLN (scale1, shift1, scale2, shift2) or None."""
        h = self.norm1(x)
        if cond is not None:
            scale1, shift1, scale2, shift2 = cond.unsqueeze(1).chunk(4, dim=-1)
            h = h * (1 + scale1) + shift1
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
