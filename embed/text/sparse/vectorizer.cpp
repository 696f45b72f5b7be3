#include "embed/text/sparse/vectorizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "embed/core/error.h"
#include "embed/core/huge_pages.h"
#include "embed/core/parallel.h"
#include "embed/io/json_config.h"
#include "embed/text/sparse/numpy_argsort.h"
#include "embed/text/sparse/radix_sort.h"
#include "embed/text/tokenize/tokenizer_json.h"

namespace embed::text {

namespace {

// Term counts of a run of documents: per document, (term id, count).
struct CountedRows {
  BigVector<std::int64_t> ends;  // end of each document's entries
  BigVector<std::pair<std::int32_t, std::int32_t>> entries;
  // When counting adds terms (fit), by term id: documents holding the term,
  // and its occurrences (what max_features ranks by).
  BigVector<std::int64_t> df, occurrences;
};

// The shard of `shards` a term belongs to (the slot index in a TermTable
// uses a hash's low bits, so the shard takes high ones).
std::size_t shard_of(std::uint64_t hash, std::size_t shards) { return static_cast<std::size_t>((hash >> 40) % shards); }

// Counts terms into rows of (id, count). With `adding`, unseen terms join
// that table; without, they are skipped (transform).
class RowCounter {
 public:
  // Appends to `rows` (empty, perhaps with room reserved).
  RowCounter(const Analyzer& analyzer, const TermTable& table, TermTable* adding, CountedRows rows = {})
      : analyzer_(analyzer), table_(table), adding_(adding), rows_(std::move(rows)) {}

  // Appends the row of one document; sorted by id when `sorted`.
  void count(std::string_view document, bool sorted) {
    terms_.clear();
    if (analyzer_.terms_are_per_word()) {
      // Look each distinct word's n-grams up once, then reuse their ids.
      analyzer_.split_words(document, terms_);
      for (std::size_t w = 0; w < terms_.size(); ++w) {
        const std::int32_t word = words_.intern(terms_[w]);
        if (word == static_cast<std::int32_t>(word_ends_.size())) {
          word_terms_.clear();
          analyzer_.word_ngrams(terms_[w], word_terms_);
          key_all(word_terms_, TermTable::key);
          look_up(word_terms_, keys_.data(), 0, word_terms_.size(), word_ids_);
          word_ends_.push_back(word_ids_.size());
        }
        const std::size_t begin = word ? word_ends_[static_cast<std::size_t>(word) - 1] : 0;
        tally(word_ids_.data() + begin, word_ends_[static_cast<std::size_t>(word)] - begin);
      }
    } else if (analyzer_.terms_are_views()) {  // looked up where they lie, not copied
      analyzer_.word_terms(document, views_);
      key_all(views_, TermTable::padded_key);
      tally_all(views_, keys_.data(), 0, views_.size());
    } else {
      analyzer_.analyze(document, terms_);
      key_all(terms_, TermTable::key);
      tally_all(terms_, keys_.data(), 0, terms_.size());
    }
    end_row(sorted);
  }

  // Appends the row of terms [from, to) of `terms`, already analysed and
  // keyed (unsorted: for fit, which sorts after giving the final columns).
  void count_keyed(const TermList& terms, const TermTable::Key* keys, std::size_t from, std::size_t to) {
    tally_all(terms, keys, from, to);
    end_row(false);
  }

  CountedRows take() {
    if (adding_) {
      const auto terms = static_cast<std::size_t>(adding_->size());
      resize_with_huge_pages(rows_.df, terms);
      resize_with_huge_pages(rows_.occurrences, terms);
      for (std::size_t i = 0; i < std::min(terms, counts_.size()); ++i) {
        rows_.df[i] = counts_[i].documents;
        rows_.occurrences[i] = counts_[i].occurrences;
      }
    }
    return std::move(rows_);
  }

 private:
  // keys_[t] = key_of(terms[t]) for every term.
  template <typename Terms, typename KeyOf>  // TermList or std::vector<std::string_view>
  void key_all(const Terms& terms, KeyOf key_of) {
    keys_.resize(terms.size());
    for (std::size_t t = 0; t < terms.size(); ++t) keys_[t] = key_of(terms[t]);
  }

