"""Front-end results cached on disk per text, keyed by a fingerprint of the front end's source.

Phonemizing ~10k texts through node takes minutes; a re-run of the build reuses
them unless src/text (or the npm phonemizer) changed, in which case all are redone.
"""
import glob
import hashlib
import json
import os

from .phonemize import REPO_ROOT, Phonemizer, frontend_command


def frontend_fingerprint() -> str:
    h = hashlib.sha1(" ".join(frontend_command()).encode())
    files = sorted(glob.glob(os.path.join(REPO_ROOT, "src", "text", "**", "*.ts"), recursive=True))
    files += [os.path.join(REPO_ROOT, "src", "cli", "phonemize.ts"),
              os.path.join(REPO_ROOT, "node_modules", "phonemizer", "package.json")]
    for path in files:
        if os.path.exists(path):
            with open(path, "rb") as f:
                h.update(path.encode() + b"\0" + f.read())
    return h.hexdigest()[:16]


def phonemize_cached(texts: list, cache_path: str, progress=None) -> dict:
    """text -> front-end result for every text in `texts`, running node only for the ones not cached."""
    fingerprint = frontend_fingerprint()
    cached = {}
    if os.path.exists(cache_path):
        with open(cache_path, encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # torn last line of a killed build
                if rec.get("fp") == fingerprint:
                    cached[rec["text"]] = rec["result"]
    todo = {f"t{i}": t for i, t in enumerate(t for t in dict.fromkeys(texts) if t not in cached)}
    if todo:
        with Phonemizer() as p:
            fresh = p.phonemize(todo, progress)
        os.makedirs(os.path.dirname(cache_path) or ".", exist_ok=True)
        with open(cache_path, "a", encoding="utf-8") as f:
            for tid, text in todo.items():
                cached[text] = fresh[tid]
                f.write(json.dumps({"fp": fingerprint, "text": text, "result": fresh[tid]}, ensure_ascii=False) + "\n")
    return {t: cached[t] for t in texts}
