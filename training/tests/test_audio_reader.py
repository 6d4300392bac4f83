"""The audio reader (training/reader/audio_reader.py, train_audio.py): output length, training that learns a known
tone -> phoneme map and resumes, what the data loader skips or refuses, and the export (ONNX graph, model.json section,
committed fixture in sync)."""
import json
import os

import numpy as np
import onnx
import pytest
import soundfile as sf
import torch

from training.reader import export, train_audio
from training.reader.audio_reader import AudioReader, AudioReaderConfig, AudioReaderEnsemble, output_frames
from training.reader.model import ctc_nll, ctc_targets

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "tiny-pointer-model")


def test_output_frames_is_what_the_model_returns():
    model = AudioReader(AudioReaderConfig(n_mels=16, d_model=8, dilations=[1], dropout=0.0)).eval()
    with torch.no_grad():
        for n in (560, 719, 880, 8000, 12345):
            assert model(torch.zeros(1, n)).shape == (1, output_frames(n), 128)
            assert model(torch.zeros(1, n), fast=True).shape == (1, output_frames(n), 128)


def write_corpus(root, n=40, seed=0, rate=16000):
    """Utterances whose audio spells their phonemes: phoneme p is a 0.12 s tone at 300 + 250 * (p - 20) Hz."""
    rng = np.random.default_rng(seed)
    os.makedirs(root / "audio", exist_ok=True)
    lines = []
    for i in range(n):
        phonemes = [int(p) for p in rng.integers(20, 26, rng.integers(3, 7))]
        t = np.arange(int(0.12 * rate)) / rate
        audio = np.concatenate([0.3 * np.sin(2 * np.pi * (300 + 250 * (p - 20)) * t) for p in phonemes])
        sf.write(root / "audio" / f"u{i}.flac", audio.astype(np.float32), rate)
        lines.append(json.dumps({"id": f"u{i}", "path": f"audio/u{i}.flac", "duration": len(audio) / rate,
                                 "phoneme_ids": [1, 4] + phonemes + [5]}))
    (root / "m.jsonl").write_text("\n".join(lines) + "\n")
    return str(root / "m.jsonl")


def log_values(path, key):
    return [float(l.split(key)[1].split()[0]) for l in open(path) if key in l]


def test_training_learns_a_known_tone_to_phoneme_map_and_resumes(tmp_path):
    manifest = write_corpus(tmp_path)
    out = tmp_path / "run"
    args = ["--manifest", manifest, "--val-manifest", manifest, "--out", str(out), "--d-model", "32", "--n-mels", "32",
            "--dilations", "1,2,1", "--batch-seconds", "6", "--warmup", "5", "--lr", "3e-3", "--eval-every", "60"]
    train_audio.main(args + ["--steps", "60"])
    train_audio.main(args + ["--steps", "180"])
    log = str(out / "log.txt")
    assert "resuming at step 60" in open(log).read()
    per = log_values(log, "val_per")
    assert len(per) == 3 and per[-1] < 0.2 < per[0]
    assert torch.load(out / "last.pt")["step"] == 180


def test_loader_skips_untranscribed_and_long_clips_and_refuses_another_rate(tmp_path):
    manifest = write_corpus(tmp_path, n=3)
    lines = open(manifest).read().splitlines()
    lines.append(json.dumps({"id": "x", "path": "audio/u0.flac", "duration": 0.4, "phoneme_ids": None}))
    lines.append(json.dumps({"id": "y", "path": "audio/u0.flac", "duration": 30.0, "phoneme_ids": [20, 21]}))
    (tmp_path / "m.jsonl").write_text("\n".join(lines) + "\n")
    assert len(train_audio.load_pairs(manifest, max_seconds=12)) == 3
    sf.write(tmp_path / "audio" / "u1.flac", np.zeros(8000, dtype=np.float32), 8000)
    with pytest.raises(SystemExit, match="8000 Hz"):
        train_audio.load_pairs(manifest, max_seconds=12)


def test_export_writes_the_audio_graph_and_the_model_json_section(tmp_path):
    manifest = write_corpus(tmp_path, n=4)
    train_audio.main(["--manifest", manifest, "--val-manifest", manifest, "--out", str(tmp_path / "run"),
                      "--d-model", "16", "--n-mels", "16", "--dilations", "1", "--steps", "2", "--warmup", "1"])
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"id": "x", "sampling": {"temperature": 0.3}}))
    export.main(["--ckpt", str(tmp_path / "run" / "last.pt"), "--out", str(folder), "--candidates", "4",
                 "--splice-words", "3", "--retry-above", "1.0"])
    m = json.loads((folder / "model.json").read_text())
    assert m["reader"]["input"] == "audio" and m["reader"]["vocab_size"] == 128 and m["reader"]["blank_id"] == 0
    assert m["sampling"] == {"temperature": 0.3, "candidates": 4, "splice_words": 3, "retry_above": 1.0}
    assert m["training"]["reader"]["kind"] == "audio-reader" and m["training"]["reader"]["step"] == 2
    graph = onnx.load(str(folder / "reader.onnx")).graph
    assert [i.name for i in graph.input] == ["audio"] and [o.name for o in graph.output] == ["log_probs"]


