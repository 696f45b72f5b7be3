"""gather/scatter, index_select/index_add, one_hot, segment ops and CSR x dense vs PyTorch."""
import numpy as np
import pytest
import torch

import embedcpp as E
from conftest import check_finite_differences, check_op, randn


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather(axis, rng):
    x = randn(rng, 4, 5, 6)
    shape = [3, 4, 5]
    idx = rng.integers(0, x.shape[axis], size=shape).astype(np.int64)
    check_op(lambda t, i: E.gather(t, axis, i), lambda t, i: torch.gather(t, axis, i), [x, idx])


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_scatter_add(axis, rng):
    x = randn(rng, 4, 5, 6)
    idx = rng.integers(0, x.shape[axis], size=(3, 4, 5)).astype(np.int64)  # repeats accumulate
    src = randn(rng, 3, 4, 5)
    check_op(lambda t, i, s: E.scatter_add(t, axis, i, s), lambda t, i, s: torch.scatter_add(t, axis, i, s),
             [x, idx, src], grads=[0, 2])


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("layout", ["c", "t"])
def test_index_select_and_add(axis, layout, rng):
    x = randn(rng, 4, 5, 6)
    idx = rng.integers(0, x.shape[axis], size=7).astype(np.int64)
    check_op(lambda t, i: E.index_select(t, axis, i), lambda t, i: torch.index_select(t, axis, i), [x, idx],
             layout=layout)
    src_shape = list(x.shape)
    src_shape[axis] = 7
    src = randn(rng, *src_shape)
    check_op(lambda t, i, s: E.index_add(t, axis, i, s), lambda t, i, s: torch.index_add(t, axis, i, s),
             [x, idx, src], grads=[0, 2])


def test_index_select_integer_tensor():
    x = np.arange(12, dtype=np.int64).reshape(4, 3)
    out = E.index_select(E.Tensor(x), 0, E.Tensor(np.array([3, 0, 3], dtype=np.int64))).numpy()
    np.testing.assert_array_equal(out, x[[3, 0, 3]])


def test_one_hot(rng):
    ids = rng.integers(0, 5, size=(3, 4)).astype(np.int64)
    ref = torch.nn.functional.one_hot(torch.tensor(ids), 7).numpy()
    np.testing.assert_array_equal(E.one_hot(E.Tensor(ids), 7).numpy(), ref.astype(np.float32))
    inferred = torch.nn.functional.one_hot(torch.tensor(ids)).numpy()
    np.testing.assert_array_equal(E.one_hot(E.Tensor(ids)).numpy(), inferred.astype(np.float32))


def test_index_errors(rng):
    x = E.Tensor(randn(rng, 3, 4))
    with pytest.raises(ValueError, match="outside"):
        E.index_select(x, 0, E.Tensor(np.array([0, 3], dtype=np.int64)))
    with pytest.raises(ValueError, match="outside"):
        E.gather(x, 1, E.Tensor(np.array([[4]], dtype=np.int64)))
    with pytest.raises(ValueError, match="rank"):
        E.gather(x, 1, E.Tensor(np.array([1], dtype=np.int64)))
    with pytest.raises(ValueError, match="outside"):
        E.one_hot(E.Tensor(np.array([5], dtype=np.int64)), 3)
    with pytest.raises(ValueError, match="i32 or i64"):
        E.index_select(x, 0, E.Tensor(np.array([0.0], dtype=np.float32)))


def segments(rng, e, s):
    ids = rng.integers(0, s, size=e).astype(np.int64)
    ids[0] = 0
    return ids


@pytest.mark.parametrize("shape", [(9,), (9, 4), (9, 2, 3)])
def test_segment_sum_mean(shape, rng):
    s = 5
    ids = segments(rng, shape[0], s)  # some segments may be empty: they give 0
    x = randn(rng, *shape)
    out_shape = (s,) + shape[1:]

    def ref_sum(t, i):
        return torch.zeros(out_shape).index_add(0, i, t)

    def ref_mean(t, i):
        counts = torch.zeros(s).index_add(0, i, torch.ones(len(i))).clamp(min=1)
        return ref_sum(t, i) / counts.reshape((s,) + (1,) * (len(shape) - 1))

    check_op(lambda t, i: E.segment_sum(t, i, s), ref_sum, [x, ids])
    check_op(lambda t, i: E.segment_mean(t, i, s), ref_mean, [x, ids])


