// AWS Step Functions: the error object a Catch passes on to its next state.
#include "events/services.h"

namespace lambda_emu::events {

namespace {

EventJson Error(const OptionValues& v) {
  return {{"Error", v.at("error")}, {"Cause", v.at("cause")}};
}

}  // namespace

Service StepFunctionsService() {
  return {"stepfunctions",
          "AWS Step Functions events",
          {{"error",
            "Generates an AWS StepFunctions Error Event",
            {{"error", "ErrorName", "Error name"},
             {"cause", "This is the cause of the error.", "Error cause"}},
            Error}}};
}

}  // namespace lambda_emu::events
