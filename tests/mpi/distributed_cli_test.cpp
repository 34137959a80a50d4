// `mpirun -np R ringrt-run ... --distributed` as a user runs it: the outputs equal
// the single-process ringrt-run's, and --plan shows each rank's KV share at 1/R.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "npy.hpp"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;

std::vector<std::string> launcher(uint32_t ranks) {
  std::vector<std::string> argv = {RINGRT_MPIEXEC, RINGRT_MPIEXEC_NUMPROC_FLAG, std::to_string(ranks)};
  const std::string flags = RINGRT_MPIEXEC_PREFLAGS;  // '|'-separated
  for (std::size_t at = 0; at < flags.size();) {
    const std::size_t end = flags.find('|', at) == std::string::npos ? flags.size() : flags.find('|', at);
    if (end > at) argv.push_back(flags.substr(at, end - at));
    at = end + 1;
  }
  argv.push_back(kRun);
  return argv;
}

std::vector<float> read_npy(const std::string& path, std::vector<std::size_t>* shape) {
  npy::Array a;
  const Status s = npy::read_f32(path.c_str(), &a);
  EXPECT_TRUE(s.ok()) << s.message();
  *shape = a.shape;
  return a.data;
}

CommandResult run(std::vector<std::string> argv, const std::vector<std::string>& args) {
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(MpiCli, DistributedOutputsEqualOneProcess) {
  TempDir dir;
  const std::size_t E = 24, H = 32;
  make_model(dir, "m", small_options(E, H, 4, 2), 41);
  const std::size_t long_T = small_scale() ? 400 : 3000;
  for (std::size_t T : {std::size_t{1}, std::size_t{197}, long_T}) {
    write_npy_f32(dir.file("x.npy"), {T, E}, synthetic_input(T, E, 7 + T));
    const std::vector<std::string> common = {dir.file("m.rrt"), "--input", dir.file("x.npy"), "--threads", "1",
                                             "--chunk", "32", "--all-timesteps", "--quiet"};
    std::vector<std::string> args = common;
    args.insert(args.end(), {"--output", dir.file("one.npy")});
    const CommandResult one = run({kRun}, args);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    std::vector<std::size_t> shape_one, shape_dist;
    const std::vector<float> y_one = read_npy(dir.file("one.npy"), &shape_one);
    for (uint32_t ranks : {2u, 4u}) {
      std::vector<std::string> dargs = common;
      dargs.insert(dargs.end(), {"--output", dir.file("dist.npy"), "--distributed"});
      const CommandResult d = run(launcher(ranks), dargs);
      ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
      const std::vector<float> y = read_npy(dir.file("dist.npy"), &shape_dist);
      ASSERT_EQ(shape_dist, shape_one);
      ASSERT_EQ(shape_dist, (std::vector<std::size_t>{T, H}));
      double worst = 0.0;
      for (std::size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::fabs(double(y[i]) - y_one[i]));
      EXPECT_LE(worst, 1e-5) << ranks << " ranks, T = " << T;
      std::printf("[ mpi cli ] %u ranks, T = %zu: max |distributed - one process| = %.3g\n", ranks, T, worst);
    }
  }
}

TEST(MpiCli, BatchedInputAndLastTimestep) {
  TempDir dir;
  const std::size_t E = 24, T = 150;
  make_model(dir, "m", small_options(E, 32, 4, 2), 42);
  write_npy_f32(dir.file("b.npy"), {3, T, E}, synthetic_input(3 * T, E, 9));
  const std::vector<std::string> common = {dir.file("m.rrt"), "--input", dir.file("b.npy"), "--chunk", "16",
                                           "--threads", "1", "--quiet"};
  std::vector<std::string> a = common, b = common;
  a.insert(a.end(), {"--output", dir.file("one.npy")});
  b.insert(b.end(), {"--output", dir.file("dist.npy"), "--distributed"});
  ASSERT_EQ(run({kRun}, a).exit_code, 0);
  const CommandResult d = run(launcher(3), b);
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  std::vector<std::size_t> s1, s2;
  const std::vector<float> y1 = read_npy(dir.file("one.npy"), &s1), y2 = read_npy(dir.file("dist.npy"), &s2);
  ASSERT_EQ(s1, s2);
  for (std::size_t i = 0; i < y1.size(); ++i) ASSERT_NEAR(y1[i], y2[i], 1e-5) << i;
}

// "holds N of M positions" from each rank's plan.
std::vector<uint64_t> kv_positions(const std::string& plan) {
  std::vector<uint64_t> held;
  for (std::size_t at = plan.find(" holds "); at != std::string::npos; at = plan.find(" holds ", at + 1)) {
    held.push_back(std::strtoull(plan.c_str() + at + 7, nullptr, 10));
  }
  return held;
}

TEST(MpiCli, PlanShowsEachRanksKvShare) {
  TempDir dir;
  make_model(dir, "m", small_options(24, 32, 4, 2), 43);
  const std::vector<std::string> args = {dir.file("m.rrt"), "--plan", "--threads", "1", "--chunk", "64",
                                         "--max-context", "65536", "--distributed"};
  for (uint32_t ranks : {2u, 4u}) {
    const CommandResult r = run(launcher(ranks), args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(kv_positions(r.out), std::vector<uint64_t>(ranks, 65536 / ranks)) << r.out;
    for (uint32_t q = 0; q < ranks; ++q) {
      EXPECT_NE(r.out.find("rank " + std::to_string(q) + " of " + std::to_string(ranks) + ":"), std::string::npos);
    }
  }
}

TEST(MpiCli, MismatchedOptionsAreRefusedNotHung) {
  TempDir dir;
  make_model(dir, "m", small_options(24, 32, 4, 2), 44);
  write_npy_f32(dir.file("x.npy"), {50, 24}, synthetic_input(50, 24, 1));
  // --resume cannot be combined with --distributed: a usage error on every rank.
  const CommandResult r = run(launcher(2), {dir.file("m.rrt"), "--input", dir.file("x.npy"), "--distributed",
                                            "--resume", "--kv-store", "file:" + dir.file("kv")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--resume is not supported with --distributed"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ringrt::test
