#include "core/ordered_json.hpp"

#include <unordered_map>
#include <utility>
#include <vector>

#include "core/names.hpp"

namespace simingest {

namespace {

using Json = nlohmann::ordered_json;

// Builds the tree from nlohmann's SAX events, appending each key to the
// object's vector; a per-object index of its keys finds repeats.
class OrderedBuilder {
 public:
  explicit OrderedBuilder(const std::function<void(const std::string&)>& on_duplicate) : on_duplicate_(on_duplicate) {}

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
    level.current = key;
    auto& entries = static_cast<Json::object_t::Container&>(level.value->get_ref<Json::object_t&>());
    const auto [at, fresh] = level.index.try_emplace(key, entries.size());
    if (!fresh) {
      if (on_duplicate_) on_duplicate_(path());
      slot_ = &entries[at->second].second;
      return true;
    }
    entries.emplace_back(std::move(key), Json());
    slot_ = &entries.back().second;
    return true;
  }

  // The parser passes its concrete exception type (parse_error, out_of_range),
  // rethrown as ordered_json::parse would.
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& error) {
    throw error;
  }

 private:
  struct Level {
    Json* value;
    bool is_object;
    std::unordered_map<std::string, std::size_t> index;  // key -> position, objects only
    std::string current;                                  // the key being read, or "[i]" in an array
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
    ++level.next_index;
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

  // Only built for a report: the element of an array being read is the last
  // one counted.
  std::string path() const {
    std::string out;
    for (std::size_t i = 0; i < levels_.size(); ++i) {
      const Level& level = levels_[i];
      if (level.is_object)
        out = config_path_join(out, level.current);
      else
        out += "[" + std::to_string(level.next_index - 1) + "]";
    }
    return out;
  }

  const std::function<void(const std::string&)>& on_duplicate_;
  Json root_;
  Json* slot_ = nullptr;
  std::vector<Level> levels_;
};

}  // namespace

Json parse_ordered_json(std::string_view text, const std::function<void(const std::string&)>& on_duplicate) {
  OrderedBuilder builder(on_duplicate);
  Json::sax_parse(text.data(), text.data() + text.size(), &builder);
  return builder.take();
}

void append_member(Json& object, std::string key, Json value) {
  auto& entries = static_cast<Json::object_t::Container&>(object.get_ref<Json::object_t&>());
  entries.emplace_back(std::move(key), std::move(value));
}

std::string config_path_join(const std::string& path, std::string_view key) {
  std::string component = is_valid_name(key) ? std::string(key) : quote_name(key);
  return path.empty() ? component : path + "." + component;
}

}  // namespace simingest
