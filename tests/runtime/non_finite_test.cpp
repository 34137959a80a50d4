// Nothing silently wrong: a NaN or an Inf that appears inside the model (finite but
// huge inputs or weights overflowing float32) is an append error of code kNonFinite
// naming the layer and the token, in every session mode, and the session keeps the
// sequence (and the output) of the rounds before it and stays usable. Finite
// extreme inputs that the model maps to finite values (LayerNorm of rows of
// +-FLT_MAX) give the reference's outputs.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "reference_model.hpp"
#include "ringrt/ringrt.h"
#include "runtime_fixture.hpp"
#include "thread_ring.hpp"

namespace ringrt::test {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void fill(std::vector<float>* t, float v) { std::fill(t->begin(), t->end(), v); }

// A model without input projection (E == H) whose layer 2 adds 1e38 to every
// feature: a token whose residual stream already holds 3e38 overflows there, the
// others stay finite. `options` must have E == H and at least 2 layers.
convert::SyntheticModel overflowing_layer_2(const ModelOptions& options, uint64_t seed) {
  convert::SyntheticModel synth = synthetic_model(options, seed);
  fill(&synth.tensors.at("ring_2_out_proj.bias"), 1e38f);
  return synth;
}

// Input [T, E] with row `bad` set to `value` in every feature.
std::vector<float> input_with_row(std::size_t T, std::size_t E, std::size_t bad, float value, uint64_t seed) {
  std::vector<float> x = synthetic_input(T, E, seed);
  for (std::size_t e = 0; e < E; ++e) x[bad * E + e] = value;
  return x;
}

// Appends x in pieces of `piece` tokens (all timesteps); returns the first failure.
Status append_pieces(Session& s, const std::vector<float>& x, std::size_t T, std::size_t E, std::size_t H,
                     std::size_t piece, std::vector<float>* all) {
  all->assign(T * H, 0.0f);
  for (std::size_t done = 0; done < T; done += piece) {
    const std::size_t n = std::min(piece, T - done);
    Status st = s.append(x.data() + done * E, n, E, all->data() + done * H);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

std::unique_ptr<Session> new_session(const Model& model, const SessionOptions& o) {
  std::unique_ptr<Session> s;
  const Status st = Session::create(model, o, &s);
  EXPECT_TRUE(st.ok()) << st.message();
  return s;
}

// The case: all timesteps, chunk 256, a bad row at token 10 of 20. The error
// names layer 2 and token 10; nothing is kept; the tokens before it then give the
// outputs of a run that never saw it, bit for bit.
TEST(NonFinite, LayerOverflowNamesTheLayerAndTheToken) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = 20;
  const TestModel m = make_model(dir, "m", overflowing_layer_2(small_options(E, H, 2, 3), 5));
  const std::vector<float> x = input_with_row(T, E, 10, 3e38f, 40);
  for (uint32_t workers : {1u, 2u}) {
    std::unique_ptr<Session> s = new_session(*m.model, session_options(256, workers, 64));
    std::vector<float> all(T * H);
    const Status st = s->append(x.data(), T, E, all.data());
    ASSERT_FALSE(st.ok()) << "an overflow was returned as a result";
    EXPECT_EQ(st.code(), StatusCode::kNonFinite);
    // Inf where the layer's attention output lands, NaN by its end (LayerNorm of Inf).
    EXPECT_TRUE(contains(st.message(), "layer 2 produced NaN at token 10 (feature 0 of its output)")) << st.message();
    EXPECT_TRUE(contains(st.message(), "overflow float32")) << st.message();
    EXPECT_EQ(s->length(), 0u);
    EXPECT_EQ(s->output(), nullptr);
    // Usable: the first 10 tokens give exactly what a session that never saw token 10 gives.
    std::vector<float> before(10 * H), fresh(10 * H);
    ASSERT_TRUE(s->append(x.data(), 10, E, before.data()).ok());
    std::unique_ptr<Session> clean = new_session(*m.model, session_options(256, workers, 64));
    ASSERT_TRUE(clean->append(x.data(), 10, E, fresh.data()).ok());
    EXPECT_EQ(before, fresh);
    EXPECT_EQ(s->length(), 10u);
  }
}

// An input projection whose kernel entries are all positive (the synthetic ones
// plus 0.5): a row of FLT_MAX overflows it, every other row is as usual.
convert::SyntheticModel overflowing_projection(const ModelOptions& options, uint64_t seed) {
  convert::SyntheticModel synth = synthetic_model(options, seed);
  for (float& w : synth.tensors.at("input_projection.kernel")) w += 0.5f;
  return synth;
}

// Streaming: rounds before the bad one stay committed (length() and output() tell),
// short rounds (the key split) and long ones (the query ring), memory and file
// stores; the stream then goes on and equals the reference.
TEST(NonFinite, FailedRoundKeepsTheRoundsBeforeIt) {
  TempDir dir;
  const std::size_t E = 24, H = 32, T = 200, bad = 150;
  const TestModel m = make_model(dir, "m", overflowing_projection(small_options(E, H, 2, 2), 6));
  const std::vector<float> x = input_with_row(T, E, bad, FLT_MAX, 41);
  std::vector<float> fixed = x;
  for (std::size_t e = 0; e < E; ++e) fixed[bad * E + e] = 0.5f;
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, fixed.data(), T);
  struct Case {
    uint32_t chunk, workers;
    std::size_t piece;
    bool file;
  };
  for (const Case& c : {Case{64, 2, 200, false}, Case{64, 2, 7, false}, Case{16, 2, 1, false}, Case{64, 2, 30, true}}) {
    SessionOptions o = session_options(c.chunk, c.workers, 256);
    const std::string store = c.file ? "file:" + dir.file("kv" + std::to_string(c.piece)) : "memory";
    o.kv_store = store.c_str();
    std::unique_ptr<Session> s = new_session(*m.model, o);
    std::vector<float> all;
    const Status st = append_pieces(*s, x, T, E, H, c.piece, &all);
    const std::string what = store + ", chunk " + std::to_string(c.chunk) + ", pieces of " + std::to_string(c.piece);
    ASSERT_FALSE(st.ok()) << what;
    EXPECT_EQ(st.code(), StatusCode::kNonFinite) << what;
    EXPECT_TRUE(contains(st.message(), "the input projection produced Inf at token 150 (feature 0)"))
        << what << ": " << st.message();
    // The appends before the failing one are kept, and within it the rounds before
    // the failing round: length() is at a round boundary at or before token 150.
    const uint64_t kept = s->length();
    const uint64_t round = static_cast<uint64_t>(c.chunk) * c.workers;
    const uint64_t append_start = bad / c.piece * c.piece;
    EXPECT_LE(kept, bad) << what;
    EXPECT_TRUE(kept >= append_start && (kept - append_start) % round == 0) << what << ": length " << kept;
    ASSERT_NE(s->output(), nullptr) << what;
    // output() is still the last kept token's, and the kept outputs are the reference's.
    EXPECT_EQ(std::vector<float>(s->output(), s->output() + H),
              std::vector<float>(all.begin() + (kept - 1) * H, all.begin() + kept * H))
        << what;
    EXPECT_LE(ringrt_ref::max_abs_diff(all.data(), ref.data(), kept * H), 2e-4) << what;
    // The stream goes on from there with the bad token replaced.
    std::vector<float> rest((T - kept) * H);
    const Status again = s->append(fixed.data() + kept * E, T - kept, E, rest.data());
    ASSERT_TRUE(again.ok()) << what << ": " << again.message();
    EXPECT_LE(ringrt_ref::max_abs_diff(rest.data(), ref.data() + kept * H, (T - kept) * H), 2e-4) << what;
  }
}

// Weights of 3e38 (finite, converted without complaint) overflow in the first layer;
// the C API returns the same code.
TEST(NonFinite, HugeWeightsAreAnErrorNotANanOutput) {
  TempDir dir;
  const std::size_t E = 24, H = 32, T = 9;
  convert::SyntheticModel synth = synthetic_model(small_options(E, H, 2, 2), 7);
  fill(&synth.tensors.at("ring_1_ffn_up.kernel"), 3e38f);
  const TestModel m = make_model(dir, "m", synth);
  const std::vector<float> x = synthetic_input(T, E, 42);
  std::unique_ptr<Session> s = new_session(*m.model, session_options(256, 2, 64));
  const Status st = s->append(x.data(), T, E);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kNonFinite);
  EXPECT_TRUE(contains(st.message(), "layer 1 produced ")) << st.message();
  EXPECT_TRUE(contains(st.message(), " at token 0 (feature ")) << st.message();
  EXPECT_EQ(s->length(), 0u);

