"""Codec LM models: output shapes, KV-cache equivalence, grouping G in {1, 2, 4}, NAR stage masking."""
import pytest
import torch

from training.lm.ar import ARModel
from training.lm.config import ARConfig, NARConfig
from training.lm.nar import NARModel

V = 1024


def tiny_ar(g=2, **kw):
    torch.manual_seed(0)
    cfg = dict(text_vocab_size=40, group_size=g, d_model=32, n_layers=2, n_heads=4, dropout=0.0)
    cfg.update(kw)
    return ARModel(ARConfig(**cfg)).eval()


def random_inputs(model, b=2, n_text=5, n_audio=6, seed=1):
    """A batch of [text ; audio groups] rows: text_ids (B, N), audio_codes (B, N, G), is_audio, positions, mask."""
    gen = torch.Generator().manual_seed(seed)
    g, n = model.cfg.group_size, n_text + n_audio
    is_audio = (torch.arange(n) >= n_text).unsqueeze(0).expand(b, -1)
    text = torch.randint(4, 40, (b, n), generator=gen) * ~is_audio
    audio = torch.randint(0, V, (b, n, g), generator=gen) * is_audio.unsqueeze(-1)
    pos = torch.arange(n).unsqueeze(0).expand(b, -1)
    return text, audio, is_audio, pos, torch.ones(b, n, dtype=torch.bool)


def full_pass(model, text, audio, is_audio, pos, mask):
    pk, pv = model.empty_cache(text.shape[0])
    return model(text, audio, is_audio, pos, pk, pv, mask)


@pytest.mark.parametrize("g", [1, 2, 4])
def test_ar_shapes(g):
    model = tiny_ar(g)
    logits, keys, values = full_pass(model, *random_inputs(model))
    assert logits.shape == (2, 11, g, V + 1)
    assert keys.shape == values.shape == (2, 2, 4, 11, 8)


@pytest.mark.parametrize("g", [1, 2, 4])
@pytest.mark.parametrize("chunks", [[11], [7, 1, 1, 1, 1], [5, 3, 3], [1] * 11])
def test_ar_incremental_equals_full_pass(g, chunks):
    model = tiny_ar(g)
    text, audio, is_audio, pos, mask = random_inputs(model)
    with torch.no_grad():
        full, _, _ = full_pass(model, text, audio, is_audio, pos, mask)
        pk, pv = model.empty_cache(2)
        start, pieces = 0, []
        for c in chunks:
            sl = slice(start, start + c)
            logits, pk, pv = model(text[:, sl], audio[:, sl], is_audio[:, sl], pos[:, sl], pk, pv, mask[:, :start + c])
            pieces.append(logits)
            start += c
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=1e-5, rtol=1e-5)


def test_time_major_attention_equals_the_training_path():
    """The exported graph's attention (time-major past read in place, new keys/values only) gives the same logits
    and new keys/values as the concatenating path, and leaves the model as it was."""
    from training.lm.onnx_export import LayerCacheAR, time_major_cache
    model = tiny_ar(2, pointer_classes=4, pointer_context=4)
    text, audio, is_audio, pos, mask = random_inputs(model)
    p, s = 7, 4
    ctx = torch.randint(0, 4, (2, p + s, 3))
    c = model.cfg
    with torch.no_grad():
        empty = [torch.zeros(2, c.n_heads, 0, c.head_dim)] * c.n_layers
        _, pk, pv = model.forward_layers(text[:, :p], audio[:, :p], is_audio[:, :p], pos[:, :p], empty, empty,
                                         mask[:, :p], ctx[:, :p])[:3]
        want = model.forward_layers(text[:, p:], audio[:, p:], is_audio[:, p:], pos[:, p:], pk, pv, mask, ctx[:, p:])
        past = [t.permute(2, 0, 1, 3) for layer in zip(pk, pv) for t in layer]  # time-major [P, B, H, Dh]
        with time_major_cache(model):
            got = LayerCacheAR(model)(text[:, p:], audio[:, p:], is_audio[:, p:], pos[:, p:], *past, mask, ctx[:, p:])
    n = model.cfg.n_layers
    torch.testing.assert_close(got[0], want[0], atol=1e-5, rtol=1e-5)
    for i in range(n):
        torch.testing.assert_close(got[1 + 2 * i], want[1][i][:, :, p:].permute(2, 0, 1, 3))
        torch.testing.assert_close(got[2 + 2 * i], want[2][i][:, :, p:].permute(2, 0, 1, 3))
    torch.testing.assert_close(got[-1], want[-1], atol=1e-5, rtol=1e-5)  # advance logits
    assert not any(b.attn.time_major_past for b in model.blocks)


def test_ar_is_causal():
    """Changing a later position must not change earlier logits; it must change its own."""
    model = tiny_ar()
    text, audio, is_audio, pos, mask = random_inputs(model)
    with torch.no_grad():
        a, _, _ = full_pass(model, text, audio, is_audio, pos, mask)
        audio2 = audio.clone()
        audio2[:, 8] = (audio2[:, 8] + 1) % V
        b, _, _ = full_pass(model, text, audio2, is_audio, pos, mask)
    torch.testing.assert_close(a[:, :8], b[:, :8])
    assert not torch.allclose(a[:, 8], b[:, 8])


