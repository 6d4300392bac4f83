"""Train the code reader (training/reader/model.py) on (codebook-0 codes, phonemes) pairs of a codes manifest.

    python -m training.reader.train --manifest training/cache/lm/c6648/train.jsonl \
        --val-manifest training/cache/lm/c6648/heldout_sentences.jsonl --out training/runs/reader/r1

Re-running the same command resumes (out/last.pt holds weights, optimizer, step and config). Batches are a pure
function of (seed, step). Input codes are corrupted at random (`--code-noise`) because the reader judges an AR's
samples, not clean encoder output. The log (out/log.txt) gives training CTC loss per phoneme and, on the held-out
manifest, CTC loss per phoneme and the greedy phoneme error rate.
"""
import argparse
import json
import os

import numpy as np
import torch

from .loop import Run, batch_at, common_args, evaluate
from .model import CodeReader, ReaderConfig, ctc_nll, ctc_targets


def load_pairs(manifest: str, max_frames: int):
    """[(codes0 int64 (T,), targets)] of every entry whose codebook 0 can hold its phonemes under CTC."""
    root = os.path.dirname(os.path.abspath(manifest))
    pairs = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            codes = np.load(os.path.join(root, e["codes"]))[0].astype(np.int64)
            targets = ctc_targets(e["phonemes"])
            # CTC needs a frame per target, and one more between repeated targets.
            if targets and len(targets) + sum(a == b for a, b in zip(targets, targets[1:])) <= len(codes) <= max_frames:
                pairs.append((codes, targets))
    if not pairs:
        raise SystemExit(f"{manifest}: no usable (codes, phonemes) pairs")
    return pairs


def collate(pairs, codebook_size: int, noise: float, rng: np.random.Generator):
    lengths = [len(c) for c, _ in pairs]
    codes = np.full((len(pairs), max(lengths)), codebook_size, dtype=np.int64)
    for i, (c, _) in enumerate(pairs):
        c = c.copy()
        if noise > 0:
            hit = rng.random(len(c)) < noise
            c[hit] = rng.integers(0, codebook_size, hit.sum())
        codes[i, :len(c)] = c
    return torch.from_numpy(codes), torch.tensor(lengths), [t for _, t in pairs]


def main(argv=None):
    p = argparse.ArgumentParser(description="train the code reader (CTC over codebook-0 codes)")
    common_args(p, steps=6000)
    p.add_argument("--batch-frames", type=int, default=12000, help="codec frames per batch")
    p.add_argument("--max-frames", type=int, default=1000, help="longest utterance used")
    p.add_argument("--code-noise", type=float, default=0.1, help="share of input codes replaced at random")
    p.add_argument("--d-model", type=int, default=192)
    p.add_argument("--dilations", default="1,1,2,2,4,1", help="one residual convolution per entry (new runs only)")
    a = p.parse_args(argv)
    run = Run(a, "reader", CodeReader, ReaderConfig,
              lambda: ReaderConfig(d_model=a.d_model, dilations=[int(x) for x in a.dilations.split(",")]))
    train = load_pairs(a.manifest, a.max_frames)
    val = load_pairs(a.val_manifest, a.max_frames)
    order = sorted(range(len(train)), key=lambda i: len(train[i][0]))
    size = run.cfg.codebook_size
    run.print(f"{len(train)} training, {len(val)} held-out utterances; {run.params()} params; resuming at step {run.step}")

    def batch_loss(step):
        batch, rng = batch_at(train, order, a.seed, step, a.batch_frames)
        codes, lengths, targets = collate(batch, size, a.code_noise, rng)
        return ctc_nll(run.model(codes), lengths, targets).sum() / sum(len(t) for t in targets)

    run.train(batch_loss, lambda: evaluate(run.model, val, lambda b: collate(b, size, 0.0, None), batch=32))


if __name__ == "__main__":
    main()
