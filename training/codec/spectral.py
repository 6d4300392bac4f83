"""Inverse STFT as one conv_transpose1d with a fixed windowed IDFT basis (exports to any ONNX opset)."""
import math

import torch
from torch import nn
from torch.nn import functional as F


def idft_basis(n_fft: int, one: torch.Tensor = None):
    """(basis (2F, 1, n_fft), window**2 (1, 1, n_fft)), F = n_fft/2+1, built from torch ops only.

    Row k of the first half is the cosine synthesis of bin k (real part), of the second half the
    sine synthesis (imaginary part), both times the Hann window and the irfft scale. k*n is reduced
    mod n_fft first (exact in float32 below 2**24) so cos stays accurate. Given `one` (a (1, 1)
    tensor of 1.0 derived from a graph input) the indices come from it, so an exported graph
    computes the basis at run time instead of storing it (keeps tiny test models small).
    """
    bins = n_fft // 2 + 1
    if one is None:
        k, n = torch.arange(bins).float()[:, None], torch.arange(n_fft).float()[None, :]
    else:
        k, n = torch.cumsum(one.expand(bins, 1), 0) - 1, torch.cumsum(one.expand(1, n_fft), 1) - 1
    kn = k * n
    angle = (kn - torch.floor(kn / n_fft) * n_fft) * (2 * math.pi / n_fft)
    edge = ((k == 0) | (k == n_fft // 2)).to(k.dtype)
    scale = (2.0 - edge) / n_fft  # DC and Nyquist appear once in a real signal's spectrum, others twice
    window = 0.5 - 0.5 * torch.cos(n * (2 * math.pi / n_fft))  # periodic Hann, as torch.hann_window
    basis = torch.cat([scale * torch.cos(angle) * window, -scale * torch.sin(angle) * window])
    return basis[:, None, :], (window ** 2)[None]


class InverseSTFT(nn.Module):
    """(real, imag) spectra (B, F, T), F = n_fft/2+1 -> waveform (B, 1, T*hop) ("same" padding, as Vocos).

    conv_transpose1d with the (2F, 1, n_fft) basis = irfft x synthesis window, overlap-added at stride
    hop; dividing by the overlap-added squared window makes it the exact inverse of a Hann STFT whose
    frame t starts at t*hop - (n_fft - hop)/2.
    """

    def __init__(self, n_fft: int, hop: int):
        super().__init__()
        assert n_fft >= 2 * hop and (n_fft - hop) % 2 == 0, "need >= 50% overlap and an even trim"
        self.n_fft, self.hop, self.trim = n_fft, hop, (n_fft - hop) // 2
        self.basis_in_graph = False  # export sets True for tiny models: compute instead of store
        basis, window_sq = idft_basis(n_fft)
        self.register_buffer("basis", basis, persistent=False)
        self.register_buffer("window_sq", window_sq, persistent=False)

    def forward(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:
        if self.basis_in_graph:
            basis, window_sq = idft_basis(self.n_fft, torch.ones_like(real[:1, :1, 0]))
        else:
            basis, window_sq = self.basis, self.window_sq
        frames = torch.cat([real, imag], 1)  # (B, 2F, T)
        audio = F.conv_transpose1d(frames, basis, stride=self.hop)
        envelope = F.conv_transpose1d(torch.ones_like(real[:1, :1]), window_sq, stride=self.hop)
        end = audio.shape[-1] - self.trim
        return audio[..., self.trim:end] / envelope[..., self.trim:end].clamp(min=1e-6)
