#include "core/config_document.hpp"

#include <set>
#include <utility>
#include <vector>

#include "core/config_limits.hpp"
#include "core/names.hpp"
#include "core/status.hpp"

namespace simingest {

namespace {

using Json = nlohmann::ordered_json;

// Builds the tree from nlohmann's SAX events. Its own DOM builder calls the
// ordered map's operator[] per key, a linear search, so an object of n keys
// cost O(n^2) (19 s at -O0 for the 10 000 streams the limits allow, minutes
// under TSan). Here a key is appended to the map's vector directly: the
// per-object set has already refused a duplicate, so the search is not needed.
class OrderedBuilder {
 public:
  Json take() { return std::move(root_); }

  bool null() { return place(Json(nullptr)); }
  bool boolean(bool value) { return place(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return place(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return place(Json(value)); }
  bool number_float(Json::number_float_t value, const std::string& /*text*/) { return place(Json(value)); }
  bool string(std::string& value) { return place(Json(std::move(value))); }
  bool binary(Json::binary_t& value) { return place(Json::binary(std::move(value))); }

  bool start_object(std::size_t /*elements*/) { return open(Json::object(), true); }
  bool start_array(std::size_t /*elements*/) { return open(Json::array(), false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& key) {
    Level& level = levels_.back();  // keys only occur inside objects
    if (!level.keys.insert(key).second) {
      level.current = key;
      throw Error(Status::config, path() + ": duplicate key");
    }
    level.current = key;
    auto& entries = static_cast<Json::object_t::Container&>(level.value->get_ref<Json::object_t&>());
    entries.emplace_back(std::move(key), Json());
    slot_ = &entries.back().second;
    return true;
  }

  // The parser passes its concrete exception type (parse_error, out_of_range):
  // rethrown as is, for parse_config_document to translate.
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& error) {
    throw error;
  }

 private:
  struct Level {
    Json* value;
    bool is_object;
    std::set<std::string> keys;
    std::string current;  // the key being read, or "[i]" in an array
    std::size_t next_index = 0;
  };

  // Where the next value goes: the root, the slot of the last key, or the end
  // of the innermost array. Pointers into a parent stay valid while a child is
  // built, since a parent gains no element until the child is closed.
  Json* destination(Json&& value) {
    if (levels_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Level& level = levels_.back();
    if (level.is_object) {
      *slot_ = std::move(value);
      return slot_;
    }
    level.current = "[" + std::to_string(level.next_index++) + "]";
    auto& elements = level.value->get_ref<Json::array_t&>();
    elements.push_back(std::move(value));
    return &elements.back();
  }

  bool place(Json&& value) {
    destination(std::move(value));
    return true;
  }

  bool open(Json&& container, bool is_object) {
    Json* placed = destination(std::move(container));
    levels_.push_back(Level{placed, is_object, {}, {}});
    return true;
  }

  bool close() {
    levels_.pop_back();
    return true;
  }

  std::string path() const {
    std::string out;
    for (const Level& level : levels_) out = level.is_object ? config_path_join(out, level.current) : out + level.current;
    return out;
  }

  Json root_;
  Json* slot_ = nullptr;
  std::vector<Level> levels_;
};

// e.what(): "[json.exception.parse_error.101] parse error at line L, column C: <reason>"
std::string_view without_exception_id(std::string_view what) {
  const auto bracket = what.find("] ");
  if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
  return what;
}

}  // namespace

std::string config_path_join(const std::string& path, std::string_view key) {
  std::string component = is_valid_name(key) ? std::string(key) : quote_name(key);
  return path.empty() ? component : path + "." + component;
}

std::string escape_message(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

Json parse_config_document(std::string_view text) {
  check_config_document_limits(text);  // before a tree of unbounded size or depth is built
  OrderedBuilder builder;
  try {
    Json::sax_parse(text.data(), text.data() + text.size(), &builder);
  } catch (const Json::parse_error& e) {
    std::string_view what = without_exception_id(e.what());
    std::string where = "byte " + std::to_string(e.byte);
    const auto line = what.find(" at line ");
    const auto colon = what.find(": ");
    if (line != std::string_view::npos && colon != std::string_view::npos && line < colon) {
      where += " (" + std::string(what.substr(line + 4, colon - line - 4)) + ")";
      what.remove_prefix(colon + 2);
    }
    throw Error(Status::config, "config: malformed JSON: " + where + ": " + escape_message(what));
  } catch (const Json::exception& e) {
    // e.g. out_of_range: "number overflow parsing '1e400'"
    throw Error(Status::config, "config: malformed JSON: " + escape_message(without_exception_id(e.what())));
  }
  return builder.take();
}

}  // namespace simingest
