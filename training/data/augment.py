"""Voice-changing augmentation: resampling speed (vocal-tract length), pitch, EQ, light reverb, noise at an SNR.

One `VoiceAugment` (drawn once per synthetic speaker, from a seed) is applied to
every utterance of that speaker, so each (base voice, augment) pair is a stable
"speaker". Speed/pitch/EQ/reverb run through sox; noise is mixed in numpy so
the SNR is exact. Shapes: audio is a float32 numpy array (T,).
"""
from dataclasses import asdict, dataclass
import hashlib
import random
import subprocess
from typing import Optional

import numpy as np

SOX_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class VoiceAugment:
    speed: float = 1.0          # resampling factor: >1 shorter, higher pitch and formants
    pitch_cents: float = 0.0    # pitch shift at constant tempo
    bass_db: float = 0.0        # low shelf at 200 Hz
    treble_db: float = 0.0      # high shelf at 3 kHz
    eq_hz: float = 1000.0       # one peaking band (1 octave wide)
    eq_db: float = 0.0
    reverb: float = 0.0         # sox reverberance in %, 0 = dry
    room_scale: float = 0.0     # sox room scale in %
    snr_db: Optional[float] = None  # noise from the noise folder at this SNR; None = clean

    def as_dict(self) -> dict:
        return asdict(self)


def draw_augment(seed: str) -> VoiceAugment:
    """A reproducible random voice change for `seed` (same seed, same parameters, on any machine)."""
    rng = random.Random(int(hashlib.sha1(seed.encode()).hexdigest()[:16], 16))
    reverb = rng.random() < 0.35
    noisy = rng.random() < 0.3
    return VoiceAugment(
        speed=round(rng.uniform(0.86, 1.16), 3),
        pitch_cents=round(rng.uniform(-350, 350)),
        bass_db=round(rng.uniform(-6, 6), 1),
        treble_db=round(rng.uniform(-6, 6), 1),
        eq_hz=round(rng.uniform(300, 3500)),
        eq_db=round(rng.uniform(-6, 6), 1),
        reverb=round(rng.uniform(10, 40)) if reverb else 0.0,
        room_scale=round(rng.uniform(15, 50)) if reverb else 0.0,
        snr_db=round(rng.uniform(15, 30), 1) if noisy else None,
    )


def sox_effects(aug: VoiceAugment) -> list:
    """The sox effect chain for the channel-free part of `aug` (noise is mixed separately)."""
    fx = []
    if aug.speed != 1.0:
        fx += ["speed", f"{aug.speed:.4f}"]
    if aug.pitch_cents:
        fx += ["pitch", f"{aug.pitch_cents:.0f}"]
    if aug.bass_db:
        fx += ["bass", f"{aug.bass_db:.1f}", "200"]
    if aug.treble_db:
        fx += ["treble", f"{aug.treble_db:.1f}", "3000"]
    if aug.eq_db:
        fx += ["equalizer", f"{aug.eq_hz:.0f}", "1.0o", f"{aug.eq_db:.1f}"]
    if aug.reverb:
        fx += ["reverb", f"{aug.reverb:.0f}", "50", f"{aug.room_scale:.0f}"]
    return fx


def run_sox(x: np.ndarray, sr: int, effects: list, out_sr: int) -> np.ndarray:
    """Pipe float32 mono through `sox <effects>` and resample to out_sr; raises RuntimeError on failure."""
    raw = ["-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1"]
    cmd = ["sox", "-V1", *raw, "-r", str(sr), "-", *raw, "-r", str(out_sr), "-", *effects, "channels", "1"]
    run = subprocess.run(cmd, input=np.ascontiguousarray(x, dtype="<f4").tobytes(), capture_output=True,
                         timeout=SOX_TIMEOUT_SECONDS)
    if run.returncode != 0:
        raise RuntimeError(f"sox {' '.join(effects)} failed: {run.stderr.decode(errors='replace')[-300:]}")
    return np.frombuffer(run.stdout, dtype="<f4").copy()


def add_noise(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """speech + noise scaled so 10*log10(P_speech / P_noise) == snr_db; noise is looped/cut to length."""
    reps = int(np.ceil(len(speech) / max(1, len(noise))))
    n = np.tile(noise, reps)[:len(speech)].astype(np.float64)
    p_speech = np.mean(speech.astype(np.float64) ** 2)
    p_noise = np.mean(n ** 2)
    if p_noise <= 0 or p_speech <= 0:
        return speech
    gain = np.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))
    return (speech + gain * n).astype(np.float32)


def noise_excerpt(noises: list, length: int, rng: random.Random) -> np.ndarray:
    """A random stretch of one of the noise recordings (each (T,) at the speech rate)."""
    noise = noises[rng.randrange(len(noises))]
    if len(noise) <= length:
        return noise
    start = rng.randrange(len(noise) - length)
    return noise[start:start + length]
