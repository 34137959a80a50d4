#include "cli_args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "errors.hpp"

namespace ringrt::convert {

std::string ParsedArgs::get(const std::string& flag, const std::string& fallback) const {
  auto it = flags.find(flag);
  return it == flags.end() ? fallback : it->second;
}

ParsedArgs parse_args(int argc, char** argv, int first, const std::vector<FlagSpec>& specs) {
  ParsedArgs args;
  bool flags_done = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      args.help = true;
      continue;
    }
    if (arg == "--version") {
      args.version = true;
      continue;
    }
    const std::size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (name == s.name) spec = &s;
    }
    if (!spec) throw UsageError("unknown option '" + name + "'");
    if (args.has(name)) throw UsageError("option '" + name + "' given twice");
    if (!spec->takes_value) {
      if (eq != std::string::npos) throw UsageError("option '" + name + "' takes no value");
      args.flags[name] = "";
    } else {
      if (eq == std::string::npos && i + 1 >= argc) throw UsageError("option '" + name + "' needs a value");
      const std::string value = eq != std::string::npos ? arg.substr(eq + 1) : std::string(argv[++i]);
      if (value.empty()) throw UsageError("option '" + name + "' needs a value, got an empty one");
      args.flags[name] = value;
    }
  }
  return args;
}

std::string version_line(const char* tool) { return std::string(tool) + " (ringrt) " + RINGRT_VERSION + "\n"; }

uint64_t parse_integer(const std::string& flag, const std::string& value, uint64_t min, uint64_t max) {
  const std::string range = " (expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ")";
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError("option '" + flag + "': '" + value + "' is not a valid value" + range);
  }
  errno = 0;
  const unsigned long long n = std::strtoull(value.c_str(), nullptr, 10);
  if (errno == ERANGE || n < min || n > max) {
    throw UsageError("option '" + flag + "': " + value + " is out of range" + range);
  }
  return n;
}

double parse_non_negative(const std::string& flag, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  const double x = value.empty() ? NAN : std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x) || x < 0.0) {
    throw UsageError("option '" + flag + "': '" + value + "' is not a valid value (expected a finite number >= 0)");
  }
  return x;
}

}  // namespace ringrt::convert
