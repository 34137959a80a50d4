// RingTransport over MPI (ringrt/mpi_transport.hpp).
//
// Every transfer is non-blocking (MPI_Irecv / MPI_Isend / MPI_Ibcast) on a private
// duplicate of the caller's communicator, and every wait is a loop of MPI_Test calls
// bounded by MpiTransportOptions::timeout_seconds, so that a rank that died or
// stalled turns into a Status naming it instead of a hang.
#include "ringrt/mpi_transport.hpp"

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <vector>

namespace ringrt {
namespace {

// Tags on the private communicator: ring shifts and point-to-point transfers never
// match each other. (Broadcast is a collective: it has no tag.)
constexpr int kShiftTag = 0x5231;
constexpr int kP2pTag = 0x5232;

// A wait polls this many times back to back, then sleeps between polls: ranks share
// cores with each other and with the compute threads.
constexpr int kSpinPolls = 16;
constexpr long kPollSleepNanoseconds = 30 * 1000;
// The destructor gives cancelled transfers this long (at most the timeout) to complete.
constexpr double kCleanupSeconds = 1.0;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void poll_sleep() {
  timespec ts{0, kPollSleepNanoseconds};
  nanosleep(&ts, nullptr);
}

// MPI_Error_string's text for `code`.
struct MpiErrorText {
  char text[MPI_MAX_ERROR_STRING];
  explicit MpiErrorText(int code) {
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) {
      std::snprintf(text, sizeof text, "MPI error code %d", code);
    }
  }
};

enum class Op { kShift, kBroadcast, kSend, kRecv };
enum class Kind { kRecv, kSend, kCollective };

const char* op_name(Op op) {
  switch (op) {
    case Op::kShift: return "a ring shift";
    case Op::kBroadcast: return "a broadcast";
    case Op::kSend: return "a point-to-point send";
    case Op::kRecv: return "a point-to-point receive";
  }
  return "a transfer";
}

const char* call_name(Kind kind) {
  switch (kind) {
    case Kind::kRecv: return "MPI_Irecv";
    case Kind::kSend: return "MPI_Isend";
    case Kind::kCollective: return "MPI_Ibcast";
  }
  return "MPI";
}

// One outstanding MPI request: a piece of at most INT_MAX bytes of one transfer.
struct Pending {
  MPI_Request request;
  Kind kind;
  Op op;
  int peer;          // the rank data comes from (kRecv, kCollective: the root) or goes to
  int bytes;         // this piece's size
};

class MpiTransport final : public RingTransport {
 public:
  MpiTransport(MPI_Comm comm, int rank, int ranks, double timeout_seconds, std::size_t piece)
      : comm_(comm), rank_(rank), ranks_(ranks), timeout_(timeout_seconds), piece_(piece) {
    shift_.reserve(2);
    scratch_.reserve(2);
  }
  ~MpiTransport() override;

  uint32_t rank() const override { return static_cast<uint32_t>(rank_); }
  uint32_t ranks() const override { return static_cast<uint32_t>(ranks_); }

  Status shift_begin(const void* send, void* recv, std::size_t bytes) override;
  Status shift_end() override;
  void progress() override;
  Status broadcast(void* data, std::size_t bytes) override;
  Status send(uint32_t to, const void* data, std::size_t bytes) override;
  Status recv(uint32_t from, void* data, std::size_t bytes) override;
  void abort(int exit_code) override;

 private:
  // Posts `bytes` at `data` as pieces of at most piece_ bytes (one empty piece when
  // bytes == 0) and appends their requests to `into`.
  Status post(Kind kind, Op op, void* data, std::size_t bytes, int peer, int tag,
              std::vector<Pending>* into);
  // MPI_Test on one request; *done when it completed (successfully or not).
  Status test(Pending* p, bool* done);
  // Tests every request of `reqs` until all completed or timeout_ passed; clears
  // `reqs` on success. On failure the requests left move to abandoned_.
  Status wait(std::vector<Pending>* reqs);
  Status timeout_error(const Pending& p) const;
  Status mpi_error(int code, const Pending& p, bool posting) const;
  // Records a failure that leaves requests in MPI's hands: sticky from now on.
  Status fail(const Status& s, std::vector<Pending>* reqs);
  Status check_peer(uint32_t peer, const char* what) const;

