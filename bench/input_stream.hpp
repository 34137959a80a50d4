// Model input generated on the fly, one block at a time, so a long sequence is never
// held in memory; and feeding a session from it with only the appends timed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ringrt/ringrt.hpp"

namespace bench {

class InputStream {
 public:
  // Blocks of at most `block_tokens` rows of `width` values with unit variance.
  InputStream(uint32_t width, std::size_t block_tokens, uint64_t seed);
  // The next `tokens` (<= block_tokens) rows.
  const float* next(std::size_t tokens);
  uint32_t width() const { return width_; }

 private:
  uint32_t width_;
  uint64_t state_;
  std::vector<float> block_;
};

struct FeedResult {
  ringrt::Status status;
  double append_seconds = 0;  // time inside Session::append only
};

// Appends `tokens` rows from `input` in appends of at most `block` tokens.
FeedResult feed(ringrt::Session& session, InputStream& input, uint64_t tokens, std::size_t block);

// Times `appends` appends of `tokens` rows one by one; append_seconds is their median.
FeedResult median_append(ringrt::Session& session, InputStream& input, std::size_t tokens, int appends);

}  // namespace bench
