"""Enumerate every utterance the corpus will hold, as plain job dicts (no audio touched here).

A job: {"id", "source", "speaker", "family", "split", "text" (raw, or None),
"audio" (input file, real speech) or "speaker_id" (synthetic)}. Splits come from
splits.py; synthetic hours are spread evenly over training families, then speakers.
"""
import bisect
import csv
import hashlib
import os

from . import splits
from .speakers import synthetic_speakers

TRAIN, HELDOUT_SPEAKERS, HELDOUT_SENTENCES = "train", "heldout_speakers", "heldout_sentences"
# Seconds of synthetic speech per word, measured on this build's voices at speed 1.0
# (edges trimmed); used only to decide how many sentences make the requested hours.
SECONDS_PER_WORD = 0.33
HELDOUT_UTTERANCES_PER_SYNTHETIC_SPEAKER = 10


def _rows(path: str) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def speechocean_jobs(data_dir: str) -> list:
    held = splits.so762_heldout_speakers(data_dir)
    root = os.path.join(data_dir, "speechocean762")
    return [{
        "id": f"so762-{r['id']}", "source": "speechocean762", "speaker": f"so762-{r['speaker']}",
        "family": "speechocean762", "split": HELDOUT_SPEAKERS if r["speaker"] in held else TRAIN,
        # Transcripts are upper-case; the front end would read all-caps words as acronyms.
        "text": (r.get("text") or "").strip().lower(),
        "audio": os.path.join(root, "audio", f"{r['id']}.opus"),
    } for r in _rows(os.path.join(root, "metadata.tsv"))]


def kathleen_jobs(data_dir: str) -> list:
    root = os.path.join(data_dir, "kathleen")
    return [{
        "id": f"kathleen-{r['id']}", "source": "kathleen", "speaker": "kathleen", "family": "kathleen",
        "split": HELDOUT_SENTENCES if splits.kathleen_is_heldout(r["id"]) else TRAIN,
        "text": (r.get("text") or "").strip(), "audio": os.path.join(root, "audio", f"{r['id']}.opus"),
    } for r in _rows(os.path.join(root, "metadata.tsv"))]


def librispeech_jobs(data_dir: str) -> list:
    root = os.path.join(data_dir, "librispeech-clips")
    return [{
        "id": f"libri-{r['id']}", "source": "librispeech", "speaker": f"libri-{r['speaker']}",
        "family": "librispeech",
        "split": HELDOUT_SPEAKERS if splits.librispeech_is_heldout(r["speaker"]) else TRAIN,
        "text": None, "audio": os.path.join(root, "audio", f"{r['id']}.opus"),
    } for r in _rows(os.path.join(root, "metadata.tsv"))]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def synthetic_jobs(train_sentences: list, heldout_sentences: list, hours: float) -> list:
    """Jobs for every synthetic speaker: training voices share `hours` evenly by family then speaker.

    Pools are sorted by sentence hash; speaker s reads consecutive sentences from the
    point where its own id's hash falls. Asking for more hours only appends utterances,
    and adding or dropping a sentence moves only its neighbours (cached audio stays valid).
    Jobs are ordered round-robin over speakers, so any prefix covers many voices.
    """
    speakers = synthetic_speakers()
    families = {}
    for s in speakers:
        families.setdefault(s.family, []).append(s)
    train_families = [f for f in families if not splits.synthetic_family_is_heldout(f)]
    per_family = hours * 3600 / max(1, len(train_families))
    pools = {False: sorted(train_sentences, key=_digest), True: sorted(heldout_sentences, key=_digest)}
    keys = {held: [_digest(t) for t in pool] for held, pool in pools.items()}
    plans = []
    for s in speakers:
        pool = pools[s.heldout]
        if not pool:
            continue
        start = bisect.bisect_left(keys[s.heldout], _digest(s.id))
        speed = s.augment.speed if s.augment else 1.0
        picked, seconds, j = [], 0.0, 0
        budget = per_family / len(families[s.family])
        while j < len(pool) and (len(picked) < HELDOUT_UTTERANCES_PER_SYNTHETIC_SPEAKER if s.heldout
                                 else seconds < budget):
            sentence = pool[(start + j) % len(pool)]
            picked.append(sentence)
            seconds += len(sentence.split()) * SECONDS_PER_WORD / speed
            j += 1
        plans.append((s, picked))
    jobs = []
    for j in range(max((len(p) for _, p in plans), default=0)):
        for s, picked in plans:
            if j < len(picked):
                digest = _digest(picked[j])[:10]
                jobs.append({
                    "id": f"{s.id}-{digest}", "source": f"synth-{s.voice.engine}", "speaker": s.id,
                    "family": s.family, "split": HELDOUT_SPEAKERS if s.heldout else TRAIN,
                    "text": picked[j], "speaker_id": s.id,
                })
    return jobs
