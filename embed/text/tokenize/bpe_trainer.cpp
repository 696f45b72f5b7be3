#include "embed/text/tokenize/bpe_trainer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "embed/core/error.h"
#include "embed/text/tokenize/normalizer.h"
#include "embed/text/tokenize/pre_tokenizer.h"

namespace embed::text {

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

struct PairHash {
  std::size_t operator()(const Pair& p) const {
    return std::hash<std::uint64_t>()((static_cast<std::uint64_t>(p.first) << 32) ^
                                      static_cast<std::uint64_t>(p.second));
  }
};

struct Word {
  std::vector<std::int64_t> symbols;
  std::int64_t count;
};

}  // namespace

std::vector<std::pair<std::string, std::int64_t>> count_pieces(const std::vector<std::string>& texts,
                                                               const Normalizer* normalizer,
                                                               const PreTokenizer& pre_tokenizer) {
  std::map<std::string, std::int64_t> counts;
  for (const std::string& text : texts) {
    NormalizedText t = NormalizedText::from_utf8(text);
    if (normalizer) normalizer->apply(t);
    pre_tokenizer.prepare(t);
    for (const Piece& p : pre_tokenizer.split(t))
      ++counts[encode_utf8(std::u32string_view(t.chars).substr(p.start, p.end - p.start))];
  }
  return {counts.begin(), counts.end()};
}

std::vector<std::pair<std::string, std::int64_t>> count_words(const std::vector<std::string>& texts) {
  return count_pieces(texts, nullptr, WhitespaceSplit());
}

namespace {

// What the BPE and WordPiece trainers share: how words are spelled and how
// the next pair is chosen.
struct MergeSpec {
  std::int64_t vocab_size, min_frequency;
  std::string end_of_word_suffix;  // on a word's last symbol
  std::string continuing_prefix;   // on every symbol but a word's first
  std::vector<std::string> special_tokens;
  bool likelihood = false;  // Schuster & Nakajima's score instead of raw counts
};

BpeTrainerResult train_merges(const std::vector<std::pair<std::string, std::int64_t>>& word_counts,
                              const MergeSpec& opt) {
  EMBED_CHECK(opt.vocab_size > 0 && opt.min_frequency >= 1, "training needs vocab_size > 0 and min_frequency >= 1");
  BpeTrainerResult result;
  Vocab& vocab = result.vocab;
  for (const std::string& s : opt.special_tokens) vocab.add(s);

  // The alphabet: every spelled symbol, added in sorted order so ids do not
  // depend on input order.
  std::vector<std::vector<std::string>> spelled;
  std::vector<std::string> alphabet;
  for (const auto& [word, count] : word_counts) {
    EMBED_CHECK(count > 0, "word '{}' has count {}", word, count);
    const std::u32string chars = decode_utf8(word).chars;
    std::vector<std::string> symbols;
    for (std::size_t i = 0; i < chars.size(); ++i) {
      std::string s = i > 0 ? opt.continuing_prefix : std::string();
      s += encode_utf8(std::u32string(1, chars[i]));
      if (i + 1 == chars.size()) s += opt.end_of_word_suffix;
      symbols.push_back(s);
    }
    alphabet.insert(alphabet.end(), symbols.begin(), symbols.end());
    spelled.push_back(std::move(symbols));
  }
  std::sort(alphabet.begin(), alphabet.end());
  alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
  for (const std::string& s : alphabet) vocab.add(s);

  std::vector<Word> words;
  std::vector<std::int64_t> symbol_count(static_cast<std::size_t>(vocab.size()), 0);
  for (std::size_t w = 0; w < spelled.size(); ++w) {
    Word word{{}, word_counts[w].second};
    for (const std::string& s : spelled[w]) {
      word.symbols.push_back(*vocab.find(s));
      symbol_count[static_cast<std::size_t>(word.symbols.back())] += word.count;
    }
    if (!word.symbols.empty()) words.push_back(std::move(word));
  }

  // Pair counts over the corpus and, per pair, the words that contain it
  // (entries may go stale; a word is re-checked when visited).
  std::unordered_map<Pair, std::int64_t, PairHash> counts;
  std::unordered_map<Pair, std::unordered_set<std::size_t>, PairHash> where;
  const auto add_pairs = [&](std::size_t w, std::int64_t sign) {
    const Word& word = words[w];
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const Pair p{word.symbols[i], word.symbols[i + 1]};
      counts[p] += sign * word.count;
      if (sign > 0) where[p].insert(w);
    }
  };
  for (std::size_t w = 0; w < words.size(); ++w) add_pairs(w, +1);

