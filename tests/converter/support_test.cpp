// The writers behind ringrt-synth and tests/support, checked byte for byte
// against hand-written encodings, and the test helpers themselves.
#include <cmath>
#include <cstring>
#include <filesystem>

#include "converter_test_util.hpp"
#include "dtypes.hpp"
#include "safetensors_reader.hpp"

namespace ringrt::test {
namespace {

TEST(SafetensorsWriter, EncodesHeaderAndLittleEndianDataByHand) {
  const std::string image = encode_safetensors({{"b", SourceDType::kF16, {2}, {1.0f, -2.0f}},
                                                {"a", SourceDType::kBF16, {1, 1}, {1.0f}},
                                                {"c", SourceDType::kF32, {1}, {1.5f}}});
  const std::string header =
      R"({"a":{"data_offsets":[4,6],"dtype":"BF16","shape":[1,1]},)"
      R"("b":{"data_offsets":[0,4],"dtype":"F16","shape":[2]},)"
      R"("c":{"data_offsets":[6,10],"dtype":"F32","shape":[1]}})";
  ASSERT_EQ(header.size(), 164u);
  const std::string padded = header + std::string(4, ' ');  // to a multiple of 8
  const std::string expected = std::string("\xa8\0\0\0\0\0\0\0", 8) + padded +
                               std::string("\x00\x3c\x00\xc0" "\x80\x3f" "\x00\x00\xc0\x3f", 10);
  EXPECT_EQ(image, expected);
}

TEST(SafetensorsWriter, Bf16RoundsToNearestEven) {
  // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (0x3F80);
  // 1 + 3*2^-8 is halfway between 0x3F81 and 0x3F82: ties to even (0x3F82).
  EXPECT_EQ(convert::f32_to_bf16(1.0f + 1.0f / 256), 0x3F80);
  EXPECT_EQ(convert::f32_to_bf16(1.0f + 3.0f / 256), 0x3F82);
  EXPECT_EQ(convert::f32_to_bf16(1.0f + 1.5f / 256), 0x3F81);  // above halfway: up
  EXPECT_EQ(convert::f32_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(convert::f32_to_bf16(3.4028235e38f), 0x7F80);  // rounds to inf
  EXPECT_EQ(convert::f32_to_bf16(std::nanf("")) & 0x7FC0, 0x7FC0);
}

TEST(SafetensorsWriter, ValueCountMustMatchShape) {
  EXPECT_THROW(encode_safetensors({{"a", SourceDType::kF32, {2, 2}, {1.0f}}}), std::runtime_error);
  EXPECT_THROW(encode_safetensors({{"a", SourceDType::kF32, {1}, {1.0f}}, {"a", SourceDType::kF32, {1}, {1.0f}}}),
               std::runtime_error);
}

TEST(SafetensorsWriter, WrittenFileReadsBackThroughTheReader) {
  TempDir dir;
  write_safetensors(dir.file("x.safetensors"), {{"w", SourceDType::kF32, {2, 3}, {1, 2, 3, 4, 5, 6}}});
  const convert::SafetensorsFile f(dir.file("x.safetensors"));
  ASSERT_EQ(f.tensors().size(), 1u);
  const convert::SafetensorsTensor* t = f.find("w");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(t->element_count, 6u);
  EXPECT_EQ(convert::load_source(t->dtype, t->data + 4 * 5), 6.0f);
  EXPECT_EQ(f.find("v"), nullptr);
}

TEST(SafetensorsTestSupport, RawImageHasLengthPrefix) {
  EXPECT_EQ(raw_safetensors("{}", "ab"), std::string("\x02\0\0\0\0\0\0\0{}ab", 12));
}

TEST(ConverterTestSupport, RunCommandCapturesExitCodeAndBothStreams) {
  const CommandResult r = run_command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  const CommandResult killed = run_command({"/bin/sh", "-c", "kill -9 $$"});
  EXPECT_EQ(killed.exit_code, 128 + 9);
  EXPECT_EQ(run_command({"/nonexistent/program"}).exit_code, 127);
}

TEST(ConverterTestSupport, TempDirIsRemovedWithItsContents) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    write_file(dir.file("a"), "1");
    std::filesystem::create_directory(dir.file("sub"));
    write_file(dir.file("sub/b"), "2");
    EXPECT_EQ(list_dir(path), (std::vector<std::string>{"a", "sub"}));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ConverterTestSupport, NpyOfOneDimensionUsesATupleWithComma) {
  TempDir dir;
  write_npy_f32(dir.file("a.npy"), {3}, {1.0f, 2.0f, -0.5f});
  const std::string npy = read_file(dir.file("a.npy"));
  // 57 characters; 10 + 57 + '\n' = 68 rounds up to 128.
  EXPECT_EQ(npy.substr(10, 57), "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
  EXPECT_EQ(npy.size(), 128u + 12);
  EXPECT_EQ(npy.substr(128), std::string("\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x00\xbf", 12));
}

}  // namespace
}  // namespace ringrt::test
