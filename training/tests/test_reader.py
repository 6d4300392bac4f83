"""The code reader (training/reader): CTC targets and decoding, training that learns a known code -> phoneme map and
resumes, and the export into a model folder (ONNX graph, model.json section, committed fixture in sync)."""
import json
import os

import numpy as np
import onnx
import torch

from training.reader import export, train
from training.reader.model import CodeReader, ReaderConfig, ctc_nll, ctc_targets, greedy_read

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "tiny-pointer-model")


def test_targets_are_the_sounding_phonemes_and_greedy_reading_collapses_repeats_and_blanks():
    assert ctc_targets([1, 20, 4, 12, 30, 5, 31, 2]) == [20, 30, 31]
    lp = torch.full((6, 40), -10.0)
    for t, c in enumerate([0, 20, 20, 0, 20, 30]):
        lp[t, c] = 0.0
    assert greedy_read(lp, 6) == [20, 20, 30]
    assert greedy_read(lp, 3) == [20]


def write_manifest(root, n=60, seed=0):
    """Utterances whose codes spell their phonemes: phoneme p lasts 3 frames of code 10 * (p - 20) + (0..2)."""
    rng = np.random.default_rng(seed)
    os.makedirs(root / "codes", exist_ok=True)
    lines = []
    for i in range(n):
        phonemes = [int(p) for p in rng.integers(20, 30, rng.integers(3, 8))]
        codes = np.array([[10 * (p - 20) + k for p in phonemes for k in range(3)]])
        np.save(root / "codes" / f"u{i}.npy", np.repeat(codes, 2, axis=0))
        lines.append(json.dumps({"id": f"u{i}", "phonemes": [1, 4] + phonemes + [5], "codes": f"codes/u{i}.npy"}))
    (root / "m.jsonl").write_text("\n".join(lines) + "\n")
    return str(root / "m.jsonl")


def log_values(path, key):
    return [float(l.split(key)[1].split()[0]) for l in open(path) if key in l]


def test_training_learns_a_known_code_to_phoneme_map_and_resumes(tmp_path):
    manifest = write_manifest(tmp_path)
    out = tmp_path / "run"
    args = ["--manifest", manifest, "--val-manifest", manifest, "--out", str(out), "--d-model", "32",
            "--batch-frames", "400", "--warmup", "5", "--lr", "3e-3", "--eval-every", "50", "--code-noise", "0"]
    train.main(args + ["--steps", "50"])
    train.main(args + ["--steps", "150"])
    log = str(out / "log.txt")
    assert "resuming at step 50" in open(log).read()
    per = log_values(log, "val_per")
    assert len(per) == 3 and per[-1] < 0.2 < per[0]
    assert torch.load(out / "last.pt")["step"] == 150


def test_export_writes_the_graph_and_the_model_json_section(tmp_path):
    manifest = write_manifest(tmp_path, n=10)
    train.main(["--manifest", manifest, "--val-manifest", manifest, "--out", str(tmp_path / "run"), "--d-model", "16",
                "--steps", "2", "--warmup", "1"])
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"id": "x", "sampling": {"temperature": 0.3}}))
    export.main(["--ckpt", str(tmp_path / "run" / "last.pt"), "--out", str(folder), "--candidates", "4"])
    m = json.loads((folder / "model.json").read_text())
    assert m["reader"]["file"] == "reader.onnx" and m["reader"]["vocab_size"] == 128 and m["reader"]["blank_id"] == 0
    assert m["sampling"] == {"temperature": 0.3, "candidates": 4} and m["training"]["reader"]["step"] == 2
    graph = onnx.load(str(folder / "reader.onnx")).graph
    assert [i.name for i in graph.input] == ["codes"] and [o.name for o in graph.output] == ["log_probs"]


def test_committed_fixture_matches_the_exporter():
    fixture = json.load(open(os.path.join(FIXTURE, "reader_parity.json")))
    torch.manual_seed(5)
    model = CodeReader(ReaderConfig(d_model=8, dilations=[1, 2], dropout=0.0)).eval()
    fresh = export.parity(model)
    for committed, now in zip(fixture["cases"], fresh["cases"]):
        assert committed["codes"] == now["codes"]
        assert np.allclose(committed["log_probs"], now["log_probs"], atol=1e-5)
    codes = torch.tensor([fixture["cases"][0]["codes"]])
    nll = ctc_nll(model(codes), torch.tensor([codes.shape[1]]), [ctc_targets(fixture["cases"][0]["text_ids"])])
    assert abs(nll.item() / len(ctc_targets(fixture["cases"][0]["text_ids"])) - fixture["cases"][0]["nll_per_phoneme"]) < 1e-4
