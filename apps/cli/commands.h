// One function per CLI verb; main.cpp only parses options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace embed::cli {

struct DemoOptions {
  std::uint64_t seed = 42;
  int steps = 300;
  std::string output = "demo-mlp.safetensors";
};

struct TokenizerOptions {
  std::string tokenizer;  // a tokenizer.json
  bool add_special_tokens = true;
  bool skip_special_tokens = true;
  bool ids_only = false;  // encode: space-separated ids per line instead of JSON
};

struct TokenizerTrainOptions {
  std::string model = "bpe";  // bpe | wordpiece | word | char
  bool byte_level = false;    // bpe: GPT-2's byte-level variant
  std::int64_t vocab_size = 8000;
  std::int64_t min_frequency = 2;
  std::string criterion = "likelihood";  // wordpiece: likelihood | frequency | pmi
  bool lowercase = false;
  std::vector<std::string> corpus;
  std::string output = "tokenizer.json";
};

// `embed tfidf`: one struct for the three verbs (fit uses the vectorizer options).
struct TfidfOptions {
  std::string model = "tfidf.json";
  std::vector<std::string> inputs;  // text (one document per line) or .jsonl ({"text": ...} per line)
  std::string matrix;               // .npz (sparse) or .npy (dense) output
  std::string analyzer = "word";
  bool lowercase = true;
  std::string strip_accents = "none";
  int ngram_min = 1, ngram_max = 1;
  std::string stop_words;  // a file, one word per line
  std::string tokenizer;   // a tokenizer.json whose tokens replace the word regex
  std::string min_df = "1", max_df = "1.0";
  std::int64_t max_features = 0;
  bool binary = false;
  std::string tf = "raw", idf = "smooth", norm = "l2";
  bool clip_idf = false;
  std::vector<std::string> queries;
  std::int64_t k = 10;
  bool json = false;
};

struct Word2VecCliOptions {
  std::vector<std::string> corpus;
  std::string output = "vectors.bin";
  bool cbow = false;
  std::int64_t dim = 100, window = 5, negative = 5, min_count = 5, epochs = 5;
  double sample = 1e-3, alpha = -1;
  std::uint64_t seed = 1;
  bool replace_invalid_utf8 = false;
  bool hs = false;
  bool hogwild = false;  // threads write shared rows without rounds: not reproducible
  std::int64_t min_n = 3, max_n = 0, buckets = 2000000;
  std::string model;  // with max_n > 0: where to write the fastText .bin model
};

struct GloveCliOptions {
  std::vector<std::string> corpus;
  std::string output = "vectors.bin";
  std::int64_t dim = 100, window = 10, min_count = 5, epochs = 25;
  double x_max = 100, alpha = 0.75, eta = 0.05;
  bool asymmetric = false;
  std::uint64_t seed = 1;
  bool replace_invalid_utf8 = false;
};

struct VectorsOptions {
  std::string vectors;             // .bin (word2vec binary or fastText model, by its magic) or .vec/.txt (text)
  std::vector<std::string> words;  // similar: positive words; analogy: a b c
  std::vector<std::string> negative;
  std::int64_t k = 10;
  bool cosmul = false;
  std::string analogies;
  std::vector<std::string> similarity;
  std::int64_t restrict_vocab = 300000;
};

// `embed index build|add`
struct IndexOptions {
  std::string collection;           // directory
  std::string model;                // build: word vectors (fastText .bin, word2vec .bin/.vec)
  std::vector<std::string> inputs;  // .jsonl or text files
  std::string backend = "hnsw", metric = "cosine";
  std::int64_t m = 16, ef_construction = 200, ef_search = 64;
  std::int64_t nlist = 1024, pq_m = 0, nprobe = 16;
  bool no_sparse = false;
  bool no_stem = false;                                // sparse terms are the words themselves, not their stems
  double bm25_k1 = 0.9, bm25_b = 0.4, bm25_delta = 0;  // Pyserini's k1, b; BM25+ when delta > 0
  std::string bm25_idf = "lucene";
  bool bm25_k1_plus_1 = false;
};

