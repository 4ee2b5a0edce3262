"""Inference backends: torch as loaded, or ONNX Runtime over an int8 export cached by content.

The ``onnx`` backend runs the same weights the torch model holds, exported with
``torch.onnx`` (opset 17, batch and sequence length dynamic), quantised with
ONNX Runtime's dynamic int8 quantisation (weights int8 per output channel,
activations quantised on the fly) and run with every graph optimisation on.

The feed-forward down projections (the matrix products that narrow, e.g. 1536
to 384 wide) stay float32: their inputs come straight out of the GELU with a
few very large values, which one int8 scale per row cannot hold. Quantising
them too cost the shipped judge 1.7 points of accuracy on 3,000
Climate-FEVER pairs; keeping them costs about a fifth of the int8 speed-up.

The export is built on first use and kept under ``<cache>/onnx/<digest>/``
(:func:`verifier.registry.cache_root`: ``$VERIFIER_CACHE`` or
``~/.cache/verifier``). The digest is a SHA-256 of the loaded weights, the
model's configuration and the export recipe, so retrained weights at the same
path get a new export and an unchanged model is never exported twice. The cache
can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verifier.registry import cache_root

logger = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx")
DEFAULT_BACKEND = "torch"
"""The backend a judge or embedder uses on the CPU unless told otherwise.

onnx is 2.6-3.6 times faster, but the default is whichever is faster at equal
accuracy (within 0.5 points on ``eval.nli``), and with the v4 fast judge int8
lost 0.51 points on Climate-FEVER (0.5751 to 0.5700; MNLI gained 0.12).
``python -m eval.backend_accuracy`` re-checks it whenever the weights change.
"""

EXPORT_RECIPE = "torch.onnx-opset17/quantize_dynamic-qint8-per-channel/down-projections-fp32/v2"
"""Part of the cache key: change it whenever the export or quantisation changes."""
OPSET = 17
ONNX_FILE = "model.int8.onnx"
_lock = threading.Lock()

ModelCall = Callable[[Any, dict[str, Any]], Any]
"""Runs a torch model on a dict of token tensors and returns the one tensor to export."""


def check_backend(backend: str) -> str:
    """Return ``backend`` if it names a backend.

    Raises:
        ValueError: naming the bad value and the choices.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    return backend


def choose_backend(backend: str | None, device: str) -> str:
    """``backend`` if it may run on ``device``; for ``None``, the default, or torch on a GPU.

    Raises:
        ValueError: an unknown backend, or ``onnx`` on ``cuda`` (the int8 export runs on CPUs).

    Example:
        >>> choose_backend(None, "cuda"), choose_backend("torch", "cpu")
        ('torch', 'torch')
    """
    if backend is None:
        return "torch" if device == "cuda" else DEFAULT_BACKEND
    if check_backend(backend) == "onnx" and device == "cuda":
        raise ValueError("the onnx backend runs on the CPU; use device='cpu' or backend='torch'")
    return backend


def onnx_cache() -> Path:
    """The folder holding one subfolder of exported models per digest."""
    return cache_root() / "onnx"


def weights_digest(module: Any, description: str) -> str:
    """SHA-256 of a torch module's parameters and buffers, ``description`` and the recipe.

    Args:
        module: the loaded torch module (after any adapter is merged).
        description: what else decides the export: the configuration, input names, outputs.
    """
    import torch

    digest = hashlib.sha256()
    digest.update(EXPORT_RECIPE.encode())
    digest.update(description.encode())
    for name, tensor in sorted(module.state_dict().items()):
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"\0{name}\0{flat.dtype}\0{tuple(tensor.shape)}\0".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def export_wrapper(model: Any, input_names: Sequence[str], call: ModelCall) -> Any:
    """``model`` as a module of positional token arrays returning one tensor, for export."""
    import torch

    class NamedInputs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return call(self.model, dict(zip(input_names, inputs, strict=True)))

    return NamedInputs().eval()


def export_int8(
    model: Any,
    input_names: Sequence[str],
    call: ModelCall,
    output_name: str,
    target: Path,
) -> None:
    """Export ``model`` to ONNX at float32, then quantise it to int8 at ``target``.

    Args:
        model: a torch module taking the token arrays as keyword arguments.
        input_names: its token inputs, in the order the ONNX graph takes them.
        call: runs the model on a dict of token tensors and returns the output tensor.
        output_name: the ONNX graph's output name.
        target: the int8 file to write.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    wrapper = export_wrapper(model, input_names, call)
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in input_names)
    axes = {name: {0: "batch", 1: "tokens"} for name in input_names}
    axes[output_name] = {0: "batch"}
    float_path = target.with_name("model.float32.onnx")
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            example,
            str(float_path),
            input_names=list(input_names),
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    quantize_dynamic(
        float_path,
        target,
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=down_projections(float_path),
    )
    float_path.unlink()


def down_projections(path: Path) -> list[str]:
    """Names of the matrix products in an ONNX file whose constant weight narrows its input.

    In a transformer these are the feed-forward layers' second halves (width
    ``intermediate_size`` to ``hidden_size``), whose inputs hold the outliers.
    """
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    shapes = {tensor.name: tuple(tensor.dims) for tensor in graph.initializer}
    names = []
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        weights = [shapes[name] for name in node.input if len(shapes.get(name, ())) == 2]
        if weights and weights[0][0] > weights[0][1]:
            names.append(node.name)
    return names


def cached_int8_model(
    model: Any,
    input_names: Sequence[str],
    call: ModelCall,
    output_name: str,
    description: str,
) -> Path:
    """The int8 ONNX file for ``model``, exported now unless the cache has it.

    The export is written to a temporary folder beside its final place and
    renamed into place, so a crash or a second process never leaves half a file.
    """
    digest = weights_digest(model, f"{description}\0{list(input_names)}\0{output_name}")
    folder = onnx_cache() / digest
    target = folder / ONNX_FILE
    if target.is_file():
        return target
    with _lock:
        if target.is_file():
            return target
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}.", dir=folder.parent))
        try:
            logger.info(
                "exporting %s to ONNX int8 under %s (once per weights)", description, folder
            )
            export_int8(model, input_names, call, output_name, work / ONNX_FILE)
            (work / "description.txt").write_text(description + "\n", encoding="utf-8")
            try:
                os.replace(work, folder)
            except OSError:
                if not target.is_file():  # not another process's finished export
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def onnx_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session over ``path`` with all graph optimisations on."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def pad_batch(
    rows: Sequence[dict[str, Sequence[int]]], names: Sequence[str], pad_id: int
) -> dict[str, np.ndarray]:
    """Right-pad tokenised rows to the longest one as int64 arrays.

    Padding is ``pad_id`` for ``input_ids`` and 0 for every other input (the
    attention mask and token types).

    Example:
        >>> batch = pad_batch([{"input_ids": [5, 6], "attention_mask": [1, 1]},
        ...                    {"input_ids": [7], "attention_mask": [1]}],
        ...                   ["input_ids", "attention_mask"], pad_id=0)
        >>> batch["input_ids"].tolist(), batch["attention_mask"].tolist()
        ([[5, 6], [7, 0]], [[1, 1], [1, 0]])
    """
    width = max(len(row["input_ids"]) for row in rows)
    batch = {}
    for name in names:
        array = np.full((len(rows), width), pad_id if name == "input_ids" else 0, dtype=np.int64)
        for position, row in enumerate(rows):
            values = row[name]
            array[position, : len(values)] = values
        batch[name] = array
    return batch
