// The bad-input catalogue: hostile and broken files given to the REAL command-line
// tools (ringrt-run, ringrt-convert, ringrt-convert inspect). Every case asserts the
// exact exit status and that the error message names the file and the problem;
// nothing may crash or die from a signal. The binary prints how many catalogue
// inputs it covered.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "crafted_model.hpp"
#include "ringrt_generated.h"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;
const std::string kConvert = RINGRT_CONVERT_BIN;

// Inputs covered, by group (printed at the end).
std::map<std::string, int>& coverage() {
  static std::map<std::string, int> c;
  return c;
}
void covered(const std::string& group, int n = 1) { coverage()[group] += n; }

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The first line of stderr holding "error:".
std::string error_line(const std::string& err) {
  const std::size_t at = err.find("error:");
  if (at == std::string::npos) return "";
  const std::size_t begin = err.rfind('\n', at);
  const std::size_t end = err.find('\n', at);
  return err.substr(begin == std::string::npos ? 0 : begin + 1,
                    end == std::string::npos ? std::string::npos : end - (begin == std::string::npos ? 0 : begin + 1));
}

// Asserts a clean failure: exit `code`, an "error:" line naming `file` and containing `problem`.
void expect_error(const CommandResult& r, int code, const std::string& file, const std::string& problem,
                  const std::string& what) {
  EXPECT_EQ(r.exit_code, code) << what << "\nstdout: " << r.out << "\nstderr: " << r.err;
  const std::string line = error_line(r.err);
  EXPECT_FALSE(line.empty()) << what << ": no 'error:' line\nstderr: " << r.err;
  EXPECT_TRUE(has(line, file)) << what << ": the error does not name " << file << "\n" << line;
  EXPECT_TRUE(has(line, problem)) << what << ": expected '" << problem << "'\n" << line;
}

