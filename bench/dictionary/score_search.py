#!/usr/bin/python3
"""Scores `embed search --json` on a BEIR folder with the metrics of
tests/oracle/retrieval_reference.py (the NumPy oracle of `embed eval retrieval`): the way to measure a build that has no
`embed eval retrieval` (it measured the main job before this evaluation
existed). Results keep the order the search printed them in.

With --group-by title the search answers titles; each is represented by its
best entry (which carries the title), so accuracy@k, MRR and the rank of the
first relevant answer are those of the titles when the judgements are by
title, as make_beir.py writes them.

Usage: score_search.py EMBED COLLECTION BEIR_DIR [--mode hybrid] [--sparse bm25|tfidf] [--k 100] [--group-by title]"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "oracle"))
import retrieval_reference as ref  # noqa: E402


def read_beir(folder):
    queries = {}
    for line in open(os.path.join(folder, "queries.jsonl"), encoding="utf-8"):
        q = json.loads(line)
        queries[q["_id"]] = q["text"]
    qrels = {}
    for n, line in enumerate(open(os.path.join(folder, "qrels", "test.tsv"), encoding="utf-8")):
        q, d, s = line.rstrip("\n").split("\t")
        if n == 0 and s == "score":
            continue
        qrels.setdefault(q, {})[d] = int(s)
    return queries, qrels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("embed")
    ap.add_argument("collection")
    ap.add_argument("beir")
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--group-by", default="")
    ap.add_argument("--sparse", default="bm25", help="bm25 | tfidf; empty: the binary's own (builds before BM25)")
    args = ap.parse_args()
    queries, qrels = read_beir(args.beir)
    ids = list(queries)
    group = ["--group-by", args.group_by, "--per-group", "1"] if args.group_by else []
    proc = subprocess.run([args.embed, "search", args.collection, "--json", "-k", str(args.k), "--mode", args.mode,
                           *(["--sparse", args.sparse] if args.sparse else []), *group],
                          input="\n".join(queries[q] for q in ids) + "\n", capture_output=True, text=True, check=True)
    lines = proc.stdout.splitlines()
    assert len(lines) == len(ids), (len(lines), len(ids))
    run = {}
    for q, line in zip(ids, lines):
        answer = json.loads(line)
        hits = answer["hits"] if "hits" in answer else [dict(g["entries"][0], rank=g["rank"]) for g in answer["groups"]]
        run[q] = {str(h["id"]): -float(h["rank"]) for h in hits}
    mean, _ = ref.evaluate(run, qrels)
    ranks = sorted(r if r is not None else float("inf")
                   for r in (ref.first_relevant_rank(run.get(q, {}), j) for q, j in qrels.items()))
    median = ranks[len(ranks) // 2] if len(ranks) % 2 else (ranks[len(ranks) // 2 - 1] + ranks[len(ranks) // 2]) / 2
    print(json.dumps({"mode": args.mode, "sparse": args.sparse if args.mode != "dense" else None, "group_by": args.group_by or "none", "queries": len(qrels), "accuracy@1": mean["accuracy@1"],
                      "accuracy@10": mean["accuracy@10"], "accuracy@100": mean["accuracy@100"],
                      "mrr@10": mean["mrr@10"], "median_rank": median if median != float("inf") else f">{args.k}"}))


if __name__ == "__main__":
    main()
