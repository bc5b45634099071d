#pragma once

// Months since year 0 (year * 12 + month - 1): the unit in which periods
// are compared, indexed and counted.

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "trustsphere/common/v1/common.pb.h"

namespace trustsphere {

inline int MonthIndex(int year, int month) { return year * 12 + month - 1; }

inline int MonthIndex(const common::v1::YearMonth& month) {
  return MonthIndex(month.year(), month.month());
}

// This month, in UTC.
inline int CurrentMonthIndex() {
  const absl::CivilMonth now = absl::ToCivilMonth(absl::Now(), absl::UTCTimeZone());
  return MonthIndex(static_cast<int>(now.year()), now.month());
}

}  // namespace trustsphere
