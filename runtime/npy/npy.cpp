#include "npy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "fp16.hpp"
#include "input_fd.hpp"
#include "printable.hpp"

namespace ringrt::npy {
namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::size_t kPreamble = 8;  // magic + major + minor
constexpr std::size_t kMaxStringLiteral = 64;
// Longest header read (NumPy's own reader refuses more than 10000 bytes by default).
constexpr std::size_t kMaxHeader = std::size_t{1} << 20;
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

bool checked_mul(std::size_t a, std::size_t b, std::size_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

std::string shape_string(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  s += ")";
  return s;
}

// ---- input ------------------------------------------------------------------

// A file read front to back (InputFd). Reads grow the caller's buffer chunk by
// chunk, so a bogus length in a header never allocates more than the file actually
// holds.
class InputFile {
 public:
  explicit InputFile(InputFd* fd) : fd_(*fd) {}

  // Opens `path`; a stream is accepted only with accept_streams (after a bounded
  // wait for a FIFO's writer), else refused at once without reading.
  Status open(const char* path, bool accept_streams) {
    RINGRT_RETURN_IF_ERROR(fd_.open(path, "a .npy file"));
    if (fd_.regular()) return Status::Ok();
    if (!accept_streams) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: not a regular file, cannot be streamed", path);
    }
    return fd_.wait_for_data();
  }

  // Appends the next min(n, bytes left) bytes of the file to *buf.
  Status read(std::size_t n, std::vector<unsigned char>* buf) {
    if (regular()) buf->reserve(buf->size() + static_cast<std::size_t>(n < size() ? n : size()));
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    while (n > 0) {
      const std::size_t used = buf->size();
      const std::size_t want = n < kChunk ? n : kChunk;
      buf->resize(used + want);
      std::size_t got = 0;
      const Status st = fd_.read(buf->data() + used, want, &got);
      buf->resize(used + got);
      RINGRT_RETURN_IF_ERROR(st);
      if (got < want) break;  // end of file
      n -= got;
    }
    return Status::Ok();
  }

  bool regular() const { return fd_.regular(); }
  uint64_t size() const { return fd_.size(); }

 private:
  InputFd& fd_;
};

// ---- header dictionary parser -------------------------------------------------
//
// Accepts exactly the Python literal NumPy writes (and reasonable hand-written
// variants): {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Keys in any order, each exactly once; single or double quotes; optional trailing
// commas; spaces, tabs and newlines between tokens; trailing whitespace padding.

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

// A string from the header as a message may quote it: NUL, ESC and the other
// bytes that would not print as themselves are written \xNN (printable.hpp).
struct Shown {
  explicit Shown(const std::string& s) { escape_printable(s.data(), s.size(), text, sizeof text); }
  char text[96];
};

class HeaderParser {
 public:
  HeaderParser(const char* path, const char* text, std::size_t size)
      : path_(path), begin_(text), p_(text), end_(text + size) {}

  Status parse(Header* h) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_space();
    if (!eat('{')) return error("expected '{'");
    for (;;) {
      skip_space();
      if (eat('}')) break;
      std::string key;
      RINGRT_RETURN_IF_ERROR(parse_string(&key, "a key"));
      skip_space();
      if (!eat(':')) return error("expected ':' after key '%s'", Shown(key).text);
      skip_space();
      bool* seen = nullptr;
      if (key == "descr") {
        seen = &have_descr;
        if (p_ < end_ && *p_ == '[') return error("structured (record) dtypes are not supported");
        RINGRT_RETURN_IF_ERROR(parse_string(&h->descr, "the value of 'descr'"));
      } else if (key == "fortran_order") {
        seen = &have_fortran;
        RINGRT_RETURN_IF_ERROR(parse_bool(&h->fortran_order));
      } else if (key == "shape") {
        seen = &have_shape;
        RINGRT_RETURN_IF_ERROR(parse_shape(&h->shape));
      } else {
        return error("unknown key '%s' (expected 'descr', 'fortran_order' and 'shape')", Shown(key).text);
      }
      if (*seen) return error("duplicate key '%s'", Shown(key).text);
      *seen = true;
      skip_space();
      if (eat(',')) continue;
      if (eat('}')) break;
      return error("expected ',' or '}' after the value of '%s'", Shown(key).text);
    }
    skip_space();
    if (p_ != end_) return error("unexpected text after the closing '}'");
    if (!have_descr) return missing("descr");
    if (!have_fortran) return missing("fortran_order");
    if (!have_shape) return missing("shape");
    return Status::Ok();
  }

