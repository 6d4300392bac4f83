"""Codec training: cache building from real files, held-out exclusion, crop sampling, exact resume, GAN switch."""
import csv
import dataclasses
import json
import os

import numpy as np
import pytest
import soundfile as sf
import torch

from training.codec import train
from training.codec.audio_cache import build_source, load_source
from training.codec.config import tiny_config
from training.codec.data import CropSampler
from training.codec.sources import manifest_paths, manifest_source_name, real_sources
from training.codec.trainer import Trainer, load_checkpoint
from training.data import splits

DEFAULTS = {k: getattr(train, k) for k in train.TRAIN_KEYS}


@pytest.fixture(scope="module")
def real():
    return real_sources()


@pytest.fixture(scope="module")
def cache(tmp_path_factory, real):
    """A cache named 'speech' from 3 real Kathleen (24 kHz) files, one unreadable and one too-short file."""
    d = tmp_path_factory.mktemp("codec-cache")
    short = str(d / "short.wav")
    sf.write(short, np.zeros(3200, dtype=np.float32), 16000)
    paths = real["kathleen"][:3] + [str(d / "missing.opus"), short]
    summary = build_source("speech", paths, str(d), workers=2)
    return str(d), summary, paths


def test_cache_decodes_resamples_and_counts_bad_input(cache):
    d, summary, paths = cache
    assert (summary["kept"], summary["bad"], summary["too_short"]) == (3, 1, 1)
    pcm, offsets = load_source("speech", d)
    first = sf.info(paths[0])
    assert first.samplerate == 24000
    assert abs((offsets[1] - offsets[0]) - first.frames * 2 / 3) <= 1  # 24 kHz -> 16 kHz
    assert pcm.dtype == np.int16 and len(pcm) == offsets[-1]
    assert build_source("speech", [], d) == summary  # built once: a re-run reads the summary


def test_training_sources_exclude_held_out_speakers_and_sentences(real):
    held = splits.so762_heldout_speakers()
    assert len(held) == 20
    train_ids = {os.path.basename(p)[:-5] for p in real["so762"]}
    held_ids = {os.path.basename(p)[:-5] for p in real_sources(heldout=True)["so762"]}
    assert train_ids and held_ids and not train_ids & held_ids
    speaker_of = {r["id"]: r["speaker"] for r in csv.DictReader(
        open(os.path.join(splits.SHARED_DATA, "speechocean762", "metadata.tsv")), delimiter="\t")}
    assert not {speaker_of[i] for i in train_ids} & held
    assert {speaker_of[i] for i in held_ids} == held
    assert not any(splits.kathleen_is_heldout(os.path.basename(p)[:-5]) for p in real["kathleen"])
    assert len(real["libri"]) == 251


def test_crop_sampler_is_seeded_levelled_and_resumable(cache):
    d = cache[0]
    a, b = CropSampler(d, {"speech": 1.0}, 16000, seed=3), CropSampler(d, {"speech": 1.0}, 16000, seed=3)
    x = a.batch(4)
    assert x.shape == (4, 1, 16000) and torch.equal(x, b.batch(4))
    rms_db = 20 * torch.log10(x.pow(2).mean(-1).sqrt())
    assert ((rms_db > -36) & (rms_db < -14)).all(), rms_db
    assert x.abs().max() <= 0.99 + 1e-6
    state = a.state()
    nxt = a.batch(2)
    b.set_state(state)
    assert torch.equal(nxt, b.batch(2))


def test_resume_from_checkpoint_gives_identical_next_step(cache, tmp_path):
    tc = {**DEFAULTS, "warmup_steps": 2}
    sampler = CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0)
    torch.manual_seed(0)
    t1 = Trainer(tiny_config(), tc)
    for _ in range(2):
        t1.train_step(sampler.batch(2))
    t1.save(str(tmp_path / "last.pt"), {"sampler": sampler.state()})
    expected = t1.train_step(sampler.batch(2))
    torch.manual_seed(99)  # a fresh process: different weights and RNG until the checkpoint loads
    t2 = Trainer(tiny_config(), tc)
    ckpt = load_checkpoint(str(tmp_path / "last.pt"))
    t2.load(ckpt)
    sampler.set_state(ckpt["sampler"])
    got = t2.train_step(sampler.batch(2))
    assert t2.step == 3 and got["loss"] == expected["loss"] and got["perplexity"] == expected["perplexity"]


