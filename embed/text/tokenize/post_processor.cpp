#include "embed/text/tokenize/post_processor.h"

#include <algorithm>

#include "embed/core/error.h"

namespace embed::text {

void Encoding::push(std::int64_t id, std::string token, std::pair<std::int64_t, std::int64_t> offset,
                    std::int64_t type_id, bool special, std::int64_t sequence) {
  ids.push_back(id);
  tokens.push_back(std::move(token));
  offsets.push_back(offset);
  type_ids.push_back(type_id);
  special_tokens_mask.push_back(special ? 1 : 0);
  attention_mask.push_back(1);
  sequence_ids.push_back(sequence);
}

void Encoding::truncate(std::size_t n) {
  if (n >= size()) return;
  ids.resize(n);
  tokens.resize(n);
  offsets.resize(n);
  type_ids.resize(n);
  special_tokens_mask.resize(n);
  attention_mask.resize(n);
  sequence_ids.resize(n);
}

Encoding TemplateProcessing::apply(Encoding a, const Encoding* b) const {
  const auto& pieces = b ? pair_ : single_;
  if (pieces.empty()) {  // no template: the sequences as they are, b after a
    Encoding out = std::move(a);
    if (b)
      for (std::size_t i = 0; i < b->size(); ++i) out.push(b->ids[i], b->tokens[i], b->offsets[i], 1, false, 1);
    return out;
  }
  Encoding out;
  for (const TemplatePiece& p : pieces) {
    if (p.kind == TemplatePiece::Kind::special) {
      out.push(p.id, p.token, {0, 0}, p.type_id, true, -1);
      continue;
    }
    const bool is_a = p.kind == TemplatePiece::Kind::sequence_a;
    const Encoding* seq = is_a ? &a : b;
    EMBED_CHECK(seq != nullptr, "the pair template uses $B but no second sequence was given");
    for (std::size_t i = 0; i < seq->size(); ++i)
      out.push(seq->ids[i], seq->tokens[i], seq->offsets[i], p.type_id, false, is_a ? 0 : 1);
  }
  return out;
}

void OffsetTrimming::apply(Encoding& sequence) const {
  // A space is "Ġ" (2 bytes) or an ASCII white-space byte; either stands for
  // one byte of the input. Its length in bytes at the start (or, from_end,
  // the end) of t; 0 if there is none.
  constexpr std::string_view kSpace = "\xC4\xA0";
  const auto space = [&](std::string_view t, bool from_end) -> std::size_t {
    if (from_end ? t.ends_with(kSpace) : t.starts_with(kSpace)) return 2;
    const char c = t.empty() ? 'x' : from_end ? t.back() : t.front();
    return c == ' ' || (c >= '\t' && c <= '\r') ? 1 : 0;
  };
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const std::string_view t = sequence.tokens[i];
    std::int64_t leading = 0, trailing = 0;
    std::size_t at = 0, end = t.size();
    for (std::size_t n; (n = space(t.substr(at), false)) > 0; at += n) ++leading;
    // Counted from each end separately: a token of spaces only counts them twice, as in Hugging Face.
    for (std::size_t n; (n = space(t.substr(0, end), true)) > 0; end -= n) ++trailing;
    auto& [start, stop] = sequence.offsets[i];
    if (leading > 0) {
      if ((i == 0 || start == 0) && add_prefix_space && leading == 1) leading = 0;  // the space it added
      start = std::min(start + leading, stop);
    }
    if (trailing > 0 && stop >= trailing) stop = std::max(stop - trailing, start);
  }
}

std::size_t TemplateProcessing::added_tokens(bool pair) const {
  const auto& pieces = pair ? pair_ : single_;
  return static_cast<std::size_t>(std::count_if(
      pieces.begin(), pieces.end(), [](const TemplatePiece& p) { return p.kind == TemplatePiece::Kind::special; }));
}

TemplateProcessing cls_sep_template(const std::string& cls, std::int64_t cls_id, const std::string& sep,
                                    std::int64_t sep_id, bool roberta) {
  using K = TemplatePiece::Kind;
  const std::int64_t second = roberta ? 0 : 1;
  const TemplatePiece c{K::special, cls, cls_id, 0}, s0{K::special, sep, sep_id, 0},
      s1{K::special, sep, sep_id, second};
  const TemplatePiece a{K::sequence_a, "", 0, 0}, b{K::sequence_b, "", 0, second};
  std::vector<TemplatePiece> pair{c, a, s0};
  if (roberta) pair.push_back(s0);
  pair.push_back(b);
  pair.push_back(s1);
  return TemplateProcessing({c, a, s0}, std::move(pair));
}

bool TemplateProcessing::is_special(std::int64_t id) const {
  for (const auto* pieces : {&single_, &pair_})
    for (const TemplatePiece& p : *pieces)
      if (p.kind == TemplatePiece::Kind::special && p.id == id) return true;
  return false;
}

void truncate(Encoding& a, Encoding* b, std::size_t added, const Truncation& t) {
  EMBED_CHECK(t.max_length >= added, "max_length {} leaves no room beside the {} special tokens", t.max_length, added);
  const std::size_t budget = t.max_length - added;
  std::size_t na = a.size(), nb = b ? b->size() : 0;
  if (na + nb <= budget) return;
  switch (t.strategy) {
    case TruncationStrategy::longest_first: {
      // HF's rule: with s the shorter and l the longer length, keep s and cut
      // l to budget - s when s fits, otherwise give the shorter budget/2 and
      // the longer the rest (the odd token goes to the longer one).
      if (!b) {
        na = budget;
        break;
      }
      std::size_t s = std::min(na, nb), l = std::max(na, nb);
      l = s > budget ? s : std::max(s, budget - s);
      if (s + l > budget) {
        s = budget / 2;
        l = s + budget % 2;
      }
      if (na > nb) {
        na = l;
        nb = s;
      } else {
        na = s;
        nb = l;
      }
      break;
    }
    case TruncationStrategy::only_first:
      EMBED_CHECK(nb <= budget, "only_first truncation cannot fit: the second sequence alone has {} tokens for {}", nb,
                  budget);
      na = budget - nb;
      break;
    case TruncationStrategy::only_second:
      EMBED_CHECK(b && na <= budget, "only_second truncation cannot fit: the first sequence alone has {} tokens for {}",
                  na, budget);
      nb = budget - na;
      break;
  }
  a.truncate(na);
  if (b) b->truncate(nb);
}

void pad(Encoding& e, std::size_t length, const Padding& p) {
  if (p.multiple_of > 0) length = (length + p.multiple_of - 1) / p.multiple_of * p.multiple_of;
  if (e.size() >= length) return;
  const std::size_t n = length - e.size();
  const auto insert = [&](auto& v, auto value) {
    if (p.side == PaddingSide::right)
      v.insert(v.end(), n, value);
    else
      v.insert(v.begin(), n, value);
  };
  insert(e.ids, p.pad_id);
  insert(e.tokens, p.pad_token);
  insert(e.offsets, std::pair<std::int64_t, std::int64_t>{0, 0});
  insert(e.type_ids, p.pad_type_id);
  insert(e.special_tokens_mask, std::uint8_t{1});
  insert(e.attention_mask, std::uint8_t{0});
  insert(e.sequence_ids, std::int64_t{-1});
}

}  // namespace embed::text
