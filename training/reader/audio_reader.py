"""The audio reader: a small CTC phoneme recognizer over 16 kHz audio, used to pick the most intelligible of several
sampled candidates of a sentence after they are decoded (docs/model-format.md, "reader.onnx").

Why audio and not codes: the code reader (model.py) reads codebook 0 alone, but since the eighth session the codec
decoder also reads each frame's phoneme and renders much of what is heard from it, so the codes no longer tell how
intelligible a candidate sounds (the code reader's scores did not order candidates: within-sentence Spearman 0.03).
This one hears the decoded audio, as a listener (or an ASR) does.

Model: log-mel frontend inside the graph (training/speaker/frontend.py: 25 ms / 10 ms, per-utterance mean removal)
-> a stride-2 convolution to 50 frames/s -> residual dilated 1-D convolutions (model.py's ConvBlock) -> per-frame
log-probabilities over the text vocabulary, blank = 0, targets the sounding phonemes (model.py's ctc_targets).
"""
from dataclasses import asdict, dataclass, field
from typing import List

import torch
import torch.nn.functional as F
from torch import nn

from training.reader.model import ConvBlock
from training.speaker.config import SpeakerConfig
from training.speaker.frontend import LogMel

SAMPLE_RATE = 16000


@dataclass
class AudioReaderConfig:
    vocab_size: int = 128  # text vocabulary (model.json phonemes.vocab_size); class 0 is the CTC blank
    n_mels: int = 64
    d_model: int = 192
    kernel_size: int = 5
    dilations: List[int] = field(default_factory=lambda: [1, 2, 4, 1, 2, 4, 1, 1])
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)

    def frontend_config(self) -> SpeakerConfig:
        return SpeakerConfig(n_mels=self.n_mels)


class AudioReader(nn.Module):
    def __init__(self, cfg: AudioReaderConfig):
        super().__init__()
        self.cfg = cfg
        self.frontend = LogMel(cfg.frontend_config())
        # 100 mel frames/s -> 50 output frames/s (the codec's rate; phonemes last 2+ frames).
        self.inp = nn.Conv1d(cfg.n_mels, cfg.d_model, 4, stride=2, padding=1)
        self.blocks = nn.ModuleList(ConvBlock(cfg.d_model, cfg.kernel_size, d, cfg.dropout) for d in cfg.dilations)
        self.norm = nn.LayerNorm(cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.vocab_size)

    def forward(self, audio, fast: bool = False):
        """audio (B, N) float at 16 kHz, N >= 400 -> log-probabilities (B, frames(N), vocab_size)."""
        return self.read(self.frontend(audio, fast))

    def read(self, logmel):
        """The network after the frontend: log-mel (B, n_mels, T) -> log-probabilities (B, frames, vocab_size)."""
        x = self.inp(logmel).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        return F.log_softmax(self.out(self.norm(x)), dim=-1)


class AudioReaderEnsemble(nn.Module):
    """Several audio readers as one: per frame, the renormalized mean of their log-probabilities (a product of
    experts), so the runtime sees one reader. The members share the first one's frontend, so they must agree on
    it (same n_mels and vocabulary)."""

    def __init__(self, members: List[AudioReader]):
        super().__init__()
        first = members[0].cfg
        for m in members[1:]:
            if (m.cfg.n_mels, m.cfg.vocab_size) != (first.n_mels, first.vocab_size):
                raise ValueError("ensemble members need the same n_mels and vocab_size (one shared frontend)")
        self.cfg = first
        self.members = nn.ModuleList(members)

    def forward(self, audio, fast: bool = False):
        logmel = self.members[0].frontend(audio, fast)
        mean = torch.stack([m.read(logmel) for m in self.members]).mean(0)
        return F.log_softmax(mean, dim=-1)


def output_frames(samples) -> int:
    """Frames the reader returns for `samples` samples (the frontend's, then the stride-2 convolution's)."""
    mel = 1 + (int(samples) - 400) // 160
    return (mel + 2 - 4) // 2 + 1
