"""Train the codec: `python -m training.codec.train --key=value ...`; re-running the same command resumes.

Defaults below; any of them, and any CodecConfig field (e.g. --dim=64), can be overridden.
Checkpoints go to {out_root}/{run}/last.pt (every ckpt_every_s seconds, on SIGTERM/SIGINT and at the end);
losses to {out_root}/{run}/log.jsonl.
"""
import ast
import dataclasses
import json
import os
import signal
import sys
import time

# Measured here with other jobs on the 2 cores: OpenMP's default spin-waiting made a 2-thread step
# cost 6.2 CPU-s (17.6 s wall); passive waiting 0.75 CPU-s (1.1 s). Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

from training.codec.config import CodecConfig, tiny_config  # noqa: E402
from training.codec.data import CropSampler, GtaSampler, fixed_eval_batch  # noqa: E402
from training.codec.losses import log_mel_distance  # noqa: E402
from training.codec.trainer import NEW_INPUT_PREFIXES, Trainer, load_checkpoint  # noqa: E402

# ---- defaults ----
run = "cpu1"
out_root = "training/runs/codec"
cache_dir = "training/cache/codec"
sources = "so762:0.45,kathleen:0.3,libri:0.25"  # cache name:weight; real speech weighted up
manifests = ""  # comma-separated corpus manifests (decoded into the cache by build_cache --manifest=)
manifest_weight = 0.3  # total share of crops for all manifests together
eval_sources = "heldout-kathleen,heldout-so762"  # evaluation only, never trained on
batch_size = 16
crop_seconds = 1.0
lr = 5e-4
beta1, beta2 = 0.8, 0.99
weight_decay = 0.01
warmup_steps = 500
max_steps = 300000
min_lr_ratio = 0.1
grad_clip = 1.0
quantizer_dropout = 0.5
q1_share = 0.0  # share of items decoded from codebook 0 alone on top of quantizer dropout (the shipped TTS
#                 decodes codebook 0 alone)
gta_dir = ""  # with decoder_only: aligned AR predictions and audio (training/lm/gta_codes.py) ...
gta_share = 0.0  # ... this share of each batch's items comes from there, decoded from the AR's codebook 0
init_from = ""  # a new run (no last.pt yet) starts from this checkpoint's weights, its model config with this
#               command's model options on top (e.g. --dec_phonemes=128: the new phoneme input starts at zero);
#               fresh optimizers, step 0
phoneme_lr_scale = 1.0  # learning-rate factor of the decoder's phoneme embedding (dec_phonemes > 0)
voice_dropout = 0.2  # decoder with a voice input (--dec_speaker=True): share of items trained without a voice
voice_only = False  # with decoder_only and dec_speaker: train the voice projection alone, the decoder stays as it was
decoder_only = False  # fine-tune the decoder alone: encoder and codebooks frozen, so the codes, and every
#                       language model and saved voice made from them, stay valid
mel_weight, stft_weight, commit_weight = 1.0, 1.0, 1.0
gan_start_step = -1  # >= 0 turns on adversarial + feature-matching losses from that step
adv_weight, fm_weight = 1.0, 2.0
log_every = 20
eval_every = 500
ckpt_every_s = 180
max_minutes = 0.0  # 0 = run until max_steps
seed = 1337
threads = 2
tiny = False  # tiny_config() instead of CodecConfig() (tests)
# ------------------
TRAIN_KEYS = [k for k, v in list(globals().items()) if not k.startswith("_") and isinstance(v, (int, float, str, bool))]
MODEL_KEYS = [f.name for f in dataclasses.fields(CodecConfig)]