// A .npy image with a verbatim header dict (version 1.0, padded like NumPy does).
std::string npy_image(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

// Shared files: two tiny models of one geometry, an input, their original output.
struct Catalogue : ::testing::Test {
  static void SetUpTestSuite() {
    dir = new TempDir();
    a = new TestModel(make_model(*dir, "a", small_options(6, 8, 2, 1), 11));
    b = new TestModel(make_model(*dir, "b", small_options(6, 8, 2, 1), 12));
    write_npy_f32(dir->file("x.npy"), {kTokens, 6}, synthetic_input(kTokens, 6, 3));
    write_npy_f32(dir->file("x2.npy"), {kTokens, 6}, synthetic_input(kTokens, 6, 4));
    write_file(dir->file("empty"), "");
    ::mkdir(dir->file("adir").c_str(), 0755);
  }
  static void TearDownTestSuite() {
    delete a;
    delete b;
    delete dir;
  }
  static CommandResult run(const std::string& model, std::vector<std::string> args) {
    args.insert(args.begin(), {kRun, model});
    return run_command(args);
  }
  static CommandResult inspect(const std::string& model) { return run_command({kConvert, "inspect", model}); }
  static std::string file(const std::string& name) { return dir->file(name); }

  static constexpr uint64_t kTokens = 8;
  static TempDir* dir;
  static TestModel* a;
  static TestModel* b;
};
TempDir* Catalogue::dir = nullptr;
TestModel* Catalogue::a = nullptr;
TestModel* Catalogue::b = nullptr;

uint32_t header_end(const std::string& image) {  // 4 + size prefix
  uint32_t n;
  std::memcpy(&n, image.data(), 4);
  return n + 4;
}

uint64_t data_offset_of(const std::string& image) {
  const fb::Model* m = fb::GetSizePrefixedModel(image.data());
  return m->data_offset();
}

TEST_F(Catalogue, TruncatedModelAt16Lengths) {
  const std::string image = read_file(a->path);
  const uint64_t fb_end = header_end(image), data_offset = data_offset_of(image);
  const std::string path = file("truncated.rrt");
  for (int k = 0; k < 16; ++k) {
    const std::size_t length = image.size() * static_cast<std::size_t>(k) / 16;
    write_file(path, image.substr(0, length));
    std::string problem;
    if (length == 0) problem = "file is empty";
    else if (length < 12) problem = "too short for a ringrt model";
    else if (length < fb_end) problem = "exceeds the file size";
    else if (length < data_offset) problem = "data_offset";
    else problem = "truncated?";
    const std::string what = "truncated to " + std::to_string(length) + " of " + std::to_string(image.size());
    expect_error(run(path, {"--plan"}), 1, path, problem, "ringrt-run, " + what);
    expect_error(inspect(path), 1, path, length == 0 ? "too short for a ringrt model" : problem, "inspect, " + what);
    covered("truncated model");
  }
}

TEST_F(Catalogue, EveryHeaderByteFlipped) {
  const std::string image = read_file(a->path);
  const uint64_t region = data_offset_of(image);  // size prefix + FlatBuffer + padding
  const std::string path = file("flipped.rrt");
  const CommandResult original = run(a->path, {"--input", file("x.npy"), "--output", file("want.npy"), "--quiet"});
  ASSERT_EQ(original.exit_code, 0) << original.err;
  const std::string want = read_file(file("want.npy"));
  int rejected = 0, benign = 0, runs = 0, changed_output = 0;
  std::vector<std::string> benign_at;
  // Every byte; under emulation (RINGRT_TEST_SCALE=small, QEMU starts a process ~50x slower) every 7th.
  const uint64_t stride = small_scale() ? 7 : 1;
  int flips = 0;
  for (uint64_t i = 0; i < region; i += stride) {
    ++flips;
    std::string bad = image;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    write_file(path, bad);
    const std::string what = "byte " + std::to_string(i) + " flipped";
    const CommandResult r = inspect(path);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << what << ": exit " << r.exit_code << "\n" << r.err;
    if (r.exit_code == 1) {
      ++rejected;
      expect_error(r, 1, path, ": ", "inspect, " + what);
    } else {
      ++benign;
      benign_at.push_back(std::to_string(i));
    }
    // ringrt-run on every accepted flip and on every 16th rejected one: it must agree with inspect.
    if (r.exit_code == 0 || (i / stride) % 16 == 0) {
      ++runs;
      const CommandResult rr = run(path, {"--input", file("x.npy"), "--output", file("y.npy"), "--quiet"});
      ASSERT_TRUE(rr.exit_code == 0 || rr.exit_code == 1) << what << ": ringrt-run exit " << rr.exit_code;
      EXPECT_EQ(rr.exit_code, r.exit_code) << what << ": ringrt-run and inspect disagree\n" << rr.err << r.err;
      if (rr.exit_code == 1) {
        expect_error(rr, 1, path, ": ", "ringrt-run, " + what);
        // Same verifier, same message (after the tool's prefix).
        EXPECT_EQ(error_line(rr.err).substr(error_line(rr.err).find("error:")),
                  error_line(r.err).substr(error_line(r.err).find("error:")))
            << what;
      } else if (read_file(file("y.npy")) != want) {
        ++changed_output;
        ADD_FAILURE() << what << ": accepted by the verifier but the model computes something else";
      }
    }
  }
  covered("header byte flipped", flips);
  std::printf("[catalogue] header region [0, %llu): %d flips rejected (exit 1), %d benign (exit 0), "
              "%d ringrt-run cross-checks, %d changed the output\n",
              static_cast<unsigned long long>(region), rejected, benign, runs, changed_output);
  std::string list;
  for (const std::string& at : benign_at) list += (list.empty() ? "" : ",") + at;
  std::printf("[catalogue] benign flip offsets: %s\n", list.c_str());
}

// Writes a crafted model, expects both tools to refuse it with `problem`.
void expect_refused(const std::string& path, const std::string& image, const std::string& problem,
                    const std::string& what, int run_code = 1) {
  write_file(path, image);
  expect_error(run_command({kRun, path, "--plan"}), run_code, path, problem, "ringrt-run, " + what);
  expect_error(run_command({kConvert, "inspect", path}), 1, path, problem, "inspect, " + what);
  covered("crafted model");
}

TEST_F(Catalogue, CraftedModels) {
  const ModelOptions tiny = small_options(6, 8, 2, 1);
  const std::string path = file("crafted.rrt");
  // The crafting itself is right: unmodified, both tools accept it.
  write_file(path, catalogue::build_rrt(catalogue::contract_model(tiny)));
  ASSERT_EQ(inspect(path).exit_code, 0) << inspect(path).err;
  ASSERT_EQ(run(path, {"--plan"}).exit_code, 0) << run(path, {"--plan"}).err;

  // A tensor offset pointing outside the file.
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.tensors.back().offset = 1ull << 40;
                 }),
                 "lies outside the data section", "offset 2^40");
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.tensors[3].offset = 0xffffffffffffffc0ull;
                 }),
                 "lies outside the data section", "offset 2^64 - 64");
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.tensors.back().size = 0xffffffffffffffffull;
                 }),
                 "has size", "size 2^64 - 1");
  // Right element count, wrong shape: qkv [8, 24] stored as [24, 8].
  {
    catalogue::CraftedModel m = catalogue::contract_model(tiny);
    for (auto& t : m.tensors) {
      if (t.name == "ring_1_qkv.kernel") t.shape = {24, 8};
    }
    expect_refused(path, catalogue::build_rrt(m), "ring_1_qkv.kernel has shape [24, 8], expected [8, 24]",
                   "transposed kernel");
    m = catalogue::contract_model(tiny);
    m.tensors[2].shape = {8, 1};  // a gamma of rank 2
    expect_refused(path, catalogue::build_rrt(m), "has shape [8, 1], expected [8]", "extra dimension");
  }
  // An unknown architecture and a future schema.
  {
    catalogue::CraftedModel m = catalogue::contract_model(tiny);
    m.architecture = 7;
    expect_refused(path, catalogue::build_rrt(m), "unknown architecture 7", "architecture 7");
    m = catalogue::contract_model(tiny);
    m.schema_major = 2;
    m.schema_minor = 3;
    expect_refused(path, catalogue::build_rrt(m), "model schema version 2.3 is newer than this reader supports (1.1)",
                   "schema 2.3");
    m.schema_major = 0;
    expect_refused(path, catalogue::build_rrt(m), "schema major version 0 is invalid", "schema 0");
    m = catalogue::contract_model(tiny);
    m.tensors[0].dtype = 9;
    expect_refused(path, catalogue::build_rrt(m), "unknown dtype 9", "dtype 9");
  }
  // Options whose size products overflow 32 bits: hidden_size 65536, num_heads 1
  // (qkv kernel 65536 x 196608 = 2^34.6 elements, 48 GiB of f32).
  ModelOptions big = small_options(65536, 65536, 1, 1);
  {
    catalogue::CraftedModel m = catalogue::contract_model(tiny);
    m.options = small_options(6, 65536, 1, 1);  // tiny tensors under huge options
    expect_refused(path, catalogue::build_rrt(m), "input_projection.kernel has shape [6, 8], expected [6, 65536]",
                   "hidden 65536, tiny tensors");
    // The contract's tensors with their true 64-bit sizes, all at the data offset: cannot fit the file.
    m = catalogue::contract_model(big);
    for (auto& t : m.tensors) t.size = 64;
    expect_refused(path, catalogue::build_rrt(m, [&](catalogue::CraftedModel& c) {
                     const catalogue::CraftedModel want = catalogue::contract_model(big);
                     for (std::size_t i = 0; i < c.tensors.size(); ++i) c.tensors[i].size = want.tensors[i].size;
                   }),
                   "lies outside the data section", "hidden 65536, 64-bit sizes");
    // Sizes as a 32-bit product would compute them: the qkv kernel's 51539607552 bytes wrap to 0.
    m = catalogue::contract_model(big);
    for (auto& t : m.tensors) t.size = static_cast<uint32_t>(t.size);
    expect_refused(path, catalogue::build_rrt(m), "ring_1_qkv.kernel has size 0 bytes, expected 51539607552",
                   "hidden 65536, 32-bit wrapped sizes");
  }
  // Options out of range in a file (the converter would never write them).
  const std::vector<std::pair<std::function<void(ModelOptions&)>, std::string>> bad_options = {
      {[](ModelOptions& o) { o.hidden_size = 65537; }, "option 'hidden_size' is 65537, above the limit of 65536"},
      {[](ModelOptions& o) { o.num_heads = 0; }, "option 'num_heads' must be at least 1, got 0"},
      {[](ModelOptions& o) { o.num_heads = 3; }, "hidden_size 8 is not divisible by num_heads 3"},
      {[](ModelOptions& o) { o.num_layers = 0xffffffffu; }, "option 'num_layers' is 4294967295, above the limit"},
      {[](ModelOptions& o) { o.embed_dim = 0; }, "option 'embed_dim' must be at least 1, got 0"},
      {[](ModelOptions& o) { o.dropout = 1.5f; }, "option 'dropout' must be in [0, 1), got 1.5"},
      // An Edifice model keeps Edifice's attention.
      {[](ModelOptions& o) { o.causal = false; }, "option 'causal' = false needs architecture ring_encoder"},
      {[](ModelOptions& o) { o.num_kv_heads = 1; }, "option 'num_kv_heads' = 1 needs architecture ring_encoder"},
      {[](ModelOptions& o) { o.sliding_window = 4; }, "option 'sliding_window' = 4 needs architecture ring_encoder"},
      {[](ModelOptions& o) { o.logit_softcap = 2.0f; }, "option 'logit_softcap' = 2 needs architecture ring_encoder"},
      {[](ModelOptions& o) { o.attention_sinks = true; },
       "option 'attention_sinks' = true needs architecture ring_encoder"},
      // Attention options out of range (any architecture).
      {[](ModelOptions& o) { o.num_kv_heads = 3; }, "num_heads 2 is not divisible by num_kv_heads 3"},
      {[](ModelOptions& o) { o.logit_softcap = -1.0f; }, "option 'logit_softcap' must be a finite number >= 0"},
      {[](ModelOptions& o) { o.logit_softcap = std::numeric_limits<float>::infinity(); },
       "option 'logit_softcap' must be a finite number >= 0 (0: no cap), got inf"},
  };
  for (const auto& [edit, problem] : bad_options) {
    catalogue::CraftedModel m = catalogue::contract_model(tiny);
    edit(m.options);
    expect_refused(path, catalogue::build_rrt(m), problem, problem);
  }
  // Header fields that disagree with the file.
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.data_size += 64;
                 }),
                 "disagrees with the file", "data_size + 64");
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.tensors[5].offset += 4;
                 }),
                 "is not a multiple of 64", "unaligned tensor");
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.tensors[5].offset = m.tensors[4].offset;
                 }),
                 "overlaps the tensor before it", "overlapping tensors");
  expect_refused(path, catalogue::build_rrt(catalogue::contract_model(tiny), [](catalogue::CraftedModel& m) {
                   m.fix_checksum = false;
                   m.data_checksum = 42;
                 }),
                 "data checksum mismatch", "wrong checksum");
  {
    catalogue::CraftedModel m = catalogue::contract_model(tiny);
    m.tensors.pop_back();
    expect_refused(path, catalogue::build_rrt(m), "model has 15 tensors, its options require 16", "missing tensor");
    m = catalogue::contract_model(tiny);
    m.tensors[4].name = "ring_1_qkv.kernex";
    expect_refused(path, catalogue::build_rrt(m), "tensor 4 is 'ring_1_qkv.kernex', expected 'ring_1_qkv.kernel'",
                   "misnamed tensor");
  }
  // Not a model at all: a .npy given as the model.
  expect_error(run(file("x.npy"), {"--plan"}), 1, file("x.npy"), "not a ringrt model", "a .npy as the model");
  expect_error(inspect(file("x.npy")), 1, file("x.npy"), "not a ringrt model", "inspect a .npy");
  covered("crafted model");
}

