"""nn modules vs their torch.nn counterparts: same state-dict names, and the
same outputs and gradients once PyTorch's weights are loaded."""
import numpy as np
import pytest
import torch
import torch.nn as tnn

import embedcpp as E
from conftest import assert_close, randn

torch.manual_seed(0)


def copy_weights(ours, ref):
    """Loads the torch module's state into ours (strict: the names must agree)."""
    state = {k: E.Tensor(v.detach().numpy().copy()) for k, v in ref.state_dict().items()}
    ours.load_state_dict(state)


def backward_both(ours_out, ref_out, rng):
    g = rng.standard_normal(ref_out.shape).astype(np.float32)
    ours_out.backward(E.Tensor(g))
    ref_out.backward(torch.tensor(g))


def assert_grads(ours, ref, atol=1e-5, rtol=1e-4):
    ours_grads = {n: p.grad for n, p in ours.named_parameters()}
    for name, p in ref.named_parameters():
        assert ours_grads[name] is not None, f"no gradient for {name}"
        assert_close(ours_grads[name].numpy(), p.grad.numpy(), atol, rtol, f"grad of {name}")


def leaf_pair(a):
    return E.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("make", [
    lambda: (E.Linear(5, 3, seed=1), tnn.Linear(5, 3)),
    lambda: (E.Conv2d(3, 4, (3, 3), padding=(1, 1), seed=1), tnn.Conv2d(3, 4, 3, padding=1)),
    lambda: (E.Conv1d(3, 4, 3, stride=2, groups=1, seed=1), tnn.Conv1d(3, 4, 3, stride=2)),
    lambda: (E.LayerNorm(6), tnn.LayerNorm(6)),
])
def test_unary_modules_match_torch(make, rng):
    ours, ref = make()
    assert sorted(k for k, _ in ours.named_parameters()) == sorted(k for k, _ in ref.named_parameters())
    copy_weights(ours, ref)
    shape = {tnn.Linear: (4, 5), tnn.Conv2d: (2, 3, 6, 5), tnn.Conv1d: (2, 3, 9), tnn.LayerNorm: (3, 6)}[type(ref)]
    x_ours, x_ref = leaf_pair(randn(rng, *shape))
    y_ours, y_ref = ours(x_ours), ref(x_ref)
    assert_close(y_ours.numpy(), y_ref.detach().numpy(), 1e-5, 1e-4, "forward")
    backward_both(y_ours, y_ref, rng)
    assert_close(x_ours.grad.numpy(), x_ref.grad.numpy(), 1e-5, 1e-4, "grad of input")
    assert_grads(ours, ref)


@pytest.mark.parametrize("cls,ref_cls,shape", [(E.BatchNorm1d, tnn.BatchNorm1d, (8, 4)),
                                               (E.BatchNorm1d, tnn.BatchNorm1d, (3, 4, 5)),
                                               (E.BatchNorm2d, tnn.BatchNorm2d, (3, 4, 2, 3))])
