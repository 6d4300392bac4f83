"""Teacher-forced codebook-0 predictions of an AR on its training utterances, paired with their audio: data for
fine-tuning the codec decoder on what the AR writes (ground-truth-aligned, as Tacotron 2's vocoder was fine-tuned
on predicted spectrograms), so that it renders the AR's imperfect codes as the speech they stand for.

    python -m training.lm.gta_codes --ar training/checkpoints/lm-ar-context.pt \
        --manifest training/cache/lm/c6648/kathleen.jsonl --alignments training/cache/lm/c6648/train.align.npz \
        --corpus training/cache/corpus/train.jsonl --out training/cache/codec/gta-ark600

Each utterance is predicted in reference mode (another utterance of the speaker, 3-6 s, as the prompt, with its
transcript), greedily, one group per position given the true history and the true phoneme pointer. Writes
audio.npy (int16, all utterances end to end), codes.npy (int16 codebook-0 predictions, 50 per second, aligned
with the audio: frame f covers samples 320 f .. 320 f + 319), phonemes.npy (int16, each frame's phoneme id as the
pointer gives it, for a decoder with text input) and index.json ([id, first sample, first frame,
frames, speaker] per utterance). Pointer ARs only (the alignment gives the pointer).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.codec.audio_cache import read_16k  # noqa: E402
from training.lm.align import read_alignments  # noqa: E402
from training.lm.checkpoint import load_checkpoint  # noqa: E402
from training.lm.config import IGNORE  # noqa: E402
from training.lm.dataset import collate_ar  # noqa: E402
from training.lm.pointer import apply_pointer  # noqa: E402
from training.lm.tokens import text_tokens  # noqa: E402

HOP = 320


def nucleus_sample(logits, temperature: float, top_p: float, generator) -> torch.Tensor:
    """One code per row of logits (N, V): softmax at `temperature`, the smallest set of codes holding `top_p` of the
    mass (the runtime's order: temperature, then top-p), drawn with `generator`."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    keep = sorted_probs.cumsum(-1) - sorted_probs < top_p  # the first code always stays
    sorted_probs = sorted_probs * keep
    choice = torch.multinomial(sorted_probs / sorted_probs.sum(-1, keepdim=True), 1, generator=generator)
    return order.gather(-1, choice).squeeze(-1)


@torch.no_grad()
def predict(model, example: dict, temperature: float = 0.0, top_p: float = 0.8, generator=None) -> np.ndarray:
    """Teacher-forced codebook 0 for the target's whole groups: (T // G * G,) int64, greedy, or sampled at
    `temperature` with nucleus `top_p` (the shipped model samples at 0.3). The inputs are laid out by the training
    code itself (collate_ar, apply_pointer), so they are exactly what the model was trained on."""
    g = model.cfg.group_size
    batch = collate_ar([example], g, model.cfg.codebook_size)
    apply_pointer(batch, [example], g, model.cfg.pointer_classes, model.cfg.pointer_context)
    pk, pv = model.empty_cache(1)
    out = model(batch["text_ids"], batch["audio_codes"], batch["is_audio"], batch["positions"], pk, pv,
                batch["attention_mask"], batch.get("pointer_context"))
    predicted = (batch["labels"][0] != IGNORE).any(-1)  # the positions whose outputs are target groups
    logits = out[0][0, predicted, :, :model.cfg.codebook_size]  # no end of speech
    if temperature > 0:
        codes = nucleus_sample(logits.reshape(-1, logits.shape[-1]), temperature, top_p, generator)
    else:
        codes = logits.argmax(-1).reshape(-1)
    return codes[:example["target"].shape[1] // g * g].numpy()


def frame_phonemes(phonemes: list, alignment: np.ndarray, frames: int, group_size: int) -> np.ndarray:
    """The phoneme id of each frame as the runtime's pointer gives it: per group, the phoneme aligned with the group's
    first frame (the pointer moves once per group). -> (frames,) int16."""
    first = np.minimum(np.arange(frames) // group_size * group_size, len(alignment) - 1)
    return np.asarray(phonemes, dtype=np.int16)[np.asarray(alignment, dtype=np.int64)[first]]


def write_gta_folder(out: str, audio_parts: list, code_parts: list, phoneme_parts: list, index: list, about: dict):
    """The folder `training.codec.train --gta_dir` reads (training/codec/data.py GtaSampler): audio.npy (int16),
    codes.npy and phonemes.npy (int16, one per frame), each utterance's parts end to end, and index.json ([id, first
    sample, first frame, frames, speaker] per utterance, plus `about`: what made them)."""
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "audio.npy"), np.concatenate(audio_parts))
    np.save(os.path.join(out, "codes.npy"), np.concatenate(code_parts))
    np.save(os.path.join(out, "phonemes.npy"), np.concatenate(phoneme_parts))
    with open(os.path.join(out, "index.json"), "w", encoding="utf-8") as f:
        json.dump({**about, "utterances": index}, f)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ar", required=True)
    p.add_argument("--manifest", required=True, help="LM codes index (training/cache/lm/<codec>/<split>.jsonl)")
    p.add_argument("--alignments", required=True)
    p.add_argument("--corpus", required=True, help="corpus manifest holding the utterances' audio paths")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy; else sample (with --top-p)")
    p.add_argument("--top-p", type=float, default=0.8)
    a = p.parse_args(argv)
    generator = torch.Generator().manual_seed(a.seed)
    torch.set_num_threads(1)
    _, model, state = load_checkpoint(a.ar)
    model.eval()
    if not model.cfg.pointer_classes:
        raise SystemExit(f"{a.ar}: not a phoneme-pointer AR")
    root = os.path.dirname(os.path.abspath(a.manifest))
    rows = [json.loads(line) for line in open(a.manifest, encoding="utf-8") if line.strip()]
    corpus_dir = os.path.dirname(os.path.abspath(a.corpus))
    paths = {r["id"]: os.path.join(corpus_dir, r["path"]) for r in map(json.loads, open(a.corpus, encoding="utf-8"))}
    alignments = read_alignments(a.alignments)
    prompts = [r for r in rows if 150 <= r["frames"] <= 300 and r["id"] in alignments]
    rng = np.random.default_rng(a.seed)
    audio_parts, code_parts, phoneme_parts, index, sample_at, frame_at = [], [], [], [], 0, 0
    for n, r in enumerate(rows):
        corpus_id = r["id"]
        if corpus_id not in alignments or corpus_id not in paths:
            continue
        pr = prompts[int(rng.integers(len(prompts)))]
        if pr["id"] == corpus_id:
            pr = prompts[(prompts.index(pr) + 1) % len(prompts)]
        codes = np.load(os.path.join(root, r["codes"])).astype(np.int64)
        prompt_codes = np.load(os.path.join(root, pr["codes"])).astype(np.int64)
        g = model.cfg.group_size
        example = {  # reference mode with the prompt's transcript, as training/lm/dataset.py lays it out
            "text": text_tokens(r["phonemes"], pr["phonemes"]), "prompt": prompt_codes[:, :prompt_codes.shape[1] // g * g],
            "target": codes, "mode": "reference", "prompt_align": None,
            "target_align": np.asarray(alignments[corpus_id], dtype=np.int64) + 2 + len(pr["phonemes"])}
        pred = predict(model, example, a.temperature, a.top_p, generator)
        audio = read_16k(paths[corpus_id])[:len(pred) * HOP]
        audio = np.pad(audio, (0, len(pred) * HOP - len(audio)))
        audio_parts.append(np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16))
        code_parts.append(pred.astype(np.int16))
        phoneme_parts.append(frame_phonemes(r["phonemes"], alignments[corpus_id], len(pred), g))
        index.append([corpus_id, sample_at, frame_at, len(pred), r["speaker"]])
        sample_at, frame_at = sample_at + len(audio), frame_at + len(pred)
        if n % 200 == 0:
            print(f"[gta_codes] {n}/{len(rows)}: agreement with the true codes {np.mean(pred == codes[0, :len(pred)]):.3f}",
                  flush=True)
    write_gta_folder(a.out, audio_parts, code_parts, phoneme_parts, index, {"ar": a.ar, "ar_step": state["step"]})
    print(f"[gta_codes] wrote {len(index)} utterances, {frame_at / 50 / 3600:.2f} h, to {a.out}")


if __name__ == "__main__":
    main()
