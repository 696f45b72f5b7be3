// The sparse-vector module in C++ (and so under ASan/UBSan in CI): hand-worked
// TF-IDF values, the analyzers' edge cases, numpy's sort order on ties, the
// term table growing, .npz round trips and rejected files. The comparison
// with scikit-learn itself is tests/oracle/test_tfidf.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/atomic_file.h"
#include "embed/io/zip.h"
#include "embed/text/sparse/numpy_argsort.h"
#include "embed/text/sparse/radix_sort.h"
#include "embed/text/sparse/sparse_search.h"
#include "embed/text/sparse/term_table.h"
#include "embed/text/sparse/vectorizer.h"
#include "embed/text/tokenize/tokenizer.h"
#include "embed/text/tokenize/vocab.h"

namespace {

using namespace embed::text;

std::vector<std::string> terms_of(const std::string& doc, AnalyzerOptions o) {
  TermList list;
  Analyzer(std::move(o)).analyze(doc, list);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) out.emplace_back(list[i]);
  return out;
}

std::int64_t row_size(const CsrMatrix& m, std::int64_t row) { return m.indptr[row + 1] - m.indptr[row]; }

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("embed_sparse_test_" + name)).string();
}

TEST(Analyzer, WordTokensNeedTwoWordCharacters) {
  AnalyzerOptions o;
  o.ngram_max = 2;
  o.stop_words = {"the"};
  EXPECT_EQ(terms_of("The CAT, a x_y!", o), (std::vector<std::string>{"cat", "x_y", "cat x_y"}));
  EXPECT_TRUE(terms_of("", o).empty());
  EXPECT_TRUE(terms_of("\xff\xfe a b", o).empty());  // U+FFFD is not a word character
}

TEST(Analyzer, NgramsInPlaceOrJoinedAreTheSameTerms) {
  // Tokens one space apart give n-grams that are views of the text; any
  // other gap (punctuation, two spaces, a removed stop word) joins them.
  // Either way the term is the tokens joined by one space, and its padded
  // key is its key.
  AnalyzerOptions o;
  o.ngram_min = 2;
  o.ngram_max = 3;
  o.stop_words = {"of"};
  const Analyzer analyzer(o);
  std::vector<std::string_view> terms;
  analyzer.word_terms("aa bb, cc  dd ee of ff gg", terms);
  const std::vector<std::string_view> expected = {"aa bb",    "bb cc",    "cc dd",    "dd ee",    "ee ff",   "ff gg",
                                                  "aa bb cc", "bb cc dd", "cc dd ee", "dd ee ff", "ee ff gg"};
  EXPECT_EQ(terms, expected);
  for (std::string_view t : terms) {
    const TermTable::Key padded = TermTable::padded_key(t), plain = TermTable::key(t);
    EXPECT_EQ(padded.hash, plain.hash) << t;
    EXPECT_EQ(padded.prefix, plain.prefix) << t;
  }
}

TEST(Analyzer, AsciiWordsAcrossBitmapWords) {
  // ASCII text is scanned through a bitmap of 64-byte words: tokens of every
  // length from 1 to 70, at every offset, must come out as a plain scan finds them.
  std::string doc;
  std::vector<std::string> expected;
  for (int len = 1; len <= 70; ++len) {
    const std::string word(static_cast<std::size_t>(len), static_cast<char>('a' + len % 26));
    doc += word + (len % 3 ? " " : ",_x-");
    if (len >= 2) expected.push_back(word);
    if (len % 3 == 0) expected.push_back("_x");
  }
  doc += "zz";  // a token that ends the document
  expected.push_back("zz");
  EXPECT_EQ(terms_of(doc, AnalyzerOptions{}), expected);
}

TEST(Analyzer, CharWbPadsWordsAndStopsAtShortWords) {
  AnalyzerOptions o;
  o.kind = AnalyzerKind::char_wb;
  o.ngram_min = 3;
  o.ngram_max = 4;
  // " ab " has length 4: its 3-grams, then itself once for n = 4.
  EXPECT_EQ(terms_of("ab", o), (std::vector<std::string>{" ab", "ab ", " ab "}));
  o.ngram_min = 5;
  o.ngram_max = 6;
  EXPECT_EQ(terms_of("ab", o), (std::vector<std::string>{" ab "}));
}

