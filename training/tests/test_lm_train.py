"""Codec LM training and export: exact checkpoint resume, ONNX export from checkpoints, committed fixture in sync."""
import json
import os

import onnx
import pytest
import torch

from training.lm import export, train
from training.lm.checkpoint import load_checkpoint
from training.lm.parity import parity_fixture

try:  # training/tests may or may not become a package
    from .test_lm_data import write_corpus
except ImportError:
    from test_lm_data import write_corpus

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "tiny-model")
TINY = ["--d-model", "16", "--n-layers", "1", "--n-heads", "2", "--batch-size", "2", "--warmup", "2"]


def run(manifest, out, kind, steps, extra=()):
    return train.main(["--manifest", manifest, "--out", str(out), "--model", kind, "--steps", str(steps),
                       "--ckpt-every", "100", "--device", "cpu", *TINY, *extra])


@pytest.mark.parametrize("kind", ["ar", "nar"])
def test_resume_is_exact(tmp_path, kind):
    manifest = write_corpus(tmp_path)
    straight = run(manifest, tmp_path / "a", kind, 4)
    run(manifest, tmp_path / "b", kind, 2)  # stops and checkpoints at step 2
    resumed = run(manifest, tmp_path / "b", kind, 4)  # picks up last.pt
    for (name, x), (_, y) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(x, y), name
    _, _, state = load_checkpoint(str(tmp_path / "b" / "last.pt"))
    assert state["step"] == 4 and state["optimizer"] is not None
    # and training changed the weights (same seed, same initial weights as the runs above)
    torch.manual_seed(0)
    fresh = train.build_model(kind, train.make_config(train.parse_args(
        ["--manifest", manifest, "--out", "x", "--model", kind, *TINY])))
    assert any(not torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), resumed.state_dict().values()))


def test_resume_refuses_another_model_kind(tmp_path):
    manifest = write_corpus(tmp_path)
    run(manifest, tmp_path / "r", "ar", 1)
    with pytest.raises(SystemExit, match="holds a ar model, not nar"):
        run(manifest, tmp_path / "r", "nar", 2)


def test_export_from_checkpoints(tmp_path):
    manifest = write_corpus(tmp_path)
    for kind, g in (("ar", "2"), ("draft", "2"), ("nar", "2")):
        run(manifest, tmp_path / "runs" / kind, kind, 1, ["--group-size", g])
    out = tmp_path / "model"
    export.main(["--ckpt", str(tmp_path / "runs"), "--out", str(out), "--parity"])
    m = json.loads((out / "model.json").read_text())
    assert m["format"] == "parla-model" and m["group_size"] == 2 and m["quality"] is None
    assert m["training"]["steps"] == {"ar": 1, "nar": 1, "draft": 1}
    for section in ("ar", "draft", "nar"):
        graph = onnx.load(str(out / m[section]["file"]))
        onnx.checker.check_model(graph)
        assert [i.name for i in graph.graph.input] == [t["name"] for t in m[section]["inputs"]]
        assert [o.name for o in graph.graph.output] == [t["name"] for t in m[section]["outputs"]]
    assert (out / "lm_parity.json").exists()


def test_export_needs_checkpoints(tmp_path):
    with pytest.raises(SystemExit, match="no ar checkpoint"):
        export.main(["--ckpt", str(tmp_path), "--out", str(tmp_path / "m")])


def test_committed_fixture_matches_the_code():
    """test/fixtures/tiny-model was exported by this code: its parity logits are reproduced from the seed."""
    with open(os.path.join(FIXTURE, "lm_parity.json"), encoding="utf-8") as f:
        committed = json.load(f)
    fresh = parity_fixture(*export.tiny_models())
    for section in ("ar", "draft", "nar"):
        assert fresh[section]["inputs"] == committed[section]["inputs"], section
        diff = (torch.tensor(fresh[section]["logits"]["data"]) - torch.tensor(committed[section]["logits"]["data"])).abs()
        assert diff.max().item() < 1e-4, f"{section}: re-export the fixture (python -m training.lm.export --tiny ...)"


def test_max_minutes_stops_with_a_checkpoint(tmp_path):
    manifest = write_corpus(tmp_path)
    run(manifest, tmp_path / "t", "ar", 50, ["--max-minutes", "0"])  # out of time after the first step
    _, _, state = load_checkpoint(str(tmp_path / "t" / "last.pt"))
    assert state["step"] == 1
    assert "--max-minutes 0.0 reached" in (tmp_path / "t" / "log.txt").read_text()


