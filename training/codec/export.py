"""Export the codec to ONNX: `python -m training.codec.export --ckpt=PATH --out=DIR` or `--tiny --out=DIR`.

Writes codec_encoder.onnx (audio float32 [B,1,N] -> codes int64 [B,Q,ceil(N/320)]) and
codec_decoder.onnx (codes int64 [B,n,T], 1 <= n <= Q, with dec_phonemes > 0 phonemes int64 [B,T], with
dec_speaker voice_codes int64 [B,n',Tp] and voice_weight float32 [B] -> audio float32 [B,1,T*320]) plus codec.json
(the model.json entries); --tiny exports a random-weight tiny codec and codec_parity.json instead
(--parity writes codec_parity.json for a checkpoint too).
"""
import base64
import dataclasses
import inspect
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

from training.codec.config import CodecConfig, tiny_config
from training.codec.model import Codec
from training.codec.trainer import load_checkpoint

OPSET = 17


class EncoderGraph(nn.Module):
    def __init__(self, codec: Codec):
        super().__init__()
        self.codec = codec

    def forward(self, audio):
        return self.codec.encode(audio)


class DecoderGraph(nn.Module):
    """codes [, phonemes (dec_phonemes)] [, voice_codes, voice_weight (dec_speaker)] -> audio. A request without a
    voice passes any one frame of codes with weight 0, which gives the decoder the zero latent it was trained to read
    as "no voice"."""

    def __init__(self, codec: Codec):
        super().__init__()
        self.codec = codec

    def forward(self, codes, *extra):
        cfg, extra = self.codec.cfg, list(extra)
        phonemes = extra.pop(0) if cfg.dec_phonemes else None
        speaker = None
        if cfg.dec_speaker:
            voice_codes, voice_weight = extra
            speaker = self.codec.voice_latent(voice_codes) * voice_weight[:, None]
        return self.codec.decoder(self.codec.quantizer.decode(codes), phonemes, speaker)


def decoder_inputs(cfg: CodecConfig, codes: torch.Tensor) -> tuple:
    """Example inputs and names for the decoder graph beyond the codes (see DecoderGraph)."""
    b, _, t = codes.shape
    inputs, names, axes = [], [], {}
    if cfg.dec_phonemes:  # each frame's phoneme id (0 = unknown: resynthesis passes zeros)
        inputs.append(torch.zeros(b, t, dtype=torch.long))
        names.append("phonemes")
        axes["phonemes"] = {0: "batch", 1: "frames"}
    if cfg.dec_speaker:  # a voice prompt's codes (any codebooks, any length) and how much of it to use
        inputs += [codes[:, :, :3].clone(), torch.ones(b)]
        names += ["voice_codes", "voice_weight"]
        axes.update(voice_codes={0: "batch", 1: "voice_codebooks", 2: "voice_frames"}, voice_weight={0: "batch"})
    return tuple(inputs), names, axes


def onnx_export(*args, **kwargs):
    """torch.onnx.export with the TorchScript exporter on every torch version (2.9 defaults to dynamo)."""
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(*args, **kwargs)


def load_codec(ckpt_path: str) -> tuple:
    """(Codec in eval mode, checkpoint metadata) from a training checkpoint."""
    ckpt = load_checkpoint(ckpt_path)
    codec = Codec(CodecConfig.from_dict(ckpt["model_args"]))
    codec.load_state_dict(ckpt["model"])
    return codec.eval(), {"step": ckpt["step"], "run": ckpt["train_config"].get("run"),
                          # No held-out evaluation yet is stored as inf, which JSON cannot hold.
                          "best_eval": _finite_or_none(ckpt.get("best_eval"))}