// ring_encoder files: tensors that disagree with the attention options are refused
// by both tools; a valid file with an option this build cannot run yet is described
// by inspect and refused by ringrt-run, naming the file and the option.
TEST_F(Catalogue, RingEncoderModels) {
  const std::string path = file("encoder.rrt");
  {
    catalogue::CraftedModel m = catalogue::contract_model(ring_encoder_options(6, 8, 2, 1));
    m.options.attention_sinks = true;  // without the ring_{l}_attn_sinks tensor
    expect_refused(path, catalogue::build_rrt(m), "model has 16 tensors, its options require 17", "sinks flag, no sinks");
    m = catalogue::contract_model(ring_encoder_options(6, 8, 2, 1));
    m.options.num_kv_heads = 1;  // the qkv of two kv heads
    expect_refused(path, catalogue::build_rrt(m), "ring_1_qkv.kernel has shape [8, 24], expected [8, 16]",
                   "qkv of 2 kv heads, options of 1");
    m = catalogue::contract_model(ring_encoder_options(6, 8, 2, 1, true, 0, 0, 0.0f, true));
    ASSERT_EQ(m.tensors[6].name, "ring_1_attn_sinks");  // right after the qkv bias
    m.tensors[6].shape = {2, 1};
    expect_refused(path, catalogue::build_rrt(m), "ring_1_attn_sinks has shape [2, 1], expected [2]",
                   "sinks of rank 2");
  }
  // Every attention option, alone and together, runs: inspect says so and ringrt-run runs it.
  const std::vector<std::pair<ModelOptions, std::string>> variants = {
      {ring_encoder_options(6, 8, 2, 1, false), "causal = false"},
      {ring_encoder_options(6, 8, 2, 1, true, 1), "num_kv_heads = 1"},
      {ring_encoder_options(6, 8, 2, 1, true, 0, 16), "sliding_window = 16"},
      {ring_encoder_options(6, 8, 2, 1, true, 0, 0, 0.5f), "logit_softcap = 0.5"},
      {ring_encoder_options(6, 8, 2, 1, true, 0, 0, 0.0f, true), "attention_sinks = true"},
      {ring_encoder_options(6, 8, 2, 1, false, 1, 3, 0.5f, true), "all of them"},
  };
  for (const auto& [options, option] : variants) {
    write_file(path, catalogue::build_rrt(catalogue::contract_model(options)));
    const CommandResult r = inspect(path);
    EXPECT_EQ(r.exit_code, 0) << option << "\n" << r.err;
    EXPECT_TRUE(has(r.out, "architecture: RingEncoder (ring_encoder)\n")) << r.out;
    EXPECT_TRUE(has(r.out, "runtime:      this build runs it\n")) << option << "\n" << r.out;
    const CommandResult run_result = run(path, {"--input", file("x.npy"), "--output", file("y.npy")});
    EXPECT_EQ(run_result.exit_code, 0) << option << "\n" << run_result.err;
    covered("ring_encoder model");
  }
}

