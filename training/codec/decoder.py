"""Vocos-style decoder: latents (B, D, T) -> ConvNeXt backbone -> magnitude + phase -> iSTFT audio (B, 1, T*hop)."""
import torch
from torch import nn

from training.codec.config import CodecConfig
from training.codec.spectral import InverseSTFT


class ConvNeXtBlock(nn.Module):
    """Depthwise conv k7 -> LayerNorm -> pointwise MLP (GELU) -> layer scale, residual; (B, C, T)."""

    def __init__(self, channels: int, intermediate: int, layer_scale: float):
        super().__init__()
        self.dwconv = nn.Conv1d(channels, channels, 7, padding=3, groups=channels)
        self.norm = nn.LayerNorm(channels, eps=1e-6)
        self.pw1, self.act, self.pw2 = nn.Linear(channels, intermediate), nn.GELU(), nn.Linear(intermediate, channels)
        self.gamma = nn.Parameter(torch.full((channels,), layer_scale))

    def forward(self, x):
        y = self.dwconv(x).transpose(1, 2)  # (B, T, C)
        y = self.gamma * self.pw2(self.act(self.pw1(self.norm(y))))
        return x + y.transpose(1, 2)


class Decoder(nn.Module):
    def __init__(self, cfg: CodecConfig):
        super().__init__()
        c = cfg.dec_channels
        self.embed = nn.Conv1d(cfg.dim, c, 7, padding=3)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.blocks = nn.ModuleList(
            [ConvNeXtBlock(c, cfg.dec_intermediate, 1.0 / cfg.dec_layers) for _ in range(cfg.dec_layers)])
        self.final_norm = nn.LayerNorm(c, eps=1e-6)
        self.bins = cfg.n_fft // 2 + 1
        self.head = nn.Linear(c, 2 * self.bins)
        self.istft = InverseSTFT(cfg.n_fft, cfg.hop_length)
        self.phoneme_emb = None
        if cfg.dec_phonemes:
            # Added to the latents; zero at first (and always for id 0, unknown), so a decoder given this input
            # starts out exactly as the codec decoder it was made from.
            self.phoneme_emb = nn.Embedding(cfg.dec_phonemes, cfg.dim, padding_idx=0)
            nn.init.zeros_(self.phoneme_emb.weight)
        self.speaker_proj = None
        if cfg.dec_speaker:
            # Zero at first, like the phoneme embedding: the decoder starts out as the one it was made from.
            self.speaker_proj = nn.Linear(cfg.dim, c)
            nn.init.zeros_(self.speaker_proj.weight)
            nn.init.zeros_(self.speaker_proj.bias)

    def forward(self, latents: torch.Tensor, phonemes: torch.Tensor = None, speaker: torch.Tensor = None) -> torch.Tensor:
        """latents (B, D, T), phonemes (B, T) int64 or None (unknown), speaker (B, D) a voice's mean latent or None
        -> audio (B, 1, T * hop)."""
        if phonemes is not None and self.phoneme_emb is not None:
            latents = latents + self.phoneme_emb(phonemes).transpose(1, 2)
        x = self.norm(self.embed(latents).transpose(1, 2)).transpose(1, 2)
        if self.speaker_proj is not None:
            # No voice is the zero latent, as trained (voice dropout) and as the exported graph gets it (weight 0).
            if speaker is None:
                speaker = latents.new_zeros(latents.shape[0], latents.shape[1])
            x = x + self.speaker_proj(speaker)[:, :, None]
        for block in self.blocks:
            x = block(x)
        x = self.head(self.final_norm(x.transpose(1, 2))).transpose(1, 2)  # (B, 2F, T)
        log_mag, phase = x[:, :self.bins], x[:, self.bins:]
        mag = torch.exp(log_mag.clamp(max=8.0))  # clamp: an early spike must not overflow (Vocos clips too)
        return self.istft(mag * torch.cos(phase), mag * torch.sin(phase))
