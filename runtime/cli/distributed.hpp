// The ring of processes ringrt-run joins with --distributed: the MPI job it was
// started in (mpirun), when ringrt-run is built with -DRINGRT_WITH_MPI=ON.
#pragma once

#include <memory>

#include "ringrt/transport.hpp"

namespace ringrt::cli {

class DistributedRing {
 public:
  DistributedRing();
  ~DistributedRing();  // leaves the job (frees the transport, then MPI_Finalize)
  // Joins the job; every wait on the ring is bounded by `timeout_seconds`.
  Status start(int* argc, char*** argv, double timeout_seconds);
  RingTransport* transport() const { return transport_.get(); }

 private:
  std::unique_ptr<RingTransport> transport_;
  bool joined_ = false;
};

}  // namespace ringrt::cli
