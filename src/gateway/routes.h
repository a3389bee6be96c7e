#pragma once
// RouteTable: finds the route for a request as API Gateway does.
//  - Paths are matched segment by segment; a literal segment beats a
//    `{param}`, which beats a greedy `{proxy+}` (which must be last and
//    matches one or more segments); among equal paths an exact method beats
//    `ANY`. So the most specific route wins, whatever the declaration order.
//  - HTTP API routes (and Function URLs) rank a full match above any match
//    through a greedy variable, then as above: AWS's "Routing API requests"
//    priorities (full match for route and method, then greedy, then
//    $default), so `GET /{a}/{b}` beats `GET /pets/{proxy+}` there, while a
//    REST API, walking its resource tree, prefers the literal "pets".
//  - A trailing slash is ignored ("/hello/" matches "/hello"); "/" matches
//    the root resource only.
//  - An HTTP API's "$default" route matches anything no other route of that
//    API matches.
//  - Several APIs share the table (SAM serves them all on one port); when
//    two match equally, the first declared wins.
// Path parameter values are the raw segments, percent-decoded.
// Immutable after construction; safe to share across threads.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/api_model.h"

namespace lambda_emu::gateway {

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> path_parameters;  // "id" -> "42", "proxy" -> "a/b"
};

class RouteTable {
 public:
  explicit RouteTable(std::vector<Route> routes);

  // `path` is the request path without query string, as sent (percent-encoded).
  std::optional<RouteMatch> Match(std::string_view method, std::string_view path) const;
  // The routes (any method) whose path matches: for CORS preflights and
  // telling 403/404 from 405-like cases.
  std::vector<const Route*> RoutesForPath(std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  // Each route's path, split once at construction so matching allocates
  // nothing but the result.
  enum class SegmentKind : unsigned char { kLiteral, kParam, kGreedy };
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string text;  // the literal, or the parameter's name ("id", "proxy")
  };
  struct CompiledRoute {
    std::vector<Segment> segments;
    bool is_default = false;  // an HTTP API's "$default" route
    bool any_method = false;
    // An HTTP API route ending in {greedy+}: ranks below every full match.
    bool greedy_after_full_matches = false;
  };

  std::vector<Route> routes_;
  std::vector<CompiledRoute> compiled_;  // parallel to routes_
};

}  // namespace lambda_emu::gateway
