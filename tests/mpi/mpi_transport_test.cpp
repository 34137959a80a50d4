// ringrt_mpi_transport_test: the MPI ring transport with real data, run under mpirun
// (tests/mpi/CMakeLists.txt: -np 1, 2, 3, 4). No GoogleTest: every rank runs every
// check, prints its own failures, and rank 0 prints the summary; the exit code is
// non-zero on every rank when any rank failed a check.
//
//   ringrt_mpi_transport_test            the checks below
//   ringrt_mpi_transport_test --stall    failure drill, 2 ranks: rank 1 stops itself
//                                        (SIGSTOP) mid-run; rank 0 must fail its shift
//                                        within timeout_seconds = 2, print the Status
//                                        and abort the job (tests/mpi/failure_test.sh)
//   ringrt_mpi_transport_test --kill     the same, rank 1 SIGKILLs itself
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ringrt/mpi_transport.hpp"

namespace {

using ringrt::MpiTransportOptions;
using ringrt::RingTransport;
using ringrt::Status;
using ringrt::StatusCode;

int g_rank = 0;
int g_ranks = 1;
int g_failures = 0;

#define CHECK(cond, ...)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      ++g_failures;                                                             \
      std::fprintf(stderr, "rank %d: CHECK failed at %s:%d: %s: ", g_rank, __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                        \
      std::fprintf(stderr, "\n");                                               \
    }                                                                           \
  } while (0)

#define CHECK_OK(expr)                                                                 \
  do {                                                                                 \
    const Status check_ok_status_ = (expr);                                            \
    CHECK(check_ok_status_.ok(), "%s -> %s", #expr, check_ok_status_.message());       \
  } while (0)

bool contains(const char* haystack, const std::string& needle) { return std::strstr(haystack, needle.c_str()); }

// Bytes that depend on the owner rank, a salt and the position: a buffer that went
// to the wrong rank, was shifted by the wrong distance or cut short does not match.
std::vector<uint8_t> pattern(int owner, std::size_t bytes, uint32_t salt) {
  std::vector<uint8_t> v(bytes);
  uint64_t x = 0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(owner) + 1) + salt * 0xBF58476D1CE4E5B9ull + bytes;
  for (std::size_t i = 0; i < bytes; ++i) {
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x += 0x2545F4914F6CDD1Dull;
    v[i] = static_cast<uint8_t>(x >> 56);
  }
  return v;
}

// Index of the first differing byte, or -1.
long first_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return static_cast<long>(i);
  }
  return -1;
}

