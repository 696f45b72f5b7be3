#include "embed/text/static/keyed_vectors.h"

#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "embed/core/error.h"
#include "embed/core/storage.h"
#include "embed/io/atomic_file.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

float dot(const float* a, const float* b, std::int64_t n) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (std::int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// Upper case per character (utf8proc's simple mapping; ASCII as Python's str.upper()).
std::string upper(std::string_view w) {
  std::string out;
  for (char32_t c : decode_utf8(w).chars)
    append_utf8(out, static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(c))));
  return out;
}

// Upper-cased word -> row for the first `limit` words; when spellings differ
// only in case, the most frequent (lowest row) wins, as in gensim's evaluators.
std::unordered_map<std::string, std::int64_t> upper_index(const std::vector<std::string>& words, std::int64_t limit) {
  std::unordered_map<std::string, std::int64_t> index;
  for (std::int64_t i = limit - 1; i >= 0; --i) index[upper(words[static_cast<std::size_t>(i)])] = i;
  return index;
}

// Ranks 1..n with ties given their average rank (what Spearman's rho needs).
std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> rank(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = (static_cast<double>(i + j) / 2) + 1;
    i = j + 1;
  }
  return rank;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

// The topn highest scores (equal scores: lower row first) as neighbours.
std::vector<Neighbour> best_of(std::vector<std::pair<float, std::int64_t>>& scored, std::int64_t topn,
                               const std::vector<std::string>& words) {
  const auto k = std::min<std::size_t>(scored.size(), static_cast<std::size_t>(std::max<std::int64_t>(topn, 0)));
  std::partial_sort(
      scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
      [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<Neighbour> out;
  for (std::size_t i = 0; i < k; ++i)
    out.push_back({words[static_cast<std::size_t>(scored[i].second)], scored[i].first});
  return out;
}

}  // namespace

KeyedVectors::KeyedVectors(std::vector<std::string> words, std::vector<float> vectors, std::int64_t dim)
    : words_(std::move(words)), vectors_(std::move(vectors)), dim_(dim) {
  EMBED_CHECK(dim > 0, "vector size must be positive, got {}", dim);
  EMBED_CHECK(vectors_.size() == words_.size() * static_cast<std::size_t>(dim), "{} values for {} words of size {}",
              vectors_.size(), words_.size(), dim);
  table_.reserve(words_.size());
  for (const std::string& w : words_) {
    const std::int32_t next = table_.size();
    EMBED_CHECK(table_.intern(w) == next, "word '{}' appears twice", w);
  }
}

void KeyedVectors::normalise() const {
  if (!unit_.empty() || words_.empty()) return;
  unit_ = vectors_;
  for (std::int64_t i = 0; i < size(); ++i) {
    float* v = unit_.data() + i * dim_;
    const float n = std::sqrt(dot(v, v, dim_));
    if (n > 0)
      for (std::int64_t d = 0; d < dim_; ++d) v[d] /= n;
  }
}

std::vector<float> KeyedVectors::unit_combination(const std::vector<std::string>& positive,
                                                  const std::vector<std::string>& negative,
                                                  std::vector<std::int64_t>& used) const {
  normalise();
  std::vector<float> mean(static_cast<std::size_t>(dim_), 0.0f);
  for (const auto* list : {&positive, &negative}) {
    const float sign = list == &positive ? 1.0f : -1.0f;
    for (const std::string& w : *list) {
      const std::int64_t i = index(w);
      EMBED_CHECK(i >= 0, "word '{}' is not in the vocabulary", w);
      used.push_back(i);
      for (std::int64_t d = 0; d < dim_; ++d) mean[static_cast<std::size_t>(d)] += sign * unit_[i * dim_ + d];
    }
  }
  EMBED_CHECK(!used.empty(), "give at least one word");
  const float n = std::sqrt(dot(mean.data(), mean.data(), dim_));
  if (n > 0)
    for (float& x : mean) x /= n;
  return mean;
}

std::vector<Neighbour> KeyedVectors::most_similar(const std::vector<std::string>& positive,
                                                  const std::vector<std::string>& negative, std::int64_t topn,
                                                  std::int64_t restrict_vocab) const {
  std::vector<std::int64_t> used;
  const std::vector<float> q = unit_combination(positive, negative, used);
  return similar_by_vector(q.data(), topn, restrict_vocab, used);
}

std::vector<Neighbour> KeyedVectors::similar_by_vector(const float* v, std::int64_t topn, std::int64_t restrict_vocab,
                                                       const std::vector<std::int64_t>& exclude) const {
  normalise();
  const float norm = std::sqrt(dot(v, v, dim_));
  const float scale = norm > 0 ? 1 / norm : 0.0f;
  const std::int64_t limit = restrict_vocab > 0 ? std::min(restrict_vocab, size()) : size();
  std::vector<std::pair<float, std::int64_t>> scored;
  scored.reserve(static_cast<std::size_t>(limit));
  for (std::int64_t i = 0; i < limit; ++i) {
    if (std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
    scored.emplace_back(dot(v, unit_.data() + i * dim_, dim_) * scale, i);
  }
  return best_of(scored, topn, words_);
}

std::vector<Neighbour> KeyedVectors::analogy_cosmul(const std::string& a, const std::string& b, const std::string& c,
                                                    std::int64_t topn, std::int64_t restrict_vocab) const {
  normalise();
  const std::int64_t ia = index(a), ib = index(b), ic = index(c);
  EMBED_CHECK(ia >= 0 && ib >= 0 && ic >= 0, "analogy words must all be in the vocabulary");
  const std::int64_t limit = restrict_vocab > 0 ? std::min(restrict_vocab, size()) : size();
  std::vector<std::pair<float, std::int64_t>> scored;
  for (std::int64_t i = 0; i < limit; ++i) {
    if (i == ia || i == ib || i == ic) continue;
    const float* v = unit_.data() + i * dim_;
    const auto shifted = [&](std::int64_t j) { return (1 + dot(v, unit_.data() + j * dim_, dim_)) / 2; };
    scored.emplace_back(shifted(ib) * shifted(ic) / (shifted(ia) + 1e-3f), i);
  }
  return best_of(scored, topn, words_);
}

std::string KeyedVectors::doesnt_match(const std::vector<std::string>& words) const {
  std::vector<std::int64_t> used;
  const std::vector<float> mean = unit_combination(words, {}, used);
  std::size_t worst = 0;
  float lowest = 2;
  for (std::size_t i = 0; i < used.size(); ++i) {
    const float s = dot(mean.data(), unit_.data() + used[i] * dim_, dim_);
    if (s < lowest) lowest = s, worst = i;
  }
  return words[worst];
}

AnalogyResult KeyedVectors::evaluate_analogies(const std::string& path, std::int64_t restrict_vocab,
                                               bool cosmul) const {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot open", path));
  normalise();
  const std::int64_t limit = restrict_vocab > 0 ? std::min(restrict_vocab, size()) : size();
  const auto ok = upper_index(words_, limit);
  AnalogyResult r;
  std::string line;
  for (std::int64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == ':') continue;
    std::istringstream fields(line);
    std::string q[4];
    EMBED_CHECK_AS(FormatError, fields >> q[0] >> q[1] >> q[2] >> q[3], "{}:{}: expected four words", path, n);
    std::int64_t id[4];
    bool known = true;
    for (int k = 0; k < 4; ++k) {
      q[k] = upper(q[k]);
      const auto it = ok.find(q[k]);
      known = known && it != ok.end();
      id[k] = known ? it->second : -1;
    }
    if (!known) {
      ++r.skipped;
      continue;
    }
    ++r.total;
    std::vector<Neighbour> best;
    if (cosmul)
      best = analogy_cosmul(words_[static_cast<std::size_t>(id[0])], words_[static_cast<std::size_t>(id[1])],
                            words_[static_cast<std::size_t>(id[2])], 5, limit);
    else
      best = most_similar({words_[static_cast<std::size_t>(id[1])], words_[static_cast<std::size_t>(id[2])]},
                          {words_[static_cast<std::size_t>(id[0])]}, 5, limit);
    // The first answer that is not a query word (in any case) counts.
    for (const Neighbour& b : best) {
      const std::string u = upper(b.word);
      if (u == q[0] || u == q[1] || u == q[2]) continue;
      r.correct += u == q[3];
      break;
    }
  }
  return r;
}

SimilarityResult KeyedVectors::evaluate_similarity(const std::string& path) const {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot open", path));
  normalise();
  const auto ok = upper_index(words_, size());
  std::vector<double> human, model;
  SimilarityResult r;
  std::string line;
  for (std::int64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string a, b;
    double score;
    EMBED_CHECK_AS(FormatError, std::getline(fields, a, '\t') && std::getline(fields, b, '\t') && fields >> score,
                   "{}:{}: expected word TAB word TAB score", path, n);
    const auto ia = ok.find(upper(a)), ib = ok.find(upper(b));
    if (ia == ok.end() || ib == ok.end()) {
      ++r.oov;
      continue;
    }
    human.push_back(score);
    model.push_back(dot(unit_.data() + ia->second * dim_, unit_.data() + ib->second * dim_, dim_));
  }
  r.pairs = static_cast<std::int64_t>(human.size());
  if (r.pairs > 1) r.spearman = pearson(average_ranks(human), average_ranks(model));
  return r;
}

void KeyedVectors::save_word2vec(const std::string& path, bool binary) const {
  write_file_atomic(path, [&](int fd) {
    std::string out = fmt::format("{} {}\n", size(), dim_);
    for (std::int64_t i = 0; i < size(); ++i) {
      out += words_[static_cast<std::size_t>(i)];
      const float* v = vector(i);
      if (binary) {
        out += ' ';
        out.append(reinterpret_cast<const char*>(v), static_cast<std::size_t>(dim_) * sizeof(float));
      } else {
        for (std::int64_t d = 0; d < dim_; ++d) out += fmt::format(" {}", v[d]);  // shortest round-trip form
      }
      out += '\n';
      if (out.size() > (1 << 22)) {
        write_all(fd, out.data(), out.size(), path);
        out.clear();
      }
    }
    write_all(fd, out.data(), out.size(), path);
  });
}

KeyedVectors KeyedVectors::load_word2vec(const std::string& path, bool binary) {
  const auto file = MappedFile::open(path);
  return parse_word2vec(file->data(), file->size(), path, binary);
}

KeyedVectors KeyedVectors::parse_word2vec(const unsigned char* data, std::size_t size, const std::string& path,
                                          bool binary) {
  const char* p = reinterpret_cast<const char*>(data);
  const char* end = p + size;
  const auto header_end = std::find(p, end, '\n');
  EMBED_CHECK_AS(FormatError, header_end != end, "{}: no header line (\"<words> <dimensions>\")", path);
  long long count = -1, dim = -1;
  {
    std::istringstream h(std::string(p, header_end));
    EMBED_CHECK_AS(FormatError, h >> count >> dim && count >= 0 && dim > 0 && dim <= (1 << 20),
                   "{}: bad header line \"{}\"", path, std::string(p, header_end));
  }
  const auto row_bytes = static_cast<std::size_t>(dim) * (binary ? 4 : 2);
  EMBED_CHECK_AS(FormatError, static_cast<std::size_t>(count) <= size / (row_bytes + 1),
                 "{}: {} words of {} dimensions cannot fit in {} bytes (truncated?)", path, count, dim, size);
  p = header_end + 1;
  std::vector<std::string> words;
  std::vector<float> values;
  words.reserve(static_cast<std::size_t>(count));
  values.reserve(static_cast<std::size_t>(count * dim));
  for (long long i = 0; i < count; ++i) {
    while (p < end && (*p == '\n' || *p == '\r')) ++p;
    const char* w = p;
    while (p < end && *p != ' ') ++p;
    EMBED_CHECK_AS(FormatError, p < end && p > w, "{}: entry {} of {} is truncated or has no word", path, i + 1, count);
    words.emplace_back(w, p);
    ++p;
    if (binary) {
      EMBED_CHECK_AS(FormatError, static_cast<std::size_t>(end - p) >= static_cast<std::size_t>(dim) * 4,
                     "{}: vector of '{}' is truncated", path, words.back());
      const std::size_t at = values.size();
      values.resize(at + static_cast<std::size_t>(dim));
      std::memcpy(values.data() + at, p, static_cast<std::size_t>(dim) * 4);
      p += dim * 4;
    } else {
      const char* line_end = std::find(p, end, '\n');
      const std::string line(p, line_end);  // strtof reads "nan" and "inf", which the check below refuses
      const char* q = line.c_str();
      for (long long d = 0; d < dim; ++d) {
        char* next = nullptr;
        const float x = std::strtof(q, &next);
        EMBED_CHECK_AS(FormatError, next != q, "{}: word '{}' has fewer than {} numbers", path, words.back(), dim);
        values.push_back(x);
        q = next;
      }
      p = line_end;
    }
    EMBED_CHECK_AS(FormatError, std::all_of(values.end() - dim, values.end(), [](float x) { return std::isfinite(x); }),
                   "{}: vector of '{}' has a NaN or infinity", path, words.back());
  }
  try {
    return KeyedVectors(std::move(words), std::move(values), dim);
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace embed::text
