// ringrt-bench: prints the figures of bench/README.md. See --help and bench/README.md.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>

#include "cases.hpp"
#include "child_process.hpp"
#include "model_fixture.hpp"
#include "options.hpp"
#include "report.hpp"
#include "ringrt/ringrt.hpp"
#include "timing.hpp"

namespace bench {

const std::string& Context::temp() {
  if (temp_dir.empty()) temp_dir = make_temp_dir();
  return temp_dir;
}

const std::string& Context::model() {
  static bool attempted = false;
  if (!model_path.empty() || attempted) return model_path;
  attempted = true;
  const std::string dir = temp();
  // The synthetic weights are built in a child so the parent stays small.
  ChildReport r = run_in_child([&](ChildReport&) { write_edifice_model(dir); });
  if (!r.ok()) {
    fail("synthetic Edifice model", r.message);
    return model_path;
  }
  model_path = dir + "/model.rrt";
  model_bytes = file_size(model_path);
  return model_path;
}

void Context::fail(const std::string& what, const std::string& why) {
  results.failures.push_back(what + ": " + why);
  std::fprintf(stderr, "ringrt-bench: %s failed: %s\n", what.c_str(), why.c_str());
}

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void print_header(const Options& o) {
  struct utsname u;
  uname(&u);
  std::printf("ringrt-bench (ringrt %s)%s, repeat %d\n", ringrt::version(), o.smoke ? " --smoke" : "", o.repeat);
  std::printf("machine: %s, %ld online cores, %s %s %s\n", cpu_model().c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              u.sysname, u.release, u.machine);
  std::printf("load average at start: %s; bench parent RSS %s MiB (inherited by, so included in, every child peak)\n",
              load_average().c_str(), mib(current_rss_bytes()).c_str());
  std::fflush(stdout);
}

}  // namespace

}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  Context ctx;
  int exit_code = 0;
  if (!parse_options(argc, argv, &ctx.opt, &exit_code)) return exit_code;
  print_header(ctx.opt);
  const double t0 = now_seconds();
  try {
    if (ctx.opt.wants("roofline")) case_roofline(ctx);
    if (ctx.opt.wants("core")) case_core(ctx);
    if (ctx.opt.wants("naive")) case_naive(ctx);
    if (ctx.opt.wants("e2e")) case_e2e(ctx);
    if (ctx.opt.wants("stream")) case_stream(ctx);
    if (ctx.opt.wants("memory")) case_memory(ctx);
    if (ctx.opt.wants("balance")) case_balance(ctx);
    if (ctx.opt.wants("kvdtype")) case_kvdtype(ctx);
    if (ctx.opt.wants("pagecache")) case_page_cache(ctx);
    print_targets(ctx);
  } catch (const std::exception& e) {
    ctx.fail("benchmark", e.what());
  }
  if (!ctx.temp_dir.empty()) remove_tree(ctx.temp_dir);
  std::printf("\ntotal %.1f s; load average at end: %s\n", now_seconds() - t0, load_average().c_str());
  if (!ctx.results.failures.empty()) {
    std::printf("%zu measurement(s) failed:\n", ctx.results.failures.size());
    for (const auto& f : ctx.results.failures) std::printf("  %s\n", f.c_str());
    return 1;
  }
  return 0;
}
