"""Train the AR, NAR or drafter on (phonemes, codes) pairs: `python -m training.lm.train --manifest M --model ar --out DIR`.

Resumes from DIR/last.pt when it exists (same batches, same dropout masks, same optimizer state: a
resumed run is bit-identical to an uninterrupted one on the same device). Checkpoints store the model
config, so export needs nothing else.
"""
import os

# Before torch loads: spin-waiting OpenMP threads would steal the cores of other jobs on the same machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import ctypes  # noqa: E402
import dataclasses  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from .checkpoint import build_model, load_checkpoint, save_checkpoint
from .config import IGNORE, ARConfig, NARConfig
from .dataset import CodesDataset, PromptOptions, collate_ar, collate_nar
from .align import alignment_path, read_alignments
from .pointer import apply_pointer, drop_pointer
from .guided import aligned_attention_loss, collate_aligned, collate_guides, guided_attention_loss

def limit_heap_fragmentation(threshold: int = 128 * 1024) -> None:
    """Serve large blocks from mmap so they go back to the system when freed (glibc only; no-op elsewhere).

    Batches of ever-different shapes fragment glibc's heap: an AR run grew to 10 GB of RSS in an hour on
    the 2-core machine and was OOM-killed; with this (or MALLOC_MMAP_THRESHOLD_ set) it stays under 1 GB.
    """
    if sys.platform != "linux" or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, threshold)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


# Default sizes per model kind (overridable with --d-model etc.).
SIZES = {"ar": dict(d_model=256, n_layers=6, n_heads=4), "nar": dict(d_model=256, n_layers=6, n_heads=4),
         "draft": dict(d_model=128, n_layers=2, n_heads=2)}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--manifest", required=True)
    p.add_argument("--model", choices=list(SIZES), default="ar")
    p.add_argument("--out", required=True, help="run folder: last.pt and log.txt")
    p.add_argument("--steps", type=int, default=100_000)
    p.add_argument("--batch-size", type=int, default=16, help="utterances per batch (the most, with --max-frames)")
    p.add_argument("--max-frames", type=int, default=None,
                   help="length-bucketed batches of at most this many codec frames (target + prompt source)")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--ckpt-every", type=int, default=500)
    p.add_argument("--val-manifest", help="held-out codes index: its loss is logged at every checkpoint")
    p.add_argument("--val-batches", type=int, default=8, help="fixed batches scored for the validation loss")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop (with a checkpoint) after this much wall time: for machines lent by the hour")
    p.add_argument("--time-schedule", action="store_true",
                   help="with --max-minutes: the learning rate decays over the wall-time budget, not over --steps, "
                        "for a lent machine whose speed is unknown in advance (such a run does not resume exactly)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--text-vocab-size", type=int, default=128)
    p.add_argument("--group-size", type=int, default=2)
    p.add_argument("--num-codebooks", type=int, default=8)
    p.add_argument("--d-model", type=int)
    p.add_argument("--n-layers", type=int)
    p.add_argument("--n-heads", type=int)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--p-continuation", type=float, default=0.5)
    p.add_argument("--p-drop-transcript", type=float, default=0.3)
    p.add_argument("--max-stage", type=int, default=None,
                   help="NAR: train stages 1..this only (the runtime then decodes max-stage+1 codebooks); default all")
    p.add_argument("--audio-noise", type=float, default=0.0,
                   help="AR/drafter: fraction of fed audio groups replaced by random codes (labels unchanged), so that "
                        "the model cannot predict from the audio history alone and learns to read the text")
    p.add_argument("--self-feed", type=float, default=0.0,
                   help="AR: fraction of fed target groups replaced by groups the model itself samples in a first, "
                        "gradient-free pass (scheduled sampling): trains on histories like those it will make")
    p.add_argument("--uncond-drop", type=float, default=0.0,
                   help="pointer AR: fraction of utterances fed no pointer (phoneme 0, no context) at every audio "
                        "position, the condition dropout that trains the unconditional twin of classifier-free guidance")
    p.add_argument("--guided-weight", type=float, default=0.0,
                   help="AR/drafter: weight of the guided-attention loss (training/lm/guided.py); 0 = off")
    p.add_argument("--guided-sigma", type=float, default=0.15, help="width of the guided diagonal (fraction of the utterance)")
    p.add_argument("--align-weight", type=float, default=0.0,
                   help="AR/drafter: weight of the aligned-attention loss: the guided heads must attend to the exact "
                        "token each frame says, from training/lm/align.py's alignments; 0 = off")
    p.add_argument("--pointer-classes", type=int, default=0,
                   help="AR: phoneme-pointer model with this many advance classes (0 = off; needs alignments). "
                        "Resuming a pointer-less AR checkpoint with this adds the pointer (fine-tuning)")
    p.add_argument("--pointer-context", type=int, default=0,
                   help="AR with a pointer: also feed the neighbouring phonemes and the groups spent on the pointed one, "
                        "capped at this many (0 = off; training/lm/config.py)")
    p.add_argument("--init-from", help="start a new run from this checkpoint's weights (step 0, fresh optimizer)")
    p.add_argument("--alignments", help="alignments of --manifest (default: its .align.npz, made by training.lm.align)")
    p.add_argument("--guided-layers", default="1,2", help="comma-separated layer indices whose heads are guided")
    p.add_argument("--guided-heads", type=int, default=2, help="how many heads (the first ones) of each guided layer")
    return p.parse_args(argv)


