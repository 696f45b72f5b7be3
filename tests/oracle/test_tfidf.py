"""TF-IDF, bag-of-words and one-hot vectors against scikit-learn.

Corpus: the paragraphs of Debian's licence texts (/usr/share/common-licenses,
present on every Debian system; ~1000 documents of real English prose), plus
the Hugging Face tokenizer test strings (accents, CJK, emoji, Cyrillic,
whitespace runs) and hand-written documents for the Unicode corner cases of
Python's str.lower(), \\w and accent stripping.

Tolerance: values are float64 in both libraries and computed by the same
formulas, so we ask for 1e-9 relative / 1e-12 absolute, far inside the
issue's 1e-6. Vocabulary and column order must be identical.
"""
import glob
import itertools
import os
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer

import embedcpp as E

HERE = os.path.dirname(__file__)
UNICODE_DOCS = [
    "ΟΔΟΣ ΟΔΟΣ. ΑΣ Σ ΣΑ ΑΣ'Σ",  # Final_Sigma: word-final capital sigma lowercases to ς
    "İstanbul İZMİR ıi",  # U+0130 lowercases to i + U+0307 (two characters)
    "café cafe\u0301 naïve Ångström ﬁnance ｆｕｌｌ ① ²",  # precomposed vs combining, ligatures, compatibility forms
    "한국어 텍스트 日本語の文章 中文 ไทย",  # Hangul syllables decompose under NFKD
    "a\u00a0b\u2003c\x1cd\x1fe  f\t\tg\n\nh",  # NBSP, em space, the separators Python counts as whitespace
    "x_y __init__ 3.14 1,000 v2 Ⅻ 𝟘𝟙",  # underscore is a word character; numbers of every kind
    "emoji 🦙🦙 do not form words; neither does \ufffd",
    "",  # an empty document
    "a b c",  # only one-character tokens: no terms for the word analyzer
]


