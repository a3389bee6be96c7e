"""Bound by memory: holds `mb` MB at once (every page written), so sizes below that run out of
memory."""


def handler(event, context):
    mb = int(event.get("mb", 300))
    blocks = [b"x" * (1 << 20) for _ in range(mb)]
    return {"held_mb": len(blocks)}
