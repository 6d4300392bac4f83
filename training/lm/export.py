"""Export trained checkpoints (or tiny random weights) to ONNX + model.json.

    python -m training.lm.export --ar runs/ar/last.pt --nar runs/nar/last.pt [--draft runs/draft/last.pt] --out models/default
    python -m training.lm.export --ckpt runs --out models/default      # runs/{ar,nar,draft}/last.pt
    python -m training.lm.export --tiny --out test/fixtures/tiny-model # random-weight test fixture + lm_parity.json
The codec files named in model.json (codec_encoder.onnx, codec_decoder.onnx) are written by the codec export.
"""
import argparse
import json
import os
import re
import sys

import torch

from .ar import ARModel
from .checkpoint import load_checkpoint
from .config import ARConfig, NARConfig
from .manifest import ar_section, build_manifest, existing_manifest, keep_codec_records, nar_section
from .nar import NARModel
from .onnx_export import export_ar, export_nar
from .parity import parity_fixture

TINY_TEXT_VOCAB = 128  # room for the runtime's whole symbol table, so engine tests can feed real phonemes


def tiny_models(seed: int = 0, pointer_classes: int = 0, pointer_context: int = 0):
    """Random-weight AR, NAR and drafter small enough to commit (a few hundred KB of ONNX); with
    `pointer_classes`, a phoneme-pointer AR (training/lm/ar.py), fed its context with `pointer_context`, and no
    drafter."""
    torch.manual_seed(seed)
    common = dict(text_vocab_size=TINY_TEXT_VOCAB, dropout=0.0, max_positions=512)
    ar = ARModel(ARConfig(group_size=2, d_model=16, n_layers=2, n_heads=2, pointer_classes=pointer_classes,
                            pointer_context=pointer_context, **common))
    nar = NARModel(NARConfig(d_model=8, n_layers=2, n_heads=2, **common))
    draft = ARModel(ARConfig(group_size=2, d_model=8, n_layers=1, n_heads=2, **common))
    # Trained stage conditioning is never zero; randomise it so parity covers the adaptive-norm path.
    torch.nn.init.normal_(nar.stage_cond.weight, std=0.2)
    if pointer_classes:
        # Random advance logits would move the pointer arbitrarily; these favour moving one token per group.
        with torch.no_grad():
            ar.advance_head.bias.copy_(torch.tensor([0.0, 2.0] + [-1.0] * (pointer_classes - 2)))
        return ar, nar, None
    return ar, nar, draft


