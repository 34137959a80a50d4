// Inputs that are not regular files, given to the real tools: a FIFO with no
// writer never blocks an open() (the model, the weights, the config and inspect
// refuse it as not a regular file; ringrt-run --input waits a bounded time for a
// writer), and a pipe is streamed under the session's plan: a header that cannot
// fit is refused before its data is read, and what fits gives the file's output.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

const std::string kRun = RINGRT_RUN_BIN;
const std::string kConvert = RINGRT_CONVERT_BIN;
const std::string kTimeout = "/usr/bin/timeout";  // a tool that blocked would be killed: exit 124

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct PipedRun {
  int exit_code = -1;
  std::string out, err;
  std::size_t written = 0;  // bytes of stdin the program took before it exited
  long peak_rss_kib = 0;    // the program's peak resident memory
};

// Runs argv with the bytes of the file `first` and then `fill_bytes` zeros on its
// stdin, stopping when the program closes it. stdout and stderr go to files in
// `dir`. (The input is written from a file a piece at a time: the child starts as
// a copy of this process, and its peak RSS must not count a copy of the input.)
PipedRun run_piped(const std::vector<std::string>& argv, const std::string& first, std::size_t fill_bytes,
                   const TempDir& dir) {
  ::signal(SIGPIPE, SIG_IGN);
  PipedRun result;
  int in[2];
  EXPECT_EQ(::pipe(in), 0);
  const std::string out_path = dir.file("piped.out"), err_path = dir.file("piped.err");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::close(in[0]);
    ::close(in[1]);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  const auto put = [&](const char* p, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(in[1], p + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      done += static_cast<std::size_t>(w);
      result.written += static_cast<std::size_t>(w);
    }
    return true;
  };
  std::string piece(1 << 16, '\0');
  bool open = true;
  const int src = first.empty() ? -1 : ::open(first.c_str(), O_RDONLY);
  for (ssize_t n = 0; open && src >= 0 && (n = ::read(src, &piece[0], piece.size())) > 0;) {
    open = put(piece.data(), static_cast<std::size_t>(n));
  }
  if (src >= 0) ::close(src);
  const std::string zeros(1 << 16, '\0');
  for (std::size_t sent = 0; open && sent < fill_bytes; sent += zeros.size()) open = put(zeros.data(), zeros.size());
  ::close(in[1]);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.peak_rss_kib = usage.ru_maxrss;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

// A .npy header (version 1.0) of float32 with the given shape tuple ("3, 4"), without data.
std::string npy_header_for_shape(const std::string& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(dict.size() & 0xff));
  out.push_back(static_cast<char>(dict.size() >> 8));
  return out + dict;
}

// The header for shape (tokens, width).
std::string npy_header_bytes(uint64_t tokens, uint32_t width) {
  return npy_header_for_shape(std::to_string(tokens) + ", " + std::to_string(width));
}

// The same header in dir/header.npy; returns the path.
std::string npy_header(uint64_t tokens, uint32_t width, const TempDir& dir) {
  write_file(dir.file("header.npy"), npy_header_bytes(tokens, width));
  return dir.file("header.npy");
}

struct FifoInputs : ::testing::Test {
  void SetUp() override {
    alarm(300);  // a run that blocks forever fails the test instead of hanging the suite
    m = make_model(dir, "m", small_options(8, 8, 2, 1), 5);
    x = synthetic_input(kTokens, 8, 9);
    write_npy_f32(dir.file("x.npy"), {kTokens, 8}, x);
    fifo = dir.file("fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    write_synthetic_model(synthetic_model(m.options, 5), dir.file("config.json"), dir.file("params.safetensors"));
  }
  void TearDown() override { alarm(0); }
  static CommandResult bounded(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {kTimeout, "60"});
    return run_command(argv);
  }

  static constexpr uint64_t kTokens = 40;
  TempDir dir;
  TestModel m;
  std::vector<float> x;
  std::string fifo;
};

// ---- a FIFO with no writer ----------------------------------------------------------

TEST_F(FifoInputs, ModelFifoIsRefusedWithoutBlocking) {
  const CommandResult r = bounded({kRun, fifo, "--plan"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "ringrt-run: error: " + fifo + ": not a regular file (a FIFO or pipe)")) << r.err;
}

TEST_F(FifoInputs, ConverterInputFifosAreRefusedWithoutBlocking) {
  const std::string config = dir.file("config.json"), weights = dir.file("params.safetensors");
  const std::vector<std::vector<std::string>> cases = {
      {kConvert, "--config", config, "--weights", fifo, "--output", dir.file("o.rrt")},
      {kConvert, "--config", fifo, "--weights", weights, "--output", dir.file("o.rrt")},
      {kConvert, "inspect", fifo},
  };
  for (const auto& argv : cases) {
    const CommandResult r = bounded(argv);
    EXPECT_EQ(r.exit_code, 1) << argv[1] << "\n" << r.err;
    EXPECT_TRUE(has(r.err, "ringrt-convert: error: " + fifo + ": not a regular file (a FIFO or pipe")) << r.err;
  }
}

