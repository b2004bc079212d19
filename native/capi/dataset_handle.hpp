// The read-only dataset handle (simingest_dataset_open). Internal to capi/.
#pragma once

#include <memory>

#include "query/dataset_reader.hpp"

struct simingest_dataset {
  std::unique_ptr<simingest::query::DatasetReader> reader;
};
