"""Codec LM data: token layout, JSONL+npy dataset on synthetic random data, prompting modes, batching."""
import json

import numpy as np
import pytest
import torch

from training.lm.config import IGNORE, TEXT_BOS, TEXT_EOS, TEXT_SEP
from training.lm.dataset import CodesDataset, PromptOptions, collate_ar, collate_nar
from training.lm.tokens import ar_example, text_tokens

EOS = 1024


def write_corpus(root, speakers=3, per_speaker=3, seed=0):
    """Random phonemes and codes (8, T) in the documented manifest format; -> manifest path."""
    rng = np.random.default_rng(seed)
    (root / "codes").mkdir()
    lines = []
    for s in range(speakers):
        for u in range(per_speaker):
            uid = f"spk{s}_{u}"
            np.save(root / "codes" / f"{uid}.npy", rng.integers(0, 1024, (8, int(rng.integers(60, 400)))).astype(np.int16))
            lines.append({"id": uid, "speaker": f"spk{s}", "phonemes": rng.integers(4, 90, int(rng.integers(5, 30))).tolist(),
                          "codes": f"codes/{uid}.npy"})
    path = root / "manifest.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return str(path)


@pytest.mark.parametrize("g", [1, 2, 4])
def test_ar_example_layout(g):
    text = text_tokens([10, 11], [20])
    assert text == [TEXT_BOS, 20, TEXT_SEP, 10, 11, TEXT_EOS]
    prompt, target = np.arange(2 * g), np.arange(100, 105)
    ex = ar_example(text, prompt, target, g, EOS)
    n_prompt = 2
    n_target_groups = -(-6 // g)  # 5 codes + end of speech
    assert len(ex["text_ids"]) == len(text) + n_prompt + n_target_groups - 1
    assert ex["is_audio"].sum() == n_prompt + n_target_groups - 1
    assert (ex["audio_codes"][len(text):len(text) + 2].ravel() == prompt).all()
    labelled = ex["labels"][(ex["labels"] != IGNORE).any(axis=1)]
    flat = labelled.ravel()
    flat = flat[flat != IGNORE]
    assert flat.tolist() == [100, 101, 102, 103, 104, EOS]
    # the first labelled position is the last prompt group: it predicts target group 0
    first = int(np.argmax((ex["labels"] != IGNORE).any(axis=1)))
    assert first == len(text) + n_prompt - 1


def test_ar_example_rejects_partial_prompt_group():
    with pytest.raises(ValueError, match="groups of 2"):
        ar_example([1, 2], np.arange(3), np.arange(4), 2, EOS)


def test_dataset_modes_and_determinism(tmp_path):
    data = CodesDataset(write_corpus(tmp_path), group_size=2, options=PromptOptions(p_drop_transcript=0.5))
    assert len(data) == 9
    a, b = data.batch(seed=1, step=5, batch_size=8), data.batch(seed=1, step=5, batch_size=8)
    for x, y in zip(a, b):
        assert x["text"] == y["text"] and (x["prompt"] == y["prompt"]).all() and (x["target"] == y["target"]).all()
    assert any(x["text"] != y["text"] for x, y in zip(a, data.batch(seed=1, step=6, batch_size=8)))
    seen = {"sep": 0, "nosep": 0}
    for step in range(30):
        for x in data.batch(0, step, 4):
            assert x["prompt"].shape[1] % 2 == 0 and x["prompt"].shape[0] == 8 and x["target"].shape[0] == 8
            assert x["prompt"].shape[1] <= 6 * 50
            seen["sep" if TEXT_SEP in x["text"] else "nosep"] += 1
    assert seen["sep"] > 10 and seen["nosep"] > 10  # reference with transcript, and continuation / dropped transcript


def test_collate_shapes_and_loss(tmp_path):
    from training.lm.ar import ARModel
    from training.lm.config import ARConfig
    data = CodesDataset(write_corpus(tmp_path), group_size=2)
    batch = collate_ar(data.batch(0, 0, 3), 2, EOS)
    b, n = batch["text_ids"].shape
    assert batch["audio_codes"].shape == (b, n, 2) and batch["labels"].shape == (b, n, 2)
    assert batch["attention_mask"].dtype == torch.bool and (batch["labels"][~batch["attention_mask"]] == IGNORE).all()
    model = ARModel(ARConfig(text_vocab_size=128, d_model=16, n_layers=1, n_heads=2))
    pk, pv = model.empty_cache(b)
    logits, _, _ = model(batch["text_ids"], batch["audio_codes"], batch["is_audio"], batch["positions"], pk, pv,
                         batch["attention_mask"])
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 1025), batch["labels"].reshape(-1), ignore_index=IGNORE)
    assert torch.isfinite(loss) and abs(loss.item() - np.log(1025)) < 1.0  # untrained: near uniform

    nar = collate_nar(data.batch(0, 0, 3), 1024, np.random.default_rng(0), 8)
    assert nar["prompt_codes"].shape[:2] == (3, 8) and nar["target_codes"].shape[:2] == (3, 8)
    assert ((nar["stage"] >= 1) & (nar["stage"] <= 7)).all()
    assert nar["labels"].shape == (3, nar["target_codes"].shape[2])


