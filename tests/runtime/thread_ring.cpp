#include "thread_ring.hpp"

#include <chrono>
#include <cstring>
#include <thread>

namespace ringrt::test {

class ThreadRingEndpoint final : public RingTransport {
 public:
  ThreadRingEndpoint(ThreadRing* ring, uint32_t rank) : ring_(ring), rank_(rank) {}
  uint32_t rank() const override { return rank_; }
  uint32_t ranks() const override { return ring_->ranks(); }
  Status shift_begin(const void* send, void* recv, std::size_t bytes) override {
    ring_->post(rank_, (rank_ + 1) % ranks(), ThreadRing::kShift, send, bytes);
    pending_ = recv;
    pending_bytes_ = bytes;
    return Status::Ok();
  }
  Status shift_end() override {
    return ring_->take((rank_ + ranks() - 1) % ranks(), rank_, ThreadRing::kShift, pending_, pending_bytes_,
                       "a ring shift");
  }
  void progress() override {}
  Status broadcast(void* data, std::size_t bytes) override {
    if (rank_ != 0) return ring_->take(0, rank_, ThreadRing::kBroadcast, data, bytes, "a broadcast");
    for (uint32_t q = 1; q < ranks(); ++q) ring_->post(0, q, ThreadRing::kBroadcast, data, bytes);
    return Status::Ok();
  }
  Status send(uint32_t to, const void* data, std::size_t bytes) override {
    ring_->post(rank_, to, ThreadRing::kPoint, data, bytes);
    return Status::Ok();
  }
  Status recv(uint32_t from, void* data, std::size_t bytes) override {
    return ring_->take(from, rank_, ThreadRing::kPoint, data, bytes, "a receive");
  }
  void abort(int) override {}

 private:
  ThreadRing* ring_;
  uint32_t rank_;
  void* pending_ = nullptr;
  std::size_t pending_bytes_ = 0;
};

ThreadRing::ThreadRing(uint32_t ranks, double timeout_seconds)
    : boxes_(static_cast<std::size_t>(ranks) * ranks * 3), timeout_seconds_(timeout_seconds) {
  for (uint32_t r = 0; r < ranks; ++r) endpoints_.push_back(std::make_unique<ThreadRingEndpoint>(this, r));
}

ThreadRing::~ThreadRing() = default;

void ThreadRing::post(uint32_t from, uint32_t to, Box box, const void* data, std::size_t bytes) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  std::lock_guard<std::mutex> lock(mutex_);
  boxes_[(static_cast<std::size_t>(from) * ranks() + to) * 3 + box].emplace_back(p, p + bytes);
  changed_.notify_all();
}

Status ThreadRing::take(uint32_t from, uint32_t to, Box box, void* data, std::size_t bytes, const char* what) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto& queue = boxes_[(static_cast<std::size_t>(from) * ranks() + to) * 3 + box];
  const auto limit = std::chrono::duration<double>(timeout_seconds_);
  if (!changed_.wait_for(lock, limit, [&] { return !queue.empty(); })) {
    return Status::Error(StatusCode::kInternal, "rank %u: no data from rank %u within %g s during %s", to, from,
                         timeout_seconds_, what);
  }
  if (queue.front().size() != bytes) {
    return Status::Error(StatusCode::kInternal, "rank %u: %zu bytes from rank %u during %s, expected %zu", to,
                         queue.front().size(), from, what, bytes);
  }
  std::memcpy(data, queue.front().data(), bytes);
  queue.pop_front();
  return Status::Ok();
}

void ThreadRing::run(const std::function<void(uint32_t rank)>& body) {
  std::vector<std::thread> threads;
  for (uint32_t r = 0; r < ranks(); ++r) threads.emplace_back(body, r);
  for (std::thread& t : threads) t.join();
}

}  // namespace ringrt::test
