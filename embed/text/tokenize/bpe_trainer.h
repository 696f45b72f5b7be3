// BPE training, the classic algorithm (Sennrich et al. 2016): words are
// split into characters with an end-of-word marker on the last one; the most
// frequent adjacent pair over the corpus is merged into a new symbol,
// repeatedly, until the vocabulary budget is reached or no pair occurs at
// least min_frequency times. Pair counts are updated incrementally, only in
// the words a merge touches, and the next pair comes from a heap.
// Ties: the higher count wins, then the pair whose (left, right) token
// strings sort first (byte order) - deterministic and independent of input order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embed/text/tokenize/vocab.h"

namespace embed::text {

struct BpeTrainerOptions {
  std::int64_t vocab_size = 8000;  // including special tokens and the initial alphabet
  std::int64_t min_frequency = 2;  // a pair seen fewer times is never merged
  std::string end_of_word_suffix = "</w>";
  std::vector<std::string> special_tokens;  // ids 0.. in this order
  // GPT-2's byte-level BPE: words are spelled as their UTF-8 bytes in the
  // byte-to-unicode alphabet (model.h), and all 256 byte symbols enter the
  // vocabulary, so nothing is ever unknown. Needs an empty suffix.
  bool byte_level = false;
};

// A character-level vocabulary: the special tokens, then every character
// seen at least min_frequency times, most frequent first (ties by code point),
// up to vocab_size. As a BPE model without merges it encodes text character
// by character.
Vocab train_characters(const std::vector<std::pair<std::string, std::int64_t>>& word_counts, std::int64_t vocab_size,
                       std::int64_t min_frequency, const std::vector<std::string>& special_tokens);

struct BpeTrainerResult {
  Vocab vocab;
  std::vector<std::pair<std::string, std::string>> merges;  // in the order learned
};

// words: each distinct word (UTF-8) with its corpus count.
BpeTrainerResult train_bpe(const std::vector<std::pair<std::string, std::int64_t>>& words,
                           const BpeTrainerOptions& options);

// WordPiece vocabularies. Words are spelled as a first character and
// "##"-prefixed continuation characters; merging "a" with "##b" gives "ab".
// Three criteria:
//  - frequency: Hugging Face's WordPieceTrainer, i.e. BPE that picks the most
//    frequent pair (ties as above);
//  - likelihood: Schuster & Nakajima (2012), the method BERT's WordPiece
//    follows: add the token that most increases the likelihood of the
//    training corpus under a unigram model of the current tokens, then
//    re-segment the corpus by greedy longest match (as WordPiece encodes)
//    and repeat. A candidate is an adjacent pair (a, b) of the current
//    segmentation, scored by the exact gain of Σ_t c_t ln(c_t / N) if its
//    c_ab occurrences became one token (ties: higher c_ab, then smaller
//    strings). The result's merges are the chosen pairs, in order.
//  - pmi: the often quoted simplification of that score, the ratio
//    c_ab / (c_a · c_b) (pointwise mutual information, without the factor
//    c_ab), applied as BPE merges. It favours rare, tightly bound pairs; see
//    docs/tokenize.md for what that costs in held-out likelihood.
// Both scores change with every merge, so each step rescans the pairs
// (likelihood keeps each pair's count part until one of its counts moves):
// O(pairs) per step, fine for vocabularies of tens of thousands.
enum class WordPieceCriterion { frequency, likelihood, pmi };
WordPieceCriterion parse_wordpiece_criterion(std::string_view name);  // "frequency" | "likelihood" | "pmi"
struct WordPieceTrainerOptions {
  std::int64_t vocab_size = 8000;
  std::int64_t min_frequency = 2;
  std::string continuing_prefix = "##";
  std::vector<std::string> special_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  WordPieceCriterion criterion = WordPieceCriterion::likelihood;
};
BpeTrainerResult train_wordpiece(const std::vector<std::pair<std::string, std::int64_t>>& words,
                                 const WordPieceTrainerOptions& options);
// The likelihood criterion itself (train_wordpiece dispatches to it).
BpeTrainerResult train_wordpiece_by_likelihood(const std::vector<std::pair<std::string, std::int64_t>>& words,
                                               const WordPieceTrainerOptions& options);

// Counts the white-space separated words of the texts (sorted by word).
std::vector<std::pair<std::string, std::int64_t>> count_words(const std::vector<std::string>& texts);

class Normalizer;
class PreTokenizer;
// The same with a tokenizer's own normalizer (may be null) and pre-tokenizer,
// so that training sees the pieces encoding will see.
std::vector<std::pair<std::string, std::int64_t>> count_pieces(const std::vector<std::string_view>& texts,
                                                               const Normalizer* normalizer,
                                                               const PreTokenizer& pre_tokenizer);

}  // namespace embed::text
