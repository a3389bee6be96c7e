// lambda-emu-spare: what the server execs for each spare sandbox
// (sandbox/spare_process.h), with the argv `lambda-emu __spare` [forked PID]
// that `lambda-emu` itself also answers to.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "sandbox/spare_process.h"
#include "sandbox/spare_protocol.h"

int main(int argc, char** argv) {
  namespace spare = lambda_emu::sandbox::spare;
  if (argc < 2 || std::string_view(argv[1]) != spare::kCommand) {
    std::fputs("lambda-emu-spare is started by `lambda-emu serve`, not by hand\n", stderr);
    return 2;
  }
  const bool forked = argc == 4 && std::string_view(argv[2]) == spare::kForked;
  lambda_emu::sandbox::RunSpare(forked ? std::atoi(argv[3]) : -1);
}
