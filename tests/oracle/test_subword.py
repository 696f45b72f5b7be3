"""Subword (fastText-style) vectors against fastText itself (Debian `fasttext`
0.9.2) and gensim's reader of its models.

- The n-gram hash equals gensim's ft_hash_bytes (its port of fastText's
  Dictionary::hash) on ASCII and non-ASCII bytes.
- A model trained by fastText, loaded by us, gives the vectors that
  `fasttext print-word-vectors` prints, for vocabulary words and for unseen
  words (made of n-grams only), to its 6 printed digits.
- A model trained and saved by us is read by fastText and by gensim, which
  print our vectors back.
- Acceptance: unseen made-up inflections get vectors whose nearest
  vocabulary words share their stem.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

import embedcpp as E

FASTTEXT = shutil.which("fasttext")
TEXT8 = os.path.join(os.path.dirname(__file__), "../../../shared/data/corpora/text8_prefix.txt")
WORDS = ["the", "licence", "licensed", "software", "copyright", "unlicensable", "relicensing", "zzzq", "x", "é",
         "naïveté", "日本語", "🙂ok"]



def printed_vectors(model, words):
    out = subprocess.run([FASTTEXT, "print-word-vectors", model], input="\n".join(words) + "\n",
                         capture_output=True, text=True, check=True).stdout
    rows = [line.split(" ") for line in out.strip("\n").split("\n")]
    assert len(rows) == len(words)
    return np.array([[float(x) for x in r[-(len(r) - 1):] if x] for r in rows], dtype=np.float64)


def test_hash_matches_gensim():
    ft_hash_bytes = pytest.importorskip("gensim.models.fasttext").ft_hash_bytes
    rng = np.random.default_rng(0)
    samples = [b"", b"<the>", "é日🙂".encode(), bytes(range(256))]
    samples += [bytes(rng.integers(0, 256, size=n, dtype=np.uint8)) for n in range(1, 40)]
    for s in samples:
        assert E.fasttext_hash(s) == ft_hash_bytes(s)


@pytest.mark.skipif(FASTTEXT is None, reason="fasttext not installed")
def test_fasttext_models_load_with_the_same_vectors(corpus, tmp_path):
    prefix = str(tmp_path / "ft")
    subprocess.run([FASTTEXT, "skipgram", "-input", corpus, "-output", prefix, "-minn", "2", "-maxn", "5",
                    "-bucket", "30011", "-dim", "12", "-epoch", "1", "-minCount", "3", "-thread", "1",
                    "-verbose", "0"], check=True)
    model = E.SubwordVectors.load_fasttext(prefix + ".bin")
    assert (model.min_n, model.max_n, model.buckets, model.dim) == (2, 5, 30011, 12)
    assert "</s>" in model.words  # fastText's end-of-line token is a word of its vocabulary
    ours = np.array([model.word_vector(w) for w in WORDS])
    np.testing.assert_allclose(ours, printed_vectors(prefix + ".bin", WORDS), rtol=1e-4, atol=2e-5)
    # The .vec file fastText wrote holds the same vocabulary vectors.
    kv = model.keyed_vectors()
    vec = E.KeyedVectors.load_word2vec(prefix + ".vec", binary=False)
    assert vec.words == kv.words
    np.testing.assert_allclose(kv.vectors, vec.vectors, rtol=1e-4, atol=2e-5)


@pytest.mark.skipif(FASTTEXT is None, reason="fasttext not installed")
@pytest.mark.parametrize("skip_gram", [True, False], ids=["skip-gram", "cbow"])
def test_our_models_load_in_fasttext_and_gensim(corpus, tmp_path, skip_gram):
    kv, _, _, _, model = E.train_word2vec([corpus], skip_gram=skip_gram, dim=16, epochs=2, min_count=3, min_n=3,
                                          max_n=6, buckets=20011, seed=2)
    assert model is not None and model.words == kv.words
    path = str(tmp_path / "ours.bin")
    model.save_fasttext(path)
    ours = np.array([model.word_vector(w) for w in WORDS])
    assert np.all(np.isfinite(ours)) and np.abs(ours).max() > 0
    np.testing.assert_allclose(ours, printed_vectors(path, WORDS), rtol=1e-4, atol=2e-5)
    load_facebook_vectors = pytest.importorskip("gensim.models.fasttext").load_facebook_vectors
    g = load_facebook_vectors(path)
    np.testing.assert_allclose(ours, np.array([g[w] for w in WORDS]), rtol=1e-4, atol=1e-6)
    # vocabulary words: the mean of the word's own row and its n-gram rows
    np.testing.assert_allclose(kv.vectors[kv.index("software")], model.word_vector("software"), rtol=1e-6)
    again = E.SubwordVectors.load_fasttext(path)
    np.testing.assert_array_equal(again.word_vector("relicensing"), model.word_vector("relicensing"))


def test_rows_follow_fasttext_ngrams(corpus):
    _, _, _, _, model = E.train_word2vec([corpus], dim=8, epochs=1, min_count=3, min_n=3, max_n=4, buckets=1000003)
    n = len(model.words)
    # "<ab>": n-grams of 3..4 characters, "<" and ">" alone never: <ab, ab>, <ab>
    expected = [n + E.fasttext_hash(g.encode()) % 1000003 for g in ["<ab", "<ab>", "ab>"]]
    assert model.rows("ab") == expected
    # characters, not bytes: "é" is one character of two bytes
    expected = [n + E.fasttext_hash(g.encode()) % 1000003 for g in ["<é>"]]
    assert model.rows("é") == expected
    the = model.words.index("the")
    assert model.rows("the")[0] == the and len(model.rows("the")) == 1 + 3 + 2  # <th the he> <the the>


@pytest.mark.skipif(not os.path.exists(TEXT8), reason="../shared/data/corpora/text8_prefix.txt not present")
def test_made_up_inflections_neighbour_their_stems():
    E.set_num_threads(2)
    _, _, _, _, model = E.train_word2vec([TEXT8], dim=50, epochs=5, min_count=5, min_n=3, max_n=6,
                                         buckets=200000, seed=1)
    vocabulary = set(model.words)
    made_up = {"kingliness": "king", "musicianly": "music", "governmentally": "govern", "philosophizes": "philosoph",
               "churchgoings": "church", "scientifical": "scien", "languageless": "languag", "mountainish": "mountain",
               "soldierlike": "soldier", "gardenful": "garden", "rivering": "river", "teacherly": "teach",
               "computerish": "comput", "islandish": "island", "nationhoods": "nation", "economicness": "econom"}
    unseen = {w: s for w, s in made_up.items() if w not in vocabulary}
    assert len(unseen) >= 12, sorted(set(made_up) - set(unseen))
    share = sum(any(s in n for n, _ in model.nearest(w, 10)) for w, s in unseen.items())
    # Nearest vocabulary words sharing the stem, for nearly every made-up word;
    # a random vector would share it with almost none.
    assert share >= 0.8 * len(unseen), {w: model.nearest(w, 5) for w in unseen}


def test_bad_models_are_refused(corpus, tmp_path):
    _, _, _, _, model = E.train_word2vec([corpus], dim=4, epochs=1, min_count=5, max_n=4, buckets=101)
    path = tmp_path / "m.bin"
    model.save_fasttext(str(path))
    data = path.read_bytes()
    cut = tmp_path / "cut.bin"
    for n in [0, 3, 8, 40, 60, 70, len(data) // 2, len(data) - 1]:
        cut.write_bytes(data[:n])
        with pytest.raises(ValueError):
            E.SubwordVectors.load_fasttext(str(cut))
    cut.write_bytes(data[:8] + (-5).to_bytes(4, "little", signed=True) + data[12:])  # dim
    with pytest.raises(ValueError, match="dim"):
        E.SubwordVectors.load_fasttext(str(cut))
    cut.write_bytes(b"3 2\nnot a fastText model\n")
    with pytest.raises(ValueError, match="not a fastText"):
        E.SubwordVectors.load_fasttext(str(cut))
    with pytest.raises(ValueError, match="min_n"):
        E.train_word2vec([corpus], min_n=5, max_n=3)
