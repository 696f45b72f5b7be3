"""matmul, reductions, shape ops, nn ops and losses vs PyTorch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import embedcpp as E
from conftest import check_finite_differences, check_op, randn


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 6)),
                                   ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 3)), ((3, 4), (4,))])
@pytest.mark.parametrize("layout", ["c", "t"])
def test_matmul(sa, sb, layout, rng):
    check_op(E.matmul, torch.matmul, [randn(rng, *sa), randn(rng, *sb)], layout=layout)


def test_matmul_large_uses_blas(rng):
    check_op(E.matmul, torch.matmul, [randn(rng, 70, 90), randn(rng, 90, 80)], atol=1e-4)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias, rng):
    x, w, b = randn(rng, *shape), randn(rng, 6, 3), randn(rng, 6)
    if bias:
        check_op(E.linear, F.linear, [x, w, b])
    else:
        check_op(E.linear, F.linear, [x, w])


def test_linear_finite_differences(rng):
    check_finite_differences(E.linear, [randn(rng, 4, 3), randn(rng, 2, 3), randn(rng, 2)])


@pytest.mark.parametrize("axes,keep", [([], False), ([0], False), ([1], True), ([0, 2], False), ([-1], True)])
@pytest.mark.parametrize("layout", ["c", "t"])
def test_sum_mean(axes, keep, layout, rng):
    x = randn(rng, 3, 4, 5)
    dims = axes if axes else list(range(3))
    check_op(lambda t: E.sum(t, axes, keep), lambda t: t.sum(dim=dims, keepdim=keep), [x], layout=layout)
    check_op(lambda t: E.mean(t, axes, keep), lambda t: t.mean(dim=dims, keepdim=keep), [x], layout=layout)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("keep", [True, False])
def test_max_min_arg(axis, keep, rng):
    x = randn(rng, 4, 5, 6)
    check_op(lambda t: E.max(t, axis, keep), lambda t: t.max(dim=axis, keepdim=keep).values, [x])
    check_op(lambda t: E.min(t, axis, keep), lambda t: t.min(dim=axis, keepdim=keep).values, [x])
    np.testing.assert_array_equal(E.argmax(E.Tensor(x), axis, keep).numpy(),
                                  torch.tensor(x).argmax(dim=axis, keepdim=keep).numpy())
    np.testing.assert_array_equal(E.argmin(E.Tensor(x), axis, keep).numpy(),
                                  torch.tensor(x).argmin(dim=axis, keepdim=keep).numpy())
    check_op(E.amax, torch.amax, [x])


@pytest.mark.parametrize("axes", [[], [1], [0, 2]])
@pytest.mark.parametrize("correction", [0, 1])
def test_var(axes, correction, rng):
    x = randn(rng, 3, 4, 5)
    dims = axes if axes else None
    check_op(lambda t: E.var(t, axes, correction), lambda t: torch.var(t, dim=dims, correction=correction), [x])


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_norm(p, rng):
    x = randn(rng, 3, 4)
    check_op(lambda t: E.norm(t, p, [1]), lambda t: torch.linalg.vector_norm(t, ord=p, dim=1), [x])
    check_op(lambda t: E.norm(t, p), lambda t: torch.linalg.vector_norm(t, ord=p), [x])


def test_norm_of_zero_has_zero_gradient():
    x = E.Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    E.sum(E.norm(x, 2.0, [1])).backward()
    assert np.all(x.grad.numpy() == 0)


@pytest.mark.parametrize("axis", [0, -1])
def test_logsumexp(axis, rng):
    x = randn(rng, 4, 6, scale=10.0)
    check_op(lambda t: E.logsumexp(t, axis), lambda t: torch.logsumexp(t, dim=axis), [x])


def test_shape_ops(rng):
    x = randn(rng, 2, 3, 4)
    check_op(lambda t: E.reshape(t, [4, -1]), lambda t: t.reshape(4, -1), [x], layout="t")
    check_op(lambda t: E.permute(t, [2, 0, 1]), lambda t: t.permute(2, 0, 1), [x])
    check_op(lambda t: E.slice(t, 2, 1, 4, 2), lambda t: t[:, :, 1:4:2], [x], layout="t")
    check_op(lambda t: E.expand(E.unsqueeze(t, 0), [5, 2, 3, 4]), lambda t: t.unsqueeze(0).expand(5, 2, 3, 4), [x])
    check_op(lambda t: E.squeeze(E.slice(t, 1, 0, 1), 1), lambda t: t[:, 0:1].squeeze(1), [x])
    check_op(lambda t: E.flatten(t, 1), lambda t: t.flatten(1), [x], layout="t")
    check_op(lambda t: E.pad(t, [1, 2, 0, 1], 0.5), lambda t: F.pad(t, (1, 2, 0, 1), value=0.5), [x])
    y = randn(rng, 2, 5, 4)
    check_op(lambda a, b: E.concat([a, b], 1), lambda a, b: torch.cat([a, b], 1), [x, y])
    check_op(lambda a, b: E.stack([a, b], 0), lambda a, b: torch.stack([a, b], 0), [x, x + 1])
    check_op(lambda t: E.mul(E.split(t, [1, 3], 2)[1], 2.0 * np.ones(1, np.float32)),
             lambda t: torch.split(t, [1, 3], 2)[1] * 2.0, [x])


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("layout", ["c", "t"])
def test_softmax(axis, layout, rng):
    x = randn(rng, 3, 4, 5, scale=3.0)
    check_op(lambda t: E.softmax(t, axis), lambda t: torch.softmax(t, axis), [x], layout=layout)
    check_op(lambda t: E.log_softmax(t, axis), lambda t: torch.log_softmax(t, axis), [x], layout=layout)


def test_softmax_with_mask(rng):
    x = randn(rng, 2, 3, 5)
    mask = np.zeros((2, 1, 5), np.float32)
    mask[0, 0, 3:] = -np.inf
    mask[1, 0, :2] = -1e9
    check_op(lambda t, m: E.softmax(t, -1, m), lambda t, m: torch.softmax(t + m, -1), [x, mask], grads=[0])
    check_finite_differences(lambda t: E.softmax(t, -1), [randn(rng, 3, 4)])


def test_softmax_fully_masked_row_is_zero():
    x = E.Tensor(np.full((1, 4), -np.inf, np.float32))
    assert np.all(E.softmax(x, -1).numpy() == 0)


@pytest.mark.parametrize("shape,norm", [((4, 6), [6]), ((2, 3, 6), [6]), ((2, 3, 4), [3, 4])])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(shape, norm, affine, rng):
    x = randn(rng, *shape, scale=2.0) + 1.0
    if affine:
        w, b = randn(rng, *norm), randn(rng, *norm)
        check_op(lambda t, w_, b_: E.layer_norm(t, norm, w_, b_),
                 lambda t, w_, b_: F.layer_norm(t, norm, w_, b_), [x, w, b])
    else:
        check_op(lambda t: E.layer_norm(t, norm), lambda t: F.layer_norm(t, norm), [x], layout="t")


def test_layer_norm_finite_differences(rng):
    check_finite_differences(lambda t, w, b: E.layer_norm(t, [5], w, b),
                             [randn(rng, 3, 5), randn(rng, 5), randn(rng, 5)])


def test_rms_norm(rng):
    x, w = randn(rng, 3, 8), randn(rng, 8)
    ref = lambda t, w_: t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + 1e-6) * w_
    check_op(lambda t, w_: E.rms_norm(t, w_), ref, [x, w])


def test_dropout_statistics_and_gradient(rng):
    x = np.ones((200, 200), np.float32)
    t = E.Tensor(x, requires_grad=True)
    y = E.dropout(t, 0.3, True, 7)
    out = y.numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    E.sum(y).backward()
    np.testing.assert_array_equal(t.grad.numpy() != 0, kept)
    assert np.array_equal(E.dropout(E.Tensor(x), 0.3, True, 7).numpy(), out), "same seed, same mask"
    assert np.array_equal(E.dropout(E.Tensor(x), 0.3, False, 7).numpy(), x)


def test_embedding(rng):
    w = randn(rng, 10, 4)
    ids = np.array([[1, 3, 3], [0, 9, 1]], np.int64)
    check_op(lambda i, w_: E.embedding(i, w_), lambda i, w_: F.embedding(i, w_), [ids, w], grads=[1])
    check_op(lambda i, w_: E.embedding(i, w_, 3), lambda i, w_: F.embedding(i, w_, padding_idx=3), [ids, w], grads=[1])
    with pytest.raises(ValueError, match="outside"):
        E.embedding(E.Tensor(np.array([10], np.int64)), E.Tensor(w))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(smoothing, reduction, rng):
    logits = randn(rng, 6, 5, scale=2.0)
    targets = np.array([0, 4, -100, 2, 2, 1], np.int64)
    check_op(lambda l, t: E.cross_entropy(l, t, -100, smoothing, reduction),
             lambda l, t: F.cross_entropy(l, t, ignore_index=-100, label_smoothing=smoothing, reduction=reduction),
             [logits, targets])


def test_nll_mse_bce_cosine(rng):
    lp = np.log(np.abs(randn(rng, 4, 3)) + 0.1).astype(np.float32)
    targets = np.array([2, 0, 1, 1], np.int64)
    check_op(E.nll_loss, F.nll_loss, [lp, targets])
    check_op(E.mse_loss, F.mse_loss, [randn(rng, 3, 4), randn(rng, 3, 4)])
    y = (rng.random((3, 4)) > 0.5).astype(np.float32)
    check_op(lambda a, b: E.bce_with_logits(a, b), F.binary_cross_entropy_with_logits,
             [randn(rng, 3, 4, scale=5.0), y], grads=[0])
    check_op(lambda a, b: E.cosine_similarity(a, b, -1), lambda a, b: F.cosine_similarity(a, b, -1),
             [randn(rng, 5, 8), randn(rng, 5, 8)])
