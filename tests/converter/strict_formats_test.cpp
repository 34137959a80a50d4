// Strict formats, from the issue "Nothing lost, nothing silently wrong": bytes after
// a JSON text, holes and trailing bytes in a safetensors data section, extra tensors
// of any safetensors dtype, file bytes echoed in messages, and files of another type.
#include <nlohmann/json.hpp>

#include <filesystem>

#include "converter_test_util.hpp"

namespace ringrt::test {
namespace {

// A safetensors image whose header is `header` (serialised, padded with spaces
// to 8 bytes like the reference writer), then `data`.
std::string image_of(const nlohmann::json& header, const std::string& data, const std::string& padding = "") {
  std::string text = header.dump() + padding;
  text.append((8 - text.size() % 8) % 8, ' ');
  return raw_safetensors(text, data);
}

// A convertible model's weights plus extra tensors appended to the data section.
struct ExtraTensor {
  std::string name, dtype;
  std::vector<uint64_t> shape;
  std::size_t bytes;
};
std::string weights_with_extras(const std::vector<SafetensorsEntry>& entries, const std::vector<ExtraTensor>& extras) {
  const std::string base = encode_safetensors(entries);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(base[static_cast<std::size_t>(i)]);
  nlohmann::json header = nlohmann::json::parse(base.substr(8, n));
  std::string data = base.substr(8 + n);
  for (const ExtraTensor& e : extras) {
    header[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {data.size(), data.size() + e.bytes}}};
    data.append(e.bytes, '\x01');
  }
  return image_of(header, data);
}

class StrictFormats : public ::testing::Test {
 protected:
  CommandResult convert(const std::string& weights_bytes, std::vector<std::string> extra = {}) {
    write_file(files.weights, weights_bytes);
    std::vector<std::string> args = {"--config", files.config, "--weights", files.weights, "--output", files.output};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_convert(args);
  }
  CommandResult convert_config(const std::string& config_bytes) {
    write_file(files.config, config_bytes);
    write_safetensors(files.weights, files.entries);
    return run_convert({"--config", files.config, "--weights", files.weights, "--output", files.output});
  }

  SmallModelFiles files{small_options(6, 8, 2, 1)};
};

const nlohmann::json kOneTensor = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}};

// ---- bytes after the JSON text ----------------------------------------------------

TEST_F(StrictFormats, ConfigFollowedByNulAndGarbageIsRefused) {
  const std::string text = "{\"embed_dim\": 6, \"hidden_size\": 8, \"num_heads\": 2, \"num_layers\": 1}";
  EXPECT_TRUE(failed_with(convert_config(text + std::string("\0garbage", 8)), 1,
                          {files.config + ": config is not valid JSON: a NUL byte (\\x00) at file offset " +
                           std::to_string(text.size())}));
  EXPECT_FALSE(std::filesystem::exists(files.output));
  const CommandResult clean = convert_config(text + " \n");  // JSON whitespace after the text is fine
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
}

TEST_F(StrictFormats, SafetensorsHeaderPaddedWithNulIsRefusedWithSpacesAccepted) {
  const std::string header = kOneTensor.dump();
  const std::string bytes = raw_safetensors(header + std::string("\0\0junk", 6), std::string(8, '\0'));
  EXPECT_TRUE(failed_with(convert(bytes), 1,
                          {files.weights + ": safetensors header is not valid JSON: a NUL byte (\\x00) at file offset " +
                           std::to_string(8 + header.size())}));
  // Padding with spaces is legal: the model's weights with 16 more of them convert.
  const std::string image = weights_with_extras(files.entries, {});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(image[static_cast<std::size_t>(i)]);
  const CommandResult spaced = convert(raw_safetensors(image.substr(8, n) + std::string(16, ' '), image.substr(8 + n)));
  EXPECT_EQ(spaced.exit_code, 0) << spaced.err;
}

// ---- the data section: every byte belongs to exactly one tensor ------------------

TEST_F(StrictFormats, HoleBetweenTensorsIsNamedWithItsOffsets) {
  const nlohmann::json header = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}},
                                 {"b", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {16, 24}}}}};
  const std::string bytes = image_of(header, std::string(24, '\0'));
  const std::size_t data_start = bytes.size() - 24;
  EXPECT_TRUE(failed_with(convert(bytes), 1,
                          {files.weights + ": bytes [8, 16) of the data section (file offsets [" +
                               std::to_string(data_start + 8) + ", " + std::to_string(data_start + 16) +
                               ")) belong to no tensor: a gap between 'a' [0, 8) and 'b' [16, 24)",
                           "allows no gaps"}));
}

TEST_F(StrictFormats, TrailingBytesAfterTheLastTensorAreNamed) {
  EXPECT_TRUE(failed_with(convert(image_of(kOneTensor, std::string(12, '\0'))), 1,
                          {files.weights + ": bytes [8, 12) of the data section", "belong to no tensor: they follow the last tensor, 'a' [0, 8)"}));
}

