#pragma once
// AccountConcurrency: the account-wide concurrency pool. Functions with
// ReservedConcurrentExecutions take their share out of it up front and are
// capped by their own reservation; all other functions share what is left
// (the "unreserved" pool). io thread only.

#include <optional>
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

// FunctionConcurrency: one function's reservation and its invocations in
// flight, shared by the pools of its $LATEST and of each published version
// (Lambda reserves concurrency per function, not per version). Owned by the
// registry, shared with the pools; io thread only.
class FunctionConcurrency {
 public:
  explicit FunctionConcurrency(AccountConcurrency& account) : account_(account) {}
  ~FunctionConcurrency() { SetReserved(std::nullopt); }
  FunctionConcurrency(const FunctionConcurrency&) = delete;
  FunctionConcurrency& operator=(const FunctionConcurrency&) = delete;

  std::optional<int> reserved() const { return reserved_; }
  int in_flight() const { return in_flight_; }

  // Moves the reservation in or out of the account. Invocations in flight
  // keep their slots: they move between the unreserved pool and this one.
  void SetReserved(std::optional<int> reserved) {
    if (reserved_) account_.Unreserve(*reserved_);
    if (reserved) account_.Reserve(*reserved);
    if (!reserved_ && reserved) {
      for (int i = 0; i < in_flight_; ++i) account_.ReleaseUnreserved();
    } else if (reserved_ && !reserved) {
      for (int i = 0; i < in_flight_; ++i) (void)account_.TryAcquireUnreserved();
    }
    reserved_ = reserved;
  }

  // A slot for one invocation, or the throttle reason.
  const char* TryAdmit() {
    if (reserved_) {
      if (in_flight_ >= *reserved_) return kReservedLimitExceeded;
    } else if (!account_.TryAcquireUnreserved()) {
      return kAccountLimitExceeded;
    }
    ++in_flight_;
    return nullptr;
  }
  void Release() {
    --in_flight_;
    if (!reserved_) account_.ReleaseUnreserved();
  }

 private:
  AccountConcurrency& account_;
  std::optional<int> reserved_;
  int in_flight_ = 0;
};

}  // namespace lambda_emu::pool
