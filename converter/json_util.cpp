#include "json_util.hpp"

#include <cstring>
#include <unordered_set>
#include <utility>
#include <vector>

#include "errors.hpp"

namespace ringrt::convert {

namespace {

using nlohmann::json;

using EntrySink = std::function<void(const std::string&, json&&)>;

// Deepest container stored. The readers look at most 3 levels down; a container
// deeper than this is checked by the parser (syntax, UTF-8) but kept empty, so a
// 100 MiB header of nested brackets costs no more memory than a flat one.
constexpr std::size_t kMaxStoredDepth = 64;

// Builds the value from nlohmann's SAX events and refuses a repeated key as it
// arrives: one map insertion per key. (nlohmann's parse with a callback, used
// before, scans the whole parent object after every nested value it completes:
// quadratic in the number of tensors of a safetensors header.) No recursion: the
// open containers are a stack of pointers, so nesting depth costs heap, not stack.
// With a sink, each entry of the top-level object goes to the sink once complete
// instead of into the object, which then stays empty; the entry `ignored` is not
// built at all.
class StrictBuilder {
 public:
  StrictBuilder(json* root, const std::string& origin, const char* what, const EntrySink* sink, const char* ignored)
      : root_(root), origin_(origin), what_(what), sink_(sink), ignored_(ignored) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return put(json(v)); }
  bool string(json::string_t& v) { return put(json(std::move(v))); }
  bool binary(json::binary_t& v) { return put(json::binary(std::move(static_cast<json::binary_t::container_type&>(v)))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (skipped_ > 0) return true;
    if (stack_.size() == 1) top_key_ = k;
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception& e) {
    throw Error(origin_ + ": " + what_ + " is not valid JSON: " + e.what());
  }

 private:
  // With a sink, a top-level entry (under top_key_) starts: false if it is not built.
  bool built_entry() {
    if (!top_keys_.insert(top_key_).second) throw Error(origin_ + ": " + what_ + " has the key '" + top_key_ + "' twice");
    return !(ignored_ && top_key_ == ignored_);
  }
  json* place(json&& v) {
    if (stack_.empty()) {
      if (sink_ && !v.is_object()) throw Error(origin_ + ": " + what_ + " is not a JSON object");
      *root_ = std::move(v);
      return root_;
    }
    if (sink_ && stack_.size() == 1) {  // a top-level entry, built on its own
      entry_ = std::move(v);
      return &entry_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      json::array_t& a = parent.get_ref<json::array_t&>();
      a.push_back(std::move(v));
      return &a.back();
    }
    json::object_t& o = parent.get_ref<json::object_t&>();
    const auto [it, inserted] = o.try_emplace(std::move(key_), std::move(v));
    if (!inserted) {
      throw Error(origin_ + ": " + what_ + " has the key '" + it->first + "' twice" +
                  (stack_.size() > 1 ? " in the value of '" + top_key_ + "'" : std::string()));
    }
    return &it->second;
  }
  bool put(json&& v) {
    if (skipped_ > 0) return true;
    const bool entry = sink_ && stack_.size() == 1;
    if (entry && !built_entry()) return true;
    place(std::move(v));
    if (entry) emit();
    return true;
  }
  bool open(json&& container) {
    if (skipped_ > 0) {
      ++skipped_;
      return true;
    }
    if (sink_ && stack_.size() == 1 && !built_entry()) {
      skipped_ = 1;
      return true;
    }
    json* placed = place(std::move(container));
    if (stack_.size() >= kMaxStoredDepth) {  // stored empty; its contents are only parsed
      skipped_ = 1;
      return true;
    }
    stack_.push_back(placed);
    return true;
  }
  bool close() {
    if (skipped_ > 0) {
      --skipped_;
      return true;
    }
    stack_.pop_back();
    if (sink_ && stack_.size() == 1) emit();
    return true;
  }
  // A top-level entry is complete: to the sink with it.
  void emit() {
    (*sink_)(top_key_, std::move(entry_));
    entry_ = json();
  }

  json* root_;
  const std::string& origin_;
  const char* what_;
  const EntrySink* sink_;
  const char* ignored_;
  std::vector<json*> stack_;  // the open, stored arrays and objects, innermost last
  std::size_t skipped_ = 0;   // open containers whose contents are not stored
  json::string_t key_;        // the key of the next value of the innermost object
  std::string top_key_;       // the top-level key being read, for messages
  json entry_;                                // with a sink: the top-level entry being built
  std::unordered_set<std::string> top_keys_;  // with a sink: the top-level keys so far
};

json parse_strictly(const std::string& text, const std::string& origin, const char* what, std::size_t file_offset,
                    const EntrySink* sink, const char* ignored) {
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    throw Error(origin + ": " + what + " is not valid JSON: a NUL byte (\\x00) at file offset " +
                std::to_string(file_offset + at) + ", which JSON text cannot hold");
  }
  json value;
  StrictBuilder builder(&value, origin, what, sink, ignored);
  try {
    json::sax_parse(text, &builder);
  } catch (const json::exception& e) {
    throw Error(origin + ": " + what + " is not valid JSON: " + e.what());
  }
  if (!value.is_object()) throw Error(origin + ": " + what + " is not a JSON object");
  return value;
}

}  // namespace

nlohmann::json parse_json_object(const std::string& text, const std::string& origin, const char* what,
                                 std::size_t file_offset) {
  return parse_strictly(text, origin, what, file_offset, nullptr, nullptr);
}

void parse_json_object_entries(const std::string& text, const std::string& origin, const char* what,
                               std::size_t file_offset, const char* ignored, const EntrySink& on_entry) {
  parse_strictly(text, origin, what, file_offset, &on_entry, ignored);
}

std::string describe_json(const nlohmann::json& v) {
  if (v.is_array()) {
    // A short flat array (e.g. [0]) is shown as it is: dumping it cannot recurse.
    bool flat = v.size() <= 8;
    for (const auto& e : v) flat = flat && e.is_primitive();
    if (!flat) return "an array of " + std::to_string(v.size()) + " elements";
  } else if (v.is_object()) {
    return "an object";
  }
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

}  // namespace ringrt::convert
