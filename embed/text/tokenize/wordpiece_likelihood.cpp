// WordPiece by likelihood (Schuster & Nakajima 2012), as bpe_trainer.h
// describes: the vocabulary grows one token at a time, chosen by the exact
// gain in training-corpus log-likelihood of a unigram model over the current
// segmentation, and the corpus is re-segmented after each addition by the
// greedy longest match that WordPiece encoding uses.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embed/core/error.h"
#include "embed/text/tokenize/bpe_trainer.h"
#include "embed/text/tokenize/pair_index.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

double x_log_x(std::int64_t n) {
  const auto x = static_cast<double>(n);
  return n > 0 ? x * std::log(x) : 0.0;
}

struct Word {
  std::string text;
  std::int64_t count;
  std::vector<std::int32_t> tokens;  // its greedy longest-match segmentation
};

class LikelihoodTrainer {
 public:
  LikelihoodTrainer(const std::vector<std::pair<std::string, std::int64_t>>& word_counts,
                    const WordPieceTrainerOptions& options)
      : opt_(options), floor_(std::max<std::int64_t>(1, options.min_frequency)) {
    for (const std::string& s : opt_.special_tokens) add_token(s);
    // The alphabet, sorted so that ids do not depend on input order: each
    // word's first character and its "##"-prefixed later ones.
    std::vector<std::string> alphabet;
    for (const auto& [text, count] : word_counts) {
      EMBED_CHECK(count > 0, "word '{}' has count {}", text, count);
      const std::u32string chars = decode_utf8(text).chars;  // ill-formed bytes become U+FFFD, as BPE spells them
      for (std::size_t i = 0; i < chars.size(); ++i) {
        std::string s = i > 0 ? opt_.continuing_prefix : std::string();
        append_utf8(s, chars[i]);
        alphabet.push_back(std::move(s));
      }
      if (!chars.empty()) words_.push_back({encode_utf8(chars), count, {}});
    }
    std::sort(alphabet.begin(), alphabet.end());
    alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
    for (const std::string& s : alphabet) add_token(s);
    visited_.assign(words_.size(), 0);
    for (std::size_t w = 0; w < words_.size(); ++w) {
      segment_from(words_[w], 0, 0);
      count(w, +1);
    }
  }

  BpeTrainerResult run() {
    BpeTrainerResult result;
    for (step_ = 1; vocab_.size() < opt_.vocab_size; ++step_) {
      const std::optional<std::size_t> best = best_pair();
      if (!best) break;
      const auto [a, b] = pairs_[*best];
      const std::string joined = join(a, b);
      if (vocab_.find(joined)) {  // only possible when a word holds the prefix itself ("a##b")
        dead_[*best] = true;
        continue;
      }
      result.merges.emplace_back(vocab_.token(a), vocab_.token(b));
      add(add_token(joined));
    }
    result.vocab = std::move(vocab_);
    return result;
  }

 private:
  std::int32_t add_token(const std::string& s) {
    if (const auto known = vocab_.find(s)) return static_cast<std::int32_t>(*known);  // a special token spelled so
    const auto id = static_cast<std::int32_t>(vocab_.add(s));
    const bool continuing = s.compare(0, opt_.continuing_prefix.size(), opt_.continuing_prefix) == 0 &&
                            s.size() > opt_.continuing_prefix.size();
    const std::size_t surface = s.size() - (continuing ? opt_.continuing_prefix.size() : 0);
    surface_bytes_.push_back(surface);
    max_surface_bytes_ = std::max(max_surface_bytes_, surface);
    token_count_.push_back(0);
    token_changed_.push_back(0);
    words_with_.emplace_back();
    return id;
  }

  std::string join(std::int32_t a, std::int32_t b) const {
    const std::string& right = vocab_.token(b);
    return vocab_.token(a) + right.substr(right.size() - surface_bytes_[static_cast<std::size_t>(b)]);
  }

  // Greedy longest match of word.text from byte `at` (the start of its
  // tokens[first]) to the end, replacing the tokens from `first` on.
  void segment_from(Word& word, std::size_t first, std::size_t at) {
    word.tokens.resize(first);
    const std::string& text = word.text;
    std::string key;
    while (at < text.size()) {
      std::size_t end = std::min(text.size(), at + max_surface_bytes_);
      for (;; --end) {
        EMBED_CHECK(end > at, "WordPiece training: no token matches '{}' at byte {}", text, at);
        if (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) continue;
        key = at > 0 ? opt_.continuing_prefix : std::string();
        key.append(text, at, end - at);
        if (const auto id = vocab_.find(key)) {
          word.tokens.push_back(static_cast<std::int32_t>(*id));
          break;
        }
      }
      at = end;
    }
  }

