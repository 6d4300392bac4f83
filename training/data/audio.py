"""Audio conditioning shared by every source: read, mono, resample to 16 kHz, trim, check, write.

Shapes: audio is a float32 numpy array (T,) at `sr` Hz.
"""
from math import gcd
import os

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from .loudness import normalize_loudness

SAMPLE_RATE = 16000
MIN_SECONDS = 0.5
MAX_SECONDS = 30.0
# Clipped: more than this share of samples at (or beyond) full scale.
CLIP_LEVEL = 0.99
CLIP_SHARE = 0.001
# Edge trim: frames quieter than the loudest frame by this much are silence.
TRIM_DB = 40.0
TRIM_PAD_SECONDS = 0.1


class BadAudio(Exception):
    """An utterance the corpus rejects; `reason` is a short counter key."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def read_mono(path: str):
    """(audio (T,), sr) from any libsndfile format; channels averaged."""
    try:
        x, sr = sf.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as e:  # soundfile's LibsndfileError is a RuntimeError
        raise BadAudio("unreadable", f"{path}: {e}")
    if x.shape[0] == 0:
        raise BadAudio("empty_audio", path)
    return x.mean(axis=1), sr


def resample(x: np.ndarray, sr: int, target: int = SAMPLE_RATE) -> np.ndarray:
    if sr == target:
        return x.astype(np.float32)
    g = gcd(sr, target)
    return resample_poly(x, target // g, sr // g).astype(np.float32)


def is_clipped(x: np.ndarray) -> bool:
    return float(np.mean(np.abs(x) >= CLIP_LEVEL)) > CLIP_SHARE


def trim_silence(x: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Cut leading/trailing frames more than TRIM_DB below the loudest 20 ms frame (keeps a pad)."""
    frame, hop = int(0.02 * sr), int(0.01 * sr)
    if len(x) < frame:
        return x
    n = 1 + (len(x) - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(n)[:, None]
    energy = 10 * np.log10(np.mean(x[idx] ** 2, axis=1) + 1e-12)
    active = np.nonzero(energy > energy.max() - TRIM_DB)[0]
    pad = int(TRIM_PAD_SECONDS * sr)
    start = max(0, active[0] * hop - pad)
    end = min(len(x), active[-1] * hop + frame + pad)
    return x[start:end]


def condition(x: np.ndarray, sr: int) -> np.ndarray:
    """Resampled, edge-trimmed, loudness-normalized 16 kHz audio; raises BadAudio when unusable."""
    if not np.all(np.isfinite(x)):
        raise BadAudio("unreadable", "non-finite samples")
    if is_clipped(x):
        raise BadAudio("clipped", f"{np.mean(np.abs(x) >= CLIP_LEVEL):.2%} of samples at full scale")
    if np.max(np.abs(x)) < 1e-4:
        raise BadAudio("silent")
    y = trim_silence(resample(x, sr))
    seconds = len(y) / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise BadAudio("too_short", f"{seconds:.2f} s")
    if seconds > MAX_SECONDS:
        raise BadAudio("too_long", f"{seconds:.2f} s")
    return normalize_loudness(y, SAMPLE_RATE)


def write_flac(path: str, x: np.ndarray) -> None:
    """16-bit FLAC at 16 kHz, written to a temporary name first so a killed build leaves no torn file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    sf.write(tmp, x, SAMPLE_RATE, subtype="PCM_16", format="FLAC")
    os.replace(tmp, path)
