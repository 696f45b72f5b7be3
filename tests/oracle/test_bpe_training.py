"""BPE training against a straightforward Python implementation of the same
algorithm (recount every pair from scratch after each merge), merge for
merge, on real text: the GNU GPL v3 shipped in every Debian system
(/usr/share/common-licenses/GPL-3), and on tie-heavy toy corpora."""
import collections
import os

import pytest

import embedcpp as E

GPL = "/usr/share/common-licenses/GPL-3"


def byte_alphabet():
    """GPT-2's byte -> printable character map, from its definition: the
    printable Latin-1 bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand
    for themselves, the other 68 bytes take U+0100, U+0101, ... in byte order."""
    printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    out, extra = {}, 0
    for b in range(256):
        if b in printable:
            out[b] = chr(b)
        else:
            out[b] = chr(0x100 + extra)
            extra += 1
    return out


def reference_bpe(word_counts, vocab_size, min_frequency=2, suffix="</w>", specials=(), byte_level=False):
    """Sennrich et al.'s loop, written plainly: characters + end-of-word
    marker (byte-level: the UTF-8 bytes in GPT-2's alphabet, all 256 in the
    vocabulary), merge the most frequent pair (ties: smaller (left, right)
    strings), stop at the budget or when the best pair is rarer than min_frequency."""
    alphabet = byte_alphabet()
    words = {}
    for word, count in word_counts:
        symbols = [alphabet[b] for b in word.encode()] if byte_level else list(word)
        symbols[-1] += suffix
        words[tuple(symbols)] = words.get(tuple(symbols), 0) + count
    initial = {s for w in words for s in w} | (set(alphabet.values()) if byte_level else set())
    vocab = list(specials) + sorted(initial, key=lambda t: t.encode())
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
                                          kw.get("suffix", "</w>"), kw.get("special_tokens", ()),
                                          kw.get("byte_level", False))
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


@pytest.mark.skipif(not os.path.exists(GPL), reason="no /usr/share/common-licenses/GPL-3")
def test_byte_level_merges_match_reference():
    # Pieces as GPT-2 cuts them (a leading space on words), some non-ASCII,
    # whose bytes become separate symbols before they merge.
    with open(GPL, encoding="utf-8") as f:
        words = f.read().split()[:3000]
    counts = collections.Counter(" " + w for w in words) + collections.Counter(["café", " naïve", "日本語", " 日本"] * 3)
    tokens, merges = check(sorted(counts.items()), 500, suffix="", special_tokens=["<|endoftext|>"], byte_level=True)
    assert len(tokens) == 500 and len(set(tokens[1:257])) == 256  # the whole byte alphabet first
    assert "Ġthe" in tokens  # " the": the space is byte 0x20, symbol U+0120


def test_characters_by_frequency():
    assert E.train_characters([("abca", 2), ("bd", 1)], 10, special_tokens=["<unk>"]) == ["<unk>", "a", "b", "c", "d"]
    # Budget and min_frequency; ties in code point order.
    assert E.train_characters([("zyx", 1), ("aa", 1)], 3, min_frequency=1) == ["a", "x", "y"]
    assert E.train_characters([("zyx", 1), ("aa", 1)], 9, min_frequency=2) == ["a"]
