"""BPE training against a straightforward Python implementation of the same
algorithm (recount every pair from scratch after each merge), merge for
merge, on real text: the GNU GPL v3 shipped in every Debian system
(/usr/share/common-licenses/GPL-3), and on tie-heavy toy corpora."""
import collections
import os

import pytest

import embedcpp as E

GPL = "/usr/share/common-licenses/GPL-3"


def reference_bpe(word_counts, vocab_size, min_frequency=2, suffix="</w>", specials=()):
    """Sennrich et al.'s loop, written plainly: characters + end-of-word
    marker, merge the most frequent pair (ties: smaller (left, right) strings),
    stop at the budget or when the best pair is rarer than min_frequency."""
    words = {}
    for word, count in word_counts:
        symbols = list(word)
        symbols[-1] += suffix
        words[tuple(symbols)] = words.get(tuple(symbols), 0) + count
    vocab = list(specials) + sorted({s for w in words for s in w})
    merges = []
    while len(vocab) < vocab_size:
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p[0].encode(), p[1].encode()))
        if pairs[best] < min_frequency:
            break
        merges.append(best)
        vocab.append(best[0] + best[1])
        merged = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + c
        words = merged
    return vocab, merges


def check(word_counts, vocab_size, **kw):
    tokens, merges = E.train_bpe(word_counts, vocab_size, **kw)
    ref_vocab, ref_merges = reference_bpe(word_counts, vocab_size, kw.get("min_frequency", 2),
                                          kw.get("suffix", "</w>"), kw.get("special_tokens", ()))
    assert [tuple(m) for m in merges] == ref_merges
    assert tokens == ref_vocab
    return tokens, merges


@pytest.mark.skipif(not os.path.exists(GPL), reason="no /usr/share/common-licenses/GPL-3")
def test_merges_match_reference_on_real_text():
    with open(GPL, encoding="utf-8") as f:
        text = f.read()
    words = E.count_words([text])
    assert words == sorted(collections.Counter(text.split()).items())
    tokens, merges = check(words, 600)
    assert len(merges) > 300


def test_ties_and_stopping():
    # Every pair occurs equally often: the order is decided by the tie rule alone.
    check([("abab", 3), ("baba", 3), ("cd", 3)], 100)
    # min_frequency: merging stops when the best pair is rarer.
    _, merges = check([("aaaa", 1), ("bcbc", 2)], 100, min_frequency=3)
    assert merges == []
    check([("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)], 30, special_tokens=["<unk>"])
