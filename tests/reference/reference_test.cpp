// Tests that make the double-precision reference itself trustworthy: closed forms
// worked out by hand, structural properties of causal attention, and an
// independent triple-loop implementation that shares no code with the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "reference_test_util.hpp"

namespace {

using namespace reftest;

// With a single timestep every head's softmax is over one key, so its weight is
// exactly 1 and attention returns V. The block then has the closed form
//   h += (LN(h) W_v + b_v) W_out + b_out,   then the FFN residual,
// which this test evaluates without any attention code (E != H, 2 heads, 2 layers).
TEST(Reference, SingleTimestepReducesToClosedForm) {
  const ModelOptions o = options(3, 4, 2, 2);
  const Weights w = random_weights(o, 11);
  const std::vector<float> x = {0.3f, -1.2f, 2.0f};
  const size_t H = 4;

  std::vector<double> h =
      matvec(std::vector<double>(x.begin(), x.end()), D(w, "input_projection.kernel"), H,
             D(w, "input_projection.bias"), 0, H);
  for (uint32_t l = 1; l <= 2; ++l) {
    const std::vector<double> a =
        layer_norm(h, D(w, lname(l, "attn_norm.gamma")), D(w, lname(l, "attn_norm.beta")));
    // V is columns [2H, 3H) of the qkv projection.
    const std::vector<double> v =
        matvec(a, D(w, lname(l, "qkv.kernel")), 3 * H, D(w, lname(l, "qkv.bias")), 2 * H, H);
    const std::vector<double> proj =
        matvec(v, D(w, lname(l, "out_proj.kernel")), H, D(w, lname(l, "out_proj.bias")), 0, H);
    for (size_t i = 0; i < H; ++i) h[i] += proj[i];
    h = ffn_residual(w, l, h);
  }
  const std::vector<double> want = layer_norm(h, D(w, "final_norm.gamma"), D(w, "final_norm.beta"));

  const std::vector<double> all = ringrt_ref::forward_all(o, w, x.data(), 1);
  const std::vector<double> last = ringrt_ref::forward_last(o, w, x.data(), 1);
  ASSERT_EQ(all.size(), H);
  ASSERT_EQ(last.size(), H);
  for (size_t i = 0; i < H; ++i) {
    EXPECT_NEAR(all[i], want[i], 1e-12) << i;
    EXPECT_NEAR(last[i], want[i], 1e-12) << i;
  }
}

// ---- A 1-layer model with H = E = 2 and hand-chosen weights --------------------
//
// Inputs (T = 2):  x0 = [3, 1],  x1 = [0.5, 2.5].
// LayerNorm of a 2-vector [p, q] (gamma 1, beta 0): mean (p+q)/2, deviations +-d with
// d = (p-q)/2, biased variance d^2, so LN = [d, -d] / sqrt(d^2 + 1e-5).
//   x0: d = 1  -> a0 = [ c, -c]      with c = 1/sqrt(1 + 1e-5)
//   x1: d = -1 -> a1 = [-c,  c]
// qkv kernel [2, 6] (columns q0 q1 k0 k1 v0 v1):
//   row 0 = [1, 0, 1, 0, 1, 0]
//   row 1 = [0, 1, 0, 2, 0, 1]        bias = [0, 0, 0, 0, 0.5, 0]
//   => q = a, k = [a_0, 2 a_1], v = a + [0.5, 0]
//   q1 = [-c, c];  k0 = [c, -2c], k1 = [-c, 2c];  v0 = [c + 0.5, -c], v1 = [0.5 - c, c]
// Row 0 sees only itself: o0 = v0.
// Row 1, one head (D = 2, scale 1/sqrt 2):
//   q1.k0 = -c^2 - 2c^2 = -3c^2,  q1.k1 = c^2 + 2c^2 = 3c^2
//   p1 = exp(3c^2/sqrt2) / (exp(-3c^2/sqrt2) + exp(3c^2/sqrt2)) = sigmoid(3 sqrt2 c^2)
// Row 1, two heads (D = 1, scale 1):
//   head 0: q = -c, keys c, -c      -> scores -c^2, c^2   -> p1 = sigmoid(2 c^2)
//   head 1: q =  c, keys -2c, 2c    -> scores -2c^2, 2c^2 -> p1 = sigmoid(4 c^2)
// With delta = p1 - p0 = 2 p1 - 1 of each head (da for column 0, db for column 1):
//   o1 = [p0 (c + 0.5) + p1 (0.5 - c),  p0 (-c) + p1 c] = [0.5 - c da, c db]
// out_proj kernel [[1, 1], [0, 1]], bias [0, -1]: proj = [o_0, o_0 + o_1 - 1]
//   h0' = x0 + [c + 0.5, -0.5]                = [3.5 + c, 0.5]
//   h1' = x1 + [0.5 - c da, c (db - da) - 0.5] = [1 - c da, 2 + c (db - da)]
// FFN: f = LN(h') = [e, -e] with e = d/sqrt(d^2 + 1e-5), d = (h'_0 - h'_1)/2.
//   up kernel [2, 8]: W[0][0] = 1, W[1][1] = 2, rest 0; bias b[1] = 0.5, rest 0
//     -> u = [e, 0.5 - 2e, 0, 0, 0, 0, 0, 0]; gelu(0) = 0 so columns 2..7 vanish
//   down kernel [8, 2]: row 0 = [1, 0], row 1 = [0, 1], rows 2..7 = [0.75, 0.75]
//     (multiplied by gelu(0) = 0), bias [0, -4.625]
//   h'' = h' + [gelu(e), gelu(0.5 - 2e) - 4.625]
// Final LN with gamma [2, 1], beta [0.125, -0.25]: with s = d/sqrt(d^2 + 1e-5),
//   d = (h''_0 - h''_1)/2:  y = [2 s + 0.125, -s - 0.25].
// The -4.625 makes row 1's final d about 0.005 (one head), where s ~ 0.85 is very
// sensitive to d, so any slip upstream shows far above the 1e-12 tolerance.
// Numbers (one head): p1 = 0.98583337, e0 = 0.99999875, h0'' = [5.3413384, -4.2252111],
//   s0 = 0.99999978; e1 = -0.99999486, h1'' = [-0.13031757, -0.14053484], d = 0.0051086,
//   s1 = 0.85028089  ->  y = [2.1249996, -1.2499998, 1.8255618, -1.1002809].
// Two heads: p1 = 0.88079498 (head 0), 0.98201308 (head 1); row 1 d = 0.0089289,
//   s1 = 0.94262912  ->  y = [2.1249996, -1.2499998, 2.0102582, -1.1926291].
// (The tests also pin these literals, computed separately in Python, to 1e-12.)
// hand_weights() and hand_expected() (reference_test_util) hold the weights and
// the derivation from h' on.

TEST(Reference, HandComputedOneHead) {
  const double c2 = 1.0 / (1.0 + 1e-5);  // c^2
  const double delta = 2 * sigmoid(3 * std::sqrt(2.0) * c2) - 1;
  const std::vector<double> want = hand_expected(delta, delta);
  // Guard the construction: row 1's last LayerNorm is in its sensitive range.
  ASSERT_GT(want[2], 2 * 0.5 + 0.125);
  ASSERT_LT(want[2], 2 * 0.95 + 0.125);

  const double literal[4] = {2.1249995629318077, -1.2499997814659038, 1.8255617821780354,
                             -1.1002808910890178};
  for (size_t i = 0; i < 4; ++i) ASSERT_NEAR(want[i], literal[i], 1e-12) << i;

  const Weights w = hand_weights();
  const std::vector<double> got =
      ringrt_ref::forward_all(options(2, 2, 1, 1), w, kHandInput.data(), 2);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
}

TEST(Reference, HandComputedTwoHeads) {
  const double c2 = 1.0 / (1.0 + 1e-5);
  const double da = 2 * sigmoid(2 * c2) - 1;  // head 0, scale 1/sqrt(1)
  const double db = 2 * sigmoid(4 * c2) - 1;  // head 1
  const std::vector<double> want = hand_expected(da, db);
  const double literal[4] = {2.1249995629318077, -1.2499997814659038, 2.0102582409556833,
                             -1.1926291204778416};
  for (size_t i = 0; i < 4; ++i) ASSERT_NEAR(want[i], literal[i], 1e-12) << i;
  const Weights w = hand_weights();
  const std::vector<double> got =
      ringrt_ref::forward_all(options(2, 2, 2, 1), w, kHandInput.data(), 2);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
  // The head split matters: the one-head answer is far from this one.
  const double d1 = 2 * sigmoid(3 * std::sqrt(2.0) * c2) - 1;
  EXPECT_GT(std::fabs(hand_expected(d1, d1)[2] - got[2]), 1e-3);
}

// Changing token k leaves outputs 0..k-1 untouched (causality) and changes token k's.
TEST(Reference, CausalPrefixIsUnchangedByLaterTokens) {
  const ModelOptions o = options(5, 8, 2, 2);
  const Weights w = random_weights(o, 3);
  const size_t T = 9, E = 5, H = 8, k = 6;
  std::vector<float> x = random_input(T * E, 4);
  const std::vector<double> before = ringrt_ref::forward_all(o, w, x.data(), T);
  for (size_t e = 0; e < E; ++e) x[k * E + e] += 1.5f;
  const std::vector<double> after = ringrt_ref::forward_all(o, w, x.data(), T);
  for (size_t i = 0; i < k * H; ++i) EXPECT_EQ(before[i], after[i]) << i;
  double changed = 0;
  for (size_t i = k * H; i < (k + 1) * H; ++i)
    changed = std::max(changed, std::fabs(before[i] - after[i]));
  EXPECT_GT(changed, 1e-3);
  // A prefix run gives the same rows as the full run.
  const std::vector<double> prefix = ringrt_ref::forward_all(o, w, x.data(), k);
  for (size_t i = 0; i < k * H; ++i) EXPECT_NEAR(prefix[i], after[i], 1e-13) << i;
}

// W_k = 0 with a constant key bias makes every key equal, so every softmax is
// uniform and head outputs are the running mean of V. With W_out = I, b_out = 0 and
// an FFN whose up-projection is zero (gelu(0) = 0), the model reduces to
//   y_t = LN_final(x_t + mean_{t' <= t} (LN_attn(x_t') W_v + b_v)).
TEST(Reference, EqualKeysAverageTheValues) {
  const ModelOptions o = options(4, 4, 2, 1);
  const size_t T = 5, H = 4;
  Weights w = random_weights(o, 21);
  std::vector<float>& qkv = w["ring_1_qkv.kernel"];
  for (size_t r = 0; r < H; ++r)
    for (size_t c = H; c < 2 * H; ++c) qkv[r * 3 * H + c] = 0.0f;  // W_k = 0
  for (size_t c = H; c < 2 * H; ++c) w["ring_1_qkv.bias"][c] = 0.25f;
  std::vector<float> eye(H * H, 0.0f);
  for (size_t i = 0; i < H; ++i) eye[i * H + i] = 1.0f;
  w["ring_1_out_proj.kernel"] = eye;
  w["ring_1_out_proj.bias"].assign(H, 0.0f);
  w["ring_1_ffn_up.kernel"].assign(H * 4 * H, 0.0f);
  w["ring_1_ffn_up.bias"].assign(4 * H, 0.0f);
  w["ring_1_ffn_down.bias"].assign(H, 0.0f);
  const std::vector<float> x = random_input(T * H, 22);

  std::vector<std::vector<double>> v(T);
  for (size_t t = 0; t < T; ++t) {
    const std::vector<double> xt(x.begin() + t * H, x.begin() + (t + 1) * H);
    v[t] = matvec(layer_norm(xt, D(w, "ring_1_attn_norm.gamma"), D(w, "ring_1_attn_norm.beta")),
                  D(w, "ring_1_qkv.kernel"), 3 * H, D(w, "ring_1_qkv.bias"), 2 * H, H);
  }
  const std::vector<double> got = ringrt_ref::forward_all(o, w, x.data(), T);
  for (size_t t = 0; t < T; ++t) {
    std::vector<double> h(x.begin() + t * H, x.begin() + (t + 1) * H);
    for (size_t i = 0; i < H; ++i) {
      double mean = 0;
      for (size_t u = 0; u <= t; ++u) mean += v[u][i];
      h[i] += mean / static_cast<double>(t + 1);
    }
    const std::vector<double> want =
        layer_norm(h, D(w, "final_norm.gamma"), D(w, "final_norm.beta"));
    for (size_t i = 0; i < H; ++i) EXPECT_NEAR(got[t * H + i], want[i], 1e-12) << t << "," << i;
  }
}

// Attention has no positional information: in a single layer the last output sees
// the earlier tokens as a set, so permuting them changes nothing. With two layers the
// earlier tokens' own (causal) context changes, and so does the output.
TEST(Reference, LastOutputOfOneLayerIgnoresOrderOfEarlierTokens) {
  const size_t T = 7, E = 6, H = 6;
  const std::vector<float> x = random_input(T * E, 31);
  const size_t perm[T] = {4, 0, 5, 2, 1, 3, 6};  // the last token stays last
  std::vector<float> xp(T * E);
  for (size_t t = 0; t < T; ++t)
    for (size_t e = 0; e < E; ++e) xp[t * E + e] = x[perm[t] * E + e];

  const ModelOptions one = options(E, H, 3, 1);
  const Weights w1 = random_weights(one, 32);
  const std::vector<double> a = ringrt_ref::forward_last(one, w1, x.data(), T);
  const std::vector<double> b = ringrt_ref::forward_last(one, w1, xp.data(), T);
  for (size_t i = 0; i < H; ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << i;

  const ModelOptions two = options(E, H, 3, 2);
  const Weights w2 = random_weights(two, 33);
  const std::vector<double> c = ringrt_ref::forward_last(two, w2, x.data(), T);
  const std::vector<double> d = ringrt_ref::forward_last(two, w2, xp.data(), T);
  double diff = 0;
  for (size_t i = 0; i < H; ++i) diff = std::max(diff, std::fabs(c[i] - d[i]));
  EXPECT_GT(diff, 1e-6);
}

// The reference against the independent triple loop (reference_test_util), which
// shares no code with its blocked GEMM; sizes chosen to hit every tile edge (H = 12
// with 3 heads of 4, T = 70 crosses the 64-row attention block, E = 5 projects).
TEST(Reference, MatchesIndependentTripleLoop) {
  struct Case {
    uint32_t E, H, heads, layers;
    size_t T;
  };
  const Case cases[] = {{5, 12, 3, 2, 70}, {8, 8, 2, 3, 65}, {7, 6, 1, 1, 1}, {3, 4, 4, 2, 129}};
  for (const Case& k : cases) {
    const ModelOptions o = options(k.E, k.H, k.heads, k.layers);
    const Weights w = random_weights(o, 41 + k.H);
    const std::vector<float> x = random_input(k.T * k.E, 42 + k.E);
    const std::vector<double> want = triple_loop(o, w, x, k.T);
    const std::vector<double> all = ringrt_ref::forward_all(o, w, x.data(), k.T);
    const std::vector<double> last = ringrt_ref::forward_last(o, w, x.data(), k.T);
    ASSERT_EQ(all.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(all[i], want[i], 1e-11) << "H=" << k.H << " i=" << i;
    for (size_t i = 0; i < k.H; ++i) EXPECT_NEAR(last[i], want[(k.T - 1) * k.H + i], 1e-11) << i;
  }
}

// Scores around 1e5 overflow exp() unless the row maximum is subtracted first; the
// reference must stay finite and agree with the (max-subtracting) triple loop.
TEST(Reference, SoftmaxIsStableForHugeScores) {
  const ModelOptions o = options(4, 4, 1, 1);
  const size_t T = 6, H = 4;
  Weights w = random_weights(o, 51);
  std::vector<float>& qkv = w["ring_1_qkv.kernel"];
  for (size_t r = 0; r < H; ++r)
    for (size_t c = 0; c < 2 * H; ++c) qkv[r * 3 * H + c] *= 300.0f;  // W_q and W_k
  const std::vector<float> x = random_input(T * H, 52);
  const std::vector<double> want = triple_loop(o, w, x, T);
  const std::vector<double> got = ringrt_ref::forward_all(o, w, x.data(), T);
  for (size_t i = 0; i < T * H; ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << i;
    EXPECT_NEAR(got[i], want[i], 1e-9) << i;
  }
}

TEST(Reference, MaxAbsDiffNeverHidesNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const float a[] = {1.0f, 2.0f, -3.0f};
  const double b[] = {1.0, 2.25, -3.0};
  EXPECT_DOUBLE_EQ(ringrt_ref::max_abs_diff(a, b, 3), 0.25);
  const float an[] = {1.0f, std::numeric_limits<float>::quiet_NaN()};
  const double bn[] = {1.0, 1.0};
  EXPECT_EQ(ringrt_ref::max_abs_diff(an, bn, 2), inf);
  const float af[] = {1.0f, 1.0f};
  const double bf[] = {nan, 1.0};
  EXPECT_EQ(ringrt_ref::max_abs_diff(af, bf, 2), inf);
  const float ai[] = {std::numeric_limits<float>::infinity(), 0.0f};
  const double bi[] = {inf, 0.0};
  EXPECT_EQ(ringrt_ref::max_abs_diff(ai, bi, 2), 0.0);
  const double bj[] = {-inf, 0.0};
  EXPECT_EQ(ringrt_ref::max_abs_diff(ai, bj, 2), inf);
}

TEST(Reference, MissingOrWronglySizedTensorAborts) {
  const ModelOptions o = options(2, 2, 1, 1);
  Weights w = hand_weights();
  w.erase("ring_1_qkv.kernel");
  EXPECT_DEATH(ringrt_ref::forward_all(o, w, kHandInput.data(), 2),
               "missing tensor 'ring_1_qkv.kernel'");
  w = hand_weights();
  w["final_norm.beta"] = {1, 2, 3};
  EXPECT_DEATH(ringrt_ref::forward_all(o, w, kHandInput.data(), 2),
               "wrongly sized tensor 'final_norm.beta'");
}

}  // namespace