  // Adds (+1) or removes (-1) a word's tokens and adjacent pairs from the counts.
  void count(std::size_t w, std::int64_t sign) {
    const Word& word = words_[w];
    for (std::size_t i = 0; i < word.tokens.size(); ++i) {
      const auto t = static_cast<std::size_t>(word.tokens[i]);
      token_count_[t] += sign * word.count;
      token_changed_[t] = step_;
      total_ += sign * word.count;
      if (sign > 0 && (words_with_[t].empty() || words_with_[t].back() != w))
        words_with_[t].push_back(static_cast<std::uint32_t>(w));
      if (i == 0) continue;
      const auto p = static_cast<std::size_t>(index_.intern(word.tokens[i - 1], word.tokens[i]));
      if (p == pairs_.size()) {
        pairs_.emplace_back(word.tokens[i - 1], word.tokens[i]);
        pair_count_.push_back(0);
        pair_changed_.push_back(0);
        gain_.push_back(0.0);
        gain_step_.push_back(0);
        dead_.push_back(false);
        listed_.push_back(false);
      }
      pair_count_[p] += sign * word.count;
      pair_changed_[p] = step_;
      if (pair_count_[p] >= floor_ && !listed_[p]) {
        listed_[p] = true;
        candidates_.push_back(static_cast<std::uint32_t>(p));
      }
    }
  }

  // Change in Σ_t c_t ln c_t, the count-dependent part of the log-likelihood,
  // when c_ab occurrences of (a, b) become one token each; the change of the
  // normaliser N ln N is normaliser_gain().
  double count_gain(std::size_t p) const {
    const auto [a, b] = pairs_[p];
    const std::int64_t c = pair_count_[p], ca = token_count_[static_cast<std::size_t>(a)];
    if (a == b) return x_log_x(c) + x_log_x(ca - 2 * c) - x_log_x(ca);
    const std::int64_t cb = token_count_[static_cast<std::size_t>(b)];
    return x_log_x(c) + x_log_x(ca - c) + x_log_x(cb - c) - x_log_x(ca) - x_log_x(cb);
  }

  // ΔL = Σ changes of c ln c − ((N − c) ln (N − c) − N ln N): the exact gain
  // of the unigram log-likelihood Σ_t c_t ln(c_t / N) if every occurrence of
  // the pair became the new token. Its first-order form c · ln(c N / (c_a c_b))
  // is the count times the often quoted ratio c_ab / (c_a c_b).
  std::optional<std::size_t> best_pair() {
    std::optional<std::size_t> best;
    double best_score = 0.0;
    std::size_t kept = 0;
    for (const std::uint32_t p : candidates_) {
      const std::int64_t c = pair_count_[p];
      if (c < floor_ || dead_[p]) {  // off the list until its count reaches the floor again
        listed_[p] = false;
        continue;
      }
      candidates_[kept++] = p;
      const auto [a, b] = pairs_[p];
      // The count part changes only with c, c_a or c_b: keep it until one does.
      if (std::max({pair_changed_[p], token_changed_[static_cast<std::size_t>(a)],
                    token_changed_[static_cast<std::size_t>(b)]}) >= gain_step_[p]) {
        gain_[p] = count_gain(p);
        gain_step_[p] = step_;
      }
      const double score = gain_[p] + normaliser_gain(c);
      if (best && (score < best_score || (score == best_score && !better_tie(p, *best)))) continue;
      best = p;
      best_score = score;
    }
    candidates_.resize(kept);
    return best;
  }

  // −((N − c) ln (N − c) − N ln N), the same for every pair of count c in a
  // step; most counts are small, so those are computed once per step.
  double normaliser_gain(std::int64_t c) {
    if (c >= static_cast<std::int64_t>(normaliser_.size())) return x_log_x(total_) - x_log_x(total_ - c);
    auto& [value, step] = normaliser_[static_cast<std::size_t>(c)];
    if (step != step_) {
      value = x_log_x(total_) - x_log_x(total_ - c);
      step = step_;
    }
    return value;
  }