def test_time_schedule_decays_over_the_wall_time_budget(tmp_path):
    a = train.parse_args(["--manifest", "m", "--out", "o", "--lr", "1e-3", "--warmup", "10", "--steps", "100000"])
    assert train.learning_rate(4, a, 0.9) == pytest.approx(5e-4)  # warmup still counts steps
    assert train.learning_rate(20, a, 0.0) == pytest.approx(1e-3)
    assert train.learning_rate(20, a, 0.5) == pytest.approx(0.55e-3)  # half-way down the cosine, to 10%
    assert train.learning_rate(20, a, 2.0) == pytest.approx(1e-4)
    assert train.learning_rate(20, a) == pytest.approx(1e-3, rel=1e-6)  # by steps: barely started
    with pytest.raises(SystemExit, match="--time-schedule needs --max-minutes"):
        run(write_corpus(tmp_path), tmp_path / "t", "ar", 2, ["--time-schedule"])


def test_slim_checkpoint_resumes_without_optimizer_state(tmp_path):
    from training.lm.checkpoint import slim_checkpoint
    manifest = write_corpus(tmp_path)
    run(manifest, tmp_path / "full", "nar", 2)
    full = tmp_path / "full" / "last.pt"
    slim = tmp_path / "slim" / "last.pt"
    assert slim_checkpoint(str(full), str(slim)) == 2
    assert os.path.getsize(slim) < 0.6 * os.path.getsize(full)
    _, model, state = load_checkpoint(str(slim))
    assert state["optimizer"] is None and state["step"] == 2
    _, ref, _ = load_checkpoint(str(full))
    for (name, x), (_, y) in zip(ref.state_dict().items(), model.state_dict().items()):
        assert torch.equal(x, y), name
    resumed = run(manifest, tmp_path / "slim", "nar", 3)  # continues from step 2 with a fresh optimizer
    _, _, after = load_checkpoint(str(slim))
    assert after["step"] == 3 and after["optimizer"] is not None
    assert any(not torch.equal(a, b) for a, b in zip(ref.state_dict().values(), resumed.state_dict().values()))


def test_device_checkpoint_parts_round_trip_in_fp16(tmp_path, monkeypatch):
    from training.lm import device_data
    manifest = write_corpus(tmp_path)
    run(manifest, tmp_path / "run", "ar", 2)
    monkeypatch.setattr(device_data, "PART_BYTES", 4000)  # force several parts
    parts = device_data.pack_checkpoint(str(tmp_path / "run" / "last.pt"), str(tmp_path / "back.pt"))
    assert parts > 1
    assert device_data.unpack_checkpoint(str(tmp_path / "back.pt"), str(tmp_path / "joined.pt")) == 2
    _, ref, _ = load_checkpoint(str(tmp_path / "run" / "last.pt"))
    _, joined, state = load_checkpoint(str(tmp_path / "joined.pt"))
    assert state["optimizer"] is None
    for (name, x), (_, y) in zip(ref.state_dict().items(), joined.state_dict().items()):
        assert y.dtype == x.dtype and torch.allclose(x, y, rtol=1e-3, atol=1e-4), name
    with pytest.raises(SystemExit, match="part0"):
        device_data.unpack_checkpoint(str(tmp_path / "missing.pt"), str(tmp_path / "x.pt"))


def test_best_checkpoint_follows_the_lowest_validation_loss(tmp_path):
    manifest = write_corpus(tmp_path)
    (tmp_path / "v").mkdir()
    val = str(write_corpus(tmp_path / "v", seed=3))
    out = tmp_path / "best"
    run(manifest, out, "nar", 6, ["--ckpt-every", "2", "--val-manifest", val, "--val-batches", "1", "--lr", "3e-2"])
    logged = {int(line.split()[1]): float(line.split()[3])
              for line in (out / "log.txt").read_text().splitlines() if " val_loss " in line}
    assert sorted(logged) == [2, 4, 6]
    best_step = min(logged, key=logged.get)
    _, _, state = load_checkpoint(str(out / "best.pt"))
    assert state["step"] == best_step and state["optimizer"] is None
    assert state["extra"]["val_loss"] == pytest.approx(logged[best_step], abs=1e-4)  # the log has 4 decimals
    assert train.best_validation_loss(str(out / "best.pt")) == state["extra"]["val_loss"]
    assert train.best_validation_loss(str(out / "none.pt")) == float("inf")
