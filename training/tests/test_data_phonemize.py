"""The Python adapter returns exactly what the runtime front end (`parla phonemize --jsonl`) returns."""
import json
import subprocess

import pytest

from training.data.phonemize import REPO_ROOT, Phonemizer, PhonemizerError, frontend_command

TEXTS = {
    "so762": "we call it bear",
    "kathleen": "Author of the danger trail, Philip Steels, etc.",
    "numbers": "In 1776, it cost $4.50 for 3 pounds.",
    "quotes": "\u201cReally, Mr. Holmes,\u201d said he \u2014 \u201cI do not know.\u201d",
    "unicode": "Caf\u00e9 na\u00efvet\u00e9, sm\u00f6rg\u00e5sbord!",
    "question": "Would you please, sir, march upstairs?",
    "long": " ".join(["The quick brown fox jumps over the lazy dog."] * 12),
}


def one_shot(utt_id, text):
    """The front end run once per text, as a separate process (no batching, no adapter)."""
    line = json.dumps({"id": utt_id, "text": text}) + "\n"
    run = subprocess.run(frontend_command(), input=line, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def adapter_output():
    # Batches of 3 so the 7 texts span several round trips through one process.
    with Phonemizer(batch_size=3) as p:
        return p.phonemize(TEXTS)


@pytest.mark.parametrize("utt_id", sorted(TEXTS))
def test_adapter_matches_the_runtime_front_end(adapter_output, utt_id):
    direct = one_shot(utt_id, TEXTS[utt_id])
    assert direct["id"] == utt_id
    got = adapter_output[utt_id]
    assert got["ids"] == direct["ids"] and got["phonemes"] == direct["phonemes"]
    assert got["normalized"] == direct["normalized"] and got["unknown"] == direct["unknown"]
    assert len(got["ids"]) > 0 and all(isinstance(i, int) for i in got["ids"])


def test_many_texts_stream_through_one_process():
    texts = {f"n{i}": f"Sentence number {i} is here." for i in range(300)}
    with Phonemizer(batch_size=256) as p:
        out = p.phonemize(texts)
    assert set(out) == set(texts) and out["n299"]["ids"] != out["n1"]["ids"]


def test_missing_entry_point_is_named():
    with pytest.raises(PhonemizerError, match="no-such-parla.js"):
        with Phonemizer(command=["node", "/nonexistent/no-such-parla.js", "phonemize", "--jsonl"]):
            pass


def test_front_end_that_dies_is_reported_with_its_stderr():
    with pytest.raises(PhonemizerError, match="exited after 0 of 1 lines.*boom"):
        with Phonemizer(command=["node", "-e", "console.error('boom'); process.exit(3)"]) as p:
            p.phonemize({"a": "hello"})
