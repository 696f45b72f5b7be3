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
fs::path temp_dir() {
  fs::path p = fs::temp_directory_path() / ("embed-test-" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}
}  // namespace

TEST(Safetensors, RoundTripIsZeroCopyAndExact) {
  const auto dir = temp_dir();
  embed::Generator gen(1);
  std::map<std::string, Tensor> in{{"w", Tensor::randn({3, 5}, gen)},
                                   {"ids", Tensor::from_vector<std::int64_t>({1, 2, 3}, {3})}};
  embed::save_safetensors((dir / "a.safetensors").string(), in, {{"k", "v"}});
  const auto st = embed::load_safetensors((dir / "a.safetensors").string());
  EXPECT_EQ(st.metadata.at("k"), "v");
  EXPECT_EQ(st.tensors.at("w").to_vector<float>(), in["w"].to_vector<float>());
  EXPECT_EQ(st.tensors.at("ids").to_vector<std::int64_t>(), in["ids"].to_vector<std::int64_t>());
  fs::remove_all(dir);
}

TEST(Safetensors, EveryPrefixOfAFileIsRejectedCleanly) {
  const auto dir = temp_dir();
  embed::Generator gen(2);
  embed::save_safetensors((dir / "b.safetensors").string(), {{"x", Tensor::randn({4}, gen)}});
  const std::string bytes = embed::read_file((dir / "b.safetensors").string());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(embed::parse_safetensors(reinterpret_cast<const unsigned char*>(bytes.data()), n, nullptr, "cut"),
                 embed::FormatError)
        << "prefix of " << n << " bytes";
  }
  fs::remove_all(dir);
}

TEST(Npy, RoundTripAndTruncation) {
  const auto dir = temp_dir();
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  embed::save_npy((dir / "a.npy").string(), t);
  EXPECT_EQ(embed::load_npy((dir / "a.npy").string()).to_vector<float>(), t.to_vector<float>());
  const std::string bytes = embed::read_file((dir / "a.npy").string());
  for (std::size_t n = 0; n < bytes.size(); n += 7)
    EXPECT_THROW(embed::parse_npy(reinterpret_cast<const unsigned char*>(bytes.data()), n, "cut"), embed::FormatError);
  fs::remove_all(dir);
}

TEST(AtomicWrite, FailureKeepsTheOldFile) {
  const auto dir = temp_dir();
  const std::string path = (dir / "keep.txt").string();
  embed::write_file_atomic(path, [&](int fd) { embed::write_all(fd, "old", 3, path); });
  EXPECT_THROW(embed::write_file_atomic(path,
                                        [&](int fd) {
                                          embed::write_all(fd, "new", 3, path);
                                          throw embed::IoError("disk full");
                                        }),
               embed::IoError);
  EXPECT_EQ(embed::read_file(path), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(Module, StateDictSaveLoad) {
  const auto dir = temp_dir();
  embed::Generator g1(1), g2(2);
  embed::nn::Linear a(3, 2, true, g1), b(3, 2, true, g2);
  a.save((dir / "m.safetensors").string());
  b.load((dir / "m.safetensors").string());
  EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>());
  embed::nn::Linear wrong(4, 2, true, g2);
  EXPECT_THROW(wrong.load((dir / "m.safetensors").string()), embed::InvalidArgument);
  fs::remove_all(dir);
}
