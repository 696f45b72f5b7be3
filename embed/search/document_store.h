// The documents of a collection, kept in SQLite (the embedded default of
// DESIGN.md): id -> title, text, path and free-form JSON metadata, plus a
// small key/value table. One file; every change is one transaction, so a
// crash (kill -9 included) leaves the store as it was before the change or
// as it is after, never between.
//
// The store also records the collection's generation: a counter that the
// same transaction as each batch of documents moves on, so that the index
// file written for that batch and the documents agree (see collection.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace embed::search {

struct Document {
  std::int64_t id = -1;
  std::string title;
  std::string text;
  std::string path;
  std::string metadata = "{}";  // a JSON object
  // The document's sparse (TF-IDF) row, when the collection keeps one:
  // ascending term indices and their weights.
  std::vector<std::int32_t> sparse_terms;
  std::vector<float> sparse_weights;
};

class DocumentStore {
 public:
  // Opens an existing store; IoError when `path` is missing, FormatError
  // when it is not a store of ours.
  static DocumentStore open(const std::string& path, bool writable);
  // Creates a new, empty store at generation 0; `path` must not exist.
  static DocumentStore create(const std::string& path);

  DocumentStore(DocumentStore&& other) noexcept;
  DocumentStore& operator=(DocumentStore&& other) noexcept;
  DocumentStore(const DocumentStore&) = delete;
  DocumentStore& operator=(const DocumentStore&) = delete;
  ~DocumentStore();

  std::int64_t count() const;
  std::int64_t generation() const;
  // One more than the largest id stored (0 when empty).
  std::int64_t next_id() const;

  // Adds the documents and sets the generation, in one transaction. An id
  // below 0, one already stored or one repeated in `docs` is an
  // InvalidArgument and nothing changes.
  void insert(const std::vector<Document>& docs, std::int64_t new_generation);
  // The documents with these ids (with their sparse rows), in the same order; nullopt where absent.
  std::vector<std::optional<Document>> get(const std::vector<std::int64_t>& ids) const;

  // Calls f(id, terms, weights) for every document with a sparse row, in id order.
  void for_each_sparse(
      const std::function<void(std::int64_t, std::span<const std::int32_t>, std::span<const float>)>& f) const;

  std::optional<std::string> meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);

 private:
  DocumentStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void exec(const char* sql) const;
  void unpack_sparse(std::string_view blob, std::int64_t id, std::vector<std::int32_t>& terms,
                     std::vector<float>& weights) const;
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace embed::search
