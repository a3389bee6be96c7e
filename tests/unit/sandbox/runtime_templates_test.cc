// Which functions share a runtime template (sandbox/runtime_templates.h):
// the start-up variables decide, everything else a function sets does not.
#include "sandbox/runtime_templates.h"

#include <gtest/gtest.h>

namespace lambda_emu::sandbox {
namespace {

const std::vector<std::string> kCommand = {"/var/lang/bin/python3.11", "/var/runtime/bootstrap.py"};
const std::vector<std::string> kAlso = {"HOME=/home/sbx_user1051"};

ViewSpec View() {
  ViewSpec view;
  view.code_dir = "/code/a";
  view.runtime_dir = "/usr/share/lambda-emu/runtimes/python";
  view.interpreter_prefix = "/usr";
  view.hide = {"/var/lang/lib/python3/dist-packages"};
  return view;
}

TEST(RuntimeTemplates, StartupVariablesAreTheLoadersAndTheInterpreters) {
  for (const char* name :
       {"LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONWARNINGS", "PYTHONHASHSEED", "LANG",
        "LC_ALL", "LC_CTYPE", "LANGUAGE", "MALLOC_ARENA_MAX", "GLIBC_TUNABLES", "HOME"}) {
    EXPECT_TRUE(StartupVariable(name)) << name;
  }
  for (const char* name :
       {"PATH", "TZ", "AWS_REGION", "_HANDLER", "GREETING", "LAMBDA_TASK_ROOT", "PYTHON", "LD"}) {
    EXPECT_EQ(StartupVariable(name), std::string(name) == "PYTHON") << name;
  }
}

TEST(RuntimeTemplates, FunctionsThatDifferOnlyInOtherVariablesShareOne) {
  auto a = MakeRuntimeTemplateSpec(
      kCommand, View(), {"LANG=en_US.UTF-8", "_HANDLER=app.handler", "GREETING=hi"}, kAlso);
  ViewSpec other_code = View();
  other_code.code_dir = "/code/b";  // the template never sees a function's code
  auto b = MakeRuntimeTemplateSpec(kCommand, other_code,
                                   {"_HANDLER=other.main", "LANG=en_US.UTF-8", "TZ=:UTC"}, kAlso);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.env, (std::vector<std::string>{"LANG=en_US.UTF-8", "HOME=/home/sbx_user1051"}));
}

TEST(RuntimeTemplates, AStartupVariableOrAnotherInterpreterMakesAnotherTemplate) {
  auto plain = MakeRuntimeTemplateSpec(kCommand, View(), {"LANG=en_US.UTF-8"}, kAlso);
  auto warned = MakeRuntimeTemplateSpec(kCommand, View(),
                                        {"LANG=en_US.UTF-8", "PYTHONWARNINGS=ignore"}, kAlso);
  EXPECT_NE(plain.key, warned.key);
  auto other = MakeRuntimeTemplateSpec({"/var/lang/bin/python3.12", kCommand[1]}, View(),
                                       {"LANG=en_US.UTF-8"}, kAlso);
  EXPECT_NE(plain.key, other.key);
  ViewSpec host_packages = View();
  host_packages.hide.clear();
  EXPECT_NE(plain.key,
            MakeRuntimeTemplateSpec(kCommand, host_packages, {"LANG=en_US.UTF-8"}, kAlso).key);
}

TEST(RuntimeTemplates, TheLastValueOfAVariableWinsAndTheFunctionsHomeIsKept) {
  auto spec = MakeRuntimeTemplateSpec(
      kCommand, View(), {"LANG=C", "HOME=/tmp", "PYTHONPATH=/var/runtime", "LANG=en_US.UTF-8"},
      kAlso);
  EXPECT_EQ(spec.env,
            (std::vector<std::string>{"HOME=/tmp", "LANG=en_US.UTF-8", "PYTHONPATH=/var/runtime"}));
}

}  // namespace
}  // namespace lambda_emu::sandbox
