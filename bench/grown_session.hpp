// A session of the bench's model grown to a history, and dropping a KV store file's
// pages from the page cache: shared by the append cases (kvdtype, pagecache).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "input_stream.hpp"
#include "ringrt/ringrt.hpp"

namespace bench {

constexpr uint32_t kGrowWorkers = 2;
constexpr std::size_t kGrowBlock = 2048;

// The model at `model_path` in a session with kGrowWorkers workers, chunk kChunk and
// `o`'s store, dtype and max_context, fed `history` tokens; and the input stream that
// fed it (the appends go on from it).
struct GrownSession {
  std::unique_ptr<ringrt::Model> model;
  std::unique_ptr<ringrt::Session> session;
  InputStream input{288, kGrowBlock, 5};
};
ringrt::Status grow_session(const std::string& model_path, ringrt::SessionOptions o, uint64_t history,
                            GrownSession* g);

// Writes the file's dirty pages back and drops all of its pages from the page cache.
bool drop_pages(const std::string& path);

// Times `appends` 1-token appends to g, each after the pages of the store file at
// `store` are dropped; append_seconds is their median.
FeedResult median_dropped_append(GrownSession& g, const std::string& store, int appends);

}  // namespace bench
