"""Elementwise ops vs PyTorch: forward and backward, broadcasting,
non-contiguous inputs, and finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import embedcpp as E
from conftest import check_finite_differences, check_op, randn

BINARY = {
    "add": (E.add, torch.add),
    "sub": (E.sub, torch.sub),
    "mul": (E.mul, torch.mul),
    "div": (E.div, torch.div),
}
SHAPES = [((4, 5), (4, 5)), ((3, 4, 5), (5,)), ((3, 1, 5), (4, 1)), ((2, 3), ()), ((1,), (6, 2, 1))]


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("layout", ["c", "t"])
def test_binary(name, shapes, layout, rng):
    ours, ref = BINARY[name]
    a = randn(rng, *shapes[0])
    b = randn(rng, *shapes[1])
    if name == "div":
        b = np.sign(b) * (np.abs(b) + 0.5)  # keep away from 0
    check_op(ours, ref, [a, b], layout=layout)


UNARY = {
    "neg": (E.neg, torch.neg, None),
    "exp": (E.exp, torch.exp, None),
    "log": (E.log, torch.log, "positive"),
    "sqrt": (E.sqrt, torch.sqrt, "positive"),
    "abs": (E.abs, torch.abs, None),
    "relu": (E.relu, torch.relu, None),
    "gelu": (E.gelu, F.gelu, None),
    "gelu_tanh": (lambda x: E.gelu(x, "tanh"), lambda x: F.gelu(x, approximate="tanh"), None),
    "silu": (E.silu, F.silu, None),
    "tanh": (E.tanh, torch.tanh, None),
    "sigmoid": (E.sigmoid, torch.sigmoid, None),
    "leaky_relu": (lambda x: E.leaky_relu(x, 0.1), lambda x: F.leaky_relu(x, 0.1), None),
    "elu": (lambda x: E.elu(x, 0.7), lambda x: F.elu(x, 0.7), None),
    "pow3": (lambda x: E.pow(x, 3.0), lambda x: torch.pow(x, 3.0), None),
    "pow_half": (lambda x: E.pow(x, 0.5), lambda x: torch.pow(x, 0.5), "positive"),
    "clamp": (lambda x: E.clamp(x, -0.5, 0.7), lambda x: torch.clamp(x, -0.5, 0.7), None),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("layout", ["c", "t"])
def test_unary(name, shape, layout, rng):
    ours, ref, domain = UNARY[name]
    x = randn(rng, *shape, scale=2.0)
    if domain == "positive":
        x = np.abs(x) + 0.1
    check_op(ours, ref, [x], layout=layout)


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "gelu", "gelu_tanh", "silu", "elu"])
def test_unary_finite_differences(name, rng):
    check_finite_differences(UNARY[name][0], [randn(rng, 4, 3)])


def test_binary_finite_differences(rng):
    a, b = randn(rng, 3, 4), np.abs(randn(rng, 4)) + 0.5
    check_finite_differences(E.div, [a, b.astype(np.float32)])
    check_finite_differences(E.mul, [a, randn(rng, 3, 1)])


def test_sigmoid_extremes():
    x = np.array([-1000.0, -88.0, 0.0, 88.0, 1000.0], dtype=np.float32)
    np.testing.assert_allclose(E.sigmoid(E.Tensor(x)).numpy(), torch.sigmoid(torch.tensor(x)).numpy(), atol=1e-7)


def test_broadcast_error_names_shapes():
    with pytest.raises(ValueError, match=r"\[2, 3\] and \[4\]"):
        E.add(E.Tensor(np.zeros((2, 3), np.float32)), E.Tensor(np.zeros(4, np.float32)))


def test_grad_accumulates_over_uses(rng):
    x = randn(rng, 5)
    ours = E.Tensor(x, requires_grad=True)
    y = E.add(E.mul(ours, ours), E.exp(ours))
    E.sum(y).backward()
    ref = torch.tensor(x, requires_grad=True)
    (ref * ref + ref.exp()).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=1e-5)