def test_gan_losses_switch_on_at_gan_start_step(cache):
    sampler = CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0)
    trainer = Trainer(tiny_config(), {**DEFAULTS, "gan_start_step": 1})
    assert "d_loss" not in trainer.train_step(sampler.batch(2))
    out = trainer.train_step(sampler.batch(2))
    assert {"d_loss", "adv", "fm"} <= out.keys() and all(np.isfinite(out[k]) for k in ("d_loss", "adv", "fm"))


def test_decoder_only_fine_tune_keeps_the_codes_and_trains_the_decoder(cache):
    """The shipped language model and saved voices are made of codes: a decoder fine-tune must not move them."""
    sampler = CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0)
    torch.manual_seed(0)
    trainer = Trainer(tiny_config(), {**DEFAULTS, "decoder_only": True, "q1_share": 0.5, "warmup_steps": 1})
    probe = sampler.batch(2)
    frozen = {k: v.clone() for k, v in trainer.model.state_dict().items() if not k.startswith("decoder.")}
    decoder = {k: v.clone() for k, v in trainer.model.decoder.state_dict().items()}
    codes = trainer.model.encode(probe)
    for _ in range(3):
        out = trainer.train_step(sampler.batch(2))
    assert np.isfinite(out["loss"])
    after = trainer.model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in frozen.items())  # encoder, codebooks, EMA statistics
    assert torch.equal(trainer.model.encode(probe), codes)
    assert any(not torch.equal(v, trainer.model.decoder.state_dict()[k]) for k, v in decoder.items())


def _gta_dir(tmp_path, hop: int, frames=(30, 12, 45)) -> str:
    """A GTA folder whose audio sample values name their frame's code (code c -> samples of value c / 32768)."""
    audio, codes, index, sa, fa = [], [], [], 0, 0
    for u, n in enumerate(frames):
        c = (np.arange(n) + 100 * u).astype(np.int16)
        codes.append(c)
        audio.append(np.repeat(c, hop))
        index.append([f"u{u}", sa, fa, n])
        sa, fa = sa + n * hop, fa + n
    np.save(tmp_path / "audio.npy", np.concatenate(audio))
    np.save(tmp_path / "codes.npy", np.concatenate(codes))
    (tmp_path / "index.json").write_text(json.dumps({"utterances": index}))
    return str(tmp_path)


def test_gta_crops_pair_each_code_with_its_own_audio_frame(tmp_path):
    from training.codec.data import GtaSampler
    sampler = GtaSampler(_gta_dir(tmp_path, hop=4), crop_frames=20, hop=4, seed=1)
    assert [u[0] for u in sampler.index] == ["u0", "u2"]  # the 12-frame utterance is shorter than a crop
    audio, codes = sampler.batch(16)
    assert audio.shape == (16, 1, 80) and codes.shape == (16, 1, 20)
    assert torch.equal((audio[:, 0, ::4] * 32768).round().long(), codes[:, 0])


def test_gta_takes_from_several_folders_are_all_drawn(tmp_path):
    from training.codec.data import GtaSampler
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    _gta_dir(a, hop=4), _gta_dir(b, hop=4)
    np.save(b / "codes.npy", np.load(b / "codes.npy") + 1000)  # the second take's codes differ from its audio's
    sampler = GtaSampler(f"{a},{b}", crop_frames=20, hop=4, seed=1)
    assert [u[0] for u in sampler.index] == ["u0", "u2", "u0", "u2"]
    audio, codes = sampler.batch(64)
    offset = codes[:, 0, 0] - (audio[:, 0, 0] * 32768).round().long()
    assert set(offset.tolist()) == {0, 1000}  # both takes are drawn, each crop from one take only
    assert torch.equal(codes[:, 0] - offset[:, None], (audio[:, 0, ::4] * 32768).round().long())


