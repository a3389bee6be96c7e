#include "gateway/routes.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace lambda_emu::gateway {

namespace {

using SegmentKindInt = unsigned char;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path piece. '+' stays '+' (it means a space only in a
// query string); a malformed escape ("%zz", a trailing "%") is kept as is,
// which is what API Gateway passes on rather than rejecting the request.
std::string PercentDecode(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size()) {
      const int hi = HexValue(raw[i + 1]);
      const int lo = HexValue(raw[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(raw[i]);
  }
  return out;
}

// Compares a raw (possibly percent-encoded) request segment with a declared
// literal without decoding into a buffer: "/caf%C3%A9" matches "/café".
bool EqualsDecoded(std::string_view raw, std::string_view literal) {
  std::size_t j = 0;
  for (std::size_t i = 0; i < raw.size(); ++i, ++j) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size()) {
      const int hi = HexValue(raw[i + 1]);
      const int lo = HexValue(raw[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    if (j >= literal.size() || literal[j] != c) return false;
  }
  return j == literal.size();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// Calls `visit(segment)` for each '/'-separated segment of `path`. The
// leading slash is skipped and so is one trailing slash ("/hello/" is
// "/hello"); "/" and "" have no segments. Inner empty segments ("/a//b")
// are kept: they match neither a literal nor a {param}.
template <typename Visit>
void ForEachSegment(std::string_view path, Visit&& visit) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      visit(path.substr(start));
      return;
    }
    visit(path.substr(start, slash - start));
    start = slash + 1;
  }
}

// The request path's segments, on the stack for any sane path; a path with
// more segments than that spills into a vector.
class RequestSegments {
 public:
  explicit RequestSegments(std::string_view path) {
    ForEachSegment(path, [this](std::string_view segment) {
      if (size_ < inline_.size()) {
        inline_[size_] = segment;
      } else {
        if (spill_.empty()) spill_.assign(inline_.begin(), inline_.end());
        spill_.push_back(segment);
      }
      ++size_;
    });
  }
  std::size_t size() const { return size_; }
  std::string_view operator[](std::size_t i) const {
    return spill_.empty() ? inline_[i] : spill_[i];
  }

 private:
  std::array<std::string_view, 32> inline_{};
  std::vector<std::string_view> spill_;
  std::size_t size_ = 0;
};

}  // namespace

RouteTable::RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {
  compiled_.reserve(routes_.size());
  for (Route& route : routes_) {
    for (char& c : route.method) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    CompiledRoute compiled;
    compiled.any_method = route.method == "ANY";
    compiled.is_default = route.path == "$default";
    if (!compiled.is_default) {
      ForEachSegment(route.path, [&compiled](std::string_view segment) {
        Segment s;
        if (segment.size() >= 3 && segment.front() == '{' && segment.back() == '}' &&
            segment[segment.size() - 2] == '+') {
          s.kind = SegmentKind::kGreedy;
          s.text = std::string(segment.substr(1, segment.size() - 3));
        } else if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}') {
          s.kind = SegmentKind::kParam;
          s.text = std::string(segment.substr(1, segment.size() - 2));
        } else {
          s.text = std::string(segment);
        }
        compiled.segments.push_back(std::move(s));
      });
    }
    compiled.greedy_after_full_matches = route.type != ApiType::kRest &&
                                         !compiled.segments.empty() &&
                                         compiled.segments.back().kind == SegmentKind::kGreedy;
    compiled_.push_back(std::move(compiled));
  }
}

namespace {

// Whether a route's segments match the request's (greedy must be last: a
// `{proxy+}` that is not the last segment is never matched, as API Gateway
// refuses to deploy one).
template <typename CompiledRoute, typename SegmentKind>
bool PathMatches(const CompiledRoute& route, const RequestSegments& request) {
  const auto& segments = route.segments;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i >= request.size()) return false;
    switch (segments[i].kind) {
      case SegmentKind::kLiteral:
        if (!EqualsDecoded(request[i], segments[i].text)) return false;
        break;
      case SegmentKind::kParam:
        if (request[i].empty()) return false;
        break;
      case SegmentKind::kGreedy:
        return i + 1 == segments.size();  // one or more segments
    }
  }
  return segments.size() == request.size();
}

// <0 when `a` is more specific than `b`: an HTTP API's greedy route after
// every full match; then segment by segment, a literal beats a {param}, which
// beats a {greedy+}. Two routes matching the same request
// differ before either runs out of segments, unless they are of equal shape.
template <typename CompiledRoute>
int CompareSpecificity(const CompiledRoute& a, const CompiledRoute& b) {
  if (a.greedy_after_full_matches != b.greedy_after_full_matches) {
    return a.greedy_after_full_matches ? 1 : -1;
  }
  const std::size_t n = std::min(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<SegmentKindInt>(a.segments[i].kind);
    const auto y = static_cast<SegmentKindInt>(b.segments[i].kind);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace

std::optional<RouteMatch> RouteTable::Match(std::string_view method, std::string_view path) const {
  const RequestSegments request(path);
  std::size_t best = routes_.size();
  std::size_t fallback = routes_.size();  // the first $default route
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const CompiledRoute& candidate = compiled_[i];
    if (candidate.is_default) {
      // A $default route takes any method and path its API has no route for;
      // since any path route (of any API) is more specific, it is the
      // fallback of last resort, the first declared one winning.
      if (fallback == routes_.size()) fallback = i;
      continue;
    }
    if (!candidate.any_method && !EqualsIgnoreCase(routes_[i].method, method)) continue;
    if (!PathMatches<CompiledRoute, SegmentKind>(candidate, request)) continue;
    if (best == routes_.size()) {
      best = i;
      continue;
    }
    const int order = CompareSpecificity(candidate, compiled_[best]);
    // Equal paths: an exact method beats ANY; otherwise the first declared stays.
    if (order < 0 || (order == 0 && compiled_[best].any_method && !candidate.any_method)) {
      best = i;
    }
  }
  if (best == routes_.size()) best = fallback;
  if (best == routes_.size()) return std::nullopt;

  RouteMatch match;
  match.route = &routes_[best];
  const auto& segments = compiled_[best].segments;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].kind == SegmentKind::kParam) {
      match.path_parameters.emplace(segments[i].text, PercentDecode(request[i]));
    } else if (segments[i].kind == SegmentKind::kGreedy) {
      // The rest of the path, inner slashes included ("a/b/c").
      const std::string_view first = request[i];
      const std::string_view last = request[request.size() - 1];
      const std::string_view rest(
          first.data(), static_cast<std::size_t>(last.data() + last.size() - first.data()));
      match.path_parameters.emplace(segments[i].text, PercentDecode(rest));
    }
  }
  return match;
}

std::vector<const Route*> RouteTable::RoutesForPath(std::string_view path) const {
  const RequestSegments request(path);
  std::vector<std::size_t> matched;
  std::vector<const Route*> defaults;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (compiled_[i].is_default) {
      defaults.push_back(&routes_[i]);
    } else if (PathMatches<CompiledRoute, SegmentKind>(compiled_[i], request)) {
      matched.push_back(i);
    }
  }
  std::stable_sort(matched.begin(), matched.end(), [this](std::size_t a, std::size_t b) {
    return CompareSpecificity(compiled_[a], compiled_[b]) < 0;
  });
  std::vector<const Route*> out;
  out.reserve(matched.size() + defaults.size());
  for (std::size_t i : matched) out.push_back(&routes_[i]);
  out.insert(out.end(), defaults.begin(), defaults.end());
  return out;
}

}  // namespace lambda_emu::gateway
