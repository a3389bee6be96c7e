"""Greeting helpers, shipped as a layer (importable from /opt/python on Lambda)."""

import os


def greet(name=None):
    """GREETING on its own, or 'hello NAME' when a name is given."""
    if not name:
        return os.environ.get("GREETING", "hello world")
    return f"hello {name}"
