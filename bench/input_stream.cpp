#include "input_stream.hpp"

#include "timing.hpp"

namespace bench {

InputStream::InputStream(uint32_t width, std::size_t block_tokens, uint64_t seed)
    : width_(width), state_(seed), block_(block_tokens * width) {}

const float* InputStream::next(std::size_t tokens) {
  // Uniform in [-sqrt(3), sqrt(3)): mean 0, variance 1, cheap next to the model.
  const std::size_t n = tokens * width_;
  for (std::size_t i = 0; i < n; ++i) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    block_[i] = static_cast<float>((static_cast<double>(z >> 40) * (2.0 / 16777216.0) - 1.0) * 1.7320508075688772);
  }
  return block_.data();
}

FeedResult feed(ringrt::Session& session, InputStream& input, uint64_t tokens, std::size_t block) {
  FeedResult r;
  for (uint64_t done = 0; done < tokens;) {
    const std::size_t n = tokens - done < block ? static_cast<std::size_t>(tokens - done) : block;
    const float* x = input.next(n);
    const double t0 = now_seconds();
    r.status = session.append(x, n, input.width());
    r.append_seconds += now_seconds() - t0;
    if (!r.status.ok()) return r;
    done += n;
  }
  return r;
}

FeedResult median_append(ringrt::Session& session, InputStream& input, std::size_t tokens, int appends) {
  FeedResult r;
  std::vector<double> times;
  for (int i = 0; i < appends; ++i) {
    const float* x = input.next(tokens);
    const double t0 = now_seconds();
    r.status = session.append(x, tokens, input.width());
    times.push_back(now_seconds() - t0);
    if (!r.status.ok()) return r;
  }
  r.append_seconds = median(times);
  return r;
}

}  // namespace bench
