"""The three WordPiece trainers against straightforward Python
implementations (every count recomputed, every word re-segmented, after each
step), merge for merge; and the likelihood trainer's vocabulary against the
frequency trainer's on held-out text (issue 4, acceptance 2)."""
import collections
import glob
import math
import os
import re

import pytest

import embedcpp as E

GPL = "/usr/share/common-licenses/GPL-3"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def spell(word):
    return tuple([word[0]] + ["##" + c for c in word[1:]])


def join(a, b):
    return a + (b[2:] if b.startswith("##") else b)


def reference_merges(word_counts, vocab_size, criterion, min_frequency=2):
    """frequency (Hugging Face's WordPieceTrainer) and pmi: BPE merges by
    count(ab), or by count(ab) / (count(a) count(b))."""
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


def longest_match(word, vocab):
    """WordPiece's greedy longest-match-first segmentation; None if a
    character is not in the vocabulary."""
    out, i = [], 0
    while i < len(word):
        j = len(word)
        while j > i and (word[i:j] if i == 0 else "##" + word[i:j]) not in vocab:
            j -= 1
        if j == i:
            return None
        out.append(word[i:j] if i == 0 else "##" + word[i:j])
        i = j
    return out


def xlogx(n):
    return n * math.log(n) if n > 0 else 0.0


def likelihood_gain(c, ca, cb, same, n):
    """Exact change of sum_t c_t ln(c_t / N) when the c occurrences of an
    adjacent pair (a, b) become one token: a and b lose c each (2c when a is
    b), the new token has c, N loses c."""
    if same:
        g = xlogx(c) + xlogx(ca - 2 * c) - xlogx(ca)
    else:
        g = xlogx(c) + xlogx(ca - c) + xlogx(cb - c) - xlogx(ca) - xlogx(cb)
    return g + (xlogx(n) - xlogx(n - c))


def reference_likelihood(word_counts, vocab_size, min_frequency=2):
    """Schuster & Nakajima: add the joined pair with the largest likelihood
    gain, re-segment every word by longest match, repeat."""
    vocab = list(SPECIALS) + sorted({s for w, _ in word_counts for s in spell(w)})
    known = set(vocab)
    merges = []
    while len(vocab) < vocab_size:
        pairs, tokens = collections.Counter(), collections.Counter()
        for w, c in word_counts:
            s = longest_match(w, known)
            for t in s:
                tokens[t] += c
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += c
        n = sum(tokens.values())
        candidates = [p for p in pairs if pairs[p] >= min_frequency and join(*p) not in known]
        if not candidates:
            break
        best = min(candidates, key=lambda p: (-likelihood_gain(pairs[p], tokens[p[0]], tokens[p[1]], p[0] == p[1], n),
                                              -pairs[p], p[0].encode(), p[1].encode()))
        merges.append(best)
        vocab.append(join(*best))
        known.add(vocab[-1])
    return vocab, merges


def reference_wordpiece(word_counts, vocab_size, criterion):
    if criterion == "likelihood":
        return reference_likelihood(word_counts, vocab_size)
    return reference_merges(word_counts, vocab_size, criterion)


def gpl_words():
    with open(GPL, encoding="utf-8") as f:
        text = f.read()
    return text


@pytest.mark.skipif(not os.path.exists(GPL), reason="no /usr/share/common-licenses/GPL-3")
@pytest.mark.parametrize("criterion", ["frequency", "likelihood", "pmi"])
@pytest.mark.parametrize("chars,size", [(12000, 400), (40000, 700)])
def test_trainers_match_reference(criterion, chars, size):
    words = E.count_words([gpl_words()[:chars]])
    tokens, merges = E.train_wordpiece(words, size, 2, criterion)
    ref_tokens, ref_merges = reference_wordpiece(words, size, criterion)
    assert len(merges) > size // 2
    assert [tuple(m) for m in merges] == ref_merges
    assert tokens == ref_tokens


