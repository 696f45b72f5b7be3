#include "embed/text/tokenize/bpe_trainer.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <queue>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/text/sparse/term_table.h"
#include "embed/text/tokenize/model.h"
#include "embed/text/tokenize/normalizer.h"
#include "embed/text/tokenize/pair_index.h"
#include "embed/text/tokenize/pre_tokenizer.h"

namespace embed::text {

namespace {

using Pair = std::pair<std::int32_t, std::int32_t>;  // adjacent symbols (token ids)

struct Word {
  std::vector<std::int32_t> symbols;
  std::int64_t count;
};

}  // namespace

std::vector<std::pair<std::string, std::int64_t>> count_pieces(const std::vector<std::string_view>& texts,
                                                               const Normalizer* normalizer,
                                                               const PreTokenizer& pre_tokenizer) {
  // One table of pieces per block of texts, counted in parallel, then merged.
  const auto n = static_cast<std::int64_t>(texts.size());
  const std::int64_t blocks = std::max<std::int64_t>(1, std::min<std::int64_t>(num_threads(), n / 64));
  std::vector<TermTable> tables(static_cast<std::size_t>(blocks));
  std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(blocks));
  parallel_for(blocks, 1, [&](std::int64_t lo, std::int64_t hi) {
    std::string piece;
    NormalizedText t;
    for (std::int64_t b = lo; b < hi; ++b) {
      TermTable& table = tables[static_cast<std::size_t>(b)];
      std::vector<std::int64_t>& count = counts[static_cast<std::size_t>(b)];
      for (std::int64_t i = n * b / blocks; i < n * (b + 1) / blocks; ++i) {
        t.assign_utf8(texts[static_cast<std::size_t>(i)]);
        if (normalizer) normalizer->apply(t);
        pre_tokenizer.prepare(t, /*at_start=*/true);
        for (const Piece& p : pre_tokenizer.split(t)) {
          piece.clear();
          for (std::size_t k = p.start; k < p.end; ++k) append_utf8(piece, t.chars[k]);
          const auto id = static_cast<std::size_t>(table.intern(piece));
          if (id == count.size()) count.push_back(0);
          ++count[id];
        }
      }
    }
  });
  TermTable all = std::move(tables[0]);
  std::vector<std::int64_t> total = std::move(counts[0]);
  for (std::size_t b = 1; b < tables.size(); ++b) {
    for (std::int32_t i = 0; i < tables[b].size(); ++i) {
      const auto id = static_cast<std::size_t>(all.intern(tables[b].term(i), tables[b].key_of(i)));
      if (id == total.size()) total.push_back(0);
      total[id] += counts[b][static_cast<std::size_t>(i)];
    }
  }
  std::vector<std::pair<std::string, std::int64_t>> out;
  out.reserve(total.size());
  for (std::int32_t i = 0; i < all.size(); ++i) out.emplace_back(all.term(i), total[static_cast<std::size_t>(i)]);
  std::sort(out.begin(), out.end());  // by piece: what the trainers saw when this was a std::map
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> count_words(const std::vector<std::string>& texts) {
  return count_pieces(std::vector<std::string_view>(texts.begin(), texts.end()), nullptr, WhitespaceSplit());
}

namespace {

// Every trainer's budget: a vocabulary to fill and a least count to merge.
void check_budget(std::int64_t vocab_size, std::int64_t min_frequency) {
  EMBED_CHECK(vocab_size > 0 && min_frequency >= 1, "training needs vocab_size > 0 and min_frequency >= 1");
}

// What the BPE and WordPiece trainers share: how words are spelled and how
// the next pair is chosen.
struct MergeSpec {
  std::int64_t vocab_size, min_frequency;
  std::string end_of_word_suffix;  // on a word's last symbol
  std::string continuing_prefix;   // on every symbol but a word's first
  std::vector<std::string> special_tokens;
  bool pmi = false;         // pick by count(ab) / (count(a) count(b)) instead of raw counts
  bool byte_level = false;  // symbols are the UTF-8 bytes in GPT-2's alphabet, all 256 in the vocabulary
};

BpeTrainerResult train_merges(const std::vector<std::pair<std::string, std::int64_t>>& word_counts,
                              const MergeSpec& opt) {
  check_budget(opt.vocab_size, opt.min_frequency);
  BpeTrainerResult result;
  Vocab& vocab = result.vocab;
  for (const std::string& s : opt.special_tokens) vocab.add(s);

  // The alphabet: every spelled symbol, added in sorted order so ids do not
  // depend on input order. Words are first spelled in symbols' indices in
  // `symbols` (order of first sight), then mapped to vocabulary ids.
  TermTable symbols;
  std::vector<std::int32_t> spelled;  // every word's symbols, one after another
  std::vector<std::size_t> spelled_end;
  std::string s;
  if (opt.byte_level)  // every byte has a symbol, so any text encodes without an unknown token
    for (int b = 0; b < 256; ++b) {
      s.clear();
      append_utf8(s, byte_to_unicode(static_cast<unsigned char>(b)));
      symbols.intern(s);
    }
  for (const auto& [word, count] : word_counts) {
    EMBED_CHECK(count > 0, "word '{}' has count {}", word, count);
    if (opt.byte_level) {
      for (const char byte : word) {
        s.clear();
        append_utf8(s, byte_to_unicode(static_cast<unsigned char>(byte)));
        spelled.push_back(symbols.intern(s));
      }
      spelled_end.push_back(spelled.size());
      continue;
    }
    const std::u32string chars = decode_utf8(word).chars;
    for (std::size_t i = 0; i < chars.size(); ++i) {
      s = i > 0 ? opt.continuing_prefix : std::string();
      append_utf8(s, chars[i]);
      if (i + 1 == chars.size()) s += opt.end_of_word_suffix;
      spelled.push_back(symbols.intern(s));
    }
    spelled_end.push_back(spelled.size());
  }
  std::vector<std::int32_t> by_string(static_cast<std::size_t>(symbols.size()));
  std::iota(by_string.begin(), by_string.end(), 0);
  std::sort(by_string.begin(), by_string.end(),
            [&](std::int32_t x, std::int32_t y) { return symbols.term(x) < symbols.term(y); });
  std::vector<std::int32_t> id_of_symbol(by_string.size());
  for (const std::int32_t k : by_string)
    id_of_symbol[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(vocab.add(std::string(symbols.term(k))));

  std::vector<Word> words;
  std::vector<std::int64_t> symbol_count(static_cast<std::size_t>(vocab.size()), 0);
  for (std::size_t w = 0; w < word_counts.size(); ++w) {
    Word word{{}, word_counts[w].second};
    for (std::size_t k = w ? spelled_end[w - 1] : 0; k < spelled_end[w]; ++k) {
      word.symbols.push_back(id_of_symbol[static_cast<std::size_t>(spelled[k])]);
      symbol_count[static_cast<std::size_t>(word.symbols.back())] += word.count;
    }
    if (!word.symbols.empty()) words.push_back(std::move(word));
  }

  // Every adjacent pair seen gets an index; per index its count over the
  // corpus and the words that contained it when it was counted (entries go
  // stale and repeat: a word is re-checked, once per merge, when visited).
  PairIndex index;
  std::vector<Pair> pairs;
  std::vector<std::int64_t> counts;
  std::vector<std::vector<std::uint32_t>> where;
  const auto pair_at = [&](std::int32_t a, std::int32_t b) {
    const std::int32_t i = index.intern(a, b);
    if (static_cast<std::size_t>(i) == pairs.size()) {
      pairs.emplace_back(a, b);
      counts.push_back(0);
      where.emplace_back();
    }
    return static_cast<std::size_t>(i);
  };
  const auto add_pairs = [&](std::size_t w, std::int64_t sign) {
    const Word& word = words[w];
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const std::size_t p = pair_at(word.symbols[i], word.symbols[i + 1]);
      counts[p] += sign * word.count;
      if (sign > 0 && (where[p].empty() || where[p].back() != w)) where[p].push_back(static_cast<std::uint32_t>(w));
    }
  };
  for (std::size_t w = 0; w < words.size(); ++w) add_pairs(w, +1);

  // Frequency: a max-heap by count, then the smaller (left, right) strings.
  // Lazily kept: every pair with a positive count has an entry whose count is
  // at least its current one (pushed[p] is the count of its newest entry). A
  // popped entry with the pair's current count is the best pair; one with a
  // larger, stale count is pushed again with the current count. So only
  // counts that grew need pushing, and the heap stays small.
  struct Entry {
    std::int64_t count;
    std::size_t pair;
  };
  const auto smaller_strings = [&](std::size_t x, std::size_t y) {
    const std::string &xl = vocab.token(pairs[x].first), &yl = vocab.token(pairs[y].first);
    if (xl != yl) return xl < yl;
    return vocab.token(pairs[x].second) < vocab.token(pairs[y].second);
  };
  const auto worse = [&](const Entry& x, const Entry& y) {
    if (x.count != y.count) return x.count < y.count;
    return smaller_strings(y.pair, x.pair);
  };
  std::vector<Entry> initial;
  if (!opt.pmi)
    for (std::size_t p = 0; p < pairs.size(); ++p) initial.push_back({counts[p], p});
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse, std::move(initial));  // O(n) heapify
  std::vector<std::int64_t> pushed(opt.pmi ? 0 : pairs.size());
  for (std::size_t p = 0; p < pushed.size(); ++p) pushed[p] = counts[p];
  const auto push = [&](std::size_t p) {
    if (pushed.size() < pairs.size()) pushed.resize(pairs.size(), 0);
    heap.push({counts[p], p});
    pushed[p] = counts[p];
  };