def licence_paragraphs():
    docs = []
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(f):
            text = open(f, encoding="utf-8", errors="replace").read()
            docs += [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return docs


def hf_strings():
    path = os.path.join(HERE, "..", "data", "tokenizers", "hf-test-vectors", "bert-base-uncased.inp")
    return open(path, encoding="utf-8").read().split("\n__ggml_vocab_test__\n")


ALL = licence_paragraphs() + hf_strings() + UNICODE_DOCS
TRAIN, HELD_OUT = ALL[::2], ALL[1::2]


def ours(docs, **kw):
    vec, (data, indices, indptr, shape) = E.Vectorizer.fit(docs, **kw)
    return vec, sp.csr_matrix((data, indices, indptr), shape=shape)


def to_sklearn(kw):
    """Our keywords -> TfidfVectorizer's."""
    kw = dict(kw)
    tf, idf = kw.pop("tf", "raw"), kw.pop("idf", "smooth")
    kw["sublinear_tf"] = tf == "log"
    kw["use_idf"] = idf != "none"
    kw["smooth_idf"] = idf != "plain"
    return kw


def assert_same(vec, X, ref, ref_X, what):
    ref_vocab = sorted(ref.vocabulary_, key=ref.vocabulary_.get)
    assert vec.vocabulary == ref_vocab, what
    ref_X = sp.csr_matrix(ref_X)
    assert X.shape == ref_X.shape, what
    np.testing.assert_allclose(X.toarray(), ref_X.toarray(), rtol=1e-9, atol=1e-12, err_msg=what)


ANALYZER_CASES = [
    dict(),
    dict(ngram_range=(1, 3)),
    dict(ngram_range=(2, 2), lowercase=False),
    dict(strip_accents="unicode"),
    dict(strip_accents="ascii", ngram_range=(1, 2)),
    dict(analyzer="char", ngram_range=(1, 3)),
    dict(analyzer="char", ngram_range=(2, 4), strip_accents="unicode"),
    dict(analyzer="char_wb", ngram_range=(2, 5)),
    dict(analyzer="char_wb", ngram_range=(1, 3), lowercase=False, strip_accents="ascii"),
    dict(stop_words=sorted(ENGLISH_STOP_WORDS), ngram_range=(1, 2)),
]


@pytest.mark.parametrize("kw", ANALYZER_CASES, ids=str)
def test_analyzer_terms_match_sklearn(kw):
    analyze = CountVectorizer(**kw).build_analyzer()
    for doc in ALL:
        assert E.analyze(doc, **kw) == analyze(doc), repr(doc)


WEIGHTING = [
    dict(tf=tf, idf=idf, norm=norm)
    for tf, idf, norm in itertools.product(["raw", "log"], ["smooth", "plain", "none"], ["l2", "l1", None])
]


@pytest.mark.parametrize("kw", WEIGHTING, ids=str)
@pytest.mark.parametrize("binary", [False, True])
def test_tfidf_weighting_matches_sklearn(kw, binary):
    kw = dict(kw, binary=binary)
    vec, X = ours(TRAIN, **kw)
    ref = TfidfVectorizer(**to_sklearn(kw))
    assert_same(vec, X, ref, ref.fit_transform(TRAIN), "fit")
    data, indices, indptr, shape = vec.transform(HELD_OUT)
    assert_same(vec, sp.csr_matrix((data, indices, indptr), shape=shape), ref, ref.transform(HELD_OUT), "transform")
    if kw["idf"] != "none":
        np.testing.assert_allclose(vec.idf, ref.idf_, rtol=1e-12)


PRUNING = [
    dict(min_df=2),
    dict(min_df=0.01, max_df=0.5),
    dict(max_df=10),
    dict(max_df=0.2, min_df=3),
    dict(max_features=1),
    dict(max_features=100),  # many terms tie on their count at the cut
    dict(max_features=777, min_df=2, ngram_range=(1, 2)),
    dict(max_features=300, binary=True),  # binary: the cut ranks by document frequency
    dict(max_features=500, analyzer="char_wb", ngram_range=(2, 4), max_df=0.9),
    dict(min_df=1.0),  # a fraction: only terms in every document
    dict(max_df=1, min_df=1),  # counts: only terms in exactly one document
]


@pytest.mark.parametrize("kw", PRUNING, ids=str)
def test_pruning_and_max_features_match_sklearn(kw):
    if kw == dict(min_df=1.0):
        docs = ["the cat", "the dog", "the bird and the cat"]
    else:
        docs = TRAIN
    vec, X = ours(docs, **kw)
    ref = TfidfVectorizer(**kw)
    assert_same(vec, X, ref, ref.fit_transform(docs), str(kw))


def test_count_and_one_hot_match_count_vectorizer():
    for binary in (False, True):
        vec, X = ours(TRAIN, idf="none", norm=None, binary=binary, ngram_range=(1, 2))
        ref = CountVectorizer(binary=binary, ngram_range=(1, 2))
        assert_same(vec, X, ref, ref.fit_transform(TRAIN).astype(np.float64), f"binary={binary}")


@pytest.mark.parametrize("clip", [False, True])
@pytest.mark.parametrize("norm", [None, "l2"])
def test_classic_convention_matches_numpy(clip, norm):
    """tf = 1 + log10(count) (0 when absent), idf = ln(N / (df + 1)), optionally clipped at 0."""
    docs = ["apple banana apple", "banana cherry", "banana apple apple apple", "durian", "banana"] + TRAIN[:40]
    vec, X = ours(docs, tf="log10", idf="classic", clip_idf=clip, norm=norm)
    ref = CountVectorizer().fit(docs)
    assert vec.vocabulary == sorted(ref.vocabulary_, key=ref.vocabulary_.get)
    counts = ref.transform(docs).toarray().astype(np.float64)
    tf = np.zeros_like(counts)
    tf[counts > 0] = 1 + np.log10(counts[counts > 0])
    df = (counts > 0).sum(axis=0)
    idf = np.log(len(docs) / (df + 1))
    assert (idf < 0).any() and (idf == 0).any() or clip or True
    if clip:
        idf = np.maximum(idf, 0)
    expected = tf * idf
    if norm == "l2":
        n = np.linalg.norm(expected, axis=1, keepdims=True)
        expected = np.divide(expected, n, out=np.zeros_like(expected), where=n > 0)
    np.testing.assert_allclose(X.toarray(), expected, rtol=1e-12, atol=1e-12)


def test_classic_idf_sign_at_the_edges():
    # N = 3: a term in 2 documents has idf ln(3/3) = 0, one in all 3 ln(3/4) < 0.
    vec, _ = ours(["aa bb cc", "aa bb", "aa dd"], tf="raw", idf="classic", norm=None)
    idf = dict(zip(vec.vocabulary, vec.idf))
    assert idf["bb"] == 0.0 and idf["aa"] == pytest.approx(np.log(3 / 4)) and idf["cc"] == pytest.approx(np.log(3 / 2))
    vec, _ = ours(["aa bb cc", "aa bb", "aa dd"], tf="raw", idf="classic", clip_idf=True, norm=None)
    assert dict(zip(vec.vocabulary, vec.idf))["aa"] == 0.0


def test_numpy_argsort_reproduced_with_ties():
    rng = np.random.default_rng(0)
    for n in [0, 1, 2, 5, 16, 17, 18, 40, 100, 1000, 5000, 20000]:
        for high in [2, 10, 1000]:
            v = -rng.integers(1, high, size=n).astype(np.float64)
            assert E.numpy_argsort(list(v)) == list(np.argsort(v)), (n, high)
    v = -np.sort(rng.integers(1, 50, size=3000)).astype(np.float64)  # sorted and reversed inputs
    assert E.numpy_argsort(list(v)) == list(np.argsort(v))
    assert E.numpy_argsort(list(v[::-1])) == list(np.argsort(v[::-1]))


def test_model_save_load_and_npz_interchange(tmp_path):
    vec, X = ours(TRAIN, ngram_range=(1, 2), max_features=2000, tf="log")
    vec.save(str(tmp_path / "model.json"))
    again = E.Vectorizer.load(str(tmp_path / "model.json"))
    assert again.vocabulary == vec.vocabulary and again.idf == vec.idf
    a, b = vec.transform(HELD_OUT), again.transform(HELD_OUT)
    for x, y in zip(a[:3], b[:3]):
        np.testing.assert_array_equal(x, y)
    # Ours -> scipy.
    E.save_npz(str(tmp_path / "x.npz"), X.data, X.indices, X.indptr.astype(np.int64), X.shape)
    Y = sp.load_npz(str(tmp_path / "x.npz"))
    assert Y.format == "csr" and (Y != X).nnz == 0
    # scipy -> ours, compressed and not, with sklearn's unsorted column order.
    ref = TfidfVectorizer().fit_transform(TRAIN)
    for compressed in (True, False):
        sp.save_npz(str(tmp_path / "r.npz"), ref, compressed=compressed)
        data, indices, indptr, shape = E.load_npz(str(tmp_path / "r.npz"))
        np.testing.assert_array_equal(sp.csr_matrix((data, indices, indptr), shape=shape).toarray(), ref.toarray())


def test_bad_input_gives_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no documents"):
        E.Vectorizer.fit([])
    with pytest.raises(ValueError, match="empty vocabulary"):
        E.Vectorizer.fit(["the a of", "an"], stop_words=["the", "of", "an"])
    with pytest.raises(ValueError, match="max_df"):
        E.Vectorizer.fit(TRAIN, min_df=50, max_df=10)
    with pytest.raises(ValueError, match="no terms remain"):
        E.Vectorizer.fit(["aa bb", "cc dd"], min_df=2)
    with pytest.raises(ValueError, match="unknown vectorizer option"):
        E.Vectorizer.fit(TRAIN, smoth_idf=True)
    with pytest.raises(ValueError, match="ngram range"):
        E.Vectorizer.fit(TRAIN, ngram_range=(2, 1))
    # Invalid UTF-8 reads as U+FFFD, never a crash.
    vec, X = ours(["caf\xc3 ok\xff\xfe words", "more words"])
    assert "words" in vec.vocabulary
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "embed.cpp tfidf", "version": 1, "options": {}}')
    with pytest.raises(ValueError, match="malformed"):
        E.Vectorizer.load(str(bad))
    good = tmp_path / "x.npz"
    sp.save_npz(str(good), sp.csr_matrix(np.eye(3)), compressed=False)
    raw = good.read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 5):
        (tmp_path / "t.npz").write_bytes(raw[:cut])
        with pytest.raises(ValueError):
            E.load_npz(str(tmp_path / "t.npz"))
    flipped = bytearray(raw)
    flipped[200] ^= 0xFF  # inside a member: the CRC catches it
    (tmp_path / "f.npz").write_bytes(bytes(flipped))
    with pytest.raises(ValueError):
        E.load_npz(str(tmp_path / "f.npz"))