def test_an_ensemble_averages_its_members_log_probabilities_per_frame(tmp_path):
    torch.manual_seed(0)
    a, b = (AudioReader(AudioReaderConfig(n_mels=16, d_model=8, dilations=[1], dropout=0.0)).eval() for _ in range(2))
    audio = torch.randn(2, 4000) * 0.1
    with torch.no_grad():
        pa, pb, pe = a(audio), b(audio), AudioReaderEnsemble([a, b]).eval()(audio)
        assert torch.allclose(AudioReaderEnsemble([a, a])(audio), pa, atol=1e-6)  # a member with itself: itself
    assert torch.allclose(pe.exp().sum(-1), torch.ones(2, output_frames(4000)), atol=1e-5)
    # Renormalized mean: the difference from the plain mean is the same for every class of a frame.
    shift = (pa + pb) / 2 - pe
    assert torch.allclose(shift, shift[..., :1].expand_as(shift), atol=1e-5)
    assert not torch.allclose(pe, pa, atol=1e-3)
    with pytest.raises(ValueError, match="same n_mels"):
        AudioReaderEnsemble([a, AudioReader(AudioReaderConfig(n_mels=24, d_model=8, dilations=[1]))])


def test_export_with_another_reader_writes_one_graph_of_both(tmp_path):
    manifest = write_corpus(tmp_path, n=4)
    for seed, run in enumerate(("r1", "r2")):
        train_audio.main(["--manifest", manifest, "--val-manifest", manifest, "--out", str(tmp_path / run), "--seed",
                          str(seed), "--d-model", "16", "--n-mels", "16", "--dilations", "1",
                          "--steps", "2", "--warmup", "1"])
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"id": "x"}))
    export.main(["--ckpt", str(tmp_path / "r1" / "last.pt"), "--with", str(tmp_path / "r2" / "last.pt"), "--out", str(folder)])
    m = json.loads((folder / "model.json").read_text())
    assert m["reader"]["input"] == "audio"
    assert [e["checkpoint"] for e in m["training"]["reader"]["ensemble"]] == [
        os.path.relpath(tmp_path / "r1" / "last.pt"), os.path.relpath(tmp_path / "r2" / "last.pt")]
    one, _ = export.load_reader(str(tmp_path / "r1" / "last.pt"))
    assert m["reader"]["params"] > sum(p.numel() for p in one.parameters())
    graph = onnx.load(str(folder / "reader.onnx")).graph
    assert [i.name for i in graph.input] == ["audio"] and [o.name for o in graph.output] == ["log_probs"]


def test_committed_audio_fixture_matches_the_exporter():
    fixture = json.load(open(os.path.join(FIXTURE, "audio_reader_parity.json")))
    torch.manual_seed(6)
    model = AudioReader(AudioReaderConfig(n_mels=16, d_model=8, dilations=[1, 2], dropout=0.0)).eval()
    fresh = export.parity(model)
    assert fixture["section"] == export.section(model, "audio_reader.onnx")
    for committed, now in zip(fixture["cases"], fresh["cases"]):
        assert np.allclose(committed["audio"], now["audio"], atol=1e-7)
        assert np.allclose(committed["log_probs"], now["log_probs"], atol=1e-4)
    case = fixture["cases"][0]
    audio = torch.tensor([case["audio"]], dtype=torch.float32)
    targets = ctc_targets(case["text_ids"])
    with torch.no_grad():
        nll = ctc_nll(model(audio), torch.tensor([output_frames(audio.shape[1])]), [targets])
    assert abs(nll.item() / len(targets) - case["nll_per_phoneme"]) < 1e-3


def write_decoded(root, manifest, skip_id="u1"):
    """A decode_gta.py folder holding the same tones as the corpus (and one id the manifest does not know)."""
    entries = [json.loads(l) for l in open(manifest)]
    parts, index, offset = [], [], 0
    for e in entries + [{"id": "stranger", "path": entries[0]["path"]}]:
        if e["id"] == skip_id:
            continue
        audio = (sf.read(root / e["path"], dtype="float32")[0] * 32767).astype(np.int16)
        parts.append(audio)
        index.append([e["id"], offset, len(audio)])
        offset += len(audio)
    out = root / "decoded"
    out.mkdir()
    np.save(out / "audio.npy", np.concatenate(parts))
    (out / "index.json").write_text(json.dumps({"utterances": index}))
    return str(out)


def test_decoded_folders_join_the_corpus_by_id_and_share_the_batches(tmp_path):
    manifest = write_corpus(tmp_path, n=12)
    decoded = write_decoded(tmp_path, manifest)
    pairs = train_audio.load_decoded(decoded, manifest, max_seconds=12)
    corpus = train_audio.load_pairs(manifest, max_seconds=12)
    assert len(pairs) == 11  # u1 not decoded, "stranger" not in the manifest
    assert np.abs(pairs[0][0].astype(int) - corpus[0][0]).max() <= 2 and pairs[0][1] == corpus[0][1]
    out = tmp_path / "run"
    train_audio.main(["--manifest", manifest, "--val-manifest", manifest, "--out", str(out), "--d-model", "16",
                      "--n-mels", "16", "--dilations", "1", "--steps", "4", "--warmup", "1", "--decoded", decoded])
    assert "12 + 11 training" in open(out / "log.txt").read()


def test_decode_gta_renders_every_utterance_at_the_codec_hop(tmp_path):
    from training.codec.export import make_tiny
    from training.reader.decode_gta import decode_folder
    folder = tmp_path / "gta"
    folder.mkdir()
    np.save(folder / "codes.npy", np.arange(30, dtype=np.int16) * 7)
    np.save(folder / "phonemes.npy", np.full(30, 25, dtype=np.int16))
    (folder / "index.json").write_text(json.dumps({"utterances": [["a", 0, 0, 12, "s"], ["b", 3840, 12, 18, "s"]]}))
    out = list(decode_folder(make_tiny().eval(), str(folder)))
    assert [(uid, len(audio), audio.dtype) for uid, audio in out] == [("a", 12 * 320, np.int16), ("b", 18 * 320, np.int16)]
