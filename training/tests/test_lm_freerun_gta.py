"""Free-running takes' targets: the phoneme-wise time map and the WSOLA warp (training/lm/freerun_gta.py)."""
import json
import os

import numpy as np
import pytest

from training.lm import freerun_gta as fg


def test_token_knots_map_each_token_to_its_frames_and_collapse_missing_ones():
    # tokens 0 (frames 0-1), 1 absent, 2 (frames 2-5), 3 (frame 6)
    u, f = fg.token_knots(np.array([0, 0, 2, 2, 2, 2, 3]))
    assert list(u) == [0, 1, 2, 3, 4]
    assert list(f) == [0, 2, 2, 6, 7]


def test_source_frames_run_linearly_within_each_phoneme():
    real = np.array([0, 0, 1, 1, 1, 1, 2, 2])  # token 1 lasts 4 frames in the recording
    take = np.array([0, 0, 1, 1, 2, 2])  # and 2 in the take
    src = fg.source_frames(take, real)
    # token 0: same length, same times; token 1: each take frame covers two real frames; token 2: shifted by 2
    np.testing.assert_allclose(src, [0.5, 1.5, 3.0, 5.0, 6.5, 7.5])
    assert np.all(np.diff(src) > 0)


def test_source_frames_handle_tokens_either_side_lacks():
    real = np.array([0, 0, 2, 2])  # the recording has no frame for token 1
    take = np.array([0, 1, 1, 2])  # the take skips nothing
    src = fg.source_frames(take, real)
    np.testing.assert_allclose(src, [1.0, 2.0, 2.0, 3.0])  # token 1 sits at the boundary: a point in time


def test_wsola_with_the_identity_map_returns_the_input():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(8000) * 0.1
    y = fg.wsola(x, lambda n: n, len(x))
    np.testing.assert_allclose(y[10:-10], x[10:-10], atol=1e-9)


@pytest.mark.parametrize("rate", [0.6, 1.5])
def test_wsola_stretches_time_and_keeps_pitch(rate):
    t = np.arange(16000) / 16000
    x = np.sin(2 * np.pi * 200 * t)
    length = int(len(x) / rate)
    y = fg.wsola(x, lambda n: n * rate, length)
    assert len(y) == length
    mid = y[2000:length - 2000]
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    peak_hz = np.argmax(spectrum) * 16000 / len(mid)
    assert abs(peak_hz - 200) < 5
    assert abs(np.sqrt(np.mean(mid ** 2)) - np.sqrt(0.5)) < 0.05  # no phase cancellation between windows


def test_dtw_path_follows_a_known_time_map():
    rng = np.random.default_rng(1)
    truth = np.r_[np.arange(20), np.repeat(20, 5), 20 + 2 * np.arange(1, 20)]  # b plays on, holds, then runs 2x
    b = rng.standard_normal((truth[-1] + 1, 4))
    a = b[truth] + 0.01 * rng.standard_normal((len(truth), 4))
    path = fg.dtw_path(a, b)
    assert path[0] == 0 and path[-1] == len(b) - 1
    assert np.mean(path == truth) > 0.95
    assert np.all(np.diff(path) >= 0) and np.all(np.diff(path) <= 3)


def test_dtw_path_refuses_what_no_path_can_reach():
    with pytest.raises(ValueError, match="no path"):
        fg.dtw_path(np.zeros((3, 2)), np.zeros((20, 2)))


def test_dtw_timing_recovers_a_slowed_recording():
    t = np.arange(16000) / 16000
    sweep = np.sin(2 * np.pi * (200 * t + 900 * t * t)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))  # rising pitch
    slowed = fg.wsola(sweep, lambda n: n / 1.25, 20000)  # the recording, 1.25x longer
    source_at = fg.dtw_source_samples(sweep, slowed)  # the take plays `sweep`: where is each of its samples?
    n = np.arange(2000, 14000, 1000, dtype=np.float64)
    np.testing.assert_allclose(source_at(n), n * 1.25, atol=0.02 * 16000)  # within 20 ms


