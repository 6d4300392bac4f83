"""Everything a build leaves in the corpus folder besides audio: manifests per split, rejects,
synthetic speaker table, path-free eval lists, the run log; and pruning of stale audio."""
import json
import os
import time

from . import sources
from .manifest import eval_list, write_jsonl
from .speakers import synthetic_speakers

SPLITS = (sources.TRAIN, sources.HELDOUT_SPEAKERS, sources.HELDOUT_SENTENCES)


def write_outputs(out_dir: str, records: list, rejects: list, eval_dir: str = "") -> None:
    for split in SPLITS:
        write_jsonl(os.path.join(out_dir, f"{split}.jsonl"), [r for r in records if r["split"] == split])
    write_jsonl(os.path.join(out_dir, "rejects.jsonl"), rejects)
    write_jsonl(os.path.join(out_dir, "speakers.jsonl"), [
        {"speaker": s.id, "family": s.family, "voice": s.voice.name, "engine": s.voice.engine,
         "heldout": s.heldout, "augment": s.augment.as_dict() if s.augment else None}
        for s in synthetic_speakers()])
    if eval_dir:
        for split in (sources.HELDOUT_SPEAKERS, sources.HELDOUT_SENTENCES):
            write_jsonl(os.path.join(eval_dir, f"{split}.jsonl"), eval_list([r for r in records if r["split"] == split]))


def prune_audio(out_dir: str, records: list) -> int:
    """Delete cached audio no manifest refers to (left by older sentence lists or larger builds)."""
    keep = {os.path.normpath(r["path"]) for r in records}
    removed = 0
    for folder, _, files in os.walk(os.path.join(out_dir, "audio")):
        for name in files:
            rel = os.path.normpath(os.path.relpath(os.path.join(folder, name), out_dir))
            if rel not in keep:
                os.remove(os.path.join(out_dir, rel))
                removed += 1
    return removed


def log_build(out_dir: str, **run) -> list:
    """Append this run to <out>/builds.jsonl; returns every run since the cache was created."""
    path = os.path.join(out_dir, "builds.jsonl")
    run = dict(finished=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load=round(os.getloadavg()[0], 1), **run)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(run) + "\n")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
