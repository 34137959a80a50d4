// Fuzz target: the .rrt model verifier and loader.
//   verify_rrt on the bytes (checksum off, so mutated weights still reach the
//   checks after it), then with the checksum (what Model::load does by default);
//   for an accepted file, inspect's printer, Model::load through an in-memory file
//   (mmap + the same verifier) and the session planner.
// Invariants: every rejection names the file; Model::load agrees with verify_rrt.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>

#include "fuzz_util.hpp"
#include "model_contract.hpp"
#include "ringrt/ringrt.hpp"
#include "rrt_inspect.hpp"
#include "rrt_verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ringrt;
  static fuzz::MemFile file("fuzz.rrt");

  const fb::Model* root = nullptr;
  const Status s = verify_rrt(data, size, "fuzz.rrt", &root, /*verify_checksum=*/false);
  if (!s.ok()) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(s.message(), "fuzz.rrt: "), "message: %s", s.message());
    return 0;
  }
  RINGRT_FUZZ_CHECK(root != nullptr, "verify_rrt accepted the file but returned no model");

  std::ostringstream text;
  convert::print_rrt(text, *root, "fuzz.rrt", size);

  const Status with_checksum = verify_rrt(data, size, "fuzz.rrt", nullptr, /*verify_checksum=*/true);
  RINGRT_FUZZ_CHECK(with_checksum.ok() || fuzz::starts_with(with_checksum.message(), "fuzz.rrt: data checksum"),
                    "checksum pass failed on something else: %s", with_checksum.message());

  file.replace(data, size);
  Model::LoadOptions load_options;
  load_options.verify_checksum = false;
  std::unique_ptr<Model> model;
  const Status loaded = Model::load(file.path(), load_options, &model);
  RINGRT_FUZZ_CHECK(loaded.ok(), "verify_rrt accepted the image but Model::load refused it: %s", loaded.message());
  const ModelInfo info = model->info();
  RINGRT_FUZZ_CHECK(info.embed_dim == root->options()->embed_dim() && info.file_bytes == size,
                    "model info disagrees with the header");

  SessionOptions options;
  options.workers = 2;
  options.chunk = 16;
  options.max_context = 64;
  MemoryPlan plan;
  (void)plan_session(*model, options, &plan);
  return 0;
}
