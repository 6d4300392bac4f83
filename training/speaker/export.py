"""Export a trained speaker encoder to ONNX plus its JSON card and a parity fixture: `python -m training.speaker.export --ckpt=PATH`.

Writes models/default/speaker_encoder.onnx (input `audio` (B, N) float32 16 kHz, output
`embedding` (B, D) unit length), merges the config and I/O into speaker_encoder.json, and
writes test/fixtures/speaker_parity.json (a generated 1 s chirp + noise and PyTorch's
embedding of it) for the onnxruntime-node parity test. Refuses a model whose measured
held-out EER (from `training.speaker.evaluate`) is over --max_eer unless --force=1.
"""
import inspect
import json
import math
import os
import sys

import numpy as np
import torch

from training.speaker.checkpoint import load_checkpoint
from training.speaker.evaluate import MODEL_JSON
from training.speaker.model import count_parameters

OPSET = 17
ONNX_PATH = os.path.join("models", "default", "speaker_encoder.onnx")
PARITY_PATH = os.path.join("test", "fixtures", "speaker_parity.json")
MIN_SAMPLES = 8000  # 0.5 s: shorter clips give too few frames for stable statistics; the runtime refuses them
PARITY_TOLERANCE = 1e-4  # max |onnxruntime - torch| per embedding component (unit vector); measured ~1e-7


def parity_input(n: int = 16000, seed: int = 12345) -> np.ndarray:
    """Deterministic test signal, (n,) float32: a 100 -> 2000 Hz linear chirp (amplitude 0.5) plus
    uniform noise (amplitude 0.1) from the 32-bit LCG state = state * 1664525 + 1013904223 (mod 2^32),
    noise = state / 2^32 - 0.5. test/eval-speaker.test.ts regenerates it the same way."""
    out = np.zeros(n, np.float32)
    state = seed
    for k in range(n):
        state = (state * 1664525 + 1013904223) % 2 ** 32
        t = k / 16000.0
        out[k] = 0.5 * math.sin(2 * math.pi * (100.0 * t + 0.5 * 1900.0 * t * t)) + 0.2 * (state / 2 ** 32 - 0.5)
    return out


def export_onnx(model, path: str = ONNX_PATH) -> None:
    kwargs = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, (torch.zeros(1, MIN_SAMPLES),), path, opset_version=OPSET, do_constant_folding=True,
                          input_names=["audio"], output_names=["embedding"],
                          dynamic_axes={"audio": {0: "B", 1: "N"}, "embedding": {0: "B"}}, **kwargs)


def main(argv):
    args = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    model, ckpt = load_checkpoint(args["ckpt"])
    card_path = args.get("card", MODEL_JSON)
    card = json.load(open(card_path)) if os.path.exists(card_path) else {}
    eer = card.get("evaluation", {}).get("so762_heldout", {}).get("eer")
    max_eer = float(args.get("max_eer", 0.15))
    if args.get("force") != "1" and (eer is None or eer > max_eer):
        sys.exit(f"not exporting: held-out EER is {eer} (limit {max_eer}); run training.speaker.evaluate first or pass --force=1")
    onnx_path = args.get("out", ONNX_PATH)
    export_onnx(model, onnx_path)
    x = parity_input()
    with torch.no_grad():
        ref = model(torch.from_numpy(x)[None])[0].numpy()
    fixture = {"about": "Speaker-encoder parity: PyTorch embedding of parity_input() in training/speaker/export.py",
               "sample_rate": 16000, "samples": len(x), "seed": 12345, "input_sum": float(x.astype(np.float64).sum()),
               "input_head": [float(v) for v in x[:4]], "tolerance": PARITY_TOLERANCE,
               "embedding": [round(float(v), 7) for v in ref]}
    os.makedirs(os.path.dirname(PARITY_PATH), exist_ok=True)
    with open(args.get("parity", PARITY_PATH), "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    card.update({"onnx": os.path.basename(onnx_path), "sample_rate": 16000, "min_samples": MIN_SAMPLES,
                 "inputs": [{"name": "audio", "dtype": "float32", "shape": ["B", "N"]}],
                 "outputs": [{"name": "embedding", "dtype": "float32", "shape": ["B", model.cfg.embedding_dim]}],
                 "parameters": count_parameters(model), "opset": OPSET, "onnx_bytes": os.path.getsize(onnx_path),
                 "config": ckpt["config"], "training": ckpt.get("summary", {}), "torch_version": torch.__version__})
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.2f} MB), {card_path}, {args.get('parity', PARITY_PATH)}")


if __name__ == "__main__":
    from training.usage import help_requested
    help_requested(__doc__)
    main(sys.argv[1:])
