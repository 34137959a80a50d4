#include "runtime_fixture.hpp"

#include <gtest/gtest.h>

#include "npy.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ringrt::test {

bool small_scale() {
  const char* v = std::getenv("RINGRT_TEST_SCALE");
  return v && std::string(v) == "small";
}

TestModel make_model(const TempDir& dir, const std::string& name, const ModelOptions& options, uint64_t seed,
                     convert::StorageDType dtype) {
  return make_model(dir, name, synthetic_model(options, seed), dtype);
}

TestModel make_model(const TempDir& dir, const std::string& name, const convert::SyntheticModel& synth,
                     convert::StorageDType dtype) {
  TestModel m;
  m.options = synth.options;
  m.weights = synth.tensors;
  if (dtype == convert::StorageDType::kF16) {  // the reference sees what the file stores
    for (auto& [name, values] : m.weights) {
      for (float& v : values) v = f16_to_f32(f32_to_f16(v));
    }
  }
  const std::string config = dir.file(name + ".json"), weights = dir.file(name + ".safetensors");
  write_synthetic_model(synth, config, weights);
  convert::ConvertRequest request;
  request.config_path = config;
  request.weights_path = weights;
  request.output_path = dir.file(name + ".rrt");
  request.dtype = dtype;
  std::ostringstream notes;
  convert::convert_model(request, notes);
  m.path = request.output_path;
  const Status s = Model::load(m.path.c_str(), &m.model);
  EXPECT_TRUE(s.ok()) << s.message();
  return m;
}

SessionOptions session_options(uint32_t chunk, uint32_t workers, uint64_t max_context) {
  SessionOptions o;
  o.chunk = chunk;
  o.workers = workers;
  o.max_context = max_context;
  return o;
}

std::vector<float> run_sequence(const Model& model, const SessionOptions& options, const std::vector<float>& x,
                                std::size_t tokens, bool all) {
  std::unique_ptr<Session> session;
  Status s = Session::create(model, options, &session);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return {};
  const ModelInfo info = model.info();
  std::vector<float> out(all ? tokens * info.hidden_size : info.hidden_size);
  s = session->append(x.data(), tokens, info.embed_dim, all ? out.data() : nullptr);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return {};
  if (!all) std::copy(session->output(), session->output() + info.hidden_size, out.begin());
  return out;
}

void expect_npy_near(const std::string& a, const std::string& b, double tolerance) {
  npy::Array x, y;
  const Status sa = npy::read_f32(a.c_str(), &x), sb = npy::read_f32(b.c_str(), &y);
  ASSERT_TRUE(sa.ok()) << sa.message();
  ASSERT_TRUE(sb.ok()) << sb.message();
  ASSERT_EQ(x.data.size(), y.data.size()) << a << " vs " << b;
  for (std::size_t i = 0; i < x.data.size(); ++i) EXPECT_NEAR(x.data[i], y.data[i], tolerance) << i;
}

uint64_t kv_committed(const std::string& store) {
  std::ifstream f(store, std::ios::binary);
  char h[72] = {};
  if (!f.read(h, sizeof h)) return 0;
  uint64_t v;
  std::memcpy(&v, h + 48, sizeof v);  // KvHeader::committed (runtime/kv/kv_store_header.hpp)
  return v;
}

double stream_error(const TestModel& m, const SessionOptions& o, const std::vector<float>& x, std::size_t T,
                    std::size_t piece, const std::vector<double>& ref, uint64_t* kv_bytes) {
  const std::size_t E = m.options.embed_dim, H = m.options.hidden_size;
  std::unique_ptr<Session> s;
  const Status st = Session::create(*m.model, o, &s);
  EXPECT_TRUE(st.ok()) << st.message();
  if (!st.ok()) return 1e9;
  std::vector<float> all(T * H);
  for (std::size_t done = 0; done < T; done += piece) {
    const std::size_t n = std::min(piece, T - done);
    const Status a = s->append(x.data() + done * E, n, E, all.data() + done * H);
    EXPECT_TRUE(a.ok()) << a.message();
    if (!a.ok()) return 1e9;
  }
  if (kv_bytes) *kv_bytes = s->kv_bytes_stored();
  return ringrt_ref::max_abs_diff(all.data(), ref.data(), T * H);
}

}  // namespace ringrt::test
