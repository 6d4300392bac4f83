"""Log-mel features computed inside the model from raw 16 kHz audio, exportable to ONNX without torch.stft.

The DFT is a strided conv1d whose fixed kernels are Hann-windowed cosines and sines, so the
exported graph holds only Conv/Mul/MatMul/Log. Training may use the FFT path (`fast=True`),
which computes the same numbers (tested) at a fraction of the cost.
"""
import math

import torch
from torch import nn

from training.speaker.config import SpeakerConfig


def _hz_to_mel(hz):
    return 2595.0 * math.log10(1.0 + hz / 700.0)


def mel_filterbank(cfg: SpeakerConfig) -> torch.Tensor:
    """Triangular HTK-mel filters, (n_fft // 2 + 1, n_mels)."""
    n_freqs = cfg.n_fft // 2 + 1
    freqs = torch.linspace(0, cfg.sample_rate / 2, n_freqs)
    mels = torch.linspace(_hz_to_mel(cfg.f_min), _hz_to_mel(cfg.f_max), cfg.n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    lower, centre, upper = hz[:-2], hz[1:-1], hz[2:]
    up = (freqs[:, None] - lower[None]) / (centre - lower)[None]
    down = (upper[None] - freqs[:, None]) / (upper - centre)[None]
    return torch.clamp(torch.minimum(up, down), min=0.0)


class LogMel(nn.Module):
    """(B, N) float audio -> (B, n_mels, T) mean-normalized log-mel; T = 1 + (N - win_length) // hop_length."""

    def __init__(self, cfg: SpeakerConfig):
        super().__init__()
        self.cfg = cfg
        n_freqs = cfg.n_fft // 2 + 1
        window = torch.hann_window(cfg.win_length, periodic=True)
        n = torch.arange(cfg.win_length, dtype=torch.float64)
        k = torch.arange(n_freqs, dtype=torch.float64)
        angle = 2 * math.pi * k[:, None] * n[None] / cfg.n_fft
        basis = torch.cat([torch.cos(angle), -torch.sin(angle)]).float() * window[None]
        self.register_buffer("dft_basis", basis[:, None, :], persistent=False)  # (2F, 1, win)
        self.register_buffer("window", window, persistent=False)
        self.register_buffer("mel_fb", mel_filterbank(cfg), persistent=False)  # (F, n_mels)

    def power(self, audio: torch.Tensor, fast: bool = False) -> torch.Tensor:
        """(B, N) -> (B, T, F) power spectrum."""
        cfg = self.cfg
        if fast:
            frames = audio.unfold(-1, cfg.win_length, cfg.hop_length) * self.window
            spec = torch.fft.rfft(frames, n=cfg.n_fft)
            return spec.real ** 2 + spec.imag ** 2
        out = nn.functional.conv1d(audio[:, None, :], self.dft_basis, stride=cfg.hop_length)  # (B, 2F, T)
        n_freqs = out.shape[1] // 2
        re, im = out[:, :n_freqs], out[:, n_freqs:]
        return (re * re + im * im).transpose(1, 2)

    def forward(self, audio: torch.Tensor, fast: bool = False) -> torch.Tensor:
        mel = torch.matmul(self.power(audio, fast), self.mel_fb)  # (B, T, n_mels)
        logmel = torch.log(mel + 1e-6).transpose(1, 2)
        # Per-utterance mean normalization removes channel/gain colour, which is not speaker identity.
        return logmel - logmel.mean(dim=2, keepdim=True)
