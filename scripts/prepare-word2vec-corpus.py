#!/usr/bin/python3
"""Builds the word-vector training corpus of issue 5 (over 10M tokens) from
Debian packages: the definitions of GCIDE (dict-gcide), WordNet 3.0 in
dictd form (dict-wn: glosses and examples), FOLDOC (dict-foldoc) and, when
the `bible` command of bible-kjv is installed, the King James Bible.

Text is normalised as Matt Mahoney's text8 is: lower case, every run of
characters other than a-z becomes one space; one dictionary entry (or one
Bible verse) per line. Prints the token count; writes atomically and keeps
an output newer than its sources.

Usage: prepare-word2vec-corpus.py [-o OUT.txt] [--dict-dir /usr/share/dictd]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dictd  # noqa: E402

NOT_LETTERS = re.compile(r"[^a-z]+")
SOURCES = [("gcide", "dict-gcide"), ("wn", "dict-wn"), ("foldoc", "dict-foldoc")]


def normalise(text):
    return NOT_LETTERS.sub(" ", text.lower()).strip()


def bible_verses():
    if not shutil.which("bible"):
        print("prepare-word2vec-corpus: `bible` (package bible-kjv) not found; leaving the Bible out")
        return
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        yield line.split(" ", 1)[1] if " " in line else line  # drop the "Ge1:1" reference


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default="word2vec-corpus.txt")
    ap.add_argument("--dict-dir", default="/usr/share/dictd")
    args = ap.parse_args()
    inputs = [os.path.join(args.dict_dir, f"{name}.dict.dz") for name, _ in SOURCES]
    if dictd.newer_than(args.output, *[i for i in inputs if os.path.exists(i)]):
        print(f"prepare-word2vec-corpus: {args.output} is up to date")
        return
    tokens = {}
    with dictd.atomic_output(args.output, encoding="ascii") as out:
        streams = [(name, (body for _, body in dictd.entries(args.dict_dir, name, package)))
                   for name, package in SOURCES]
        streams.append(("bible", bible_verses()))
        for name, texts in streams:
            n = 0
            for text in texts:
                line = normalise(text)
                if line:
                    out.write(line + "\n")
                    n += line.count(" ") + 1
            tokens[name] = n
    parts = ", ".join(f"{k} {v:,}" for k, v in tokens.items())
    print(f"prepare-word2vec-corpus: {sum(tokens.values()):,} tokens ({parts}) -> {args.output}")


if __name__ == "__main__":
    main()
