"""Exact search against FAISS (Debian python3-faiss 1.7.3): IndexFlatIP /
IndexFlatL2 inside IndexIDMap2, and normalise-then-IP for cosine, on random
vectors with external ids. Same ids in the same order, scores to 1e-4
relative (float32 GEMM in both; FAISS also clamps negative L2 at 0).
Then removal, persistence (atomic, checksummed) and bad input.
"""
import numpy as np
import pytest

import embedcpp as E

faiss = pytest.importorskip("faiss")


def data(n, d, nq, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    q = rng.standard_normal((nq, d)).astype(np.float32)
    ids = rng.permutation(10 * n)[:n].astype(np.int64) * 7 + 3
    return x, q, ids


def faiss_index(metric, x, ids):
    d = x.shape[1]
    flat = faiss.IndexFlatL2(d) if metric == "l2" else faiss.IndexFlatIP(d)
    ref = faiss.IndexIDMap2(flat)
    if metric == "cosine":
        x = x.copy()
        faiss.normalize_L2(x)
    ref.add_with_ids(x, ids)
    return ref


def faiss_search(ref, metric, q, k):
    if metric == "cosine":
        q = q.copy()
        faiss.normalize_L2(q)
    return ref.search(q, k)


@pytest.mark.parametrize("metric", ["cosine", "ip", "l2"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n,d,nq,k", [(5000, 64, 37, 10), (20000, 17, 3, 1), (300, 128, 130, 50)])
def test_matches_faiss(metric, threads, n, d, nq, k):
    E.set_num_threads(threads)
    x, q, ids = data(n, d, nq)
    index = E.exact_index(d, metric)
    index.add(x, ids)
    scores, got = index.search(q, k)
    ref_scores, ref_ids = faiss_search(faiss_index(metric, x, ids), metric, q, k)
    np.testing.assert_array_equal(got, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-4, atol=1e-4)


def test_fewer_vectors_than_k_and_empty_index():
    index = E.exact_index(4, "l2")
    scores, ids = index.search(np.ones((2, 4), np.float32), 3)
    assert (ids == -1).all() and np.isnan(scores).all()
    index.add(np.eye(4, dtype=np.float32)[:2])  # ids 0 and 1
    scores, ids = index.search(np.array([[1, 0, 0, 0]], np.float32), 3)
    assert ids.tolist() == [[0, 1, -1]]
    np.testing.assert_allclose(scores[0, :2], [0.0, 2.0])
    index.add(np.ones((1, 4), np.float32))  # next free id: 2
    assert 2 in index and len(index) == 3


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_remove_matches_faiss(metric):
    x, q, ids = data(3000, 32, 20, seed=1)
    index = E.exact_index(32, metric)
    index.add(x, ids)
    ref = faiss_index(metric, x, ids)
    gone = np.concatenate([ids[::3], [-5, 123456789]])  # two that were never there
    assert index.remove(gone) == len(ids[::3])
    ref.remove_ids(ids[::3])
    assert len(index) == ref.ntotal and ids[0] not in index and ids[1] in index
    scores, got = index.search(q, 15)
    ref_scores, ref_ids = faiss_search(ref, metric, q, 15)
    np.testing.assert_array_equal(got, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-4, atol=1e-4)


def test_save_load_round_trip_and_damage(tmp_path):
    x, q, ids = data(1000, 24, 5, seed=2)
    index = E.exact_index(24, "cosine")
    index.add(x, ids)
    index.remove(ids[:10])
    path = tmp_path / "coll.idx"
    index.save(str(path))
    back = E.load_index(str(path))
    assert (back.kind, back.dim, back.metric, len(back)) == ("exact", 24, "cosine", 990)
    for a, b in zip(index.search(q, 7), back.search(q, 7)):
        np.testing.assert_array_equal(a, b)
    back.add(np.ones((1, 24), np.float32))  # ids continue after the largest ever added
    assert int(ids.max()) + 1 in back
    raw = path.read_bytes()
    damaged = tmp_path / "damaged.idx"
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0x40
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="checksum"):
        E.load_index(str(damaged))
    for cut in [0, 7, 30, 60, len(raw) - 1]:
        damaged.write_bytes(raw[:cut])
        with pytest.raises(ValueError):
            E.load_index(str(damaged))
    damaged.write_bytes(raw.replace(b"exact", b"magic", 1))
    with pytest.raises(ValueError):  # the checksum catches it before the kind is looked at
        E.load_index(str(damaged))


def test_bad_input():
    index = E.exact_index(3, "cosine")
    with pytest.raises(ValueError, match="all zeros"):
        index.add(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        index.add(np.array([[1, np.nan, 0]], np.float32))
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        index.add(np.ones((2, 4), np.float32))
    index.add(np.ones((2, 3), np.float32), np.array([5, 9]))
    with pytest.raises(ValueError, match="already"):
        index.add(np.ones((1, 3), np.float32), np.array([9]))
    with pytest.raises(ValueError, match="twice"):
        index.add(np.ones((2, 3), np.float32), np.array([1, 1]))
    assert len(index) == 2  # nothing of a refused add went in
    with pytest.raises(ValueError, match="k must be"):
        index.search(np.ones((1, 3), np.float32), 0)
    with pytest.raises(ValueError, match="metric"):
        E.exact_index(3, "manhattan")