TEST(Analyzer, AccentsAndFinalSigma) {
  AnalyzerOptions o;
  o.strip_accents = AccentStripping::unicode;
  EXPECT_EQ(terms_of("Café ΟΔΟΣ", o), (std::vector<std::string>{"cafe", "οδος"}));
  o.strip_accents = AccentStripping::none;
  EXPECT_EQ(terms_of("ΟΔΟΣ", o), (std::vector<std::string>{"οδος"}));
  o.strip_accents = AccentStripping::ascii;
  EXPECT_EQ(terms_of("naïve 日本", o), (std::vector<std::string>{"naive"}));
}

TEST(Vectorizer, CountsTheTokensOfATokenizer) {
  // Word unigrams from a tokenizer (BERT's WordPiece) are looked up with
  // padded keys: they must lie in a padded buffer, as the regex's do (ASan
  // checks the reads), and count as the tokens themselves.
  VectorizerOptions o;
  o.norm = RowNorm::none;
  o.idf = IdfScheme::none;
  o.analyzer.tokenizer = std::make_shared<const embed::text::Tokenizer>(
      embed::text::bert_tokenizer(std::string(EMBED_TEST_DATA) + "/tokenizers/bert-base-uncased/vocab.txt"));
  CsrMatrix x;
  const Vectorizer v = Vectorizer::fit({"unaffable unaffable a", "hello world"}, o, &x);
  const std::vector<std::string> expected = {"##ble", "##ffa", "a", "hello", "una", "world"};  // una ##ffa ##ble
  ASSERT_EQ(v.vocabulary(), expected);
  EXPECT_EQ(x.indices, (std::vector<std::int32_t>{0, 1, 2, 4, 3, 5}));
  EXPECT_EQ(x.data, (std::vector<double>{2, 2, 1, 2, 1, 1}));
}

TEST(Vectorizer, HandWorkedTfidf) {
  // N = 3. "aa": df 3, "bb": df 1, "cc": df 2. Smooth idf = ln(4 / (1 + df)) + 1.
  const std::vector<std::string> docs = {"aa bb aa", "aa cc", "aa cc"};
  VectorizerOptions o;
  o.norm = RowNorm::none;
  CsrMatrix x;
  const Vectorizer v = Vectorizer::fit(docs, o, &x);
  ASSERT_EQ(v.vocabulary(), (std::vector<std::string>{"aa", "bb", "cc"}));
  EXPECT_DOUBLE_EQ(v.idf()[0], 1.0);
  EXPECT_DOUBLE_EQ(v.idf()[1], std::log(2.0) + 1);
  EXPECT_DOUBLE_EQ(v.idf()[2], std::log(4.0 / 3.0) + 1);
  ASSERT_EQ(x.rows, 3);
  ASSERT_EQ(x.indptr, (std::vector<std::int64_t>{0, 2, 4, 6}));
  EXPECT_DOUBLE_EQ(x.data[0], 2.0);                // aa twice
  EXPECT_DOUBLE_EQ(x.data[1], std::log(2.0) + 1);  // bb once
  const CsrMatrix y = v.transform({"bb zz bb"});
  ASSERT_EQ(y.nnz(), 1);
  EXPECT_EQ(y.indices[0], 1);
  EXPECT_DOUBLE_EQ(y.data[0], 2 * (std::log(2.0) + 1));
}

TEST(Vectorizer, RejectsBadOptionsAndEmptyInput) {
  VectorizerOptions o;
  EXPECT_THROW(Vectorizer::fit({}, o), embed::InvalidArgument);
  EXPECT_THROW(Vectorizer::fit({"a b c"}, o), embed::InvalidArgument);  // no two-character token
  o.min_df = {3, false};
  o.max_df = {2, false};
  EXPECT_THROW(Vectorizer::fit({"aa"}, o), embed::InvalidArgument);
  o = {};
  o.min_df = {1.5, true};
  EXPECT_THROW(Vectorizer::fit({"aa"}, o), embed::InvalidArgument);
}

