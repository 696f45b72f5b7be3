#include "embed/text/tokenize/tokenizer_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"
#include "embed/io/json_config.h"

namespace embed::text {

namespace {

using json = nlohmann::json;

// Field access with errors that name the file and the place.
struct Reader {
  const std::string& source;

  const json& at(const json& j, const char* key, const char* where) const {
    EMBED_CHECK_AS(FormatError, j.is_object() && j.contains(key), "{}: {} has no '{}'", source, where, key);
    return j.at(key);
  }
  template <typename T>
  T get(const json& j, const char* key, const char* where) const {
    const json& v = at(j, key, where);
    try {
      return v.get<T>();
    } catch (const json::exception&) {
      throw FormatError(fmt::format("{}: '{}' of {} has the wrong type", source, key, where));
    }
  }
  template <typename T>
  T get_or(const json& j, const char* key, T fallback) const {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
    try {
      return j.at(key).get<T>();
    } catch (const json::exception&) {
      throw FormatError(fmt::format("{}: '{}' has the wrong type", source, key));
    }
  }
  std::string type(const json& j, const char* component) const {
    EMBED_CHECK_AS(FormatError, j.is_object() && j.contains("type") && j.at("type").is_string(), "{}: {} has no type",
                   source, component);
    return j.at("type").get<std::string>();
  }
  [[noreturn]] void unsupported(const char* component, const std::string& type) const {
    throw Unsupported(fmt::format("{}: {} type '{}' is not supported", source, component, type));
  }
};

Vocab vocab_of(const Reader& r, const json& model) { return vocab_from_json(r.at(model, "vocab", "model"), r.source); }

std::shared_ptr<Normalizer> normalizer_of(const Reader& r, const json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = r.type(j, "normalizer");
  if (type == "BertNormalizer") {
    BertNormalizerOptions o;
    o.clean_text = r.get_or(j, "clean_text", true);
    o.handle_chinese_chars = r.get_or(j, "handle_chinese_chars", true);
    o.lowercase = r.get_or(j, "lowercase", true);
    o.strip_accents = j.contains("strip_accents") && !j.at("strip_accents").is_null()
                          ? (r.get<bool>(j, "strip_accents", "normalizer") ? 1 : 0)
                          : -1;
    return std::make_shared<BertNormalizer>(o);
  }
  if (type == "NFC") return std::make_shared<UnicodeNormalizer>(NormalForm::nfc);
  if (type == "NFD") return std::make_shared<UnicodeNormalizer>(NormalForm::nfd);
  if (type == "NFKC") return std::make_shared<UnicodeNormalizer>(NormalForm::nfkc);
  if (type == "NFKD") return std::make_shared<UnicodeNormalizer>(NormalForm::nfkd);
  if (type == "Lowercase") return std::make_shared<Lowercase>();
  if (type == "StripAccents") return std::make_shared<StripAccents>();
  if (type == "Sequence") {
    std::vector<std::shared_ptr<Normalizer>> steps;
    for (const json& step : r.at(j, "normalizers", "normalizer Sequence")) {
      auto n = normalizer_of(r, step);
      if (n) steps.push_back(std::move(n));
    }
    return std::make_shared<NormalizerSequence>(std::move(steps));
  }
  r.unsupported("normalizer", type);
}

std::shared_ptr<PreTokenizer> pre_tokenizer_of(const Reader& r, const json& j) {
  if (j.is_null()) return std::make_shared<WhitespaceSplit>();
  const std::string type = r.type(j, "pre_tokenizer");
  if (type == "BertPreTokenizer") return std::make_shared<BertPreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_shared<WhitespaceSplit>();
  if (type == "ByteLevel") {
    if (!r.get_or(j, "use_regex", true)) r.unsupported("pre_tokenizer", "ByteLevel without use_regex");
    return std::make_shared<ByteLevelPreTokenizer>(r.get_or(j, "add_prefix_space", false));
  }
  if (type == "Digits") return std::make_shared<DigitsPreTokenizer>(r.get_or(j, "individual_digits", false));
  if (type == "Metaspace") {
    const std::u32string replacement = decode_utf8(r.get_or<std::string>(j, "replacement", "\u2581")).chars;
    EMBED_CHECK_AS(FormatError, replacement.size() == 1, "{}: Metaspace replacement must be one character", r.source);
    // Older files say add_prefix_space; newer ones prepend_scheme.
    PrependScheme prepend = r.get_or(j, "add_prefix_space", true) ? PrependScheme::always : PrependScheme::never;
    if (j.contains("prepend_scheme")) {
      const std::string scheme = r.get<std::string>(j, "prepend_scheme", "Metaspace");
      if (scheme == "always")
        prepend = PrependScheme::always;
      else if (scheme == "first")
        prepend = PrependScheme::first;
      else if (scheme == "never")
        prepend = PrependScheme::never;
      else
        r.unsupported("Metaspace prepend_scheme", scheme);
    }
    return std::make_shared<MetaspacePreTokenizer>(replacement[0], prepend, r.get_or(j, "split", true));
  }
  if (type == "Sequence") {
    std::vector<std::shared_ptr<PreTokenizer>> steps;
    for (const json& step : r.at(j, "pretokenizers", "pre_tokenizer Sequence"))
      steps.push_back(pre_tokenizer_of(r, step));
    EMBED_CHECK_AS(FormatError, !steps.empty(), "{}: empty pre_tokenizer Sequence", r.source);
    return std::make_shared<PreTokenizerSequence>(std::move(steps));
  }
  r.unsupported("pre_tokenizer", type);
}

// byte_level: the pre-tokenizer is ByteLevel, so BPE works on GPT-2's byte alphabet.
// decoder: the file's "decoder" (null if none); a WordPiece model takes its clean-up flag.
std::shared_ptr<Model> model_of(const Reader& r, const json& j, bool byte_level, const json& decoder) {
  const std::string type = r.type(j, "model");
  if (type == "WordPiece") {
    WordPieceOptions o;
    o.unk_token = r.get_or<std::string>(j, "unk_token", "[UNK]");
    o.continuing_prefix = r.get_or<std::string>(j, "continuing_subword_prefix", "##");
    o.max_input_chars_per_word = r.get_or<std::size_t>(j, "max_input_chars_per_word", 100);
    if (decoder.is_object() && decoder.value("type", "") == "WordPiece") {
      o.decode_cleanup = r.get_or(decoder, "cleanup", true);
      EMBED_CHECK_AS(Unsupported, r.get_or<std::string>(decoder, "prefix", "##") == o.continuing_prefix,
                     "{}: a WordPiece decoder prefix other than the model's continuing_subword_prefix", r.source);
    }
    return std::make_shared<WordPiece>(vocab_of(r, j), o);
  }
  if (type == "WordLevel")
    return std::make_shared<WordLevel>(vocab_of(r, j), r.get<std::string>(j, "unk_token", "model"));
  if (type == "BPE") {
    if (!j.value("dropout", json()).is_null()) r.unsupported("model", "BPE with dropout");
    if (r.get_or(j, "byte_fallback", false)) r.unsupported("model", "BPE with byte_fallback");
    BpeOptions o;
    o.byte_level = byte_level;
    o.unk_token = r.get_or<std::string>(j, "unk_token", "");
    o.continuing_prefix = r.get_or<std::string>(j, "continuing_subword_prefix", "");
    o.end_of_word_suffix = r.get_or<std::string>(j, "end_of_word_suffix", "");
    std::vector<std::pair<std::string, std::string>> merges;
    for (const json& m : r.at(j, "merges", "model")) {
      if (m.is_string()) {  // "a b"
        const auto s = m.get<std::string>();
        const auto space = s.find(' ');
        EMBED_CHECK_AS(FormatError, space != std::string::npos && space > 0 && space + 1 < s.size(),
                       "{}: merge '{}' is not two tokens", r.source, s);
        merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else {  // ["a", "b"] (newer files)
        EMBED_CHECK_AS(FormatError, m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(),
                       "{}: a merge must be \"a b\" or [\"a\", \"b\"]", r.source);
        merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      }
    }
    return {std::make_shared<Bpe>(vocab_of(r, j), merges, o)};
  }
  r.unsupported("model", type);
}

TemplatePiece template_piece(const Reader& r, const json& p, const json& specials) {
  if (p.contains("Sequence")) {
    const std::string id = r.get<std::string>(p["Sequence"], "id", "template sequence");
    return {id == "A" ? TemplatePiece::Kind::sequence_a : TemplatePiece::Kind::sequence_b, "", 0,
            r.get<std::int64_t>(p["Sequence"], "type_id", "template sequence")};
  }
  const json& s = r.at(p, "SpecialToken", "template piece");
  const std::string name = r.get<std::string>(s, "id", "template special token");
  const json& def = r.at(specials, name.c_str(), "post_processor.special_tokens");
  const auto ids = r.get<std::vector<std::int64_t>>(def, "ids", "special token");
  EMBED_CHECK_AS(Unsupported, ids.size() == 1, "{}: special token '{}' with {} ids is not supported", r.source, name,
                 ids.size());
  return {TemplatePiece::Kind::special, name, ids[0], r.get<std::int64_t>(s, "type_id", "template special token")};
}

void post_processor_of(const Reader& r, const json& j, Tokenizer& tok) {
  if (j.is_null()) return;
  const std::string type = r.type(j, "post_processor");
  // ByteLevel only trims offsets (ids unchanged); RobertaProcessing trims too.
  // Hugging Face's defaults: trim_offsets and add_prefix_space true.
  if ((type == "ByteLevel" || type == "RobertaProcessing") && r.get_or(j, "trim_offsets", true))
    tok.set_offset_trimming(OffsetTrimming{r.get_or(j, "add_prefix_space", true)});
  if (type == "ByteLevel") return;
  if (type == "Sequence") {  // e.g. [ByteLevel, TemplateProcessing]; trimming always runs before the template
    for (const json& p : r.at(j, "processors", "post_processor Sequence")) post_processor_of(r, p, tok);
    return;
  }
  if (type == "TemplateProcessing") {
    const json& specials = r.at(j, "special_tokens", "post_processor");
    std::vector<TemplatePiece> single, pair;
    for (const json& p : r.at(j, "single", "post_processor")) single.push_back(template_piece(r, p, specials));
    for (const json& p : r.at(j, "pair", "post_processor")) pair.push_back(template_piece(r, p, specials));
    tok.set_template(TemplateProcessing(std::move(single), std::move(pair)));
    return;
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const json& sep = r.at(j, "sep", "post_processor");
    const json& cls = r.at(j, "cls", "post_processor");
    EMBED_CHECK_AS(FormatError, sep.is_array() && sep.size() == 2 && cls.is_array() && cls.size() == 2,
                   "{}: sep and cls must be [token, id]", r.source);
    tok.set_template(cls_sep_template(cls[0].get<std::string>(), cls[1].get<std::int64_t>(), sep[0].get<std::string>(),
                                      sep[1].get<std::int64_t>(), type == "RobertaProcessing"));
    return;
  }
  r.unsupported("post_processor", type);
}

}  // namespace

namespace {

Tokenizer parse_document(const json& j, const std::string& source) {
  const Reader r{source};
  EMBED_CHECK_AS(FormatError, j.is_object(), "{}: a tokenizer.json must be an object", source);
  const json pre = j.value("pre_tokenizer", json());
  const bool byte_level = pre.is_object() && pre.value("type", "") == "ByteLevel";
  Tokenizer tok(normalizer_of(r, j.value("normalizer", json())), pre_tokenizer_of(r, pre),
                model_of(r, r.at(j, "model", "the file"), byte_level, j.value("decoder", json())));
  post_processor_of(r, j.value("post_processor", json()), tok);
  std::vector<AddedToken> added;
  for (const json& t : j.value("added_tokens", json::array())) {
    const std::string content = r.get<std::string>(t, "content", "added token");
    for (const char* flag : {"single_word", "lstrip", "rstrip"})
      if (r.get_or(t, flag, false)) r.unsupported("added token", fmt::format("'{}' with {}", content, flag));
    if (r.get_or(t, "normalized", false)) r.unsupported("added token", fmt::format("'{}' with normalized", content));
    added.push_back({content, r.get<std::int64_t>(t, "id", "added token"), r.get_or(t, "special", false)});
  }
  tok.set_added_tokens(std::move(added));
  if (const json& t = j.value("truncation", json()); !t.is_null()) {
    Truncation tr;
    tr.max_length = r.get<std::size_t>(t, "max_length", "truncation");
    const std::string strategy = r.get_or<std::string>(t, "strategy", "LongestFirst");
    if (strategy == "OnlyFirst")
      tr.strategy = TruncationStrategy::only_first;
    else if (strategy == "OnlySecond")
      tr.strategy = TruncationStrategy::only_second;
    else if (strategy != "LongestFirst")
      r.unsupported("truncation strategy", strategy);
    if (r.get_or<std::int64_t>(t, "stride", 0) != 0) r.unsupported("truncation", "with stride");
    if (r.get_or<std::string>(t, "direction", "Right") != "Right") r.unsupported("truncation direction", "Left");
    tok.set_truncation(tr);
  }
  if (const json& p = j.value("padding", json()); !p.is_null()) {
    Padding pad;
    const json& strategy = r.at(p, "strategy", "padding");
    if (strategy.is_object() && strategy.contains("Fixed"))
      pad.length = strategy["Fixed"].get<std::size_t>();
    else if (!(strategy.is_string() && strategy.get<std::string>() == "BatchLongest"))
      r.unsupported("padding strategy", strategy.dump());
    pad.side = r.get_or<std::string>(p, "direction", "Right") == "Left" ? PaddingSide::left : PaddingSide::right;
    pad.multiple_of = r.get_or<std::size_t>(p, "pad_to_multiple_of", 0);
    pad.pad_id = r.get_or<std::int64_t>(p, "pad_id", 0);
    pad.pad_type_id = r.get_or<std::int64_t>(p, "pad_type_id", 0);
    pad.pad_token = r.get_or<std::string>(p, "pad_token", "[PAD]");
    tok.set_padding(pad);
  }
  return tok;
}

}  // namespace

Tokenizer parse_tokenizer_json(const std::string& json_text, const std::string& source) {
  const json j = parse_json(json_text, source);
  try {
    return parse_document(j, source);
  } catch (const json::exception& e) {
    // A value of the wrong JSON type somewhere the checks above do not look.
    throw FormatError(fmt::format("{}: malformed tokenizer.json ({})", source, e.what()));
  }
}

Tokenizer load_tokenizer_json(const std::string& path) { return parse_tokenizer_json(read_file(path), path); }

// ---- writing: each component as Hugging Face writes it ----

namespace {

json vocab_json(const Vocab& v) {
  json out = json::object();
  for (std::int64_t i = 0; i < v.size(); ++i) out[v.token(i)] = i;
  return out;
}

json template_pieces(const std::vector<TemplatePiece>& pieces) {
  json out = json::array();
  for (const TemplatePiece& p : pieces) {
    if (p.kind == TemplatePiece::Kind::special)
      out.push_back({{"SpecialToken", {{"id", p.token}, {"type_id", p.type_id}}}});
    else
      out.push_back(
          {{"Sequence", {{"id", p.kind == TemplatePiece::Kind::sequence_a ? "A" : "B"}, {"type_id", p.type_id}}}});
  }
  return out;
}

}  // namespace

json UnicodeNormalizer::to_json() const {
  static const char* names[] = {"NFC", "NFD", "NFKC", "NFKD"};
  return {{"type", names[static_cast<int>(form_)]}};
}
json Lowercase::to_json() const { return {{"type", "Lowercase"}}; }
json StripAccents::to_json() const { return {{"type", "StripAccents"}}; }
json BertNormalizer::to_json() const {
  return {{"type", "BertNormalizer"},
          {"clean_text", opt_.clean_text},
          {"handle_chinese_chars", opt_.handle_chinese_chars},
          {"strip_accents", opt_.strip_accents < 0 ? json() : json(opt_.strip_accents == 1)},
          {"lowercase", opt_.lowercase}};
}
json NormalizerSequence::to_json() const {
  json steps = json::array();
  for (const auto& s : steps_) steps.push_back(s->to_json());
  return {{"type", "Sequence"}, {"normalizers", steps}};
}

json WhitespaceSplit::to_json() const { return {{"type", "WhitespaceSplit"}}; }
json DigitsPreTokenizer::to_json() const { return {{"type", "Digits"}, {"individual_digits", individual_}}; }
json MetaspacePreTokenizer::to_json() const {
  const char* schemes[] = {"always", "first", "never"};
  return {{"type", "Metaspace"},
          {"replacement", encode_utf8(std::u32string(1, replacement_))},
          {"prepend_scheme", schemes[static_cast<int>(prepend_)]},
          {"split", split_}};
}
json PreTokenizerSequence::to_json() const {
  json steps = json::array();
  for (const auto& step : steps_) steps.push_back(step->to_json());
  return {{"type", "Sequence"}, {"pretokenizers", steps}};
}
json BertPreTokenizer::to_json() const { return {{"type", "BertPreTokenizer"}}; }
json ByteLevelPreTokenizer::to_json() const {
  return {{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space_}, {"trim_offsets", true}, {"use_regex", true}};
}

json WordPiece::to_json() const {
  return {{"type", "WordPiece"},
          {"unk_token", opt_.unk_token},
          {"continuing_subword_prefix", opt_.continuing_prefix},
          {"max_input_chars_per_word", opt_.max_input_chars_per_word},
          {"vocab", vocab_json(vocab_)}};
}
json WordPiece::decoder_json() const {
  return {{"type", "WordPiece"}, {"prefix", opt_.continuing_prefix}, {"cleanup", opt_.decode_cleanup}};
}
json WordLevel::to_json() const {
  return {{"type", "WordLevel"}, {"vocab", vocab_json(vocab_)}, {"unk_token", unk_token_}};
}
json WordLevel::decoder_json() const { return json(); }
json Bpe::to_json() const {
  json merges = json::array();
  for (const auto& [a, b] : merge_list_) merges.push_back(a + " " + b);
  return {{"type", "BPE"},
          {"dropout", json()},
          {"unk_token", opt_.unk_token.empty() ? json() : json(opt_.unk_token)},
          {"continuing_subword_prefix", opt_.continuing_prefix.empty() ? json() : json(opt_.continuing_prefix)},
          {"end_of_word_suffix", opt_.end_of_word_suffix.empty() ? json() : json(opt_.end_of_word_suffix)},
          {"fuse_unk", false},
          {"byte_fallback", false},
          {"vocab", vocab_json(vocab_)},
          {"merges", merges}};
}
json Bpe::decoder_json() const {
  if (opt_.byte_level)
    return {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
  if (!opt_.end_of_word_suffix.empty()) return {{"type", "BPEDecoder"}, {"suffix", opt_.end_of_word_suffix}};
  return json();
}

json TemplateProcessing::to_json() const {
  if (empty()) return json();
  json specials = json::object();
  for (const auto* pieces : {&single_, &pair_})
    for (const TemplatePiece& p : *pieces)
      if (p.kind == TemplatePiece::Kind::special)
        specials[p.token] = {{"id", p.token}, {"ids", {p.id}}, {"tokens", {p.token}}};
  return {{"type", "TemplateProcessing"},
          {"single", template_pieces(single_)},
          {"pair", template_pieces(pair_)},
          {"special_tokens", specials}};
}

std::string tokenizer_to_json(const Tokenizer& tok) {
  json j;
  j["version"] = "1.0";
  j["truncation"] = json();
  if (const auto& t = tok.truncation()) {
    static const char* strategies[] = {"LongestFirst", "OnlyFirst", "OnlySecond"};
    j["truncation"] = {{"direction", "Right"},
                       {"max_length", t->max_length},
                       {"strategy", strategies[static_cast<int>(t->strategy)]},
                       {"stride", 0}};
  }
  j["padding"] = json();
  if (const auto& p = tok.padding()) {
    j["padding"] = {{"strategy", p->length ? json{{"Fixed", *p->length}} : json("BatchLongest")},
                    {"direction", p->side == PaddingSide::left ? "Left" : "Right"},
                    {"pad_to_multiple_of", p->multiple_of ? json(p->multiple_of) : json()},
                    {"pad_id", p->pad_id},
                    {"pad_type_id", p->pad_type_id},
                    {"pad_token", p->pad_token}};
  }
  json added = json::array();
  for (const AddedToken& t : tok.added_tokens())
    added.push_back({{"id", t.id},
                     {"content", t.content},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", t.special}});
  std::sort(added.begin(), added.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
  j["added_tokens"] = added;
  j["normalizer"] = tok.normalizer() ? tok.normalizer()->to_json() : json();
  j["pre_tokenizer"] = tok.pre_tokenizer().to_json();
  j["post_processor"] = tok.template_processing().to_json();
  if (const auto& trim = tok.offset_trimming()) {
    const json byte_level = {{"type", "ByteLevel"},
                             {"add_prefix_space", trim->add_prefix_space},
                             {"trim_offsets", true},
                             {"use_regex", true}};
    j["post_processor"] = j["post_processor"].is_null()
                              ? byte_level
                              : json{{"type", "Sequence"}, {"processors", {byte_level, j["post_processor"]}}};
  }
  // Metaspace's text edit is undone by its decoder (Hugging Face keeps the
  // two in step); otherwise the model's decoder.
  const json pre = tok.pre_tokenizer().to_json();
  const json& first = pre.value("type", "") == "Sequence" ? pre.at("pretokenizers").at(0) : pre;
  j["decoder"] = first.value("type", "") == "Metaspace" ? first : tok.model().decoder_json();
  j["model"] = tok.model().to_json();
  return j.dump(2);
}

void save_tokenizer_json(const Tokenizer& tok, const std::string& path) {
  const std::string text = tokenizer_to_json(tok);
  write_file_atomic(path, [&](int fd) { write_all(fd, text.data(), text.size(), path); });
}

}  // namespace embed::text