  // Appends the ids of terms [from, to) to `ids`, leaving out terms not in the table.
  template <typename Terms>
  void look_up(const Terms& terms, const TermTable::Key* keys, std::size_t from, std::size_t to,
               std::vector<std::int32_t>& ids) {
    // A term's slot is prefetched this many terms before it is looked up:
    // most distinct terms are rare, so most probes of a large table miss the cache.
    constexpr std::size_t kAhead = 8;
    for (std::size_t t = from; t < std::min(from + kAhead, to); ++t) table_.prefetch(keys[t].hash);
    for (std::size_t t = from; t < to; ++t) {
      if (t + kAhead < to) table_.prefetch(keys[t + kAhead].hash);
      const std::int32_t id = adding_ ? adding_->intern(terms[t], keys[t]) : table_.find(terms[t], keys[t]);
      if (id >= 0) ids.push_back(id);
    }
  }

  // Counts terms [from, to) into the current document's row.
  template <typename Terms>
  void tally_all(const Terms& terms, const TermTable::Key* keys, std::size_t from, std::size_t to) {
    ids_.clear();
    look_up(terms, keys, from, to, ids_);
    tally(ids_.data(), ids_.size());
  }

  // Closes the current document's row: its (id, count) entries, and df and
  // occurrences when adding.
  void end_row(bool sorted) {
    if (sorted)
      sort_by_small_key(
          seen_.data(), seen_.size(), key_bits(table_.size()), [](std::int32_t id) { return id; }, scratch_);
    make_room_with_huge_pages(rows_.entries, seen_.size());
    for (std::int32_t id : seen_) {
      const auto i = static_cast<std::size_t>(id);
      TermCounts& c = counts_[i];
      rows_.entries.emplace_back(id, c.in_document);
      ++c.documents;
      c.occurrences += c.in_document;
      c.in_document = 0;
    }
    seen_.clear();
    rows_.ends.push_back(static_cast<std::int64_t>(rows_.entries.size()));
  }

  // Counts these ids (all in the table) into the current document's row.
  void tally(const std::int32_t* ids, std::size_t n) {
    const auto terms = static_cast<std::size_t>(table_.size());
    if (counts_.size() < terms) counts_.resize(std::max(2 * counts_.size(), terms));
    // Without a branch: whether an id is new to the document is a coin toss
    // that the branch predictor kept losing. Each id is written, and kept
    // when it is the first of its term.
    std::size_t seen = seen_.size();
    seen_.resize(seen + n);
    for (std::size_t k = 0; k < n; ++k) {
      seen_[seen] = ids[k];
      seen += counts_[static_cast<std::size_t>(ids[k])].in_document++ == 0;
    }
    seen_.resize(seen);
  }

  const Analyzer& analyzer_;
  const TermTable& table_;
  TermTable* adding_;
  CountedRows rows_;
  TermList terms_, word_terms_;
  std::vector<std::string_view> views_;
  std::vector<TermTable::Key> keys_;
  std::vector<std::int32_t> ids_, seen_, scratch_;
  // By id, side by side so that closing a row touches the cache line that
  // counting it already loaded (separate arrays missed the cache three times
  // per entry): occurrences in the current document (zero between documents),
  // and, over the documents so far, those holding the term and its occurrences.
  struct TermCounts {
    std::int32_t in_document = 0;
    std::uint32_t documents = 0;
    std::int64_t occurrences = 0;
  };
  BigVector<TermCounts> counts_;
  // Per-word analysis (char_wb): word id -> its term ids, word_ids_[word_ends_[w-1], word_ends_[w]).
  TermTable words_;
  std::vector<std::int32_t> word_ids_;
  std::vector<std::size_t> word_ends_;
};

// Splits the documents into one block per thread (fewer for small inputs) and
// counts each block; blocks are in document order. With `local_tables`,
// block b adds its terms to (*local_tables)[b], else looks them up in `table`.
std::vector<CountedRows> count_blocks(const Analyzer& analyzer, const std::vector<std::string>& documents,
                                      const TermTable* table, std::vector<TermTable>* local_tables) {
  const auto n = static_cast<std::int64_t>(documents.size());
  const std::int64_t blocks = std::max<std::int64_t>(1, std::min<std::int64_t>(num_threads(), n / 16));
  std::vector<CountedRows> out(static_cast<std::size_t>(blocks));
  if (local_tables) local_tables->resize(static_cast<std::size_t>(blocks));
  const auto first_document = [&](std::int64_t b) { return static_cast<std::size_t>(n * b / blocks); };
  if (blocks == 1) {
    // One block's entries grow to those of the whole input. Room for them up
    // front spares the copies at each doubling and the page faults of the
    // buffers left behind (text8 prefix: 1,275 page faults a fit down to
    // 204, 16 ms of 68). A quarter of an entry per byte covers word terms
    // (English has about a word per 9 bytes); reserved pages never touched
    // cost nothing. Several blocks are left to grow: reserving theirs made
    // the faults rise instead (worker threads reuse their own freed memory).
    std::size_t bytes = 0;
    for (const std::string& d : documents) bytes += d.size();
    reserve_with_huge_pages(out[0].entries, bytes / 4);
    out[0].ends.reserve(documents.size());
  }
  parallel_for(blocks, std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t b = lo; b < hi; ++b) {
      TermTable* adding = local_tables ? &(*local_tables)[static_cast<std::size_t>(b)] : nullptr;
      RowCounter counter(analyzer, adding ? *adding : *table, adding, std::move(out[static_cast<std::size_t>(b)]));
      // Fit sorts its rows after giving terms their final columns.
      for (std::size_t d = first_document(b); d < first_document(b + 1); ++d)
        counter.count(documents[d], /*sorted=*/adding == nullptr);
      out[static_cast<std::size_t>(b)] = counter.take();
    }
  });
  return out;
}

