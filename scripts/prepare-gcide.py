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

Usage: prepare-gcide.py [-o OUT.jsonl] [--dict-dir /usr/share/dictd] [--limit N]
Writes atomically (temporary file + rename); an existing OUT is kept when
it is newer than the database (delete it to rebuild).
"""
import argparse
import gzip
import json
import os
import re
import sys
import tempfile

DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
VALUE = {c: i for i, c in enumerate(DIGITS)}
PRONUNCIATION = re.compile(r"\\[^\\\n]*\\")
BRACKETS = re.compile(r"\[[^\[\]]*\]")
SPACES = re.compile(r"\s+")


def b64(field, line_no):
    value = 0
    for c in field:
        if c not in VALUE:
            sys.exit(f"gcide.index:{line_no}: '{field}' is not a dictd base-64 number")
        value = value * 64 + VALUE[c]
    return value


def clean(text):
    text = PRONUNCIATION.sub(" ", text)
    for _ in range(3):  # brackets nest at most a little ([OE. [ae]ppel])
        text = BRACKETS.sub(" ", text)
    text = text.replace("{", "").replace("}", "")
    return SPACES.sub(" ", text).strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default="gcide.jsonl")
    ap.add_argument("--dict-dir", default="/usr/share/dictd")
    ap.add_argument("--limit", type=int, default=0, help="stop after N entries (0: all)")
    args = ap.parse_args()
    index = os.path.join(args.dict_dir, "gcide.index")
    data = os.path.join(args.dict_dir, "gcide.dict.dz")
    for path in (index, data):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: install the Debian package dict-gcide (make deps does)")
    if os.path.exists(args.output) and os.path.getmtime(args.output) >= os.path.getmtime(data):
        print(f"prepare-gcide: {args.output} is up to date")
        return
    with gzip.open(data) as f:
        body = f.read()
    seen = set()
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".gcide-", suffix=".tmp")
    written = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, open(index, encoding="utf-8", errors="replace") as idx:
            for line_no, line in enumerate(idx, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    sys.exit(f"{index}:{line_no}: expected headword, offset and length separated by tabs")
                title, offset, length = parts[0], b64(parts[1], line_no), b64(parts[2], line_no)
                if title.startswith("00-database") or (offset, length) in seen:
                    continue
                if offset + length > len(body):
                    sys.exit(f"{index}:{line_no}: entry runs past the end of {data}")
                seen.add((offset, length))
                text = clean(body[offset:offset + length].decode("utf-8", errors="replace"))
                if not text:
                    continue
                out.write(json.dumps({"id": written, "title": title, "text": text}, ensure_ascii=False) + "\n")
                written += 1
                if args.limit and written >= args.limit:
                    break
        os.chmod(tmp, 0o644)
        os.replace(tmp, args.output)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"prepare-gcide: {written} definitions -> {args.output}")


if __name__ == "__main__":
    main()
