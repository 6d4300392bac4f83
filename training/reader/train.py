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
import time

import numpy as np
import torch

from .model import CodeReader, ReaderConfig, ctc_nll, ctc_targets, greedy_read


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


def batch_at(pairs, order, seed: int, step: int, max_frames: int):
    """A length-homogeneous batch: a random anchor in the length-sorted order, then its neighbours up to max_frames."""
    rng = np.random.default_rng([seed, step])
    start = int(rng.integers(0, len(order)))
    chosen, frames = [], 0
    for i in order[start:]:
        n = len(pairs[i][0])
        if chosen and frames + n > max_frames:
            break
        chosen.append(pairs[i])
        frames += n
    return chosen, rng


def edit_distance(a, b) -> int:
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(b) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1]


@torch.no_grad()
def evaluate(model, pairs, codebook_size: int, batch: int = 32):
    """(CTC nats per phoneme, greedy phoneme error rate) over `pairs`."""
    model.eval()
    nll = errors = phonemes = 0.0
    for i in range(0, len(pairs), batch):
        codes, lengths, targets = collate(pairs[i:i + batch], codebook_size, 0.0, None)
        lp = model(codes)
        nll += ctc_nll(lp, lengths, targets).sum().item()
        for j, t in enumerate(targets):
            errors += edit_distance(t, greedy_read(lp[j], int(lengths[j])))
            phonemes += len(t)
    model.train()
    return nll / phonemes, errors / phonemes


def learning_rate(step: int, a) -> float:
    warm = min(1.0, (step + 1) / a.warmup)
    progress = min(1.0, step / max(1, a.steps))
    return a.lr * warm * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * progress)))


def main(argv=None):
    p = argparse.ArgumentParser(description="train the code reader (CTC over codebook-0 codes)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--val-manifest", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--batch-frames", type=int, default=12000, help="codec frames per batch")
    p.add_argument("--max-frames", type=int, default=1000, help="longest utterance used")
    p.add_argument("--code-noise", type=float, default=0.1, help="share of input codes replaced at random")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--d-model", type=int, default=192)
    p.add_argument("--dilations", default="1,1,2,2,4,1", help="one residual convolution per entry (new runs only)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "last.pt")
    if os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location="cpu")
        cfg = ReaderConfig(**state["config"])
    else:
        state, cfg = None, ReaderConfig(d_model=a.d_model, dilations=[int(x) for x in a.dilations.split(",")])
    torch.manual_seed(a.seed)
    model = CodeReader(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    step = 0
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
    train = load_pairs(a.manifest, a.max_frames)
    val = load_pairs(a.val_manifest, a.max_frames)
    order = sorted(range(len(train)), key=lambda i: len(train[i][0]))
    log = open(os.path.join(a.out, "log.txt"), "a")
    print(f"{len(train)} training, {len(val)} held-out utterances; {sum(x.numel() for x in model.parameters())} "
          f"params; resuming at step {step}", file=log, flush=True)
    t0, last_save = time.time(), time.time()

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"kind": "reader", "config": cfg.to_dict(), "model": model.state_dict(),
                    "optimizer": opt.state_dict(), "step": step}, tmp)
        os.replace(tmp, ckpt_path)

    model.train()
    while step < a.steps:
        batch, rng = batch_at(train, order, a.seed, step, a.batch_frames)
        codes, lengths, targets = collate(batch, cfg.codebook_size, a.code_noise, rng)
        torch.manual_seed(a.seed * 1_000_003 + step)
        for g in opt.param_groups:
            g["lr"] = learning_rate(step, a)
        nll = ctc_nll(model(codes), lengths, targets)
        loss = nll.sum() / sum(len(t) for t in targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f} lr {learning_rate(step - 1, a):.2e} "
                  f"{(time.time() - t0) / 60:.1f} min", file=log, flush=True)
        if step % a.eval_every == 0 or step == a.steps:
            vl, per = evaluate(model, val, cfg.codebook_size)
            print(f"step {step} val_loss {vl:.4f} val_per {per:.4f}", file=log, flush=True)
        if time.time() - last_save > 120 or step == a.steps:
            save()
            last_save = time.time()
        if a.max_minutes is not None and time.time() - t0 > 60 * a.max_minutes:
            save()
            print(f"step {step}: --max-minutes {a.max_minutes} reached, stopping", file=log, flush=True)
            break


if __name__ == "__main__":
    main()