// Every distinct term of the blocks under one global id, with its counts.
// Terms are split into shards by hash so that each thread merges its own.
struct Vocabulary {
  std::vector<TermTable> shards;
  std::vector<std::int32_t> offsets{0};  // global id = offsets[shard] + id in the shard
  BigVector<std::int64_t> df, occurrences;

  std::int32_t size() const { return offsets.back(); }
  // Called for each shard in order once its table is complete: its ids come
  // after the previous shards', its counts join df and occurrences.
  void close_shard(std::size_t s, const BigVector<std::int64_t>& shard_df,
                   const BigVector<std::int64_t>& shard_occurrences) {
    EMBED_CHECK(static_cast<std::int64_t>(offsets.back()) + shards[s].size() < std::numeric_limits<std::int32_t>::max(),
                "more than 2^31 distinct terms");
    offsets.push_back(offsets.back() + shards[s].size());
    df.insert(df.end(), shard_df.begin(), shard_df.end());
    occurrences.insert(occurrences.end(), shard_occurrences.begin(), shard_occurrences.end());
  }
  std::string_view term(std::int32_t id) const {
    const auto s = static_cast<std::size_t>(std::upper_bound(offsets.begin(), offsets.end(), id) - offsets.begin() - 1);
    return shards[s].term(id - offsets[s]);
  }
};

// Merges the blocks' tables into a Vocabulary and rewrites the entries' ids to global ones.
Vocabulary merge_blocks(std::vector<TermTable>& local, std::vector<CountedRows>& blocks) {
  Vocabulary v;
  const std::size_t shards = blocks.size();
  if (shards == 1) {  // the block's ids are already global
    v.shards.push_back(std::move(local[0]));
    v.offsets.push_back(v.shards[0].size());
    v.df = std::move(blocks[0].df);
    v.occurrences = std::move(blocks[0].occurrences);
    return v;
  }
  std::vector<BigVector<std::int32_t>> to_global(blocks.size());
  std::size_t all_terms = 0;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    to_global[b].resize(static_cast<std::size_t>(local[b].size()));
    all_terms += static_cast<std::size_t>(local[b].size());
  }
  v.shards.resize(shards);
  std::vector<BigVector<std::int64_t>> df(shards), occurrences(shards);
  parallel_for(static_cast<std::int64_t>(shards), 1, [&](std::int64_t lo, std::int64_t hi) {
    for (auto s = static_cast<std::size_t>(lo); s < static_cast<std::size_t>(hi); ++s) {
      TermTable& table = v.shards[s];
      table.reserve(all_terms / shards);
      for (std::size_t b = 0; b < blocks.size(); ++b) {
        for (std::int32_t i = 0; i < local[b].size(); ++i) {
          if (shard_of(local[b].hash_of(i), shards) != s) continue;
          const std::int32_t g = table.intern(local[b].term(i), local[b].key_of(i));
          if (static_cast<std::size_t>(g) == df[s].size()) {
            df[s].push_back(0);
            occurrences[s].push_back(0);
          }
          df[s][static_cast<std::size_t>(g)] += blocks[b].df[static_cast<std::size_t>(i)];
          occurrences[s][static_cast<std::size_t>(g)] += blocks[b].occurrences[static_cast<std::size_t>(i)];
          to_global[b][static_cast<std::size_t>(i)] = g;
        }
      }
    }
  });
  for (std::size_t s = 0; s < shards; ++s) v.close_shard(s, df[s], occurrences[s]);
  parallel_for(static_cast<std::int64_t>(blocks.size()), 1, [&](std::int64_t lo, std::int64_t hi) {
    for (auto b = static_cast<std::size_t>(lo); b < static_cast<std::size_t>(hi); ++b) {
      for (std::int32_t i = 0; i < local[b].size(); ++i)
        to_global[b][static_cast<std::size_t>(i)] += v.offsets[shard_of(local[b].hash_of(i), shards)];
      local[b] = TermTable{};
      for (auto& entry : blocks[b].entries) entry.first = to_global[b][static_cast<std::size_t>(entry.first)];
    }
  });
  return v;
}