TEST(Vectorizer, SaveLoadRoundTrip) {
  VectorizerOptions o;
  o.analyzer.ngram_max = 2;
  o.tf = TfScheme::log;
  const Vectorizer v = Vectorizer::fit({"one two three", "two three four", "four five"}, o);
  const std::string path = temp_path("model.json");
  v.save(path);
  const Vectorizer w = Vectorizer::load(path);
  EXPECT_EQ(w.vocabulary(), v.vocabulary());
  EXPECT_EQ(w.idf(), v.idf());
  EXPECT_EQ(w.transform({"two three"}).data, v.transform({"two three"}).data);
  embed::write_file_atomic(path, [&](int fd) { embed::write_all(fd, "{\"format\": 1}", 13, path); });
  EXPECT_THROW(Vectorizer::load(path), embed::FormatError);
  std::remove(path.c_str());
}

TEST(NumpyArgsort, SeventeenTiesAsNumpyOrdersThem) {
  // numpy 1.24: np.argsort(np.zeros(17)); 16 or fewer are insertion-sorted (identity).
  EXPECT_EQ(numpy_argsort(std::vector<double>(17, 0.0)),
            (std::vector<std::int64_t>{0, 14, 13, 12, 11, 10, 9, 15, 8, 6, 5, 4, 3, 2, 1, 7, 16}));
  std::vector<std::int64_t> identity(16);
  for (std::size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<std::int64_t>(i);
  EXPECT_EQ(numpy_argsort(std::vector<double>(16, 0.0)), identity);
}

TEST(TermTable, GrowsAndFinds) {
  TermTable t;
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(t.intern("term" + std::to_string(i)), i);
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(t.find("term" + std::to_string(i)), i);
  EXPECT_EQ(t.intern("term42"), 42);
  EXPECT_EQ(t.find("absent"), -1);
  EXPECT_EQ(t.term(9999), "term9999");
  EXPECT_EQ(t.intern(""), 10000);  // the empty string is a term like any other
}

TEST(TermTable, TellsApartTermsSharingLengthAndFirstEightBytes) {
  // A slot keeps a term's length and first 8 bytes: these terms agree on both
  // (or differ only in bytes a zero-padded prefix hides) and must stay apart.
  TermTable t;
  const std::vector<std::string> terms = {"abcdefgh1",
                                          "abcdefgh2",
                                          "abcdefgh",
                                          "abc",
                                          std::string("abc\0", 4),
                                          std::string(70000, 'x'),
                                          std::string(69999, 'x') + "y"};
  for (std::size_t i = 0; i < terms.size(); ++i) EXPECT_EQ(t.intern(terms[i]), static_cast<std::int32_t>(i));
  for (std::size_t i = 0; i < terms.size(); ++i) {
    EXPECT_EQ(t.find(terms[i]), static_cast<std::int32_t>(i));
    EXPECT_EQ(t.term(static_cast<std::int32_t>(i)), terms[i]);
    EXPECT_EQ(t.hash_of(static_cast<std::int32_t>(i)), TermTable::hash(terms[i]));
    EXPECT_EQ(t.key_of(static_cast<std::int32_t>(i)).hash, TermTable::hash(terms[i]));
  }
  EXPECT_EQ(t.find("abcdefgh3"), -1);
  EXPECT_EQ(t.find(std::string("abc\0\0", 5)), -1);
  // Past the prefix, terms are compared 8 bytes at a time with an overlapping
  // last load: a difference at any byte of any length must be seen.
  TermTable u;
  std::vector<std::string> variants;
  for (std::size_t n = 9; n <= 40; ++n) {
    variants.emplace_back(n, 'a');
    for (std::size_t at = 8; at < n; ++at) {
      variants.emplace_back(n, 'a');
      variants.back()[at] = 'b';
    }
  }
  for (std::size_t i = 0; i < variants.size(); ++i) EXPECT_EQ(u.intern(variants[i]), static_cast<std::int32_t>(i));
  for (std::size_t i = 0; i < variants.size(); ++i) EXPECT_EQ(u.find(variants[i]), static_cast<std::int32_t>(i));
}

TEST(TermTable, PaddedKeyIsTheKeyWhateverFollowsTheTerm) {
  // padded_key reads 8 bytes from the term's start; the bytes past its end
  // (here not zero) must not change the key.
  const std::string buffer = "ab\0cdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t at = 0; at < 3; ++at) {
    for (std::size_t n = 0; at + n + 8 <= buffer.size(); ++n) {
      const std::string_view term = std::string_view(buffer).substr(at, n);
      const TermTable::Key padded = TermTable::padded_key(term), plain = TermTable::key(term);
      EXPECT_EQ(padded.hash, plain.hash) << at << " " << n;
      EXPECT_EQ(padded.prefix, plain.prefix) << at << " " << n;
    }
  }
  EXPECT_NE(TermTable::hash("ab"), TermTable::hash(std::string("ab\0", 3)));  // the length is hashed too
}

