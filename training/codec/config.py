"""Codec hyper-parameters: one dataclass that rebuilds the model (stored in every checkpoint)."""
from dataclasses import asdict, dataclass, field


@dataclass
class CodecConfig:
    sample_rate: int = 16000
    strides: tuple = (2, 4, 5, 8)  # product = hop length (320 -> 50 frames/s)
    enc_channels: int = 16  # doubled after every stride
    enc_res_dilations: tuple = (1, 3)  # residual units per encoder stage
    dim: int = 128  # latent / codebook vector size
    num_codebooks: int = 8
    codebook_size: int = 1024
    ema_decay: float = 0.99
    dead_code_fraction: float = 0.05  # restart a code whose EMA usage falls below this share of uniform
    split_step: float = 0.2  # a restarted code moves this far from a live code toward a batch vector
    dec_channels: int = 256
    dec_intermediate: int = 768
    dec_layers: int = 6
    n_fft: int = 1280  # iSTFT head; window = n_fft, hop = hop_length
    # Phoneme vocabulary of the decoder's optional text input (0 = none): a TTS decoder that knows which phoneme
    # each frame stands for (the AR's phoneme pointer) can render codebook 0 as that phoneme; id 0 = unknown.
    dec_phonemes: int = 0
    # The decoder's optional voice input: the mean latent of a prompt of the wanted voice (all codebooks), added to
    # its hidden state. Codebook 0 alone carries the AR's voice, not the prompt's; this carries the prompt's.
    dec_speaker: bool = False

    @property
    def hop_length(self) -> int:
        out = 1
        for s in self.strides:
            out *= s
        return out

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CodecConfig":
        d = dict(d)
        for key in ("strides", "enc_res_dilations"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)


def tiny_config() -> CodecConfig:
    """A few-hundred-KB codec with the full I/O contract (8 x 1024 codes), for test fixtures."""
    return CodecConfig(enc_channels=2, enc_res_dilations=(1,), dim=8,
                       dec_channels=32, dec_intermediate=64, dec_layers=1, n_fft=640)
