"""Additive angular margin (AAM / ArcFace) softmax over the training speakers; training only, never exported."""
import math

import torch
from torch import nn


class AAMSoftmax(nn.Module):
    """(B, D) embeddings + (B,) speaker labels -> (loss, accuracy); the margin can be ramped up during training."""

    def __init__(self, embedding_dim: int, n_speakers: int, margin: float = 0.2, scale: float = 30.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_speakers, embedding_dim) * 0.01)
        self.margin, self.scale = margin, scale

    def forward(self, emb: torch.Tensor, labels: torch.Tensor, margin: float = None):
        m = self.margin if margin is None else margin
        cos = nn.functional.linear(nn.functional.normalize(emb), nn.functional.normalize(self.weight)).clamp(-1 + 1e-7, 1 - 1e-7)
        sin = torch.sqrt(1.0 - cos * cos)
        phi = cos * math.cos(m) - sin * math.sin(m)  # cos(theta + m)
        # Past theta = pi - m, cos(theta + m) stops decreasing; fall back to a linear penalty (ArcFace's rule).
        phi = torch.where(cos > math.cos(math.pi - m), phi, cos - math.sin(math.pi - m) * m)
        onehot = nn.functional.one_hot(labels, cos.shape[1]).to(cos.dtype)
        logits = self.scale * (onehot * phi + (1 - onehot) * cos)
        loss = nn.functional.cross_entropy(logits, labels)
        acc = (cos.argmax(dim=1) == labels).float().mean()
        return loss, acc