  ringrt_model* cm = nullptr;
  ringrt_session* cs = nullptr;
  char err[512];
  ASSERT_EQ(ringrt_model_load(m.path.c_str(), &cm, err, sizeof err), RINGRT_OK) << err;
  ringrt_session_options co;
  ringrt_session_options_init(&co);
  co.workers = 2;
  co.max_context = 64;
  ASSERT_EQ(ringrt_session_create(cm, &co, &cs, err, sizeof err), RINGRT_OK) << err;
  EXPECT_EQ(ringrt_session_append(cs, x.data(), T, E, nullptr, err, sizeof err), RINGRT_NON_FINITE);
  EXPECT_TRUE(contains(err, "layer 1 produced ")) << err;
  ringrt_session_free(cs);
  ringrt_model_free(cm);
}

// The input projection (an append of one round) and the final LayerNorm are named.
TEST(NonFinite, InputProjectionAndFinalNormAreNamed) {
  TempDir dir;
  const std::size_t E = 24, H = 32, T = 12;
  {
    const TestModel m = make_model(dir, "in", overflowing_projection(small_options(E, H, 2, 1), 8));
    const std::vector<float> x = input_with_row(T, E, 4, FLT_MAX, 43);
    std::unique_ptr<Session> s = new_session(*m.model, session_options(256, 2, 64));
    const Status st = s->append(x.data(), T, E);
    EXPECT_EQ(st.code(), StatusCode::kNonFinite);
    EXPECT_TRUE(contains(st.message(), "the input projection produced Inf at token 4 (feature 0)")) << st.message();
  }
  {
    convert::SyntheticModel synth = synthetic_model(small_options(E, H, 2, 1), 9);
    fill(&synth.tensors.at("final_norm.gamma"), 3e38f);
    const TestModel m = make_model(dir, "out", synth);
    const std::vector<float> x = synthetic_input(T, E, 44);
    for (bool all : {false, true}) {
      std::unique_ptr<Session> s = new_session(*m.model, session_options(256, 2, 64));
      std::vector<float> out(T * H);
      const Status st = s->append(x.data(), T, E, all ? out.data() : nullptr);
      EXPECT_EQ(st.code(), StatusCode::kNonFinite);
      // Every timestep's output overflows: all timesteps name the first, else the last.
      const std::string token = all ? "at token 0 " : "at token 11 ";
      EXPECT_TRUE(contains(st.message(), "the final LayerNorm produced Inf " + token)) << st.message();
      EXPECT_EQ(s->output(), nullptr);
    }
  }
}

