"""Equal error rate of a speaker-encoder checkpoint on held-out speakers: `python -m training.speaker.evaluate --ckpt=PATH`.

Sets: the 20 held-out speechocean762 speakers (whole utterances; the headline number), the
held-out LibriSpeech speakers (each clip cut into 3 s segments) and Kathleen's held-out
sentences against everyone else. Writes the numbers into models/default/speaker_encoder.json.
"""
import json
import os
import sys
import time

import numpy as np
import torch

from training.speaker.cache import CACHE_DIR, SAMPLE_RATE, Source
from training.speaker.checkpoint import load_checkpoint
from training.speaker.metrics import equal_error_rate, verification_report

MODEL_JSON = os.path.join("models", "default", "speaker_encoder.json")


@torch.no_grad()
def embed_all(model, clips: list) -> np.ndarray:
    """Unit embeddings of float32 clips (each its own length), (U, D); model in eval mode."""
    model.eval()
    return np.stack([model(torch.from_numpy(np.ascontiguousarray(c))[None], fast=True)[0].numpy() for c in clips])


def so762_set(cache_dir: str = CACHE_DIR):
    src = Source("heldout-so762", cache_dir)
    return [src.utterance(i) for i in range(len(src))], list(src.speakers)


def libri_set(cache_dir: str = CACHE_DIR, segment_s: float = 3.0):
    src, seg = Source("heldout-libri", cache_dir), int(segment_s * SAMPLE_RATE)
    clips, speakers = [], []
    for i in range(len(src)):
        audio = src.utterance(i)
        for start in range(0, len(audio) - seg + 1, seg):
            clips.append(audio[start:start + seg])
            speakers.append(src.speakers[i])
    return clips, speakers


def kathleen_vs_others(model, others: np.ndarray, cache_dir: str = CACHE_DIR, seed: int = 0) -> dict:
    """Kathleen's held-out clips: every Kathleen pair vs as many random Kathleen-other pairs."""
    src = Source("heldout-kathleen", cache_dir)
    kath = embed_all(model, [src.utterance(i) for i in range(len(src))])
    i, j = np.triu_indices(len(kath), k=1)
    same = np.sum(kath[i] * kath[j], axis=1)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(len(kath), size=len(same)), rng.integers(len(others), size=len(same))
    diff = np.sum(kath[a] * others[b], axis=1)
    scores = np.concatenate([same, diff])
    labels = np.concatenate([np.ones(len(same)), np.zeros(len(diff))])
    return {"eer": equal_error_rate(scores, labels), "same_mean_cosine": float(same.mean()),
            "different_mean_cosine": float(diff.mean()), "same_trials": len(same), "different_trials": len(diff)}


def evaluate(model, full: bool = True, cache_dir: str = CACHE_DIR) -> dict:
    """{'so762_heldout': report, ...}; full=False runs only the speechocean762 set (for training-time monitoring)."""
    clips, speakers = so762_set(cache_dir)
    so_emb = embed_all(model, clips)
    out = {"so762_heldout": verification_report(so_emb, speakers)}
    if full:
        clips, speakers = libri_set(cache_dir)
        libri_emb = embed_all(model, clips)
        out["librispeech_heldout"] = verification_report(libri_emb, speakers)
        out["kathleen_vs_others"] = kathleen_vs_others(model, np.concatenate([so_emb, libri_emb]), cache_dir)
    return out


def write_model_json(results: dict, ckpt: dict, path: str = MODEL_JSON) -> None:
    """Merge the measured numbers (and what produced them) into the model's JSON card."""
    card = {}
    if os.path.exists(path):
        with open(path) as f:
            card = json.load(f)
    card.update({"config": ckpt["config"], "training": ckpt.get("summary", {}), "evaluation": results,
                 "evaluated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def main(argv):
    args = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    torch.set_num_threads(int(args.get("threads", 2)))
    model, ckpt = load_checkpoint(args["ckpt"])
    t0 = time.time()
    results = evaluate(model)
    for name, r in results.items():
        print(f"{name:22s} EER {100 * r['eer']:5.2f}%  same cos {r['same_mean_cosine']:.3f}  "
              f"different cos {r['different_mean_cosine']:.3f}  trials {r['same_trials']}+{r['different_trials']}")
    print(f"evaluated in {time.time() - t0:.0f} s")
    if args.get("write", "1") != "0":
        write_model_json(results, ckpt, args.get("out", MODEL_JSON))
        print(f"wrote {args.get('out', MODEL_JSON)}")


if __name__ == "__main__":
    from training.usage import help_requested
    help_requested(__doc__)
    main(sys.argv[1:])
