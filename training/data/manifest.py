"""Manifest records (one JSON line per utterance), sampling weights, and reading manifests back.

Record: {"id", "path" (relative to the manifest's folder, the corpus dir), "duration" (s), "speaker", "source",
"family", "split", "text", "normalized", "phonemes", "phoneme_ids", "weight"}.
text/normalized/phonemes/phoneme_ids are null for untranscribed audio (LibriSpeech clips):
codec and speaker-encoder data only.
"""
import json
import os

from .process import audio_relpath

# Share of sampled training utterances that should be real transcribed speech;
# real speech is scarce and closest to what users will clone, so it is up-weighted.
REAL_SAMPLE_SHARE = 0.5
REAL_SOURCES = ("speechocean762", "kathleen", "librispeech")


def make_record(job: dict, duration: float) -> dict:
    return {
        "id": job["id"], "path": audio_relpath(job), "duration": duration, "speaker": job["speaker"],
        "source": job["source"], "family": job["family"], "split": job["split"], "text": job.get("text"),
        "normalized": job.get("normalized"), "phonemes": job.get("phonemes"),
        "phoneme_ids": job.get("phoneme_ids"), "weight": 1.0,
    }


def real_weight(records: list) -> float:
    """Per-utterance weight for real speech so it makes REAL_SAMPLE_SHARE of sampled training utterances."""
    train = [r for r in records if r["split"] == "train" and r["phonemes"] is not None]
    real = sum(r["source"] in REAL_SOURCES for r in train)
    synthetic = len(train) - real
    if real == 0 or synthetic == 0:
        return 1.0
    return round(max(1.0, REAL_SAMPLE_SHARE / (1 - REAL_SAMPLE_SHARE) * synthetic / real), 3)


def apply_weights(records: list) -> float:
    w = real_weight(records)
    for r in records:
        r["weight"] = w if r["source"] in REAL_SOURCES else 1.0
    return w


def write_jsonl(path: str, records: list) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_manifest(path: str, transcribed_only: bool = False) -> list:
    """Records of one split; with transcribed_only, only those that carry phonemes (for the LM)."""
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if r["phonemes"] is not None] if transcribed_only else records


def eval_list(records: list) -> list:
    """Path-free, text-free held-out lists for training/eval/: what to evaluate on, not where the audio lives.

    Transcripts stay out of the repository (they come from ../shared/data or its book text); the corpus
    manifests under training/cache/corpus/ and the corpora's metadata.tsv have them by id.
    """
    keep = ("id", "source", "speaker", "family", "duration")
    return [{k: r[k] for k in keep} for r in sorted(records, key=lambda r: r["id"])]
