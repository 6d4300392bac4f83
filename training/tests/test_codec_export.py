"""Codec ONNX export: graphs pass the ONNX checker with the documented I/O contract; the tiny fixture is current."""
import base64
import dataclasses
import json
import os

import numpy as np
import onnx
import pytest
import torch

from training.codec import export, train
from training.codec.config import tiny_config
from training.codec.trainer import Trainer

POINTER_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "tiny-pointer-model")
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "tiny-model")


def dims(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_graphs(out_dir: str):
    enc = onnx.load(os.path.join(out_dir, "codec_encoder.onnx"))
    dec = onnx.load(os.path.join(out_dir, "codec_decoder.onnx"))
    for model in (enc, dec):
        onnx.checker.check_model(model)
        assert model.opset_import[0].version == export.OPSET
    assert [i.name for i in enc.graph.input] == ["audio"] and [o.name for o in enc.graph.output] == ["codes"]
    assert dims(enc.graph.input[0]) == ["batch", 1, "samples"]
    assert dims(enc.graph.output[0])[:2] == ["batch", 8]
    assert enc.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [i.name for i in dec.graph.input] == ["codes"] and [o.name for o in dec.graph.output] == ["audio"]
    assert dims(dec.graph.input[0]) == ["batch", "codebooks", "frames"]
    assert dec.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


def test_tiny_export_is_small_and_checks(tmp_path):
    export.main(["--tiny", f"--out={tmp_path}"])
    check_graphs(str(tmp_path))
    for name in ("codec_encoder.onnx", "codec_decoder.onnx"):
        assert os.path.getsize(tmp_path / name) < 400_000
    record = json.load(open(tmp_path / "codec_parity.json"))
    assert record["audio"]["hop_length"] == 320 and record["codes"]["shape"] == [1, 8, 26]
    audio = np.frombuffer(base64.b64decode(record["decoded"]["f32le_base64"]), "<f4")
    assert audio.size == 26 * 320 and np.isfinite(audio).all()


def test_committed_tiny_fixture_matches_the_code():
    """Fails when the codec code changed but test/fixtures/tiny-model was not re-exported."""
    record = json.load(open(os.path.join(FIXTURE, "codec_parity.json")))
    check_graphs(FIXTURE)
    fresh = export.parity_record(export.make_tiny())
    assert fresh["codes"] == record["codes"]
    got = np.frombuffer(base64.b64decode(fresh["decoded"]["f32le_base64"]), "<f4")
    want = np.frombuffer(base64.b64decode(record["decoded"]["f32le_base64"]), "<f4")
    assert np.abs(got - want).max() < 1e-5


def test_export_from_checkpoint_writes_model_entries(tmp_path):
    trainer = Trainer(tiny_config(), {k: getattr(train, k) for k in train.TRAIN_KEYS})
    trainer.step = 7
    trainer.save(str(tmp_path / "last.pt"))
    export.main([f"--ckpt={tmp_path / 'last.pt'}", f"--out={tmp_path / 'out'}"])
    check_graphs(str(tmp_path / "out"))
    entry = json.load(open(tmp_path / "out" / "codec.json"))
    assert entry["training"]["codec"]["step"] == 7
    assert entry["audio"] == {"sample_rate": 16000, "hop_length": 320, "num_codebooks": 8, "codebook_size": 1024}
    assert entry["codec"] == {"encoder": {"file": "codec_encoder.onnx", "input": "audio", "output": "codes"},
                              "decoder": {"file": "codec_decoder.onnx", "input": "codes", "output": "audio"}}


def test_export_of_a_decoder_with_phoneme_input(tmp_path):
    cfg = dataclasses.replace(tiny_config(), dec_phonemes=128)
    trainer = Trainer(cfg, {k: getattr(train, k) for k in train.TRAIN_KEYS})
    trainer.save(str(tmp_path / "last.pt"))
    export.main([f"--ckpt={tmp_path / 'last.pt'}", f"--out={tmp_path / 'out'}"])
    dec = onnx.load(str(tmp_path / "out" / "codec_decoder.onnx"))
    assert [i.name for i in dec.graph.input] == ["codes", "phonemes"]
    assert dims(dec.graph.input[1]) == ["batch", "frames"]
    entry = json.load(open(tmp_path / "out" / "codec.json"))
    assert entry["codec"]["decoder"] == {"file": "codec_decoder.onnx", "input": "codes", "output": "audio",
                                         "phonemes": "phonemes"}


def test_export_of_a_decoder_with_voice_input(tmp_path):
    cfg = dataclasses.replace(tiny_config(), dec_phonemes=128, dec_speaker=True)
    trainer = Trainer(cfg, {k: getattr(train, k) for k in train.TRAIN_KEYS})
    trainer.save(str(tmp_path / "last.pt"))
    export.main([f"--ckpt={tmp_path / 'last.pt'}", f"--out={tmp_path / 'out'}"])
    dec = onnx.load(str(tmp_path / "out" / "codec_decoder.onnx"))
    assert [i.name for i in dec.graph.input] == ["codes", "phonemes", "voice_codes", "voice_weight"]
    assert dims(dec.graph.input[2]) == ["batch", "voice_codebooks", "voice_frames"]
    entry = json.load(open(tmp_path / "out" / "codec.json"))
    assert entry["codec"]["decoder"]["voice"] == {"codes": "voice_codes", "weight": "voice_weight"}


def test_committed_pointer_fixture_codec_matches_the_code():
    """test/fixtures/tiny-pointer-model's codec: the tiny codec with a random phoneme input and a random voice input
    (export --tiny --phonemes --voice)."""
    record = json.load(open(os.path.join(POINTER_FIXTURE, "codec_parity.json")))
    fresh = export.parity_record(export.with_voice_input(export.with_phoneme_input(export.make_tiny())))
    assert fresh["codes"] == record["codes"]
    assert fresh["decoded_with_phonemes"]["phonemes"] == record["decoded_with_phonemes"]["phonemes"]
    assert fresh["decoded_with_voice"]["voice_codes"] == record["decoded_with_voice"]["voice_codes"]
    for key in ("decoded", "decoded_with_phonemes", "decoded_with_voice"):
        got = np.frombuffer(base64.b64decode(fresh[key]["f32le_base64"]), "<f4")
        want = np.frombuffer(base64.b64decode(record[key]["f32le_base64"]), "<f4")
        assert np.abs(got - want).max() < 1e-5, key
    with_ids = np.frombuffer(base64.b64decode(record["decoded_with_phonemes"]["f32le_base64"]), "<f4")
    without = np.frombuffer(base64.b64decode(record["decoded"]["f32le_base64"]), "<f4")
    assert np.abs(with_ids - without).max() > 1e-3  # the phonemes matter in this fixture


@pytest.mark.parametrize("argv", [[], ["--tiny"], ["--out=/tmp/x"]])
def test_export_usage_errors(argv):
    with pytest.raises(SystemExit):
        export.main(argv)


def test_export_leaves_the_model_in_training_form(tmp_path):
    codec = export.make_tiny()
    export.export_onnx(codec, str(tmp_path), fold_constants=False)
    assert codec.quantizer.frozen is None and not codec.decoder.istft.basis_in_graph
    assert codec.encode(torch.zeros(1, 1, 320)).shape == (1, 8, 1)
