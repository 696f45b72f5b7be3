#!/usr/bin/env bash
# The main job's own evaluation: the team's descriptions of words
# (descriptions.tsv, set a), held-out WordNet glosses (wordnet-glosses.tsv,
# set b) and the development glosses settings were chosen on
# (wordnet-dev.tsv), searched in the GCIDE collection that `make run` builds,
# with `embed eval retrieval`: every mode side by side, per entry and grouped
# by title, then the demo's own setting (hybrid, BM25 weighted 2, grouped)
# and TF-IDF for comparison. Run `make run` first.
set -euo pipefail
BUILD=${BUILD:-build}
here=$(dirname "$0")
for set in descriptions wordnet-glosses wordnet-dev; do
  out="$BUILD/eval/$set"
  /usr/bin/python3 "$here/make_beir.py" --corpus "$BUILD/corpus/gcide.jsonl" --queries "$here/$set.tsv" -o "$out"
  eval_retrieval() { "$BUILD/embed" eval retrieval --collection "$BUILD/gcide-collection" --beir "$out" "$@"; }
  echo "== $set: per entry, BM25"
  eval_retrieval
  echo "== $set: grouped by title, BM25"
  eval_retrieval --group-by title
  echo "== $set: grouped by title, TF-IDF"
  eval_retrieval --group-by title --sparse tfidf --mode sparse,hybrid
  echo "== $set: the demo's default (hybrid, BM25 weighted 2, grouped by title)"
  eval_retrieval --group-by title --mode hybrid --sparse-weight 2
done
