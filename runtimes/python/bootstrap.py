"""Entry point of lambda-emu's Python runtime interface client.

The client itself is lambda_emu_runtime.py: imported, its bytecode is cached
in __pycache__, whereas a script run as __main__ is compiled from source on
every start (~5 ms of every cold start for 600 lines).
"""

import os
import sys

if os.environ.get("LAMBDA_EMU_RUNTIME_TEMPLATE") == "1":
    # A runtime template (lambda_emu_template.py): returns only in a fork
    # that has become a function's runtime. (A SnapStart snapshot's,
    # "snapshot", runs the function's init first: lambda_emu_runtime.main.)
    import lambda_emu_template

    lambda_emu_template.serve()

import lambda_emu_runtime

sys.exit(lambda_emu_runtime.main())
