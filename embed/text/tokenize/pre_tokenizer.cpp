#include "embed/text/tokenize/pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include "embed/core/error.h"
#include "embed/text/tokenize/unicode.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

std::vector<Piece> WhitespaceSplit::split(const NormalizedText& text) const {
  std::vector<Piece> out;
  const std::size_t n = text.chars.size();
  std::size_t i = 0;
  while (i < n) {
    while (i < n && is_white_space(text.chars[i])) ++i;
    const std::size_t start = i;
    while (i < n && !is_white_space(text.chars[i])) ++i;
    if (i > start) out.push_back({start, i});
  }
  return out;
}

std::vector<Piece> BertPreTokenizer::split(const NormalizedText& text) const {
  std::vector<Piece> out;
  for (const Piece& word : WhitespaceSplit().split(text)) {
    std::size_t start = word.start;
    for (std::size_t i = word.start; i < word.end; ++i) {
      if (!is_bert_punctuation(text.chars[i])) continue;
      if (i > start) out.push_back({start, i});
      out.push_back({i, i + 1});
      start = i + 1;
    }
    if (word.end > start) out.push_back({start, word.end});
  }
  return out;
}

void ByteLevelPreTokenizer::prepare(NormalizedText& text, bool) const {
  if (!add_prefix_space_ || (!text.chars.empty() && text.chars[0] == U' ')) return;
  text.chars.insert(text.chars.begin(), U' ');
  text.begin.insert(text.begin.begin(), 0);  // the added space covers no original bytes
  text.end.insert(text.end.begin(), 0);
}

namespace {

bool is_other(char32_t c) { return !is_white_space(c) && !is_letter(c) && !is_number(c); }

// Length of the GPT-2 contraction ('s 't 're 've 'm 'll 'd) starting at i, or 0.
std::size_t contraction(const std::u32string& s, std::size_t i) {
  if (s[i] != U'\'' || i + 1 >= s.size()) return 0;
  const char32_t a = s[i + 1];
  if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
  if (i + 2 < s.size()) {
    const char32_t b = s[i + 2];
    if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return 3;
  }
  return 0;
}

}  // namespace

std::vector<Piece> ByteLevelPreTokenizer::split(const NormalizedText& text) const {
  const std::u32string& s = text.chars;
  const std::size_t n = s.size();
  std::vector<Piece> out;
  std::size_t i = 0;
  const auto run = [&](std::size_t from, bool (*pred)(char32_t)) {
    std::size_t j = from;
    while (j < n && pred(s[j])) ++j;
    return j;
  };
  while (i < n) {
    if (const std::size_t k = contraction(s, i)) {
      out.push_back({i, i + k});
      i += k;
      continue;
    }
    // " ?X+" for the three classes: an optional single space, then a run.
    const std::size_t body = s[i] == U' ' && i + 1 < n ? i + 1 : i;
    bool matched = false;
    for (bool (*pred)(char32_t) : {is_letter, is_number, is_other}) {
      if (pred(s[body])) {
        const std::size_t j = run(body, pred);
        out.push_back({i, j});
        i = j;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    // White space: "\s+(?!\S)" keeps the last space for the next piece when
    // a non-space follows; a lone space before a non-space falls to "\s+".
    const std::size_t j = run(i, is_white_space);
    const std::size_t end = j < n && j - i > 1 ? j - 1 : j;
    out.push_back({i, end});
    i = end;
  }
  return out;
}

std::vector<Piece> DigitsPreTokenizer::split(const NormalizedText& text) const {
  std::vector<Piece> out;
  const std::size_t n = text.chars.size();
  for (std::size_t i = 0; i < n;) {
    const bool number = is_number(text.chars[i]);
    std::size_t j = i + 1;
    if (!number || !individual_)
      while (j < n && is_number(text.chars[j]) == number) ++j;
    out.push_back({i, j});
    i = j;
  }
  return out;
}

void MetaspacePreTokenizer::prepare(NormalizedText& text, bool at_start) const {
  for (char32_t& c : text.chars)
    if (c == U' ') c = replacement_;
  const bool prepend = prepend_ == PrependScheme::always || (prepend_ == PrependScheme::first && at_start);
  if (!prepend || text.chars.empty() || text.chars[0] == replacement_) return;
  text.chars.insert(text.chars.begin(), replacement_);
  text.begin.insert(text.begin.begin(), text.begin[0]);  // the added character covers no original bytes
  text.end.insert(text.end.begin(), text.begin[0]);
}

std::vector<Piece> MetaspacePreTokenizer::split(const NormalizedText& text) const {
  std::vector<Piece> out;
  const std::size_t n = text.chars.size();
  if (n == 0) return out;
  if (!split_) return {{0, n}};
  std::size_t start = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (text.chars[i] == replacement_) {  // the replacement opens the next piece
      out.push_back({start, i});
      start = i;
    }
  out.push_back({start, n});
  return out;
}

void MetaspacePreTokenizer::restore(std::string& decoded) const {
  std::string mark;
  append_utf8(mark, replacement_);
  std::string out;
  out.reserve(decoded.size());
  for (std::size_t i = 0; i < decoded.size();) {
    if (decoded.compare(i, mark.size(), mark) == 0) {
      if (!(i == 0 && prepend_ != PrependScheme::never)) out += ' ';  // the prepended one goes
      i += mark.size();
    } else {
      out += decoded[i++];
    }
  }
  decoded = std::move(out);
}

PreTokenizerSequence::PreTokenizerSequence(std::vector<std::shared_ptr<PreTokenizer>> steps)
    : steps_(std::move(steps)) {
  EMBED_CHECK(!steps_.empty(), "a pre-tokenizer sequence needs at least one step");
  for (std::size_t i = 1; i < steps_.size(); ++i)
    EMBED_CHECK_AS(Unsupported, !steps_[i]->edits_text(),
                   "a pre-tokenizer sequence whose step {} ({}) edits the text: only the first step may", i + 1,
                   steps_[i]->to_json().dump());
}

void PreTokenizerSequence::prepare(NormalizedText& text, bool at_start) const { steps_[0]->prepare(text, at_start); }

bool PreTokenizerSequence::edits_text() const { return steps_[0]->edits_text(); }

std::vector<Piece> PreTokenizerSequence::split(const NormalizedText& text) const {
  std::vector<Piece> pieces = steps_[0]->split(text);
  NormalizedText part;
  for (std::size_t k = 1; k < steps_.size(); ++k) {
    std::vector<Piece> next;
    for (const Piece& p : pieces) {
      // The step sees the piece alone; its pieces are shifted back into the whole text.
      const auto from = static_cast<std::ptrdiff_t>(p.start), to = static_cast<std::ptrdiff_t>(p.end);
      part.chars.assign(text.chars.begin() + from, text.chars.begin() + to);
      part.begin.assign(text.begin.begin() + from, text.begin.begin() + to);
      part.end.assign(text.end.begin() + from, text.end.begin() + to);
      for (const Piece& q : steps_[k]->split(part)) next.push_back({p.start + q.start, p.start + q.end});
    }
    pieces = std::move(next);
  }
  return pieces;
}

void PreTokenizerSequence::restore(std::string& decoded) const {
  for (const auto& step : steps_) step->restore(decoded);
}

}  // namespace embed::text
