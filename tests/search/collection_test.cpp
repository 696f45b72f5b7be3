// Collections and their document store in C++ (so CI runs them under
// ASan/UBSan): build, search in the three modes, add, the all-or-nothing
// rules, the writer's lock and the clean-up of what a crashed writer left.
// The kill -9 test is tests/oracle/test_collection.py (it needs processes).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "embed/core/error.h"
#include "embed/search/collection.h"
#include "embed/text/sentence/word_vector_encoder.h"
#include "embed/text/static/keyed_vectors.h"

namespace {

namespace fs = std::filesystem;
using namespace embed::search;

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("embed_collection_test_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// Five words on five axes (and "boat" near "ship"), as a word2vec text file.
std::string write_model(const fs::path& dir) {
  const std::vector<std::string> words = {"boat", "ship", "snake", "star", "music"};
  std::vector<float> v(words.size() * 4, 0.0f);
  v[0 * 4 + 0] = 1;
  v[1 * 4 + 0] = 0.9f;
  v[1 * 4 + 1] = 0.1f;
  v[2 * 4 + 1] = 1;
  v[3 * 4 + 2] = 1;
  v[4 * 4 + 3] = 1;
  const std::string path = (dir / "model.vec").string();
  embed::text::KeyedVectors(words, v, 4).save_word2vec(path, false);
  return path;
}

Document doc(std::int64_t id, std::string text) {
  Document d;
  d.id = id;
  d.text = std::move(text);
  d.title = fmt::format("t{}", id);  // (GCC 12's -Wrestrict misfires on "t" + std::to_string(id) here)
  return d;
}

CollectionOptions exact_options() {
  CollectionOptions o;
  o.backend = "exact";
  o.progress = false;
  return o;
}

std::string build_small(const fs::path& dir) {
  const std::string coll = (dir / "coll").string();
  std::vector<Document> docs = {doc(10, "a boat on the sea"), doc(11, "the snake and the snake"),
                                doc(12, "a star at night"), doc(13, "music of the spheres")};
  Collection::build(coll, embed::text::text_encoder_for_model(write_model(dir)), docs, exact_options());
  return coll;
}

TEST(Collection, BuildsAndFindsTheMatchingDocumentInEveryMode) {
  const fs::path dir = fresh_dir("build");
  const std::string coll = build_small(dir);
  const Collection c = Collection::open(coll);
  EXPECT_EQ(c.size(), 4);
  EXPECT_EQ(c.generation(), 1);
  EXPECT_EQ(c.index().size(), 4);
  EXPECT_TRUE(c.has_sparse());
  for (SearchMode mode : {SearchMode::dense, SearchMode::sparse, SearchMode::hybrid}) {
    const auto hits = c.search({"snake", "star night"}, 2, mode);
    ASSERT_EQ(hits.size(), 2u);
    ASSERT_FALSE(hits[0].empty());
    EXPECT_EQ(hits[0][0].id, 11);
    EXPECT_EQ(hits[0][0].document.title, "t11");
    EXPECT_EQ(hits[0][0].rank, 1);
    EXPECT_EQ(hits[1][0].id, 12);
  }
  // "ship" is not in any document: dense search still finds the boat.
  const auto ship = c.search({"ship"}, 1, SearchMode::dense);
  ASSERT_EQ(ship[0].size(), 1u);
  EXPECT_EQ(ship[0][0].id, 10);
  EXPECT_TRUE(c.search({"ship"}, 1, SearchMode::sparse)[0].empty());
  // No directory is left behind but the collection.
  std::int64_t entries = std::distance(fs::directory_iterator(dir), fs::directory_iterator());
  EXPECT_EQ(entries, 2);                                   // model.vec and coll
  EXPECT_THROW(build_small(dir), embed::InvalidArgument);  // exists
}

TEST(Collection, AddMovesToTheNextGenerationAndKeepsOneIndexFile) {
  const fs::path dir = fresh_dir("add");
  const std::string coll = build_small(dir);
  {
    Collection c = Collection::open(coll, true, false);
    EXPECT_EQ(c.add({doc(-1, "a ship"), doc(-1, "sea, night: 123")}), 1);  // the second has no vector
    EXPECT_EQ(c.generation(), 2);
    EXPECT_EQ(c.size(), 6);
    EXPECT_THROW(Collection::open(coll, true, false), embed::InvalidArgument);  // one writer at a time
  }
  const Collection c = Collection::open(coll);
  EXPECT_EQ(c.size(), 6);
  EXPECT_EQ(c.index().size(), 5);
  EXPECT_TRUE(fs::exists(fs::path(coll) / "dense-2.idx"));
  EXPECT_FALSE(fs::exists(fs::path(coll) / "dense-1.idx"));
  // New ids follow the largest; the document without a vector is found by
  // its words (words the TF-IDF vocabulary fitted at build time knows).
  const auto hits = c.search({"sea night"}, 1, SearchMode::sparse);
  ASSERT_EQ(hits[0].size(), 1u);
  EXPECT_EQ(hits[0][0].id, 15);
  // "a ship" has the direction of "ship" (SIF's mean and projection are linear).
  const auto ship = c.search({"ship"}, 5, SearchMode::dense)[0];
  const auto it = std::find_if(ship.begin(), ship.end(), [](const Hit& h) { return h.id == 14; });
  ASSERT_NE(it, ship.end());
  EXPECT_NEAR(it->score, 1.0, 1e-5);
  EXPECT_NEAR(ship[0].score, 1.0, 1e-5);
}

TEST(Collection, AFailedAddChangesNothing) {
  const fs::path dir = fresh_dir("failed");
  const std::string coll = build_small(dir);
  Collection c = Collection::open(coll, true, false);
  EXPECT_THROW(c.add({doc(20, "boat"), doc(11, "star")}), embed::InvalidArgument);  // 11 exists
  EXPECT_THROW(c.add({doc(21, "boat"), doc(21, "star")}), embed::InvalidArgument);  // twice in the batch
  EXPECT_EQ(c.size(), 4);
  EXPECT_EQ(c.generation(), 1);
  EXPECT_EQ(c.index().size(), 4);
  EXPECT_FALSE(fs::exists(fs::path(coll) / "dense-2.idx"));
  // Still usable afterwards.
  EXPECT_EQ(c.add({doc(20, "boat")}), 1);
  EXPECT_EQ(c.size(), 5);
}

TEST(Collection, AWriterRemovesWhatACrashedWriterLeft) {
  const fs::path dir = fresh_dir("orphans");
  const std::string coll = build_small(dir);
  fs::copy_file(fs::path(coll) / "dense-1.idx", fs::path(coll) / "dense-2.idx");  // written, never committed
  std::ofstream(fs::path(coll) / "dense-3.idx.tmp.AbC123") << "half";
  {
    const Collection reader = Collection::open(coll);  // readers touch nothing
    EXPECT_EQ(reader.generation(), 1);
    EXPECT_TRUE(fs::exists(fs::path(coll) / "dense-2.idx"));
  }
  const Collection writer = Collection::open(coll, true, false);
  EXPECT_EQ(writer.generation(), 1);
  EXPECT_FALSE(fs::exists(fs::path(coll) / "dense-2.idx"));
  EXPECT_FALSE(fs::exists(fs::path(coll) / "dense-3.idx.tmp.AbC123"));
  EXPECT_TRUE(fs::exists(fs::path(coll) / "dense-1.idx"));
}

TEST(Collection, BadCollectionsAndRequests) {
  const fs::path dir = fresh_dir("bad");
  const std::string coll = build_small(dir);
  const Collection c = Collection::open(coll);
  EXPECT_THROW(c.search({"boat"}, 0), embed::InvalidArgument);
  EXPECT_THROW(parse_search_mode("fuzzy"), embed::InvalidArgument);
  EXPECT_THROW(Collection::open((dir / "missing").string()), embed::IoError);
  fs::remove(fs::path(coll) / "dense-1.idx");
  EXPECT_THROW(Collection::open(coll), embed::FormatError);
  std::ofstream(fs::path(coll) / "manifest.json") << "{\"format\": \"something else\"}";
  EXPECT_THROW(Collection::open(coll), embed::FormatError);
  // A failed build leaves nothing behind.
  const std::string model = write_model(dir);
  EXPECT_THROW(Collection::build((dir / "dup").string(), embed::text::text_encoder_for_model(model),
                                 {doc(1, "boat"), doc(1, "star")}, exact_options()),
               embed::InvalidArgument);
  EXPECT_THROW(
      Collection::build((dir / "none").string(), embed::text::text_encoder_for_model(model), {}, exact_options()),
      embed::InvalidArgument);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
}

TEST(Collection, HnswBackendAndNoSparseRows) {
  const fs::path dir = fresh_dir("hnsw");
  CollectionOptions o;
  o.progress = false;
  o.sparse = false;
  const std::string coll = (dir / "coll").string();
  Collection::build(coll, embed::text::text_encoder_for_model(write_model(dir)),
                    {doc(0, "boat"), doc(1, "snake"), doc(2, "star")}, o);
  Collection c = Collection::open(coll);
  EXPECT_EQ(c.index().kind(), "hnsw");
  EXPECT_FALSE(c.has_sparse());
  EXPECT_EQ(c.search({"ship"}, 1)[0][0].id, 0);
  EXPECT_THROW(c.search({"ship"}, 1, SearchMode::hybrid), embed::InvalidArgument);
  c.set_ef_search(10);
}

TEST(HitsJson, MetadataThatIsNotJsonComesBackAsAString) {
  Hit good, bad;
  good.document.metadata = R"({"a": 1})";
  bad.document.metadata = "not json {";
  const auto j = hits_json({good, bad});
  EXPECT_EQ(j[0]["metadata"]["a"], 1);
  EXPECT_EQ(j[1]["metadata"], "not json {");
  EXPECT_NO_THROW((void)j.dump());
}

TEST(GroupByTitle, OneResultPerTitleRankedByItsBestEntry) {
  std::vector<Hit> hits;
  const std::vector<std::string> titles = {"Salt", "Boat", "salt", "", "Oar", "Boat", "", "SALT"};
  for (std::size_t i = 0; i < titles.size(); ++i) {
    Hit h;
    h.rank = static_cast<std::int64_t>(i + 1);
    h.id = static_cast<std::int64_t>(100 + i);
    h.score = 1.0 - 0.1 * static_cast<double>(i);
    h.document.title = titles[i];
    hits.push_back(h);
  }
  const auto groups = group_by_title(hits, 10, 2);
  ASSERT_EQ(groups.size(), 5u);  // Salt, Boat, (untitled 103), Oar, (untitled 106)
  EXPECT_EQ(groups[0].key, "Salt");
  EXPECT_EQ(groups[0].size, 3);
  ASSERT_EQ(groups[0].entries.size(), 2u);
  EXPECT_EQ(groups[0].entries[0].id, 100);
  EXPECT_EQ(groups[0].entries[1].id, 102);
  EXPECT_DOUBLE_EQ(groups[0].score, 1.0);
  EXPECT_EQ(groups[1].key, "Boat");
  EXPECT_EQ(groups[1].size, 2);
  EXPECT_EQ(groups[2].entries[0].id, 103);
  EXPECT_EQ(groups[3].key, "Oar");
  EXPECT_EQ(groups[4].entries[0].id, 106);
  for (std::size_t g = 0; g < groups.size(); ++g) EXPECT_EQ(groups[g].rank, static_cast<std::int64_t>(g + 1));
  // k groups at most; entries of a kept group still count after the k-th opens.
  const auto two = group_by_title(hits, 2, 1);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].size, 3);
  EXPECT_EQ(two[0].entries.size(), 1u);
  EXPECT_THROW((void)group_by_title(hits, 0, 1), embed::InvalidArgument);
  const auto j = groups_json(groups);
  EXPECT_EQ(j[0]["matched_entries"], 3);
  EXPECT_EQ(j[0]["entries"][1]["id"], 102);
}

