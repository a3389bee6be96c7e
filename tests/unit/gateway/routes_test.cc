#include "gateway/routes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lambda_emu::gateway {

namespace {

Route MakeRoute(std::string method, std::string path, std::string function,
                std::string api_id = "ServerlessRestApi", ApiType type = ApiType::kRest) {
  Route r;
  r.type = type;
  r.api_id = std::move(api_id);
  r.method = std::move(method);
  r.path = std::move(path);
  r.function = std::move(function);
  return r;
}

// The function the table picks for (method, path), or "" when none.
std::string FunctionFor(const RouteTable& table, std::string_view method, std::string_view path) {
  auto match = table.Match(method, path);
  return match ? match->route->function : "";
}

TEST(RouteTable, LiteralSegmentBeatsParam) {
  RouteTable table({MakeRoute("GET", "/users/{id}", "ById"), MakeRoute("GET", "/users/me", "Me")});
  EXPECT_EQ(FunctionFor(table, "GET", "/users/me"), "Me");
  EXPECT_EQ(FunctionFor(table, "GET", "/users/42"), "ById");
}

TEST(RouteTable, ParamBeatsGreedy) {
  RouteTable table(
      {MakeRoute("GET", "/files/{proxy+}", "Greedy"), MakeRoute("GET", "/files/{name}", "One")});
  EXPECT_EQ(FunctionFor(table, "GET", "/files/a"), "One");
  EXPECT_EQ(FunctionFor(table, "GET", "/files/a/b"), "Greedy");
}

TEST(RouteTable, EarlierLiteralSegmentDecidesOverLaterOnes) {
  // Segment by segment: "/x/{proxy+}" has a literal where "/{a}/b" has a param.
  RouteTable table(
      {MakeRoute("GET", "/{a}/b", "ParamFirst"), MakeRoute("GET", "/x/{proxy+}", "LiteralFirst")});
  EXPECT_EQ(FunctionFor(table, "GET", "/x/b"), "LiteralFirst");
  EXPECT_EQ(FunctionFor(table, "GET", "/y/b"), "ParamFirst");
}

TEST(RouteTable, GreedyMatchesSeveralSegmentsButNotNone) {
  RouteTable table({MakeRoute("ANY", "/files/{proxy+}", "Files")});
  auto match = table.Match("GET", "/files/a/b/c.txt");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->path_parameters.at("proxy"), "a/b/c.txt");
  EXPECT_FALSE(table.Match("GET", "/files"));
  EXPECT_FALSE(table.Match("GET", "/files/"));
}

TEST(RouteTable, RootGreedyDoesNotMatchRoot) {
  RouteTable table({MakeRoute("ANY", "/{proxy+}", "Proxy")});
  EXPECT_EQ(FunctionFor(table, "GET", "/anything/at/all"), "Proxy");
  EXPECT_FALSE(table.Match("GET", "/"));
}

TEST(RouteTable, RootMatchesOnlyTheRootResource) {
  RouteTable table({MakeRoute("GET", "/", "Root"), MakeRoute("GET", "/{proxy+}", "Proxy")});
  EXPECT_EQ(FunctionFor(table, "GET", "/"), "Root");
  EXPECT_EQ(FunctionFor(table, "GET", ""), "Root");
  EXPECT_EQ(FunctionFor(table, "GET", "/a"), "Proxy");
}

TEST(RouteTable, TrailingSlashIsIgnored) {
  RouteTable table({MakeRoute("GET", "/hello", "Hello"), MakeRoute("GET", "/users/{id}/", "User")});
  EXPECT_EQ(FunctionFor(table, "GET", "/hello/"), "Hello");
  EXPECT_EQ(FunctionFor(table, "GET", "/hello"), "Hello");
  EXPECT_EQ(FunctionFor(table, "GET", "/users/7"), "User");
  EXPECT_EQ(FunctionFor(table, "GET", "/users/7/"), "User");
}

TEST(RouteTable, ExactMethodBeatsAnyWhateverTheOrder) {
  RouteTable table({MakeRoute("ANY", "/items", "Any"), MakeRoute("POST", "/items", "Post")});
  EXPECT_EQ(FunctionFor(table, "POST", "/items"), "Post");
  EXPECT_EQ(FunctionFor(table, "GET", "/items"), "Any");
  EXPECT_EQ(FunctionFor(table, "DELETE", "/items"), "Any");
}

TEST(RouteTable, PathSpecificityComesBeforeMethodExactness) {
  RouteTable table(
      {MakeRoute("GET", "/items/{id}", "GetById"), MakeRoute("ANY", "/items/new", "New")});
  EXPECT_EQ(FunctionFor(table, "GET", "/items/new"), "New");
}

TEST(RouteTable, MethodMustMatch) {
  RouteTable table({MakeRoute("GET", "/hello", "Hello")});
  EXPECT_FALSE(table.Match("POST", "/hello"));
  EXPECT_FALSE(table.Match("HEAD", "/hello"));
}

