#!/usr/bin/python3
"""Writes one of the main job's evaluation sets as a BEIR folder
(corpus.jsonl, queries.jsonl, qrels/test.tsv) over a prepared GCIDE corpus
(scripts/prepare-gcide.py's JSON lines).

The queries are lines "text TAB headword[|headword...]" (# starts a comment):
bench/dictionary/descriptions.tsv (set a) or wordnet-glosses.tsv (set b).
A document is relevant (1) to a query when its title is one of the query's
headwords, compared after NFKD, removing combining marks and lower-casing
("Aperçu" = "apercu"). Queries whose headwords title no document are listed
on stderr and left out. With --judge-by lead the headword is read from the
start of the text instead (up to its first comma or parenthesis): how corpora written before
titles were fixed are judged, so that an entry counts for the word it defines
even where its title named another.

Usage: make_beir.py --corpus gcide.jsonl --queries descriptions.tsv -o DIR
"""
import argparse
import json
import os
import re
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import dictd  # noqa: E402


def fold(word):
    word = unicodedata.normalize("NFKD", word)
    return " ".join("".join(c for c in word if not unicodedata.combining(c)).lower().split())


def read_queries(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                sys.exit(f"{path}:{n}: expected 'description TAB headword[|headword...]'")
            out.append((parts[0].strip(), [h.strip() for h in parts[1].split("|") if h.strip()]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--judge-by", choices=["title", "lead"], default="title")
    args = ap.parse_args()
    by_title = {}
    os.makedirs(os.path.join(args.output, "qrels"), exist_ok=True)
    with dictd.atomic_output(os.path.join(args.output, "corpus.jsonl")) as corpus, \
            open(args.corpus, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            head = d["title"] if args.judge_by == "title" else re.split(r"[,(]", d["text"])[0]
            by_title.setdefault(fold(head), []).append(str(d["id"]))
            corpus.write(json.dumps({"_id": str(d["id"]), "title": d["title"], "text": d["text"]},
                                    ensure_ascii=False) + "\n")
    queries = read_queries(args.queries)
    missing, kept = [], 0
    with dictd.atomic_output(os.path.join(args.output, "queries.jsonl")) as qout, \
            dictd.atomic_output(os.path.join(args.output, "qrels", "test.tsv")) as rout:
        rout.write("query-id\tcorpus-id\tscore\n")
        for i, (text, heads) in enumerate(queries):
            docs = sorted({d for h in heads for d in by_title.get(fold(h), [])}, key=int)
            if not docs:
                missing.append(f"{text} -> {'|'.join(heads)}")
                continue
            qid = f"q{i}"
            qout.write(json.dumps({"_id": qid, "text": text, "metadata": {"headwords": heads}},
                                  ensure_ascii=False) + "\n")
            for d in docs:
                rout.write(f"{qid}\t{d}\t1\n")
            kept += 1
    for m in missing:
        print(f"make_beir: no document is titled {m}", file=sys.stderr)
    print(f"make_beir: {kept} queries ({len(missing)} left out) -> {args.output}")


if __name__ == "__main__":
    main()