TEST(ReciprocalRankFusion, FollowsTheFormula) {
  // a: ranks 1 and 2 -> 1/61 + 1/62; b: 2 and 1 -> the same; c: 3 in one list.
  const auto fused = reciprocal_rank_fusion({{7, 8, 9}, {8, 7}}, 3);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].first, 7);  // tie with 8, smaller id first
  EXPECT_EQ(fused[1].first, 8);
  EXPECT_EQ(fused[2].first, 9);
  EXPECT_DOUBLE_EQ(fused[0].second, 1.0 / 61 + 1.0 / 62);
  EXPECT_DOUBLE_EQ(fused[2].second, 1.0 / 63);
  EXPECT_EQ(reciprocal_rank_fusion({{1, 2, 3}}, 2).size(), 2u);
  // Weighted: the second list counts twice, so 8 (its first) wins.
  const auto weighted = reciprocal_rank_fusion({{7, 8, 9}, {8, 7}}, 3, 60.0, {1.0, 2.0});
  EXPECT_EQ(weighted[0].first, 8);
  EXPECT_DOUBLE_EQ(weighted[0].second, 1.0 / 62 + 2.0 / 61);
  EXPECT_THROW((void)reciprocal_rank_fusion({{1}}, 1, 60.0, {1.0, 2.0}), embed::InvalidArgument);
  EXPECT_THROW((void)reciprocal_rank_fusion({{1}}, 1, 60.0, {-1.0}), embed::InvalidArgument);
}

