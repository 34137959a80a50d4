// The C API: thin wrappers over ringrt.hpp.
#include "ringrt/ringrt.h"

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <new>

#include "ringrt/ringrt.hpp"

struct ringrt_model {
  std::unique_ptr<ringrt::Model> model;
};
struct ringrt_session {
  std::unique_ptr<ringrt::Session> session;
};

namespace {

// report() casts a StatusCode to ringrt_status: the two enums must stay in step.
static_assert(static_cast<int>(ringrt::StatusCode::kInternal) == RINGRT_INTERNAL &&
                  static_cast<int>(ringrt::StatusCode::kPeerFailed) == RINGRT_PEER_FAILED &&
                  static_cast<int>(ringrt::StatusCode::kNonFinite) == RINGRT_NON_FINITE,
              "ringrt_status (ringrt.h) must mirror ringrt::StatusCode (status.hpp)");

ringrt_status report(const ringrt::Status& s, char* err, size_t err_size) {
  if (err && err_size) std::snprintf(err, err_size, "%s", s.ok() ? "" : s.message());
  return static_cast<ringrt_status>(s.code());
}

ringrt::Status invalid(const char* message) { return ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument, "%s", message); }

// A caller's struct: its first struct_size bytes over `defaults` (fields a caller
// built against an older header does not have keep their defaults). Refused when
// struct_size is too small for any version of the struct, or when the caller set
// fields past the ones this library knows (it was built against a newer header).
// A struct_size smaller than the struct's first version: the struct was never initialised.
// The first versions: ringrt_session_options and ringrt_memory_plan without kv_dtype,
// the others as they are.
template <typename T>
constexpr std::size_t first_version_size() { return sizeof(T); }
template <>
constexpr std::size_t first_version_size<ringrt_session_options>() { return offsetof(ringrt_session_options, kv_dtype); }
template <>
constexpr std::size_t first_version_size<ringrt_memory_plan>() { return offsetof(ringrt_memory_plan, kv_dtype); }

ringrt::Status check_struct_size(std::size_t size, std::size_t ours, const char* name) {
  if (size >= ours) return ringrt::Status::Ok();
  return ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument,
                               "%s.struct_size is %zu, less than any ringrt version's %zu: call the struct's _init "
                               "function before setting its fields",
                               name, size, ours);
}

template <typename T>
ringrt::Status read_struct(const T* in, T* out, const char* name) {
  RINGRT_RETURN_IF_ERROR(check_struct_size(in->struct_size, first_version_size<T>(), name));
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(in);
  for (std::size_t i = sizeof(T); i < in->struct_size; ++i) {
    if (bytes[i] != 0) {
      return ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument,
                                   "%s sets fields this ringrt %s does not know (struct_size %zu, this ringrt's %zu): "
                                   "use the ringrt the program was built against",
                                   name, ringrt::version(), in->struct_size, sizeof(T));
    }
  }
  std::memcpy(out, in, in->struct_size < sizeof(T) ? in->struct_size : sizeof(T));  // the rest keeps its defaults
  out->struct_size = sizeof(T);
  return ringrt::Status::Ok();
}

// Writes `full` into the caller's struct: as many bytes as its struct_size holds.
template <typename T>
ringrt::Status write_struct(const T& full, T* out, const char* name) {
  if (!out) return invalid("null result struct");
  RINGRT_RETURN_IF_ERROR(check_struct_size(out->struct_size, first_version_size<T>(), name));
  const std::size_t size = out->struct_size;
  std::memcpy(out, &full, size < sizeof(T) ? size : sizeof(T));
  out->struct_size = size;  // bytes past sizeof(T) are the caller's fields, left as they are
  return ringrt::Status::Ok();
}

