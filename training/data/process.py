"""Turn one job into one conditioned 16 kHz FLAC in the cache (worker-process side of the build).

`process(job)` never raises for bad input: it returns a result dict
{"key", "id", "status": "ok" | <reject reason>, "duration", "detail"}.
"""
import glob
import hashlib
import json
import os
import random
import traceback

import numpy as np

from .audio import SAMPLE_RATE, BadAudio, condition, read_mono, resample, trim_silence, write_flac
from .augment import add_noise, noise_excerpt, run_sox, sox_effects
from .speakers import synthetic_speakers
from .voices import synthesize

# Bump when conditioning changes: every cached utterance is then rebuilt.
PIPELINE_VERSION = 1
SYNTH_PEAK_BEFORE_SOX = 0.5  # headroom so EQ and reverb boosts cannot clip inside sox

_state = {}


def job_key(job: dict) -> str:
    """Hash of everything that determines the audio, so a cached file is reused only when still valid."""
    fields = {k: job.get(k) for k in ("id", "audio", "speaker_id", "normalized")}
    return hashlib.sha1(json.dumps([PIPELINE_VERSION, fields], sort_keys=True).encode()).hexdigest()


def audio_relpath(job: dict) -> str:
    return os.path.join("audio", job["source"], job["speaker"], job["id"] + ".flac")


def init_worker(out_dir: str, noise_dir: str, nice: int = 0) -> None:
    """Per-process setup: speaker table, noise recordings at 16 kHz, a private temp dir."""
    if nice:
        os.nice(nice)
    _state["out_dir"] = out_dir
    _state["speakers"] = {s.id: s for s in synthetic_speakers()}
    noises = []
    for path in sorted(glob.glob(os.path.join(noise_dir, "*.flac"))):
        try:
            x, sr = read_mono(path)
            noises.append(resample(x, sr))
        except BadAudio:
            pass
    _state["noises"] = noises
    # Scratch files of the engines; build.run_audio removes <out>/tmp when the pool is done.
    _state["tmp"] = os.path.join(out_dir, "tmp", str(os.getpid()))


def _synthetic_audio(job: dict):
    speaker = _state["speakers"][job["speaker_id"]]
    x, sr = synthesize(speaker.voice, job["normalized"], _state["tmp"])
    if speaker.augment is None:
        return x, sr
    aug = speaker.augment
    x = resample(x, sr)  # at 16 kHz first: 8 kHz voices (flite kal) cannot take a 3 kHz treble shelf
    peak = float(np.max(np.abs(x))) or 1.0
    try:
        y = run_sox(x * (SYNTH_PEAK_BEFORE_SOX / peak), SAMPLE_RATE, sox_effects(aug), SAMPLE_RATE)
    except (RuntimeError, OSError) as e:
        raise BadAudio("augment_failed", str(e))
    if aug.snr_db is not None and _state["noises"]:
        y = trim_silence(y)  # noise goes on speech only, so the edges are trimmed first
        rng = random.Random(job["id"])
        y = add_noise(y, noise_excerpt(_state["noises"], len(y), rng), aug.snr_db)
    return y, SAMPLE_RATE


def process(job: dict) -> dict:
    result = {"key": job_key(job), "id": job["id"], "status": "ok", "duration": 0.0, "detail": ""}
    try:
        if job.get("speaker_id"):
            x, sr = _synthetic_audio(job)
        else:
            x, sr = read_mono(job["audio"])
        y = condition(x, sr)
        write_flac(os.path.join(_state["out_dir"], audio_relpath(job)), y)
        result["duration"] = round(len(y) / SAMPLE_RATE, 3)
    except BadAudio as e:
        result.update(status=e.reason, detail=str(e)[:300])
    except Exception as e:  # a build of thousands of files reports, never dies on one
        result.update(status="error", detail=f"{type(e).__name__}: {e} {traceback.format_exc(limit=2)[-200:]}")
    return result
