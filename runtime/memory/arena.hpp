// The session arena: one page-aligned anonymous mapping holding every buffer of
// the plan, touched once at creation so no page fault happens while streaming.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/status.hpp"

namespace ringrt {

class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  Status allocate(std::size_t bytes);
  uint8_t* at(uint64_t offset) const { return base_ + offset; }
  std::size_t size() const { return size_; }

 private:
  uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ringrt
