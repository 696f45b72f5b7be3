#!/usr/bin/python3
"""Set (b) of the main job's evaluation: WordNet glosses (Debian dict-wn)
whose text GCIDE does not contain, each with the headword it glosses, as
lines "gloss TAB headword" for make_beir.py.

GCIDE took many glosses from WordNet 1.5 verbatim, so a gloss is held out
only when none of its word n-grams occurs in GCIDE: both texts are reduced
to lower-case letter words (as prepare-gcide.py's --words), and a gloss of
w words is dropped when any run of min(w, 5) consecutive words of it is a
run of GCIDE's text. The first gloss of each sense is used ("n 1: gloss;
"example" [syn: ...]": the text before the first ';', '"' or '['); glosses
of fewer than 3 words, or that contain their own headword, are dropped; the
headword must be a single word that titles a GCIDE entry. A seeded sample
of --n of them is written, in dict-wn's order, leaving out those of the
sets named by --exclude.

Set (b), the evaluation: --n 500 --seed 1 (wordnet-glosses.tsv). The
development set on which settings are chosen (wordnet-dev.tsv):
--n 500 --seed 2 --exclude wordnet-glosses.tsv.

Usage: make_wordnet_glosses.py --corpus gcide.jsonl [-o wordnet-glosses.tsv] [--n 500] [--seed 1] [--exclude SET.tsv]"""
import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import dictd  # noqa: E402

SENSE = re.compile(r"(?:^|\n)\s*(?:(?:n|v|adj|adv)\s+)?\d+:\s+(.*?)(?=\n\s*(?:(?:n|v|adj|adv)\s+)?\d+:|\Z)", re.S)
N = 5


def words(text):
    return "".join(c if c.isalpha() else " " for c in text.lower()).split()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-o", "--output", default=os.path.join(os.path.dirname(__file__), "wordnet-glosses.tsv"))
    ap.add_argument("--dict-dir", default="/usr/share/dictd")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exclude", action="append", default=[], help="a set (gloss TAB headword) to leave out")
    args = ap.parse_args()
    excluded = set()
    for path in args.exclude:
        with open(path, encoding="utf-8") as f:
            excluded.update(tuple(line.rstrip("\n").split("\t")) for line in f if not line.startswith("#"))
    titles, grams = set(), set()
    with open(args.corpus, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            titles.add(d["title"].lower())
            w = words(d["text"])
            for n in range(1, N + 1):  # glosses shorter than N words are looked up whole
                grams.update(hash(tuple(w[i:i + n])) for i in range(len(w) - n + 1))
    body, defs = dictd.read(args.dict_dir, "wn", "dict-wn")
    candidates, seen = [], set()
    for offset, length, heads in defs:
        head = heads[0].strip()
        if not head.isalpha() or head.lower() not in titles:
            continue
        text = body[offset:offset + length].decode("utf-8", errors="replace")
        for m in SENSE.finditer(text):
            gloss = " ".join(re.split(r'[;"\[]', m.group(1))[0].split()).strip()
            w = words(gloss)
            if len(w) < 3 or head.lower() in w or (gloss, head) in seen or (gloss, head) in excluded:
                continue
            n = min(len(w), N)
            if any(hash(tuple(w[i:i + n])) in grams for i in range(len(w) - n + 1)):
                continue  # GCIDE has this text
            seen.add((gloss, head))
            candidates.append((gloss, head))
    keep = sorted(random.Random(args.seed).sample(range(len(candidates)), min(args.n, len(candidates))))
    with dictd.atomic_output(args.output) as out:
        exclude = "".join(f" --exclude {os.path.basename(p)}" for p in args.exclude)
        out.write("# WordNet 3 glosses (Debian dict-wn) that GCIDE does not contain, with their headword.\n"
                  f"# Written by bench/dictionary/make_wordnet_glosses.py --n {args.n} --seed {args.seed}{exclude}.\n")
        for i in keep:
            out.write(f"{candidates[i][0]}\t{candidates[i][1]}\n")
    print(f"make_wordnet_glosses: {len(candidates)} held-out glosses, {len(keep)} written -> {args.output}")


if __name__ == "__main__":
    main()
