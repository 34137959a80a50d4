#include "local_transport.hpp"

#include <cstring>

namespace ringrt {

Status LocalTransport::shift_begin(const void* send, void* recv, std::size_t bytes) {
  if (send != recv) std::memcpy(recv, send, bytes);
  return Status::Ok();
}

Status LocalTransport::send(uint32_t to, const void*, std::size_t) {
  return Status::Error(StatusCode::kInvalidArgument, "send to rank %u: a single-process ring has only rank 0", to);
}

Status LocalTransport::recv(uint32_t from, void*, std::size_t) {
  return Status::Error(StatusCode::kInvalidArgument, "receive from rank %u: a single-process ring has only rank 0",
                       from);
}

}  // namespace ringrt
