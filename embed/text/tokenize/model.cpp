#include "embed/text/tokenize/model.h"

#include <algorithm>
#include <array>
#include <limits>
#include <queue>
#include <string_view>
#include <utility>

#include "embed/core/error.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

struct ByteAlphabet {
  static constexpr std::size_t kChars = 256 + 68;  // the alphabet ends at U+0143
  std::array<char32_t, 256> to_char{};
  std::array<int, kChars> to_byte{};  // -1 for characters outside the alphabet
  ByteAlphabet() {
    to_byte.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_char[b] = printable ? static_cast<char32_t>(b) : next++;
      to_byte[to_char[b]] = b;
    }
  }
};

const ByteAlphabet& byte_alphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

}  // namespace

char32_t byte_to_unicode(unsigned char b) { return byte_alphabet().to_char[b]; }

int unicode_to_byte(char32_t c) { return c < ByteAlphabet::kChars ? byte_alphabet().to_byte[c] : -1; }

WordPiece::WordPiece(Vocab vocab, WordPieceOptions options) : vocab_(std::move(vocab)), opt_(std::move(options)) {
  const auto unk = vocab_.find(opt_.unk_token);
  EMBED_CHECK(unk.has_value(), "WordPiece: the unknown token '{}' is not in the vocabulary", opt_.unk_token);
  unk_id_ = *unk;
}

void WordPiece::encode(std::u32string_view piece, std::vector<Token>& out) const {
  const std::size_t n = piece.size();
  if (n == 0) return;
  if (n > opt_.max_input_chars_per_word) {
    out.push_back({unk_id_, 0, n});
    return;
  }
  // Byte offset of each character in the word's UTF-8, so substrings are slices.
  std::string word;
  std::vector<std::size_t> at(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    at[i] = word.size();
    append_utf8(word, piece[i]);
  }
  at[n] = word.size();
  const std::size_t first = out.size();
  std::string candidate;
  for (std::size_t start = 0; start < n;) {
    std::size_t end = n;
    std::int64_t found = -1;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? opt_.continuing_prefix : std::string());
      candidate.append(word, at[start], at[end] - at[start]);
      if (const auto id = vocab_.find(candidate)) {
        found = *id;
        break;
      }
    }
    if (found < 0) {  // some part has no token: the whole word is unknown
      out.resize(first);
      out.push_back({unk_id_, 0, n});
      return;
    }
    out.push_back({found, start, end});
    start = end;
  }
}

namespace {

// The replacements of Hugging Face's WordPiece decoder clean-up, in its
// order. It applies them to each decoded piece (" ," or "##s" without its
// prefix), not to the joined text.
void clean_up_piece(std::string& piece) {
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},   {" ?", "?"},           {" !", "!"},   {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    for (std::size_t at = piece.find(from); at != std::string::npos; at = piece.find(from, at + to.size()))
      piece.replace(at, from.size(), to);
  }
}

}  // namespace

std::string WordPiece::decode(const std::vector<std::int64_t>& ids) const {
  std::string out, piece;
  const std::string& prefix = opt_.continuing_prefix;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string& t = vocab_.token(ids[i]);
    if (i == 0)
      piece = t;  // kept whole, even with the prefix
    else if (!prefix.empty() && t.compare(0, prefix.size(), prefix) == 0)
      piece.assign(t, prefix.size());
    else
      piece = ' ' + t;
    if (opt_.decode_cleanup) clean_up_piece(piece);
    out += piece;
  }
  return out;
}

WordLevel::WordLevel(Vocab vocab, std::string unk_token) : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)) {
  const auto unk = vocab_.find(unk_token_);
  EMBED_CHECK(unk.has_value(), "WordLevel: the unknown token '{}' is not in the vocabulary", unk_token);
  unk_id_ = *unk;
}

void WordLevel::encode(std::u32string_view piece, std::vector<Token>& out) const {
  if (piece.empty()) return;
  const auto id = vocab_.find(encode_utf8(piece));
  out.push_back({id ? *id : unk_id_, 0, piece.size()});
}

std::string WordLevel::decode(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (const std::int64_t id : ids) {
    if (!out.empty()) out += ' ';
    out += vocab_.token(id);
  }
  return out;
}

