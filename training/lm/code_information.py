"""How predictable each codebook is, and from what: held-out cross-entropies of the codes of a codes manifest.

`python -m training.lm.code_information --manifest training/cache/lm/c6648/train.jsonl` prints, for codebook q,
the cross-entropy (nats per frame) of q's code on held-out utterances under smoothed count models fitted on the
others: unconditional, given codebook 0 at the same frame, given the previous frame's code of q, and (with
alignments, training/lm/align.py) given the phoneme spoken there.

Why: a NAR for codebooks 1..7 can only help if their codes can be predicted from what it sees (phonemes, codebook
0, the prompt). Measured on the cpu1 codec's codes (training/README.md): codebook 0 drops from 6.70 to 5.46 nats
given the phoneme, codebook 1 only from 6.83 to 6.63 and not at all given codebook 0, which is why the shipped
model has no NAR. Count models are a floor on what a small network learns from the same single condition, not a
ceiling on what it learns from all of them together.
"""
import argparse
import json
import os
import random
from collections import Counter
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import numpy as np

# Interpolation with the unigram: weight n / (n + SMOOTHING) on a condition's counts seen n times.
SMOOTHING = 20.0


class Utterance:
    def __init__(self, codes: np.ndarray, phonemes: Optional[np.ndarray]):
        self.codes = codes  # [Q, T]
        self.phonemes = phonemes  # [T] symbol id spoken at each frame, or None without alignments


Condition = Callable[[Utterance, int], Sequence]


def unconditional(u: Utterance, q: int) -> Sequence:
    return [0] * u.codes.shape[1]


def same_frame_codebook0(u: Utterance, q: int) -> Sequence:
    return u.codes[0].tolist()


def previous_frame(u: Utterance, q: int) -> Sequence:
    return [-1] + u.codes[q, :-1].tolist()


def aligned_phoneme(u: Utterance, q: int) -> Sequence:
    return u.phonemes.tolist()


def cross_entropy(train: Iterable[Utterance], test: Iterable[Utterance], q: int, condition: Condition,
                  vocab: int) -> float:
    """Nats per frame of codebook q on `test` under a count model of p(code | condition) fitted on `train`,
    interpolated with the add-one unigram of `train`."""
    joint: Counter = Counter()
    seen: Counter = Counter()
    unigram = np.ones(vocab)
    for u in train:
        for c, code in zip(condition(u, q), u.codes[q].tolist()):
            joint[(c, code)] += 1
            seen[c] += 1
            unigram[code] += 1
    unigram /= unigram.sum()
    total, frames = 0.0, 0
    for u in test:
        for c, code in zip(condition(u, q), u.codes[q].tolist()):
            n = seen[c]
            weight = n / (n + SMOOTHING)
            total -= np.log(weight * joint[(c, code)] / max(n, 1) + (1 - weight) * unigram[code])
            frames += 1
    if frames == 0:
        raise ValueError("no held-out frames")
    return total / frames


def report(utterances: List[Utterance], codebooks: Sequence[int], vocab: int, held_out: float = 0.5
           ) -> List[Tuple[int, str, float]]:
    """(codebook, condition name, held-out nats per frame) for every codebook and condition that applies."""
    cut = int(len(utterances) * (1 - held_out))
    train, test = utterances[:cut], utterances[cut:]
    if not train or not test:
        raise ValueError(f"need utterances on both sides of the split, got {len(utterances)}")
    conditions = [("unconditional", unconditional), ("codebook 0, same frame", same_frame_codebook0),
                  ("previous frame", previous_frame)]
    if all(u.phonemes is not None for u in utterances):
        conditions.append(("aligned phoneme", aligned_phoneme))
    rows = []
    for q in codebooks:
        for name, cond in conditions:
            if q == 0 and cond is same_frame_codebook0:
                continue
            rows.append((q, name, cross_entropy(train, test, q, cond, vocab)))
    return rows


def load(manifest: str, alignments: Optional[str], limit: int, seed: int) -> List[Utterance]:
    rows = [json.loads(line) for line in open(manifest) if line.strip()]
    random.Random(seed).shuffle(rows)
    table = np.load(alignments) if alignments else None
    base = os.path.dirname(manifest)
    out = []
    for r in rows:
        phonemes = None
        if table is not None:
            key = "id:" + r["id"]
            if key not in table.files:
                continue
            phonemes = np.asarray(r["phonemes"])[table[key]]
        out.append(Utterance(np.load(os.path.join(base, r["codes"])), phonemes))
        if len(out) == limit:
            break
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--manifest", required=True, help="codes manifest (training/lm/extract_codes.py)")
    p.add_argument("--alignments", help="align.py output; default: <manifest>.align.npz when it exists")
    p.add_argument("--codebooks", default="0,1,2", help="comma-separated codebooks to report")
    p.add_argument("--limit", type=int, default=4000, help="utterances used (shuffled), half of them held out")
    p.add_argument("--vocab", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    alignments = a.alignments
    if alignments is None and os.path.exists(os.path.splitext(a.manifest)[0] + ".align.npz"):
        alignments = os.path.splitext(a.manifest)[0] + ".align.npz"
    utterances = load(a.manifest, alignments, a.limit, a.seed)
    print(f"{len(utterances)} utterances, {sum(u.codes.shape[1] for u in utterances)} frames; held-out nats per frame")
    for q, name, nats in report(utterances, [int(x) for x in a.codebooks.split(",")], a.vocab):
        print(f"codebook {q}  {name:<24} {nats:.3f}")


if __name__ == "__main__":
    main()
