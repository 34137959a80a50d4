// ringrt-soak: streams many sequences of random lengths, in random pieces, through
// ONE session with resets, and checks that (1) every final output equals a fresh
// session's output for the same sequence and (2) the process's resident memory
// does not grow. Not part of CI (it runs for minutes); run it with scripts/soak.sh.
//
//   ringrt-soak [--sequences N] [--max-length T] [--seed S] [--kv-store memory|file:PATH]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "converter.hpp"
#include "ringrt/ringrt.hpp"
#include "test_support.hpp"

namespace {

double rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0.0;
}

uint64_t next(uint64_t& s) {  // splitmix64
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ringrt;
  std::size_t sequences = 200, max_length = 3000;
  uint64_t seed = 7;
  std::string kv = "memory";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sequences")) sequences = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--max-length")) max_length = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--kv-store")) kv = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: ringrt-soak [--sequences N] [--max-length T] [--seed S] [--kv-store S]\n");
      return 2;
    }
  }
  if (sequences == 0 || max_length == 0) return 2;

  test::TempDir dir;
  const ModelOptions o = test::small_options(48, 64, 4, 2);
  test::write_synthetic_model(test::synthetic_model(o, seed), dir.file("c.json"), dir.file("w.safetensors"));
  convert::ConvertRequest request;
  request.config_path = dir.file("c.json");
  request.weights_path = dir.file("w.safetensors");
  request.output_path = dir.file("m.rrt");
  std::ostringstream notes;
  convert::convert_model(request, notes);
  std::unique_ptr<Model> model;
  Status s = Model::load(request.output_path.c_str(), &model);
  if (!s.ok()) return std::fprintf(stderr, "soak: %s\n", s.message()), 1;

  SessionOptions opts;
  opts.workers = 2;
  opts.chunk = 64;
  opts.max_context = max_length;
  opts.kv_store = kv.c_str();
  std::unique_ptr<Session> session;
  s = Session::create(*model, opts, &session);
  if (!s.ok()) return std::fprintf(stderr, "soak: %s\n", s.message()), 1;

  uint64_t rng = seed;
  double rss_after_warmup = 0.0, rss_max = 0.0, worst = 0.0;
  const std::size_t warmup = sequences < 10 ? 1 : 10;
  for (std::size_t n = 0; n < sequences; ++n) {
    const std::size_t T = 1 + next(rng) % max_length;
    const std::vector<float> x = test::synthetic_input(T, o.embed_dim, next(rng));
    session->reset();
    for (std::size_t done = 0; done < T;) {
      const std::size_t piece = std::min<std::size_t>(T - done, 1 + next(rng) % 300);
      s = session->append(x.data() + done * o.embed_dim, piece, o.embed_dim);
      if (!s.ok()) return std::fprintf(stderr, "soak: sequence %zu: %s\n", n, s.message()), 1;
      done += piece;
    }
    // A fresh session (memory store) on the same sequence, in one append.
    SessionOptions fresh_opts = opts;
    fresh_opts.kv_store = "memory";
    std::unique_ptr<Session> fresh;
    s = Session::create(*model, fresh_opts, &fresh);
    if (s.ok()) s = fresh->append(x.data(), T, o.embed_dim);
    if (!s.ok()) return std::fprintf(stderr, "soak: fresh session: %s\n", s.message()), 1;
    for (uint32_t i = 0; i < o.hidden_size; ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(session->output()[i] - fresh->output()[i])));
    }
    fresh.reset();
    const double rss = rss_mib();
    if (n + 1 == warmup) rss_after_warmup = rss;
    if (n + 1 >= warmup) rss_max = std::max(rss_max, rss);
    if ((n + 1) % 20 == 0) std::printf("soak: %zu sequences, RSS %.1f MiB, max |diff| %.3g\n", n + 1, rss, worst);
  }
  const double growth = rss_max - rss_after_warmup;
  std::printf("soak: %zu sequences (lengths 1..%zu, KV store %s): max |stream - fresh| = %.3g, "
              "RSS after %zu sequences %.1f MiB, max after %.1f MiB (growth %.2f MiB)\n",
              sequences, max_length, kv.c_str(), worst, warmup, rss_after_warmup, rss_max, growth);
  const bool ok = worst <= 1e-5 && growth <= 1.0;
  std::printf("soak: %s\n", ok ? "PASS" : "FAIL (outputs differ by more than 1e-5 or RSS grew by more than 1 MiB)");
  return ok ? 0 : 1;
}
