"""SnapStart's runtime hooks for Python (the `snapshot_restore_py` module of
Lambda's Python runtimes), as lambda-emu's runtime runs them
(docs/snapstart.md):

    from snapshot_restore_py import register_before_snapshot, register_after_restore

    @register_before_snapshot
    def close_connections():
        ...

    register_after_restore(reconnect, "db.example", port=5432)

A function registered with either (as a decorator, or called with the
arguments to call it with) runs once per snapshot (before-snapshot hooks, in
the reverse order of registration) or once per restored environment
(after-restore hooks, in the order of registration), in a published version
of a function with SnapStart. Elsewhere they are registered and never run.
"""

_before_snapshot = []
_after_restore = []


def register_before_snapshot(func, *args, **kwargs):
    """Runs func(*args, **kwargs) before the snapshot is taken; returns func."""
    _before_snapshot.append((func, args, kwargs))
    return func


def register_after_restore(func, *args, **kwargs):
    """Runs func(*args, **kwargs) in each environment restored from the
    snapshot, before its first event; returns func."""
    _after_restore.append((func, args, kwargs))
    return func


def get_before_snapshot():
    return _before_snapshot


def get_after_restore():
    return _after_restore
