"""The sparse scorers of a collection (`embed search --mode sparse`) against
their formulas written directly in NumPy over scikit-learn's tokens:

- BM25 (embed/text/sparse/bm25.h): for every variant (idf lucene, robertson,
  atire; BM25+ delta; the (k1 + 1) factor; k1, b), the score of every
  returned document equals
      sum over query tokens t of idf(t) * (tf * s / (tf + k1 (1 - b + b |d| / avgdl)) + delta)
  to 1e-6 relative, and the documents returned are the true top k (ties
  aside). Tokens are CountVectorizer's (lowercase, token pattern
  (?u)\\b\\w\\w+\\b) reduced to their Porter2 stems by python3-snowballstemmer
  (a collection's default; `--no-stem` keeps the words), |d| the document's
  token count, N, df and avgdl over the collection. Lucene/Pyserini conventions: k1 = 0.9, b = 0.4 and the idf
  ln(1 + (N - df + 0.5) / (df + 0.5)) are the defaults; Lucene's lossy
  one-byte document length is not copied (docs/sparse.md).
- TF-IDF cosine equals scikit-learn's TfidfVectorizer(sublinear_tf=True,
  max_df=0.5) rows (with the stemming tokenizer, or without it for
  `--no-stem`), cosine against the transformed query, to 1e-6.
- The stemmer itself equals Snowball's on every word of the licence texts
  and of a list of hard cases.
- --explain: the matched terms' contributions add up to the score.
"""
import json
import os
import re
import subprocess

import numpy as np
import pytest

from conftest import licence_paragraphs, write_jsonl

EMBED = os.environ.get("EMBED_BIN", "embed")
sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
snowball = pytest.importorskip("snowballstemmer")
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def stemmed_words(text):
    # after CountVectorizer's lower-casing: the token pattern, then Porter2
    return snowball.stemmer("english").stemWords(TOKEN.findall(text))


def count_vectorizer(stem):
    return sklearn_text.CountVectorizer(tokenizer=stemmed_words, token_pattern=None) if stem else \
        sklearn_text.CountVectorizer()

QUERIES = ["permission to copy and distribute the software", "warranty", "the the the license",
           "source code of the program", "no word here zzzqqq"]


