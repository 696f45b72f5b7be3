// `embed demo`: the main job. From a prepared corpus (GCIDE's definitions as
// JSON lines, and the same text split into words for training; `make run`
// prepares both with scripts/prepare-gcide.py) it trains subword vectors,
// builds a collection (SIF vectors in HNSW, TF-IDF rows, SQLite store) and
// answers example queries. What is already built and newer than its inputs
// is kept, so a second run only searches.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/documents.h"
#include "embed/core/error.h"
#include "embed/search/collection.h"
#include "embed/text/sentence/text_encoder.h"
#include "embed/text/static/word2vec.h"

namespace embed::cli {

namespace fs = std::filesystem;

namespace {

bool newer(const fs::path& output, const fs::path& input) {
  return fs::exists(output) && fs::last_write_time(output) >= fs::last_write_time(input);
}

}  // namespace

int run_demo_search(const DemoSearchOptions& o) {
  for (const std::string& f : {o.corpus, o.words})
    EMBED_CHECK(fs::exists(f),
                "{} is missing: prepare the corpus with `make run` (or scripts/prepare-gcide.py -o {} "
                "--words {})",
                f, o.corpus, o.words);
  fs::create_directories(o.workdir);
  const fs::path model = fs::path(o.workdir) / "gcide-vectors.bin";
  const fs::path collection = fs::path(o.workdir) / "gcide-collection";

  if (newer(model, o.words)) {
    std::fprintf(stderr, "embed demo: %s is up to date\n", model.c_str());
  } else {
    std::fprintf(stderr, "embed demo: training subword vectors on %s\n", o.words.c_str());
    text::Word2VecOptions w;  // skip-gram, dim 100, window 5, 5 negatives, 5 epochs
    w.min_count = 3;
    w.max_n = 5;
    w.buckets = 200000;
    const text::Word2VecResult r = text::train_word2vec({o.words}, w);
    r.subwords.save_fasttext(model.string());
    std::fprintf(stderr, "embed demo: %lld words in the vocabulary, %.1f s -> %s\n",
                 static_cast<long long>(r.vectors.size()), r.seconds, model.c_str());
  }
  // A collection of an older format is built again (it is the demo's own).
  bool current = newer(collection / "manifest.json", model);
  if (current) {
    try {
      (void)search::Collection::open(collection.string(), /*writable=*/false, /*progress=*/false);
    } catch (const Unsupported& e) {
      std::fprintf(stderr, "embed demo: %s\n", e.what());
      current = false;
    }
  }
  if (current) {
    std::fprintf(stderr, "embed demo: %s is up to date\n", collection.c_str());
  } else {
    fs::remove_all(collection);
    std::vector<search::Document> docs = read_documents({o.corpus}, /*keep_empty=*/false);
    std::fprintf(stderr, "embed demo: building %s from %zu documents\n", collection.c_str(), docs.size());
    search::Collection::build(collection.string(), text::text_encoder_for_model(model.string()), std::move(docs),
                              search::CollectionOptions{});
  }
  SearchOptions s;
  s.collection = collection.string();
  s.queries = o.queries;
  s.k = o.k;
  s.mode = o.mode;
  if (o.group_by != "none") s.group_by = o.group_by;
  s.sparse = o.sparse;
  s.sparse_weight = o.sparse_weight;
  s.explain = o.explain;
  return run_search(s);
}

}  // namespace embed::cli
