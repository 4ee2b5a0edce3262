"""An int8 ONNX model run as ONNX Runtime runs it on an x86 CPU without VNNI, in numpy.

On such CPUs (AVX2, or AVX-512 without VNNI) ONNX Runtime multiplies u8
activations by s8 weights with ``vpmaddubsw``, which adds each two neighbouring
products along the inner dimension in 16 bits and saturates them at
-32,768..32,767, before the 32-bit sum; VNNI's ``vpdpbusd`` sums in 32 bits and
never saturates. This evaluator runs the quantised graph with ONNX's reference
implementation, its ``MatMulInteger`` replaced by one that saturates those pair
sums as ``vpmaddubsw`` does (u8 x u8 products have other kernels and are
exact), so a machine with VNNI can see what one without it computes.

It is slow next to ONNX Runtime: for studies (``python -m eval.int8_recipes
--emulate-avx2``), not for use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

_PAIR_LIMIT = 32767 // 255
"""Two same-signed weights whose sizes add up to more than this can saturate with some u8 pair."""


def saturated_matmul_integer(
    a: np.ndarray,
    b: np.ndarray,
    a_zero_point: Any = None,
    b_zero_point: Any = None,
) -> np.ndarray:
    """ONNX ``MatMulInteger`` with AVX2's 16-bit saturation of u8 x s8 pair sums.

    ``a`` is u8 activations (any leading dimensions), ``b`` the 2-D weights.
    The zero points are subtracted after the raw products, as ONNX Runtime does.
    The exact product comes from one float64 matrix product (exact at these
    sizes); only the pairs of weights that can saturate are then summed pair
    by pair, and their excess over 16 bits taken off.

    Example:
        >>> a = np.array([[255, 255]], dtype=np.uint8)
        >>> int(saturated_matmul_integer(a, np.array([[127], [127]], dtype=np.int8))[0, 0])
        32767
        >>> int(saturated_matmul_integer(a, np.array([[64], [64]], dtype=np.int8))[0, 0])
        32640
    """
    inner = a.shape[-1]
    rows = a.reshape(-1, inner).astype(np.float64)
    weights = b.astype(np.float64)
    raw = rows @ weights
    if b.dtype == np.int8:
        if inner % 2:
            rows = np.pad(rows, ((0, 0), (0, 1)))
            weights = np.pad(weights, ((0, 1), (0, 0)))
        even, odd = weights[0::2], weights[1::2]
        pair, column = np.nonzero((even * odd > 0) & (np.abs(even) + np.abs(odd) > _PAIR_LIMIT))
        if len(pair):
            sums = (
                rows[:, 2 * pair] * even[pair, column] + rows[:, 2 * pair + 1] * odd[pair, column]
            )
            excess = np.zeros((weights.shape[1], rows.shape[0]))
            np.add.at(excess, column, (np.clip(sums, -32768, 32767) - sums).T)
            raw += excess.T
    za = 0 if a_zero_point is None else np.int64(np.asarray(a_zero_point).reshape(()))
    zb = 0 if b_zero_point is None else np.asarray(b_zero_point, dtype=np.int64)
    exact_offsets = -za * b.astype(np.int64).sum(axis=0) - zb * a.reshape(-1, inner).astype(
        np.int64
    ).sum(axis=1, keepdims=True)
    result = np.rint(raw).astype(np.int64) + exact_offsets + inner * za * zb
    return result.reshape(*a.shape[:-1], b.shape[1]).astype(np.int32)


class Avx2Session:
    """Runs an int8 ONNX file as an x86 CPU without VNNI would; ``run`` as ONNX Runtime's.

    Args:
        path: the quantised ONNX file.
    """

    def __init__(self, path: str | Path) -> None:
        import onnx
        from onnx.reference import ReferenceEvaluator
        from onnx.reference.op_run import OpRun

        class MatMulInteger(OpRun):
            op_domain = ""

            def _run(self, a, b, a_zero_point=None, b_zero_point=None):
                return (saturated_matmul_integer(a, b, a_zero_point, b_zero_point),)

        model = onnx.load(str(path))
        for entry in model.opset_import:
            # the reference evaluator implements DequantizeLinear from opset 19 on;
            # the opset-17 graphs use nothing that changed meaning since
            if entry.domain in ("", "ai.onnx"):
                entry.version = max(entry.version, 19)
        self._evaluator = ReferenceEvaluator(model, new_ops=[MatMulInteger])
        self._inputs = [node.name for node in model.graph.input]

    def get_inputs(self) -> list[Any]:
        """The graph's inputs, each with a ``name``, as ONNX Runtime's session gives them."""
        from types import SimpleNamespace

        return [SimpleNamespace(name=name) for name in self._inputs]

    def run(self, output_names: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return list(self._evaluator.run(output_names, feeds))
