/* RINGRT_API marks what libringrt exports. The library is built with
 * -fvisibility=hidden, so everything else (the runtime's internal layers, its
 * FlatBuffers and XNNPACK glue) stays out of libringrt.so's dynamic symbol table. */
#ifndef RINGRT_EXPORT_H_
#define RINGRT_EXPORT_H_

#if defined(__GNUC__) || defined(__clang__)
#define RINGRT_API __attribute__((visibility("default")))
#else
#define RINGRT_API
#endif

#endif /* RINGRT_EXPORT_H_ */