std::unique_ptr<RingTransport> make(double timeout_seconds, std::size_t max_message_bytes = 0) {
  MpiTransportOptions o;
  o.timeout_seconds = timeout_seconds;
  o.max_message_bytes = max_message_bytes;
  std::unique_ptr<RingTransport> t;
  const Status s = ringrt::create_mpi_transport(MPI_COMM_WORLD, o, &t);
  if (!s.ok()) {
    std::fprintf(stderr, "rank %d: create_mpi_transport failed: %s\n", g_rank, s.message());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  return t;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// R hops of the ring bring every buffer home; hop h brings rank - h's buffer.
void check_full_circle(RingTransport& t, std::size_t bytes, const char* label) {
  const uint32_t salt = 11;
  std::vector<uint8_t> cur = pattern(g_rank, bytes, salt);
  std::vector<uint8_t> next(bytes, 0xEE);
  for (int hop = 1; hop <= g_ranks; ++hop) {
    std::fill(next.begin(), next.end(), 0xEE);
    CHECK_OK(t.shift_begin(cur.data(), next.data(), bytes));
    for (int i = 0; i < 4; ++i) t.progress();  // as a caller computing meanwhile
    CHECK_OK(t.shift_end());
    const int owner = ((g_rank - hop) % g_ranks + g_ranks) % g_ranks;
    const long diff = first_difference(next, pattern(owner, bytes, salt));
    CHECK(diff < 0, "%s: %zu bytes, hop %d: expected rank %d's data, first difference at byte %ld", label, bytes, hop,
          owner, diff);
    cur.swap(next);
  }
  CHECK(first_difference(cur, pattern(g_rank, bytes, salt)) < 0, "%s: %zu bytes: the buffer did not come home", label,
        bytes);
}

void check_broadcast(RingTransport& t, std::size_t bytes, const char* label) {
  const uint32_t salt = 22;
  std::vector<uint8_t> data = pattern(g_rank, bytes, salt);  // only rank 0's must survive
  CHECK_OK(t.broadcast(data.data(), bytes));
  const long diff = first_difference(data, pattern(0, bytes, salt));
  CHECK(diff < 0, "%s: broadcast of %zu bytes: first difference at byte %ld", label, bytes, diff);
}

// Every rank sends to rank 0 (received in rank order), then rank 0 answers each.
void check_point_to_point(RingTransport& t, std::size_t bytes, const char* label) {
  const uint32_t up = 33, down = 44;
  if (g_rank == 0) {
    for (int from = 1; from < g_ranks; ++from) {
      std::vector<uint8_t> got(bytes, 0xEE);
      CHECK_OK(t.recv(static_cast<uint32_t>(from), got.data(), bytes));
      const long diff = first_difference(got, pattern(from, bytes, up));
      CHECK(diff < 0, "%s: %zu bytes from rank %d: first difference at byte %ld", label, bytes, from, diff);
    }
    for (int to = 1; to < g_ranks; ++to) {
      const std::vector<uint8_t> data = pattern(to, bytes, down);
      CHECK_OK(t.send(static_cast<uint32_t>(to), data.data(), bytes));
    }
  } else {
    const std::vector<uint8_t> data = pattern(g_rank, bytes, up);
    CHECK_OK(t.send(0, data.data(), bytes));
    std::vector<uint8_t> got(bytes, 0xEE);
    CHECK_OK(t.recv(0, got.data(), bytes));
    const long diff = first_difference(got, pattern(g_rank, bytes, down));
    CHECK(diff < 0, "%s: %zu bytes from rank 0: first difference at byte %ld", label, bytes, diff);
  }
}

void check_data() {
  const std::size_t kSizes[] = {1, 4099, std::size_t{8} << 20};
  {
    std::unique_ptr<RingTransport> t = make(60);
    int mpi_rank = -1, mpi_size = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    CHECK(t->rank() == static_cast<uint32_t>(mpi_rank), "rank() %u, MPI says %d", t->rank(), mpi_rank);
    CHECK(t->ranks() == static_cast<uint32_t>(mpi_size), "ranks() %u, MPI says %d", t->ranks(), mpi_size);
    t->progress();  // nothing outstanding: a no-op
    for (std::size_t bytes : kSizes) check_full_circle(*t, bytes, "default");
    check_full_circle(*t, 0, "default");
    for (std::size_t bytes : kSizes) check_broadcast(*t, bytes, "default");
    check_broadcast(*t, 0, "default");
    for (std::size_t bytes : kSizes) check_point_to_point(*t, bytes, "default");
  }
  {
    // Transfers larger than one MPI message go in pieces (in production: > INT_MAX
    // bytes); 1 MiB + 3 makes 8 MiB + 5 eight full pieces and a short one.
    std::unique_ptr<RingTransport> t = make(60, (std::size_t{1} << 20) + 3);
    const std::size_t big = (std::size_t{8} << 20) + 5;
    check_full_circle(*t, big, "pieces");
    check_full_circle(*t, 1, "pieces");
    check_broadcast(*t, big, "pieces");
    check_point_to_point(*t, big, "pieces");
  }
}

void check_invalid_arguments() {
  std::unique_ptr<RingTransport> t = make(60);
  uint8_t a[64] = {}, b[64] = {};
  const uint32_t self = t->rank(), n = t->ranks();
  CHECK(t->send(self, a, 1).code() == StatusCode::kInvalidArgument, "send to itself");
  CHECK(t->recv(self, a, 1).code() == StatusCode::kInvalidArgument, "receive from itself");
  CHECK(t->send(n, a, 1).code() == StatusCode::kInvalidArgument, "send to rank ranks()");
  CHECK(t->recv(n + 7, a, 1).code() == StatusCode::kInvalidArgument, "receive from a rank past ranks()");
  CHECK(t->shift_end().code() == StatusCode::kInvalidArgument, "shift_end without shift_begin");
  CHECK(t->shift_begin(a, a + 8, 16).code() == StatusCode::kInvalidArgument, "overlapping shift buffers");
  CHECK(t->shift_begin(nullptr, b, 16).code() == StatusCode::kInvalidArgument, "null send buffer");
  CHECK(t->broadcast(nullptr, 16).code() == StatusCode::kInvalidArgument, "null broadcast buffer");
  CHECK_OK(t->shift_begin(a, b, sizeof a));
  CHECK(t->shift_begin(a, b, sizeof a).code() == StatusCode::kInvalidArgument, "shift_begin twice");
  CHECK_OK(t->shift_end());
  // Rejected arguments leave the transport usable.
  check_full_circle(*t, 64, "after invalid arguments");

  std::unique_ptr<RingTransport> none;
  MpiTransportOptions o;
  o.timeout_seconds = 0;
  CHECK(ringrt::create_mpi_transport(MPI_COMM_WORLD, o, &none).code() == StatusCode::kInvalidArgument, "timeout 0");
  o.timeout_seconds = std::nan("");
  CHECK(ringrt::create_mpi_transport(MPI_COMM_WORLD, o, &none).code() == StatusCode::kInvalidArgument, "timeout NaN");
  o.timeout_seconds = 1;
  o.max_message_bytes = std::size_t{1} << 31;
  CHECK(ringrt::create_mpi_transport(MPI_COMM_WORLD, o, &none).code() == StatusCode::kInvalidArgument,
        "max_message_bytes > INT_MAX");
  o.max_message_bytes = 0;
  CHECK(ringrt::create_mpi_transport(MPI_COMM_NULL, o, &none).code() == StatusCode::kInvalidArgument, "MPI_COMM_NULL");
  CHECK(ringrt::create_mpi_transport(MPI_COMM_WORLD, o, nullptr).code() == StatusCode::kInvalidArgument, "null out");
  CHECK(!none, "no transport after a failed create");
}

// A peer that does not answer, inside a healthy job: the wait fails after the
// timeout, names the peer, and the failure is sticky. The transports are then
// destroyed with transfers outstanding (cancelled or freed by the destructor).
void check_timeouts() {
  if (g_ranks < 2) return;
  const double timeout = 0.5;
  const std::string last = std::to_string(g_ranks - 1);
  // Buffers outlive the transports: a freed send may still be read by MPI.
  static std::vector<uint8_t> big_a(std::size_t{8} << 20), big_b(std::size_t{8} << 20);
  uint8_t small[16] = {};

  struct Case {
    const char* name;
    std::string expect;  // in rank 0's message
  };
  auto check_failure = [&](const Status& s, std::chrono::steady_clock::time_point t0, const Case& c,
                           RingTransport& t) {
    const double elapsed = seconds_since(t0);
    CHECK(s.code() == StatusCode::kPeerFailed, "%s: expected kPeerFailed, got %d: %s", c.name,
          static_cast<int>(s.code()), s.message());
    CHECK(contains(s.message(), c.expect), "%s: message \"%s\" lacks \"%s\"", c.name, s.message(), c.expect.c_str());
    CHECK(contains(s.message(), "within 0.5 s"), "%s: message \"%s\" lacks the timeout", c.name, s.message());
    CHECK(elapsed >= timeout * 0.95 && elapsed < timeout + 5, "%s: failed after %.2f s, timeout %.2f s", c.name,
          elapsed, timeout);
    // Sticky: the next call reports the same failure without waiting again.
    const Status again = t.broadcast(small, 1);
    CHECK(again.code() == StatusCode::kPeerFailed && std::strcmp(again.message(), s.message()) == 0,
          "%s: failure is not sticky: %s", c.name, again.message());
  };

  {  // rank 0 receives from rank 1, which never sends
    std::unique_ptr<RingTransport> t = make(timeout);
    if (g_rank == 0) {
      const auto t0 = std::chrono::steady_clock::now();
      const Status s = t->recv(1, small, sizeof small);
      check_failure(s, t0, {"recv", "rank 0: no data from rank 1 within"}, *t);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  {  // rank 0 sends 8 MiB (a rendezvous) to rank 1, which never receives
    std::unique_ptr<RingTransport> t = make(timeout);
    if (g_rank == 0) {
      const auto t0 = std::chrono::steady_clock::now();
      const Status s = t->send(1, big_a.data(), big_a.size());
      check_failure(s, t0, {"send", "rank 0: rank 1 did not take the data sent to it within"}, *t);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  {  // rank 0 shifts alone: nothing arrives from rank R-1 (and rank 1 takes nothing)
    std::unique_ptr<RingTransport> t = make(timeout);
    if (g_rank == 0) {
      const auto t0 = std::chrono::steady_clock::now();
      Status s = t->shift_begin(big_a.data(), big_b.data(), big_a.size());
      CHECK_OK(s);
      t->progress();
      s = t->shift_end();
      check_failure(s, t0, {"shift", "rank 0: no data from rank " + last + " within 0.5 s during a ring shift"}, *t);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  {  // the other ranks wait for a broadcast that rank 0 starts only after they gave up
    std::unique_ptr<RingTransport> t = make(timeout);
    if (g_rank != 0) {
      const auto t0 = std::chrono::steady_clock::now();
      const Status s = t->broadcast(small, sizeof small);
      check_failure(s, t0, {"broadcast", "rank " + std::to_string(g_rank) + ": no data from rank 0 within"}, *t);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) CHECK_OK(t->broadcast(small, sizeof small));  // lets the others' requests complete
  }
  MPI_Barrier(MPI_COMM_WORLD);
  // Transports made after all that work normally.
  std::unique_ptr<RingTransport> t = make(60);
  check_full_circle(*t, 4099, "after timeouts");
}

// Failure drills for tests/mpi/failure_test.sh: 2 ranks, rank 1 goes away after 3
// good shifts; rank 0 keeps shifting until its transport reports the failure.
int drill(bool kill) {
  MpiTransportOptions o;
  o.timeout_seconds = kill ? 10 : 2;
  std::unique_ptr<RingTransport> t;
  Status s = ringrt::create_mpi_transport(MPI_COMM_WORLD, o, &t);
  if (!s.ok()) {
    std::fprintf(stderr, "rank %d: %s\n", g_rank, s.message());
    return 2;
  }
  const std::size_t bytes = 64 << 10;
  std::vector<uint8_t> a = pattern(g_rank, bytes, 1), b(bytes);
  for (int i = 0; i < 1000; ++i) {
    if (g_rank == 1 && i == 3) {
      std::fprintf(stderr, "rank 1: %s itself now\n", kill ? "killing (SIGKILL)" : "stopping (SIGSTOP)");
      std::fflush(stderr);
      std::raise(kill ? SIGKILL : SIGSTOP);
    }
    s = t->shift_begin(a.data(), b.data(), bytes);
    if (s.ok()) s = t->shift_end();
    if (!s.ok()) {
      std::fprintf(stderr, "ringrt_mpi_transport_test: shift %d failed (%s): %s\n", i,
                   ringrt::status_code_name(s.code()), s.message());
      t->abort(3);
    }
    a.swap(b);
  }
  std::fprintf(stderr, "rank %d: 1000 shifts succeeded although rank 1 went away\n", g_rank);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_ranks);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "--stall" || mode == "--kill") {
    const int rc = drill(mode == "--kill");
    MPI_Finalize();
    return rc;
  }
  if (!mode.empty()) {
    if (g_rank == 0) std::fprintf(stderr, "usage: %s [--stall | --kill]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }

  const auto t0 = std::chrono::steady_clock::now();
  check_data();
  MPI_Barrier(MPI_COMM_WORLD);
  check_invalid_arguments();
  MPI_Barrier(MPI_COMM_WORLD);
  check_timeouts();

  int total = 0;
  MPI_Allreduce(&g_failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (g_rank == 0) {
    std::printf("ringrt_mpi_transport_test: %d rank%s, %s (%.2f s)\n", g_ranks, g_ranks == 1 ? "" : "s",
                total ? "FAILED" : "all checks passed", seconds_since(t0));
    if (total) std::printf("ringrt_mpi_transport_test: %d failed checks\n", total);
  }
  MPI_Finalize();
  return total ? 1 : 0;
}
