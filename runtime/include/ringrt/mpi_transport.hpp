// The MPI ring transport: a RingTransport over the ranks of an MPI communicator
// (libringrt_mpi, built with -DRINGRT_WITH_MPI=ON; link ringrt::ringrt_mpi).
//
//   MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
//   std::unique_ptr<ringrt::RingTransport> ring;
//   ringrt::Status s = ringrt::create_mpi_transport(MPI_COMM_WORLD, {}, &ring);
//   ... one Session per rank on `ring`; on a failed Status: ring->abort(1) ...
//   ring.reset();       // before MPI_Finalize: the transport frees its communicator
//   MPI_Finalize();
//
// Uses MPI's C API only (the C++ bindings are deprecated; this header defines
// OMPI_SKIP_MPICXX / MPICH_SKIP_MPICXX before including mpi.h).
//
// Message sizes: MPI counts are ints, so a transfer of more than INT_MAX bytes is
// sent as consecutive MPI_BYTE messages of at most INT_MAX bytes each (in order,
// on one tag, so they match in order); callers see one transfer of any size_t size.
//
// Failures: every wait polls MPI_Test until the transfer completes or
// timeout_seconds have passed, then fails with StatusCode::kPeerFailed and a
// message naming the rank that did not answer, e.g. "rank 0: no data from rank 1
// within 60 s during a ring shift; rank 1 has probably died or stalled" (a broadcast
// that times out on rank 0 cannot tell which receiver is missing). MPI error codes
// become a Status with MPI_Error_string's text (kPeerFailed while completing a
// transfer, kInternal while starting one, kInvalidArgument when the ranks disagree
// on a size). A failure is sticky: the transfer that failed may still be in MPI's
// hands, its buffers with it, so every later call returns the same Status. The way
// out is abort(), which ends every rank of the job. (The destructor cancels what it
// can and frees the rest; a send it could not cancel may still be read by a peer
// that was only slow, so keep its buffer until MPI_Finalize if you do not abort.)
#pragma once

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <cstddef>
#include <memory>

#include "ringrt/transport.hpp"

namespace ringrt {

struct MpiTransportOptions {
  // Every wait (shift_end, broadcast, send, recv) is bounded by this many seconds.
  double timeout_seconds = 60.0;
  // Largest single MPI message in bytes; 0 means INT_MAX. Larger transfers go in
  // pieces of this size. Only tests need to set it (to exercise the pieces).
  std::size_t max_message_bytes = 0;
};

// Creates the transport of this rank. Collective over `comm`: every rank of it
// calls create_mpi_transport, with the same options, in the same order relative to
// other collectives on `comm`.
// `comm` must be an intra-communicator of >= 1 ranks; MPI must be initialised with
// at least MPI_THREAD_FUNNELED, and every call on the transport must come from the
// thread that initialised MPI. The transport duplicates `comm` (MPI_Comm_dup) and
// sets MPI_ERRORS_RETURN on its copy; rank() and ranks() are those of `comm`.
// The transport must be destroyed before MPI_Finalize (its destructor cancels or
// frees any transfer still outstanding and calls MPI_Comm_free on the copy).
Status create_mpi_transport(MPI_Comm comm, const MpiTransportOptions& options,
                            std::unique_ptr<RingTransport>* out);

}  // namespace ringrt
