"""Every differentiable op's backward against central finite differences of
its own forward (float32, so eps = 1e-2 and the tolerances of
conftest.check_finite_differences; a wrong rule is off by O(1)). The
elementwise ops are in test_elementwise.py. Inputs of ops with kinks (max,
pooling, abs-like) are spread out so that no sampled coordinate sits within
eps of a tie."""
import numpy as np
import pytest

import embedcpp as E
from conftest import check_finite_differences, randn


def spread(rng, *shape):
    """Distinct values 0.1 apart in random order: no ties within eps."""
    n = int(np.prod(shape))
    return (rng.permutation(n).astype(np.float32) * 0.1 - n * 0.05).reshape(shape)


def ids(*values):
    return E.Tensor(np.array(values, dtype=np.int64))


CASES = {
    "add_broadcast": (E.add, lambda r: [randn(r, 3, 4), randn(r, 4)]),
    "sub_broadcast": (E.sub, lambda r: [randn(r, 3, 1), randn(r, 1, 4)]),
    "matmul_batched": (E.matmul, lambda r: [randn(r, 2, 3, 4), randn(r, 4, 2)]),
    "sum_axis": (lambda x: E.sum(x, [1]), lambda r: [randn(r, 3, 4)]),
    "mean_axes": (lambda x: E.mean(x, [0, 2], True), lambda r: [randn(r, 2, 3, 4)]),
    "var": (lambda x: E.var(x, [1]), lambda r: [randn(r, 3, 5)]),
    "norm": (lambda x: E.norm(x, 2.0, [1]), lambda r: [randn(r, 3, 4)]),
    "logsumexp": (lambda x: E.logsumexp(x, -1), lambda r: [randn(r, 3, 4)]),
    "max_axis": (lambda x: E.max(x, 1), lambda r: [spread(r, 3, 4)]),
    "min_axis": (lambda x: E.min(x, 0), lambda r: [spread(r, 3, 4)]),
    "amax": (E.amax, lambda r: [spread(r, 3, 4)]),
    "views": (lambda x: E.mul(E.slice(E.permute(E.reshape(x, [2, 3, 4]), [2, 0, 1]), 0, 1, 4, 2), 1.5),
              lambda r: [randn(r, 6, 4)]),
    "expand": (lambda x: E.mul(E.expand(x, [3, 4]), E.Tensor(np.arange(12, dtype=np.float32).reshape(3, 4))),
               lambda r: [randn(r, 1, 4)]),
    "concat_stack": (lambda a, b: E.stack([E.concat([a, b], 0), E.mul(E.concat([b, a], 0), 2.0)], 1),
                     lambda r: [randn(r, 2, 3), randn(r, 2, 3)]),
    "split_pad": (lambda x: E.pad(E.mul(E.split(x, [1, 3], 1)[1], 3.0), [1, 2], 0.5), lambda r: [randn(r, 3, 4)]),
    "log_softmax_masked": (lambda x: E.log_softmax(x, 0, E.Tensor(np.array([[0.0], [-2.0], [0.5]], np.float32))),
                           lambda r: [randn(r, 3, 4)]),
    "rms_norm": (E.rms_norm, lambda r: [randn(r, 3, 5), randn(r, 5)]),
    # (padding_idx rows get no gradient by design, so finite differences would disagree there)
    "embedding": (lambda w: E.embedding(ids(2, 0, 2, 1), w), lambda r: [randn(r, 4, 3)]),
    "cross_entropy_smoothed": (lambda x: E.cross_entropy(x, ids(1, 0, 3), -100, 0.1), lambda r: [randn(r, 3, 4)]),
    "nll_loss": (lambda x: E.nll_loss(E.log_softmax(x), ids(1, 2, 0)), lambda r: [randn(r, 3, 4)]),
    "mse_loss": (E.mse_loss, lambda r: [randn(r, 3, 4), randn(r, 3, 4)]),
    "bce_with_logits": (lambda x: E.bce_with_logits(x, E.Tensor(np.array([[0, 1, 1], [1, 0, 0]], np.float32))),
                        lambda r: [randn(r, 2, 3)]),
    "cosine_similarity": (E.cosine_similarity, lambda r: [randn(r, 3, 4), randn(r, 3, 4)]),
    "conv1d_groups": (lambda x, w, b: E.conv1d(x, w, b, 2, 1, 1, 2),
                      lambda r: [randn(r, 1, 4, 7), randn(r, 2, 2, 3), randn(r, 2)]),
    "max_pool2d": (lambda x: E.max_pool2d(x, (2, 2), (1, 1)), lambda r: [spread(r, 1, 2, 4, 4)]),
    "max_pool1d_padded": (lambda x: E.max_pool1d(x, 3, 2, 1), lambda r: [spread(r, 1, 2, 7)]),
    "avg_pool1d": (lambda x: E.avg_pool1d(x, 3, 2, 1, True), lambda r: [randn(r, 1, 2, 7)]),
    "adaptive_avg_pool1d": (lambda x: E.adaptive_avg_pool1d(x, 3), lambda r: [randn(r, 2, 1, 7)]),
    "batch_norm_affine_eval": (lambda x, w, b: E.batch_norm(x, E.Tensor(np.zeros(3, np.float32)),
                                                            E.Tensor(np.ones(3, np.float32)), w, b, False),
                               lambda r: [randn(r, 2, 3, 2), randn(r, 3), randn(r, 3)]),
    "gather": (lambda x: E.gather(x, 1, E.Tensor(np.array([[2, 0], [1, 1], [0, 2]], np.int64))),
               lambda r: [randn(r, 3, 3)]),
    "scatter_add": (lambda x, s: E.scatter_add(x, 0, E.Tensor(np.array([[1, 0, 1]], np.int64)), s),
                    lambda r: [randn(r, 2, 3), randn(r, 1, 3)]),
    "index_select": (lambda x: E.index_select(x, 1, ids(2, 0, 2)), lambda r: [randn(r, 2, 3)]),
    "index_add": (lambda x, s: E.index_add(x, 0, ids(1, 1, 0), s), lambda r: [randn(r, 2, 3), randn(r, 3, 3)]),
    "segment_sum": (lambda x: E.segment_sum(x, ids(0, 2, 0, 2), 3), lambda r: [randn(r, 4, 2)]),
    "segment_mean": (lambda x: E.segment_mean(x, ids(0, 2, 0, 2), 3), lambda r: [randn(r, 4, 2)]),
    "segment_max": (lambda x: E.segment_max(x, ids(0, 2, 0, 2), 3), lambda r: [spread(r, 4, 2)]),
    "spmm": (lambda v, x: E.spmm(E.CsrMatrix.from_coo(3, 4, ids(0, 2, 2, 1, 0), ids(1, 0, 3, 3, 1), v), x),
             lambda r: [randn(r, 5), randn(r, 4, 2)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make_inputs = CASES[name]
    check_finite_differences(fn, make_inputs(np.random.default_rng(7)))
