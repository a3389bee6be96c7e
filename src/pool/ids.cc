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

// Writes the low `digits` hex digits of value, most significant first.
char* WriteHex(char* out, std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xf];
    value >>= 4;
  }
  return out + digits;
}

void AppendHex(std::string& out, std::uint64_t value, int digits) {
  char buf[16];
  out.append(buf, WriteHex(buf, value, digits));
}

}  // namespace

std::string NewRequestId() {
  std::uint64_t hi = Generator()();
  std::uint64_t lo = Generator()();
  hi = (hi & ~0xf000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(0xc000ull << 48)) | (0x8000ull << 48);  // variant 10
  std::string id(36, '-');
  WriteHex(&id[0], hi >> 32, 8);
  WriteHex(&id[9], hi >> 16, 4);
  WriteHex(&id[14], hi, 4);
  WriteHex(&id[19], lo >> 48, 4);
  WriteHex(&id[24], lo, 12);
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
