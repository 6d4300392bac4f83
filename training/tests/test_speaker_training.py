"""Speaker-encoder training pipeline: held-out exclusion, cache from real files, batches, resume, ONNX export without STFT."""
import os
import runpy
import sys

import numpy as np
import onnx
import pytest
import torch

from training.data import splits
from training.speaker import cache as spk_cache
from training.speaker.batches import SpeakerBatches, crop
from training.speaker.checkpoint import load_checkpoint
from training.speaker.config import SpeakerConfig
from training.speaker.export import export_onnx, parity_input
from training.speaker.model import SpeakerEncoder


@pytest.fixture(scope="module")
def real():
    return spk_cache.real_sources()


def test_heldout_speakers_never_in_training_sources(real):
    held = {"so762-" + s for s in splits.so762_heldout_speakers()}
    assert len(held) == 20
    assert held == {spk for _, spk, _ in real["heldout-so762"]}
    assert not held & {spk for _, spk, _ in real["so762"]}
    assert not any(splits.kathleen_is_heldout(i) for i, _, _ in real["kathleen"])
    assert all(splits.kathleen_is_heldout(i) for i, _, _ in real["heldout-kathleen"])
    train_libri = {spk for _, spk, _ in real["libri"]}
    assert train_libri and not train_libri & {spk for _, spk, _ in real["heldout-libri"]}


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory, real):
    """Cache sources so762 (2 speakers x 2), libri (2 clips), kathleen (2) decoded from the real files, plus one bad path."""
    d = str(tmp_path_factory.mktemp("speaker-cache"))
    by_spk = {}
    for item in real["so762"]:
        by_spk.setdefault(item[1], []).append(item)
    so = [u for s in sorted(by_spk)[:2] for u in by_spk[s][:2]]
    metas = {
        "so762": spk_cache.build_source("so762", so + [("bad", "x", os.path.join(d, "missing.opus"))], d, workers=1),
        "libri": spk_cache.build_source("libri", real["libri"][:2], d, workers=1),
        "kathleen": spk_cache.build_source("kathleen", real["kathleen"][:2], d, workers=1),
    }
    return d, metas


def test_cache_keeps_speakers_and_counts_bad_files(tiny_cache):
    d, metas = tiny_cache
    assert (metas["so762"]["kept"], metas["so762"]["bad"], metas["so762"]["speakers_count"]) == (4, 1, 2)
    src = spk_cache.Source("libri", d)
    audio = src.utterance(0)
    assert audio.dtype == np.float32 and len(audio) > 16000 and 0.01 < np.abs(audio).max() <= 1.0


def test_batches_are_speaker_labelled_crops(tiny_cache):
    d, _ = tiny_cache
    sources = [spk_cache.Source(n, d) for n in ("so762", "libri", "kathleen")]
    data = SpeakerBatches([(1.0, sources)], noise=[np.ones(100, np.float32)], seed=3)
    assert len(data.speakers) == 2 + 2 + 1
    audio, labels = data.next(16)
    assert audio.dtype == np.float32 and 24000 <= audio.shape[1] <= 48000 and labels.max() < 5
    assert crop(np.arange(5, dtype=np.float32), 12, np.random.default_rng(0)).shape == (12,)  # short clips wrap


def _train(args, capsys):
    argv = sys.argv
    sys.argv = ["train"] + args
    try:
        runpy.run_module("training.speaker.train", run_name="__main__")
    finally:
        sys.argv = argv
    return capsys.readouterr().out


def test_training_resumes_from_checkpoint(tiny_cache, tmp_path, capsys):
    d, _ = tiny_cache
    common = [f"--cache_dir={d}", f"--out_dir={tmp_path}", "--batch_size=4", "--warmup_steps=1", "--eval_interval=1000",
              "--log_interval=1", "--channels=16", "--stats_channels=24", "--embedding_dim=8"]
    out = _train(common + ["--max_steps=2"], capsys)
    assert "from scratch" in out and "at step 2" in out
    first, _ = load_checkpoint(str(tmp_path / "ckpt.pt"))
    out = _train(common + ["--max_steps=3"], capsys)
    assert "resuming at step 2" in out and "at step 3" in out
    second, ckpt = load_checkpoint(str(tmp_path / "ckpt.pt"))
    assert ckpt["step"] == 3 and ckpt["config"]["embedding_dim"] == 8
    assert not torch.equal(first.embed.weight, second.embed.weight)  # the resumed run kept training


def test_unknown_training_option_is_refused(capsys):
    with pytest.raises(SystemExit, match="unknown option --batchsize"):
        _train(["--batchsize=4"], capsys)


def test_onnx_export_has_no_stft_and_parity_input_is_fixed(tmp_path):
    model = SpeakerEncoder(SpeakerConfig(channels=16, stats_channels=24, embedding_dim=8)).eval()
    path = str(tmp_path / "spk.onnx")
    export_onnx(model, path)
    graph = onnx.load(path).graph
    ops = {n.op_type for n in graph.node}
    assert not ops & {"STFT", "DFT"} and "Conv" in ops
    assert [i.name for i in graph.input] == ["audio"] and [o.name for o in graph.output] == ["embedding"]
    x = parity_input()
    assert x.shape == (16000,) and np.array_equal(x, parity_input()) and 0.5 < np.abs(x).max() <= 0.6
    assert x[0] == pytest.approx(0.2 * (((12345 * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32 - 0.5))