def test_gated_loudness_ignores_pauses():
    tone = 0.1 * np.sin(2 * np.pi * 300 * np.arange(16000) / 16000)
    with_pause = np.concatenate([tone, np.zeros(16000), tone])
    plain_db = 10 * np.log10(np.mean(with_pause ** 2))  # the pause's third of the time drags this 1.8 dB down
    assert fg.gated_loudness_db(with_pause) == pytest.approx(fg.gated_loudness_db(tone), abs=1.0)
    assert fg.gated_loudness_db(with_pause) > plain_db + 1.0
    assert fg.gated_loudness_db(tone) == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.2)
    assert fg.gated_loudness_db(np.zeros(16000)) == float("-inf")


def test_main_writes_gta_folders_that_the_decoder_sampler_reads(tmp_path):
    import soundfile as sf

    from training.codec.data import GtaSampler

    audio_dir = tmp_path / "audio"
    audio_dir.mkdir()
    t = np.arange(32000) / 16000
    sf.write(audio_dir / "u1.wav", 0.3 * np.sin(2 * np.pi * 150 * t), 16000)
    corpus = tmp_path / "train.jsonl"
    corpus.write_text(json.dumps({"id": "u1", "path": "audio/u1.wav", "phoneme_ids": [20, 21, 22]}) + "\n")
    real = np.repeat([0, 1, 2], [30, 40, 30]).astype(np.int16)  # 100 frames = 2 s
    np.savez(tmp_path / "real.align.npz", **{"id:u1": real})
    take = np.repeat([0, 1, 2], [20, 40, 20])
    generated = tmp_path / "gen.jsonl"
    generated.write_text("\n".join(json.dumps(r) for r in [
        {"id": "p", "speaker": "k", "prompt_only": True, "phonemes": [20], "c0": [1, 2]},
        {"id": "u1-c0", "speaker": "k", "prompt": "p", "phonemes": [20, 21, 22], "c0": list(range(80)), "align": take.tolist()},
        {"id": "u1-c1", "speaker": "k", "prompt": "p", "phonemes": [22], "c0": [5, 6], "align": [0, 0]},
    ]) + "\n")
    out = tmp_path / "gta"
    fg.main(["--generated", str(generated), "--alignments", str(tmp_path / "real.align.npz"), "--corpus", str(corpus),
             "--out", str(out)])
    index = json.loads((out / "index.json").read_text())["utterances"]
    assert index == [["u1-c0", 0, 0, 80, "k"]]  # the second chunk's phonemes are not the recording's: skipped
    audio = np.load(out / "audio.npy")
    assert len(audio) == 80 * 320
    assert fg.gated_loudness_db(audio / 32768.0) == pytest.approx(fg.TARGET_DB, abs=0.5)
    assert list(np.load(out / "phonemes.npy")[[0, 19, 20, 59, 60, 79]]) == [20, 20, 21, 21, 22, 22]
    a, codes, phonemes = GtaSampler(str(out), crop_frames=40, hop=320).batch(2)
    assert a.shape == (2, 1, 40 * 320) and codes.shape == (2, 1, 40) and phonemes.shape == (2, 40)
    assert os.path.exists(out / "codes.npy")


@pytest.mark.parametrize("args", [["--timing", "dtw"], ["--timing", "dtw", "--alignments", "a.npz"],
                                  ["--alignments", "a.npz", "--render-with", "c.pt"]])
def test_main_refuses_a_timing_without_its_inputs(args, capsys):
    with pytest.raises(SystemExit):
        fg.main(["--generated", "g.jsonl", "--corpus", "c.jsonl", "--out", "o"] + args)
    assert "--timing phonemes needs --alignments; --timing dtw needs --render-with" in capsys.readouterr().err
