"""GloVe against a direct Python/NumPy implementation of the Stanford
reference (glove.c and cooccur.c, Pennington et al. 2014), written here from
the paper's formulas and glove.c's update order:

- co-occurrences: for word j and each of the `window` kept words i before it
  on the same line, X[i, j] += 1/(j - i), and X[j, i] too when symmetric;
- one AdaGrad step per nonzero X_ij, float64 here, float32 in ours.

No Debian package ships GloVe, so the reference is this file; the counts must
agree to 1e-12 and the parameters after two epochs (fixed visiting order, one
thread) to 1e-4 relative. Training quality on a real corpus is the loss
falling every epoch (acceptance point) and in docs/BENCHMARKS.md.
"""
import collections
import os

import numpy as np
import pytest

import embedcpp as E

DATA = os.path.join(os.path.dirname(__file__), "../../../shared/data/corpora")
LEE = os.path.join(DATA, "lee.cor")
LEE_BACKGROUND = os.path.join(DATA, "lee_background.cor")

pytestmark = pytest.mark.skipif(not os.path.exists(LEE), reason="../shared/data/corpora (Lee corpus) not present")


def lines(path):
    # Split at ASCII whitespace, as ours, then decode (Lee has Latin-1 bytes: replaced by U+FFFD).
    return [[w.decode("utf-8", "replace") for w in line.split()] for line in open(path, "rb")]


def reference_vocabulary(path, min_count):
    counts = collections.Counter(w for line in lines(path) for w in line)
    kept = {w for w, c in counts.items() if c >= min_count}
    return kept, counts


def reference_cooccurrences(path, vocabulary, window, symmetric):
    index = {w: i for i, w in enumerate(vocabulary)}
    x = collections.defaultdict(float)
    for line in lines(path):
        ids = [index[w] for w in line if w in index]  # unknown words go before windowing
        for j, w2 in enumerate(ids):
            for i in range(j - 1, max(-1, j - window - 1), -1):
                x[ids[i], w2] += 1.0 / (j - i)
                if symmetric:
                    x[w2, ids[i]] += 1.0 / (j - i)
    return x


@pytest.mark.parametrize("window,symmetric", [(1, True), (5, True), (10, False)])
def test_cooccurrence_counts_match_reference(window, symmetric):
    words, rows, cols, values = E.glove_cooccurrences([LEE], window=window, symmetric=symmetric, min_count=2,
                                                  invalid_utf8="replace")
    kept, counts = reference_vocabulary(LEE, 2)
    assert set(words) == kept
    assert [counts[w] for w in words] == sorted((counts[w] for w in words), reverse=True)
    ref = reference_cooccurrences(LEE, words, window, symmetric)
    assert len(rows) == len(ref)
    keys = list(zip(rows.tolist(), cols.tolist()))
    assert keys == sorted(ref)  # sorted by (row, column), no duplicates
    np.testing.assert_allclose(values, [ref[k] for k in keys], rtol=1e-12)


def test_counts_do_not_depend_on_threads():
    E.set_num_threads(1)
    one = E.glove_cooccurrences([LEE_BACKGROUND], window=8, invalid_utf8="replace")
    E.set_num_threads(2)
    two = E.glove_cooccurrences([LEE_BACKGROUND], window=8, invalid_utf8="replace")
    assert one[0] == two[0]
    for a, b in zip(one[1:], two[1:]):
        np.testing.assert_array_equal(a, b)


def reference_training(rows, cols, x, params, epochs, x_max, alpha, eta):
    w, c, bw, bc = (p.astype(np.float64) for p in params)
    gw, gc = np.ones_like(w), np.ones_like(c)
    gbw, gbc = np.ones_like(bw), np.ones_like(bc)
    losses = []
    for _ in range(epochs):
        cost = 0.0
        for i, j, xij in zip(rows, cols, x):
            diff = w[i] @ c[j] + bw[i] + bc[j] - np.log(xij)
            weighted = (xij / x_max) ** alpha * diff if xij < x_max else diff
            cost += 0.5 * weighted * diff
            g = eta * weighted
            grad_w, grad_c = g * c[j], g * w[i]
            w[i] -= grad_w / np.sqrt(gw[i])
            c[j] -= grad_c / np.sqrt(gc[j])
            gw[i] += grad_w**2
            gc[j] += grad_c**2
            bw[i] -= g / np.sqrt(gbw[i])
            bc[j] -= g / np.sqrt(gbc[j])
            gbw[i] += g * g
            gbc[j] += g * g
        losses.append(cost / len(x))
    return w, c, bw, bc, losses