def make_config(a):
    dims = {k: getattr(a, k) if getattr(a, k) is not None else v for k, v in SIZES[a.model].items()}
    common = dict(text_vocab_size=a.text_vocab_size, dropout=a.dropout, **dims)
    if a.model == "nar":
        return NARConfig(num_codebooks=a.num_codebooks, **common)
    return ARConfig(group_size=a.group_size, pointer_classes=a.pointer_classes, pointer_context=a.pointer_context,
                    **common)


def init_from(path: str, a):
    """A new run's model, starting from another run's weights (same dimensions), optionally with a pointer added
    (its new embedding and head start from their initialisation)."""
    kind, old, _ = load_checkpoint(path)
    if kind != a.model:
        raise SystemExit(f"--init-from {path} holds a {kind} model, not {a.model}")
    cfg = old.cfg
    if a.model != "nar" and (a.pointer_classes, a.pointer_context) != (cfg.pointer_classes, cfg.pointer_context):
        cfg = dataclasses.replace(cfg, pointer_classes=a.pointer_classes, pointer_context=a.pointer_context)
    torch.manual_seed(a.seed)
    model = build_model(kind, cfg)
    missing, unexpected = model.load_state_dict(old.state_dict(), strict=False)
    if unexpected or any(not k.startswith(("pointer_emb.", "advance_head.", "context_emb.")) for k in missing):
        raise SystemExit(f"--init-from {path}: weights do not fit ({missing + unexpected})")
    return model


def peak_memory(device) -> str:
    """' peak N.N GB' of accelerator memory allocated so far, or '' on the CPU."""
    if not str(device).startswith("cuda"):
        return ""
    return f" peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GB"


