// The one JSON form of the quarantined files, shared by the manifest's
// "quarantined" list (docs/ON_DISK.md), `simingest inspect` and the recovery
// report in stats, so the three can never drift apart. Included by .cpp files
// only: it brings in nlohmann/json.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "storage/recovery_report.hpp"

namespace simingest::storage {

// [{"path", "movedTo", "reason", "framesLost"}, ...] in the given order.
nlohmann::ordered_json quarantined_json(const std::vector<QuarantinedFile>& files);

}  // namespace simingest::storage
