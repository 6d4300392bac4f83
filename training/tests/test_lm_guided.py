"""Guided attention (AR) and NAR stage limits: the guide's layout, the loss on known attention, training flags."""
import json

import numpy as np
import torch

from training.lm import export, train
from training.lm.config import TEXT_BOS, TEXT_EOS, TEXT_SEP
from training.lm.dataset import collate_nar
from training.lm.guided import collate_guides, guide_row, guided_attention_loss

try:
    from .test_lm_data import write_corpus
    from .test_lm_train import run
except ImportError:
    from test_lm_data import write_corpus
    from test_lm_train import run


def example(text, prompt_frames, target_frames, mode):
    return {"text": text, "prompt": np.zeros((8, prompt_frames), dtype=np.int64),
            "target": np.zeros((8, target_frames), dtype=np.int64), "mode": mode}


def test_continuation_guides_every_audio_position_over_the_whole_text():
    text = [TEXT_BOS, *range(10, 18), TEXT_EOS]  # 10 tokens
    x = example(text, 20, 39, "continuation")  # 10 prompt groups + 20 target groups (39 codes + end of speech)
    n = 10 + 10 + 19 + 5  # text + fed audio + padding
    queries, keys, w = guide_row(x, 2, n, 0.15)
    assert queries.tolist() == [False] * 10 + [True] * 29 + [False] * 5
    assert keys.tolist() == [True] * 10 + [False] * 34
    # the middle audio position is cheapest to point at the middle of the text, dearest at its ends
    mid = 10 + 14
    assert w[mid, :10].argmin() == 5 and w[mid, 5] < 0.05 and w[mid, 0] > 0.8 and w[mid, 9] > 0.6
    # early audio reads early text, late audio late text; nothing outside the guided block is penalised
    assert w[10, :10].argmin() == 0 and w[10 + 28, :10].argmin() == 9
    assert w[~queries].sum() == 0 and w[:, ~keys].sum() == 0


def test_reference_guides_only_the_target_over_its_own_transcript():
    text = [TEXT_BOS, 20, 21, 22, TEXT_SEP, 30, 31, 32, 33, TEXT_EOS]  # prompt transcript, SEP, target transcript
    x = example(text, 8, 11, "reference")  # 4 prompt groups; 12 target codes with end of speech = 6 groups
    queries, keys, _ = guide_row(x, 2, 24, 0.15)
    # the last prompt position predicts target group 0; the 5 fed target groups predict groups 1..5
    assert np.flatnonzero(queries).tolist() == list(range(10 + 3, 10 + 3 + 6))
    assert np.flatnonzero(keys).tolist() == list(range(5, 10))
    no_transcript = example([TEXT_BOS, 30, 31, TEXT_EOS], 8, 11, "reference")
    assert np.flatnonzero(guide_row(no_transcript, 2, 24, 0.15)[1]).tolist() == [0, 1, 2, 3]


def test_loss_is_low_for_diagonal_attention_and_high_for_anti_diagonal():
    text = [TEXT_BOS, *range(10, 28), TEXT_EOS]  # 20 tokens
    x = example(text, 0, 39, "continuation")
    n = 20 + 19
    guides = collate_guides([x], 2, n, 0.15)
    q = np.flatnonzero(guides["queries"][0].numpy())

    def scores(target_of):  # one head attending sharply to text position target_of(audio index)
        s = torch.full((1, 1, n, n), -30.0)
        for i, pos in enumerate(q):
            s[0, 0, pos, target_of(i)] = 30.0
        return s

    diagonal = guided_attention_loss(scores(lambda i: min(19, round(i * 20 / 19))), guides, 1).item()
    anti = guided_attention_loss(scores(lambda i: 19 - min(19, round(i * 20 / 19))), guides, 1).item()
    uniform = guided_attention_loss(torch.zeros(1, 1, n, n), guides, 1).item()
    assert diagonal < 0.1 < uniform < anti
    # attention to audio keys is renormalised away: a head looking only at audio is scored on its text logits
    s = torch.zeros(1, 1, n, n, requires_grad=True)
    guided_attention_loss(s, guides, 1).backward()
    assert s.grad[0, 0][:, 20:].abs().sum() == 0 and s.grad[0, 0][:, :20].abs().sum() > 0


def test_guided_training_logs_the_guide_and_validation_with_a_wrong_text(tmp_path):
    manifest = write_corpus(tmp_path)
    run(manifest, tmp_path / "g", "ar", 50, ["--guided-weight", "1", "--guided-layers", "0", "--val-manifest", manifest,
                                              "--val-batches", "1", "--ckpt-every", "50"])
    log = (tmp_path / "g" / "log.txt").read_text()
    assert " guide " in log and " wrong_text " in log


