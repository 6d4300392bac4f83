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

import numpy as np
import soundfile as sf
import torch

from .audio_reader import SAMPLE_RATE, AudioReader, AudioReaderConfig, output_frames
from .loop import Run, batch_at, common_args, evaluate
from .model import ctc_nll, ctc_targets


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


def main(argv=None):
    p = argparse.ArgumentParser(description="train the audio reader (CTC phoneme recognizer over audio)")
    common_args(p, steps=8000)
    p.add_argument("--batch-seconds", type=float, default=60.0, help="audio seconds per batch")
    p.add_argument("--max-seconds", type=float, default=12.0, help="longest utterance used")
    p.add_argument("--d-model", type=int, default=192)
    p.add_argument("--n-mels", type=int, default=64)
    p.add_argument("--dilations", default="1,2,4,1,2,4,1,1", help="one residual convolution per entry (new runs only)")
    p.add_argument("--decoded", help="comma-separated decode_gta.py folders (their audio, --manifest's phonemes)")
    p.add_argument("--decoded-share", type=float, default=0.5, help="share of batches drawn from --decoded")
    a = p.parse_args(argv)
    run = Run(a, "audio-reader", AudioReader, AudioReaderConfig,
              lambda: AudioReaderConfig(d_model=a.d_model, n_mels=a.n_mels, dilations=[int(x) for x in a.dilations.split(",")]))
    sources = [load_pairs(a.manifest, a.max_seconds)]
    if a.decoded:
        sources.append(load_decoded(a.decoded, a.manifest, a.max_seconds))
    val = load_pairs(a.val_manifest, a.max_seconds)
    orders = [sorted(range(len(src)), key=lambda i: len(src[i][0])) for src in sources]
    run.print(f"{' + '.join(str(len(src)) for src in sources)} training, {len(val)} held-out utterances; "
              f"{run.params()} params; resuming at step {run.step}")
    max_samples = int(a.batch_seconds * SAMPLE_RATE)

    def batch_loss(step):
        # Which source a batch comes from is a pure function of (seed, step) too.
        k = int(len(sources) > 1 and np.random.default_rng([a.seed, step, 1]).random() < a.decoded_share)
        batch, rng = batch_at(sources[k], orders[k], a.seed, step, max_samples)
        audio, frames, targets = collate(batch, rng)
        return ctc_nll(run.model(audio, fast=True), frames, targets).sum() / sum(len(t) for t in targets)

    run.train(batch_loss, lambda: evaluate(run.model, val, lambda b: collate(b, None), batch=16))


if __name__ == "__main__":
    main()
