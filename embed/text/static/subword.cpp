#include "embed/text/static/subword.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "embed/core/error.h"
#include "embed/core/storage.h"
#include "embed/io/atomic_file.h"

namespace embed::text {

namespace {

// fastText's .bin version (FASTTEXT_VERSION).
constexpr std::int32_t kVersion = 12;
// fastText's enums: loss_name {hs = 1, ns, softmax, ova}, model_name {cbow = 1, sg, sup}.
constexpr std::int32_t kLossHs = 1, kLossNs = 2, kModelCbow = 1, kModelSg = 2;

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Little-endian fixed-size fields, as fastText writes them on x86/ARM.
class Reader {
 public:
  Reader(const unsigned char* data, std::size_t size, const std::string& name)
      : p_(data), end_(data + size), name_(name) {}
  template <typename T>
  T get(const char* what) {
    EMBED_CHECK_AS(FormatError, static_cast<std::size_t>(end_ - p_) >= sizeof(T), "{}: truncated in {}", name_, what);
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  std::string word(std::int64_t index) {
    const auto* nul = static_cast<const unsigned char*>(std::memchr(p_, 0, static_cast<std::size_t>(end_ - p_)));
    EMBED_CHECK_AS(FormatError, nul != nullptr, "{}: word {} of the dictionary is truncated", name_, index);
    std::string w(reinterpret_cast<const char*>(p_), reinterpret_cast<const char*>(nul));
    p_ = nul + 1;
    return w;
  }
  // rows x cols floats, checked to fit and to be finite.
  std::vector<float> matrix(std::int64_t rows, std::int64_t cols, const char* what) {
    const auto n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    EMBED_CHECK_AS(FormatError, static_cast<std::size_t>(end_ - p_) / sizeof(float) >= n,
                   "{}: the {} matrix ({} x {}) is truncated", name_, what, rows, cols);
    std::vector<float> m(n);
    if (n) std::memcpy(m.data(), p_, n * sizeof(float));
    p_ += n * sizeof(float);
    EMBED_CHECK_AS(FormatError, std::all_of(m.begin(), m.end(), [](float x) { return std::isfinite(x); }),
                   "{}: the {} matrix has a NaN or infinity", name_, what);
    return m;
  }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
  const std::string& name_;
};

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace

bool is_fasttext_model(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::int32_t magic = 0;  // fastText writes it in host order, as it reads it
  const bool got = std::fread(&magic, sizeof magic, 1, f) == 1;
  std::fclose(f);
  return got && magic == kFastTextMagic;
}

KeyedVectors load_word_vectors(const std::string& path) {
  if (is_fasttext_model(path)) return SubwordVectors::load_fasttext(path).keyed_vectors();
  return KeyedVectors::load_word2vec(path, path.ends_with(".bin"));
}

std::uint32_t fasttext_hash(std::string_view bytes) {
  std::uint32_t h = 2166136261u;
  for (char c : bytes) {
    h ^= static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(c)));
    h *= 16777619u;
  }
  return h;
}

void append_subword_rows(std::string_view word, std::int64_t min_n, std::int64_t max_n, std::int64_t buckets,
                         std::int64_t nwords, std::vector<std::int32_t>& rows) {
  if (max_n <= 0 || buckets <= 0) return;
  std::string w;
  w.reserve(word.size() + 2);
  w += '<';
  w += word;
  w += '>';
  std::string gram;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (continuation_byte(w[i])) continue;
    gram.clear();
    std::size_t j = i;
    for (std::int64_t n = 1; j < w.size() && n <= max_n; ++n) {
      gram += w[j++];
      while (j < w.size() && continuation_byte(w[j])) gram += w[j++];
      // "<" and ">" alone are not n-grams.
      if (n >= min_n && !(n == 1 && (i == 0 || j == w.size())))
        rows.push_back(static_cast<std::int32_t>(nwords + fasttext_hash(gram) % static_cast<std::uint64_t>(buckets)));
    }
  }
}

