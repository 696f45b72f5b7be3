"""Row-sparse embedding gradients vs torch.nn.Embedding(sparse=True): the
same rows and values, accumulation with dense gradients (tied weights), and
training with SGD, SparseAdam and gradient clipping to the same parameters."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import embedcpp as E
from conftest import assert_close, randn


def test_sparse_gradient_rows_and_values(rng):
    w = randn(rng, 10, 4)
    ids = np.array([[3, 7, 3], [0, 9, 7]], dtype=np.int64)
    g = randn(rng, 2, 3, 4)
    ours = E.Tensor(w, requires_grad=True)
    E.embedding(E.Tensor(ids), ours, 9, sparse_grad=True).backward(E.Tensor(g))
    ref = torch.tensor(w, requires_grad=True)
    F.embedding(torch.tensor(ids), ref, padding_idx=9, sparse=True).backward(torch.tensor(g))
    ref_grad = ref.grad.coalesce()
    rows, values = ours.sparse_grad
    np.testing.assert_array_equal(rows.numpy(), ref_grad.indices()[0].numpy())  # sorted, unique, padding kept out
    assert_close(values.numpy(), ref_grad.values().numpy())
    assert_close(ours.grad.numpy(), ref_grad.to_dense().numpy())  # .grad is the dense form


def test_sparse_and_dense_gradients_accumulate(rng):
    # Tied weights: a sparse lookup plus a dense product of the same table, and a second backward.
    w, x = randn(rng, 6, 3), randn(rng, 2, 3)
    ids = np.array([1, 4, 1], dtype=np.int64)
    ours = E.Tensor(w, requires_grad=True)
    ref = torch.tensor(w, requires_grad=True)
    for _ in range(2):
        E.sum(E.embedding(E.Tensor(ids), ours, -1, True)).backward()
        F.embedding(torch.tensor(ids), ref).sum().backward()
    assert ours.sparse_grad is not None  # sparse + sparse stays sparse
    E.sum(E.matmul(E.Tensor(x), E.transpose(ours, 0, 1))).backward()
    (torch.tensor(x) @ ref.T).sum().backward()
    assert ours.sparse_grad is None  # a dense contribution makes it dense
    assert_close(ours.grad.numpy(), ref.grad.numpy())


def lookup_model(seed):
    rng = np.random.default_rng(seed)
    return randn(rng, 50, 8), randn(rng, 3, 8), [rng.integers(0, 50, (6, 5)) for _ in range(6)], \
        [rng.integers(0, 3, 6) for _ in range(6)]


@pytest.mark.parametrize("opt", ["sgd", "sparse_adam", "sgd_clipped"])
def test_training_with_sparse_gradients_matches_torch(opt):
    table, head, batches, labels = lookup_model(5)
    e_w, e_h = E.Tensor(table.copy(), requires_grad=True), E.Tensor(head.copy(), requires_grad=True)
    t_w, t_h = torch.tensor(table.copy(), requires_grad=True), torch.tensor(head.copy(), requires_grad=True)
    if opt == "sparse_adam":
        ours = [E.SparseAdam([e_w], lr=0.05), E.Adam([e_h], lr=0.05)]
        refs = [torch.optim.SparseAdam([t_w], lr=0.05), torch.optim.Adam([t_h], lr=0.05)]
    else:
        ours = [E.SGD([e_w, e_h], lr=0.5)]
        refs = [torch.optim.SGD([t_w, t_h], lr=0.5)]
    for ids, y in zip(batches, labels):
        for o in ours + refs:
            o.zero_grad()
        pooled = E.mean(E.embedding(E.Tensor(ids), e_w, -1, True), [1])
        loss = E.cross_entropy(E.matmul(pooled, E.transpose(e_h, 0, 1)), E.Tensor(y))
        loss.backward()
        ref_loss = F.cross_entropy(F.embedding(torch.tensor(ids), t_w, sparse=True).mean(1) @ t_h.T, torch.tensor(y))
        ref_loss.backward()
        if opt == "sgd_clipped":
            # The reference clip is written out: torch 1.13's clip_grad_norm_
            # takes the norm of an uncoalesced sparse gradient entry by entry
            # (duplicates separately) and its in-place scaling does not reach
            # a sparse .grad. The definition: ‖g‖ over the dense gradients,
            # scale by max_norm / (‖g‖ + 1e-6) when below 1.
            t_w.grad = t_w.grad.coalesce()
            norm = torch.sqrt(t_w.grad.values().pow(2).sum() + t_h.grad.pow(2).sum())
            coef = min(1.0, 0.05 / (norm.item() + 1e-6))
            t_w.grad, t_h.grad = t_w.grad * coef, t_h.grad * coef
            assert abs(E.clip_grad_norm([e_w, e_h], 0.05) - norm.item()) < 1e-5
        for o in ours + refs:
            o.step()
        assert abs(loss.item() - ref_loss.item()) < 1e-5
    assert_close(e_w.numpy(), t_w.detach().numpy(), 1e-5, 1e-4, "table")
    assert_close(e_h.numpy(), t_h.detach().numpy(), 1e-5, 1e-4, "head")


def test_sparse_adam_rejects_dense_gradients(rng):
    w = E.Tensor(randn(rng, 4, 2), requires_grad=True)
    E.sum(E.mul(w, w)).backward()
    with pytest.raises(ValueError, match="row-sparse"):
        E.SparseAdam([w]).step()


def test_embedding_module_sparse_flag(rng):
    emb = E.Embedding(20, 4, sparse_grad=True, seed=1)
    E.sum(emb(E.Tensor(np.array([2, 5, 2], dtype=np.int64)))).backward()
    rows, values = emb.named_parameters()[0][1].sparse_grad
    np.testing.assert_array_equal(rows.numpy(), [2, 5])
    np.testing.assert_array_equal(values.numpy(), [[2.0] * 4, [1.0] * 4])