TEST(RadixSort, MatchesStdSortOnLongAndShortRows) {
  std::vector<std::int32_t> scratch;
  for (const std::size_t n : {0, 5, 63, 64, 65, 191, 3000}) {
    for (const int bits : {1, 12, 23, 31}) {
      std::vector<std::int32_t> keys;
      std::uint64_t x = 88172645463325252ull;
      for (std::size_t i = 0; keys.size() < std::min<std::size_t>(n, std::size_t{1} << bits); ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const auto k = static_cast<std::int32_t>(x & ((std::uint64_t{1} << bits) - 1));
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);  // distinct, as in a row
      }
      std::vector<std::int32_t> expected = keys;
      std::sort(expected.begin(), expected.end());
      sort_by_small_key(
          keys.data(), keys.size(), bits, [](std::int32_t k) { return k; }, scratch);
      EXPECT_EQ(keys, expected) << n << " keys of " << bits << " bits";
    }
  }
  EXPECT_EQ(key_bits(1), 1);
  EXPECT_EQ(key_bits(2), 1);
  EXPECT_EQ(key_bits(3), 2);
  EXPECT_EQ(key_bits(1 << 20), 20);
  EXPECT_EQ(key_bits((1 << 20) + 1), 21);
}

TEST(Vectorizer, CharWbCountsEveryOccurrenceOfARepeatedWord) {
  // fit() analyses each distinct word once and reuses its n-grams: repeated
  // words, and words whose n-grams partly miss the vocabulary in transform(),
  // must count as analyze() says.
  VectorizerOptions o;
  o.analyzer.kind = AnalyzerKind::char_wb;
  o.analyzer.ngram_min = 2;
  o.analyzer.ngram_max = 3;
  o.idf = IdfScheme::none;
  o.norm = RowNorm::none;
  std::vector<std::string> docs;
  for (int i = 0; i < 40; ++i) docs.push_back(i % 3 ? "ab ab  ba\tab" : "abc Ab");
  CsrMatrix fitted;
  const Vectorizer v = Vectorizer::fit(docs, o, &fitted);
  const CsrMatrix again = v.transform({"ab ab  ba\tab", "abc zz ab"});
  Analyzer analyzer(o.analyzer);
  const std::vector<std::tuple<std::string, std::int64_t, const CsrMatrix*>> cases = {
      {docs[1], 1, &fitted}, {docs[0], 0, &fitted}, {"ab ab  ba\tab", 0, &again}, {"abc zz ab", 1, &again}};
  for (const auto& [doc, row, m] : cases) {
    TermList terms;
    analyzer.analyze(doc, terms);
    std::map<std::string, double> expected, got;
    for (std::size_t i = 0; i < terms.size(); ++i)
      if (v.column(terms[i]) >= 0) expected[std::string(terms[i])] += 1;  // " zz" and co. were never seen
    for (auto k = m->indptr[row]; k < m->indptr[row + 1]; ++k)
      got[v.vocabulary()[static_cast<std::size_t>(m->indices[static_cast<std::size_t>(k)])]] =
          m->data[static_cast<std::size_t>(k)];
    EXPECT_EQ(got, expected) << doc;
    EXPECT_TRUE(std::is_sorted(m->indices.begin() + m->indptr[row], m->indices.begin() + m->indptr[row + 1]));
  }
  EXPECT_EQ(row_size(again, 1), 9);  // " abc " gives 7 n-grams, " ab " adds "b " and "ab "
}

