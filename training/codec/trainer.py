"""One training step (reconstruction, then optionally GAN) and exact checkpoint save/resume."""
import math
import os
import random

import numpy as np
import torch

from training.codec.config import CodecConfig
from training.codec.discriminators import Discriminators
from training.codec.losses import (MultiResolutionLoss, discriminator_loss, feature_matching_loss,
                                   generator_loss)
from training.codec.model import Codec

# Decoder inputs added to a trained codec (zero at first): they may be missing from an --init_from checkpoint and
# learn `phoneme_lr_scale` times faster.
NEW_INPUT_PREFIXES = ("decoder.phoneme_emb.", "decoder.speaker_proj.")


def load_checkpoint(path: str) -> dict:
    """torch.load on CPU (RNG states must stay CPU tensors; load_state_dict moves weights and optimizer
    state to the model's device), allowing the numpy/python RNG states torch >= 2.6 refuses by default."""
    return torch.load(path, map_location="cpu", weights_only=False)


class Trainer:
    """Owns model, optimizers, loss and step counter; `tc` is the flat training-config dict."""

    def __init__(self, cfg: CodecConfig, tc: dict, device: str = "cpu"):
        self.cfg, self.tc, self.device, self.step = cfg, tc, device, 0
        self.model = Codec(cfg).to(device)
        self.loss = MultiResolutionLoss(cfg.sample_rate).to(device)
        betas = (tc["beta1"], tc["beta2"])
        # The decoder's phoneme embedding, when there is one, learns `phoneme_lr_scale` times faster: it starts at
        # zero next to trained weights, and at the decoder's rate it was still near zero after 700 steps.
        # The voice input (dec_speaker) likewise.
        emb = [p for n, p in self.model.named_parameters() if n.startswith(NEW_INPUT_PREFIXES)]
        rest = [p for n, p in self.model.named_parameters() if not n.startswith(NEW_INPUT_PREFIXES)]
        groups = [{"params": rest, "lr_scale": 1.0}] + (
            [{"params": emb, "lr_scale": tc.get("phoneme_lr_scale", 1.0), "weight_decay": 0.0}] if emb else [])
        if tc.get("voice_only"):
            # Only the voice projection's weight learns (its bias stays zero): with no voice (weight 0, the zero
            # latent) the decoder is exactly the one it was made from. AdamW skips parameters without gradients.
            for n, p in self.model.named_parameters():
                p.requires_grad_(n == "decoder.speaker_proj.weight")
        self.opt = torch.optim.AdamW(groups, lr=tc["lr"], betas=betas, weight_decay=tc["weight_decay"])
        # Discriminators exist from the start (so checkpoints have a fixed layout) but train only
        # once step >= gan_start_step >= 0.
        self.disc = Discriminators().to(device)
        self.opt_d = torch.optim.AdamW(self.disc.parameters(), lr=tc["lr"], betas=betas,
                                       weight_decay=tc["weight_decay"])

    def lr_at(self, step: int) -> float:
        """Linear warmup, then cosine from lr down to lr * min_lr_ratio at max_steps."""
        tc = self.tc
        if step < tc["warmup_steps"]:
            return tc["lr"] * (step + 1) / tc["warmup_steps"]
        progress = min(1.0, (step - tc["warmup_steps"]) / max(1, tc["max_steps"] - tc["warmup_steps"]))
        return tc["lr"] * (tc["min_lr_ratio"] + (1 - tc["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * progress)))

    def gan_on(self) -> bool:
        return 0 <= self.tc["gan_start_step"] <= self.step

    def train_step(self, audio: torch.Tensor, gta: tuple = None, voices: list = None, gta_voices: list = None) -> dict:
        """audio (B, 1, N) -> dict of float losses; advances self.step by one. With decoder_only, `gta` =
        (audio (n, 1, N), codes (n, 1, N / hop)) adds n items decoded from given codebook-0 codes (an AR's
        teacher-forced predictions, training/lm/gta_codes.py) instead of the audio's own codes, and for a decoder
        with a voice input (dec_speaker) `voices` gives each audio item's prompt (1, 1, N_i): another stretch of
        the same voice, and `gta_voices` each gta item's (another utterance of its speaker)."""
        tc, b = self.tc, audio.shape[0]
        audio = audio.to(self.device)
        for group in self.opt.param_groups + self.opt_d.param_groups:
            group["lr"] = self.lr_at(self.step) * group.get("lr_scale", 1.0)
        self.model.train()
        # Quantizer dropout: with probability p an item keeps only the first n ~ U{1..Q} codebooks.
        q = self.cfg.num_codebooks
        n_q = torch.full((b,), q, device=self.device)
        drop = torch.rand(b, device=self.device) < tc["quantizer_dropout"]
        n_q[drop] = torch.randint(1, q + 1, (int(drop.sum()),), device=self.device)
        n_q[torch.rand(b, device=self.device) < tc.get("q1_share", 0.0)] = 1
        if voices is not None and not tc.get("decoder_only"):
            raise ValueError("voices need decoder_only: the voice input is trained on a frozen codec")
        fake, qres = (self._decoder_only_forward(audio, n_q, self._voice_latents(voices)) if tc.get("decoder_only")
                      else self.model(audio, n_q))
        if gta is not None:
            if not tc.get("decoder_only"):
                raise ValueError("given codes (gta) need decoder_only: the encoder cannot learn from them")
            # (audio, codes) or (audio, codes, phonemes): the phoneme of each frame, for a decoder with text input.
            gta_audio, gta_codes, *gta_phonemes = (t.to(self.device) for t in gta)
            with torch.no_grad():
                latents = self.model.quantizer.decode(gta_codes)
            rendered = self.model.decoder(latents, gta_phonemes[0] if gta_phonemes else None,
                                          self._voice_latents(gta_voices))
            fake, audio = torch.cat([fake, rendered]), torch.cat([audio, gta_audio])
        out = {}
        if self.gan_on():
            self.opt_d.zero_grad(set_to_none=True)
            real_logits, _ = self.disc(audio)
            fake_logits, _ = self.disc(fake.detach())
            d_loss = discriminator_loss(real_logits, fake_logits)
            d_loss.backward()
            self.opt_d.step()
            out["d_loss"] = float(d_loss)
        rec = self.loss(fake, audio)
        total = tc["mel_weight"] * rec["mel"] + tc["stft_weight"] * rec["stft"]
        if not tc.get("decoder_only"):
            total = total + tc["commit_weight"] * qres.commit_loss
        if self.gan_on():
            fake_logits, fake_feats = self.disc(fake)
            with torch.no_grad():
                _, real_feats = self.disc(audio)
            adv, fm = generator_loss(fake_logits), feature_matching_loss(real_feats, fake_feats)
            total = total + tc["adv_weight"] * adv + tc["fm_weight"] * fm
            out.update(adv=float(adv), fm=float(fm))
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), tc["grad_clip"])
        self.opt.step()
        self.step += 1
        out.update(loss=float(total), mel=float(rec["mel"]), stft=float(rec["stft"]),
                   commit=float(qres.commit_loss), grad_norm=float(grad_norm),
                   perplexity=[round(float(p), 1) for p in qres.perplexity])
        return out

    @torch.no_grad()
    def _voice_latents(self, voices: list):
        """Each prompt's mean latent over all codebooks (B, D); a `voice_dropout` share of them zero, the input a
        request without a voice gives. None without prompts."""
        if voices is None:
            return None
        self.model.encoder.eval()
        self.model.quantizer.eval()
        latents = torch.cat([self.model.voice_latent(self.model.encode(v.to(self.device))) for v in voices])
        keep = (torch.rand(latents.shape[0], 1, device=self.device) >= self.tc.get("voice_dropout", 0.0)).float()
        return latents * keep

    def _decoder_only_forward(self, audio: torch.Tensor, n_q: torch.Tensor, speaker: torch.Tensor = None):
        """Encoder and quantizer in eval mode without gradients (no EMA updates or code restarts, so the
        code book stays exactly as exported); only the decoder learns. The optimizer skips parameters
        without gradients, so its state keeps the full model's layout and checkpoints stay resumable."""
        self.model.encoder.eval()
        self.model.quantizer.eval()
        with torch.no_grad():
            qres = self.model.quantizer(self.model.encoder(audio), n_q)
        return self.model.decoder(qres.quantized, None, speaker), qres

    def state_dict(self, extra: dict = None) -> dict:
        """Everything needed to rebuild and resume: configs, weights, optimizers, step, RNG states."""
        rng = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        return {"model_args": self.cfg.to_dict(), "train_config": dict(self.tc), "step": self.step,
                "model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
                "disc": self.disc.state_dict(), "optimizer_d": self.opt_d.state_dict(),
                "rng": rng, **(extra or {})}

    def save(self, path: str, extra: dict = None):
        """Atomic write (tmp + rename) so a kill mid-save never leaves a broken last.pt."""
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        torch.save(self.state_dict(extra), path + ".tmp")
        os.replace(path + ".tmp", path)

    def load(self, ckpt: dict):
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.disc.load_state_dict(ckpt["disc"])
        self.opt_d.load_state_dict(ckpt["optimizer_d"])
        self.step = ckpt["step"]
        rng = ckpt["rng"]
        torch.set_rng_state(rng["torch"])
        np.random.set_state(rng["numpy"])
        random.setstate(rng["python"])
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