// Finite extremes that LayerNorm maps back to unit scale are not an error: a row of
// one +FLT_MAX and the rest -FLT_MAX (whose x - mean is 2 FLT_MAX in float) gives
// the reference's outputs at every timestep, before, at and after it.
TEST(NonFinite, ExtremeFiniteInputGivesTheReference) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = 24;
  const TestModel m = make_model(dir, "m", small_options(E, H, 2, 2), 10);
  std::vector<float> x = synthetic_input(T, E, 45);
  for (std::size_t e = 0; e < E; ++e) x[10 * E + e] = e == 0 ? FLT_MAX : -FLT_MAX;
  const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
  for (uint32_t chunk : {4u, 256u}) {
    const std::vector<float> y = run_sequence(*m.model, session_options(chunk, 2, 64), x, T, true);
    ASSERT_EQ(y.size(), T * H);
    EXPECT_LE(ringrt_ref::max_abs_diff(y.data(), ref.data(), T * H), 2e-4) << "chunk " << chunk;
  }
}

// A bidirectional model recomputes the sequence at every append: the error names
// the position, and the sequence before the append is kept.
TEST(NonFinite, BidirectionalKeepsTheSequenceBeforeTheAppend) {
  TempDir dir;
  const std::size_t E = 32, H = 32;
  const TestModel m = make_model(dir, "m", overflowing_layer_2(ring_encoder_options(E, H, 2, 2, false), 11));
  const std::vector<float> x = input_with_row(30, E, 25, 3e38f, 46);
  std::unique_ptr<Session> s = new_session(*m.model, session_options(8, 2, 64));
  ASSERT_TRUE(s->append(x.data(), 20, E).ok());
  const std::vector<float> out20(s->output(), s->output() + H);
  const Status st = s->append(x.data() + 20 * E, 10, E);
  EXPECT_EQ(st.code(), StatusCode::kNonFinite);
  EXPECT_TRUE(contains(st.message(), "layer 2 produced NaN at token 25 ")) << st.message();
  EXPECT_EQ(s->length(), 20u);
  ASSERT_NE(s->output(), nullptr);
  EXPECT_EQ(std::vector<float>(s->output(), s->output() + H), out20);
  ASSERT_TRUE(s->append(x.data() + 20 * E, 5, E).ok());  // tokens 20 .. 24: fine
  EXPECT_EQ(s->length(), 25u);
}

