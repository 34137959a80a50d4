// Helpers of the reference's own tests: random weights for any options, tiny
// independent building blocks (LayerNorm, matvec, the FFN residual), an O(T^2)
// triple-loop model that shares no code with the reference, and the hand-valued
// H = 2 model whose outputs are derived on paper in reference_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "reference_model.hpp"

namespace reftest {

using ringrt::ModelOptions;
using ringrt_ref::Weights;

// Edifice options with the given sizes (the rest at their defaults).
ModelOptions options(uint32_t E, uint32_t H, uint32_t heads, uint32_t layers);
// The same sizes as a ring_encoder with Edifice's attention; set the attention
// options on the result.
ModelOptions encoder(uint32_t E, uint32_t H, uint32_t heads, uint32_t layers);

// "ring_{l}_{suffix}"
std::string lname(uint32_t l, const char* suffix);

// Every tensor the options need (qkv of the ring_encoder width, attn_sinks with
// attention_sinks), filled with small random values (gammas around 1, sinks in
// +-0.5). Edifice options draw exactly the values they always have.
Weights random_weights(const ModelOptions& o, uint32_t seed);
std::vector<float> random_input(std::size_t n, uint32_t seed);

// ---- tiny independent helpers ----

// The tensor as doubles.
std::vector<double> D(const Weights& w, const std::string& name);
std::vector<double> layer_norm(const std::vector<double>& x, const std::vector<double>& g,
                               const std::vector<double>& b);
// y = x * W[:, col0 : col0 + out] + b[col0 : col0 + out], W stored [in, ld].
std::vector<double> matvec(const std::vector<double>& x, const std::vector<double>& W, std::size_t ld,
                           const std::vector<double>& b, std::size_t col0, std::size_t out);
double gelu(double x);
// h + gelu(LN(h) W_up + b_up) W_down + b_down for one row.
std::vector<double> ffn_residual(const Weights& w, uint32_t l, std::vector<double> h);
// LN_final(h)
std::vector<double> final_norm(const Weights& w, const std::vector<double>& h);

// One layer whose attention output for row t is a known mix of value rows, and
// the rest of the model (E == H, no input projection): returns the final-normed
// outputs [T, H] of a 1-layer model given, for every row, the attention output
// (before the output projection) computed by the caller.
std::vector<double> one_layer_given_attention(const Weights& w, const std::vector<float>& x,
                                              const std::vector<std::vector<double>>& attn);
// Row t's value vector (LN_attn(x_t) W_v + b_v) of layer 1 for a model whose V
// columns start at `v_col` of a qkv kernel `width` wide.
std::vector<double> value_row(const Weights& w, const std::vector<float>& x, std::size_t t, std::size_t H,
                              std::size_t width, std::size_t v_col);

// An independent O(T^2) triple-loop version of the full ring_encoder math (an
// Edifice model is the special case of its defaults): every option alone or
// combined, written from the README's bullet list without the reference's blocks.
std::vector<double> triple_loop(const ModelOptions& o, const Weights& w, const std::vector<float>& x,
                                std::size_t T);

// ---- the hand-valued model of reference_test.cpp (H = E = 2, one layer) ----

Weights hand_weights();
extern const std::vector<float> kHandInput;  // T = 2: x0 = [3, 1], x1 = [0.5, 2.5]
double sigmoid(double z);
// c = 1 / sqrt(1 + 1e-5): the LayerNorm of the hand inputs is [+-c, -+c].
double hand_c();

// Attention weights of one query row on keys 0 and 1 (they need not sum to 1:
// a sink takes the rest).
struct Mix {
  double p0, p1;
};
// The model's outputs [y0, y1] (4 values) when row r's attention output column 0
// uses weights col0[r] and column 1 uses col1[r] (one head: the same for both).
std::vector<double> hand_expected(const Mix col0[2], const Mix col1[2]);
// Causal rows: row 0 sees only key 0; row 1 weights key 1 by (1 + d) / 2 with
// d = da for column 0 and db for column 1.
std::vector<double> hand_expected(double da, double db);

}  // namespace reftest
