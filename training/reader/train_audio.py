"""Train the audio reader (training/reader/audio_reader.py) on (audio, phonemes) pairs of a corpus manifest.

    python -m training.reader.train_audio --manifest training/cache/corpus/train.jsonl \
        --val-manifest training/cache/corpus/heldout_sentences.jsonl --out training/runs/reader/a1

Re-running the same command resumes (out/last.pt holds weights, optimizer, step and config). Batches are a pure
function of (seed, step): a random anchor in the length-sorted order and its neighbours up to --batch-seconds.
`--decoded DIR` (training/reader/decode_gta.py) adds the codec decoder's renderings of teacher-forced codes, with the
phonemes of --manifest's entries of the same id: a share of the batches (`--decoded-share`) come from them, so the
reader also learns to hear the TTS's own speech, which is what it judges.
Every item gets a random level (-35..-15 dBFS RMS) and half of them white noise at 10-40 dB SNR. The log
(out/log.txt) gives the training CTC loss per phoneme and, on the held-out manifest, the CTC loss per phoneme and
the greedy phoneme error rate.
"""
import argparse
import json
import os
import time

import numpy as np
import soundfile as sf
import torch

from .audio_reader import SAMPLE_RATE, AudioReader, AudioReaderConfig, output_frames
from .model import ctc_nll, ctc_targets, greedy_read
from .train import edit_distance, learning_rate


def load_pairs(manifest: str, max_seconds: float):
    """[(audio int16 (N,), targets)] of every 16 kHz entry whose frames can hold its phonemes under CTC."""
    root = os.path.dirname(os.path.abspath(manifest))
    pairs = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            if e["duration"] > max_seconds or not e.get("phoneme_ids"):  # untranscribed clips (LibriSpeech)
                continue
            audio, rate = sf.read(os.path.join(root, e["path"]), dtype="int16")
            if rate != SAMPLE_RATE:
                raise SystemExit(f"{e['path']}: {rate} Hz, the reader is trained at {SAMPLE_RATE}")
            if audio.ndim > 1:
                audio = audio[:, 0]
            targets = ctc_targets(e["phoneme_ids"])
            need = len(targets) + sum(a == b for a, b in zip(targets, targets[1:]))
            if targets and len(audio) >= 400 and need <= output_frames(len(audio)):
                pairs.append((audio, targets))
    if not pairs:
        raise SystemExit(f"{manifest}: no usable (audio, phonemes) pairs")
    return pairs


def load_decoded(folders: str, manifest: str, max_seconds: float):
    """[(audio int16 (N,), targets)] of decode_gta.py folders, the targets from `manifest` by utterance id."""
    with open(manifest, encoding="utf-8") as f:
        phonemes = {e["id"]: e.get("phoneme_ids") for e in map(json.loads, filter(str.strip, f))}
    pairs = []
    for folder in folders.split(","):
        audio = np.load(os.path.join(folder, "audio.npy"), mmap_mode="r")
        with open(os.path.join(folder, "index.json"), encoding="utf-8") as f:
            for uid, start, n in json.load(f)["utterances"]:
                targets = ctc_targets(phonemes.get(uid) or [])
                need = len(targets) + sum(a == b for a, b in zip(targets, targets[1:]))
                if targets and 400 <= n <= max_seconds * SAMPLE_RATE and need <= output_frames(n):
                    pairs.append((np.array(audio[start:start + n]), targets))
    if not pairs:
        raise SystemExit(f"{folders}: no decoded utterance has phonemes in {manifest}")
    return pairs


def collate(pairs, rng):
    """Zero-padded float batch (B, N), frame lengths and targets; rng = None: no augmentation (evaluation)."""
    lengths = [len(a) for a, _ in pairs]
    audio = np.zeros((len(pairs), max(lengths)), dtype=np.float32)
    for i, (a, _) in enumerate(pairs):
        x = a.astype(np.float32) / 32768.0
        if rng is not None:
            rms = float(np.sqrt(np.mean(x * x))) + 1e-8
            x = x * (10 ** (rng.uniform(-35, -15) / 20) / rms)
            if rng.random() < 0.5:
                x = x + rng.standard_normal(len(x)).astype(np.float32) * (10 ** (rng.uniform(-35, -15) / 20)) * 10 ** (-rng.uniform(10, 40) / 20)
            peak = float(np.abs(x).max())
            if peak > 0.99:
                x = x * (0.99 / peak)
        audio[i, :len(x)] = x
    frames = torch.tensor([output_frames(n) for n in lengths])
    return torch.from_numpy(audio), frames, [t for _, t in pairs]


