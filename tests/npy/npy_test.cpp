// Tests of the CLI's .npy reader/writer: round trips, byte-exact files written by
// hand (as NumPy would write them), and every malformed input the reader rejects.
#include "npy.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ringrt::Status;
using ringrt::StatusCode;
using ringrt::npy::Array;

using Bytes = std::string;

// A .npy file: preamble for `major`.0, the header text padded with spaces and a
// newline to a multiple of 64 bytes (unless pad is false), then `data`.
Bytes npy_file(const std::string& dict, const Bytes& data, int major = 1, bool pad = true) {
  const size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  if (pad) {
    const size_t unpadded = 8 + len_bytes + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
  }
  Bytes out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (size_t i = 0; i < len_bytes; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

Bytes le_bytes(uint64_t v, size_t n) {
  Bytes b;
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return b;
}

Bytes f32_bytes(std::initializer_list<float> values) {
  Bytes b;
  for (float f : values) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    b += le_bytes(u, 4);
  }
  return b;
}

std::string dict(const std::string& descr, const std::string& shape,
                 const char* fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

class Npy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "npy_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const char* name) const { return dir_ + "/" + name; }

  std::string put(const char* name, const Bytes& bytes) const {
    const std::string p = path(name);
    std::ofstream f(p, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(f.good());
    return p;
  }

  static Bytes slurp(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }

  // Every file in the test directory (to spot leftover temporaries).
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    return names;
  }

  // Reading `bytes` fails with `code`, and the message names the file and `phrase`.
  void expect_read_error(const Bytes& bytes, const std::string& phrase,
                         StatusCode code = StatusCode::kInvalidArgument) const {
    const std::string p = put("bad.npy", bytes);
    expect_read_error_at(p, phrase, code);
  }
  static void expect_read_error_at(const std::string& p, const std::string& phrase,
                                   StatusCode code) {
    Array a;
    a.shape = {7};
    a.data = {1.0f};
    const Status st = ringrt::npy::read_f32(p.c_str(), &a);
    ASSERT_FALSE(st.ok()) << phrase;
    EXPECT_EQ(st.code(), code) << st.message();
    EXPECT_NE(std::string(st.message()).find(p), std::string::npos) << st.message();
    EXPECT_NE(std::string(st.message()).find(phrase), std::string::npos)
        << "message: " << st.message() << "\nwanted: " << phrase;
    EXPECT_TRUE(a.shape.empty());
    EXPECT_TRUE(a.data.empty());
  }

  std::string dir_;
};

// ---- writing and reading back ---------------------------------------------------

TEST_F(Npy, RoundTripKeepsShapeAndBits) {
  const std::vector<std::vector<size_t>> shapes = {{2, 3}, {5},       {},
                                                   {0, 4}, {2, 1, 3}, {1, 1, 1, 1, 2}};
  for (const auto& shape : shapes) {
    size_t n = 1;
    for (size_t d : shape) n *= d;
    std::vector<float> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<float>(i) * 0.37f - 1.0f;
    if (n > 1) data[1] = std::numeric_limits<float>::quiet_NaN();
    if (n > 2) data[2] = -std::numeric_limits<float>::infinity();
    if (n > 3) data[3] = -0.0f;
    if (n > 4) data[4] = std::numeric_limits<float>::denorm_min();

    const std::string p = path("rt.npy");
    ASSERT_TRUE(ringrt::npy::write_f32(p.c_str(), shape.data(), shape.size(), data.data()).ok());
    const Bytes file = slurp(p);
    ASSERT_GE(file.size(), 64u);
    EXPECT_EQ(file.substr(0, 8), Bytes("\x93NUMPY\x01\x00", 8));
    const size_t header_len =
        static_cast<unsigned char>(file[8]) | static_cast<unsigned char>(file[9]) << 8;
    EXPECT_EQ((10 + header_len) % 64, 0u);
    EXPECT_EQ(file[10 + header_len - 1], '\n');
    EXPECT_EQ(file.size(), 10 + header_len + 4 * n);

    Array a;
    const Status st = ringrt::npy::read_f32(p.c_str(), &a);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(a.shape, shape);
    ASSERT_EQ(a.data.size(), n);
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(bits(a.data[i]), bits(data[i])) << i;
  }
  EXPECT_EQ(listing(), std::vector<std::string>{"rt.npy"});  // no temporaries left behind
}

TEST_F(Npy, WriteIsByteExact) {
  const size_t shape[] = {2};
  const float data[] = {1.0f, -2.5f};
  const std::string p = path("exact.npy");
  ASSERT_TRUE(ringrt::npy::write_f32(p.c_str(), shape, 1, data).ok());
  // What numpy.save writes for np.array([1, -2.5], dtype='<f4').
  const Bytes want = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                              Bytes("\x00\x00\x80\x3f\x00\x00\x20\xc0", 8));
  EXPECT_EQ(slurp(p), want);
  const size_t shape2[] = {3, 4};
  std::vector<float> zeros(12, 0.0f);
  ASSERT_TRUE(ringrt::npy::write_f32(p.c_str(), shape2, 2, zeros.data()).ok());  // overwrite
  EXPECT_EQ(slurp(p), npy_file(dict("<f4", "(3, 4)"), Bytes(48, '\0')));
  const float scalar = 7.0f;
  ASSERT_TRUE(ringrt::npy::write_f32(p.c_str(), nullptr, 0, &scalar).ok());
  EXPECT_EQ(slurp(p), npy_file(dict("<f4", "()"), f32_bytes({7.0f})));
  EXPECT_EQ(listing(), std::vector<std::string>{"exact.npy"});
}