  // PMI: the best pair by count(ab) / (count(a) count(b)), found by a scan.
  const auto best_by_pmi = [&]() -> std::optional<Entry> {
    std::optional<Entry> best;
    double best_score = -1.0;
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const std::int64_t c = counts[p];
      if (c <= 0 || c < opt.min_frequency) continue;
      const double score =
          static_cast<double>(c) / (static_cast<double>(symbol_count[static_cast<std::size_t>(pairs[p].first)]) *
                                    static_cast<double>(symbol_count[static_cast<std::size_t>(pairs[p].second)]));
      if (!best || score > best_score ||
          (score == best_score && (c > best->count || (c == best->count && smaller_strings(p, best->pair))))) {
        best = Entry{c, p};
        best_score = score;
      }
    }
    return best;
  };

  const std::size_t prefix = opt.continuing_prefix.size();
  std::vector<std::size_t> visited(words.size(), 0), touched(pairs.size(), 0);  // stamps: the merge that last saw them
  std::vector<std::size_t> changed;
  for (std::size_t stamp = 1; vocab.size() < opt.vocab_size; ++stamp) {
    Entry top{};
    if (opt.pmi) {
      const auto best = best_by_pmi();
      if (!best) break;
      top = *best;
    } else {
      if (heap.empty()) break;
      top = heap.top();
      heap.pop();
      if (counts[top.pair] != top.count) {  // stale
        if (counts[top.pair] > 0 && top.count > counts[top.pair] && pushed[top.pair] == top.count) push(top.pair);
        continue;
      }
      if (top.count < opt.min_frequency) break;
    }
    const auto [a, b] = pairs[top.pair];
    const std::string left = vocab.token(a), right = vocab.token(b);
    // "##" continuation: "a" + "##b" -> "ab", "##a" + "##b" -> "##ab".
    const std::string joined =
        left + (prefix && right.compare(0, prefix, opt.continuing_prefix) == 0 ? right.substr(prefix) : right);
    const auto merged = static_cast<std::int32_t>(vocab.add(joined));
    if (static_cast<std::size_t>(merged) >= symbol_count.size())
      symbol_count.resize(static_cast<std::size_t>(merged) + 1, 0);
    result.merges.emplace_back(left, right);
    // Re-spell each word that contains the pair, moving its pair and symbol counts.
    changed.clear();
    const auto note_pairs = [&](const Word& word) {
      for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
        const std::size_t p = pair_at(word.symbols[i], word.symbols[i + 1]);
        if (p >= touched.size()) touched.resize(pairs.size(), 0);
        if (touched[p] != stamp) {
          touched[p] = stamp;
          changed.push_back(p);
        }
      }
    };
    const std::vector<std::uint32_t> affected = std::move(where[top.pair]);
    where[top.pair] = {};
    for (const std::uint32_t w : affected) {
      if (visited[w] == stamp) continue;
      visited[w] = stamp;
      Word& word = words[w];
      bool has = false;
      for (std::size_t i = 0; i + 1 < word.symbols.size() && !has; ++i)
        has = word.symbols[i] == a && word.symbols[i + 1] == b;
      if (!has) continue;
      note_pairs(word);
      add_pairs(w, -1);
      std::size_t out = 0;
      for (std::size_t i = 0; i < word.symbols.size(); ++i) {
        if (i + 1 < word.symbols.size() && word.symbols[i] == a && word.symbols[i + 1] == b) {
          word.symbols[out++] = merged;
          symbol_count[static_cast<std::size_t>(a)] -= word.count;
          symbol_count[static_cast<std::size_t>(b)] -= word.count;
          symbol_count[static_cast<std::size_t>(merged)] += word.count;
          ++i;
        } else {
          word.symbols[out++] = word.symbols[i];
        }
      }
      word.symbols.resize(out);
      add_pairs(w, +1);
      note_pairs(word);
    }
    for (const std::size_t p : changed) {
      if (counts[p] <= 0) {
        counts[p] = 0;
        std::vector<std::uint32_t>().swap(where[p]);
      } else if (!opt.pmi && (p >= pushed.size() || counts[p] > pushed[p])) {
        push(p);
      }
    }
  }
  return result;
}

}  // namespace

