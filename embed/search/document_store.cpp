#include "embed/search/document_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <bit>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "embed/core/error.h"
#include "embed/io/little_endian.h"

namespace embed::search {

namespace {

constexpr std::string_view kApplication = "embed.cpp document store";
constexpr int kSchemaVersion = 1;

// A prepared statement that finalises itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v), "bind"); }
  void bind_blob(int i, const std::string& b) {
    check(sqlite3_bind_blob(stmt_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT), "bind");
  }
  void bind(int i, std::string_view s) {
    check(sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT), "bind");
  }
  // True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail("step");
    return false;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void check(int rc, const char* what) {
    if (rc != SQLITE_OK) fail(what);
  }
  [[noreturn]] void fail(const char* what) {
    throw IoError(fmt::format("{}: SQLite {} failed: {}", path_, what, sqlite3_errmsg(db_)));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& path_;
};

sqlite3* open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw IoError(fmt::format("{}: cannot open the document store: {}", path, message));
  }
  sqlite3_busy_timeout(db, 10000);  // a reader waits for a writer's commit rather than failing
  return db;
}

// A sparse row as a blob: the term indices (int32) then the weights
// (float32), little-endian; the count is the blob's size / 8.
std::string pack_sparse(const Document& d) {
  EMBED_CHECK(d.sparse_terms.size() == d.sparse_weights.size(), "document {}: {} sparse terms but {} weights", d.id,
              d.sparse_terms.size(), d.sparse_weights.size());
  std::string b;
  for (std::int32_t t : d.sparse_terms) append_le(b, static_cast<std::uint32_t>(t), 4);
  for (float w : d.sparse_weights) append_le(b, std::bit_cast<std::uint32_t>(w), 4);
  return b;
}

}  // namespace

void DocumentStore::exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string m = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    throw IoError(fmt::format("{}: SQLite failed: {}", path_, m));
  }
}

DocumentStore DocumentStore::create(const std::string& path) {
  struct stat st;
  EMBED_CHECK(stat(path.c_str(), &st) != 0, "{}: already exists; a new document store needs a new file", path);
  DocumentStore store(open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE), path);
  // The rollback journal (SQLite's default) with synchronous=FULL: a commit
  // is on disk when insert() returns, and an interrupted one is rolled back
  // by the next open.
  store.exec(
      "PRAGMA synchronous=FULL;"
      "BEGIN;"
      "CREATE TABLE documents(id INTEGER PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL,"
      " path TEXT NOT NULL, metadata TEXT NOT NULL, sparse BLOB);"
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "COMMIT;");
  store.set_meta("application", std::string(kApplication));
  store.set_meta("schema_version", std::to_string(kSchemaVersion));
  store.set_meta("generation", "0");
  return store;
}

DocumentStore DocumentStore::open(const std::string& path, bool writable) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw IoError(fmt::format("{}: no such document store", path));
  // Read-write even for readers when the file allows it: only a writable
  // connection can roll back the journal a crashed writer left behind.
  sqlite3* db = nullptr;
  try {
    db = open_db(path, SQLITE_OPEN_READWRITE);
  } catch (const IoError&) {
    if (writable) throw;
    db = open_db(path, SQLITE_OPEN_READONLY);
  }
  DocumentStore store(db, path);
  std::optional<std::string> app;
  try {
    app = store.meta("application");
  } catch (const IoError&) {
    // not a database, or one without our tables
  }
  EMBED_CHECK_AS(FormatError, app && *app == kApplication, "{}: not an embed.cpp document store", path);
  const auto version = store.meta("schema_version");
  EMBED_CHECK_AS(Unsupported, version && *version == std::to_string(kSchemaVersion),
                 "{}: document store schema version {} (this build reads {})", path, version.value_or("?"),
                 kSchemaVersion);
  if (writable) store.exec("PRAGMA synchronous=FULL;");
  return store;
}