// ---- conversions from hand-written bytes ------------------------------------------

TEST_F(Npy, ReadsFloat64Converted) {
  Bytes data;
  data += Bytes("\x00\x00\x00\x00\x00\x00\xf8\x3f", 8);  // 1.5
  data += Bytes("\x00\x00\x00\x00\x00\x00\x00\xc0", 8);  // -2.0
  data += Bytes("\x9a\x99\x99\x99\x99\x99\xb9\x3f", 8);  // 0.1 (double)
  data += le_bytes(0x7e37e43c8800759cull, 8);            // 1e300 -> +inf as float
  const std::string p = put("f8.npy", npy_file(dict("<f8", "(2, 2)"), data));
  Array a;
  const Status st = ringrt::npy::read_f32(p.c_str(), &a);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(a.shape, (std::vector<size_t>{2, 2}));
  ASSERT_EQ(a.data.size(), 4u);
  EXPECT_EQ(a.data[0], 1.5f);
  EXPECT_EQ(a.data[1], -2.0f);
  EXPECT_EQ(a.data[2], 0.1f);  // double 0.1 rounds to the float nearest 0.1
  EXPECT_EQ(a.data[3], std::numeric_limits<float>::infinity());
}

TEST_F(Npy, ReadsFloat16Converted) {
  Bytes data;
  data += Bytes("\x00\x3c", 2);  // 0x3c00 = 1.0
  data += Bytes("\x00\xc0", 2);  // 0xc000 = -2.0
  data += Bytes("\xff\x7b", 2);  // 0x7bff = 65504 (largest half)
  data += Bytes("\x01\x00", 2);  // 0x0001 = 2^-24 (smallest subnormal)
  data += Bytes("\x55\x35", 2);  // 0x3555 = 1 + 341/1024 times 2^-2 = 0.333251953125
  data += Bytes("\x00\x7c", 2);  // 0x7c00 = +inf
  const std::string p = put("f2.npy", npy_file(dict("<f2", "(6,)"), data));
  Array a;
  const Status st = ringrt::npy::read_f32(p.c_str(), &a);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(a.shape, (std::vector<size_t>{6}));
  ASSERT_EQ(a.data.size(), 6u);
  EXPECT_EQ(a.data[0], 1.0f);
  EXPECT_EQ(a.data[1], -2.0f);
  EXPECT_EQ(a.data[2], 65504.0f);
  EXPECT_EQ(a.data[3], std::ldexp(1.0f, -24));
  EXPECT_EQ(a.data[4], 0.333251953125f);
  EXPECT_EQ(a.data[5], std::numeric_limits<float>::infinity());
}

