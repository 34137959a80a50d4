// Naive double-precision forward pass of docs/model-contract.md and of the ring_encoder
// architecture (README.md, "Model architectures").
//
// Everything is plain double arithmetic; the only "optimisation" is that every
// matrix product goes through one cache-blocked GEMM with a small register tile,
// and attention is computed in blocks of query rows that only visit the span of
// keys some row of the block can see (the keys in that span a row cannot see get
// probability 0).
#include "reference_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace ringrt_ref {
namespace {

using Matrix = std::vector<double>;

[[noreturn]] void fail(const char* what, const std::string& name, std::size_t want,
                       std::size_t got) {
  std::fprintf(stderr, "ringrt_ref: %s tensor '%s' (expected %zu values, got %zu)\n", what,
               name.c_str(), want, got);
  std::abort();
}

Matrix fetch(const Weights& w, const std::string& name, std::size_t count) {
  const auto it = w.find(name);
  if (it == w.end()) fail("missing", name, count, 0);
  if (it->second.size() != count) fail("wrongly sized", name, count, it->second.size());
  return Matrix(it->second.begin(), it->second.end());
}

// ---- GEMM: C[M,N] = A[M,K] * B[K,N] (all row-major with leading dimensions) ----

constexpr std::size_t kMr = 4;   // register tile rows
constexpr std::size_t kNr = 4;   // register tile columns
constexpr std::size_t kMc = 64;  // rows of A kept hot while sweeping the columns of B

// The register tile: out[kMr, kNr] = A[kMr, K] * Bp[K, kNr], where Bp is one packed,
// contiguous panel of B. GCC/Clang generic vectors (lowered to SSE2 or NEON) and
// forced unrolling keep the accumulators in registers even at -O2. Each output is
// a plain sequential sum over k.
typedef double Vec __attribute__((vector_size(16)));  // 2 doubles: SSE2 / NEON
constexpr std::size_t kLanes = sizeof(Vec) / sizeof(double);
constexpr std::size_t kVecs = kNr / kLanes;
static_assert(kNr % kLanes == 0, "tile width must be a multiple of the vector width");

void tile(std::size_t K, const double* __restrict A, std::size_t lda, const double* __restrict Bp,
          double* __restrict out /* [kMr][kNr] */) {
  Vec acc[kMr][kVecs];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < kMr; ++i)
#pragma GCC unroll 16
    for (std::size_t v = 0; v < kVecs; ++v) acc[i][v] = Vec{};
  for (std::size_t k = 0; k < K; ++k) {
    Vec b[kVecs];
#pragma GCC unroll 16
    for (std::size_t v = 0; v < kVecs; ++v)
      std::memcpy(&b[v], Bp + k * kNr + v * kLanes, sizeof(Vec));
#pragma GCC unroll 16
    for (std::size_t i = 0; i < kMr; ++i) {
      const double a = A[i * lda + k];
#pragma GCC unroll 16
      for (std::size_t v = 0; v < kVecs; ++v) acc[i][v] += a * b[v];
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

// C[M,N] = A[M,K] * B[K,N], all row-major with leading dimensions.
void gemm(std::size_t M, std::size_t N, std::size_t K, const double* A, std::size_t lda,
          const double* B, std::size_t ldb, double* C, std::size_t ldc) {
  // Pack B into column panels [N/kNr][K][kNr] (zero-padded), so the tile streams
  // contiguous memory instead of hopping rows of B (which thrashes cache sets when
  // ldb is a large power of two).
  const std::size_t panels = (N + kNr - 1) / kNr;
  std::vector<double> packed(panels * K * kNr, 0.0);
  for (std::size_t p = 0; p < panels; ++p) {
    const std::size_t j = p * kNr, n = std::min(kNr, N - j);
    double* dst = packed.data() + p * K * kNr;
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t c = 0; c < n; ++c) dst[k * kNr + c] = B[k * ldb + j + c];
  }
  std::vector<double> edge_rows;  // A rows padded to kMr for the last row tile
  double out[kMr * kNr];
  for (std::size_t i0 = 0; i0 < M; i0 += kMc) {
    const std::size_t i1 = std::min(M, i0 + kMc);
    for (std::size_t p = 0; p < panels; ++p) {
      const std::size_t j = p * kNr, n = std::min(kNr, N - j);
      const double* bp = packed.data() + p * K * kNr;
      for (std::size_t i = i0; i < i1; i += kMr) {
        const std::size_t m = std::min(kMr, i1 - i);
        const double* a = A + i * lda;
        std::size_t a_ld = lda;
        if (m < kMr) {  // copy the last rows into a zero-padded block
          edge_rows.assign(kMr * K, 0.0);
          for (std::size_t r = 0; r < m; ++r)
            std::memcpy(edge_rows.data() + r * K, a + r * lda, K * sizeof(double));
          a = edge_rows.data();
          a_ld = K;
        }
        tile(K, a, a_ld, bp, out);
        for (std::size_t r = 0; r < m; ++r)
          std::memcpy(C + (i + r) * ldc + j, out + r * kNr, n * sizeof(double));
      }
    }
  }
}

// out[r, :] = in[r, :] * W + b for rows [r0, rows); W is [in_dim, out_dim].
void dense(std::size_t r0, std::size_t rows, std::size_t in_dim, std::size_t out_dim,
           const double* in, const Matrix& W, const Matrix& b, double* out) {
  if (rows <= r0) return;
  gemm(rows - r0, out_dim, in_dim, in + r0 * in_dim, in_dim, W.data(), out_dim, out + r0 * out_dim,
       out_dim);
  for (std::size_t r = r0; r < rows; ++r) {
    double* o = out + r * out_dim;
    for (std::size_t c = 0; c < out_dim; ++c) o[c] += b[c];
  }
}

// LayerNorm over the last axis: (x - mean) / sqrt(biased var + 1e-5) * gamma + beta.
void layer_norm_row(const double* x, std::size_t n, const Matrix& gamma, const Matrix& beta,
                    double* out) {
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (std::size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<double>(n);
  const double inv = 1.0 / std::sqrt(var + 1e-5);
  for (std::size_t i = 0; i < n; ++i) out[i] = (x[i] - mean) * inv * gamma[i] + beta[i];
}

double gelu(double x) { return x * 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

// The attention options of ring_encoder, read straight from the options (an
// Edifice model has the defaults: causal, one kv head per head, no window, cap or
// sinks).
struct Attention {
  std::size_t heads, kv_heads, D;
  bool causal;
  std::size_t window;  // 0: none
  double softcap;      // 0: none
  bool sinks;

  explicit Attention(const ringrt::ModelOptions& o)
      : heads(o.num_heads), kv_heads(o.num_kv_heads ? o.num_kv_heads : o.num_heads),
        D(o.hidden_size / o.num_heads), causal(o.causal), window(o.sliding_window),
        softcap(o.logit_softcap), sinks(o.attention_sinks) {}
  std::size_t qkv_width() const { return (heads + 2 * kv_heads) * D; }
  // Whether query t sees key u.
  bool visible(std::size_t t, std::size_t u) const {
    if (causal && u > t) return false;
    const std::size_t distance = u > t ? u - t : t - u;
    return window == 0 || distance < window;
  }
  // The keys [k0, k1) that some query of [i0, i1) sees.
  void key_span(std::size_t i0, std::size_t i1, std::size_t T, std::size_t* k0, std::size_t* k1) const {
    *k0 = window && i0 + 1 > window ? i0 + 1 - window : 0;
    *k1 = causal ? i1 : window ? std::min(T, i1 - 1 + window) : T;
  }
};

struct Layer {
  Matrix attn_gamma, attn_beta, qkv_w, qkv_b, sinks, out_w, out_b;
  Matrix ffn_gamma, ffn_beta, up_w, up_b, down_w, down_b;
};

Layer load_layer(const Weights& w, unsigned l, std::size_t H, const Attention& at) {
  const std::string p = "ring_" + std::to_string(l) + "_";
  const std::size_t Q = at.qkv_width();
  Layer L;
  L.attn_gamma = fetch(w, p + "attn_norm.gamma", H);
  L.attn_beta = fetch(w, p + "attn_norm.beta", H);
  L.qkv_w = fetch(w, p + "qkv.kernel", H * Q);
  L.qkv_b = fetch(w, p + "qkv.bias", Q);
  if (at.sinks) L.sinks = fetch(w, p + "attn_sinks", at.heads);
  L.out_w = fetch(w, p + "out_proj.kernel", H * H);
  L.out_b = fetch(w, p + "out_proj.bias", H);
  L.ffn_gamma = fetch(w, p + "ffn_norm.gamma", H);
  L.ffn_beta = fetch(w, p + "ffn_norm.beta", H);
  L.up_w = fetch(w, p + "ffn_up.kernel", H * 4 * H);
  L.up_b = fetch(w, p + "ffn_up.bias", 4 * H);
  L.down_w = fetch(w, p + "ffn_down.kernel", 4 * H * H);
  L.down_b = fetch(w, p + "ffn_down.bias", H);
  return L;
}

// Multi-head attention for query rows [r0, T): writes concat_j(O_j) into rows
// [r0, T) of out ([T, H]). qkv is [T, (heads + 2 kv_heads) D]: Q of every head, then
// K of every kv head, then V of every kv head. Query head j reads kv head
// j / (heads / kv_heads). Scores are q.k / sqrt(D), then c tanh(s / c) with a cap c;
// keys a query does not see get probability 0; a sink adds exp(sink_j) to the
// softmax denominator.
void attention(std::size_t T, std::size_t H, const Attention& at, std::size_t r0, const Matrix& qkv,
               const Matrix& sinks, Matrix* out) {
  const std::size_t D = at.D, W = at.qkv_width();
  const std::size_t group = at.heads / at.kv_heads;  // query heads per kv head
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  constexpr std::size_t kRows = 64;  // query rows per block
  Matrix q(T * D), kt(D * T), v(T * D), s(kRows * T);
  for (std::size_t j = 0; j < at.heads; ++j) {
    const std::size_t g = j / group;
    const double* kcol = qkv.data() + at.heads * D + g * D;
    const double* vcol = qkv.data() + (at.heads + at.kv_heads) * D + g * D;
    // Gather head j: Q [T, D], K^T [D, T] (so the scores are a plain GEMM), V [T, D].
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t d = 0; d < D; ++d) {
        q[t * D + d] = qkv[t * W + j * D + d];
        kt[d * T + t] = kcol[t * W + d];
        v[t * D + d] = vcol[t * W + d];
      }
    }
    const double sink = at.sinks ? sinks[j] : -std::numeric_limits<double>::infinity();
    for (std::size_t i0 = r0; i0 < T; i0 += kRows) {
      const std::size_t i1 = std::min(T, i0 + kRows);
      const std::size_t m = i1 - i0;
      std::size_t k0, k1;
      at.key_span(i0, i1, T, &k0, &k1);
      const std::size_t n = k1 - k0;
      // Scores of query rows [i0, i1) against keys [k0, k1): S = Q K^T.
      gemm(m, n, D, q.data() + i0 * D, D, kt.data() + k0, T, s.data(), n);
      for (std::size_t r = 0; r < m; ++r) {
        const std::size_t t = i0 + r;  // query position
        double* srow = s.data() + r * n;
        double mx = sink;
        for (std::size_t u = k0; u < k1; ++u) {
          double& x = srow[u - k0];
          x *= scale;
          if (at.softcap > 0.0) x = at.softcap * std::tanh(x / at.softcap);
          if (at.visible(t, u)) mx = std::max(mx, x);
        }
        double sum = at.sinks ? std::exp(sink - mx) : 0.0;
        for (std::size_t u = k0; u < k1; ++u) {
          double& x = srow[u - k0];
          x = at.visible(t, u) ? std::exp(x - mx) : 0.0;  // masked keys get 0
          sum += x;
        }
        const double inv = 1.0 / sum;
        for (std::size_t u = 0; u < n; ++u) srow[u] *= inv;
      }
      // O_j[i0:i1] = P V, written straight into head j's columns of out.
      gemm(m, D, n, s.data(), n, v.data() + k0 * D, D, out->data() + i0 * H + j * D, H);
    }
  }
}

// Runs the model; the final LayerNorm is applied to rows [last_only ? T-1 : 0, T).
// Returns the full [T, H] buffer (rows that were not computed are left zero).
Matrix forward(const ringrt::ModelOptions& o, const Weights& w, const float* x, std::size_t T,
               bool last_only) {
  const std::size_t E = o.embed_dim, H = o.hidden_size, heads = o.num_heads;
  const std::size_t kv_heads = o.num_kv_heads ? o.num_kv_heads : heads;
  if (T == 0 || E == 0 || H == 0 || heads == 0 || H % heads != 0 || heads % kv_heads != 0) {
    std::fprintf(stderr, "ringrt_ref: bad arguments (T=%zu E=%zu H=%zu heads=%zu kv_heads=%zu)\n", T,
                 E, H, heads, kv_heads);
    std::abort();
  }
  const Attention at(o);
  Matrix h(T * H);
  if (E != H) {
    const Matrix w_in = fetch(w, "input_projection.kernel", E * H);
    const Matrix b_in = fetch(w, "input_projection.bias", H);
    const Matrix xd(x, x + T * E);
    dense(0, T, E, H, xd.data(), w_in, b_in, h.data());
  } else {
    for (std::size_t i = 0; i < T * H; ++i) h[i] = x[i];
  }

  const std::size_t Q = at.qkv_width();
  Matrix a(T * H), qkv(T * Q), att(T * H), proj(T * H), up(T * 4 * H);
  for (unsigned l = 1; l <= o.num_layers; ++l) {
    const Layer L = load_layer(w, l, H, at);
    // The last layer's outputs are only needed for the rows we return; its keys and
    // values still come from every row.
    const std::size_t r0 = (last_only && l == o.num_layers) ? T - 1 : 0;
    for (std::size_t t = 0; t < T; ++t)
      layer_norm_row(h.data() + t * H, H, L.attn_gamma, L.attn_beta, a.data() + t * H);
    dense(0, T, H, Q, a.data(), L.qkv_w, L.qkv_b, qkv.data());
    attention(T, H, at, r0, qkv, L.sinks, &att);
    dense(r0, T, H, H, att.data(), L.out_w, L.out_b, proj.data());
    for (std::size_t i = r0 * H; i < T * H; ++i) h[i] += proj[i];
    for (std::size_t t = r0; t < T; ++t)
      layer_norm_row(h.data() + t * H, H, L.ffn_gamma, L.ffn_beta, a.data() + t * H);
    dense(r0, T, H, 4 * H, a.data(), L.up_w, L.up_b, up.data());
    for (std::size_t i = r0 * 4 * H; i < T * 4 * H; ++i) up[i] = gelu(up[i]);
    dense(r0, T, 4 * H, H, up.data(), L.down_w, L.down_b, proj.data());
    for (std::size_t i = r0 * H; i < T * H; ++i) h[i] += proj[i];
  }

  const Matrix g = fetch(w, "final_norm.gamma", H);
  const Matrix b = fetch(w, "final_norm.beta", H);
  Matrix y(T * H, 0.0);
  for (std::size_t t = last_only ? T - 1 : 0; t < T; ++t)
    layer_norm_row(h.data() + t * H, H, g, b, y.data() + t * H);
  return y;
}

}  // namespace

std::vector<double> forward_all(const ringrt::ModelOptions& o, const Weights& w, const float* x,
                                std::size_t T) {
  return forward(o, w, x, T, false);
}

std::vector<double> forward_last(const ringrt::ModelOptions& o, const Weights& w, const float* x,
                                 std::size_t T) {
  const Matrix y = forward(o, w, x, T, true);
  const std::size_t H = o.hidden_size;
  return std::vector<double>(y.end() - static_cast<std::ptrdiff_t>(H), y.end());
}

double max_abs_diff(const float* a, const double* b, std::size_t n) {
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double av = static_cast<double>(a[i]);
    if (av == b[i]) continue;  // also equal infinities
    const double d = std::fabs(av - b[i]);
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace ringrt_ref