def learning_rate(step: int, a, elapsed_fraction: float = None) -> float:
    """Linear warmup then cosine decay to 10%: a pure function of the step, so resuming needs no scheduler state.
    With `elapsed_fraction` (--time-schedule) the decay follows the share of the wall-time budget spent instead."""
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    share = elapsed_fraction if elapsed_fraction is not None else (step - a.warmup) / max(1, a.steps - a.warmup)
    progress = min(1.0, share)
    return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def loss_on(model, kind: str, examples, seed: int, step: int, device, args=None, for_training: bool = True):
    """Cross-entropy of one batch, and the auxiliary attention losses the options (`args`) ask for.

    `for_training` False (validation): clean inputs (no --audio-noise) and no diagonal guide; the aligned
    attention loss is still computed when the examples carry alignments (it measures how well the heads read).

    AR: logits (B, N, G, V) vs labels (B, N, G); NAR: (B, T, V) vs (B, T). Returns (ce, {name: loss}) with
    names "guide" (--guided-weight), "align" (--align-weight) and, for a pointer AR, "advance" (weight 1).
    """
    if kind == "nar":
        b = collate_nar(examples, model.cfg.pad_code, np.random.default_rng([seed, step, 1]), model.cfg.num_codebooks,
                        getattr(args, "max_stage", None))
        b = {k: v.to(device) for k, v in b.items()}
        logits = model(b["text_ids"], b["prompt_codes"], b["target_codes"], b["stage"])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b["labels"].reshape(-1), ignore_index=IGNORE), {}
    b = collate_ar(examples, model.cfg.group_size, model.cfg.eos)
    pointer = model.cfg.pointer_classes
    advance = (apply_pointer(b, examples, model.cfg.group_size, pointer, model.cfg.pointer_context).to(device)
               if pointer else None)
    if pointer and for_training and args is not None and getattr(args, "uncond_drop", 0) > 0:
        advance = drop_pointer(b, advance, args.uncond_drop, np.random.default_rng([seed, step, 4]))
    if for_training and args is not None and args.audio_noise > 0:
        corrupt_audio(b, args.audio_noise, model.cfg.codebook_size, np.random.default_rng([seed, step, 2]))
    b = {k: v.to(device) for k, v in b.items()}
    if for_training and args is not None and getattr(args, "self_feed", 0) > 0:
        feed_own_samples(model, b, args.self_feed,
                         torch.Generator(device=device).manual_seed(int(np.random.default_rng([seed, step, 3]).integers(2**62))))
    want_guide = for_training and args is not None and args.guided_weight > 0
    want_align = args is not None and args.align_weight > 0 and any(x.get("target_align") is not None for x in examples)
    layers = [model.blocks[int(i)].attn for i in args.guided_layers.split(",")] if want_guide or want_align else []
    for attn in layers:
        attn.keep_scores = True
    try:
        pk, pv = (t.to(device) for t in model.empty_cache(b["text_ids"].shape[0]))
        out = model(b["text_ids"], b["audio_codes"], b["is_audio"], b["positions"], pk, pv, b["attention_mask"],
                    b.get("pointer_context"))
        logits = out[0]
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b["labels"].reshape(-1), ignore_index=IGNORE)
        aux, n = {}, b["text_ids"].shape[1]
        if pointer:
            aux["advance"] = F.cross_entropy(out[3].reshape(-1, pointer), advance.reshape(-1), ignore_index=IGNORE)
        if want_guide:
            guides = collate_guides(examples, model.cfg.group_size, n, args.guided_sigma)
            aux["guide"] = sum(guided_attention_loss(a.scores, guides, args.guided_heads) for a in layers) / len(layers)
        if want_align:
            targets = collate_aligned(examples, model.cfg.group_size, n)
            aux["align"] = sum(aligned_attention_loss(a.scores, targets, args.guided_heads) for a in layers) / len(layers)
        return ce, aux
    finally:
        for attn in layers:
            attn.keep_scores, attn.scores = False, None


def corrupt_audio(batch: dict, fraction: float, codebook_size: int, rng: np.random.Generator) -> None:
    """Replaces a `fraction` of the fed audio groups (prompt and target) with random codes, in place.

    A small AR trained on clean histories leans on them (speech codes change slowly) and ignores the text;
    with some of the history wrong, the text is the reliable source. Labels are left as they are.
    """
    codes, is_audio = batch["audio_codes"], batch["is_audio"]
    hit = torch.from_numpy(rng.random(tuple(is_audio.shape)) < fraction) & is_audio
    random_codes = torch.from_numpy(rng.integers(0, codebook_size, tuple(codes.shape)))
    batch["audio_codes"] = torch.where(hit.unsqueeze(-1), random_codes, codes)