TEST(DocumentStore, KeepsDocumentsSparseRowsAndMeta) {
  const fs::path dir = fresh_dir("store");
  const std::string path = (dir / "docs.sqlite").string();
  {
    DocumentStore s = DocumentStore::create(path);
    EXPECT_THROW(DocumentStore::create(path), embed::InvalidArgument);
    Document a = doc(3, "héllo\nworld");
    a.metadata = R"({"lang":"en"})";
    a.sparse_terms = {1, 5};
    a.sparse_weights = {0.5f, -0.25f};
    s.insert({a, doc(9, "")}, 1);
    EXPECT_THROW(s.insert({doc(4, "x"), doc(3, "y")}, 2), embed::InvalidArgument);  // 3 exists: nothing added
    EXPECT_THROW(s.insert({doc(-2, "x")}, 2), embed::InvalidArgument);
    s.set_meta("k", "v");
  }
  const DocumentStore s = DocumentStore::open(path, false);
  EXPECT_EQ(s.count(), 2);
  EXPECT_EQ(s.generation(), 1);
  EXPECT_EQ(s.next_id(), 10);
  EXPECT_EQ(s.meta("k").value_or(""), "v");
  EXPECT_FALSE(s.meta("absent").has_value());
  const auto got = s.get({3, 4, 9});
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(got[0]->text, "héllo\nworld");
  EXPECT_EQ(got[0]->metadata, R"({"lang":"en"})");
  EXPECT_FALSE(got[1].has_value());
  EXPECT_EQ(got[2]->text, "");
  int rows = 0;
  s.for_each_sparse([&](std::int64_t id, std::span<const std::int32_t> t, std::span<const float> w) {
    ++rows;
    EXPECT_EQ(id, 3);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[1], 5);
    EXPECT_EQ(w[1], -0.25f);
  });
  EXPECT_EQ(rows, 1);
  std::ofstream(dir / "not.sqlite") << "plain text, not a database";
  EXPECT_THROW(DocumentStore::open((dir / "not.sqlite").string(), false), embed::FormatError);
  EXPECT_THROW(DocumentStore::open((dir / "missing.sqlite").string(), false), embed::IoError);
}

}  // namespace
