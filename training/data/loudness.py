"""Integrated loudness (ITU-R BS.1770-4, K-weighted, gated) and normalization to a target.

Shapes: audio is a float32 numpy array (T,) in [-1, 1].
"""
import numpy as np
from scipy.signal import lfilter

TARGET_LUFS = -23.0
PEAK_CEILING = 0.95  # after gain, peaks are scaled down to this (so loud speech never clips)


def _k_weighting(sr: int):
    """The two K-weighting biquads for any sample rate (De Man's derivation of the 48 kHz spec)."""
    k = np.tan(np.pi * 1681.974450955533 / sr)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (np.array([vh + vb * k / q + k * k, 2 * (k * k - vh), vh - vb * k / q + k * k]) / a0,
             np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    k = np.tan(np.pi * 38.13547087602444 / sr)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    return shelf, highpass


def integrated_loudness(x: np.ndarray, sr: int) -> float:
    """LUFS of a mono signal; -inf for silence or audio shorter than one 400 ms block."""
    for b, a in _k_weighting(sr):
        x = lfilter(b, a, x)
    block, hop = int(0.4 * sr), int(0.1 * sr)
    if len(x) < block:
        return float("-inf")
    starts = np.arange(0, len(x) - block + 1, hop)
    power = np.array([np.mean(x[s:s + block] ** 2) for s in starts])
    with np.errstate(divide="ignore"):
        lufs = -0.691 + 10 * np.log10(power)
    gated = power[lufs > -70.0]
    if gated.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    gated = power[(lufs > -70.0) & (lufs > relative)]
    return float(-0.691 + 10 * np.log10(gated.mean()))


def normalize_loudness(x: np.ndarray, sr: int, target: float = TARGET_LUFS) -> np.ndarray:
    """Gain to `target` LUFS, then scaled down if a peak would pass PEAK_CEILING."""
    loudness = integrated_loudness(x, sr)
    if not np.isfinite(loudness):
        return x
    y = x * 10 ** ((target - loudness) / 20)
    peak = np.max(np.abs(y))
    if peak > PEAK_CEILING:
        y = y * (PEAK_CEILING / peak)
    return y.astype(np.float32)
