"""SnapStart in lambda-emu's Python runtime (docs/snapstart.md): after the
init of a SnapStart version's environment (AWS_LAMBDA_INITIALIZATION_TYPE
snap-start), the before-snapshot hooks, the snapshot, and the after-restore
hooks of `snapshot_restore_py`, with Lambda's error types when one fails.
Imported by lambda_emu_runtime.main() only in such environments.
"""

import os

import lambda_emu_runtime as rt
from lambda_emu_runtime_api import RuntimeApiClient


def _run_before_snapshot():
    """The before-snapshot hooks, last registered first (as Lambda runs them)."""
    from snapshot_restore_py import get_before_snapshot
    hooks = get_before_snapshot()
    while hooks:
        func, args, kwargs = hooks.pop()
        func(*args, **kwargs)


def _run_after_restore():
    """The after-restore hooks, in the order they were registered."""
    from snapshot_restore_py import get_after_restore
    for func, args, kwargs in get_after_restore():
        func(*args, **kwargs)


def snapshot_and_restore(client, in_template):
    """A SnapStart version's environment (AWS_LAMBDA_INITIALIZATION_TYPE
    snap-start), after its init: the before-snapshot hooks, the snapshot,
    then the after-restore hooks. In lambda-emu's snapshot (`in_template`,
    docs/snapstart.md) the snapshot is a fork per restored environment; an
    environment that ran its own init (none was ready) goes straight on.
    Returns the restored runtime's client, or an exit status."""
    try:
        _run_before_snapshot()
    except Exception as e:  # noqa: BLE001 - any hook's failure fails the init
        error = rt._error_from_exception(e)
        rt._log_error(error)
        rt._report_init_error(client, error, "Runtime.BeforeSnapshotError")
        return 64
    if in_template:
        import lambda_emu_template
        lambda_emu_template.snapshot()  # returns in a restored environment
        rt._setup_output()
        client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    client.restore_next()
    try:
        _run_after_restore()
    except Exception as e:  # noqa: BLE001 - any hook's failure fails the restore
        error = rt._error_from_exception(e)
        rt._log_error(error)
        client.post_restore_error(rt._to_json_bytes(error), "Runtime.AfterRestoreError")
        return 65
    return client
