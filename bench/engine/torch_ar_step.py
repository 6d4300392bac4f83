"""PyTorch reference timing of the AR (training code): prefill, then one KV-cached step at a time; prints JSON.

    /usr/bin/python3 bench/engine/torch_ar_step.py --ckpt bench/models/g2/ar.pt --text 100 --groups 75 --steps 100 --threads 2

Mirrors what `parla bench engine` times in onnxruntime-node (bench/engine/ar-step-timing.ts): the same weights,
the same prompt lengths and the same number of steps, so the two step times can be divided.
"""
import argparse
import json
import statistics
import sys
import os
import time

import torch

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
from training.lm.checkpoint import load_checkpoint  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ckpt", required=True)
    p.add_argument("--text", type=int, default=100, help="text tokens in the prefill")
    p.add_argument("--groups", type=int, default=75, help="prompt code groups in the prefill")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    _, model, _ = load_checkpoint(a.ckpt)
    model.eval()
    g = model.cfg.group_size
    s = a.text + a.groups
    # Prefill (1, S): text ids then code groups, positions 0..S-1.
    text_ids = torch.zeros(1, s, dtype=torch.long)
    text_ids[0, : a.text] = torch.arange(a.text) % 100 + 4
    audio = torch.zeros(1, s, g, dtype=torch.long)
    audio[0, a.text:] = (torch.arange(a.groups * g) % 1000).view(a.groups, g)
    is_audio = torch.zeros(1, s, dtype=torch.bool)
    is_audio[0, a.text:] = True
    positions = torch.arange(s).unsqueeze(0)
    pk, pv = model.empty_cache(1)
    # A phoneme-pointer AR with pointer context takes (B, S, 3) more ids per position; zeros (the padding id)
    # cost the same as real ones, and onnxruntime-node's side feeds zeros too.
    context = (lambda n: torch.zeros(1, n, 3, dtype=torch.long)) if model.cfg.pointer_context else (lambda n: None)
    with torch.inference_mode():
        t0 = time.perf_counter()
        logits, pk, pv = model(text_ids, audio, is_audio, positions, pk, pv, torch.ones(1, s, dtype=torch.bool),
                               context(s))[:3]
        prefill_ms = (time.perf_counter() - t0) * 1000
        times = []
        code = torch.zeros(1, 1, g, dtype=torch.long)
        for i in range(a.steps):
            code[0, 0] = logits[0, -1].argmax(-1).clamp(max=model.cfg.codebook_size - 1)
            pos = torch.tensor([[s + i]])
            mask = torch.ones(1, s + i + 1, dtype=torch.bool)
            t0 = time.perf_counter()
            logits, pk, pv = model(torch.zeros(1, 1, dtype=torch.long), code, torch.ones(1, 1, dtype=torch.bool), pos, pk, pv,
                                   mask, context(1))[:3]
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"runtime": f"torch {torch.__version__}", "threads": a.threads, "prefill_ms": prefill_ms,
                      "step_ms_median": statistics.median(times), "step_ms_mean": statistics.fmean(times), "steps": a.steps}))


if __name__ == "__main__":
    main()
