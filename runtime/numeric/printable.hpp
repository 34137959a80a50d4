// Bytes from a file, made safe to quote in a message. Printable ASCII and valid
// UTF-8 are kept; every other byte (controls such as ESC, DEL, NUL, C1 controls,
// bidirectional overrides, malformed UTF-8) is written as \xNN, so an error can
// neither drive the terminal nor be cut short by a NUL. Header-only, no heap: the
// runtime's Status messages, ringrt_npy and the converter's errors share it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringrt {

// Length of the printable character starting at p[0] (of n > 0 bytes): 1 for
// printable ASCII, 2 to 4 for a valid UTF-8 sequence that prints, 0 otherwise.
inline std::size_t printable_char_length(const unsigned char* p, std::size_t n) {
  const unsigned c = p[0];
  if (c >= 0x20 && c < 0x7f) return 1;
  std::size_t len = 0;
  uint32_t cp = 0, min = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong, too large, surrogate
  if (cp < 0xa0) return 0;                                                    // C1 controls
  const bool invisible = cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
                         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
  return invisible ? 0 : len;
}

// Calls sink(text, length) for each piece of the escaped form of s[0, n).
template <typename Sink>
void for_each_printable_piece(const char* s, std::size_t n, Sink&& sink) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s);
  static const char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n;) {
    const std::size_t len = printable_char_length(p + i, n - i);
    if (len > 0) {
      sink(s + i, len);
      i += len;
    } else {
      const char esc[4] = {'\\', 'x', kHex[p[i] >> 4], kHex[p[i] & 0xf]};
      sink(esc, 4);
      ++i;
    }
  }
}

// The escaped form of s[0, n) in out[0, cap) (cap >= 4), NUL-terminated; if it does
// not fit, it is cut at a character boundary and ends with "...". Returns out.
inline const char* escape_printable(const char* s, std::size_t n, char* out, std::size_t cap) {
  std::size_t total = 0;
  for_each_printable_piece(s, n, [&](const char*, std::size_t len) { total += len; });
  const std::size_t room = total + 1 <= cap ? cap - 1 : cap - 4;  // "..." when it does not fit
  std::size_t used = 0;
  bool cut = false;
  for_each_printable_piece(s, n, [&](const char* piece, std::size_t len) {
    if (cut || used + len > room) {
      cut = true;
      return;
    }
    for (std::size_t k = 0; k < len; ++k) out[used++] = piece[k];
  });
  if (cut) {
    for (int k = 0; k < 3; ++k) out[used++] = '.';
  }
  out[used] = '\0';
  return out;
}

}  // namespace ringrt
