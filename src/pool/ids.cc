#include "pool/ids.h"

#include <chrono>
#include <ctime>
#include <random>

namespace lambda_emu::pool {

namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

void AppendHex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(value >> (i * 4)) & 0xf]);
}

}  // namespace

std::string NewRequestId() {
  std::uint64_t hi = Generator()();
  std::uint64_t lo = Generator()();
  hi = (hi & ~0xf000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(0xc000ull << 48)) | (0x8000ull << 48);  // variant 10
  std::string id;
  id.reserve(36);
  AppendHex(id, hi >> 32, 8);
  id.push_back('-');
  AppendHex(id, (hi >> 16) & 0xffff, 4);
  id.push_back('-');
  AppendHex(id, hi & 0xffff, 4);
  id.push_back('-');
  AppendHex(id, lo >> 48, 4);
  id.push_back('-');
  AppendHex(id, lo & 0xffffffffffffull, 12);
  return id;
}

std::string NewTraceId() {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  std::string id = "Root=1-";
  AppendHex(id, static_cast<std::uint64_t>(seconds), 8);
  id.push_back('-');
  AppendHex(id, Generator()(), 16);
  AppendHex(id, Generator()(), 8);
  id += ";Parent=";
  AppendHex(id, Generator()(), 16);
  id += ";Sampled=0";
  return id;
}

std::string LogStreamName(const std::string& version) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
  std::string name = std::string(date) + "/[" + version + "]";
  AppendHex(name, Generator()(), 16);
  AppendHex(name, Generator()(), 16);
  return name;
}

}  // namespace lambda_emu::pool
