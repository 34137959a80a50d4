#include "report.hpp"

#include <cstdarg>
#include <cstdio>

namespace bench {

Table::Table(std::string title, std::vector<std::string> headers)
    : title_(std::move(title)), headers_(std::move(headers)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

void Table::note(std::string text) { notes_.push_back(std::move(text)); }

void Table::print() const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    width[c] = headers_[c].size();
    for (const auto& r : rows_) width[c] = r[c].size() > width[c] ? r[c].size() : width[c];
  }
  std::printf("\n== %s ==\n", title_.c_str());
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      // First column left-aligned (labels), the rest right-aligned (numbers).
      if (c == 0) {
        std::printf("%-*s", static_cast<int>(width[c]), cells[c].c_str());
      } else {
        std::printf("  %*s", static_cast<int>(width[c]), cells[c].c_str());
      }
    }
    std::printf("\n");
  };
  line(headers_);
  std::size_t total = 0;
  for (std::size_t w : width) total += w + 2;
  std::printf("%s\n", std::string(total > 2 ? total - 2 : total, '-').c_str());
  for (const auto& r : rows_) line(r);
  for (const auto& n : notes_) std::printf("  %s\n", n.c_str());
  std::fflush(stdout);
}

std::string fmt(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

std::string mib(double bytes) { return fmt("%.1f", bytes / (1024.0 * 1024.0)); }

std::string fixed(double v, int digits) { return fmt("%.*f", digits, v); }

}  // namespace bench
