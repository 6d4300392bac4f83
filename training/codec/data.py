"""Random training crops from the decoded cache: weighted sources, random utterance, random crop, random level."""
import json
import os

import numpy as np
import torch

from training.codec.audio_cache import load_source

MIN_VOICE_SAMPLES = 8000  # 0.5 s at 16 kHz: a shorter stretch says too little about the voice
MAX_VOICE_SAMPLES = 96000  # 6 s, the longest voice prompt the runtime keeps


class CropSampler:
    """Draws batches (B, 1, crop) float32 from cached sources; its RNG state is checkpointed.

    sources: name -> weight. A source's weight is its share of crops; within a source an utterance
    is drawn in proportion to its length, so every second of a source is equally likely.
    """

    def __init__(self, cache_dir: str, sources: dict, crop: int, seed: int = 0,
                 level_db=(-35.0, -15.0)):
        self.names = [n for n, w in sources.items() if w > 0]
        weights = np.array([sources[n] for n in self.names], dtype=np.float64)
        self.source_p = weights / weights.sum()
        self.data = [load_source(n, cache_dir) for n in self.names]
        self.utt_p = []
        for _, offsets in self.data:
            lengths = np.diff(offsets).astype(np.float64)
            self.utt_p.append(np.cumsum(lengths) / lengths.sum())
        self.crop, self.level_db = crop, level_db
        self.rng = np.random.default_rng(seed)

    def _one(self, with_voice: bool = False):
        """One crop (crop,) float32; with_voice: also (crop, voice), voice being another stretch of the same
        utterance at the same level (the longer side of the crop when it is >= 0.5 s, else the whole utterance),
        the prompt a decoder with a voice input is given. Draws the same random numbers either way."""
        s = self.rng.choice(len(self.names), p=self.source_p)
        pcm, offsets = self.data[s]
        u = min(int(np.searchsorted(self.utt_p[s], self.rng.random())), len(offsets) - 2)
        start, end = int(offsets[u]), int(offsets[u + 1])
        out = np.zeros(self.crop, dtype=np.float32)
        voice = (start, end)
        if end - start <= self.crop:
            at = self.rng.integers(0, self.crop - (end - start) + 1)
            out[at:at + end - start] = pcm[start:end] / 32768.0
        else:
            at = start + self.rng.integers(0, end - start - self.crop + 1)
            out[:] = pcm[at:at + self.crop] / 32768.0
            before, after = (start, int(at)), (int(at) + self.crop, end)
            side = max(before, after, key=lambda r: r[1] - r[0])
            if side[1] - side[0] >= MIN_VOICE_SAMPLES:
                voice = side
        # Random level: RMS to a uniform dB target (covers quiet and loud inputs), peak kept below 0.99.
        gain = 1.0
        rms = float(np.sqrt(np.mean(out ** 2)))
        if rms > 1e-4:
            gain = 10 ** (self.rng.uniform(*self.level_db) / 20) / rms
            peak = float(np.abs(out).max()) * gain
            if peak > 0.99:
                gain *= 0.99 / peak
        if not with_voice:
            return out * gain
        return out * gain, np.clip(pcm[voice[0]:voice[1]] / 32768.0 * gain, -1, 1).astype(np.float32)

    def batch_with_voice(self, batch_size: int) -> tuple:
        """-> crops (B, 1, crop) and a list of B voice stretches (1, 1, N_i) (see _one)."""
        items = [self._one(with_voice=True) for _ in range(batch_size)]
        return (torch.from_numpy(np.stack([c for c, _ in items]))[:, None],
                [torch.from_numpy(v)[None, None] for _, v in items])

    def batch(self, batch_size: int) -> torch.Tensor:
        return torch.from_numpy(np.stack([self._one() for _ in range(batch_size)]))[:, None]

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict):
        self.rng.bit_generator.state = state


