"""Held-out predictability of codebooks (training/lm/code_information.py) on codes with a known structure."""
import json

import numpy as np
import pytest

from training.lm import code_information as ci


def utterances(n=200, frames=50, seed=0):
    """Codebook 0 follows the phoneme (8 phonemes -> codes 0..7), codebook 1 is a fixed function of codebook 0,
    codebook 2 is uniform noise over 64 codes."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        phonemes = rng.integers(20, 28, frames)
        c0 = phonemes - 20
        out.append(ci.Utterance(np.stack([c0, (c0 * 3 + 1) % 8, rng.integers(0, 64, frames)]), phonemes))
    return out


def nats(rows, q, name):
    return next(v for cq, n, v in rows if cq == q and n == name)


def test_a_code_determined_by_its_condition_costs_almost_nothing_and_noise_costs_its_entropy():
    rows = ci.report(utterances(), [0, 1, 2], vocab=64)
    assert nats(rows, 0, "unconditional") == pytest.approx(np.log(8), abs=0.05)
    assert nats(rows, 0, "aligned phoneme") < 0.05
    assert nats(rows, 1, "codebook 0, same frame") < 0.05
    assert nats(rows, 2, "unconditional") == pytest.approx(np.log(64), abs=0.05)
    # Conditioning on noise does not help; the held-out estimate pays for its sparse counts.
    assert nats(rows, 2, "codebook 0, same frame") >= nats(rows, 2, "unconditional") - 0.01
    assert not any(q == 0 and name == "codebook 0, same frame" for q, name, _ in rows)


def test_without_alignments_the_phoneme_condition_is_left_out_and_too_few_utterances_are_refused():
    plain = [ci.Utterance(u.codes, None) for u in utterances(20)]
    assert {name for _, name, _ in ci.report(plain, [1], vocab=64)} == {"unconditional", "codebook 0, same frame", "previous frame"}
    with pytest.raises(ValueError, match="both sides"):
        ci.report(plain[:1], [1], vocab=64)


def test_main_reads_a_manifest_with_its_alignments(tmp_path, capsys):
    rows, table = [], {}
    for i, u in enumerate(utterances(200)):
        np.save(tmp_path / f"u{i}.npy", u.codes)
        rows.append({"id": f"u{i}", "codes": f"u{i}.npy", "phonemes": list(range(20, 28))})
        table[f"id:u{i}"] = (u.phonemes - 20).astype(np.int16)  # index into the phonemes list
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    np.savez(tmp_path / "m.align.npz", **table)
    ci.main(["--manifest", str(tmp_path / "m.jsonl"), "--codebooks", "0", "--vocab", "64"])
    out = capsys.readouterr().out
    assert "200 utterances, 10000 frames" in out
    line = next(l for l in out.splitlines() if "aligned phoneme" in l)
    assert float(line.split()[-1]) < 0.05
