#pragma once

// LatencyHistogram: an HDR-style log-linear histogram of durations in nanoseconds.
//
// Values below 2 * kSubBuckets are counted exactly; above that, every power-of-two range
// [2^k, 2^(k+1)) is split into kSubBuckets equal buckets, so a recorded value is known to within
// 1 / kSubBuckets (0.8 %) of itself whatever its magnitude, in a fixed 7.5k-slot array. Recording
// is a shift and an increment; nothing allocates after construction.
//
// Not thread-safe: give each thread its own histogram and Merge() them at the end.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

namespace lambda_emu::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;  // 128
  static constexpr uint64_t kLinearLimit = 2 * kSubBuckets;               // 256
  // Shifts 1..56 cover values up to 2^64 - 1.
  static constexpr size_t kSlots = kLinearLimit + 56 * kSubBuckets;

  LatencyHistogram() : counts_(kSlots, 0) {}

  void Record(uint64_t nanos) {
    ++counts_[IndexOf(nanos)];
    ++total_;
    sum_ += nanos;
    min_ = std::min(min_, nanos);
    max_ = std::max(max_, nanos);
  }

  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kSlots; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  uint64_t Count() const { return total_; }
  uint64_t Min() const { return total_ == 0 ? 0 : min_; }
  uint64_t Max() const { return max_; }
  double Mean() const { return total_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(total_); }

  // The value at quantile q (0..1): the midpoint of the bucket holding the ceil(q * N)-th smallest
  // value, clamped to the exact min and max seen.
  uint64_t ValueAt(double q) const {
    if (total_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_) + 0.999999999);
    rank = std::clamp<uint64_t>(rank, 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kSlots; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const uint64_t low = LowestOf(i);
        const uint64_t width = WidthOf(i);
        return std::clamp(low + width / 2, min_, max_);
      }
    }
    return max_;
  }

  static size_t IndexOf(uint64_t v) {
    if (v < kLinearLimit) return static_cast<size_t>(v);
    const int msb = 63 - std::countl_zero(v);
    const int shift = msb - kSubBucketBits;  // >= 1 here
    const uint64_t top = v >> shift;         // in [kSubBuckets, 2 * kSubBuckets)
    return static_cast<size_t>(kLinearLimit + static_cast<uint64_t>(shift - 1) * kSubBuckets +
                               (top - kSubBuckets));
  }

  static uint64_t LowestOf(size_t index) {
    if (index < kLinearLimit) return index;
    const uint64_t rel = index - kLinearLimit;
    const uint64_t shift = rel / kSubBuckets + 1;
    const uint64_t top = rel % kSubBuckets + kSubBuckets;
    return top << shift;
  }

  static uint64_t WidthOf(size_t index) {
    if (index < kLinearLimit) return 1;
    return uint64_t{1} << ((index - kLinearLimit) / kSubBuckets + 1);
  }

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
};

}  // namespace lambda_emu::bench
