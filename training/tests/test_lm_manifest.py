"""model.json at LM export: the codec section already in the model folder (and its codec.id) survives."""
import json

import pytest

from training.lm.config import ARConfig, NARConfig
from training.lm.manifest import CODEC, build_manifest, codec_section, existing_codec

SECTION = {"file": "x.onnx", "inputs": [], "outputs": [], "params": 1, "dims": {}}


def manifest(codec=None):
    return build_manifest("lm-1", "", SECTION, SECTION, None, ARConfig(), NARConfig(), [], {}, codec)


def test_codec_id_is_kept_from_the_folder(tmp_path):
    shipped = {"id": "codec-cpu1-step6648", **CODEC}
    (tmp_path / "model.json").write_text(json.dumps({"id": "codec-cpu1-step6648", "codec": shipped}))
    m = manifest(existing_codec(str(tmp_path)))
    assert m["id"] == "lm-1"
    assert m["codec"] == shipped


def test_without_a_codec_id_the_section_is_unchanged(tmp_path):
    assert existing_codec(str(tmp_path)) is None  # no model.json yet
    assert manifest()["codec"] == CODEC
    assert "id" not in manifest(dict(CODEC))["codec"]


def test_graph_names_come_from_the_given_section():
    given = {"id": "c", "encoder": {"file": "enc.onnx", "input": "a", "output": "c"}}
    assert codec_section(given) == {"id": "c", "encoder": given["encoder"], "decoder": CODEC["decoder"]}


def test_a_non_string_codec_id_is_refused():
    with pytest.raises(ValueError, match="codec.id"):
        codec_section({"id": 7})


def test_codec_training_and_quality_survive_an_lm_export(tmp_path):
    from training.lm.manifest import existing_manifest, keep_codec_records
    quality = {"codec-kathleen": {"codebooks": 8, "wer_ratio": 1.73}}
    (tmp_path / "model.json").write_text(json.dumps({
        "id": "codec-x", "codec": {"id": "codec-x", **CODEC},
        "training": {"codec": {"step": 6648}}, "quality": {"codec": quality}}))
    previous = existing_manifest(str(tmp_path))
    m = keep_codec_records(manifest(previous["codec"]), previous)
    assert m["training"]["codec"] == {"step": 6648}
    assert m["quality"] == {"codec": quality}
    assert m["codec"]["id"] == "codec-x"
    # nothing to keep in an empty folder
    assert keep_codec_records(manifest(), existing_manifest(str(tmp_path / "none")))["quality"] is None


def test_the_trained_prompt_length_is_written_for_the_runtime():
    # training/lm/dataset.py crops prompts to 6 s; the runtime cuts longer voice prompts to the same.
    assert manifest()["prompt_max_seconds"] == 6