@torch.no_grad()
def feed_own_samples(model, batch: dict, fraction: float, gen: torch.Generator) -> None:
    """Scheduled sampling, in place: a `fraction` of the fed target groups become groups sampled from the model's
    own predictions for them (one gradient-free pass over the batch as it is). Free-running decoding feeds the
    model its own samples; trained only on real histories, a small AR drifts once its first guesses are off."""
    pk, pv = model.empty_cache(batch["text_ids"].shape[0])
    out = model(batch["text_ids"], batch["audio_codes"], batch["is_audio"], batch["positions"], pk.to(batch["positions"].device),
                pv.to(batch["positions"].device), batch["attention_mask"], batch.get("pointer_context"))
    probs = out[0][..., :model.cfg.codebook_size].float().softmax(-1)  # never feed end of speech
    b, n, g, v = probs.shape
    # On the model's device, with a generator there: on the CPU, sampling ~10^4 rows of 1024 took 0.9 s a step.
    sampled = torch.multinomial(probs.reshape(-1, v), 1, generator=gen).view(b, n, g)
    labels = batch["labels"]
    real = ((labels != IGNORE) & (labels < model.cfg.codebook_size)).all(-1)  # position i predicts a fed group
    hit = real[:, :-1] & batch["is_audio"][:, 1:] & (torch.rand(b, n - 1, generator=gen, device=probs.device) < fraction)
    codes = batch["audio_codes"].clone()
    codes[:, 1:][hit] = sampled[:, :-1][hit]
    batch["audio_codes"] = codes


@torch.no_grad()
def validation_loss(model, kind: str, data, a, wrong_text: bool = False) -> float:
    """Mean loss over fixed held-out batches (same seed every time, so values are comparable across steps).

    With `wrong_text`, every example gets the next example's text: a model that reads the text scores
    clearly worse then; one that only continues the prompt's audio scores the same.
    """
    was_training = model.training
    model.eval()
    losses, aligns = [], []
    for i in range(a.val_batches):
        examples = data.batch(12345, i, a.batch_size, a.max_frames)
        if wrong_text:
            texts = [x["text"] for x in examples]
            examples = [dict(x, text=texts[(j + 1) % len(texts)], prompt_align=None, target_align=None)
                        for j, x in enumerate(examples)]
        ce, aux = loss_on(model, kind, examples, 12345, i, a.device, a, for_training=False)
        losses.append(ce.item())
        if "align" in aux:
            aligns.append(aux["align"].item())
    model.train(was_training)
    return float(np.mean(losses)), (float(np.mean(aligns)) if aligns else None)


