"""Exports default-size random-weight models for `parla bench engine` (speed only: the speech is noise).

    /usr/bin/python3 bench/engine/export_random.py --out bench/models [--codec-ckpt training/checkpoints/codec-cpu1-last.pt]

Writes <out>/g2/ (AR G=2 + drafter + NAR, the default sizes of training/lm/train.py) and <out>/g1/ (the same
AR with G=1 and a G=1 drafter), each with the codec exported from --codec-ckpt (real size; random weights of
the default codec config when no checkpoint is given), plus <out>/<g>/ar.pt, the AR checkpoint the PyTorch
reference timing (bench/engine/torch_ar_step.py) loads, so both runtimes time the same weights.

    /usr/bin/python3 bench/engine/export_random.py --like models/default --out bench/models/g1-<model id>

writes the G=1 twin of a trained model for the grouped comparison: its AR's exact configuration (dims, phoneme
pointer) with group size 1 and random weights, its codec, symbols and NAR setting; no drafter. Speed only: the
bench runs both to a fixed length and compares steps and wall time per second of audio.
"""
import json
import argparse
import dataclasses
import os
import shutil
import subprocess
import sys

import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, REPO)

from training.lm.ar import ARModel  # noqa: E402
from training.lm.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from training.lm.config import ARConfig, NARConfig  # noqa: E402
from training.lm.export import export_all  # noqa: E402
from training.lm.nar import NARModel  # noqa: E402
from training.lm.train import SIZES  # noqa: E402

DESCRIPTION = "Random weights at the default sizes, for speed benchmarks only: the speech is noise."


def export_codec(out: str, ckpt: str) -> None:
    """The codec ONNX pair via the training export (a checkpoint being written may be mid-save: retry once)."""
    if ckpt:
        args = [sys.executable, "-m", "training.codec.export", f"--ckpt={ckpt}", f"--out={out}"]
    else:
        raise SystemExit("--codec-ckpt is required (the engine bench needs a real-size codec)")
    for attempt in range(2):
        if subprocess.run(args, cwd=REPO).returncode == 0:
            return
    raise SystemExit(f"codec export from {ckpt} failed twice")


def export_variant(out: str, group_size: int, codec_dir: str, seed: int) -> None:
    torch.manual_seed(seed)
    common = dict(dropout=0.0)
    ar = ARModel(ARConfig(group_size=group_size, **SIZES["ar"], **common)).eval()
    draft = ARModel(ARConfig(group_size=group_size, **SIZES["draft"], **common)).eval()
    nar = NARModel(NARConfig(**SIZES["nar"], **common)).eval()
    os.makedirs(out, exist_ok=True)
    export_all(out, ar, nar, draft, f"bench-random-g{group_size}", DESCRIPTION,
               {"data": None, "steps": {"ar": 0, "nar": 0, "draft": 0}, "hardware": None})
    save_checkpoint(os.path.join(out, "ar.pt"), "ar", ar)
    if os.path.abspath(codec_dir) != os.path.abspath(out):
        for name in ("codec_encoder.onnx", "codec_decoder.onnx"):
            shutil.copyfile(os.path.join(codec_dir, name), os.path.join(out, name))


def export_g1_twin(model_dir: str, out: str, seed: int = 0) -> None:
    """The G=1 twin of the trained model in model_dir (its AR configuration from training.checkpoints.ar)."""
    manifest = json.load(open(os.path.join(model_dir, "model.json"), encoding="utf-8"))
    recorded = ((manifest.get("training") or {}).get("checkpoints") or {}).get("ar")
    if not recorded:
        raise SystemExit(f"{model_dir}/model.json has no training.checkpoints.ar to take the AR configuration from")
    _, trained, _ = load_checkpoint(os.path.join(REPO, recorded))
    torch.manual_seed(seed)
    ar = ARModel(dataclasses.replace(trained.cfg, group_size=1, dropout=0.0)).eval()
    nar = NARModel(NARConfig(**SIZES["nar"], dropout=0.0)).eval()
    os.makedirs(out, exist_ok=True)
    # model.json and the codec first: export_all keeps the codec section (and codec.id) it finds in `out`.
    for name in ("model.json", "codec_encoder.onnx", "codec_decoder.onnx"):
        shutil.copyfile(os.path.join(model_dir, name), os.path.join(out, name))
    stages = (manifest.get("training") or {}).get("nar_stages", 0) if manifest.get("nar") else 0
    export_all(out, ar, nar, None, f"{manifest['id']}-g1-random", DESCRIPTION,
               {"data": None, "steps": {"ar": 0}, "twin_of": manifest["id"]}, manifest["phonemes"]["symbols"],
               nar_stages=stages)
    save_checkpoint(os.path.join(out, "ar.pt"), "ar", ar)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--codec-ckpt", default=os.path.join(REPO, "training", "checkpoints", "codec-cpu1-last.pt"))
    p.add_argument("--like", help="a trained model folder: write only its G=1 twin to --out")
    a = p.parse_args(argv)
    if a.like:
        export_g1_twin(a.like, a.out)
        print(f"wrote {a.out}")
        return
    g2 = os.path.join(a.out, "g2")
    os.makedirs(g2, exist_ok=True)
    export_codec(g2, a.codec_ckpt)
    export_variant(g2, 2, g2, seed=0)
    export_variant(os.path.join(a.out, "g1"), 1, g2, seed=0)
    print(f"wrote {g2} and {os.path.join(a.out, 'g1')}")


if __name__ == "__main__":
    main()
