"""Voice augmentation does what its parameters say, measured on real espeak-ng speech: F0, duration, SNR, EQ."""
import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from training.data.audio import SAMPLE_RATE, resample
from training.data.augment import VoiceAugment, add_noise, draw_augment, run_sox, sox_effects
from training.data.voices import BaseVoice, synthesize

SR = SAMPLE_RATE


def median_f0(x, sr=SR, fmin=60.0, fmax=500.0):
    """Median F0 (Hz) over voiced 40 ms frames, by normalized autocorrelation with parabolic peak refinement."""
    frame, hop = int(0.04 * sr), int(0.01 * sr)
    lo, hi = int(sr / fmax), int(sr / fmin)
    loud = np.sqrt(np.mean(x ** 2))
    f0s = []
    for start in range(0, len(x) - frame, hop):
        f = x[start:start + frame] - np.mean(x[start:start + frame])
        if np.sqrt(np.mean(f ** 2)) < 0.3 * loud:
            continue
        ac = np.correlate(f, f, "full")[frame - 1:]
        ac = ac / (ac[0] + 1e-12)
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] < 0.6 or lag + 1 >= len(ac):
            continue
        a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
        f0s.append(sr / (lag + shift))
    assert len(f0s) > 20, "too few voiced frames to measure F0"
    return float(np.median(f0s))


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    voice = BaseVoice("espeak-en-us", "espeak-en-us", "espeak", "en-us")
    x, sr = synthesize(voice, "The old man walked along the river, and the water was calm and warm.",
                       str(tmp_path_factory.mktemp("synth")))
    return resample(x, sr) * 0.5


@pytest.mark.parametrize("cents", [-300, 250])
def test_pitch_shift_moves_median_f0_by_the_ratio(speech, cents):
    shifted = run_sox(speech, SR, sox_effects(VoiceAugment(pitch_cents=cents)), SR)
    ratio = median_f0(shifted) / median_f0(speech)
    assert ratio == pytest.approx(2 ** (cents / 1200), rel=0.03)
    assert len(shifted) == pytest.approx(len(speech), rel=0.01)  # pitch only: tempo unchanged


@pytest.mark.parametrize("speed", [0.87, 1.15])
def test_speed_changes_duration_and_f0_together(speech, speed):
    fast = run_sox(speech, SR, sox_effects(VoiceAugment(speed=speed)), SR)
    assert len(speech) / len(fast) == pytest.approx(speed, rel=0.01)
    assert median_f0(fast) / median_f0(speech) == pytest.approx(speed, rel=0.03)


@pytest.mark.parametrize("snr", [5.0, 15.0, 30.0])
def test_noise_is_added_at_the_target_snr(speech, snr):
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(SR) * 0.1).astype(np.float32)  # shorter than speech: gets looped
    mixed = add_noise(speech, noise, snr)
    residual = mixed.astype(np.float64) - speech
    measured = 10 * np.log10(np.mean(speech.astype(np.float64) ** 2) / np.mean(residual ** 2))
    assert abs(measured - snr) < 1.0


def band_db(x, lo, hi):
    sos = butter(4, [lo, hi], btype="band", fs=SR, output="sos")
    return 10 * np.log10(np.mean(sosfiltfilt(sos, x) ** 2))


def test_peaking_eq_changes_its_band_not_the_others(speech):
    boosted = run_sox(speech, SR, sox_effects(VoiceAugment(eq_hz=1500, eq_db=6.0)), SR)
    assert band_db(boosted, 1300, 1700) - band_db(speech, 1300, 1700) == pytest.approx(6.0, abs=1.5)
    assert abs(band_db(boosted, 100, 300) - band_db(speech, 100, 300)) < 1.0


def test_reverb_spreads_energy_into_the_gaps(speech):
    wet = run_sox(speech, SR, sox_effects(VoiceAugment(reverb=40, room_scale=50)), SR)
    n = min(len(wet), len(speech))
    # Reverb fills quiet stretches: the quietest 10% of frames get louder relative to the mean.
    def floor_db(x):
        frames = x[: len(x) // 160 * 160].reshape(-1, 160)
        e = np.mean(frames ** 2, axis=1) + 1e-12
        return 10 * np.log10(np.percentile(e, 10) / np.mean(e))
    assert floor_db(wet[:n]) > floor_db(speech[:n]) + 3


def test_augment_draw_is_reproducible_and_in_range():
    a, b = draw_augment("espeak-en-us+f3~1"), draw_augment("espeak-en-us+f3~1")
    assert a == b and a != draw_augment("espeak-en-us+f3~2")
    draws = [draw_augment(f"voice~{k}") for k in range(200)]
    assert all(0.86 <= d.speed <= 1.16 and -350 <= d.pitch_cents <= 350 for d in draws)
    assert 0.2 < np.mean([d.snr_db is not None for d in draws]) < 0.4
    assert all(d.snr_db is None or 15 <= d.snr_db <= 30 for d in draws)


def test_sox_failure_is_reported_not_swallowed(speech):
    with pytest.raises(RuntimeError, match="sox"):
        run_sox(speech, SR, ["treble", "3", "20000"], SR)  # above Nyquist: sox refuses