def pretty_json(obj) -> str:
    """Indented JSON with lists of numbers/strings kept on one line (shapes stay readable)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    flat = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    return flat + "\n"


def load_models(a):
    paths = {"ar": a.ar, "nar": a.nar, "draft": a.draft}
    if a.ckpt:
        for kind in paths:
            candidate = os.path.join(a.ckpt, kind, "last.pt")
            if paths[kind] is None and os.path.exists(candidate):
                paths[kind] = candidate
    models, steps, trained_stages = {}, {}, None
    for kind, path in paths.items():
        if path is None:
            if kind == "draft":
                models[kind] = None
                continue
            raise SystemExit(f"no {kind} checkpoint: give --{kind} PATH or --ckpt RUN_DIR holding {kind}/last.pt")
        found, model, state = load_checkpoint(path)
        if found != kind:
            raise SystemExit(f"{path} holds a {found} model, not {kind}")
        models[kind], steps[kind] = model.eval(), state["step"]
        if kind == "nar":
            trained_stages = ((state.get("extra") or {}).get("args") or {}).get("max_stage")
    if models["draft"] is not None and models["ar"].cfg.pointer_classes:
        print("the AR has a phoneme pointer: exporting without the drafter (speculative decoding does not drive a "
              "pointer; docs/model-format.md)", file=sys.stderr)
        models["draft"] = None
        steps.pop("draft", None)
    return models["ar"], models["nar"], models["draft"], steps, trained_stages


def export_all(out: str, ar, nar, draft, model_id: str, description: str, training: dict,
               symbols=(), parity: bool = False, nar_stages: int = None, sampling: dict = None) -> dict:
    os.makedirs(out, exist_ok=True)
    ar_sec = ar_section(ar, "ar.onnx", export_ar(ar, os.path.join(out, "ar.onnx")))
    nar_path = os.path.join(out, "nar.onnx")
    if nar_stages == 0:  # codebook 0 alone: no NAR in the model (docs/model-format.md)
        nar_sec = None
        if os.path.exists(nar_path):
            os.remove(nar_path)
    else:
        nar_sec = nar_section(nar, "nar.onnx", export_nar(nar, nar_path), nar_stages)
    draft_sec = None
    if draft is not None:
        if draft.cfg.group_size != ar.cfg.group_size or draft.cfg.text_vocab_size != ar.cfg.text_vocab_size:
            raise SystemExit("the drafter must share the AR's group size and text vocabulary")
        draft_sec = ar_section(draft, "draft.onnx", export_ar(draft, os.path.join(out, "draft.onnx")))
    # The codec was exported into `out` first: keep its section (and its codec.id, which voices are tied to),
    # its training record and its measured quality.
    previous = existing_manifest(out)
    manifest = build_manifest(model_id, description, ar_sec, nar_sec, draft_sec, ar.cfg, nar.cfg,
                              list(symbols), training, previous.get("codec"))
    keep_codec_records(manifest, previous)
    if sampling:
        manifest["sampling"] = sampling
    with open(os.path.join(out, "model.json"), "w", encoding="utf-8") as f:
        f.write(pretty_json(manifest))
    if parity:
        with open(os.path.join(out, "lm_parity.json"), "w", encoding="utf-8") as f:
            json.dump(parity_fixture(ar, nar, draft), f, separators=(",", ":"))
    return manifest


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--tiny", action="store_true", help="random tiny weights (test fixture)")
    p.add_argument("--tiny-pointer-classes", type=int, default=0, help="with --tiny: a phoneme-pointer AR, no drafter")
    p.add_argument("--tiny-pointer-context", type=int, default=0, help="with --tiny-pointer-classes: fed its context")
    p.add_argument("--ckpt", help="run folder holding ar/last.pt, nar/last.pt and optionally draft/last.pt")
    p.add_argument("--ar")
    p.add_argument("--nar")
    p.add_argument("--draft")
    p.add_argument("--id", default=None)
    p.add_argument("--description", default="", help="model.json description (what the model is, in a sentence)")
    p.add_argument("--symbols", help="JSON file with the id -> symbol list the model was trained with")
    p.add_argument("--parity", action="store_true", help="also write lm_parity.json (always on with --tiny)")
    p.add_argument("--sampling", type=json.loads, default=None,
                   help='recommended sampling settings for model.json, e.g. \'{"temperature": 0}\' (docs/model-format.md)')
    p.add_argument("--nar-stages", type=int, default=None,
                   help="NAR stages the runtime runs (it decodes this + 1 codebooks; 0 = no NAR in the model, "
                        "codebook 0 alone); default: the stages the NAR was trained on (train.py --max-stage), else all")
    p.add_argument("--ar-checkpoint-record", default=None,
                   help="repository path of the committed PyTorch checkpoint of the exported AR, recorded as "
                        "training.checkpoints.ar (the engine bench times it as the PyTorch reference)")
    a = p.parse_args(argv)
    symbols = json.load(open(a.symbols, encoding="utf-8")) if a.symbols else []
    if a.tiny:
        ar, nar, draft = tiny_models(pointer_classes=a.tiny_pointer_classes, pointer_context=a.tiny_pointer_context)
        export_all(a.out, ar, nar, draft, a.id or "tiny-random",
                   "Random-weight tiny model for tests: the format is real, the speech is noise.",
                   {"data": None, "steps": {"ar": 0, "nar": 0, "draft": 0}, "hardware": None}, symbols, True)
        return
    ar, nar, draft, steps, trained_stages = load_models(a)
    stages = a.nar_stages if a.nar_stages is not None else trained_stages
    if stages == 0:
        steps.pop("nar", None)  # not shipped
    record = {"steps": steps, "torch": torch.__version__,
              "nar_stages": stages if stages is not None else nar.cfg.num_codebooks - 1}
    if a.ar_checkpoint_record:
        record["checkpoints"] = {"ar": a.ar_checkpoint_record}
    export_all(a.out, ar, nar, draft, a.id or os.path.basename(os.path.abspath(a.out)), a.description, record,
               symbols, a.parity, stages, a.sampling)


if __name__ == "__main__":
    main()
