"""The codec: Encoder -> ResidualVQ -> Decoder, with encode/decode for export and forward for training."""
import torch
from torch import nn

from training.codec.config import CodecConfig
from training.codec.decoder import Decoder
from training.codec.encoder import Encoder
from training.codec.quantizer import QuantizedResult, ResidualVQ


class Codec(nn.Module):
    def __init__(self, cfg: CodecConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder, self.quantizer, self.decoder = Encoder(cfg), ResidualVQ(cfg), Decoder(cfg)

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """audio (B, 1, N) -> codes (B, Q, ceil(N / hop)) int64."""
        return self.quantizer.encode(self.encoder(audio))

    def decode(self, codes: torch.Tensor, phonemes: torch.Tensor = None, voice_codes: torch.Tensor = None) -> torch.Tensor:
        """codes (B, n, T), n <= Q, and for a decoder with text input optionally phonemes (B, T), for one with a
        voice input optionally a prompt's codes (B, Q, Tp) -> audio (B, 1, T * hop)."""
        speaker = self.voice_latent(voice_codes) if voice_codes is not None else None
        return self.decoder(self.quantizer.decode(codes), phonemes, speaker)

    def voice_latent(self, voice_codes: torch.Tensor) -> torch.Tensor:
        """A prompt's codes (B, Q, Tp) -> its mean latent (B, D): the decoder's voice input."""
        return self.quantizer.decode(voice_codes).mean(-1)

    def forward(self, audio: torch.Tensor, n_q: torch.Tensor = None):
        """audio (B, 1, N), N a multiple of hop; n_q (B,) codebooks per item -> (audio (B, 1, N), QuantizedResult)."""
        q: QuantizedResult = self.quantizer(self.encoder(audio), n_q)
        return self.decoder(q.quantized), q

    def param_counts(self) -> dict:
        count = lambda m: sum(p.numel() for p in m.parameters())
        return {"encoder": count(self.encoder), "decoder": count(self.decoder),
                "codebooks": self.quantizer.embed.numel(), "total_trainable": count(self)}
