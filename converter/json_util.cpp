#include "json_util.hpp"

#include <set>

#include "errors.hpp"

namespace ringrt::convert {

nlohmann::json parse_json_object(const std::string& text, const std::string& origin, const char* what) {
  std::set<std::string> keys;
  std::string duplicate;
  // Records repeated keys of the top-level object (nlohmann keeps the last silently).
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!keys.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text, callback);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": " + what + " is not valid JSON: " + e.what());
  }
  if (!value.is_object()) throw Error(origin + ": " + what + " is not a JSON object");
  if (!duplicate.empty()) throw Error(origin + ": " + what + " has the key '" + duplicate + "' twice");
  return value;
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
