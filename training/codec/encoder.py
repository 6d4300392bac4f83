"""SEANet-style convolutional encoder: waveform (B, 1, N) -> latents (B, D, T), T = ceil(N / hop)."""
import torch
from torch import nn
from torch.nn import functional as F

from training.codec.config import CodecConfig


class ResidualUnit(nn.Module):
    """ELU -> dilated conv k3 -> ELU -> conv k1, added to the input; (B, C, L) -> (B, C, L)."""

    def __init__(self, channels: int, dilation: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.ELU(), nn.Conv1d(channels, channels // 2, 3, dilation=dilation, padding=dilation),
            nn.ELU(), nn.Conv1d(channels // 2, channels, 1))

    def forward(self, x):
        return x + self.block(x)


class Downsample(nn.Module):
    """ELU -> strided conv (kernel 2s, total padding s) so that L -> floor(L / s) exactly."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.pad = (stride - stride // 2, stride // 2)
        self.conv = nn.Conv1d(cin, cout, 2 * stride, stride=stride)

    def forward(self, x):
        return self.conv(F.pad(F.elu(x), self.pad))


class Encoder(nn.Module):
    def __init__(self, cfg: CodecConfig):
        super().__init__()
        self.hop = cfg.hop_length
        ch = cfg.enc_channels
        layers = [nn.Conv1d(1, ch, 7, padding=3)]
        for stride in cfg.strides:
            layers += [ResidualUnit(ch, d) for d in cfg.enc_res_dilations]
            layers.append(Downsample(ch, ch * 2, stride))
            ch *= 2
        layers += [nn.ELU(), nn.Conv1d(ch, cfg.dim, 3, padding=1)]
        self.net = nn.Sequential(*layers)
        self._init_weights()

    def _init_weights(self):
        """Variance-preserving init (He, zero bias; residual branches start small).

        PyTorch's default conv init shrinks the signal ~3x per layer, so latents started as almost
        pure bias with about 1% speech variation; Adam's first bias steps then moved the whole cloud
        further than its spread and one code took every frame. This keeps the speech variation O(input).
        """
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, ResidualUnit):
                m.block[-1].weight.data.mul_(0.1)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """audio (B, 1, N) -> latents (B, D, ceil(N / hop)).

        A fixed hop-1 zero pad on the right makes floor((N + hop - 1) / hop) = ceil(N / hop) frames,
        the same in training and in the exported graph (no data-dependent padding).
        """
        return self.net(F.pad(audio, (0, self.hop - 1)))