ringrt::Status session_options(const ringrt_session_options* in, ringrt::SessionOptions* out) {
  if (!in) return ringrt::Status::Ok();
  ringrt_session_options o;
  ringrt_session_options_init(&o);
  RINGRT_RETURN_IF_ERROR(read_struct(in, &o, "ringrt_session_options"));
  out->workers = o.workers;
  out->chunk = o.chunk;
  out->max_context = o.max_context;
  out->kv_store = o.kv_store;
  out->resume = o.resume != 0;
  out->stream_tag = o.stream_tag;
  out->kv_dtype = static_cast<ringrt::KvDtype>(o.kv_dtype);  // checked by the session
  return ringrt::Status::Ok();
}

void to_c(const ringrt::MemoryPlan& p, ringrt_memory_plan* c) {
  ringrt_memory_plan_init(c);
  c->arena_bytes = p.arena_bytes;
  c->kv_bytes = p.kv_bytes;
  c->kv_in_arena = p.kv_in_arena;
  c->workers = p.workers;
  c->chunk = p.chunk;
  c->max_context = p.max_context;
  c->kv_positions = p.kv_positions;
  c->kv_window_buffer = p.kv_window_buffer;
  c->layer_by_layer = p.layer_by_layer;
  c->residual_bytes = p.residual_bytes;
  c->xnnpack_in_arena = p.xnnpack_in_arena;
  c->kv_dtype = static_cast<uint32_t>(p.kv_dtype);
  static_assert(ringrt::MemoryPlan::kMaxEntries == RINGRT_MAX_PLAN_ENTRIES, "plan entries");
  c->entry_count = p.count;
  for (std::size_t i = 0; i < p.count; ++i) c->entries[i] = {p.entries[i].name, p.entries[i].bytes, p.entries[i].offset};
}

}  // namespace

extern "C" {

void ringrt_load_options_init(ringrt_load_options* o) {
  std::memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->verify_checksum = ringrt::Model::LoadOptions().verify_checksum;
}

void ringrt_session_options_init(ringrt_session_options* o) {
  const ringrt::SessionOptions d;
  std::memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->workers = d.workers;
  o->chunk = d.chunk;
  o->max_context = d.max_context;
  o->kv_store = d.kv_store;
  o->resume = d.resume;
  o->stream_tag = d.stream_tag;
  o->kv_dtype = static_cast<uint32_t>(d.kv_dtype);
}

void ringrt_model_info_init(ringrt_model_info* info) {
  std::memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
}

void ringrt_memory_plan_init(ringrt_memory_plan* plan) {
  std::memset(plan, 0, sizeof *plan);
  plan->struct_size = sizeof *plan;
}

ringrt_status ringrt_model_load(const char* path, ringrt_model** out, char* err, size_t err_size) {
  return ringrt_model_load_with_options(path, nullptr, out, err, err_size);
}

ringrt_status ringrt_model_load_with_options(const char* path, const ringrt_load_options* options, ringrt_model** out,
                                             char* err, size_t err_size) {
  if (!out) return report(invalid("null output"), err, err_size);
  *out = nullptr;
  if (!path) return report(invalid("null model path"), err, err_size);
  ringrt::Model::LoadOptions load;
  if (options) {
    ringrt_load_options o;
    ringrt_load_options_init(&o);
    const ringrt::Status read = read_struct(options, &o, "ringrt_load_options");
    if (!read.ok()) return report(read, err, err_size);
    load.verify_checksum = o.verify_checksum != 0;
  }
  ringrt_model* m = new (std::nothrow) ringrt_model();
  if (!m) return report(ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory, "out of memory"), err, err_size);
  ringrt::Status s = ringrt::Model::load(path, load, &m->model);
  if (!s.ok()) {
    delete m;
    return report(s, err, err_size);
  }
  *out = m;
  return report(s, err, err_size);
}

void ringrt_model_free(ringrt_model* model) { delete model; }
uint32_t ringrt_model_embed_dim(const ringrt_model* m) { return m->model->info().embed_dim; }
uint32_t ringrt_model_hidden_size(const ringrt_model* m) { return m->model->info().hidden_size; }

