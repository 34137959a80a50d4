#include "store_lock.hpp"

#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace ringrt {

// flock(LOCK_EX | LOCK_NB), not fcntl record locks:
// - A classic F_SETLK lock belongs to the process: a second session of the same
//   process would get it too, and closing any other descriptor of the file would
//   drop it (the trap SQLite works around). flock belongs to the open file
//   description, like an OFD lock (F_OFD_SETLK), so two sessions of one process
//   exclude each other and nothing but our own close() releases it.
// - flock needs no Linux 3.15 kernel and no emulator support for F_OFD_* (the
//   cross suites run under QEMU user mode), and on Linux NFS it is sent to the
//   server as a whole-file lock, so hosts sharing the store exclude each other too.
// - LOCK_NB: a second opener is told at once instead of waiting for a run that may
//   last hours. The kernel drops the lock when the process dies, so a crash never
//   leaves a store locked.
Status lock_store_file(int fd, const char* what, const char* path) {
  int r;
  do {
    r = flock(fd, LOCK_EX | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  if (r == 0) {
    // The lock is on the file we opened: the path must still name it. A session
    // that ended meanwhile may have removed it (a residual stream goes with its
    // session), and a lock on a removed file would guard nothing.
    struct stat held, named;
    if (fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      return Status::Ok();
    }
    return Status::Error(StatusCode::kIoError,
                         "%s %s was removed or replaced while this session opened it (another session ended at "
                         "that moment): try again",
                         what, path);
  }
  if (errno == EWOULDBLOCK) {
    return Status::Error(StatusCode::kIoError,
                         "%s %s is in use by another process or session (locked while a session has it open): "
                         "wait for that run to end, or give another path",
                         what, path);
  }
  return Status::Error(StatusCode::kIoError, "%s %s: cannot lock it for this session: %s", what, path,
                       std::strerror(errno));
}

}  // namespace ringrt
