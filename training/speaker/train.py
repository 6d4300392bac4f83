"""Train the speaker encoder with AAM-softmax: `python -m training.speaker.train --key=value ...` (nanoGPT style).

Resumes from <out_dir>/ckpt.pt when it exists. Defaults fit a shared 2-core CPU in ~35 minutes.
"""
import math
import os
import sys
import time

import numpy as np
import torch

from training.speaker.batches import SpeakerBatches, load_noise
from training.speaker.cache import Source
from training.speaker.checkpoint import save_checkpoint
from training.speaker.config import SpeakerConfig
from training.usage import help_requested
from training.speaker.evaluate import evaluate
from training.speaker.loss import AAMSoftmax
from training.speaker.model import SpeakerEncoder, count_parameters

# ---- defaults (override with --key=value) ----
out_dir = "training/runs/speaker/default"
cache_dir = "training/cache/speaker"   # built by `python -m training.speaker.cache`
max_steps = 3000
max_minutes = 38.0          # training-time budget over all sessions: schedules follow whichever of steps or time runs out first
batch_size = 64
lr = 3e-3
min_lr = 1e-4
warmup_steps = 100
weight_decay = 1e-4
margin = 0.2
margin_ramp = 0.4           # share of training over which the margin grows from 0 to `margin`
scale = 30.0
synthetic_weight = 0.15     # share of the batch drawn from synthetic speakers (when the corpus exists)
threads = 2
seed = 1337
log_interval = 20
eval_interval = 400         # held-out speechocean762 EER while training (monitoring only; the final checkpoint is used)
ckpt_interval = 200
channels = 128
stats_channels = 384
embedding_dim = 192
n_mels = 40
# ----------------------------------------------
help_requested(__doc__)
_keys = [k for k, v in dict(globals()).items() if not k.startswith("_") and isinstance(v, (int, float, str))]
for _arg in sys.argv[1:]:
    _k, _v = _arg[2:].split("=", 1)
    if _k not in _keys:
        sys.exit(f"unknown option --{_k} (options: {', '.join(_keys)})")
    globals()[_k] = type(globals()[_k])(_v)
train_args = {k: globals()[k] for k in _keys}

torch.set_num_threads(threads)
torch.manual_seed(seed)
ckpt_path = os.path.join(out_dir, "ckpt.pt")
resume = torch.load(ckpt_path, map_location="cpu") if os.path.exists(ckpt_path) else None

real = [Source(n, cache_dir) for n in ("so762", "libri", "kathleen")]
pools = [(1.0 - synthetic_weight, real)]
if os.path.exists(os.path.join(cache_dir, "synthetic.json")) and synthetic_weight > 0:
    pools.append((synthetic_weight, [Source("synthetic", cache_dir)]))
data = SpeakerBatches(pools, load_noise(), seed=seed + (resume["step"] if resume else 0))
if resume:
    assert resume["speakers"] == data.speakers, "the cached speakers changed since this checkpoint; use a new out_dir"

cfg = SpeakerConfig.from_dict(resume["config"]) if resume else SpeakerConfig(
    n_mels=n_mels, channels=channels, stats_channels=stats_channels, embedding_dim=embedding_dim)
model = SpeakerEncoder(cfg)
head = AAMSoftmax(cfg.embedding_dim, len(data.speakers), margin=margin, scale=scale)
optimizer = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=lr, weight_decay=weight_decay)
step = 0
summary = {"train_seconds": 0.0, "speakers": len(data.speakers), "pools": [[w, [s.name for s in ss]] for w, ss in pools]}
if resume:
    model.load_state_dict(resume["model"])
    head.load_state_dict(resume["head"])
    optimizer.load_state_dict(resume["optimizer"])
    step, summary = resume["step"], resume["summary"]
print(f"encoder {count_parameters(model)} params, head {count_parameters(head)}; {len(data.speakers)} speakers; "
      f"{'resuming at step ' + str(step) if resume else 'from scratch'}", flush=True)


def progress() -> float:
    """Share of training done, by steps or by time, whichever is further: on a busy shared CPU the
    step rate is unknown in advance, and the schedule must still finish its decay."""
    seconds = summary["train_seconds"] + time.time() - t_last
    return max(step / max_steps, seconds / (60 * max_minutes))


def lr_at(it: int, done: float) -> float:
    if it < warmup_steps:
        return lr * (it + 1) / warmup_steps
    return min_lr + 0.5 * (1 + math.cos(math.pi * min(1.0, done))) * (lr - min_lr)


def save():
    summary.update(steps=step, batch_size=batch_size)
    save_checkpoint(ckpt_path, model, head, optimizer, step, train_args, data.speakers, summary)


t_last = time.time()
losses, accs = [], []
while progress() < 1.0:
    model.train()
    done = progress()
    for group in optimizer.param_groups:
        group["lr"] = lr_at(step, done)
    audio, labels = data.next(batch_size)
    loss, acc = head(model.embedding(torch.from_numpy(audio), fast=True), torch.from_numpy(labels),
                     margin=margin * min(1.0, done / margin_ramp))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    step += 1
    losses.append(loss.item())
    accs.append(acc.item())
    if step % log_interval == 0:
        now = time.time()
        summary["train_seconds"] += now - t_last
        print(f"step {step} loss {np.mean(losses):.3f} acc {np.mean(accs):.3f} lr {optimizer.param_groups[0]['lr']:.2e} done {done:.2f} "
              f"{(now - t_last) / log_interval:.2f} s/step", flush=True)
        t_last, losses, accs = now, [], []
    if step % ckpt_interval == 0:
        save()
    if step % eval_interval == 0:
        r = evaluate(model, full=False, cache_dir=cache_dir)["so762_heldout"]
        print(f"step {step} held-out so762 EER {100 * r['eer']:.2f}% same {r['same_mean_cosine']:.3f} "
              f"different {r['different_mean_cosine']:.3f}", flush=True)
        t_last = time.time()
summary["train_seconds"] += time.time() - t_last
save()
print(f"saved {ckpt_path} at step {step}; {summary['train_seconds'] / 60:.1f} min of training in total", flush=True)
