// ringrt-run: runs a .rrt model over the sequences of a .npy file.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "npy.hpp"
#include "ringrt/ringrt.hpp"
#include "run_args.hpp"

namespace {

int fail(const char* message) {
  std::fprintf(stderr, "ringrt-run: error: %s\n", message);
  return 1;
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
  using namespace ringrt;
  cli::RunArgs args;
  std::string error;
  switch (cli::parse_run_args(argc, argv, &args, &error)) {
    case cli::ParseResult::kHelp:
      std::fputs(cli::run_usage(), stdout);
      return 0;
    case cli::ParseResult::kError:
      std::fprintf(stderr, "ringrt-run: %s\n\n%s", error.c_str(), cli::run_usage());
      return 2;
    case cli::ParseResult::kRun:
      break;
  }

  std::unique_ptr<Model> model;
  Status s = Model::load(args.model.c_str(), &model);
  if (!s.ok()) return fail(s.message());
  const ModelInfo info = model->info();

  npy::Array input;
  s = npy::read_f32(args.input.c_str(), &input);
  if (!s.ok()) return fail(s.message());
  if (input.shape.size() != 2 && input.shape.size() != 3) {
    return fail((args.input + ": expected shape [T, E] or [B, T, E], got " + std::to_string(input.shape.size()) +
                 " dimensions").c_str());
  }
  const bool batched = input.shape.size() == 3;
  const size_t B = batched ? input.shape[0] : 1;
  const size_t T = input.shape[batched ? 1 : 0];
  const size_t E = input.shape[batched ? 2 : 1];
  if (E != info.embed_dim) {
    return fail((args.input + ": input has " + std::to_string(E) + " features per token but the model expects " +
                 "embed_dim = " + std::to_string(info.embed_dim)).c_str());
  }
  if (B == 0 || T == 0) return fail((args.input + ": empty sequence (no tokens to run)").c_str());

  SessionOptions options;
  options.workers = args.threads;
  options.chunk = args.chunk;
  options.max_context = args.max_context ? args.max_context : T;
  if (T > options.max_context) {
    return fail(("the input has " + std::to_string(T) + " tokens per sequence but --max-context is " +
                 std::to_string(options.max_context)).c_str());
  }
  std::unique_ptr<Session> session;
  s = Session::create(*model, options, &session);
  if (!s.ok()) return fail(s.message());

  const size_t H = info.hidden_size;
  std::vector<float> out(args.all_timesteps ? B * T * H : B * H);
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t b = 0; b < B; ++b) {
    session->reset();
    float* all = args.all_timesteps ? out.data() + b * T * H : nullptr;
    s = session->append(input.data.data() + b * T * E, T, E, all);
    if (!s.ok()) {
      return fail((args.input + (batched ? " (sequence " + std::to_string(b) + ")" : std::string()) + ": " +
                   s.message()).c_str());
    }
    if (!all) std::copy(session->output(), session->output() + H, out.data() + b * H);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!args.output.empty()) {
    std::vector<size_t> shape;
    if (batched) shape.push_back(B);
    if (args.all_timesteps) shape.push_back(T);
    shape.push_back(H);
    s = npy::write_f32(args.output.c_str(), shape.data(), shape.size(), out.data());
    if (!s.ok()) return fail(s.message());
  }
  if (!args.quiet) {
    const MemoryPlan& plan = session->plan();
    std::printf("ringrt-run: %zu sequence%s x %zu tokens in %.3f s (%.0f tokens/s)\n", B, B == 1 ? "" : "s", T,
                seconds, static_cast<double>(B * T) / seconds);
    std::printf("ringrt-run: workers %u, chunk %u, max context %llu, arena %.1f MiB (KV history %.1f MiB)%s%s\n",
                plan.workers, plan.chunk, static_cast<unsigned long long>(plan.max_context), mib(plan.arena_bytes),
                mib(plan.kv_bytes), args.output.empty() ? "" : ", wrote ", args.output.c_str());
  }
  return 0;
}