 private:
  Status error(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    char what[256];
    va_list args;
    va_start(args, format);
    std::vsnprintf(what, sizeof what, format, args);
    va_end(args);
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: invalid .npy header: %s (at header byte %zu)", path_, what,
                         static_cast<std::size_t>(p_ - begin_));
  }
  Status missing(const char* key) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: invalid .npy header: missing key '%s'",
                         path_, key);
  }

  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool eat_word(const char* w) {
    const std::size_t n = std::strlen(w);
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, w, n) != 0) return false;
    // The word must end here ("Falsey" is not False).
    const char* after = p_ + n;
    if (after < end_ && (std::isalnum(static_cast<unsigned char>(*after)) || *after == '_'))
      return false;
    p_ = after;
    return true;
  }

  Status parse_string(std::string* out, const char* what) {
    if (p_ >= end_ || (*p_ != '\'' && *p_ != '"'))
      return error("expected a quoted string as %s", what);
    const char quote = *p_++;
    out->clear();
    while (p_ < end_ && *p_ != quote) {
      if (*p_ == '\\') return error("escape sequences are not supported in %s", what);
      if (*p_ == '\n') return error("unterminated string in %s", what);
      if (out->size() >= kMaxStringLiteral) return error("string in %s is too long", what);
      out->push_back(*p_++);
    }
    if (!eat(quote)) return error("unterminated string in %s", what);
    return Status::Ok();
  }

  Status parse_bool(bool* out) {
    if (eat_word("True")) {
      *out = true;
      return Status::Ok();
    }
    if (eat_word("False")) {
      *out = false;
      return Status::Ok();
    }
    return error("the value of 'fortran_order' must be True or False");
  }

  Status parse_uint(std::size_t* out) {
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') {
      if (p_ < end_ && *p_ == '-') return error("negative dimension in 'shape'");
      return error("expected a dimension (non-negative integer) in 'shape'");
    }
    std::size_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      const std::size_t digit = static_cast<std::size_t>(*p_ - '0');
      if (!checked_mul(v, 10, &v) || __builtin_add_overflow(v, digit, &v))
        return error("dimension in 'shape' overflows this machine's size_t");
      ++p_;
    }
    eat('L');  // Python 2 long literal, as written by old NumPy versions
    *out = v;
    return Status::Ok();
  }

  Status parse_shape(std::vector<std::size_t>* shape) {
    shape->clear();
    if (!eat('(')) return error("the value of 'shape' must be a tuple such as (3, 4) or (5,)");
    skip_space();
    if (eat(')')) return Status::Ok();  // () : a 0-d array
    bool trailing_comma = false;
    for (;;) {
      std::size_t dim = 0;
      RINGRT_RETURN_IF_ERROR(parse_uint(&dim));
      if (shape->size() == kMaxRank) return error("'shape' has more than %zu dimensions", kMaxRank);
      shape->push_back(dim);
      skip_space();
      trailing_comma = eat(',');
      skip_space();
      if (eat(')')) break;
      if (!trailing_comma) return error("expected ',' or ')' in 'shape'");
    }
    if (shape->size() == 1 && !trailing_comma)
      return error("'shape' (%zu) is not a tuple; a 1-d shape is written (%zu,)", (*shape)[0],
                   (*shape)[0]);
    return Status::Ok();
  }

  const char* path_;
  const char* begin_;
  const char* p_;
  const char* end_;
};

// ---- dtype ------------------------------------------------------------------

enum class Kind { kF16, kF32, kF64 };

Status parse_descr(const char* path, const std::string& d, Kind* kind, std::size_t* item) {
  const char order = d.empty() ? '\0' : d[0];
  const std::string body = d.empty() ? d : d.substr(1);
  const bool is_float = body == "f2" || body == "f4" || body == "f8";
  if (is_float && order == '>') {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: big-endian dtype '%s' is not supported (byte-swap it to '<%s')", path,
                         d.c_str(), body.c_str());
  }
  const bool order_ok = order == '<' || ((order == '=' || order == '|') && kLittleEndianHost);
  if (!is_float || !order_ok) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: unsupported dtype '%s' (expected little-endian float16, float32 or "
                         "float64: '<f2', '<f4' or '<f8')",
                         path, Shown(d).text);
  }
  if (body == "f2") {
    *kind = Kind::kF16;
    *item = 2;
  } else if (body == "f4") {
    *kind = Kind::kF32;
    *item = 4;
  } else {
    *kind = Kind::kF64;
    *item = 8;
  }
  return Status::Ok();
}

