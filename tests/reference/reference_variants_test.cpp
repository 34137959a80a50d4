// The reference's ring_encoder attention options (README.md, "Model architectures"),
// each alone and combined: the hand-valued model of reference_test.cpp worked out
// again for every option, limits in which an option must vanish, closed forms, and
// the independent triple loop.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "reference_test_util.hpp"

namespace {

using namespace reftest;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Weights of keys 0 and 1 for the scores s0, s1 (and a sink in the denominator).
Mix softmax2(double s0, double s1, double sink = -kInf) {
  const double den = std::exp(s0) + std::exp(s1) + std::exp(sink);
  return {std::exp(s0) / den, std::exp(s1) / den};
}

void expect_all_near(const std::vector<double>& got, const std::vector<double>& want, double tol,
                     const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " i=" << i;
}

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

// ---- the hand-valued model (reference_test.cpp) with each option ---------------
//
// One head (D = 2, scale 1/sqrt 2): with a = 3c^2/sqrt2, row 0's scores on keys 0, 1
// are +a, -a (q0 = [c, -c], k0 = [c, -2c], k1 = [-c, 2c]) and row 1's are -a, +a.
// Two heads (D = 1): row 0 scores c^2, -c^2 (head 0) and 2c^2, -2c^2 (head 1); row 1
// the negatives. hand_expected() takes each row's weights on keys 0 and 1. The
// literals were computed separately with a plain Python forward pass of the model.

struct HandCase {
  const char* name;
  ModelOptions options;
  std::vector<float> sinks;  // empty: no sinks
  Mix col0[2], col1[2];      // the derived weights (rows 0 and 1)
  double literal[4];
};

void check_hand_case(const HandCase& k) {
  const std::vector<double> want = hand_expected(k.col0, k.col1);
  for (size_t i = 0; i < 4; ++i) ASSERT_NEAR(want[i], k.literal[i], 1e-12) << k.name << " i=" << i;
  Weights w = hand_weights();
  if (!k.sinks.empty()) w["ring_1_attn_sinks"] = k.sinks;
  expect_all_near(ringrt_ref::forward_all(k.options, w, kHandInput.data(), 2), want, 1e-12, k.name);
}

ModelOptions hand_options(uint32_t heads) { return encoder(2, 2, heads, 1); }

TEST(ReferenceVariants, HandComputedBidirectional) {
  const double a = 3 * hand_c() * hand_c() / std::sqrt(2.0);
  HandCase k{"bidirectional", hand_options(1), {}, {}, {}, {2.124999560331343, -1.2499997801656715,
                                                             1.8255617821780596, -1.1002808910890298}};
  k.options.causal = false;
  k.col0[0] = k.col1[0] = softmax2(a, -a);  // row 0 now also sees key 1
  k.col0[1] = k.col1[1] = softmax2(-a, a);
  check_hand_case(k);
  // Row 1 is as in the causal model; row 0 differs (far above the 1e-12 tolerance).
  const std::vector<double> causal = ringrt_ref::forward_all(hand_options(1), hand_weights(), kHandInput.data(), 2);
  EXPECT_GT(std::fabs(causal[0] - k.literal[0]), 1e-9);
  EXPECT_NEAR(causal[2], k.literal[2], 1e-12);
}

TEST(ReferenceVariants, HandComputedLogitSoftcap) {
  const double a = 3 * hand_c() * hand_c() / std::sqrt(2.0), cap = 1.5;
  const double capped = cap * std::tanh(a / cap);
  HandCase k{"softcap 1.5", hand_options(1), {}, {}, {}, {2.1249995629318077, -1.2499997814659038,
                                                            2.1218192643621308, -1.2484096321810654}};
  k.options.logit_softcap = 1.5f;
  k.col0[0] = k.col1[0] = {1, 0};
  k.col0[1] = k.col1[1] = softmax2(-capped, capped);
  check_hand_case(k);
}

TEST(ReferenceVariants, HandComputedAttentionSinks) {
  const double a = 3 * hand_c() * hand_c() / std::sqrt(2.0);
  HandCase k{"sink 0.5", hand_options(1), {0.5f}, {}, {}, {2.1249995474534247, -1.2499997737267123,
                                                             2.1235954380154496, -1.2492977190077243}};
  k.options.attention_sinks = true;
  k.col0[0] = k.col1[0] = {std::exp(a) / (std::exp(a) + std::exp(0.5)), 0};  // one key and the sink
  k.col0[1] = k.col1[1] = softmax2(-a, a, 0.5);
  check_hand_case(k);
}

TEST(ReferenceVariants, HandComputedSlidingWindowOfOne) {
  for (bool causal : {true, false}) {
    HandCase k{causal ? "window 1, causal" : "window 1, bidirectional", hand_options(1), {}, {}, {},
               {2.1249995629318077, -1.2499997814659038, -1.7632390530400932, 0.6941195265200466}};
    k.options.causal = causal;
    k.options.sliding_window = 1;
    k.col0[0] = k.col1[0] = {1, 0};  // every row sees only itself
    k.col0[1] = k.col1[1] = {0, 1};
    check_hand_case(k);
  }
}

TEST(ReferenceVariants, HandComputedTwoHeadsBidirectionalWithSinks) {
  const double c2 = hand_c() * hand_c();
  HandCase k{"two heads, bidirectional, sinks 0.5 and -1", hand_options(2), {0.5f, -1.0f}, {}, {},
             {2.12499955544385, -1.249999777721925, 2.1149324409823427, -1.2449662204911713}};
  k.options.causal = false;
  k.options.attention_sinks = true;
  k.col0[0] = softmax2(c2, -c2, 0.5);
  k.col0[1] = softmax2(-c2, c2, 0.5);
  k.col1[0] = softmax2(2 * c2, -2 * c2, -1.0);
  k.col1[1] = softmax2(-2 * c2, 2 * c2, -1.0);
  check_hand_case(k);
}

TEST(ReferenceVariants, HandComputedEveryOptionTogether) {
  const double a = 3 * hand_c() * hand_c() / std::sqrt(2.0), cap = 1.5;
  const double capped = cap * std::tanh(a / cap);
  HandCase k{"bidirectional, window 2, cap 1.5, sink 0.5", hand_options(1), {0.5f}, {}, {},
             {2.1249995258616954, -1.2499997629308477, 2.124697301242637, -1.2498486506213184}};
  k.options.causal = false;
  k.options.sliding_window = 2;
  k.options.logit_softcap = 1.5f;
  k.options.attention_sinks = true;
  k.col0[0] = k.col1[0] = softmax2(capped, -capped, 0.5);
  k.col0[1] = k.col1[1] = softmax2(-capped, capped, 0.5);
  check_hand_case(k);
}

// ---- limits in which an option vanishes ------------------------------------------

TEST(ReferenceVariants, NumKvHeadsEqualToNumHeadsIsEdifice) {
  const ModelOptions edifice = options(5, 8, 2, 2);
  ModelOptions enc = encoder(5, 8, 2, 2);
  enc.num_kv_heads = 2;
  const Weights w = random_weights(edifice, 61);
  const std::vector<float> x = random_input(9 * 5, 62);
  const std::vector<double> a = ringrt_ref::forward_all(edifice, w, x.data(), 9);
  const std::vector<double> b = ringrt_ref::forward_all(enc, w, x.data(), 9);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;
}

TEST(ReferenceVariants, SinkOfMinusInfinityIsNoSink) {
  for (bool causal : {true, false}) {
    ModelOptions plain = encoder(6, 8, 2, 2);
    plain.causal = causal;
    plain.sliding_window = 3;
    ModelOptions sunk = plain;
    sunk.attention_sinks = true;
    Weights w = random_weights(sunk, 63);
    const std::vector<float> x = random_input(10 * 6, 64);
    for (uint32_t l = 1; l <= 2; ++l) w[lname(l, "attn_sinks")].assign(2, -std::numeric_limits<float>::infinity());
    const std::vector<double> want = ringrt_ref::forward_all(plain, w, x.data(), 10);
    expect_all_near(ringrt_ref::forward_all(sunk, w, x.data(), 10), want, 1e-14, "sink -inf");
    // A finite sink changes the output.
    for (uint32_t l = 1; l <= 2; ++l) w[lname(l, "attn_sinks")].assign(2, 0.0f);
    EXPECT_GT(max_diff(ringrt_ref::forward_all(sunk, w, x.data(), 10), want), 1e-3);
  }
}

TEST(ReferenceVariants, HugeSoftcapIsNoCap) {
  ModelOptions plain = encoder(6, 8, 2, 2);
  ModelOptions capped = plain;
  capped.logit_softcap = 1e7f;  // c tanh(s / c) = s - s^3 / (3 c^2) + ...
  Weights w = random_weights(plain, 65);
  for (uint32_t l = 1; l <= 2; ++l)
    for (float& v : w[lname(l, "qkv.kernel")]) v *= 4.0f;  // scores of several units
  const std::vector<float> x = random_input(12 * 6, 66);
  const std::vector<double> want = ringrt_ref::forward_all(plain, w, x.data(), 12);
  expect_all_near(ringrt_ref::forward_all(capped, w, x.data(), 12), want, 1e-10, "cap 1e7");
  capped.logit_softcap = 0.5f;
  EXPECT_GT(max_diff(ringrt_ref::forward_all(capped, w, x.data(), 12), want), 1e-3);
}

TEST(ReferenceVariants, WindowOfAtLeastTIsNoWindow) {
  const size_t T = 70;  // crosses the reference's 64-row block
  for (bool causal : {true, false}) {
    ModelOptions plain = encoder(4, 8, 2, 2);
    plain.causal = causal;
    const Weights w = random_weights(plain, 67);
    const std::vector<float> x = random_input(T * 4, 68);
    const std::vector<double> want = ringrt_ref::forward_all(plain, w, x.data(), T);
    for (uint32_t W : {70u, 71u, 1000u}) {
      ModelOptions windowed = plain;
      windowed.sliding_window = W;
      expect_all_near(ringrt_ref::forward_all(windowed, w, x.data(), T), want, 1e-13,
                      "window " + std::to_string(W));
    }
    // One less and the first and last tokens no longer see each other.
    ModelOptions windowed = plain;
    windowed.sliding_window = 69;
    const std::vector<double> got = ringrt_ref::forward_all(windowed, w, x.data(), T);
    EXPECT_GT(std::fabs(got[(T - 1) * 8] - want[(T - 1) * 8]), 1e-9) << "causal " << causal;
  }
}

// ---- closed forms ----------------------------------------------------------------

// With a window of 1 every token sees only itself, so each head's weight is 1 and
// attention returns the token's own V row (causal or not, any number of tokens).
TEST(ReferenceVariants, WindowOfOneReturnsEachTokensValue) {
  const size_t T = 5, H = 6;
  for (bool causal : {true, false}) {
    ModelOptions o = encoder(H, H, 3, 1);
    o.causal = causal;
    o.sliding_window = 1;
    const Weights w = random_weights(o, 69);
    const std::vector<float> x = random_input(T * H, 70);
    std::vector<std::vector<double>> attn(T);
    for (size_t t = 0; t < T; ++t) attn[t] = value_row(w, x, t, H, 3 * H, 2 * H);
    expect_all_near(ringrt_ref::forward_all(o, w, x.data(), T), one_layer_given_attention(w, x, attn), 1e-12,
                    causal ? "causal" : "bidirectional");
  }
}

// W_q = 0 and b_q = 0 make every score 0: a sink of 0 is then one more equal term,
// so token t's weights are 1 / (t + 2) on each of its t + 1 keys (exactly 1/2 for a
// single key) and 1 / (T + 1) without causality.
TEST(ReferenceVariants, ZeroScoresAndZeroSinkShareTheWeightEqually) {
  const size_t T = 4, H = 4;
  for (bool causal : {true, false}) {
    ModelOptions o = encoder(H, H, 2, 1);
    o.causal = causal;
    o.attention_sinks = true;
    Weights w = random_weights(o, 71);
    std::vector<float>& qkv = w["ring_1_qkv.kernel"];
    for (size_t r = 0; r < H; ++r)
      for (size_t c = 0; c < H; ++c) qkv[r * 3 * H + c] = 0.0f;  // W_q = 0
    for (size_t c = 0; c < H; ++c) w["ring_1_qkv.bias"][c] = 0.0f;
    w["ring_1_attn_sinks"] = {0.0f, 0.0f};
    const std::vector<float> x = random_input(T * H, 72);
    std::vector<std::vector<double>> v(T), attn(T, std::vector<double>(H, 0.0));
    for (size_t t = 0; t < T; ++t) v[t] = value_row(w, x, t, H, 3 * H, 2 * H);
    for (size_t t = 0; t < T; ++t) {
      const size_t keys = causal ? t + 1 : T;
      for (size_t u = 0; u < keys; ++u)
        for (size_t i = 0; i < H; ++i) attn[t][i] += v[u][i] / static_cast<double>(keys + 1);
    }
    const std::vector<double> got = ringrt_ref::forward_all(o, w, x.data(), T);
    expect_all_near(got, one_layer_given_attention(w, x, attn), 1e-12, causal ? "causal" : "bidirectional");
    if (causal) {  // one key: the model on token 0 alone gives the same row (weight exactly 1/2)
      const std::vector<double> first = ringrt_ref::forward_all(o, w, x.data(), 1);
      for (size_t i = 0; i < H; ++i) EXPECT_NEAR(first[i], got[i], 1e-14) << i;
    }
  }
}

// Grouped-query attention equals multi-head attention whose K and V columns repeat
// each kv head for the num_heads / num_kv_heads query heads that share it. With 4
// heads and 2 kv heads, heads 0 and 1 read kv head 0, heads 2 and 3 kv head 1 (a
// mapping j mod 2 would give another answer).
TEST(ReferenceVariants, GroupedQueryEqualsMultiHeadWithRepeatedKeysAndValues) {
  const uint32_t H = 8, heads = 4, kv = 2, Dh = H / heads, T = 11;
  ModelOptions gqa = encoder(5, H, heads, 2);
  gqa.num_kv_heads = kv;
  gqa.sliding_window = 6;  // the window and the cap do not care how K and V were made
  gqa.logit_softcap = 2.0f;
  ModelOptions mha = gqa;
  mha.num_kv_heads = heads;
  const Weights wg = random_weights(gqa, 73);
  Weights wm = wg;
  const uint32_t gqa_width = (heads + 2 * kv) * Dh, mha_width = 3 * H;
  for (uint32_t l = 1; l <= 2; ++l) {
    const std::vector<float>& kg = wg.at(lname(l, "qkv.kernel"));
    const std::vector<float>& bg = wg.at(lname(l, "qkv.bias"));
    std::vector<float> km(H * mha_width), bm(mha_width);
    // MHA column of (block, head j, d) <- GQA column of (block, group of j, d); Q is block 0.
    auto source = [&](uint32_t c) {
      const uint32_t block = c / H, j = (c % H) / Dh, d = c % Dh;
      if (block == 0) return c;
      return heads * Dh + (block - 1) * kv * Dh + (j / (heads / kv)) * Dh + d;
    };
    for (uint32_t c = 0; c < mha_width; ++c) {
      for (uint32_t r = 0; r < H; ++r) km[r * mha_width + c] = kg[r * gqa_width + source(c)];
      bm[c] = bg[source(c)];
    }
    wm[lname(l, "qkv.kernel")] = km;
    wm[lname(l, "qkv.bias")] = bm;
  }
  const std::vector<float> x = random_input(T * 5, 74);
  const std::vector<double> got = ringrt_ref::forward_all(gqa, wg, x.data(), T);
  expect_all_near(got, ringrt_ref::forward_all(mha, wm, x.data(), T), 1e-12, "gqa vs expanded mha");
  expect_all_near(got, triple_loop(gqa, wg, x, T), 1e-11, "gqa vs triple loop");
}

// ---- structure -----------------------------------------------------------------

// Without causality the first token's output depends on the last token.
TEST(ReferenceVariants, BidirectionalFirstOutputSeesLaterTokens) {
  ModelOptions o = encoder(5, 8, 2, 1);
  o.causal = false;
  const Weights w = random_weights(o, 75);
  std::vector<float> x = random_input(6 * 5, 76);
  const std::vector<double> before = ringrt_ref::forward_all(o, w, x.data(), 6);
  x[5 * 5] += 1.5f;
  const std::vector<double> after = ringrt_ref::forward_all(o, w, x.data(), 6);
  EXPECT_GT(std::fabs(before[0] - after[0]), 1e-6);
}

// A causal window W in one layer: output t depends on tokens t - W + 1 .. t only.
TEST(ReferenceVariants, CausalWindowLimitsTheReceptiveField) {
  const size_t T = 9, E = 5, H = 8, W = 3, k = 2;
  ModelOptions o = encoder(E, H, 2, 1);
  o.sliding_window = W;
  const Weights w = random_weights(o, 77);
  std::vector<float> x = random_input(T * E, 78);
  const std::vector<double> before = ringrt_ref::forward_all(o, w, x.data(), T);
  for (size_t e = 0; e < E; ++e) x[k * E + e] += 1.5f;
  const std::vector<double> after = ringrt_ref::forward_all(o, w, x.data(), T);
  for (size_t t = 0; t < T; ++t) {
    double d = 0;
    for (size_t i = 0; i < H; ++i) d = std::max(d, std::fabs(before[t * H + i] - after[t * H + i]));
    if (t < k || t >= k + W) {
      EXPECT_EQ(d, 0.0) << "token " << t << " does not see token " << k;
    } else {
      EXPECT_GT(d, 1e-6) << "token " << t << " sees token " << k;
    }
  }
}

// The reference against the independent triple loop, for every option alone and
// combined, at lengths that cross the 64-row block (so the key span of a block
// and the window's edges meet the block edges).
TEST(ReferenceVariants, MatchesIndependentTripleLoop) {
  struct Case {
    bool causal;
    uint32_t kv_heads, window;
    float cap;
    bool sinks;
    size_t T;
  };
  const Case cases[] = {
      {false, 4, 0, 0, false, 70},  {true, 2, 0, 0, false, 70},   {true, 1, 0, 0, false, 33},
      {true, 4, 5, 0, false, 130},  {false, 4, 5, 0, false, 130}, {false, 4, 64, 0, false, 140},
      {true, 4, 0, 1.0f, false, 70}, {true, 4, 0, 0, true, 70},    {false, 4, 0, 0, true, 66},
      {false, 2, 7, 2.5f, true, 129}, {true, 1, 65, 0.75f, true, 131}, {true, 2, 1, 3.0f, true, 20},
  };
  for (const Case& k : cases) {
    ModelOptions o = encoder(5, 12, 4, 2);
    o.causal = k.causal;
    o.num_kv_heads = k.kv_heads;
    o.sliding_window = k.window;
    o.logit_softcap = k.cap;
    o.attention_sinks = k.sinks;
    const std::string what = std::string(k.causal ? "causal" : "bidirectional") + " kv " +
                             std::to_string(k.kv_heads) + " window " + std::to_string(k.window) + " cap " +
                             std::to_string(k.cap) + (k.sinks ? " sinks" : "") + " T " + std::to_string(k.T);
    const Weights w = random_weights(o, 80 + static_cast<uint32_t>(k.T));
    const std::vector<float> x = random_input(k.T * 5, 81 + k.window);
    const std::vector<double> want = triple_loop(o, w, x, k.T);
    expect_all_near(ringrt_ref::forward_all(o, w, x.data(), k.T), want, 1e-11, what);
    const std::vector<double> last = ringrt_ref::forward_last(o, w, x.data(), k.T);
    expect_all_near(last, std::vector<double>(want.end() - 12, want.end()), 1e-11, what + " (last)");
  }
}

}  // namespace
