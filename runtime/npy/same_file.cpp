#include "same_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "path_names.hpp"

namespace ringrt::io {
namespace {

bool same_inode(const struct stat& x, const struct stat& y) { return x.st_dev == y.st_dev && x.st_ino == y.st_ino; }

}  // namespace

bool same_file(const char* a, const char* b) {
  struct stat sa, sb;
  const bool has_a = ::stat(a, &sa) == 0, has_b = ::stat(b, &sb) == 0;
  if (has_a || has_b) return has_a && has_b && same_inode(sa, sb);
  const std::string pa = a, pb = b;
  if (base_name(pa) != base_name(pb)) return false;
  struct stat da, db;
  return ::stat(directory_of(pa).c_str(), &da) == 0 && ::stat(directory_of(pb).c_str(), &db) == 0 &&
         same_inode(da, db);
}

bool is_stdout(const char* path) {
  struct stat sp, so;
  return ::stat(path, &sp) == 0 && ::fstat(STDOUT_FILENO, &so) == 0 && same_inode(sp, so);
}

Status check_not_same_file(const char* output_option, const char* output, const NamedPath* inputs,
                           std::size_t count) {
  struct stat st;
  if (::stat(output, &st) == 0 && S_ISCHR(st.st_mode)) return Status::Ok();  // a terminal keeps nothing to destroy
  for (std::size_t i = 0; i < count; ++i) {
    if (!same_file(output, inputs[i].path.c_str())) continue;
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s %s is the same file as %s %s: writing it would destroy that file; give %s another path",
                         output_option, output, inputs[i].what.c_str(), inputs[i].path.c_str(), output_option);
  }
  return Status::Ok();
}

}  // namespace ringrt::io