def run(*args):
    return subprocess.run([EMBED, *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, licence_model):
    tmp = tmp_path_factory.mktemp("bm25")
    texts = [d["text"] for d in licence_paragraphs()[:400]]
    # the subword model gives the dense side, which is not under test here
    return tmp, texts, write_jsonl(tmp / "docs.jsonl", [{"text": t} for t in texts]), licence_model


def build(tmp, jsonl, model, name, *flags):
    coll = tmp / name
    if not coll.exists():
        r = run("index", "build", "--model", model, "--input", jsonl, "-o", str(coll), "--backend", "exact", *flags)
        assert r.returncode == 0, r.stderr
    return coll


def search(coll, k, *flags):
    r = run("search", str(coll), *QUERIES, "-k", str(k), "--mode", "sparse", "--json", *flags)
    assert r.returncode == 0, r.stderr
    return [json.loads(line)["hits"] for line in r.stdout.splitlines()]


def bm25_reference(texts, k1, b, delta, idf_kind, k1_plus_1, stem=True):
    cv = count_vectorizer(stem)
    counts = cv.fit_transform(texts).toarray().astype(np.float64)
    n = counts.shape[0]
    df = (counts > 0).sum(0).astype(np.float64)
    dl = counts.sum(1)
    avgdl = dl.mean()
    if idf_kind == "lucene":
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    elif idf_kind == "robertson":
        idf = np.log((n - df + 0.5) / (df + 0.5))
    else:
        idf = np.log(n / df)
    s = k1 + 1 if k1_plus_1 else 1.0
    with np.errstate(invalid="ignore"):  # 0 / 0 where k1 = 0 and tf = 0: masked below
        tf_part = counts * s / (counts + k1 * (1 - b + b * dl[:, None] / avgdl))
    w = np.where(counts > 0, idf[None, :] * (tf_part + delta), 0.0)
    analyze = cv.build_analyzer()
    scores = []
    for q in QUERIES:
        qv = np.zeros(counts.shape[1])
        for tok in analyze(q):
            if tok in cv.vocabulary_:
                qv[cv.vocabulary_[tok]] += 1  # a repeated query token counts each time
        scores.append(w @ qv)
    return np.array(scores)


@pytest.mark.parametrize("k1,b,delta,idf,plus,stem", [
    (0.9, 0.4, 0.0, "lucene", False, True),       # Pyserini's defaults
    (0.9, 0.4, 0.0, "lucene", False, False),      # the words themselves
    (1.2, 0.75, 0.0, "lucene", False, True),      # Lucene's
    (1.2, 0.75, 0.0, "robertson", True, True),    # Robertson's form, idf negative for common terms
    (1.5, 1.0, 1.0, "atire", False, True),        # BM25+ (Lv & Zhai's delta = 1), ATIRE's idf
    (0.0, 0.0, 0.0, "lucene", False, True),       # k1 = 0: presence only
])
def test_bm25_matches_the_formula(corpus, k1, b, delta, idf, plus, stem):
    tmp, texts, jsonl, model = corpus
    flags = ["--bm25-k1", str(k1), "--bm25-b", str(b), "--bm25-delta", str(delta), "--bm25-idf", idf]
    if plus:
        flags.append("--bm25-k1-plus-1")
    if not stem:
        flags.append("--no-stem")
    coll = build(tmp, jsonl, model, f"c-{k1}-{b}-{delta}-{idf}-{plus}-{stem}", *flags)
    ref = bm25_reference(texts, k1, b, delta, idf, plus, stem)
    k = 30
    for q, hits in enumerate(search(coll, k, "--sparse", "bm25")):
        matched = np.flatnonzero(ref[q] != 0)  # documents sharing a term with the query
        if len(matched) == 0:
            assert hits == [] and QUERIES[q].endswith("zzzqqq")
            continue
        assert len(hits) == min(k, len(matched))
        got = np.array([h["score"] for h in hits])
        want = ref[q][[h["id"] for h in hits]]
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
        # The true top k: the k-th returned score is at least every score left out.
        left_out = np.setdiff1d(matched, [h["id"] for h in hits])
        if len(left_out):
            assert got.min() >= ref[q][left_out].max() - 1e-9
        assert all(a >= b for a, b in zip(got, got[1:]))


@pytest.mark.parametrize("stem", [True, False])
def test_tfidf_cosine_matches_scikit_learn(corpus, stem):
    tmp, texts, jsonl, model = corpus
    coll = build(tmp, jsonl, model, "c-default" if stem else "c-words", *([] if stem else ["--no-stem"]))
    v = sklearn_text.TfidfVectorizer(sublinear_tf=True, max_df=0.5,
                                     **({"tokenizer": stemmed_words, "token_pattern": None} if stem else {}))
    d = v.fit_transform(texts)
    ref = (v.transform(QUERIES) @ d.T).toarray()
    for q, hits in enumerate(search(coll, 25, "--sparse", "tfidf")):
        if not hits:
            assert not ref[q].any()
            continue
        np.testing.assert_allclose([h["score"] for h in hits], ref[q][[h["id"] for h in hits]], rtol=1e-6, atol=1e-9)
        # the true top 25: the lowest returned score is at least the best left out
        assert min(h["score"] for h in hits) >= np.sort(ref[q])[::-1][len(hits)] - 1e-9


@pytest.mark.parametrize("scorer", ["bm25", "tfidf"])
def test_explain_names_the_matched_terms(corpus, scorer):
    tmp, texts, jsonl, model = corpus
    coll = build(tmp, jsonl, model, "c-default")
    analyze = count_vectorizer(True).build_analyzer()
    for q, hits in enumerate(search(coll, 5, "--sparse", scorer, "--explain")):
        for h in hits:
            terms = h["matched_terms"]
            assert terms and {t["term"] for t in terms} <= set(analyze(QUERIES[q])) & set(analyze(texts[h["id"]]))
            assert sum(t["contribution"] for t in terms) == pytest.approx(h["score"], rel=1e-6)
            assert [t["contribution"] for t in terms] == sorted((t["contribution"] for t in terms), reverse=True)
    # hybrid explains the sparse side too; dense search has nothing to explain
    r = run("search", str(coll), "warranty", "--mode", "dense", "--json", "--explain")
    assert r.returncode == 0 and "matched_terms" not in r.stdout


def test_bad_bm25_settings_are_refused(corpus):
    tmp, texts, jsonl, model = corpus
    for flags in (["--bm25-b", "1.5"], ["--bm25-k1", "-1"], ["--bm25-idf", "okapi"]):
        r = run("index", "build", "--model", model, "--input", jsonl, "-o", str(tmp / "bad"), *flags)
        assert r.returncode != 0 and not (tmp / "bad").exists()


def test_porter2_equals_snowball(tmp_path):
    """Through `embed tfidf`-free means: a collection's vocabulary (terms.json) of
    one document per word holds exactly Snowball's stems."""
    words = sorted({w for d in licence_paragraphs() for w in TOKEN.findall(d["text"].lower())})
    words += ["generously", "communication", "arsenal", "skies", "dying", "news", "inning", "proceeding",
              "succeeded", "cried", "ties", "gaps", "gas", "hopping", "hoped", "luxuriated", "sayings", "yelling",
              "fluently", "sensational", "hopefulness", "archaeology", "caf\u00e9s", "na\u00efvely", "ly"]
    want = sorted(set(snowball.stemmer("english").stemWords(words)))
    # the analyzer through a tiny collection: its vocabulary is every stem
    jsonl = write_jsonl(tmp_path / "w.jsonl", [{"text": w} for w in words])
    model = tmp_path / "m.vec"
    model.write_text("1 2\nzz 0.5 0.5\n")
    coll = tmp_path / "c"
    r = run("index", "build", "--model", str(model), "--input", jsonl, "-o", str(coll), "--backend", "exact")
    assert r.returncode == 0, r.stderr
    got = json.load(open(coll / "terms.json"))["vocabulary"]
    assert got == want