TEST_F(FifoInputs, InputFifoWaitsABoundedTimeForItsWriter) {
  // No writer ever: refused after the wait, not blocked in open() forever.
  const CommandResult r = bounded({kRun, m.path, "--input", fifo});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, fifo + ": nothing to read: no process has this FIFO or pipe open for writing (waited 10 s"))
      << r.err;
  // A writer that comes after ringrt-run opened the FIFO is waited for.
  ASSERT_EQ(run_command({kRun, m.path, "--input", dir.file("x.npy"), "--output", dir.file("want.npy")}).exit_code, 0);
  const std::string bytes = read_file(dir.file("x.npy"));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    ::close(fd);
  });
  const CommandResult late = bounded({kRun, m.path, "--input", fifo, "--output", dir.file("got.npy")});
  writer.join();
  ASSERT_EQ(late.exit_code, 0) << late.err;
  EXPECT_EQ(read_file(dir.file("got.npy")), read_file(dir.file("want.npy")));
}

// ---- a pipe whose header cannot fit the plan ------------------------------------------

// 2^40 tokens declared, then zeros for as long as the program reads (at most 64 MiB).
constexpr uint64_t kHugeTokens = uint64_t{1} << 40;
constexpr std::size_t kFill = std::size_t{64} << 20;

// Where size_t has 32 bits a header of 2^40 tokens cannot be described at all: the
// reader refuses it before any data, naming the overflow. True when that is what
// happened (the 64-bit expectations then do not apply).
bool refused_as_beyond_size_t(const PipedRun& r) {
  if (sizeof(std::size_t) >= 8) return false;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "/dev/stdin: invalid .npy header: dimension in 'shape' overflows this machine's size_t"))
      << r.err;
  EXPECT_LT(r.written, std::size_t{4} << 20) << "bytes of the stream were read before the refusal";
  return true;
}

TEST_F(FifoInputs, PipeLongerThanMaxContextIsRefusedBeforeItsData) {
  const PipedRun r =
      run_piped({kRun, m.path, "--input", "/dev/stdin", "--max-context", "64"}, npy_header(kHugeTokens, 8, dir), kFill, dir);
  if (refused_as_beyond_size_t(r)) return;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "/dev/stdin: the input has 1099511627776 tokens per sequence but --max-context is 64")) << r.err;
  EXPECT_LT(r.written, std::size_t{4} << 20) << "bytes of the stream were read before the refusal";
}