def test_likelihood_trainer_on_non_ascii_and_repeated_symbols():
    # Multi-byte characters, a pair of equal tokens ("##a" "##a"), and
    # words that need re-segmentation after later additions.
    words = [("naïve", 5), ("naïveté", 3), ("aaaa", 20), ("aaa", 9), ("über", 6), ("überall", 2), ("ñaña", 3)]
    tokens, merges = E.train_wordpiece(words, 40, 2, "likelihood")
    ref_tokens, ref_merges = reference_likelihood(words, 40)
    assert [tuple(m) for m in merges] == ref_merges and tokens == ref_tokens
    assert ref_merges[:2] == [("##a", "##a"), ("a", "##aa")]  # "aaaa" is "a ##aa ##a" after the second


def test_toy_corpus_three_criteria_choose_differently():
    # Tokens: a 30, ##b ##c ##d 10 each, x ##y 6 each, q ##z 2 each; N = 76.
    # frequency: (a, ##b), 10 occurrences, the most (ties with ##c, ##d by string).
    # pmi: (q, ##z), 2 / (2 * 2) = 0.5 beats 6 / 36 and 10 / 300.
    # likelihood (x ln x summed, see likelihood_gain):
    #   (a, ##b): 10ln10 + 20ln20 - 30ln30 - 10ln10 + 76ln76 - 66ln66 = 10.50
    #   (x, ##y): 6ln6 - 6ln6 - 6ln6 + 76ln76 - 70ln70 = 20.99
    #   (q, ##z): 2ln2 - 2ln2 - 2ln2 + 76ln76 - 74ln74 = 9.25
    words = [("ab", 10), ("ac", 10), ("ad", 10), ("xy", 6), ("qz", 2)]
    first = {c: E.train_wordpiece(words, 15, 2, c)[1][0] for c in ("frequency", "pmi", "likelihood")}
    assert first == {"frequency": ("a", "##b"), "pmi": ("q", "##z"), "likelihood": ("x", "##y")}
    assert likelihood_gain(6, 6, 6, False, 76) == pytest.approx(20.9905, abs=1e-4)
    for criterion in first:
        assert [tuple(m) for m in E.train_wordpiece(words, 15, 2, criterion)[1]] == reference_wordpiece(
            words, 15, criterion)[1]


def test_unknown_criterion_is_an_error():
    with pytest.raises(ValueError, match="likelihood, frequency or pmi"):
        E.train_wordpiece([("ab", 3)], 10, 2, "entropy")


def heldout_log_likelihood(vocab, train, held):
    """Per held-out word: the add-one unigram model of the training text's
    longest-match segmentation, scoring the held-out segmentation."""
    counts = collections.Counter(t for w in train for t in longest_match(w, vocab) or ["[UNK]"])
    n = sum(counts.values())
    held_tokens = [t for w in held for t in longest_match(w, vocab) or ["[UNK]"]]
    return sum(math.log((counts[t] + 1) / (n + len(vocab))) for t in held_tokens) / len(held)


@pytest.mark.skipif(not glob.glob("/usr/share/common-licenses/*"), reason="no /usr/share/common-licenses")
def test_likelihood_vocabulary_beats_frequency_on_held_out_text():
    # The licence texts in runs of 100 words, every fifth run held out
    # (bench/tokenizers/wordpiece_likelihood.py reports the same on text8).
    words = []
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(f):
            words += re.findall(r"[a-z]+", open(f, errors="replace").read().lower())
    runs = [words[i:i + 100] for i in range(0, len(words), 100)]
    train = [w for i, run in enumerate(runs) if i % 5 for w in run]
    held = [w for i, run in enumerate(runs) if i % 5 == 0 for w in run]
    counts = E.count_words([" ".join(train)])
    for size in (500, 1000):
        score = {c: heldout_log_likelihood(set(E.train_wordpiece(counts, size, 2, c)[0]), train, held)
                 for c in ("likelihood", "frequency", "pmi")}
        print(size, score)
        assert score["likelihood"] > score["frequency"] > score["pmi"]
