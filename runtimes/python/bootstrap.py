"""Entry point of lambda-emu's Python runtime interface client.

The client itself is lambda_emu_runtime.py: imported, its bytecode is cached
in __pycache__, whereas a script run as __main__ is compiled from source on
every start (~5 ms of every cold start for 600 lines).
"""

import sys

import lambda_emu_runtime

sys.exit(lambda_emu_runtime.main())
