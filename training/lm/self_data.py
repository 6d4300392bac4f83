"""Self-generated AR training data (training/lm/self_generate.mjs output) -> a manifest training.lm.train reads.

    python -m training.lm.self_data --generated training/cache/lm/self1/gen.jsonl --out training/cache/lm/self1/train.jsonl

Writes OUT (one entry per line: id, speaker, phonemes, codes, and `prompt` or `prompt_only`), OUT's packed codes
(`.codes.npz`, codebook 0 as (1, T) arrays: the AR reads only codebook 0) and its alignments (`.align.npz`, the
pointer's phoneme index per frame, as training.lm.align writes them). Targets whose alignment does not reach the last
phoneme (the pointer stopped early: the engine's output skipped words) are left out, as are ones whose alignment
length does not match their codes.
"""
import argparse
import json
import os
import sys

import numpy as np

from .align import alignment_path
from .dataset import PACKED_SUFFIX


def convert(generated: str, out: str, min_coverage: float = 1.0) -> dict:
    """-> counts {"prompts", "targets", "dropped"}."""
    entries, codes, aligns, dropped = [], {}, {}, 0
    with open(generated, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for r in rows:
        key = f"codes/{r['id']}.npy"
        c0 = np.asarray(r["c0"], dtype=np.int16).reshape(1, -1)
        entry = {"id": r["id"], "speaker": r["speaker"], "phonemes": r["phonemes"], "codes": key}
        if r.get("prompt_only"):
            entry["prompt_only"] = True
        else:
            align = np.asarray(r.get("align") or [], dtype=np.int16)
            reached = (int(align.max()) + 1) / len(r["phonemes"]) if len(align) else 0.0
            if len(align) != c0.shape[1] or reached < min_coverage:
                dropped += 1
                continue
            entry["prompt"] = r["prompt"]
            aligns[f"id:{r['id']}"] = align
        entries.append(entry)
        codes[key] = c0
    named = {e["id"] for e in entries}
    missing = sorted({e["prompt"] for e in entries if "prompt" in e} - named)
    if missing:
        raise ValueError(f"{generated}: prompts {missing[:3]} are named but have no prompt_only line")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")
    np.savez(os.path.splitext(out)[0] + PACKED_SUFFIX, **codes)
    np.savez_compressed(alignment_path(out), **aligns)
    prompts = sum(1 for e in entries if e.get("prompt_only"))
    return {"prompts": prompts, "targets": len(entries) - prompts, "dropped": dropped}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--generated", required=True, help="self_generate.mjs output (JSONL)")
    p.add_argument("--out", required=True, help="manifest to write (.jsonl)")
    p.add_argument("--min-coverage", type=float, default=1.0,
                   help="keep targets whose pointer reached at least this share of their phonemes")
    a = p.parse_args(argv)
    counts = convert(a.generated, a.out, a.min_coverage)
    print(f"{a.out}: {counts['targets']} targets, {counts['prompts']} prompts, {counts['dropped']} dropped")


if __name__ == "__main__":
    sys.exit(main())
