// `ringrt-convert inspect` and verify_rrt: the listing of a real model, and every
// kind of damage refused with a message naming the file and the problem.
#include <cstring>

#include "converter_test_util.hpp"
#include "rrt_verify.hpp"

namespace ringrt::test {
namespace {

// Byte offset of a scalar field of a table inside the file image.
std::size_t field_offset(const LoadedRrt& rrt, const void* table, flatbuffers::voffset_t field) {
  const uint8_t* p = reinterpret_cast<const flatbuffers::Table*>(table)->GetAddressOf(field);
  EXPECT_NE(p, nullptr) << "field not present";
  return static_cast<std::size_t>(p - rrt.data());
}

void put_u16(std::string& bytes, std::size_t at, uint16_t v) {
  bytes[at] = static_cast<char>(v & 0xff);
  bytes[at + 1] = static_cast<char>(v >> 8);
}
void put_u64(std::string& bytes, std::size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

class ConverterInspect : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output}).exit_code, 0);
    rrt = load_rrt(f.output);
    ASSERT_NE(rrt.model, nullptr);
  }
  // Writes `bytes` as damaged.rrt and inspects it.
  CommandResult inspect_bytes(const std::string& bytes) {
    write_file(damaged, bytes);
    return run_convert({"inspect", damaged});
  }

  SmallModelFiles f{small_options(6, 8, 2, 1)};
  LoadedRrt rrt;
  std::string damaged = f.dir.file("damaged.rrt");
};

TEST_F(ConverterInspect, ValidModelIsDescribed) {
  const CommandResult r = run_convert({"inspect", f.output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* needle : {"schema:       1.1\n", "producer:     ringrt-convert " RINGRT_PROJECT_VERSION "\n",
                             "architecture: EdificeRingAttention (edifice_ring_attention)\n",
                             "  embed_dim        6\n", "  hidden_size      8\n", "  num_heads        2 (head_dim 4)\n",
                             "  num_chunks       4\n", "  num_layers       1\n", "  dropout          0.1\n",
                             "  window_size      60\n"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
  // Edifice attention is not listed: it has no options.
  EXPECT_EQ(r.out.find("causal"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("runtime:"), std::string::npos) << r.out;
  // 6x8 + 8 + 2*8 + 8x24 + 24 + 8x8 + 8 + 2*8 + 8x32 + 32 + 32x8 + 8 + 2*8 = 944 floats.
  const std::string size = std::to_string(rrt.bytes.size());
  EXPECT_NE(r.out.find("16 tensors, 3776 bytes of weights, file size " + size + " bytes\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("input_projection.kernel  [6, 8]          f32             192"), std::string::npos) << r.out;
}

TEST_F(ConverterInspect, RefusesANewerSchemaMajorNamingBothVersions) {
  std::string bytes = rrt.bytes;
  put_u16(bytes, field_offset(rrt, rrt.model, fb::Model::VT_SCHEMA_MAJOR), 2);
  put_u16(bytes, field_offset(rrt, rrt.model, fb::Model::VT_SCHEMA_MINOR), 3);
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1,
                          {damaged + ": model schema version 2.3 is newer than this reader supports (1.1)"}));
  const fb::Model* m = nullptr;
  const Status s = verify_rrt(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "x.rrt", &m);
  EXPECT_EQ(s.code(), StatusCode::kUnsupportedVersion);
}

TEST_F(ConverterInspect, AcceptsANewerSchemaMinor) {
  std::string bytes = rrt.bytes;
  put_u16(bytes, field_offset(rrt, rrt.model, fb::Model::VT_SCHEMA_MINOR), 7);
  const CommandResult r = inspect_bytes(bytes);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("schema:       1.7\n"), std::string::npos);
}

TEST_F(ConverterInspect, DetectsDamagedWeights) {
  std::string bytes = rrt.bytes;
  bytes[bytes.size() - 3] ^= 0x10;
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1, {damaged + ": data checksum mismatch"}));
}

TEST_F(ConverterInspect, DetectsTruncation) {
  EXPECT_TRUE(failed_with(inspect_bytes(rrt.bytes.substr(0, rrt.bytes.size() - 10)), 1,
                          {damaged + ": data_size", "truncated?"}));
  EXPECT_TRUE(failed_with(inspect_bytes(rrt.bytes.substr(0, 100)), 1, {damaged + ": header size"}));
  EXPECT_TRUE(failed_with(inspect_bytes(rrt.bytes.substr(0, 7)), 1, {damaged + ": file is 7 bytes, too short"}));
}

TEST_F(ConverterInspect, RefusesAFileThatIsNotAModel) {
  EXPECT_TRUE(failed_with(inspect_bytes(read_file(f.weights)), 1, {damaged + ": not a ringrt model"}));
}

TEST_F(ConverterInspect, RefusesASizePrefixBeyondTheFile) {
  std::string bytes = rrt.bytes;
  bytes[3] = 0x40;  // 1 GiB and more
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1, {damaged + ": header size", "exceeds the file size"}));
}

