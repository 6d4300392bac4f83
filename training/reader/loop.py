"""What the code reader's and the audio reader's trainers share: their common options, resuming (or starting from
another run's weights), the step loop with its log, held-out evaluation and checkpoints, and the CTC evaluation."""
import argparse
import os
import time

import numpy as np
import torch

from .model import ctc_nll, greedy_read


def common_args(p: argparse.ArgumentParser, steps: int, threads: int = 1) -> None:
    p.add_argument("--manifest", required=True)
    p.add_argument("--val-manifest", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=steps)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=threads)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--init-from", help="a new run starts from this run's weights and config (fresh optimizer, step 0)")


def batch_at(pairs, order, seed: int, step: int, budget: int):
    """A length-homogeneous batch: a random anchor in the length-sorted `order`, then its neighbours until their
    inputs (codes or samples) would pass `budget`; and the step's numpy generator, for augmentation."""
    rng = np.random.default_rng([seed, step])
    start = int(rng.integers(0, len(order)))
    chosen, size = [], 0
    for i in order[start:]:
        n = len(pairs[i][0])
        if chosen and size + n > budget:
            break
        chosen.append(pairs[i])
        size += n
    return chosen, rng


def learning_rate(step: int, a) -> float:
    warm = min(1.0, (step + 1) / a.warmup)
    progress = min(1.0, step / max(1, a.steps))
    return a.lr * warm * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * progress)))


def edit_distance(a, b) -> int:
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(b) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1]


@torch.no_grad()
def evaluate(model, pairs, collate, batch: int):
    """(CTC nats per phoneme, greedy phoneme error rate) over `pairs`; collate(pairs) -> (inputs, frames, targets)."""
    model.eval()
    nll = errors = phonemes = 0.0
    for i in range(0, len(pairs), batch):
        inputs, frames, targets = collate(pairs[i:i + batch])
        lp = model(inputs)
        nll += ctc_nll(lp, frames, targets).sum().item()
        for j, t in enumerate(targets):
            errors += edit_distance(t, greedy_read(lp[j], int(frames[j])))
            phonemes += len(t)
    model.train()
    return nll / phonemes, errors / phonemes


class Run:
    """A run folder: out/last.pt (weights, optimizer, step, config, kind) and out/log.txt. Opening it resumes, else
    starts from --init-from's weights and config, else from `new_config`."""

    def __init__(self, a, kind: str, model_cls, config_cls, new_config):
        self.a, self.kind = a, kind
        torch.set_num_threads(a.threads)
        os.makedirs(a.out, exist_ok=True)
        self.path = os.path.join(a.out, "last.pt")
        resume = os.path.exists(self.path)
        state = torch.load(self.path if resume else a.init_from, map_location="cpu") if resume or a.init_from else None
        self.cfg = config_cls(**state["config"]) if state else new_config()
        torch.manual_seed(a.seed)
        self.model = model_cls(self.cfg)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=a.lr, weight_decay=0.01)
        self.step = 0
        if state:
            self.model.load_state_dict(state["model"])
        if resume:
            self.opt.load_state_dict(state["optimizer"])
            self.step = state["step"]
        self.log = open(os.path.join(a.out, "log.txt"), "a")

    def print(self, line: str) -> None:
        print(line, file=self.log, flush=True)

    def params(self) -> int:
        return sum(x.numel() for x in self.model.parameters())

    def save(self) -> None:
        tmp = self.path + ".tmp"
        torch.save({"kind": self.kind, "config": self.cfg.to_dict(), "model": self.model.state_dict(),
                    "optimizer": self.opt.state_dict(), "step": self.step}, tmp)
        os.replace(tmp, self.path)

    def train(self, batch_loss, held_out) -> None:
        """Steps until --steps (or --max-minutes): batch_loss(step) -> CTC loss per phoneme of that step's batch,
        held_out() -> (loss, phoneme error rate), logged every --eval-every steps."""
        a, model = self.a, self.model
        t0 = last_save = time.time()
        model.train()
        while self.step < a.steps:
            torch.manual_seed(a.seed * 1_000_003 + self.step)
            for g in self.opt.param_groups:
                g["lr"] = learning_rate(self.step, a)
            loss = batch_loss(self.step)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            self.opt.step()
            self.step += 1
            if self.step % 50 == 0:
                self.print(f"step {self.step} loss {loss.item():.4f} lr {learning_rate(self.step - 1, a):.2e} "
                           f"{(time.time() - t0) / 60:.1f} min")
            if self.step % a.eval_every == 0 or self.step == a.steps:
                vl, per = held_out()
                self.print(f"step {self.step} val_loss {vl:.4f} val_per {per:.4f}")
            if time.time() - last_save > 120 or self.step == a.steps:
                self.save()
                last_save = time.time()
            if a.max_minutes is not None and time.time() - t0 > 60 * a.max_minutes:
                self.save()
                self.print(f"step {self.step}: --max-minutes {a.max_minutes} reached, stopping")
                break