Bpe::Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options)
    : vocab_(std::move(vocab)), opt_(std::move(options)) {
  if (!opt_.unk_token.empty()) {
    const auto unk = vocab_.find(opt_.unk_token);
    EMBED_CHECK(unk.has_value(), "BPE: the unknown token '{}' is not in the vocabulary", opt_.unk_token);
    unk_id_ = *unk;
  }
  EMBED_CHECK(vocab_.size() < (std::int64_t{1} << 31), "BPE vocabulary of {} tokens is too large", vocab_.size());
  const std::size_t prefix = opt_.continuing_prefix.size();
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const auto ia = vocab_.find(a), ib = vocab_.find(b);
    // The merged token drops b's continuation prefix ("un" + "##do" -> "undo").
    const std::string joined = a + (prefix && b.compare(0, prefix, opt_.continuing_prefix) == 0 ? b.substr(prefix) : b);
    const auto im = vocab_.find(joined);
    EMBED_CHECK_AS(FormatError, ia && ib && im, "BPE merge {} ('{}' '{}') uses a token missing from the vocabulary",
                   rank + 1, a, b);
    EMBED_CHECK_AS(FormatError, rank < static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
                   "more than 2^31 BPE merges");
    const std::int32_t i = merge_index_.intern(static_cast<std::int32_t>(*ia), static_cast<std::int32_t>(*ib));
    if (static_cast<std::size_t>(i) == merges_.size())  // the first rank of a pair wins
      merges_.push_back(Merge{static_cast<std::int32_t>(rank), static_cast<std::int32_t>(*im)});
    merge_list_.emplace_back(a, b);
  }
  // Spelling tables: a word is spelled symbol by symbol, and most symbols are ASCII.
  for (int first = 0; first < 2; ++first)
    for (int last = 0; last < 2; ++last)
      for (char32_t c = 0; c < 128; ++c)
        ascii_symbol_[static_cast<std::size_t>((first * 2 + last) * 128) + c] = symbol_id(c, first, last);
  for (int b = 0; b < 256; ++b) {
    std::string s;
    append_utf8(s, byte_to_unicode(static_cast<unsigned char>(b)));
    const auto id = vocab_.find(s);
    byte_symbol_[static_cast<std::size_t>(b)] = id ? *id : -1;
  }
}

std::int64_t Bpe::symbol_id(char32_t c, bool first, bool last) const {
  std::string s = first ? std::string() : opt_.continuing_prefix;
  append_utf8(s, c);
  if (last) s += opt_.end_of_word_suffix;
  const auto id = vocab_.find(s);
  return id ? *id : -1;
}

// The piece as single symbols (before any merge).
void Bpe::spell(std::u32string_view piece, std::vector<Symbol>& symbols) const {
  if (opt_.byte_level) {
    std::string bytes;
    for (std::size_t i = 0; i < piece.size(); ++i) {
      bytes.clear();
      append_utf8(bytes, piece[i]);
      for (unsigned char b : bytes) {
        const std::int64_t id = byte_symbol_[b];
        EMBED_CHECK(id >= 0, "byte-level BPE vocabulary lacks the symbol for byte {}", static_cast<int>(b));
        symbols.push_back({id, i, i + 1});
      }
    }
    return;
  }
  for (std::size_t i = 0; i < piece.size(); ++i) {
    const bool first = i == 0, last = i + 1 == piece.size();
    const std::int64_t id = piece[i] < 128
                                ? ascii_symbol_[static_cast<std::size_t>((first * 2 + last) * 128) + piece[i]]
                                : symbol_id(piece[i], first, last);
    if (id >= 0)
      symbols.push_back({id, i, i + 1});
    else if (unk_id_ >= 0)  // without an unknown token the character is dropped
      symbols.push_back({unk_id_, i, i + 1});
  }
}

