"""Front-end results cached on disk per text, keyed by a fingerprint of the front end's source.

Phonemizing ~10k texts through node takes minutes; a re-run of the build reuses
them unless the front end the command runs (dist/text, or src/text when there is no
build; the npm phonemizer) changed, in which case all are redone.
"""
import glob
import hashlib
import json
import os

from .phonemize import REPO_ROOT, Phonemizer, frontend_command


def _frontend_files(command: list) -> list:
    """The compiled front end the command runs (dist/ next to its bin/ entry), else the TypeScript source."""
    entry = next((a for a in command if a.endswith(".js")), None)
    dist = os.path.join(os.path.dirname(os.path.abspath(entry)), "..", "dist") if entry else ""
    if dist and os.path.isdir(os.path.join(dist, "text")):
        files = glob.glob(os.path.join(dist, "text", "**", "*.js"), recursive=True)
        files.append(os.path.join(dist, "cli", "phonemize.js"))
    else:
        files = glob.glob(os.path.join(REPO_ROOT, "src", "text", "**", "*.ts"), recursive=True)
        files.append(os.path.join(REPO_ROOT, "src", "cli", "phonemize.ts"))
    return sorted(files) + [os.path.join(REPO_ROOT, "node_modules", "phonemizer", "package.json")]


def frontend_fingerprint() -> str:
    command = frontend_command()
    h = hashlib.sha1(" ".join(command).encode())
    for path in _frontend_files(command):
        if os.path.exists(path):
            with open(path, "rb") as f:
                h.update(os.path.basename(path).encode() + b"\0" + f.read())
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
