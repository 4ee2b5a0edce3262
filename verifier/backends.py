"""Inference backends: torch as loaded, or ONNX Runtime over an export cached by content.

Three backends, the same weights:

- ``torch``: the model as loaded;
- ``onnx-fp32`` (the default on the CPU): exported with ``torch.onnx`` (opset 17,
  batch and sequence length dynamic) and run by ONNX Runtime with every graph
  optimisation on, in float32: torch's labels, faster;
- ``onnx-int8``: that export quantised with ONNX Runtime's dynamic int8 quantisation
  (weights 7-bit per output channel, activations 8-bit quantised on the fly),
  checked against float32 each time it loads (:func:`int8_self_check`).

Weights use 7 of int8's 8 bits (``reduce_range``) so that the arithmetic is the
same on every x86 CPU: without VNNI, ONNX Runtime multiplies u8 activations by
s8 weights with AVX2's ``vpmaddubsw``, which adds each two neighbouring
products in 16 bits and saturates when 8-bit weights make them large
(255 x 127 x 2 > 32,767); with 7-bit weights the sum is at most
255 x 64 x 2 = 32,640 and never saturates. VNNI machines never saturated, so
there the 7-bit weights only cost a little precision.

The feed-forward down projections (the matrix products that narrow, e.g. 1536
to 384 wide) stay float32: their inputs come straight out of the GELU with a
few very large values, which one int8 scale per row cannot hold (what
quantising them cost, and what keeping them costs, is measured in the docs'
"Backends and speed" page).

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
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from verifier.registry import cache_root
from verifier.types import Int8SelfCheck

logger = logging.getLogger(__name__)

FP32 = "onnx-fp32"
INT8 = "onnx-int8"
BACKENDS = ("torch", FP32, INT8)
ONNX_BACKENDS = (FP32, INT8)
RENAMED_BACKENDS = {"onnx": INT8}
"""Old spellings, still taken with a deprecation warning; to go in the next release."""
DEFAULT_BACKEND = FP32
"""The backend a judge or embedder uses on the CPU unless told otherwise.

The default is whichever is faster at equal accuracy (within 0.5 points on
``eval.runs.nli``): ``onnx-fp32`` gives torch's labels, faster; int8 (``onnx-int8``) is
faster again but did not stay within that bar, so it is a choice.
``python -m eval.runs.backend_accuracy`` re-checks both whenever the weights change;
the figures are in the docs' "Backends and speed" page.
"""

EXPORT_RECIPE = "torch.onnx-opset17/v3"
"""Part of every export's cache key: change it whenever the float32 export changes."""
INT8_WEIGHTS = "s7"
"""The int8 export's weight format, a key of :data:`WEIGHT_FORMATS`."""
INT8_RECIPE = f"quantize_dynamic/{INT8_WEIGHTS}-per-channel/down-projections-fp32"
"""Also part of the int8 export's cache key, so an export made another way is never reused."""
WEIGHT_FORMATS = {
    "s7": ("QInt8", True),
    "s8": ("QInt8", False),
    "u8": ("QUInt8", False),
}
"""Weight formats for :func:`quantise_int8`: ONNX Runtime's weight type and ``reduce_range``.

``s7`` (signed, 7 bits used) is exact on every x86 CPU; ``s8`` saturates on
x86 without VNNI; ``u8`` (unsigned weights) runs other kernels that never saturate.
"""
OPSET = 17
ONNX_FILE = "model.int8.onnx"
ONNX_FILES = {INT8: ONNX_FILE, FP32: "model.float32.onnx"}
_lock = threading.Lock()

ModelCall = Callable[[Any, dict[str, Any]], Any]
"""Runs a torch model on a dict of token tensors and returns the one tensor to export."""


def validate_backend(backend: str) -> str:
    """Return the backend ``backend`` names; an old spelling (``onnx``) warns and gives the new one.

    Raises:
        ValueError: naming the bad value and the choices.
    """
    if backend in RENAMED_BACKENDS:
        renamed = RENAMED_BACKENDS[backend]
        message = (
            f"backend {backend!r} is now called {renamed!r}; the old name goes in the next release"
        )
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        logger.warning(message)
        return renamed
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    return backend


def choose_backend(backend: str | None, device: str) -> str:
    """``backend`` if it may run on ``device``; for ``None``, the default, or torch on a GPU.

    Raises:
        ValueError: an unknown backend, or an ONNX one on ``cuda`` (the exports run on CPUs).

    Example:
        >>> choose_backend(None, "cuda"), choose_backend("torch", "cpu")
        ('torch', 'torch')
    """
    if backend is None:
        return "torch" if device == "cuda" else DEFAULT_BACKEND
    backend = validate_backend(backend)
    if backend in ONNX_BACKENDS and device == "cuda":
        raise ValueError(
            f"the {backend} backend runs on the CPU; use device='cpu' or backend='torch'"
        )
    return backend


