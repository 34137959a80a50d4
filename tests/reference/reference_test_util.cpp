#include "reference_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace reftest {

ModelOptions options(uint32_t E, uint32_t H, uint32_t heads, uint32_t layers) {
  ModelOptions o;
  o.embed_dim = E;
  o.hidden_size = H;
  o.num_heads = heads;
  o.num_layers = layers;
  return o;
}

ModelOptions encoder(uint32_t E, uint32_t H, uint32_t heads, uint32_t layers) {
  ModelOptions o = options(E, H, heads, layers);
  o.architecture = ringrt::Architecture::kRingEncoder;
  return o;
}

std::string lname(uint32_t l, const char* suffix) {
  return "ring_" + std::to_string(l) + "_" + suffix;
}

Weights random_weights(const ModelOptions& o, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  const size_t E = o.embed_dim, H = o.hidden_size;
  const size_t kv = o.num_kv_heads ? o.num_kv_heads : o.num_heads;
  const size_t Q = (o.num_heads + 2 * kv) * (H / o.num_heads);
  Weights w;
  auto fill = [&](const std::string& name, size_t n, float offset = 0.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = offset + u(rng);
    w[name] = v;
  };
  if (E != H) {
    fill("input_projection.kernel", E * H);
    fill("input_projection.bias", H);
  }
  for (uint32_t l = 1; l <= o.num_layers; ++l) {
    fill(lname(l, "attn_norm.gamma"), H, 1.0f);
    fill(lname(l, "attn_norm.beta"), H);
    fill(lname(l, "qkv.kernel"), H * Q);
    fill(lname(l, "qkv.bias"), Q);
    if (o.attention_sinks) fill(lname(l, "attn_sinks"), o.num_heads);
    fill(lname(l, "out_proj.kernel"), H * H);
    fill(lname(l, "out_proj.bias"), H);
    fill(lname(l, "ffn_norm.gamma"), H, 1.0f);
    fill(lname(l, "ffn_norm.beta"), H);
    fill(lname(l, "ffn_up.kernel"), H * 4 * H);
    fill(lname(l, "ffn_up.bias"), 4 * H);
    fill(lname(l, "ffn_down.kernel"), 4 * H * H);
    fill(lname(l, "ffn_down.bias"), H);
  }
  fill("final_norm.gamma", H, 1.0f);
  fill("final_norm.beta", H);
  return w;
}

std::vector<float> random_input(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = nd(rng);
  return x;
}

std::vector<double> D(const Weights& w, const std::string& name) {
  const std::vector<float>& v = w.at(name);
  return std::vector<double>(v.begin(), v.end());
}

std::vector<double> layer_norm(const std::vector<double>& x, const std::vector<double>& g,
                               const std::vector<double>& b) {
  const size_t n = x.size();
  double mean = 0;
  for (double v : x) mean += v;
  mean /= n;
  double var = 0;
  for (double v : x) var += (v - mean) * (v - mean);
  var /= n;
  std::vector<double> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = (x[i] - mean) / std::sqrt(var + 1e-5) * g[i] + b[i];
  return y;
}

std::vector<double> matvec(const std::vector<double>& x, const std::vector<double>& W, size_t ld,
                           const std::vector<double>& b, size_t col0, size_t out) {
  std::vector<double> y(out);
  for (size_t c = 0; c < out; ++c) {
    double s = b[col0 + c];
    for (size_t r = 0; r < x.size(); ++r) s += x[r] * W[r * ld + col0 + c];
    y[c] = s;
  }
  return y;
}

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

std::vector<double> ffn_residual(const Weights& w, uint32_t l, std::vector<double> h) {
  const size_t H = h.size();
  const std::vector<double> f =
      layer_norm(h, D(w, lname(l, "ffn_norm.gamma")), D(w, lname(l, "ffn_norm.beta")));
  std::vector<double> up =
      matvec(f, D(w, lname(l, "ffn_up.kernel")), 4 * H, D(w, lname(l, "ffn_up.bias")), 0, 4 * H);
  for (double& v : up) v = gelu(v);
  const std::vector<double> down =
      matvec(up, D(w, lname(l, "ffn_down.kernel")), H, D(w, lname(l, "ffn_down.bias")), 0, H);
  for (size_t i = 0; i < H; ++i) h[i] += down[i];
  return h;
}