TEST_F(Npy, ReadsNativeAndNotApplicableByteOrderMarkers) {
  for (const char* descr : {"<f4", "=f4", "|f4"}) {
    const std::string p = put("f4.npy", npy_file(dict(descr, "(1, 2)"), f32_bytes({0.25f, -8.0f})));
    Array a;
    const Status st = ringrt::npy::read_f32(p.c_str(), &a);
    ASSERT_TRUE(st.ok()) << descr << ": " << st.message();
    EXPECT_EQ(a.shape, (std::vector<size_t>{1, 2}));
    EXPECT_EQ(a.data, (std::vector<float>{0.25f, -8.0f}));
  }
}

TEST_F(Npy, ReadsVersion2And3Headers) {
  for (int major : {2, 3}) {
    const std::string p = put("v.npy", npy_file(dict("<f4", "(3,)"), f32_bytes({1, 2, 3}), major));
    Array a;
    const Status st = ringrt::npy::read_f32(p.c_str(), &a);
    ASSERT_TRUE(st.ok()) << major << ": " << st.message();
    EXPECT_EQ(a.shape, (std::vector<size_t>{3}));
    EXPECT_EQ(a.data, (std::vector<float>{1, 2, 3}));
  }
}

TEST_F(Npy, AcceptsHeaderVariants) {
  const char* variants[] = {
      "{'shape': (2, 2), 'fortran_order': False, 'descr': '<f4'}",          // any key order
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 2)}",  // double quotes
      "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 2 , ) , }",
      "{'descr':'<f4','fortran_order':False,'shape':(2,2)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }",  // Python 2 longs
  };
  for (const char* v : variants) {
    const std::string p = put("var.npy", npy_file(v, f32_bytes({1, 2, 3, 4})));
    Array a;
    const Status st = ringrt::npy::read_f32(p.c_str(), &a);
    ASSERT_TRUE(st.ok()) << v << ": " << st.message();
    EXPECT_EQ(a.shape, (std::vector<size_t>{2, 2})) << v;
    EXPECT_EQ(a.data, (std::vector<float>{1, 2, 3, 4})) << v;
  }
  // Unpadded header without the newline, and empty arrays.
  const std::string p = put("np.npy", npy_file(dict("<f4", "(0, 3)"), "", 1, false));
  Array a;
  ASSERT_TRUE(ringrt::npy::read_f32(p.c_str(), &a).ok());
  EXPECT_EQ(a.shape, (std::vector<size_t>{0, 3}));
  EXPECT_TRUE(a.data.empty());
}

// ---- malformed files ----------------------------------------------------------------

TEST_F(Npy, EmptyFile) { expect_read_error("", "is empty"); }

TEST_F(Npy, WrongMagic) {
  expect_read_error(Bytes("\x93NUMPX\x01\x00\x00\x00", 10), "bad magic");
  expect_read_error("PK\x03\x04 this is a zip", "bad magic");
  expect_read_error("\x93NUM", "bad magic");  // shorter than the magic
}

TEST_F(Npy, TruncatedPreamble) {
  expect_read_error(Bytes("\x93NUMPY\x01", 7), "truncated inside the .npy preamble");
  expect_read_error(Bytes("\x93NUMPY\x01\x00\x10", 9), "truncated inside the .npy preamble");
  expect_read_error(Bytes("\x93NUMPY\x02\x00\x10\x00\x00", 11),
                    "truncated inside the .npy preamble");
}