DocumentStore::DocumentStore(DocumentStore&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

DocumentStore& DocumentStore::operator=(DocumentStore&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

DocumentStore::~DocumentStore() { sqlite3_close(db_); }

std::int64_t DocumentStore::count() const {
  Statement s(db_, "SELECT count(*) FROM documents", path_);
  s.step();
  return s.integer(0);
}

std::int64_t DocumentStore::next_id() const {
  Statement s(db_, "SELECT coalesce(max(id) + 1, 0) FROM documents", path_);
  s.step();
  return s.integer(0);
}

std::int64_t DocumentStore::generation() const {
  const auto g = meta("generation");
  EMBED_CHECK_AS(FormatError, g.has_value(), "{}: no generation recorded", path_);
  try {
    return std::stoll(*g);
  } catch (const std::exception&) {
    throw FormatError(fmt::format("{}: generation '{}' is not a number", path_, *g));
  }
}

void DocumentStore::insert(const std::vector<Document>& docs, std::int64_t new_generation) {
  std::unordered_set<std::int64_t> seen;
  for (const Document& d : docs) {
    EMBED_CHECK(d.id >= 0, "document id {} is negative", d.id);
    EMBED_CHECK(seen.insert(d.id).second, "document id {} appears twice in the batch", d.id);
  }
  exec("BEGIN IMMEDIATE;");
  try {
    Statement exists(db_, "SELECT 1 FROM documents WHERE id = ?", path_);
    Statement add(db_, "INSERT INTO documents(id, title, text, path, metadata, sparse) VALUES(?, ?, ?, ?, ?, ?)",
                  path_);
    for (const Document& d : docs) {
      exists.bind(1, d.id);
      EMBED_CHECK(!exists.step(), "document id {} is already in {}", d.id, path_);
      exists.reset();
      add.bind(1, d.id);
      add.bind(2, d.title);
      add.bind(3, d.text);
      add.bind(4, d.path);
      add.bind(5, d.metadata);
      if (!d.sparse_terms.empty()) add.bind_blob(6, pack_sparse(d));
      add.step();
      add.reset();
    }
    Statement gen(db_, "UPDATE meta SET value = ? WHERE key = 'generation'", path_);
    gen.bind(1, std::to_string(new_generation));
    gen.step();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
  exec("COMMIT;");
}

std::vector<std::optional<Document>> DocumentStore::get(const std::vector<std::int64_t>& ids) const {
  std::vector<std::optional<Document>> out;
  out.reserve(ids.size());
  Statement s(db_, "SELECT title, text, path, metadata, sparse FROM documents WHERE id = ?", path_);
  for (std::int64_t id : ids) {
    s.bind(1, id);
    if (s.step()) {
      Document d;
      d.id = id;
      d.title = s.text(0);
      d.text = s.text(1);
      d.path = s.text(2);
      d.metadata = s.text(3);
      if (!s.is_null(4)) unpack_sparse(s.blob(4), id, d.sparse_terms, d.sparse_weights);
      out.push_back(std::move(d));
    } else {
      out.push_back(std::nullopt);
    }
    s.reset();
  }
  return out;
}

void DocumentStore::for_each_sparse(
    const std::function<void(std::int64_t, std::span<const std::int32_t>, std::span<const float>)>& f) const {
  Statement s(db_, "SELECT id, sparse FROM documents WHERE sparse IS NOT NULL ORDER BY id", path_);
  std::vector<std::int32_t> terms;
  std::vector<float> weights;
  while (s.step()) {
    unpack_sparse(s.blob(1), s.integer(0), terms, weights);
    f(s.integer(0), terms, weights);
  }
}

void DocumentStore::unpack_sparse(std::string_view b, std::int64_t id, std::vector<std::int32_t>& terms,
                                  std::vector<float>& weights) const {
  EMBED_CHECK_AS(FormatError, b.size() % 8 == 0, "{}: document {}: sparse row of {} bytes", path_, id, b.size());
  const std::size_t n = b.size() / 8;
  terms.resize(n);
  weights.resize(n);
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  for (std::size_t i = 0; i < n; ++i) {
    terms[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(read_le(p + 4 * i, 4)));
    weights[i] = std::bit_cast<float>(static_cast<std::uint32_t>(read_le(p + 4 * (n + i), 4)));
  }
}

std::optional<std::string> DocumentStore::meta(const std::string& key) const {
  Statement s(db_, "SELECT value FROM meta WHERE key = ?", path_);
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void DocumentStore::set_meta(const std::string& key, const std::string& value) {
  Statement s(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
              path_);
  s.bind(1, key);
  s.bind(2, value);
  s.step();
}

}  // namespace embed::search
