"""Speaker encoder: raw 16 kHz audio -> log-mel -> residual TDNN (x-vector style) -> mean+std pooling -> L2-normalized embedding."""
import torch
from torch import nn

from training.speaker.config import SpeakerConfig
from training.speaker.frontend import LogMel


class TdnnBlock(nn.Module):
    """Conv1d -> ReLU -> BatchNorm over (B, C, T); length-preserving except through `stride`."""

    def __init__(self, c_in: int, c_out: int, kernel: int, dilation: int = 1, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=stride, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.norm = nn.BatchNorm1d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(torch.relu(self.conv(x)))


def stats_pool(x: torch.Tensor) -> torch.Tensor:
    """(B, C, T) -> (B, 2C): mean and standard deviation over time."""
    mean = x.mean(dim=2)
    var = (x * x).mean(dim=2) - mean * mean
    return torch.cat([mean, torch.sqrt(torch.clamp(var, min=1e-5))], dim=1)


class SpeakerEncoder(nn.Module):
    """(B, N) float32 audio at 16 kHz (N >= win_length) -> (B, embedding_dim) unit-length embeddings."""

    def __init__(self, cfg: SpeakerConfig):
        super().__init__()
        self.cfg = cfg
        c = cfg.channels
        self.frontend = LogMel(cfg)
        # Stride 2 at the input: 20 ms frames keep speaker cues and halve the cost of every later layer.
        self.inp = TdnnBlock(cfg.n_mels, c, kernel=5, stride=2)
        self.context = nn.ModuleList([TdnnBlock(c, c, 3, dilation=2), TdnnBlock(c, c, 3, dilation=3), TdnnBlock(c, c, 1)])
        self.expand = TdnnBlock(c, cfg.stats_channels, 1)
        self.embed = nn.Linear(2 * cfg.stats_channels, cfg.embedding_dim)
        self.embed_norm = nn.BatchNorm1d(cfg.embedding_dim)

    def embedding(self, audio: torch.Tensor, fast: bool = False) -> torch.Tensor:
        """(B, N) -> (B, D) embeddings before length normalization (what the classifier loss sees)."""
        x = self.inp(self.frontend(audio, fast=fast))
        for block in self.context:
            x = x + block(x)  # residual: trains faster and keeps every layer optional
        return self.embed_norm(self.embed(stats_pool(self.expand(x))))

    def forward(self, audio: torch.Tensor, fast: bool = False) -> torch.Tensor:
        e = self.embedding(audio, fast=fast)
        # Written out (not F.normalize) so the ONNX graph is plain ReduceSum/Sqrt/Div on every opset.
        return e / torch.sqrt((e * e).sum(dim=1, keepdim=True) + 1e-12)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