TEST_F(ConverterInspect, RefusesADamagedFlatBuffer) {
  std::string bytes = rrt.bytes;
  bytes[4] = '\xf0';  // root offset points far beyond the buffer
  bytes[5] = '\xff';
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1, {damaged + ": model header is damaged"}));
}

TEST_F(ConverterInspect, RefusesAMisalignedTensor) {
  std::string bytes = rrt.bytes;
  const fb::Tensor* t = rrt.model->tensors()->Get(3);
  put_u64(bytes, field_offset(rrt, t, fb::Tensor::VT_OFFSET), t->offset() + 4);
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1,
                          {damaged + ": tensor ring_1_attn_norm.beta offset " + std::to_string(t->offset() + 4) +
                           " is not a multiple of 64"}));
}

TEST_F(ConverterInspect, RefusesATensorOutsideTheFile) {
  std::string bytes = rrt.bytes;
  const fb::Tensor* t = rrt.model->tensors()->Get(15);
  put_u64(bytes, field_offset(rrt, t, fb::Tensor::VT_OFFSET), 1ull << 40);
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1, {damaged + ": tensor final_norm.beta", "lies outside the data section"}));
}

TEST_F(ConverterInspect, RefusesAWrongTensorSize) {
  std::string bytes = rrt.bytes;
  const fb::Tensor* t = rrt.model->tensors()->Get(0);
  put_u64(bytes, field_offset(rrt, t, fb::Tensor::VT_SIZE), 100);
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1,
                          {damaged + ": tensor input_projection.kernel has size 100 bytes, expected 192"}));
}

TEST_F(ConverterInspect, RefusesInvalidOptions) {
  std::string bytes = rrt.bytes;
  const std::size_t at = field_offset(rrt, rrt.model->options(), fb::Options::VT_NUM_HEADS);
  bytes[at] = 3;  // hidden_size 8 is not divisible by 3
  EXPECT_TRUE(failed_with(inspect_bytes(bytes), 1, {damaged + ": hidden_size 8 is not divisible by num_heads 3"}));
}

TEST_F(ConverterInspect, VerifyRrtAcceptsTheConvertedFile) {
  const fb::Model* m = nullptr;
  const Status s = verify_rrt(rrt.data(), rrt.bytes.size(), "m.rrt", &m);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(m, rrt.model);
}

TEST(ConverterInspectFile, MissingFileIsNamed) {
  TempDir dir;
  EXPECT_TRUE(failed_with(run_convert({"inspect", dir.file("none.rrt")}), 1,
                          {dir.file("none.rrt") + ": cannot open: No such file or directory"}));
}

TEST(ConverterInspectFile, EdificeDefaultModelFromSynthConvertsAndIsListed) {
  TempDir dir;
  const CommandResult synth = run_synth({"--out-dir", dir.path()});
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  const CommandResult conv = run_convert({"--config", dir.file("config.json"), "--weights",
                                          dir.file("params.safetensors"), "--output", dir.file("model.rrt")});
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  const CommandResult r = run_convert({"inspect", dir.file("model.rrt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const ModelOptions o = edifice_default_options();
  for (std::size_t i = 0; i < expected_tensor_count(o); ++i) {
    EXPECT_NE(r.out.find(std::string("  ") + expected_tensor(o, i).name + "  "), std::string::npos)
        << expected_tensor(o, i).name;
  }
  EXPECT_NE(r.out.find("input_projection.kernel  [288, 256]"), std::string::npos);
  EXPECT_NE(r.out.find("ring_4_ffn_down.kernel   [1024, 256]"), std::string::npos);
  // Floats: 288*256 + 256 + 4 * (4*256 + 256*768 + 768 + 256*256 + 256 + 256*1024 + 1024 + 1024*256 + 256) + 2*256.
  const uint64_t floats = 288 * 256 + 256 + 4 * (4 * 256 + 256 * 768 + 768 + 256 * 256 + 256 + 256 * 1024 + 1024 +
                                                 1024 * 256 + 256) + 2 * 256;
  ASSERT_EQ(floats, 3233536u);
  const std::string size = std::to_string(read_file(dir.file("model.rrt")).size());
  EXPECT_NE(r.out.find("52 tensors, 12934144 bytes of weights, file size " + size + " bytes"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace ringrt::test
