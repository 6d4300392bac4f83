"""Reconstruction losses (multi-resolution log-mel L1 and log-STFT-magnitude L1) and GAN losses."""
import math

import numpy as np
import torch
from torch import nn


def mel_filterbank(n_fft: int, n_mels: int, sample_rate: int) -> torch.Tensor:
    """HTK-scale triangular filters (n_mels, n_fft/2+1)."""
    to_mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    to_hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    edges = to_hz(np.linspace(to_mel(0.0), to_mel(sample_rate / 2), n_mels + 2))
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    lower = (freqs[None] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    upper = (edges[2:, None] - freqs[None]) / (edges[2:, None] - edges[1:-1, None])
    return torch.from_numpy(np.maximum(0.0, np.minimum(lower, upper))).float()


def magnitude(audio: torch.Tensor, n_fft: int, hop: int, window: torch.Tensor) -> torch.Tensor:
    """audio (B, N) -> |STFT| (B, n_fft/2+1, frames)."""
    spec = torch.stft(audio, n_fft, hop, window=window, center=True, return_complex=True)
    return spec.abs()


class MultiResolutionLoss(nn.Module):
    """Sum over resolutions of L1(log mel) and L1(log |STFT|); inputs (B, 1, N)."""

    def __init__(self, sample_rate: int = 16000,
                 resolutions=((256, 64, 32), (512, 128, 64), (1024, 256, 80), (2048, 512, 128))):
        super().__init__()
        self.resolutions = [(n, h) for n, h, _ in resolutions]
        for i, (n_fft, _, n_mels) in enumerate(resolutions):
            self.register_buffer(f"window{i}", torch.hann_window(n_fft), persistent=False)
            self.register_buffer(f"mel{i}", mel_filterbank(n_fft, n_mels, sample_rate), persistent=False)

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> dict:
        mel_loss, stft_loss = 0.0, 0.0
        for i, (n_fft, hop) in enumerate(self.resolutions):
            window, mel = getattr(self, f"window{i}"), getattr(self, f"mel{i}")
            mf, mr = magnitude(fake[:, 0], n_fft, hop, window), magnitude(real[:, 0], n_fft, hop, window)
            mel_loss = mel_loss + (torch.log(mel @ mf + 1e-5) - torch.log(mel @ mr + 1e-5)).abs().mean()
            stft_loss = stft_loss + (torch.log(mf + 1e-5) - torch.log(mr + 1e-5)).abs().mean()
        n = len(self.resolutions)
        return {"mel": mel_loss / n, "stft": stft_loss / n}


def log_mel_distance(fake: torch.Tensor, real: torch.Tensor, sample_rate: int = 16000) -> float:
    """Mean |log mel| difference at n_fft 1024 / hop 256 / 80 mels (natural log, floor 1e-5); (B, 1, N)."""
    window, mel = torch.hann_window(1024), mel_filterbank(1024, 80, sample_rate)
    lf = torch.log(mel @ magnitude(fake[:, 0], 1024, 256, window) + 1e-5)
    lr = torch.log(mel @ magnitude(real[:, 0], 1024, 256, window) + 1e-5)
    return float((lf - lr).abs().mean())


def discriminator_loss(real_logits: list, fake_logits: list) -> torch.Tensor:
    """Hinge loss over every sub-discriminator's logits."""
    return sum(torch.relu(1 - r).mean() + torch.relu(1 + f).mean() for r, f in zip(real_logits, fake_logits))


def generator_loss(fake_logits: list) -> torch.Tensor:
    return sum(torch.relu(1 - f).mean() for f in fake_logits) / len(fake_logits)


def feature_matching_loss(real_feats: list, fake_feats: list) -> torch.Tensor:
    """Mean over layers of L1(real, fake) / mean|real| (relative, as in the MelGAN/EnCodec family)."""
    terms = [(r.detach() - f).abs().mean() / (r.detach().abs().mean() + 1e-5)
             for rs, fs in zip(real_feats, fake_feats) for r, f in zip(rs, fs)]
    return sum(terms) / max(len(terms), 1)
