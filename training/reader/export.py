"""Export the code reader to ONNX and add it to a model folder's model.json (docs/model-format.md, "reader.onnx").

    python -m training.reader.export --ckpt training/runs/reader/r1/last.pt --out models/default [--candidates 4]
    python -m training.reader.export --tiny --out test/fixtures/tiny-pointer-model      # random-weight fixture

Writes OUT/reader.onnx (`codes` int64 [B, T] -> `log_probs` float32 [B, T, vocab_size]) and the `reader` section
of OUT/model.json (every other field kept; `--candidates N` also sets `sampling.candidates`). `--parity` writes
OUT/reader_parity.json: PyTorch's log-probabilities and CTC losses on fixed codes, for the runtime's parity test.
"""
import argparse
import inspect
import json
import os

import numpy as np
import torch

from ..lm.export import pretty_json
from .model import BLANK, FIRST_PHONEME_ID, CodeReader, ReaderConfig, ctc_nll, ctc_targets

OPSET = 17


def export_onnx(model: CodeReader, path: str):
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.5: the TorchScript exporter
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, (torch.zeros(2, 7, dtype=torch.long),), path, opset_version=OPSET,
                          input_names=["codes"], output_names=["log_probs"],
                          dynamic_axes={"codes": {0: "B", 1: "T"}, "log_probs": {0: "B", 1: "T"}}, **kwargs)


def section(model: CodeReader, file: str) -> dict:
    return {"file": file, "params": sum(p.numel() for p in model.parameters()), "vocab_size": model.cfg.vocab_size,
            "blank_id": BLANK, "first_phoneme_id": FIRST_PHONEME_ID}


def parity(model: CodeReader) -> dict:
    """Fixed codes (two lengths) and texts -> PyTorch log-probabilities and per-phoneme CTC losses."""
    rng = np.random.default_rng(7)
    cases = []
    for frames, text in ((40, [1, 20, 4, 30, 31, 12, 40, 40, 5, 2]), (9, [25, 26, 27])):
        codes = rng.integers(0, model.cfg.codebook_size, frames)
        with torch.no_grad():
            lp = model(torch.from_numpy(codes).long()[None])
        targets = ctc_targets(text)
        nll = ctc_nll(lp, torch.tensor([frames]), [targets])[0].item()
        cases.append({"codes": codes.tolist(), "text_ids": text, "log_probs": lp[0].flatten().tolist(),
                      "nll_per_phoneme": nll / len(targets)})
    return {"tolerance_abs": 1e-4, "cases": cases}


def main(argv=None):
    p = argparse.ArgumentParser(description="export the code reader into a model folder")
    p.add_argument("--ckpt", help="training/reader/train.py checkpoint")
    p.add_argument("--tiny", action="store_true", help="a tiny random-weight reader (test fixture)")
    p.add_argument("--out", required=True, help="model folder (its model.json gets the reader section)")
    p.add_argument("--candidates", type=int, help="also set model.json sampling.candidates")
    p.add_argument("--parity", action="store_true")
    a = p.parse_args(argv)
    if bool(a.ckpt) == a.tiny:
        raise SystemExit("give --ckpt PATH or --tiny")
    if a.tiny:
        torch.manual_seed(5)
        model, record = CodeReader(ReaderConfig(d_model=8, dilations=[1, 2], dropout=0.0)), {"tiny": True}
    else:
        state = torch.load(a.ckpt, map_location="cpu")
        if state.get("kind") != "reader":
            raise SystemExit(f"{a.ckpt} is not a code reader checkpoint")
        model = CodeReader(ReaderConfig(**state["config"]))
        model.load_state_dict(state["model"])
        record = {"step": state["step"], "config": state["config"], "checkpoint": os.path.relpath(a.ckpt)}
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    export_onnx(model, os.path.join(a.out, "reader.onnx"))
    manifest_path = os.path.join(a.out, "model.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        manifest["reader"] = section(model, "reader.onnx")
        manifest.setdefault("training", {})["reader"] = record
        if a.candidates is not None:
            manifest["sampling"] = {**(manifest.get("sampling") or {}), "candidates": a.candidates}
        with open(manifest_path, "w", encoding="utf-8") as f:
            f.write(pretty_json(manifest))
    if a.parity or a.tiny:
        with open(os.path.join(a.out, "reader_parity.json"), "w") as f:
            json.dump(parity(model), f)
    print(f"exported {os.path.join(a.out, 'reader.onnx')} ({section(model, 'reader.onnx')['params']} params)")


if __name__ == "__main__":
    main()
