"""Token layouts: how phonemes and codec codes become AR and NAR model inputs (see docs/model-format.md).

AR row: text = [BOS, prompt phonemes, SEP, target phonemes, EOS] (reference mode with transcript),
[BOS, phonemes, EOS] (continuation, or reference without transcript); then the prompt's codebook-0
groups, then the target's groups. Each position's output is the next group; only target groups are
scored: the target codebook 0 followed by one end-of-speech code is cut into groups of G (the last group
padded with IGNORE labels), and the position just before target group k is labelled with group k.
"""
import numpy as np

from .config import IGNORE, TEXT_BOS, TEXT_EOS, TEXT_SEP


def text_tokens(target_phonemes, prompt_phonemes=None):
    """Phoneme id lists -> the AR/NAR text token list."""
    if prompt_phonemes is None:
        return [TEXT_BOS, *target_phonemes, TEXT_EOS]
    return [TEXT_BOS, *prompt_phonemes, TEXT_SEP, *target_phonemes, TEXT_EOS]


def to_groups(codes: np.ndarray, group_size: int) -> np.ndarray:
    """codes (T,) with T a multiple of G -> (T/G, G)."""
    if len(codes) % group_size:
        raise ValueError(f"{len(codes)} codes are not a whole number of groups of {group_size}")
    return np.asarray(codes, dtype=np.int64).reshape(-1, group_size)


def ar_example(text: list, prompt_c0: np.ndarray, target_c0: np.ndarray, group_size: int, eos: int) -> dict:
    """One AR training row.

    prompt_c0 (Tp,) with Tp a multiple of G; target_c0 (T,) codebook 0 of the target.
    Returns text_ids (N,), audio_codes (N, G), is_audio (N,), labels (N, G) as int64/bool arrays.
    """
    g = group_size
    target = np.concatenate([np.asarray(target_c0, dtype=np.int64), [eos]])
    padded = np.full(-(-len(target) // g) * g, IGNORE, dtype=np.int64)
    padded[:len(target)] = target
    target_groups = padded.reshape(-1, g)
    prompt_groups = to_groups(prompt_c0, g)
    # The last target group (holding end of speech) is predicted but never fed back.
    audio = np.concatenate([prompt_groups, target_groups[:-1]]).reshape(-1, g)
    nt, na = len(text), len(audio)
    n = nt + na
    text_ids = np.zeros(n, dtype=np.int64)
    text_ids[:nt] = text
    audio_codes = np.zeros((n, g), dtype=np.int64)
    audio_codes[nt:] = audio
    is_audio = np.arange(n) >= nt
    labels = np.full((n, g), IGNORE, dtype=np.int64)
    first = nt + len(prompt_groups) - 1  # position whose output is target group 0
    labels[first:first + len(target_groups)] = target_groups
    return {"text_ids": text_ids, "audio_codes": audio_codes, "is_audio": is_audio, "labels": labels}


def pad_stack(arrays, value, length=None):
    """Right-pad arrays along axis 0 to a common length and stack -> (B, N, ...)."""
    length = length or max(len(a) for a in arrays)
    out = np.full((len(arrays), length, *arrays[0].shape[1:]), value, dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        out[i, :len(a)] = a
    return out


def pad_codes(arrays, value):
    """Right-pad (Q, T_i) arrays along time and stack -> (B, Q, T)."""
    t = max(a.shape[1] for a in arrays)
    out = np.full((len(arrays), arrays[0].shape[0], t), value, dtype=np.int64)
    for i, a in enumerate(arrays):
        out[i, :, :a.shape[1]] = a
    return out