// Fit's counting when most terms are distinct (word n-grams) and there are
// several threads. Per-thread tables would then hold nearly disjoint terms,
// and merging them (merge_blocks) costs about what counting did. Instead:
//  1. each thread analyses a block of documents and deals every term, with
//     its hash, to the term's shard (shard_of), keeping document bounds;
//  2. each thread counts one shard's terms, block after block, into that
//     shard's table, one row fragment per document;
//  3. a document's row is its fragments of all shards, ids offset by shard.
// Every term is analysed once and interned once.
struct Counted {
  Vocabulary vocabulary;
  std::vector<CountedRows> blocks;  // document order, global ids, rows unsorted
};

Counted count_by_shard(const Analyzer& analyzer, const std::vector<std::string>& documents, std::size_t shards) {
  const auto n = static_cast<std::int64_t>(documents.size());
  const auto blocks = static_cast<std::int64_t>(shards);
  const auto first_document = [&](std::int64_t b) { return n * b / blocks; };
  struct Dealt {
    TermList terms;
    BigVector<TermTable::Key> keys;
    std::vector<std::size_t> ends;  // per document of the block, the end of its terms
  };
  std::vector<std::vector<Dealt>> dealt(shards, std::vector<Dealt>(shards));  // [block][shard]
  parallel_for(blocks, std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    std::vector<std::string_view> terms;
    for (auto b = lo; b < hi; ++b) {
      std::vector<Dealt>& out = dealt[static_cast<std::size_t>(b)];
      for (auto d = first_document(b); d < first_document(b + 1); ++d) {
        analyzer.word_terms(documents[static_cast<std::size_t>(d)], terms);
        for (Dealt& to : out) {  // fresh memory in huge pages: 4 KiB page faults cost more than the dealing
          to.terms.make_room(terms.size(), documents[static_cast<std::size_t>(d)].size() * 2);
          make_room_with_huge_pages(to.keys, terms.size());
        }
        for (std::size_t t = 0; t < terms.size(); ++t) {
          const TermTable::Key key = TermTable::padded_key(terms[t]);
          Dealt& to = out[shard_of(key.hash, shards)];
          to.terms.add(terms[t]);
          to.keys.push_back(key);
        }
        for (Dealt& to : out) to.ends.push_back(to.terms.size());
      }
    }
  });
  Counted c;
  Vocabulary& v = c.vocabulary;
  v.shards.resize(shards);
  std::vector<CountedRows> fragments(shards);  // per shard, a row per document, shard-local ids
  parallel_for(blocks, std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    for (auto s = static_cast<std::size_t>(lo); s < static_cast<std::size_t>(hi); ++s) {
      // Sized up front for a share of the shard's terms: growing by doubling
      // rehashed every term several times.
      std::size_t dealt_terms = 0;
      for (std::size_t b = 0; b < shards; ++b) dealt_terms += dealt[b][s].keys.size();
      v.shards[s].reserve(dealt_terms / 4);
      RowCounter counter(analyzer, v.shards[s], &v.shards[s]);
      for (std::size_t b = 0; b < shards; ++b) {
        Dealt& part = dealt[b][s];
        std::size_t from = 0;
        for (const std::size_t end : part.ends) {
          counter.count_keyed(part.terms, part.keys.data(), from, end);
          from = end;
        }
        part = Dealt{};  // this thread alone reads it
      }
      fragments[s] = counter.take();
    }
  });
  for (std::size_t s = 0; s < shards; ++s) v.close_shard(s, fragments[s].df, fragments[s].occurrences);
  c.blocks.resize(shards);
  parallel_for(blocks, std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    for (auto b = lo; b < hi; ++b) {
      CountedRows& rows = c.blocks[static_cast<std::size_t>(b)];
      for (auto d = first_document(b); d < first_document(b + 1); ++d) {
        for (std::size_t s = 0; s < shards; ++s) {
          const CountedRows& f = fragments[s];
          const auto begin = static_cast<std::size_t>(d ? f.ends[static_cast<std::size_t>(d) - 1] : 0);
          const auto end = static_cast<std::size_t>(f.ends[static_cast<std::size_t>(d)]);
          make_room_with_huge_pages(rows.entries, end - begin);
          for (std::size_t k = begin; k < end; ++k)
            rows.entries.emplace_back(f.entries[k].first + v.offsets[s], f.entries[k].second);
        }
        rows.ends.push_back(static_cast<std::int64_t>(rows.entries.size()));
      }
    }
  });
  return c;
}

