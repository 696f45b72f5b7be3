// File formats under ASan: round trips, atomic writes, and bad files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "embed/io/atomic_file.h"
#include "embed/io/npy.h"
#include "embed/io/safetensors.h"
#include "embed/nn/layers.h"

namespace fs = std::filesystem;
using embed::Tensor;

namespace {
// A fresh directory per test, removed afterwards even when the test fails.
class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = fs::temp_directory_path() /
          ("embed-test-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};
}  // namespace

TEST_F(Files, SafetensorsRoundTripIsZeroCopyAndExact) {
  embed::Generator gen(1);
  std::map<std::string, Tensor> in{{"w", Tensor::randn({3, 5}, gen)},
                                   {"ids", Tensor::from_vector<std::int64_t>({1, 2, 3}, {3})}};
  embed::save_safetensors(path("a.safetensors"), in, {{"k", "v"}});
  const auto st = embed::load_safetensors(path("a.safetensors"));
  EXPECT_EQ(st.metadata.at("k"), "v");
  EXPECT_EQ(st.tensors.at("w").to_vector<float>(), in["w"].to_vector<float>());
  EXPECT_EQ(st.tensors.at("ids").to_vector<std::int64_t>(), in["ids"].to_vector<std::int64_t>());
}

TEST_F(Files, SafetensorsEveryPrefixOfAFileIsRejectedCleanly) {
  embed::Generator gen(2);
  embed::save_safetensors(path("b.safetensors"), {{"x", Tensor::randn({4}, gen)}});
  const std::string bytes = embed::read_file(path("b.safetensors"));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(embed::parse_safetensors(reinterpret_cast<const unsigned char*>(bytes.data()), n, nullptr, "cut"),
                 embed::FormatError)
        << "prefix of " << n << " bytes";
  }
}

TEST_F(Files, NpyRoundTripAndTruncation) {
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  embed::save_npy(path("a.npy"), t);
  EXPECT_EQ(embed::load_npy(path("a.npy")).to_vector<float>(), t.to_vector<float>());
  const std::string bytes = embed::read_file(path("a.npy"));
  for (std::size_t n = 0; n < bytes.size(); n += 7)
    EXPECT_THROW(embed::parse_npy(reinterpret_cast<const unsigned char*>(bytes.data()), n, "cut"), embed::FormatError);
}

TEST_F(Files, AtomicWriteFailureKeepsTheOldFile) {
  const std::string keep = path("keep.txt");
  embed::write_file_atomic(keep, [&](int fd) { embed::write_all(fd, "old", 3, keep); });
  EXPECT_THROW(embed::write_file_atomic(keep,
                                        [&](int fd) {
                                          embed::write_all(fd, "new", 3, keep);
                                          throw embed::IoError("disk full");
                                        }),
               embed::IoError);
  EXPECT_EQ(embed::read_file(keep), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST_F(Files, ModuleStateDictSaveLoad) {
  embed::Generator g1(1), g2(2);
  embed::nn::Linear a(3, 2, true, g1), b(3, 2, true, g2);
  a.save(path("m.safetensors"));
  b.load(path("m.safetensors"));
  EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>());
  embed::nn::Linear wrong(4, 2, true, g2);
  EXPECT_THROW(wrong.load(path("m.safetensors")), embed::InvalidArgument);
}
