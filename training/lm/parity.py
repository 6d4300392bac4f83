"""lm_parity.json: fixed inputs and PyTorch outputs that the runtime's onnxruntime-node tests must reproduce."""
import torch

from .config import TEXT_BOS, TEXT_EOS, TEXT_SEP

DECIMALS = 5  # rounding error 5e-6, well inside the 1e-4 tolerance the runtime tests use


def _flat(t: torch.Tensor) -> dict:
    return {"shape": list(t.shape), "data": [round(float(x), DECIMALS) for x in t.flatten()]}


def ar_case(model) -> dict:
    """One row [BOS, 10, SEP, 20, EOS ; 3 audio groups], a full pass from an empty cache (a pointer AR's audio
    positions point at tokens 0 (unknown), 20 and EOS, with context [0, 0, 0], [SEP, EOS, 1] and [20, 0, 2])."""
    g, v = model.cfg.group_size, model.cfg.codebook_size
    text = [TEXT_BOS, 10, TEXT_SEP, 20, TEXT_EOS]
    groups = [[(7 + 131 * i + 17 * j) % v for j in range(g)] for i in range(3)]
    n = len(text) + len(groups)
    pointer = model.cfg.pointer_classes
    text_ids = text + ([0, 20, TEXT_EOS] if pointer else [0] * len(groups))
    audio = [[0] * g] * len(text) + groups
    is_audio = [False] * len(text) + [True] * len(groups)
    context = [[0, 0, 0]] * (len(text) + 1) + [[TEXT_SEP, TEXT_EOS, 1], [20, 0, 2]]
    with torch.no_grad():
        pk, pv = model.empty_cache(1)
        out = model.eval()(torch.tensor([text_ids]), torch.tensor([audio]), torch.tensor([is_audio]),
                           torch.arange(n).unsqueeze(0), pk, pv, torch.ones(1, n, dtype=torch.bool),
                           torch.tensor([context]) if model.cfg.pointer_context else None)
    case = {"inputs": {"text_ids": [text_ids], "audio_codes": [audio], "is_audio": [is_audio],
                       "positions": [list(range(n))]},
            "logits": _flat(out[0])}
    if model.cfg.pointer_context:
        case["inputs"]["pointer_context"] = [context]
    if pointer:
        case["advance_logits"] = _flat(out[3])
    return case


def nar_case(model) -> dict:
    q, v = model.cfg.num_codebooks, model.cfg.codebook_size
    text = [TEXT_BOS, 10, 11, 12, TEXT_EOS]
    prompt = [[(5 + 37 * k + 101 * t) % v for t in range(4)] for k in range(q)]
    target = [[(9 + 53 * k + 29 * t) % v for t in range(3)] for k in range(q)]
    stage = [2]
    with torch.no_grad():
        logits = model.eval()(torch.tensor([text]), torch.tensor([prompt]), torch.tensor([target]), torch.tensor(stage))
    return {"inputs": {"text_ids": [text], "prompt_codes": [prompt], "target_codes": [target], "stage": stage},
            "logits": _flat(logits)}


def parity_fixture(ar, nar, draft=None) -> dict:
    return {"tolerance_abs": 1e-4, "ar": ar_case(ar), "draft": ar_case(draft) if draft is not None else None,
            "nar": nar_case(nar)}
