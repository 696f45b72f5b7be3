"""Elementwise, softmax and layer_norm: embed.cpp vs PyTorch on the same
inputs in the same process, same thread count. Prints the best times and the
median of per-round ours/torch time ratios (below 1 means we are faster)."""
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

import embedcpp as E


def paired_ratio(ours, ref, rounds=9, reps=20):
    """Alternates blocks: `reps` calls of ours, then `reps` of ref, and
    keeps the fastest call of each block. Blocks keep each library's working
    set warm (single alternating calls made each evict the other's buffers
    from cache), and alternating them lets drift in machine speed (a shared
    VM) hit both alike. Returns the best times and the median of the
    per-round ratios."""
    ours(), ref()

    def block(fn):
        best = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        return best

    a, b = [], []
    for _ in range(rounds):
        a.append(block(ours))
        b.append(block(ref))
    return min(a), min(b), statistics.median(x / y for x, y in zip(a, b))


def main():
    for threads in (1, 2):
        torch.set_num_threads(threads)
        E.set_num_threads(threads)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((4096, 1024)).astype(np.float32)
        y = rng.standard_normal((4096, 1024)).astype(np.float32)
        w = rng.standard_normal(1024).astype(np.float32)
        ex, ey, ew = E.Tensor(x), E.Tensor(y), E.Tensor(w)
        tx, ty, tw = torch.tensor(x), torch.tensor(y), torch.tensor(w)
        # Leaves that require grad, for the forward+backward cases.
        gx, hx = E.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        eg, tg = E.Tensor(y), torch.tensor(y)
        cases = {
            "add [4096x1024]": (lambda: E.add(ex, ey), lambda: tx + ty),
            "mul broadcast row": (lambda: E.mul(ex, ew), lambda: tx * tw),
            "gelu": (lambda: E.gelu(ex), lambda: F.gelu(tx)),
            "exp": (lambda: E.exp(ex), lambda: torch.exp(tx)),
            "softmax last axis": (lambda: E.softmax(ex, -1), lambda: torch.softmax(tx, -1)),
            "layer_norm 1024": (lambda: E.layer_norm(ex, [1024], ew, ew), lambda: F.layer_norm(tx, [1024], tw, tw)),
            "sum last axis": (lambda: E.sum(ex, [-1]), lambda: tx.sum(-1)),
            "gelu fwd+bwd": (lambda: E.gelu(gx).backward(eg), lambda: F.gelu(hx).backward(tg)),
            "softmax fwd+bwd": (lambda: E.softmax(gx, -1).backward(eg), lambda: torch.softmax(hx, -1).backward(tg)),
            "layer_norm fwd+bwd": (lambda: E.layer_norm(gx, [1024], ew, ew).backward(eg),
                                   lambda: F.layer_norm(hx, [1024], tw, tw).backward(tg)),
        }
        print(f"threads={threads}")
        print(f"{'op':24s} {'ours ms':>9s} {'torch ms':>9s} {'ours/torch':>10s}")
        # Warm both thread pools and allocators at this thread count first:
        # the first cases after a thread-count change otherwise pay for it.
        for ours, ref in cases.values():
            for _ in range(5):
                ours(), ref()
        for name, (ours, ref) in cases.items():
            a, b, ratio = paired_ratio(ours, ref)
            print(f"{name:24s} {a * 1e3:9.3f} {b * 1e3:9.3f} {ratio:10.2f}")


if __name__ == "__main__":
    main()