  MPI_Comm comm_;
  int rank_;
  int ranks_;
  double timeout_;
  std::size_t piece_;
  bool shift_open_ = false;
  std::vector<Pending> shift_;      // requests of the shift begun last
  std::vector<Pending> scratch_;    // requests of a broadcast / send / recv
  std::vector<Pending> abandoned_;  // requests a failed wait left behind
  Status progress_error_;           // an error seen by progress(), reported by shift_end()
  Status failed_;                   // the sticky failure
};

Status MpiTransport::check_peer(uint32_t peer, const char* what) const {
  if (peer >= static_cast<uint32_t>(ranks_)) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: %s rank %u, but the ring has %d ranks", rank_,
                         what, peer, ranks_);
  }
  if (peer == static_cast<uint32_t>(rank_)) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: %s itself is not supported", rank_, what);
  }
  return Status::Ok();
}

Status MpiTransport::post(Kind kind, Op op, void* data, std::size_t bytes, int peer, int tag,
                          std::vector<Pending>* into) {
  std::size_t offset = 0;
  do {
    const std::size_t n = bytes - offset < piece_ ? bytes - offset : piece_;
    char* p = static_cast<char*>(data) + offset;
    Pending pending{MPI_REQUEST_NULL, kind, op, peer, static_cast<int>(n)};
    int rc = MPI_SUCCESS;
    switch (kind) {
      case Kind::kRecv: rc = MPI_Irecv(p, pending.bytes, MPI_BYTE, peer, tag, comm_, &pending.request); break;
      case Kind::kSend: rc = MPI_Isend(p, pending.bytes, MPI_BYTE, peer, tag, comm_, &pending.request); break;
      case Kind::kCollective: rc = MPI_Ibcast(p, pending.bytes, MPI_BYTE, peer, comm_, &pending.request); break;
    }
    if (rc != MPI_SUCCESS) return mpi_error(rc, pending, /*posting=*/true);
    into->push_back(pending);
    offset += n;
  } while (offset < bytes);
  return Status::Ok();
}

Status MpiTransport::test(Pending* p, bool* done) {
  *done = false;
  if (p->request == MPI_REQUEST_NULL) {
    *done = true;
    return Status::Ok();
  }
  int flag = 0;
  MPI_Status status;
  const int rc = MPI_Test(&p->request, &flag, &status);
  if (rc != MPI_SUCCESS) {
    *done = true;
    p->request = MPI_REQUEST_NULL;
    return mpi_error(rc, *p, /*posting=*/false);
  }
  if (!flag) return Status::Ok();
  *done = true;
  if (p->kind == Kind::kRecv) {
    // A shorter message completes a receive without an error: the ranks disagree
    // about the sizes, i.e. they are not making the same calls.
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    if (count != p->bytes) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "rank %d: received %d bytes from rank %d during %s, expected %d: the ranks disagree on "
                           "the sizes (every rank must make the same calls with the same sizes)",
                           rank_, count, p->peer, op_name(p->op), p->bytes);
    }
  }
  return Status::Ok();
}