def is_onnx(backend: str) -> bool:
    """Whether ``backend`` runs on ONNX Runtime (float32 or int8)."""
    return backend in ONNX_BACKENDS


def export_recipe(backend: str) -> str:
    """What besides the weights decides the export for ``backend``: part of its cache key.

    Example:
        >>> export_recipe("onnx-fp32")
        'onnx-fp32'
    """
    # "onnx/": the int8 backend's old name, kept so exports made before the rename are reused.
    return f"onnx/{INT8_RECIPE}" if backend == INT8 else backend


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
    quantise_int8(float_path, target, down_projections(float_path), INT8_WEIGHTS)
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


def quantise_int8(
    float_path: Path, target: Path, keep_float: Sequence[str], weights: str = INT8_WEIGHTS
) -> None:
    """Dynamic int8 quantisation of ``float_path`` (weights per output channel) to ``target``.

    Args:
        float_path: the float32 export.
        target: the int8 file to write.
        keep_float: the nodes left in float32.
        weights: a key of :data:`WEIGHT_FORMATS`.

    Raises:
        ValueError: an unknown weight format.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if weights not in WEIGHT_FORMATS:
        raise ValueError(f"weights must be one of {list(WEIGHT_FORMATS)}, got {weights!r}")
    weight_type, reduce_range = WEIGHT_FORMATS[weights]
    quantize_dynamic(
        float_path,
        target,
        weight_type=getattr(QuantType, weight_type),
        per_channel=True,
        reduce_range=reduce_range,
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
    backend: str = INT8,
) -> Path:
    """The ONNX file of ``model`` for ``backend`` (int8 or float32), exported now unless cached.

    The export is written to a temporary folder beside its final place and
    renamed into place, so a crash or a second process never leaves half a file.
    """
    if backend not in ONNX_FILES:
        raise ValueError(f"no ONNX export for backend {backend!r}")
    digest = weights_digest(
        model, f"{description}\0{list(input_names)}\0{output_name}\0{export_recipe(backend)}"
    )
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
            if backend == INT8:
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


INT8_PROBE_PAIRS = (
    ("The council met on Monday evening in the town hall.", "The council met."),
    ("It rained all day in Leeds on Saturday.", "The weather in Leeds was dry on Saturday."),
    ("A man is playing a guitar on stage.", "The man is a famous musician."),
    ("A man is playing a guitar on stage.", "A man is playing music."),
    (
        "North Korea sent about 11,000 soldiers to the Kursk region, officials said on Friday.",
        "North Korea sent 50,000 soldiers to Russia.",
    ),
    (
        "The library opened in 1998 and now lends 40,000 books a year.",
        "The library opened in 1998.",
    ),
    (
        "Shares fell 3% on Tuesday after the bank cut its forecast.",
        "The stock market rose sharply.",
    ),
    (
        "The new bridge, which took six years to build and cost 1.2 billion euros, links the "
        "island to the mainland and carries both road and rail traffic across the strait.",
        "The bridge carries only road traffic.",
    ),
)
"""Fixed (premise, hypothesis) pairs every int8 session is checked on when it loads.

Plain, negated, numeric and long sentences; the embedder is checked on their texts.
"""
JUDGE_INT8_TOLERANCE = 0.1
"""The most an int8 judge's probability may differ from float32's on a probe pair.

Above what sound int8 shows on these pairs, well below what saturated arithmetic
showed (the README's Backends section has both). It catches a broken int8
session, not every pair int8 moves: sound int8 moves some other pairs more.
"""
EMBEDDER_INT8_TOLERANCE = 0.05
"""The most a cosine between two probe texts may differ from float32's for an int8 embedder."""
_warned: set[str] = set()


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch on at most ``threads`` threads inside the block, as it was after.

    The self-check's float32 reference runs in torch while ONNX Runtime is
    what will serve; on a busy machine torch's default threads wait on each
    other for seconds where one thread takes a tenth of one.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def int8_self_check(model: str, difference: float, tolerance: float) -> Int8SelfCheck:
    """The self-check's record for ``model``; a warning, once per model and process, if it failed.

    Args:
        model: what was checked, e.g. ``"NLI judge models/nli-minilm-l6"``.
        difference: its largest difference from float32 on the probe texts.
        tolerance: the most allowed.
    """
    check = Int8SelfCheck(model, float(difference), tolerance)
    if not check.passed:
        with _lock:
            first = model not in _warned
            _warned.add(model)
        if first:
            logger.warning(
                "int8 self-check failed for %s: it differs from float32 by %.3f (at most %.3f "
                "allowed) on fixed probe texts on this CPU; using float32 (onnx-fp32) instead",
                model,
                check.difference,
                tolerance,
            )
    return check


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