TEST_F(FifoInputs, PipeWithAFileStoreIsTaggedLikeTheFileOrRefusedBeforeItsData) {
  const PipedRun r = run_piped({kRun, m.path, "--input", "/dev/stdin", "--kv-store", "file:" + dir.file("kv")},
                               npy_header(kHugeTokens, 8, dir), kFill, dir);
  if (!refused_as_beyond_size_t(r)) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(has(r.err, "/dev/stdin: a file store tags its stream with a hash of the whole first sequence")) << r.err;
    EXPECT_TRUE(has(r.err, "save the input to a regular file")) << r.err;
    EXPECT_LT(r.written, std::size_t{4} << 20) << "bytes of the stream were read before the refusal";
  }
  // A pipe whose first sequence can be held: its store's tag is the file's, so the
  // file resumes the piped stream.
  const std::string kv2 = "file:" + dir.file("kv2");
  ASSERT_EQ(run_command({kRun, m.path, "--input", dir.file("x.npy"), "--chunk", "8", "--output", dir.file("want.npy")})
                .exit_code,
            0);
  const PipedRun first = run_piped({kRun, m.path, "--input", "/dev/stdin", "--chunk", "8", "--kv-store", kv2, "--output",
                                    dir.file("piped.npy")},
                                   dir.file("x.npy"), 0, dir);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(read_file(dir.file("piped.npy")), read_file(dir.file("want.npy")));
  const CommandResult resumed = run_command({kRun, m.path, "--input", dir.file("x.npy"), "--chunk", "8", "--kv-store", kv2,
                                             "--resume", "--output", dir.file("resumed.npy")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  // The resumed run recomputes the last token alone (the streaming kernel), the
  // whole run in a round with the others (the block kernel): another summation order.
  expect_npy_near(dir.file("resumed.npy"), dir.file("want.npy"), 1e-6);
}

TEST_F(FifoInputs, EndlessPipeOfAWindowedModelIsStreamedInFixedMemory) {
  // A sliding-window model takes any length: the stream runs a round at a time
  // until its data ends, then the truncation is reported. 16 MiB of data (8 MiB
  // under emulation, still twice the margin below) take no more memory than 64 KiB
  // (the whole-pipe read before took all of it).
  TestModel w = make_model(dir, "w", ring_encoder_options(8, 8, 2, 1, true, 0, 16), 3);
  const std::vector<std::string> argv = {kRun, w.path, "--input", "/dev/stdin", "--quiet", "--chunk", "256", "--threads", "1"};
  const std::size_t large_bytes = (small_scale() ? std::size_t{8} : std::size_t{16}) << 20;
  const PipedRun small = run_piped(argv, npy_header(kHugeTokens, 8, dir), std::size_t{64} << 10, dir);
  const PipedRun large = run_piped(argv, npy_header(kHugeTokens, 8, dir), large_bytes, dir);
  if (refused_as_beyond_size_t(small) && refused_as_beyond_size_t(large)) return;
  for (const PipedRun* r : {&small, &large}) {
    EXPECT_EQ(r->exit_code, 1) << r->err;
    EXPECT_TRUE(has(r->err, "/dev/stdin: data is truncated: expected 35184372088832 bytes")) << r->err;
  }
  EXPECT_EQ(large.written, npy_header_bytes(kHugeTokens, 8).size() + large_bytes);
  EXPECT_LT(large.peak_rss_kib - small.peak_rss_kib, 4096)
      << "KiB more for " << (large_bytes >> 20) << " MiB of stream than for 64 KiB";
}

TEST_F(FifoInputs, PipedHugeBatchOrEveryTimestepIsRefusedWithAMessageNotAnAbort) {
  // A windowed model takes any length, so only the outputs' size stands between the
  // header and memory: 2^40 sequences of 4 tokens, or 2^40 timesteps kept.
  TestModel w = make_model(dir, "w", ring_encoder_options(8, 8, 2, 1, true, 0, 16), 3);
  write_file(dir.file("batch.npy"), npy_header_for_shape(std::to_string(kHugeTokens) + ", 4, 8"));
  const PipedRun batch = run_piped({kRun, w.path, "--input", "/dev/stdin", "--quiet"}, dir.file("batch.npy"), kFill, dir);
  if (refused_as_beyond_size_t(batch)) return;
  EXPECT_EQ(batch.exit_code, 1) << batch.err;
  EXPECT_TRUE(has(batch.err, "ringrt-run: error: /dev/stdin: cannot allocate 35184372088832 bytes for the outputs of "
                             "1099511627776 x 1 timesteps")) << batch.err;
  const PipedRun every = run_piped({kRun, w.path, "--input", "/dev/stdin", "--quiet", "--all-timesteps"},
                                   npy_header(kHugeTokens, 8, dir), kFill, dir);
  EXPECT_EQ(every.exit_code, 1) << every.err;
  EXPECT_TRUE(has(every.err, "/dev/stdin: cannot allocate 35184372088832 bytes for the outputs of 1 x 1099511627776 "
                             "timesteps")) << every.err;
  write_file(dir.file("overflow.npy"), npy_header_for_shape("4611686018427387904, 4, 8"));
  const PipedRun overflow = run_piped({kRun, w.path, "--input", "/dev/stdin", "--quiet"}, dir.file("overflow.npy"), kFill, dir);
  EXPECT_EQ(overflow.exit_code, 1) << overflow.err;
  EXPECT_TRUE(has(overflow.err, "its element count does not fit in size_t")) << overflow.err;
  for (const PipedRun* r : {&batch, &every, &overflow}) {
    EXPECT_LT(r->written, std::size_t{4} << 20) << "bytes of the stream were read before the refusal";
  }
}

// ---- a pipe that fits streams to the file's output ---------------------------------------

TEST_F(FifoInputs, PipedBatchGivesTheFilesOutputInTheFilesMemory) {
  // [2, 131072, 8] (8 MiB; [2, 65536, 8] under emulation, still twice the margin
  // below) through a windowed model: from the pipe, sequence after sequence a round
  // at a time, as from the file; no copy of the input is held.
  TestModel w = make_model(dir, "w", ring_encoder_options(8, 8, 2, 1, true, 0, 16), 3);
  const uint64_t tokens = small_scale() ? 65536 : 131072;
  write_npy_f32(dir.file("b.npy"), {2, tokens, 8}, synthetic_input(2 * tokens, 8, 17));
  const std::vector<std::string> base = {kRun, w.path, "--quiet", "--chunk", "256", "--threads", "1", "--output"};
  std::vector<std::string> from_file = base, from_pipe = base;
  from_file.insert(from_file.end(), {dir.file("want.npy"), "--input", dir.file("b.npy")});
  from_pipe.insert(from_pipe.end(), {dir.file("got.npy"), "--input", "/dev/stdin"});
  const PipedRun file_run = run_piped(from_file, "", 0, dir);
  ASSERT_EQ(file_run.exit_code, 0) << file_run.err;
  const PipedRun pipe_run = run_piped(from_pipe, dir.file("b.npy"), 0, dir);
  ASSERT_EQ(pipe_run.exit_code, 0) << pipe_run.err;
  EXPECT_EQ(read_file(dir.file("got.npy")), read_file(dir.file("want.npy")));
  EXPECT_LT(pipe_run.peak_rss_kib - file_run.peak_rss_kib, 2048) << "KiB more from the pipe than from the file";
}

}  // namespace
}  // namespace ringrt::test