def _finite_or_none(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def export_onnx(codec: Codec, out_dir: str, fold_constants: bool = True) -> dict:
    """Write both graphs to out_dir; returns the model.json entries for the codec."""
    os.makedirs(out_dir, exist_ok=True)
    cfg = codec.cfg
    codec.decoder.istft.basis_in_graph = not fold_constants
    codec.quantizer.freeze_for_export()
    enc_path, dec_path = os.path.join(out_dir, "codec_encoder.onnx"), os.path.join(out_dir, "codec_decoder.onnx")
    audio = torch.randn(1, 1, 3 * cfg.hop_length + 17)
    with torch.no_grad():
        onnx_export(EncoderGraph(codec), (audio,), enc_path, opset_version=OPSET,
                          input_names=["audio"], output_names=["codes"], do_constant_folding=fold_constants,
                          dynamic_axes={"audio": {0: "batch", 2: "samples"}, "codes": {0: "batch", 2: "frames"}})
        codes = codec.encode(audio)
        extra, extra_names, extra_axes = decoder_inputs(cfg, codes)
        onnx_export(DecoderGraph(codec), (codes, *extra), dec_path, opset_version=OPSET,
                          input_names=["codes"] + extra_names, output_names=["audio"],
                          do_constant_folding=fold_constants,
                          dynamic_axes={"codes": {0: "batch", 1: "codebooks", 2: "frames"}, **extra_axes,
                                        "audio": {0: "batch", 2: "samples"}})
    codec.decoder.istft.basis_in_graph = False
    codec.quantizer.freeze_for_export(False)
    return {
        "audio": {"sample_rate": cfg.sample_rate, "hop_length": cfg.hop_length,
                  "num_codebooks": cfg.num_codebooks, "codebook_size": cfg.codebook_size},
        "codec": {"encoder": {"file": "codec_encoder.onnx", "input": "audio", "output": "codes"},
                  "decoder": {"file": "codec_decoder.onnx", "input": "codes", "output": "audio",
                              **({"phonemes": "phonemes"} if cfg.dec_phonemes else {}),
                              **({"voice": {"codes": "voice_codes", "weight": "voice_weight"}}
                                 if cfg.dec_speaker else {})}},
        "training": {"codec": {"opset": OPSET, "params": codec.param_counts(), "config": cfg.to_dict()}},
    }


def f32_b64(x: torch.Tensor) -> str:
    return base64.b64encode(x.detach().numpy().astype("<f4").tobytes()).decode("ascii")


def chirp(n: int, sample_rate: int) -> torch.Tensor:
    """Deterministic test input (1, 1, n): a 100 Hz -> 4 kHz linear chirp at amplitude 0.5."""
    t = np.arange(n, dtype=np.float64) / sample_rate
    dur = n / sample_rate
    x = 0.5 * np.sin(2 * math.pi * (100 * t + (3900 / (2 * dur)) * t * t))
    return torch.from_numpy(x.astype(np.float32))[None, None]


def make_tiny(seed: int = 3) -> Codec:
    """Random tiny codec whose codebooks are drawn from its own latents: stage 0 from latent frames,
    stage q from centered frames scaled by 2**-q, so codes spread over the codebooks. No argmin is
    involved (unlike a training step), so the weights do not depend on float rounding or threads."""
    torch.manual_seed(seed)
    codec = Codec(tiny_config()).eval()
    with torch.no_grad():
        frames = codec.encoder(torch.randn(8, 1, 48000) * 0.1).transpose(1, 2).reshape(-1, codec.cfg.dim)
        mean, rvq = frames.mean(0), codec.quantizer
        for q in range(rvq.num_codebooks):
            picked = frames[torch.randperm(len(frames))[:rvq.codebook_size]]
            rvq.embed[q] = picked if q == 0 else (picked - mean) * 0.5 ** q
        rvq.cluster_size.fill_(1.0)
    return codec


def with_phoneme_input(codec: Codec, vocab: int = 128, seed: int = 4) -> Codec:
    """The same codec with a decoder text input whose phoneme embedding is random (a fixture in which the phonemes
    change the audio), id 0 kept at zero."""
    out = Codec(dataclasses.replace(codec.cfg, dec_phonemes=vocab)).eval()
    missing, unexpected = out.load_state_dict(codec.state_dict(), strict=False)
    assert missing == ["decoder.phoneme_emb.weight"] and not unexpected, (missing, unexpected)
    torch.manual_seed(seed)
    with torch.no_grad():
        out.decoder.phoneme_emb.weight.normal_(0.0, 0.5)[0] = 0.0
    return out


def with_voice_input(codec: Codec, seed: int = 5) -> Codec:
    """The same codec with a decoder voice input whose projection is random and bias zero (a fixture in which the
    voice changes the audio and no voice leaves it as it was)."""
    out = Codec(dataclasses.replace(codec.cfg, dec_speaker=True)).eval()
    missing, unexpected = out.load_state_dict(codec.state_dict(), strict=False)
    assert sorted(missing) == ["decoder.speaker_proj.bias", "decoder.speaker_proj.weight"] and not unexpected, (
        missing, unexpected)
    torch.manual_seed(seed)
    with torch.no_grad():
        out.decoder.speaker_proj.weight.normal_(0.0, 2.0)
    return out


def parity_record(codec: Codec) -> dict:
    """Fixed input and PyTorch outputs for a runtime parity test (float32 arrays as base64 little-endian)."""
    cfg = codec.cfg
    audio = chirp(cfg.sample_rate // 2 + 100, cfg.sample_rate)  # not a multiple of hop: exercises padding
    with torch.no_grad():
        latents = codec.encoder(audio)
        codes = codec.quantizer.encode(latents)
        out8, out2 = codec.decode(codes), codec.decode(codes[:, :2])
    return {
        "input": {"name": "audio", "shape": list(audio.shape), "f32le_base64": f32_b64(audio.flatten())},
        "codes": {"shape": list(codes.shape), "data": codes[0].tolist()},
        "decoded": {"shape": list(out8.shape), "f32le_base64": f32_b64(out8.flatten()),
                    "rms": float(out8.pow(2).mean().sqrt()), "first": [round(float(v), 7) for v in out8.flatten()[:8]]},
        "decoded_2_codebooks": {"shape": list(out2.shape), "f32le_base64": f32_b64(out2.flatten()),
                                "rms": float(out2.pow(2).mean().sqrt())},
        "tolerance": {"codes": "exact", "audio_max_abs": 1e-4},
        "min_relative_margin": code_margin(codec, latents),
        **(phoneme_parity(codec, codes) if cfg.dec_phonemes else {}),
        **(voice_parity(codec, codes) if cfg.dec_speaker else {}),
    }


def voice_parity(codec: Codec, codes: torch.Tensor) -> dict:
    """A decoder with a voice input: the decode of the parity codes (no phonemes) with a voice made of the codes'
    last 10 frames reversed, at full weight."""
    voice = codes[:, :, -10:].flip(-1)
    with torch.no_grad():
        out = codec.decode(codes, None, voice)
    return {"decoded_with_voice": {"voice_codes": {"shape": list(voice.shape), "data": voice[0].tolist()},
                                   "shape": list(out.shape), "f32le_base64": f32_b64(out.flatten())}}


def phoneme_parity(codec: Codec, codes: torch.Tensor) -> dict:
    """A decoder with text input: the decode of the parity codes with fixed phoneme ids (4, 5, ... 43, 4, ...)."""
    phonemes = (torch.arange(codes.shape[2]) % 40 + 4)[None]
    with torch.no_grad():
        out = codec.decode(codes, phonemes)
    return {"decoded_with_phonemes": {"phonemes": phonemes[0].tolist(), "shape": list(out.shape),
                                      "f32le_base64": f32_b64(out.flatten())}}


def code_margin(codec: Codec, latents: torch.Tensor) -> float:
    """Smallest (2nd-best - best) / best squared distance over all code choices: how far every
    argmin is from a tie, i.e. how safe exact code equality across runtimes is."""
    rvq, margins = codec.quantizer, []
    r = latents.transpose(1, 2).reshape(-1, latents.shape[1])
    with torch.no_grad():
        for e in rvq.embed:
            dist, _ = ((r[:, None] - e[None]) ** 2).sum(-1).sort(1)
            margins.append(float(((dist[:, 1] - dist[:, 0]) / dist[:, 0].clamp(min=1e-12)).min()))
            r = r - e[((r[:, None] - e[None]) ** 2).sum(-1).argmin(1)]
    return min(margins)


def main(argv: list):
    args = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "1") for a in argv if a.startswith("--"))
    if "out" not in args or ("ckpt" not in args and "tiny" not in args):
        sys.exit("usage: python -m training.codec.export (--ckpt=PATH [--parity] | --tiny [--phonemes] [--voice]) --out=DIR")
    if "tiny" in args:
        codec, meta = make_tiny(), {"tiny": True, "seed": 3}
        if "phonemes" in args:  # test/fixtures/tiny-pointer-model: a decoder that reads the pointer's phonemes
            codec, meta = with_phoneme_input(codec), {**meta, "phoneme_seed": 4}
        if "voice" in args:  # ... and a voice prompt
            codec, meta = with_voice_input(codec), {**meta, "voice_seed": 5}
        entries = export_onnx(codec, args["out"], fold_constants=False)
        entries["training"]["codec"].update(meta)
        record = {**entries, **parity_record(codec)}
        path = os.path.join(args["out"], "codec_parity.json")
    else:
        codec, meta = load_codec(args["ckpt"])
        entries = export_onnx(codec, args["out"])
        entries["training"]["codec"].update(meta)
        record, path = entries, os.path.join(args["out"], "codec.json")
        if "parity" in args:  # the same chirp check for a trained model
            with open(os.path.join(args["out"], "codec_parity.json"), "w") as f:
                json.dump(parity_record(codec), f)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    sizes = {n: os.path.getsize(os.path.join(args["out"], n)) for n in ("codec_encoder.onnx", "codec_decoder.onnx")}
    print(json.dumps({"wrote": path, "bytes": sizes, "params": entries["training"]["codec"]["params"]}))


if __name__ == "__main__":
    main(sys.argv[1:])
