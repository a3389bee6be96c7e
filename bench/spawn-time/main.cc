// spawn-time: the bare cost of starting a runtime, for the cold-start benchmark's baseline.
// Runs a command N times (posix_spawn) in a given directory and prints the latency distribution as
// JSON. The clock stops at the command's first byte on stdout, or at its exit (EOF) if it prints
// nothing: a runtime is "started" when it is ready, and interpreters spend milliseconds tearing down
// at exit that a running environment never pays.
//
//   spawn-time --runs 20 --cwd DIR -- python3 -c "import app"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "../common/latency_histogram.h"

extern char** environ;

int main(int argc, char** argv) {
  unsigned runs = 20;
  unsigned warmup = 2;
  std::string cwd;
  std::vector<std::string> command;
  CLI::App app{"spawn-time: how long a command takes from spawn to its first output byte (or exit)"};
  app.add_option("--runs", runs, "Measured runs");
  app.add_option("--warmup", warmup, "Unmeasured runs first (page cache)");
  app.add_option("--cwd", cwd, "Working directory for the command");
  app.add_option("command", command, "The command and its arguments")->required();
  CLI11_PARSE(app, argc, argv);

  if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
    std::perror("spawn-time: chdir");
    return 2;
  }
  std::vector<char*> args;
  for (auto& a : command) args.push_back(a.data());
  args.push_back(nullptr);

  lambda_emu::bench::LatencyHistogram histogram;
  unsigned failures = 0;
  for (unsigned i = 0; i < warmup + runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      std::perror("spawn-time: pipe");
      return 2;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      std::perror("spawn-time: posix_spawnp");
      return 2;
    }
    char byte;
    while (read(out[0], &byte, 1) < 0 && errno == EINTR) {
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    char drain[4096];
    while (read(out[0], drain, sizeof drain) > 0) {
    }
    close(out[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    if (i >= warmup) histogram.Record(static_cast<uint64_t>(ns));
  }
  auto us = [](uint64_t ns) { return static_cast<double>(ns / 100) / 10.0; };
  nlohmann::json out = {{"runs", runs},
                        {"failures", failures},
                        {"latency_us",
                         {{"min", us(histogram.Min())},
                          {"p50", us(histogram.ValueAt(0.5))},
                          {"p90", us(histogram.ValueAt(0.9))},
                          {"max", us(histogram.Max())},
                          {"mean", us(static_cast<uint64_t>(histogram.Mean()))}}}};
  std::cout << out.dump() << std::endl;
  return failures == 0 ? 0 : 1;
}
