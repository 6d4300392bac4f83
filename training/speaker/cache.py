"""Decode speaker-labelled speech once into int16 arrays under training/cache/speaker/ (git-ignored): `python -m training.speaker.cache`.

Per source `<name>`: `<name>.pcm.npy` (int16, utterances concatenated), `<name>.idx.npy` (int64
offsets, n+1), `<name>.json` (ids, speakers, summary; written last so its presence marks a
complete cache). Sources: training and held-out speechocean762, Kathleen and LibriSpeech clips
(held-out rules from training/data/splits.py), plus the synthetic corpus manifests when present.
"""
import csv
import json
import os
import sys
from multiprocessing import Pool

import numpy as np

from training.codec.audio_cache import read_16k
from training.data import splits

CACHE_DIR = os.path.join("training", "cache", "speaker")
CORPUS_DIR = os.path.join("training", "cache", "corpus")
CODEC_CACHE_DIR = os.path.join("training", "cache", "codec")
SAMPLE_RATE = 16000


def _tsv(path: str) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def real_sources(data_dir: str = splits.SHARED_DATA) -> dict:
    """name -> list of (id, speaker, path) for the real corpora, split into train and held-out."""
    so_dir, k_dir, l_dir = (os.path.join(data_dir, d) for d in ("speechocean762", "kathleen", "librispeech-clips"))
    held = splits.so762_heldout_speakers(data_dir)
    out = {"so762": [], "heldout-so762": [], "kathleen": [], "heldout-kathleen": [], "libri": [], "heldout-libri": []}
    for r in _tsv(os.path.join(so_dir, "metadata.tsv")):
        name = "heldout-so762" if r["speaker"] in held else "so762"
        out[name].append((r["id"], "so762-" + r["speaker"], os.path.join(so_dir, "audio", r["id"] + ".opus")))
    for r in _tsv(os.path.join(k_dir, "metadata.tsv")):
        name = "heldout-kathleen" if splits.kathleen_is_heldout(r["id"]) else "kathleen"
        out[name].append((r["id"], "kathleen", os.path.join(k_dir, "audio", r["id"] + ".opus")))
    for r in _tsv(os.path.join(l_dir, "metadata.tsv")):
        name = "heldout-libri" if splits.librispeech_is_heldout(r["speaker"]) else "libri"
        out[name].append((r["id"], "libri-" + r["speaker"], os.path.join(l_dir, "audio", r["id"] + ".opus")))
    return out


def synthetic_source(corpus_dir: str = CORPUS_DIR) -> list:
    """(id, speaker, path) of synthetic training-split utterances from the corpus manifest; [] if not built."""
    manifest = os.path.join(corpus_dir, "train.jsonl")
    if not os.path.exists(manifest):
        return []
    with open(manifest, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    keep = [r for r in rows if r.get("source") not in ("speechocean762", "kathleen", "librispeech")
            and r.get("split", "train") == "train"
            and not splits.synthetic_family_is_heldout(r.get("family") or "")]
    return [(r["id"], "syn-" + r["speaker"], os.path.join(corpus_dir, r["path"])) for r in keep]


def _load(path: str):
    try:
        return read_16k(path)
    except Exception as err:  # a bad file is counted, never fatal
        return str(err)


def codec_cache_decoder(cache_dir: str = CODEC_CACHE_DIR) -> dict:
    """path -> zero-argument loader for files the codec cache already decoded (same reader, int16), so they are not decoded twice."""
    from training.codec.audio_cache import load_source
    from training.codec.sources import real_sources as codec_sources

    found = {}
    for heldout in (False, True):
        for name, paths in codec_sources(heldout=heldout).items():
            name = ("heldout-" if heldout else "") + name
            meta = os.path.join(cache_dir, f"{name}.json")
            if not os.path.exists(meta):
                continue
            with open(meta) as f:
                if json.load(f)["kept"] != len(paths):  # a dropped file would shift the indices: do not trust it
                    continue
            pcm, idx = load_source(name, cache_dir)
            for k, path in enumerate(paths):
                found[os.path.abspath(path)] = (lambda pcm=pcm, a=idx[k], b=idx[k + 1]: np.asarray(pcm[a:b]).astype(np.float32) / 32767.0)
    return found


def build_source(name: str, items: list, cache_dir: str = CACHE_DIR, workers: int = 2, decoded: dict = None) -> dict:
    """Decode (id, speaker, path) items into the cache unless already there; returns its json dict.

    decoded: optional path -> loader of already-decoded audio (see codec_cache_decoder).
    """
    meta_path = os.path.join(cache_dir, f"{name}.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            return json.load(f)
    os.makedirs(cache_dir, exist_ok=True)
    decoded = decoded or {}
    todo = [p for _, _, p in items if os.path.abspath(p) not in decoded]
    chunks, lengths, ids, speakers, bad = [], [], [], [], 0
    with Pool(workers) as pool:
        fresh = dict(zip(todo, pool.imap(_load, todo, chunksize=8)))
        for utt, spk, path in items:
            audio = decoded[os.path.abspath(path)]() if os.path.abspath(path) in decoded else fresh[path]
            if isinstance(audio, str) or len(audio) < SAMPLE_RATE // 2:
                bad += 1
                continue
            chunks.append(np.clip(audio * 32767.0, -32768, 32767).astype(np.int16))
            lengths.append(len(audio))
            ids.append(utt)
            speakers.append(spk)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    np.save(os.path.join(cache_dir, f"{name}.pcm.npy"), np.concatenate(chunks) if chunks else np.zeros(0, np.int16))
    np.save(os.path.join(cache_dir, f"{name}.idx.npy"), offsets)
    meta = {"name": name, "kept": len(ids), "bad": bad, "speakers_count": len(set(speakers)),
            "hours": float(offsets[-1]) / SAMPLE_RATE / 3600, "ids": ids, "speakers": speakers}
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return meta


class Source:
    """One cached source: `utterance(i)` -> float32 (N,) in [-1, 1]; `speakers[i]` its speaker id."""

    def __init__(self, name: str, cache_dir: str = CACHE_DIR):
        with open(os.path.join(cache_dir, f"{name}.json")) as f:
            meta = json.load(f)
        self.name, self.ids, self.speakers = name, meta["ids"], meta["speakers"]
        self.pcm = np.load(os.path.join(cache_dir, f"{name}.pcm.npy"), mmap_mode="r")
        self.offsets = np.load(os.path.join(cache_dir, f"{name}.idx.npy"))

    def __len__(self) -> int:
        return len(self.ids)

    def utterance(self, i: int) -> np.ndarray:
        return np.asarray(self.pcm[self.offsets[i]:self.offsets[i + 1]], dtype=np.float32) / 32768.0


if __name__ == "__main__":  # python -m training.speaker.cache
    from training.usage import help_requested
    help_requested(__doc__)
    jobs = real_sources()
    syn = synthetic_source()
    if syn:
        jobs["synthetic"] = syn
    decoded = codec_cache_decoder()
    for name, items in jobs.items():
        m = build_source(name, items, decoded=decoded)
        print(f"{name:18s} {m['kept']:5d} utts  {m['speakers_count']:4d} speakers  {m['hours']:.2f} h  bad {m['bad']}", flush=True)
