"""Decode teacher-forced (GTA) codebook-0 folders with the codec decoder, as the TTS renders them, so the audio reader
also learns to hear the decoder's speech and not only real recordings.

    python -m training.reader.decode_gta --gta training/cache/codec/gta-voice-0,training/cache/codec/gta-voice-1 \
        --codec-ckpt training/checkpoints/codec-dec6-weights.pt --out training/cache/reader/gta-dec6

A GTA folder (training/lm/gta_codes.py) holds codes.npy and phonemes.npy (int16, one entry per frame) and
index.json (`utterances`: [id, audio offset, code offset, frames, speaker]). Writes OUT/audio.npy (int16, every
utterance decoded from codebook 0 and its frames' phonemes, the way the engine decodes a pointer AR's codes) and
OUT/index.json (`utterances`: [id, sample offset, samples]); train_audio.py --decoded OUT reads them with the
phonemes of the corpus manifest entry of the same id.
"""
import argparse
import json
import os

import numpy as np
import torch

from training.codec.export import load_codec


@torch.no_grad()
def decode_folder(codec, folder: str):
    """Yields (id, int16 audio) for every utterance of one GTA folder."""
    codes = np.load(os.path.join(folder, "codes.npy"), mmap_mode="r")
    phonemes = np.load(os.path.join(folder, "phonemes.npy"), mmap_mode="r")
    with open(os.path.join(folder, "index.json"), encoding="utf-8") as f:
        utterances = json.load(f)["utterances"]
    for uid, _, start, frames, _ in utterances:
        c = torch.from_numpy(np.asarray(codes[start:start + frames], dtype=np.int64))[None, None]
        p = torch.from_numpy(np.asarray(phonemes[start:start + frames], dtype=np.int64))[None]
        audio = codec.decoder(codec.quantizer.decode(c), p if codec.cfg.dec_phonemes else None, None)[0, 0].numpy()
        yield uid, (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def main(argv=None):
    p = argparse.ArgumentParser(description="decode GTA codebook-0 folders for the audio reader")
    p.add_argument("--gta", required=True, help="comma-separated GTA folders (training/lm/gta_codes.py)")
    p.add_argument("--codec-ckpt", required=True, help="codec checkpoint whose decoder renders them")
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    codec, _ = load_codec(a.codec_ckpt)
    os.makedirs(a.out, exist_ok=True)
    parts, index, offset = [], [], 0
    for folder in a.gta.split(","):
        for uid, audio in decode_folder(codec, folder):
            parts.append(audio)
            index.append([uid, offset, len(audio)])
            offset += len(audio)
    np.save(os.path.join(a.out, "audio.npy"), np.concatenate(parts) if parts else np.zeros(0, np.int16))
    with open(os.path.join(a.out, "index.json"), "w", encoding="utf-8") as f:
        json.dump({"codec": os.path.relpath(a.codec_ckpt), "gta": a.gta.split(","), "utterances": index}, f)
    print(f"decoded {len(index)} utterances ({offset / 16000 / 3600:.2f} h) into {a.out}")


if __name__ == "__main__":
    main()
