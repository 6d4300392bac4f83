"""Speaker encoder units: log-mel frontend shapes and FFT/DFT-conv agreement, unit embeddings, AAM loss, EER on toy cases."""
import numpy as np
import pytest
import torch

from training.speaker.config import SpeakerConfig
from training.speaker.frontend import LogMel, mel_filterbank
from training.speaker.loss import AAMSoftmax
from training.speaker.metrics import equal_error_rate, trials, verification_report
from training.speaker.model import SpeakerEncoder, count_parameters

TINY = SpeakerConfig(channels=16, stats_channels=24, embedding_dim=8)


@pytest.mark.parametrize("samples,frames", [(400, 1), (16000, 98), (16079, 98), (16080, 99), (48000, 298)])
def test_frontend_shape(samples, frames):
    feats = LogMel(SpeakerConfig())(torch.randn(2, samples))
    assert feats.shape == (2, 40, frames)


def test_frontend_conv_matches_fft_and_removes_gain():
    torch.manual_seed(0)
    fe = LogMel(SpeakerConfig())
    x = torch.randn(3, 12345) * 0.1
    conv, fft = fe(x), fe(x, fast=True)
    assert torch.allclose(conv, fft, atol=1e-3), (conv - fft).abs().max()
    # Mean normalization: a gain change only shifts log-mel by a constant, which it removes.
    assert torch.allclose(fe(x * 4.0), conv, atol=1e-3)


def test_mel_filterbank_covers_band():
    fb = mel_filterbank(SpeakerConfig())
    assert fb.shape == (257, 40) and fb.min() >= 0
    assert (fb.max(dim=0).values > 0.5).all()  # every filter has a peak on the FFT grid


def test_model_outputs_unit_embeddings_for_any_length():
    model = SpeakerEncoder(SpeakerConfig()).eval()
    assert 200_000 <= count_parameters(model) <= 1_500_000
    with torch.no_grad():
        for n in (8000, 24000, 51234):
            e = model(torch.randn(2, n))
            assert e.shape == (2, 192)
            assert torch.allclose(e.norm(dim=1), torch.ones(2), atol=1e-5)


def test_aam_loss_rewards_correct_class_and_margin_costs():
    head = AAMSoftmax(4, 3, margin=0.2, scale=2.0)
    with torch.no_grad():
        head.weight.copy_(torch.eye(3, 4))
    emb = torch.eye(3, 4)
    good, acc = head(emb, torch.tensor([0, 1, 2]))
    bad, _ = head(emb, torch.tensor([1, 2, 0]))
    no_margin, _ = head(emb, torch.tensor([0, 1, 2]), margin=0.0)
    assert acc.item() == 1.0 and good < bad and no_margin < good


@pytest.mark.parametrize("same,different,eer", [
    ([0.9, 0.8, 0.7, 0.2], [0.1, 0.3, 0.4, 0.75], 0.25),  # threshold 0.7: one miss, one false accept of four
    ([0.9, 0.8], [0.1, 0.2], 0.0),
    ([0.1, 0.2], [0.8, 0.9], 1.0),
    ([0.5, 0.5], [0.5, 0.5], 0.5),
])
def test_equal_error_rate_toy_cases(same, different, eer):
    scores = same + different
    labels = [1] * len(same) + [0] * len(different)
    assert equal_error_rate(scores, labels) == pytest.approx(eer, abs=1e-12)


def test_equal_error_rate_needs_both_kinds():
    with pytest.raises(ValueError):
        equal_error_rate([0.1, 0.2], [1, 1])


def test_trials_all_same_pairs_and_as_many_different():
    speakers = ["a"] * 3 + ["b"] * 4 + ["c"] * 2
    i, j, same = trials(speakers, seed=1)
    assert same.sum() == 3 + 6 + 1 and (same == 0).sum() == 10
    s = np.asarray(speakers)
    assert ((s[i] == s[j]) == (same == 1)).all() and (i < j).all()
    assert len(set(zip(i.tolist(), j.tolist()))) == len(i)  # no duplicate trial


def test_verification_report_separates_clustered_embeddings():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16))
    emb = np.repeat(centres, 5, axis=0) + 0.1 * rng.normal(size=(20, 16))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    r = verification_report(emb, [k for k in "abcd" for _ in range(5)])
    assert r["eer"] == 0.0 and r["same_mean_cosine"] > r["different_mean_cosine"]
    assert (r["same_trials"], r["different_trials"], r["speakers"]) == (40, 40, 4)
