"""AVX2's int8 arithmetic in numpy (eval.avx2_int8): pair sums saturate at 16 bits, nothing else."""

from __future__ import annotations

import numpy as np

from eval.avx2_int8 import saturated_matmul_integer


def _exact(a, b, a_zero_point, b_zero_point):
    return (a.astype(np.int64) - a_zero_point) @ (b.astype(np.int64) - b_zero_point)


def test_seven_bit_weights_never_saturate_so_the_product_is_exact():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, size=(2, 5, 37), dtype=np.uint8)  # odd inner width
    b = rng.integers(-64, 65, size=(37, 11)).astype(np.int8)
    b[:, 0] = 64  # the largest 7-bit weight, beside the largest activations
    a[0, 0, :] = 255
    got = saturated_matmul_integer(a, b, np.uint8(131), np.zeros(11, dtype=np.int8))
    assert got.dtype == np.int32 and got.shape == (2, 5, 11)
    assert np.array_equal(got, _exact(a, b, 131, 0))


def test_eight_bit_weights_saturate_where_two_products_pass_32767():
    a = np.full((1, 4), 255, dtype=np.uint8)
    b = np.array([[127], [127], [1], [1]], dtype=np.int8)
    # 255 x 127 x 2 = 64,770 is clipped to 32,767; the second pair (510) is exact
    assert saturated_matmul_integer(a, b).tolist() == [[32767 + 510]]
    negative = saturated_matmul_integer(a, -b)
    assert negative.tolist() == [[-32768 - 510]]


def test_unsigned_weights_and_zero_points_are_exact():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(3, 8), dtype=np.uint8)
    b = rng.integers(0, 256, size=(8, 4), dtype=np.uint8)
    zero_points = np.array([120, 128, 0, 255], dtype=np.uint8)
    got = saturated_matmul_integer(a, b, np.uint8(7), zero_points)
    assert np.array_equal(got, _exact(a, b, 7, zero_points.astype(np.int64)))
