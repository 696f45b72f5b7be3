// The `embed` command: `embed <area> <verb> [options]`. Thin: parse options,
// call the library, print. Library errors become one line on stderr and exit 1.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "apps/cli/commands.h"
#include "apps/server/server.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/progress.h"

int main(int argc, char** argv) {
  CLI::App app{
      "embed.cpp: embeddings for text, images, audio, tables and graphs, and search over them.\n"
      "Areas available in this build: demo, inspect, tokenizer, tfidf, word2vec, glove, vectors, text, index,\n"
      "search, serve, eval (more arrive with image, audio, table and graph)."};
  app.set_version_flag("--version", std::string("embed ") + EMBED_VERSION);
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "threads for our loops and BLAS (default: all cores)")
      ->check(CLI::PositiveNumber);

  embed::cli::DemoSearchOptions demo_search;
  auto* demo_cmd = app.add_subcommand(
      "demo", "the main job: subword vectors, a collection and example searches over GCIDE (see `make run`)");
  demo_cmd->require_subcommand(0, 1);
  demo_cmd->add_option("--corpus", demo_search.corpus, "documents (.jsonl) from scripts/prepare-gcide.py");
  demo_cmd->add_option("--words", demo_search.words, "the same text as training words (prepare-gcide.py --words)");
  demo_cmd->add_option("--workdir", demo_search.workdir, "where the model and the collection go");
  demo_cmd->add_option("query", demo_search.queries, "queries (default: five examples)");
  demo_cmd->add_option("-k", demo_search.k, "results per query")->check(CLI::Range(1, 1000));
  demo_cmd->add_option("--mode", demo_search.mode, "dense | sparse | hybrid")
      ->check(CLI::IsMember({"dense", "sparse", "hybrid"}));
  demo_cmd->add_option("--group-by", demo_search.group_by, "title: one result per word (default); none: per entry")
      ->check(CLI::IsMember({"title", "none"}));
  demo_cmd->add_option("--sparse", demo_search.sparse, "the sparse list: bm25 | tfidf")
      ->check(CLI::IsMember({"bm25", "tfidf"}));
  demo_cmd->add_option("--sparse-weight", demo_search.sparse_weight, "hybrid: weight of the sparse list (dense: 1)")
      ->check(CLI::Range(0.0, 1e6));
  demo_cmd->add_flag("--explain", demo_search.explain, "name the query terms each result matched");
  embed::cli::DemoOptions demo;
  auto* demo_mlp = demo_cmd->add_subcommand("mlp", "train a small MLP end to end, save and reload it (safetensors)");
  demo_mlp->add_option("--seed", demo.seed, "random seed");
  demo_mlp->add_option("--steps", demo.steps, "training steps")->check(CLI::Range(1, 100000));
  demo_mlp->add_option("-o,--output", demo.output, "where to write the trained weights");

  std::string inspect_path;
  auto* inspect_cmd =
      app.add_subcommand("inspect", "describe a .npy, .safetensors or index (.idx) file, or a collection");
  inspect_cmd->add_option("path", inspect_path, "file or collection directory")->required();

  embed::cli::TokenizerOptions tok;
  auto* tok_cmd = app.add_subcommand("tokenizer", "encode and decode with a Hugging Face tokenizer.json");
  tok_cmd->require_subcommand(1);
  auto* encode_cmd = tok_cmd->add_subcommand("encode", "stdin lines -> JSON lines of ids, tokens and byte offsets");
  encode_cmd->add_option("tokenizer", tok.tokenizer, "tokenizer.json")->required()->check(CLI::ExistingFile);
  encode_cmd->add_flag("!--no-special-tokens", tok.add_special_tokens, "leave out [CLS]/[SEP] and the like");
  encode_cmd->add_flag("--ids", tok.ids_only, "print only the ids, separated by spaces");
  auto* decode_cmd = tok_cmd->add_subcommand("decode", "stdin JSON arrays of ids -> text lines");
  decode_cmd->add_option("tokenizer", tok.tokenizer, "tokenizer.json")->required()->check(CLI::ExistingFile);
  decode_cmd->add_flag("!--keep-special-tokens", tok.skip_special_tokens, "print special tokens too");

  embed::cli::TokenizerTrainOptions train;
  auto* train_cmd = tok_cmd->add_subcommand("train", "train a tokenizer on text files, write a tokenizer.json");
  train_cmd->add_option("--model", train.model, "bpe | wordpiece | word | char")
      ->check(CLI::IsMember({"bpe", "wordpiece", "word", "char"}));
  train_cmd->add_flag("--byte-level", train.byte_level,
                      "bpe: GPT-2's byte-level BPE (byte alphabet, GPT-2 pre-tokenizer, nothing unknown)");
  train_cmd->add_option("--vocab-size", train.vocab_size, "vocabulary size, special tokens included")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--min-frequency", train.min_frequency, "rarest pair (or word) to keep")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--criterion", train.criterion, "wordpiece: likelihood | frequency | pmi")
      ->check(CLI::IsMember({"likelihood", "frequency", "pmi"}));
  train_cmd->add_flag("--lowercase", train.lowercase, "lowercase before training (and encoding)");
  train_cmd->add_option("corpus", train.corpus, "UTF-8 text files")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("-o,--output", train.output, "where to write the tokenizer.json");

  embed::cli::TfidfOptions tfidf;
  auto* tfidf_cmd = app.add_subcommand("tfidf", "TF-IDF, bag-of-words and one-hot vectors (scikit-learn compatible)");
  tfidf_cmd->require_subcommand(1);
  auto* tfidf_fit = tfidf_cmd->add_subcommand("fit", "learn vocabulary and idf from documents (one per line)");
  tfidf_fit->add_option("input", tfidf.inputs, "text files (a document per line) or .jsonl with \"text\"")
      ->required()
      ->check(CLI::ExistingFile);
  tfidf_fit->add_option("-o,--output", tfidf.model, "where to write the model (JSON)");
  tfidf_fit->add_option("--matrix", tfidf.matrix, "also write the documents' vectors (.npz sparse, .npy dense)");
  tfidf_fit->add_option("--analyzer", tfidf.analyzer, "word | char | char_wb")
      ->check(CLI::IsMember({"word", "char", "char_wb"}));
  tfidf_fit->add_flag("!--no-lowercase", tfidf.lowercase, "keep case");
  tfidf_fit->add_option("--strip-accents", tfidf.strip_accents, "none | unicode | ascii")
      ->check(CLI::IsMember({"none", "unicode", "ascii"}));
  tfidf_fit->add_option("--ngram-min", tfidf.ngram_min, "shortest n-gram")->check(CLI::Range(1, 64));
  tfidf_fit->add_option("--ngram-max", tfidf.ngram_max, "longest n-gram")->check(CLI::Range(1, 64));
  tfidf_fit->add_option("--stop-words", tfidf.stop_words, "file of stop words, one per line")->check(CLI::ExistingFile);
  tfidf_fit->add_option("--tokenizer", tfidf.tokenizer, "word tokens from this tokenizer.json instead of the regex")
      ->check(CLI::ExistingFile);
  tfidf_fit->add_option("--min-df", tfidf.min_df, "rarest term kept: a count (2) or a fraction (0.01)");
  tfidf_fit->add_option("--max-df", tfidf.max_df, "most common term kept: a count or a fraction (0.5)");
  tfidf_fit->add_option("--max-features", tfidf.max_features, "keep the N most frequent terms (0: all)")
      ->check(CLI::NonNegativeNumber);
  tfidf_fit->add_flag("--binary", tfidf.binary, "count presence, not occurrences (one-hot)");
  tfidf_fit->add_option("--tf", tfidf.tf, "raw | log (1+ln) | log10 (1+log10)")
      ->check(CLI::IsMember({"raw", "log", "log10"}));
  tfidf_fit->add_option("--idf", tfidf.idf, "smooth | plain | classic | none (docs/sparse.md)")
      ->check(CLI::IsMember({"smooth", "plain", "classic", "none"}));
  tfidf_fit->add_flag("--clip-idf", tfidf.clip_idf, "classic idf: negative weights become 0");
  tfidf_fit->add_option("--norm", tfidf.norm, "l2 | l1 | none")->check(CLI::IsMember({"l2", "l1", "none"}));
  auto* tfidf_transform = tfidf_cmd->add_subcommand("transform", "vectors of documents under a fitted model");
  tfidf_transform->add_option("model", tfidf.model, "model from `embed tfidf fit`")
      ->required()
      ->check(CLI::ExistingFile);
  tfidf_transform->add_option("input", tfidf.inputs, "text or .jsonl files")->required()->check(CLI::ExistingFile);
  tfidf_transform->add_option("-o,--output", tfidf.matrix, ".npz (sparse) or .npy (dense)")->required();
  auto* tfidf_search = tfidf_cmd->add_subcommand("search", "rank documents by cosine similarity to queries");
  tfidf_search->add_option("model", tfidf.model, "model from `embed tfidf fit`")->required()->check(CLI::ExistingFile);
  tfidf_search->add_option("--docs", tfidf.inputs, "documents to search (text or .jsonl; repeat for more)")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  tfidf_search->add_option("query", tfidf.queries, "one or more queries")->required();
  tfidf_search->add_option("-k", tfidf.k, "results per query")->check(CLI::PositiveNumber);
  tfidf_search->add_flag("--json", tfidf.json, "one JSON line per query");

  embed::cli::Word2VecCliOptions w2v;
  auto* w2v_cmd = app.add_subcommand(
      "word2vec",
      "Word2Vec word vectors (skip-gram or CBOW; negative sampling and/or hierarchical softmax; fastText subwords)");
  w2v_cmd->require_subcommand(1);
  auto* w2v_train =
      w2v_cmd->add_subcommand("train", "train on text files (whitespace-separated words, a sentence per line)");
  w2v_train->add_option("corpus", w2v.corpus, "UTF-8 text files")->required()->check(CLI::ExistingFile);
  w2v_train->add_option("-o,--output", w2v.output, "vectors: .bin (word2vec binary) or .vec/.txt (text)");
  w2v_train->add_flag("--cbow", w2v.cbow, "CBOW instead of skip-gram");
  w2v_train->add_option("--dim", w2v.dim, "vector size")->check(CLI::Range(1, 10000));
  w2v_train->add_option("--window", w2v.window, "largest distance to a context word")->check(CLI::PositiveNumber);
  w2v_train->add_option("--negative", w2v.negative, "noise words per positive (0: hierarchical softmax alone)")
      ->check(CLI::Range(0, 1000));
  w2v_train->add_flag("--hs", w2v.hs, "hierarchical softmax (Huffman tree), alone or with --negative");
  w2v_train->add_option("--min-count", w2v.min_count, "rarest word kept")->check(CLI::PositiveNumber);
  w2v_train->add_option("--sample", w2v.sample, "subsampling threshold (0: off)")->check(CLI::NonNegativeNumber);
  w2v_train->add_option("--alpha", w2v.alpha, "starting learning rate (default 0.025 skip-gram, 0.05 CBOW)");
  w2v_train->add_option("--epochs", w2v.epochs, "passes over the corpus")->check(CLI::PositiveNumber);
  w2v_train->add_option("--seed", w2v.seed, "random seed");
  w2v_train->add_flag("--hogwild", w2v.hogwild,
                      "threads write the shared vectors without synchronous rounds (as word2vec.c, gensim, "
                      "fastText): a little faster, not reproducible on 2+ threads");
  w2v_train->add_option("--max-n", w2v.max_n, "longest character n-gram: fastText-style subwords (0: none)")
      ->check(CLI::Range(0, 100));
  w2v_train->add_option("--min-n", w2v.min_n, "shortest character n-gram")->check(CLI::Range(1, 100));
  w2v_train->add_option("--buckets", w2v.buckets, "hash buckets for the n-grams")->check(CLI::Range(1, 1 << 30));
  w2v_train->add_option("--model", w2v.model,
                        "with --max-n: also write the whole model as a fastText .bin (vectors for unseen words)");
  w2v_train->add_flag("--replace-invalid-utf8", w2v.replace_invalid_utf8,
                      "replace ill-formed UTF-8 in the corpus with U+FFFD (default: stop with an error)");

  embed::cli::GloveCliOptions glove;
  auto* glove_cmd = app.add_subcommand("glove", "GloVe word vectors (co-occurrence counts, weighted least squares)");
  glove_cmd->require_subcommand(1);
  auto* glove_train =
      glove_cmd->add_subcommand("train", "train on text files (whitespace-separated words, a sentence per line)");
  glove_train->add_option("corpus", glove.corpus, "UTF-8 text files")->required()->check(CLI::ExistingFile);
  glove_train->add_option("-o,--output", glove.output, "vectors: .bin (word2vec binary) or .vec/.txt (text)");
  glove_train->add_option("--dim", glove.dim, "vector size")->check(CLI::Range(1, 10000));
  glove_train->add_option("--window", glove.window, "largest distance to a context word")->check(CLI::PositiveNumber);
  glove_train->add_flag("--asymmetric", glove.asymmetric, "count only the words to the left as context");
  glove_train->add_option("--min-count", glove.min_count, "rarest word kept")->check(CLI::PositiveNumber);
  glove_train->add_option("--x-max", glove.x_max, "co-occurrence count where the weight f reaches 1")
      ->check(CLI::PositiveNumber);
  glove_train->add_option("--alpha", glove.alpha, "exponent of the weight f(x) = (x/x_max)^alpha")
      ->check(CLI::NonNegativeNumber);
  glove_train->add_option("--eta", glove.eta, "AdaGrad's initial learning rate")->check(CLI::PositiveNumber);
  glove_train->add_option("--epochs", glove.epochs, "passes over the co-occurrences")->check(CLI::PositiveNumber);
  glove_train->add_option("--seed", glove.seed, "random seed");
  glove_train->add_flag("--replace-invalid-utf8", glove.replace_invalid_utf8,
                        "replace ill-formed UTF-8 in the corpus with U+FFFD (default: stop with an error)");

  embed::cli::VectorsOptions vec;
  auto* vec_cmd = app.add_subcommand("vectors", "query and evaluate word vectors (word2vec .bin/.vec, fastText .bin)");
  vec_cmd->require_subcommand(1);
  auto* vec_similar =
      vec_cmd->add_subcommand("similar", "nearest words by cosine (a fastText model also answers for unseen words)");
  vec_similar->add_option("vectors", vec.vectors, "vector file")->required()->check(CLI::ExistingFile);
  vec_similar->add_option("words", vec.words, "words to add")->required();
  vec_similar->add_option("--minus", vec.negative, "words to subtract")->allow_extra_args(false);
  vec_similar->add_option("-k", vec.k, "how many")->check(CLI::PositiveNumber);
  auto* vec_analogy = vec_cmd->add_subcommand("analogy", "a : b :: c : ? (3CosAdd, or --cosmul)");
  vec_analogy->add_option("vectors", vec.vectors, "vector file")->required()->check(CLI::ExistingFile);
  vec_analogy->add_option("words", vec.words, "a b c")->required()->expected(3);
  vec_analogy->add_option("-k", vec.k, "how many")->check(CLI::PositiveNumber);
  vec_analogy->add_flag("--cosmul", vec.cosmul, "3CosMul (Levy & Goldberg 2014)");
  auto* vec_evaluate = vec_cmd->add_subcommand("evaluate", "analogy accuracy and word-similarity correlation");
  vec_evaluate->add_option("vectors", vec.vectors, "vector file")->required()->check(CLI::ExistingFile);
  vec_evaluate->add_option("--analogies", vec.analogies, "questions-words.txt format")->check(CLI::ExistingFile);
  vec_evaluate->add_option("--similarity", vec.similarity, "word TAB word TAB score files")->check(CLI::ExistingFile);
  vec_evaluate->add_option("--restrict", vec.restrict_vocab, "analogy candidates: the N most frequent words")
      ->check(CLI::PositiveNumber);
  vec_evaluate->add_flag("--cosmul", vec.cosmul, "answer analogies by 3CosMul");

  embed::cli::IndexOptions idx;
  auto* index_cmd = app.add_subcommand(
      "index", "collections of documents for search: dense index + store (+ sparse rows for BM25 / TF-IDF)");
  index_cmd->require_subcommand(1);
  auto* index_build = index_cmd->add_subcommand("build", "embed documents and build a new collection directory");
  index_build->add_option("--model", idx.model, "word vectors: fastText .bin (subwords), word2vec .bin or .vec")
      ->required()
      ->check(CLI::ExistingPath);
  index_build->add_option("--input", idx.inputs, ".jsonl ({\"text\", \"id\"?, \"title\"?, ...}) or text files")
      ->required()
      ->check(CLI::ExistingFile);
  index_build->add_option("-o,--output", idx.collection, "the new collection's directory")->required();
  index_build->add_option("--backend", idx.backend, "hnsw | exact | ivfpq (compressed, for beyond-memory sizes)")
      ->check(CLI::IsMember({"hnsw", "exact", "ivfpq"}));
  index_build->add_option("--nlist", idx.nlist, "IVF-PQ coarse cells")->check(CLI::Range(1, 1 << 20));
  index_build->add_option("--pq-m", idx.pq_m, "IVF-PQ bytes per vector (must divide dim; 0: dim/4 or below)")
      ->check(CLI::Range(0, 1 << 20));
  index_build->add_option("--nprobe", idx.nprobe, "IVF-PQ cells visited per query")->check(CLI::Range(1, 1 << 20));
  index_build->add_option("--metric", idx.metric, "cosine | ip | l2")->check(CLI::IsMember({"cosine", "ip", "l2"}));
  index_build->add_option("--m", idx.m, "HNSW links per node")->check(CLI::Range(2, 512));
  index_build->add_option("--ef-construction", idx.ef_construction, "HNSW candidates while inserting")
      ->check(CLI::Range(1, 100000));
  index_build->add_option("--ef-search", idx.ef_search, "HNSW candidates while searching")
      ->check(CLI::Range(1, 100000));
  index_build->add_flag("--no-sparse", idx.no_sparse, "keep no sparse rows (no sparse or hybrid search)");
  index_build->add_flag("--no-stem", idx.no_stem, "sparse terms are the words as they are (default: Porter2 stems)");
  index_build->add_option("--bm25-k1", idx.bm25_k1, "BM25 term-frequency saturation (Pyserini 0.9, Lucene 1.2)")
      ->check(CLI::Range(0.0, 1e6));
  index_build->add_option("--bm25-b", idx.bm25_b, "BM25 length normalisation (Pyserini 0.4, Lucene 0.75)")
      ->check(CLI::Range(0.0, 1.0));
  index_build->add_option("--bm25-delta", idx.bm25_delta, "BM25+ lower bound of a present term (Lv & Zhai: 1)")
      ->check(CLI::Range(0.0, 1e6));
  index_build->add_option("--bm25-idf", idx.bm25_idf, "lucene | robertson | atire")
      ->check(CLI::IsMember({"lucene", "robertson", "atire"}));
  index_build->add_flag("--bm25-k1-plus-1", idx.bm25_k1_plus_1, "multiply by (k1 + 1) as Robertson writes BM25");
  auto* index_add = index_cmd->add_subcommand("add", "add documents to a collection (all or nothing)");
  index_add->add_option("collection", idx.collection, "collection directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  index_add->add_option("--input", idx.inputs, ".jsonl or text files")->required()->check(CLI::ExistingFile);

  embed::cli::SearchOptions srch;
  auto* search_cmd = app.add_subcommand("search", "the documents of a collection nearest to queries");
  search_cmd->add_option("collection", srch.collection, "collection directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  search_cmd->add_option("query", srch.queries, "queries (none: one per line of stdin)");
  search_cmd->add_option("-k", srch.k, "results per query")->check(CLI::Range(1, 100000));
  search_cmd->add_option("--mode", srch.mode, "dense | sparse (BM25 or TF-IDF) | hybrid (reciprocal-rank fusion)")
      ->check(CLI::IsMember({"dense", "sparse", "hybrid"}));
  search_cmd->add_option("--ef-search", srch.ef_search, "HNSW candidates (more: better recall, slower)")
      ->check(CLI::Range(1, 100000));
  search_cmd->add_option("--nprobe", srch.nprobe, "IVF-PQ cells visited (more: better recall, slower)")
      ->check(CLI::Range(1, 1 << 20));
  search_cmd->add_flag("--json", srch.json, "one JSON line per query");
  search_cmd->add_option("--sparse", srch.sparse, "the sparse list: bm25 (Okapi BM25, default) | tfidf (cosine)")
      ->check(CLI::IsMember({"bm25", "tfidf"}));
  search_cmd->add_flag("--explain", srch.explain, "name the query terms each hit matched and what each added");
  search_cmd
      ->add_option("--sparse-weight", srch.sparse_weight, "hybrid: weight of the sparse list in the fusion (dense: 1)")
      ->check(CLI::Range(0.0, 1e6));
  search_cmd
      ->add_option("--group-by", srch.group_by, "title: one result per distinct title, ranked by its best document")
      ->check(CLI::IsMember({"title"}));
  search_cmd->add_option("--per-group", srch.per_group, "documents shown per title (with --group-by)")
      ->check(CLI::Range(1, 1000));
  search_cmd->add_option("--depth", srch.depth, "documents searched to fill k titles (default max(100, 10 k))")
      ->check(CLI::Range(1, 1000000));

  embed::cli::TextEncodeOptions te;
  auto* text_cmd = app.add_subcommand("text", "sentence embeddings of text");
  text_cmd->require_subcommand(1);
  auto* text_encode = text_cmd->add_subcommand("encode", "stdin lines -> vectors (JSON lines, or .npy with -o)");
  text_encode->add_option("model", te.model, "word vectors (fastText .bin, word2vec .bin/.vec) or a collection")
      ->required()
      ->check(CLI::ExistingPath);
  text_encode->add_option("-o,--output", te.output, "write a .npy matrix instead of JSON lines");

  embed::server::ServerOptions srv;
  auto* serve_cmd = app.add_subcommand(
      "serve", "HTTP server: OpenAI-compatible /v1/embeddings, /v1/search, /health, /metrics (docs/server.md)");
  serve_cmd->add_option("source", srv.source, "a collection directory, or word vectors (fastText .bin, .vec)")
      ->required()
      ->check(CLI::ExistingPath);
  serve_cmd->add_option("--host", srv.host, "address to bind (default 127.0.0.1: this machine only)");
  serve_cmd->add_option("--port", srv.port, "port (0: any free one, printed)")->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--name", srv.model_name, "the model name clients send (default: the source's name)");
  serve_cmd->add_option("--api-key", srv.api_key, "require 'Authorization: Bearer KEY' on /v1/ routes");
  serve_cmd->add_option("--max-body-bytes", srv.max_body_bytes, "largest request body (413 beyond)")
      ->check(CLI::Range(std::int64_t{1024}, std::int64_t{1} << 31));
  serve_cmd->add_option("--max-inputs", srv.limits.max_inputs, "inputs per request")->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--max-tokens-per-input", srv.limits.max_tokens_per_input, "tokens per input")
      ->check(CLI::Range(1, 100000000));
  serve_cmd->add_option("--max-batch", srv.batching.max_batch, "texts per encoder call")->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--max-queue", srv.batching.max_queue, "requests waiting for the encoder (503 beyond)")
      ->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--http-threads", srv.http_threads, "connections handled at once")->check(CLI::Range(1, 4096));

  embed::cli::EvalOptions ev;
  auto* eval_cmd = app.add_subcommand("eval", "diagnostics of an embedding space: collapse, size advice, plots");
  eval_cmd->require_subcommand(1);
  auto* eval_collapse = eval_cmd->add_subcommand(
      "collapse", "mean pairwise cosine, per-dimension variance, effective rank, isotropy; warns on collapse");
  eval_collapse->add_option("vectors", ev.input, ".npy matrix or word vectors (.bin/.vec)")
      ->required()
      ->check(CLI::ExistingFile);
  eval_collapse->add_option("--limit", ev.limit, "only the first N vectors (0: all)")->check(CLI::NonNegativeNumber);
  eval_collapse->add_option("--seed", ev.seed, "seed of the sampled pairs");
  embed::cli::EvalRetrievalOptions er;
  auto* eval_retrieval = eval_cmd->add_subcommand(
      "retrieval", "nDCG, MRR, MAP, recall, precision, accuracy @k of a run or of a collection's search (BEIR, TREC)");
  eval_retrieval->add_option("--qrels", er.qrels, "judgements: BEIR qrels TSV or TREC qrels")->check(CLI::ExistingFile);
  eval_retrieval->add_option("--run", er.run, "a TREC run file to score (qid Q0 docid rank score tag)")
      ->check(CLI::ExistingFile);
  eval_retrieval->add_option("--collection", er.collection, "search this collection with the queries")
      ->check(CLI::ExistingDirectory);
  eval_retrieval->add_option("--beir", er.beir, "a BEIR folder: queries.jsonl, qrels/<split>.tsv, corpus.jsonl")
      ->check(CLI::ExistingDirectory);
  eval_retrieval->add_option("--split", er.split, "the BEIR qrels split (test, dev, train)");
  eval_retrieval->add_option("--queries", er.queries, "queries.jsonl ({\"_id\", \"text\"} per line)")
      ->check(CLI::ExistingFile);
  eval_retrieval->add_option("--mode", er.modes, "modes to compare, side by side (default dense sparse hybrid)")
      ->delimiter(',')
      ->check(CLI::IsMember({"dense", "sparse", "hybrid"}));
  eval_retrieval->add_option("--sparse", er.sparse, "bm25 | tfidf")->check(CLI::IsMember({"bm25", "tfidf"}));
  eval_retrieval->add_option("--sparse-weight", er.sparse_weight, "hybrid: weight of the sparse list (dense: 1)")
      ->check(CLI::Range(0.0, 1e6));
  eval_retrieval->add_option("--group-by", er.group_by, "title: rank titles, each judged by its best document")
      ->check(CLI::IsMember({"title"}));
  eval_retrieval->add_option("--depth", er.depth, "results per query")->check(CLI::Range(1, 100000));
  eval_retrieval->add_option("--cutoffs", er.cutoffs, "the k of the metrics (default 1,10,100)")
      ->delimiter(',')
      ->check(CLI::Range(1, 100000));
  eval_retrieval->add_option("--per-query", er.per_query, "write each query's metrics here (TSV)");
  eval_retrieval->add_option("--save-run", er.save_run, "write each mode's run as PREFIX.<mode>.trec");
  eval_retrieval->add_flag("--json", er.json, "the means as JSON");
  auto* eval_size = eval_cmd->add_subcommand("size", "embedding size for N distinct values (rules of thumb)");
  eval_size->add_option("cardinality", ev.cardinality, "number of distinct values")
      ->required()
      ->check(CLI::PositiveNumber);
  auto* eval_plot = eval_cmd->add_subcommand("plot", "PCA or t-SNE to 2-D, as an SVG scatter plot (and .npy)");
  eval_plot->add_option("vectors", ev.input, ".npy matrix or word vectors (.bin/.vec; words label the points)")
      ->required()
      ->check(CLI::ExistingFile);
  eval_plot->add_option("-o,--output", ev.output, "the SVG file");
  eval_plot->add_option("--method", ev.method, "pca | tsne")->check(CLI::IsMember({"pca", "tsne"}));
  eval_plot->add_option("--coords", ev.coords, "also write the 2-D coordinates as .npy");
  eval_plot->add_option("--labels", ev.labels, "a label per point, one per line (colours or names)")
      ->check(CLI::ExistingFile);
  eval_plot->add_option("--limit", ev.limit, "only the first N vectors (0: all)")->check(CLI::NonNegativeNumber);
  eval_plot->add_option("--perplexity", ev.perplexity, "t-SNE perplexity")->check(CLI::Range(1.0, 1000.0));
  eval_plot->add_option("--iterations", ev.iterations, "t-SNE iterations")->check(CLI::Range(1, 100000));

  CLI11_PARSE(app, argc, argv);
  embed::install_interrupt_handler();
  try {
    if (threads > 0) embed::set_num_threads(threads);
    if (*demo_mlp) return embed::cli::run_demo(demo);
    if (*demo_cmd) return embed::cli::run_demo_search(demo_search);
    if (*inspect_cmd) return embed::cli::run_inspect(inspect_path);
    if (*encode_cmd) return embed::cli::run_tokenizer_encode(tok);
    if (*train_cmd) return embed::cli::run_tokenizer_train(train);
    if (*decode_cmd) return embed::cli::run_tokenizer_decode(tok);
    if (*tfidf_fit) return embed::cli::run_tfidf_fit(tfidf);
    if (*tfidf_transform) return embed::cli::run_tfidf_transform(tfidf);
    if (*tfidf_search) return embed::cli::run_tfidf_search(tfidf);
    if (*w2v_train) return embed::cli::run_word2vec_train(w2v);
    if (*glove_train) return embed::cli::run_glove_train(glove);
    if (*vec_similar) return embed::cli::run_vectors_similar(vec);
    if (*vec_analogy) return embed::cli::run_vectors_analogy(vec);
    if (*vec_evaluate) return embed::cli::run_vectors_evaluate(vec);
    if (*serve_cmd) return embed::server::serve(srv);
    if (*eval_collapse) return embed::cli::run_eval_collapse(ev);
    if (*eval_retrieval) return embed::cli::run_eval_retrieval(er);
    if (*eval_size) return embed::cli::run_eval_size(ev);
    if (*eval_plot) return embed::cli::run_eval_plot(ev);
    if (*text_encode) return embed::cli::run_text_encode(te);
    if (*index_build) return embed::cli::run_index_build(idx);
    if (*index_add) return embed::cli::run_index_add(idx);
    if (*search_cmd) return embed::cli::run_search(srch);
  } catch (const embed::Interrupted& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 130;  // the shell's code for "ended by SIGINT"
  } catch (const embed::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed: unexpected error: %s\n", e.what());
    return 2;
  }
  return 0;
}
