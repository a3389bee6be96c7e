#pragma once
// AccountConcurrency: the account-wide concurrency pool. Functions with
// ReservedConcurrentExecutions take their share out of it up front and are
// capped by their own reservation; all other functions share what is left
// (the "unreserved" pool). io thread only.

#include <string>

namespace lambda_emu::pool {

inline constexpr const char* kReservedLimitExceeded =
    "ReservedFunctionConcurrentInvocationLimitExceeded";
inline constexpr const char* kAccountLimitExceeded = "ConcurrentInvocationLimitExceeded";

class AccountConcurrency {
 public:
  explicit AccountConcurrency(int limit) : limit_(limit) {}

  int limit() const { return limit_; }
  int reserved() const { return reserved_; }
  int unreserved_in_use() const { return unreserved_in_use_; }
  int unreserved_limit() const { return limit_ - reserved_; }

  // A function's reservation enters or leaves the account.
  void Reserve(int n) { reserved_ += n; }
  void Unreserve(int n) { reserved_ -= n; }

  bool TryAcquireUnreserved() {
    if (unreserved_in_use_ >= unreserved_limit()) return false;
    ++unreserved_in_use_;
    return true;
  }
  void ReleaseUnreserved() { --unreserved_in_use_; }

 private:
  int limit_;
  int reserved_ = 0;
  int unreserved_in_use_ = 0;
};

}  // namespace lambda_emu::pool