def test_gta_items_train_the_decoder_only(cache, tmp_path):
    from training.codec.data import GtaSampler
    cfg = tiny_config()
    sampler = CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0)
    gta = GtaSampler(_gta_dir(tmp_path, hop=cfg.hop_length, frames=(20, 25)), crop_frames=10, hop=cfg.hop_length)
    torch.manual_seed(0)
    trainer = Trainer(cfg, {**DEFAULTS, "decoder_only": True, "warmup_steps": 1})
    encoder = {k: v.clone() for k, v in trainer.model.encoder.state_dict().items()}
    out = trainer.train_step(sampler.batch(2), gta.batch(2))
    assert np.isfinite(out["loss"])
    assert all(torch.equal(v, trainer.model.encoder.state_dict()[k]) for k, v in encoder.items())
    with pytest.raises(ValueError, match="decoder_only"):
        Trainer(cfg, DEFAULTS).train_step(sampler.batch(2), gta.batch(2))


def _with_phonemes(folder, offset=0):
    """Adds phonemes.npy to a _gta_dir folder: each frame's phoneme is its code (mod 100) + 4 + offset."""
    codes = np.load(folder / "codes.npy")
    np.save(folder / "phonemes.npy", (codes % 100 + 4 + offset).astype(np.int16))


def test_gta_phonemes_travel_with_their_frames_and_train_the_decoder_text_input(cache, tmp_path):
    from training.codec.data import GtaSampler
    cfg = dataclasses.replace(tiny_config(), dec_phonemes=128)
    _gta_dir(tmp_path, hop=cfg.hop_length, frames=(20, 25))
    _with_phonemes(tmp_path)
    gta = GtaSampler(str(tmp_path), crop_frames=10, hop=cfg.hop_length, seed=2)
    audio, codes, phonemes = gta.batch(3)
    assert phonemes.shape == (3, 10) and torch.equal(phonemes, codes[:, 0] % 100 + 4)
    torch.manual_seed(0)
    trainer = Trainer(cfg, {**DEFAULTS, "decoder_only": True, "warmup_steps": 1, "phoneme_lr_scale": 10.0})
    emb = trainer.model.decoder.phoneme_emb.weight
    assert torch.count_nonzero(emb) == 0  # starts as the decoder without text input
    latents = torch.randn(1, cfg.dim, 10)
    assert torch.equal(trainer.model.decoder(latents), trainer.model.decoder(latents, phonemes[:1]))
    trainer.train_step(CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0).batch(2), gta.batch(2))
    assert torch.count_nonzero(emb) > 0 and torch.count_nonzero(emb[0]) == 0  # id 0 (unknown) stays zero
    rest, phon = trainer.opt.param_groups
    assert phon["params"] == [emb] and phon["lr"] == pytest.approx(10 * rest["lr"])
    assert not torch.equal(trainer.model.decoder(latents), trainer.model.decoder(latents, phonemes[:1]))


def test_gta_folders_must_all_have_phonemes_or_none(tmp_path):
    from training.codec.data import GtaSampler
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    _gta_dir(a, hop=4), _gta_dir(b, hop=4)
    _with_phonemes(a)
    with pytest.raises(ValueError, match="some folders have phonemes"):
        GtaSampler(f"{a},{b}", crop_frames=20, hop=4)


def test_gta_frame_phonemes_follow_the_pointer_per_group():
    from training.lm.gta_codes import frame_phonemes
    # alignment per frame -> index into the phonemes; the pointer holds the group's first frame's phoneme
    got = frame_phonemes([40, 41, 42], np.array([0, 1, 1, 2, 2, 2]), frames=6, group_size=2)
    assert got.tolist() == [40, 40, 41, 41, 42, 42]


def test_init_from_adds_a_phoneme_input_to_a_trained_codec(cache, tmp_path, capsys):
    base = [f"--out_root={tmp_path}", f"--cache_dir={cache[0]}", "--sources=speech:1", "--eval_sources=speech",
            "--tiny=True", "--batch_size=2", "--crop_seconds=0.2", "--log_every=1", "--eval_every=100"]
    train.main(base + ["--run=a", "--max_steps=1"])
    src = load_checkpoint(str(tmp_path / "a" / "last.pt"))
    train.main(base + ["--run=b", "--max_steps=1", f"--init_from={tmp_path / 'a' / 'last.pt'}", "--dec_phonemes=128",
                       "--decoder_only=True"])
    assert "new: ['decoder.phoneme_emb.weight']" in capsys.readouterr().out
    got = load_checkpoint(str(tmp_path / "b" / "last.pt"))
    assert got["model_args"]["dec_phonemes"] == 128 and got["step"] == 1
    frozen = [k for k in src["model"] if k.startswith(("encoder.", "quantizer."))]
    assert frozen and all(torch.equal(got["model"][k], src["model"][k]) for k in frozen)  # decoder_only
    with pytest.raises(SystemExit, match="do not fit"):
        train.main(base + ["--run=c", "--max_steps=1", f"--init_from={tmp_path / 'a' / 'last.pt'}", "--dim=16"])
    # a slim checkpoint (weights, config and step only, as training/checkpoints/codec-*-weights.pt) starts a run too
    slim = {k: got[k] for k in ("model_args", "train_config", "step", "model")}
    torch.save(slim, tmp_path / "slim.pt")
    train.main(base + ["--run=d", "--max_steps=1", f"--init_from={tmp_path / 'slim.pt'}", "--decoder_only=True"])
    assert "new: nothing" in capsys.readouterr().out


