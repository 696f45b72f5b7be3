"""TF-IDF fit+transform: embed.cpp (through the embedcpp module, in process)
against scikit-learn's TfidfVectorizer.fit_transform on the same documents,
in the same run, checking that both give the same matrix. Prints seconds,
MB/s and the ratio sklearn time / ours (above 1: we are faster) at 1 and 2
threads, for word unigrams, word 1-2-grams and char_wb 2-4-grams.

Corpus: the text8 prefix in ../shared/data/corpora when present (6.9 MB, cut
into documents of 200 words; lower case, no punctuation, mostly distinct
bigrams), else, or with TFIDF_CORPUS=licences, the licence texts of
/usr/share/common-licenses repeated 20 times (cased, punctuated, a small
vocabulary)."""
import glob
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

import embedcpp as E

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def documents():
    text8 = os.path.join(ROOT, "..", "shared", "data", "corpora", "text8_prefix.txt")
    if os.path.exists(text8) and os.environ.get("TFIDF_CORPUS", "text8") != "licences":
        with open(text8, encoding="utf-8") as f:
            words = f.read().split()
        name = "text8 prefix"
    else:
        words = []
        for path in sorted(glob.glob("/usr/share/common-licenses/*")):
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    words += f.read().split()
        words = words * 20
        name = "common-licenses x20"
    return name, [" ".join(words[i:i + 200]) for i in range(0, len(words), 200)]


def best_time(fn):
    best, out = float("inf"), None
    for _ in range(REPEATS):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    name, docs = documents()
    mb = sum(len(d.encode()) for d in docs) / 1e6
    print(f"corpus: {name}, {len(docs)} documents, {mb:.1f} MB; best of {REPEATS}")
    cases = [("word 1-gram", {}), ("word 1-2-gram, min_df=2", dict(ngram_range=(1, 2), min_df=2)),
             ("char_wb 2-4-gram", dict(analyzer="char_wb", ngram_range=(2, 4)))]
    print(f"{'case':28s} {'sklearn s':>10s} {'ours 1T s':>10s} {'ours 2T s':>10s} {'ratio 1T':>9s} {'ratio 2T':>9s}")
    for label, kw in cases:
        ref_t, ref = best_time(lambda: TfidfVectorizer(**kw).fit_transform(docs))
        times = []
        for threads in (1, 2):
            E.set_num_threads(threads)
            t, (vec, (data, indices, indptr, shape)) = best_time(lambda: E.Vectorizer.fit(docs, **kw))
            times.append(t)
            ours = sp.csr_matrix((data, indices, indptr), shape=shape)
            if ours.shape != ref.shape or abs(ours - ref).max() > 1e-9:
                sys.exit(f"{label}: results differ from scikit-learn")
        print(f"{label:28s} {ref_t:10.3f} {times[0]:10.3f} {times[1]:10.3f} {ref_t / times[0]:9.1f} "
              f"{ref_t / times[1]:9.1f}")


if __name__ == "__main__":
    main()
