"""Same inputs and thread count give bit-identical results, forward and
backward, including the kernels that split work across threads and add
partial sums (conv weight gradients, layer_norm parameter gradients, scatter
kinds, sparse products); a different thread count stays within float rounding."""
import numpy as np
import pytest

import embedcpp as E
from conftest import randn


def run(case, threads):
    E.set_num_threads(threads)
    try:
        fn, inputs = case
        leaves = [E.Tensor(a, requires_grad=True) for a in inputs]
        out = fn(*leaves)
        out.backward(E.Tensor(np.ones(out.shape, dtype=np.float32)))
        return [out.numpy()] + [leaf.grad.numpy() for leaf in leaves]
    finally:
        E.set_num_threads(2)


def cases():
    rng = np.random.default_rng(3)
    ids = E.Tensor(rng.integers(0, 50, 4000).astype(np.int64))
    rows, cols = E.Tensor(rng.integers(0, 300, 5000)), E.Tensor(rng.integers(0, 200, 5000))
    return {
        "conv2d": (lambda x, w: E.conv2d(x, w, None, (1, 1), (1, 1)), [randn(rng, 8, 8, 24, 24), randn(rng, 16, 8, 3, 3)]),
        "layer_norm": (lambda x, w, b: E.layer_norm(x, [256], w, b),
                       [randn(rng, 512, 256), randn(rng, 256), randn(rng, 256)]),
        "softmax": (lambda x: E.softmax(x, -1), [randn(rng, 512, 256)]),
        "segment_sum": (lambda x: E.segment_sum(x, ids, 50), [randn(rng, 4000, 32)]),
        "spmm": (lambda v, x: E.spmm(E.CsrMatrix.from_coo(300, 200, rows, cols, v), x),
                 [randn(rng, 5000), randn(rng, 200, 64)]),
        "sum": (lambda x: E.sum(x, [0]), [randn(rng, 3000, 64)]),
    }


@pytest.mark.parametrize("name", sorted(cases()))
def test_same_threads_same_bits(name):
    case = cases()[name]
    first, second = run(case, 2), run(case, 2)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(first, run(case, 1)):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)
