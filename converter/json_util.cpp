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

}  // namespace ringrt::convert
