// The C API: thin wrappers over ringrt.hpp.
#include "ringrt/ringrt.h"

#include <cstdio>
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

}  // namespace

extern "C" {

void ringrt_session_options_init(ringrt_session_options* o) {
  const ringrt::SessionOptions d;
  o->workers = d.workers;
  o->chunk = d.chunk;
  o->max_context = d.max_context;
}

ringrt_status ringrt_model_load(const char* path, ringrt_model** out, char* err, size_t err_size) {
  if (!out) return report(ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument, "null output"), err, err_size);
  *out = nullptr;
  ringrt_model* m = new (std::nothrow) ringrt_model();
  if (!m) return report(ringrt::Status::Error(ringrt::StatusCode::kOutOfMemory, "out of memory"), err, err_size);
  ringrt::Status s = ringrt::Model::load(path, &m->model);
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

ringrt_status ringrt_session_create(const ringrt_model* model, const ringrt_session_options* options,
                                    ringrt_session** out, char* err, size_t err_size) {
  if (!model || !out) {
    return report(ringrt::Status::Error(ringrt::StatusCode::kInvalidArgument, "null argument"), err, err_size);
  }
  *out = nullptr;
  ringrt::SessionOptions o;
  if (options) {
    o.workers = options->workers;
    o.chunk = options->chunk;
    o.max_context = options->max_context;
  }
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

const float* ringrt_session_output(const ringrt_session* s) { return s->session->output(); }
uint64_t ringrt_session_length(const ringrt_session* s) { return s->session->length(); }
uint64_t ringrt_session_arena_bytes(const ringrt_session* s) { return s->session->plan().arena_bytes; }
void ringrt_session_reset(ringrt_session* s) { s->session->reset(); }
void ringrt_session_free(ringrt_session* s) { delete s; }
const char* ringrt_version(void) { return ringrt::version(); }

}  // extern "C"
