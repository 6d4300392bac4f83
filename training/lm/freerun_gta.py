"""Free-running takes paired with their real recordings, time-warped to the take: data for fine-tuning the codec
decoder on the codes the AR writes when it runs free, as the product decodes them.

    python -m training.lm.freerun_gta --generated training/cache/lm/self1/gen.jsonl \
        --alignments training/cache/lm/kath/kathleen-train.align.npz --corpus training/cache/corpus/train.jsonl \
        --out training/cache/codec/gta-freerun

Why: `gta_codes` gives the decoder an AR's *teacher-forced* codes, which follow the real history and agree with the
real codes on 14-25% of frames; at synthesis the AR runs on its own samples, drifts further from any real take, and
the decoder has to render those codes too. `self_generate.mjs` wrote such takes (the engine's chosen codes and the
pointer's phoneme index per frame) for sentences whose recordings exist. The recording says the same phonemes with
other timing, so it is warped onto the take's timeline, phoneme by phoneme: the real frames of each phoneme come
from the HMM alignment (`training.lm.align`), the take's from the pointer, and within a phoneme time runs linearly.
With `--timing dtw` the recording is instead re-timed by DTW of its log-mel against the take as a decoder renders
it. The audio is moved by WSOLA (overlap-added windows, each shifted within a small tolerance to continue the
previous one's waveform), which keeps pitch and avoids the phase smear of plain overlap-add, and is levelled to the
engine's prompt loudness (-20 dBFS gated), which the take's codes carry.

Measured (training/README.md, twenty-first session): a decoder fine-tuned on either made the AR's speech *less*
intelligible; the decoder is sensitive to a frame's shift between its phoneme input and the audio, which a re-timed
recording of another reading cannot avoid. Kept for the record and for better-aligned takes.

Writes gta_codes' format (audio.npy, codes.npy, phonemes.npy, index.json), so `training.codec.train --gta_dir`
reads it as it is.
"""
import argparse
import json
import os

import numpy as np

from training.codec.audio_cache import read_16k
from training.lm.align import read_alignments
from training.lm.gta_codes import HOP, frame_phonemes, write_gta_folder

TARGET_DB = -20.0  # src/audio/loudness.ts: voice prompts are levelled to this before the engine encodes them
WINDOW, STEP, TOLERANCE = 480, 240, 120  # WSOLA: 30 ms Hann windows every 15 ms, shifted by up to 7.5 ms
DTW_HOP = 160  # --timing dtw matches 10 ms log-mel frames


