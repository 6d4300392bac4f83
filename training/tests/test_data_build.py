"""The one build command on tiny samples: manifests, conditioned audio, bad input counted, re-runs skip work."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from training.data.audio import resample
from training.data.loudness import TARGET_LUFS, integrated_loudness
from training.data.phonemize import REPO_ROOT
from training.data.splits import SHARED_DATA
from training.data.voices import BaseVoice, synthesize

FIELDS = {"id", "path", "duration", "speaker", "source", "family", "split", "text", "normalized",
          "phonemes", "phoneme_ids", "weight"}


def run_build(out, *args, hours="0.2"):
    cmd = [sys.executable, "-m", "training.data", "build", "--out", str(out), "--synthetic-hours", hours, *args]
    run = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def manifest(out, split):
    with open(os.path.join(out, f"{split}.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    return out, run_build(out, "--limit", "3", "-j", "2")


def test_summary_table_lists_every_source(real_build):
    _, stdout = real_build
    for source in ("speechocean762", "kathleen", "librispeech", "synth-espeak", "synth-flite", "synth-festival"):
        assert source in stdout
    assert "hours" in stdout and "speakers" in stdout


def test_manifest_records_point_at_conditioned_16k_audio(real_build):
    out, _ = real_build
    records = manifest(out, "train") + manifest(out, "heldout_speakers") + manifest(out, "heldout_sentences")
    assert len(records) >= 15
    for r in records:
        assert set(r) == FIELDS
        x, sr = sf.read(os.path.join(out, r["path"]), dtype="float32")
        assert sr == 16000 and x.ndim == 1
        assert r["duration"] == pytest.approx(len(x) / sr, abs=0.002)
        assert 0.5 <= r["duration"] <= 30
        assert integrated_loudness(x, sr) == pytest.approx(TARGET_LUFS, abs=1.0) or np.max(np.abs(x)) > 0.9
        if r["source"] == "librispeech":
            assert r["text"] is None and r["phonemes"] is None
        else:
            assert r["phonemes"] and r["phoneme_ids"] and r["normalized"]
        if r["source"] == "speechocean762":
            assert r["text"] == r["text"].lower()


def test_real_speech_is_weighted_up(real_build):
    out, _ = real_build
    weights = {r["source"]: r["weight"] for r in manifest(out, "train")}
    assert weights["synth-espeak"] == 1.0 and weights["speechocean762"] >= 1.0
    assert weights["speechocean762"] == weights["kathleen"]


def test_rerun_skips_finished_work(real_build):
    out, _ = real_build
    stdout = run_build(out, "--limit", "3", "-j", "2")
    assert "(0 utterances processed now" in stdout


def test_prune_removes_only_unreferenced_audio(real_build):
    out, _ = real_build
    stray = os.path.join(out, "audio", "synth-espeak", "nobody", "stale.flac")
    os.makedirs(os.path.dirname(stray))
    sf.write(stray, np.zeros(16000, dtype=np.float32), 16000)
    stdout = run_build(out, "--limit", "3", "-j", "2", "--prune")
    assert "pruned 1 cached audio files" in stdout and not os.path.exists(stray)
    assert all(os.path.exists(os.path.join(out, r["path"])) for r in manifest(out, "train"))


def _opus(path, x, sr=16000):
    sf.write(path, x, sr, format="OGG", subtype="OPUS")


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory):
    """A data folder in speechocean762's layout holding one good utterance and one of each kind of bad input."""
    root = tmp_path_factory.mktemp("data")
    so = root / "speechocean762" / "audio"
    so.mkdir(parents=True)
    voice = BaseVoice("espeak-en-us", "espeak-en-us", "espeak", "en-us")
    speech, sr = synthesize(voice, "we call it bear", str(root / "tmp"))
    speech, sr = (resample(speech, sr) / np.max(np.abs(speech)) * 0.5).astype(np.float32), 16000
    _opus(so / "good.opus", speech, sr)
    _opus(so / "short.opus", speech[: int(0.2 * sr)], sr)
    _opus(so / "long.opus", np.tile(speech, int(32 * sr / len(speech)) + 1), sr)
    _opus(so / "clipped.opus", np.clip(speech * 8, -1, 1), sr)
    (so / "garbage.opus").write_bytes(b"\x00garbage" * 100)
    _opus(so / "notext.opus", speech, sr)
    rows = [("good", "WE CALL IT BEAR"), ("short", "WE"), ("long", "A LONG ONE"), ("clipped", "TOO LOUD"),
            ("garbage", "BROKEN FILE"), ("missing", "NO FILE AT ALL"), ("notext", "")]
    with open(root / "speechocean762" / "metadata.tsv", "w") as f:
        f.write("id\tspeaker\tgender\tage\ttext\n")
        f.writelines(f"{i}\t0001\tm\t30\t{t}\n" for i, t in rows)
    (root / "kathleen" / "audio").mkdir(parents=True)
    (root / "kathleen" / "metadata.tsv").write_text("id\ttext\n")
    (root / "librispeech-clips" / "audio").mkdir(parents=True)
    (root / "librispeech-clips" / "metadata.tsv").write_text("id\tspeaker\n")
    (root / "noise").mkdir()
    sf.write(str(root / "noise" / "white.flac"), np.random.default_rng(0).standard_normal(16000) * 0.1, 16000)
    (root / "text").mkdir()
    (root / "text" / "gutenberg-mix.txt").write_text(
        "The cellar stretched out in front of the house.\n\nHolmes walked slowly along the quiet street.\n")
    return root


def test_bad_input_is_counted_never_fatal(bad_data, tmp_path):
    # No synthetic training hours, and no held-out sentences in this text: real speech only.
    stdout = run_build(tmp_path / "corpus", "--data-dir", str(bad_data), "--limit", "8", "-j", "1", hours="0")
    rejects = {r["id"]: r["status"] for r in map(json.loads, open(tmp_path / "corpus" / "rejects.jsonl"))}
    assert {k: v for k, v in rejects.items() if k.startswith("so762-")} == {
        "so762-short": "too_short", "so762-long": "too_long", "so762-clipped": "clipped",
        "so762-garbage": "unreadable", "so762-missing": "unreadable", "so762-notext": "empty_transcript"}
    # With one speaker per gender, that speaker is in the held-out 10 per gender.
    kept = [r["id"] for split in ("train", "heldout_speakers") for r in manifest(tmp_path / "corpus", split)
            if r["source"] == "speechocean762"]
    assert kept == ["so762-good"]
    assert "too_short" in stdout and "empty_transcript" in stdout


def test_missing_data_dir_is_named(tmp_path):
    run = subprocess.run([sys.executable, "-m", "training.data", "build", "--data-dir", str(tmp_path)],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "speechocean762" in run.stderr and str(tmp_path) in run.stderr


def test_shared_data_is_present_for_the_real_build():
    assert os.path.isdir(os.path.join(SHARED_DATA, "speechocean762")), \
        f"shared data not found at {SHARED_DATA}: set PARLA_SHARED_DATA"