TEST_F(Catalogue, BadNpyInputs) {
  const std::string good_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 6), }";
  const std::string data(8 * 6 * 4, '\0');
  struct Case {
    std::string name, image, problem;
  };
  std::string long_header = npy_image(good_dict, data);
  long_header[8] = '\xff';  // header length 32767: far beyond the file's end
  long_header[9] = '\x7f';
  const std::vector<Case> cases = {
      {"magic", std::string("\x93NUMPX\x01\x00", 8) + npy_image(good_dict, data).substr(8), "bad magic"},
      {"text", "T,E\n1,2\n", "bad magic"},
      {"long_header", long_header, "runs past the end of the file"},
      {"big_endian", npy_image("{'descr': '>f4', 'fortran_order': False, 'shape': (8, 6), }", data),
       "big-endian dtype '>f4' is not supported"},
      {"int32", npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (8, 6), }", data),
       "unsupported dtype '<i4'"},
      {"uint8", npy_image("{'descr': '|u1', 'fortran_order': False, 'shape': (8, 6), }", data),
       "unsupported dtype '|u1'"},
      {"fortran", npy_image("{'descr': '<f4', 'fortran_order': True, 'shape': (8, 6), }", data),
       "fortran_order True is not supported"},
      {"shape_overflow",
       npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 6), }", data),
       "overflows"},
      {"bytes_overflow", npy_image("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952, 6), }", data),
       "overflows"},
      {"dim_beyond_64_bits",
       npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 6), }", data),
       "overflows this machine's size_t"},
      {"truncated_data", npy_image(good_dict, data.substr(0, 100)), "data is truncated"},
      {"trailing_data", npy_image(good_dict, data + "xx"), "trailing data after the array"},
      {"version_9", std::string("\x93NUMPY\x09\x00", 8) + npy_image(good_dict, data).substr(8), "unsupported .npy format version 9.0"},
      {"structured", npy_image("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (8, 6), }", data),
       "structured (record) dtypes are not supported"},
      {"rank_1", npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (48,), }", data),
       "expected shape [T, E] or [B, T, E], got 1 dimensions"},
      {"wrong_width", npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 8), }", data),
       "8 features per token but the model expects embed_dim = 6"},
      {"no_tokens", npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 6), }", ""), "empty sequence"},
      {"nan", npy_image(good_dict, std::string(4, '\xff') + data.substr(4)), "input contains NaN at token 0, feature 0"},
  };
  for (const Case& c : cases) {
    const std::string path = file("bad_" + c.name + ".npy");
    write_file(path, c.image);
    expect_error(run(a->path, {"--input", path, "--output", file("y.npy")}), 1, path, c.problem, "npy " + c.name);
    covered("bad .npy");
  }
}

