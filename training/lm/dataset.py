"""Training pairs (phonemes, codec codes) read from a JSONL manifest + .npy code files, batched for AR and NAR.

Manifest: one JSON object per line,
    {"id": "kathleen_a0001", "speaker": "kathleen", "phonemes": [5, 17, ...], "codes": "codes/kathleen_a0001.npy"}
`phonemes` are text ids as the runtime produces them (symbol ids, no BOS/EOS/SEP); `codes` is a path,
relative to the manifest's folder, to an integer .npy array (Q, T) written by the codec encoder.

Each example is built in one of two prompting modes (both trained, as in VALL-E 2):
- continuation: the prompt is the first 3 s-ish of the same utterance; text = its full transcript;
- reference: the prompt is another utterance of the same speaker; text = [prompt transcript, SEP, target
  transcript], with the prompt transcript dropped with probability `p_drop_transcript` (and always when
  the prompt had to be cropped, since the transcript no longer matches).
Batches are a pure function of (seed, step), so a resumed run sees exactly the batches it would have seen.
"""
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch

from .config import IGNORE, TEXT_PAD
from .tokens import ar_example, pad_codes, pad_stack, text_tokens

FRAME_RATE = 50  # codec frames per second (16 kHz / hop 320)
# NAME.codes.npz next to a manifest NAME.jsonl holds all its codes, keyed by their `codes` paths (device_data.py).
PACKED_SUFFIX = ".codes.npz"


@dataclass
class PromptOptions:
    p_continuation: float = 0.5
    p_drop_transcript: float = 0.3
    min_prompt_frames: int = 3 * FRAME_RATE
    max_prompt_frames: int = 6 * FRAME_RATE


