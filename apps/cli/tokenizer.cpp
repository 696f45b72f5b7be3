// `embed tokenizer train|encode|decode`: training writes a tokenizer.json;
// encoding and decoding stream JSON lines through stdin/stdout.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/progress.h"
#include "embed/io/atomic_file.h"
#include "embed/io/line_reader.h"
#include "embed/text/tokenize/bpe_trainer.h"
#include "embed/text/tokenize/tokenizer_json.h"

namespace embed::cli {

namespace {

// One output line for an encoding: its ids, or a JSON object.
std::string encoding_line(const text::Encoding& e, bool ids_only) {
  if (ids_only) {
    std::string out;
    char digits[24];
    for (std::size_t i = 0; i < e.ids.size(); ++i) {
      if (i) out += ' ';
      out.append(digits, std::to_chars(digits, digits + sizeof digits, e.ids[i]).ptr);
    }
    return out;
  }
  nlohmann::json out;
  out["ids"] = e.ids;
  // Tokens of a byte-level vocabulary may split a UTF-8 character: keep
  // them valid JSON by replacing ill-formed bytes.
  std::vector<std::string> tokens;
  for (const std::string& t : e.tokens) tokens.push_back(text::encode_utf8(text::decode_utf8(t).chars));
  out["tokens"] = tokens;
  out["offsets"] = e.offsets;
  return out.dump();
}

}  // namespace

int run_tokenizer_encode(const TokenizerOptions& o) {
  const text::Tokenizer tok = text::load_tokenizer_json(o.tokenizer);
  // Lines are read in batches and encoded across the threads; output keeps input order.
  constexpr std::size_t kBatchLines = 4096;
  LineReader input(stdin);
  std::vector<std::string> lines(kBatchLines), out, errors;
  std::string block;
  for (bool more = true; more;) {
    std::size_t n = 0;
    while (n < kBatchLines && (more = input.next(lines[n]))) ++n;
    check_interrupted("encoding");
    out.assign(n, std::string());
    errors.assign(n, std::string());
    parallel_for(static_cast<std::int64_t>(n), 4096, [&](std::int64_t lo, std::int64_t hi) {
      for (auto i = static_cast<std::size_t>(lo); i < static_cast<std::size_t>(hi); ++i) {
        try {  // parallel_for bodies must not throw: carry the message out
          out[i] = encoding_line(tok.encode(lines[i], o.add_special_tokens), o.ids_only);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      }
    });
    block.clear();
    for (std::size_t i = 0; i < n; ++i) {
      EMBED_CHECK(errors[i].empty(), "{}", errors[i]);
      block += out[i];
      block += '\n';
    }
    EMBED_CHECK_AS(IoError, std::fwrite(block.data(), 1, block.size(), stdout) == block.size(),
                   "cannot write the encodings: {}", std::strerror(errno));
  }
  EMBED_CHECK_AS(IoError, std::fflush(stdout) == 0, "cannot write the encodings: {}", std::strerror(errno));
  return 0;
}

int run_tokenizer_train(const TokenizerTrainOptions& o) {
  EMBED_CHECK(!o.corpus.empty(), "give at least one corpus file");
  // The pipeline around the model: what encoding will do, so training counts the same pieces.
  std::shared_ptr<text::Normalizer> normalizer;
  std::shared_ptr<text::PreTokenizer> pre;
  if (o.model == "wordpiece") {
    text::BertNormalizerOptions b;
    b.lowercase = o.lowercase;
    normalizer = std::make_shared<text::BertNormalizer>(b);
    pre = std::make_shared<text::BertPreTokenizer>();
  } else {
    EMBED_CHECK(o.model == "bpe" || o.model == "word" || o.model == "char",
                "--model must be bpe, wordpiece, word or char, got '{}'", o.model);
    if (o.lowercase) normalizer = std::make_shared<text::Lowercase>();
    if (o.byte_level)
      pre = std::make_shared<text::ByteLevelPreTokenizer>();
    else if (o.model == "char")  // SentencePiece's convention: spaces become U+2581 and are characters too
      pre = std::make_shared<text::MetaspacePreTokenizer>();
    else
      pre = std::make_shared<text::WhitespaceSplit>();
  }
  EMBED_CHECK(!o.byte_level || o.model == "bpe", "--byte-level applies to --model bpe only");
  std::vector<std::string> texts;
  std::int64_t total = 0;
  for (const std::string& path : o.corpus) {
    texts.push_back(read_file(path));
    total += static_cast<std::int64_t>(texts.back().size());
  }
  Progress progress("counting words", total, "B");
  std::map<std::string, std::int64_t> merged;
  for (const std::string& t : texts) {
    check_interrupted("training");
    // Line by line, as `embed tokenizer encode` sees text (so Metaspace's
    // prepended mark and GPT-2's pieces come out alike in both); lines are
    // counted in parallel, and the decoded text of one line at a time stays small.
    std::vector<std::string_view> lines;
    for (std::size_t at = 0; at < t.size();) {
      const std::size_t next = std::min(t.find('\n', at), t.size());
      lines.push_back(std::string_view(t).substr(at, next - at));
      at = next + 1;
    }
    for (const auto& [w, c] : text::count_pieces(lines, normalizer.get(), *pre)) merged[w] += c;
    progress.advance(static_cast<std::int64_t>(t.size()));
  }
  progress.finish();
  const std::vector<std::pair<std::string, std::int64_t>> words(merged.begin(), merged.end());
  std::shared_ptr<text::Model> model;
  text::TemplateProcessing templ;
  std::vector<text::AddedToken> added;
  if (o.model == "bpe" && o.byte_level) {
    text::BpeTrainerOptions t;
    t.vocab_size = o.vocab_size;
    t.min_frequency = o.min_frequency;
    t.special_tokens = {"<|endoftext|>"};  // GPT-2's one special token; no unknown token is needed
    t.end_of_word_suffix.clear();
    t.byte_level = true;
    auto r = text::train_bpe(words, t);
    text::BpeOptions b;
    b.byte_level = true;
    added.push_back({"<|endoftext|>", 0, true});
    model = std::make_shared<text::Bpe>(std::move(r.vocab), r.merges, b);
  } else if (o.model == "bpe") {
    text::BpeTrainerOptions t;
    t.vocab_size = o.vocab_size;
    t.min_frequency = o.min_frequency;
    t.special_tokens = {"<unk>"};
    auto r = text::train_bpe(words, t);
    text::BpeOptions b;
    b.unk_token = "<unk>";
    b.end_of_word_suffix = t.end_of_word_suffix;
    model = std::make_shared<text::Bpe>(std::move(r.vocab), r.merges, b);
  } else if (o.model == "char") {  // BPE without merges: one token per character, <unk> for unseen ones
    text::BpeOptions b;
    b.unk_token = "<unk>";
    model = std::make_shared<text::Bpe>(text::train_characters(words, o.vocab_size, o.min_frequency, {"<unk>"}),
                                        std::vector<std::pair<std::string, std::string>>{}, b);
  } else if (o.model == "wordpiece") {
    text::WordPieceTrainerOptions t;
    t.vocab_size = o.vocab_size;
    t.min_frequency = o.min_frequency;
    t.criterion = text::parse_wordpiece_criterion(o.criterion);
    auto r = text::train_wordpiece(words, t);
    const auto id = [&](const char* s) { return *r.vocab.find(s); };
    templ = text::cls_sep_template("[CLS]", id("[CLS]"), "[SEP]", id("[SEP]"));
    model = std::make_shared<text::WordPiece>(std::move(r.vocab));
  } else {  // word level: the most frequent words (ties in byte order) up to the budget
    std::vector<std::pair<std::string, std::int64_t>> ranked = words;
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    text::Vocab vocab({"<unk>"});
    for (const auto& [w, c] : ranked) {
      if (vocab.size() >= o.vocab_size || c < o.min_frequency) break;
      vocab.add(w);
    }
    model = std::make_shared<text::WordLevel>(std::move(vocab), "<unk>");
  }
  text::Tokenizer tok(normalizer, pre, model);
  tok.set_template(templ);
  tok.set_added_tokens(added);
  text::save_tokenizer_json(tok, o.output);
  std::fprintf(stderr, "embed: %lld distinct words; vocabulary of %lld written to %s\n",
               static_cast<long long>(words.size()), static_cast<long long>(model->vocab().size()), o.output.c_str());
  return 0;
}

int run_tokenizer_decode(const TokenizerOptions& o) {
  const text::Tokenizer tok = text::load_tokenizer_json(o.tokenizer);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    check_interrupted("decoding");
    ++line_no;
    nlohmann::json in;
    try {
      in = nlohmann::json::parse(line);
      if (in.is_object()) in = in.at("ids");
      const std::string s = tok.decode(in.get<std::vector<std::int64_t>>(), o.skip_special_tokens);
      std::cout << text::encode_utf8(text::decode_utf8(s).chars) << '\n';
    } catch (const nlohmann::json::exception&) {
      throw InvalidArgument(fmt::format("stdin line {}: expected a JSON array of ids or {{\"ids\": [...]}}", line_no));
    }
  }
  return 0;
}

}  // namespace embed::cli