TEST_F(Catalogue, EmptyFiles) {
  const std::string empty = file("empty");
  expect_error(run(empty, {"--plan"}), 1, empty, "file is empty", "empty model (ringrt-run)");
  expect_error(inspect(empty), 1, empty, "too short for a ringrt model", "empty model (inspect)");
  expect_error(run(a->path, {"--input", empty}), 1, empty, "file is empty, not a .npy file", "empty npy");
  write_config(file("c.json"), a->options);
  expect_error(run_command({kConvert, "--config", file("c.json"), "--weights", empty, "--output", file("o.rrt")}), 1,
               empty, "shorter than the 8-byte safetensors header length", "empty safetensors");
  write_synthetic_model(synthetic_model(a->options, 1), file("c.json"), file("w.safetensors"));
  expect_error(run_command({kConvert, "--config", empty, "--weights", file("w.safetensors"), "--output", file("o.rrt")}),
               1, empty, "config is not valid JSON", "empty config");
  expect_error(run(a->path, {"--input", file("x.npy"), "--kv-store", "file:" + empty}), 1, empty,
               "not a ringrt KV store", "empty KV store");
  covered("empty file", 5);  // model, npy, safetensors, config, KV store
}

TEST_F(Catalogue, DirectoryWhereAFileIsExpected) {
  const std::string d = file("adir");
  write_synthetic_model(synthetic_model(a->options, 1), file("c.json"), file("w.safetensors"));
  struct Case {
    std::string what;
    std::vector<std::string> argv;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"ringrt-run MODEL", {kRun, d, "--input", file("x.npy")}, "is a directory, expected a model file"},
      {"ringrt-run --input", {kRun, a->path, "--input", d}, "is a directory, not a .npy file"},
      {"ringrt-run --output", {kRun, a->path, "--input", file("x.npy"), "--output", d}, "Is a directory"},
      {"ringrt-run --kv-store", {kRun, a->path, "--input", file("x.npy"), "--kv-store", "file:" + d},
       "is a directory; give a file path"},
      {"ringrt-convert --config", {kConvert, "--config", d, "--weights", file("w.safetensors"), "--output", file("o.rrt")},
       "not a regular file"},
      {"ringrt-convert --weights", {kConvert, "--config", file("c.json"), "--weights", d, "--output", file("o.rrt")},
       "not a regular file"},
      {"ringrt-convert --output", {kConvert, "--config", file("c.json"), "--weights", file("w.safetensors"), "--output", d},
       "cannot write: is a directory"},
      {"ringrt-convert inspect MODEL", {kConvert, "inspect", d}, "not a regular file"},
  };
  for (const Case& c : cases) {
    expect_error(run_command(c.argv), 1, d, c.problem, c.what);
    covered("directory as a file");
  }
  struct stat st;
  EXPECT_EQ(::stat(d.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode)) << "the directory must survive";
}

