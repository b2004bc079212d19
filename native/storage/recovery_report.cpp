#include "storage/recovery_report.hpp"

#include <nlohmann/json.hpp>

#include "storage/quarantined_json.hpp"

namespace simingest::storage {

std::string RecoveryReport::to_json() const {
  using nlohmann::ordered_json;
  ordered_json out;
  out["clean"] = clean();
  out["resumedFromStep"] = resumed_from_step ? ordered_json(*resumed_from_step) : ordered_json(nullptr);
  ordered_json list = ordered_json::array();
  for (const auto& f : salvaged)
    list.push_back({{"path", f.path}, {"rowGroups", f.row_groups}, {"frames", f.frames}, {"rows", f.rows},
                    {"bytesDiscarded", f.bytes_discarded}});
  out["salvaged"] = std::move(list);
  list = ordered_json::array();
  for (const auto& f : removed) list.push_back({{"path", f.path}, {"bytes", f.bytes}});
  out["removed"] = std::move(list);
  list = ordered_json::array();
  for (const auto& f : missing) list.push_back({{"path", f.path}, {"frames", f.frames}});
  out["missing"] = std::move(list);
  out["quarantined"] = quarantined_json(quarantined);
  list = ordered_json::array();
  for (const auto& f : retired)
    list.push_back({{"path", f.path},
                    {"movedTo", f.moved_to},
                    {"stream", f.stream},
                    {"framesRetired", f.frames_retired},
                    {"stepMin", f.step_min},
                    {"stepMax", f.step_max},
                    {"keptAs", f.kept_as.empty() ? ordered_json(nullptr) : ordered_json(f.kept_as)},
                    {"framesKept", f.frames_kept}});
  out["retired"] = std::move(list);
  list = ordered_json::array();
  for (const auto& f : ignored) list.push_back({{"path", f.path}, {"reason", f.reason}});
  out["ignored"] = std::move(list);
  return out.dump();
}

}  // namespace simingest::storage
