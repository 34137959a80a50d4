/* The same stream through the C API.
 *
 *   stream_tokens_c MODEL.rrt
 */
#include <stdio.h>
#include <stdlib.h>

#include "ringrt/ringrt.h"

int main(int argc, char** argv) {
  char err[512];
  ringrt_model* model = NULL;
  ringrt_session* session = NULL;
  ringrt_session_options options;
  float* frame;
  size_t embed, i, step;
  int rc = 1;

  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.rrt\n", argv[0]);
    return 2;
  }
  if (ringrt_model_load(argv[1], &model, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  ringrt_session_options_init(&options);
  options.max_context = 512;
  if (ringrt_session_create(model, &options, &session, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    ringrt_model_free(model);
    return 1;
  }
  embed = ringrt_model_embed_dim(model);
  frame = (float*)calloc(64 * embed, sizeof(float));
  if (!frame) goto done;
  for (step = 0; step < 8; ++step) {
    for (i = 0; i < 64 * embed; ++i) frame[i] = (float)((i * 7 + step * 13) % 17) / 17.0f - 0.5f;
    if (ringrt_session_append(session, frame, 64, embed, NULL, err, sizeof err) != RINGRT_OK) {
      fprintf(stderr, "error: %s\n", err);
      goto done;
    }
    printf("after %3llu tokens: y[0] = %+.5f\n", (unsigned long long)ringrt_session_length(session),
           ringrt_session_output(session)[0]);
  }
  rc = 0;
done:
  free(frame);
  ringrt_session_free(session);
  ringrt_model_free(model);
  return rc;
}
