"""Self-generated AR data (training/lm/self_data.py) and the dataset's named prompts."""
import json

import numpy as np
import pytest

from training.lm.align import read_alignments
from training.lm.config import TEXT_BOS, TEXT_EOS, TEXT_SEP
from training.lm.dataset import CodesDataset, PromptOptions
from training.lm.self_data import convert


def write_generated(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def rows(seed=0):
    rng = np.random.default_rng(seed)
    out = [{"id": "p1", "speaker": "k", "prompt_only": True, "phonemes": [7, 8, 9], "c0": rng.integers(0, 1024, 170).tolist()},
           {"id": "p2", "speaker": "k", "prompt_only": True, "phonemes": [6, 5], "c0": rng.integers(0, 1024, 400).tolist()}]
    for i in range(4):
        n = 5 + i
        t = 20 + 4 * i
        align = np.minimum(np.arange(t) * n // t, n - 1).tolist()
        out.append({"id": f"t{i}", "speaker": "k", "prompt": "p1" if i % 2 == 0 else "p2", "phonemes": list(range(10, 10 + n)),
                    "c0": rng.integers(0, 1024, t).tolist(), "align": align, "text": "x"})
    return out


def test_convert_writes_manifest_codes_and_alignments(tmp_path):
    r = rows()
    r[3]["align"] = r[3]["align"][:-1]  # length mismatch: dropped
    r[4]["align"] = [0] * len(r[4]["c0"])  # pointer never left the first phoneme: dropped
    out = tmp_path / "m" / "train.jsonl"
    counts = convert(write_generated(tmp_path / "gen.jsonl", r), str(out))
    assert counts == {"prompts": 2, "targets": 2, "dropped": 2}
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["id"] for e in entries] == ["p1", "p2", "t0", "t3"]
    assert entries[0]["prompt_only"] and entries[2]["prompt"] == "p1"
    with np.load(tmp_path / "m" / "train.codes.npz") as z:
        assert z[entries[2]["codes"]].shape == (1, 20)
        assert z[entries[2]["codes"]].tolist()[0] == r[2]["c0"]
    aligns = read_alignments(str(tmp_path / "m" / "train.align.npz"))
    assert sorted(aligns) == ["t0", "t3"] and aligns["t3"].tolist() == r[5]["align"]


def test_convert_refuses_a_prompt_that_was_never_written(tmp_path):
    r = [x for x in rows() if x["id"] != "p2"]
    with pytest.raises(ValueError, match="p2"):
        convert(write_generated(tmp_path / "gen.jsonl", r), str(tmp_path / "train.jsonl"))


def test_named_prompts_are_the_only_prompts_and_never_targets(tmp_path):
    out = tmp_path / "train.jsonl"
    convert(write_generated(tmp_path / "gen.jsonl", rows()), str(out))
    ds = CodesDataset(str(out), 2, options=PromptOptions(max_prompt_frames=300), alignments=read_alignments(str(tmp_path / "train.align.npz")))
    by_id = {e["id"]: e for e in ds.entries}
    seen = set()
    for step in range(30):
        for x in ds.batch(0, step, 3, max_frames=None if step % 2 else 500):
            target_id = next(i for i in ("t0", "t1", "t2", "t3") if np.array_equal(x["target"], ds.codes[ds.index[i]]))
            seen.add(target_id)
            prompt = by_id[by_id[target_id]["prompt"]]
            assert x["mode"] == "reference"
            if len(ds.codes[ds.index[prompt["id"]]][0]) <= 300:
                # Whole prompt, transcript kept: [BOS, prompt, SEP, target, EOS], the target's alignment after SEP.
                assert x["text"] == [TEXT_BOS, *prompt["phonemes"], TEXT_SEP, *by_id[target_id]["phonemes"], TEXT_EOS]
                assert x["target_align"][0] == 2 + len(prompt["phonemes"])
            else:
                # Cropped prompt (p2, 400 frames): no transcript, as the runtime does.
                assert x["text"] == [TEXT_BOS, *by_id[target_id]["phonemes"], TEXT_EOS]
                assert x["prompt"].shape[1] == 300 and x["target_align"][0] == 1
            assert x["text"][x["target_align"][-1]] == by_id[target_id]["phonemes"][-1]
    assert seen == {"t0", "t1", "t2", "t3"}


def test_a_manifest_naming_a_missing_prompt_is_refused(tmp_path):
    (tmp_path / "codes").mkdir()
    np.save(tmp_path / "codes" / "a.npy", np.zeros((1, 10), np.int16))
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": "a", "speaker": "k", "phonemes": [5], "codes": "codes/a.npy", "prompt": "zz"}) + "\n")
    with pytest.raises(ValueError, match="zz"):
        CodesDataset(str(tmp_path / "m.jsonl"), 2)