TEST_F(Catalogue, ConfigAndSafetensorsOverflow) {
  write_synthetic_model(synthetic_model(a->options, 1), file("c.json"), file("w.safetensors"));
  const auto convert = [&](const std::string& config, const std::string& weights) {
    return run_command({kConvert, "--config", config, "--weights", weights, "--output", file("o.rrt")});
  };
  struct Case {
    std::string name, text, problem;
  };
  const std::vector<Case> configs = {
      {"hidden_65536_heads_1", R"({"embed_dim": 65536, "hidden_size": 65536, "num_heads": 1, "num_layers": 1})",
       "expected [65536"},
      {"embed_2_32", R"({"embed_dim": 4294967296})", "option 'embed_dim' is 4294967296, too large"},
      {"embed_2_64", R"({"embed_dim": 18446744073709551616})", "option 'embed_dim' must be an integer"},
      {"hidden_65537", R"({"embed_dim": 8, "hidden_size": 65537, "num_heads": 1})",
       "option 'hidden_size' is 65537, above the limit of 65536"},
      {"negative", R"({"embed_dim": -8})", "option 'embed_dim' must be a positive integer, got -8"},
      {"layers_2_32_minus_1", R"({"embed_dim": 8, "num_layers": 4294967295})", "above the limit of 1024"},
  };
  for (const Case& c : configs) {
    const std::string path = file("cfg_" + c.name + ".json");
    write_file(path, c.text);
    const std::string named = c.name == "hidden_65536_heads_1" ? file("w.safetensors") : path;
    expect_error(convert(path, file("w.safetensors")), 1, named, c.problem, "config " + c.name);
    covered("config / safetensors");
  }
  const std::vector<Case> weights = {
      {"len_2_64", std::string(8, '\xff') + "{}", "is larger than the file"},
      {"shape_overflow",
       raw_safetensors(R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 2], "data_offsets": [0, 0]}})", ""),
       "is too large"},
      {"offsets_reversed",
       raw_safetensors(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [18446744073709551608, 0]}})", ""),
       "end before they begin"},
      {"offsets_past_end", raw_safetensors(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", ""),
       "extend past the end of the data section"},
      {"offsets_wrap",
       raw_safetensors(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [18446744073709551608, 18446744073709551616]}})", ""),
       "must be non-negative integers"},
      {"i64", raw_safetensors(R"({"a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}})", std::string(8, '\0')),
       "unsupported dtype 'I64'"},
  };
  for (const Case& c : weights) {
    const std::string path = file("st_" + c.name + ".safetensors");
    write_file(path, c.text);
    expect_error(convert(file("c.json"), path), 1, path, c.problem, "safetensors " + c.name);
    covered("config / safetensors");
  }
}

