// A ring of ranks inside one process, for tests: R sessions in R threads connected
// by mailboxes. It implements the same RingTransport as the MPI ring, so the
// distributed session is tested (also under TSan and on emulated boards) without
// MPI; the MPI suites then check the same outputs across processes.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "ringrt/transport.hpp"

namespace ringrt::test {

class ThreadRing {
 public:
  explicit ThreadRing(uint32_t ranks, double timeout_seconds = 60.0);
  ~ThreadRing();
  RingTransport* rank(uint32_t r) { return endpoints_[r].get(); }
  uint32_t ranks() const { return static_cast<uint32_t>(endpoints_.size()); }
  // Runs body(rank) on one thread per rank and waits for all of them.
  void run(const std::function<void(uint32_t rank)>& body);

 private:
  friend class ThreadRingEndpoint;
  // Kinds of mailbox between two ranks.
  enum Box { kShift = 0, kBroadcast = 1, kPoint = 2 };
  void post(uint32_t from, uint32_t to, Box box, const void* data, std::size_t bytes);
  Status take(uint32_t from, uint32_t to, Box box, void* data, std::size_t bytes, const char* what);
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::deque<std::vector<unsigned char>>> boxes_;  // [(from * R + to) * 3 + box]
  std::vector<std::unique_ptr<RingTransport>> endpoints_;
  double timeout_seconds_;
};

}  // namespace ringrt::test