def test_crop_voices_are_another_stretch_of_the_same_utterance_at_the_same_level(tmp_path):
    # A cache whose samples name their place: utterance u's i-th sample is i + 1 (a ramp), lengths 30,000 and 12,000.
    lengths = [30000, 12000]
    np.save(tmp_path / "ramp.pcm.npy", np.concatenate([np.arange(1, n + 1) for n in lengths]).astype(np.int16))
    np.save(tmp_path / "ramp.idx.npy", np.array([0, 30000, 42000], dtype=np.int64))
    (tmp_path / "ramp.json").write_text("{}")
    # Quiet levels, so that no voice stretch clips (a ramp's later samples are far louder than its first).
    plain = CropSampler(str(tmp_path), {"ramp": 1.0}, 4000, seed=5, level_db=(-60.0, -50.0))
    voiced = CropSampler(str(tmp_path), {"ramp": 1.0}, 4000, seed=5, level_db=(-60.0, -50.0))
    crops, voices = voiced.batch_with_voice(40)
    assert torch.equal(crops, plain.batch(40))  # the same crops as without voices (same random draws)
    seen = set()
    for crop, voice in zip(crops[:, 0].numpy().astype(np.float64), voices):
        v = voice[0, 0].numpy().astype(np.float64)
        step = (crop[-1] - crop[0]) / (len(crop) - 1)  # the gain: one ramp step, the same in the voice (same level)
        place = lambda x: int(round(x / step)) - 1
        c0, v0 = place(crop[0]), place(v[0])
        assert np.allclose(np.diff(v), step, rtol=0, atol=0.05 * step)  # one contiguous stretch at the crop's level
        overlap = min(c0 + 4000, v0 + len(v)) - max(c0, v0)  # in samples, +-1 for rounding the places
        if overlap > 2:  # overlapping: only the short utterance, whose sides are under 0.5 s
            seen.add("whole short utterance")
            assert (v0, len(v)) == (0, 12000)
        else:
            seen.add("side")
            assert len(v) >= 8000
    assert seen == {"side", "whole short utterance"}


def test_a_voice_input_starts_silent_and_learns_from_voices(cache, tmp_path):
    from training.codec.data import GtaSampler
    cfg = dataclasses.replace(tiny_config(), dec_phonemes=128, dec_speaker=True)
    folder = tmp_path / "gta"
    folder.mkdir()
    _gta_dir(folder, hop=cfg.hop_length, frames=(20, 25, 30))
    _with_phonemes(folder)
    index = json.loads((folder / "index.json").read_text())
    for u, speaker in zip(index["utterances"], ["s1", "s1", "s2"]):
        u.append(speaker)  # gta_codes names each utterance's speaker
    (folder / "index.json").write_text(json.dumps(index))
    gta = GtaSampler(str(folder), crop_frames=10, hop=cfg.hop_length, seed=2)
    *items, voices = gta.batch(8, with_voice=True)
    assert len(items) == 3 and len(voices) == 8
    first = {u[1]: u for u in index["utterances"]}
    for v in voices:  # each voice is a whole utterance of the item's speaker: its samples name its codes
        codes = (v[0, 0, ::cfg.hop_length] * 32768).round().long()
        assert int(codes[0]) % 100 == 0 and len(codes) in (20, 25, 30)
    crops = CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0)
    torch.manual_seed(0)
    trainer = Trainer(cfg, {**DEFAULTS, "decoder_only": True, "warmup_steps": 1, "phoneme_lr_scale": 10.0,
                            "voice_dropout": 0.0})
    proj = trainer.model.decoder.speaker_proj
    latents, voice = torch.randn(1, cfg.dim, 10), torch.randn(1, cfg.dim)
    assert torch.equal(trainer.model.decoder(latents), trainer.model.decoder(latents, None, voice))  # zero at first
    audio, crop_voices = crops.batch_with_voice(2)
    trainer.train_step(audio, gta.batch(2), crop_voices)
    out = trainer.train_step(audio, gta.batch(2), crop_voices, gta.batch(2, with_voice=True)[-1])
    assert np.isfinite(out["loss"]) and torch.count_nonzero(proj.weight) > 0
    assert any(proj.weight is p for p in trainer.opt.param_groups[1]["params"])  # learns at the faster rate
    assert not torch.equal(trainer.model.decoder(latents), trainer.model.decoder(latents, None, voice))
    with pytest.raises(ValueError, match="decoder_only"):
        Trainer(cfg, DEFAULTS).train_step(audio, None, crop_voices)