ringrt_status ringrt_model_get_info(const ringrt_model* m, ringrt_model_info* info, char* err, size_t err_size) {
  if (!m) return report(invalid("null model"), err, err_size);
  const ringrt::ModelInfo i = m->model->info();
  ringrt_model_info c;
  ringrt_model_info_init(&c);
  c.embed_dim = i.embed_dim;
  c.hidden_size = i.hidden_size;
  c.num_heads = i.num_heads;
  c.num_layers = i.num_layers;
  c.schema_major = i.schema_major;
  c.schema_minor = i.schema_minor;
  c.weights_f16 = i.weights_f16;
  c.file_bytes = i.file_bytes;
  return report(write_struct(c, info, "ringrt_model_info"), err, err_size);
}

ringrt_status ringrt_plan_session(const ringrt_model* model, const ringrt_session_options* options,
                                  ringrt_memory_plan* plan, char* err, size_t err_size) {
  if (!model) return report(invalid("null model"), err, err_size);
  ringrt::SessionOptions o;
  ringrt::Status s = session_options(options, &o);
  ringrt::MemoryPlan p;
  if (s.ok()) s = ringrt::plan_session(*model->model, o, &p);
  if (!s.ok()) return report(s, err, err_size);
  ringrt_memory_plan c;
  to_c(p, &c);
  return report(write_struct(c, plan, "ringrt_memory_plan"), err, err_size);
}

ringrt_status ringrt_session_create(const ringrt_model* model, const ringrt_session_options* options,
                                    ringrt_session** out, char* err, size_t err_size) {
  if (!model || !out) {
    return report(ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument, "null argument"), err, err_size);
  }
  *out = nullptr;
  ringrt::SessionOptions o;
  const ringrt::Status read = session_options(options, &o);
  if (!read.ok()) return report(read, err, err_size);
  ringrt_session* s = new (std::nothrow) ringrt_session();
  if (!s) return report(ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory, "out of memory"), err, err_size);
  ringrt::Status st = ringrt::Session::create(*model->model, o, &s->session);
  if (!st.ok()) {
    delete s;
    return report(st, err, err_size);
  }
  *out = s;
  return report(st, err, err_size);
}

ringrt_status ringrt_session_append(ringrt_session* s, const float* x, size_t tokens, size_t width,
                                    float* all_outputs, char* err, size_t err_size) {
  if (!s) return report(ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument, "null session"), err, err_size);
  return report(s->session->append(x, tokens, width, all_outputs), err, err_size);
}

ringrt_status ringrt_session_append_deferred(ringrt_session* s, const float* x, size_t tokens, size_t width, char* err,
                                             size_t err_size) {
  if (!s) return report(invalid("null session"), err, err_size);
  return report(s->session->append_deferred(x, tokens, width), err, err_size);
}

ringrt_status ringrt_session_truncate(ringrt_session* s, uint64_t length, char* err, size_t err_size) {
  if (!s) return report(invalid("null session"), err, err_size);
  return report(s->session->truncate(length), err, err_size);
}

ringrt_status ringrt_session_get_plan(const ringrt_session* s, ringrt_memory_plan* plan, char* err, size_t err_size) {
  if (!s) return report(invalid("null session"), err, err_size);
  ringrt_memory_plan c;
  to_c(s->session->plan(), &c);
  return report(write_struct(c, plan, "ringrt_memory_plan"), err, err_size);
}

uint64_t ringrt_session_kv_bytes_stored(const ringrt_session* s) { return s->session->kv_bytes_stored(); }
uint64_t ringrt_hash_bytes(const void* data, size_t bytes, uint64_t hash) { return ringrt::hash_bytes(data, bytes, hash); }

const float* ringrt_session_output(const ringrt_session* s) { return s->session->output(); }
uint64_t ringrt_session_length(const ringrt_session* s) { return s->session->length(); }
uint64_t ringrt_session_arena_bytes(const ringrt_session* s) { return s->session->plan().arena_bytes; }
void ringrt_session_reset(ringrt_session* s) { s->session->reset(); }
void ringrt_session_free(ringrt_session* s) { delete s; }
const char* ringrt_version(void) { return ringrt::version(); }

const char* ringrt_attention_kernel_name(void) { return ringrt::attention_kernel_name(); }

}  // extern "C"
