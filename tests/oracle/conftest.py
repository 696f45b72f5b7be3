"""Shared helpers for the oracle tests: run an op in embed.cpp and in PyTorch on
the same inputs, compare outputs and gradients, and check gradients against
central finite differences.

Tolerances (the project standard for float32): 1e-5 absolute + 1e-4 relative.
"""
import glob
import json
import os
import re

import numpy as np
import pytest
import torch

import embedcpp as E

ATOL = 1e-5
RTOL = 1e-4

torch.set_num_threads(1)


def assert_close(ours, ref, atol=ATOL, rtol=RTOL, what=""):
    ours = np.asarray(ours)
    ref = np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != {ref.shape}"
    np.testing.assert_allclose(ours, ref, atol=atol, rtol=rtol, err_msg=what)


def make_leaf(a, grad, layout):
    """Leaf tensors in both libraries. layout='t' stores the array transposed and
    hands the op a transposed (non-contiguous) view of it."""
    if layout == "t" and a.ndim >= 2:
        stored = np.ascontiguousarray(np.swapaxes(a, -1, -2))
        ours_leaf = E.Tensor(stored, requires_grad=grad)
        ref_leaf = torch.tensor(stored, requires_grad=grad)
        return ours_leaf, ref_leaf, E.transpose(ours_leaf, -1, -2), ref_leaf.transpose(-1, -2)
    ours_leaf = E.Tensor(a, requires_grad=grad)
    ref_leaf = torch.tensor(a, requires_grad=grad)
    return ours_leaf, ref_leaf, ours_leaf, ref_leaf


def check_op(ours_fn, ref_fn, inputs, grads=None, layout="c", atol=ATOL, rtol=RTOL, seed=0):
    """inputs: numpy arrays (float32 ones may get gradients). grads: indices of
    inputs to differentiate (default: every float input)."""
    rng = np.random.default_rng(seed)
    inputs = [np.asarray(a) for a in inputs]
    if grads is None:
        grads = [i for i, a in enumerate(inputs) if a.dtype == np.float32]
    ours_leaves, ref_leaves, ours_in, ref_in = [], [], [], []
    for i, a in enumerate(inputs):
        ol, rl, ov, rv = make_leaf(a, i in grads, layout if a.dtype == np.float32 else "c")
        ours_leaves.append(ol), ref_leaves.append(rl), ours_in.append(ov), ref_in.append(rv)
    out = ours_fn(*ours_in)
    ref = ref_fn(*ref_in)
    assert_close(out.numpy(), ref.detach().numpy(), atol, rtol, "forward")
    if not grads:
        return
    g = rng.standard_normal(ref.shape).astype(np.float32)
    out.backward(E.Tensor(g))
    ref.backward(torch.tensor(g))
    for i in grads:
        assert ours_leaves[i].grad is not None, f"no gradient for input {i}"
        assert_close(ours_leaves[i].grad.numpy(), ref_leaves[i].grad.numpy(), atol, rtol, f"grad of input {i}")


def check_finite_differences(fn, inputs, eps=1e-2, atol=5e-3, rtol=2e-2, samples=6, seed=1):
    """Our backward against central differences of our own forward on a few
    coordinates. float32 forward, so eps and tolerances are loose but the
    check still catches a wrong rule (errors of order 1)."""
    rng = np.random.default_rng(seed)
    leaves = [E.Tensor(a, requires_grad=True) for a in inputs]
    out = fn(*leaves)
    r = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(E.Tensor(r))

    def loss(arrays):
        y = fn(*[E.Tensor(a) for a in arrays]).numpy().astype(np.float64)
        return float((y * r).sum())

    for i, a in enumerate(inputs):
        analytic = leaves[i].grad.numpy()
        for _ in range(samples):
            idx = tuple(rng.integers(0, s) for s in a.shape)
            plus = [x.copy() for x in inputs]
            minus = [x.copy() for x in inputs]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric = (loss(plus) - loss(minus)) / (2 * eps)
            assert abs(numeric - analytic[idx]) <= atol + rtol * abs(numeric), (
                f"input {i} at {idx}: finite difference {numeric} vs backward {analytic[idx]}")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def randn(rng, *shape, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32)


def write_licence_corpus(path):
    """Real text for the word-vector tests: the licence texts of
    /usr/share/common-licenses (~48k words), lower-cased a-z words, one line
    per line of the licences."""
    lines = []
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(f):
            lines += [" ".join(re.findall(r"[a-z]+", line.lower())) for line in open(f, errors="replace")]
    path.write_text("\n".join(line for line in lines if line) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_licence_corpus(tmp_path_factory.mktemp("corpus") / "licences.txt")


def licence_paragraphs():
    """Real documents for the search tests: the paragraphs of
    /usr/share/common-licenses (over 300), titled by their file."""
    docs = []
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if not os.path.isfile(f):
            continue
        for para in re.split(r"\n\s*\n", open(f, errors="replace").read()):
            text = " ".join(para.split())
            if re.search(r"[A-Za-z]{3}", text):
                docs.append({"title": os.path.basename(f), "text": text})
    assert len(docs) > 300
    return docs


def write_jsonl(path, docs):
    with open(path, "w") as out:
        for d in docs:
            out.write(json.dumps(d) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def licence_model(corpus, tmp_path_factory):
    """A small fastText-style subword model trained on the licence corpus."""
    _, _, _, _, m = E.train_word2vec([corpus], dim=24, epochs=2, min_count=2, min_n=3, max_n=5, buckets=5003, seed=3)
    path = str(tmp_path_factory.mktemp("model") / "licences.bin")
    m.save_fasttext(path)
    return path
