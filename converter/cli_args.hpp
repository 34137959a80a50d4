// Minimal command-line parsing shared by ringrt-convert and ringrt-synth.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ringrt::convert {

struct FlagSpec {
  const char* name;  // "--config"
  bool takes_value;
};

struct ParsedArgs {
  bool help = false;                          // -h or --help seen
  bool version = false;                       // --version seen
  std::map<std::string, std::string> flags;   // "--config" -> value ("" for switches)
  std::vector<std::string> positional;

  bool has(const std::string& flag) const { return flags.count(flag) != 0; }
  std::string get(const std::string& flag, const std::string& fallback = "") const;
};

// Parses argv[first, argc) with ringrt::cli::OptionScanner (runtime/cli), the one
// place the tools' option conventions and their error sentences live: "--flag value",
// "--flag=value", switches, positional arguments ("--" ends the flags); "-h", "--help"
// and "--version" as whole words only, any number of times. Unknown, repeated or
// value-less flags, and empty values ("--output ''": no tool takes one, and an empty
// path names no file), throw UsageError with the scanner's message.
ParsedArgs parse_args(int argc, char** argv, int first, const std::vector<FlagSpec>& specs);

// "TOOL (ringrt) VERSION\n": what --version prints.
std::string version_line(const char* tool);

// A decimal integer in [min, max]; throws UsageError naming the flag otherwise.
uint64_t parse_integer(const std::string& flag, const std::string& value, uint64_t min, uint64_t max);

// A finite decimal number >= 0 (e.g. "30", "0.5", "1e2"); throws UsageError naming the flag otherwise.
double parse_non_negative(const std::string& flag, const std::string& value);

}  // namespace ringrt::convert