def batch_at(pairs, order, seed: int, step: int, max_samples: int):
    rng = np.random.default_rng([seed, step])
    start = int(rng.integers(0, len(order)))
    chosen, samples = [], 0
    for i in order[start:]:
        n = len(pairs[i][0])
        if chosen and samples + n > max_samples:
            break
        chosen.append(pairs[i])
        samples += n
    return chosen, rng


@torch.no_grad()
def evaluate(model, pairs, batch: int = 16):
    """(CTC nats per phoneme, greedy phoneme error rate) over `pairs`."""
    model.eval()
    nll = errors = phonemes = 0.0
    for i in range(0, len(pairs), batch):
        audio, frames, targets = collate(pairs[i:i + batch], None)
        lp = model(audio, fast=True)
        nll += ctc_nll(lp, frames, targets).sum().item()
        for j, t in enumerate(targets):
            errors += edit_distance(t, greedy_read(lp[j], int(frames[j])))
            phonemes += len(t)
    model.train()
    return nll / phonemes, errors / phonemes


def main(argv=None):
    p = argparse.ArgumentParser(description="train the audio reader (CTC phoneme recognizer over audio)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--val-manifest", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=8000)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--batch-seconds", type=float, default=60.0, help="audio seconds per batch")
    p.add_argument("--max-seconds", type=float, default=12.0, help="longest utterance used")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--d-model", type=int, default=192)
    p.add_argument("--n-mels", type=int, default=64)
    p.add_argument("--dilations", default="1,2,4,1,2,4,1,1", help="one residual convolution per entry (new runs only)")
    p.add_argument("--decoded", help="comma-separated decode_gta.py folders (their audio, --manifest's phonemes)")
    p.add_argument("--decoded-share", type=float, default=0.5, help="share of batches drawn from --decoded")
    p.add_argument("--init-from", help="a new run starts from this run's weights and config (fresh optimizer, step 0)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "last.pt")
    resume = os.path.exists(ckpt_path)
    state = torch.load(ckpt_path if resume else a.init_from, map_location="cpu") if resume or a.init_from else None
    if state:
        cfg = AudioReaderConfig(**state["config"])
    else:
        cfg = AudioReaderConfig(d_model=a.d_model, n_mels=a.n_mels, dilations=[int(x) for x in a.dilations.split(",")])
    torch.manual_seed(a.seed)
    model = AudioReader(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    step = 0
    if state:
        model.load_state_dict(state["model"])
    if resume:
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
    sources = [load_pairs(a.manifest, a.max_seconds)]
    if a.decoded:
        sources.append(load_decoded(a.decoded, a.manifest, a.max_seconds))
    val = load_pairs(a.val_manifest, a.max_seconds)
    orders = [sorted(range(len(src)), key=lambda i: len(src[i][0])) for src in sources]
    log = open(os.path.join(a.out, "log.txt"), "a")
    print(f"{' + '.join(str(len(src)) for src in sources)} training, {len(val)} held-out utterances; "
          f"{sum(x.numel() for x in model.parameters())} params; resuming at step {step}", file=log, flush=True)
    t0, last_save = time.time(), time.time()

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"kind": "audio-reader", "config": cfg.to_dict(), "model": model.state_dict(),
                    "optimizer": opt.state_dict(), "step": step}, tmp)
        os.replace(tmp, ckpt_path)

    model.train()
    max_samples = int(a.batch_seconds * SAMPLE_RATE)
    while step < a.steps:
        # Which source a batch comes from is a pure function of (seed, step) too.
        k = int(len(sources) > 1 and np.random.default_rng([a.seed, step, 1]).random() < a.decoded_share)
        batch, rng = batch_at(sources[k], orders[k], a.seed, step, max_samples)
        audio, frames, targets = collate(batch, rng)
        torch.manual_seed(a.seed * 1_000_003 + step)
        for g in opt.param_groups:
            g["lr"] = learning_rate(step, a)
        nll = ctc_nll(model(audio, fast=True), frames, targets)
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
            vl, per = evaluate(model, val)
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
