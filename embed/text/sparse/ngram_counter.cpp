#include "embed/text/sparse/ngram_counter.h"

#include <algorithm>
#include <limits>

#include "embed/core/error.h"
#include "embed/core/huge_pages.h"

namespace embed::text {

NgramCounter::NgramCounter(const Analyzer& analyzer)
    : analyzer_(analyzer), ngram_min_(analyzer.options().ngram_min), ngram_max_(analyzer.options().ngram_max) {
  EMBED_CHECK(analyzer.options().kind == AnalyzerKind::word && !analyzer.options().tokenizer,
              "NgramCounter counts the word analyzer's own tokens");
}

std::int32_t NgramCounter::new_node(std::int32_t parent, std::int32_t word, int length) {
  EMBED_CHECK(parent_.size() < static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
              "more than 2^31 distinct n-grams");
  parent_.push_back(parent);
  last_word_.push_back(word);
  length_.push_back(static_cast<std::uint8_t>(length));
  rows_.df.push_back(0);
  rows_.occurrences.push_back(0);
  tally_.push_back(0);
  return static_cast<std::int32_t>(parent_.size() - 1);
}

void NgramCounter::tally(std::int32_t node) {
  if (tally_[static_cast<std::size_t>(node)]++ == 0) seen_.push_back(node);
}

void NgramCounter::count(std::string_view document) {
  analyzer_.word_tokens(document, tokens_);
  word_ids_.resize(tokens_.size());
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const std::int32_t w = words_.intern(tokens_[i]);
    if (static_cast<std::size_t>(w) == unigram_.size()) unigram_.push_back(new_node(-1, w, 1));
    word_ids_[i] = w;
  }
  // sklearn's order (by n, then position) only decides first sight, which no result depends on.
  for (std::size_t i = 0; i < word_ids_.size(); ++i) {
    std::int32_t node = unigram_[static_cast<std::size_t>(word_ids_[i])];
    for (int n = 1; n <= ngram_max_; ++n) {
      if (n > 1) {
        const std::size_t last = i + static_cast<std::size_t>(n) - 1;
        if (last >= word_ids_.size()) break;
        const std::int32_t e = extend_.intern(node, word_ids_[last]);
        if (static_cast<std::size_t>(e) == extended_.size()) extended_.push_back(new_node(node, word_ids_[last], n));
        node = extended_[static_cast<std::size_t>(e)];
      }
      if (n >= ngram_min_) tally(node);
    }
  }
  make_room_with_huge_pages(rows_.entries, seen_.size());
  for (const std::int32_t node : seen_) {
    const auto i = static_cast<std::size_t>(node);
    rows_.entries.emplace_back(node, tally_[i]);
    ++rows_.df[i];
    rows_.occurrences[i] += tally_[i];
    tally_[i] = 0;
  }
  seen_.clear();
  rows_.ends.push_back(static_cast<std::int64_t>(rows_.entries.size()));
}

std::string NgramCounter::term(std::int32_t node) const {
  std::vector<std::int32_t> words;
  for (std::int32_t at = node; at >= 0; at = parent_[static_cast<std::size_t>(at)])
    words.push_back(last_word_[static_cast<std::size_t>(at)]);
  std::string out;
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    if (!out.empty()) out += ' ';
    out += words_.term(*it);
  }
  return out;
}

std::size_t NgramCounter::finish(double low, double high, TermTable& terms, CountedRows& rows) {
  // Nodes shorter than ngram_min are prefixes only: never terms.
  std::vector<std::int32_t> id(parent_.size(), -1);
  for (std::size_t node = 0; node < parent_.size(); ++node) {
    const auto df = static_cast<double>(rows_.df[node]);
    if (length_[node] < ngram_min_ || df < low || df > high || rows_.df[node] == 0) continue;
    id[node] = terms.intern(term(static_cast<std::int32_t>(node)));
    EMBED_CHECK(static_cast<std::size_t>(id[node]) == rows.df.size(), "n-gram '{}' counted twice",
                term(static_cast<std::int32_t>(node)));
    rows.df.push_back(rows_.df[node]);
    rows.occurrences.push_back(rows_.occurrences[node]);
  }
  rows.ends.resize(rows_.ends.size());
  rows.entries.clear();
  reserve_with_huge_pages(rows.entries, rows_.entries.size());
  std::size_t from = 0;
  for (std::size_t d = 0; d < rows_.ends.size(); ++d) {
    for (; from < static_cast<std::size_t>(rows_.ends[d]); ++from) {
      const auto& [node, count] = rows_.entries[from];
      if (const std::int32_t t = id[static_cast<std::size_t>(node)]; t >= 0) {
        rows.entries.emplace_back(t, count);
      }
    }
    rows.ends[d] = static_cast<std::int64_t>(rows.entries.size());
  }
  rows_ = CountedRows{};
  std::size_t seen = 0;
  for (std::size_t node = 0; node < parent_.size(); ++node) seen += length_[node] >= ngram_min_;
  return seen;
}

}  // namespace embed::text