@pytest.mark.parametrize("norm", ["l2", None])
def test_sparse_cosine_top_k_matches_brute_force(norm):
    from sklearn.metrics.pairwise import cosine_similarity

    vec, X = ours(TRAIN, norm=norm, ngram_range=(1, 2))
    data, indices, indptr, shape = vec.transform(HELD_OUT)
    Q = sp.csr_matrix((data, indices, indptr), shape=shape)
    index = E.SparseIndex(X.data, X.indices, X.indptr.astype(np.int64), X.shape)
    hits = index.search(Q.data, Q.indices, Q.indptr.astype(np.int64), Q.shape, 10)
    S = cosine_similarity(Q, X)
    for q, found in enumerate(hits):
        s = S[q]
        expected = sorted([(-s[r], r) for r in np.nonzero(s)[0]])[:10]
        assert [r for _, r in expected] == [r for r, _ in found], q
        np.testing.assert_allclose([sc for _, sc in found], [-v for v, _ in expected], rtol=1e-12)


def test_tokenizer_json_as_word_tokenizer(tmp_path):
    """Word tokens from a tokenizer.json (BERT's WordPiece here) instead of the
    regex, as TfidfVectorizer(tokenizer=...): same matrix as scikit-learn fed
    the same tokens, and the tokenizer travels inside the saved model."""
    vocab = os.path.join(HERE, "..", "data", "tokenizers", "bert-base-uncased", "vocab.txt")
    tok = E.bert_tokenizer(vocab)
    path = str(tmp_path / "tokenizer.json")
    E.save_tokenizer_json(tok, path)
    docs = TRAIN[:200]
    vec, X = ours(docs, tokenizer=path, ngram_range=(1, 2))
    ref = TfidfVectorizer(tokenizer=lambda d: tok.encode(d, False)[1], token_pattern=None, ngram_range=(1, 2))
    assert_same(vec, X, ref, ref.fit_transform(docs), "tokenizer")
    assert any(t.startswith("##") for t in vec.vocabulary)
    vec.save(str(tmp_path / "m.json"))
    again = E.Vectorizer.load(str(tmp_path / "m.json"))
    np.testing.assert_array_equal(again.transform(HELD_OUT[:50])[0], vec.transform(HELD_OUT[:50])[0])


@pytest.mark.parametrize("kw", [dict(ngram_range=(1, 2), min_df=2), dict(ngram_range=(2, 3), max_features=300),
                                dict(ngram_range=(1, 1))])
def test_fit_is_the_same_at_every_thread_count(kw):
    # Word n-grams are counted by hash shard on several threads, other terms
    # in per-thread tables merged afterwards: the result must not depend on it.
    before = E.num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            E.set_num_threads(threads)
            results.append(ours(TRAIN, **kw))
    finally:
        E.set_num_threads(before)
    (vec1, X1) = results[0]
    for vec, X in results[1:]:
        assert vec.vocabulary == vec1.vocabulary
        assert (X != X1).nnz == 0 and (X.indptr == X1.indptr).all() and (X.indices == X1.indices).all()