  // Frequency: a max-heap by count, then the smaller (left, right) strings;
  // entries whose count no longer matches are stale and skipped.
  struct Entry {
    std::int64_t count;
    Pair pair;
  };
  const auto smaller_strings = [&vocab](const Pair& a, const Pair& b) {
    const std::string &al = vocab.token(a.first), &bl = vocab.token(b.first);
    if (al != bl) return al < bl;
    return vocab.token(a.second) < vocab.token(b.second);
  };
  const auto worse = [&](const Entry& a, const Entry& b) {
    if (a.count != b.count) return a.count < b.count;
    return smaller_strings(b.pair, a.pair);
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
  if (!opt.likelihood)
    for (const auto& [p, c] : counts) heap.push({c, p});

  // Likelihood: the best pair by count(ab) / (count(a) count(b)), found by a scan.
  const auto best_by_likelihood = [&]() -> std::optional<Entry> {
    std::optional<Entry> best;
    double best_score = -1.0;
    for (const auto& [p, c] : counts) {
      if (c < opt.min_frequency) continue;
      const double score =
          static_cast<double>(c) / (static_cast<double>(symbol_count[static_cast<std::size_t>(p.first)]) *
                                    static_cast<double>(symbol_count[static_cast<std::size_t>(p.second)]));
      if (!best || score > best_score ||
          (score == best_score && (c > best->count || (c == best->count && smaller_strings(p, best->pair))))) {
        best = Entry{c, p};
        best_score = score;
      }
    }
    return best;
  };

  const std::size_t prefix = opt.continuing_prefix.size();
  while (vocab.size() < opt.vocab_size) {
    Entry top{};
    if (opt.likelihood) {
      const auto best = best_by_likelihood();
      if (!best) break;
      top = *best;
    } else {
      if (heap.empty()) break;
      top = heap.top();
      heap.pop();
      const auto it = counts.find(top.pair);
      if (it == counts.end() || it->second != top.count) continue;  // stale
      if (top.count < opt.min_frequency) break;
    }
    const auto [a, b] = top.pair;
    const std::string left = vocab.token(a), right = vocab.token(b);
    // "##" continuation: "a" + "##b" -> "ab", "##a" + "##b" -> "##ab".
    const std::string joined =
        left + (prefix && right.compare(0, prefix, opt.continuing_prefix) == 0 ? right.substr(prefix) : right);
    const std::int64_t merged = vocab.add(joined);
    if (static_cast<std::size_t>(merged) >= symbol_count.size())
      symbol_count.resize(static_cast<std::size_t>(merged) + 1, 0);
    result.merges.emplace_back(left, right);
    // Re-spell each word that contains the pair, moving its pair and symbol counts.
    const std::vector<std::size_t> affected(where[top.pair].begin(), where[top.pair].end());
    std::unordered_set<Pair, PairHash> changed;
    for (const std::size_t w : affected) {
      Word& word = words[w];
      bool has = false;
      for (std::size_t i = 0; i + 1 < word.symbols.size() && !has; ++i)
        has = word.symbols[i] == a && word.symbols[i + 1] == b;
      if (!has) continue;
      for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) changed.insert({word.symbols[i], word.symbols[i + 1]});
      add_pairs(w, -1);
      std::vector<std::int64_t> next;
      for (std::size_t i = 0; i < word.symbols.size(); ++i) {
        if (i + 1 < word.symbols.size() && word.symbols[i] == a && word.symbols[i + 1] == b) {
          next.push_back(merged);
          symbol_count[static_cast<std::size_t>(a)] -= word.count;
          symbol_count[static_cast<std::size_t>(b)] -= word.count;
          symbol_count[static_cast<std::size_t>(merged)] += word.count;
          ++i;
        } else {
          next.push_back(word.symbols[i]);
        }
      }
      word.symbols = std::move(next);
      add_pairs(w, +1);
      for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) changed.insert({word.symbols[i], word.symbols[i + 1]});
    }
    for (const Pair& p : changed) {
      const auto c = counts.find(p);
      if (c == counts.end()) continue;
      if (c->second <= 0) {
        counts.erase(c);
        where.erase(p);
      } else if (!opt.likelihood) {
        heap.push({c->second, p});
      }
    }
  }
  return result;
}

}  // namespace

BpeTrainerResult train_bpe(const std::vector<std::pair<std::string, std::int64_t>>& words, const BpeTrainerOptions& o) {
  return train_merges(words, {o.vocab_size, o.min_frequency, o.end_of_word_suffix, "", o.special_tokens, false});
}

BpeTrainerResult train_wordpiece(const std::vector<std::pair<std::string, std::int64_t>>& words,
                                 const WordPieceTrainerOptions& o) {
  EMBED_CHECK(!o.continuing_prefix.empty(), "WordPiece training needs a continuation prefix");
  return train_merges(words, {o.vocab_size, o.min_frequency, "", o.continuing_prefix, o.special_tokens,
                              o.criterion == WordPieceCriterion::likelihood});
}

}  // namespace embed::text