class GtaSampler:
    """Aligned (audio, codebook-0 codes) crops from training/lm/gta_codes.py's output: an AR's teacher-forced
    predictions and the speech they stand for. Utterances are drawn in proportion to their length; the audio
    keeps the level it was encoded at (the codes carry it). Its RNG state is checkpointed.

    `gta_dir` may name several folders, comma-separated: takes of the same utterances sampled with different
    seeds, so the decoder sees several of the AR's readings of each sentence rather than learning one by heart.
    """

    def __init__(self, gta_dir: str, crop_frames: int, hop: int, seed: int = 0):
        self.audio, self.codes, self.phonemes, self.index = [], [], [], []
        self.voices, self.speaker_of = {}, {}  # speaker -> [(id, first sample, samples, folder)]; id -> speaker
        for d, folder in enumerate(x for x in gta_dir.split(",") if x):
            self.audio.append(np.load(f"{folder}/audio.npy", mmap_mode="r"))
            self.codes.append(np.load(f"{folder}/codes.npy", mmap_mode="r"))
            # The phoneme of each frame (gta_codes writes it; older folders lack it): all folders or none.
            path = f"{folder}/phonemes.npy"
            self.phonemes.append(np.load(path, mmap_mode="r") if os.path.exists(path) else None)
            with open(f"{folder}/index.json", encoding="utf-8") as f:
                utterances = json.load(f)["utterances"]
            self.index += [(*u[:4], d) for u in utterances if u[3] >= crop_frames]
            # Voice prompts (a decoder with a voice input): every utterance of a speaker, short ones too; index.json
            # names the speaker since gta_codes wrote it (a fifth field).
            for u in (u for u in utterances if len(u) > 4):
                self.voices.setdefault(u[4], []).append((u[0], u[1], u[3] * hop, d))
                self.speaker_of[u[0]] = u[4]
        if not self.index:
            raise ValueError(f"{gta_dir}: no utterance of {crop_frames} frames or more")
        self.has_phonemes = all(p is not None for p in self.phonemes)
        if not self.has_phonemes and any(p is not None for p in self.phonemes):
            raise ValueError(f"{gta_dir}: some folders have phonemes.npy and some do not")
        lengths = np.array([u[3] for u in self.index], dtype=np.float64)
        self.utt_p = np.cumsum(lengths) / lengths.sum()
        self.crop_frames, self.hop = crop_frames, hop
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int, with_voice: bool = False) -> tuple:
        """-> audio (n, 1, crop_frames * hop) float32, codes (n, 1, crop_frames) int64 and, when the folders have
        them, phonemes (n, crop_frames) int64; with_voice: and last a list of n voice prompts (1, 1, N_i), each
        another utterance of the item's speaker (up to 6 s of it), as a user gives one."""
        if with_voice and not self.speaker_of:
            raise ValueError("voice prompts need index.json files that name each utterance's speaker (gta_codes "
                             "writes them since 2026-11-27)")
        audio, codes, phonemes, voices = [], [], [], []
        for _ in range(n):
            uid, first_sample, first_frame, frames, d = self.index[min(int(np.searchsorted(self.utt_p, self.rng.random())),
                                                                    len(self.index) - 1)]
            if with_voice:
                voices.append(self._voice(uid))
            f = int(self.rng.integers(0, frames - self.crop_frames + 1))
            at = first_sample + f * self.hop
            audio.append(self.audio[d][at:at + self.crop_frames * self.hop] / 32768.0)
            codes.append(self.codes[d][first_frame + f:first_frame + f + self.crop_frames])
            if self.has_phonemes:
                phonemes.append(self.phonemes[d][first_frame + f:first_frame + f + self.crop_frames])
        out = (torch.from_numpy(np.stack(audio).astype(np.float32))[:, None],
               torch.from_numpy(np.stack(codes).astype(np.int64))[:, None])
        if self.has_phonemes:
            out += (torch.from_numpy(np.stack(phonemes).astype(np.int64)),)
        return out + (voices,) if with_voice else out

    def _voice(self, uid: str) -> torch.Tensor:
        """Another utterance of uid's speaker (uid itself when the speaker has no other), at most 6 s of it."""
        pool = self.voices[self.speaker_of[uid]]
        others = [v for v in pool if v[0] != uid] or pool
        _, first, samples, d = others[int(self.rng.integers(len(others)))]
        at = first + int(self.rng.integers(0, max(1, samples - MAX_VOICE_SAMPLES + 1)))
        pcm = self.audio[d][at:at + min(samples, MAX_VOICE_SAMPLES)] / 32768.0
        return torch.from_numpy(pcm.astype(np.float32))[None, None]

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict):
        self.rng.bit_generator.state = state


def fixed_eval_batch(cache_dir: str, names, seconds: float = 2.0, per_source: int = 4) -> torch.Tensor:
    """A deterministic evaluation batch (B, 1, N) from held-out sources: the middle of the first utterances."""
    n = int(seconds * 16000)
    crops = []
    for name in names:
        pcm, offsets = load_source(name, cache_dir)
        spans = [(int(a), int(b)) for a, b in zip(offsets[:-1], offsets[1:]) if b - a >= n][:per_source]
        crops += [pcm[(a + b - n) // 2:(a + b - n) // 2 + n] / 32768.0 for a, b in spans]
    x = torch.from_numpy(np.stack(crops).astype(np.float32))[:, None]
    return x * (0.05 / x.pow(2).mean(-1, keepdim=True).sqrt().clamp(min=1e-4))  # -26 dBFS RMS
