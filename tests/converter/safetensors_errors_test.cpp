// Malformed safetensors files: each is refused by the real CLI with exit code 1 and
// a message naming the file and the problem; no output file appears.
#include "converter_test_util.hpp"

namespace ringrt::test {
namespace {

class SafetensorsReaderErrors : public ::testing::Test {
 protected:
  // A valid config for a model whose tensors are irrelevant: reading fails first.
  void SetUp() override { write_config(dir.file("config.json"), small_options(8, 8, 2, 1)); }

  // Writes `bytes` as the weights file and runs the converter on it.
  CommandResult convert_bytes(const std::string& bytes) {
    write_file(weights, bytes);
    return run_convert({"--config", dir.file("config.json"), "--weights", weights, "--output", dir.file("m.rrt")});
  }
  CommandResult convert_header(const std::string& header, const std::string& data) {
    return convert_bytes(raw_safetensors(header, data));
  }
  void TearDown() override {
    EXPECT_EQ(list_dir(dir.path()), (std::vector<std::string>{"config.json", "w.safetensors"}));
  }

  TempDir dir;
  std::string weights = dir.file("w.safetensors");
};

TEST_F(SafetensorsReaderErrors, EmptyFile) {
  EXPECT_TRUE(failed_with(convert_bytes(""), 1, {weights + ": ", "file is 0 bytes, shorter than the 8-byte"}));
}

TEST_F(SafetensorsReaderErrors, FileShorterThan8Bytes) {
  EXPECT_TRUE(failed_with(convert_bytes("abcde"), 1, {weights + ": ", "file is 5 bytes, shorter than the 8-byte"}));
}

TEST_F(SafetensorsReaderErrors, HeaderLengthLargerThanFile) {
  std::string bytes = raw_safetensors("{}", "");
  bytes[0] = 100;  // claims a 100-byte header in a 10-byte file
  EXPECT_TRUE(failed_with(convert_bytes(bytes), 1, {weights + ": truncated or not a safetensors file: header length 100 (its first 8 bytes) is larger than the file (10 bytes)"}));
}

TEST_F(SafetensorsReaderErrors, HugeHeaderLengthDoesNotOverflow) {
  std::string bytes = raw_safetensors("{}", "");
  for (int i = 0; i < 8; ++i) bytes[i] = '\xff';
  EXPECT_TRUE(failed_with(convert_bytes(bytes), 1, {weights + ": truncated or not a safetensors file: header length 18446744073709551615 (its first 8 bytes) is larger"}));
}

TEST_F(SafetensorsReaderErrors, HeaderNotJson) {
  EXPECT_TRUE(failed_with(convert_header("{\"a\": [1, 2", ""), 1, {weights + ": safetensors header is not valid JSON"}));
}

TEST_F(SafetensorsReaderErrors, HeaderNotAnObject) {
  EXPECT_TRUE(failed_with(convert_header("[1, 2]", ""), 1, {weights + ": not a safetensors file: its 6-byte header (after the 8-byte length) does not start with '{'"}));
}

TEST_F(SafetensorsReaderErrors, DuplicateTensorName) {
  const std::string t = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_TRUE(failed_with(convert_header("{\"x\":" + t + ",\"x\":" + t + "}", std::string(4, '\0')), 1,
                          {weights + ": safetensors header has the key 'x' twice"}));
}

TEST_F(SafetensorsReaderErrors, DataOffsetsPastEndOfData) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}})",
                                         std::string(16, '\0')),
                          1, {weights + ": tensor 'a': data_offsets [4, 20] extend past the end of the data section (16 bytes)"}));
}

TEST_F(SafetensorsReaderErrors, OverlappingTensors) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                         R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                         std::string(16, '\0')),
                          1, {weights + ": tensors 'a' [0, 16) and 'b' [8, 16) overlap"}));
}

TEST_F(SafetensorsReaderErrors, OverlapHiddenBehindAnEmptyTensor) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                         R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                                         R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                         std::string(16, '\0')),
                          1, {weights + ": tensors 'a' [0, 16) and 'b' [8, 16) overlap"}));
}

TEST_F(SafetensorsReaderErrors, UnknownDtypeIsNamed) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})",
                                         std::string(8, '\0')),
                          1, {weights + ": tensor 'a': unsupported dtype 'I64' (expected F32, F16 or BF16)"}));
}

TEST_F(SafetensorsReaderErrors, ShapeDisagreesWithByteSize) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F16","shape":[2,3],"data_offsets":[0,16]}})",
                                         std::string(16, '\0')),
                          1, {weights + ": tensor 'a': shape [2, 3] has 6 elements (12 bytes as F16) but data_offsets [0,16] span 16 bytes"}));
}

TEST_F(SafetensorsReaderErrors, ShapeProductOverflow) {
  EXPECT_TRUE(failed_with(
      convert_header(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", std::string(4, '\0')),
      1, {weights + ": tensor 'a': shape [4294967296, 4294967296] is too large"}));
}

TEST_F(SafetensorsReaderErrors, NegativeShapeEntry) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,8]}})",
                                         std::string(8, '\0')),
                          1, {weights + ": tensor 'a': shape entries must be non-negative integers, got -1"}));
}

TEST_F(SafetensorsReaderErrors, NonIntegerShapeEntry) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})",
                                         std::string(8, '\0')),
                          1, {weights + ": tensor 'a': shape entries must be non-negative integers, got 2.5"}));
}

TEST_F(SafetensorsReaderErrors, MissingDtype) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0')), 1,
                          {weights + ": tensor 'a': missing field 'dtype'"}));
}

TEST_F(SafetensorsReaderErrors, MissingShape) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", std::string(8, '\0')), 1,
                          {weights + ": tensor 'a': missing field 'shape'"}));
}

TEST_F(SafetensorsReaderErrors, MissingDataOffsets) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[2]}})", std::string(8, '\0')), 1,
                          {weights + ": tensor 'a': missing field 'data_offsets'"}));
}

TEST_F(SafetensorsReaderErrors, DataOffsetsEndBeforeBegin) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})",
                                         std::string(8, '\0')),
                          1, {weights + ": tensor 'a': data_offsets [8,0] end before they begin"}));
}

TEST_F(SafetensorsReaderErrors, DataOffsetsNotAPair) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})",
                                         std::string(8, '\0')),
                          1, {weights + ": tensor 'a': data_offsets must be [begin, end], got [0]"}));
}

TEST_F(SafetensorsReaderErrors, EntryNotAnObject) {
  EXPECT_TRUE(failed_with(convert_header(R"({"a":[1,2]})", ""), 1, {weights + ": tensor 'a': entry is not a JSON object"}));
}

TEST(SafetensorsReader, MissingFileIsNamed) {
  TempDir dir;
  write_config(dir.file("config.json"), small_options(8, 8, 2, 1));
  const CommandResult r = run_convert({"--config", dir.file("config.json"), "--weights", dir.file("nope.safetensors"),
                                       "--output", dir.file("m.rrt")});
  EXPECT_TRUE(failed_with(r, 1, {dir.file("nope.safetensors") + ": cannot open: No such file or directory"}));
}

TEST(SafetensorsReader, DirectoryIsRefused) {
  TempDir dir;
  write_config(dir.file("config.json"), small_options(8, 8, 2, 1));
  const CommandResult r =
      run_convert({"--config", dir.file("config.json"), "--weights", dir.path(), "--output", dir.file("m.rrt")});
  EXPECT_TRUE(failed_with(r, 1, {dir.path() + ": not a regular file"}));
}

}  // namespace
}  // namespace ringrt::test
