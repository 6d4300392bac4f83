"""Training batches: speaker-balanced random crops of 1.5-3 s from the cached sources, with gain and background noise."""
import glob
import os

import numpy as np

from training.codec.audio_cache import read_16k
from training.data import splits
from training.speaker.cache import SAMPLE_RATE, Source


def load_noise(data_dir: str = splits.SHARED_DATA) -> list:
    """The shared background-noise recordings as float32 (N,) arrays at 16 kHz."""
    return [read_16k(p) for p in sorted(glob.glob(os.path.join(data_dir, "noise", "*.flac")))]


def crop(audio: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random `length`-sample window; shorter audio is wrapped around (no silent padding to skew the mean)."""
    if len(audio) < length:
        audio = np.tile(audio, length // len(audio) + 1)
    start = int(rng.integers(0, len(audio) - length + 1))
    return audio[start:start + length]


class SpeakerBatches:
    """Draws (B, N) float32 crops and (B,) int64 speaker labels; speakers are sampled uniformly within each pool.

    pools: list of (weight, [Source, ...]); a speaker's pool is chosen by weight, then a speaker
    uniformly, then one of its utterances uniformly (so Kathleen's 1,500 clips count as one speaker).
    """

    def __init__(self, pools: list, noise: list, seed: int = 0, min_s: float = 1.5, max_s: float = 3.0,
                 noise_prob: float = 0.5, snr_db=(5.0, 20.0), gain_db=(-6.0, 6.0)):
        self.rng = np.random.default_rng(seed)
        self.noise, self.noise_prob, self.snr_db, self.gain_db = noise, noise_prob, snr_db, gain_db
        self.min_len, self.max_len = int(min_s * SAMPLE_RATE), int(max_s * SAMPLE_RATE)
        self.speakers = []       # global speaker ids, index = class label
        self.pool_speakers = []  # per pool: list of class labels
        self.utts = []           # per class label: list of (Source, index)
        self.weights = np.array([w for w, _ in pools], dtype=np.float64)
        self.weights /= self.weights.sum()
        for _, sources in pools:
            labels = {}
            for src in sources:
                for i, spk in enumerate(src.speakers):
                    if spk not in labels:
                        labels[spk] = len(self.speakers)
                        self.speakers.append(spk)
                        self.utts.append([])
                    self.utts[labels[spk]].append((src, i))
            self.pool_speakers.append(sorted(labels.values()))

    def augment(self, x: np.ndarray) -> np.ndarray:
        x = x * 10 ** (self.rng.uniform(*self.gain_db) / 20)
        if self.noise and self.rng.random() < self.noise_prob:
            n = crop(self.noise[int(self.rng.integers(len(self.noise)))], len(x), self.rng)
            snr = self.rng.uniform(*self.snr_db)
            x = x + n * np.sqrt((np.mean(x * x) + 1e-8) / (np.mean(n * n) + 1e-8) / 10 ** (snr / 10))
        return x

    def next(self, batch_size: int):
        """-> (audio (B, N) float32, labels (B,) int64); N is drawn per batch from [min_s, max_s]."""
        length = int(self.rng.integers(self.min_len, self.max_len + 1))
        pools = self.rng.choice(len(self.pool_speakers), size=batch_size, p=self.weights)
        audio = np.zeros((batch_size, length), np.float32)
        labels = np.zeros(batch_size, np.int64)
        for b, p in enumerate(pools):
            label = self.pool_speakers[p][int(self.rng.integers(len(self.pool_speakers[p])))]
            src, i = self.utts[label][int(self.rng.integers(len(self.utts[label])))]
            audio[b] = self.augment(crop(src.utterance(i), length, self.rng))
            labels[b] = label
        return audio, labels