// Merges the adjacent pair of lowest rank, leftmost first, until none has a
// merge. Short pieces (most words) keep each adjacent pair's merge in an
// array and rescan it: fewer steps than a heap for a handful of symbols.
void Bpe::merge_by_scan(std::vector<Symbol>& symbols) const {
  constexpr Merge kNone{std::numeric_limits<std::int32_t>::max(), -1};
  const auto merge_at = [&](std::size_t i) {
    const Merge* m = merge_of(symbols[i].id, symbols[i + 1].id);
    return m ? *m : kNone;
  };
  thread_local std::vector<Merge> pair;  // pair[i]: the merge of symbols i and i + 1
  pair.resize(symbols.size() - 1);
  for (std::size_t i = 0; i + 1 < symbols.size(); ++i) pair[i] = merge_at(i);
  for (;;) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < pair.size(); ++i)
      if (pair[i].rank < pair[best].rank) best = i;
    if (pair[best].merged < 0) return;
    symbols[best].id = pair[best].merged;
    symbols[best].end = symbols[best + 1].end;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    pair.erase(pair.begin() + static_cast<std::ptrdiff_t>(best));
    if (pair.empty()) return;
    if (best > 0) pair[best - 1] = merge_at(best - 1);
    if (best < pair.size()) pair[best] = merge_at(best);
  }
}

// The same for long pieces: a heap of candidate pairs over a linked list of
// symbols, so a piece of n symbols costs O(n log n) (rescanning would be
// quadratic on a long word). Stale candidates are skipped when popped.
void Bpe::merge_by_heap(std::vector<Symbol>& symbols) const {
  const auto n = static_cast<std::int64_t>(symbols.size());
  std::vector<std::int64_t> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (std::int64_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    std::int64_t rank, left, left_id, right_id, merged;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  const auto offer = [&](std::int64_t left) {
    if (left < 0 || next[left] < 0) return;
    const std::int64_t right = next[left];
    if (const Merge* m = merge_of(symbols[left].id, symbols[right].id))
      heap.push({m->rank, left, symbols[left].id, symbols[right].id, m->merged});
  };
  for (std::int64_t i = 0; i + 1 < n; ++i) offer(i);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    const std::int64_t right = alive[c.left] ? next[c.left] : -1;
    if (right < 0 || symbols[c.left].id != c.left_id || symbols[right].id != c.right_id) continue;  // stale
    symbols[c.left].id = c.merged;
    symbols[c.left].end = symbols[right].end;
    alive[right] = false;
    next[c.left] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.left;
    offer(prev[c.left]);
    offer(c.left);
  }
  std::vector<Symbol> merged;
  for (std::int64_t i = n > 0 ? 0 : -1; i >= 0; i = next[i]) merged.push_back(symbols[i]);
  symbols = std::move(merged);
}

void Bpe::encode(std::u32string_view piece, std::vector<Token>& out) const {
  // Below this many symbols, rescanning an array beats a heap (bench/tokenizers).
  constexpr std::size_t kScanBelow = 48;
  if (piece.empty()) return;
  thread_local std::vector<Symbol> symbols;
  symbols.clear();
  spell(piece, symbols);
  if (symbols.size() < 2) {
  } else if (symbols.size() < kScanBelow) {
    merge_by_scan(symbols);
  } else {
    merge_by_heap(symbols);
  }
  for (const Symbol& sym : symbols) out.push_back({sym.id, sym.start, sym.end});
}

std::string Bpe::decode(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (const std::int64_t id : ids) {
    const std::string& t = vocab_.token(id);
    if (opt_.byte_level) {
      for (char32_t c : decode_utf8(t).chars) {
        const int b = unicode_to_byte(c);
        EMBED_CHECK(b >= 0, "token {} ('{}') is not in the byte-level alphabet", id, t);
        out += static_cast<char>(b);
      }
      continue;
    }
    std::string piece = t;
    if (!opt_.continuing_prefix.empty() && piece.starts_with(opt_.continuing_prefix))
      piece.erase(0, opt_.continuing_prefix.size());
    if (!opt_.end_of_word_suffix.empty() && piece.ends_with(opt_.end_of_word_suffix)) {
      piece.erase(piece.size() - opt_.end_of_word_suffix.size());
      piece += ' ';
    }
    out += piece;
  }
  if (!opt_.byte_level && !opt_.end_of_word_suffix.empty() && !out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace embed::text
