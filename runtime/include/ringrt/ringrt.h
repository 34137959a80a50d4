/* ringrt C API: the same model/session life cycle as ringrt.hpp, for C callers.
 *
 *   char err[512];
 *   ringrt_model* model;
 *   if (ringrt_model_load("model.rrt", &model, err, sizeof err) != RINGRT_OK) { puts(err); ... }
 *   ringrt_session_options opts;
 *   ringrt_session_options_init(&opts);        // workers 0 (= cores), chunk 256, max_context 8192
 *   ringrt_session* session;
 *   ringrt_session_create(model, &opts, &session, err, sizeof err);
 *   ringrt_session_append(session, x, tokens, embed_dim, NULL, err, sizeof err);
 *   const float* y = ringrt_session_output(session);    // hidden_size floats
 *   ringrt_session_free(session); ringrt_model_free(model);
 *
 * Every function that can fail returns a ringrt_status (0 = success) and, when
 * `err` is non-NULL, writes a NUL-terminated message into it.
 */
#ifndef RINGRT_RINGRT_H_
#define RINGRT_RINGRT_H_

#include <stddef.h>
#include <stdint.h>

#include "ringrt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ringrt_status {
  RINGRT_OK = 0,
  RINGRT_INVALID_ARGUMENT = 1,
  RINGRT_INVALID_MODEL = 2,
  RINGRT_UNSUPPORTED_VERSION = 3,
  RINGRT_IO_ERROR = 4,
  RINGRT_OUT_OF_MEMORY = 5,
  RINGRT_CAPACITY_EXCEEDED = 6,
  RINGRT_INTERNAL = 7,
  RINGRT_PEER_FAILED = 8,
  RINGRT_NON_FINITE = 9 /* a NaN or an Inf appeared in the computation: the input or the weights overflow float32 */
} ringrt_status;

typedef struct ringrt_model ringrt_model;
typedef struct ringrt_session ringrt_session;

typedef struct ringrt_session_options {
  uint32_t workers;     /* ring workers (threads); 0 = number of online cores */
  uint32_t chunk;       /* tokens per query block and KV chunk */
  uint64_t max_context; /* longest sequence the session accepts */
} ringrt_session_options;

RINGRT_API void ringrt_session_options_init(ringrt_session_options* options);

RINGRT_API ringrt_status ringrt_model_load(const char* path, ringrt_model** out, char* err, size_t err_size);
RINGRT_API void ringrt_model_free(ringrt_model* model);
RINGRT_API uint32_t ringrt_model_embed_dim(const ringrt_model* model);
RINGRT_API uint32_t ringrt_model_hidden_size(const ringrt_model* model);

RINGRT_API ringrt_status ringrt_session_create(const ringrt_model* model, const ringrt_session_options* options,
                                               ringrt_session** out, char* err, size_t err_size);
/* Appends `tokens` rows of `width` floats; all_outputs (optional) receives tokens * hidden_size floats. */
RINGRT_API ringrt_status ringrt_session_append(ringrt_session* session, const float* x, size_t tokens, size_t width,
                                               float* all_outputs, char* err, size_t err_size);
/* Last-timestep output (hidden_size floats), or NULL before the first append. */
RINGRT_API const float* ringrt_session_output(const ringrt_session* session);
RINGRT_API uint64_t ringrt_session_length(const ringrt_session* session);
/* Bytes of the session's arena (every buffer it uses, allocated at creation). */
RINGRT_API uint64_t ringrt_session_arena_bytes(const ringrt_session* session);
RINGRT_API void ringrt_session_reset(ringrt_session* session);
RINGRT_API void ringrt_session_free(ringrt_session* session);

RINGRT_API const char* ringrt_version(void);

#ifdef __cplusplus
}
#endif

#endif /* RINGRT_RINGRT_H_ */