void append_word_rows(std::string_view word, std::int32_t id, const SubwordConfig& config, std::int64_t nwords,
                      std::vector<std::int32_t>& rows) {
  rows.push_back(id);
  if (word != "</s>") append_subword_rows(word, config.min_n, config.max_n, config.buckets, nwords, rows);
}

SubwordVectors::SubwordVectors(std::vector<std::string> words, std::vector<std::int64_t> counts, SubwordConfig config,
                               std::int64_t dim, std::vector<float> input, std::vector<float> output, FastTextArgs args)
    : words_(std::move(words)),
      counts_(std::move(counts)),
      config_(config),
      dim_(dim),
      input_(std::move(input)),
      output_(std::move(output)),
      args_(args) {
  EMBED_CHECK(dim > 0, "vector size must be positive, got {}", dim);
  EMBED_CHECK(config.max_n == 0 || (config.min_n >= 1 && config.min_n <= config.max_n && config.buckets > 0),
              "n-gram lengths must satisfy 1 <= min_n <= max_n (or max_n = 0 for none) with buckets > 0, got "
              "min_n={} max_n={} buckets={}",
              config.min_n, config.max_n, config.buckets);
  EMBED_CHECK(counts_.empty() || counts_.size() == words_.size(), "{} counts for {} words", counts_.size(),
              words_.size());
  if (counts_.empty()) counts_.assign(words_.size(), 1);
  const auto rows = static_cast<std::size_t>(nwords() + config.buckets);
  EMBED_CHECK(input_.size() == rows * static_cast<std::size_t>(dim), "the input matrix has {} values, not {} x {}",
              input_.size(), rows, dim);
  EMBED_CHECK(output_.empty() || output_.size() % static_cast<std::size_t>(dim) == 0,
              "the output matrix has {} values, not a multiple of {}", output_.size(), dim);
  EMBED_CHECK(nwords() + config.buckets <= (std::int64_t{1} << 31) - 1, "{} words + {} buckets is too many rows",
              nwords(), config.buckets);
  table_.reserve(words_.size());
  for (const std::string& w : words_) {
    const std::int32_t next = table_.size();
    EMBED_CHECK(table_.intern(w) == next, "word '{}' appears twice", w);
  }
}

std::vector<std::int32_t> SubwordVectors::rows(std::string_view word) const {
  std::vector<std::int32_t> r;
  const std::int32_t id = table_.find(word);
  if (id >= 0)
    append_word_rows(word, id, config_, nwords(), r);
  else
    append_subword_rows(word, config_.min_n, config_.max_n, config_.buckets, nwords(), r);
  return r;
}

std::vector<float> SubwordVectors::word_vector(std::string_view word) const {
  const std::vector<std::int32_t> r = rows(word);
  std::vector<float> v(static_cast<std::size_t>(dim_), 0.0f);
  for (std::int32_t row : r) {
    const float* x = input_.data() + static_cast<std::int64_t>(row) * dim_;
    for (std::int64_t k = 0; k < dim_; ++k) v[static_cast<std::size_t>(k)] += x[k];
  }
  if (!r.empty())
    for (float& x : v) x *= 1.0f / static_cast<float>(r.size());  // fastText multiplies by 1/n
  return v;
}

KeyedVectors SubwordVectors::keyed_vectors() const {
  std::vector<float> all;
  all.reserve(words_.size() * static_cast<std::size_t>(dim_));
  for (const std::string& w : words_) {
    const std::vector<float> v = word_vector(w);
    all.insert(all.end(), v.begin(), v.end());
  }
  return KeyedVectors(words_, std::move(all), dim_);
}

std::vector<Neighbour> SubwordVectors::nearest(std::string_view word, std::int64_t topn) const {
  if (vocabulary_vectors_.size() != nwords()) vocabulary_vectors_ = keyed_vectors();
  const std::vector<float> v = word_vector(word);
  const std::int64_t self = table_.find(word);
  return vocabulary_vectors_.similar_by_vector(
      v.data(), topn, 0, self >= 0 ? std::vector<std::int64_t>{self} : std::vector<std::int64_t>{});
}

