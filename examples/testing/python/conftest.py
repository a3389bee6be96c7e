# Loads the lambda_emu fixtures (same as `pytest -p lambda_emu_testing.pytest_plugin`).
pytest_plugins = ["lambda_emu_testing.pytest_plugin"]
