"""Save and load speaker-encoder checkpoints: config, weights, classifier, optimizer, step and speaker list in one file."""
import os

import torch

from training.speaker.config import SpeakerConfig
from training.speaker.model import SpeakerEncoder


def save_checkpoint(path: str, model, head, optimizer, step: int, train_args: dict, speakers: list, summary: dict) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), "head": head.state_dict(),
                "optimizer": optimizer.state_dict(), "step": step, "train_args": train_args,
                "speakers": speakers, "summary": summary}, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def load_checkpoint(path: str):
    """-> (SpeakerEncoder in eval mode, checkpoint dict)."""
    ckpt = torch.load(path, map_location="cpu")
    model = SpeakerEncoder(SpeakerConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt
