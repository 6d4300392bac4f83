"""Forced alignment (training/lm/align.py) and the aligned-attention loss (training/lm/guided.py)."""
import json

import numpy as np
import pytest
import torch

from training.lm import align
from training.lm.config import TEXT_BOS, TEXT_EOS, TEXT_SEP
from training.lm.guided import aligned_attention_loss, aligned_keys, collate_aligned

try:
    from .test_lm_data import write_corpus
    from .test_lm_train import run
except ImportError:
    from test_lm_data import write_corpus
    from test_lm_train import run

SPACE, STRESS = 4, 12  # skippable ids (word boundary, primary stress); letters start at 20


def test_viterbi_recovers_a_known_segmentation_and_skips_silent_tokens():
    tokens = np.array([20, SPACE, STRESS, 21, 22])
    truth = [0] * 4 + [3] * 6 + [4] * 3  # the space and the stress mark get no frames
    emission = np.full((len(truth), len(tokens)), -5.0)
    emission[np.arange(len(truth)), truth] = 0.0
    path = align.viterbi(emission, align.skippable(tokens))
    assert path.tolist() == truth


def test_viterbi_is_monotonic_and_covers_every_sounding_token_even_against_the_emissions():
    tokens = np.array([20, 21, 22, 23])
    emission = np.zeros((12, 4))
    emission[:, 3] = 10.0  # everything "sounds like" the last token
    path = align.viterbi(emission, align.skippable(tokens))
    assert path[0] == 0 and path[-1] == 3
    assert (np.diff(path) >= 0).all() and (np.diff(path) <= 1).all()


def synthetic_corpus(root, n=300, seed=0):
    """Utterances whose codes come from symbol-specific code ranges, with random durations: the true
    alignment is known, so flat-start training can be scored."""
    rng = np.random.default_rng(seed)
    (root / "codes").mkdir()
    lines, truth = [], {}
    for u in range(n):
        phonemes = rng.integers(20, 40, int(rng.integers(4, 12)))
        phonemes[rng.random(len(phonemes)) < 0.2] = SPACE
        durations = [0 if p == SPACE else int(rng.integers(2, 9)) for p in phonemes]
        if sum(durations) == 0:
            continue
        frames = np.repeat(np.arange(len(phonemes)), durations)
        codes = np.zeros((8, len(frames)), dtype=np.int16)
        for q in range(2):  # each symbol owns codes 20*s .. 20*s+19 (plus 10% noise)
            codes[q] = phonemes[frames] * 20 + rng.integers(0, 20, len(frames))
            noise = rng.random(len(frames)) < 0.1
            codes[q][noise] = rng.integers(0, 1024, int(noise.sum()))
        uid = f"u{u}"
        np.save(root / "codes" / f"{uid}.npy", codes)
        lines.append({"id": uid, "speaker": "s", "phonemes": phonemes.tolist(), "codes": f"codes/{uid}.npy"})
        truth[uid] = frames
    path = root / "train.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return str(path), truth


def test_flat_start_training_finds_the_true_alignment(tmp_path):
    manifest, truth = synthetic_corpus(tmp_path)
    align.main(["--manifest", manifest, "--passes", "4"])
    found = align.read_alignments(align.alignment_path(manifest))
    assert set(found) == set(truth)
    accuracy = np.mean(np.concatenate([found[k] == truth[k] for k in truth]))
    uniform = np.mean(np.concatenate([align.uniform_alignment(len(v), int(v.max()) + 1) == v for v in truth.values()]))
    assert accuracy > 0.95 > uniform
    # held-out utterances are aligned with the saved tables, without re-estimating them
    (tmp_path / "other").mkdir()
    other, other_truth = synthetic_corpus(tmp_path / "other", seed=1)
    align.main(["--manifest", other, "--tables-from", align.alignment_path(manifest)])
    held = align.read_alignments(align.alignment_path(other))
    assert np.mean(np.concatenate([held[k] == other_truth[k] for k in other_truth])) > 0.9


def example(text, prompt_frames, target_frames, mode, prompt_align=None, target_align=None):
    return {"text": text, "prompt": np.zeros((8, prompt_frames), dtype=np.int64),
            "target": np.zeros((8, target_frames), dtype=np.int64), "mode": mode,
            "prompt_align": prompt_align, "target_align": target_align}


def test_aligned_keys_point_each_position_at_the_token_of_the_group_it_predicts():
    text = [TEXT_BOS, 20, 21, 22, TEXT_EOS]  # the phonemes sit at text positions 1..3
    frames = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3])  # 9 frames: prompt 4, target 5
    x = example(text, 4, 5, "continuation", frames[:4], frames[4:])
    keys = aligned_keys(x, 2, 12)
    # fed groups: 2 prompt + 2 target (the third target group holds end of speech and is not fed)
    # position of fed group a reads the token at frame 2(a+1): frames 2, 4, 6, 8 -> 1, 2, 3, 3; then EOS for
    # the group with end of speech is never fed.
    assert keys.tolist() == [-1] * 5 + [1, 2, 3, 3] + [-1] * 3
    # a 10th frame: the last fed group predicts the end-of-speech group, which reads EOS
    x = example(text, 4, 6, "continuation", frames[:4], np.append(frames[4:], 3))
    assert aligned_keys(x, 2, 12)[5:10].tolist() == [1, 2, 3, 3, 4]


