"""Frame-level phoneme alignments of a codes manifest, by flat-start HMM forced alignment over codec codes.

`python -m training.lm.align --manifest training/cache/lm/c6648/train.jsonl` writes `train.align.npz` next to
the manifest: for every utterance id, an int16 array (T,) giving, for each codec frame, the index into the
utterance's `phonemes` list of the token spoken there.

Why: a small AR trained on a CPU learns the text-audio alignment far too slowly (training/README.md). With
these alignments the training loss can tell a few attention heads exactly which phoneme each audio position
is saying (training/lm/guided.py), instead of only "somewhere near the diagonal".

Model: a left-to-right HMM with one state per phoneme token; a state emits codebook-0 and codebook-1 codes
from per-symbol categorical tables (independent given the symbol). Tokens without a sound of their own
(word boundaries, punctuation, stress and length marks) may be skipped. Viterbi training from a uniform
segmentation: estimate the tables from the current alignment, re-align, repeat. Codes are speaker
dependent, so the tables are blurred across 700 speakers, but the left-to-right constraint does most of the
work; a few passes settle (the changed-frame fraction per pass is printed).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

NUM_TEXT_SPECIALS = 4
# Ids 4..19: word boundary, punctuation, stress/length marks and diacritics (src/text/symbols.ts).
FIRST_LETTER_ID = 20
MAX_SKIP = 3  # longest run of skippable tokens between two states (e.g. " ˈ" before a stressed vowel)
CODEBOOKS = 2


def skippable(phonemes: np.ndarray) -> np.ndarray:
    return phonemes < FIRST_LETTER_ID


def uniform_alignment(n_frames: int, n_tokens: int) -> np.ndarray:
    return np.minimum((np.arange(n_frames) * n_tokens) // n_frames, n_tokens - 1).astype(np.int16)


def viterbi(emission: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """emission (T, N) log-likelihoods; skip (N,) bool -> state index per frame (T,), monotonic, starting in a
    state reachable from the start and ending in one that reaches the end through skippable tokens only."""
    t_len, n = emission.shape
    neg = -1e30
    # Entry: the first state, or a later one when all tokens before it are skippable.
    start = np.full(n, neg)
    start[0] = 0.0
    for j in range(1, n):
        if skip[j - 1] and start[j - 1] == 0.0:
            start[j] = 0.0
        else:
            break
    d = start + emission[0]
    back = np.zeros((t_len, n), dtype=np.int8)  # how many states back the best predecessor is (0 = stay)
    # allowed[k][j]: may jump from j-k to j (k-1 skipped tokens j-k+1..j-1, all skippable).
    allowed = [None, np.ones(n, dtype=bool)]
    run = np.ones(n, dtype=bool)
    for k in range(2, MAX_SKIP + 2):
        run = run & np.concatenate([np.zeros(k - 1, dtype=bool), skip[:n - k + 1]])
        allowed.append(run.copy())
    for t in range(1, t_len):
        best, arg = d.copy(), np.zeros(n, dtype=np.int8)
        for k in range(1, MAX_SKIP + 2):
            cand = np.full(n, neg)
            cand[k:] = d[:-k]
            cand[~allowed[k]] = neg
            better = cand > best
            best[better], arg[better] = cand[better], k
        d = best + emission[t]
        back[t] = arg
    # Exit: the last state, or an earlier one followed only by skippable tokens.
    end = n - 1
    j = n - 1
    while j > 0 and skip[j]:
        j -= 1
        if d[j] > d[end]:
            end = j
    path = np.empty(t_len, dtype=np.int16)
    j = end
    for t in range(t_len - 1, -1, -1):
        path[t] = j
        j -= back[t, j]
    return path


def estimate_tables(items, paths, vocab: int, codebook_size: int, smoothing: float = 0.5) -> np.ndarray:
    """-> log P(code | symbol) per codebook, (CODEBOOKS, vocab, codebook_size)."""
    counts = np.full((CODEBOOKS, vocab, codebook_size), smoothing)
    for (phonemes, codes), path in zip(items, paths):
        sym = phonemes[path]
        for q in range(CODEBOOKS):
            np.add.at(counts[q], (sym, codes[q]), 1.0)
    return np.log(counts / counts.sum(axis=2, keepdims=True))


def align_all(items, tables) -> list:
    out = []
    for phonemes, codes in items:
        emission = sum(tables[q][phonemes][:, codes[q]].T for q in range(CODEBOOKS))  # (T, N)
        out.append(viterbi(emission, skippable(phonemes)))
    return out


def load(manifest: str):
    root = os.path.dirname(os.path.abspath(manifest))
    ids, items = [], []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            codes = np.load(os.path.join(root, e["codes"]))[:CODEBOOKS].astype(np.int64)
            phonemes = np.asarray(e["phonemes"], dtype=np.int64)
            if len(phonemes) == 0 or codes.shape[1] < 1:
                continue
            ids.append(e["id"])
            items.append((phonemes, codes))
    return ids, items


def alignment_path(manifest: str) -> str:
    return os.path.splitext(manifest)[0] + ".align.npz"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--manifest", required=True, help="codes manifest (training/lm/extract_codes.py)")
    p.add_argument("--tables-from", help="align with the tables another run saved (held-out sets), no re-estimation")
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--vocab", type=int, default=128)
    p.add_argument("--codebook-size", type=int, default=1024)
    a = p.parse_args(argv)
    t0 = time.time()
    ids, items = load(a.manifest)
    print(f"{a.manifest}: {len(items)} utterances, {sum(c.shape[1] for _, c in items)} frames", flush=True)
    if a.tables_from:
        tables = np.load(a.tables_from)["tables"]
        paths = align_all(items, tables)
    else:
        paths = [uniform_alignment(c.shape[1], len(ph)) for ph, c in items]
        for i in range(a.passes):
            tables = estimate_tables(items, paths, a.vocab, a.codebook_size)
            new = align_all(items, tables)
            changed = sum(int((x != y).sum()) for x, y in zip(new, paths)) / sum(len(x) for x in new)
            paths = new
            print(f"pass {i + 1}: {changed:.1%} of frames changed state ({(time.time() - t0) / 60:.1f} min)", flush=True)
        tables = estimate_tables(items, paths, a.vocab, a.codebook_size)
    out = alignment_path(a.manifest)
    np.savez_compressed(out, tables=tables, **{f"id:{i}": x for i, x in zip(ids, paths)})
    print(f"wrote {out} ({(time.time() - t0) / 60:.1f} min)")


def read_alignments(path: str) -> dict:
    """-> {utterance id: (T,) int16 token index per frame}."""
    with np.load(path) as z:
        return {k[3:]: z[k] for k in z.files if k.startswith("id:")}


if __name__ == "__main__":
    sys.exit(main())