def parse_overrides(argv: list) -> dict:
    out = {}
    for arg in argv:
        if not arg.startswith("--") or "=" not in arg:
            sys.exit(f"train: expected --key=value, got {arg!r}")
        key, value = arg[2:].split("=", 1)
        if key not in TRAIN_KEYS and key not in MODEL_KEYS:
            sys.exit(f"train: unknown option --{key}; options: {', '.join(TRAIN_KEYS + MODEL_KEYS)}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value  # bare strings
    return out


def source_weights(tc: dict) -> dict:
    from training.codec.sources import manifest_source_name

    weights = {n: float(w) for n, w in (item.split(":") for item in tc["sources"].split(",") if item)}
    found = [m for m in tc["manifests"].split(",") if m]
    for m in found:
        weights[manifest_source_name(m)] = tc["manifest_weight"] / len(found)
    return weights


@torch.no_grad()
def evaluate(model, batch: torch.Tensor) -> dict:
    """Held-out log-mel distance through the export path (encode -> decode) at 8, 2 and 1 codebooks."""
    model.eval()
    codes = model.encode(batch)
    return {f"eval_mel_q{n}": round(log_mel_distance(model.decode(codes[:, :n]), batch), 4) for n in (8, 2, 1)}


def main(argv: list):
    overrides = parse_overrides(argv)
    tc = {k: globals()[k] for k in TRAIN_KEYS}
    tc.update({k: v for k, v in overrides.items() if k in TRAIN_KEYS})
    run_dir = os.path.join(tc["out_root"], tc["run"])
    ckpt_path = os.path.join(run_dir, "last.pt")
    torch.set_num_threads(tc["threads"])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ckpt = load_checkpoint(ckpt_path) if os.path.exists(ckpt_path) else None
    if ckpt:  # resume: the checkpoint's model and training config, then this command's overrides
        cfg = CodecConfig.from_dict(ckpt["model_args"])
        tc = {**tc, **ckpt["train_config"], **{k: v for k, v in overrides.items() if k in TRAIN_KEYS}}
    else:
        init = load_checkpoint(tc["init_from"]) if tc["init_from"] else None
        base = (CodecConfig.from_dict(init["model_args"]) if init else tiny_config() if tc["tiny"] else CodecConfig())
        cfg = dataclasses.replace(base, **{k: (tuple(v) if isinstance(v, list) else v)
                                           for k, v in overrides.items() if k in MODEL_KEYS})
        torch.manual_seed(tc["seed"])
    trainer = Trainer(cfg, tc, device)
    if not ckpt and tc["init_from"]:
        try:
            missing, unexpected = trainer.model.load_state_dict(init["model"], strict=False)
        except RuntimeError as err:  # shapes differ
            sys.exit(f"train: --init_from={tc['init_from']}: weights do not fit this model ({str(err)[:300]})")
        if unexpected or any(not k.startswith(NEW_INPUT_PREFIXES) for k in missing):
            sys.exit(f"train: --init_from={tc['init_from']}: weights do not fit this model ({missing + unexpected})")
        if "disc" in init:  # slim checkpoints (training/checkpoints/*-weights.pt) carry no discriminators
            trainer.disc.load_state_dict(init["disc"])
        print(f"initialized from {tc['init_from']} (step {init['step']}); new: {missing or 'nothing'}", flush=True)
    sampler = CropSampler(tc["cache_dir"], source_weights(tc), int(tc["crop_seconds"] * cfg.sample_rate), tc["seed"])
    n_gta = round(tc["batch_size"] * tc["gta_share"]) if tc["gta_dir"] else 0
    gta = GtaSampler(tc["gta_dir"], int(tc["crop_seconds"] * cfg.sample_rate) // cfg.hop_length, cfg.hop_length,
                     tc["seed"]) if n_gta else None
    best = float("inf")
    if ckpt:
        trainer.load(ckpt)
        sampler.set_state(ckpt["sampler"])
        if gta and ckpt.get("gta_sampler"):
            gta.set_state(ckpt["gta_sampler"])
        best = ckpt.get("best_eval", best)
        print(f"resumed {ckpt_path} at step {trainer.step}", flush=True)
    print(f"device {device}, threads {tc['threads']}, params {trainer.model.param_counts()}", flush=True)
    eval_batch = fixed_eval_batch(tc["cache_dir"], tc["eval_sources"].split(",")).to(device)

    def save():
        trainer.save(ckpt_path, {"sampler": sampler.state(), "best_eval": best,
                                 **({"gta_sampler": gta.state()} if gta else {})})

    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    os.makedirs(run_dir, exist_ok=True)
    log = open(os.path.join(run_dir, "log.jsonl"), "a")
    t_start = t_log = t_ckpt = time.time()
    step_log = trainer.step
    while trainer.step < tc["max_steps"] and not stop:
        if tc["max_minutes"] and time.time() - t_start > 60 * tc["max_minutes"]:
            break
        voice_input = cfg.dec_speaker and tc["decoder_only"]
        gta_batch = gta.batch(n_gta, with_voice=voice_input) if gta else None
        if voice_input:
            audio, voices = sampler.batch_with_voice(tc["batch_size"] - n_gta)
            gta_voices = gta_batch[-1] if gta_batch else None
            out = trainer.train_step(audio, gta_batch[:-1] if gta_batch else None, voices, gta_voices)
        else:
            out = trainer.train_step(sampler.batch(tc["batch_size"] - n_gta), gta_batch)
        if trainer.step % tc["log_every"] == 0:
            now = time.time()
            out.update(step=trainer.step, lr=trainer.lr_at(trainer.step),
                       steps_per_min=round(60 * (trainer.step - step_log) / (now - t_log), 1), time=round(now))
            t_log, step_log = now, trainer.step
            if trainer.step % tc["eval_every"] == 0:
                out.update(evaluate(trainer.model, eval_batch))
                if out["eval_mel_q8"] < best:
                    best = out["eval_mel_q8"]
                    trainer.save(os.path.join(run_dir, "best.pt"), {"sampler": sampler.state(), "best_eval": best})
            log.write(json.dumps(out) + "\n")
            log.flush()
            print(" ".join(f"{k}={v}" for k, v in out.items() if k != "time"), flush=True)
        if time.time() - t_ckpt > tc["ckpt_every_s"]:
            save()
            t_ckpt = time.time()
    save()
    print(f"saved {ckpt_path} at step {trainer.step}", flush=True)


if __name__ == "__main__":
    from training.usage import help_requested
    help_requested(__doc__)
    main(sys.argv[1:])
