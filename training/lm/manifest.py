"""model.json: the manifest the runtime validates before loading a model (contract: docs/model-format.md)."""
import datetime

from .config import TEXT_BOS, TEXT_EOS, TEXT_PAD, TEXT_SEP

FORMAT = "parla-model"
FORMAT_VERSION = 1
SAMPLE_RATE, HOP_LENGTH = 16000, 320

CODEC = {
    "encoder": {"file": "codec_encoder.onnx", "input": "audio", "output": "codes"},
    "decoder": {"file": "codec_decoder.onnx", "input": "codes", "output": "audio"},
}


def count_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def ar_section(model, file: str, io: dict) -> dict:
    c = model.cfg
    return {"file": file, **io, "params": count_params(model),
            "dims": {"d_model": c.d_model, "n_layers": c.n_layers, "n_heads": c.n_heads, "head_dim": c.head_dim,
                     "ff_mult": c.ff_mult, "vocab_size": c.audio_vocab_size, "max_positions": c.max_positions}}


def nar_section(model, file: str, io: dict) -> dict:
    c = model.cfg
    return {"file": file, **io, "params": count_params(model),
            "dims": {"d_model": c.d_model, "n_layers": c.n_layers, "n_heads": c.n_heads, "head_dim": c.head_dim,
                     "ff_mult": c.ff_mult, "max_positions": c.max_positions},
            "stages": list(range(1, c.num_codebooks))}


def build_manifest(model_id: str, description: str, ar: dict, nar: dict, draft, ar_cfg, nar_cfg,
                   symbols: list, training: dict) -> dict:
    """Sections from ar_section / nar_section; `symbols` is the id -> symbol table (empty in test fixtures)."""
    if ar_cfg.text_vocab_size != nar_cfg.text_vocab_size or ar_cfg.codebook_size != nar_cfg.codebook_size:
        raise ValueError("AR and NAR disagree on text vocabulary or codebook size")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "id": model_id,
        "description": description,
        "audio": {"sample_rate": SAMPLE_RATE, "hop_length": HOP_LENGTH,
                  "num_codebooks": nar_cfg.num_codebooks, "codebook_size": ar_cfg.codebook_size},
        "group_size": ar_cfg.group_size,
        "phonemes": {"vocab_size": ar_cfg.text_vocab_size, "pad_id": TEXT_PAD, "bos_id": TEXT_BOS,
                     "eos_id": TEXT_EOS, "sep_id": TEXT_SEP, "symbols": list(symbols)},
        "tokens": {"audio_eos": ar_cfg.eos, "nar_pad_code": nar_cfg.pad_code},
        "codec": CODEC,
        "ar": ar,
        "draft": draft,
        "nar": nar,
        "training": {"exported": datetime.date.today().isoformat(), **training},
        "quality": None,
    }
