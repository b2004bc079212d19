#include "storage/quarantined_json.hpp"

namespace simingest::storage {

nlohmann::ordered_json quarantined_json(const std::vector<QuarantinedFile>& files) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const QuarantinedFile& file : files)
    list.push_back({{"path", file.path},
                    {"movedTo", file.moved_to},
                    {"reason", file.reason},
                    {"framesLost", file.frames_lost}});
  return list;
}

}  // namespace simingest::storage
