"""Config errors that say how to fix them (issue 17): a misspelt key gets the closest valid one,
an unsupported runtime gets the supported list and the way to run anything else
(provided.al2023 + bootstrap), a Code that is a source file says Code is a directory or a .zip.
Each is a real `lambda-emu serve` that must exit 2 before listening. The runtime list in the
error is the one in the code, so the docs are checked against it here too.
"""
import os
import re
import shutil
import tempfile
import unittest

from emu import REPO, serve_config_error


class ConfigErrorMessageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-config-errors-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.makedirs(os.path.join(self.tmp, "code"))
        with open(os.path.join(self.tmp, "code", "app.py"), "w") as f:
            f.write("def handler(event, context):\n    return 1\n")

    def serve_fails(self, config_text):
        """Runs `serve` on the config; returns its single error line."""
        return serve_config_error(self, self.tmp, "lambda-emu.yaml", config_text)

    def test_misspelt_key_suggests_the_closest_one(self):
        error = self.serve_fails("Functions:\n"
                                 "  hello:\n"
                                 "    Runtim: python3.12\n"
                                 "    Handler: app.handler\n"
                                 "    Code: ./code\n")
        self.assertTrue(error.endswith(
            "lambda-emu.yaml: function 'hello': Runtim: unknown key (did you mean Runtime?)"),
            error)

    def test_misspelt_top_level_key_suggests_functions(self):
        error = self.serve_fails("Function:\n  hello: {}\n")
        self.assertIn("Function: unknown top-level key (did you mean Functions?)", error)

    def test_unsupported_runtime_lists_the_supported_ones_and_provided(self):
        error = self.serve_fails("Functions:\n"
                                 "  hello:\n"
                                 "    Runtime: ruby3.3\n"
                                 "    Handler: app.handler\n"
                                 "    Code: ./code\n")
        self.assertIn("function 'hello': Runtime: unsupported runtime 'ruby3.3'; lambda-emu runs ",
                      error)
        runtimes = supported_runtimes(error)
        for expected in ("python3.12", "nodejs20.x", "provided.al2023"):
            self.assertIn(expected, runtimes, error)
        self.assertIn("Any other language runs as provided.al2023: put an executable `bootstrap` "
                      "in the code", error)
        self.assertNotIn("did you mean", error)

    def test_runtime_typo_suggests_the_runtime(self):
        error = self.serve_fails("Functions:\n"
                                 "  hello:\n"
                                 "    Runtime: pyhton3.12\n"
                                 "    Handler: app.handler\n"
                                 "    Code: ./code\n")
        self.assertIn("unsupported runtime 'pyhton3.12' (did you mean python3.12?)", error)

    def test_code_that_is_a_file_says_directory_or_zip(self):
        error = self.serve_fails("Functions:\n"
                                 "  hello:\n"
                                 "    Runtime: python3.12\n"
                                 "    Handler: app.handler\n"
                                 "    Code: code/app.py\n")
        self.assertIn("function 'hello': Code: 'code/app.py' is a file; Code must be a directory "
                      "or a .zip deployment package (the folder holding it would be Code: code)",
                      error)

    def test_docs_list_exactly_the_runtimes_the_server_runs(self):
        error = self.serve_fails("Functions:\n  f:\n    Runtime: cobol\n    Code: ./code\n")
        runtimes = supported_runtimes(error)
        self.assertGreater(len(runtimes), 10, error)
        for doc in ("runtimes.md", "configuration.md"):
            with open(os.path.join(REPO, "docs", doc)) as f:
                text = f.read()
            # Each doc has one list: the line that says "supported runtimes".
            listed = re.search(r"^.*[Ss]upported runtimes.*:(.*)$", text, re.M)
            self.assertIsNotNone(listed, f"docs/{doc} has no 'supported runtimes' line")
            named = re.findall(r"`([a-z0-9.]+)`", listed.group(1))
            self.assertEqual(named, runtimes, f"docs/{doc}: {listed.group(0)}")


def supported_runtimes(error):
    """The runtime names the server lists in an unsupported-runtime error, in order."""
    m = re.search(r"lambda-emu runs (.*?)\. Any other language", error)
    if m is None:
        raise AssertionError("no runtime list in: " + error)
    return m.group(1).split(", ")


if __name__ == "__main__":
    unittest.main()
