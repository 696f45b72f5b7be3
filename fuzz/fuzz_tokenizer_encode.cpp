// libFuzzer target: the encoders on arbitrary bytes (invalid UTF-8, NUL,
// controls, long runs). BERT-style WordPiece must not crash; byte-level BPE
// must also round-trip: decode(encode(x)) is x with each ill-formed UTF-8
// subsequence replaced by U+FFFD.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "embed/text/tokenize/tokenizer.h"

namespace {

using namespace embed::text;

const Tokenizer& wordpiece() {
  static const Tokenizer tok = [] {
    Vocab vocab({"[UNK]", "[CLS]", "[SEP]", "a", "b", "##a", "##b", "ab", "!", "\xC3\xA9", "##\xC3\xA9"});
    return Tokenizer(std::make_shared<BertNormalizer>(), std::make_shared<BertPreTokenizer>(),
                     std::make_shared<WordPiece>(std::move(vocab)));
  }();
  return tok;
}

const Tokenizer& byte_bpe() {
  static const Tokenizer tok = [] {
    // The 256-symbol byte alphabet plus a few merges.
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b)
      tokens.push_back(encode_utf8(std::u32string(1, byte_to_unicode(static_cast<unsigned char>(b)))));
    const std::string space = tokens[' '];
    tokens.push_back(space + "a");
    tokens.push_back("ab");
    tokens.push_back(space + "ab");
    std::vector<std::pair<std::string, std::string>> merges{{space, "a"}, {"a", "b"}, {space + "a", "b"}};
    BpeOptions o;
    o.byte_level = true;
    return Tokenizer(nullptr, std::make_shared<ByteLevelPreTokenizer>(),
                     std::make_shared<Bpe>(Vocab(std::move(tokens)), merges, o));
  }();
  return tok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)wordpiece().encode(text);
  const auto& bpe = byte_bpe();
  if (bpe.decode(bpe.encode(text).ids) != encode_utf8(decode_utf8(text).chars)) std::abort();
  return 0;
}