// `embed search`
struct SearchOptions {
  std::string collection;
  std::vector<std::string> queries;  // none: lines of stdin
  std::int64_t k = 10;
  std::string mode = "dense";
  std::int64_t ef_search = 0;  // 0: the collection's
  std::int64_t nprobe = 0;     // 0: the collection's
  bool json = false;
  std::string sparse = "bm25";  // the sparse list: bm25 | tfidf
  double sparse_weight = 1;     // hybrid: the sparse list's weight in the fusion (dense: 1)
  bool explain = false;         // name the matched terms of each hit
  std::string group_by;         // "" (each document) | "title" (one result per title)
  std::int64_t per_group = 2;   // entries shown per title
  std::int64_t depth = 0;       // documents searched to fill k titles; 0: max(100, 10 k)
};

// `embed text encode`
struct TextEncodeOptions {
  std::string model;   // word vectors file, or a collection directory
  std::string output;  // .npy; empty: JSON lines on stdout
};

// `embed eval`
struct EvalOptions {
  std::string input;  // .npy matrix or word vectors
  std::int64_t limit = 0;
  std::uint64_t seed = 0;
  std::int64_t cardinality = 0;
  std::string method = "pca";  // pca | tsne
  std::string output = "plot.svg", coords, labels;
  double perplexity = 30;
  std::int64_t iterations = 1000;
};
// `embed eval retrieval`
struct EvalRetrievalOptions {
  std::string qrels, run, collection, beir, queries;
  std::string split = "test";  // qrels/<split>.tsv of a BEIR folder
  std::vector<std::string> modes = {"dense", "sparse", "hybrid"};
  std::string sparse = "bm25";
  double sparse_weight = 1;
  std::string group_by;
  std::int64_t depth = 100;  // results per query
  std::vector<std::int64_t> cutoffs = {1, 10, 100};
  std::string per_query, save_run;
  bool json = false;
};
int run_eval_retrieval(const EvalRetrievalOptions& options);
int run_eval_collapse(const EvalOptions& options);
int run_eval_size(const EvalOptions& options);
int run_eval_plot(const EvalOptions& options);

int run_text_encode(const TextEncodeOptions& options);
int run_index_build(const IndexOptions& options);
int run_index_add(const IndexOptions& options);
int run_search(const SearchOptions& options);
// `embed demo`: the main job over a prepared corpus (see demo_search.cpp).
struct DemoSearchOptions {
  std::string corpus = "build/corpus/gcide.jsonl";
  std::string words = "build/corpus/gcide-words.txt";
  std::string workdir = "build";
  std::vector<std::string> queries = {"a boat propelled by oars", "musical instrument with strings", "venomous snake",
                                      "science of the stars", "a device for measuring time"};
  std::int64_t k = 5;
  std::string mode = "hybrid";
  std::string group_by = "title";  // a dictionary answers with words
  std::string sparse = "bm25";
  // BM25 twice the weight of the subword vectors: the best fusion on a
  // development set of held-out WordNet glosses (docs/BENCHMARKS.md).
  double sparse_weight = 2;
  bool explain = false;
};

// `embed demo mlp`: the engine's end-to-end check (a small MLP).
int run_demo(const DemoOptions& options);
int run_demo_search(const DemoSearchOptions& options);
int run_word2vec_train(const Word2VecCliOptions& options);
int run_glove_train(const GloveCliOptions& options);
int run_vectors_similar(const VectorsOptions& options);
int run_vectors_analogy(const VectorsOptions& options);
int run_vectors_evaluate(const VectorsOptions& options);
int run_tfidf_fit(const TfidfOptions& options);
int run_tfidf_transform(const TfidfOptions& options);
// Ranks the documents of `inputs` for each query by cosine similarity.
int run_tfidf_search(const TfidfOptions& options);
// Trains a tokenizer on text files and writes a tokenizer.json.
int run_tokenizer_train(const TokenizerTrainOptions& options);
// Each stdin line (UTF-8 text) -> one JSON line {"ids": [...], "tokens": [...], "offsets": [[b, e], ...]},
// or with ids_only the ids separated by spaces.
int run_tokenizer_encode(const TokenizerOptions& options);
// Each stdin line (a JSON array of ids, or {"ids": [...]}) -> one line of text.
int run_tokenizer_decode(const TokenizerOptions& options);
int run_inspect(const std::string& path);

}  // namespace embed::cli
