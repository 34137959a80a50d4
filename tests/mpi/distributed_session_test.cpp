// Distributed sessions across real processes: run under mpiexec with 2 or 4 ranks.
// Every rank runs every test (Session calls are collective); rank 0 also runs a
// single-process session and checks that the ranks' outputs equal it within 1e-5
// and the double-precision reference within the runtime's usual bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ringrt/mpi_transport.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

RingTransport* g_ring = nullptr;

bool root() { return g_ring->rank() == 0; }

double max_diff(const float* a, const float* b, std::size_t n) {
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
  return worst;
}

// Runs x through this rank's session in appends of `piece` tokens; rank 0 gets
// every timestep's output.
std::vector<float> run_ranks(const Model& model, SessionOptions o, const std::vector<float>& x, std::size_t T,
                             std::size_t piece) {
  const ModelInfo info = model.info();
  o.transport = g_ring;
  std::unique_ptr<Session> s;
  Status st = Session::create(model, o, &s);
  EXPECT_TRUE(st.ok()) << st.message();
  if (!st.ok()) return {};
  std::vector<float> all(T * info.hidden_size);
  for (std::size_t done = 0; done < T; done += piece) {
    const std::size_t n = std::min(piece, T - done);
    st = s->append(root() ? x.data() + done * info.embed_dim : nullptr, n, info.embed_dim,
                   root() ? all.data() + done * info.hidden_size : nullptr);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) return {};
  }
  // output() is the last timestep on every rank: rank 0's, sent to all.
  std::vector<float> last(all.begin() + (T - 1) * info.hidden_size, all.end());
  EXPECT_TRUE(g_ring->broadcast(last.data(), last.size() * sizeof(float)).ok());
  EXPECT_EQ(max_diff(s->output(), last.data(), info.hidden_size), 0.0) << "rank " << g_ring->rank();
  return all;
}

TEST(MpiDistributed, RanksEqualOneProcess) {
  TempDir dir;
  const std::size_t E = 40, H = 64;
  const TestModel m = make_model(dir, "m", small_options(E, H, 4, 3), 21);
  SessionOptions o = session_options(16, 1, 4096);
  // One token; a few chunks with uneven shards; a few thousand tokens.
  for (std::size_t T : {std::size_t{1}, std::size_t{3 * 16 + 5}, std::size_t{small_scale() ? 500u : 3000u}}) {
    const std::vector<float> x = synthetic_input(T, E, 100 + T);
    const std::vector<float> ranks = run_ranks(*m.model, o, x, T, T);
    if (!root()) continue;
    const std::vector<float> single = run_sequence(*m.model, o, x, T, true);
    const double err = max_diff(ranks.data(), single.data(), T * H);
    EXPECT_LE(err, 1e-5) << "T = " << T;
    std::printf("[ mpi ] %u ranks, T = %zu: max |ranks - one process| = %.3g over every timestep\n", g_ring->ranks(),
                T, err);
  }
}

TEST(MpiDistributed, StreamingEqualsOneProcessAndTheReference) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = small_scale() ? 150 : 600;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 5);
  SessionOptions o = session_options(8, 1, T);
  const std::vector<float> x = synthetic_input(T, E, 3);
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
    const std::vector<float> ranks = run_ranks(*m.model, o, x, T, piece);
    if (!root()) continue;
    const std::vector<float> single = run_sequence(*m.model, o, x, T, true);
    EXPECT_LE(max_diff(ranks.data(), single.data(), T * H), 1e-5) << "pieces of " << piece;
    const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
    double worst = 0.0;
    for (std::size_t t = 0; t < T; ++t) {
      worst = std::max(worst, ringrt_ref::max_abs_diff(ranks.data() + t * H, ref.data() + t * H, H));
    }
    EXPECT_LE(worst, 2e-4) << "pieces of " << piece;
    std::printf("[ mpi ] %u ranks, pieces of %zu: max |err| vs double reference = %.3g\n", g_ring->ranks(), piece,
                worst);
  }
}

TEST(MpiDistributed, FileStoresPerRank) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = 300;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 6);
  SessionOptions o = session_options(8, 1, T);
  const std::string spec = "file:" + dir.path() + "/kv";
  SessionOptions file = o;
  file.kv_store = spec.c_str();
  const std::vector<float> x = synthetic_input(T, E, 4);
  const std::vector<float> ranks = run_ranks(*m.model, file, x, T, T);
  const std::vector<std::string> files = list_dir(dir.path());
  EXPECT_NE(std::find(files.begin(), files.end(), "kv.rank" + std::to_string(g_ring->rank())), files.end());
  if (!root()) return;
  const std::vector<float> single = run_sequence(*m.model, o, x, T, true);
  EXPECT_LE(max_diff(ranks.data(), single.data(), T * H), 1e-5);
}

}  // namespace
}  // namespace ringrt::test

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  int failed = 1;
  {
    std::unique_ptr<ringrt::RingTransport> ring;
    ringrt::MpiTransportOptions options;
    options.timeout_seconds = 300;
    const ringrt::Status s = ringrt::create_mpi_transport(MPI_COMM_WORLD, options, &ring);
    if (!s.ok()) {
      std::fprintf(stderr, "cannot create the MPI transport: %s\n", s.message());
    } else {
      ringrt::test::g_ring = ring.get();
      if (ring->rank() != 0) {  // one report: rank 0's
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        delete listeners.Release(listeners.default_result_printer());
      }
      failed = RUN_ALL_TESTS();
    }
  }
  MPI_Finalize();
  return failed;
}
