// Case 5, streaming latency: one session (Edifice defaults, 2 workers, memory store)
// is grown by appending; when the history reaches each length, several 64-token
// appends are timed one by one and the median is reported. The cost of an append is
// the dense layers for 64 tokens plus attention of 64 queries over the history, so
// it should grow linearly with the history: constant marginal cost per history token.
#include <memory>
#include <vector>

#include "cases.hpp"
#include "child_process.hpp"
#include "input_stream.hpp"
#include "report.hpp"
#include "ringrt/ringrt.hpp"
#include "timing.hpp"

namespace bench {

namespace {

constexpr uint32_t kEmbed = 288, kLayers = 4, kWorkers = 2;
constexpr std::size_t kAppend = 64, kBuildBlock = 2048;

double append_flops(uint64_t history) {
  const double H = kHidden, n = kAppend;
  // Query i of the append sees history + i + 1 keys; 4 H flops per query-key pair and layer.
  const double pairs = n * static_cast<double>(history) + n * (n + 1) / 2;
  return kLayers * 4 * H * pairs + 2 * n * (kEmbed * H + 12.0 * kLayers * H * H);
}

void stream_child(ChildReport& r, const std::string& model_path, const std::vector<uint64_t>& histories,
                  int appends) {
  std::unique_ptr<ringrt::Model> model;
  ringrt::Status s = ringrt::Model::load(model_path.c_str(), &model);
  if (!s.ok()) return r.fail("%s", s.message());
  ringrt::SessionOptions o;
  o.workers = kWorkers;
  o.chunk = kChunk;
  // Each milestone's timed appends grow the history; a later milestone already passed is
  // measured at the actual (reported) length.
  o.max_context = histories.back() + histories.size() * static_cast<uint64_t>(appends) * kAppend;
  std::unique_ptr<ringrt::Session> session;
  s = ringrt::Session::create(*model, o, &session);
  if (!s.ok()) return r.fail("%s", s.message());
  InputStream input(kEmbed, kBuildBlock, 5);
  for (std::size_t m = 0; m < histories.size() && m < ChildReport::kValues / 2; ++m) {
    if (session->length() < histories[m]) {
      const FeedResult f = feed(*session, input, histories[m] - session->length(), kBuildBlock);
      if (!f.status.ok()) return r.fail("%s", f.status.message());
    }
    r.values[ChildReport::kValues / 2 + m] = static_cast<double>(session->length());
    const FeedResult timed = median_append(*session, input, kAppend, appends);
    if (!timed.status.ok()) return r.fail("%s", timed.status.message());
    r.values[m] = timed.append_seconds;
  }
}

}  // namespace

void case_stream(Context& ctx) {
  const int appends = 7 * ctx.opt.repeat;
  Table t(fmt("case 5: streaming - one 64-token append at history length T (median of %d), %u workers",
              appends, kWorkers),
          {"history", "median ms", "tokens/s", "GFLOP/s", "x previous", "history x", "ms per 1K history",
           "peak RSS MiB"});
  const std::string& model = ctx.model();
  if (model.empty()) {
    t.add({"-", "model could not be made"});
    t.print();
    return;
  }
  const std::vector<uint64_t>& hist = ctx.opt.sizes.stream;
  ChildReport r = run_in_child([&](ChildReport& rep) { stream_child(rep, model, hist, appends); });
  if (!r.ok()) {
    ctx.fail("stream", r.message);
    t.add({"-", "failed"});
    t.print();
    return;
  }
  const double* actual = r.values + ChildReport::kValues / 2;  // history length when timed
  for (std::size_t i = 0; i < hist.size(); ++i) {
    const double sec = r.values[i];
    ctx.results.stream[hist[i]] = StreamResult{sec, static_cast<uint64_t>(actual[i]), r.peak_rss};
    std::string marginal = "-";
    if (i > 0) marginal = fmt("%.3f", (sec - r.values[i - 1]) * 1e3 / ((actual[i] - actual[i - 1]) / 1024.0));
    const std::string label = static_cast<uint64_t>(actual[i]) == hist[i]
                                  ? size_label(hist[i])
                                  : size_label(hist[i]) + fmt(" (%.0f)", actual[i]);
    t.add({label, fixed(sec * 1e3, 2), fmt("%.0f", kAppend / sec),
           fixed(append_flops(static_cast<uint64_t>(actual[i])) / sec * 1e-9, 1),
           i ? fmt("%.2fx", sec / r.values[i - 1]) : "-", i ? fmt("%.2fx", actual[i] / actual[i - 1]) : "-", marginal,
           mib(r.peak_rss)});
  }
  t.note("ms per 1K history = (median(T) - median(previous T)) / (T - previous T) in K tokens: the marginal cost");
  t.note("of history; linear growth means it stays constant. One process builds every history (one peak RSS).");
  t.print();
}

}  // namespace bench
