// The ring of ranks a distributed session runs on (Ring Attention across processes
// or boards). A single-process session needs none (SessionOptions::transport =
// nullptr, or a transport of one rank); an MPI job is a ring of MPI ranks (ringrt/mpi_transport.hpp, -DRINGRT_WITH_MPI=ON).
//
// Every rank creates its own Session with the same model and options and calls the
// same Session methods with the same token counts, in the same order: a
// distributed session is collective. KV chunks travel one hop per shift, from each
// rank to the next, while the ranks compute attention on the chunk they hold.
//
// All calls are made from the thread that calls the Session methods. Every wait is
// bounded: a rank that dies or stalls makes the others fail with a Status that names
// it, never hang. The bound also covers the pause between two collective calls (the
// other ranks wait for rank 0's next append): a stream that pauses longer needs a
// transport timeout to match. After a distributed session fails, end the job
// (abort()) or destroy the transport before the session: a transfer to a rank that
// stalled may still be posted on the session's buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

// Where a distributed session's time went in the ring across ranks (per rank,
// since the session was created or the stats were cleared).
struct RingStats {
  double compute_seconds = 0;  // attention on other ranks' KV, and packing this rank's own
  double wait_seconds = 0;     // blocked in the transport after that compute was done
  uint64_t bytes_sent = 0;
  uint64_t chunks_received = 0;  // chunks that held KV visible to this rank's queries
};

class RINGRT_API RingTransport {
 public:
  virtual ~RingTransport() = default;

  virtual uint32_t rank() const = 0;   // this process: 0 .. ranks() - 1
  virtual uint32_t ranks() const = 0;  // processes in the ring

  // One hop of the ring: sends `bytes` from `send` to rank + 1 and receives `bytes`
  // into `recv` from rank - 1 (modulo ranks()). Returns at once; neither buffer may
  // be touched until shift_end() returns.
  virtual Status shift_begin(const void* send, void* recv, std::size_t bytes) = 0;
  // Completes the hop begun last. Fails, naming the rank that did not answer, when
  // it does not complete within the transport's timeout.
  virtual Status shift_end() = 0;
  // Gives the transport a chance to move data while the caller computes (MPI moves
  // large messages only inside its calls). Cheap; may do nothing.
  virtual void progress() = 0;

  // Every rank receives rank 0's `bytes` at `data` (bounded wait).
  virtual Status broadcast(void* data, std::size_t bytes) = 0;
  // Point to point (bounded waits): results travel to rank 0 this way.
  virtual Status send(uint32_t to, const void* data, std::size_t bytes) = 0;
  virtual Status recv(uint32_t from, void* data, std::size_t bytes) = 0;

  // Ends every rank of the job after this one failed (MPI_Abort), so that no rank
  // waits for it. Does not return for a multi-rank transport.
  virtual void abort(int exit_code) = 0;
};

}  // namespace ringrt
