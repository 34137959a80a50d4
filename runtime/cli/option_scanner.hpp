// The command-line conventions of every ringrt tool (ringrt-run and the benchmarks
// use it directly; ringrt-convert and ringrt-synth through converter/cli_args.hpp):
// options as "--name value" or "--name=value", each at most once; "-h"/"--help" and
// "--version" always known; "--" ends the options. Errors are sentences for
// "TOOL: error: ..." and never exceptions (ringrt-run and the benchmarks build
// without them).
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace ringrt::cli {

class OptionScanner {
 public:
  // `known`: the tool's option names ("--input"), `count` of them.
  OptionScanner(int argc, char** argv, const char* const* known, std::size_t count)
      : argc_(argc), argv_(argv), known_(known), count_(count) {}

  enum class Item { kEnd, kPositional, kOption, kError };
  // The next argument: an option (its name in name(), "-h" given as "--help"), a
  // positional argument (in name()), or kError (an unknown or repeated option).
  Item next();
  const std::string& name() const { return name_; }

  // For tools that read the whole command line before acting on --help (the
  // converter's): "-h", "--help" and "--version" are then known only as whole words
  // (written "--help=x" they are unknown options) and may be given more than once.
  void exact_help_words() { exact_help_words_ = true; }

  // The current option's value, inline or the next argument; false (and error())
  // when there is none or it is empty.
  bool value(std::string* out);
  // For a switch: false (and error()) when it was given "=value".
  bool no_value();
  // The value as a decimal integer in [min, max].
  bool number(uint64_t min, uint64_t max, uint64_t* out);

  const std::string& error() const { return error_; }
  // "TOOL: error: MESSAGE\nTry 'TOOL --help' for more information.\n" on stderr; returns 2.
  static int usage_error(const char* tool, const std::string& message);

 private:
  int argc_;
  char** argv_;
  const char* const* known_;
  std::size_t count_;
  int i_ = 0;
  bool options_done_ = false;
  bool exact_help_words_ = false;
  bool has_inline_ = false;
  std::string name_, inline_value_, error_;
  std::set<std::string> seen_;
};

}  // namespace ringrt::cli
