#pragma once
// Identifiers in Lambda's formats: request ids (UUID v4), X-Ray trace ids and
// log stream names. A fast per-thread generator; not for cryptographic use.

#include <string>

namespace lambda_emu::pool {

std::string NewRequestId();  // "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
std::string NewTraceId();    // "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...;Sampled=0"
std::string LogStreamName(const std::string& version);  // "2024/01/31/[$LATEST]<32 hex>"

}  // namespace lambda_emu::pool
