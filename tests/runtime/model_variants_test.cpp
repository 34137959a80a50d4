// ring_encoder models in the runtime today: every one loads; one with Edifice's
// attention runs exactly like the Edifice model; any other attention option is
// refused by check_runtime_support at Session::create and plan_session, naming it.
#include <gtest/gtest.h>

#include <cstring>

#include "checksum.hpp"
#include "model_impl.hpp"
#include "ringrt_generated.h"
#include "runtime_fixture.hpp"

namespace ringrt::test {
namespace {

TEST(ModelVariants, RingEncoderWithEdificeAttentionRunsLikeEdifice) {
  TempDir dir;
  const TestModel edifice = make_model(dir, "edifice", small_options(24, 32, 4, 2), 21);
  const TestModel encoder = make_model(dir, "encoder", ring_encoder_options(24, 32, 4, 2), 21);
  ASSERT_TRUE(encoder.model);
  EXPECT_TRUE(check_runtime_support(encoder.model->impl().options()).ok());
  const std::size_t T = 70;
  const std::vector<float> x = synthetic_input(T, 24, 22);
  SessionOptions o = session_options(16, 2, T);
  const std::vector<float> a = run_sequence(*edifice.model, o, x, T);
  const std::vector<float> b = run_sequence(*encoder.model, o, x, T);
  ASSERT_EQ(a.size(), 32u);
  ASSERT_EQ(b.size(), 32u);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "bit for bit";
  const std::vector<double> ref = ringrt_ref::forward_last(encoder.options, encoder.weights, x.data(), T);
  EXPECT_LE(ringrt_ref::max_abs_diff(b.data(), ref.data(), ref.size()), 2e-4);
  // Same weights, another architecture: another fingerprint (a KV store of one is not the other's).
  EXPECT_NE(edifice.model->impl().fingerprint(), encoder.model->impl().fingerprint());
}

TEST(ModelVariants, EveryAttentionOptionRuns) {
  const ModelOptions cases[] = {
      ring_encoder_options(8, 8, 2, 1, /*causal=*/false),
      ring_encoder_options(8, 8, 4, 1, true, /*kv_heads=*/2),
      ring_encoder_options(8, 8, 2, 1, true, 0, /*sliding_window=*/128),
      ring_encoder_options(8, 8, 2, 1, true, 0, 0, /*logit_softcap=*/30.0f),
      ring_encoder_options(8, 8, 2, 1, true, 0, 0, 0.0f, /*attention_sinks=*/true),
      ring_encoder_options(8, 8, 4, 1, false, 1, 4, 0.5f, true),
  };
  TempDir dir;
  int n = 0;
  for (const ModelOptions& c : cases) {
    const TestModel m = make_model(dir, "m" + std::to_string(n++), c, 23);
    ASSERT_TRUE(m.model);
    EXPECT_TRUE(check_runtime_support(m.model->impl().options()).ok());
    SessionOptions o;
    o.max_context = 16;
    std::unique_ptr<Session> session;
    const Status s = Session::create(*m.model, o, &session);
    EXPECT_TRUE(s.ok()) << s.message();
    MemoryPlan plan;
    EXPECT_TRUE(plan_session(*m.model, o, &plan).ok());
  }
}

// The fingerprint recorded in KV file stores hashes the seven Edifice options in
// their pre-1.1 layout, so stores written by an earlier build stay resumable.
TEST(ModelVariants, EdificeFingerprintKeepsItsPreviousValue) {
  TempDir dir;
  const TestModel m = make_model(dir, "m", small_options(6, 8, 2, 1), 24);
  const ModelOptions& o = m.options;
  struct {
    uint32_t embed_dim, hidden_size, num_heads, num_chunks, num_layers;
    float dropout;
    uint32_t window_size;
  } before = {o.embed_dim, o.hidden_size, o.num_heads, o.num_chunks, o.num_layers, o.dropout, o.window_size};
  static_assert(sizeof before == 28, "the seven options, no padding");
  const std::string bytes = read_file(m.path);
  const uint64_t data_checksum = fb::GetSizePrefixedModel(bytes.data())->data_checksum();
  EXPECT_EQ(m.model->impl().fingerprint(), fnv1a64(&before, sizeof before, data_checksum));
}

}  // namespace
}  // namespace ringrt::test
