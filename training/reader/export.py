"""Export a reader to ONNX and add it to a model folder's model.json (docs/model-format.md, "reader.onnx").

    python -m training.reader.export --ckpt training/runs/reader/a1/last.pt --out models/default [--candidates 4] [--splice-words 3] [--retry-above 1.2]
    python -m training.reader.export --tiny --out test/fixtures/tiny-pointer-model      # random-weight fixtures

Takes a code reader (training/reader/train.py: `codes` int64 [B, T] -> `log_probs` float32 [B, T, vocab_size]) or
an audio reader (train_audio.py: `audio` float32 [B, N] at 16 kHz -> `log_probs` [B, T, vocab_size], T =
output_frames(N)) and writes OUT/reader.onnx and the `reader` section of OUT/model.json (`input`: "codes" or
"audio"; every other field kept; `--candidates N` also sets `sampling.candidates`, `--splice-words N` `sampling.splice_words`, `--retry-above X` `sampling.retry_above`). `--parity` writes
OUT/reader_parity.json: PyTorch's log-probabilities and CTC losses on fixed inputs, for the runtime's parity test.
`--tiny` writes both kinds: reader.onnx (codes, in model.json) and audio_reader.onnx with audio_reader_parity.json
(the tests swap it in).
"""
import argparse
import inspect
import json
import os

import numpy as np
import torch

from ..lm.export import pretty_json
from .audio_reader import AudioReader, AudioReaderConfig, AudioReaderEnsemble, output_frames
from .model import BLANK, FIRST_PHONEME_ID, CodeReader, ReaderConfig, ctc_nll, ctc_targets

OPSET = 17
PARITY_TEXTS = ([1, 20, 4, 30, 31, 12, 40, 40, 5, 2], [25, 26, 27])


def is_audio(model) -> bool:
    return isinstance(model, (AudioReader, AudioReaderEnsemble))


def export_onnx(model, path: str):
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.5: the TorchScript exporter
    name = "audio" if is_audio(model) else "codes"
    example = torch.zeros(2, 8000) if is_audio(model) else torch.zeros(2, 7, dtype=torch.long)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, (example,), path, opset_version=OPSET, input_names=[name], output_names=["log_probs"],
                          dynamic_axes={name: {0: "B", 1: "N" if is_audio(model) else "T"}, "log_probs": {0: "B", 1: "T"}},
                          **kwargs)


def section(model, file: str) -> dict:
    return {"file": file, "input": "audio" if is_audio(model) else "codes",
            "params": sum(p.numel() for p in model.parameters()), "vocab_size": model.cfg.vocab_size,
            "blank_id": BLANK, "first_phoneme_id": FIRST_PHONEME_ID}


def parity(model) -> dict:
    """Fixed inputs (two lengths) and texts -> PyTorch log-probabilities and per-phoneme CTC losses. Audio: a chirp
    (0.6 s and 0.1 s), stored as the runtime gets it."""
    rng = np.random.default_rng(7)
    cases = []
    for size, text in zip((40, 9), PARITY_TEXTS):
        if is_audio(model):
            n = size * 240
            t = np.arange(n) / 16000.0
            x = (0.3 * np.sin(2 * np.pi * (150 * t + 2000 * t * t)) + 0.01 * rng.standard_normal(n)).astype(np.float32)
            inp, frames, key = torch.from_numpy(x)[None], output_frames(n), "audio"
        else:
            x = rng.integers(0, model.cfg.codebook_size, size)
            inp, frames, key = torch.from_numpy(x).long()[None], size, "codes"
        with torch.no_grad():
            lp = model(inp)
        targets = ctc_targets(text)
        nll = ctc_nll(lp, torch.tensor([frames]), [targets])[0].item()
        cases.append({key: x.tolist(), "text_ids": text, "log_probs": lp[0].flatten().tolist(),
                      "nll_per_phoneme": nll / len(targets)})
    return {"tolerance_abs": 1e-4, "cases": cases}