uint64_t load_le(const unsigned char* p, std::size_t n) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// What the preamble and header say: the array's shape and where its data lies.
struct Layout {
  std::vector<std::size_t> shape;
  std::string descr;
  Kind kind = Kind::kF32;
  std::size_t item = 4;        // bytes per element
  std::size_t count = 1;       // elements
  std::size_t need = 0;        // data bytes
  std::size_t data_start = 0;  // file offset of the data
};

// Reads and checks the preamble and the header of `in`; *head keeps every byte read.
Status read_layout(InputFile& in, const char* path, Layout* l, std::vector<unsigned char>* out_head) {
  std::vector<unsigned char>& head = *out_head;
  // Exactly the preamble (magic, version, header length) and then exactly the
  // header: nothing past it is read, so a stream's data is still to come.
  RINGRT_RETURN_IF_ERROR(in.read(kPreamble, &head));
  if (head.empty()) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: file is empty, not a .npy file", path);
  }
  if (head.size() < sizeof kMagic || std::memcmp(head.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: not a .npy file (bad magic; expected \\x93NUMPY)", path);
  }
  if (head.size() < kPreamble) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: file is truncated inside the .npy preamble (%zu bytes)", path,
                         head.size());
  }
  const unsigned major = head[6], minor = head[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
    return Status::Error(StatusCode::kUnsupportedVersion,
                         "%s: unsupported .npy format version %u.%u (supported: 1.0, 2.0, 3.0)",
                         path, major, minor);
  }
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t header_start = kPreamble + len_bytes;
  RINGRT_RETURN_IF_ERROR(in.read(len_bytes, &head));
  if (head.size() < header_start) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: file is truncated inside the .npy preamble (%zu bytes)", path,
                         head.size());
  }
  const std::size_t header_len =
      static_cast<std::size_t>(load_le(head.data() + kPreamble, len_bytes));
  std::size_t data_start = 0;
  // A 32-bit size_t cannot hold the end of a 4 GiB header: that is past any file's
  // end and over the limit, and is reported as such below, as on 64-bit machines.
  const bool huge = __builtin_add_overflow(header_start, header_len, &data_start);
  if (huge) data_start = SIZE_MAX;
  const auto past_the_end = [&](std::size_t left) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: truncated or not a .npy file: header length %zu runs past the end of the "
                         "file (%zu bytes left after the %zu-byte preamble)",
                         path, header_len, left, header_start);
  };
  if (in.regular() && data_start > in.size()) return past_the_end(static_cast<std::size_t>(in.size() - header_start));
  if (header_len > kMaxHeader) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: header length %zu exceeds the limit of %zu bytes (the header of a float "
                         "array takes a few hundred)",
                         path, header_len, kMaxHeader);
  }
  RINGRT_RETURN_IF_ERROR(in.read(header_len, &head));
  if (head.size() < data_start) return past_the_end(head.size() - header_start);

  Header h;
  HeaderParser parser(path, reinterpret_cast<const char*>(head.data() + header_start), header_len);
  RINGRT_RETURN_IF_ERROR(parser.parse(&h));

  Kind kind = Kind::kF32;
  std::size_t item = 4;
  RINGRT_RETURN_IF_ERROR(parse_descr(path, h.descr, &kind, &item));
  if (h.fortran_order) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: fortran_order True is not supported (save a C-order array, e.g. "
                         "np.ascontiguousarray)",
                         path);
  }
  std::size_t count = 1, need = 0;
  for (std::size_t d : h.shape) {
    if (!checked_mul(count, d, &count)) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "%s: shape %s overflows: its element count does not fit in size_t",
                           path, shape_string(h.shape).c_str());
    }
  }
  if (!checked_mul(count, item, &need)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: shape %s overflows: its byte size does not fit in size_t", path,
                         shape_string(h.shape).c_str());
  }
  l->shape = std::move(h.shape);
  l->descr = h.descr;
  l->kind = kind;
  l->item = item;
  l->count = count;
  l->need = need;
  l->data_start = data_start;
  return Status::Ok();
}

// The data size check shared by read_f32 and Reader: `have` data bytes were found.
Status check_data_size(const char* path, const Layout& l, std::size_t have, bool at_least) {
  if (have < l.need) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: data is truncated: expected %zu bytes for shape %s of '%s', got %zu",
                         path, l.need, shape_string(l.shape).c_str(), l.descr.c_str(), have);
  }
  if (have > l.need) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: trailing data after the array: expected %zu bytes for shape %s of "
                         "'%s', got %s%zu",
                         path, l.need, shape_string(l.shape).c_str(), l.descr.c_str(),
                         at_least ? "at least " : "", have);
  }
  return Status::Ok();
}

