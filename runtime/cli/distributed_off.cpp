#include "distributed.hpp"

namespace ringrt::cli {

DistributedRing::DistributedRing() = default;
DistributedRing::~DistributedRing() = default;

Status DistributedRing::start(int*, char***, double) {
  joined_ = false;  // no MPI job to join in this build, none to leave
  return Status::Error(StatusCode::kInvalidArgument,
                       "--distributed needs a ringrt-run built with MPI: configure with -DRINGRT_WITH_MPI=ON "
                       "(Debian packages libopenmpi-dev and openmpi-bin) and start it with mpirun");
}

}  // namespace ringrt::cli
