"""Phonemes from the runtime's own TypeScript front end, through one long-lived node process.

The runtime entry point `node bin/parla.js phonemize --jsonl` reads JSON lines
`{"id", "text"}` on stdin and writes one line per input on stdout:
`{"id", "normalized", "phonemes": str, "ids": [int], "unknown": [str]}`, or
`{"id", "error"}` for a text it refuses (passed on as {"error": message}).
Training therefore sees exactly the symbols the runtime will produce.
"""
import json
import os
import shlex
import subprocess
import threading

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_COMMAND = ["node", os.path.join(REPO_ROOT, "bin", "parla.js"), "phonemize", "--jsonl"]


class PhonemizerError(RuntimeError):
    pass


def frontend_command() -> list:
    """The command line of the front end; PARLA_PHONEMIZE_CMD overrides it (shell words)."""
    override = os.environ.get("PARLA_PHONEMIZE_CMD")
    return shlex.split(override) if override else list(DEFAULT_COMMAND)


class Phonemizer:
    """One node process, fed in batches; use as a context manager.

    `phonemize({id: text})` -> {id: {"normalized", "phonemes", "ids", "unknown"}}.
    """

    def __init__(self, command=None, batch_size: int = 256):
        self.command = command or frontend_command()
        self.batch_size = batch_size
        self.proc = None

    def __enter__(self):
        entry = next((a for a in self.command if a.endswith(".js") or a.endswith(".mjs")), None)
        if entry and not os.path.exists(entry):
            raise PhonemizerError(f"front end entry point not found: {entry} (command: {' '.join(self.command)})")
        self.proc = subprocess.Popen(
            self.command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
        )
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def _fail(self, why: str):
        self.proc.kill()
        err = self.proc.stderr.read()[-2000:]
        hint = " (the CLI runs from dist/: run `npm install` or `npm run build`)" if "dist/" in err else ""
        raise PhonemizerError(f"{why} (command: {' '.join(self.command)}){hint}; stderr: {err.strip()}")

    def _batch(self, items: list) -> dict:
        # A writer thread keeps both pipes flowing, so a large batch cannot deadlock.
        def write():
            try:
                for utt_id, text in items:
                    self.proc.stdin.write(json.dumps({"id": utt_id, "text": text}, ensure_ascii=False) + "\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        out = {}
        while len(out) < len(items):
            line = self.proc.stdout.readline()
            if not line:
                writer.join()
                self._fail(f"front end exited after {len(out)} of {len(items)} lines")
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if "error" in rec:  # the front end refused this text; the stream goes on
                    out[rec["id"]] = {"error": str(rec["error"])}
                else:
                    out[rec["id"]] = {k: rec[k] for k in ("normalized", "phonemes", "ids", "unknown")}
            except (ValueError, KeyError) as e:
                writer.join()
                self._fail(f"front end wrote a line without id/normalized/phonemes/ids/unknown ({e}): {line[:200]!r}")
        writer.join()
        return out

    def phonemize(self, texts: dict, progress=None) -> dict:
        if self.proc is None:
            raise PhonemizerError("Phonemizer used outside `with`")
        items = list(texts.items())
        result = {}
        for start in range(0, len(items), self.batch_size):
            result.update(self._batch(items[start:start + self.batch_size]))
            if progress:
                progress(len(result), len(items))
        missing = [i for i, _ in items if i not in result]
        if missing:
            raise PhonemizerError(f"front end returned no line for ids {missing[:5]}")
        return result


def phonemize_texts(texts: dict, progress=None) -> dict:
    """Convenience: one process for one call."""
    with Phonemizer() as p:
        return p.phonemize(texts, progress)
