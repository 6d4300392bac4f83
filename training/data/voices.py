"""Synthetic base voices from Debian TTS engines (espeak-ng, flite, festival) and how to run them.

A base voice is one engine voice (with an espeak-ng variant); its family is the
engine voice without variant, the unit that splits hold out (see splits.py).
"""
from dataclasses import dataclass
import os
import subprocess

import numpy as np

from .audio import BadAudio, read_mono

ESPEAK_LANGUAGES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
                    "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
# espeak-ng variants that change the voice (whisper is excluded: no voicing, so no F0 to learn).
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak")
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
# festival family name -> the Scheme voice function.
FESTIVAL_VOICES = {"kal": "voice_kal_diphone", "ked": "voice_ked_diphone", "slt": "voice_cmu_us_slt_arctic_hts"}
# espeak-ng silently ignores a variant on "en-gb" (it resolves to the mbrola alias); "en" is the same voice.
ESPEAK_ARG = {"en-gb": "en"}
SYNTH_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class BaseVoice:
    name: str     # e.g. "espeak-en-us+f3", "flite-slt", "festival-ked"
    family: str   # e.g. "espeak-en-us", "flite-slt", "festival-ked"
    engine: str   # "espeak" | "flite" | "festival"
    arg: str      # engine voice argument: "en-us+f3", "slt", "voice_ked_diphone"


def base_voices() -> list:
    """Every base voice, in a fixed order."""
    voices = []
    for lang in ESPEAK_LANGUAGES:
        for variant in ESPEAK_VARIANTS:
            name = f"{lang}+{variant}" if variant else lang
            arg = ESPEAK_ARG.get(lang, lang) + (f"+{variant}" if variant else "")
            voices.append(BaseVoice(f"espeak-{name}", f"espeak-{lang}", "espeak", arg))
    voices += [BaseVoice(f"flite-{v}", f"flite-{v}", "flite", v) for v in FLITE_VOICES]
    voices += [BaseVoice(f"festival-{k}", f"festival-{k}", "festival", fn) for k, fn in FESTIVAL_VOICES.items()]
    return voices


def _command(voice: BaseVoice, text_path: str, wav_path: str) -> list:
    if voice.engine == "espeak":
        return ["espeak-ng", "-v", voice.arg, "-f", text_path, "-w", wav_path]
    if voice.engine == "flite":
        return ["flite", "-voice", voice.arg, "-f", text_path, "-o", wav_path]
    return ["text2wave", text_path, "-o", wav_path, "-eval", f"({voice.arg})"]


def synthesize(voice: BaseVoice, text: str, workdir: str):
    """(audio (T,), sr) of `voice` reading `text`; raises BadAudio('synthesis_failed') on any engine error."""
    os.makedirs(workdir, exist_ok=True)
    text_path = os.path.join(workdir, "text.txt")
    wav_path = os.path.join(workdir, "synth.wav")
    with open(text_path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    if os.path.exists(wav_path):
        os.remove(wav_path)
    try:
        run = subprocess.run(_command(voice, text_path, wav_path), capture_output=True,
                             timeout=SYNTH_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BadAudio("synthesis_failed", f"{voice.name}: {e}")
    if run.returncode != 0 or not os.path.exists(wav_path):
        raise BadAudio("synthesis_failed", f"{voice.name}: exit {run.returncode}: {run.stderr[-300:]!r}")
    x, sr = read_mono(wav_path)
    return np.asarray(x, dtype=np.float32), sr
