"""The code reader: a small CTC phoneme recognizer over codebook-0 codes, used to pick the most intelligible of
several sampled candidates (docs/model-format.md, "reader.onnx").

Why: with the shipped AR, four candidates of one sentence (greedy pointer, codes sampled at temperature 0.3) differ
a lot in intelligibility: choosing the best of four by pocketsphinx would take tts-kathleen from 64-68% to 43% WER.
The reader reads phonemes from the codes alone (no codec decode, no audio), so scoring a candidate costs about as
much as one AR step.

Model: code embedding -> residual dilated 1-D convolutions (GELU, LayerNorm; about 0.8 s receptive field) ->
per-frame log-probabilities over the text vocabulary, blank = 0 (the pad id, never a target). Targets are the
sounding phonemes only (ids >= FIRST_PHONEME_ID): word boundaries, punctuation and stress marks are not heard as
frames of their own.
"""
from dataclasses import asdict, dataclass, field
from typing import List

import torch
import torch.nn.functional as F
from torch import nn

BLANK = 0
FIRST_PHONEME_ID = 20  # ids below are specials, punctuation, word boundaries and marks (src/text/symbols.ts)


@dataclass
class ReaderConfig:
    codebook_size: int = 1024
    vocab_size: int = 128  # text vocabulary (model.json phonemes.vocab_size); class 0 is the CTC blank
    d_model: int = 192
    kernel_size: int = 5
    dilations: List[int] = field(default_factory=lambda: [1, 1, 2, 2, 4, 1])
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class ConvBlock(nn.Module):
    def __init__(self, d: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(d, d, kernel, padding=dilation * (kernel - 1) // 2, dilation=dilation)
        self.norm = nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):  # (B, T, D)
        y = self.conv(x.transpose(1, 2)).transpose(1, 2)
        return x + self.drop(F.gelu(self.norm(y)))


class CodeReader(nn.Module):
    def __init__(self, cfg: ReaderConfig):
        super().__init__()
        self.cfg = cfg
        # One extra row so that the AR's end-of-speech / pad id (codebook_size) embeds too.
        self.emb = nn.Embedding(cfg.codebook_size + 1, cfg.d_model)
        self.blocks = nn.ModuleList(ConvBlock(cfg.d_model, cfg.kernel_size, d, cfg.dropout) for d in cfg.dilations)
        self.norm = nn.LayerNorm(cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.vocab_size)

    def forward(self, codes):
        """codes (B, T) int64 in 0..codebook_size -> log-probabilities (B, T, vocab_size)."""
        x = self.emb(codes)
        for block in self.blocks:
            x = block(x)
        return F.log_softmax(self.out(self.norm(x)), dim=-1)


def ctc_targets(phonemes) -> List[int]:
    """The sounding phonemes of a text-id sequence: what the reader is trained (and asked) to read."""
    return [int(p) for p in phonemes if p >= FIRST_PHONEME_ID]


def ctc_nll(log_probs, lengths, targets: List[List[int]]):
    """Per-utterance CTC negative log-likelihood (nats) of `targets` under log_probs (B, T, C)."""
    flat = torch.tensor([t for seq in targets for t in seq], dtype=torch.long)
    target_lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
    return F.ctc_loss(log_probs.transpose(0, 1), flat, lengths, target_lengths, blank=BLANK, reduction="none",
                      zero_infinity=True)


def greedy_read(log_probs, length: int) -> List[int]:
    """Best-path decoding of one utterance: collapse repeats, drop blanks."""
    best = log_probs[:length].argmax(-1).tolist()
    out, prev = [], BLANK
    for c in best:
        if c != prev and c != BLANK:
            out.append(c)
        prev = c
    return out
