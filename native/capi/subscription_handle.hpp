// The handle both kinds of subscription return (simingest_subscription):
// in-process (simingest_subscribe) or tailing the log on disk
// (simingest_dataset_subscribe). One simingest_unsubscribe ends either.
// Internal to capi/.
#pragma once

#include <memory>

#include "pipeline/subscriptions.hpp"
#include "query/log_tail.hpp"

struct simingest_subscription {
  std::unique_ptr<simingest::pipeline::Subscription> subscription;  // in-process, or
  std::unique_ptr<simingest::query::LogTail> tail;                  // another process's log
};