TEST(RouteTable, FirstDeclaredWinsOnTies) {
  RouteTable table(
      {MakeRoute("GET", "/hello", "First", "ApiA"), MakeRoute("GET", "/hello", "Second", "ApiB"),
       MakeRoute("GET", "/u/{a}", "ParamA", "ApiA"), MakeRoute("GET", "/u/{b}", "ParamB", "ApiB")});
  EXPECT_EQ(FunctionFor(table, "GET", "/hello"), "First");
  auto match = table.Match("GET", "/u/1");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route->function, "ParamA");
  EXPECT_EQ(match->path_parameters.count("a"), 1u);
}

TEST(RouteTable, MoreSpecificRouteWinsWhateverTheDeclarationOrder) {
  RouteTable forward({MakeRoute("GET", "/{proxy+}", "Greedy"), MakeRoute("GET", "/a/{b}", "Param"),
                      MakeRoute("GET", "/a/b", "Literal")});
  RouteTable backward({MakeRoute("GET", "/a/b", "Literal"), MakeRoute("GET", "/a/{b}", "Param"),
                       MakeRoute("GET", "/{proxy+}", "Greedy")});
  for (const RouteTable* table : {&forward, &backward}) {
    EXPECT_EQ(FunctionFor(*table, "GET", "/a/b"), "Literal");
    EXPECT_EQ(FunctionFor(*table, "GET", "/a/c"), "Param");
    EXPECT_EQ(FunctionFor(*table, "GET", "/a/b/c"), "Greedy");
  }
}

TEST(RouteTable, PathParametersArePercentDecoded) {
  RouteTable table({MakeRoute("GET", "/users/{id}/files/{path+}", "Files")});
  auto match = table.Match("GET", "/users/j%C3%B6rg%20x/files/a%2Fb/c+d");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->path_parameters.at("id"), "j\xC3\xB6rg x");
  EXPECT_EQ(match->path_parameters.at("path"), "a/b/c+d");  // '+' is not a space in a path
}

TEST(RouteTable, MalformedPercentEscapeIsKeptAsIs) {
  RouteTable table({MakeRoute("GET", "/q/{v}", "Q")});
  auto match = table.Match("GET", "/q/100%zz%");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->path_parameters.at("v"), "100%zz%");
}

TEST(RouteTable, LiteralMatchesPercentEncodedRequest) {
  RouteTable table({MakeRoute("GET", "/caf\xC3\xA9", "Cafe")});
  EXPECT_EQ(FunctionFor(table, "GET", "/caf%C3%A9"), "Cafe");
  EXPECT_EQ(FunctionFor(table, "GET", "/caf%c3%a9"), "Cafe");
}

TEST(RouteTable, ParamDoesNotMatchEmptySegment) {
  RouteTable table({MakeRoute("GET", "/a/{id}/b", "Route")});
  EXPECT_FALSE(table.Match("GET", "/a//b"));
  EXPECT_EQ(FunctionFor(table, "GET", "/a/1/b"), "Route");
}

TEST(RouteTable, NoMatchForUnknownPath) {
  RouteTable table({MakeRoute("GET", "/hello", "Hello"), MakeRoute("GET", "/users/{id}", "User")});
  EXPECT_FALSE(table.Match("GET", "/goodbye"));
  EXPECT_FALSE(table.Match("GET", "/users"));
  EXPECT_FALSE(table.Match("GET", "/users/1/extra"));
  EXPECT_FALSE(table.Match("GET", "/hello/world"));
}

TEST(RouteTable, EmptyTableMatchesNothing) {
  RouteTable table({});
  EXPECT_FALSE(table.Match("GET", "/"));
  EXPECT_TRUE(table.RoutesForPath("/").empty());
}

TEST(RouteTable, HttpApiRoutesAsAwsDocumentsThem) {
  // "Routing API requests" in the HTTP API developer guide: its example table.
  auto http = [](std::string method, std::string path, std::string function) {
    return MakeRoute(std::move(method), std::move(path), std::move(function), "HttpApi",
                     ApiType::kHttp);
  };
  RouteTable table({http("GET", "/pets/dog/{id}", "Dog"), http("GET", "/pets/{proxy+}", "Pets"),
                    http("ANY", "/{proxy+}", "Any"), http("ANY", "$default", "Default")});
  EXPECT_EQ(FunctionFor(table, "GET", "/pets/dog/1"), "Dog");
  EXPECT_EQ(FunctionFor(table, "GET", "/pets/cat/1"), "Pets");
  EXPECT_EQ(FunctionFor(table, "POST", "/test/5"), "Any");
  EXPECT_EQ(FunctionFor(table, "GET", "/"), "Default");
}

