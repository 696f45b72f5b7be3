"""Both WordPiece trainers against straightforward Python implementations
(every count recomputed after each merge), merge for merge."""
import collections
import os

import pytest

import embedcpp as E

GPL = "/usr/share/common-licenses/GPL-3"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def spell(word):
    return tuple([word[0]] + ["##" + c for c in word[1:]])


def join(a, b):
    return a + (b[2:] if b.startswith("##") else b)


def reference_wordpiece(word_counts, vocab_size, criterion, min_frequency=2):
    words = collections.Counter()
    for w, c in word_counts:
        words[spell(w)] += c
    vocab = list(SPECIALS) + sorted({s for w in words for s in w})
    merges = []
    while len(vocab) < vocab_size:
        pairs, symbols = collections.Counter(), collections.Counter()
        for w, c in words.items():
            for s in w:
                symbols[s] += c
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        candidates = [p for p in pairs if pairs[p] >= min_frequency]
        if not candidates:
            break
        if criterion == "frequency":
            best = min(candidates, key=lambda p: (-pairs[p], p[0].encode(), p[1].encode()))
        else:
            best = min(candidates, key=lambda p: (-pairs[p] / (symbols[p[0]] * symbols[p[1]]), -pairs[p],
                                                  p[0].encode(), p[1].encode()))
        merges.append(best)
        vocab.append(join(*best))
        merged = collections.Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(join(w[i], w[i + 1]))
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] += c
        words = merged
    # A merge can recreate an existing token ("##a"+"##b" and "##ab" already
    # present): the vocabulary keeps one entry, as ours does.
    seen, unique = set(), []
    for t in vocab:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique, merges


def gpl_words():
    with open(GPL, encoding="utf-8") as f:
        text = f.read()
    return text


@pytest.mark.skipif(not os.path.exists(GPL), reason="no /usr/share/common-licenses/GPL-3")
@pytest.mark.parametrize("criterion", ["frequency", "likelihood"])
def test_trainers_match_reference(criterion):
    words = E.count_words([gpl_words()[:12000]])
    tokens, merges = E.train_wordpiece(words, 400, 2, criterion)
    ref_tokens, ref_merges = reference_wordpiece(words, 400, criterion)
    assert [tuple(m) for m in merges] == ref_merges
    assert tokens == ref_tokens


def test_toy_corpus_both_criteria_differ_as_expected():
    # "ab" occurs more often, but "xy" are almost always together: likelihood
    # prefers xy (2/(2*2)=0.5 > 4/(6*6)), frequency prefers ab.
    words = [("ab", 4), ("ac", 1), ("ba", 1), ("xy", 2)]
    for criterion in ("frequency", "likelihood"):
        tokens, merges = E.train_wordpiece(words, 15, 2, criterion)
        assert [tuple(m) for m in merges] == reference_wordpiece(words, 15, criterion)[1]
    assert E.train_wordpiece(words, 15, 2, "frequency")[1][0] == ("a", "##b")
    assert E.train_wordpiece(words, 15, 2, "likelihood")[1][0] == ("x", "##y")