def best_validation_loss(path: str) -> float:
    """The validation loss recorded in a run's best.pt, or infinity when there is none yet."""
    if not os.path.exists(path):
        return float("inf")
    return float((torch.load(path, map_location="cpu", weights_only=False).get("extra") or {}).get("val_loss", "inf"))


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if a.time_schedule and a.max_minutes is None:  # before any data or model is loaded
        raise SystemExit("--time-schedule needs --max-minutes (the budget the learning rate decays over)")
    limit_heap_fragmentation()
    torch.set_num_threads(a.threads)
    ckpt_path = os.path.join(a.out, "last.pt")
    # best.pt: the weights at the lowest validation loss so far (no optimizer). A run that outlives its data
    # overfits (the eleventh session's GPU AR: held-out loss 3.87 at step 1,000, 4.30 at its last, 5,546).
    best_path = os.path.join(a.out, "best.pt")
    best_val = best_validation_loss(best_path)
    if os.path.exists(ckpt_path):
        kind, model, state = load_checkpoint(ckpt_path)
        if kind != a.model:
            raise SystemExit(f"{ckpt_path} holds a {kind} model, not {a.model}")
        step = state["step"]
    elif a.init_from:
        model, state, step = init_from(a.init_from, a), None, 0
    else:
        torch.manual_seed(a.seed)  # initial weights depend on the seed only
        model, state, step = build_model(a.model, make_config(a)), None, 0
    if str(a.device).startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True  # small matrices: TF32 is ample and several times faster
        torch.backends.cudnn.allow_tf32 = True
    model.to(a.device)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
    if state is not None and state["optimizer"] is not None:
        opt.load_state_dict(state["optimizer"])
    cfg = model.cfg
    def dataset(manifest, alignments_path=None):
        """The codes of `manifest`, with its frame alignments when a loss needs them (required for training and,
        for a pointer AR, whose inputs are built from them, for validation; otherwise optional for validation,
        which then skips the aligned-attention measure). Checked here, before any step: a missing file found at
        the first validation would cost a run its first checkpoint interval."""
        alignments = None
        pointer = getattr(cfg, "pointer_classes", 0)
        if a.align_weight > 0 or pointer:
            path = alignments_path or alignment_path(manifest)
            if os.path.exists(path):
                alignments = read_alignments(path)
            elif manifest == a.manifest:
                raise SystemExit(f"--align-weight / a pointer AR need alignments: {path} is missing "
                                 f"(python -m training.lm.align --manifest {manifest})")
            elif pointer:
                raise SystemExit(f"a pointer AR's validation needs the alignments of --val-manifest: {path} is "
                                 f"missing (python -m training.lm.align --manifest {manifest} --tables-from "
                                 f"{a.alignments or alignment_path(a.manifest)})")
        return CodesDataset(manifest, getattr(cfg, "group_size", 1), cfg.codebook_size,
                            PromptOptions(a.p_continuation, a.p_drop_transcript), text_vocab_size=cfg.text_vocab_size,
                            alignments=alignments)

    data = dataset(a.manifest, a.alignments)
    val = dataset(a.val_manifest) if a.val_manifest else None
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "log.txt"), "a", encoding="utf-8")
    model.train()
    t0 = time.time()
    def spent():
        return (time.time() - t0) / (60 * a.max_minutes) if a.time_schedule else None
    while step < a.steps:
        torch.manual_seed(a.seed * 1_000_003 + step)  # dropout masks depend on the step only
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, a, spent())
        loss, aux = loss_on(model, a.model, data.batch(a.seed, step, a.batch_size, a.max_frames), a.seed, step,
                            a.device, args=a)
        weights = {"guide": a.guided_weight, "align": a.align_weight, "advance": 1.0}
        opt.zero_grad(set_to_none=True)
        (loss + sum(weights[k] * v for k, v in aux.items())).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 50 == 0 or step == a.steps:
            extra = "".join(f" {k} {v.item():.4f}" for k, v in aux.items())
            print(f"step {step} loss {loss.item():.4f}{extra} lr {opt.param_groups[0]['lr']:.2e} "
                  f"{(time.time() - t0) / 60:.1f} min{peak_memory(a.device)}", file=log, flush=True)
        out_of_time = a.max_minutes is not None and time.time() - t0 > 60 * a.max_minutes
        if step % a.ckpt_every == 0 or step == a.steps or out_of_time:
            save_checkpoint(ckpt_path, a.model, model, opt, step, extra={"args": vars(a)})
            if val is not None:
                ce, align = validation_loss(model, a.model, val, a)
                extra = "" if align is None else f" val_align {align:.4f}"
                if a.model != "nar" and not getattr(cfg, "pointer_classes", 0):
                    extra += f" wrong_text {validation_loss(model, a.model, val, a, True)[0]:.4f}"
                print(f"step {step} val_loss {ce:.4f}{extra}", file=log, flush=True)
                if ce < best_val:
                    best_val = ce
                    save_checkpoint(best_path, a.model, model, None, step, extra={"args": vars(a), "val_loss": ce})
        if out_of_time:
            print(f"step {step}: --max-minutes {a.max_minutes} reached, stopping", file=log, flush=True)
            break
    log.close()
    return model


if __name__ == "__main__":
    main()
