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


# --- Aligned attention: the exact token each audio position should read (training/lm/align.py) -----------------

def aligned_keys(example: dict, group_size: int, n: int) -> np.ndarray:
    """One training row's attention targets: (n,) int64, for each position the text position its guided heads
    must attend to, or -1 (unguided).

    The position fed audio group a predicts group a + 1, so it reads the token spoken at the first frame of
    group a + 1; the position that predicts the group holding end of speech reads the text's EOS.
    """
    g, nt = group_size, len(example["text"])
    n_prompt, t_target = example["prompt"].shape[1], example["target"].shape[1]
    prompt_align = example.get("prompt_align")
    target_align = example.get("target_align")
    frames = np.concatenate([
        np.full(n_prompt, -1, dtype=np.int64) if prompt_align is None else np.asarray(prompt_align, dtype=np.int64),
        np.full(t_target, -1, dtype=np.int64) if target_align is None else np.asarray(target_align, dtype=np.int64),
        [nt - 1 if target_align is not None else -1],  # end of speech reads EOS
    ])
    if frames.max(initial=-1) >= nt:
        raise ValueError(f"alignment points at text position {frames.max()} of a {nt}-token text: alignments and "
                         "manifest do not match (re-run training.lm.align)")
    groups = n_prompt // g + -(-(t_target + 1) // g)  # prompt groups + target groups incl. end of speech
    out = np.full(n, -1, dtype=np.int64)
    fed = groups - 1  # audio positions: every group but the last is fed back
    nxt = frames[np.minimum((np.arange(fed) + 1) * g, len(frames) - 1)]
    out[nt:nt + fed] = nxt
    return out


def collate_aligned(examples: list, group_size: int, n: int) -> torch.Tensor:
    """-> (B, N) int64 attention targets for a batch padded to N (-1 where unguided)."""
    return torch.from_numpy(np.stack([aligned_keys(x, group_size, n) for x in examples]))


def aligned_attention_loss(scores: torch.Tensor, targets: torch.Tensor, n_heads: int) -> torch.Tensor:
    """scores (B, H, N, N) pre-softmax attention of one layer; targets (B, N) key per query or -1 ->
    mean cross-entropy of the first `n_heads` heads' attention against the aligned text position.

    Over all keys, audio included: a guided head must read the text, not merely order its small text share.
    """
    s = scores[:, :n_heads].float().log_softmax(dim=-1)  # (B, h, N, N)
    t = targets.to(s.device)
    valid = t >= 0
    picked = s.gather(-1, t.clamp(min=0)[:, None, :, None].expand(-1, s.shape[1], -1, 1)).squeeze(-1)  # (B, h, N)
    v = valid[:, None, :].to(s.dtype)
    return -(picked * v).sum() / (v.sum() * s.shape[1]).clamp(min=1)
