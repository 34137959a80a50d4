// Streams a sequence into a ringrt session chunk by chunk, as an application on a
// board would (e.g. sensor frames arriving over time), and prints the model's
// output after each chunk.
//
//   stream_tokens MODEL.rrt [TOKENS] [CHUNK]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "ringrt/ringrt.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.rrt [TOKENS] [CHUNK]\n", argv[0]);
    return 2;
  }
  const std::size_t tokens = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  const std::size_t piece = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100;
  if (tokens == 0 || piece == 0) {
    std::fprintf(stderr, "TOKENS and CHUNK must be positive\n");
    return 2;
  }

  // 1. Load (mmap + verify) the model once.
  std::unique_ptr<ringrt::Model> model;
  ringrt::Status status = ringrt::Model::load(argv[1], &model);
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s\n", status.message());
    return 1;
  }
  const ringrt::ModelInfo info = model->info();

  // 2. Create a session: every buffer is allocated here, once.
  ringrt::SessionOptions options;
  options.workers = 0;         // one per online core
  options.chunk = 128;         // tokens per query block / KV chunk
  options.max_context = tokens;
  std::unique_ptr<ringrt::Session> session;
  status = ringrt::Session::create(*model, options, &session);
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s\n", status.message());
    return 1;
  }
  std::printf("session arena: %.1f MiB for up to %llu tokens\n",
              static_cast<double>(session->plan().arena_bytes) / (1 << 20),
              static_cast<unsigned long long>(options.max_context));

  // 3. Append input as it arrives; read the last-timestep output after each append.
  std::vector<float> frame(piece * info.embed_dim);
  unsigned seed = 1;
  for (std::size_t done = 0; done < tokens; done += piece) {
    const std::size_t n = tokens - done < piece ? tokens - done : piece;
    for (float& v : frame) v = static_cast<float>((seed = seed * 1103515245u + 12345u) >> 16 & 0x7fff) / 16384.0f - 1.0f;
    status = session->append(frame.data(), n, info.embed_dim);
    if (!status.ok()) {
      std::fprintf(stderr, "error: %s\n", status.message());
      return 1;
    }
    const float* y = session->output();  // hidden_size floats
    std::printf("after %6llu tokens: y[0..3] = %+.5f %+.5f %+.5f %+.5f\n",
                static_cast<unsigned long long>(session->length()), y[0], y[1], y[2], y[3]);
  }

  // 4. Start over with the same buffers.
  session->reset();
  return 0;
}
