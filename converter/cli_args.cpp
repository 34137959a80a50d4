#include "cli_args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "errors.hpp"
#include "option_scanner.hpp"

namespace ringrt::convert {

std::string ParsedArgs::get(const std::string& flag, const std::string& fallback) const {
  auto it = flags.find(flag);
  return it == flags.end() ? fallback : it->second;
}

ParsedArgs parse_args(int argc, char** argv, int first, const std::vector<FlagSpec>& specs) {
  std::vector<const char*> names;
  for (const FlagSpec& s : specs) names.push_back(s.name);
  // The scanner starts after its argv[0]: hand it argv[first - 1, argc).
  ringrt::cli::OptionScanner scanner(argc - (first - 1), argv + (first - 1), names.data(), names.size());
  scanner.exact_help_words();
  ParsedArgs args;
  for (ringrt::cli::OptionScanner::Item item; (item = scanner.next()) != ringrt::cli::OptionScanner::Item::kEnd;) {
    if (item == ringrt::cli::OptionScanner::Item::kError) throw UsageError(scanner.error());
    const std::string& name = scanner.name();
    if (item == ringrt::cli::OptionScanner::Item::kPositional) {
      args.positional.push_back(name);
      continue;
    }
    if (name == "--help") {
      args.help = true;
      continue;
    }
    if (name == "--version") {
      args.version = true;
      continue;
    }
    bool takes_value = false;
    for (const FlagSpec& s : specs) {
      if (name == s.name) takes_value = s.takes_value;
    }
    std::string value;
    if (!(takes_value ? scanner.value(&value) : scanner.no_value())) throw UsageError(scanner.error());
    args.flags[name] = value;
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
