/* Streams a sequence into a KV file store through the C API, stops half-way as a
 * crash would, and resumes it from the file in a new session: the output equals
 * the one of an uninterrupted stream.
 *
 *   file_store_resume_c MODEL.rrt STORE_PATH
 *
 * STORE_PATH must not exist yet (a store is never overwritten); it is removed at the end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringrt/ringrt.h"

#define TOKENS 300
#define PIECE 20

/* A session over `kv_store` (NULL: memory), resuming what the store holds if `resume`. */
static ringrt_session* open_session(const ringrt_model* model, const char* kv_store, int resume, uint64_t tag) {
  char err[512];
  ringrt_session_options options;
  ringrt_session* session = NULL;
  ringrt_session_options_init(&options);
  options.chunk = 32;
  options.max_context = TOKENS;
  options.kv_store = kv_store;
  options.resume = resume;
  options.stream_tag = tag;
  if (ringrt_session_create(model, &options, &session, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    return NULL;
  }
  return session;
}

/* Appends tokens [from, to) of x in pieces of PIECE. */
static int stream(ringrt_session* session, const float* x, size_t embed, size_t from, size_t to) {
  char err[512];
  size_t t;
  for (t = from; t < to; t += PIECE) {
    const size_t n = to - t < PIECE ? to - t : PIECE;
    if (ringrt_session_append(session, x + t * embed, n, embed, NULL, err, sizeof err) != RINGRT_OK) {
      fprintf(stderr, "error: %s\n", err);
      return 0;
    }
  }
  return 1;
}

int main(int argc, char** argv) {
  char err[512], store[4096];
  ringrt_model* model = NULL;
  ringrt_session *whole = NULL, *first = NULL, *resumed = NULL;
  ringrt_model_info info;
  ringrt_memory_plan plan;
  ringrt_session_options options;
  float *x = NULL, *want = NULL;
  size_t i, embed, hidden;
  uint64_t tag;
  double diff = 0.0;
  int rc = 1;

  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.rrt STORE_PATH\n", argv[0]);
    return 2;
  }
  if (access(argv[2], F_OK) == 0) {
    fprintf(stderr, "error: %s exists; give a path for a new store\n", argv[2]);
    return 1;
  }
  snprintf(store, sizeof store, "file:%s", argv[2]);
  if (ringrt_model_load(argv[1], &model, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  ringrt_model_info_init(&info);
  if (ringrt_model_get_info(model, &info, err, sizeof err) != RINGRT_OK) goto fail;
  embed = info.embed_dim;
  hidden = info.hidden_size;
  x = (float*)malloc(TOKENS * embed * sizeof(float));
  want = (float*)malloc(hidden * sizeof(float));
  if (!x || !want) goto done;
  for (i = 0; i < TOKENS * embed; ++i) x[i] = (float)sin(0.37 * (double)i);
  tag = ringrt_hash_bytes(x, TOKENS * embed * sizeof(float), RINGRT_HASH_SEED); /* this stream's identity */

  /* The plan of a file-store session: the KV history is on disk, not in the arena. */
  ringrt_session_options_init(&options);
  options.chunk = 32;
  options.max_context = TOKENS;
  options.kv_store = store;
  ringrt_memory_plan_init(&plan);
  if (ringrt_plan_session(model, &options, &plan, err, sizeof err) != RINGRT_OK) goto fail;
  printf("plan: arena %llu bytes, KV %llu bytes %s\n", (unsigned long long)plan.arena_bytes,
         (unsigned long long)plan.kv_bytes, plan.kv_in_arena ? "in the arena" : "in the store file");

  /* The reference: the whole stream in memory. */
  if (!(whole = open_session(model, NULL, 0, 0)) || !stream(whole, x, embed, 0, TOKENS)) goto done;
  memcpy(want, ringrt_session_output(whole), hidden * sizeof(float));

  /* The first half into the store; the session ends as a crash would end it. */
  if (!(first = open_session(model, store, 0, tag)) || !stream(first, x, embed, 0, TOKENS / 2)) goto done;
  ringrt_session_free(first);
  first = NULL;

  /* A new session continues the stream the store holds. */
  if (!(resumed = open_session(model, store, 1, tag))) goto done;
  printf("resumed after %llu committed tokens\n", (unsigned long long)ringrt_session_length(resumed));
  if (!stream(resumed, x, embed, (size_t)ringrt_session_length(resumed), TOKENS)) goto done;
  for (i = 0; i < hidden; ++i) {
    const double d = fabs((double)ringrt_session_output(resumed)[i] - (double)want[i]);
    if (d > diff) diff = d;
  }
  printf("%d tokens, resumed from the file: max |difference| to the uninterrupted stream = %.3g\n", TOKENS, diff);
  rc = diff <= 1e-4 ? 0 : 1; /* round boundaries differ after the resume: float sums in another order */
  goto done;
fail:
  fprintf(stderr, "error: %s\n", err);
done:
  ringrt_session_free(resumed);
  ringrt_session_free(first);
  ringrt_session_free(whole);
  ringrt_model_free(model);
  free(x);
  free(want);
  unlink(argv[2]);
  return rc;
}