// A key whose integer order is the byte order of the term's first 8 bytes,
// so sorting by it settles most comparisons without touching the strings.
std::uint64_t order_key(std::string_view term) {
  std::uint64_t key = 0;
  for (std::size_t k = 0; k < 8; ++k) key = key << 8 | (k < term.size() ? static_cast<unsigned char>(term[k]) : 0u);
  return key;
}

// Concatenates blocks into one CSR of counts (ids already final and sorted within rows).
CsrMatrix to_csr(const std::vector<CountedRows>& blocks, std::int64_t cols) {
  CsrMatrix m;
  m.cols = cols;
  std::vector<std::size_t> row_at{0}, value_at{0};  // where each block's rows and values go
  for (const CountedRows& b : blocks) {
    row_at.push_back(row_at.back() + b.ends.size());
    value_at.push_back(value_at.back() + b.entries.size());
  }
  m.rows = static_cast<std::int64_t>(row_at.back());
  resize_with_huge_pages(m.indptr, row_at.back() + 1);
  resize_with_huge_pages(m.indices, value_at.back());
  resize_with_huge_pages(m.data, value_at.back());
  parallel_for(static_cast<std::int64_t>(blocks.size()), std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    for (auto b = static_cast<std::size_t>(lo); b < static_cast<std::size_t>(hi); ++b) {
      const auto base = static_cast<std::int64_t>(value_at[b]);
      for (std::size_t r = 0; r < blocks[b].ends.size(); ++r) m.indptr[row_at[b] + r + 1] = base + blocks[b].ends[r];
      for (std::size_t k = 0; k < blocks[b].entries.size(); ++k) {
        m.indices[value_at[b] + k] = blocks[b].entries[k].first;
        m.data[value_at[b] + k] = blocks[b].entries[k].second;
      }
    }
  });
  return m;
}

const char* name_of(TfScheme s) { return s == TfScheme::raw ? "raw" : s == TfScheme::log ? "log" : "log10"; }
const char* name_of(IdfScheme s) {
  return s == IdfScheme::none     ? "none"
         : s == IdfScheme::smooth ? "smooth"
         : s == IdfScheme::plain  ? "plain"
                                  : "classic";
}
const char* name_of(RowNorm s) { return s == RowNorm::none ? "none" : s == RowNorm::l1 ? "l1" : "l2"; }
const char* name_of(AnalyzerKind s) {
  return s == AnalyzerKind::word ? "word" : s == AnalyzerKind::char_ngrams ? "char" : "char_wb";
}
const char* name_of(AccentStripping s) {
  return s == AccentStripping::none ? "none" : s == AccentStripping::unicode ? "unicode" : "ascii";
}

template <typename E>
E parse_enum(const std::string& s, std::initializer_list<E> all, const char* what) {
  for (E e : all)
    if (s == name_of(e)) return e;
  throw InvalidArgument(fmt::format("unknown {} '{}'", what, s));
}

}  // namespace

TfScheme parse_tf_scheme(const std::string& s) {
  return parse_enum(s, {TfScheme::raw, TfScheme::log, TfScheme::log10}, "tf scheme (raw, log, log10)");
}
IdfScheme parse_idf_scheme(const std::string& s) {
  return parse_enum(s, {IdfScheme::none, IdfScheme::smooth, IdfScheme::plain, IdfScheme::classic},
                    "idf scheme (none, smooth, plain, classic)");
}
RowNorm parse_row_norm(const std::string& s) {
  return parse_enum(s, {RowNorm::none, RowNorm::l1, RowNorm::l2}, "norm (none, l1, l2)");
}
AnalyzerKind parse_analyzer_kind(const std::string& s) {
  return parse_enum(s, {AnalyzerKind::word, AnalyzerKind::char_ngrams, AnalyzerKind::char_wb},
                    "analyzer (word, char, char_wb)");
}
AccentStripping parse_accent_stripping(const std::string& s) {
  return parse_enum(s, {AccentStripping::none, AccentStripping::unicode, AccentStripping::ascii},
                    "accent stripping (none, unicode, ascii)");
}

Vectorizer::Vectorizer(VectorizerOptions options, std::vector<std::string> terms, std::vector<double> idf,
                       std::int64_t n)
    : opt_(std::move(options)),
      analyzer_(opt_.analyzer),
      terms_(std::move(terms)),
      idf_(std::move(idf)),
      n_documents_(n) {}

