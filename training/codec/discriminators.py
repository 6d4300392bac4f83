"""Multi-period (HiFi-GAN) and multi-resolution STFT (Vocos/UnivNet) discriminators; training only."""
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import weight_norm


class PeriodDiscriminator(nn.Module):
    """Waveform folded to (B, 1, N/p, p), 2-D convs along time; returns (logits, features)."""

    def __init__(self, period: int, channels=(16, 64, 128, 256)):
        super().__init__()
        self.period = period
        chans = (1,) + tuple(channels)
        self.convs = nn.ModuleList([
            weight_norm(nn.Conv2d(chans[i], chans[i + 1], (5, 1), (3, 1), padding=(2, 0)))
            for i in range(len(channels))])
        self.post = weight_norm(nn.Conv2d(chans[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, audio: torch.Tensor):
        b, c, n = audio.shape
        pad = (self.period - n % self.period) % self.period
        x = F.pad(audio, (0, pad), mode="reflect").view(b, c, -1, self.period)
        feats = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.1)
            feats.append(x)
        return self.post(x).flatten(1), feats


class ResolutionDiscriminator(nn.Module):
    """2-D convs over a log-magnitude spectrogram at one STFT resolution."""

    def __init__(self, n_fft: int, channels: int = 32):
        super().__init__()
        self.n_fft = n_fft
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.convs = nn.ModuleList([
            weight_norm(nn.Conv2d(1, channels, (7, 5), (2, 2), padding=(3, 2))),
            weight_norm(nn.Conv2d(channels, channels, (5, 3), (2, 1), padding=(2, 1))),
            weight_norm(nn.Conv2d(channels, channels, (5, 3), (2, 1), padding=(2, 1))),
            weight_norm(nn.Conv2d(channels, channels, 3, padding=1))])
        self.post = weight_norm(nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, audio: torch.Tensor):
        spec = torch.stft(audio[:, 0], self.n_fft, self.n_fft // 4, window=self.window, return_complex=True)
        x = torch.log(spec.abs() + 1e-5)[:, None]  # (B, 1, F, frames)
        feats = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.1)
            feats.append(x)
        return self.post(x).flatten(1), feats


class Discriminators(nn.Module):
    """All sub-discriminators; forward(audio (B, 1, N)) -> (list of logits, list of feature lists)."""

    def __init__(self, periods=(2, 3, 5, 7, 11), n_ffts=(512, 1024, 2048)):
        super().__init__()
        self.subs = nn.ModuleList([PeriodDiscriminator(p) for p in periods] +
                                  [ResolutionDiscriminator(n) for n in n_ffts])

    def forward(self, audio: torch.Tensor):
        outs = [d(audio) for d in self.subs]
        return [o[0] for o in outs], [o[1] for o in outs]
