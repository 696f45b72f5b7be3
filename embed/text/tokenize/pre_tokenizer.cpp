#include "embed/text/tokenize/pre_tokenizer.h"

#include "embed/text/tokenize/unicode.h"

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

void ByteLevelPreTokenizer::prepare(NormalizedText& text) const {
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

}  // namespace embed::text
