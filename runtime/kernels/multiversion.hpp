// RINGRT_MULTIVERSION: a function compiled for AVX-512 (x86-64-v4), AVX2 (v3) and the
// baseline, chosen at load time (GCC target_clones on x86-64). Elsewhere, and in
// sanitizer builds (ifunc resolvers run before the sanitizer runtimes initialise),
// the baseline only.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define RINGRT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RINGRT_MULTIVERSION
#endif