// JSON values nested a million deep where a number is expected (2 MB files): the
// reader must refuse them without recursing once per level (8 MiB of stack).
TEST_F(Catalogue, DeeplyNestedJson) {
  const std::size_t depth = 1000000;
  const std::string deep_array = std::string(depth, '[') + std::string(depth, ']');
  std::string deep_object;
  for (std::size_t i = 0; i < depth / 8; ++i) deep_object += "{\"a\":";
  deep_object += "1" + std::string(depth / 8, '}');
  write_synthetic_model(synthetic_model(a->options, 1), file("c.json"), file("w.safetensors"));
  const auto convert = [&](const std::string& config, const std::string& weights) {
    return run_command({kConvert, "--config", config, "--weights", weights, "--output", file("o.rrt")});
  };
  struct Case {
    std::string name, text, problem;
  };
  const std::vector<Case> configs = {
      {"embed_dim_array", "{\"embed_dim\": " + deep_array + "}", "option 'embed_dim' must be an integer"},
      {"dropout_object", "{\"embed_dim\": 6, \"dropout\": " + deep_object + "}", "option 'dropout' must be a number"},
  };
  for (const Case& c : configs) {
    const std::string path = file("deep_" + c.name + ".json");
    write_file(path, c.text);
    expect_error(convert(path, file("w.safetensors")), 1, path, c.problem, "config " + c.name);
    covered("deeply nested JSON");
  }
  const std::vector<Case> weights = {
      {"shape_entry", raw_safetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [" + deep_array +
                                          "], \"data_offsets\": [0, 0]}}", ""),
       "shape entries must be non-negative integers"},
      {"dtype", raw_safetensors("{\"a\": {\"dtype\": " + deep_array + ", \"shape\": [], \"data_offsets\": [0, 0]}}", ""),
       "dtype must be a string"},
  };
  for (const Case& c : weights) {
    const std::string path = file("deep_" + c.name + ".safetensors");
    write_file(path, c.text);
    expect_error(convert(file("c.json"), path), 1, path, c.problem, "safetensors " + c.name);
    covered("deeply nested JSON");
  }
}

