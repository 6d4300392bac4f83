"""Write training/DATA.md: what the last full corpus build produced, how long it took, how to rebuild it."""
import datetime
import os

from .audio import MAX_SECONDS, MIN_SECONDS, TRIM_DB
from .loudness import TARGET_LUFS
from .manifest import REAL_SAMPLE_SHARE, REAL_SOURCES
from .speakers import AUGMENTS_PER_VOICE, synthetic_speakers
from .splits import SYNTHETIC_HELDOUT_FAMILIES
from .summary import markdown_table, rejects_table


def write_data_md(path: str, records: list, reject_counts, unknown, *, weight: float, seconds: float,
                  phonemize_seconds: float, processed: int, total_jobs: int, synthetic_hours: float,
                  workers: int, out_dir: str, history: list) -> None:
    speakers = synthetic_speakers()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(path)))

    def rel(p):  # DATA.md is committed: no machine-specific absolute paths
        return os.path.relpath(os.path.abspath(p), repo)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    # Headline: the latest run that processed everything (an empty cache); otherwise all runs that did work.
    full = [r for r in history if r["processed"] == r["jobs"] and not r.get("limit")]
    build_minutes = (full[-1]["seconds"] if full else sum(r["seconds"] for r in history if r["processed"])) / 60
    runs = "\n".join(f"- {r['finished']}: {r['seconds'] / 60:.1f} min, {r['processed']} of {r['jobs']} "
                     f"processed, --synthetic-hours {r['synthetic_hours']:g} -j {r['workers']}, load {r['load']}"
                     for r in history[-6:])
    lm_train = [r for r in records if r["split"] == "train" and r["phonemes"] is not None]
    real_share = (sum(r["weight"] for r in lm_train if r["source"] in REAL_SOURCES)
                  / max(1e-9, sum(r["weight"] for r in lm_train)))
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = f"""# Training corpus

Built by `/usr/bin/python3 -m training.data build --synthetic-hours {synthetic_hours:g} -j {workers}`
on {when} ({os.cpu_count()} CPU cores, load average {load:.1f} at the end: above the worker count,
other work shared the cores). See `training/README.md` for the install line and options.

**Build time: {build_minutes:.1f} min** from an empty cache (phonemes, real and synthetic audio).
This run: {seconds / 60:.1f} min, {processed} of {total_jobs} utterances processed (the rest reused
from the cache), phonemizing {phonemize_seconds:.0f} s. Runs of this cache:

{runs}

## Hours, utterances and speakers per source and split

{markdown_table(records)}

Splits (deterministic, `training/data/splits.py`): `heldout_speakers` = 20 speechocean762
speakers, 10% of LibriSpeech clip speakers and the synthetic families
{", ".join(f"`{f}`" for f in SYNTHETIC_HELDOUT_FAMILIES)} (all their augmented variants too,
reading only held-out sentences); `heldout_sentences` = 5% of Kathleen's ARCTIC prompts, every take.
Path-free lists of both are in `training/eval/`.

## Rejected utterances

{rejects_table(reject_counts)}

Unknown phoneme symbols: {", ".join(f"`{s}` x{n}" for s, n in unknown.most_common()) or "none"}.

## What the pipeline does

- Real speech: every file kept unless bad; 16 kHz mono, edges trimmed (frames {TRIM_DB:g} dB
  below the loudest), loudness-normalized to {TARGET_LUFS:g} LUFS (BS.1770, peaks capped at 0.95),
  16-bit FLAC. Rejected: unreadable, empty transcript, under {MIN_SECONDS} s or over {MAX_SECONDS:g} s
  after trimming, clipped (>0.1% of samples at full scale), unknown phoneme symbols.
- Phonemes from the runtime front end (`node bin/parla.js phonemize --jsonl`); speechocean762
  transcripts lower-cased first. Synthetic voices read the front end's *normalized* text.
- Synthetic speakers: {len(speakers)} ({sum(not s.heldout for s in speakers)} train, {sum(s.heldout for s in speakers)} held out):
  each base voice plain plus {AUGMENTS_PER_VOICE["espeak"]} (espeak-ng) or {AUGMENTS_PER_VOICE["flite"]} (flite, festival)
  seeded augmentations: sox speed 0.86-1.16 (vocal-tract length), pitch -350..+350 cents, bass/treble
  shelves and one peaking EQ band within 6 dB, light reverb on 35%, noise at 15-30 dB SNR on 30%.
  Parameters per speaker: `{rel(os.path.join(out_dir, "speakers.jsonl"))}`.
- Sampling weight: real speech gets weight {weight} (synthetic 1.0), so real transcribed speech
  is {real_share:.0%} of sampled training utterances (the weight lifts it to at least {REAL_SAMPLE_SHARE:.0%}).

Manifests (paths relative to the manifest's folder): `{rel(out_dir)}/{{train,heldout_speakers,heldout_sentences}}.jsonl`;
rejects with reasons: `{rel(os.path.join(out_dir, "rejects.jsonl"))}`.
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
