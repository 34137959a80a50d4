// Output: aligned tables and number formatting.
#pragma once

#include <string>
#include <vector>

namespace bench {

class Table {
 public:
  Table(std::string title, std::vector<std::string> headers);
  void add(std::vector<std::string> row);
  void note(std::string text);  // printed under the table
  void print() const;

 private:
  std::string title_;
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::string> notes_;
};

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string mib(double bytes);          // "123.4"
std::string fixed(double v, int digits);  // "%.*f"

}  // namespace bench
