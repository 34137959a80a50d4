#include "distributed.hpp"

#include "ringrt/mpi_transport.hpp"

namespace ringrt::cli {

DistributedRing::DistributedRing() = default;

DistributedRing::~DistributedRing() {
  transport_.reset();
  if (joined_) MPI_Finalize();
}

Status DistributedRing::start(int* argc, char*** argv, double timeout_seconds) {
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return Status::Error(StatusCode::kInternal, "MPI_Init_thread failed: was ringrt-run started by mpirun?");
  }
  joined_ = true;
  if (provided < MPI_THREAD_FUNNELED) {
    return Status::Error(StatusCode::kInternal, "this MPI library does not support MPI_THREAD_FUNNELED");
  }
  MpiTransportOptions options;
  options.timeout_seconds = timeout_seconds;
  return create_mpi_transport(MPI_COMM_WORLD, options, &transport_);
}

}  // namespace ringrt::cli
