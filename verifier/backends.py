"""Inference backends: torch as loaded, or ONNX Runtime over an export cached by content.

Three backends, the same weights:

- ``torch``: the model as loaded;
- ``onnx-fp32`` (the default on the CPU): exported with ``torch.onnx`` (opset 17,
  batch and sequence length dynamic) and run by ONNX Runtime with every graph
  optimisation on, in float32: the same labels as torch on every one of the
  judge's 5,597 validation pairs, at twice its pairs/s (``eval.int8_recipes``);
- ``onnx``: that export quantised with ONNX Runtime's dynamic int8 quantisation
  (weights int8 per output channel, activations quantised on the fly): 2.7
  times torch's speed, within 0.2 points of its accuracy on validation pairs
  and 0.51 on Climate-FEVER's.

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

BACKENDS = ("torch", "onnx-fp32", "onnx")
ONNX_BACKENDS = ("onnx-fp32", "onnx")
DEFAULT_BACKEND = "onnx-fp32"
"""The backend a judge or embedder uses on the CPU unless told otherwise.

The default is whichever is faster at equal accuracy (within 0.5 points on
``eval.nli``). ``onnx-fp32`` gives torch's labels at about twice its speed;
int8 (``onnx``) is faster again but lost 0.51 points on Climate-FEVER pairs
with the v4 fast judge (0.5751 to 0.5700; MNLI gained 0.12), so it is a choice.
``python -m eval.backend_accuracy`` re-checks both whenever the weights change.
"""

EXPORT_RECIPE = "torch.onnx-opset17/quantize_dynamic-qint8-per-channel/down-projections-fp32/v2"
"""Part of the cache key: change it whenever the export or quantisation changes."""
OPSET = 17
ONNX_FILE = "model.int8.onnx"
ONNX_FILES = {"onnx": ONNX_FILE, "onnx-fp32": "model.float32.onnx"}
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
    if check_backend(backend) in ONNX_BACKENDS and device == "cuda":
        raise ValueError(
            f"the {backend} backend runs on the CPU; use device='cpu' or backend='torch'"
        )
    return backend


def is_onnx(backend: str) -> bool:
    """Whether ``backend`` runs on ONNX Runtime (float32 or int8)."""
    return backend in ONNX_BACKENDS


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
    float_path = target.with_name("model.float32.onnx")
    export_float32(model, input_names, call, output_name, float_path)
    quantise_int8(float_path, target, down_projections(float_path))
    float_path.unlink()


def export_float32(
    model: Any, input_names: Sequence[str], call: ModelCall, output_name: str, target: Path
) -> None:
    """Export ``model`` to ONNX at float32 (batch and sequence length dynamic) at ``target``."""
    import torch

    wrapper = export_wrapper(model, input_names, call)
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in input_names)
    axes = {name: {0: "batch", 1: "tokens"} for name in input_names}
    axes[output_name] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            example,
            str(target),
            input_names=list(input_names),
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def quantise_int8(float_path: Path, target: Path, keep_float: Sequence[str]) -> None:
    """Dynamic int8 quantisation of ``float_path`` (weights per output channel) to ``target``.

    ``keep_float`` names the nodes left in float32.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        float_path,
        target,
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=list(keep_float),
    )


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


def cached_onnx_model(
    model: Any,
    input_names: Sequence[str],
    call: ModelCall,
    output_name: str,
    description: str,
    backend: str = "onnx",
) -> Path:
    """The ONNX file of ``model`` for ``backend`` (int8 or float32), exported now unless cached.

    The export is written to a temporary folder beside its final place and
    renamed into place, so a crash or a second process never leaves half a file.
    """
    if backend not in ONNX_FILES:
        raise ValueError(f"no ONNX export for backend {backend!r}")
    precision = "" if backend == "onnx" else f"\0{backend}"  # int8 keys stay as they were
    digest = weights_digest(model, f"{description}\0{list(input_names)}\0{output_name}{precision}")
    folder = onnx_cache() / digest
    target = folder / ONNX_FILES[backend]
    if target.is_file():
        return target
    with _lock:
        if target.is_file():
            return target
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}.", dir=folder.parent))
        try:
            logger.info(
                "exporting %s to ONNX (%s) under %s (once per weights)",
                description,
                backend,
                folder,
            )
            if backend == "onnx":
                export_int8(model, input_names, call, output_name, work / ONNX_FILE)
            else:
                export_float32(model, input_names, call, output_name, work / ONNX_FILES[backend])
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
