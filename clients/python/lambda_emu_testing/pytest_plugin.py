"""pytest plugin: a `lambda_emu` fixture backed by a real lambda-emu server.

Load it with `pytest -p lambda_emu_testing.pytest_plugin`, or in the root
conftest.py:  pytest_plugins = ["lambda_emu_testing.pytest_plugin"]

Which project to serve (first match wins):
  - a marker on the test:  @pytest.mark.lambda_emu(template="template.yaml")
    (or config=..., extra_args=[...]; paths relative to the test file): the
    test gets a server of its own, stopped after it;
  - otherwise one server for the whole session, from the command line
    (--lambda-emu-template / --lambda-emu-config, relative to the current
    directory) or the ini file (lambda_emu_template / lambda_emu_config,
    relative to the ini file's directory); `lambda_emu_args` adds arguments.
    Before each test its counters are reset, so `assert_cold_starts(name, 1)`
    counts that test's invokes only. `@pytest.mark.lambda_emu(cold=True)` also
    stops its environments, so the test's first invoke of each function is cold.

Fixtures: `lambda_emu` (per test, a LambdaEmu) and `lambda_emu_session` (the
shared one).
"""

import os
import shlex

import pytest

from lambda_emu_testing import LambdaEmu


def pytest_addoption(parser):
    group = parser.getgroup("lambda-emu")
    group.addoption("--lambda-emu-template", help="SAM template the lambda_emu fixture serves")
    group.addoption("--lambda-emu-config", help="lambda-emu config the lambda_emu fixture serves")
    parser.addini("lambda_emu_template", "SAM template the lambda_emu fixture serves "
                  "(relative to the ini file)")
    parser.addini("lambda_emu_config", "lambda-emu config the lambda_emu fixture serves "
                  "(relative to the ini file)")
    parser.addini("lambda_emu_args", "extra arguments for `lambda-emu serve`")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "lambda_emu(template=None, config=None, extra_args=(), cold=False): serve this project "
        "for the test (a server of its own), or with cold=True stop the shared server's "
        "environments before the test")


def _session_project(config):
    base = str(config.inipath.parent) if config.inipath else str(config.rootpath)
    for kind in ("template", "config"):
        value = config.getoption(f"--lambda-emu-{kind}")
        if value:
            return {kind: os.path.abspath(value)}
    for kind in ("template", "config"):
        value = config.getini(f"lambda_emu_{kind}")
        if value:
            return {kind: os.path.join(base, value)}
    return None


@pytest.fixture(scope="session")
def lambda_emu_session(request):
    """The server shared by the session's tests (started on first use)."""
    project = _session_project(request.config)
    if project is None:
        raise pytest.UsageError(
            "lambda_emu: no project; set lambda_emu_template (or lambda_emu_config) in the "
            "ini file, pass --lambda-emu-template, or mark the test "
            "@pytest.mark.lambda_emu(template=...)")
    args = shlex.split(request.config.getini("lambda_emu_args") or "")
    emu = LambdaEmu(extra_args=args, **project)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def lambda_emu(request):
    """A started LambdaEmu for this test, its counters at zero."""
    marker = request.node.get_closest_marker("lambda_emu")
    options = dict(marker.kwargs) if marker else {}
    if any(options.get(key) for key in ("template", "config")):
        here = str(request.path.parent)
        project = {key: os.path.join(here, options[key])
                   for key in ("template", "config") if options.get(key)}
        with LambdaEmu(extra_args=options.get("extra_args", ()), **project) as emu:
            yield emu
        return
    emu = request.getfixturevalue("lambda_emu_session")
    emu.reset(stop_environments=bool(options.get("cold")))
    yield emu
