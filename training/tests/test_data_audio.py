"""Audio conditioning of the corpus: loudness, edge trim, and every kind of bad input rejected by name."""
import os

import numpy as np
import pytest
import soundfile as sf

from training.data.audio import SAMPLE_RATE, BadAudio, condition, read_mono, trim_silence
from training.data.loudness import TARGET_LUFS, integrated_loudness

SR = SAMPLE_RATE


def tone(seconds, freq=220.0, amp=0.3, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    # Amplitude-modulated harmonic tone: speech-like enough for the loudness gate and the trimmer.
    x = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 6))
    return (amp * x / np.max(np.abs(x)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def test_bs1770_reference_sine():
    # BS.1770: a 997 Hz sine at -20 dBFS peak reads -23.0 LUFS (0 dBFS sine = -3.01 LUFS).
    t = np.arange(5 * 48000) / 48000
    assert integrated_loudness(0.1 * np.sin(2 * np.pi * 997 * t), 48000) == pytest.approx(-23.0, abs=0.05)


@pytest.mark.parametrize("amp", [0.02, 0.2, 0.6])
def test_condition_normalizes_loudness_whatever_the_input_level(amp):
    y = condition(tone(3.0, amp=amp), SR)
    assert integrated_loudness(y, SR) == pytest.approx(TARGET_LUFS, abs=0.3)


def test_condition_resamples_24k_to_16k():
    y = condition(tone(2.0, sr=24000), 24000)
    assert len(y) == pytest.approx(2.0 * SR, rel=0.01)


def test_trim_removes_edge_silence_and_keeps_a_pad():
    speech = tone(1.0)
    x = np.concatenate([np.zeros(SR), speech, np.zeros(2 * SR)]).astype(np.float32)
    y = trim_silence(x)
    assert 1.0 <= len(y) / SR <= 1.0 + 2 * 0.1 + 0.03


@pytest.mark.parametrize("make, reason", [
    (lambda: tone(0.3), "too_short"),
    (lambda: np.concatenate([np.zeros(SR), tone(0.2), np.zeros(SR)]), "too_short"),  # short once trimmed
    (lambda: tone(31.0), "too_long"),
    (lambda: np.clip(tone(2.0, amp=1.0) * 3, -1, 1), "clipped"),
    (lambda: np.zeros(2 * SR, dtype=np.float32), "silent"),
    (lambda: np.full(SR, np.nan, dtype=np.float32), "unreadable"),
])
def test_bad_audio_is_rejected_with_a_reason(make, reason):
    with pytest.raises(BadAudio) as err:
        condition(make().astype(np.float32), SR)
    assert err.value.reason == reason


def test_unreadable_and_empty_files(tmp_path):
    garbage = tmp_path / "garbage.opus"
    garbage.write_bytes(b"not audio at all" * 10)
    with pytest.raises(BadAudio) as err:
        read_mono(str(garbage))
    assert err.value.reason == "unreadable" and "garbage.opus" in str(err.value)
    with pytest.raises(BadAudio) as err:
        read_mono(str(tmp_path / "missing.flac"))
    assert err.value.reason == "unreadable"
    empty = tmp_path / "empty.wav"
    sf.write(str(empty), np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(BadAudio) as err:
        read_mono(str(empty))
    assert err.value.reason == "empty_audio"


def test_stereo_is_averaged_to_mono(tmp_path):
    path = os.path.join(tmp_path, "stereo.wav")
    left = tone(1.0)
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1), SR)
    x, sr = read_mono(path)
    assert sr == SR and x.ndim == 1
    assert np.max(np.abs(x)) == pytest.approx(np.max(np.abs(left)) / 2, rel=0.01)
