#!/usr/bin/python3
"""Prepares the default search corpus: the entries of GCIDE (the GNU
Collaborative International Dictionary of English, Debian package
`dict-gcide`, GPL-2+), one JSON line per entry:
  {"id", "title", "text", "headwords": [...]}

Input is the dictd database the package installs: `gcide.index` (lines of
headword TAB offset TAB length, the numbers in dictd's base-64 digits
A-Z a-z 0-9 + /) and `gcide.dict.dz` (gzip-compatible dictzip).

Entries. Every distinct byte range of the database is one entry (the
database's description of itself, 00-database-*, is skipped), so nothing is
lost; the few definitions the database holds twice (the same headword and
text at two places) are written once, with the headwords of both.
Several index keys point at most ranges: the word itself, its
inflections (Boated, Boating), the phrases defined inside it (Boat hook) and
the names it mentions (Coffea Arabica). `headwords` keeps them all: first
the headwords the text starts with ("Dingey \\Din"gey\\, Dingy \\Din"gy\\, ..."
gives Dingey, Dingy), then the other keys in index order, repeats (ignoring
case) dropped. The title is the first headword the text starts with: the
word the entry defines. A few ranges of the database are not entries but
the tail of the one before them (the conversion cut a long entry in two;
their text starts mid-definition, and only white space separates them from
the range before): such a range is joined to the entry before it, and its
keys are added to that entry's headwords.

Text. GCIDE's character entities ([=o], [add], [ae], [root], ...) become the
Unicode characters they stand for (scripts/gcide_entities.py, after GCIDE's
webfont.asc and Webster's pronunciation key): "Boat (bōt), n.". Then what
only typesetting needs is dropped: the syllabified spellings (\\Ap"ple\\),
bracketed etymologies, sources and usage labels ([OE. appel], [1913
Webster], [Obs.]) and braces.

With --words OUT.txt it also writes the definitions as word-vector training
text: one definition per line, lower-cased (str.lower()), every run of
characters that are not letters (str.isalpha(): Unicode L*) made one space,
which is how the sentence encoder (embed/text/sentence/word_vector_encoder.h)
splits text into words.

Usage: prepare-gcide.py [-o OUT.jsonl] [--words OUT.txt] [--dict-dir /usr/share/dictd] [--limit N]
Writes atomically (temporary file + rename); an existing OUT is kept when
it is newer than the database and this script (delete it to rebuild).
"""
import argparse
import contextlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dictd  # noqa: E402
import gcide_entities  # noqa: E402

SPELLING = re.compile(r"\\(?:[^\\\n]|\n(?!\s*\n))*\\")  # may run onto the next line, never past a blank one
BRACKETS = re.compile(r"\[[^\[\]]*\]")
SPACES = re.compile(r"\s+")
# A headword at the start of an entry: words up to its syllabified spelling
# (\Cof"fee\), then optionally its pronunciation in parentheses.
LEAD = re.compile(r"\s*([^\\\[\]{}(),;\n][^\\\[\]{}(),;\n]*?)\s*" + SPELLING.pattern + r"\s*(\([^()]*\))?")


def clean(text):
    text = SPELLING.sub(" ", text)
    for _ in range(3):  # brackets nest at most a little ([OE. [ae]ppel] before entities are converted)
        text = BRACKETS.sub(" ", text)
    text = text.replace("{", "").replace("}", "")
    return SPACES.sub(" ", text).strip()


def lead_headwords(text):
    """The headwords an entry's text starts with: "Dingey \\Din"gey\\, Dingy
    \\Din"gy\\, n." gives [Dingey, Dingy]; [] when it starts mid-definition."""
    heads, pos = [], 0
    while True:
        m = LEAD.match(text, pos)
        if not m:
            return heads
        heads.append(SPACES.sub(" ", m.group(1)).strip())
        pos = m.end()
        comma = re.match(r"\s*,", text[pos:])
        if not comma:
            return heads
        pos += comma.end()


def without_repeats(words):
    seen, out = set(), []
    for w in words:
        w = SPACES.sub(" ", w).strip()
        if w and w.lower() not in seen:
            seen.add(w.lower())
            out.append(w)
    return out


def read_entries(dict_dir):
    """(title, headwords, raw text with entities converted) per entry, in
    the order of the database; how many tail ranges were joined and how
    many ranges the database has."""
    body, defs = dictd.read(dict_dir, "gcide", "dict-gcide")
    entries, joined = [], 0
    previous = None  # the entry the last range went to, None for the database's own text
    end = -1  # where the last range ended
    for offset, length, keys in sorted(defs, key=lambda d: (d[0], d[1])):
        raw = body[offset:offset + length].decode("utf-8", errors="replace")
        text = gcide_entities.to_unicode(raw)
        heads = lead_headwords(text)
        # A tail: no headword, and only white space between it and the range before it.
        tail = not heads and end >= 0 and not body[end:offset].strip()
        end = offset + length
        if raw.lstrip().startswith("00-database") or (tail and previous is None):
            previous = None  # the database's description of itself (00-database-info and its tail)
            continue
        if tail:
            previous["text"] += "\n" + text
            previous["headwords"] = without_repeats(previous["headwords"] + [gcide_entities.to_unicode(k) for k in keys])
            joined += 1
            continue
        headwords = without_repeats(heads + [gcide_entities.to_unicode(k) for k in keys])
        previous = {"title": headwords[0], "headwords": headwords, "text": text}
        entries.append(previous)
    return entries, joined, len(defs)


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
    scripts = [os.path.abspath(__file__), gcide_entities.__file__, dictd.__file__]
    if all(dictd.newer_than(o, data, *scripts) for o in outputs):
        print(f"prepare-gcide: {', '.join(outputs)} up to date")
        return
    entries, joined, ranges = read_entries(args.dict_dir)
    rows, where, empty, repeated = [], {}, 0, 0  # where: (title, text) -> row
    for e in entries:
        text = clean(e["text"])
        if not text:
            empty += 1
            continue
        if (e["title"], text) in where:  # the database holds a few definitions twice, at two places
            row = rows[where[(e["title"], text)]]
            row["headwords"] = without_repeats(row["headwords"] + e["headwords"])
            repeated += 1
            continue
        where[(e["title"], text)] = len(rows)
        rows.append({"id": len(rows), "title": e["title"], "text": text, "headwords": e["headwords"]})
        if args.limit and len(rows) >= args.limit:
            break
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(dictd.atomic_output(args.output))
        words = stack.enter_context(dictd.atomic_output(args.words)) if args.words else None
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if words:
                words.write(letter_words(row["text"]) + "\n")
    distinct = len({w.lower() for r in rows for w in r["headwords"]})
    print(f"prepare-gcide: {ranges} definitions in the database, {joined} tails joined to the entry before them, "
          f"{repeated} repeated, {empty} empty; {len(rows)} entries, {distinct} distinct headwords -> "
          f"{', '.join(outputs)}")


if __name__ == "__main__":
    main()