TEST(RouteTable, HttpApiFullMatchBeatsGreedyButRestPrefersTheEarlierLiteral) {
  // HTTP API: a full match ranks above any greedy match. REST walks its
  // resource tree, taking the literal child first.
  RouteTable http({MakeRoute("GET", "/pets/{proxy+}", "Greedy", "HttpApi", ApiType::kHttp),
                   MakeRoute("GET", "/{a}/{b}", "Full", "HttpApi", ApiType::kHttp)});
  EXPECT_EQ(FunctionFor(http, "GET", "/pets/cat"), "Full");
  EXPECT_EQ(FunctionFor(http, "GET", "/pets/cat/1"), "Greedy");

  RouteTable rest(
      {MakeRoute("GET", "/pets/{proxy+}", "Greedy"), MakeRoute("GET", "/{a}/{b}", "Full")});
  EXPECT_EQ(FunctionFor(rest, "GET", "/pets/cat"), "Greedy");
}

TEST(RouteTable, HttpApiDefaultRouteCatchesWhatItsApiDoesNotRoute) {
  RouteTable table({MakeRoute("GET", "/hello", "Hello", "HttpApi", ApiType::kHttp),
                    MakeRoute("ANY", "$default", "Default", "HttpApi", ApiType::kHttp)});
  EXPECT_EQ(FunctionFor(table, "GET", "/hello"), "Hello");
  EXPECT_EQ(FunctionFor(table, "POST", "/hello"), "Default");
  EXPECT_EQ(FunctionFor(table, "GET", "/"), "Default");
  EXPECT_EQ(FunctionFor(table, "DELETE", "/x/y/z"), "Default");
  auto match = table.Match("GET", "/x");
  ASSERT_TRUE(match);
  EXPECT_TRUE(match->path_parameters.empty());
  EXPECT_EQ(match->route->RouteKey(), "$default");
}

TEST(RouteTable, DefaultRouteDoesNotShadowAnotherApisRoutes) {
  // The $default of the first API is only its fallback: a route of another API
  // sharing the port still wins, wherever it is declared.
  RouteTable table({MakeRoute("ANY", "$default", "DefaultA", "ApiA", ApiType::kHttp),
                    MakeRoute("GET", "/a", "RouteA", "ApiA", ApiType::kHttp),
                    MakeRoute("GET", "/b", "RouteB", "ApiB", ApiType::kHttp),
                    MakeRoute("ANY", "$default", "DefaultB", "ApiB", ApiType::kHttp)});
  EXPECT_EQ(FunctionFor(table, "GET", "/a"), "RouteA");
  EXPECT_EQ(FunctionFor(table, "GET", "/b"), "RouteB");
  EXPECT_EQ(FunctionFor(table, "GET", "/c"), "DefaultA");  // first declared $default
}

TEST(RouteTable, WithoutDefaultRouteRestApiHasNoFallback) {
  RouteTable table({MakeRoute("GET", "/a", "A")});
  EXPECT_FALSE(table.Match("GET", "/b"));
}

TEST(RouteTable, MethodIsComparedCaseInsensitively) {
  RouteTable table({MakeRoute("get", "/a", "A")});
  EXPECT_EQ(FunctionFor(table, "GET", "/a"), "A");
  EXPECT_EQ(table.routes()[0].method, "GET");
}

TEST(RouteTable, ManySegmentsStillMatch) {
  std::string path;
  for (int i = 0; i < 100; ++i) path += "/s" + std::to_string(i);
  RouteTable table({MakeRoute("GET", "/s0/{proxy+}", "Deep"), MakeRoute("GET", path, "Exact")});
  EXPECT_EQ(FunctionFor(table, "GET", path), "Exact");
  auto match = table.Match("GET", path + "/more");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route->function, "Deep");
  EXPECT_EQ(match->path_parameters.at("proxy"), path.substr(4) + "/more");
}

TEST(RouteTable, RoutesForPathListsEveryMethodMostSpecificFirstThenDefaults) {
  RouteTable table({MakeRoute("ANY", "$default", "Default", "HttpApi", ApiType::kHttp),
                    MakeRoute("GET", "/{proxy+}", "Greedy"), MakeRoute("POST", "/items", "Post"),
                    MakeRoute("GET", "/items", "Get"), MakeRoute("GET", "/other", "Other")});
  std::vector<std::string> functions;
  for (const Route* route : table.RoutesForPath("/items/")) functions.push_back(route->function);
  EXPECT_EQ(functions, (std::vector<std::string>{"Post", "Get", "Greedy", "Default"}));
}

TEST(RouteTable, MatchSurvivesCopyingTheTable) {
  RouteTable original({MakeRoute("GET", "/users/{id}", "User")});
  RouteTable copy = original;
  auto match = copy.Match("GET", "/users/9");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route, &copy.routes()[0]);
  EXPECT_EQ(match->path_parameters.at("id"), "9");
}

}  // namespace

}  // namespace lambda_emu::gateway
