#!/usr/bin/env bash
# The main job's own evaluation: the team's descriptions of words
# (descriptions.tsv, set a) and held-out WordNet glosses (wordnet-glosses.tsv,
# set b) searched in the GCIDE collection that `make run` builds, every mode,
# per entry and grouped by title (the demo's default), scored by
# retrieval_reference.py. Run `make run` first. Prints one JSON line per run.
set -euo pipefail
BUILD=${BUILD:-build}
here=$(dirname "$0")
for set in descriptions wordnet-glosses; do
  out="$BUILD/eval/$set"
  /usr/bin/python3 "$here/make_beir.py" --corpus "$BUILD/corpus/gcide.jsonl" --queries "$here/$set.tsv" -o "$out"
  for group in "" title; do
    for run in dense:bm25 sparse:tfidf sparse:bm25 hybrid:tfidf hybrid:bm25; do
      /usr/bin/python3 "$here/score_search.py" "$BUILD/embed" "$BUILD/gcide-collection" "$out" --mode "${run%%:*}" \
        --sparse "${run##*:}" ${group:+--group-by "$group"}
    done
  done
done
