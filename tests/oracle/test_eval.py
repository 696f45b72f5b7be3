"""Embedding diagnostics (embed/eval) against NumPy and scikit-learn 1.2:

- collapse report: mean pairwise cosine over all pairs, np.var per
  dimension, singular values (np.linalg.svd), effective rank
  exp(H(s / sum s)), isotropy min Z / max Z over the eigenvectors of X^T X
  (np.linalg.eigh, both signs, log-sum-exp); a sampled mean cosine near the exact one.
- PCA equals sklearn.decomposition.PCA (coordinates with its svd_flip signs,
  explained variance and ratios).
- t-SNE: the affinities P equal scikit-learn's (_joint_probabilities_nn over
  its 3 * perplexity + 1 nearest neighbours); the embedding of 600 digits
  (sklearn's load_digits) is as trustworthy as sklearn.manifold.TSNE's and
  its KL divergence no worse.
- `embed eval plot|collapse|size` through the CLI.
"""
import os
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import embedcpp as E

EMBED = os.environ.get("EMBED_BIN", "embed")


def numpy_collapse(x):
    x = x.astype(np.float64)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    c = u @ u.T
    n = len(x)
    mean_cos = (c.sum() - np.trace(c)) / (n * (n - 1))
    s = np.linalg.svd(x, compute_uv=False)
    p = s / s.sum()
    erank = np.exp(-(p[p > 0] * np.log(p[p > 0])).sum())
    _, vecs = np.linalg.eigh(x.T @ x)
    dots = np.concatenate([x @ vecs, -(x @ vecs)], axis=1)  # both signs of each eigenvector
    top = dots.max(axis=0)
    log_z = top + np.log(np.exp(dots - top).sum(axis=0))
    return mean_cos, np.var(x, axis=0), s, erank, np.exp(log_z.min() - log_z.max())


@pytest.mark.parametrize("shape,offset", [((300, 16), 0.0), ((500, 40), 2.0), ((64, 128), 0.5)])
def test_collapse_report_matches_numpy(shape, offset):
    rng = np.random.default_rng(shape[0])
    x = (rng.standard_normal(shape) * rng.uniform(0.1, 2, shape[1]) + offset).astype(np.float32)
    r = E.collapse_report(x)
    mean_cos, var, s, erank, iso = numpy_collapse(x)
    assert r["pairs_exact"] and r["pairs"] == shape[0] * (shape[0] - 1) // 2
    np.testing.assert_allclose(r["mean_cosine"], mean_cos, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(r["variance"], var, rtol=1e-6)
    np.testing.assert_allclose(r["singular_values"][: len(s)], s, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r["effective_rank"], erank, rtol=1e-6)
    np.testing.assert_allclose(r["isotropy"], iso, rtol=1e-3)
    assert (r["warnings"] != []) == (mean_cos > 0.9)


def test_sampled_mean_cosine_is_close_and_collapse_warns():
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3000, 8)) + 1.0).astype(np.float32)
    exact = numpy_collapse(x)[0]
    r = E.collapse_report(x, exact_pairs_limit=1000, sampled_pairs=200000, seed=1)
    assert not r["pairs_exact"]
    assert abs(r["mean_cosine"] - exact) < 0.005
    collapsed = np.tile(rng.standard_normal(32), (100, 1)) + 1e-4 * rng.standard_normal((100, 32))
    warnings = " ".join(E.collapse_report(collapsed.astype(np.float32))["warnings"])
    assert "same way" in warnings and "dimensional collapse" in warnings


def test_size_advice():
    for n in [1, 10, 999, 1000, 5000, 100000, 100001, 10 ** 7]:
        a = E.advise_embedding_size(n)
        assert a["fastai"] == min(600, round(1.6 * n ** 0.56))
        lo, hi = a["range"]
        assert (lo, hi) == ((16, 64) if n < 1000 else (64, 256) if n <= 100000 else (256, 1024))
        assert a["suggested"] == min(max(a["fastai"], lo), hi)


