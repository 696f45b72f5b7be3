#!/usr/bin/env bash
# The main job's own evaluation: the team's descriptions of words
# (descriptions.tsv, set a) and held-out WordNet glosses (wordnet-glosses.tsv,
# set b) searched in the GCIDE collection that `make run` builds, with
# `embed eval retrieval`: every mode side by side, with BM25 and with TF-IDF,
# per entry and grouped by title (the demo's default). Run `make run` first.
set -euo pipefail
BUILD=${BUILD:-build}
here=$(dirname "$0")
for set in descriptions wordnet-glosses; do
  out="$BUILD/eval/$set"
  /usr/bin/python3 "$here/make_beir.py" --corpus "$BUILD/corpus/gcide.jsonl" --queries "$here/$set.tsv" -o "$out"
  for group in "" title; do
    for sparse in bm25 tfidf; do
      echo "== $set, sparse $sparse, ${group:+grouped by }${group:-per entry}"
      "$BUILD/embed" eval retrieval --collection "$BUILD/gcide-collection" --beir "$out" --sparse "$sparse" \
        --cutoffs 1,10,100 ${group:+--group-by "$group"}
    done
  done
done