def test_reference_without_prompt_alignment_guides_only_the_target():
    text = [TEXT_BOS, 30, TEXT_SEP, 20, 21, TEXT_EOS]
    x = example(text, 4, 4, "reference", None, np.array([3, 3, 4, 4]))
    keys = aligned_keys(x, 2, 12)
    assert keys[6:8].tolist() == [-1, 3] and keys[8:10].tolist() == [4, 5]
    batch = collate_aligned([x, x], 2, 12)
    assert batch.shape == (2, 12) and batch.dtype == torch.int64


def test_an_alignment_that_does_not_fit_the_text_is_an_error():
    x = example([TEXT_BOS, 20, TEXT_EOS], 2, 2, "continuation", np.array([1, 1]), np.array([1, 7]))
    with pytest.raises(ValueError, match="do not match"):
        aligned_keys(x, 2, 8)


def test_aligned_attention_loss_rewards_attention_on_the_aligned_token_and_ignores_unguided_queries():
    n = 6
    targets = torch.tensor([[-1, -1, -1, 0, 1, 2]])

    def scores(where):
        s = torch.zeros(1, 1, n, n)
        for q, k in enumerate(where):
            s[0, 0, q, k] = 8.0
        return s

    right = aligned_attention_loss(scores([0, 0, 0, 0, 1, 2]), targets, 1).item()
    wrong = aligned_attention_loss(scores([0, 0, 0, 2, 0, 0]), targets, 1).item()
    unguided_changed = aligned_attention_loss(scores([5, 5, 5, 0, 1, 2]), targets, 1).item()
    assert right < 0.01 < wrong and right == pytest.approx(unguided_changed)
    s = torch.zeros(1, 2, n, n, requires_grad=True)
    aligned_attention_loss(s, targets, 1).backward()
    assert s.grad[0, 1].abs().sum() == 0 and s.grad[0, 0, :3].abs().sum() == 0 and s.grad[0, 0, 3:].abs().sum() > 0


def test_training_with_alignments_logs_the_aligned_loss_and_needs_the_alignment_file(tmp_path):
    manifest = write_corpus(tmp_path)
    with pytest.raises(SystemExit, match="training.lm.align"):
        run(manifest, tmp_path / "a", "ar", 2, ["--align-weight", "1"])
    align.main(["--manifest", manifest, "--passes", "1"])
    run(manifest, tmp_path / "a", "ar", 50, ["--align-weight", "1", "--guided-layers", "0", "--val-manifest", manifest,
                                              "--val-batches", "1", "--ckpt-every", "50"])
    log = (tmp_path / "a" / "log.txt").read_text()
    assert " align " in log and " val_align " in log and " wrong_text " in log


def test_pointer_rows_feed_the_token_of_each_output_group_and_label_the_advance():
    from training.lm.pointer import pointer_row
    text = [TEXT_BOS, 20, 21, 22, TEXT_EOS]
    frames = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3, 3])  # prompt 4 frames, target 6
    x = example(text, 4, 6, "reference", None, frames[4:])
    pointer, advance, context = pointer_row(x, 2, 12, 3)
    assert not context.any()  # no context asked for
    # text 5 tokens; fed groups: 2 prompt + 3 target; the prompt's first position is unaligned (pointer 0)
    keys = aligned_keys(x, 2, 12)[5:10].tolist()
    assert keys == [-1, 2, 3, 3, 4]
    assert pointer[5:10].tolist() == [0, 21, 22, 22, TEXT_EOS] and pointer[:5].tolist() == [0] * 5
    assert advance[5:10].tolist() == [-100, 1, 0, 1, -100]
    with pytest.raises(ValueError, match="alignment"):
        pointer_row(example(text, 4, 6, "reference"), 2, 12, 3)


def test_pointer_context_gives_the_neighbouring_tokens_and_the_groups_spent_as_the_runtime_counts_them():
    from training.lm.pointer import pointer_row
    text = [TEXT_BOS, 20, 21, 22, TEXT_EOS]
    frames = np.array([1, 1, 1, 2, 2, 2, 2, 2, 3, 3])  # prompt 4 frames, target 6: groups say 21, 21, 22, EOS
    x = example(text, 4, 6, "reference", None, frames[4:])
    pointer, _, context = pointer_row(x, 2, 12, 3, max_age=2)
    assert pointer[6:10].tolist() == [21, 21, 22, TEXT_EOS]
    assert context[6:10].tolist() == [[20, 22, 1], [20, 22, 2], [21, TEXT_EOS, 1], [22, 0, 1]]
    assert not context[:6].any() and not context[10:].any()  # the prompt and padding are unknown
    _, _, capped = pointer_row(example(text, 4, 6, "reference", None, np.full(6, 3)), 2, 12, 3, max_age=2)
    assert capped[6:10, 2].tolist() == [1, 2, 2, 1]  # 22 three times, then EOS: the count stops at max_age


