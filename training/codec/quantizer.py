"""Residual vector quantizer with EMA codebooks, dead-code restarts and a one-gather dequantizer."""
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from training.codec.config import CodecConfig


@dataclass
class QuantizedResult:
    quantized: torch.Tensor  # (B, D, T), straight-through in training
    codes: torch.Tensor  # (B, Q, T) int64
    commit_loss: torch.Tensor  # scalar
    perplexity: torch.Tensor  # (Q,) codebook usage in this batch (exp entropy)


class ResidualVQ(nn.Module):
    """Q codebooks of K vectors (dim D), stored stacked as one (Q, K, D) buffer."""

    def __init__(self, cfg: CodecConfig):
        super().__init__()
        q, k, d = cfg.num_codebooks, cfg.codebook_size, cfg.dim
        self.num_codebooks, self.codebook_size = q, k
        self.decay, self.dead_fraction, self.split, self.eps = cfg.ema_decay, cfg.dead_code_fraction, cfg.split_step, 1e-5
        self.register_buffer("embed", torch.randn(q, k, d) * 0.01)
        self.register_buffer("cluster_size", torch.zeros(q, k))  # all dead: first batch seeds every code
        self.register_buffer("embed_sum", torch.zeros(q, k, d))
        self.register_buffer("center", torch.zeros(q, d))  # fast EMA of each stage's input mean
        self.frozen = None  # see freeze_for_export

    def _nearest(self, r: torch.Tensor, q: int) -> torch.Tensor:
        """r (M, D) -> index (M,) of the nearest code in codebook q (||r||^2 is the same for all codes)."""
        if self.frozen:
            e_t, norms = self.frozen[q]
            return (norms - 2 * (r @ e_t)).argmin(1)
        e = self.embed[q]
        return ((e * e).sum(1) - 2 * (r @ e.t())).argmin(1)

    def freeze_for_export(self, on: bool = True):
        """Hold each codebook, transposed (D, K), and its squared norms as plain tensors: a traced graph
        then stores each codebook once, as one constant both searched and gathered from."""
        self.frozen = [(e.t().contiguous(), (e * e).sum(1)) for e in self.embed] if on else None

    def encode(self, latents: torch.Tensor) -> torch.Tensor:
        """latents (B, D, T) -> codes (B, Q, T) int64."""
        b, d, t = latents.shape
        r = latents.transpose(1, 2).reshape(-1, d)
        codes = []
        for q in range(self.num_codebooks):
            idx = self._nearest(r, q)
            chosen = self.frozen[q][0].index_select(1, idx).t() if self.frozen else F.embedding(idx, self.embed[q])
            r = r - chosen  # the residual loop: the next stage codes what this one missed
            codes.append(idx.reshape(b, t))
        return torch.stack(codes, 1)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """codes (B, n, T), any n <= Q -> latents (B, D, T).

        One gather from the stacked (Q*K, D) table at codes + q*K, summed over the codebook axis,
        so n stays a dynamic dimension in the exported graph (offsets come from a cumsum, not range).
        """
        offsets = (torch.cumsum(torch.ones_like(codes[:, :, :1]), 1) - 1) * self.codebook_size
        table = self.embed.reshape(-1, self.embed.shape[-1])
        return F.embedding(codes + offsets, table).sum(1).transpose(1, 2)

    def forward(self, latents: torch.Tensor, n_q: torch.Tensor = None) -> QuantizedResult:
        """latents (B, D, T); n_q (B,) codebooks kept per item (quantizer dropout), default all Q."""
        b, d, t = latents.shape
        if n_q is None:
            n_q = torch.full((b,), self.num_codebooks, device=latents.device)
        r = latents.transpose(1, 2).reshape(-1, d)
        keep = (torch.arange(self.num_codebooks, device=latents.device)[None] < n_q[:, None]).float()
        keep_rows = keep.repeat_interleave(t, 0)  # (B*T, Q)
        quantized = torch.zeros_like(r)
        codes, commit, perplexity = [], 0.0, []
        for q in range(self.num_codebooks):
            with torch.no_grad():
                if self.training:  # restart first, so a fresh codebook quantizes this very batch
                    self._follow_input_mean(q, r.detach())
                    self._restart_dead_codes(q, r.detach())
                idx = self._nearest(r.detach(), q)
                chosen = F.embedding(idx, self.embed[q])
                if self.training:
                    self._ema_update(q, r.detach(), idx)
            w = keep_rows[:, q:q + 1]
            commit = commit + ((r - chosen.detach()) ** 2 * w).sum() / (w.sum() * d).clamp(min=1)
            quantized = quantized + chosen * w
            r = r - chosen
            codes.append(idx.reshape(b, t))
            probs = torch.bincount(idx, minlength=self.codebook_size).float() / idx.numel()
            perplexity.append(torch.exp(-(probs * torch.log(probs + 1e-10)).sum()))
        x = latents.transpose(1, 2).reshape(-1, d)
        quantized = x + (quantized - x).detach()  # straight-through estimator
        return QuantizedResult(quantized.reshape(b, t, d).transpose(1, 2), torch.stack(codes, 1),
                               commit / self.num_codebooks, torch.stack(perplexity))

    @torch.no_grad()
    def _follow_input_mean(self, q: int, r: torch.Tensor):
        """Translate codebook q with a fast EMA (0.9) of its input's mean, r (M, D).

        Early on, Adam moves the encoder's output as a whole by more per step than the frames spread
        around it; the slow (0.99) EMA codebook lagged and the one code furthest along the drift won
        every frame of stage 0 (measured: usage fell to 7-17 of 1024). Later stages see centered
        residuals, so this barely moves them.
        """
        mean = r.mean(0)
        if not bool((self.cluster_size[q] > 0).any()):  # first batch: nothing to translate yet
            self.center[q] = mean
            return
        shift = 0.1 * (mean - self.center[q])
        self.center[q] += shift
        self.embed[q] += shift
        self.embed_sum[q] += shift * self.cluster_size[q][:, None]

    @torch.no_grad()
    def _restart_dead_codes(self, q: int, r: torch.Tensor):
        """Restart codes whose EMA usage is below dead_fraction of uniform, from batch vectors r (M, D).

        A never-used code becomes a random batch vector. A code that died splits a live one: it moves
        to c + split * (x - c) for a random batch vector x and its current code c. In high dimension a
        raw batch vector is farther from other vectors than the cluster mean is, so it would never win
        and one central code would take everything; a code just beside c takes the half of c's
        cluster on x's side instead (LBG splitting), and EMA then moves it to that half's centroid.
        """
        threshold = self.dead_fraction * r.shape[0] / self.codebook_size
        size, embed = self.cluster_size[q], self.embed[q]
        dead = size < threshold
        n_dead = int(dead.sum())
        if not n_dead:
            return
        x = r[torch.randint(0, r.shape[0], (n_dead,), device=r.device)]
        c = F.embedding(self._nearest(x, q), embed)
        fresh = (size[dead] == 0).float()[:, None]
        samples = fresh * x + (1 - fresh) * (c + self.split * (x - c))
        embed[dead] = samples
        self.embed_sum[q][dead] = samples * threshold
        size[dead] = threshold

    @torch.no_grad()
    def _ema_update(self, q: int, r: torch.Tensor, idx: torch.Tensor):
        """EMA of code counts and sums over this batch's assignments idx (M,) of residuals r (M, D)."""
        k = self.codebook_size
        counts = torch.bincount(idx, minlength=k).float()
        sums = torch.zeros_like(self.embed_sum[q]).index_add_(0, idx, r)
        self.cluster_size[q].mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.embed_sum[q].mul_(self.decay).add_(sums, alpha=1 - self.decay)
        size = self.cluster_size[q]
        n = size.sum()
        smoothed = (size + self.eps) / (n + k * self.eps) * n
        self.embed[q].copy_(self.embed_sum[q] / smoothed[:, None])