std::vector<double> final_norm(const Weights& w, const std::vector<double>& h) {
  return layer_norm(h, D(w, "final_norm.gamma"), D(w, "final_norm.beta"));
}

std::vector<double> one_layer_given_attention(const Weights& w, const std::vector<float>& x,
                                              const std::vector<std::vector<double>>& attn) {
  std::vector<double> y;
  for (size_t t = 0; t < attn.size(); ++t) {
    const size_t H = attn[t].size();
    std::vector<double> h(x.begin() + t * H, x.begin() + (t + 1) * H);
    const std::vector<double> proj =
        matvec(attn[t], D(w, lname(1, "out_proj.kernel")), H, D(w, lname(1, "out_proj.bias")), 0, H);
    for (size_t i = 0; i < H; ++i) h[i] += proj[i];
    const std::vector<double> yt = final_norm(w, ffn_residual(w, 1, h));
    y.insert(y.end(), yt.begin(), yt.end());
  }
  return y;
}

std::vector<double> value_row(const Weights& w, const std::vector<float>& x, size_t t, size_t H, size_t width,
                              size_t v_col) {
  const std::vector<double> xt(x.begin() + t * H, x.begin() + (t + 1) * H);
  const std::vector<double> a =
      layer_norm(xt, D(w, lname(1, "attn_norm.gamma")), D(w, lname(1, "attn_norm.beta")));
  return matvec(a, D(w, lname(1, "qkv.kernel")), width, D(w, lname(1, "qkv.bias")), v_col, H);
}

namespace {

// Whether query t sees key u, from the README's bullets.
bool sees(const ModelOptions& o, size_t t, size_t u) {
  if (o.causal && u > t) return false;
  if (o.sliding_window == 0) return true;
  const long long distance = static_cast<long long>(t) - static_cast<long long>(u);
  return (o.causal ? distance : std::llabs(distance)) < static_cast<long long>(o.sliding_window);
}

}  // namespace

std::vector<double> triple_loop(const ModelOptions& o, const Weights& w, const std::vector<float>& x,
                                size_t T) {
  const size_t E = o.embed_dim, H = o.hidden_size, nh = o.num_heads, Dh = H / nh;
  const size_t kv = o.num_kv_heads ? o.num_kv_heads : nh;
  const size_t width = (nh + 2 * kv) * Dh;
  const double cap = o.logit_softcap;
  std::vector<std::vector<double>> h(T);
  for (size_t t = 0; t < T; ++t) {
    const std::vector<double> xt(x.begin() + t * E, x.begin() + (t + 1) * E);
    h[t] = E != H
               ? matvec(xt, D(w, "input_projection.kernel"), H, D(w, "input_projection.bias"), 0, H)
               : xt;
  }
  for (uint32_t l = 1; l <= o.num_layers; ++l) {
    std::vector<std::vector<double>> qkv(T);
    for (size_t t = 0; t < T; ++t)
      qkv[t] = matvec(
          layer_norm(h[t], D(w, lname(l, "attn_norm.gamma")), D(w, lname(l, "attn_norm.beta"))),
          D(w, lname(l, "qkv.kernel")), width, D(w, lname(l, "qkv.bias")), 0, width);
    const std::vector<double> sinks = o.attention_sinks ? D(w, lname(l, "attn_sinks")) : std::vector<double>();
    std::vector<std::vector<double>> next = h;
    for (size_t t = 0; t < T; ++t) {
      std::vector<double> o_t(H, 0.0);
      for (size_t j = 0; j < nh; ++j) {
        const size_t g = j * kv / nh;  // kv head of query head j
        const size_t k_at = nh * Dh + g * Dh, v_at = (nh + kv) * Dh + g * Dh;
        std::vector<double> s(T, -std::numeric_limits<double>::infinity());
        double mx = o.attention_sinks ? sinks[j] : -std::numeric_limits<double>::infinity();
        for (size_t u = 0; u < T; ++u) {
          if (!sees(o, t, u)) continue;
          double dot = 0;
          for (size_t d = 0; d < Dh; ++d) dot += qkv[t][j * Dh + d] * qkv[u][k_at + d];
          s[u] = dot / std::sqrt(static_cast<double>(Dh));
          if (cap > 0) s[u] = cap * std::tanh(s[u] / cap);
          mx = std::max(mx, s[u]);
        }
        double sum = o.attention_sinks ? std::exp(sinks[j] - mx) : 0.0;
        for (size_t u = 0; u < T; ++u) sum += (s[u] = std::exp(s[u] - mx));
        for (size_t u = 0; u < T; ++u)
          for (size_t d = 0; d < Dh; ++d) o_t[j * Dh + d] += s[u] / sum * qkv[u][v_at + d];
      }
      const std::vector<double> proj =
          matvec(o_t, D(w, lname(l, "out_proj.kernel")), H, D(w, lname(l, "out_proj.bias")), 0, H);
      for (size_t i = 0; i < H; ++i) next[t][i] += proj[i];
    }
    for (size_t t = 0; t < T; ++t) h[t] = ffn_residual(w, l, next[t]);
  }
  std::vector<double> y;
  for (size_t t = 0; t < T; ++t) {
    const std::vector<double> yt = final_norm(w, h[t]);
    y.insert(y.end(), yt.begin(), yt.end());
  }
  return y;
}

