"""The ONNX backend's pieces: the backend names, padding, and the export cache keyed by weights."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tiny_models import save_tiny_nli
from verifier import backends


def test_backend_names_are_checked(caplog):
    assert backends.validate_backend("onnx-int8") == "onnx-int8"
    with pytest.warns(DeprecationWarning, match="now called 'onnx-int8'"):
        assert backends.validate_backend("onnx") == "onnx-int8"
    assert "now called 'onnx-int8'" in caplog.text
    assert backends.choose_backend("onnx-int8", "cpu") == "onnx-int8"
    assert backends.DEFAULT_BACKEND in backends.BACKENDS
    with pytest.raises(ValueError, match="tensorrt"):
        backends.validate_backend("tensorrt")


def test_pad_batch_pads_ids_with_the_pad_id_and_the_rest_with_zeros():
    rows = [
        {"input_ids": [101, 7, 102], "attention_mask": [1, 1, 1], "token_type_ids": [0, 0, 1]},
        {"input_ids": [101, 102], "attention_mask": [1, 1], "token_type_ids": [0, 0]},
    ]
    batch = backends.pad_batch(rows, ["input_ids", "attention_mask", "token_type_ids"], pad_id=9)
    assert batch["input_ids"].tolist() == [[101, 7, 102], [101, 102, 9]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["token_type_ids"].tolist() == [[0, 0, 1], [0, 0, 0]]
    assert all(array.dtype == np.int64 for array in batch.values())


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from transformers import AutoModelForSequenceClassification

    folder = save_tiny_nli(tmp_path_factory.mktemp("tiny-nli"))
    return AutoModelForSequenceClassification.from_pretrained(folder).eval()


def _export(model, description="tiny", backend="onnx-int8"):
    return backends.cached_onnx_model(
        model,
        ("input_ids", "attention_mask", "token_type_ids"),
        lambda m, inputs: m(**inputs).logits,
        "logits",
        description,
        backend,
    )


def test_export_is_cached_under_the_weights_digest(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    path = _export(tiny_model)
    assert path.is_file()
    assert path.parent.parent == tmp_path / "onnx"
    assert path.name == backends.ONNX_FILE
    assert [p.name for p in path.parent.iterdir()] == sorted(["description.txt", path.name])
    assert len(list((tmp_path / "onnx").iterdir())) == 1  # no temporary folder left behind

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although the cache holds it")

    monkeypatch.setattr(backends, "export_int8", no_export)
    assert _export(tiny_model) == path


def test_new_weights_or_settings_get_a_new_export(tiny_model):
    import torch

    digest = backends.weights_digest(tiny_model, "tiny")
    assert backends.weights_digest(tiny_model, "tiny") == digest
    assert backends.weights_digest(tiny_model, "other settings") != digest
    with torch.no_grad():
        tiny_model.classifier.bias[0] += 1e-3
    try:
        assert backends.weights_digest(tiny_model, "tiny") != digest
    finally:
        with torch.no_grad():
            tiny_model.classifier.bias[0] -= 1e-3


def test_int8_weights_use_7_bits_so_x86_without_vnni_cannot_saturate(
    tiny_model, tmp_path, monkeypatch
):
    import onnx
    from onnx import numpy_helper

    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    graph = onnx.load(str(_export(tiny_model))).graph
    weights = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    products = [node for node in graph.node if node.op_type == "MatMulInteger"]
    assert products
    for node in products:
        matrix = weights[node.input[1]]
        assert matrix.dtype == np.int8
        assert np.abs(matrix.astype(np.int32)).max() <= 64
    # AVX2's vpmaddubsw adds two u8 x s8 products in 16 bits
    assert 255 * 64 * 2 <= np.iinfo(np.int16).max < 255 * 127 * 2


def test_an_int8_export_made_by_another_recipe_is_not_reused(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    path = _export(tiny_model)
    monkeypatch.setattr(backends, "INT8_RECIPE", "quantize_dynamic/s8-per-channel")
    older = _export(tiny_model)
    assert older.parent != path.parent
    assert _export(tiny_model, backend="onnx-fp32").parent not in {path.parent, older.parent}


def test_a_failed_self_check_says_float32_is_used_and_warns_once(monkeypatch, caplog):
    import logging

    monkeypatch.setattr(backends, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="verifier.backends"):
        passed = backends.int8_self_check("judge A", 0.05, 0.1)
        failed = [backends.int8_self_check("judge B", 0.3, 0.1) for _ in range(3)]
        strange = backends.int8_self_check("judge C", float("nan"), 0.1)
    assert (passed.passed, passed.backend) == (True, "onnx-int8")
    assert (failed[0].passed, failed[0].backend) == (False, "onnx-fp32")
    assert not strange.passed
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "judge B" in messages[0] and "0.300" in messages[0] and "onnx-fp32" in messages[0]
    assert failed[0].to_dict() == {
        "model": "judge B",
        "difference": 0.3,
        "tolerance": 0.1,
        "passed": False,
        "backend": "onnx-fp32",
    }


def test_the_down_projections_stay_float32(tiny_model, tmp_path, monkeypatch):
    import onnx

    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    path = _export(tiny_model)
    graph = onnx.load(str(path)).graph
    float_products = [node.name for node in graph.node if node.op_type == "MatMul"]
    # two layers, each with one 64 -> 32 feed-forward output; attention's own products
    # of activations are never quantised
    down = [name for name in float_products if "/output/dense/" in name and "attention" not in name]
    assert len(down) == 2
    assert any(node.op_type in {"MatMulInteger", "DynamicQuantizeMatMul"} for node in graph.node)


def test_the_float32_export_computes_what_torch_computes_and_is_kept_apart(
    tiny_model, tmp_path, monkeypatch
):
    import torch

    monkeypatch.setenv("VERIFIER_CACHE", str(tmp_path))
    float_path = _export(tiny_model, backend="onnx-fp32")
    assert float_path.name == "model.float32.onnx"
    assert float_path.parent != _export(tiny_model).parent  # int8 has its own folder
    rng = np.random.default_rng(1)
    batch = {
        "input_ids": rng.integers(1000, 2000, size=(2, 9)).astype(np.int64),
        "attention_mask": np.ones((2, 9), dtype=np.int64),
        "token_type_ids": np.zeros((2, 9), dtype=np.int64),
    }
    (logits,) = backends.onnx_session(float_path, threads=1).run(None, batch)
    with torch.inference_mode():
        expected = tiny_model(**{k: torch.from_numpy(v) for k, v in batch.items()}).logits
    assert np.abs(logits - expected.numpy()).max() < 1e-4
    with pytest.raises(ValueError, match="no ONNX export"):
        _export(tiny_model, backend="torch")
