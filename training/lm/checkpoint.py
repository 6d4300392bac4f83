"""Checkpoints that rebuild their model: kind + config + weights (+ optimizer state and step for resuming)."""
import os

import torch

from .ar import ARModel
from .config import config_from_dict, config_to_dict
from .nar import NARModel

KINDS = ("ar", "nar", "draft")


def build_model(kind: str, cfg):
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}, expected one of {KINDS}")
    return NARModel(cfg) if kind == "nar" else ARModel(cfg)


def save_checkpoint(path: str, kind: str, model, optimizer=None, step: int = 0, extra: dict = None):
    """Write atomically (temp file + rename) so an interrupted save never leaves a broken checkpoint."""
    state = {"kind": kind, "config": config_to_dict(model.cfg), "model": model.state_dict(), "step": step,
             "optimizer": optimizer.state_dict() if optimizer is not None else None, "extra": extra or {}}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str, map_location="cpu"):
    """-> (kind, model, state dict with "optimizer", "step", "extra")."""
    state = torch.load(path, map_location=map_location, weights_only=False)  # torch 2.6+ defaults to True
    kind = state["kind"]
    model = build_model(kind, config_from_dict(kind, state["config"]))
    model.load_state_dict(state["model"])
    return kind, model, state


def slim_checkpoint(src: str, dst: str) -> int:
    """Copy a training checkpoint without its optimizer state (a third of the size, for committing).

    Training resumes from it at the same step with a fresh optimizer (Adam's moments rebuild within a few
    hundred steps), so the resume is close to, but not bit-identical with, an uninterrupted run.
    """
    state = torch.load(src, map_location="cpu", weights_only=False)
    state["optimizer"] = None
    state["extra"] = {**(state.get("extra") or {}), "slimmed_from": os.path.basename(src)}
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    torch.save(state, dst + ".tmp")
    os.replace(dst + ".tmp", dst)
    return state["step"]


if __name__ == "__main__":  # python -m training.lm.checkpoint SRC DST: write a slim copy
    import sys
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        sys.exit("usage: python -m training.lm.checkpoint SRC DST: a slim copy of checkpoint SRC (weights, config, step; no optimizer state)")
    print(f"{sys.argv[2]}: step {slim_checkpoint(sys.argv[1], sys.argv[2])}, no optimizer state")