TEST(Vectorizer, WordNgramsCountAsAnalyzeSays) {
  // fit() with word n-grams, stop words and min_df: vocabulary and rows are
  // what analyze() gives, counted and pruned by hand. On one thread terms are
  // counted in one table; on three, by hash shard (count_by_shard).
  const int threads_before = embed::num_threads();
  for (const int threads : {1, 3})
    for (const auto& [lo, hi, min_df] : {std::tuple{1, 3, 2.0}, std::tuple{2, 2, 1.0}, std::tuple{2, 4, 3.0}}) {
      embed::set_num_threads(threads);
      VectorizerOptions o;
      o.analyzer.ngram_min = lo;
      o.analyzer.ngram_max = hi;
      o.analyzer.stop_words = {"the"};
      o.min_df = {min_df, false};
      o.idf = IdfScheme::none;
      o.norm = RowNorm::none;
      std::vector<std::string> docs;
      std::uint64_t x = 42;
      for (int d = 0; d < 50; ++d) {
        std::string doc;
        for (int w = 0; w < 12; ++w) {
          x ^= x << 13, x ^= x >> 7, x ^= x << 17;
          const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "Dog", "dog"};
          doc += std::string(words[x % 8]) + " ";
        }
        docs.push_back(doc);
      }
      CsrMatrix fitted;
      const Vectorizer v = Vectorizer::fit(docs, o, &fitted);
      const Analyzer analyzer(o.analyzer);
      std::map<std::string, int> df;
      for (const std::string& doc : docs) {
        TermList terms;
        analyzer.analyze(doc, terms);
        std::map<std::string, int> once;
        for (std::size_t i = 0; i < terms.size(); ++i) once[std::string(terms[i])] = 1;
        for (const auto& [t, one] : once) df[t] += one;
      }
      std::vector<std::string> vocabulary;
      for (const auto& [t, n] : df)
        if (n >= min_df) vocabulary.push_back(t);
      EXPECT_EQ(v.vocabulary(), vocabulary) << lo << "-" << hi;
      for (std::int64_t row : {0, 17, 49}) {
        TermList terms;
        analyzer.analyze(docs[static_cast<std::size_t>(row)], terms);
        std::map<std::string, double> expected, got;
        for (std::size_t i = 0; i < terms.size(); ++i)
          if (v.column(terms[i]) >= 0) expected[std::string(terms[i])] += 1;
        for (auto k = fitted.indptr[row]; k < fitted.indptr[row + 1]; ++k)
          got[v.vocabulary()[static_cast<std::size_t>(fitted.indices[static_cast<std::size_t>(k)])]] =
              fitted.data[static_cast<std::size_t>(k)];
        EXPECT_EQ(got, expected) << docs[static_cast<std::size_t>(row)];
      }
    }
  embed::set_num_threads(threads_before);
}

TEST(Npz, RoundTripAndCorruption) {
  CsrMatrix m;
  m.rows = 2;
  m.cols = 4;
  m.indptr = {0, 2, 3};
  m.indices = {1, 3, 0};
  m.data = {0.5, -1.25, 3.0};
  const std::string path = temp_path("m.npz");
  save_npz(path, m);
  const CsrMatrix back = load_npz(path);
  EXPECT_EQ(back.indptr, m.indptr);
  EXPECT_EQ(back.indices, m.indices);
  EXPECT_EQ(back.data, m.data);
  std::string bytes = embed::read_file(path);
  for (std::size_t cut : {std::size_t{0}, std::size_t{21}, bytes.size() / 2, bytes.size() - 1}) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    EXPECT_THROW(parse_npz(p, cut, "cut"), embed::Error) << cut;
  }
  bytes[100] = static_cast<char>(bytes[100] ^ 0x55);  // inside the first member: CRC mismatch
  EXPECT_THROW(parse_npz(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), "flipped"),
               embed::FormatError);
  std::remove(path.c_str());
}

TEST(SparseIndex, CosineTopK) {
  CsrMatrix docs;
  docs.rows = 3;
  docs.cols = 3;
  docs.indptr = {0, 1, 3, 3};
  docs.indices = {0, 0, 1};
  docs.data = {2.0, 1.0, 1.0};
  const SparseIndex index(docs);
  CsrMatrix q;
  q.rows = 1;
  q.cols = 3;
  q.indptr = {0, 1};
  q.indices = {0};
  q.data = {5.0};
  const auto hits = index.search(q, 5);
  ASSERT_EQ(hits[0].size(), 2u);  // the empty document never matches
  EXPECT_EQ(hits[0][0].row, 0);
  EXPECT_DOUBLE_EQ(hits[0][0].score, 1.0);
  EXPECT_EQ(hits[0][1].row, 1);
  EXPECT_NEAR(hits[0][1].score, 1 / std::sqrt(2.0), 1e-15);
}

}  // namespace