def test_batchnorm_module_train_then_eval(cls, ref_cls, shape, rng):
    ours, ref = cls(4, momentum=0.2), ref_cls(4, momentum=0.2)
    assert sorted(ours.state_dict()) == sorted(ref.state_dict())
    for _ in range(3):
        x = randn(rng, *shape)
        assert_close(ours(E.Tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(), 1e-5, 1e-4, "train")
    state = ours.state_dict()
    for k, v in ref.state_dict().items():
        assert_close(state[k].numpy(), v.numpy(), 1e-5, 1e-4, k)
    ours.eval(), ref.eval()
    x = randn(rng, *shape)
    assert_close(ours(E.Tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(), 1e-5, 1e-4, "eval")
    with pytest.raises(ValueError, match="rank"):
        ours(E.Tensor(randn(rng, 2, 4, 1, 1, 1)))


def test_dropout_module_train_and_eval(rng):
    d = E.Dropout(0.5, seed=3)
    x = E.Tensor(np.ones((1000,), dtype=np.float32))
    y = d(x).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6
    np.testing.assert_array_equal(E.Dropout(0.5, seed=3)(x).numpy(), y)  # same seed, same mask
    d.eval()
    np.testing.assert_array_equal(d(x).numpy(), x.numpy())


def test_sequential_names_and_forward(rng):
    ours = E.Sequential([E.Linear(4, 8, seed=1), E.Activation("gelu"), E.Linear(8, 2, seed=2)])
    ref = tnn.Sequential(tnn.Linear(4, 8), tnn.GELU(), tnn.Linear(8, 2))
    assert sorted(ours.state_dict()) == sorted(ref.state_dict())
    copy_weights(ours, ref)
    x = randn(rng, 5, 4)
    assert_close(ours(E.Tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy())
    assert len(ours) == 3
    with pytest.raises(ValueError, match="unknown activation"):
        E.Activation("swishy")


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (1, True), (2, True)])
def test_recurrent_matches_torch(cell, layers, bidirectional, rng):
    ours = getattr(E, cell)(3, 5, num_layers=layers, bidirectional=bidirectional, seed=1)
    ref = getattr(tnn, cell)(3, 5, num_layers=layers, bidirectional=bidirectional, batch_first=True)
    assert sorted(ours.state_dict()) == sorted(ref.state_dict())
    copy_weights(ours, ref)
    x_ours, x_ref = leaf_pair(randn(rng, 2, 6, 3))
    dirs = 2 if bidirectional else 1
    h0 = randn(rng, layers * dirs, 2, 5)
    if cell == "GRU":
        y, h = ours(x_ours, E.Tensor(h0))
        y_ref, h_ref = ref(x_ref, torch.tensor(h0))
        finals = [(h, h_ref)]
    else:
        c0 = randn(rng, layers * dirs, 2, 5)
        y, (h, c) = ours(x_ours, E.Tensor(h0), E.Tensor(c0))
        y_ref, (h_ref, c_ref) = ref(x_ref, (torch.tensor(h0), torch.tensor(c0)))
        finals = [(h, h_ref), (c, c_ref)]
    assert_close(y.numpy(), y_ref.detach().numpy(), 1e-5, 1e-4, "output")
    for a, b in finals:
        assert_close(a.numpy(), b.detach().numpy(), 1e-5, 1e-4, "final state")
    backward_both(y, y_ref, rng)
    assert_close(x_ours.grad.numpy(), x_ref.grad.numpy(), 1e-5, 1e-4, "grad of input")
    assert_grads(ours, ref)


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_recurrent_lengths_match_packed_sequences(cell, rng):
    ours = getattr(E, cell)(3, 4, bidirectional=True, seed=1)
    ref = getattr(tnn, cell)(3, 4, bidirectional=True, batch_first=True)
    copy_weights(ours, ref)
    lengths = np.array([5, 2, 4], dtype=np.int64)
    x_ours, x_ref = leaf_pair(randn(rng, 3, 5, 3))
    out = ours(x_ours, lengths=E.Tensor(lengths))
    packed = tnn.utils.rnn.pack_padded_sequence(x_ref, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    ref_out = ref(packed)
    y_ref, _ = tnn.utils.rnn.pad_packed_sequence(ref_out[0], batch_first=True, total_length=5)
    h_ref = ref_out[1] if cell == "GRU" else ref_out[1][0]
    h = out[1] if cell == "GRU" else out[1][0]
    assert_close(out[0].numpy(), y_ref.detach().numpy(), 1e-5, 1e-4, "padded output")
    assert_close(h.numpy(), h_ref.detach().numpy(), 1e-5, 1e-4, "final state")
    backward_both(out[0], y_ref, rng)
    assert_close(x_ours.grad.numpy(), x_ref.grad.numpy(), 1e-5, 1e-4, "grad of input")


def test_recurrent_rejects_bad_input(rng):
    gru = E.GRU(3, 4)
    with pytest.raises(ValueError, match="batch, time, 3"):
        gru(E.Tensor(randn(rng, 2, 5, 4)))
    with pytest.raises(ValueError, match="outside"):
        gru(E.Tensor(randn(rng, 2, 5, 3)), lengths=E.Tensor(np.array([6, 1], dtype=np.int64)))
    with pytest.raises(ValueError, match="initial state"):
        gru(E.Tensor(randn(rng, 2, 5, 3)), E.Tensor(randn(rng, 1, 3, 4)))


@pytest.mark.parametrize("masks", ["none", "padding", "causal", "both", "additive"])
@pytest.mark.parametrize("average", [True, False])
def test_multi_head_attention(masks, average, rng):
    ours, ref = E.MultiHeadAttention(8, 2, seed=1), tnn.MultiheadAttention(8, 2, batch_first=True)
    assert sorted(ours.state_dict()) == sorted(ref.state_dict())
    copy_weights(ours, ref)
    b, tq, tk = 3, 4, 4
    q_ours, q_ref = leaf_pair(randn(rng, b, tq, 8))
    kv = randn(rng, b, tk, 8)
    kv_ours, kv_ref = leaf_pair(kv)
    pad = np.zeros((b, tk), dtype=np.uint8)
    pad[0, 3] = pad[2, 1:] = 1
    kwargs_ours, kwargs_ref = {}, {}
    if masks in ("padding", "both"):
        kwargs_ours["key_padding_mask"] = E.Tensor(pad)
        kwargs_ref["key_padding_mask"] = torch.tensor(pad.astype(bool))
    if masks in ("causal", "both"):
        kwargs_ours["causal"] = True
        kwargs_ref["attn_mask"] = torch.triu(torch.ones(tq, tk, dtype=torch.bool), 1)
    if masks == "additive":
        add = randn(rng, tq, tk)
        kwargs_ours["attn_mask"] = E.Tensor(add)
        kwargs_ref["attn_mask"] = torch.tensor(add)
    y, w = ours(q_ours, kv_ours, kv_ours, average_heads=average, **kwargs_ours)
    y_ref, w_ref = ref(q_ref, kv_ref, kv_ref, average_attn_weights=average, **kwargs_ref)
    assert_close(y.numpy(), y_ref.detach().numpy(), 1e-5, 1e-4, "output")
    assert_close(w.numpy(), w_ref.detach().numpy(), 1e-5, 1e-4, "weights")
    backward_both(y, y_ref, rng)
    assert_close(q_ours.grad.numpy(), q_ref.grad.numpy(), 1e-5, 1e-4, "grad of query")
    assert_close(kv_ours.grad.numpy(), kv_ref.grad.numpy(), 1e-5, 1e-4, "grad of key/value")
    assert_grads(ours, ref)


def test_attention_rejects_bad_shapes(rng):
    with pytest.raises(ValueError, match="multiple"):
        E.MultiHeadAttention(6, 4)
    mha = E.MultiHeadAttention(8, 2)
    x = E.Tensor(randn(rng, 2, 3, 8))
    with pytest.raises(ValueError, match="key_padding_mask"):
        mha(x, x, x, key_padding_mask=E.Tensor(np.zeros((2, 4), dtype=np.uint8)))
    y, w = mha(x, x, x, need_weights=False)
    assert w is None and y.shape == [2, 3, 8]


def test_module_save_load_roundtrip(tmp_path, rng):
    a = E.Sequential([E.Conv2d(2, 3, (3, 3), seed=1), E.BatchNorm2d(3), E.Activation("relu"),
                      E.AdaptiveAvgPool2d((1, 1)), E.Flatten(), E.Linear(3, 2, seed=2)])
    x = E.Tensor(randn(rng, 4, 2, 5, 5))
    a(x)  # moves the running statistics
    path = str(tmp_path / "m.safetensors")
    a.save(path)
    b = E.Sequential([E.Conv2d(2, 3, (3, 3), seed=7), E.BatchNorm2d(3), E.Activation("relu"),
                      E.AdaptiveAvgPool2d((1, 1)), E.Flatten(), E.Linear(3, 2, seed=8)])
    b.load(path)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