@pytest.mark.parametrize("shape", [(10,), (10, 3)])
def test_segment_max(shape, rng):
    s = 6
    ids = segments(rng, shape[0], s)
    x = randn(rng, *shape)

    def ref(t, i):
        idx = i.reshape((-1,) + (1,) * (t.dim() - 1)).expand_as(t)
        out = torch.full((s,) + tuple(t.shape[1:]), float("-inf")).scatter_reduce(0, idx, t, "amax")
        return torch.where(torch.isinf(out), torch.zeros_like(out), out)

    check_op(lambda t, i: E.segment_max(t, i, s), ref, [x, ids])


@pytest.mark.parametrize("shape", [(12,), (12, 3)])
def test_segment_softmax(shape, rng):
    s = 4
    ids = segments(rng, shape[0], s)
    x = randn(rng, *shape, scale=3.0)

    def ref(t, i):  # softmax within each segment, written out with dense masks
        out = torch.zeros_like(t)
        for seg in range(s):
            rows = (i == seg).nonzero().flatten()
            if len(rows):
                out = out.index_put((rows,), torch.softmax(t[rows], dim=0))
        return out

    check_op(lambda t, i: E.segment_softmax(t, i, s), ref, [x, ids])
    check_finite_differences(lambda t: E.segment_softmax(t, E.Tensor(ids), s), [x])


def random_coo(rng, rows, cols, nnz):
    r = rng.integers(0, rows, size=nnz).astype(np.int64)
    c = rng.integers(0, cols, size=nnz).astype(np.int64)
    return r, c, randn(rng, nnz)


@pytest.mark.parametrize("rows,cols,d,nnz", [(5, 7, 3, 12), (40, 30, 16, 200), (4, 4, 1, 0)])
def test_spmm(rows, cols, d, nnz, rng):
    r, c, v = random_coo(rng, rows, cols, nnz)  # duplicates included: they add
    x = randn(rng, cols, d)

    def ours(v, x):
        return E.spmm(E.CsrMatrix.from_coo(rows, cols, E.Tensor(r), E.Tensor(c), v), x)

    def ref(v, x):
        dense = torch.zeros(rows, cols).index_put((torch.tensor(r), torch.tensor(c)), v, accumulate=True)
        return dense @ x

    check_op(ours, ref, [v, x], grads=[0, 1] if nnz else [1])


def test_spmm_matches_torch_sparse_csr(rng):
    r, c, v = random_coo(rng, 6, 5, 14)
    a = E.CsrMatrix.from_coo(6, 5, E.Tensor(r), E.Tensor(c), E.Tensor(v))
    ref = torch.sparse_coo_tensor(np.stack([r, c]), v, (6, 5)).coalesce().to_sparse_csr()
    np.testing.assert_allclose(a.to_dense().numpy(), ref.to_dense().numpy(), atol=1e-6)
    x = randn(rng, 5, 4)
    np.testing.assert_allclose(E.spmm(a, E.Tensor(x)).numpy(), (ref @ torch.tensor(x)).numpy(), atol=1e-5, rtol=1e-4)


def test_csr_validation(rng):
    v = E.Tensor(randn(rng, 2))
    i64 = lambda *a: E.Tensor(np.array(a, dtype=np.int64))  # noqa: E731
    with pytest.raises(ValueError, match="rows \\+ 1"):
        E.CsrMatrix(2, 3, i64(0, 2), i64(0, 1), v)
    with pytest.raises(ValueError, match="decreases"):
        E.CsrMatrix(3, 3, i64(0, 2, 1, 2), i64(0, 1), v)
    with pytest.raises(ValueError, match="outside"):
        E.CsrMatrix(1, 3, i64(0, 2), i64(0, 3), v)
    with pytest.raises(ValueError, match="from 0 to nnz"):
        E.CsrMatrix(1, 3, i64(0, 1), i64(0, 1), v)
    a = E.CsrMatrix(1, 3, i64(0, 2), i64(0, 2), v)
    with pytest.raises(ValueError, match="dense operand"):
        E.spmm(a, E.Tensor(randn(rng, 4, 2)))