void SubwordVectors::save_fasttext(const std::string& path) const {
  write_file_atomic(path, [&](int fd) {
    std::string out;
    put<std::int32_t>(out, kFastTextMagic);
    put<std::int32_t>(out, kVersion);
    // Args::save: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate t
    for (std::int64_t v :
         {dim_, std::int64_t{args_.window}, std::int64_t{args_.epochs}, std::int64_t{args_.min_count},
          std::int64_t{args_.negative}, std::int64_t{1}, std::int64_t{args_.hierarchical_softmax ? kLossHs : kLossNs},
          std::int64_t{args_.skip_gram ? kModelSg : kModelCbow}, config_.buckets, config_.min_n, config_.max_n,
          std::int64_t{100}})
      put<std::int32_t>(out, static_cast<std::int32_t>(v));
    put<double>(out, args_.sample);
    // Dictionary::save: size nwords nlabels ntokens pruneidx_size, then word\0 count type per entry.
    std::int64_t tokens = 0;
    for (std::int64_t c : counts_) tokens += c;
    put<std::int32_t>(out, static_cast<std::int32_t>(nwords()));
    put<std::int32_t>(out, static_cast<std::int32_t>(nwords()));
    put<std::int32_t>(out, 0);
    put<std::int64_t>(out, tokens);
    put<std::int64_t>(out, -1);  // not pruned
    for (std::size_t i = 0; i < words_.size(); ++i) {
      out += words_[i];
      out += '\0';
      put<std::int64_t>(out, counts_[i]);
      put<std::int8_t>(out, 0);  // entry_type::word
    }
    // quant_input, the input matrix (rows, cols, values), qout, the output matrix.
    const auto matrix = [&](const std::vector<float>& m, std::int64_t rows) {
      put<std::uint8_t>(out, 0);
      put<std::int64_t>(out, rows);
      put<std::int64_t>(out, dim_);
      write_all(fd, out.data(), out.size(), path);
      out.clear();
      write_all(fd, m.data(), m.size() * sizeof(float), path);
    };
    matrix(input_, nwords() + config_.buckets);
    // fastText needs an output layer of nwords rows for ns/hs; zeros when we have none.
    const std::vector<float> zeros =
        output_.empty() ? std::vector<float>(words_.size() * static_cast<std::size_t>(dim_)) : std::vector<float>{};
    const std::vector<float>& output = output_.empty() ? zeros : output_;
    matrix(output, static_cast<std::int64_t>(output.size()) / dim_);
  });
}

SubwordVectors SubwordVectors::load_fasttext(const std::string& path) {
  const auto file = MappedFile::open(path);
  return parse_fasttext(file->data(), file->size(), path);
}

