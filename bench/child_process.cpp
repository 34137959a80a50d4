#include "child_process.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

namespace {

// "VmHWM:  1234 kB" -> bytes; -1 when the field is missing.
double status_field_bytes(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double bytes = -1;
  const std::size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (!std::strncmp(line, field, len) && line[len] == ':') {
      unsigned long long kb = 0;
      if (std::sscanf(line + len + 1, "%llu", &kb) == 1) bytes = static_cast<double>(kb) * 1024.0;
      break;
    }
  }
  std::fclose(f);
  return bytes;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, p + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

}  // namespace

void ChildReport::fail(const char* format, ...) {
  status = ChildStatus::kFailed;
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
}

void ChildReport::unavailable(const char* format, ...) {
  status = ChildStatus::kUnavailable;
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
}

double peak_rss_bytes() {
  const double hwm = status_field_bytes("VmHWM");
  if (hwm >= 0) return hwm;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) * 1024.0;  // kilobytes on Linux
}

double current_rss_bytes() { return status_field_bytes("VmRSS"); }

ChildReport run_in_child(const std::function<void(ChildReport&)>& body) {
  ChildReport report;
  int fds[2];
  if (::pipe(fds) != 0) {
    report.fail("pipe failed: %s", std::strerror(errno));
    return report;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    report.fail("fork failed: %s", std::strerror(errno));
    return report;
  }
  if (pid == 0) {
    ::close(fds[0]);
    ChildReport r;
    try {
      body(r);
    } catch (const std::exception& e) {
      r.fail("%s", e.what());
    } catch (...) {
      r.fail("unknown exception");
    }
    r.peak_rss = peak_rss_bytes();
    const bool sent = write_all(fds[1], &r, sizeof r);
    ::close(fds[1]);
    std::fflush(stdout);
    ::_exit(sent ? 0 : 1);
  }
  ::close(fds[1]);
  const std::size_t got = read_all(fds[0], &report, sizeof report);
  ::close(fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof report) {
    report = ChildReport();
    if (WIFSIGNALED(wstatus)) {
      report.fail("measurement process killed by signal %d (%s)", WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
    } else {
      report.fail("measurement process exited (status %d) without a report", WEXITSTATUS(wstatus));
    }
  }
  return report;
}

}  // namespace bench