// Converts `count` little-endian elements of `kind` at `src` to float.
void convert(Kind kind, std::size_t item, const unsigned char* src, std::size_t count, float* dst) {
  for (std::size_t i = 0; i < count; ++i, src += item) {
    const uint64_t bits = load_le(src, item);
    switch (kind) {
      case Kind::kF16:
        dst[i] = f16_to_f32(static_cast<uint16_t>(bits));
        break;
      case Kind::kF32: {
        const uint32_t b32 = static_cast<uint32_t>(bits);
        std::memcpy(&dst[i], &b32, sizeof(float));
        break;
      }
      case Kind::kF64: {
        double d;
        std::memcpy(&d, &bits, sizeof d);
        dst[i] = static_cast<float>(d);  // IEEE: round to nearest, overflow to +-inf
        break;
      }
    }
  }
}

}  // namespace

Status read_f32(const char* path, Array* out) {
  out->shape.clear();
  out->data.clear();
  if (path == nullptr) return Status::Error(StatusCode::kInvalidArgument, "npy: null path");

  InputFd fd;
  InputFile in(&fd);
  RINGRT_RETURN_IF_ERROR(in.open(path, /*accept_streams=*/true));
  std::vector<unsigned char> head;
  Layout l;
  RINGRT_RETURN_IF_ERROR(read_layout(in, path, &l, &head));
  const std::size_t data_start = l.data_start, need = l.need;
  // The data, up to one byte more than needed (to detect trailing data without
  // reading it all).
  std::vector<unsigned char> bytes;
  const std::size_t limit = need < SIZE_MAX ? need + 1 : need;
  RINGRT_RETURN_IF_ERROR(in.read(limit, &bytes));
  std::size_t have = bytes.size();
  if (have > need && in.regular() && in.size() >= data_start) {
    have = static_cast<std::size_t>(in.size() - data_start);  // report the real amount
  }
  RINGRT_RETURN_IF_ERROR(check_data_size(path, l, have, !in.regular()));

  // count * item <= file size, so this allocation is bounded by what was read.
  std::vector<float> data(l.count);
  convert(l.kind, l.item, bytes.data(), l.count, data.data());
  out->shape = std::move(l.shape);
  out->data = std::move(data);
  return Status::Ok();
}

namespace {
constexpr std::size_t kBlock = 16384;  // elements converted per read
}  // namespace

Status Reader::open(const char* path, bool accept_streams) {
  if (path == nullptr) return Status::Error(StatusCode::kInvalidArgument, "npy: null path");
  path_ = path;
  InputFile in(&file_);
  RINGRT_RETURN_IF_ERROR(in.open(path, accept_streams));
  std::vector<unsigned char> head;
  Layout l;
  RINGRT_RETURN_IF_ERROR(read_layout(in, path, &l, &head));
  sequential_ = !in.regular();
  if (!sequential_) {
    const std::size_t have =
        in.size() >= l.data_start ? static_cast<std::size_t>(in.size() - l.data_start) : 0;
    RINGRT_RETURN_IF_ERROR(check_data_size(path, l, have, false));
  }
  buf_.reserve(kBlock * l.item);  // the one buffer, sized before any data is read
  shape_ = l.shape;
  descr_ = l.descr;
  kind_ = static_cast<int>(l.kind);
  item_ = l.item;
  count_ = l.count;
  data_start_ = l.data_start;
  next_ = 0;
  return Status::Ok();
}

Status Reader::data_size_error(std::size_t have, bool at_least) const {
  Layout l;
  l.shape = shape_;
  l.descr = descr_;
  l.need = count_ * item_;
  return check_data_size(path_.c_str(), l, have, at_least);
}

Status Reader::read(std::size_t first, std::size_t count, float* out) {
  if (first > count_ || count > count_ - first) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: read of elements [%zu, +%zu) past the array's %zu",
                         path_.c_str(), first, count, count_);
  }
  if (sequential_) return read_stream(first, count, out);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = count - done < kBlock ? count - done : kBlock;
    buf_.resize(n * item_);
    std::size_t got = 0;
    const uint64_t offset = static_cast<uint64_t>(data_start_) + static_cast<uint64_t>(first + done) * item_;
    while (got < buf_.size()) {
      const ssize_t r = ::pread(file_.fd(), buf_.data() + got, buf_.size() - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        const int err = r == 0 ? EIO : errno;
        return Status::Error(StatusCode::kIoError, "%s: read failed (file changed?): %s", path_.c_str(),
                             std::strerror(err));
      }
      got += static_cast<std::size_t>(r);
    }
    convert(static_cast<Kind>(kind_), item_, buf_.data(), n, out + done);
    done += n;
  }
  return Status::Ok();
}