SubwordVectors SubwordVectors::parse_fasttext(const unsigned char* data, std::size_t size, const std::string& name) {
  Reader in(data, size, name);
  const auto magic = in.get<std::int32_t>("the magic number");
  EMBED_CHECK_AS(FormatError, magic == kFastTextMagic, "{}: not a fastText .bin model (magic number {}, expected {})",
                 name, magic, kFastTextMagic);
  const auto version = in.get<std::int32_t>("the version");
  EMBED_CHECK_AS(FormatError, version == 11 || version == 12,
                 "{}: fastText model version {} (versions 11 and 12 are supported)", name, version);
  std::int32_t a[12];
  const char* fields[] = {"dim",  "ws",    "epoch",  "minCount", "neg",  "wordNgrams",
                          "loss", "model", "bucket", "minn",     "maxn", "lrUpdateRate"};
  for (int i = 0; i < 12; ++i) a[i] = in.get<std::int32_t>(fields[i]);
  const auto sample = in.get<double>("t");
  const std::int32_t dim = a[0], loss = a[6], model = a[7], buckets = a[8], minn = a[9], maxn = a[10];
  EMBED_CHECK_AS(FormatError, dim > 0 && dim <= (1 << 16), "{}: dim {} out of range", name, dim);
  EMBED_CHECK_AS(Unsupported, model == kModelCbow || model == kModelSg,
                 "{}: supervised fastText models (classifiers) are not supported, only word vectors", name);
  EMBED_CHECK_AS(FormatError, buckets >= 0 && minn >= 0 && maxn >= 0 && (maxn == 0 || (minn >= 1 && minn <= maxn)),
                 "{}: bad n-gram settings bucket={} minn={} maxn={}", name, buckets, minn, maxn);
  const auto size_ = in.get<std::int32_t>("the dictionary size");
  const auto nwords = in.get<std::int32_t>("the word count");
  const auto nlabels = in.get<std::int32_t>("the label count");
  in.get<std::int64_t>("the token count");
  const auto pruned = in.get<std::int64_t>("pruneidx_size");
  EMBED_CHECK_AS(FormatError,
                 size_ >= 0 && nwords >= 0 && nlabels >= 0 && std::int64_t{size_} == std::int64_t{nwords} + nlabels,
                 "{}: dictionary sizes do not add up ({} entries, {} words, {} labels)", name, size_, nwords, nlabels);
  EMBED_CHECK_AS(Unsupported, nlabels == 0, "{}: models with labels (classifiers) are not supported", name);
  EMBED_CHECK_AS(Unsupported, pruned < 0, "{}: pruned (quantised) fastText models are not supported", name);
  // Each entry takes at least 10 bytes (NUL, count, type).
  EMBED_CHECK_AS(FormatError, static_cast<std::size_t>(nwords) <= in.left() / 10,
                 "{}: {} dictionary entries cannot fit in the file (truncated?)", name, nwords);
  std::vector<std::string> words;
  std::vector<std::int64_t> counts;
  words.reserve(static_cast<std::size_t>(nwords));
  for (std::int32_t i = 0; i < nwords; ++i) {
    words.push_back(in.word(i));
    counts.push_back(in.get<std::int64_t>("a word count"));
    const auto type = in.get<std::int8_t>("an entry type");
    EMBED_CHECK_AS(FormatError, type == 0, "{}: entry '{}' has type {} (0, a word, expected)", name, words.back(),
                   type);
  }
  EMBED_CHECK_AS(Unsupported, in.get<std::uint8_t>("quant_input") == 0,
                 "{}: quantised fastText models (.ftz) are not supported", name);
  const auto rows = in.get<std::int64_t>("the input matrix rows");
  const auto cols = in.get<std::int64_t>("the input matrix columns");
  EMBED_CHECK_AS(FormatError, rows == std::int64_t{nwords} + buckets && cols == dim,
                 "{}: the input matrix is {} x {}, expected {} x {} (words + buckets by dim)", name, rows, cols,
                 std::int64_t{nwords} + buckets, dim);
  std::vector<float> input = in.matrix(rows, cols, "input");
  std::vector<float> output;
  if (in.left() > 0) {
    EMBED_CHECK_AS(Unsupported, in.get<std::uint8_t>("qout") == 0, "{}: quantised output layers are not supported",
                   name);
    const auto orows = in.get<std::int64_t>("the output matrix rows");
    const auto ocols = in.get<std::int64_t>("the output matrix columns");
    EMBED_CHECK_AS(FormatError, orows >= 0 && orows <= (std::int64_t{1} << 31) && ocols == dim,
                   "{}: the output matrix is {} x {}, expected n x {}", name, orows, ocols, dim);
    output = in.matrix(orows, ocols, "output");
  }
  FastTextArgs args{a[1], a[2], a[3], a[4], model == kModelSg, loss == kLossHs, sample};
  try {
    return SubwordVectors(std::move(words), std::move(counts), SubwordConfig{minn, maxn, buckets}, dim,
                          std::move(input), std::move(output), args);
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", name, e.what()));
  }
}

}  // namespace embed::text