def test_condition_dropout_feeds_whole_utterances_no_pointer_and_ignores_their_advance():
    from training.lm.pointer import drop_pointer
    text_ids = torch.tensor([[5, 6, 21, 22, 22], [5, 6, 21, 21, 22], [5, 6, 22, 23, 0]])
    is_audio = torch.tensor([[False, False, True, True, True]] * 2 + [[False, False, True, True, False]])
    context = torch.ones(3, 5, 3, dtype=torch.int64)
    batch = {"text_ids": text_ids.clone(), "is_audio": is_audio, "pointer_context": context.clone()}
    advance = torch.tensor([[-100, -100, 1, 0, -100]] * 3)
    rng = np.random.default_rng(0)
    chosen = np.random.default_rng(0).random(3) < 0.5  # what drop_pointer draws with the same generator
    assert 0 < chosen.sum() < 3
    out = drop_pointer(batch, advance, 0.5, rng)
    for i in range(3):
        if chosen[i]:  # audio positions unknown, text prefix kept, no advance label
            assert batch["text_ids"][i].tolist() == [5, 6, 0, 0, 0]
            assert not batch["pointer_context"][i][is_audio[i]].any() and batch["pointer_context"][i][~is_audio[i]].all()
            assert (out[i] == -100).all()
        else:
            assert torch.equal(batch["text_ids"][i], text_ids[i]) and torch.equal(out[i], advance[i])
            assert batch["pointer_context"][i].all()
    untouched = {"text_ids": text_ids.clone(), "is_audio": is_audio}
    assert drop_pointer(untouched, advance, 0.0, np.random.default_rng(1)) is advance
    assert torch.equal(untouched["text_ids"], text_ids)


def test_a_pointer_ar_fine_tunes_from_a_plain_one_and_learns_the_advance(tmp_path):
    from training.lm.checkpoint import load_checkpoint
    manifest = write_corpus(tmp_path)
    align.main(["--manifest", manifest, "--passes", "1"])
    run(manifest, tmp_path / "plain", "ar", 2)
    model = run(manifest, tmp_path / "p", "ar", 50, ["--init-from", str(tmp_path / "plain" / "last.pt"),
                                                     "--pointer-classes", "4", "--ckpt-every", "50"])
    assert model.cfg.pointer_classes == 4
    _, plain, _ = load_checkpoint(str(tmp_path / "plain" / "last.pt"))
    assert " advance " in (tmp_path / "p" / "log.txt").read_text()
    _, again, state = load_checkpoint(str(tmp_path / "p" / "last.pt"))
    assert again.cfg.pointer_classes == 4 and state["step"] == 50
    # a held-out set without alignments is refused before the first step, not at the first validation
    unaligned = str(tmp_path / "unaligned.jsonl")
    with open(manifest, encoding="utf-8") as src, open(unaligned, "w", encoding="utf-8") as dst:
        dst.write(src.read())
    with pytest.raises(SystemExit, match="validation needs the alignments of --val-manifest.*--tables-from"):
        run(manifest, tmp_path / "v", "ar", 50, ["--init-from", str(tmp_path / "plain" / "last.pt"),
                                                 "--pointer-classes", "4", "--val-manifest", unaligned])
    assert not (tmp_path / "v" / "last.pt").exists()
    with pytest.raises(SystemExit, match="not nar"):
        run(manifest, tmp_path / "q", "nar", 1, ["--init-from", str(tmp_path / "plain" / "last.pt")])


def test_a_pointer_ar_exports_with_its_advance_output_and_context_input_and_without_the_drafter(tmp_path):
    from training.lm import export
    manifest = write_corpus(tmp_path)
    align.main(["--manifest", manifest, "--passes", "1"])
    run(manifest, tmp_path / "runs" / "ar", "ar", 2, ["--pointer-classes", "4", "--pointer-context", "3",
                                                      "--self-feed", "0.5", "--uncond-drop", "0.5"])
    run(manifest, tmp_path / "runs" / "nar", "nar", 1)
    run(manifest, tmp_path / "runs" / "draft", "draft", 1)
    export.main(["--ckpt", str(tmp_path / "runs"), "--out", str(tmp_path / "m"), "--parity"])
    m = json.loads((tmp_path / "m" / "model.json").read_text())
    assert m["ar"]["dims"]["pointer_classes"] == 4 and m["draft"] is None
    assert m["ar"]["outputs"][-1] == {"name": "advance_logits", "dtype": "float32", "shape": ["B", "S", 4]}
    assert m["ar"]["dims"]["pointer_context"] == 3
    assert m["ar"]["inputs"][-1] == {"name": "pointer_context", "dtype": "int64", "shape": ["B", "S", 3]}
    parity = json.loads((tmp_path / "m" / "lm_parity.json").read_text())
    assert parity["ar"]["advance_logits"]["shape"] == [1, 8, 4]
    assert parity["ar"]["inputs"]["pointer_context"][0][-1] == [20, 0, 2]