def test_manifest_errors_name_the_line(tmp_path):
    bad = tmp_path / "m.jsonl"
    bad.write_text(json.dumps({"id": "a", "speaker": "s", "codes": "x.npy"}) + "\n")
    with pytest.raises(ValueError, match=r"m.jsonl:1: missing field\(s\) \['phonemes'\]"):
        CodesDataset(str(bad), 2)
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="no entries"):
        CodesDataset(str(empty), 2)
    np.save(tmp_path / "flat.npy", np.zeros(10, dtype=np.int16))
    flat = tmp_path / "f.jsonl"
    flat.write_text(json.dumps({"id": "a", "speaker": "s", "phonemes": [5], "codes": "flat.npy"}) + "\n")
    with pytest.raises(ValueError, match=r"flat.npy: expected codes \(Q, T\)"):
        CodesDataset(str(flat), 2)


def test_phoneme_ids_outside_the_text_vocabulary_are_refused(tmp_path):
    import json
    import numpy as np
    import pytest
    from training.lm.dataset import CodesDataset
    np.save(tmp_path / "a.npy", np.zeros((8, 10), dtype=np.int16))
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": "a", "speaker": "s", "phonemes": [1, 200, 2], "codes": "a.npy"}) + "\n")
    CodesDataset(str(tmp_path / "m.jsonl"), 2)  # no vocabulary given: accepted
    with pytest.raises(ValueError, match="outside the text vocabulary 0..127"):
        CodesDataset(str(tmp_path / "m.jsonl"), 2, text_vocab_size=128)


def test_length_bucketed_batches(tmp_path):
    data = CodesDataset(write_corpus(tmp_path, speakers=6, per_speaker=10, seed=3), group_size=2)
    frames = np.array([c.shape[1] for c in data.codes])
    spreads = []
    for step in range(40):
        idx = data._pick(np.random.default_rng([0, step]), 32, 1200)
        assert len(set(idx.tolist())) == len(idx) >= 1  # no utterance twice
        # the budget holds unless a single utterance exceeds it
        assert frames[idx].max() * len(idx) <= 1200 or len(idx) == 1
        spreads.append(frames[idx].max() - frames[idx].min())
    # neighbours in length: far less spread than random batches of the same corpus
    random_spread = np.mean([np.ptp(frames[np.random.default_rng(s).integers(len(data), size=4)]) for s in range(40)])
    assert np.mean(spreads) < 0.5 * random_spread
    # a pure function of (seed, step), like unbucketed batches
    a, b = data.batch(1, 7, 32, 1200), data.batch(1, 7, 32, 1200)
    assert [x["text"] for x in a] == [x["text"] for x in b]


def test_device_pack_keeps_codebook_zero_and_the_same_ar_batches(tmp_path):
    from training.lm.device_data import pack
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    write_corpus(src)
    (src / "manifest.jsonl").rename(src / "train.jsonl")
    assert pack(str(src), str(out), manifests=("train",)) == 9
    assert (out / "train.jsonl").read_text() == (src / "train.jsonl").read_text()
    assert sorted(x.name for x in out.iterdir()) == ["train.codes.npz", "train.jsonl"]  # one archive, no small files
    full = CodesDataset(str(src / "train.jsonl"), group_size=2)
    small = CodesDataset(str(out / "train.jsonl"), group_size=2)
    assert all(s.shape == (1, f.shape[1]) and (s[0] == f[0]).all() for s, f in zip(small.codes, full.codes))
    # The AR reads codebook 0 alone, so its batches from the pack are the batches from the full codes.
    a, b = collate_ar(full.batch(3, 7, 4), 2, 1024), collate_ar(small.batch(3, 7, 4), 2, 1024)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_packed_codes_missing_an_entry_is_named(tmp_path):
    from training.lm.device_data import pack
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    write_corpus(src)
    (src / "manifest.jsonl").rename(src / "train.jsonl")
    pack(str(src), str(out), manifests=("train",))
    with open(out / "train.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "extra", "speaker": "a", "phonemes": [5], "codes": "codes/extra.npy"}) + "\n")
    with pytest.raises(ValueError, match="codes/extra.npy: not in the packed codes"):
        CodesDataset(str(out / "train.jsonl"), group_size=2)


def test_device_pack_with_all_codebooks_gives_the_nar_its_batches(tmp_path):
    from training.lm.device_data import pack
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    write_corpus(src)
    (src / "manifest.jsonl").rename(src / "train.jsonl")
    full = CodesDataset(str(src / "train.jsonl"), group_size=2)
    q = full.codes[0].shape[0]
    assert pack(str(src), str(out), manifests=("train",), codebooks=q) == 9
    packed = CodesDataset(str(out / "train.jsonl"), group_size=2)
    assert all(np.array_equal(p, f) for p, f in zip(packed.codes, full.codes))
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    a = collate_nar(full.batch(3, 7, 4), 1024, rng_a, q)
    b = collate_nar(packed.batch(3, 7, 4), 1024, rng_b, q)
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="at least 1"):
        pack(str(src), str(tmp_path / "none"), manifests=("train",), codebooks=0)