const TermTable& Vectorizer::index() const {
  std::call_once(index_->built, [this] {
    index_->table.reserve(terms_.size());
    for (const std::string& t : terms_) index_->table.intern(t);
  });
  return index_->table;
}

std::int64_t Vectorizer::column(std::string_view term) const { return index().find(term); }

Vectorizer Vectorizer::fit(const std::vector<std::string>& documents, const VectorizerOptions& options,
                           CsrMatrix* fitted) {
  const auto n = static_cast<std::int64_t>(documents.size());
  EMBED_CHECK(n > 0, "cannot fit a vocabulary on no documents");
  EMBED_CHECK(n <= std::numeric_limits<std::uint32_t>::max(), "{} documents: at most 2^32 - 1 can be fitted", n);
  for (const DfBound* b : {&options.min_df, &options.max_df}) {
    EMBED_CHECK(b->fraction ? b->value >= 0 && b->value <= 1 : b->value >= 1 && b->value == std::floor(b->value),
                "document-frequency bound {} must be a fraction in [0, 1] or a whole count >= 1", b->value);
  }
  EMBED_CHECK(options.max_features >= 0, "max_features must be positive (or 0 for no limit)");
  const double high = options.max_df.documents(n), low = options.min_df.documents(n);
  EMBED_CHECK(high >= low, "max_df corresponds to fewer documents ({}) than min_df ({})", high, low);
  const Analyzer analyzer(options.analyzer);
  // 1. Count, every distinct term under a global id: word n-grams by shard
  // (mostly distinct), other terms with block-local ids merged afterwards.
  Counted counted;
  const AnalyzerOptions& a = analyzer.options();
  const auto threads = static_cast<std::size_t>(std::min<std::int64_t>(num_threads(), n / 16));
  if (a.kind == AnalyzerKind::word && a.ngram_max > 1 && threads > 1) {
    counted = count_by_shard(analyzer, documents, threads);
  } else {
    std::vector<TermTable> local;
    counted.blocks = count_blocks(analyzer, documents, nullptr, &local);
    counted.vocabulary = merge_blocks(local, counted.blocks);
  }
  std::vector<CountedRows>& blocks = counted.blocks;
  Vocabulary& global = counted.vocabulary;
  EMBED_CHECK(global.size() > 0, "empty vocabulary: the documents hold no terms (only stop words, or too short)");
  const BigVector<std::int64_t>& df = global.df;

  // 2. Prune by document frequency, order the survivors by code point, then
  // keep the max_features most frequent.
  BigVector<std::pair<std::uint64_t, std::int32_t>> by_key;  // (order_key, id)
  for (std::int32_t t = 0; t < global.size(); ++t) {
    const auto d = static_cast<double>(df[static_cast<std::size_t>(t)]);
    if (d <= high && d >= low) by_key.emplace_back(order_key(global.term(t)), t);
  }
  // By key with a radix sort, then each run of equal keys (terms sharing
  // their first 8 bytes) by the whole term.
  {
    BigVector<std::pair<std::uint64_t, std::int32_t>> scratch;
    sort_by_small_key(
        by_key.data(), by_key.size(), 64, [](const auto& x) { return x.first; }, scratch);
  }
  for (std::size_t i = 0, j; i < by_key.size(); i = j) {
    for (j = i + 1; j < by_key.size() && by_key[j].first == by_key[i].first;) ++j;
    if (j - i > 1)
      std::sort(by_key.begin() + static_cast<std::ptrdiff_t>(i), by_key.begin() + static_cast<std::ptrdiff_t>(j),
                [&](const auto& x, const auto& y) { return global.term(x.second) < global.term(y.second); });
  }
  BigVector<std::int32_t> kept(by_key.size());
  for (std::size_t i = 0; i < by_key.size(); ++i) kept[i] = by_key[i].second;
  BigVector<std::pair<std::uint64_t, std::int32_t>>().swap(by_key);
  if (options.max_features > 0 && static_cast<std::int64_t>(kept.size()) > options.max_features) {
    std::vector<double> negated(kept.size());
    const BigVector<std::int64_t>& total = options.binary ? global.df : global.occurrences;
    for (std::size_t i = 0; i < kept.size(); ++i)
      negated[i] = -static_cast<double>(total[static_cast<std::size_t>(kept[i])]);
    const std::vector<std::int64_t> order = numpy_argsort(negated);
    std::vector<char> chosen(kept.size(), 0);
    for (std::int64_t i = 0; i < options.max_features; ++i)
      chosen[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = 1;
    std::size_t w = 0;
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (chosen[i]) kept[w++] = kept[i];
    kept.resize(w);
  }
  EMBED_CHECK(!kept.empty(), "after pruning no terms remain: try a lower min_df or a higher max_df");
  // 3. Columns, and idf from document frequencies (scikit-learn's formulas, evaluated the same way).
  BigVector<std::int32_t> new_column(static_cast<std::size_t>(global.size()), -1);
  std::vector<std::string> terms(kept.size());
  std::vector<double> idf(options.idf == IdfScheme::none ? 0 : kept.size());
  parallel_for(static_cast<std::int64_t>(kept.size()), 64, [&](std::int64_t lo, std::int64_t hi) {
    for (auto i = static_cast<std::size_t>(lo); i < static_cast<std::size_t>(hi); ++i) {
      const auto t = static_cast<std::size_t>(kept[i]);
      new_column[t] = static_cast<std::int32_t>(i);
      terms[i] = global.term(kept[i]);
      if (!idf.empty()) idf[i] = idf_weight(options.idf, options.clip_idf, n, df[t]);
    }
  });
  global = Vocabulary{};
  Vectorizer v(options, std::move(terms), std::move(idf), n);
  if (fitted) {
    // The documents' rows: surviving terms under their columns, sorted within each row.
    parallel_for(
        static_cast<std::int64_t>(blocks.size()), std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
          std::vector<std::pair<std::int32_t, std::int32_t>> scratch;
          const int bits = key_bits(static_cast<std::int64_t>(kept.size()));
          for (auto b = lo; b < hi; ++b) {
            CountedRows& rows = blocks[static_cast<std::size_t>(b)];
            std::int64_t start = 0, w = 0;
            for (std::int64_t& e : rows.ends) {
              const std::int64_t row_start = w;
              for (auto k = start; k < e; ++k) {
                const std::int32_t c =
                    new_column[static_cast<std::size_t>(rows.entries[static_cast<std::size_t>(k)].first)];
                if (c >= 0)
                  rows.entries[static_cast<std::size_t>(w++)] = {c, rows.entries[static_cast<std::size_t>(k)].second};
              }
              sort_by_small_key(
                  rows.entries.data() + row_start, static_cast<std::size_t>(w - row_start), bits,
                  [](const std::pair<std::int32_t, std::int32_t>& x) { return x.first; }, scratch);
              start = e;
              e = w;
            }
            rows.entries.resize(static_cast<std::size_t>(w));
          }
        });
    *fitted = to_csr(blocks, static_cast<std::int64_t>(v.terms_.size()));
    weigh_counts(*fitted, v.opt_, v.idf_);
  }
  return v;
}

