#include "embed/text/static/corpus.h"

#include <string_view>

#include "embed/core/error.h"
#include "embed/core/storage.h"
#include "embed/text/sparse/numpy_argsort.h"
#include "embed/text/sparse/term_table.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// word(text, file, byte offset) for every token and end() at every end of
// line / max_sentence tokens.
template <typename Word, typename End>
void scan(const std::vector<std::string>& files, std::int64_t max_sentence, Word&& word, End&& end) {
  for (const std::string& path : files) {
    const auto file = MappedFile::open(path);
    const char* start = reinterpret_cast<const char*>(file->data());
    const char* p = start;
    const char* stop = p + file->size();
    std::int64_t in_sentence = 0;
    while (p < stop) {
      if (*p == '\n') {
        if (in_sentence) end();
        in_sentence = 0;
        ++p;
        continue;
      }
      if (is_space(*p)) {
        ++p;
        continue;
      }
      const char* w = p;
      while (p < stop && *p != '\n' && !is_space(*p)) ++p;
      word(std::string_view(w, static_cast<std::size_t>(p - w)), path, w - start);
      if (++in_sentence == max_sentence) {
        end();
        in_sentence = 0;
      }
    }
    if (in_sentence) end();
  }
}

bool is_ascii(std::string_view w) {
  for (char ch : w)
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  return true;
}

}  // namespace

Corpus read_corpus(const std::vector<std::string>& files, std::int64_t min_count, std::int64_t max_sentence,
                   InvalidUtf8 invalid_utf8) {
  EMBED_CHECK(!files.empty(), "give at least one corpus file");
  TermTable spelled;                  // tokens as the bytes in the file
  std::vector<std::int32_t> word_of;  // spelled id -> word id (differ only where invalid UTF-8 was replaced)
  TermTable table;                    // words, valid UTF-8
  std::vector<std::int64_t> count;    // per word id
  std::vector<std::int32_t> raw;      // word ids in corpus order
  std::vector<std::int64_t> ends;
  scan(
      files, max_sentence,
      [&](std::string_view w, const std::string& path, std::int64_t offset) {
        const std::int32_t sid = spelled.intern(w);
        if (static_cast<std::size_t>(sid) == word_of.size()) {  // first time: check the bytes once
          std::int32_t id;
          if (is_ascii(w)) {
            id = table.intern(w);
          } else if (invalid_utf8 == InvalidUtf8::replace) {
            id = table.intern(encode_utf8(decode_utf8(w, InvalidUtf8::replace).chars));
          } else {
            try {
              decode_utf8(w, InvalidUtf8::reject);
            } catch (const FormatError&) {
              throw FormatError(
                  fmt::format("{}: invalid UTF-8 in the word at byte {} (replace it with U+FFFD "
                              "by asking for invalid_utf8=replace)",
                              path, offset));
            }
            id = table.intern(w);
          }
          word_of.push_back(id);
          if (static_cast<std::size_t>(id) == count.size()) count.push_back(0);
        }
        const std::int32_t id = word_of[static_cast<std::size_t>(sid)];
        ++count[static_cast<std::size_t>(id)];
        raw.push_back(id);
      },
      [&] { ends.push_back(static_cast<std::int64_t>(raw.size())); });
  Corpus c;
  c.tokens = static_cast<std::int64_t>(raw.size());
  EMBED_CHECK(c.tokens > 0, "the corpus holds no words");
  // Most frequent first, in gensim's order (so ids and files match it):
  // gensim takes the words in order of first appearance and sorts them by
  // np.argsort(counts)[::-1], numpy's unstable introsort reversed.
  std::vector<std::int32_t> kept;
  std::vector<double> kept_counts;
  for (std::int32_t i = 0; i < table.size(); ++i) {
    if (count[static_cast<std::size_t>(i)] < min_count) continue;
    kept.push_back(i);
    kept_counts.push_back(static_cast<double>(count[static_cast<std::size_t>(i)]));
  }
  EMBED_CHECK(kept.size() >= 2, "only {} distinct words occur at least min_count={} times: too few to train on",
              kept.size(), min_count);
  const std::vector<std::int64_t> ascending = numpy_argsort(kept_counts);
  std::vector<std::int32_t> order;
  for (auto it = ascending.rbegin(); it != ascending.rend(); ++it) order.push_back(kept[static_cast<std::size_t>(*it)]);
  std::vector<std::int32_t> vocab_id(static_cast<std::size_t>(table.size()), -1);
  for (std::size_t r = 0; r < order.size(); ++r) {
    vocab_id[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
    c.words.emplace_back(table.term(order[r]));
    c.counts.push_back(count[static_cast<std::size_t>(order[r])]);
  }
  std::size_t at = 0;
  for (std::int64_t e : ends) {
    for (; at < static_cast<std::size_t>(e); ++at) {
      const std::int32_t v = vocab_id[static_cast<std::size_t>(raw[at])];
      if (v >= 0) c.ids.push_back(v);
    }
    if (c.sentence_end.empty() || c.sentence_end.back() != static_cast<std::int64_t>(c.ids.size()))
      c.sentence_end.push_back(static_cast<std::int64_t>(c.ids.size()));
  }
  return c;
}

}  // namespace embed::text