TEST_F(Npy, UnsupportedVersion) {
  Bytes f = npy_file(dict("<f4", "(1,)"), f32_bytes({1}));
  f[6] = 4;
  expect_read_error(f, "unsupported .npy format version 4.0", StatusCode::kUnsupportedVersion);
  f[6] = 1;
  f[7] = 1;
  expect_read_error(f, "unsupported .npy format version 1.1", StatusCode::kUnsupportedVersion);
  f[6] = 0;
  f[7] = 0;
  expect_read_error(f, "unsupported .npy format version 0.0", StatusCode::kUnsupportedVersion);
}

TEST_F(Npy, HeaderLengthPastEndOfFile) {
  Bytes f = npy_file(dict("<f4", "(1,)"), f32_bytes({1}));
  f[8] = '\xff';
  f[9] = '\x7f';  // 32767 bytes of header in a 68-byte file
  expect_read_error(f, "header length 32767 runs past the end of the file");
  Bytes g = npy_file(dict("<f4", "(1,)"), "", 2);
  g[11] = '\x80';  // v2: 4-byte length, 2^31 + ...
  expect_read_error(g, "runs past the end of the file");
}

TEST_F(Npy, HeaderNotAValidDict) {
  const Bytes four = f32_bytes({1, 2, 3, 4});
  struct Case {
    const char* header;
    const char* phrase;
  };
  const Case cases[] = {
      {"", "expected '{'"},
      {"[1, 2]", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", "expected ',' or '}'"},
      {"{descr: '<f4', 'fortran_order': False, 'shape': (4,)}",
       "expected a quoted string as a key"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (4,)}", "expected ':' after key 'descr'"},
      {"{'descr': <f4, 'fortran_order': False, 'shape': (4,)}",
       "expected a quoted string as the value of 'descr'"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (4,)}",
       "expected ',' or '}' after the value of 'descr'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (4,)}", "must be True or False"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (4,)}", "must be True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 4}", "must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [4]}", "must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", "is not a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,2)}", "expected a dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 2)}", "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4.0,)}", "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}",
       "unknown key 'extra'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}",
       "duplicate key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,)} x",
       "unexpected text after the closing '}'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,)}",
       "structured (record) dtypes"},
      {"{'descr': 'a\\'b', 'fortran_order': False, 'shape': (4,)}", "escape sequences"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
       "overflows this machine's size_t"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    expect_read_error(npy_file(c.header, four), c.phrase);
  }
  // More dimensions than allowed.
  std::string many = "(";
  for (int i = 0; i < 33; ++i) many += "1, ";
  many += ")";
  expect_read_error(npy_file(dict("<f4", many), f32_bytes({1})), "more than 32 dimensions");
}

TEST_F(Npy, MissingKeys) {
  const Bytes one = f32_bytes({1});
  expect_read_error(npy_file("{'fortran_order': False, 'shape': (1,), }", one),
                    "missing key 'descr'");
  expect_read_error(npy_file("{'descr': '<f4', 'shape': (1,), }", one),
                    "missing key 'fortran_order'");
  expect_read_error(npy_file("{'descr': '<f4', 'fortran_order': False, }", one),
                    "missing key 'shape'");
  expect_read_error(npy_file("{}", one), "missing key 'descr'");
}

TEST_F(Npy, BigEndianRejected) {
  for (const char* descr : {">f4", ">f8", ">f2"}) {
    SCOPED_TRACE(descr);
    expect_read_error(npy_file(dict(descr, "(1,)"), Bytes(8, '\0')),
                      std::string("big-endian dtype '") + descr + "'");
  }
}