// ---- the hand-valued model ----

Weights hand_weights() {
  Weights w;
  w["ring_1_attn_norm.gamma"] = {1, 1};
  w["ring_1_attn_norm.beta"] = {0, 0};
  w["ring_1_qkv.kernel"] = {1, 0, 1, 0, 1, 0,  //
                            0, 1, 0, 2, 0, 1};
  w["ring_1_qkv.bias"] = {0, 0, 0, 0, 0.5f, 0};
  w["ring_1_out_proj.kernel"] = {1, 1,  //
                                 0, 1};
  w["ring_1_out_proj.bias"] = {0, -1};
  w["ring_1_ffn_norm.gamma"] = {1, 1};
  w["ring_1_ffn_norm.beta"] = {0, 0};
  std::vector<float> up(2 * 8, 0.0f);
  up[0 * 8 + 0] = 1;
  up[1 * 8 + 1] = 2;
  w["ring_1_ffn_up.kernel"] = up;
  std::vector<float> up_b(8, 0.0f);
  up_b[1] = 0.5f;
  w["ring_1_ffn_up.bias"] = up_b;
  std::vector<float> down(8 * 2, 0.75f);
  down[0] = 1, down[1] = 0, down[2] = 0, down[3] = 1;
  w["ring_1_ffn_down.kernel"] = down;
  w["ring_1_ffn_down.bias"] = {0, -4.625f};
  w["final_norm.gamma"] = {2, 1};
  w["final_norm.beta"] = {0.125f, -0.25f};
  return w;
}

const std::vector<float> kHandInput = {3.0f, 1.0f, 0.5f, 2.5f};

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

double hand_c() { return 1.0 / std::sqrt(1.0 + 1e-5); }

namespace {

double ln2(double p, double q) {  // first component of LN([p, q]) with gamma 1, beta 0
  const double d = (p - q) / 2;
  return d / std::sqrt(d * d + 1e-5);
}

// The last three lines of the derivation, from h' to y.
std::vector<double> hand_tail(double h0, double h1) {
  const double e = ln2(h0, h1);
  const double g0 = h0 + gelu(e);
  const double g1 = h1 + gelu(0.5 - 2 * e) - 4.625;
  const double s = ln2(g0, g1);
  return {2 * s + 0.125, -s - 0.25};
}

}  // namespace

std::vector<double> hand_expected(const Mix col0[2], const Mix col1[2]) {
  const double c = hand_c();
  std::vector<double> y;
  for (size_t r = 0; r < 2; ++r) {
    // o = p0 v0 + p1 v1 with v0 = [c + 0.5, -c], v1 = [0.5 - c, c] (column by column).
    const double o0 = col0[r].p0 * (c + 0.5) + col0[r].p1 * (0.5 - c);
    const double o1 = -c * col1[r].p0 + c * col1[r].p1;
    // h' = x + [o0, o0 + o1 - 1]
    const std::vector<double> yr = hand_tail(kHandInput[2 * r] + o0, kHandInput[2 * r + 1] + o0 + o1 - 1);
    y.insert(y.end(), yr.begin(), yr.end());
  }
  return y;
}

std::vector<double> hand_expected(double da, double db) {
  const Mix col0[2] = {{1, 0}, {(1 - da) / 2, (1 + da) / 2}};
  const Mix col1[2] = {{1, 0}, {(1 - db) / 2, (1 + db) / 2}};
  return hand_expected(col0, col1);
}

}  // namespace reftest
