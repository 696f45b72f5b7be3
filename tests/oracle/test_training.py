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