def test_adagrad_steps_match_reference():
    E.set_num_threads(1)
    kw = dict(dim=8, window=4, min_count=3, x_max=5.0, alpha=0.75, eta=0.05, seed=7, shuffle=False, invalid_utf8="replace")
    init = E.train_glove([LEE], epochs=0, **kw)
    params = [init["word"], init["context"], init["word_bias"], init["context_bias"]]
    assert np.all(np.abs(init["word"]) <= 0.5 / 8) and init["word"].std() > 0.01
    trained = E.train_glove([LEE], epochs=2, **kw)
    _, rows, cols, x = E.glove_cooccurrences([LEE], window=4, min_count=3, invalid_utf8="replace")
    w, c, bw, bc, losses = reference_training(rows, cols, x, params, 2, 5.0, 0.75, 0.05)
    np.testing.assert_allclose(trained["epoch_loss"], losses, rtol=1e-4)
    for ours, ref in [(trained["word"], w), (trained["context"], c), (trained["word_bias"], bw),
                      (trained["context_bias"], bc)]:
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(trained["vectors"].vectors, trained["word"] + trained["context"], rtol=1e-6)


def test_loss_falls_every_epoch_on_real_text():
    E.set_num_threads(2)
    r = E.train_glove([LEE_BACKGROUND], dim=30, window=8, min_count=3, x_max=10.0, epochs=12,
                     invalid_utf8="replace")
    losses = r["epoch_loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.5 * losses[0], losses


@pytest.mark.parametrize("threads", [2, 3])
def test_stratified_epochs_match_reference(threads):
    # With B threads the pairs are trained stratum by stratum (Gemulla et al.
    # 2011): stratum k holds the cells (row block t, column block t + k mod B),
    # block = id mod B. Cells of a stratum touch disjoint parameters, so the
    # parallel run equals this sequential order exactly (up to float sums).
    E.set_num_threads(threads)
    kw = dict(dim=8, window=4, min_count=3, x_max=5.0, alpha=0.75, eta=0.05, seed=7, shuffle=False, invalid_utf8="replace")
    init = E.train_glove([LEE], epochs=0, **kw)
    params = [init["word"], init["context"], init["word_bias"], init["context_bias"]]
    trained = E.train_glove([LEE], epochs=2, **kw)
    _, rows, cols, x = E.glove_cooccurrences([LEE], window=4, min_count=3, invalid_utf8="replace")
    order = [i for k in range(threads) for t in range(threads)
             for i in np.flatnonzero((rows % threads == t) & (cols % threads == (t + k) % threads))]
    w, c, bw, bc, losses = reference_training(rows[order], cols[order], x[order], params, 2, 5.0, 0.75, 0.05)
    np.testing.assert_allclose(trained["epoch_loss"], losses, rtol=1e-4)
    for ours, ref in [(trained["word"], w), (trained["context"], c), (trained["word_bias"], bw),
                      (trained["context_bias"], bc)]:
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6)
    E.set_num_threads(1)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_same_seed_same_vectors_at_a_thread_count(threads):
    E.set_num_threads(threads)
    a = E.train_glove([LEE], dim=10, min_count=2, epochs=3, invalid_utf8="replace", seed=5)
    b = E.train_glove([LEE], dim=10, min_count=2, epochs=3, invalid_utf8="replace", seed=5)
    c = E.train_glove([LEE], dim=10, min_count=2, epochs=3, invalid_utf8="replace", seed=6)
    np.testing.assert_array_equal(a["vectors"].vectors, b["vectors"].vectors)
    assert not np.array_equal(a["vectors"].vectors, c["vectors"].vectors)
    E.set_num_threads(1)


def test_bad_input(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="no words"):
        E.train_glove([str(empty)])
    one = tmp_path / "one.txt"
    one.write_text("word word word\n")
    replaced = tmp_path / "bytes.txt"
    replaced.write_bytes(b"caf\xe9 caf\xe9 na\xefve caf\xc3\xa9 x\n" * 3)
    words, *_ = E.glove_cooccurrences([str(replaced)], min_count=1, invalid_utf8="replace")
    assert sorted(words) == sorted(["caf\ufffd", "na\ufffdve", "caf\u00e9", "x"])
    with pytest.raises(ValueError, match="too few"):
        E.train_glove([str(one)], min_count=1)
    for bad in [dict(x_max=0.0), dict(eta=-1.0), dict(dim=0), dict(window=0), dict(alpha=float("nan"))]:
        with pytest.raises(ValueError):
            E.train_glove([LEE], invalid_utf8="replace", **bad)
    with pytest.raises(ValueError, match=r"lee.cor: invalid UTF-8 in the word at byte \d+"):
        E.train_glove([LEE])
    with pytest.raises(ValueError, match="invalid_utf8 must be"):
        E.train_glove([LEE], invalid_utf8="ignore")
    with pytest.raises(Exception, match="missing"):
        E.train_glove([str(tmp_path / "missing.txt")])
