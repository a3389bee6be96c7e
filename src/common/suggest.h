#pragma once
// "Did you mean": the closest known name to a misspelt one. Pure; thread-safe.

#include <string>
#include <vector>

namespace lambda_emu {

// The candidate closest to `name` (edit distance, case-insensitive) when it
// is close enough to be a plausible typo; empty otherwise.
std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates);

// " (did you mean X?)" or "".
std::string DidYouMean(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace lambda_emu
