#include "common/suggest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lambda_emu {

namespace {

const std::vector<std::string> kProperties = {"CodeUri",          "Handler",
                                              "Runtime",          "MemorySize",
                                              "Timeout",          "Environment",
                                              "Layers",           "Events",
                                              "Description",      "FunctionName",
                                              "Architectures",    "EphemeralStorage",
                                              "AutoPublishAlias", "ReservedConcurrentExecutions"};

TEST(ClosestName, OneLetterTypoFindsTheProperty) {
  EXPECT_EQ(ClosestName("MemorySise", kProperties), "MemorySize");
  EXPECT_EQ(ClosestName("Timout", kProperties), "Timeout");
  EXPECT_EQ(ClosestName("Handlr", kProperties), "Handler");
}

TEST(ClosestName, TransposedLettersFindTheProperty) {
  EXPECT_EQ(ClosestName("Runitme", kProperties), "Runtime");
}

TEST(ClosestName, IsCaseInsensitive) {
  EXPECT_EQ(ClosestName("memorysize", kProperties), "MemorySize");
  EXPECT_EQ(ClosestName("CODEURI", kProperties), "CodeUri");
  EXPECT_EQ(ClosestName("codeuri", kProperties), "CodeUri");
}

TEST(ClosestName, NothingCloseGivesEmpty) {
  EXPECT_EQ(ClosestName("Xyzzy", kProperties), "");
  EXPECT_EQ(ClosestName("VpcConfig", kProperties), "");
}

TEST(ClosestName, NoCandidatesGivesEmpty) { EXPECT_EQ(ClosestName("MemorySize", {}), ""); }

TEST(ClosestName, PicksTheClosestOfSeveral) {
  EXPECT_EQ(ClosestName("Layer", {"Layers", "Players", "Lay"}), "Layers");
  EXPECT_EQ(ClosestName("Events", {"Event", "Events"}), "Events");
}

TEST(DidYouMean, NamesTheClosestCandidate) {
  EXPECT_EQ(DidYouMean("MemorySise", kProperties), " (did you mean MemorySize?)");
}

TEST(DidYouMean, NothingCloseGivesEmpty) {
  EXPECT_EQ(DidYouMean("Xyzzy", kProperties), "");
  EXPECT_EQ(DidYouMean("Anything", {}), "");
}

}  // namespace

}  // namespace lambda_emu