def runs(alignment: np.ndarray) -> tuple:
    """Start and end (exclusive) frames of each run of one token in a frame -> token alignment."""
    a = np.asarray(alignment, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    return starts, np.r_[starts[1:], len(a)]


def token_knots(alignment: np.ndarray) -> tuple:
    """Piecewise-linear map from token coordinate (token i spans [i, i + 1)) to frame time, from a frame -> token
    index alignment (non-decreasing). Tokens with no frames collapse to a point. -> (u, frames), both increasing
    in u (frames non-decreasing)."""
    a = np.asarray(alignment, dtype=np.int64)
    u, f = [], []
    for s, e in zip(*runs(a)):
        i = a[s]
        if u and u[-1] == i:  # the previous token ended where this one starts
            f[-1] = s
        else:
            u.append(float(i))
            f.append(float(s))
        u.append(float(i + 1))
        f.append(float(e))
    return np.asarray(u), np.asarray(f)


def take_coordinates(alignment: np.ndarray) -> np.ndarray:
    """Each frame's centre in token coordinates: token i's n frames sit at i + (k + 0.5) / n."""
    a = np.asarray(alignment, dtype=np.int64)
    out = np.empty(len(a))
    for s, e in zip(*runs(a)):
        out[s:e] = a[s] + (np.arange(e - s) + 0.5) / (e - s)
    return out


def source_frames(take_alignment: np.ndarray, real_alignment: np.ndarray) -> np.ndarray:
    """For each take frame's centre, the position in the real recording (in frames, continuous) saying the same
    part of the same phoneme."""
    u, f = token_knots(real_alignment)
    return np.interp(take_coordinates(take_alignment), u, f)


def log_mel_frames(audio: np.ndarray, hop: int = DTW_HOP) -> np.ndarray:
    """(frames, 40) log-mel at `hop`, each band's mean and deviation over the clip removed (level and channel
    differences between a rendering and a recording should not count as distance)."""
    import torch

    from training.codec.losses import magnitude, mel_filterbank

    x = torch.from_numpy(np.asarray(audio, dtype=np.float32))[None]
    mel = torch.log(mel_filterbank(1024, 40, 16000) @ magnitude(x, 1024, hop, torch.hann_window(1024)) + 1e-5)[0].T
    feats = mel.numpy().astype(np.float64)
    return (feats - feats.mean(0)) / (feats.std(0) + 1e-5)


def dtw_path(a: np.ndarray, b: np.ndarray, max_step: int = 3, penalty: float = 0.1) -> np.ndarray:
    """For each frame of `a`, the frame of `b` it matches: a monotone path from (0, 0) to (len(a)-1, len(b)-1) along
    which b advances 0..max_step frames per frame of a (so b may run up to max_step times faster than a, or pause).
    Each step other than one frame costs `penalty` x the median frame distance, so the path keeps to the diagonal
    where the audio does not say otherwise. -> (len(a),) int."""
    cost = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    n, m = cost.shape
    extra = penalty * np.median(cost)
    total = np.full(m, np.inf)
    total[0] = cost[0, 0]
    moves = np.zeros((n, m), dtype=np.int8)
    for i in range(1, n):
        options = np.full((max_step + 1, m), np.inf)
        for k in range(max_step + 1):
            options[k, k:] = total[:m - k] + (0.0 if k == 1 else extra)
        moves[i] = np.argmin(options, axis=0)
        total = cost[i] + options[moves[i], np.arange(m)]
    if not np.isfinite(total[m - 1]):
        raise ValueError(f"no path: {m} frames cannot be reached in {n} steps of at most {max_step}")
    path = np.empty(n, dtype=np.int64)
    j = m - 1
    for i in range(n - 1, -1, -1):
        path[i] = j
        j -= moves[i, j]
    return path


def dtw_source_samples(rendered: np.ndarray, recording: np.ndarray, hop: int = DTW_HOP):
    """A callable mapping output samples (the take's timeline, as `rendered` plays it) to recording samples, from DTW
    of their log-mels, smoothed over 50 ms so that WSOLA is not asked to jitter."""
    path = dtw_path(log_mel_frames(rendered, hop), log_mel_frames(recording, hop)).astype(np.float64)
    smooth = np.convolve(np.pad(path, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    smooth = np.maximum.accumulate(smooth)
    at = np.arange(len(path)) * hop  # torch.stft(center=True): frame k is centred on sample k * hop

    def source_at(n):
        return np.interp(n, at, smooth * hop)

    return source_at


def wsola(x: np.ndarray, source_at, length: int, window: int = WINDOW, step: int = STEP,
          tolerance: int = TOLERANCE) -> np.ndarray:
    """x (float) re-timed so that output sample n plays source sample ~source_at(n) (a vectorized callable,
    non-decreasing). Each window is taken from within `tolerance` of its nominal place, where it best continues the
    previous window's waveform (normalized cross-correlation)."""
    pad = window + tolerance
    xp = np.pad(np.asarray(x, dtype=np.float64), (pad, pad + window + step))
    w = np.hanning(window + 2)[1:-1]
    blocks = int(np.ceil(length / step)) + 1
    out = np.zeros(blocks * step + window)
    norm = np.zeros_like(out)
    centres = np.arange(blocks) * step  # output sample at each window's centre (out holds window // 2 of lead)
    nominal = np.round(source_at(centres.astype(np.float64)) - window // 2).astype(np.int64) + pad
    nominal = np.clip(nominal, tolerance, len(xp) - window - tolerance - 1)
    previous = None
    for k, start in enumerate(nominal):
        if previous is not None:
            template = xp[previous + step:previous + step + window]
            region = xp[start - tolerance:start + tolerance + window]
            corr = np.correlate(region, template, mode="valid")
            energy = np.sqrt(np.convolve(region * region, np.ones(window), mode="valid")) + 1e-9
            start = start - tolerance + int(np.argmax(corr / energy))
        out[k * step:k * step + window] += xp[start:start + window] * w
        norm[k * step:k * step + window] += w
        previous = start
    # Divide by the summed window (Hann at half overlap sums to 1 except at the very ends).
    out = out[window // 2:window // 2 + length] / np.maximum(norm[window // 2:window // 2 + length], 1e-3)
    return out


def gated_loudness_db(pcm: np.ndarray, rate: int = 16000) -> float:
    """src/audio/loudness.ts gatedLoudnessDb: mean power of 400 ms blocks (100 ms hop) above -70 dBFS, then of
    those within 10 dB of that mean."""
    block, hop = int(0.4 * rate), int(0.1 * rate)
    starts = range(0, max(1, len(pcm) - block + 1), hop)
    powers = np.array([np.mean(np.square(pcm[s:s + block], dtype=np.float64)) for s in starts])
    kept = powers[powers > 10 ** (-70 / 10)]
    if not len(kept):
        return float("-inf")
    kept = kept[kept > kept.mean() / 10]
    return float(10 * np.log10(kept.mean()))


def phoneme_source_samples(take_alignment: np.ndarray, real_alignment: np.ndarray):
    """A callable mapping output samples (the take's timeline) to recording samples, phoneme by phoneme."""
    centres = (np.arange(len(take_alignment)) + 0.5) * HOP
    sources = source_frames(take_alignment, real_alignment) * HOP

    def source_at(n):
        return np.interp(n, centres, sources)

    return source_at


def warp_recording(audio: np.ndarray, source_at, frames: int) -> np.ndarray:
    """The recording re-timed by source_at to `frames` codec frames and levelled to TARGET_DB."""
    out = wsola(audio, source_at, frames * HOP)
    level = gated_loudness_db(out)
    if np.isfinite(level):
        out = out * 10 ** ((TARGET_DB - level) / 20)
    return np.clip(out, -1.0, 1.0)


def take_renderer(checkpoint: str):
    """-> render(codes (T,), phonemes (T,)) -> float audio (T * HOP,): the checkpoint's decoder, as the engine
    decodes a take (codebook 0 and the pointer's phonemes)."""
    import torch

    from training.codec.config import CodecConfig
    from training.codec.model import Codec
    from training.codec.trainer import load_checkpoint

    state = load_checkpoint(checkpoint)
    model = Codec(CodecConfig(**state["model_args"]))
    model.load_state_dict(state["model"])
    model.eval()

    @torch.no_grad()
    def render(codes: np.ndarray, phonemes: np.ndarray) -> np.ndarray:
        c = torch.from_numpy(np.asarray(codes, dtype=np.int64))[None, None]
        ph = torch.from_numpy(np.asarray(phonemes, dtype=np.int64))[None]
        return model.decode(c, ph if model.cfg.dec_phonemes else None)[0, 0].numpy()

    return render


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--generated", required=True, help="self_generate.mjs output (JSONL)")
    p.add_argument("--timing", choices=["phonemes", "dtw"], default="phonemes",
                   help="phonemes: the recording's HMM alignment against the take's pointer; dtw: the recording's "
                        "log-mel against the take as --render-with decodes it")
    p.add_argument("--alignments", help="HMM alignments of the real recordings (training.lm.align), for --timing phonemes")
    p.add_argument("--render-with", help="codec checkpoint whose decoder renders the takes, for --timing dtw")
    p.add_argument("--corpus", required=True, help="corpus manifest holding the recordings' audio paths")
    p.add_argument("--out", required=True)
    p.add_argument("--group-size", type=int, default=2)
    a = p.parse_args(argv)
    if (a.timing == "phonemes") != bool(a.alignments) or (a.timing == "dtw") != bool(a.render_with):
        p.error("--timing phonemes needs --alignments; --timing dtw needs --render-with")
    corpus_dir = os.path.dirname(os.path.abspath(a.corpus))
    corpus = {r["id"]: r for r in map(json.loads, open(a.corpus, encoding="utf-8"))}
    alignments = read_alignments(a.alignments) if a.alignments else None
    render = take_renderer(a.render_with) if a.render_with else None
    audio_parts, code_parts, phoneme_parts, index, sample_at, frame_at, skipped = [], [], [], [], 0, 0, []
    for line in open(a.generated, encoding="utf-8"):
        r = json.loads(line)
        if r.get("prompt_only"):
            continue
        real_id = r["id"].rsplit("-c", 1)[0]  # self_generate names a sentence's chunks ID-c0, ID-c1, ...
        row = corpus.get(real_id)
        real = alignments.get(real_id) if alignments is not None else None
        take = np.asarray(r.get("align") or [], dtype=np.int64)
        if row is None or (alignments is not None and real is None) or len(take) != len(r["c0"]) \
                or row.get("phoneme_ids") != r["phonemes"]:
            skipped.append(r["id"])  # a chunk of a longer sentence, or no alignment: its timing cannot be matched
            continue
        frames = len(take) // a.group_size * a.group_size
        recording = read_16k(os.path.join(corpus_dir, row["path"]))
        phonemes = frame_phonemes(r["phonemes"], take, frames, a.group_size)
        if render is None:
            source_at = phoneme_source_samples(take[:frames], real)
        else:
            source_at = dtw_source_samples(render(np.asarray(r["c0"][:frames]), phonemes), recording)
        warped = warp_recording(recording, source_at, frames)
        audio_parts.append(np.round(warped * 32767).astype(np.int16))
        code_parts.append(np.asarray(r["c0"][:frames], dtype=np.int16))
        phoneme_parts.append(phonemes)
        index.append([r["id"], sample_at, frame_at, frames, r["speaker"]])
        sample_at, frame_at = sample_at + frames * HOP, frame_at + frames
    if not index:
        raise SystemExit(f"{a.generated}: no take matched a recording with an alignment")
    write_gta_folder(a.out, audio_parts, code_parts, phoneme_parts, index, {"generated": a.generated})
    print(f"[freerun_gta] wrote {len(index)} takes, {frame_at / 50 / 3600:.2f} h, to {a.out}; skipped {len(skipped)}")


if __name__ == "__main__":
    main()
