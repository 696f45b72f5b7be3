#!/usr/bin/python3
"""Issue 4, acceptance 2: held-out unigram likelihood of the vocabularies of
our two WordPiece trainers (criterion "likelihood": freq(ab) / (freq(a)
freq(b)); criterion "frequency": Hugging Face's, raw pair counts) at the
same sizes.

Corpus: the licence texts of /usr/share/common-licenses, lower-cased a-z
words; every fifth line held out. Each vocabulary segments text by
WordPiece's greedy longest match (## continuations); a unigram model over
its tokens is estimated on the training text's segmentation (add-one
smoothing over the vocabulary) and scores the held-out segmentation.
Prints the log-likelihood per held-out word (higher is better) and the
tokens per word for each criterion.

Usage: PYTHONPATH=build/python bench/tokenizers/wordpiece_likelihood.py [sizes...]
"""
import collections
import glob
import math
import os
import re
import sys

import embedcpp as E


def segment(word, vocab):
    out, i = [], 0
    while i < len(word):
        j = len(word)
        while j > i and (word[i:j] if i == 0 else "##" + word[i:j]) not in vocab:
            j -= 1
        if j == i:
            return ["[UNK]"]
        out.append(word[i:j] if i == 0 else "##" + word[i:j])
        i = j
    return out


def main():
    sizes = [int(s) for s in sys.argv[1:]] or [500, 1000, 2000, 4000]
    lines = []
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(f):
            lines += open(f, errors="replace").read().lower().splitlines()
    train = [w for i, line in enumerate(lines) if i % 5 for w in re.findall(r"[a-z]+", line)]
    held = [w for i, line in enumerate(lines) if i % 5 == 0 for w in re.findall(r"[a-z]+", line)]
    counts = E.count_words([" ".join(train)])
    print(f"{len(train)} training words, {len(held)} held-out words")
    print("| vocabulary | criterion | log-likelihood / held-out word | tokens / word |")
    print("|---|---|---|---|")
    for size in sizes:
        for criterion in ("frequency", "likelihood"):
            vocab = set(E.train_wordpiece(counts, size, 2, criterion)[0])
            c = collections.Counter(t for w in train for t in segment(w, vocab))
            n = sum(c.values())
            held_tokens = [t for w in held for t in segment(w, vocab)]
            ll = sum(math.log((c[t] + 1) / (n + len(vocab))) for t in held_tokens)
            print(f"| {size} | {criterion} | {ll / len(held):.3f} | {len(held_tokens) / len(held):.2f} |")


if __name__ == "__main__":
    main()
