"""Short training runs in embed.cpp and PyTorch from the same initial weights
and batches must reach the same parameters (within 1e-4)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import embedcpp as E


def mlp_params(rng):
    return [rng.standard_normal(s).astype(np.float32) * 0.3 for s in [(16, 8), (16,), (4, 16), (4,)]]


@pytest.mark.parametrize("opt", ["sgd", "momentum", "nesterov", "adam", "adamw"])
def test_two_layer_mlp_matches_torch(opt):
    rng = np.random.default_rng(0)
    init = mlp_params(rng)
    batches = [(rng.standard_normal((12, 8)).astype(np.float32), rng.integers(0, 4, 12)) for _ in range(8)]
    ours = [E.Tensor(p.copy(), requires_grad=True) for p in init]
    ref = [torch.tensor(p.copy(), requires_grad=True) for p in init]
    make = {
        "sgd": (lambda ps: E.SGD(ps, lr=0.1, weight_decay=0.01), lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.01)),
        "momentum": (lambda ps: E.SGD(ps, lr=0.1, momentum=0.9), lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
        "nesterov": (lambda ps: E.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
        "adam": (lambda ps: E.Adam(ps, lr=0.01, weight_decay=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.01)),
        "adamw": (lambda ps: E.Adam(ps, lr=0.01, weight_decay=0.1, decoupled=True),
                  lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1)),
    }[opt]
    o_ours, o_ref = make[0](ours), make[1](ref)
    losses = []
    for x, y in batches:
        o_ours.zero_grad()
        h = E.gelu(E.linear(E.Tensor(x), ours[0], ours[1]))
        loss = E.cross_entropy(E.linear(h, ours[2], ours[3]), E.Tensor(y.astype(np.int64)))
        loss.backward()
        E.clip_grad_norm(ours, 1.0)
        o_ours.step()
        o_ref.zero_grad()
        rl = F.cross_entropy(F.linear(F.gelu(F.linear(torch.tensor(x), ref[0], ref[1])), ref[2], ref[3]),
                             torch.tensor(y))
        rl.backward()
        torch.nn.utils.clip_grad_norm_(ref, 1.0)
        o_ref.step()
        losses.append(loss.item())
        assert abs(loss.item() - rl.item()) < 1e-4
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), atol=1e-4, rtol=1e-4)


def test_schedules_match_torch():
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for t in range(10):
        assert abs(opt.param_groups[0]["lr"] - E.step_decay(t, 3, 0.5)) < 1e-7
        opt.step()
        sched.step()
    assert E.warmup_linear(0, 10, 100) == 0.0
    assert abs(E.warmup_linear(5, 10, 100) - 0.5) < 1e-7
    assert abs(E.warmup_linear(55, 10, 100) - 0.5) < 1e-7
    assert abs(E.warmup_cosine(55, 10, 100) - 0.5) < 1e-6
    assert E.warmup_cosine(100, 10, 100) < 1e-7


def copy_weights(ours, ref):
    ours.load_state_dict({k: E.Tensor(v.detach().numpy().copy()) for k, v in ref.state_dict().items()})


def train_both(ours, ref, batches, forward_ours, forward_ref, make_opt):
    """Same batches, same optimizer, step by step; the losses agree at each step
    and the parameters (and buffers) at the end."""
    o_ours, o_ref = make_opt[0](ours.parameters()), make_opt[1](ref.parameters())
    for x, y in batches:
        o_ours.zero_grad()
        loss = E.cross_entropy(forward_ours(E.Tensor(x)), E.Tensor(y))
        loss.backward()
        o_ours.step()
        o_ref.zero_grad()
        rl = F.cross_entropy(forward_ref(torch.tensor(x)), torch.tensor(y))
        rl.backward()
        o_ref.step()
        assert abs(loss.item() - rl.item()) < 1e-4
    state = ours.state_dict()
    for name, v in ref.state_dict().items():
        np.testing.assert_allclose(state[name].numpy(), v.detach().numpy(), atol=1e-4, rtol=1e-4, err_msg=name)


OPTIMIZERS = {
    "momentum": (lambda ps: E.SGD(ps, lr=0.05, momentum=0.9), lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    "adam": (lambda ps: E.Adam(ps, lr=0.005), lambda ps: torch.optim.Adam(ps, lr=0.005)),
}


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_small_cnn_matches_torch(opt):
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    # No bias before BatchNorm: its true gradient is 0, and Adam would amplify
    # the rounding noise of either library into different updates.
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 3, padding=1, bias=False), torch.nn.BatchNorm2d(6), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 8, 3, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
        torch.nn.Linear(8, 4))
    ours = E.Sequential([
        E.Conv2d(1, 6, (3, 3), padding=(1, 1), bias=False), E.BatchNorm2d(6), E.Activation("relu"), E.MaxPool2d((2, 2)),
        E.Conv2d(6, 8, (3, 3), stride=(2, 2)), E.Activation("relu"), E.AdaptiveAvgPool2d((1, 1)), E.Flatten(),
        E.Linear(8, 4)])
    copy_weights(ours, ref)
    batches = [(rng.standard_normal((8, 1, 12, 12)).astype(np.float32), rng.integers(0, 4, 8)) for _ in range(6)]
    train_both(ours, ref, batches, ours, ref, OPTIMIZERS[opt])


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_one_layer_gru_matches_torch(opt):
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    ref_gru, ref_head = torch.nn.GRU(5, 7, batch_first=True), torch.nn.Linear(7, 3)
    ours_gru, ours_head = E.GRU(5, 7), E.Linear(7, 3)
    copy_weights(ours_gru, ref_gru)
    copy_weights(ours_head, ref_head)

    class Both:  # one parameter list and state dict over the two modules
        def __init__(self, gru, head):
            self.gru, self.head = gru, head

        def parameters(self):
            return list(self.gru.parameters()) + list(self.head.parameters())

        def state_dict(self):
            return {**{"gru." + k: v for k, v in self.gru.state_dict().items()},
                    **{"head." + k: v for k, v in self.head.state_dict().items()}}

    def forward_ours(x):
        _, h = ours_gru(x)
        return ours_head(E.reshape(h, [x.shape[0], 7]))

    def forward_ref(x):
        _, h = ref_gru(x)
        return ref_head(h[0])

    batches = [(rng.standard_normal((6, 9, 5)).astype(np.float32), rng.integers(0, 3, 6)) for _ in range(6)]
    train_both(Both(ours_gru, ours_head), Both(ref_gru, ref_head), batches, forward_ours, forward_ref,
               OPTIMIZERS[opt])
