"""extract_codes: corpus manifest + codec checkpoint -> the (phonemes, codes) data CodesDataset reads; idempotent, codec-safe."""
import json
import os

import numpy as np
import pytest
import soundfile as sf
import torch

from training.codec import train
from training.codec.config import tiny_config
from training.codec.export import load_codec
from training.codec.trainer import Trainer
from training.lm import extract_codes
from training.lm.dataset import CodesDataset

# (id, samples, phoneme ids): 8000 -> 25 frames, 8001 -> 26 (the pad frame), 16000 -> 50.
UTTERANCES = [("a-0", 8000, [5, 17, 4, 30]), ("a-1", 8001, [41, 27, 14]), ("b-0", 16000, [12, 58, 71, 4, 9])]


def save_codec(path, seed: int) -> str:
    torch.manual_seed(seed)
    trainer = Trainer(tiny_config(), {k: getattr(train, k) for k in train.TRAIN_KEYS})
    trainer.step = seed
    trainer.save(str(path))
    return str(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A corpus folder: 3 transcribed utterances, 1 untranscribed clip, 1 missing and 1 corrupt file; two codecs."""
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    records = []
    os.makedirs(root / "audio")
    (root / "audio/bad-0.flac").write_bytes(b"not a flac file")
    for uid, n, ids in UTTERANCES + [("libri-0", 4000, None), ("gone-0", 4000, [3, 4]), ("bad-0", 4000, [3])]:
        rel = f"audio/{uid}.flac"
        if uid not in ("gone-0", "bad-0"):
            sf.write(str(root / rel), (0.1 * rng.standard_normal(n)).astype(np.float32), 16000, subtype="PCM_16")
        records.append({"id": uid, "path": rel, "duration": round(n / 16000, 2), "speaker": uid.split("-")[0],
                        "source": "test", "family": "test", "split": "train", "text": None if ids is None else "hi",
                        "normalized": None if ids is None else "hi", "phonemes": None if ids is None else "h",
                        "phoneme_ids": ids, "weight": 1.0})
    with open(root / "train.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return {"manifest": str(root / "train.jsonl"), "root": root,
            "codec_a": save_codec(root / "a.pt", 1), "codec_b": save_codec(root / "b.pt", 2)}


def run(corpus, out, codec="codec_a", *extra):
    return extract_codes.main([f"--codec={corpus[codec]}", f"--manifest={corpus['manifest']}", f"--out={out}", *extra])


def test_extraction_feeds_the_lm_dataset(corpus, tmp_path):
    summary = run(corpus, tmp_path / "lm")
    assert (summary["utterances"], summary["encoded"], summary["already_done"]) == (3, 3, 0)
    skipped = summary["skipped"]
    assert skipped.pop("no phoneme ids (untranscribed)") == 1 and skipped.pop("missing audio file") == 1
    assert list(skipped.values()) == [1] and list(skipped)[0].startswith("unreadable audio")
    assert summary["frames"] == 25 + 26 + 50
    data = CodesDataset(summary["index"], group_size=2)
    assert [e["id"] for e in data.entries] == [u[0] for u in UTTERANCES]
    codec, _ = load_codec(corpus["codec_a"])
    for (uid, n, ids), entry, codes in zip(UTTERANCES, data.entries, data.codes):
        assert entry["phonemes"] == ids and entry["samples"] == n
        assert codes.dtype == np.int16 and codes.shape == (8, -(-n // 320))
        assert codes.min() >= 0 and codes.max() < 1024
        audio, _ = sf.read(str(corpus["root"] / f"audio/{uid}.flac"), dtype="float32")
        want = codec.encode(torch.from_numpy(audio).view(1, 1, -1))[0].numpy()
        np.testing.assert_array_equal(codes, want)  # same codes as encoding the file directly
    batch = data.batch(seed=0, step=0, batch_size=4)
    assert all(x["target"].shape[0] == 8 and x["prompt"].shape[1] % 2 == 0 for x in batch)


def test_rerun_is_idempotent_and_limit_takes_the_first(corpus, tmp_path):
    out = tmp_path / "lm"
    assert run(corpus, out, "codec_a", "--limit=2")["encoded"] == 2
    index = (out / "train.jsonl").read_text()
    mtime = os.path.getmtime(out / "codes/train/a-0.npy")
    again = run(corpus, out, "codec_a")
    assert (again["encoded"], again["already_done"], again["utterances"]) == (1, 2, 3)
    assert os.path.getmtime(out / "codes/train/a-0.npy") == mtime
    third = run(corpus, out, "codec_a")
    assert (third["encoded"], third["already_done"]) == (0, 3)
    assert (out / "train.jsonl").read_text().startswith(index)  # same entries, exact sample counts kept
    assert json.loads((out / "meta.json").read_text())["codec_step"] == 1


def test_a_different_codec_is_refused_unless_forced(corpus, tmp_path):
    out = tmp_path / "lm"
    run(corpus, out, "codec_a")
    before = np.load(out / "codes/train/b-0.npy")
    with pytest.raises(SystemExit, match="--force"):
        run(corpus, out, "codec_b")
    np.testing.assert_array_equal(np.load(out / "codes/train/b-0.npy"), before)  # nothing touched
    forced = run(corpus, out, "codec_b", "--force")
    assert (forced["encoded"], forced["already_done"]) == (3, 0)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["codec_step"] == 2 and meta["codec_checkpoint"].endswith("b.pt")
    assert not np.array_equal(np.load(out / "codes/train/b-0.npy"), before)


@pytest.mark.parametrize("argv", [[], ["--codec=x.pt"], ["--codec=x.pt", "--manifest=m.jsonl"]])
def test_required_arguments(argv):
    with pytest.raises(SystemExit):
        extract_codes.parse_args(argv)


def test_missing_checkpoint_is_an_error(corpus, tmp_path):
    with pytest.raises(FileNotFoundError):
        extract_codes.main([f"--codec={tmp_path / 'nope.pt'}", f"--manifest={corpus['manifest']}",
                            f"--out={tmp_path / 'lm'}"])