Status MpiTransport::timeout_error(const Pending& p) const {
  switch (p.kind) {
    case Kind::kRecv:
      return Status::Error(StatusCode::kPeerFailed,
                           "rank %d: no data from rank %d within %g s during %s; rank %d has probably died or stalled",
                           rank_, p.peer, timeout_, op_name(p.op), p.peer);
    case Kind::kSend:
      return Status::Error(StatusCode::kPeerFailed,
                           "rank %d: rank %d did not take the data sent to it within %g s during %s; rank %d has "
                           "probably died or stalled",
                           rank_, p.peer, timeout_, op_name(p.op), p.peer);
    case Kind::kCollective:
      if (rank_ == p.peer) {
        return Status::Error(StatusCode::kPeerFailed,
                             "rank %d: the broadcast to the other ranks did not complete within %g s; one of them "
                             "has probably died or stalled",
                             rank_, timeout_);
      }
      return Status::Error(StatusCode::kPeerFailed,
                           "rank %d: no data from rank %d within %g s during a broadcast; rank %d (or a rank relaying "
                           "its data) has probably died or stalled",
                           rank_, p.peer, timeout_, p.peer);
  }
  return Status::Error(StatusCode::kPeerFailed, "rank %d: timed out after %g s", rank_, timeout_);
}

Status MpiTransport::mpi_error(int code, const Pending& p, bool posting) const {
  int error_class = code;
  MPI_Error_class(code, &error_class);
  StatusCode status_code = posting ? StatusCode::kInternal : StatusCode::kPeerFailed;
  if (error_class == MPI_ERR_TRUNCATE) status_code = StatusCode::kInvalidArgument;  // sizes disagree
  if (error_class == MPI_ERR_NO_MEM) status_code = StatusCode::kOutOfMemory;
  const MpiErrorText text(code);
  const char* direction = p.kind == Kind::kSend ? "to" : "from";
  return Status::Error(status_code, "rank %d: %s %s rank %d failed during %s: %s", rank_,
                       posting ? call_name(p.kind) : "completing the transfer", direction, p.peer, op_name(p.op),
                       text.text);
}

Status MpiTransport::fail(const Status& s, std::vector<Pending>* reqs) {
  for (const Pending& p : *reqs) {
    if (p.request != MPI_REQUEST_NULL) abandoned_.push_back(p);
  }
  reqs->clear();
  failed_ = s;
  return s;
}

Status MpiTransport::wait(std::vector<Pending>* reqs) {
  const Clock::time_point start = Clock::now();
  for (int polls = 0;; ++polls) {
    bool all_done = true;
    for (Pending& p : *reqs) {
      bool done = false;
      Status s = test(&p, &done);
      if (!s.ok()) return fail(s, reqs);
      all_done = all_done && done;
    }
    if (all_done) {
      reqs->clear();
      return Status::Ok();
    }
    if (seconds_since(start) >= timeout_) {
      // Name the first piece that did not complete; a missing receive first: the
      // rank that sends nothing is the one that failed.
      const Pending* culprit = nullptr;
      for (const Pending& p : *reqs) {
        if (p.request == MPI_REQUEST_NULL) continue;
        if (!culprit || (p.kind == Kind::kRecv && culprit->kind != Kind::kRecv)) culprit = &p;
      }
      const Status s = timeout_error(*culprit);
      return fail(s, reqs);
    }
    if (polls >= kSpinPolls) poll_sleep();
  }
}

Status MpiTransport::shift_begin(const void* send, void* recv, std::size_t bytes) {
  if (!failed_.ok()) return failed_;
  if (shift_open_) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: shift_begin while a shift is in flight (call shift_end first)",
                         rank_);
  }
  if (bytes > 0) {
    if (!send || !recv) return Status::Error(StatusCode::kInvalidArgument, "rank %d: shift of %zu bytes with a null buffer", rank_, bytes);
    const auto s = reinterpret_cast<std::uintptr_t>(send);
    const auto r = reinterpret_cast<std::uintptr_t>(recv);
    if (s < r + bytes && r < s + bytes) {
      return Status::Error(StatusCode::kInvalidArgument, "rank %d: shift of %zu bytes with overlapping send and receive buffers",
                           rank_, bytes);
    }
  }
  if (ranks_ == 1) {
    if (bytes > 0) std::memcpy(recv, send, bytes);
    shift_open_ = true;
    return Status::Ok();
  }
  progress_error_ = Status::Ok();
  const int from = (rank_ - 1 + ranks_) % ranks_;
  const int to = (rank_ + 1) % ranks_;
  Status s = post(Kind::kRecv, Op::kShift, recv, bytes, from, kShiftTag, &shift_);
  if (s.ok()) s = post(Kind::kSend, Op::kShift, const_cast<void*>(send), bytes, to, kShiftTag, &shift_);
  if (!s.ok()) return fail(s, &shift_);
  shift_open_ = true;
  return Status::Ok();
}