// Ranks of a distributed session: a bad token in one rank's block fails every rank
// with the same message (no rank is left waiting in the ring), every rank keeps its
// length, and the next append runs.
TEST(NonFinite, EveryRankFailsTogether) {
  TempDir dir;
  const std::size_t E = 32, H = 32, T = 40;
  const TestModel m = make_model(dir, "m", overflowing_layer_2(small_options(E, H, 2, 2), 12));
  for (std::size_t bad : {std::size_t{3}, std::size_t{21}}) {  // blocks of 16: rank 0's, then rank 1's
    const std::vector<float> x = input_with_row(T, E, bad, 3e38f, 47);
    ThreadRing ring(2, 20.0);
    std::vector<std::string> errors(2);
    std::vector<uint64_t> lengths(2);
    std::vector<std::vector<float>> after(2);
    ring.run([&](uint32_t r) {
      SessionOptions o = session_options(8, 2, 64);
      o.transport = ring.rank(r);
      std::unique_ptr<Session> s;
      if (!Session::create(*m.model, o, &s).ok()) return;
      const Status st = s->append(r == 0 ? x.data() : nullptr, T, E);
      errors[r] = st.message();
      lengths[r] = s->length();
      std::vector<float> fine = x;
      for (std::size_t e = 0; e < E; ++e) fine[bad * E + e] = 0.25f;
      if (s->append(r == 0 ? fine.data() : nullptr, T, E).ok()) after[r].assign(s->output(), s->output() + H);
    });
    const std::string token = "layer 2 produced NaN at token " + std::to_string(bad) + " ";
    EXPECT_TRUE(contains(errors[0], token)) << errors[0];
    EXPECT_TRUE(contains(errors[1], token)) << errors[1];
    EXPECT_EQ(lengths[0], 0u);
    EXPECT_EQ(lengths[1], 0u);
    std::vector<float> fine = x;
    for (std::size_t e = 0; e < E; ++e) fine[bad * E + e] = 0.25f;
    const std::vector<float> single = run_sequence(*m.model, session_options(8, 2, 64), fine, T);
    ASSERT_EQ(after[0].size(), H);
    EXPECT_EQ(after[1], after[0]);
    for (std::size_t i = 0; i < H; ++i) EXPECT_NEAR(after[0][i], single[i], 1e-5) << i;
  }
}

}  // namespace
}  // namespace ringrt::test