def load_reader(ckpt: str):
    """A trained reader of either kind and what model.json records of it."""
    state = torch.load(ckpt, map_location="cpu")
    kinds = {"reader": (CodeReader, ReaderConfig), "audio-reader": (AudioReader, AudioReaderConfig)}
    if state.get("kind") not in kinds:
        raise SystemExit(f"{ckpt} is not a reader checkpoint (kind {state.get('kind')!r})")
    cls, cfg = kinds[state["kind"]]
    model = cls(cfg(**state["config"]))
    model.load_state_dict(state["model"])
    return model, {"kind": state["kind"], "step": state["step"], "config": state["config"],
                   "checkpoint": os.path.relpath(ckpt)}


def main(argv=None):
    p = argparse.ArgumentParser(description="export a reader (codes or audio) into a model folder")
    p.add_argument("--ckpt", help="training/reader/train.py or train_audio.py checkpoint")
    p.add_argument("--tiny", action="store_true", help="a tiny random-weight reader (test fixture)")
    p.add_argument("--out", required=True, help="model folder (its model.json gets the reader section)")
    p.add_argument("--candidates", type=int, help="also set model.json sampling.candidates")
    p.add_argument("--splice-words", type=int, help="also set model.json sampling.splice_words (audio readers)")
    p.add_argument("--retry-above", type=float, help="also set model.json sampling.retry_above (with splicing)")
    p.add_argument("--with", dest="ensemble", action="append", default=[],
                   help="another audio reader checkpoint to average with --ckpt's (repeatable): one graph, the "
                        "renormalized mean of their log-probabilities per frame")
    p.add_argument("--parity", action="store_true")
    a = p.parse_args(argv)
    if bool(a.ckpt) == a.tiny:
        raise SystemExit("give --ckpt PATH or --tiny")
    os.makedirs(a.out, exist_ok=True)
    if a.tiny:
        torch.manual_seed(5)
        model, record = CodeReader(ReaderConfig(d_model=8, dilations=[1, 2], dropout=0.0)), {"tiny": True}
        torch.manual_seed(6)
        audio = AudioReader(AudioReaderConfig(n_mels=16, d_model=8, dilations=[1, 2], dropout=0.0)).eval()
        export_onnx(audio, os.path.join(a.out, "audio_reader.onnx"))
        with open(os.path.join(a.out, "audio_reader_parity.json"), "w") as f:
            json.dump({"section": section(audio, "audio_reader.onnx"), **parity(audio)}, f)
    else:
        model, record = load_reader(a.ckpt)
        if a.ensemble:
            others = [load_reader(c) for c in a.ensemble]
            if not all(isinstance(m, AudioReader) for m in [model] + [o[0] for o in others]):
                raise SystemExit("--with averages audio readers only")
            model = AudioReaderEnsemble([model] + [o[0] for o in others])
            record = {**record, "ensemble": [record] + [o[1] for o in others]}
    model.eval()
    export_onnx(model, os.path.join(a.out, "reader.onnx"))
    manifest_path = os.path.join(a.out, "model.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        manifest["reader"] = section(model, "reader.onnx")
        manifest.setdefault("training", {})["reader"] = record
        for key, value in (("candidates", a.candidates), ("splice_words", a.splice_words), ("retry_above", a.retry_above)):
            if value is not None:
                manifest["sampling"] = {**(manifest.get("sampling") or {}), key: value}
        with open(manifest_path, "w", encoding="utf-8") as f:
            f.write(pretty_json(manifest))
    if a.parity or a.tiny:
        with open(os.path.join(a.out, "reader_parity.json"), "w") as f:
            json.dump(parity(model), f)
    print(f"exported {os.path.join(a.out, 'reader.onnx')} ({section(model, 'reader.onnx')['params']} params)")


if __name__ == "__main__":
    main()
