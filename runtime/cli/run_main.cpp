// ringrt-run: runs a .rrt model over the sequences of a .npy file.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "distributed.hpp"
#include "npy.hpp"
#include "option_scanner.hpp"
#include "plan_print.hpp"
#include "progress.hpp"
#include "ring_fit.hpp"
#include "ringrt/ringrt.hpp"
#include "run_args.hpp"
#include "run_output.hpp"
#include "same_file.hpp"

namespace {

// The ring of ranks with --distributed; null for a single process.
ringrt::RingTransport* g_ring = nullptr;

bool is_root() { return !g_ring || g_ring->rank() == 0; }

// Where the run's summary goes: stdout, or stderr when --output is stdout itself
// (--output /dev/stdout on a pipe), so that the text does not land in the array.
std::FILE* g_report = stdout;

// Reports an error. A rank of a distributed job also ends the job (MPI_Abort), so
// that no other rank waits for it.
double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

uint64_t peak_rss_bytes() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

// Buffers sized from the input's header: malloc, which returns null when they cannot
// be held (operator new would call the out-of-memory handler instead).
struct FreeFloats {
  void operator()(float* p) const { std::free(p); }
};
using FloatBuffer = std::unique_ptr<float[], FreeFloats>;
FloatBuffer allocate_floats(size_t count) { return FloatBuffer(static_cast<float*>(std::malloc(count * sizeof(float)))); }

// The machine's memory: a buffer larger than it is refused before it is asked for.
uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : UINT64_MAX;
}

int fail(const std::string& message) {
  if (g_ring && g_ring->ranks() > 1) {
    std::fprintf(stderr, "ringrt-run: error: rank %u of %u: %s\n", g_ring->rank(), g_ring->ranks(), message.c_str());
    std::fflush(stderr);
    g_ring->abort(1);
  }
  std::fprintf(stderr, "ringrt-run: error: %s\n", message.c_str());
  return 1;
}

// A session refused for the model's sake (an option this build cannot run yet)
// names the model file, like every other model error.
int fail_session(const std::string& model, const ringrt::Status& s) {
  return fail(s.code() == ringrt::StatusCode::kUnsupportedVersion ? model + ": " + s.message() : s.message());
}


ringrt::SessionOptions session_options(const ringrt::cli::RunArgs& args, uint64_t max_context) {
  ringrt::SessionOptions o;
  o.workers = args.threads;
  o.chunk = args.chunk;
  o.max_context = max_context;
  o.kv_store = args.kv_store.c_str();
  o.resume = args.resume;
  o.kv_dtype = args.kv_dtype;
  o.transport = g_ring;
  return o;
}

// Prints every rank's plan, rank by rank, on rank 0's stdout.
ringrt::Status print_plans(const ringrt::MemoryPlan& plan, const ringrt::ModelInfo& info, const char* kv_store) {
  if (!g_ring || g_ring->ranks() == 1) {
    ringrt::cli::print_plan(plan, info, kv_store, stdout);
    return ringrt::Status::Ok();
  }
  char* text = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&text, &size);
  if (!mem) return ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory, "cannot format the plan");
  std::fprintf(mem, "rank %u of %u:\n", g_ring->rank(), g_ring->ranks());
  ringrt::cli::print_plan(plan, info, kv_store, mem);
  std::fclose(mem);
  std::string mine(text, size);
  std::free(text);
  if (g_ring->rank() != 0) {
    const uint64_t n = mine.size();
    RINGRT_RETURN_IF_ERROR(g_ring->send(0, &n, sizeof n));
    return g_ring->send(0, mine.data(), n);
  }
  std::fputs(mine.c_str(), stdout);
  for (uint32_t q = 1; q < g_ring->ranks(); ++q) {
    uint64_t n = 0;
    RINGRT_RETURN_IF_ERROR(g_ring->recv(q, &n, sizeof n));
    std::string theirs(n, '\0');
    RINGRT_RETURN_IF_ERROR(g_ring->recv(q, theirs.data(), n));
    std::fputs(theirs.c_str(), stdout);
  }
  return ringrt::Status::Ok();
}

