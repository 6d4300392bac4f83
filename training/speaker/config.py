"""The speaker encoder's architecture config; stored in every checkpoint and in speaker_encoder.json so they rebuild the model."""
from dataclasses import asdict, dataclass, fields


@dataclass
class SpeakerConfig:
    sample_rate: int = 16000
    win_length: int = 400      # 25 ms analysis window (Hann)
    hop_length: int = 160      # 10 ms frames
    n_fft: int = 512
    n_mels: int = 40
    f_min: float = 20.0
    f_max: float = 7600.0
    channels: int = 128        # frame-level TDNN width
    stats_channels: int = 384  # width of the layer that feeds statistics pooling
    embedding_dim: int = 192

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SpeakerConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
