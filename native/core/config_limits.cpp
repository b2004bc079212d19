#include "core/config_limits.hpp"

#include "core/status.hpp"

namespace simingest {

void check_config_document_limits(std::string_view text) {
  if (text.size() > kMaxConfigBytes)
    throw Error(Status::config, "config: the document is " + std::to_string(text.size()) +
                                    " bytes but at most " + std::to_string(kMaxConfigBytes) +
                                    " bytes (16 MiB) are allowed");
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > kMaxConfigDepth)
          throw Error(Status::config, "config: objects and arrays nest deeper than " +
                                          std::to_string(kMaxConfigDepth) + " levels (at byte " +
                                          std::to_string(i) + ")");
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;  // an unmatched one is the parser's to report
        break;
      default: break;
    }
  }
}

void check_config_count(const std::string& path, std::size_t count, std::size_t limit, const char* what) {
  if (count > limit)
    throw Error(Status::config, path + ": " + std::to_string(count) + " " + what + " but at most " +
                                    std::to_string(limit) + " are allowed");
}

}  // namespace simingest