// One rank's figures for the summary rank 0 prints.
struct RankReport {
  double compute_seconds, wait_seconds;
  uint64_t bytes_sent, arena_bytes, kv_bytes, peak_rss;
};

ringrt::Status print_rank_reports(const ringrt::Session& session, bool quiet) {
  const ringrt::RingStats& st = session.ring_stats();
  RankReport mine{st.compute_seconds, st.wait_seconds, st.bytes_sent, session.plan().arena_bytes,
                  session.kv_bytes_stored(), peak_rss_bytes()};
  if (g_ring->rank() != 0) return g_ring->send(0, &mine, sizeof mine);
  for (uint32_t q = 0; q < g_ring->ranks(); ++q) {
    RankReport r = mine;
    if (q > 0) RINGRT_RETURN_IF_ERROR(g_ring->recv(q, &r, sizeof r));
    if (quiet) continue;
    std::fprintf(g_report,
                 "ringrt-run: rank %u: ring across ranks: compute %.3f s, waiting %.3f s (%.0f%% of the ring's time), "
                 "sent %.1f MiB; arena %.1f MiB, KV share %.1f MiB, peak RSS %.1f MiB\n",
                 q, r.compute_seconds, r.wait_seconds,
                 100.0 * r.wait_seconds / std::max(1e-9, r.compute_seconds + r.wait_seconds), mib(r.bytes_sent),
                 mib(r.arena_bytes), mib(r.kv_bytes), mib(r.peak_rss));
  }
  return ringrt::Status::Ok();
}

// The input array, read a round at a time so that it need not fit in memory: a
// regular file in any order, a pipe or FIFO front to back (npy::Reader). Nothing
// but the header is read until the session is planned, and every buffer has a
// planned, bounded size: the caller's round, the reader's block, and for a stream
// with a file store the first sequence (its hash tags the store before the run,
// and a stream cannot be read twice).
class Input {
 public:
  ringrt::Status open(const char* path) {
    path_ = path;
    return reader_.open(path, /*accept_streams=*/true);
  }
  const std::vector<size_t>& shape() const { return reader_.shape(); }
  // Elements [0, count) will be read twice: a stream keeps them in memory.
  ringrt::Status keep_first(size_t count) {
    if (!reader_.sequential() || count == 0) return ringrt::Status::Ok();
    const uint64_t bytes = count > UINT64_MAX / sizeof(float) ? UINT64_MAX : static_cast<uint64_t>(count) * sizeof(float);
    const uint64_t ram = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    if (bytes > ram / 2) {
      return ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory,
                                   "%s: a file store tags its stream with a hash of the whole first sequence, read "
                                   "before the run; from a pipe that sequence (%.1f MiB) must be held in memory, more "
                                   "than half of this machine's RAM: save the input to a regular file",
                                   path_, mib(bytes));
    }
    kept_.reset(new (std::nothrow) float[count]);
    if (!kept_) {
      return ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory,
                                   "%s: cannot allocate %.1f MiB to hold the first sequence of a stream for the file "
                                   "store's tag: save the input to a regular file",
                                   path_, mib(bytes));
    }
    kept_count_ = count;
    return reader_.read(0, count, kept_.get());
  }
  // Elements [first, first + count) into out[0, count).
  ringrt::Status read(size_t first, size_t count, float* out) {
    if (first < kept_count_) {
      const size_t n = std::min(count, kept_count_ - first);
      std::copy(kept_.get() + first, kept_.get() + first + n, out);
      first += n, count -= n, out += n;
    }
    return count ? reader_.read(first, count, out) : ringrt::Status::Ok();
  }

 private:
  const char* path_ = "";
  ringrt::npy::Reader reader_;
  std::unique_ptr<float[]> kept_;
  size_t kept_count_ = 0;
};