BpeTrainerResult train_bpe(const std::vector<std::pair<std::string, std::int64_t>>& words, const BpeTrainerOptions& o) {
  EMBED_CHECK(!o.byte_level || o.end_of_word_suffix.empty(), "byte-level BPE has no end-of-word suffix");
  return train_merges(words,
                      {o.vocab_size, o.min_frequency, o.end_of_word_suffix, "", o.special_tokens, false, o.byte_level});
}

Vocab train_characters(const std::vector<std::pair<std::string, std::int64_t>>& word_counts, std::int64_t vocab_size,
                       std::int64_t min_frequency, const std::vector<std::string>& special_tokens) {
  check_budget(vocab_size, min_frequency);
  std::map<char32_t, std::int64_t> counts;
  for (const auto& [word, count] : word_counts)
    for (const char32_t c : decode_utf8(word).chars) counts[c] += count;
  std::vector<std::pair<char32_t, std::int64_t>> ranked(counts.begin(), counts.end());  // by code point
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Vocab vocab;
  for (const std::string& t : special_tokens) vocab.add(t);
  for (const auto& [c, count] : ranked) {
    if (vocab.size() >= vocab_size || count < min_frequency) break;
    vocab.add(encode_utf8(std::u32string(1, c)));
  }
  return vocab;
}

BpeTrainerResult train_wordpiece(const std::vector<std::pair<std::string, std::int64_t>>& words,
                                 const WordPieceTrainerOptions& o) {
  EMBED_CHECK(!o.continuing_prefix.empty(), "WordPiece training needs a continuation prefix");
  if (o.criterion == WordPieceCriterion::likelihood) {
    check_budget(o.vocab_size, o.min_frequency);
    return train_wordpiece_by_likelihood(words, o);
  }
  return train_merges(words, {o.vocab_size, o.min_frequency, "", o.continuing_prefix, o.special_tokens,
                              o.criterion == WordPieceCriterion::pmi});
}

WordPieceCriterion parse_wordpiece_criterion(std::string_view name) {
  if (name == "likelihood") return WordPieceCriterion::likelihood;
  if (name == "frequency") return WordPieceCriterion::frequency;
  if (name == "pmi") return WordPieceCriterion::pmi;
  throw InvalidArgument(fmt::format("WordPiece criterion must be likelihood, frequency or pmi, got '{}'", name));
}

}  // namespace embed::text
