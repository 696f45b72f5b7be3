"""Convolution, pooling and batch norm vs PyTorch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import embedcpp as E
from conftest import check_finite_differences, check_op, randn


@pytest.mark.parametrize("cin,cout,k,stride,padding,dilation,groups,size", [
    (3, 4, (3, 3), (1, 1), (0, 0), (1, 1), 1, (7, 6)),
    (3, 4, (3, 2), (2, 1), (1, 2), (1, 1), 1, (8, 9)),
    (4, 6, (3, 3), (1, 2), (2, 1), (2, 1), 2, (9, 8)),
    (4, 4, (3, 3), (1, 1), (1, 1), (1, 1), 4, (5, 5)),  # depthwise
    (5, 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, (4, 6)),  # pointwise fast path
    (2, 3, (5, 5), (3, 3), (2, 2), (1, 1), 1, (11, 10)),
])
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(cin, cout, k, stride, padding, dilation, groups, size, bias, rng):
    x = randn(rng, 2, cin, *size)
    w = randn(rng, cout, cin // groups, *k, scale=0.5)
    b = randn(rng, cout)

    def ours(x, w, *b):
        return E.conv2d(x, w, b[0] if b else None, stride, padding, dilation, groups)

    def ref(x, w, *b):
        return F.conv2d(x, w, b[0] if b else None, stride, padding, dilation, groups)

    check_op(ours, ref, [x, w, b] if bias else [x, w], atol=1e-4)


def test_conv2d_batch_split_over_threads(rng):
    # More images than threads: per-chunk weight gradients must reduce exactly.
    x, w, b = randn(rng, 5, 3, 6, 6), randn(rng, 4, 3, 3, 3), randn(rng, 4)
    check_op(lambda x, w, b: E.conv2d(x, w, b, (1, 1), (1, 1)), lambda x, w, b: F.conv2d(x, w, b, 1, 1), [x, w, b],
             atol=1e-4)


def test_conv2d_finite_differences(rng):
    f = lambda x, w, b: E.conv2d(x, w, b, (2, 1), (1, 1), (1, 2), 1)  # noqa: E731
    check_finite_differences(f, [randn(rng, 1, 2, 5, 6), randn(rng, 3, 2, 3, 2), randn(rng, 3)])


@pytest.mark.parametrize("cin,cout,k,stride,padding,dilation,groups", [
    (3, 5, 3, 1, 0, 1, 1), (4, 6, 3, 2, 1, 2, 2), (2, 2, 1, 1, 0, 1, 1), (6, 3, 4, 3, 2, 1, 3)])
def test_conv1d(cin, cout, k, stride, padding, dilation, groups, rng):
    x, w, b = randn(rng, 3, cin, 13), randn(rng, cout, cin // groups, k), randn(rng, cout)
    check_op(lambda x, w, b: E.conv1d(x, w, b, stride, padding, dilation, groups),
             lambda x, w, b: F.conv1d(x, w, b, stride, padding, dilation, groups), [x, w, b], atol=1e-4)


def test_conv_rejects_bad_shapes(rng):
    x = E.Tensor(randn(rng, 1, 3, 5, 5))
    with pytest.raises(ValueError, match="groups"):
        E.conv2d(x, E.Tensor(randn(rng, 4, 2, 3, 3)))
    with pytest.raises(ValueError, match="smaller than"):
        E.conv2d(x, E.Tensor(randn(rng, 4, 3, 7, 7)))
    with pytest.raises(ValueError, match="rank 4"):
        E.conv2d(E.Tensor(randn(rng, 3, 5, 5)), E.Tensor(randn(rng, 4, 3, 3, 3)))
    with pytest.raises(ValueError, match="positive"):
        E.conv2d(x, E.Tensor(randn(rng, 4, 3, 3, 3)), None, (0, 1))


@pytest.mark.parametrize("k,stride,padding,dilation", [
    ((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 3), (1, 2), (1, 1), (1, 1)), ((3, 2), (2, 1), (1, 0), (2, 1))])
def test_max_pool2d(k, stride, padding, dilation, rng):
    x = randn(rng, 2, 3, 9, 8)
    check_op(lambda t: E.max_pool2d(t, k, stride, padding, dilation),
             lambda t: F.max_pool2d(t, k, stride, padding, dilation), [x])


def test_max_pool_default_stride_and_1d(rng):
    check_op(lambda t: E.max_pool2d(t, (3, 3)), lambda t: F.max_pool2d(t, 3), [randn(rng, 1, 2, 7, 7)])
    check_op(lambda t: E.max_pool1d(t, 3, 2, 1), lambda t: F.max_pool1d(t, 3, 2, 1), [randn(rng, 2, 3, 10)])
    check_op(lambda t: E.max_pool1d(t, 2, 1, 0, 3), lambda t: F.max_pool1d(t, 2, 1, 0, 3), [randn(rng, 2, 3, 10)])


@pytest.mark.parametrize("k,stride,padding", [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 1), (1, 1)),
                                              ((3, 2), (1, 2), (1, 1))])
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool2d(k, stride, padding, include_pad, rng):
    x = randn(rng, 2, 3, 7, 8)
    check_op(lambda t: E.avg_pool2d(t, k, stride, padding, include_pad),
             lambda t: F.avg_pool2d(t, k, stride, padding, count_include_pad=include_pad), [x])


def test_avg_pool1d(rng):
    for include_pad in (True, False):
        check_op(lambda t: E.avg_pool1d(t, 3, 2, 1, include_pad),
                 lambda t: F.avg_pool1d(t, 3, 2, 1, count_include_pad=include_pad), [randn(rng, 2, 3, 11)])


@pytest.mark.parametrize("size,out", [((7, 9), (3, 4)), ((4, 4), (1, 1)), ((5, 3), (5, 3)), ((3, 5), (4, 7))])
def test_adaptive_avg_pool2d(size, out, rng):
    check_op(lambda t: E.adaptive_avg_pool2d(t, out), lambda t: F.adaptive_avg_pool2d(t, out),
             [randn(rng, 2, 3, *size)])


def test_adaptive_avg_pool1d(rng):
    check_op(lambda t: E.adaptive_avg_pool1d(t, 4), lambda t: F.adaptive_avg_pool1d(t, 4), [randn(rng, 2, 3, 10)])


def test_pool_finite_differences(rng):
    check_finite_differences(lambda t: E.avg_pool2d(t, (3, 3), (2, 2), (1, 1), False), [randn(rng, 1, 2, 5, 5)])
    check_finite_differences(lambda t: E.adaptive_avg_pool2d(t, (2, 3)), [randn(rng, 1, 2, 5, 7)])


def test_pool_rejects_bad_padding(rng):
    with pytest.raises(ValueError, match="half the kernel"):
        E.max_pool2d(E.Tensor(randn(rng, 1, 1, 6, 6)), (2, 2), (1, 1), (2, 2))


@pytest.mark.parametrize("shape", [(6, 4), (4, 3, 5), (3, 2, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_train_updates_running_stats(shape, affine, rng):
    c = shape[1]
    x, w, b = randn(rng, *shape), randn(rng, c), randn(rng, c)
    rm, rv = randn(rng, c), np.abs(randn(rng, c)) + 0.5
    ours_rm, ours_rv = E.Tensor(rm), E.Tensor(rv)
    ref_rm, ref_rv = torch.tensor(rm), torch.tensor(rv)

    def ours(x, *wb):
        return E.batch_norm(x, ours_rm, ours_rv, *wb, training=True, momentum=0.3)

    def ref(x, *wb):
        return F.batch_norm(x, ref_rm, ref_rv, *wb, training=True, momentum=0.3)

    check_op(ours, ref, [x, w, b] if affine else [x], atol=1e-4)
    # check_op ran each forward once: the running statistics moved identically.
    np.testing.assert_allclose(ours_rm.numpy(), ref_rm.numpy(), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(ours_rv.numpy(), ref_rv.numpy(), atol=1e-5, rtol=1e-4)


def test_batch_norm_eval(rng):
    x, w, b = randn(rng, 3, 4, 5), randn(rng, 4), randn(rng, 4)
    rm, rv = randn(rng, 4), np.abs(randn(rng, 4)) + 0.5
    check_op(lambda x, w, b: E.batch_norm(x, E.Tensor(rm), E.Tensor(rv), w, b, training=False),
             lambda x, w, b: F.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, training=False), [x, w, b])
    with pytest.raises(ValueError, match="running"):
        E.batch_norm(E.Tensor(x), training=False)


def test_batch_norm_finite_differences(rng):
    check_finite_differences(lambda x: E.batch_norm(x), [randn(rng, 4, 3, 2)])
