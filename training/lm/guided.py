"""Guided attention for the AR: a training-only loss that pulls a few heads towards text-audio alignment.

Trained with cross-entropy alone, a small decoder-only codec LM learns to continue the prompt's audio long
before it learns to read the text: our first CPU run (1,100 steps) scored the same validation loss with the
right and with a wrong transcript (4.510 vs 4.519). Guided attention (Tachibana et al. 2017, "DC-TTS") makes
alignment cheap to learn: for audio position a of A and text position t of N, attention is penalised by
    w(a, t) = 1 - exp(-(t/N - a/A)^2 / (2 sigma^2)),
i.e. the further off the diagonal, the more. Only a few heads are guided, and only their attention *over the
text span* (renormalised), so the heads may still attend to audio; the runtime and the exported graph are
unchanged.

Spans: in continuation mode the whole audio (prompt + target) reads the whole text; in reference mode the
target audio reads the target transcript (after SEP when the prompt transcript is present).
"""
import numpy as np
import torch

from .config import TEXT_SEP
from .modules import MASK_VALUE


def guide_row(example: dict, group_size: int, n: int, sigma: float):
    """One training row's guide (see collate_ar for the row layout).

    Returns (queries (n,) bool, keys (n,) bool, weights (n, n) float32): which positions are guided, which
    text positions they are guided over, and the penalty per (query, key).
    """
    text = list(example["text"])
    nt, g = len(text), group_size
    n_prompt = example["prompt"].shape[1] // g
    n_target = -(-(example["target"].shape[1] + 1) // g)  # groups incl. end of speech
    keys = np.zeros(n, dtype=bool)
    queries = np.zeros(n, dtype=bool)
    if example.get("mode") == "continuation":
        first, count = nt, n_prompt + n_target - 1  # every fed audio position
        span = (0, nt)
        total = n_prompt + n_target
        offset = 1  # position a predicts group a + 1 of the utterance
    else:
        first, count = nt + n_prompt - 1, n_target  # positions whose outputs are target groups
        span = (text.index(TEXT_SEP) + 1 if TEXT_SEP in text else 0, nt)
        total, offset = n_target, 0
    queries[first:first + count] = True
    keys[span[0]:span[1]] = True
    rel_a = (np.arange(count) + offset + 0.5) / total
    rel_t = (np.arange(span[1] - span[0]) + 0.5) / (span[1] - span[0])
    weights = np.zeros((n, n), dtype=np.float32)
    weights[first:first + count, span[0]:span[1]] = 1 - np.exp(-(rel_t[None, :] - rel_a[:, None]) ** 2 / (2 * sigma ** 2))
    return queries, keys, weights


def collate_guides(examples: list, group_size: int, n: int, sigma: float) -> dict:
    """-> queries (B, N) bool, keys (B, N) bool, weights (B, N, N) float32 for a batch padded to N."""
    rows = [guide_row(x, group_size, n, sigma) for x in examples]
    return {name: torch.from_numpy(np.stack([r[i] for r in rows])) for i, name in enumerate(("queries", "keys", "weights"))}


def guided_attention_loss(scores: torch.Tensor, guides: dict, n_heads: int) -> torch.Tensor:
    """scores (B, H, N, N) pre-softmax attention of one layer -> mean penalty of its first `n_heads` heads."""
    s = scores[:, :n_heads]
    keys = guides["keys"].to(s.device)[:, None, None, :]
    probs = torch.where(keys, s, torch.full((), MASK_VALUE, device=s.device)).softmax(dim=-1)
    per_query = (probs * guides["weights"].to(s.device)[:, None]).sum(dim=-1)  # (B, h, N)
    q = guides["queries"].to(s.device)[:, None, :].to(s.dtype)
    return (per_query * q).sum() / (q.sum() * n_heads).clamp(min=1)
