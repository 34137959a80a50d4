// Stand-alone driver for builds without libFuzzer (GCC, the ASan build): runs the
// fuzz target once on each file named on the command line, as a libFuzzer binary
// does when given files. ctest uses it to replay tests/fuzz/regressions/ in every
// build, so a fixed crash stays fixed.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot open %s\n", argv[i]);
      return 2;
    }
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", argv[i], bytes.size());
    // A copy of exactly `size` bytes, so a read past the end is caught by ASan.
    std::vector<uint8_t> exact(bytes);
    exact.shrink_to_fit();
    LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
  }
  std::fprintf(stderr, "replay: %d input(s) ran cleanly\n", argc - 1);
  return 0;
}
