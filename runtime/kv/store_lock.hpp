// The lock that gives one session at a time a store file (the KV file store and a
// bidirectional model's residual stream): exclusive, advisory, taken without
// waiting when the file is opened and held until its descriptor is closed, which
// the session's destruction or the process's death does.
#pragma once

#include "ringrt/status.hpp"

namespace ringrt {

// Locks the open file `fd` for this descriptor's open file description. If another
// process (or another session of this one) holds it, fails at once naming `what`
// and `path` ("KV store /data/kv is in use by another process ..."); fails too if
// `path` no longer names the file `fd` is (it was removed before the lock was had).
Status lock_store_file(int fd, const char* what, const char* path);

}  // namespace ringrt