def test_ar_left_padding_matches_unpadded_row():
    """A left-padded row (masked keys, shifted positions) gives the same logits as the row alone."""
    model = tiny_ar()
    text, audio, is_audio, pos, mask = random_inputs(model, b=1)
    pad = 3
    text_p = torch.cat([torch.zeros(1, pad, dtype=torch.long), text], 1)
    audio_p = torch.cat([torch.zeros(1, pad, 2, dtype=torch.long), audio], 1)
    is_audio_p = torch.cat([torch.zeros(1, pad, dtype=torch.bool), is_audio], 1)
    pos_p = torch.cat([torch.zeros(1, pad, dtype=torch.long), pos], 1)
    mask_p = torch.cat([torch.zeros(1, pad, dtype=torch.bool), mask], 1)
    with torch.no_grad():
        ref, _, _ = full_pass(model, text, audio, is_audio, pos, mask)
        out, _, _ = full_pass(model, text_p, audio_p, is_audio_p, pos_p, mask_p)
    torch.testing.assert_close(out[:, pad:], ref, atol=1e-5, rtol=1e-5)


def test_ar_rejects_bad_group_size():
    with pytest.raises(ValueError, match="group_size"):
        ARConfig(group_size=3).validate()


def tiny_nar():
    torch.manual_seed(0)
    return NARModel(NARConfig(text_vocab_size=40, d_model=32, n_layers=2, n_heads=4, dropout=0.0)).eval()


def nar_inputs(b=2, nt=5, tp=4, t=6, seed=2):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randint(4, 40, (b, nt), generator=gen), torch.randint(0, V, (b, 8, tp), generator=gen),
            torch.randint(0, V, (b, 8, t), generator=gen))


def test_nar_shapes_and_stage_masking():
    model = tiny_nar()
    text, prompt, target = nar_inputs()
    stage = torch.tensor([3, 3])
    with torch.no_grad():
        out = model(text, prompt, target, stage)
        assert out.shape == (2, 6, V)
        changed = target.clone()
        changed[:, 3:] = torch.randint(0, V, changed[:, 3:].shape)  # codebooks >= stage: ignored
        torch.testing.assert_close(model(text, prompt, changed, stage), out)
        changed[:, 2] = (changed[:, 2] + 1) % V  # codebook below the stage: used
        assert not torch.allclose(model(text, prompt, changed, stage), out)
        # Stage conditioning is zero-initialised; give it weights so stages must differ.
        torch.nn.init.normal_(model.stage_cond.weight)
        assert not torch.allclose(model(text, prompt, target, torch.tensor([1, 1])),
                                  model(text, prompt, target, torch.tensor([2, 2])))


def test_nar_padding_is_ignored():
    """Padded text, prompt and target frames (text id 0, code 1024) leave the real frames' logits unchanged."""
    model = tiny_nar()
    text, prompt, target = nar_inputs(b=1)
    stage = torch.tensor([1])
    with torch.no_grad():
        ref = model(text, prompt, target, stage)
        text_p = torch.cat([text, torch.zeros(1, 3, dtype=torch.long)], 1)
        prompt_p = torch.cat([prompt, torch.full((1, 8, 2), V)], 2)
        target_p = torch.cat([target, torch.full((1, 8, 4), V)], 2)
        out = model(text_p, prompt_p, target_p, stage)
        assert out.shape == (1, 10, V)
        torch.testing.assert_close(out[:, :6], ref, atol=1e-5, rtol=1e-5)
        # Padding must be masked, not merely present: a real code there would change the output.
        prompt_r = prompt_p.clone()
        prompt_r[:, :, -2:] = 7
        assert not torch.allclose(model(text_p, prompt_r, target_p, stage)[:, :6], ref, atol=1e-5)


def test_gta_nucleus_sampling_keeps_to_the_nucleus_and_follows_the_tempered_distribution():
    from training.lm.gta_codes import nucleus_sample
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).repeat(4000, 1)
    g = torch.Generator().manual_seed(0)
    # top-p 0.8 keeps {0, 1} (0.5 + 0.3 reaches it), renormalised to 0.625 / 0.375
    codes = nucleus_sample(logits, 1.0, 0.8, g)
    assert set(codes.tolist()) == {0, 1}
    assert abs((codes == 0).float().mean().item() - 0.625) < 0.03
    # a top-p below the largest probability keeps only the argmax; a low temperature sharpens towards it
    assert set(nucleus_sample(logits, 1.0, 0.1, g).tolist()) == {0}
    assert abs((nucleus_sample(logits, 0.3, 1.0, g) == 0).float().mean().item() - 0.83) < 0.03  # 0.5^(1/0.3) share


@pytest.mark.parametrize("kind", ["ar", "nar"])
def test_models_make_no_tensor_off_their_inputs_device(kind):
    """Every tensor a forward pass makes must be on its inputs' device: the GPU runs of the eleventh session lost
    their NAR to a CPU-only arange. The meta device (shapes only) fails the same way as CUDA would, on any machine."""
    model = (tiny_ar() if kind == "ar" else tiny_nar()).to("meta")
    with torch.no_grad():
        if kind == "nar":
            text, prompt, target = nar_inputs()
            out = model(text.to("meta"), prompt.to("meta"), target.to("meta"), torch.tensor([1, 2], device="meta"))
        else:
            text, audio, is_audio, pos, mask = (x.to("meta") for x in random_inputs(model))
            pk, pv = (x.to("meta") for x in model.empty_cache(2))
            out = model(text, audio, is_audio, pos, pk, pv, mask)[0]
    assert out.device.type == "meta"