class CodesDataset:
    def __init__(self, manifest: str, group_size: int, codebook_size: int = 1024,
                 options: PromptOptions = PromptOptions(), max_frames: int = 20 * FRAME_RATE,
                 text_vocab_size: int = None, alignments: dict = None):
        self.root = os.path.dirname(os.path.abspath(manifest))
        self.g, self.eos, self.opts = group_size, codebook_size, options
        self.entries = []
        with open(manifest, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                e = json.loads(line)
                missing = {"id", "speaker", "phonemes", "codes"} - set(e)
                if missing:
                    raise ValueError(f"{manifest}:{line_no}: missing field(s) {sorted(missing)}")
                if text_vocab_size is not None and any(not 0 <= t < text_vocab_size for t in e["phonemes"]):
                    raise ValueError(f"{manifest}:{line_no}: phoneme ids outside the text vocabulary 0..{text_vocab_size - 1}")
                self.entries.append(e)
        if not self.entries:
            raise ValueError(f"{manifest}: no entries")
        # Optional frame-level alignments (training/lm/align.py): {id: (T,) index into the entry's phonemes}.
        self.alignments = alignments
        packed = os.path.splitext(os.path.abspath(manifest))[0] + PACKED_SUFFIX
        if os.path.exists(packed):
            with np.load(packed) as archive:
                self.codes = [self._load(e, archive) for e in self.entries]
        else:
            self.codes = [self._load(e) for e in self.entries]
        keep = [i for i, c in enumerate(self.codes) if c.shape[1] <= max_frames]
        if len(keep) < len(self.codes):
            print(f"{manifest}: skipped {len(self.codes) - len(keep)} utterances over {max_frames} frames", file=sys.stderr)
        self.entries = [self.entries[i] for i in keep]
        self.codes = [self.codes[i] for i in keep]
        self.by_speaker = defaultdict(list)
        for i, e in enumerate(self.entries):
            self.by_speaker[e["speaker"]].append(i)
        self.index = {e["id"]: i for i, e in enumerate(self.entries)}
        for e in self.entries:
            if "prompt" in e and e["prompt"] not in self.index:
                raise ValueError(f"{manifest}: {e['id']} names prompt {e['prompt']!r}, which is not in the manifest")
        # Entries marked prompt_only (self_data.py: the real prompts of self-generated targets) are never targets.
        self.targets = np.array([i for i, e in enumerate(self.entries) if not e.get("prompt_only")], dtype=np.int64)
        if len(self.targets) == 0:
            raise ValueError(f"{manifest}: every entry is prompt_only")
        # Targets from shortest to longest: length-bucketed batches draw neighbours in this order.
        self.by_length = self.targets[np.argsort([self.codes[i].shape[1] for i in self.targets], kind="stable")]

    def _load(self, entry, archive=None) -> np.ndarray:
        """An entry's codes: from the packed archive when there is one (read into memory), else memory-mapped."""
        if archive is not None:
            if entry["codes"] not in archive:
                raise ValueError(f"{entry['codes']}: not in the packed codes {archive.fid.name}")
            codes = archive[entry["codes"]]
        else:
            codes = np.load(os.path.join(self.root, entry["codes"]), mmap_mode="r")
        if codes.ndim != 2:
            raise ValueError(f"{entry['codes']}: expected codes (Q, T), got shape {codes.shape}")
        return codes

    def __len__(self):
        return len(self.entries)

    def _align(self, i: int, offset: int):
        """Utterance i's per-frame text positions in an AR text row where its phonemes start at `offset`."""
        if self.alignments is None or self.entries[i]["id"] not in self.alignments:
            return None
        return np.asarray(self.alignments[self.entries[i]["id"]], dtype=np.int64) + offset

    def example(self, i: int, rng: np.random.Generator) -> dict:
        """-> {"text": [ids], "prompt": (Q, Tp) int64 with Tp % G == 0, "target": (Q, T) int64,
        "mode": "continuation" | "reference"}, plus, with alignments, "prompt_align" (Tp,) and "target_align"
        (T,): the position in "text" of the token spoken at each frame (None where unknown, e.g. a prompt
        whose transcript was dropped)."""
        e, codes, g, o = self.entries[i], np.asarray(self.codes[i], dtype=np.int64), self.g, self.opts
        if "prompt" in e:
            return self._named_prompt_example(i, codes)
        others = [j for j in self.by_speaker[e["speaker"]] if j != i]
        if not others or rng.random() < o.p_continuation:
            t = codes.shape[1]
            tp = min(int(rng.integers(o.min_prompt_frames, o.max_prompt_frames + 1)), t // 2) // g * g
            al = self._align(i, 1)  # after BOS
            return {"text": text_tokens(e["phonemes"]), "prompt": codes[:, :tp], "target": codes[:, tp:],
                    "mode": "continuation", "prompt_align": None if al is None else al[:tp],
                    "target_align": None if al is None else al[tp:]}
        j = others[int(rng.integers(len(others)))]
        prompt = np.asarray(self.codes[j], dtype=np.int64)
        cropped = prompt.shape[1] > o.max_prompt_frames
        if cropped:
            start = int(rng.integers(prompt.shape[1] - o.max_prompt_frames + 1))
            prompt = prompt[:, start:start + o.max_prompt_frames]
        prompt = prompt[:, :prompt.shape[1] // g * g]
        keep_transcript = not cropped and rng.random() >= o.p_drop_transcript
        text = text_tokens(e["phonemes"], self.entries[j]["phonemes"] if keep_transcript else None)
        prompt_align = self._align(j, 1) if keep_transcript else None
        if prompt_align is not None:
            prompt_align = prompt_align[:prompt.shape[1]]
        target_align = self._align(i, 2 + len(self.entries[j]["phonemes"]) if keep_transcript else 1)
        return {"text": text, "prompt": prompt, "target": codes, "mode": "reference",
                "prompt_align": prompt_align, "target_align": target_align}

    def _named_prompt_example(self, i: int, codes: np.ndarray) -> dict:
        """A target generated from a known prompt (self_data.py): the example the runtime decoded it from, reference
        mode with the prompt's transcript (dropped only if the prompt has to be cropped), so the model learns from
        its own chosen output under the conditioning that produced it."""
        e, g, o = self.entries[i], self.g, self.opts
        j = self.index[e["prompt"]]
        prompt = np.asarray(self.codes[j], dtype=np.int64)
        cropped = prompt.shape[1] > o.max_prompt_frames
        prompt = prompt[:, :min(prompt.shape[1], o.max_prompt_frames) // g * g]
        text = text_tokens(e["phonemes"], None if cropped else self.entries[j]["phonemes"])
        target_align = self._align(i, 1 if cropped else 2 + len(self.entries[j]["phonemes"]))
        return {"text": text, "prompt": prompt, "target": codes, "mode": "reference", "prompt_align": None,
                "target_align": target_align}

    def batch(self, seed: int, step: int, batch_size: int, max_frames: int = None) -> list:
        """The examples of batch `step`: a pure function of (seed, step).

        With `max_frames`, the batch holds utterances of similar length (neighbours in length order around
        a random one) and as many as fit in `max_frames` codec frames, at most `batch_size`: padding wastes
        little compute, and every step costs about the same.
        """
        rng = np.random.default_rng([seed, step])
        return [self.example(int(i), rng) for i in self._pick(rng, batch_size, max_frames)]

    def _pick(self, rng: np.random.Generator, batch_size: int, max_frames) -> np.ndarray:
        """Utterance indices of one batch (see batch)."""
        if max_frames is None:
            return self.targets[rng.integers(len(self.targets), size=batch_size)]
        order = self.by_length
        anchor = int(rng.integers(len(order)))
        longest = self.codes[order[min(len(order) - 1, anchor + batch_size)]].shape[1]
        n = int(max(1, min(batch_size, max_frames // max(1, longest))))
        lo = max(0, min(anchor - n, len(order) - 2 * n))
        window = order[lo:lo + 2 * n]
        return rng.choice(window, size=min(n, len(window)), replace=False)


def collate_ar(examples: list, group_size: int, eos: int) -> dict:
    """-> tensors text_ids (B, N), audio_codes (B, N, G), is_audio (B, N), positions (B, N),
    attention_mask (B, N), labels (B, N, G)."""
    rows = [ar_example(x["text"], x["prompt"][0], x["target"][0], group_size, eos) for x in examples]
    n = max(len(r["text_ids"]) for r in rows)
    lengths = torch.tensor([len(r["text_ids"]) for r in rows])
    out = {
        "text_ids": pad_stack([r["text_ids"] for r in rows], TEXT_PAD, n),
        "audio_codes": pad_stack([r["audio_codes"] for r in rows], 0, n),
        "is_audio": pad_stack([r["is_audio"] for r in rows], False, n),
        "labels": pad_stack([r["labels"] for r in rows], IGNORE, n),
    }
    out = {k: torch.from_numpy(v) for k, v in out.items()}
    out["attention_mask"] = torch.arange(n).unsqueeze(0) < lengths.unsqueeze(1)
    out["positions"] = torch.arange(n).unsqueeze(0).expand(len(rows), -1).contiguous()
    return out


def collate_nar(examples: list, pad_code: int, rng: np.random.Generator, num_codebooks: int,
                max_stage: int = None) -> dict:
    """-> text_ids (B, Nt), prompt_codes (B, Q, Tp), target_codes (B, Q, T), stage (B,), labels (B, T).

    Stages are drawn from 1..max_stage (default all, Q-1): a NAR that will only ever fill the first few
    codebooks spends all its training on them.
    """
    stage = rng.integers(1, (max_stage or num_codebooks - 1) + 1, size=len(examples))
    target = pad_codes([x["target"] for x in examples], pad_code)
    labels = target[np.arange(len(examples)), stage].copy()
    labels[target[:, 0] == pad_code] = IGNORE
    prompts = [x["prompt"] for x in examples]
    # An empty prompt still needs one (padding) frame so that every row has the same Q x Tp layout.
    prompt = pad_codes([p if p.shape[1] else np.full((p.shape[0], 1), pad_code) for p in prompts], pad_code)
    return {
        "text_ids": torch.from_numpy(pad_stack([np.asarray(x["text"], dtype=np.int64) for x in examples], TEXT_PAD)),
        "prompt_codes": torch.from_numpy(prompt), "target_codes": torch.from_numpy(target),
        "stage": torch.from_numpy(stage.astype(np.int64)), "labels": torch.from_numpy(labels),
    }