def test_nar_max_stage_limits_training_stages_and_the_exported_stages(tmp_path):
    manifest = write_corpus(tmp_path)
    from training.lm.dataset import CodesDataset
    data = CodesDataset(manifest, group_size=1)
    stages = collate_nar(data.batch(0, 0, 9), 1024, np.random.default_rng(0), 8, max_stage=2)["stage"]
    assert set(stages.tolist()) <= {1, 2} and len(set(stages.tolist())) == 2
    run(manifest, tmp_path / "runs" / "ar", "ar", 1)
    run(manifest, tmp_path / "runs" / "nar", "nar", 1, ["--max-stage", "2"])
    export.main(["--ckpt", str(tmp_path / "runs"), "--out", str(tmp_path / "m")])
    assert json.loads((tmp_path / "m" / "model.json").read_text())["nar"]["stages"] == [1, 2]
    export.main(["--ckpt", str(tmp_path / "runs"), "--out", str(tmp_path / "m"), "--nar-stages", "5"])
    assert json.loads((tmp_path / "m" / "model.json").read_text())["nar"]["stages"] == [1, 2, 3, 4, 5]
    # 0 stages: no NAR at all, codebook 0 alone (and no stale nar.onnx left behind)
    export.main(["--ckpt", str(tmp_path / "runs"), "--out", str(tmp_path / "m"), "--nar-stages", "0",
                 "--sampling", '{"temperature": 0}', "--ar-checkpoint-record", "training/checkpoints/lm-x.pt"])
    m = json.loads((tmp_path / "m" / "model.json").read_text())
    assert m["sampling"] == {"temperature": 0}
    assert m["training"]["checkpoints"] == {"ar": "training/checkpoints/lm-x.pt"}  # the bench's PyTorch reference
    assert m["nar"] is None and m["training"]["nar_stages"] == 0 and not (tmp_path / "m" / "nar.onnx").exists()


def test_audio_noise_replaces_only_the_chosen_fraction_of_audio_groups(tmp_path):
    from training.lm.dataset import CodesDataset, collate_ar
    data = CodesDataset(write_corpus(tmp_path), group_size=2)
    batch = collate_ar(data.batch(0, 0, 6), 2, 1024)
    clean = {k: v.clone() for k, v in batch.items()}
    train.corrupt_audio(batch, 0.25, 1024, np.random.default_rng(0))
    changed = (batch["audio_codes"] != clean["audio_codes"]).any(-1)
    assert not changed[~clean["is_audio"]].any()  # text positions untouched
    share = changed[clean["is_audio"]].float().mean().item()
    assert 0.2 < share < 0.3
    assert torch.equal(batch["labels"], clean["labels"]) and batch["audio_codes"].max() < 1024
    # deterministic per (seed, step): a resumed run corrupts the same positions
    again = collate_ar(data.batch(0, 0, 6), 2, 1024)
    train.corrupt_audio(again, 0.25, 1024, np.random.default_rng(0))
    assert torch.equal(again["audio_codes"], batch["audio_codes"])


def test_self_feed_replaces_fed_target_groups_with_the_models_own_samples(tmp_path):
    from training.lm.ar import ARModel
    from training.lm.config import ARConfig, IGNORE
    from training.lm.dataset import CodesDataset, collate_ar
    data = CodesDataset(write_corpus(tmp_path), group_size=2)
    torch.manual_seed(0)
    model = ARModel(ARConfig(d_model=16, n_layers=1, n_heads=2, group_size=2))
    batch = collate_ar(data.batch(0, 0, 6), 2, 1024)
    clean = {k: v.clone() for k, v in batch.items()}
    train.feed_own_samples(model, batch, 1.0, torch.Generator().manual_seed(0))
    changed = (batch["audio_codes"] != clean["audio_codes"]).any(-1)
    # a fed group is the label of the position before it: only positions after a real target label may change
    target_fed = torch.zeros_like(changed)
    target_fed[:, 1:] = ((clean["labels"][:, :-1] != IGNORE) & (clean["labels"][:, :-1] < 1024)).all(-1) & clean["is_audio"][:, 1:]
    assert not changed[~target_fed].any()  # text, prompt and padding untouched
    assert changed[target_fed].float().mean() > 0.9  # fraction 1: (nearly) every one, barring a sampled repeat
    assert torch.equal(batch["labels"], clean["labels"]) and batch["audio_codes"].max() < 1024
    none = {k: v.clone() for k, v in clean.items()}
    train.feed_own_samples(model, none, 0.0, torch.Generator().manual_seed(0))
    assert torch.equal(none["audio_codes"], clean["audio_codes"])