TEST_F(Npy, OtherDtypesRejectedByName) {
  for (const char* descr :
       {"<i4", "<i8", "|u1", "|b1", "<c8", "<f16", "<U3", "|O", "f4", "<f3", ""}) {
    SCOPED_TRACE(descr);
    expect_read_error(npy_file(dict(descr, "(1,)"), Bytes(4, '\0')),
                      std::string("unsupported dtype '") + descr + "'");
  }
}

TEST_F(Npy, FortranOrderRejected) {
  expect_read_error(npy_file(dict("<f4", "(2, 2)", "True"), f32_bytes({1, 2, 3, 4})),
                    "fortran_order True is not supported");
}

TEST_F(Npy, ShapeProductOverflow) {
  // 2^32 * 2^32 elements overflows 64 bits.
  expect_read_error(npy_file(dict("<f4", "(4294967296, 4294967296)"), ""), "overflows");
  // 2^62 elements fit, but not their 2^64 bytes.
  expect_read_error(npy_file(dict("<f4", "(4611686018427387904,)"), ""), "overflows");
  // An element count that fits (in a 64-bit size_t) but is far larger than the
  // file: truncated, not allocated. With a 32-bit size_t it overflows.
  expect_read_error(npy_file(dict("<f2", "(1000000000, 1000000000)"), ""),
                    sizeof(std::size_t) == 8 ? "data is truncated" : "overflows");
}

TEST_F(Npy, DataShorterThanShape) {
  expect_read_error(npy_file(dict("<f4", "(2, 3)"), Bytes(20, '\0')),
                    "data is truncated: expected 24 bytes for shape (2, 3) of '<f4', got 20");
  expect_read_error(npy_file(dict("<f8", "(3,)"), Bytes(0, '\0')), "expected 24 bytes");
}

TEST_F(Npy, TrailingDataRejected) {
  expect_read_error(
      npy_file(dict("<f4", "(2,)"), Bytes(12, '\0')),
      "trailing data after the array: expected 8 bytes for shape (2,) of '<f4', got 12");
}

TEST_F(Npy, DirectoryInsteadOfFile) {
  expect_read_error_at(dir_, "is a directory", StatusCode::kIoError);
}

TEST_F(Npy, NonexistentFile) {
  expect_read_error_at(path("nope.npy"), std::strerror(ENOENT), StatusCode::kIoError);
}

// Not every input is a regular file: a FIFO (e.g. bash process substitution) works,
// and trailing data there is reported without knowing the total size.
TEST_F(Npy, ReadsFromPipe) {
  const std::string p = path("fifo");
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  for (const bool trailing : {false, true}) {
    const Bytes bytes =
        npy_file(dict("<f4", "(2,)"), f32_bytes({3.0f, 4.0f}) + (trailing ? "xyz" : ""));
    std::thread writer([&] {
      const int fd = ::open(p.c_str(), O_WRONLY);
      if (fd < 0) return;
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      (void)n;
      ::close(fd);
    });
    Array a;
    const Status st = ringrt::npy::read_f32(p.c_str(), &a);
    writer.join();
    if (!trailing) {
      ASSERT_TRUE(st.ok()) << st.message();
      EXPECT_EQ(a.data, (std::vector<float>{3.0f, 4.0f}));
    } else {
      ASSERT_FALSE(st.ok());
      EXPECT_NE(std::string(st.message()).find("trailing data after the array: expected 8 bytes"),
                std::string::npos)
          << st.message();
      EXPECT_NE(std::string(st.message()).find("got at least 9"), std::string::npos)
          << st.message();
    }
  }
}

// ---- write errors --------------------------------------------------------------------

TEST_F(Npy, WriteIntoMissingDirectoryFails) {
  const std::string p = path("no/such/dir/out.npy");
  const size_t shape[] = {1};
  const float v = 1.0f;
  const Status st = ringrt::npy::write_f32(p.c_str(), shape, 1, &v);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(std::string(st.message()).find(p), std::string::npos) << st.message();
  EXPECT_NE(std::string(st.message()).find(std::strerror(ENOENT)), std::string::npos)
      << st.message();
}