  bool better_tie(std::size_t x, std::size_t y) const {  // higher count, then smaller (left, right) strings
    if (pair_count_[x] != pair_count_[y]) return pair_count_[x] > pair_count_[y];
    const std::string &xl = vocab_.token(pairs_[x].first), &yl = vocab_.token(pairs_[y].first);
    if (xl != yl) return xl < yl;
    return vocab_.token(pairs_[x].second) < vocab_.token(pairs_[y].second);
  }

  // Re-segments the words that the new token t changes. Longest match picks
  // t at a position only where the current token is t's longest proper
  // prefix in the vocabulary (any other current token is either longer than
  // t or not a prefix of it), so only words holding that prefix can change,
  // and only from its first such position on.
  void add(std::int32_t t) {
    const std::string& token = vocab_.token(t);
    const std::size_t surface = surface_bytes_[static_cast<std::size_t>(t)];
    const std::size_t prefix = token.size() - surface;
    std::optional<std::int64_t> shorter;
    for (std::size_t end = token.size() - 1; end > prefix && !shorter; --end)
      if ((static_cast<unsigned char>(token[end]) & 0xC0) != 0x80) shorter = vocab_.find(token.substr(0, end));
    EMBED_CHECK(shorter.has_value(), "WordPiece training: '{}' has no shorter prefix in the vocabulary", token);
    const auto x = static_cast<std::size_t>(*shorter);
    const std::string_view wanted = std::string_view(token).substr(prefix);
    std::vector<std::uint32_t> candidates = std::move(words_with_[x]), kept;
    words_with_[x] = {};
    for (const std::uint32_t w : candidates) {
      if (visited_[w] == step_) continue;  // listed twice
      visited_[w] = step_;
      Word& word = words_[w];
      std::size_t at = 0, i = 0;
      for (; i < word.tokens.size(); at += surface_bytes_[static_cast<std::size_t>(word.tokens[i])], ++i)
        if (static_cast<std::size_t>(word.tokens[i]) == x && (at == 0) == (prefix == 0) &&
            std::string_view(word.text).substr(at, surface) == wanted)
          break;
      if (i < word.tokens.size()) {
        count(w, -1);
        segment_from(word, i, at);
        count(w, +1);
      }
      if (std::find(word.tokens.begin(), word.tokens.end(), static_cast<std::int32_t>(x)) != word.tokens.end())
        kept.push_back(w);
    }
    // count() may have listed words under x again; they are in `kept` already if they hold it.
    words_with_[x] = std::move(kept);
  }

  const WordPieceTrainerOptions& opt_;
  Vocab vocab_;
  std::vector<Word> words_;
  std::vector<std::size_t> surface_bytes_;  // bytes of a token's text without the continuation prefix
  std::size_t max_surface_bytes_ = 0;
  std::vector<std::int64_t> token_count_;
  std::vector<std::vector<std::uint32_t>> words_with_;  // per token, words that held it when last counted
  std::int64_t total_ = 0;                              // N: tokens in the corpus's segmentation
  PairIndex index_;
  std::vector<std::pair<std::int32_t, std::int32_t>> pairs_;
  std::vector<std::int64_t> pair_count_;
  std::vector<double> gain_;  // count_gain(), valid while gain_step_ > every change stamp
  std::vector<bool> dead_;    // pairs whose joined string is already a token
  // The pairs that may be chosen: every pair with at least floor_ occurrences
  // (and some that dropped below it since the last scan, which drops them).
  std::int64_t floor_;
  std::vector<std::uint32_t> candidates_;
  std::vector<bool> listed_;
  // Stamps: the step in which a count last changed (0: before the first),
  // the step whose choice computed a gain (changes come after the choice).
  std::vector<std::size_t> token_changed_, pair_changed_, gain_step_;
  std::vector<std::size_t> visited_;  // per word: the step that last re-segmented it
  std::vector<std::pair<double, std::size_t>> normaliser_ = std::vector<std::pair<double, std::size_t>>(1 << 16);
  std::size_t step_ = 0;
};

}  // namespace

BpeTrainerResult train_wordpiece_by_likelihood(const std::vector<std::pair<std::string, std::int64_t>>& words,
                                               const WordPieceTrainerOptions& options) {
  return LikelihoodTrainer(words, options).run();
}

}  // namespace embed::text
