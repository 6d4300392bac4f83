"""Which files feed the codec: shared real speech (held-out speakers/sentences excluded) and corpus manifests."""
import csv
import hashlib
import json
import os

from training.data import splits


def _tsv(path: str) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def real_sources(data_dir: str = splits.SHARED_DATA, heldout: bool = False) -> dict:
    """name -> list of audio paths. heldout=False gives training files, True the held-out ones."""
    so_dir = os.path.join(data_dir, "speechocean762")
    held_speakers = splits.so762_heldout_speakers(data_dir)
    so = [os.path.join(so_dir, "audio", r["id"] + ".opus") for r in _tsv(os.path.join(so_dir, "metadata.tsv"))
          if (r["speaker"] in held_speakers) == heldout]
    k_dir = os.path.join(data_dir, "kathleen")
    kath = [os.path.join(k_dir, "audio", r["id"] + ".opus") for r in _tsv(os.path.join(k_dir, "metadata.tsv"))
            if splits.kathleen_is_heldout(r["id"]) == heldout]
    out = {"so762": so, "kathleen": kath}
    if not heldout:  # LibriSpeech clips are training-only (no held-out speakers defined there)
        l_dir = os.path.join(data_dir, "librispeech-clips")
        out["libri"] = [os.path.join(l_dir, "audio", r["id"] + ".opus")
                        for r in _tsv(os.path.join(l_dir, "metadata.tsv"))]
    return out


def manifest_paths(manifest: str) -> list:
    """Audio paths from a JSONL (key 'path' or 'audio') or TSV (column 'path') manifest; relative to it."""
    base = os.path.dirname(os.path.abspath(manifest))
    if manifest.endswith(".jsonl"):
        with open(manifest, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        paths = [r.get("path") or r.get("audio") for r in rows]
    else:
        paths = [r["path"] for r in _tsv(manifest)]
    return [p if os.path.isabs(p) else os.path.join(base, p) for p in paths if p]


def manifest_source_name(manifest: str) -> str:
    """Stable cache name for a manifest: its file stem plus a short hash of its absolute path."""
    stem = os.path.splitext(os.path.basename(manifest))[0]
    return f"manifest-{stem}-{hashlib.sha1(os.path.abspath(manifest).encode()).hexdigest()[:8]}"
