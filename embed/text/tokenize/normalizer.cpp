#include "embed/text/tokenize/normalizer.h"

#include <algorithm>
#include <numeric>

#include "embed/text/tokenize/unicode.h"

namespace embed::text {

NormalizedText NormalizedText::from_utf8(std::string_view bytes, InvalidUtf8 policy) {
  NormalizedText t;
  t.assign_utf8(bytes, policy);
  return t;
}

namespace {

// Full decomposition of every character, then the canonical ordering
// algorithm: within each run of non-starters, stable sort by combining class.
void decompose_all(NormalizedText& text, bool compatibility) {
  text.transform([compatibility](char32_t c, std::u32string& out) { out += decompose(c, compatibility); });
  const std::size_t n = text.chars.size();
  std::size_t i = 0;
  while (i < n) {
    if (combining_class(text.chars[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && combining_class(text.chars[j]) != 0) ++j;
    std::vector<std::size_t> order(j - i);
    std::iota(order.begin(), order.end(), i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return combining_class(text.chars[a]) < combining_class(text.chars[b]);
    });
    std::u32string c;
    std::vector<std::int64_t> b, e;
    for (std::size_t k : order) {
      c += text.chars[k];
      b.push_back(text.begin[k]);
      e.push_back(text.end[k]);
    }
    std::copy(c.begin(), c.end(), text.chars.begin() + static_cast<std::ptrdiff_t>(i));
    std::copy(b.begin(), b.end(), text.begin.begin() + static_cast<std::ptrdiff_t>(i));
    std::copy(e.begin(), e.end(), text.end.begin() + static_cast<std::ptrdiff_t>(i));
    i = j;
  }
}

// Composition after decompose_all. Each composed character covers the
// characters of its own canonical decomposition, so its range is the union
// of theirs.
void compose_all(NormalizedText& text) {
  const std::u32string composed = compose(text.chars);
  if (composed.size() == text.chars.size()) {
    text.chars = composed;
    return;
  }
  std::vector<std::int64_t> b, e;
  std::size_t at = 0;
  for (char32_t c : composed) {
    const std::size_t k = std::max<std::size_t>(1, decompose(c, false).size());
    const std::size_t last = std::min(at + k, text.chars.size()) - 1;
    b.push_back(*std::min_element(text.begin.begin() + static_cast<std::ptrdiff_t>(at),
                                  text.begin.begin() + static_cast<std::ptrdiff_t>(last) + 1));
    e.push_back(*std::max_element(text.end.begin() + static_cast<std::ptrdiff_t>(at),
                                  text.end.begin() + static_cast<std::ptrdiff_t>(last) + 1));
    at = last + 1;
  }
  text.chars = composed;
  text.begin = std::move(b);
  text.end = std::move(e);
}

void strip_accents(NormalizedText& text) {
  decompose_all(text, false);
  text.transform([](char32_t c, std::u32string& out) {
    if (!is_mark_nonspacing(c)) out += c;
  });
}

void lowercase(NormalizedText& text) {
  text.transform([](char32_t c, std::u32string& out) { append_lowercase(out, c); });
}

}  // namespace

void UnicodeNormalizer::apply(NormalizedText& text) const {
  const bool compat = form_ == NormalForm::nfkc || form_ == NormalForm::nfkd;
  decompose_all(text, compat);
  if (form_ == NormalForm::nfc || form_ == NormalForm::nfkc) compose_all(text);
}

void Lowercase::apply(NormalizedText& text) const { lowercase(text); }

void StripAccents::apply(NormalizedText& text) const { strip_accents(text); }

void BertNormalizer::apply(NormalizedText& text) const {
  if (opt_.clean_text) {
    text.transform([](char32_t c, std::u32string& out) {
      if (c == 0 || c == 0xFFFD || is_bert_control(c)) return;
      out += c == '\t' || c == '\n' || c == '\r' || is_white_space(c) ? U' ' : c;
    });
  }
  if (opt_.handle_chinese_chars) {
    text.transform([](char32_t c, std::u32string& out) {
      if (is_cjk_ideograph(c)) {
        out += U' ';
        out += c;
        out += U' ';
      } else {
        out += c;
      }
    });
  }
  if (opt_.strip_accents == 1 || (opt_.strip_accents == -1 && opt_.lowercase)) strip_accents(text);
  if (opt_.lowercase) lowercase(text);
}

}  // namespace embed::text