Status MpiTransport::shift_end() {
  if (!failed_.ok()) return failed_;
  if (!shift_open_) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: shift_end without a shift_begin", rank_);
  }
  shift_open_ = false;
  if (!progress_error_.ok()) return fail(progress_error_, &shift_);
  return wait(&shift_);
}

void MpiTransport::progress() {
  if (!shift_open_ || !progress_error_.ok() || !failed_.ok()) return;
  for (Pending& p : shift_) {
    if (p.request == MPI_REQUEST_NULL) continue;
    bool done = false;
    progress_error_ = test(&p, &done);
    return;  // one MPI_Test: it moves every outstanding transfer
  }
}

Status MpiTransport::broadcast(void* data, std::size_t bytes) {
  if (!failed_.ok()) return failed_;
  if (bytes > 0 && !data) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: broadcast of %zu bytes with a null buffer", rank_, bytes);
  }
  if (ranks_ == 1) return Status::Ok();
  Status s = post(Kind::kCollective, Op::kBroadcast, data, bytes, /*root=*/0, 0, &scratch_);
  if (!s.ok()) return fail(s, &scratch_);
  return wait(&scratch_);
}

Status MpiTransport::send(uint32_t to, const void* data, std::size_t bytes) {
  if (!failed_.ok()) return failed_;
  RINGRT_RETURN_IF_ERROR(check_peer(to, "send to"));
  if (bytes > 0 && !data) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: send of %zu bytes with a null buffer", rank_, bytes);
  }
  Status s = post(Kind::kSend, Op::kSend, const_cast<void*>(data), bytes, static_cast<int>(to), kP2pTag, &scratch_);
  if (!s.ok()) return fail(s, &scratch_);
  return wait(&scratch_);
}

Status MpiTransport::recv(uint32_t from, void* data, std::size_t bytes) {
  if (!failed_.ok()) return failed_;
  RINGRT_RETURN_IF_ERROR(check_peer(from, "receive from"));
  if (bytes > 0 && !data) {
    return Status::Error(StatusCode::kInvalidArgument, "rank %d: receive of %zu bytes with a null buffer", rank_, bytes);
  }
  Status s = post(Kind::kRecv, Op::kRecv, data, bytes, static_cast<int>(from), kP2pTag, &scratch_);
  if (!s.ok()) return fail(s, &scratch_);
  return wait(&scratch_);
}

void MpiTransport::abort(int exit_code) {
  std::fflush(nullptr);  // what the caller printed about the failure comes out first
  MPI_Abort(comm_, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; if it ever did, still end here
}

MpiTransport::~MpiTransport() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;  // misuse (destroyed after MPI_Finalize): nothing can be freed now
  std::vector<Pending> left;
  left.swap(abandoned_);
  for (const Pending& p : shift_) left.push_back(p);
  for (const Pending& p : scratch_) left.push_back(p);
  // Point-to-point requests can be cancelled (a send that was already matched
  // completes instead); nonblocking collectives cannot.
  for (Pending& p : left) {
    if (p.request != MPI_REQUEST_NULL && p.kind != Kind::kCollective) MPI_Cancel(&p.request);
  }
  const double cleanup_seconds = timeout_ < kCleanupSeconds ? timeout_ : kCleanupSeconds;
  const Clock::time_point start = Clock::now();
  for (int polls = 0;; ++polls) {
    bool all_done = true;
    for (Pending& p : left) {
      if (p.request == MPI_REQUEST_NULL) continue;
      int flag = 0;
      if (MPI_Test(&p.request, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) p.request = MPI_REQUEST_NULL;
      all_done = all_done && (flag || p.request == MPI_REQUEST_NULL);
    }
    if (all_done || seconds_since(start) >= cleanup_seconds) break;
    if (polls >= kSpinPolls) poll_sleep();
  }
  // What is still outstanding belongs to a dead or stalled peer. Freeing a
  // point-to-point request lets MPI finish or drop it on its own; a collective
  // request may not be freed and is left to MPI (MPI_Comm_free below only marks the
  // communicator for deallocation while operations on it are pending).
  for (Pending& p : left) {
    if (p.request != MPI_REQUEST_NULL && p.kind != Kind::kCollective) MPI_Request_free(&p.request);
  }
  MPI_Comm_free(&comm_);
}

}  // namespace

