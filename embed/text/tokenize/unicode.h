// Character classes and mappings the tokenizers need, from the Unicode
// database through utf8proc. Names follow the definitions each tokenizer
// family uses (cited per function) rather than one "is_space" for all.
#pragma once

#include <string>
#include <string_view>

namespace embed::text {

bool is_letter(char32_t c);           // general category L* (Lu Ll Lt Lm Lo): regex \p{L}
bool is_number(char32_t c);           // N* (Nd Nl No): regex \p{N}
bool is_mark_nonspacing(char32_t c);  // Mn: what "strip accents" removes after NFD
// The White_Space property (U+0009-000D, 0020, 0085, 00A0, 1680, 2000-200A,
// 2028, 2029, 202F, 205F, 3000): regex \s and Rust's char::is_whitespace.
bool is_white_space(char32_t c);
// Categories C* (Cc Cf Cs Co Cn) except \t \n \r: BERT's "control" characters.
bool is_bert_control(char32_t c);
// ASCII punctuation (33-47, 58-64, 91-96, 123-126) or category P*: BERT's punctuation.
bool is_bert_punctuation(char32_t c);
// The CJK Unified Ideographs blocks BERT surrounds with spaces.
bool is_cjk_ideograph(char32_t c);

// Full lowercase mapping of one character (Rust's char::to_lowercase; only
// U+0130 maps to two characters).
void append_lowercase(std::u32string& out, char32_t c);

// The canonical (or compatibility) decomposition of one character, fully
// decomposed and canonically ordered within itself.
std::u32string decompose(char32_t c, bool compatibility);
// Python's str semantics, for matching scikit-learn's text processing:
// regex \w under re.UNICODE (str.isalnum() or '_': categories L*, N*),
// regex \s and str.split() (White_Space plus the separators U+001C-001F),
// and str.lower() (full lowercase mapping with the Final_Sigma rule:
// "ΟΔΟΣ" -> "οδος" with a final "ς").
bool is_python_word(char32_t c);
bool is_python_space(char32_t c);
std::u32string python_lower(std::u32string_view s);

// Canonical combining class (0 for starters).
int combining_class(char32_t c);
// Canonical composition (NFC's second half) of an NFD or NFKD string.
std::u32string compose(const std::u32string& decomposed);

}  // namespace embed::text