TEST_F(Npy, WriteOntoDirectoryFailsAndLeavesNoTemporary) {
  ASSERT_EQ(::mkdir(path("sub").c_str(), 0755), 0);
  const std::string p = path("sub");
  const size_t shape[] = {1};
  const float v = 1.0f;
  const Status st = ringrt::npy::write_f32(p.c_str(), shape, 1, &v);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(std::string(st.message()).find(p), std::string::npos) << st.message();
  EXPECT_EQ(listing(), std::vector<std::string>{"sub"});
}

TEST_F(Npy, WriteRejectsBadArguments) {
  const std::string p = path("bad.npy");
  const size_t shape[] = {2, 2};
  Status st = ringrt::npy::write_f32(p.c_str(), shape, 2, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("null data"), std::string::npos) << st.message();
  const size_t huge[] = {SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1};  // the product overflows at any width
  const float v = 0.0f;
  st = ringrt::npy::write_f32(p.c_str(), huge, 2, &v);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("overflows"), std::string::npos) << st.message();
  std::vector<size_t> deep(33, 1);
  st = ringrt::npy::write_f32(p.c_str(), deep.data(), deep.size(), &v);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("rank 33"), std::string::npos) << st.message();
  EXPECT_TRUE(listing().empty());
}

}  // namespace

// ---- Reader: streaming from disk ---------------------------------------------

TEST_F(Npy, ReaderStreamsTheSameValuesInAnyRanges) {
  Bytes data;
  data += Bytes("\x00\x00\x00\x00\x00\x00\xf8\x3f", 8);  // 1.5
  data += Bytes("\x00\x00\x00\x00\x00\x00\x00\xc0", 8);  // -2.0
  data += Bytes("\x9a\x99\x99\x99\x99\x99\xb9\x3f", 8);  // 0.1
  data += Bytes("\x00\x00\x00\x00\x00\x00\x10\x40", 8);  // 4.0
  const std::string p = put("f8.npy", npy_file(dict("<f8", "(2, 2)"), data));
  ringrt::npy::Reader r;
  const Status st = r.open(p.c_str());
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.shape(), (std::vector<size_t>{2, 2}));
  float all[4] = {0, 0, 0, 0};
  ASSERT_TRUE(r.read(0, 4, all).ok());
  EXPECT_EQ(all[0], 1.5f);
  EXPECT_EQ(all[1], -2.0f);
  EXPECT_EQ(all[2], 0.1f);
  EXPECT_EQ(all[3], 4.0f);
  float mid[2] = {0, 0};
  ASSERT_TRUE(r.read(1, 2, mid).ok());
  EXPECT_EQ(mid[0], -2.0f);
  EXPECT_EQ(mid[1], 0.1f);
  const Status past = r.read(3, 2, mid);
  EXPECT_FALSE(past.ok());
  EXPECT_NE(std::string(past.message()).find("past the array"), std::string::npos) << past.message();
}

TEST_F(Npy, ReaderChecksLikeReadF32) {
  ringrt::npy::Reader r;
  const std::string t = put("t.npy", npy_file(dict("<f4", "(2, 3)"), Bytes(20, '\0')));
  Status st = r.open(t.c_str());
  EXPECT_NE(std::string(st.message()).find("data is truncated: expected 24 bytes for shape (2, 3) of '<f4', got 20"),
            std::string::npos)
      << st.message();
  const std::string x = put("x.npy", npy_file(dict("<f4", "(2,)"), Bytes(12, '\0')));
  ringrt::npy::Reader r2;
  st = r2.open(x.c_str());
  EXPECT_NE(std::string(st.message()).find("trailing data after the array"), std::string::npos) << st.message();
  ringrt::npy::Reader r3;
  st = r3.open("/dev/null");
  EXPECT_NE(std::string(st.message()).find("not a regular file"), std::string::npos) << st.message();
}