Status create_mpi_transport(MPI_Comm comm, const MpiTransportOptions& options, std::unique_ptr<RingTransport>* out) {
  if (!out) return Status::Error(StatusCode::kInvalidArgument, "create_mpi_transport: null output");
  out->reset();
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) {
    return Status::Error(StatusCode::kInvalidArgument, "create_mpi_transport: MPI is %s",
                         finalized ? "already finalised" : "not initialised (call MPI_Init_thread first)");
  }
  int provided = MPI_THREAD_SINGLE;
  MPI_Query_thread(&provided);
  if (provided < MPI_THREAD_FUNNELED) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "create_mpi_transport: MPI was initialised with MPI_THREAD_SINGLE; ringrt needs at least "
                         "MPI_THREAD_FUNNELED (MPI_Init_thread)");
  }
  int main_thread = 0;
  MPI_Is_thread_main(&main_thread);
  if (!main_thread && provided < MPI_THREAD_SERIALIZED) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "create_mpi_transport: called from a thread other than the one that initialised MPI, which "
                         "provides only MPI_THREAD_FUNNELED");
  }
  if (comm == MPI_COMM_NULL) return Status::Error(StatusCode::kInvalidArgument, "create_mpi_transport: MPI_COMM_NULL");
  int inter = 0;
  MPI_Comm_test_inter(comm, &inter);
  if (inter) {
    return Status::Error(StatusCode::kInvalidArgument, "create_mpi_transport: needs an intra-communicator, not an inter-communicator");
  }
  if (!std::isfinite(options.timeout_seconds) || options.timeout_seconds <= 0) {
    return Status::Error(StatusCode::kInvalidArgument, "create_mpi_transport: timeout_seconds must be finite and > 0, not %g",
                         options.timeout_seconds);
  }
  if (options.max_message_bytes > static_cast<std::size_t>(INT_MAX)) {
    return Status::Error(StatusCode::kInvalidArgument, "create_mpi_transport: max_message_bytes %zu exceeds INT_MAX",
                         options.max_message_bytes);
  }
  const std::size_t piece = options.max_message_bytes ? options.max_message_bytes : static_cast<std::size_t>(INT_MAX);

  MPI_Comm dup = MPI_COMM_NULL;
  int rc = MPI_Comm_dup(comm, &dup);
  if (rc == MPI_SUCCESS) rc = MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  int rank = 0;
  int ranks = 0;
  if (rc == MPI_SUCCESS) rc = MPI_Comm_rank(dup, &rank);
  if (rc == MPI_SUCCESS) rc = MPI_Comm_size(dup, &ranks);
  if (rc != MPI_SUCCESS) {
    const MpiErrorText text(rc);
    if (dup != MPI_COMM_NULL) MPI_Comm_free(&dup);
    return Status::Error(StatusCode::kInternal, "create_mpi_transport: duplicating the communicator failed: %s", text.text);
  }
  MpiTransport* t = new (std::nothrow) MpiTransport(dup, rank, ranks, options.timeout_seconds, piece);
  if (!t) {
    MPI_Comm_free(&dup);
    return Status::Error(StatusCode::kOutOfMemory, "create_mpi_transport: out of memory");
  }
  out->reset(t);
  return Status::Ok();
}

}  // namespace ringrt