def test_voice_only_trains_the_voice_projection_and_nothing_else(cache):
    cfg = dataclasses.replace(tiny_config(), dec_speaker=True)
    crops = CropSampler(cache[0], {"speech": 1.0}, 3200, seed=0)
    torch.manual_seed(0)
    trainer = Trainer(cfg, {**DEFAULTS, "decoder_only": True, "voice_only": True, "voice_dropout": 0.0,
                            "warmup_steps": 1})
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    audio, voices = crops.batch_with_voice(2)
    trainer.train_step(audio, None, voices)
    changed = {k for k, v in trainer.model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"decoder.speaker_proj.weight"}
    latents = torch.randn(1, cfg.dim, 10)
    with torch.no_grad():  # no voice: still exactly the decoder it was made from
        assert torch.equal(trainer.model.decoder(latents), trainer.model.decoder(latents, None, torch.zeros(1, cfg.dim)))


def test_gta_voices_need_speakers_in_the_index(tmp_path):
    from training.codec.data import GtaSampler
    sampler = GtaSampler(_gta_dir(tmp_path, hop=4), crop_frames=20, hop=4)
    with pytest.raises(ValueError, match="name each utterance's speaker"):
        sampler.batch(2, with_voice=True)


def test_train_command_resumes_where_it_stopped(cache, tmp_path, capsys):
    args = [f"--out_root={tmp_path}", "--run=t", f"--cache_dir={cache[0]}", "--sources=speech:1",
            "--eval_sources=speech", "--tiny=True", "--batch_size=2", "--crop_seconds=0.2",
            "--log_every=1", "--eval_every=2"]
    train.main(args + ["--max_steps=2"])
    train.main(args + ["--max_steps=3"])
    assert "resumed" in capsys.readouterr().out
    rows = [json.loads(line) for line in open(tmp_path / "t" / "log.jsonl")]
    assert [r["step"] for r in rows] == [1, 2, 3] and "eval_mel_q8" in rows[1]
    assert load_checkpoint(str(tmp_path / "t" / "last.pt"))["model_args"]["dim"] == tiny_config().dim


@pytest.mark.parametrize("argv", [["--no_such_option=1"], ["max_steps=3"], ["--max_steps"]])
def test_train_rejects_bad_options(argv):
    with pytest.raises(SystemExit):
        train.parse_overrides(argv)


def test_manifest_paths_resolve_relative_to_the_manifest(tmp_path):
    (tmp_path / "m.jsonl").write_text('{"id": "a", "path": "audio/a.flac"}\n\n{"id": "b", "path": "/abs/b.flac"}\n')
    (tmp_path / "m.tsv").write_text("id\tpath\nc\tsub/c.wav\n")
    assert manifest_paths(str(tmp_path / "m.jsonl")) == [str(tmp_path / "audio/a.flac"), "/abs/b.flac"]
    assert manifest_paths(str(tmp_path / "m.tsv")) == [str(tmp_path / "sub/c.wav")]
    assert manifest_source_name(str(tmp_path / "m.jsonl")).startswith("manifest-m-")
    weights = train.source_weights({**DEFAULTS, "manifests": f"{tmp_path / 'm.jsonl'},{tmp_path / 'm.tsv'}"})
    assert abs(sum(w for n, w in weights.items() if n.startswith("manifest-")) - DEFAULTS["manifest_weight"]) < 1e-9
