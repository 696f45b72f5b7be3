#!/usr/bin/python3
"""Issue 4, acceptance 2: held-out unigram likelihood of the vocabularies of
our WordPiece trainers at the same sizes:
  likelihood  Schuster & Nakajima: the token with the largest exact gain in
              training-corpus unigram log-likelihood, corpus re-segmented by
              longest match after each addition;
  frequency   Hugging Face's WordPieceTrainer (BPE by raw pair counts);
  pmi         BPE merges by the ratio count(ab) / (count(a) count(b)).

Corpus: a text file (default: the text8 prefix of ../shared/data/corpora,
else the licence texts of /usr/share/common-licenses), lower-cased a-z
words, cut into runs of 100 words of which every fifth is held out. Each
vocabulary segments text with our WordPiece encoder (greedy longest
match, ## continuations); a unigram model over its tokens is estimated on the
training text's segmentation (add-one smoothing over the vocabulary) and
scores the held-out segmentation. Prints the log-likelihood per held-out
word (higher is better) and the tokens per word for each criterion.

Usage: PYTHONPATH=build/python bench/tokenizers/wordpiece_likelihood.py [--corpus FILE] [--words N] [sizes...]
"""
import argparse
import collections
import glob
import json
import math
import os
import re
import time

import embedcpp as E

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT8 = os.path.join(HERE, "..", "..", "..", "shared", "data", "corpora", "text8_prefix.txt")


def wordpiece(tokens):
    """Our WordPiece encoder over a trained vocabulary (greedy longest match,
    ## continuations, [UNK] for a word it cannot cover)."""
    model = {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {t: i for i, t in enumerate(tokens)}}
    return E.parse_tokenizer_json(json.dumps({"model": model, "pre_tokenizer": {"type": "WhitespaceSplit"}}))


def segment(tokenizer, words):
    """The tokens of a list of words, encoded 10,000 words at a time."""
    out = []
    for i in range(0, len(words), 10000):
        out += tokenizer.encode(" ".join(words[i:i + 10000]), False)[1]
    return out


def read_words(path):
    if path:
        return re.findall(r"[a-z]+", open(path, errors="replace").read().lower())
    words = []
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(f):
            words += re.findall(r"[a-z]+", open(f, errors="replace").read().lower())
    return words


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=TEXT8 if os.path.exists(TEXT8) else "")
    parser.add_argument("--words", type=int, default=400000, help="use the first N words")
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 2000, 4000, 8000])
    args = parser.parse_args()
    words = read_words(args.corpus)[: args.words]
    runs = [words[i : i + 100] for i in range(0, len(words), 100)]
    train = [w for i, run in enumerate(runs) if i % 5 for w in run]
    held = [w for i, run in enumerate(runs) if i % 5 == 0 for w in run]
    counts = E.count_words([" ".join(train)])
    print(f"{args.corpus or 'common-licenses'}: {len(train)} training words ({len(counts)} distinct), "
          f"{len(held)} held-out words")
    print("| vocabulary | criterion | log-likelihood / held-out word | tokens / word | training s |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        for criterion in ("likelihood", "frequency", "pmi"):
            start = time.perf_counter()
            tokens = E.train_wordpiece(counts, size, 2, criterion)[0]
            seconds = time.perf_counter() - start
            tokenizer = wordpiece(tokens)
            c = collections.Counter(segment(tokenizer, train))
            n = sum(c.values())
            held_tokens = segment(tokenizer, held)
            ll = sum(math.log((c[t] + 1) / (n + len(tokens))) for t in held_tokens)
            print(f"| {size} | {criterion} | {ll / len(held):.3f} | {len(held_tokens) / len(held):.2f} "
                  f"| {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
