"""model.json: the manifest the runtime validates before loading a model (contract: docs/model-format.md)."""
import datetime
import json
import os

from .config import TEXT_BOS, TEXT_EOS, TEXT_PAD, TEXT_SEP
from .dataset import FRAME_RATE, PromptOptions

FORMAT = "parla-model"
FORMAT_VERSION = 1
SAMPLE_RATE, HOP_LENGTH = 16000, 320

CODEC = {
    "encoder": {"file": "codec_encoder.onnx", "input": "audio", "output": "codes"},
    "decoder": {"file": "codec_decoder.onnx", "input": "codes", "output": "audio"},
}


def codec_section(given=None) -> dict:
    """model.json's `codec` section: the codec graphs, plus `id` copied from `given` when it has one.

    `codec.id` names the codec; saved voices are tied to it rather than to the model id, so a language
    model exported over a shipped codec must keep the id or every bundled and saved voice is refused.
    """
    section = {key: dict((given or {}).get(key) or CODEC[key]) for key in ("encoder", "decoder")}
    if given and given.get("id"):
        if not isinstance(given["id"], str):
            raise ValueError(f"codec.id must be a string, got {given['id']!r}")
        section = {"id": given["id"], **section}
    return section


def existing_manifest(out_dir: str) -> dict:
    """The model.json already in out_dir (the codec exported there first), or {}."""
    path = os.path.join(out_dir, "model.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def existing_codec(out_dir: str):
    """The `codec` section of the model.json already in out_dir, or None."""
    return existing_manifest(out_dir).get("codec")


def keep_codec_records(manifest: dict, previous: dict) -> dict:
    """Carry the codec's own training record and measured quality over from the model.json being replaced.

    Exporting a language model over a shipped codec leaves the codec unchanged, so its numbers stay true;
    the language model's quality starts empty until the evaluation fills it in.
    """
    codec_training = (previous.get("training") or {}).get("codec")
    if codec_training is not None:
        manifest["training"]["codec"] = codec_training
    codec_quality = (previous.get("quality") or {}).get("codec")
    if codec_quality is not None:
        manifest["quality"] = {"codec": codec_quality}
    return manifest


def count_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def ar_section(model, file: str, io: dict) -> dict:
    c = model.cfg
    return {"file": file, **io, "params": count_params(model),
            "dims": {"d_model": c.d_model, "n_layers": c.n_layers, "n_heads": c.n_heads, "head_dim": c.head_dim,
                     "ff_mult": c.ff_mult, "vocab_size": c.audio_vocab_size, "max_positions": c.max_positions,
                     **({"pointer_classes": c.pointer_classes} if getattr(c, "pointer_classes", 0) else {}),
                     **({"pointer_context": c.pointer_context} if getattr(c, "pointer_context", 0) else {})}}


def nar_section(model, file: str, io: dict, stages: int = None) -> dict:
    """`stages`: the runtime fills codebooks 1..stages (default all, Q-1) and decodes stages + 1 codebooks."""
    c = model.cfg
    stages = c.num_codebooks - 1 if stages is None else stages
    if not 1 <= stages <= c.num_codebooks - 1:
        raise ValueError(f"NAR stages must be in 1..{c.num_codebooks - 1}, got {stages}")
    return {"file": file, **io, "params": count_params(model),
            "dims": {"d_model": c.d_model, "n_layers": c.n_layers, "n_heads": c.n_heads, "head_dim": c.head_dim,
                     "ff_mult": c.ff_mult, "max_positions": c.max_positions},
            "stages": list(range(1, stages + 1))}


def build_manifest(model_id: str, description: str, ar: dict, nar: dict, draft, ar_cfg, nar_cfg,
                   symbols: list, training: dict, codec=None) -> dict:
    """Sections from ar_section / nar_section; `symbols` is the id -> symbol table (empty in test fixtures);
    `codec` is the codec section to keep (see codec_section), e.g. existing_codec(out_dir)."""
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
        "codec": codec_section(codec),
        "ar": ar,
        "draft": draft,
        "nar": nar,
        "training": {"exported": datetime.date.today().isoformat(), **training},
        "quality": None,
        # The longest prompt the AR was trained on: the runtime cuts longer voice prompts to it (prompt-crop.ts).
        "prompt_max_seconds": PromptOptions().max_prompt_frames / FRAME_RATE,
    }
