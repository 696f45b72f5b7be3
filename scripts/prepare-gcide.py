#!/usr/bin/python3
"""Prepares the default search corpus: the definitions of GCIDE (the GNU
Collaborative International Dictionary of English, Debian package
`dict-gcide`, GPL-2+), one JSON line per entry: {"id", "title", "text"}.

Input is the dictd database the package installs: `gcide.index` (lines of
headword TAB offset TAB length, the numbers in dictd's base-64 digits
A-Z a-z 0-9 + /) and `gcide.dict.dz` (gzip-compatible dictzip). Entries
that share a definition are written once; the database's own 00-database-*
entries are skipped. The text keeps the definitions and drops what only
typesetting needs: pronunciations (\\Ap"ple\\), bracketed etymologies,
sources and accent codes ([OE. appel], [1913 Webster], [ae]), and braces.

With --words OUT.txt it also writes the definitions as word-vector training
text: one definition per line, lower-cased (str.lower()), every run of
characters that are not letters (str.isalpha(): Unicode L*) made one space,
which is how the sentence encoder (embed/text/sentence/word_vector_encoder.h)
splits text into words.

Usage: prepare-gcide.py [-o OUT.jsonl] [--words OUT.txt] [--dict-dir /usr/share/dictd] [--limit N]
Writes atomically (temporary file + rename); an existing OUT is kept when
it is newer than the database (delete it to rebuild).
"""
import argparse
import contextlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dictd  # noqa: E402

PRONUNCIATION = re.compile(r"\\[^\\\n]*\\")
BRACKETS = re.compile(r"\[[^\[\]]*\]")
SPACES = re.compile(r"\s+")


def clean(text):
    text = PRONUNCIATION.sub(" ", text)
    for _ in range(3):  # brackets nest at most a little ([OE. [ae]ppel])
        text = BRACKETS.sub(" ", text)
    text = text.replace("{", "").replace("}", "")
    return SPACES.sub(" ", text).strip()


def letter_words(text):
    return " ".join("".join(c if c.isalpha() else " " for c in text.lower()).split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default="gcide.jsonl")
    ap.add_argument("--words", help="also write word-vector training text here")
    ap.add_argument("--dict-dir", default="/usr/share/dictd")
    ap.add_argument("--limit", type=int, default=0, help="stop after N entries (0: all)")
    args = ap.parse_args()
    data = os.path.join(args.dict_dir, "gcide.dict.dz")
    outputs = [args.output] + ([args.words] if args.words else [])
    if all(dictd.newer_than(o, data) for o in outputs):
        print(f"prepare-gcide: {', '.join(outputs)} up to date")
        return
    written = 0
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(dictd.atomic_output(args.output))
        words = stack.enter_context(dictd.atomic_output(args.words)) if args.words else None
        for title, body in dictd.entries(args.dict_dir, "gcide", "dict-gcide"):
            text = clean(body)
            if not text:
                continue
            out.write(json.dumps({"id": written, "title": title, "text": text}, ensure_ascii=False) + "\n")
            if words:
                words.write(letter_words(text) + "\n")
            written += 1
            if args.limit and written >= args.limit:
                break
    print(f"prepare-gcide: {written} definitions -> {', '.join(outputs)}")


if __name__ == "__main__":
    main()
