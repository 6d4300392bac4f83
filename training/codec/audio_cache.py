"""Decode speech files once into int16 arrays (one per source) so training never pays for Opus decoding.

Layout per source under the cache dir: `<name>.pcm.npy` (int16, all utterances concatenated)
and `<name>.idx.npy` (int64 offsets, n+1 entries; utterance i is pcm[idx[i]:idx[i+1]]).
"""
import json
import os
import sys
from multiprocessing import Pool

import numpy as np

SAMPLE_RATE = 16000
MIN_SECONDS = 0.5


def read_16k(path: str) -> np.ndarray:
    """Read any soundfile-readable file as float32 mono at 16 kHz; (N,)."""
    import soundfile as sf
    from scipy.signal import resample_poly

    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        g = np.gcd(rate, SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, rate // g).astype(np.float32)
    return audio


def _load(path: str):
    try:
        return read_16k(path)
    except Exception as err:  # a bad file is counted, never fatal
        return str(err)


def build_source(name: str, paths: list, cache_dir: str, workers: int = 2) -> dict:
    """Decode `paths` into the cache (skipped when already present); returns a summary dict."""
    pcm_path = os.path.join(cache_dir, f"{name}.pcm.npy")
    idx_path = os.path.join(cache_dir, f"{name}.idx.npy")
    meta_path = os.path.join(cache_dir, f"{name}.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            return json.load(f)
    os.makedirs(cache_dir, exist_ok=True)
    chunks, lengths, bad, short = [], [], 0, 0
    with Pool(workers) as pool:
        for i, audio in enumerate(pool.imap(_load, paths, chunksize=8)):
            if isinstance(audio, str):
                bad += 1
            elif len(audio) < MIN_SECONDS * SAMPLE_RATE:
                short += 1
            else:
                chunks.append(np.clip(audio * 32767.0, -32768, 32767).astype(np.int16))
                lengths.append(len(audio))
            if (i + 1) % 500 == 0:
                print(f"[cache] {name}: {i + 1}/{len(paths)}", file=sys.stderr, flush=True)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    np.save(pcm_path, np.concatenate(chunks) if chunks else np.zeros(0, np.int16))
    np.save(idx_path, offsets)
    summary = {"name": name, "files": len(paths), "kept": len(lengths), "bad": bad,
               "too_short": short, "hours": float(offsets[-1]) / SAMPLE_RATE / 3600}
    with open(meta_path, "w") as f:  # written last: its presence marks a complete cache
        json.dump(summary, f)
    return summary


def load_source(name: str, cache_dir: str):
    """(pcm int16 memmap (N,), offsets int64 (n+1,)) for a built source."""
    pcm = np.load(os.path.join(cache_dir, f"{name}.pcm.npy"), mmap_mode="r")
    return pcm, np.load(os.path.join(cache_dir, f"{name}.idx.npy"))
