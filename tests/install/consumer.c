/* A C program built outside the project with `pkg-config --cflags --libs [--static] ringrt`.
 *   consumer [MODEL.rrt]   prints the version; with a model, streams 32 tokens through it. */
#include <stdio.h>
#include <stdlib.h>

#include <ringrt/ringrt.h>

int main(int argc, char** argv) {
  char err[512];
  ringrt_model* model = NULL;
  ringrt_session* session = NULL;
  ringrt_session_options options;
  float* x;
  size_t embed, i;
  int rc = 1;

  printf("ringrt %s\n", ringrt_version());
  if (argc < 2) return 0;
  if (ringrt_model_load(argv[1], &model, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  ringrt_session_options_init(&options);
  options.max_context = 64;
  if (ringrt_session_create(model, &options, &session, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    ringrt_model_free(model);
    return 1;
  }
  embed = ringrt_model_embed_dim(model);
  x = (float*)calloc(32 * embed, sizeof(float));
  if (!x) goto done;
  for (i = 0; i < 32 * embed; ++i) x[i] = (float)(i % 13) / 13.0f - 0.5f;
  if (ringrt_session_append(session, x, 32, embed, NULL, err, sizeof err) != RINGRT_OK) {
    fprintf(stderr, "error: %s\n", err);
    goto done;
  }
  printf("after %llu tokens: y[0] = %+.5f\n", (unsigned long long)ringrt_session_length(session),
         ringrt_session_output(session)[0]);
  rc = 0;
done:
  free(x);
  ringrt_session_free(session);
  ringrt_model_free(model);
  return rc;
}
