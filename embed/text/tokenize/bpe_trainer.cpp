#include "embed/text/tokenize/bpe_trainer.h"

#include <algorithm>
#include <map>
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

std::vector<std::pair<std::string, std::int64_t>> count_words(const std::vector<std::string>& texts) {
  std::map<std::string, std::int64_t> counts;
  const WhitespaceSplit split;
  for (const std::string& text : texts) {
    const NormalizedText t = NormalizedText::from_utf8(text);
    for (const Piece& p : split.split(t))
      ++counts[encode_utf8(std::u32string_view(t.chars).substr(p.start, p.end - p.start))];
  }
  return {counts.begin(), counts.end()};
}

BpeTrainerResult train_bpe(const std::vector<std::pair<std::string, std::int64_t>>& word_counts,
                           const BpeTrainerOptions& opt) {
  EMBED_CHECK(opt.vocab_size > 0 && opt.min_frequency >= 1, "BPE training needs vocab_size > 0 and min_frequency >= 1");
  BpeTrainerResult result;
  Vocab& vocab = result.vocab;
  for (const std::string& s : opt.special_tokens) vocab.add(s);

  // The alphabet: every character, and every word-final character with the
  // end-of-word suffix, added in sorted order so ids do not depend on input order.
  std::vector<std::vector<std::string>> spelled;
  std::vector<std::string> alphabet;
  for (const auto& [word, count] : word_counts) {
    EMBED_CHECK(count > 0, "word '{}' has count {}", word, count);
    const std::u32string chars = decode_utf8(word).chars;
    std::vector<std::string> symbols;
    for (std::size_t i = 0; i < chars.size(); ++i) {
      std::string s = encode_utf8(std::u32string(1, chars[i]));
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
  for (std::size_t w = 0; w < spelled.size(); ++w) {
    Word word{{}, word_counts[w].second};
    for (const std::string& s : spelled[w]) word.symbols.push_back(*vocab.find(s));
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

  // Max-heap by count, then the smaller (left, right) strings; entries whose
  // count no longer matches are stale and skipped.
  struct Entry {
    std::int64_t count;
    Pair pair;
  };
  const auto worse = [&vocab](const Entry& a, const Entry& b) {
    if (a.count != b.count) return a.count < b.count;
    const std::string &al = vocab.token(a.pair.first), &bl = vocab.token(b.pair.first);
    if (al != bl) return al > bl;
    return vocab.token(a.pair.second) > vocab.token(b.pair.second);
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
  for (const auto& [p, c] : counts) heap.push({c, p});

  while (vocab.size() < opt.vocab_size && !heap.empty()) {
    const Entry top = heap.top();
    heap.pop();
    const auto it = counts.find(top.pair);
    if (it == counts.end() || it->second != top.count) continue;  // stale
    if (top.count < opt.min_frequency) break;
    const auto [a, b] = top.pair;
    const std::string left = vocab.token(a), right = vocab.token(b);
    const std::int64_t merged = vocab.add(left + right);
    result.merges.emplace_back(left, right);
    // Re-spell each word that contains the pair, moving its pair counts.
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
      } else {
        heap.push({c->second, p});
      }
    }
  }
  return result;
}

}  // namespace embed::text