CsrMatrix Vectorizer::transform(const std::vector<std::string>& documents) const {
  const std::vector<CountedRows> blocks = count_blocks(analyzer_, documents, &index(), nullptr);
  CsrMatrix m = to_csr(blocks, static_cast<std::int64_t>(terms_.size()));
  weigh_counts(m, opt_, idf_);
  return m;
}

double idf_weight(IdfScheme scheme, bool clip, std::int64_t n, std::int64_t df) {
  EMBED_CHECK(scheme != IdfScheme::none, "idf_weight: the scheme 'none' has no weights");
  const auto dn = static_cast<double>(n), dd = static_cast<double>(df);
  double w;
  switch (scheme) {
    case IdfScheme::smooth: w = std::log((dn + 1) / (dd + 1)) + 1; break;
    case IdfScheme::plain: w = std::log(dn / dd) + 1; break;
    default: w = std::log(dn / (dd + 1)); break;
  }
  return clip ? std::max(w, 0.0) : w;
}

void weigh_counts(CsrMatrix& m, const VectorizerOptions& options, const std::vector<double>& idf) {
  parallel_for(m.nnz(), 8, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t k = lo; k < hi; ++k) {
      double& x = m.data[k];
      if (options.binary) x = 1;
      if (options.tf == TfScheme::log)
        x = std::log(x) + 1;
      else if (options.tf == TfScheme::log10)
        x = std::log10(x) + 1;
      if (!idf.empty()) x *= idf[static_cast<std::size_t>(m.indices[k])];
    }
  });
  if (options.norm != RowNorm::none) m.normalize_rows(options.norm == RowNorm::l1);
}

