// Porter2, step by step as english.sbl writes it. The word is held as code
// points; p1 and p2 are the starts of the regions R1 and R2.
#include "embed/text/sparse/stemmer.h"

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

using Word = std::u32string;

bool vowel(char32_t c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

// The longest of `suffixes` that `w` ends with, or "" (Snowball's `among`).
std::u32string_view longest(const Word& w, std::initializer_list<const char*> suffixes, const char** which) {
  std::size_t best = 0;
  *which = nullptr;
  for (const char* s : suffixes) {
    std::size_t n = 0;
    while (s[n]) ++n;
    if (n > best && w.size() >= n) {
      bool match = true;
      for (std::size_t i = 0; i < n && match; ++i) match = w[w.size() - n + i] == static_cast<char32_t>(s[i]);
      if (match) {
        best = n;
        *which = s;
      }
    }
  }
  return *which ? std::u32string_view(w).substr(w.size() - best) : std::u32string_view{};
}

bool is(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

void replace_end(Word& w, std::size_t n, const char* with) {
  w.resize(w.size() - n);
  for (const char* p = with; *p; ++p) w.push_back(static_cast<char32_t>(*p));
}

// A short syllable ending at position `end` (exclusive): non-vowel, vowel,
// non-vowel other than w, x and Y; or, at the start of the word, vowel then non-vowel.
bool short_syllable(const Word& w, std::size_t end) {
  if (end >= 3) {
    const char32_t a = w[end - 3], b = w[end - 2], c = w[end - 1];
    if (!vowel(a) && vowel(b) && !vowel(c) && c != 'w' && c != 'x' && c != 'Y') return true;
  }
  return end == 2 && vowel(w[0]) && !vowel(w[1]);
}

bool contains_vowel(const Word& w, std::size_t end) {
  for (std::size_t i = 0; i < end; ++i)
    if (vowel(w[i])) return true;
  return false;
}

// After the first non-vowel that follows a vowel, from `from`.
std::size_t region_after(const Word& w, std::size_t from) {
  std::size_t i = from;
  while (i < w.size() && !vowel(w[i])) ++i;
  while (i < w.size() && vowel(w[i])) ++i;
  return i < w.size() ? i + 1 : w.size();
}

bool step_1a(Word& w) {
  const char* s;
  if (longest(w, {"'", "'s", "'s'"}, &s).size()) replace_end(w, std::char_traits<char>::length(s), "");
  const auto m = longest(w, {"sses", "ied", "ies", "s", "us", "ss"}, &s);
  if (m.empty()) return false;
  if (is(s, "sses")) {
    replace_end(w, 4, "ss");
  } else if (is(s, "ied") || is(s, "ies")) {
    replace_end(w, 3, w.size() > 4 ? "i" : "ie");
  } else if (is(s, "s")) {
    // delete if a vowel comes before the letter before the s
    if (w.size() >= 2 && contains_vowel(w, w.size() - 2)) w.pop_back();
  }
  return true;
}

void step_1b(Word& w, std::size_t p1) {
  const char* s;
  const auto m = longest(w, {"eed", "eedly", "ed", "edly", "ing", "ingly"}, &s);
  if (m.empty()) return;
  const std::size_t start = w.size() - m.size();
  if (is(s, "eed") || is(s, "eedly")) {
    if (start >= p1) replace_end(w, m.size(), "ee");
    return;
  }
  if (!contains_vowel(w, start)) return;
  w.resize(start);
  const char* t;
  if (longest(w, {"at", "bl", "iz"}, &t).size()) {
    w.push_back('e');
  } else if (longest(w, {"bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"}, &t).size()) {
    w.pop_back();
  } else if (w.size() == p1 && short_syllable(w, w.size())) {
    // p1 at the end of the word: R1 is empty, so the word is short
    w.push_back('e');
  }
}

void step_1c(Word& w) {
  if (w.size() >= 3 && (w.back() == 'y' || w.back() == 'Y') && !vowel(w[w.size() - 2])) w.back() = 'i';
}

bool valid_li(char32_t c) {
  return c == 'c' || c == 'd' || c == 'e' || c == 'g' || c == 'h' || c == 'k' || c == 'm' || c == 'n' || c == 'r' ||
         c == 't';
}

void step_2(Word& w, std::size_t p1) {
  const char* s;
  const auto m = longest(w, {"tional",  "enci",  "anci",   "abli",  "entli", "izer",    "ization", "ational",
                             "ation",   "ator",  "alism",  "aliti", "alli",  "fulness", "ousli",   "ousness",
                             "iveness", "iviti", "biliti", "bli",   "ogi",   "fulli",   "lessli",  "li"},
                         &s);
  if (m.empty() || w.size() - m.size() < p1) return;
  const std::size_t n = m.size(), start = w.size() - n;
  static const std::pair<const char*, const char*> to[] = {
      {"tional", "tion"}, {"enci", "ence"},   {"anci", "ance"},   {"abli", "able"},   {"entli", "ent"},
      {"izer", "ize"},    {"ization", "ize"}, {"ational", "ate"}, {"ation", "ate"},   {"ator", "ate"},
      {"alism", "al"},    {"aliti", "al"},    {"alli", "al"},     {"fulness", "ful"}, {"ousli", "ous"},
      {"ousness", "ous"}, {"iveness", "ive"}, {"iviti", "ive"},   {"biliti", "ble"},  {"bli", "ble"},
      {"fulli", "ful"},   {"lessli", "less"}};
  if (is(s, "ogi")) {
    if (start >= 1 && w[start - 1] == 'l') replace_end(w, n, "og");
  } else if (is(s, "li")) {
    if (start >= 1 && valid_li(w[start - 1])) replace_end(w, n, "");
  } else {
    for (const auto& [from, into] : to)
      if (is(s, from)) replace_end(w, n, into);
  }
}

void step_3(Word& w, std::size_t p1, std::size_t p2) {
  const char* s;
  const auto m = longest(w, {"tional", "ational", "alize", "icate", "iciti", "ical", "ful", "ness", "ative"}, &s);
  if (m.empty() || w.size() - m.size() < p1) return;
  const std::size_t n = m.size();
  if (is(s, "tional"))
    replace_end(w, n, "tion");
  else if (is(s, "ational"))
    replace_end(w, n, "ate");
  else if (is(s, "alize"))
    replace_end(w, n, "al");
  else if (is(s, "icate") || is(s, "iciti") || is(s, "ical"))
    replace_end(w, n, "ic");
  else if (is(s, "ful") || is(s, "ness"))
    replace_end(w, n, "");
  else if (is(s, "ative") && w.size() - n >= p2)
    replace_end(w, n, "");
}

void step_4(Word& w, std::size_t p2) {
  const char* s;
  const auto m = longest(w,
                         {"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate",
                          "iti", "ous", "ive", "ize", "ion"},
                         &s);
  if (m.empty() || w.size() - m.size() < p2) return;
  const std::size_t start = w.size() - m.size();
  if (is(s, "ion")) {
    if (start >= 1 && (w[start - 1] == 's' || w[start - 1] == 't')) w.resize(start);
  } else {
    w.resize(start);
  }
}

void step_5(Word& w, std::size_t p1, std::size_t p2) {
  if (w.empty()) return;
  const std::size_t start = w.size() - 1;
  if (w.back() == 'e') {
    if (start >= p2 || (start >= p1 && !short_syllable(w, start))) w.pop_back();
  } else if (w.back() == 'l') {
    if (start >= p2 && start >= 1 && w[start - 1] == 'l') w.pop_back();
  }
}

bool equals(const Word& w, const char* s) {
  std::size_t i = 0;
  for (; s[i]; ++i)
    if (i >= w.size() || w[i] != static_cast<char32_t>(s[i])) return false;
  return i == w.size();
}

}  // namespace

std::string porter2_stem(std::string_view word) {
  Word w = decode_utf8(word).chars;
  // exception1: special changes and invariant forms
  static const std::pair<const char*, const char*> special[] = {
      {"skis", "ski"},      {"skies", "sky"},    {"dying", "die"},  {"lying", "lie"},   {"tying", "tie"},
      {"idly", "idl"},      {"gently", "gentl"}, {"ugly", "ugli"},  {"early", "earli"}, {"only", "onli"},
      {"singly", "singl"},  {"sky", "sky"},      {"news", "news"},  {"howe", "howe"},   {"atlas", "atlas"},
      {"cosmos", "cosmos"}, {"bias", "bias"},    {"andes", "andes"}};
  for (const auto& [from, into] : special)
    if (equals(w, from)) return into;
  if (w.size() < 3) return std::string(word);
  // prelude: an initial apostrophe goes; y at the start or after a vowel is the consonant Y
  if (w[0] == '\'') w.erase(0, 1);
  if (!w.empty() && w[0] == 'y') w[0] = 'Y';
  for (std::size_t i = 1; i < w.size(); ++i)
    if (w[i] == 'y' && vowel(w[i - 1])) w[i] = 'Y';
  // regions
  std::size_t p1 = w.size();
  bool prefixed = false;
  for (const char* prefix : {"gener", "commun", "arsen"}) {
    const std::size_t n = std::char_traits<char>::length(prefix);
    if (w.size() >= n && equals(Word(w.substr(0, n)), prefix)) {
      p1 = n;
      prefixed = true;
      break;
    }
  }
  if (!prefixed) p1 = region_after(w, 0);
  const std::size_t p2 = region_after(w, p1);

  step_1a(w);
  static const char* const exception2[] = {"inning",  "outing",  "canning", "herring",
                                           "earring", "proceed", "exceed",  "succeed"};
  bool invariant = false;
  for (const char* e : exception2) invariant = invariant || equals(w, e);
  if (!invariant) {
    step_1b(w, p1);
    step_1c(w);
    step_2(w, p1);
    step_3(w, p1, p2);
    step_4(w, p2);
    step_5(w, p1, p2);
  }
  for (char32_t& c : w)
    if (c == 'Y') c = 'y';
  return encode_utf8(w);
}

}  // namespace embed::text