def test_pca_matches_sklearn():
    from sklearn.decomposition import PCA
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((400, 30)) @ rng.standard_normal((30, 30))).astype(np.float32)
    for k in [2, 5]:
        coords, ev, ratio = E.pca(x, k)
        sk = PCA(k, svd_solver="full").fit(x.astype(np.float64))
        np.testing.assert_allclose(coords, sk.transform(x.astype(np.float64)), rtol=1e-4,
                                   atol=1e-4 * np.abs(coords).max())
        np.testing.assert_allclose(ev, sk.explained_variance_, rtol=1e-5)
        np.testing.assert_allclose(ratio, sk.explained_variance_ratio_, rtol=1e-5)


def digits(n=600):
    from sklearn.datasets import load_digits
    return load_digits().data[:n].astype(np.float32)


@pytest.mark.parametrize("perplexity", [5.0, 30.0])
def test_tsne_affinities_match_sklearn(perplexity):
    t_sne = pytest.importorskip("sklearn.manifold._t_sne")
    from sklearn.neighbors import NearestNeighbors
    # Jittered: digits' integer pixels tie in distance, and which of the tied
    # points is the k-th neighbour is arbitrary in both implementations.
    x = (digits(300) + np.random.default_rng(0).uniform(0, 1e-2, (300, 64))).astype(np.float32)
    k = min(len(x) - 1, int(3.0 * perplexity + 1))
    nn = NearestNeighbors(n_neighbors=k, metric="euclidean").fit(x)
    dist = nn.kneighbors_graph(mode="distance")
    dist.data **= 2
    ref = t_sne._joint_probabilities_nn(dist, perplexity, 0).toarray()
    ours = E.tsne_affinities(x, perplexity)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-9)


def test_tsne_is_as_good_as_sklearn():
    from sklearn.manifold import TSNE, trustworthiness
    x = digits()
    ours, kl = E.tsne(x)
    ref = TSNE(2, init="pca", learning_rate="auto", random_state=0)
    theirs = ref.fit_transform(x)
    t_ours, t_ref = trustworthiness(x, ours, n_neighbors=10), trustworthiness(x, theirs, n_neighbors=10)
    print(f"trustworthiness ours {t_ours:.4f} sklearn {t_ref:.4f}; KL ours {kl:.4f} sklearn {ref.kl_divergence_:.4f}")
    assert t_ours >= t_ref - 0.01
    assert kl <= ref.kl_divergence_ * 1.1


def test_cli(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "labels.txt").write_text("".join(f"class {i % 3}\n" for i in range(120)))
    r = subprocess.run([EMBED, "eval", "plot", str(tmp_path / "x.npy"), "-o", str(tmp_path / "p.svg"), "--labels",
                        str(tmp_path / "labels.txt"), "--coords", str(tmp_path / "c.npy")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    svg = ET.parse(tmp_path / "p.svg").getroot()
    circles = svg.findall("{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 120 + 3  # the points and a legend of three classes
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"), E.pca(x, 2)[0], rtol=1e-6)
    r = subprocess.run([EMBED, "eval", "plot", str(tmp_path / "x.npy"), "--method", "tsne", "--iterations", "300",
                        "-o", str(tmp_path / "t.svg")], capture_output=True, text=True)
    assert r.returncode == 0 and "t-SNE of 120 vectors" in r.stderr
    np.save(tmp_path / "same.npy", np.tile(x[:1], (50, 1)))
    r = subprocess.run([EMBED, "eval", "collapse", str(tmp_path / "same.npy")], capture_output=True, text=True)
    assert r.returncode == 0 and "warning: mean pairwise cosine 1.000" in r.stdout
    r = subprocess.run([EMBED, "eval", "size", "50000"], capture_output=True, text=True)
    assert "64-256" in r.stdout and "suggested: 256" in r.stdout
    np.save(tmp_path / "bad.npy", np.array([[1.0, np.nan], [0.0, 1.0]], dtype=np.float32))
    r = subprocess.run([EMBED, "eval", "collapse", str(tmp_path / "bad.npy")], capture_output=True, text=True)
    assert r.returncode == 1 and "NaN" in r.stderr
