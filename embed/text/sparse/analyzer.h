// Document -> terms, the way scikit-learn's CountVectorizer/TfidfVectorizer
// analyse text, so vocabularies and counts match it exactly:
//   preprocess: str.lower() (with Final_Sigma), then optional accent
//     stripping: "unicode" = NFKD and drop characters with a nonzero
//     canonical combining class; "ascii" = NFKD and drop every non-ASCII
//     character (both leave an all-ASCII document untouched);
//   word: tokens = matches of (?u)\b\w\w+\b, i.e. maximal runs of two or more
//     word characters (\w = letters, numbers, '_'), or the tokens of a
//     tokenizer (tokenize/, e.g. a tokenizer.json) when one is given; stop
//     words removed; with `stem`, each token replaced by its Porter2 stem
//     (stemmer.h; not a scikit-learn option: Lucene's analyzers stem after
//     removing stop words, and so do we); n-grams joined by one space, for n
//     in [ngram_min, ngram_max];
//   char: runs of two or more whitespace characters become one space, then
//     every character n-gram of the document;
//   char_wb: the same, but n-grams inside each whitespace-separated word
//     padded with one space on both sides (a word shorter than n yields the
//     padded word once).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "embed/core/huge_pages.h"

namespace embed::text {

class Tokenizer;

enum class AnalyzerKind { word, char_ngrams, char_wb };
enum class AccentStripping { none, unicode, ascii };

struct AnalyzerOptions {
  AnalyzerKind kind = AnalyzerKind::word;
  bool lowercase = true;
  AccentStripping strip_accents = AccentStripping::none;
  int ngram_min = 1, ngram_max = 1;
  std::vector<std::string> stop_words;  // exact tokens, compared after preprocessing (word analyzer)
  // Word tokens from this tokenizer (without special tokens) instead of the
  // regex, as scikit-learn's `tokenizer=`: it sees the preprocessed text.
  std::shared_ptr<const Tokenizer> tokenizer;
  bool stem = false;  // word analyzer: English (Porter2) stems of the tokens
};

// A transparent hash so maps keyed by std::string can be probed with a string_view.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The terms of one document, all in one buffer (no allocation per term once warm).
class TermList {
 public:
  void clear() {
    bytes_.clear();
    ends_.clear();
  }
  std::size_t size() const { return ends_.size(); }
  std::string_view operator[](std::size_t i) const {
    const std::uint32_t b = i ? ends_[i - 1] : 0;
    return std::string_view(bytes_.data() + b, ends_[i] - b);
  }
  void add(std::string_view term) {
    bytes_.insert(bytes_.end(), term.begin(), term.end());
    ends_.push_back(static_cast<std::uint32_t>(bytes_.size()));
  }
  // Room for `terms` more terms of `bytes` more bytes, in memory advised for
  // huge pages when large (lists that grow to tens of MB).
  void make_room(std::size_t terms, std::size_t bytes) {
    make_room_with_huge_pages(ends_, terms);
    make_room_with_huge_pages(bytes_, bytes);
  }

 private:
  BigVector<char> bytes_;
  BigVector<std::uint32_t> ends_;
};

class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options);
  const AnalyzerOptions& options() const { return opt_; }

  // Appends the terms of a UTF-8 document (invalid bytes read as U+FFFD) to `out`.
  void analyze(std::string_view document, TermList& out) const;
  // char_wb's terms are those of each whitespace-separated word alone, so a
  // caller may compute a word's terms once (split_words + word_ngrams) and
  // reuse them for every occurrence; analyze() gives the same terms.
  bool terms_are_per_word() const { return opt_.kind == AnalyzerKind::char_wb; }
  // The whitespace-separated words of the preprocessed document (str.split()).
  void split_words(std::string_view document, TermList& words) const;
  // char_wb: the n-grams of one word padded with a space on both sides.
  void word_ngrams(std::string_view word, TermList& out) const;

  // The word analyzer's terms (tokens, and their n-grams) as views into this
  // thread's buffers, valid until its next call. A token, and an n-gram whose
  // tokens lie in the text one space apart, is a view of the text itself (no
  // copy); any other n-gram is joined into a buffer. At least kWordPadding
  // readable bytes follow the end of each view (for TermTable::padded_key).
  bool terms_are_views() const { return opt_.kind == AnalyzerKind::word; }
  void word_terms(std::string_view document, std::vector<std::string_view>& terms) const;
  static constexpr std::size_t kWordPadding = 8;

  // The preprocessed document (lowercase, accents), as UTF-8, into `out`
  // (its memory reused); true when the result is all ASCII.
  bool preprocess(std::string_view document, std::string& out) const;

 private:
  void token_ngrams(const std::vector<std::string_view>& tokens, std::vector<std::string_view>& terms) const;
  void word_tokens(std::string_view text, bool ascii, std::vector<std::string_view>& tokens) const;
  void char_terms(std::string_view text, TermList& out) const;

  AnalyzerOptions opt_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> stop_;
};

}  // namespace embed::text
