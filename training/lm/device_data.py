"""Pack the AR's training data small enough to travel to the lent GPU machine (the device tool carries at most
64 MiB with the working tree): the manifests and alignments as they are, and of each utterance's codes only
codebook 0, the one the AR reads and writes (a fifth of the size of all eight).

    python -m training.lm.device_data --data training/cache/lm/c6648 --out gpu/lm

The codes of a manifest NAME.jsonl go into one archive NAME.codes.npz, keyed by the manifest's relative `codes`
paths, which CodesDataset reads in place of the separate files: `training.lm.train --manifest gpu/lm/train.jsonl`
works unchanged. One file, because the first GPU run read ~10,000 small files from the copied tree at every
step (memory-mapped) and made only 205 steps in 8 minutes. NAR training needs the other codebooks: `--codebooks 8`
keeps all of them (the NAR's prompts are all eight; 30 MB compressed for the 10,319-utterance train split).

The way back is narrow too (files of at most 16 MB): `--pack-checkpoint RUN/last.pt OUT.pt` writes the weights
in fp16 without the optimizer, as OUT.pt.part0, .part1, ... of at most 15 MB; `--unpack OUT.pt DST.pt` joins them
into a slim fp32 checkpoint that training.lm.export and --init-from read.
"""
import glob
import argparse
import json
import os
import shutil

import numpy as np
import torch

from .dataset import PACKED_SUFFIX

MANIFESTS = ("train", "heldout_sentences")


def pack(data: str, out: str, manifests=MANIFESTS, codebooks: int = 1) -> int:
    """The first `codebooks` codebooks of every utterance -> number of code files written."""
    if codebooks < 1:
        raise ValueError(f"codebooks must be at least 1, got {codebooks}")
    n = 0
    for name in manifests:
        src = os.path.join(data, f"{name}.jsonl")
        with open(src, encoding="utf-8") as f:
            lines = [line for line in f if line.strip()]
        codes = {}
        for line in lines:
            rel = json.loads(line)["codes"]
            codes[rel] = np.ascontiguousarray(np.load(os.path.join(data, rel))[:codebooks])
        os.makedirs(out, exist_ok=True)
        # Compressed: codes are 10-bit values in int16, and the tree that travels must stay under 64 MiB.
        np.savez_compressed(os.path.join(out, f"{name}{PACKED_SUFFIX}"), **codes)
        n += len(codes)
        with open(os.path.join(out, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            f.writelines(lines)
        align = os.path.join(data, f"{name}.align.npz")
        if os.path.exists(align):
            shutil.copy(align, os.path.join(out, f"{name}.align.npz"))
    return n


PART_BYTES = 15_000_000


def pack_checkpoint(src: str, dst: str) -> int:
    """A training checkpoint -> dst.part0, dst.part1, ...: fp16 weights, no optimizer. -> number of parts."""
    state = torch.load(src, map_location="cpu", weights_only=False)
    parts, size = [{}], 0
    for k, v in state["model"].items():
        v = v.half() if v.is_floating_point() else v
        n = v.numel() * v.element_size()
        if parts[-1] and size + n > PART_BYTES:
            parts.append({})
            size = 0
        parts[-1][k], size = v, size + n
    head = {**state, "optimizer": None}
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    for i, weights in enumerate(parts):
        torch.save({**head, "model": weights} if i == 0 else {"model": weights}, f"{dst}.part{i}")
    return len(parts)


def unpack_checkpoint(src: str, dst: str) -> int:
    """src.part0, src.part1, ... -> one slim checkpoint with fp32 weights. -> its step."""
    names = sorted(glob.glob(glob.escape(src) + ".part*"), key=lambda x: int(x.rsplit(".part", 1)[1]))
    if not names:
        raise SystemExit(f"{src}.part0: not found")
    state = torch.load(names[0], map_location="cpu", weights_only=False)
    weights = dict(state["model"])
    for name in names[1:]:
        weights.update(torch.load(name, map_location="cpu", weights_only=False)["model"])
    state["model"] = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    torch.save(state, dst)
    return state["step"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="training/cache/lm/c6648")
    p.add_argument("--out", default="gpu/lm")
    p.add_argument("--codebooks", type=int, default=1, help="codebooks kept per utterance: 1 for the AR, 8 for the NAR")
    p.add_argument("--pack-checkpoint", nargs=2, metavar=("CKPT", "OUT"))
    p.add_argument("--unpack", nargs=2, metavar=("PACKED", "CKPT"))
    a = p.parse_args(argv)
    if a.pack_checkpoint:
        print(f"{a.pack_checkpoint[0]}: {pack_checkpoint(*a.pack_checkpoint)} part(s)")
    elif a.unpack:
        print(f"{a.unpack[1]}: step {unpack_checkpoint(*a.unpack)}")
    else:
        n = pack(a.data, a.out, codebooks=a.codebooks)
        print(f"packed {n} utterances' first {a.codebooks} codebook(s) into {a.out}")


if __name__ == "__main__":
    main()
