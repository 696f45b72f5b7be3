// `embed word2vec train`, `embed glove train` and `embed vectors similar|analogy|evaluate`.
// Vector files: .bin is word2vec's binary format, anything else its text
// format (.vec, .txt), both as gensim's load_word2vec_format reads them.
#include <cstdio>
#include <iostream>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/text/static/glove.h"
#include "embed/text/static/word2vec.h"

namespace embed::cli {

namespace {

void print_neighbours(const std::vector<text::Neighbour>& ns) {
  for (std::size_t i = 0; i < ns.size(); ++i)
    std::cout << fmt::format("  {:>2}. {:.4f}  {}\n", i + 1, ns[i].cosine, ns[i].word);
}

}  // namespace

int run_word2vec_train(const Word2VecCliOptions& o) {
  text::Word2VecOptions w;
  w.skip_gram = !o.cbow;
  w.dim = o.dim;
  w.window = o.window;
  w.negative = o.negative;
  w.hierarchical_softmax = o.hs;
  w.min_count = o.min_count;
  w.sample = o.sample;
  w.alpha = o.alpha;
  w.epochs = o.epochs;
  w.seed = o.seed;
  w.deterministic = !o.hogwild;
  w.min_n = o.min_n;
  w.max_n = o.max_n;
  w.buckets = o.buckets;
  EMBED_CHECK(o.model.empty() || o.max_n > 0, "--model writes a subword model: give --max-n too");
  w.invalid_utf8 = o.replace_invalid_utf8 ? text::InvalidUtf8::replace : text::InvalidUtf8::reject;
  const text::Word2VecResult r = text::train_word2vec(o.corpus, w);
  r.vectors.save_word2vec(o.output, o.output.ends_with(".bin"));
  if (!o.model.empty()) r.subwords.save_fasttext(o.model);
  std::fprintf(stderr, "%lld corpus words, %lld in the vocabulary; %lld trained in %.1f s (%.0f words/s) -> %s\n",
               static_cast<long long>(r.corpus_words), static_cast<long long>(r.vectors.size()),
               static_cast<long long>(r.trained_words), r.seconds,
               static_cast<double>(r.corpus_words * o.epochs) / r.seconds, o.output.c_str());
  return 0;
}

int run_glove_train(const GloveCliOptions& o) {
  text::GloveOptions g;
  g.dim = o.dim;
  g.window = o.window;
  g.symmetric = !o.asymmetric;
  g.min_count = o.min_count;
  g.x_max = o.x_max;
  g.alpha = o.alpha;
  g.eta = o.eta;
  g.epochs = o.epochs;
  g.seed = o.seed;
  g.invalid_utf8 = o.replace_invalid_utf8 ? text::InvalidUtf8::replace : text::InvalidUtf8::reject;
  const text::GloveResult r = text::train_glove(o.corpus, g);
  r.vectors.save_word2vec(o.output, o.output.ends_with(".bin"));
  for (std::size_t e = 0; e < r.epoch_loss.size(); ++e)
    std::fprintf(stderr, "epoch %zu: loss %.6f\n", e + 1, r.epoch_loss[e]);
  std::fprintf(stderr, "%lld corpus words, %lld in the vocabulary, %lld co-occurrences; %.1f s -> %s\n",
               static_cast<long long>(r.corpus_words), static_cast<long long>(r.vectors.size()),
               static_cast<long long>(r.cooccurrences), r.seconds, o.output.c_str());
  return 0;
}

int run_vectors_similar(const VectorsOptions& o) {
  // One word and a subword model: its n-grams give it a vector even when it is unseen.
  if (o.words.size() == 1 && o.negative.empty() && text::is_fasttext_model(o.vectors)) {
    print_neighbours(text::SubwordVectors::load_fasttext(o.vectors).nearest(o.words[0], o.k));
    return 0;
  }
  const text::KeyedVectors kv = text::load_word_vectors(o.vectors);
  print_neighbours(kv.most_similar(o.words, o.negative, o.k));
  return 0;
}

int run_vectors_analogy(const VectorsOptions& o) {
  EMBED_CHECK(o.words.size() == 3, "an analogy takes three words (a b c for a : b :: c : ?), got {}", o.words.size());
  const text::KeyedVectors kv = text::load_word_vectors(o.vectors);
  if (o.cosmul)
    print_neighbours(kv.analogy_cosmul(o.words[0], o.words[1], o.words[2], o.k));
  else
    print_neighbours(kv.most_similar({o.words[1], o.words[2]}, {o.words[0]}, o.k));
  return 0;
}

int run_vectors_evaluate(const VectorsOptions& o) {
  EMBED_CHECK(!o.analogies.empty() || !o.similarity.empty(), "give --analogies and/or --similarity files");
  const text::KeyedVectors kv = text::load_word_vectors(o.vectors);
  if (!o.analogies.empty()) {
    const auto r = kv.evaluate_analogies(o.analogies, o.restrict_vocab, o.cosmul);
    std::cout << fmt::format("analogies ({}): accuracy {:.4f} ({} of {}; {} skipped for unknown words)\n",
                             o.cosmul ? "3CosMul" : "3CosAdd", r.accuracy(), r.correct, r.total, r.skipped);
  }
  for (const std::string& path : o.similarity) {
    const auto r = kv.evaluate_similarity(path);
    std::cout << fmt::format("similarity {}: Spearman {:.4f} over {} pairs ({} pairs with unknown words)\n", path,
                             r.spearman, r.pairs, r.oov);
  }
  return 0;
}

}  // namespace embed::cli
