// The ring of one rank: what a single-process session runs on. A shift hands the
// buffer back to the sender; there is nobody to broadcast to or wait for.
#pragma once

#include "ringrt/transport.hpp"

namespace ringrt {

class LocalTransport final : public RingTransport {
 public:
  uint32_t rank() const override { return 0; }
  uint32_t ranks() const override { return 1; }
  Status shift_begin(const void* send, void* recv, std::size_t bytes) override;
  Status shift_end() override { return Status::Ok(); }
  void progress() override {}
  Status broadcast(void*, std::size_t) override { return Status::Ok(); }
  Status send(uint32_t to, const void* data, std::size_t bytes) override;
  Status recv(uint32_t from, void* data, std::size_t bytes) override;
  void abort(int) override {}
};

}  // namespace ringrt
