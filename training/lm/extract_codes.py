"""Encode a corpus manifest with a codec checkpoint into the LM's (phonemes, codes) data: `python -m training.lm.extract_codes`.

    /usr/bin/python3 -m training.lm.extract_codes --codec=CKPT.pt --manifest=training/cache/corpus/train.jsonl \
        --out=training/cache/lm/NAME [--limit N] [--force]

Writes, under --out (one index per input manifest, so splits stay separate):
    <manifest stem>.jsonl           index read by training.lm.dataset.CodesDataset, one line per utterance:
                                    {id, speaker, phonemes (ids), codes, frames, samples, duration, source,
                                     family, split, weight, text}
    codes/<manifest stem>/<id>.npy  int16 codes (Q, T), T = ceil(samples / 320)
    meta.json                       the codec checkpoint (path, step, sha256 of its weights, config)
Re-running skips utterances whose .npy exists; a different codec checkpoint is refused (codes from two
codecs must never mix) unless --force, which deletes every code and index under --out first.
Utterances without phoneme ids (LibriSpeech clips) are skipped and counted.
"""
import os

# Before torch loads: spin-waiting OpenMP threads would steal the cores of a training run on the same machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.codec.audio_cache import read_16k  # noqa: E402
from training.codec.export import load_codec  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--codec", required=True, help="codec training checkpoint (.pt)")
    p.add_argument("--manifest", required=True, help="corpus manifest (JSONL), e.g. training/cache/corpus/train.jsonl")
    p.add_argument("--out", required=True, help="output folder, e.g. training/cache/lm/NAME")
    p.add_argument("--limit", type=int, default=None, help="only the first N transcribed utterances")
    p.add_argument("--force", action="store_true", help="wipe codes made by a different codec checkpoint")
    p.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines")
    return p.parse_args(argv)


def weights_hash(codec) -> str:
    """sha256 of the codec's weights and buffers (names, shapes, bytes): identifies the codes it makes,
    unlike the file's hash, which also covers optimizer and RNG state."""
    h = hashlib.sha256()
    for name, t in sorted(codec.state_dict().items()):
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def check_meta(out: str, meta: dict, force: bool) -> None:
    """Refuse to add codes to a folder made by another codec; --force wipes that folder's codes and indexes."""
    path = os.path.join(out, "meta.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
        if old.get("codec_sha256") != meta["codec_sha256"]:
            if not force:
                raise SystemExit(f"{out}: holds codes from codec checkpoint {old.get('codec_checkpoint')} "
                                 f"(step {old.get('codec_step')}, sha256 {str(old.get('codec_sha256'))[:12]}), "
                                 f"not {meta['codec_checkpoint']} (step {meta['codec_step']}, sha256 "
                                 f"{meta['codec_sha256'][:12]}); use --force to delete them and re-encode")
            shutil.rmtree(os.path.join(out, "codes"), ignore_errors=True)
            for name in os.listdir(out):
                if name.endswith(".jsonl"):
                    os.remove(os.path.join(out, name))
    os.makedirs(out, exist_ok=True)
    with open(path + ".part", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    os.replace(path + ".part", path)


def encode(codec, audio: np.ndarray) -> np.ndarray:
    """audio (N,) float32 -> codes (Q, ceil(N / hop)) int16; one utterance per pass, exactly as the runtime
    encodes a prompt (padding a batch would change the last frames: the encoder's convolutions see the pad)."""
    with torch.no_grad():
        codes = codec.encode(torch.from_numpy(audio).view(1, 1, -1))[0]
    return codes.numpy().astype(np.int16)


def save_npy(path: str, codes: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".part", "wb") as f:  # atomic: a killed run never leaves a truncated file behind
        np.save(f, codes)
    os.replace(path + ".part", path)


def index_entry(r: dict, rel: str, codes: np.ndarray, samples: int) -> dict:
    return {"id": r["id"], "speaker": r["speaker"], "phonemes": r["phoneme_ids"], "codes": rel,
            "frames": int(codes.shape[1]), "samples": samples, "duration": round(samples / 16000, 4),
            "source": r.get("source"), "family": r.get("family"), "split": r.get("split"),
            "weight": r.get("weight", 1.0), "text": r.get("normalized") or r.get("text")}


def extract(a) -> dict:
    torch.set_num_threads(1)
    codec, info = load_codec(a.codec)
    hop = codec.cfg.hop_length
    meta = {"codec_checkpoint": os.path.abspath(a.codec), "codec_step": info["step"], "codec_run": info["run"],
            "codec_sha256": weights_hash(codec), "codec_config": codec.cfg.to_dict()}
    check_meta(a.out, meta, a.force)
    stem = os.path.splitext(os.path.basename(a.manifest))[0]
    corpus_dir = os.path.dirname(os.path.abspath(a.manifest))
    with open(a.manifest, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    index = os.path.join(a.out, f"{stem}.jsonl")
    previous = {}  # a previous run's entries keep exact sample counts, which the .npy does not store
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            previous = {e["id"]: e for e in map(json.loads, filter(str.strip, f))}
    skipped, entries, done, new, t0, last = Counter(), [], 0, 0, time.time(), time.time()
    todo = [r for r in records if r.get("phoneme_ids")]
    skipped["no phoneme ids (untranscribed)"] = len(records) - len(todo)
    todo = todo[:a.limit] if a.limit is not None else todo
    for r in todo:
        rel = f"codes/{stem}/{r['id']}.npy"
        path = os.path.join(a.out, rel)
        if os.path.exists(path):
            codes = np.load(path, mmap_mode="r")
            samples = previous.get(r["id"], {}).get("samples") or int(round(r["duration"] * 16000))
            done += 1
        else:
            audio_path = os.path.join(corpus_dir, r["path"])
            if not os.path.exists(audio_path):
                skipped["missing audio file"] += 1
                continue
            try:
                audio = read_16k(audio_path)
            except Exception as err:  # a bad file is counted, never fatal
                skipped[f"unreadable audio ({type(err).__name__})"] += 1
                continue
            if audio.size == 0:
                skipped["empty audio"] += 1
                continue
            codes, samples = encode(codec, audio), int(audio.size)
            assert codes.shape[1] == -(-samples // hop), (r["id"], codes.shape, samples)
            save_npy(path, codes)
            new += 1
        entries.append(index_entry(r, rel, codes, samples))
        if time.time() - last >= a.progress_every:
            last = time.time()
            print(f"[extract_codes] {stem}: {len(entries)}/{len(todo)} ({new} encoded, {done} already done), "
                  f"{new / max(1e-9, last - t0):.2f} utt/s", file=sys.stderr, flush=True)
    with open(index + ".part", "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    os.replace(index + ".part", index)
    seconds = time.time() - t0
    return {"index": index, "utterances": len(entries), "encoded": new, "already_done": done,
            "hours": round(sum(e["duration"] for e in entries) / 3600, 3),
            "frames": sum(e["frames"] for e in entries), "skipped": dict(skipped), "seconds": round(seconds, 1),
            "utt_per_s": round(new / seconds, 2) if new else None, "codec_step": info["step"]}


def main(argv=None):
    summary = extract(parse_args(sys.argv[1:] if argv is None else argv))
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
