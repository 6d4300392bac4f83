"""torch -> ONNX for the AR/drafter and the NAR, with the input/output names and dynamic axes of docs/model-format.md."""
import contextlib
import inspect

import torch

from training.lm.modules import Attention

OPSET = 17

# name -> (dtype, shape); symbolic dims: B batch, S new positions, P past length, T = P + S,
# Nt text length, Tp prompt frames, Tf target frames; numbers are fixed by the model's config.
def ar_io(cfg) -> dict:
    g, v, l, h, dh = cfg.group_size, cfg.audio_vocab_size, cfg.n_layers, cfg.n_heads, cfg.head_dim
    io = {
        "inputs": [
            {"name": "text_ids", "dtype": "int64", "shape": ["B", "S"]},
            {"name": "audio_codes", "dtype": "int64", "shape": ["B", "S", g]},
            {"name": "is_audio", "dtype": "bool", "shape": ["B", "S"]},
            {"name": "positions", "dtype": "int64", "shape": ["B", "S"]},
            *({"name": f"past_{kv}_{i}", "dtype": "float32", "shape": ["P", "B", h, dh]}
              for i in range(l) for kv in ("key", "value")),
            {"name": "attention_mask", "dtype": "bool", "shape": ["B", "T"]},
        ],
        "outputs": [
            {"name": "logits", "dtype": "float32", "shape": ["B", "S", g, v]},
            *({"name": f"present_{kv}_{i}", "dtype": "float32", "shape": ["S", "B", h, dh]}
              for i in range(l) for kv in ("key", "value")),
        ],
    }
    if cfg.pointer_context:  # previous/next phoneme and groups spent on the pointed one (training/lm/ar.py)
        io["inputs"].append({"name": "pointer_context", "dtype": "int64", "shape": ["B", "S", 3]})
    if cfg.pointer_classes:  # phoneme pointer (training/lm/ar.py): how far the pointer moves after each group
        io["outputs"].append({"name": "advance_logits", "dtype": "float32", "shape": ["B", "S", cfg.pointer_classes]})
    return io


def nar_io(cfg) -> dict:
    q = cfg.num_codebooks
    return {
        "inputs": [
            {"name": "text_ids", "dtype": "int64", "shape": ["B", "Nt"]},
            {"name": "prompt_codes", "dtype": "int64", "shape": ["B", q, "Tp"]},
            {"name": "target_codes", "dtype": "int64", "shape": ["B", q, "Tf"]},
            {"name": "stage", "dtype": "int64", "shape": ["B"]},
        ],
        "outputs": [{"name": "logits", "dtype": "float32", "shape": ["B", "Tf", cfg.codebook_size]}],
    }


def _dynamic_axes(io: dict) -> dict:
    return {t["name"]: {i: d for i, d in enumerate(t["shape"]) if isinstance(d, str)}
            for t in io["inputs"] + io["outputs"]}


def _export(model, args, path, io):
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.5: keep the TorchScript exporter, which handles these graphs
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, args, path, opset_version=OPSET, do_constant_folding=True,
                          input_names=[t["name"] for t in io["inputs"]],
                          output_names=[t["name"] for t in io["outputs"]],
                          dynamic_axes=_dynamic_axes(io), **kwargs)


class LayerCacheAR(torch.nn.Module):
    """The AR with the graph's flat I/O: past_key_0, past_value_0, ... in, time-major [P, B, H, Dh]; present_key_0,
    present_value_0, ... out: the keys and values of the S new positions only, [S, B, H, Dh]. Trace it inside
    time_major_cache(model).

    Why this layout: the runtime keeps each layer's cache in one growing buffer and appends the new positions, so a
    call neither returns nor copies the whole cache (returning it, [B, H, P + S, Dh], cost a copy inside the graph and
    another out to JavaScript every step, which made a batch of 4 rows cost 3-4 steps of one; measured in
    bench/README.md). Time-major, the first P positions of the buffer are a valid past tensor for every row, and
    attention reads it in place (modules.Attention._attend_time_major)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, text_ids, audio_codes, is_audio, positions, *rest):
        n = self.model.cfg.n_layers
        past, (attention_mask, *context) = rest[:2 * n], rest[2 * n:]
        out = self.model.forward_layers(text_ids, audio_codes, is_audio, positions, list(past[0::2]),
                                        list(past[1::2]), attention_mask, *context)
        new = [t for pair in zip(out[1], out[2]) for t in pair]
        return (out[0], *new, *out[3:])


@contextlib.contextmanager
def time_major_cache(model):
    """While inside: the model's attention layers take time-major caches and return only the new keys/values."""
    layers = [m for m in model.modules() if isinstance(m, Attention)]
    for m in layers:
        m.time_major_past = True
    try:
        yield model
    finally:
        for m in layers:
            m.time_major_past = False


def export_ar(model, path: str) -> dict:
    """Trace with B=2, S=3, P=2 (every symbolic dim distinct and > 1) and write `path`; -> the I/O spec."""
    c = model.cfg
    b, s, p = 2, 3, 2
    past = tuple(torch.randn(p, b, c.n_heads, c.head_dim) for _ in range(2 * c.n_layers))
    args = (torch.ones(b, s, dtype=torch.long), torch.zeros(b, s, c.group_size, dtype=torch.long),
            torch.tensor([[False, True, True]] * b), torch.arange(p, p + s).repeat(b, 1), *past,
            torch.ones(b, p + s, dtype=torch.bool))
    if c.pointer_context:
        args += (torch.ones(b, s, 3, dtype=torch.long),)
    io = ar_io(c)
    with time_major_cache(model):
        _export(LayerCacheAR(model), args, path, io)
    return io


def export_nar(model, path: str) -> dict:
    c = model.cfg
    b, q = 2, c.num_codebooks
    args = (torch.ones(b, 3, dtype=torch.long), torch.zeros(b, q, 4, dtype=torch.long),
            torch.zeros(b, q, 5, dtype=torch.long), torch.tensor([1, 2]))
    io = nar_io(c)
    _export(model, args, path, io)
    return io