nlohmann::json options_to_json(const VectorizerOptions& opt) {
  const AnalyzerOptions& a = opt.analyzer;
  nlohmann::json o = {
      {"analyzer", name_of(a.kind)},
      {"lowercase", a.lowercase},
      {"strip_accents", name_of(a.strip_accents)},
      {"ngram_range", {a.ngram_min, a.ngram_max}},
      {"stop_words", a.stop_words},
      {"stem", a.stem},
      {"min_df", {{"value", opt.min_df.value}, {"fraction", opt.min_df.fraction}}},
      {"max_df", {{"value", opt.max_df.value}, {"fraction", opt.max_df.fraction}}},
      {"max_features", opt.max_features},
      {"binary", opt.binary},
      {"tf", name_of(opt.tf)},
      {"idf", name_of(opt.idf)},
      {"clip_idf", opt.clip_idf},
      {"norm", name_of(opt.norm)},
  };
  // The tokenizer travels inside the model, as its tokenizer.json.
  o["tokenizer"] = a.tokenizer ? nlohmann::json::parse(tokenizer_to_json(*a.tokenizer)) : nlohmann::json(nullptr);
  return o;
}

VectorizerOptions options_from_json(const nlohmann::json& o, const std::string& name) {
  VectorizerOptions opt;
  opt.analyzer.kind = parse_analyzer_kind(o.at("analyzer").get<std::string>());
  opt.analyzer.lowercase = o.at("lowercase").get<bool>();
  opt.analyzer.strip_accents = parse_accent_stripping(o.at("strip_accents").get<std::string>());
  opt.analyzer.ngram_min = o.at("ngram_range").at(0).get<int>();
  opt.analyzer.ngram_max = o.at("ngram_range").at(1).get<int>();
  opt.analyzer.stop_words = o.at("stop_words").get<std::vector<std::string>>();
  opt.analyzer.stem = o.value("stem", false);  // absent in models saved before stemming existed
  if (o.contains("tokenizer") && !o.at("tokenizer").is_null())
    opt.analyzer.tokenizer =
        std::make_shared<const Tokenizer>(parse_tokenizer_json(o.at("tokenizer").dump(), name + ": tokenizer"));
  for (auto [key, bound] : {std::pair{"min_df", &opt.min_df}, std::pair{"max_df", &opt.max_df}}) {
    bound->value = o.at(key).at("value").get<double>();
    bound->fraction = o.at(key).at("fraction").get<bool>();
  }
  opt.max_features = o.at("max_features").get<std::int64_t>();
  opt.binary = o.at("binary").get<bool>();
  opt.tf = parse_tf_scheme(o.at("tf").get<std::string>());
  opt.idf = parse_idf_scheme(o.at("idf").get<std::string>());
  opt.clip_idf = o.at("clip_idf").get<bool>();
  opt.norm = parse_row_norm(o.at("norm").get<std::string>());
  return opt;
}

nlohmann::json Vectorizer::to_json() const {
  return {{"format", "embed.cpp tfidf"}, {"version", 1},         {"options", options_to_json(opt_)},
          {"n_documents", n_documents_}, {"vocabulary", terms_}, {"idf", idf_}};
}

Vectorizer Vectorizer::from_json(const nlohmann::json& j, const std::string& name) {
  try {
    EMBED_CHECK_AS(FormatError, j.is_object() && j.value("format", "") == "embed.cpp tfidf",
                   "{}: not an embed.cpp TF-IDF model", name);
    EMBED_CHECK_AS(Unsupported, j.at("version").get<int>() == 1, "{}: TF-IDF model version {} is not supported", name,
                   j.at("version").dump());
    VectorizerOptions opt = options_from_json(j.at("options"), name);
    auto terms = j.at("vocabulary").get<std::vector<std::string>>();
    auto idf = j.at("idf").get<std::vector<double>>();
    const auto n = j.at("n_documents").get<std::int64_t>();
    EMBED_CHECK_AS(FormatError, !terms.empty() && n > 0, "{}: empty vocabulary or no documents", name);
    EMBED_CHECK_AS(FormatError, std::adjacent_find(terms.begin(), terms.end(), std::greater_equal<>()) == terms.end(),
                   "{}: vocabulary is not sorted and unique", name);
    EMBED_CHECK_AS(FormatError, idf.size() == (opt.idf == IdfScheme::none ? 0 : terms.size()),
                   "{}: {} idf weights for {} terms", name, idf.size(), terms.size());
    EMBED_CHECK_AS(FormatError, std::all_of(idf.begin(), idf.end(), [](double x) { return std::isfinite(x); }),
                   "{}: non-finite idf weight", name);
    return Vectorizer(std::move(opt), std::move(terms), std::move(idf), n);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: malformed TF-IDF model: {}", name, e.what()));
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", name, e.what()));
  }
}

void Vectorizer::save(const std::string& path) const { save_json(path, to_json()); }

Vectorizer Vectorizer::load(const std::string& path) { return from_json(load_json(path), path); }

}  // namespace embed::text