// A stream is read in order: elements before `first` that were not read yet are
// read and dropped; elements already read cannot be read again.
Status Reader::read_stream(std::size_t first, std::size_t count, float* out) {
  if (first < next_) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: element %zu was read already: a pipe or FIFO is read front to back once",
                         path_.c_str(), first);
  }
  const std::size_t end = first + count;
  while (next_ < end) {
    const std::size_t n = end - next_ < kBlock ? end - next_ : kBlock;
    buf_.resize(n * item_);
    std::size_t got = 0;
    RINGRT_RETURN_IF_ERROR(file_.read(buf_.data(), buf_.size(), &got));
    if (got < buf_.size()) return data_size_error(next_ * item_ + got, false);
    if (next_ + n > first) {  // the part of this block that was asked for
      const std::size_t skip = next_ < first ? first - next_ : 0;
      convert(static_cast<Kind>(kind_), item_, buf_.data() + skip * item_, n - skip, out + (next_ + skip - first));
    }
    next_ += n;
  }
  if (next_ == count_) {  // the last element: nothing may follow it
    unsigned char extra = 0;
    std::size_t got = 0;
    RINGRT_RETURN_IF_ERROR(file_.read(&extra, 1, &got));
    if (got > 0) return data_size_error(count_ * item_ + got, true);
  }
  return Status::Ok();
}

Status write_f32(io::OutputFile& file, const std::size_t* shape, std::size_t rank, const float* data) {
  const char* path = file.path().c_str();
  if (rank > kMaxRank) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: rank %zu is above the limit of %zu",
                         path, rank, kMaxRank);
  }
  if (rank > 0 && shape == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null shape for rank %zu", path, rank);
  }
  const std::vector<std::size_t> dims(shape, shape + rank);
  std::size_t count = 1, bytes = 0;
  for (std::size_t d : dims) {
    if (!checked_mul(count, d, &count)) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: shape %s overflows", path,
                           shape_string(dims).c_str());
    }
  }
  if (!checked_mul(count, sizeof(float), &bytes)) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: shape %s overflows", path,
                         shape_string(dims).c_str());
  }
  if (count > 0 && data == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null data for shape %s", path,
                         shape_string(dims).c_str());
  }

  // Header: the dict, space padding, '\n'; preamble + header a multiple of 64 bytes.
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_string(dims) + ", }";
  const std::size_t unpadded = kPreamble + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 0xffff) {  // cannot happen with rank <= kMaxRank
    return Status::Error(StatusCode::kInvalidArgument, "%s: header too long", path);
  }
  std::vector<unsigned char> head(kMagic, kMagic + sizeof kMagic);
  head.push_back(1);
  head.push_back(0);
  head.push_back(static_cast<unsigned char>(header.size() & 0xff));
  head.push_back(static_cast<unsigned char>(header.size() >> 8));
  head.insert(head.end(), header.begin(), header.end());

  RINGRT_RETURN_IF_ERROR(file.write_at(0, head.data(), head.size()));
  // The data as little-endian bytes, converted in chunks (a no-op copy on LE hosts).
  constexpr std::size_t kChunk = 4096;
  unsigned char buf[kChunk * 4];
  uint64_t at = head.size();
  for (std::size_t i = 0; i < count; i += kChunk) {
    const std::size_t n = count - i < kChunk ? count - i : kChunk;
    for (std::size_t j = 0; j < n; ++j) {
      uint32_t b;
      std::memcpy(&b, &data[i + j], sizeof b);
      for (std::size_t k = 0; k < 4; ++k) buf[4 * j + k] = static_cast<unsigned char>(b >> (8 * k));
    }
    RINGRT_RETURN_IF_ERROR(file.write_at(at, buf, n * 4));
    at += n * 4;
  }
  return file.commit();
}

Status write_f32(const char* path, const std::size_t* shape, std::size_t rank, const float* data) {
  if (path == nullptr) return Status::Error(StatusCode::kInvalidArgument, "npy: null path");
  io::OutputFile file;
  RINGRT_RETURN_IF_ERROR(file.open(path));
  return write_f32(file, shape, rank, data);
}

}  // namespace ringrt::npy
