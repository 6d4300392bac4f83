"""Speaker-disjoint train/held-out splits shared by every training and evaluation script.

The rules are deterministic (hash-based), so any machine rebuilds the same split
without a stored list, and adding data never moves an existing speaker.
"""
import csv
import hashlib
import os

SHARED_DATA = os.environ.get(
    "PARLA_SHARED_DATA",
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"),
)

# speechocean762: 20 held-out speakers (10 female, 10 male) never used in training.
SO762_HELDOUT_PER_GENDER = 10
# Kathleen: this share of ARCTIC prompts (with every take of them) held out.
KATHLEEN_HELDOUT_PERCENT = 5


def _rank(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def so762_speakers(data_dir: str = SHARED_DATA) -> dict:
    """speaker id -> gender ('m'/'f') from speechocean762/metadata.tsv."""
    path = os.path.join(data_dir, "speechocean762", "metadata.tsv")
    with open(path, newline="", encoding="utf-8") as f:
        return {row["speaker"]: row["gender"] for row in csv.DictReader(f, delimiter="\t")}


def so762_heldout_speakers(data_dir: str = SHARED_DATA) -> set:
    """The 20 speechocean762 speakers reserved for zero-shot evaluation."""
    speakers = so762_speakers(data_dir)
    held = set()
    for gender in ("f", "m"):
        ranked = sorted((s for s, g in speakers.items() if g == gender), key=_rank)
        held.update(ranked[:SO762_HELDOUT_PER_GENDER])
    return held


def kathleen_prompt(utt_id: str) -> str:
    """'arctic_a0001_1592748574' -> 'arctic_a0001' (two takes of one prompt share it)."""
    return utt_id.rsplit("_", 1)[0]


def kathleen_is_heldout(utt_id: str) -> bool:
    return int(_rank(kathleen_prompt(utt_id)), 16) % 100 < KATHLEEN_HELDOUT_PERCENT


# Synthetic voice families held out entirely (every augmented variant of them too).
SYNTHETIC_HELDOUT_FAMILIES = ("flite-slt", "festival-ked", "espeak-en-gb-scotland")


def synthetic_family_is_heldout(family: str) -> bool:
    """True for a synthetic voice family reserved for zero-shot evaluation."""
    return family in SYNTHETIC_HELDOUT_FAMILIES


# LibriSpeech clips (no transcripts): this share of speakers held out for speaker-encoder eval.
LIBRISPEECH_HELDOUT_PERCENT = 10


def librispeech_is_heldout(speaker: str) -> bool:
    return int(_rank("librispeech:" + speaker), 16) % 100 < LIBRISPEECH_HELDOUT_PERCENT


# Source sentences for synthetic voices: this share is only ever read by held-out voices,
# so zero-shot evaluation uses both unseen voices and unseen text.
SENTENCE_HELDOUT_PERCENT = 2


def sentence_is_heldout(text: str) -> bool:
    return int(_rank("sentence:" + " ".join(text.split())), 16) % 100 < SENTENCE_HELDOUT_PERCENT