// FNV-1a of elements [first, first + count), read a block at a time.
ringrt::Status hash_input(Input& in, size_t first, size_t count, uint64_t* hash) {
  constexpr size_t kBlock = 1 << 16;
  std::unique_ptr<float[]> buf(new (std::nothrow) float[kBlock]);
  if (!buf) return ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory, "cannot allocate the input hash buffer");
  *hash = ringrt::kHashSeed;
  for (size_t done = 0; done < count;) {
    const size_t n = std::min(kBlock, count - done);
    RINGRT_RETURN_IF_ERROR(in.read(first + done, n, buf.get()));
    *hash = ringrt::hash_bytes(buf.get(), n * sizeof(float), *hash);
    done += n;
  }
  return ringrt::Status::Ok();
}

}  // namespace

// Built without exceptions: an allocation the checks above did not foresee ends
// with a message and exit status 1, never an abort on an uncaught std::bad_alloc.
[[noreturn]] static void out_of_memory() {
  std::fputs("ringrt-run: error: out of memory\n", stderr);
  std::_Exit(1);
}

int main(int argc, char** argv) {
  using namespace ringrt;
  std::set_new_handler(out_of_memory);
  // A file-size limit makes a store write fail with EFBIG (reported, resumable)
  // instead of killing the process.
  signal(SIGXFSZ, SIG_IGN);
  // A FIFO output whose reader goes away fails the write (EPIPE, reported) instead of killing the process.
  signal(SIGPIPE, SIG_IGN);
  cli::RunArgs args;
  std::string error;
  switch (cli::parse_run_args(argc, argv, &args, &error)) {
    case cli::ParseResult::kHelp:
      std::fputs(cli::run_usage(), stdout);
      return 0;
    case cli::ParseResult::kVersion:
      std::printf("ringrt-run (ringrt) %s\n", version());
      return 0;
    case cli::ParseResult::kError:
      return cli::OptionScanner::usage_error("ringrt-run", error);
    case cli::ParseResult::kRun:
      break;
  }
  cli::DistributedRing ring;
  Status s;
  if (args.distributed) {
    Status joined = ring.start(&argc, &argv, args.peer_timeout);
    if (!joined.ok()) return fail(joined.message());
    g_ring = ring.transport();
  }
  // Refused before any work: an output or a KV store that would overwrite an input,
  // an output that cannot be opened.
  s = cli::check_kv_store_files(args, g_ring ? g_ring->ranks() : 1);
  if (!s.ok()) return fail(s.message());
  io::OutputFile output;
  if (!args.output.empty() && !args.plan && is_root()) {
    s = cli::open_run_output(args, g_ring ? g_ring->ranks() : 1, &output);
    if (!s.ok()) return fail(s.message());
    if (io::is_stdout(args.output.c_str())) g_report = stderr;
  }

  std::unique_ptr<Model> model;
  s = Model::load(args.model.c_str(), &model);
  if (!s.ok()) return fail(s.message());
  const ModelInfo info = model->info();

  if (args.plan && args.input.empty()) {
    MemoryPlan plan;
    s = plan_session(*model, session_options(args, args.max_context ? args.max_context : 8192), &plan);
    if (!s.ok()) return fail_session(args.model, s);
    s = print_plans(plan, info, args.kv_store.c_str());
    if (!s.ok()) return fail(s.message());
    return 0;
  }

  // Only rank 0 reads the input; the other ranks learn its shape.
  Input input;
  std::vector<size_t> shape;
  if (is_root()) {
    s = input.open(args.input.c_str());
    if (!s.ok()) return fail(s.message());
    shape = input.shape();
  }
  if (g_ring) {
    uint64_t dims[4] = {shape.size(), 0, 0, 0};
    for (size_t i = 0; i < shape.size() && i < 3; ++i) dims[i + 1] = shape[i];
    s = g_ring->broadcast(dims, sizeof dims);
    if (!s.ok()) return fail(s.message());
    shape.assign(dims + 1, dims + 1 + (dims[0] <= 3 ? dims[0] : 0));
  }
  if (shape.size() != 2 && shape.size() != 3) {
    return fail(args.input + ": expected shape [T, E] or [B, T, E], got " + std::to_string(shape.size()) +
                " dimensions");
  }
  const bool batched = shape.size() == 3;
  const size_t B = batched ? shape[0] : 1;
  const size_t T = shape[batched ? 1 : 0];
  const size_t E = shape[batched ? 2 : 1];
  if (E != info.embed_dim) {
    return fail(args.input + ": input has " + std::to_string(E) + " features per token but the model expects " +
                "embed_dim = " + std::to_string(info.embed_dim));
  }
  if (B == 0 || T == 0) return fail(args.input + ": empty sequence (no tokens to run)");
  const uint64_t max_context = args.max_context ? args.max_context : T;
  if (T > max_context) {  // before any store exists; a sliding-window ring takes any length
    MemoryPlan plan;
    if (!plan_session(*model, session_options(args, max_context), &plan).ok() || !plan.kv_window_buffer) {
      return fail(args.input + ": the input has " + std::to_string(T) + " tokens per sequence but --max-context is " +
                  std::to_string(max_context));
    }
  }
  if (args.resume && (B != 1 || args.all_timesteps)) {
    return fail("--resume continues one stream: it needs a [T, E] input and no --all-timesteps");
  }

  SessionOptions options = session_options(args, max_context);
  std::string fit_note;  // planned to fit the input: a chunk or workers it cannot use are clipped
  MemoryPlan asked;
  if (!args.max_context && plan_session(*model, options, &asked).ok()) {
    const cli::RingFit fit = cli::fit_ring(asked.workers, asked.chunk, T);
    if (fit.clipped) {
      options.workers = fit.workers;
      options.chunk = fit.chunk;
      fit_note = cli::fit_note(asked.workers, asked.chunk, fit, T);
    }
  }
  if (args.kv_store.rfind("file:", 0) == 0 && !g_ring) {  // sequence 0 identifies the stream a file store holds
    s = input.keep_first(T * E);
    if (s.ok()) s = hash_input(input, 0, T * E, &options.stream_tag);
    if (!s.ok()) return fail(s.message());
  }
  if (args.plan) {
    MemoryPlan plan;
    s = plan_session(*model, options, &plan);
    if (!s.ok()) return fail_session(args.model, s);
    s = print_plans(plan, info, args.kv_store.c_str());
    if (!s.ok()) return fail(s.message());
    if (!fit_note.empty() && is_root()) std::printf("note: %s\n", fit_note.c_str());
    return 0;
  }
  std::unique_ptr<Session> session;
  s = Session::create(*model, options, &session);
  if (!s.ok()) return fail_session(args.model, s);

  const size_t H = info.hidden_size;
  // One round: workers * chunk tokens per rank.
  // One round: workers * chunk tokens per rank. A bidirectional model runs the whole
  // sequence once it has all of it: the input arrives deferred, a round at a time,
  // and the last piece runs it (in one piece with --all-timesteps: every output).
  const bool layer_by_layer = session->plan().layer_by_layer;
  const size_t round = layer_by_layer && args.all_timesteps
                           ? T
                           : static_cast<size_t>(session->plan().workers) * session->plan().chunk *
                                 session->plan().ranks;
  // The outputs: every timestep of every sequence, or the last one of each. Sized from
  // the input's header, which a pipe does not vouch for: checked, and refused if it cannot be held.
  const size_t per_sequence = args.all_timesteps ? T : 1;
  if (B > SIZE_MAX / sizeof(float) / H / per_sequence) {
    return fail(args.input + ": the outputs of " + std::to_string(B) + " x " + std::to_string(per_sequence) +
                " timesteps of " + std::to_string(H) + " floats do not fit in memory");
  }
  const size_t out_count = B * per_sequence * H;
  const uint64_t out_bytes = static_cast<uint64_t>(out_count) * sizeof(float);
  const std::string outputs_of = " bytes for the outputs of " + std::to_string(B) + " x " + std::to_string(per_sequence) +
                                 " timesteps";
  if (out_bytes > physical_memory_bytes()) {  // not even tried: no allocator is asked for terabytes
    return fail(args.input + ": cannot allocate " + std::to_string(out_bytes) + outputs_of + ", more than this machine's " +
                std::to_string(physical_memory_bytes()) + " bytes of memory");
  }
  FloatBuffer out = allocate_floats(out_count);
  if (!out) return fail(args.input + ": cannot allocate " + std::to_string(out_bytes) + outputs_of);
  // The one input buffer: a round of tokens, sized once from the plan.
  FloatBuffer round_buf = is_root() ? allocate_floats(std::min(round, T) * E) : nullptr;
  if (is_root() && !round_buf) {
    return fail(args.input + ": cannot allocate " + std::to_string(std::min(round, T) * E * sizeof(float)) +
                " bytes for a round of input");
  }
  cli::Progress progress(B * T, !args.quiet && is_root());
  uint64_t resumed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t b = 0; b < B; ++b) {
    size_t done = 0;
    if (args.resume && session->length() > 0) {
      // Continue after the committed tokens; recompute the last one if all are in.
      done = static_cast<size_t>(std::min<uint64_t>(session->length(), T - 1));
      s = session->truncate(done);
      if (!s.ok()) return fail(s.message());
      resumed = done;
      if (!args.quiet) std::fprintf(stderr, "ringrt-run: resuming the stream after %zu committed tokens\n", done);
    } else {
      session->reset();
    }
    float* all = args.all_timesteps ? out.get() + b * T * H : nullptr;
    for (; done < T;) {
      const size_t n = std::min(round, T - done);
      const float* x = round_buf.get();
      if (is_root()) s = input.read((b * T + done) * E, n * E, round_buf.get());
      if (!s.ok()) {  // the reader's message names the file
        progress.finish();
        return fail(s.message());
      }
      if (layer_by_layer && done + n < T) {
        s = session->append_deferred(x, n, E);
      } else {
        s = session->append(x, n, E, all ? all + done * H : nullptr);
      }
      if (!s.ok()) {
        progress.finish();
        return fail(args.input + (batched ? " (sequence " + std::to_string(b) + ")" : std::string()) + ": " +
                    s.message());
      }
      done += n;
      progress.update(b * T + done);
    }
    if (!all) std::copy(session->output(), session->output() + H, out.get() + b * H);
  }
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (g_ring) {
    s = print_rank_reports(*session, args.quiet);
    if (!s.ok()) return fail(s.message());
  }
  if (!is_root()) return 0;
  if (!args.output.empty()) {
    std::vector<size_t> out_shape;
    if (batched) out_shape.push_back(B);
    if (args.all_timesteps) out_shape.push_back(T);
    out_shape.push_back(H);
    s = npy::write_f32(output, out_shape.data(), out_shape.size(), out.get());
    if (!s.ok()) return fail(s.message());
  }
  if (!args.quiet) {
    const MemoryPlan& plan = session->plan();
    const uint64_t ran = B * T - resumed;
    std::fprintf(g_report, "ringrt-run: %zu sequence%s x %zu tokens%s: %llu tokens in %.3f s = %.0f tokens/s\n",
                 B, B == 1 ? "" : "s", T, resumed ? " (resumed)" : "", static_cast<unsigned long long>(ran), seconds,
                 static_cast<double>(ran) / seconds);
    std::fprintf(g_report, "ringrt-run: workers %u, chunk %u, max context %llu, KV store %s, attention kernel %s",
                 plan.workers, plan.chunk, static_cast<unsigned long long>(plan.max_context), args.kv_store.c_str(),
                 attention_kernel_name());
    if (plan.ranks > 1) std::fprintf(g_report, ", %u ranks (figures below are rank 0's)", plan.ranks);
    std::fprintf(g_report, "\n");
    if (!fit_note.empty()) std::fprintf(g_report, "ringrt-run: %s\n", fit_note.c_str());
    std::fprintf(g_report, "ringrt-run: planned arena %.1f MiB, peak RSS %.1f MiB, KV history %.1f MiB of %s %s\n",
                 mib(plan.arena_bytes), mib(peak_rss_bytes()), mib(session->kv_bytes_stored()),
                 kv_dtype_name(plan.kv_dtype), plan.kv_in_arena ? "(in the arena)" : "on disk");
    if (!args.output.empty()) std::fprintf(g_report, "ringrt-run: wrote %s\n", args.output.c_str());
  }
  return 0;
}
