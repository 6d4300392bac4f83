"""Training inputs and labels of a phoneme-pointer AR (ARConfig.pointer_classes > 0; see training/lm/ar.py).

From the frame alignments (training/lm/align.py), each audio position gets
- a pointer: the text token that its output group says, fed through `text_ids` at audio positions. Inside the
  voice prompt it is 0 (unknown), as at inference, where the prompt comes unaligned; the last prompt position
  already points at the first token of the target, where the runtime starts the pointer.
- an advance label: how many text tokens the pointer moves for the next position (clipped to the head's
  classes). The runtime samples it after each group and moves the pointer; reaching the text's EOS makes the
  model end the speech.
- with a pointer context (ARConfig.pointer_context), the phonemes either side of the pointed one and how many
  positions the pointer has already stayed on it, as the runtime counts them.
"""
import numpy as np
import torch

from .config import IGNORE
from .guided import aligned_keys


def pointer_row(example: dict, group_size: int, n: int, classes: int, max_age: int = 0):
    """-> pointer text ids (n,) int64 (0 where none), advance labels (n,) int64 (IGNORE where none) and the
    context (n, 3) int64: previous and next text token, groups already spent on the token + 1 (capped at
    max_age); 0 where none or when max_age is 0."""
    keys = aligned_keys(example, group_size, n)
    nt = len(example["text"])
    first = nt + example["prompt"].shape[1] // group_size - 1  # last prompt position: its output is target group 0
    fed = np.flatnonzero(keys[first:] >= 0) + first
    if example.get("target_align") is None:
        raise ValueError("a pointer AR needs the target's frame alignment (training.lm.align)")
    text = np.asarray(example["text"], dtype=np.int64)
    pointer = np.zeros(n, dtype=np.int64)
    pointer[fed] = text[keys[fed]]
    advance = np.full(n, IGNORE, dtype=np.int64)
    both = fed[:-1][np.diff(fed) == 1]  # positions whose successor is fed too
    advance[both] = np.clip(keys[both + 1] - keys[both], 0, classes - 1)
    context = np.zeros((n, 3), dtype=np.int64)
    if max_age and len(fed):
        padded = np.concatenate([[0], text, [0]])
        context[fed, 0] = padded[keys[fed]]  # text[k - 1]
        context[fed, 1] = padded[keys[fed] + 2]  # text[k + 1]
        age = np.zeros(len(fed), dtype=np.int64)
        for i in range(1, len(fed)):  # runs of one pointed token, as the runtime counts them
            age[i] = age[i - 1] + 1 if keys[fed[i]] == keys[fed[i - 1]] and fed[i] == fed[i - 1] + 1 else 0
        context[fed, 2] = np.minimum(age, max_age - 1) + 1
    return pointer, advance, context


def apply_pointer(batch: dict, examples: list, group_size: int, classes: int, max_age: int = 0) -> torch.Tensor:
    """Writes the pointers into batch["text_ids"] at audio positions and, with max_age, the context into
    batch["pointer_context"] (in place); -> advance labels (B, N)."""
    n = batch["text_ids"].shape[1]
    rows = [pointer_row(x, group_size, n, classes, max_age) for x in examples]
    if max_age:
        batch["pointer_context"] = torch.from_numpy(np.stack([r[2] for r in rows]))
    pointer = torch.from_numpy(np.stack([r[0] for r in rows]))
    batch["text_ids"] = torch.where(batch["is_audio"], pointer, batch["text_ids"])
    return torch.from_numpy(np.stack([r[1] for r in rows]))


def drop_pointer(batch: dict, advance: torch.Tensor, fraction: float, rng: np.random.Generator) -> torch.Tensor:
    """Condition dropout for classifier-free guidance, in place: a `fraction` of the batch's utterances are fed
    no pointer (phoneme 0, no context) at every audio position, as the runtime's unconditional twin is
    (src/engine/guidance.ts), and their advance labels are ignored (no pointer, nothing to advance). Their codes
    still count: the model learns p(codes | history, text, voice) without the named phoneme, instead of relying on
    the prompt's positions alone for it. -> the advance labels (B, N)."""
    dropped = torch.from_numpy(rng.random(batch["text_ids"].shape[0]) < fraction)
    if not dropped.any():
        return advance
    hit = dropped.unsqueeze(1) & batch["is_audio"]
    batch["text_ids"] = batch["text_ids"].masked_fill(hit, 0)
    if "pointer_context" in batch:
        batch["pointer_context"] = batch["pointer_context"].masked_fill(hit.unsqueeze(-1), 0)
    # advance is already on the training device (loss_on moves it there); the mask follows it, for CUDA runs
    return advance.masked_fill(dropped.unsqueeze(1).to(advance.device), IGNORE)
