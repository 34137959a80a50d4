// ringrt-bench-mpi: the ring across ranks at T = 16K (default), Edifice defaults
// (E 288, H 256, 4 heads, 4 layers), chunk 256, one worker per rank.
//   mpirun -np 2 build/bench/mpi/ringrt-bench-mpi [--tokens T] [--threads N] [--repeat K]
// Prints, in one run: rank 0 alone (the baseline), then every rank of the
// distributed run split into local work, attention on other ranks' KV (compute)
// and time blocked on the transport (waiting); and the time the same transfers take
// with nothing to overlap them with, so the share of communication hidden behind
// compute is measured, not assumed.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "input_stream.hpp"
#include "model_fixture.hpp"
#include "option_scanner.hpp"
#include "rank_ring.hpp"
#include "ringrt/mpi_transport.hpp"
#include "ringrt/ringrt.hpp"

namespace {

constexpr uint32_t kEmbed = 288, kHeads = 4, kHeadDim = 64, kChunk = 256;
constexpr std::size_t kBlock = 2048;

struct Args {
  uint64_t tokens = 16384;
  uint32_t threads = 1;
  int repeat = 2;
};

[[noreturn]] void die(const char* what, const ringrt::Status& s) {
  std::fprintf(stderr, "ringrt-bench-mpi: %s: %s\n", what, s.message());
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

// Best time of `repeat` runs of T tokens through `session` (rank 0 feeds the input).
double run(ringrt::Session& session, uint64_t T, int repeat, bool feeder) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    session.reset();
    session.clear_ring_stats();
    bench::InputStream input(kEmbed, kBlock, 3);
    MPI_Barrier(MPI_COMM_WORLD);
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t done = 0; done < T; done += kBlock) {
      const std::size_t n = static_cast<std::size_t>(T - done < kBlock ? T - done : kBlock);
      const float* x = input.next(n);
      const ringrt::Status s = session.append(feeder ? x : nullptr, n, kEmbed);
      if (!s.ok()) die("append", s);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (seconds < best) best = seconds;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  Args a;
  {
    static const char* const kOptions[] = {"--tokens", "--threads", "--repeat"};
    ringrt::cli::OptionScanner args(argc, argv, kOptions, 3);
    for (ringrt::cli::OptionScanner::Item item; (item = args.next()) != ringrt::cli::OptionScanner::Item::kEnd;) {
      const std::string& name = args.name();
      uint64_t n = 0;
      bool ok = item == ringrt::cli::OptionScanner::Item::kOption;
      if (item == ringrt::cli::OptionScanner::Item::kPositional) {
        ok = false;
      } else if (ok && (name == "--help" || name == "--version")) {
        if (name == "--help") {
          std::printf("usage: mpirun -np R ringrt-bench-mpi [--tokens T (16384)] [--threads N (1)] [--repeat K (2)]\n");
        } else {
          std::printf("ringrt-bench-mpi (ringrt) %s\n", ringrt::version());
        }
        MPI_Finalize();
        return 0;
      } else if (ok && name == "--tokens") {
        ok = args.number(1, uint64_t{1} << 30, &n);
        a.tokens = n;
      } else if (ok && name == "--threads") {
        ok = args.number(1, 64, &n);
        a.threads = static_cast<uint32_t>(n);
      } else if (ok) {  // --repeat
        ok = args.number(1, 100, &n);
        a.repeat = static_cast<int>(n);
      }
      if (!ok) {
        ringrt::cli::OptionScanner::usage_error(
            "ringrt-bench-mpi", item == ringrt::cli::OptionScanner::Item::kPositional ? "unexpected argument '" + name + "'"
                                                                                      : args.error());
        MPI_Finalize();
        return 2;
      }
    }
  }
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int status = 0;
  {
    std::unique_ptr<ringrt::RingTransport> ring;
    ringrt::MpiTransportOptions transport_options;
    transport_options.timeout_seconds = 3600;  // the baselines keep the other ranks waiting
    ringrt::Status s = ringrt::create_mpi_transport(MPI_COMM_WORLD, transport_options, &ring);
    if (!s.ok()) die("transport", s);
    const std::string dir = bench::make_temp_dir();
    const std::string path = bench::write_edifice_model(dir);
    std::unique_ptr<ringrt::Model> model;
    s = ringrt::Model::load(path.c_str(), &model);
    if (!s.ok()) die("model", s);
    ringrt::SessionOptions o;
    o.workers = a.threads;
    o.chunk = kChunk;
    o.max_context = a.tokens;

    // Baselines: rank 0 alone with the same workers, and with as many workers as all
    // ranks together (the in-process ring on the same cores). The others wait in the
    // transport, which sleeps between polls (MPI_Barrier would spin on a core).
    double alone[2] = {0, 0};
    for (int b = 0; b < 2 && rank == 0; ++b) {
      ringrt::SessionOptions single_options = o;
      single_options.workers = a.threads * (b == 0 ? 1 : static_cast<uint32_t>(ranks));
      std::unique_ptr<ringrt::Session> single;
      s = ringrt::Session::create(*model, single_options, &single);
      if (!s.ok()) die("session", s);
      for (int i = 0; i < a.repeat; ++i) {
        single->reset();
        bench::InputStream input(kEmbed, kBlock, 3);
        const auto t0 = std::chrono::steady_clock::now();
        bench::feed(*single, input, a.tokens, kBlock);
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (i == 0 || t < alone[b]) alone[b] = t;
      }
    }
    char go = 1;
    for (int q = 1; q < ranks && rank == 0; ++q) {
      s = ring->send(static_cast<uint32_t>(q), &go, 1);
      if (!s.ok()) die("start", s);
    }
    if (rank != 0) {
      s = ring->recv(0, &go, 1);
      if (!s.ok()) die("start", s);
    }

    o.transport = ring.get();
    std::unique_ptr<ringrt::Session> session;
    s = ringrt::Session::create(*model, o, &session);
    if (!s.ok()) die("session", s);
    const double seconds = run(*session, a.tokens, a.repeat, rank == 0);
    const ringrt::RingStats st = session->ring_stats();

    // The same transfers with nothing to overlap: as many shifts of one message.
    const std::size_t bytes = ringrt::RankRing::message_floats(kHeads, kHeadDim, kChunk) * sizeof(float);
    const uint64_t hops = st.bytes_sent / bytes;
    std::vector<char> send(bytes), recv(bytes);
    MPI_Barrier(MPI_COMM_WORLD);
    const auto c0 = std::chrono::steady_clock::now();
    for (uint64_t h = 0; h < hops; ++h) {
      s = ring->shift_begin(send.data(), recv.data(), bytes);
      if (s.ok()) s = ring->shift_end();
      if (!s.ok()) die("shift", s);
    }
    const double transfers = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();

    double mine[6] = {seconds, st.compute_seconds, st.wait_seconds, transfers, static_cast<double>(st.bytes_sent),
                      static_cast<double>(session->kv_bytes_stored())};
    std::vector<double> all(6 * ranks);
    MPI_Gather(mine, 6, MPI_DOUBLE, all.data(), 6, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
      std::printf("ringrt-bench-mpi: %d ranks x %u worker%s, T = %llu, chunk %u, Edifice defaults (E 288, H 256, "
                  "4 heads, 4 layers), best of %d\n",
                  ranks, a.threads, a.threads == 1 ? "" : "s", static_cast<unsigned long long>(a.tokens), kChunk,
                  a.repeat);
      std::printf("  one process, %u worker%s (baseline, same run): %.3f s\n", a.threads, a.threads == 1 ? "" : "s",
                  alone[0]);
      std::printf("  one process, %u workers (the in-process ring on as many cores): %.3f s\n", a.threads * ranks,
                  alone[1]);
      std::printf("  %d ranks: %.3f s = %.2fx the first baseline, %.2fx the second\n", ranks, all[0],
                  alone[0] / all[0], alone[1] / all[0]);
      std::printf("  %-5s %9s %12s %12s %10s %14s %11s %10s\n", "rank", "total s", "ring comp s", "ring wait s",
                  "wait %", "transfers s", "hidden %", "KV MiB");
      for (int q = 0; q < ranks; ++q) {
        const double* r = &all[6 * q];
        const double hidden = r[3] > 0 ? 100.0 * (1.0 - r[2] / r[3]) : 100.0;
        std::printf("  %-5d %9.3f %12.3f %12.3f %9.1f%% %14.3f %10.1f%% %10.1f\n", q, r[0], r[1], r[2],
                    100.0 * r[2] / r[0], r[3], hidden < 0 ? 0.0 : hidden, r[5] / (1024.0 * 1024.0));
      }
      std::printf("  wait: blocked on the transport after the chunk in hand was used (includes waiting for a\n"
                  "  slower rank); transfers: the same number of shifts of one message each, alone;\n"
                  "  hidden = 1 - wait / transfers: the share of communication overlapped by compute.\n");
    }
    session.reset();
    ring.reset();
    bench::remove_tree(dir);
  }
  MPI_Finalize();
  return status;
}