TEST_F(StrictFormats, BytesBeforeTheFirstTensorAreNamed) {
  const nlohmann::json header = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {4, 12}}}}};
  EXPECT_TRUE(failed_with(convert(image_of(header, std::string(12, '\0'))), 1,
                          {files.weights + ": bytes [0, 4) of the data section", "they come before the first tensor, 'a' [4, 12)"}));
}

TEST_F(StrictFormats, DataWithoutAnyTensorIsNamed) {
  EXPECT_TRUE(failed_with(convert(image_of(nlohmann::json::object(), std::string(8, '\0'))), 1,
                          {files.weights + ": bytes [0, 8) of the data section", "the header names no tensor that holds data"}));
}

// ---- --allow-extra skips a tensor of any safetensors dtype -----------------------

TEST_F(StrictFormats, AllowExtraSkipsTensorsOfEveryOtherDtype) {
  const std::vector<ExtraTensor> extras = {{"optimizer.step", "I64", {}, 8},   {"loss_scale", "F64", {2}, 16},
                                           {"mask", "U8", {3}, 3},             {"flags", "BOOL", {2}, 2},
                                           {"packed", "F4", {4}, 2},           {"fp8", "F8_E4M3", {2}, 2},
                                           {"counts", "U64", {1}, 8},          {"z", "C64", {1}, 8}};
  const std::string bytes = weights_with_extras(files.entries, extras);
  const CommandResult r = convert(bytes, {"--allow-extra"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("ringrt-convert: note: ignoring 8 extra tensor(s) in " + files.weights), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("optimizer.step"), std::string::npos) << r.err;
  // The model is the one the weights alone give.
  write_safetensors(files.weights, files.entries);
  const std::string alone = files.dir.file("alone.rrt");
  ASSERT_EQ(run_convert({"--config", files.config, "--weights", files.weights, "--output", alone}).exit_code, 0);
  EXPECT_EQ(read_file(files.output), read_file(alone));
  // A tensor the model needs is still refused in another dtype, --allow-extra or not.
  std::vector<SafetensorsEntry> entries = files.entries;
  const SafetensorsEntry last = entries.back();
  entries.pop_back();
  const CommandResult i32 =
      convert(weights_with_extras(entries, {{last.name, "I32", last.shape, last.values.size() * 4}}), {"--allow-extra"});
  EXPECT_TRUE(failed_with(i32, 1, {files.weights + ": tensor '" + last.name + "': unsupported dtype 'I32' (expected F32, F16 or BF16)"}));
}

TEST_F(StrictFormats, ExtraTensorOfOtherDtypeWithoutAllowExtraSaysWhatToDo) {
  const std::string bytes = weights_with_extras(files.entries, {{"optimizer.step", "I64", {}, 8}});
  EXPECT_TRUE(failed_with(convert(bytes), 1,
                          {files.weights + ": tensor 'optimizer.step': unsupported dtype 'I64' (expected F32, F16 or BF16)",
                           "pass --allow-extra to skip it"}));
}

TEST_F(StrictFormats, UnknownDtypeIsNamedWithTheValidOnes) {
  const nlohmann::json header = {{"a", {{"dtype", "Q4_K"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}};
  EXPECT_TRUE(failed_with(convert(image_of(header, std::string(8, '\0')), {"--allow-extra"}), 1,
                          {files.weights + ": tensor 'a': unknown dtype 'Q4_K' (a safetensors dtype is one of BOOL, F4,"}));
}

TEST_F(StrictFormats, SubByteTensorMustFillWholeBytes) {
  const nlohmann::json header = {{"a", {{"dtype", "F4"}, {"shape", {3}}, {"data_offsets", {0, 2}}}}};
  EXPECT_TRUE(failed_with(convert(image_of(header, std::string(2, '\0')), {"--allow-extra"}), 1,
                          {files.weights + ": tensor 'a': shape [3] has 3 elements of F4 (4 bits each), not a whole number of bytes"}));
}

TEST_F(StrictFormats, KeyRepeatedInsideAnEntryIsRefused) {
  const std::string text = R"({"a":{"dtype":"F32","shape":[2],"dtype":"F16","data_offsets":[0,8]}})";
  EXPECT_TRUE(failed_with(convert(raw_safetensors(text, std::string(8, '\0'))), 1,
                          {files.weights + ": safetensors header has the key 'dtype' twice in the value of 'a'"}));
}

// ---- bytes of the file are escaped in messages -----------------------------------

bool has_raw_control_bytes(const std::string& text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n') || c == 0x7f || (c >= 0x80 && c < 0xa0)) return true;
  }
  return false;
}

TEST_F(StrictFormats, EscapeSequenceAndNulInAConfigKeyAreEscaped) {
  const CommandResult r = convert_config("{\"embed_dim\": 6, \"\\u001b[31mred\\u0000tail\": 1}");
  EXPECT_TRUE(failed_with(r, 1, {files.config + ": unknown option '\\x1b[31mred\\x00tail' (expected architecture,"}));
  EXPECT_FALSE(has_raw_control_bytes(r.err)) << r.err;
}

TEST_F(StrictFormats, ByteWhereJsonParsingStoppedIsEscaped) {
  const CommandResult r = convert_config(std::string("{\"embed_dim\": 6\x9b\x1b[2J}"));
  EXPECT_TRUE(failed_with(r, 1, {files.config + ": config is not valid JSON:", "\\x9b"}));
  EXPECT_FALSE(has_raw_control_bytes(r.err)) << r.err;
}

TEST_F(StrictFormats, TensorNamesWithControlBytesAreEscaped) {
  const std::string bytes = weights_with_extras(files.entries, {{"evil\x1b]0;title\x07", "F32", {1}, 4}});
  const CommandResult r = convert(bytes);
  EXPECT_TRUE(failed_with(r, 1, {"1 unexpected tensor(s) not used by the model: evil\\x1b]0;title\\x07"}));
  EXPECT_FALSE(has_raw_control_bytes(r.err)) << r.err;
  // Valid UTF-8 stays as it is: only what would not print is escaped.
  const std::string utf8 = weights_with_extras(files.entries, {{"gewicht_\xc3\xa4", "F32", {1}, 4}});
  EXPECT_TRUE(failed_with(convert(utf8), 1, {"not used by the model: gewicht_\xc3\xa4 (pass --allow-extra"}));
}

// ---- a file of another type says so before quoting its numbers -------------------

TEST_F(StrictFormats, ConfigGivenAsWeightsIsNotASafetensorsFile) {
  const std::string text = "{\"embed_dim\": 6, \"hidden_size\": 8, \"num_heads\": 2, \"num_layers\": 1}";
  EXPECT_TRUE(failed_with(convert(text), 1, {files.weights + ": not a safetensors file: header length "}));
}

TEST_F(StrictFormats, NpyGivenAsWeightsIsNotASafetensorsFile) {
  write_npy_f32(files.dir.file("x.npy"), {2, 6}, std::vector<float>(12, 1.0f));
  EXPECT_TRUE(failed_with(convert(read_file(files.dir.file("x.npy"))), 1, {files.weights + ": not a safetensors file: "}));
}

TEST_F(StrictFormats, ModelGivenAsWeightsIsNotASafetensorsFile) {
  write_safetensors(files.weights, files.entries);
  ASSERT_EQ(run_convert({"--config", files.config, "--weights", files.weights, "--output", files.output}).exit_code, 0);
  EXPECT_TRUE(failed_with(convert(read_file(files.output)), 1, {files.weights + ": not a safetensors file: "}));
}

TEST_F(StrictFormats, HeaderThatIsNoJsonObjectIsNotASafetensorsFile) {
  EXPECT_TRUE(failed_with(convert(raw_safetensors("[1, 2, 3]", "")), 1,
                          {files.weights + ": not a safetensors file: its 9-byte header (after the 8-byte length) does not start with '{'"}));
}

TEST_F(StrictFormats, SafetensorsGivenToInspectIsNotARingrtModel) {
  write_safetensors(files.weights, files.entries);
  EXPECT_TRUE(failed_with(run_convert({"inspect", files.weights}), 1,
                          {files.weights + ": not a ringrt model (.rrt) file: bytes 8 to 11 are not its identifier \"RRT1\""}));
}

// ---- hints for common mistakes ------------------------------------------------------

TEST_F(StrictFormats, PyTorchNamedCheckpointGetsAHint) {
  // The same tensors under PyTorch's state_dict names.
  std::vector<SafetensorsEntry> entries = files.entries;
  for (SafetensorsEntry& e : entries) {
    const std::size_t dot = e.name.rfind('.');
    e.name = "encoder." + e.name.substr(0, dot) + (e.name.substr(dot) == ".kernel" ? ".weight" : e.name.substr(dot));
  }
  write_safetensors(files.weights, entries);
  const CommandResult r = run_convert({"--config", files.config, "--weights", files.weights, "--output", files.output});
  EXPECT_TRUE(failed_with(r, 1, {files.weights + ": missing ", "the file's names look like a PyTorch state_dict",
                                 "ringrt.torch_model.RingEncoder", "docs/training-frameworks.md"}));
  // Contract names with one tensor missing: no PyTorch hint.
  entries = files.entries;
  entries.pop_back();
  write_safetensors(files.weights, entries);
  const CommandResult other = run_convert({"--config", files.config, "--weights", files.weights, "--output", files.output});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_EQ(other.err.find("PyTorch"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace ringrt::test