TEST_F(Catalogue, KvStoreFromAnotherModel) {
  const std::string store = file("kv_a");
  // Every run of this store uses the chunk it was written with (4), unless said otherwise.
  const auto resume = [&](const std::string& model, const std::string& input, const std::string& kv,
                          bool with_resume = true) {
    std::vector<std::string> args = {"--input", input, "--kv-store", "file:" + kv, "--chunk", "4"};
    if (with_resume) args.push_back("--resume");
    return run(model, args);
  };
  const CommandResult r = resume(a->path, file("x.npy"), store, false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Model b: same geometry, other weights.
  expect_error(resume(b->path, file("x.npy"), store), 1, store, "was written by a different model",
               "store of model a resumed with model b");
  // The same model, another input.
  expect_error(resume(a->path, file("x2.npy"), store), 1, store, "holds a stream of different input",
               "store resumed with another input");
  // Without --resume a store holding tokens is never overwritten.
  expect_error(resume(a->path, file("x.npy"), store, false), 1, store, "already holds 8 committed tokens: resume it (ringrt-run --resume",
               "store reused without --resume");
  // Another chunk size than the store was written with.
  expect_error(run(a->path, {"--input", file("x.npy"), "--kv-store", "file:" + store, "--resume", "--chunk", "8"}), 1,
               store, "chunk", "store resumed with another chunk size");
  // Damaged header (a byte of the fingerprint), a truncated store, not a store at all.
  const std::string bytes = read_file(store);
  const std::string damaged = file("kv_damaged");
  std::string d = bytes;
  d[20] = static_cast<char>(d[20] ^ 1);
  write_file(damaged, d);
  expect_error(resume(a->path, file("x.npy"), damaged), 1, damaged, "damaged header", "store with a flipped header byte");
  const std::string truncated = file("kv_truncated");
  write_file(truncated, bytes.substr(0, 4096 + 8));
  expect_error(resume(a->path, file("x.npy"), truncated), 1, truncated, "is truncated", "truncated store");
  // Another file given as the store is left as it was, and the message does not
  // tell the user to remove it; the run's own input or model is refused as such.
  write_file(file("other.npy"), read_file(file("x.npy")));
  expect_error(resume(a->path, file("x.npy"), file("other.npy")), 1, file("other.npy"), "is not a ringrt KV store",
               "a .npy as the store");
  EXPECT_EQ(read_file(file("other.npy")), read_file(file("x.npy"))) << "a file given as the store was changed";
  const CommandResult other = resume(a->path, file("x.npy"), file("other.npy"));
  EXPECT_EQ(other.err.find("remove it to start over"), std::string::npos) << other.err;
  expect_error(resume(a->path, file("x.npy"), file("x.npy")), 1, file("x.npy"), "is the same file as --input",
               "the input as the store");
  expect_error(resume(a->path, file("x.npy"), a->path), 1, a->path, "is the same file as the model",
               "the model as the store");
  expect_error(resume(a->path, file("x.npy"), "/dev/null"), 1, "/dev/null", "is not a regular file (a device)",
               "a device as the store");
  covered("KV store", 10);
}

}  // namespace
}  // namespace ringrt::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int status = RUN_ALL_TESTS();
  int total = 0;
  for (const auto& [group, n] : ringrt::test::coverage()) {
    std::printf("[catalogue] %-22s %d inputs\n", group.c_str(), n);
    total += n;
  }
  std::printf("[catalogue] %d catalogue inputs covered\n", total);
  return status;
}
