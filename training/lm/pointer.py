"""Training inputs and labels of a phoneme-pointer AR (ARConfig.pointer_classes > 0; see training/lm/ar.py).

From the frame alignments (training/lm/align.py), each audio position gets
- a pointer: the text token that its output group says, fed through `text_ids` at audio positions. Inside the
  voice prompt it is 0 (unknown), as at inference, where the prompt comes unaligned; the last prompt position
  already points at the first token of the target, where the runtime starts the pointer.
- an advance label: how many text tokens the pointer moves for the next position (clipped to the head's
  classes). The runtime samples it after each group and moves the pointer; reaching the text's EOS makes the
  model end the speech.
"""
import numpy as np
import torch

from .config import IGNORE
from .guided import aligned_keys


def pointer_row(example: dict, group_size: int, n: int, classes: int):
    """-> pointer text ids (n,) int64 (0 where none) and advance labels (n,) int64 (IGNORE where none)."""
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
    return pointer, advance


def apply_pointer(batch: dict, examples: list, group_size: int, classes: int) -> torch.Tensor:
    """Writes the pointers into batch["text_ids"] at audio positions (in place); -> advance labels (B, N)."""
    n = batch["text_ids"].shape[1]
    rows = [pointer_row(x, group_size, n, classes) for x in examples]
    pointer = torch.from_numpy(np.stack([r[0] for r in rows]))
    batch["text_ids"] = torch.where(batch["is_audio"], pointer, batch["text_ids"])
    return torch.from_numpy(np.stack([r[1] for r in rows]))
