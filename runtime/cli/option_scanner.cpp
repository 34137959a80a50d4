#include "option_scanner.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace ringrt::cli {

OptionScanner::Item OptionScanner::next() {
  if (++i_ >= argc_) return Item::kEnd;
  const std::string word = argv_[i_];
  if (options_done_ || word.size() < 2 || word[0] != '-') {
    name_ = word;
    return Item::kPositional;
  }
  if (word == "--") {
    options_done_ = true;
    return next();
  }
  const bool help_word = word == "-h" || word == "--help" || word == "--version";
  if (exact_help_words_ && help_word) {
    name_ = word == "-h" ? "--help" : word;
    has_inline_ = false;
    return Item::kOption;
  }
  const std::size_t eq = word.find('=');
  has_inline_ = eq != std::string::npos;
  name_ = word.substr(0, eq);
  inline_value_ = has_inline_ ? word.substr(eq + 1) : std::string();
  if (name_ == "-h" && !exact_help_words_) name_ = "--help";
  bool known = !exact_help_words_ && (name_ == "--help" || name_ == "--version");
  for (std::size_t k = 0; k < count_ && !known; ++k) known = name_ == known_[k];
  if (!known) {
    error_ = "unknown option '" + name_ + "'";
    return Item::kError;
  }
  if (!seen_.insert(name_).second) {
    error_ = "option '" + name_ + "' given twice";
    return Item::kError;
  }
  return Item::kOption;
}

bool OptionScanner::value(std::string* out) {
  if (!has_inline_ && i_ + 1 >= argc_) {
    error_ = "option '" + name_ + "' needs a value";
    return false;
  }
  *out = has_inline_ ? inline_value_ : std::string(argv_[++i_]);
  if (out->empty()) error_ = "option '" + name_ + "' needs a value, got an empty one";
  return !out->empty();
}

bool OptionScanner::no_value() {
  if (has_inline_) error_ = "option '" + name_ + "' takes no value";
  return !has_inline_;
}

bool OptionScanner::number(uint64_t min, uint64_t max, uint64_t* out) {
  std::string v;
  if (!value(&v)) return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n < min || n > max) {
    error_ = "option '" + name_ + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
             ", got '" + v + "'";
    return false;
  }
  *out = n;
  return true;
}

int OptionScanner::usage_error(const char* tool, const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\nTry '%s --help' for more information.\n", tool, message.c_str(), tool);
  return 2;
}

}  // namespace ringrt::cli
