"""Model configurations and token-id conventions shared by the AR, NAR, dataset and export."""
from dataclasses import asdict, dataclass

# Text (phoneme) special ids; phoneme symbols use the ids after these.
TEXT_PAD, TEXT_BOS, TEXT_EOS, TEXT_SEP = 0, 1, 2, 3
NUM_TEXT_SPECIALS = 4
# Label value ignored by the losses.
IGNORE = -100


@dataclass
class ARConfig:
    """Decoder-only transformer over [phonemes ; codebook-0 groups]. Also used for the drafter."""
    text_vocab_size: int = 128          # specials + phoneme symbols
    codebook_size: int = 1024           # audio codes 0..codebook_size-1; codebook_size = end of speech
    group_size: int = 2                 # G codes per position (VALL-E 2 grouped code modeling)
    d_model: int = 256
    n_layers: int = 6
    n_heads: int = 4
    ff_mult: int = 4
    dropout: float = 0.1
    rope_base: float = 10000.0
    max_positions: int = 2048           # longest sequence trained on; the runtime's length limit
    # Phoneme pointer (0 = off): every audio position is also fed the text token its next group says, and an extra
    # head predicts how far the pointer moves for the group after that, in 0..pointer_classes-1 tokens
    # (training/lm/ar.py). The runtime keeps the pointer; the model no longer has to find its place in the text.
    pointer_classes: int = 0
    # Pointer context (0 = off; needs the pointer): each audio position is also fed the phonemes on either side of
    # the pointed one and how many groups the pointer has already stayed on it (capped at pointer_context - 1).
    # Coarticulation and the place inside a phoneme decide much of codebook 0; a small model reads them far more
    # cheaply from three embeddings than through attention, whose rotary positions do not follow the pointer.
    pointer_context: int = 0

    @property
    def audio_vocab_size(self) -> int:
        """Codes plus end-of-speech: the size of every AR output head."""
        return self.codebook_size + 1

    @property
    def eos(self) -> int:
        return self.codebook_size

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def validate(self) -> "ARConfig":
        if self.group_size not in (1, 2, 4):
            raise ValueError(f"group_size must be 1, 2 or 4, got {self.group_size}")
        if self.d_model % self.n_heads or self.head_dim % 2:
            raise ValueError("d_model / n_heads must be an even integer (RoPE rotates pairs)")
        if self.pointer_context and not self.pointer_classes:
            raise ValueError("pointer_context needs a phoneme pointer (pointer_classes > 0)")
        return self


@dataclass
class NARConfig:
    """Non-causal transformer filling codebooks 1..Q-1, one stage per call."""
    text_vocab_size: int = 128
    codebook_size: int = 1024           # codebook_size is also the NAR's padding code
    num_codebooks: int = 8
    d_model: int = 256
    n_layers: int = 6
    n_heads: int = 4
    ff_mult: int = 4
    dropout: float = 0.1
    rope_base: float = 10000.0
    max_positions: int = 4096

    @property
    def pad_code(self) -> int:
        return self.codebook_size

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def validate(self) -> "NARConfig":
        if self.d_model % self.n_heads or self.head_dim % 2:
            raise ValueError("d_model / n_heads must be an even integer (RoPE rotates pairs)")
        if self.num_codebooks < 2:
            raise ValueError("the NAR needs at least 2 codebooks")
        return self


def config_to_dict(cfg) -> dict:
    return asdict(cfg)


def config_from_dict(kind: str, d: dict):
    cls = {"ar": ARConfig, "draft": ARConfig, "nar": NARConfig}[kind]
    return cls(**d).validate()
