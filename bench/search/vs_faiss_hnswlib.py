"""Nearest-neighbour search on one machine, side by side: our exact, HNSW and
IVF-PQ indexes against FAISS (Debian python3-faiss 1.7.3) flat, HNSW and IVF-PQ,
and hnswlib (Debian python3-hnswlib 0.6.2) HNSW, on the same normalised vectors
(inner product = cosine). Prints build time, queries per second at 1 and 2
threads, and recall@10 against exact search; approximate methods are run
at a few search-time settings so the recall/speed trade-off shows.

Data: BENCH_N vectors (default 200,000) of dimension 128 drawn around 1,000
Gaussian centres (roughly how real embeddings cluster; pure isotropic noise
is the worst case for every approximate method), normalised; 1,000 held-out
queries from the same distribution. Seeded, so runs are comparable.
BENCH_METHODS (default "ours-hnsw,hnswlib,faiss-hnsw,ivfpq") picks the
approximate methods and BENCH_M ("16,32") the HNSW link counts; exact
search (ours and FAISS's) always runs.
"""
import os
import time

import numpy as np

import embedcpp as E

N = int(os.environ.get("BENCH_N", "200000"))
D, NQ, K = 128, 1000, 10
THREADS = [int(t) for t in os.environ.get("BENCH_THREADS", "1,2").split(",")]
METHODS = os.environ.get("BENCH_METHODS", "ours-hnsw,hnswlib,faiss-hnsw,ivfpq").split(",")
EFS = [16, 32, 64, 128]
MS = [int(m) for m in os.environ.get("BENCH_M", "16,32").split(",")]  # HNSW links per node


def dataset():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((1000, D)).astype(np.float32)
    def draw(n):
        x = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, D)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)
    return draw(N).astype(np.float32), draw(NQ).astype(np.float32)


def recall(found, truth):
    return np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)])


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def set_threads(n):
    import faiss
    faiss.omp_set_num_threads(n)
    E.set_num_threads(n)


def main():
    import faiss
    import hnswlib

    x, q = dataset()
    print(f"{N} x {D} normalised vectors (1,000 clusters), {NQ} queries, k={K}; inner product")
    print(f"{'method':38s} {'build s':>8s} " + " ".join(f"{'QPS ' + str(t) + 'T':>9s}" for t in THREADS) +
          f" {'recall':>7s}")

    def report(name, build_s, search, truth):
        qps, ids = [], None
        for t in THREADS:
            set_threads(t)
            s, ids = timed(search)
            qps.append(NQ / s)
        print(f"{name:38s} {build_s:8.1f} " + " ".join(f"{v:9.0f}" for v in qps) +
              f" {recall(ids, truth) if truth is not None else 1.0:7.3f}", flush=True)
        return ids

    set_threads(max(THREADS))
    build, ours = timed(lambda: (lambda i: (i.add(x), i)[1])(E.exact_index(D, "ip")))
    truth = report("embed.cpp exact", build, lambda: ours.search(q, K)[1], None)

    flat = faiss.IndexFlatIP(D)
    build, _ = timed(lambda: flat.add(x))
    ids = report("faiss IndexFlatIP", build, lambda: flat.search(q, K)[1], truth)
    assert recall(ids, truth) > 0.999  # the two exact searches agree

    for m in MS:
        if "ours-hnsw" in METHODS:
            ours_hnsw = E.hnsw_index(D, "ip", M=m, ef_construction=200)
            set_threads(max(THREADS))
            build, _ = timed(lambda: ours_hnsw.add(x))
            for ef in EFS:
                ours_hnsw.ef_search = ef
                report(f"embed.cpp HNSW M={m} efC=200 ef={ef}", build if ef == EFS[0] else 0.0,
                       lambda: ours_hnsw.search(q, K)[1], truth)
        if "hnswlib" not in METHODS:
            continue
        index = hnswlib.Index(space="ip", dim=D)
        set_threads(max(THREADS))
        def build_hnswlib():
            index.init_index(max_elements=N, ef_construction=200, M=m, random_seed=1)
            index.set_num_threads(max(THREADS))
            index.add_items(x, np.arange(N))
        build, _ = timed(build_hnswlib)
        for ef in EFS:
            index.set_ef(ef)
            def search_hnswlib():
                index.set_num_threads(faiss.omp_get_max_threads())
                return index.knn_query(q, k=K)[0]
            report(f"hnswlib HNSW M={m} efC=200 ef={ef}", build if ef == 16 else 0.0, search_hnswlib, truth)

    for m in MS if "faiss-hnsw" in METHODS else []:
        hnsw = faiss.IndexHNSWFlat(D, m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 200
        set_threads(max(THREADS))
        build, _ = timed(lambda: hnsw.add(x))
        for ef in EFS:
            hnsw.hnsw.efSearch = ef
            report(f"faiss HNSW M={m} efC=200 ef={ef}", build if ef == 16 else 0.0, lambda: hnsw.search(q, K)[1],
                   truth)

    if "ivfpq" not in METHODS:
        return
    nlist = int(4 * np.sqrt(N))
    quantiser = faiss.IndexFlatIP(D)
    ivfpq = faiss.IndexIVFPQ(quantiser, D, nlist, 32, 8, faiss.METRIC_INNER_PRODUCT)
    # PQ loses precision; the usual fix re-ranks PQ's top k x 10 with the full
    # vectors, which the wrapper keeps beside the codes.
    refine = faiss.IndexRefineFlat(ivfpq)
    refine.k_factor = 10
    set_threads(max(THREADS))
    def build_ivfpq():
        refine.train(x[: min(N, 100000)])
        refine.add(x)
    build, _ = timed(build_ivfpq)
    for nprobe in [8, 32, 128]:
        ivfpq.nprobe = nprobe
        report(f"faiss IVF{nlist},PQ32x8 nprobe={nprobe}", build if nprobe == 8 else 0.0,
               lambda: ivfpq.search(q, K)[1], truth)
    for nprobe in [8, 32]:
        ivfpq.nprobe = nprobe
        report(f"faiss IVF-PQ nprobe={nprobe} + exact re-rank x10", 0.0, lambda: refine.search(q, K)[1], truth)
    # Ours at the same settings: trains on the same first 100k vectors.
    ours = E.ivfpq_index(D, "ip", nlist=nlist, m=32, nprobe=8, train_size=min(N, 100000))

    def build_ours_ivfpq():
        ours.add(x[: min(N, 100000)])
        if N > 100000:
            ours.add(x[100000:])
    build, _ = timed(build_ours_ivfpq)
    for nprobe in [8, 32, 128]:
        ours.nprobe = nprobe
        report(f"ours IVF{nlist},PQ32x8 nprobe={nprobe}", build if nprobe == 8 else 0.0,
               lambda: ours.search(q, K)[1], truth)

if __name__ == "__main__":
    main()
